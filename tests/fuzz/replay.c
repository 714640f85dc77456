/* SPDX-License-Identifier: MIT */
/*
 * Runs a fuzz target's entry point over saved inputs without libFuzzer, so
 * every crash the fuzzers found stays fixed in the unit suite (gcc or clang,
 * with or without sanitizers). Arguments: files or directories (every
 * regular file in them). A crash is the failure; the exit code is 0 after
 * all inputs ran, 1 when an input could not be read or none was found.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static int replay_file(int dirfd, const char *path, const char *shown)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (cap - len < 4096) {
			uint8_t *b = realloc(buf, cap + 65536);
			if (!b)
				return -ENOMEM;
			buf = b;
			cap += 65536;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	fprintf(stderr, "replay %s (%zu bytes)\n", shown, len);
	/* libFuzzer hands over a copy of exactly len bytes: so does this */
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of a directory, in name order (a stable log). */
static int replay_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!d)
		return -errno;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 32;
			char **v = realloc(names, c * sizeof(*v));
			if (!v) {
				r = -ENOMEM;
				goto out;
			}
			names = v;
			cap = c;
		}
		if (!(names[n] = strdup(e->d_name))) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n && r == 0; i++) {
		char shown[4096];
		struct stat st;
		snprintf(shown, sizeof(shown), "%s/%s", dir, names[i]);
		if (fstatat(dirfd(d), names[i], &st, 0) < 0)
			r = -errno;
		else if (S_ISREG(st.st_mode)) {
			r = replay_file(dirfd(d), names[i], shown);
			*count += r == 0;
		}
		if (r < 0)
			fprintf(stderr, "replay: error: %s: %s\n", shown, strerror(-r));
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int r;
		if (stat(argv[i], &st) < 0)
			r = -errno;
		else if (S_ISDIR(st.st_mode))
			r = replay_dir(argv[i], &count);
		else {
			r = replay_file(AT_FDCWD, argv[i], argv[i]);
			count += r == 0;
		}
		if (r < 0) {
			fprintf(stderr, "replay: error: %s: %s\n", argv[i], strerror(-r));
			status = 1;
		}
	}
	if (count == 0) {
		fprintf(stderr, "replay: error: no input found\n");
		status = 1;
	}
	printf("replayed %zu inputs\n", count);
	return status;
}
