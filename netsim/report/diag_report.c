/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "report/report.h"

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
