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
#include "report/check_report.h"
#include "report/escape.h"

#define OPTIONS_HELP                                                                                       \
	"  --only PATTERN  only expectations whose name or \"from → to:port/proto\" label\n"                \
	"                  matches the shell pattern\n"                                                      \
	"  --timeout MS    per probe (default 1000)                   env NETSIM_TIMEOUT\n"               \
	"  --json          the report as JSON on stdout (docs/check.md) env NETSIM_JSON=1\n"              \
	"  --junit FILE    also write JUnit XML to FILE               env NETSIM_JUNIT\n"                 \
	"  --pcap DIR      write the packets seen, one pcap file per expectation and\n"                   \
	"                  component: DIR/<n>-<name>-<component>.pcap env NETSIM_PCAP\n"                  \
	"  -v, --verbose   show the evidence of passing expectations too\n"

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
	"  --name NAME     instance name (default: the topology's name)\n"
	"  --keep          leave the topology up afterwards, for inspection\n" OPTIONS_HELP
	"\nExit status: 0 when every expectation holds, 1 otherwise, 3 when not root.\n";

struct check_opts {
	struct nsim_check_opts check;
	const char *name, *junit, *pcap;
	bool json, keep, verbose;
};

static int parse(const char *cmd, int argc, char **argv, bool test, struct check_opts *o)
{
	static const struct option long_opts[] = {
		{"only", required_argument, NULL, 'o'}, {"timeout", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},	{"junit", required_argument, NULL, 'u'},
		{"pcap", required_argument, NULL, 'p'}, {"verbose", no_argument, NULL, 'v'},
		{"name", required_argument, NULL, 'n'}, {"keep", no_argument, NULL, 'k'},
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
	if (optind != argc - 1)
		return nsim_cli_usage_error(cmd, optind >= argc ? (test ? "no topology file given" : "no NAME given")
							      : "one %s at a time", test ? "file" : "NAME");
	return -1; /* go on */
}

static int write_junit(FILE *f, const void *userdata)
{
	return nsim_report_check_junit(f, userdata);
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
 * directory is made now). Returns -1 to go on, or the exit code. */
static int check_outputs(const char *cmd, const struct check_opts *o)
{
	int r;
	if (o->junit && (r = nsim_file_check_writable(o->junit)) < 0) {
		output_error(cmd, "--junit", o->junit, NULL, r);
		return NSIM_EXIT_FAIL;
	}
	if (o->pcap) {
		_cleanup_close_ int fd = -1;
		bool sticky_shared;
		if ((r = nsim_file_open_dir(o->pcap, true, &fd, &sticky_shared)) < 0) {
			output_error(cmd, "--pcap", o->pcap, NULL, r);
			return NSIM_EXIT_FAIL;
		}
	}
	return -1;
}

static int report(const struct check_opts *o, const struct nsim_check_report *rep, const char *file)
{
	int status = rep->n_failed || rep->n_drift || rep->error ? NSIM_EXIT_FAIL : NSIM_EXIT_OK;
	if (!rep->n_results && o->check.only) {
		fprintf(stderr, "netsim: error: no expectation matches --only '%s'\n",
			NSIM_ESC(o->check.only));
		return NSIM_EXIT_FAIL;
	}
	if (o->json) {
		if (nsim_report_check_json(stdout, rep, file) < 0) {
			fprintf(stderr, "netsim: error: writing the JSON report: %m\n");
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
		return NSIM_EXIT_FAIL;
	}
	return report(o, rep, file);
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
	if ((r = check_outputs("check", &o)) >= 0)
		return r;
	if (asprintf(&path, "%s/%s/topology.yaml", nsim_instance_state_dir(), name) < 0) {
		path = NULL;
		return NSIM_EXIT_FAIL;
	}
	if (access(path, R_OK) < 0) {
		fprintf(stderr, "netsim check: error: '%s' is not up (see 'netsim ls')\n", name);
		return NSIM_EXIT_FAIL;
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
	if ((r = nsim_cli_need_root("test")))
		return r;
	if ((r = check_outputs("test", &o)) >= 0)
		return r;
	struct nsim_topology *t = NULL;
	_cleanup_free_ char *text = NULL;
	if ((r = nsim_cli_load_text(file, &t, &text)) != NSIM_EXIT_OK)
		return r;
	if (o.name && !nsim_plan_name_valid(o.name)) {
		nsim_topology_free(t);
		return nsim_cli_usage_error("test", "--name '%s': invalid instance name: " NSIM_NAME_RULE,
					    NSIM_ESC(o.name));
	}
	struct nsim_plan *p = NULL;
	if ((r = nsim_plan_build(t, o.name, &p)) < 0) {
		fprintf(stderr, "netsim test: error: planning failed: %s\n", strerror(-r));
		nsim_topology_free(t);
		return NSIM_EXIT_FAIL;
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

	pthread_mutex_lock(&phase);
	struct nsim_up_stats stats;
	char *error = NULL;
	r = nsim_instance_up(p, file, text, &stats, &error);
	if (r == 0)
		test_name = p->name;
	test_keep = o.keep;
	pthread_mutex_unlock(&phase);
	if (r < 0) {
		fprintf(stderr, "netsim test: error: %s\n", error ? error : strerror(-r));
		free(error);
		nsim_plan_free(p);
		nsim_topology_free(t);
		return r == -EPERM ? NSIM_EXIT_ENV : NSIM_EXIT_FAIL;
	}
	if (!o.json)
		printf("netsim test: '%s' up in %.1f ms (%zu namespaces); proving %s expectations\n\n", p->name,
		       stats.ms, stats.n_namespaces, o.check.only ? "the matching" : "its");

	int status = run_check(&o, t, p, file);

	pthread_mutex_lock(&phase);
	if (!o.keep) {
		_cleanup_free_ char *derror = NULL;
		if ((r = nsim_instance_down(p->name, NULL, &derror)) < 0) {
			fprintf(stderr, "netsim test: error: taking '%s' down: %s\n", p->name,
				derror ? derror : strerror(-r));
			status = NSIM_EXIT_FAIL;
		}
	} else if (!o.json)
		printf("'%s' is still up (--keep): sudo netsim down %s\n", p->name, p->name);
	test_name = NULL;
	pthread_mutex_unlock(&phase);
	nsim_plan_free(p);
	nsim_topology_free(t);
	return status;
}
