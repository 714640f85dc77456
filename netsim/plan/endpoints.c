/* SPDX-License-Identifier: MIT */
/*
 * VPC endpoints, as kernel operations (the same means as hosts and NAT
 * gateways: namespaces, veths, routes, policy rules, nftables).
 *
 *   interface endpoint: one network interface per subnet, a namespace like a
 *     host's (`<endpoint>.<subnet>`: a routed port of the VPC router, its
 *     address from the model, protected by the endpoint's security groups in
 *     the router's ruleset, plan/filter.c). Inside it, TCP to its address is
 *     DNATed to the service's host and SNATed to the interface's own
 *     address, over a private link to that host: the traffic never crosses
 *     the internet gateway or the internet, and the service sees the
 *     interface as the source.
 *   gateway endpoint: a namespace `<endpoint>` between the VPC router (the
 *     next hop of the managed routes to the service's prefix list, plan.c)
 *     and each host of the service in the region; no NAT: the service sees
 *     the client's private address.
 *
 * A service host may be linked to endpoints of several VPCs, whose CIDRs may
 * overlap: it routes each reply by the link its connection came in on (the
 * link's mark on the connection, `meta mark set ct mark`, an ip rule from
 * the mark to the link's own table), not by its destination.
 *
 * AWS: "Gateway endpoints",
 *   https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
 * "Access an AWS service using an interface VPC endpoint" (TCP only; the
 *   network interface in each subnet, its security groups),
 *   https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan-internal.h"

#define EP_TABLE_BASE 200     /* in a service host: the table of endpoint link k (its ordinal) */
#define EP_RULE_PRIO_BASE 100 /* in a service host: the rule of endpoint link k */

/* The number of interfaces of an endpoint (a gateway endpoint: 1). */
static size_t n_interfaces(const struct nsim_vpc_endpoint *ep)
{
	return ep->type == NSIM_VPCE_INTERFACE ? ep->n_subnets : 1;
}

size_t nsim_plan_endpoint_ordinal(const struct nsim_topology *t, size_t vi, size_t ei, size_t k)
{
	size_t n = 0;
	for (size_t v = 0; v <= vi && v < t->n_vpcs; v++)
		for (size_t e = 0; e < t->vpcs[v].n_endpoints && (v < vi || e < ei); e++)
			n += n_interfaces(&t->vpcs[v].endpoints[e]);
	return n + k;
}

size_t nsim_plan_endpoint_node(char *buf, size_t size, const struct nsim_topology *t, size_t vi, size_t ei, size_t k)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	const struct nsim_vpc_endpoint *ep = &v->endpoints[ei];
	int n;
	/* netsim rule: '.' is in no name (validate/), so `<endpoint>.<subnet>`
	 * never meets the node of a host or another endpoint */
	if (ep->type == NSIM_VPCE_GATEWAY || k >= ep->n_subnets || !ep->subnet_idx)
		n = snprintf(buf, size, "%s", ep->name.name);
	else
		n = snprintf(buf, size, "%s.%s", ep->name.name, v->subnets[ep->subnet_idx[k]].name.name);
	return n < 0 ? 0 : (size_t)n;
}

void nsim_plan_endpoint_port(char buf[static 16], const struct nsim_topology *t, size_t vi, size_t ei, size_t k,
			     size_t ordinal)
{
	char node[160];
	nsim_plan_endpoint_node(node, sizeof(node), t, vi, ei, k);
	nsim_plan_port_name(buf, 'e', node, ordinal);
}

static const char *node_of(struct plan_builder *b, size_t vi, size_t ei, size_t k)
{
	char node[160];
	nsim_plan_endpoint_node(node, sizeof(node), b->t, vi, ei, k);
	return plan_str(b, "%s", node);
}

static const char *port_of(struct plan_builder *b, size_t vi, size_t ei, size_t k, size_t ord)
{
	char port[16];
	nsim_plan_endpoint_port(port, b->t, vi, ei, k, ord);
	return plan_str(b, "%s", port);
}

void plan_endpoints(struct plan_builder *b, size_t vi, const char *router, uint32_t *gw_nets, const char **gw_ports)
{
	const struct nsim_topology *t = b->t;
	const struct nsim_vpc *v = &t->vpcs[vi];
	size_t ord = nsim_plan_endpoint_ordinal(t, vi, 0, 0);
	for (size_t ei = 0; ei < v->n_endpoints && !b->err; ord += n_interfaces(&v->endpoints[ei]), ei++) {
		const struct nsim_vpc_endpoint *ep = &v->endpoints[ei];
		if (ep->type == NSIM_VPCE_INTERFACE) {
			for (size_t k = 0; k < ep->n_subnets && ep->subnet_idx && ep->addresses && !b->err; k++) {
				const struct nsim_subnet *s = &v->subnets[ep->subnet_idx[k]];
				const char *node = node_of(b, vi, ei, k);
				if (!node)
					return;
				const char *ns = plan_subnet_port(b, router, s, node, 'e', ord + k, ep->addresses[k], true);
				plan_host_info(b, ep->name.name, ns, "endpoint", plan_str(b, "%s/%s", v->name.name, s->name.name),
					       ep->addresses[k], 0);
			}
			continue;
		}
		const char *ns = plan_netns(b, ep->name.name, true);
		const char *port = port_of(b, vi, ei, 0, ord);
		uint32_t net = plan_link_net(b);
		gw_nets[ei] = net;
		gw_ports[ei] = port;
		plan_veth(b, router, port, ns, "vpc",
			  plan_str(b, "VPC %s <-> gateway endpoint %s", v->name.name, ep->name.name));
		plan_addr_up(b, router, port, net + 1, 30);
		plan_addr_up(b, ns, "vpc", net + 2, 30);
		plan_neigh_pair(b, router, port, net + 1, ns, "vpc", net + 2);
		plan_route(b, ns, NSIM_TABLE_MAIN, v->cidr, net + 1, "vpc", NSIM_ROUTE_UNICAST,
			   plan_str(b, "VPC %s (replies)", v->name.name));
	}
}

/* A service host's ends of its links to endpoints. */
struct host_link {
	const char *port;
	uint32_t mark;
};

struct host_links {
	struct host_link *v;
	size_t n;
};

/* A private link from `ns` (an endpoint's namespace, end `ifname`) to
 * service host hi's namespace (end `port`), the host's replies routed back
 * by link (recorded in links[hi] for its ruleset). ns has the /30's .1, the
 * host .2. */
static void service_link(struct plan_builder *b, const char *ns, const char *ifname, const char *what, size_t hi,
			     const char *port, size_t ord, struct host_links *links)
{
	const struct nsim_inet_host *h = &b->t->inet_hosts[hi];
	const char *hns = plan_str(b, "netsim-%s-%s", b->p->name, h->name.name);
	uint32_t net = plan_link_net(b);
	plan_veth(b, ns, ifname, hns, port, plan_str(b, "%s <-> service host %s (private)", what, h->name.name));
	plan_addr_up(b, ns, ifname, net + 1, 30);
	plan_addr_up(b, hns, port, net + 2, 30);
	plan_neigh_pair(b, ns, ifname, net + 1, hns, port, net + 2);
	plan_route(b, ns, NSIM_TABLE_MAIN, plan_host_cidr(h->address), net + 2, ifname, NSIM_ROUTE_UNICAST,
		   plan_str(b, "service host %s, privately", h->name.name));
	uint32_t table = EP_TABLE_BASE + (uint32_t)ord;
	plan_route(b, hns, table, plan_default_route, net + 1, port, NSIM_ROUTE_UNICAST,
		   plan_str(b, "replies to %s go back its way", what));
	struct nsim_op *o = plan_op(b, NSIM_OP_RULE, hns);
	if (o) {
		o->priority = EP_RULE_PRIO_BASE + (uint32_t)ord;
		o->fwmark = (uint32_t)ord + 1;
		o->table = table;
		o->comment = plan_str(b, "connections that came from %s", what);
	}
	struct host_link *l = &links[hi].v[links[hi].n++];
	l->port = port;
	l->mark = (uint32_t)ord + 1;
}

/* Interface endpoint ep's interface (in ns, address addr): TCP to it goes to
 * service host svc, from addr. */
static const char *interface_ruleset(struct plan_builder *b, const struct nsim_vpc_endpoint *ep, uint32_t addr,
				     const struct nsim_inet_host *svc)
{
	char a[NSIM_ADDR_STRLEN], s[NSIM_ADDR_STRLEN];
	nsim_addr_fmt(addr, a);
	nsim_addr_fmt(svc->address, s);
	/* every TCP port: the service's host answers (or refuses) as its
	 * public endpoint does, so the endpoint itself decides nothing beyond
	 * "TCP only" and its security groups (at the VPC router) */
	return plan_str(b,
			"table ip netsim {\n"
			"\tchain prerouting {\n"
			"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
			"\t\tiifname \"eth0\" ip daddr %s meta l4proto tcp dnat to %s comment \"endpoint %s: to service %s (host %s)\"\n"
			"\t}\n"
			"\tchain postrouting {\n"
			"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			"\t\toifname \"svc\" snat to %s comment \"the service sees the endpoint's network interface as the source\"\n"
			"\t}\n"
			"\tchain input {\n"
			"\t\ttype filter hook input priority filter; policy drop;\n"
			"\t\tct state established,related accept comment \"replies to its own traffic\"\n"
			"\t\tcounter comment \"AWS: an interface endpoint accepts TCP only, for its service\"\n"
			"\t}\n"
			"\tchain forward {\n"
			"\t\ttype filter hook forward priority filter; policy drop;\n"
			"\t\tct state established,related accept comment \"replies\"\n"
			"\t\tiifname \"eth0\" oifname \"svc\" ct status dnat accept comment \"TCP to the service\"\n"
			"\t\tcounter comment \"AWS: an interface endpoint accepts TCP only\"\n"
			"\t}\n"
			"}\n",
			a, s, ep->name.name, ep->service_name ? ep->service_name : ep->service.name, svc->name.name, a);
}

/* A service host linked to endpoints: each connection is marked with its
 * link's mark when it comes in, and its replies carry the mark, which the
 * link's rule routes back the way it came. */
static void service_host_ruleset(struct plan_builder *b, size_t hi, const struct host_links *l)
{
	const struct nsim_inet_host *h = &b->t->inet_hosts[hi];
	char *map = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&map, &len);
	if (!f) {
		b->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s\"%s\" : %u", i ? ", " : "", l->v[i].port, l->v[i].mark);
	if (fclose(f) != 0) {
		free(map);
		b->err = -ENOMEM;
		return;
	}
	struct nsim_op *o = plan_op(b, NSIM_OP_NFT, plan_str(b, "netsim-%s-%s", b->p->name, h->name.name));
	if (o) {
		o->comment = plan_str(b, "service host %s: replies to endpoints by the link they came in on", h->name.name);
		o->text = plan_str(b,
				   "table ip netsim {\n"
				   "\tmap links {\n"
				   "\t\ttype ifname : mark\n"
				   "\t\telements = { %s }\n"
				   "\t}\n"
				   "\tchain prerouting {\n"
				   "\t\ttype filter hook prerouting priority mangle; policy accept;\n"
				   "\t\tct state new ct mark set iifname map @links comment \"the link a connection came in on\"\n"
				   "\t}\n"
				   "\tchain output {\n"
				   "\t\ttype route hook output priority mangle; policy accept;\n"
				   "\t\tct mark != 0 meta mark set ct mark comment \"replies: routed by their link's table (VPC CIDRs may overlap)\"\n"
				   "\t}\n"
				   "}\n",
				   map);
	}
	free(map);
}

void plan_endpoint_services(struct plan_builder *b)
{
	const struct nsim_topology *t = b->t;
	struct host_links *links = nsim_arena_alloc(b->p->arena, t->n_inet_hosts + 1, sizeof(*links));
	if (!links) {
		b->err = -ENOMEM;
		return;
	}
	/* room for every link a host can get: one per endpoint interface */
	size_t n_links = nsim_plan_endpoint_ordinal(t, t->n_vpcs, 0, 0);
	for (size_t hi = 0; hi < t->n_inet_hosts; hi++)
		if (!(links[hi].v = nsim_arena_alloc(b->p->arena, n_links + 1, sizeof(*links[hi].v)))) {
			b->err = -ENOMEM;
			return;
		}
	size_t ord = 0; /* nsim_plan_endpoint_ordinal(t, vi, ei, 0), counted on */
	for (size_t vi = 0; vi < t->n_vpcs && !b->err; vi++) {
		const struct nsim_vpc *v = &t->vpcs[vi];
		for (size_t ei = 0; ei < v->n_endpoints && !b->err; ord += n_interfaces(&v->endpoints[ei]), ei++) {
			const struct nsim_vpc_endpoint *ep = &v->endpoints[ei];
			if (!ep->n_service_hosts)
				continue; /* a service not in the region: nothing to reach */
			if (ep->type == NSIM_VPCE_GATEWAY) {
				const char *ns = plan_str(b, "netsim-%s-%s", b->p->name, ep->name.name);
				const char *what = plan_str(b, "gateway endpoint %s", ep->name.name);
				for (size_t s = 0; s < ep->n_service_hosts; s++) {
					size_t hi = ep->service_hosts[s];
					service_link(b, ns, plan_port_name(b, 'h', t->inet_hosts[hi].name.name, hi), what, hi,
						     port_of(b, vi, ei, 0, ord), ord, links);
				}
				continue;
			}
			/* netsim rule: an interface endpoint leads to the first host of
			 * its service in the region (one address per service in the
			 * topology, as the service's regional name has) */
			size_t hi = ep->service_hosts[0];
			for (size_t k = 0; k < ep->n_subnets && ep->subnet_idx && ep->addresses && !b->err; k++) {
				const char *node = node_of(b, vi, ei, k);
				const char *ns = plan_str(b, "netsim-%s-%s", b->p->name, node);
				const char *what = plan_str(b, "endpoint %s", node);
				service_link(b, ns, "svc", what, hi, port_of(b, vi, ei, k, ord + k), ord + k, links);
				struct nsim_op *o = plan_op(b, NSIM_OP_NFT, ns);
				if (o) {
					o->text = interface_ruleset(b, ep, ep->addresses[k], &t->inet_hosts[hi]);
					o->comment = plan_str(b, "interface endpoint %s: TCP to service %s, privately", node,
							      ep->service_name ? ep->service_name : ep->service.name);
				}
			}
		}
	}
	for (size_t hi = 0; hi < t->n_inet_hosts && !b->err; hi++)
		if (links[hi].n)
			service_host_ruleset(b, hi, &links[hi]);
}
