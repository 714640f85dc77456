/* SPDX-License-Identifier: MIT */
/* Reports of `netsim check` / `netsim test` (the JSON schema: docs/check.md). */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "analyze/analyze.h"
#include "model/diag.h"
#include "probe/check.h"
#include "model/util.h"

/* One line per expectation (✓/✗), evidence and reason for failures (for all
 * with verbose), then "N passed, N failed". */
void nsim_report_check_text(FILE *out, const struct nsim_check_report *rep, bool color, bool verbose);
/* The documented JSON document (schema 1). file may be NULL. */
_must_check_ int nsim_report_check_json(FILE *out, const struct nsim_check_report *rep, const char *file);
/* JUnit XML: a suite per topology, a testcase per expectation. */
_must_check_ int nsim_report_check_junit(FILE *out, const struct nsim_check_report *rep);
/* "src → dst[ became ...]" of a hop. */
void nsim_report_hop_line(const struct nsim_hop *h, bool ports, char *buf, size_t size);
/* An analysis as JSON: {verdict, reason, explanation, blocked_at, fix, hops[]}. New reference. */
json_t *nsim_report_analysis_json(const struct nsim_analysis *a);
/* One line per leg of a's source ports (the client's, each NAT gateway's):
 * the range, and for an intermittent flow which ports get through, each
 * line starting with indent. */
void nsim_report_port_legs(FILE *out, const struct nsim_analysis *a, const char *indent);
/* A suggested fix as JSON: {component, action, path, yaml, text, others}
 * (path and yaml null when the fix is text only); null when x has none.
 * New reference. */
json_t *nsim_report_fix_json(const struct nsim_fix *x);

/* An outcome without results (docs/check.md, "Reports when there are no
 * results"): the file is invalid, `up` failed, the run could not start. */
struct nsim_check_error {
	const char *name;    /* the instance name; NULL when none was chosen yet */
	const char *file;    /* the topology file; may be NULL */
	const char *stage;   /* "invalid", "environment", "up", "run": what failed */
	const char *message; /* one line, for people */
	const struct nsim_diags *diags; /* the file's diagnostics; may be NULL */
};
/* The JSON document of an error outcome: the schema-1 keys with no
 * expectations, "error" the message, "stage", and "diagnostics" a list of
 * {file, line, column, severity, message} as `validate --json` writes them.
 * Returns 0, -ENOMEM, or -EIO when writing failed. */
_must_check_ int nsim_report_check_error_json(FILE *out, const struct nsim_check_error *e);
/* JUnit XML of an error outcome: one testsuite, one testcase holding an
 * <error> whose message is e->message and whose text is every diagnostic as
 * "FILE:LINE:COL: SEVERITY: MESSAGE". Returns 0, or -EIO when writing failed. */
_must_check_ int nsim_report_check_error_junit(FILE *out, const struct nsim_check_error *e);
