/* SPDX-License-Identifier: MIT */
/*
 * Lints: warnings about designs AWS accepts but that do not do what their
 * author most likely meant, each with AWS's reason (the page beside it) and
 * a note "fix: ..." with the change that would. Run on a valid, complete
 * model only. `--strict` (cli/) turns them into errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/kinds.h"

/* Linux's default ephemeral ports (net.ipv4.ip_local_port_range; AWS says
 * 32768-61000); NAT gateways and Lambda use 1024-65535. AWS: "Ephemeral
 * ports", https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
#define EPH_LINUX_LO 32768
#define EPH_LINUX_HI 60999
#define EPH_NAT_LO 1024
#define EPH_NAT_HI 65535
/* A rule whose port range is this wide is a return-path rule itself, not a service's. */
#define SERVICE_PORTS_MAX 1024

static const char *nm(const struct nsim_ref *r)
{
	return r->name ? r->name : "?";
}

static struct nsim_cidr norm(struct nsim_cidr x)
{
	x.addr = nsim_cidr_network(x);
	return x;
}

#define fix(d, pos, ...) nsim_diag_note((d), (pos), "fix: " __VA_ARGS__)

/* AWS allows 20 rules per ACL direction (40 with a raised quota): the ACL
 * lints compare rules pairwise, so a longer list (hostile input) is skipped.
 * AWS: "Amazon VPC quotas", https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
#define ACL_RULES_LINTED 64
/* Bounds the scans over all hosts that some lints make, on hostile input. */
#define SCAN_BUDGET 4096

struct lint {
	const struct nsim_topology *t;
	struct nsim_diags *d;
	uint32_t *addrs; /* every address of the topology, sorted */
	size_t n_addrs;
	unsigned budget;
};

/* ---- route tables and gateways ---- */

static bool table_has(const struct nsim_route_table *rt, enum nsim_target_kind k, size_t idx, bool default_only)
{
	for (size_t i = 0; i < rt->n_routes; i++) {
		const struct nsim_route *r = &rt->routes[i];
		if (r->kind == k && (idx == NSIM_NONE || r->target_idx == idx) &&
		    (!default_only || (!r->dest_list.name && r->dest.len == 0)))
			return true;
	}
	return false;
}

static bool vpc_routes_to(const struct nsim_vpc *vpc, enum nsim_target_kind k, size_t idx)
{
	for (size_t i = 0; i < vpc->n_route_tables; i++)
		if (table_has(&vpc->route_tables[i], k, idx, false))
			return true;
	return false;
}

/* Per route table of a VPC: routes anything / 0.0.0.0/0 to the internet gateway. */
struct igw_tables {
	bool *any, *dflt;
};

static int igw_tables_init(const struct nsim_vpc *vpc, struct igw_tables *ret)
{
	ret->any = calloc(vpc->n_route_tables + 1, sizeof(bool));
	ret->dflt = calloc(vpc->n_route_tables + 1, sizeof(bool));
	if (!ret->any || !ret->dflt)
		return -ENOMEM;
	for (size_t i = 0; i < vpc->n_route_tables; i++) {
		ret->any[i] = table_has(&vpc->route_tables[i], NSIM_TARGET_IGW, NSIM_NONE, false);
		ret->dflt[i] = table_has(&vpc->route_tables[i], NSIM_TARGET_IGW, NSIM_NONE, true);
	}
	return 0;
}

static void igw_tables_done(struct igw_tables *x)
{
	free(x->any);
	free(x->dflt);
}

static bool subnet_routes_to_igw(const struct nsim_vpc *vpc, const struct igw_tables *x, size_t subnet,
				 bool default_only)
{
	size_t rt = vpc->subnets[subnet].rt_idx;
	return rt != NSIM_NONE && (default_only ? x->dflt[rt] : x->any[rt]);
}

/* A private subnet's table: one that routes 0.0.0.0/0 to a NAT gateway, or any other than a public one. */
static const char *private_table(const struct nsim_vpc *vpc)
{
	for (size_t i = 0; i < vpc->n_route_tables; i++)
		if (table_has(&vpc->route_tables[i], NSIM_TARGET_NAT, NSIM_NONE, true))
			return vpc->route_tables[i].name.name;
	return NULL;
}

static void lint_gateways(const struct nsim_vpc *vpc, struct nsim_diags *d)
{
	bool *used = calloc(vpc->n_nat_gateways + 1, sizeof(*used));

	if (!used) {
		d->oom = true;
		return;
	}
	for (size_t i = 0; i < vpc->n_route_tables; i++)
		for (size_t j = 0; j < vpc->route_tables[i].n_routes; j++) {
			const struct nsim_route *r = &vpc->route_tables[i].routes[j];
			if (r->kind == NSIM_TARGET_NAT && r->target_idx < vpc->n_nat_gateways)
				used[r->target_idx] = true;
		}
	for (size_t i = 0; i < vpc->n_nat_gateways; i++) {
		const struct nsim_nat_gateway *n = &vpc->nat_gateways[i];
		if (used[i])
			continue;
		/* Instances reach a NAT gateway through a route to it in their
		 * subnet's route table. AWS: "NAT gateways",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html */
		nsim_diag_warning(d, n->name.pos,
				  "NAT gateway '%s' is used by no route: no route table sends traffic to it, so no "
				  "instance can go through it",
				  nm(&n->name));
		fix(d, n->name.pos,
		    "make the route table of the private subnets it serves send 0.0.0.0/0 to it ({ destination: "
		    "0.0.0.0/0, target: %s }), or remove the NAT gateway",
		    nm(&n->name));
	}
	free(used);
	if (vpc->internet_gateway.name && !vpc_routes_to(vpc, NSIM_TARGET_IGW, NSIM_NONE)) {
		/* A subnet uses the internet gateway through a route to it.
		 * AWS: "Enable internet access for a VPC using an internet gateway",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html */
		nsim_diag_warning(d, vpc->internet_gateway.pos,
				  "internet gateway '%s' is used by no route: no subnet of VPC '%s' can reach the "
				  "internet through it, nor be reached",
				  nm(&vpc->internet_gateway), nm(&vpc->name));
		fix(d, vpc->internet_gateway.pos,
		    "add to the route table of the public subnets: { destination: 0.0.0.0/0, target: %s }, or "
		    "remove internet_gateway",
		    nm(&vpc->internet_gateway));
	}
}

static void lint_unused_tables(const struct nsim_vpc *vpc, struct nsim_diags *d)
{
	bool *used = calloc(vpc->n_route_tables + 1, sizeof(*used));

	if (!used) {
		d->oom = true;
		return;
	}
	for (size_t s = 0; s < vpc->n_subnets; s++)
		if (vpc->subnets[s].rt_idx != NSIM_NONE)
			used[vpc->subnets[s].rt_idx] = true;
	for (size_t i = 0; i < vpc->n_route_tables; i++) {
		const struct nsim_route_table *rt = &vpc->route_tables[i];
		if (used[i] || i == vpc->main_rt_idx)
			continue;
		/* A route table applies to the subnets associated with it (the
		 * main table to the others). AWS: "Subnet route tables",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html */
		nsim_diag_warning(d, rt->name.pos,
				  "route table '%s' is used by no subnet (nor is it the main route table of VPC "
				  "'%s'): its routes apply to nothing",
				  nm(&rt->name), nm(&vpc->name));
		fix(d, rt->name.pos, "associate it with a subnet (route_table: %s), or remove it", nm(&rt->name));
	}
	free(used);
}

static void lint_peering_routes(const struct nsim_topology *t, const struct nsim_vpc *vpc, struct nsim_diags *d)
{
	for (size_t i = 0; i < vpc->n_route_tables; i++) {
		const struct nsim_route_table *rt = &vpc->route_tables[i];
		for (size_t j = 0; j < rt->n_routes; j++) {
			const struct nsim_route *r = &rt->routes[j];
			const struct nsim_peering *p;
			const struct nsim_vpc *peer;
			char a[NSIM_CIDR_STRLEN], b[NSIM_CIDR_STRLEN];
			if (r->kind != NSIM_TARGET_PEERING || r->dest_list.name)
				continue;
			p = &t->peerings[r->target_idx];
			peer = &t->vpcs[&t->vpcs[p->vpc_idx[0]] == vpc ? p->vpc_idx[1] : p->vpc_idx[0]];
			if (nsim_cidr_contains(norm(peer->cidr), norm(r->dest)))
				continue;
			/* Peering is not transitive: the peer forwards nothing that is
			 * not its own. AWS: "VPC peering limitations",
			 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations */
			nsim_diag_warning(d, r->dest_pos,
					  "route to %s through peering '%s' reaches beyond VPC '%s' (%s): a peering is "
					  "not transitive, so only traffic to the peer VPC's own addresses can use it; "
					  "the rest is dropped",
					  nsim_cidr_fmt(norm(r->dest), a), nm(&p->name), nm(&peer->name),
					  nsim_cidr_fmt(peer->cidr, b));
			fix(d, r->dest_pos, "route the peer VPC's CIDR: { destination: %s, target: %s }", b, nm(&p->name));
		}
	}
}

/* ---- network ACLs ---- */

static bool ports_cover(bool outer_has, uint16_t of, uint16_t ot, bool inner_has, uint16_t inf, uint16_t it)
{
	if (!outer_has)
		return true;
	if (!inner_has)
		return of == 0 && ot == 65535;
	return of <= inf && it <= ot;
}

/* Does rule a match every packet rule b would? */
static bool acl_covers(const struct nsim_acl_rule *a, const struct nsim_acl_rule *b)
{
	if (!nsim_cidr_contains(norm(a->cidr), norm(b->cidr)))
		return false;
	if (a->proto == NSIM_PROTO_ALL)
		return true;
	if (a->proto != b->proto)
		return false;
	return a->proto == NSIM_PROTO_ICMP ||
	       ports_cover(a->has_ports, a->port_from, a->port_to, b->has_ports, b->port_from, b->port_to);
}

static void lint_shadowed(const struct nsim_network_acl *acl, const struct nsim_acl_rule *rules, size_t n,
			  const char *dir, struct nsim_diags *d)
{
	for (size_t j = 0; j < n; j++) {
		const struct nsim_acl_rule *b = &rules[j], *first = NULL;
		for (size_t i = 0; i < n; i++)
			if (rules[i].number < b->number && acl_covers(&rules[i], b) &&
			    (!first || rules[i].number < first->number))
				first = &rules[i];
		if (!first)
			continue;
		/* Rules are evaluated from the lowest number; the first that
		 * matches decides. AWS: "Control subnet traffic with network
		 * access control lists",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
		nsim_diag_warning(d, b->number_pos,
				  "network ACL '%s' %s rule %u can never match: rule %u, evaluated first, matches "
				  "everything it would (and %s it)",
				  nm(&acl->name), dir, (unsigned)b->number, (unsigned)first->number,
				  first->action == NSIM_ACL_ALLOW ? "allows" : "denies");
		if (first->action == b->action)
			fix(d, b->number_pos, "remove rule %u: rule %u already %s the same packets", (unsigned)b->number,
			    (unsigned)first->number, b->action == NSIM_ACL_ALLOW ? "allows" : "denies");
		else
			fix(d, b->number_pos, "to make rule %u decide first, give it a number below %u (e.g. %u)",
			    (unsigned)b->number, (unsigned)first->number,
			    (unsigned)(first->number > 1 ? first->number - 1 : 1));
	}
}

/* Ports [lo, hi] cut where any rule's range starts or ends: within a
 * segment, each rule matches every port or none. */
#define MAX_SEGS (2 * ACL_RULES_LINTED + 2)

struct seg {
	unsigned from, to;
	bool open;
};

static int unsigned_cmp(const void *x, const void *y)
{
	unsigned a = *(const unsigned *)x, b = *(const unsigned *)y;
	return a < b ? -1 : a > b;
}

static bool rule_matches(const struct nsim_acl_rule *r, enum nsim_proto proto, struct nsim_cidr x, unsigned port)
{
	if (r->proto != NSIM_PROTO_ALL && r->proto != proto)
		return false;
	if (!nsim_cidr_contains(norm(r->cidr), norm(x)))
		return false;
	return r->proto == NSIM_PROTO_ALL || !r->has_ports || (port >= r->port_from && port <= r->port_to);
}

/* Which ports of [lo, hi] the rules of one direction (n <= ACL_RULES_LINTED)
 * allow for proto, for every address of x (a rule whose CIDR does not
 * contain all of x does not count): first match by number, `*` denies.
 * Returns the number of segments in ret (at most MAX_SEGS); *ret_deny: the
 * number of the first deny rule that closes part of the range (0: `*`). */
static size_t acl_open_ports(const struct nsim_acl_rule *rules, size_t n, enum nsim_proto proto, struct nsim_cidr x,
			     unsigned lo, unsigned hi, struct seg *ret, uint32_t *ret_deny)
{
	unsigned cuts[MAX_SEGS];
	size_t n_cuts = 0, n_segs = 0;

	*ret_deny = 0;
	cuts[n_cuts++] = lo;
	cuts[n_cuts++] = hi + 1;
	for (size_t i = 0; i < n; i++) {
		if (rules[i].proto == NSIM_PROTO_ALL || !rules[i].has_ports)
			continue;
		if (rules[i].port_from > lo && rules[i].port_from <= hi)
			cuts[n_cuts++] = rules[i].port_from;
		if ((unsigned)rules[i].port_to + 1 > lo && rules[i].port_to < hi)
			cuts[n_cuts++] = (unsigned)rules[i].port_to + 1;
	}
	qsort(cuts, n_cuts, sizeof(*cuts), unsigned_cmp);
	for (size_t k = 0; k + 1 < n_cuts; k++) {
		const struct nsim_acl_rule *first = NULL;
		if (cuts[k] == cuts[k + 1])
			continue;
		for (size_t i = 0; i < n; i++)
			if (rule_matches(&rules[i], proto, x, cuts[k]) && (!first || rules[i].number < first->number))
				first = &rules[i];
		bool open = first && first->action == NSIM_ACL_ALLOW;
		if (!open && first && (!*ret_deny || first->number < *ret_deny))
			*ret_deny = first->number;
		if (n_segs && ret[n_segs - 1].open == open)
			ret[n_segs - 1].to = cuts[k + 1] - 1;
		else
			ret[n_segs++] = (struct seg){cuts[k], cuts[k + 1] - 1, open};
	}
	return n_segs;
}

/* The open segments: "32768-40000, 50001-60999", or "none". */
static void ports_fmt(const struct seg *segs, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int k;
		if (!segs[i].open || len >= size)
			continue;
		k = segs[i].from == segs[i].to
			    ? snprintf(buf + len, size - len, "%s%u", len ? ", " : "", segs[i].from)
			    : snprintf(buf + len, size - len, "%s%u-%u", len ? ", " : "", segs[i].from, segs[i].to);
		len += k > 0 ? (size_t)k : 0;
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

/* A rule number free in rules, below `below` if possible (for the fix). */
static uint32_t free_number(const struct nsim_acl_rule *rules, size_t n, uint32_t below)
{
	uint32_t max = 0;
	for (uint32_t c = below ? below - 1 : 0; c >= 1 && below; c--) {
		bool used = false;
		for (size_t i = 0; i < n && !used; i++)
			used = rules[i].number == c;
		if (!used)
			return c;
	}
	for (size_t i = 0; i < n; i++)
		if (rules[i].number > max)
			max = rules[i].number;
	return max + 10 <= 32766 ? (max / 10 + 1) * 10 : max + 1;
}

static bool subnet_has_nat(const struct nsim_vpc *vpc, size_t s)
{
	for (size_t i = 0; i < vpc->n_nat_gateways; i++)
		if (vpc->nat_gateways[i].subnet_idx == s)
			return true;
	return false;
}

static bool listens(const struct nsim_service *l, size_t n, enum nsim_proto proto, unsigned from, unsigned to)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].proto == proto && l[i].from <= to && from <= l[i].to)
			return true;
	return false;
}

/* Is there a server the rule is for: ingress, a host behind the ACL that
 * listens on its ports; egress, a host or internet host in its CIDR, not
 * behind the ACL, that does? (A rule with no server is left alone: it may
 * be meant for the replies of other traffic.) */
static bool rule_has_server(const struct nsim_topology *t, const struct nsim_vpc *vpc, size_t acl_idx,
			    const struct nsim_acl_rule *r, bool ingress)
{
	struct nsim_cidr x = norm(r->cidr);

	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++) {
			const struct nsim_host *h = &t->vpcs[v].hosts[i];
			bool behind = &t->vpcs[v] == vpc && t->vpcs[v].subnets[h->subnet_idx].acl_idx == acl_idx;
			if (behind != ingress || (!ingress && !nsim_cidr_contains_addr(x, h->address)))
				continue;
			if (listens(h->listen, h->n_listen, r->proto, r->port_from, r->port_to))
				return true;
		}
	for (size_t i = 0; i < t->n_inet_hosts && !ingress; i++)
		if (nsim_cidr_contains_addr(x, t->inet_hosts[i].address) &&
		    listens(t->inet_hosts[i].listen, t->inet_hosts[i].n_listen, r->proto, r->port_from, r->port_to))
			return true;
	return false;
}

struct client_range {
	unsigned lo, hi;
	char who[80];
};

static void add_range(struct client_range *out, size_t *n, size_t max, unsigned lo, unsigned hi, const char *who)
{
	for (size_t i = 0; i < *n; i++)
		if (out[i].lo == lo && out[i].hi == hi)
			return;
	if (*n == max)
		return;
	out[*n].lo = lo, out[*n].hi = hi;
	snprintf(out[*n].who, sizeof(out[*n].who), "%s", who);
	(*n)++;
}

static void add_host_range(struct client_range *out, size_t *n, size_t max, const struct nsim_host *h)
{
	char who[80];
	unsigned lo = h->ephemeral.from ? h->ephemeral.from : EPH_LINUX_LO, hi = h->ephemeral.from ? h->ephemeral.to : EPH_LINUX_HI;
	if (h->ephemeral_pos.line)
		snprintf(who, sizeof(who), "host '%s', its ephemeral_ports", nm(&h->name));
	else if (h->kind == NSIM_HOST_FUNCTION)
		snprintf(who, sizeof(who), "Lambda functions");
	else if (h->os == NSIM_OS_WINDOWS)
		snprintf(who, sizeof(who), "Windows clients");
	else
		snprintf(who, sizeof(who), "Linux clients");
	add_range(out, n, max, lo, hi, who);
}

/* The ephemeral ranges of the clients whose replies cross rule r (each
 * distinct one once, up to max): an ingress rule's, the hosts and internet
 * hosts in its CIDR; an egress rule's, the hosts of the subnet and, to
 * outside the VPC, its NAT gateway (1024-65535). None found: Linux's.
 * AWS: "Ephemeral ports", https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
static size_t client_ranges(const struct nsim_topology *t, const struct nsim_vpc *vpc, size_t subnet,
			    const struct nsim_acl_rule *r, bool ingress, struct client_range *out, size_t max)
{
	size_t n = 0;
	if (ingress) {
		for (size_t v = 0; v < t->n_vpcs; v++)
			for (size_t i = 0; i < t->vpcs[v].n_hosts; i++)
				if (nsim_cidr_contains_addr(norm(r->cidr), t->vpcs[v].hosts[i].address))
					add_host_range(out, &n, max, &t->vpcs[v].hosts[i]);
		for (size_t i = 0; i < t->n_inet_hosts; i++) {
			const struct nsim_inet_host *h = &t->inet_hosts[i];
			if (!h->service.name && nsim_cidr_contains_addr(norm(r->cidr), h->address))
				add_range(out, &n, max, h->ephemeral.from ? h->ephemeral.from : EPH_NAT_LO,
					  h->ephemeral.from ? h->ephemeral.to : EPH_NAT_HI, "internet hosts");
		}
	} else {
		if (subnet_has_nat(vpc, subnet) && !nsim_cidr_contains(norm(vpc->cidr), norm(r->cidr)))
			add_range(out, &n, max, EPH_NAT_LO, EPH_NAT_HI, "the NAT gateway in this subnet");
		for (size_t i = 0; i < vpc->n_hosts; i++)
			if (vpc->hosts[i].subnet_idx == subnet)
				add_host_range(out, &n, max, &vpc->hosts[i]);
	}
	if (!n)
		add_range(out, &n, max, EPH_LINUX_LO, EPH_LINUX_HI, "Linux clients");
	return n;
}

/* One service rule `r` of `acl` in direction `dir` (traffic to or from port
 * r->ports, peer r->cidr): do the other direction's rules let the replies
 * through, on the whole ephemeral range of the clients? */
static void lint_return(struct lint *l, const struct nsim_vpc *vpc, size_t subnet, const struct nsim_network_acl *acl,
			const struct nsim_acl_rule *r, bool ingress)
{
	const struct nsim_topology *t = l->t;
	struct nsim_diags *d = l->d;
	const struct nsim_acl_rule *back = ingress ? acl->egress : acl->ingress;
	size_t n_back = ingress ? acl->n_egress : acl->n_ingress;
	unsigned lo = EPH_LINUX_LO, hi = EPH_LINUX_HI;
	const char *who = "Linux clients";
	struct seg segs[MAX_SEGS];
	size_t n_segs;
	uint32_t deny;
	char c[NSIM_CIDR_STRLEN], list[160], service[16];

	if (r->action != NSIM_ACL_ALLOW || (r->proto != NSIM_PROTO_TCP && r->proto != NSIM_PROTO_UDP) || !r->has_ports ||
	    r->port_to - r->port_from >= SERVICE_PORTS_MAX)
		return;
	/* within the subnet no ACL applies */
	if (nsim_cidr_contains(norm(vpc->subnets[subnet].cidr), norm(r->cidr)) || n_back > ACL_RULES_LINTED ||
	    l->budget == 0)
		return;
	l->budget--;
	if (!rule_has_server(t, vpc, vpc->subnets[subnet].acl_idx, r, ingress))
		return;
	/* each client's own range: Linux, Windows, Lambda, ephemeral_ports:,
	 * a NAT gateway's 1024-65535; the first one not wholly returned */
	struct client_range ranges[6];
	size_t n_ranges = client_ranges(t, vpc, subnet, r, ingress, ranges, ELEMENTSOF(ranges)), k;
	for (k = 0; k < n_ranges; k++) {
		lo = ranges[k].lo, hi = ranges[k].hi;
		who = ranges[k].who;
		n_segs = acl_open_ports(back, n_back, r->proto, r->cidr, lo, hi, segs, &deny);
		if (!(n_segs == 1 && segs[0].open))
			break;
	}
	if (k == n_ranges)
		return;
	ports_fmt(segs, n_segs, list, sizeof(list));
	if (r->port_from == r->port_to)
		snprintf(service, sizeof(service), "%u", (unsigned)r->port_from);
	else
		snprintf(service, sizeof(service), "%u-%u", (unsigned)r->port_from, (unsigned)r->port_to);
	/* ACLs are stateless: replies need a rule of their own, to the
	 * clients' ephemeral ports. AWS: "Ephemeral ports",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
	nsim_diag_warning(d, r->number_pos,
			  "network ACL '%s' %s rule %u lets %s/%s %s %s, but its %s rules let the replies %s "
			  "%s only on ports %s of the ephemeral range %u-%u (%s): connections whose client picks "
			  "another port get no reply",
			  nm(&acl->name), ingress ? "ingress" : "egress", (unsigned)r->number,
			  nsim_proto_name(r->proto), service,
			  ingress ? "in from" : "out to", nsim_cidr_fmt(norm(r->cidr), c), ingress ? "egress" : "ingress",
			  ingress ? "out to" : "in from", c, list, lo, hi, who);
	fix(d, r->number_pos, "add to %s %s: { rule: %u, protocol: %s, ports: %u-%u, %s: %s, action: allow }",
	    nm(&acl->name), ingress ? "egress" : "ingress", (unsigned)free_number(back, n_back, deny),
	    nsim_proto_name(r->proto), lo, hi, ingress ? "destination" : "source", c);
}

static void lint_acls(struct lint *l, const struct nsim_vpc *vpc)
{
	bool *seen = calloc(vpc->n_network_acls + 1, sizeof(*seen));

	if (!seen) {
		l->d->oom = true;
		return;
	}
	for (size_t i = 0; i < vpc->n_network_acls; i++) {
		const struct nsim_network_acl *acl = &vpc->network_acls[i];
		if (acl->n_ingress <= ACL_RULES_LINTED)
			lint_shadowed(acl, acl->ingress, acl->n_ingress, "ingress", l->d);
		if (acl->n_egress <= ACL_RULES_LINTED)
			lint_shadowed(acl, acl->egress, acl->n_egress, "egress", l->d);
	}
	/* an ACL shared by subnets: its return paths are linted once, for the first */
	for (size_t s = 0; s < vpc->n_subnets; s++) {
		size_t a = vpc->subnets[s].acl_idx;
		const struct nsim_network_acl *acl;
		if (a == NSIM_NONE || seen[a])
			continue;
		seen[a] = true;
		acl = &vpc->network_acls[a];
		for (size_t k = 0; k < acl->n_ingress && acl->n_ingress <= ACL_RULES_LINTED; k++)
			lint_return(l, vpc, s, acl, &acl->ingress[k], true);
		for (size_t k = 0; k < acl->n_egress && acl->n_egress <= ACL_RULES_LINTED; k++)
			lint_return(l, vpc, s, acl, &acl->egress[k], false);
	}
	free(seen);
}

/* ---- CIDRs that match nothing ---- */

static bool cidr_hits_address(const struct lint *l, struct nsim_cidr x)
{
	uint32_t lo = nsim_cidr_network(x), hi = nsim_cidr_broadcast(x);
	size_t a = 0, b = l->n_addrs;

	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (l->addrs[mid] < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a < l->n_addrs && l->addrs[a] <= hi;
}

static int addr_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

/* Every host, NAT gateway, public, elastic and internet address, sorted. */
static int collect_addrs(struct lint *l)
{
	const struct nsim_topology *t = l->t;
	size_t n = t->n_inet_hosts;

	for (size_t v = 0; v < t->n_vpcs; v++)
		n += 2 * t->vpcs[v].n_hosts + 2 * t->vpcs[v].n_nat_gateways;
	l->addrs = calloc(n ? n : 1, sizeof(*l->addrs));
	if (!l->addrs)
		return -ENOMEM;
	for (size_t v = 0; v < t->n_vpcs; v++) {
		const struct nsim_vpc *vpc = &t->vpcs[v];
		for (size_t i = 0; i < vpc->n_hosts; i++) {
			l->addrs[l->n_addrs++] = vpc->hosts[i].address;
			if (vpc->hosts[i].public_ip)
				l->addrs[l->n_addrs++] = vpc->hosts[i].public_ip;
		}
		for (size_t i = 0; i < vpc->n_nat_gateways; i++) {
			l->addrs[l->n_addrs++] = vpc->nat_gateways[i].address;
			l->addrs[l->n_addrs++] = vpc->nat_gateways[i].elastic_ip;
		}
	}
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		l->addrs[l->n_addrs++] = t->inet_hosts[i].address;
	if (l->n_addrs > 1)
		qsort(l->addrs, l->n_addrs, sizeof(*l->addrs), addr_cmp);
	return 0;
}

/* A CIDR that is likely a typo: it covers no address of the topology, and
 * either lies inside a VPC without covering one of its subnets whole, or is
 * a small block (/24 or longer) outside every VPC. A VPC's or subnet's CIDR,
 * a larger block, and 0.0.0.0/0 are deliberate. *ret_hint: a subnet it lies
 * in (its CIDR is the likely intent), or NULL. */
static bool cidr_suspect(struct lint *l, struct nsim_cidr x, const struct nsim_subnet **ret_hint)
{
	const struct nsim_topology *t = l->t;
	bool inside = false;

	x = norm(x);
	*ret_hint = NULL;
	if (x.len == 0 || cidr_hits_address(l, x) || l->budget == 0)
		return false;
	l->budget--;
	for (size_t v = 0; v < t->n_vpcs; v++) {
		const struct nsim_vpc *vpc = &t->vpcs[v];
		if (nsim_cidr_contains(x, norm(vpc->cidr)))
			return false;
		if (!nsim_cidr_overlaps(x, norm(vpc->cidr)))
			continue;
		inside = true;
		for (size_t s = 0; s < vpc->n_subnets; s++) {
			struct nsim_cidr sc = norm(vpc->subnets[s].cidr);
			if (nsim_cidr_contains(x, sc))
				return false;
			if (nsim_cidr_contains(sc, x))
				*ret_hint = &vpc->subnets[s];
		}
	}
	return inside || x.len >= 24;
}

static void lint_cidr(struct lint *l, struct nsim_cidr x, struct nsim_pos pos, const char *what)
{
	struct nsim_diags *d = l->d;
	const struct nsim_subnet *hint;
	char c[NSIM_CIDR_STRLEN], h[NSIM_CIDR_STRLEN];

	if (!cidr_suspect(l, x, &hint))
		return;
	/* A rule's CIDR matches the packets' addresses. AWS: "Security group
	 * rules", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html;
	 * "Control subnet traffic with network access control lists",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
	nsim_diag_warning(d, pos,
			  "%s: %s matches no address of the topology (no host, NAT gateway, public or elastic IP, "
			  "or internet host is in it): a typo?",
			  what, nsim_cidr_fmt(norm(x), c));
	if (hint)
		fix(d, pos, "if the rule is for subnet '%s', write its CIDR, %s; else correct the address", nm(&hint->name),
		    nsim_cidr_fmt(hint->cidr, h));
	else
		fix(d, pos, "correct the address (or remove the rule)");
}

static void lint_rule_cidrs(struct lint *l, const struct nsim_vpc *vpc)
{
	char what[96];

	for (size_t g = 0; g < vpc->n_security_groups; g++) {
		const struct nsim_security_group *sg = &vpc->security_groups[g];
		for (size_t i = 0; i < sg->n_ingress + sg->n_egress; i++) {
			bool in = i < sg->n_ingress;
			const struct nsim_sg_rule *r = in ? &sg->ingress[i] : &sg->egress[i - sg->n_ingress];
			if (!r->peer_is_cidr)
				continue;
			snprintf(what, sizeof(what), "security group '%.32s' %s rule #%zu", nm(&sg->name),
				 in ? "ingress" : "egress", in ? i + 1 : i - sg->n_ingress + 1);
			lint_cidr(l, r->peer_cidr, r->peer.pos, what);
		}
	}
	for (size_t a = 0; a < vpc->n_network_acls; a++) {
		const struct nsim_network_acl *acl = &vpc->network_acls[a];
		for (size_t i = 0; i < acl->n_ingress + acl->n_egress; i++) {
			bool in = i < acl->n_ingress;
			const struct nsim_acl_rule *r = in ? &acl->ingress[i] : &acl->egress[i - acl->n_ingress];
			snprintf(what, sizeof(what), "network ACL '%.32s' %s rule %u", nm(&acl->name),
				 in ? "ingress" : "egress", (unsigned)r->number);
			lint_cidr(l, r->cidr, r->cidr_pos, what);
		}
	}
}

/* ---- public and private subnets ---- */

static void lint_hosts(const struct nsim_vpc *vpc, const struct igw_tables *x, struct nsim_diags *d)
{
	const char *priv = private_table(vpc);
	char a[NSIM_ADDR_STRLEN];

	for (size_t i = 0; i < vpc->n_hosts; i++) {
		const struct nsim_host *h = &vpc->hosts[i];
		const char *sn = nm(&vpc->subnets[h->subnet_idx].name);
		if (h->public_ip && !subnet_routes_to_igw(vpc, x, h->subnet_idx, false)) {
			/* A public subnet routes to the internet gateway.
			 * AWS: "Enable internet access for a VPC using an internet gateway",
			 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html */
			nsim_diag_warning(d, h->public_ip_pos,
					  "host '%s' has public IP %s, but its subnet '%s' has no route to an "
					  "internet gateway: it won't be reachable from the internet",
					  nm(&h->name), nsim_addr_fmt(h->public_ip, a), sn);
			fix(d, h->public_ip_pos,
			    "move it to a public subnet (one whose route table sends 0.0.0.0/0 to the internet "
			    "gateway), or remove public_ip");
		}
		if (!h->public_ip && vpc->internet_gateway.name && subnet_routes_to_igw(vpc, x, h->subnet_idx, true)) {
			/* An instance without a public IP cannot use the internet
			 * gateway, even in a subnet that routes to it.
			 * AWS: "Enable internet access for a VPC using an internet gateway",
			 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html */
			nsim_diag_warning(d, h->name.pos,
					  "host '%s' is in public subnet '%s' (its route table sends 0.0.0.0/0 to "
					  "internet gateway '%s') without a public IP: it can neither reach the "
					  "internet nor be reached from it",
					  nm(&h->name), sn, nm(&vpc->internet_gateway));
			fix(d, h->name.pos,
			    "give it public_ip, or move it to a private subnet that routes 0.0.0.0/0 to a NAT "
			    "gateway%s%s%s",
			    priv ? " (route table " : "", priv ? priv : "", priv ? ")" : "");
		}
	}
}

static void lint_nat_placement(const struct nsim_vpc *vpc, const struct igw_tables *x, struct nsim_diags *d)
{
	for (size_t i = 0; i < vpc->n_nat_gateways; i++) {
		const struct nsim_nat_gateway *n = &vpc->nat_gateways[i];
		/* A public NAT gateway sits in a public subnet, routed to an internet gateway.
		 * AWS: "NAT gateways",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html */
		if (!vpc->internet_gateway.name) {
			nsim_diag_warning(d, n->name.pos,
					  "NAT gateway '%s' is in VPC '%s', which has no internet gateway: its "
					  "outbound traffic would be dropped",
					  nm(&n->name), nm(&vpc->name));
			fix(d, n->name.pos, "attach one (internet_gateway: igw) and route the NAT gateway's subnet to it");
			continue;
		}
		if (subnet_routes_to_igw(vpc, x, n->subnet_idx, false))
			continue;
		nsim_diag_warning(d, n->subnet.pos,
				  "NAT gateway '%s' is in subnet '%s' whose route table has no route to an "
				  "internet gateway: its outbound traffic would be dropped",
				  nm(&n->name), nm(&vpc->subnets[n->subnet_idx].name));
		fix(d, n->subnet.pos,
		    "put it in a public subnet, or add to the route table of subnet '%s': { destination: "
		    "0.0.0.0/0, target: %s }",
		    nm(&vpc->subnets[n->subnet_idx].name), nm(&vpc->internet_gateway));
	}
}

void nsim_validate_lints(const struct nsim_topology *t, struct nsim_diags *d)
{
	struct lint l = {.t = t, .d = d, .budget = SCAN_BUDGET};

	if (collect_addrs(&l) < 0) {
		d->oom = true;
		return;
	}
	for (size_t v = 0; v < t->n_vpcs; v++) {
		const struct nsim_vpc *vpc = &t->vpcs[v];
		struct igw_tables x = {0};
		if (igw_tables_init(vpc, &x) < 0) {
			igw_tables_done(&x);
			d->oom = true;
			break;
		}
		lint_nat_placement(vpc, &x, d);
		lint_gateways(vpc, d);
		lint_unused_tables(vpc, d);
		lint_peering_routes(t, vpc, d);
		lint_hosts(vpc, &x, d);
		lint_acls(&l, vpc);
		lint_rule_cidrs(&l, vpc);
		igw_tables_done(&x);
	}
	free(l.addrs);
}
