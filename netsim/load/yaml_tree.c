/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "load/load.h"
#include "load/yaml_tree.h"
#include "model/util.h"

/* An open sequence or mapping: its children grow here until its end event. */
struct frame {
	struct ynode *node;
	struct ynode **items;
	size_t n, cap;
};

struct anchor {
	const char *name;
	struct ynode *node;
};

struct builder {
	struct nsim_arena *arena;
	const char *file;
	const char *data;
	size_t len;
	struct nsim_diags *diags;
	struct frame stack[NSIM_LOAD_MAX_DEPTH + 1];
	size_t depth;
	size_t n_nodes;
	size_t max_scalar;
	/* open addressing, power-of-two capacity: libyaml's own loader looks
	 * anchors up linearly, quadratic on hostile input */
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	struct ynode *root;
	int n_docs;
};

static struct nsim_pos pos_at(struct builder *b, size_t line0, size_t col0)
{
	return (struct nsim_pos){.file = b->file, .line = (unsigned)line0 + 1, .col = (unsigned)col0 + 1};
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int anchor_put(struct builder *b, const char *name, struct ynode *node)
{
	if (2 * (b->n_anchors + 1) > b->cap_anchors) {
		size_t cap = b->cap_anchors ? b->cap_anchors * 2 : 64;
		struct anchor *a = calloc(cap, sizeof(*a));
		if (!a)
			return -ENOMEM;
		for (size_t i = 0; i < b->cap_anchors; i++) {
			if (!b->anchors[i].name)
				continue;
			size_t j = hash_str(b->anchors[i].name) & (cap - 1);
			while (a[j].name)
				j = (j + 1) & (cap - 1);
			a[j] = b->anchors[i];
		}
		free(b->anchors);
		b->anchors = a;
		b->cap_anchors = cap;
	}
	size_t j = hash_str(name) & (b->cap_anchors - 1);
	while (b->anchors[j].name && strcmp(b->anchors[j].name, name) != 0)
		j = (j + 1) & (b->cap_anchors - 1);
	if (!b->anchors[j].name) {
		/* a redefined anchor replaces the old one for later aliases (YAML 1.2) */
		b->anchors[j].name = nsim_arena_strdup(b->arena, name);
		if (!b->anchors[j].name)
			return -ENOMEM;
		b->n_anchors++;
	}
	b->anchors[j].node = node;
	return 0;
}

static struct ynode *anchor_get(struct builder *b, const char *name)
{
	if (!b->cap_anchors)
		return NULL;
	size_t j = hash_str(name) & (b->cap_anchors - 1);
	while (b->anchors[j].name) {
		if (strcmp(b->anchors[j].name, name) == 0)
			return b->anchors[j].node;
		j = (j + 1) & (b->cap_anchors - 1);
	}
	return NULL;
}

static int attach(struct builder *b, struct ynode *node)
{
	if (b->depth == 0) {
		b->root = node;
		return 0;
	}
	struct frame *f = &b->stack[b->depth - 1];
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct ynode **items = realloc(f->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		f->items = items;
		f->cap = cap;
	}
	f->items[f->n++] = node;
	return 0;
}

static struct ynode *new_node(struct builder *b, enum ynode_type type, yaml_mark_t m)
{
	if (++b->n_nodes > NSIM_LOAD_MAX_NODES) {
		nsim_diag_error(b->diags, pos_at(b, m.line, m.column),
				"document has more than %u nodes: the limit guards against unbounded input",
				NSIM_LOAD_MAX_NODES);
		return NULL;
	}
	struct ynode *n = nsim_arena_alloc(b->arena, 1, sizeof(*n));
	if (!n) {
		b->diags->oom = true;
		return NULL;
	}
	n->type = type;
	n->line = (unsigned)m.line + 1;
	n->col = (unsigned)m.column + 1;
	return n;
}

static int open_container(struct builder *b, enum ynode_type type, yaml_mark_t m, const yaml_char_t *anchor,
			  const yaml_char_t *tag)
{
	if (b->depth >= NSIM_LOAD_MAX_DEPTH) {
		nsim_diag_error(b->diags, pos_at(b, m.line, m.column),
				"nesting deeper than %d levels: a topology is never this deep",
				NSIM_LOAD_MAX_DEPTH);
		return -EINVAL;
	}
	struct ynode *n = new_node(b, type, m);
	if (!n)
		return b->diags->oom ? -ENOMEM : -EINVAL;
	if (tag && !(n->tag = nsim_arena_strdup(b->arena, (const char *)tag)))
		return -ENOMEM;
	int r = attach(b, n);
	if (r < 0)
		return r;
	if (anchor && (r = anchor_put(b, (const char *)anchor, n)) < 0)
		return r;
	b->stack[b->depth++] = (struct frame){.node = n};
	return 0;
}

static int close_container(struct builder *b)
{
	struct frame *f = &b->stack[--b->depth];
	int r = 0;
	if (f->n) {
		f->node->items = nsim_arena_alloc(b->arena, f->n, sizeof(*f->items));
		if (f->node->items) {
			memcpy(f->node->items, f->items, f->n * sizeof(*f->items));
			f->node->n = f->node->type == Y_MAP ? f->n / 2 : f->n;
		} else
			r = -ENOMEM;
	}
	free(f->items);
	*f = (struct frame){0};
	return r;
}

static int add_scalar(struct builder *b, const yaml_event_t *ev)
{
	yaml_mark_t m = ev->start_mark;
	if (ev->data.scalar.length > b->max_scalar) {
		nsim_diag_error(b->diags, pos_at(b, m.line, m.column),
				"value is %zu bytes long; the limit is %zu", ev->data.scalar.length,
				b->max_scalar);
		return -EINVAL;
	}
	struct ynode *n = new_node(b, Y_SCALAR, m);
	if (!n)
		return b->diags->oom ? -ENOMEM : -EINVAL;
	n->len = ev->data.scalar.length;
	n->value = nsim_arena_strndup(b->arena, (const char *)ev->data.scalar.value, n->len);
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (!n->value)
		return -ENOMEM;
	if (ev->data.scalar.tag && !(n->tag = nsim_arena_strdup(b->arena, (const char *)ev->data.scalar.tag)))
		return -ENOMEM;
	int r = attach(b, n);
	if (r == 0 && ev->data.scalar.anchor)
		r = anchor_put(b, (const char *)ev->data.scalar.anchor, n);
	return r;
}

static int add_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct ynode *target = anchor_get(b, name);
	if (!target) {
		nsim_diag_error(b->diags, pos_at(b, ev->start_mark.line, ev->start_mark.column),
				"alias '*%s' names no anchor defined before it", name);
		return -EINVAL;
	}
	if (++b->n_nodes > NSIM_LOAD_MAX_NODES) {
		nsim_diag_error(b->diags, pos_at(b, ev->start_mark.line, ev->start_mark.column),
				"document has more than %u nodes: the limit guards against unbounded input",
				NSIM_LOAD_MAX_NODES);
		return -EINVAL;
	}
	return attach(b, target);
}

/* Turns libyaml's scanner/reader errors into messages a user can act on. */
static void report_parser_error(struct builder *b, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR) {
		b->diags->oom = true;
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* the reader gives a byte offset, not a line */
		size_t line = 0, col = 0, off = p->problem_offset < b->len ? p->problem_offset : b->len;
		for (size_t i = 0; i < off; i++) {
			if (b->data[i] == '\n') {
				line++;
				col = 0;
			} else
				col++;
		}
		nsim_diag_error(b->diags, pos_at(b, line, col),
				"not a YAML text file: %s (byte %zu%s%02x)", p->problem, p->problem_offset,
				p->problem_value >= 0 ? ": 0x" : "", p->problem_value >= 0 ? p->problem_value : 0);
		return;
	}
	yaml_mark_t m = p->problem_mark;
	const char *problem = p->problem ? p->problem : "syntax error";
	if (m.index < b->len && b->data[m.index] == '\t') {
		nsim_diag_error(b->diags, pos_at(b, m.line, m.column),
				"tab character: YAML does not allow tabs for indentation, use spaces");
		return;
	}
	if (p->context)
		nsim_diag_error(b->diags, pos_at(b, m.line, m.column), "YAML syntax: %s %s (line %zu)",
				problem, p->context, (size_t)p->context_mark.line + 1);
	else
		nsim_diag_error(b->diags, pos_at(b, m.line, m.column), "YAML syntax: %s", problem);
}

static int handle_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->n_docs > 1) {
			nsim_diag_error(b->diags, pos_at(b, ev->start_mark.line, ev->start_mark.column),
					"a second YAML document: a topology file holds exactly one");
			return -EINVAL;
		}
		return 0;
	case YAML_SCALAR_EVENT:
		return add_scalar(b, ev);
	case YAML_ALIAS_EVENT:
		return add_alias(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return open_container(b, Y_SEQ, ev->start_mark, ev->data.sequence_start.anchor,
				      ev->data.sequence_start.tag);
	case YAML_MAPPING_START_EVENT:
		return open_container(b, Y_MAP, ev->start_mark, ev->data.mapping_start.anchor,
				      ev->data.mapping_start.tag);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return close_container(b);
	default:
		return 0;
	}
}

int nsim_yaml_tree_parse(struct nsim_arena *arena, const char *file, const char *data, size_t len,
			 struct nsim_diags *diags, struct ynode **ret_root)
{
	return nsim_yaml_tree_parse_max_scalar(arena, file, data, len, NSIM_LOAD_MAX_SCALAR, diags, ret_root);
}

int nsim_yaml_tree_parse_max_scalar(struct nsim_arena *arena, const char *file, const char *data, size_t len,
				    size_t max_scalar, struct nsim_diags *diags, struct ynode **ret_root)
{
	struct builder b = {.arena = arena, .file = file, .data = data, .len = len, .diags = diags,
			    .max_scalar = max_scalar};
	yaml_parser_t parser;
	int r = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	for (bool done = false; !done && r == 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			report_parser_error(&b, &parser);
			r = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		r = handle_event(&b, &ev);
		yaml_event_delete(&ev);
	}

	while (b.depth > 0) {
		free(b.stack[b.depth - 1].items);
		b.depth--;
	}
	free(b.anchors);
	yaml_parser_delete(&parser);
	if (r == 0 && diags->oom)
		r = -ENOMEM;
	if (r == 0)
		*ret_root = b.root;
	return r;
}
