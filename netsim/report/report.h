/* SPDX-License-Identifier: MIT */
/* Reports for people and machines: diagnostics as compiler-style text or JSON. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "model/diag.h"

/* `file:line:col: error: message` lines; color when `color`. */
void nsim_report_diags_text(FILE *out, const struct nsim_diags *d, bool color);
/* A JSON list of {file, line, column, severity, message}. Returns 0 or -ENOMEM. */
int nsim_report_diags_json(FILE *out, const struct nsim_diags *d);
