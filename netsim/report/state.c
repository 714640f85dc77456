/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "report/state.h"

static int fail(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **ret_error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(ret_error, fmt, ap);
	va_end(ap);
	if (r < 0) {
		*ret_error = NULL;
		return -ENOMEM;
	}
	return -EINVAL;
}

int nsim_report_state_parse(const char *text, json_t **ret_state, char **ret_error)
{
	static const char *const keys[] = {"name", "kind", "where", "address", "namespace"};
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	if (!j)
		return fail(ret_error, "not valid JSON: line %d, column %d: %s", e.line, e.column, e.text);
	int r = 0;
	if (!json_is_object(j))
		r = fail(ret_error, "not a JSON object");
	else if (!json_is_string(json_object_get(j, "topology")))
		r = fail(ret_error, "no string \"topology\"");
	else if (!json_is_array(json_object_get(j, "hosts")))
		r = fail(ret_error, "no list \"hosts\"");
	size_t i;
	json_t *h;
	json_array_foreach(r < 0 ? NULL : json_object_get(j, "hosts"), i, h)
	{
		if (!json_is_object(h)) {
			r = fail(ret_error, "hosts[%zu] is not an object", i);
			break;
		}
		for (size_t k = 0; r == 0 && k < ELEMENTSOF(keys); k++)
			if (!json_is_string(json_object_get(h, keys[k])))
				r = fail(ret_error, "hosts[%zu] has no string \"%s\"", i, keys[k]);
		json_t *pub = json_object_get(h, "public_ip");
		if (r == 0 && pub && !json_is_string(pub) && !json_is_null(pub))
			r = fail(ret_error, "hosts[%zu]: \"public_ip\" is not a string", i);
		if (r < 0)
			break;
	}
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*ret_state = j;
	return 0;
}
