/* SPDX-License-Identifier: MIT */
/* Shared between the files of apply/; not part of the public interface. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "apply/apply.h"
#include "model/hashmap.h"
#include "model/util.h"

/* libnftables select()s on its socket, and glibc aborts on an fd >= FD_SETSIZE
 * in an fd_set: keep few nft contexts (one fd each) open at a time. */
#define APPLY_NFT_CACHED 64

/* The first interface index a veth end asks for in a namespace this context
 * made: past the loopback (1) and the fallback devices that tunnel modules add
 * to every new namespace (tunl0, sit0, gre0, ip6tnl0, ...: a dozen at most). */
#define APPLY_FIRST_IFINDEX 32

/* What nsim_ns.veth says of a veth end this context made. */
#define VETH_BORN_UP ((void *)1)
#define VETH_BORN_DOWN ((void *)2)

struct nl_sock;
struct nft_ctx;

/* What the context keeps per namespace. */
struct nsim_ns {
	char *name;
	int fd;              /* /run/netns/<name> or the namespace itself */
	struct nl_sock *sk;  /* NETLINK_ROUTE, opened inside */
	struct nft_ctx *nft; /* created inside on first NFT op */
	int sysctl_dir;      /* /proc/sys/net/ipv4 as seen inside, on first SYSCTL op; -1 = not yet */
	struct nsim_hashmap ifindex; /* ifname -> (void *)(intptr_t)ifindex */
	struct nsim_hashmap veth;    /* ifname -> VETH_BORN_UP (its link op has nothing to do) or VETH_BORN_DOWN */
	unsigned n_links;    /* veth ends this context made here */
	int next_ifindex;    /* the index the next veth end here asks for; 0 = let the kernel choose (a namespace
	                      * this context did not make, or one where an index was taken) */
};

struct apply_prefetch;

struct nsim_apply {
	const struct nsim_apply_backend *backend;
	struct apply_prefetch *prefetch; /* the thread making namespaces ahead, during nsim_apply_ops() */
	void *userdata;
	int self_ns;          /* the creating thread's netns, where we return to */
	bool run_dir_ready;   /* /run/netns exists and is a shared mount */
	int mountpoint_fd;    /* a file of /run/netns made by this nsim_apply_ops() call: the inode later mount points link to */
	unsigned long fail_at, count;
	unsigned long crash_at; /* NETSIM_CRASH_AT: SIGKILL ourselves at that op */
	struct nsim_hashmap ns;    /* name -> struct nsim_ns * */
	struct nsim_hashmap next_ifindex; /* name -> (void *)(intptr_t)nsim_ns.next_ifindex of a namespace this context
	                                   * made, once released */
	struct nsim_ns *nft_ring[APPLY_NFT_CACHED]; /* namespaces holding an nft context, oldest first out */
	unsigned nft_next;
	int nl_errno;         /* the kernel's errno from the last netlink error */
	char *error;
	char detail[1024];
	FILE *rec_f; /* recording backend: open_memstream() over rec */
	char *rec;
	size_t rec_len;
};

bool apply_netns_name_ok(const char *name);
/* Moves a cached fd to >= FD_SETSIZE when the limit allows, so that the low
 * numbers stay free for code that uses select() (libnftables). */
_must_check_ int apply_fd_high(int fd);
/* The cached namespace `name`, opening /run/netns/<name> and a route socket in
 * it on first use. */
_must_check_ int apply_ns_get(struct nsim_apply *ctx, const char *name, struct nsim_ns **ret);
/* Run with the calling thread inside ns; always returns to ctx->self_ns. */
_must_check_ int apply_netns_enter(struct nsim_apply *ctx, const struct nsim_ns *ns);
void apply_netns_leave(struct nsim_apply *ctx);
/* Opens ns->sk; the calling thread must be inside ns. */
_must_check_ int apply_ns_open_socket(struct nsim_apply *ctx, struct nsim_ns *ns);
void apply_ns_free(void *p);
/* A per-interface sysctl (rel: the key after net/ipv4/, "conf/DEV/NAME" or
 * "neigh/DEV/proxy_delay") set over ns's route socket instead of /proc/sys:
 * 0 or -errno when done that way, 1 when the key is not one it sets (write it
 * through /proc/sys). */
_must_check_ int apply_rtnl_sysctl(struct nsim_apply *ctx, struct nsim_ns *ns, const char *rel, const char *value);

/* libnl's -NLE_* to -errno, preferring the kernel's own errno when the
 * failure came from an netlink error message. */
_must_check_ int apply_nl_errno(struct nsim_apply *ctx, int nlerr);
void apply_nft_free(struct nft_ctx *nft);
/* A libnftables context with buffered output and errors, created in the
 * calling thread's namespace; checks first that a netfilter netlink socket
 * can be opened (libnftables 1.0.6 exit()s the process when it cannot).
 * 0, -ENOMEM or -errno of socket(). */
_must_check_ int apply_nft_open(struct nft_ctx **ret);

/* Starts a thread that makes the namespaces of ops[0..n)'s NETNS ops ahead of
 * apply_kernel_netns_add(), when there are many (apply/netns.c). 0 (also
 * when it makes none) or -ENOMEM. */
_must_check_ int apply_prefetch_start(struct nsim_apply *ctx, const struct nsim_op *ops, size_t n);
/* Stops and joins it, and removes the namespaces it made that no op took. */
void apply_prefetch_stop(struct nsim_apply *ctx);
_must_check_ int apply_kernel_netns_add(struct nsim_apply *ctx, const struct nsim_op *op);
_must_check_ int apply_kernel_sysctl(struct nsim_apply *ctx, const struct nsim_op *op);
_must_check_ int apply_kernel_veth(struct nsim_apply *ctx, const struct nsim_op *op);
_must_check_ int apply_kernel_link_up(struct nsim_apply *ctx, const struct nsim_op *op);
_must_check_ int apply_kernel_addr(struct nsim_apply *ctx, const struct nsim_op *op);
_must_check_ int apply_kernel_route(struct nsim_apply *ctx, const struct nsim_op *op);
_must_check_ int apply_kernel_rule(struct nsim_apply *ctx, const struct nsim_op *op);
_must_check_ int apply_kernel_nft(struct nsim_apply *ctx, const struct nsim_op *op);
_must_check_ int apply_kernel_neigh(struct nsim_apply *ctx, const struct nsim_op *op);
