/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzz targets: each defines LLVMFuzzerTestOneInput(), which
 * libFuzzer drives (scripts/fuzz, clang) and replay.c drives over the saved
 * crash inputs in tests/data/fuzz-regress/<target>/ (the unit suite, any
 * compiler).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "load/load.h"
#include "model/diag.h"
#include "model/model.h"
#include "validate/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loads and validates data as a topology file. Returns a complete topology
 * (owned by the caller) or NULL when the input is not a valid topology. */
static inline struct nsim_topology *fuzz_topology(const uint8_t *data, size_t size)
{
	struct nsim_diags diags;
	struct nsim_topology *t = NULL;

	nsim_diags_init(&diags);
	if (nsim_load_buffer("fuzz.yaml", (const char *)data, size, &diags, &t) < 0 || nsim_validate(t, &diags) < 0) {
		nsim_topology_free(t);
		t = NULL;
	}
	nsim_diags_clear(&diags);
	return t;
}
