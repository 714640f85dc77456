/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "instance/instance-internal.h"
#include "instance/proc.h"
#include "plan/plan.h"

#define RECORD "processes"
#define LEGACY_RECORD "responder" /* one "PID STARTTIME" line, by netsim before the processes record */

/* Start time and state (R, S, Z, ...) from /proc/PID/stat. */
static int proc_stat(pid_t pid, unsigned long long *ret_start, char *ret_state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ENOENT : -EIO;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 && errno == ESRCH ? -ENOENT : -EIO;
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	unsigned long long start;
	char state;
	/* after ") ": state is field 3; starttime is field 22 */
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &state, &start) != 2)
		return -EIO;
	*ret_start = start;
	if (ret_state)
		*ret_state = state;
	return 0;
}

int nsim_proc_start_time(pid_t pid, unsigned long long *ret)
{
	return proc_stat(pid, ret, NULL);
}

int nsim_proc_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_signal(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

bool nsim_proc_pidfd_wait(int pidfd, int ms)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	int n;
	while ((n = poll(&pfd, 1, ms)) < 0 && errno == EINTR)
		;
	return n > 0;
}

/* Ends pid if it is still the process with that start time. true when it
 * was running and was ended. */
static bool stop_one(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	char state;
	/* a zombie has ended already (where PID 1 does not reap, it stays one) */
	if (pid <= 1 || !start || proc_stat(pid, &now, &state) < 0 || now != start || state == 'Z' || state == 'X')
		return false;
	_cleanup_close_ int pidfd = nsim_proc_pidfd_open(pid);
	if (pidfd < 0)
		return false;
	/* the pidfd names one process for good: check it is still ours, then signal through it */
	if (nsim_proc_start_time(pid, &now) < 0 || now != start)
		return false;
	if (pidfd_signal(pidfd, SIGTERM) < 0)
		return false;
	/* its process group too (each process leads its own session): a shell's children */
	if (getpgid(pid) == pid)
		(void)kill(-pid, SIGTERM);
	if (!nsim_proc_pidfd_wait(pidfd, 2000)) {
		(void)pidfd_signal(pidfd, SIGKILL);
		(void)nsim_proc_pidfd_wait(pidfd, 5000);
	}
	/* our own child (a rollback, or `netsim test`): reap it */
	(void)waitpid(pid, NULL, WNOHANG);
	return true;
}

static int record_append(int dirfd, pid_t pid, unsigned long long start, const char *kind, const char *ns)
{
	_cleanup_free_ char *old = NULL, *text = NULL;
	int r = instance_file_read(dirfd, RECORD, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	text = instance_sprintf("%s%d %llu %s %s\n", old ? old : "", (int)pid, start, kind, ns && *ns ? ns : "-");
	if (!text)
		return -ENOMEM;
	return instance_file_write(dirfd, RECORD, text);
}

/* Closes every fd from 3 up but keep[0..3) (entries below 3 ignored). */
static void close_others(int keep[3])
{
	for (int i = 0; i < 3; i++)
		for (int k = i + 1; k < 3; k++)
			if (keep[k] < keep[i]) {
				int t = keep[i];
				keep[i] = keep[k], keep[k] = t;
			}
	unsigned from = 3;
	for (int i = 0; i < 3; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			(void)syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	(void)syscall(SYS_close_range, from, ~0U, 0);
}

static _noreturn_ void child(pid_t parent, int ready, int go, const struct nsim_proc_body *body)
{
	/* dies with the parent until the parent has recorded it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	setsid();
	/* the parent may block signals (netsim test does, to handle them in one thread) */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, body->comm);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	/* nothing of the parent's: above all not its flock on the instance lock */
	close_others((int[3]){ready, go, body->keep_fd});
	(void)!chdir("/");

	char detail[256] = "";
	int r = body->setup(body->userdata, detail, sizeof(detail));
	(void)!write(ready, &r, sizeof(r));
	if (r < 0) {
		(void)!write(ready, detail, strlen(detail));
		_exit(1);
	}
	char c;
	ssize_t n;
	while ((n = read(go, &c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		_exit(1); /* the parent died before recording us */
	close(go);
	if (prctl(PR_SET_PDEATHSIG, 0) < 0)
		_exit(1);
	/* the parent may exit once it reads this, not before: an exit before
	 * the prctl above would still kill us */
	(void)!write(ready, "a", 1);
	close(ready);
	body->serve(body->userdata);
}

int nsim_proc_start(int dirfd, const char *ns, const struct nsim_proc_body *body, pid_t *ret_pid, char **ret_detail)
{
	_cleanup_close_ int ready_r = -1, ready_w = -1, go_r = -1, go_w = -1;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	ready_r = fds[0], ready_w = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	go_r = fds[0], go_w = fds[1];

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child(parent, ready_w, go_r, body);
	close(TAKE_FD(ready_w));
	close(TAKE_FD(go_r));

	int status = 0;
	ssize_t n;
	while ((n = read(ready_r, &status, sizeof(status))) < 0 && errno == EINTR)
		;
	if (n != sizeof(status))
		status = -ECHILD; /* died before reporting */
	if (status < 0) {
		char detail[256] = "";
		ssize_t m = status == -ECHILD ? 0 : read(ready_r, detail, sizeof(detail) - 1);
		detail[m > 0 ? m : 0] = '\0';
		if (ret_detail)
			*ret_detail = instance_sprintf("%s", detail[0] ? detail
								       : "the process exited before it was ready");
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return status;
	}

	unsigned long long start = 0;
	int r = nsim_proc_start_time(pid, &start);
	if (r == 0)
		r = record_append(dirfd, pid, start, body->kind, ns);
	if (r == 0 && write(go_w, "g", 1) != 1)
		r = -errno;
	char ack = 0;
	if (r == 0) {
		while ((n = read(ready_r, &ack, 1)) < 0 && errno == EINTR)
			;
		if (n != 1) {
			r = -ECHILD;
			if (ret_detail)
				*ret_detail = instance_sprintf("the process exited before it was ready");
		}
	}
	if (r < 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return r;
	}
	*ret_pid = pid;
	return 0;
}

int nsim_proc_stop_all(int dirfd, struct nsim_strv *stopped)
{
	_cleanup_free_ char *text = NULL, *legacy = NULL;
	int r = instance_file_read(dirfd, RECORD, &text);
	if (r < 0 && r != -ENOENT)
		return r;
	r = instance_file_read(dirfd, LEGACY_RECORD, &legacy);
	if (r < 0 && r != -ENOENT)
		return r;
	if (legacy) {
		int pid;
		unsigned long long start;
		if (sscanf(legacy, "%d %llu", &pid, &start) == 2 && stop_one(pid, start) && stopped) {
			char what[64];
			snprintf(what, sizeof(what), "responder (pid %d)", pid);
			if ((r = nsim_strv_append(stopped, what)) < 0)
				return r;
		}
	}
	for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		int pid;
		unsigned long long start;
		char kind[32];
		if (sscanf(line, "%d %llu %31s", &pid, &start, kind) != 3)
			continue;
		if (!stop_one(pid, start) || !stopped)
			continue;
		char what[64];
		snprintf(what, sizeof(what), "%s (pid %d)", kind, pid);
		if ((r = nsim_strv_append(stopped, what)) < 0)
			return r;
	}
	return 0;
}

static int read_comm(const char *pid, char *buf, size_t size)
{
	char path[300];
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int nsim_proc_find_in_namespaces(const struct stat *ns_st, char *const *ns_names, size_t n, struct nsim_strv *found)
{
	if (!n)
		return 0;
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	int r = 0;
	for (struct dirent *e; r == 0 && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300];
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st) < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (st.st_ino != ns_st[i].st_ino || st.st_dev != ns_st[i].st_dev)
				continue;
			char comm[32] = "?", line[PATH_MAX];
			(void)read_comm(e->d_name, comm, sizeof(comm));
			snprintf(line, sizeof(line), "pid %s (%s) in %s", e->d_name, comm, ns_names[i]);
			r = nsim_strv_append(found, line);
			break;
		}
	}
	closedir(d);
	return r;
}

/* ---- external programs ---- */

static int bind_file(const char *src, const char *dst, char *detail, size_t size)
{
	struct stat st;
	if (!src || stat(src, &st) < 0)
		return 0; /* no such configuration (yet): the host's own file stays */
	char target[PATH_MAX];
	/* a symlinked /etc/resolv.conf (systemd-resolved): mount over its target, as iproute2 does */
	const char *where = realpath(dst, target) ? target : dst;
	if (mount(src, where, NULL, MS_BIND, NULL) < 0) {
		int r = -errno;
		snprintf(detail, size, "binding %s over %s: %s", src, where, strerror(-r));
		return r;
	}
	return 0;
}

int nsim_proc_enter(const struct nsim_proc_exec *e, char *detail, size_t size)
{
	if (e->ns) {
		char path[PATH_MAX];
		nsim_plan_ns_path(path, sizeof(path), e->ns);
		_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
			int r = -errno;
			snprintf(detail, size, "entering namespace %s: %s", e->ns, strerror(-r));
			return r;
		}
	}
	if (!e->resolv_conf && !e->hosts)
		return 0;
	/* a private mount namespace, slave to the host's: our binds never leak out */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) {
		int r = -errno;
		snprintf(detail, size, "a private mount namespace: %s", strerror(-r));
		return r;
	}
	int r = bind_file(e->resolv_conf, "/etc/resolv.conf", detail, size);
	if (r == 0)
		r = bind_file(e->hosts, "/etc/hosts", detail, size);
	return r;
}

int nsim_proc_check_program(const struct nsim_argv *argv, char *detail, size_t size)
{
	const char *prog = argv->shell ? "/bin/sh" : argv->argv[0];
	if (strchr(prog, '/')) {
		if (access(prog, X_OK) == 0)
			return 0;
		int r = -errno;
		snprintf(detail, size, "%s: %s", prog, strerror(-r));
		return r;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ":");
		char full[PATH_MAX];
		if (len && (size_t)snprintf(full, sizeof(full), "%.*s/%s", (int)len, p, prog) < sizeof(full) &&
		    access(full, X_OK) == 0)
			return 0;
		p += len;
		if (*p == ':')
			p++;
	}
	snprintf(detail, size, "%s: command not found (not in $PATH: %s)", prog, path);
	return -ENOENT;
}

void nsim_proc_exec(const struct nsim_proc_exec *e)
{
	if (e->host)
		setenv("NETSIM_HOST", e->host, 1);
	if (e->instance)
		setenv("NETSIM_INSTANCE", e->instance, 1);
	(void)!chdir("/");
	if (e->argv->shell)
		execl("/bin/sh", "sh", "-c", e->argv->argv[0], (char *)NULL);
	else
		execvp(e->argv->argv[0], e->argv->argv);
	int err = errno;
	dprintf(2, "netsim: %s: %s\n", e->argv->shell ? "/bin/sh" : e->argv->argv[0], strerror(err));
	_exit(127);
}

struct exec_body {
	const struct nsim_proc_exec *e;
	int log;
};

static int exec_setup(void *userdata, char *detail, size_t size)
{
	struct exec_body *b = userdata;
	int r = nsim_proc_check_program(b->e->argv, detail, size);
	return r < 0 ? r : nsim_proc_enter(b->e, detail, size);
}

static _noreturn_ void exec_serve(void *userdata)
{
	struct exec_body *b = userdata;
	if (dup2(b->log, 1) < 0 || dup2(b->log, 2) < 0)
		_exit(127);
	close(b->log);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	nsim_proc_exec(b->e);
}

int nsim_proc_start_exec(int dirfd, const char *kind, const char *log_name, const struct nsim_proc_exec *e,
			 pid_t *ret_pid, char **ret_detail)
{
	_cleanup_close_ int log = openat(dirfd, log_name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (log < 0)
		return -errno;
	struct exec_body b = {.e = e, .log = log};
	char comm[16];
	const char *prog = e->argv->shell ? "sh" : e->argv->argv[0];
	const char *slash = strrchr(prog, '/');
	snprintf(comm, sizeof(comm), "%s", slash ? slash + 1 : prog);
	const struct nsim_proc_body body = {.kind = kind, .comm = comm, .setup = exec_setup, .serve = exec_serve,
					    .userdata = &b, .keep_fd = log};
	return nsim_proc_start(dirfd, e->ns, &body, ret_pid, ret_detail);
}

/* The network namespace (st_dev, st_ino) of pid, 0 or -errno. */
static int pid_netns(const char *pid, struct stat *ret)
{
	char path[300];
	snprintf(path, sizeof(path), "/proc/%s/ns/net", pid);
	return stat(path, ret) < 0 ? -errno : 0;
}

static ssize_t ns_index(const struct stat *st, const struct stat *ns_st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (st->st_ino == ns_st[i].st_ino && st->st_dev == ns_st[i].st_dev)
			return (ssize_t)i;
	return -1;
}

int nsim_proc_stop_in_namespaces(const struct stat *ns_st, char *const *ns_names, size_t n, struct nsim_strv *stopped)
{
	if (!n)
		return 0;
	/* a few rounds: a process may fork while we look */
	for (int round = 0; round < 4; round++) {
		DIR *d = opendir("/proc");
		if (!d)
			return -errno;
		int fds[256];
		size_t n_fds = 0;
		int r = 0;
		pid_t self = getpid();
		for (struct dirent *e; r == 0 && n_fds < 256 && (e = readdir(d));) {
			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			int pid = atoi(e->d_name);
			struct stat st;
			if (pid == self || pid_netns(e->d_name, &st) < 0 || ns_index(&st, ns_st, n) < 0)
				continue;
			int pidfd = nsim_proc_pidfd_open(pid);
			if (pidfd < 0)
				continue;
			/* the pidfd holds the PID: look again, so a reused PID is never signalled */
			ssize_t k;
			if (pid_netns(e->d_name, &st) < 0 || (k = ns_index(&st, ns_st, n)) < 0 ||
			    pidfd_signal(pidfd, SIGTERM) < 0) {
				close(pidfd);
				continue;
			}
			char comm[32] = "?", line[PATH_MAX];
			(void)read_comm(e->d_name, comm, sizeof(comm));
			snprintf(line, sizeof(line), "pid %d (%s) in %s", pid, comm, ns_names[k]);
			if (stopped)
				r = nsim_strv_append(stopped, line);
			fds[n_fds++] = pidfd;
		}
		closedir(d);
		double t0 = nsim_clock_ms(CLOCK_MONOTONIC);
		for (size_t i = 0; i < n_fds; i++) {
			double left = 2000 - (nsim_clock_ms(CLOCK_MONOTONIC) - t0);
			if (!nsim_proc_pidfd_wait(fds[i], left > 0 ? (int)left : 0)) {
				(void)pidfd_signal(fds[i], SIGKILL);
				(void)nsim_proc_pidfd_wait(fds[i], 5000);
			}
			close(fds[i]);
		}
		if (r < 0)
			return r;
		if (!n_fds)
			break;
	}
	return 0;
}
