/* SPDX-License-Identifier: MIT */
/*
 * Hostile files, paths and output (model/fileio.h, report/escape.h,
 * report/state.h): reading refuses what is not a regular file before reading
 * and bounds what it reads; writing never follows a planted symlink and
 * refuses directories other users control; control characters never reach a
 * terminal raw; a corrupt state.json is an error.
 * Works in a temporary directory it removes, pass or fail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "model/fileio.h"
#include "report/escape.h"
#include "report/state.h"

static char tmpdir[] = "/tmp/netsim-test-fileio-XXXXXX";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tmp(const char *name)
{
	static char buf[4][256];
	static int k;
	char *b = buf[k++ % 4];
	snprintf(b, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return b;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *get(const char *path)
{
	char *data = NULL;
	size_t len;
	assert_int_equal(nsim_file_read(path, 1 << 20, &data, &len), 0);
	return data;
}

static void test_read_kinds(void **state)
{
	(void)state;
	char *data = NULL;
	size_t len = 0;

	put(tmp("a.yaml"), "name: a\n");
	assert_int_equal(nsim_file_read(tmp("a.yaml"), 100, &data, &len), 0);
	assert_int_equal(len, 8);
	assert_string_equal(data, "name: a\n");
	free(data);
	data = NULL;

	/* refused before a byte is read, and without blocking */
	assert_int_equal(nsim_file_read("/dev/zero", 100, &data, &len), -EINVAL);
	assert_int_equal(mkfifo(tmp("fifo"), 0600), 0);
	assert_int_equal(nsim_file_read(tmp("fifo"), 100, &data, &len), -EINVAL);
	assert_int_equal(nsim_file_read(tmpdir, 100, &data, &len), -EISDIR);
	assert_int_equal(nsim_file_read(tmp("missing"), 100, &data, &len), -ENOENT);
	assert_null(data);

	/* the limit: by size, and while reading (a /proc file says size 0) */
	put(tmp("big"), "0123456789x");
	assert_int_equal(nsim_file_read(tmp("big"), 10, &data, &len), -EFBIG);
	assert_int_equal(nsim_file_read(tmp("big"), 11, &data, &len), 0);
	free(data);
	data = NULL;
	assert_int_equal(nsim_file_read("/proc/self/maps", 10, &data, &len), -EFBIG);
	assert_null(data);
	assert_int_equal(nsim_file_read("/proc/self/stat", 1 << 16, &data, &len), 0);
	assert_true(len > 10 && strlen(data) == len);
	free(data);
}

static int write_text(FILE *f, const void *userdata)
{
	return fputs(userdata, f) < 0 ? -EIO : 0;
}

static int write_fail(FILE *f, const void *userdata)
{
	(void)userdata;
	fputs("half", f);
	return -ENOSPC;
}

/* A symlink at the output path is neither followed nor replaced (it may be
 * /dev/stdout); a character device or FIFO is written in place, not renamed
 * over (/dev/null must stay a device). */
static void test_write_symlink_planted(void **state)
{
	(void)state;
	put(tmp("outside"), "precious\n");
	assert_int_equal(mkdir(tmp("out"), 0755), 0);
	assert_int_equal(symlink(tmp("outside"), tmp("out/report.xml")), 0);
	assert_int_equal(nsim_file_check_writable(tmp("out/report.xml")), -ELOOP);
	assert_int_equal(nsim_file_write(tmp("out/report.xml"), write_text, "<xml/>\n"), -ELOOP);
	char *s = get(tmp("outside"));
	assert_string_equal(s, "precious\n");
	free(s);
	struct stat st;
	assert_int_equal(lstat(tmp("out/report.xml"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(unlink(tmp("out/report.xml")), 0);

	assert_int_equal(mkfifo(tmp("out/fifo"), 0600), 0);
	assert_int_equal(nsim_file_check_writable(tmp("out/fifo")), 0);
	int rfd = open(tmp("out/fifo"), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(rfd >= 0);
	assert_int_equal(nsim_file_write(tmp("out/fifo"), write_text, "through\n"), 0);
	char buf[16] = {0};
	assert_int_equal(read(rfd, buf, sizeof(buf) - 1), 8);
	assert_string_equal(buf, "through\n");
	close(rfd);
	assert_int_equal(lstat(tmp("out/fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(unlink(tmp("out/fifo")), 0);
	assert_int_equal(nsim_file_write("/dev/null", write_text, "x"), 0);
	assert_int_equal(lstat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));

	assert_int_equal(nsim_file_write(tmp("out/report.xml"), write_text, "<xml/>\n"), 0);
	assert_int_equal(lstat(tmp("out/report.xml"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0644);
	s = get(tmp("out/report.xml"));
	assert_string_equal(s, "<xml/>\n");
	free(s);

	/* a failed write leaves the old file and no temporary file */
	assert_int_equal(nsim_file_write(tmp("out/report.xml"), write_fail, NULL), -ENOSPC);
	s = get(tmp("out/report.xml"));
	assert_string_equal(s, "<xml/>\n");
	free(s);
	DIR *dir = opendir(tmp("out"));
	assert_non_null(dir);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(dir));)
		if (e->d_name[0] != '.' || strncmp(e->d_name, ".netsim-", 8) == 0)
			n++;
	closedir(dir);
	assert_int_equal(n, 1); /* report.xml alone */

	/* a symlink as the directory itself is refused */
	assert_int_equal(symlink(tmp("out"), tmp("dirlink")), 0);
	int dfd = -1;
	bool shared;
	assert_int_equal(nsim_file_open_dir(tmp("dirlink"), true, &dfd, &shared), -ELOOP);
	assert_int_equal(nsim_file_write(tmp("dirlink/x"), write_text, "x"), -ELOOP);
	assert_int_equal(nsim_file_check_writable(tmp("dirlink/x")), -ELOOP);
	assert_int_equal(nsim_file_check_writable(tmp("nodir/x")), -ENOENT);
	assert_int_equal(nsim_file_check_writable(tmp("out/new.xml")), 0);
	assert_int_equal(nsim_file_check_writable(tmp("out")), -EISDIR);
	assert_int_equal(nsim_file_check_writable(tmp("out/")), -EISDIR);
	assert_int_equal(nsim_file_write(tmp("out/"), write_text, "x"), -EINVAL);
}

/* Writable by others: refused unless sticky, and then only new files. */
static void test_write_shared_dirs(void **state)
{
	(void)state;
	int dfd = -1;
	bool shared = true;
	assert_int_equal(mkdir(tmp("own"), 0755), 0);
	assert_int_equal(nsim_file_open_dir(tmp("own"), false, &dfd, &shared), 0);
	assert_false(shared);
	close(dfd);
	assert_int_equal(nsim_file_open_dir(tmp("made"), true, &dfd, &shared), 0);
	close(dfd);

	assert_int_equal(mkdir(tmp("open"), 0755), 0);
	assert_int_equal(chmod(tmp("open"), 0777), 0);
	assert_int_equal(nsim_file_open_dir(tmp("open"), false, &dfd, &shared), -EPERM);
	assert_int_equal(nsim_file_write(tmp("open/x"), write_text, "x"), -EPERM);

	assert_int_equal(chmod(tmp("open"), 01777), 0);
	assert_int_equal(nsim_file_open_dir(tmp("open"), false, &dfd, &shared), 0);
	assert_true(shared);
	close(dfd);
	assert_int_equal(nsim_file_write(tmp("open/x"), write_text, "x"), 0);
	/* an existing name (maybe planted) is not replaced there */
	assert_int_equal(nsim_file_write(tmp("open/x"), write_text, "y"), -EEXIST);
	assert_int_equal(symlink("/etc/passwd", tmp("open/planted")), 0);
	assert_int_equal(nsim_file_write(tmp("open/planted"), write_text, "y"), -EEXIST);
	assert_int_equal(nsim_file_check_writable(tmp("open/planted")), -EEXIST);

	/* owned by another user (only root can make one) */
	if (geteuid() == 0) {
		assert_int_equal(mkdir(tmp("theirs"), 0755), 0);
		assert_int_equal(chown(tmp("theirs"), 65534, 65534), 0);
		assert_int_equal(nsim_file_open_dir(tmp("theirs"), false, &dfd, &shared), -EPERM);
		assert_int_equal(nsim_file_write(tmp("theirs/x"), write_text, "x"), -EPERM);
		assert_int_equal(access(tmp("theirs/x"), F_OK), -1);
		/* ... unless that user is the one who ran sudo */
		setenv("SUDO_UID", "65534", 1);
		assert_int_equal(nsim_file_open_dir(tmp("theirs"), false, &dfd, &shared), 0);
		close(dfd);
		setenv("SUDO_UID", "65533", 1);
		assert_int_equal(nsim_file_open_dir(tmp("theirs"), false, &dfd, &shared), -EPERM);
		unsetenv("SUDO_UID");
	}
	assert_non_null(strstr(nsim_file_strerror(-EPERM), "owned by another user"));
	assert_string_equal(nsim_file_strerror(-EINVAL), "not a regular file");
}

static void test_escape(void **state)
{
	(void)state;
	char buf[64];
	const char *clean = "fn → db:3306/tcp";
	assert_ptr_equal(nsim_report_escaped(clean, buf, sizeof(buf)), clean);
	assert_null(nsim_report_escaped(NULL, buf, sizeof(buf)));
	assert_string_equal(nsim_report_escaped("a\033[2J\a\r\n\t\x01\x7f", buf, sizeof(buf)),
			    "a\\e[2J\\a\\r\\n\\t\\x01\\x7f");
	/* C1 controls in UTF-8 (U+009B is CSI to some terminals) */
	assert_string_equal(nsim_report_escaped("x\xc2\x9b" "1m\xc2\xa0", buf, sizeof(buf)), "x\\u009b1m\xc2\xa0");
	/* too long for the buffer: cut, visibly */
	char small[12];
	assert_string_equal(nsim_report_escaped("\033\033\033\033\033\033", small, sizeof(small)), "\\e\\e\\e\\e...");
	char *d = nsim_report_escape_dup("\033]0;title\a");
	assert_string_equal(d, "\\e]0;title\\a");
	free(d);

	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	nsim_report_fputs_escaped(f, "ok \033 ok\xc2\x85");
	fclose(f);
	assert_string_equal(out, "ok \\e ok\\u0085");
	free(out);
}

static void test_state_parse(void **state)
{
	(void)state;
	json_t *j = NULL;
	char *error = NULL;
	const char *good = "{\"topology\": \"/t.yaml\", \"hosts\": [{\"name\": \"a\", \"kind\": \"host\", "
			   "\"where\": \"v/s\", \"address\": \"10.0.1.4\", \"namespace\": \"netsim-x-a\", "
			   "\"public_ip\": null}]}";
	assert_int_equal(nsim_report_state_parse(good, &j, &error), 0);
	assert_non_null(j);
	json_decref(j);

	static const char *const bad[][2] = {
		{"", "not valid JSON"},
		{"{\"topology\": \"/t.yaml\", \"hos", "not valid JSON: line 1"},
		{"[]", "not a JSON object"},
		{"{\"hosts\": []}", "no string \"topology\""},
		{"{\"topology\": 1, \"hosts\": []}", "no string \"topology\""},
		{"{\"topology\": \"t\"}", "no list \"hosts\""},
		{"{\"topology\": \"t\", \"hosts\": [1]}", "hosts[0] is not an object"},
		{"{\"topology\": \"t\", \"hosts\": [{\"name\": \"a\"}]}", "hosts[0] has no string \"kind\""},
		{"{\"topology\": \"t\", \"topology\": \"u\", \"hosts\": []}", "duplicate"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = NULL;
		error = NULL;
		assert_int_equal(nsim_report_state_parse(bad[i][0], &j, &error), -EINVAL);
		assert_null(j);
		assert_non_null(error);
		if (!strstr(error, bad[i][1]))
			fail_msg("%s: error '%s' lacks '%s'", bad[i][0], error, bad[i][1]);
		free(error);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_kinds),
		cmocka_unit_test(test_write_symlink_planted),
		cmocka_unit_test(test_write_shared_dirs),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_state_parse),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
