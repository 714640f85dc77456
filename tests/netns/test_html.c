/* SPDX-License-Identifier: MIT */
/*
 * The HTML report in a real browser: `netsim test topologies/serverless-backend.yaml
 * --html F --pcap D` as a user runs it, then headless Chromium renders F and
 * takes a screenshot. The page must be well-formed, self-contained (no
 * script, no URL fetched), link pcap files that exist, render without a
 * script error on the console, and the screenshot must not be blank (many
 * distinct colours: the diagram's groups, the flows, the table). argv[1]:
 * the netsim binary. Root; exit 77 (skip) otherwise, or when Chromium
 * cannot start. Also `graph NAME --flows` after a check: the flows the
 * network showed. Run from the source root.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

static char out[256 * 1024];

static const char *chromium_path(void)
{
	static const char *const paths[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"};
	for (size_t i = 0; i < ELEMENTSOF(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* Runs argv with stdout and stderr into file log; waits for it to end (at
 * most timeout_ms: then it and its process group are killed, by PID).
 * Returns its exit status, 128+signal, or -1 when it was killed. */
static int run_logged(const char *const argv[], const char *log, int timeout_ms)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd);
	setpgid(pid, pid);
	int tracked = netns_track_child(pid);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int status = 0;
	bool killed = false;
	if (pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		int n;
		while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		if (n == 0) {
			kill(-pid, SIGKILL);
			killed = true;
		}
		close(pidfd);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (tracked == 0)
		netns_untrack_child(pid);
	if (killed)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_report_renders(void **state)
{
	(void)state;
	const char *chromium = chromium_path();
	char html[512], pcap[512], shot[512], log[512], ud[512], url[600], shot_arg[600], ud_arg[600];
	snprintf(html, sizeof(html), "%s/report.html", netns_tmpdir());
	snprintf(pcap, sizeof(pcap), "%s/pcap", netns_tmpdir());
	snprintf(shot, sizeof(shot), "%s/report.png", netns_tmpdir());
	snprintf(log, sizeof(log), "%s/chromium.log", netns_tmpdir());
	snprintf(ud, sizeof(ud), "%s/chromium-profile", netns_tmpdir());

	if (!chromium) {
		printf("skip: chromium is not installed (scripts/setup installs it)\n");
		exit(77);
	}
	int r = run(out, sizeof(out), NULL, "test", "topologies/serverless-backend.yaml", "--name", instance("html"),
		    "--html", html, "--pcap", pcap, NULL);
	netns_expect_output(out, r, 0, "11 passed, 0 failed");

	/* the page as written: well-formed, self-contained, its pcap links real */
	char *page = netns_read_text(html);
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "src="));
	assert_null(strstr(page, "@import"));
	assert_non_null(strstr(page, "<svg"));
	assert_non_null(strstr(page, "only the proxy reaches the DB"));
	assert_non_null(strstr(page, "SG_INGRESS_NO_RULE"));
	const char *a = strstr(page, "href=\"pcap/");
	assert_non_null(a);
	char rel[256], path[800];
	const char *end = strchr(a + 6, '"');
	assert_non_null(end);
	snprintf(rel, sizeof(rel), "%.*s", (int)(end - a - 6), a + 6);
	snprintf(path, sizeof(path), "%s/%s", netns_tmpdir(), rel);
	struct stat st;
	if (stat(path, &st) < 0 || st.st_size <= 24) {
		fprintf(stderr, "the page links %s, which is not a pcap file with packets\n", path);
		fail();
	}
	free(page);

	/* the same page in a real browser */
	snprintf(url, sizeof(url), "file://%s", html);
	snprintf(shot_arg, sizeof(shot_arg), "--screenshot=%s", shot);
	snprintf(ud_arg, sizeof(ud_arg), "--user-data-dir=%s", ud);
	const char *argv[] = {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--disable-extensions", "--enable-logging=stderr", "--v=0", ud_arg, shot_arg,
			"--window-size=1280,2000", url, NULL};
	r = run_logged(argv, log, 120000);
	char *text = netns_read_text(log);
	if (r != 0 || stat(shot, &st) < 0) {
		printf("skip: chromium cannot start or render (exit %d):\n%s\n", r, text);
		free(text);
		exit(77);
	}
	if (strstr(text, "Uncaught") || strstr(text, "CONSOLE")) {
		fprintf(stderr, "the page logged to the console:\n%s\n", text);
		fail();
	}
	free(text);

	/* not blank: count the screenshot's distinct colours (python3's zlib
	 * decodes the PNG) */
	const char *py[] = {"/usr/bin/python3", "tests/netns/png_colors.py", shot, NULL};
	snprintf(log, sizeof(log), "%s/colors.txt", netns_tmpdir());
	r = run_logged(py, log, 60000);
	text = netns_read_text(log);
	long colors = strtol(text, NULL, 10);
	if (r != 0 || colors < 50) {
		fprintf(stderr, "the screenshot looks blank (exit %d): %s\n", r, text);
		fail();
	}
	printf("ok: the report rendered in Chromium, %ld distinct colours\n", colors);
	free(text);
}

/* graph NAME --flows: the flows of the instance's last check (what the
 * network did), not the model's; before any check, the model's, and it says so */
static void test_graph_last_check(void **state)
{
	(void)state;
	const char *n = instance("graph");
	up("topologies/serverless-backend.yaml", n);
	int r = run(out, sizeof(out), NULL, "graph", n, "--flows", "--format", "mermaid", NULL);
	netns_expect_output(out, r, 0, "flows from the model (netsim analyze): the instance has not been checked");
	r = run(out, sizeof(out), NULL, "check", n, "--only", "only the proxy*", NULL);
	netns_expect_output(out, r, 0, "1 passed, 0 failed");
	r = run(out, sizeof(out), NULL, "graph", n, "--flows", "--format", "mermaid", NULL);
	netns_expect_output(out, r, 0, "flows from the last check of the instance");
	/* the one expectation checked, blocked where the network's drop log said */
	netns_expect_output(out, r, 0, "host_fn -->|\"3306/tcp SG_INGRESS_NO_RULE at db-sg\"| host_db");
	assert_null(strstr(out, "host_fn -->|\"3306/tcp\"| host_proxy"));
	down(n);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_graph_last_check),
		/* last: it ends the run with 77 where Chromium cannot start */
		cmocka_unit_test(test_report_renders),
	};
	return cmocka_run_group_tests_name("the HTML report in Chromium", tests, NULL, NULL);
}
