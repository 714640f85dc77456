/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_assert.h"

/* Prints "what" about key of obj, with obj, and fails the test. */
static void fail_in(json_t *obj, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_in(json_t *obj, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	char *s = json_dumps(obj, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fprintf(stderr, " in\n%s\n", s ? s : "?");
	free(s);
	fail();
}

json_t *json_doc(const char *text)
{
	json_error_t err;
	const char *p = strstr(text, "{\n");
	json_t *doc = p ? json_loads(p, JSON_DISABLE_EOF_CHECK, &err) : NULL;
	if (!doc) {
		fprintf(stderr, "not JSON (line %d: %s):\n%s\n", p ? err.line : 0, p ? err.text : "no '{'", text);
		fail();
	}
	return doc;
}

json_t *field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		fail_in(obj, "no field '%s'", key);
	return v;
}

const char *str(json_t *obj, const char *key)
{
	json_t *v = field(obj, key);
	if (!json_is_string(v))
		fail_in(obj, "field '%s' is not a string", key);
	return json_string_value(v);
}

json_int_t num(json_t *obj, const char *key)
{
	json_t *v = field(obj, key);
	if (!json_is_integer(v))
		fail_in(obj, "field '%s' is not an integer", key);
	return json_integer_value(v);
}

void expect_str(json_t *obj, const char *key, const char *want)
{
	const char *got = str(obj, key);
	if (strcmp(got, want) != 0)
		fail_in(obj, "%s is '%s', expected '%s'", key, got, want);
}

void expect_prefix(json_t *obj, const char *key, const char *want)
{
	const char *got = str(obj, key);
	if (strncmp(got, want, strlen(want)) != 0)
		fail_in(obj, "%s is '%s', expected it to start with '%s'", key, got, want);
}

void expect_contains(json_t *obj, const char *key, const char *want)
{
	const char *got = str(obj, key);
	if (!strstr(got, want))
		fail_in(obj, "%s is '%s', expected it to contain '%s'", key, got, want);
}

void expect_null(json_t *obj, const char *key)
{
	if (!json_is_null(field(obj, key)))
		fail_in(obj, "%s is not null", key);
}
