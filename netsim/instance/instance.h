/* SPDX-License-Identifier: MIT */
/*
 * A running topology ("instance") and its lifecycle: `up`, `down`, the list.
 *
 * State lives in the state dir, $NETSIM_STATE_DIR or /run/netsim (mode 0700,
 * owned by root, never followed through a symlink), one directory per
 * instance (ROOT/NAME, 0700): `namespaces` lists every namespace `up` will
 * make, written before the first is made; `processes` records every process
 * it starts before that process may outlive `up` (instance/proc.h);
 * `topology.yaml` is the file as it was loaded; `state.json` describes what
 * is up. Locks: ROOT/.lock/NAME is held for the whole of an `up` or `down`
 * of NAME, ROOT/.lock/.all while an `up` claims its namespace names.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/strv.h"
#include "model/util.h"
#include "plan/plan.h"

#define NSIM_STATE_DIR_DEFAULT "/run/netsim"
/* The default state dir, for code that does not yet call
 * nsim_instance_state_dir() (which honours NETSIM_STATE_DIR). */
#define NSIM_STATE_DIR NSIM_STATE_DIR_DEFAULT

/* $NETSIM_STATE_DIR when set to an absolute path, else /run/netsim. Static. */
const char *nsim_instance_state_dir(void);

struct nsim_up_stats {
	size_t n_ops;
	size_t n_namespaces;
	double ms;
};

/*
 * Builds the plan as a new instance, holding the instance's lock throughout:
 * claims its namespace names under the global lock and records them, keeps
 * topo_text (the file as loaded, for `check`), applies every op, starts the
 * responders (recorded) and writes state.json (topo_path recorded for
 * `show`). Returns 0 and *ret_stats (may be NULL); or -errno with
 * *ret_error (may be NULL; a sentence for the user, owned by the caller):
 * -EEXIST when the name is already up, a namespace name is claimed by
 * another instance, or a namespace exists already (nothing was made);
 * -ELOOP/-ENOTDIR/-EPERM for an unsafe state dir; -EINVAL for a bad
 * NETSIM_FAIL_AT/NETSIM_CRASH_AT; -ENOMEM; or the -errno of the operation,
 * the responder or the state file that failed, after removing what this run
 * made (its namespaces, processes and state; nothing else).
 */
_must_check_ int nsim_instance_up(const struct nsim_plan *p, const char *topo_path, const char *topo_text,
				  struct nsim_up_stats *ret_stats, char **ret_error);

/* What `down` did. Clear with nsim_instance_down_result_clear(). */
struct nsim_down_result {
	bool found;                  /* there was an instance (or a half-made one) */
	size_t n_namespaces;         /* namespaces deleted */
	struct nsim_strv stopped;    /* "responder (pid 1234)": recorded processes ended */
	struct nsim_strv still_running; /* "pid 99 (bash) in netsim-x-fn": processes still in its
					   namespaces after SIGTERM and SIGKILL (entered meanwhile, or not
					   killable) when they were deleted */
};
void nsim_instance_down_result_clear(struct nsim_down_result *res);

/*
 * Removes instance `name` under its lock: ends every process of its record,
 * deletes exactly the namespaces of its record (never one it did not
 * record), reports processes it did not start that were still inside them,
 * and removes its state. Idempotent: res->found says whether anything was
 * there. Returns 0 and *ret (may be NULL); or -errno with *ret_error (may be
 * NULL; owned by the caller): -ELOOP/-ENOTDIR/-EPERM when the state dir or
 * ROOT/NAME is a symlink, not a directory or not private (nothing is
 * touched), -ENOMEM, or the -errno of a namespace or file that could not be
 * removed (the state then stays, so `down` can be run again).
 */
_must_check_ int nsim_instance_down(const char *name, struct nsim_down_result *ret, char **ret_error);

/*
 * Names of the instances in the state dir (directories, and symlinks so that
 * `down --all` reports them), sorted; an empty list when the state dir does
 * not exist. *ret_names is NULL-terminated, owned by the caller
 * (nsim_strv_free()). -ELOOP/-ENOTDIR/-EPERM (unsafe state dir, with
 * *ret_error), -EACCES (not root), -ENOMEM.
 */
_must_check_ int nsim_instance_list(char ***ret_names, size_t *ret_n, char **ret_error);

/*
 * Namespaces in /run/netns named netsim-* that no instance's record claims
 * (made by hand, or by netsim with another state dir), sorted; netsim never
 * deletes them. *ret_names owned by the caller (nsim_strv_free()).
 * -ENOMEM, -errno reading /run/netns or the state dir.
 */
_must_check_ int nsim_instance_foreign_namespaces(char ***ret_names, size_t *ret_n);

/* state.json of `name` as text (caller frees); -ENOENT when not up (or
 * incomplete), -ELOOP/-ENOTDIR/-EPERM for an unsafe state dir or ROOT/NAME,
 * -ENOMEM. */
_must_check_ int nsim_instance_read_state(const char *name, char **ret_json);
/* Any file of the instance's state (e.g. "topology.yaml"), same errors. */
_must_check_ int nsim_instance_read_file(const char *name, const char *file, char **ret_text);

/* The DNS configuration of a host: files of the instance's state dir that
 * every process netsim starts in the host sees as /etc/resolv.conf and
 * /etc/hosts (a private mount namespace, instance/proc.h); the plan writes
 * them (struct nsim_plan_file); a missing one leaves the machine's file. */
#define NSIM_INSTANCE_RESOLV_FMT "resolv-%s.conf" /* the host's name */
#define NSIM_INSTANCE_HOSTS_FMT "hosts-%s"
/* Every host's DNS files as records ("@@ NAME LEN\n", LEN bytes, "\n"), written
 * by `up`; a host's own files are made from it on first use. */
#define NSIM_INSTANCE_HOST_FILES "host-files"
/* Absolute paths of host's DNS files in state dir `dir` (both caller-owned),
 * writing them first from NSIM_INSTANCE_HOST_FILES when they do not exist yet
 * (best effort: a file it cannot write stays missing, which leaves the
 * machine's). 0 or -ENOMEM. */
_must_check_ int nsim_instance_dns_files(const char *dir, const char *host, char **ret_resolv, char **ret_hosts);

/* Opens file (a plain name, e.g. "service-db.log") of instance `name` for
 * reading, never through a symlink: 0 and *ret_fd (caller closes); -ENOENT,
 * -EINVAL (not a regular file, a '/' in file, a bad name),
 * -ELOOP/-ENOTDIR/-EPERM for an unsafe state dir or ROOT/NAME. */
_must_check_ int nsim_instance_open_file(const char *name, const char *file, int *ret_fd);
