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

static void insertion_sort(struct nsim_diag *items, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct nsim_diag cur = items[i];
		size_t j = i;
		while (j > 0 && diag_cmp(&items[j - 1], &cur) > 0) {
			items[j] = items[j - 1];
			j--;
		}
		items[j] = cur;
	}
}

/* Stable merge sort of items[0, n) using tmp (n items). */
static void merge_sort(struct nsim_diag *items, struct nsim_diag *tmp, size_t n)
{
	if (n <= 16) {
		insertion_sort(items, n);
		return;
	}
	size_t mid = n / 2;
	merge_sort(items, tmp, mid);
	merge_sort(items + mid, tmp, n - mid);
	if (diag_cmp(&items[mid - 1], &items[mid]) <= 0)
		return; /* already in order: the usual case */
	memcpy(tmp, items, n * sizeof(*items));
	size_t i = 0, j = mid, k = 0;
	while (i < mid && j < n)
		items[k++] = diag_cmp(&tmp[j], &tmp[i]) < 0 ? tmp[j++] : tmp[i++];
	while (i < mid)
		items[k++] = tmp[i++];
	while (j < n)
		items[k++] = tmp[j++];
}

void nsim_diags_sort(struct nsim_diags *d, size_t from)
{
	/* stable: same position keeps insertion order. A large broken file
	 * gives hundreds of thousands of diagnostics, from several passes:
	 * O(n log n), and insertion sort (no memory) if the buffer is refused. */
	if (d->n <= from + 1)
		return;
	size_t n = d->n - from;
	struct nsim_diag *tmp = malloc(n * sizeof(*tmp));
	if (!tmp) {
		insertion_sort(d->items + from, n);
		return;
	}
	merge_sort(d->items + from, tmp, n);
	free(tmp);
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

size_t nsim_diags_promote_warnings(struct nsim_diags *d, size_t from)
{
	size_t n = 0;

	for (size_t i = from; i < d->n; i++) {
		if (d->items[i].severity != NSIM_SEV_WARNING)
			continue;
		d->items[i].severity = NSIM_SEV_ERROR;
		n++;
	}
	d->n_warnings -= n;
	d->n_errors += n;
	return n;
}
