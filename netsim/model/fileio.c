/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/fileio.h"

static int read_all(int dir_fd, const char *path, int flags, size_t max, char **ret_data, size_t *ret_len)
{
	bool is_stdin = dir_fd == AT_FDCWD && streq(path, "-");
	/* O_NONBLOCK: opening a FIFO with no writer would wait forever */
	_cleanup_close_ int fd = is_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
					  : openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | flags);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!is_stdin && !S_ISREG(st.st_mode))
		return -EINVAL;
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max)
		return -EFBIG;

	/* /proc files say size 0 and files can grow while read: grow, up to max + 1 */
	size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, len = 0;
	if (cap > max + 1)
		cap = max + 1;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > max)
				return -EFBIG;
			size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			char *nbuf = realloc(buf, ncap + 1);
			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) { /* standard input left non-blocking by someone else */
				struct pollfd p = {.fd = fd, .events = POLLIN};
				if (poll(&p, 1, -1) < 0 && errno != EINTR)
					return -errno;
				continue;
			}
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max)
		return -EFBIG;
	buf[len] = '\0';
	*ret_data = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int nsim_file_read(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
	return read_all(AT_FDCWD, path, 0, max, ret_data, ret_len);
}

int nsim_file_read_at(int dir_fd, const char *name, size_t max, char **ret_data, size_t *ret_len)
{
	return read_all(dir_fd, name, O_NOFOLLOW, max, ret_data, ret_len);
}

/* The user who ran `sudo netsim`: a directory of theirs is safe for root to
 * write to, since they could run anything as root already. (uid_t)-1: none. */
static uid_t sudo_uid(void)
{
	const char *s = geteuid() == 0 ? getenv("SUDO_UID") : NULL;
	char *end;
	if (!s || !*s)
		return (uid_t)-1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	return *end || errno || v >= (uid_t)-1 ? (uid_t)-1 : (uid_t)v;
}

/* Owned by the caller, root or the user who ran sudo, and writable by nobody
 * else unless sticky. */
static int check_dir(int fd, bool *ret_sticky_shared)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() && st.st_uid != 0 && st.st_uid != sudo_uid())
		return -EPERM;
	bool shared = st.st_mode & (S_IWGRP | S_IWOTH);
	if (shared && !(st.st_mode & S_ISVTX))
		return -EPERM;
	*ret_sticky_shared = shared;
	return 0;
}

int nsim_file_open_dir(const char *path, bool create, int *ret_fd, bool *ret_sticky_shared)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	_cleanup_close_ int fd = open(path, flags);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		fd = open(path, flags);
	}
	if (fd < 0) {
		int r = -errno;
		struct stat st;
		/* O_DIRECTORY|O_NOFOLLOW on a symlink to a directory says ENOTDIR */
		if (r == -ENOTDIR && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return -ELOOP;
		return r;
	}
	bool sticky_shared = false;
	int r = check_dir(fd, &sticky_shared);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	*ret_sticky_shared = sticky_shared;
	return 0;
}

/* Runs write on f, then flushes and closes f (always): the writer's error,
 * else the first error of the stream, the flush or the close. */
static int write_and_close(FILE *f, nsim_file_writer write, const void *userdata)
{
	int r = write(f, userdata);
	if (fflush(f) != 0 && r == 0)
		r = -errno;
	if (ferror(f) && r == 0)
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

/* Writes into the character device or FIFO `name` (as stat'ed in *seen)
 * itself, never through a symlink and only if it is still that file. */
static int write_in_place(int dir_fd, const char *name, const struct stat *seen, nsim_file_writer write,
			  const void *userdata)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_ino != seen->st_ino || st.st_dev != seen->st_dev ||
	    (st.st_mode & S_IFMT) != (seen->st_mode & S_IFMT)) {
		close(fd);
		return -EAGAIN;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int r = -errno;
		close(fd);
		return r;
	}
	return write_and_close(f, write, userdata);
}

int nsim_file_write_at(int dir_fd, bool sticky_shared, const char *name, nsim_file_writer write,
		       const void *userdata)
{
	if (!*name || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
		return -EINVAL;
	if (sticky_shared && faccessat(dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	struct stat st;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* renaming over a symlink or a device would replace what the
		 * user's system relies on (/dev/stdout, /dev/null): a symlink is
		 * refused, a character device or FIFO written in place */
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
			return write_in_place(dir_fd, name, &st, write, userdata);
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
	}

	char tmp[NAME_MAX + 1];
	int fd = -1;
	for (int tries = 0; fd < 0 && tries < 16; tries++) {
		uint64_t rnd = 0;
		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
			rnd = (uint64_t)getpid() * 2654435761u + (uint64_t)tries;
		snprintf(tmp, sizeof(tmp), ".netsim-%016llx.tmp", (unsigned long long)rnd);
		fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	/* the umask must not make evidence unreadable to the user who asked for it */
	int r = fchmod(fd, 0644) < 0 ? -errno : 0;
	FILE *f = r < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		if (r == 0)
			r = -errno;
		close(fd);
		goto fail;
	}
	r = write_and_close(f, write, userdata);
	if (r < 0)
		goto fail;
	if (sticky_shared) {
		if (renameat2(dir_fd, tmp, dir_fd, name, RENAME_NOREPLACE) < 0) {
			r = -errno;
			goto fail;
		}
	} else if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	(void)unlinkat(dir_fd, tmp, 0);
	return r;
}

/* The directory part of path ("." when none) and its last component. */
static int split_path(const char *path, char **ret_dir, const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	char *dir = !slash ? strdup(".") : slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	*ret_dir = dir;
	*ret_name = slash ? slash + 1 : path;
	return 0;
}

int nsim_file_write(const char *path, nsim_file_writer write, const void *userdata)
{
	_cleanup_free_ char *dir = NULL;
	const char *name;
	int r = split_path(path, &dir, &name);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = -1;
	bool sticky_shared;
	if ((r = nsim_file_open_dir(dir, false, &dfd, &sticky_shared)) < 0)
		return r;
	return nsim_file_write_at(dfd, sticky_shared, name, write, userdata);
}

int nsim_file_check_writable(const char *path)
{
	_cleanup_free_ char *dir = NULL;
	const char *name;
	int r = split_path(path, &dir, &name);
	if (r < 0)
		return r;
	if (!*name || streq(name, ".") || streq(name, ".."))
		return -EISDIR;
	_cleanup_close_ int dfd = -1;
	bool sticky_shared;
	if ((r = nsim_file_open_dir(dir, false, &dfd, &sticky_shared)) < 0)
		return r;
	if (faccessat(dfd, ".", W_OK | X_OK, AT_EACCESS) < 0)
		return -errno;
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (sticky_shared)
			return -EEXIST;
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
			return -EINVAL;
	}
	return 0;
}

const char *nsim_file_strerror(int r)
{
	switch (r) {
	case -EINVAL:
		return "not a regular file";
	case -EISDIR:
		return "is a directory";
	case -EFBIG:
		return "too large";
	case -ELOOP:
		return "is a symlink: netsim neither follows nor replaces a symlink where it writes";
	case -EPERM:
		return "owned by another user, or writable by others and not sticky: netsim does not write where "
		       "another user could swap its files; use a directory owned by you or root, or a new path";
	case -EEXIST:
		return "exists in a directory others can write to (sticky, like /tmp): netsim writes only new files "
		       "there; remove it or choose a new name";
	default:
		return strerror(-r);
	}
}

const char *nsim_file_limit_value(const char *path, char buf[static 32])
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	long long v;
	buf[0] = '\0';
	if (f && fscanf(f, "%lld", &v) == 1)
		snprintf(buf, 32, " = %lld", v);
	return buf;
}

int nsim_file_text(FILE *f, const void *text)
{
	return fputs(text, f) < 0 ? -EIO : 0;
}
