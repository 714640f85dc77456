/* SPDX-License-Identifier: MIT */
/*
 * Shared by the netns tests: the harness (skip rule, names, cleanup pass or
 * fail, see util.h), and netsim run as a user would, probed from inside
 * namespaces.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/fileio.h"
#include "plan/plan.h"
#include "util.h"

const char *netsim;
static char root_links_before[4096];

/*
 * The guardian: a process forked at init (before any thread), in a session
 * of its own so that a signal to the test's process group (Ctrl-C, meson's
 * timeout) leaves it alive. The test sends it one line per thing to remove
 * (each a single write below PIPE_BUF, so lines never interleave):
 *   i NAME   an instance: `netsim down NAME`
 *   n NAME   a namespace made by apply/: umount and unlink /run/netns/NAME
 *   d PATH   a directory: removed with its contents
 *   s DIR    a private netsim state dir: `NETSIM_STATE_DIR=DIR netsim down
 *            --all` (first, before the instances, namespaces and directories)
 *   c        remove the instances and namespaces now (and every instance of
 *            the state dirs, which stay), then answer one byte
 *   x        the same, directories included
 * and at end of file (the test exited or died in any way) it removes
 * everything and exits. So the cleanup always runs in a normal process.
 */
static int cmd_fd = -1, ack_fd = -1;
static pid_t guardian_pid;
static char name_prefix[32];

/* Children a signal must kill before the cleanup (read by the handler). */
static volatile sig_atomic_t children[16];

static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

struct strv {
	char **v;
	size_t n, cap;
};

static int strv_add(struct strv *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static void strv_clear(struct strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		fprintf(stderr, "netns harness: cannot remove %s: %m\n", path);
	return 0;
}

/* `netsim down NAME`, or with state_dir `NETSIM_STATE_DIR=state_dir netsim
 * down --all`; run by the guardian, a normal single-threaded process. */
static void guardian_down(const char *name, const char *state_dir)
{
	const char *what = state_dir ? "--all" : name;
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "netns harness: cannot run netsim down %s: %m\n", what);
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		if (state_dir && setenv("NETSIM_STATE_DIR", state_dir, 1) < 0)
			_exit(127);
		execl(netsim, netsim, "down", what, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "netns harness: %s%snetsim down %s failed (status %#x)\n",
			state_dir ? "NETSIM_STATE_DIR=" : "", state_dir ? state_dir : "", what, status);
}

static void guardian_clean(struct strv *states, struct strv *inst, struct strv *ns, struct strv *dirs)
{
	/* before the directories: the state dirs live in them */
	for (size_t i = 0; i < states->n; i++)
		guardian_down(NULL, states->v[i]);
	for (size_t i = 0; i < inst->n; i++)
		guardian_down(inst->v[i], NULL);
	for (size_t i = 0; i < ns->n; i++) {
		char path[PATH_MAX];
		nsim_plan_ns_path(path, sizeof(path), ns->v[i]);
		(void)umount2(path, MNT_DETACH);
		if (unlink(path) < 0 && errno != ENOENT)
			fprintf(stderr, "netns harness: cannot remove %s: %m\n", path);
	}
	strv_clear(inst);
	strv_clear(ns);
	if (dirs) {
		for (size_t i = 0; i < dirs->n; i++)
			nftw(dirs->v[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		strv_clear(dirs);
		strv_clear(states);
	}
}

static _Noreturn void guardian(int in, int ack)
{
	struct strv states = {0}, inst = {0}, ns = {0}, dirs = {0};
	char *line = NULL;
	size_t size = 0;

	setsid();
	for (size_t i = 0; i < ELEMENTSOF(cleanup_signals); i++)
		signal(cleanup_signals[i], SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	FILE *f = fdopen(in, "r");
	if (!f)
		_exit(1);
	for (ssize_t n; (n = getline(&line, &size, f)) > 0;) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		int r = 0;
		switch (line[0]) {
		case 'i':
			r = strv_add(&inst, line + 2);
			break;
		case 'n':
			r = strv_add(&ns, line + 2);
			break;
		case 'd':
			r = strv_add(&dirs, line + 2);
			break;
		case 's':
			r = strv_add(&states, line + 2);
			break;
		case 'c':
		case 'x':
			guardian_clean(&states, &inst, &ns, line[0] == 'x' ? &dirs : NULL);
			/* no answer needed when the test is gone (EPIPE) */
			if (write(ack, "", 1) < 0 && errno != EPIPE)
				fprintf(stderr, "netns harness: cannot answer the test: %m\n");
			break;
		default:
			fprintf(stderr, "netns harness: bad guardian request '%s'\n", line);
			break;
		}
		if (r < 0)
			fprintf(stderr, "netns harness: cannot record '%s': %s\n", line, strerror(-r));
	}
	guardian_clean(&states, &inst, &ns, &dirs);
	_exit(0);
}

/* Async-signal-safe: asks the guardian to clean, waits for its answer (or
 * for its end). */
static void clean_now(char what)
{
	char msg[2] = {what, '\n'}, b;
	if (cmd_fd < 0 || write(cmd_fd, msg, 2) != 2)
		return;
	while (read(ack_fd, &b, 1) < 0 && errno == EINTR)
		;
}

static void block_cleanup_signals(sigset_t *old)
{
	sigset_t s;
	sigemptyset(&s);
	for (size_t i = 0; i < ELEMENTSOF(cleanup_signals); i++)
		sigaddset(&s, cleanup_signals[i]);
	pthread_sigmask(SIG_BLOCK, &s, old);
}

static void record(char kind, const char *text)
{
	char line[PATH_MAX + 4];
	int n = snprintf(line, sizeof(line), "%c %s\n", kind, text);
	if (n < 0 || (size_t)n >= sizeof(line) || strchr(text, '\n'))
		fail_msg("netns harness: cannot record '%s'", text);
	if (cmd_fd < 0)
		fail_msg("netns harness: '%s' made before netns_harness_init()", text);
	if (write(cmd_fd, line, (size_t)n) != n)
		fail_msg("netns harness: the guardian is gone, cannot record '%s': %m", text);
}

void cleanup_all(void)
{
	sigset_t old;
	block_cleanup_signals(&old);
	clean_now('c');
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void harness_exit(void)
{
	sigset_t old;
	block_cleanup_signals(&old);
	clean_now('x');
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Only async-signal-safe calls: kill and reap the running children, let the
 * guardian clean (its answer is a read), then die of the same signal. */
static void on_signal(int sig)
{
	for (size_t i = 0; i < ELEMENTSOF(children); i++) {
		pid_t pid = children[i];
		if (pid <= 0)
			continue;
		if (kill(-pid, SIGKILL) < 0)
			kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		children[i] = 0;
	}
	clean_now('x');
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
}

int netns_track_child(pid_t pid)
{
	for (size_t i = 0; i < ELEMENTSOF(children); i++)
		if (__atomic_compare_exchange_n(&children[i], &(sig_atomic_t){0}, (sig_atomic_t)pid, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return 0;
	return -ENOSPC;
}

void netns_untrack_child(pid_t pid)
{
	for (size_t i = 0; i < ELEMENTSOF(children); i++)
		if (children[i] == pid)
			children[i] = 0;
}

pid_t netns_guardian(void)
{
	return guardian_pid;
}

const char *netns_name_prefix(void)
{
	return name_prefix;
}

static const char *keep(struct strv *l, const char *s)
{
	if (strv_add(l, s) < 0)
		fail_msg("netns harness: out of memory");
	return l->v[l->n - 1];
}

const char *instance(const char *suffix)
{
	static struct strv names;
	char n[64];
	snprintf(n, sizeof(n), "%s%s", name_prefix, suffix);
	if (!netsim || !nsim_plan_name_valid(n))
		fail_msg("netns harness: instance '%s': %s", n,
			 netsim ? "names are [a-z0-9-], 1 to 24 characters" : "no netsim binary given");
	record('i', n);
	return keep(&names, n);
}

const char *netns_namespace(const char *suffix)
{
	static struct strv names;
	char n[128];
	snprintf(n, sizeof(n), "netsim-%s%s", name_prefix, suffix);
	record('n', n);
	return keep(&names, n);
}

const char *netns_tmpdir(void)
{
	static char dir[64];
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/netsim-%s-XXXXXX", program_invocation_short_name);
		if (!mkdtemp(dir)) {
			dir[0] = '\0';
			fail_msg("netns harness: mkdtemp: %m");
		}
		record('d', dir);
	}
	return dir;
}

const char *netns_state_dir(void)
{
	static char dir[PATH_MAX];
	if (!dir[0]) {
		if (!netsim)
			fail_msg("netns harness: a state dir needs the netsim binary (netns_test_init)");
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/state", netns_tmpdir());
		/* netsim refuses a state dir not owned by root or open to others */
		if (mkdir(path, 0700) < 0 || chmod(path, 0700) < 0 || chown(path, 0, 0) < 0)
			fail_msg("netns harness: cannot make the state dir %s: %m", path);
		record('s', path);
		memcpy(dir, path, sizeof(dir));
	}
	return dir;
}

/* Runs netsim with args; stdout+stderr into out (if any). Returns the exit
 * status, or 128+signal. `env` is "VAR=value" or NULL. */
int run(char *out, size_t size, const char *env, ...)
{
	char *argv[16] = {(char *)netsim};
	int argc = 1;
	va_list ap;
	va_start(ap, env);
	for (char *a; argc < 15 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	int pipefd[2];
	sigset_t old;
	assert_non_null(netsim);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	/* tracked before a signal can see it; a group of its own so the
	 * handler can kill whatever it started too */
	block_cleanup_signals(&old);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		if (env)
			putenv((char *)env);
		execv(netsim, argv);
		_exit(127);
	}
	int tracked = pid > 0 ? netns_track_child(pid) : 0;
	if (pid > 0)
		setpgid(pid, pid);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(pipefd[1]);
	if (pid < 0)
		close(pipefd[0]);
	assert_true(pid > 0);
	if (tracked < 0)
		fprintf(stderr, "netns harness: %d children tracked already: a signal will not stop pid %d\n",
			(int)ELEMENTSOF(children), (int)pid);
	size_t len = 0;
	char sink[4096];
	for (;;) {
		char *dst = out && len + 1 < size ? out + len : sink;
		size_t room = out && len + 1 < size ? size - len - 1 : sizeof(sink);
		ssize_t n = read(pipefd[0], dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (dst != sink)
			len += (size_t)n;
	}
	if (out)
		out[len] = '\0';
	close(pipefd[0]);
	/* untracked while still a zombie, so its PID cannot be reused under the handler */
	siginfo_t si;
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	netns_untrack_child(pid);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void up(const char *file, const char *name)
{
	char out[8192];
	int r = run(out, sizeof(out), NULL, "up", file, "--name", name, NULL);
	if (r != 0)
		fprintf(stderr, "netsim up %s failed (%d):\n%s\n", file, r, out);
	assert_int_equal(r, 0);
}

void down(const char *name)
{
	run(NULL, 0, NULL, "down", name, NULL);
}

uint32_t A(const char *s)
{
	uint32_t a;
	assert_int_equal(nsim_addr_parse(s, &a), 0);
	return a;
}

struct nsim_probe_result probe(const char *name, const char *host, enum nsim_proto proto, const char *addr,
				      uint16_t port, int timeout_ms)
{
	char ns[128];
	snprintf(ns, sizeof(ns), "netsim-%s-%s", name, host);
	struct nsim_probe_result r;
	assert_int_equal(nsim_probe(ns, proto, A(addr), port, 0, timeout_ms, &r), 0);
	return r;
}

void expect_reachable(const char *name, const char *host, enum nsim_proto proto, const char *addr,
			     uint16_t port, const char *seen)
{
	struct nsim_probe_result r = probe(name, host, proto, addr, port, 2000);
	if (r.outcome != NSIM_PROBE_REACHABLE || (seen && !strstr(r.response, seen))) {
		fprintf(stderr, "%s -> %s:%u/%s: %s (%s), response '%s', wanted '%s'\n", host, addr, port,
			nsim_proto_name(proto), nsim_probe_outcome_name(r.outcome), strerror(r.error), r.response,
			seen ? seen : "");
		fail();
	}
}

void expect_blocked(const char *name, const char *host, enum nsim_proto proto, const char *addr,
			   uint16_t port)
{
	struct nsim_probe_result r = probe(name, host, proto, addr, port, 500);
	if (r.outcome != NSIM_PROBE_DROPPED && r.outcome != NSIM_PROBE_NO_ROUTE) {
		fprintf(stderr, "%s -> %s:%u/%s: expected no path, got %s ('%s')\n", host, addr, port,
			nsim_proto_name(proto), nsim_probe_outcome_name(r.outcome), r.response);
		fail();
	}
}

size_t count_namespaces(const char *name)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "netsim-%s-", name);
	DIR *d = opendir("/run/netns");
	size_t n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

bool state_exists(const char *name)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "/run/netsim/%s", name);
	return stat(path, &st) == 0;
}

static void root_links(char *buf, size_t size)
{
	struct if_nameindex *ifs = if_nameindex();
	buf[0] = '\0';
	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		strncat(buf, i->if_name, size - strlen(buf) - 2);
		strncat(buf, " ", size - strlen(buf) - 1);
	}
	if_freenameindex(ifs);
}

void assert_nothing_left(const char *name)
{
	char now[4096];
	assert_int_equal(count_namespaces(name), 0);
	assert_false(state_exists(name));
	root_links(now, sizeof(now));
	assert_string_equal(now, root_links_before);
}

__attribute__((format(printf, 1, 2))) static void skip_test(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "skip: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* Whether this process can do what netsim does: make a network namespace
 * (not in some containers or under seccomp) and pin it with a bind mount
 * under /run (not from a user namespace). Tried in a child that exits at
 * once; otherwise `why` says what failed. */
static bool namespaces_usable(char *why, size_t size)
{
	const char *dir = access(NSIM_NETNS_RUN_DIR, F_OK) == 0 ? NSIM_NETNS_RUN_DIR : "/run";
	char path[PATH_MAX];
	int fds[2], status;
	ssize_t n = 0;

	snprintf(path, sizeof(path), "%s/.netsim-test-probe-%d", dir, (int)getpid());
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, size, "pipe: %s", strerror(errno));
		return false;
	}
	pid_t pid = fork();
	if (pid == 0) {
		char msg[PATH_MAX + 128];
		int fd = -1, len = 0;
		if (unshare(CLONE_NEWNET) < 0)
			len = snprintf(msg, sizeof(msg), "cannot create a network namespace: %m");
		else if ((fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0)) < 0)
			len = snprintf(msg, sizeof(msg), "cannot create %s: %m", path);
		else if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
			len = snprintf(msg, sizeof(msg), "cannot pin a namespace in %s (as netsim does): %m", dir);
		if (fd >= 0) {
			close(fd);
			(void)umount2(path, MNT_DETACH);
			unlink(path);
		}
		if (len > 0 && write(fds[1], msg, (size_t)len) < 0)
			_exit(2);
		_exit(len > 0);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		snprintf(why, size, "fork: %s", strerror(errno));
		return false;
	}
	while ((n = read(fds[0], why, size - 1)) < 0 && errno == EINTR)
		;
	why[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* if the child died half-way */
	(void)umount2(path, MNT_DETACH);
	(void)unlink(path);
	if (n <= 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		snprintf(why, size, "the namespace probe ended with status %#x", status);
	return n <= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int netns_harness_init(const char *netsim_binary)
{
	int fds[2], acks[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	netsim = netsim_binary;
	if (geteuid() != 0) {
		skip_test("needs root (network namespaces): run the netns suite as root");
		return 77;
	}
	char why[PATH_MAX + 128];
	if (!namespaces_usable(why, sizeof(why))) {
		skip_test("%s", why);
		return 77;
	}
	if (netsim && access(netsim, X_OK) < 0) {
		fprintf(stderr, "netns harness: %s: %m\n", netsim);
		return 99;
	}
	snprintf(name_prefix, sizeof(name_prefix), "t%d-", (int)getpid() % 100000);
	root_links(root_links_before, sizeof(root_links_before));

	if (pipe2(fds, O_CLOEXEC) < 0 || pipe2(acks, O_CLOEXEC) < 0) {
		fprintf(stderr, "netns harness: pipe: %m\n");
		return 99;
	}
	fflush(NULL);
	guardian_pid = fork();
	if (guardian_pid < 0) {
		fprintf(stderr, "netns harness: fork: %m\n");
		return 99;
	}
	if (guardian_pid == 0) {
		close(fds[1]);
		close(acks[0]);
		guardian(fds[0], acks[1]);
	}
	close(fds[0]);
	close(acks[1]);
	cmd_fd = fds[1];
	ack_fd = acks[0];
	atexit(harness_exit);

	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(cleanup_signals); i++)
		sigaddset(&sa.sa_mask, cleanup_signals[i]);
	for (size_t i = 0; i < ELEMENTSOF(cleanup_signals); i++) {
		struct sigaction old;
		/* a signal ignored by whoever started the test (nohup) stays ignored */
		if (sigaction(cleanup_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(cleanup_signals[i], &sa, NULL);
	}
	return 0;
}

int netns_test_init(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s NETSIM-BINARY\n", argv[0]);
		return 2;
	}
	return netns_harness_init(argv[1]);
}

char *netns_read_text(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int r = nsim_file_read(path, 64u << 20, &text, &len);
	if (r < 0)
		fail_msg("cannot read %s: %s", path, strerror(-r));
	return text;
}

char *netns_replace_all(const char *text, const char *from, const char *to, size_t *count)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	assert_non_null(m);
	*count = 0;
	for (const char *p = text, *hit; *p; p = hit + strlen(from)) {
		if (!(hit = strstr(p, from))) {
			fputs(p, m);
			break;
		}
		fwrite(p, 1, (size_t)(hit - p), m);
		fputs(to, m);
		(*count)++;
	}
	fclose(m);
	return buf;
}

const char *netns_variant(const char *src, const char *name, size_t times, ...)
{
	static char paths[32][PATH_MAX];
	static size_t n_paths;
	char *text = netns_read_text(src);
	va_list ap;
	va_start(ap, times);
	for (const char *from; (from = va_arg(ap, const char *));) {
		const char *to = va_arg(ap, const char *);
		size_t n;
		char *next = netns_replace_all(text, from, to, &n);
		if (n != times)
			fail_msg("'%s' occurs %zu times in %s, expected %zu", from, n, src, times);
		free(text);
		text = next;
	}
	va_end(ap);
	char *path = paths[n_paths++ % 32];
	snprintf(path, sizeof(paths[0]), "%s/%s", netns_tmpdir(), name);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(text);
	return path;
}

void netns_expect_output(const char *out, int status, int want_status, const char *want)
{
	if (status != want_status || (want && !strstr(out, want)))
		fail_msg("exit %d (wanted %d), output wanted to contain '%s':\n%s", status, want_status,
			 want ? want : "", out);
}
