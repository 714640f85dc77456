/* SPDX-License-Identifier: MIT */
/* Shared between the files of plan/. */
#pragma once

#include "plan/plan.h"
#include "model/util.h"

/* A router port's name: "<prefix>-<name>" when it fits IFNAMSIZ, else "<prefix><index>". */
void nsim_plan_port_name(char buf[static 16], char prefix, const char *name, size_t index);

/* The VPC router's `inet netsim` ruleset (peering filters, network ACLs,
 * security groups). *ret is malloc'd, owned by the caller. */
_must_check_ int nsim_plan_router_ruleset(const struct nsim_topology *t, size_t vi, char **ret);
