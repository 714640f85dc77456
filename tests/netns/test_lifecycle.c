/* SPDX-License-Identifier: MIT */
/*
 * The lifecycle under kills, races, collisions, foreign namespaces and planted
 * symlinks (issue 9). argv[1]: the netsim binary. The netns harness (util.h)
 * gives the skip rule, the names and the cleanup pass or fail.
 *
 * Every run uses the harness's private state dir (NETSIM_STATE_DIR=
 * netns_state_dir()), so `down --all` here never touches another instance on
 * the machine, and instance names netns_name_prefix()SUFFIX (t<pid>-...), so
 * its namespaces are its own; the foreign namespaces it makes are named by
 * netns_namespace(), and every netsim it starts is tracked
 * (netns_track_child), so an interrupted run leaves nothing. Race loops use
 * random delays from a seeded generator: the seed is printed, and
 * NETSIM_TEST_SEED=N replays it. NETSIM_LIFECYCLE_ITERATIONS=N changes the
 * number of iterations of each loop (default 20; scripts/bench --stress).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

/* the harness's: a private state dir and a private temporary directory */
static const char *state_dir, *topo_dir;
static unsigned iterations = 20;
static uint64_t rng, seed;

/* ---- helpers ---- */

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* A random delay in [0, max_us]: where the loops put their kills and races. */
static void random_delay(unsigned max_us)
{
	unsigned us = max_us ? (unsigned)(rnd() % (max_us + 1)) : 0;
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* fork(), the child in a process group of its own and tracked by the harness
 * (a signal to the test kills it and its group before the cleanup) from
 * before a signal can see it. Returns what fork() returns (0 in the child,
 * with every signal unblocked). */
static pid_t fork_tracked(void)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		return 0;
	}
	int tracked = pid > 0 ? netns_track_child(pid) : 0;
	if (pid > 0)
		setpgid(pid, pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_true(pid > 0);
	if (tracked < 0)
		fprintf(stderr, "cannot track pid %d (%s): a signal will not stop it\n", (int)pid, strerror(-tracked));
	return pid;
}

/* Reaps a child of fork_tracked(): untracked while still a zombie, so its PID
 * cannot be reused under the harness's signal handler. The exit status or
 * 128+signal. */
static int reap(pid_t pid)
{
	siginfo_t si;
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
		assert_int_equal(errno, EINTR);
	netns_untrack_child(pid);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Starts netsim with argv (NULL-terminated, without the binary) and the given
 * state dir; its stdout+stderr go to *ret_fd (a pipe) when not NULL. */
static pid_t spawn(const char *state, const char *const *argv, int *ret_fd)
{
	const char *args[16] = {netsim};
	size_t n = 1;
	for (; argv[n - 1] && n < 15; n++)
		args[n] = argv[n - 1];
	args[n] = NULL;
	int fds[2] = {-1, -1};
	if (ret_fd)
		assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork_tracked();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(ret_fd ? fds[1] : null, 1);
		dup2(ret_fd ? fds[1] : null, 2);
		setenv("NETSIM_STATE_DIR", state, 1);
		execv(netsim, (char *const *)args);
		_exit(127);
	}
	if (ret_fd) {
		close(fds[1]);
		*ret_fd = fds[0];
	}
	return pid;
}

/* Reads fd to its end into out, reaps pid; the exit status or 128+signal. */
static int collect(pid_t pid, int fd, char *out, size_t size)
{
	size_t len = 0;
	if (fd >= 0) {
		for (;;) {
			char sink[4096];
			bool keep = out && len + 1 < size;
			ssize_t n = read(fd, keep ? out + len : sink, keep ? size - len - 1 : sizeof(sink));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (keep)
				len += (size_t)n;
		}
		close(fd);
	}
	if (out && size)
		out[len] = '\0';
	return reap(pid);
}

/* Runs netsim to its end in state dir `state`; output in out. */
static int nrun(const char *state, char *out, size_t size, ...)
{
	const char *argv[16];
	size_t n = 0;
	va_list ap;
	va_start(ap, size);
	for (const char *a; n < 15 && (a = va_arg(ap, const char *));)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	int fd;
	pid_t pid = spawn(state, argv, &fd);
	return collect(pid, fd, out, size);
}

static bool path_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

static bool ns_exists(const char *ns)
{
	return path_exists("/run/netns", ns);
}

/* An instance name netns_name_prefix()SUFFIX, in our state dir only (so the
 * guardian's `down --all` there removes it, not `netsim down NAME`). */
static const char *name_of(const char *suffix)
{
	static char names[8][32];
	static unsigned next;
	char *n = names[next++ % 8];
	snprintf(n, sizeof(names[0]), "%s%s", netns_name_prefix(), suffix);
	return n;
}

static const char *write_topo(const char *file, const char *text)
{
	static char paths[8][PATH_MAX];
	static unsigned next;
	char *p = paths[next++ % 8];
	snprintf(p, sizeof(paths[0]), "%s/%s", topo_dir, file);
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return p;
}

/* One VPC, one subnet, `host` listening on `listen`. */
static const char *topo(const char *file, const char *host, const char *listen)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "name: lc\n"
		 "vpcs:\n"
		 "  - name: v\n"
		 "    cidr: 10.0.0.0/16\n"
		 "    subnets:\n"
		 "      - { name: s, cidr: 10.0.1.0/24, az: a }\n"
		 "    hosts:\n"
		 "      - { name: %s, subnet: s, listen: [%s] }\n",
		 host, listen);
	return write_topo(file, text);
}

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Waits up to ms for the process behind pidfd to exit. */
static bool exited(int pidfd, int ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int n;
	while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return n == 1;
}

/* Whether child pid has ended, leaving it to be reaped. */
static bool has_exited(pid_t pid)
{
	siginfo_t si = {0};
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* A child of `parent` named `comm`, or 0. */
static pid_t find_child(pid_t parent, const char *comm)
{
	DIR *d = opendir("/proc");
	pid_t found = 0;
	for (struct dirent *e; d && !found && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
		int ppid;
		if (!open_paren || !close_paren || sscanf(close_paren + 2, "%*c %d", &ppid) != 1 || ppid != parent)
			continue;
		*close_paren = '\0';
		if (strcmp(open_paren + 1, comm) == 0)
			found = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* A namespace made by hand, as `ip netns add` does: not netsim's. `ns` comes
 * from netns_namespace(), so the harness removes it, pass or fail. */
static void make_foreign_ns(const char *ns)
{
	char path[256];
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	mkdir("/run/netns", 0755);
	pid_t pid = fork_tracked();
	if (pid == 0) {
		int fd = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
		if (fd < 0 || unshare(CLONE_NEWNET) < 0 ||
		    mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(reap(pid), 0);
}

static void remove_foreign_ns(const char *ns)
{
	char path[320];
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	unlink(path);
}

static void down_quiet(const char *name)
{
	nrun(state_dir, NULL, 0, "down", name, NULL);
}

#define CHECK(cond, ...)                                        \
	do {                                                    \
		if (!(cond)) {                                  \
			fprintf(stderr, "iteration %u: ", it);  \
			fprintf(stderr, __VA_ARGS__);           \
			fputc('\n', stderr);                    \
			ok = false;                             \
		}                                               \
	} while (0)

static void report_loop(const char *what, unsigned n, unsigned failures, unsigned extra)
{
	/* one line scripts/bench --stress reads */
	fprintf(stderr, "lifecycle-stress: %s: %u iterations, %u failures, %u hit (seed %llu)\n", what, n, failures,
		extra, (unsigned long long)seed);
}

/* ---- (a) the responder-kill race ---- */

static void test_kill_up_while_responder_starts(void **state)
{
	(void)state;
	const char *name = name_of("kill");
	const char *file = topo("wide.yaml", "h", "10000-14000/tcp");
	char out[8192];

	/* calibration: how long from the responder's birth to the end of `up` */
	int fd;
	pid_t up = spawn(state_dir, (const char *[]){"up", file, "--name", name, NULL}, &fd);
	while (!find_child(up, "netsim-respond") && !has_exited(up))
		;
	double t0 = now_us();
	int r = collect(up, fd, out, sizeof(out));
	if (r != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(r, 0);
	unsigned window = (unsigned)(now_us() - t0) + 1;
	assert_int_equal(nrun(state_dir, out, sizeof(out), "down", name, NULL), 0);
	assert_non_null(strstr(out, "stopped responder (pid"));

	unsigned failures = 0, hit = 0, stopped_by_down = 0;
	for (unsigned it = 0; it < iterations; it++) {
		bool ok = true;
		unsigned delay = (unsigned)(rnd() % (window * 3 / 2 + 1));
		up = spawn(state_dir, (const char *[]){"up", file, "--name", name, NULL}, NULL);
		pid_t resp;
		/* up may end before we see the responder: then there is nothing to race */
		while (!(resp = find_child(up, "netsim-respond")) && !has_exited(up))
			;
		int resp_fd = resp ? pidfd_open(resp) : -1;
		if (it % 2) {
			/* every other time, the narrow window after the record is written */
			char record[64];
			snprintf(record, sizeof(record), "%s/processes", name);
			while (resp_fd >= 0 && !path_exists(state_dir, record) && !has_exited(up))
				;
			delay %= 200;
		}
		random_delay(delay);
		kill(up, SIGKILL);
		r = collect(up, -1, NULL, 0);
		hit += r == 128 + SIGKILL && resp_fd >= 0;
		int d = nrun(state_dir, out, sizeof(out), "down", name, NULL);
		CHECK(d == 0, "down exited %d: %s", d, out);
		if (r == 128 + SIGKILL && resp_fd >= 0)
			stopped_by_down += strstr(out, "stopped responder") != NULL;
		/* whatever moment up died at, no process of the instance remains */
		if (resp_fd >= 0) {
			CHECK(exited(resp_fd, 5000), "the responder (pid %d) survived `up` killed after %u us and `down`",
			      (int)resp, delay);
			close(resp_fd);
		}
		CHECK(count_namespaces(name) == 0, "%zu namespaces left", count_namespaces(name));
		CHECK(!path_exists(state_dir, name), "state left");
		if (!ok) {
			failures++;
			if (resp > 0)
				kill(resp, SIGKILL); /* ours to clean up: it came from our `up` */
			down_quiet(name);
		}
	}
	/* the two ways a responder of a killed `up` ends: recorded (down stops it) or not yet (it dies with up) */
	fprintf(stderr, "responder-kill: of %u hits, %u responders were recorded and stopped by down, %u died with up\n",
		hit, stopped_by_down, hit - stopped_by_down);
	report_loop("responder-kill", iterations, failures, hit);
	/* a loop that never killed `up` while its responder existed tested nothing */
	assert_true(hit > 0);
	assert_int_equal(failures, 0);
}

/* ---- (a') the same race with a run: service ---- */

/* PIDs of processes whose environment holds marker (a whole "VAR=value"), into pids[0..max). */
static size_t find_marked(const char *marker, pid_t *pids, size_t max)
{
	size_t n = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && n < max && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], buf[65536];
		snprintf(path, sizeof(path), "/proc/%s/environ", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		for (char *p = buf; p < buf + len; p += strlen(p) + 1)
			if (strcmp(p, marker) == 0) {
				pids[n++] = atoi(e->d_name);
				break;
			}
	}
	if (d)
		closedir(d);
	return n;
}

static void test_kill_up_with_service(void **state)
{
	(void)state;
	const char *name = name_of("svc");
	char marker[64], text[1024];
	/* every process of a service has it, and its children inherit it */
	snprintf(marker, sizeof(marker), "NETSIM_INSTANCE=%s", name);
	snprintf(text, sizeof(text),
		 "name: lc\n"
		 "vpcs:\n"
		 "  - name: v\n"
		 "    cidr: 10.0.0.0/16\n"
		 "    subnets:\n"
		 "      - { name: s, cidr: 10.0.1.0/24, az: a }\n"
		 "    hosts:\n"
		 "      - { name: r, subnet: s, listen: [80/tcp] }\n"
		 "      - { name: web, subnet: s, listen: [8080/tcp],\n"
		 "          run: [/usr/bin/python3, -m, http.server, --bind, 0.0.0.0, \"8080\"] }\n"
		 "      - { name: bg, subnet: s, run: \"sleep 1000 & exec sleep 1001\" }\n");
	const char *file = write_topo("svc.yaml", text);
	char out[8192];

	/* calibration: how long a whole `up` takes */
	double t0 = now_us();
	int r = nrun(state_dir, out, sizeof(out), "up", file, "--name", name, NULL);
	if (r != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(r, 0);
	unsigned window = (unsigned)(now_us() - t0) + 1;
	assert_int_equal(nrun(state_dir, out, sizeof(out), "down", name, NULL), 0);
	assert_non_null(strstr(out, "stopped service (pid"));
	pid_t pids[16];
	assert_int_equal(find_marked(marker, pids, 16), 0);

	unsigned failures = 0, hit = 0;
	for (unsigned it = 0; it < iterations; it++) {
		bool ok = true;
		unsigned delay = (unsigned)(rnd() % (window * 3 / 2 + 1));
		pid_t up = spawn(state_dir, (const char *[]){"up", file, "--name", name, NULL}, NULL);
		random_delay(delay);
		kill(up, SIGKILL);
		r = collect(up, -1, NULL, 0);
		hit += r == 128 + SIGKILL;
		int d = nrun(state_dir, out, sizeof(out), "down", name, NULL);
		CHECK(d == 0, "down exited %d: %s", d, out);
		/* whatever moment up died at, no process of the instance remains (one not yet recorded dies
		 * with up by PR_SET_PDEATHSIG: give it the time to) */
		size_t n = find_marked(marker, pids, 16);
		for (size_t i = 0; i < n; i++) {
			int pfd = pidfd_open(pids[i]);
			bool gone = pfd < 0 || exited(pfd, 5000);
			CHECK(gone, "pid %d of a service survived `up` killed after %u us and `down`", (int)pids[i],
			      delay);
			if (!gone)
				kill(pids[i], SIGKILL); /* ours: it came from our `up` */
			if (pfd >= 0)
				close(pfd);
		}
		CHECK(count_namespaces(name) == 0, "%zu namespaces left", count_namespaces(name));
		CHECK(!path_exists(state_dir, name), "state left");
		if (!ok) {
			failures++;
			down_quiet(name);
		}
	}
	report_loop("service-kill", iterations, failures, hit);
	assert_true(hit > 0); /* `up` was killed while it ran, at least once */
	assert_int_equal(failures, 0);
}

/* ---- (b) down during up ---- */

static void race_down(bool all)
{
	const char *name = name_of(all ? "dall" : "down");
	const char *file = "topologies/minimal.yaml";
	char out[8192], dout[8192];

	double t0 = now_us();
	assert_int_equal(nrun(state_dir, out, sizeof(out), "up", file, "--name", name, NULL), 0);
	unsigned window = (unsigned)(now_us() - t0) + 1;
	size_t n_ns = count_namespaces(name);
	assert_true(n_ns > 0);
	assert_int_equal(nrun(state_dir, out, sizeof(out), "down", name, NULL), 0);

	unsigned failures = 0, up_won = 0;
	for (unsigned it = 0; it < iterations; it++) {
		bool ok = true;
		int fd, dfd;
		const char *const up_argv[] = {"up", file, "--name", name, NULL};
		const char *const down_argv[] = {"down", all ? "--all" : name, NULL};
		pid_t up, dn;
		/* either may start first, the other after a random delay */
		if (rnd() % 2) {
			up = spawn(state_dir, up_argv, &fd);
			random_delay((unsigned)(rnd() % (window + 1)));
			dn = spawn(state_dir, down_argv, &dfd);
		} else {
			dn = spawn(state_dir, down_argv, &dfd);
			random_delay((unsigned)(rnd() % (window / 4 + 1)));
			up = spawn(state_dir, up_argv, &fd);
		}
		int d = collect(dn, dfd, dout, sizeof(dout));
		int u = collect(up, fd, out, sizeof(out));
		CHECK(d == 0, "down exited %d: %s", d, dout);
		CHECK(u == 0, "up exited %d: %s", u, out);
		char is_down[64];
		snprintf(is_down, sizeof(is_down), "'%s' is down", name);
		bool removed = strstr(dout, is_down) != NULL;
		if (u == 0 && strstr(out, "is up") && !removed) {
			/* down came first: the `up` that said "is up" must be up, whole */
			up_won++;
			CHECK(count_namespaces(name) == n_ns, "up said 'is up' but %zu of %zu namespaces exist",
			      count_namespaces(name), n_ns);
			char file_path[128];
			snprintf(file_path, sizeof(file_path), "%s/state.json", name);
			CHECK(path_exists(state_dir, file_path), "up said 'is up' but there is no state.json");
			d = nrun(state_dir, dout, sizeof(dout), "down", name, NULL);
			CHECK(d == 0 && strstr(dout, "stopped responder"), "down after up: %s", dout);
		}
		CHECK(count_namespaces(name) == 0, "%zu namespaces left", count_namespaces(name));
		CHECK(!path_exists(state_dir, name), "state left");
		if (!ok) {
			failures++;
			down_quiet(name);
		}
	}
	report_loop(all ? "down-all-during-up" : "down-during-up", iterations, failures, up_won);
	assert_int_equal(failures, 0);
}

static void test_down_during_up(void **state)
{
	(void)state;
	race_down(false);
}

static void test_down_all_during_up(void **state)
{
	(void)state;
	race_down(true);
}

/* ---- (c) namespace-name collisions ---- */

/* `up` over what a crashed `up` left: not "already up", but what it is and
 * how to remove it; `down NAME` does, and the name can be used again. */
static void test_up_over_incomplete(void **state)
{
	(void)state;
	const char *n = name_of("inc"), *f = topo("inc.yaml", "web", "80/tcp");
	char out[8192], want[256];

	/* SIGKILL at the third operation: the namespaces so far, no state.json */
	assert_int_equal(setenv("NETSIM_CRASH_AT", "3", 1), 0);
	int r = nrun(state_dir, out, sizeof(out), "up", f, "--name", n, NULL);
	assert_int_equal(unsetenv("NETSIM_CRASH_AT"), 0);
	assert_int_equal(r, 128 + SIGKILL);
	assert_true(path_exists(state_dir, n));
	assert_true(count_namespaces(n) > 0);

	assert_int_equal(nrun(state_dir, out, sizeof(out), "up", f, "--name", n, NULL), 1);
	snprintf(want, sizeof(want), "netsim up: error: an incomplete instance '%s' exists (state in %s/%s): an "
		 "earlier 'netsim up' of it did not finish (it was killed or crashed) and left what it had made; "
		 "'netsim down %s' removes it", n, state_dir, n, n);
	if (!strstr(out, want) || strstr(out, "already up"))
		fprintf(stderr, "want: %s\ngot: %s\n", want, out);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "already up"));
	assert_true(count_namespaces(n) > 0); /* refused: nothing touched */

	assert_int_equal(nrun(state_dir, out, sizeof(out), "down", n, NULL), 0);
	assert_int_equal(count_namespaces(n), 0);
	assert_false(path_exists(state_dir, n));
	assert_int_equal(nrun(state_dir, out, sizeof(out), "up", f, "--name", n, NULL), 0);
	/* a whole instance is "already up" */
	assert_int_equal(nrun(state_dir, out, sizeof(out), "up", f, "--name", n, NULL), 1);
	snprintf(want, sizeof(want), "'%s' is already up", n);
	assert_non_null(strstr(out, want));
	assert_int_equal(nrun(state_dir, out, sizeof(out), "down", n, NULL), 0);
	assert_int_equal(count_namespaces(n), 0);
}

static void test_namespace_collision(void **state)
{
	(void)state;
	/* instance "Pa" host "b-c" and instance "Pa-b" host "c": both netsim-Pa-b-c */
	const char *a = name_of("a"), *ab = name_of("a-b");
	const char *fa = topo("bc.yaml", "b-c", "80/tcp"), *fab = topo("c.yaml", "c", "80/tcp");
	char out[8192], ns[64];
	snprintf(ns, sizeof(ns), "netsim-%s-c", ab);

	assert_int_equal(nrun(state_dir, out, sizeof(out), "up", fa, "--name", a, NULL), 0);
	assert_true(ns_exists(ns));
	size_t n_a = count_namespaces(a);
	assert_int_equal(nrun(state_dir, out, sizeof(out), "up", fab, "--name", ab, NULL), 1);
	char want[128];
	snprintf(want, sizeof(want), "claimed by instance '%s'", a);
	if (!strstr(out, want))
		fprintf(stderr, "%s\n", out);
	assert_non_null(strstr(out, want));
	/* refused before anything was made: a is whole, ab has nothing */
	assert_true(ns_exists(ns));
	assert_int_equal(count_namespaces(a), n_a);
	assert_false(path_exists(state_dir, ab));
	assert_int_equal(nrun(state_dir, out, sizeof(out), "down", ab, NULL), 0);
	assert_non_null(strstr(out, "was not up"));
	assert_true(ns_exists(ns));
	assert_int_equal(nrun(state_dir, out, sizeof(out), "down", a, NULL), 0);
	assert_int_equal(count_namespaces(a), 0);

	/* both at once: one wins whole, the other is refused and makes nothing */
	unsigned failures = 0, a_won = 0;
	for (unsigned it = 0; it < iterations; it++) {
		bool ok = true;
		int fd1, fd2;
		char out2[8192];
		pid_t p1 = spawn(state_dir, (const char *[]){"up", fa, "--name", a, NULL}, &fd1);
		random_delay((unsigned)(rnd() % 20000));
		pid_t p2 = spawn(state_dir, (const char *[]){"up", fab, "--name", ab, NULL}, &fd2);
		int r1 = collect(p1, fd1, out, sizeof(out)), r2 = collect(p2, fd2, out2, sizeof(out2));
		CHECK((r1 == 0) != (r2 == 0), "exactly one up must win: %d: %s / %d: %s", r1, out, r2, out2);
		const char *winner = r1 == 0 ? a : ab, *loser = r1 == 0 ? ab : a;
		const char *lost = r1 == 0 ? out2 : out;
		a_won += r1 == 0;
		snprintf(want, sizeof(want), "claimed by instance '%s'", winner);
		CHECK(strstr(lost, want), "the loser's error: %s", lost);
		CHECK(ns_exists(ns), "the shared namespace is gone");
		CHECK(!path_exists(state_dir, loser), "the loser left state");
		/* the loser's own namespaces (its VPC router) were never made */
		char loser_router[64];
		snprintf(loser_router, sizeof(loser_router), "netsim-%s-v", loser);
		CHECK(!ns_exists(loser_router), "the loser made %s", loser_router);
		char winner_router[64];
		snprintf(winner_router, sizeof(winner_router), "netsim-%s-v", winner);
		CHECK(ns_exists(winner_router), "the winner lost %s", winner_router);
		down_quiet(a);
		down_quiet(ab);
		CHECK(count_namespaces(a) == 0, "%zu namespaces left", count_namespaces(a));
		failures += !ok;
	}
	report_loop("namespace-collision", iterations, failures, a_won);
	assert_int_equal(failures, 0);
}

/* ---- (d) foreign namespaces and processes ---- */

static void test_foreign_namespaces(void **state)
{
	(void)state;
	const char *name = name_of("f");
	/* with a state dir of our own, every other netsim namespace on the machine is foreign too */
	static char out[1 << 21];
	/* netsim-NAME-extra: in the instance's namespace prefix, not its own */
	const char *extra = netns_namespace("f-extra");
	make_foreign_ns(extra);
	/* two more of one prefix (netsim-NAME-f-*): `ls` counts them, `ls --all` lists each */
	const char *extra2 = netns_namespace("f-extra2"), *extra3 = netns_namespace("f-extra3");
	make_foreign_ns(extra2);
	make_foreign_ns(extra3);
	char group[160];
	snprintf(group, sizeof(group), "  %.*s-*", (int)(strrchr(extra, '-') - extra), extra);

	assert_int_equal(nrun(state_dir, out, sizeof(out), "up", "topologies/minimal.yaml", "--name", name, NULL), 0);
	/* and a process started later with `netsim exec`, inside one of its namespaces: the instance's, so
	 * down stops it (issue 12) and says so */
	char web[64], web_path[128];
	snprintf(web, sizeof(web), "netsim-%s-web", name);
	snprintf(web_path, sizeof(web_path), "/run/netns/%s", web);
	struct stat web_st;
	assert_int_equal(stat(web_path, &web_st), 0);
	int hold[2];
	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	pid_t sh = fork_tracked();
	if (sh == 0) {
		dup2(hold[0], 0);
		execl(netsim, netsim, "exec", name, "web", "--", "sh", "-c", "read x", (char *)NULL);
		_exit(127);
	}
	close(hold[0]);
	int sh_fd = pidfd_open(sh);
	for (;;) { /* until it is inside */
		char ns_path[64];
		struct stat st;
		snprintf(ns_path, sizeof(ns_path), "/proc/%d/ns/net", (int)sh);
		if (has_exited(sh) || (stat(ns_path, &st) == 0 && st.st_ino == web_st.st_ino && st.st_dev == web_st.st_dev))
			break;
	}
	assert_int_equal(nrun(state_dir, out, sizeof(out), "down", name, NULL), 0);
	char left[128], where[128];
	snprintf(left, sizeof(left), "stopped pid %d (", (int)sh);
	snprintf(where, sizeof(where), ") in %s\n", web);
	bool reported = strstr(out, left) != NULL && strstr(out, where) != NULL;
	bool sh_alive = !exited(sh_fd, 0);
	close(hold[1]);
	reap(sh);
	close(sh_fd);
	if (!reported)
		fprintf(stderr, "wanted '%s' in:\n%s\n", left, out);
	assert_true(reported);
	assert_false(sh_alive);
	bool survived_down = ns_exists(extra);
	assert_int_equal(nrun(state_dir, out, sizeof(out), "ls", NULL), 0);
	const char *line = strstr(out, group);
	bool grouped = line && strncmp(line + 2 + 40, " 3 namespaces\n", 14) == 0 && !strstr(out, extra2) &&
		       strstr(out, "'netsim ls --all' lists each");
	if (!grouped)
		fprintf(stderr, "wanted '%s' with 3 namespaces in:\n%s\n", group, out);
	assert_int_equal(nrun(state_dir, out, sizeof(out), "ls", "--all", NULL), 0);
	bool listed = strstr(out, "foreign") && strstr(out, extra) && strstr(out, extra2) && strstr(out, extra3);
	assert_int_equal(nrun(state_dir, out, sizeof(out), "ls", "--json", NULL), 0);
	char want[128];
	snprintf(want, sizeof(want), "\"namespace\": \"%s\",\n    \"status\": \"foreign\"", extra);
	bool listed_json = strstr(out, want) != NULL;
	assert_int_equal(nrun(state_dir, out, sizeof(out), "up", "topologies/minimal.yaml", "--name", name, NULL), 0);
	int r = nrun(state_dir, out, sizeof(out), "down", "--all", NULL);
	bool survived_all = ns_exists(extra);
	bool said = strstr(out, "left alone: namespace") && strstr(out, extra);
	remove_foreign_ns(extra);
	remove_foreign_ns(extra2);
	remove_foreign_ns(extra3);
	assert_true(grouped);
	assert_int_equal(r, 0);
	assert_true(survived_down);
	assert_true(listed);
	assert_true(listed_json);
	assert_true(survived_all);
	assert_true(said);
	assert_int_equal(count_namespaces(name), 0);
}

/* ---- (e) a symlinked state dir ---- */

static void test_symlinked_state(void **state)
{
	(void)state;
	const char *name = name_of("s");
	char victim_dir[PATH_MAX - 64], link[PATH_MAX], out[8192], text[256];
	snprintf(victim_dir, sizeof(victim_dir), "%s/victim", topo_dir);
	assert_int_equal(mkdir(victim_dir, 0700), 0);
	const char *victim_ns = netns_namespace("s-victim");
	make_foreign_ns(victim_ns);

	/* a process that is not netsim's, recorded in the target as if it were */
	int hold[2];
	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	pid_t victim = fork_tracked();
	if (victim == 0) {
		char c;
		close(hold[1]);
		(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	close(hold[0]);
	int victim_fd = pidfd_open(victim);
	assert_true(victim_fd >= 0);
	char stat_path[64], stat_text[1024];
	snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", (int)victim);
	int sfd = open(stat_path, O_RDONLY);
	ssize_t n = read(sfd, stat_text, sizeof(stat_text) - 1);
	close(sfd);
	assert_true(n > 0);
	stat_text[n] = '\0';
	unsigned long long start = 0;
	assert_int_equal(sscanf(strrchr(stat_text, ')') + 2,
				"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &start),
			 1);
	snprintf(text, sizeof(text), "%d %llu responder -\n", (int)victim, start);
	char f[PATH_MAX];
	snprintf(f, sizeof(f), "%s/processes", victim_dir);
	FILE *fp = fopen(f, "we");
	fputs(text, fp);
	fclose(fp);
	snprintf(f, sizeof(f), "%s/namespaces", victim_dir);
	fp = fopen(f, "we");
	fprintf(fp, "%s\n", victim_ns);
	fclose(fp);
	snprintf(link, sizeof(link), "%s/%s", state_dir, name);
	assert_int_equal(symlink(victim_dir, link), 0);

	int r1 = nrun(state_dir, out, sizeof(out), "down", name, NULL);
	bool said1 = strstr(out, "symbolic link") != NULL;
	int r2 = nrun(state_dir, out, sizeof(out), "down", "--all", NULL);
	bool said2 = strstr(out, "symbolic link") != NULL;
	/* the state dir itself a symlink: refused by down and up alike */
	char root_link[PATH_MAX];
	snprintf(root_link, sizeof(root_link), "%s/root-link", topo_dir);
	assert_int_equal(symlink(state_dir, root_link), 0);
	int r3 = nrun(root_link, out, sizeof(out), "down", name, NULL);
	bool said3 = strstr(out, "symbolic link") != NULL;
	int r4 = nrun(root_link, out, sizeof(out), "up", "topologies/minimal.yaml", "--name", name, NULL);
	bool said4 = strstr(out, "symbolic link") != NULL;
	/* a state dir others can read: refused */
	char open_dir[PATH_MAX];
	snprintf(open_dir, sizeof(open_dir), "%s/open-state", topo_dir);
	assert_int_equal(mkdir(open_dir, 0755), 0);
	chmod(open_dir, 0755);
	int r5 = nrun(open_dir, out, sizeof(out), "down", "--all", NULL);
	bool said5 = strstr(out, "accessible to other users") != NULL;

	bool victim_alive = !exited(victim_fd, 0);
	bool ns_alive = ns_exists(victim_ns);
	bool files_kept = path_exists(victim_dir, "processes") && path_exists(victim_dir, "namespaces");

	close(hold[1]); /* our victim ends */
	reap(victim);
	close(victim_fd);
	remove_foreign_ns(victim_ns);
	unlink(link);
	unlink(root_link);
	rmdir(open_dir);
	snprintf(f, sizeof(f), "%s/processes", victim_dir);
	unlink(f);
	snprintf(f, sizeof(f), "%s/namespaces", victim_dir);
	unlink(f);
	rmdir(victim_dir);

	assert_int_equal(r1, 1);
	assert_true(said1);
	assert_int_equal(r2, 1);
	assert_true(said2);
	assert_int_equal(r3, 1);
	assert_true(said3);
	assert_int_not_equal(r4, 0);
	assert_true(said4);
	assert_int_equal(r5, 1);
	assert_true(said5);
	assert_true(victim_alive);
	assert_true(ns_alive);
	assert_true(files_kept);
	assert_int_equal(count_namespaces(name), 0);
}

/* ---- setup ---- */

static int setup(void **state)
{
	(void)state;
	state_dir = netns_state_dir();
	topo_dir = netns_tmpdir();
	return 0;
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const char *env = getenv("NETSIM_TEST_SEED");
	rng = env && *env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!rng)
		rng = 1;
	seed = rng;
	fprintf(stderr, "seed: %llu (NETSIM_TEST_SEED=%llu replays it)\n", (unsigned long long)rng,
		(unsigned long long)rng);
	if ((env = getenv("NETSIM_LIFECYCLE_ITERATIONS")) && atoi(env) > 0)
		iterations = (unsigned)atoi(env);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_up_while_responder_starts),
		cmocka_unit_test(test_kill_up_with_service),
		cmocka_unit_test(test_down_during_up),
		cmocka_unit_test(test_down_all_during_up),
		cmocka_unit_test(test_up_over_incomplete),
		cmocka_unit_test(test_namespace_collision),
		cmocka_unit_test(test_foreign_namespaces),
		cmocka_unit_test(test_symlinked_state),
	};
	if ((env = getenv("NETSIM_LIFECYCLE_TESTS")) && *env)
		cmocka_set_test_filter(env);
	return cmocka_run_group_tests(tests, setup, NULL);
}
