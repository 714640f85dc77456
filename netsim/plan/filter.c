/* SPDX-License-Identifier: MIT */
/*
 * The VPC router's nftables ruleset: peering filters, network ACLs and
 * security groups, one `inet netsim` table loaded in one transaction.
 *
 * Every host and NAT gateway is a port of the router, so the router sees
 * every packet at the interface it leaves or enters a host by:
 *   - network ACLs (stateless) apply when a packet leaves one subnet for
 *     another or for outside (the source subnet's egress rules), and when it
 *     enters a subnet from another or from outside (its ingress rules); not
 *     between two ports of one subnet. Rules in number order, first match
 *     decides, the rest is denied (AWS's `*` rule).
 *   - security groups (stateful) apply at the host's own port: egress on
 *     packets from it, ingress on packets to it, new connections only; replies
 *     pass by conntrack. NAT gateways have none.
 * Allow rules `return` (the packet goes on to the next check), deny and the
 * defaults `drop`: blocked traffic is dropped, never rejected, as in AWS.
 * Evaluated outside the hosts' namespaces, nothing run inside a host can
 * change them.
 *
 * AWS: "Control subnet traffic with network access control lists",
 *   https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
 * "Security group rules", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
 * "Default security groups for your VPCs", https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
 * "NAT gateway basics" (no security group), https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/dns.h"
#include "plan/plan-internal.h"

void nsim_plan_port_name(char buf[static 16], char prefix, const char *name, size_t index)
{
	if (strlen(name) + 2 < 16)
		snprintf(buf, 16, "%c-%s", prefix, name);
	else
		snprintf(buf, 16, "%c%zu", prefix, index % 100000000);
}

/* "ip saddr 10.0.0.0/16 " or "ip saddr @sg_main_db-sg " or "ip saddr
 * @pl_office " or "" for 0.0.0.0/0. */
static void peer_match(FILE *f, const struct nsim_topology *t, const char *dir, const struct nsim_sg_rule *r)
{
	char c[NSIM_CIDR_STRLEN];
	if (r->peer_pl) {
		fprintf(f, "ip %s @pl_%s ", dir, r->peer_pl->name.name);
		return;
	}
	if (r->peer_is_cidr) {
		if (r->peer_cidr.len)
			fprintf(f, "ip %s %s ", dir, nsim_cidr_fmt(r->peer_cidr, c));
		return;
	}
	if (r->peer_vpc == NSIM_NONE)
		return;
	const struct nsim_vpc *pv = &t->vpcs[r->peer_vpc];
	fprintf(f, "ip %s @sg_%s_%s ", dir, pv->name.name, pv->security_groups[r->peer_sg].name.name);
}

static void proto_match(FILE *f, enum nsim_proto proto, bool has_ports, uint16_t from, uint16_t to)
{
	if (proto == NSIM_PROTO_ALL)
		return;
	fprintf(f, "meta l4proto %s ", nsim_proto_name(proto));
	if (!has_ports || proto == NSIM_PROTO_ICMP)
		return;
	if (from == to)
		fprintf(f, "th dport %u ", from);
	else
		fprintf(f, "th dport %u-%u ", from, to);
}

/* The members of a security group: the private addresses of its hosts and
 * of the network interfaces of its interface endpoints. The default group's
 * members are the VPC's hosts (and endpoints) that name no group. AWS:
 * "Security group rules", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html */
static size_t members(const struct nsim_vpc *v, size_t sg, FILE *f)
{
	size_t n = 0;
	char a[NSIM_ADDR_STRLEN];
	for (size_t i = 0; i < v->n_endpoints; i++) {
		const struct nsim_vpc_endpoint *ep = &v->endpoints[i];
		if (ep->type != NSIM_VPCE_INTERFACE || !ep->addresses || !nsim_sg_member(ep->sg_idx, ep->n_security_groups, sg))
			continue;
		for (size_t k = 0; k < ep->n_subnets; k++) {
			if (f)
				fprintf(f, "%s%s", n ? ", " : "", nsim_addr_fmt(ep->addresses[k], a));
			n++;
		}
	}
	for (size_t i = 0; i < v->n_hosts; i++) {
		const struct nsim_host *h = &v->hosts[i];
		if (!nsim_sg_member(h->sg_idx, h->n_security_groups, sg))
			continue;
		if (f)
			fprintf(f, "%s%s", n ? ", " : "", nsim_addr_fmt(h->address, a));
		n++;
	}
	return n;
}

static void print_set(FILE *f, const struct nsim_vpc *v, size_t sg)
{
	const char *name = sg == NSIM_NONE ? "default" : v->security_groups[sg].name.name;
	fprintf(f, "\tset sg_%s_%s {\n\t\ttype ipv4_addr\n\t\tcomment \"members of security group %s of VPC %s\"\n",
		v->name.name, name, name, v->name.name);
	if (members(v, sg, NULL)) {
		fprintf(f, "\t\telements = { ");
		members(v, sg, f);
		fprintf(f, " }\n");
	}
	fprintf(f, "\t}\n");
}

static int cmp_pl(const void *a, const void *b)
{
	const struct nsim_prefix_list *x = *(const struct nsim_prefix_list *const *)a,
				      *y = *(const struct nsim_prefix_list *const *)b;
	return strcmp(x->name.name, y->name.name);
}

/* A set per prefix list that a rule of v's groups names, by name (unique in
 * a VPC, AWS-managed names are reserved): its CIDRs, merged where they
 * overlap (an interval set refuses overlapping elements). Security groups
 * may name prefix lists as a source or destination. AWS: "Reference prefix
 * lists in your AWS resources",
 * https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists-referencing.html */
static int pl_sets(FILE *f, const struct nsim_vpc *v)
{
	char c[NSIM_CIDR_STRLEN];
	size_t n = 0;
	for (size_t g = 0; g < v->n_security_groups; g++)
		n += v->security_groups[g].n_ingress + v->security_groups[g].n_egress;
	const struct nsim_prefix_list **pls = calloc(n + 1, sizeof(*pls));
	if (!pls)
		return -ENOMEM;
	n = 0;
	for (size_t g = 0; g < v->n_security_groups; g++) {
		const struct nsim_security_group *x = &v->security_groups[g];
		for (size_t i = 0; i < x->n_ingress + x->n_egress; i++) {
			const struct nsim_sg_rule *r = i < x->n_ingress ? &x->ingress[i] : &x->egress[i - x->n_ingress];
			if (r->peer_pl && r->peer_pl->name.name)
				pls[n++] = r->peer_pl;
		}
	}
	qsort(pls, n, sizeof(*pls), cmp_pl);
	for (size_t i = 0; i < n; i++) {
		const struct nsim_prefix_list *pl = pls[i];
		if (i && streq(pls[i - 1]->name.name, pl->name.name))
			continue;
		fprintf(f, "\tset pl_%s {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n"
			   "\t\tcomment \"prefix list %s%s\"\n",
			pl->name.name, pl->name.name, pl->service ? " (AWS-managed)" : "");
		for (size_t k = 0; k < pl->n_cidrs; k++)
			fprintf(f, "%s%s", k ? ", " : "\t\telements = { ", nsim_cidr_fmt(pl->cidrs[k], c));
		fprintf(f, "%s\t}\n", pl->n_cidrs ? " }\n" : "");
	}
	free(pls);
	return 0;
}

/* Sets for every group a rule of this VPC names (its own or a peered VPC's),
 * plus the default group. */
static int sets(FILE *f, const struct nsim_topology *t, size_t vi)
{
	size_t n_vpcs = t->n_vpcs;
	for (size_t pv = 0; pv < n_vpcs; pv++) {
		const struct nsim_vpc *p = &t->vpcs[pv];
		for (size_t sg = 0; sg < p->n_security_groups; sg++) {
			bool used = false;
			const struct nsim_vpc *v = &t->vpcs[vi];
			for (size_t g = 0; g < v->n_security_groups && !used; g++) {
				const struct nsim_security_group *x = &v->security_groups[g];
				for (size_t r = 0; r < x->n_ingress && !used; r++)
					used = !x->ingress[r].peer_is_cidr && x->ingress[r].peer_vpc == pv &&
					       x->ingress[r].peer_sg == sg;
				for (size_t r = 0; r < x->n_egress && !used; r++)
					used = !x->egress[r].peer_is_cidr && x->egress[r].peer_vpc == pv &&
					       x->egress[r].peer_sg == sg;
			}
			if (used)
				print_set(f, p, sg);
		}
	}
	if (members(&t->vpcs[vi], NSIM_NONE, NULL))
		print_set(f, &t->vpcs[vi], NSIM_NONE);
	return pl_sets(f, &t->vpcs[vi]);
}

static void sg_rules(FILE *f, const struct nsim_topology *t, const struct nsim_security_group *g, bool ingress)
{
	const char *dir = ingress ? "ingress" : "egress";
	const struct nsim_sg_rule *rules = ingress ? g->ingress : g->egress;
	size_t n = ingress ? g->n_ingress : g->n_egress;
	if (!ingress && !g->has_egress) {
		fprintf(f, "\t\tcounter return comment \"sg %s egress: all (AWS's default outbound rule)\"\n",
			g->name.name);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		fputs("\t\t", f);
		peer_match(f, t, ingress ? "saddr" : "daddr", &rules[i]);
		proto_match(f, rules[i].proto, rules[i].has_ports, rules[i].port_from, rules[i].port_to);
		fprintf(f, "counter return comment \"sg %s %s #%zu\"\n", g->name.name, dir, i + 1);
	}
}

/* The security-group chain of an interface (a host's, an endpoint's
 * network interface's) named `name`, in groups sg_idx[0..n) of v (none: the
 * VPC's default group). */
static void sg_chain(FILE *f, const struct nsim_topology *t, const struct nsim_vpc *v, const char *name,
		     const char *who, const char *code, const size_t *sg_idx, size_t n, bool ingress)
{
	const char *dir = ingress ? "ingress" : "egress";
	fprintf(f, "\tchain %s_%s {\n", dir, name);
	if (n == 0) {
		/* the default group: inbound from its own members, all outbound */
		if (ingress)
			fprintf(f, "\t\tip saddr @sg_%s_default counter return comment \"sg default ingress: from members of the VPC's default group\"\n",
				v->name.name);
		else
			fprintf(f, "\t\tcounter return comment \"sg default egress: all\"\n");
	}
	for (size_t k = 0; k < n; k++)
		sg_rules(f, t, &v->security_groups[sg_idx[k]], ingress);
	fprintf(f, "\t\tcounter " NSIM_PLAN_LOG "drop comment \"sg %s of %s: no rule allows it\"\n", code,
		ingress ? 'i' : 'e', dir, who);
	fprintf(f, "\t}\n");
}

static void host_chain(FILE *f, const struct nsim_topology *t, const struct nsim_vpc *v, const struct nsim_host *h,
		       bool ingress)
{
	char code[48];
	snprintf(code, sizeof(code), "sg:%zu:%zu", (size_t)(v - t->vpcs), (size_t)(h - v->hosts));
	sg_chain(f, t, v, h->name.name, h->name.name, code, h->sg_idx, h->n_security_groups, ingress);
}

/* The chains of each network interface of v's interface endpoints: named
 * `<dir>_<endpoint>_<subnet>` ('_' is in no name: no host's chain). The
 * endpoint's groups filter what reaches the service through it. AWS:
 * "Access an AWS service using an interface VPC endpoint",
 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
static void endpoint_chains(FILE *f, const struct nsim_topology *t, const struct nsim_vpc *v)
{
	char name[160], who[160], code[48];
	for (size_t ei = 0; ei < v->n_endpoints; ei++) {
		const struct nsim_vpc_endpoint *ep = &v->endpoints[ei];
		if (ep->type != NSIM_VPCE_INTERFACE || !ep->subnet_idx)
			continue;
		for (size_t k = 0; k < ep->n_subnets; k++) {
			const char *sn = v->subnets[ep->subnet_idx[k]].name.name;
			snprintf(name, sizeof(name), "%s_%s", ep->name.name, sn);
			snprintf(who, sizeof(who), "endpoint %s in %s", ep->name.name, sn);
			snprintf(code, sizeof(code), "esg:%zu:%zu:%zu", (size_t)(v - t->vpcs), ei, k);
			sg_chain(f, t, v, name, who, code, ep->sg_idx, ep->n_security_groups, false);
			sg_chain(f, t, v, name, who, code, ep->sg_idx, ep->n_security_groups, true);
		}
	}
}

/* The router ports of v's endpoint interfaces in subnet si (NSIM_NONE:
 * all), after n others: `"port"`, or with `: jump <jump>_<subnet>` (acl
 * maps), or `: jump <dir>_<endpoint>_<subnet>` (sg maps, dir given). f NULL:
 * only counted. Returns n plus their number. */
static size_t endpoint_ports(FILE *f, const struct nsim_topology *t, size_t vi, size_t si, size_t n,
			     const char *jump, const char *dir)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	char port[16];
	size_t ord = nsim_plan_endpoint_ordinal(t, vi, 0, 0);
	for (size_t ei = 0; ei < v->n_endpoints; ei++) {
		const struct nsim_vpc_endpoint *ep = &v->endpoints[ei];
		size_t first = ord;
		ord += ep->type == NSIM_VPCE_INTERFACE ? ep->n_subnets : 1;
		if (ep->type != NSIM_VPCE_INTERFACE || !ep->subnet_idx)
			continue;
		for (size_t k = 0; k < ep->n_subnets; k++) {
			const char *sn = v->subnets[ep->subnet_idx[k]].name.name;
			if (si != NSIM_NONE && ep->subnet_idx[k] != si)
				continue;
			if (f) {
				nsim_plan_endpoint_port(port, t, vi, ei, k, first + k);
				fprintf(f, "%s\"%s\"", n ? ", " : "", port);
				if (jump)
					fprintf(f, " : jump %s_%s", jump, sn);
				else if (dir)
					fprintf(f, " : jump %s_%s_%s", dir, ep->name.name, sn);
			}
			n++;
		}
	}
	return n;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct nsim_acl_rule *x = *(const struct nsim_acl_rule *const *)a, *y = *(const struct nsim_acl_rule *const *)b;
	return x->number < y->number ? -1 : x->number > y->number;
}

static int acl_chain(FILE *f, size_t vi, size_t ai, const struct nsim_network_acl *acl, bool ingress)
{
	const char *dir = ingress ? "ingress" : "egress";
	size_t n = ingress ? acl->n_ingress : acl->n_egress;
	const struct nsim_acl_rule *rules = ingress ? acl->ingress : acl->egress;
	const struct nsim_acl_rule **sorted = calloc(n + 1, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &rules[i];
	qsort(sorted, n, sizeof(*sorted), cmp_rule);

	fprintf(f, "\tchain acl_%s_%s {\n", acl->name.name, dir);
	for (size_t i = 0; i < n; i++) {
		const struct nsim_acl_rule *r = sorted[i];
		char c[NSIM_CIDR_STRLEN];
		fputs("\t\t", f);
		if (r->cidr.len)
			fprintf(f, "ip %s %s ", ingress ? "saddr" : "daddr", nsim_cidr_fmt(r->cidr, c));
		proto_match(f, r->proto, r->has_ports, r->port_from, r->port_to);
		if (r->action == NSIM_ACL_ALLOW)
			fprintf(f, "counter return ");
		else
			fprintf(f, "counter " NSIM_PLAN_LOG_FMT("acl:%zu:%zu:%c:%u") "drop ", vi, ai, dir[0], r->number);
		fprintf(f, "comment \"acl %s %s rule %u\"\n", acl->name.name, dir, r->number);
	}
	fprintf(f, "\t\tcounter " NSIM_PLAN_LOG_FMT("acl:%zu:%zu:%c:*") "drop comment \"acl %s %s rule *: no rule matched, AWS denies\"\n",
		vi, ai, dir[0], acl->name.name, dir);
	fprintf(f, "\t}\n");
	free(sorted);
	return 0;
}

static size_t subnet_acl(const struct nsim_subnet *s)
{
	return s->network_acl.name ? s->acl_idx : NSIM_NONE;
}

/* Ports of subnet si: its hosts, NAT gateways and endpoint interfaces. */
static void subnet_ports(FILE *f, const struct nsim_topology *t, size_t vi, size_t si)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	char port[16];
	size_t n = 0;
	for (size_t i = 0; i < v->n_nat_gateways; i++)
		if (v->nat_gateways[i].subnet_idx == si) {
			nsim_plan_port_name(port, 'n', v->nat_gateways[i].name.name, i);
			fprintf(f, "%s\"%s\"", n++ ? ", " : "", port);
		}
	for (size_t i = 0; i < v->n_hosts; i++)
		if (v->hosts[i].subnet_idx == si) {
			nsim_plan_port_name(port, 'h', v->hosts[i].name.name, i);
			fprintf(f, "%s\"%s\"", n++ ? ", " : "", port);
		}
	endpoint_ports(f, t, vi, si, n, NULL, NULL);
}

static bool subnet_has_ports(const struct nsim_topology *t, size_t vi, size_t si)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	if (endpoint_ports(NULL, t, vi, si, 0, NULL, NULL))
		return true;
	for (size_t i = 0; i < v->n_nat_gateways; i++)
		if (v->nat_gateways[i].subnet_idx == si)
			return true;
	for (size_t i = 0; i < v->n_hosts; i++)
		if (v->hosts[i].subnet_idx == si)
			return true;
	return false;
}

/* ifname -> jump chain, for every port of the subnets that have a custom ACL. */
static void acl_map(FILE *f, const struct nsim_topology *t, size_t vi, const char *name, const char *prefix)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	char port[16];
	size_t n = 0;
	fprintf(f, "\tmap %s {\n\t\ttype ifname : verdict\n\t\telements = { ", name);
	for (size_t si = 0; si < v->n_subnets; si++) {
		if (subnet_acl(&v->subnets[si]) == NSIM_NONE)
			continue;
		for (size_t i = 0; i < v->n_nat_gateways; i++)
			if (v->nat_gateways[i].subnet_idx == si) {
				nsim_plan_port_name(port, 'n', v->nat_gateways[i].name.name, i);
				fprintf(f, "%s\"%s\" : jump %s_%s", n++ ? ", " : "", port, prefix, v->subnets[si].name.name);
			}
		for (size_t i = 0; i < v->n_hosts; i++)
			if (v->hosts[i].subnet_idx == si) {
				nsim_plan_port_name(port, 'h', v->hosts[i].name.name, i);
				fprintf(f, "%s\"%s\" : jump %s_%s", n++ ? ", " : "", port, prefix, v->subnets[si].name.name);
			}
		n = endpoint_ports(f, t, vi, si, n, prefix, NULL);
	}
	fprintf(f, " }\n\t}\n");
}

static void sg_map(FILE *f, const struct nsim_topology *t, size_t vi, const char *dir)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	char port[16];
	fprintf(f, "\tmap sg_%s {\n\t\ttype ifname : verdict\n", dir);
	if (v->n_hosts || endpoint_ports(NULL, t, vi, NSIM_NONE, 0, NULL, NULL)) {
		fprintf(f, "\t\telements = { ");
		for (size_t i = 0; i < v->n_hosts; i++) {
			nsim_plan_port_name(port, 'h', v->hosts[i].name.name, i);
			fprintf(f, "%s\"%s\" : jump %s_%s", i ? ", " : "", port, dir, v->hosts[i].name.name);
		}
		endpoint_ports(f, t, vi, NSIM_NONE, v->n_hosts, NULL, dir);
		fprintf(f, " }\n");
	}
	fprintf(f, "\t}\n");
}

/* Peering carries traffic between the two VPCs only: not transitive, no
 * edge-to-edge routing. What comes in by a peering is checked before the
 * subnet it enters (its inbound ACL), what goes out by one after the subnet
 * it leaves (its outbound ACL: AWS filters at the subnet boundary, before
 * the packet reaches the peering): `in` chooses. AWS: "VPC peering
 * limitations",
 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations */
static void peering_rules(FILE *f, const struct nsim_topology *t, size_t vi, bool in)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	for (size_t i = 0; i < t->n_peerings; i++) {
		const struct nsim_peering *pc = &t->peerings[i];
		if (pc->vpc_idx[0] != vi && pc->vpc_idx[1] != vi)
			continue;
		const struct nsim_vpc *peer = &t->vpcs[pc->vpc_idx[0] == vi ? pc->vpc_idx[1] : pc->vpc_idx[0]];
		char own[NSIM_CIDR_STRLEN], other[NSIM_CIDR_STRLEN], port[16], log[128];
		nsim_plan_port_name(port, 'p', pc->name.name, i);
		nsim_cidr_fmt(v->cidr, own);
		nsim_cidr_fmt(peer->cidr, other);
		snprintf(log, sizeof(log), NSIM_PLAN_LOG_FMT("pcx:%zu:%zu"), i, vi);
		if (in)
			fprintf(f,
				"\t\tiifname \"%s\" ip saddr != %s counter %sdrop comment \"peering %s: only from VPC %s (not transitive)\"\n"
				"\t\tiifname \"%s\" ip daddr != %s counter %sdrop comment \"peering %s: only to VPC %s (no edge-to-edge)\"\n",
				port, other, log, pc->name.name, peer->name.name, port, own, log, pc->name.name, v->name.name);
		else
			fprintf(f,
				"\t\toifname \"%s\" ip saddr != %s counter %sdrop comment \"peering %s: only from VPC %s (not transitive)\"\n"
				"\t\toifname \"%s\" ip daddr != %s counter %sdrop comment \"peering %s: only to VPC %s\"\n",
				port, own, log, pc->name.name, v->name.name, port, other, log, pc->name.name, peer->name.name);
	}
}

/* Traffic to and from the Amazon-provided DNS server is filtered by neither
 * security groups nor network ACLs. The resolver lives on the router's lo
 * (plan/dns.c), so its queries reach the input hook and its answers leave by
 * output: neither passes the forward chain, where the SG and ACL chains
 * are. This rule says so and keeps 169.254.169.253 out of the drop of
 * netsim's link addresses below. AWS: "Control subnet traffic with network
 * access control lists" ("Network ACLs ... do not filter traffic destined to
 * and from ... Amazon Domain Name Services (DNS)"),
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html;
 * "Control traffic to your AWS resources using security groups" (security
 * groups do not filter traffic to and from Amazon DNS either),
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html */
static void dns_exemption(FILE *f, const struct nsim_vpc *v)
{
	char a[NSIM_ADDR_STRLEN], ll[NSIM_ADDR_STRLEN];
	if (!v->dns_support)
		return;
	fprintf(f, "\t\tip daddr { %s, %s } meta l4proto { tcp, udp } th dport 53 counter accept "
		   "comment \"the Amazon DNS server: no security group or network ACL applies\"\n",
		nsim_addr_fmt(nsim_plan_dns_address(v), a), nsim_addr_fmt(NSIM_DNS_LINK_LOCAL, ll));
}

/* Whether route r of a table is a blackhole for the kernel (plan.c's
 * target_route(): blackhole and unresolved targets). */
static bool is_blackhole(const struct nsim_route *r)
{
	return r->kind == NSIM_TARGET_BLACKHOLE || r->kind == NSIM_TARGET_UNRESOLVED;
}

/* Before the route: what AWS evaluates at the sending interface, then the
 * route. Security groups' egress comes first (AWS's order: "source SG
 * egress -> route table -> subnet ACLs", analyze.h), so it is evaluated
 * here, in prerouting, not in forward after the route lookup. Kernel routes
 * cannot log, so the router looks the route up itself before the kernel
 * does (`fib daddr` goes through the policy rules, which choose a subnet's
 * table by source address) and logs what will have none: a blackhole (the
 * destination is in a blackhole route of the source subnet's table: a more
 * specific route elsewhere would have been found) or no route at all (of
 * unicast destinations: the router's own addresses are local, and their
 * lookup has no oif either). No route is answered with ICMP net unreachable, as
 * the kernel's own no-route path does, without its rate limit. Traffic to
 * the router itself (the Amazon DNS server, the subnet router) is filtered
 * by neither. AWS: "Route priority",
 * https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html;
 * "Example routing options" (blackhole routes),
 * https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html */
static void route_drops(FILE *f, const struct nsim_topology *t, size_t vi)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	char c[NSIM_CIDR_STRLEN];
	fprintf(f, "\tchain prerouting {\n\t\ttype filter hook prerouting priority filter; policy accept;\n"
		   "\t\tmeta nfproto != ipv4 accept comment \"a VPC here is IPv4 only\"\n"
		   "\t\tfib daddr type != unicast accept comment \"to the router itself, or not routed (multicast, broadcast): no security group or route applies\"\n"
		   "\t\tct state established,related accept comment \"security groups are stateful: replies pass\"\n"
		   "\t\tiifname vmap @sg_egress comment \"security groups: egress of the sending host, before its route\"\n");
	for (size_t si = 0; si < v->n_subnets; si++) {
		const struct nsim_subnet *s = &v->subnets[si];
		size_t ri = s->rt_idx != NSIM_NONE ? s->rt_idx : v->main_rt_idx;
		if (ri == NSIM_NONE)
			continue;
		const struct nsim_route_table *rt = &v->route_tables[ri];
		/* The local route wins over a blackhole no more specific than the
		 * VPC's CIDR (inner: false), and within the subnet no route
		 * applies: those addresses are the VPC router's (no route). */
		for (int inner = 1; inner >= 0; inner--) {
			size_t n = 0;
			bool overlap = false;
			char own[NSIM_CIDR_STRLEN];
			struct nsim_cidr local = inner ? s->cidr : v->cidr;
			for (size_t i = 0; i < rt->n_routes; i++) {
				const struct nsim_route *r = &rt->routes[i];
				size_t nc = r->dest_pl ? r->dest_pl->n_cidrs : 1;
				for (size_t k = 0; is_blackhole(r) && k < nc; k++) {
					struct nsim_cidr d = r->dest_pl ? r->dest_pl->cidrs[k] : r->dest;
					if ((d.len > v->cidr.len && nsim_cidr_contains(v->cidr, d)) != (inner == 1))
						continue;
					if (n++ == 0)
						fprintf(f, "\t\tip saddr %s ip daddr { ", nsim_cidr_fmt(s->cidr, c));
					else
						fputs(", ", f);
					fputs(nsim_cidr_fmt(d, c), f);
					overlap |= nsim_cidr_contains(local, d) || nsim_cidr_contains(d, local);
				}
			}
			if (!n)
				continue;
			if (overlap)
				fprintf(f, " } ip daddr != %s", nsim_cidr_fmt(local, own));
			else
				fputs(" }", f);
			fprintf(f, " fib daddr oif missing counter " NSIM_PLAN_LOG_FMT("bh:%zu:%zu")
				   "drop comment \"subnet %s: a blackhole route of route table %s\"\n",
				vi, ri, s->name.name, rt->name.name);
		}
	}
	fprintf(f, "\t\tfib daddr oif missing counter "
		   NSIM_PLAN_LOG_FMT("nr:%zu") "reject with icmp type net-unreachable comment \"no route\"\n\t}\n", vi);
}

int nsim_plan_router_ruleset(const struct nsim_topology *t, size_t vi, char **ret)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	int r = 0;

	fprintf(f, "table inet netsim {\n");
	r = sets(f, t, vi);

	for (size_t ai = 0; ai < v->n_network_acls && r == 0; ai++) {
		if ((r = acl_chain(f, vi, ai, &v->network_acls[ai], false)) == 0)
			r = acl_chain(f, vi, ai, &v->network_acls[ai], true);
	}
	bool any_acl = false;
	for (size_t si = 0; si < v->n_subnets; si++) {
		const struct nsim_subnet *s = &v->subnets[si];
		if (subnet_acl(s) == NSIM_NONE || !subnet_has_ports(t, vi, si))
			continue;
		any_acl = true;
		const char *acl = v->network_acls[s->acl_idx].name.name;
		fprintf(f, "\tset ports_%s {\n\t\ttype ifname\n\t\telements = { ", s->name.name);
		subnet_ports(f, t, vi, si);
		fprintf(f, " }\n\t}\n");
		fprintf(f, "\tchain leave_%s {\n"
			   "\t\toifname @ports_%s counter return comment \"within subnet %s: no ACL\"\n"
			   "\t\tcounter jump acl_%s_egress comment \"leaving subnet %s\"\n"
			   "\t}\n",
			s->name.name, s->name.name, s->name.name, acl, s->name.name);
		fprintf(f, "\tchain enter_%s {\n"
			   "\t\tiifname @ports_%s counter return comment \"within subnet %s: no ACL\"\n"
			   "\t\tcounter jump acl_%s_ingress comment \"entering subnet %s\"\n"
			   "\t}\n",
			s->name.name, s->name.name, s->name.name, acl, s->name.name);
	}
	if (any_acl) {
		acl_map(f, t, vi, "acl_leave", "leave");
		acl_map(f, t, vi, "acl_enter", "enter");
	}
	for (size_t i = 0; i < v->n_hosts; i++) {
		host_chain(f, t, v, &v->hosts[i], false);
		host_chain(f, t, v, &v->hosts[i], true);
	}
	endpoint_chains(f, t, v);
	sg_map(f, t, vi, "egress");
	sg_map(f, t, vi, "ingress");

	route_drops(f, t, vi);
	/* netsim's own point-to-point links (169.254.0.0/16) are no part of a VPC */
	fprintf(f, "\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n");
	dns_exemption(f, v);
	fprintf(f, "\t\tip daddr 169.254.0.0/16 counter drop comment \"netsim's links are not in the VPC\"\n\t}\n");
	fprintf(f, "\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n");
	fprintf(f, "\t\tip daddr 169.254.0.0/16 counter drop comment \"netsim's links are not in the VPC\"\n");
	peering_rules(f, t, vi, true);
	if (any_acl)
		fprintf(f, "\t\tiifname vmap @acl_leave comment \"network ACLs, stateless: leaving a subnet\"\n"
			   "\t\toifname vmap @acl_enter comment \"network ACLs, stateless: entering a subnet\"\n");
	peering_rules(f, t, vi, false);
	fprintf(f, "\t\tct state established,related counter accept comment \"security groups are stateful: replies pass\"\n"
		   "\t\toifname vmap @sg_ingress comment \"security groups: ingress of the receiving host\"\n"
		   "\t}\n}\n");
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(text);
		return r;
	}
	*ret = text;
	return 0;
}
