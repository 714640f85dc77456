/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/arena.h"
#include "model/net.h"

static struct nsim_cidr C(const char *s)
{
	struct nsim_cidr c = {0};
	assert_int_equal(nsim_cidr_parse(s, &c), 0);
	return c;
}

static uint32_t A(const char *s)
{
	uint32_t a = 0;
	assert_int_equal(nsim_addr_parse(s, &a), 0);
	return a;
}

static void test_addr_parse(void **state)
{
	(void)state;
	assert_int_equal(A("10.0.3.4"), 0x0A000304u);
	assert_int_equal(A("0.0.0.0"), 0u);
	assert_int_equal(A("255.255.255.255"), 0xFFFFFFFFu);
	static const char *const bad[] = {
		"", "10", "10.0.0", "10.0.0.256", "10.0.0.1.", "10.0.0.01", "10.0.0.-1", " 10.0.0.1",
		"10.0.0.1 ", "10.0.0.1/24", "a.b.c.d", "1.2.3.4x", "99999999999.1.1.1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t a = 42;
		assert_int_equal(nsim_addr_parse(bad[i], &a), -22);
		assert_int_equal(a, 42); /* ret_ untouched on failure */
	}
}

static void test_cidr_parse_fmt(void **state)
{
	(void)state;
	char buf[NSIM_CIDR_STRLEN];
	struct nsim_cidr c = C("10.0.1.5/24");
	assert_int_equal(c.addr, 0x0A000105u);
	assert_int_equal(c.len, 24);
	assert_false(nsim_cidr_aligned(c));
	assert_string_equal(nsim_cidr_fmt((struct nsim_cidr){nsim_cidr_network(c), c.len}, buf), "10.0.1.0/24");
	assert_true(nsim_cidr_aligned(C("0.0.0.0/0")));
	assert_true(nsim_cidr_aligned(C("10.0.0.0/16")));
	assert_true(nsim_cidr_aligned(C("255.255.255.255/32")));
	struct nsim_cidr bad;
	assert_int_equal(nsim_cidr_parse("10.0.0.0/33", &bad), -22);
	assert_int_equal(nsim_cidr_parse("10.0.0.0/", &bad), -22);
	assert_int_equal(nsim_cidr_parse("10.0.0.0", &bad), -22);
	assert_int_equal(nsim_cidr_parse("10.0.0.0/08", &bad), -22);
	assert_int_equal(nsim_cidr_parse("10.0.0.0/16/", &bad), -22);
}

static void test_cidr_relations(void **state)
{
	(void)state;
	struct nsim_cidr vpc = C("10.0.0.0/16"), a = C("10.0.1.0/24"), b = C("10.0.1.128/25"),
			 d = C("10.1.4.0/24");
	assert_true(nsim_cidr_contains(vpc, a));
	assert_true(nsim_cidr_contains(vpc, vpc));
	assert_false(nsim_cidr_contains(a, vpc));
	assert_false(nsim_cidr_contains(vpc, d));
	assert_true(nsim_cidr_overlaps(a, b));
	assert_true(nsim_cidr_overlaps(b, a));
	assert_false(nsim_cidr_overlaps(a, d));
	assert_true(nsim_cidr_contains_addr(C("0.0.0.0/0"), 0xDEADBEEFu));
	assert_int_equal(nsim_cidr_size(C("10.0.0.0/28")), 16);
	assert_int_equal(nsim_cidr_size(C("0.0.0.0/0")), UINT64_C(1) << 32);
	assert_int_equal(nsim_cidr_broadcast(a), A("10.0.1.255"));
	assert_int_equal(nsim_cidr_mask(0), 0u);
	assert_int_equal(nsim_cidr_mask(32), 0xFFFFFFFFu);
}

static void test_reserved(void **state)
{
	(void)state;
	struct nsim_cidr s = C("10.0.3.0/24");
	assert_non_null(nsim_subnet_reserved(s, A("10.0.3.0")));
	assert_non_null(strstr(nsim_subnet_reserved(s, A("10.0.3.1")), "router"));
	assert_non_null(strstr(nsim_subnet_reserved(s, A("10.0.3.2")), "DNS"));
	assert_non_null(nsim_subnet_reserved(s, A("10.0.3.3")));
	assert_non_null(nsim_subnet_reserved(s, A("10.0.3.255")));
	assert_null(nsim_subnet_reserved(s, A("10.0.3.4")));
	assert_null(nsim_subnet_reserved(s, A("10.0.3.254")));
	assert_int_equal(nsim_subnet_router(s), A("10.0.3.1"));
	assert_int_equal(nsim_subnet_dns(s), A("10.0.3.2"));
	assert_int_equal(nsim_subnet_first_usable(s), A("10.0.3.4"));
}

static void test_ranges(void **state)
{
	(void)state;
	assert_true(nsim_addr_is_documentation(A("192.0.2.7")));
	assert_true(nsim_addr_is_documentation(A("198.51.100.20")));
	assert_true(nsim_addr_is_documentation(A("203.0.113.10")));
	assert_false(nsim_addr_is_documentation(A("8.8.8.8")));
	assert_false(nsim_addr_is_documentation(A("203.0.114.1")));
	assert_true(nsim_addr_is_private(A("10.1.2.3")));
	assert_true(nsim_addr_is_private(A("172.31.0.1")));
	assert_false(nsim_addr_is_private(A("172.32.0.1")));
	assert_true(nsim_addr_is_private(A("192.168.1.1")));
}

static void test_arena(void **state)
{
	(void)state;
	struct nsim_arena *a = nsim_arena_new();
	assert_non_null(a);
	char *s = nsim_arena_strdup(a, "hello");
	assert_string_equal(s, "hello");
	char *big = nsim_arena_alloc(a, 1, 1 << 20);
	assert_non_null(big);
	big[(1 << 20) - 1] = 1;
	for (int i = 0; i < 10000; i++)
		assert_non_null(nsim_arena_printf(a, "item-%d", i));
	assert_string_equal(s, "hello");
	assert_null(nsim_arena_alloc(a, SIZE_MAX / 2, 4)); /* overflow refused */
	nsim_arena_free(a);
	nsim_arena_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),     cmocka_unit_test(test_cidr_parse_fmt),
		cmocka_unit_test(test_cidr_relations), cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_ranges),	       cmocka_unit_test(test_arena),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
