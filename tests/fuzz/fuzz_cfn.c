/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the CloudFormation template loader (netsim import's
 * parser and intrinsic functions) on arbitrary bytes, and a walk of the
 * tree it returns as import/ walks it. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/cfn.h"
#include "model/util.h"

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(struct nsim_arena *a, const struct nsim_cfn_value *v, unsigned depth)
{
	if (!v || depth > 200)
		return;
	(void)nsim_cfn_str(v);
	bool b;
	long long n;
	(void)!nsim_cfn_bool(v, &b);
	(void)!nsim_cfn_int(v, &n);
	if (v->kind == NSIM_CFN_MAP)
		for (size_t i = 0; i < v->n; i++)
			(void)nsim_cfn_get(v, v->keys[i]);
	if (v->kind == NSIM_CFN_LIST || v->kind == NSIM_CFN_MAP)
		for (size_t i = 0; i < v->n; i++)
			walk(a, v->items[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsim_arena *a = nsim_arena_new();
	if (!a)
		return 0;
	struct nsim_diags diags;
	nsim_diags_init(&diags);
	/* a region, so that both paths run */
	struct nsim_cfn_template *t = NULL;
	int r = fuzz_cfn_load(a, data, size, size & 2 ? "cn-north-1" : NULL, &diags, &t);
	if (r < 0 && r != -EINVAL && r != -ENOMEM)
		abort(); /* the only errors it may return */
	if (r == 0) {
		walk(a, t->globals, 0);
		for (size_t i = 0; i < t->n_parameters; i++)
			walk(a, t->parameters[i].value, 0);
		for (size_t i = 0; i < t->n_resources; i++) {
			walk(a, t->resources[i].properties, 0);
			if (!nsim_cfn_describe(a, t->resources[i].properties))
				break;
			(void)nsim_cfn_resource(t, t->resources[i].logical_id);
		}
	}
	nsim_diags_clear(&diags);
	nsim_arena_free(a);
	return 0;
}
