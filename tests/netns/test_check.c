/* SPDX-License-Identifier: MIT */
/*
 * `netsim test` and `netsim check` as a user runs them: exit codes, the
 * report's text, the JSON document, the JUnit XML and the pcap files.
 * argv[1]: the netsim binary. Root; exit 77 (skip) otherwise. Run from the
 * source root. Every instance is named t<pid>-..., and removed at the end
 * whether the tests pass or fail; so are the temporary files.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <pcap/pcap.h>

#include "apply/apply.h"
#include "apply/digest.h"
#include "load/load.h"
#include "model/diag.h"
#include "plan/plan.h"
#include "validate/validate.h"
#include "json_assert.h"
#include "util.h"

/* The serverless example as it was before names and the relay: the proxy
 * answers itself (no targets:) and the expectations by DNS name are cut
 * (tests/netns/test_stack.c proves those). Written to tmpdir by main(). */
#define SERVERLESS_EXAMPLE "topologies/serverless-backend.yaml"
#define STACK_MARKER "  # to: a DNS name:"
static char serverless_path[128];
#define SERVERLESS ((const char *)serverless_path)
#define REFUSED "tests/data/check/refused.yaml"
#define MANY_NAT "tests/data/check/many-nat.yaml"
#define VIA_KINDS "tests/data/check/via-kinds.yaml"
#define INTERMITTENT "tests/data/check/intermittent.yaml"
#define ELEMENTS(x) (sizeof(x) / sizeof((x)[0]))

/* The serverless example's expectations, in file order, as the report labels them. */
static const char *const labels[] = {
	"function reaches the proxy", "only the proxy reaches the DB", "proxy → db:3306/tcp", "outbound through NAT",
	"attacker → db:3306/tcp",     "attacker → bastion:22/tcp",      "fn → 192.0.2.7 icmp",
};
#define N_LABELS (sizeof(labels) / sizeof(labels[0]))

static char tmpdir[64]; /* everything this file writes: netns_tmpdir() */
static char out[256 * 1024];

/* ---- helpers ---- */

static const char *tmp_path(const char *name)
{
	static char paths[32][128];
	static size_t n;
	char *p = paths[n++ % 32];
	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return p;
}

/* Removes every `, blocked_by: VALUE` (on its line or the next) from text,
 * in place: a flipped expectation is reachable, and blocked_by: is only for
 * unreachable ones. */
static void strip_blocked_by(char *text)
{
	char *p;
	while ((p = strstr(text, "blocked_by: "))) {
		char *start = p, *end = p + strlen("blocked_by: ");
		while (start > text && start[-1] != ',')
			start--;
		assert_true(start > text);
		start--;
		end += strspn(end, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-#/");
		memmove(start, end, strlen(end) + 1);
	}
}

/* The serverless example with every verdict flipped. */
static const char *flipped(void)
{
	char *text = netns_read_text(SERVERLESS);
	size_t a, b, c;
	strip_blocked_by(text);
	char *t1 = netns_replace_all(text, "verdict: reachable", "verdict: @FLIP@", &a);
	char *t2 = netns_replace_all(t1, "verdict: unreachable", "verdict: reachable", &b);
	char *t3 = netns_replace_all(t2, "verdict: @FLIP@", "verdict: unreachable", &c);
	assert_int_equal(a, 4);
	assert_int_equal(b, 3);
	const char *path = tmp_path("flipped.yaml");
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(t3, f);
	assert_int_equal(fclose(f), 0);
	free(text), free(t1), free(t2), free(t3);
	return path;
}

/* The document's summary and its list of n expectations. */
static json_t *expectations(json_t *doc, const char *name, json_int_t passed, json_int_t failed)
{
	assert_int_equal(num(doc, "schema"), 1);
	assert_string_equal(str(doc, "topology"), name);
	assert_int_equal(num(doc, "passed"), passed);
	assert_int_equal(num(doc, "failed"), failed);
	assert_true(json_is_number(field(doc, "time_ms")));
	json_t *list = field(doc, "expectations");
	assert_true(json_is_array(list));
	assert_int_equal(json_array_size(list), (size_t)(passed + failed));
	return list;
}

/* The fields every expectation has, of the right types. */
static void expect_schema(json_t *e, size_t i)
{
	assert_int_equal(num(e, "index"), (json_int_t)i + 1);
	static const char *const strings[] = {"name", "from", "to", "address", "protocol", "expected", "observed",
					      "outcome"};
	for (size_t k = 0; k < sizeof(strings) / sizeof(strings[0]); k++)
		str(e, strings[k]);
	assert_true(json_is_boolean(field(e, "passed")));
	assert_true(json_is_number(field(e, "time_ms")));
	assert_true(json_is_array(field(e, "hops")));
	static const char *const nullable[] = {"response", "seen_source", "reason", "last_seen"};
	for (size_t k = 0; k < sizeof(nullable) / sizeof(nullable[0]); k++) {
		json_t *v = field(e, nullable[k]);
		assert_true(json_is_null(v) || json_is_string(v));
	}
	if (strcmp(str(e, "protocol"), "icmp") == 0)
		assert_null(json_object_get(e, "port"));
	else
		assert_true(json_is_integer(field(e, "port")));
	/* a failure always says why; a pass has no reason */
	if (json_is_true(field(e, "passed")))
		expect_null(e, "reason");
	else
		assert_true(strlen(str(e, "reason")) > 0);
	size_t k;
	json_t *h;
	json_array_foreach (field(e, "hops"), k, h) {
		str(h, "component");
		str(h, "kind");
		str(h, "namespace");
		str(h, "summary");
		assert_true(json_is_number(field(h, "time_ms")));
		assert_true(json_is_boolean(field(h, "reply_seen")));
		assert_true(json_object_get(h, "received") || json_object_get(h, "sent"));
	}
}

static json_t *hop(json_t *e, const char *component)
{
	size_t k;
	json_t *h;
	json_array_foreach (field(e, "hops"), k, h)
		if (strcmp(str(h, "component"), component) == 0)
			return h;
	fprintf(stderr, "expectation %lld: no hop at %s\n", (long long)json_integer_value(json_object_get(e, "index")),
		component);
	fail();
	return NULL;
}

/* Runs python3 with `script` and args (NULL-terminated); its exit status. */
static int python(const char *script, ...)
{
	char *argv[32] = {(char *)"python3", (char *)"-c", (char *)script};
	int argc = 3;
	va_list ap;
	va_start(ap, script);
	for (char *a; argc < 31 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execvp("python3", argv);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* JUnit XML, parsed: one suite with `tests` testcases named as the labels
 * (when given), `failures` of them failed, each failure with a message. */
static const char junit_checker[] =
	"import sys, xml.dom.minidom as m\n"
	"d = m.parse(sys.argv[1])\n"
	"tests, failures, names = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]\n"
	"suites = d.getElementsByTagName('testsuite')\n"
	"assert len(suites) == 1, 'testsuites: %d' % len(suites)\n"
	"s = suites[0]\n"
	"cases = s.getElementsByTagName('testcase')\n"
	"fails = s.getElementsByTagName('failure')\n"
	"assert len(cases) == tests, 'testcases: %d' % len(cases)\n"
	"assert int(s.getAttribute('tests')) == tests, 'tests=' + s.getAttribute('tests')\n"
	"assert int(s.getAttribute('failures')) == failures, 'failures=' + s.getAttribute('failures')\n"
	"assert len(fails) == failures, 'failure elements: %d' % len(fails)\n"
	"for f in fails:\n"
	"    assert f.getAttribute('message'), 'a failure without message'\n"
	"    assert f.parentNode.tagName == 'testcase'\n"
	"got = [c.getAttribute('name') for c in cases]\n"
	"assert not names or got == names, 'names: %r' % got\n";

static void check_junit(const char *path, const char *tests, const char *failures)
{
	int r = python(junit_checker, path, tests, failures, labels[0], labels[1], labels[2], labels[3], labels[4],
		       labels[5], labels[6], NULL);
	if (r != 0) {
		char *xml = netns_read_text(path);
		fprintf(stderr, "%s: not the JUnit XML expected (python3 exit %d):\n%s\n", path, r, xml);
		free(xml);
		fail();
	}
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* ---- the tests ---- */

/* The example passes in full, and the JSON document carries every field. */
static void test_serverless_passes(void **state)
{
	(void)state;
	const char *n = instance("pass");
	int r = run(out, sizeof(out), NULL, "test", SERVERLESS, "--name", n, NULL);
	netns_expect_output(out, r, 0, "7 passed, 0 failed");
	assert_int_equal(count(out, "✓"), 7);
	assert_int_equal(count(out, "✗"), 0);
	for (size_t i = 0; i < N_LABELS; i++)
		if (!strstr(labels[i], "→"))
			netns_expect_output(out, r, 0, labels[i]); /* named ones are shown by name */
	assert_nothing_left(n);

	r = run(out, sizeof(out), NULL, "test", SERVERLESS, "--name", n, "--json", NULL);
	assert_int_equal(r, 0);
	json_t *doc = json_doc(out);
	json_t *list = expectations(doc, n, 7, 0);
	size_t i;
	json_t *e;
	json_array_foreach (list, i, e) {
		expect_schema(e, i);
		assert_true(json_is_true(field(e, "passed")));
		expect_str(e, "name", labels[i]);
		expect_str(e, "observed", str(e, "expected"));
	}

	e = json_array_get(list, 0);
	expect_str(e, "from", "fn");
	expect_str(e, "to", "proxy");
	expect_str(e, "address", "10.0.3.20");
	expect_str(e, "protocol", "tcp");
	assert_int_equal(num(e, "port"), 3306);
	expect_str(e, "expected", "reachable");
	expect_str(e, "outcome", "reachable");
	expect_str(e, "seen_source", "10.0.3.4");
	expect_contains(e, "response", "proxy 3306/tcp from 10.0.3.4:");
	expect_str(e, "last_seen", "proxy");
	hop(e, "fn"), hop(e, "main"), hop(e, "proxy");

	e = json_array_get(list, 1); /* the SG of db drops it at the VPC router */
	expect_str(e, "from", "fn");
	expect_str(e, "to", "db");
	expect_str(e, "address", "10.0.4.4");
	expect_str(e, "expected", "unreachable");
	expect_str(e, "observed", "unreachable");
	expect_str(e, "outcome", "dropped");
	expect_null(e, "seen_source");
	expect_null(e, "response");
	expect_str(e, "last_seen", "main");
	/* the network reported the drop: no wait for the timeout */
	assert_true(json_real_value(field(e, "time_ms")) < 900);
	expect_str(field(e, "dropped_at"), "component", "db-sg");
	expect_str(field(e, "dropped_at"), "rule", "no rule matched");

	e = json_array_get(list, 2);
	expect_str(e, "from", "proxy");
	expect_str(e, "address", "10.0.4.4");
	expect_str(e, "seen_source", "10.0.3.20");
	expect_str(e, "last_seen", "db");

	e = json_array_get(list, 3); /* through the NAT gateway and the IGW, in that order */
	expect_str(e, "to", "partner-api");
	expect_str(e, "address", "198.51.100.20");
	assert_int_equal(num(e, "port"), 443);
	expect_str(e, "seen_source", "203.0.113.10");
	expect_contains(e, "response", "partner-api 443/tcp from 203.0.113.10:");
	static const char *const path[] = {"fn", "main", "nat-a", "igw", "internet", "partner-api"};
	json_t *hops = field(e, "hops");
	bool same = json_array_size(hops) == 6;
	for (size_t k = 0; same && k < 6; k++)
		same = strcmp(str(json_array_get(hops, k), "component"), path[k]) == 0;
	if (!same) {
		fprintf(stderr, "expectation 4: JSON hops [");
		json_t *h;
		json_array_foreach (hops, i, h)
			fprintf(stderr, "%s%s", i ? ", " : "", str(h, "component"));
		fprintf(stderr, "], expected [fn, main, nat-a, igw, internet, partner-api]\n");
		fail();
	}
	json_t *nat = hop(e, "nat-a");
	assert_string_equal(str(field(nat, "received"), "src"), "10.0.3.4");
	assert_string_equal(str(field(nat, "sent"), "src"), "10.0.1.4");
	assert_non_null(strstr(str(nat, "summary"), "became 10.0.1.4:"));
	json_t *igw = hop(e, "igw");
	assert_string_equal(str(field(igw, "received"), "src"), "10.0.1.4");
	assert_string_equal(str(field(igw, "sent"), "src"), "203.0.113.10");
	expect_str(e, "last_seen", "partner-api");

	e = json_array_get(list, 4); /* db has no public IP: the internet has no route to it */
	expect_str(e, "from", "attacker");
	expect_str(e, "address", "10.0.4.4");
	expect_str(e, "outcome", "no route");
	expect_str(e, "observed", "unreachable");

	e = json_array_get(list, 5); /* the IGW translates the bastion's public IP */
	expect_str(e, "address", "203.0.113.20");
	expect_str(e, "seen_source", "198.51.100.66");
	igw = hop(e, "igw");
	assert_string_equal(str(field(igw, "received"), "dst"), "203.0.113.20");
	assert_string_equal(str(field(igw, "sent"), "dst"), "10.0.1.5");

	e = json_array_get(list, 6); /* the blackhole route */
	expect_str(e, "to", "192.0.2.7");
	expect_str(e, "address", "192.0.2.7");
	expect_str(e, "protocol", "icmp");
	expect_str(e, "outcome", "dropped");
	expect_str(e, "last_seen", "main");
	json_decref(doc);
	assert_nothing_left(n);
}

/* Each hop names the namespace its packets were captured in. */
static void test_json_hop_namespaces(void **state)
{
	(void)state;
	const char *n = instance("ns");
	int r = run(out, sizeof(out), NULL, "test", SERVERLESS, "--name", n, "--json", NULL);
	assert_int_equal(r, 0);
	json_t *doc = json_doc(out);
	json_t *list = expectations(doc, n, 7, 0);
	size_t i, k;
	json_t *e, *h;
	bool ok = true;
	json_array_foreach (list, i, e)
		json_array_foreach (field(e, "hops"), k, h) {
			/* in this topology every component has a namespace of its own name */
			char want[128];
			snprintf(want, sizeof(want), "netsim-%s-%s", n, str(h, "component"));
			if (strcmp(str(h, "namespace"), want) != 0) {
				fprintf(stderr, "expectation %zu, hop %s: namespace '%s', expected '%s'\n", i + 1,
					str(h, "component"), str(h, "namespace"), want);
				ok = false;
			}
		}
	json_decref(doc);
	assert_nothing_left(n);
	assert_true(ok);
}

/* Every expectation flipped fails, each with the reason a user needs. */
static void test_flipped_fail(void **state)
{
	(void)state;
	const char *n = instance("flip");
	const char *file = flipped();
	const char *junit = tmp_path("flipped.xml");
	int r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--junit", junit, NULL);
	netns_expect_output(out, r, 1, "0 passed, 7 failed");
	assert_int_equal(count(out, "✗"), 7);
	netns_expect_output(out, r, 1, "expected reachable: dropped: db-sg (ingress, no rule matched) dropped 10.0.3.4:");
	netns_expect_output(out, r, 1, " → 10.0.4.4:3306 SYN, in netsim-");
	netns_expect_output(out, r, 1, "expected unreachable: reachable: ");
	/* each with the change that would make it hold: to add, or to remove */
	netns_expect_output(out, r, 1, "\n    fix: add to db-sg ingress: { protocol: tcp, ports: 3306, source: fn-sg }\n");
	netns_expect_output(out, r, 1, "\n    fix: remove from db-sg ingress: { protocol: tcp, ports: 3306, source: proxy-sg }\n");
	assert_nothing_left(n);
	check_junit(junit, "7", "7");
	char *xml = netns_read_text(junit);
	if (!strstr(xml, "fix: add to db-sg ingress: { protocol: tcp, ports: 3306, source: fn-sg }\n</failure>")) {
		fprintf(stderr, "%s: no fix: line in the failure:\n%s\n", junit, xml);
		fail();
	}
	free(xml);

	r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--json", NULL);
	assert_int_equal(r, 1);
	json_t *doc = json_doc(out);
	json_t *list = expectations(doc, n, 0, 7);
	size_t i;
	json_t *e;
	json_array_foreach (list, i, e) {
		expect_schema(e, i);
		assert_true(json_is_false(field(e, "passed")));
	}
	/* the formerly reachable ones */
	static const size_t reachable[] = {0, 2, 3, 5};
	for (size_t k = 0; k < 4; k++) {
		e = json_array_get(list, reachable[k]);
		expect_str(e, "expected", "unreachable");
		expect_str(e, "observed", "reachable");
		expect_prefix(e, "reason", "reachable: ");
	}
	expect_contains(json_array_get(list, 3), "reason", "203.0.113.10"); /* what the partner saw */

	e = json_array_get(list, 1);
	expect_str(e, "expected", "reachable");
	expect_str(e, "outcome", "dropped");
	json_t *fix = field(e, "fix");
	expect_str(fix, "action", "add");
	expect_str(fix, "component", "db-sg");
	expect_str(fix, "path", "vpcs[main].security_groups[db-sg].ingress");
	expect_str(fix, "yaml", "{ protocol: tcp, ports: 3306, source: fn-sg }");
	expect_str(field(field(e, "predicted"), "fix"), "yaml", "{ protocol: tcp, ports: 3306, source: fn-sg }");
	expect_str(field(json_array_get(list, 2), "fix"), "action", "remove");
	expect_prefix(e, "reason", "dropped: db-sg (ingress, no rule matched) dropped 10.0.3.4:");
	expect_contains(e, "reason", "-main"); /* the namespace that dropped it */
	expect_str(field(e, "dropped_at"), "kind", "security group");
	expect_str(e, "last_seen", "main");

	e = json_array_get(list, 4);
	expect_str(e, "outcome", "no route");
	expect_prefix(e, "reason", "no route");
	expect_contains(e, "reason", "10.0.4.4");

	e = json_array_get(list, 6);
	expect_str(e, "outcome", "dropped");
	expect_prefix(e, "reason", "dropped");
	expect_contains(e, "reason", "192.0.2.7");
	json_decref(doc);
	assert_nothing_left(n);
}

/* blocked_by: dropped as expected, but by another group: fails, saying
 * which (text, JSON, JUnit); the one that names the deciding group passes. */
static void test_blocked_by(void **state)
{
	(void)state;
	const char *n = instance("by");
	const char *junit = tmp_path("blocked-by.xml");
	const char *file = "tests/data/analyze/blocked-by-wrong.yaml";
	int r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--junit", junit, NULL);
	netns_expect_output(out, r, 1, "1 passed, 2 failed");
	netns_expect_output(out, r, 1, "expected unreachable: blocked_by: db-sg, but fn-sg blocks it instead (SG_EGRESS_NO_RULE)");
	netns_expect_output(out, r, 1, "fix: remove from db-sg ingress: { protocol: tcp, ports: 3306, source: proxy-sg }");
	char *xml = netns_read_text(junit);
	if (!strstr(xml, "message=\"blocked_by: db-sg, but fn-sg blocks it instead (SG_EGRESS_NO_RULE)")) {
		fprintf(stderr, "%s: no blocked_by failure:\n%s\n", junit, xml);
		fail();
	}
	free(xml);
	r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--json", NULL);
	assert_int_equal(r, 1);
	json_t *doc = json_doc(out);
	json_t *list = expectations(doc, n, 1, 2);
	json_t *e = json_array_get(list, 0);
	expect_str(e, "outcome", "dropped");
	expect_prefix(e, "reason", "blocked_by: db-sg, but fn-sg blocks it instead (SG_EGRESS_NO_RULE): ");
	assert_true(json_is_false(field(e, "model_disagrees")));
	e = json_array_get(list, 1);
	assert_true(json_is_true(field(e, "passed")));
	expect_null(e, "fix");
	json_decref(doc);
	assert_nothing_left(n);
}

/* seen_source names an address the responder did not see: the reason names the one it did. */
static void test_seen_source_wrong(void **state)
{
	(void)state;
	const char *n = instance("seen");
	const char *file = netns_variant(SERVERLESS, "seen.yaml", 1, "seen_source: nat-a", "seen_source: 203.0.113.99", NULL);
	int r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--only", "outbound*", NULL);
	netns_expect_output(out, r, 1, "0 passed, 1 failed");
	netns_expect_output(out, r, 1, "seen_source: ");
	netns_expect_output(out, r, 1, "saw 203.0.113.10");
	netns_expect_output(out, r, 1, "203.0.113.99");
	assert_nothing_left(n);

	/* a host's name: the function's own address is not what the internet sees */
	file = netns_variant(SERVERLESS, "seen-host.yaml", 1, "seen_source: nat-a", "seen_source: fn", NULL);
	r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--only", "outbound*", "--json", NULL);
	assert_int_equal(r, 1);
	json_t *doc = json_doc(out);
	json_t *e = json_array_get(expectations(doc, n, 0, 1), 0);
	expect_schema(e, 3);
	expect_str(e, "observed", "reachable");
	expect_str(e, "seen_source", "203.0.113.10");
	expect_prefix(e, "reason", "seen_source: ");
	expect_contains(e, "reason", "saw 203.0.113.10");
	expect_contains(e, "reason", "10.0.3.4");
	json_decref(doc);
	assert_nothing_left(n);
}

/* via: a component the flow did not cross, or crossed in another order, fails. */
static void test_via(void **state)
{
	(void)state;
	const char *n = instance("via");
	const char *file =
		netns_variant(SERVERLESS, "via.yaml", 1, "to: proxy, port: 3306/tcp, verdict: reachable }",
			"to: proxy, port: 3306/tcp, verdict: reachable, via: [igw] }", NULL);
	int r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--only", "function*", "--json", NULL);
	assert_int_equal(r, 1);
	json_t *doc = json_doc(out);
	json_t *e = json_array_get(expectations(doc, n, 0, 1), 0);
	expect_schema(e, 0);
	expect_str(e, "observed", "reachable"); /* the flow works; it just did not go that way */
	expect_prefix(e, "reason", "via:");
	expect_contains(e, "reason", "igw");
	json_decref(doc);
	assert_nothing_left(n);

	r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--only", "function*", NULL);
	netns_expect_output(out, r, 1, "expected reachable: via: ");
	assert_nothing_left(n);

	/* the right components, the wrong order */
	file = netns_variant(SERVERLESS, "via-order.yaml", 1, "via: [nat-a, igw]", "via: [igw, nat-a]", NULL);
	r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--only", "outbound*", NULL);
	netns_expect_output(out, r, 1, "0 passed, 1 failed");
	netns_expect_output(out, r, 1, "via: ");
	assert_nothing_left(n);

	/* components it did cross, in order: holds */
	file = netns_variant(SERVERLESS, "via-ok.yaml", 1, "to: proxy, port: 3306/tcp, verdict: reachable }",
		       "to: proxy, port: 3306/tcp, verdict: reachable, via: [fn, main, proxy] }", NULL);
	r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--only", "function*", NULL);
	netns_expect_output(out, r, 0, "1 passed, 0 failed");
	assert_nothing_left(n);
}

/* Nothing listening: refused, fast, and never counted as unreachable. */
static void test_refused(void **state)
{
	(void)state;
	const char *n = instance("ref");
	int r = run(out, sizeof(out), NULL, "test", REFUSED, "--name", n, NULL);
	netns_expect_output(out, r, 1, "2 passed, 4 failed");
	netns_expect_output(out, r, 1, "refused");
	netns_expect_output(out, r, 1, "delivered");
	assert_null(strstr(out, "dropped"));
	assert_nothing_left(n);

	r = run(out, sizeof(out), NULL, "test", REFUSED, "--name", n, "--json", NULL);
	assert_int_equal(r, 1);
	json_t *doc = json_doc(out);
	json_t *list = expectations(doc, n, 2, 4);
	size_t i;
	json_t *e;
	json_array_foreach (list, i, e) {
		expect_schema(e, i);
		expect_str(e, "address", "10.20.1.5");
		/* an answer (data, a RST or an ICMP error), not a timeout: no timing
		 * bound, a loaded machine may take long to schedule the probe */
		const char *o = str(e, "outcome");
		if (strcmp(o, "reachable") && strcmp(o, "refused"))
			fail_msg("expectation %zu: outcome %s, wanted an answer: %s", i, o, json_dumps(e, JSON_COMPACT));

	}
	/* the listeners answer and see the client */
	e = json_array_get(list, 0);
	assert_true(json_is_true(field(e, "passed")));
	expect_str(e, "seen_source", "10.20.1.4");
	expect_contains(e, "response", "server 80/tcp from 10.20.1.4:");
	e = json_array_get(list, 3);
	assert_true(json_is_true(field(e, "passed")));
	expect_str(e, "protocol", "udp");
	assert_int_equal(num(e, "port"), 53);
	expect_str(e, "seen_source", "10.20.1.4");
	expect_contains(e, "response", "server 53/udp from 10.20.1.4:");

	/* 81/tcp and 54/udp: the packet arrived, nothing listens */
	static const size_t refused[] = {1, 2, 4, 5};
	for (size_t k = 0; k < 4; k++) {
		e = json_array_get(list, refused[k]);
		assert_true(json_is_false(field(e, "passed")));
		expect_str(e, "outcome", "refused");
		expect_str(e, "observed", "unreachable");
		expect_prefix(e, "reason", "refused");
		expect_null(e, "seen_source");
		expect_str(e, "last_seen", "server"); /* the evidence: it got there */
	}
	/* expected unreachable: refused is not that, and the message says the network delivered it */
	e = json_array_get(list, 1);
	expect_str(e, "expected", "unreachable");
	expect_contains(e, "reason", "delivered");
	expect_contains(e, "reason", "RST");
	e = json_array_get(list, 4);
	expect_str(e, "expected", "unreachable");
	expect_contains(e, "reason", "delivered");
	expect_contains(e, "reason", "ICMP");
	/* expected reachable: fails as refused, saying nothing listens */
	e = json_array_get(list, 2);
	expect_str(e, "expected", "reachable");
	expect_contains(e, "reason", "81/tcp");
	e = json_array_get(list, 5);
	expect_str(e, "expected", "reachable");
	expect_contains(e, "reason", "54/udp");
	json_decref(doc);
	assert_nothing_left(n);
}

/* check on a running instance, all of it or only some. */
static void test_check_running(void **state)
{
	(void)state;
	const char *n = instance("chk");
	up(SERVERLESS, n);
	int r = run(out, sizeof(out), NULL, "check", n, NULL);
	netns_expect_output(out, r, 0, "7 passed, 0 failed");
	assert_int_equal(count(out, "✓"), 7);

	r = run(out, sizeof(out), NULL, "check", n, "--only", "outbound*", NULL);
	netns_expect_output(out, r, 0, "1 passed, 0 failed");
	netns_expect_output(out, r, 0, "outbound through NAT");
	assert_int_equal(count(out, "✓"), 1);
	assert_null(strstr(out, "fn → db"));

	/* the label of an unnamed expectation matches too; options from the environment */
	r = run(out, sizeof(out), "NETSIM_JSON=1", "check", n, "--only", "attacker → *", NULL);
	assert_int_equal(r, 0);
	json_t *doc = json_doc(out);
	json_t *list = expectations(doc, n, 2, 0);
	expect_str(json_array_get(list, 0), "name", "attacker → db:3306/tcp");
	assert_int_equal(num(json_array_get(list, 0), "index"), 5);
	expect_str(json_array_get(list, 1), "name", "attacker → bastion:22/tcp");
	json_decref(doc);

	/* check leaves the instance up */
	assert_true(state_exists(n));
	expect_reachable(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, NULL);
	assert_int_equal(run(out, sizeof(out), NULL, "down", n, NULL), 0);
	assert_nothing_left(n);

	/* not up: a clear error */
	r = run(out, sizeof(out), NULL, "check", n, NULL);
	netns_expect_output(out, r, 1, "is not up");
}

/* The IPv4 sources of the packets in a pcap file (as libpcap reads it). */
static size_t pcap_sources(const char *path, uint32_t *srcs, size_t max)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "%s: %s\n", path, err);
		fail();
	}
	size_t hdr;
	switch (pcap_datalink(p)) {
	case DLT_LINUX_SLL:
		hdr = 16;
		break;
	case DLT_LINUX_SLL2:
		hdr = 20;
		break;
	default:
		fprintf(stderr, "%s: link type %s\n", path, pcap_datalink_val_to_name(pcap_datalink(p)));
		pcap_close(p);
		fail();
		return 0;
	}
	size_t n = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	while (pcap_next_ex(p, &h, &data) == 1) {
		if (h->caplen < hdr + 20 || (data[hdr] >> 4) != 4)
			continue;
		const u_char *ip = data + hdr + 12;
		if (n < max)
			srcs[n++] = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
	}
	pcap_close(p);
	return n;
}

static bool has(const uint32_t *srcs, size_t n, const char *addr)
{
	uint32_t a = A(addr);
	for (size_t i = 0; i < n; i++)
		if (srcs[i] == a)
			return true;
	return false;
}

/* --pcap writes files libpcap reads, with the translated addresses; --junit writes XML. */
static void test_pcap_and_junit(void **state)
{
	(void)state;
	const char *n = instance("pcap");
	const char *dir = tmp_path("pcap");
	const char *junit = tmp_path("pass.xml");
	int r = run(out, sizeof(out), NULL, "test", SERVERLESS, "--name", n, "--pcap", dir, "--junit", junit, NULL);
	netns_expect_output(out, r, 0, "7 passed, 0 failed");
	assert_nothing_left(n);
	check_junit(junit, "7", "0");

	uint32_t srcs[256];
	char file[256];
	snprintf(file, sizeof(file), "%s/04-outbound-through-nat-nat-a.pcap", dir);
	size_t k = pcap_sources(file, srcs, 256);
	assert_true(k >= 2);
	assert_true(has(srcs, k, "10.0.3.4")); /* as the function sent it */
	assert_true(has(srcs, k, "10.0.1.4")); /* as the NAT gateway sends it on */
	assert_true(has(srcs, k, "198.51.100.20")); /* the answer */
	snprintf(file, sizeof(file), "%s/04-outbound-through-nat-igw.pcap", dir);
	k = pcap_sources(file, srcs, 256);
	assert_true(has(srcs, k, "10.0.1.4"));
	assert_true(has(srcs, k, "203.0.113.10")); /* the elastic IP */
	assert_false(has(srcs, k, "10.0.3.4"));
	snprintf(file, sizeof(file), "%s/04-outbound-through-nat-partner-api.pcap", dir);
	k = pcap_sources(file, srcs, 256);
	assert_true(has(srcs, k, "203.0.113.10"));
	assert_false(has(srcs, k, "10.0.1.4"));
	assert_false(has(srcs, k, "10.0.3.4"));
	/* the dropped probe's evidence stops at the VPC router */
	snprintf(file, sizeof(file), "%s/02-only-the-proxy-reaches-the-db-main.pcap", dir);
	k = pcap_sources(file, srcs, 256);
	assert_true(k >= 1);
	assert_true(has(srcs, k, "10.0.3.4"));
	snprintf(file, sizeof(file), "%s/02-only-the-proxy-reaches-the-db-db.pcap", dir);
	assert_int_equal(access(file, F_OK), -1);

	/* every file there opens, and names an expectation by number */
	char path[512];
	size_t files = 0;
	for (size_t i = 1; i <= 7; i++) {
		static const char *const slugs[] = {"function-reaches-the-proxy", "only-the-proxy-reaches-the-db",
						    "proxy-db-3306-tcp",	  "outbound-through-nat",
						    "attacker-db-3306-tcp",	  "attacker-bastion-22-tcp",
						    "fn-192-0-2-7-icmp"};
		static const char *const comps[] = {"fn", "main", "nat-a", "igw", "internet", "partner-api",
						    "proxy", "db",	"attacker", "bastion"};
		bool any = false;
		for (size_t c = 0; c < sizeof(comps) / sizeof(comps[0]); c++) {
			snprintf(path, sizeof(path), "%s/%02zu-%s-%s.pcap", dir, i, slugs[i - 1], comps[c]);
			if (access(path, F_OK) < 0)
				continue;
			pcap_sources(path, srcs, 256);
			any = true;
			files++;
		}
		if (!any) {
			fprintf(stderr, "no pcap file for expectation %zu (%s)\n", i, slugs[i - 1]);
			fail();
		}
	}
	assert_true(files >= 14);
}

/* Ctrl-C while probes wait: exit 130, and the topology is gone. */
static void test_sigint(void **state)
{
	(void)state;
	const char *n = instance("int");
	const char *log = tmp_path("sigint.log");
	double t0 = now_ms();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		signal(SIGINT, SIG_DFL);
		execl(netsim, netsim, "test", SERVERLESS, "--name", n, "--timeout", "5000", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(netns_track_child(pid), 0); /* a signal to this test stops it too */
	char state_file[128];
	snprintf(state_file, sizeof(state_file), "/run/netsim/%s/state.json", n);
	bool seen = false;
	while (now_ms() - t0 < 10000) {
		if (access(state_file, F_OK) == 0) {
			seen = true;
			break;
		}
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			netns_untrack_child(pid);
			char *text = netns_read_text(log);
			fprintf(stderr, "netsim test ended before it was up:\n%s\n", text);
			free(text);
			fail();
		}
		nanosleep(&(struct timespec){.tv_nsec = 2 * 1000 * 1000}, NULL);
	}
	if (!seen)
		kill(pid, SIGKILL);
	assert_true(seen);
	assert_int_equal(kill(pid, SIGINT), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	netns_untrack_child(pid);
	double ms = now_ms() - t0;
	char *text = netns_read_text(log);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 130 || !strstr(text, "taken down")) {
		fprintf(stderr, "status %#x, output:\n%s\n", status, text);
		fail();
	}
	free(text);
	assert_true(ms < 5000); /* interrupted, not finished */
	assert_nothing_left(n);
}


/* ---- regressions: capacity, drift, an instance changed while checked ---- */

/* 24 NAT gateways and a probe to the internet: every NAT gateway is a
 * candidate (the list was sized by a formula without them: heap overflow). */
static void test_many_nat(void **state)
{
	(void)state;
	const char *n = instance("nat24");
	int r = run(out, sizeof(out), NULL, "test", MANY_NAT, "--name", n, NULL);
	netns_expect_output(out, r, 0, "1 passed, 0 failed");
	netns_expect_output(out, r, 0, "seen 203.0.113.101");
	assert_nothing_left(n);
}

static json_int_t port_of(json_t *e, const char *key)
{
	json_t *v = field(e, key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* The two probes of an intermittent flow past a NAT gateway whose subnet's
 * ACL returns only 32768-60999 of the NAT's 1024-65535: the passing one on a
 * NAT port in that range, which the server saw, the failing one on a NAT
 * port outside it. Gives both NAT ports. */
static void expect_nat_pair(json_t *pass, json_t *fail, json_int_t *ret_np, json_int_t *ret_nf)
{
	expect_str(pass, "port_probe", "passing");
	expect_str(fail, "port_probe", "failing");
	expect_str(pass, "observed", "reachable");
	expect_str(fail, "observed", "unreachable");
	json_int_t np = port_of(pass, "nat_port"), nf = port_of(fail, "nat_port");
	assert_true(np >= 32768 && np <= 60999);
	assert_true(nf >= 1024 && nf <= 65535 && (nf < 32768 || nf > 60999));
	assert_int_equal(port_of(pass, "seen_port"), np);
	*ret_np = np;
	*ret_nf = nf;
}

/* Honest ports (issue 11): an intermittent flow proved both ways, on the
 * NAT gateway's port (pinned for each probe) and on the client's own port;
 * a NAT gateway's source port is not the client's. */
static void test_intermittent(void **state)
{
	(void)state;
	const char *n = instance("ports");
	int r = run(out, sizeof(out), NULL, "test", INTERMITTENT, "--name", n, "--json", NULL);
	json_t *doc = json_doc(out);
	assert_int_equal(r, 0);
	json_t *list = expectations(doc, n, 5, 0);
	/* the two probes of an expectation carry its index */
	static const size_t index[] = {0, 0, 1, 2, 2};
	for (size_t i = 0; i < 5; i++)
		expect_schema(json_array_get(list, i), index[i]);
	/* nat-intermittent: the NAT's subnet returns 32768-60999 of its 1024-65535 */
	json_t *pass = json_array_get(list, 0), *fail = json_array_get(list, 1);
	expect_str(pass, "expected", "reachable");
	expect_str(fail, "expected", "unreachable");
	json_int_t np, nf;
	expect_nat_pair(pass, fail, &np, &nf);
	/* the server saw the NAT's port, not the client's */
	assert_true(port_of(pass, "source_port") != np);
	expect_str(field(pass, "predicted"), "verdict", "reachable");
	expect_str(field(fail, "predicted"), "reason", "ACL_RETURN_DENY");
	/* nat-whole-range: a NAT port at random, the client's from Linux's range */
	json_t *whole = json_array_get(list, 2);
	expect_null(whole, "port_probe");
	json_int_t sp = port_of(whole, "source_port");
	assert_true(sp >= 32768 && sp <= 60999);
	assert_true(port_of(whole, "seen_port") != sp);
	expect_str(whole, "seen_source", "203.0.113.11");
	/* client-intermittent: data's ACL returns 40000-65535 of app's 32768-60999 */
	json_t *cp = json_array_get(list, 3), *cf = json_array_get(list, 4);
	json_int_t p1 = port_of(cp, "source_port"), p2 = port_of(cf, "source_port");
	assert_true(p1 >= 40000 && p1 <= 60999);
	assert_true(p2 >= 32768 && p2 < 40000);
	expect_str(cp, "observed", "reachable");
	expect_str(cf, "observed", "unreachable");
	assert_int_equal(port_of(cp, "seen_port"), p1); /* no NAT: the client's own port arrives */
	json_decref(doc);
	assert_nothing_left(n);

	/* text: both probes of each, with their ports */
	r = run(out, sizeof(out), NULL, "test", INTERMITTENT, "--name", n, NULL);
	netns_expect_output(out, r, 0, "5 passed, 0 failed");
	netns_expect_output(out, r, 0, "app → api:443/tcp (port ");
	netns_expect_output(out, r, 0, ", NAT port ");
	assert_int_equal(count(out, "nat-intermittent"), 2);
	assert_nothing_left(n);

	/* the model decides which ports: an expectation of intermittent on a flow it calls reachable fails */
	const char *wrong = netns_variant(INTERMITTENT, "wrong.yaml", 1, "verdict: reachable }", "verdict: intermittent }", NULL);
	r = run(out, sizeof(out), NULL, "test", wrong, "--name", n, NULL);
	netns_expect_output(out, r, 1, "the model says reachable (REACHABLE) for every source port");
	assert_nothing_left(n);
}

/* Honest ports past two NAT gateways, to an address and to a DNS name: both
 * NAT gateways are pinned to the probe's NAT port (the server sees it,
 * though nat-edge, the one whose subnet's ACL cuts, is the second), the
 * failing probe is dropped at that ACL without waiting for the timeout, and
 * a name is proved as its address is. */
static void test_intermittent_nats(void **state)
{
	(void)state;
	const char *n = instance("ports2");
	int r = run(out, sizeof(out), NULL, "test", "tests/data/check/intermittent-nats.yaml", "--name", n, "--json",
		    "--timeout", "20000", NULL);
	json_t *doc = json_doc(out);
	if (r != 0)
		fail_msg("exit %d\n%s", r, out);
	json_t *list = expectations(doc, n, 4, 0);
	for (size_t k = 0; k < 4; k += 2) {
		json_t *pass = json_array_get(list, k), *fail = json_array_get(list, k + 1);
		expect_schema(pass, k / 2);
		expect_schema(fail, k / 2);
		json_int_t np, nf;
		expect_nat_pair(pass, fail, &np, &nf);
		expect_str(pass, "seen_source", "203.0.113.10");
		json_t *d = field(fail, "dropped_at");
		assert_true(json_is_object(d));
		expect_str(d, "component", "edge-acl");
		assert_true(json_is_true(field(d, "reply")));
		assert_int_equal(port_of(d, "dport"), nf);
		if (json_real_value(field(fail, "time_ms")) >= 10000)
			fail_msg("the failing probe waited %.0f ms", json_real_value(field(fail, "time_ms")));
	}
	expect_str(json_array_get(list, 2), "to", "api.partner.example");
	json_decref(doc);
	assert_nothing_left(n);
}

/* Every kind of via component, subnets and a peering among them: the
 * candidates restricted to router ports are found. */
static void test_via_kinds(void **state)
{
	(void)state;
	const char *n = instance("vias");
	int r = run(out, sizeof(out), NULL, "test", VIA_KINDS, "--name", n, NULL);
	netns_expect_output(out, r, 0, "4 passed, 0 failed");
	assert_nothing_left(n);
}

/* Runs a command (not netsim) to completion; asserts it exits 0. */
static void sh(const char *const argv[])
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s %s ... failed (status %#x)\n", argv[0], argv[1], status);
		fail();
	}
}

/* The line of the text report for flow `flow` ("fn → db:3306/tcp"). */
static const char *row(const char *flow, char *buf, size_t size)
{
	const char *p = strstr(out, flow);
	if (!p) {
		fprintf(stderr, "no row for '%s' in:\n%s\n", flow, out);
		fail();
	}
	const char *start = p;
	while (start > out && start[-1] != '\n')
		start--;
	size_t len = strcspn(start, "\n");
	snprintf(buf, size, "%.*s", (int)len, start);
	return buf;
}

/* A route deleted by hand is drift, named exactly; the rows it changes are
 * drift too, not netsim bugs; exit 1. */
static void test_drift_route(void **state)
{
	(void)state;
	const char *n = instance("drift");
	up(SERVERLESS, n);
	char ns[64];
	snprintf(ns, sizeof(ns), "netsim-%s-main", n);
	/* the private route table is kernel table 101 (plan.c: TABLE_BASE + index) */
	sh((const char *const[]){"ip", "-n", ns, "route", "del", "0.0.0.0/0", "table", "101", NULL});
	int r = run(out, sizeof(out), NULL, "check", n, NULL);
	char want[160];
	snprintf(want, sizeof(want),
		 "drift: the instance was changed outside netsim: route 0.0.0.0/0 missing from table private in %s", ns);
	netns_expect_output(out, r, 1, want);
	netns_expect_output(out, r, 1, "netsim: error: the instance was changed outside netsim");
	if (strstr(out, "netsim bug")) {
		fprintf(stderr, "drift reported as a netsim bug:\n%s\n", out);
		fail();
	}

	r = run(out, sizeof(out), NULL, "check", n, "--json", NULL);
	assert_int_equal(r, 1);
	char *json_end = strrchr(out, '}'); /* stderr's error line follows the document */
	assert_non_null(json_end);
	json_end[1] = '\0';
	json_t *doc = json_doc(out);
	json_t *drift = field(doc, "drift");
	assert_true(json_is_array(drift));
	assert_int_equal(json_array_size(drift), 1);
	snprintf(want, sizeof(want), "route 0.0.0.0/0 missing from table private in %s", ns);
	assert_string_equal(json_string_value(json_array_get(drift, 0)), want);
	json_t *list = field(doc, "expectations");
	for (size_t i = 0; i < json_array_size(list); i++)
		assert_false(json_is_true(json_object_get(json_array_get(list, i), "model_disagrees")) &&
			     strstr(str(json_array_get(list, i), "reason"), "netsim bug"));
	json_decref(doc);

	/* a route added and a rule deleted: named too */
	sh((const char *const[]){"ip", "-n", ns, "route", "add", "blackhole", "10.99.0.0/16", "table", "100", NULL});
	sh((const char *const[]){"ip", "-n", ns, "rule", "del", "priority", "1001", NULL});
	r = run(out, sizeof(out), NULL, "check", n, NULL);
	snprintf(want, sizeof(want), "blackhole route 10.99.0.0/16 in table public of %s was not made by netsim", ns);
	netns_expect_output(out, r, 1, want);
	snprintf(want, sizeof(want), "rule 1001 (from 10.0.3.0/24 lookup table private) missing from %s", ns);
	netns_expect_output(out, r, 1, want);
	netns_expect_output(out, r, 1, "(3 differences from what 'up' built, listed above)");
	down(n);
	assert_nothing_left(n);
}

/* An nft ruleset changed by hand differs from the digest `up` recorded. */
static void test_drift_nft(void **state)
{
	(void)state;
	const char *n = instance("dnft");
	up(SERVERLESS, n);
	/* what `up` stores as kernel.digest, made here with the library call */
	struct nsim_topology *t = NULL;
	struct nsim_diags diags;
	nsim_diags_init(&diags);
	assert_int_equal(nsim_load_file(SERVERLESS, &diags, &t), 0);
	assert_int_equal(nsim_validate(t, &diags), 0);
	struct nsim_plan *p = NULL;
	assert_int_equal(nsim_plan_build(t, n, &p), 0);
	char *digest = NULL;
	assert_int_equal(nsim_apply_digest_snapshot(p, &digest), 0);
	assert_non_null(strstr(digest, "nft netsim-"));
	/* `up` recorded the same snapshot */
	char path[256], kept[16384];
	snprintf(path, sizeof(path), "/run/netsim/%s/kernel.digest", n);
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	size_t len = fread(kept, 1, sizeof(kept) - 1, f);
	kept[len] = '\0';
	assert_int_equal(fclose(f), 0);
	assert_string_equal(kept, digest);
	free(digest);
	nsim_plan_free(p);
	nsim_diags_clear(&diags);
	nsim_topology_free(t);

	/* unchanged: no drift, every expectation holds (counters differ: ignored) */
	int r = run(out, sizeof(out), NULL, "check", n, NULL);
	netns_expect_output(out, r, 0, "7 passed, 0 failed");
	assert_null(strstr(out, "drift"));

	char ns[64];
	snprintf(ns, sizeof(ns), "netsim-%s-main", n);
	sh((const char *const[]){"ip", "netns", "exec", ns, "nft", "add", "table", "ip", "handmade", NULL});
	r = run(out, sizeof(out), NULL, "check", n, NULL);
	char want[160];
	snprintf(want, sizeof(want), "the nft ruleset of %s differs from the one 'up' loaded", ns);
	netns_expect_output(out, r, 1, want);
	down(n);
	assert_nothing_left(n);
}

/* `up` kept the topology: a file changed since is checked as it was, said once. */
static void test_topology_changed(void **state)
{
	(void)state;
	const char *n = instance("chg");
	const char *copy = netns_variant(REFUSED, "changed.yaml", 1, "name: refused", "name: refused", NULL);
	up(copy, n);
	int r = run(out, sizeof(out), NULL, "check", n, NULL);
	assert_int_equal(r, 1); /* refused.yaml has failing expectations by design */
	assert_null(strstr(out, "has changed"));
	netns_variant(REFUSED, "changed.yaml", 1, "server, subnet: lan, listen: [80/tcp, 53/udp]",
		"server, subnet: lan, listen: [80/tcp, 53/udp, 81/tcp]", NULL);
	r = run(out, sizeof(out), NULL, "check", n, NULL);
	assert_int_equal(r, 1);
	assert_int_equal(count(out, "has changed since"), 1);
	netns_expect_output(out, r, 1, "checking the topology as it was at up");
	/* as at up: nothing listens on 81/tcp */
	netns_expect_output(out, r, 1, "2 passed, 4 failed");
	down(n);
	assert_nothing_left(n);
}

/* A namespace deleted while check runs (after a seeded random delay, or
 * before it starts): an error of the run, exit 1, never a netsim bug, and
 * the model's real prediction in every row. */
struct hold {
	const char *ns;
	pcap_t *p;
};

static void *hold_thread(void *arg)
{
	struct hold *h = arg;
	char path[128], err[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof(path), "/run/netns/%s", h->ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		return NULL;
	close(fd);
	h->p = pcap_create("nflog:" NSIM_PLAN_NFLOG_GROUP_STR, err);
	if (h->p && pcap_activate(h->p) < 0) {
		pcap_close(h->p);
		h->p = NULL;
	}
	return NULL;
}

/* Binds netsim's NFLOG group in namespace ns (one reader per group and
 * namespace), from a thread of its own (setns). */
static pcap_t *hold_nflog(const char *ns)
{
	struct hold h = {.ns = ns};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, hold_thread, &h), 0);
	pthread_join(th, NULL);
	assert_non_null(h.p);
	return h.p;
}

static void test_namespace_gone(void **state)
{
	(void)state;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	const char *env = getenv("NETSIM_TEST_SEED");
	if (env && *env)
		seed = (unsigned)strtoul(env, NULL, 10);
	fprintf(stderr, "test_namespace_gone: seed %u (NETSIM_TEST_SEED=%u replays it)\n", seed, seed);
	srand(seed);
	static const char *const suffixes[] = {"gone0", "gone1", "gone2"};
	for (size_t it = 0; it < ELEMENTS(suffixes); it++) {
		const char *n = instance(suffixes[it]);
		up(SERVERLESS, n);
		char ns[64];
		snprintf(ns, sizeof(ns), "netsim-%s-fn", n);
		/* the first round deletes it before check starts; the others while
		 * its probes wait (the unreachable ones for their whole timeout) */
		long delay_ms = it == 0 ? -1 : rand() % 1200;
		fprintf(stderr, "  round %zu: delete %s after %ld ms\n", it, ns, delay_ms);
		if (delay_ms < 0)
			assert_int_equal(nsim_apply_netns_del(ns), 0);

		/* the network reports its drops at once: with the router's NFLOG
		 * group held here, check cannot read it and its unreachable probes
		 * wait for their timeout, as before */
		char router[64];
		snprintf(router, sizeof(router), "netsim-%s-main", n);
		pcap_t *held = delay_ms >= 0 ? hold_nflog(router) : NULL;
		int pipefd[2];
		assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			dup2(pipefd[1], 1);
			dup2(pipefd[1], 2);
			execl(netsim, netsim, "check", n, "--timeout", "1500", (char *)NULL);
			_exit(127);
		}
		assert_int_equal(netns_track_child(pid), 0); /* killed by the harness on a signal */
		close(pipefd[1]);
		if (delay_ms >= 0) {
			nanosleep(&(struct timespec){.tv_sec = delay_ms / 1000, .tv_nsec = (delay_ms % 1000) * 1000000L}, NULL);
			assert_int_equal(nsim_apply_netns_del(ns), 0);
		}
		size_t len = 0;
		for (ssize_t k; (k = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0;)
			len += (size_t)k;
		out[len] = '\0';
		close(pipefd[0]);
		/* untracked while still a zombie: its PID cannot be reused under the handler */
		siginfo_t si;
		while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
			;
		netns_untrack_child(pid);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		if (held)
			pcap_close(held);
		if (held && !strstr(out, "note: drops in netsim-"))
			fail_msg("no note that drops are not reported:\n%s", out);
		char want[160];
		snprintf(want, sizeof(want), "the instance changed while it was being checked: namespace %s is gone", ns);
		netns_expect_output(out, WEXITSTATUS(status), 1, want);
		if (strstr(out, "netsim bug")) {
			fprintf(stderr, "round %zu: a namespace deleted during check reported as a netsim bug:\n%s\n", it, out);
			fail();
		}
		/* the model says the function cannot reach the DB (only the proxy can) */
		char line[512];
		if (strstr(row("fn → db:3306/tcp", line, sizeof(line)), "model: reachable")) {
			fprintf(stderr, "round %zu: the row shows the model as reachable:\n%s\n", it, out);
			fail();
		}
		if (!strstr(line, "model: SG_INGRESS_NO_RULE")) {
			fprintf(stderr, "round %zu: row '%s'\n", it, line);
			fail();
		}
		down(n);
		assert_nothing_left(n);
	}
}

/* ---- CI: names of their own, reports on every outcome ---- */

/* Instances named by `netsim test` itself (not t<pid>-...): taken down at exit. */
static char drawn[4][32];
static size_t n_drawn;

static void down_drawn(void)
{
	for (size_t i = 0; i < n_drawn; i++)
		if (state_exists(drawn[i]) || count_namespaces(drawn[i]))
			run(NULL, 0, NULL, "down", drawn[i], NULL);
}

/* The instance name in text, between `before` and the next quote; kept for
 * down_drawn. Fails when there is none. */
static const char *drawn_name(const char *text, const char *before)
{
	const char *p = strstr(text, before);
	if (!p) {
		fprintf(stderr, "no \"%s\" in:\n%s\n", before, text);
		fail();
	}
	p += strlen(before);
	size_t len = strcspn(p, "'");
	assert_true(len > 0 && len < sizeof(drawn[0]) && n_drawn < ELEMENTS(drawn));
	memcpy(drawn[n_drawn], p, len);
	drawn[n_drawn][len] = '\0';
	return drawn[n_drawn++];
}

/* name is base, '-', then 4 characters of [a-z0-9], and a valid instance name. */
static void expect_drawn(const char *name, const char *base)
{
	size_t len = strlen(base);
	if (strncmp(name, base, len) != 0 || name[len] != '-' || strlen(name + len + 1) != 4 ||
	    strspn(name + len + 1, "abcdefghijklmnopqrstuvwxyz0123456789") != 4 || !nsim_plan_name_valid(name)) {
		fprintf(stderr, "instance '%s' is not '%s-' and 4 random characters\n", name, base);
		fail();
	}
}

/* Two CI jobs test the same file at once, without --name: each draws a name
 * of its own, both pass, and neither leaves anything behind. */
static void test_parallel_same_file(void **state)
{
	(void)state;
	pid_t pids[2];
	const char *logs[2] = {tmp_path("parallel-0.log"), tmp_path("parallel-1.log")};
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			int fd = open(logs[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0)
				_exit(126);
			dup2(fd, 1);
			dup2(fd, 2);
			execl(netsim, netsim, "test", SERVERLESS, (char *)NULL);
			_exit(127);
		}
		/* not tracked (the harness would SIGKILL it): Ctrl-C and meson's
		 * timeout reach it through the process group, and `netsim test`
		 * takes its own instance down on those signals */
	}
	int status[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(waitpid(pids[i], &status[i], 0), pids[i]);
	const char *names[2];
	for (int i = 0; i < 2; i++) {
		char *text = netns_read_text(logs[i]);
		if (!WIFEXITED(status[i]) || WEXITSTATUS(status[i]) != 0 || !strstr(text, "7 passed, 0 failed")) {
			fprintf(stderr, "job %d: status %#x, output:\n%s\n", i, status[i], text);
			fail();
		}
		names[i] = drawn_name(text, "netsim test: '");
		free(text);
		expect_drawn(names[i], "serverless-backend");
	}
	assert_string_not_equal(names[0], names[1]);
	assert_nothing_left(names[0]);
	assert_nothing_left(names[1]);
}

/* --keep says which instance stays up and how to remove it; a 24-character
 * topology name is shortened to fit the suffix. */
static void test_keep_names_instance(void **state)
{
	(void)state;
	const char *file = netns_variant("topologies/minimal.yaml", "long-name.yaml", 1, "name: minimal ",
				   "name: abcdefghijklmnopqrstuvwx ", NULL);
	int r = run(out, sizeof(out), NULL, "test", file, "--keep", NULL);
	const char *name = r == 0 ? drawn_name(out, "\n'") : NULL;
	netns_expect_output(out, r, 0, "3 passed, 0 failed");
	expect_drawn(name, "abcdefghijklmnopqrs");
	char want[128];
	snprintf(want, sizeof(want), "'%s' is still up (--keep): remove it with 'netsim down %s'\n", name, name);
	netns_expect_output(out, r, 0, want);
	assert_true(state_exists(name));
	assert_int_equal(count_namespaces(name), 3);
	r = run(out, sizeof(out), NULL, "down", name, NULL);
	netns_expect_output(out, r, 0, "is down");
	assert_nothing_left(name);
}

/* A failed `up` (the 3rd kernel operation made to fail): exit 1, the JUnit
 * file holds the error, and nothing is left. */
static void test_failed_up_reports(void **state)
{
	(void)state;
	const char *n = instance("fup");
	const char *junit = tmp_path("failed-up.xml");
	int r = run(out, sizeof(out), "NETSIM_FAIL_AT=3", "test", SERVERLESS, "--name", n, "--junit", junit, NULL);
	netns_expect_output(out, r, 1, "injected by NETSIM_FAIL_AT=3");
	r = python("import sys, xml.dom.minidom as m\n"
		   "s = m.parse(sys.argv[1]).getElementsByTagName('testsuite')[0]\n"
		   "assert s.getAttribute('name') == 'netsim ' + sys.argv[2], s.getAttribute('name')\n"
		   "assert (s.getAttribute('tests'), s.getAttribute('errors')) == ('1', '1')\n"
		   "e = s.getElementsByTagName('error')\n"
		   "assert len(e) == 1 and e[0].getAttribute('type') == 'up'\n"
		   "assert 'injected by NETSIM_FAIL_AT=3' in e[0].getAttribute('message'), e[0].getAttribute('message')\n",
		   junit, n, NULL);
	if (r != 0) {
		char *xml = netns_read_text(junit);
		fprintf(stderr, "%s: not the JUnit error expected:\n%s\n", junit, xml);
		free(xml);
		fail();
	}
	assert_nothing_left(n);
}

/* The example without targets: and without the expectations after STACK_MARKER. */
static void write_serverless_base(void)
{
	char *text = netns_read_text(SERVERLESS_EXAMPLE);
	size_t n;
	char *cut = strstr(text, STACK_MARKER);
	if (!cut) {
		fprintf(stderr, "%s: no line '%s'\n", SERVERLESS_EXAMPLE, STACK_MARKER);
		exit(1);
	}
	*cut = '\0';
	char *base = netns_replace_all(text, "targets: [db],", "", &n);
	if (n != 1) {
		fprintf(stderr, "%s: 'targets: [db],' occurs %zu times, expected 1\n", SERVERLESS_EXAMPLE, n);
		exit(1);
	}
	snprintf(serverless_path, sizeof(serverless_path), "%s", tmp_path("serverless-backend.yaml"));
	FILE *f = fopen(serverless_path, "we");
	if (!f || fputs(base, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "%s: %m\n", serverless_path);
		exit(1);
	}
	free(text);
	free(base);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	/* the harness removes it at exit and on a signal */
	snprintf(tmpdir, sizeof(tmpdir), "%s", netns_tmpdir());
	write_serverless_base();
	/* instances `netsim test` named itself: taken down at exit, pass or fail */
	atexit(down_drawn);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serverless_passes), cmocka_unit_test(test_json_hop_namespaces),
		cmocka_unit_test(test_flipped_fail),	  cmocka_unit_test(test_seen_source_wrong),
		cmocka_unit_test(test_blocked_by),
		cmocka_unit_test(test_via),		  cmocka_unit_test(test_refused),
		cmocka_unit_test(test_check_running),	  cmocka_unit_test(test_pcap_and_junit),
		cmocka_unit_test(test_sigint),		  cmocka_unit_test(test_many_nat),
		cmocka_unit_test(test_drift_route),	  cmocka_unit_test(test_drift_nft),
		cmocka_unit_test(test_topology_changed),  cmocka_unit_test(test_namespace_gone),
		cmocka_unit_test(test_via_kinds),	  cmocka_unit_test(test_parallel_same_file),
		cmocka_unit_test(test_keep_names_instance), cmocka_unit_test(test_failed_up_reports),
		cmocka_unit_test(test_intermittent),
		cmocka_unit_test(test_intermittent_nats),
	};
	return cmocka_run_group_tests_name("netsim test/check", tests, NULL, NULL);
}
