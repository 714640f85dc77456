/* SPDX-License-Identifier: MIT */
/* Shared between the files of instance/; not part of the public interface. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "model/util.h"

/* Opens the state dir (nsim_instance_state_dir()), creating it (0700) when
 * `create`. Refuses, with *ret_error naming it: a symlink (-ELOOP), not a
 * directory (-ENOTDIR), owned by another user or with any group/other
 * permission (-EPERM). -ENOENT when it does not exist and !create. */
_must_check_ int instance_root_open(bool create, int *ret_fd, char **ret_error);
/* An exclusive flock on ROOT/.lock/NAME (NULL: the global lock ROOT/.lock/.all),
 * blocking until it is ours. The lock files stay: removing one while another
 * process waits on it would give two holders. */
_must_check_ int instance_lock(int rootfd, const char *name, int *ret_fd);
/* Opens ROOT/NAME without following a symlink and checks it as the root:
 * -ENOENT, -ELOOP (a symlink), -ENOTDIR, -EPERM (owner or mode). */
_must_check_ int instance_dir_open(int rootfd, const char *name, int *ret_fd);
/* Opens the directory at path, not through a symlink (its last component),
 * checked as instance_dir_open() does. */
_must_check_ int instance_path_open(const char *path, int *ret_fd);
/* Reads dirfd/file (not through a symlink, at most 16 MiB) as a string. */
_must_check_ int instance_file_read(int dirfd, const char *file, char **ret);
/* Writes dirfd/file (0600) through FILE.tmp and a rename, so a reader (or a
 * crash) never sees half a file; never follows a symlink. */
_must_check_ int instance_file_write(int dirfd, const char *file, const char *data);
/* The same for data[0..len), through the temporary name tmp (in dirfd), which
 * it removes on failure. */
_must_check_ int instance_file_write_via(int dirfd, const char *file, const char *tmp, const char *data, size_t len);
/* Sentence for a refused state dir or instance dir (caller frees), NULL on ENOMEM. */
char *instance_dir_error(int r, const char *path);
char *instance_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct nsim_plan;
/*
 * `up`'s last step (instance/services.c): writes the files of
 * p->processes into dirfd (the state dir placeholder NSIM_PLAN_STATE_DIR
 * replaced by dir_path, the instance's absolute state dir), starts every
 * process (resolvers first, then services; recorded, logged to NAME.log), and
 * waits until each one's ready ports accept connections (bounded by its
 * ready_timeout_ms, default 15 s). 0, or -errno with *ret_error (the tail of
 * the log of a process that never became ready); what was started stays
 * recorded, for the rollback.
 */
_must_check_ int instance_start_processes(const struct nsim_plan *p, int dirfd, const char *dir_path,
					  char **ret_error);
/* The last `lines` lines of dirfd/file, indented, or NULL (no such file, ENOMEM). */
char *instance_file_tail(int dirfd, const char *file, size_t lines);
