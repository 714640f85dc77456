/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/strv.h"

int nsim_strv_append(struct nsim_strv *v, const char *s)
{
	if (v->n + 2 > v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		char **nv = realloc(v->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	char *copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	v->v[v->n++] = copy;
	v->v[v->n] = NULL;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void nsim_strv_sort(struct nsim_strv *v)
{
	if (v->n > 1)
		qsort(v->v, v->n, sizeof(*v->v), cmp_str);
}

bool nsim_strv_contains(const struct nsim_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (streq(v->v[i], s))
			return true;
	return false;
}

bool nsim_strv_contains_sorted(const struct nsim_strv *v, const char *s)
{
	return v->n && bsearch(&s, v->v, v->n, sizeof(*v->v), cmp_str);
}

int nsim_strv_steal(struct nsim_strv *v, char ***ret, size_t *ret_n)
{
	if (!v->v && !(v->v = calloc(1, sizeof(*v->v))))
		return -ENOMEM;
	*ret = v->v;
	if (ret_n)
		*ret_n = v->n;
	*v = (struct nsim_strv){0};
	return 0;
}

void nsim_strv_clear(struct nsim_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	*v = (struct nsim_strv){0};
}

void nsim_strv_free(char **strv)
{
	if (!strv)
		return;
	for (char **s = strv; *s; s++)
		free(*s);
	free(strv);
}
