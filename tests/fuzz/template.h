/* SPDX-License-Identifier: MIT */
/* Shared by the CloudFormation fuzz targets (fuzz_cfn.c, fuzz_import.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "import/cfn.h"

/* data loaded as a template named fuzz.yaml, with a parameter override
 * (AvailabilityZones) when size is odd, so that both paths run; region as
 * nsim_cfn_load() takes it. Returns what nsim_cfn_load() returns. */
static inline int fuzz_cfn_load(struct nsim_arena *a, const uint8_t *data, size_t size, const char *region,
				struct nsim_diags *diags, struct nsim_cfn_template **ret_t)
{
	static const struct nsim_cfn_param params[] = {{"AvailabilityZones", "us-east-1a,us-east-1b"}};
	return nsim_cfn_load(a, "fuzz.yaml", (const char *)data, size, params, size & 1, region, diags, ret_t);
}
