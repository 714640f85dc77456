/* SPDX-License-Identifier: MIT */
/* HTML pages (report/html.h). */
#include <errno.h>
#include <string.h>

#include "probe/check.h"
#include "probe/evidence_files.h"
#include "report/check_report.h"
#include "report/escape.h"
#include "report/graph.h"
#include "report/html.h"

/* Text from files and the network: control characters as escape.h writes
 * them, then HTML's five markup characters as entities. */
static void h(FILE *out, const char *s)
{
	_cleanup_free_ char *esc = nsim_report_needs_escape(s) ? nsim_report_escape_dup(s) : NULL;
	nsim_report_xml_put(out, esc ? esc : s);
}

static const char css[] =
	"body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#232F3E;background:#fff}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #D5DBDB}"
	".sub{color:#545B64;margin:0 0 16px}"
	".diagram{overflow:auto;border:1px solid #D5DBDB;padding:8px;background:#fff}"
	".diagram svg{max-width:100%;height:auto}"
	"table{border-collapse:collapse;width:100%;font-size:13px}"
	"th,td{border:1px solid #D5DBDB;padding:4px 6px;text-align:left;vertical-align:top}"
	"th{background:#F2F3F3}"
	".pass{color:#1D8102;font-weight:bold}.fail{color:#D13212;font-weight:bold}"
	".mono{font-family:Menlo,Consolas,monospace;font-size:12px}"
	".legend span{display:inline-block;margin-right:16px}"
	".ok{color:#1D8102}.bad{color:#D13212}.partial{color:#E07700}"
	"details{margin:6px 0}summary{cursor:pointer}";

static void head(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
	      out);
	h(out, title);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
}

/* Graphviz's SVG document without its XML declaration and doctype: an
 * element inline in HTML. */
static void inline_svg(FILE *out, const char *svg)
{
	const char *start = svg ? strstr(svg, "<svg") : NULL;
	if (!start)
		return;
	fputs("<div class=\"diagram\">\n", out);
	fputs(start, out);
	fputs("</div>\n", out);
}

static void legend(FILE *out)
{
	fputs("<p class=\"legend\"><span class=\"ok\">━ reachable</span><span class=\"bad\">━ blocked</span>"
	      "<span class=\"partial\">━ intermittent</span><span>- - - the expectation does not hold</span></p>\n",
	      out);
}

int nsim_report_html_graph(FILE *out, const struct nsim_topology *t, const char *svg, const char *flows_from)
{
	head(out, t->name.name);
	fputs("<h1>", out);
	h(out, t->name.name);
	fputs("</h1>\n", out);
	if (t->description.name) {
		fputs("<p class=\"sub\">", out);
		h(out, t->description.name);
		fputs("</p>\n", out);
	}
	inline_svg(out, svg);
	if (flows_from) {
		legend(out);
		fputs("<p class=\"sub\">Flows from ", out);
		h(out, flows_from);
		fputs(".</p>\n", out);
	}
	fputs("</body>\n</html>\n", out);
	return ferror(out) ? -EIO : 0;
}

/* The flow of each result as the network showed it. */
static int check_flows(struct nsim_graph *g, const struct nsim_check_report *rep)
{
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct nsim_check_result *res = &rep->results[i];
		if (res->is_command || res->port_probe > 1)
			continue; /* command: has no flow; an intermittent proof's second probe: the same flow */
		enum nsim_graph_edge_kind kind = NSIM_GRAPH_FLOW_BLOCKED;
		if (res->observed == NSIM_VERDICT_REACHABLE)
			kind = NSIM_GRAPH_FLOW_REACHABLE;
		else if (res->observed == NSIM_VERDICT_INTERMITTENT)
			kind = NSIM_GRAPH_FLOW_INTERMITTENT;
		const struct nsim_analysis *a = &res->predicted;
		struct nsim_graph_verdict v = {
			.kind = kind,
			.reason = kind != NSIM_GRAPH_FLOW_REACHABLE && res->has_predicted && a->reason != NSIM_REASON_NONE
					  ? nsim_reason_code(a->reason)
					  : NULL,
			.component = kind == NSIM_GRAPH_FLOW_REACHABLE ? NULL
				     : res->has_dropped_at             ? res->dropped_at.component
				     : res->has_predicted              ? a->blocked_at
								       : NULL,
			.holds = res->passed,
			.dst = res->addr,
		};
		int r = nsim_graph_add_flow(g, res->index, &v);
		if (r < 0 && r != -EINVAL)
			return r;
	}
	return 0;
}

static void td(FILE *out, const char *cls, const char *s)
{
	fprintf(out, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	h(out, s);
	fputs("</td>", out);
}

static void evidence(FILE *out, const struct nsim_check_result *res, const char *pcap_dir)
{
	fputs("<details><summary>", out);
	h(out, res->label);
	fprintf(out, ": %zu hop%s</summary>\n", res->n_hops, res->n_hops == 1 ? "" : "s");
	if (res->n_hops) {
		fputs("<table class=\"mono\"><tr><th>component</th><th>kind</th><th>time</th><th>packet</th>"
		      "<th>pcap</th></tr>\n",
		      out);
		for (size_t k = 0; k < res->n_hops; k++) {
			const struct nsim_hop *hop = &res->hops[k];
			char line[200], t[32], name[256];
			nsim_report_hop_line(hop, res->proto != NSIM_PROTO_ICMP, line, sizeof(line));
			snprintf(t, sizeof(t), "+%.3f ms", hop->t_ms);
			fputs("<tr>", out);
			td(out, NULL, hop->component);
			td(out, NULL, hop->kind);
			td(out, NULL, t);
			td(out, NULL, line);
			fputs("<td>", out);
			if (pcap_dir && hop->n_pkts) {
				nsim_evidence_pcap_name(res, k, name, sizeof(name));
				fputs("<a href=\"", out);
				h(out, pcap_dir);
				if (*pcap_dir && pcap_dir[strlen(pcap_dir) - 1] != '/')
					fputc('/', out);
				h(out, name);
				fputs("\">", out);
				h(out, name);
				fputs("</a>", out);
			}
			fputs("</td></tr>\n", out);
		}
		fputs("</table>\n", out);
	}
	if (res->has_dropped_at) {
		fputs("<p>dropped by ", out);
		h(out, res->dropped_at.kind);
		fputc(' ', out);
		h(out, res->dropped_at.component);
		fputs(": ", out);
		h(out, res->dropped_at.rule);
		fputs("</p>\n", out);
	}
	if (res->has_predicted && res->predicted.n_hops) {
		fputs("<p>the model's path:</p><ol class=\"mono\">", out);
		for (size_t k = 0; k < res->predicted.n_hops; k++) {
			const struct nsim_ahop *ah = &res->predicted.hops[k];
			fprintf(out, "<li%s>%s", ah->blocked ? " class=\"bad\"" : "", ah->reply ? "← " : "");
			h(out, ah->component);
			fputs(" (", out);
			h(out, ah->kind);
			fputs("): ", out);
			h(out, ah->detail);
			fputs("</li>", out);
		}
		fputs("</ol>\n", out);
	}
	fputs("</details>\n", out);
}

int nsim_report_html_check(FILE *out, const struct nsim_topology *t, const struct nsim_check_report *rep,
			   const char *pcap_dir)
{
	_cleanup_(nsim_graph_freep) struct nsim_graph *g = NULL;
	_cleanup_free_ char *svg = NULL;
	size_t len;
	int r = nsim_graph_new(t, &g);
	if (r >= 0)
		r = check_flows(g, rep);
	if (r < 0)
		return r;
	int svg_r = nsim_graph_render_svg(g, &svg, &len);

	head(out, t->name.name);
	fputs("<h1>", out);
	h(out, t->name.name);
	fputs("</h1>\n<p class=\"sub\">", out);
	if (t->description.name) {
		h(out, t->description.name);
		fputs(" · ", out);
	}
	fprintf(out, "instance ");
	h(out, rep->name);
	fprintf(out, ": <span class=\"%s\">%zu passed, %zu failed</span> in %.1f ms</p>\n", rep->n_failed ? "fail" : "pass",
		rep->n_passed, rep->n_failed, rep->ms);
	if (rep->error) {
		fputs("<p class=\"fail\">", out);
		h(out, rep->error);
		fputs("</p>\n", out);
	}
	for (size_t i = 0; i < rep->n_drift; i++) {
		fputs("<p class=\"fail\">changed outside netsim: ", out);
		h(out, rep->drift[i]);
		fputs("</p>\n", out);
	}
	if (svg) {
		inline_svg(out, svg);
		legend(out);
	} else {
		fputs("<p class=\"sub\">(no diagram: Graphviz could not lay it out)</p>\n", out);
	}

	fputs("<h2>Expectations</h2>\n<table>\n<tr><th></th><th>expectation</th><th>flow</th><th>expected</th>"
	      "<th>observed</th><th>model's reason</th><th>suggested fix</th><th>time</th></tr>\n",
	      out);
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct nsim_check_result *res = &rep->results[i];
		char ms[32], observed[64];
		snprintf(ms, sizeof(ms), "%.1f ms", res->probe.ms);
		snprintf(observed, sizeof(observed), "%s",
			 res->is_command ? nsim_verdict_name(res->observed)
			 : res->probe.outcome == NSIM_PROBE_REACHABLE ? "reachable"
								      : nsim_probe_outcome_name(res->probe.outcome));
		fprintf(out, "<tr><td class=\"%s\">%s</td>", res->passed ? "pass" : "fail", res->passed ? "✓" : "✗");
		const char *flow = res->is_command ? res->command : res->flow;
		/* an expectation without a name is labelled by its flow: said once */
		td(out, NULL, res->label && flow && !streq(res->label, flow) ? res->label : "");
		td(out, "mono", flow);
		td(out, NULL, nsim_verdict_name(res->e->verdict));
		td(out, NULL, observed);
		fputs("<td>", out);
		if (res->has_predicted && res->predicted.reason != NSIM_REASON_NONE) {
			fputs("<span class=\"mono\">", out);
			h(out, nsim_reason_code(res->predicted.reason));
			fputs("</span> ", out);
			h(out, res->predicted.explanation);
		}
		bool said = res->has_predicted && *res->predicted.explanation &&
			    res->reason && strstr(res->reason, res->predicted.explanation);
		if (!res->passed && res->reason && *res->reason && !said) {
			fputs("<br/>", out);
			h(out, res->reason);
		}
		fputs("</td>", out);
		td(out, NULL, res->fix.action != NSIM_FIX_NONE ? res->fix.text : "");
		td(out, NULL, ms);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n<h2>Evidence</h2>\n", out);
	for (size_t i = 0; i < rep->n_results; i++)
		evidence(out, &rep->results[i], pcap_dir);
	fputs("</body>\n</html>\n", out);
	if (ferror(out))
		return -EIO;
	return svg_r < 0 && svg_r != -EIO ? svg_r : 0;
}
