/* SPDX-License-Identifier: MIT */
/*
 * Probes: one TCP connect + response, one UDP request/response, or one ICMP
 * echo, sent from inside a namespace by a thread that entered it (setns
 * affects only the calling thread), so nothing is forked or exec'd.
 */
#pragma once

#include <stdint.h>

#include "model/model.h"
#include "model/util.h"

enum nsim_probe_outcome {
	NSIM_PROBE_REACHABLE = 0, /* connected (or echoed) and got the responder's line */
	NSIM_PROBE_REFUSED,       /* TCP RST or ICMP port unreachable: the path works, nothing listens */
	NSIM_PROBE_DROPPED,       /* no answer within the timeout */
	NSIM_PROBE_NO_ROUTE,      /* no route (locally, or ICMP net/host unreachable from a router) */
	NSIM_PROBE_ERROR,         /* the probe itself failed (namespace gone, a kernel limit hit: see detail) */
};

struct nsim_probe_result {
	enum nsim_probe_outcome outcome;
	int error;          /* errno behind REFUSED/NO_ROUTE/ERROR */
	char response[128]; /* the responder's line, without newline ("" if none) */
	double ms;          /* time to the outcome */
	uint16_t sport;     /* the source port (or echo id) used */
	/* With outcome ERROR because a kernel or process limit was reached
	 * (EMFILE, ENFILE, ENOBUFS for the neighbour table...): which limit, its
	 * value and what to do, in words; "" otherwise. */
	char detail[512];
};

/* Sends the probe from namespace `ns` (a full name, e.g. netsim-x-fn) to
 * addr:port. A probe that got no answer while the kernel's neighbour table
 * (one for all namespaces) refused entries is not a verdict: its outcome is
 * ERROR with error ENOBUFS and the words in detail. `sport` is the source port (TCP/UDP) or the echo id (ICMP) to
 * use, so captures can tell this probe's packets from others' (0: any; a
 * port already taken falls back to any). Returns 0 with *ret filled (the
 * outcome is in it), or -errno when no thread could be made. */
_must_check_ int nsim_probe(const char *ns, enum nsim_proto proto, uint32_t addr, uint16_t port, uint16_t sport,
	       int timeout_ms, struct nsim_probe_result *ret);

const char *nsim_probe_outcome_name(enum nsim_probe_outcome o);
