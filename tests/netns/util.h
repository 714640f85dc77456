/* SPDX-License-Identifier: MIT */
/*
 * The one harness of the netns tests. It gives every test:
 * - one skip rule: exit 77, with "skip: REASON" on stderr, when not root or
 *   when this process cannot make a network namespace;
 * - names unique to the process: instances t<pid>-SUFFIX (removed with
 *   `netsim down`), namespaces netsim-t<pid>-SUFFIX (unmounted and unlinked),
 *   a private temporary directory, and on request a private netsim state dir
 *   in it (netns_state_dir(), for `netsim down --all` or records of the
 *   test's own: removed with `NETSIM_STATE_DIR=DIR netsim down --all`, run
 *   by the guardian before it removes the directories);
 * - cleanup of all of them, pass or fail: at exit, on SIGINT, SIGTERM, SIGHUP
 *   and SIGQUIT (the handler only kills the running netsim by PID, then waits
 *   for the cleanup, then dies of the same signal), and when the process dies
 *   any other way (crash, abort, SIGKILL). The cleanup runs in a guardian
 *   process forked at init, which holds the list: never in a signal handler.
 * The rest runs netsim as a user would and probes from inside namespaces
 * (cmocka assertions).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/model.h"
#include "model/net.h"
#include "model/util.h"
#include "probe/probe.h"

extern const char *netsim; /* the binary under test (argv[1]) */

/* Call first in main(): returns 0 to go on, else the exit code (77 = skip,
 * 2 = usage, 99 = the harness could not start). argv[1]: the netsim binary. */
int netns_test_init(int argc, char **argv);
/* The same for a test that may not run netsim (netsim NULL: instance() and
 * run() must not be used). Returns 0, 77 (skip) or 99. */
int netns_harness_init(const char *netsim_binary);
/* Removes everything made so far (waits until it is gone). Also at exit. */
void cleanup_all(void);

/* The guardian process (the harness's own test waits for it). */
pid_t netns_guardian(void);
/* "t<pid>-", the start of every instance name of this process. */
const char *netns_name_prefix(void);
/* A namespace name for apply/ to create, "netsim-t<pid>-SUFFIX", removed
 * (umount, unlink of its /run/netns file) at cleanup. Valid until exit. */
const char *netns_namespace(const char *suffix);
/* A private directory (mode 0700) under /tmp, removed with its contents at
 * cleanup. Made on first use; valid until exit. */
const char *netns_tmpdir(void);
/* The whole text of file path (NUL-terminated, owned by the caller: free()),
 * read with model/fileio; fails the test when it cannot be read. */
char *netns_read_text(const char *path);
/* text with every `from` replaced by `to` (a new string: free()); *count:
 * how many were. */
char *netns_replace_all(const char *text, const char *from, const char *to, size_t *count);
/* A copy of file src in netns_tmpdir() named `name`, with each pair of
 * (from, to, ..., NULL) replaced; each `from` must occur exactly `times`
 * times (the test fails otherwise). Returns its path, valid until the next
 * 32 calls. */
const char *netns_variant(const char *src, const char *name, size_t times, ...);
/* Fails the test, showing out, unless status is want_status and out
 * contains want (NULL: anything). */
void netns_expect_output(const char *out, int status, int want_status, const char *want);
/* A private netsim state dir (NETSIM_STATE_DIR=it for the netsim the test
 * runs): "TMPDIR/state", mode 0700, owned by root, in netns_tmpdir(). At
 * cleanup the guardian runs `NETSIM_STATE_DIR=it netsim down --all` (also
 * for cleanup_all(), which keeps the dir), then removes it with the tmpdir.
 * Made on first use (fails the test if it cannot be, or if no netsim binary
 * was given); valid until exit. Instances in it should still be named
 * netns_name_prefix()SUFFIX. */
const char *netns_state_dir(void);
/* A child this test forked itself (run() tracks its own): a signal kills it
 * (and its process group if it leads one) before the cleanup. 0, or -ENOSPC
 * when 16 are tracked already. Untrack it once it is reaped. */
_must_check_ int netns_track_child(pid_t pid);
void netns_untrack_child(pid_t pid);

/* A fresh instance name, removed at exit. */
const char *instance(const char *suffix);
/* Runs netsim with the NULL-terminated args; stdout+stderr into out (if any).
 * Returns the exit status, or 128+signal. env: "VAR=value" or NULL. */
int run(char *out, size_t size, const char *env, ...);
void up(const char *file, const char *name); /* asserts success */
void down(const char *name);
uint32_t A(const char *addr);
struct nsim_probe_result probe(const char *name, const char *host, enum nsim_proto proto, const char *addr,
			       uint16_t port, int timeout_ms);
/* Reachable, and the response contains `seen` (if not NULL). */
void expect_reachable(const char *name, const char *host, enum nsim_proto proto, const char *addr, uint16_t port,
		      const char *seen);
/* Dropped or no route within 500 ms (not refused, not reachable). */
void expect_blocked(const char *name, const char *host, enum nsim_proto proto, const char *addr, uint16_t port);
size_t count_namespaces(const char *name);
bool state_exists(const char *name);
/* No namespace, no state, and the root namespace's links as at start. */
void assert_nothing_left(const char *name);
