/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "import/overlay.h"
#include "load/load.h"
#include "load/yaml_tree.h"

struct overlay {
	struct nsim_arena *arena;
	const char *file;
	struct nsim_diags *diags;
};

static struct nsim_pos pos_of(const struct overlay *o, const struct ynode *y)
{
	return (struct nsim_pos){.file = o->file, .line = y->line, .col = y->col};
}

/* The overlay's node as an emit node. Aliases may make the tree a graph: depth bounds the walk. */
static int convert(struct overlay *o, const struct ynode *y, unsigned depth, struct nsim_emit_node **ret)
{
	if (depth > NSIM_LOAD_MAX_DEPTH) {
		nsim_diag_error(o->diags, pos_of(o, y), "overlay nested more than %d levels (aliases included)",
				NSIM_LOAD_MAX_DEPTH);
		return -EINVAL;
	}
	struct nsim_emit_node *n = NULL;
	switch (y->type) {
	case Y_SCALAR: {
		char *v = nsim_arena_strndup(o->arena, y->value, y->len);
		if (!v)
			return -ENOMEM;
		n = nsim_emit_scalar(o->arena, v);
		if (!n)
			return -ENOMEM;
		break;
	}
	case Y_SEQ:
		n = nsim_emit_seq(o->arena);
		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < y->n; i++) {
			struct nsim_emit_node *c;
			int r = convert(o, y->items[i], depth + 1, &c);
			if (r < 0)
				return r;
			if (nsim_emit_push(o->arena, n, c) < 0)
				return -ENOMEM;
			n->flow = n->flow || (i == 0 && c->kind == NSIM_EMIT_SCALAR);
		}
		break;
	case Y_MAP:
		n = nsim_emit_map(o->arena);
		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < y->n; i++) {
			const struct ynode *k = y->items[2 * i];
			if (k->type != Y_SCALAR) {
				nsim_diag_error(o->diags, pos_of(o, k), "overlay: a key must be a scalar");
				return -EINVAL;
			}
			char *key = nsim_arena_strndup(o->arena, k->value, k->len);
			struct nsim_emit_node *c;
			if (!key)
				return -ENOMEM;
			int r = convert(o, y->items[2 * i + 1], depth + 1, &c);
			if (r < 0)
				return r;
			if (nsim_emit_set(o->arena, n, key, c) < 0)
				return -ENOMEM;
		}
		break;
	}
	if (y->type == Y_MAP && depth <= 2) {
		n->comment = nsim_arena_printf(o->arena, "from the overlay %s:%u", o->file, y->line);
		if (!n->comment)
			return -ENOMEM;
	}
	*ret = n;
	return 0;
}

static const struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->items[2 * i];
		if (k->type == Y_SCALAR && k->len == strlen(key) && memcmp(k->value, key, k->len) == 0)
			return map->items[2 * i + 1];
	}
	return NULL;
}

static int merge(struct overlay *o, struct nsim_emit_node *into, const struct ynode *y, unsigned depth);

/* Items of a list of named mappings merge by name; anything else is appended. */
static int merge_seq(struct overlay *o, struct nsim_emit_node *into, const struct ynode *y, unsigned depth)
{
	bool scalars = true;
	for (size_t i = 0; i < y->n; i++)
		scalars = scalars && y->items[i]->type == Y_SCALAR;
	if (scalars && y->n) { /* a list of names or services: the overlay's replaces the imported one */
		into->n = 0;
		into->flow = true;
	}
	for (size_t i = 0; i < y->n; i++) {
		const struct ynode *item = y->items[i];
		const struct ynode *name = item->type == Y_MAP ? ymap_get(item, "name") : NULL;
		struct nsim_emit_node *same = NULL;
		if (name && name->type == Y_SCALAR)
			for (size_t j = 0; j < into->n && !same; j++) {
				const char *s = nsim_emit_get_str(into->items[j], "name");
				if (s && strlen(s) == name->len && memcmp(s, name->value, name->len) == 0)
					same = into->items[j];
			}
		int r;
		if (same) {
			r = merge(o, same, item, depth + 1);
		} else {
			struct nsim_emit_node *c;
			r = convert(o, item, depth + 1, &c);
			if (r == 0 && nsim_emit_push(o->arena, into, c) < 0)
				r = -ENOMEM;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int merge(struct overlay *o, struct nsim_emit_node *into, const struct ynode *y, unsigned depth)
{
	if (depth > NSIM_LOAD_MAX_DEPTH) {
		nsim_diag_error(o->diags, pos_of(o, y), "overlay nested more than %d levels (aliases included)",
				NSIM_LOAD_MAX_DEPTH);
		return -EINVAL;
	}
	if (y->type == Y_SEQ && into->kind == NSIM_EMIT_SEQ)
		return merge_seq(o, into, y, depth);
	if (y->type != Y_MAP || into->kind != NSIM_EMIT_MAP) {
		nsim_diag_error(o->diags, pos_of(o, y), "overlay: a %s where the imported topology has a %s",
				y->type == Y_MAP ? "mapping" : y->type == Y_SEQ ? "list" : "scalar",
				into->kind == NSIM_EMIT_MAP ? "mapping" : into->kind == NSIM_EMIT_SEQ ? "list" : "scalar");
		return -EINVAL;
	}
	for (size_t i = 0; i < y->n; i++) {
		const struct ynode *k = y->items[2 * i], *v = y->items[2 * i + 1];
		if (k->type != Y_SCALAR) {
			nsim_diag_error(o->diags, pos_of(o, k), "overlay: a key must be a scalar");
			return -EINVAL;
		}
		char *key = nsim_arena_strndup(o->arena, k->value, k->len);
		if (!key)
			return -ENOMEM;
		struct nsim_emit_node *cur = nsim_emit_get(into, key);
		int r;
		if (cur && v->type != Y_SCALAR && cur->kind != NSIM_EMIT_SCALAR) {
			r = merge(o, cur, v, depth + 1);
		} else {
			struct nsim_emit_node *c;
			r = convert(o, v, depth + 1, &c);
			if (r == 0 && nsim_emit_set(o->arena, into, key, c) < 0)
				r = -ENOMEM;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int nsim_import_overlay(struct nsim_arena *arena, struct nsim_emit_node *root, const char *file, const char *data,
			size_t len, struct nsim_diags *diags)
{
	struct overlay o = {.arena = arena, .file = file, .diags = diags};
	struct ynode *y = NULL;
	int r = nsim_yaml_tree_parse(arena, file, data, len, diags, &y);
	if (r < 0)
		return r;
	if (!y)
		return 0; /* an empty overlay changes nothing */
	if (y->type != Y_MAP) {
		nsim_diag_error(diags, pos_of(&o, y), "an overlay is a mapping of top-level keys (name, internet, "
				"expect, ...), as a topology file");
		return -EINVAL;
	}
	return merge(&o, root, y, 0);
}

int nsim_import_overlay_prefix_lists(struct nsim_arena *arena, const char *data, size_t len, const char *const **ret)
{
	struct nsim_diags quiet;
	nsim_diags_init(&quiet);
	struct ynode *y = NULL;
	const char **names = NULL;
	size_t n = 0, cap = 0;
	int r = nsim_yaml_tree_parse(arena, "<overlay>", data, len, &quiet, &y);
	bool oom = r == -ENOMEM || quiet.oom;
	nsim_diags_clear(&quiet);
	if (oom)
		return -ENOMEM;
	const struct ynode *vpcs = r == 0 && y && y->type == Y_MAP ? ymap_get(y, "vpcs") : NULL;
	for (size_t i = 0; vpcs && vpcs->type == Y_SEQ && i < vpcs->n; i++) {
		const struct ynode *vpc = vpcs->items[i];
		const struct ynode *vname = vpc->type == Y_MAP ? ymap_get(vpc, "name") : NULL;
		const struct ynode *pls = vpc->type == Y_MAP ? ymap_get(vpc, "prefix_lists") : NULL;
		if (!vname || vname->type != Y_SCALAR || !pls || pls->type != Y_SEQ)
			continue;
		for (size_t j = 0; j < pls->n; j++) {
			const struct ynode *pl = pls->items[j];
			const struct ynode *name = pl->type == Y_MAP ? ymap_get(pl, "name") : NULL;
			const struct ynode *cidrs = pl->type == Y_MAP ? ymap_get(pl, "cidrs") : NULL;
			if (!name || name->type != Y_SCALAR || !cidrs || cidrs->type != Y_SEQ || !cidrs->n)
				continue;
			if (n + 1 >= cap) {
				size_t ncap = cap ? 2 * cap : 8;
				const char **v = nsim_arena_alloc(arena, ncap, sizeof(*v));
				if (!v)
					return -ENOMEM;
				if (n)
					memcpy(v, names, n * sizeof(*v));
				names = v;
				cap = ncap;
			}
			names[n] = nsim_arena_printf(arena, "%.*s/%.*s", (int)vname->len, vname->value, (int)name->len,
						     name->value);
			if (!names[n++])
				return -ENOMEM;
		}
	}
	if (!names && !(names = nsim_arena_alloc(arena, 1, sizeof(*names))))
		return -ENOMEM;
	names[n] = NULL;
	*ret = names;
	return 0;
}
