/* SPDX-License-Identifier: MIT */
/*
 * netsim import's own parts, without a template: names (kebab case, the 32-character limit), the YAML
 * writer (quoting that reads back as the same text, comments) and the overlay merge. The mapping of each
 * resource type is tested end to end by test-import.py against golden files.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "import/emit.h"
#include "import/import.h"
#include "import/overlay.h"
#include "load/yaml_tree.h"
#include "model/arena.h"

static void test_kebab(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"ItemsFunction", "items-function"},
		{"PrivateRouteTable", "private-route-table"},
		{"DBSubnetGroup", "db-subnet-group"},
		{"PublicSubnet1", "public-subnet1"},
		{"NatGateway1EIP", "nat-gateway1-eip"},
		{"VPC", "vpc"},
		{"myVPC", "my-vpc"},
		{"sub1Private", "sub1-private"},
		{"HTTPListener", "http-listener"},
		{"pl-0123abcd", "pl-0123abcd"},
		{"a_b.c", "a-b-c"},
		{"--", "x"},
	};
	struct nsim_arena *a = nsim_arena_new();
	assert_non_null(a);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *k = nsim_import_kebab(a, cases[i][0], 32);
		assert_non_null(k);
		assert_string_equal(k, cases[i][1]);
	}
	/* longer than the limit: cut, with a hash of the whole ID, still unique for another ID */
	char *k1 = nsim_import_kebab(a, "ThePrivateSubnetForTheBackgroundWorkersInZoneA", 32);
	char *k2 = nsim_import_kebab(a, "ThePrivateSubnetForTheBackgroundWorkersInZoneB", 32);
	assert_true(strlen(k1) <= 32 && strlen(k1) >= 30);
	assert_int_equal(strncmp(k1, "the-private-subnet-for-the-b", 26), 0);
	assert_int_equal(k1[strlen(k1) - 5], '-');
	assert_int_equal(strspn(k1 + strlen(k1) - 4, "0123456789abcdef"), 4);
	assert_string_not_equal(k1, k2);
	nsim_arena_free(a);
}

/* Each value, written by the emitter and read back by the loader's YAML parser, is the same text. */
static void test_emit_roundtrip(void **state)
{
	(void)state;
	static const char *const values[] = {
		"plain",      "10.0.0.0/16", "3306/tcp",	  "1024-65535", "-1",	   "", "null", "~",
		"a: b",	      "x #y",	     "#x",		  "-x",		"'q'",	   "\"dq\"", "back\\slash",
		"tab\there",  "line\nfeed",  "ctl\001char", "true",	"{flow}", "[x]", "a,b", "with space",
		"ünïcode", "@at", "*star", "&amp", "!tag", "%pct", "?q", "|bar", ">gt",
	};
	struct nsim_arena *a = nsim_arena_new();
	struct nsim_emit_node *root = nsim_emit_map(a);
	struct nsim_emit_node *seq = nsim_emit_seq(a);
	assert_non_null(root);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		assert_int_equal(nsim_emit_push(a, seq, nsim_emit_scalar(a, values[i])), 0);
	assert_int_equal(nsim_emit_set(a, root, "values", seq), 0);
	struct nsim_emit_node *flow = nsim_emit_flow_map(a);
	assert_int_equal(nsim_emit_set_str(a, flow, "k", "a: b"), 0);
	flow->trailing = "a comment\nwith a newline";
	assert_int_equal(nsim_emit_comment(a, flow, "%s (%s)", "Logical", "AWS::EC2::VPC"), 0);
	assert_int_equal(nsim_emit_set(a, root, "flow", flow), 0);

	char *text = NULL;
	size_t len = 0;
	assert_int_equal(nsim_emit_text(root, "header", &text, &len), 0);
	assert_non_null(strstr(text, "# header\n"));
	assert_non_null(strstr(text, "# Logical (AWS::EC2::VPC)\nflow: { k: \"a: b\" }  # a comment?with a newline\n"));

	struct nsim_diags d;
	nsim_diags_init(&d);
	struct ynode *y = NULL;
	assert_int_equal(nsim_yaml_tree_parse(a, "t", text, len, &d, &y), 0);
	assert_int_equal(y->type, Y_MAP);
	const struct ynode *vals = y->items[1];
	assert_int_equal(vals->type, Y_SEQ);
	assert_int_equal(vals->n, sizeof(values) / sizeof(values[0]));
	for (size_t i = 0; i < vals->n; i++) {
		assert_int_equal(vals->items[i]->len, strlen(values[i]));
		assert_memory_equal(vals->items[i]->value, values[i], vals->items[i]->len);
		/* null and friends must not be plain: YAML would read them as no value */
		if (!strcmp(values[i], "null") || !strcmp(values[i], "~") || !values[i][0])
			assert_false(vals->items[i]->plain);
	}
	nsim_diags_clear(&d);
	free(text);
	nsim_arena_free(a);
}

static struct nsim_emit_node *host(struct nsim_arena *a, const char *name, const char *subnet)
{
	struct nsim_emit_node *h = nsim_emit_map(a);
	assert_int_equal(nsim_emit_set_str(a, h, "name", name), 0);
	assert_int_equal(nsim_emit_set_str(a, h, "subnet", subnet), 0);
	struct nsim_emit_node *listen = nsim_emit_seq(a);
	assert_int_equal(nsim_emit_push(a, listen, nsim_emit_scalar(a, "22/tcp")), 0);
	assert_int_equal(nsim_emit_set(a, h, "listen", listen), 0);
	return h;
}

static void test_overlay_merge(void **state)
{
	(void)state;
	struct nsim_arena *a = nsim_arena_new();
	struct nsim_emit_node *root = nsim_emit_map(a);
	assert_int_equal(nsim_emit_set_str(a, root, "name", "imported"), 0);
	struct nsim_emit_node *vpcs = nsim_emit_child_seq(a, root, "vpcs");
	struct nsim_emit_node *vpc = nsim_emit_map(a);
	assert_int_equal(nsim_emit_set_str(a, vpc, "name", "vpc"), 0);
	struct nsim_emit_node *hosts = nsim_emit_child_seq(a, vpc, "hosts");
	assert_int_equal(nsim_emit_push(a, hosts, host(a, "web", "public")), 0);
	assert_int_equal(nsim_emit_push(a, vpcs, vpc), 0);

	static const char overlay[] =
		"name: mine\n"
		"vpcs:\n"
		"  - name: vpc\n"
		"    hosts:\n"
		"      - { name: web, listen: [80/tcp, 443/tcp] }\n"
		"      - { name: extra, subnet: public }\n"
		"expect:\n"
		"  - { from: extra, to: web, port: 80/tcp, verdict: reachable }\n";
	struct nsim_diags d;
	nsim_diags_init(&d);
	assert_int_equal(nsim_import_overlay(a, root, "o.yaml", overlay, sizeof(overlay) - 1, &d), 0);
	assert_int_equal(d.n_errors, 0);
	assert_string_equal(nsim_emit_get_str(root, "name"), "mine");
	assert_int_equal(hosts->n, 2);
	/* web merged: its subnet kept, its listen list replaced */
	assert_string_equal(nsim_emit_get_str(hosts->items[0], "subnet"), "public");
	struct nsim_emit_node *listen = nsim_emit_get(hosts->items[0], "listen");
	assert_int_equal(listen->n, 2);
	assert_string_equal(listen->items[0]->value, "80/tcp");
	assert_string_equal(nsim_emit_get_str(hosts->items[1], "name"), "extra");
	struct nsim_emit_node *expect = nsim_emit_get(root, "expect");
	assert_non_null(expect);
	assert_int_equal(expect->n, 1);
	assert_non_null(expect->items[0]->comment);
	assert_non_null(strstr(expect->items[0]->comment, "from the overlay o.yaml:8"));

	/* a mapping where the import has a list: an error at the overlay's position */
	static const char bad[] = "vpcs: { name: vpc }\n";
	assert_int_equal(nsim_import_overlay(a, root, "bad.yaml", bad, sizeof(bad) - 1, &d), -EINVAL);
	assert_int_equal(d.n_errors, 1);
	assert_int_equal(d.items[0].line, 1);
	assert_non_null(strstr(d.items[0].message, "a mapping where the imported topology has a list"));
	/* not a mapping at all */
	static const char list[] = "- a\n";
	assert_int_equal(nsim_import_overlay(a, root, "list.yaml", list, sizeof(list) - 1, &d), -EINVAL);
	assert_int_equal(d.n_errors, 2);
	/* an empty overlay changes nothing */
	assert_int_equal(nsim_import_overlay(a, root, "empty.yaml", "", 0, &d), 0);
	nsim_diags_clear(&d);
	nsim_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kebab),
		cmocka_unit_test(test_emit_roundtrip),
		cmocka_unit_test(test_overlay_merge),
	};
	return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
