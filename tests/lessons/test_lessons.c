/* SPDX-License-Identifier: MIT */
/*
 * The tutorial with real packets: `netsim test` on every lesson and every
 * break-it variant of topologies/lessons/ (every expectation holds: a
 * variant's blocked_by names what drops the probe, its intermittent flows
 * are proved so), and every `$ sudo netsim test FILE` block of the pages of
 * docs/tutorial/ compared with a real run: timings, source ports and the
 * instance's name aside, the page shows what netsim prints.
 * NETSIM_UPDATE_GOLDEN=1 rewrites those blocks (review the diff).
 * argv[1]: the netsim binary. Root; exit 77 (skip) when network namespaces
 * can't be made. Run from the source root.
 */
#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/fileio.h"
#include "model/strv.h"
#include "util.h"

#define LESSONS "topologies/lessons"
#define PAGES "docs/tutorial"
#define OUT_MAX (256 * 1024)

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir ending in suffix, sorted; NULL-terminated, caller frees. */
static char **list_dir(const char *dir, const char *suffix)
{
	char **names = NULL;
	size_t n = 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name), sl = strlen(suffix);
		if (len > sl && streq(e->d_name + len - sl, suffix)) {
			names = realloc(names, (n + 2) * sizeof(*names));
			assert_non_null(names);
			names[n++] = strdup(e->d_name);
			names[n] = NULL;
		}
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	return names;
}

/* The topology's `name:` (a top-level key); caller frees. */
static char *topology_name(const char *path)
{
	char *text = netns_read_text(path);
	const char *p = strstr(text, "\nname: ");
	assert_non_null(p);
	p += strlen("\nname: ");
	size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");
	char *name = strndup(p, len);
	free(text);
	return name;
}

/* Runs `netsim test FILE` as instance `suffix`; its output with the
 * instance's name replaced by the topology's (as `sudo netsim test FILE`
 * prints it); caller frees. *ret_status: its exit status. */
static char *lesson_test(const char *file, const char *suffix, int *ret_status)
{
	static char out[OUT_MAX];
	_cleanup_free_ char *path = NULL, *topo = NULL;
	assert_true(asprintf(&path, LESSONS "/%s", file) > 0);
	topo = topology_name(path);
	const char *n = instance(suffix);
	*ret_status = run(out, sizeof(out), "NO_COLOR=1", "test", path, "--name", n, NULL);
	size_t count;
	return netns_replace_all(out, n, topo, &count);
}

/*
 * What may differ between two runs: each time ("12.3 ms"), a source port
 * ("(port 50630)", "10.0.3.20:36320"; the port of an address, whatever the
 * direction: replies carry it as their destination) and so the columns'
 * padding. Returns a new string: numbers before " ms" and ports become N,
 * runs of spaces one space, trailing spaces go.
 */
static char *normalize(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len + 1), *o = out;
	assert_non_null(out);
	for (const char *p = s; *p;) {
		if (!isdigit((unsigned char)*p)) {
			if (*p == ' ' && o > out && o[-1] == ' ') {
				p++;
				continue;
			}
			if (*p == '\n')
				while (o > out && o[-1] == ' ')
					o--;
			*o++ = *p++;
			continue;
		}
		const char *start = p;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '.' && isdigit((unsigned char)p[1]))
			for (p++; isdigit((unsigned char)*p); p++)
				;
		bool time = strncmp(p, " ms", 3) == 0;
		bool port = (start - s >= 6 && strncmp(start - 6, "(port ", 6) == 0) ||
			    (start - s >= 2 && start[-1] == ':' && isdigit((unsigned char)start[-2]) && *p != '/');
		if (time || port)
			*o++ = 'N';
		else {
			memcpy(o, start, (size_t)(p - start));
			o += p - start;
		}
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

/* ---- every lesson and variant ---- */

static void test_every_file(void **state)
{
	(void)state;
	char **files = list_dir(LESSONS, ".yaml");
	size_t n = 0, failed = 0;
	for (char **f = files; f && *f; f++, n++) {
		char suffix[16];
		int status;
		snprintf(suffix, sizeof(suffix), "l%zu", n);
		_cleanup_free_ char *out = lesson_test(*f, suffix, &status);
		if (status != 0) {
			fprintf(stderr, "netsim test " LESSONS "/%s: exit %d:\n%s\n", *f, status, out);
			failed++;
		}
	}
	fprintf(stderr, "netsim test: %zu lessons and variants, %zu failed\n", n, failed);
	assert_true(n >= 12);
	assert_int_equal(failed, 0);
	nsim_strv_free(files);
}

/* ---- the pages' `$ sudo netsim test FILE` blocks ---- */

#define CMD "$ sudo netsim test " LESSONS "/"

static void test_pages(void **state)
{
	(void)state;
	const bool update = getenv("NETSIM_UPDATE_GOLDEN") && streq(getenv("NETSIM_UPDATE_GOLDEN"), "1");
	char **pages = list_dir(PAGES, ".md");
	size_t n_blocks = 0, failed = 0;
	for (char **pg = pages; pg && *pg; pg++) {
		_cleanup_free_ char *path = NULL;
		assert_true(asprintf(&path, PAGES "/%s", *pg) > 0);
		char *text = netns_read_text(path);
		bool changed = false;
		/* each command line; its output runs to the next "$ " line or the block's end */
		for (char *cmd = strstr(text, "\n" CMD); cmd; cmd = strstr(cmd + 1, "\n" CMD)) {
			char *file = cmd + 1 + strlen(CMD), *eol = strchr(file, '\n');
			assert_non_null(eol);
			char *end = eol;
			while (strncmp(end, "\n```", 4) != 0 && strncmp(end, "\n$ ", 3) != 0 && *end)
				end = strchr(end + 1, '\n') ? strchr(end + 1, '\n') : end + strlen(end);
			_cleanup_free_ char *name = strndup(file, (size_t)(eol - file));
			_cleanup_free_ char *want = strndup(eol + 1, end > eol ? (size_t)(end - eol - 1) : 0);
			char suffix[16];
			int status;
			snprintf(suffix, sizeof(suffix), "p%zu", n_blocks++);
			_cleanup_free_ char *got = lesson_test(name, suffix, &status);
			size_t gl = strlen(got);
			while (gl && got[gl - 1] == '\n')
				got[--gl] = '\0';
			if (update) {
				char *nt = NULL;
				assert_true(asprintf(&nt, "%.*s%s%s", (int)(eol + 1 - text), text, got, end) > 0);
				size_t at = (size_t)(cmd - text);
				free(text);
				text = nt;
				cmd = text + at;
				changed = true;
				continue;
			}
			_cleanup_free_ char *nw = normalize(want), *ng = normalize(got);
			if (status != 0 || !streq(nw, ng)) {
				fprintf(stderr, "%s: `sudo netsim test %s` (exit %d) prints something else now "
						"(NETSIM_UPDATE_GOLDEN=1 rewrites the page):\n--- the page\n%s\n--- now\n%s\n",
					path, name, status, nw, ng);
				failed++;
			}
		}
		if (changed) {
			int r = nsim_file_write(path, nsim_file_text, text);
			if (r < 0)
				fail_msg("writing %s: %s", path, nsim_file_strerror(r));
		}
		free(text);
	}
	fprintf(stderr, "pages: %zu `sudo netsim test` blocks, %zu differ\n", n_blocks, failed);
	assert_true(n_blocks >= 6);
	assert_int_equal(failed, 0);
	nsim_strv_free(pages);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_file),
		cmocka_unit_test(test_pages),
	};
	r = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup_all();
	return r;
}
