/* SPDX-License-Identifier: MIT */
/* Shared between the files of plan/. */
#pragma once

#include "plan/plan.h"
#include "model/util.h"

/* arr (n used of *cap elements of size, in p's arena) with room for one
 * more: arr itself, or a copy twice as large (*cap updated); NULL on ENOMEM. */
void *nsim_plan_grow(struct nsim_plan *p, void *arr, size_t *cap, size_t n, size_t size);
/* Appends a copy of o / pr to p->ops / p->processes. 0 or -ENOMEM. */
_must_check_ int nsim_plan_add_op(struct nsim_plan *p, const struct nsim_op *o);
_must_check_ int nsim_plan_add_process(struct nsim_plan *p, const struct nsim_plan_process *pr);

/* The VPC router's `inet netsim` ruleset (peering filters, network ACLs,
 * security groups). *ret is malloc'd, owned by the caller. */
_must_check_ int nsim_plan_router_ruleset(const struct nsim_topology *t, size_t vi, char **ret);

/* plan/dns.c: VPC vi's resolver (addresses on the router's lo, the dnsmasq
 * configuration and process; nothing without dns_support) and its hosts'
 * resolv.conf and hosts files (in p->hosts: call after the VPC's hosts were
 * added). 0 or -ENOMEM. */
_must_check_ int nsim_plan_dns(struct nsim_plan *p, const struct nsim_topology *t, size_t vi, const char *router);
/* The dnsmasq configuration of VPC vi's resolver. *ret malloc'd, owned by the
 * caller. 0 or -ENOMEM. */
_must_check_ int nsim_plan_dns_conf(const struct nsim_topology *t, size_t vi, char **ret);
/* plan/dns.c: public DNS, as the internet sees it (model/dns.h's
 * nsim_dns_public_foreach): a dnsmasq in the internet namespace on addr (the
 * internet router as internet hosts see it), and internet hosts' resolv.conf
 * and hosts (in p->hosts: call after they were added). No process when
 * public DNS has no name. 0 or -ENOMEM. */
_must_check_ int nsim_plan_dns_public(struct nsim_plan *p, const struct nsim_topology *t, const char *internet,
				      uint32_t addr);

/* Point-to-point links between netsim's routers: /30s of 169.254.0.0/16. */
#define PLAN_LINK_NET 0xA9FE0000u

/* The state plan.c and the files of each resource kind (plan/endpoints.c)
 * build with. The first error sticks in err; every helper below does
 * nothing once it is set (and returns NULL), so callers check once, at the
 * end. Strings are the plan's (its arena). */
struct plan_builder {
	const struct nsim_topology *t;
	struct nsim_plan *p;
	int err;
	unsigned n_links; /* /30s handed out */
};

static const struct nsim_cidr plan_default_route = {0, 0};

static inline struct nsim_cidr plan_host_cidr(uint32_t addr)
{
	return (struct nsim_cidr){addr, 32};
}

/* A new op of `kind` in namespace ns, zeroed but for kind, ns and the main table. */
struct nsim_op *plan_op(struct plan_builder *b, enum nsim_op_kind kind, const char *ns);
/* A formatted string in the plan's arena. */
__attribute__((format(printf, 2, 3))) const char *plan_str(struct plan_builder *b, const char *fmt, ...);
/* Creates the namespace of `node` ("netsim-<instance>-<node>"), with the
 * sysctls of a router (forwarding) or a host; returns its name. */
const char *plan_netns(struct plan_builder *b, const char *node, bool router);
/* nsim_plan_port_name() in the plan's arena. */
const char *plan_port_name(struct plan_builder *b, char prefix, const char *name, size_t index);
/* A veth pair, each end created in its namespace, with netsim's MACs. */
void plan_veth(struct plan_builder *b, const char *ns, const char *ifname, const char *peer_ns,
	       const char *peer_ifname, const char *comment);
/* Permanent neighbour entries for both ends of a point-to-point link. */
void plan_neigh_pair(struct plan_builder *b, const char *ns_a, const char *if_a, uint32_t addr_a, const char *ns_b,
		     const char *if_b, uint32_t addr_b);
/* addr/prefix on ifname, and ifname up. */
void plan_addr_up(struct plan_builder *b, const char *ns, const char *ifname, uint32_t addr, uint8_t prefix);
/* Proxy ARP on `port` answers at once. */
void plan_no_proxy_delay(struct plan_builder *b, const char *ns, const char *port);
void plan_route(struct plan_builder *b, const char *ns, uint32_t table, struct nsim_cidr dst, uint32_t gw,
		const char *ifname, enum nsim_route_type type, const char *comment);
/* The next /30 for a point-to-point link: .1 and .2 are its ends. */
uint32_t plan_link_net(struct plan_builder *b);
/* An entry of p->hosts (what `up` shows). */
void plan_host_info(struct plan_builder *b, const char *name, const char *ns, const char *kind, const char *where,
		    uint32_t addr, uint32_t public_ip);
/* A host-like routed port of the VPC router in subnet s: namespace `node`
 * (a router's sysctls when is_router), its eth0 with addr, the router's port
 * (nsim_plan_port_name(prefix, node, index)) with the subnet's +1 as /32, the
 * routes and neighbour entries both ways. Returns the namespace. */
const char *plan_subnet_port(struct plan_builder *b, const char *router, const struct nsim_subnet *s,
			     const char *node, char prefix, size_t index, uint32_t addr, bool is_router);

/* plan/endpoints.c: VPC vi's endpoints, before its routes: each interface
 * endpoint's network interfaces (routed ports of `router`), each gateway
 * endpoint's namespace and its link to the router (its /30 in
 * gw_nets[endpoint index]: the router has .1, the endpoint .2; the router's
 * port in gw_ports[endpoint index]). */
void plan_endpoints(struct plan_builder *b, size_t vi, const char *router, uint32_t *gw_nets, const char **gw_ports);
/* plan/endpoints.c: after the internet hosts exist: the private links from
 * the endpoints to their service hosts, the interface endpoints' NAT, the
 * service hosts' replies by link. */
void plan_endpoint_services(struct plan_builder *b);
