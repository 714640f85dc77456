/* SPDX-License-Identifier: MIT */
/*
 * blocked_by: on an expectation: what must decide an unreachable flow, a
 * component (`db-sg`, `main/db-sg`, `acl-data#200`) or a reason code
 * (`SG_INGRESS_NO_RULE`), resolved into expect->blocked_by_comp,
 * blocked_by_rule and blocked_by_reason. The matching against the
 * analyzer's decision is analyze/'s. Beside each message, "netsim rule:" or
 * the AWS page it follows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/arena.h"
#include "model/strv.h"
#include "validate/kinds.h"
#include "validate/validate.h"

/* The analyzer's reason codes (analyze/analyze.h, enum nsim_reason): kept
 * here because validate/ does not include analyze/; test_validate checks
 * both tables agree. Index 0 (reachable) blocks nothing. */
static const char *const reason_codes[] = {
	NULL,
	"NO_ROUTE",
	"BLACKHOLE_ROUTE",
	"NO_PUBLIC_IP",
	"IGW_NOT_ATTACHED",
	"NAT_INBOUND_UNSOLICITED",
	"PEERING_NOT_TRANSITIVE",
	"ACL_DENY",
	"ACL_RETURN_DENY",
	"SG_INGRESS_NO_RULE",
	"SG_EGRESS_NO_RULE",
	"NO_LISTENER",
	"NAME_NOT_FOUND",
	"ENDPOINT_SG_INGRESS_NO_RULE",
	"ENDPOINT_NOT_IN_REGION",
	"NAME_RESOLVES_PUBLIC",
};

const char *const *nsim_validate_reason_codes(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(reason_codes);
	return reason_codes;
}

#define MAX_CANDS 8

struct cand {
	enum nsim_component_kind kind;
	size_t a, b;
};

struct search {
	const struct nsim_topology *t;
	const char *name;
	size_t vpc;       /* qualified VPC/NAME: only that VPC's groups, ACLs, tables, endpoints; else NSIM_NONE */
	struct cand v[MAX_CANDS];
	size_t n;         /* may exceed MAX_CANDS: only the first are kept */
	const char *best; /* for did-you-mean */
	size_t best_d;
};

static void consider(struct search *s, const char *name, enum nsim_component_kind kind, size_t a, size_t b)
{
	size_t d;

	if (!name)
		return;
	if (streq(name, s->name)) {
		if (s->n < MAX_CANDS)
			s->v[s->n] = (struct cand){kind, a, b};
		s->n++;
		return;
	}
	d = nsim_edit_distance(name, s->name);
	if (d < s->best_d) {
		s->best_d = d;
		s->best = name;
	}
}

static void search_vpc(struct search *s, size_t v, bool qualified)
{
	const struct nsim_vpc *vpc = &s->t->vpcs[v];
	bool user_default = false;

	for (size_t i = 0; i < vpc->n_security_groups; i++) {
		consider(s, vpc->security_groups[i].name.name, NSIM_COMP_SECURITY_GROUP, v, i);
		user_default |= vpc->security_groups[i].name.name && streq(vpc->security_groups[i].name.name, "default");
	}
	for (size_t i = 0; i < vpc->n_network_acls; i++)
		consider(s, vpc->network_acls[i].name.name, NSIM_COMP_NETWORK_ACL, v, i);
	for (size_t i = 0; i < vpc->n_route_tables; i++)
		consider(s, vpc->route_tables[i].name.name, NSIM_COMP_ROUTE_TABLE, v, i);
	for (size_t i = 0; i < vpc->n_endpoints; i++)
		consider(s, vpc->endpoints[i].name.name, NSIM_COMP_ENDPOINT, v, i);
	/* the VPC's default group, when the file gives it no rules of its own */
	if (!user_default && (qualified || streq(s->name, "default")))
		consider(s, "default", NSIM_COMP_SECURITY_GROUP, v, NSIM_NONE);
	if (qualified)
		return;
	consider(s, vpc->name.name, NSIM_COMP_VPC, v, NSIM_NONE);
	consider(s, vpc->internet_gateway.name, NSIM_COMP_IGW, v, NSIM_NONE);
	for (size_t i = 0; i < vpc->n_nat_gateways; i++)
		consider(s, vpc->nat_gateways[i].name.name, NSIM_COMP_NAT, v, i);
	for (size_t i = 0; i < vpc->n_hosts; i++)
		consider(s, vpc->hosts[i].name.name, NSIM_COMP_HOST, v, i);
}

static void search_all(struct search *s)
{
	const struct nsim_topology *t = s->t;

	if (s->vpc != NSIM_NONE) {
		search_vpc(s, s->vpc, true);
		return;
	}
	for (size_t v = 0; v < t->n_vpcs; v++)
		search_vpc(s, v, false);
	for (size_t i = 0; i < t->n_peerings; i++)
		consider(s, t->peerings[i].name.name, NSIM_COMP_PEERING, i, NSIM_NONE);
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		consider(s, t->inet_hosts[i].name.name, NSIM_COMP_INET_HOST, i, NSIM_NONE);
	consider(s, "internet", NSIM_COMP_INTERNET, NSIM_NONE, NSIM_NONE);
}

static const char *kind_a(enum nsim_component_kind k)
{
	switch (k) {
	case NSIM_COMP_VPC:
		return "a VPC";
	case NSIM_COMP_SUBNET:
		return "a subnet";
	case NSIM_COMP_IGW:
		return "an internet gateway";
	case NSIM_COMP_NAT:
		return "a NAT gateway";
	case NSIM_COMP_HOST:
		return "a host";
	case NSIM_COMP_PEERING:
		return "a peering";
	case NSIM_COMP_INET_HOST:
		return "an internet host";
	case NSIM_COMP_INTERNET:
		return "the internet";
	case NSIM_COMP_ENDPOINT:
		return "a VPC endpoint";
	case NSIM_COMP_SECURITY_GROUP:
		return "a security group";
	case NSIM_COMP_NETWORK_ACL:
		return "a network ACL";
	case NSIM_COMP_ROUTE_TABLE:
		return "a route table";
	case NSIM_COMP_PREFIX_LIST:
		return "a prefix list";
	case NSIM_COMP_UNRESOLVED:
		break;
	}
	return "?";
}

static bool all_code_chars(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || *s == '_'))
			return false;
	return true;
}

static void resolve_reason(struct nsim_expect *e, struct nsim_diags *d)
{
	const char *name = e->blocked_by.name, *best = NULL;
	size_t best_d = 4;

	for (size_t i = 1; i < ELEMENTSOF(reason_codes); i++) {
		size_t dist;
		if (streq(reason_codes[i], name)) {
			e->blocked_by_reason = reason_codes[i];
			return;
		}
		dist = nsim_edit_distance(name, reason_codes[i]);
		if (dist < best_d) {
			best_d = dist;
			best = reason_codes[i];
		}
	}
	/* netsim rule: a reason code is one of analyze's codes (docs/analyze.md) */
	nsim_diag_error(d, e->blocked_by.pos,
			"blocked_by: '%s' is not a reason code (codes: NO_ROUTE, BLACKHOLE_ROUTE, NO_PUBLIC_IP, "
			"ACL_DENY, ACL_RETURN_DENY, SG_INGRESS_NO_RULE, SG_EGRESS_NO_RULE, ...: docs/analyze.md)%s%s%s",
			name, best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
}

/* A flow's VPCs: where a name found in several VPCs most likely belongs. */
static bool in_flow(const struct nsim_expect *e, const struct cand *c)
{
	size_t v = c->kind == NSIM_COMP_PEERING || c->kind == NSIM_COMP_INET_HOST || c->kind == NSIM_COMP_INTERNET
			   ? NSIM_NONE
			   : c->a;
	return v != NSIM_NONE && ((e->from.kind == NSIM_EP_HOST && e->from.vpc == v) ||
				  (e->to.kind == NSIM_EP_HOST && e->to.vpc == v));
}

static bool pick(const struct nsim_topology *t, const struct nsim_expect *e, struct search *s,
		 const char *shown, struct nsim_diags *d, struct cand *ret)
{
	size_t n_flow = 0, flow = 0;
	char list[256] = "";

	if (s->n == 1) {
		*ret = s->v[0];
		return true;
	}
	for (size_t i = 0; i < s->n && i < MAX_CANDS; i++)
		if (in_flow(e, &s->v[i])) {
			n_flow++;
			flow = i;
		}
	if (n_flow == 1) {
		*ret = s->v[flow];
		return true;
	}
	for (size_t i = 0; i < s->n && i < 3; i++) {
		size_t used = strlen(list);
		const struct cand *c = &s->v[i];
		bool in_vpc = c->kind != NSIM_COMP_PEERING && c->kind != NSIM_COMP_INET_HOST &&
			      c->kind != NSIM_COMP_INTERNET && c->kind != NSIM_COMP_VPC;
		snprintf(list + used, sizeof(list) - used, "%s%s%s%.32s%s", i ? ", " : "", kind_a(c->kind),
			 in_vpc ? " of VPC '" : "", in_vpc ? t->vpcs[c->a].name.name : "", in_vpc ? "'" : "");
	}
	/* netsim rule: blocked_by names one component; VPC/NAME says which */
	nsim_diag_error(d, e->blocked_by.pos,
			"blocked_by: '%s' names several components (%s): write VPC/%s to say which", shown, list,
			s->name);
	return false;
}

/* `NAME#N`: N is a rule number of network ACL `c`, in either direction. */
static bool acl_has_rule(const struct nsim_network_acl *acl, uint32_t n)
{
	for (size_t i = 0; i < acl->n_ingress; i++)
		if (acl->ingress[i].number == n)
			return true;
	for (size_t i = 0; i < acl->n_egress; i++)
		if (acl->egress[i].number == n)
			return true;
	return false;
}

static void resolve_component(struct nsim_topology *t, struct nsim_expect *e, struct nsim_diags *d)
{
	const char *text = e->blocked_by.name, *hash = strchr(text, '#'), *slash = strchr(text, '/');
	struct search s = {.t = t, .vpc = NSIM_NONE, .best_d = SIZE_MAX};
	struct cand c;
	unsigned long rule = 0;
	char *end;
	_cleanup_free_ char *name = strndup(text, hash ? (size_t)(hash - text) : strlen(text));

	if (!name) {
		d->oom = true;
		return;
	}
	if (hash) {
		/* netsim rule: `#N` is a network ACL rule's number (1-32766) */
		rule = strtoul(hash + 1, &end, 10);
		if (hash[1] < '0' || hash[1] > '9' || *end || rule < 1 || rule > 32766) {
			nsim_diag_error(d, e->blocked_by.pos,
					"blocked_by: '%s': after '#' comes a network ACL rule number, 1 to 32766 "
					"(e.g. acl-data#200)",
					text);
			return;
		}
	}
	s.name = name;
	if (slash && (!hash || slash < hash)) {
		size_t vlen = (size_t)(slash - text);
		s.name = name + vlen + 1;
		for (size_t v = 0; v < t->n_vpcs; v++)
			if (t->vpcs[v].name.name && strlen(t->vpcs[v].name.name) == vlen &&
			    strncmp(t->vpcs[v].name.name, text, vlen) == 0)
				s.vpc = v;
		/* netsim rule: VPC/NAME qualifies a VPC's security group, ACL, route table or endpoint */
		if (s.vpc == NSIM_NONE) {
			nsim_diag_error(d, e->blocked_by.pos,
					"blocked_by: '%s': there is no VPC '%.*s' (VPC/NAME names a security group, "
					"network ACL, route table or endpoint of that VPC)",
					text, (int)vlen, text);
			return;
		}
	}
	search_all(&s);
	if (s.n == 0) {
		size_t len = strlen(s.name), limit = len < 4 ? 1 : len < 7 ? 2 : 3;
		const char *hint = s.best_d <= limit ? s.best : NULL;
		/* netsim rule: blocked_by names a component of the file or a reason code */
		nsim_diag_error(d, e->blocked_by.pos,
				"blocked_by: no component named '%s': blocked_by names a security group, network "
				"ACL (optionally with #RULE), route table, internet gateway, NAT gateway, peering, "
				"endpoint, VPC or host, or a reason code such as SG_INGRESS_NO_RULE%s%s%s",
				name, hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
		return;
	}
	if (!pick(t, e, &s, text, d, &c))
		return;
	if (hash && c.kind != NSIM_COMP_NETWORK_ACL) {
		/* netsim rule: only network ACL rules are numbered */
		nsim_diag_error(d, e->blocked_by.pos,
				"blocked_by: '%s': '%s' is %s, and only network ACL rules have numbers: write "
				"blocked_by: %s",
				text, s.name, kind_a(c.kind), name);
		return;
	}
	if (hash && !acl_has_rule(&t->vpcs[c.a].network_acls[c.b], (uint32_t)rule)) {
		/* AWS: rules are numbered; "Control subnet traffic with network access control lists",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
		nsim_diag_error(d, e->blocked_by.pos,
				"blocked_by: network ACL '%s' has no rule %lu in either direction", s.name, rule);
		return;
	}
	e->blocked_by_comp = (struct nsim_component){
		.ref = {.name = nsim_arena_strdup(t->arena, s.name), .pos = e->blocked_by.pos},
		.kind = c.kind,
		.a = c.a,
		.b = c.b,
	};
	if (!e->blocked_by_comp.ref.name) {
		d->oom = true;
		e->blocked_by_comp.kind = NSIM_COMP_UNRESOLVED;
		return;
	}
	e->blocked_by_rule = (uint32_t)rule;
}

void nsim_validate_blocked_by(struct nsim_topology *t, struct nsim_expect *e, struct nsim_diags *d)
{
	e->blocked_by_comp = (struct nsim_component){.kind = NSIM_COMP_UNRESOLVED, .a = NSIM_NONE, .b = NSIM_NONE};
	e->blocked_by_rule = 0;
	e->blocked_by_reason = NULL;
	if (!e->blocked_by.name)
		return;
	/* netsim rule: blocked_by says why a flow is unreachable, so only an
	 * unreachable probe expectation has one */
	if (e->command.argc || e->verdict != NSIM_VERDICT_UNREACHABLE) {
		nsim_diag_error(d, e->blocked_by.pos,
				"blocked_by applies to expectations with verdict unreachable: it names what "
				"blocks the flow, and a %s expectation has nothing blocking it (remove it)",
				e->command.argc ? "command" : nsim_verdict_name(e->verdict));
		return;
	}
	if (all_code_chars(e->blocked_by.name))
		resolve_reason(e, d);
	else
		resolve_component(t, e, d);
}
