/* SPDX-License-Identifier: MIT */
/* The apply context, the dispatcher, fault injection, error messages and the
 * recording backend. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "apply/apply-internal.h"
#include "model/fileio.h"
#include "model/util.h"

int nsim_apply_new(const struct nsim_apply_backend *backend, void *userdata, struct nsim_apply **ret)
{
	const char *fail_at = getenv("NETSIM_FAIL_AT"), *crash_at = getenv("NETSIM_CRASH_AT");
	_cleanup_free_ struct nsim_apply *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	if (fail_at && *fail_at) {
		char *end;
		errno = 0;
		ctx->fail_at = strtoul(fail_at, &end, 10);
		if (errno || *end || !ctx->fail_at || *fail_at == '-')
			return -EINVAL;
	}
	if (crash_at && *crash_at) {
		char *end;
		errno = 0;
		ctx->crash_at = strtoul(crash_at, &end, 10);
		if (errno || *end || !ctx->crash_at || *crash_at == '-')
			return -EINVAL;
	}
	ctx->backend = backend ? backend : &nsim_apply_backend_kernel;
	ctx->userdata = userdata;
	ctx->self_ns = -1;
	ctx->mountpoint_fd = -1;
	if (ctx->backend == &nsim_apply_backend_kernel) {
		ctx->self_ns = apply_fd_high(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
		if (ctx->self_ns < 0)
			return -errno;
		/* `up` itself needs few (namespaces are released after their
		 * last op), but the responder it forks next keeps one socket per
		 * listening port, and libnftables wants our fds above
		 * FD_SETSIZE (apply_fd_high()). */
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	*ret = TAKE_PTR(ctx);
	return 0;
}

void nsim_apply_free(struct nsim_apply *ctx)
{
	if (!ctx)
		return;
	apply_prefetch_stop(ctx);
	nsim_hashmap_clear(&ctx->ns, apply_ns_free);
	nsim_hashmap_clear(&ctx->next_ifindex, NULL);
	if (ctx->self_ns >= 0)
		close(ctx->self_ns);
	if (ctx->mountpoint_fd >= 0)
		close(ctx->mountpoint_fd);
	free(ctx->error);
	if (ctx->rec_f)
		fclose(ctx->rec_f);
	free(ctx->rec);
	free(ctx);
}

void *nsim_apply_userdata(struct nsim_apply *ctx)
{
	return ctx->userdata;
}

const char *nsim_apply_last_error(struct nsim_apply *ctx)
{
	return ctx->error ? ctx->error : "";
}

void nsim_apply_set_detail(struct nsim_apply *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->detail, sizeof(ctx->detail), fmt, ap);
	va_end(ap);
	/* nft ends its messages with a newline */
	size_t len = strlen(ctx->detail);
	while (len && (ctx->detail[len - 1] == '\n' || ctx->detail[len - 1] == ' '))
		ctx->detail[--len] = 0;
}

const char *nsim_apply_recording(struct nsim_apply *ctx)
{
	return ctx->rec ? ctx->rec : "";
}

/* nft text as a bash $'...' word, so that a recorded op stays one line. */
static void quote_nft(FILE *f, const char *text)
{
	fputs("$'", f);
	for (const char *p = text; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\'' || *p == '\\')
			fprintf(f, "\\%c", *p == '\n' ? 'n' : *p == '\t' ? 't' : *p);
		else
			fputc(*p, f);
	fputc('\'', f);
}

static void describe(FILE *f, const struct nsim_op *op)
{
	if (op->kind == NSIM_OP_NFT) {
		fprintf(f, "ip netns exec %s nft ", op->ns ? op->ns : "?");
		quote_nft(f, op->text ? op->text : "");
		return;
	}
	char line[512];
	nsim_plan_op_format(op, line, sizeof(line));
	fputs(line, f);
}

int nsim_apply_op_describe(const struct nsim_op *op, char **ret)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	describe(f, op);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

static int record(struct nsim_apply *ctx, const struct nsim_op *op)
{
	if (!ctx->rec_f && !(ctx->rec_f = open_memstream(&ctx->rec, &ctx->rec_len)))
		return -ENOMEM;
	describe(ctx->rec_f, op);
	fputc('\n', ctx->rec_f);
	return fflush(ctx->rec_f) == 0 ? 0 : -ENOMEM;
}

const struct nsim_apply_backend nsim_apply_backend_record = {
	.name = "record",
	.netns_add = record,
	.sysctl = record,
	.veth = record,
	.link_up = record,
	.addr = record,
	.route = record,
	.rule = record,
	.nft = record,
	.neigh = record,
};

static int dispatch(struct nsim_apply *ctx, const struct nsim_op *op)
{
	const struct nsim_apply_backend *b = ctx->backend;
	int (*fn)(struct nsim_apply *, const struct nsim_op *) = NULL;

	switch (op->kind) {
	case NSIM_OP_NETNS: fn = b->netns_add; break;
	case NSIM_OP_SYSCTL: fn = b->sysctl; break;
	case NSIM_OP_VETH: fn = b->veth; break;
	case NSIM_OP_LINK_UP: fn = b->link_up; break;
	case NSIM_OP_ADDR: fn = b->addr; break;
	case NSIM_OP_ROUTE: fn = b->route; break;
	case NSIM_OP_RULE: fn = b->rule; break;
	case NSIM_OP_NFT: fn = b->nft; break;
	case NSIM_OP_NEIGH: fn = b->neigh; break;
	}
	if (!fn)
		return -EOPNOTSUPP;
	if (!op->ns)
		return -EINVAL;
	ctx->count++;
	/* the test of `down` after `kill -9` of `up`, at a known point */
	if (ctx->crash_at && ctx->count == ctx->crash_at)
		kill(getpid(), SIGKILL);
	if (ctx->fail_at && ctx->count == ctx->fail_at) {
		nsim_apply_set_detail(ctx, "injected by NETSIM_FAIL_AT=%lu", ctx->fail_at);
		return -EIO;
	}
	return fn(ctx, op);
}

static const char *op_step(const struct nsim_op *op)
{
	switch (op->kind) {
	case NSIM_OP_NETNS: return "netns";
	case NSIM_OP_SYSCTL: return "sysctl";
	case NSIM_OP_VETH: return "veth";
	case NSIM_OP_LINK_UP: return "link";
	case NSIM_OP_ADDR: return "addr";
	case NSIM_OP_ROUTE: return "route";
	case NSIM_OP_RULE: return "rule";
	case NSIM_OP_NFT: return "nft";
	case NSIM_OP_NEIGH: return "neigh";
	}
	return NULL;
}

static void rlimit_words(char *buf, size_t size)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		snprintf(buf, size, "the process's limit on open files (ulimit -n)");
		return;
	}
	char hard[32] = "unlimited";
	if (rl.rlim_max != RLIM_INFINITY)
		snprintf(hard, sizeof(hard), "%llu", (unsigned long long)rl.rlim_max);
	snprintf(buf, size, "the process's limit on open files (RLIMIT_NOFILE, ulimit -n: %llu, hard limit %s)",
		 (unsigned long long)rl.rlim_cur, hard);
}

const char *nsim_apply_limit_hint(int err, const char *what, char *buf, size_t size)
{
	char words[160], num[32];
	const char *v;
	if (err < 0)
		err = -err;
	buf[0] = 0;
	switch (err) {
	case EMFILE:
		rlimit_words(words, sizeof(words));
		snprintf(buf, size,
			 "%s was reached: `up` keeps two or three open per namespace it is still building; "
			 "raise it (ulimit -n) and run again",
			 words);
		break;
	case ENFILE:
		v = nsim_file_limit_value("/proc/sys/fs/file-max", num);
		snprintf(buf, size,
			 "the system-wide limit on open files (fs.file-max%s) was reached: other processes hold "
			 "them; close some, or raise it (sysctl fs.file-max)", v);
		break;
	case ENOSPC:
		if (what && streq(what, "netns")) {
			v = nsim_file_limit_value("/proc/sys/user/max_net_namespaces", num);
			snprintf(buf, size,
				 "the limit on network namespaces (user.max_net_namespaces%s) was reached: "
				 "take down other instances (netsim ls) or raise it", v);
		}
		break;
	case ENOBUFS:
		v = nsim_file_limit_value("/proc/sys/net/ipv4/neigh/default/gc_thresh3", num);
		if (what && streq(what, "neigh"))
			snprintf(buf, size,
				 "the kernel could not allocate a neighbour entry: permanent entries are exempt from "
				 "the neighbour table's limit (net.ipv4.neigh.default.gc_thresh3%s, shared by "
				 "every namespace), so this is kernel memory", v);
		else
			snprintf(buf, size,
				 "a kernel buffer or table is full (for packets: the neighbour table, "
				 "net.ipv4.neigh.default.gc_thresh3%s, shared by every namespace; for "
				 "netlink: the socket's receive buffer)", v);
		break;
	case ENOMEM:
		snprintf(buf, size, "out of memory (the kernel's, or netsim's own)");
		break;
	default:
		break;
	}
	return buf;
}

static void set_error(struct nsim_apply *ctx, const struct nsim_op *op, int r)
{
	char hint[512];
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	/* a ruleset is long: nft's own message quotes the line it refused */
	if (op->kind == NSIM_OP_NFT)
		fprintf(f, "loading an nft ruleset into %s", op->ns);
	else
		describe(f, op);
	fprintf(f, ": %s%s%s", strerror(-r), ctx->detail[0] ? ": " : "", ctx->detail);
	if (nsim_apply_limit_hint(r, op_step(op), hint, sizeof(hint))[0])
		fprintf(f, ": %s", hint);
	if (fclose(f) == 0)
		ctx->error = buf;
	else
		free(buf);
}

/* Drops what the context caches for namespace `name` (fd, route socket, nft
 * context, interface indexes). */
static void release_ns(struct nsim_apply *ctx, const char *name)
{
	struct nsim_ns *ns = nsim_hashmap_remove(&ctx->ns, name);
	if (!ns)
		return;
	/* a namespace this context made keeps choosing its own indexes when
	 * a later call opens it again (ENOMEM: the kernel chooses then) */
	if (ns->next_ifindex && nsim_hashmap_put(&ctx->next_ifindex, name, (void *)(intptr_t)ns->next_ifindex) < 0)
		ns->next_ifindex = 0;
	for (size_t i = 0; i < ELEMENTSOF(ctx->nft_ring); i++)
		if (ctx->nft_ring[i] == ns)
			ctx->nft_ring[i] = NULL;
	apply_ns_free(ns);
}

/* name -> 1 + the index of the last op in ops[0..n) working in it. */
static int index_last_ops(const struct nsim_op *ops, size_t n, struct nsim_hashmap *last)
{
	for (size_t i = 0; i < n; i++) {
		int r = ops[i].ns ? nsim_hashmap_put(last, ops[i].ns, (void *)(uintptr_t)(i + 1)) : 0;
		if (r == 0 && ops[i].kind == NSIM_OP_VETH && ops[i].peer_ns)
			r = nsim_hashmap_put(last, ops[i].peer_ns, (void *)(uintptr_t)(i + 1));
		if (r < 0)
			return r;
	}
	return 0;
}

static void release_done(struct nsim_apply *ctx, const struct nsim_hashmap *last, const struct nsim_op *op, size_t i)
{
	const char *names[2] = {op->ns, op->kind == NSIM_OP_VETH ? op->peer_ns : NULL};
	for (size_t k = 0; k < ELEMENTSOF(names); k++)
		if (names[k] && (uintptr_t)nsim_hashmap_get(last, names[k]) == i + 1)
			release_ns(ctx, names[k]);
}

int nsim_apply_ops(struct nsim_apply *ctx, const struct nsim_op *ops, size_t n, size_t *ret_done)
{
	struct nsim_hashmap last = {0};
	bool caches = ctx->backend == &nsim_apply_backend_kernel;
	size_t i = 0;
	int r = 0;

	free(ctx->error);
	ctx->error = NULL;
	/* Only the kernel backend caches per namespace: release each one after
	 * its last op, so the fds held do not grow with the topology. */
	if (caches && ((r = index_last_ops(ops, n, &last)) < 0 || (r = apply_prefetch_start(ctx, ops, n)) < 0)) {
		nsim_hashmap_clear(&last, NULL);
		if (ret_done)
			*ret_done = 0;
		return r;
	}
	for (i = 0; i < n; i++) {
		ctx->detail[0] = 0;
		ctx->nl_errno = 0;
		r = dispatch(ctx, &ops[i]);
		if (r < 0) {
			set_error(ctx, &ops[i], r);
			break;
		}
		if (caches)
			release_done(ctx, &last, &ops[i], i);
	}
	nsim_hashmap_clear(&last, NULL);
	apply_prefetch_stop(ctx);
	/* nor the mount point that later ones link to (apply/netns.c) */
	if (ctx->mountpoint_fd >= 0) {
		close(ctx->mountpoint_fd);
		ctx->mountpoint_fd = -1;
	}
	if (ret_done)
		*ret_done = i;
	return r;
}

const struct nsim_apply_backend nsim_apply_backend_kernel = {
	.name = "kernel",
	.netns_add = apply_kernel_netns_add,
	.sysctl = apply_kernel_sysctl,
	.veth = apply_kernel_veth,
	.link_up = apply_kernel_link_up,
	.addr = apply_kernel_addr,
	.route = apply_kernel_route,
	.rule = apply_kernel_rule,
	.nft = apply_kernel_nft,
	.neigh = apply_kernel_neigh,
};
