/* SPDX-License-Identifier: MIT */
/*
 * The data plane, as kernel operations. Layout (no bridges):
 *
 *   host ns  eth0 (addr/subnet-len, default via +1) ── port in the VPC router ns
 *   VPC router ns: every port holds the subnet's +1 address as /32, proxy_arp on,
 *                  a /32 route per host, so even same-subnet traffic crosses the
 *                  router, as in a VPC. One kernel table per route table, chosen
 *                  by a rule on the source subnet; each table ends with a `throw`
 *                  for the VPC CIDR, so the implicit local route loses to more
 *                  specific routes only, as AWS's longest-prefix match does.
 *   IGW ns:  between the router and the internet ns; 1:1 NAT public <-> private.
 *   NAT ns:  a host-like port in its subnet; SNAT to its own address, which the
 *            IGW maps to the elastic IP.
 *   internet ns: a router for the internet hosts (each in its own ns) and the
 *            public addresses behind each IGW.
 *   peering: a veth between two VPC routers, filtered to src/dst of the pair.
 *
 * Point-to-point links between netsim's routers use 169.254.0.0/16 /30s: they
 * never meet a VPC CIDR (10/8, 172.16/12, 192.168/16 or public) nor the
 * documentation ranges of the internet.
 *
 * The AWS rules this follows (the full list: docs/sources.md):
 *   +1 is the VPC router: "Subnet CIDR blocks",
 *     https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
 *   longest prefix match, the local route: "Route priority",
 *     https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html
 *   the IGW's 1:1 NAT: "Enable internet access for a VPC using an internet gateway",
 *     https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
 *   NAT gateways: "NAT gateways",
 *     https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
 *   peering: "VPC peering limitations",
 *     https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/hashmap.h"
#include "model/util.h"
#include "plan/plan-internal.h"
#include "plan/services.h"

#define TABLE_BASE 100       /* kernel table of route table i: TABLE_BASE + i */
#define RULE_PRIO_BASE 1000  /* ip rule of subnet i: RULE_PRIO_BASE + i */
#define NAT_RULE_PRIO_BASE 500 /* ip rule of NAT gateway i, before the subnets' */
#define INET_GW 0xA9FE0001u  /* 169.254.0.1: the internet router, as seen by internet hosts */

void *nsim_plan_grow(struct nsim_plan *p, void *arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *na = nsim_arena_alloc(p->arena, ncap, size);
	if (!na)
		return NULL;
	if (n)
		memcpy(na, arr, n * size);
	*cap = ncap;
	return na;
}

int nsim_plan_add_op(struct nsim_plan *p, const struct nsim_op *o)
{
	struct nsim_op *ops = nsim_plan_grow(p, p->ops, &p->cap_ops, p->n_ops, sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	p->ops = ops;
	p->ops[p->n_ops++] = *o;
	return 0;
}

int nsim_plan_add_process(struct nsim_plan *p, const struct nsim_plan_process *pr)
{
	struct nsim_plan_process *ps = nsim_plan_grow(p, p->processes, &p->cap_processes, p->n_processes, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	p->processes = ps;
	p->processes[p->n_processes++] = *pr;
	return 0;
}

static void *grow(struct plan_builder *b, void *arr, size_t *cap, size_t n, size_t size)
{
	void *na = nsim_plan_grow(b->p, arr, cap, n, size);
	if (!na)
		b->err = -ENOMEM;
	return na;
}

struct nsim_op *plan_op(struct plan_builder *b, enum nsim_op_kind kind, const char *ns)
{
	struct nsim_plan *p = b->p;
	if (b->err)
		return NULL;
	struct nsim_op *ops = grow(b, p->ops, &p->cap_ops, p->n_ops, sizeof(*ops));
	if (!ops)
		return NULL;
	p->ops = ops;
	struct nsim_op *o = &ops[p->n_ops++];
	*o = (struct nsim_op){.kind = kind, .ns = ns, .table = NSIM_TABLE_MAIN};
	return o;
}

const char *plan_str(struct plan_builder *b, const char *fmt, ...)
{
	if (b->err)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		b->err = -ENOMEM;
		return NULL;
	}
	char *copy = nsim_arena_strdup(b->p->arena, s);
	free(s);
	if (!copy)
		b->err = -ENOMEM;
	return copy;
}

size_t nsim_plan_ns_name(char *buf, size_t size, const char *name, const char *node)
{
	int n = snprintf(buf, size, "netsim-%s-%s", name, node);
	return n < 0 ? 0 : (size_t)n;
}

size_t nsim_plan_ns_path(char *buf, size_t size, const char *ns)
{
	int n = snprintf(buf, size, NSIM_NETNS_RUN_DIR "/%s", ns);
	return n < 0 ? 0 : (size_t)n;
}

bool nsim_plan_name_valid(const char *name)
{
	size_t len = strlen(name);
	/* a leading '-' would also read as an option to ip(8) and nft(8) */
	return len >= 1 && len <= NSIM_NAME_MAX && name[0] != '-' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

/* Creates the namespace for `node` and returns its name. */
const char *plan_netns(struct plan_builder *b, const char *node, bool router)
{
	const char *ns = plan_str(b, "netsim-%s-%s", b->p->name, node);
	struct nsim_op *o = plan_op(b, NSIM_OP_NETNS, ns);
	if (!o)
		return NULL;
	o->comment = node;
	const char **list = grow(b, b->p->namespaces, &b->p->cap_namespaces, b->p->n_namespaces, sizeof(*list));
	if (!list)
		return NULL;
	b->p->namespaces = list;
	list[b->p->n_namespaces++] = ns;

	/* New namespaces inherit IPv4 conf from the root namespace
	 * (net.core.devconf_inherit_init_net=0), which may have rp_filter on:
	 * set what the data plane relies on explicitly. A host needs nothing:
	 * its one interface carries its default route, so reverse-path
	 * filtering, strict or loose, passes every source that reaches it. And
	 * a sysctl costs a /proc/sys walk whose price grows with the number of
	 * namespaces (docs/dataplane.md, "What each step costs"). */
	static const char *const router_conf[][2] = {
		{"net/ipv4/ip_forward", "1"},
		{"net/ipv4/conf/all/rp_filter", "0"},
		{"net/ipv4/conf/default/rp_filter", "0"},
		{"net/ipv4/conf/all/send_redirects", "0"},
		{"net/ipv4/conf/default/send_redirects", "0"},
		{"net/ipv4/conf/default/proxy_arp", "1"},
		/* No IPv6 on the ports made after this (netsim models IPv4):
		 * else each port adds link-local and multicast routes, and the
		 * kernel walks the whole IPv6 table for each port it removes
		 * (addrconf_ifdown()), quadratic in the ports when the
		 * namespace goes (docs/dataplane.md, "What each step costs"). */
		{"net/ipv6/conf/default/disable_ipv6", "1"},
	};
	for (size_t i = 0; router && i < ELEMENTSOF(router_conf); i++) {
		struct nsim_op *s = plan_op(b, NSIM_OP_SYSCTL, ns);
		if (!s)
			return NULL;
		s->key = router_conf[i][0];
		s->value = router_conf[i][1];
	}
	struct nsim_op *lo = plan_op(b, NSIM_OP_LINK_UP, ns);
	if (lo)
		lo->ifname = "lo";
	return b->err ? NULL : ns;
}

const char *plan_port_name(struct plan_builder *b, char prefix, const char *name, size_t index)
{
	char buf[16];
	nsim_plan_port_name(buf, prefix, name, index);
	return plan_str(b, "%s", buf);
}

void nsim_plan_lladdr(const char *ns, const char *ifname, uint8_t ret[static NSIM_LLADDR_LEN])
{
	uint64_t h = nsim_hash_str(nsim_hash_str(nsim_hash_str(NSIM_HASH_INIT, ns), "/"), ifname);
	ret[0] = 0x02;
	for (int i = 1; i < NSIM_LLADDR_LEN; i++)
		ret[i] = (uint8_t)(h >> (8 * (i - 1)));
}

const char *nsim_plan_lladdr_fmt(const uint8_t a[static NSIM_LLADDR_LEN], char buf[static NSIM_LLADDR_STRLEN])
{
	snprintf(buf, NSIM_LLADDR_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
	return buf;
}

void plan_veth(struct plan_builder *b, const char *ns, const char *ifname, const char *peer_ns,
	       const char *peer_ifname, const char *comment)
{
	struct nsim_op *o = plan_op(b, NSIM_OP_VETH, ns);
	if (!o || !ns || !ifname || !peer_ns || !peer_ifname)
		return;
	o->ifname = ifname;
	o->peer_ns = peer_ns;
	o->peer_ifname = peer_ifname;
	o->comment = comment;
	nsim_plan_lladdr(ns, ifname, o->lladdr);
	nsim_plan_lladdr(peer_ns, peer_ifname, o->peer_lladdr);
}

/* The kernel's neighbour table is one for every namespace, and its dynamic
 * entries are capped by gc_thresh3 (1024 by default, a root-namespace sysctl
 * netsim leaves alone): at a few hundred hosts, ARP alone overflows it and
 * packets are dropped. netsim knows both ends of every link, so it installs
 * the entries itself as permanent ones, which the kernel exempts from that
 * cap and from garbage collection (net/core/neighbour.c, neigh_alloc():
 * exempt_from_gc). In `ns`, on `ifname`: `addr` is at the MAC of
 * `peer_ifname` in `peer_ns`. */
static void neigh(struct plan_builder *b, const char *ns, const char *ifname, uint32_t addr, const char *peer_ns,
		  const char *peer_ifname)
{
	struct nsim_op *o = plan_op(b, NSIM_OP_NEIGH, ns);
	if (!o || !peer_ns || !peer_ifname)
		return;
	o->ifname = ifname;
	o->addr = addr;
	nsim_plan_lladdr(peer_ns, peer_ifname, o->lladdr);
}

/* Both directions of a point-to-point link: a (in ns_a) reaches addr_b on
 * b, and back. */
void plan_neigh_pair(struct plan_builder *b, const char *ns_a, const char *if_a, uint32_t addr_a, const char *ns_b,
		     const char *if_b, uint32_t addr_b)
{
	neigh(b, ns_a, if_a, addr_b, ns_b, if_b);
	neigh(b, ns_b, if_b, addr_a, ns_a, if_a);
}

void plan_addr_up(struct plan_builder *b, const char *ns, const char *ifname, uint32_t addr, uint8_t prefix)
{
	struct nsim_op *o = plan_op(b, NSIM_OP_ADDR, ns);
	if (o) {
		o->ifname = ifname;
		o->addr = addr;
		o->prefix = prefix;
	}
	if ((o = plan_op(b, NSIM_OP_LINK_UP, ns)))
		o->ifname = ifname;
}

/* Proxy ARP answers after a random delay of up to proxy_delay (0.8 s by
 * default, copied from the root namespace into every new interface; there is
 * no per-namespace default): a port answering for its subnet must not wait. */
void plan_no_proxy_delay(struct plan_builder *b, const char *ns, const char *port)
{
	struct nsim_op *o = plan_op(b, NSIM_OP_SYSCTL, ns);
	if (o) {
		o->key = plan_str(b, "net/ipv4/neigh/%s/proxy_delay", port);
		o->value = "0";
	}
}

void plan_route(struct plan_builder *b, const char *ns, uint32_t table, struct nsim_cidr dst, uint32_t gw,
		const char *ifname, enum nsim_route_type type, const char *comment)
{
	struct nsim_op *o = plan_op(b, NSIM_OP_ROUTE, ns);
	if (!o)
		return;
	o->table = table;
	o->dst = (struct nsim_cidr){nsim_cidr_network(dst), dst.len};
	o->gateway = gw;
	o->ifname = ifname;
	o->route_type = type;
	o->comment = comment;
}

/* A /30 for a point-to-point link between two of netsim's routers: .1 and .2 */
uint32_t plan_link_net(struct plan_builder *b)
{
	return PLAN_LINK_NET + 4u * (++b->n_links);
}

void plan_host_info(struct plan_builder *b, const char *name, const char *ns, const char *kind,
		    const char *where, uint32_t addr, uint32_t public_ip)
{
	struct nsim_plan *p = b->p;
	if (b->err)
		return;
	struct nsim_plan_host *hosts = grow(b, p->hosts, &p->cap_hosts, p->n_hosts, sizeof(*hosts));
	if (!hosts)
		return;
	p->hosts = hosts;
	p->hosts[p->n_hosts++] = (struct nsim_plan_host){name, ns, kind, where, addr, public_ip};
}

static void add_responder(struct plan_builder *b, const char *ns, const char *host, uint32_t addr,
			  const struct nsim_service *listen, size_t n)
{
	struct nsim_plan *p = b->p;
	if (n == 0 || b->err)
		return;
	struct nsim_plan_responder *rs = grow(b, p->responders, &p->cap_responders, p->n_responders, sizeof(*rs));
	if (!rs)
		return;
	p->responders = rs;
	p->responders[p->n_responders++] =
		(struct nsim_plan_responder){.ns = ns, .host = host, .addr = addr, .listen = listen, .n_listen = n};
}

/* A host-like port in a VPC subnet: host or NAT gateway. */
const char *plan_subnet_port(struct plan_builder *b, const char *router, const struct nsim_subnet *s,
			     const char *node, char prefix, size_t index, uint32_t addr, bool is_router)
{
	const char *ns = plan_netns(b, node, is_router);
	const char *port = plan_port_name(b, prefix, node, index);
	plan_veth(b, ns, "eth0", router, port, plan_str(b, "%s in subnet %s", node, s->name.name));
	plan_addr_up(b, ns, "eth0", addr, s->cidr.len);
	plan_route(b, ns, NSIM_TABLE_MAIN, plan_default_route, nsim_subnet_router(s->cidr), "eth0", NSIM_ROUTE_UNICAST,
		   "default via the subnet router (+1)");
	plan_addr_up(b, router, port, nsim_subnet_router(s->cidr), 32);
	plan_no_proxy_delay(b, router, port);
	plan_route(b, router, NSIM_TABLE_MAIN, plan_host_cidr(addr), 0, port, NSIM_ROUTE_UNICAST,
		   plan_str(b, "local route to %s", node));
	/* the gateway and the host; other addresses of the subnet are answered
	 * by the router's proxy ARP when a flow needs them */
	plan_neigh_pair(b, ns, "eth0", addr, router, port, nsim_subnet_router(s->cidr));
	return ns;
}

/* A public NAT gateway: no unsolicited inbound connection, TCP, UDP and ICMP
 * only, not usable from a peered VPC; it picks each connection's source port
 * from 1024-65535 (AWS: "Ephemeral ports",
 * https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html).
 * AWS: "NAT gateway basics",
 * https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html; "NAT gateways",
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html */
static const char *nat_ruleset(struct plan_builder *b, const struct nsim_vpc *v, const struct nsim_nat_gateway *g)
{
	char a[NSIM_ADDR_STRLEN], c[NSIM_CIDR_STRLEN], log[128];
	nsim_addr_fmt(g->address, a);
	nsim_cidr_fmt(v->cidr, c);
	snprintf(log, sizeof(log), NSIM_PLAN_LOG_FMT("nat:%zu:%zu"), (size_t)(v - b->t->vpcs),
		 (size_t)(g - v->nat_gateways));
	return plan_str(b,
			"table ip netsim {\n"
			"\tchain input {\n"
			"\t\ttype filter hook input priority filter; policy drop;\n"
			"\t\tct state established,related accept comment \"replies to its own traffic\"\n"
			"\t\tcounter %sdrop comment \"AWS: a NAT gateway accepts no connection started from outside, and does not answer ping\"\n"
			"\t}\n"
			"\tchain forward {\n"
			"\t\ttype filter hook forward priority filter; policy drop;\n"
			"\t\tct state established,related accept comment \"replies\"\n"
			"\t\tct state new ip saddr %s meta l4proto { tcp, udp, icmp } accept comment \"outbound from VPC %s (TCP, UDP, ICMP)\"\n"
			"\t\tcounter %sdrop comment \"AWS: no inbound connections, no traffic from peered VPCs (no edge-to-edge routing)\"\n"
			"\t}\n"
			"\tchain postrouting {\n"
			"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			"\t\toifname \"eth0\" ip saddr != %s meta l4proto { tcp, udp } counter snat to %s:1024-65535 random comment \"NAT gateway %s: sources become its private address, source ports one of 1024-65535 at random\"\n"
			"\t\toifname \"eth0\" ip saddr != %s counter snat to %s comment \"NAT gateway %s: sources become its private address\"\n"
			"\t}\n"
			"}\n",
			log, c, v->name.name, log, a, a, g->name.name, a, a, g->name.name);
}

/* The IGW's 1:1 NAT: each public/elastic IP <-> its private address. Traffic
 * without a mapping is dropped, whatever the route tables say. AWS: "Enable
 * internet access for a VPC using an internet gateway",
 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html */
static const char *igw_ruleset(struct plan_builder *b, const struct nsim_vpc *v)
{
	size_t n = 0;
	for (size_t i = 0; i < v->n_hosts; i++)
		n += v->hosts[i].public_ip != 0;
	n += v->n_nat_gateways;

	char *map = NULL, *rmap = NULL, *set = NULL;
	size_t map_len = 0, rmap_len = 0, set_len = 0;
	FILE *m = open_memstream(&map, &map_len), *r = open_memstream(&rmap, &rmap_len),
	     *st = open_memstream(&set, &set_len);
	if (!m || !r || !st) {
		if (m)
			fclose(m);
		if (r)
			fclose(r);
		if (st)
			fclose(st);
		free(map);
		free(rmap);
		free(set);
		b->err = -ENOMEM;
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < v->n_nat_gateways + v->n_hosts; i++) {
		uint32_t priv, pub;
		if (i < v->n_nat_gateways) {
			priv = v->nat_gateways[i].address;
			pub = v->nat_gateways[i].elastic_ip;
		} else {
			priv = v->hosts[i - v->n_nat_gateways].address;
			pub = v->hosts[i - v->n_nat_gateways].public_ip;
		}
		if (!pub)
			continue;
		char a[NSIM_ADDR_STRLEN], p[NSIM_ADDR_STRLEN];
		fprintf(m, "%s%s : %s", k ? ", " : "", nsim_addr_fmt(priv, a), nsim_addr_fmt(pub, p));
		fprintf(r, "%s%s : %s", k ? ", " : "", p, a);
		fprintf(st, "%s%s", k ? ", " : "", a);
		k++;
	}
	fclose(m);
	fclose(r);
	fclose(st);

	const char *text;
	char log[128];
	snprintf(log, sizeof(log), NSIM_PLAN_LOG_FMT("igw:%zu"), (size_t)(v - b->t->vpcs));
	if (n == 0)
		text = plan_str(b,
				"table ip netsim {\n"
				"\tchain forward {\n"
				"\t\ttype filter hook forward priority filter; policy drop;\n"
				"\t\tcounter %sdrop comment \"AWS: internet gateway %s: no instance of VPC %s has a public IP\"\n"
				"\t}\n"
				"}\n",
				log, v->internet_gateway.name, v->name.name);
	else
		text = plan_str(b,
				"table ip netsim {\n"
				"\tset mapped {\n"
				"\t\ttype ipv4_addr\n"
				"\t\telements = { %s }\n"
				"\t}\n"
				"\tmap public {\n"
				"\t\ttype ipv4_addr : ipv4_addr\n"
				"\t\telements = { %s }\n"
				"\t}\n"
				"\tmap private {\n"
				"\t\ttype ipv4_addr : ipv4_addr\n"
				"\t\telements = { %s }\n"
				"\t}\n"
				"\tchain prerouting {\n"
				"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
				"\t\tiifname \"inet\" dnat to ip daddr map @private comment \"public IP -> private IP (1:1)\"\n"
				"\t}\n"
				"\tchain postrouting {\n"
				"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
				"\t\toifname \"inet\" snat to ip saddr map @public comment \"private IP -> public IP (1:1)\"\n"
				"\t}\n"
				"\tchain forward {\n"
				"\t\ttype filter hook forward priority filter; policy drop;\n"
				"\t\tct state established,related accept comment \"replies, translated back by conntrack\"\n"
				"\t\tiifname \"vpc\" oifname \"inet\" ip saddr @mapped accept comment \"has a public or elastic IP\"\n"
				"\t\tiifname \"inet\" oifname \"vpc\" ct status dnat accept comment \"to a public or elastic IP\"\n"
				"\t\tcounter %sdrop comment \"AWS: internet gateway %s forwards only for instances with a public IP\"\n"
				"\t}\n"
				"}\n",
				set, map, rmap, log, v->internet_gateway.name);
	free(map);
	free(rmap);
	free(set);
	return text;
}

static void router_ruleset(struct plan_builder *b, const char *router, size_t vi)
{
	char *text = NULL;
	int r = nsim_plan_router_ruleset(b->t, vi, &text);
	if (r < 0) {
		b->err = r;
		return;
	}
	struct nsim_op *o = plan_op(b, NSIM_OP_NFT, router);
	if (o) {
		o->text = nsim_arena_strdup(b->p->arena, text);
		o->comment = plan_str(b, "VPC %s router: peering filters, network ACLs, security groups", b->t->vpcs[vi].name.name);
		if (!o->text)
			b->err = -ENOMEM;
	}
	free(text);
}

struct vpc_links {
	const char *router;
	uint32_t igw_net; /* router <-> IGW /30; 0 = no IGW */
	uint32_t *gw_nets;     /* router <-> gateway endpoint i /30 (plan/endpoints.c) */
	const char **gw_ports; /* the router's port to gateway endpoint i */
};

static void plan_vpc(struct plan_builder *b, size_t vi, struct vpc_links *links, const char *internet)
{
	const struct nsim_vpc *v = &b->t->vpcs[vi];
	const char *router = plan_netns(b, v->name.name, true);
	links[vi].router = router;

	/* the NAT gateways and hosts, each a port of the router */
	for (size_t i = 0; i < v->n_nat_gateways && !b->err; i++) {
		const struct nsim_nat_gateway *g = &v->nat_gateways[i];
		const struct nsim_subnet *s = &v->subnets[g->subnet_idx];
		const char *ns = plan_subnet_port(b, router, s, g->name.name, 'n', i, g->address, true);
		struct nsim_op *o = plan_op(b, NSIM_OP_NFT, ns);
		if (o) {
			o->text = nat_ruleset(b, v, g);
			o->comment = plan_str(b, "NAT gateway %s", g->name.name);
		}
		plan_host_info(b, g->name.name, ns, "nat-gateway", plan_str(b, "%s/%s", v->name.name, s->name.name),
			       g->address, g->elastic_ip);
	}
	for (size_t i = 0; i < v->n_hosts && !b->err; i++) {
		const struct nsim_host *h = &v->hosts[i];
		const struct nsim_subnet *s = &v->subnets[h->subnet_idx];
		const char *ns = plan_subnet_port(b, router, s, h->name.name, 'h', i, h->address, false);
		plan_host_info(b, h->name.name, ns, nsim_host_kind_name(h->kind),
			       plan_str(b, "%s/%s", v->name.name, s->name.name), h->address, h->public_ip);
		add_responder(b, ns, h->name.name, h->address, h->listen, h->n_listen);
	}

	/* the internet gateway */
	if (v->internet_gateway.name && !b->err) {
		const char *igw = plan_netns(b, v->internet_gateway.name, true);
		uint32_t igw_net = plan_link_net(b);
		links[vi].igw_net = igw_net;
		plan_veth(b, router, "igw", igw, "vpc", plan_str(b, "VPC %s <-> internet gateway %s", v->name.name, v->internet_gateway.name));
		plan_addr_up(b, router, "igw", igw_net + 1, 30);
		plan_addr_up(b, igw, "vpc", igw_net + 2, 30);
		plan_route(b, igw, NSIM_TABLE_MAIN, v->cidr, igw_net + 1, "vpc", NSIM_ROUTE_UNICAST, plan_str(b, "VPC %s", v->name.name));
		plan_neigh_pair(b, router, "igw", igw_net + 1, igw, "vpc", igw_net + 2);

		uint32_t inet_net = plan_link_net(b);
		const char *port = plan_port_name(b, 'g', v->internet_gateway.name, vi);
		plan_veth(b, igw, "inet", internet, port, plan_str(b, "internet gateway %s <-> the internet", v->internet_gateway.name));
		plan_addr_up(b, igw, "inet", inet_net + 2, 30);
		plan_addr_up(b, internet, port, inet_net + 1, 30);
		plan_route(b, igw, NSIM_TABLE_MAIN, plan_default_route, inet_net + 1, "inet", NSIM_ROUTE_UNICAST, "the internet");
		plan_neigh_pair(b, igw, "inet", inet_net + 2, internet, port, inet_net + 1);
		for (size_t i = 0; i < v->n_nat_gateways + v->n_hosts; i++) {
			uint32_t pub = i < v->n_nat_gateways ? v->nat_gateways[i].elastic_ip
							     : v->hosts[i - v->n_nat_gateways].public_ip;
			const char *who = i < v->n_nat_gateways ? v->nat_gateways[i].name.name
								: v->hosts[i - v->n_nat_gateways].name.name;
			if (pub)
				plan_route(b, internet, NSIM_TABLE_MAIN, plan_host_cidr(pub), inet_net + 2, port, NSIM_ROUTE_UNICAST,
					   plan_str(b, "public IP of %s, behind %s", who, v->internet_gateway.name));
		}
		struct nsim_op *o = plan_op(b, NSIM_OP_NFT, igw);
		if (o) {
			o->text = igw_ruleset(b, v);
			o->comment = plan_str(b, "internet gateway %s: 1:1 NAT", v->internet_gateway.name);
		}
	}

	/* the VPC endpoints (plan/endpoints.c) */
	links[vi].gw_nets = nsim_arena_alloc(b->p->arena, v->n_endpoints + 1, sizeof(*links[vi].gw_nets));
	links[vi].gw_ports = nsim_arena_alloc(b->p->arena, v->n_endpoints + 1, sizeof(*links[vi].gw_ports));
	if (!links[vi].gw_nets || !links[vi].gw_ports)
		b->err = -ENOMEM;
	if (!b->err)
		plan_endpoints(b, vi, router, links[vi].gw_nets, links[vi].gw_ports);
}

static bool same_cidr(struct nsim_cidr a, struct nsim_cidr b)
{
	return a.len == b.len && nsim_cidr_network(a) == nsim_cidr_network(b);
}

/* Whether the kernel table holds route i of rt for c, one of its
 * destinations. A route to a prefix list is one kernel route per CIDR of the
 * list, so the kernel's longest-prefix match weighs each CIDR as AWS does.
 * For the same CIDR, a static route wins over a prefix-list route; of two
 * prefix-list routes netsim takes the first written (AWS does not say which;
 * a kernel table holds one). AWS: "Route priority" ("Route priority for
 * prefix lists"),
 * https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html */
static bool route_holds(const struct nsim_route_table *rt, size_t i, size_t ci, struct nsim_cidr c)
{
	const struct nsim_route *r = &rt->routes[i];
	if (!r->dest_pl)
		return true;
	for (size_t j = 0; j < ci; j++)
		if (same_cidr(r->dest_pl->cidrs[j], c))
			return false;
	for (size_t k = 0; k < rt->n_routes; k++) {
		const struct nsim_route *o = &rt->routes[k];
		if (k == i)
			continue;
		if (!o->dest_pl) {
			if (same_cidr(o->dest, c))
				return false;
			continue;
		}
		for (size_t j = 0; k < i && j < o->dest_pl->n_cidrs; j++)
			if (same_cidr(o->dest_pl->cidrs[j], c))
				return false;
	}
	return true;
}

/* The kernel route of r (in VPC vi) to dest in `table`. */
static void target_route(struct plan_builder *b, size_t vi, const struct vpc_links *links, const uint32_t *peer_nets,
			 uint32_t table, const struct nsim_route *r, struct nsim_cidr dest, const char *comment)
{
	const struct nsim_topology *t = b->t;
	const struct nsim_vpc *v = &t->vpcs[vi];
	const char *router = links[vi].router;
	switch (r->kind) {
	case NSIM_TARGET_IGW:
		plan_route(b, router, table, dest, links[vi].igw_net + 2, "igw", NSIM_ROUTE_UNICAST, comment);
		return;
	case NSIM_TARGET_NAT:
		plan_route(b, router, table, dest, v->nat_gateways[r->target_idx].address,
			   plan_port_name(b, 'n', v->nat_gateways[r->target_idx].name.name, r->target_idx),
			   NSIM_ROUTE_UNICAST, comment);
		return;
	case NSIM_TARGET_PEERING: {
		const struct nsim_peering *pc = &t->peerings[r->target_idx];
		bool first = pc->vpc_idx[0] == vi;
		uint32_t gw = peer_nets[r->target_idx] + (first ? 2 : 1);
		plan_route(b, router, table, dest, gw, plan_port_name(b, 'p', pc->name.name, r->target_idx),
			   NSIM_ROUTE_UNICAST, comment);
		return;
	}
	case NSIM_TARGET_GATEWAY_ENDPOINT:
		plan_route(b, router, table, dest, links[vi].gw_nets[r->target_idx] + 2, links[vi].gw_ports[r->target_idx],
			   NSIM_ROUTE_UNICAST, comment);
		return;
	case NSIM_TARGET_BLACKHOLE:
	case NSIM_TARGET_UNRESOLVED:
		break;
	}
	plan_route(b, router, table, dest, 0, NULL, NSIM_ROUTE_BLACKHOLE, comment);
}

/* Route table ri as kernel table `table`, leaving out the route to `skip`
 * (NULL: none). */
static void plan_table(struct plan_builder *b, size_t vi, const struct vpc_links *links, const uint32_t *peer_nets,
		       size_t ri, uint32_t table, const struct nsim_cidr *skip)
{
	const struct nsim_topology *t = b->t;
	const struct nsim_vpc *v = &t->vpcs[vi];
	const char *router = links[vi].router;
	const struct nsim_route_table *rt = &v->route_tables[ri];
	plan_route(b, router, table, v->cidr, 0, NULL, NSIM_ROUTE_THROW,
		   plan_str(b, "route table %s: local (%s uses the VPC's own routes)", rt->name.name, v->name.name));
	for (size_t i = 0; i < rt->n_routes; i++) {
		const struct nsim_route *r = &rt->routes[i];
		if (!r->dest_pl) {
			if (skip && same_cidr(r->dest, *skip))
				continue;
			target_route(b, vi, links, peer_nets, table, r, r->dest,
				     plan_str(b, "route table %s: %s", rt->name.name, r->target.name));
			continue;
		}
		for (size_t ci = 0; ci < r->dest_pl->n_cidrs; ci++) {
			struct nsim_cidr c = r->dest_pl->cidrs[ci];
			/* the local route covers the VPC's own CIDR (the throw above) */
			if ((skip && same_cidr(c, *skip)) || same_cidr(c, v->cidr) || !route_holds(rt, i, ci, c))
				continue;
			target_route(b, vi, links, peer_nets, table, r, c,
				     plan_str(b, "route table %s: pl:%s -> %s", rt->name.name, r->dest_pl->name.name,
					      r->target.name));
		}
	}
}

static bool has_route_to(const struct nsim_route_table *rt, struct nsim_cidr c)
{
	for (size_t i = 0; i < rt->n_routes; i++) {
		const struct nsim_route *r = &rt->routes[i];
		if (!r->dest_pl && same_cidr(r->dest, c))
			return true;
		for (size_t k = 0; r->dest_pl && k < r->dest_pl->n_cidrs; k++)
			if (same_cidr(r->dest_pl->cidrs[k], c))
				return true;
	}
	return false;
}

/* The kernel table subnet si's traffic is routed by (NSIM_TABLE_MAIN: local
 * route only). */
static uint32_t subnet_table(const struct nsim_vpc *v, size_t si)
{
	const struct nsim_subnet *s = &v->subnets[si];
	size_t rt = s->rt_idx != NSIM_NONE ? s->rt_idx : v->main_rt_idx;
	if (rt == NSIM_NONE)
		return NSIM_TABLE_MAIN;
	if (has_route_to(&v->route_tables[rt], s->cidr))
		return TABLE_BASE + (uint32_t)(v->n_route_tables + si);
	return TABLE_BASE + (uint32_t)rt;
}

/* Route tables and the rules choosing them, after every link exists (a
 * gateway route needs its device), peerings included. */
static void plan_routing(struct plan_builder *b, size_t vi, const struct vpc_links *links,
			 const uint32_t *peer_nets)
{
	const struct nsim_topology *t = b->t;
	const struct nsim_vpc *v = &t->vpcs[vi];
	const char *router = links[vi].router;

	for (size_t ri = 0; ri < v->n_route_tables && !b->err; ri++)
		plan_table(b, vi, links, peer_nets, ri, TABLE_BASE + (uint32_t)ri, NULL);
	for (size_t si = 0; si < v->n_subnets && !b->err; si++) {
		const struct nsim_subnet *s = &v->subnets[si];
		size_t rt = s->rt_idx != NSIM_NONE ? s->rt_idx : v->main_rt_idx;
		if (rt == NSIM_NONE)
			continue; /* local route only: the main table */
		uint32_t table = subnet_table(v, si);
		/* AWS: a route table applies to traffic leaving a subnet; within
		 * it, packets go at layer 2. A (middlebox) route for the subnet's
		 * own CIDR must not catch them: the subnet gets the table without it.
		 * "Example routing options", https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html */
		if (table != TABLE_BASE + (uint32_t)rt)
			plan_table(b, vi, links, peer_nets, rt, table, &s->cidr);
		struct nsim_op *o = plan_op(b, NSIM_OP_RULE, router);
		if (!o)
			return;
		o->priority = RULE_PRIO_BASE + (uint32_t)si;
		o->src = s->cidr;
		o->table = table;
		o->comment = plan_str(b, "subnet %s uses route table %s%s", s->name.name, v->route_tables[rt].name.name,
				      s->route_table.name ? "" : " (the VPC's main table)");
	}
	/* AWS routes what a NAT gateway sends by its subnet's table, also the
	 * replies it translates back, whose source is another subnet's (or the
	 * internet's): by the port they come from, not by their source. The
	 * table's `throw` for the VPC CIDR goes on to the next rule: main, not
	 * the rule of the source's subnet. "Subnet route tables",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html */
	for (size_t i = 0; i < v->n_nat_gateways && !b->err; i++) {
		const struct nsim_nat_gateway *g = &v->nat_gateways[i];
		uint32_t table = subnet_table(v, g->subnet_idx);
		for (int k = 0; k < (table == NSIM_TABLE_MAIN ? 1 : 2); k++) {
			struct nsim_op *o = plan_op(b, NSIM_OP_RULE, router);
			if (!o)
				return;
			o->priority = NAT_RULE_PRIO_BASE + 2 * (uint32_t)i + (uint32_t)k;
			o->ifname = plan_port_name(b, 'n', g->name.name, i);
			o->table = k ? NSIM_TABLE_MAIN : table;
			o->comment = k ? plan_str(b, "NAT gateway %s: the VPC's own routes", g->name.name)
				       : plan_str(b, "NAT gateway %s: routed by the table of subnet %s", g->name.name,
						  v->subnets[g->subnet_idx].name.name);
		}
	}
	router_ruleset(b, router, vi);
}

static void plan_internet(struct plan_builder *b, const char *internet)
{
	const struct nsim_topology *t = b->t;
	for (size_t i = 0; i < t->n_inet_hosts && !b->err; i++) {
		const struct nsim_inet_host *h = &t->inet_hosts[i];
		const char *ns = plan_netns(b, h->name.name, false);
		const char *port = plan_port_name(b, 'h', h->name.name, i);
		plan_veth(b, ns, "eth0", internet, port, plan_str(b, "internet host %s", h->name.name));
		plan_addr_up(b, ns, "eth0", h->address, 32);
		plan_route(b, ns, NSIM_TABLE_MAIN, plan_default_route, INET_GW, "eth0", NSIM_ROUTE_UNICAST, "default via the internet");
		plan_addr_up(b, internet, port, INET_GW, 32);
		plan_no_proxy_delay(b, internet, port);
		plan_route(b, internet, NSIM_TABLE_MAIN, plan_host_cidr(h->address), 0, port, NSIM_ROUTE_UNICAST,
			   plan_str(b, "internet host %s", h->name.name));
		plan_neigh_pair(b, ns, "eth0", h->address, internet, port, INET_GW);
		plan_host_info(b, h->name.name, ns, "internet", "internet", h->address, 0);
		add_responder(b, ns, h->name.name, h->address, h->listen, h->n_listen);
	}
}

/* An address nothing on the internet has gets an ICMP net unreachable, as a
 * router on the way would send. Not left to the kernel's no-route path: that
 * one is rate limited per source by sysctls only the root namespace has
 * (route/error_cost), so most probes would wait out their timeout instead. */
static void internet_unreachable(struct plan_builder *b, const char *internet)
{
	static const char *const conf[][2] = {
		{"net/ipv4/icmp_ratelimit", "0"},
		{"net/ipv4/icmp_msgs_per_sec", "100000"},
		{"net/ipv4/icmp_msgs_burst", "10000"},
	};
	for (size_t i = 0; i < ELEMENTSOF(conf); i++) {
		struct nsim_op *o = plan_op(b, NSIM_OP_SYSCTL, internet);
		if (o) {
			o->key = conf[i][0];
			o->value = conf[i][1];
		}
	}
	struct nsim_op *o = plan_op(b, NSIM_OP_NFT, internet);
	if (!o)
		return;
	o->comment = "the internet: no route means ICMP net unreachable";
	o->text = "table inet netsim {\n"
		  "\tchain prerouting {\n"
		  "\t\ttype filter hook prerouting priority filter; policy accept;\n"
		  "\t\tip daddr 169.254.0.1 meta l4proto { tcp, udp } th dport 53 accept comment \"public DNS (plan/dns.c)\"\n"
		  "\t\tfib daddr oif missing counter reject with icmp type net-unreachable comment \"no route on the internet\"\n"
		  "\t}\n"
		  "\tchain input {\n"
		  "\t\ttype filter hook input priority filter; policy accept;\n"
		  "\t\tip daddr 169.254.0.0/16 ip daddr != 169.254.0.1 counter drop comment \"netsim's links are not on the internet\"\n"
		  "\t}\n"
		  "\tchain forward {\n"
		  "\t\ttype filter hook forward priority filter; policy accept;\n"
		  "\t\tip daddr 169.254.0.0/16 counter drop comment \"netsim's links are not on the internet\"\n"
		  "\t}\n"
		  "}\n";
}

int nsim_plan_build(const struct nsim_topology *t, const char *name, struct nsim_plan **ret)
{
	if (!name)
		name = t->name.name;
	if (!name || !nsim_plan_name_valid(name))
		return -EINVAL;
	struct nsim_arena *a = nsim_arena_new();
	if (!a)
		return -ENOMEM;
	struct nsim_plan *p = nsim_arena_alloc(a, 1, sizeof(*p));
	struct plan_builder b = {.t = t, .p = p};
	if (!p) {
		nsim_arena_free(a);
		return -ENOMEM;
	}
	p->arena = a;
	p->name = nsim_arena_strdup(a, name);

	bool any_igw = false;
	for (size_t i = 0; i < t->n_vpcs; i++)
		any_igw |= t->vpcs[i].internet_gateway.name != NULL;
	/* one per VPC, one per peering: indexed like the topology's arrays */
	struct vpc_links *links = nsim_arena_alloc(a, t->n_vpcs + 1, sizeof(*links));
	uint32_t *peer_nets = nsim_arena_alloc(a, t->n_peerings + 1, sizeof(*peer_nets));
	if (!p->name || !links || !peer_nets)
		b.err = -ENOMEM;

	const char *internet = NULL;
	if (!b.err && (t->n_inet_hosts || any_igw))
		internet = plan_netns(&b, "internet", true);
	for (size_t i = 0; i < t->n_vpcs && !b.err; i++)
		plan_vpc(&b, i, links, internet);
	for (size_t i = 0; i < t->n_peerings && !b.err; i++) {
		const struct nsim_peering *pc = &t->peerings[i];
		const char *port = plan_port_name(&b, 'p', pc->name.name, i);
		const char *ra = links[pc->vpc_idx[0]].router, *rb = links[pc->vpc_idx[1]].router;
		peer_nets[i] = plan_link_net(&b);
		plan_veth(&b, ra, port, rb, port, plan_str(&b, "peering %s", pc->name.name));
		plan_addr_up(&b, ra, port, peer_nets[i] + 1, 30);
		plan_addr_up(&b, rb, port, peer_nets[i] + 2, 30);
		plan_neigh_pair(&b, ra, port, peer_nets[i] + 1, rb, port, peer_nets[i] + 2);
	}
	for (size_t i = 0; i < t->n_vpcs && !b.err; i++)
		plan_routing(&b, i, links, peer_nets);
	/* each VPC's resolver (plan/dns.c): after the routers' rulesets, before any process */
	for (size_t i = 0; i < t->n_vpcs && !b.err; i++)
		b.err = nsim_plan_dns(p, t, i, links[i].router);
	if (internet && !b.err) {
		plan_internet(&b, internet);
		internet_unreachable(&b, internet);
		/* the endpoints' private links to their services (plan/endpoints.c) */
		plan_endpoint_services(&b);
		/* public DNS for internet hosts (plan/dns.c) */
		if (!b.err && t->n_inet_hosts)
			b.err = nsim_plan_dns_public(p, t, internet, INET_GW);
	}
	if (!b.err)
		b.err = nsim_plan_services(p, t);
	if (!b.err)
		b.err = nsim_plan_relays(p, t);

	if (b.err) {
		nsim_arena_free(a);
		return b.err;
	}
	*ret = p;
	return 0;
}

void nsim_plan_free(struct nsim_plan *p)
{
	if (p)
		nsim_arena_free(p->arena);
}

void nsim_plan_op_format(const struct nsim_op *o, char *buf, size_t size)
{
	char a[NSIM_ADDR_STRLEN], c[NSIM_CIDR_STRLEN];
	switch (o->kind) {
	case NSIM_OP_NETNS:
		snprintf(buf, size, "ip netns add %s", o->ns);
		return;
	case NSIM_OP_SYSCTL:
		snprintf(buf, size, "ip netns exec %s sysctl -qw %s=%s", o->ns, o->key, o->value);
		for (char *p = strstr(buf, o->key); p && *p && *p != '='; p++)
			if (*p == '/')
				*p = '.';
		return;
	case NSIM_OP_VETH: {
		/* " address <mac>", or nothing for an op made without one (the kernel picks) */
		char m[NSIM_LLADDR_STRLEN + 9] = "", pm[NSIM_LLADDR_STRLEN + 9] = "", x[NSIM_LLADDR_STRLEN];
		static const uint8_t none[NSIM_LLADDR_LEN];
		if (memcmp(o->lladdr, none, sizeof(none)) != 0)
			snprintf(m, sizeof(m), " address %s", nsim_plan_lladdr_fmt(o->lladdr, x));
		if (memcmp(o->peer_lladdr, none, sizeof(none)) != 0)
			snprintf(pm, sizeof(pm), " address %s", nsim_plan_lladdr_fmt(o->peer_lladdr, x));
		snprintf(buf, size, "ip -n %s link add %s%s type veth peer name %s%s netns %s", o->ns, o->ifname, m,
			 o->peer_ifname, pm, o->peer_ns);
		return;
	}
	case NSIM_OP_NEIGH: {
		char m[NSIM_LLADDR_STRLEN];
		snprintf(buf, size, "ip -n %s neigh replace %s lladdr %s dev %s nud permanent", o->ns,
			 nsim_addr_fmt(o->addr, a), nsim_plan_lladdr_fmt(o->lladdr, m), o->ifname);
		return;
	}
	case NSIM_OP_LINK_UP:
		snprintf(buf, size, "ip -n %s link set %s up", o->ns, o->ifname);
		return;
	case NSIM_OP_ADDR:
		snprintf(buf, size, "ip -n %s addr add %s/%u dev %s%s", o->ns, nsim_addr_fmt(o->addr, a), o->prefix,
			 o->ifname, o->prefix == 32 ? " noprefixroute" : "");
		return;
	case NSIM_OP_ROUTE: {
		char table[24] = "";
		if (o->table != NSIM_TABLE_MAIN)
			snprintf(table, sizeof(table), " table %u", o->table);
		const char *dst = o->dst.len == 0 ? "default" : nsim_cidr_fmt(o->dst, c);
		if (o->route_type == NSIM_ROUTE_BLACKHOLE)
			snprintf(buf, size, "ip -n %s route add blackhole %s%s", o->ns, dst, table);
		else if (o->route_type == NSIM_ROUTE_THROW)
			snprintf(buf, size, "ip -n %s route add throw %s%s", o->ns, dst, table);
		else if (o->gateway)
			snprintf(buf, size, "ip -n %s route add %s via %s dev %s onlink%s", o->ns, dst,
				 nsim_addr_fmt(o->gateway, a), o->ifname, table);
		else
			snprintf(buf, size, "ip -n %s route add %s dev %s scope link%s", o->ns, dst,
				 o->ifname ? o->ifname : "?", table);
		return;
	}
	case NSIM_OP_RULE: {
		char mark[24] = "";
		if (o->fwmark)
			snprintf(mark, sizeof(mark), " fwmark %#x", o->fwmark);
		snprintf(buf, size, "ip -n %s rule add priority %u from %s%s%s%s lookup %u", o->ns, o->priority,
			 o->src.len ? nsim_cidr_fmt(o->src, c) : "all", o->ifname ? " iif " : "",
			 o->ifname ? o->ifname : "", mark, o->table);
		return;
	}
	case NSIM_OP_NFT:
		snprintf(buf, size, "ip netns exec %s nft -f - <<'EOF'", o->ns);
		return;
	}
	snprintf(buf, size, "?");
}
