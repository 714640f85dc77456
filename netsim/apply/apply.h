/* SPDX-License-Identifier: MIT */
/*
 * The only code that touches the kernel: executes plan operations (plan/plan.h)
 * in network namespaces. Namespaces are made with iproute2's /run/netns recipe,
 * links/addresses/routes/rules go through libnl route sockets opened inside
 * each namespace, rulesets through libnftables contexts created inside it.
 *
 * Every namespace name must start with "netsim-": apply/ refuses to create,
 * enter or delete anything else, so it can never touch the root namespace.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "plan/plan.h"
#include "model/util.h"

#define NSIM_NETNS_PREFIX "netsim-"

struct nsim_apply;

/* One function per operation kind; each returns 0 or -errno and may leave a
 * detail (kernel extended ack, nft message) with nsim_apply_set_detail(). */
struct nsim_apply_backend {
	const char *name;
	int (*netns_add)(struct nsim_apply *ctx, const struct nsim_op *op);
	int (*sysctl)(struct nsim_apply *ctx, const struct nsim_op *op);
	int (*veth)(struct nsim_apply *ctx, const struct nsim_op *op);
	int (*link_up)(struct nsim_apply *ctx, const struct nsim_op *op);
	int (*addr)(struct nsim_apply *ctx, const struct nsim_op *op);
	int (*route)(struct nsim_apply *ctx, const struct nsim_op *op);
	int (*rule)(struct nsim_apply *ctx, const struct nsim_op *op);
	int (*nft)(struct nsim_apply *ctx, const struct nsim_op *op);
	int (*neigh)(struct nsim_apply *ctx, const struct nsim_op *op);
};

/* Executes for real (root). */
extern const struct nsim_apply_backend nsim_apply_backend_kernel;
/* Appends one line per op, an iproute2/nft command doing the same, to a buffer
 * read with nsim_apply_recording(). Touches nothing. */
extern const struct nsim_apply_backend nsim_apply_backend_record;

/* backend NULL = kernel; userdata is for custom backends (nsim_apply_userdata()).
 * NETSIM_FAIL_AT=N makes the Nth op executed through this context (1-based,
 * counted across calls) fail with -EIO before touching anything.
 * The context caches, per namespace, an fd, a route socket and an nft context
 * (two or three fds); nsim_apply_ops() releases a namespace's as soon as the
 * ops it was given have nothing more to do there, so the fds in use stay
 * bounded by the namespaces still being worked on (the routers, mostly), not
 * by the topology's size. What is cached keeps its namespace alive: free the
 * context before deleting namespaces. Use it from one thread at a time. The
 * kernel backend raises the soft RLIMIT_NOFILE to the hard limit and keeps
 * its fds >= FD_SETSIZE where the limit allows (libnftables uses select()).
 * Returns 0, -ENOMEM, -EINVAL (NETSIM_FAIL_AT not a positive number) or -errno
 * (the calling thread's namespace can't be opened); *ret owned by the caller. */
_must_check_ int nsim_apply_new(const struct nsim_apply_backend *backend, void *userdata, struct nsim_apply **ret);
void nsim_apply_free(struct nsim_apply *ctx);
NSIM_DEFINE_FREEP(struct nsim_apply, nsim_apply_free)
void *nsim_apply_userdata(struct nsim_apply *ctx);

/* Executes ops[0..n) in order and stops at the first failure. Returns 0 or the
 * failing op's -errno (nsim_apply_last_error() says which op and why, and for
 * EMFILE, ENFILE, ENOBUFS, ENOSPC, ENOMEM which kernel or process limit was
 * reached, in words). A namespace no later op of ops[0..n) works in is
 * released from the context's cache once its last op succeeded (a later call
 * opens it again if needed); -ENOMEM before the first op when the index of
 * last ops cannot be built.
 * *ret_done (may be NULL) is set in both cases to the number of ops that
 * succeeded, i.e. the index of the failing op. */
_must_check_ int nsim_apply_ops(struct nsim_apply *ctx, const struct nsim_op *ops, size_t n, size_t *ret_done);

/* The last failure as one human sentence: the op as an equivalent command,
 * strerror, then the kernel's or nft's own words, then the limit that was hit
 * when the error is one (nsim_apply_limit_hint()). "" when nothing failed.
 * Owned by ctx, valid until the next nsim_apply_ops() or free. */
const char *nsim_apply_last_error(struct nsim_apply *ctx);
/* Backends: attach detail to the failure being returned (printf-style). */
void nsim_apply_set_detail(struct nsim_apply *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For an errno that means "a limit was reached" (EMFILE, ENFILE, ENOBUFS,
 * ENOSPC from namespace creation, ENOMEM), a sentence naming the limit, its
 * current value where it can be read, and what to do; "" for any other
 * error. Reads /proc and getrlimit(), changes nothing. Writes buf (always
 * terminated) and returns it. `what` names the failing step ("netns",
 * "neigh", "socket", ... or NULL) to tell apart the limits behind one errno. */
const char *nsim_apply_limit_hint(int err, const char *what, char *buf, size_t size);

/* The recording backend's output ("" for other backends). Owned by ctx. */
const char *nsim_apply_recording(struct nsim_apply *ctx);
/* op as one line of an equivalent iproute2/nft command (nft text quoted as
 * bash $'...'). 0 or -ENOMEM; *ret owned by the caller. */
_must_check_ int nsim_apply_op_describe(const struct nsim_op *op, char **ret);

/* Removes /run/netns/<name> (detaching the bind mount, never following a symlink); the kernel frees the
 * namespace and every veth in it once the last reference goes. Idempotent:
 * 0 when it does not exist. -EINVAL for a name outside "netsim-". */
_must_check_ int nsim_apply_netns_del(const char *name);
/* nsim_apply_netns_del() of each of names[0..n), several at a time: each
 * unmount waits for an RCU grace period (namespace_unlock()), ~1.5 ms on a
 * 2-core machine, which waits run side by side. Holds a reference (an O_PATH
 * fd) on each namespace while it is unmounted, then drops them all, those
 * with first[i] set (may be NULL) first: the kernel's cleanup worker then
 * takes the namespaces in a few large batches, and none of those with an id
 * for many others (a router) is still alive while the rest go; see
 * docs/dataplane.md, "What each step costs". As many at a time as the limit
 * on open files allows (its soft limit is raised to the hard one).
 * ret_errors[i] (n of them, the caller's) gets the result of names[i].
 * Returns 0 or -ENOMEM (nothing deleted). */
_must_check_ int nsim_apply_netns_del_many(char *const *names, size_t n, const bool *first, int *ret_errors);
/* Empties the big namespaces of names[0..n) before they are deleted: in each
 * with 64 or more IPv4 routes (a router; a host has a few), deletes the
 * routes (one dump, the deletions many to a send, no acks) and every nftables
 * table (one transaction). The kernel's teardown of a namespace unregisters
 * its ports one by one, and each unregistration walks the whole IPv4 table
 * (fib_table_flush()) and every chain of the nftables tables
 * (nf_tables_netdev_event()): in a VPC router of N hosts, N ports times N
 * routes and 2N chains. Best effort: a namespace that cannot be entered is
 * left as it is. Never enters the root's or the caller's namespace.
 * ret_emptied[i] (n of them, the caller's) says whether names[i] was emptied.
 * Returns 0, or -errno when the caller's own namespace cannot be opened (then
 * nothing was done) or re-entered. */
_must_check_ int nsim_apply_netns_shrink(char *const *names, size_t n, bool *ret_emptied);
/* Names in /run/netns starting with prefix (which must start with "netsim-"),
 * sorted. *ret_names is NULL-terminated, owned by the caller
 * (nsim_strv_free(), model/strv.h; nsim_apply_names_free() is the same).
 * No /run/netns = an empty list. */
_must_check_ int nsim_apply_netns_list(const char *prefix, char ***ret_names, size_t *ret_n);
void nsim_apply_names_free(char **names);
