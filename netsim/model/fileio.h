/* SPDX-License-Identifier: MIT */
/*
 * Whole files in and out, the one place that does either.
 *
 * Reading takes a regular file or standard input only, and enforces its size
 * limit while reading: /dev/zero, a FIFO or a directory are refused before a
 * byte is read, and the open cannot block (O_NONBLOCK).
 *
 * Writing is for output paths given by the user, often as root into a
 * directory another user can write to: the data goes to a new temporary file
 * (O_CREAT|O_EXCL|O_NOFOLLOW, 0644) in the target's directory, opened
 * O_DIRECTORY|O_NOFOLLOW, and is renamed over the target (renameat), so a
 * planted symlink is replaced, never followed, and a reader never sees half a
 * file.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model/util.h"

/*
 * Reads all of `path` ("-": standard input, which may be a pipe or terminal)
 * into *ret_data (NUL-terminated, owned by the caller) and its length into
 * *ret_len. Never reads more than max + 1 bytes.
 * Returns 0, or -ENOMEM, -EISDIR (a directory), -EINVAL (not a regular
 * file: a device, FIFO or socket), -EFBIG (more than max bytes), or the
 * -errno of open/read (-ENOENT, -EACCES, ...).
 */
_must_check_ int nsim_file_read(const char *path, size_t max, char **ret_data, size_t *ret_len);
/* The same for `name` in the directory open at dir_fd, never through a
 * symlink (-ELOOP); "-" is a file name here. */
_must_check_ int nsim_file_read_at(int dir_fd, const char *name, size_t max, char **ret_data, size_t *ret_len);

/*
 * Opens directory `path` to write output files into, creating it (0755) when
 * `create` and it does not exist. Refuses a symlink as the last component
 * (-ELOOP), what is not a directory (-ENOTDIR), a directory owned by another
 * user than the caller or root (-EPERM), and one writable by group or others
 * unless it is sticky (-EPERM). *ret_sticky_shared says files written there
 * must be new (a sticky directory others can write to, like /tmp).
 * Returns 0 and the descriptor in *ret_fd (owned by the caller), or -errno.
 */
_must_check_ int nsim_file_open_dir(const char *path, bool create, int *ret_fd, bool *ret_sticky_shared);

/* Writes the content of the file to f; returns 0 or -errno. */
typedef int (*nsim_file_writer)(FILE *f, const void *userdata);
/* The writer of a file holding one string: userdata is the NUL-terminated text. */
_must_check_ int nsim_file_text(FILE *f, const void *text);

/*
 * Writes file `name` (no '/') in the directory open at dir_fd: a temporary
 * file is created there, filled by `write`, flushed, and renamed over `name`;
 * in a sticky shared directory only a new `name` is written (-EEXIST if it
 * exists). An existing character device or FIFO (`-o /dev/null`) is written
 * in place; a symlink is neither followed nor replaced (-ELOOP), a directory
 * is -EISDIR, another kind of file -EINVAL. On any failure the temporary file
 * is removed and `name` is left as it was. Returns 0, -EINVAL (bad name), or
 * the -errno of `write` or of the file operations.
 */
_must_check_ int nsim_file_write_at(int dir_fd, bool sticky_shared, const char *name, nsim_file_writer write,
				    const void *userdata);

/*
 * nsim_file_write_at() for a path: its directory (which must exist) is opened
 * and checked as nsim_file_open_dir() does. Returns as those two.
 */
_must_check_ int nsim_file_write(const char *path, nsim_file_writer write, const void *userdata);

/*
 * Checks, before any work, that `path` can be written by nsim_file_write():
 * its directory exists and passes nsim_file_open_dir()'s checks, and is
 * writable, and `path` is absent, a regular file, a character device or a
 * FIFO. Returns 0 or -errno as nsim_file_open_dir(), -EACCES, -EISDIR,
 * -ELOOP (a symlink) or -EINVAL (another kind of file).
 */
_must_check_ int nsim_file_check_writable(const char *path);

/* A sentence for an error of the functions above ("not a regular file", ...). */
const char *nsim_file_strerror(int r);

/* " = N", N the number in the file at path (a /proc/sys limit), or "" when it
 * cannot be read (at the system's file limit, for one): for sentences that
 * name a kernel limit. Returns buf. */
const char *nsim_file_limit_value(const char *path, char buf[static 32]);
