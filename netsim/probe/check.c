/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/util.h"
#include "plan/plan-internal.h"
#include "probe/check.h"

/* Probes use source ports (and echo ids) from here on, one per expectation,
 * so each probe's packets can be told apart in the captures. They lie in
 * Linux's ephemeral range, so ACLs written for real clients see real ports. */
#define SPORT_BASE 32768u
#define SPORT_SPAN 28000u

/* A place packets can be seen: a namespace, optionally some of its interfaces. */
struct comp {
	const char *name;
	const char *kind;
	char ns[128];
	size_t ns_idx; /* in the capture's namespace list */
	const char **ifaces; /* NULL: every interface */
	size_t n_ifaces;
};

struct probe_job {
	struct nsim_check_result *res;
	char from_ns[128];
	uint16_t sport;
	double t0; /* CLOCK_REALTIME ms at the start */
	int timeout_ms;
	size_t *comps; /* candidate components (indexes into ctx->comps) */
	size_t n_comps;
};

struct ctx {
	const struct nsim_topology *t;
	const struct nsim_plan *p;
	struct comp *comps;
	size_t n_comps;
	const char **ns_list;
	size_t n_ns;
	struct probe_job *jobs;
	size_t n_jobs;
	atomic_size_t next;
	struct nsim_analyzer *an;
};

static void ns_of(struct ctx *c, char buf[128], const char *node)
{
	nsim_plan_ns_name(buf, 128, c->p->name, node);
}

static size_t add_ns(struct ctx *c, const char *ns)
{
	for (size_t i = 0; i < c->n_ns; i++)
		if (streq(c->ns_list[i], ns))
			return i;
	c->ns_list[c->n_ns] = ns;
	return c->n_ns++;
}

static size_t add_comp(struct ctx *c, const char *name, const char *kind, const char *node)
{
	for (size_t i = 0; i < c->n_comps; i++)
		if (streq(c->comps[i].name, name) && streq(c->comps[i].kind, kind))
			return i;
	struct comp *k = &c->comps[c->n_comps];
	*k = (struct comp){.name = name, .kind = kind};
	ns_of(c, k->ns, node);
	return c->n_comps++;
}

static bool peered(const struct nsim_topology *t, size_t a, size_t b, size_t *ret_pc)
{
	for (size_t i = 0; i < t->n_peerings; i++) {
		const struct nsim_peering *pc = &t->peerings[i];
		if ((pc->vpc_idx[0] == a && pc->vpc_idx[1] == b) || (pc->vpc_idx[0] == b && pc->vpc_idx[1] == a)) {
			if (ret_pc)
				*ret_pc = i;
			return true;
		}
	}
	return false;
}

static size_t comp_vpc(struct ctx *c, size_t vi)
{
	return add_comp(c, c->t->vpcs[vi].name.name, "VPC router", c->t->vpcs[vi].name.name);
}

static size_t comp_peering(struct ctx *c, size_t pi)
{
	const struct nsim_peering *pc = &c->t->peerings[pi];
	size_t k = add_comp(c, pc->name.name, "peering", c->t->vpcs[pc->vpc_idx[0]].name.name);
	struct comp *cp = &c->comps[k];
	if (!cp->ifaces && (cp->ifaces = calloc(1, sizeof(char *)))) {
		char port[16];
		nsim_plan_port_name(port, 'p', pc->name.name, pi);
		cp->ifaces[0] = strdup(port);
		cp->n_ifaces = cp->ifaces[0] ? 1 : 0;
	}
	return k;
}

static size_t comp_subnet(struct ctx *c, size_t vi, size_t si)
{
	const struct nsim_vpc *v = &c->t->vpcs[vi];
	size_t k = add_comp(c, v->subnets[si].name.name, "subnet", v->name.name);
	struct comp *cp = &c->comps[k];
	if (cp->ifaces)
		return k;
	cp->ifaces = calloc(v->n_hosts + v->n_nat_gateways + 1, sizeof(char *));
	for (size_t i = 0; cp->ifaces && i < v->n_hosts + v->n_nat_gateways; i++) {
		bool nat = i < v->n_nat_gateways;
		size_t idx = nat ? i : i - v->n_nat_gateways;
		size_t sub = nat ? v->nat_gateways[idx].subnet_idx : v->hosts[idx].subnet_idx;
		if (sub != si)
			continue;
		char port[16];
		nsim_plan_port_name(port, nat ? 'n' : 'h', nat ? v->nat_gateways[idx].name.name : v->hosts[idx].name.name, idx);
		cp->ifaces[cp->n_ifaces++] = strdup(port);
	}
	return k;
}

static size_t comp_of(struct ctx *c, const struct nsim_component *v)
{
	const struct nsim_topology *t = c->t;
	switch (v->kind) {
	case NSIM_COMP_VPC:
		return comp_vpc(c, v->a);
	case NSIM_COMP_SUBNET:
		return comp_subnet(c, v->a, v->b);
	case NSIM_COMP_IGW:
		return add_comp(c, t->vpcs[v->a].internet_gateway.name, "internet gateway",
				t->vpcs[v->a].internet_gateway.name);
	case NSIM_COMP_NAT:
		return add_comp(c, t->vpcs[v->a].nat_gateways[v->b].name.name, "NAT gateway",
				t->vpcs[v->a].nat_gateways[v->b].name.name);
	case NSIM_COMP_HOST:
		return add_comp(c, t->vpcs[v->a].hosts[v->b].name.name, "host", t->vpcs[v->a].hosts[v->b].name.name);
	case NSIM_COMP_PEERING:
		return comp_peering(c, v->a);
	case NSIM_COMP_INET_HOST:
		return add_comp(c, t->inet_hosts[v->a].name.name, "internet host", t->inet_hosts[v->a].name.name);
	case NSIM_COMP_INTERNET:
	case NSIM_COMP_UNRESOLVED:
		break;
	}
	return add_comp(c, "internet", "internet", "internet");
}

static void add_candidate(struct probe_job *j, size_t k)
{
	for (size_t i = 0; i < j->n_comps; i++)
		if (j->comps[i] == k)
			return;
	j->comps[j->n_comps++] = k;
}

/* The VPC an address belongs to, NSIM_NONE when outside every VPC. */
static size_t vpc_of_addr(const struct nsim_topology *t, uint32_t a)
{
	for (size_t i = 0; i < t->n_vpcs; i++)
		if (nsim_cidr_contains_addr(t->vpcs[i].cidr, a))
			return i;
	return NSIM_NONE;
}

static void fmt_target(struct nsim_check_result *r, const struct nsim_expect *e)
{
	char a[NSIM_ADDR_STRLEN];
	const char *to = e->to.kind == NSIM_EP_ADDRESS ? nsim_addr_fmt(r->addr, a) : e->to.ref.name;
	if (r->proto == NSIM_PROTO_ICMP)
		snprintf(r->target, sizeof(r->target), "%s icmp", to);
	else
		snprintf(r->target, sizeof(r->target), "%s:%u/%s", to, r->port, nsim_proto_name(r->proto));
	if (e->name.name)
		snprintf(r->label, sizeof(r->label), "%s", e->name.name);
	else
		snprintf(r->label, sizeof(r->label), "%s → %s", e->from.ref.name, r->target);
}

/* Sets up the probe of expectation ei: namespaces, the address a host in
 * `from` would use for `to`, the components whose captures give evidence. */
static int prepare(struct ctx *c, size_t ei, struct probe_job *j, struct nsim_check_result *r)
{
	const struct nsim_topology *t = c->t;
	const struct nsim_expect *e = &t->expects[ei];
	size_t from_vpc = NSIM_NONE, to_vpc = NSIM_NONE;
	const char *from_node;

	*r = (struct nsim_check_result){.index = ei, .e = e, .proto = e->proto, .port = e->has_port ? e->port.from : 0};
	if (e->from.kind == NSIM_EP_HOST) {
		from_vpc = e->from.vpc;
		from_node = t->vpcs[from_vpc].hosts[e->from.idx].name.name;
	} else if (e->from.kind == NSIM_EP_INET_HOST)
		from_node = t->inet_hosts[e->from.idx].name.name;
	else
		return -EINVAL; /* the validator allows only hosts */

	switch (e->to.kind) {
	case NSIM_EP_HOST: {
		const struct nsim_host *h = &t->vpcs[e->to.vpc].hosts[e->to.idx];
		to_vpc = e->to.vpc;
		/* the address the source would use: private from its own or a
		 * peered VPC, public from anywhere else (when there is one) */
		bool inside = from_vpc != NSIM_NONE && (from_vpc == to_vpc || peered(t, from_vpc, to_vpc, NULL));
		r->addr = !inside && h->public_ip ? h->public_ip : h->address;
		break;
	}
	case NSIM_EP_NAT: {
		const struct nsim_nat_gateway *g = &t->vpcs[e->to.vpc].nat_gateways[e->to.idx];
		to_vpc = e->to.vpc;
		r->addr = from_vpc == to_vpc ? g->address : g->elastic_ip;
		break;
	}
	case NSIM_EP_INET_HOST:
		r->addr = t->inet_hosts[e->to.idx].address;
		break;
	default:
		r->addr = e->to.addr;
		to_vpc = vpc_of_addr(t, r->addr);
	}
	fmt_target(r, e);

	ns_of(c, j->from_ns, from_node);
	j->res = r;
	j->comps = calloc(16 + e->n_via + t->n_peerings + 2 * t->n_vpcs, sizeof(size_t));
	if (!j->comps)
		return -ENOMEM;

	/* endpoints, the routers and gateways the flow may cross, the via list */
	add_candidate(j, add_comp(c, from_node, from_vpc == NSIM_NONE ? "internet host" : "host", from_node));
	size_t vpcs[2] = {from_vpc, to_vpc};
	bool outside = from_vpc == NSIM_NONE || to_vpc == NSIM_NONE ||
		       (from_vpc != to_vpc && !peered(t, from_vpc, to_vpc, NULL));
	for (int k = 0; k < 2; k++) {
		if (vpcs[k] == NSIM_NONE)
			continue;
		const struct nsim_vpc *v = &t->vpcs[vpcs[k]];
		add_candidate(j, comp_vpc(c, vpcs[k]));
		if (outside && k == 0)
			for (size_t g = 0; g < v->n_nat_gateways; g++)
				add_candidate(j, add_comp(c, v->nat_gateways[g].name.name, "NAT gateway", v->nat_gateways[g].name.name));
		if (outside && v->internet_gateway.name)
			add_candidate(j, add_comp(c, v->internet_gateway.name, "internet gateway", v->internet_gateway.name));
	}
	size_t pc;
	if (from_vpc != NSIM_NONE && to_vpc != NSIM_NONE && from_vpc != to_vpc && peered(t, from_vpc, to_vpc, &pc))
		add_candidate(j, comp_peering(c, pc));
	if (outside && (from_vpc == NSIM_NONE || to_vpc == NSIM_NONE || t->n_inet_hosts))
		add_candidate(j, add_comp(c, "internet", "internet", "internet"));
	if (e->to.kind == NSIM_EP_HOST)
		add_candidate(j, add_comp(c, t->vpcs[to_vpc].hosts[e->to.idx].name.name, "host",
					  t->vpcs[to_vpc].hosts[e->to.idx].name.name));
	else if (e->to.kind == NSIM_EP_INET_HOST)
		add_candidate(j, add_comp(c, t->inet_hosts[e->to.idx].name.name, "internet host",
					  t->inet_hosts[e->to.idx].name.name));
	for (size_t i = 0; i < e->n_via; i++)
		add_candidate(j, comp_of(c, &e->via[i]));
	return 0;
}

static void *worker(void *arg)
{
	struct ctx *c = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&c->next, 1);
		if (i >= c->n_jobs)
			return NULL;
		struct probe_job *j = &c->jobs[i];
		j->t0 = nsim_clock_ms(CLOCK_REALTIME);
		int r = nsim_probe(j->from_ns, j->res->proto, j->res->addr, j->res->port, j->sport, j->timeout_ms,
				   &j->res->probe);
		if (r < 0) {
			j->res->probe.outcome = NSIM_PROBE_ERROR;
			j->res->probe.error = -r;
		}
	}
}

/* ---- evidence ---- */

static bool flow_forward(const struct nsim_packet *p, const struct nsim_check_result *r, uint16_t sport)
{
	switch (r->proto) {
	case NSIM_PROTO_TCP:
		return p->proto == IPPROTO_TCP && p->sport == sport && p->dport == r->port;
	case NSIM_PROTO_UDP:
		return p->proto == IPPROTO_UDP && p->sport == sport && p->dport == r->port;
	default:
		return p->proto == IPPROTO_ICMP && p->icmp_type == 8 && p->sport == sport;
	}
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
	default:
		return p->proto == IPPROTO_ICMP && p->icmp_type == 0 && p->sport == sport;
	}
}

static bool on_comp(const struct comp *k, const struct nsim_packet *p)
{
	if (p->ns != k->ns_idx)
		return false;
	if (!k->ifaces)
		return true;
	for (size_t i = 0; i < k->n_ifaces; i++)
		if (k->ifaces[i] && streq(k->ifaces[i], p->ifname))
			return true;
	return false;
}

static int cmp_hop(const void *a, const void *b)
{
	const struct nsim_hop *x = a, *y = b;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void collect_hops(struct ctx *c, struct probe_job *j, const struct nsim_packet *pkts, size_t n)
{
	struct nsim_check_result *r = j->res;
	uint16_t sport = r->probe.sport;
	r->hops = calloc(j->n_comps + 1, sizeof(*r->hops));
	if (!r->hops || !sport)
		return;
	for (size_t ci = 0; ci < j->n_comps; ci++) {
		const struct comp *k = &c->comps[j->comps[ci]];
		struct nsim_hop h = {.component = k->name, .kind = k->kind};
		snprintf(h.ns, sizeof(h.ns), "%s", k->ns);
		bool seen = false;
		for (size_t i = 0; i < n; i++) {
			const struct nsim_packet *p = &pkts[i];
			if (p->t_ms < j->t0 - 1 || !on_comp(k, p))
				continue;
			bool fwd = flow_forward(p, r, sport);
			if (!fwd && !flow_reverse(p, r, sport))
				continue;
			const struct nsim_packet **np = realloc(h.pkts, (h.n_pkts + 1) * sizeof(*np));
			if (np) {
				h.pkts = np;
				h.pkts[h.n_pkts++] = p;
			}
			if (!fwd) {
				h.reply_seen = true;
				continue;
			}
			if (!seen) {
				h.t_ms = p->t_ms - j->t0;
				h.first = i;
				seen = true;
			}
			if (p->dir == NSIM_PKT_IN && !h.has_in) {
				h.has_in = true;
				snprintf(h.if_in, sizeof(h.if_in), "%s", p->ifname);
				h.in_src = p->src, h.in_dst = p->dst, h.in_sport = p->sport, h.in_dport = p->dport;
			} else if (p->dir == NSIM_PKT_OUT && !h.has_out) {
				h.has_out = true;
				snprintf(h.if_out, sizeof(h.if_out), "%s", p->ifname);
				h.out_src = p->src, h.out_dst = p->dst, h.out_sport = p->sport, h.out_dport = p->dport;
			}
		}
		if (seen)
			r->hops[r->n_hops++] = h;
		else
			free(h.pkts);
	}
	qsort(r->hops, r->n_hops, sizeof(*r->hops), cmp_hop);
	if (r->n_hops) {
		const struct nsim_hop *last = &r->hops[r->n_hops - 1];
		snprintf(r->last_seen, sizeof(r->last_seen), "%s", last->component);
	}
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
	default:
		return s->addr;
	}
}

static void parse_seen(struct nsim_check_result *r)
{
	/* "netsim <host> <port>/<proto> from <ip>:<port>" */
	const char *from = strstr(r->probe.response, " from ");
	if (!from)
		return;
	char ip[NSIM_ADDR_STRLEN] = "";
	size_t n = strcspn(from + 6, ":");
	if (n >= sizeof(ip))
		return;
	memcpy(ip, from + 6, n);
	ip[n] = '\0';
	if (nsim_addr_parse(ip, &r->seen) == 0)
		r->has_seen = true;
}

/* ICMP has no responder line: what the destination saw is the source of the
 * echo request received in its own namespace. */
static void seen_from_capture(struct nsim_check_result *r)
{
	const char *to = r->e->to.ref.name;
	for (size_t i = 0; i < r->n_hops; i++) {
		const struct nsim_hop *h = &r->hops[i];
		if (streq(h->component, to) && (streq(h->kind, "host") || streq(h->kind, "internet host")) && h->has_in) {
			r->seen = h->in_src;
			r->has_seen = true;
			return;
		}
	}
}

static void describe_drop(const struct nsim_check_result *r, char *buf, size_t size)
{
	if (!r->n_hops) {
		snprintf(buf, size, "; no packet of it was seen anywhere");
		return;
	}
	const struct nsim_hop *h = &r->hops[r->n_hops - 1];
	if (h->has_in && !h->has_out && strcmp(h->kind, "host") != 0 && strcmp(h->kind, "internet host") != 0)
		snprintf(buf, size, "; last seen at %s (%s): received on %s, not forwarded", h->component, h->kind,
			 h->if_in);
	else if (h->has_out && !h->has_in)
		snprintf(buf, size, "; last seen leaving %s (%s) on %s", h->component, h->kind, h->if_out);
	else
		snprintf(buf, size, "; last seen at %s (%s)", h->component, h->kind);
}

static void judge_probe(const struct nsim_topology *t, struct nsim_check_result *r, int timeout_ms)
{
	const struct nsim_expect *e = r->e;
	const struct nsim_probe_result *p = &r->probe;
	char where[200] = "", a[NSIM_ADDR_STRLEN], b[NSIM_ADDR_STRLEN];
	r->observed = p->outcome == NSIM_PROBE_REACHABLE ? NSIM_VERDICT_REACHABLE : NSIM_VERDICT_UNREACHABLE;
	if (r->proto == NSIM_PROTO_ICMP)
		seen_from_capture(r);
	else
		parse_seen(r);

	if (p->outcome == NSIM_PROBE_ERROR) {
		snprintf(r->reason, sizeof(r->reason), "the probe could not run: %s", strerror(p->error));
		return;
	}
	if (e->verdict == NSIM_VERDICT_UNREACHABLE) {
		if (p->outcome == NSIM_PROBE_REACHABLE)
			snprintf(r->reason, sizeof(r->reason), "reachable: %s answered in %.1f ms%s%s%s",
				 r->target, p->ms, p->response[0] ? " ('" : "", p->response, p->response[0] ? "')" : "");
		else if (p->outcome == NSIM_PROBE_REFUSED)
			snprintf(r->reason, sizeof(r->reason),
				 "refused: the network delivered the packet to %s (%s) and it answered with %s: the path is "
				 "open, only nothing listens there; unreachable means no packet gets through",
				 r->target, nsim_addr_fmt(r->addr, a),
				 r->proto == NSIM_PROTO_TCP ? "a TCP RST" : "ICMP port unreachable");
		else
			r->passed = true;
		return;
	}

	switch (p->outcome) {
	case NSIM_PROBE_DROPPED:
		describe_drop(r, where, sizeof(where));
		snprintf(r->reason, sizeof(r->reason), "dropped: no answer from %s within %.3g s%s", r->target,
			 timeout_ms / 1000.0, where);
		return;
	case NSIM_PROBE_REFUSED:
		snprintf(r->reason, sizeof(r->reason), "refused: %s (%s) answered with %s: the path works but nothing listens on %u/%s",
			 r->target, nsim_addr_fmt(r->addr, a), r->proto == NSIM_PROTO_TCP ? "a TCP RST" : "ICMP unreachable",
			 r->port, nsim_proto_name(r->proto));
		return;
	case NSIM_PROBE_NO_ROUTE:
		describe_drop(r, where, sizeof(where));
		snprintf(r->reason, sizeof(r->reason), "no route to %s (%s)%s", nsim_addr_fmt(r->addr, a),
			 strerror(p->error), where);
		return;
	default:
		break;
	}

	if (e->has_seen_source) {
		uint32_t want = expected_source(t, r);
		if (!r->has_seen) {
			snprintf(r->reason, sizeof(r->reason), "seen_source: the responder reported no source (response '%s')",
				 p->response);
			return;
		}
		if (r->seen != want) {
			snprintf(r->reason, sizeof(r->reason), "seen_source: %s saw %s, expected %s (%s)", r->target,
				 nsim_addr_fmt(r->seen, a), nsim_addr_fmt(want, b), e->seen_source.ref.name);
			return;
		}
	}

	size_t prev = 0;
	const char *prev_name = NULL;
	for (size_t i = 0; i < e->n_via; i++) {
		const char *name = e->via[i].ref.name;
		const struct nsim_hop *h = find_hop(r, name);
		if (!h) {
			snprintf(r->reason, sizeof(r->reason), "via: the flow did not cross %s (seen at: ", name);
			for (size_t k = 0; k < r->n_hops; k++) {
				size_t len = strlen(r->reason);
				snprintf(r->reason + len, sizeof(r->reason) - len, "%s%s", k ? ", " : "", r->hops[k].component);
			}
			size_t len = strlen(r->reason);
			snprintf(r->reason + len, sizeof(r->reason) - len, ")");
			return;
		}
		if (prev_name && h->first < prev) {
			snprintf(r->reason, sizeof(r->reason), "via: the flow crossed %s before %s, not after", name, prev_name);
			return;
		}
		prev = h->first;
		prev_name = name;
	}
	r->passed = true;
}

static enum nsim_prediction observed_class(enum nsim_probe_outcome o)
{
	return o == NSIM_PROBE_REACHABLE ? NSIM_PREDICT_REACHABLE
	       : o == NSIM_PROBE_REFUSED ? NSIM_PREDICT_REFUSED
					 : NSIM_PREDICT_BLOCKED;
}

/* The verdict from the packets, held against the model's: a disagreement is
 * a bug in netsim (the model or the data plane), reported as such. */
static void judge(const struct ctx *c, struct nsim_check_result *r, int timeout_ms)
{
	judge_probe(c->t, r, timeout_ms);
	if (r->probe.outcome == NSIM_PROBE_ERROR || !c->an)
		return;
	struct nsim_flow f = {.from = r->e->from, .dst = r->addr, .proto = r->proto, .dport = r->port,
			      .sport = r->probe.sport};
	if (nsim_analyzer_flow(c->an, &f, true, &r->predicted) < 0)
		return;
	enum nsim_prediction seen = observed_class(r->probe.outcome);
	size_t len = strlen(r->reason);
	if (seen != r->predicted.prediction) {
		r->model_disagrees = true;
		r->passed = false;
		snprintf(r->reason, sizeof(r->reason), "netsim bug: model says %s (%s%s%s), network did %s",
			 nsim_prediction_name(r->predicted.prediction), nsim_reason_code(r->predicted.reason),
			 r->predicted.explanation[0] ? ": " : "", r->predicted.explanation,
			 nsim_probe_outcome_name(r->probe.outcome));
	} else if (!r->passed && r->predicted.explanation[0])
		snprintf(r->reason + len, sizeof(r->reason) - len, "; %s", r->predicted.explanation);
}

static void free_comps(struct ctx *c)
{
	for (size_t i = 0; i < c->n_comps; i++) {
		for (size_t k = 0; k < c->comps[i].n_ifaces; k++)
			free((char *)c->comps[i].ifaces[k]);
		free(c->comps[i].ifaces);
	}
	free(c->comps);
	free(c->ns_list); /* the names belong to the comps */
	for (size_t i = 0; i < c->n_jobs; i++)
		free(c->jobs[i].comps);
	free(c->jobs);
	nsim_analyzer_free(c->an);
}

int nsim_check_run(const struct nsim_topology *t, const struct nsim_plan *p, const struct nsim_check_opts *opts,
		   struct nsim_check_report **ret, char **ret_error)
{
	struct nsim_check_opts o = opts ? *opts : (struct nsim_check_opts){.capture = true};
	if (o.timeout_ms <= 0)
		o.timeout_ms = 1000;
	if (!o.parallel)
		o.parallel = 128; /* they mostly wait: the unreachable ones for their whole timeout */
	double start = nsim_clock_ms(CLOCK_REALTIME);

	struct nsim_check_report *rep = calloc(1, sizeof(*rep));
	struct ctx c = {.t = t, .p = p};
	size_t max_comps = 8 + t->n_inet_hosts + t->n_peerings + 4 * t->n_vpcs;
	for (size_t i = 0; i < t->n_vpcs; i++)
		max_comps += t->vpcs[i].n_hosts + t->vpcs[i].n_nat_gateways + t->vpcs[i].n_subnets;
	c.comps = calloc(max_comps, sizeof(*c.comps));
	c.ns_list = calloc(2 * max_comps + t->n_expects + 1, sizeof(char *));
	c.jobs = calloc(t->n_expects + 1, sizeof(*c.jobs));
	if (rep)
		rep->results = calloc(t->n_expects + 1, sizeof(*rep->results));
	int r = 0;
	if (!rep || !c.comps || !c.ns_list || !c.jobs || !rep->results || nsim_analyzer_new(t, &c.an) < 0) {
		r = -ENOMEM;
		goto out;
	}
	rep->name = p->name;

	for (size_t i = 0; i < t->n_expects; i++) {
		struct nsim_check_result probe_res;
		struct probe_job tmp = {0};
		/* filter first: --only is matched on the label */
		if ((r = prepare(&c, i, &tmp, &probe_res)) < 0) {
			free(tmp.comps);
			goto out;
		}
		char flow[200];
		snprintf(flow, sizeof(flow), "%s → %s", t->expects[i].from.ref.name, probe_res.target);
		if (o.only && fnmatch(o.only, probe_res.label, 0) != 0 && fnmatch(o.only, flow, 0) != 0) {
			free(tmp.comps);
			continue;
		}
		struct nsim_check_result *res = &rep->results[rep->n_results++];
		*res = probe_res;
		tmp.res = res;
		tmp.timeout_ms = o.timeout_ms;
		tmp.sport = (uint16_t)(SPORT_BASE + (c.n_jobs % SPORT_SPAN));
		c.jobs[c.n_jobs++] = tmp;
	}
	if (o.capture && c.n_jobs) {
		/* one capture per namespace that a component of some probe lives in */
		char *err = NULL;
		bool *used = calloc(c.n_comps + 1, sizeof(bool));
		if (!used) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < c.n_jobs; i++)
			for (size_t k = 0; k < c.jobs[i].n_comps; k++)
				used[c.jobs[i].comps[k]] = true;
		for (size_t i = 0; i < c.n_comps; i++) {
			char path[256];
			snprintf(path, sizeof(path), "/run/netns/%s", c.comps[i].ns);
			/* a namespace removed by hand: its probes end in `error`, the rest go on */
			c.comps[i].ns_idx = used[i] && access(path, F_OK) == 0 ? add_ns(&c, c.comps[i].ns) : NSIM_NONE;
		}
		free(used);
		r = nsim_capture_start(c.ns_list, c.n_ns, "tcp or udp or icmp", &rep->capture, &err);
		if (r < 0) {
			if (ret_error)
				*ret_error = err;
			else
				free(err);
			goto out;
		}
	}

	unsigned n_threads = o.parallel < c.n_jobs ? o.parallel : (unsigned)c.n_jobs;
	pthread_t *th = calloc(n_threads + 1, sizeof(*th));
	if (!th) {
		r = -ENOMEM;
		goto out;
	}
	unsigned started = 0;
	for (; started < n_threads; started++)
		if (pthread_create(&th[started], NULL, worker, &c) != 0)
			break;
	if (started == 0 && n_threads)
		worker(&c);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);

	size_t n_pkts = 0;
	const struct nsim_packet *pkts = NULL;
	if (rep->capture) {
		nsim_capture_stop(rep->capture);
		pkts = nsim_capture_packets(rep->capture, &n_pkts);
		rep->kernel_drops = nsim_capture_kernel_drops(rep->capture);
	}
	for (size_t i = 0; i < c.n_jobs; i++) {
		collect_hops(&c, &c.jobs[i], pkts, n_pkts);
		judge(&c, c.jobs[i].res, o.timeout_ms);
		if (c.jobs[i].res->passed)
			rep->n_passed++;
		else
			rep->n_failed++;
	}
	rep->ms = nsim_clock_ms(CLOCK_REALTIME) - start;

out:
	free_comps(&c);
	if (r < 0) {
		nsim_check_report_free(rep);
		return r;
	}
	*ret = rep;
	return 0;
}

void nsim_check_report_free(struct nsim_check_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->results && i < r->n_results; i++) {
		for (size_t k = 0; k < r->results[i].n_hops; k++)
			free(r->results[i].hops[k].pkts);
		free(r->results[i].hops);
	}
	free(r->results);
	nsim_capture_free(r->capture);
	free(r);
}
