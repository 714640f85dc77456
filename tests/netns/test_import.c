/* SPDX-License-Identifier: MIT */
/*
 * netsim import as a user runs it: the SAM template of the reference serverless backend
 * (tests/data/import/serverless-backend.sam.yaml) with its overlay of expectations becomes a topology that
 * `netsim test` proves with real packets; with --expect intent, the expectations derived from the
 * template's security groups and routes hold on the data plane too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

#define SAM "tests/data/import/serverless-backend.sam.yaml"
#define OVERLAY "tests/data/import/serverless-backend.overlay.yaml"

static char out[1 << 17];

static size_t count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static const char *path(const char *name)
{
	static char buf[4][512];
	static unsigned k;
	char *p = buf[k++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", netns_tmpdir(), name);
	return p;
}

/* import + overlay, then `netsim test`: every expectation of the overlay passes. */
static void test_sam_overlay_passes(void **state)
{
	(void)state;
	const char *topo = path("sam.yaml");
	int r = run(out, sizeof(out), NULL, "import", SAM, "--overlay", OVERLAY, "-o", topo, NULL);
	netns_expect_output(out, r, 0, "note: AWS::IAM::Role ProxyRole: not part of the network");
	char *text = netns_read_text(topo);
	/* the names are the logical IDs, each object says where it came from */
	assert_non_null(strstr(text, "# ItemsProxy (AWS::RDS::DBProxy)\n      - name: items-proxy\n"));
	assert_non_null(strstr(text, "targets: [items-database]"));
	assert_non_null(strstr(text, "# chosen by netsim import"));
	free(text);

	const char *n = instance("sam");
	r = run(out, sizeof(out), NULL, "test", topo, "--name", n, NULL);
	netns_expect_output(out, r, 0, "6 passed, 0 failed");
	assert_int_equal(count(out, "✗"), 0);
	assert_nothing_left(n);
}

/* --expect intent: the template's own intentions (the function reaches the proxy, the proxy the
 * database, nothing in a private subnet is reachable from the internet) hold with real packets. */
static void test_sam_intent_passes(void **state)
{
	(void)state;
	const char *topo = path("sam-intent.yaml");
	int r = run(out, sizeof(out), NULL, "import", SAM, "--expect", "intent", "-o", topo, NULL);
	netns_expect_output(out, r, 0, NULL);
	char *text = netns_read_text(topo);
	assert_int_equal(count(text, "derived: true"), 5);
	assert_non_null(strstr(text, "DatabaseFromProxy: items-proxy reaches items-database"));
	free(text);

	const char *n = instance("intent");
	r = run(out, sizeof(out), NULL, "test", topo, "--name", n, NULL);
	netns_expect_output(out, r, 0, "5 passed, 0 failed");
	assert_nothing_left(n);
}

/* The VPC's default group named by its attribute, with a rule added: hosts that name no group are in
 * it, and what the template intends for them holds with packets. */
static void test_default_group_intent(void **state)
{
	(void)state;
	const char *topo = path("default-sg.yaml");
	int r = run(out, sizeof(out), NULL, "import", "tests/data/import/cases/default-sg.yaml", "--expect", "intent",
		    "-o", topo, NULL);
	netns_expect_output(out, r, 0, NULL);
	const char *n = instance("dflt");
	r = run(out, sizeof(out), NULL, "test", topo, "--name", n, NULL);
	netns_expect_output(out, r, 0, "6 passed, 0 failed");
	assert_nothing_left(n);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sam_overlay_passes),
		cmocka_unit_test(test_sam_intent_passes),
		cmocka_unit_test(test_default_group_intent),
	};
	return cmocka_run_group_tests_name("netsim import", tests, NULL, NULL);
}
