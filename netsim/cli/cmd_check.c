/* SPDX-License-Identifier: MIT */
/* check and test: expectations proved with real packets. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "instance/instance.h"
#include "load/load.h"
#include "model/fileio.h"
#include "model/util.h"
#include "plan/plan.h"
#include "probe/check.h"
#include "probe/evidence_files.h"
#include "report/flow_log.h"
#include "report/check_report.h"
#include "report/escape.h"
#include "report/report.h"
#include "validate/validate.h"

#define OPTIONS_HELP                                                                                       \
	"  --only PATTERN  only expectations whose name or \"from → to:port/proto\" label\n"                \
	"                  matches the shell pattern\n"                                                      \
	"  --timeout MS    per probe (default 1000)                   env NETSIM_TIMEOUT\n"               \
	"  --json          the report as JSON on stdout (docs/check.md) env NETSIM_JSON=1\n"              \
	"  --junit FILE    also write JUnit XML to FILE               env NETSIM_JUNIT\n"                 \
	"  --flow-log FILE also write AWS VPC Flow Log records to FILE (docs/flow-logs.md)\n"           \
	"  --flow-log-format FORMAT  their fields: \"${version} ${vpc-id} ...\"\n"                 \
	"  --pcap DIR      write the packets seen, one pcap file per expectation and\n"                   \
	"                  component: DIR/<n>-<name>-<component>.pcap env NETSIM_PCAP\n"                  \
	"  -v, --verbose   show the evidence of passing expectations too\n"                                \
	"  --html FILE     also write an HTML report to FILE: the diagram with the flows,\n"               \
	"                  the expectations, their evidence and pcap links (docs/graph.md)\n"

const char nsim_help_check[] =
	"Proves every `expect:` entry of the running topology NAME with real packets:\n"
	"a probe from inside the `from` host (TCP connect and one request/response,\n"
	"a UDP request/response, or an ICMP echo), while captures in the namespaces\n"
	"along the way record it. Prints one line per expectation and, for failures,\n"
	"the reason and the packets seen at each component.\n\n"
	"Options:\n" OPTIONS_HELP "\nExit status: 0 when every expectation holds, 1 otherwise.\n";

const char nsim_help_test[] =
	"Brings FILE up, proves every expectation (as `netsim check`), and takes it\n"
	"down again, also on failure or Ctrl-C. For CI.\n\n"
	"Options:\n"
	"  --name NAME     instance name (default: the topology's name, shortened to\n"
	"                  fit, then '-' and 4 random characters, so that parallel\n"
	"                  runs of one file never collide)\n"
	"  --keep          leave the topology up afterwards, for inspection\n" OPTIONS_HELP
	"\nThe reports (--json, --junit) are written on every outcome: when the file is\n"
	"invalid or 'up' fails they hold one error with the diagnostics (docs/ci.md).\n"
	"\nExit status: 0 when every expectation holds, 1 otherwise (also an invalid\n"
	"file or a failed 'up'), 3 when not root.\n";

struct check_opts {
	struct nsim_check_opts check;
	const char *name, *junit, *pcap, *flow_log, *flow_log_format;
	bool json, keep, verbose;
	const char *html;
};

static int parse(const char *cmd, int argc, char **argv, bool test, struct check_opts *o)
{
	static const struct option long_opts[] = {
		{"only", required_argument, NULL, 'o'}, {"timeout", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},	{"junit", required_argument, NULL, 'u'},
		{"pcap", required_argument, NULL, 'p'}, {"verbose", no_argument, NULL, 'v'},
		{"name", required_argument, NULL, 'n'}, {"keep", no_argument, NULL, 'k'},
		{"flow-log", required_argument, NULL, 'F'}, {"flow-log-format", required_argument, NULL, 'f'},
		{"html", required_argument, NULL, 'H'},
		{},
	};
	const char *env;
	*o = (struct check_opts){.check = {.timeout_ms = 1000, .capture = true}};
	if ((env = getenv("NETSIM_TIMEOUT")) && *env) {
		char *end;
		long ms = strtol(env, &end, 10);
		if (*end || ms < 10 || ms > 600000)
			return nsim_cli_usage_error(cmd, "NETSIM_TIMEOUT takes milliseconds, 10 to 600000, not '%s'", env);
		o->check.timeout_ms = (int)ms;
	}
	if ((env = getenv("NETSIM_JSON")) && streq(env, "1"))
		o->json = true;
	if ((env = getenv("NETSIM_JUNIT")) && *env)
		o->junit = env;
	if ((env = getenv("NETSIM_PCAP")) && *env)
		o->pcap = env;

	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":v", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->check.only = optarg;
			break;
		case 't': {
			char *end;
			long ms = strtol(optarg, &end, 10);
			if (*end || ms < 10 || ms > 600000)
				return nsim_cli_usage_error(cmd, "--timeout takes milliseconds, 10 to 600000");
			o->check.timeout_ms = (int)ms;
			break;
		}
		case 'j':
			o->json = true;
			break;
		case 'u':
			o->junit = optarg;
			break;
		case 'p':
			o->pcap = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'H':
			o->html = optarg;
			break;
		case 'F':
			o->flow_log = optarg;
			o->check.flow_log = true;
			break;
		case 'f': {
			const char *bad;
			size_t len;
			if (nsim_flow_log_check_format(optarg, &bad, &len) < 0)
				return nsim_cli_usage_error(cmd,
							    len && strncmp(bad, "${", 2) != 0 && bad > optarg && bad[-1] == '{'
								    ? "--flow-log-format: netsim does not model the flow log field '%.*s' yet"
								    : "--flow-log-format: '%.*s' is not a field: write ${name} for each, separated by spaces",
							    (int)len, NSIM_ESC(bad));
			o->flow_log_format = optarg;
			break;
		}
		case 'n':
			if (!test)
				return nsim_cli_usage_error(cmd, "--name is for 'netsim test': check takes the NAME as its argument");
			o->name = optarg;
			break;
		case 'k':
			if (!test)
				return nsim_cli_usage_error(cmd, "--keep is for 'netsim test'");
			o->keep = true;
			break;
		case ':':
			return nsim_cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			return nsim_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->check.timeout_ms < 10)
		o->check.timeout_ms = 1000;
	if (o->flow_log_format && !o->flow_log)
		return nsim_cli_usage_error(cmd, "--flow-log-format needs --flow-log FILE");
	if (optind != argc - 1)
		return nsim_cli_usage_error(cmd, optind >= argc ? (test ? "no topology file given" : "no NAME given")
							      : "one %s at a time", test ? "file" : "NAME");
	return -1; /* go on */
}

static int write_junit(FILE *f, const void *userdata)
{
	return nsim_report_check_junit(f, userdata);
}

struct flow_log_args {
	const struct nsim_topology *t;
	const struct nsim_check_report *rep;
	const char *format;
};

static int write_flow_log(FILE *f, const void *userdata)
{
	const struct flow_log_args *a = userdata;
	return nsim_report_flow_log(f, a->t, a->rep, a->rep->ct_flows, a->rep->n_ct_flows, a->format, a->rep->start_s,
				    a->rep->end_s);
}

/* "netsim[ CMD]: error: OPTION PATH: what is wrong" for an output path. */
static void output_error(const char *cmd, const char *opt, const char *path, const char *file, int r)
{
	char e[NSIM_ESCAPED_MAX], f[NSIM_ESCAPED_MAX];
	fprintf(stderr, "netsim%s%s: error: %s %s%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "", opt,
		nsim_report_escaped(path, e, sizeof(e)),
		file ? "/" : "", file ? nsim_report_escaped(file, f, sizeof(f)) : "", nsim_file_strerror(r));
}

/* Before anything is built: the output paths can be written (the --pcap
 * directory is made now). Returns -1 to go on, or the exit code; *ret_junit_bad
 * says the --junit path is the one refused, why ("OPTION PATH: reason") what. */
static int check_outputs(const char *cmd, const struct check_opts *o, bool *ret_junit_bad, char *why, size_t size)
{
	int r;
	*ret_junit_bad = false;
	if (o->junit && (r = nsim_file_check_writable(o->junit)) < 0) {
		output_error(cmd, "--junit", o->junit, NULL, r);
		snprintf(why, size, "--junit %s: %s", o->junit, nsim_file_strerror(r));
		*ret_junit_bad = true;
		return NSIM_EXIT_FAIL;
	}
	if (o->flow_log && (r = nsim_file_check_writable(o->flow_log)) < 0) {
		output_error(cmd, "--flow-log", o->flow_log, NULL, r);
		snprintf(why, size, "--flow-log %s: %s", o->flow_log, nsim_file_strerror(r));
		return NSIM_EXIT_FAIL;
	}
	if (o->html && (r = nsim_file_check_writable(o->html)) < 0) {
		output_error(cmd, "--html", o->html, NULL, r);
		snprintf(why, size, "--html %s: %s", o->html, nsim_file_strerror(r));
		return NSIM_EXIT_FAIL;
	}
	if (o->pcap) {
		_cleanup_close_ int fd = -1;
		bool sticky_shared;
		if ((r = nsim_file_open_dir(o->pcap, true, &fd, &sticky_shared)) < 0) {
			output_error(cmd, "--pcap", o->pcap, NULL, r);
			snprintf(why, size, "--pcap %s: %s", o->pcap, nsim_file_strerror(r));
			return NSIM_EXIT_FAIL;
		}
	}
	return -1;
}

static int write_error_junit(FILE *f, const void *userdata)
{
	return nsim_report_check_error_junit(f, userdata);
}

/* An outcome without results: the reports asked for (JSON on stdout, the
 * --junit file unless its path is what failed) hold the error, so that CI
 * shows why. The error itself was printed already. Returns status, or
 * NSIM_EXIT_FAIL when a report could not be written and status was 0. */
static int error_reports(const struct check_opts *o, const struct nsim_check_error *e, bool junit_bad, int status)
{
	int r;
	if (o->json) {
		if ((r = nsim_report_check_error_json(stdout, e)) < 0) {
			fprintf(stderr, "netsim: error: writing the JSON report: %s\n", strerror(-r));
			status = status ? status : NSIM_EXIT_FAIL;
		}
		fflush(stdout);
	}
	if (o->junit && !junit_bad && (r = nsim_file_write(o->junit, write_error_junit, e)) < 0) {
		output_error(NULL, "--junit", o->junit, NULL, r);
		status = status ? status : NSIM_EXIT_FAIL;
	}
	return status;
}

/* One diagnostic as a compiler writes it ("FILE:LINE:COL: error: MESSAGE"),
 * with how many more errors there are. Returns a new string or NULL. */
static char *diag_summary(const struct nsim_diags *d)
{
	const struct nsim_diag *g = NULL;
	for (size_t i = 0; i < d->n && !g; i++)
		if (d->items[i].severity == NSIM_SEV_ERROR)
			g = &d->items[i];
	if (!g)
		return strdup("the topology is invalid");
	char pos[32] = "", more[64] = "", *s;
	if (g->line)
		snprintf(pos, sizeof(pos), ":%u:%u", g->line, g->col);
	if (d->n_errors > 1)
		snprintf(more, sizeof(more), " (and %zu more error%s)", d->n_errors - 1, d->n_errors == 2 ? "" : "s");
	if (asprintf(&s, "%s%s: error: %s%s", g->file ? g->file : "", pos, g->message, more) < 0)
		return NULL;
	return s;
}


/* "<base>-<4 random characters>", base shortened so the whole stays within
 * NSIM_NAME_MAX: a name no other run picks, so parallel CI jobs of one file
 * never share an instance (or its namespaces). */
static int unique_name(const char *base, char ret[static NSIM_NAME_MAX + 1])
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t rnd[4];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return errno > 0 ? -errno : -EIO;
	size_t keep = strlen(base);
	if (keep > NSIM_NAME_MAX - 1 - sizeof(rnd))
		keep = NSIM_NAME_MAX - 1 - sizeof(rnd);
	while (keep > 1 && base[keep - 1] == '-')
		keep--;
	char suffix[sizeof(rnd) + 1];
	for (size_t i = 0; i < sizeof(rnd); i++)
		suffix[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	suffix[sizeof(rnd)] = '\0';
	snprintf(ret, NSIM_NAME_MAX + 1, "%.*s-%s", (int)keep, base, suffix);
	return 0;
}

static int report(const struct check_opts *o, const struct nsim_topology *t, const struct nsim_check_report *rep,
		  const char *file)
{
	int status = rep->n_failed || rep->n_drift || rep->error ? NSIM_EXIT_FAIL : NSIM_EXIT_OK;
	if (!rep->n_results && o->check.only) {
		_cleanup_free_ char *msg = NULL;
		if (asprintf(&msg, "no expectation matches --only '%s'", o->check.only) < 0)
			msg = NULL;
		fprintf(stderr, "netsim: error: no expectation matches --only '%s'\n",
			NSIM_ESC(o->check.only));
		struct nsim_check_error e = {.name = rep->name, .file = file, .stage = "run",
					     .message = msg ? msg : "no expectation matches --only"};
		return error_reports(o, &e, false, NSIM_EXIT_FAIL);
	}
	if (o->json) {
		int k = nsim_report_check_json(stdout, rep, file);
		if (k < 0) {
			fprintf(stderr, "netsim: error: writing the JSON report: %s\n", strerror(-k));
			status = NSIM_EXIT_FAIL;
		}
	} else
		nsim_report_check_text(stdout, rep, nsim_cli_color(1), o->verbose);
	fflush(stdout);
	if (o->junit) {
		/* a temporary file renamed over the path: never through a planted symlink */
		int r = nsim_file_write(o->junit, write_junit, rep);
		if (r < 0) {
			output_error(NULL, "--junit", o->junit, NULL, r);
			status = NSIM_EXIT_FAIL;
		}
	}
	if (o->flow_log) {
		struct flow_log_args a = {.t = t, .rep = rep, .format = o->flow_log_format};
		int r = nsim_file_write(o->flow_log, write_flow_log, &a);
		if (r < 0) {
			output_error(NULL, "--flow-log", o->flow_log, NULL, r);
			status = NSIM_EXIT_FAIL;
		}
	}
	if (o->pcap) {
		_cleanup_free_ char *failed = NULL;
		int r = nsim_evidence_write_pcaps(rep, o->pcap, &failed);
		if (r < 0) {
			output_error(NULL, "--pcap", o->pcap, failed, r);
			status = NSIM_EXIT_FAIL;
		} else if (!o->json) {
			size_t len = strlen(o->pcap);
			printf("packet evidence: %s%s\n",
			       NSIM_ESC(o->pcap),
			       len && o->pcap[len - 1] == '/' ? "" : "/");
		}
	}
	nsim_cli_store_last_check(rep); /* for `graph NAME --flows` */
	if (o->html) {
		int r = nsim_cli_write_html(o->html, t, rep, o->pcap);
		if (r < 0) {
			output_error(NULL, "--html", o->html, NULL, r);
			status = NSIM_EXIT_FAIL;
		}
	}
	/* errors of the run after the report: the rows say which probes they touched */
	if (rep->n_drift)
		fprintf(stderr, "netsim: error: the instance was changed outside netsim (%zu difference%s from what 'up' "
				"built, listed above): bring it up again ('netsim down %s', then 'netsim up')\n",
			rep->n_drift, rep->n_drift == 1 ? "" : "s", rep->name);
	if (rep->error)
		fprintf(stderr, "netsim: error: %s\n", rep->error);
	return status;
}

static int run_check(const struct check_opts *o, const struct nsim_topology *t, const struct nsim_plan *p,
		     const char *file)
{
	_cleanup_(nsim_check_report_freep) struct nsim_check_report *rep = NULL;
	_cleanup_free_ char *error = NULL;
	int r = nsim_check_run(t, p, &o->check, &rep, &error);
	if (r < 0) {
		fprintf(stderr, "netsim: error: %s\n", error ? error : strerror(-r));
		struct nsim_check_error e = {.name = p->name, .file = file, .stage = "run",
					     .message = error ? error : strerror(-r)};
		return error_reports(o, &e, false, NSIM_EXIT_FAIL);
	}
	return report(o, t, rep, file);
}

/* The topology file `up` was given, when it has changed since: said once. */
static void note_topology_changed(const char *name, const char *kept)
{
	_cleanup_free_ char *state = NULL, *now = NULL;
	if (nsim_instance_read_state(name, &state) < 0)
		return;
	json_t *j = json_loads(state, 0, NULL);
	const char *path = json_string_value(json_object_get(j, "topology"));
	size_t len;
	if (path && path[0] == '/' && nsim_file_read(path, NSIM_LOAD_MAX_BYTES, &now, &len) == 0 && !streq(now, kept))
		fprintf(stderr, "netsim check: note: %s has changed since '%s' was brought up; checking the topology as it "
				"was at up\n",
			path, name);
	json_decref(j);
}

int nsim_cmd_check(int argc, char **argv)
{
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	_cleanup_(nsim_plan_freep) struct nsim_plan *p = NULL;
	_cleanup_free_ char *kept = NULL, *digest = NULL;
	struct check_opts o;
	_cleanup_free_ char *path = NULL;

	int r = parse("check", argc, argv, false, &o);
	if (r >= 0)
		return r;
	const char *name = argv[optind];
	if (!nsim_plan_name_valid(name))
		return nsim_cli_usage_error("check", "NAME '%s': invalid instance name: " NSIM_NAME_RULE,
					    NSIM_ESC(name));
	if ((r = nsim_cli_need_root("check")))
		return r;
	bool junit_bad;
	struct nsim_check_error e = {.name = name, .stage = "environment"};
	char why[1024];
	if ((r = check_outputs("check", &o, &junit_bad, why, sizeof(why))) >= 0) {
		e.message = why;
		return error_reports(&o, &e, junit_bad, r);
	}
	if (asprintf(&path, "%s/%s/topology.yaml", nsim_instance_state_dir(), name) < 0) {
		path = NULL;
		return NSIM_EXIT_FAIL;
	}
	if (access(path, R_OK) < 0) {
		fprintf(stderr, "netsim check: error: '%s' is not up (see 'netsim ls')\n", name);
		e.stage = "run";
		e.message = "the instance is not up";
		return error_reports(&o, &e, false, NSIM_EXIT_FAIL);
	}
	if ((r = nsim_cli_load_text(path, &t, &kept)) != NSIM_EXIT_OK)
		return r;
	if ((r = nsim_plan_build(t, name, &p)) < 0) {
		fprintf(stderr, "netsim check: error: planning '%s': %s\n", name, strerror(-r));
		return NSIM_EXIT_FAIL;
	}
	note_topology_changed(name, kept);
	/* written by `up` when it knows how; without it rulesets are not compared */
	if ((r = nsim_instance_read_file(name, "kernel.digest", &digest)) < 0 && r != -ENOENT) {
		fprintf(stderr, "netsim check: error: reading %s/%s/kernel.digest: %s\n", nsim_instance_state_dir(), name,
			strerror(-r));
		return NSIM_EXIT_ENV;
	}
	o.check.digest_text = digest;
	return run_check(&o, t, p, path);
}

/* Ctrl-C during `test`: take the topology down, then exit. The lock keeps
 * the handler from racing `up` or `down` (it waits for them: they are fast). */
static pthread_mutex_t phase = PTHREAD_MUTEX_INITIALIZER;
static const char *test_name;
static bool test_keep;

static void *on_signal(void *arg)
{
	sigset_t *set = arg;
	int sig = 0;
	sigwait(set, &sig);
	pthread_mutex_lock(&phase);
	fprintf(stderr, "\nnetsim test: %s: ", strsignal(sig));
	if (test_name && !test_keep) {
		char *error = NULL;
		int r = nsim_instance_down(test_name, NULL, &error);
		if (r < 0)
			fprintf(stderr, "taking '%s' down failed: %s: run 'netsim down %s'\n", test_name,
				error ? error : strerror(-r), test_name);
		else
			fprintf(stderr, "'%s' taken down\n", test_name);
		free(error);
	} else
		fprintf(stderr, "stopping\n");
	fflush(stdout);
	_exit(128 + sig);
}

int nsim_cmd_test(int argc, char **argv)
{
	struct check_opts o;
	int r = parse("test", argc, argv, true, &o);
	if (r >= 0)
		return r;
	const char *file = argv[optind];
	const char *shown = streq(file, "-") ? "<stdin>" : file;
	if (o.name && !nsim_plan_name_valid(o.name))
		return nsim_cli_usage_error("test", "--name '%s': invalid instance name: " NSIM_NAME_RULE,
					    NSIM_ESC(o.name));
	/* the outputs first: a bad path must cost nothing, and the reports of every later outcome need them */
	bool junit_bad;
	struct nsim_check_error e = {.name = o.name, .file = shown};
	char why[1024];
	if ((r = check_outputs("test", &o, &junit_bad, why, sizeof(why))) >= 0) {
		e.stage = "environment";
		e.message = why;
		return error_reports(&o, &e, junit_bad, r);
	}

	_cleanup_(nsim_diags_clear) struct nsim_diags diags = {0};
	nsim_diags_init(&diags);
	struct nsim_topology *t = NULL;
	_cleanup_free_ char *text = NULL;
	if ((r = nsim_cli_load_diags(file, &diags, &t, &text)) != 0) {
		_cleanup_free_ char *msg = r > 0 ? diag_summary(&diags) : NULL;
		if (r < 0)
			fprintf(stderr, "netsim test: error: out of memory\n");
		e.stage = "invalid";
		e.message = msg ? msg : r < 0 ? "out of memory" : "the topology is invalid";
		e.diags = &diags;
		return error_reports(&o, &e, false, NSIM_EXIT_FAIL);
	}
	/* after the file: invalid input is exit 1 for anyone; root only for what needs it */
	if ((r = nsim_cli_need_root("test"))) {
		e.stage = "environment";
		e.message = "netsim test needs root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)";
		r = error_reports(&o, &e, false, r);
		nsim_topology_free(t);
		return r;
	}

	/* signals go to one thread, which cleans up; every other thread blocks them */
	static sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_t sig_thread;
	pthread_create(&sig_thread, NULL, on_signal, &set);

	/* a name of its own unless --name: parallel jobs of one file never collide; should
	 * another run hold the name drawn (or a namespace it implies), draw again */
	struct nsim_plan *p = NULL;
	struct nsim_up_stats stats;
	_cleanup_free_ char *error = NULL;
	char name[NSIM_NAME_MAX + 1];
	for (int attempt = 0;; attempt++) {
		if (!o.name && (r = unique_name(t->name.name, name)) < 0) {
			fprintf(stderr, "netsim test: error: drawing a random instance name: %s\n", strerror(-r));
			e.stage = "environment";
			e.message = "drawing a random instance name failed";
			r = error_reports(&o, &e, false, NSIM_EXIT_ENV);
			nsim_topology_free(t);
			return r;
		}
		e.name = o.name ? o.name : name;
		if ((r = nsim_plan_build(t, e.name, &p)) < 0) {
			fprintf(stderr, "netsim test: error: planning failed: %s\n", strerror(-r));
			e.stage = "up";
			e.message = "planning failed";
			r = error_reports(&o, &e, false, NSIM_EXIT_FAIL);
			nsim_topology_free(t);
			return r;
		}
		pthread_mutex_lock(&phase);
		free(error);
		error = NULL;
		r = nsim_instance_up(p, file, text, &stats, &error);
		if (r == 0)
			test_name = p->name;
		test_keep = o.keep;
		pthread_mutex_unlock(&phase);
		if (r != -EEXIST || o.name || attempt >= 4)
			break;
		nsim_plan_free(p);
		p = NULL;
	}
	if (r < 0) {
		fprintf(stderr, "netsim test: error: %s\n", error ? error : strerror(-r));
		e.stage = "up";
		e.message = error ? error : strerror(-r);
		r = error_reports(&o, &e, false, r == -EPERM ? NSIM_EXIT_ENV : NSIM_EXIT_FAIL);
		nsim_plan_free(p);
		nsim_topology_free(t);
		return r;
	}
	/* the instance's name; with --json the document's "topology" says it */
	if (!o.json) {
		printf("netsim test: '%s' up in %.1f ms (%zu namespaces); proving %s expectations\n\n", p->name,
		       stats.ms, stats.n_namespaces, o.check.only ? "the matching" : "its");
		fflush(stdout);
	}

	int status = run_check(&o, t, p, file);

	pthread_mutex_lock(&phase);
	if (!o.keep) {
		_cleanup_free_ char *derror = NULL;
		if ((r = nsim_instance_down(p->name, NULL, &derror)) < 0) {
			fprintf(stderr, "netsim test: error: taking '%s' down: %s\n", p->name,
				derror ? derror : strerror(-r));
			status = NSIM_EXIT_FAIL;
		}
	} else
		fprintf(o.json ? stderr : stdout, "'%s' is still up (--keep): remove it with 'netsim down %s'\n",
			p->name, p->name);
	test_name = NULL;
	pthread_mutex_unlock(&phase);
	nsim_plan_free(p);
	nsim_topology_free(t);
	return status;
}
