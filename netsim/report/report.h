/* SPDX-License-Identifier: MIT */
/* Reports for people and machines: diagnostics as compiler-style text or JSON. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "model/diag.h"
#include "plan/plan.h"
#include "model/util.h"

/* `file:line:col: error: message` lines; color when `color`. */
void nsim_report_diags_text(FILE *out, const struct nsim_diags *d, bool color);
/* A JSON list of {file, line, column, severity, message}. Returns 0 or -ENOMEM. */
_must_check_ int nsim_report_diags_json(FILE *out, const struct nsim_diags *d);

/* The plan as a shell-like script: one equivalent command per op with its
 * reason, nftables rulesets in full, then the responders. */
void nsim_report_plan_text(FILE *out, const struct nsim_plan *p);
