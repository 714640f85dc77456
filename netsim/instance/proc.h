/* SPDX-License-Identifier: MIT */
/*
 * The processes of an instance (responders now; DNS servers, relays and
 * users' services later), all started and stopped the same way, with one
 * record: the instance's `processes` file, a line "PID STARTTIME KIND NS" per
 * process (STARTTIME: field 22 of /proc/PID/stat, so a reused PID is never
 * taken for ours).
 *
 * A process can never outlive an `up` that died before recording it: the
 * child sets PR_SET_PDEATHSIG(SIGKILL) and checks getppid() right after
 * fork, runs body->setup, reports, then waits for a "go" byte that the
 * parent sends only after the record is on disk; only then does it clear
 * PDEATHSIG, acknowledges (the parent returns only then: exiting before the
 * child cleared PDEATHSIG would kill it) and goes on to body->serve. EOF
 * instead of "go" (the parent died) makes it exit.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "model/strv.h"
#include "model/util.h"

struct nsim_proc_body {
	const char *kind; /* in the record and in what `down` says: "responder" */
	const char *comm; /* the process name (15 chars at most): "netsim-respond" */
	/* In the child, before the parent records it: open sockets, bind, ...
	 * 0 or -errno with a sentence in detail. */
	int (*setup)(void *userdata, char *detail, size_t size);
	/* In the child once recorded: serve until SIGTERM. */
	_noreturn_ void (*serve)(void *userdata);
	void *userdata;
};

/*
 * Starts a process of the instance whose state dir is `dirfd` (one `up` at a
 * time: the caller holds the instance lock) in its own session, stdio on
 * /dev/null, every other fd closed, signals unblocked. `ns` (may be NULL) is
 * the namespace it serves, recorded for `down`. Returns once setup succeeded
 * and the record was written: 0 and *ret_pid; or -errno of setup (with
 * *ret_detail, owned by the caller) after the child has exited, -ECHILD when
 * the child died before reporting, -ENOMEM, or -errno of fork/pipe/the
 * record (the child is then killed and reaped).
 */
_must_check_ int nsim_proc_start(int dirfd, const char *ns, const struct nsim_proc_body *body, pid_t *ret_pid,
				 char **ret_detail);

/*
 * Ends every process recorded in dirfd's `processes` (and an older netsim's
 * `responder` record): SIGTERM through a pidfd if the PID still has the
 * recorded start time, a wait for it to exit (up to 2 s), then SIGKILL and a
 * wait. Appends "KIND (pid N)" for each one it ended to *stopped (may be
 * NULL). 0, -ENOMEM, or -errno reading the record (a missing record is 0).
 */
_must_check_ int nsim_proc_stop_all(int dirfd, struct nsim_strv *stopped);

/* Appends "pid N (COMM) in NS" for every process whose network namespace is
 * one of ns_st[0..n) (stat() of the namespaces' /run/netns files). 0 or
 * -ENOMEM / -errno reading /proc. */
_must_check_ int nsim_proc_find_in_namespaces(const struct stat *ns_st, char *const *ns_names, size_t n,
					      struct nsim_strv *found);

/* The start time of pid (field 22 of /proc/PID/stat): 0 or -ENOENT (gone),
 * -EIO (unreadable). */
_must_check_ int nsim_proc_start_time(pid_t pid, unsigned long long *ret);
