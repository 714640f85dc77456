/* SPDX-License-Identifier: MIT */
/* Names of components in explanations and suggested fixes. */
#include <stdio.h>
#include <string.h>

#include "analyze/analyze-internal.h"
#include "model/util.h"

/* netsim rule: a bare group name in a rule means the rule's own VPC's group
 * (docs/topology.md); where that reads as a contradiction (another VPC's
 * group, or a name two peered VPCs share), it is written VPC/GROUP, as a
 * peered reference is. AWS: "Update your security groups to reference peer
 * security groups", https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html */
static bool ambiguous(const struct nsim_topology *t, size_t vpc, const char *name)
{
	for (size_t p = 0; p < t->n_peerings; p++) {
		const struct nsim_peering *pc = &t->peerings[p];
		if (pc->vpc_idx[0] != vpc && pc->vpc_idx[1] != vpc)
			continue;
		size_t o = pc->vpc_idx[0] == vpc ? pc->vpc_idx[1] : pc->vpc_idx[0];
		if (o == NSIM_NONE || o == vpc || o >= t->n_vpcs)
			continue;
		const struct nsim_vpc *ov = &t->vpcs[o];
		for (size_t g = 0; g < ov->n_security_groups; g++)
			if (streq(ov->security_groups[g].name.name, name))
				return true;
	}
	return false;
}

void nsim_analyze_sg_name(const struct nsim_topology *t, size_t ctx, size_t vpc, size_t sg, char *buf, size_t size)
{
	const struct nsim_vpc *v = &t->vpcs[vpc];
	const char *name = sg == NSIM_NONE ? "default" : v->security_groups[sg].name.name;
	if (vpc != ctx || (sg != NSIM_NONE && ambiguous(t, vpc, name)))
		snprintf(buf, size, "%s/%s", v->name.name, name);
	else
		snprintf(buf, size, "%s", name);
}

size_t nsim_analyze_table_of(const struct nsim_vpc *v, const struct nsim_subnet *s)
{
	return s->rt_idx != NSIM_NONE ? s->rt_idx : v->main_rt_idx;
}
