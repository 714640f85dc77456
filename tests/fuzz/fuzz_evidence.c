/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: check's pure half (probe/evidence.c) over arbitrary valid
 * topologies. The input is loaded and validated; every expectation is
 * prepared (candidates, address, label), then fed a synthetic packet list
 * and probe outcome drawn from a generator seeded by the input, so the
 * evidence and verdict code meet matching, reversed, ICMP-error and stray
 * packets on every candidate. Aborts when a result breaks its contract.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "fuzz.h"
#include "analyze/analyze.h"
#include "load/load.h"
#include "model/arena.h"
#include "probe/evidence.h"
#include "validate/validate.h"


static uint64_t rng;

static uint32_t next(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static void check_contract(const struct nsim_check_result *r)
{
	if (!r->reason || !r->last_seen || !r->label || !r->target || !r->flow || !r->from_ns)
		abort();
	if (r->passed && r->reason[0])
		abort();
	if (!r->passed && !r->reason[0])
		abort();
	for (size_t k = 0; k + 1 < r->n_hops; k++)
		if (r->hops[k].first > r->hops[k + 1].first)
			abort();
	for (size_t k = 0; k < r->n_hops; k++)
		if (!r->hops[k].ns || !r->hops[k].n_pkts || strnlen(r->hops[k].if_in, 16) == 16)
			abort();
	if (r->n_hops && strcmp(r->last_seen, r->hops[r->n_hops - 1].component) != 0)
		abort();
}

/* A packet in component k's namespace, related to r's probe or not. */
static void synth(const struct nsim_check_prep *pp, size_t k, const struct nsim_check_result *r, uint16_t sport,
		  double t, struct nsim_packet *p)
{
	const struct nsim_check_comp *c = &pp->comps[k];
	uint32_t x = next();
	*p = (struct nsim_packet){.ns = c->ns_idx, .t_ms = t, .dir = (x & 1) ? NSIM_PKT_IN : NSIM_PKT_OUT};
	if (c->n_ifaces && (x & 2))
		snprintf(p->ifname, sizeof(p->ifname), "%s", c->ifaces[next() % c->n_ifaces]);
	else
		memset(p->ifname, 'e', sizeof(p->ifname)); /* unterminated, as a hostile capture might give */
	static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP};
	/* mostly the probe's own protocol, so that many packets belong to its flow */
	p->proto = (x & 4) ? (r->proto == NSIM_PROTO_TCP ? IPPROTO_TCP : r->proto == NSIM_PROTO_UDP ? IPPROTO_UDP : IPPROTO_ICMP)
			   : protos[(x >> 3) % 3];
	p->src = next(), p->dst = (x & 16) ? r->addr : next();
	bool fwd = x & 32, related = (x & 64) || (x & 512);
	uint16_t a = related ? sport : (uint16_t)next(), b = related ? r->port : (uint16_t)next();
	p->sport = fwd ? a : b;
	p->dport = fwd ? b : a;
	p->icmp_type = (x & 128) ? (fwd ? 8 : 0) : 3;
	p->quoted_proto = p->icmp_type == 3 ? protos[(x >> 8) % 3] : 0;
}

static void one(struct nsim_check_prep *pp, const struct nsim_analyzer *an, struct nsim_arena *arena, size_t ei)
{
	struct nsim_check_result r;
	struct nsim_check_cands cands = {0};
	if (nsim_check_prepare(pp, ei, arena, &r, &cands) < 0) {
		nsim_check_cands_done(&cands);
		return;
	}
	for (size_t i = 0; i < cands.n; i++)
		if (cands.idx[i] >= pp->n_comps)
			abort();
	/* capture indexes: some components captured, some not */
	for (size_t i = 0; i < pp->n_comps; i++)
		pp->comps[i].ns_idx = (next() & 7) ? i : NSIM_NONE;

	uint16_t sport = (uint16_t)(32768 + ei);
	static const enum nsim_probe_outcome outcomes[] = {NSIM_PROBE_REACHABLE, NSIM_PROBE_REFUSED, NSIM_PROBE_DROPPED,
							   NSIM_PROBE_NO_ROUTE, NSIM_PROBE_ERROR};
	r.probe = (struct nsim_probe_result){.outcome = outcomes[next() % 5], .error = (int)(next() % 134),
					     .ms = next() % 2000, .sport = (next() & 15) ? sport : 0};
	if (next() & 1)
		snprintf(r.probe.response, sizeof(r.probe.response), "netsim x %u/tcp from %u.%u.%u.%u:%u", r.port,
			 next() % 256, next() % 256, next() % 256, next() % 256, next() % 65536);
	else
		memset(r.probe.response, 'x', sizeof(r.probe.response)); /* unterminated */

	size_t n = cands.n ? next() % (4 * cands.n + 1) : 0;
	struct nsim_packet *pkts = calloc(n + 1, sizeof(*pkts));
	if (!pkts) {
		nsim_check_cands_done(&cands);
		return;
	}
	double t0 = 1000.0;
	for (size_t i = 0; i < n; i++)
		synth(pp, cands.idx[next() % cands.n], &r, sport, t0 - 1.05 + (double)i * 0.01, &pkts[i]);

	/* drops the network reported: netsim's prefixes with indexes in and out of range, and garbage */
	static const char *const kinds[] = {"sg", "esg", "acl", "pcx", "nat", "igw", "bh", "nr", "ept", "x"};
	static const char *const tails[] = {"", ":i", ":e", ":*", ":i:*", ":e:100", ":ii"};
	size_t n_drops = next() % 4;
	struct nsim_drop_packet drops[4];
	for (size_t i = 0; i < n_drops; i++) {
		drops[i] = (struct nsim_drop_packet){0};
		synth(pp, cands.n ? cands.idx[next() % cands.n] : 0, &r, sport, t0 + (double)i * 0.01, &drops[i].p);
		drops[i].p.len = (uint16_t)next();
		char code[48];
		unsigned n_nums = next() % 4;
		int len = snprintf(code, sizeof(code), "%s", kinds[next() % ELEMENTSOF(kinds)]);
		for (unsigned k = 0; k < n_nums && len > 0 && (size_t)len < sizeof(code); k++)
			len += snprintf(code + len, sizeof(code) - (size_t)len, ":%u", next() % (k == 2 ? 300 : 4));
		if (len > 0 && (size_t)len < sizeof(code))
			snprintf(code + len, sizeof(code) - (size_t)len, "%s", tails[next() % ELEMENTSOF(tails)]);
		snprintf(drops[i].prefix, sizeof(drops[i].prefix), "%s%s", (next() & 7) ? "nsim:" : "", code);
	}

	if (nsim_check_collect_hops(pp, &cands, t0, pkts, n, arena, &r) == 0 &&
	    nsim_check_collect_drop(pp, t0, drops, n_drops, arena, &r) == 0 &&
	    nsim_check_judge(pp->t, (next() & 3) ? an : NULL, 1000, next() & 1, arena, &r) == 0)
		check_contract(&r);
	nsim_check_result_done(&r);
	free(pkts);
	nsim_check_cands_done(&cands);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rng = 0x6e6574736d;
	for (size_t i = 0; i < size; i++)
		rng = (rng ^ data[i]) * 0x100000001b3ull;
	struct nsim_topology *t = fuzz_topology(data, size);
	if (t) {
		struct nsim_analyzer *an = NULL;
		struct nsim_arena *arena = nsim_arena_new();
		struct nsim_check_prep pp = {.t = t, .instance = t->name.name ? t->name.name : "fuzz"};
		if (arena && nsim_analyzer_new(t, &an) == 0)
			for (size_t i = 0; i < t->n_expects; i++)
				one(&pp, an, arena, i);
		nsim_check_prep_done(&pp);
		nsim_analyzer_free(an);
		nsim_arena_free(arena);
	}
	nsim_topology_free(t);
	return 0;
}
