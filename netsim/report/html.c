/* SPDX-License-Identifier: MIT */
/* HTML pages (report/html.h). */
#include <errno.h>
#include <string.h>

#include "report/escape.h"
#include "report/graph.h"
#include "report/html.h"

/* Text from files and the network: control characters as escape.h writes
 * them, then HTML's five markup characters as entities. */
static void h(FILE *out, const char *s)
{
	if (!s)
		return;
	_cleanup_free_ char *esc = nsim_report_needs_escape(s) ? nsim_report_escape_dup(s) : NULL;
	for (const char *p = esc ? esc : s; *p; p++)
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(*p, out);
		}
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
