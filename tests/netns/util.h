/* SPDX-License-Identifier: MIT */
/*
 * Shared by the netns tests (cmocka). Instances are named t<pid>-SUFFIX and
 * all removed at exit, pass or fail.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "model/net.h"
#include "probe/probe.h"

extern const char *netsim; /* the binary under test (argv[1]) */

/* Call first in main(): returns 0 to go on, else the exit code (77 = skip). */
int netns_test_init(int argc, char **argv);
void cleanup_all(void);

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
