/* SPDX-License-Identifier: MIT */
/* The state dir: opened without following symlinks, checked before use, one
 * dir fd for every file in it; flock-based locks under ROOT/.lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instance/instance-internal.h"
#include "instance/instance.h"
#include "model/fileio.h"

#define LOCK_DIR ".lock"
#define FILE_MAX (16u << 20)

const char *nsim_instance_state_dir(void)
{
	const char *env = getenv("NETSIM_STATE_DIR");
	return env && env[0] == '/' ? env : NSIM_STATE_DIR_DEFAULT;
}

char *instance_sprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

char *instance_dir_error(int r, const char *path)
{
	switch (r) {
	case -ELOOP:
		return instance_sprintf("%s is a symbolic link: netsim never follows one there; remove it by hand", path);
	case -ENOTDIR:
		return instance_sprintf("%s is not a directory: remove it by hand", path);
	case -EPERM:
		return instance_sprintf("%s is not owned by root or is accessible to other users (it must be mode 0700): "
					"fix or remove it by hand", path);
	default:
		return instance_sprintf("%s: %s", path, strerror(-r));
	}
}

/* Only the owner (us) may write to, or even read, a directory whose files
 * name processes to kill and namespaces to delete. */
static int check_dir(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() || (st.st_mode & 077))
		return -EPERM;
	return 0;
}

static int open_dir_at(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	int r = -errno;
	/* O_DIRECTORY|O_NOFOLLOW on a symlink fails with ENOTDIR on some kernels */
	struct stat st;
	if ((r == -ENOTDIR || r == -ELOOP) && fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISLNK(st.st_mode) ? -ELOOP : -ENOTDIR;
	return r;
}

int instance_root_open(bool create, int *ret_fd, char **ret_error)
{
	const char *path = nsim_instance_state_dir();
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST) {
		int r = -errno;
		if (ret_error)
			*ret_error = instance_sprintf("creating %s: %s", path, strerror(-r));
		return r;
	}
	_cleanup_close_ int fd = open_dir_at(AT_FDCWD, path);
	int r = fd < 0 ? fd : check_dir(fd);
	if (r < 0) {
		if (ret_error && r != -ENOENT)
			*ret_error = instance_dir_error(r, path);
		return r;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int instance_lock(int rootfd, const char *name, int *ret_fd)
{
	if (mkdirat(rootfd, LOCK_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	_cleanup_close_ int dfd = open_dir_at(rootfd, LOCK_DIR);
	if (dfd < 0)
		return dfd;
	int r = check_dir(dfd);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = openat(dfd, name ? name : ".all", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int instance_dir_open(int rootfd, const char *name, int *ret_fd)
{
	_cleanup_close_ int fd = open_dir_at(rootfd, name);
	if (fd < 0)
		return fd;
	int r = check_dir(fd);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int instance_path_open(const char *path, int *ret_fd)
{
	return instance_dir_open(AT_FDCWD, path, ret_fd);
}

int instance_file_read(int dirfd, const char *file, char **ret)
{
	size_t len;
	return nsim_file_read_at(dirfd, file, FILE_MAX, ret, &len);
}

int instance_file_write_via(int dirfd, const char *file, const char *tmp, const char *data, size_t len)
{
	/* a leftover temporary file (a crash) is ours to replace; a symlink there is not followed */
	if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT)
		return -errno;
	_cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = 0;
	for (size_t off = 0; off < len && r == 0;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (r == 0 && renameat(dirfd, tmp, dirfd, file) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return r;
}

int instance_file_write(int dirfd, const char *file, const char *data)
{
	_cleanup_free_ char *tmp = instance_sprintf("%s.tmp", file);
	return tmp ? instance_file_write_via(dirfd, file, tmp, data, strlen(data)) : -ENOMEM;
}
