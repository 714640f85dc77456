/* SPDX-License-Identifier: MIT */
/* An instance's state.json as `show` and `ls` print it: checked, never trusted. */
#pragma once

#include <jansson.h>

#include "model/util.h"

/*
 * Parses the text of a state.json: an object with a string "topology" and a
 * list "hosts" of objects with strings "name", "kind", "where", "address",
 * "namespace" and an optional string "public_ip" (what `up` writes; other
 * keys are kept). Returns 0 and the document in *ret_state (a new reference,
 * the caller's), -EINVAL when the text is not that (*ret_error says what is
 * wrong, with the line and column of a JSON syntax error; caller frees), or
 * -ENOMEM.
 */
_must_check_ int nsim_report_state_parse(const char *text, json_t **ret_state, char **ret_error);
