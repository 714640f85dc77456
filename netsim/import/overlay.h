/* SPDX-License-Identifier: MIT */
/* `netsim import --overlay FILE`: a format-v1 fragment merged into the imported topology. */
#pragma once

#include <stddef.h>

#include "import/emit.h"
#include "model/arena.h"
#include "model/diag.h"
#include "model/util.h"

/*
 * Parses the overlay `data` (`len` bytes; `file` names it in diagnostics) and merges it into `root`, the
 * imported topology (a MAP), with nodes from `arena`:
 * - a scalar replaces the imported value (`name:`, `description:`, `region:`);
 * - mappings merge key by key (`internet:`, `route53:`);
 * - in a list of mappings with `name:` (vpcs, subnets, hosts, security groups, internet hosts, ...) an item
 *   whose name is already there merges into that item, any other item is appended (`expect:` entries,
 *   new hosts); lists of scalars are replaced (`listen:`, `security_groups:` of a host).
 * Errors (a syntax error, a top level that is not a mapping, a key whose kind differs from the imported
 * one) go to diags with the overlay's positions. Returns 0, -EINVAL (reported in diags), -ENOMEM.
 */
_must_check_ int nsim_import_overlay(struct nsim_arena *arena, struct nsim_emit_node *root, const char *file,
				     const char *data, size_t len, struct nsim_diags *diags);

/*
 * The prefix lists the overlay `data` gives CIDRs to: "VPC/LIST" for each item with a non-empty `cidrs:` of
 * `vpcs[].prefix_lists`, as a NULL-terminated array from `arena` in *ret (empty when there are none or the
 * overlay does not parse: nsim_import_overlay() reports that). For nsim_import_options.filled_prefix_lists.
 * Returns 0 or -ENOMEM.
 */
_must_check_ int nsim_import_overlay_prefix_lists(struct nsim_arena *arena, const char *data, size_t len,
						  const char *const **ret);
