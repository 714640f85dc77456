/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "report/escape.h"
#include "report/report.h"

void nsim_report_plan_text(FILE *out, const struct nsim_plan *p)
{
	fprintf(out, "# netsim plan for '%s': %zu operations in %zu namespaces, %zu responder%s\n", NSIM_ESC(p->name),
		p->n_ops, p->n_namespaces, p->n_responders, p->n_responders == 1 ? "" : "s");
	fprintf(out, "# (netsim does this through netlink and libnftables; the commands are equivalents)\n");
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct nsim_op *o = &p->ops[i];
		char line[512];
		nsim_plan_op_format(o, line, sizeof(line));
		if (o->kind == NSIM_OP_NETNS)
			fputc('\n', out);
		if (o->comment && o->kind != NSIM_OP_NFT)
			fprintf(out, "%-90s # %s\n", NSIM_ESC(line), NSIM_ESC(o->comment));
		else
			fprintf(out, "%s\n", NSIM_ESC(line));
		if (o->kind == NSIM_OP_NFT) {
			if (o->comment)
				fprintf(out, "# %s\n", NSIM_ESC(o->comment));
			fputs(o->text, out);
			fputs("EOF\n", out);
		}
	}
	fputc('\n', out);
	for (size_t i = 0; i < p->n_responders; i++) {
		const struct nsim_plan_responder *r = &p->responders[i];
		fprintf(out, "# responder in %s (%s):", NSIM_ESC(r->ns), NSIM_ESC(r->host));
		for (size_t j = 0; j < r->n_listen; j++) {
			const struct nsim_service *s = &r->listen[j];
			if (s->from == s->to)
				fprintf(out, " %u/%s", s->from, nsim_proto_name(s->proto));
			else
				fprintf(out, " %u-%u/%s", s->from, s->to, nsim_proto_name(s->proto));
		}
		fputc('\n', out);
	}
	/* processes (resolvers, services) with the files written for them */
	for (size_t i = 0; i < p->n_processes; i++) {
		const struct nsim_plan_process *pr = &p->processes[i];
		for (size_t j = 0; j < pr->n_files; j++)
			fprintf(out, "cat > " NSIM_PLAN_STATE_DIR "/%s <<'EOF'\n%sEOF\n", NSIM_ESC(pr->files[j].name),
				pr->files[j].text);
		fprintf(out, "# process %s in %s:", NSIM_ESC(pr->name), NSIM_ESC(pr->ns));
		for (size_t j = 0; pr->argv && j < pr->argv->argc; j++)
			fprintf(out, " %s", NSIM_ESC(pr->argv->argv[j]));
		fputc('\n', out);
	}
}
