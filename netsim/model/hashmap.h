/* SPDX-License-Identifier: MIT */
/*
 * A string-keyed hash map: separate chaining, power-of-two buckets, doubling
 * when the entries reach the bucket count. Keys are copied; values are opaque
 * pointers the caller owns (nsim_hashmap_clear() can free them). No syscalls:
 * usable from every stage.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model/util.h"

struct nsim_hashmap_entry {
	struct nsim_hashmap_entry *next;
	void *value;
	char key[];
};

/* Zero-initialised is an empty map: `struct nsim_hashmap m = {0};` */
struct nsim_hashmap {
	struct nsim_hashmap_entry **buckets;
	size_t n_buckets, n;
};

/* 64-bit FNV-1a of the NUL-terminated s, continuing from h (start with
 * NSIM_HASH_INIT). Stable across runs and builds: plan/ derives names from it. */
#define NSIM_HASH_INIT 0xcbf29ce484222325ULL
uint64_t nsim_hash_str(uint64_t h, const char *s);

/* The value stored under key, or NULL when there is none. */
void *nsim_hashmap_get(const struct nsim_hashmap *m, const char *key);

/* Stores value under key (copied), replacing the value of an existing key
 * (the old value is not freed). Returns 0 or -ENOMEM (the map is unchanged). */
_must_check_ int nsim_hashmap_put(struct nsim_hashmap *m, const char *key, void *value);

/* Removes key and returns its value (the caller's again), or NULL when absent. */
void *nsim_hashmap_remove(struct nsim_hashmap *m, const char *key);

/* Calls each_value on every value (may be NULL; in no particular order), then
 * releases the map, which is empty and reusable afterwards. */
void nsim_hashmap_clear(struct nsim_hashmap *m, void (*each_value)(void *));
