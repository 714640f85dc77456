/* SPDX-License-Identifier: MIT */
/*
 * check's packets by port (probe/pkt_index.c): the index lists exactly the
 * packets with a port, in order; and a probe's hops found through it (its
 * source port, then the NAT gateway's) are the hops found by reading every
 * packet, among thousands of other probes' packets.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/analyze.h"
#include "load/load.h"
#include "model/arena.h"
#include "model/net.h"
#include "model/util.h"
#include "probe/evidence.h"
#include "probe/pkt_index.h"
#include "validate/validate.h"

#define N_NOISE 5000
#define SPORT 32768
#define NAT_PORT 40000

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 33) % n;
}

static uint32_t A(const char *s)
{
	uint32_t a;
	assert_int_equal(nsim_addr_parse(s, &a), 0);
	return a;
}

static void test_index(void **state)
{
	(void)state;
	struct nsim_packet *p = calloc(N_NOISE, sizeof(*p));
	assert_non_null(p);
	for (size_t i = 0; i < N_NOISE; i++) {
		p[i].sport = (uint16_t)(rnd(2) ? 1000 + rnd(50) : rnd(65536));
		p[i].dport = (uint16_t)(rnd(4) ? 1000 + rnd(50) : p[i].sport); /* some with both ports the same */
	}
	struct nsim_check_pkt_index x;
	assert_int_equal(nsim_check_pkt_index_build(p, N_NOISE, &x), 0);
	size_t *count = calloc(65536, sizeof(*count));
	assert_non_null(count);
	for (size_t i = 0; i < N_NOISE; i++) {
		count[p[i].sport]++;
		if (p[i].dport != p[i].sport)
			count[p[i].dport]++;
	}
	for (uint32_t port = 0; port < 65536; port++) {
		size_t k = x.start[port];
		assert_int_equal(x.start[port + 1] - k, count[port]);
		for (size_t i = 0; count[port] && i < N_NOISE; i++)
			if (p[i].sport == port || p[i].dport == port) {
				assert_true(k < x.start[port + 1]);
				assert_int_equal(x.idx[k++], i);
			}
		assert_int_equal(k, x.start[port + 1]);
	}
	nsim_check_pkt_index_done(&x);
	free(count);
	free(p);
}

/* The drops' index: the same over the packets inside them. */
static void test_drop_index(void **state)
{
	(void)state;
	size_t n = 2000;
	struct nsim_drop_packet *d = calloc(n, sizeof(*d));
	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		d[i].p.sport = (uint16_t)(1000 + rnd(100));
		d[i].p.dport = (uint16_t)(rnd(3) ? 1000 + rnd(100) : d[i].p.sport);
	}
	struct nsim_check_pkt_index x;
	assert_int_equal(nsim_check_drop_index_build(d, n, &x), 0);
	for (uint32_t port = 990; port < 1110; port++) {
		size_t k = x.start[port];
		for (size_t i = 0; i < n; i++)
			if (d[i].p.sport == port || d[i].p.dport == port)
				assert_int_equal(x.idx[k++], i);
		assert_int_equal(k, x.start[port + 1]);
	}
	assert_int_equal(x.start[65536], x.start[1100]);
	nsim_check_pkt_index_done(&x);
	free(d);
}

struct run {
	struct nsim_topology *t;
	struct nsim_arena *arena;
	struct nsim_check_prep pp;
	struct nsim_check_cands cands;
	struct nsim_check_result r;
};

static size_t ns_of(const struct run *u, const char *name)
{
	for (size_t i = 0; i < u->pp.n_comps; i++)
		if (streq(u->pp.comps[i].name, name))
			return u->pp.comps[i].ns_idx;
	fail_msg("no component %s", name);
	return 0;
}

static struct nsim_packet pkt(const struct run *u, const char *name, const char *ifname, enum nsim_pkt_dir dir,
			      double t, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct nsim_packet p = {.ns = ns_of(u, name), .dir = dir, .t_ms = t, .proto = IPPROTO_TCP, .src = A(src),
				.dst = A(dst), .sport = sport, .dport = dport};
	snprintf(p.ifname, sizeof(p.ifname), "%s", ifname);
	return p;
}

/* The expectation of many-nat.yaml, its probe's packets among noise (other
 * probes' ports at the same components), collected with or without the index. */
static void collect(struct run *u, bool indexed)
{
	struct nsim_diags d;
	nsim_diags_init(&d);
	assert_int_equal(nsim_load_file("tests/data/check/many-nat.yaml", &d, &u->t), 0);
	assert_int_equal(nsim_validate(u->t, &d), 0);
	nsim_diags_clear(&d);
	assert_non_null(u->arena = nsim_arena_new());
	u->pp = (struct nsim_check_prep){.t = u->t, .instance = "x"};
	assert_int_equal(nsim_check_prepare(&u->pp, 0, u->arena, &u->r, &u->cands), 0);
	for (size_t i = 0; i < u->pp.n_comps; i++)
		u->pp.comps[i].ns_idx = i;
	u->r.probe = (struct nsim_probe_result){.outcome = NSIM_PROBE_REACHABLE, .ms = 1.0, .sport = SPORT};
	snprintf(u->r.probe.response, sizeof(u->r.probe.response), "netsim api 443/tcp from 203.0.113.101:%u", NAT_PORT);

	const struct nsim_packet probe[] = {
		pkt(u, "app", "eth0", NSIM_PKT_OUT, 100.10, "10.30.2.4", SPORT, "198.51.100.20", 443),
		pkt(u, "vpc", "h-app", NSIM_PKT_IN, 100.11, "10.30.2.4", SPORT, "198.51.100.20", 443),
		pkt(u, "vpc", "n-nat-1", NSIM_PKT_OUT, 100.12, "10.30.2.4", SPORT, "198.51.100.20", 443),
		pkt(u, "nat-1", "eth0", NSIM_PKT_IN, 100.13, "10.30.2.4", SPORT, "198.51.100.20", 443),
		pkt(u, "nat-1", "eth0", NSIM_PKT_OUT, 100.14, "10.30.1.4", NAT_PORT, "198.51.100.20", 443),
		pkt(u, "igw", "vpc", NSIM_PKT_IN, 100.15, "10.30.1.4", NAT_PORT, "198.51.100.20", 443),
		pkt(u, "igw", "inet", NSIM_PKT_OUT, 100.16, "203.0.113.101", NAT_PORT, "198.51.100.20", 443),
		pkt(u, "api", "eth0", NSIM_PKT_IN, 100.20, "203.0.113.101", NAT_PORT, "198.51.100.20", 443),
		pkt(u, "api", "eth0", NSIM_PKT_OUT, 100.21, "198.51.100.20", 443, "203.0.113.101", NAT_PORT),
	};
	static const char *const where[] = {"app", "vpc", "nat-1", "igw", "api"};
	size_t n = N_NOISE + ELEMENTSOF(probe);
	struct nsim_packet *p = calloc(n, sizeof(*p));
	assert_non_null(p);
	/* in time order: the probe's packets spread among the others' */
	rng = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0, k = 0; i < n; i++) {
		if (k < ELEMENTSOF(probe) && (rnd(N_NOISE / ELEMENTSOF(probe)) == 0 || n - i == ELEMENTSOF(probe) - k)) {
			p[i] = probe[k++];
		} else {
			uint16_t port = (uint16_t)(1024 + rnd(60000));
			if (port == SPORT || port == NAT_PORT)
				port++;
			p[i] = pkt(u, where[rnd(ELEMENTSOF(where))], "eth0", rnd(2) ? NSIM_PKT_IN : NSIM_PKT_OUT, 100.0,
				   "10.30.2.5", port, "198.51.100.20", 443);
		}
		p[i].t_ms = 100.0 + (double)i / n;
	}
	struct nsim_check_pkt_index x = {0};
	if (indexed) {
		assert_int_equal(nsim_check_pkt_index_build(p, n, &x), 0);
		u->pp.pkt_index = &x;
	}
	assert_int_equal(nsim_check_collect_hops(&u->pp, &u->cands, 100.0, p, n, u->arena, &u->r), 0);
	u->pp.pkt_index = NULL;
	nsim_check_pkt_index_done(&x);
	free(p); /* the hops' packet pointers are not followed after this */
}

static void done(struct run *u)
{
	nsim_check_result_done(&u->r);
	nsim_check_cands_done(&u->cands);
	nsim_check_prep_done(&u->pp);
	nsim_arena_free(u->arena);
	nsim_topology_free(u->t);
}

static void test_hops_through_index(void **state)
{
	(void)state;
	struct run all = {0}, by_port = {0};
	collect(&all, false);
	collect(&by_port, true);
	assert_int_equal(all.r.n_hops, 5); /* app, vpc, nat-1, igw, api */
	assert_int_equal(by_port.r.n_hops, all.r.n_hops);
	for (size_t i = 0; i < all.r.n_hops; i++) {
		const struct nsim_hop *a = &all.r.hops[i], *b = &by_port.r.hops[i];
		assert_string_equal(a->component, b->component);
		assert_string_equal(a->if_in, b->if_in);
		assert_string_equal(a->if_out, b->if_out);
		assert_int_equal(a->n_pkts, b->n_pkts);
		assert_int_equal(a->first, b->first);
		assert_int_equal(a->reply_seen, b->reply_seen);
		assert_int_equal(a->out_src, b->out_src);
		assert_int_equal(a->out_sport, b->out_sport);
	}
	assert_string_equal(by_port.r.hops[4].component, "api");
	assert_true(by_port.r.hops[4].reply_seen);
	assert_string_equal(all.r.last_seen, by_port.r.last_seen);
	done(&all);
	done(&by_port);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_drop_index),
		cmocka_unit_test(test_hops_through_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
