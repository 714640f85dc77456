/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/emit.h"

static struct nsim_emit_node *node_new(struct nsim_arena *a, enum nsim_emit_kind kind)
{
	struct nsim_emit_node *n = nsim_arena_alloc(a, 1, sizeof(*n));
	if (n)
		n->kind = kind;
	return n;
}

struct nsim_emit_node *nsim_emit_scalar(struct nsim_arena *a, const char *value)
{
	struct nsim_emit_node *n = node_new(a, NSIM_EMIT_SCALAR);
	if (!n)
		return NULL;
	n->value = nsim_arena_strdup(a, value ? value : "");
	return n->value ? n : NULL;
}

struct nsim_emit_node *nsim_emit_seq(struct nsim_arena *a)
{
	return node_new(a, NSIM_EMIT_SEQ);
}

struct nsim_emit_node *nsim_emit_map(struct nsim_arena *a)
{
	return node_new(a, NSIM_EMIT_MAP);
}

struct nsim_emit_node *nsim_emit_flow_map(struct nsim_arena *a)
{
	struct nsim_emit_node *n = node_new(a, NSIM_EMIT_MAP);
	if (n)
		n->flow = true;
	return n;
}

static int grow(struct nsim_arena *a, struct nsim_emit_node *n)
{
	if (n->n < n->cap)
		return 0;
	size_t cap = n->cap ? n->cap * 2 : 4;
	struct nsim_emit_node **items = nsim_arena_alloc(a, cap, sizeof(*items));
	const char **keys = n->kind == NSIM_EMIT_MAP ? nsim_arena_alloc(a, cap, sizeof(*keys)) : NULL;
	if (!items || (n->kind == NSIM_EMIT_MAP && !keys))
		return -ENOMEM;
	if (n->n) {
		memcpy(items, n->items, n->n * sizeof(*items));
		if (keys)
			memcpy(keys, n->keys, n->n * sizeof(*keys));
	}
	n->items = items;
	n->keys = keys;
	n->cap = cap;
	return 0;
}

int nsim_emit_set(struct nsim_arena *a, struct nsim_emit_node *map, const char *key, struct nsim_emit_node *node)
{
	if (!node)
		return -ENOMEM;
	for (size_t i = 0; i < map->n; i++)
		if (streq(map->keys[i], key)) {
			map->items[i] = node;
			return 0;
		}
	int r = grow(a, map);
	if (r < 0)
		return r;
	const char *k = nsim_arena_strdup(a, key);
	if (!k)
		return -ENOMEM;
	map->keys[map->n] = k;
	map->items[map->n++] = node;
	return 0;
}

int nsim_emit_set_str(struct nsim_arena *a, struct nsim_emit_node *map, const char *key, const char *value)
{
	if (!value)
		return 0;
	return nsim_emit_set(a, map, key, nsim_emit_scalar(a, value));
}

int nsim_emit_push(struct nsim_arena *a, struct nsim_emit_node *seq, struct nsim_emit_node *node)
{
	if (!node)
		return -ENOMEM;
	int r = grow(a, seq);
	if (r < 0)
		return r;
	seq->items[seq->n++] = node;
	return 0;
}

struct nsim_emit_node *nsim_emit_get(const struct nsim_emit_node *map, const char *key)
{
	if (!map || map->kind != NSIM_EMIT_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (streq(map->keys[i], key))
			return map->items[i];
	return NULL;
}

const char *nsim_emit_get_str(const struct nsim_emit_node *map, const char *key)
{
	const struct nsim_emit_node *v = nsim_emit_get(map, key);
	return v && v->kind == NSIM_EMIT_SCALAR ? v->value : NULL;
}

static struct nsim_emit_node *child(struct nsim_arena *a, struct nsim_emit_node *map, const char *key,
				    enum nsim_emit_kind kind)
{
	struct nsim_emit_node *v = nsim_emit_get(map, key);
	if (v)
		return v->kind == kind ? v : NULL;
	v = node_new(a, kind);
	if (!v || nsim_emit_set(a, map, key, v) < 0)
		return NULL;
	return v;
}

struct nsim_emit_node *nsim_emit_child_seq(struct nsim_arena *a, struct nsim_emit_node *map, const char *key)
{
	return child(a, map, key, NSIM_EMIT_SEQ);
}

struct nsim_emit_node *nsim_emit_child_map(struct nsim_arena *a, struct nsim_emit_node *map, const char *key)
{
	return child(a, map, key, NSIM_EMIT_MAP);
}

int nsim_emit_comment(struct nsim_arena *a, struct nsim_emit_node *node, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line = NULL;
	int r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	const char *c = node->comment ? nsim_arena_printf(a, "%s\n%s", node->comment, line)
				      : nsim_arena_strdup(a, line);
	free(line);
	if (!c)
		return -ENOMEM;
	node->comment = c;
	return 0;
}

/* Plain when every byte is one YAML and netsim's loader read back as the same text: letters, digits and
 * . _ / : @ + -, not starting with a YAML indicator, never a bare `:` pair or an empty string. */
static bool plain_ok(const char *s)
{
	if (!*s || *s == '-' || *s == ':' || *s == '@')
		return s[0] == '-' && s[1] && strspn(s + 1, "0123456789") == strlen(s + 1); /* -1 */
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._/:@+-", c)))
			return false;
		if (c == ':' && (p[1] == '\0' || p[1] == ' '))
			return false;
	}
	/* YAML's null forms would be read as null, not as the text */
	return !streq(s, "null") && !streq(s, "Null") && !streq(s, "NULL") && !streq(s, "~");
}

static void put_scalar(FILE *out, const char *s)
{
	if (plain_ok(s)) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* A comment's text on one line: control characters (a template's text) become '?'. */
static void put_comment_text(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
	}
}

static void put_comment_lines(FILE *out, const char *comment, unsigned indent)
{
	if (!comment)
		return;
	const char *p = comment;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(out, "%*s# ", (int)indent, "");
		put_comment_text(out, p, len);
		fputc('\n', out);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void put_trailing(FILE *out, const struct nsim_emit_node *n)
{
	if (n->trailing) {
		fputs("  # ", out);
		put_comment_text(out, n->trailing, strlen(n->trailing));
	}
}

static void put_flow(FILE *out, const struct nsim_emit_node *n)
{
	switch (n->kind) {
	case NSIM_EMIT_SCALAR:
		put_scalar(out, n->value);
		return;
	case NSIM_EMIT_SEQ:
		fputc('[', out);
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				fputs(", ", out);
			put_flow(out, n->items[i]);
		}
		fputc(']', out);
		return;
	case NSIM_EMIT_MAP:
		if (!n->n) {
			fputs("{}", out);
			return;
		}
		fputs("{ ", out);
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				fputs(", ", out);
			put_scalar(out, n->keys[i]);
			fputs(": ", out);
			put_flow(out, n->items[i]);
		}
		fputs(" }", out);
		return;
	}
}

/* A node written on the current line (a scalar, a flow or empty collection). */
static bool inline_node(const struct nsim_emit_node *n)
{
	return n->kind == NSIM_EMIT_SCALAR || n->flow || n->n == 0;
}

static void put_block(FILE *out, const struct nsim_emit_node *n, unsigned indent);

static void put_map_body(FILE *out, const struct nsim_emit_node *n, unsigned indent, bool first_inline)
{
	for (size_t i = 0; i < n->n; i++) {
		const struct nsim_emit_node *v = n->items[i];
		bool inl = i == 0 && first_inline;
		if (!inl)
			put_comment_lines(out, v->comment, indent);
		if (!inl)
			fprintf(out, "%*s", (int)indent, "");
		put_scalar(out, n->keys[i]);
		fputc(':', out);
		if (inline_node(v)) {
			fputc(' ', out);
			put_flow(out, v);
			put_trailing(out, v);
			fputc('\n', out);
		} else {
			put_trailing(out, v);
			fputc('\n', out);
			/* sequences of a mapping indented by two too: easier to read, and what the examples do */
			put_block(out, v, indent + 2);
		}
	}
}

static void put_seq_body(FILE *out, const struct nsim_emit_node *n, unsigned indent)
{
	for (size_t i = 0; i < n->n; i++) {
		const struct nsim_emit_node *v = n->items[i];
		put_comment_lines(out, v->comment, indent);
		fprintf(out, "%*s- ", (int)indent, "");
		if (inline_node(v)) {
			put_flow(out, v);
			put_trailing(out, v);
			fputc('\n', out);
		} else if (v->kind == NSIM_EMIT_MAP) {
			put_map_body(out, v, indent + 2, true);
		} else {
			fputc('\n', out);
			put_block(out, v, indent + 2);
		}
	}
}

static void put_block(FILE *out, const struct nsim_emit_node *n, unsigned indent)
{
	if (n->kind == NSIM_EMIT_MAP)
		put_map_body(out, n, indent, false);
	else if (n->kind == NSIM_EMIT_SEQ)
		put_seq_body(out, n, indent);
}

int nsim_emit_write(FILE *out, const struct nsim_emit_node *root, const char *header)
{
	put_comment_lines(out, header, 0);
	put_comment_lines(out, root->comment, 0);
	put_block(out, root, 0);
	return ferror(out) ? -EIO : 0;
}

int nsim_emit_text(const struct nsim_emit_node *root, const char *header, char **ret_text, size_t *ret_len)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	int r = nsim_emit_write(f, root, header);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(text);
		return -ENOMEM;
	}
	*ret_text = text;
	*ret_len = len;
	return 0;
}
