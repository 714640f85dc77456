/* SPDX-License-Identifier: MIT */
/*
 * check's pure half (netsim/probe/evidence.c) without root: the candidates of
 * a probe (every NAT gateway of 24: the list once overflowed), the address
 * and labels, hops from a synthetic packet list, and verdicts: seen_source,
 * a probe that could not run (the model's prediction still there), and a
 * disagreement with the model called a netsim bug, or drift on a drifted
 * instance. Runs with the project root as working directory.
 */
#include <errno.h>
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
#include "plan/plan.h"
#include "probe/evidence.h"
#include "probe/ports.h"
#include "validate/validate.h"

struct fix {
	struct nsim_topology *t;
	struct nsim_analyzer *an;
	struct nsim_arena *arena;
	struct nsim_check_prep pp;
	struct nsim_check_cands cands;
	struct nsim_check_result r;
};

static struct fix fx;

static void load(const char *path)
{
	struct nsim_diags d;
	nsim_diags_init(&d);
	assert_int_equal(nsim_load_file(path, &d, &fx.t), 0);
	assert_int_equal(nsim_validate(fx.t, &d), 0);
	nsim_diags_clear(&d);
	assert_int_equal(nsim_analyzer_new(fx.t, &fx.an), 0);
	assert_non_null(fx.arena = nsim_arena_new());
	fx.pp = (struct nsim_check_prep){.t = fx.t, .instance = "x"};
}

static int teardown(void **state)
{
	(void)state;
	nsim_check_result_done(&fx.r);
	nsim_check_cands_done(&fx.cands);
	nsim_check_prep_done(&fx.pp);
	nsim_arena_free(fx.arena);
	nsim_analyzer_free(fx.an);
	nsim_topology_free(fx.t);
	fx = (struct fix){0};
	return 0;
}

static bool candidate(const char *name, const char *kind)
{
	for (size_t i = 0; i < fx.cands.n; i++) {
		const struct nsim_check_comp *k = &fx.pp.comps[fx.cands.idx[i]];
		if (streq(k->name, name) && streq(k->kind, kind))
			return true;
	}
	return false;
}

static const struct nsim_check_comp *comp(const char *name)
{
	for (size_t i = 0; i < fx.pp.n_comps; i++)
		if (streq(fx.pp.comps[i].name, name))
			return &fx.pp.comps[i];
	fail_msg("no component %s", name);
	return NULL;
}

static uint32_t A(const char *s)
{
	uint32_t a;
	assert_int_equal(nsim_addr_parse(s, &a), 0);
	return a;
}

/* A TCP packet of the probe (forward: sport -> dport) at component `name`. */
static struct nsim_packet pkt(const char *name, const char *ifname, enum nsim_pkt_dir dir, double t, bool fwd,
			      const char *src, const char *dst)
{
	struct nsim_packet p = {.ns = comp(name)->ns_idx, .dir = dir, .t_ms = t, .proto = IPPROTO_TCP,
				.src = A(src), .dst = A(dst), .sport = fwd ? 32768 : 443, .dport = fwd ? 443 : 32768};
	snprintf(p.ifname, sizeof(p.ifname), "%s", ifname);
	return p;
}

/* The namespace of the candidate (name, kind), NULL when none. */
static const char *candidate_ns(const char *name, const char *kind)
{
	for (size_t i = 0; i < fx.cands.n; i++) {
		const struct nsim_check_comp *k = &fx.pp.comps[fx.cands.idx[i]];
		if (streq(k->name, name) && streq(k->kind, kind))
			return k->ns;
	}
	return NULL;
}

/* VPC endpoints on the way are captured: the interface endpoint's network
 * interface that has the address a name resolved to, and its service host;
 * the gateway endpoint of the source's VPC; a subnet's ports include its
 * endpoint interfaces. */
static void test_endpoint_candidates(void **state)
{
	(void)state;
	load("tests/data/endpoints/interface.yaml");
	assert_int_equal(nsim_check_prepare(&fx.pp, 0, fx.arena, &fx.r, &fx.cands), 0);
	assert_int_equal(fx.r.addr, A("10.50.2.4")); /* the model's answer: the interface */
	const char *ns = candidate_ns("sm-ep", "interface endpoint");
	assert_non_null(ns);
	assert_string_equal(ns, "netsim-x-sm-ep.ep");
	assert_true(candidate("secretsmanager", "internet host"));
	assert_false(candidate("internet", "internet"));
	teardown(NULL);

	load("tests/data/endpoints/gateway.yaml");
	assert_int_equal(nsim_check_prepare(&fx.pp, 0, fx.arena, &fx.r, &fx.cands), 0);
	assert_non_null(ns = candidate_ns("s3-ep", "gateway endpoint"));
	assert_string_equal(ns, "netsim-x-s3-ep");
	assert_true(candidate("s3", "internet host"));
	nsim_check_result_done(&fx.r);
	nsim_check_cands_done(&fx.cands);
	/* from the peered VPC: not its endpoint */
	assert_int_equal(nsim_check_prepare(&fx.pp, 3, fx.arena, &fx.r, &fx.cands), 0);
	assert_false(candidate("s3-ep", "gateway endpoint"));
}

/* 24 NAT gateways: all are candidates of a probe to the internet. */
static void test_many_nat_candidates(void **state)
{
	(void)state;
	load("tests/data/check/many-nat.yaml");
	assert_int_equal(nsim_check_prepare(&fx.pp, 0, fx.arena, &fx.r, &fx.cands), 0);
	assert_int_equal(fx.cands.n, 1 + 1 + 24 + 1 + 1 + 1); /* app, vpc, nats, igw, internet, api */
	char name[16];
	for (int i = 1; i <= 24; i++) {
		snprintf(name, sizeof(name), "nat-%d", i);
		assert_true(candidate(name, "NAT gateway"));
	}
	assert_true(candidate("app", "host"));
	assert_true(candidate("vpc", "VPC router"));
	assert_true(candidate("igw", "internet gateway"));
	assert_true(candidate("internet", "internet"));
	assert_true(candidate("api", "internet host"));
	assert_string_equal(fx.r.label, "out through the first NAT");
	assert_string_equal(fx.r.target, "api:443/tcp");
	assert_string_equal(fx.r.flow, "app → api:443/tcp");
	assert_string_equal(fx.r.from_ns, "netsim-x-app");
	assert_int_equal(fx.r.addr, A("198.51.100.20"));
	assert_string_equal(fx.r.reason, "");
	assert_string_equal(comp("nat-7")->ns, "netsim-x-nat-7");
}

static void prepared_with_packets(const char *response)
{
	load("tests/data/check/many-nat.yaml");
	assert_int_equal(nsim_check_prepare(&fx.pp, 0, fx.arena, &fx.r, &fx.cands), 0);
	for (size_t i = 0; i < fx.pp.n_comps; i++)
		fx.pp.comps[i].ns_idx = i;
	fx.r.probe = (struct nsim_probe_result){.outcome = NSIM_PROBE_REACHABLE, .ms = 1.0, .sport = 32768};
	snprintf(fx.r.probe.response, sizeof(fx.r.probe.response), "%s", response);
	struct nsim_packet p[] = {
		pkt("app", "eth0", NSIM_PKT_OUT, 100.10, true, "10.30.2.4", "198.51.100.20"),
		pkt("vpc", "h-app", NSIM_PKT_IN, 100.11, true, "10.30.2.4", "198.51.100.20"),
		pkt("vpc", "n-nat-1", NSIM_PKT_OUT, 100.12, true, "10.30.2.4", "198.51.100.20"),
		pkt("nat-1", "eth0", NSIM_PKT_IN, 100.13, true, "10.30.2.4", "198.51.100.20"),
		pkt("nat-1", "eth0", NSIM_PKT_OUT, 100.14, true, "10.30.1.4", "198.51.100.20"),
		pkt("api", "eth0", NSIM_PKT_IN, 100.20, true, "203.0.113.101", "198.51.100.20"),
		pkt("api", "eth0", NSIM_PKT_OUT, 100.21, false, "198.51.100.20", "203.0.113.101"),
		/* another probe's packet: not this flow */
		pkt("igw", "vpc", NSIM_PKT_IN, 100.30, true, "10.30.1.4", "198.51.100.21"),
	};
	p[7].sport = 32769;
	assert_int_equal(nsim_check_collect_hops(&fx.pp, &fx.cands, 100.0, p, ELEMENTSOF(p), fx.arena, &fx.r), 0);
	assert_int_equal(fx.r.n_hops, 4);
	assert_string_equal(fx.r.hops[0].component, "app");
	assert_string_equal(fx.r.hops[1].component, "vpc");
	assert_string_equal(fx.r.hops[1].if_in, "h-app");
	assert_string_equal(fx.r.hops[1].if_out, "n-nat-1");
	assert_string_equal(fx.r.hops[2].component, "nat-1");
	assert_int_equal(fx.r.hops[2].out_src, A("10.30.1.4"));
	assert_string_equal(fx.r.hops[3].component, "api");
	assert_true(fx.r.hops[3].reply_seen);
	assert_int_equal(fx.r.hops[3].n_pkts, 2);
	assert_string_equal(fx.r.hops[3].ns, "netsim-x-api");
	assert_string_equal(fx.r.last_seen, "api");
}

static void test_seen_source(void **state)
{
	(void)state;
	prepared_with_packets("netsim api 443/tcp from 203.0.113.101:32768");
	assert_int_equal(nsim_check_judge(fx.t, fx.an, 1000, false, fx.arena, &fx.r), 0);
	assert_true(fx.r.passed);
	assert_string_equal(fx.r.reason, "");
	assert_true(fx.r.has_predicted);
	assert_int_equal(fx.r.predicted.prediction, NSIM_PREDICT_REACHABLE);
	assert_false(fx.r.model_disagrees);
}

static void test_seen_source_wrong(void **state)
{
	(void)state;
	prepared_with_packets("netsim api 443/tcp from 203.0.113.102:32768");
	assert_int_equal(nsim_check_judge(fx.t, fx.an, 1000, false, fx.arena, &fx.r), 0);
	assert_false(fx.r.passed);
	assert_string_equal(fx.r.reason, "seen_source: api:443/tcp saw 203.0.113.102, expected 203.0.113.101 (nat-1)");
}

/* A probe that could not run: no verdict, but the model's prediction. */
static void test_unrun_keeps_prediction(void **state)
{
	(void)state;
	load("topologies/serverless-backend.yaml");
	/* expectation 2: fn -> db, which the model says the db's group blocks */
	assert_int_equal(nsim_check_prepare(&fx.pp, 1, fx.arena, &fx.r, &fx.cands), 0);
	fx.r.probe = (struct nsim_probe_result){.outcome = NSIM_PROBE_ERROR, .error = ENOENT, .sport = 32768};
	assert_int_equal(nsim_check_collect_hops(&fx.pp, &fx.cands, 0, NULL, 0, fx.arena, &fx.r), 0);
	assert_int_equal(nsim_check_judge(fx.t, fx.an, 1000, false, fx.arena, &fx.r), 0);
	assert_false(fx.r.passed);
	assert_string_equal(fx.r.reason, "the probe could not run: No such file or directory");
	assert_true(fx.r.has_predicted);
	assert_int_equal(fx.r.predicted.prediction, NSIM_PREDICT_BLOCKED);
	assert_int_equal(fx.r.predicted.reason, NSIM_REASON_SG_INGRESS_NO_RULE);
	assert_false(fx.r.model_disagrees);
}

/* The network did what the model says it cannot: a netsim bug, unless the
 * instance drifted. */
static void test_disagreement(void **state)
{
	(void)state;
	load("topologies/serverless-backend.yaml");
	for (int drifted = 0; drifted < 2; drifted++) {
		nsim_check_result_done(&fx.r);
		nsim_check_cands_done(&fx.cands);
		assert_int_equal(nsim_check_prepare(&fx.pp, 1, fx.arena, &fx.r, &fx.cands), 0);
		fx.r.probe = (struct nsim_probe_result){.outcome = NSIM_PROBE_REACHABLE, .sport = 32768};
		assert_int_equal(nsim_check_judge(fx.t, fx.an, 1000, drifted, fx.arena, &fx.r), 0);
		assert_false(fx.r.passed);
		assert_true(fx.r.model_disagrees);
		const char *want = drifted ? "the instance was changed outside netsim (drift): model says unreachable"
					   : "netsim bug: model says unreachable";
		if (strncmp(fx.r.reason, want, strlen(want)) != 0)
			fail_msg("reason '%s', want it to start with '%s'", fx.r.reason, want);
	}
}

/* Honest ports: each probe's port from its source's range, none twice;
 * the passing and failing halves of a set; a range used up. */
static void test_port_picks(void **state)
{
	(void)state;
	load("tests/data/analyze/ports.yaml");
	struct nsim_check_ports *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	setenv("NETSIM_CHECK_SEED", "42", 1);
	nsim_check_ports_init(p);
	static const struct {
		const char *host;
		uint16_t from, to;
	} want[] = {{"app", 32768, 60999}, {"lambda", 1024, 65535}, {"win", 49152, 65535},
		    {"narrow", 40000, 40999}, {"api", 1024, 65535}};
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		struct nsim_endpoint ep;
		assert_int_equal(nsim_analyze_resolve(fx.t, want[i].host, &ep), 0);
		struct nsim_port_range r = nsim_check_source_ports(fx.t, &ep);
		assert_int_equal(r.from, want[i].from);
		assert_int_equal(r.to, want[i].to);
	}
	/* the narrow range, used up: every port once, then none (or, with fallback, any other) */
	struct nsim_port_range narrow = {40000, 40999};
	uint16_t first = 0;
	for (unsigned i = 0; i < 1000; i++) {
		uint16_t port = nsim_check_ports_pick(p, narrow, NULL, false, false);
		assert_true(port >= 40000 && port <= 40999);
		assert_true(p->used[port / 64] >> (port % 64) & 1);
		if (!i)
			first = port;
	}
	assert_int_equal(nsim_check_ports_pick(p, narrow, NULL, false, false), 0);
	uint16_t other = nsim_check_ports_pick(p, narrow, NULL, false, true);
	assert_true(other >= 1024 && (other < 40000 || other > 40999));
	/* in a set, and outside it */
	struct nsim_ports pass = nsim_ports_range(32768, 60999);
	struct nsim_port_range nat = {1024, 65535};
	for (int i = 0; i < 200; i++) {
		uint16_t in = nsim_check_ports_pick(p, nat, &pass, false, false);
		uint16_t out = nsim_check_ports_pick(p, nat, &pass, true, false);
		assert_true(in >= 32768 && in <= 60999);
		assert_true(out >= 1024 && (out < 32768 || out > 60999));
	}
	/* the same seed, the same draw */
	nsim_check_ports_init(p);
	assert_int_equal(nsim_check_ports_pick(p, narrow, NULL, false, false), first);
	unsetenv("NETSIM_CHECK_SEED");
	nsim_check_ports_done(p);
	free(p);
}

/* Past a NAT gateway: the evidence follows the probe by the NAT's port (as
 * pinned, or as the responder saw it), and the model judges that port. */
static void test_nat_port(void **state)
{
	(void)state;
	load("tests/data/check/intermittent.yaml");
	/* expectation 1: app -> api, intermittent (nat-a's subnet returns 32768-60999) */
	assert_int_equal(nsim_check_prepare(&fx.pp, 0, fx.arena, &fx.r, &fx.cands), 0);
	for (size_t i = 0; i < fx.pp.n_comps; i++)
		fx.pp.comps[i].ns_idx = i;
	fx.r.probe = (struct nsim_probe_result){.outcome = NSIM_PROBE_REACHABLE, .ms = 1.0, .sport = 33000};
	snprintf(fx.r.probe.response, sizeof(fx.r.probe.response), "netsim api 443/tcp from 203.0.113.10:40000");
	struct nsim_packet p[] = {
		pkt("app", "eth0", NSIM_PKT_OUT, 100.10, true, "10.0.2.4", "198.51.100.20"),
		pkt("nat-a", "eth0", NSIM_PKT_IN, 100.13, true, "10.0.2.4", "198.51.100.20"),
		pkt("nat-a", "eth0", NSIM_PKT_OUT, 100.14, true, "10.0.0.4", "198.51.100.20"),
		pkt("api", "eth0", NSIM_PKT_IN, 100.20, true, "203.0.113.10", "198.51.100.20"),
		pkt("api", "eth0", NSIM_PKT_OUT, 100.21, false, "198.51.100.20", "203.0.113.10"),
		/* another flow from port 40000, to another address: not this probe */
		pkt("api", "eth0", NSIM_PKT_IN, 100.30, true, "203.0.113.10", "198.51.100.99"),
	};
	p[0].sport = p[1].sport = 33000;
	p[2].sport = p[3].sport = p[5].sport = 40000;
	p[4].dport = 40000;
	assert_int_equal(nsim_check_collect_hops(&fx.pp, &fx.cands, 100.0, p, ELEMENTSOF(p), fx.arena, &fx.r), 0);
	assert_int_equal(fx.r.seen_port, 40000);
	assert_int_equal(fx.r.n_hops, 3);
	assert_string_equal(fx.r.hops[2].component, "api");
	assert_int_equal(fx.r.hops[2].n_pkts, 2);
	assert_int_equal(fx.r.hops[1].out_sport, 40000);
	/* the model at the NAT's port the responder saw: reachable, as observed */
	assert_int_equal(nsim_check_judge(fx.t, fx.an, 1000, false, fx.arena, &fx.r), 0);
	assert_int_equal(fx.r.predicted.prediction, NSIM_PREDICT_REACHABLE);
	assert_false(fx.r.model_disagrees);

	/* a port the ACL does not return, yet answered: a netsim bug */
	snprintf(fx.r.probe.response, sizeof(fx.r.probe.response), "netsim api 443/tcp from 203.0.113.10:2000");
	assert_int_equal(nsim_check_collect_hops(&fx.pp, &fx.cands, 100.0, NULL, 0, fx.arena, &fx.r), 0);
	assert_int_equal(nsim_check_judge(fx.t, fx.an, 1000, false, fx.arena, &fx.r), 0);
	assert_int_equal(fx.r.predicted.reason, NSIM_REASON_ACL_RETURN_DENY);
	assert_true(fx.r.model_disagrees);

	/* pinned by check: the model at that port; dropped as it says */
	fx.r.nat_port = 2000;
	fx.r.probe = (struct nsim_probe_result){.outcome = NSIM_PROBE_DROPPED, .ms = 1000, .sport = 33000};
	assert_int_equal(nsim_check_collect_hops(&fx.pp, &fx.cands, 100.0, NULL, 0, fx.arena, &fx.r), 0);
	assert_int_equal(nsim_check_judge(fx.t, fx.an, 1000, false, fx.arena, &fx.r), 0);
	assert_int_equal(fx.r.predicted.prediction, NSIM_PREDICT_BLOCKED);
	assert_false(fx.r.model_disagrees);

	/* not pinned, nothing answered: the model says intermittent, either outcome agrees */
	fx.r.nat_port = 0;
	fx.r.has_seen = false;
	fx.r.seen_port = 0;
	assert_int_equal(nsim_check_collect_hops(&fx.pp, &fx.cands, 100.0, NULL, 0, fx.arena, &fx.r), 0);
	assert_int_equal(nsim_check_judge(fx.t, fx.an, 1000, false, fx.arena, &fx.r), 0);
	assert_int_equal(fx.r.predicted.prediction, NSIM_PREDICT_INTERMITTENT);
	assert_false(fx.r.model_disagrees);
}

/* blocked_by: an unreachable expectation that holds for another reason
 * fails, saying what blocks it instead; a failed one carries the fix. */
static void test_blocked_by_and_fix(void **state)
{
	(void)state;
	load("tests/data/analyze/blocked-by-wrong.yaml");
	for (size_t i = 0; i < 3; i++) {
		nsim_check_result_done(&fx.r);
		nsim_check_cands_done(&fx.cands);
		assert_int_equal(nsim_check_prepare(&fx.pp, i, fx.arena, &fx.r, &fx.cands), 0);
		fx.r.probe = (struct nsim_probe_result){.outcome = i == 2 ? NSIM_PROBE_REACHABLE : NSIM_PROBE_DROPPED,
							.sport = 32768};
		assert_int_equal(nsim_check_collect_hops(&fx.pp, &fx.cands, 0, NULL, 0, fx.arena, &fx.r), 0);
		assert_int_equal(nsim_check_judge(fx.t, fx.an, 1000, false, fx.arena, &fx.r), 0);
		assert_false(fx.r.model_disagrees);
		switch (i) {
		case 0: /* dropped, as expected, but by fn-sg, not db-sg */
			assert_false(fx.r.passed);
			if (!strstr(fx.r.reason, "blocked_by: db-sg, but fn-sg blocks it instead (SG_EGRESS_NO_RULE): ") ||
			    fx.r.reason != strstr(fx.r.reason, "blocked_by:"))
				fail_msg("reason: %s", fx.r.reason);
			break;
		case 1: /* blocked by the group it names */
			assert_true(fx.r.passed);
			assert_string_equal(fx.r.reason, "");
			assert_int_equal(fx.r.fix.action, NSIM_FIX_NONE);
			break;
		default: /* reachable, expected not: what to remove */
			assert_false(fx.r.passed);
			assert_int_equal(fx.r.fix.action, NSIM_FIX_REMOVE);
			assert_string_equal(fx.r.fix.text, "remove from db-sg ingress: { protocol: tcp, ports: 3306, source: proxy-sg }");
		}
	}
}

/* Every drop of netsim's rulesets logs with a prefix that fits the kernel's
 * limit and decodes to a component of the topology. */
static void test_every_drop_logs(void **state)
{
	(void)state;
	static const char *const files[] = {"topologies/minimal.yaml", "topologies/peering.yaml",
					    "topologies/serverless-backend.yaml", "topologies/serverless-endpoints.yaml",
					    "topologies/serverless-real.yaml"};
	for (size_t fi = 0; fi < ELEMENTSOF(files); fi++) {
		load(files[fi]);
		struct nsim_plan *p = NULL;
		size_t n_logs = 0;
		assert_int_equal(nsim_plan_build(fx.t, "x", &p), 0);
		for (size_t i = 0; i < p->n_ops; i++) {
			if (p->ops[i].kind != NSIM_OP_NFT)
				continue;
			char *text = strdup(p->ops[i].text), *save = NULL;
			assert_non_null(text);
			for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
				bool verdict = strstr(line, " drop comment") || strstr(line, " reject with");
				if (!verdict || strstr(line, "netsim's links") || strstr(line, "no route on the internet"))
					continue;
				const char *lp = strstr(line, "log prefix \"");
				if (!lp)
					fail_msg("%s: a drop that does not log: %s", files[fi], line);
				char prefix[128];
				const char *end = strchr(lp + 12, '"');
				assert_non_null(end);
				assert_true((size_t)(end - (lp + 12)) < NSIM_PLAN_NFLOG_PREFIX_MAX);
				snprintf(prefix, sizeof(prefix), "%.*s", (int)(end - (lp + 12)), lp + 12);
				struct nsim_check_drop d;
				if (nsim_check_drop_decode(fx.t, prefix, fx.arena, &d) != 0)
					fail_msg("%s: prefix '%s' does not decode", files[fi], prefix);
				assert_non_null(strstr(line, "group " NSIM_PLAN_NFLOG_GROUP_STR " queue-threshold 1 "));
				n_logs++;
			}
			free(text);
		}
		assert_true(n_logs > 0);
		nsim_plan_free(p);
		teardown(NULL);
	}
}

static void test_drop_decode(void **state)
{
	(void)state;
	struct nsim_check_drop d;
	load("topologies/serverless-backend.yaml");
	/* host 2 of VPC 0 is db, in db-sg */
	assert_int_equal(nsim_check_drop_decode(fx.t, "nsim:sg:0:2:i", fx.arena, &d), 0);
	assert_string_equal(d.component, "db-sg");
	assert_string_equal(d.kind, "security group");
	assert_string_equal(d.direction, "ingress");
	assert_string_equal(d.rule, "no rule matched");
	assert_int_equal(d.decision.comp.kind, NSIM_COMP_SECURITY_GROUP);
	assert_int_equal(d.decision.host, 2);
	assert_true(d.decision.ingress);
	d.src = A("10.0.3.4");
	d.dst = A("10.0.4.4");
	d.sport = 33012;
	d.dport = 3306;
	d.proto = IPPROTO_TCP;
	d.tcp_flags = 0x02;
	assert_string_equal(nsim_check_drop_text(&d, fx.arena),
			    "db-sg (ingress, no rule matched) dropped 10.0.3.4:33012 → 10.0.4.4:3306 SYN");

	assert_int_equal(nsim_check_drop_decode(fx.t, "nsim:acl:0:0:i:*", fx.arena, &d), 0);
	assert_string_equal(d.component, "data");
	assert_string_equal(d.direction, "inbound");
	assert_string_equal(d.rule, "rule *: no rule matched");
	assert_int_equal(d.decision.rule, 0);
	assert_int_equal(nsim_check_drop_decode(fx.t, "nsim:acl:0:0:e:200", fx.arena, &d), 0);
	assert_string_equal(d.rule, "rule 200");
	assert_int_equal(d.decision.rule, 200);
	assert_false(d.decision.ingress);
	assert_int_equal(nsim_check_drop_decode(fx.t, "nsim:bh:0:1", fx.arena, &d), 0);
	assert_string_equal(d.component, "private");
	assert_string_equal(d.rule, "blackhole route");
	assert_int_equal(nsim_check_drop_decode(fx.t, "nsim:nat:0:0", fx.arena, &d), 0);
	assert_string_equal(d.component, "nat-a");
	assert_int_equal(nsim_check_drop_decode(fx.t, "nsim:igw:0", fx.arena, &d), 0);
	assert_string_equal(d.kind, "internet gateway");
	assert_int_equal(nsim_check_drop_decode(fx.t, "nsim:nr:0", fx.arena, &d), 0);
	assert_true(d.no_route);

	/* not netsim's, out of range, or malformed */
	static const char *const bad[] = {"", "nsim:", "nsim:sg", "nsim:sg:0:2", "nsim:sg:0:99:i", "nsim:sg:9:0:i",
					  "nsim:sg:0:2:x", "nsim:sg:0:2:ii", "nsim:acl:0:0:i", "nsim:acl:0:5:i:*",
					  "nsim:acl:0:0:i:-1", "nsim:pcx:0:0", "nsim:bh:0:99", "nsim:esg:0:0:0:i",
					  "nsim:xyz:0", "ulogd:sg:0:2:i", "nsim:sg:00000000000000000000000000000000002:2:i",
					  "nsim:nr:0:"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (nsim_check_drop_decode(fx.t, bad[i], fx.arena, &d) != -EINVAL)
			fail_msg("'%s' decoded", bad[i]);
}

/* Expectation exp prepared afresh (the last one's result and candidates
 * dropped), each component in its own namespace, its probe dropped (the
 * drop log ended it) from source port 32769. */
static void prepare_dropped(size_t exp)
{
	nsim_check_result_done(&fx.r);
	nsim_check_cands_done(&fx.cands);
	assert_int_equal(nsim_check_prepare(&fx.pp, exp, fx.arena, &fx.r, &fx.cands), 0);
	for (size_t i = 0; i < fx.pp.n_comps; i++)
		fx.pp.comps[i].ns_idx = i;
	fx.r.probe = (struct nsim_probe_result){.outcome = NSIM_PROBE_DROPPED, .error = ECANCELED, .sport = 32769};
}

/* The network's drop and the model's decision compared: the same verdict
 * at another component is a netsim bug; blocked_by: holds for the network
 * too. */
static void test_drop_reason_compared(void **state)
{
	(void)state;
	load("topologies/serverless-backend.yaml");
	for (int variant = 0; variant < 3; variant++) {
		/* expectation 2: fn -> db, blocked_by: db-sg */
		prepare_dropped(1);
		struct nsim_drop_packet dp = {.p = {.ns = 0, .proto = IPPROTO_TCP, .src = A("10.0.3.4"), .dst = A("10.0.4.4"),
						    .sport = 32769, .dport = 3306, .tcp_flags = 0x02, .t_ms = 100.5}};
		snprintf(dp.prefix, sizeof(dp.prefix), "%s",
			 variant == 0 ? "nsim:sg:0:2:i" : variant == 1 ? "nsim:acl:0:0:i:*" : "nsim:sg:0:2:e");
		struct nsim_drop_packet other = dp;
		other.p.sport = 32770; /* another probe's */
		snprintf(other.prefix, sizeof(other.prefix), "nsim:nat:0:0");
		struct nsim_drop_packet list[] = {other, dp};
		assert_int_equal(nsim_check_collect_hops(&fx.pp, &fx.cands, 100.0, NULL, 0, fx.arena, &fx.r), 0);
		assert_int_equal(nsim_check_collect_drop(&fx.pp, 100.0, list, 2, fx.arena, &fx.r), 0);
		assert_true(fx.r.has_dropped_at);
		assert_int_equal(nsim_check_judge(fx.t, fx.an, 1000, false, fx.arena, &fx.r), 0);
		switch (variant) {
		case 0: /* where the model says: passes */
			assert_true(fx.r.passed);
			assert_false(fx.r.model_disagrees);
			assert_string_equal(fx.r.dropped_at.text,
					    "db-sg (ingress, no rule matched) dropped 10.0.3.4:32769 → 10.0.4.4:3306 SYN");
			assert_true(fx.r.dropped_at.t_ms > 0.4 && fx.r.dropped_at.t_ms < 0.6);
			break;
		case 1: /* the same verdict, another component: a netsim bug showing both */
			assert_false(fx.r.passed);
			assert_true(fx.r.model_disagrees);
			if (!strstr(fx.r.reason, "netsim bug: the network dropped it at network ACL data (inbound, rule *") ||
			    !strstr(fx.r.reason, "the model says db-sg decides (SG_INGRESS_NO_RULE"))
				fail_msg("reason: %s", fx.r.reason);
			break;
		default: /* the egress side of db's groups: not what decides either */
			assert_false(fx.r.passed);
			assert_true(fx.r.model_disagrees);
		}
	}

	/* past a NAT gateway pinned for the probe, its packets carry the NAT's port */
	for (int pinned = 0; pinned < 2; pinned++) {
		prepare_dropped(1);
		fx.r.nat_port = pinned ? 5000 : 0;
		struct nsim_drop_packet dp = {.p = {.ns = 0, .proto = IPPROTO_TCP, .src = A("10.0.4.4"), .dst = A("10.0.1.4"),
						    .sport = 3306, .dport = 5000, .tcp_flags = 0x12, .t_ms = 100.5}};
		snprintf(dp.prefix, sizeof(dp.prefix), "nsim:nat:0:0");
		assert_int_equal(nsim_check_collect_drop(&fx.pp, 100.0, &dp, 1, fx.arena, &fx.r), 0);
		assert_int_equal(fx.r.has_dropped_at, pinned);
		if (pinned) {
			/* a reply at a NAT gateway that did not translate its request */
			assert_true(fx.r.dropped_at.reply);
			assert_string_equal(fx.r.dropped_at.text, "nat-a (no connection for the reply) dropped 10.0.4.4:3306 → "
								  "10.0.1.4:5000 SYN-ACK");
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_many_nat_candidates, teardown),
		cmocka_unit_test_teardown(test_port_picks, teardown),
		cmocka_unit_test_teardown(test_nat_port, teardown),
		cmocka_unit_test_teardown(test_seen_source, teardown),
		cmocka_unit_test_teardown(test_seen_source_wrong, teardown),
		cmocka_unit_test_teardown(test_unrun_keeps_prediction, teardown),
		cmocka_unit_test_teardown(test_disagreement, teardown),
		cmocka_unit_test_teardown(test_blocked_by_and_fix, teardown),
		cmocka_unit_test_teardown(test_endpoint_candidates, teardown),
		cmocka_unit_test(test_every_drop_logs),
		cmocka_unit_test_teardown(test_drop_decode, teardown),
		cmocka_unit_test_teardown(test_drop_reason_compared, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
