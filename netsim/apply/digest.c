/* SPDX-License-Identifier: MIT */
/* Drift: read-only dumps of routes, rules and nft rulesets, compared with the
 * plan. Everything runs in one thread made for it, which enters each
 * namespace in turn and ends there: the caller's namespace never changes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <nftables/libnftables.h>

#include "apply/apply-internal.h"
#include "apply/digest.h"
#include "model/hashmap.h"
#include "model/util.h"

struct findings {
	char **list; /* NULL-terminated */
	size_t n, cap;
	int err;
};

__attribute__((format(printf, 2, 3))) static void finding(struct findings *f, const char *fmt, ...)
{
	if (f->err)
		return;
	if (f->n + 1 >= f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		char **l = reallocarray(f->list, cap, sizeof(*l));
		if (!l) {
			f->err = -ENOMEM;
			return;
		}
		f->list = l;
		f->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&f->list[f->n], fmt, ap);
	va_end(ap);
	if (n < 0) {
		f->list[f->n] = NULL; /* undefined after a failure: the list stays terminated */
		f->err = -ENOMEM;
		return;
	}
	f->list[++f->n] = NULL;
}

/* ops of one namespace, by index into p->ops */
struct ns_ops {
	size_t *idx;
	size_t n, cap;
	bool nft;
};

struct job {
	const struct nsim_plan *p;
	const char *digest_text;
	struct nsim_hashmap by_ns; /* namespace -> struct ns_ops * */
	struct findings f;
	char *snapshot; /* snapshot mode: the text made */
	size_t snap_len;
	bool snapshot_mode;
	int err;
};

static void ns_ops_free(void *v)
{
	struct ns_ops *o = v;
	if (o)
		free(o->idx);
	free(o);
}

static int index_ops(struct job *j)
{
	for (size_t i = 0; i < j->p->n_ops; i++) {
		const struct nsim_op *op = &j->p->ops[i];
		if (op->kind != NSIM_OP_ROUTE && op->kind != NSIM_OP_RULE && op->kind != NSIM_OP_NFT)
			continue;
		struct ns_ops *o = nsim_hashmap_get(&j->by_ns, op->ns);
		if (!o) {
			if (!(o = calloc(1, sizeof(*o))))
				return -ENOMEM;
			if (nsim_hashmap_put(&j->by_ns, op->ns, o) < 0) {
				free(o);
				return -ENOMEM;
			}
		}
		if (op->kind == NSIM_OP_NFT) {
			o->nft = true;
			continue;
		}
		if (o->n == o->cap) {
			size_t cap = o->cap ? o->cap * 2 : 8;
			size_t *l = reallocarray(o->idx, cap, sizeof(*l));
			if (!l)
				return -ENOMEM;
			o->idx = l;
			o->cap = cap;
		}
		o->idx[o->n++] = i;
	}
	return 0;
}

static uint32_t addr_of(struct nl_addr *a, unsigned *ret_len)
{
	uint32_t v = 0;
	*ret_len = 0;
	if (!a)
		return 0;
	*ret_len = nl_addr_get_prefixlen(a);
	if (nl_addr_get_len(a) == 4) {
		memcpy(&v, nl_addr_get_binary_addr(a), 4);
		v = ntohl(v);
	}
	return v;
}

/* "table private" when a route op of this namespace into that table names
 * its route table in its comment ("route table private: ..."), "table main",
 * else "table N". */
static void table_name(const struct job *j, const struct ns_ops *o, uint32_t table, char *buf, size_t size)
{
	static const char prefix[] = "route table ";
	if (table == NSIM_TABLE_MAIN) {
		snprintf(buf, size, "table main");
		return;
	}
	for (size_t i = 0; o && i < o->n; i++) {
		const struct nsim_op *op = &j->p->ops[o->idx[i]];
		if (op->kind != NSIM_OP_ROUTE || op->table != table || !op->comment ||
		    strncmp(op->comment, prefix, sizeof(prefix) - 1) != 0)
			continue;
		const char *name = op->comment + sizeof(prefix) - 1;
		snprintf(buf, size, "table %.*s", (int)strcspn(name, ":"), name);
		return;
	}
	snprintf(buf, size, "table %u", table);
}

static const char *route_kind(enum nsim_route_type t)
{
	switch (t) {
	case NSIM_ROUTE_BLACKHOLE:
		return "blackhole route";
	case NSIM_ROUTE_THROW:
		return "throw route";
	case NSIM_ROUTE_UNICAST:
		break;
	}
	return "route";
}

static enum nsim_route_type route_type_of(int rtn)
{
	return rtn == RTN_BLACKHOLE ? NSIM_ROUTE_BLACKHOLE : rtn == RTN_THROW ? NSIM_ROUTE_THROW : NSIM_ROUTE_UNICAST;
}

struct kroute {
	uint32_t table, dst;
	unsigned len;
	enum nsim_route_type type;
	bool ours; /* made by someone (not the kernel for an address) */
	bool matched;
};

struct krule {
	uint32_t prio, table, src;
	unsigned len;
	char iif[16];
	uint32_t mark; /* 0: none */
	bool matched;
};

static int compare_routes(struct job *j, struct nl_sock *sk, const char *ns, const struct ns_ops *o)
{
	struct nl_cache *cache = NULL;
	int r = rtnl_route_alloc_cache(sk, AF_INET, 0, &cache);
	if (r < 0)
		return -EIO;
	size_t n = (size_t)nl_cache_nitems(cache), k = 0;
	struct kroute *kr = calloc(n + 1, sizeof(*kr));
	if (!kr) {
		nl_cache_free(cache);
		return -ENOMEM;
	}
	for (struct nl_object *obj = nl_cache_get_first(cache); obj && k < n; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *rt = (struct rtnl_route *)obj;
		struct kroute *x = &kr[k++];
		x->table = rtnl_route_get_table(rt);
		x->dst = addr_of(rtnl_route_get_dst(rt), &x->len);
		x->type = route_type_of(rtnl_route_get_type(rt));
		x->ours = rtnl_route_get_protocol(rt) != RTPROT_KERNEL && x->table != RT_TABLE_LOCAL;
	}
	nl_cache_free(cache);

	char c[NSIM_CIDR_STRLEN], table[64];
	for (size_t i = 0; o && i < o->n; i++) {
		const struct nsim_op *op = &j->p->ops[o->idx[i]];
		if (op->kind != NSIM_OP_ROUTE)
			continue;
		bool found = false;
		for (size_t m = 0; m < k && !found; m++)
			if (kr[m].table == op->table && kr[m].dst == op->dst.addr && kr[m].len == op->dst.len &&
			    kr[m].type == op->route_type)
				found = kr[m].matched = true;
		if (!found) {
			table_name(j, o, op->table, table, sizeof(table));
			finding(&j->f, "%s %s missing from %s in %s", route_kind(op->route_type), nsim_cidr_fmt(op->dst, c),
				table, ns);
		}
	}
	for (size_t m = 0; m < k; m++)
		if (kr[m].ours && !kr[m].matched) {
			table_name(j, o, kr[m].table, table, sizeof(table));
			finding(&j->f, "%s %s in %s of %s was not made by netsim", route_kind(kr[m].type),
				nsim_cidr_fmt((struct nsim_cidr){.addr = kr[m].dst, .len = (uint8_t)kr[m].len}, c), table, ns);
		}
	free(kr);
	return 0;
}

static bool default_rule(const struct krule *x)
{
	/* the kernel's own: 0 local, 32766 main, 32767 default (libnl reads the
	 * last one's table as main: compare the priorities only) */
	return !x->len && !x->iif[0] && (x->prio == 0 || x->prio == 32766 || x->prio == 32767);
}

static int compare_rules(struct job *j, struct nl_sock *sk, const char *ns, const struct ns_ops *o)
{
	struct nl_cache *cache = NULL;
	if (rtnl_rule_alloc_cache(sk, AF_INET, &cache) < 0)
		return -EIO;
	size_t n = (size_t)nl_cache_nitems(cache), k = 0;
	struct krule *kr = calloc(n + 1, sizeof(*kr));
	if (!kr) {
		nl_cache_free(cache);
		return -ENOMEM;
	}
	for (struct nl_object *obj = nl_cache_get_first(cache); obj && k < n; obj = nl_cache_get_next(obj)) {
		struct rtnl_rule *ru = (struct rtnl_rule *)obj;
		struct krule *x = &kr[k++];
		x->prio = rtnl_rule_get_prio(ru);
		x->table = rtnl_rule_get_table(ru);
		x->src = addr_of(rtnl_rule_get_src(ru), &x->len);
		/* libnl: UINT32_MAX when the rule has no fwmark */
		x->mark = rtnl_rule_get_mark(ru) == UINT32_MAX ? 0 : rtnl_rule_get_mark(ru);
		const char *iif = rtnl_rule_get_iif(ru);
		snprintf(x->iif, sizeof(x->iif), "%s", iif ? iif : "");
	}
	nl_cache_free(cache);

	char c[NSIM_CIDR_STRLEN], table[64];
	for (size_t i = 0; o && i < o->n; i++) {
		const struct nsim_op *op = &j->p->ops[o->idx[i]];
		if (op->kind != NSIM_OP_RULE)
			continue;
		bool found = false;
		for (size_t m = 0; m < k && !found; m++)
			if (kr[m].prio == op->priority && kr[m].table == op->table && kr[m].len == op->src.len &&
			    (!op->src.len || kr[m].src == op->src.addr) && streq(kr[m].iif, op->ifname ? op->ifname : "") &&
			    kr[m].mark == op->fwmark)
				found = kr[m].matched = true;
		if (!found) {
			table_name(j, o, op->table, table, sizeof(table));
			finding(&j->f, "rule %u (from %s%s%s lookup %s) missing from %s", op->priority,
				op->src.len ? nsim_cidr_fmt(op->src, c) : "all", op->ifname ? " iif " : "",
				op->ifname ? op->ifname : "", table, ns);
		}
	}
	for (size_t m = 0; m < k; m++)
		if (!kr[m].matched && !default_rule(&kr[m])) {
			table_name(j, o, kr[m].table, table, sizeof(table));
			finding(&j->f, "rule %u (lookup %s) in %s was not made by netsim", kr[m].prio, table, ns);
		}
	free(kr);
	return 0;
}


/* The ruleset's hash, inside the current namespace. */
static int ruleset_hash(uint64_t *ret)
{
	struct nft_ctx *nft = NULL;
	int r = apply_nft_open(&nft);
	if (r < 0)
		return r;
	/* counters change with every packet: leave them out */
	nft_ctx_output_set_flags(nft, nft_ctx_output_get_flags(nft) | NFT_CTX_OUTPUT_STATELESS);
	if (nft_run_cmd_from_buffer(nft, "list ruleset") != 0) {
		r = -EIO;
		goto out;
	}
	const char *text = nft_ctx_get_output_buffer(nft);
	/* FNV-1a: a change detector, not a defence */
	*ret = nsim_hash_str(NSIM_HASH_INIT, text ? text : "");
	r = 0;
out:
	nft_ctx_free(nft);
	return r;
}

/* The hash `up` recorded for ns in the digest text; false if none. */
static bool recorded_hash(const char *text, const char *ns, uint64_t *ret)
{
	size_t len = strlen(ns);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, "nft ", 4) != 0 || strncmp(l + 4, ns, len) != 0 || l[4 + len] != ' ')
			continue;
		char *end;
		errno = 0;
		unsigned long long h = strtoull(l + 5 + len, &end, 16);
		if (errno || end == l + 5 + len)
			return false;
		*ret = h;
		return true;
	}
	return false;
}

static int one_ns(struct job *j, const char *ns)
{
	const struct ns_ops *o = nsim_hashmap_get(&j->by_ns, ns);
	if (j->snapshot_mode && !(o && o->nft))
		return 0; /* the snapshot holds rulesets only */
	char path[PATH_MAX];
	if (nsim_plan_ns_path(path, sizeof(path), ns) >= sizeof(path))
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			return -errno;
		if (j->snapshot_mode)
			return -ENOENT;
		finding(&j->f, "namespace %s is missing", ns);
		return 0;
	}
	int r = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;

	if (o && o->nft && (j->snapshot_mode || j->digest_text)) {
		uint64_t h = 0, want = 0;
		if ((r = ruleset_hash(&h)) < 0)
			return r;
		if (j->snapshot_mode) {
			char line[PATH_MAX + 32];
			int n = snprintf(line, sizeof(line), "nft %s %016llx\n", ns, (unsigned long long)h);
			char *s = realloc(j->snapshot, j->snap_len + (size_t)n + 1);
			if (!s)
				return -ENOMEM;
			memcpy(s + j->snap_len, line, (size_t)n + 1);
			j->snapshot = s;
			j->snap_len += (size_t)n;
		} else if (recorded_hash(j->digest_text, ns, &want) && want != h)
			finding(&j->f, "the nft ruleset of %s differs from the one 'up' loaded", ns);
	}
	if (j->snapshot_mode)
		return 0;

	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		return -EIO;
	}
	r = compare_routes(j, sk, ns, o);
	if (r >= 0)
		r = compare_rules(j, sk, ns, o);
	nl_socket_free(sk);
	return r;
}

static void *run(void *arg)
{
	struct job *j = arg;
	for (size_t i = 0; i < j->p->n_namespaces && !j->err && !j->f.err; i++)
		j->err = one_ns(j, j->p->namespaces[i]);
	if (!j->err)
		j->err = j->f.err;
	return NULL;
}

static int run_job(struct job *j)
{
	int r = index_ops(j);
	if (r < 0)
		return r;
	pthread_t th;
	if ((r = pthread_create(&th, NULL, run, j)) != 0)
		return -r;
	pthread_join(th, NULL);
	return j->err;
}

int nsim_apply_digest_snapshot(const struct nsim_plan *p, char **ret_text)
{
	struct job j = {.p = p, .snapshot_mode = true};
	int r = run_job(&j);
	nsim_hashmap_clear(&j.by_ns, ns_ops_free);
	if (r == 0 && !j.snapshot)
		j.snapshot = strdup("");
	if (r == 0 && !j.snapshot)
		r = -ENOMEM;
	if (r < 0) {
		free(j.snapshot);
		return r;
	}
	*ret_text = j.snapshot;
	return 0;
}

int nsim_apply_digest_compare(const struct nsim_plan *p, const char *digest_text, char ***ret_findings,
			      size_t *ret_n)
{
	struct job j = {.p = p, .digest_text = digest_text};
	int r = run_job(&j);
	nsim_hashmap_clear(&j.by_ns, ns_ops_free);
	if (r == 0 && !j.f.list && !(j.f.list = calloc(1, sizeof(char *))))
		r = -ENOMEM;
	if (r < 0) {
		nsim_apply_names_free(j.f.list);
		return r;
	}
	*ret_findings = j.f.list;
	*ret_n = j.f.n;
	return 0;
}
