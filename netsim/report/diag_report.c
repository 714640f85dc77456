/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

/* Line `line` (1-based) of the file, without its newline; NULL if unavailable. */
static char *source_line(const char *file, unsigned line)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n = -1;
	for (unsigned i = 0; i < line && (n = getline(&buf, &cap, f)) >= 0; i++)
		;
	fclose(f);
	if (n < 0 || n > 400) { /* past EOF, or too long to show usefully */
		free(buf);
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

/* The source line and a caret under the column, as compilers show them. */
static void show_source(FILE *out, const struct nsim_diag *g, bool color)
{
	if (!g->line || !g->col)
		return;
	char *text = source_line(g->file, g->line);
	if (!text)
		return;
	fprintf(out, "%5u | %s\n      | ", g->line, text);
	for (unsigned i = 1; i < g->col && text[i - 1]; i++)
		fputc(text[i - 1] == '\t' ? '\t' : ' ', out);
	fprintf(out, "%s^%s\n", color ? "\033[1;32m" : "", color ? "\033[0m" : "");
	free(text);
}

void nsim_report_diags_text(FILE *out, const struct nsim_diags *d, bool color)
{
	static const char *const sev_color[] = {
		[NSIM_SEV_ERROR] = "\033[1;31m",
		[NSIM_SEV_WARNING] = "\033[1;35m",
		[NSIM_SEV_NOTE] = "\033[1;36m",
	};
	const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";

	for (size_t i = 0; i < d->n; i++) {
		const struct nsim_diag *g = &d->items[i];
		if (g->line)
			fprintf(out, "%s%s:%u:%u:%s ", bold, g->file, g->line, g->col, reset);
		else
			fprintf(out, "%s%s:%s ", bold, g->file, reset);
		fprintf(out, "%s%s:%s %s\n", color ? sev_color[g->severity] : "",
			nsim_severity_name(g->severity), reset, g->message);
		show_source(out, g, color);
	}
	if (d->oom)
		fprintf(out, "netsim: error: out of memory: some diagnostics were lost\n");
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
