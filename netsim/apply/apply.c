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
	if (ctx->backend == &nsim_apply_backend_kernel) {
		ctx->self_ns = apply_fd_high(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
		if (ctx->self_ns < 0)
			return -errno;
		/* Each namespace keeps an fd and a socket open: 1000 hosts need
		 * more than the usual soft limit of 1024. */
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
	nsim_hashmap_clear(&ctx->ns, apply_ns_free);
	if (ctx->self_ns >= 0)
		close(ctx->self_ns);
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

static void set_error(struct nsim_apply *ctx, const struct nsim_op *op, int r)
{
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
	if (fclose(f) == 0)
		ctx->error = buf;
	else
		free(buf);
}

int nsim_apply_ops(struct nsim_apply *ctx, const struct nsim_op *ops, size_t n, size_t *ret_done)
{
	size_t i;
	int r = 0;

	free(ctx->error);
	ctx->error = NULL;
	for (i = 0; i < n; i++) {
		ctx->detail[0] = 0;
		ctx->nl_errno = 0;
		r = dispatch(ctx, &ops[i]);
		if (r < 0) {
			set_error(ctx, &ops[i], r);
			break;
		}
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
};
