/* SPDX-License-Identifier: MIT */
/* graph: the topology as a diagram (DOT, Mermaid, SVG, HTML). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "cli/cli.h"
#include "instance/instance.h"
#include "model/fileio.h"
#include "model/util.h"
#include <jansson.h>

#include "plan/plan.h"
#include "probe/check.h"
#include "report/check_report.h"
#include "report/escape.h"
#include "report/graph.h"
#include "report/html.h"

const char nsim_help_graph[] =
	"Draws the topology as AWS architecture diagrams do: the region, its VPCs,\n"
	"their availability zones and subnets (public green, private teal), each\n"
	"subnet's route table, hosts with their kind and address, NAT gateways with\n"
	"their elastic IP, the internet gateway on the VPC's edge, the internet and\n"
	"its hosts, peerings and endpoints (docs/graph.md). Needs no root.\n\n"
	"FILE|NAME is a topology file, or the name of a running topology.\n\n"
	"Options:\n"
	"  --format F   dot (default), mermaid (a flowchart for Markdown), svg (laid\n"
	"               out by Graphviz), or html (a page holding the svg); without\n"
	"               --format, -o FILE's extension picks it (.dot .gv .mmd .svg .html)\n"
	"  --flows      an edge per expectation from its source to its destination:\n"
	"               green reachable, red blocked, orange intermittent, labelled\n"
	"               with the reason code and the deciding component; dashed when\n"
	"               the expectation does not hold. From the analyzer (the model);\n"
	"               for a running NAME, from its last `netsim check` when there\n"
	"               is one (what the network did)\n"
	"  -o FILE      write to FILE instead of standard output\n\n"
	"Exit status: 0 when the diagram was written, 1 on invalid input, 2 on usage\n"
	"errors, 3 when Graphviz cannot lay the diagram out (its plugins are missing).\n";

enum format { FMT_NONE, FMT_DOT, FMT_MERMAID, FMT_SVG, FMT_HTML };

static enum format parse_format(const char *s)
{
	if (streq(s, "dot") || streq(s, "gv"))
		return FMT_DOT;
	if (streq(s, "mermaid") || streq(s, "mmd"))
		return FMT_MERMAID;
	if (streq(s, "svg"))
		return FMT_SVG;
	if (streq(s, "html") || streq(s, "htm"))
		return FMT_HTML;
	return FMT_NONE;
}

/* FILE or the name of a running topology (as trace and show take them). */
static int load_target(const char *arg, struct nsim_topology **ret_t, char **ret_running)
{
	struct stat st;
	*ret_running = NULL;
	if (stat(arg, &st) == 0 || !nsim_plan_name_valid(arg))
		return nsim_cli_load(arg, ret_t);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/topology.yaml", nsim_instance_state_dir(), arg);
	if (access(path, R_OK) < 0 && errno == EACCES)
		return nsim_cli_need_root("graph");
	if (access(path, R_OK) < 0) {
		fprintf(stderr, "netsim graph: error: '%s' is neither a file nor a running topology (see 'netsim ls')\n",
			NSIM_ESC(arg));
		return NSIM_EXIT_FAIL;
	}
	int r = nsim_cli_load(path, ret_t);
	if (r == NSIM_EXIT_OK && !(*ret_running = strdup(arg)))
		return NSIM_EXIT_FAIL;
	return r;
}

#define LAST_CHECK "last-check.json"

/* The flows of the last `check` of instance `name`, as its JSON report
 * (stored by nsim_cli_store_last_check()) says the network treated them.
 * Returns 1 when added, 0 when there is no stored check (or it does not fit
 * this topology: it was checked before the instance came up again),
 * -ENOMEM. */
static int check_flows(struct nsim_graph *g, const char *name)
{
	_cleanup_free_ char *text = NULL;
	if (nsim_instance_read_file(name, LAST_CHECK, &text) < 0)
		return 0;
	json_t *doc = json_loads(text, 0, NULL), *e;
	json_t *list = json_object_get(doc, "expectations");
	size_t i;
	int r = 1;
	if (!json_is_array(list)) {
		json_decref(doc);
		return 0;
	}
	json_array_foreach (list, i, e) {
		json_int_t index = json_integer_value(json_object_get(e, "index"));
		const char *observed = json_string_value(json_object_get(e, "observed"));
		const char *probe = json_string_value(json_object_get(e, "port_probe"));
		if (index < 1 || (size_t)index > g->t->n_expects || !observed || (probe && streq(probe, "failing")) ||
		    g->t->expects[index - 1].command.argc)
			continue;
		json_t *pred = json_object_get(e, "predicted"), *drop = json_object_get(e, "dropped_at");
		const char *reason = json_string_value(json_object_get(pred, "reason"));
		const char *comp = json_string_value(json_object_get(drop, "component"));
		if (!comp)
			comp = json_string_value(json_object_get(pred, "blocked_at"));
		const char *address = json_string_value(json_object_get(e, "address"));
		uint32_t dst = 0;
		enum nsim_graph_edge_kind kind = streq(observed, "reachable")	  ? NSIM_GRAPH_FLOW_REACHABLE
						 : streq(observed, "intermittent") ? NSIM_GRAPH_FLOW_INTERMITTENT
										   : NSIM_GRAPH_FLOW_BLOCKED;
		struct nsim_graph_verdict v = {
			.kind = kind,
			.reason = kind != NSIM_GRAPH_FLOW_REACHABLE && reason && !streq(reason, "NONE") ? reason : NULL,
			.component = kind != NSIM_GRAPH_FLOW_REACHABLE ? comp : NULL,
			.holds = json_is_true(json_object_get(e, "passed")),
			.dst = address && nsim_addr_parse(address, &dst) == 0 ? dst : 0,
		};
		int k = nsim_graph_add_flow(g, (size_t)index - 1, &v);
		if (k == -ENOMEM) {
			r = -ENOMEM;
			break;
		}
	}
	json_decref(doc);
	return r;
}

static int write_check_json(FILE *f, const void *userdata)
{
	return nsim_report_check_json(f, userdata, NULL);
}

void nsim_cli_store_last_check(const struct nsim_check_report *rep)
{
	char path[4096];
	if (!rep->name || !nsim_plan_name_valid(rep->name))
		return;
	snprintf(path, sizeof(path), "%s/%s/%s", nsim_instance_state_dir(), rep->name, LAST_CHECK);
	/* best effort: the report was printed; a graph without it draws the model's flows */
	(void)!nsim_file_write(path, write_check_json, rep);
}

struct output {
	const struct nsim_graph *g;
	const struct nsim_topology *t;
	enum format format;
	const char *svg;
	const char *flows_from; /* NULL: no flows */
};

static int write_output(FILE *f, const void *userdata)
{
	const struct output *o = userdata;
	switch (o->format) {
	case FMT_DOT:
		return nsim_graph_write_dot(f, o->g);
	case FMT_MERMAID:
		return nsim_graph_write_mermaid(f, o->g);
	case FMT_SVG:
		fputs(o->svg, f);
		return ferror(f) ? -EIO : 0;
	case FMT_HTML:
		return nsim_report_html_graph(f, o->t, o->svg, o->flows_from);
	case FMT_NONE:
		break;
	}
	return -EINVAL;
}

int nsim_cmd_graph(int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"flows", no_argument, NULL, 'F'},
					     {"output", required_argument, NULL, 'o'},
					     {}};
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	_cleanup_(nsim_graph_freep) struct nsim_graph *g = NULL;
	_cleanup_free_ char *running = NULL, *svg = NULL;
	enum format format = FMT_NONE;
	const char *output = NULL;
	bool flows = false;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((format = parse_format(optarg)) == FMT_NONE)
				return nsim_cli_usage_error("graph", "unknown format '%s' (dot, mermaid, svg or html)",
							    NSIM_ESC(optarg));
			break;
		case 'F':
			flows = true;
			break;
		case 'o':
			output = optarg;
			break;
		case ':':
			return nsim_cli_usage_error("graph", "option '%s' needs a value", argv[optind - 1]);
		default:
			return nsim_cli_usage_error("graph", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return nsim_cli_usage_error("graph", "usage: netsim graph FILE|NAME [--format dot|mermaid|svg|html] [--flows] [-o FILE]");
	if (format == FMT_NONE && output) {
		const char *dot = strrchr(output, '.');
		format = dot && !strchr(dot, '/') ? parse_format(dot + 1) : FMT_NONE;
	}
	if (format == FMT_NONE)
		format = FMT_DOT;
	if (output && streq(output, "-"))
		output = NULL;
	if (output && (r = nsim_file_check_writable(output)) < 0) {
		fprintf(stderr, "netsim graph: error: cannot write %s: %s\n", NSIM_ESC(output), nsim_file_strerror(r));
		return NSIM_EXIT_FAIL;
	}

	if ((r = load_target(argv[optind], &t, &running)) != NSIM_EXIT_OK)
		return r;
	if ((r = nsim_graph_new(t, &g)) < 0) {
		fprintf(stderr, "netsim graph: error: %s\n", strerror(-r));
		return NSIM_EXIT_FAIL;
	}
	const char *flows_from = NULL;
	if (flows) {
		flows_from = "the model (netsim analyze)";
		if (running && (r = check_flows(g, running)) != 0)
			flows_from = "the last check of the instance";
		else if (running)
			flows_from = "the model (netsim analyze): the instance has not been checked since it came up";
		if (r == 0 && (r = nsim_graph_add_model_flows(g)) < 0) {
			fprintf(stderr, "netsim graph: error: the flows: %s\n", strerror(-r));
			return NSIM_EXIT_FAIL;
		}
	}
	if (format == FMT_SVG || format == FMT_HTML) {
		size_t len;
		if ((r = nsim_graph_render_svg(g, &svg, &len)) < 0) {
			fprintf(stderr, "netsim graph: error: Graphviz could not lay the diagram out: %s%s\n", strerror(-r),
				r == -EIO ? " (are Graphviz's plugins installed? libgvc6 has the dot layout and SVG renderer)"
					  : "");
			return NSIM_EXIT_ENV;
		}
	}
	struct output o = {.g = g, .t = t, .format = format, .svg = svg, .flows_from = flows_from};
	if (output)
		r = nsim_file_write(output, write_output, &o);
	else if ((r = write_output(stdout, &o)) >= 0 && fflush(stdout) != 0)
		r = -EIO;
	if (r < 0) {
		fprintf(stderr, "netsim graph: error: writing %s: %s\n", output ? NSIM_ESC(output) : "standard output",
			strerror(-r));
		return NSIM_EXIT_FAIL;
	}
	if (flows_from)
		fprintf(stderr, "netsim graph: flows from %s\n", flows_from);
	return NSIM_EXIT_OK;
}

/* ---- check/test --html ---- */

struct html_args {
	const struct nsim_topology *t;
	const struct nsim_check_report *rep;
	const char *pcap;
};

static int write_html(FILE *f, const void *userdata)
{
	const struct html_args *a = userdata;
	return nsim_report_html_check(f, a->t, a->rep, a->pcap);
}

int nsim_cli_write_html(const char *path, const struct nsim_topology *t, const struct nsim_check_report *rep,
			const char *pcap)
{
	/* the pcap files as the page links them: relative to the page's own
	 * directory when they are below it, else by their absolute path */
	_cleanup_free_ char *dir_copy = strdup(path), *href = NULL;
	char page_dir[PATH_MAX], pcap_dir[PATH_MAX];
	if (!dir_copy)
		return -ENOMEM;
	if (pcap && realpath(dirname(dir_copy), page_dir) && realpath(pcap, pcap_dir)) {
		size_t n = strlen(page_dir);
		if (streq(page_dir, pcap_dir))
			href = strdup(".");
		else if (strncmp(pcap_dir, page_dir, n) == 0 && pcap_dir[n] == '/')
			href = strdup(pcap_dir + n + 1);
		else if (strncmp(pcap_dir, "/", 1) == 0 && n == 1)
			href = strdup(pcap_dir + 1);
		else
			href = strdup(pcap_dir);
		if (!href)
			return -ENOMEM;
	}
	struct html_args a = {.t = t, .rep = rep, .pcap = href};
	return nsim_file_write(path, write_html, &a);
}

/* LeakSanitizer (the ASan builds of scripts/test) asks the program for
 * suppressions: Graphviz 2.43 and the font libraries its text layout loads
 * (fontconfig, pango, glib, cairo) keep memory until the process exits,
 * whatever the caller frees. Unused in other builds. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\n"
	       "leak:libcgraph.so\n"
	       "leak:libgvplugin_\n"
	       "leak:libfontconfig.so\n"
	       "leak:libpango\n"
	       "leak:libglib-2.0.so\n"
	       "leak:libgobject-2.0.so\n"
	       "leak:libcairo.so\n"
	       "leak:libharfbuzz.so\n";
}

/* ... and without a table of them on standard error at every exit */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
