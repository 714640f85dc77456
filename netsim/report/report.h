/* SPDX-License-Identifier: MIT */
/* Reports for people and machines: diagnostics as compiler-style text or JSON. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "model/diag.h"
#include "plan/plan.h"
#include "model/util.h"

/* Text diagnostics shown at most (then "N more errors not shown"). */
#define NSIM_REPORT_DIAGS_MAX 100

/* Where text diagnostics go, and what was shown so far (across files). */
struct nsim_diag_printer {
	FILE *out;
	bool color;
	size_t max;        /* diagnostics shown at most; 0: all */
	const char *hint;  /* appended to the "not shown" line, e.g. "; --json lists them all" */
	size_t shown;
	size_t hidden[3];  /* by enum nsim_severity */
	bool oom_said;
	const char *src_text; /* cache of the last source line found */
	size_t src_off;
	unsigned src_line;
};

/*
 * Prints diagnostics [from, d->n) as `file:line:col: error: message` lines
 * (color when pr->color), each followed by its source line and a caret, taken
 * from `text` (`len` bytes, NUL-terminated: the file those diagnostics are
 * about, as read; NULL shows none). Control characters in paths, messages and
 * source are escaped (report/escape.h). Beyond pr->max diagnostics in all,
 * counts them in pr->hidden instead.
 */
void nsim_report_diags_text(struct nsim_diag_printer *pr, const struct nsim_diags *d, size_t from,
			    const char *text, size_t len);
/* "netsim: N more errors, M more warnings not shown (...)" when some were hidden. */
void nsim_report_diags_text_end(struct nsim_diag_printer *pr);
/* A JSON list of {file, line, column, severity, message}. Returns 0 or -ENOMEM. */
_must_check_ int nsim_report_diags_json(FILE *out, const struct nsim_diags *d);

/* The plan as a shell-like script: one equivalent command per op with its
 * reason, nftables rulesets in full, then the responders. */
void nsim_report_plan_text(FILE *out, const struct nsim_plan *p);
