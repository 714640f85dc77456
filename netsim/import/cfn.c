/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import/cfn-internal.h"

int nsim_cfn_load(struct nsim_arena *arena, const char *file, const char *data, size_t len,
		  const struct nsim_cfn_param *params, size_t n_params, const char *region,
		  struct nsim_diags *diags, struct nsim_cfn_template **ret)
{
	return -EOPNOTSUPP;
}

const struct nsim_cfn_value *nsim_cfn_get(const struct nsim_cfn_value *map, const char *key)
{
	if (!map || map->kind != NSIM_CFN_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (streq(map->keys[i], key))
			return map->items[i];
	return NULL;
}

const char *nsim_cfn_str(const struct nsim_cfn_value *v)
{
	if (!v)
		return NULL;
	switch (v->kind) {
	case NSIM_CFN_STRING:
	case NSIM_CFN_NUMBER:
		return v->str;
	case NSIM_CFN_BOOL:
		return v->b ? "true" : "false";
	default:
		return NULL;
	}
}

int nsim_cfn_bool(const struct nsim_cfn_value *v, bool *ret)
{
	if (v && v->kind == NSIM_CFN_BOOL) {
		*ret = v->b;
		return 0;
	}
	if (v && v->kind == NSIM_CFN_STRING) {
		if (strcasecmp(v->str, "true") == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(v->str, "false") == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

int nsim_cfn_int(const struct nsim_cfn_value *v, long long *ret)
{
	if (!v || (v->kind != NSIM_CFN_NUMBER && v->kind != NSIM_CFN_STRING))
		return -EINVAL;
	const char *s = v->str;
	if (!*s || (!(*s >= '0' && *s <= '9') && *s != '-' && *s != '+'))
		return -EINVAL;
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		return -EINVAL;
	*ret = x;
	return 0;
}

const struct nsim_cfn_resource *nsim_cfn_resource(const struct nsim_cfn_template *t, const char *id)
{
	for (size_t i = 0; i < t->n_resources; i++)
		if (streq(t->resources[i].logical_id, id))
			return &t->resources[i];
	return NULL;
}

const char *nsim_cfn_describe(struct nsim_arena *arena, const struct nsim_cfn_value *v)
{
	return "?";
}
