/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze-internal.h"
#include "model/util.h"

/* Linux's default ephemeral ports (ip_local_port_range). AWS lists 32768-61000
 * for Linux, 1024-65535 for NAT gateways: "Ephemeral ports",
 * https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
#define LINUX_EPHEMERAL "32768-60999"

/* Text that does not fit its buffer ends in "…" (cut at a UTF-8 boundary):
 * truncation is visible, never silent. */
static void mark_truncated(char *buf, size_t size, int n)
{
	static const char ell[] = "…";
	if (n < 0 || (size_t)n < size || size < sizeof(ell))
		return;
	size_t end = size - sizeof(ell); /* where "…" starts, its NUL at size-1 */
	while (end > 0 && ((unsigned char)buf[end] & 0xC0) == 0x80)
		end--;
	memcpy(buf + end, ell, sizeof(ell));
}

__attribute__((format(printf, 3, 0))) static void vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	mark_truncated(buf, size, vsnprintf(buf, size, fmt, ap));
}

static void copy(char *buf, size_t size, const char *s)
{
	mark_truncated(buf, size, snprintf(buf, size, "%s", s));
}

__attribute__((format(printf, 5, 6))) static void hop(struct walk *w, const char *component, const char *kind,
						      bool reply, const char *fmt, ...)
{
	struct nsim_analysis *a = w->a;
	if (w->quiet)
		return;
	if (a->n_hops >= NSIM_ANALYSIS_MAX_HOPS) {
		a->hops_truncated = true;
		return;
	}
	struct nsim_ahop *h = &a->hops[a->n_hops++];
	copy(h->component, sizeof(h->component), component);
	copy(h->kind, sizeof(h->kind), kind);
	h->reply = reply;
	va_list ap;
	va_start(ap, fmt);
	vfmt(h->detail, sizeof(h->detail), fmt, ap);
	va_end(ap);
}

/* What decided, in model terms (struct nsim_decision): the component, where
 * the packet was and the packet itself; the flow's ports and protocol, the
 * forward path. A site on the return path or with a rule sets those after. */
static struct nsim_decision decide(const struct walk *w, enum nsim_component_kind kind, size_t a, size_t b,
				   const char *name, size_t vpc, size_t subnet, uint32_t src, uint32_t dst)
{
	return (struct nsim_decision){
		.comp = {.ref = {.name = (char *)name}, .kind = kind, .a = a, .b = b},
		.vpc = vpc,
		.subnet = subnet,
		.host = NSIM_NONE,
		.src = src,
		.dst = dst,
		.sport = w->f->sport,
		.dport = w->f->dport,
		.proto = w->f->proto,
	};
}

/* Every verdict other than reachable goes through here, with what decided
 * it: blocked_at (the component as the hops name it), the decision, and
 * the sentence. */
__attribute__((format(printf, 6, 7))) static void block(struct walk *w, enum nsim_reason reason,
							enum nsim_prediction pred, const char *component,
							const struct nsim_decision *d, const char *fmt, ...)
{
	struct nsim_analysis *a = w->a;
	if (w->done)
		return;
	w->done = true;
	a->reason = reason;
	a->prediction = pred;
	copy(a->blocked_at, sizeof(a->blocked_at), component);
	if (w->quiet)
		return;
	a->decision = *d;
	a->dropped = *d;
	va_list ap;
	va_start(ap, fmt);
	vfmt(a->explanation, sizeof(a->explanation), fmt, ap);
	va_end(ap);
	if (a->n_hops)
		a->hops[a->n_hops - 1].blocked = true;
}

static const char *proto_port(const struct nsim_flow *f, char buf[32])
{
	if (f->proto == NSIM_PROTO_ICMP)
		snprintf(buf, 32, "icmp");
	else
		snprintf(buf, 32, "%s/%u", nsim_proto_name(f->proto), f->dport);
	return buf;
}

/* ---- lookups ---- */

uint32_t nsim_analyze_target(const struct nsim_topology *t, const struct nsim_endpoint *from,
			     const struct nsim_endpoint *to)
{
	size_t from_vpc = from->kind == NSIM_EP_HOST ? from->vpc : NSIM_NONE;
	switch (to->kind) {
	case NSIM_EP_HOST: {
		const struct nsim_host *h = &t->vpcs[to->vpc].hosts[to->idx];
		bool inside = from_vpc != NSIM_NONE && (from_vpc == to->vpc || nsim_topology_peered(t, from_vpc, to->vpc, NULL));
		return !inside && h->public_ip ? h->public_ip : h->address;
	}
	case NSIM_EP_NAT: {
		const struct nsim_nat_gateway *g = &t->vpcs[to->vpc].nat_gateways[to->idx];
		return from_vpc == to->vpc ? g->address : g->elastic_ip;
	}
	case NSIM_EP_INET_HOST:
		return t->inet_hosts[to->idx].address;
	case NSIM_EP_DNS: {
		uint32_t addr = 0;
		char why[8];
		return nsim_analyze_name(t, from, to->ref.name, &addr, why, sizeof(why)) == 0 ? addr : 0;
	}
	default:
		return to->addr;
	}
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->vpc < y->vpc ? -1 : x->vpc > y->vpc;
}

static const struct entry *find(const struct nsim_analyzer *an, size_t vpc, uint32_t addr)
{
	struct entry key = {.addr = addr, .vpc = vpc};
	return bsearch(&key, an->e, an->n, sizeof(*an->e), cmp_entry);
}

/* An ENI of VPC v with this private address: a host (ret_nat false) or a
 * NAT gateway (not an interface endpoint's: analyze/endpoints.c has those). */
static bool find_eni(const struct walk *w, size_t v, uint32_t addr, size_t *ret_idx, bool *ret_nat)
{
	const struct entry *e = find(w->an, v, addr);
	if (!e || e->kind == E_VPCE)
		return false;
	*ret_idx = e->idx;
	*ret_nat = e->kind == E_NAT;
	return true;
}

static bool host_in_sg(const struct nsim_host *h, size_t sg)
{
	return nsim_sg_member(h->sg_idx, h->n_security_groups, sg);
}

/* Is addr the private address of a member of group sg of VPC v: a host, or
 * an interface endpoint's network interface (its groups are its members'
 * too)? AWS: "Security group rules",
 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html */
static bool addr_in_sg(const struct walk *w, size_t v, size_t sg, uint32_t addr)
{
	const struct entry *e = find(w->an, v, addr);
	if (e && e->kind == E_VPCE) {
		const struct nsim_vpc_endpoint *ep = &w->t->vpcs[v].endpoints[e->idx];
		return nsim_sg_member(ep->sg_idx, ep->n_security_groups, sg);
	}
	return e && e->kind == E_HOST && host_in_sg(&w->t->vpcs[v].hosts[e->idx], sg);
}

static bool proto_ok(enum nsim_proto rule, bool has_ports, uint16_t from, uint16_t to, enum nsim_proto p,
		     uint16_t port)
{
	if (rule == NSIM_PROTO_ALL)
		return true;
	if (rule != p)
		return false;
	return p == NSIM_PROTO_ICMP || !has_ports || (port >= from && port <= to);
}

bool nsim_analyze_sg_rule_matches(const struct nsim_topology *t, const struct nsim_sg_rule *r, uint32_t peer,
				  enum nsim_proto proto, uint16_t port)
{
	bool peer_ok = false;
	if (r->peer_is_cidr)
		peer_ok = nsim_cidr_contains_addr(r->peer_cidr, peer);
	else if (r->peer_pl)
		peer_ok = nsim_analyze_pl_match(r->peer_pl, peer) >= 0;
	else if (r->peer_vpc != NSIM_NONE) {
		const struct nsim_vpc *pv = &t->vpcs[r->peer_vpc];
		for (size_t i = 0; i < pv->n_hosts && !peer_ok; i++)
			peer_ok = pv->hosts[i].address == peer && host_in_sg(&pv->hosts[i], r->peer_sg);
		for (size_t i = 0; i < pv->n_endpoints && !peer_ok; i++) {
			const struct nsim_vpc_endpoint *ep = &pv->endpoints[i];
			for (size_t k = 0; ep->type == NSIM_VPCE_INTERFACE && ep->addresses && k < ep->n_subnets && !peer_ok; k++)
				peer_ok = ep->addresses[k] == peer && nsim_sg_member(ep->sg_idx, ep->n_security_groups, r->peer_sg);
		}
	}
	return peer_ok && proto_ok(r->proto, r->has_ports, r->port_from, r->port_to, proto, port);
}

/* Rule r of a group of VPC owner, for explanations. */
static void describe_sg_rule(const struct nsim_topology *t, size_t owner, const struct nsim_sg_rule *r, char *buf,
			     size_t size)
{
	char c[NSIM_CIDR_STRLEN], pp[32] = "";
	if (r->proto == NSIM_PROTO_ALL)
		snprintf(pp, sizeof(pp), "all");
	else if (r->proto == NSIM_PROTO_ICMP || !r->has_ports)
		snprintf(pp, sizeof(pp), "%s", nsim_proto_name(r->proto));
	else if (r->port_from == r->port_to)
		snprintf(pp, sizeof(pp), "%s/%u", nsim_proto_name(r->proto), r->port_from);
	else
		snprintf(pp, sizeof(pp), "%s/%u-%u", nsim_proto_name(r->proto), r->port_from, r->port_to);
	if (r->peer_is_cidr)
		snprintf(buf, size, "%s %s", pp, nsim_cidr_fmt(r->peer_cidr, c));
	else if (r->peer_pl)
		snprintf(buf, size, "%s pl:%s", pp, r->peer_pl->name.name);
	else if (r->peer_vpc != NSIM_NONE) {
		char g[96];
		nsim_analyze_sg_name(t, owner, r->peer_vpc, r->peer_sg, g, sizeof(g));
		mark_truncated(buf, size, snprintf(buf, size, "%s %s", pp, g));
	} else
		snprintf(buf, size, "%s ?", pp);
}

/* AWS: "Security group rules", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html;
 * "Default security groups for your VPCs", https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
 * (the default group: inbound from its own members, all outbound) */
/* Whether host h's groups allow the packet (ingress: from `peer`; egress: to
 * it). *ret_rule names the rule that allows it, or lists what the groups allow. */
static bool sg_allows(const struct walk *w, size_t v, const struct nsim_host *h, bool ingress, uint32_t peer,
		      const struct nsim_flow *f, char *ret_rule, size_t size)
{
	const struct nsim_topology *t = w->t;
	const struct nsim_vpc *vpc = &t->vpcs[v];
	if (w->quiet)
		size = 0; /* verdicts only: format nothing */
	char list[300] = "";
	if (h->n_security_groups == 0) {
		if (!ingress) {
			snprintf(ret_rule, size, "default egress: all");
			return true;
		}
		if (addr_in_sg(w, v, NSIM_NONE, peer)) {
			snprintf(ret_rule, size, "default ingress: from a member of the default group");
			return true;
		}
		snprintf(ret_rule, size, "the default group allows inbound only from its own members");
		return false;
	}
	for (size_t k = 0; k < h->n_security_groups; k++) {
		const struct nsim_security_group *g = &vpc->security_groups[h->sg_idx[k]];
		if (!ingress && !g->has_egress) {
			if (size) {
				char gn[96];
				nsim_analyze_sg_name(t, v, v, h->sg_idx[k], gn, sizeof(gn));
				snprintf(ret_rule, size, "%s egress: all (AWS's default outbound rule)", gn);
			}
			return true;
		}
		const struct nsim_sg_rule *rules = ingress ? g->ingress : g->egress;
		size_t n = ingress ? g->n_ingress : g->n_egress;
		for (size_t i = 0; i < n; i++) {
			const struct nsim_sg_rule *r = &rules[i];
			bool peer_ok = r->peer_is_cidr ? nsim_cidr_contains_addr(r->peer_cidr, peer)
				       : r->peer_pl	   ? nsim_analyze_pl_match(r->peer_pl, peer) >= 0
							   : r->peer_vpc != NSIM_NONE && addr_in_sg(w, r->peer_vpc, r->peer_sg, peer);
			bool match = peer_ok && proto_ok(r->proto, r->has_ports, r->port_from, r->port_to, f->proto, f->dport);
			if (!size) {
				if (match)
					return true;
				continue;
			}
			char d[160];
			describe_sg_rule(t, v, r, d, sizeof(d));
			if (match) {
				char gn[96];
				nsim_analyze_sg_name(t, v, v, h->sg_idx[k], gn, sizeof(gn));
				snprintf(ret_rule, size, "%s %s #%zu: %s", gn, ingress ? "ingress" : "egress", i + 1, d);
				return true;
			}
			size_t len = strlen(list);
			int k2 = snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "", d);
			if (k2 >= 0 && len + (size_t)k2 >= sizeof(list))
				mark_truncated(list, sizeof(list), (int)sizeof(list));
		}
	}
	snprintf(ret_rule, size, "%s", list[0] ? list : "nothing");
	return false;
}

/* The groups of host h of VPC vi, seen from VPC ctx: "fn-sg, ops-sg". */
static void sg_names(const struct nsim_topology *t, size_t ctx, size_t vi, const struct nsim_host *h, char *buf,
		     size_t size)
{
	buf[0] = '\0';
	if (h->n_security_groups == 0) {
		nsim_analyze_sg_name(t, ctx, vi, NSIM_NONE, buf, size);
		return;
	}
	for (size_t k = 0; k < h->n_security_groups; k++) {
		size_t len = strlen(buf);
		char g[96];
		nsim_analyze_sg_name(t, ctx, vi, h->sg_idx[k], g, sizeof(g));
		int n = snprintf(buf + len, size - len, "%s%s", k ? ", " : "", g);
		if (n >= 0 && len + (size_t)n >= size) {
			mark_truncated(buf, size, (int)size);
			return;
		}
	}
}

/* The groups a source address belongs to, for messages about a host of VPC
 * ctx: " (fn, in fn-sg)". */
static void groups_of(const struct walk *w, size_t ctx, uint32_t addr, char *buf, size_t size)
{
	const struct nsim_topology *t = w->t;
	buf[0] = '\0';
	for (size_t v = 0; v < t->n_vpcs; v++) {
		size_t idx;
		bool nat;
		if (!find_eni(w, v, addr, &idx, &nat) || nat)
			continue;
		char names[160];
		sg_names(t, ctx, v, &t->vpcs[v].hosts[idx], names, sizeof(names));
		snprintf(buf, size, " (%s, in %s)", t->vpcs[v].hosts[idx].name.name, names);
		return;
	}
}

static int cmp_num(const struct nsim_acl_rule *a, const struct nsim_acl_rule *b)
{
	return a->number < b->number ? -1 : a->number > b->number;
}

/* Evaluates subnet's ACL for a packet: lowest rule number first, first match
 * decides, `*` denies. Default ACL (none named): allow. *ret_rule 0 = `*`.
 * AWS: "Control subnet traffic with network access control lists",
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
static bool acl_allows(const struct nsim_vpc *v, const struct nsim_subnet *s, bool ingress, uint32_t peer,
		       enum nsim_proto proto, uint16_t port, uint32_t *ret_rule, const char **ret_acl)
{
	*ret_rule = 0;
	if (!s->network_acl.name || s->acl_idx == NSIM_NONE) {
		*ret_acl = NULL;
		return true;
	}
	const struct nsim_network_acl *acl = &v->network_acls[s->acl_idx];
	*ret_acl = acl->name.name;
	const struct nsim_acl_rule *rules = ingress ? acl->ingress : acl->egress;
	size_t n = ingress ? acl->n_ingress : acl->n_egress;
	const struct nsim_acl_rule *best = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct nsim_acl_rule *r = &rules[i];
		if (!nsim_cidr_contains_addr(r->cidr, peer) ||
		    !proto_ok(r->proto, r->has_ports, r->port_from, r->port_to, proto, port))
			continue;
		if (!best || cmp_num(r, best) < 0)
			best = r;
	}
	if (!best)
		return false;
	*ret_rule = best->number;
	return best->action == NSIM_ACL_ALLOW;
}

/* Crossing a subnet boundary on the forward path. */
static bool acl_forward(struct walk *w, size_t vi, size_t si, bool ingress, uint32_t src, uint32_t dst, uint16_t sport)
{
	const struct nsim_vpc *v = &w->t->vpcs[vi];
	const struct nsim_subnet *s = &v->subnets[si];
	uint32_t rule;
	const char *acl;
	char a[NSIM_ADDR_STRLEN], pp[32];
	bool ok = acl_allows(v, s, ingress, ingress ? src : dst, w->f->proto, w->f->dport, &rule, &acl);
	if (w->n_cross < ELEMENTSOF(w->cross))
		w->cross[w->n_cross++] = (struct crossing){vi, si, ingress, src, dst, sport, w->leg};
	/* Only where the packet enters or leaves a subnet; first match by number, `*` denies.
	 * AWS: "Control subnet traffic with network access control lists",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
	const char *dir = ingress ? "inbound" : "outbound";
	if (!acl) {
		hop(w, s->name.name, "network ACL", false, "default ACL of VPC %s: %s allowed", v->name.name, dir);
		return true;
	}
	char rn[16];
	snprintf(rn, sizeof(rn), rule ? "%u" : "*", rule);
	hop(w, acl, "network ACL", false, "subnet %s %s: rule %s %s %s %s %s", s->name.name, dir, rn,
	    ok ? "allows" : "denies", proto_port(w->f, pp), ingress ? "from" : "to", nsim_addr_fmt(ingress ? src : dst, a));
	if (!ok) {
		struct nsim_decision d = decide(w, NSIM_COMP_NETWORK_ACL, vi, s->acl_idx, acl, vi, si, src, dst);
		d.rule = rule;
		d.ingress = ingress;
		d.sport = sport;
		block(w, NSIM_REASON_ACL_DENY, NSIM_PREDICT_BLOCKED, acl, &d,
		      "blocked by network ACL %s of subnet %s: %s rule %s denies %s %s %s (ACLs are evaluated lowest "
		      "rule first; unmatched traffic is denied)",
		      acl, s->name.name, ingress ? "ingress" : "egress", rn, proto_port(w->f, pp), ingress ? "from" : "to",
		      nsim_addr_fmt(ingress ? src : dst, a));
	}
	return ok;
}

/* Which of the ports `in` subnet s's ACL allows for a packet from or to
 * peer with this protocol, to that port: rules by number, the first that
 * matches a port decides it, `*` denies the rest; ICMP has no ports (all or
 * none). *ret_allow, *ret_deny: the first rule that allows, denies some of
 * them (0: none; for the deny, also `*`). *ret_acl NULL: the default ACL,
 * which allows all. AWS: "Control subnet traffic with network access
 * control lists", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
static void acl_ports(const struct nsim_vpc *v, const struct nsim_subnet *s, bool ingress, uint32_t peer,
		      enum nsim_proto proto, const struct nsim_ports *in, struct nsim_ports *ret, uint32_t *ret_allow,
		      uint32_t *ret_deny, const char **ret_acl)
{
	*ret_allow = *ret_deny = 0;
	if (!s->network_acl.name || s->acl_idx == NSIM_NONE) {
		*ret_acl = NULL;
		*ret = *in;
		return;
	}
	const struct nsim_network_acl *acl = &v->network_acls[s->acl_idx];
	*ret_acl = acl->name.name;
	const struct nsim_acl_rule *rules = ingress ? acl->ingress : acl->egress;
	size_t n = ingress ? acl->n_ingress : acl->n_egress;
	struct nsim_ports undecided = *in, allowed = {0};
	bool denied = false;
	for (uint32_t last = 0; undecided.n;) {
		const struct nsim_acl_rule *best = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct nsim_acl_rule *r = &rules[i];
			if (r->number > last && (!best || r->number < best->number) &&
			    (r->proto == NSIM_PROTO_ALL || r->proto == proto) && nsim_cidr_contains_addr(r->cidr, peer))
				best = r;
		}
		if (!best)
			break;
		last = best->number;
		if (best->proto == NSIM_PROTO_ALL || proto == NSIM_PROTO_ICMP || !best->has_ports) {
			if (best->action == NSIM_ACL_ALLOW)
				nsim_ports_union(&allowed, &undecided, &allowed);
			undecided.n = 0;
		} else {
			struct nsim_ports rr = nsim_ports_range(best->port_from, best->port_to), m;
			nsim_ports_intersect(&undecided, &rr, &m);
			if (!m.n)
				continue;
			if (best->action == NSIM_ACL_ALLOW)
				nsim_ports_union(&allowed, &m, &allowed);
			nsim_ports_subtract(&undecided, &rr, &undecided);
		}
		if (best->action == NSIM_ACL_ALLOW && !*ret_allow)
			*ret_allow = best->number;
		else if (best->action != NSIM_ACL_ALLOW && !denied) {
			*ret_deny = best->number;
			denied = true;
		}
	}
	/* what no rule matched, the `*` rule denies (*ret_deny stays 0) */
	*ret = allowed;
}

/* "tcp/32768-60999", "icmp": a protocol and a set of ports, for hops. */
static const char *proto_ports(enum nsim_proto proto, const struct nsim_ports *p, char *buf, size_t size)
{
	if (proto == NSIM_PROTO_ICMP) {
		snprintf(buf, size, "icmp");
		return buf;
	}
	char ports[120];
	mark_truncated(buf, size, snprintf(buf, size, "%s/%s", nsim_proto_name(proto), nsim_ports_fmt(p, ports, sizeof(ports))));
	return buf;
}

/* The reply, back through every boundary the request crossed, for every
 * source port still passing on each leg: a boundary that returns none of
 * them blocks (ACL_RETURN_DENY); one that returns some narrows the leg's
 * set (the flow is then intermittent, analyzer_flow() decides). */
static void acl_return(struct walk *w, enum nsim_proto proto)
{
	for (size_t i = w->n_cross; i-- > 0 && !w->done;) {
		const struct crossing *c = &w->cross[i];
		const struct nsim_vpc *v = &w->t->vpcs[c->vpc];
		const struct nsim_subnet *s = &v->subnets[c->subnet];
		struct wleg *leg = &w->legs[c->leg];
		bool ingress = !c->ingress; /* the reply goes the other way */
		/* entering, the reply comes from the request's destination; leaving, it goes to its source */
		uint32_t peer = ingress ? c->dst : c->src;
		uint32_t allow, deny;
		const char *acl;
		struct nsim_ports ok;
		/* the reply's destination port is the request's source port: every one the leg may pick */
		acl_ports(v, s, ingress, peer, proto, &leg->pass, &ok, &allow, &deny, &acl);
		if (!acl)
			continue;
		bool all = nsim_ports_equal(&ok, &leg->pass);
		char a[NSIM_ADDR_STRLEN], rn[16], dn[16], pp[160], pd[160];
		snprintf(rn, sizeof(rn), "%u", allow);
		snprintf(dn, sizeof(dn), deny ? "%u" : "*", deny);
		nsim_addr_fmt(peer, a);
		if (!w->quiet) {
			struct nsim_ports rest;
			nsim_ports_subtract(&leg->pass, &ok, &rest);
			proto_ports(proto, &ok, pp, sizeof(pp));
			proto_ports(proto, &rest, pd, sizeof(pd));
			if (all)
				hop(w, acl, "network ACL", true, "reply: subnet %s %s: rule %s allows %s %s %s", s->name.name,
				    ingress ? "inbound" : "outbound", rn, pp, ingress ? "from" : "to", a);
			else if (!ok.n)
				hop(w, acl, "network ACL", true, "reply: subnet %s %s: rule %s denies %s %s %s", s->name.name,
				    ingress ? "inbound" : "outbound", dn, pd, ingress ? "from" : "to", a);
			else
				hop(w, acl, "network ACL", true,
				    "reply: subnet %s %s: rule %s allows %s, rule %s denies %s %s %s", s->name.name,
				    ingress ? "inbound" : "outbound", rn, pp, dn, pd, ingress ? "from" : "to", a);
		}
		if (all)
			continue;
		/* Stateless: the reply needs a rule for the client's ephemeral port. AWS:
		 * "Ephemeral ports", https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
		if (!ok.n) {
			/* the reply: from the request's destination to its source */
			struct nsim_decision d = decide(w, NSIM_COMP_NETWORK_ACL, c->vpc, s->acl_idx, acl, c->vpc, c->subnet,
							c->dst, c->src);
			d.rule = deny;
			d.reply = true;
			d.ingress = ingress;
			d.proto = proto;
			d.sport = w->f->dport;
			d.dport = leg->pass.n ? leg->pass.r[0].from : c->sport;
			if (!w->quiet)
				proto_ports(proto, &leg->pass, pp, sizeof(pp));
			block(w, NSIM_REASON_ACL_RETURN_DENY, NSIM_PREDICT_BLOCKED, acl, &d,
			      "the reply is blocked by network ACL %s of subnet %s: %s rule %s denies %s %s %s; ACLs are "
			      "stateless, so the %s rules must allow the reply to the client's ephemeral port "
			      "(Linux: " LINUX_EPHEMERAL ", NAT gateways: 1024-65535)",
			      acl, s->name.name, ingress ? "ingress" : "egress", dn, pp, ingress ? "from" : "to", a,
			      ingress ? "inbound" : "outbound");
			return;
		}
		if (!w->partial.set) {
			w->partial.set = true;
			w->partial.c = *c;
			w->partial.acl = acl;
			w->partial.allow_rule = allow;
			w->partial.deny_rule = deny;
			struct nsim_ports range = nsim_ports_range(leg->range.from, leg->range.to);
			acl_ports(v, s, ingress, peer, proto, &range, &w->partial.returns, &allow, &deny, &acl);
		}
		leg->pass = ok;
	}
}

/* ---- the walk ---- */

static bool listening(const struct nsim_service *l, size_t n, const struct nsim_flow *f)
{
	if (f->proto == NSIM_PROTO_ICMP)
		return true; /* netsim rule: every host answers ping */
	for (size_t i = 0; i < n; i++)
		if (l[i].proto == f->proto && f->dport >= l[i].from && f->dport <= l[i].to)
			return true;
	return false;
}

static const struct nsim_route *lookup(const struct nsim_vpc *v, const struct nsim_subnet *s, uint32_t dst,
				       bool *ret_local, const char **ret_table);

static void deliver_eni(struct walk *w, size_t vi, size_t idx, bool nat, uint32_t src);
static void from_subnet(struct walk *w, size_t vi, size_t si, uint32_t src, uint32_t src_public, int depth);
static void internet(struct walk *w, uint32_t src);

/* AWS: "Route priority", https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html;
 * "Subnet route tables", https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html
 * Longest-prefix match in subnet si's route table, with the implicit local
 * route for the VPC CIDR. Returns the route, or NULL for local (*ret_local)
 * or no match. */
static const struct nsim_route *lookup(const struct nsim_vpc *v, const struct nsim_subnet *s, uint32_t dst,
				       bool *ret_local, const char **ret_table)
{
	size_t rt = s->rt_idx != NSIM_NONE ? s->rt_idx : v->main_rt_idx;
	const struct nsim_route *best = NULL;
	int best_len = -1;
	*ret_table = rt == NSIM_NONE ? "(local only)" : v->route_tables[rt].name.name;
	/* AWS: a route table applies to traffic leaving the subnet; within it,
	 * packets go at layer 2, whatever (middlebox) route covers the subnet:
	 * "Example routing options", https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html */
	if (nsim_cidr_contains_addr(s->cidr, dst)) {
		*ret_local = true;
		return NULL;
	}
	if (nsim_cidr_contains_addr(v->cidr, dst))
		best_len = v->cidr.len;
	for (size_t i = 0; rt != NSIM_NONE && i < v->route_tables[rt].n_routes; i++) {
		const struct nsim_route *r = &v->route_tables[rt].routes[i];
		/* A prefix-list route competes by the longest of its CIDRs that
		 * matches; at the same length a static route wins over it.
		 * AWS: "Route priority" (route priority for prefix lists),
		 * https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html */
		int len = r->dest_pl ? nsim_analyze_pl_match(r->dest_pl, dst)
				     : nsim_cidr_contains_addr(r->dest, dst) ? (int)r->dest.len : -1;
		if (len > best_len || (len == best_len && best && best->dest_pl && !r->dest_pl)) {
			best = r;
			best_len = len;
		}
	}
	*ret_local = !best && best_len >= 0;
	return best;
}

static size_t subnet_of(const struct nsim_vpc *v, size_t idx, bool nat)
{
	return nat ? v->nat_gateways[idx].subnet_idx : v->hosts[idx].subnet_idx;
}

static const char *eni_name(const struct nsim_vpc *v, size_t idx, bool nat)
{
	return nat ? v->nat_gateways[idx].name.name : v->hosts[idx].name.name;
}

/* Arriving at VPC vi's router from outside (IGW or peering) for a private address. */
static void arrive(struct walk *w, size_t vi, uint32_t src, uint32_t dst, uint16_t sport, const char *via)
{
	const struct nsim_vpc *v = &w->t->vpcs[vi];
	char a[NSIM_ADDR_STRLEN];
	size_t idx;
	bool nat;
	if (w->an->endpoints && nsim_analyze_endpoint_local(w, vi, NSIM_NONE, src, dst, sport, via))
		return;
	/* netsim rule: the local route reaches only the VPC's network interfaces */
	if (!find_eni(w, vi, dst, &idx, &nat)) {
		hop(w, v->name.name, "VPC router", false, "from %s: nothing in VPC %s has %s", via, v->name.name,
		    nsim_addr_fmt(dst, a));
		struct nsim_decision d = decide(w, NSIM_COMP_VPC, vi, NSIM_NONE, v->name.name, vi, NSIM_NONE, src, dst);
		d.sport = sport;
		block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, v->name.name, &d,
		      "no network interface in VPC %s has the address %s", v->name.name, a);
		return;
	}
	hop(w, v->name.name, "VPC router", false, "from %s: local route to %s (%s)", via, eni_name(v, idx, nat),
	    nsim_addr_fmt(dst, a));
	if (!acl_forward(w, vi, subnet_of(v, idx, nat), true, src, dst, sport))
		return;
	deliver_eni(w, vi, idx, nat, src);
}

/* The port a reply goes to at the server: the client's, or past a NAT
 * gateway the one it picked (0: unknown). */
static uint16_t reply_port(const struct walk *w)
{
	return w->n_nats ? w->f->nat_sport : w->f->sport;
}

/* Whether interface address addr of VPC vi has a public or elastic IP. */
static bool self_public(const struct walk *w, size_t vi, uint32_t addr)
{
	size_t idx;
	bool nat;
	if (!find_eni(w, vi, addr, &idx, &nat))
		return false;
	return nat ? w->t->vpcs[vi].nat_gateways[idx].elastic_ip != 0 : w->t->vpcs[vi].hosts[idx].public_ip != 0;
}

/* Whether subnet s's ACL lets a reply to port through (port 0: a NAT
 * gateway's, unknown: whether it lets through some of 1024-65535, the
 * deciding rule then the first that denies). */
static bool reply_allowed(const struct nsim_vpc *v, const struct nsim_subnet *s, bool ingress, uint32_t peer,
			  enum nsim_proto proto, uint16_t port, uint32_t *ret_rule, const char **ret_acl)
{
	if (port || proto == NSIM_PROTO_ICMP)
		return acl_allows(v, s, ingress, peer, proto, port, ret_rule, ret_acl);
	struct nsim_ports all = nsim_ports_range(NSIM_NAT_PORT_FROM, NSIM_NAT_PORT_TO), pass;
	uint32_t allow;
	acl_ports(v, s, ingress, peer, proto, &all, &pass, &allow, ret_rule, ret_acl);
	return pass.n != 0;
}

/* Where the network drops a reply that route r of subnet si of VPC vi sends
 * elsewhere than the request came from (r NULL: nowhere), from self (with
 * a public or elastic IP: self_public) to client. A route is no filter: the
 * packet takes it, and the first component on that way that refuses it
 * drops it: the subnet's outbound ACL, a NAT gateway's subnet's inbound
 * ACL, a NAT gateway with no connection for it (it only translates
 * connections its VPC opens; a UDP reply from its VPC is a new flow to it,
 * which it lets out), a peering to an address outside its peer VPC, in the peer VPC
 * its router when nothing there has the address, else what protects the
 * interface that has it, an internet gateway for an address without a
 * public IP (a gateway endpoint: its outbound ACL only). Elsewhere the
 * route table stays where it is dropped. port: the one the reply goes to
 * (0: a NAT gateway's, unknown). Sets w->a->dropped. AWS: "Route
 * priority",
 * https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html;
 * "NAT gateways", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html;
 * "VPC peering limitations",
 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations */
static void misrouted(struct walk *w, size_t vi, size_t si, const struct nsim_route *r, uint32_t self, bool self_public,
		      uint32_t client, uint16_t port)
{
	const struct nsim_topology *t = w->t;
	const struct nsim_vpc *v = &t->vpcs[vi];
	struct nsim_decision *d = &w->a->dropped;
	enum nsim_proto proto = w->f->proto;
	uint32_t rule;
	const char *acl;
	if (w->quiet || !r || r->kind == NSIM_TARGET_BLACKHOLE || r->kind == NSIM_TARGET_UNRESOLVED)
		return;
	size_t nat_subnet = r->kind == NSIM_TARGET_NAT ? v->nat_gateways[r->target_idx].subnet_idx : NSIM_NONE;
	for (int k = 0; k < 2; k++) {
		/* leaving its subnet, then entering the NAT gateway's */
		size_t at = k == 0 ? si : nat_subnet;
		if (nat_subnet == si || at == NSIM_NONE ||
		    reply_allowed(v, &v->subnets[at], k == 1, k == 1 ? self : client, proto, port, &rule, &acl))
			continue;
		*d = decide(w, NSIM_COMP_NETWORK_ACL, vi, v->subnets[at].acl_idx, acl, vi, at, self, client);
		d->rule = rule;
		d->ingress = k == 1;
		goto reply;
	}
	switch (r->kind) {
	case NSIM_TARGET_NAT:
		if (proto == NSIM_PROTO_UDP && nsim_cidr_contains_addr(v->cidr, self))
			return;
		*d = decide(w, NSIM_COMP_NAT, vi, r->target_idx, v->nat_gateways[r->target_idx].name.name, vi, nat_subnet,
			    self, client);
		goto reply;
	case NSIM_TARGET_PEERING: {
		const struct nsim_peering *pc = &t->peerings[r->target_idx];
		size_t other = pc->vpc_idx[0] == vi ? pc->vpc_idx[1] : pc->vpc_idx[0];
		const struct nsim_vpc *ov = &t->vpcs[other];
		size_t idx = NSIM_NONE;
		bool nat = false;
		if (!nsim_cidr_contains_addr(ov->cidr, client) || !nsim_cidr_contains_addr(v->cidr, self)) {
			*d = decide(w, NSIM_COMP_PEERING, r->target_idx, NSIM_NONE, pc->name.name, vi, si, self, client);
			goto reply;
		}
		/* into the peer VPC, whose CIDR overlaps the client's VPC's: to
		 * nothing there, or to another interface (its subnet's ACL inbound,
		 * then a NAT gateway drops it, a host's groups may, an interface
		 * endpoint's groups or the endpoint do) */
		const struct entry *e = find(w->an, other, client);
		if (!e) {
			*d = decide(w, NSIM_COMP_VPC, other, NSIM_NONE, ov->name.name, other, NSIM_NONE, self, client);
			goto reply;
		}
		size_t at = e->kind == E_VPCE ? ov->endpoints[e->idx].subnet_idx[e->slot]
			    : find_eni(w, other, client, &idx, &nat) ? subnet_of(ov, idx, nat)
								       : NSIM_NONE;
		if (at != NSIM_NONE && !reply_allowed(ov, &ov->subnets[at], true, self, proto, port, &rule, &acl)) {
			*d = decide(w, NSIM_COMP_NETWORK_ACL, other, ov->subnets[at].acl_idx, acl, other, at, self, client);
			d->rule = rule;
			d->ingress = true;
			goto reply;
		}
		if (e->kind == E_VPCE) {
			*d = decide(w, NSIM_COMP_ENDPOINT, other, e->idx, ov->endpoints[e->idx].name.name, other, at, self,
				    client);
			goto reply;
		}
		if (at == NSIM_NONE)
			return;
		if (nat) {
			*d = decide(w, NSIM_COMP_NAT, other, idx, ov->nat_gateways[idx].name.name, other, at, self, client);
			goto reply;
		}
		const struct nsim_host *h = &ov->hosts[idx];
		struct nsim_flow back = {.proto = proto, .dport = port};
		char why[8];
		if (sg_allows(w, other, h, true, self, &back, why, sizeof(why)))
			return;
		*d = decide(w, NSIM_COMP_SECURITY_GROUP, other, h->n_security_groups ? h->sg_idx[0] : NSIM_NONE,
			    h->n_security_groups ? ov->security_groups[h->sg_idx[0]].name.name : "default", other, at, self,
			    client);
		d->host = idx;
		d->ingress = true;
		goto reply;
	}
	case NSIM_TARGET_IGW:
		if (!v->internet_gateway.name || self_public)
			return;
		*d = decide(w, NSIM_COMP_IGW, vi, NSIM_NONE, v->internet_gateway.name, vi, si, self, client);
		goto reply;
	default:
		return;
	}
reply:
	d->reply = true;
	d->sport = w->f->dport;
	d->dport = port;
}

/* The reply is routed by the destination subnet's table and must find the
 * way back: to the peering or internet gateway the flow came in through, or,
 * for a flow from inside the VPC, by the local route (or to the NAT gateway
 * that sent it). AWS: return traffic must take the way the request took,
 * asymmetric routing through a middlebox is not supported; within one subnet
 * no route table applies (layer 2). AWS: "Gateway route tables",
 * https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html */
static bool route_back(struct walk *w, size_t vi, size_t si, uint32_t self, uint32_t src)
{
	const struct nsim_vpc *v = &w->t->vpcs[vi];
	const struct nsim_subnet *s = &v->subnets[si];
	bool local;
	const char *table;
	char a[NSIM_ADDR_STRLEN];
	const struct nsim_route *r = lookup(v, s, src, &local, &table);
	/* the reply, from the destination back to the source */
	struct nsim_decision d = decide(w, NSIM_COMP_ROUTE_TABLE, vi, nsim_analyze_table_of(v, s), table, vi, si, self, src);
	d.reply = true;
	d.sport = w->f->dport;
	d.dport = w->f->sport;
	if (w->back_kind == NSIM_TARGET_UNRESOLVED) {
		if (local || (r && r->kind == NSIM_TARGET_NAT && v->nat_gateways[r->target_idx].address == src))
			return true;
		/* AWS: "Gateway route tables" (no asymmetric routing through a middlebox),
		 * https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html */
		hop(w, table, "route table", true, "reply: subnet %s: %s routes elsewhere", s->name.name,
		    nsim_addr_fmt(src, a));
		block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, table, &d,
		      "the reply does not come back the way the request went: route table %s of subnet %s sends %s to "
		      "%s, not by the local route (AWS does not support asymmetric routing through a middlebox)",
		      table, s->name.name, a, r ? r->target.name : "nothing");
		misrouted(w, vi, si, r, self, self_public(w, vi, self), src, reply_port(w));
		return false;
	}
	/* Both sides of a peering (and the public subnet of a public host) need a route back.
	 * AWS: "Update your route tables for a VPC peering connection",
	 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
	 * AWS: "Enable internet access for a VPC using an internet gateway",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html */
	bool ok = r && r->kind == w->back_kind && (r->kind != NSIM_TARGET_PEERING || r->target_idx == w->back_idx);
	hop(w, table, "route table", true, "reply: subnet %s: %s %s", s->name.name, nsim_addr_fmt(src, a),
	    r ? (ok ? "routes back the way it came" : "routes elsewhere") : "has no route");
	if (!ok)
		block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, table, &d,
		      "the reply has no way back: route table %s of subnet %s %s %s, not to %s", table, s->name.name,
		      r ? "sends" : "has no route for", a, w->back_name);
	if (!ok)
		misrouted(w, vi, si, r, self, self_public(w, vi, self), src, reply_port(w));
	return ok;
}

/* A NAT gateway sends the reply it translates back to the client by its
 * own subnet's route table (AWS routes what leaves an ENI by its subnet's
 * table): it must take the local route, not a (middlebox) route elsewhere.
 * AWS: "Subnet route tables", https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html */
static bool nats_back(struct walk *w)
{
	for (size_t i = w->n_nats; i-- > 0;) {
		const struct nsim_vpc *v = &w->t->vpcs[w->nats[i].vpc];
		const struct nsim_nat_gateway *g = &v->nat_gateways[w->nats[i].nat];
		const struct nsim_subnet *s = &v->subnets[g->subnet_idx];
		bool local;
		const char *table;
		char a[NSIM_ADDR_STRLEN];
		const struct nsim_route *r = lookup(v, s, w->nats[i].client, &local, &table);
		if (local)
			continue;
		hop(w, table, "route table", true, "reply from NAT gateway %s: subnet %s: %s routes elsewhere",
		    g->name.name, s->name.name, nsim_addr_fmt(w->nats[i].client, a));
		struct nsim_decision d = decide(w, NSIM_COMP_ROUTE_TABLE, w->nats[i].vpc, nsim_analyze_table_of(v, s), table,
						w->nats[i].vpc, g->subnet_idx, g->address, w->nats[i].client);
		d.reply = true;
		d.sport = w->f->dport;
		d.dport = w->f->sport;
		/* AWS: "Subnet route tables", https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html */
		block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, table, &d,
		      "the reply has no way back from NAT gateway %s: route table %s of its subnet %s sends %s to %s, "
		      "not by the local route",
		      g->name.name, table, s->name.name, a, r ? r->target.name : "nothing");
		/* translated back: to the port the client, or the NAT gateway before it, used */
		misrouted(w, w->nats[i].vpc, g->subnet_idx, r, w->f->dst, false, w->nats[i].client,
			  i ? w->f->nat_sport : w->f->sport);
		return false;
	}
	return true;
}

static void deliver_eni(struct walk *w, size_t vi, size_t idx, bool nat, uint32_t src)
{
	const struct nsim_topology *t = w->t;
	const struct nsim_vpc *v = &t->vpcs[vi];
	const struct nsim_flow *f = w->f;
	char a[NSIM_ADDR_STRLEN], pp[32], rule[320];
	if (w->done)
		return;
	/* A NAT gateway accepts no unsolicited inbound connection.
	 * AWS: "NAT gateways",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html */
	if (nat) {
		const char *name = v->nat_gateways[idx].name.name;
		hop(w, name, "NAT gateway", false, "a new connection to the NAT gateway itself");
		struct nsim_decision d = decide(w, NSIM_COMP_NAT, vi, idx, name, vi, v->nat_gateways[idx].subnet_idx, src,
						v->nat_gateways[idx].address);
		block(w, NSIM_REASON_NAT_INBOUND_UNSOLICITED, NSIM_PREDICT_BLOCKED, name, &d,
		      "NAT gateway %s accepts no connection that starts from outside (and does not answer ping): it "
		      "only translates connections its VPC opens",
		      name);
		return;
	}
	const struct nsim_host *h = &v->hosts[idx];
	char names[160] = "", groups[200];
	if (!w->quiet)
		sg_names(t, vi, vi, h, names, sizeof(names));
	bool ok = sg_allows(w, vi, h, true, src, f, rule, sizeof(rule));
	hop(w, names, "security group", false, "%s ingress of %s: %s", ok ? "allowed by" : "no rule in",
	    h->name.name, rule);
	/* Allow rules only; a group rule matches the members' private addresses.
	 * AWS: "Security group rules",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html */
	if (!ok) {
		if (w->quiet) /* blocked_at names the groups in both modes */
			sg_names(t, vi, vi, h, names, sizeof(names));
		groups_of(w, vi, src, groups, sizeof(groups));
		/* several groups: the union decided; named by the first (docs/analyze.md) */
		struct nsim_decision d = decide(w, NSIM_COMP_SECURITY_GROUP, vi, h->n_security_groups ? h->sg_idx[0] : NSIM_NONE,
						h->n_security_groups ? v->security_groups[h->sg_idx[0]].name.name : "default", vi,
						h->subnet_idx, src, h->address);
		d.host = idx;
		d.ingress = true;
		block(w, NSIM_REASON_SG_INGRESS_NO_RULE, NSIM_PREDICT_BLOCKED, names, &d,
		      "blocked by security group %s of %s: no ingress rule allows %s from %s%s; it allows: %s", names,
		      h->name.name, proto_port(f, pp), nsim_addr_fmt(src, a), groups, rule);
		return;
	}
	if (!route_back(w, vi, h->subnet_idx, h->address, src) || !nats_back(w))
		return;
	bool listens = listening(h->listen, h->n_listen, f);
	/* no listener: TCP answers with a RST, UDP with ICMP port unreachable */
	acl_return(w, !listens && f->proto == NSIM_PROTO_UDP ? NSIM_PROTO_ICMP : f->proto);
	if (w->done)
		return;
	/* netsim rule: a port listens when it is in `listen:`, not a network rule */
	if (!listens) {
		hop(w, h->name.name, "host", false, "nothing listens on %s", proto_port(f, pp));
		struct nsim_decision d = decide(w, NSIM_COMP_HOST, vi, idx, h->name.name, vi, h->subnet_idx, src, h->address);
		d.host = idx;
		block(w, NSIM_REASON_NO_LISTENER, NSIM_PREDICT_REFUSED, h->name.name, &d,
		      "the network delivers the packet to %s, but nothing listens on %s there (add it to `listen:`)",
		      h->name.name, proto_port(f, pp));
		return;
	}
	hop(w, h->name.name, "host", false, "%s answers (source seen: %s)",
	    f->proto == NSIM_PROTO_ICMP ? "echo reply" : "the responder", nsim_addr_fmt(src, a));
	/* reachable: where it arrived, for the fix that would close it */
	if (!w->quiet) {
		struct nsim_decision d = decide(w, NSIM_COMP_UNRESOLVED, 0, 0, NULL, vi, h->subnet_idx, src, h->address);
		d.host = idx;
		w->a->decision = d;
	}
}

static void to_internet_host(struct walk *w, size_t ii, uint32_t src)
{
	const struct nsim_inet_host *h = &w->t->inet_hosts[ii];
	const struct nsim_flow *f = w->f;
	char a[NSIM_ADDR_STRLEN], pp[32];
	bool listens = listening(h->listen, h->n_listen, f);
	if (!nats_back(w))
		return;
	acl_return(w, !listens && f->proto == NSIM_PROTO_UDP ? NSIM_PROTO_ICMP : f->proto);
	if (w->done)
		return;
	/* netsim rule: a port listens when it is in `listen:`, not a network rule */
	if (!listens) {
		hop(w, h->name.name, "internet host", false, "nothing listens on %s", proto_port(f, pp));
		struct nsim_decision d = decide(w, NSIM_COMP_INET_HOST, ii, NSIM_NONE, h->name.name, NSIM_NONE, NSIM_NONE, src,
						h->address);
		block(w, NSIM_REASON_NO_LISTENER, NSIM_PREDICT_REFUSED, h->name.name, &d,
		      "the packet reaches %s, but nothing listens on %s there", h->name.name, proto_port(f, pp));
		return;
	}
	hop(w, h->name.name, "internet host", false, "answers (source seen: %s)", nsim_addr_fmt(src, a));
	if (!w->quiet)
		w->a->decision = decide(w, NSIM_COMP_UNRESOLVED, 0, 0, NULL, NSIM_NONE, NSIM_NONE, src, h->address);
}

/* On the internet with public source `src`. */
static void internet(struct walk *w, uint32_t src)
{
	const struct nsim_topology *t = w->t;
	uint32_t dst = w->f->dst;
	char a[NSIM_ADDR_STRLEN];
	const struct entry *e = find(w->an, NSIM_NONE, dst);
	if (e && e->kind == E_INET) {
		hop(w, "internet", "internet", false, "to internet host %s", t->inet_hosts[e->idx].name.name);
		to_internet_host(w, e->idx, src);
		return;
	}
	/* Public and elastic IPs are reached through the VPC's internet gateway.
	 * AWS: "Enable internet access for a VPC using an internet gateway",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html */
	if (e && (e->kind == E_PUBLIC || e->kind == E_EIP) && !t->vpcs[e->vpc_of].internet_gateway.name) {
		const struct nsim_vpc *v = &t->vpcs[e->vpc_of];
		hop(w, "internet", "internet", false, "%s belongs to VPC %s, which has no internet gateway",
		    nsim_addr_fmt(dst, a), v->name.name);
		struct nsim_decision d = decide(w, NSIM_COMP_IGW, e->vpc_of, NSIM_NONE, v->name.name, NSIM_NONE, NSIM_NONE,
						src, dst);
		block(w, NSIM_REASON_IGW_NOT_ATTACHED, NSIM_PREDICT_BLOCKED, "internet", &d,
		      "VPC %s has no internet gateway attached: its public and elastic IPs (%s) are not reachable "
		      "from the internet",
		      v->name.name, a);
		return;
	}
	if (e && (e->kind == E_PUBLIC || e->kind == E_EIP)) {
		size_t vi = e->vpc_of;
		const struct nsim_vpc *v = &t->vpcs[vi];
		bool nat = e->kind == E_EIP;
		uint32_t priv = nat ? v->nat_gateways[e->idx].address : v->hosts[e->idx].address;
		const char *who = nat ? v->nat_gateways[e->idx].name.name : v->hosts[e->idx].name.name;
		char b[NSIM_ADDR_STRLEN];
		hop(w, "internet", "internet", false, "to %s, behind internet gateway %s", nsim_addr_fmt(dst, a),
		    v->internet_gateway.name);
		hop(w, v->internet_gateway.name, "internet gateway", false, "1:1 NAT: %s becomes %s (%s)", a,
		    nsim_addr_fmt(priv, b), who);
		/* the NAT gateway's subnet's inbound ACL comes first: AWS
		 * filters at the subnet boundary, before the NAT gateway's
		 * interface. AWS: "Control subnet traffic with network access
		 * control lists", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
		if (nat) {
			arrive(w, vi, src, priv, w->f->sport, v->internet_gateway.name);
			return;
		}
		w->back_kind = NSIM_TARGET_IGW;
		w->back_name = v->internet_gateway.name;
		arrive(w, vi, src, priv, w->f->sport, v->internet_gateway.name);
		return;
	}
	/* netsim rule: netsim's internet has its hosts and the public addresses, no private ones */
	hop(w, "internet", "internet", false, "no route to %s", nsim_addr_fmt(dst, a));
	struct nsim_decision d = decide(w, NSIM_COMP_INTERNET, NSIM_NONE, NSIM_NONE, "internet", NSIM_NONE, NSIM_NONE, src,
					dst);
	block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, "internet", &d,
	      "nothing on the internet has %s: it is no internet host's address, public IP or elastic IP%s", a,
	      nsim_addr_is_private(dst) ? " (a private address is not routed on the internet)" : "");
}

/* A packet leaving an interface in subnet si of VPC vi, with source src
 * (src_public: the public or elastic IP the IGW maps it to, or 0). */
static void from_subnet(struct walk *w, size_t vi, size_t si, uint32_t src, uint32_t src_public, int depth)
{
	const struct nsim_topology *t = w->t;
	const struct nsim_vpc *v = &t->vpcs[vi];
	const struct nsim_subnet *s = &v->subnets[si];
	uint32_t dst = w->f->dst;
	uint16_t sport = w->f->sport;
	char a[NSIM_ADDR_STRLEN], c[NSIM_CIDR_STRLEN], c2[64];
	if (w->done)
		return;
	/* netsim rule: at most MAX_DEPTH gateway steps: more is a loop */
	if (depth > MAX_DEPTH) {
		struct nsim_decision d = decide(w, NSIM_COMP_VPC, vi, NSIM_NONE, v->name.name, vi, si, src, dst);
		block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, v->name.name, &d, "routing loop: the flow never leaves");
		return;
	}
	size_t rt = nsim_analyze_table_of(v, s);
	bool local;
	const char *table;
	const struct nsim_route *r = lookup(v, s, dst, &local, &table);
	if (local) {
		size_t idx;
		bool nat;
		hop(w, table, "route table", false, "subnet %s: %s matches local (%s)", s->name.name,
		    nsim_addr_fmt(dst, a), nsim_cidr_fmt(v->cidr, c));
		if (w->an->endpoints && nsim_analyze_endpoint_local(w, vi, si, src, dst, sport, NULL))
			return;
		/* netsim rule: the local route reaches only the VPC's network interfaces */
		if (!find_eni(w, vi, dst, &idx, &nat)) {
			hop(w, v->name.name, "VPC router", false, "nothing in VPC %s has %s", v->name.name, a);
			struct nsim_decision d = decide(w, NSIM_COMP_VPC, vi, NSIM_NONE, v->name.name, vi, si, src, dst);
			block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, v->name.name, &d,
			      "no network interface in VPC %s has the address %s", v->name.name, a);
			return;
		}
		size_t dsub = subnet_of(v, idx, nat);
		if (dsub != si && (!acl_forward(w, vi, si, false, src, dst, sport) ||
				   !acl_forward(w, vi, dsub, true, src, dst, sport)))
			return;
		deliver_eni(w, vi, idx, nat, src);
		return;
	}
	/* The most specific matching route decides; a packet no route matches is dropped.
	 * AWS: "Route priority",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html */
	if (!r) {
		hop(w, table, "route table", false, "subnet %s: no route matches %s", s->name.name, nsim_addr_fmt(dst, a));
		struct nsim_decision d = decide(w, NSIM_COMP_ROUTE_TABLE, vi, rt, table, vi, si, src, dst);
		block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, table, &d,
		      "route table %s (subnet %s) has no route for %s", table, s->name.name, a);
		return;
	}
	char route[96];
	nsim_analyze_route_dest(r, dst, c2, sizeof(c2));
	snprintf(route, sizeof(route), "%s -> %s", c2, r->target.name);
	hop(w, table, "route table", false, "subnet %s: %s matches %s", s->name.name, nsim_addr_fmt(dst, a), route);
	/* A route whose target is gone is a blackhole and drops what it matches.
	 * AWS: "Route (Amazon EC2 API Reference)",
	 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html */
	if (r->kind == NSIM_TARGET_BLACKHOLE) {
		struct nsim_decision d = decide(w, NSIM_COMP_ROUTE_TABLE, vi, rt, table, vi, si, src, dst);
		block(w, NSIM_REASON_BLACKHOLE_ROUTE, NSIM_PREDICT_BLOCKED, table, &d,
		      "route table %s sends %s to a blackhole (route %s): the packet is dropped", table, a, route);
		return;
	}
	/* leaving the subnet for a gateway */
	if (r->kind == NSIM_TARGET_NAT && v->nat_gateways[r->target_idx].subnet_idx == si) {
		/* a NAT gateway in the same subnet: no boundary */
	} else if (!acl_forward(w, vi, si, false, src, dst, sport))
		return;

	switch (r->kind) {
	/* An instance uses the internet gateway with a public IPv4 or elastic IP only.
	 * AWS: "Enable internet access for a VPC using an internet gateway",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html */
	case NSIM_TARGET_IGW:
		if (!v->internet_gateway.name) {
			struct nsim_decision d = decide(w, NSIM_COMP_IGW, vi, NSIM_NONE, r->target.name, vi, si, src, dst);
			block(w, NSIM_REASON_IGW_NOT_ATTACHED, NSIM_PREDICT_BLOCKED, r->target.name, &d,
			      "route %s targets an internet gateway that is not attached to VPC %s", route, v->name.name);
			return;
		}
		if (!src_public) {
			hop(w, v->internet_gateway.name, "internet gateway", false, "%s has no public IP", nsim_addr_fmt(src, a));
			struct nsim_decision d = decide(w, NSIM_COMP_IGW, vi, NSIM_NONE, v->internet_gateway.name, vi, si, src, dst);
			block(w, NSIM_REASON_NO_PUBLIC_IP, NSIM_PREDICT_BLOCKED, v->internet_gateway.name, &d,
			      "internet gateway %s drops it: %s has no public or elastic IP (a route to the internet "
			      "gateway is not enough)",
			      v->internet_gateway.name, a);
			return;
		}
		{
			char b[NSIM_ADDR_STRLEN];
			hop(w, v->internet_gateway.name, "internet gateway", false, "1:1 NAT: %s becomes %s", nsim_addr_fmt(src, a),
			    nsim_addr_fmt(src_public, b));
		}
		internet(w, src_public);
		return;
	case NSIM_TARGET_NAT: {
		const struct nsim_nat_gateway *g = &v->nat_gateways[r->target_idx];
		if (g->subnet_idx != si && !acl_forward(w, vi, g->subnet_idx, true, src, dst, sport))
			return;
		char b[NSIM_ADDR_STRLEN];
		hop(w, g->name.name, "NAT gateway", false, "source %s becomes %s", nsim_addr_fmt(src, a),
		    nsim_addr_fmt(g->address, b));
		if (w->n_nats < ELEMENTSOF(w->nats))
			w->nats[w->n_nats++] = (struct nat_leg){vi, r->target_idx, src};
		/* A NAT gateway picks the source port of each connection from
		 * 1024-65535. AWS: "Ephemeral ports",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
		if (w->n_legs < ELEMENTSOF(w->legs)) {
			struct nsim_port_range pr = w->f->nat_sport ? (struct nsim_port_range){w->f->nat_sport, w->f->nat_sport}
								    : (struct nsim_port_range){NSIM_NAT_PORT_FROM, NSIM_NAT_PORT_TO};
			w->legs[w->n_legs] = (struct wleg){pr, nsim_ports_range(pr.from, pr.to), vi, r->target_idx};
			w->leg = (uint8_t)w->n_legs++;
		}
		/* the NAT's own traffic follows its subnet's table: back to itself is a loop */
		bool nat_local;
		const char *nat_table;
		const struct nsim_route *nr = lookup(v, &v->subnets[g->subnet_idx], dst, &nat_local, &nat_table);
		/* A public NAT gateway's subnet routes to the internet gateway.
		 * AWS: "NAT gateways",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html */
		if (nr && nr->kind == NSIM_TARGET_NAT && nr->target_idx == r->target_idx) {
			/* the address that matches is the destination's: a was the client's, above */
			nsim_analyze_route_dest(nr, dst, c2, sizeof(c2));
			hop(w, nat_table, "route table", false, "subnet %s: %s matches %s -> %s, the NAT gateway itself",
			    v->subnets[g->subnet_idx].name.name, nsim_addr_fmt(dst, a), c2, g->name.name);
			struct nsim_decision d = decide(w, NSIM_COMP_ROUTE_TABLE, vi, nsim_analyze_table_of(v, &v->subnets[g->subnet_idx]),
							nat_table, vi, g->subnet_idx, g->address, dst);
			block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, nat_table, &d,
			      "route table %s of subnet %s (NAT gateway %s's own subnet) sends %s back to %s: a loop; the "
			      "NAT gateway's subnet must route to an internet gateway",
			      nat_table, v->subnets[g->subnet_idx].name.name, g->name.name, a, g->name.name);
			return;
		}
		from_subnet(w, vi, g->subnet_idx, g->address, g->elastic_ip, depth + 1);
		return;
	}
	case NSIM_TARGET_PEERING: {
		const struct nsim_peering *pc = &t->peerings[r->target_idx];
		size_t other = pc->vpc_idx[0] == vi ? pc->vpc_idx[1] : pc->vpc_idx[0];
		const struct nsim_vpc *ov = &t->vpcs[other];
		/* No transitive peering, no edge-to-edge routing through a peer's gateways.
		 * AWS: "VPC peering limitations",
		 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations */
		if (!nsim_cidr_contains_addr(ov->cidr, dst) || !nsim_cidr_contains_addr(v->cidr, src)) {
			hop(w, pc->name.name, "peering", false, "%s is not in VPC %s (%s)", nsim_addr_fmt(dst, a),
			    ov->name.name, nsim_cidr_fmt(ov->cidr, c));
			struct nsim_decision d = decide(w, NSIM_COMP_PEERING, r->target_idx, NSIM_NONE, pc->name.name, vi, si, src,
							dst);
			block(w, NSIM_REASON_PEERING_NOT_TRANSITIVE, NSIM_PREDICT_BLOCKED, pc->name.name, &d,
			      "peering %s carries only traffic between VPC %s and VPC %s: peering is not transitive and "
			      "allows no edge-to-edge routing",
			      pc->name.name, v->name.name, ov->name.name);
			return;
		}
		hop(w, pc->name.name, "peering", false, "to VPC %s", ov->name.name);
		w->back_kind = NSIM_TARGET_PEERING;
		w->back_idx = r->target_idx;
		w->back_name = pc->name.name;
		arrive(w, other, src, dst, sport, pc->name.name);
		return;
	}
	case NSIM_TARGET_GATEWAY_ENDPOINT:
		nsim_analyze_gateway_endpoint(w, vi, si, r, src);
		return;
	default: {
		/* netsim rule: the validator refuses such a target, this is a backstop */
		struct nsim_decision d = decide(w, NSIM_COMP_ROUTE_TABLE, vi, rt, table, vi, si, src, dst);
		block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, table, &d, "route %s has an unusable target", route);
	}
	}
}

/* The source ports `from` picks. AWS: "Ephemeral ports",
 * https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
static struct nsim_port_range source_ports(const struct nsim_topology *t, const struct nsim_endpoint *from)
{
	struct nsim_port_range r = {0, 0};
	if (from->kind == NSIM_EP_HOST)
		r = t->vpcs[from->vpc].hosts[from->idx].ephemeral;
	else if (from->kind == NSIM_EP_INET_HOST)
		r = t->inet_hosts[from->idx].ephemeral;
	if (r.from || r.to)
		return r;
	/* not validated (validate/ fills the defaults): Linux's, or any for an internet host */
	return from->kind == NSIM_EP_HOST ? (struct nsim_port_range){32768, 60999} : (struct nsim_port_range){1024, 65535};
}

/* After the walk: the legs' port sets into the analysis, the share of
 * source-port choices that get through, and a flow that gets through for
 * some of them only is intermittent (ACL_RETURN_PARTIAL). */
static void port_legs(struct walk *w)
{
	struct nsim_analysis *a = w->a;
	const struct nsim_topology *t = w->t;
	bool ports = w->f->proto != NSIM_PROTO_ICMP;
	double frac = 1;
	for (size_t i = 0; i < w->n_legs; i++) {
		const struct wleg *l = &w->legs[i];
		uint32_t all = (uint32_t)l->range.to - l->range.from + 1;
		frac *= (double)nsim_ports_count(&l->pass) / all;
		if (!ports || i >= ELEMENTSOF(a->legs))
			continue;
		struct nsim_port_leg *o = &a->legs[a->n_legs++];
		o->nat = l->nat != NSIM_NONE;
		o->range = l->range;
		o->pass = l->pass;
		if (!w->quiet)
			copy(o->who, sizeof(o->who),
			     o->nat ? t->vpcs[l->vpc].nat_gateways[l->nat].name.name : w->f->from.ref.name ? w->f->from.ref.name : "");
	}
	if (a->prediction == NSIM_PREDICT_BLOCKED) {
		a->fraction = 0;
		return;
	}
	a->fraction = frac;
	if (a->prediction != NSIM_PREDICT_REACHABLE || !w->partial.set)
		return;
	/* Stateless ACLs: the reply goes to the port the client (or its NAT
	 * gateway) picked, at random; a rule for part of that range lets some
	 * connections through. AWS: "Ephemeral ports",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
	const struct crossing *c = &w->partial.c;
	const struct nsim_vpc *v = &t->vpcs[c->vpc];
	const struct nsim_subnet *s = &v->subnets[c->subnet];
	const struct wleg *l = &w->legs[c->leg];
	bool ingress = !c->ingress;
	struct nsim_ports range = nsim_ports_range(l->range.from, l->range.to), rest;
	nsim_ports_subtract(&range, &w->partial.returns, &rest);
	a->prediction = NSIM_PREDICT_INTERMITTENT;
	a->reason = NSIM_REASON_ACL_RETURN_PARTIAL;
	a->partial_leg = c->leg;
	copy(a->blocked_at, sizeof(a->blocked_at), w->partial.acl);
	if (w->quiet)
		return;
	struct nsim_decision d = decide(w, NSIM_COMP_NETWORK_ACL, c->vpc, s->acl_idx, w->partial.acl, c->vpc, c->subnet,
					c->dst, c->src);
	d.rule = w->partial.deny_rule;
	d.reply = true;
	d.ingress = ingress;
	d.sport = w->f->dport;
	d.dport = rest.n ? rest.r[0].from : l->range.from;
	a->decision = d;
	char ret_p[120], rest_p[120], rn[16], who[80];
	snprintf(rn, sizeof(rn), w->partial.deny_rule ? "%u" : "*", w->partial.deny_rule);
	if (l->nat != NSIM_NONE)
		snprintf(who, sizeof(who), "NAT gateway %s", t->vpcs[l->vpc].nat_gateways[l->nat].name.name);
	else
		snprintf(who, sizeof(who), "%s", w->f->from.ref.name ? w->f->from.ref.name : "the client");
	nsim_analyze_textf(a->explanation, sizeof(a->explanation),
			   "intermittent: network ACL %s of subnet %s returns %s/%s of the ports %s picks its source "
			   "port from (%u-%u): %s rule %s denies the reply to %s; %.1f%% of connections get through. ACLs "
			   "are stateless: the %s rules must allow the reply to the whole ephemeral range",
			   w->partial.acl, s->name.name, nsim_proto_name(w->f->proto),
			   nsim_ports_fmt(&w->partial.returns, ret_p, sizeof(ret_p)), who, l->range.from, l->range.to,
			   ingress ? "ingress" : "egress", rn, nsim_ports_fmt(&rest, rest_p, sizeof(rest_p)), frac * 100,
			   ingress ? "inbound" : "outbound");
}

/* endpoint_reasons: false for the flow endpoints.c asks about (no recursion) */
static int flow_walk(const struct nsim_analyzer *an, const struct nsim_flow *f, bool explain, bool endpoint_reasons,
		     struct nsim_analysis *ret)
{
	const struct nsim_topology *t = an->t;
	struct nsim_flow flow = *f;
	struct nsim_port_range client = source_ports(t, &f->from);
	if (f->sport)
		client = (struct nsim_port_range){f->sport, f->sport};
	flow.sport = client.from; /* the port decisions and texts name: the first the client may pick */
	struct nsim_analysis *a = ret;
	*a = (struct nsim_analysis){.prediction = NSIM_PREDICT_REACHABLE};
	struct walk w = {.an = an, .quiet = !explain, .t = t, .f = &flow, .a = a};
	w.legs[0] = (struct wleg){client, nsim_ports_range(client.from, client.to), NSIM_NONE, NSIM_NONE};
	w.n_legs = 1;
	char rule[320], pp[32], b[NSIM_ADDR_STRLEN];

	if (f->name) {
		char why[sizeof(a->explanation)];
		const char *resolver = f->from.kind == NSIM_EP_HOST ? t->vpcs[f->from.vpc].name.name : "public DNS";
		int r = nsim_analyze_name(t, &f->from, f->name, &flow.dst, why, sizeof(why));
		if (r == -EINVAL)
			return r;
		hop(&w, resolver, "DNS resolver", false, "%s", why);
		/* AWS: "DNS attributes for your VPC" (the Amazon-provided DNS
		 * server answers the VPC's names; without DNS support, none),
		 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html */
		if (r < 0) {
			bool host = f->from.kind == NSIM_EP_HOST;
			struct nsim_decision d = decide(&w, host ? NSIM_COMP_VPC : NSIM_COMP_INTERNET, host ? f->from.vpc : NSIM_NONE,
							NSIM_NONE, resolver, host ? f->from.vpc : NSIM_NONE, NSIM_NONE, 0, 0);
			if (host)
				d.subnet = t->vpcs[f->from.vpc].hosts[f->from.idx].subnet_idx;
			block(&w, NSIM_REASON_NAME_NOT_FOUND, NSIM_PREDICT_BLOCKED, resolver, &d, "%s", why);
			goto fix;
		}
	}

	if (f->from.kind == NSIM_EP_HOST) {
		size_t vi = f->from.vpc;
		const struct nsim_vpc *v = &t->vpcs[vi];
		const struct nsim_host *h = &v->hosts[f->from.idx];
		char names[160] = "";
		if (!w.quiet)
			sg_names(t, vi, vi, h, names, sizeof(names));
		hop(&w, h->name.name, "host", false, "sends %s to %s from %s", proto_port(&flow, pp),
		    nsim_addr_fmt(flow.dst, b), nsim_addr_fmt(h->address, rule));
		bool ok = sg_allows(&w, vi, h, false, flow.dst, &flow, rule, sizeof(rule));
		hop(&w, names, "security group", false, "%s egress of %s: %s", ok ? "allowed by" : "no rule in",
		    h->name.name, rule);
		/* A new group allows all outbound until rules replace that; rules only allow.
		 * AWS: "Security group rules",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html */
		if (!ok) {
			if (w.quiet) /* blocked_at names the groups in both modes */
				sg_names(t, vi, vi, h, names, sizeof(names));
			struct nsim_decision d = decide(&w, NSIM_COMP_SECURITY_GROUP, vi, h->n_security_groups ? h->sg_idx[0] : NSIM_NONE,
							h->n_security_groups ? v->security_groups[h->sg_idx[0]].name.name : "default",
							vi, h->subnet_idx, h->address, flow.dst);
			d.host = f->from.idx;
			block(&w, NSIM_REASON_SG_EGRESS_NO_RULE, NSIM_PREDICT_BLOCKED, names, &d,
			      "blocked by security group %s of %s: no egress rule allows %s to %s; it allows: %s", names,
			      h->name.name, proto_port(&flow, pp), nsim_addr_fmt(flow.dst, b), rule);
			goto fix;
		}
		from_subnet(&w, vi, h->subnet_idx, h->address, h->public_ip, 0);
	} else if (f->from.kind == NSIM_EP_INET_HOST) {
		const struct nsim_inet_host *h = &t->inet_hosts[f->from.idx];
		hop(&w, h->name.name, "internet host", false, "sends %s to %s", proto_port(&flow, pp),
		    nsim_addr_fmt(flow.dst, b));
		internet(&w, h->address);
	} else
		return -EINVAL;
fix:
	if (an->endpoints && endpoint_reasons)
		nsim_analyze_endpoint_reasons(&w);
	port_legs(&w);
	if (explain && a->prediction != NSIM_PREDICT_REACHABLE)
		nsim_analyze_fix(t, &flow, a);
	return 0;
}

int nsim_analyzer_flow(const struct nsim_analyzer *an, const struct nsim_flow *f, bool explain,
		       struct nsim_analysis *ret)
{
	return flow_walk(an, f, explain, true, ret);
}

int nsim_analyze_verdict(const struct nsim_analyzer *an, const struct nsim_flow *f, struct nsim_analysis *ret)
{
	return flow_walk(an, f, false, false, ret);
}

/* Appends an address (0: none) to the index, growing it. 0 or -ENOMEM. */
static int add_entry(struct nsim_analyzer *an, size_t *cap, uint32_t addr, size_t vpc, enum entry_kind kind,
		     size_t idx, size_t vpc_of)
{
	if (!addr)
		return 0;
	if (an->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct entry *e = reallocarray(an->e, ncap, sizeof(*e));
		if (!e)
			return -ENOMEM;
		an->e = e;
		*cap = ncap;
	}
	an->e[an->n++] = (struct entry){.addr = addr, .vpc = vpc, .kind = kind, .idx = idx, .vpc_of = vpc_of};
	return 0;
}

int nsim_analyzer_new(const struct nsim_topology *t, struct nsim_analyzer **ret)
{
	_cleanup_(nsim_analyzer_freep) struct nsim_analyzer *an = calloc(1, sizeof(*an));
	size_t cap = 0;
	int r = 0;
	if (!an)
		return -ENOMEM;
	an->t = t;
	for (size_t v = 0; v < t->n_vpcs && r >= 0; v++) {
		const struct nsim_vpc *vpc = &t->vpcs[v];
		for (size_t i = 0; i < vpc->n_hosts && r >= 0; i++)
			if ((r = add_entry(an, &cap, vpc->hosts[i].address, v, E_HOST, i, v)) >= 0)
				r = add_entry(an, &cap, vpc->hosts[i].public_ip, NSIM_NONE, E_PUBLIC, i, v);
		for (size_t i = 0; i < vpc->n_nat_gateways && r >= 0; i++)
			if ((r = add_entry(an, &cap, vpc->nat_gateways[i].address, v, E_NAT, i, v)) >= 0)
				r = add_entry(an, &cap, vpc->nat_gateways[i].elastic_ip, NSIM_NONE, E_EIP, i, v);
		/* interface endpoints' network interfaces (analyze/endpoints.c) */
		for (size_t i = 0; i < vpc->n_endpoints && r >= 0; i++) {
			const struct nsim_vpc_endpoint *ep = &vpc->endpoints[i];
			an->endpoints = true;
			for (size_t k = 0; ep->type == NSIM_VPCE_INTERFACE && ep->addresses && k < ep->n_subnets && r >= 0; k++)
				if (ep->addresses[k] && (r = add_entry(an, &cap, ep->addresses[k], v, E_VPCE, i, v)) >= 0)
					an->e[an->n - 1].slot = (uint32_t)k;
		}
	}
	for (size_t i = 0; i < t->n_inet_hosts && r >= 0; i++)
		r = add_entry(an, &cap, t->inet_hosts[i].address, NSIM_NONE, E_INET, i, NSIM_NONE);
	if (r < 0)
		return r;
	qsort(an->e, an->n, sizeof(*an->e), cmp_entry);
	*ret = TAKE_PTR(an);
	return 0;
}

void nsim_analyzer_free(struct nsim_analyzer *an)
{
	if (!an)
		return;
	free(an->e);
	free(an);
}

int nsim_analyze_flow(const struct nsim_topology *t, const struct nsim_flow *f, struct nsim_analysis *ret)
{
	struct nsim_analyzer *an;
	int r = nsim_analyzer_new(t, &an);
	if (r < 0)
		return r;
	r = nsim_analyzer_flow(an, f, true, ret);
	nsim_analyzer_free(an);
	return r;
}

int nsim_analyze_resolve(const struct nsim_topology *t, const char *text, struct nsim_endpoint *ret)
{
	struct nsim_endpoint ep = {.ref = {.name = (char *)text}};
	for (size_t v = 0; v < t->n_vpcs; v++) {
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++)
			if (streq(t->vpcs[v].hosts[i].name.name, text)) {
				ep.kind = NSIM_EP_HOST, ep.vpc = v, ep.idx = i;
				goto found;
			}
		for (size_t i = 0; i < t->vpcs[v].n_nat_gateways; i++)
			if (streq(t->vpcs[v].nat_gateways[i].name.name, text)) {
				ep.kind = NSIM_EP_NAT, ep.vpc = v, ep.idx = i;
				goto found;
			}
	}
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		if (streq(t->inet_hosts[i].name.name, text)) {
			ep.kind = NSIM_EP_INET_HOST, ep.idx = i;
			goto found;
		}
	if (nsim_addr_parse(text, &ep.addr) == 0)
		ep.kind = NSIM_EP_ADDRESS;
	else if (strchr(text, '.'))
		ep.kind = NSIM_EP_DNS;
	else
		return -ENOENT;
found:
	*ret = ep;
	return 0;
}

const char *nsim_reason_code(enum nsim_reason r)
{
	static const char *const codes[] = {
		[NSIM_REASON_NONE] = "REACHABLE",
		[NSIM_REASON_NO_ROUTE] = "NO_ROUTE",
		[NSIM_REASON_BLACKHOLE_ROUTE] = "BLACKHOLE_ROUTE",
		[NSIM_REASON_NO_PUBLIC_IP] = "NO_PUBLIC_IP",
		[NSIM_REASON_IGW_NOT_ATTACHED] = "IGW_NOT_ATTACHED",
		[NSIM_REASON_NAT_INBOUND_UNSOLICITED] = "NAT_INBOUND_UNSOLICITED",
		[NSIM_REASON_PEERING_NOT_TRANSITIVE] = "PEERING_NOT_TRANSITIVE",
		[NSIM_REASON_ACL_DENY] = "ACL_DENY",
		[NSIM_REASON_ACL_RETURN_DENY] = "ACL_RETURN_DENY",
		[NSIM_REASON_SG_INGRESS_NO_RULE] = "SG_INGRESS_NO_RULE",
		[NSIM_REASON_SG_EGRESS_NO_RULE] = "SG_EGRESS_NO_RULE",
		[NSIM_REASON_NO_LISTENER] = "NO_LISTENER",
		[NSIM_REASON_NAME_NOT_FOUND] = "NAME_NOT_FOUND",
		[NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE] = "ENDPOINT_SG_INGRESS_NO_RULE",
		[NSIM_REASON_ENDPOINT_NOT_IN_REGION] = "ENDPOINT_NOT_IN_REGION",
		[NSIM_REASON_NAME_RESOLVES_PUBLIC] = "NAME_RESOLVES_PUBLIC",
		[NSIM_REASON_ACL_RETURN_PARTIAL] = "ACL_RETURN_PARTIAL",
	};
	return (size_t)r < ELEMENTSOF(codes) ? codes[r] : "?";
}

const char *nsim_prediction_name(enum nsim_prediction p)
{
	switch (p) {
	case NSIM_PREDICT_REACHABLE:
		return "reachable";
	case NSIM_PREDICT_REFUSED:
		return "refused";
	case NSIM_PREDICT_BLOCKED:
		return "unreachable";
	case NSIM_PREDICT_INTERMITTENT:
		return "intermittent";
	}
	return "?";
}

/* ---- the walk's steps, for the kinds in files of their own (analyze-internal.h) ---- */

const struct entry *nsim_analyze_find(const struct nsim_analyzer *an, size_t vpc, uint32_t addr)
{
	return find(an, vpc, addr);
}

void nsim_analyze_hop(struct walk *w, const char *component, const char *kind, bool reply, const char *fmt, ...)
{
	char detail[sizeof(w->a->hops[0].detail)];
	va_list ap;
	if (w->quiet)
		return;
	va_start(ap, fmt);
	vfmt(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	hop(w, component, kind, reply, "%s", detail);
}

struct nsim_decision nsim_analyze_decide(const struct walk *w, enum nsim_component_kind kind, size_t a, size_t b,
					 const char *name, size_t vpc, size_t subnet, uint32_t src, uint32_t dst)
{
	return decide(w, kind, a, b, name, vpc, subnet, src, dst);
}

void nsim_analyze_block(struct walk *w, enum nsim_reason reason, enum nsim_prediction pred, const char *component,
			const struct nsim_decision *d, const char *fmt, ...)
{
	char text[sizeof(w->a->explanation)] = "";
	va_list ap;
	if (!w->quiet && !w->done) {
		va_start(ap, fmt);
		vfmt(text, sizeof(text), fmt, ap);
		va_end(ap);
	}
	block(w, reason, pred, component, d, "%s", text);
}

void nsim_analyze_textf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfmt(buf, size, fmt, ap);
	va_end(ap);
}

const char *nsim_analyze_proto_port(const struct nsim_flow *f, char buf[32])
{
	return proto_port(f, buf);
}

bool nsim_analyze_acl_forward(struct walk *w, size_t vi, size_t si, bool ingress, uint32_t src, uint32_t dst,
			      uint16_t sport)
{
	return acl_forward(w, vi, si, ingress, src, dst, sport);
}

void nsim_analyze_acl_return(struct walk *w, enum nsim_proto proto)
{
	acl_return(w, proto);
}

bool nsim_analyze_route_back(struct walk *w, size_t vi, size_t si, uint32_t self, uint32_t src)
{
	return route_back(w, vi, si, self, src);
}

bool nsim_analyze_nats_back(struct walk *w)
{
	return nats_back(w);
}

bool nsim_analyze_listening(const struct nsim_service *l, size_t n, const struct nsim_flow *f)
{
	return listening(l, n, f);
}

bool nsim_analyze_sg_allows(const struct walk *w, size_t vi, const struct nsim_host *h, bool ingress, uint32_t peer,
			    const struct nsim_flow *f, char *ret_rule, size_t size)
{
	return sg_allows(w, vi, h, ingress, peer, f, ret_rule, size);
}

void nsim_analyze_sg_names(const struct nsim_topology *t, size_t ctx, size_t vi, const struct nsim_host *h, char *buf,
			   size_t size)
{
	sg_names(t, ctx, vi, h, buf, size);
}

void nsim_analyze_groups_of(const struct walk *w, size_t ctx, uint32_t addr, char *buf, size_t size)
{
	groups_of(w, ctx, addr, buf, size);
}

void nsim_analyze_to_internet_host(struct walk *w, size_t ii, uint32_t src)
{
	to_internet_host(w, ii, src);
}

struct nsim_flow nsim_analyze_expect_flow(const struct nsim_topology *t, const struct nsim_expect *e)
{
	struct nsim_flow f = {.from = e->from, .proto = e->proto, .dport = e->has_port ? e->port.from : 0};
	f.dst = nsim_analyze_target(t, &e->from, &e->to);
	if (e->to.kind == NSIM_EP_DNS)
		f.name = e->to.ref.name;
	return f;
}

/* netsim rule: a refused flow (delivered, no listener) is neither reachable
 * nor blocked, so it holds for no expectation. */
bool nsim_analyze_expect_holds(const struct nsim_expect *e, const struct nsim_analysis *a)
{
	if (e->verdict == NSIM_VERDICT_INTERMITTENT)
		return a->prediction == NSIM_PREDICT_INTERMITTENT;
	return e->verdict == NSIM_VERDICT_REACHABLE ? a->prediction == NSIM_PREDICT_REACHABLE
						    : a->prediction == NSIM_PREDICT_BLOCKED;
}
