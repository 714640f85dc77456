/* SPDX-License-Identifier: MIT */
/*
 * Semantic rules over a loaded topology, each with its AWS reason. Also
 * completes the model: resolves every name to an index and assigns host and
 * NAT gateway addresses (first free address from +4 of the subnet).
 */
#pragma once

#include "model/diag.h"
#include "model/model.h"
#include "model/util.h"

/* Appends every problem found to diags. Returns 0 when no error was found
 * (warnings allowed) and the model is complete, -EINVAL otherwise. */
_must_check_ int nsim_validate(struct nsim_topology *t, struct nsim_diags *diags);

/* The reason codes blocked_by: accepts, indexed by enum nsim_reason
 * (analyze/analyze.h; [0], reachable, is NULL). *ret_n: the table's size.
 * Static storage. */
const char *const *nsim_validate_reason_codes(size_t *ret_n);
