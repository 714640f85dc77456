/* SPDX-License-Identifier: MIT */
/* trace and analyze: the model's view of a path, and of every expectation. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "cli/cli.h"
#include "instance/instance.h"
#include "model/util.h"
#include "plan/plan.h"
#include "probe/check.h"
#include "report/check_report.h"
#include "report/escape.h"

const char nsim_help_trace[] =
	"Walks AWS's evaluation for one flow from the model alone, like Reachability\n"
	"Analyzer: source security group egress, route table (longest prefix), subnet\n"
	"ACLs, gateways (internet, NAT, peering), destination ACL and security group,\n"
	"listener, and the reply through the stateless ACLs. Prints each hop, the\n"
	"verdict, what blocked the flow (reason codes: docs/analyze.md), and after\n"
	"fix: the smallest change to the file that would open it.\n\n"
	"FILE|NAME is a topology file, or the name of a running topology: then the\n"
	"probe is also sent, and what the captures saw is printed beside the model.\n"
	"FROM is a host or internet host; TO a host, NAT gateway, internet host or\n"
	"address; PORT is like 3306/tcp, 53/udp, or icmp.\n\n"
	"Options:\n"
	"  --json   the analysis (and observation) as JSON\n\n"
	"Exit status: 0 when the flow is reachable, 1 when it is not, 2 on usage errors.\n";

const char nsim_help_analyze[] =
	"Predicts every expectation of FILE from the model alone (no root, no packets)\n"
	"and says why each blocked flow is blocked; an expectation predicted to fail\n"
	"gets, after fix:, the change to the file that would make it hold. blocked_by:\n"
	"must name what the model finds blocking the flow.\n\n"
	"Options:\n"
	"  --json     as JSON\n"
	"  --matrix   also: for every listening port of every host, which hosts (and\n"
	"             internet hosts) can reach it\n"
	"  --by-class the matrix by classes of hosts alike (same VPC, subnet,\n"
	"             groups, listeners, ...): each class's members, then which\n"
	"             classes reach each class's ports (implies --matrix)\n\n"
	"Exit status: 0 when every expectation is predicted to hold, 1 otherwise.\n";

/* FILE or the name of a running topology. */
static int load_target(const char *cmd, const char *arg, struct nsim_topology **ret_t, char **ret_running)
{
	struct stat st;
	*ret_running = NULL;
	if (stat(arg, &st) == 0 || !nsim_plan_name_valid(arg))
		return nsim_cli_load(arg, ret_t);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/topology.yaml", nsim_instance_state_dir(), arg);
	if (access(path, R_OK) < 0 && errno == EACCES)
		return nsim_cli_need_root(cmd);
	if (access(path, R_OK) < 0) {
		fprintf(stderr, "netsim %s: error: '%s' is neither a file nor a running topology (see 'netsim ls')\n", cmd,
			NSIM_ESC(arg));
		return NSIM_EXIT_FAIL;
	}
	int r = nsim_cli_load(path, ret_t);
	if (r == NSIM_EXIT_OK)
		*ret_running = strdup(arg);
	return r;
}

static int parse_port(const char *s, enum nsim_proto *ret_proto, uint16_t *ret_port)
{
	if (streq(s, "icmp")) {
		*ret_proto = NSIM_PROTO_ICMP;
		*ret_port = 0;
		return 0;
	}
	char *end;
	long port = strtol(s, &end, 10);
	if (port < 1 || port > 65535 || (strcmp(end, "/tcp") != 0 && strcmp(end, "/udp") != 0))
		return -EINVAL;
	*ret_proto = streq(end, "/tcp") ? NSIM_PROTO_TCP : NSIM_PROTO_UDP;
	*ret_port = (uint16_t)port;
	return 0;
}

/* Columns on a terminal: printf's widths count bytes, "→" is three of them. */
static size_t columns(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void print_padded(const char *s, size_t width)
{
	fputs(s, stdout);
	for (size_t n = columns(s); n < width; n++)
		putchar(' ');
}

/* The hops, in columns as wide as their longest entry (at least 16: AWS's
 * default names such as "rds-launch-wizard security group" are longer). */
static void print_analysis(const struct nsim_analysis *a)
{
	size_t wc = 16, wk = 16;
	for (size_t k = 0; k < a->n_hops; k++) {
		size_t c = columns(NSIM_ESC(a->hops[k].component)), n = columns(a->hops[k].kind);
		wc = c > wc ? c : wc;
		wk = n > wk ? n : wk;
	}
	for (size_t k = 0; k < a->n_hops; k++) {
		const struct nsim_ahop *h = &a->hops[k];
		printf("  %2zu %s", k + 1, h->reply ? "← " : "  ");
		print_padded(NSIM_ESC(h->component), wc);
		putchar(' ');
		print_padded(h->kind, h->detail[0] || h->blocked ? wk : 0);
		printf("%s%s%s\n", h->detail[0] ? " " : "", NSIM_ESC(h->detail), h->blocked ? "   ✗ blocked here" : "");
	}
	if (a->hops_truncated)
		printf("  … more hops than the %d shown\n", NSIM_ANALYSIS_MAX_HOPS);
	printf("verdict: %s", nsim_prediction_name(a->prediction));
	if (a->reason != NSIM_REASON_NONE)
		printf(" (%s)\n  %s\n", nsim_reason_code(a->reason), NSIM_ESC(a->explanation));
	else
		printf("\n");
	if (a->prediction == NSIM_PREDICT_INTERMITTENT)
		nsim_report_port_legs(stdout, a, "  ");
	if (a->reason != NSIM_REASON_NONE && a->fix.text[0])
		printf("  fix: %s\n", NSIM_ESC(a->fix.text));
}

/* The observation of a running topology beside the model's trace. */
static void print_observed(const char *running, const struct nsim_check_report *rep, enum nsim_proto proto)
{
	const struct nsim_check_result *res = &rep->results[0];
	printf("\nobserved on '%s': %s in %.1f ms%s%s\n", running,
	       res->probe.outcome == NSIM_PROBE_REACHABLE ? "reachable" : nsim_probe_outcome_name(res->probe.outcome),
	       res->probe.ms, res->probe.response[0] ? ": " : "", NSIM_ESC(res->probe.response));
	size_t wc = 16, wk = 18;
	for (size_t k = 0; k < res->n_hops; k++) {
		size_t c = columns(NSIM_ESC(res->hops[k].component)), n = columns(res->hops[k].kind);
		wc = c > wc ? c : wc;
		wk = n > wk ? n : wk;
	}
	for (size_t k = 0; k < res->n_hops; k++) {
		char line[200];
		nsim_report_hop_line(&res->hops[k], proto != NSIM_PROTO_ICMP, line, sizeof(line));
		printf("  ");
		print_padded(NSIM_ESC(res->hops[k].component), wc);
		putchar(' ');
		print_padded(res->hops[k].kind, wk);
		printf(" +%7.3f ms  %s\n", res->hops[k].t_ms, NSIM_ESC(line));
	}
	/* the hop that dropped it, as the network reported it (NFLOG) */
	if (res->has_dropped_at) {
		const struct nsim_check_drop *d = &res->dropped_at;
		printf("  ");
		print_padded(NSIM_ESC(d->component), wc);
		putchar(' ');
		print_padded(d->kind, wk);
		printf(" +%7.3f ms  ✗ %s%s\n", d->t_ms, NSIM_ESC(d->text), d->reply ? " (the reply)" : "");
	}
	if (res->model_disagrees)
		printf("%s\n", NSIM_ESC(res->reason));
}

static int trace_json(const struct nsim_topology *t, const char *from, const char *to, const struct nsim_flow *f,
		      const struct nsim_analysis *a, const struct nsim_check_report *rep)
{
	char addr[NSIM_ADDR_STRLEN];
	int r = 0;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "topology", t->name.name, "from", from, "to", to,
			      "address", nsim_addr_fmt(f->dst, addr), "protocol", nsim_proto_name(f->proto), "predicted",
			      nsim_report_analysis_json(a));
	if (!j)
		return -ENOMEM;
	if (f->proto != NSIM_PROTO_ICMP)
		json_object_set_new(j, "port", json_integer(f->dport));
	if (rep) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		if (!m || nsim_report_check_json(m, rep, NULL) < 0)
			r = -ENOMEM;
		if (m)
			fclose(m);
		json_t *obs = text ? json_loads(text, 0, NULL) : NULL;
		json_t *first = json_array_get(json_object_get(obs, "expectations"), 0);
		if (first)
			json_object_set(j, "observed", first);
		json_t *err = json_object_get(obs, "error");
		if (err)
			json_object_set(j, "error", err);
		json_decref(obs);
	}
	json_dumpf(j, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(j);
	return r;
}

int nsim_cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {}};
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	_cleanup_(nsim_plan_freep) struct nsim_plan *p = NULL; /* the report points into it */
	_cleanup_(nsim_check_report_freep) struct nsim_check_report *rep = NULL;
	_cleanup_free_ char *running = NULL, *error = NULL;
	struct nsim_flow f = {0};
	struct nsim_endpoint to_ep;
	struct nsim_analysis a;
	bool json = false;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return nsim_cli_usage_error("trace", "unknown option '%s'", argv[optind - 1]);
		json = true;
	}
	if (argc - optind != 4)
		return nsim_cli_usage_error("trace", "usage: netsim trace FILE|NAME FROM TO PORT/PROTO (e.g. fn db 3306/tcp)");
	const char *target = argv[optind], *from = argv[optind + 1], *to = argv[optind + 2], *port = argv[optind + 3];

	if (parse_port(port, &f.proto, &f.dport) < 0)
		return nsim_cli_usage_error("trace", "'%s' is not a port like 3306/tcp, 53/udp or icmp", port);
	if ((r = load_target("trace", target, &t, &running)) != NSIM_EXIT_OK)
		return r;
	if (nsim_analyze_resolve(t, from, &f.from) < 0 ||
	    (f.from.kind != NSIM_EP_HOST && f.from.kind != NSIM_EP_INET_HOST)) {
		fprintf(stderr, "netsim trace: error: FROM '%s' is not a host or internet host of '%s'\n", NSIM_ESC(from), NSIM_ESC(t->name.name));
		return NSIM_EXIT_USAGE;
	}
	if (nsim_analyze_resolve(t, to, &to_ep) < 0) {
		fprintf(stderr, "netsim trace: error: TO '%s' is not a host, NAT gateway, internet host, address or DNS name of '%s'\n",
			NSIM_ESC(to), NSIM_ESC(t->name.name));
		return NSIM_EXIT_USAGE;
	}
	f.dst = nsim_analyze_target(t, &f.from, &to_ep);
	if (to_ep.kind == NSIM_EP_DNS)
		f.name = to_ep.ref.name; /* resolved in the analysis: NAME_NOT_FOUND is its verdict */

	if (running) {
		/* the same flow on the wire: a one-expectation check */
		if ((r = nsim_cli_need_root("trace")))
			return r;
		struct nsim_expect *e = nsim_arena_alloc(t->arena, 1, sizeof(*e));
		if (!e || (r = nsim_plan_build(t, running, &p)) < 0) {
			fprintf(stderr, "netsim trace: error: planning '%s': %s\n", running, strerror(e ? -r : ENOMEM));
			return NSIM_EXIT_FAIL;
		}
		*e = (struct nsim_expect){.from = f.from, .to = to_ep, .has_port = f.proto != NSIM_PROTO_ICMP,
					  .port = {.from = f.dport, .to = f.dport, .proto = f.proto}, .proto = f.proto};
		e->name.name = NULL;
		t->expects = e;
		t->n_expects = 1;
		struct nsim_check_opts o = {.timeout_ms = 1000, .capture = true, .no_drift = true};
		if ((r = nsim_check_run(t, p, &o, &rep, &error)) < 0) {
			fprintf(stderr, "netsim trace: error: probing: %s\n", error ? error : strerror(-r));
			return NSIM_EXIT_FAIL;
		}
		a = rep->results[0].predicted;
		f.sport = rep->results[0].probe.sport;
	} else if ((r = nsim_analyze_flow(t, &f, &a)) < 0) {
		fprintf(stderr, "netsim trace: error: %s\n", strerror(-r));
		return NSIM_EXIT_FAIL;
	}

	int status = NSIM_EXIT_OK;
	if (json) {
		if (trace_json(t, from, to, &f, &a, rep) < 0) {
			fprintf(stderr, "netsim trace: error: writing JSON: %s\n", strerror(ENOMEM));
			status = NSIM_EXIT_FAIL;
		}
	} else {
		char addr[NSIM_ADDR_STRLEN];
		printf("trace %s → %s %s (%s), model of '%s':\n", NSIM_ESC(from), NSIM_ESC(to), NSIM_ESC(port),
		       f.name && !f.dst ? "no address" : nsim_addr_fmt(f.dst, addr),
		       NSIM_ESC(t->name.name));
		print_analysis(&a);
		if (rep)
			print_observed(running, rep, f.proto);
	}
	if (rep && rep->error) {
		fprintf(stderr, "netsim trace: error: %s\n", NSIM_ESC(rep->error));
		return NSIM_EXIT_FAIL;
	}
	if (status != NSIM_EXIT_OK)
		return status;
	return a.prediction == NSIM_PREDICT_REACHABLE && (!rep || !rep->results[0].model_disagrees) ? NSIM_EXIT_OK
												   : NSIM_EXIT_FAIL;
}

/* ---- analyze ---- */

static bool reaches(const struct nsim_matrix *m, size_t s, size_t i)
{
	const struct nsim_matrix_cell *x = nsim_matrix_cell(m, s, i);
	return x && !x->none && x->prediction == NSIM_PREDICT_REACHABLE;
}

static bool cell_reaches(const struct nsim_matrix *m, size_t row, size_t c)
{
	const struct nsim_matrix_cell *x = &m->cells[row * m->n_classes + c];
	return !x->none && x->prediction == NSIM_PREDICT_REACHABLE;
}

/* Names listed per group of sources before " and N more". */
#define MATRIX_SHOWN 8

/* Sources are grouped by VPC (internet hosts: the group n_vpcs): a line
 * names the sources outside the destination's VPC first, and a whole VPC
 * that reaches it as "all N hosts". */
static size_t group_of(const struct nsim_topology *t, const struct nsim_endpoint *e)
{
	return e->kind == NSIM_EP_HOST ? e->vpc : t->n_vpcs;
}

/* The groups in the order a line lists them: internet, other VPCs, then
 * the destination's own. */
static size_t group_order(const struct nsim_topology *t, size_t own, size_t k)
{
	if (k == 0)
		return t->n_vpcs;
	size_t g = k - 1;
	if (own == t->n_vpcs)
		return g;
	if (k == t->n_vpcs)
		return own;
	return g >= own ? g + 1 : g;
}

static void print_group_label(const struct nsim_topology *t, size_t g)
{
	if (g == t->n_vpcs)
		printf("internet: ");
	else
		printf("vpc %s: ", NSIM_ESC(t->vpcs[g].name.name));
}

/* Starts group g's part of a row where n sources reach the port: its label
 * after "; " when something came before; "internet: none" for an internet
 * that has hosts but none that reach it. Returns whether g's sources follow. */
static bool group_start(const struct nsim_topology *t, size_t g, size_t n, bool *any)
{
	if (!n && g == t->n_vpcs && t->n_inet_hosts) {
		printf("%sinternet: none", *any ? "; " : "");
		*any = true;
	}
	if (!n)
		return false;
	printf("%s", *any ? "; " : "");
	print_group_label(t, g);
	*any = true;
	return true;
}

/* Classes 1, 2, 3, 5 as "1-3, 5" (numbers from 1). */
static void print_ranges(const size_t *c, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && c[j + 1] == c[j] + 1)
			j++;
		printf("%s%zu", i ? ", " : "", c[i] + 1);
		if (j > i)
			printf("%s%zu", j == i + 1 ? ", " : "-", c[j] + 1);
		i = j + 1;
	}
}

static void snprint_ranges(char *buf, size_t size, const char *one, const char *many, const size_t *c, size_t n)
{
	size_t len = (size_t)snprintf(buf, size, "%s ", n == 1 ? one : many);
	for (size_t i = 0; i < n && len < size;) {
		size_t j = i;
		while (j + 1 < n && c[j + 1] == c[j] + 1)
			j++;
		len += (size_t)snprintf(buf + len, size - len, "%s%zu", i ? ", " : "", c[i] + 1);
		if (j > i && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%zu", j == i + 1 ? ", " : "-", c[j] + 1);
		i = j + 1;
	}
}

/* What makes class c a class, as text (malloc'd; NULL on ENOMEM): its VPC,
 * subnet, groups and ports; an internet host's ports. */
static char *class_describe(const struct nsim_topology *t, const struct nsim_matrix *m, size_t c)
{
	const struct nsim_endpoint *e = &m->src[m->members[m->class_start[c]]];
	const struct nsim_service *listen;
	size_t n_listen, len = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	if (e->kind == NSIM_EP_HOST) {
		const struct nsim_vpc *v = &t->vpcs[e->vpc];
		const struct nsim_host *h = &v->hosts[e->idx];
		fprintf(f, "vpc %s, subnet %s, groups ", NSIM_ESC(v->name.name), NSIM_ESC(v->subnets[h->subnet_idx].name.name));
		for (size_t k = 0; k < h->n_security_groups; k++)
			fprintf(f, "%s%s", k ? "+" : "", NSIM_ESC(h->security_groups[k].name));
		if (!h->n_security_groups)
			fprintf(f, "(default)");
		fprintf(f, ", ");
		listen = h->listen, n_listen = h->n_listen;
	} else {
		listen = t->inet_hosts[e->idx].listen, n_listen = t->inet_hosts[e->idx].n_listen;
	}
	fprintf(f, "listens ");
	for (size_t k = 0; k < n_listen; k++) {
		fprintf(f, "%s%u", k ? " " : "", listen[k].from);
		if (listen[k].to != listen[k].from)
			fprintf(f, "-%u", listen[k].to);
		fprintf(f, "/%s", nsim_proto_name(listen[k].proto));
	}
	if (!n_listen)
		fprintf(f, "nothing");
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static int cmp_desc(const void *a, const void *b, void *descs)
{
	char **d = descs;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(d[x] ? d[x] : "", d[y] ? d[y] : "");
	return c ? c : x < y ? -1 : x > y;
}

/* Each class once: its number, size and kind, what makes it a class, and a
 * few members. Host classes that read alike differ in which of the
 * topology's CIDRs (rule peers, routes) contain their addresses: those say
 * so, with their first member's address. */
static void classes_text(const struct nsim_topology *t, const struct nsim_matrix *m, int width)
{
	size_t n = m->n_classes;
	char **desc = calloc(n ? n : 1, sizeof(*desc));
	size_t *order = calloc(n ? n : 1, sizeof(*order));
	bool *alike = calloc(n ? n : 1, sizeof(*alike));
	for (size_t c = 0; desc && c < n; c++) {
		desc[c] = class_describe(t, m, c);
		if (order)
			order[c] = c;
	}
	if (desc && order && alike) {
		qsort_r(order, n, sizeof(*order), cmp_desc, desc);
		for (size_t i = 1; i < n; i++)
			if (desc[order[i]] && desc[order[i - 1]] && streq(desc[order[i]], desc[order[i - 1]]))
				alike[order[i]] = alike[order[i - 1]] = true;
	}
	for (size_t c = 0; c < n; c++) {
		size_t size = m->class_start[c + 1] - m->class_start[c];
		const struct nsim_endpoint *e = &m->src[m->members[m->class_start[c]]];
		printf("  class %-*zu %5zu %s  %s", width, c + 1, size,
		       e->kind == NSIM_EP_HOST ? (size == 1 ? "host         " : "hosts        ")
					       : (size == 1 ? "internet host" : "internet hosts"),
		       desc && desc[c] ? desc[c] : "");
		if (alike && alike[c] && e->kind == NSIM_EP_HOST) {
			char addr[NSIM_ADDR_STRLEN];
			printf(" (told apart by the rule and route CIDRs that contain its address, e.g. %s)",
			       nsim_addr_fmt(t->vpcs[e->vpc].hosts[e->idx].address, addr));
		}
		printf(": ");
		for (size_t k = 0; k < size && k < 3; k++)
			printf("%s%s", k ? ", " : "", NSIM_ESC(m->src_name[m->members[m->class_start[c] + k]]));
		if (size > 3)
			printf(" and %zu more", size - 3);
		putchar('\n');
	}
	for (size_t c = 0; desc && c < n; c++)
		free(desc[c]);
	free(desc);
	free(order);
	free(alike);
}

/* The JSON of one class: members and what defines it. */
static json_t *class_json(const struct nsim_topology *t, const struct nsim_matrix *m, size_t c)
{
	const struct nsim_endpoint *e = &m->src[m->members[m->class_start[c]]];
	json_t *members = json_array(), *groups = json_array(), *listen = json_array();
	const struct nsim_service *l;
	size_t n_l;
	for (size_t k = m->class_start[c]; k < m->class_start[c + 1]; k++)
		json_array_append_new(members, json_string(m->src_name[m->members[k]]));
	json_t *j = json_pack("{s:I, s:s, s:o}", "class", (json_int_t)c + 1, "kind",
			      e->kind == NSIM_EP_HOST ? "host" : "internet_host", "members", members);
	if (e->kind == NSIM_EP_HOST) {
		const struct nsim_vpc *v = &t->vpcs[e->vpc];
		const struct nsim_host *h = &v->hosts[e->idx];
		for (size_t k = 0; k < h->n_security_groups; k++)
			json_array_append_new(groups, json_string(h->security_groups[k].name));
		json_object_set_new(j, "vpc", json_string(v->name.name));
		json_object_set_new(j, "subnet", json_string(v->subnets[h->subnet_idx].name.name));
		json_object_set_new(j, "security_groups", groups);
		l = h->listen, n_l = h->n_listen;
	} else {
		json_decref(groups);
		json_object_set_new(j, "vpc", json_null());
		l = t->inet_hosts[e->idx].listen, n_l = t->inet_hosts[e->idx].n_listen;
	}
	for (size_t k = 0; k < n_l; k++)
		json_array_append_new(listen, json_pack("{s:i, s:i, s:s}", "from", l[k].from, "to", l[k].to, "protocol",
							nsim_proto_name(l[k].proto)));
	json_object_set_new(j, "listen", listen);
	return j;
}

static json_t *matrix_json_by_class(const struct nsim_topology *t, const struct nsim_matrix *m)
{
	json_t *classes = json_array(), *services = json_array();
	for (size_t c = 0; c < m->n_classes; c++)
		json_array_append_new(classes, class_json(t, m, c));
	for (size_t row = 0; row < m->n_rows; row++) {
		const struct nsim_matrix_service *svc = &m->svc[m->row_svc[row]];
		json_t *from = json_array();
		for (size_t c = 0; c < m->n_classes; c++)
			if (cell_reaches(m, row, c))
				json_array_append_new(from, json_integer((json_int_t)c + 1));
		json_array_append_new(services, json_pack("{s:I, s:i, s:s, s:o}", "class",
							  (json_int_t)m->src_class[svc->src] + 1, "port", svc->port,
							  "protocol", nsim_proto_name(svc->proto), "reachable_from_classes", from));
	}
	return json_pack("{s:o, s:o}", "classes", classes, "services", services);
}

/* Rows sorted so that rows with the same port and the same sources are
 * next to each other: by port, protocol and a hash of the sources, then by
 * row (so a run's first row is its smallest). */
struct row_key {
	const struct nsim_matrix *m;
	const uint64_t *hash;
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct row_key *k = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct nsim_matrix_service *sx = &k->m->svc[k->m->row_svc[x]], *sy = &k->m->svc[k->m->row_svc[y]];
	if (sx->port != sy->port)
		return sx->port < sy->port ? -1 : 1;
	if (sx->proto != sy->proto)
		return sx->proto < sy->proto ? -1 : 1;
	if (k->hash[x] != k->hash[y])
		return k->hash[x] < k->hash[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static bool same_row(const struct nsim_matrix *m, size_t x, size_t y)
{
	const struct nsim_matrix_service *sx = &m->svc[m->row_svc[x]], *sy = &m->svc[m->row_svc[y]];
	if (sx->port != sy->port || sx->proto != sy->proto)
		return false;
	for (size_t c = 0; c < m->n_classes; c++)
		if (cell_reaches(m, x, c) != cell_reaches(m, y, c))
			return false;
	return true;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* The sources of a line of classes: per group (internet first, the
 * destination's VPC last), the classes that reach it, or "all N classes"
 * when every class of the VPC does. */
static void class_sources_text(const struct nsim_topology *t, const struct nsim_matrix *m, size_t row, size_t own,
			       size_t *buf)
{
	bool any = false;
	size_t total = 0;
	for (size_t c = 0; c < m->n_classes; c++)
		total += cell_reaches(m, row, c);
	if (!total) {
		printf("nobody");
		return;
	}
	for (size_t k = 0; k <= t->n_vpcs; k++) {
		size_t g = group_order(t, own, k), n = 0, all = 0, hosts = 0;
		for (size_t c = 0; c < m->n_classes; c++) {
			if (group_of(t, &m->src[m->members[m->class_start[c]]]) != g)
				continue;
			all++;
			if (cell_reaches(m, row, c)) {
				buf[n++] = c;
				hosts += m->class_start[c + 1] - m->class_start[c];
			}
		}
		if (!group_start(t, g, n, &any))
			continue;
		if (g == t->n_vpcs) {
			for (size_t i = 0; i < n && i < MATRIX_SHOWN; i++)
				printf("%s%s", i ? ", " : "", NSIM_ESC(m->src_name[m->members[m->class_start[buf[i]]]]));
			if (n > MATRIX_SHOWN)
				printf(" and %zu more", n - MATRIX_SHOWN);
			continue;
		}
		if (n == all && n > 1)
			printf("all %zu classes (%zu hosts)", n, hosts);
		else {
			printf("%s ", n == 1 ? "class" : "classes");
			print_ranges(buf, n);
			printf(" (%zu %s)", hosts, hosts == 1 ? "host" : "hosts");
		}
	}
}

static void matrix_text_by_class(const struct nsim_topology *t, const struct nsim_matrix *m)
{
	size_t rows = m->n_rows ? m->n_rows : 1;
	_cleanup_free_ size_t *order = calloc(rows, sizeof(*order)), *run_start = calloc(rows + 1, sizeof(*run_start));
	_cleanup_free_ size_t *run_first = calloc(rows, sizeof(*run_first)), *dst = calloc(rows, sizeof(*dst));
	_cleanup_free_ size_t *buf = calloc(m->n_classes ? m->n_classes : 1, sizeof(*buf));
	_cleanup_free_ uint64_t *hash = calloc(rows, sizeof(*hash));
	if (!order || !run_start || !run_first || !dst || !buf || !hash) {
		printf("\n(out of memory for the matrix)\n");
		return;
	}
	int width = snprintf(NULL, 0, "%zu", m->n_classes);
	printf("\nwho can reach what, by class (model; %zu sources in %zu classes, %zu listening ports in %zu rows):\n",
	       m->n_src, m->n_classes, m->n_svc, m->n_rows);
	classes_text(t, m, width);
	/* rows with the same port and the same sources: one line, a run of order[] */
	struct row_key key = {m, hash};
	for (size_t r = 0; r < m->n_rows; r++) {
		uint64_t h = 1469598103934665603ULL; /* FNV-1a over the classes that reach the row */
		for (size_t c = 0; c < m->n_classes; c++)
			if (cell_reaches(m, r, c))
				h = (h ^ c) * 1099511628211ULL;
		hash[r] = h;
		order[r] = r;
	}
	qsort_r(order, m->n_rows, sizeof(*order), cmp_rows, &key);
	size_t n_runs = 0;
	for (size_t i = 0; i < m->n_rows; i++)
		if (!i || !same_row(m, order[i - 1], order[i]))
			run_start[n_runs++] = i;
	run_start[n_runs] = m->n_rows;
	/* the lines in the order of their first row; run_first[k]: run k's first row << 32 | k */
	for (size_t k = 0; k < n_runs; k++)
		run_first[k] = order[run_start[k]] << 32 | k;
	qsort(run_first, n_runs, sizeof(*run_first), cmp_size);
	/* the label column: as wide as the widest "classes 1-50" (at most 40) */
	size_t wl = 0;
	char label[128];
	for (int pass = 0; pass < 2; pass++)
		for (size_t l = 0; l < n_runs; l++) {
			size_t k = run_first[l] & 0xffffffff, n = 0;
			for (size_t i = run_start[k]; i < run_start[k + 1]; i++)
				dst[n++] = m->src_class[m->svc[m->row_svc[order[i]]].src];
			qsort(dst, n, sizeof(*dst), cmp_size);
			size_t u = 0;
			for (size_t i = 0; i < n; i++)
				if (!u || dst[u - 1] != dst[i])
					dst[u++] = dst[i];
			snprint_ranges(label, sizeof(label), "class", "classes", dst, u);
			if (pass == 0) {
				wl = strlen(label) > wl ? strlen(label) : wl;
				continue;
			}
			const struct nsim_matrix_service *svc = &m->svc[m->row_svc[order[run_start[k]]]];
			printf("  ");
			print_padded(label, wl < 40 ? wl : 40);
			printf(" %5u/%-4s ← ", svc->port, nsim_proto_name(svc->proto));
			class_sources_text(t, m, order[run_start[k]], group_of(t, &m->src[svc->src]), buf);
			putchar('\n');
		}
}

/* One service's sources (not itself): per group, internet first and the
 * service's own VPC last, by name, or "all N hosts" when the whole VPC
 * reaches it. */
static void host_sources_text(const struct nsim_topology *t, const struct nsim_matrix *m, size_t s)
{
	const struct nsim_matrix_service *svc = &m->svc[s];
	size_t own = group_of(t, &m->src[svc->src]);
	bool any = false;
	size_t total = 0;
	for (size_t c = 0; c < m->n_classes; c++)
		if (cell_reaches(m, svc->row, c))
			total += m->class_start[c + 1] - m->class_start[c] - (c == m->src_class[svc->src]);
	if (!total) {
		printf("nobody");
		return;
	}
	for (size_t k = 0; k <= t->n_vpcs; k++) {
		size_t g = group_order(t, own, k), n = 0, all = 0;
		for (size_t c = 0; c < m->n_classes; c++) {
			if (group_of(t, &m->src[m->members[m->class_start[c]]]) != g)
				continue;
			size_t size = m->class_start[c + 1] - m->class_start[c];
			size_t self = c == m->src_class[svc->src];
			all += size - self;
			if (cell_reaches(m, svc->row, c))
				n += size - self;
		}
		if (!group_start(t, g, n, &any))
			continue;
		if (n == all && n > MATRIX_SHOWN && g != t->n_vpcs) {
			printf("all %zu %shosts", n, g == own ? "other " : "");
			continue;
		}
		size_t shown = 0;
		for (size_t i = 0; i < m->n_src && shown < MATRIX_SHOWN; i++)
			if (i != svc->src && group_of(t, &m->src[i]) == g && reaches(m, s, i))
				printf("%s%s", shown++ ? ", " : "", NSIM_ESC(m->src_name[i]));
		if (n > shown)
			printf(" and %zu more", n - shown);
	}
}

static int matrix(const struct nsim_topology *t, const struct nsim_analyzer *an, bool json, bool by_class,
		  json_t *doc)
{
	_cleanup_(nsim_matrix_freep) struct nsim_matrix *m = NULL;
	double t0 = nsim_clock_ms(CLOCK_MONOTONIC);
	int r = nsim_analyze_matrix(an, false, &m);
	if (r < 0)
		return r;
	double ms = nsim_clock_ms(CLOCK_MONOTONIC) - t0;
	if (by_class && json) {
		json_t *j = matrix_json_by_class(t, m);
		json_object_set_new(j, "flows", json_integer((json_int_t)m->flows));
		json_object_set_new(j, "walked", json_integer((json_int_t)m->walked));
		json_object_set_new(j, "ms", json_real(ms));
		json_object_set_new(doc, "matrix", j);
		return 0;
	}
	if (by_class) {
		matrix_text_by_class(t, m);
		printf("(%zu host pairs, %zu class pairs walked in %.1f ms)\n", m->flows, m->walked, ms);
		return 0;
	}
	json_t *list = json ? json_array() : NULL;
	if (!json)
		printf("\nwho can reach what (model; %zu sources, %zu listening ports):\n", m->n_src, m->n_svc);
	for (size_t s = 0; s < m->n_svc; s++) {
		const struct nsim_matrix_service *svc = &m->svc[s];
		const char *name = m->src_name[svc->src];
		if (json) {
			json_t *from = json_array();
			for (size_t i = 0; i < m->n_src; i++)
				if (reaches(m, s, i))
					json_array_append_new(from, json_string(m->src_name[i]));
			json_array_append_new(list, json_pack("{s:s, s:i, s:s, s:o}", "host", name, "port", svc->port,
							      "protocol", nsim_proto_name(svc->proto), "reachable_from", from));
			continue;
		}
		printf("  %-16s %5u/%-4s ← ", NSIM_ESC(name), svc->port, nsim_proto_name(svc->proto));
		host_sources_text(t, m, s);
		putchar('\n');
	}
	ms = nsim_clock_ms(CLOCK_MONOTONIC) - t0;
	if (json)
		json_object_set_new(doc, "matrix",
				    json_pack("{s:o, s:I, s:I, s:f}", "services", list, "flows", (json_int_t)m->flows,
					      "walked", (json_int_t)m->walked, "ms", ms));
	else
		printf("(%zu host pairs, %zu class pairs walked in %.1f ms)\n", m->flows, m->walked, ms);
	return 0;
}

int nsim_cmd_analyze(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"matrix", no_argument, NULL, 'm'},
					     {"by-class", no_argument, NULL, 'c'},
					     {}};
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	_cleanup_(nsim_analyzer_freep) struct nsim_analyzer *an = NULL;
	bool json = false, with_matrix = false, by_class = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'm')
			with_matrix = true;
		else if (c == 'c')
			by_class = with_matrix = true;
		else
			return nsim_cli_usage_error("analyze", "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return nsim_cli_usage_error("analyze", "usage: netsim analyze FILE [--json] [--matrix [--by-class]]");
	int r = nsim_cli_load(argv[optind], &t);
	if (r != NSIM_EXIT_OK)
		return r;
	if ((r = nsim_analyzer_new(t, &an)) < 0) {
		fprintf(stderr, "netsim analyze: error: %s\n", strerror(-r));
		return NSIM_EXIT_FAIL;
	}
	r = NSIM_EXIT_OK;
	size_t failed = 0, commands = 0;
	json_t *list = json_array();
	for (size_t i = 0; i < t->n_expects; i++) {
		const struct nsim_expect *e = &t->expects[i];
		if (e->command.argc) {
			commands++;
			continue; /* command: expectations run programs; the model has no flow for them */
		}
		struct nsim_flow f = nsim_analyze_expect_flow(t, e);
		struct nsim_analysis a;
		if (nsim_analyzer_flow(an, &f, true, &a) < 0)
			continue;
		bool ok = nsim_analyze_expect_holds(e, &a);
		/* blocked_by: the deciding component must be the one named */
		char why[sizeof(a.explanation) + 200] = "";
		bool by = !ok || nsim_analyze_blocked_by_match(t, e, &a, why, sizeof(why));
		ok = ok && by;
		failed += !ok;
		/* what would make a failed expectation hold */
		struct nsim_fix fix = {0};
		if (!ok && by && a.prediction == NSIM_PREDICT_REACHABLE)
			nsim_analyze_fix_close(t, &f, &a, &fix);
		else if (!ok && by && e->verdict == NSIM_VERDICT_REACHABLE)
			fix = a.fix;
		char target[96], addr[NSIM_ADDR_STRLEN];
		if (f.proto == NSIM_PROTO_ICMP)
			snprintf(target, sizeof(target), "%s icmp", e->to.ref.name);
		else
			snprintf(target, sizeof(target), "%s:%u/%s", e->to.ref.name, f.dport, nsim_proto_name(f.proto));
		if (json) {
			json_t *x = json_pack("{s:i, s:s?, s:s, s:s, s:s, s:s, s:b, s:o}", "index", (json_int_t)i + 1, "name",
					      e->name.name, "from", e->from.ref.name, "to", e->to.ref.name, "address",
					      nsim_addr_fmt(f.dst, addr), "expected", nsim_verdict_name(e->verdict), "holds", ok,
					      "predicted", nsim_report_analysis_json(&a));
			json_object_set_new(x, "protocol", json_string(nsim_proto_name(f.proto)));
			if (f.proto != NSIM_PROTO_ICMP)
				json_object_set_new(x, "port", json_integer(f.dport));
			json_object_set_new(x, "blocked_by", e->blocked_by.name ? json_string(e->blocked_by.name) : json_null());
			json_object_set_new(x, "reason", why[0] ? json_string(why) : json_null());
			json_object_set_new(x, "fix", nsim_report_fix_json(&fix));
			json_array_append_new(list, x);
			continue;
		}
		char flow[160];
		snprintf(flow, sizeof(flow), "%s → %s", NSIM_ESC(e->from.ref.name), NSIM_ESC(target));
		/* the columns padded, the line not: no trailing spaces */
		char line[sizeof(flow) + 400];
		int len = snprintf(line, sizeof(line), "%s %-40s predicted %-11s %-24s %s", ok ? "✓" : "✗", flow,
				   nsim_prediction_name(a.prediction), a.reason ? nsim_reason_code(a.reason) : "",
				   e->name.name ? NSIM_ESC(e->name.name) : "");
		len = len < 0 ? 0 : len >= (int)sizeof(line) ? (int)sizeof(line) - 1 : len;
		while (len > 0 && line[len - 1] == ' ')
			line[--len] = '\0';
		puts(line);
		if (why[0])
			printf("    %s\n", NSIM_ESC(why));
		else if (!ok || a.reason)
			printf("    %s%s\n", ok ? "" : "expected ", ok ? NSIM_ESC(a.explanation) : nsim_verdict_name(e->verdict));
		if (!ok && !why[0] && a.explanation[0])
			printf("    %s\n", NSIM_ESC(a.explanation));
		if (a.prediction == NSIM_PREDICT_INTERMITTENT)
			nsim_report_port_legs(stdout, &a, "    ");
		if (!ok && fix.text[0])
			printf("    fix: %s\n", NSIM_ESC(fix.text));
	}
	size_t held = t->n_expects - commands - failed; /* command: expectations are not predicted */
	json_t *doc = json ? json_pack("{s:s, s:i, s:i, s:o}", "topology", t->name.name, "predicted_to_hold",
				       (json_int_t)held, "predicted_to_fail", (json_int_t)failed,
				       "expectations", list)
			   : (json_decref(list), NULL);
	if (!json)
		printf("\n%zu predicted to hold, %zu predicted to fail%s\n", held, failed,
		       commands ? " (command: expectations are run by `netsim test` only)" : "");
	if (with_matrix && matrix(t, an, json, by_class, doc) < 0)
		r = NSIM_EXIT_FAIL;
	if (json) {
		json_dumpf(doc, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(doc);
	}
	return r != NSIM_EXIT_OK ? r : failed ? NSIM_EXIT_FAIL : NSIM_EXIT_OK;
}
