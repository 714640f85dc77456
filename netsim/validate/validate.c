/* SPDX-License-Identifier: MIT */
/*
 * The semantic rules of topology format v1, each message with its AWS reason,
 * and the completion of the model: every name resolved to an index, every
 * missing private address assigned. Every problem is reported: nothing stops
 * at the first one, and a value already reported is not blamed again for what
 * follows from it. Beside each message, the AWS documentation page it
 * follows, or "netsim rule:" (tests/unit/check-aws-sources.sh keeps it so).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/strv.h"
#include "model/util.h"
#include "validate/kinds.h"
#include "validate/validate.h"

#define COMPONENT_NAME_MAX 32
/* AWS: "Amazon VPC quotas", security groups per network interface,
 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
#define SG_PER_INTERFACE_MAX 5
/* AWS: 32767 and up are reserved; "CreateNetworkAclEntry (Amazon EC2 API Reference)",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html */
#define ACL_RULE_MAX 32766
/* "did you mean" compares with every name: bound that work on hostile input. */
#define SUGGEST_BUDGET 256

/* VPCs, gateways, hosts, VPC endpoints, peerings and internet hosts share
 * one namespace: expect:, via: and route targets refer to them by bare name. */
enum gkind { G_VPC, G_IGW, G_NAT, G_HOST, G_PEERING, G_INET_HOST, G_ENDPOINT, G_N };
#define M(k) (1u << (k))
#define M_ANY (M(G_N) - 1)

static const char *const gkind_a[G_N] = {
	[G_VPC] = "a VPC",
	[G_IGW] = "an internet gateway",
	[G_NAT] = "a NAT gateway",
	[G_HOST] = "a host",
	[G_PEERING] = "a peering",
	[G_INET_HOST] = "an internet host",
	[G_ENDPOINT] = "a VPC endpoint",
};

static const char *const gkind_name[G_N] = {
	[G_VPC] = "VPC",
	[G_IGW] = "internet gateway",
	[G_NAT] = "NAT gateway",
	[G_HOST] = "host",
	[G_PEERING] = "peering",
	[G_INET_HOST] = "internet host",
	[G_ENDPOINT] = "VPC endpoint",
};

struct entry {
	const char *name;
	struct nsim_pos pos;
	unsigned kind;
	size_t a, b;
};

/* Names sorted by (name, position): the first of a run is the definition. */
struct index {
	struct entry *v;
	size_t n, cap;
};

struct vpc_ns {
	struct index subnets, rts, sgs, acls;
	size_t *peers; /* VPCs peered with this one */
	size_t n_peers, cap_peers;
	bool *subnet_ok; /* CIDR usable for addresses (size in range) */
};

struct ctx {
	struct nsim_topology *t;
	struct nsim_diags *d;
	struct index global;
	struct vpc_ns *ns;
	unsigned suggest_budget;
	bool oom;
};

/* A sort key for finding duplicates in document order. */
struct key {
	uint64_t k;
	struct nsim_pos pos;
	size_t idx;
};

#define DYM "%s%s%s"
#define DYM_ARGS(s) (s) ? "; did you mean '" : "", (s) ? (s) : "", (s) ? "'?" : ""

static const char *nm(const struct nsim_ref *r)
{
	return r->name ? r->name : "?";
}

static int pos_cmp(struct nsim_pos a, struct nsim_pos b)
{
	if (a.line != b.line)
		return a.line < b.line ? -1 : 1;
	if (a.col != b.col)
		return a.col < b.col ? -1 : 1;
	return 0;
}

static struct nsim_pos pos_or(struct nsim_pos p, struct nsim_pos fallback)
{
	return p.line ? p : fallback;
}

/* ---- small containers ---- */

static void index_add(struct ctx *c, struct index *ix, const struct nsim_ref *name, unsigned kind,
		      size_t a, size_t b)
{
	if (!name->name)
		return;
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 16;
		struct entry *v = realloc(ix->v, cap * sizeof(*v));
		if (!v) {
			c->oom = true;
			return;
		}
		ix->v = v;
		ix->cap = cap;
	}
	ix->v[ix->n++] = (struct entry){ .name = name->name, .pos = name->pos, .kind = kind, .a = a, .b = b };
}

static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int r = strcmp(a->name, b->name);
	return r ? r : pos_cmp(a->pos, b->pos);
}

static void index_sort(struct index *ix)
{
	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof(*ix->v), entry_cmp);
}

static const struct entry *index_find(const struct index *ix, const char *name)
{
	size_t lo = 0, hi = ix->n;

	if (!name)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && streq(ix->v[lo].name, name) ? &ix->v[lo] : NULL;
}

static void index_free(struct index *ix)
{
	free(ix->v);
	*ix = (struct index){ 0 };
}

static int key_cmp(const void *x, const void *y)
{
	const struct key *a = x, *b = y;
	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	return pos_cmp(a->pos, b->pos);
}

static struct key *keys_new(struct ctx *c, size_t n)
{
	struct key *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		c->oom = true;
	return v;
}

static void keys_sort(struct key *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), key_cmp);
}

static void peers_add(struct ctx *c, struct vpc_ns *ns, size_t vpc)
{
	if (ns->n_peers == ns->cap_peers) {
		size_t cap = ns->cap_peers ? ns->cap_peers * 2 : 4;
		size_t *v = realloc(ns->peers, cap * sizeof(*v));
		if (!v) {
			c->oom = true;
			return;
		}
		ns->peers = v;
		ns->cap_peers = cap;
	}
	ns->peers[ns->n_peers++] = vpc;
}

/* ---- "did you mean" ---- */

/* 'web' for 'web-sg': a name cut short is as likely as a typo. */
static bool is_prefix(const char *shorter, const char *longer)
{
	size_t n = strlen(shorter);
	return n >= 3 && strncmp(shorter, longer, n) == 0;
}

/* The closest name of the given kinds, or NULL when none is close. */
static const char *suggest(struct ctx *c, const struct index *ix, unsigned mask, const char *name)
{
	const char *best = NULL;
	size_t len, limit, best_d;

	if (!name || c->suggest_budget == 0)
		return NULL;
	c->suggest_budget--;
	len = strlen(name);
	limit = len < 4 ? 1 : len < 7 ? 2 : 3;
	best_d = limit + 1;
	for (size_t i = 0; i < ix->n; i++) {
		const struct entry *e = &ix->v[i];
		size_t dist;
		if (!(mask & M(e->kind)))
			continue;
		dist = nsim_edit_distance(name, e->name);
		if (dist > limit && (is_prefix(name, e->name) || is_prefix(e->name, name)))
			dist = limit;
		if (dist > 0 && dist < best_d) {
			best_d = dist;
			best = e->name;
		}
	}
	return best;
}

/* ---- CIDR helpers ---- */

static struct nsim_cidr cidr_norm(struct nsim_cidr x)
{
	x.addr = nsim_cidr_network(x);
	return x;
}

static bool cidr_eq(struct nsim_cidr a, struct nsim_cidr b)
{
	a = cidr_norm(a);
	b = cidr_norm(b);
	return a.addr == b.addr && a.len == b.len;
}

static bool check_aligned(struct ctx *c, struct nsim_cidr x, struct nsim_pos pos, const char *what,
			  const char *name)
{
	char s[NSIM_CIDR_STRLEN], fixed[NSIM_CIDR_STRLEN];

	/* netsim rule: a CIDR with host bits set is most likely a typo, so it is refused */
	if (nsim_cidr_aligned(x))
		return true;
	nsim_diag_error(c->d, pos, "%s '%s': CIDR %s has host bits set; did you mean %s?", what, name,
			nsim_cidr_fmt(x, s), nsim_cidr_fmt(cidr_norm(x), fixed));
	return false;
}

/* AWS: VPC and subnet CIDR blocks are /16 (65,536 addresses) to /28 (16).
 * "VPC CIDR blocks", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html;
 * "Subnet CIDR blocks", https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html */
static bool check_block_size(struct ctx *c, struct nsim_cidr x, struct nsim_pos pos, const char *what,
			     const char *name)
{
	char s[NSIM_CIDR_STRLEN];

	if (x.len >= 16 && x.len <= 28)
		return true;
	nsim_diag_error(c->d, pos,
			"%s '%s' CIDR %s is too %s: AWS allows %s CIDR blocks from /16 (65,536 addresses) "
			"to /28 (16 addresses)",
			what, name, nsim_cidr_fmt(x, s), x.len < 16 ? "large" : "small", what);
	return false;
}

/* ---- names ---- */

/* [a-z0-9][a-z0-9-]*, 1 to max characters */
static bool name_chars_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static void check_topology_name(struct ctx *c)
{
	const struct nsim_ref *r = &c->t->name;

	/* netsim rule: names become namespace, interface and nftables names */
	if (!r->name || name_chars_ok(r->name, NSIM_NAME_MAX))
		return;
	nsim_diag_error(c->d, r->pos,
			"topology name '%s' is invalid: use 1-%d characters from a-z, 0-9 and '-', starting "
			"with a letter or digit (it names the namespaces, netsim-<name>-<node>)",
			r->name, NSIM_NAME_MAX);
}

static void check_name(struct ctx *c, const char *what, const struct nsim_ref *r)
{
	/* netsim rule: names become namespace, interface and nftables names */
	if (!r->name || name_chars_ok(r->name, COMPONENT_NAME_MAX))
		return;
	nsim_diag_error(c->d, r->pos,
			"%s name '%s' is invalid: use 1-%d characters from a-z, 0-9 and '-', starting with "
			"a letter or digit (netsim builds namespace and nftables names from them)",
			what, r->name, COMPONENT_NAME_MAX);
}

static void check_global_name(struct ctx *c, enum gkind k, const struct nsim_ref *r)
{
	check_name(c, gkind_name[k], r);
	if (!r->name)
		return;
	/* netsim rule: "internet" and "blackhole" are keywords of the format */
	if (streq(r->name, "internet"))
		nsim_diag_error(c->d, r->pos,
				"%s name 'internet' is reserved: expect and via use it for the simulated internet",
				gkind_name[k]);
	else if (streq(r->name, "blackhole"))
		nsim_diag_error(c->d, r->pos,
				"%s name 'blackhole' is reserved: it is the route target that drops traffic",
				gkind_name[k]);
}

static void build_global(struct ctx *c)
{
	struct nsim_topology *t = c->t;

	for (size_t v = 0; v < t->n_vpcs; v++) {
		struct nsim_vpc *vpc = &t->vpcs[v];
		index_add(c, &c->global, &vpc->name, G_VPC, v, 0);
		index_add(c, &c->global, &vpc->internet_gateway, G_IGW, v, 0);
		for (size_t i = 0; i < vpc->n_nat_gateways; i++)
			index_add(c, &c->global, &vpc->nat_gateways[i].name, G_NAT, v, i);
		for (size_t i = 0; i < vpc->n_hosts; i++)
			index_add(c, &c->global, &vpc->hosts[i].name, G_HOST, v, i);
		for (size_t i = 0; i < vpc->n_endpoints; i++)
			index_add(c, &c->global, &vpc->endpoints[i].name, G_ENDPOINT, v, i);
	}
	for (size_t i = 0; i < t->n_peerings; i++)
		index_add(c, &c->global, &t->peerings[i].name, G_PEERING, i, 0);
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		index_add(c, &c->global, &t->inet_hosts[i].name, G_INET_HOST, i, 0);
	index_sort(&c->global);
}

static void report_global_dups(struct ctx *c)
{
	const struct index *ix = &c->global;

	/* netsim rule: expect, via and route targets refer to components by bare name */
	for (size_t i = 1, first = 0; i < ix->n; i++) {
		if (!streq(ix->v[first].name, ix->v[i].name)) {
			first = i;
			continue;
		}
		nsim_diag_error(c->d, ix->v[i].pos,
				"name '%s' is already used by %s (first defined at %u:%u): VPCs, internet "
				"gateways, NAT gateways, hosts, VPC endpoints, peerings and internet hosts share "
				"one namespace, since expect and via refer to them by name",
				ix->v[i].name, gkind_a[ix->v[first].kind], ix->v[first].pos.line,
				ix->v[first].pos.col);
	}
}

static void build_vpc_index(struct ctx *c, struct index *ix, const char *what, const char *vpc_name)
{
	index_sort(ix);
	/* netsim rule: rules and subnets refer to these by name within their VPC */
	for (size_t i = 1, first = 0; i < ix->n; i++) {
		if (!streq(ix->v[first].name, ix->v[i].name)) {
			first = i;
			continue;
		}
		nsim_diag_error(c->d, ix->v[i].pos,
				"%s name '%s' is already used in VPC '%s' (first defined at %u:%u): %s names "
				"must be unique within their VPC",
				what, ix->v[i].name, vpc_name, ix->v[first].pos.line, ix->v[first].pos.col, what);
	}
}

static void check_vpc_names(struct ctx *c, size_t v)
{
	struct nsim_vpc *vpc = &c->t->vpcs[v];
	struct vpc_ns *ns = &c->ns[v];

	check_global_name(c, G_VPC, &vpc->name);
	check_global_name(c, G_IGW, &vpc->internet_gateway);
	for (size_t i = 0; i < vpc->n_subnets; i++) {
		check_name(c, "subnet", &vpc->subnets[i].name);
		index_add(c, &ns->subnets, &vpc->subnets[i].name, 0, i, 0);
	}
	for (size_t i = 0; i < vpc->n_route_tables; i++) {
		check_name(c, "route table", &vpc->route_tables[i].name);
		index_add(c, &ns->rts, &vpc->route_tables[i].name, 0, i, 0);
	}
	for (size_t i = 0; i < vpc->n_security_groups; i++) {
		const struct nsim_ref *r = &vpc->security_groups[i].name;
		/* `default` is the VPC's default group (validate/security_groups.c) */
		check_name(c, "security group", r);
		index_add(c, &ns->sgs, r, 0, i, 0);
	}
	for (size_t i = 0; i < vpc->n_network_acls; i++) {
		const struct nsim_ref *r = &vpc->network_acls[i].name;
		check_name(c, "network ACL", r);
		/* Every VPC has a default network ACL.
		 * AWS: "Control subnet traffic with network access control lists",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
		 * netsim rule: it has no name; "default" stands for it */
		if (r->name && streq(r->name, "default"))
			nsim_diag_error(c->d, r->pos,
					"network ACL name 'default' is reserved: it is the VPC's default ACL, "
					"which subnets without network_acl use");
		index_add(c, &ns->acls, r, 0, i, 0);
	}
	for (size_t i = 0; i < vpc->n_nat_gateways; i++)
		check_global_name(c, G_NAT, &vpc->nat_gateways[i].name);
	for (size_t i = 0; i < vpc->n_hosts; i++)
		check_global_name(c, G_HOST, &vpc->hosts[i].name);
	for (size_t i = 0; i < vpc->n_endpoints; i++)
		check_global_name(c, G_ENDPOINT, &vpc->endpoints[i].name);

	build_vpc_index(c, &ns->subnets, "subnet", nm(&vpc->name));
	build_vpc_index(c, &ns->rts, "route table", nm(&vpc->name));
	build_vpc_index(c, &ns->sgs, "security group", nm(&vpc->name));
	build_vpc_index(c, &ns->acls, "network ACL", nm(&vpc->name));
}

static void check_names(struct ctx *c)
{
	struct nsim_topology *t = c->t;

	check_topology_name(c);
	for (size_t v = 0; v < t->n_vpcs; v++)
		check_vpc_names(c, v);
	for (size_t i = 0; i < t->n_peerings; i++)
		check_global_name(c, G_PEERING, &t->peerings[i].name);
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		check_global_name(c, G_INET_HOST, &t->inet_hosts[i].name);
	build_global(c);
	report_global_dups(c);
}

/* ---- VPCs and subnets ---- */

static const struct {
	uint32_t addr;
	uint8_t len;
	const char *what;
} special_ranges[] = {
	{ 0x00000000, 8, "'this network', 0.0.0.0/8" },
	{ 0x7f000000, 8, "loopback, 127.0.0.0/8" },
	{ 0xa9fe0000, 16, "link-local, 169.254.0.0/16" },
	{ 0xe0000000, 3, "multicast and reserved, 224.0.0.0/3" },
	{ 0xc0000200, 24, "the documentation range 192.0.2.0/24, which netsim uses for its internet" },
	{ 0xc6336400, 24, "the documentation range 198.51.100.0/24, which netsim uses for its internet" },
	{ 0xcb007100, 24, "the documentation range 203.0.113.0/24, which netsim uses for its internet" },
};

static void check_vpc_cidr(struct ctx *c, struct nsim_vpc *vpc)
{
	char s[NSIM_CIDR_STRLEN];

	check_aligned(c, vpc->cidr, vpc->cidr_pos, "VPC", nm(&vpc->name));
	if (!check_block_size(c, vpc->cidr, vpc->cidr_pos, "VPC", nm(&vpc->name)))
		return;
	for (size_t i = 0; i < ELEMENTSOF(special_ranges); i++) {
		struct nsim_cidr r = { special_ranges[i].addr, special_ranges[i].len };
		/* Link-local 169.254.0.0/16 cannot be assigned to a VPC.
		 * AWS: "VPC CIDR blocks",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
		 * netsim rule: the other ranges are not unicast, or are netsim's internet */
		if (!nsim_cidr_overlaps(cidr_norm(vpc->cidr), r))
			continue;
		nsim_diag_error(c->d, vpc->cidr_pos,
				"VPC '%s' CIDR %s overlaps %s: %s (use a private range such as 10.0.0.0/16)",
				nm(&vpc->name), nsim_cidr_fmt(vpc->cidr, s), special_ranges[i].what,
				i >= ELEMENTSOF(special_ranges) - 3
					? "netsim does not model VPCs in its internet's ranges yet"
					: "a VPC's addresses must be ordinary unicast addresses");
		return;
	}
}

static void check_subnet_cidr(struct ctx *c, size_t v, size_t i)
{
	struct nsim_vpc *vpc = &c->t->vpcs[v];
	struct nsim_subnet *s = &vpc->subnets[i];
	char a[NSIM_CIDR_STRLEN], b[NSIM_CIDR_STRLEN];

	check_aligned(c, s->cidr, s->cidr_pos, "subnet", nm(&s->name));
	c->ns[v].subnet_ok[i] = check_block_size(c, s->cidr, s->cidr_pos, "subnet", nm(&s->name));
	/* A subnet's CIDR is a subset of its VPC's.
	 * AWS: "Subnet CIDR blocks",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html */
	if (!nsim_cidr_contains(cidr_norm(vpc->cidr), cidr_norm(s->cidr)))
		nsim_diag_error(c->d, s->cidr_pos,
				"subnet '%s' (%s) is outside VPC '%s' (%s): a subnet's CIDR must lie within its "
				"VPC's CIDR",
				nm(&s->name), nsim_cidr_fmt(s->cidr, a), nm(&vpc->name),
				nsim_cidr_fmt(vpc->cidr, b));
}

/* Sorted by first address, a subnet overlaps an earlier one exactly when it
 * starts before the furthest end seen so far. */
static void check_subnet_overlaps(struct ctx *c, size_t v)
{
	struct nsim_vpc *vpc = &c->t->vpcs[v];
	_cleanup_free_ struct key *k = keys_new(c, vpc->n_subnets);
	uint64_t max_end = 0;
	size_t max_i = 0;

	if (!k)
		return;
	for (size_t i = 0; i < vpc->n_subnets; i++)
		k[i] = (struct key){ nsim_cidr_network(vpc->subnets[i].cidr), vpc->subnets[i].cidr_pos, i };
	keys_sort(k, vpc->n_subnets);
	for (size_t j = 0; j < vpc->n_subnets; j++) {
		const struct nsim_subnet *s = &vpc->subnets[k[j].idx];
		uint64_t end = nsim_cidr_broadcast(s->cidr);
		/* The subnets of a VPC cannot overlap.
		 * AWS: "Subnet CIDR blocks",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html */
		if (j > 0 && k[j].k <= max_end) {
			const struct nsim_subnet *o = &vpc->subnets[max_i], *later = s, *earlier = o;
			char a[NSIM_CIDR_STRLEN], b[NSIM_CIDR_STRLEN];
			if (pos_cmp(o->cidr_pos, s->cidr_pos) > 0) {
				later = o;
				earlier = s;
			}
			nsim_diag_error(c->d, later->cidr_pos,
					"subnet '%s' (%s) overlaps subnet '%s' (%s) in VPC '%s': the subnets of "
					"a VPC must not overlap",
					nm(&later->name), nsim_cidr_fmt(later->cidr, a), nm(&earlier->name),
					nsim_cidr_fmt(earlier->cidr, b), nm(&vpc->name));
		}
		if (j == 0 || end > max_end) {
			max_end = end;
			max_i = k[j].idx;
		}
	}
}

static void check_vpcs(struct ctx *c)
{
	for (size_t v = 0; v < c->t->n_vpcs; v++) {
		struct nsim_vpc *vpc = &c->t->vpcs[v];
		check_vpc_cidr(c, vpc);
		for (size_t i = 0; i < vpc->n_subnets; i++)
			check_subnet_cidr(c, v, i);
		check_subnet_overlaps(c, v);
	}
}

/* ---- peerings ---- */

static size_t resolve_peering_vpc(struct ctx *c, const struct nsim_peering *p, const struct nsim_ref *r)
{
	/* netsim rule: a peering names two VPCs of the file */
	const struct entry *e = index_find(&c->global, r->name);
	const char *hint;

	if (!r->name)
		return NSIM_NONE;
	if (e && e->kind == G_VPC)
		return e->a;
	if (e) {
		nsim_diag_error(c->d, r->pos, "peering '%s': '%s' is %s, not a VPC: a peering joins two VPCs",
				nm(&p->name), r->name, gkind_a[e->kind]);
		return NSIM_NONE;
	}
	hint = suggest(c, &c->global, M(G_VPC), r->name);
	nsim_diag_error(c->d, r->pos, "peering '%s': VPC '%s' does not exist" DYM, nm(&p->name), r->name,
			DYM_ARGS(hint));
	return NSIM_NONE;
}

static bool check_peering_pair(struct ctx *c, struct nsim_peering *p)
{
	const struct nsim_vpc *a, *b;
	char s1[NSIM_CIDR_STRLEN], s2[NSIM_CIDR_STRLEN];

	/* A peering joins two VPCs whose CIDRs do not overlap (a VPC overlaps itself).
	 * AWS: "VPC peering limitations",
	 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations */
	if (p->vpc_idx[0] == NSIM_NONE || p->vpc_idx[1] == NSIM_NONE)
		return false;
	a = &c->t->vpcs[p->vpc_idx[0]];
	b = &c->t->vpcs[p->vpc_idx[1]];
	if (p->vpc_idx[0] == p->vpc_idx[1]) {
		nsim_diag_error(c->d, p->between[1].pos,
				"peering '%s' joins VPC '%s' with itself: a peering connects two different VPCs",
				nm(&p->name), nm(&a->name));
		return false;
	}
	if (nsim_cidr_overlaps(cidr_norm(a->cidr), cidr_norm(b->cidr)))
		nsim_diag_error(c->d, p->between[0].pos,
				"peering '%s' joins VPC '%s' (%s) and VPC '%s' (%s), whose CIDRs overlap: AWS "
				"refuses to peer VPCs with overlapping CIDR blocks",
				nm(&p->name), nm(&a->name), nsim_cidr_fmt(a->cidr, s1), nm(&b->name),
				nsim_cidr_fmt(b->cidr, s2));
	return true;
}

static void check_peerings(struct ctx *c)
{
	struct nsim_topology *t = c->t;
	_cleanup_free_ struct key *k = keys_new(c, t->n_peerings);
	size_t n = 0;

	if (!k)
		return;
	for (size_t i = 0; i < t->n_peerings; i++) {
		struct nsim_peering *p = &t->peerings[i];
		size_t x, y;
		for (size_t j = 0; j < 2; j++)
			p->vpc_idx[j] = resolve_peering_vpc(c, p, &p->between[j]);
		if (!check_peering_pair(c, p))
			continue;
		x = p->vpc_idx[0] < p->vpc_idx[1] ? p->vpc_idx[0] : p->vpc_idx[1];
		y = p->vpc_idx[0] ^ p->vpc_idx[1] ^ x;
		peers_add(c, &c->ns[x], y);
		peers_add(c, &c->ns[y], x);
		k[n++] = (struct key){ ((uint64_t)x << 32) | (uint32_t)y, p->between[0].pos, i };
	}
	/* One peering connection per pair of VPCs.
	 * AWS: "VPC peering limitations",
	 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations */
	keys_sort(k, n);
	for (size_t j = 1, first = 0; j < n; j++) {
		if (k[first].k != k[j].k) {
			first = j;
			continue;
		}
		const struct nsim_peering *p = &t->peerings[k[j].idx], *o = &t->peerings[k[first].idx];
		nsim_diag_error(c->d, k[j].pos,
				"peering '%s' joins the same VPCs as peering '%s' (first defined at %u:%u): AWS "
				"allows one peering connection per pair of VPCs",
				nm(&p->name), nm(&o->name), o->name.pos.line, o->name.pos.col);
	}
}

/* ---- route tables ---- */

static void report_bad_target(struct ctx *c, size_t v, const struct nsim_route *r, const struct entry *e)
{
	const struct nsim_topology *t = c->t;
	const char *vn = nm(&t->vpcs[v].name), *tn = r->target.name;
	const struct nsim_peering *p;

	/* A route targets a gateway or connection of its own VPC.
	 * AWS: "Configure route tables",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html */
	switch (e->kind) {
	case G_IGW:
	case G_NAT:
		nsim_diag_error(c->d, r->target.pos,
				"route target '%s' is %s of VPC '%s', not of VPC '%s': AWS requires a route "
				"target to belong to the route table's VPC",
				tn, gkind_a[e->kind], nm(&t->vpcs[e->a].name), vn);
		return;
	case G_PEERING:
		p = &t->peerings[e->a];
		if (p->vpc_idx[0] == NSIM_NONE || p->vpc_idx[1] == NSIM_NONE)
			return; /* the peering itself is reported */
		nsim_diag_error(c->d, r->target.pos,
				"route target '%s' is a peering between VPC '%s' and VPC '%s', which does not "
				"involve VPC '%s': a route can only use a peering of its own VPC",
				tn, nm(&t->vpcs[p->vpc_idx[0]].name), nm(&t->vpcs[p->vpc_idx[1]].name), vn);
		return;
	case G_ENDPOINT:
		/* A gateway endpoint's route is added by the endpoint, to the route
		 * tables it names, and can't be edited; an interface endpoint is no
		 * route target. AWS: "Gateway endpoints",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html */
		nsim_diag_error(c->d, r->target.pos,
				"route target '%s' is a VPC endpoint: AWS adds a gateway endpoint's route itself, "
				"to the route tables in the endpoint's route_tables:, and that route cannot be "
				"edited; remove this route and list the route table in the endpoint's "
				"route_tables: instead",
				tn);
		return;
	case G_HOST:
		/* AWS allows an instance or a network interface as a target (a NAT
		 * instance, an appliance). AWS: "Configure route tables",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
		 * netsim rule: format v1 does not model those targets yet */
		nsim_diag_error(c->d, r->target.pos,
				"route target '%s' is a host: AWS allows an instance or network interface as a route "
				"target (e.g. a NAT instance), but netsim does not model instance or network-interface "
				"targets yet (format v1); a NAT gateway is the managed equivalent for outbound "
				"traffic (nat_gateways: and target: <its name>)",
				tn);
		return;
	default:
		/* Targets are gateways and connections.
		 * AWS: "Configure route tables",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html */
		nsim_diag_error(c->d, r->target.pos,
				"route target '%s' is %s, not a route target: a target is the VPC's internet "
				"gateway, one of its NAT gateways, a peering of the VPC, or 'blackhole' (netsim "
				"does not model AWS's other targets yet: transit and virtual private gateways, "
				"endpoints, network interfaces)",
				tn, gkind_a[e->kind]);
	}
}

static void resolve_route_target(struct ctx *c, size_t v, struct nsim_route *r)
{
	const struct entry *e;
	const struct nsim_peering *p;
	const char *hint;

	r->kind = NSIM_TARGET_UNRESOLVED;
	r->target_idx = NSIM_NONE;
	if (!r->target.name)
		return;
	/* netsim rule: a target names a component of the file, or the keyword blackhole */
	if (streq(r->target.name, "blackhole")) {
		r->kind = NSIM_TARGET_BLACKHOLE;
		return;
	}
	e = index_find(&c->global, r->target.name);
	if (!e) {
		hint = suggest(c, &c->global, M(G_IGW) | M(G_NAT) | M(G_PEERING), r->target.name);
		nsim_diag_error(c->d, r->target.pos,
				"route target '%s' does not exist: a target is the VPC's internet gateway, one "
				"of its NAT gateways, a peering of the VPC, or 'blackhole'" DYM,
				r->target.name, DYM_ARGS(hint));
		return;
	}
	if (e->kind == G_IGW && e->a == v) {
		r->kind = NSIM_TARGET_IGW;
		return;
	}
	if (e->kind == G_NAT && e->a == v) {
		r->kind = NSIM_TARGET_NAT;
		r->target_idx = e->b;
		return;
	}
	p = e->kind == G_PEERING ? &c->t->peerings[e->a] : NULL;
	if (p && (p->vpc_idx[0] == v || p->vpc_idx[1] == v) && p->vpc_idx[0] != p->vpc_idx[1]) {
		r->kind = NSIM_TARGET_PEERING;
		r->target_idx = e->a;
		return;
	}
	report_bad_target(c, v, r, e);
}

static bool is_subnet_cidr(const struct nsim_vpc *vpc, struct nsim_cidr x)
{
	for (size_t i = 0; i < vpc->n_subnets; i++)
		if (cidr_eq(vpc->subnets[i].cidr, x))
			return true;
	return false;
}

/* AWS: "Subnet route tables",
 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html
 * The local route for the VPC CIDR is implicit and can't be replaced. A more
 * specific route inside the VPC ("middlebox routing") must cover exactly one
 * subnet and point at a NAT gateway here (AWS also allows ENIs and GWLB
 * endpoints, which netsim doesn't model). */
static void check_route_dest(struct ctx *c, size_t v, const struct nsim_route_table *rt,
			     const struct nsim_route *r)
{
	const struct nsim_vpc *vpc = &c->t->vpcs[v];
	struct nsim_cidr dest = cidr_norm(r->dest), vc = cidr_norm(vpc->cidr);
	char s1[NSIM_CIDR_STRLEN], s2[NSIM_CIDR_STRLEN];

	if (!check_aligned(c, r->dest, r->dest_pos, "route table", nm(&rt->name)))
		return;
	if (cidr_eq(dest, vc)) {
		nsim_diag_error(c->d, r->dest_pos,
				"route to %s in route table '%s' conflicts with the implicit local route of VPC "
				"'%s': AWS routes the VPC's own CIDR locally and that route can't be replaced",
				nsim_cidr_fmt(dest, s1), nm(&rt->name), nm(&vpc->name));
		return;
	}
	if (!nsim_cidr_contains(vc, dest))
		return;
	/* More specific than local: a whole subnet's CIDR, NAT gateway (or ENI, GWLB endpoint) target.
	 * AWS: "Subnet route tables",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html */
	if ((r->kind != NSIM_TARGET_NAT && r->kind != NSIM_TARGET_UNRESOLVED) || !is_subnet_cidr(vpc, dest))
		nsim_diag_error(c->d, r->dest_pos,
				"route to %s in route table '%s' is more specific than the local route (%s): "
				"AWS allows that only for a destination equal to a subnet's CIDR, through a NAT "
				"gateway or a network appliance",
				nsim_cidr_fmt(dest, s1), nm(&rt->name), nsim_cidr_fmt(vc, s2));
}

static void check_route_dups(struct ctx *c, const struct nsim_route_table *rt)
{
	_cleanup_free_ struct key *k = keys_new(c, rt->n_routes);
	char s[NSIM_CIDR_STRLEN];
	size_t n = 0;

	if (!k)
		return;
	for (size_t i = 0; i < rt->n_routes; i++) {
		struct nsim_cidr x = cidr_norm(rt->routes[i].dest);
		if (!rt->routes[i].dest_list.name) /* prefix lists: validate/prefix_lists.c */
			k[n++] = (struct key){ ((uint64_t)x.addr << 8) | x.len, rt->routes[i].dest_pos, i };
	}
	keys_sort(k, n);
	/* netsim rule: one route per destination, so the longest prefix match has one answer */
	for (size_t j = 1, first = 0; j < n; j++) {
		if (k[first].k != k[j].k) {
			first = j;
			continue;
		}
		nsim_diag_error(c->d, k[j].pos,
				"route table '%s' already has a route to %s (first defined at %u:%u): a route "
				"table holds one route per destination",
				nm(&rt->name), nsim_cidr_fmt(cidr_norm(rt->routes[k[j].idx].dest), s),
				k[first].pos.line, k[first].pos.col);
	}
}

static size_t resolve_vpc_ref(struct ctx *c, const struct index *ix, const struct nsim_ref *r,
			      const char *owner, const char *what, const char *vpc_name)
{
	const struct entry *e;
	const char *hint;

	if (!r->name)
		return NSIM_NONE;
	/* netsim rule: a reference names a subnet, route table, ACL or group of the same VPC */
	e = index_find(ix, r->name);
	if (e)
		return e->a;
	hint = suggest(c, ix, 1, r->name);
	nsim_diag_error(c->d, r->pos, "%s: %s '%s' does not exist in VPC '%s'" DYM, owner, what, r->name,
			vpc_name, DYM_ARGS(hint));
	return NSIM_NONE;
}

static void check_route_tables(struct ctx *c, size_t v)
{
	struct nsim_vpc *vpc = &c->t->vpcs[v];
	const char *vn = nm(&vpc->name);
	char owner[64];

	for (size_t i = 0; i < vpc->n_route_tables; i++) {
		struct nsim_route_table *rt = &vpc->route_tables[i];
		for (size_t j = 0; j < rt->n_routes; j++) {
			resolve_route_target(c, v, &rt->routes[j]);
			/* a prefix-list destination: validate/prefix_lists.c */
			if (!rt->routes[j].dest_list.name)
				check_route_dest(c, v, rt, &rt->routes[j]);
		}
		check_route_dups(c, rt);
	}
	snprintf(owner, sizeof(owner), "VPC '%.32s'", vn);
	vpc->main_rt_idx = resolve_vpc_ref(c, &c->ns[v].rts, &vpc->main_route_table, owner, "main route table", vn);
	for (size_t i = 0; i < vpc->n_subnets; i++) {
		struct nsim_subnet *s = &vpc->subnets[i];
		snprintf(owner, sizeof(owner), "subnet '%.32s'", nm(&s->name));
		s->rt_idx = s->route_table.name
				    ? resolve_vpc_ref(c, &c->ns[v].rts, &s->route_table, owner, "route table", vn)
				    : vpc->main_rt_idx;
		s->acl_idx = resolve_vpc_ref(c, &c->ns[v].acls, &s->network_acl, owner, "network ACL", vn);
	}
}

/* ---- private addresses: NAT gateways and hosts ---- */

struct placed {
	const char *what; /* "host", "NAT gateway" */
	const struct nsim_ref *name;
	const struct nsim_ref *subnet_ref;
	size_t *subnet_idx;
	uint32_t *address;
	struct nsim_pos address_pos;
};

static struct placed placed_nat(struct nsim_nat_gateway *n)
{
	return (struct placed){ "NAT gateway", &n->name, &n->subnet, &n->subnet_idx, &n->address, n->address_pos };
}

static struct placed placed_host(struct nsim_host *h)
{
	return (struct placed){ "host", &h->name, &h->subnet, &h->subnet_idx, &h->address, h->address_pos };
}

static void resolve_placement(struct ctx *c, size_t v, struct placed p)
{
	const char *vn = nm(&c->t->vpcs[v].name);
	char owner[64];

	snprintf(owner, sizeof(owner), "%s '%.32s'", p.what, nm(p.name));
	*p.subnet_idx = resolve_vpc_ref(c, &c->ns[v].subnets, p.subnet_ref, owner, "subnet", vn);
}

/* A given address: inside its subnet and not one of the five AWS keeps.
 * AWS: "Subnet CIDR blocks", https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html */
static bool check_given_address(struct ctx *c, size_t v, struct placed p)
{
	const struct nsim_subnet *s;
	char a[NSIM_ADDR_STRLEN], b[NSIM_CIDR_STRLEN];

	/* A subnet of the wrong size is reported already: skip its addresses. */
	if (*p.address == 0 || *p.subnet_idx == NSIM_NONE || !c->ns[v].subnet_ok[*p.subnet_idx])
		return false;
	s = &c->t->vpcs[v].subnets[*p.subnet_idx];
	if (!nsim_cidr_contains_addr(cidr_norm(s->cidr), *p.address)) {
		nsim_diag_error(c->d, p.address_pos,
				"%s '%s' address %s is outside subnet '%s' (%s): a private address comes from its "
				"subnet's CIDR",
				p.what, nm(p.name), nsim_addr_fmt(*p.address, a), nm(&s->name),
				nsim_cidr_fmt(s->cidr, b));
		return false;
	}
	/* The first four and the last address of a subnet are reserved.
	 * AWS: "Subnet CIDR blocks",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html */
	if (nsim_subnet_reserved(cidr_norm(s->cidr), *p.address)) {
		nsim_diag_error(c->d, p.address_pos,
				"%s '%s' address %s is reserved in subnet '%s' (%s): AWS reserves the network "
				"address, +1 (VPC router), +2 (DNS), +3 and the last address",
				p.what, nm(p.name), nsim_addr_fmt(*p.address, a), nm(&s->name),
				nsim_cidr_fmt(s->cidr, b));
		return false;
	}
	return true;
}

/* An interface endpoint's network interface in its j-th subnet: always an
 * assigned address. AWS: "Access an AWS service using an interface VPC
 * endpoint", https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
static struct placed placed_endpoint(struct nsim_vpc_endpoint *e, size_t j)
{
	return (struct placed){ "VPC endpoint", &e->name, &e->subnets[j], &e->subnet_idx[j], &e->addresses[j],
				e->name.pos };
}

/* Every network interface of the VPC to place, in the assigner's order:
 * NAT gateways, hosts, then interface endpoints (so that adding an endpoint
 * moves no host). NULL on ENOMEM. */
static struct placed *placed_all(struct ctx *c, struct nsim_vpc *vpc, size_t *ret_n)
{
	size_t n = vpc->n_nat_gateways + vpc->n_hosts, k = 0;
	struct placed *all;

	for (size_t i = 0; i < vpc->n_endpoints; i++) {
		struct nsim_vpc_endpoint *e = &vpc->endpoints[i];
		if (e->type != NSIM_VPCE_INTERFACE || !e->n_subnets)
			continue;
		e->subnet_idx = nsim_arena_alloc(c->t->arena, e->n_subnets, sizeof(*e->subnet_idx));
		e->addresses = nsim_arena_alloc(c->t->arena, e->n_subnets, sizeof(*e->addresses));
		if (!e->subnet_idx || !e->addresses)
			return NULL;
		n += e->n_subnets;
	}
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return NULL;
	for (size_t i = 0; i < vpc->n_nat_gateways; i++)
		all[k++] = placed_nat(&vpc->nat_gateways[i]);
	for (size_t i = 0; i < vpc->n_hosts; i++)
		all[k++] = placed_host(&vpc->hosts[i]);
	for (size_t i = 0; i < vpc->n_endpoints; i++)
		for (size_t j = 0; vpc->endpoints[i].subnet_idx && j < vpc->endpoints[i].n_subnets; j++)
			all[k++] = placed_endpoint(&vpc->endpoints[i], j);
	*ret_n = n;
	return all;
}

static void report_address_dups(struct ctx *c, const struct placed *all, const struct key *k, size_t n)
{
	char a[NSIM_ADDR_STRLEN];

	/* netsim rule: one private address belongs to one network interface */
	for (size_t j = 1, first = 0; j < n; j++) {
		if (k[first].k != k[j].k) {
			first = j;
			continue;
		}
		struct placed p = all[k[j].idx], o = all[k[first].idx];
		nsim_diag_error(c->d, k[j].pos,
				"%s '%s' address %s is already used by %s '%s' (first defined at %u:%u): "
				"private addresses in a VPC must be unique",
				p.what, nm(p.name), nsim_addr_fmt(*p.address, a), o.what, nm(o.name),
				k[first].pos.line, k[first].pos.col);
	}
}

static bool addr_taken(const struct key *k, size_t n, uint32_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid].k < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && k[lo].k == addr;
}

/* Assigns the first free address from +4, in document order: NAT gateways
 * first, then hosts. Candidates only grow, so `next` per subnet suffices. */
static void assign_address(struct ctx *c, size_t v, uint32_t *next, const struct key *k, size_t n,
			   struct placed p)
{
	const struct nsim_vpc *vpc = &c->t->vpcs[v];
	const struct nsim_subnet *s;
	struct nsim_cidr x;
	uint32_t last;
	char b[NSIM_CIDR_STRLEN];

	if (*p.address != 0 || *p.subnet_idx == NSIM_NONE || !c->ns[v].subnet_ok[*p.subnet_idx])
		return;
	s = &vpc->subnets[*p.subnet_idx];
	x = cidr_norm(s->cidr);
	last = nsim_cidr_broadcast(x) - 1;
	if (next[*p.subnet_idx] == 0)
		next[*p.subnet_idx] = nsim_subnet_first_usable(x);
	while (next[*p.subnet_idx] <= last && addr_taken(k, n, next[*p.subnet_idx]))
		next[*p.subnet_idx]++;
	/* Five addresses of every subnet are reserved.
	 * AWS: "Subnet CIDR blocks",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html */
	if (next[*p.subnet_idx] > last) {
		nsim_diag_error(c->d, p.subnet_ref->pos,
				"subnet '%s' (%s) has no free address left for %s '%s': a /%u has %llu usable "
				"addresses",
				nm(&s->name), nsim_cidr_fmt(s->cidr, b), p.what, nm(p.name), (unsigned)x.len,
				(unsigned long long)(nsim_cidr_size(x) - 5));
		return;
	}
	*p.address = next[*p.subnet_idx]++;
}

static void place_vpc(struct ctx *c, size_t v)
{
	struct nsim_vpc *vpc = &c->t->vpcs[v];
	size_t total = 0, n = 0;
	_cleanup_free_ struct placed *all = placed_all(c, vpc, &total);
	_cleanup_free_ struct key *k = all ? keys_new(c, total) : NULL;
	_cleanup_free_ uint32_t *next = calloc(vpc->n_subnets ? vpc->n_subnets : 1, sizeof(*next));

	if (!all || !k || !next) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < total; i++) {
		struct placed p = all[i];
		resolve_placement(c, v, p);
		if (check_given_address(c, v, p))
			k[n++] = (struct key){ *p.address, p.address_pos, i };
	}
	keys_sort(k, n);
	report_address_dups(c, all, k, n);
	for (size_t i = 0; i < total; i++)
		assign_address(c, v, next, k, n, all[i]);
}

/* ---- ports ---- */

static void check_ports(struct ctx *c, enum nsim_proto proto, bool has_ports, uint16_t from, uint16_t to,
			struct nsim_pos ports_pos, struct nsim_pos proto_pos)
{
	/* TCP and UDP rules name a port range; all protocols and ICMP take none.
	 * AWS: "Security group rules",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
	 * netsim rule: ports where AWS ignores them are refused, so a rule means what it says */
	if (has_ports && proto == NSIM_PROTO_ALL)
		nsim_diag_error(c->d, ports_pos,
				"ports given for protocol all: 'all' means every protocol and every port, so it "
				"takes no ports");
	else if (has_ports && proto == NSIM_PROTO_ICMP)
		nsim_diag_error(c->d, ports_pos,
				"ports given for protocol icmp: ICMP has no ports (AWS's ICMP type and code: netsim "
				"does not model them yet; protocol icmp allows every type)");
	else if (!has_ports && (proto == NSIM_PROTO_TCP || proto == NSIM_PROTO_UDP))
		nsim_diag_error(c->d, proto_pos,
				"ports required for protocol %s: AWS rules for TCP and UDP name a port range "
				"(0-65535 for every port)",
				nsim_proto_name(proto));
	else if (has_ports && from > to)
		nsim_diag_error(c->d, ports_pos,
				"port range %u-%u is reversed: the first port must not be greater than the last",
				(unsigned)from, (unsigned)to);
}

static void check_listen(struct ctx *c, const char *what, const struct nsim_ref *name,
			 const struct nsim_service *l, size_t n)
{
	/* netsim rule: the responder listens on TCP and UDP ports 1-65535 */
	for (size_t i = 0; i < n; i++) {
		if (l[i].proto != NSIM_PROTO_TCP && l[i].proto != NSIM_PROTO_UDP)
			nsim_diag_error(c->d, l[i].pos,
					"%s '%s' listens on protocol %s: a responder listens on tcp or udp ports",
					what, nm(name), nsim_proto_name(l[i].proto));
		else if (l[i].from == 0)
			nsim_diag_error(c->d, l[i].pos,
					"%s '%s' listens on port 0: a responder needs a port from 1 to 65535", what,
					nm(name));
		else if (l[i].from > l[i].to)
			nsim_diag_error(c->d, l[i].pos,
					"port range %u-%u is reversed: the first port must not be greater than the "
					"last",
					(unsigned)l[i].from, (unsigned)l[i].to);
	}
}

/* ---- security groups ---- */

/* Finds security group `name` in a VPC peered with `v`. Returns 1 when found,
 * 0 when there is none, -1 when several peers have one (reported). */
static int find_sg_in_peers(struct ctx *c, size_t v, const struct nsim_ref *r, size_t *ret_vpc,
			    size_t *ret_sg)
{
	const struct vpc_ns *ns = &c->ns[v];
	size_t fv = NSIM_NONE, fs = NSIM_NONE;

	/* A rule may reference a group of a peered VPC.
	 * AWS: "Update your security groups to reference peer security groups",
	 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html
	 * netsim rule: a bare name must say which VPC */
	for (size_t i = 0; i < ns->n_peers; i++) {
		const struct entry *e = index_find(&c->ns[ns->peers[i]].sgs, r->name);
		if (!e || ns->peers[i] == fv)
			continue;
		if (fv != NSIM_NONE) {
			nsim_diag_error(c->d, r->pos,
					"security group '%s' exists in peered VPCs '%s' and '%s': write "
					"'<vpc>/%s' to say which",
					r->name, nm(&c->t->vpcs[fv].name), nm(&c->t->vpcs[ns->peers[i]].name),
					r->name);
			return -1;
		}
		fv = ns->peers[i];
		fs = e->a;
	}
	if (fv == NSIM_NONE)
		return 0;
	*ret_vpc = fv;
	*ret_sg = fs;
	return 1;
}

static void report_sg_missing(struct ctx *c, size_t v, const struct nsim_security_group *sg,
			      const struct nsim_ref *r, const char *dir)
{
	const char *hint;

	/* A referenced group is of the same VPC or a peered VPC.
	 * AWS: "Security group rules",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html */
	for (size_t o = 0; o < c->t->n_vpcs; o++) {
		if (o == v || !index_find(&c->ns[o].sgs, r->name))
			continue;
		nsim_diag_error(c->d, r->pos,
				"security group '%s' (%s of a rule in '%s') is in VPC '%s', which is not peered "
				"with VPC '%s': a rule can reference security groups of its own VPC or a peered "
				"VPC",
				r->name, dir, nm(&sg->name), nm(&c->t->vpcs[o].name), nm(&c->t->vpcs[v].name));
		return;
	}
	hint = suggest(c, &c->ns[v].sgs, 1, r->name);
	nsim_diag_error(c->d, r->pos,
			"security group '%s' (%s of a rule in '%s') does not exist: a rule's %s is a CIDR or a "
			"security group of the same VPC or a peered VPC" DYM,
			r->name, dir, nm(&sg->name), dir, DYM_ARGS(hint));
}

/* "vpc/sg": a security group of the named VPC, which must be this one or a peer. */
static void resolve_qualified_sg(struct ctx *c, size_t v, const struct nsim_security_group *sg,
				 struct nsim_sg_rule *rule, const char *slash, const char *dir)
{
	const char *vname = rule->peer.name;
	size_t vlen = (size_t)(slash - vname);
	const struct entry *e = NULL, *g;

	for (size_t o = 0; o < c->t->n_vpcs && !e; o++) {
		const char *n = c->t->vpcs[o].name.name;
		if (n && strlen(n) == vlen && strncmp(n, vname, vlen) == 0 &&
		    (o == v || nsim_topology_peered(c->t, v, o, NULL))) {
			g = index_find(&c->ns[o].sgs, slash + 1);
			if (g) {
				rule->peer_vpc = o;
				rule->peer_sg = g->a;
				return;
			}
		}
	}
	/* A rule may reference a group of a peered VPC.
	 * AWS: "Update your security groups to reference peer security groups",
	 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html */
	/* say why: the VPC is not peered, or has no such group */
	for (size_t o = 0; o < c->t->n_vpcs; o++) {
		const char *n = c->t->vpcs[o].name.name;
		if (!n || strlen(n) != vlen || strncmp(n, vname, vlen) != 0 || !index_find(&c->ns[o].sgs, slash + 1))
			continue;
		nsim_diag_error(c->d, rule->peer.pos,
				"security group '%s' (%s of a rule in '%s') is in VPC '%s', which is not peered with VPC "
				"'%s': a rule can reference security groups of its own VPC or a peered VPC",
				rule->peer.name, dir, nm(&sg->name), n, nm(&c->t->vpcs[v].name));
		return;
	}
	nsim_diag_error(c->d, rule->peer.pos,
			"security group '%s' (%s of a rule in '%s') does not exist: '<vpc>/<group>' names a "
			"security group of this VPC or of a peered VPC",
			rule->peer.name, dir, nm(&sg->name));
}

static void resolve_sg_peer(struct ctx *c, size_t v, const struct nsim_security_group *sg,
			    struct nsim_sg_rule *rule, const char *dir)
{
	const struct entry *e;
	const char *slash;

	if (!rule->peer.name)
		return;
	slash = strchr(rule->peer.name, '/');
	if (slash) {
		resolve_qualified_sg(c, v, sg, rule, slash, dir);
		return;
	}
	e = index_find(&c->ns[v].sgs, rule->peer.name);
	if (e) {
		rule->peer_vpc = v;
		rule->peer_sg = e->a;
		nsim_validate_sg_ambiguous(c->t, v, sg, rule, dir, c->d);
		return;
	}
	if (find_sg_in_peers(c, v, &rule->peer, &rule->peer_vpc, &rule->peer_sg) != 0)
		return;
	report_sg_missing(c, v, sg, &rule->peer, dir);
}

static void check_sg_rules(struct ctx *c, size_t v, const struct nsim_security_group *sg,
			   struct nsim_sg_rule *rules, size_t n, const char *dir)
{
	for (size_t i = 0; i < n; i++) {
		struct nsim_sg_rule *r = &rules[i];
		r->peer_vpc = NSIM_NONE;
		r->peer_sg = NSIM_NONE;
		check_ports(c, r->proto, r->has_ports, r->port_from, r->port_to, r->ports_pos,
			    pos_or(r->proto_pos, r->pos));
		if (r->peer_is_cidr)
			check_aligned(c, r->peer_cidr, pos_or(r->peer.pos, r->pos), "security group",
				      nm(&sg->name));
		else if (!r->peer.name || strncmp(r->peer.name, "pl:", 3) != 0) /* pl:: validate/prefix_lists.c */
			resolve_sg_peer(c, v, sg, r, dir);
	}
}

static void check_security_groups(struct ctx *c, size_t v)
{
	struct nsim_vpc *vpc = &c->t->vpcs[v];

	for (size_t i = 0; i < vpc->n_security_groups; i++) {
		struct nsim_security_group *sg = &vpc->security_groups[i];
		check_sg_rules(c, v, sg, sg->ingress, sg->n_ingress, "source");
		check_sg_rules(c, v, sg, sg->egress, sg->n_egress, "destination");
	}
}

static void check_host_sgs(struct ctx *c, size_t v, struct nsim_host *h)
{
	const char *vn = nm(&c->t->vpcs[v].name);
	char owner[64];

	h->sg_idx = NULL;
	if (h->n_security_groups == 0)
		return;
	h->sg_idx = nsim_arena_alloc(c->t->arena, h->n_security_groups, sizeof(*h->sg_idx));
	if (!h->sg_idx) {
		c->oom = true;
		return;
	}
	snprintf(owner, sizeof(owner), "host '%.32s'", nm(&h->name));
	for (size_t i = 0; i < h->n_security_groups; i++)
		h->sg_idx[i] = resolve_vpc_ref(c, &c->ns[v].sgs, &h->security_groups[i], owner,
					       "security group", vn);
	/* At most 5 security groups per network interface.
	 * AWS: "Amazon VPC quotas",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
	 * netsim rule: a group listed twice is a mistake */
	if (h->n_security_groups > SG_PER_INTERFACE_MAX) {
		nsim_diag_error(c->d, h->security_groups[SG_PER_INTERFACE_MAX].pos,
				"host '%s' has %zu security groups: AWS allows at most %d per network interface "
				"(the default quota; netsim does not model raised quotas yet)",
				nm(&h->name), h->n_security_groups, SG_PER_INTERFACE_MAX);
		return;
	}
	for (size_t i = 1; i < h->n_security_groups; i++)
		for (size_t j = 0; j < i; j++)
			if (h->sg_idx[i] != NSIM_NONE && h->sg_idx[i] == h->sg_idx[j]) {
				nsim_diag_error(c->d, h->security_groups[i].pos,
						"host '%s' lists security group '%s' twice", nm(&h->name),
						nm(&h->security_groups[i]));
				break;
			}
}

/* The source ports a client picks: as written, else the default of its
 * kind and operating system (def).
 * AWS: "Ephemeral ports", https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
static void check_ephemeral(struct ctx *c, const char *what, const struct nsim_ref *name, struct nsim_port_range *r,
			    struct nsim_pos pos, struct nsim_port_range def)
{
	if (!pos.line) {
		*r = def;
		return;
	}
	/* AWS: "Ephemeral ports", https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
	if (r->from == 0)
		nsim_diag_error(c->d, pos,
				"%s '%s': ephemeral_ports %u-%u starts at port 0, which no client uses as its source "
				"port: ephemeral ports are 1 to 65535 (Linux 32768-60999, Windows 49152-65535, "
				"NAT gateways and AWS Lambda 1024-65535)",
				what, nm(name), r->from, r->to);
}

static void check_hosts(struct ctx *c, size_t v)
{
	struct nsim_vpc *vpc = &c->t->vpcs[v];

	for (size_t i = 0; i < vpc->n_hosts; i++) {
		struct nsim_host *h = &vpc->hosts[i];
		check_host_sgs(c, v, h);
		check_listen(c, "host", &h->name, h->listen, h->n_listen);
		/* AWS Lambda functions use 1024-65535; Linux 32768-60999; Windows
		 * Server 2008 and later 49152-65535. AWS: "Ephemeral ports",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
		struct nsim_port_range def = h->kind == NSIM_HOST_FUNCTION ? (struct nsim_port_range){1024, 65535}
					     : h->os == NSIM_OS_WINDOWS     ? (struct nsim_port_range){49152, 65535}
									    : (struct nsim_port_range){32768, 60999};
		check_ephemeral(c, "host", &h->name, &h->ephemeral, h->ephemeral_pos, def);
	}
}

/* ---- network ACLs ---- */

static void check_acl_rules(struct ctx *c, const struct nsim_network_acl *acl, const struct nsim_acl_rule *rules,
			    size_t n, const char *dir)
{
	_cleanup_free_ struct key *k = keys_new(c, n);

	if (!k)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct nsim_acl_rule *r = &rules[i];
		/* Rule numbers are 1 to 32766.
		 * AWS: "CreateNetworkAclEntry (Amazon EC2 API Reference)",
		 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html
		 * AWS: "Control subnet traffic with network access control lists",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
		if (r->number < 1 || r->number > ACL_RULE_MAX)
			nsim_diag_error(c->d, pos_or(r->number_pos, r->pos),
					"network ACL '%s' rule number %u is out of range: AWS allows 1 to %d",
					nm(&acl->name), (unsigned)r->number, ACL_RULE_MAX);
		check_ports(c, r->proto, r->has_ports, r->port_from, r->port_to, r->ports_pos, r->pos);
		check_aligned(c, r->cidr, pos_or(r->cidr_pos, r->pos), "network ACL", nm(&acl->name));
		k[i] = (struct key){ r->number, pos_or(r->number_pos, r->pos), i };
	}
	keys_sort(k, n);
	/* Rules are evaluated by number, which must not already be in use.
	 * AWS: "Control subnet traffic with network access control lists",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
	for (size_t j = 1, first = 0; j < n; j++) {
		if (k[first].k != k[j].k) {
			first = j;
			continue;
		}
		nsim_diag_error(c->d, k[j].pos,
				"network ACL '%s' already has an %s rule numbered %u (first defined at %u:%u): "
				"rule numbers set the evaluation order, so they are unique per direction",
				nm(&acl->name), dir, (unsigned)k[j].k, k[first].pos.line, k[first].pos.col);
	}
}

static void check_acls(struct ctx *c, size_t v)
{
	struct nsim_vpc *vpc = &c->t->vpcs[v];

	for (size_t i = 0; i < vpc->n_network_acls; i++) {
		const struct nsim_network_acl *acl = &vpc->network_acls[i];
		check_acl_rules(c, acl, acl->ingress, acl->n_ingress, "ingress");
		check_acl_rules(c, acl, acl->egress, acl->n_egress, "egress");
	}
}

/* ---- public addresses: elastic IPs, public IPs, internet hosts ---- */

struct pub {
	const char *what;  /* "elastic IP" */
	const char *owner; /* "NAT gateway" */
	const struct nsim_ref *name;
	uint32_t addr;
	struct nsim_pos pos;
};

static bool check_public_addr(struct ctx *c, const struct pub *p)
{
	char a[NSIM_ADDR_STRLEN], s[NSIM_CIDR_STRLEN];

	/* netsim rule: public addresses are netsim's internet: outside VPCs, in the documentation ranges */
	for (size_t v = 0; v < c->t->n_vpcs; v++) {
		const struct nsim_vpc *vpc = &c->t->vpcs[v];
		if (!nsim_cidr_contains_addr(cidr_norm(vpc->cidr), p->addr))
			continue;
		nsim_diag_error(c->d, p->pos,
				"%s %s of %s '%s' is inside VPC '%s' (%s): public and internet addresses must "
				"lie outside every VPC CIDR",
				p->what, nsim_addr_fmt(p->addr, a), p->owner, nm(p->name), nm(&vpc->name),
				nsim_cidr_fmt(vpc->cidr, s));
		return false;
	}
	if (!nsim_addr_is_documentation(p->addr)) {
		nsim_diag_error(c->d, p->pos,
				"%s %s of %s '%s' is not in a documentation range: netsim's internet uses only "
				"192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24, so it never shadows real "
				"addresses",
				p->what, nsim_addr_fmt(p->addr, a), p->owner, nm(p->name));
		return false;
	}
	return true;
}

struct pubs {
	struct pub *v;
	size_t n, cap;
};

/* Checked append: false (and c->oom) when out of memory. */
static bool pub_add(struct ctx *c, struct pubs *l, struct pub p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct pub *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			c->oom = true;
			return false;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = p;
	return true;
}

static bool collect_public(struct ctx *c, struct pubs *out)
{
	struct nsim_topology *t = c->t;

	for (size_t v = 0; v < t->n_vpcs; v++) {
		const struct nsim_vpc *vpc = &t->vpcs[v];
		for (size_t i = 0; i < vpc->n_nat_gateways; i++) {
			const struct nsim_nat_gateway *g = &vpc->nat_gateways[i];
			/* A public NAT gateway needs an elastic IP address.
			 * AWS: "NAT gateways",
			 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html */
			if (!g->elastic_ip) {
				nsim_diag_error(c->d, g->name.pos,
						"NAT gateway '%s' has no elastic_ip: a public NAT gateway needs an "
						"elastic IP address to reach the internet (AWS also has private NAT "
						"gateways, without one: netsim does not model them yet)",
						nm(&g->name));
				continue;
			}
			if (!pub_add(c, out, (struct pub){ "elastic IP", "NAT gateway", &g->name, g->elastic_ip,
							   g->elastic_ip_pos }))
				return false;
		}
		for (size_t i = 0; i < vpc->n_hosts; i++) {
			const struct nsim_host *h = &vpc->hosts[i];
			if (h->public_ip && !pub_add(c, out, (struct pub){ "public IP", "host", &h->name, h->public_ip,
									   h->public_ip_pos }))
				return false;
		}
	}
	for (size_t i = 0; i < t->n_inet_hosts; i++) {
		const struct nsim_inet_host *h = &t->inet_hosts[i];
		if (!pub_add(c, out, (struct pub){ "address", "internet host", &h->name, h->address, h->address_pos }))
			return false;
	}
	return true;
}

static void check_public_addresses(struct ctx *c)
{
	struct pubs l = {0};
	size_t nk = 0;
	char a[NSIM_ADDR_STRLEN];

	if (!collect_public(c, &l)) {
		free(l.v);
		return;
	}
	_cleanup_free_ struct pub *p = l.v;
	_cleanup_free_ struct key *k = keys_new(c, l.n);
	if (!k)
		return;
	for (size_t i = 0; i < l.n; i++)
		if (check_public_addr(c, &p[i]))
			k[nk++] = (struct key){ p[i].addr, p[i].pos, i };
	keys_sort(k, nk);
	/* netsim rule: one public address belongs to one resource */
	for (size_t j = 1, first = 0; j < nk; j++) {
		if (k[first].k != k[j].k) {
			first = j;
			continue;
		}
		const struct pub *x = &p[k[j].idx], *o = &p[k[first].idx];
		nsim_diag_error(c->d, x->pos,
				"%s %s of %s '%s' is already used by %s '%s' (first defined at %u:%u): public "
				"and internet addresses must be unique",
				x->what, nsim_addr_fmt(x->addr, a), x->owner, nm(x->name), o->owner, nm(o->name),
				o->pos.line, o->pos.col);
	}
}

static void check_inet_hosts(struct ctx *c)
{
	for (size_t i = 0; i < c->t->n_inet_hosts; i++) {
		struct nsim_inet_host *h = &c->t->inet_hosts[i];
		check_listen(c, "internet host", &h->name, h->listen, h->n_listen);
		/* netsim rule: an internet client may be any OS: the widest range, 1024-65535 */
		check_ephemeral(c, "internet host", &h->name, &h->ephemeral, h->ephemeral_pos,
				(struct nsim_port_range){1024, 65535});
	}
}

/* ---- expectations ---- */

enum role { ROLE_FROM, ROLE_TO, ROLE_SEEN, ROLE_REACHES };

static const char *const role_key[] = { "from", "to", "seen_source", "reaches" };

static void resolve_endpoint(struct ctx *c, struct nsim_endpoint *ep, enum role role)
{
	unsigned mask = role == ROLE_REACHES ? M(G_HOST)
		      : M(G_HOST) | M(G_INET_HOST) | (role == ROLE_SEEN ? M(G_NAT) : 0);
	const char *want = role == ROLE_SEEN ? "a NAT gateway, a host or an internet host"
			 : role == ROLE_REACHES ? "a host of a VPC" : "a host or an internet host";
	const struct entry *e;
	const char *hint;
	char a[NSIM_ADDR_STRLEN];

	/* netsim rule: expect names hosts or internet hosts, a probe runs in a namespace */
	ep->vpc = ep->idx = NSIM_NONE;
	if (ep->kind == NSIM_EP_ADDRESS) {
		/* netsim rule: reaches names the host the bytes arrive at */
		if (role == ROLE_REACHES)
			nsim_diag_error(c->d, ep->ref.pos,
					"expect 'reaches' is the address %s: name the host the bytes must arrive at",
					nsim_addr_fmt(ep->addr, a));
		if (role == ROLE_FROM)
			nsim_diag_error(c->d, ep->ref.pos,
					"expect 'from' is the address %s: a probe runs inside a host's namespace, "
					"so 'from' must name a host or an internet host",
					nsim_addr_fmt(ep->addr, a));
		return;
	}
	ep->kind = NSIM_EP_UNRESOLVED;
	if (!ep->ref.name)
		return;
	/* netsim rule: from names a host or internet host, to also an address */
	e = index_find(&c->global, ep->ref.name);
	if (e && (mask & M(e->kind))) {
		ep->kind = e->kind == G_HOST ? NSIM_EP_HOST : e->kind == G_NAT ? NSIM_EP_NAT : NSIM_EP_INET_HOST;
		ep->vpc = e->kind == G_INET_HOST ? NSIM_NONE : e->a;
		ep->idx = e->kind == G_INET_HOST ? e->a : e->b;
		return;
	}
	if (e) {
		nsim_diag_error(c->d, ep->ref.pos, "expect '%s': '%s' is %s, not %s%s", role_key[role],
				ep->ref.name, gkind_a[e->kind], want,
				role == ROLE_FROM || role == ROLE_REACHES ? "" : " or an address");
		return;
	}
	/* netsim rule: a `to` with a dot that is no component name (names have
	 * no dots) is a DNS name, resolved from the source's VPC where used */
	if (role == ROLE_TO && strchr(ep->ref.name, '.')) {
		const char *why = nsim_validate_dns_name(ep->ref.name);
		if (!why) {
			ep->kind = NSIM_EP_DNS;
			return;
		}
		/* AWS: "DNS domain name format",
		 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html */
		nsim_diag_error(c->d, ep->ref.pos,
				"expect 'to': '%s' is neither a host, an internet host nor an address, and not a "
				"valid DNS name: %s",
				ep->ref.name, why);
		return;
	}
	hint = suggest(c, &c->global, mask, ep->ref.name);
	nsim_diag_error(c->d, ep->ref.pos, "expect '%s': '%s' is neither %s nor an address" DYM,
			role_key[role], ep->ref.name, want, DYM_ARGS(hint));
}

static bool resolve_via_subnet(struct ctx *c, struct nsim_component *v)
{
	size_t found = 0;

	/* netsim rule: via names components, a subnet name must say which */
	for (size_t i = 0; i < c->t->n_vpcs; i++) {
		const struct entry *e = index_find(&c->ns[i].subnets, v->ref.name);
		if (!e)
			continue;
		if (found++) {
			nsim_diag_error(c->d, v->ref.pos,
					"via: subnet name '%s' is used in VPC '%s' and VPC '%s': via needs a "
					"name that says which",
					v->ref.name, nm(&c->t->vpcs[v->a].name), nm(&c->t->vpcs[i].name));
			v->kind = NSIM_COMP_UNRESOLVED;
			return true;
		}
		v->kind = NSIM_COMP_SUBNET;
		v->a = i;
		v->b = e->a;
	}
	return found > 0;
}

static void resolve_via(struct ctx *c, struct nsim_component *v)
{
	static const enum nsim_component_kind kinds[G_N] = {
		[G_VPC] = NSIM_COMP_VPC,   [G_IGW] = NSIM_COMP_IGW,         [G_NAT] = NSIM_COMP_NAT,
		[G_HOST] = NSIM_COMP_HOST, [G_PEERING] = NSIM_COMP_PEERING, [G_INET_HOST] = NSIM_COMP_INET_HOST,
		[G_ENDPOINT] = NSIM_COMP_ENDPOINT,
	};
	const struct entry *e;
	const char *hint;

	v->kind = NSIM_COMP_UNRESOLVED;
	v->a = v->b = NSIM_NONE;
	if (!v->ref.name)
		return;
	/* netsim rule: via names components of the file or the internet */
	if (streq(v->ref.name, "internet")) {
		v->kind = NSIM_COMP_INTERNET;
		return;
	}
	e = index_find(&c->global, v->ref.name);
	if (e) {
		v->kind = kinds[e->kind];
		v->a = e->a;
		v->b = e->kind == G_NAT || e->kind == G_HOST || e->kind == G_ENDPOINT ? e->b : NSIM_NONE;
		return;
	}
	if (resolve_via_subnet(c, v))
		return;
	hint = suggest(c, &c->global, M_ANY, v->ref.name);
	nsim_diag_error(c->d, v->ref.pos,
			"via: no component named '%s': via names a VPC, subnet, internet gateway, NAT gateway, "
			"host, VPC endpoint, peering, internet host or 'internet'" DYM,
			v->ref.name, DYM_ARGS(hint));
}

static void check_expect_port(struct ctx *c, const struct nsim_expect *e)
{
	/* netsim rule: a probe goes to one TCP or UDP port, or is an ICMP echo */
	if (!e->has_port) {
		if (e->proto != NSIM_PROTO_ICMP)
			nsim_diag_error(c->d, pos_or(e->proto_pos, e->pos),
					"port required: an expectation probes one TCP or UDP port (e.g. port: "
					"443/tcp) unless its protocol is icmp");
		return;
	}
	if (e->port.from != e->port.to)
		nsim_diag_error(c->d, e->port.pos,
				"expectation port %u-%u/%s is a range: a probe goes to one port",
				(unsigned)e->port.from, (unsigned)e->port.to, nsim_proto_name(e->port.proto));
	else if (e->port.from == 0)
		nsim_diag_error(c->d, e->port.pos, "expectation port 0 can't be probed: use a port from 1 to 65535");
}

static void check_expects(struct ctx *c)
{
	for (size_t i = 0; i < c->t->n_expects; i++) {
		struct nsim_expect *e = &c->t->expects[i];
		resolve_endpoint(c, &e->from, ROLE_FROM);
		if (e->command.argc) {
			e->to.vpc = e->to.idx = NSIM_NONE; /* none: the command names its destinations */
			nsim_validate_command_expect(e, c->d);
			continue;
		}
		nsim_validate_probe_expect(e, c->d);
		resolve_endpoint(c, &e->to, ROLE_TO);
		if (e->has_reaches)
			resolve_endpoint(c, &e->reaches, ROLE_REACHES);
		if (e->to.kind == NSIM_EP_DNS)
			nsim_validate_dns_expect(c->t, e, c->d);
		if (e->has_seen_source)
			resolve_endpoint(c, &e->seen_source, ROLE_SEEN);
		for (size_t j = 0; j < e->n_via; j++)
			resolve_via(c, &e->via[j]);
		check_expect_port(c, e);
	}
	for (size_t i = 0; i < c->t->n_expects; i++)
		nsim_validate_blocked_by(c->t, &c->t->expects[i], c->d);
}

/* ---- driver ---- */

static int ctx_init(struct ctx *c, struct nsim_topology *t, struct nsim_diags *d)
{
	*c = (struct ctx){ .t = t, .d = d, .suggest_budget = SUGGEST_BUDGET };
	c->ns = calloc(t->n_vpcs ? t->n_vpcs : 1, sizeof(*c->ns));
	if (!c->ns)
		return -ENOMEM;
	for (size_t v = 0; v < t->n_vpcs; v++) {
		size_t n = t->vpcs[v].n_subnets;
		c->ns[v].subnet_ok = calloc(n ? n : 1, sizeof(bool));
		if (!c->ns[v].subnet_ok)
			return -ENOMEM;
	}
	return 0;
}

static void ctx_done(struct ctx *c)
{
	if (c->ns)
		for (size_t v = 0; v < c->t->n_vpcs; v++) {
			struct vpc_ns *ns = &c->ns[v];
			index_free(&ns->subnets);
			index_free(&ns->rts);
			index_free(&ns->sgs);
			index_free(&ns->acls);
			free(ns->peers);
			free(ns->subnet_ok);
		}
	free(c->ns);
	index_free(&c->global);
}

static void validate_all(struct ctx *c)
{
	struct nsim_topology *t = c->t;

	if (nsim_validate_default_sg(t) < 0) {
		c->oom = true;
		return;
	}
	check_names(c);
	check_vpcs(c);
	check_peerings(c);
	for (size_t v = 0; v < t->n_vpcs; v++) {
		check_route_tables(c, v);
		place_vpc(c, v);
		check_security_groups(c, v);
		check_hosts(c, v);
		check_acls(c, v);
	}
	check_public_addresses(c);
	check_inet_hosts(c);
	if (nsim_validate_endpoints(t, c->d) < 0 || nsim_validate_prefix_lists(t, c->d) < 0 ||
	    nsim_validate_services(t, c->d) < 0 || nsim_validate_dns(t, c->d) < 0)
		c->oom = true;
	check_expects(c);
}

int nsim_validate(struct nsim_topology *t, struct nsim_diags *diags)
{
	size_t errors_before = diags->n_errors;
	struct ctx c;
	int r;

	r = ctx_init(&c, t, diags);
	if (r >= 0)
		validate_all(&c);
	ctx_done(&c);
	if (r < 0 || c.oom)
		return -ENOMEM;
	/* the lints read a complete model: only when nothing is wrong */
	if (diags->n_errors == errors_before)
		nsim_validate_lints(t, diags);
	return diags->n_errors > errors_before ? -EINVAL : 0;
}
