/* SPDX-License-Identifier: MIT */
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

/* The component (name, kind) living in node's namespace; *ret its index. */
static int add_comp(struct nsim_check_prep *pp, const char *name, const char *kind, const char *node, size_t *ret)
{
	for (size_t i = 0; i < pp->n_comps; i++)
		if (streq(pp->comps[i].name, name) && streq(pp->comps[i].kind, kind)) {
			*ret = i;
			return 0;
		}
	if (grow((void **)&pp->comps, &pp->cap_comps, pp->n_comps, sizeof(*pp->comps)) < 0)
		return -ENOMEM;
	char *ns = ns_name(pp, node);
	if (!ns)
		return -ENOMEM;
	pp->comps[pp->n_comps] = (struct nsim_check_comp){.name = name, .kind = kind, .ns = ns, .ns_idx = NSIM_NONE};
	*ret = pp->n_comps++;
	return 0;
}

/* Restricts a component to the given interfaces (router ports). */
static int add_iface(struct nsim_check_comp *k, size_t *cap, char prefix, const char *name, size_t index)
{
	char port[16];
	nsim_plan_port_name(port, prefix, name, index);
	if (grow((void **)&k->ifaces, cap, k->n_ifaces, sizeof(*k->ifaces)) < 0)
		return -ENOMEM;
	if (!(k->ifaces[k->n_ifaces] = strdup(port)))
		return -ENOMEM;
	k->n_ifaces++;
	return 0;
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
	if (!cp->ifaces) {
		/* a port list that matches nothing, not "every interface" */
		cp->ifaces = calloc(1, sizeof(*cp->ifaces));
		if (!cp->ifaces)
			return -ENOMEM;
	}
	return 0;
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

/* The VPC an address belongs to, NSIM_NONE when outside every VPC. */
static size_t vpc_of_addr(const struct nsim_topology *t, uint32_t a)
{
	for (size_t i = 0; i < t->n_vpcs; i++)
		if (nsim_cidr_contains_addr(t->vpcs[i].cidr, a))
			return i;
	return NSIM_NONE;
}

static int fmt_target(struct nsim_arena *arena, struct nsim_check_result *r, const struct nsim_expect *e)
{
	char a[NSIM_ADDR_STRLEN];
	const char *to = e->to.kind == NSIM_EP_ADDRESS ? nsim_addr_fmt(r->addr, a) : e->to.ref.name;
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
					.reason = "", .last_seen = ""};

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

	res.addr = nsim_analyze_target(t, &e->from, &e->to);
	switch (e->to.kind) {
	case NSIM_EP_HOST:
	case NSIM_EP_NAT:
		to_vpc = e->to.vpc;
		break;
	case NSIM_EP_INET_HOST:
		break;
	case NSIM_EP_ADDRESS:
	case NSIM_EP_UNRESOLVED:
	case NSIM_EP_DNS: /* TODO(dns): the address the name resolves to from the source's VPC */
		to_vpc = vpc_of_addr(t, res.addr);
		break;
	}
	int r = fmt_target(arena, &res, e);
	if (r < 0)
		return r;
	char *from_ns = ns_name(pp, from_node);
	if (!from_ns)
		return -ENOMEM;
	res.from_ns = nsim_arena_strdup(arena, from_ns);
	free(from_ns);
	if (!res.from_ns)
		return -ENOMEM;

	/* endpoints, the routers and gateways the flow may cross, the via list */
	r = add_candidate(cands, add_comp(pp, from_node, from_vpc == NSIM_NONE ? "internet host" : "host", from_node, &k), &k);
	size_t vpcs[2] = {from_vpc, to_vpc}, pc;
	bool outside = from_vpc == NSIM_NONE || to_vpc == NSIM_NONE ||
		       (from_vpc != to_vpc && !nsim_topology_peered(t, from_vpc, to_vpc, NULL));
	for (int i = 0; i < 2 && r >= 0; i++) {
		if (vpcs[i] == NSIM_NONE)
			continue;
		const struct nsim_vpc *v = &t->vpcs[vpcs[i]];
		r = add_candidate(cands, comp_vpc(pp, vpcs[i], &k), &k);
		if (outside && i == 0)
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
	if (r >= 0 && e->to.kind == NSIM_EP_HOST) {
		const char *to_node = t->vpcs[to_vpc].hosts[e->to.idx].name.name;
		r = add_candidate(cands, add_comp(pp, to_node, "host", to_node, &k), &k);
	} else if (r >= 0 && e->to.kind == NSIM_EP_INET_HOST) {
		const char *to_node = t->inet_hosts[e->to.idx].name.name;
		r = add_candidate(cands, add_comp(pp, to_node, "internet host", to_node, &k), &k);
	}
	for (size_t i = 0; i < e->n_via && r >= 0; i++)
		r = add_candidate(cands, comp_of(pp, &e->via[i], &k), &k);
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

int nsim_check_collect_hops(const struct nsim_check_prep *pp, const struct nsim_check_cands *cands, double t0,
			    const struct nsim_packet *pkts, size_t n, struct nsim_arena *arena, struct nsim_check_result *r)
{
	uint16_t sport = r->probe.sport;
	nsim_check_result_done(r);
	r->last_seen = "";
	if (!sport || !cands->n)
		return 0;
	struct nsim_hop *hops = calloc(cands->n, sizeof(*hops));
	if (!hops)
		return -ENOMEM;
	r->hops = hops;
	for (size_t ci = 0; ci < cands->n; ci++) {
		const struct nsim_check_comp *k = &pp->comps[cands->idx[ci]];
		struct nsim_hop h = {.component = k->name, .kind = k->kind, .ns = k->ns};
		size_t cap = 0;
		bool seen = false;
		for (size_t i = 0; i < n; i++) {
			const struct nsim_packet *p = &pkts[i];
			if (p->t_ms < t0 - 1 || !on_comp(k, p))
				continue;
			bool fwd = flow_forward(p, r, sport);
			if (!fwd && !flow_reverse(p, r, sport))
				continue;
			if (grow((void **)&h.pkts, &cap, h.n_pkts, sizeof(*h.pkts)) < 0) {
				free(h.pkts);
				nsim_check_result_done(r);
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
			if (p->dir == NSIM_PKT_IN && !h.has_in) {
				h.has_in = true;
				copy_ifname(h.if_in, p->ifname);
				h.in_src = p->src, h.in_dst = p->dst, h.in_sport = p->sport, h.in_dport = p->dport;
			} else if (p->dir == NSIM_PKT_OUT && !h.has_out) {
				h.has_out = true;
				copy_ifname(h.if_out, p->ifname);
				h.out_src = p->src, h.out_dst = p->dst, h.out_sport = p->sport, h.out_dport = p->dport;
			}
		}
		if (seen) {
			/* the namespace name outlives the components: the report's arena keeps it */
			if (!(h.ns = nsim_arena_strdup(arena, k->ns))) {
				free(h.pkts);
				nsim_check_result_done(r);
				return -ENOMEM;
			}
			r->hops[r->n_hops++] = h;
		} else
			free(h.pkts);
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

int nsim_check_judge(const struct nsim_topology *t, const struct nsim_analyzer *an, int timeout_ms, bool drifted,
		     struct nsim_arena *arena, struct nsim_check_result *r)
{
	r->model_disagrees = false;
	r->has_predicted = false;
	int k = judge_probe(t, r, timeout_ms, arena);
	if (k < 0)
		return k;
	if (!an)
		return 0;
	/* the model's prediction is shown for every row, one whose probe could not run too */
	struct nsim_flow f = {.from = r->e->from, .dst = r->addr, .proto = r->proto, .dport = r->port,
			      .sport = r->probe.sport};
	if (nsim_analyzer_flow(an, &f, true, &r->predicted) < 0)
		return 0;
	r->has_predicted = true;
	if (r->probe.outcome == NSIM_PROBE_ERROR)
		return 0;
	const char *reason = r->reason;
	if (observed_class(r->probe.outcome) != r->predicted.prediction) {
		r->model_disagrees = true;
		r->passed = false;
		reason = nsim_arena_printf(arena, "%s: model says %s (%s%s%s), network did %s",
					   drifted ? "the instance was changed outside netsim (drift)" : "netsim bug",
					   nsim_prediction_name(r->predicted.prediction), nsim_reason_code(r->predicted.reason),
					   r->predicted.explanation[0] ? ": " : "", r->predicted.explanation,
					   nsim_probe_outcome_name(r->probe.outcome));
	} else if (!r->passed && r->predicted.explanation[0])
		reason = nsim_arena_printf(arena, "%s; %s", r->reason, r->predicted.explanation);
	if (!reason)
		return -ENOMEM;
	r->reason = reason;
	return 0;
}
