/* SPDX-License-Identifier: MIT */
/*
 * Proving expectations on a running topology: every `expect:` entry becomes
 * a probe from inside its `from` host, run in parallel (bounded), while
 * captures in the namespaces along the way record the probe's packets. The
 * observed outcome, the source address the responder saw and the packets
 * seen at each component decide whether the expectation holds.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/analyze.h"
#include "model/model.h"
#include "plan/plan.h"
#include "probe/capture.h"
#include "probe/conntrack.h"
#include "probe/evidence.h"
#include "probe/probe.h"
#include "model/util.h"

struct nsim_check_opts {
	int timeout_ms;      /* per probe; default 1000 */
	const char *only;    /* fnmatch pattern on the name or "from -> to" label; NULL: all */
	unsigned parallel;   /* probes at once; default 128 */
	bool capture;        /* open captures (evidence, via); default true */
	bool no_drift;       /* skip the comparison with what `up` built */
	const char *digest_text; /* kernel.digest as `up` stored it (nsim_apply_digest_snapshot());
				  * NULL: nft rulesets are not compared */
	bool flow_log;       /* read the VPC routers' connection tracking after the probes (ct_flows) */
};

struct nsim_check_report {
	const char *name; /* the instance */
	struct nsim_arena *arena; /* owns every text of the report and its results */
	struct nsim_check_result *results;
	size_t n_results;
	size_t n_passed, n_failed; /* n_failed counts the rows whose probe could not run too */
	size_t n_unrun;            /* rows whose probe could not run */
	double ms;
	uint64_t kernel_drops;     /* capture packets lost (evidence may be incomplete) */
	const char *nflog_error;   /* drops some namespace does not report (nsim_capture_nflog_error()), NULL */
	/* opts->flow_log: the connections the VPC routers tracked (heap), and
	 * the run's start and end (unix seconds) */
	struct nsim_ct_flow *ct_flows;
	size_t n_ct_flows;
	long long start_s, end_s;
	struct nsim_capture *capture; /* owns the packets the hops point at */
	/* what differs from what `up` built, one finding each ("route 0.0.0.0/0
	 * missing from table private in netsim-x-main"), found before probing */
	const char **drift;
	size_t n_drift;
	/* an error of the run, not a verdict: probes that could not run ("the
	 * instance changed while it was being checked: namespace netsim-x-fn is
	 * gone"); NULL when none */
	const char *error;
};

/*
 * Runs every expectation of t (as instance p->name, which must be up): first
 * compares the instance with the plan (drift, unless opts->no_drift), then
 * probes. Returns 0 and *ret (owned by the caller; nsim_check_report_free()),
 * or -errno for a failure of netsim itself (*ret_error says what; caller
 * frees): -ENOMEM, or a capture's -errno. Failed expectations, drift and
 * probes that could not run are not an error: they are in the report
 * (n_failed, drift, error).
 */
_must_check_ int nsim_check_run(const struct nsim_topology *t, const struct nsim_plan *p, const struct nsim_check_opts *opts,
		   struct nsim_check_report **ret, char **ret_error);
void nsim_check_report_free(struct nsim_check_report *r);
NSIM_DEFINE_FREEP(struct nsim_check_report, nsim_check_report_free)

