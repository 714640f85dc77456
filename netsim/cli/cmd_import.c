/* SPDX-License-Identifier: MIT */
/* netsim import: a CloudFormation or SAM template as a format-v1 topology (docs/import.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "import/cfn.h"
#include "import/import.h"
#include "import/overlay.h"
#include "load/load.h"
#include "model/arena.h"
#include "model/fileio.h"
#include "model/util.h"
#include "report/escape.h"
#include "report/report.h"
#include "validate/validate.h"

const char nsim_help_import[] =
	"Reads TEMPLATE, a CloudFormation or SAM template (YAML with the short-form tags\n"
	"!Ref, !GetAtt, !Sub, ..., or JSON; '-' reads standard input), resolves its\n"
	"parameters, conditions and intrinsic functions as CloudFormation does, and\n"
	"writes the network it describes as a topology (format v1, docs/topology.md) on\n"
	"standard output or to OUT. Every object's comment names its logical ID and\n"
	"type; values the importer chose (addresses, placeholder AZs) say so.\n"
	"The mapping, and every resource type left out and why: docs/import.md.\n\n"
	"Options:\n"
	"  --parameter KEY=VALUE  a value for the template's parameter KEY (repeatable;\n"
	"                         a list parameter takes a comma-separated VALUE)\n"
	"  --region REGION        the region (AWS::Region, Fn::GetAZs); default us-east-1\n"
	"  --overlay FILE         a format-v1 fragment merged into the result: name,\n"
	"                         internet, expect, ... (items with a name merge into the\n"
	"                         imported item of that name)\n"
	"  --expect intent        add expectations derived from the template's security\n"
	"                         groups and routes (derived: true), for `netsim analyze`\n"
	"  -o, --output OUT       write the topology to OUT instead of standard output\n"
	"  --json                 print the diagnostics as a JSON list on standard output\n"
	"                         (needs -o)\n\n"
	"Each construct left out is a note on stderr at its position; each one that\n"
	"would change the network and cannot be imported is an error there. The result\n"
	"is validated as `netsim validate` does.\n\n"
	"Exit status: 0 when the topology was written and is valid, 1 on an error of the\n"
	"template, the overlay or the result, 2 on a usage error.\n";

struct import_args {
	const char *template_path, *overlay_path, *out, *region;
	struct nsim_cfn_param *params;
	size_t n_params;
	bool json, intent;
};

static void free_args(struct import_args *a)
{
	free(a->params);
}

static int parse_args(int argc, char **argv, struct import_args *a)
{
	static const struct option opts[] = {
		{"parameter", required_argument, NULL, 'p'},
		{"region", required_argument, NULL, 'r'},
		{"overlay", required_argument, NULL, 'O'},
		{"output", required_argument, NULL, 'o'},
		{"expect", required_argument, NULL, 'e'},
		{"json", no_argument, NULL, 'j'},
		{},
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return nsim_cli_usage_error("import", "--parameter takes KEY=VALUE, not '%s'", optarg);
			struct nsim_cfn_param *p = realloc(a->params, (a->n_params + 1) * sizeof(*p));
			if (!p)
				return nsim_cli_usage_error("import", "out of memory");
			a->params = p;
			*eq = '\0';
			a->params[a->n_params++] = (struct nsim_cfn_param){.key = optarg, .value = eq + 1};
			break;
		}
		case 'r':
			a->region = optarg;
			break;
		case 'O':
			a->overlay_path = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'e':
			if (!streq(optarg, "intent"))
				return nsim_cli_usage_error("import", "--expect takes 'intent', not '%s'", optarg);
			a->intent = true;
			break;
		case 'j':
			a->json = true;
			break;
		case '?':
		default:
			if (optopt)
				return nsim_cli_usage_error("import", "option '%s' needs a value", argv[optind - 1]);
			return nsim_cli_usage_error("import", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return nsim_cli_usage_error("import", "no template given");
	if (argc - optind > 1)
		return nsim_cli_usage_error("import", "one template at a time ('%s' is extra)", argv[optind + 1]);
	a->template_path = argv[optind];
	if (a->overlay_path && streq(a->overlay_path, "-") && streq(a->template_path, "-"))
		return nsim_cli_usage_error("import", "the template and the overlay cannot both be standard input");
	if (a->json && !a->out)
		return nsim_cli_usage_error("import", "--json prints the diagnostics on standard output: give -o OUT "
					    "for the topology");
	return 0;
}

static int read_input(const char *cmd, const char *path, char **ret_text, size_t *ret_len)
{
	int r = nsim_load_read(path, ret_text, ret_len);
	if (r < 0 && r != -ENOMEM) {
		fprintf(stderr, "netsim %s: error: ", cmd);
		nsim_report_fputs_escaped(stderr, streq(path, "-") ? "<stdin>" : path);
		fprintf(stderr, ": %s\n", nsim_load_strerror(r));
	}
	return r;
}

/* Prints diags [from, n) in text with `text` as their source (unless --json collects them). */
static void show(const struct import_args *a, struct nsim_diag_printer *pr, struct nsim_diags *d, size_t from,
		 const char *text, size_t len)
{
	if (a->json)
		return;
	nsim_report_diags_text(pr, d, from, text, len);
}

int nsim_cmd_import(int argc, char **argv)
{
	struct import_args a = {0};
	int r = parse_args(argc, argv, &a);
	if (r != 0) {
		free_args(&a);
		return r;
	}
	_cleanup_free_ char *tpl = NULL, *ovl = NULL, *out = NULL;
	size_t tpl_len = 0, ovl_len = 0, out_len = 0;
	struct nsim_arena *arena = nsim_arena_new();
	struct nsim_diags diags;
	nsim_diags_init(&diags);
	struct nsim_diag_printer pr = {.out = stderr, .color = nsim_cli_color(2), .max = NSIM_REPORT_DIAGS_MAX,
				       .hint = "; --json lists them all"};
	struct nsim_topology *topo = NULL;
	int ret = NSIM_EXIT_FAIL;
	struct nsim_cfn_template *t = NULL;
	struct nsim_emit_node *root = NULL;
	struct nsim_import_options opts = {.expect_intent = a.intent};
	_cleanup_free_ char *header = NULL;
	const char *out_file = a.out ? a.out : "<output>";
	size_t first = 0, errors = 0;
	bool valid = false;
	const char *file = streq(a.template_path, "-") ? "<stdin>" : a.template_path;
	if (!arena) {
		r = -ENOMEM;
		goto out;
	}
	if (a.out && (r = nsim_file_check_writable(a.out)) < 0) {
		fprintf(stderr, "netsim import: error: ");
		nsim_report_fputs_escaped(stderr, a.out);
		fprintf(stderr, ": %s\n", nsim_file_strerror(r));
		r = 0;
		goto out;
	}
	r = read_input("import", a.template_path, &tpl, &tpl_len);
	if (r < 0)
		goto out;
	if (a.overlay_path) {
		r = read_input("import", a.overlay_path, &ovl, &ovl_len);
		if (r < 0)
			goto out;
	}

	if (ovl && (r = nsim_import_overlay_prefix_lists(arena, ovl, ovl_len, &opts.filled_prefix_lists)) < 0)
		goto out;
	/* the template: resolved, then mapped */
	r = nsim_cfn_load(arena, file, tpl, tpl_len, a.params, a.n_params, a.region, &diags, &t);
	if (r == 0)
		r = nsim_import_run(arena, t, &opts, &diags, &root);
	nsim_diags_sort(&diags, 0);
	show(&a, &pr, &diags, 0, tpl, tpl_len);
	if (r < 0)
		goto out;

	if (ovl) {
		first = diags.n;
		const char *ofile = streq(a.overlay_path, "-") ? "<stdin>" : a.overlay_path;
		r = nsim_import_overlay(arena, root, ofile, ovl, ovl_len, &diags);
		show(&a, &pr, &diags, first, ovl, ovl_len);
		if (r < 0)
			goto out;
	}

	if (asprintf(&header, "Imported by `netsim import` from %s (docs/import.md).\n"
			      "Each object's comment names its logical ID and resource type; values marked\n"
			      "\"chosen by netsim import\" are not in the template.", file) < 0) {
		r = -ENOMEM;
		goto out;
	}
	r = nsim_emit_text(root, header, &out, &out_len);
	if (r < 0)
		goto out;

	/* the result, checked as `netsim validate` does: diagnostics point into the text written */
	first = diags.n;
	errors = diags.n_errors;
	r = nsim_load_buffer(out_file, out, out_len, &diags, &topo);
	if (r == 0)
		r = nsim_validate(topo, &diags);
	nsim_diags_sort(&diags, first);
	show(&a, &pr, &diags, first, out, out_len);
	if (r == -ENOMEM)
		goto out;
	valid = r == 0 && diags.n_errors == errors;

	if (a.out) {
		r = nsim_file_write(a.out, nsim_file_text, out);
		if (r < 0) {
			fprintf(stderr, "netsim import: error: ");
			nsim_report_fputs_escaped(stderr, a.out);
			fprintf(stderr, ": %s\n", nsim_file_strerror(r));
			r = 0;
			goto out;
		}
	} else {
		fputs(out, stdout);
		fflush(stdout);
	}
	r = 0;
	ret = valid ? NSIM_EXIT_OK : NSIM_EXIT_FAIL;
out:
	if (a.json && nsim_report_diags_json(stdout, &diags) < 0)
		r = -ENOMEM;
	if (!a.json)
		nsim_report_diags_text_end(&pr);
	if (r == -ENOMEM || diags.oom) {
		fprintf(stderr, "netsim import: error: out of memory\n");
		ret = NSIM_EXIT_FAIL;
	}
	nsim_topology_free(topo);
	nsim_diags_clear(&diags);
	nsim_arena_free(arena);
	free_args(&a);
	return ret;
}
