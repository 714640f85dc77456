/* SPDX-License-Identifier: MIT */
/*
 * `netsim import`: the resources of a resolved CloudFormation/SAM template (import/cfn.h) mapped to a
 * format-v1 topology, as a tree of YAML nodes with comments (import/emit.h). The mapping table, every type
 * skipped and why, is docs/import.md.
 */
#pragma once

#include <stdbool.h>

#include "import/cfn.h"
#include "import/emit.h"
#include "model/arena.h"
#include "model/diag.h"
#include "model/util.h"

struct nsim_import_options {
	const char *name;   /* the topology's name ([a-z0-9-], 1-24); NULL: from the template's file name */
	bool expect_intent; /* --expect intent: expectations derived from the template's security groups */
	/* "VPC/LIST" of the prefix lists the --overlay gives CIDRs (NULL-terminated, or NULL): a list the
	 * template names by ID and the overlay fills is a note, not a warning */
	const char *const *filled_prefix_lists;
};

/*
 * Maps every resource of `t` to the topology *ret_root (a MAP from `arena`): VPCs, subnets, route tables,
 * gateways, security groups, ACLs, peerings, endpoints, and a host per compute or data resource. Each
 * skipped construct is a note in diags at its position ("AWS::IAM::Role ProxyRole: not part of the
 * network"); each one that would change the network and cannot be imported is an error there, naming its
 * logical ID. Returns 0 with *ret_root (also when only notes and warnings were added), -EINVAL when an
 * error was reported, -ENOMEM.
 */
_must_check_ int nsim_import_run(struct nsim_arena *arena, const struct nsim_cfn_template *t,
				 const struct nsim_import_options *opts, struct nsim_diags *diags,
				 struct nsim_emit_node **ret_root);

/* The netsim name of a logical ID: lower-case kebab case (`ItemsFunction` -> `items-function`,
 * `DBSubnetGroup` -> `db-subnet-group`), cut to `max` characters (then ending in 4 hex digits of a hash
 * of the ID). Returns a string from arena, or NULL on ENOMEM. */
char *nsim_import_kebab(struct nsim_arena *arena, const char *logical_id, size_t max);
