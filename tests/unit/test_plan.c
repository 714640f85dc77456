/* SPDX-License-Identifier: MIT */
/*
 * plan/: golden files (tests/data/golden/NAME.plan, rewritten with
 * NETSIM_UPDATE_GOLDEN=1) for every example topology, plus the invariants the
 * safety rules rest on, checked on every plan: every namespace is
 * netsim-<name>-..., both ends of every veth are in the plan's namespaces,
 * nothing is done in a namespace before it is made, interface names fit.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "load/load.h"
#include "model/util.h"
#include "plan/plan.h"
#include "report/report.h"
#include "validate/validate.h"

static struct nsim_topology *load_valid(const char *path)
{
	struct nsim_diags d;
	struct nsim_topology *t = NULL;
	nsim_diags_init(&d);
	int r = nsim_load_file(path, &d, &t);
	if (r == 0)
		r = nsim_validate(t, &d);
	for (size_t i = 0; i < d.n; i++)
		if (d.items[i].severity == NSIM_SEV_ERROR)
			fprintf(stderr, "%s:%u:%u: %s\n", d.items[i].file, d.items[i].line, d.items[i].col,
				d.items[i].message);
	nsim_diags_clear(&d);
	assert_int_equal(r, 0);
	return t;
}

static char *plan_text(const struct nsim_plan *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	nsim_report_plan_text(f, p);
	fclose(f);
	return text;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	return buf;
}

static bool made_before(const struct nsim_plan *p, size_t upto, const char *ns)
{
	for (size_t i = 0; i < upto; i++)
		if (p->ops[i].kind == NSIM_OP_NETNS && strcmp(p->ops[i].ns, ns) == 0)
			return true;
	return false;
}

/* A NEIGH op names an address and MAC that the other end of its link has:
 * a VETH with one end (ns, ifname) whose other end carries that MAC (the one
 * set at its creation) and, by an ADDR op, that address. */
static void check_neigh(const struct nsim_plan *p, const struct nsim_op *n)
{
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct nsim_op *v = &p->ops[i];
		if (v->kind != NSIM_OP_VETH)
			continue;
		const char *other_ns, *other_if;
		const uint8_t *other_mac;
		if (streq(v->ns, n->ns) && streq(v->ifname, n->ifname)) {
			other_ns = v->peer_ns, other_if = v->peer_ifname, other_mac = v->peer_lladdr;
		} else if (streq(v->peer_ns, n->ns) && streq(v->peer_ifname, n->ifname)) {
			other_ns = v->ns, other_if = v->ifname, other_mac = v->lladdr;
		} else
			continue;
		assert_memory_equal(other_mac, n->lladdr, NSIM_LLADDR_LEN);
		uint8_t mac[NSIM_LLADDR_LEN];
		nsim_plan_lladdr(other_ns, other_if, mac);
		assert_memory_equal(mac, other_mac, NSIM_LLADDR_LEN);
		assert_true(mac[0] == 0x02); /* locally administered, unicast */
		for (size_t k = 0; k < p->n_ops; k++) {
			const struct nsim_op *a = &p->ops[k];
			if (a->kind == NSIM_OP_ADDR && streq(a->ns, other_ns) && streq(a->ifname, other_if) &&
			    a->addr == n->addr)
				return;
		}
		fprintf(stderr, "neighbour %s on %s in %s: the other end has no such address\n",
			nsim_addr_fmt(n->addr, (char[NSIM_ADDR_STRLEN]){0}), n->ifname, n->ns);
		fail();
	}
	fprintf(stderr, "neighbour on %s in %s: no veth has that end\n", n->ifname, n->ns);
	fail();
}

/* A file the starter writes into the state dir: a plain name, no path. */
static void check_file_name(const char *name)
{
	assert_non_null(name);
	assert_true(name[0] && name[0] != '.' && !strchr(name, '/'));
}

/* Processes run in the plan's namespaces, name their files in the state dir
 * by NSIM_PLAN_STATE_DIR only, and files have plain names; every VPC host
 * has its resolv.conf and hosts file. */
static void check_files(const struct nsim_plan *p)
{
	for (size_t i = 0; i < p->n_processes; i++) {
		const struct nsim_plan_process *pr = &p->processes[i];
		bool known = false;
		for (size_t k = 0; k < p->n_namespaces; k++)
			known |= streq(p->namespaces[k], pr->ns);
		assert_true(known);
		check_file_name(pr->name);
		assert_non_null(pr->argv);
		assert_true(pr->argv->argc > 0);
		assert_null(pr->argv->argv[pr->argv->argc]);
		for (size_t j = 0; j < pr->n_files; j++) {
			check_file_name(pr->files[j].name);
			assert_non_null(pr->files[j].text);
		}
		if (pr->kind == NSIM_PROCESS_RESOLVER) {
			char want[300];
			snprintf(want, sizeof(want), "--conf-file=" NSIM_PLAN_STATE_DIR "/%s", pr->files[0].name);
			assert_string_equal(pr->argv->argv[pr->argv->argc - 1], want);
		}
	}
	for (size_t i = 0; i < p->n_hosts; i++) {
		const struct nsim_plan_host *h = &p->hosts[i];
		/* VPC and internet hosts (not NAT gateways, not endpoints) */
		bool vpc_host = strcmp(h->kind, "nat-gateway") != 0 && strcmp(h->kind, "endpoint") != 0;
		assert_int_equal(h->resolv_conf.name != NULL, vpc_host);
		assert_int_equal(h->hosts_file.name != NULL, vpc_host);
		if (vpc_host) {
			check_file_name(h->resolv_conf.name);
			check_file_name(h->hosts_file.name);
			assert_non_null(strstr(h->resolv_conf.text, "\nnameserver "));
		}
	}
}

static void check_invariants(const struct nsim_plan *p)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "netsim-%s-", p->name);
	for (size_t i = 0; i < p->n_namespaces; i++)
		assert_int_equal(strncmp(p->namespaces[i], prefix, strlen(prefix)), 0);
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct nsim_op *o = &p->ops[i];
		assert_non_null(o->ns);
		if (o->kind == NSIM_OP_NETNS)
			continue;
		if (!made_before(p, i, o->ns)) {
			fprintf(stderr, "op %zu works in %s before it is made\n", i, o->ns);
			fail();
		}
		if (o->kind == NSIM_OP_VETH) {
			assert_true(made_before(p, i, o->peer_ns)); /* never the root namespace */
			assert_true(strlen(o->peer_ifname) < 16);
		}
		if (o->ifname)
			assert_true(strlen(o->ifname) < 16);
		if (o->kind == NSIM_OP_SYSCTL)
			assert_true(strncmp(o->key, "net/ipv4/", 9) == 0 || strncmp(o->key, "net/ipv6/conf/", 14) == 0);
		if (o->kind == NSIM_OP_NEIGH)
			check_neigh(p, o);
	}
	check_files(p);
}

static void test_golden(void **state)
{
	(void)state;
	glob_t g;
	assert_int_equal(glob("topologies/*.yaml", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 3);
	bool update = getenv("NETSIM_UPDATE_GOLDEN") != NULL;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		struct nsim_topology *t = load_valid(path);
		struct nsim_plan *p = NULL, *again = NULL;
		assert_int_equal(nsim_plan_build(t, NULL, &p), 0);
		assert_int_equal(nsim_plan_build(t, NULL, &again), 0);
		check_invariants(p);
		char *text = plan_text(p), *text2 = plan_text(again);
		assert_string_equal(text, text2); /* deterministic */

		char golden[512];
		const char *base = strrchr(path, '/') + 1;
		snprintf(golden, sizeof(golden), "tests/data/golden/%.*s.plan", (int)(strlen(base) - 5), base);
		if (update) {
			FILE *f = fopen(golden, "w");
			assert_non_null(f);
			fputs(text, f);
			fclose(f);
		}
		char *want = read_all(golden);
		if (!want) {
			fprintf(stderr, "%s: missing; run with NETSIM_UPDATE_GOLDEN=1 and review it\n", golden);
			fail();
		}
		if (strcmp(text, want) != 0) {
			const char *a = text, *b = want;
			unsigned line = 1;
			while (*a && *a == *b) {
				line += *a == '\n';
				a++;
				b++;
			}
			fprintf(stderr, "%s: plan differs at line %u:\n  got:  %.120s\n  want: %.120s\n"
					"(if the change is intended: NETSIM_UPDATE_GOLDEN=1 meson test plan, review git diff)\n",
				golden, line, a, b);
			fail();
		}
		free(want);
		free(text);
		free(text2);
		nsim_plan_free(p);
		nsim_plan_free(again);
		nsim_topology_free(t);
	}
	globfree(&g);
}

static const struct nsim_op *find_op(const struct nsim_plan *p, enum nsim_op_kind kind, const char *ns_suffix,
				     const char *needle)
{
	char line[512];
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct nsim_op *o = &p->ops[i];
		size_t l = strlen(o->ns), s = strlen(ns_suffix);
		if (o->kind != kind || l < s || strcmp(o->ns + l - s, ns_suffix) != 0)
			continue;
		nsim_plan_op_format(o, line, sizeof(line));
		if (!needle || strstr(line, needle) || (o->text && strstr(o->text, needle)))
			return o;
	}
	return NULL;
}

/* The AWS semantics the plan must carry, independent of formatting. */
static void test_semantics(void **state)
{
	(void)state;
	struct nsim_topology *t = load_valid("topologies/serverless-backend.yaml");
	struct nsim_plan *p = NULL;
	assert_int_equal(nsim_plan_build(t, "sb", &p), 0);
	check_invariants(p);
	assert_string_equal(p->namespaces[0], "netsim-sb-internet");

	/* same-subnet traffic crosses the router: host ports are /24 on the host, /32 + route on the router */
	assert_non_null(find_op(p, NSIM_OP_ADDR, "-fn", "10.0.3.4/24 dev eth0"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-fn", "default via 10.0.3.1"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-main", "10.0.3.4/32 dev h-fn"));
	/* no ARP between a host and its router: permanent entries both ways */
	assert_non_null(find_op(p, NSIM_OP_NEIGH, "-fn", "neigh replace 10.0.3.1 lladdr 02:"));
	assert_non_null(find_op(p, NSIM_OP_NEIGH, "-main", "neigh replace 10.0.3.4 lladdr 02:"));
	assert_non_null(find_op(p, NSIM_OP_NEIGH, "-main", "dev igw nud permanent"));
	assert_non_null(find_op(p, NSIM_OP_NEIGH, "-internet", "198.51.100.20 lladdr"));
	/* every link's ends have a neighbour entry for each other: 2 per veth */
	size_t n_veth = 0, n_neigh = 0;
	for (size_t i = 0; i < p->n_ops; i++) {
		n_veth += p->ops[i].kind == NSIM_OP_VETH;
		n_neigh += p->ops[i].kind == NSIM_OP_NEIGH;
	}
	assert_int_equal(n_neigh, 2 * n_veth);
	/* LPM: each route table throws the VPC CIDR back to the local routes */
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-main", "throw 10.0.0.0/16 table 100"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-main", "blackhole 192.0.2.0/24 table 101"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-main", "default via 10.0.1.4 dev n-nat-a onlink table 101"));
	assert_non_null(find_op(p, NSIM_OP_RULE, "-main", "from 10.0.3.0/24 lookup 101"));
	assert_non_null(find_op(p, NSIM_OP_RULE, "-main", "from 10.0.1.0/24 lookup 100"));
	/* IGW: 1:1 NAT for the bastion and the NAT's elastic IP, nothing else */
	assert_non_null(find_op(p, NSIM_OP_NFT, "-igw", "10.0.1.5 : 203.0.113.20"));
	assert_non_null(find_op(p, NSIM_OP_NFT, "-igw", "10.0.1.4 : 203.0.113.10"));
	assert_null(find_op(p, NSIM_OP_NFT, "-igw", "10.0.3.4"));
	/* NAT: SNAT to its own address, no inbound */
	assert_non_null(find_op(p, NSIM_OP_NFT, "-nat-a", "snat to 10.0.1.4"));
	assert_non_null(find_op(p, NSIM_OP_NFT, "-nat-a", "hook input priority filter; policy drop"));
	/* the internet routes public IPs to the IGW */
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-internet", "203.0.113.10/32 via"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-internet", "203.0.113.20/32 via"));
	assert_int_equal(p->n_responders, 5); /* proxy, db, bastion, partner-api, secretsmanager */
	nsim_plan_free(p);

	assert_int_equal(nsim_plan_build(t, "Bad_Name", &p), -EINVAL);
	assert_int_equal(nsim_plan_build(t, "a-name-that-is-far-too-long", &p), -EINVAL);
	nsim_topology_free(t);

	/* peering: non-transitive filters on both routers */
	t = load_valid("topologies/peering.yaml");
	assert_int_equal(nsim_plan_build(t, NULL, &p), 0);
	check_invariants(p);
	const struct nsim_op *nft = find_op(p, NSIM_OP_NFT, "-app", "not transitive");
	assert_non_null(nft);
	assert_non_null(strstr(nft->text, "ip saddr != 10.1.0.0/16 counter log prefix \"nsim:pcx:"));
	assert_non_null(find_op(p, NSIM_OP_NFT, "-shared", "not transitive"));
	assert_non_null(find_op(p, NSIM_OP_NEIGH, "-app", "169.254.0."));
	nsim_plan_free(p);
	nsim_topology_free(t);
}

/* Where two rules would drop a packet, the one AWS evaluates first comes
 * first (tests/data/drops/order.yaml, proved on packets by test_drops): what
 * leaves by a peering meets the subnet's outbound ACL before the peering's
 * filter, and the local route wins over a blackhole wider than the VPC. */
static void test_drop_order(void **state)
{
	(void)state;
	struct nsim_topology *t = load_valid("tests/data/drops/order.yaml");
	struct nsim_plan *p = NULL;
	assert_int_equal(nsim_plan_build(t, NULL, &p), 0);
	check_invariants(p);
	const struct nsim_op *nft = find_op(p, NSIM_OP_NFT, "-main", "not transitive");
	assert_non_null(nft);
	const char *in = strstr(nft->text, "iifname \"p-pcx\" ip saddr != 10.65.0.0/16"),
		   *acl = strstr(nft->text, "iifname vmap @acl_leave"),
		   *out = strstr(nft->text, "oifname \"p-pcx\" ip daddr != 10.65.0.0/16");
	assert_true(in && acl && out && in < acl && acl < out);
	assert_non_null(strstr(nft->text, "ip saddr 10.64.2.0/24 ip daddr { 10.0.0.0/8 } ip daddr != 10.64.0.0/16 fib "
					  "daddr oif missing"));
	nsim_plan_free(p);
	nsim_topology_free(t);
}

/* VPC endpoints and prefix lists (tests/data/endpoints/, proved with packets
 * by tests/netns/test_endpoints.c). */
static void test_endpoints(void **state)
{
	(void)state;
	struct nsim_plan *p = NULL;

	/* a prefix-list route is one kernel route per CIDR, competing by its
	 * own length; a static route to the same CIDR wins (Route priority) */
	struct nsim_topology *t = load_valid("tests/data/endpoints/prefix-list.yaml");
	assert_int_equal(nsim_plan_build(t, "pl", &p), 0);
	check_invariants(p);
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-main", "blackhole 198.51.100.0/24 table 100"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-main", "198.51.100.0/28 via 169.254.0.6 dev igw onlink table 100"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-main", "198.51.100.64/28 via 169.254.0.6 dev igw onlink table 100"));
	assert_null(find_op(p, NSIM_OP_ROUTE, "-main", "blackhole 198.51.100.64/28"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-main", "blackhole 198.51.100.96/28 table 100"));
	assert_null(find_op(p, NSIM_OP_ROUTE, "-main", "default via 169.254.0.6 dev igw onlink table 100"));
	/* a security group's prefix-list source: a set of its CIDRs */
	const struct nsim_op *nft = find_op(p, NSIM_OP_NFT, "-main", "set pl_office");
	assert_non_null(nft);
	assert_non_null(strstr(nft->text, "elements = { 198.51.100.0/28 }"));
	assert_non_null(strstr(nft->text, "ip saddr @pl_office meta l4proto tcp th dport 22 counter return"));
	nsim_plan_free(p);
	nsim_topology_free(t);

	/* interface endpoint: a routed port in its subnet, its groups at the
	 * router, DNAT/SNAT to the service over a private link */
	t = load_valid("tests/data/endpoints/interface.yaml");
	assert_int_equal(nsim_plan_build(t, "ifc", &p), 0);
	check_invariants(p);
	assert_non_null(find_op(p, NSIM_OP_ADDR, "-sm-ep.ep", "10.50.2.4/24 dev eth0"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-main", "10.50.2.4/32 dev e-sm-ep.ep"));
	nft = find_op(p, NSIM_OP_NFT, "-main", "ingress_sm-ep_ep");
	assert_non_null(nft);
	assert_non_null(strstr(nft->text, "\"e-sm-ep.ep\" : jump ingress_sm-ep_ep"));
	assert_non_null(strstr(nft->text, "ip saddr @sg_main_fn-sg meta l4proto tcp th dport 443 counter return"));
	nft = find_op(p, NSIM_OP_NFT, "-sm-ep.ep", NULL);
	assert_non_null(nft);
	assert_non_null(strstr(nft->text, "ip daddr 10.50.2.4 meta l4proto tcp dnat to 192.0.2.80"));
	assert_non_null(strstr(nft->text, "oifname \"svc\" snat to 10.50.2.4"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-sm-ep.ep", "192.0.2.80/32 via 169.254.0."));
	/* the service host answers by link: mark, rule, table */
	assert_non_null(find_op(p, NSIM_OP_RULE, "-secretsmanager", "fwmark 0x1 lookup 200"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-secretsmanager", "dev e-sm-ep.ep onlink table 200"));
	assert_non_null(find_op(p, NSIM_OP_NFT, "-secretsmanager", "\"e-sm-ep.ep\" : 1"));
	/* `up` shows the interface */
	bool shown = false;
	for (size_t i = 0; i < p->n_hosts; i++)
		shown |= streq(p->hosts[i].name, "sm-ep") && streq(p->hosts[i].kind, "endpoint") &&
			 streq(p->hosts[i].where, "main/ep");
	assert_true(shown);
	nsim_plan_free(p);
	nsim_topology_free(t);

	/* gateway endpoint: the managed route to S3's list, no NAT on the way */
	t = load_valid("tests/data/endpoints/gateway.yaml");
	assert_int_equal(nsim_plan_build(t, "gw", &p), 0);
	check_invariants(p);
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-main", "192.0.2.90/32 via 169.254.0.6 dev e-s3-ep onlink table 100"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-s3-ep", "10.60.0.0/16 via 169.254.0.5 dev vpc"));
	assert_non_null(find_op(p, NSIM_OP_ROUTE, "-s3-ep", "192.0.2.90/32 via"));
	assert_null(find_op(p, NSIM_OP_NFT, "-s3-ep", NULL));
	assert_non_null(find_op(p, NSIM_OP_NFT, "-main", "ip daddr @pl_s3 meta l4proto tcp th dport 443"));
	nsim_plan_free(p);
	nsim_topology_free(t);

	/* one service host, two VPCs with one CIDR: a mark and a table per link */
	t = load_valid("tests/data/endpoints/overlap.yaml");
	assert_int_equal(nsim_plan_build(t, "ovl", &p), 0);
	check_invariants(p);
	assert_non_null(find_op(p, NSIM_OP_RULE, "-secretsmanager", "fwmark 0x1 lookup 200"));
	assert_non_null(find_op(p, NSIM_OP_RULE, "-secretsmanager", "fwmark 0x3 lookup 202"));
	assert_non_null(find_op(p, NSIM_OP_NFT, "-secretsmanager", "\"e-sm-left.ep\" : 1, \"e-sm-right.ep\" : 3"));
	assert_non_null(find_op(p, NSIM_OP_RULE, "-s3", "fwmark 0x2 lookup 201"));
	assert_non_null(find_op(p, NSIM_OP_RULE, "-s3", "fwmark 0x4 lookup 203"));
	assert_non_null(find_op(p, NSIM_OP_NFT, "-s3", "\"e-s3-left\" : 2, \"e-s3-right\" : 4"));
	nsim_plan_free(p);
	nsim_topology_free(t);
}

/* MACs are stable (a golden property of their own: the plan prints them) and
 * tell namespaces and interfaces apart. */
static void test_lladdr(void **state)
{
	(void)state;
	uint8_t a[NSIM_LLADDR_LEN], b[NSIM_LLADDR_LEN];
	char s[NSIM_LLADDR_STRLEN];
	nsim_plan_lladdr("netsim-minimal-client", "eth0", a);
	assert_string_equal(nsim_plan_lladdr_fmt(a, s), "02:6d:bf:91:88:1b");
	nsim_plan_lladdr("netsim-minimal-web", "eth0", b);
	assert_memory_not_equal(a, b, NSIM_LLADDR_LEN);
	nsim_plan_lladdr("netsim-minimal-client", "eth1", b);
	assert_memory_not_equal(a, b, NSIM_LLADDR_LEN);
	/* the separator keeps the pair apart from its concatenation */
	nsim_plan_lladdr("netsim-ab", "c", a);
	nsim_plan_lladdr("netsim-a", "bc", b);
	assert_memory_not_equal(a, b, NSIM_LLADDR_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lladdr),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_drop_order),
		cmocka_unit_test(test_endpoints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
