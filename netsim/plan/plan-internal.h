/* SPDX-License-Identifier: MIT */
/* Shared between the files of plan/. */
#pragma once

#include "plan/plan.h"
#include "model/util.h"

/* arr (n used of *cap elements of size, in p's arena) with room for one
 * more: arr itself, or a copy twice as large (*cap updated); NULL on ENOMEM. */
void *nsim_plan_grow(struct nsim_plan *p, void *arr, size_t *cap, size_t n, size_t size);
/* Appends a copy of o / pr to p->ops / p->processes. 0 or -ENOMEM. */
_must_check_ int nsim_plan_add_op(struct nsim_plan *p, const struct nsim_op *o);
_must_check_ int nsim_plan_add_process(struct nsim_plan *p, const struct nsim_plan_process *pr);

/* The VPC router's `inet netsim` ruleset (peering filters, network ACLs,
 * security groups). *ret is malloc'd, owned by the caller. */
_must_check_ int nsim_plan_router_ruleset(const struct nsim_topology *t, size_t vi, char **ret);

/* plan/dns.c: VPC vi's resolver (addresses on the router's lo, the dnsmasq
 * configuration and process; nothing without dns_support) and its hosts'
 * resolv.conf and hosts files (in p->hosts: call after the VPC's hosts were
 * added). 0 or -ENOMEM. */
_must_check_ int nsim_plan_dns(struct nsim_plan *p, const struct nsim_topology *t, size_t vi, const char *router);
/* The dnsmasq configuration of VPC vi's resolver. *ret malloc'd, owned by the
 * caller. 0 or -ENOMEM. */
_must_check_ int nsim_plan_dns_conf(const struct nsim_topology *t, size_t vi, char **ret);
/* plan/dns.c: public DNS, as the internet sees it (model/dns.h's
 * nsim_dns_public_foreach): a dnsmasq in the internet namespace on addr (the
 * internet router as internet hosts see it), and internet hosts' resolv.conf
 * and hosts (in p->hosts: call after they were added). No process when
 * public DNS has no name. 0 or -ENOMEM. */
_must_check_ int nsim_plan_dns_public(struct nsim_plan *p, const struct nsim_topology *t, const char *internet,
				      uint32_t addr);
