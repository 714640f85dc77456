/* SPDX-License-Identifier: MIT */
/*
 * Every drop netsim's rulesets make is reported by the network: `netsim
 * test` shows, for each dropped probe, where the network dropped it
 * (namespace, component, kind, direction, rule), from netsim's NFLOG group,
 * without waiting for the probe's timeout; and it agrees with the model on
 * the component that decided. Security groups (ingress, egress), network
 * ACLs (inbound and outbound, a numbered rule and `*`), a NAT gateway's
 * inbound, an internet gateway without public IP, a blackhole route, no
 * route, a peering's filter and an interface endpoint's groups. And the flow
 * logs made of them and of connection tracking (--flow-log).
 * argv[1]: the netsim binary. Root; exit 77 (skip) otherwise. Run from the
 * source root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "json_assert.h"
#include "util.h"

/* A timeout no drop must wait out: each reported drop ends its probe. */
#define LONG_TIMEOUT "20000"

static char out[256 * 1024];

struct want {
	const char *name;       /* the expectation */
	const char *node;       /* the namespace's node: netsim-<instance>-<node> */
	const char *component;
	const char *kind;
	const char *direction;
	const char *rule;
	const char *outcome;    /* "dropped", or "no route" */
	bool reply;             /* the reply was dropped */
};

static json_t *row(json_t *doc, const char *name)
{
	json_t *list = field(doc, "expectations"), *e;
	size_t i;
	json_array_foreach(list, i, e)
		if (streq(str(e, "name"), name))
			return e;
	fail_msg("no expectation '%s'", name);
	return NULL;
}

static void check_file(const char *file, const char *suffix, const struct want *w, size_t n, size_t n_rows)
{
	const char *name = instance(suffix);
	int r = run(out, sizeof(out), NULL, "test", file, "--name", name, "--json", "--timeout", LONG_TIMEOUT, NULL);
	if (r != 0)
		fail_msg("netsim test %s: exit %d\n%s", file, r, out);
	json_t *doc = json_doc(out);
	assert_int_equal(num(doc, "passed"), n_rows);
	assert_int_equal(num(doc, "failed"), 0);
	for (size_t i = 0; i < n; i++) {
		json_t *e = row(doc, w[i].name), *d = field(e, "dropped_at");
		char ns[128];
		snprintf(ns, sizeof(ns), "netsim-%s-%s", name, w[i].node);
		if (!json_is_object(d))
			fail_msg("%s: no dropped_at", w[i].name);
		expect_str(e, "outcome", w[i].outcome);
		assert_true(json_is_false(field(e, "model_disagrees")));
		expect_str(d, "namespace", ns);
		expect_str(d, "component", w[i].component);
		expect_str(d, "kind", w[i].kind);
		expect_str(d, "direction", w[i].direction);
		expect_str(d, "rule", w[i].rule);
		assert_true(json_is_boolean(field(d, "reply")) && json_is_true(field(d, "reply")) == w[i].reply);
		/* reported, not waited for: far from the timeout */
		if (json_real_value(field(e, "time_ms")) >= 10000)
			fail_msg("%s: waited %.0f ms", w[i].name, json_real_value(field(e, "time_ms")));
	}
	/* the reachable ones have none */
	json_t *e;
	size_t i;
	json_array_foreach(field(doc, "expectations"), i, e)
		if (streq(str(e, "outcome"), "reachable"))
			expect_null(e, "dropped_at");
	json_decref(doc);
	down(name);
	assert_nothing_left(name);
}

static void test_kinds(void **state)
{
	(void)state;
	static const struct want w[] = {
		{"sg-in", "main", "db-sg", "security group", "ingress", "no rule matched", "dropped"},
		{"sg-out", "main", "app-sg", "security group", "egress", "no rule matched", "dropped"},
		{"acl-in-rule", "main", "data", "network ACL", "inbound", "rule 110", "dropped"},
		{"acl-in-star", "main", "data", "network ACL", "inbound", "rule *: no rule matched", "dropped"},
		{"acl-out-rule", "main", "data", "network ACL", "outbound", "rule 90", "dropped"},
		{"acl-out-star", "main", "data", "network ACL", "outbound", "rule *: no rule matched", "dropped"},
		{"nat-in", "nat", "nat", "NAT gateway", "inbound", "no connection from outside", "dropped"},
		{"igw-no-public-ip", "igw", "igw", "internet gateway", "", "no public IP", "dropped"},
		{"blackhole", "main", "private", "route table", "", "blackhole route", "dropped"},
		{"no-route", "main", "main", "VPC router", "", "no route", "no route"},
	};
	check_file("tests/data/drops/kinds.yaml", "drops", w, ELEMENTSOF(w), 11);
}

static void test_peering(void **state)
{
	(void)state;
	static const struct want w[] = {
		{"not transitive", "a", "pcx-ab", "peering connection", "", "not between the two VPCs", "dropped"},
	};
	check_file("tests/data/drops/peering.yaml", "drops-pcx", w, ELEMENTSOF(w), 2);
}

/* Where two components would drop a packet, the first on its way reports
 * it, and the model names the same one: the NAT gateway's subnet's ACL
 * before the NAT gateway, the subnet's outbound ACL before the peering's
 * filter, the local route before a wider blackhole, and a reply its route
 * sends to a NAT gateway (not back to the internet gateway) is dropped
 * there, while the model's decision stays the route table (blocked_by). */
static void test_order(void **state)
{
	(void)state;
	static const struct want w[] = {
		{"nat-acl-first", "main", "acl-pub", "network ACL", "inbound", "rule *: no rule matched", "dropped"},
		{"peering-acl-first", "main", "acl-app", "network ACL", "outbound", "rule *: no rule matched", "dropped"},
		{"local-over-blackhole", "main", "main", "VPC router", "", "no route", "no route"},
		{"reply-to-nat", "nat", "nat", "NAT gateway", "", "no connection for the reply", "dropped", true},
	};
	check_file("tests/data/drops/order.yaml", "drops-order", w, ELEMENTSOF(w), 4);
}

static void test_endpoint_group(void **state)
{
	(void)state;
	static const struct want w[] = {
		{"the endpoint's group does not admit other", "main", "ep-sg of endpoint sm-ep", "security group", "ingress",
		 "no rule matched", "dropped"},
	};
	check_file("tests/data/endpoints/interface.yaml", "drops-ep", w, ELEMENTSOF(w), 3);
}

/* The text report shows the drop as a hop, in the words of the rule. */
static void test_text(void **state)
{
	(void)state;
	const char *name = instance("drops-txt");
	int r = run(out, sizeof(out), NULL, "test", "tests/data/drops/kinds.yaml", "--name", name, "--only", "sg-in",
		    "--timeout", LONG_TIMEOUT, NULL);
	if (r != 0)
		fail_msg("exit %d\n%s", r, out);
	/* the source port is drawn from app's ephemeral range (32768-60999) */
	const char *l = strstr(out, ": db-sg (ingress, no rule matched) dropped 10.60.2.4:");
	unsigned port = 0;
	int end = 0;
	if (!strstr(out, "    dropped at main +") || !l ||
	    sscanf(l, ": db-sg (ingress, no rule matched) dropped 10.60.2.4:%u%n", &port, &end) != 1 ||
	    port < 32768 || port > 60999 || strncmp(l + end, " → 10.60.3.4:22 SYN\n", strlen(" → 10.60.3.4:22 SYN\n")))
		fail_msg("no drop line:\n%s", out);
	down(name);
}

/* `netsim trace` of a running topology stops at the drop the network
 * reports, as `check` does, and shows it as the last hop of what it saw. */
static void test_trace(void **state)
{
	(void)state;
	const char *name = instance("drops-tr");
	up("tests/data/drops/kinds.yaml", name);
	int r = run(out, sizeof(out), NULL, "trace", name, "app", "db", "22/tcp", NULL);
	assert_int_equal(r, 1);
	const char *obs = strstr(out, "\nobserved on '");
	double ms = 0;
	if (!obs || sscanf(strstr(obs, "': ") + 3, "dropped in %lf ms", &ms) != 1 || ms >= 1000)
		fail_msg("not stopped at the drop:\n%s", out);
	const char *l = strstr(obs, "\n  db-sg ");
	if (!l || !strstr(l, "security group") || !strstr(l, " ms  ✗ db-sg (ingress, no rule matched) dropped 10.60.2.4:") ||
	    !strstr(l, " → 10.60.3.4:22 SYN\n"))
		fail_msg("no drop hop:\n%s", out);
	/* a blackhole: the route table's hop */
	r = run(out, sizeof(out), NULL, "trace", name, "app", "192.0.2.7", "icmp", NULL);
	assert_int_equal(r, 1);
	if (!strstr(out, "\n  private ") || !strstr(out, "✗ private (blackhole route) dropped 10.60.2.4 → 192.0.2.7 ICMP\n"))
		fail_msg("no blackhole hop:\n%s", out);
	down(name);
}

/* Flow logs: AWS's default format (version 2), parsed back field by field,
 * with ACCEPT records (connection tracking) and REJECT records (the drops). */
static void test_flow_log(void **state)
{
	(void)state;
	const char *name = instance("drops-fl");
	char path[256];
	snprintf(path, sizeof(path), "%s/flow.log", netns_tmpdir());
	int r = run(out, sizeof(out), NULL, "test", "tests/data/drops/kinds.yaml", "--name", name, "--flow-log", path,
		    "--timeout", LONG_TIMEOUT, NULL);
	if (r != 0)
		fail_msg("exit %d\n%s", r, out);
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	char line[512];
	size_t n = 0, accept = 0, reject = 0;
	bool sg_in = false, sg_out = false, conn = false, conn_reply = false;
	while (fgets(line, sizeof(line), f)) {
		char eni[64], src[20], dst[20], action[16], status[8], account[16];
		unsigned version, sport, dport, proto;
		unsigned long long packets, bytes, start, end;
		int k = sscanf(line, "%u %15s %63s %19s %19s %u %u %u %llu %llu %llu %llu %15s %7s", &version, account, eni,
			       src, dst, &sport, &dport, &proto, &packets, &bytes, &start, &end, action, status);
		if (k != 14)
			fail_msg("not 14 fields: %s", line);
		n++;
		assert_int_equal(version, 2);
		assert_string_equal(account, "000000000000");
		assert_true(strncmp(eni, "eni-", 4) == 0);
		assert_true(A(src) != 0 && A(dst) != 0);
		assert_true(proto == 6 || proto == 1);
		assert_true(packets >= 1 && bytes >= 20 * packets);
		assert_true(start > 1700000000 && start <= end);
		assert_string_equal(status, "OK");
		if (streq(action, "ACCEPT"))
			accept++;
		else if (streq(action, "REJECT"))
			reject++;
		else
			fail_msg("action %s", action);
		/* sg-in: at db's interface, where its group rejected the SYN */
		if (streq(action, "REJECT") && streq(eni, "eni-db") && streq(src, "10.60.2.4") && dport == 22)
			sg_in = packets == 1 && bytes == 60;
		/* sg-out: at app's interface */
		if (streq(action, "REJECT") && streq(eni, "eni-app") && streq(dst, "198.51.100.20") && dport == 8443)
			sg_out = true;
		/* the connection app -> db:5433, both ways, at both interfaces */
		if (streq(action, "ACCEPT") && streq(src, "10.60.2.4") && dport == 5433 && packets >= 3)
			conn = true;
		if (streq(action, "ACCEPT") && streq(src, "10.60.3.4") && sport == 5433 && packets >= 2)
			conn_reply = true;
	}
	fclose(f);
	assert_int_equal(accept, 4); /* 2 directions x 2 interfaces */
	assert_true(reject >= 9);
	assert_true(sg_in && sg_out && conn && conn_reply);
	assert_int_equal(n, accept + reject);

	/* a custom format of the fields netsim knows: the version is the highest of its fields' */
	r = run(out, sizeof(out), NULL, "test", "tests/data/drops/kinds.yaml", "--name", name, "--only", "sg-in",
		"--flow-log", path, "--flow-log-format",
		"${version} ${vpc-id} ${subnet-id} ${interface-id} ${tcp-flags} ${type} ${flow-direction} ${action}", NULL);
	if (r != 0)
		fail_msg("exit %d\n%s", r, out);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "5 main data eni-db 2 IPv4 ingress REJECT\n");
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);

	/* a field netsim does not know is a usage error, before anything is built */
	r = run(out, sizeof(out), NULL, "test", "tests/data/drops/kinds.yaml", "--name", name, "--flow-log", path,
		"--flow-log-format", "${version} ${az-id}", NULL);
	assert_int_equal(r, 2);
	assert_non_null(strstr(out, "netsim does not model the flow log field 'az-id' yet"));
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_peering),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_endpoint_group),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_flow_log),
	};
	r = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup_all();
	return r;
}
