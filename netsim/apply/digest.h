/* SPDX-License-Identifier: MIT */
/*
 * Drift: what a running instance holds, held against what `up` built. Reads
 * only (libnl dumps, libnftables `list ruleset`), from a thread of its own
 * that enters each namespace; never changes anything.
 */
#pragma once

#include <stddef.h>

#include "plan/plan.h"
#include "model/util.h"

/*
 * A text digest of the kernel objects of plan p that the plan cannot predict
 * exactly: one line per namespace with nft ops, "nft <namespace> <hash>",
 * the hash (FNV-1a 64) of its ruleset as `nft list ruleset` prints it without
 * counters. `up` stores it as kernel.digest in the state dir; `check` passes
 * it back to nsim_apply_digest_compare(). Returns 0 and *ret_text (owned by
 * the caller), -ENOENT when a namespace is missing, -ENOMEM, or the -errno of
 * entering a namespace or of libnftables.
 */
_must_check_ int nsim_apply_digest_snapshot(const struct nsim_plan *p, char **ret_text);

/*
 * Compares the running instance with plan p: every namespace present; in
 * each, the IPv4 routes and policy rules the plan's ops make (missing ones,
 * and static routes or rules the plan does not make); and, when digest_text
 * (from nsim_apply_digest_snapshot() at `up`; may be NULL) is given, each
 * nft ruleset's hash. Returns 0 with *ret_findings, one sentence per
 * difference ("route 0.0.0.0/0 missing from table private in
 * netsim-x-main"), NULL-terminated, *ret_n of them (none: an empty list);
 * owned by the caller (nsim_apply_names_free()). Errors: -ENOMEM, or the
 * -errno of a netlink socket or thread that could not be made.
 */
_must_check_ int nsim_apply_digest_compare(const struct nsim_plan *p, const char *digest_text, char ***ret_findings,
					   size_t *ret_n);
