/* SPDX-License-Identifier: MIT */
/*
 * The topology `netsim import` writes, as a tree of YAML nodes that carry
 * comments (the logical ID and type of each object, the values the importer
 * chose), and its writer. The tree lives in an arena; the writer is the only
 * place that decides quoting and layout.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model/arena.h"
#include "model/util.h"

enum nsim_emit_kind {
	NSIM_EMIT_SCALAR = 0,
	NSIM_EMIT_SEQ,
	NSIM_EMIT_MAP,
};

struct nsim_emit_node {
	enum nsim_emit_kind kind;
	const char *value;    /* SCALAR: the text, written plain when YAML allows, else double-quoted */
	const char *comment;  /* lines ('\n'-separated) written above the node: the logical ID and type */
	const char *trailing; /* one line written after the node on its line ("chosen by netsim import") */
	bool flow;            /* SEQ/MAP: written on one line, `{ k: v, ... }` */
	const char **keys;    /* MAP: keys[i] names items[i] */
	struct nsim_emit_node **items;
	size_t n, cap;
};

/* New nodes owned by the arena, or NULL on ENOMEM. nsim_emit_scalar copies `value`. */
struct nsim_emit_node *nsim_emit_scalar(struct nsim_arena *a, const char *value);
struct nsim_emit_node *nsim_emit_seq(struct nsim_arena *a);
struct nsim_emit_node *nsim_emit_map(struct nsim_arena *a);
struct nsim_emit_node *nsim_emit_flow_map(struct nsim_arena *a);

/* Sets `key` of map to `node` (replacing the value of an existing key, appending a new one; the key is
 * copied). Returns 0 or -ENOMEM. */
_must_check_ int nsim_emit_set(struct nsim_arena *a, struct nsim_emit_node *map, const char *key,
			       struct nsim_emit_node *node);
/* nsim_emit_set() with a new scalar; value NULL does nothing. Returns 0 or -ENOMEM. */
_must_check_ int nsim_emit_set_str(struct nsim_arena *a, struct nsim_emit_node *map, const char *key,
				   const char *value);
/* Appends node to seq. Returns 0 or -ENOMEM. */
_must_check_ int nsim_emit_push(struct nsim_arena *a, struct nsim_emit_node *seq, struct nsim_emit_node *node);
/* The value of `key` in map, or NULL (also when map is NULL or no map). */
struct nsim_emit_node *nsim_emit_get(const struct nsim_emit_node *map, const char *key);
/* The value of `key` in map when it is a scalar, else NULL. */
const char *nsim_emit_get_str(const struct nsim_emit_node *map, const char *key);
/* The value of `key`, created as a block sequence (or map) when absent. NULL on ENOMEM or when the key
 * holds another kind. */
struct nsim_emit_node *nsim_emit_child_seq(struct nsim_arena *a, struct nsim_emit_node *map, const char *key);
struct nsim_emit_node *nsim_emit_child_map(struct nsim_arena *a, struct nsim_emit_node *map, const char *key);
/* Appends a line to node's comment (above it). Returns 0 or -ENOMEM. */
_must_check_ int nsim_emit_comment(struct nsim_arena *a, struct nsim_emit_node *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Writes root (a MAP) as a YAML document to out: block style, two spaces per level, comments above or
 * after their node, control characters in comments replaced by '?', scalars quoted where YAML would read
 * them otherwise. `header` (may be NULL) is written first as comment lines. Returns 0 or -EIO.
 */
_must_check_ int nsim_emit_write(FILE *out, const struct nsim_emit_node *root, const char *header);
/* nsim_emit_write() into a new NUL-terminated string (owned by the caller) in *ret_text, its length in
 * *ret_len. Returns 0 or -ENOMEM. */
_must_check_ int nsim_emit_text(const struct nsim_emit_node *root, const char *header, char **ret_text,
				size_t *ret_len);
