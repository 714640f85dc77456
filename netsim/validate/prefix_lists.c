/* SPDX-License-Identifier: MIT */
/*
 * Prefix lists: the customer-managed lists of each VPC (prefix_lists:), the
 * AWS-managed lists of services (`pl:s3`, and a gateway endpoint's route),
 * `pl:NAME` in route destinations and security-group rules, and the quotas
 * a referenced list counts against. Beside each message, the AWS page it
 * follows or "netsim rule:".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/arena.h"
#include "model/hashmap.h"
#include "validate/kinds.h"

/* AWS: "Amazon VPC quotas",
 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
#define SG_RULES_MAX 60     /* inbound, and outbound, rules per security group */
#define ROUTES_MAX 50       /* non-propagated routes per route table */
#define PL_ENTRIES_MAX 1000 /* maximum entries of a prefix list */
#define PL_NAME_MAX 32

/* The services with an AWS-managed prefix list that netsim models (those of
 * gateway endpoints), each of weight 1. AWS: "AWS-managed prefix lists",
 * https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html */
static const char *const aws_services[] = {"s3", "dynamodb"};

static const char *nm(const struct nsim_ref *r)
{
	return r->name ? r->name : "?";
}

const char *nsim_validate_region(const struct nsim_topology *t)
{
	return t->region.name ? t->region.name : "us-east-1";
}

/* "pl-" and 8 hex digits from a hash of a and b: stable for the file. */
static char *pl_id(struct nsim_arena *arena, const char *a, const char *b)
{
	uint64_t h = nsim_hash_str(nsim_hash_str(nsim_hash_str(NSIM_HASH_INIT, a), "/"), b);
	return nsim_arena_printf(arena, "pl-%08x", (unsigned)((h ^ (h >> 32)) & 0xffffffffu));
}

static bool host_serves(const struct nsim_topology *t, const struct nsim_inet_host *h, const char *service,
			const char *region)
{
	const char *hr = h->region.name ? h->region.name : nsim_validate_region(t);
	return h->service.name && streq(h->service.name, service) && streq(hr, region);
}

int nsim_validate_aws_prefix_list(struct nsim_topology *t, const char *service, const struct nsim_prefix_list **ret)
{
	const char *region = nsim_validate_region(t);
	const char *svc = NULL;
	struct nsim_prefix_list *pl;
	size_t n = 0;

	for (size_t k = 0; k < ELEMENTSOF(aws_services); k++)
		if (service && streq(service, aws_services[k]))
			svc = aws_services[k];
	if (!svc) {
		*ret = NULL;
		return 0;
	}
	for (size_t i = 0; i < t->n_aws_prefix_lists; i++)
		if (streq(t->aws_prefix_lists[i].service, svc)) {
			*ret = &t->aws_prefix_lists[i];
			return 0;
		}
	/* room for every service at once: pointers handed out stay valid */
	if (!t->aws_prefix_lists &&
	    !(t->aws_prefix_lists = nsim_arena_alloc(t->arena, ELEMENTSOF(aws_services), sizeof(*t->aws_prefix_lists))))
		return -ENOMEM;
	pl = &t->aws_prefix_lists[t->n_aws_prefix_lists];
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		n += host_serves(t, &t->inet_hosts[i], svc, region);
	if (n && (!(pl->cidrs = nsim_arena_alloc(t->arena, n, sizeof(*pl->cidrs))) ||
		  !(pl->cidr_pos = nsim_arena_alloc(t->arena, n, sizeof(*pl->cidr_pos)))))
		return -ENOMEM;
	for (size_t i = 0; i < t->n_inet_hosts; i++) {
		const struct nsim_inet_host *h = &t->inet_hosts[i];
		if (!host_serves(t, h, svc, region))
			continue;
		if (!pl->n_cidrs)
			pl->pos = h->service.pos;
		pl->cidrs[pl->n_cidrs] = (struct nsim_cidr){.addr = h->address, .len = 32};
		pl->cidr_pos[pl->n_cidrs++] = h->address_pos;
	}
	pl->name = (struct nsim_ref){.name = (char *)svc, .pos = pl->pos};
	pl->max_entries = (uint32_t)pl->n_cidrs;
	pl->max_entries_pos = pl->pos;
	pl->service = svc;
	/* AWS's lists are per region, the same for every account */
	if (!(pl->id = pl_id(t->arena, region, svc)))
		return -ENOMEM;
	t->n_aws_prefix_lists++;
	*ret = pl;
	return 0;
}

/* How many entries a reference to pl counts for in a quota: a customer
 * list its max_entries, an AWS-managed one its weight (1 for S3 and
 * DynamoDB). AWS: "Amazon VPC quotas",
 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html;
 * "AWS-managed prefix lists",
 * https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html */
static uint32_t weight(const struct nsim_prefix_list *pl)
{
	return pl ? (pl->service ? 1 : pl->max_entries) : 1;
}

/* ---- customer-managed lists ---- */

/* "did you mean" compares with many names: bound that work on hostile input */
#define SUGGEST_BUDGET 256

struct pctx {
	struct nsim_topology *t;
	struct nsim_diags *d;
	unsigned budget;
	struct nsim_vname *lists; /* the current VPC's lists, sorted by name */
	size_t n_lists;
};

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PL_NAME_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static void check_list_name(const struct nsim_prefix_list *pl, struct nsim_diags *d)
{
	const char *n = pl->name.name;

	if (!n)
		return;
	/* netsim rule: names become nftables set names */
	if (!name_ok(n)) {
		nsim_diag_error(d, pl->name.pos,
				"prefix list name '%s' is invalid: use 1-%d characters from a-z, 0-9 and '-', "
				"starting with a letter or digit (netsim builds nftables set names from them)",
				n, PL_NAME_MAX);
		return;
	}
	/* netsim rule: pl:s3 and pl:dynamodb name the AWS-managed lists (AWS
	 * keeps the names com.amazonaws.* for them: "Create a customer-managed
	 * prefix list", https://docs.aws.amazon.com/vpc/latest/userguide/create-managed-prefix-list.html) */
	for (size_t k = 0; k < ELEMENTSOF(aws_services); k++)
		if (streq(n, aws_services[k]))
			nsim_diag_error(d, pl->name.pos,
					"prefix list name '%s' is reserved: pl:%s names the AWS-managed prefix list "
					"of the service %s; give your list another name",
					n, n, n);
}

/* The VPC's lists sorted by name; a name written twice is reported. */
static int index_lists(struct pctx *c, const struct nsim_vpc *vpc)
{
	c->n_lists = 0;
	c->lists = calloc(vpc->n_prefix_lists ? vpc->n_prefix_lists : 1, sizeof(*c->lists));
	if (!c->lists)
		return -ENOMEM;
	for (size_t i = 0; i < vpc->n_prefix_lists; i++) {
		const struct nsim_ref *r = &vpc->prefix_lists[i].name;
		if (r->name)
			c->lists[c->n_lists++] = (struct nsim_vname){.name = r->name, .pos = r->pos, .idx = i};
	}
	nsim_vnames_sort(c->lists, c->n_lists);
	for (size_t j = 1, first = 0; j < c->n_lists; j++) {
		if (!streq(c->lists[j].name, c->lists[first].name)) {
			first = j;
			continue;
		}
		/* netsim rule: pl:NAME refers to a list of the VPC by name */
		nsim_diag_error(c->d, c->lists[j].pos,
				"prefix list name '%s' is already used in VPC '%s' (first defined at %u:%u): "
				"prefix list names must be unique within their VPC",
				c->lists[j].name, nm(&vpc->name), c->lists[first].pos.line, c->lists[first].pos.col);
	}
	return 0;
}

struct entry_key {
	uint64_t k; /* address << 8 | length */
	size_t i;
};

static int entry_cmp(const void *x, const void *y)
{
	const struct entry_key *a = x, *b = y;
	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static int check_list_entries(struct nsim_prefix_list *pl, struct nsim_diags *d)
{
	char s[NSIM_CIDR_STRLEN], f[NSIM_CIDR_STRLEN];
	struct entry_key *k = calloc(pl->n_cidrs ? pl->n_cidrs : 1, sizeof(*k));
	size_t n = 0;

	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < pl->n_cidrs; i++) {
		struct nsim_cidr x = pl->cidrs[i];
		/* netsim rule: a CIDR with host bits set is most likely a typo, so it is refused */
		if (!nsim_cidr_aligned(x)) {
			struct nsim_cidr norm = {.addr = nsim_cidr_network(x), .len = x.len};
			nsim_diag_error(d, pl->cidr_pos[i],
					"prefix list '%s': CIDR %s has host bits set; did you mean %s?", nm(&pl->name),
					nsim_cidr_fmt(x, s), nsim_cidr_fmt(norm, f));
			continue;
		}
		k[n++] = (struct entry_key){.k = ((uint64_t)x.addr << 8) | x.len, .i = i};
	}
	if (n > 1)
		qsort(k, n, sizeof(*k), entry_cmp);
	for (size_t j = 1, first = 0; j < n; j++) {
		if (k[j].k != k[first].k) {
			first = j;
			continue;
		}
		/* A prefix list's entries are distinct CIDR blocks. AWS: "Create a
		 * customer-managed prefix list",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/create-managed-prefix-list.html */
		nsim_diag_error(d, pl->cidr_pos[k[j].i],
				"prefix list '%s' lists %s twice (first at %u:%u): the entries of a prefix list "
				"are distinct CIDR blocks",
				nm(&pl->name), nsim_cidr_fmt(pl->cidrs[k[j].i], s), pl->cidr_pos[k[first].i].line,
				pl->cidr_pos[k[first].i].col);
	}
	free(k);
	return 0;
}

static void check_max_entries(struct nsim_prefix_list *pl, struct nsim_diags *d)
{
	if (!pl->max_entries_pos.line) {
		pl->max_entries = (uint32_t)pl->n_cidrs;
		pl->max_entries_pos = pl->pos;
		return;
	}
	/* A prefix list has 1 to 1,000 maximum entries, and no more entries
	 * than that. AWS: "Amazon VPC quotas",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html;
	 * "Create a customer-managed prefix list",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/create-managed-prefix-list.html */
	if (pl->max_entries < 1 || pl->max_entries > PL_ENTRIES_MAX)
		nsim_diag_error(d, pl->max_entries_pos,
				"prefix list '%s' max_entries %u is out of range: AWS allows 1 to %d entries per "
				"prefix list",
				nm(&pl->name), (unsigned)pl->max_entries, PL_ENTRIES_MAX);
	else if (pl->n_cidrs > pl->max_entries)
		nsim_diag_error(d, pl->max_entries_pos,
				"prefix list '%s' has %zu CIDRs but max_entries %u: AWS refuses more entries than "
				"a prefix list's maximum; raise max_entries to at least %zu",
				nm(&pl->name), pl->n_cidrs, (unsigned)pl->max_entries, pl->n_cidrs);
}

/* ---- references ---- */

/* The list `name` as seen from VPC v: the VPC's own, else an AWS-managed
 * one. *ret NULL when there is none. Returns 0 or -ENOMEM. */
static int find_list(struct pctx *c, size_t v, const char *name, const struct nsim_prefix_list **ret)
{
	const struct nsim_vname *f = nsim_vnames_find(c->lists, c->n_lists, name);

	if (f) {
		*ret = &c->t->vpcs[v].prefix_lists[f->idx];
		return 0;
	}
	return nsim_validate_aws_prefix_list(c->t, name, ret);
}

/* "; did you mean 'pl:x'?" for a list name, or "" */
static const char *hint(struct pctx *c, const char *name, char *buf, size_t size)
{
	const char *names[64];
	size_t n = 0;

	if (c->budget == 0)
		return "";
	c->budget--;
	for (size_t i = 0; i < c->n_lists && n < ELEMENTSOF(names) - ELEMENTSOF(aws_services); i++)
		names[n++] = c->lists[i].name;
	for (size_t k = 0; k < ELEMENTSOF(aws_services); k++)
		names[n++] = aws_services[k];
	const char *best = nsim_validate_suggest(name, names, n);
	if (!best)
		return "";
	snprintf(buf, size, "; did you mean 'pl:%s'?", best);
	return buf;
}

static void report_missing(struct pctx *c, const struct nsim_vpc *vpc, const struct nsim_ref *r, const char *name,
			   const char *where)
{
	char h[80];

	/* netsim rule: pl:NAME names a prefix list of the VPC, or pl:s3 /
	 * pl:dynamodb the AWS-managed ones (AWS: "Managed prefix lists",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html) */
	nsim_diag_error(c->d, r->pos,
			"%s: prefix list '%s' does not exist in VPC '%s': pl:NAME names a prefix list of the "
			"VPC's prefix_lists:, or pl:s3 or pl:dynamodb for the AWS-managed lists%s",
			where, name, nm(&vpc->name), hint(c, name, h, sizeof(h)));
}

static int resolve_routes(struct pctx *c, size_t v)
{
	struct nsim_vpc *vpc = &c->t->vpcs[v];
	char where[80];
	int r;

	for (size_t i = 0; i < vpc->n_route_tables; i++) {
		struct nsim_route_table *rt = &vpc->route_tables[i];
		snprintf(where, sizeof(where), "route table '%.32s'", nm(&rt->name));
		for (size_t j = 0; j < rt->n_routes; j++) {
			struct nsim_route *ro = &rt->routes[j];
			if (!ro->dest_list.name || ro->managed)
				continue;
			if ((r = find_list(c, v, ro->dest_list.name, &ro->dest_pl)) < 0)
				return r;
			if (!ro->dest_pl)
				report_missing(c, vpc, &ro->dest_list, ro->dest_list.name, where);
		}
	}
	return 0;
}

static int resolve_sg_rules(struct pctx *c, size_t v, const struct nsim_security_group *sg, struct nsim_sg_rule *rules,
			    size_t n)
{
	char where[80];
	int r;

	snprintf(where, sizeof(where), "security group '%.32s'", nm(&sg->name));
	for (size_t i = 0; i < n; i++) {
		struct nsim_sg_rule *ru = &rules[i];
		if (ru->peer_is_cidr || !ru->peer.name || strncmp(ru->peer.name, "pl:", 3) != 0)
			continue;
		ru->peer_vpc = ru->peer_sg = NSIM_NONE;
		if ((r = find_list(c, v, ru->peer.name + 3, &ru->peer_pl)) < 0)
			return r;
		if (!ru->peer_pl)
			report_missing(c, &c->t->vpcs[v], &ru->peer, ru->peer.name + 3, where);
	}
	return 0;
}

/* ---- one route per destination, quotas ---- */

static const char *route_owner(const struct nsim_vpc *vpc, const struct nsim_route *ro, char *buf, size_t size)
{
	if (ro->managed && ro->target_idx < vpc->n_endpoints)
		snprintf(buf, size, " (added by gateway endpoint '%.32s')", nm(&vpc->endpoints[ro->target_idx].name));
	else
		buf[0] = '\0';
	return buf;
}

static void report_route_dup(const struct nsim_vpc *vpc, const struct nsim_route_table *rt,
			     const struct nsim_route *first, const struct nsim_route *ro, struct nsim_diags *d)
{
	char o[80];

	/* A route table has one route per destination, a prefix list included
	 * (RouteAlreadyExists). AWS: "Gateway endpoints",
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html */
	if (ro->managed && ro->target_idx < vpc->n_endpoints)
		nsim_diag_error(d, ro->pos,
				"gateway endpoint '%s' adds a route to prefix list '%s' to route table '%s', which "
				"already has one%s (at %u:%u): a route table holds one route per destination",
				nm(&vpc->endpoints[ro->target_idx].name), nm(&ro->dest_pl->name), nm(&rt->name),
				route_owner(vpc, first, o, sizeof(o)), first->pos.line, first->pos.col);
	else
		nsim_diag_error(d, ro->dest_pos,
				"route table '%s' already has a route to prefix list '%s'%s (at %u:%u): a route "
				"table holds one route per destination",
				nm(&rt->name), nm(&ro->dest_pl->name), route_owner(vpc, first, o, sizeof(o)),
				first->dest_pos.line, first->dest_pos.col);
}

static int check_list_routes(const struct nsim_vpc *vpc, const struct nsim_route_table *rt, struct nsim_diags *d)
{
	struct entry_key *k = calloc(rt->n_routes ? rt->n_routes : 1, sizeof(*k));
	uint64_t total = 0;
	size_t n = 0;

	if (!k)
		return -ENOMEM;
	for (size_t j = 0; j < rt->n_routes; j++) {
		const struct nsim_route *ro = &rt->routes[j];
		total += ro->dest_list.name ? weight(ro->dest_pl) : 1;
		if (ro->dest_pl)
			k[n++] = (struct entry_key){.k = (uint64_t)(uintptr_t)ro->dest_pl, .i = j};
	}
	if (n > 1)
		qsort(k, n, sizeof(*k), entry_cmp);
	for (size_t j = 1, first = 0; j < n; j++) {
		if (k[j].k != k[first].k) {
			first = j;
			continue;
		}
		report_route_dup(vpc, rt, &rt->routes[k[first].i], &rt->routes[k[j].i], d);
	}
	free(k);
	/* A referenced prefix list counts its max entries against the route
	 * table's quota of 50 routes. AWS: "Amazon VPC quotas",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
	if (total > ROUTES_MAX)
		nsim_diag_error(d, rt->pos,
				"route table '%s' counts %llu routes (a prefix list counts as its max_entries): AWS "
				"allows %d routes per route table",
				nm(&rt->name), (unsigned long long)total, ROUTES_MAX);
	return 0;
}

static void check_sg_quota(const struct nsim_security_group *sg, const struct nsim_sg_rule *rules, size_t n,
			   const char *dir, struct nsim_diags *d)
{
	uint64_t total = 0;
	bool pl = false;

	for (size_t i = 0; i < n; i++) {
		total += weight(rules[i].peer_pl);
		pl |= rules[i].peer_pl != NULL;
		/* A security group has at most 60 inbound and 60 outbound rules;
		 * a rule naming a prefix list counts as its max entries. AWS:
		 * "Amazon VPC quotas",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
		if (total > SG_RULES_MAX) {
			nsim_diag_error(d, rules[i].pos,
					"security group '%s' has more than %d %s rules here (%llu%s): AWS allows %d "
					"%s rules per security group",
					nm(&sg->name), SG_RULES_MAX, dir, (unsigned long long)total,
					pl ? ", a prefix list counting as its max_entries" : "", SG_RULES_MAX, dir);
			return;
		}
	}
}

static int check_vpc(struct pctx *c, size_t v)
{
	struct nsim_topology *t = c->t;
	struct nsim_vpc *vpc = &t->vpcs[v];
	int r;

	if ((r = index_lists(c, vpc)) < 0)
		return r;
	for (size_t i = 0; i < vpc->n_prefix_lists; i++) {
		struct nsim_prefix_list *pl = &vpc->prefix_lists[i];
		check_list_name(pl, c->d);
		if ((r = check_list_entries(pl, c->d)) < 0)
			goto out;
		check_max_entries(pl, c->d);
		pl->service = NULL;
		/* stable for the file; two VPCs' lists of one name differ */
		if (!(pl->id = pl_id(t->arena, t->name.name ? t->name.name : "", nm(&pl->name))) ||
		    !(pl->id = pl_id(t->arena, pl->id, nm(&vpc->name)))) {
			r = -ENOMEM;
			goto out;
		}
	}
	if ((r = resolve_routes(c, v)) < 0)
		goto out;
	for (size_t i = 0; i < vpc->n_security_groups; i++) {
		struct nsim_security_group *sg = &vpc->security_groups[i];
		if ((r = resolve_sg_rules(c, v, sg, sg->ingress, sg->n_ingress)) < 0 ||
		    (r = resolve_sg_rules(c, v, sg, sg->egress, sg->n_egress)) < 0)
			goto out;
		check_sg_quota(sg, sg->ingress, sg->n_ingress, "inbound", c->d);
		check_sg_quota(sg, sg->egress, sg->n_egress, "outbound", c->d);
	}
	for (size_t i = 0; i < vpc->n_route_tables; i++)
		if ((r = check_list_routes(vpc, &vpc->route_tables[i], c->d)) < 0)
			goto out;
out:
	free(c->lists);
	c->lists = NULL;
	return r;
}

int nsim_validate_prefix_lists(struct nsim_topology *t, struct nsim_diags *d)
{
	struct pctx c = {.t = t, .d = d, .budget = SUGGEST_BUDGET};
	int r;

	for (size_t v = 0; v < t->n_vpcs; v++)
		if ((r = check_vpc(&c, v)) < 0)
			return r;
	return d->oom ? -ENOMEM : 0;
}
