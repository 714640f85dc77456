/* SPDX-License-Identifier: MIT */
/*
 * A running topology ("instance") and its state under /run/netsim/NAME/
 * (mode 0700): `namespaces` lists every namespace `up` will make, written
 * before the first is made, so `down` finds them after any crash;
 * `state.json` describes what is up (hosts, addresses, responder PID).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/model.h"
#include "plan/plan.h"
#include "model/util.h"

#define NSIM_STATE_DIR "/run/netsim"

struct nsim_up_stats {
	size_t n_ops;
	size_t n_namespaces;
	double ms;
};

/*
 * Applies the plan as a new instance: refuses a name already up (-EEXIST),
 * records the namespaces, applies every op, starts the responders and writes
 * state.json. On any failure, everything made so far is removed before
 * returning -errno; *ret_error then holds a sentence for the user (owned by
 * the caller). `topo_path` is recorded for `show`, `topo_text` (the file as
 * it was loaded) kept for `check`.
 */
_must_check_ int nsim_instance_up(const struct nsim_plan *p, const char *topo_path, const char *topo_text,
		     struct nsim_up_stats *ret_stats, char **ret_error);

/* Removes instance `name`: stops its responders (by the PID recorded, checked
 * against its start time), deletes its namespaces and its state. Idempotent:
 * *ret_found says whether anything was there. */
_must_check_ int nsim_instance_down(const char *name, bool *ret_found);

/* Names of instances with state (sorted, NULL-terminated; free with
 * nsim_apply_names_free()). */
_must_check_ int nsim_instance_list(char ***ret_names, size_t *ret_n);

/* state.json of `name` as text (caller frees), -ENOENT when not up. */
_must_check_ int nsim_instance_read_state(const char *name, char **ret_json);
