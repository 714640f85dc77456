/* SPDX-License-Identifier: MIT */
/* model/hashmap: put/get/replace/remove across growth, clear with a value
 * destructor, and a seeded random sequence held against a plain array. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "model/hashmap.h"

static void test_basic(void **state)
{
	(void)state;
	struct nsim_hashmap m = {0};
	assert_null(nsim_hashmap_get(&m, "a"));
	assert_null(nsim_hashmap_remove(&m, "a"));
	int a = 1, b = 2, c = 3;
	assert_int_equal(nsim_hashmap_put(&m, "a", &a), 0);
	assert_int_equal(nsim_hashmap_put(&m, "b", &b), 0);
	assert_ptr_equal(nsim_hashmap_get(&m, "a"), &a);
	assert_ptr_equal(nsim_hashmap_get(&m, "b"), &b);
	assert_null(nsim_hashmap_get(&m, "c"));
	assert_null(nsim_hashmap_get(&m, ""));
	/* the key is copied */
	char key[] = "key";
	assert_int_equal(nsim_hashmap_put(&m, key, &c), 0);
	key[0] = 'x';
	assert_ptr_equal(nsim_hashmap_get(&m, "key"), &c);
	assert_null(nsim_hashmap_get(&m, "xey"));
	/* replacing keeps one entry */
	assert_int_equal(nsim_hashmap_put(&m, "a", &c), 0);
	assert_ptr_equal(nsim_hashmap_get(&m, "a"), &c);
	assert_int_equal(m.n, 3);
	assert_ptr_equal(nsim_hashmap_remove(&m, "a"), &c);
	assert_null(nsim_hashmap_get(&m, "a"));
	assert_int_equal(m.n, 2);
	nsim_hashmap_clear(&m, NULL);
	assert_int_equal(m.n, 0);
	assert_null(nsim_hashmap_get(&m, "b"));
	/* usable again after clear */
	assert_int_equal(nsim_hashmap_put(&m, "b", &b), 0);
	assert_ptr_equal(nsim_hashmap_get(&m, "b"), &b);
	nsim_hashmap_clear(&m, NULL);
}

static size_t freed;
static void count_free(void *p)
{
	freed++;
	free(p);
}

/* 5000 keys through many doublings, every third removed, the rest freed by clear. */
static void test_growth(void **state)
{
	(void)state;
	struct nsim_hashmap m = {0};
	char key[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "netsim-x-h%d", i);
		int *v = malloc(sizeof(*v));
		assert_non_null(v);
		*v = i;
		assert_int_equal(nsim_hashmap_put(&m, key, v), 0);
	}
	assert_int_equal(m.n, 5000);
	assert_true(m.n_buckets >= 5000 && (m.n_buckets & (m.n_buckets - 1)) == 0);
	for (int i = 0; i < 5000; i += 3) {
		snprintf(key, sizeof(key), "netsim-x-h%d", i);
		int *v = nsim_hashmap_remove(&m, key);
		assert_non_null(v);
		assert_int_equal(*v, i);
		free(v);
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "netsim-x-h%d", i);
		int *v = nsim_hashmap_get(&m, key);
		if (i % 3 == 0)
			assert_null(v);
		else {
			assert_non_null(v);
			assert_int_equal(*v, i);
		}
	}
	freed = 0;
	size_t left = m.n;
	nsim_hashmap_clear(&m, count_free);
	assert_int_equal(freed, left);
	assert_int_equal(left, 5000 - 1667);
}

/* A seeded random walk of put/remove/get over 64 keys, against an array. */
static void test_random(void **state)
{
	(void)state;
	unsigned seed = getenv("NETSIM_HASHMAP_SEED") ? (unsigned)strtoul(getenv("NETSIM_HASHMAP_SEED"), NULL, 10)
						     : (unsigned)time(NULL);
	fprintf(stderr, "# seed %u (NETSIM_HASHMAP_SEED=%u replays it)\n", seed, seed);
	srand(seed);
	struct nsim_hashmap m = {0};
	void *want[64] = {0};
	static char values[64];
	char key[16];
	for (int step = 0; step < 20000; step++) {
		int k = rand() % 64, what = rand() % 3;
		snprintf(key, sizeof(key), "k%d", k);
		if (what == 0) {
			void *v = &values[rand() % 64];
			assert_int_equal(nsim_hashmap_put(&m, key, v), 0);
			want[k] = v;
		} else if (what == 1) {
			assert_ptr_equal(nsim_hashmap_remove(&m, key), want[k]);
			want[k] = NULL;
		} else
			assert_ptr_equal(nsim_hashmap_get(&m, key), want[k]);
		size_t n = 0;
		for (int i = 0; i < 64; i++)
			n += want[i] != NULL;
		assert_int_equal(m.n, n);
	}
	nsim_hashmap_clear(&m, NULL);
}

static void test_hash_stable(void **state)
{
	(void)state;
	/* FNV-1a 64 test vectors: plan/ derives MAC addresses from it, so it must never change */
	assert_true(nsim_hash_str(NSIM_HASH_INIT, "") == 0xcbf29ce484222325ULL);
	assert_true(nsim_hash_str(NSIM_HASH_INIT, "a") == 0xaf63dc4c8601ec8cULL);
	assert_true(nsim_hash_str(NSIM_HASH_INIT, "foobar") == 0x85944171f73967e8ULL);
	assert_true(nsim_hash_str(nsim_hash_str(NSIM_HASH_INIT, "foo"), "bar") == 0x85944171f73967e8ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_hash_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
