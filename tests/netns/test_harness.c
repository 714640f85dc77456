/* SPDX-License-Identifier: MIT */
/*
 * The netns harness itself (util.c): a test process that made an instance
 * (with its responder), an instance in its private state dir, a namespace
 * through apply/ and a temporary directory ends mid-run, by SIGTERM while netsim runs, by SIGKILL, by abort() or by a
 * plain exit; afterwards nothing it made remains: no namespace, no state, no
 * file, no process. The victim is this binary again (--victim MODE FIFO); this
 * process is its subreaper, so every orphan comes back here to be counted.
 * argv[1]: the netsim binary. Root; exit 77 (skip) otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "apply/apply.h"
#include "util.h"

static const char *self;
static const char *topology = "topologies/minimal.yaml";

/* ---- the victim ------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void write_line(const char *fifo, const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(fifo, "we");
	if (!f)
		exit(3);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* NETSIM_STATE_DIR=netns_state_dir(), for run()'s env */
static const char *state_env(void)
{
	static char env[PATH_MAX + 32];
	snprintf(env, sizeof(env), "NETSIM_STATE_DIR=%s", netns_state_dir());
	return env;
}

/* Makes one of each thing the harness removes, tells the test where they
 * are, then ends as `mode` says. */
static int victim(const char *mode, const char *fifo)
{
	struct nsim_apply *ctx = NULL;
	char file[PATH_MAX], private[32], out[8192];

	const char *n = instance("v");
	up(topology, n);
	/* one the guardian removes with `down --all` in the state dir */
	snprintf(private, sizeof(private), "%sp", netns_name_prefix());
	if (run(out, sizeof(out), state_env(), "up", topology, "--name", private, NULL) != 0) {
		fprintf(stderr, "%s\n", out);
		return 3;
	}
	const char *ns = netns_namespace("vraw");
	if (nsim_apply_new(NULL, NULL, &ctx) < 0 ||
	    nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NETNS, .ns = ns}, 1, NULL) < 0)
		return 3;
	nsim_apply_free(ctx);
	snprintf(file, sizeof(file), "%s/made", netns_tmpdir());
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return 3;
	close(fd);
	write_line(fifo, "%s %s %s %s\n", n, ns, netns_tmpdir(), private);

	if (streq(mode, "term")) {
		/* netsim runs (a shell inside the instance, which says its PID)
		 * when the test's SIGTERM comes */
		char script[PATH_MAX + 64];
		snprintf(script, sizeof(script), "echo $$ > %s; exec sleep 600", fifo);
		run(NULL, 0, NULL, "exec", n, "client", "--", "sh", "-c", script, NULL);
		return 4; /* not reached: the signal ends this process */
	}
	/* stdin is a pipe the test closes when it has seen what was made
	 * ("exit", "abort"), or never ("kill": SIGKILL comes first) */
	char b;
	while (read(0, &b, 1) < 0 && errno == EINTR)
		;
	if (streq(mode, "abort"))
		abort();
	return streq(mode, "exit") ? 0 : 4;
}

/* ---- the test --------------------------------------------------------- */

/* The fifo the victim (and what it runs) writes lines to. The test holds a
 * write end too, so the reader never sees end of file between writers. */
struct fifo {
	int rd, wr;
	char buf[PATH_MAX * 2];
	size_t len;
};

static void fifo_open(struct fifo *f, const char *path)
{
	f->len = 0;
	assert_int_equal(mkfifo(path, 0600), 0);
	f->rd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(f->rd >= 0);
	f->wr = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(f->wr >= 0);
}

static void fifo_close(struct fifo *f)
{
	if (f->rd >= 0)
		close(f->rd);
	if (f->wr >= 0)
		close(f->wr);
	f->rd = f->wr = -1;
}

/* The next line, without its newline; fails if the victim ends first. */
static char *fifo_line(struct fifo *f, pid_t victim)
{
	static char line[PATH_MAX * 2];
	int pidfd = (int)syscall(SYS_pidfd_open, victim, 0);
	char *nl;
	assert_true(pidfd >= 0);
	while (!(nl = memchr(f->buf, '\n', f->len))) {
		struct pollfd p[2] = {{.fd = f->rd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		/* the bound only guards against a hang: both are events */
		int n = poll(p, 2, 60000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (!(p[0].revents & POLLIN) && p[1].revents) || f->len == sizeof(f->buf)) {
			close(pidfd);
			fail_msg("the victim ended (or hung) before it wrote a line");
		}
		ssize_t k = read(f->rd, f->buf + f->len, sizeof(f->buf) - f->len);
		if (k > 0)
			f->len += (size_t)k;
	}
	close(pidfd);
	size_t n = (size_t)(nl - f->buf);
	memcpy(line, f->buf, n);
	line[n] = '\0';
	f->len -= n + 1;
	memmove(f->buf, nl + 1, f->len);
	return line;
}

/* Children of this process, orphans of the victim included (the guardian,
 * anything left running): waits for each to end, 10 s at most. Returns how
 * many did not end (those are killed, and named on stderr). */
static int wait_descendants(void)
{
	char path[64], comm[64];
	int left = 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	for (int pid; fscanf(f, "%d", &pid) == 1;) {
		if (pid == netns_guardian())
			continue;
		int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		if (pfd >= 0 && poll(&p, 1, 10000) != 1) {
			snprintf(path, sizeof(path), "/proc/%d/comm", pid);
			FILE *c = fopen(path, "re");
			if (!c || !fgets(comm, sizeof(comm), c))
				snprintf(comm, sizeof(comm), "?\n");
			if (c)
				fclose(c);
			fprintf(stderr, "process %d (%.*s) still running\n", pid, (int)strcspn(comm, "\n"), comm);
			kill(pid, SIGKILL);
			left++;
		}
		if (pfd >= 0)
			close(pfd);
		waitpid(pid, NULL, 0);
	}
	fclose(f);
	return left;
}

static void nothing_left(const char *name, const char *ns, const char *dir, const char *private)
{
	char path[PATH_MAX];
	if (count_namespaces(private)) {
		fprintf(stderr, "left behind: %zu namespaces of %s (in the private state dir)\n",
			count_namespaces(private), private);
		fail();
	}
	nsim_plan_ns_path(path, sizeof(path), ns);
	if (count_namespaces(name) || state_exists(name) || access(path, F_OK) == 0 || access(dir, F_OK) == 0) {
		fprintf(stderr, "left behind: %zu namespaces of %s%s%s%s\n", count_namespaces(name), name,
			state_exists(name) ? ", its state" : "", access(path, F_OK) == 0 ? ", namespace " : "",
			access(path, F_OK) == 0 ? ns : "");
		if (access(dir, F_OK) == 0)
			fprintf(stderr, "left behind: %s\n", dir);
		fail();
	}
	assert_nothing_left(name);
}

/* The running victim, ended by teardown when an assertion left it behind. */
static pid_t victim_pid;
static int victim_stdin = -1;
static struct fifo fifo = {.rd = -1, .wr = -1};

static int teardown(void **state)
{
	(void)state;
	if (victim_pid > 0) {
		kill(victim_pid, SIGKILL);
		waitpid(victim_pid, NULL, 0);
		(void)wait_descendants();
	}
	if (victim_stdin >= 0)
		close(victim_stdin);
	victim_pid = 0;
	victim_stdin = -1;
	fifo_close(&fifo);
	return 0;
}

/* Runs a victim that ends as `mode` says; checks how it ended and that
 * nothing it made remains. */
static void victim_ends(const char *mode, int want_signal)
{
	char path[PATH_MAX], name[64], ns[128], dir[PATH_MAX], private[64];
	int stdin_pipe[2];
	snprintf(path, sizeof(path), "%s/%s.fifo", netns_tmpdir(), mode);
	fifo_open(&fifo, path);
	assert_int_equal(pipe2(stdin_pipe, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(stdin_pipe[0], 0);
		execl(self, self, netsim, "--victim", mode, path, (char *)NULL);
		_exit(127);
	}
	close(stdin_pipe[0]);
	victim_pid = pid;
	victim_stdin = stdin_pipe[1];
	char *made = fifo_line(&fifo, pid);
	if (sscanf(made, "%63s %127s %4095s %63s", name, ns, dir, private) != 4)
		fail_msg("victim said '%s'", made);
	assert_true(count_namespaces(name) > 0 && state_exists(name));
	assert_true(count_namespaces(private) > 0 && !state_exists(private));
	assert_int_equal(access(dir, F_OK), 0);

	pid_t sleeper = 0;
	if (streq(mode, "term")) {
		sleeper = atoi(fifo_line(&fifo, pid));
		assert_true(sleeper > 0);
		assert_int_equal(kill(pid, SIGTERM), 0);
	} else if (streq(mode, "kill")) {
		assert_int_equal(kill(pid, SIGKILL), 0);
	} else {
		close(victim_stdin); /* go on: exit or abort */
		victim_stdin = -1;
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	victim_pid = 0;
	if (want_signal) {
		if (!WIFSIGNALED(status) || WTERMSIG(status) != want_signal)
			fail_msg("victim (%s): status %#x, wanted death by signal %d", mode, status, want_signal);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fail_msg("victim (%s): status %#x, wanted exit 0", mode, status);
	}
	/* a handled signal or an exit cleans before the process ends; SIGKILL
	 * and abort() leave it to the guardian, an orphan now: wait for it */
	if (streq(mode, "term") || streq(mode, "exit"))
		nothing_left(name, ns, dir, private);
	assert_int_equal(wait_descendants(), 0);
	nothing_left(name, ns, dir, private);
	if (sleeper)
		assert_true(kill(sleeper, 0) < 0 && errno == ESRCH);
	fifo_close(&fifo);
	unlink(path);
}

static void test_sigterm_mid_run(void **state)
{
	(void)state;
	victim_ends("term", SIGTERM);
}

static void test_sigkill(void **state)
{
	(void)state;
	victim_ends("kill", SIGKILL);
}

static void test_abort(void **state)
{
	(void)state;
	victim_ends("abort", SIGABRT);
}

static void test_exit(void **state)
{
	(void)state;
	victim_ends("exit", 0);
}

/* Names the harness hands out: unique to the process, valid for netsim. */
static void test_names(void **state)
{
	(void)state;
	char want[32];
	snprintf(want, sizeof(want), "t%d-", (int)getpid() % 100000);
	assert_string_equal(netns_name_prefix(), want);
	const char *a = instance("names-a"), *b = instance("names-b");
	assert_true(strncmp(a, want, strlen(want)) == 0 && streq(a + strlen(want), "names-a"));
	assert_true(nsim_plan_name_valid(a) && nsim_plan_name_valid(b) && !streq(a, b));
	const char *ns = netns_namespace("names");
	assert_true(strncmp(ns, "netsim-", 7) == 0 && streq(ns + 7 + strlen(want), "names"));
	assert_ptr_equal(netns_tmpdir(), netns_tmpdir());
	struct stat st;
	assert_int_equal(stat(netns_tmpdir(), &st), 0);
	assert_true(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
}

/* The private state dir: in the tmpdir, as netsim requires it; cleanup_all()
 * removes its instances and keeps it. */
static void test_state_dir(void **state)
{
	(void)state;
	const char *dir = netns_state_dir();
	char want[PATH_MAX], name[32], out[8192];
	snprintf(want, sizeof(want), "%s/state", netns_tmpdir());
	assert_string_equal(dir, want);
	assert_ptr_equal(netns_state_dir(), dir);
	struct stat st;
	assert_int_equal(lstat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700 && st.st_uid == 0);

	snprintf(name, sizeof(name), "%sstate", netns_name_prefix());
	int r = run(out, sizeof(out), state_env(), "up", topology, "--name", name, NULL);
	if (r != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(r, 0);
	assert_true(count_namespaces(name) > 0 && !state_exists(name));
	snprintf(want, sizeof(want), "%s/%s", dir, name);
	assert_int_equal(access(want, F_OK), 0);
	cleanup_all();
	assert_int_equal(count_namespaces(name), 0);
	assert_true(access(want, F_OK) < 0 && errno == ENOENT);
	assert_int_equal(access(dir, F_OK), 0);
	assert_int_equal(run(out, sizeof(out), state_env(), "ls", NULL), 0);
	assert_null(strstr(out, name));
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc == 5 && streq(argv[2], "--victim")) {
		int r = netns_test_init(2, argv);
		return r ? r : victim(argv[3], argv[4]);
	}
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("PR_SET_CHILD_SUBREAPER");
		return 99;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test_teardown(test_sigterm_mid_run, teardown),
		cmocka_unit_test_teardown(test_sigkill, teardown),
		cmocka_unit_test_teardown(test_abort, teardown),
		cmocka_unit_test_teardown(test_exit, teardown),
	};
	return cmocka_run_group_tests_name("netns harness", tests, NULL, NULL);
}
