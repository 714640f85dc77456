/* SPDX-License-Identifier: MIT */
/*
 * `blocked_by:` assertions: an unreachable expectation may say what must
 * decide it, a component (`db-sg`, `acl-data#200`) or a reason code
 * (`SG_INGRESS_NO_RULE`). It holds when the model's decision
 * (struct nsim_decision) is that component, rule or code: an expectation that
 * holds for another reason ("only the proxy reaches the DB" because someone
 * removed the function's egress, not because of db-sg) then fails.
 * netsim rule: docs/topology.md, "blocked_by".
 */
#include <stdio.h>
#include <string.h>

#include "analyze/analyze.h"
#include "model/util.h"

/* Group want (of VPC vpc) is one of those that decided: the host's (their
 * union decides, docs/analyze.md), or an endpoint's. */
static bool group_decided(const struct nsim_topology *t, const struct nsim_decision *d, size_t vpc, size_t sg)
{
	if (d->comp.kind == NSIM_COMP_ENDPOINT) {
		if (d->comp.a != vpc || d->comp.a >= t->n_vpcs || d->comp.b >= t->vpcs[vpc].n_endpoints)
			return false;
		const struct nsim_vpc_endpoint *ep = &t->vpcs[vpc].endpoints[d->comp.b];
		if (!ep->n_security_groups || !ep->sg_idx)
			return sg == NSIM_NONE;
		for (size_t k = 0; k < ep->n_security_groups; k++)
			if (ep->sg_idx[k] == sg)
				return true;
		return false;
	}
	if (d->comp.kind != NSIM_COMP_SECURITY_GROUP || d->comp.a != vpc)
		return false;
	if (d->host == NSIM_NONE || d->vpc != vpc)
		return d->comp.b == sg;
	const struct nsim_host *h = &t->vpcs[vpc].hosts[d->host];
	if (!h->n_security_groups)
		return sg == NSIM_NONE;
	for (size_t k = 0; k < h->n_security_groups; k++)
		if (h->sg_idx[k] == sg)
			return true;
	return false;
}

static bool comp_matches(const struct nsim_topology *t, const struct nsim_expect *e, const struct nsim_decision *d)
{
	const struct nsim_component *want = &e->blocked_by_comp;
	if (want->kind == NSIM_COMP_SECURITY_GROUP)
		return group_decided(t, d, want->a, want->b);
	if (want->kind != d->comp.kind)
		return false;
	switch (want->kind) {
	case NSIM_COMP_INTERNET:
		return true;
	case NSIM_COMP_VPC:
	case NSIM_COMP_IGW:
	case NSIM_COMP_PEERING:
	case NSIM_COMP_INET_HOST:
		return want->a == d->comp.a;
	case NSIM_COMP_NETWORK_ACL:
		return want->a == d->comp.a && want->b == d->comp.b && (!e->blocked_by_rule || e->blocked_by_rule == d->rule);
	default:
		return want->a == d->comp.a && want->b == d->comp.b;
	}
}

bool nsim_analyze_blocked_by_match(const struct nsim_topology *t, const struct nsim_expect *e,
				   const struct nsim_analysis *a, char *why, size_t size)
{
	const char *want = e->blocked_by.name;
	if (size)
		why[0] = '\0';
	if (!want)
		return true;
	if (a->prediction == NSIM_PREDICT_REACHABLE) {
		snprintf(why, size, "blocked_by: %s: nothing blocks the flow (predicted reachable)", want);
		return false;
	}
	bool ok = e->blocked_by_reason ? streq(e->blocked_by_reason, nsim_reason_code(a->reason))
				       : comp_matches(t, e, &a->decision);
	if (ok)
		return true;
	char rule[24] = "";
	if (a->decision.comp.kind == NSIM_COMP_NETWORK_ACL)
		snprintf(rule, sizeof(rule), a->decision.rule ? " rule %u" : " rule *", a->decision.rule);
	snprintf(why, size, "blocked_by: %s, but %s%s blocks it instead (%s): %s", want, a->blocked_at, rule,
		 nsim_reason_code(a->reason), a->explanation);
	return false;
}
