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
#include "probe/probe.h"
#include "model/util.h"

struct nsim_check_opts {
	int timeout_ms;      /* per probe; default 1000 */
	const char *only;    /* fnmatch pattern on the name or "from -> to" label; NULL: all */
	unsigned parallel;   /* probes at once; default 128 */
	bool capture;        /* open captures (evidence, via); default true */
};

/* What one component saw of the probe's forward packets. */
struct nsim_hop {
	const char *component; /* as named in the topology ("nat-a", "main", "internet") */
	const char *kind;      /* "host", "VPC router", "NAT gateway", ... */
	char ns[128];
	double t_ms;           /* first forward packet, ms after the probe started */
	size_t first;          /* its position in the capture's (exactly ordered) packet list */
	char if_in[16], if_out[16];
	/* the first forward packet received and the first sent, as addresses:ports */
	bool has_in, has_out;
	uint32_t in_src, in_dst, out_src, out_dst;
	uint16_t in_sport, in_dport, out_sport, out_dport;
	bool reply_seen; /* a packet of the reverse direction passed here too */
	const struct nsim_packet **pkts; /* every packet of the flow seen here, for pcap files */
	size_t n_pkts;
};

struct nsim_check_result {
	size_t index; /* in topo->expects */
	const struct nsim_expect *e;
	char label[160];       /* the name, or "from → to port/proto" */
	char target[96];       /* "db:3306/tcp" */
	uint32_t addr;         /* the address probed */
	uint16_t port;
	enum nsim_proto proto;
	struct nsim_probe_result probe;
	enum nsim_verdict observed;
	bool passed;
	bool has_seen;
	uint32_t seen; /* the source address the responder reported */
	struct nsim_analysis predicted; /* what the model says of the same flow */
	bool model_disagrees;  /* the network did something else: a netsim bug */
	char reason[1024];     /* why it failed; "" when passed */
	char last_seen[64];    /* the last component a forward packet was seen at ("" if none) */
	struct nsim_hop *hops; /* components where the flow was seen, by time */
	size_t n_hops;
};

struct nsim_check_report {
	const char *name; /* the instance */
	struct nsim_check_result *results;
	size_t n_results;
	size_t n_passed, n_failed;
	double ms;
	uint64_t kernel_drops;     /* capture packets lost (evidence may be incomplete) */
	struct nsim_capture *capture; /* owns the packets the hops point at */
};

/*
 * Runs every expectation of t (as instance p->name, which must be up).
 * Returns 0 and *ret (owned by the caller; nsim_check_report_free()), or
 * -errno for a failure of netsim itself (*ret_error says what; caller frees).
 * Failed expectations are not an error: they are in the report.
 */
_must_check_ int nsim_check_run(const struct nsim_topology *t, const struct nsim_plan *p, const struct nsim_check_opts *opts,
		   struct nsim_check_report **ret, char **ret_error);
void nsim_check_report_free(struct nsim_check_report *r);
NSIM_DEFINE_FREEP(struct nsim_check_report, nsim_check_report_free)

