/* SPDX-License-Identifier: MIT */
/* The apply context, the dispatcher, fault injection, error messages and the
 * recording backend. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "apply/apply-internal.h"
#include "model/util.h"

static uint64_t strhash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->nb)
		return NULL;
	for (struct strmap_entry *e = m->b[strhash(key) & (m->nb - 1)]; e; e = e->next)
		if (streq(e->key, key))
			return e->value;
	return NULL;
}

int strmap_put(struct strmap *m, const char *key, void *value)
{
	if (m->n >= m->nb) {
		size_t nb = m->nb ? m->nb * 2 : 16;
		struct strmap_entry **b = calloc(nb, sizeof(*b));
		if (!b)
			return -ENOMEM;
		for (size_t i = 0; i < m->nb; i++)
			for (struct strmap_entry *e = m->b[i], *next; e; e = next) {
				next = e->next;
				e->next = b[strhash(e->key) & (nb - 1)];
				b[strhash(e->key) & (nb - 1)] = e;
			}
		free(m->b);
		m->b = b;
		m->nb = nb;
	}
	size_t len = strlen(key) + 1;
	struct strmap_entry *e = malloc(sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, len);
	e->value = value;
	e->next = m->b[strhash(key) & (m->nb - 1)];
	m->b[strhash(key) & (m->nb - 1)] = e;
	m->n++;
	return 0;
}

void strmap_clear(struct strmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->nb; i++)
		for (struct strmap_entry *e = m->b[i], *next; e; e = next) {
			next = e->next;
			if (free_value)
				free_value(e->value);
			free(e);
		}
	free(m->b);
	*m = (struct strmap){0};
}

int nsim_apply_new(const struct nsim_apply_backend *backend, void *userdata, struct nsim_apply **ret)
{
	_cleanup_free_ struct nsim_apply *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->backend = backend ? backend : &nsim_apply_backend_kernel;
	ctx->userdata = userdata;
	ctx->self_ns = -1;
	if (ctx->backend == &nsim_apply_backend_kernel) {
		ctx->self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
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
	const char *f = getenv("NETSIM_FAIL_AT");
	if (f && *f) {
		char *end;
		errno = 0;
		ctx->fail_at = strtoul(f, &end, 10);
		if (errno || *end)
			ctx->fail_at = 0;
	}
	*ret = TAKE_PTR(ctx);
	return 0;
}

void nsim_apply_free(struct nsim_apply *ctx)
{
	if (!ctx)
		return;
	strmap_clear(&ctx->ns, apply_ns_free);
	if (ctx->self_ns >= 0)
		close(ctx->self_ns);
	free(ctx->error);
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
	/* nft ends its messages with newlines and carets; keep one paragraph */
	size_t len = strlen(ctx->detail);
	while (len && (ctx->detail[len - 1] == '\n' || ctx->detail[len - 1] == ' '))
		ctx->detail[--len] = 0;
}

const char *nsim_apply_recording(struct nsim_apply *ctx)
{
	return ctx->rec ? ctx->rec : "";
}

static const char *ip(uint32_t a, char buf[static INET_ADDRSTRLEN])
{
	uint32_t be = htonl(a);
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

/* nft text as a bash $'...' word so the recorded line stays one line. */
static void quote_nft(const char *text, char *buf, size_t size)
{
	size_t o = 0;
	for (const char *p = text; *p && o + 3 < size; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\'' || *p == '\\') {
			buf[o++] = '\\';
			buf[o++] = *p == '\n' ? 'n' : *p == '\t' ? 't' : *p;
		} else
			buf[o++] = *p;
	}
	buf[o] = 0;
}

void nsim_apply_op_describe(const struct nsim_op *op, char *buf, size_t size)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], table[24] = "";
	const char *ns = op->ns ? op->ns : "?", *dev = op->ifname ? op->ifname : "?";

	if (op->kind == NSIM_OP_ROUTE && op->table != NSIM_TABLE_MAIN)
		snprintf(table, sizeof(table), " table %u", op->table);
	switch (op->kind) {
	case NSIM_OP_NETNS:
		snprintf(buf, size, "ip netns add %s", ns);
		break;
	case NSIM_OP_SYSCTL:
		snprintf(buf, size, "ip netns exec %s sysctl -qw %s=%s", ns, op->key ? op->key : "?",
			 op->value ? op->value : "?");
		break;
	case NSIM_OP_VETH:
		snprintf(buf, size, "ip -n %s link add %s type veth peer name %s netns %s", ns, dev,
			 op->peer_ifname ? op->peer_ifname : "?", op->peer_ns ? op->peer_ns : "?");
		break;
	case NSIM_OP_LINK_UP:
		snprintf(buf, size, "ip -n %s link set %s up", ns, dev);
		break;
	case NSIM_OP_ADDR:
		snprintf(buf, size, "ip -n %s addr add %s/%u dev %s%s", ns, ip(op->addr, a), op->prefix, dev,
			 op->prefix == 32 ? " noprefixroute" : "");
		break;
	case NSIM_OP_ROUTE:
		if (op->route_type == NSIM_ROUTE_BLACKHOLE)
			snprintf(buf, size, "ip -n %s route add blackhole %s/%u%s", ns, ip(op->dst.addr, a),
				 op->dst.len, table);
		else if (op->gateway)
			snprintf(buf, size, "ip -n %s route add %s/%u via %s%s%s%s%s", ns, ip(op->dst.addr, a),
				 op->dst.len, ip(op->gateway, b), op->ifname ? " dev " : "",
				 op->ifname ? op->ifname : "", op->ifname ? " onlink" : "", table);
		else
			snprintf(buf, size, "ip -n %s route add %s/%u dev %s scope link%s", ns, ip(op->dst.addr, a),
				 op->dst.len, dev, table);
		break;
	case NSIM_OP_RULE: {
		char from[NSIM_CIDR_STRLEN] = "all";
		if (op->src.len)
			snprintf(from, sizeof(from), "%s/%u", ip(op->src.addr, a), op->src.len);
		snprintf(buf, size, "ip -n %s rule add priority %u from %s%s%s lookup %u", ns, op->priority, from,
			 op->ifname ? " iif " : "", op->ifname ? op->ifname : "", op->table);
		break;
	}
	case NSIM_OP_NFT: {
		char q[4096];
		quote_nft(op->text ? op->text : "", q, sizeof(q));
		snprintf(buf, size, "ip netns exec %s nft $'%s'", ns, q);
		break;
	}
	default:
		snprintf(buf, size, "unknown operation %d in %s", (int)op->kind, ns);
	}
}

static int record(struct nsim_apply *ctx, const struct nsim_op *op)
{
	char line[8192];
	nsim_apply_op_describe(op, line, sizeof(line));
	size_t len = strlen(line);
	if (ctx->rec_len + len + 2 > ctx->rec_cap) {
		size_t cap = (ctx->rec_len + len + 2) * 2;
		char *rec = realloc(ctx->rec, cap);
		if (!rec)
			return -ENOMEM;
		ctx->rec = rec;
		ctx->rec_cap = cap;
	}
	memcpy(ctx->rec + ctx->rec_len, line, len);
	ctx->rec_len += len;
	ctx->rec[ctx->rec_len++] = '\n';
	ctx->rec[ctx->rec_len] = 0;
	return 0;
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
	if (ctx->fail_at && ctx->count == ctx->fail_at) {
		nsim_apply_set_detail(ctx, "injected by NETSIM_FAIL_AT=%lu", ctx->fail_at);
		return -EIO;
	}
	return fn(ctx, op);
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
			char what[512];
			nsim_apply_op_describe(&ops[i], what, sizeof(what));
			if (asprintf(&ctx->error, "%s: %s%s%s", what, strerror(-r), ctx->detail[0] ? ": " : "",
				     ctx->detail) < 0)
				ctx->error = NULL;
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
