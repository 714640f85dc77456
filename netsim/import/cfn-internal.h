/* SPDX-License-Identifier: MIT */
/* Shared between cfn.c (document -> tree, sections) and intrinsics.c (functions). */
#pragma once

#include "import/cfn.h"
#include "load/yaml_tree.h"
