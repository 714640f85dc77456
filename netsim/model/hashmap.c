/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/hashmap.h"

uint64_t nsim_hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t bucket(const struct nsim_hashmap *m, const char *key)
{
	return (size_t)(nsim_hash_str(NSIM_HASH_INIT, key) & (m->n_buckets - 1));
}

static struct nsim_hashmap_entry **find(const struct nsim_hashmap *m, const char *key)
{
	if (!m->n_buckets)
		return NULL;
	struct nsim_hashmap_entry **e = &m->buckets[bucket(m, key)];
	while (*e && !streq((*e)->key, key))
		e = &(*e)->next;
	return *e ? e : NULL;
}

void *nsim_hashmap_get(const struct nsim_hashmap *m, const char *key)
{
	struct nsim_hashmap_entry **e = find(m, key);
	return e ? (*e)->value : NULL;
}

static int grow(struct nsim_hashmap *m)
{
	size_t nb = m->n_buckets ? m->n_buckets * 2 : 16;
	if (nb < m->n_buckets)
		return -ENOMEM;
	struct nsim_hashmap_entry **b = calloc(nb, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_buckets; i++)
		for (struct nsim_hashmap_entry *e = m->buckets[i], *next; e; e = next) {
			size_t j = (size_t)(nsim_hash_str(NSIM_HASH_INIT, e->key) & (nb - 1));
			next = e->next;
			e->next = b[j];
			b[j] = e;
		}
	free(m->buckets);
	m->buckets = b;
	m->n_buckets = nb;
	return 0;
}

int nsim_hashmap_put(struct nsim_hashmap *m, const char *key, void *value)
{
	struct nsim_hashmap_entry **old = find(m, key);
	if (old) {
		(*old)->value = value;
		return 0;
	}
	if (m->n >= m->n_buckets) {
		int r = grow(m);
		if (r < 0)
			return r;
	}
	size_t len = strlen(key) + 1;
	struct nsim_hashmap_entry *e = malloc(sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, len);
	e->value = value;
	size_t i = bucket(m, key);
	e->next = m->buckets[i];
	m->buckets[i] = e;
	m->n++;
	return 0;
}

void *nsim_hashmap_remove(struct nsim_hashmap *m, const char *key)
{
	struct nsim_hashmap_entry **link = find(m, key);
	if (!link)
		return NULL;
	struct nsim_hashmap_entry *e = *link;
	void *value = e->value;
	*link = e->next;
	free(e);
	m->n--;
	return value;
}

void nsim_hashmap_clear(struct nsim_hashmap *m, void (*each_value)(void *))
{
	for (size_t i = 0; i < m->n_buckets; i++)
		for (struct nsim_hashmap_entry *e = m->buckets[i], *next; e; e = next) {
			next = e->next;
			if (each_value)
				each_value(e->value);
			free(e);
		}
	free(m->buckets);
	*m = (struct nsim_hashmap){0};
}
