/* SPDX-License-Identifier: MIT */
/* Reports of `netsim check` / `netsim test` (the JSON schema: docs/check.md). */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "analyze/analyze.h"
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
/* An analysis as JSON: {verdict, reason, explanation, blocked_at, hops[]}. New reference. */
json_t *nsim_report_analysis_json(const struct nsim_analysis *a);
