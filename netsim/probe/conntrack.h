/* SPDX-License-Identifier: MIT */
/*
 * The connection tracking table of a namespace (libnl-nf-3, the conntrack
 * netlink interface), for flow logs (report/flow_log.h): what a VPC router
 * let through, with its packet and byte counters. docs/flow-logs.md says
 * why a library and why this one.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model/util.h"

/* One tracked connection: its original direction and the reply's. */
struct nsim_ct_flow {
	uint8_t proto;          /* IPPROTO_TCP, _UDP, _ICMP */
	uint32_t src, dst;      /* the original direction, host byte order */
	uint16_t sport, dport;  /* TCP/UDP ports; ICMP: the echo id in both */
	uint32_t reply_src, reply_dst;
	uint16_t reply_sport, reply_dport;
	uint64_t packets[2], bytes[2]; /* [0] original, [1] reply; 0 unless accounting was on */
};

/* Turns on conntrack accounting (net.netfilter.nf_conntrack_acct) in
 * namespace ns (a full name), so connections made from now on count their
 * packets and bytes. 0 or -errno. */
_must_check_ int nsim_conntrack_account(const char *ns);

/* The IPv4 connections tracked in namespace ns (a full name), read from a
 * thread that entered it. Returns 0 with *ret (caller frees) and *ret_n, or
 * -errno. */
_must_check_ int nsim_conntrack_dump(const char *ns, struct nsim_ct_flow **ret, size_t *ret_n);
