/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "load/load.h"
#include "report/report.h"
#include "validate/validate.h"

const char nsim_help_validate[] =
	"Loads each FILE (topology format v1, docs/topology.md), checks it against AWS's\n"
	"rules and prints every problem found as FILE:LINE:COL: error: MESSAGE (warnings\n"
	"likewise). FILE '-' reads standard input.\n\n"
	"Options:\n"
	"  --json   print the diagnostics as a JSON list of\n"
	"           {file, line, column, severity, message} on standard output\n\n"
	"Exit status: 0 when no file has an error (warnings allowed), 1 otherwise,\n"
	"2 on a usage error.\n";

static void summarize(const struct nsim_topology *t)
{
	size_t subnets = 0, hosts = 0, nats = 0;
	for (size_t i = 0; i < t->n_vpcs; i++) {
		subnets += t->vpcs[i].n_subnets;
		hosts += t->vpcs[i].n_hosts;
		nats += t->vpcs[i].n_nat_gateways;
	}
	printf("%s: ok: '%s', %zu VPC%s, %zu subnet%s, %zu host%s, %zu NAT gateway%s, %zu internet host%s, "
	       "%zu expectation%s\n",
	       t->file, t->name.name, t->n_vpcs, t->n_vpcs == 1 ? "" : "s", subnets, subnets == 1 ? "" : "s",
	       hosts, hosts == 1 ? "" : "s", nats, nats == 1 ? "" : "s", t->n_inet_hosts,
	       t->n_inet_hosts == 1 ? "" : "s", t->n_expects, t->n_expects == 1 ? "" : "s");
}

int nsim_cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{},
	};
	bool json = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		default:
			return nsim_cli_usage_error("validate", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return nsim_cli_usage_error("validate", "no topology file given");

	struct nsim_diags diags;
	nsim_diags_init(&diags);
	size_t n_bad = 0;
	bool oom = false;
	for (int i = optind; i < argc; i++) {
		struct nsim_topology *t = NULL;
		size_t before = diags.n_errors, first = diags.n;
		int r = nsim_load_file(argv[i], &diags, &t);
		if (r == -EINVAL && diags.n_errors > before)
			nsim_diag_note(&diags, (struct nsim_pos){.file = argv[i]},
				       "the AWS rules were not checked yet: fix the errors above to see them");
		if (r == 0)
			r = nsim_validate(t, &diags);
		nsim_diags_sort(&diags, first);
		if (r == -ENOMEM)
			oom = true;
		if (r < 0 || diags.n_errors > before)
			n_bad++;
		else if (!json)
			summarize(t);
		nsim_topology_free(t);
	}

	if (json) {
		if (nsim_report_diags_json(stdout, &diags) < 0)
			oom = true;
	} else {
		fflush(stdout);
		nsim_report_diags_text(stderr, &diags, nsim_cli_color(2));
		if (diags.n_errors || diags.n_warnings)
			fprintf(stderr, "%zu error%s, %zu warning%s in %d file%s\n", diags.n_errors,
				diags.n_errors == 1 ? "" : "s", diags.n_warnings,
				diags.n_warnings == 1 ? "" : "s", argc - optind, argc - optind == 1 ? "" : "s");
	}
	if (oom)
		fprintf(stderr, "netsim validate: error: out of memory\n");
	nsim_diags_clear(&diags);
	return n_bad || oom ? NSIM_EXIT_FAIL : NSIM_EXIT_OK;
}

int nsim_cli_load_text(const char *path, struct nsim_topology **ret_t, char **ret_text)
{
	struct nsim_diags diags;
	struct nsim_topology *t = NULL;
	char *text = NULL;
	nsim_diags_init(&diags);
	int r = nsim_load_file_text(path, &diags, &t, ret_text ? &text : NULL);
	if (r == 0)
		r = nsim_validate(t, &diags);
	nsim_diags_sort(&diags, 0);
	nsim_report_diags_text(stderr, &diags, nsim_cli_color(2));
	nsim_diags_clear(&diags);
	if (r < 0) {
		nsim_topology_free(t);
		free(text);
		if (r == -ENOMEM)
			fprintf(stderr, "netsim: error: out of memory\n");
		return NSIM_EXIT_FAIL;
	}
	*ret_t = t;
	if (ret_text)
		*ret_text = text;
	return NSIM_EXIT_OK;
}

int nsim_cli_load(const char *path, struct nsim_topology **ret_t)
{
	return nsim_cli_load_text(path, ret_t, NULL);
}
