/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/strv.h"

static void test_append_sort_steal(void **state)
{
	(void)state;
	_cleanup_(nsim_strv_clear) struct nsim_strv v = {0};
	const char *in[] = {"netsim-b-x", "netsim-a-b-c", "netsim-a-z", "netsim-a"};
	/* more than the first allocation: growth is checked, never predicted */
	for (int round = 0; round < 5; round++)
		for (size_t i = 0; i < 4; i++)
			assert_int_equal(nsim_strv_append(&v, in[i]), 0);
	assert_int_equal(v.n, 20);
	assert_null(v.v[20]);
	assert_true(nsim_strv_contains(&v, "netsim-a-z"));
	assert_false(nsim_strv_contains(&v, "netsim-a-"));
	nsim_strv_sort(&v);
	assert_string_equal(v.v[0], "netsim-a");
	assert_string_equal(v.v[19], "netsim-b-x");
	assert_true(nsim_strv_contains_sorted(&v, "netsim-a-b-c"));
	assert_false(nsim_strv_contains_sorted(&v, "netsim-a-b"));

	_cleanup_(nsim_strv_freep) char **out = NULL;
	size_t n = 0;
	assert_int_equal(nsim_strv_steal(&v, &out, &n), 0);
	assert_int_equal(n, 20);
	assert_null(out[20]);
	assert_int_equal(v.n, 0);
	assert_null(v.v);
}

static void test_empty(void **state)
{
	(void)state;
	struct nsim_strv v = {0};
	assert_false(nsim_strv_contains(&v, "x"));
	assert_false(nsim_strv_contains_sorted(&v, "x"));
	nsim_strv_sort(&v);
	char **out = NULL;
	assert_int_equal(nsim_strv_steal(&v, &out, NULL), 0);
	/* an empty list is a list, not NULL */
	assert_non_null(out);
	assert_null(out[0]);
	nsim_strv_free(out);
	nsim_strv_free(NULL);
	nsim_strv_clear(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_sort_steal),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
