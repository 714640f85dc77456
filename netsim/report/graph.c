/* SPDX-License-Identifier: MIT */
/* The diagram of a topology as plain data (report/graph.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "model/net.h"
#include "report/graph.h"

static const char *region_name(const struct nsim_topology *t)
{
	return t->region.name ? t->region.name : "us-east-1";
}

static void sanitize(char *id);

/* An id made of [A-Za-z0-9_]: prefix_name, made unique with a number when
 * two names differ only in characters that are not allowed. */
static bool id_taken(const struct nsim_graph *g, const char *id)
{
	return nsim_hashmap_get(&g->node_ids, id) || nsim_hashmap_get(&g->group_ids, id);
}

static const char *make_id(struct nsim_graph *g, const char *prefix, const char *name)
{
	char *base = nsim_arena_printf(g->arena, "%s_%s", prefix, name ? name : "");
	if (!base)
		return NULL;
	sanitize(base);
	char *id = base;
	for (unsigned n = 2; id && id_taken(g, id); n++)
		id = nsim_arena_printf(g->arena, "%s_%u", base, n);
	return id;
}

static int grow(void **items, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 16;
	void *p = reallocarray(*items, c, size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = c;
	return 0;
}

/* Adds a group; *ret its index. */
static int add_group(struct nsim_graph *g, const char *prefix, const char *name, const char *label,
		     enum nsim_graph_group_kind kind, size_t parent, size_t *ret)
{
	if (grow((void **)&g->groups, &g->cap_groups, g->n_groups, sizeof(*g->groups)) < 0)
		return -ENOMEM;
	const char *id = make_id(g, prefix, name);
	if (!id || !label || nsim_hashmap_put(&g->group_ids, id, (void *)(uintptr_t)(g->n_groups + 1)) < 0)
		return -ENOMEM;
	g->groups[g->n_groups] = (struct nsim_graph_group){.id = id, .label = label, .kind = kind, .parent = parent};
	*ret = g->n_groups++;
	return 0;
}

/* Adds a node with n lines (each NULL-terminated vararg is one line; a NULL
 * line is skipped); *ret its index. */
static int add_node(struct nsim_graph *g, const char *prefix, const char *title, enum nsim_graph_node_kind kind,
		    size_t group, const char *const *lines, size_t n, size_t *ret)
{
	if (grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes, sizeof(*g->nodes)) < 0)
		return -ENOMEM;
	const char *id = make_id(g, prefix, title);
	const char **l = nsim_arena_alloc(g->arena, n ? n : 1, sizeof(*l));
	if (!id || !l || !title || nsim_hashmap_put(&g->node_ids, id, (void *)(uintptr_t)(g->n_nodes + 1)) < 0)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (lines[i])
			l[k++] = lines[i];
	g->nodes[g->n_nodes] = (struct nsim_graph_node){
		.id = id, .title = title, .lines = l, .n_lines = k, .kind = kind, .group = group};
	if (ret)
		*ret = g->n_nodes;
	g->n_nodes++;
	return 0;
}

static int add_edge(struct nsim_graph *g, size_t from, size_t to, size_t to_group, const char *label,
		    enum nsim_graph_edge_kind kind, bool holds)
{
	if (grow((void **)&g->edges, &g->cap_edges, g->n_edges, sizeof(*g->edges)) < 0)
		return -ENOMEM;
	g->edges[g->n_edges++] = (struct nsim_graph_edge){
		.from = from, .to = to, .to_group = to_group, .label = label, .kind = kind, .holds = holds};
	return 0;
}

static void sanitize(char *id)
{
	for (char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
}

/* An entry of ids (node_ids or group_ids) again, by kind (the id's prefix)
 * and name: names are unique per kind in a topology (validate/), so the first
 * with that id is the one. NSIM_NONE when there is none. */
static size_t by_id(const struct nsim_hashmap *ids, const char *prefix, const char *name)
{
	char id[256];
	snprintf(id, sizeof(id), "%s_%s", prefix, name);
	sanitize(id);
	uintptr_t v = (uintptr_t)nsim_hashmap_get(ids, id);
	return v ? (size_t)v - 1 : NSIM_NONE;
}

static size_t node_by(const struct nsim_graph *g, const char *prefix, const char *name)
{
	return by_id(&g->node_ids, prefix, name);
}

static size_t group_by(const struct nsim_graph *g, const char *prefix, const char *name)
{
	return by_id(&g->group_ids, prefix, name);
}

/* Whether group `grp` is `ancestor` or inside it. */
static bool within(const struct nsim_graph *g, size_t grp, size_t ancestor)
{
	for (; grp != NSIM_NONE; grp = g->groups[grp].parent)
		if (grp == ancestor)
			return true;
	return false;
}

/* The internet cluster, made when first needed. */
static int internet_group(struct nsim_graph *g, size_t *ret)
{
	if (g->internet_group == NSIM_NONE &&
	    add_group(g, "cluster", "internet", "Internet", NSIM_GRAPH_INTERNET, NSIM_NONE, &g->internet_group) < 0)
		return -ENOMEM;
	*ret = g->internet_group;
	return 0;
}

/* A subnet is public when its route table sends 0.0.0.0/0 to an internet
 * gateway. AWS: "Subnets for your VPC" (subnet types),
 * https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html */
static bool subnet_public(const struct nsim_vpc *vpc, const struct nsim_subnet *s)
{
	if (s->rt_idx == NSIM_NONE)
		return false;
	const struct nsim_route_table *rt = &vpc->route_tables[s->rt_idx];
	for (size_t i = 0; i < rt->n_routes; i++)
		if (rt->routes[i].kind == NSIM_TARGET_IGW && !rt->routes[i].dest_pl && rt->routes[i].dest.len == 0)
			return true;
	return false;
}

static const char *route_target(const struct nsim_vpc *vpc, const struct nsim_route *r)
{
	if (r->kind == NSIM_TARGET_BLACKHOLE)
		return "blackhole";
	if (r->kind == NSIM_TARGET_GATEWAY_ENDPOINT && r->target_idx < vpc->n_endpoints)
		return vpc->endpoints[r->target_idx].name.name;
	return r->target.name ? r->target.name : "?";
}

static int add_routes(struct nsim_graph *g, const struct nsim_vpc *vpc, const struct nsim_subnet *s, size_t grp)
{
	const struct nsim_route_table *rt = s->rt_idx != NSIM_NONE ? &vpc->route_tables[s->rt_idx] : NULL;
	size_t n = 1 + (rt ? rt->n_routes : 0);
	const char **lines = nsim_arena_alloc(g->arena, n, sizeof(*lines));
	char c[NSIM_CIDR_STRLEN];
	if (!lines)
		return -ENOMEM;
	lines[0] = nsim_arena_printf(g->arena, "%s → local", nsim_cidr_fmt(vpc->cidr, c));
	for (size_t i = 0; rt && i < rt->n_routes; i++) {
		const struct nsim_route *r = &rt->routes[i];
		if (r->dest_list.name)
			lines[1 + i] = nsim_arena_printf(g->arena, "pl:%s → %s", r->dest_list.name, route_target(vpc, r));
		else
			lines[1 + i] = nsim_arena_printf(g->arena, "%s → %s", nsim_cidr_fmt(r->dest, c), route_target(vpc, r));
		if (!lines[1 + i])
			return -ENOMEM;
	}
	const char *title = rt ? nsim_arena_printf(g->arena, "route table %s", rt->name.name)
			       : nsim_arena_strdup(g->arena, "no route table: local only");
	const char *name = nsim_arena_printf(g->arena, "%s_%s", vpc->name.name, s->name.name);
	if (!lines[0] || !title || !name)
		return -ENOMEM;
	size_t at;
	if (add_node(g, "routes", name, NSIM_GRAPH_ROUTES, grp, lines, n, &at) < 0)
		return -ENOMEM;
	g->nodes[at].title = title; /* the id from the subnet, the title from the table */
	return 0;
}

static enum nsim_graph_node_kind host_kind(enum nsim_host_kind k)
{
	switch (k) {
	case NSIM_HOST_FUNCTION:
		return NSIM_GRAPH_HOST_FUNCTION;
	case NSIM_HOST_PROXY:
		return NSIM_GRAPH_HOST_PROXY;
	case NSIM_HOST_DATABASE:
		return NSIM_GRAPH_HOST_DATABASE;
	case NSIM_HOST_INSTANCE:
		break;
	}
	return NSIM_GRAPH_HOST_INSTANCE;
}

static int add_vpc(struct nsim_graph *g, size_t v, size_t region, size_t inet_anchor)
{
	const struct nsim_topology *t = g->t;
	const struct nsim_vpc *vpc = &t->vpcs[v];
	struct nsim_arena *A = g->arena;
	char c[NSIM_CIDR_STRLEN], a[NSIM_ADDR_STRLEN], b[NSIM_ADDR_STRLEN];
	size_t vg, igw = NSIM_NONE;

	if (add_group(g, "cluster_vpc", vpc->name.name,
		      nsim_arena_printf(A, "VPC %s\n%s", vpc->name.name, nsim_cidr_fmt(vpc->cidr, c)), NSIM_GRAPH_VPC,
		      region, &vg) < 0)
		return -ENOMEM;
	/* the internet gateway sits on the VPC's edge, between it and the internet */
	if (vpc->internet_gateway.name) {
		const char *l[] = {"internet gateway"};
		if (add_node(g, "igw", vpc->internet_gateway.name, NSIM_GRAPH_IGW, vg, l, 1, &igw) < 0 ||
		    (inet_anchor != NSIM_NONE &&
		     add_edge(g, inet_anchor, igw, NSIM_NONE, NULL, NSIM_GRAPH_LINK, true) < 0))
			return -ENOMEM;
	}

	/* availability zones, in the order the subnets name them */
	_cleanup_free_ size_t *sgrp = calloc(vpc->n_subnets + 1, sizeof(*sgrp));
	_cleanup_free_ size_t *azgrp = calloc(vpc->n_subnets + 1, sizeof(*azgrp));
	if (!sgrp || !azgrp)
		return -ENOMEM;
	for (size_t i = 0; i < vpc->n_subnets; i++) {
		const struct nsim_subnet *s = &vpc->subnets[i];
		size_t parent = vg;
		if (s->az.name) {
			parent = NSIM_NONE;
			for (size_t k = 0; k < i && parent == NSIM_NONE; k++)
				if (vpc->subnets[k].az.name && streq(vpc->subnets[k].az.name, s->az.name))
					parent = azgrp[k];
			if (parent == NSIM_NONE) {
				/* "a" is shown as AWS names the zone: the region and the letter */
				const char *zone = strlen(s->az.name) == 1
							   ? nsim_arena_printf(A, "%s%s", region_name(t), s->az.name)
							   : s->az.name;
				const char *name = nsim_arena_printf(A, "%s_%s", vpc->name.name, s->az.name);
				if (!zone || !name ||
				    add_group(g, "cluster_az", name, nsim_arena_printf(A, "Availability Zone %s", zone),
					      NSIM_GRAPH_AZ, vg, &parent) < 0)
					return -ENOMEM;
			}
		}
		azgrp[i] = parent;
		bool pub = subnet_public(vpc, s);
		const char *acl = s->acl_idx != NSIM_NONE ? vpc->network_acls[s->acl_idx].name.name : "default";
		const char *name = nsim_arena_printf(A, "%s_%s", vpc->name.name, s->name.name);
		if (!name ||
		    add_group(g, "cluster_subnet", name,
			      nsim_arena_printf(A, "%s subnet %s\n%s · network ACL %s", pub ? "public" : "private",
						s->name.name, nsim_cidr_fmt(s->cidr, c), acl),
			      pub ? NSIM_GRAPH_SUBNET_PUBLIC : NSIM_GRAPH_SUBNET_PRIVATE, parent, &sgrp[i]) < 0)
			return -ENOMEM;
		if (add_routes(g, vpc, s, sgrp[i]) < 0)
			return -ENOMEM;
	}

	for (size_t i = 0; i < vpc->n_nat_gateways; i++) {
		const struct nsim_nat_gateway *n = &vpc->nat_gateways[i];
		const char *l[] = {"NAT gateway", nsim_arena_printf(A, "%s", nsim_addr_fmt(n->address, a)),
				   nsim_arena_printf(A, "elastic IP %s", nsim_addr_fmt(n->elastic_ip, b))};
		size_t at;
		if (!l[1] || !l[2] || add_node(g, "nat", n->name.name, NSIM_GRAPH_NAT, sgrp[n->subnet_idx], l, 3, &at) < 0)
			return -ENOMEM;
		g->nodes[at].addr[0] = n->address;
		g->nodes[at].addr[1] = n->elastic_ip;
		if (igw != NSIM_NONE && add_edge(g, igw, at, NSIM_NONE, NULL, NSIM_GRAPH_LINK, true) < 0)
			return -ENOMEM;
	}

	for (size_t i = 0; i < vpc->n_hosts; i++) {
		const struct nsim_host *h = &vpc->hosts[i];
		const char *l[] = {nsim_arena_printf(A, "%s · %s", nsim_host_kind_name(h->kind), nsim_addr_fmt(h->address, a)),
				   h->public_ip ? nsim_arena_printf(A, "public IP %s", nsim_addr_fmt(h->public_ip, b)) : NULL};
		size_t at;
		if (!l[0] || (h->public_ip && !l[1]) ||
		    add_node(g, "host", h->name.name, host_kind(h->kind), sgrp[h->subnet_idx], l, 2, &at) < 0)
			return -ENOMEM;
		g->nodes[at].addr[0] = h->address;
		g->nodes[at].addr[1] = h->public_ip;
	}

	for (size_t i = 0; i < vpc->n_endpoints; i++) {
		const struct nsim_vpc_endpoint *e = &vpc->endpoints[i];
		if (e->type == NSIM_VPCE_INTERFACE) {
			/* one network interface in each of its subnets */
			for (size_t k = 0; k < e->n_subnets; k++) {
				const char *l[] = {nsim_arena_printf(A, "interface endpoint: %s", e->service_name),
						   nsim_arena_printf(A, "%s", nsim_addr_fmt(e->addresses[k], a))};
				size_t at;
				if (!l[0] || !l[1] ||
				    add_node(g, "vpce", e->name.name, NSIM_GRAPH_ENDPOINT, sgrp[e->subnet_idx[k]], l, 2, &at) < 0)
					return -ENOMEM;
				g->nodes[at].addr[0] = e->addresses[k];
			}
			continue;
		}
		const char *l[] = {nsim_arena_printf(A, "gateway endpoint: %s", e->service_name)};
		size_t at;
		if (!l[0] || add_node(g, "vpce", e->name.name, NSIM_GRAPH_ENDPOINT, vg, l, 1, &at) < 0)
			return -ENOMEM;
		for (size_t k = 0; k < e->n_service_hosts; k++) {
			size_t to = node_by(g, "inet", t->inet_hosts[e->service_hosts[k]].name.name);
			/* from the internet down: the layout's ranks follow edges */
			if (to != NSIM_NONE && add_edge(g, to, at, NSIM_NONE, NULL, NSIM_GRAPH_SERVICE_LINK, true) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* The node standing for VPC v in edges to its border: its first node. */
static size_t vpc_anchor(const struct nsim_graph *g, size_t vg)
{
	for (size_t i = 0; i < g->n_nodes; i++)
		if (within(g, g->nodes[i].group, vg))
			return i;
	return NSIM_NONE;
}

int nsim_graph_new(const struct nsim_topology *t, struct nsim_graph **ret)
{
	_cleanup_(nsim_graph_freep) struct nsim_graph *g = calloc(1, sizeof(*g));
	char a[NSIM_ADDR_STRLEN];
	if (!g || !(g->arena = nsim_arena_new()))
		return -ENOMEM;
	g->t = t;
	g->internet_group = NSIM_NONE;
	if (!(g->title = nsim_arena_strdup(g->arena, t->name.name ? t->name.name : "topology")))
		return -ENOMEM;

	/* the internet first: it is drawn above the region */
	bool igws = false;
	for (size_t v = 0; v < t->n_vpcs; v++)
		igws = igws || t->vpcs[v].internet_gateway.name;
	size_t inet_anchor = NSIM_NONE, ig;
	if (t->n_inet_hosts || igws) {
		if (internet_group(g, &ig) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < t->n_inet_hosts; i++) {
			const struct nsim_inet_host *h = &t->inet_hosts[i];
			const char *l[] = {
				nsim_arena_printf(g->arena, "internet host · %s", nsim_addr_fmt(h->address, a)),
				h->service.name ? nsim_arena_printf(g->arena, "AWS service %s%s%s", h->service.name,
								    h->region.name ? " in " : "",
								    h->region.name ? h->region.name : "")
						: NULL};
			size_t at;
			if (!l[0] || (h->service.name && !l[1]) ||
			    add_node(g, "inet", h->name.name, NSIM_GRAPH_INET_HOST, ig, l, 2, &at) < 0)
				return -ENOMEM;
			g->nodes[at].addr[0] = h->address;
		}
		if (!t->n_inet_hosts) {
			const char *l[] = {"0.0.0.0/0"};
			if (add_node(g, "net", "internet", NSIM_GRAPH_ADDRESS, ig, l, 1, NULL) < 0)
				return -ENOMEM;
		}
		inet_anchor = g->n_nodes - 1; /* the last: a row of hosts above the gateways */
	}

	size_t region;
	if (add_group(g, "cluster_region", region_name(t),
		      nsim_arena_printf(g->arena, "Region %s", region_name(t)), NSIM_GRAPH_REGION, NSIM_NONE, &region) < 0)
		return -ENOMEM;
	_cleanup_free_ size_t *vg = calloc(t->n_vpcs + 1, sizeof(*vg));
	if (!vg)
		return -ENOMEM;
	for (size_t v = 0; v < t->n_vpcs; v++) {
		vg[v] = g->n_groups;
		if (add_vpc(g, v, region, inet_anchor) < 0)
			return -ENOMEM;
	}
	for (size_t p = 0; p < t->n_peerings; p++) {
		const struct nsim_peering *pc = &t->peerings[p];
		const char *l[] = {"VPC peering"};
		size_t at;
		if (add_node(g, "pcx", pc->name.name, NSIM_GRAPH_PEERING, region, l, 1, &at) < 0)
			return -ENOMEM;
		for (int k = 0; k < 2; k++) {
			size_t to = vpc_anchor(g, vg[pc->vpc_idx[k]]);
			if (to != NSIM_NONE &&
			    add_edge(g, at, to, vg[pc->vpc_idx[k]], NULL, NSIM_GRAPH_PEERING_LINK, true) < 0)
				return -ENOMEM;
		}
	}
	*ret = TAKE_PTR(g);
	return 0;
}

void nsim_graph_free(struct nsim_graph *g)
{
	if (!g)
		return;
	free(g->groups);
	free(g->nodes);
	free(g->edges);
	nsim_hashmap_clear(&g->node_ids, NULL);
	nsim_hashmap_clear(&g->group_ids, NULL);
	nsim_arena_free(g->arena);
	free(g);
}

/* The node of an endpoint of an expectation: by name, else by address. */
static size_t endpoint_node(struct nsim_graph *g, const struct nsim_endpoint *ep, uint32_t addr,
			    const struct nsim_endpoint *from)
{
	const struct nsim_topology *t = g->t;
	const char *prefix = NULL, *name = NULL;
	switch (ep->kind) {
	case NSIM_EP_HOST:
		prefix = "host", name = t->vpcs[ep->vpc].hosts[ep->idx].name.name;
		break;
	case NSIM_EP_INET_HOST:
		prefix = "inet", name = t->inet_hosts[ep->idx].name.name;
		break;
	case NSIM_EP_NAT:
		prefix = "nat", name = t->vpcs[ep->vpc].nat_gateways[ep->idx].name.name;
		break;
	case NSIM_EP_ADDRESS:
	case NSIM_EP_DNS:
	case NSIM_EP_UNRESOLVED:
		break;
	}
	if (name)
		return node_by(g, prefix, name);
	if (!addr)
		return NSIM_NONE;
	/* an address or a name's answer: the node that has it, in the source's
	 * VPC first (two unpeered VPCs may use the same addresses) */
	size_t home = NSIM_NONE;
	if (from && from->kind == NSIM_EP_HOST)
		home = group_by(g, "cluster_vpc", t->vpcs[from->vpc].name.name);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < g->n_nodes; i++) {
			const struct nsim_graph_node *n = &g->nodes[i];
			if ((n->addr[0] == addr || n->addr[1] == addr) && (pass || home == NSIM_NONE || within(g, n->group, home)))
				return i;
		}
	return NSIM_NONE;
}

int nsim_graph_add_flow(struct nsim_graph *g, size_t expect, const struct nsim_graph_verdict *v)
{
	const struct nsim_topology *t = g->t;
	if (expect >= t->n_expects || t->expects[expect].command.argc)
		return -EINVAL;
	const struct nsim_expect *e = &t->expects[expect];
	size_t from = endpoint_node(g, &e->from, 0, NULL);
	size_t to = endpoint_node(g, &e->to, v->dst, &e->from);
	if (from == NSIM_NONE)
		return -EINVAL;
	if (to == NSIM_NONE) {
		/* an address or name that no node has: a node of its own, on the
		 * internet unless it is a private address */
		char a[NSIM_ADDR_STRLEN];
		const char *title = e->to.ref.name ? e->to.ref.name : nsim_addr_fmt(v->dst, a);
		const char *l[] = {e->to.kind == NSIM_EP_DNS ? (v->dst ? nsim_arena_printf(g->arena, "DNS name → %s", nsim_addr_fmt(v->dst, a))
							      : "DNS name, no answer")
						     : "address"};
		to = node_by(g, "addr", title);
		if (to == NSIM_NONE) {
			size_t grp = NSIM_NONE;
			if (!l[0] || (v->dst && !nsim_addr_is_private(v->dst) && internet_group(g, &grp) < 0))
				return -ENOMEM;
			const char *tt = nsim_arena_strdup(g->arena, title);
			if (!tt || add_node(g, "addr", tt, NSIM_GRAPH_ADDRESS, grp, l, 1, &to) < 0)
				return -ENOMEM;
		}
	}
	char port[32];
	if (e->proto == NSIM_PROTO_ICMP || !e->has_port)
		snprintf(port, sizeof(port), "%s", nsim_proto_name(e->proto));
	else
		snprintf(port, sizeof(port), "%u/%s", e->port.from, nsim_proto_name(e->proto));
	bool reason = v->reason && *v->reason, comp = v->component && *v->component;
	const char *label = nsim_arena_printf(g->arena, "%s%s%s%s%s%s%s", port, reason ? " " : "", reason ? v->reason : "",
					      comp ? " at " : "", comp ? v->component : "",
					      v->holds ? "" : " (expected ", v->holds ? "" : nsim_verdict_name(e->verdict));
	if (!label)
		return -ENOMEM;
	if (!v->holds && !(label = nsim_arena_printf(g->arena, "%s)", label)))
		return -ENOMEM;
	return add_edge(g, from, to, NSIM_NONE, label, v->kind, v->holds);
}

struct nsim_graph_colors nsim_graph_group_colors(enum nsim_graph_group_kind k)
{
	switch (k) {
	case NSIM_GRAPH_REGION:
		return (struct nsim_graph_colors){"#00A4A6", NULL, "#00A4A6"};
	case NSIM_GRAPH_VPC:
		return (struct nsim_graph_colors){"#8C4FFF", NULL, "#8C4FFF"};
	case NSIM_GRAPH_AZ:
		return (struct nsim_graph_colors){"#007CBC", NULL, "#007CBC"};
	case NSIM_GRAPH_SUBNET_PUBLIC:
		return (struct nsim_graph_colors){"#7AA116", "#F2F6E8", "#248814"};
	case NSIM_GRAPH_SUBNET_PRIVATE:
		return (struct nsim_graph_colors){"#00A4A6", "#E6F6F7", "#147EBA"};
	case NSIM_GRAPH_INTERNET:
		return (struct nsim_graph_colors){"#232F3E", "#F7F7F7", "#232F3E"};
	}
	return (struct nsim_graph_colors){"#000000", NULL, "#000000"};
}

struct nsim_graph_colors nsim_graph_node_colors(enum nsim_graph_node_kind k)
{
	const char *stroke = "#000000", *fill = NULL;
	switch (k) {
	case NSIM_GRAPH_HOST_INSTANCE:
	case NSIM_GRAPH_HOST_FUNCTION:
		stroke = "#ED7100";
		break;
	case NSIM_GRAPH_HOST_PROXY:
	case NSIM_GRAPH_HOST_DATABASE:
		stroke = "#C925D1";
		break;
	case NSIM_GRAPH_IGW:
	case NSIM_GRAPH_PEERING:
		fill = "#F4EDFF";
		stroke = "#8C4FFF";
		break;
	case NSIM_GRAPH_NAT:
	case NSIM_GRAPH_ENDPOINT:
		stroke = "#8C4FFF";
		break;
	case NSIM_GRAPH_INET_HOST:
	case NSIM_GRAPH_ADDRESS:
		stroke = "#232F3E";
		break;
	case NSIM_GRAPH_ROUTES:
		stroke = "#7D8998";
		break;
	}
	return (struct nsim_graph_colors){stroke, fill, "#232F3E"};
}

const char *nsim_graph_edge_color(enum nsim_graph_edge_kind k)
{
	switch (k) {
	case NSIM_GRAPH_LINK:
	case NSIM_GRAPH_PEERING_LINK:
		return "#8C4FFF";
	case NSIM_GRAPH_SERVICE_LINK:
		return "#7D8998";
	case NSIM_GRAPH_FLOW_REACHABLE:
		return "#1D8102";
	case NSIM_GRAPH_FLOW_BLOCKED:
		return "#D13212";
	case NSIM_GRAPH_FLOW_INTERMITTENT:
		return "#E07700";
	}
	return "#000000";
}

enum nsim_graph_edge_kind nsim_graph_flow_kind(enum nsim_prediction p)
{
	switch (p) {
	case NSIM_PREDICT_REACHABLE:
		return NSIM_GRAPH_FLOW_REACHABLE;
	case NSIM_PREDICT_INTERMITTENT:
		return NSIM_GRAPH_FLOW_INTERMITTENT;
	case NSIM_PREDICT_REFUSED:
	case NSIM_PREDICT_BLOCKED:
		break;
	}
	return NSIM_GRAPH_FLOW_BLOCKED;
}

int nsim_graph_add_model_flows(struct nsim_graph *g)
{
	const struct nsim_topology *t = g->t;
	_cleanup_(nsim_analyzer_freep) struct nsim_analyzer *an = NULL;
	int r = nsim_analyzer_new(t, &an);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t->n_expects; i++) {
		const struct nsim_expect *e = &t->expects[i];
		if (e->command.argc)
			continue;
		struct nsim_flow f = nsim_analyze_expect_flow(t, e);
		struct nsim_analysis a;
		if ((r = nsim_analyzer_flow(an, &f, true, &a)) < 0)
			return r;
		struct nsim_graph_verdict v = {
			.kind = nsim_graph_flow_kind(a.prediction),
			.reason = a.reason != NSIM_REASON_NONE ? nsim_reason_code(a.reason) : NULL,
			.component = a.blocked_at,
			.holds = nsim_analyze_expect_holds(e, &a),
			.dst = f.dst,
		};
		if ((r = nsim_graph_add_flow(g, i, &v)) < 0)
			return r;
	}
	return 0;
}

