/* SPDX-License-Identifier: MIT */
/*
 * VPC endpoints and prefix lists with real packets, through `netsim test` as
 * a user runs it (its text and JSON): an interface endpoint reached by the
 * service's AWS name through the VPC resolver (private DNS on and off, its
 * security group), a gateway endpoint (the source the service sees, a peered
 * VPC that cannot use it), customer prefix lists in routes (AWS's route
 * priority) and in a security group, and two unpeered VPCs with the same
 * CIDR whose endpoints share an address. Topologies: tests/data/endpoints/.
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

#define INTERFACE "tests/data/endpoints/interface.yaml"
#define GATEWAY "tests/data/endpoints/gateway.yaml"
#define PREFIX_LIST "tests/data/endpoints/prefix-list.yaml"
#define OVERLAP "tests/data/endpoints/overlap.yaml"

static char out[256 * 1024];

/* `netsim test FILE --json` as instance n: the document's expectations,
 * `passed` of them passed and none failed. */
static json_t *test_json(const char *file, const char *n, json_int_t passed, json_t **ret_doc)
{
	int r = run(out, sizeof(out), NULL, "test", file, "--name", n, "--json", NULL);
	json_t *doc = json_doc(out);
	if (r != 0 || num(doc, "failed") != 0) {
		fprintf(stderr, "netsim test %s: exit %d:\n%s\n", file, r, out);
		fail();
	}
	assert_int_equal(num(doc, "passed"), passed);
	*ret_doc = doc;
	return field(doc, "expectations");
}

static json_t *find_hop(json_t *e, const char *component)
{
	size_t k;
	json_t *h;
	json_array_foreach (field(e, "hops"), k, h)
		if (strcmp(str(h, "component"), component) == 0)
			return h;
	return NULL;
}

static json_t *hop(json_t *e, const char *component)
{
	json_t *h = find_hop(e, component);
	if (!h) {
		fprintf(stderr, "expectation %s: no hop at %s in %s\n", str(e, "name"), component,
			json_dumps(field(e, "hops"), 0));
		fail();
	}
	return h;
}

static bool in_cidr(const char *addr, const char *net, unsigned len)
{
	uint32_t a = A(addr), n = A(net), mask = len ? ~0u << (32 - len) : 0;
	return (a & mask) == (n & mask);
}

/* Through the interface endpoint by the service's AWS name, resolved by the
 * VPC's resolver to the endpoint's network interface: the service sees that
 * interface as the source, and the packets never reach the internet. */
static void test_interface(void **state)
{
	(void)state;
	const char *n = instance("ifc");
	json_t *doc, *list = test_json(INTERFACE, n, 3, &doc);

	json_t *e = json_array_get(list, 0);
	const char *eni = str(e, "address");
	assert_true(in_cidr(eni, "10.50.2.0", 24)); /* private DNS: the interface in subnet ep */
	expect_str(e, "outcome", "reachable");
	expect_str(e, "seen_source", eni);             /* SNAT to the interface */
	expect_contains(e, "response", "secretsmanager 443/tcp from ");
	json_t *ep = hop(e, "sm-ep");
	expect_str(ep, "kind", "interface endpoint");
	assert_string_equal(str(field(ep, "received"), "dst"), eni);
	assert_string_equal(str(field(ep, "sent"), "dst"), "192.0.2.80");
	assert_string_equal(str(field(ep, "sent"), "src"), eni);
	json_t *svc = hop(e, "secretsmanager");
	assert_string_equal(str(field(svc, "received"), "src"), eni);
	assert_null(find_hop(e, "internet"));
	expect_str(e, "last_seen", "secretsmanager");

	/* the endpoint's group admits fn-sg only: dropped at the VPC router */
	e = json_array_get(list, 1);
	expect_str(e, "address", eni);
	expect_str(e, "outcome", "dropped");
	expect_str(e, "last_seen", "main");
	assert_null(find_hop(e, "sm-ep"));

	/* no internet gateway, no NAT: the public address is unreachable */
	e = json_array_get(list, 2);
	expect_str(e, "address", "192.0.2.80");
	expect_str(e, "observed", "unreachable");
	json_decref(doc);
	assert_nothing_left(n);
}

/* Private DNS off: the name gives the public address, and without a NAT
 * the flow fails; the endpoint-specific name still leads to the interface. */
static void test_private_dns_off(void **state)
{
	(void)state;
	const char *path = netns_variant(INTERFACE, "private-dns-off.yaml", 1, "private_dns: true", "private_dns: false",
				   "port: 443/tcp, verdict: reachable, via: [main, sm-ep, secretsmanager]",
				   "port: 443/tcp, verdict: unreachable", NULL);
	const char *n = instance("dnsoff");
	json_t *doc, *list = test_json(path, n, 3, &doc);
	json_t *e = json_array_get(list, 0);
	expect_str(e, "address", "192.0.2.80");
	expect_str(e, "observed", "unreachable");
	/* the model says why: the name gave the public address */
	expect_str(field(e, "predicted"), "reason", "NAME_RESOLVES_PUBLIC");
	assert_null(find_hop(e, "sm-ep"));
	assert_null(find_hop(e, "secretsmanager"));
	json_decref(doc);

	/* and with it expected reachable, the report says why it is not */
	path = netns_variant(INTERFACE, "private-dns-off-fails.yaml", 1, "private_dns: true", "private_dns: false", NULL);
	int r = run(out, sizeof(out), NULL, "test", path, "--name", n, NULL);
	netns_expect_output(out, r, 1, "2 passed, 1 failed");
	netns_expect_output(out, r, 1, "name secretsmanager.ap-northeast-2.amazonaws.com → 192.0.2.80");
	netns_expect_output(out, r, 1, "no route to 192.0.2.80");
	assert_nothing_left(n);
}

/* An interface endpoint is TCP only: with a group open to everything,
 * ICMP and UDP stop at the interface; TCP to a port the service does not
 * listen on reaches the service host, which refuses it. */
static void test_interface_tcp_only(void **state)
{
	(void)state;
	const char *path = netns_variant(INTERFACE, "tcp-only.yaml", 1, "{ protocol: tcp, ports: 443, source: fn-sg }",
				   "{ protocol: all, source: fn-sg }", "expect:\n",
				   "expect:\n"
				   "  - { name: ping, from: fn, to: 10.50.2.4, protocol: icmp, verdict: unreachable }\n"
				   "  - { name: udp, from: fn, to: 10.50.2.4, port: 443/udp, verdict: unreachable }\n"
				   "  - { name: tcp 443, from: fn, to: 10.50.2.4, port: 443/tcp, verdict: reachable }\n"
				   "  - { name: the endpoint name, from: fn,\n"
				   "      to: vpce-sm-ep.secretsmanager.ap-northeast-2.vpce.amazonaws.com, port: 443/tcp,\n"
				   "      verdict: reachable }\n",
				   NULL);
	const char *n = instance("tcp");
	json_t *doc, *list = test_json(path, n, 7, &doc);
	for (size_t i = 0; i < 2; i++) {
		json_t *e = json_array_get(list, i);
		expect_str(e, "address", "10.50.2.4");
		expect_str(e, "outcome", "dropped");
		expect_str(e, "last_seen", "sm-ep");
		json_t *ep = hop(e, "sm-ep");
		assert_null(json_object_get(ep, "sent")); /* received, not forwarded */
		assert_null(find_hop(e, "secretsmanager"));
	}
	json_t *e = json_array_get(list, 2);
	expect_str(e, "seen_source", "10.50.2.4");
	e = json_array_get(list, 3);
	expect_str(e, "address", "10.50.2.4"); /* the endpoint-specific name: always its interfaces */
	expect_str(e, "outcome", "reachable");
	json_decref(doc);

	path = netns_variant(path, "tcp-80.yaml", 1, "expect:\n",
		       "expect:\n  - { from: fn, to: 10.50.2.4, port: 80/tcp, verdict: reachable }\n", NULL);
	int r = run(out, sizeof(out), NULL, "test", path, "--name", n, NULL);
	netns_expect_output(out, r, 1, "7 passed, 1 failed");
	netns_expect_output(out, r, 1, "refused: 10.50.2.4:80/tcp");
	assert_nothing_left(n);
}

/* Through the gateway endpoint by S3's name: S3 sees the client's private
 * address; a port the group does not allow to pl:s3 is dropped; a peered
 * VPC routing S3's address to the peering does not get through. */
static void test_gateway(void **state)
{
	(void)state;
	const char *n = instance("gw");
	json_t *doc, *list = test_json(GATEWAY, n, 4, &doc);

	json_t *e = json_array_get(list, 0);
	expect_str(e, "address", "192.0.2.90");
	expect_str(e, "outcome", "reachable");
	const char *fn = str(field(hop(e, "fn"), "sent"), "src");
	assert_true(in_cidr(fn, "10.60.1.0", 24));
	expect_str(e, "seen_source", fn); /* no NAT on the way */
	json_t *gw = hop(e, "s3-ep");
	expect_str(gw, "kind", "gateway endpoint");
	assert_string_equal(str(field(gw, "received"), "src"), fn);
	assert_string_equal(str(field(gw, "sent"), "src"), fn);
	assert_string_equal(str(field(hop(e, "s3"), "received"), "src"), fn);
	assert_null(find_hop(e, "internet"));

	e = json_array_get(list, 1); /* 80/tcp: fn-sg's egress allows 443 to pl:s3 only */
	expect_str(e, "outcome", "dropped");
	expect_str(e, "last_seen", "main");

	e = json_array_get(list, 2); /* the partner: no route, no NAT */
	expect_str(e, "observed", "unreachable");

	/* from the peered VPC: its router's peering filter drops it (only to
	 * main's CIDR), before main and its endpoint */
	e = json_array_get(list, 3);
	expect_str(e, "outcome", "dropped");
	expect_str(e, "last_seen", "peer");
	assert_null(find_hop(e, "main"));
	assert_null(find_hop(e, "s3-ep"));
	assert_null(find_hop(e, "s3"));
	json_decref(doc);
	assert_nothing_left(n);
}

/* The same topology with the S3 expectation flipped fails: the
 * expectations can fail (the endpoint really carries the flow). */
static void test_gateway_flipped(void **state)
{
	(void)state;
	const char *path = netns_variant(GATEWAY, "gateway-flipped.yaml", 1,
				   "port: 443/tcp, verdict: reachable, seen_source: fn, via: [main, s3-ep, s3]",
				   "port: 443/tcp, verdict: unreachable", NULL);
	const char *n = instance("gwflip");
	int r = run(out, sizeof(out), NULL, "test", path, "--name", n, NULL);
	netns_expect_output(out, r, 1, "3 passed, 1 failed");
	netns_expect_output(out, r, 1, "reachable: ");
	assert_nothing_left(n);
}

/* Prefix lists: as route destinations (each CIDR competes by its own
 * length; a static route to the same CIDR wins) and as an SG source. */
static void test_prefix_list(void **state)
{
	(void)state;
	const char *n = instance("pl");
	json_t *doc, *list = test_json(PREFIX_LIST, n, 6, &doc);
	json_t *e = json_array_get(list, 0);
	expect_str(e, "seen_source", "203.0.113.70");
	hop(e, "igw");
	e = json_array_get(list, 2); /* the list's blackhole: dropped at the router */
	expect_str(e, "last_seen", "main");
	e = json_array_get(list, 4);
	expect_str(e, "seen_source", "198.51.100.5");
	e = json_array_get(list, 5);
	expect_str(e, "outcome", "dropped");
	json_decref(doc);
	assert_nothing_left(n);
}

/* Two VPCs with one CIDR: their endpoints' interfaces (and their functions)
 * share addresses, each service host answers each through its own link. */
static void test_overlap(void **state)
{
	(void)state;
	const char *n = instance("ovl");
	json_t *doc, *list = test_json(OVERLAP, n, 4, &doc);
	json_t *l = json_array_get(list, 0), *r = json_array_get(list, 1);
	expect_str(l, "address", str(r, "address")); /* the same address in both VPCs */
	expect_str(l, "seen_source", str(l, "address"));
	expect_str(r, "seen_source", str(r, "address"));
	assert_true(json_is_true(field(hop(l, "sm-left"), "reply_seen")));
	assert_true(json_is_true(field(hop(r, "sm-right"), "reply_seen")));
	/* S3 sees 10.80.1.4 from both, and answers each through its endpoint */
	l = json_array_get(list, 2), r = json_array_get(list, 3);
	expect_str(l, "seen_source", str(r, "seen_source"));
	assert_true(json_is_true(field(hop(l, "s3-left"), "reply_seen")));
	assert_true(json_is_true(field(hop(r, "s3-right"), "reply_seen")));
	assert_null(find_hop(l, "s3-right"));
	assert_null(find_hop(r, "s3-left"));
	json_decref(doc);
	assert_nothing_left(n);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interface),	cmocka_unit_test(test_interface_tcp_only),
		cmocka_unit_test(test_private_dns_off),
		cmocka_unit_test(test_gateway),		cmocka_unit_test(test_gateway_flipped),
		cmocka_unit_test(test_prefix_list),	cmocka_unit_test(test_overlap),
	};
	return cmocka_run_group_tests_name("VPC endpoints and prefix lists", tests, NULL, NULL);
}
