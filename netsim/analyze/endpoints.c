/* SPDX-License-Identifier: MIT */
/*
 * VPC endpoints and prefix lists in the walk (analyze.c calls in here):
 *   - a route to a prefix list matches each of its CIDRs and competes in
 *     longest-prefix match with the longest one that matches;
 *   - a gateway endpoint's route takes the flow to the service's host
 *     privately, with its source unchanged (no internet gateway, no NAT);
 *   - an interface endpoint's network interface is a VPC address: the local
 *     route, the subnets' ACLs, the endpoint's security groups, TCP only;
 *     the service's host then sees the interface's address as the source;
 *   - a blocked flow that an endpoint of the VPC would have carried says so:
 *     NAME_RESOLVES_PUBLIC (private DNS off), ENDPOINT_NOT_IN_REGION.
 *
 * AWS PrivateLink guide: "Gateway endpoints",
 *   https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
 * "Access an AWS service using an interface VPC endpoint",
 *   https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
 * VPC user guide: "Managed prefix lists",
 *   https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html
 */
#include <stdio.h>
#include <string.h>

#include "analyze/analyze-internal.h"
#include "model/net.h"
#include "model/util.h"

int nsim_analyze_pl_match(const struct nsim_prefix_list *pl, uint32_t addr)
{
	int best = -1;
	for (size_t i = 0; i < pl->n_cidrs; i++)
		if ((int)pl->cidrs[i].len > best && nsim_cidr_contains_addr(pl->cidrs[i], addr))
			best = pl->cidrs[i].len;
	return best;
}

void nsim_analyze_route_dest(const struct nsim_route *r, uint32_t dst, char *buf, size_t size)
{
	char c[NSIM_CIDR_STRLEN];
	const struct nsim_prefix_list *pl = r->dest_pl;
	if (!pl) {
		nsim_analyze_textf(buf, size, "%s", nsim_cidr_fmt(r->dest, c));
		return;
	}
	/* the CIDR of the list that decided, for dst */
	const struct nsim_cidr *m = NULL;
	for (size_t i = 0; i < pl->n_cidrs; i++)
		if (nsim_cidr_contains_addr(pl->cidrs[i], dst) && (!m || pl->cidrs[i].len > m->len))
			m = &pl->cidrs[i];
	if (m)
		nsim_analyze_textf(buf, size, "pl:%s (%s)", pl->name.name, nsim_cidr_fmt(*m, c));
	else
		nsim_analyze_textf(buf, size, "pl:%s", pl->name.name);
}

static const char *region_of(const struct nsim_topology *t, const struct nsim_inet_host *h)
{
	if (h->region.name)
		return h->region.name;
	return t->region.name ? t->region.name : "us-east-1";
}

static bool serves(const struct nsim_vpc_endpoint *ep, size_t ii)
{
	for (size_t k = 0; k < ep->n_service_hosts; k++)
		if (ep->service_hosts[k] == ii)
			return true;
	return false;
}

void nsim_analyze_gateway_endpoint(struct walk *w, size_t vi, size_t si, const struct nsim_route *r, uint32_t src)
{
	const struct nsim_topology *t = w->t;
	const struct nsim_vpc *v = &t->vpcs[vi];
	const struct nsim_vpc_endpoint *ep = &v->endpoints[r->target_idx];
	uint32_t dst = w->f->dst;
	char a[NSIM_ADDR_STRLEN], b[NSIM_ADDR_STRLEN];
	if (w->done)
		return;
	size_t ii = NSIM_NONE;
	for (size_t k = 0; k < ep->n_service_hosts && ii == NSIM_NONE; k++)
		if (t->inet_hosts[ep->service_hosts[k]].address == dst)
			ii = ep->service_hosts[k];
	/* netsim rule: the endpoint's route holds its service's addresses only
	 * (validate/ makes it); anything else is a backstop */
	if (ii == NSIM_NONE) {
		nsim_analyze_hop(w, ep->name.name, "gateway endpoint", false, "%s is no host of %s",
				 nsim_addr_fmt(dst, a), ep->service_name);
		struct nsim_decision d = nsim_analyze_decide(w, NSIM_COMP_ENDPOINT, vi, r->target_idx, ep->name.name, vi,
							     si, src, dst);
		nsim_analyze_block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, ep->name.name, &d,
				   "gateway endpoint %s leads to %s only, and %s is none of its hosts", ep->name.name,
				   ep->service_name, a);
		return;
	}
	/* A gateway endpoint carries the flow to the service without an internet
	 * gateway or NAT; the service sees the instance's private address.
	 * AWS: "Gateway endpoints",
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html */
	nsim_analyze_hop(w, ep->name.name, "gateway endpoint", false,
			 "to %s (%s, %s in %s) privately: source %s unchanged, no internet gateway or NAT",
			 t->inet_hosts[ii].name.name, nsim_addr_fmt(dst, a), ep->service_name, ep->service_region,
			 nsim_addr_fmt(src, b));
	nsim_analyze_to_internet_host(w, ii, src);
}

bool nsim_analyze_endpoint_local(struct walk *w, size_t vi, size_t si, uint32_t src, uint32_t dst, uint16_t sport,
				 const char *via)
{
	const struct entry *e = nsim_analyze_find(w->an, vi, dst);
	if (!e || e->kind != E_VPCE)
		return false;
	if (w->done)
		return true;
	const struct nsim_topology *t = w->t;
	const struct nsim_flow *f = w->f;
	const struct nsim_vpc *v = &t->vpcs[vi];
	const struct nsim_vpc_endpoint *ep = &v->endpoints[e->idx];
	size_t dsub = ep->subnet_idx[e->slot];
	char a[NSIM_ADDR_STRLEN], sa[NSIM_ADDR_STRLEN], pp[32], rule[320], names[160], groups[200] = "";
	nsim_addr_fmt(dst, a);
	nsim_analyze_proto_port(f, pp);

	/* netsim rule: an interface endpoint's network interface is an address
	 * of its subnet like a host's: the local route, then the ACLs at the
	 * subnet boundaries (none within one subnet) */
	if (si == NSIM_NONE) {
		nsim_analyze_hop(w, v->name.name, "VPC router", false, "from %s: local route to interface endpoint %s (%s)",
				 via, ep->name.name, a);
		if (!nsim_analyze_acl_forward(w, vi, dsub, true, src, dst, sport))
			return true;
	} else if (dsub != si && (!nsim_analyze_acl_forward(w, vi, si, false, src, dst, sport) ||
				  !nsim_analyze_acl_forward(w, vi, dsub, true, src, dst, sport)))
		return true;

	const struct nsim_host groups_of_ep = {
		.name = ep->name,
		.security_groups = ep->security_groups,
		.n_security_groups = ep->n_security_groups,
		.sg_idx = ep->sg_idx,
	};
	bool ok = nsim_analyze_sg_allows(w, vi, &groups_of_ep, true, src, f, rule, sizeof(rule));
	nsim_analyze_sg_names(t, vi, vi, &groups_of_ep, names, sizeof(names));
	nsim_analyze_hop(w, names, "security group", false, "%s ingress of interface endpoint %s: %s",
			 ok ? "allowed by" : "no rule in", ep->name.name, rule);
	/* The endpoint's network interfaces are protected by its security
	 * groups (none given: the VPC's default group), as an instance's.
	 * AWS: "Access an AWS service using an interface VPC endpoint",
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
	if (!ok) {
		if (!w->quiet)
			nsim_analyze_groups_of(w, vi, src, groups, sizeof(groups));
		/* the endpoint decided (blocked_by: matches its groups; the fix adds to its first) */
		struct nsim_decision d = nsim_analyze_decide(w, NSIM_COMP_ENDPOINT, vi, e->idx, ep->name.name, vi, dsub,
							     src, dst);
		d.ingress = true;
		d.sport = sport;
		nsim_analyze_block(w, NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE, NSIM_PREDICT_BLOCKED, names, &d,
				   "blocked by security group %s of interface endpoint %s: no ingress rule allows %s from "
				   "%s%s; it allows: %s",
				   names, ep->name.name, pp, nsim_addr_fmt(src, sa), groups, rule);
		return true;
	}
	/* Interface endpoints carry TCP only. AWS: "Access AWS services
	 * through AWS PrivateLink" (considerations),
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html */
	if (f->proto != NSIM_PROTO_TCP) {
		nsim_analyze_hop(w, ep->name.name, "interface endpoint", false, "carries TCP only: %s goes nowhere", pp);
		struct nsim_decision d = nsim_analyze_decide(w, NSIM_COMP_ENDPOINT, vi, e->idx, ep->name.name, vi, dsub,
							     src, dst);
		d.sport = sport;
		nsim_analyze_block(w, NSIM_REASON_NO_ROUTE, NSIM_PREDICT_BLOCKED, ep->name.name, &d,
				   "interface endpoint %s carries TCP only: %s to its network interface %s is dropped",
				   ep->name.name, pp, a);
		return true;
	}
	if (!nsim_analyze_route_back(w, vi, dsub, dst, src) || !nsim_analyze_nats_back(w))
		return true;
	/* netsim rule: the endpoint's service is its hosts (`service:`) in the
	 * endpoint's region; the data plane sends to the first of them */
	if (!ep->n_service_hosts) {
		nsim_analyze_hop(w, ep->name.name, "interface endpoint", false, "no host of %s in %s",
				 ep->service_name, ep->service_region);
		struct nsim_decision d = nsim_analyze_decide(w, NSIM_COMP_ENDPOINT, vi, e->idx, ep->name.name, vi, dsub,
							     src, dst);
		d.sport = sport;
		nsim_analyze_block(w, NSIM_REASON_ENDPOINT_NOT_IN_REGION, NSIM_PREDICT_BLOCKED, ep->name.name, &d,
				   "interface endpoint %s leads to %s in %s, and no internet host is %s in that region "
				   "(`service:` and `region:`)",
				   ep->name.name, ep->service_name, ep->service_region, ep->service_name);
		return true;
	}
	size_t ii = ep->service_hosts[0];
	const struct nsim_inet_host *h = &t->inet_hosts[ii];
	char b[NSIM_ADDR_STRLEN];
	/* The service sees the endpoint's network interface as the source, and
	 * the flow never crosses an internet gateway. AWS: "AWS PrivateLink
	 * concepts", https://docs.aws.amazon.com/vpc/latest/privatelink/concepts.html */
	nsim_analyze_hop(w, ep->name.name, "interface endpoint", false,
			 "network interface %s in subnet %s: to service host %s (%s) privately, source becomes %s", a,
			 v->subnets[dsub].name.name, h->name.name, nsim_addr_fmt(h->address, b), a);
	bool listens = nsim_analyze_listening(h->listen, h->n_listen, f);
	nsim_analyze_acl_return(w, f->proto);
	if (w->done)
		return true;
	/* netsim rule: a port listens when it is in `listen:`, not a network rule */
	if (!listens) {
		nsim_analyze_hop(w, h->name.name, "internet host", false, "nothing listens on %s", pp);
		/* on the service's side: from the interface's address */
		struct nsim_decision d = nsim_analyze_decide(w, NSIM_COMP_INET_HOST, ii, NSIM_NONE, h->name.name, NSIM_NONE,
							     NSIM_NONE, dst, h->address);
		nsim_analyze_block(w, NSIM_REASON_NO_LISTENER, NSIM_PREDICT_REFUSED, h->name.name, &d,
				   "interface endpoint %s delivers the connection to %s, but nothing listens on %s there",
				   ep->name.name, h->name.name, pp);
		return true;
	}
	nsim_analyze_hop(w, h->name.name, "internet host", false, "answers (source seen: %s)", a);
	if (!w->quiet) /* reachable: the packet at the endpoint's interface, for the fix that closes it */
		w->a->decision = nsim_analyze_decide(w, NSIM_COMP_UNRESOLVED, 0, 0, NULL, vi, dsub, src, dst);
	return true;
}

/* A blocked flow from a host to a service's host, that an endpoint of the
 * host's VPC would have carried: the endpoint is the reason. (The flow
 * through the endpoint is walked too, without this step.) */
void nsim_analyze_endpoint_reasons(struct walk *w)
{
	const struct nsim_topology *t = w->t;
	const struct nsim_flow *f = w->f;
	struct nsim_analysis *a = w->a;
	if (!w->done || a->prediction != NSIM_PREDICT_BLOCKED || f->from.kind != NSIM_EP_HOST)
		return;
	const struct entry *e = nsim_analyze_find(w->an, NSIM_NONE, f->dst);
	if (!e || e->kind != E_INET || !t->inet_hosts[e->idx].service.name)
		return;
	const struct nsim_inet_host *h = &t->inet_hosts[e->idx];
	size_t vi = f->from.vpc;
	const struct nsim_vpc *v = &t->vpcs[vi];
	size_t pub = NSIM_NONE, other = NSIM_NONE;
	for (size_t i = 0; i < v->n_endpoints; i++) {
		const struct nsim_vpc_endpoint *ep = &v->endpoints[i];
		if (!ep->service_name || !streq(ep->service_name, h->service.name))
			continue;
		if (serves(ep, e->idx)) {
			if (f->name && ep->type == NSIM_VPCE_INTERFACE && !(ep->private_dns && v->dns_hostnames) &&
			    pub == NSIM_NONE)
				pub = i;
		} else if (other == NSIM_NONE)
			other = i;
	}
	if (pub == NSIM_NONE && other == NSIM_NONE)
		return;
	const struct nsim_vpc_endpoint *ep = &v->endpoints[pub != NSIM_NONE ? pub : other];
	/* netsim rule: the endpoint is the reason only when it would have
	 * carried the flow: the same flow to its interface (what private DNS
	 * answers), or through it to its region's host of the service, is not
	 * blocked */
	struct nsim_flow alt = *f;
	struct nsim_analysis alt_a;
	alt.name = NULL;
	if (ep->type == NSIM_VPCE_INTERFACE && ep->n_subnets && ep->addresses)
		alt.dst = ep->addresses[0];
	else if (ep->type == NSIM_VPCE_GATEWAY && ep->n_service_hosts)
		alt.dst = t->inet_hosts[ep->service_hosts[0]].address;
	else
		return;
	if (nsim_analyze_verdict(w->an, &alt, &alt_a) < 0 || alt_a.prediction == NSIM_PREDICT_BLOCKED)
		return;
	const struct nsim_host *src = &v->hosts[f->from.idx];
	char why[sizeof(a->explanation)], ab[NSIM_ADDR_STRLEN];
	if (pub != NSIM_NONE) {
		/* Without private DNS (which needs the VPC's DNS hostnames), the
		 * service's name resolves to its public address, whose path needs a
		 * NAT gateway or an internet gateway. AWS: "Access an AWS service
		 * using an interface VPC endpoint" (private DNS),
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
		a->reason = NSIM_REASON_NAME_RESOLVES_PUBLIC;
		if (w->quiet)
			return;
		nsim_analyze_textf(why, sizeof(why),
				   "%s interface endpoint %s of VPC %s%s, so %s resolved to %s (the public address of %s), "
				   "not to the endpoint; on that path: %s",
				   ep->private_dns ? "private DNS needs dns_hostnames: true:" : "private DNS is off on",
				   ep->name.name, v->name.name, ep->private_dns ? " has it, the VPC has not" : "", f->name,
				   nsim_addr_fmt(f->dst, ab), h->name.name, a->explanation);
		if (a->n_hops && streq(a->hops[0].kind, "DNS resolver")) {
			char d[sizeof(a->hops[0].detail)];
			nsim_analyze_textf(d, sizeof(d), "%s (private DNS of %s: off)", a->hops[0].detail, ep->name.name);
			memcpy(a->hops[0].detail, d, sizeof(d));
		}
	} else {
		/* Endpoints are regional: a gateway endpoint's prefix list holds its
		 * region's addresses of the service, an interface endpoint reaches
		 * its region's service. AWS: "Gateway endpoints" (considerations),
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html */
		a->reason = NSIM_REASON_ENDPOINT_NOT_IN_REGION;
		if (w->quiet)
			return;
		char how[96] = "";
		if (ep->type == NSIM_VPCE_GATEWAY && ep->pl)
			nsim_analyze_textf(how, sizeof(how), ": the route to pl:%s does not cover %s", ep->pl->name.name,
					   nsim_addr_fmt(f->dst, ab));
		nsim_analyze_textf(why, sizeof(why),
				   "%s (%s) is %s in %s, but %s endpoint %s of VPC %s leads to %s in %s only%s; on the path "
				   "it took: %s",
				   h->name.name, nsim_addr_fmt(f->dst, ab), h->service.name, region_of(t, h),
				   ep->type == NSIM_VPCE_GATEWAY ? "gateway" : "interface", ep->name.name, v->name.name,
				   ep->service_name, ep->service_region, how, a->explanation);
	}
	memcpy(a->explanation, why, sizeof(why));
	size_t ei = (size_t)(ep - v->endpoints);
	a->decision = nsim_analyze_decide(w, NSIM_COMP_ENDPOINT, vi, ei, ep->name.name, vi, src->subnet_idx, src->address,
					  f->dst);
}
