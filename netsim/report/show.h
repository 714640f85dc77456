/* SPDX-License-Identifier: MIT */
/*
 * `netsim show`: the structure of a topology as the AWS console lists it, per
 * VPC its subnets (CIDR, AZ, route table with its routes, network ACL, hosts,
 * NAT gateways, interface endpoints), its route tables, network ACLs and
 * security groups with one rule per line, its endpoints and prefix lists;
 * then the peerings and the internet. One JSON document (docs/commands.md,
 * "show --json", schema 1) and its text for people, printed
 * from that same document, so the two always carry the same facts.
 */
#pragma once

#include <jansson.h>
#include <stdio.h>

#include "model/model.h"
#include "model/util.h"

/*
 * The structure of t (validated: references resolved, addresses assigned)
 * as a JSON object: {"schema": 1, "topology", "description", "region",
 * "vpcs": [...], "peerings": [...], "internet": {"hosts": [...]}}
 * (docs/commands.md, "show --json").
 * Returns 0 and *ret_json (a new reference, the caller's), or -ENOMEM.
 */
_must_check_ int nsim_report_show_json(const struct nsim_topology *t, json_t **ret_json);

/*
 * Writes the document nsim_report_show_json() made (and `show NAME`
 * completed with "instance" and "hosts", the state of what is up) to out as
 * indented text, every name escaped (report/escape.h). Keys it does not know
 * are ignored.
 */
void nsim_report_show_text(FILE *out, const json_t *show);
