/* SPDX-License-Identifier: MIT */
/* Shared between the files of plan/. */
#pragma once

#include "plan/plan.h"
#include "model/util.h"

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
