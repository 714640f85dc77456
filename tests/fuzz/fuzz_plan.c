/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the planner. Arbitrary bytes are loaded and validated;
 * a valid topology is planned, every op formatted as `netsim plan` shows it
 * and the whole plan report written (to /dev/null).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "plan/plan.h"
#include "report/report.h"

static FILE *sink(void)
{
	static FILE *f;
	if (!f && !(f = fopen("/dev/null", "we")))
		abort();
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = fuzz_topology(data, size);
	_cleanup_(nsim_plan_freep) struct nsim_plan *p = NULL;
	char line[512];

	if (!t)
		return -1; /* not a valid topology: libFuzzer 15+ keeps it out of the corpus (fuzz-load covers it) */
	int r = nsim_plan_build(t, NULL, &p);
	/* a validated topology always plans; only memory may run out */
	if (r < 0 && r != -ENOMEM)
		abort();
	if (r < 0)
		return 0;
	for (size_t i = 0; i < p->n_ops; i++) {
		/* every op kind has a command line (snprintf terminates it: a
		 * length check could not fail) */
		nsim_plan_op_format(&p->ops[i], line, sizeof(line));
		if (!line[0])
			abort();
	}
	nsim_report_plan_text(sink(), p);
	return 0;
}
