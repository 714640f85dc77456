/* SPDX-License-Identifier: MIT */
/* Network namespaces the iproute2 way (/run/netns/<name> bind mounts, so
 * `ip -n` and `ip netns exec` work), entering them, and per-namespace sysctls. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <sys/stat.h>

#include <netlink/netlink.h>

#include "apply/apply-internal.h"
#include "model/strv.h"
#include "model/util.h"

bool apply_netns_name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	if (len <= strlen(NSIM_NETNS_PREFIX) || len > NAME_MAX ||
	    strncmp(name, NSIM_NETNS_PREFIX, strlen(NSIM_NETNS_PREFIX)) != 0)
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || (unsigned char)*p <= ' ')
			return false;
	return true;
}

int apply_fd_high(int fd)
{
	int hi = fd >= 0 && fd < FD_SETSIZE ? fcntl(fd, F_DUPFD_CLOEXEC, FD_SETSIZE) : -1;
	if (hi < 0)
		return fd;
	close(fd);
	return hi;
}

static void netns_path(const char *name, char buf[static PATH_MAX])
{
	snprintf(buf, PATH_MAX, NSIM_NETNS_RUN_DIR "/%s", name);
}

int apply_netns_enter(struct nsim_apply *ctx, const struct nsim_ns *ns)
{
	return setns(ns->fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

void apply_netns_leave(struct nsim_apply *ctx)
{
	/* Going on in a netsim namespace would silently put every later socket,
	 * route lookup and sysctl of this thread in the wrong place. Returning to
	 * a namespace we hold an fd of only fails on ENOMEM. */
	if (setns(ctx->self_ns, CLONE_NEWNET) < 0)
		abort();
}

void apply_ns_free(void *p)
{
	struct nsim_ns *ns = p;
	if (!ns)
		return;
	apply_nft_free(ns->nft);
	if (ns->sk)
		nl_socket_free(ns->sk);
	if (ns->fd >= 0)
		close(ns->fd);
	if (ns->sysctl_dir >= 0)
		close(ns->sysctl_dir);
	nsim_hashmap_clear(&ns->ifindex, NULL);
	free(ns->name);
	free(ns);
}

static struct nsim_ns *ns_alloc(const char *name)
{
	struct nsim_ns *ns = calloc(1, sizeof(*ns));
	if (!ns)
		return NULL;
	ns->fd = -1;
	ns->sysctl_dir = -1;
	ns->name = strdup(name);
	if (!ns->name) {
		free(ns);
		return NULL;
	}
	return ns;
}

int apply_ns_get(struct nsim_apply *ctx, const char *name, struct nsim_ns **ret)
{
	char path[PATH_MAX];
	struct nsim_ns *ns = nsim_hashmap_get(&ctx->ns, name ? name : "");
	int r;

	if (ns) {
		*ret = ns;
		return 0;
	}
	if (!apply_netns_name_ok(name))
		return -EINVAL;
	ns = ns_alloc(name);
	if (!ns)
		return -ENOMEM;
	netns_path(name, path);
	ns->fd = apply_fd_high(open(path, O_RDONLY | O_CLOEXEC));
	r = ns->fd < 0 ? -errno : apply_netns_enter(ctx, ns);
	if (r == -ENOENT)
		nsim_apply_set_detail(ctx, "no namespace %s", name);
	if (r == 0) {
		r = apply_ns_open_socket(ctx, ns);
		apply_netns_leave(ctx);
	}
	if (r == 0)
		r = nsim_hashmap_put(&ctx->ns, name, ns);
	if (r < 0) {
		apply_ns_free(ns);
		return r;
	}
	*ret = ns;
	return 0;
}

/* iproute2's recipe: /run/netns is a shared mount point, so that a namespace
 * unmounted here is unmounted in every mount namespace that got a copy of it
 * (and freed sooner). When it is not a mount point yet (EINVAL), bind it onto
 * itself first. */
static int run_dir_prepare(struct nsim_apply *ctx)
{
	if (ctx->run_dir_ready)
		return 0;
	if (mkdir(NSIM_NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	for (bool bound = false;;) {
		if (mount("", NSIM_NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
			break;
		if (errno != EINVAL || bound)
			return -errno;
		if (mount(NSIM_NETNS_RUN_DIR, NSIM_NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			return -errno;
		bound = true;
	}
	ctx->run_dir_ready = true;
	return 0;
}

/* The file at path that the namespace's bind mount goes on, made with
 * O_EXCL semantics (-EEXIST when it exists). A new name for the inode of the
 * context's first one (a hard link) rather than a new inode each: the
 * mount is on the name, and a link costs no inode allocation. On ext4
 * without a journal (/run on disk), allocating one scans past every inode
 * freed in the last minutes, so with thousands of namespaces just removed
 * by a `down` each new file cost more than the rest of its namespace.
 * Falls back to a new file when linking fails (EMLINK at ext4's 65000
 * links; EPERM without CAP_DAC_READ_SEARCH, which AT_EMPTY_PATH needs). */
static int mountpoint_create(struct nsim_apply *ctx, const char *path)
{
	if (ctx->mountpoint_fd >= 0) {
		if (linkat(ctx->mountpoint_fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
			return 0;
		if (errno == EEXIST)
			return -EEXIST;
		close(ctx->mountpoint_fd);
		ctx->mountpoint_fd = -1;
	}
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ctx->mountpoint_fd = apply_fd_high(fd);
	return 0;
}

int apply_kernel_netns_add(struct nsim_apply *ctx, const struct nsim_op *op)
{
	char path[PATH_MAX];
	struct nsim_ns *ns;
	int r;

	if (!apply_netns_name_ok(op->ns))
		return -EINVAL;
	if (nsim_hashmap_get(&ctx->ns, op->ns))
		return -EEXIST;
	r = run_dir_prepare(ctx);
	if (r < 0)
		return r;
	ns = ns_alloc(op->ns);
	if (!ns)
		return -ENOMEM;
	netns_path(op->ns, path);
	r = mountpoint_create(ctx, path);
	if (r < 0) {
		if (r == -EEXIST)
			nsim_apply_set_detail(ctx, "%s already exists", path);
		apply_ns_free(ns);
		return r;
	}

	/* unshare() moves this thread into the new namespace: pin it with the
	 * bind mount, keep an fd and open the route socket while inside, then
	 * return. /proc/self would name the thread group leader's namespace, so
	 * /proc/thread-self it is. */
	if (unshare(CLONE_NEWNET) < 0) {
		r = -errno;
		goto fail;
	}
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		r = -errno;
	else if ((ns->fd = apply_fd_high(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC))) < 0)
		r = -errno;
	else
		r = apply_ns_open_socket(ctx, ns);
	apply_netns_leave(ctx);
	if (r == 0)
		r = nsim_hashmap_put(&ctx->ns, op->ns, ns);
	if (r == 0)
		return 0;
fail:
	apply_ns_free(ns);
	(void)umount2(path, MNT_DETACH);
	(void)unlink(path);
	return r;
}

int apply_kernel_sysctl(struct nsim_apply *ctx, const struct nsim_op *op)
{
	struct nsim_ns *ns;
	int r;

	/* Only net/ is per namespace: any other key would change the host.
	 * net/ipv4/ keys are opened relative to /proc/sys/net/ipv4: never an
	 * absolute path. */
	if (!op->key || !op->value || strncmp(op->key, "net/", 4) != 0 || strstr(op->key, ".."))
		return -EINVAL;
	bool v4 = strncmp(op->key, "net/ipv4/", 9) == 0;
	if (v4 && (op->key[9] == '/' || !op->key[9]))
		return -EINVAL;
	r = apply_ns_get(ctx, op->ns, &ns);
	if (r < 0)
		return r;
	if (v4 && (r = apply_rtnl_sysctl(ctx, ns, op->key + 9, op->value)) <= 0)
		return r;
	/* /proc/sys/net resolves against the opening task's namespace: the
	 * file must be opened by this thread while it is inside. Every
	 * namespace has its own dentry for /proc/sys/net/ipv4, all with one
	 * name under one parent (the kernel tells them apart by namespace, in
	 * proc_sys_compare()), so each walk through it costs a compare per
	 * namespace on the machine: walk it once per namespace and open the
	 * keys relative to it. */
	r = apply_netns_enter(ctx, ns);
	if (r < 0)
		return r;
	int fd;
	if (v4) {
		if (ns->sysctl_dir < 0)
			ns->sysctl_dir = apply_fd_high(open("/proc/sys/net/ipv4", O_PATH | O_DIRECTORY | O_CLOEXEC));
		fd = ns->sysctl_dir < 0 ? -1 : openat(ns->sysctl_dir, op->key + 9, O_WRONLY | O_CLOEXEC);
	} else {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "/proc/sys/%s", op->key);
		fd = open(path, O_WRONLY | O_CLOEXEC);
	}
	r = fd < 0 ? -errno : 0;
	apply_netns_leave(ctx);
	if (r < 0)
		return r;
	_cleanup_close_ int fd_ = fd;
	size_t len = strlen(op->value);
	ssize_t n = write(fd_, op->value, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int nsim_apply_netns_del(const char *name)
{
	char path[PATH_MAX];

	if (!apply_netns_name_ok(name))
		return -EINVAL;
	netns_path(name, path);
	/* EINVAL: not a mount point, e.g. left by an `up` killed between
	 * creating the file and mounting it. UMOUNT_NOFOLLOW: a symlink planted
	 * in /run/netns is removed, never what it points at. */
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

#define DEL_THREADS 32

struct del_job {
	char *const *names;
	int *errors;
	size_t n;
	atomic_size_t next;
};

static void *del_worker(void *p)
{
	struct del_job *j = p;
	for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n;)
		j->errors[i] = nsim_apply_netns_del(j->names[i]);
	return NULL;
}

int nsim_apply_netns_del_many(char *const *names, size_t n, int *ret_errors)
{
	struct del_job job = {.names = names, .errors = ret_errors, .n = n};
	pthread_t threads[DEL_THREADS];
	pthread_attr_t attr;
	size_t started = 0, want = n < DEL_THREADS ? n : DEL_THREADS;

	atomic_init(&job.next, 0);
	if (want <= 1) {
		del_worker(&job);
		return 0;
	}
	int r = pthread_attr_init(&attr);
	if (r) {
		del_worker(&job);
		return 0;
	}
	(void)pthread_attr_setstacksize(&attr, 64 * 1024);
	for (; started < want; started++)
		if ((r = pthread_create(&threads[started], &attr, del_worker, &job)))
			break;
	pthread_attr_destroy(&attr);
	if (started == 0)
		del_worker(&job); /* one at a time, then */
	for (size_t i = 0; i < started; i++)
		(void)pthread_join(threads[i], NULL);
	return 0;
}

void nsim_apply_names_free(char **names)
{
	nsim_strv_free(names);
}

int nsim_apply_netns_list(const char *prefix, char ***ret_names, size_t *ret_n)
{
	_cleanup_(nsim_strv_clear) struct nsim_strv names = {0};
	struct dirent *de;
	int r = 0;

	if (!prefix || strncmp(prefix, NSIM_NETNS_PREFIX, strlen(NSIM_NETNS_PREFIX)) != 0)
		return -EINVAL;
	size_t plen = strlen(prefix);
	DIR *d = opendir(NSIM_NETNS_RUN_DIR);
	if (!d && errno != ENOENT)
		return -errno;
	while (d && r == 0 && (de = readdir(d)))
		if (strncmp(de->d_name, prefix, plen) == 0)
			r = nsim_strv_append(&names, de->d_name);
	if (d)
		closedir(d);
	if (r < 0)
		return r;
	nsim_strv_sort(&names);
	return nsim_strv_steal(&names, ret_names, ret_n);
}
