/* SPDX-License-Identifier: MIT */
/*
 * model -> an ordered list of kernel operations. Pure and deterministic: no
 * syscalls, no libnl or <linux/*> headers. apply/ executes the list in order;
 * `netsim plan` prints it.
 *
 * Namespaces are named by their full name ("netsim-<topology>-<node>"); links
 * by (namespace, ifname). Addresses are host byte order.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/net.h"

enum nsim_op_kind {
	NSIM_OP_NETNS = 0, /* create namespace `ns` (iproute2's /run/netns/<ns> recipe) */
	NSIM_OP_SYSCTL,    /* in `ns`: write `value` to /proc/sys/`key` */
	NSIM_OP_VETH,      /* veth `ifname` in `ns` <-> `peer_ifname` in `peer_ns`, each end created in its namespace */
	NSIM_OP_LINK_UP,   /* in `ns`: set `ifname` up (also "lo") */
	NSIM_OP_ADDR,      /* in `ns`: add `addr`/`prefix` to `ifname` (prefix 32 for routed ports) */
	NSIM_OP_ROUTE,     /* in `ns`: route `dst` in `table`: unicast via `gateway` (0 = none) dev `ifname` (NULL = any), or blackhole */
	NSIM_OP_RULE,      /* in `ns`: ip rule `priority`: from `src` (len 0 = any) iif `ifname` (NULL = any) lookup `table` */
	NSIM_OP_NFT,       /* in `ns`: load `text` (an nft ruleset) as one transaction */
};

enum nsim_route_type {
	NSIM_ROUTE_UNICAST = 0,
	NSIM_ROUTE_BLACKHOLE,
};

#define NSIM_TABLE_MAIN 254

struct nsim_op {
	enum nsim_op_kind kind;
	const char *ns;          /* every op */
	const char *ifname;      /* VETH, LINK_UP, ADDR, ROUTE (optional), RULE (optional) */
	const char *peer_ns;     /* VETH */
	const char *peer_ifname; /* VETH */
	const char *key;         /* SYSCTL: e.g. "net/ipv4/ip_forward" */
	const char *value;       /* SYSCTL */
	const char *text;        /* NFT */
	uint32_t addr;           /* ADDR */
	uint8_t prefix;          /* ADDR */
	struct nsim_cidr dst;    /* ROUTE */
	uint32_t gateway;        /* ROUTE: 0 = directly connected / dev route */
	enum nsim_route_type route_type; /* ROUTE */
	uint32_t table;          /* ROUTE, RULE */
	uint32_t priority;       /* RULE */
	struct nsim_cidr src;    /* RULE */
	const char *comment;     /* why this op exists, for `netsim plan` ("subnet app-c route table private") */
};
