/* SPDX-License-Identifier: MIT */
/*
 * Honest ports for check (issue 11): each probe's source port drawn at
 * random from its source's ephemeral range, unique in the run; and, to prove
 * an intermittent flow, a NAT gateway's source port pinned for one probe (an
 * nft table of the run's own in the NAT gateway's namespace, added before
 * the probes and deleted after them).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "analyze/analyze.h"
#include "model/model.h"
#include "model/ports.h"

struct nsim_check_ports {
	uint64_t used[65536 / 64]; /* the ports (and echo ids) given out */
	uint64_t rng;
	/* pins: nft rule lines per NAT gateway namespace */
	struct nsim_check_pin {
		char *ns;
		char *rules; /* lines of the chain */
	} *pins;
	size_t n_pins;
	bool applied;
};

/* Seeds the generator (NETSIM_CHECK_SEED=N: that seed, for replays); the
 * rest zero. */
void nsim_check_ports_init(struct nsim_check_ports *p);
/* Removes the pins (nsim_check_ports_unpin()) and frees them. */
void nsim_check_ports_done(struct nsim_check_ports *p);

/* The source ports `from` (a host or internet host, validated) picks.
 * AWS: "Ephemeral ports", https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
struct nsim_port_range nsim_check_source_ports(const struct nsim_topology *t, const struct nsim_endpoint *from);

/* A port not yet given out, at random: of set within range (set NULL: the
 * whole range), or with outside, of range but not of set. Marks it given
 * out. 0 when there is none; then, with fallback, any free port of
 * 1024-65535. */
uint16_t nsim_check_ports_pick(struct nsim_check_ports *p, struct nsim_port_range range, const struct nsim_ports *set,
			       bool outside, bool fallback);

/* Pins the source port a NAT gateway (in namespace ns) gives the flow
 * client:sport -> dst:dport (tcp or udp) to nat_addr:nat_port. 0 or -ENOMEM. */
_must_check_ int nsim_check_ports_pin(struct nsim_check_ports *p, const char *ns, enum nsim_proto proto,
				      uint32_t client, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t nat_addr,
				      uint16_t nat_port);
/* Loads the pins into the namespaces (the apply layer), or removes them.
 * 0 or -errno; *ret_error (may be NULL) the failure in words (caller frees). */
_must_check_ int nsim_check_ports_apply(struct nsim_check_ports *p, char **ret_error);
void nsim_check_ports_unpin(struct nsim_check_ports *p);
