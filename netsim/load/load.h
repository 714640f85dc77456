/* SPDX-License-Identifier: MIT */
/* YAML (libyaml) -> model. Every value keeps its file:line:col. */
#pragma once

#include <stddef.h>

#include "model/diag.h"
#include "model/model.h"
#include "model/util.h"

/* Limits on untrusted input, documented in docs/topology.md. */
#define NSIM_LOAD_MAX_BYTES (8u << 20) /* 8 MiB */
#define NSIM_LOAD_MAX_DEPTH 64         /* nesting of mappings and sequences */
#define NSIM_LOAD_MAX_NODES 1000000u   /* nodes visited, aliases expanded */
#define NSIM_LOAD_MAX_SCALAR 4096      /* bytes in one scalar */

/*
 * Loads `file` (name used in diagnostics) from `data`/`len`. Problems are
 * appended to `diags`. Returns 0 and the topology in *ret_topo (owned by the
 * caller) when no error was found, -EINVAL when the input is invalid (the
 * errors are in diags), -ENOMEM.
 */
_must_check_ int nsim_load_buffer(const char *file, const char *data, size_t len, struct nsim_diags *diags,
		     struct nsim_topology **ret_topo);

/*
 * Reads `path` ("-": standard input) for loading: a regular file (or standard
 * input) of at most NSIM_LOAD_MAX_BYTES, refused before reading when it is
 * anything else, read once. Returns 0 and the text in *ret_text
 * (NUL-terminated, owned by the caller; diagnostics show source lines from
 * it) and *ret_len, or -errno as nsim_file_read() (model/fileio.h): -EISDIR,
 * -EINVAL (not a regular file), -EFBIG, -ENOMEM, or open's -ENOENT, -EACCES...
 */
_must_check_ int nsim_load_read(const char *path, char **ret_text, size_t *ret_len);
/* A sentence for an error of nsim_load_read() ("not a regular file: ..."). */
const char *nsim_load_strerror(int r);

/* nsim_load_read() then nsim_load_buffer() (a read error is also reported in
 * diags, at the file). Returns as those. */
_must_check_ int nsim_load_file(const char *path, struct nsim_diags *diags, struct nsim_topology **ret_topo);

/* As nsim_load_file(), and on success also hands out the text read in
 * *ret_text (NUL-terminated, owned by the caller). */
_must_check_ int nsim_load_file_text(const char *path, struct nsim_diags *diags, struct nsim_topology **ret_topo,
			char **ret_text);
