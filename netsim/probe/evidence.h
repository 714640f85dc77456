/* SPDX-License-Identifier: MIT */
/*
 * The pure half of `check`: for each expectation, the address probed, its
 * label, the components whose captures may see the probe (candidates); then,
 * from a list of captured packets, where the probe was seen (hops), and the
 * verdict held against the expectation and the model. No syscalls: the
 * kernel-facing half (probe/check.c) runs probes and captures and calls these,
 * and tests/fuzz/fuzz_evidence.c drives them over arbitrary topologies.
 *
 * Every text of a result is sized from its content and owned by an arena the
 * caller gives (the report's).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/analyze.h"
#include "model/arena.h"
#include "model/hashmap.h"
#include "model/model.h"
#include "model/util.h"
#include "probe/capture.h"
#include "probe/probe.h"

/* What one component saw of the probe's forward packets. */
struct nsim_hop {
	const char *component; /* as named in the topology ("nat-a", "main", "internet") */
	const char *kind;      /* "host", "VPC router", "NAT gateway", ... */
	const char *ns;        /* its namespace (arena) */
	double t_ms;           /* first forward packet, ms after the probe started */
	size_t first;          /* its position in the capture's (exactly ordered) packet list */
	char if_in[16], if_out[16]; /* IFNAMSIZ */
	/* the first forward packet received and the first sent, as addresses:ports */
	bool has_in, has_out;
	uint32_t in_src, in_dst, out_src, out_dst;
	uint16_t in_sport, in_dport, out_sport, out_dport;
	bool reply_seen; /* a packet of the reverse direction passed here too */
	const struct nsim_packet **pkts; /* every packet of the flow seen here, for pcap files (heap) */
	size_t n_pkts;
	/* 1: the source's own flow (a command's: its packets); 2: a relay's
	 * flow from the proxy to its target (reaches:, targets:) */
	int leg;
};

/* Where the network dropped a probe, as netsim's NFLOG prefix names it
 * (plan.h), decoded against the topology. */
struct nsim_check_drop {
	struct nsim_decision decision; /* the same terms as the model's (comp, host, rule, ingress) */
	bool no_route;         /* "nr": no route at the VPC's router (the model may name the table or the VPC) */
	const char *component; /* "db-sg", "data" (network ACL), "private" (route table) (arena or topology) */
	const char *kind;      /* "security group", "network ACL", "route table", "NAT gateway", ... */
	const char *direction; /* "ingress", "egress", "" */
	const char *rule;      /* "no rule matched", "rule 100", "rule *", "blackhole route", "no route", ... */
	const char *ns;        /* the namespace that dropped it (arena) */
	const char *ifname;    /* the interface it came in on ("" when none) */
	const char *prefix;    /* as logged (arena) */
	const char *text;      /* nsim_check_drop_text() (arena) */
	double t_ms;           /* ms after the probe started */
	uint32_t src, dst;     /* the packet dropped */
	uint16_t sport, dport;
	uint8_t proto, tcp_flags;
	uint32_t bytes;        /* the packet's IP length */
	bool reply;            /* it was the reply */
};

/* Decodes an NFLOG prefix of netsim's ("nsim:sg:0:2:i") against topology t
 * into *ret's decision, component, kind, direction and rule (texts from
 * arena or t). Returns 0, -EINVAL for a prefix that is not netsim's or names
 * nothing in t, -ENOMEM. */
_must_check_ int nsim_check_drop_decode(const struct nsim_topology *t, const char *prefix, struct nsim_arena *arena,
					struct nsim_check_drop *ret);

/* Whether the network's drop d is where the model's decision dec says the
 * flow is blocked: the same component (for security groups: the same host's
 * groups, the same direction; for network ACLs: the same rule and
 * direction; for no route: the VPC or one of its route tables). */
bool nsim_check_drop_matches(const struct nsim_check_drop *d, const struct nsim_decision *dec);

/* Whether the model's reason names the component that drops the packet:
 * not for NAME_RESOLVES_PUBLIC and ENDPOINT_NOT_IN_REGION, which name the
 * endpoint that sent the flow elsewhere; what drops it there is another
 * component (a route, an internet gateway), and only the verdicts are
 * compared. */
bool nsim_check_reason_names_dropper(enum nsim_reason reason);

/* "db-sg (ingress, no rule matched) dropped 10.0.3.4:33012 → 10.0.4.4:3306 SYN" (arena). */
const char *nsim_check_drop_text(const struct nsim_check_drop *d, struct nsim_arena *arena);

struct nsim_check_result {
	size_t index; /* in topo->expects */
	const struct nsim_expect *e;
	const char *label;     /* the name, or "from → to port/proto" (arena) */
	const char *target;    /* "db:3306/tcp" (arena) */
	const char *flow;      /* "from → target" (arena) */
	const char *from_ns;   /* the namespace the probe is sent from (arena) */
	uint32_t addr;         /* the address probed */
	uint16_t port;
	enum nsim_proto proto;
	struct nsim_probe_result probe;
	enum nsim_verdict observed;
	bool passed;
	bool has_seen;
	uint32_t seen; /* the source address the responder reported */
	struct nsim_analysis predicted; /* what the model says of the same flow */
	bool has_predicted;    /* predicted was computed */
	bool model_disagrees;  /* the network did something else: a netsim bug (or drift) */
	const char *reason;    /* why it failed; "" when passed (arena) */
	/* a failed expectation the model explains: the change to the file that
	 * would make it hold (the path's fix, or for a flow expected
	 * unreachable that is reachable, what to remove); action NSIM_FIX_NONE
	 * when none */
	struct nsim_fix fix;
	const char *last_seen; /* the last component a forward packet was seen at ("" if none) */
	struct nsim_hop *hops; /* components where the flow was seen, by time (heap) */
	size_t n_hops;
	/* where the network dropped the probe (netsim's NFLOG group), when it said */
	bool has_dropped_at;
	struct nsim_check_drop dropped_at;

	/* to: a DNS name (dns_name non-NULL): resolved from the source's VPC */
	const char *dns_name;
	uint32_t resolver;               /* the VPC's resolver queried (0: the source has none) */
	struct nsim_probe_answer answer; /* the network's answer (set by the caller before judging) */
	bool dns_queried;                /* answer is set */
	bool model_resolves;             /* the model's answer: model_addr, or NAME_NOT_FOUND */
	uint32_t model_addr;
	const char *model_dns_error;     /* why the model has no answer ("NXDOMAIN", "no DNS support"), "" */

	/* reaches: / a relay: the host whose responder answered ("" when none said) */
	const char *answered_by;
	uint16_t seen_port;              /* the source port the responder reported */
	bool relay;                      /* the target is a proxy with targets: */
	uint32_t relay_addr;             /* the proxy's address: the source its targets see */
	const char *reached;             /* the host the bytes arrived at (the line's, or leg 2's capture), "" */
	const char *model_reaches;       /* the host the model says the bytes arrive at, "" when none */
	struct nsim_analysis predicted2; /* the model of leg 2 (the proxy to a target), has_predicted2 */
	bool has_predicted2;
	const char *leg2;                /* "proxy → db:3306/tcp" (arena), "" when no relay */

	/* honest ports (issue 11): the NAT gateway's source port pinned for
	 * this probe by check (0: the NAT picks one at random); an intermittent
	 * expectation's probe: which half of the proof it is (1: a port the
	 * model says passes, 2: one it says fails; 0: an ordinary probe) */
	uint16_t nat_port;
	int port_probe;

	/* command: (is_command) */
	bool is_command;
	const char *command;             /* as written (arena) */
	struct nsim_probe_command_result cmd; /* set by the caller before judging */
	uint32_t from_addr;              /* the source host's address: its packets are the command's */
	const char *output_tail;         /* its last lines of output, as written ("" when none; arena) */
};

/* A place packets can be seen: a namespace, optionally some of its interfaces. */
struct nsim_check_comp {
	const char *name; /* points into the topology */
	const char *kind;
	char *ns;         /* owned */
	char **ifaces;    /* owned; NULL: every interface */
	size_t n_ifaces;
	size_t ns_idx;    /* the caller's: index in the capture's namespace list, NSIM_NONE if none */
};

/* The components of every probe of one run, shared so each namespace is
 * captured once. Zero it, then set t and instance. */
struct nsim_check_prep {
	const struct nsim_topology *t;
	const char *instance;
	struct nsim_check_comp *comps;
	size_t n_comps, cap_comps;
	/* the source ports (and echo ids) of the run's probes, a bitmap of
	 * 65536 bits set by the caller (not owned); NULL: ports
	 * NSIM_CHECK_SPORT_BASE + n */
	const uint64_t *probe_ports;
	/* the run's packets by port (probe/pkt_index.h), so each probe reads
	 * its own packets, not all of them; NULL: every packet is read */
	const struct nsim_check_pkt_index *pkt_index;
	/* comps by name, kind and namespace (their index + 1): each found
	 * without a scan of them all */
	struct nsim_hashmap comp_map;
	/* the hosts by private and public address, sorted (made by the first
	 * nsim_check_prepare() that needs it) */
	struct nsim_check_host_addr {
		uint32_t addr;
		size_t vpc, idx;
	} *host_addrs;
	size_t n_host_addrs;
	/* the run's drops by port, as pkt_index (NULL: every drop is read) */
	const struct nsim_check_pkt_index *drop_index;
};

/* Packets by port: the indexes (ascending) of the packets whose source or
 * destination port (an ICMP echo's id, an ICMP error's quoted ports) is p
 * are idx[start[p] .. start[p + 1]). Built by nsim_check_pkt_index_build()
 * (probe/pkt_index.c). */
struct nsim_check_pkt_index {
	size_t *start; /* 65537 entries */
	size_t *idx;
};

/* The candidate components of one probe: indexes into prep->comps. */
struct nsim_check_cands {
	size_t *idx;
	size_t n, cap;
};

void nsim_check_prep_done(struct nsim_check_prep *pp);
void nsim_check_cands_done(struct nsim_check_cands *c);
/* Frees what a result holds on the heap (its hops); its texts are the arena's. */
void nsim_check_result_done(struct nsim_check_result *r);

/* Each probe of a run binds a source port (or echo id) of its own, drawn
 * from its source's ephemeral range (probe/check.c; nsim_check_prep's
 * probe_ports), so its packets can be told apart in the captures; without
 * that bitmap, probe n's is NSIM_CHECK_SPORT_BASE + n. */
#define NSIM_CHECK_SPORT_BASE 32768u

/* The address of the Amazon-provided DNS server of VPC vi (its base +2), 0
 * when it has none (dns_support: false). AWS: "Amazon DNS server",
 * https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html */
uint32_t nsim_check_resolver(const struct nsim_topology *t, size_t vi);

/*
 * Prepares the probe of expectation ei of pp->t (validated): fills *ret (the
 * address probed, label, target, flow, from_ns; the rest zero, texts "") and
 * appends its candidate components to *cands (zeroed by the caller, freed
 * with nsim_check_cands_done() in every case). Texts come from `arena`.
 * Returns 0, -EINVAL when the expectation's source is not a host or internet
 * host, or -ENOMEM.
 */
_must_check_ int nsim_check_prepare(struct nsim_check_prep *pp, size_t ei, struct nsim_arena *arena,
				    struct nsim_check_result *ret, struct nsim_check_cands *cands);

/*
 * Finds where r's probe (r->probe.sport, started at t0, CLOCK_REALTIME ms)
 * was seen among pkts[0..n) (ordered by time; ns as the comps' ns_idx), and
 * sets r->hops (by time; freed by nsim_check_result_done()) and
 * r->last_seen. Returns 0 or -ENOMEM (r->hops then NULL).
 */
_must_check_ int nsim_check_collect_hops(const struct nsim_check_prep *pp, const struct nsim_check_cands *cands,
					 double t0, const struct nsim_packet *pkts, size_t n, struct nsim_arena *arena,
					 struct nsim_check_result *r);

/*
 * Finds the first drop among drops[0..n) (ordered by time; p.ns as the
 * comps' ns_idx) of r's probe (its source port r->probe.sport, either
 * direction, from t0 on) and sets r->dropped_at. Returns 0 (none found is
 * no error), or -ENOMEM.
 */
_must_check_ int nsim_check_collect_drop(const struct nsim_check_prep *pp, double t0,
					 const struct nsim_drop_packet *drops, size_t n, struct nsim_arena *arena,
					 struct nsim_check_result *r);

/*
 * Decides r->passed, r->observed and r->reason from r->probe and r->hops,
 * and sets r->predicted from the analyzer `an` (may be NULL: no model), for
 * every outcome, a probe that could not run too. A disagreement of model and
 * network sets r->model_disagrees; its reason says "netsim bug", or, when
 * `drifted`, that the instance was changed outside netsim. timeout_ms: the
 * probe's, for the reason's words. Returns 0 or -ENOMEM.
 */
_must_check_ int nsim_check_judge(const struct nsim_topology *t, const struct nsim_analyzer *an, int timeout_ms,
				  bool drifted, struct nsim_arena *arena, struct nsim_check_result *r);
