/* SPDX-License-Identifier: MIT */
/* plan, up, down, ls, show, exec: the topology as a running network. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/apply.h"
#include "cli/cli.h"
#include "instance/instance.h"
#include "instance/proc.h"
#include "load/load.h"
#include "model/strv.h"
#include "model/util.h"
#include "plan/plan.h"
#include "report/escape.h"
#include "report/report.h"
#include "report/show.h"
#include "report/state.h"
#include "validate/validate.h"

const char nsim_help_plan[] =
	"Prints the ordered kernel operations `netsim up FILE` would perform, as the\n"
	"equivalent iproute2 and nft commands (netsim itself uses netlink and\n"
	"libnftables, never these tools), with the nftables rulesets in full. Needs\n"
	"no root and touches nothing.\n\n"
	"Options:\n"
	"  --name NAME   plan for instance NAME (default: the topology's name)\n"
	"  --json        the operations as JSON\n";

const char nsim_help_up[] =
	"Validates FILE and builds it in network namespaces named netsim-NAME-NODE:\n"
	"a namespace per host, VPC router, internet gateway, NAT gateway and internet\n"
	"host, with routes, policy rules and nftables NAT, and a responder on every\n"
	"`listen:` port. Nothing in the root namespace changes. If any step fails,\n"
	"everything made so far is removed. Needs root.\n\n"
	"Options:\n"
	"  --name NAME   instance name (default: the topology's name), [a-z0-9-], 1-24 chars\n\n"
	"Environment: NETSIM_FAIL_AT=N makes the Nth kernel operation fail (for tests);\n"
	"NETSIM_STATE_DIR (default /run/netsim) for tests and isolated CI jobs.\n";

const char nsim_help_down[] =
	"Removes instance NAME: the processes it started (responders), the namespaces\n"
	"its record lists (and with them every interface, route and rule) and its\n"
	"state in /run/netsim/NAME. Also after an `up` that was killed half-way.\n"
	"Running it twice is fine. Namespaces no record lists are left alone.\n\n"
	"Options:\n"
	"  --all   remove every netsim instance, one at a time\n\n"
	"Environment: NETSIM_STATE_DIR (default /run/netsim), for tests and isolated CI jobs.\n";

const char nsim_help_ls[] = "Lists the instances that are up, and netsim-* namespaces no instance owns\n"
			    "(foreign: netsim leaves them alone), counted per prefix (netsim-NAME-*).\n\n"
			    "Options:\n  --all    each foreign namespace, one per line\n"
			    "  --json   as JSON (every foreign namespace)\n";

const char nsim_help_show[] =
	"Shows the structure of a topology as the AWS console lists it: per VPC, its\n"
	"subnets (CIDR, AZ, public or private, route table with its routes, network\n"
	"ACL, hosts with address, public IP and security groups, NAT gateways with\n"
	"their elastic IP), its endpoints and prefix lists, its network ACLs and\n"
	"security groups with one rule per line; then peerings and the internet.\n"
	"FILE: a topology file (no root needed; an argument with '/' or '.' is a\n"
	"file). NAME: an instance that is up, from the file it was built from, and\n"
	"then its hosts: namespace, address, public IP, status.\n\n"
	"Options:\n  --json   the same as JSON (docs/commands.md, \"show --json\")\n";

const char nsim_help_exec[] =
	"Runs CMD inside the network namespace of HOST of instance NAME (any host,\n"
	"internet host, NAT gateway, internet gateway or VPC router by name), with\n"
	"stdin, stdout and stderr passed through; exits with CMD's status. CMD sees\n"
	"the host's DNS configuration (its VPC's resolver in /etc/resolv.conf, its\n"
	"/etc/hosts) through a private mount namespace, and NETSIM_HOST and\n"
	"NETSIM_INSTANCE in its environment. `netsim down` stops it.\n"
	"Example: netsim exec serverless-backend fn -- nc 198.51.100.20 443\n";

/* getopt_long over argv with only --name/--json/--all, each where the command
 * takes it (its synopsis in cli/main.c says so); returns <0 on a usage error. */
struct opts {
	const char *name;
	bool json, all;
};

static int parse_opts(const char *cmd, int argc, char **argv, bool allow_name, bool allow_json, bool allow_all,
		      struct opts *o)
{
	static const struct option long_opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"all", no_argument, NULL, 'a'},
		{},
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (c == 'n' && allow_name)
			o->name = optarg;
		else if (c == 'j' && allow_json)
			o->json = true;
		else if (c == 'a' && allow_all)
			o->all = true;
		else {
			nsim_cli_usage_error(cmd, c == ':' || (optopt && c == '?' && optopt == 'n')
							  ? "option '%s' needs a value"
							  : "unknown option '%s'",
					     argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

static int load_plan(const char *cmd, const char *path, const char *name, struct nsim_topology **ret_t,
		     struct nsim_plan **ret_p, char **ret_text)
{
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	_cleanup_(nsim_plan_freep) struct nsim_plan *p = NULL;
	_cleanup_free_ char *text = NULL;
	int r = nsim_cli_load_text(path, &t, &text);
	if (r != NSIM_EXIT_OK)
		return r;
	if (name && !nsim_plan_name_valid(name))
		return nsim_cli_usage_error(cmd, "--name '%s': invalid instance name: " NSIM_NAME_RULE, NSIM_ESC(name));
	if ((r = nsim_plan_build(t, name, &p)) < 0) {
		fprintf(stderr, "netsim %s: error: planning failed: %s\n", cmd, strerror(-r));
		return NSIM_EXIT_FAIL;
	}
	*ret_t = TAKE_PTR(t);
	*ret_p = TAKE_PTR(p);
	if (ret_text)
		*ret_text = TAKE_PTR(text);
	return NSIM_EXIT_OK;
}

static json_t *op_json(const struct nsim_op *o)
{
	static const char *const kinds[] = {
		[NSIM_OP_NETNS] = "netns", [NSIM_OP_SYSCTL] = "sysctl", [NSIM_OP_VETH] = "veth",
		[NSIM_OP_LINK_UP] = "link-up", [NSIM_OP_ADDR] = "addr", [NSIM_OP_ROUTE] = "route",
		[NSIM_OP_RULE] = "rule", [NSIM_OP_NFT] = "nft", [NSIM_OP_NEIGH] = "neigh",
	};
	char line[512];
	nsim_plan_op_format(o, line, sizeof(line));
	json_t *j = json_pack("{s:s, s:s, s:s}", "op", kinds[o->kind], "namespace", o->ns, "command", line);
	if (o->comment)
		json_object_set_new(j, "comment", json_string(o->comment));
	if (o->text)
		json_object_set_new(j, "ruleset", json_string(o->text));
	return j;
}

/* A process of the plan (a resolver, a service) with the files written for it. */
static json_t *process_json(const struct nsim_plan_process *pr)
{
	json_t *argv = json_array(), *files = json_array();
	for (size_t k = 0; pr->argv && k < pr->argv->argc; k++)
		json_array_append_new(argv, json_string(pr->argv->argv[k]));
	for (size_t k = 0; k < pr->n_files; k++)
		json_array_append_new(files, json_pack("{s:s, s:s}", "name", pr->files[k].name, "text", pr->files[k].text));
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "kind", pr->kind == NSIM_PROCESS_RESOLVER ? "resolver" : "service",
			 "name", pr->name, "namespace", pr->ns, "argv", argv, "files", files);
}

int nsim_cmd_plan(int argc, char **argv)
{
	struct opts o = {0};
	int i = parse_opts("plan", argc, argv, true, true, false, &o);
	if (i < 0)
		return NSIM_EXIT_USAGE;
	if (i != argc - 1)
		return nsim_cli_usage_error("plan", i >= argc ? "no topology file given" : "one topology file at a time");
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	_cleanup_(nsim_plan_freep) struct nsim_plan *p = NULL;
	int r = load_plan("plan", argv[i], o.name, &t, &p, NULL);
	if (r != NSIM_EXIT_OK)
		return r;

	if (o.json) {
		json_t *ops = json_array();
		for (size_t k = 0; k < p->n_ops; k++)
			json_array_append_new(ops, op_json(&p->ops[k]));
		json_t *procs = json_array();
		for (size_t k = 0; k < p->n_processes; k++)
			json_array_append_new(procs, process_json(&p->processes[k]));
		json_t *j = json_pack("{s:s, s:o, s:o}", "name", p->name, "operations", ops, "processes", procs);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else
		nsim_report_plan_text(stdout, p);
	return NSIM_EXIT_OK;
}

static void print_hosts_table(const struct nsim_plan *p)
{
	printf("%-16s %-12s %-20s %-15s %s\n", "HOST", "KIND", "WHERE", "ADDRESS", "PUBLIC IP");
	for (size_t i = 0; i < p->n_hosts; i++) {
		const struct nsim_plan_host *h = &p->hosts[i];
		char a[NSIM_ADDR_STRLEN], pub[NSIM_ADDR_STRLEN];
		printf("%-16s %-12s %-20s %-15s %s\n", NSIM_ESC(h->name), h->kind, NSIM_ESC(h->where), nsim_addr_fmt(h->addr, a),
		       h->public_ip ? nsim_addr_fmt(h->public_ip, pub) : "-");
	}
}

int nsim_cmd_up(int argc, char **argv)
{
	struct opts o = {0};
	int i = parse_opts("up", argc, argv, true, false, false, &o);
	if (i < 0)
		return NSIM_EXIT_USAGE;
	if (i != argc - 1)
		return nsim_cli_usage_error("up", i >= argc ? "no topology file given" : "one topology file at a time");
	int r = nsim_cli_need_root("up");
	if (r)
		return r;
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	_cleanup_(nsim_plan_freep) struct nsim_plan *p = NULL;
	_cleanup_free_ char *text = NULL, *error = NULL;
	if ((r = load_plan("up", argv[i], o.name, &t, &p, &text)) != NSIM_EXIT_OK)
		return r;

	struct nsim_up_stats stats;
	int k = nsim_instance_up(p, argv[i], text, &stats, &error);
	if (k < 0) {
		fprintf(stderr, "netsim up: error: %s\n", error ? error : strerror(-k));
		if (k != -EEXIST && k != -ELOOP && k != -ENOTDIR) /* those refuse before anything is made */
			fprintf(stderr, "netsim up: everything made so far was removed\n");
		r = k == -EPERM || k == -EOPNOTSUPP || k == -EAFNOSUPPORT || k == -EPROTONOSUPPORT ? NSIM_EXIT_ENV
												       : NSIM_EXIT_FAIL;
	} else {
		printf("netsim: '%s' is up: %zu namespaces, %zu operations in %.1f ms\n\n", p->name,
		       stats.n_namespaces, stats.n_ops, stats.ms);
		print_hosts_table(p);
		printf("\nInspect: sudo netsim exec %s HOST -- COMMAND    Remove: sudo netsim down %s\n", p->name,
		       p->name);
	}
	return r;
}

static int down_one(const char *name)
{
	_cleanup_(nsim_instance_down_result_clear) struct nsim_down_result res = {0};
	_cleanup_free_ char *error = NULL;
	int r = nsim_instance_down(name, &res, &error);
	if (r < 0) {
		fprintf(stderr, "netsim down: error: '%s': %s\n", name, error ? error : strerror(-r));
		return NSIM_EXIT_FAIL;
	}
	for (size_t i = 0; i < res.stopped.n; i++)
		printf("netsim: '%s': stopped %s\n", name, res.stopped.v[i]);
	for (size_t i = 0; i < res.still_running.n; i++)
		fprintf(stderr, "netsim down: warning: '%s': %s is still running after SIGTERM and SIGKILL (it keeps "
				"that namespace alive until it exits)\n", name, res.still_running.v[i]);
	printf(res.found ? "netsim: '%s' is down\n" : "netsim: '%s' was not up: nothing to remove\n", name);
	return NSIM_EXIT_OK;
}

int nsim_cmd_down(int argc, char **argv)
{
	struct opts o = {0};
	int i = parse_opts("down", argc, argv, false, false, true, &o);
	if (i < 0)
		return NSIM_EXIT_USAGE;
	if (o.all ? i != argc : i != argc - 1)
		return nsim_cli_usage_error("down", o.all ? "--all takes no name" : "give one NAME, or --all");
	int r = nsim_cli_need_root("down");
	if (r)
		return r;
	if (!o.all) {
		if (!nsim_plan_name_valid(argv[i]))
			return nsim_cli_usage_error("down", "NAME '%s': invalid instance name: " NSIM_NAME_RULE,
						    NSIM_ESC(argv[i]));
		return down_one(argv[i]);
	}

	_cleanup_(nsim_strv_freep) char **names = NULL;
	_cleanup_free_ char *error = NULL;
	size_t n = 0;
	if ((r = nsim_instance_list(&names, &n, &error)) < 0) {
		fprintf(stderr, "netsim down: error: %s\n", error ? error : strerror(-r));
		return r == -EACCES ? NSIM_EXIT_ENV : NSIM_EXIT_FAIL;
	}
	int status = NSIM_EXIT_OK;
	/* each under its own lock, in turn */
	for (size_t k = 0; k < n; k++)
		if (down_one(names[k]) != NSIM_EXIT_OK)
			status = NSIM_EXIT_FAIL;
	/* netsim deletes only what its records name */
	_cleanup_(nsim_strv_freep) char **foreign = NULL;
	if (nsim_instance_foreign_namespaces(&foreign, &n) == 0)
		for (size_t k = 0; k < n; k++)
			printf("netsim: left alone: namespace %s (no netsim record owns it)\n", foreign[k]);
	return status;
}

/* A foreign namespace's instance-like prefix: its name up to the last '-'
 * (netsim-NAME-NODE: netsim-NAME), the whole name when that leaves netsim-. */
static size_t foreign_prefix_len(const char *ns)
{
	const char *dash = strrchr(ns, '-');
	size_t len = dash ? (size_t)(dash - ns) : strlen(ns);
	return len > strlen(NSIM_NETNS_PREFIX) ? len : strlen(ns);
}

static int cmp_foreign(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = foreign_prefix_len(x), ly = foreign_prefix_len(y);
	int c = strncmp(x, y, lx < ly ? lx : ly);
	if (c || lx != ly)
		return c ? c : lx < ly ? -1 : 1;
	return strcmp(x, y);
}

/* Thousands of stray namespaces (killed test runs) as one line per
 * instance-like prefix with its count: `ls --all` lists each. */
#define LS_PREFIXES_SHOWN 20
static void foreign_by_prefix(char **foreign, size_t n)
{
	qsort(foreign, n, sizeof(*foreign), cmp_foreign);
	size_t groups = 0, shown = 0;
	for (size_t k = 0; k < n;) {
		size_t len = foreign_prefix_len(foreign[k]), j = k + 1;
		while (j < n && foreign_prefix_len(foreign[j]) == len && strncmp(foreign[j], foreign[k], len) == 0)
			j++;
		groups++;
		if (shown < LS_PREFIXES_SHOWN) {
			shown++;
			if (j - k == 1)
				printf("  %s\n", NSIM_ESC(foreign[k]));
			else {
				char prefix[300];
				snprintf(prefix, sizeof(prefix), "%.*s-*", (int)len, foreign[k]);
				printf("  %-40s %zu namespaces\n", NSIM_ESC(prefix), j - k);
			}
		}
		k = j;
	}
	if (groups > shown)
		printf("  and %zu more prefixes (%zu namespaces in all)\n", groups - shown, n);
	if (groups < n || groups > shown)
		printf("'netsim ls --all' lists each; 'ip netns del NAME' removes one that is yours.\n");
}

int nsim_cmd_ls(int argc, char **argv)
{
	struct opts o = {0};
	int i = parse_opts("ls", argc, argv, false, true, true, &o);
	if (i < 0)
		return NSIM_EXIT_USAGE;
	if (i != argc)
		return nsim_cli_usage_error("ls", "unexpected argument '%s'", argv[i]);
	_cleanup_(nsim_strv_freep) char **names = NULL, **foreign = NULL;
	_cleanup_free_ char *error = NULL;
	size_t n = 0, n_foreign = 0;
	int r = nsim_instance_list(&names, &n, &error);
	if (r == 0)
		r = nsim_instance_foreign_namespaces(&foreign, &n_foreign);
	if (r < 0) {
		fprintf(stderr, "netsim ls: error: %s\n", error ? error : strerror(-r));
		return r == -EACCES ? NSIM_EXIT_ENV : NSIM_EXIT_FAIL;
	}
	json_t *all = json_array();
	if (!o.json && n)
		printf("%-24s %-6s %-10s %s\n", "NAME", "HOSTS", "UP (ms)", "TOPOLOGY");
	for (size_t k = 0; k < n; k++) {
		char *text = NULL;
		json_t *j = nsim_instance_read_state(names[k], &text) == 0 ? json_loads(text, 0, NULL) : NULL;
		free(text);
		if (!j) /* `up` still running, or killed: listed, so `down` is known to be needed */
			j = json_pack("{s:s, s:s}", "name", names[k], "status", "incomplete");
		else
			json_object_set_new(j, "status", json_string("up"));
		if (!o.json) {
			json_t *hosts = json_object_get(j, "hosts"), *up = json_object_get(j, "up");
			const char *topo = json_string_value(json_object_get(j, "topology"));
			char ms[32] = "-";
			if (up)
				snprintf(ms, sizeof(ms), "%.1f", json_real_value(json_object_get(up, "ms")));
			printf("%-24s %-6zu %-10s %s\n", names[k], hosts ? json_array_size(hosts) : 0, ms,
			       topo ? NSIM_ESC(topo) : "(incomplete: run 'netsim down' on it)");
		}
		json_array_append_new(all, j);
	}
	for (size_t k = 0; k < n_foreign; k++)
		json_array_append_new(all, json_pack("{s:s, s:s}", "namespace", foreign[k], "status", "foreign"));
	if (o.json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		if (!n)
			printf("no netsim topology is up\n");
		if (n_foreign)
			printf("\nforeign namespaces (named netsim-*, but no record in %s owns them; netsim leaves "
			       "them alone):\n", nsim_instance_state_dir());
		if (o.all)
			for (size_t k = 0; k < n_foreign; k++)
				printf("  %s\n", foreign[k]);
		else
			foreign_by_prefix(foreign, n_foreign);
	}
	json_decref(all);
	return NSIM_EXIT_OK;
}

static bool ns_exists(const char *ns)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", NSIM_NETNS_RUN_DIR, ns);
	return access(path, F_OK) == 0;
}

/* A NAME is [a-z0-9-]: an argument with '/' or '.' (or "-") is a file. */
static bool is_file_arg(const char *arg)
{
	return streq(arg, "-") || strchr(arg, '/') || strchr(arg, '.');
}

static int show_print(const struct opts *o, json_t *doc)
{
	if (o->json) {
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
	} else
		nsim_report_show_text(stdout, doc);
	return NSIM_EXIT_OK;
}

static int show_file(const struct opts *o, const char *path)
{
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	json_t *doc = NULL;
	int r = nsim_cli_load(path, &t);
	if (r != NSIM_EXIT_OK)
		return r;
	if (nsim_report_show_json(t, &doc) < 0) {
		fprintf(stderr, "netsim show: error: out of memory\n");
		return NSIM_EXIT_FAIL;
	}
	r = show_print(o, doc);
	json_decref(doc);
	return r;
}

int nsim_cmd_show(int argc, char **argv)
{
	struct opts o = {0};
	int i = parse_opts("show", argc, argv, false, true, false, &o);
	if (i < 0)
		return NSIM_EXIT_USAGE;
	if (i != argc - 1)
		return nsim_cli_usage_error("show", "give the NAME of a topology that is up (see 'netsim ls'), or a FILE");
	if (is_file_arg(argv[i]))
		return show_file(&o, argv[i]);
	if (!nsim_plan_name_valid(argv[i]))
		return nsim_cli_usage_error("show", "NAME '%s': invalid instance name: " NSIM_NAME_RULE
					    " (a FILE: write ./%s)", NSIM_ESC(argv[i]), NSIM_ESC(argv[i]));
	char *text = NULL;
	int r = nsim_instance_read_state(argv[i], &text);
	if (r < 0) {
		char dir[4096];
		struct stat st;
		snprintf(dir, sizeof(dir), "%s/%s", nsim_instance_state_dir(), argv[i]);
		if (r == -ENOENT && stat(dir, &st) == 0)
			fprintf(stderr, "netsim show: error: '%s' is incomplete (its `up` is running, or was interrupted): "
					"'netsim down %s' removes what it made\n", argv[i], argv[i]);
		else
			fprintf(stderr, "netsim show: error: '%s' is not up%s\n", argv[i],
				r == -EACCES ? " (or you are not root)" : "");
		return r == -EACCES ? NSIM_EXIT_ENV : NSIM_EXIT_FAIL;
	}
	json_t *j = NULL;
	_cleanup_free_ char *error = NULL;
	r = nsim_report_state_parse(text, &j, &error);
	free(text);
	if (r < 0) {
		if (r == -ENOMEM)
			fprintf(stderr, "netsim show: error: out of memory\n");
		else
			fprintf(stderr, "netsim show: error: %s/%s/state.json: %s: 'netsim down %s' removes what it made\n",
				nsim_instance_state_dir(), argv[i], NSIM_ESC(error), argv[i]);
		return NSIM_EXIT_FAIL;
	}
	json_t *hosts = json_object_get(j, "hosts");
	size_t k;
	json_t *h;
	json_array_foreach(hosts, k, h)
	{
		const char *ns = json_string_value(json_object_get(h, "namespace"));
		json_object_set_new(h, "status", json_string(ns && ns_exists(ns) ? "up" : "missing"));
	}
	/* every namespace the state records (routers, gateways, the internet's
	 * too, not only the hosts'): those gone since */
	json_t *missing = json_array();
	json_array_foreach(json_object_get(j, "namespaces"), k, h)
		if (json_is_string(h) && !ns_exists(json_string_value(h)))
			json_array_append(missing, h);
	if (!missing || json_object_set_new(j, "missing_namespaces", missing) < 0) {
		json_decref(j);
		fprintf(stderr, "netsim show: error: out of memory\n");
		return NSIM_EXIT_FAIL;
	}
	/* the structure, from the file as `up` loaded it */
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	_cleanup_free_ char *path = NULL;
	json_t *doc = NULL;
	if (asprintf(&path, "%s/%s/topology.yaml", nsim_instance_state_dir(), argv[i]) < 0) {
		path = NULL;
		json_decref(j);
		fprintf(stderr, "netsim show: error: out of memory\n");
		return NSIM_EXIT_FAIL;
	}
	if ((r = nsim_cli_load(path, &t)) != NSIM_EXIT_OK) {
		json_decref(j);
		return r;
	}
	/* then what is up: state.json's keys, its "name" as "instance" and its
	 * "topology" (the file's path) as "file" */
	r = nsim_report_show_json(t, &doc);
	const char *key;
	json_t *v;
	json_object_foreach(r < 0 ? NULL : j, key, v)
	{
		const char *as = streq(key, "name") ? "instance" : streq(key, "topology") ? "file" : key;
		if (json_object_get(doc, as) || json_object_set(doc, as, v) < 0)
			r = -ENOMEM;
	}
	json_decref(j);
	if (r < 0) {
		json_decref(doc);
		fprintf(stderr, "netsim show: error: out of memory\n");
		return NSIM_EXIT_FAIL;
	}
	r = show_print(&o, doc);
	json_decref(doc);
	return r;
}

int nsim_cmd_exec(int argc, char **argv)
{
	int i = 1;
	if (argc - i < 2)
		return nsim_cli_usage_error("exec", "usage: netsim exec NAME HOST -- CMD [ARGS...]");
	const char *name = argv[i++], *host = argv[i++];
	if (i < argc && streq(argv[i], "--"))
		i++;
	if (i >= argc)
		return nsim_cli_usage_error("exec", "no command given: netsim exec %s %s -- CMD [ARGS...]", name, host);
	if (!nsim_plan_name_valid(name))
		return nsim_cli_usage_error("exec", "NAME '%s': invalid instance name: " NSIM_NAME_RULE,
					    NSIM_ESC(name));
	int r = nsim_cli_need_root("exec");
	if (r)
		return r;

	char ns[256], path[512];
	nsim_plan_ns_name(ns, sizeof(ns), name, host);
	snprintf(path, sizeof(path), "%s/%s", NSIM_NETNS_RUN_DIR, ns);
	if (strchr(host, '/') || strlen(host) > 64) {
		fprintf(stderr, "netsim exec: error: HOST '%s': invalid host name\n", NSIM_ESC(host));
		return NSIM_EXIT_USAGE;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		struct stat st;
		_cleanup_free_ char *dir = NULL;
		if (asprintf(&dir, "%s/%s", nsim_instance_state_dir(), name) >= 0 && stat(dir, &st) < 0)
			fprintf(stderr, "netsim exec: error: '%s' is not up (see 'netsim ls')\n", name);
		else
			fprintf(stderr, "netsim exec: error: '%s' has no host '%s' (see 'netsim show %s')\n", name,
				NSIM_ESC(host), name);
		return NSIM_EXIT_FAIL;
	}
	close(fd);
	/* the host's DNS configuration, as every process netsim starts in it has */
	_cleanup_free_ char *dir = NULL, *resolv = NULL, *hosts = NULL;
	if (asprintf(&dir, "%s/%s", nsim_instance_state_dir(), name) < 0 ||
	    nsim_instance_dns_files(dir, host, &resolv, &hosts) < 0) {
		fprintf(stderr, "netsim exec: error: out of memory\n");
		return NSIM_EXIT_ENV;
	}
	char detail[512] = "";
	const struct nsim_proc_exec pe = {.ns = ns, .resolv_conf = resolv, .hosts = hosts};
	if (nsim_proc_enter(&pe, detail, sizeof(detail)) < 0) {
		fprintf(stderr, "netsim exec: error: %s\n", NSIM_ESC(detail));
		return NSIM_EXIT_ENV;
	}
	setenv("NETSIM_HOST", host, 1);
	setenv("NETSIM_INSTANCE", name, 1);
	execvp(argv[i], argv + i);
	int e = errno;
	fprintf(stderr, "netsim exec: error: %s: %s\n", NSIM_ESC(argv[i]), strerror(e));
	return e == ENOENT ? 127 : 126;
}
