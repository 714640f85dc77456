/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the loader and the validator on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "load/load.h"
#include "validate/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsim_diags diags;
	struct nsim_topology *t = NULL;
	nsim_diags_init(&diags);
	if (nsim_load_buffer("fuzz.yaml", (const char *)data, size, &diags, &t) == 0)
		(void)nsim_validate(t, &diags);
	nsim_topology_free(t);
	nsim_diags_clear(&diags);
	return 0;
}
