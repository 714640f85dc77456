/* SPDX-License-Identifier: MIT */
/* libFuzzer target: netsim import end to end on arbitrary bytes: the template
 * loader, the mapping to a topology (with and without --expect intent), the
 * YAML writer, and the loader and validator on what it wrote. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/cfn.h"
#include "import/import.h"
#include "load/load.h"
#include "model/util.h"
#include "validate/validate.h"

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsim_arena *a = nsim_arena_new();
	if (!a)
		return 0;
	struct nsim_diags diags;
	nsim_diags_init(&diags);
	struct nsim_cfn_template *t = NULL;
	struct nsim_emit_node *root = NULL;
	struct nsim_import_options opts = {.expect_intent = size & 2};
	int r = fuzz_cfn_load(a, data, size, NULL, &diags, &t);
	if (r == 0)
		r = nsim_import_run(a, t, &opts, &diags, &root);
	if (r < 0 && r != -EINVAL && r != -ENOMEM)
		abort(); /* the only errors they may return */
	if (r == 0) {
		char *text = NULL;
		size_t len = 0;
		if (nsim_emit_text(root, "fuzz", &text, &len) == 0) {
			struct nsim_topology *topo = NULL;
			r = nsim_load_buffer("out.yaml", text, len, &diags, &topo);
			if (r == 0)
				(void)!nsim_validate(topo, &diags);
			nsim_topology_free(topo);
			free(text);
		}
	}
	nsim_diags_clear(&diags);
	nsim_arena_free(a);
	return 0;
}
