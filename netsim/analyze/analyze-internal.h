/* SPDX-License-Identifier: MIT */
/* Shared by the files of analyze/: how components are named in
 * explanations and fixes (analyze/names.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/* Group sg of VPC vpc as an explanation names it, seen from VPC ctx (the
 * VPC of the host or endpoint it protects, or whose rule names it):
 * "VPC/GROUP" (the format's own syntax for peered references) when vpc is
 * not ctx or when a VPC peered with vpc has a group of the same name, else
 * the bare name. sg NSIM_NONE: the VPC's default group, "default". */
void nsim_analyze_sg_name(const struct nsim_topology *t, size_t ctx, size_t vpc, size_t sg, char *buf, size_t size);

/* The route table subnet s of VPC v uses: its own, else the VPC's main one;
 * NSIM_NONE: none (the local route only). */
size_t nsim_analyze_table_of(const struct nsim_vpc *v, const struct nsim_subnet *s);
