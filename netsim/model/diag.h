/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics: what load/ and validate/ found wrong, each with its position.
 * Library code collects them here; only cli/ prints them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

enum nsim_severity {
	NSIM_SEV_ERROR = 0,
	NSIM_SEV_WARNING,
	NSIM_SEV_NOTE,
};

struct nsim_diag {
	enum nsim_severity severity;
	char *file; /* owned by the list */
	unsigned line, col;
	char *message; /* owned by the list; one line, no trailing newline */
};

struct nsim_diags {
	struct nsim_diag *items;
	size_t n, cap;
	size_t n_errors, n_warnings;
	bool oom; /* a diagnostic was lost to ENOMEM */
};

void nsim_diags_init(struct nsim_diags *d);
void nsim_diags_clear(struct nsim_diags *d); /* frees the items; the list can be reused */

/* Appends a diagnostic. Never fails from the caller's view: on ENOMEM, d->oom is set. */
void nsim_diag_add(struct nsim_diags *d, enum nsim_severity sev, struct nsim_pos pos,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define nsim_diag_error(d, pos, ...) nsim_diag_add((d), NSIM_SEV_ERROR, (pos), __VA_ARGS__)
#define nsim_diag_warning(d, pos, ...) nsim_diag_add((d), NSIM_SEV_WARNING, (pos), __VA_ARGS__)
#define nsim_diag_note(d, pos, ...) nsim_diag_add((d), NSIM_SEV_NOTE, (pos), __VA_ARGS__)

/* Makes every warning of items [from, n) an error (`--strict`). Returns how many. */
size_t nsim_diags_promote_warnings(struct nsim_diags *d, size_t from);
/* Sorts items [from, n) by file, line, column (stable: same position keeps insertion order). */
void nsim_diags_sort(struct nsim_diags *d, size_t from);
const char *nsim_severity_name(enum nsim_severity s);
