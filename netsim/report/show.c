/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report/escape.h"
#include "report/show.h"

/* The builder notes a failed allocation once and carries on; the caller
 * frees the half-made document and returns -ENOMEM. */
struct builder {
	const struct nsim_topology *t;
	bool oom;
};

static json_t *put(struct builder *b, json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		b->oom = true;
	return v;
}

static void append(struct builder *b, json_t *arr, json_t *v)
{
	if (!v || json_array_append_new(arr, v) < 0)
		b->oom = true;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *addr_json(uint32_t a)
{
	char buf[NSIM_ADDR_STRLEN];
	return a ? json_string(nsim_addr_fmt(a, buf)) : json_null();
}

static json_t *cidr_json(struct nsim_cidr c)
{
	char buf[NSIM_CIDR_STRLEN];
	return json_string(nsim_cidr_fmt(c, buf));
}

static json_t *ports_json(bool has_ports, uint16_t from, uint16_t to)
{
	if (!has_ports || (from == 0 && to == 65535))
		return json_string("all");
	if (from == to)
		return json_sprintf("%u", from);
	return json_sprintf("%u-%u", from, to);
}

static json_t *services_json(struct builder *b, const struct nsim_service *s, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		append(b, a, s[i].from == s[i].to ? json_sprintf("%u/%s", s[i].from, nsim_proto_name(s[i].proto))
						  : json_sprintf("%u-%u/%s", s[i].from, s[i].to,
								 nsim_proto_name(s[i].proto)));
	return a;
}

static json_t *refs_json(struct builder *b, const struct nsim_ref *r, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		append(b, a, json_string(r[i].name));
	return a;
}

static const char *target_type(enum nsim_target_kind k)
{
	switch (k) {
	case NSIM_TARGET_IGW:
		return "internet-gateway";
	case NSIM_TARGET_NAT:
		return "nat-gateway";
	case NSIM_TARGET_PEERING:
		return "peering";
	case NSIM_TARGET_BLACKHOLE:
		return "blackhole";
	case NSIM_TARGET_GATEWAY_ENDPOINT:
		return "gateway-endpoint";
	case NSIM_TARGET_UNRESOLVED:
		break;
	}
	return "unresolved";
}

static json_t *route_json(struct builder *b, json_t *dest, const char *target, const char *type)
{
	json_t *r = json_object();
	if (!r)
		return NULL;
	put(b, r, "destination", dest);
	put(b, r, "target", json_string(target));
	put(b, r, "type", json_string(type));
	return r;
}

/* Every table starts with the local route for the VPC's CIDR. AWS: "Configure
 * route tables", https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html */
static json_t *routes_json(struct builder *b, const struct nsim_vpc *vpc, const struct nsim_route_table *rt)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	append(b, a, route_json(b, cidr_json(vpc->cidr), "local", "local"));
	for (size_t i = 0; rt && i < rt->n_routes; i++) {
		const struct nsim_route *r = &rt->routes[i];
		json_t *dest = r->dest_list.name ? json_sprintf("pl:%s", r->dest_list.name) : cidr_json(r->dest);
		json_t *j = route_json(b, dest, r->target.name, target_type(r->kind));
		if (j && r->managed)
			put(b, j, "managed", json_true());
		append(b, a, j);
	}
	return a;
}

/* The subnet's route table: its own, else the VPC's main one; NSIM_NONE:
 * the implicit main table (none named: the local route only). */
static size_t rt_of(const struct nsim_vpc *vpc, const struct nsim_subnet *s)
{
	return s->route_table.name ? s->rt_idx : vpc->main_rt_idx;
}

static json_t *rt_name_json(const struct nsim_vpc *vpc, size_t i)
{
	return i == NSIM_NONE ? json_null() : json_string(vpc->route_tables[i].name.name);
}

/* A subnet is public when its route table has a route to an internet gateway.
 * AWS: "Subnets for your VPC", https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html */
static bool subnet_public(const struct nsim_vpc *vpc, const struct nsim_subnet *s)
{
	size_t i = s->route_table.name ? s->rt_idx : vpc->main_rt_idx;
	for (size_t k = 0; i != NSIM_NONE && k < vpc->route_tables[i].n_routes; k++)
		if (vpc->route_tables[i].routes[k].kind == NSIM_TARGET_IGW)
			return true;
	return false;
}

static json_t *sg_rule_json(struct builder *b, const struct nsim_sg_rule *r, const char *peer_key)
{
	json_t *j = json_object();
	if (!j)
		return NULL;
	put(b, j, "protocol", json_string(nsim_proto_name(r->proto)));
	put(b, j, "ports", ports_json(r->has_ports, r->port_from, r->port_to));
	put(b, j, peer_key, r->peer_is_cidr ? cidr_json(r->peer_cidr) : json_string(r->peer.name));
	if (r->description.name)
		put(b, j, "description", json_string(r->description.name));
	return j;
}

static json_t *sg_json(struct builder *b, const struct nsim_security_group *sg)
{
	json_t *j = json_object(), *in = json_array(), *out = json_array();
	if (!j || !in || !out) {
		json_decref(j), json_decref(in), json_decref(out);
		return NULL;
	}
	put(b, j, "name", json_string(sg->name.name));
	put(b, j, "description", str_or_null(sg->description.name));
	for (size_t i = 0; i < sg->n_ingress; i++)
		append(b, in, sg_rule_json(b, &sg->ingress[i], "source"));
	put(b, j, "ingress", in);
	/* a group made without egress rules allows all outbound traffic. AWS:
	 * "Security group rules", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html */
	if (!sg->has_egress) {
		json_t *all = json_pack("{s:s, s:s, s:s, s:b}", "protocol", "all", "ports", "all", "destination",
					"0.0.0.0/0", "default", true);
		append(b, out, all);
	}
	for (size_t i = 0; i < sg->n_egress; i++)
		append(b, out, sg_rule_json(b, &sg->egress[i], "destination"));
	put(b, j, "egress", out);
	return j;
}

static json_t *acl_rule_json(struct builder *b, const struct nsim_acl_rule *r, const char *peer_key)
{
	json_t *j = json_object();
	if (!j)
		return NULL;
	put(b, j, "rule", json_integer(r->number));
	put(b, j, "action", json_string(r->action == NSIM_ACL_ALLOW ? "allow" : "deny"));
	put(b, j, "protocol", json_string(nsim_proto_name(r->proto)));
	put(b, j, "ports", ports_json(r->has_ports, r->port_from, r->port_to));
	put(b, j, peer_key, cidr_json(r->cidr));
	return j;
}

/* Rules in order of their number, then the rule `*` that denies what none
 * matched; a default ACL allows everything with its rule 100. AWS: "Control
 * subnet traffic with network access control lists",
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
static json_t *acl_rules_json(struct builder *b, const struct nsim_acl_rule *rules, size_t n, bool is_default,
			      const char *peer_key)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	if (is_default)
		append(b, a, json_pack("{s:i, s:s, s:s, s:s, s:s}", "rule", 100, "action", "allow", "protocol", "all",
				       "ports", "all", peer_key, "0.0.0.0/0"));
	/* netsim rule: listed by rule number, as AWS evaluates them */
	bool *done = n ? calloc(n, sizeof(*done)) : NULL;
	if (n && !done)
		b->oom = true;
	for (size_t k = 0; done && k < n; k++) {
		size_t best = NSIM_NONE;
		for (size_t i = 0; i < n; i++)
			if (!done[i] && (best == NSIM_NONE || rules[i].number < rules[best].number))
				best = i;
		done[best] = true;
		append(b, a, acl_rule_json(b, &rules[best], peer_key));
	}
	free(done);
	append(b, a, json_pack("{s:s, s:s, s:s, s:s, s:s}", "rule", "*", "action", "deny", "protocol", "all", "ports",
			       "all", peer_key, "0.0.0.0/0"));
	return a;
}

static json_t *acl_json(struct builder *b, const struct nsim_network_acl *acl)
{
	json_t *j = json_object();
	if (!j)
		return NULL;
	put(b, j, "name", json_string(acl ? acl->name.name : "default"));
	put(b, j, "default", json_boolean(!acl));
	put(b, j, "ingress", acl_rules_json(b, acl ? acl->ingress : NULL, acl ? acl->n_ingress : 0, !acl, "source"));
	put(b, j, "egress",
	    acl_rules_json(b, acl ? acl->egress : NULL, acl ? acl->n_egress : 0, !acl, "destination"));
	return j;
}

static json_t *host_json(struct builder *b, const struct nsim_host *h)
{
	json_t *j = json_object();
	char eph[16];
	if (!j)
		return NULL;
	put(b, j, "name", json_string(h->name.name));
	put(b, j, "kind", json_string(nsim_host_kind_name(h->kind)));
	put(b, j, "address", addr_json(h->address));
	put(b, j, "public_ip", addr_json(h->public_ip));
	/* no groups: the VPC's default group (validate/security_groups.c) */
	put(b, j, "security_groups",
	    h->n_security_groups ? refs_json(b, h->security_groups, h->n_security_groups) : json_pack("[s]", "default"));
	put(b, j, "listen", services_json(b, h->listen, h->n_listen));
	snprintf(eph, sizeof(eph), "%u-%u", h->ephemeral.from, h->ephemeral.to);
	put(b, j, "ephemeral_ports", json_string(eph));
	if (h->n_targets) {
		json_t *a = put(b, j, "targets", json_array());
		for (size_t i = 0; a && i < h->n_targets; i++)
			append(b, a, json_string(h->targets[i].ref.name));
	}
	if (h->n_dns_names)
		put(b, j, "dns_names", refs_json(b, h->dns_names, h->n_dns_names));
	return j;
}

static json_t *endpoint_json(struct builder *b, const struct nsim_vpc *vpc, const struct nsim_vpc_endpoint *e)
{
	json_t *j = json_object();
	if (!j)
		return NULL;
	put(b, j, "name", json_string(e->name.name));
	put(b, j, "type", json_string(e->type == NSIM_VPCE_GATEWAY ? "gateway" : "interface"));
	put(b, j, "service", json_string(e->service_name ? e->service_name : e->service.name));
	put(b, j, "region", str_or_null(e->service_region));
	put(b, j, "id", str_or_null(e->id));
	if (e->type == NSIM_VPCE_GATEWAY) {
		put(b, j, "route_tables", refs_json(b, e->route_tables, e->n_route_tables));
		put(b, j, "prefix_list", e->pl && e->pl->id ? json_string(e->pl->id) : json_null());
		return j;
	}
	json_t *a = put(b, j, "interfaces", json_array());
	for (size_t i = 0; a && i < e->n_subnets; i++) {
		json_t *nic = json_object();
		if (nic) {
			put(b, nic, "subnet", json_string(vpc->subnets[e->subnet_idx[i]].name.name));
			put(b, nic, "address", addr_json(e->addresses ? e->addresses[i] : 0));
		}
		append(b, a, nic);
	}
	put(b, j, "security_groups", refs_json(b, e->security_groups, e->n_security_groups));
	put(b, j, "private_dns", json_boolean(e->private_dns));
	put(b, j, "dns_name", str_or_null(e->dns_name));
	return j;
}

static json_t *subnet_json(struct builder *b, const struct nsim_vpc *vpc, size_t si)
{
	const struct nsim_subnet *s = &vpc->subnets[si];
	json_t *j = json_object();
	if (!j)
		return NULL;
	put(b, j, "name", json_string(s->name.name));
	put(b, j, "cidr", cidr_json(s->cidr));
	put(b, j, "az", str_or_null(s->az.name));
	put(b, j, "public", json_boolean(subnet_public(vpc, s)));
	put(b, j, "route_table", rt_name_json(vpc, rt_of(vpc, s)));
	put(b, j, "main_route_table", json_boolean(rt_of(vpc, s) == vpc->main_rt_idx));
	put(b, j, "network_acl",
	    json_string(s->acl_idx == NSIM_NONE ? "default" : vpc->network_acls[s->acl_idx].name.name));
	json_t *hosts = put(b, j, "hosts", json_array());
	for (size_t i = 0; hosts && i < vpc->n_hosts; i++)
		if (vpc->hosts[i].subnet_idx == si)
			append(b, hosts, host_json(b, &vpc->hosts[i]));
	json_t *nats = put(b, j, "nat_gateways", json_array());
	for (size_t i = 0; nats && i < vpc->n_nat_gateways; i++) {
		const struct nsim_nat_gateway *n = &vpc->nat_gateways[i];
		if (n->subnet_idx != si)
			continue;
		json_t *nj = json_object();
		if (nj) {
			put(b, nj, "name", json_string(n->name.name));
			put(b, nj, "address", addr_json(n->address));
			put(b, nj, "elastic_ip", addr_json(n->elastic_ip));
		}
		append(b, nats, nj);
	}
	return j;
}

static json_t *vpc_json(struct builder *b, const struct nsim_vpc *vpc)
{
	json_t *j = json_object();
	if (!j)
		return NULL;
	put(b, j, "name", json_string(vpc->name.name));
	put(b, j, "cidr", cidr_json(vpc->cidr));
	put(b, j, "internet_gateway", str_or_null(vpc->internet_gateway.name));
	put(b, j, "main_route_table", rt_name_json(vpc, vpc->main_rt_idx));
	put(b, j, "dns_support", json_boolean(vpc->dns_support));
	put(b, j, "dns_hostnames", json_boolean(vpc->dns_hostnames));

	json_t *a = put(b, j, "subnets", json_array());
	for (size_t i = 0; a && i < vpc->n_subnets; i++)
		append(b, a, subnet_json(b, vpc, i));

	/* the implicit main table (local route only) when a subnet uses it */
	a = put(b, j, "route_tables", json_array());
	bool implicit = false;
	for (size_t i = 0; i < vpc->n_subnets; i++)
		implicit |= rt_of(vpc, &vpc->subnets[i]) == NSIM_NONE;
	for (size_t i = 0; a && i < vpc->n_route_tables + implicit; i++) {
		const struct nsim_route_table *rt = i < vpc->n_route_tables ? &vpc->route_tables[i] : NULL;
		json_t *tj = json_object();
		if (tj) {
			put(b, tj, "name", rt_name_json(vpc, rt ? i : NSIM_NONE));
			put(b, tj, "main", json_boolean(rt ? i == vpc->main_rt_idx : true));
			put(b, tj, "routes", routes_json(b, vpc, rt));
			json_t *subs = put(b, tj, "subnets", json_array());
			for (size_t k = 0; subs && k < vpc->n_subnets; k++)
				if (rt_of(vpc, &vpc->subnets[k]) == (rt ? i : NSIM_NONE))
					append(b, subs, json_string(vpc->subnets[k].name.name));
		}
		append(b, a, tj);
	}

	a = put(b, j, "network_acls", json_array());
	bool dflt = false;
	for (size_t i = 0; i < vpc->n_subnets; i++)
		dflt |= vpc->subnets[i].acl_idx == NSIM_NONE;
	for (size_t i = 0; a && i < vpc->n_network_acls; i++)
		append(b, a, acl_json(b, &vpc->network_acls[i]));
	if (a && dflt)
		append(b, a, acl_json(b, NULL));

	a = put(b, j, "security_groups", json_array());
	bool named_default = false, uses_default = false;
	for (size_t i = 0; a && i < vpc->n_security_groups; i++) {
		named_default |= streq(vpc->security_groups[i].name.name, "default");
		append(b, a, sg_json(b, &vpc->security_groups[i]));
	}
	for (size_t i = 0; i < vpc->n_hosts; i++)
		uses_default |= vpc->hosts[i].n_security_groups == 0;
	/* inbound from its own members, all outbound. AWS: "Default security
	 * groups for your VPCs",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html */
	if (a && uses_default && !named_default) {
		static const struct nsim_sg_rule members = {
			.proto = NSIM_PROTO_ALL, .peer = {.name = (char *)"default"}};
		const struct nsim_security_group aws_default = {
			.name = {.name = (char *)"default"},
			.description = {.name = (char *)"the VPC's default security group (AWS's rules)"},
			.ingress = (struct nsim_sg_rule *)&members,
			.n_ingress = 1,
		};
		append(b, a, sg_json(b, &aws_default));
	}

	a = put(b, j, "endpoints", json_array());
	for (size_t i = 0; a && i < vpc->n_endpoints; i++)
		append(b, a, endpoint_json(b, vpc, &vpc->endpoints[i]));

	a = put(b, j, "prefix_lists", json_array());
	for (size_t i = 0; a && i < vpc->n_prefix_lists; i++) {
		const struct nsim_prefix_list *pl = &vpc->prefix_lists[i];
		json_t *pj = json_object();
		if (pj) {
			put(b, pj, "name", json_string(pl->name.name));
			put(b, pj, "id", str_or_null(pl->id));
			json_t *cidrs = put(b, pj, "cidrs", json_array());
			for (size_t k = 0; cidrs && k < pl->n_cidrs; k++)
				append(b, cidrs, cidr_json(pl->cidrs[k]));
		}
		append(b, a, pj);
	}
	return j;
}

int nsim_report_show_json(const struct nsim_topology *t, json_t **ret_json)
{
	struct builder b = {.t = t};
	json_t *j = json_object();
	if (!j)
		return -ENOMEM;
	put(&b, j, "schema", json_integer(1));
	put(&b, j, "topology", json_string(t->name.name));
	put(&b, j, "description", str_or_null(t->description.name));
	put(&b, j, "region", json_string(t->region.name ? t->region.name : "us-east-1"));
	json_t *a = put(&b, j, "vpcs", json_array());
	for (size_t i = 0; a && i < t->n_vpcs; i++)
		append(&b, a, vpc_json(&b, &t->vpcs[i]));
	a = put(&b, j, "peerings", json_array());
	for (size_t i = 0; a && i < t->n_peerings; i++)
		append(&b, a, json_pack("{s:s, s:[s, s]}", "name", t->peerings[i].name.name, "between",
					t->peerings[i].between[0].name, t->peerings[i].between[1].name));
	json_t *inet = put(&b, j, "internet", json_object());
	a = inet ? put(&b, inet, "hosts", json_array()) : NULL;
	for (size_t i = 0; a && i < t->n_inet_hosts; i++) {
		const struct nsim_inet_host *h = &t->inet_hosts[i];
		json_t *hj = json_object();
		if (hj) {
			put(&b, hj, "name", json_string(h->name.name));
			put(&b, hj, "address", addr_json(h->address));
			put(&b, hj, "listen", services_json(&b, h->listen, h->n_listen));
			put(&b, hj, "dns_names", refs_json(&b, h->dns_names, h->n_dns_names));
			if (h->service.name)
				put(&b, hj, "service", json_string(h->service.name));
		}
		append(&b, a, hj);
	}
	if (b.oom) {
		json_decref(j);
		return -ENOMEM;
	}
	*ret_json = j;
	return 0;
}

/* ---- text, from the document ---- */

static const char *s_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "-";
}

static void list(FILE *out, const char *label, const json_t *a)
{
	size_t i;
	const json_t *v;
	if (json_array_size(a) == 0)
		return;
	fprintf(out, "  %s ", label);
	json_array_foreach(a, i, v)
		fprintf(out, "%s%s", i ? "," : "", NSIM_ESC(json_string_value(v)));
}

static void routes_text(FILE *out, const char *indent, const json_t *rt)
{
	size_t i;
	const json_t *r;
	json_array_foreach(json_object_get(rt, "routes"), i, r)
	{
		const char *type = s_of(r, "type");
		fprintf(out, "%s%-18s -> %s", indent, NSIM_ESC(s_of(r, "destination")), NSIM_ESC(s_of(r, "target")));
		if (!streq(type, "local") && !streq(type, "blackhole"))
			fprintf(out, " (%s)", type);
		fprintf(out, "%s\n", json_is_true(json_object_get(r, "managed")) ? " managed" : "");
	}
}

static void rules_text(FILE *out, const json_t *rules, const char *dir, const char *peer_key, bool acl)
{
	size_t i;
	const json_t *r;
	json_array_foreach(rules, i, r)
	{
		const char *peer = s_of(r, peer_key);
		fprintf(out, "    %-8s", dir);
		if (acl) {
			const json_t *n = json_object_get(r, "rule");
			if (json_is_integer(n))
				fprintf(out, " %-5lld", (long long)json_integer_value(n));
			else
				fprintf(out, " %-5s", s_of(r, "rule"));
			fprintf(out, " %-5s", s_of(r, "action"));
		}
		fprintf(out, " %-4s %-11s %s %s", s_of(r, "protocol"), NSIM_ESC(s_of(r, "ports")),
			streq(peer_key, "source") ? "from" : "to", NSIM_ESC(peer));
		if (json_is_true(json_object_get(r, "default")))
			fputs("  (default)", out);
		if (json_object_get(r, "description"))
			fprintf(out, "  # %s", NSIM_ESC(s_of(r, "description")));
		fputc('\n', out);
	}
	if (json_array_size(rules) == 0)
		fprintf(out, "    %-8s none\n", dir);
}

static void subnet_text(FILE *out, const json_t *vpc, const json_t *s)
{
	size_t i;
	const json_t *h;
	fprintf(out, "  subnet %s  %s  az %s  %s\n", NSIM_ESC(s_of(s, "name")), s_of(s, "cidr"),
		NSIM_ESC(s_of(s, "az")), json_is_true(json_object_get(s, "public")) ? "public" : "private");
	const char *rtn = json_string_value(json_object_get(s, "route_table"));
	const json_t *rt = NULL, *x;
	json_array_foreach(json_object_get(vpc, "route_tables"), i, x)
		if (rtn ? streq(rtn, s_of(x, "name")) : json_is_null(json_object_get(x, "name")))
			rt = x;
	if (!rtn)
		fprintf(out, "    route table: the VPC's main table (none named: the local route only)\n");
	else
		fprintf(out, "    route table %s%s\n", NSIM_ESC(rtn),
			json_is_true(json_object_get(rt, "main")) ? " (the VPC's main table)" : "");
	routes_text(out, "      ", rt);
	fprintf(out, "    network ACL %s\n", NSIM_ESC(s_of(s, "network_acl")));
	json_array_foreach(json_object_get(s, "hosts"), i, h)
	{
		const char *pub = json_string_value(json_object_get(h, "public_ip"));
		fprintf(out, "    host %-12s %-8s %-15s", NSIM_ESC(s_of(h, "name")), s_of(h, "kind"),
			s_of(h, "address"));
		if (pub)
			fprintf(out, "  public IP %s", pub);
		list(out, "sg", json_object_get(h, "security_groups"));
		list(out, "listen", json_object_get(h, "listen"));
		list(out, "targets", json_object_get(h, "targets"));
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(s, "nat_gateways"), i, h)
		fprintf(out, "    NAT gateway %-8s %-15s  elastic IP %s\n", NSIM_ESC(s_of(h, "name")),
			s_of(h, "address"), s_of(h, "elastic_ip"));
}

static void vpc_text(FILE *out, const json_t *vpc)
{
	size_t i;
	const json_t *v;
	const char *igw = json_string_value(json_object_get(vpc, "internet_gateway"));
	fprintf(out, "\nVPC %s  %s\n", NSIM_ESC(s_of(vpc, "name")), s_of(vpc, "cidr"));
	fprintf(out, "  internet gateway %s\n", igw ? NSIM_ESC(igw) : "none");
	json_array_foreach(json_object_get(vpc, "subnets"), i, v)
		subnet_text(out, vpc, v);
	json_array_foreach(json_object_get(vpc, "route_tables"), i, v)
	{
		if (json_array_size(json_object_get(v, "subnets")))
			continue; /* shown with its subnets */
		fprintf(out, "  route table %s (no subnet uses it)\n", NSIM_ESC(s_of(v, "name")));
		routes_text(out, "    ", v);
	}
	json_array_foreach(json_object_get(vpc, "endpoints"), i, v)
	{
		size_t k;
		const json_t *nic;
		fprintf(out, "  endpoint %s  %s %s", NSIM_ESC(s_of(v, "name")), s_of(v, "type"),
			NSIM_ESC(s_of(v, "service")));
		if (streq(s_of(v, "type"), "gateway")) {
			list(out, "route tables", json_object_get(v, "route_tables"));
			fputc('\n', out);
			continue;
		}
		list(out, "sg", json_object_get(v, "security_groups"));
		fprintf(out, "  private DNS %s\n", json_is_true(json_object_get(v, "private_dns")) ? "on" : "off");
		json_array_foreach(json_object_get(v, "interfaces"), k, nic)
			fprintf(out, "    interface in %s  %s\n", NSIM_ESC(s_of(nic, "subnet")), s_of(nic, "address"));
	}
	json_array_foreach(json_object_get(vpc, "prefix_lists"), i, v)
	{
		fprintf(out, "  prefix list %s %s", NSIM_ESC(s_of(v, "name")), s_of(v, "id"));
		list(out, "cidrs", json_object_get(v, "cidrs"));
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(vpc, "network_acls"), i, v)
	{
		fprintf(out, "  network ACL %s%s\n", NSIM_ESC(s_of(v, "name")),
			json_is_true(json_object_get(v, "default")) ? " (the VPC's default ACL)" : "");
		rules_text(out, json_object_get(v, "ingress"), "ingress", "source", true);
		rules_text(out, json_object_get(v, "egress"), "egress", "destination", true);
	}
	json_array_foreach(json_object_get(vpc, "security_groups"), i, v)
	{
		const char *d = json_string_value(json_object_get(v, "description"));
		fprintf(out, "  security group %s", NSIM_ESC(s_of(v, "name")));
		if (d)
			fprintf(out, "  (%s)", NSIM_ESC(d));
		fputc('\n', out);
		rules_text(out, json_object_get(v, "ingress"), "ingress", "source", false);
		rules_text(out, json_object_get(v, "egress"), "egress", "destination", false);
	}
}

void nsim_report_show_text(FILE *out, const json_t *show)
{
	size_t i;
	const json_t *v;
	const char *desc = json_string_value(json_object_get(show, "description"));
	fprintf(out, "%s", NSIM_ESC(s_of(show, "topology")));
	if (desc)
		fprintf(out, ": %s", NSIM_ESC(desc));
	fprintf(out, "\nregion %s\n", NSIM_ESC(s_of(show, "region")));
	json_array_foreach(json_object_get(show, "vpcs"), i, v)
		vpc_text(out, v);
	const json_t *peerings = json_object_get(show, "peerings");
	if (json_array_size(peerings))
		fputc('\n', out);
	json_array_foreach(peerings, i, v)
	{
		const json_t *bw = json_object_get(v, "between");
		fprintf(out, "peering %s  %s <-> %s\n", NSIM_ESC(s_of(v, "name")),
			NSIM_ESC(json_string_value(json_array_get(bw, 0))),
			NSIM_ESC(json_string_value(json_array_get(bw, 1))));
	}
	const json_t *inet = json_object_get(json_object_get(show, "internet"), "hosts");
	if (json_array_size(inet))
		fprintf(out, "\ninternet\n");
	json_array_foreach(inet, i, v)
	{
		fprintf(out, "  host %-14s %s", NSIM_ESC(s_of(v, "name")), s_of(v, "address"));
		list(out, "listen", json_object_get(v, "listen"));
		list(out, "dns", json_object_get(v, "dns_names"));
		fputc('\n', out);
	}
	/* show NAME: what is up */
	const json_t *hosts = json_object_get(show, "hosts");
	if (!json_object_get(show, "instance"))
		return;
	fprintf(out, "\ninstance %s, up from %s\n", NSIM_ESC(s_of(show, "instance")), NSIM_ESC(s_of(show, "file")));
	fprintf(out, "  %-16s %-12s %-20s %-15s %-15s %-8s %s\n", "HOST", "KIND", "WHERE", "ADDRESS", "PUBLIC IP",
		"STATUS", "NAMESPACE");
	json_array_foreach(hosts, i, v)
	{
		const char *pub = json_string_value(json_object_get(v, "public_ip"));
		fprintf(out, "  %-16s %-12s %-20s %-15s %-15s %-8s %s\n", NSIM_ESC(s_of(v, "name")),
			NSIM_ESC(s_of(v, "kind")), NSIM_ESC(s_of(v, "where")), NSIM_ESC(s_of(v, "address")),
			pub ? NSIM_ESC(pub) : "-", NSIM_ESC(s_of(v, "status")), NSIM_ESC(s_of(v, "namespace")));
	}
	/* the namespaces `up` made besides the hosts' (routers, gateways, the internet) */
	const json_t *nss = json_object_get(show, "namespaces"), *missing = json_object_get(show, "missing_namespaces");
	fprintf(out, "  %zu namespaces, %zu missing; besides the hosts':\n", json_array_size(nss), json_array_size(missing));
	json_array_foreach(nss, i, v)
	{
		const char *ns = json_string_value(v);
		bool of_host = false, gone = false;
		size_t k;
		const json_t *x;
		json_array_foreach(hosts, k, x)
			of_host = of_host || streq(s_of(x, "namespace"), ns ? ns : "");
		json_array_foreach(missing, k, x)
			gone = gone || streq(json_string_value(x) ? json_string_value(x) : "", ns ? ns : "");
		if (ns && !of_host)
			fprintf(out, "  %-16s %-12s %-20s %-15s %-15s %-8s %s\n", "-", "network", "-", "-", "-",
				gone ? "missing" : "up", NSIM_ESC(ns));
	}
}
