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
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "instance/instance-internal.h"
#include "instance/proc.h"

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

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_signal(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

static bool pidfd_wait(int pidfd, int ms)
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
	_cleanup_close_ int pidfd = pidfd_open(pid);
	if (pidfd < 0)
		return false;
	/* the pidfd names one process for good: check it is still ours, then signal through it */
	if (nsim_proc_start_time(pid, &now) < 0 || now != start)
		return false;
	if (pidfd_signal(pidfd, SIGTERM) < 0)
		return false;
	if (!pidfd_wait(pidfd, 2000)) {
		(void)pidfd_signal(pidfd, SIGKILL);
		(void)pidfd_wait(pidfd, 5000);
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

/* Closes every fd from 3 up but keep[0..2). */
static void close_others(const int keep[2])
{
	int a = keep[0] < keep[1] ? keep[0] : keep[1], b = keep[0] < keep[1] ? keep[1] : keep[0];
	if (a > 3)
		(void)syscall(SYS_close_range, 3, a - 1, 0);
	if (b > a + 1)
		(void)syscall(SYS_close_range, a + 1, b - 1, 0);
	(void)syscall(SYS_close_range, b + 1, ~0U, 0);
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
	close_others((int[2]){ready, go});
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
