/* SPDX-License-Identifier: MIT */
/*
 * Shared between the files of analyze/: how components are named in
 * explanations and fixes (names.c); the walk's state and its steps
 * (analyze.c), for the resource kinds that have a file of their own
 * (endpoints.c: VPC endpoints and prefix lists).
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/analyze.h"

#define MAX_DEPTH 4 /* NAT and peering hops one flow may take */

/* Where the packet crosses a subnet boundary: replayed backwards for the
 * reply, since ACLs are stateless. AWS: "Control subnet traffic with network
 * access control lists", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
struct crossing {
	size_t vpc, subnet;
	bool ingress;
	uint32_t src, dst; /* the packet's addresses there */
	uint16_t sport;    /* its source port there (the reply's destination port) */
	uint8_t leg;       /* whose source port: the walk's legs[] */
};

/* The source ports of one leg of the flow (the client's, or a NAT
 * gateway's after it): what it picks from, and those still passing. */
struct wleg {
	struct nsim_port_range range;
	struct nsim_ports pass;
	size_t vpc, nat; /* a NAT gateway's leg; nat NSIM_NONE: the client's */
};

/* Addresses, sorted, so a 1000-host matrix is not quadratic: private ones
 * per VPC (peered VPCs may not overlap, others may), public ones global.
 * AWS: "VPC peering limitations",
 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations */
enum entry_kind {
	E_HOST = 0, /* private address of a host */
	E_NAT,      /* private address of a NAT gateway */
	E_PUBLIC,   /* public IP of a host */
	E_EIP,      /* elastic IP of a NAT gateway */
	E_INET,     /* an internet host */
	E_VPCE,     /* a network interface of an interface endpoint: idx the endpoint, slot its subnet */
};

struct entry {
	uint32_t addr;
	size_t vpc; /* NSIM_NONE for global addresses */
	enum entry_kind kind;
	uint32_t slot; /* E_VPCE: the index in the endpoint's subnets */
	size_t idx;
	size_t vpc_of; /* the VPC of a public or elastic IP */
};

struct nsim_analyzer {
	const struct nsim_topology *t;
	struct entry *e;
	size_t n;
	bool endpoints; /* some VPC has an endpoint: the endpoint reasons apply */
};

struct walk {
	const struct nsim_analyzer *an;
	bool quiet; /* verdicts only: no hop or explanation text */
	const struct nsim_topology *t;
	const struct nsim_flow *f;
	struct nsim_analysis *a;
	struct crossing cross[16];
	size_t n_cross;
	bool done;
	/* the reply of a flow that came in through a gateway must route back to it */
	enum nsim_target_kind back_kind; /* NSIM_TARGET_UNRESOLVED: local, nothing to check */
	size_t back_idx;                 /* the peering */
	const char *back_name;
	/* the NAT gateways passed: each sends the reply on to the client by its subnet's table */
	struct nat_leg {
		size_t vpc, nat;
		uint32_t client;
	} nats[MAX_DEPTH + 2];
	size_t n_nats;
	/* source ports: legs[0] the client's, then one per NAT gateway passed */
	struct wleg legs[MAX_DEPTH + 3];
	size_t n_legs;
	uint8_t leg; /* the leg the packet is on now */
	/* the first ACL that lets the reply through for some ports only */
	struct {
		bool set;
		struct crossing c;
		const char *acl;
		uint32_t allow_rule, deny_rule; /* 0: none / `*` */
		struct nsim_ports returns;      /* the ports of the leg it returns */
	} partial;
};

/* ---- names (names.c) ---- */

/* Group sg of VPC vpc as an explanation names it, seen from VPC ctx (the
 * VPC of the host or endpoint it protects, or whose rule names it):
 * "VPC/GROUP" (the format's own syntax for peered references) when vpc is
 * not ctx or when a VPC peered with vpc has a group of the same name, else
 * the bare name. sg NSIM_NONE: the VPC's default group, "default". */
void nsim_analyze_sg_name(const struct nsim_topology *t, size_t ctx, size_t vpc, size_t sg, char *buf, size_t size);

/* The route table subnet s of VPC v uses: its own, else the VPC's main one;
 * NSIM_NONE: none (the local route only). */
size_t nsim_analyze_table_of(const struct nsim_vpc *v, const struct nsim_subnet *s);

/* ---- the walk's steps (analyze.c) ---- */

/* The address's entry in the index (vpc: NSIM_NONE for public addresses), or NULL. */
const struct entry *nsim_analyze_find(const struct nsim_analyzer *an, size_t vpc, uint32_t addr);
/* Appends a hop (nothing when quiet). */
__attribute__((format(printf, 5, 6))) void nsim_analyze_hop(struct walk *w, const char *component, const char *kind,
							    bool reply, const char *fmt, ...);
/* What decided, in model terms (struct nsim_decision): the component,
 * where the packet was and the packet; the flow's ports and protocol. */
struct nsim_decision nsim_analyze_decide(const struct walk *w, enum nsim_component_kind kind, size_t a, size_t b,
					 const char *name, size_t vpc, size_t subnet, uint32_t src, uint32_t dst);
/* Ends the walk with a verdict and what decided it (the first one counts)
 * and flags the last hop. */
__attribute__((format(printf, 6, 7))) void nsim_analyze_block(struct walk *w, enum nsim_reason reason,
							      enum nsim_prediction pred, const char *component,
							      const struct nsim_decision *d, const char *fmt, ...);
/* Text into buf (size bytes); what does not fit ends in "…". */
__attribute__((format(printf, 3, 4))) void nsim_analyze_textf(char *buf, size_t size, const char *fmt, ...);
/* "tcp/443", "icmp": the flow's protocol and port, in buf. */
const char *nsim_analyze_proto_port(const struct nsim_flow *f, char buf[32]);
/* Subnet si's ACL for the request (recorded for the reply); false: blocked. */
bool nsim_analyze_acl_forward(struct walk *w, size_t vi, size_t si, bool ingress, uint32_t src, uint32_t dst,
			      uint16_t sport);
/* The reply back through every subnet boundary the request crossed. */
void nsim_analyze_acl_return(struct walk *w, enum nsim_proto proto);
/* The reply's route from self (in subnet si) to src, and through the NAT
 * gateways passed; false: blocked. */
bool nsim_analyze_route_back(struct walk *w, size_t vi, size_t si, uint32_t self, uint32_t src);
bool nsim_analyze_nats_back(struct walk *w);
/* Whether one of the n services listens for the flow (ICMP: always). */
bool nsim_analyze_listening(const struct nsim_service *l, size_t n, const struct nsim_flow *f);
/* Whether the groups of h (a host, or the groups of something else given
 * as one) allow the packet from (ingress) or to peer; *ret_rule says which
 * rule, or what they allow. */
bool nsim_analyze_sg_allows(const struct walk *w, size_t vi, const struct nsim_host *h, bool ingress, uint32_t peer,
			    const struct nsim_flow *f, char *ret_rule, size_t size);
/* The groups of h (of VPC vi) as named from VPC ctx: "fn-sg, ops-sg". */
void nsim_analyze_sg_names(const struct nsim_topology *t, size_t ctx, size_t vi, const struct nsim_host *h, char *buf,
			   size_t size);
/* " (fn, in fn-sg)": the host that has addr and its groups (named from VPC
 * ctx), for messages; "" when none. */
void nsim_analyze_groups_of(const struct walk *w, size_t ctx, uint32_t addr, char *buf, size_t size);
/* The verdict of flow f as nsim_analyzer_flow(explain=false) gives it, but
 * without the endpoint reasons (what endpoints.c asks: no recursion). */
_must_check_ int nsim_analyze_verdict(const struct nsim_analyzer *an, const struct nsim_flow *f,
				      struct nsim_analysis *ret);
/* Delivery to internet host ii (the reply, the listener). */
void nsim_analyze_to_internet_host(struct walk *w, size_t ii, uint32_t src);

/* ---- VPC endpoints and prefix lists (endpoints.c) ---- */

/* The length of the longest CIDR of pl that contains addr, or -1. */
int nsim_analyze_pl_match(const struct nsim_prefix_list *pl, uint32_t addr);

/* Whether security-group rule r admits peer (a CIDR, a prefix list, or a
 * member of a group, found by a scan of the group's VPC: not for the walk's
 * hot path, which uses the analyzer's index) for proto and port. */
bool nsim_analyze_sg_rule_matches(const struct nsim_topology *t, const struct nsim_sg_rule *r, uint32_t peer,
				  enum nsim_proto proto, uint16_t port);
/* A route's destination as shown, for dst: "10.1.0.0/16", "pl:office (198.51.100.0/28)". */
void nsim_analyze_route_dest(const struct nsim_route *r, uint32_t dst, char *buf, size_t size);
/* Route r of subnet si's table targets a gateway endpoint: the service host. */
void nsim_analyze_gateway_endpoint(struct walk *w, size_t vi, size_t si, const struct nsim_route *r, uint32_t src);
/* dst is VPC vi's private address: when it is an interface endpoint's
 * network interface, walks the rest (from subnet si by the local route, or,
 * si NSIM_NONE, arriving from `via`) and returns true; false otherwise. */
bool nsim_analyze_endpoint_local(struct walk *w, size_t vi, size_t si, uint32_t src, uint32_t dst, uint16_t sport,
				 const char *via);
/* After the walk of a flow from a host: a blocked flow that an endpoint
 * would have carried gets the endpoint's reason (NAME_RESOLVES_PUBLIC,
 * ENDPOINT_NOT_IN_REGION). */
void nsim_analyze_endpoint_reasons(struct walk *w);
