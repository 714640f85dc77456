/* SPDX-License-Identifier: MIT */
/*
 * --expect intent: expectations derived from the template's own security groups, each marked
 * `derived: true` and named after the rule it comes from.
 * - A rule admitting another group (SourceSecurityGroupId) says its author means that group's members to
 *   reach this group's members on that port (Security group rules: "a group as source means its members'
 *   private addresses", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html):
 *   `reachable`, from each member of the source group to each member of the group.
 * - A host in a subnet without a route to an internet gateway is not reachable from the internet (Enable
 *   internet access for a VPC using an internet gateway,
 *   https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html): `unreachable` from an
 *   internet host netsim import adds.
 * `netsim analyze` then says which of these intentions the template's routes or ACLs defeat.
 */
#include <stdio.h>
#include <string.h>

#include "import/import-internal.h"

static bool member(const struct imp_host *h, const struct imp_obj *sg)
{
	/* a host that names no group is in its VPC's default group */
	if (sg->is_default && h->n_sgs == 0 && h->subnet->vpc == sg->vpc)
		return true;
	for (size_t i = 0; i < h->n_sgs; i++)
		if (h->sgs[i] == sg)
			return true;
	return false;
}

static bool is_function(const struct imp_host *h)
{
	const char *k = nsim_emit_get_str(h->node, "kind");
	return k && streq(k, "function");
}

static struct nsim_emit_node *expectation(struct imp_ctx *c, struct nsim_emit_node *list, const char *name,
					  const char *from, const char *to, const char *port, const char *verdict)
{
	struct nsim_emit_node *e = imp_check(c, nsim_emit_map(c->arena));
	if (!e)
		return NULL;
	IMP_TRY(c, nsim_emit_set_str(c->arena, e, "name", name));
	IMP_TRY(c, nsim_emit_set_str(c->arena, e, "from", from));
	IMP_TRY(c, nsim_emit_set_str(c->arena, e, "to", to));
	if (port)
		IMP_TRY(c, nsim_emit_set_str(c->arena, e, "port", port));
	else
		IMP_TRY(c, nsim_emit_set_str(c->arena, e, "protocol", "icmp"));
	IMP_TRY(c, nsim_emit_set_str(c->arena, e, "verdict", verdict));
	IMP_TRY(c, nsim_emit_set_str(c->arena, e, "derived", "true"));
	IMP_TRY(c, nsim_emit_push(c->arena, list, e));
	return e;
}

/* The first tcp/udp port of host h's listen list within [from, to] (proto NULL: either), or 0; *ret_proto
 * is its protocol. */
static unsigned listening_in(const struct imp_host *h, const char *proto, unsigned from, unsigned to,
			     const char **ret_proto)
{
	for (int pass = 0; pass < 2; pass++) /* tcp first when either will do */
		for (size_t i = 0; h->listen && i < h->listen->n; i++) {
			unsigned p;
			char pr[8];
			if (sscanf(h->listen->items[i]->value, "%u/%7s", &p, pr) != 2 || p < from || p > to)
				continue;
			if (proto ? !streq(pr, proto) : !streq(pr, pass ? "udp" : "tcp"))
				continue;
			*ret_proto = streq(pr, "tcp") ? "tcp" : "udp";
			return p;
		}
	return 0;
}

/* Whether host h is one the rule admits: a member of its source group, or in a subnet inside its CIDR. */
static bool admitted(const struct imp_host *h, const struct imp_sg_rule *rule)
{
	if (rule->source)
		return member(h, rule->source);
	return h->subnet->vpc == rule->group->vpc && nsim_cidr_contains(rule->cidr, h->subnet->cidr);
}

static const char *peer_text(struct imp_ctx *c, const struct imp_sg_rule *rule)
{
	if (!rule->source) {
		char buf[NSIM_CIDR_STRLEN];
		return imp_check(c, nsim_arena_strdup(c->arena, nsim_cidr_fmt(rule->cidr, buf)));
	}
	return imp_check(c, nsim_arena_printf(c->arena, "%s%s", rule->source->res->logical_id,
					      rule->source->is_default ? ".DefaultSecurityGroup" : ""));
}

static void from_rules(struct imp_ctx *c, struct nsim_emit_node *list)
{
	for (size_t r = 0; r < c->n_rules; r++) {
		const struct imp_sg_rule *rule = &c->rules[r];
		const char *peer = peer_text(c, rule);
		if (!peer)
			return;
		for (size_t t = 0; t < c->n_hosts; t++) {
			struct imp_host *to = c->hosts[t];
			/* a Lambda function accepts no inbound connection: nothing to prove */
			if (!member(to, rule->group) || is_function(to))
				continue;
			const char *port = NULL, *proto = rule->protocol;
			bool any = false;
			for (size_t f = 0; f < c->n_hosts && !any; f++)
				any = c->hosts[f] != to && c->hosts[f]->res != to->res && admitted(c->hosts[f], rule);
			if (!any)
				continue;
			if (streq(rule->protocol, "tcp") || streq(rule->protocol, "udp")) {
				/* a host that serves another port than its group admits (a database moved to
				 * PostgreSQL behind a MySQL rule) is probed on the rule's port: the expectation
				 * then fails, which is the point */
				unsigned p = listening_in(to, rule->protocol, rule->from, rule->to, &proto);
				if (!p)
					p = rule->from;
				if (!p)
					continue;
				port = imp_check(c, nsim_arena_printf(c->arena, "%u/%s", p, proto));
			} else if (streq(rule->protocol, "all")) {
				/* every protocol: one expectation on a port the host serves, not a ping */
				unsigned p = listening_in(to, NULL, 0, 65535, &proto);
				if (!p) {
					imp_note(c, rule->res, NULL, "--expect intent: %s admits %s, but %s listens on no "
						 "port: no expectation derived for it", rule->group->res->logical_id, peer,
						 to->name);
					continue;
				}
				port = imp_check(c, nsim_arena_printf(c->arena, "%u/%s", p, proto));
			}
			if (!streq(rule->protocol, "icmp") && !port)
				return;
			for (size_t f = 0; f < c->n_hosts; f++) {
				struct imp_host *from = c->hosts[f];
				/* the hosts of one resource (a proxy's per-subnet endpoints) do not call each other */
				if (from == to || from->res == to->res || !admitted(from, rule))
					continue;
				const char *name = imp_check(c, nsim_arena_printf(c->arena, "%s: %s reaches %s (%s%s admits %s)",
										   rule->res->logical_id, from->name, to->name,
										   rule->group->res->logical_id,
										   rule->group->is_default ? ".DefaultSecurityGroup" : "",
										   peer));
				struct nsim_emit_node *e = expectation(c, list, name, from->name, to->name, port, "reachable");
				if (e)
					IMP_TRY(c, nsim_emit_comment(c->arena, e, "derived from %s (%s)", rule->res->logical_id,
								     rule->res->type));
			}
		}
	}
}

static void from_routes(struct imp_ctx *c, struct nsim_emit_node *list)
{
	const char *internet = NULL;
	for (size_t i = 0; i < c->n_hosts; i++) {
		struct imp_host *h = c->hosts[i];
		if (h->subnet->rtb && h->subnet->rtb->to_igw)
			continue;
		if (!internet) {
			internet = imp_unique_name(c, "intent-internet");
			struct nsim_emit_node *inet = imp_check(c, nsim_emit_child_map(c->arena, c->root, "internet"));
			struct nsim_emit_node *hosts = inet ? imp_check(c, nsim_emit_child_seq(c->arena, inet, "hosts")) : NULL;
			struct nsim_emit_node *ih = imp_check(c, nsim_emit_map(c->arena));
			if (!hosts || !ih)
				return;
			IMP_TRY(c, nsim_emit_comment(c->arena, ih, "added by --expect intent: a host on the internet"));
			IMP_TRY(c, nsim_emit_set_str(c->arena, ih, "name", internet));
			struct nsim_emit_node *a = imp_check(c, nsim_emit_scalar(c->arena, "198.51.100.200"));
			if (!a)
				return;
			a->trailing = "chosen by netsim import";
			IMP_TRY(c, nsim_emit_set(c->arena, ih, "address", a));
			IMP_TRY(c, nsim_emit_push(c->arena, hosts, ih));
		}
		const char *port = NULL;
		if (h->listen && h->listen->n)
			port = h->listen->items[0]->value;
		const char *name = imp_check(c, nsim_arena_printf(c->arena, "%s: not reachable from the internet (subnet %s "
								   "has no route to an internet gateway)",
								   h->res->logical_id, h->subnet->res->logical_id));
		struct nsim_emit_node *e = expectation(c, list, name, internet, h->name, port, "unreachable");
		if (e)
			IMP_TRY(c, nsim_emit_comment(c->arena, e, "derived from the route table of %s",
						     h->subnet->res->logical_id));
	}
}

void imp_intent(struct imp_ctx *c)
{
	struct nsim_emit_node *list = imp_check(c, nsim_emit_child_seq(c->arena, c->root, "expect"));
	if (!list)
		return;
	from_rules(c, list);
	from_routes(c, list);
}
