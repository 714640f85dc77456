/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "load/load.h"
#include "model/util.h"
#include "report/escape.h"
#include "report/report.h"
#include "validate/validate.h"

const char nsim_help_validate[] =
	"Loads each FILE (topology format v1, docs/topology.md), checks it against AWS's\n"
	"rules and prints every problem found as FILE:LINE:COL: error: MESSAGE (warnings\n"
	"likewise). FILE '-' reads standard input.\n\n"
	"Options:\n"
	"  --json   print the diagnostics as a JSON list of\n"
	"           {file, line, column, severity, message} on standard output\n\n"
	"In text, the first 100 diagnostics are shown, then how many more there are;\n"
	"--json lists them all. FILE must be a regular file (or '-'): a device, FIFO or\n"
	"directory is refused before reading, as is a file over 8 MiB.\n\n"
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
	char file[NSIM_ESCAPED_MAX], name[NSIM_ESCAPED_MAX];
	printf("%s: ok: '%s', %zu VPC%s, %zu subnet%s, %zu host%s, %zu NAT gateway%s, %zu internet host%s, "
	       "%zu expectation%s\n",
	       nsim_report_escaped(t->file, file, sizeof(file)), nsim_report_escaped(t->name.name, name, sizeof(name)),
	       t->n_vpcs, t->n_vpcs == 1 ? "" : "s", subnets, subnets == 1 ? "" : "s",
	       hosts, hosts == 1 ? "" : "s", nats, nats == 1 ? "" : "s", t->n_inet_hosts,
	       t->n_inet_hosts == 1 ? "" : "s", t->n_expects, t->n_expects == 1 ? "" : "s");
}

/* Reads, loads and validates one file, adding to diags; prints its summary
 * (text mode). Returns 0 when it has no error, 1 when it has, -ENOMEM. */
static int validate_one(const char *cmd, const char *path, struct nsim_diags *diags, bool json,
			struct nsim_diag_printer *pr)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0, before = diags->n_errors, first = diags->n;
	const char *file = streq(path, "-") ? "<stdin>" : path;
	int r = nsim_load_read(path, &text, &len);
	if (r < 0) {
		if (r == -ENOMEM)
			return r;
		/* not a diagnostic of the file's content: a command error, named as such */
		if (json)
			nsim_diag_error(diags, (struct nsim_pos){.file = file}, "%s", nsim_load_strerror(r));
		else {
			fprintf(stderr, "netsim %s: error: ", cmd);
			nsim_report_fputs_escaped(stderr, file);
			fprintf(stderr, ": %s\n", nsim_load_strerror(r));
		}
		return 1;
	}
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	r = nsim_load_buffer(file, text, len, diags, &t);
	if (r == -EINVAL && diags->n_errors > before)
		nsim_diag_note(diags, (struct nsim_pos){.file = file},
			       "the AWS rules were not checked yet: fix the errors above to see them");
	if (r == 0)
		r = nsim_validate(t, diags);
	nsim_diags_sort(diags, first);
	if (r == 0)
		nsim_cli_strict_diags(diags, first, file);
	if (!json) {
		fflush(stdout);
		nsim_report_diags_text(pr, diags, first, text, len);
	}
	if (r == -ENOMEM || diags->oom)
		return -ENOMEM;
	if (r < 0 || diags->n_errors > before)
		return 1;
	if (!json)
		summarize(t);
	return 0;
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
	struct nsim_diag_printer pr = {.out = stderr, .color = nsim_cli_color(2), .max = NSIM_REPORT_DIAGS_MAX,
				       .hint = "; --json lists them all"};
	size_t n_bad = 0, n_errors = 0, n_warnings = 0;
	bool oom = false;
	for (int i = optind; i < argc; i++) {
		int r = validate_one("validate", argv[i], &diags, json, &pr);
		if (r < 0)
			oom = true;
		if (r != 0)
			n_bad++;
		if (!json) { /* printed: keep memory to one file's diagnostics */
			n_errors += diags.n_errors;
			n_warnings += diags.n_warnings;
			nsim_diags_clear(&diags);
		}
	}

	if (json) {
		if (nsim_report_diags_json(stdout, &diags) < 0)
			oom = true;
	} else {
		nsim_report_diags_text_end(&pr);
		if (n_errors || n_warnings)
			fprintf(stderr, "%zu error%s, %zu warning%s in %d file%s\n", n_errors,
				n_errors == 1 ? "" : "s", n_warnings, n_warnings == 1 ? "" : "s", argc - optind,
				argc - optind == 1 ? "" : "s");
	}
	if (oom)
		fprintf(stderr, "netsim validate: error: out of memory\n");
	nsim_diags_clear(&diags);
	return n_bad || oom ? NSIM_EXIT_FAIL : NSIM_EXIT_OK;
}

int nsim_cli_load_diags(const char *file, struct nsim_diags *diags, struct nsim_topology **ret_t, char **ret_text)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = NULL;
	const char *name = streq(file, "-") ? "<stdin>" : file;
	size_t len = 0;
	int r = nsim_load_read(file, &text, &len);
	if (r < 0) {
		if (r == -ENOMEM)
			return r;
		fputs("netsim: error: ", stderr);
		nsim_report_fputs_escaped(stderr, name);
		fprintf(stderr, ": %s\n", nsim_load_strerror(r));
		nsim_diag_error(diags, (struct nsim_pos){.file = name}, "%s", nsim_load_strerror(r));
		return diags->oom ? -ENOMEM : 1;
	}
	r = nsim_load_buffer(name, text, len, diags, &t);
	if (r == 0)
		r = nsim_validate(t, diags);
	nsim_diags_sort(diags, 0);
	if (r == 0)
		nsim_cli_strict_diags(diags, 0, name);
	struct nsim_diag_printer pr = {.out = stderr, .color = nsim_cli_color(2), .max = NSIM_REPORT_DIAGS_MAX,
				       .hint = "; 'netsim validate --json' lists them all"};
	nsim_report_diags_text(&pr, diags, 0, text, len);
	nsim_report_diags_text_end(&pr);
	if (r == -ENOMEM || diags->oom)
		return -ENOMEM;
	if (r < 0 || diags->n_errors)
		return 1;
	*ret_t = TAKE_PTR(t);
	*ret_text = TAKE_PTR(text);
	return 0;
}

int nsim_cli_load_text(const char *path, struct nsim_topology **ret_t, char **ret_text)
{
	struct nsim_diags diags;
	_cleanup_free_ char *text = NULL;
	nsim_diags_init(&diags);
	int r = nsim_cli_load_diags(path, &diags, ret_t, &text);
	nsim_diags_clear(&diags);
	if (r < 0)
		fprintf(stderr, "netsim: error: out of memory\n");
	if (r != 0)
		return NSIM_EXIT_FAIL;
	if (ret_text)
		*ret_text = TAKE_PTR(text);
	return NSIM_EXIT_OK;
}
int nsim_cli_load(const char *path, struct nsim_topology **ret_t)
{
	return nsim_cli_load_text(path, ret_t, NULL);
}
