/* SPDX-License-Identifier: MIT */
/* Helpers of the CloudFormation loader's unit tests (test_cfn_*.c): load a
 * template from a string, look values up, compare them. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "import/cfn.h"
#include "model/arena.h"
#include "model/diag.h"
#include "model/util.h"

static struct nsim_arena *cfn_arena;
static struct nsim_diags cfn_diags;

static inline int cfn_setup(void **state)
{
	cfn_arena = nsim_arena_new();
	nsim_diags_init(&cfn_diags);
	return cfn_arena ? 0 : -1;
}

static inline int cfn_teardown(void **state)
{
	nsim_arena_free(cfn_arena);
	nsim_diags_clear(&cfn_diags);
	cfn_arena = NULL;
	return 0;
}

static inline void cfn_print_diags(void)
{
	for (size_t i = 0; i < cfn_diags.n; i++)
		fprintf(stderr, "  %s:%u:%u: %s: %s\n", cfn_diags.items[i].file, cfn_diags.items[i].line,
			cfn_diags.items[i].col, nsim_severity_name(cfn_diags.items[i].severity),
			cfn_diags.items[i].message);
}

/* Loads text with the overrides "K=V" (NULL-terminated); returns the load's result. */
static inline int cfn_try(const char *text, const char *region, struct nsim_cfn_template **ret, const char *const *overrides)
{
	struct nsim_cfn_param ps[16];
	size_t n = 0;
	for (; overrides && overrides[n]; n++) {
		const char *eq = strchr(overrides[n], '=');
		assert_non_null(eq);
		ps[n].key = nsim_arena_strndup(cfn_arena, overrides[n], (size_t)(eq - overrides[n]));
		ps[n].value = eq + 1;
	}
	nsim_diags_clear(&cfn_diags);
	return nsim_cfn_load(cfn_arena, "t.yaml", text, strlen(text), ps, n, region, &cfn_diags, ret);
}

/* Loads text that must load; fails the test with the diagnostics otherwise. */
static inline struct nsim_cfn_template *cfn_ok(const char *text, const char *const *overrides)
{
	struct nsim_cfn_template *t = NULL;
	int r = cfn_try(text, NULL, &t, overrides);
	if (r != 0)
		cfn_print_diags();
	assert_int_equal(r, 0);
	return t;
}

/* A diagnostic of severity sev contains msg at line:col (0: any). */
static inline void cfn_expect_diag(enum nsim_severity sev, unsigned line, unsigned col, const char *msg)
{
	for (size_t i = 0; i < cfn_diags.n; i++) {
		const struct nsim_diag *d = &cfn_diags.items[i];
		if (d->severity == sev && strstr(d->message, msg) && (!line || d->line == line) &&
		    (!col || d->col == col))
			return;
	}
	fprintf(stderr, "no %s at %u:%u containing '%s'; got:\n", nsim_severity_name(sev), line, col, msg);
	cfn_print_diags();
	fail();
}

/* Loading text fails with an error containing msg at line:col. */
static inline void cfn_fails(const char *text, unsigned line, unsigned col, const char *msg, const char *const *overrides)
{
	struct nsim_cfn_template *t = NULL;
	assert_int_equal(cfn_try(text, NULL, &t, overrides), -EINVAL);
	cfn_expect_diag(NSIM_SEV_ERROR, line, col, msg);
}

/* A resource's property (NULL: the properties map itself). */
static inline const struct nsim_cfn_value *cfn_prop(const struct nsim_cfn_template *t, const char *id, const char *key)
{
	const struct nsim_cfn_resource *r = nsim_cfn_resource(t, id);
	if (!r)
		fprintf(stderr, "no resource %s\n", id);
	assert_non_null(r);
	return key ? nsim_cfn_get(r->properties, key) : r->properties;
}

static inline void cfn_expect_str(const struct nsim_cfn_value *v, const char *s)
{
	assert_non_null(v);
	if (!nsim_cfn_str(v) || strcmp(nsim_cfn_str(v), s) != 0)
		fprintf(stderr, "expected '%s', got %s\n", s, nsim_cfn_describe(cfn_arena, v));
	assert_non_null(nsim_cfn_str(v));
	assert_string_equal(nsim_cfn_str(v), s);
}

/* v prints as `s` (nsim_cfn_describe). */
static inline void cfn_expect_desc(const struct nsim_cfn_value *v, const char *s)
{
	const char *d = nsim_cfn_describe(cfn_arena, v);
	assert_non_null(d);
	assert_string_equal(d, s);
}
