/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/arena.h"

#define CHUNK_MIN (64u * 1024u)
#define ALIGN 16u

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

struct nsim_arena {
	struct chunk *head;
	size_t total;
};

struct nsim_arena *nsim_arena_new(void)
{
	return calloc(1, sizeof(struct nsim_arena));
}

void nsim_arena_free(struct nsim_arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *nsim_arena_alloc(struct nsim_arena *a, size_t n, size_t size)
{
	if (size && n > (SIZE_MAX - ALIGN) / size)
		return NULL;
	size_t want = (n * size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (want == 0)
		want = ALIGN;

	struct chunk *c = a->head;
	if (!c || c->size - c->used < want) {
		size_t csize = want > CHUNK_MIN ? want : CHUNK_MIN;
		struct chunk *nc = malloc(sizeof(*nc) + csize);
		if (!nc)
			return NULL;
		nc->size = csize;
		nc->used = 0;
		/* A big allocation gets a chunk of its own behind the head, so the
		 * head's free space stays usable. */
		if (c && csize == want && c->size - c->used > CHUNK_MIN / 4) {
			nc->next = c->next;
			c->next = nc;
		} else {
			nc->next = c;
			a->head = nc;
		}
		c = nc;
	}
	void *p = c->data + c->used;
	c->used += want;
	a->total += want;
	memset(p, 0, want);
	return p;
}

char *nsim_arena_strndup(struct nsim_arena *a, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *p = nsim_arena_alloc(a, 1, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *nsim_arena_strdup(struct nsim_arena *a, const char *s)
{
	return nsim_arena_strndup(a, s, strlen(s));
}

char *nsim_arena_printf(struct nsim_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return NULL;
	char *p = nsim_arena_alloc(a, 1, (size_t)len + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t nsim_arena_used(const struct nsim_arena *a)
{
	return a->total;
}
