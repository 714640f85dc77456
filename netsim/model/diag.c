/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/diag.h"

void nsim_diags_init(struct nsim_diags *d)
{
	*d = (struct nsim_diags){0};
}

void nsim_diags_clear(struct nsim_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].message);
	}
	free(d->items);
	nsim_diags_init(d);
}

void nsim_diag_add(struct nsim_diags *d, enum nsim_severity sev, struct nsim_pos pos,
		   const char *fmt, ...)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct nsim_diag *items = realloc(d->items, cap * sizeof(*items));
		if (!items) {
			d->oom = true;
			return;
		}
		d->items = items;
		d->cap = cap;
	}

	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	char *file = strdup(pos.file ? pos.file : "<input>");
	if (r < 0 || !file) {
		if (r >= 0)
			free(msg);
		free(file);
		d->oom = true;
		return;
	}

	d->items[d->n++] = (struct nsim_diag){
		.severity = sev,
		.file = file,
		.line = pos.line,
		.col = pos.col,
		.message = msg,
	};
	if (sev == NSIM_SEV_ERROR)
		d->n_errors++;
	else if (sev == NSIM_SEV_WARNING)
		d->n_warnings++;
}

static int diag_cmp(const struct nsim_diag *a, const struct nsim_diag *b)
{
	int r = strcmp(a->file, b->file);
	if (r)
		return r;
	/* whole-file diagnostics (no line) close their file's list */
	if (a->line != b->line)
		return !a->line ? 1 : !b->line ? -1 : a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void nsim_diags_sort(struct nsim_diags *d, size_t from)
{
	/* insertion sort: stable, and lists are short and mostly in order */
	for (size_t i = from + 1; i < d->n; i++) {
		struct nsim_diag cur = d->items[i];
		size_t j = i;
		while (j > from && diag_cmp(&d->items[j - 1], &cur) > 0) {
			d->items[j] = d->items[j - 1];
			j--;
		}
		d->items[j] = cur;
	}
}

const char *nsim_severity_name(enum nsim_severity s)
{
	switch (s) {
	case NSIM_SEV_ERROR:
		return "error";
	case NSIM_SEV_WARNING:
		return "warning";
	case NSIM_SEV_NOTE:
		return "note";
	}
	return "?";
}
