/* SPDX-License-Identifier: MIT */
/* The state dir's defences, without root: symlinks and wide modes refused,
 * files never written or read through a planted symlink. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "instance/instance-internal.h"
#include "instance/instance.h"

static char base[64];

static const char *at(const char *rel)
{
	static char paths[4][128];
	static unsigned next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof(paths[0]), "%s/%s", base, rel);
	return p;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void assert_text(const char *path, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, text);
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/netsim-unit-XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_root_created_private(void **state)
{
	(void)state;
	setenv("NETSIM_STATE_DIR", at("state"), 1);
	assert_string_equal(nsim_instance_state_dir(), at("state"));
	int fd = -1;
	char *error = NULL;
	assert_int_equal(instance_root_open(false, &fd, &error), -ENOENT);
	assert_int_equal(instance_root_open(true, &fd, &error), 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	close(fd);
	/* a relative path is not taken */
	setenv("NETSIM_STATE_DIR", "state", 1);
	assert_string_equal(nsim_instance_state_dir(), NSIM_STATE_DIR_DEFAULT);
}

static void test_root_refused(void **state)
{
	(void)state;
	int fd = -1;
	char *error = NULL;
	assert_int_equal(mkdir(at("real"), 0700), 0);
	assert_int_equal(symlink(at("real"), at("link")), 0);
	setenv("NETSIM_STATE_DIR", at("link"), 1);
	assert_int_equal(instance_root_open(true, &fd, &error), -ELOOP);
	assert_non_null(strstr(error, at("link")));
	assert_non_null(strstr(error, "symbolic link"));
	free(error);

	assert_int_equal(mkdir(at("wide"), 0700), 0);
	assert_int_equal(chmod(at("wide"), 0750), 0);
	setenv("NETSIM_STATE_DIR", at("wide"), 1);
	error = NULL;
	assert_int_equal(instance_root_open(true, &fd, &error), -EPERM);
	assert_non_null(strstr(error, "0700"));
	free(error);

	write_text(at("file"), "x");
	setenv("NETSIM_STATE_DIR", at("file"), 1);
	error = NULL;
	assert_int_equal(instance_root_open(false, &fd, &error), -ENOTDIR);
	free(error);
}

static void test_files_never_through_symlinks(void **state)
{
	(void)state;
	setenv("NETSIM_STATE_DIR", at("s2"), 1);
	int rootfd = -1, dirfd = -1;
	assert_int_equal(instance_root_open(true, &rootfd, NULL), 0);
	assert_int_equal(mkdirat(rootfd, "inst", 0700), 0);
	assert_int_equal(instance_dir_open(rootfd, "inst", &dirfd), 0);

	write_text(at("victim"), "precious");
	/* planted at the temporary name and at the name itself */
	assert_int_equal(symlink(at("victim"), at("s2/inst/state.json.tmp")), 0);
	assert_int_equal(symlink(at("victim"), at("s2/inst/namespaces")), 0);
	char *text = NULL;
	assert_int_equal(instance_file_read(dirfd, "namespaces", &text), -ELOOP);
	assert_int_equal(instance_file_write(dirfd, "state.json", "{}"), 0);
	assert_int_equal(instance_file_write(dirfd, "namespaces", "netsim-inst-a\n"), 0);
	assert_text(at("victim"), "precious");
	assert_text(at("s2/inst/namespaces"), "netsim-inst-a\n");
	struct stat st;
	assert_int_equal(lstat(at("s2/inst/namespaces"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(instance_file_read(dirfd, "state.json", &text), 0);
	assert_string_equal(text, "{}");
	free(text);
	close(dirfd);

	/* an instance dir that is a symlink: refused by every reader */
	assert_int_equal(mkdir(at("elsewhere"), 0700), 0);
	write_text(at("elsewhere/state.json"), "{\"name\": \"planted\"}");
	assert_int_equal(symlinkat(at("elsewhere"), rootfd, "planted"), 0);
	assert_int_equal(instance_dir_open(rootfd, "planted", &dirfd), -ELOOP);
	assert_int_equal(nsim_instance_read_state("planted", &text), -ELOOP);
	assert_int_equal(nsim_instance_read_state("inst", &text), 0);
	free(text);
	assert_int_equal(nsim_instance_read_state("nosuch", &text), -ENOENT);
	assert_int_equal(nsim_instance_read_state("../x", &text), -EINVAL);

	/* listed (so `down --all` can report it), sorted, without the lock dir */
	int lockfd = -1;
	assert_int_equal(instance_lock(rootfd, "inst", &lockfd), 0);
	close(lockfd);
	char **names = NULL;
	size_t n = 0;
	assert_int_equal(nsim_instance_list(&names, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "inst");
	assert_string_equal(names[1], "planted");
	nsim_strv_free(names);
	close(rootfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_created_private),
		cmocka_unit_test(test_root_refused),
		cmocka_unit_test(test_files_never_through_symlinks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
