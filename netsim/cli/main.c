/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "model/diag.h"
#include "model/util.h"

bool nsim_cli_strict;

static int cmd_help(int argc, char **argv);

static const struct nsim_command commands[] = {
	{"validate", "FILE... [--json] [--strict]", "check topology files and print every error",
	 nsim_help_validate, nsim_cmd_validate},
	{"plan", "FILE [--name NAME] [--json] [--strict]", "print the kernel operations `up` would perform",
	 nsim_help_plan, nsim_cmd_plan},
	{"up", "FILE [--name NAME] [--strict]", "build the topology in network namespaces (root)", nsim_help_up,
	 nsim_cmd_up},
	{"down", "NAME | --all", "remove a running topology and everything it made (root)", nsim_help_down,
	 nsim_cmd_down},
	{"ls", "[--all] [--json]", "list running topologies", nsim_help_ls, nsim_cmd_ls},
	{"show", "NAME|FILE [--json]", "subnets, routes, ACLs, groups and hosts of a topology or a running one", nsim_help_show,
	 nsim_cmd_show},
	{"exec", "NAME HOST -- CMD...", "run a command inside a host's namespace (root)", nsim_help_exec,
	 nsim_cmd_exec},
	{"logs", "NAME HOST [-f|--follow]", "print the log of a host's run: service or a VPC's resolver (root)", nsim_help_logs,
	 nsim_cmd_logs},
	{"test", "FILE [--name NAME] [--keep] [--only P] [--timeout MS] [--json] [--verbose] [--junit F] [--pcap D]\n"
	 "[--flow-log F [--flow-log-format FMT]] [--html F] [--strict]", "up, prove every expectation with packets, down",
	 nsim_help_test, nsim_cmd_test},
	{"check", "NAME [--only P] [--timeout MS] [--json] [--verbose] [--junit F] [--pcap D]\n"
	 "[--flow-log F [--flow-log-format FMT]] [--html F] [--strict]", "prove the expectations of a running topology",
	 nsim_help_check, nsim_cmd_check},
	{"trace", "FILE|NAME FROM TO PORT/PROTO [--json] [--strict]", "the path of one flow, hop by hop, and what blocks it",
	 nsim_help_trace, nsim_cmd_trace},
	{"analyze", "FILE [--json] [--matrix [--by-class]] [--strict]", "predict every expectation from the model (no root)", nsim_help_analyze,
	 nsim_cmd_analyze},
	{"import", "TEMPLATE [--parameter K=V]... [--region R] [--overlay F] [--expect intent] [-o|--output OUT] [--json]",
	 "a CloudFormation or SAM template as a topology", nsim_help_import, nsim_cmd_import},
	{"graph", "FILE|NAME [--format dot|mermaid|svg|html] [--flows] [-o|--output FILE] [--strict]",
	 "draw the topology as an architecture diagram (no root)", nsim_help_graph, nsim_cmd_graph},
	{"help", "[COMMAND]", "show help for netsim or one command", NULL, cmd_help},
};

/* The commands that load and validate a topology: they take --strict. */
static bool validates(const char *name)
{
	static const char *const names[] = {"validate", "plan", "up", "test", "check", "trace", "analyze", "graph"};
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (streq(names[i], name))
			return true;
	return false;
}

void nsim_cli_strict_diags(struct nsim_diags *diags, size_t from, const char *file)
{
	if (!nsim_cli_strict || !nsim_diags_promote_warnings(diags, from))
		return;
	nsim_diag_note(diags, (struct nsim_pos){.file = file},
		       "--strict: the warnings above are errors (without --strict they do not fail)");
}

bool nsim_cli_color(int fd)
{
	const char *no = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	return isatty(fd) && !(no && *no) && !(term && streq(term, "dumb"));
}

int nsim_cli_need_root(const char *cmd)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr,
		"netsim %s: error: needs root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN): "
		"run 'sudo netsim %s ...'\n",
		cmd, cmd);
	return NSIM_EXIT_ENV;
}

int nsim_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "netsim%s%s: error: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'netsim help%s%s'.\n", cmd ? " " : "", cmd ? cmd : "");
	return NSIM_EXIT_USAGE;
}

/* A synopsis, its continuation lines ("\n" in args) indented to its start. */
static void print_args(FILE *out, const char *args, int indent)
{
	for (const char *p = args; *p; p++) {
		fputc(*p, out);
		if (*p == '\n')
			fprintf(out, "%*s", indent, "");
	}
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: netsim COMMAND [ARGS...]\n\n"
		     "Builds AWS-style VPC networks in Linux network namespaces and proves what can\n"
		     "reach what.\n\nCommands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
	{
		fprintf(out, "  %-9s ", commands[i].name);
		print_args(out, commands[i].args, 12);
		fprintf(out, "\n            %s\n", commands[i].summary);
	}
	fprintf(out, "\nOptions:\n"
		     "  --strict       (commands that validate a topology) warnings are errors\n"
		     "  -h, --help     show this help\n"
		     "  -V, --version  show the version\n\n"
		     "Exit codes: 0 ok, 1 failed checks or invalid input, 2 usage error,\n"
		     "3 environment (not root, missing kernel feature).\n"
		     "The topology format: docs/topology.md.\n");
}

static const struct nsim_command *find_command(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (streq(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return NSIM_EXIT_OK;
	}
	const struct nsim_command *c = find_command(argv[1]);
	if (!c)
		return nsim_cli_usage_error("help", "unknown command '%s'", argv[1]);
	printf("Usage: netsim %s ", c->name);
	print_args(stdout, c->args, (int)strlen("Usage: netsim  ") + (int)strlen(c->name));
	printf("\n\n%s\n", c->summary);
	if (c->help)
		printf("\n%s", c->help);
	if (validates(c->name))
		printf("\nWith --strict, every warning of the topology's validation (the lints:\n"
		       "docs/topology.md) is an error: the command stops with exit status 1.\n");
	return NSIM_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return NSIM_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (streq(name, "-h") || streq(name, "--help")) {
		usage(stdout);
		return NSIM_EXIT_OK;
	}
	if (streq(name, "-V") || streq(name, "--version")) {
		printf("netsim %s\n", NSIM_VERSION);
		return NSIM_EXIT_OK;
	}
	const struct nsim_command *c = find_command(name);
	if (!c)
		return nsim_cli_usage_error(NULL, "unknown command '%s'", name);
	for (int i = 2; i < argc; i++) {
		if (streq(argv[i], "--"))
			break;
		if (streq(argv[i], "-h") || streq(argv[i], "--help")) {
			char *help_argv[] = {(char *)"help", (char *)c->name, NULL};
			return cmd_help(2, help_argv);
		}
	}
	if (validates(c->name)) {
		int n = 2;
		bool rest = false;
		for (int i = 2; i < argc; i++) {
			rest = rest || streq(argv[i], "--");
			if (!rest && streq(argv[i], "--strict"))
				nsim_cli_strict = true;
			else
				argv[n++] = argv[i];
		}
		argv[n] = NULL;
		argc = n;
	}
	return c->run(argc - 1, argv + 1);
}
