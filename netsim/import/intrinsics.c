/* SPDX-License-Identifier: MIT */
#include "import/cfn-internal.h"
