/* SPDX-License-Identifier: MIT */
/*
 * A bump allocator: the topology model is thousands of small strings and
 * arrays that live and die together, so they come from one arena and are
 * released with it.
 */
#pragma once

#include <stddef.h>

struct nsim_arena;

/* Returns a new arena owned by the caller, or NULL on ENOMEM. */
struct nsim_arena *nsim_arena_new(void);
void nsim_arena_free(struct nsim_arena *a);

/* Zeroed memory owned by the arena, or NULL on ENOMEM (or n*size overflow). */
void *nsim_arena_alloc(struct nsim_arena *a, size_t n, size_t size);
/* A copy of s (len bytes, NUL added) owned by the arena, or NULL on ENOMEM. */
char *nsim_arena_strndup(struct nsim_arena *a, const char *s, size_t len);
char *nsim_arena_strdup(struct nsim_arena *a, const char *s);
/* printf into arena memory; NULL on ENOMEM. */
char *nsim_arena_printf(struct nsim_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Bytes handed out so far (for limits and benchmarks). */
size_t nsim_arena_used(const struct nsim_arena *a);
