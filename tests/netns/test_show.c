/* SPDX-License-Identifier: MIT */
/*
 * `netsim show NAME` on a running instance: the structure of the file it was
 * built from, the same as `show FILE` prints, then its hosts as they are up
 * (status from their namespaces). argv[1]: the netsim binary. Root; exit 77
 * (skip) when network namespaces can't be made.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

#define TOPO "topologies/serverless-backend.yaml"

static void test_show_running(void **state)
{
	(void)state;
	static char file_text[65536], name_text[65536], file_json[131072], name_json[131072];
	const char *n = instance("show");

	assert_int_equal(run(file_text, sizeof(file_text), NULL, "show", TOPO, NULL), 0);
	assert_int_equal(run(file_json, sizeof(file_json), NULL, "show", TOPO, "--json", NULL), 0);
	/* not up: an error, not the file's structure */
	assert_int_equal(run(name_text, sizeof(name_text), NULL, "show", n, NULL), 1);
	netns_expect_output(name_text, 1, 1, "is not up");

	up(TOPO, n);
	assert_int_equal(run(name_text, sizeof(name_text), NULL, "show", n, NULL), 0);
	/* the structure first, exactly as `show FILE` prints it */
	if (strncmp(name_text, file_text, strlen(file_text)) != 0)
		fail_msg("show %s does not start with `show " TOPO "`:\n%s\n---\n%s", n, name_text, file_text);
	const char *rest = name_text + strlen(file_text);
	char want[128];
	snprintf(want, sizeof(want), "\ninstance %s, up from ", n);
	assert_true(strncmp(rest, want, strlen(want)) == 0);
	/* every host and gateway up, in its namespace, with its public IP */
	const char *hosts[] = {"fn", "proxy", "db", "bastion", "partner-api", "nat-a"};
	for (size_t i = 0; i < ELEMENTSOF(hosts); i++) {
		char ns[128];
		snprintf(ns, sizeof(ns), " up       netsim-%s-%s\n", n, hosts[i]);
		if (!strstr(rest, ns))
			fail_msg("no line for %s up:\n%s", hosts[i], rest);
	}
	/* every namespace the state records, not only the hosts': the router, the
	 * internet gateway, the internet (as state.json records them) */
	static char st_json[131072];
	assert_int_equal(run(st_json, sizeof(st_json), NULL, "show", n, "--json", NULL), 0);
	json_t *st = json_loads(st_json, 0, NULL);
	assert_non_null(st);
	size_t n_ns = json_array_size(json_object_get(st, "namespaces"));
	assert_true(n_ns > ELEMENTSOF(hosts));
	snprintf(want, sizeof(want), "  %zu namespaces, 0 missing; besides the hosts':\n", n_ns);
	if (!strstr(rest, want))
		fail_msg("no '%s' in:\n%s", want, rest);
	size_t ni;
	json_t *nv;
	json_array_foreach(json_object_get(st, "namespaces"), ni, nv)
	{
		char ns[160];
		snprintf(ns, sizeof(ns), " up       %s\n", json_string_value(nv));
		if (!strstr(rest, ns))
			fail_msg("show lists no namespace %s:\n%s", json_string_value(nv), rest);
	}
	json_decref(st);
	assert_non_null(strstr(rest, "203.0.113.10")); /* the NAT gateway's elastic IP */
	assert_non_null(strstr(rest, "203.0.113.20")); /* the bastion's public IP */

	/* --json: the file's document, with "instance" and the hosts that are up */
	assert_int_equal(run(name_json, sizeof(name_json), NULL, "show", n, "--json", NULL), 0);
	json_error_t e;
	json_t *from_file = json_loads(file_json, 0, &e), *from_name = json_loads(name_json, 0, &e);
	assert_non_null(from_file);
	assert_non_null(from_name);
	assert_string_equal(json_string_value(json_object_get(from_name, "instance")), n);
	json_t *up_hosts = json_object_get(from_name, "hosts");
	assert_true(json_array_size(up_hosts) >= ELEMENTSOF(hosts));
	size_t i;
	json_t *h;
	json_array_foreach(up_hosts, i, h)
		assert_string_equal(json_string_value(json_object_get(h, "status")), "up");
	/* and the state of what is up (docs/commands.md) */
	assert_true(json_is_string(json_object_get(from_name, "file")));
	assert_true(json_array_size(json_object_get(from_name, "namespaces")) > ELEMENTSOF(hosts));
	assert_int_equal(json_array_size(json_object_get(from_name, "missing_namespaces")), 0);
	const char *state_keys[] = {"instance", "file",      "hosts", "namespaces", "missing_namespaces",
				    "created",  "responder", "up"};
	for (size_t k = 0; k < ELEMENTSOF(state_keys); k++)
		json_object_del(from_name, state_keys[k]);
	assert_true(json_equal(from_file, from_name));
	json_decref(from_file);
	json_decref(from_name);

	down(n);
	assert_int_equal(run(name_text, sizeof(name_text), NULL, "show", n, NULL), 1);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_show_running),
	};
	r = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup_all();
	return r;
}
