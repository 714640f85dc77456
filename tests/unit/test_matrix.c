/* SPDX-License-Identifier: MIT */
/*
 * The matrix by classes (analyze/matrix.c) against the host-by-host walk:
 * on random topologies, for every listening port and every source, the
 * class result (prediction and reason code) equals nsim_analyzer_flow()'s
 * for that very pair.
 *
 * Two generators: this file's, which makes many alike hosts (several per
 * subnet sharing groups and listeners) and then tells some apart by their
 * addresses (security-group and ACL rules for one host's /32 or a /28,
 * blackhole routes to a host, public IPs, peering, NAT); and, with argv[1]
 * the test-diff binary, the differential test's topologies
 * (NETSIM_DIFF_PRINT=N: endpoints, prefix lists, overlapping VPCs).
 */
#include <errno.h>
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
#include "model/diag.h"
#include "model/util.h"
#include "validate/validate.h"

#include "../rng.h"

#define SEEDS 60
#define DIFF_SEEDS 40

static const char *diff_binary; /* argv[1]: the differential test's generator */

static const char *const listens[] = {"[80/tcp]", "[80/tcp, 443/tcp]", "[53/udp]", "[]", "[22/tcp, 8000-8010/tcp]"};
static const char *const ports[] = {"80", "443", "22", "8000-8005", "53"};
static const char *const protos[] = {"tcp", "udp", "all", "icmp"};

#define MAXV 3
#define MAXS 3
#define MAXH 9

struct gen {
	struct rng r;
	FILE *f;
	unsigned nv, ns[MAXV], nh[MAXV][MAXS];
	bool igw[MAXV], peered[MAXV][MAXV];
	unsigned pub; /* public IPs handed out */
};

/* A host's address: 10.V.S.(10+k) */
static void host_addr(unsigned v, unsigned s, unsigned k, char buf[32])
{
	snprintf(buf, 32, "10.%u.%u.%u", v + 1, s + 1, 10 + k);
}

/* A CIDR a rule may name: one host, a /28 of a subnet, a subnet, a VPC, anything. */
static void some_cidr(struct gen *g, char buf[40])
{
	unsigned v = rnd(&g->r, g->nv), s = rnd(&g->r, g->ns[v]);
	char a[32];
	switch (rnd(&g->r, 6)) {
	case 0:
	case 1:
		host_addr(v, s, rnd(&g->r, g->nh[v][s] ? g->nh[v][s] : 1), a);
		snprintf(buf, 40, "%s/32", a);
		break;
	case 2:
		snprintf(buf, 40, "10.%u.%u.0/28", v + 1, s + 1);
		break;
	case 3:
		snprintf(buf, 40, "10.%u.%u.0/24", v + 1, s + 1);
		break;
	case 4:
		snprintf(buf, 40, "10.%u.0.0/16", v + 1);
		break;
	default:
		snprintf(buf, 40, chance(&g->r, 50) ? "0.0.0.0/0" : "203.0.113.0/28");
	}
}

static void sg_rules(struct gen *g, unsigned v, const char *dir, const char *peer_key)
{
	unsigned n = 1 + rnd(&g->r, 3);
	fprintf(g->f, "        %s:\n", dir);
	for (unsigned i = 0; i < n; i++) {
		const char *proto = protos[rnd(&g->r, ELEMENTSOF(protos))];
		char peer[40], pp[40] = "";
		if (chance(&g->r, 25))
			snprintf(peer, sizeof(peer), "g%u%u", v + 1, rnd(&g->r, 3) + 1);
		else
			some_cidr(g, peer);
		if (!strcmp(proto, "tcp") || !strcmp(proto, "udp"))
			snprintf(pp, sizeof(pp), "ports: %s, ", ports[rnd(&g->r, ELEMENTSOF(ports))]);
		fprintf(g->f, "          - { protocol: %s, %s%s: %s }\n", proto, pp, peer_key, peer);
	}
}

static void acl_rules(struct gen *g, const char *dir, const char *peer_key)
{
	unsigned n = 1 + rnd(&g->r, 3);
	fprintf(g->f, "        %s:\n", dir);
	for (unsigned i = 0; i < n; i++) {
		char c[40];
		some_cidr(g, c);
		bool tcp = chance(&g->r, 40);
		fprintf(g->f, "          - { rule: %u, protocol: %s, %s%s: %s, action: %s }\n", 10 + i * 10,
			tcp ? "tcp" : "all", tcp ? (chance(&g->r, 50) ? "ports: 80, " : "ports: 32768-50000, ") : "",
			peer_key, c, chance(&g->r, 35) ? "deny" : "allow");
	}
	fprintf(g->f, "          - { rule: 900, protocol: all, %s: 0.0.0.0/0, action: allow }\n", peer_key);
}

static void generate(struct gen *g)
{
	struct rng *r = &g->r;
	g->nv = 1 + rnd(r, MAXV);
	for (unsigned v = 0; v < g->nv; v++) {
		g->ns[v] = 1 + rnd(r, MAXS);
		g->igw[v] = chance(r, 80);
		for (unsigned s = 0; s < g->ns[v]; s++)
			g->nh[v][s] = s == 0 && chance(r, 30) ? 0 : 1 + rnd(r, MAXH);
		for (unsigned w = 0; w < v; w++)
			g->peered[v][w] = g->peered[w][v] = chance(r, 50);
	}
	FILE *f = g->f;
	fprintf(f, "name: matrix\nvpcs:\n");
	for (unsigned v = 0; v < g->nv; v++) {
		fprintf(f, "  - name: v%u\n    cidr: 10.%u.0.0/16\n", v + 1, v + 1);
		if (g->igw[v])
			fprintf(f, "    internet_gateway: igw%u\n", v + 1);
		fprintf(f, "    subnets:\n");
		for (unsigned s = 0; s < g->ns[v]; s++)
			fprintf(f, "      - { name: s%u%u, cidr: 10.%u.%u.0/24, route_table: %s%s }\n", v + 1, s + 1, v + 1,
				s + 1, s == 0 || chance(r, 30) ? "pub" : "priv", chance(r, 40) ? ", network_acl: acl" : "");
		/* route tables: pub (internet gateway), priv (NAT gateway), both with extra routes */
		fprintf(f, "    route_tables:\n");
		for (int t = 0; t < 2; t++) {
			fprintf(f, "      - name: %s\n        routes:\n", t ? "priv" : "pub");
			if (g->igw[v])
				fprintf(f, "          - { destination: 0.0.0.0/0, target: %s%u }\n", t ? "nat" : "igw", v + 1);
			else
				fprintf(f, "          - { destination: 0.0.0.0/0, target: blackhole }\n");
			for (unsigned w = 0; w < g->nv; w++)
				if (g->peered[v][w] && chance(r, 70))
					fprintf(f, "          - { destination: 10.%u.0.0/16, target: p%u%u }\n", w + 1,
						v < w ? v + 1 : w + 1, v < w ? w + 1 : v + 1);
			if (chance(r, 40)) {
				unsigned w = rnd(r, g->nv), s = rnd(r, g->ns[w]);
				char a[32];
				host_addr(w, s, rnd(r, g->nh[w][s] ? g->nh[w][s] : 1), a);
				if (w != v)
					fprintf(f, "          - { destination: %s/32, target: blackhole }\n", a);
			}
			if (chance(r, 30))
				fprintf(f, "          - { destination: 203.0.113.0/29, target: blackhole }\n");
		}
		if (g->igw[v])
			fprintf(f, "    nat_gateways:\n      - { name: nat%u, subnet: s%u1, elastic_ip: 198.51.100.%u }\n",
				v + 1, v + 1, 10 + v);
		fprintf(f, "    security_groups:\n");
		for (unsigned k = 0; k < 3; k++) {
			fprintf(f, "      - name: g%u%u\n", v + 1, k + 1);
			sg_rules(g, v, "ingress", "source");
			if (chance(r, 40))
				sg_rules(g, v, "egress", "destination");
		}
		fprintf(f, "    network_acls:\n      - name: acl\n");
		acl_rules(g, "ingress", "source");
		acl_rules(g, "egress", "destination");
		fprintf(f, "    hosts:\n");
		for (unsigned s = 0; s < g->ns[v]; s++)
			for (unsigned k = 0; k < g->nh[v][s]; k++) {
				char a[32], pub[48] = "", sgs[64] = "";
				host_addr(v, s, k, a);
				/* few choices each: most hosts of a subnet end up alike */
				if (g->igw[v] && chance(r, 20))
					snprintf(pub, sizeof(pub), ", public_ip: 203.0.113.%u", 1 + g->pub++);
				unsigned sg = chance(r, 25) ? rnd(r, 4) : (v + s) % 3;
				if (sg < 2 && chance(r, 15)) /* a second group */
					snprintf(sgs, sizeof(sgs), ", security_groups: [g%u%u, g%u3]", v + 1, sg + 1, v + 1);
				else if (sg < 3)
					snprintf(sgs, sizeof(sgs), ", security_groups: [g%u%u]", v + 1, sg + 1);
				fprintf(f, "      - { name: h%u%u%u, subnet: s%u%u, address: %s%s%s, listen: %s }\n", v + 1, s + 1,
					k, v + 1, s + 1, a, pub, sgs, listens[chance(r, 75) ? s % 2 : rnd(r, ELEMENTSOF(listens))]);
			}
	}
	bool any = false;
	for (unsigned v = 0; v < g->nv; v++)
		for (unsigned w = v + 1; w < g->nv; w++)
			if (g->peered[v][w]) {
				if (!any)
					fprintf(f, "peerings:\n");
				any = true;
				fprintf(f, "  - { name: p%u%u, between: [v%u, v%u] }\n", v + 1, w + 1, v + 1, w + 1);
			}
	fprintf(f, "internet:\n  hosts:\n    - { name: api, address: 198.51.100.200, listen: [443/tcp, 80/tcp] }\n"
		   "    - { name: client, address: 198.51.100.201 }\n");
}

/* Loads and validates text; NULL (with the validator's first message on
 * stderr) when it is not a valid topology. */
static struct nsim_topology *load(const char *text, size_t len)
{
	struct nsim_diags diags;
	struct nsim_topology *t = NULL;
	nsim_diags_init(&diags);
	int r = nsim_load_buffer("generated", text, len, &diags, &t);
	if (r == 0)
		r = nsim_validate(t, &diags);
	if (r != 0 && diags.n)
		fprintf(stderr, "  (drawn again: %u:%u: %s)\n", diags.items[0].line, diags.items[0].col,
			diags.items[0].message);
	nsim_diags_clear(&diags);
	if (r != 0) {
		nsim_topology_free(t);
		return NULL;
	}
	return t;
}

/* Every cell of the class matrix against the walk of that pair. Returns the
 * number of classes (for the caller's check that some hosts merged). */
static size_t compare(const struct nsim_topology *t, const char *what)
{
	struct nsim_analyzer *an = NULL;
	struct nsim_matrix *m = NULL, *ph = NULL;
	assert_int_equal(nsim_analyzer_new(t, &an), 0);
	assert_int_equal(nsim_analyze_matrix(an, false, &m), 0);
	assert_int_equal(nsim_analyze_matrix(an, true, &ph), 0);
	assert_int_equal(ph->n_classes, ph->n_src);
	assert_int_equal(m->n_svc, ph->n_svc);
	size_t flows = 0;
	for (size_t s = 0; s < m->n_svc; s++) {
		const struct nsim_matrix_service *svc = &m->svc[s];
		for (size_t i = 0; i < m->n_src; i++) {
			const struct nsim_matrix_cell *c = nsim_matrix_cell(m, s, i), *p = nsim_matrix_cell(ph, s, i);
			if (i == svc->src) {
				assert_null(c);
				assert_null(p);
				continue;
			}
			assert_non_null(c);
			assert_false(c->none);
			struct nsim_flow f = {.from = m->src[i], .proto = svc->proto, .dport = svc->port};
			f.dst = nsim_analyze_target(t, &m->src[i], &m->src[svc->src]);
			struct nsim_analysis a;
			assert_int_equal(nsim_analyzer_flow(an, &f, false, &a), 0);
			flows++;
			if (c->prediction != a.prediction || c->reason != a.reason || p->prediction != a.prediction ||
			    p->reason != a.reason) {
				fprintf(stderr, "%s: %s -> %s %u/%s: classes say %s (%s), the walk %s (%s); class %zu of %zu\n",
					what, m->src_name[i], m->src_name[svc->src], svc->port, nsim_proto_name(svc->proto),
					nsim_prediction_name(c->prediction), nsim_reason_code(c->reason),
					nsim_prediction_name(a.prediction), nsim_reason_code(a.reason), m->src_class[i] + 1,
					m->n_classes);
				fail();
			}
		}
	}
	assert_int_equal(flows, m->flows);
	assert_true(m->walked <= ph->walked);
	size_t n = m->n_classes;
	nsim_matrix_free(m);
	nsim_matrix_free(ph);
	nsim_analyzer_free(an);
	return n;
}

static void test_generated(void **state)
{
	(void)state;
	size_t tested = 0, merged = 0, split = 0;
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		for (unsigned attempt = 0; attempt < 10; attempt++) {
			char *text = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&text, &len);
			assert_non_null(f);
			struct gen g = {.r = {seed * 0x100000001B3ull + attempt * 7919 + 1}, .f = f};
			generate(&g);
			fclose(f);
			struct nsim_topology *t = load(text, len);
			if (!t) {
				free(text);
				continue;
			}
			char what[64];
			snprintf(what, sizeof(what), "seed %llu attempt %u", (unsigned long long)seed, attempt);
			size_t hosts = t->n_inet_hosts;
			for (size_t v = 0; v < t->n_vpcs; v++)
				hosts += t->vpcs[v].n_hosts;
			size_t n = compare(t, what);
			merged += n < hosts;
			/* more classes than subnets and internet hosts: addresses told hosts apart */
			size_t subnets = t->n_inet_hosts;
			for (size_t v = 0; v < t->n_vpcs; v++)
				subnets += t->vpcs[v].n_subnets;
			split += n > subnets;
			tested++;
			nsim_topology_free(t);
			free(text);
			break;
		}
	}
	fprintf(stderr, "%zu topologies, %zu with hosts merged into classes, %zu with more classes than subnets\n",
		tested, merged, split);
	/* the test must be able to fail: most topologies valid, most with classes of several hosts */
	assert_true(tested >= SEEDS * 3 / 4);
	assert_true(merged >= tested / 2);
	assert_true(split >= tested / 4);
}

/* The differential test's topologies (test-diff NETSIM_DIFF_PRINT=N). */
static void test_diff_topologies(void **state)
{
	(void)state;
	if (!diff_binary)
		skip();
	size_t tested = 0;
	for (unsigned seed = 1; seed <= DIFF_SEEDS; seed++) {
		char cmd[4096];
		snprintf(cmd, sizeof(cmd), "NETSIM_DIFF_PRINT=%u '%s' 2>/dev/null", seed, diff_binary);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		char *text = NULL;
		size_t len = 0, cap = 0, n;
		char buf[4096];
		while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
			if (len + n + 1 > cap) {
				cap = (len + n + 1) * 2;
				text = realloc(text, cap);
				assert_non_null(text);
			}
			memcpy(text + len, buf, n);
			len += n;
		}
		if (pclose(p) != 0 || !len) {
			free(text);
			continue;
		}
		struct nsim_topology *t = load(text, len);
		free(text);
		if (!t)
			continue;
		char what[64];
		snprintf(what, sizeof(what), "differential seed %u", seed);
		compare(t, what);
		nsim_topology_free(t);
		tested++;
	}
	fprintf(stderr, "%zu of the differential test's topologies\n", tested);
	assert_true(tested >= DIFF_SEEDS * 3 / 4);
}

int main(int argc, char **argv)
{
	diff_binary = argc > 1 ? argv[1] : NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_diff_topologies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
