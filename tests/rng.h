/* SPDX-License-Identifier: MIT */
/*
 * Randomness for the generated topologies (tests/unit/test_matrix.c,
 * tests/netns/test_diff.c): splitmix64, the same sequence on every machine,
 * so a seed names one topology everywhere.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct rng {
	uint64_t s;
};

static inline uint64_t rnext(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* 0 .. n-1 (0 when n is 0) */
static inline unsigned rnd(struct rng *r, unsigned n)
{
	return n ? (unsigned)(rnext(r) % n) : 0;
}

/* true pct times in 100 */
static inline bool chance(struct rng *r, unsigned pct)
{
	return rnd(r, 100) < pct;
}
