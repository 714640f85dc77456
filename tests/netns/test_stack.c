/* SPDX-License-Identifier: MIT */
/*
 * The real stack as a user proves it with `netsim test`: command:
 * expectations (exit status, output, timeout, a program that cannot run),
 * `to:` a DNS name resolved through the VPC's DNS server (and a name that
 * exists nowhere: NAME_NOT_FOUND in the model and NXDOMAIN in the network),
 * reaches: through the proxy's relay with both legs in the evidence, and
 * topologies/serverless-real.yaml with a real MariaDB.
 * argv[1]: the netsim binary. Root; exit 77 (skip) otherwise. Run from the
 * source root. Instances are t<pid>-..., removed pass or fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "model/util.h"
#include "probe/probe.h"
#include "json_assert.h"
#include "util.h"

#define BACKEND "topologies/serverless-backend.yaml"
#define REAL "topologies/serverless-real.yaml"
#define COMMANDS "tests/data/check/commands.yaml"
#define PROXY_NAME "items-proxy.proxy-abc123.ap-northeast-2.rds.amazonaws.com"

static char out[512 * 1024];

/* ---- helpers ---- */

static json_t *row(json_t *doc, size_t i)
{
	json_t *e = json_array_get(field(doc, "expectations"), i);
	assert_non_null(e);
	return e;
}

/* The hop of leg `leg` at `component`; NULL when none. */
static json_t *leg_hop(json_t *e, int leg, const char *component)
{
	size_t k;
	json_t *h;
	json_array_foreach (field(e, "hops"), k, h)
		if (json_integer_value(field(h, "leg")) == leg && strcmp(str(h, "component"), component) == 0)
			return h;
	return NULL;
}

static bool have_program(const char *name)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1 || test -x /usr/sbin/%s", name, name);
	return system(cmd) == 0;
}

/* Both parts must work: the VPC's DNS server answers in
 * `fn`, and the proxy relays (db's responder answers through it). */
static void expect_stack_running(const char *n)
{
	char ns[64];
	snprintf(ns, sizeof(ns), "netsim-%s-fn", n);
	struct nsim_probe_answer a;
	assert_int_equal(nsim_probe_resolve(ns, A("10.0.0.2"), PROXY_NAME, 1000, &a), 0);
	if (a.outcome != NSIM_PROBE_DNS_ANSWER || a.addr != A("10.0.3.20")) {
		fprintf(stderr, "the VPC's DNS server did not answer %s with 10.0.3.20: %s\n", PROXY_NAME,
			nsim_probe_dns_outcome_name(a.outcome));
		fail();
	}
	struct nsim_probe_result p = probe(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, 1000);
	if (p.outcome != NSIM_PROBE_REACHABLE || strncmp(p.response, "netsim db ", 10) != 0) {
		fprintf(stderr, "the proxy does not relay to db: %s, response '%s'\n", nsim_probe_outcome_name(p.outcome),
			p.response);
		fail();
	}
}

/* ---- the tests ---- */

/* command: rows: exit status, output, timeout, evidence, a program that cannot run. */
static void test_commands(void **state)
{
	(void)state;
	const char *n = instance("cmd");
	int r = run(out, sizeof(out), NULL, "test", COMMANDS, "--name", n, NULL);
	netns_expect_output(out, r, 1, "5 passed, 2 failed");
	netns_expect_output(out, r, 1, "exit status 3");
	netns_expect_output(out, r, 1, "| to stderr");
	netns_expect_output(out, r, 1, "killed at the timeout");
	netns_expect_output(out, r, 1, "the command could not run: exec: No such file or directory");
	assert_nothing_left(n);

	r = run(out, sizeof(out), NULL, "test", COMMANDS, "--name", n, "--json", NULL);
	assert_int_equal(r, 1);
	json_t *doc = json_doc(out);
	json_t *e = row(doc, 0); /* resolv.conf and hosts are the host's */
	assert_true(json_is_true(field(e, "passed")));
	expect_str(e, "observed", "succeeds");
	assert_int_equal(json_integer_value(field(field(e, "command"), "exit_status")), 0);

	e = row(doc, 1); /* only stdin, stdout and stderr: no descriptor of netsim's (regression) */
	assert_true(json_is_true(field(e, "passed")));

	e = row(doc, 2); /* nc's packets are the evidence: the client sent them to web */
	assert_true(json_is_true(field(e, "passed")));
	json_t *h = NULL, *x;
	size_t k;
	json_array_foreach (field(e, "hops"), k, x)
		if (strcmp(str(x, "component"), "client") == 0 && json_object_get(x, "sent") &&
		    strcmp(str(field(x, "sent"), "dst"), "10.0.1.10") == 0)
			h = x;
	if (!h) {
		char *dump = json_dumps(e, JSON_INDENT(2));
		fprintf(stderr, "no hop at client sending to 10.0.1.10 in\n%s\n", dump);
		free(dump);
		fail();
	}
	assert_string_equal(str(field(h, "sent"), "src"), "10.0.1.4");
	assert_int_equal(json_integer_value(field(field(h, "sent"), "dport")), 80);
	assert_true(json_is_true(field(h, "reply_seen")));

	e = row(doc, 3);
	assert_true(json_is_true(field(e, "passed")));
	expect_str(e, "observed", "fails");

	e = row(doc, 4); /* exit 3, expected to succeed: the status and the last lines */
	assert_true(json_is_false(field(e, "passed")));
	expect_str(e, "observed", "fails");
	assert_int_equal(json_integer_value(field(field(e, "command"), "exit_status")), 3);
	expect_str(field(e, "command"), "output_tail", "first line\nto stderr");
	expect_contains(e, "reason", "exited with status 3");

	e = row(doc, 5); /* killed at 300 ms, well before its sleep ends */
	assert_true(json_is_true(field(e, "passed")));
	assert_true(json_is_true(field(field(e, "command"), "timed_out")));
	assert_true(json_real_value(field(e, "time_ms")) < 5000);

	e = row(doc, 6); /* a missing program is no verdict, though `fails` was expected */
	assert_true(json_is_false(field(e, "passed")));
	expect_str(e, "outcome", "error");
	expect_contains(e, "reason", "could not run");
	assert_int_equal(json_integer_value(field(doc, "unrun")), 1);
	json_decref(doc);
	assert_nothing_left(n);
}

/* The example: names resolve through the VPC's DNS server, the proxy's relay
 * reaches db (both legs, the source db saw), a name that exists nowhere is
 * NAME_NOT_FOUND in the model and NXDOMAIN in the network. */
static void test_backend_names(void **state)
{
	(void)state;
	const char *n = instance("names");
	up(BACKEND, n);
	expect_stack_running(n);
	int r = run(out, sizeof(out), NULL, "check", n, "--verbose", NULL);
	netns_expect_output(out, r, 0, "11 passed, 0 failed");
	netns_expect_output(out, r, 0, "name " PROXY_NAME " → 10.0.3.20");
	netns_expect_output(out, r, 0, "relayed: answered by db, which saw the source 10.0.3.20:");
	netns_expect_output(out, r, 0, "leg 2 db");
	r = run(out, sizeof(out), NULL, "check", n, "--json", NULL);
	assert_int_equal(r, 0);
	json_t *doc = json_doc(out);

	json_t *e = row(doc, 7); /* to: the proxy's name, reaches: db */
	expect_str(e, "to", PROXY_NAME);
	expect_str(e, "address", "10.0.3.20");
	expect_str(field(e, "dns"), "answer", "10.0.3.20");
	expect_str(field(e, "dns"), "resolver", "10.0.0.2");
	expect_str(field(e, "dns"), "model", "10.0.3.20");
	expect_str(field(e, "relay"), "answered_by", "db");
	expect_str(field(e, "relay"), "reached", "db");
	expect_str(field(e, "relay"), "model_reaches", "db");
	expect_str(e, "seen_source", "10.0.3.20"); /* db saw the proxy, as behind an RDS Proxy */
	json_t *h1 = leg_hop(e, 1, "proxy"), *h2 = leg_hop(e, 2, "db");
	assert_non_null(h1);
	assert_non_null(h2);
	assert_string_equal(str(field(h1, "received"), "src"), "10.0.3.4");
	assert_string_equal(str(field(h2, "received"), "src"), "10.0.3.20");
	assert_string_equal(str(field(h2, "received"), "dst"), "10.0.4.4");

	e = row(doc, 8); /* the DB's own name resolves; its SG drops fn */
	expect_str(field(e, "dns"), "answer", "10.0.4.4");
	expect_str(e, "outcome", "dropped");

	e = row(doc, 9); /* an internet host's name: its public address, through the NAT */
	expect_str(field(e, "dns"), "answer", "198.51.100.80");
	expect_str(e, "seen_source", "203.0.113.10");

	e = row(doc, 10); /* nowhere: NXDOMAIN, and the model agrees */
	assert_true(json_is_true(field(e, "passed")));
	expect_str(field(e, "dns"), "outcome", "NXDOMAIN");
	expect_str(field(e, "dns"), "model", "NAME_NOT_FOUND");
	expect_str(field(e, "predicted"), "reason", "NAME_NOT_FOUND");
	expect_str(e, "outcome", "no such name");
	assert_true(json_is_false(field(e, "model_disagrees")));
	json_decref(doc);

	/* expected reachable, the name that exists nowhere fails with the words */
	r = run(out, sizeof(out), NULL, "check", n, "--only", "a name that exists nowhere", NULL);
	assert_int_equal(r, 0);
	down(n);
	assert_nothing_left(n);
}

/* Names alone (the VPC's DNS server, no relay needed): the DB's own name
 * resolves to its private address; a name that exists nowhere is
 * NAME_NOT_FOUND in the model and NXDOMAIN in the network, and a row that
 * expected it reachable fails saying so. */
static void test_name_not_found(void **state)
{
	(void)state;
	const char *n = instance("nx");
	up(BACKEND, n);
	char ns[64];
	snprintf(ns, sizeof(ns), "netsim-%s-fn", n);
	struct nsim_probe_answer a;
	assert_int_equal(nsim_probe_resolve(ns, A("10.0.0.2"), PROXY_NAME, 1000, &a), 0);
	assert_int_equal(a.outcome, NSIM_PROBE_DNS_ANSWER);
	assert_int_equal(a.addr, A("10.0.3.20"));
	int r = run(out, sizeof(out), NULL, "check", n, "--only", "a name that exists nowhere", "--json", NULL);
	assert_int_equal(r, 0);
	json_t *doc = json_doc(out);
	json_t *e = row(doc, 0);
	assert_true(json_is_true(field(e, "passed")));
	expect_str(field(e, "dns"), "outcome", "NXDOMAIN");
	expect_str(field(e, "dns"), "model", "NAME_NOT_FOUND");
	expect_str(field(e, "predicted"), "reason", "NAME_NOT_FOUND");
	expect_str(e, "outcome", "no such name");
	assert_true(json_is_false(field(e, "model_disagrees")));
	assert_int_equal(json_array_size(field(e, "hops")), 0); /* nothing was sent */
	json_decref(doc);

	r = run(out, sizeof(out), NULL, "check", n, "--only", "the DB's own name resolves but the SG drops", "--json",
		NULL);
	assert_int_equal(r, 0);
	doc = json_doc(out);
	e = row(doc, 0);
	expect_str(field(e, "dns"), "answer", "10.0.4.4");
	expect_str(e, "address", "10.0.4.4");
	expect_str(e, "outcome", "dropped");
	json_decref(doc);
	down(n);

	/* the same name expected reachable: fails, in the user's words */
	char path[256], cmd[1024];
	snprintf(path, sizeof(path), "%s/nx.yaml", netns_tmpdir());
	snprintf(cmd, sizeof(cmd),
		 "sed '/a name that exists nowhere/{n;s/verdict: unreachable, blocked_by: [A-Z_]*/verdict: reachable/;"
		 "s/verdict: unreachable/verdict: reachable/}' "
		 "%s > %s && grep -A1 'a name that exists nowhere' %s | grep -q 'verdict: reachable'", BACKEND, path, path);
	assert_int_equal(system(cmd), 0);
	r = run(out, sizeof(out), NULL, "test", path, "--name", n, "--only", "a name that exists nowhere", NULL);
	netns_expect_output(out, r, 1, "0 passed, 1 failed");
	netns_expect_output(out, r, 1, "the name does not resolve from fn's VPC (NXDOMAIN from 10.0.0.2)");
	netns_expect_output(out, r, 1, "model: NAME_NOT_FOUND");
	assert_nothing_left(n);
}

/* The relay's second leg blocked (db's SG no longer admits the proxy): the
 * proxy accepts, nothing answers behind it; reaches: fails naming the leg,
 * and the model agrees (no "netsim bug"). */
static void test_reaches_leg_blocked(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/leg2.yaml", netns_tmpdir());
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "sed 's/{ protocol: tcp, ports: 3306, source: proxy-sg }/{ protocol: tcp, ports: 3306, source: 10.9.0.0\\/16 }/' "
		 "%s > %s && grep -q 'source: 10.9.0.0/16' %s", BACKEND, path, path);
	assert_int_equal(system(cmd), 0);
	const char *n = instance("leg2");
	up(path, n);
	int r = run(out, sizeof(out), NULL, "check", n, "--only", "function reaches the DB by the proxy's name", NULL);
	netns_expect_output(out, r, 1, "0 passed, 1 failed");
	netns_expect_output(out, r, 1, "reaches: the bytes arrived at no host");
	netns_expect_output(out, r, 1, "the relay's leg proxy → db:3306/tcp is blocked");
	if (strstr(out, "netsim bug")) {
		fprintf(stderr, "the model disagreed:\n%s\n", out);
		fail();
	}
	down(n);
	assert_nothing_left(n);
}

/* A real MariaDB in db, the real client in fn: select 1 through the proxy by
 * its name, the direct way stopped, the DB seeing the proxy's address. */
static void test_serverless_real(void **state)
{
	(void)state;
	if (!have_program("mariadbd") || !have_program("mariadb")) {
		fprintf(stderr, "skip: mariadbd or mariadb not installed (sudo scripts/setup installs mariadb-server "
				"and mariadb-client)\n");
		skip();
	}
	assert_int_equal(system("scripts/mariadb-datadir >/dev/null"), 0);
	const char *n = instance("real");
	up(REAL, n);
	int r = run(out, sizeof(out), NULL, "check", n, "--json", NULL);
	if (r != 0) {
		run(out, sizeof(out), NULL, "check", n, "--verbose", NULL);
		fprintf(stderr, "%s\n", out);
		run(out, sizeof(out), NULL, "logs", n, "db", NULL);
		fprintf(stderr, "db's log:\n%s\n", out);
		fail();
	}
	json_t *doc = json_doc(out);
	assert_int_equal(json_integer_value(field(doc, "passed")), 5);
	json_t *e = row(doc, 0); /* mariadbd answers, not a responder: db seen in leg 2's capture */
	expect_str(field(e, "relay"), "model_reaches", "db");
	expect_str(field(e, "relay"), "reached", "db");
	assert_non_null(leg_hop(e, 2, "db"));
	e = row(doc, 2);
	expect_str(field(e, "command"), "output_tail", "1");
	json_decref(doc);
	down(n);
	assert_nothing_left(n);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_name_not_found),
		cmocka_unit_test(test_backend_names),
		cmocka_unit_test(test_reaches_leg_blocked),
		cmocka_unit_test(test_serverless_real),
	};
	return cmocka_run_group_tests_name("netsim real stack", tests, NULL, NULL);
}
