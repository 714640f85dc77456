/* SPDX-License-Identifier: MIT */
/* Assertions on netsim's JSON reports (jansson, cmocka), shared by the netns
 * tests: each prints the object it looked in and fails the test. */
#pragma once

#include <jansson.h>

/* The JSON document in text: the last thing on stdout, from its first "{\n"
 * (lines before it and an error line after it are skipped). */
json_t *json_doc(const char *text);
/* obj's member key; fails when there is none. */
json_t *field(json_t *obj, const char *key);
/* obj's member key as a string; fails when it is not one. */
const char *str(json_t *obj, const char *key);
/* obj's member key as an integer; fails when it is not one. */
json_int_t num(json_t *obj, const char *key);
void expect_str(json_t *obj, const char *key, const char *want);
void expect_prefix(json_t *obj, const char *key, const char *want);
void expect_contains(json_t *obj, const char *key, const char *want);
void expect_null(json_t *obj, const char *key);
