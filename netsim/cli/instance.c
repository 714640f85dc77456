/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply.h"
#include "cli/instance.h"
#include "model/fileio.h"
#include "model/util.h"
#include "probe/responder.h"

static char *state_path(const char *name, const char *file)
{
	char *p = NULL;
	if (asprintf(&p, NSIM_STATE_DIR "/%s%s%s", name, file ? "/" : "", file ? file : "") < 0)
		return NULL;
	return p;
}

/* Writes `data` to dir/file through a temporary file and rename, so a reader
 * (or a crash) never sees half a file. */
static int write_atomic(const char *name, const char *file, const char *data)
{
	_cleanup_free_ char *path = state_path(name, file);
	_cleanup_free_ char *tmp = NULL;
	if (!path || asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	size_t len = strlen(data);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)n;
	}
	if (rename(tmp, path) < 0)
		return -errno;
	return 0;
}

/* state.json of 5000 hosts is about 1 MiB */
#define STATE_MAX_BYTES (64u << 20)

static int read_file(const char *path, char **ret)
{
	size_t len;
	return nsim_file_read(path, STATE_MAX_BYTES, ret, &len);
}

/* The start time of a process (field 22 of /proc/PID/stat), to tell our
 * responder from a process that got its PID later. 0 when it does not exist. */
static unsigned long long proc_start_time(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *stat = NULL;
	if (read_file(path, &stat) < 0)
		return 0;
	char *p = strrchr(stat, ')'); /* comm may hold spaces */
	if (!p)
		return 0;
	unsigned long long start = 0;
	/* after ") ": state is field 3; starttime is field 22 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &start) != 1)
		return 0;
	return start;
}

/* Ends the responder by the PID recorded, if it is still the same process,
 * and waits for it to be gone (pidfd: an event, not a sleep). */
static void stop_responder(pid_t pid, unsigned long long start)
{
	if (pid <= 0 || !start || proc_start_time(pid) != start)
		return;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (kill(pid, SIGTERM) < 0) {
		if (pidfd >= 0)
			close(pidfd);
		return;
	}
	if (pidfd >= 0) {
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		if (poll(&pfd, 1, 2000) == 0)
			kill(pid, SIGKILL);
		close(pidfd);
	}
}

static int remove_state(const char *name)
{
	static const char *const files[] = {"state.json", "state.json.tmp", "namespaces", "namespaces.tmp",
					    "topology.yaml", "topology.yaml.tmp", "responder", "responder.tmp"};
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *p = state_path(name, files[i]);
		if (!p)
			return -ENOMEM;
		if (unlink(p) < 0 && errno != ENOENT)
			return -errno;
	}
	_cleanup_free_ char *dir = state_path(name, NULL);
	if (!dir)
		return -ENOMEM;
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Namespaces under netsim-NAME- that another instance's state does not claim:
 * "a" and "a-b" share prefixes, so a prefix scan alone could take too much. */
static bool claimed_by_other(const char *name, const char *ns)
{
	char **names = NULL;
	size_t n = 0;
	bool claimed = false;
	if (nsim_instance_list(&names, &n) < 0)
		return true; /* when in doubt, leave it */
	for (size_t i = 0; i < n && !claimed; i++) {
		if (streq(names[i], name))
			continue;
		_cleanup_free_ char *path = state_path(names[i], "namespaces");
		_cleanup_free_ char *list = NULL;
		if (!path || read_file(path, &list) < 0)
			continue;
		for (char *save = NULL, *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (streq(line, ns))
				claimed = true;
	}
	nsim_apply_names_free(names);
	return claimed;
}

static int down(const char *name, bool scan, bool *ret_found)
{
	bool found = false;
	int r = 0;

	_cleanup_free_ char *state_file = state_path(name, "state.json");
	_cleanup_free_ char *ns_file = state_path(name, "namespaces");
	if (!state_file || !ns_file)
		return -ENOMEM;

	/* the responder is stopped from its own record (written as soon as it runs) */
	if (access(state_file, F_OK) == 0)
		found = true;

	_cleanup_free_ char *resp_file = state_path(name, "responder"), *resp = NULL;
	if (resp_file && read_file(resp_file, &resp) == 0) {
		int pid = 0;
		unsigned long long start = 0;
		found = true;
		if (sscanf(resp, "%d %llu", &pid, &start) == 2)
			stop_responder((pid_t)pid, start);
	}

	_cleanup_free_ char *list = NULL;
	if (read_file(ns_file, &list) == 0) {
		found = true;
		for (char *save = NULL, *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			int k = nsim_apply_netns_del(line);
			if (k < 0 && r == 0)
				r = k;
		}
	}

	/* what a crash between mkdir and the namespace list, or an older state, left */
	char prefix[NSIM_NAME_MAX + 16];
	snprintf(prefix, sizeof(prefix), "netsim-%s-", name);
	char **left = NULL;
	size_t n_left = 0;
	if (scan && nsim_apply_netns_list(prefix, &left, &n_left) == 0) {
		for (size_t i = 0; i < n_left; i++) {
			if (claimed_by_other(name, left[i]))
				continue;
			found = true;
			int k = nsim_apply_netns_del(left[i]);
			if (k < 0 && r == 0)
				r = k;
		}
		nsim_apply_names_free(left);
	}

	_cleanup_free_ char *dir = state_path(name, NULL);
	struct stat st;
	if (dir && stat(dir, &st) == 0)
		found = true;
	if (r == 0)
		r = remove_state(name);
	if (ret_found)
		*ret_found = found;
	return r;
}

int nsim_instance_down(const char *name, bool *ret_found)
{
	return down(name, true, ret_found);
}

int nsim_instance_list(char ***ret_names, size_t *ret_n)
{
	DIR *d = opendir(NSIM_STATE_DIR);
	if (!d) {
		if (errno != ENOENT)
			return -errno;
		*ret_names = calloc(1, sizeof(char *));
		*ret_n = 0;
		return *ret_names ? 0 : -ENOMEM;
	}
	char **names = NULL;
	size_t n = 0;
	int r = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || !nsim_plan_name_valid(e->d_name))
			continue;
		char **nn = realloc(names, (n + 2) * sizeof(*names));
		if (!nn || !(nn[n] = strdup(e->d_name))) {
			names = nn ? nn : names;
			r = -ENOMEM;
			break;
		}
		names = nn;
		n++;
		names[n] = NULL;
	}
	closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return r;
	}
	if (!names && !(names = calloc(1, sizeof(char *))))
		return -ENOMEM;
	for (size_t i = 1; i < n; i++) /* sort: few entries */
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	*ret_names = names;
	*ret_n = n;
	return 0;
}

int nsim_instance_read_state(const char *name, char **ret_json)
{
	_cleanup_free_ char *path = state_path(name, "state.json");
	if (!path)
		return -ENOMEM;
	return read_file(path, ret_json);
}

static char *state_json(const struct nsim_plan *p, const char *topo_path, pid_t pid,
			const struct nsim_up_stats *stats)
{
	json_t *hosts = json_array(), *namespaces = json_array();
	for (size_t i = 0; i < p->n_hosts; i++) {
		const struct nsim_plan_host *h = &p->hosts[i];
		char a[NSIM_ADDR_STRLEN], pub[NSIM_ADDR_STRLEN];
		json_array_append_new(hosts, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "name", h->name, "kind",
						       h->kind, "where", h->where, "namespace", h->ns, "address",
						       nsim_addr_fmt(h->addr, a), "public_ip",
						       h->public_ip ? nsim_addr_fmt(h->public_ip, pub) : NULL));
	}
	for (size_t i = 0; i < p->n_namespaces; i++)
		json_array_append_new(namespaces, json_string(p->namespaces[i]));
	char abs[4096];
	const char *topo = streq(topo_path, "-") ? "<stdin>" : realpath(topo_path, abs) ? abs : topo_path;
	json_t *j = json_pack("{s:s, s:s, s:I, s:o, s:o, s:{s:I, s:I}, s:{s:I, s:f}}", "name", p->name, "topology",
			      topo, "created", (json_int_t)time(NULL), "hosts", hosts, "namespaces", namespaces,
			      "responder", "pid", (json_int_t)pid, "start_time",
			      (json_int_t)(pid > 0 ? proc_start_time(pid) : 0), "up", "operations",
			      (json_int_t)stats->n_ops, "ms", stats->ms);
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	json_decref(j);
	return text;
}

__attribute__((format(printf, 1, 2))) static char *sdup(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

int nsim_instance_up(const struct nsim_plan *p, const char *topo_path, const char *topo_text,
		     struct nsim_up_stats *ret_stats, char **ret_error)
{
	double t0 = nsim_clock_ms(CLOCK_MONOTONIC);
	char *error = NULL;
	struct nsim_apply *ctx = NULL;
	pid_t pid = 0;
	_cleanup_free_ char *list = NULL, *state = NULL;
	int r;

	if (mkdir(NSIM_STATE_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	_cleanup_free_ char *dir = state_path(p->name, NULL);
	if (!dir)
		return -ENOMEM;
	/* mkdir is the lock: one `up` per name */
	if (mkdir(dir, 0700) < 0) {
		r = -errno;
		if (r == -EEXIST)
			error = sdup("'%s' is already up (state in %s): run 'netsim down' first, or choose another --name",
				     p->name, dir);
		goto fail_nostate;
	}

	/* the list first: whatever happens next, `down` knows what to remove */
	size_t len = 1;
	for (size_t i = 0; i < p->n_namespaces; i++)
		len += strlen(p->namespaces[i]) + 1;
	list = malloc(len);
	if (!list) {
		r = -ENOMEM;
		goto fail;
	}
	list[0] = '\0';
	for (size_t i = 0, off = 0; i < p->n_namespaces; i++)
		off += (size_t)sprintf(list + off, "%s\n", p->namespaces[i]);
	if ((r = write_atomic(p->name, "namespaces", list)) < 0)
		goto fail;

	/* a namespace of that name left by something else: refuse rather than adopt it */
	for (size_t i = 0; i < p->n_namespaces; i++) {
		char path[512];
		snprintf(path, sizeof(path), "/run/netns/%s", p->namespaces[i]);
		if (access(path, F_OK) == 0) {
			error = sdup("namespace %s already exists (%s): is another topology up under this name?",
				     p->namespaces[i], path);
			r = -EEXIST;
			/* not ours: keep it out of the rollback */
			write_atomic(p->name, "namespaces", "");
			goto fail;
		}
	}

	/* `check` proves the expectations of what is up, not of the file as it may be edited later */
	if ((r = write_atomic(p->name, "topology.yaml", topo_text)) < 0) {
		error = sdup("keeping a copy of %s: %s", topo_path, strerror(-r));
		goto fail;
	}

	if ((r = nsim_apply_new(NULL, NULL, &ctx)) < 0) {
		if (r == -EINVAL)
			error = sdup("NETSIM_FAIL_AT and NETSIM_CRASH_AT take a positive operation number");
		goto fail;
	}
	size_t done = 0;
	r = nsim_apply_ops(ctx, p->ops, p->n_ops, &done);
	if (r < 0) {
		char where[64];
		snprintf(where, sizeof(where), "operation %zu of %zu", done + 1, p->n_ops);
		error = sdup("%s failed: %s", where, nsim_apply_last_error(ctx));
		goto fail;
	}
	/* the cached sockets and nft contexts hold the namespaces: let go before anything else */
	nsim_apply_free(TAKE_PTR(ctx));

	char *detail = NULL;
	if ((r = nsim_responder_start(p, &pid, &detail)) < 0) {
		error = sdup("starting the responders failed: %s", detail ? detail : strerror(-r));
		free(detail);
		goto fail;
	}
	/* recorded at once: `down` must find it even if we die before state.json */
	if (pid > 0) {
		char rec[64];
		snprintf(rec, sizeof(rec), "%d %llu\n", (int)pid, proc_start_time(pid));
		if ((r = write_atomic(p->name, "responder", rec)) < 0)
			goto fail;
	}

	struct nsim_up_stats stats = {.n_ops = p->n_ops, .n_namespaces = p->n_namespaces, .ms = nsim_clock_ms(CLOCK_MONOTONIC) - t0};
	state = state_json(p, topo_path, pid, &stats);
	if (!state) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = write_atomic(p->name, "state.json", state)) < 0)
		goto fail;
	stats.ms = nsim_clock_ms(CLOCK_MONOTONIC) - t0;
	if (ret_stats)
		*ret_stats = stats;
	return 0;

fail:
	nsim_apply_free(ctx);
	if (pid > 0)
		stop_responder(pid, proc_start_time(pid));
	/* exactly the namespaces of the list: a same-prefix namespace may be someone else's */
	down(p->name, false, NULL);
fail_nostate:
	if (ret_error)
		*ret_error = error;
	else
		free(error);
	return r;
}
