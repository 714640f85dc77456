/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/util.h"
#include "plan/plan.h"
#include "probe/evidence.h"

/* Makes room for one more element in *arr (of *cap elements of size elem). */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 8;
	if (ncap < *cap || ncap > SIZE_MAX / elem)
		return -ENOMEM;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static char *ns_name(const struct nsim_check_prep *pp, const char *node)
{
	size_t len = nsim_plan_ns_name(NULL, 0, pp->instance, node);
	char *s = malloc(len + 1);
	if (s)
		nsim_plan_ns_name(s, len + 1, pp->instance, node);
	return s;
}

/* The component (name, kind) living in node's namespace; *ret its index.
 * One component may live in several namespaces (an interface endpoint's
 * network interfaces): one entry each. */
static int add_comp(struct nsim_check_prep *pp, const char *name, const char *kind, const char *node, size_t *ret)
{
	char *ns = ns_name(pp, node), *key = NULL;
	if (!ns || asprintf(&key, "%s\x1f%s\x1f%s", name, kind, ns) < 0) {
		free(ns);
		return -ENOMEM;
	}
	uintptr_t known = (uintptr_t)nsim_hashmap_get(&pp->comp_map, key);
	if (known) {
		free(ns);
		free(key);
		*ret = known - 1;
		return 0;
	}
	if (grow((void **)&pp->comps, &pp->cap_comps, pp->n_comps, sizeof(*pp->comps)) < 0 ||
	    nsim_hashmap_put(&pp->comp_map, key, (void *)(uintptr_t)(pp->n_comps + 1)) < 0) {
		free(ns);
		free(key);
		return -ENOMEM;
	}
	free(key);
	pp->comps[pp->n_comps] = (struct nsim_check_comp){.name = name, .kind = kind, .ns = ns, .ns_idx = NSIM_NONE};
	*ret = pp->n_comps++;
	return 0;
}

/* Restricts a component to the given interfaces (router ports). */
static int add_port(struct nsim_check_comp *k, size_t *cap, const char *port)
{
	if (grow((void **)&k->ifaces, cap, k->n_ifaces, sizeof(*k->ifaces)) < 0)
		return -ENOMEM;
	if (!(k->ifaces[k->n_ifaces] = strdup(port)))
		return -ENOMEM;
	k->n_ifaces++;
	return 0;
}

static int add_iface(struct nsim_check_comp *k, size_t *cap, char prefix, const char *name, size_t index)
{
	char port[16];
	nsim_plan_port_name(port, prefix, name, index);
	return add_port(k, cap, port);
}

static int comp_vpc(struct nsim_check_prep *pp, size_t vi, size_t *ret)
{
	const char *name = pp->t->vpcs[vi].name.name;
	return add_comp(pp, name, "VPC router", name, ret);
}

/* The peering: its port on the first VPC's router. */
static int comp_peering(struct nsim_check_prep *pp, size_t pi, size_t *ret)
{
	const struct nsim_peering *pc = &pp->t->peerings[pi];
	size_t k;
	int r = add_comp(pp, pc->name.name, "peering", pp->t->vpcs[pc->vpc_idx[0]].name.name, &k);
	if (r < 0)
		return r;
	struct nsim_check_comp *cp = &pp->comps[k];
	if (!cp->ifaces) {
		size_t cap = 0;
		if ((r = add_iface(cp, &cap, 'p', pc->name.name, pi)) < 0)
			return r;
	}
	*ret = k;
	return 0;
}

/* A subnet: the router ports of its hosts and NAT gateways. A subnet with
 * none of them has no port: then nothing of it can be seen. */
static int comp_subnet(struct nsim_check_prep *pp, size_t vi, size_t si, size_t *ret)
{
	const struct nsim_vpc *v = &pp->t->vpcs[vi];
	size_t k;
	int r = add_comp(pp, v->subnets[si].name.name, "subnet", v->name.name, &k);
	if (r < 0)
		return r;
	*ret = k;
	struct nsim_check_comp *cp = &pp->comps[k];
	if (cp->ifaces)
		return 0;
	size_t cap = 0;
	for (size_t i = 0; i < v->n_nat_gateways; i++)
		if (v->nat_gateways[i].subnet_idx == si && (r = add_iface(cp, &cap, 'n', v->nat_gateways[i].name.name, i)) < 0)
			return r;
	for (size_t i = 0; i < v->n_hosts; i++)
		if (v->hosts[i].subnet_idx == si && (r = add_iface(cp, &cap, 'h', v->hosts[i].name.name, i)) < 0)
			return r;
	size_t ord = nsim_plan_endpoint_ordinal(pp->t, vi, 0, 0);
	for (size_t i = 0; i < v->n_endpoints; i++) {
		const struct nsim_vpc_endpoint *ep = &v->endpoints[i];
		size_t first = ord;
		ord += ep->type == NSIM_VPCE_INTERFACE ? ep->n_subnets : 1;
		for (size_t s = 0; ep->type == NSIM_VPCE_INTERFACE && ep->subnet_idx && s < ep->n_subnets; s++) {
			char port[16];
			nsim_plan_endpoint_port(port, pp->t, vi, i, s, first + s);
			if (ep->subnet_idx[s] == si && (r = add_port(cp, &cap, port)) < 0)
				return r;
		}
	}
	if (!cp->ifaces) {
		/* a port list that matches nothing, not "every interface" */
		cp->ifaces = calloc(1, sizeof(*cp->ifaces));
		if (!cp->ifaces)
			return -ENOMEM;
	}
	return 0;
}

/* The namespace of endpoint ei of VPC vi: its network interface in its k-th
 * subnet (interface), or its own (gateway). */
static int comp_endpoint(struct nsim_check_prep *pp, size_t vi, size_t ei, size_t k, size_t *ret)
{
	const struct nsim_vpc_endpoint *ep = &pp->t->vpcs[vi].endpoints[ei];
	size_t len = nsim_plan_endpoint_node(NULL, 0, pp->t, vi, ei, k);
	char *node = malloc(len + 1);
	if (!node)
		return -ENOMEM;
	nsim_plan_endpoint_node(node, len + 1, pp->t, vi, ei, k);
	const char *kind = ep->type == NSIM_VPCE_GATEWAY ? "gateway endpoint" : "interface endpoint";
	int r = add_comp(pp, ep->name.name, kind, node, ret);
	free(node);
	return r;
}

static int comp_of(struct nsim_check_prep *pp, const struct nsim_component *v, size_t *ret)
{
	const struct nsim_topology *t = pp->t;
	switch (v->kind) {
	case NSIM_COMP_VPC:
		return comp_vpc(pp, v->a, ret);
	case NSIM_COMP_SUBNET:
		return comp_subnet(pp, v->a, v->b, ret);
	case NSIM_COMP_IGW:
		return add_comp(pp, t->vpcs[v->a].internet_gateway.name, "internet gateway",
				t->vpcs[v->a].internet_gateway.name, ret);
	case NSIM_COMP_NAT:
		return add_comp(pp, t->vpcs[v->a].nat_gateways[v->b].name.name, "NAT gateway",
				t->vpcs[v->a].nat_gateways[v->b].name.name, ret);
	case NSIM_COMP_HOST:
		return add_comp(pp, t->vpcs[v->a].hosts[v->b].name.name, "host", t->vpcs[v->a].hosts[v->b].name.name, ret);
	case NSIM_COMP_PEERING:
		return comp_peering(pp, v->a, ret);
	case NSIM_COMP_INET_HOST:
		return add_comp(pp, t->inet_hosts[v->a].name.name, "internet host", t->inet_hosts[v->a].name.name, ret);
	case NSIM_COMP_ENDPOINT: /* its first namespace (candidates: add_endpoint_candidates) */
		return comp_endpoint(pp, v->a, v->b, 0, ret);
	case NSIM_COMP_SECURITY_GROUP: /* not via: components (blocked_by: only) */
	case NSIM_COMP_NETWORK_ACL:
	case NSIM_COMP_ROUTE_TABLE:
	case NSIM_COMP_PREFIX_LIST:
	case NSIM_COMP_INTERNET:
	case NSIM_COMP_UNRESOLVED: /* the validator resolves every via */
		break;
	}
	return add_comp(pp, "internet", "internet", "internet", ret);
}

/* r: the result of finding the component, which set *k (read only after the
 * call that computed r: argument evaluation order is unspecified) */
static int add_candidate(struct nsim_check_cands *c, int r, const size_t *kp)
{
	if (r < 0)
		return r;
	size_t k = *kp;
	for (size_t i = 0; i < c->n; i++)
		if (c->idx[i] == k)
			return 0;
	if (grow((void **)&c->idx, &c->cap, c->n, sizeof(*c->idx)) < 0)
		return -ENOMEM;
	c->idx[c->n++] = k;
	return 0;
}

/* Every namespace of endpoint ei of VPC vi as a candidate. */
static int add_endpoint_candidates(struct nsim_check_prep *pp, struct nsim_check_cands *c, size_t vi, size_t ei)
{
	const struct nsim_vpc_endpoint *ep = &pp->t->vpcs[vi].endpoints[ei];
	size_t n = ep->type == NSIM_VPCE_INTERFACE ? ep->n_subnets : 1, k;
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++)
		r = add_candidate(c, comp_endpoint(pp, vi, ei, i, &k), &k);
	return r;
}

/* The endpoints a flow from VPC vi to address a may cross, as candidates:
 * the interface endpoint whose network interface has a (any VPC's: a peered
 * one's is reachable) and its service host; a gateway endpoint of vi to
 * a service host at a. */
static int endpoint_candidates(struct nsim_check_prep *pp, struct nsim_check_cands *c, size_t vi, uint32_t a)
{
	const struct nsim_topology *t = pp->t;
	size_t k;
	int r = 0;
	for (size_t v = 0; v < t->n_vpcs && r >= 0; v++)
		for (size_t ei = 0; ei < t->vpcs[v].n_endpoints && r >= 0; ei++) {
			const struct nsim_vpc_endpoint *ep = &t->vpcs[v].endpoints[ei];
			if (ep->type == NSIM_VPCE_INTERFACE) {
				for (size_t s = 0; ep->addresses && s < ep->n_subnets && r >= 0; s++) {
					if (ep->addresses[s] != a)
						continue;
					r = add_candidate(c, comp_endpoint(pp, v, ei, s, &k), &k);
					if (r >= 0 && ep->n_service_hosts) {
						const char *sh = t->inet_hosts[ep->service_hosts[0]].name.name;
						r = add_candidate(c, add_comp(pp, sh, "internet host", sh, &k), &k);
					}
				}
				continue;
			}
			if (v != vi)
				continue;
			for (size_t s = 0; s < ep->n_service_hosts && r >= 0; s++)
				if (t->inet_hosts[ep->service_hosts[s]].address == a)
					r = add_candidate(c, comp_endpoint(pp, v, ei, 0, &k), &k);
		}
	return r;
}

/* The VPC an address belongs to, NSIM_NONE when outside every VPC. */
static size_t vpc_of_addr(const struct nsim_topology *t, uint32_t a)
{
	for (size_t i = 0; i < t->n_vpcs; i++)
		if (nsim_cidr_contains_addr(t->vpcs[i].cidr, a))
			return i;
	return NSIM_NONE;
}

uint32_t nsim_check_resolver(const struct nsim_topology *t, size_t vi)
{
	if (vi >= t->n_vpcs || !t->vpcs[vi].dns_support)
		return 0;
	return nsim_plan_dns_address(&t->vpcs[vi]);
}

/* The VPC whose host's public IP or NAT gateway's elastic IP is a. */
static size_t public_vpc(const struct nsim_topology *t, uint32_t a)
{
	for (size_t v = 0; a && v < t->n_vpcs; v++) {
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++)
			if (t->vpcs[v].hosts[i].public_ip == a)
				return v;
		for (size_t i = 0; i < t->vpcs[v].n_nat_gateways; i++)
			if (t->vpcs[v].nat_gateways[i].elastic_ip == a)
				return v;
	}
	return NSIM_NONE;
}

/* The host (vpc, idx) whose address is a, false when none. */
static bool host_of_addr(const struct nsim_topology *t, uint32_t a, size_t *ret_vpc, size_t *ret_idx)
{
	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++)
			if (t->vpcs[v].hosts[i].address == a ||
			    (t->vpcs[v].hosts[i].public_ip && t->vpcs[v].hosts[i].public_ip == a)) {
				*ret_vpc = v;
				*ret_idx = i;
				return true;
			}
	return false;
}

static int cmp_host_addr(const void *a, const void *b)
{
	const struct nsim_check_host_addr *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->vpc != y->vpc)
		return x->vpc < y->vpc ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* host_of_addr() by a sorted index of the hosts' addresses (made once per
 * run): the first host in the file with that private or public address.
 * 0, -ENOENT, or -ENOMEM. */
static int host_of_addr_indexed(struct nsim_check_prep *pp, uint32_t a, size_t *ret_vpc, size_t *ret_idx)
{
	const struct nsim_topology *t = pp->t;
	if (!pp->host_addrs) {
		size_t n = 0;
		for (size_t v = 0; v < t->n_vpcs; v++)
			n += 2 * t->vpcs[v].n_hosts;
		struct nsim_check_host_addr *x = calloc(n ? n : 1, sizeof(*x));
		if (!x)
			return -ENOMEM;
		n = 0;
		for (size_t v = 0; v < t->n_vpcs; v++)
			for (size_t i = 0; i < t->vpcs[v].n_hosts; i++) {
				x[n++] = (struct nsim_check_host_addr){t->vpcs[v].hosts[i].address, v, i};
				if (t->vpcs[v].hosts[i].public_ip)
					x[n++] = (struct nsim_check_host_addr){t->vpcs[v].hosts[i].public_ip, v, i};
			}
		qsort(x, n, sizeof(*x), cmp_host_addr);
		pp->host_addrs = x;
		pp->n_host_addrs = n;
	}
	size_t lo = 0, hi = pp->n_host_addrs; /* the first entry with addr >= a */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pp->host_addrs[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == pp->n_host_addrs || pp->host_addrs[lo].addr != a)
		return -ENOENT;
	*ret_vpc = pp->host_addrs[lo].vpc;
	*ret_idx = pp->host_addrs[lo].idx;
	return 0;
}

static size_t inet_host_of_addr(const struct nsim_topology *t, uint32_t a)
{
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		if (t->inet_hosts[i].address == a)
			return i;
	return NSIM_NONE;
}

/* The model's answer to `name` from the expectation's source: the view its
 * VPC's dnsmasq is configured from (analyze/dns.c, model/dns.c). */
static int model_resolve(const struct nsim_topology *t, const struct nsim_expect *e, const char *name,
			 struct nsim_arena *arena, struct nsim_check_result *r)
{
	char why[512];
	uint32_t addr = 0;
	int k = nsim_analyze_name(t, &e->from, name, &addr, why, sizeof(why));
	r->model_resolves = k == 0;
	r->model_addr = k == 0 ? addr : 0;
	r->model_dns_error = k == 0 ? "" : nsim_arena_strdup(arena, why);
	return r->model_dns_error ? 0 : -ENOMEM;
}

/* A command as one line: the string, or the argv list joined by spaces. */
static const char *command_text(struct nsim_arena *arena, const struct nsim_argv *a)
{
	if (a->shell || a->argc == 1)
		return nsim_arena_strdup(arena, a->argv[0]);
	const char *s = "";
	for (size_t i = 0; s && i < a->argc; i++)
		s = nsim_arena_printf(arena, "%s%s%s", s, i ? " " : "", a->argv[i]);
	return s;
}

static int fmt_target(struct nsim_arena *arena, struct nsim_check_result *r, const struct nsim_expect *e)
{
	char a[NSIM_ADDR_STRLEN];
	const char *to = e->to.kind == NSIM_EP_ADDRESS ? nsim_addr_fmt(r->addr, a) : e->to.ref.name;
	if (r->is_command) {
		/* "fn $ mariadb -h ..." */
		r->target = r->command;
		r->flow = nsim_arena_printf(arena, "%s $ %s", e->from.ref.name, r->command);
		r->label = e->name.name ? e->name.name : r->flow;
		return r->flow ? 0 : -ENOMEM;
	}
	if (r->proto == NSIM_PROTO_ICMP)
		r->target = nsim_arena_printf(arena, "%s icmp", to);
	else
		r->target = nsim_arena_printf(arena, "%s:%u/%s", to, r->port, nsim_proto_name(r->proto));
	if (!r->target)
		return -ENOMEM;
	r->flow = nsim_arena_printf(arena, "%s → %s", e->from.ref.name, r->target);
	r->label = e->name.name ? e->name.name : r->flow;
	return r->flow ? 0 : -ENOMEM;
}

int nsim_check_prepare(struct nsim_check_prep *pp, size_t ei, struct nsim_arena *arena,
		       struct nsim_check_result *ret, struct nsim_check_cands *cands)
{
	const struct nsim_topology *t = pp->t;
	const struct nsim_expect *e = &t->expects[ei];
	size_t from_vpc = NSIM_NONE, to_vpc = NSIM_NONE, k = 0;
	const char *from_node = NULL;
	struct nsim_check_result res = {.index = ei, .e = e, .proto = e->proto, .port = e->has_port ? e->port.from : 0,
					.reason = "", .last_seen = "", .answered_by = "", .model_reaches = "", .leg2 = "",
					.model_dns_error = ""};

	switch (e->from.kind) {
	case NSIM_EP_HOST:
		from_vpc = e->from.vpc;
		from_node = t->vpcs[from_vpc].hosts[e->from.idx].name.name;
		break;
	case NSIM_EP_INET_HOST:
		from_node = t->inet_hosts[e->from.idx].name.name;
		break;
	case NSIM_EP_UNRESOLVED:
	case NSIM_EP_NAT:
	case NSIM_EP_ADDRESS:
	case NSIM_EP_DNS:
		return -EINVAL; /* the validator allows only hosts */
	}

	/* the source: where the probe (or command) runs, and a place its packets are seen */
	int r = add_candidate(cands, add_comp(pp, from_node, from_vpc == NSIM_NONE ? "internet host" : "host",
					      from_node, &k), &k);
	if (r < 0)
		return r;
	if (!(res.from_ns = nsim_arena_strdup(arena, pp->comps[k].ns)))
		return -ENOMEM;

	if (e->command.argc) {
		res.is_command = true;
		if (!(res.command = command_text(arena, &e->command)))
			return -ENOMEM;
		res.from_addr = from_vpc != NSIM_NONE ? t->vpcs[from_vpc].hosts[e->from.idx].address
						      : t->inet_hosts[e->from.idx].address;
		res.resolver = nsim_check_resolver(t, from_vpc);
		/* its packets: as its host and its VPC's router saw them */
		r = fmt_target(arena, &res, e);
		if (r >= 0 && from_vpc != NSIM_NONE)
			r = add_candidate(cands, comp_vpc(pp, from_vpc, &k), &k);
		if (r < 0)
			return r;
		*ret = res;
		return 0;
	}

	res.addr = nsim_analyze_target(t, &e->from, &e->to);
	if (e->to.kind == NSIM_EP_DNS) {
		res.dns_name = e->to.ref.name;
		if (from_vpc != NSIM_NONE)
			res.resolver = nsim_check_resolver(t, from_vpc);
		int d = model_resolve(t, e, res.dns_name, arena, &res);
		if (d < 0)
			return d;
		/* probed at the model's answer until the network's is known */
		res.addr = res.model_addr;
	}
	switch (e->to.kind) {
	case NSIM_EP_HOST:
	case NSIM_EP_NAT:
		to_vpc = e->to.vpc;
		break;
	case NSIM_EP_INET_HOST:
		break;
	case NSIM_EP_ADDRESS:
	case NSIM_EP_UNRESOLVED:
	case NSIM_EP_DNS:
		to_vpc = vpc_of_addr(t, res.addr);
		break;
	}
	if ((r = fmt_target(arena, &res, e)) < 0)
		return r;

	/* the routers and gateways the flow may cross, the destination, the via
	 * list; to a public or elastic IP, its VPC's too (and a reply sent the
	 * wrong way may end in a NAT gateway of either side) */
	size_t vpcs[3] = {from_vpc, to_vpc, to_vpc == NSIM_NONE ? public_vpc(t, res.addr) : NSIM_NONE}, pc;
	bool outside = from_vpc == NSIM_NONE || to_vpc == NSIM_NONE ||
		       (from_vpc != to_vpc && !nsim_topology_peered(t, from_vpc, to_vpc, NULL));
	for (int i = 0; i < 3 && r >= 0; i++) {
		if (vpcs[i] == NSIM_NONE || (i == 2 && vpcs[2] == from_vpc))
			continue;
		const struct nsim_vpc *v = &t->vpcs[vpcs[i]];
		r = add_candidate(cands, comp_vpc(pp, vpcs[i], &k), &k);
		if (outside)
			for (size_t g = 0; g < v->n_nat_gateways && r >= 0; g++)
				r = add_candidate(cands, add_comp(pp, v->nat_gateways[g].name.name, "NAT gateway",
								  v->nat_gateways[g].name.name, &k), &k);
		if (outside && v->internet_gateway.name && r >= 0)
			r = add_candidate(cands, add_comp(pp, v->internet_gateway.name, "internet gateway",
							  v->internet_gateway.name, &k), &k);
	}
	if (r >= 0 && from_vpc != NSIM_NONE && to_vpc != NSIM_NONE && from_vpc != to_vpc &&
	    nsim_topology_peered(t, from_vpc, to_vpc, &pc))
		r = add_candidate(cands, comp_peering(pp, pc, &k), &k);
	if (r >= 0 && outside && (from_vpc == NSIM_NONE || to_vpc == NSIM_NONE || t->n_inet_hosts))
		r = add_candidate(cands, add_comp(pp, "internet", "internet", "internet", &k), &k);
	/* the host behind the address (a name's too) and, for a proxy, its targets */
	size_t hv = NSIM_NONE, hi = NSIM_NONE, ii = NSIM_NONE;
	if (e->to.kind == NSIM_EP_HOST)
		hv = e->to.vpc, hi = e->to.idx;
	else if (e->to.kind == NSIM_EP_INET_HOST)
		ii = e->to.idx;
	else if (res.addr) {
		int found = host_of_addr_indexed(pp, res.addr, &hv, &hi);
		if (found == -ENOMEM)
			return found;
		if (found < 0)
			ii = inet_host_of_addr(t, res.addr);
	}
	if (r >= 0 && hv != NSIM_NONE) {
		const struct nsim_host *h = &t->vpcs[hv].hosts[hi];
		const char *to_node = h->name.name;
		r = add_candidate(cands, add_comp(pp, to_node, "host", to_node, &k), &k);
		if (h->n_targets) {
			res.relay = true;
			res.relay_addr = h->address;
		}
		for (size_t g = 0; g < h->n_targets && r >= 0; g++) {
			const struct nsim_endpoint *tg = &h->targets[g];
			if (tg->kind != NSIM_EP_HOST)
				continue;
			const char *tn = t->vpcs[tg->vpc].hosts[tg->idx].name.name;
			r = add_candidate(cands, add_comp(pp, tn, "host", tn, &k), &k);
			if (r >= 0 && tg->vpc != hv)
				r = add_candidate(cands, comp_vpc(pp, tg->vpc, &k), &k);
		}
	} else if (r >= 0 && ii != NSIM_NONE) {
		const char *to_node = t->inet_hosts[ii].name.name;
		r = add_candidate(cands, add_comp(pp, to_node, "internet host", to_node, &k), &k);
	}
	if (r >= 0 && res.addr)
		r = endpoint_candidates(pp, cands, from_vpc, res.addr);
	if (r >= 0 && e->has_reaches && e->reaches.kind == NSIM_EP_HOST) {
		const char *rn = t->vpcs[e->reaches.vpc].hosts[e->reaches.idx].name.name;
		r = add_candidate(cands, add_comp(pp, rn, "host", rn, &k), &k);
	}
	for (size_t i = 0; i < e->n_via && r >= 0; i++)
		r = e->via[i].kind == NSIM_COMP_ENDPOINT ? add_endpoint_candidates(pp, cands, e->via[i].a, e->via[i].b)
							 : add_candidate(cands, comp_of(pp, &e->via[i], &k), &k);
	if (r < 0)
		return r;
	*ret = res;
	return 0;
}

void nsim_check_prep_done(struct nsim_check_prep *pp)
{
	for (size_t i = 0; i < pp->n_comps; i++) {
		for (size_t k = 0; k < pp->comps[i].n_ifaces; k++)
			free(pp->comps[i].ifaces[k]);
		free(pp->comps[i].ifaces);
		free(pp->comps[i].ns);
	}
	free(pp->comps);
	pp->comps = NULL;
	pp->n_comps = pp->cap_comps = 0;
	nsim_hashmap_clear(&pp->comp_map, NULL);
	free(pp->host_addrs);
	pp->host_addrs = NULL;
	pp->n_host_addrs = 0;
}

void nsim_check_cands_done(struct nsim_check_cands *c)
{
	free(c->idx);
	*c = (struct nsim_check_cands){0};
}

void nsim_check_result_done(struct nsim_check_result *r)
{
	for (size_t k = 0; k < r->n_hops; k++)
		free(r->hops[k].pkts);
	free(r->hops);
	r->hops = NULL;
	r->n_hops = 0;
}

/* ---- evidence ---- */

static bool flow_forward(const struct nsim_packet *p, const struct nsim_check_result *r, uint16_t sport)
{
	switch (r->proto) {
	case NSIM_PROTO_TCP:
		return p->proto == IPPROTO_TCP && p->sport == sport && p->dport == r->port;
	case NSIM_PROTO_UDP:
		return p->proto == IPPROTO_UDP && p->sport == sport && p->dport == r->port;
	case NSIM_PROTO_ICMP:
	case NSIM_PROTO_ALL: /* an expectation's protocol is never "all": probes are echoes then */
		return p->proto == IPPROTO_ICMP && p->icmp_type == 8 && p->sport == sport;
	}
	return false;
}

static bool flow_reverse(const struct nsim_packet *p, const struct nsim_check_result *r, uint16_t sport)
{
	/* an ICMP error about one of the probe's packets (port or net unreachable) */
	if (p->proto == IPPROTO_ICMP && p->quoted_proto &&
	    p->quoted_proto == (r->proto == NSIM_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP))
		return p->sport == sport && p->dport == r->port;
	switch (r->proto) {
	case NSIM_PROTO_TCP:
		return p->proto == IPPROTO_TCP && p->dport == sport && p->sport == r->port;
	case NSIM_PROTO_UDP:
		return p->proto == IPPROTO_UDP && p->dport == sport && p->sport == r->port;
	case NSIM_PROTO_ICMP:
	case NSIM_PROTO_ALL:
		return p->proto == IPPROTO_ICMP && p->icmp_type == 0 && p->sport == sport;
	}
	return false;
}

static bool on_comp(const struct nsim_check_comp *k, const struct nsim_packet *p)
{
	if (k->ns_idx == NSIM_NONE || p->ns != k->ns_idx)
		return false;
	if (!k->ifaces)
		return true;
	for (size_t i = 0; i < k->n_ifaces; i++)
		if (strncmp(k->ifaces[i], p->ifname, sizeof(p->ifname)) == 0)
			return true;
	return false;
}

static int cmp_hop(const void *a, const void *b)
{
	const struct nsim_hop *x = a, *y = b;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void copy_ifname(char dst[16], const char src[16])
{
	memcpy(dst, src, 16);
	dst[15] = '\0';
}

/* Which packets belong to a leg of a result. */
struct matcher {
	int kind; /* 0: the probe's flow; 1: a command's packets; 2: a relay's flow to its target */
	const struct nsim_topology *t;
	const struct nsim_check_result *r;
	double lo, hi; /* CLOCK_REALTIME ms */
	bool exact;    /* relay: the responder reported the relay's source port */
	const uint64_t *probe_ports; /* nsim_check_prep's */
};

/* Whether port is the source port of one of the run's probes. */
static bool probe_port(const struct matcher *m, uint16_t port)
{
	if (m->probe_ports)
		return m->probe_ports[port / 64] >> (port % 64) & 1;
	return port >= NSIM_CHECK_SPORT_BASE && port < NSIM_CHECK_SPORT_BASE + m->t->n_expects;
}

static bool is_target_of_relay(const struct matcher *m, uint32_t a)
{
	size_t v, i;
	if (!host_of_addr(m->t, m->r->relay_addr, &v, &i))
		return false;
	const struct nsim_host *h = &m->t->vpcs[v].hosts[i];
	for (size_t g = 0; g < h->n_targets; g++)
		if (h->targets[g].kind == NSIM_EP_HOST && m->t->vpcs[h->targets[g].vpc].hosts[h->targets[g].idx].address == a)
			return true;
	return false;
}

/* 1: forward, -1: reverse, 0: not of the leg. */
static int leg_match(const struct matcher *m, const struct nsim_packet *p)
{
	const struct nsim_check_result *r = m->r;
	if (p->t_ms < m->lo || p->t_ms > m->hi)
		return 0;
	switch (m->kind) {
	case 0: {
		int k = flow_forward(p, r, r->probe.sport) ? 1 : flow_reverse(p, r, r->probe.sport) ? -1 : 0;
		/* past a NAT gateway the source port is the NAT's: pinned by check, or
		 * the one the responder saw (to the probed address only) */
		uint16_t nat = r->nat_port ? r->nat_port : r->has_seen && r->seen_port != r->probe.sport ? r->seen_port : 0;
		if (!k && nat && r->proto != NSIM_PROTO_ICMP)
			k = p->dst == r->addr && flow_forward(p, r, nat) ? 1 : p->src == r->addr && flow_reverse(p, r, nat) ? -1 : 0;
		return k;
	}
	case 1:
		return p->src == r->from_addr ? 1 : p->dst == r->from_addr ? -1 : 0;
	default:
		break;
	}
	uint8_t proto = r->proto == NSIM_PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	if (p->proto != proto)
		return 0;
	if (m->exact)
		return p->src == r->seen && p->sport == r->seen_port && p->dport == r->port ? 1
		       : p->dst == r->seen && p->dport == r->seen_port && p->sport == r->port ? -1 : 0;
	/* without the relay's port: its flows to a target on the port, not
	 * another expectation's probe from the proxy itself (its port is ours) */
	uint16_t own = p->src == r->relay_addr ? p->sport : p->dport;
	if (probe_port(m, own))
		return 0;
	if (p->src == r->relay_addr && p->dport == r->port && is_target_of_relay(m, p->dst))
		return 1;
	if (p->dst == r->relay_addr && p->sport == r->port && is_target_of_relay(m, p->src))
		return -1;
	return 0;
}

/* Appends h to r->hops (cap: its capacity); h's packets go with it. */
static int push_hop(struct nsim_check_result *r, size_t *cap, struct nsim_hop *h, struct nsim_arena *arena)
{
	/* the namespace name outlives the components: the report's arena keeps it */
	if (!(h->ns = nsim_arena_strdup(arena, h->ns)) || grow((void **)&r->hops, cap, r->n_hops, sizeof(*r->hops)) < 0) {
		free(h->pkts);
		return -ENOMEM;
	}
	r->hops[r->n_hops++] = *h;
	return 0;
}

static void hop_packet(struct nsim_hop *h, const struct nsim_packet *p)
{
	if (p->dir == NSIM_PKT_IN && !h->has_in) {
		h->has_in = true;
		copy_ifname(h->if_in, p->ifname);
		h->in_src = p->src, h->in_dst = p->dst, h->in_sport = p->sport, h->in_dport = p->dport;
	} else if (p->dir == NSIM_PKT_OUT && !h->has_out) {
		h->has_out = true;
		copy_ifname(h->if_out, p->ifname);
		h->out_src = p->src, h->out_dst = p->dst, h->out_sport = p->sport, h->out_dport = p->dport;
	}
}

#define COMMAND_FLOWS_MAX 8 /* flows shown per component for a command */

static bool same_flow(const struct nsim_packet *a, const struct nsim_packet *b, bool reverse)
{
	if (a->proto != b->proto)
		return false;
	if (reverse)
		return a->src == b->dst && a->dst == b->src && a->sport == b->dport && a->dport == b->sport;
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport && a->dport == b->dport;
}

/* A command's packets: one hop per flow (its first forward packet's
 * addresses and ports) and component, the first COMMAND_FLOWS_MAX flows of
 * each component. */
static int collect_command(const struct nsim_check_prep *pp, const struct nsim_check_cands *cands, double t0,
			   const struct nsim_packet *pkts, size_t n, struct nsim_arena *arena, struct nsim_check_result *r,
			   const struct matcher *m, size_t *hcap)
{
	for (size_t ci = 0; ci < cands->n; ci++) {
		const struct nsim_check_comp *k = &pp->comps[cands->idx[ci]];
		struct nsim_hop flows[COMMAND_FLOWS_MAX];
		const struct nsim_packet *firsts[COMMAND_FLOWS_MAX];
		size_t caps[COMMAND_FLOWS_MAX] = {0}, nf = 0;
		int ret = 0;
		for (size_t i = 0; i < n && ret == 0; i++) {
			const struct nsim_packet *p = &pkts[i];
			int dir = on_comp(k, p) ? leg_match(m, p) : 0;
			if (!dir)
				continue;
			size_t f = 0;
			while (f < nf && !same_flow(firsts[f], p, dir < 0))
				f++;
			if (f == nf) {
				if (dir < 0 || nf == COMMAND_FLOWS_MAX)
					continue;
				flows[nf] = (struct nsim_hop){.component = k->name, .kind = k->kind, .ns = k->ns, .leg = 1,
							      .t_ms = p->t_ms - t0, .first = i};
				firsts[nf++] = p;
			}
			struct nsim_hop *h = &flows[f];
			if (grow((void **)&h->pkts, &caps[f], h->n_pkts, sizeof(*h->pkts)) < 0) {
				ret = -ENOMEM;
				break;
			}
			h->pkts[h->n_pkts++] = p;
			if (dir < 0)
				h->reply_seen = true;
			else
				hop_packet(h, p);
		}
		for (size_t f = 0; f < nf; f++) {
			if (ret == 0)
				ret = push_hop(r, hcap, &flows[f], arena);
			else
				free(flows[f].pkts);
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* sel: the indexes of the packets to read (n_sel of them, ascending); NULL: all n */
static int collect_leg(const struct nsim_check_prep *pp, const struct nsim_check_cands *cands, double t0,
		       const struct nsim_packet *pkts, size_t n, const size_t *sel, size_t n_sel,
		       struct nsim_arena *arena, struct nsim_check_result *r, const struct matcher *m, int leg,
		       size_t *hcap)
{
	for (size_t ci = 0; ci < cands->n; ci++) {
		const struct nsim_check_comp *k = &pp->comps[cands->idx[ci]];
		struct nsim_hop h = {.component = k->name, .kind = k->kind, .ns = k->ns, .leg = leg};
		size_t cap = 0;
		bool seen = false;
		for (size_t j = 0; j < (sel ? n_sel : n); j++) {
			size_t i = sel ? sel[j] : j;
			const struct nsim_packet *p = &pkts[i];
			if (!on_comp(k, p))
				continue;
			int dir = leg_match(m, p);
			if (!dir)
				continue;
			bool fwd = dir > 0;
			if (grow((void **)&h.pkts, &cap, h.n_pkts, sizeof(*h.pkts)) < 0) {
				free(h.pkts);
				return -ENOMEM;
			}
			h.pkts[h.n_pkts++] = p;
			if (!fwd) {
				h.reply_seen = true;
				continue;
			}
			if (!seen) {
				h.t_ms = p->t_ms - t0;
				h.first = i;
				seen = true;
			}
			hop_packet(&h, p);
		}
		if (seen) {
			int k2 = push_hop(r, hcap, &h, arena);
			if (k2 < 0)
				return k2;
		} else
			free(h.pkts);
	}
	return 0;
}

/* The packets a probe's leg_match() can match: those with one of its
 * ports (its source port, the NAT gateway's), merged in order from the
 * index. *ret_sel NULL (all packets) without an index. 0 or -ENOMEM. */
static int select_packets(const struct nsim_check_pkt_index *x, const struct nsim_check_result *r, size_t **ret_sel,
			  size_t *ret_n)
{
	*ret_sel = NULL;
	*ret_n = 0;
	if (!x)
		return 0;
	uint16_t nat = r->nat_port ? r->nat_port : r->has_seen && r->seen_port != r->probe.sport ? r->seen_port : 0;
	uint16_t ports[2] = {r->probe.sport, nat};
	size_t np = nat && nat != r->probe.sport ? 2 : 1;
	size_t total = 0;
	for (size_t k = 0; k < np; k++)
		total += x->start[ports[k] + 1] - x->start[ports[k]];
	size_t *sel = malloc((total ? total : 1) * sizeof(*sel));
	if (!sel)
		return -ENOMEM;
	size_t a = x->start[ports[0]], ae = x->start[ports[0] + 1], n = 0;
	size_t b = np > 1 ? x->start[ports[1]] : 0, be = np > 1 ? x->start[ports[1] + 1] : 0;
	while (a < ae || b < be) {
		size_t v = b >= be || (a < ae && x->idx[a] <= x->idx[b]) ? x->idx[a] : x->idx[b];
		if (a < ae && x->idx[a] == v)
			a++;
		if (b < be && x->idx[b] == v)
			b++;
		sel[n++] = v;
	}
	*ret_sel = sel;
	*ret_n = n;
	return 0;
}

static void parse_seen(struct nsim_check_result *r);

/* "netsim <host> <port>/<proto> from ...": the host that answered, "" if none. */
static const char *answered_by(const struct nsim_check_result *r, struct nsim_arena *arena)
{
	const char *resp = r->probe.response;
	size_t len = strnlen(resp, sizeof(r->probe.response));
	if (len < 8 || strncmp(resp, "netsim ", 7) != 0)
		return "";
	const char *sp = memchr(resp + 7, ' ', len - 7);
	if (!sp)
		return "";
	return nsim_arena_printf(arena, "%.*s", (int)(sp - resp - 7), resp + 7);
}

int nsim_check_collect_hops(const struct nsim_check_prep *pp, const struct nsim_check_cands *cands, double t0,
			    const struct nsim_packet *pkts, size_t n, struct nsim_arena *arena, struct nsim_check_result *r)
{
	nsim_check_result_done(r);
	r->last_seen = "";
	struct matcher m = {.t = pp->t, .r = r, .lo = t0 - 1, .hi = 1e300, .probe_ports = pp->probe_ports};
	if (r->is_command) {
		m.kind = 1;
		m.lo = r->cmd.t0; /* no slack: the previous command's last packets are just before */
		m.hi = r->cmd.t1 + 1;
		if (!r->cmd.t0)
			return 0;
	} else {
		if (r->proto != NSIM_PROTO_ICMP) {
			parse_seen(r);
			if (!(r->answered_by = answered_by(r, arena)))
				return -ENOMEM;
		}
		if (!r->probe.sport)
			return 0;
	}
	if (!cands->n)
		return 0;
	size_t hcap = 0;
	int k;
	_cleanup_free_ size_t *sel = NULL;
	size_t n_sel = 0;
	if (m.kind == 1)
		k = collect_command(pp, cands, t0, pkts, n, arena, r, &m, &hcap);
	else if ((k = select_packets(pp->pkt_index, r, &sel, &n_sel)) >= 0)
		k = collect_leg(pp, cands, t0, pkts, n, sel, n_sel, arena, r, &m, 1, &hcap);
	/* leg 2: the relay's connection, when the line came from behind it (a
	 * responder that reported the proxy as its source) or there was no line
	 * (a target with its own service); not when the proxy answered itself */
	bool relayed = r->has_seen ? r->seen == r->relay_addr && r->seen_port : r->answered_by && !r->answered_by[0];
	if (k >= 0 && r->relay && relayed && r->probe.outcome == NSIM_PROBE_REACHABLE && r->proto != NSIM_PROTO_ICMP) {
		struct matcher m2 = {.kind = 2, .t = pp->t, .r = r, .lo = t0 - 1, .hi = 1e300, .probe_ports = pp->probe_ports,
				     .exact = r->has_seen && r->seen == r->relay_addr && r->seen_port};
		if (!m2.exact)
			m2.hi = t0 + r->probe.ms + 100;
		k = collect_leg(pp, cands, t0, pkts, n, NULL, 0, arena, r, &m2, 2, &hcap);
	}
	if (k < 0) {
		nsim_check_result_done(r);
		return k;
	}
	if (!r->n_hops) {
		free(r->hops);
		r->hops = NULL;
		return 0;
	}
	qsort(r->hops, r->n_hops, sizeof(*r->hops), cmp_hop);
	r->last_seen = r->hops[r->n_hops - 1].component;
	return 0;
}

/* ---- verdicts ---- */

static const struct nsim_hop *find_hop(const struct nsim_check_result *r, const char *component)
{
	for (size_t i = 0; i < r->n_hops; i++)
		if (streq(r->hops[i].component, component))
			return &r->hops[i];
	return NULL;
}

/* The address the expectation's seen_source names, given where the probe went. */
static uint32_t expected_source(const struct nsim_topology *t, const struct nsim_check_result *r)
{
	const struct nsim_endpoint *s = &r->e->seen_source;
	bool to_outside = vpc_of_addr(t, r->addr) == NSIM_NONE;
	switch (s->kind) {
	case NSIM_EP_NAT:
		return to_outside ? t->vpcs[s->vpc].nat_gateways[s->idx].elastic_ip
				  : t->vpcs[s->vpc].nat_gateways[s->idx].address;
	case NSIM_EP_HOST: {
		const struct nsim_host *h = &t->vpcs[s->vpc].hosts[s->idx];
		return to_outside && h->public_ip ? h->public_ip : h->address;
	}
	case NSIM_EP_INET_HOST:
		return t->inet_hosts[s->idx].address;
	case NSIM_EP_ADDRESS:
	case NSIM_EP_UNRESOLVED:
	case NSIM_EP_DNS:
		break;
	}
	return s->addr;
}

static void parse_seen(struct nsim_check_result *r)
{
	/* "netsim <host> <port>/<proto> from <ip>:<port>" */
	const char *resp = r->probe.response;
	size_t len = strnlen(resp, sizeof(r->probe.response));
	const char *from = memmem(resp, len, " from ", 6);
	if (!from)
		return;
	from += 6;
	char ip[NSIM_ADDR_STRLEN] = "";
	size_t n = 0;
	while (from + n < resp + len && from[n] != ':' && n < sizeof(ip) - 1)
		n++;
	if (from + n < resp + len && from[n] != ':')
		return;
	memcpy(ip, from, n);
	ip[n] = '\0';
	if (nsim_addr_parse(ip, &r->seen) == 0)
		r->has_seen = true;
	if (r->has_seen && from + n < resp + len)
		r->seen_port = (uint16_t)strtoul(from + n + 1, NULL, 10);
}

/* ICMP has no responder line: what the destination saw is the source of the
 * echo request received in its own namespace. */
static void seen_from_capture(struct nsim_check_result *r)
{
	const char *to = r->e->to.ref.name;
	if (!to)
		return;
	for (size_t i = 0; i < r->n_hops; i++) {
		const struct nsim_hop *h = &r->hops[i];
		if (streq(h->component, to) && (streq(h->kind, "host") || streq(h->kind, "internet host")) && h->has_in) {
			r->seen = h->in_src;
			r->has_seen = true;
			return;
		}
	}
}

static const char *describe_drop(const struct nsim_check_result *r, struct nsim_arena *arena)
{
	if (!r->n_hops)
		return "; no packet of it was seen anywhere";
	const struct nsim_hop *h = &r->hops[r->n_hops - 1];
	if (h->has_in && !h->has_out && !streq(h->kind, "host") && !streq(h->kind, "internet host"))
		return nsim_arena_printf(arena, "; last seen at %s (%s): received on %s, not forwarded", h->component,
					 h->kind, h->if_in);
	if (h->has_out && !h->has_in)
		return nsim_arena_printf(arena, "; last seen leaving %s (%s) on %s", h->component, h->kind, h->if_out);
	return nsim_arena_printf(arena, "; last seen at %s (%s)", h->component, h->kind);
}

/* The response, bounded (the probe's buffer) and quoted for a sentence. */
static const char *response_of(const struct nsim_probe_result *p, char buf[static sizeof(p->response) + 8])
{
	size_t len = strnlen(p->response, sizeof(p->response));
	if (!len)
		return "";
	snprintf(buf, sizeof(p->response) + 8, " ('%.*s')", (int)len, p->response);
	return buf;
}

static int judge_probe(const struct nsim_topology *t, struct nsim_check_result *r, int timeout_ms,
		       struct nsim_arena *arena)
{
	const struct nsim_expect *e = r->e;
	const struct nsim_probe_result *p = &r->probe;
	char a[NSIM_ADDR_STRLEN], b[NSIM_ADDR_STRLEN], resp[sizeof(p->response) + 8];
	const char *where, *reason = NULL, *prev_name = NULL;
	size_t prev = 0;
	uint32_t want;
	r->passed = false;
	r->observed = p->outcome == NSIM_PROBE_REACHABLE ? NSIM_VERDICT_REACHABLE : NSIM_VERDICT_UNREACHABLE;
	if (r->proto == NSIM_PROTO_ICMP)
		seen_from_capture(r);
	else
		parse_seen(r);

	switch (p->outcome) {
	case NSIM_PROBE_ERROR:
		reason = nsim_arena_printf(arena, "the probe could not run: %s",
					   p->detail[0] ? p->detail : strerror(p->error));
		goto done;
	case NSIM_PROBE_REACHABLE:
		if (e->verdict == NSIM_VERDICT_UNREACHABLE) {
			reason = nsim_arena_printf(arena, "reachable: %s answered in %.1f ms%s", r->target, p->ms,
						   response_of(p, resp));
			goto done;
		}
		break;
	case NSIM_PROBE_REFUSED:
		if (e->verdict == NSIM_VERDICT_UNREACHABLE)
			reason = nsim_arena_printf(
				arena,
				"refused: the network delivered the packet to %s (%s) and it answered with %s: the path is "
				"open, only nothing listens there; unreachable means no packet gets through",
				r->target, nsim_addr_fmt(r->addr, a), r->proto == NSIM_PROTO_TCP ? "a TCP RST" : "ICMP port unreachable");
		else
			reason = nsim_arena_printf(arena,
						   "refused: %s (%s) answered with %s: the path works but nothing listens on %u/%s",
						   r->target, nsim_addr_fmt(r->addr, a),
						   r->proto == NSIM_PROTO_TCP ? "a TCP RST" : "ICMP unreachable", r->port,
						   nsim_proto_name(r->proto));
		goto done;
	case NSIM_PROBE_DROPPED:
		if (e->verdict == NSIM_VERDICT_UNREACHABLE)
			goto pass;
		if (r->has_dropped_at) {
			const char *d = nsim_check_drop_text(&r->dropped_at, arena);
			reason = d ? nsim_arena_printf(arena, "dropped: %s, in %s", d, r->dropped_at.ns) : NULL;
			goto done;
		}
		if (!(where = describe_drop(r, arena)))
			return -ENOMEM;
		reason = nsim_arena_printf(arena, "dropped: no answer from %s within %.3g s%s", r->target,
					   timeout_ms / 1000.0, where);
		goto done;
	case NSIM_PROBE_NO_ROUTE:
		if (e->verdict == NSIM_VERDICT_UNREACHABLE)
			goto pass;
		if (!(where = describe_drop(r, arena)))
			return -ENOMEM;
		reason = nsim_arena_printf(arena, "no route to %s (%s)%s", nsim_addr_fmt(r->addr, a), strerror(p->error),
					   where);
		goto done;
	}

	if (e->has_seen_source) {
		want = expected_source(t, r);
		if (!r->has_seen) {
			reason = nsim_arena_printf(arena, "seen_source: the responder reported no source (response '%.*s')",
						   (int)sizeof(p->response), p->response);
			goto done;
		}
		if (r->seen != want) {
			reason = nsim_arena_printf(arena, "seen_source: %s saw %s, expected %s (%s)", r->target,
						   nsim_addr_fmt(r->seen, a), nsim_addr_fmt(want, b), e->seen_source.ref.name);
			goto done;
		}
	}

	for (size_t i = 0; i < e->n_via; i++) {
		const char *name = e->via[i].ref.name;
		const struct nsim_hop *h = find_hop(r, name);
		if (!h) {
			char *s = nsim_arena_printf(arena, "via: the flow did not cross %s (seen at: ", name);
			for (size_t k = 0; s && k < r->n_hops; k++)
				s = nsim_arena_printf(arena, "%s%s%s", s, k ? ", " : "", r->hops[k].component);
			reason = s ? nsim_arena_printf(arena, "%s)", s) : NULL;
			goto done;
		}
		if (prev_name && h->first < prev) {
			reason = nsim_arena_printf(arena, "via: the flow crossed %s before %s, not after", name, prev_name);
			goto done;
		}
		prev = h->first;
		prev_name = name;
	}
pass:
	r->passed = true;
	r->reason = "";
	return 0;
done:
	if (!reason)
		return -ENOMEM;
	r->reason = reason;
	return 0;
}

static enum nsim_prediction observed_class(enum nsim_probe_outcome o)
{
	switch (o) {
	case NSIM_PROBE_REACHABLE:
		return NSIM_PREDICT_REACHABLE;
	case NSIM_PROBE_REFUSED:
		return NSIM_PREDICT_REFUSED;
	case NSIM_PROBE_DROPPED:
	case NSIM_PROBE_NO_ROUTE:
	case NSIM_PROBE_ERROR:
		break;
	}
	return NSIM_PREDICT_BLOCKED;
}

/* The last (at most 5) lines of a command's output. */
static const char *tail_lines(const struct nsim_probe_command_result *c, struct nsim_arena *arena)
{
	size_t len = c->output_len;
	while (len && (c->output[len - 1] == '\n' || c->output[len - 1] == '\r'))
		len--;
	size_t start = len;
	for (int lines = 0; start > 0; start--)
		if (c->output[start - 1] == '\n' && ++lines == 5)
			break;
	return nsim_arena_printf(arena, "%.*s", (int)(len - start), c->output + start);
}

static int judge_command(struct nsim_check_result *r, struct nsim_arena *arena)
{
	const struct nsim_expect *e = r->e;
	const struct nsim_probe_command_result *c = &r->cmd;
	const char *reason;
	uint32_t timeout = e->timeout_ms ? e->timeout_ms : 10000;
	r->passed = false;
	r->has_predicted = false; /* the model does not run programs */
	if (!(r->output_tail = tail_lines(c, arena)))
		return -ENOMEM;
	r->probe.ms = c->ms;
	/* a command that could not start is no verdict: a `fails` expectation
	 * must not pass because the program is missing */
	if (c->error || (e->command.shell && c->exited && c->exit_code == 127)) {
		r->probe.outcome = NSIM_PROBE_ERROR;
		r->probe.error = c->error ? c->error : ENOENT;
		r->observed = NSIM_VERDICT_FAILS;
		reason = c->error ? nsim_arena_printf(arena, "the command could not run: %s", c->detail)
				  : nsim_arena_printf(arena, "the command could not run: the shell did not find it "
							     "(exit status 127): %s", r->output_tail);
		r->reason = reason ? reason : NULL;
		snprintf(r->probe.detail, sizeof(r->probe.detail), "%s", reason ? reason : "");
		return reason ? 0 : -ENOMEM;
	}
	r->probe.outcome = NSIM_PROBE_REACHABLE; /* it ran */
	bool ok = c->exited && c->exit_code == 0 && !c->timed_out;
	r->observed = ok ? NSIM_VERDICT_SUCCEEDS : NSIM_VERDICT_FAILS;
	if (r->observed == e->verdict) {
		r->passed = true;
		r->reason = "";
		return 0;
	}
	const char *tail = r->output_tail[0] ? nsim_arena_printf(arena, "; its last output: %s", r->output_tail) : "";
	if (!tail)
		return -ENOMEM;
	if (ok)
		reason = nsim_arena_printf(arena, "succeeded: exited with status 0 in %.1f ms%s", c->ms, tail);
	else if (c->timed_out)
		reason = nsim_arena_printf(arena, "failed: still running after %.3g s, killed%s", timeout / 1000.0, tail);
	else if (c->exited)
		reason = nsim_arena_printf(arena, "failed: exited with status %d%s", c->exit_code, tail);
	else
		reason = nsim_arena_printf(arena, "failed: killed by signal %d (%s)%s", c->signal, strsignal(c->signal), tail);
	if (!reason)
		return -ENOMEM;
	r->reason = reason;
	return 0;
}

/* The name of a `to:` DNS name. 1: judged here (the name gave no address),
 * 0: go on to the probe of the answer, -ENOMEM. */
static int judge_dns(const struct nsim_topology *t, struct nsim_check_result *r, struct nsim_arena *arena)
{
	const struct nsim_expect *e = r->e;
	const struct nsim_probe_answer *a = &r->answer;
	char x[NSIM_ADDR_STRLEN], y[NSIM_ADDR_STRLEN];
	const char *from = e->from.ref.name, *reason = NULL;
	r->passed = false;
	r->observed = NSIM_VERDICT_UNREACHABLE;
	if (!r->resolver) {
		reason = nsim_arena_printf(arena, "the name does not resolve from %s: %s", from,
					   r->model_dns_error[0] ? r->model_dns_error : "no resolver");
		goto verdict;
	}
	if (!r->dns_queried) {
		/* the query was never sent (only when something failed before it) */
		r->probe.outcome = NSIM_PROBE_ERROR;
		r->probe.error = EAGAIN;
		r->reason = nsim_arena_printf(arena, "the name %s was not looked up", r->dns_name);
		return r->reason ? 1 : -ENOMEM;
	}
	switch (a->outcome) {
	case NSIM_PROBE_DNS_ANSWER:
		if (!r->model_resolves || r->model_addr != a->addr) {
			r->model_disagrees = true;
			reason = r->model_resolves
					 ? nsim_arena_printf(arena, "netsim bug: the model answers %s with %s, the resolver %s "
								    "answered %s", r->dns_name, nsim_addr_fmt(r->model_addr, x),
							     nsim_addr_fmt(r->resolver, y), nsim_addr_fmt(a->addr, x))
					 : nsim_arena_printf(arena, "netsim bug: model says NAME_NOT_FOUND (%s), the resolver "
								    "%s answered %s", r->model_dns_error,
							     nsim_addr_fmt(r->resolver, y), nsim_addr_fmt(a->addr, x));
			r->reason = reason ? reason : NULL;
			return reason ? 1 : -ENOMEM;
		}
		r->addr = a->addr;
		return 0;
	case NSIM_PROBE_DNS_NXDOMAIN:
	case NSIM_PROBE_DNS_NODATA:
		reason = nsim_arena_printf(arena, "the name does not resolve from %s's VPC (%s from %s)", from,
					   nsim_probe_dns_outcome_name(a->outcome), nsim_addr_fmt(r->resolver, x));
		break;
	case NSIM_PROBE_DNS_TIMEOUT:
		reason = nsim_arena_printf(arena, "the resolver %s did not answer from %s", nsim_addr_fmt(r->resolver, x),
					   from);
		break;
	case NSIM_PROBE_DNS_ERROR:
		r->probe.outcome = NSIM_PROBE_ERROR;
		r->probe.error = a->error;
		reason = nsim_arena_printf(arena, "the name could not be looked up: %s", strerror(a->error));
		r->reason = reason ? reason : NULL;
		return reason ? 1 : -ENOMEM;
	}
	if (reason && r->model_resolves) {
		r->model_disagrees = true;
		r->probe.outcome = NSIM_PROBE_NO_ROUTE; /* no address: nothing was sent */
		r->probe.ms = a->ms;
		reason = nsim_arena_printf(arena, "netsim bug: the model answers %s with %s; %s", r->dns_name,
					   nsim_addr_fmt(r->model_addr, y), reason);
		r->reason = reason ? reason : NULL;
		return reason ? 1 : -ENOMEM;
	}
verdict:
	(void)t;
	if (!reason)
		return -ENOMEM;
	r->probe.outcome = NSIM_PROBE_NO_ROUTE; /* no address: nothing was sent */
	r->probe.ms = r->dns_queried ? a->ms : 0;
	if (e->verdict == NSIM_VERDICT_UNREACHABLE) {
		r->passed = true;
		r->reason = "";
	} else
		r->reason = reason;
	return 1;
}

/* The host a relay's bytes arrive at, as the network showed it: the
 * responder's line names it; a service of its own (run:) has no line, then
 * the capture in the target's namespace (leg 2 received there). */
static const char *network_reaches(const struct nsim_topology *t, const struct nsim_check_result *r)
{
	if (r->answered_by[0])
		return r->answered_by;
	for (size_t i = 0; i < r->n_hops; i++)
		if (r->hops[i].leg == 2 && r->hops[i].has_in && streq(r->hops[i].kind, "host") &&
		    r->hops[i].in_dst != r->relay_addr)
			return r->hops[i].component;
	if (!r->relay && r->probe.outcome == NSIM_PROBE_REACHABLE) {
		size_t v, i;
		if (host_of_addr(t, r->addr, &v, &i))
			return t->vpcs[v].hosts[i].name.name;
	}
	return "";
}

/* The model of reaches: leg 1 (r->predicted) reachable, then the proxy's
 * flow to its first reachable target. Sets model_reaches, predicted2, leg2. */
static int model_relay(const struct nsim_topology *t, const struct nsim_analyzer *an, struct nsim_check_result *r,
		       struct nsim_arena *arena)
{
	size_t v, i;
	r->model_reaches = "";
	if (!r->has_predicted || r->predicted.prediction != NSIM_PREDICT_REACHABLE)
		return 0;
	if (!host_of_addr(t, r->addr, &v, &i))
		return 0;
	const struct nsim_host *h = &t->vpcs[v].hosts[i];
	if (!h->n_targets) {
		r->model_reaches = h->name.name;
		return 0;
	}
	for (size_t g = 0; g < h->n_targets; g++) {
		const struct nsim_endpoint *tg = &h->targets[g];
		if (tg->kind != NSIM_EP_HOST)
			continue;
		const struct nsim_host *th = &t->vpcs[tg->vpc].hosts[tg->idx];
		struct nsim_flow f = {.from = {.ref = h->name, .kind = NSIM_EP_HOST, .vpc = v, .idx = i},
				      .dst = th->address, .proto = r->proto, .dport = r->port, .sport = r->seen_port};
		struct nsim_analysis a;
		if (nsim_analyzer_flow(an, &f, true, &a) < 0)
			continue;
		if (!r->has_predicted2 || a.prediction == NSIM_PREDICT_REACHABLE) {
			r->predicted2 = a;
			r->has_predicted2 = true;
			r->leg2 = nsim_arena_printf(arena, "%s → %s:%u/%s", h->name.name, th->name.name, r->port,
						    nsim_proto_name(r->proto));
			if (!r->leg2)
				return -ENOMEM;
		}
		if (a.prediction == NSIM_PREDICT_REACHABLE) {
			r->model_reaches = th->name.name;
			return 0;
		}
	}
	return 0;
}

static int judge_reaches(const struct nsim_topology *t, const struct nsim_analyzer *an, bool drifted,
			 struct nsim_check_result *r, struct nsim_arena *arena)
{
	const struct nsim_expect *e = r->e;
	if (an && model_relay(t, an, r, arena) < 0)
		return -ENOMEM;
	if (r->probe.outcome != NSIM_PROBE_REACHABLE)
		return 0;
	r->reached = network_reaches(t, r);
	if (!e->has_reaches)
		return 0;
	const char *want = e->reaches.ref.name, *got = r->reached, *reason = NULL;
	bool net_ok = streq(got, want);
	if (an && r->has_predicted && !r->model_disagrees && !streq(got, r->model_reaches)) {
		r->model_disagrees = true;
		reason = nsim_arena_printf(arena, "%s: model says the bytes arrive at %s%s%s%s, network: at %s",
					   drifted ? "the instance was changed outside netsim (drift)" : "netsim bug",
					   r->model_reaches[0] ? r->model_reaches : "no host",
					   r->has_predicted2 && r->predicted2.explanation[0] ? " (" : "",
					   r->has_predicted2 ? r->predicted2.explanation : "",
					   r->has_predicted2 && r->predicted2.explanation[0] ? ")" : "", got[0] ? got : "no host");
	} else if (!net_ok && e->verdict == NSIM_VERDICT_REACHABLE) {
		const char *why = r->has_predicted2 && r->predicted2.prediction != NSIM_PREDICT_REACHABLE
					  ? nsim_arena_printf(arena, "; the relay's leg %s is blocked: %s", r->leg2,
							      r->predicted2.explanation)
					  : "";
		reason = why ? nsim_arena_printf(arena, "reaches: the bytes arrived at %s, not %s%s",
						 got[0] ? got : "no host (the relay answered, nothing behind it did)",
						 want, why)
			     : NULL;
	} else
		return 0;
	if (!reason)
		return -ENOMEM;
	r->passed = false;
	r->reason = reason;
	return 0;
}

/* Whether the model expects the network to drop the flow at the component
 * that decided it (not a reply sent the wrong way, dropped further on). */
static bool same_component(const struct nsim_analysis *a)
{
	const struct nsim_component *x = &a->decision.comp, *y = &a->dropped.comp;
	return x->kind == y->kind && x->a == y->a && x->b == y->b;
}

int nsim_check_judge(const struct nsim_topology *t, const struct nsim_analyzer *an, int timeout_ms, bool drifted,
		     struct nsim_arena *arena, struct nsim_check_result *r)
{
	r->model_disagrees = false;
	r->has_predicted = false;
	r->has_predicted2 = false;
	r->fix = (struct nsim_fix){0};
	if (!r->model_reaches)
		r->model_reaches = "";
	if (!r->answered_by)
		r->answered_by = "";
	if (!r->leg2)
		r->leg2 = "";
	r->reached = "";
	if (r->is_command)
		return judge_command(r, arena);
	if (r->dns_name) {
		int d = judge_dns(t, r, arena);
		if (d < 0)
			return d;
		if (d > 0) {
			/* no address to probe: the model's view of the name (NAME_NOT_FOUND, or its path) */
			struct nsim_flow f = {.from = r->e->from, .proto = r->proto, .dport = r->port, .name = r->dns_name};
			if (an && nsim_analyzer_flow(an, &f, true, &r->predicted) == 0)
				r->has_predicted = true;
			return 0;
		}
	}
	int k = judge_probe(t, r, timeout_ms, arena);
	if (k < 0)
		return k;
	if (!an)
		return judge_reaches(t, an, drifted, r, arena);
	/* the model's prediction is shown for every row, one whose probe could not run too;
	 * a name, resolved by the model too (judge_dns: to the same address), so that
	 * the model can say why its answer fails (NAME_RESOLVES_PUBLIC) */
	struct nsim_flow f = {.from = r->e->from, .dst = r->addr, .proto = r->proto, .dport = r->port,
			      .sport = r->probe.sport, .nat_sport = r->nat_port, .name = r->dns_name};
	if (nsim_analyzer_flow(an, &f, true, &r->predicted) < 0)
		return 0;
	/* a NAT gateway picked its port at random: the model of the port the
	 * responder saw (the NAT's, kept by the internet gateway's 1:1 NAT) */
	if (r->predicted.prediction == NSIM_PREDICT_INTERMITTENT && !f.nat_sport && r->has_seen && r->seen_port &&
	    r->predicted.n_legs > 1) {
		f.nat_sport = r->seen_port;
		if (nsim_analyzer_flow(an, &f, true, &r->predicted) < 0)
			return 0;
	}
	r->has_predicted = true;
	if (r->probe.outcome == NSIM_PROBE_ERROR)
		return 0;
	const char *reason = r->reason;
	/* intermittent: the model allows either outcome of this one probe */
	if (r->predicted.prediction != NSIM_PREDICT_INTERMITTENT &&
	    observed_class(r->probe.outcome) != r->predicted.prediction) {
		r->model_disagrees = true;
		r->passed = false;
		reason = nsim_arena_printf(arena, "%s: model says %s (%s%s%s), network did %s",
					   drifted ? "the instance was changed outside netsim (drift)" : "netsim bug",
					   nsim_prediction_name(r->predicted.prediction), nsim_reason_code(r->predicted.reason),
					   r->predicted.explanation[0] ? ": " : "", r->predicted.explanation,
					   nsim_probe_outcome_name(r->probe.outcome));
	} else if (r->has_dropped_at && r->predicted.prediction == NSIM_PREDICT_BLOCKED &&
		   nsim_check_reason_names_dropper(r->predicted.reason) &&
		   !nsim_check_drop_matches(&r->dropped_at, &r->predicted.dropped)) {
		/* the same verdict for another reason: the model and the network
		 * must agree on what decided */
		const char *d = nsim_check_drop_text(&r->dropped_at, arena);
		r->model_disagrees = true;
		r->passed = false;
		reason = d ? nsim_arena_printf(arena, "%s: the network dropped it at %s %s (in %s), the model says %s "
						       "decides (%s%s%s)",
					       drifted ? "the instance was changed outside netsim (drift)" : "netsim bug",
					       r->dropped_at.kind, d, r->dropped_at.ns,
					       r->predicted.dropped.comp.ref.name ? r->predicted.dropped.comp.ref.name
										  : r->predicted.blocked_at,
					       nsim_reason_code(r->predicted.reason), r->predicted.explanation[0] ? ": " : "",
					       r->predicted.explanation)
		     : NULL;
	} else if (!r->passed && r->predicted.explanation[0])
		reason = nsim_arena_printf(arena, "%s; %s", r->reason, r->predicted.explanation);
	else if (r->passed && r->e->verdict == NSIM_VERDICT_UNREACHABLE) {
		/* blocked_by: the model's deciding component must be the one
		 * named, and so must the one where the network dropped it */
		char why[sizeof(r->predicted.explanation) + 200];
		struct nsim_analysis *net = NULL;
		if (!nsim_analyze_blocked_by_match(t, r->e, &r->predicted, why, sizeof(why))) {
			r->passed = false;
			reason = nsim_arena_printf(arena, "%s", why);
		} else if (r->has_dropped_at && !r->dropped_at.no_route && same_component(&r->predicted) &&
			   (net = malloc(sizeof(*net)))) {
			/* (no route names the VPC's router: the model's table is as precise; a
			 * reply sent the wrong way is dropped past the route that decided) */
			*net = r->predicted;
			net->decision = r->dropped_at.decision;
			if (!nsim_analyze_blocked_by_match(t, r->e, net, why, sizeof(why))) {
				const char *d = nsim_check_drop_text(&r->dropped_at, arena);
				r->passed = false;
				reason = d ? nsim_arena_printf(arena, "blocked_by: the network dropped it at %s %s (in %s)",
							       r->dropped_at.kind, d, r->dropped_at.ns)
					   : NULL;
			}
		}
		free(net);
	}
	if (!reason)
		return -ENOMEM;
	r->reason = reason;
	if (!r->passed && !r->model_disagrees) {
		if (r->predicted.prediction == NSIM_PREDICT_REACHABLE && r->e->verdict == NSIM_VERDICT_UNREACHABLE)
			nsim_analyze_fix_close(t, &f, &r->predicted, &r->fix);
		else if (r->predicted.prediction != NSIM_PREDICT_REACHABLE && r->e->verdict == NSIM_VERDICT_REACHABLE)
			r->fix = r->predicted.fix;
	}
	return judge_reaches(t, an, drifted, r, arena);
}

/* ---- drops the network reported (netsim's NFLOG group, plan.h) ---- */

/* The next ':'-separated number of *s (advanced past it). */
static bool next_num(const char **s, size_t *ret)
{
	char *end;
	if (**s != ':' || !isdigit((unsigned char)(*s)[1]))
		return false;
	errno = 0;
	unsigned long long v = strtoull(*s + 1, &end, 10);
	if (errno || v >= NSIM_NONE)
		return false;
	*s = end;
	*ret = (size_t)v;
	return true;
}

static bool next_dir(const char **s, bool *ret)
{
	if ((*s)[0] != ':' || ((*s)[1] != 'i' && (*s)[1] != 'e'))
		return false;
	*ret = (*s)[1] == 'i';
	*s += 2;
	return true;
}

/* A host's groups as the model names them: "a-sg, b-sg", "default". */
static const char *group_names(const struct nsim_vpc *v, const size_t *sg_idx, size_t n, struct nsim_arena *arena)
{
	if (!n)
		return "default";
	const char *s = v->security_groups[sg_idx[0]].name.name;
	for (size_t k = 1; s && k < n; k++)
		s = nsim_arena_printf(arena, "%s, %s", s, v->security_groups[sg_idx[k]].name.name);
	return s;
}

int nsim_check_drop_decode(const struct nsim_topology *t, const char *prefix, struct nsim_arena *arena,
			   struct nsim_check_drop *ret)
{
	struct nsim_check_drop d = {.direction = "", .ns = "", .ifname = ""};
	struct nsim_decision *dec = &d.decision;
	const char *s;
	size_t v = 0, x = 0, k = 0, n = 0;
	*dec = (struct nsim_decision){.vpc = NSIM_NONE, .subnet = NSIM_NONE, .host = NSIM_NONE};
	if (!prefix || strncmp(prefix, "nsim:", 5) != 0)
		return -EINVAL;
	prefix += 5;
#define KIND(word) (strncmp(prefix, word, strlen(word)) == 0 && (s = prefix + strlen(word), true))
	if (KIND("sg") || KIND("esg")) {
		bool ep = prefix[0] == 'e';
		if (!next_num(&s, &v) || v >= t->n_vpcs || !next_num(&s, &x) || (ep && !next_num(&s, &k)) ||
		    !next_dir(&s, &dec->ingress))
			return -EINVAL;
		const struct nsim_vpc *vp = &t->vpcs[v];
		d.direction = dec->ingress ? "ingress" : "egress";
		d.rule = "no rule matched";
		d.kind = "security group";
		dec->vpc = v;
		if (ep) {
			if (x >= vp->n_endpoints || k >= vp->endpoints[x].n_subnets)
				return -EINVAL;
			const struct nsim_vpc_endpoint *e = &vp->endpoints[x];
			dec->comp = (struct nsim_component){.ref.name = (char *)e->name.name, .kind = NSIM_COMP_ENDPOINT, .a = v, .b = x};
			d.component = nsim_arena_printf(arena, "%s of endpoint %s",
							group_names(vp, e->sg_idx, e->n_security_groups, arena), e->name.name);
		} else {
			if (x >= vp->n_hosts)
				return -EINVAL;
			const struct nsim_host *h = &vp->hosts[x];
			dec->comp = (struct nsim_component){
				.ref.name = (char *)(h->n_security_groups ? vp->security_groups[h->sg_idx[0]].name.name : "default"),
				.kind = NSIM_COMP_SECURITY_GROUP, .a = v, .b = h->n_security_groups ? h->sg_idx[0] : NSIM_NONE};
			dec->host = x;
			d.component = group_names(vp, h->sg_idx, h->n_security_groups, arena);
		}
	} else if (KIND("acl")) {
		uint32_t rule = 0;
		if (!next_num(&s, &v) || v >= t->n_vpcs || !next_num(&s, &x) || x >= t->vpcs[v].n_network_acls ||
		    !next_dir(&s, &dec->ingress))
			return -EINVAL;
		if (streq(s, ":*"))
			s += 2;
		else if (next_num(&s, &n) && n <= UINT32_MAX)
			rule = (uint32_t)n;
		else
			return -EINVAL;
		const struct nsim_network_acl *acl = &t->vpcs[v].network_acls[x];
		dec->comp = (struct nsim_component){.ref.name = (char *)acl->name.name, .kind = NSIM_COMP_NETWORK_ACL, .a = v, .b = x};
		dec->rule = rule;
		dec->vpc = v;
		d.component = acl->name.name;
		d.kind = "network ACL";
		d.direction = dec->ingress ? "inbound" : "outbound";
		d.rule = rule ? nsim_arena_printf(arena, "rule %u", rule) : "rule *: no rule matched";
	} else if (KIND("pcx")) {
		if (!next_num(&s, &x) || x >= t->n_peerings || !next_num(&s, &v) || v >= t->n_vpcs)
			return -EINVAL;
		dec->comp = (struct nsim_component){.ref.name = (char *)t->peerings[x].name.name, .kind = NSIM_COMP_PEERING, .a = x};
		dec->vpc = v;
		d.component = t->peerings[x].name.name;
		d.kind = "peering connection";
		d.rule = "not between the two VPCs";
	} else if (KIND("nat")) {
		if (!next_num(&s, &v) || v >= t->n_vpcs || !next_num(&s, &x) || x >= t->vpcs[v].n_nat_gateways)
			return -EINVAL;
		const struct nsim_nat_gateway *g = &t->vpcs[v].nat_gateways[x];
		dec->comp = (struct nsim_component){.ref.name = (char *)g->name.name, .kind = NSIM_COMP_NAT, .a = v, .b = x};
		dec->vpc = v;
		d.component = g->name.name;
		d.kind = "NAT gateway";
		d.direction = "inbound";
		d.rule = "no connection from outside";
	} else if (KIND("igw")) {
		if (!next_num(&s, &v) || v >= t->n_vpcs || !t->vpcs[v].internet_gateway.name)
			return -EINVAL;
		dec->comp = (struct nsim_component){.ref.name = (char *)t->vpcs[v].internet_gateway.name, .kind = NSIM_COMP_IGW, .a = v};
		dec->vpc = v;
		d.component = t->vpcs[v].internet_gateway.name;
		d.kind = "internet gateway";
		d.rule = "no public IP";
	} else if (KIND("bh")) {
		if (!next_num(&s, &v) || v >= t->n_vpcs || !next_num(&s, &x) || x >= t->vpcs[v].n_route_tables)
			return -EINVAL;
		const struct nsim_route_table *rt = &t->vpcs[v].route_tables[x];
		dec->comp = (struct nsim_component){.ref.name = (char *)rt->name.name, .kind = NSIM_COMP_ROUTE_TABLE, .a = v, .b = x};
		dec->vpc = v;
		d.component = rt->name.name;
		d.kind = "route table";
		d.rule = "blackhole route";
	} else if (KIND("nr")) {
		if (!next_num(&s, &v) || v >= t->n_vpcs)
			return -EINVAL;
		dec->comp = (struct nsim_component){.ref.name = (char *)t->vpcs[v].name.name, .kind = NSIM_COMP_VPC, .a = v, .b = NSIM_NONE};
		dec->vpc = v;
		d.no_route = true;
		d.component = t->vpcs[v].name.name;
		d.kind = "VPC router";
		d.rule = "no route";
	} else if (KIND("ept")) {
		if (!next_num(&s, &v) || v >= t->n_vpcs || !next_num(&s, &x) || x >= t->vpcs[v].n_endpoints ||
		    !next_num(&s, &k))
			return -EINVAL;
		const struct nsim_vpc_endpoint *e = &t->vpcs[v].endpoints[x];
		dec->comp = (struct nsim_component){.ref.name = (char *)e->name.name, .kind = NSIM_COMP_ENDPOINT, .a = v, .b = x};
		dec->vpc = v;
		d.component = e->name.name;
		d.kind = "VPC endpoint";
		d.rule = "TCP only";
	} else
		return -EINVAL;
#undef KIND
	if (*s || !d.component || !d.rule)
		return *s ? -EINVAL : -ENOMEM;
	*ret = d;
	return 0;
}

bool nsim_check_reason_names_dropper(enum nsim_reason reason)
{
	switch (reason) {
	case NSIM_REASON_NAME_RESOLVES_PUBLIC:
	case NSIM_REASON_ENDPOINT_NOT_IN_REGION:
		return false;
	case NSIM_REASON_NONE:
	case NSIM_REASON_NO_ROUTE:
	case NSIM_REASON_BLACKHOLE_ROUTE:
	case NSIM_REASON_NO_PUBLIC_IP:
	case NSIM_REASON_IGW_NOT_ATTACHED:
	case NSIM_REASON_NAT_INBOUND_UNSOLICITED:
	case NSIM_REASON_PEERING_NOT_TRANSITIVE:
	case NSIM_REASON_ACL_DENY:
	case NSIM_REASON_ACL_RETURN_DENY:
	case NSIM_REASON_ACL_RETURN_PARTIAL: /* its failing ports: dropped by the ACL, as ACL_RETURN_DENY */
	case NSIM_REASON_SG_INGRESS_NO_RULE:
	case NSIM_REASON_SG_EGRESS_NO_RULE:
	case NSIM_REASON_NO_LISTENER:
	case NSIM_REASON_NAME_NOT_FOUND:
	case NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE:
		break;
	}
	return true;
}

bool nsim_check_drop_matches(const struct nsim_check_drop *d, const struct nsim_decision *dec)
{
	const struct nsim_component *n = &d->decision.comp, *m = &dec->comp;
	if (d->no_route)
		return (m->kind == NSIM_COMP_VPC || m->kind == NSIM_COMP_ROUTE_TABLE) && m->a == n->a;
	if (m->kind != n->kind)
		return false;
	switch (n->kind) {
	case NSIM_COMP_SECURITY_GROUP:
		return m->a == n->a && dec->host == d->decision.host && dec->ingress == d->decision.ingress;
	case NSIM_COMP_NETWORK_ACL:
		return m->a == n->a && m->b == n->b && dec->rule == d->decision.rule && dec->ingress == d->decision.ingress;
	case NSIM_COMP_ROUTE_TABLE:
		/* the model names the main table NSIM_NONE when the subnet names none */
		return m->a == n->a && (m->b == n->b || m->b == NSIM_NONE);
	case NSIM_COMP_PEERING:
	case NSIM_COMP_IGW:
		return m->a == n->a;
	case NSIM_COMP_NAT:
	case NSIM_COMP_ENDPOINT:
		return m->a == n->a && m->b == n->b;
	case NSIM_COMP_UNRESOLVED:
	case NSIM_COMP_VPC:
	case NSIM_COMP_SUBNET:
	case NSIM_COMP_HOST:
	case NSIM_COMP_INET_HOST:
	case NSIM_COMP_INTERNET:
	case NSIM_COMP_PREFIX_LIST:
		break;
	}
	return false;
}

static const char *tcp_flags_text(uint8_t f)
{
	if ((f & 0x12) == 0x12)
		return " SYN-ACK";
	if (f & 0x02)
		return " SYN";
	if (f & 0x04)
		return " RST";
	if (f & 0x01)
		return " FIN";
	return f & 0x10 ? " ACK" : "";
}

const char *nsim_check_drop_text(const struct nsim_check_drop *d, struct nsim_arena *arena)
{
	char a[NSIM_ADDR_STRLEN], b[NSIM_ADDR_STRLEN];
	const char *what = d->proto == IPPROTO_TCP ? tcp_flags_text(d->tcp_flags)
			   : d->proto == IPPROTO_UDP ? " UDP"
			   : d->proto == IPPROTO_ICMP ? " ICMP" : "";
	char ports[2][8] = {"", ""};
	if (d->proto == IPPROTO_TCP || d->proto == IPPROTO_UDP) {
		snprintf(ports[0], sizeof(ports[0]), ":%u", d->sport);
		snprintf(ports[1], sizeof(ports[1]), ":%u", d->dport);
	}
	return nsim_arena_printf(arena, "%s (%s%s%s) dropped %s%s → %s%s%s", d->component, d->direction,
				 d->direction[0] ? ", " : "", d->rule, nsim_addr_fmt(d->src, a), ports[0],
				 nsim_addr_fmt(d->dst, b), ports[1], what);
}

int nsim_check_collect_drop(const struct nsim_check_prep *pp, double t0, const struct nsim_drop_packet *drops,
			    size_t n, struct nsim_arena *arena, struct nsim_check_result *r)
{
	r->has_dropped_at = false;
	if (r->is_command)
		return 0;
	uint16_t sport = r->probe.sport;
	/* only drops with the probe's port can be its own: through the index when there is one */
	const struct nsim_check_pkt_index *x = pp->drop_index;
	/* past a NAT gateway pinned for the probe, its drops carry the NAT port */
	uint16_t by[2] = {sport, r->nat_port && r->nat_port != sport ? r->nat_port : sport};
	for (size_t b = 0; b < (x && by[1] != by[0] ? 2u : 1u); b++)
	for (size_t j = x ? x->start[by[b]] : 0, to = x ? x->start[by[b] + 1] : n; j < to; j++) {
		const struct nsim_drop_packet *dp = &drops[x ? x->idx[j] : j];
		bool fwd = flow_forward(&dp->p, r, sport), rev = !fwd && flow_reverse(&dp->p, r, sport);
		/* past a NAT gateway pinned for the probe: its port */
		if (!fwd && !rev && r->nat_port) {
			fwd = flow_forward(&dp->p, r, r->nat_port);
			rev = !fwd && flow_reverse(&dp->p, r, r->nat_port);
		}
		if ((!fwd && !rev) || dp->p.t_ms + 1 < t0)
			continue;
		/* an ICMP error about the probe is the network answering, not a drop of it */
		if (rev && dp->p.proto == IPPROTO_ICMP && dp->p.quoted_proto)
			continue;
		struct nsim_check_drop d;
		int k = nsim_check_drop_decode(pp->t, dp->prefix, arena, &d);
		if (k == -ENOMEM)
			return k;
		if (k < 0)
			continue;
		for (size_t c = 0; c < pp->n_comps; c++)
			if (pp->comps[c].ns_idx == dp->p.ns) {
				d.ns = pp->comps[c].ns;
				break;
			}
		if (!(d.prefix = nsim_arena_strdup(arena, dp->prefix)) || !(d.ifname = nsim_arena_strdup(arena, dp->p.ifname)) ||
		    !(d.ns = nsim_arena_strdup(arena, d.ns)))
			return -ENOMEM;
		d.t_ms = dp->p.t_ms - t0;
		d.src = dp->p.src;
		d.dst = dp->p.dst;
		d.sport = dp->p.sport;
		d.dport = dp->p.dport;
		d.proto = dp->p.proto;
		d.tcp_flags = dp->p.tcp_flags;
		d.bytes = dp->p.len;
		d.reply = rev;
		/* a reply sent to a NAT gateway that did not translate its request */
		if (rev && d.decision.comp.kind == NSIM_COMP_NAT) {
			d.direction = "";
			d.rule = "no connection for the reply";
		}
		if (!(d.text = nsim_check_drop_text(&d, arena)))
			return -ENOMEM;
		r->dropped_at = d;
		r->has_dropped_at = true;
		return 0;
	}
	return 0;
}
