/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the loader and the validator on arbitrary bytes. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nsim_topology_free(fuzz_topology(data, size));
	return 0;
}
