/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply.h"
#include "apply/digest.h"
#include "instance/instance-internal.h"
#include "instance/instance.h"
#include "instance/proc.h"
#include "model/util.h"
#include "probe/responder.h"

#define NAMESPACES "namespaces"

/* ---- records ---- */

/* The lines of dirfd/file; a missing file is an empty list. */
static int read_lines(int dirfd, const char *file, struct nsim_strv *ret)
{
	_cleanup_free_ char *text = NULL;
	int r = instance_file_read(dirfd, file, &text);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if ((r = nsim_strv_append(ret, line)) < 0)
			return r;
	return 0;
}

static int write_lines(int dirfd, const char *file, const char *const *lines, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(lines[i]) + 1;
	_cleanup_free_ char *text = malloc(len);
	if (!text)
		return -ENOMEM;
	char *end = text;
	for (size_t i = 0; i < n; i++)
		end = stpcpy(stpcpy(end, lines[i]), "\n");
	*end = '\0';
	return instance_file_write(dirfd, file, text);
}

/* Removes every file of the instance dir, then the dir. Only called with
 * dirfd opened by instance_dir_open() (not through a symlink, ours). */
static int remove_state(int rootfd, int dirfd, const char *name)
{
	int dfd = dup(dirfd);
	if (dfd < 0)
		return -errno;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -ENOMEM;
	}
	int r = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (streq(e->d_name, ".") || streq(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd, e->d_name, 0) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	closedir(d);
	if (r == 0 && unlinkat(rootfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

static bool ns_exists(const char *ns)
{
	char path[PATH_MAX];
	struct stat st;
	nsim_plan_ns_path(path, sizeof(path), ns);
	return lstat(path, &st) == 0;
}

/* ---- list ---- */

/* The instance names in the state dir rootfd, sorted. */
static int list_at(int rootfd, struct nsim_strv *names)
{
	int dfd = dup(rootfd);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		int r = -errno;
		if (dfd >= 0)
			close(dfd);
		return r;
	}
	int r = 0;
	for (struct dirent *e; r == 0 && (e = readdir(d));) {
		if (e->d_name[0] == '.' || !nsim_plan_name_valid(e->d_name))
			continue;
		unsigned char type = e->d_type;
		struct stat st;
		if (type == DT_UNKNOWN && fstatat(rootfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
		if (type == DT_DIR || type == DT_LNK)
			r = nsim_strv_append(names, e->d_name);
	}
	closedir(d);
	nsim_strv_sort(names);
	return r;
}

int nsim_instance_list(char ***ret_names, size_t *ret_n, char **ret_error)
{
	_cleanup_(nsim_strv_clear) struct nsim_strv names = {0};
	_cleanup_close_ int rootfd = -1;
	int r = instance_root_open(false, &rootfd, ret_error);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && (r = list_at(rootfd, &names)) < 0)
		return r;
	return nsim_strv_steal(&names, ret_names, ret_n);
}

int nsim_instance_read_file(const char *name, const char *file, char **ret_text)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	if (!nsim_plan_name_valid(name))
		return -EINVAL;
	int r = instance_root_open(false, &rootfd, NULL);
	if (r < 0)
		return r;
	if ((r = instance_dir_open(rootfd, name, &dirfd)) < 0)
		return r;
	return instance_file_read(dirfd, file, ret_text);
}

int nsim_instance_open_file(const char *name, const char *file, int *ret_fd)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	if (!nsim_plan_name_valid(name) || strchr(file, '/'))
		return -EINVAL;
	int r = instance_root_open(false, &rootfd, NULL);
	if (r < 0)
		return r;
	if ((r = instance_dir_open(rootfd, name, &dirfd)) < 0)
		return r;
	int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	*ret_fd = fd;
	return 0;
}

int nsim_instance_read_state(const char *name, char **ret_json)
{
	return nsim_instance_read_file(name, "state.json", ret_json);
}

/* Every namespace the records in the state dir claim, sorted. Instances
 * whose dir is refused (a symlink, ...) claim nothing. */
static int claimed_namespaces(int rootfd, const char *except, struct nsim_strv *ret_claimed,
			      struct nsim_strv *ret_owner)
{
	_cleanup_(nsim_strv_clear) struct nsim_strv names = {0};
	int r = list_at(rootfd, &names);
	if (r < 0)
		return r;
	for (size_t i = 0; i < names.n; i++) {
		if (except && streq(names.v[i], except))
			continue;
		_cleanup_close_ int dirfd = -1;
		if (instance_dir_open(rootfd, names.v[i], &dirfd) < 0)
			continue;
		_cleanup_(nsim_strv_clear) struct nsim_strv lines = {0};
		if ((r = read_lines(dirfd, NAMESPACES, &lines)) < 0)
			return r;
		for (size_t k = 0; k < lines.n; k++) {
			if ((r = nsim_strv_append(ret_claimed, lines.v[k])) < 0)
				return r;
			if (ret_owner && (r = nsim_strv_append(ret_owner, names.v[i])) < 0)
				return r;
		}
	}
	return 0;
}

int nsim_instance_foreign_namespaces(char ***ret_names, size_t *ret_n)
{
	_cleanup_(nsim_strv_clear) struct nsim_strv claimed = {0}, foreign = {0};
	_cleanup_(nsim_strv_freep) char **all = NULL;
	_cleanup_close_ int rootfd = -1;
	size_t n = 0;
	int r = instance_root_open(false, &rootfd, NULL);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && (r = claimed_namespaces(rootfd, NULL, &claimed, NULL)) < 0)
		return r;
	if ((r = nsim_apply_netns_list(NSIM_NETNS_PREFIX, &all, &n)) < 0)
		return r;
	nsim_strv_sort(&claimed);
	for (size_t i = 0; i < n; i++) {
		if (nsim_strv_contains_sorted(&claimed, all[i]))
			continue;
		if ((r = nsim_strv_append(&foreign, all[i])) < 0)
			return r;
	}
	return nsim_strv_steal(&foreign, ret_names, ret_n);
}

/* ---- down ---- */

void nsim_instance_down_result_clear(struct nsim_down_result *res)
{
	if (!res)
		return;
	nsim_strv_clear(&res->stopped);
	nsim_strv_clear(&res->still_running);
	*res = (struct nsim_down_result){0};
}

/* Deletes the namespaces in `list` that belong to instance `name`, then
 * reports processes still inside them. */
static int delete_namespaces(const char *name, char *const *list, size_t n, struct nsim_down_result *res)
{
	_cleanup_free_ struct stat *st = calloc(n ? n : 1, sizeof(*st));
	_cleanup_free_ char **gone = calloc(n + 1, sizeof(*gone));
	if (!st || !gone)
		return -ENOMEM;
	char prefix[NSIM_NAME_MAX + 16];
	snprintf(prefix, sizeof(prefix), NSIM_NETNS_PREFIX "%s-", name);
	size_t n_gone = 0;
	int r = 0;
	/* every process still inside the instance's namespaces is the instance's
	 * (`netsim exec`, a service's children): end them before the namespaces go */
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		if (strncmp(list[i], prefix, strlen(prefix)) != 0)
			continue;
		nsim_plan_ns_path(path, sizeof(path), list[i]);
		/* lstat: a symlink planted there names someone else's namespace */
		if (lstat(path, &st[n_gone]) == 0 && S_ISREG(st[n_gone].st_mode))
			gone[n_gone++] = list[i];
	}
	if (n_gone) {
		struct stat root_ns, own_ns;
		/* never the root's namespace nor ours, whatever is mounted there */
		size_t kept = 0;
		/* PID 1's may be unreadable (a container): then ours, the namespace netsim runs in, stands for it */
		bool known = stat("/proc/self/ns/net", &own_ns) == 0;
		if (stat("/proc/1/ns/net", &root_ns) < 0)
			root_ns = own_ns;
		for (size_t i = 0; i < n_gone; i++) {
			if (!known || (st[i].st_ino == root_ns.st_ino && st[i].st_dev == root_ns.st_dev) ||
			    (st[i].st_ino == own_ns.st_ino && st[i].st_dev == own_ns.st_dev))
				continue;
			st[kept] = st[i];
			gone[kept++] = gone[i];
		}
		n_gone = kept;
		if ((r = nsim_proc_stop_in_namespaces(st, gone, n_gone, &res->stopped)) < 0)
			return r;
	}
	/* a record names only this instance's namespaces; anything else is not ours to delete */
	_cleanup_free_ struct stat *del_st = calloc(n ? n : 1, sizeof(*del_st));
	_cleanup_free_ char **del = calloc(n + 1, sizeof(*del));
	_cleanup_free_ int *del_r = calloc(n ? n : 1, sizeof(*del_r));
	if (!del_st || !del || !del_r)
		return -ENOMEM;
	size_t n_del = 0;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		if (strncmp(list[i], prefix, strlen(prefix)) != 0)
			continue;
		nsim_plan_ns_path(path, sizeof(path), list[i]);
		if (lstat(path, &del_st[n_del]) < 0)
			continue; /* never made, or already deleted */
		del[n_del++] = list[i];
	}
	_cleanup_free_ bool *emptied = calloc(n ? n : 1, sizeof(*emptied));
	if (!emptied)
		return -ENOMEM;
	if ((r = nsim_apply_netns_shrink(del, n_del, emptied)) < 0)
		return r;
	if ((r = nsim_apply_netns_del_many(del, n_del, emptied, del_r)) < 0)
		return r;
	n_gone = 0;
	for (size_t i = 0; i < n_del; i++) {
		if (del_r[i] < 0) {
			if (r == 0)
				r = del_r[i];
			continue;
		}
		res->n_namespaces++;
		if (!S_ISLNK(del_st[i].st_mode)) {
			st[n_gone] = del_st[i];
			gone[n_gone++] = del[i];
		}
	}
	int k = nsim_proc_find_in_namespaces(st, gone, n_gone, &res->still_running);
	return r < 0 ? r : k;
}

int nsim_instance_down(const char *name, struct nsim_down_result *ret, char **ret_error)
{
	_cleanup_(nsim_instance_down_result_clear) struct nsim_down_result res = {0};
	_cleanup_(nsim_strv_clear) struct nsim_strv list = {0};
	_cleanup_close_ int rootfd = -1, lockfd = -1, dirfd = -1;
	_cleanup_free_ char *error = NULL;
	int r;

	if (!nsim_plan_name_valid(name))
		return -EINVAL;
	r = instance_root_open(false, &rootfd, &error);
	if (r == -ENOENT)
		goto done;
	if (r < 0)
		goto fail;
	if ((r = instance_lock(rootfd, name, &lockfd)) < 0) {
		error = instance_sprintf("locking %s/.lock/%s: %s", nsim_instance_state_dir(), name, strerror(-r));
		goto fail;
	}
	r = instance_dir_open(rootfd, name, &dirfd);
	if (r == -ENOENT)
		goto done;
	if (r < 0) {
		_cleanup_free_ char *path = instance_sprintf("%s/%s", nsim_instance_state_dir(), name);
		error = path ? instance_dir_error(r, path) : NULL;
		goto fail;
	}
	res.found = true;

	if ((r = nsim_proc_stop_all(dirfd, &res.stopped)) < 0) {
		error = instance_sprintf("reading the process record of '%s': %s", name, strerror(-r));
		goto fail;
	}
	if ((r = read_lines(dirfd, NAMESPACES, &list)) < 0) {
		error = instance_sprintf("reading the namespace record of '%s': %s", name, strerror(-r));
		goto fail;
	}
	if ((r = delete_namespaces(name, list.v, list.n, &res)) < 0) {
		error = instance_sprintf("removing the namespaces of '%s': %s", name, strerror(-r));
		goto fail;
	}
	if ((r = remove_state(rootfd, dirfd, name)) < 0) {
		error = instance_sprintf("removing %s/%s: %s", nsim_instance_state_dir(), name, strerror(-r));
		goto fail;
	}
done:
	if (ret) {
		*ret = res;
		res = (struct nsim_down_result){0};
	}
	return 0;
fail:
	if (ret_error)
		*ret_error = TAKE_PTR(error);
	return r;
}

/* ---- up ---- */

/* Under the global lock: refuses a name that is up, a namespace name that
 * another instance's record claims or that exists, then makes the instance
 * dir and records the names, so that no other `up` can take them. */
static int claim(int rootfd, const struct nsim_plan *p, int *ret_dirfd, char **ret_error)
{
	_cleanup_close_ int globalfd = -1, dirfd = -1;
	const char *root = nsim_instance_state_dir();
	int r = instance_lock(rootfd, NULL, &globalfd);
	if (r < 0) {
		*ret_error = instance_sprintf("locking %s/.lock/.all: %s", root, strerror(-r));
		return r;
	}
	struct stat st;
	if (fstatat(rootfd, p->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* state.json is written last: without it, the `up` that made the
		 * dir did not finish (it holds the instance lock while it runs,
		 * and we hold it now) */
		char state[PATH_MAX];
		snprintf(state, sizeof(state), "%s/state.json", p->name);
		if (fstatat(rootfd, state, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			*ret_error = instance_sprintf(
				"an incomplete instance '%s' exists (state in %s/%s): an earlier 'netsim up' of it did "
				"not finish (it was killed or crashed) and left what it had made; 'netsim down %s' "
				"removes it, then run up again (or choose another --name)",
				p->name, root, p->name, p->name);
		else
			*ret_error = instance_sprintf("'%s' is already up (state in %s/%s): run 'netsim down %s' "
						      "first, or choose another --name",
						      p->name, root, p->name, p->name);
		return -EEXIST;
	}
	_cleanup_(nsim_strv_clear) struct nsim_strv claimed = {0}, owner = {0};
	if ((r = claimed_namespaces(rootfd, p->name, &claimed, &owner)) < 0) {
		*ret_error = instance_sprintf("reading the records in %s: %s", root, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < p->n_namespaces; i++) {
		for (size_t k = 0; k < claimed.n; k++)
			if (streq(claimed.v[k], p->namespaces[i])) {
				*ret_error = instance_sprintf(
					"namespace %s of '%s' is already claimed by instance '%s' (instance and node "
					"names are joined with '-', so they collide): choose another --name",
					p->namespaces[i], p->name, owner.v[k]);
				return -EEXIST;
			}
		if (ns_exists(p->namespaces[i])) {
			char path[PATH_MAX];
			nsim_plan_ns_path(path, sizeof(path), p->namespaces[i]);
			*ret_error = instance_sprintf(
				"namespace %s already exists (%s) and no instance in %s owns it: netsim leaves it "
				"alone; choose another --name, or remove it ('ip netns del %s') if it is yours",
				p->namespaces[i], path, root, p->namespaces[i]);
			return -EEXIST;
		}
	}
	if (mkdirat(rootfd, p->name, 0700) < 0 || (r = instance_dir_open(rootfd, p->name, &dirfd)) < 0) {
		r = r < 0 ? r : -errno;
		*ret_error = instance_sprintf("creating %s/%s: %s", root, p->name, strerror(-r));
		return r;
	}
	if ((r = write_lines(dirfd, NAMESPACES, p->namespaces, p->n_namespaces)) < 0) {
		int k = remove_state(rootfd, dirfd, p->name);
		*ret_error = instance_sprintf("writing %s/%s/" NAMESPACES ": %s%s", root, p->name, strerror(-r),
					      k < 0 ? "; remove that directory by hand" : "");
		return r;
	}
	*ret_dirfd = TAKE_FD(dirfd);
	return 0;
}

struct responder_body {
	const struct nsim_plan *p;
	int dirfd;
	struct nsim_responder *resp;
};

static int responder_setup(void *userdata, char *detail, size_t size)
{
	struct responder_body *b = userdata;
	int r = nsim_responder_open(b->p, b->dirfd, &b->resp, detail, size);
	close(b->dirfd); /* the relay logs are open: nothing of the state dir stays held */
	return r;
}

static _noreturn_ void responder_serve(void *userdata)
{
	struct responder_body *b = userdata;
	nsim_responder_serve(b->resp);
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
	char abs[PATH_MAX];
	const char *topo = streq(topo_path, "-") ? "<stdin>" : realpath(topo_path, abs) ? abs : topo_path;
	unsigned long long start = 0;
	if (pid > 0 && nsim_proc_start_time(pid, &start) < 0)
		start = 0;
	json_t *j = json_pack("{s:s, s:s, s:I, s:o, s:o, s:{s:I, s:I}, s:{s:I, s:f}}", "name", p->name, "topology",
			      topo, "created", (json_int_t)time(NULL), "hosts", hosts, "namespaces", namespaces,
			      "responder", "pid", (json_int_t)pid, "start_time", (json_int_t)start, "up",
			      "operations", (json_int_t)stats->n_ops, "ms", stats->ms);
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	json_decref(j);
	return text;
}

/* Everything after the claim. *created collects the namespaces this run made,
 * for the rollback. */
static int build(const struct nsim_plan *p, int dirfd, const char *topo_path, const char *topo_text, double t0,
		 struct nsim_strv *created, struct nsim_up_stats *ret_stats, char **ret_error)
{
	_cleanup_(nsim_apply_freep) struct nsim_apply *ctx = NULL;
	int r;

	/* `check` proves the expectations of what is up, not of the file as it may be edited later */
	if ((r = instance_file_write(dirfd, "topology.yaml", topo_text)) < 0) {
		*ret_error = instance_sprintf("keeping a copy of %s: %s", topo_path, strerror(-r));
		return r;
	}
	if ((r = nsim_apply_new(NULL, NULL, &ctx)) < 0) {
		if (r == -EINVAL)
			*ret_error = instance_sprintf("NETSIM_FAIL_AT and NETSIM_CRASH_AT take a positive operation number");
		return r;
	}
	size_t done = 0;
	int k = nsim_apply_ops(ctx, p->ops, p->n_ops, &done);
	/* ops[0..done) succeeded: their namespaces are this run's, and only they */
	for (size_t i = 0; i < done; i++)
		if (p->ops[i].kind == NSIM_OP_NETNS && (r = nsim_strv_append(created, p->ops[i].ns)) < 0)
			return r;
	if (k < 0) {
		*ret_error = instance_sprintf("operation %zu of %zu failed: %s", done + 1, p->n_ops,
					      nsim_apply_last_error(ctx));
		return k;
	}
	/* the cached sockets and nft contexts hold the namespaces: let go before anything else */
	nsim_apply_free(TAKE_PTR(ctx));

	/* what `check` compares the kernel with later, to tell drift from a netsim bug */
	_cleanup_free_ char *digest = NULL;
	if ((r = nsim_apply_digest_snapshot(p, &digest)) < 0 ||
	    (r = instance_file_write(dirfd, "kernel.digest", digest)) < 0) {
		*ret_error = instance_sprintf("recording the kernel state (kernel.digest): %s", strerror(-r));
		return r;
	}

	pid_t pid = 0;
	if (p->n_responders) {
		struct responder_body b = {.p = p, .dirfd = dirfd};
		const struct nsim_proc_body body = {.kind = "responder", .comm = "netsim-respond",
						    .setup = responder_setup, .serve = responder_serve,
						    .userdata = &b, .keep_fd = dirfd};
		_cleanup_free_ char *detail = NULL;
		if ((r = nsim_proc_start(dirfd, NULL, &body, &pid, &detail)) < 0) {
			*ret_error = instance_sprintf("starting the responders failed: %s",
						      detail ? detail : strerror(-r));
			return r;
		}
	}

	_cleanup_free_ char *dir_path = instance_sprintf("%s/%s", nsim_instance_state_dir(), p->name);
	if (!dir_path)
		return -ENOMEM;
	if ((r = instance_start_processes(p, dirfd, dir_path, ret_error)) < 0)
		return r;

	struct nsim_up_stats stats = {.n_ops = p->n_ops, .n_namespaces = p->n_namespaces,
				      .ms = nsim_clock_ms(CLOCK_MONOTONIC) - t0};
	_cleanup_free_ char *state = state_json(p, topo_path, pid, &stats);
	if (!state)
		return -ENOMEM;
	if ((r = instance_file_write(dirfd, "state.json", state)) < 0) {
		*ret_error = instance_sprintf("writing state.json: %s", strerror(-r));
		return r;
	}
	stats.ms = nsim_clock_ms(CLOCK_MONOTONIC) - t0;
	if (ret_stats)
		*ret_stats = stats;
	return 0;
}

int nsim_instance_up(const struct nsim_plan *p, const char *topo_path, const char *topo_text,
		     struct nsim_up_stats *ret_stats, char **ret_error)
{
	double t0 = nsim_clock_ms(CLOCK_MONOTONIC);
	_cleanup_close_ int rootfd = -1, lockfd = -1, dirfd = -1;
	_cleanup_free_ char *error = NULL;
	_cleanup_(nsim_strv_clear) struct nsim_strv created = {0};
	int r;

	if ((r = instance_root_open(true, &rootfd, &error)) < 0)
		goto out;
	if ((r = instance_lock(rootfd, p->name, &lockfd)) < 0) {
		error = instance_sprintf("locking %s/.lock/%s: %s", nsim_instance_state_dir(), p->name, strerror(-r));
		goto out;
	}
	if ((r = claim(rootfd, p, &dirfd, &error)) < 0)
		goto out;
	r = build(p, dirfd, topo_path, topo_text, t0, &created, ret_stats, &error);
	if (r < 0) {
		/* what this run made, and nothing else: its processes (the record is
		 * this run's), its namespaces, its state */
		struct nsim_down_result res = {0};
		int k = nsim_proc_stop_all(dirfd, NULL);
		if (k == 0)
			k = delete_namespaces(p->name, created.v, created.n, &res);
		nsim_instance_down_result_clear(&res);
		if (k == 0)
			k = remove_state(rootfd, dirfd, p->name);
		if (k < 0) {
			char *more = instance_sprintf("%s; removing what was made failed too (%s): run 'netsim down %s'",
						      error ? error : strerror(-r), strerror(-k), p->name);
			if (more)
				free(TAKE_PTR(error)), error = more;
		}
	}
out:
	if (r < 0 && ret_error)
		*ret_error = TAKE_PTR(error);
	return r;
}
