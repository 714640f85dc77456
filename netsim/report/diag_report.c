/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/report.h"

/* Line `line` (1-based) of the text, from the bytes already read (never the
 * file again: it may be a pipe, or have changed). NULL when there is no such
 * line or it is too long to show usefully. pr caches where the last one was,
 * since diagnostics come sorted. */
static const char *source_line(struct nsim_diag_printer *pr, const char *text, size_t len, unsigned line,
			       size_t *ret_len)
{
	if (!text || !line)
		return NULL;
	if (pr->src_text != text || pr->src_line > line) {
		pr->src_text = text;
		pr->src_line = 1;
		pr->src_off = 0;
	}
	while (pr->src_line < line) {
		const char *nl = memchr(text + pr->src_off, '\n', len - pr->src_off);
		if (!nl)
			return NULL;
		pr->src_off = (size_t)(nl - text) + 1;
		pr->src_line++;
	}
	const char *start = text + pr->src_off;
	size_t n = strcspn(start, "\r\n"); /* the text is NUL-terminated */
	if (pr->src_off >= len || n > 400)
		return NULL;
	*ret_len = n;
	return start;
}

/* The source line and a caret under the column, as compilers show them;
 * control characters escaped, tabs as spaces. */
static void show_source(struct nsim_diag_printer *pr, const struct nsim_diag *g, const char *text, size_t len)
{
	size_t n;
	if (!g->line || !g->col)
		return;
	const char *line = source_line(pr, text, len, g->line, &n);
	if (!line)
		return;
	char *copy = strndup(line, n);
	if (!copy)
		return;
	size_t caret = 0;
	for (size_t i = 0; i < n; i++) {
		if (copy[i] == '\t')
			copy[i] = ' ';
		if (i + 1 < g->col) {
			char one[2] = {copy[i], '\0'}, e[8];
			caret += strlen(nsim_report_escaped(one, e, sizeof(e)));
		}
	}
	fprintf(pr->out, "%5u | ", g->line);
	nsim_report_fputs_escaped(pr->out, copy);
	fprintf(pr->out, "\n      | %*s%s^%s\n", (int)caret, "", pr->color ? "\033[1;32m" : "",
		pr->color ? "\033[0m" : "");
	free(copy);
}

void nsim_report_diags_text(struct nsim_diag_printer *pr, const struct nsim_diags *d, size_t from,
			    const char *text, size_t len)
{
	static const char *const sev_color[] = {
		[NSIM_SEV_ERROR] = "\033[1;31m",
		[NSIM_SEV_WARNING] = "\033[1;35m",
		[NSIM_SEV_NOTE] = "\033[1;36m",
	};
	const char *bold = pr->color ? "\033[1m" : "", *reset = pr->color ? "\033[0m" : "";
	FILE *out = pr->out;

	for (size_t i = from; i < d->n; i++) {
		const struct nsim_diag *g = &d->items[i];
		if (pr->max && pr->shown >= pr->max) {
			pr->hidden[g->severity]++;
			continue;
		}
		pr->shown++;
		fputs(bold, out);
		nsim_report_fputs_escaped(out, g->file);
		if (g->line)
			fprintf(out, ":%u:%u", g->line, g->col);
		fprintf(out, ":%s %s%s:%s ", reset, pr->color ? sev_color[g->severity] : "",
			nsim_severity_name(g->severity), reset);
		nsim_report_fputs_escaped(out, g->message);
		fputc('\n', out);
		show_source(pr, g, text, len);
	}
	if (d->oom && !pr->oom_said) {
		fprintf(out, "netsim: error: out of memory: some diagnostics were lost\n");
		pr->oom_said = true;
	}
}

void nsim_report_diags_text_end(struct nsim_diag_printer *pr)
{
	static const char *const what[] = {
		[NSIM_SEV_ERROR] = "error",
		[NSIM_SEV_WARNING] = "warning",
		[NSIM_SEV_NOTE] = "note",
	};
	size_t total = pr->hidden[NSIM_SEV_ERROR] + pr->hidden[NSIM_SEV_WARNING] + pr->hidden[NSIM_SEV_NOTE];
	if (!total)
		return;
	fputs("netsim: ", pr->out);
	bool first = true;
	for (size_t s = 0; s < ELEMENTSOF(what); s++) {
		size_t n = pr->hidden[s];
		if (!n)
			continue;
		fprintf(pr->out, "%s%zu more %s%s", first ? "" : ", ", n, what[s], n == 1 ? "" : "s");
		first = false;
	}
	fprintf(pr->out, " not shown (the first %zu are above%s)\n", pr->max,
		pr->hint ? pr->hint : "");
}

int nsim_report_diags_json(FILE *out, const struct nsim_diags *d)
{
	json_t *list = json_array();
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++) {
		const struct nsim_diag *g = &d->items[i];
		json_t *o = json_pack("{s:s, s:i, s:i, s:s, s:s}", "file", g->file, "line", (json_int_t)g->line,
				      "column", (json_int_t)g->col, "severity",
				      nsim_severity_name(g->severity), "message", g->message);
		if (!o || json_array_append_new(list, o) < 0) {
			json_decref(list);
			return -ENOMEM;
		}
	}
	int r = json_dumpf(list, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) < 0 ? -EIO : 0;
	fputc('\n', out);
	json_decref(list);
	return r;
}
