/* SPDX-License-Identifier: MIT */
/*
 * Suggested fixes: for a blocked flow, the smallest change to the topology
 * file that opens the path, computed from the topology, the flow and what
 * decided it (struct nsim_decision); for a reachable flow expected
 * unreachable, the change that closes it. The change is the one nearest the
 * component that decided; fix.others says when others would also do.
 *
 * A fix is meant to be applied by a program: `path` names the place in the
 * file, `action` what to do there, `yaml` the value (docs/analyze.md,
 * "Suggested fixes", has the grammar). Pure C over a validated model.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analyze/analyze-internal.h"
#include "analyze/analyze.h"
#include "model/net.h"
#include "model/util.h"

/* The ephemeral ports a reply must be allowed to: the widest range AWS
 * lists (NAT gateways, ELB, Lambda: 1024-65535). AWS: "Ephemeral ports",
 * https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
#define EPHEMERAL "1024-65535"

/* ---- text ---- */

static void mark_truncated(char *buf, size_t size, int n)
{
	static const char ell[] = "…";
	if (n < 0 || (size_t)n < size || size < sizeof(ell))
		return;
	size_t end = size - sizeof(ell);
	while (end > 0 && ((unsigned char)buf[end] & 0xC0) == 0x80)
		end--;
	memcpy(buf + end, ell, sizeof(ell));
}

__attribute__((format(printf, 3, 4))) static void put(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	mark_truncated(buf, size, n);
}

#define PUT(field, ...) put((field), sizeof(field), __VA_ARGS__)

/* "protocol: tcp, ports: 3306", "protocol: icmp" (ports: "3306" or a range). */
static void proto_ports(enum nsim_proto proto, const char *ports, char *buf, size_t size)
{
	if (proto == NSIM_PROTO_ICMP || proto == NSIM_PROTO_ALL || !ports)
		put(buf, size, "protocol: %s", nsim_proto_name(proto));
	else
		put(buf, size, "protocol: %s, ports: %s", nsim_proto_name(proto), ports);
}

/* ---- the model ---- */

/* The host of any VPC with this private address: *ret_vpc, *ret_host. */
static bool host_at(const struct nsim_topology *t, uint32_t addr, size_t *ret_vpc, size_t *ret_host)
{
	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++)
			if (t->vpcs[v].hosts[i].address == addr) {
				*ret_vpc = v;
				*ret_host = i;
				return true;
			}
	return false;
}

/* The VPC whose CIDR has addr, NSIM_NONE if none. */
static size_t vpc_at(const struct nsim_topology *t, uint32_t addr)
{
	for (size_t v = 0; v < t->n_vpcs; v++)
		if (nsim_cidr_contains_addr(t->vpcs[v].cidr, addr))
			return v;
	return NSIM_NONE;
}

/* How a rule of a group of VPC gv names addr: the first group of the host
 * that has it (bare in gv, VPC/GROUP from a peered VPC), else its /32. */
static void peer_ref(const struct nsim_topology *t, size_t gv, uint32_t addr, char *buf, size_t size)
{
	size_t hv, hi;
	char a[NSIM_ADDR_STRLEN];
	if (host_at(t, addr, &hv, &hi) && t->vpcs[hv].hosts[hi].n_security_groups &&
	    (hv == gv || nsim_topology_peered(t, hv, gv, NULL))) {
		const struct nsim_vpc *v = &t->vpcs[hv];
		const char *g = v->security_groups[v->hosts[hi].sg_idx[0]].name.name;
		if (hv == gv)
			put(buf, size, "%s", g);
		else
			put(buf, size, "%s/%s", v->name.name, g);
		return;
	}
	put(buf, size, "%s/32", nsim_addr_fmt(addr, a));
}

/* An ACL rule's CIDR for addr: the subnet that has it (in VPC vi or a
 * peered one), else its /32. */
static void acl_peer(const struct nsim_topology *t, size_t vi, uint32_t addr, char *buf, size_t size)
{
	char c[NSIM_CIDR_STRLEN], a[NSIM_ADDR_STRLEN];
	for (size_t v = 0; v < t->n_vpcs; v++) {
		if (v != vi && !nsim_topology_peered(t, v, vi, NULL))
			continue;
		for (size_t s = 0; s < t->vpcs[v].n_subnets; s++)
			if (nsim_cidr_contains_addr(t->vpcs[v].subnets[s].cidr, addr)) {
				put(buf, size, "%s", nsim_cidr_fmt(t->vpcs[v].subnets[s].cidr, c));
				return;
			}
	}
	put(buf, size, "%s/32", nsim_addr_fmt(addr, a));
}

/* Longest prefix match in table rt of VPC v (as analyze.c, without the
 * local route): the route's index, NSIM_NONE when none matches. */
static size_t route_for(const struct nsim_vpc *v, size_t rt, uint32_t dst)
{
	size_t best = NSIM_NONE;
	int best_len = -1;
	if (rt == NSIM_NONE)
		return NSIM_NONE;
	for (size_t i = 0; i < v->route_tables[rt].n_routes; i++) {
		const struct nsim_route *r = &v->route_tables[rt].routes[i];
		if (nsim_cidr_contains_addr(r->dest, dst) && (int)r->dest.len > best_len) {
			best = i;
			best_len = r->dest.len;
		}
	}
	return best;
}

static bool public_used(const struct nsim_topology *t, uint32_t addr)
{
	for (size_t v = 0; v < t->n_vpcs; v++) {
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++)
			if (t->vpcs[v].hosts[i].public_ip == addr)
				return true;
		for (size_t i = 0; i < t->vpcs[v].n_nat_gateways; i++)
			if (t->vpcs[v].nat_gateways[i].elastic_ip == addr)
				return true;
	}
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		if (t->inet_hosts[i].address == addr)
			return true;
	return false;
}

/* A public address no one has, from netsim's internet (the documentation
 * ranges; validate/ requires them), 0 when all are taken. */
static uint32_t free_public_ip(const struct nsim_topology *t)
{
	static const uint32_t nets[] = {0xcb007100 /* 203.0.113.0 */, 0xc6336400 /* 198.51.100.0 */,
					0xc0000200 /* 192.0.2.0 */};
	for (size_t n = 0; n < ELEMENTSOF(nets); n++)
		for (uint32_t h = 10; h < 255; h++)
			if (!public_used(t, nets[n] | h) && vpc_at(t, nets[n] | h) == NSIM_NONE)
				return nets[n] | h;
	return 0;
}

/* The target a route of subnet si of VPC vi takes to the internet for a
 * packet from src: the internet gateway when src has a public IP (or is a
 * NAT gateway's), else a NAT gateway of the VPC, in another subnet, whose
 * own table routes dst to the internet gateway. AWS: "NAT gateways",
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html;
 * "Enable internet access for a VPC using an internet gateway",
 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
 * NULL when none; *ret_others when more than one would do. */
static const char *internet_target(const struct nsim_topology *t, size_t vi, size_t si, uint32_t src, uint32_t dst,
				   bool *ret_others)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	const char *igw = v->internet_gateway.name;
	const char *found = NULL;
	size_t n = 0;
	*ret_others = false;
	if (igw) {
		for (size_t i = 0; i < v->n_hosts; i++)
			if (v->hosts[i].address == src && v->hosts[i].public_ip)
				return igw;
		for (size_t i = 0; i < v->n_nat_gateways; i++)
			if (v->nat_gateways[i].address == src)
				return igw;
	}
	for (size_t i = 0; igw && i < v->n_nat_gateways; i++) {
		const struct nsim_nat_gateway *g = &v->nat_gateways[i];
		if (g->subnet_idx == si || g->subnet_idx == NSIM_NONE)
			continue;
		size_t rt = nsim_analyze_table_of(v, &v->subnets[g->subnet_idx]);
		size_t r = route_for(v, rt, dst);
		if (r == NSIM_NONE || v->route_tables[rt].routes[r].kind != NSIM_TARGET_IGW)
			continue;
		if (!found)
			found = g->name.name;
		n++;
	}
	*ret_others = n > 1;
	return found;
}

/* ---- the fix ---- */

__attribute__((format(printf, 6, 7))) static void set(struct nsim_fix *x, enum nsim_fix_action action,
						      const char *component, const char *path, const char *yaml,
						      const char *text, ...)
{
	x->action = action;
	PUT(x->component, "%s", component ? component : "");
	PUT(x->path, "%s", path ? path : "");
	PUT(x->yaml, "%s", yaml ? yaml : "");
	va_list ap;
	va_start(ap, text);
	int n = vsnprintf(x->text, sizeof(x->text), text, ap);
	va_end(ap);
	mark_truncated(x->text, sizeof(x->text), n);
}

/* A route to dst for table rt of VPC vi (used by subnet si, for a packet
 * from src): added, or the matching route's target changed. */
static void route_to(const struct nsim_topology *t, size_t vi, size_t si, size_t rt, uint32_t src, uint32_t dst,
		     struct nsim_fix *x)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	char c[NSIM_CIDR_STRLEN], path[160], yaml[160];
	const char *target = NULL, *dest = "0.0.0.0/0";
	size_t ov = vpc_at(t, dst);
	size_t pc;
	bool others = false;
	if (ov != NSIM_NONE && ov != vi) {
		/* AWS: "Update your route tables for a VPC peering connection",
		 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html */
		if (!nsim_topology_peered(t, vi, ov, &pc)) {
			put(yaml, sizeof(yaml), "{ name: %s-%s, between: [%s, %s] }", v->name.name, t->vpcs[ov].name.name,
			    v->name.name, t->vpcs[ov].name.name);
			set(x, NSIM_FIX_ADD, "peerings", "peerings", yaml,
			    "VPC %s and VPC %s are not peered: add to peerings: %s, then a route to it on both sides",
			    v->name.name, t->vpcs[ov].name.name, yaml);
			x->others = true;
			return;
		}
		target = t->peerings[pc].name.name;
		dest = nsim_cidr_fmt(t->vpcs[ov].cidr, c);
	} else if (ov == NSIM_NONE) {
		target = internet_target(t, vi, si, src, dst, &others);
	}
	if (!target) {
		if (!v->internet_gateway.name) {
			put(yaml, sizeof(yaml), "igw-%s", v->name.name);
			put(path, sizeof(path), "vpcs[%s].internet_gateway", v->name.name);
			set(x, NSIM_FIX_ADD, v->name.name, path, yaml,
			    "VPC %s has no internet gateway: set internet_gateway: %s, and route 0.0.0.0/0 to it (a public "
			    "subnet with a NAT gateway, or a public IP for the host)",
			    v->name.name, yaml);
		} else
			set(x, NSIM_FIX_NONE, v->name.name, "", "",
			    "VPC %s has no NAT gateway whose subnet routes to internet gateway %s: add one in a public "
			    "subnet, then route 0.0.0.0/0 to it",
			    v->name.name, v->internet_gateway.name);
		x->others = true;
		return;
	}
	if (rt == NSIM_NONE) {
		const char *sn = v->subnets[si].name.name;
		put(yaml, sizeof(yaml), "{ name: %s-rt, routes: [ { destination: %s, target: %s } ] }", sn, dest, target);
		put(path, sizeof(path), "vpcs[%s].route_tables", v->name.name);
		set(x, NSIM_FIX_ADD, v->name.name, path, yaml,
		    "subnet %s has no route table (local route only): add to VPC %s route_tables: %s, and give subnet %s "
		    "route_table: %s-rt",
		    sn, v->name.name, yaml, sn, sn);
		x->others = true;
		return;
	}
	const struct nsim_route_table *tab = &v->route_tables[rt];
	size_t r = route_for(v, rt, dst);
	if (r != NSIM_NONE) {
		char d[NSIM_CIDR_STRLEN];
		nsim_cidr_fmt(tab->routes[r].dest, d);
		put(path, sizeof(path), "vpcs[%s].route_tables[%s].routes[%s].target", v->name.name, tab->name.name, d);
		set(x, NSIM_FIX_CHANGE, tab->name.name, path, target,
		    "in route table %s, change the target of %s from %s to %s", tab->name.name, d,
		    tab->routes[r].target.name, target);
	} else {
		put(yaml, sizeof(yaml), "{ destination: %s, target: %s }", dest, target);
		put(path, sizeof(path), "vpcs[%s].route_tables[%s].routes", v->name.name, tab->name.name);
		set(x, NSIM_FIX_ADD, tab->name.name, path, yaml, "add to route table %s: %s", tab->name.name, yaml);
	}
	x->others = others;
}

/* Removes route r of table rt of VPC vi. */
static void route_remove(const struct nsim_topology *t, size_t vi, size_t rt, size_t r, const char *why,
			 struct nsim_fix *x)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	const struct nsim_route_table *tab = &v->route_tables[rt];
	char d[NSIM_CIDR_STRLEN], path[160], yaml[160];
	nsim_cidr_fmt(tab->routes[r].dest, d);
	put(yaml, sizeof(yaml), "{ destination: %s, target: %s }", d, tab->routes[r].target.name);
	put(path, sizeof(path), "vpcs[%s].route_tables[%s].routes", v->name.name, tab->name.name);
	set(x, NSIM_FIX_REMOVE, tab->name.name, path, yaml, "remove from route table %s: %s%s", tab->name.name, yaml,
	    why);
}

static void fix_no_route(const struct nsim_topology *t, const struct nsim_decision *d, struct nsim_fix *x)
{
	char a[NSIM_ADDR_STRLEN], path[160], yaml[200];
	switch (d->comp.kind) {
	case NSIM_COMP_ROUTE_TABLE: {
		const struct nsim_vpc *v = &t->vpcs[d->vpc];
		size_t rt = d->comp.b;
		if (d->reply) {
			/* the reply to d->dst: back by the local route, or to the gateway it came through */
			size_t r = route_for(v, rt, d->dst);
			if (nsim_cidr_contains_addr(v->cidr, d->dst) && r != NSIM_NONE) {
				route_remove(t, d->vpc, rt, r, " (the reply must come back by the local route)", x);
				x->others = true;
				return;
			}
			route_to(t, d->vpc, d->subnet, rt, d->src, d->dst, x);
			/* a route the subnet's other traffic uses: a more specific one, or another subnet, would do too */
			x->others = x->others || x->action == NSIM_FIX_CHANGE;
			return;
		}
		size_t r = rt == NSIM_NONE ? NSIM_NONE : route_for(v, rt, d->dst);
		if (r != NSIM_NONE && v->route_tables[rt].routes[r].kind == NSIM_TARGET_NAT) {
			/* a NAT gateway's own subnet routing back to it: to the internet gateway instead */
			const struct nsim_route *rr = &v->route_tables[rt].routes[r];
			const char *nat = v->nat_gateways[rr->target_idx].name.name;
			char dc[NSIM_CIDR_STRLEN];
			nsim_cidr_fmt(rr->dest, dc);
			if (v->internet_gateway.name) {
				put(path, sizeof(path), "vpcs[%s].route_tables[%s].routes[%s].target", v->name.name,
				    v->route_tables[rt].name.name, dc);
				set(x, NSIM_FIX_CHANGE, v->route_tables[rt].name.name, path, v->internet_gateway.name,
				    "in route table %s, change the target of %s from %s to %s: NAT gateway %s's subnet must "
				    "route to the internet gateway (or move %s to a public subnet)",
				    v->route_tables[rt].name.name, dc, nat, v->internet_gateway.name, nat, nat);
			} else {
				put(path, sizeof(path), "vpcs[%s].internet_gateway", v->name.name);
				put(yaml, sizeof(yaml), "igw-%s", v->name.name);
				set(x, NSIM_FIX_ADD, v->name.name, path, yaml,
				    "VPC %s has no internet gateway for NAT gateway %s: set internet_gateway: %s and route "
				    "%s's subnet to it",
				    v->name.name, nat, yaml, nat);
			}
			x->others = true;
			return;
		}
		if (r != NSIM_NONE) {
			set(x, NSIM_FIX_NONE, v->route_tables[rt].name.name, "", "",
			    "route table %s: give its route for %s a target of the VPC", v->route_tables[rt].name.name,
			    nsim_addr_fmt(d->dst, a));
			return;
		}
		route_to(t, d->vpc, d->subnet, rt, d->src, d->dst, x);
		return;
	}
	case NSIM_COMP_VPC: {
		const struct nsim_vpc *v = &t->vpcs[d->vpc];
		nsim_addr_fmt(d->dst, a);
		for (size_t s = 0; nsim_cidr_contains_addr(v->cidr, d->dst) && s < v->n_subnets; s++) {
			if (!nsim_cidr_contains_addr(v->subnets[s].cidr, d->dst) ||
			    nsim_subnet_reserved(v->subnets[s].cidr, d->dst))
				continue;
			char name[40];
			put(name, sizeof(name), "host-%s", a);
			for (char *p = name; *p; p++)
				if (*p == '.')
					*p = '-';
			put(yaml, sizeof(yaml), "{ name: %s, subnet: %s, address: %s }", name, v->subnets[s].name.name, a);
			put(path, sizeof(path), "vpcs[%s].hosts", v->name.name);
			set(x, NSIM_FIX_ADD, v->name.name, path, yaml,
			    "nothing in VPC %s has %s: add to hosts: %s (or send to an address a host has)", v->name.name, a,
			    yaml);
			x->others = true;
			return;
		}
		set(x, NSIM_FIX_NONE, v->name.name, "", "",
		    "nothing in VPC %s can have %s: send to an address of one of its hosts (or a routing loop: give the "
		    "gateways' subnets routes that leave the VPC)",
		    v->name.name, a);
		return;
	}
	case NSIM_COMP_INTERNET: {
		size_t hv, hi;
		nsim_addr_fmt(d->dst, a);
		uint32_t ip = free_public_ip(t);
		if (host_at(t, d->dst, &hv, &hi) && ip) {
			const struct nsim_vpc *v = &t->vpcs[hv];
			char b[NSIM_ADDR_STRLEN];
			put(path, sizeof(path), "vpcs[%s].hosts[%s].public_ip", v->name.name, v->hosts[hi].name.name);
			set(x, NSIM_FIX_ADD, v->hosts[hi].name.name, path, nsim_addr_fmt(ip, b),
			    "%s (%s) has no public IP, and private addresses are not routed on the internet: give it "
			    "public_ip: %s (in a subnet that routes 0.0.0.0/0 to the internet gateway)",
			    v->hosts[hi].name.name, a, b);
			x->others = true;
			return;
		}
		set(x, NSIM_FIX_NONE, "internet", "", "",
		    "nothing on the internet has %s: send to an internet host's address, or a host's public IP", a);
		return;
	}
	default:
		set(x, NSIM_FIX_NONE, d->comp.ref.name, "", "", "no change to the file found");
		return;
	}
}

static void fix_blackhole(const struct nsim_topology *t, const struct nsim_decision *d, struct nsim_fix *x)
{
	const struct nsim_vpc *v = &t->vpcs[d->vpc];
	size_t rt = d->comp.b;
	size_t r = route_for(v, rt, d->dst);
	if (rt == NSIM_NONE || r == NSIM_NONE) {
		set(x, NSIM_FIX_NONE, d->comp.ref.name, "", "", "no change to the file found");
		return;
	}
	route_to(t, d->vpc, d->subnet, rt, d->src, d->dst, x);
	if (x->action == NSIM_FIX_CHANGE)
		return;
	/* no target would carry it: the blackhole goes, the next route decides */
	route_remove(t, d->vpc, rt, r, "", x);
	x->others = true;
}

static void fix_public_ip(const struct nsim_topology *t, const struct nsim_decision *d, struct nsim_fix *x)
{
	const struct nsim_vpc *v = &t->vpcs[d->vpc];
	char path[160], ip[NSIM_ADDR_STRLEN];
	uint32_t pub = free_public_ip(t);
	for (size_t i = 0; i < v->n_hosts; i++) {
		const struct nsim_host *h = &v->hosts[i];
		if (h->address != d->src || !pub)
			continue;
		put(path, sizeof(path), "vpcs[%s].hosts[%s].public_ip", v->name.name, h->name.name);
		set(x, NSIM_FIX_ADD, h->name.name, path, nsim_addr_fmt(pub, ip),
		    "%s is in public subnet %s without a public IP: give it public_ip: %s, or move it to a private subnet "
		    "that routes 0.0.0.0/0 to a NAT gateway",
		    h->name.name, v->subnets[d->subnet].name.name, ip);
		x->others = true;
		return;
	}
	set(x, NSIM_FIX_NONE, d->comp.ref.name, "", "", "give the source a public or elastic IP");
}

static void fix_igw(const struct nsim_topology *t, const struct nsim_decision *d, struct nsim_fix *x)
{
	const struct nsim_vpc *v = &t->vpcs[d->comp.a];
	char path[160], yaml[64];
	put(yaml, sizeof(yaml), "igw-%s", v->name.name);
	put(path, sizeof(path), "vpcs[%s].internet_gateway", v->name.name);
	set(x, NSIM_FIX_ADD, v->name.name, path, yaml,
	    "attach an internet gateway to VPC %s (internet_gateway: %s), and route 0.0.0.0/0 to it from the host's "
	    "subnet",
	    v->name.name, yaml);
	x->others = true;
}

static void fix_peering(const struct nsim_topology *t, const struct nsim_decision *d, struct nsim_fix *x)
{
	const struct nsim_vpc *v = &t->vpcs[d->vpc];
	size_t rt = nsim_analyze_table_of(v, &v->subnets[d->subnet]);
	if (!nsim_cidr_contains_addr(v->cidr, d->src)) {
		set(x, NSIM_FIX_NONE, d->comp.ref.name, "", "",
		    "peering %s carries only its two VPCs' own traffic: send from VPC %s itself", d->comp.ref.name,
		    v->name.name);
		return;
	}
	/* a direct peering, or the VPC's own way to the internet (no edge-to-edge routing) */
	route_to(t, d->vpc, d->subnet, rt, d->src, d->dst, x);
}

/* A free rule number of list rules[0..n) that comes before `before` (0:
 * the `*` rule, after every numbered one), 0 when none. */
static uint32_t free_number(const struct nsim_acl_rule *rules, size_t n, uint32_t before)
{
	uint32_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (rules[i].number > max)
			max = rules[i].number;
	uint32_t want = before ? before - 1 : (max / 10 + 1) * 10;
	if (want > 32766)
		want = 32766;
	for (uint32_t k = want; k >= 1; k--) {
		bool used = false;
		for (size_t i = 0; i < n && !used; i++)
			used = rules[i].number == k;
		if (!used)
			return k;
	}
	return 0;
}

/* ACL_DENY, ACL_RETURN_DENY: an allow rule that comes before the deny.
 * AWS: "Control subnet traffic with network access control lists",
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
static void fix_acl(const struct nsim_topology *t, const struct nsim_decision *d, const char *ports, struct nsim_fix *x)
{
	const struct nsim_vpc *v = &t->vpcs[d->comp.a];
	if (d->comp.b == NSIM_NONE) {
		set(x, NSIM_FIX_NONE, d->comp.ref.name, "", "", "the default network ACL allows all");
		return;
	}
	const struct nsim_network_acl *acl = &v->network_acls[d->comp.b];
	const struct nsim_acl_rule *rules = d->ingress ? acl->ingress : acl->egress;
	size_t n = d->ingress ? acl->n_ingress : acl->n_egress;
	const char *list = d->ingress ? "ingress" : "egress";
	char peer[NSIM_CIDR_STRLEN + 4], port[16], pp[64], yaml[200], path[160];
	acl_peer(t, d->comp.a, d->ingress ? d->src : d->dst, peer, sizeof(peer));
	put(port, sizeof(port), "%u", d->dport);
	proto_ports(d->proto, ports ? ports : d->reply ? EPHEMERAL : port, pp, sizeof(pp));
	uint32_t num = free_number(rules, n, d->rule);
	if (!num) {
		put(path, sizeof(path), "vpcs[%s].network_acls[%s].%s[%u].action", v->name.name, acl->name.name, list,
		    d->rule);
		set(x, NSIM_FIX_CHANGE, acl->name.name, path, "allow",
		    "no free rule number before rule %u of network ACL %s %s: change its action to allow", d->rule,
		    acl->name.name, list);
		x->others = true;
		return;
	}
	put(yaml, sizeof(yaml), "{ rule: %u, %s, %s: %s, action: allow }", num, pp, d->ingress ? "source" : "destination",
	    peer);
	put(path, sizeof(path), "vpcs[%s].network_acls[%s].%s", v->name.name, acl->name.name, list);
	set(x, NSIM_FIX_ADD, acl->name.name, path, yaml, "add to network ACL %s %s: %s%s", acl->name.name, list, yaml,
	    d->reply ? " (ACLs are stateless: the reply goes to the client's ephemeral port)" : "");
}

/* SG_INGRESS_NO_RULE, SG_EGRESS_NO_RULE: a rule in the host's (first)
 * group. AWS: "Security group rules",
 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html */
static void fix_sg(const struct nsim_topology *t, const struct nsim_decision *d, bool ingress, struct nsim_fix *x)
{
	size_t gv = d->comp.a;
	const struct nsim_vpc *v = &t->vpcs[gv];
	const struct nsim_host *h = d->host != NSIM_NONE ? &v->hosts[d->host] : NULL;
	char peer[96], port[16], pp[64], rule[200], path[160], comp[96];
	peer_ref(t, gv, ingress ? d->src : d->dst, peer, sizeof(peer));
	put(port, sizeof(port), "%u", d->dport);
	proto_ports(d->proto, port, pp, sizeof(pp));
	put(rule, sizeof(rule), "{ %s, %s: %s }", pp, ingress ? "source" : "destination", peer);
	if (d->comp.b == NSIM_NONE) {
		/* the VPC's default group, not written in the file: a rule of its
		 * own (the applier writes the group first, with AWS's rules) */
		const char *hn = h ? h->name.name : "the host";
		put(path, sizeof(path), "vpcs[%s].security_groups[default].%s", v->name.name, ingress ? "ingress" : "egress");
		set(x, NSIM_FIX_ADD, "default", path, rule, "add to default %s (VPC %s's default group, which %s is in): %s",
		    ingress ? "ingress" : "egress", v->name.name, hn, rule);
		x->others = true;
		return;
	}
	nsim_analyze_sg_name(t, gv, gv, d->comp.b, comp, sizeof(comp));
	put(path, sizeof(path), "vpcs[%s].security_groups[%s].%s", v->name.name, v->security_groups[d->comp.b].name.name,
	    ingress ? "ingress" : "egress");
	set(x, NSIM_FIX_ADD, comp, path, rule, "add to %s %s: %s", comp, ingress ? "ingress" : "egress", rule);
	x->others = h && h->n_security_groups > 1;
}

static void fix_listener(const struct nsim_topology *t, const struct nsim_decision *d, struct nsim_fix *x)
{
	char path[160], svc[32];
	put(svc, sizeof(svc), "%u/%s", d->dport, nsim_proto_name(d->proto));
	if (d->comp.kind == NSIM_COMP_INET_HOST) {
		const char *n = t->inet_hosts[d->comp.a].name.name;
		put(path, sizeof(path), "internet.hosts[%s].listen", n);
		set(x, NSIM_FIX_ADD, n, path, svc, "add to %s listen: %s", n, svc);
		return;
	}
	const struct nsim_vpc *v = &t->vpcs[d->comp.a];
	const char *n = v->hosts[d->comp.b].name.name;
	put(path, sizeof(path), "vpcs[%s].hosts[%s].listen", v->name.name, n);
	set(x, NSIM_FIX_ADD, n, path, svc, "add to %s listen: %s (or run a service there that listens on it)", n, svc);
}

/* NAME_NOT_FOUND: the name, on the host (or internet host) named like its
 * first label. AWS: "DNS attributes for your VPC",
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html */
static void fix_name(const struct nsim_topology *t, const struct nsim_flow *f, const struct nsim_decision *d,
		     struct nsim_fix *x)
{
	const char *name = f->name ? f->name : "";
	char label[64], path[200];
	if (d->comp.kind == NSIM_COMP_VPC && !t->vpcs[d->comp.a].dns_support) {
		put(path, sizeof(path), "vpcs[%s].dns_support", t->vpcs[d->comp.a].name.name);
		set(x, NSIM_FIX_CHANGE, t->vpcs[d->comp.a].name.name, path, "true",
		    "VPC %s has no DNS server: set dns_support: true", t->vpcs[d->comp.a].name.name);
		x->others = true;
		return;
	}
	size_t len = strcspn(name, ".");
	put(label, sizeof(label), "%.*s", (int)(len < sizeof(label) ? len : sizeof(label) - 1), name);
	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++) {
			const struct nsim_host *h = &t->vpcs[v].hosts[i];
			bool visible = d->comp.kind == NSIM_COMP_VPC
					       ? v == d->comp.a || nsim_topology_peered(t, v, d->comp.a, NULL) || h->public_ip
					       : h->public_ip != 0;
			if (!streq(h->name.name, label) || !visible)
				continue;
			put(path, sizeof(path), "vpcs[%s].hosts[%s].dns_names", t->vpcs[v].name.name, h->name.name);
			set(x, NSIM_FIX_ADD, h->name.name, path, name, "add to %s dns_names: %s", h->name.name, name);
			x->others = true;
			return;
		}
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		if (streq(t->inet_hosts[i].name.name, label)) {
			put(path, sizeof(path), "internet.hosts[%s].dns_names", label);
			set(x, NSIM_FIX_ADD, label, path, name, "add to %s dns_names: %s", label, name);
			x->others = true;
			return;
		}
	set(x, NSIM_FIX_NONE, d->comp.ref.name, "", "",
	    "add %s to the dns_names of the host it should reach (or a record to a private zone associated with the "
	    "source's VPC)",
	    name);
}

/* The endpoint issue's codes (analyze/endpoints.c). AWS PrivateLink guide:
 * "Access an AWS service using an interface VPC endpoint",
 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
static void fix_endpoint(const struct nsim_topology *t, enum nsim_reason reason, const struct nsim_decision *d,
			 struct nsim_fix *x)
{
	if (d->comp.kind != NSIM_COMP_ENDPOINT || d->comp.a >= t->n_vpcs || d->comp.b >= t->vpcs[d->comp.a].n_endpoints) {
		set(x, NSIM_FIX_NONE, d->comp.ref.name, "", "", "no change to the file found");
		return;
	}
	const struct nsim_vpc *v = &t->vpcs[d->comp.a];
	const struct nsim_vpc_endpoint *ep = &v->endpoints[d->comp.b];
	char path[200], rule[200], peer[96], port[16], pp[64], comp[96];
	switch (reason) {
	case NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE: {
		peer_ref(t, d->comp.a, d->src, peer, sizeof(peer));
		put(port, sizeof(port), "%u", d->dport);
		proto_ports(d->proto, port, pp, sizeof(pp));
		put(rule, sizeof(rule), "{ %s, source: %s }", pp, peer);
		size_t g = ep->n_security_groups && ep->sg_idx ? ep->sg_idx[0] : NSIM_NONE;
		nsim_analyze_sg_name(t, d->comp.a, d->comp.a, g, comp, sizeof(comp));
		put(path, sizeof(path), "vpcs[%s].security_groups[%s].ingress", v->name.name,
		    g == NSIM_NONE ? "default" : v->security_groups[g].name.name);
		set(x, NSIM_FIX_ADD, comp, path, rule, "add to %s ingress (the groups of endpoint %s): %s", comp,
		    ep->name.name, rule);
		x->others = ep->n_security_groups > 1;
		return;
	}
	case NSIM_REASON_NAME_RESOLVES_PUBLIC:
		put(path, sizeof(path), "vpcs[%s].endpoints[%s].private_dns", v->name.name, ep->name.name);
		set(x, NSIM_FIX_CHANGE, ep->name.name, path, "true",
		    "turn private DNS on for endpoint %s (private_dns: true%s), so the service's name resolves to it",
		    ep->name.name, v->dns_hostnames ? "" : "; it needs dns_hostnames: true on VPC too");
		x->others = true;
		return;
	case NSIM_REASON_ENDPOINT_NOT_IN_REGION:
	default:
		if (d->subnet != NSIM_NONE) {
			route_to(t, d->comp.a, d->subnet, nsim_analyze_table_of(v, &v->subnets[d->subnet]), d->src, d->dst, x);
			if (x->action != NSIM_FIX_NONE) {
				char more[sizeof(x->text)];
				put(more, sizeof(more), "%s (endpoint %s serves region %s only: or create an endpoint in the "
					  "service's region)", x->text, ep->name.name,
				    ep->service_region ? ep->service_region : "its own");
				PUT(x->text, "%s", more);
				x->others = true;
				return;
			}
		}
		set(x, NSIM_FIX_NONE, ep->name.name, "", "",
		    "endpoint %s reaches its service in its own region only: create an endpoint in the service's region, "
		    "or route to a NAT gateway",
		    ep->name.name);
		x->others = true;
		return;
	}
}

void nsim_analyze_fix(const struct nsim_topology *t, const struct nsim_flow *f, struct nsim_analysis *a)
{
	struct nsim_fix *x = &a->fix;
	const struct nsim_decision *d = &a->decision;
	*x = (struct nsim_fix){0};
	switch (a->reason) {
	case NSIM_REASON_NONE:
		return;
	case NSIM_REASON_NO_ROUTE:
		fix_no_route(t, d, x);
		return;
	case NSIM_REASON_BLACKHOLE_ROUTE:
		fix_blackhole(t, d, x);
		return;
	case NSIM_REASON_NO_PUBLIC_IP:
		fix_public_ip(t, d, x);
		return;
	case NSIM_REASON_IGW_NOT_ATTACHED:
		fix_igw(t, d, x);
		return;
	case NSIM_REASON_NAT_INBOUND_UNSOLICITED:
		/* AWS: "NAT gateways" (no connection can be started toward one),
		 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html */
		set(x, NSIM_FIX_NONE, d->comp.ref.name, "", "",
		    "none in the file: a NAT gateway accepts no connection started toward it; send to a host instead (one "
		    "with a public IP in a public subnet, to be reached from the internet)");
		return;
	case NSIM_REASON_PEERING_NOT_TRANSITIVE:
		fix_peering(t, d, x);
		return;
	case NSIM_REASON_ACL_DENY:
	case NSIM_REASON_ACL_RETURN_DENY:
		fix_acl(t, d, NULL, x);
		return;
	case NSIM_REASON_ACL_RETURN_PARTIAL: {
		/* the rule that returns the ports the ACL leaves out, before the one
		 * that denies them (one range; else the whole range of the leg) */
		char ports[16] = "";
		for (size_t i = a->partial_leg; i < a->n_legs && !ports[0]; i++) {
			const struct nsim_port_leg *l = &a->legs[i];
			struct nsim_ports all = nsim_ports_range(l->range.from, l->range.to), missing;
			nsim_ports_subtract(&all, &l->pass, &missing);
			if (!missing.n)
				continue;
			if (missing.n == 1)
				put(ports, sizeof(ports), "%u-%u", missing.r[0].from, missing.r[0].to);
			else
				put(ports, sizeof(ports), "%u-%u", l->range.from, l->range.to);
		}
		fix_acl(t, d, ports[0] ? ports : NULL, x);
		return;
	}
	case NSIM_REASON_SG_INGRESS_NO_RULE:
		fix_sg(t, d, true, x);
		return;
	case NSIM_REASON_SG_EGRESS_NO_RULE:
		fix_sg(t, d, false, x);
		return;
	case NSIM_REASON_NO_LISTENER:
		fix_listener(t, d, x);
		return;
	case NSIM_REASON_NAME_NOT_FOUND:
		fix_name(t, f, d, x);
		return;
	case NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE:
	case NSIM_REASON_ENDPOINT_NOT_IN_REGION:
	case NSIM_REASON_NAME_RESOLVES_PUBLIC:
		fix_endpoint(t, a->reason, d, x);
		return;
	}
}

/* ---- closing a path ---- */

/* A rule as the file would write it. */
static void rule_yaml(const struct nsim_sg_rule *r, bool ingress, char *buf, size_t size)
{
	char ports[16], pp[64];
	if (r->port_from == r->port_to)
		put(ports, sizeof(ports), "%u", r->port_from);
	else
		put(ports, sizeof(ports), "%u-%u", r->port_from, r->port_to);
	proto_ports(r->proto, r->has_ports ? ports : NULL, pp, sizeof(pp));
	put(buf, size, "{ %s, %s: %s }", pp, ingress ? "source" : "destination", r->peer.name ? r->peer.name : "?");
}

void nsim_analyze_fix_close(const struct nsim_topology *t, const struct nsim_flow *f, const struct nsim_analysis *a,
			    struct nsim_fix *ret)
{
	const struct nsim_decision *d = &a->decision;
	struct nsim_fix x = {0};
	char path[200], yaml[200], comp[96];
	if (a->prediction != NSIM_PREDICT_REACHABLE) {
		*ret = x;
		return;
	}
	if (d->vpc != NSIM_NONE && d->host != NSIM_NONE) {
		/* the destination's group rule that admits it: nearest the destination */
		const struct nsim_vpc *v = &t->vpcs[d->vpc];
		const struct nsim_host *h = &v->hosts[d->host];
		size_t n = 0;
		for (size_t k = 0; k < h->n_security_groups; k++) {
			const struct nsim_security_group *g = &v->security_groups[h->sg_idx[k]];
			for (size_t i = 0; i < g->n_ingress; i++) {
				if (!nsim_analyze_sg_rule_matches(t, &g->ingress[i], d->src, d->proto, d->dport))
					continue;
				if (n++)
					continue;
				rule_yaml(&g->ingress[i], true, yaml, sizeof(yaml));
				nsim_analyze_sg_name(t, d->vpc, d->vpc, h->sg_idx[k], comp, sizeof(comp));
				put(path, sizeof(path), "vpcs[%s].security_groups[%s].ingress", v->name.name, g->name.name);
				set(&x, NSIM_FIX_REMOVE, comp, path, yaml, "remove from %s ingress: %s", comp, yaml);
			}
		}
		if (n > 1) {
			char more[sizeof(x.text)];
			put(more, sizeof(more), "%s (and the %zu other rule%s of %s's groups that allow it)", x.text, n - 1,
			    n > 2 ? "s" : "", h->name.name);
			PUT(x.text, "%s", more);
			x.others = true;
		}
		if (n) {
			*ret = x;
			return;
		}
		if (!h->n_security_groups) {
			put(path, sizeof(path), "vpcs[%s].security_groups", v->name.name);
			put(yaml, sizeof(yaml), "{ name: %s-sg }", h->name.name);
			set(&x, NSIM_FIX_ADD, v->name.name, path, yaml,
			    "%s is in VPC %s's default group, which admits its members: add to security_groups: %s, and "
			    "give %s security_groups: [%s-sg]",
			    h->name.name, v->name.name, yaml, h->name.name, h->name.name);
			x.others = true;
			*ret = x;
			return;
		}
	}
	if (f->from.kind == NSIM_EP_HOST) {
		/* to the internet: the route of the source's subnet that carries it */
		const struct nsim_vpc *v = &t->vpcs[f->from.vpc];
		const struct nsim_host *h = &v->hosts[f->from.idx];
		size_t rt = nsim_analyze_table_of(v, &v->subnets[h->subnet_idx]);
		size_t r = route_for(v, rt, f->dst);
		if (r != NSIM_NONE && !nsim_cidr_contains_addr(v->cidr, f->dst)) {
			route_remove(t, f->from.vpc, rt, r, "", &x);
			x.others = true;
			*ret = x;
			return;
		}
	}
	set(&x, NSIM_FIX_NONE, "", "", "", "no single change to the file found");
	*ret = x;
}

const char *nsim_fix_action_name(enum nsim_fix_action a)
{
	switch (a) {
	case NSIM_FIX_NONE:
		return "none";
	case NSIM_FIX_ADD:
		return "add";
	case NSIM_FIX_REMOVE:
		return "remove";
	case NSIM_FIX_CHANGE:
		return "change";
	}
	return "?";
}
