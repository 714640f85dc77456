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

#include "model/model.h"
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
	/* an fd (>= 3) of the parent the child keeps (a log file); 0: none */
	int keep_fd;
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
/* A pidfd of pid (pidfd_open(2)): an fd, or -1 with errno set. */
int nsim_proc_pidfd_open(pid_t pid);
/* Waits up to ms for pidfd to become readable: true when the process has exited. */
bool nsim_proc_pidfd_wait(int pidfd, int ms);

/* An external program run as a process of an instance (run: services,
 * resolvers, `netsim exec`). */
struct nsim_proc_exec {
	const char *instance;    /* NETSIM_INSTANCE */
	const char *host;        /* NETSIM_HOST; NULL: unset */
	const char *ns;          /* the namespace it runs in (a name in /run/netns); NULL: the caller's */
	const char *resolv_conf; /* absolute path bound over /etc/resolv.conf; NULL: none */
	const char *hosts;       /* absolute path bound over /etc/hosts; NULL: none */
	const struct nsim_argv *argv; /* shell: /bin/sh -c argv[0] */
};

/*
 * In the calling process (single-threaded): enters e->ns and a private mount
 * namespace where / is a slave (nothing mounted here reaches the host) with
 * e->resolv_conf and e->hosts bound over /etc/resolv.conf (over its target
 * when it is a symlink, as iproute2's `ip netns exec` does) and /etc/hosts,
 * a file that does not exist being skipped. 0, or -errno with a sentence in
 * detail[0..size).
 */
_must_check_ int nsim_proc_enter(const struct nsim_proc_exec *e, char *detail, size_t size);

/* After nsim_proc_enter(): sets NETSIM_HOST and NETSIM_INSTANCE, cwd /, and
 * execs e->argv (execvp, or /bin/sh -c); exits 127 when the exec fails, with
 * the reason on stderr. */
_noreturn_ void nsim_proc_exec(const struct nsim_proc_exec *e);

/* 0 when argv's program can be exec'd ($PATH searched for a bare name), or
 * -ENOENT/-EACCES with a sentence in detail. */
_must_check_ int nsim_proc_check_program(const struct nsim_argv *argv, char *detail, size_t size);

/*
 * Starts e as a process of the instance whose state dir is dirfd (through
 * nsim_proc_start(): recorded as `kind` before it can outlive `up`), its own
 * session and process group, stdin /dev/null, stdout and stderr appended to
 * dirfd/log_name (created 0600, never through a symlink). Returns as
 * nsim_proc_start() (-ENOENT: the program was not found, with *ret_detail).
 */
_must_check_ int nsim_proc_start_exec(int dirfd, const char *kind, const char *log_name,
				      const struct nsim_proc_exec *e, pid_t *ret_pid, char **ret_detail);

/*
 * Ends every process whose network namespace is one of ns_st[0..n) (the
 * instance's: processes started by `netsim exec` or left by a service):
 * SIGTERM through a pidfd, up to 2 s for all of them, then SIGKILL. A
 * process in any other namespace is never signalled (its namespace is
 * checked again through the pidfd's PID before the signal). Appends
 * "pid N (COMM) in NS" for each to *stopped. 0, -ENOMEM, -errno reading /proc.
 */
_must_check_ int nsim_proc_stop_in_namespaces(const struct stat *ns_st, char *const *ns_names, size_t n,
					      struct nsim_strv *stopped);
