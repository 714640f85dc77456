/* SPDX-License-Identifier: MIT */
/*
 * The plan's processes (VPC resolvers, users' run: services): their files,
 * their start through the process records, and the wait until they serve.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "instance/instance-internal.h"
#include "instance/instance.h"
#include "instance/proc.h"
#include "plan/plan.h"
#include "plan/services.h"

#define READY_TIMEOUT_DEFAULT_MS 15000
#define LOG_TAIL_LINES 20

/* s with every NSIM_PLAN_STATE_DIR replaced by dir (caller frees), NULL on ENOMEM. */
static char *substitute(const char *s, const char *dir)
{
	size_t plen = strlen(NSIM_PLAN_STATE_DIR), dlen = strlen(dir), n = 0;
	for (const char *p = strstr(s, NSIM_PLAN_STATE_DIR); p; p = strstr(p + plen, NSIM_PLAN_STATE_DIR))
		n++;
	char *out = malloc(strlen(s) + n * dlen + 1);
	if (!out)
		return NULL;
	char *o = out;
	for (const char *p; (p = strstr(s, NSIM_PLAN_STATE_DIR)); s = p + plen) {
		memcpy(o, s, (size_t)(p - s));
		o = stpcpy(o + (p - s), dir);
	}
	strcpy(o, s);
	return out;
}

char *instance_file_tail(int dirfd, const char *file, size_t lines)
{
	_cleanup_free_ char *text = NULL;
	if (instance_file_read(dirfd, file, &text) < 0)
		return NULL;
	size_t len = strlen(text);
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	const char *start = text;
	size_t seen = 0;
	for (size_t i = len; i > 0; i--)
		if (text[i - 1] == '\n' && ++seen == lines) {
			start = text + i;
			break;
		}
	/* "    " before each line */
	size_t n = 1, cap = strlen(start) * 5 + 8;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	char *o = stpcpy(out, "    ");
	for (const char *p = start; *p; p++) {
		*o++ = *p;
		if (*p == '\n')
			o = stpcpy(o, "    ");
		n++;
	}
	*o = '\0';
	return out;
}

/* A socket made inside namespace ns; the calling thread returns to its own. */
static int ns_socket(const char *ns, int type, int *ret_fd)
{
	char path[PATH_MAX];
	nsim_plan_ns_path(path, sizeof(path), ns);
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || nsfd < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int r = fd < 0 ? -errno : 0;
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* never go on in a namespace that is not ours */
	if (r < 0)
		return r;
	*ret_fd = fd;
	return 0;
}

/*
 * Until deadline (CLOCK_MONOTONIC ms): connects to addr:port from inside ns,
 * non-blocking, waiting on the socket and the process's pidfd; refused
 * connections are retried after 1, 2, 4 ... 128 ms. 0 (accepted), -ECHILD
 * (the process exited), -ETIMEDOUT, -errno.
 */
static int wait_port(const char *ns, uint32_t addr, uint16_t port, int pidfd, double deadline)
{
	int backoff = 1;
	for (;;) {
		_cleanup_close_ int fd = -1;
		int r = ns_socket(ns, SOCK_STREAM, &fd);
		if (r < 0)
			return r;
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(addr)};
		int err = 0;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			err = errno;
			if (err == EINPROGRESS) {
				double left = deadline - nsim_clock_ms(CLOCK_MONOTONIC);
				struct pollfd pfd[2] = {{.fd = fd, .events = POLLOUT}, {.fd = pidfd, .events = POLLIN}};
				int n;
				while ((n = poll(pfd, 2, left > 0 ? (int)left + 1 : 0)) < 0 && errno == EINTR)
					;
				if (n < 0)
					return -errno;
				if (pfd[1].revents)
					return -ECHILD;
				if (n == 0)
					return -ETIMEDOUT;
				socklen_t len = sizeof(err);
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
					return -errno;
			}
		}
		if (err == 0)
			return 0;
		if (err != ECONNREFUSED && err != EHOSTUNREACH && err != ENETUNREACH)
			return -err;
		double left = deadline - nsim_clock_ms(CLOCK_MONOTONIC);
		if (left <= 0)
			return -ETIMEDOUT;
		if (nsim_proc_pidfd_wait(pidfd, backoff < left ? backoff : (int)left + 1))
			return -ECHILD;
		if (backoff < 128)
			backoff *= 2;
	}
}

/* true when /proc/PID/net/udp (the process's namespace) has a socket bound to port. */
static bool udp_bound(pid_t pid, uint16_t port)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/net/udp", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned local_port;
		if (sscanf(line, " %*d: %*8[0-9A-Fa-f]:%4X", &local_port) == 1 && local_port == port)
			found = true;
	}
	fclose(f);
	return found;
}

/* A resolver: until its UDP port is bound (the port of each ready entry). */
static int wait_udp(pid_t pid, uint16_t port, int pidfd, double deadline)
{
	int backoff = 1;
	while (!udp_bound(pid, port)) {
		double left = deadline - nsim_clock_ms(CLOCK_MONOTONIC);
		if (left <= 0)
			return -ETIMEDOUT;
		if (nsim_proc_pidfd_wait(pidfd, backoff < left ? backoff : (int)left + 1))
			return -ECHILD;
		if (backoff < 128)
			backoff *= 2;
	}
	return 0;
}

static uint32_t host_addr(const struct nsim_plan *p, const char *host)
{
	for (size_t i = 0; i < p->n_hosts; i++)
		if (streq(p->hosts[i].name, host))
			return p->hosts[i].addr;
	return 0;
}

static int write_file(const struct nsim_plan_file *f, int dirfd, const char *dir, char **ret_error);

static int start_one(const struct nsim_plan *p, const struct nsim_plan_process *pp, int dirfd, const char *dir,
		     char **ret_error)
{
	int r;
	for (size_t i = 0; i < pp->n_files; i++)
		if ((r = write_file(&pp->files[i], dirfd, dir, ret_error)) < 0)
			return r;
	/* the argv with the state dir in place of its placeholder */
	_cleanup_free_ char **argv = calloc(pp->argv->argc + 1, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	struct nsim_argv args = {.shell = pp->argv->shell, .argv = argv, .argc = pp->argv->argc};
	r = 0;
	for (size_t i = 0; i < pp->argv->argc && r == 0; i++)
		if (!(argv[i] = substitute(pp->argv->argv[i], dir)))
			r = -ENOMEM;
	_cleanup_free_ char *log = instance_sprintf("%s.log", pp->name);
	_cleanup_free_ char *resolv = NULL, *hosts = NULL;
	if (r == 0 && !log)
		r = -ENOMEM;
	if (r == 0 && pp->host)
		r = nsim_instance_dns_files(dir, pp->host, &resolv, &hosts);
	pid_t pid = 0;
	_cleanup_free_ char *detail = NULL;
	if (r == 0) {
		const struct nsim_proc_exec e = {.instance = p->name, .host = pp->host, .ns = pp->ns,
						 .resolv_conf = resolv,
						 .hosts = hosts, .argv = &args};
		r = nsim_proc_start_exec(dirfd, pp->kind == NSIM_PROCESS_SERVICE ? "service" : "resolver", log, &e,
					 &pid, &detail);
		if (r < 0)
			*ret_error = instance_sprintf("starting %s%s%s failed: %s", pp->name, pp->host ? " of host " : "",
						      pp->host ? pp->host : "", detail ? detail : strerror(-r));
	}
	for (size_t i = 0; i < args.argc; i++)
		free(argv[i]);
	if (r < 0 || !pp->n_ready)
		return r;

	_cleanup_close_ int pidfd = nsim_proc_pidfd_open(pid);
	if (pidfd < 0)
		return -errno;
	uint32_t timeout = pp->ready_timeout_ms ? pp->ready_timeout_ms : READY_TIMEOUT_DEFAULT_MS;
	double deadline = nsim_clock_ms(CLOCK_MONOTONIC) + timeout;
	uint32_t addr = pp->ready_addr ? pp->ready_addr : pp->host ? host_addr(p, pp->host) : 0;
	for (size_t i = 0; i < pp->n_ready && r == 0; i++) {
		uint16_t port = pp->ready[i].from;
		r = addr ? wait_port(pp->ns, addr, port, pidfd, deadline) : wait_udp(pid, port, pidfd, deadline);
		if (r == 0)
			continue;
		_cleanup_free_ char *tail = instance_file_tail(dirfd, log, LOG_TAIL_LINES);
		char a[NSIM_ADDR_STRLEN];
		const char *why = r == -ECHILD ? "exited" : r == -ETIMEDOUT ? "did not accept connections" : strerror(-r);
		if (r == -ETIMEDOUT)
			*ret_error = instance_sprintf(
				"%s%s%s is not ready: %s:%u/%s %s within %u ms (ready_timeout); the end of its log "
				"(%s/%s):\n%s",
				pp->name, pp->host ? " of host " : "", pp->host ? pp->host : "", nsim_addr_fmt(addr, a),
				port, addr ? "tcp" : "udp", why, timeout, dir, log, tail ? tail : "    (empty)");
		else
			*ret_error = instance_sprintf("%s%s%s is not ready: it %s before port %u/%s was served; the end "
						      "of its log (%s/%s):\n%s",
						      pp->name, pp->host ? " of host " : "", pp->host ? pp->host : "",
						      r == -ECHILD ? "exited" : why, port, addr ? "tcp" : "udp", dir,
						      log, tail ? tail : "    (empty)");
	}
	return r;
}

static int write_file(const struct nsim_plan_file *f, int dirfd, const char *dir, char **ret_error)
{
	if (!f->name || !f->text)
		return 0;
	_cleanup_free_ char *text = substitute(f->text, dir);
	if (!text)
		return -ENOMEM;
	int r = instance_file_write(dirfd, f->name, text);
	if (r < 0)
		*ret_error = instance_sprintf("writing %s/%s: %s", dir, f->name, strerror(-r));
	return r;
}

/* Appends file f as a record of HOST_FILES: "@@ NAME LEN\n", LEN bytes, "\n". */
static int host_file_record(FILE *out, const struct nsim_plan_file *f, const char *dir)
{
	if (!f->name || !f->text)
		return 0;
	_cleanup_free_ char *text = substitute(f->text, dir);
	if (!text)
		return -ENOMEM;
	fprintf(out, "@@ %s %zu\n%s\n", f->name, strlen(text), text);
	return 0;
}

/* The hosts' DNS files, all in one file: a file per host costs a file system
 * inode each, created by `up` and deleted by `down` for every host whether or
 * not anything ever runs there (on ext4 without a journal, each create also
 * scans past the inodes deleted in the last minutes: the cost of every file
 * grows with the files `down` removed before). nsim_instance_dns_files()
 * writes a host's own files the first time a process starts there. */
static int write_host_files(const struct nsim_plan *p, int dirfd, const char *dir_path, char **ret_error)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < p->n_hosts && r == 0; i++)
		if ((r = host_file_record(out, &p->hosts[i].resolv_conf, dir_path)) == 0)
			r = host_file_record(out, &p->hosts[i].hosts_file, dir_path);
	if (fclose(out) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0 && (r = instance_file_write(dirfd, NSIM_INSTANCE_HOST_FILES, text)) < 0)
		*ret_error = instance_sprintf("writing %s/%s: %s", dir_path, NSIM_INSTANCE_HOST_FILES, strerror(-r));
	return r;
}

/* The text of record `file` of HOST_FILES in text (not a copy, not
 * terminated: *ret_len bytes), or NULL. */
static const char *host_file_find(const char *text, const char *file, size_t *ret_len)
{
	size_t flen = strlen(file);
	const char *text_end = text + strlen(text);
	for (const char *p = text; p && strncmp(p, "@@ ", 3) == 0;) {
		const char *name = p + 3, *sp = strchr(name, ' ');
		char *end;
		if (!sp)
			return NULL;
		errno = 0;
		unsigned long long len = strtoull(sp + 1, &end, 10);
		if (errno || *end != '\n' || len > (size_t)(text_end - (end + 1)))
			return NULL;
		if ((size_t)(sp - name) == flen && strncmp(name, file, flen) == 0) {
			*ret_len = (size_t)len;
			return end + 1;
		}
		p = end + 1 + len;
		p = *p == '\n' ? p + 1 : NULL;
	}
	return NULL;
}

/* dirfd/file from its record of HOST_FILES, unless it exists. Through a temporary
 * name of this process's own (two `netsim exec` may do it at once) and a rename. */
static int host_file_materialize(int dirfd, const char *text, const char *file)
{
	size_t len;
	if (faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	const char *data = host_file_find(text, file, &len);
	if (!data)
		return 0; /* none: the machine's own file stays */
	_cleanup_free_ char *tmp = instance_sprintf("%s.%d.tmp", file, (int)getpid());
	return tmp ? instance_file_write_via(dirfd, file, tmp, data, len) : -ENOMEM;
}

int instance_start_processes(const struct nsim_plan *p, int dirfd, const char *dir_path, char **ret_error)
{
	/* the hosts' DNS configuration, before anything runs in a host */
	int r0 = write_host_files(p, dirfd, dir_path, ret_error);
	if (r0 < 0)
		return r0;
	static const enum nsim_plan_process_kind order[] = {NSIM_PROCESS_RESOLVER, NSIM_PROCESS_SERVICE};
	for (size_t o = 0; o < ELEMENTSOF(order); o++)
		for (size_t i = 0; i < p->n_processes; i++) {
			if (p->processes[i].kind != order[o])
				continue;
			int r = start_one(p, &p->processes[i], dirfd, dir_path, ret_error);
			if (r < 0)
				return r;
		}
	return 0;
}

int nsim_instance_dns_files(const char *dir, const char *host, char **ret_resolv, char **ret_hosts)
{
	_cleanup_free_ char *resolv = instance_sprintf("%s/" NSIM_INSTANCE_RESOLV_FMT, dir, host);
	_cleanup_free_ char *hosts = instance_sprintf("%s/" NSIM_INSTANCE_HOSTS_FMT, dir, host);
	if (!resolv || !hosts)
		return -ENOMEM;
	/* Best effort: a file that cannot be written is missing, and a missing
	 * one leaves the machine's (as for a host without DNS files). */
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *text = NULL;
	if (instance_path_open(dir, &dirfd) == 0 && instance_file_read(dirfd, NSIM_INSTANCE_HOST_FILES, &text) == 0) {
		if (host_file_materialize(dirfd, text, strrchr(resolv, '/') + 1) == -ENOMEM ||
		    host_file_materialize(dirfd, text, strrchr(hosts, '/') + 1) == -ENOMEM)
			return -ENOMEM;
	}
	*ret_resolv = TAKE_PTR(resolv);
	*ret_hosts = TAKE_PTR(hosts);
	return 0;
}
