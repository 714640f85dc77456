/* SPDX-License-Identifier: MIT */
/*
 * The model-based path analysis (like AWS Reachability Analyzer): for a flow
 * it walks AWS's evaluation in order, without sending a packet:
 *   source SG egress -> source route table (longest prefix) -> source subnet
 *   ACL outbound -> target (local / internet gateway / NAT gateway / peering /
 *   blackhole) -> ... -> destination subnet ACL inbound -> destination SG
 *   ingress -> listener -> the reply back through the stateless ACLs.
 * Pure C over a validated model: no syscalls.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "model/ports.h"
#include "model/util.h"

/* Stable reason codes (docs/analyze.md). */
enum nsim_reason {
	NSIM_REASON_NONE = 0,        /* reachable */
	NSIM_REASON_NO_ROUTE,        /* no route matches, or nothing has the address */
	NSIM_REASON_BLACKHOLE_ROUTE, /* the matching route is a blackhole */
	NSIM_REASON_NO_PUBLIC_IP,    /* to the internet gateway without a public or elastic IP */
	NSIM_REASON_IGW_NOT_ATTACHED,
	NSIM_REASON_NAT_INBOUND_UNSOLICITED, /* a connection to a NAT gateway itself */
	NSIM_REASON_PEERING_NOT_TRANSITIVE,  /* not between the two peered VPCs */
	NSIM_REASON_ACL_DENY,                /* an ACL rule (or `*`) denies the packet */
	NSIM_REASON_ACL_RETURN_DENY,         /* an ACL denies the reply */
	NSIM_REASON_SG_INGRESS_NO_RULE,
	NSIM_REASON_SG_EGRESS_NO_RULE,
	NSIM_REASON_NO_LISTENER, /* delivered, nothing listens: refused */
	NSIM_REASON_NAME_NOT_FOUND, /* the flow's DNS name does not resolve from its source (analyze/dns.c) */
	/* VPC endpoints (analyze/endpoints.c) */
	NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE, /* the interface endpoint's groups do not admit the client */
	NSIM_REASON_ENDPOINT_NOT_IN_REGION,      /* the service is in another region than the VPC's endpoint */
	NSIM_REASON_NAME_RESOLVES_PUBLIC,        /* private DNS off: the service name gave its public address, and that path fails */
	/* an ACL lets the reply through for some of the source ports the client
	 * (or a NAT gateway) may pick, not all: intermittent */
	NSIM_REASON_ACL_RETURN_PARTIAL,
};

/* What a probe would observe, as classes the data plane can show. */
enum nsim_prediction {
	NSIM_PREDICT_REACHABLE = 0,
	NSIM_PREDICT_REFUSED, /* delivered, no listener */
	NSIM_PREDICT_BLOCKED, /* dropped or no route */
	/* reachable from some source ports, dropped from others (the reply, by a
	 * stateless network ACL): struct nsim_analysis's legs say which */
	NSIM_PREDICT_INTERMITTENT,
};

struct nsim_flow {
	struct nsim_endpoint from; /* a host or an internet host (resolved) */
	uint32_t dst;              /* the address the probe goes to */
	enum nsim_proto proto;     /* tcp, udp or icmp */
	uint16_t dport;
	/* the client's source port; 0: any of its ephemeral ports (the
	 * analysis covers them all: struct nsim_analysis's legs) */
	uint16_t sport;
	/* the source port a NAT gateway on the way picks; 0: any of 1024-65535 */
	uint16_t nat_sport;
	/* a DNS name to resolve from the source first (dst is then its answer);
	 * NULL: dst as given. One that does not resolve: NAME_NOT_FOUND. */
	const char *name;
};

#define NSIM_ANALYSIS_MAX_HOPS 48

/* What decided a blocked flow, in model terms: for suggested fixes
 * (analyze/fix.c) and blocked_by: assertions. comp.kind is
 * NSIM_COMP_UNRESOLVED when the flow is reachable. Kinds used:
 * SECURITY_GROUP (b: NSIM_NONE for the VPC's default group), NETWORK_ACL,
 * ROUTE_TABLE, VPC (nothing has the address; a routing loop; NAME_NOT_FOUND
 * from a host: its VPC's resolver), IGW (NO_PUBLIC_IP, IGW_NOT_ATTACHED: a =
 * the VPC), NAT, PEERING, ENDPOINT, HOST (nothing listens), INET_HOST
 * (nothing listens on an internet host), INTERNET (nothing there has the
 * address; NAME_NOT_FOUND from the internet). Several groups on a host
 * decide together: comp names the first, host the host, and blocked_by:
 * matches any of them. A reachable flow keeps comp UNRESOLVED but fills
 * where it arrived (vpc, subnet, host, src, dst): what the fix that closes
 * it starts from. */
struct nsim_decision {
	struct nsim_component comp; /* comp.ref.name: the component's name as shown */
	uint32_t rule;         /* NETWORK_ACL: the deciding rule's number; 0: the `*` rule */
	bool reply;            /* decided on the return path */
	bool ingress;          /* NETWORK_ACL, SECURITY_GROUP: by the inbound rules (else the outbound ones) */
	size_t vpc, subnet;    /* where the packet was (NSIM_NONE: on the internet) */
	size_t host;           /* SECURITY_GROUP ingress/egress: the host in vpc whose groups decided (NSIM_NONE: none) */
	uint32_t src, dst;     /* the packet there, after any NAT */
	uint16_t sport, dport;
	enum nsim_proto proto;
};

enum nsim_fix_action {
	NSIM_FIX_NONE = 0,
	NSIM_FIX_ADD,
	NSIM_FIX_REMOVE,
	NSIM_FIX_CHANGE,
};

/* The smallest change to the topology that would open (or, for a flow
 * expected unreachable, close) the path: computed by analyze/fix.c. */
struct nsim_fix {
	enum nsim_fix_action action;
	char component[64]; /* "db-sg", "main/db-sg", "private" */
	char path[160];     /* where in the file: "vpcs[main].security_groups[db-sg].ingress" */
	char yaml[256];     /* the YAML to add or remove, or the new value */
	char text[400];     /* the line shown after `fix:` */
	bool others;        /* other changes would also do */
};

/* Texts longer than their buffer end in "…" (never cut silently). */
struct nsim_ahop {
	char component[40]; /* as named in the topology (security groups: a list of names) */
	char kind[24];      /* "host", "security group", "route table", "network ACL", ... */
	char detail[200];   /* what was evaluated and its result */
	bool reply;         /* on the return path */
	bool blocked;       /* the hop that blocked the flow */
};

/* The source ports of one leg of a flow: the client's, or those a NAT
 * gateway picks after translating it. */
struct nsim_port_leg {
	char who[40];                 /* the client's or NAT gateway's name */
	bool nat;                     /* a NAT gateway's leg */
	struct nsim_port_range range; /* what it picks from (one port when pinned by the flow) */
	struct nsim_ports pass;       /* those for which the flow gets through */
};

#define NSIM_ANALYSIS_MAX_LEGS 3

struct nsim_analysis {
	enum nsim_prediction prediction;
	enum nsim_reason reason;
	char explanation[512];  /* one sentence, naming the component and rule */
	char blocked_at[40];    /* component that blocked ("" when reachable) */
	struct nsim_ahop hops[NSIM_ANALYSIS_MAX_HOPS];
	size_t n_hops;
	bool hops_truncated;    /* more hops than NSIM_ANALYSIS_MAX_HOPS: the rest left out */
	/* source ports: [0] the client's, then each NAT gateway passed
	 * (reachable and intermittent flows; legs past the third not shown) */
	struct nsim_port_leg legs[NSIM_ANALYSIS_MAX_LEGS];
	size_t n_legs;
	/* the share of the source-port choices (client's and NATs', each
	 * uniform and independent) that get through: 1 reachable, 0 blocked */
	double fraction;
	size_t partial_leg; /* intermittent: the leg (index in legs) whose ports the deciding ACL cuts */
	struct nsim_decision decision; /* filled with explain=true */
	/* filled with explain=true: where the network drops the packet, the
	 * decision's component but for a reply that its route sends another way
	 * than the request came (no route table drops a packet it has a route
	 * for): the first component on that way that drops it */
	struct nsim_decision dropped;
	struct nsim_fix fix;           /* filled with explain=true; action NSIM_FIX_NONE when there is none */
};

/* The address a probe from `from` uses for `to`: a host's private address
 * from its own or a peered VPC, its public IP from anywhere else (if it has
 * one); an internet host's address; a NAT gateway's elastic IP from outside
 * its VPC; an address as given; a DNS name's answer from `from`
 * (nsim_analyze_name; 0 when it does not resolve). */
uint32_t nsim_analyze_target(const struct nsim_topology *t, const struct nsim_endpoint *from,
			     const struct nsim_endpoint *to);

/* The flow of expectation e (not a command: one, which has none): from its
 * source, its protocol and first port, to nsim_analyze_target() of its
 * destination (a DNS name's answer, with the name). Lives as long as t. */
struct nsim_flow nsim_analyze_expect_flow(const struct nsim_topology *t, const struct nsim_expect *e);

/* Whether prediction a is the verdict e expects (its blocked_by: aside:
 * nsim_analyze_blocked_by_match()). */
bool nsim_analyze_expect_holds(const struct nsim_expect *e, const struct nsim_analysis *a);

/* Resolves DNS name `name` as `from` (a host: its VPC's resolver; an
 * internet host: public DNS) would (analyze/dns.c). Returns 0 and *ret_addr,
 * with the answer and its CNAME chain as a sentence in why; -ENOENT with why
 * saying why not (NXDOMAIN, no dns_support, a CNAME loop, not a name);
 * -EINVAL when from is neither a host nor an internet host. why: size bytes,
 * always terminated, written in both cases. */
_must_check_ int nsim_analyze_name(const struct nsim_topology *t, const struct nsim_endpoint *from, const char *name,
				   uint32_t *ret_addr, char *why, size_t size);

/* An analyzer over a validated topology (kept alive by the caller): indexes
 * its addresses once. *ret owned by the caller. 0 or -ENOMEM. */
struct nsim_analyzer;
_must_check_ int nsim_analyzer_new(const struct nsim_topology *t, struct nsim_analyzer **ret);
void nsim_analyzer_free(struct nsim_analyzer *an);
NSIM_DEFINE_FREEP(struct nsim_analyzer, nsim_analyzer_free)

/* Analyses one flow. explain=false computes the verdict and reason code
 * only (no hops, no sentence): for matrices. Returns 0 with *ret filled,
 * -EINVAL for a flow whose source is not a host or internet host. */
_must_check_ int nsim_analyzer_flow(const struct nsim_analyzer *an, const struct nsim_flow *f, bool explain,
		       struct nsim_analysis *ret);
/* The same, for one flow, with its own analyzer. */
_must_check_ int nsim_analyze_flow(const struct nsim_topology *t, const struct nsim_flow *f, struct nsim_analysis *ret);

/* A host, NAT gateway or internet host by name, or an address; else, text
 * with a '.', a DNS name (NSIM_EP_DNS, resolved later from the source:
 * struct nsim_flow's name). -ENOENT otherwise. *ret's ref points at text. */
_must_check_ int nsim_analyze_resolve(const struct nsim_topology *t, const char *text, struct nsim_endpoint *ret);

const char *nsim_reason_code(enum nsim_reason r);
const char *nsim_prediction_name(enum nsim_prediction p);

/* analyze/fix.c: suggested fixes, computed from the topology, the flow and
 * a->decision (nsim_analyzer_flow() with explain=true calls it for every
 * blocked flow). Fills a->fix with the smallest change to the file that
 * opens the path (the change nearest the component that decided; fix.others
 * when other changes would also do); action NSIM_FIX_NONE when no change to
 * the file can (a connection to a NAT gateway itself). f: the flow as
 * analysed (its dst the resolved address). The path grammar:
 * docs/analyze.md, "Suggested fixes". */
void nsim_analyze_fix(const struct nsim_topology *t, const struct nsim_flow *f, struct nsim_analysis *a);

/* For a flow expected unreachable that a (explain=true) finds reachable:
 * *ret the change that closes it, nearest the destination: the security
 * group rule that admits it (remove), else the route that carries it
 * (remove). action NSIM_FIX_NONE when a is not reachable. */
void nsim_analyze_fix_close(const struct nsim_topology *t, const struct nsim_flow *f, const struct nsim_analysis *a,
			    struct nsim_fix *ret);

/* "add", "remove", "change" ("none" for NSIM_FIX_NONE). */
const char *nsim_fix_action_name(enum nsim_fix_action a);

/* analyze/blocked_by.c: whether expectation e's `blocked_by:` holds for
 * its analysis a (explain=true): a's deciding component, rule or reason code
 * is the one named (a security group matches when it is one of the groups
 * that decided). True when e asserts none. When false, why (size bytes,
 * always terminated) says what blocks the flow instead, or that nothing
 * does. */
bool nsim_analyze_blocked_by_match(const struct nsim_topology *t, const struct nsim_expect *e,
				   const struct nsim_analysis *a, char *why, size_t size);

/* analyze/matrix.c: who can reach what. For every listen: entry of every
 * host and internet host (a service, at the first port of its range) and
 * every host and internet host as source (other than the service's own),
 * the verdict of the flow nsim_analyzer_flow(explain=false) gives. Hosts
 * the walk cannot tell apart (same VPC, subnet, groups, listeners,
 * ephemeral ports, kind, public IP or not, and the same of the topology's
 * CIDRs containing their addresses) form a class, and each pair of classes
 * is walked once: a matrix of 10,000 hosts is walked in a few thousand
 * flows instead of 100 million. */
struct nsim_matrix_service {
	size_t src;          /* the host or internet host: its index in sources */
	size_t listen;       /* the index in its listen: */
	uint16_t port;       /* the first port of that entry */
	enum nsim_proto proto;
	size_t row;          /* its row of cells: services of a class share one per listen: entry */
};

struct nsim_matrix_cell {
	uint8_t prediction; /* enum nsim_prediction */
	uint8_t reason;     /* enum nsim_reason */
	bool none;          /* no flow: a class of one, to its own service */
};

struct nsim_matrix {
	/* sources: every host (VPCs and hosts in file order), then every internet host */
	struct nsim_endpoint *src;
	const char **src_name; /* pointing into the topology */
	size_t *src_class;
	size_t n_src;
	/* the classes: class c's members are members[class_start[c] .. class_start[c + 1]),
	 * in source order; classes are numbered by their first member */
	size_t *members, *class_start;
	size_t n_classes;
	struct nsim_matrix_service *svc; /* in source order, then listen: order */
	size_t n_svc;
	size_t *row_svc; /* the service each row was walked for */
	size_t n_rows;
	struct nsim_matrix_cell *cells; /* n_rows x n_classes */
	size_t flows;  /* the pairs of service and source the matrix answers */
	size_t walked; /* the flows walked for them */
};

/* The matrix of an (validated) topology's analyzer; per_host: every source
 * a class of its own (each pair walked: for comparisons). *ret owned by the
 * caller, pointing into the topology. 0 or -ENOMEM. */
_must_check_ int nsim_analyze_matrix(const struct nsim_analyzer *an, bool per_host, struct nsim_matrix **ret);
void nsim_matrix_free(struct nsim_matrix *m);
NSIM_DEFINE_FREEP(struct nsim_matrix, nsim_matrix_free)

/* The verdict of service svc from source src (indexes into m->svc and
 * m->src): NULL when src is the service's own endpoint (no flow). */
const struct nsim_matrix_cell *nsim_matrix_cell(const struct nsim_matrix *m, size_t svc, size_t src);
