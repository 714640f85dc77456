/* SPDX-License-Identifier: MIT */
/*
 * String vectors: NULL-terminated arrays of owned strings, grown by checked
 * appends. The one home of netsim's name lists (namespaces, instances).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/util.h"

struct nsim_strv {
	char **v; /* NULL-terminated once anything was appended; NULL before */
	size_t n, cap;
};

/* Appends a copy of s. 0 or -ENOMEM (v unchanged). */
_must_check_ int nsim_strv_append(struct nsim_strv *v, const char *s);
/* Sorts in strcmp order. */
void nsim_strv_sort(struct nsim_strv *v);
bool nsim_strv_contains(const struct nsim_strv *v, const char *s);
/* The same by binary search, on a vector sorted with nsim_strv_sort(). */
bool nsim_strv_contains_sorted(const struct nsim_strv *v, const char *s);
/* Hands out the NULL-terminated array (an empty one when nothing was
 * appended; free with nsim_strv_free()) and its length, leaving v empty.
 * 0 or -ENOMEM (v unchanged). */
_must_check_ int nsim_strv_steal(struct nsim_strv *v, char ***ret, size_t *ret_n);
/* Frees the strings and resets v to empty. */
void nsim_strv_clear(struct nsim_strv *v);
/* The optimal string alignment distance between a and b (a swapped pair
 * counts as one edit), for "did you mean"; SIZE_MAX when either is longer
 * than 64 bytes. */
size_t nsim_edit_distance(const char *a, const char *b);
/* Frees a NULL-terminated array of strings; NULL-safe. */
void nsim_strv_free(char **strv);
NSIM_DEFINE_FREEP(char *, nsim_strv_free)
