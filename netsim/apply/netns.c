/* SPDX-License-Identifier: MIT */
/* Network namespaces the iproute2 way (/run/netns/<name> bind mounts, so
 * `ip -n` and `ip netns exec` work), entering them, and per-namespace sysctls. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <nftables/libnftables.h>

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
	nsim_hashmap_clear(&ns->veth, NULL);
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
	ns->next_ifindex = (int)(intptr_t)nsim_hashmap_get(&ctx->next_ifindex, name);
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
 * first one this *mfd made (a hard link) rather than a new inode each: the
 * mount is on the name, and a link costs no inode allocation. On ext4
 * without a journal (/run on disk), allocating one scans past every inode
 * freed in the last minutes, so with thousands of namespaces just removed
 * by a `down` each new file cost more than the rest of its namespace.
 * Falls back to a new file when linking fails (EMLINK at ext4's 65000
 * links; EPERM without CAP_DAC_READ_SEARCH, which AT_EMPTY_PATH needs). */
static int mountpoint_create(int *mfd, const char *path)
{
	if (*mfd >= 0) {
		if (linkat(*mfd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
			return 0;
		if (errno == EEXIST)
			return -EEXIST;
		close(*mfd);
		*mfd = -1;
	}
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*mfd = apply_fd_high(fd);
	return 0;
}

/* Makes namespace `name` with its mount point (linked to *mfd's inode), fd
 * and route socket, in the calling thread, which it leaves where it was.
 * Touches nothing of ctx but its constants (self_ns), so that a second
 * thread may run it. On failure removes what it made and writes why to
 * detail (len bytes). */
static int netns_make(struct nsim_apply *ctx, int *mfd, const char *name, struct nsim_ns **ret, char *detail,
		      size_t len)
{
	char path[PATH_MAX];
	struct nsim_ns *ns = ns_alloc(name);
	int r;

	if (!ns)
		return -ENOMEM;
	netns_path(name, path);
	r = mountpoint_create(mfd, path);
	if (r < 0) {
		if (r == -EEXIST)
			snprintf(detail, len, "%.200s already exists", path);
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
	if (r == 0) {
		ns->next_ifindex = APPLY_FIRST_IFINDEX;
		*ret = ns;
		return 0;
	}
fail:
	apply_ns_free(ns);
	(void)umount2(path, MNT_DETACH);
	(void)unlink(path);
	return r;
}

/* ---- namespaces made ahead, by a second thread ---- */

/* Making a namespace is a fifth of `up` and mostly runs outside the RTNL
 * lock, so a second thread makes them in plan order while the applying
 * thread does the rest (links, addresses, routes: all under the RTNL lock).
 * Two threads make namespaces 1.5 times as fast as one on the 2-core test
 * machine. The applying thread still owns everything: it takes each
 * namespace when it reaches its op, and on the way out removes those made
 * ahead but never reached (they are in the instance's record of namespaces
 * from the start, so a `down` after a crash removes them too). */
#define PREFETCH_MIN 64   /* fewer namespaces: made in line */
#define PREFETCH_AHEAD 64 /* made but not reached yet, at most: two fds each */

struct prefetch_slot {
	struct nsim_ns *ns;
	int r;
	char detail[256];
};

struct apply_prefetch {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct nsim_apply *ctx;
	const char **names;
	struct prefetch_slot *slots;
	size_t n, made, taken;
	bool stop, done;
	int mountpoint_fd;
};

static void *prefetch_run(void *p)
{
	struct apply_prefetch *pf = p;
	bool failed = false;

	for (size_t k = 0; k < pf->n && !failed; k++) {
		pthread_mutex_lock(&pf->lock);
		while (!pf->stop && pf->made - pf->taken >= PREFETCH_AHEAD)
			pthread_cond_wait(&pf->cond, &pf->lock);
		bool stop = pf->stop;
		pthread_mutex_unlock(&pf->lock);
		if (stop)
			break;
		struct prefetch_slot *sl = &pf->slots[k];
		sl->r = netns_make(pf->ctx, &pf->mountpoint_fd, pf->names[k], &sl->ns, sl->detail, sizeof(sl->detail));
		failed = sl->r < 0; /* the applying thread stops there */
		pthread_mutex_lock(&pf->lock);
		pf->made = k + 1;
		pthread_cond_broadcast(&pf->cond);
		pthread_mutex_unlock(&pf->lock);
	}
	pthread_mutex_lock(&pf->lock);
	pf->done = true;
	pthread_cond_broadcast(&pf->cond);
	pthread_mutex_unlock(&pf->lock);
	return NULL;
}

int apply_prefetch_start(struct nsim_apply *ctx, const struct nsim_op *ops, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ops[i].kind == NSIM_OP_NETNS;
	if (k < PREFETCH_MIN || ctx->prefetch)
		return 0;
	int r = run_dir_prepare(ctx);
	if (r < 0)
		return 0; /* the first op says why */
	struct apply_prefetch *pf = calloc(1, sizeof(*pf));
	if (!pf || !(pf->names = calloc(k, sizeof(*pf->names))) || !(pf->slots = calloc(k, sizeof(*pf->slots)))) {
		if (pf) {
			free(pf->names);
			free(pf);
		}
		return -ENOMEM;
	}
	/* up to the first name apply_kernel_netns_add() refuses: none is made
	 * that it would not make */
	for (size_t i = 0; i < n; i++)
		if (ops[i].kind == NSIM_OP_NETNS) {
			if (!apply_netns_name_ok(ops[i].ns))
				break;
			pf->names[pf->n++] = ops[i].ns;
		}
	pf->ctx = ctx;
	pf->mountpoint_fd = -1;
	pthread_mutex_init(&pf->lock, NULL);
	pthread_cond_init(&pf->cond, NULL);
	if (pthread_create(&pf->thread, NULL, prefetch_run, pf) != 0) {
		pthread_mutex_destroy(&pf->lock);
		pthread_cond_destroy(&pf->cond);
		free(pf->slots);
		free(pf->names);
		free(pf);
		return 0; /* made in line, then */
	}
	ctx->prefetch = pf;
	return 0;
}

void apply_prefetch_stop(struct nsim_apply *ctx)
{
	struct apply_prefetch *pf = ctx->prefetch;
	if (!pf)
		return;
	pthread_mutex_lock(&pf->lock);
	pf->stop = true;
	pthread_cond_broadcast(&pf->cond);
	pthread_mutex_unlock(&pf->lock);
	pthread_join(pf->thread, NULL);
	/* made ahead, never reached: an op before them failed */
	for (size_t k = pf->taken; k < pf->made; k++)
		if (pf->slots[k].r == 0) {
			apply_ns_free(pf->slots[k].ns);
			int r = nsim_apply_netns_del(pf->names[k]); /* failing, left to `down`: it is in the record */
			(void)r;
		}
	if (pf->mountpoint_fd >= 0)
		close(pf->mountpoint_fd);
	pthread_mutex_destroy(&pf->lock);
	pthread_cond_destroy(&pf->cond);
	free(pf->slots);
	free(pf->names);
	free(pf);
	ctx->prefetch = NULL;
}

/* The namespace made ahead for the next NETNS op, which must be `name`:
 * waits for it. -ENOENT when there is none to take (the op is then done in
 * line), or the error of making it. */
static int prefetch_take(struct apply_prefetch *pf, const char *name, struct nsim_ns **ret, char *detail,
			 size_t len)
{
	pthread_mutex_lock(&pf->lock);
	while (pf->made <= pf->taken && !pf->done)
		pthread_cond_wait(&pf->cond, &pf->lock);
	if (pf->made <= pf->taken || strcmp(pf->names[pf->taken], name) != 0) {
		pthread_mutex_unlock(&pf->lock);
		return -ENOENT;
	}
	struct prefetch_slot *sl = &pf->slots[pf->taken++];
	pthread_cond_broadcast(&pf->cond);
	pthread_mutex_unlock(&pf->lock);
	if (sl->r < 0) {
		snprintf(detail, len, "%s", sl->detail);
		return sl->r;
	}
	*ret = TAKE_PTR(sl->ns);
	return 0;
}

int apply_kernel_netns_add(struct nsim_apply *ctx, const struct nsim_op *op)
{
	struct nsim_ns *ns = NULL;
	int r = -ENOENT;

	if (!apply_netns_name_ok(op->ns))
		return -EINVAL;
	if (ctx->prefetch)
		r = prefetch_take(ctx->prefetch, op->ns, &ns, ctx->detail, sizeof(ctx->detail));
	if (r == -ENOENT) {
		if (nsim_hashmap_get(&ctx->ns, op->ns))
			return -EEXIST;
		if ((r = run_dir_prepare(ctx)) < 0)
			return r;
		r = netns_make(ctx, &ctx->mountpoint_fd, op->ns, &ns, ctx->detail, sizeof(ctx->detail));
	}
	if (r == 0)
		r = nsim_hashmap_put(&ctx->ns, op->ns, ns);
	if (r < 0 && ns) {
		apply_ns_free(ns);
		int k = nsim_apply_netns_del(op->ns); /* failing, left to `down`: it is in the record */
		(void)k;
	}
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

static void del_threads(struct del_job *job)
{
	pthread_t threads[DEL_THREADS];
	pthread_attr_t attr;
	size_t started = 0, want = job->n < DEL_THREADS ? job->n : DEL_THREADS;

	if (want <= 1 || pthread_attr_init(&attr)) {
		del_worker(job);
		return;
	}
	(void)pthread_attr_setstacksize(&attr, 64 * 1024);
	for (; started < want; started++)
		if (pthread_create(&threads[started], &attr, del_worker, job))
			break;
	pthread_attr_destroy(&attr);
	if (started == 0)
		del_worker(job); /* one at a time, then */
	for (size_t i = 0; i < started; i++)
		(void)pthread_join(threads[i], NULL);
}

/* How many namespaces one round may hold open: the soft limit on open files,
 * raised to the hard one, less what the process has open besides (a margin). */
static size_t hold_budget(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1u << 20)
		return 1u << 20;
	return rl.rlim_cur > 256 ? (size_t)rl.rlim_cur - 128 : 0;
}

/* The kernel frees namespaces in its cleanup worker, which takes every
 * namespace released since it last ran as one batch (cleanup_net()). To
 * unhash a dying namespace's id from the living ones it walks every living
 * namespace and searches its id table, linearly (unhash_nsid()): a batch of k
 * namespaces released while m live costs k * m such searches, and a VPC
 * router's table holds an id per host. So the routers go first, in a batch
 * of their own, and the rest only once the worker has taken that batch, so
 * that they reach it together while it is busy with the routers: one batch,
 * nobody left alive to walk.
 *
 * The sign that the worker has taken the routers is RTM_DELNSID, which
 * unhash_nsid() sends to every living namespace that had an id for them. A
 * watch is a route socket in one namespace that stays alive until the end,
 * given an id for each router (RTM_NEWNSID; EEXIST when it had one) and
 * listening to RTNLGRP_NSID. */
struct nsid_watch {
	int sk;
	size_t want;
};

static int nsid_assign(int sk, int peer_fd)
{
	struct {
		struct nlmsghdr nh;
		struct rtgenmsg g;
		char pad[3];
		struct nlattr a1;
		uint32_t fd;
		struct nlattr a2;
		int32_t id;
	} req = {
		.nh = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_NEWNSID, .nlmsg_flags = NLM_F_REQUEST},
		.g = {.rtgen_family = AF_UNSPEC},
		.a1 = {.nla_len = NLA_HDRLEN + sizeof(uint32_t), .nla_type = NETNSA_FD},
		.fd = (uint32_t)peer_fd,
		.a2 = {.nla_len = NLA_HDRLEN + sizeof(int32_t), .nla_type = NETNSA_NSID},
		.id = NETNSA_NSID_NOT_ASSIGNED,
	};
	return send(sk, &req, sizeof(req), 0) < 0 ? -errno : 0;
}

/* watcher_fd: the namespace to listen in; peer_fds[0..k): the routers
 * (opened for reading: the kernel takes no O_PATH fd). Best effort: on any
 * failure the watch has sk -1 and waiting for it returns at once. */
static struct nsid_watch nsid_watch_open(int watcher_fd, const int *peer_fds, size_t k)
{
	struct nsid_watch w = {.sk = -1};
	struct stat st, own, root;
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || watcher_fd < 0 || k == 0 || fstat(self, &own) < 0 || fstat(watcher_fd, &st) < 0)
		return w;
	if (stat("/proc/1/ns/net", &root) < 0)
		root = own;
	/* never the root's namespace nor ours, whatever is mounted there */
	if ((st.st_ino == own.st_ino && st.st_dev == own.st_dev) || (st.st_ino == root.st_ino && st.st_dev == root.st_dev))
		return w;
	if (setns(watcher_fd, CLONE_NEWNET) < 0)
		return w;
	int sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* our own namespace, held open: cannot happen */
	if (sk < 0)
		return w;
	int group = RTNLGRP_NSID;
	if (setsockopt(sk, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		close(sk);
		return w;
	}
	for (size_t i = 0; i < k; i++)
		if (peer_fds[i] >= 0 && nsid_assign(sk, peer_fds[i]) == 0)
			w.want++;
	w.sk = sk;
	return w;
}

/* Waits until the watch has seen RTM_DELNSID for each of its routers, or
 * for timeout_ms without one, then closes it. */
static void nsid_watch_wait(struct nsid_watch *w, int timeout_ms)
{
	char buf[8192];
	size_t seen = 0;

	while (w->sk >= 0 && seen < w->want) {
		struct pollfd p = {.fd = w->sk, .events = POLLIN};
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		ssize_t got = recv(w->sk, buf, sizeof(buf), 0);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0)
			break; /* ENOBUFS: lost some; the worker has them anyway */
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)got); nh = NLMSG_NEXT(nh, got)) {
			if (nh->nlmsg_type == RTM_DELNSID)
				seen++;
			/* an id refused (EEXIST: it had one, which will do) */
			if (nh->nlmsg_type == NLMSG_ERROR && nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);
				if (e->error && e->error != -EEXIST && w->want)
					w->want--;
			}
		}
	}
	if (w->sk >= 0)
		close(w->sk);
	w->sk = -1;
}

int nsim_apply_netns_del_many(char *const *names, size_t n, const bool *first, int *ret_errors)
{
	_cleanup_free_ size_t *order = malloc((n ? n : 1) * sizeof(*order));
	_cleanup_free_ char **sorted = malloc((n ? n : 1) * sizeof(*sorted));
	_cleanup_free_ int *errors = malloc((n ? n : 1) * sizeof(*errors));
	size_t k = 0, n_first = 0, budget = hold_budget();

	if (!order || !sorted || !errors)
		return -ENOMEM;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if ((first && first[i]) == (pass == 0))
				order[k++] = i;
	for (size_t i = 0; i < n; i++) {
		sorted[i] = names[order[i]];
		n_first += first && first[order[i]];
	}
	for (size_t start = 0; start < n;) {
		size_t m = n - start, routers = start == 0 ? n_first : 0;
		if (budget && m > budget)
			m = budget;
		if (routers >= m)
			routers = 0; /* nobody left to watch with */
		_cleanup_free_ int *held = budget ? malloc(m * sizeof(*held)) : NULL;
		for (size_t i = 0; held && i < m; i++) {
			char path[PATH_MAX];
			held[i] = -1;
			if (!apply_netns_name_ok(sorted[start + i]))
				continue;
			netns_path(sorted[start + i], path);
			/* O_PATH: a reference to the namespace, never an open of
			 * whatever file may be there; the routers and the watcher
			 * are opened for reading (O_NONBLOCK: never wait on a FIFO) */
			held[i] = open(path, (i <= routers ? O_RDONLY | O_NONBLOCK : O_PATH) | O_NOFOLLOW | O_CLOEXEC);
		}
		struct nsid_watch watch = {.sk = -1};
		if (held && routers)
			watch = nsid_watch_open(held[routers], held, routers);
		struct del_job job = {.names = sorted + start, .errors = errors + start, .n = m};
		atomic_init(&job.next, 0);
		del_threads(&job);
		/* The last references go here: the routers', then the rest's
		 * once the worker has taken the routers. */
		for (size_t i = 0; held && i < m; i++) {
			if (i == routers)
				nsid_watch_wait(&watch, 2000);
			if (held[i] >= 0)
				close(held[i]);
		}
		start += m;
	}
	for (size_t i = 0; i < n; i++)
		ret_errors[order[i]] = errors[i];
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

/* ---- emptying a router before its namespace goes ---- */

/* Below this many IPv4 routes a namespace is left as it is: a host has a
 * handful, and emptying costs a few syscalls more than it saves. */
#define SHRINK_MIN_ROUTES 64
#define SHRINK_BUF (64 * 1024)

/* Deletes every IPv4 route of the current namespace outside the local table,
 * when there are at least SHRINK_MIN_ROUTES of them: the dump's own messages
 * sent back as RTM_DELROUTE, many to a send, no ack asked (best effort: a
 * route that is gone already does not matter). Returns the routes deleted. */
static size_t shrink_routes(void)
{
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return 0;
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
	} req = {
		.nh = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETROUTE,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
		.rt = {.rtm_family = AF_INET},
	};
	if (send(fd, &req, sizeof(req), 0) < 0)
		return 0;
	_cleanup_free_ char *buf = malloc(SHRINK_BUF);
	size_t cap = 0, len = 0, n = 0;
	_cleanup_free_ char *dels = NULL;
	if (!buf)
		return 0;
	for (bool done = false; !done;) {
		ssize_t got = recv(fd, buf, SHRINK_BUF, 0);
		if (got <= 0)
			return 0;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)got);
		     nh = NLMSG_NEXT(nh, got)) {
			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (nh->nlmsg_type != RTM_NEWROUTE || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
				continue;
			const struct rtmsg *rt = NLMSG_DATA(nh);
			if (rt->rtm_table == RT_TABLE_LOCAL)
				continue;
			size_t sz = NLMSG_ALIGN(nh->nlmsg_len);
			if (len + sz > cap) {
				size_t ncap = cap ? cap * 2 : SHRINK_BUF;
				while (ncap < len + sz)
					ncap *= 2;
				char *p = realloc(dels, ncap);
				if (!p)
					return 0;
				dels = p;
				cap = ncap;
			}
			struct nlmsghdr *d = memcpy(dels + len, nh, nh->nlmsg_len);
			d->nlmsg_type = RTM_DELROUTE;
			d->nlmsg_flags = NLM_F_REQUEST;
			d->nlmsg_seq = 2;
			d->nlmsg_pid = 0;
			len += sz;
			n++;
		}
	}
	if (n < SHRINK_MIN_ROUTES)
		return 0;
	/* one send carries whole messages only, up to SHRINK_BUF bytes */
	for (size_t off = 0; off < len;) {
		size_t chunk = 0;
		while (off + chunk < len) {
			const struct nlmsghdr *nh = (const struct nlmsghdr *)(dels + off + chunk);
			size_t sz = NLMSG_ALIGN(nh->nlmsg_len);
			if (chunk && chunk + sz > SHRINK_BUF)
				break;
			chunk += sz;
		}
		if (send(fd, dels + off, chunk, 0) < 0)
			return 0;
		off += chunk;
	}
	return n;
}

/* Removes every nftables table of the current namespace in one transaction. */
static void shrink_nft(void)
{
	struct nft_ctx *nft = NULL;
	if (apply_nft_open(&nft) < 0)
		return;
	(void)nft_run_cmd_from_buffer(nft, "flush ruleset");
	apply_nft_free(nft);
}

int nsim_apply_netns_shrink(char *const *names, size_t n, bool *ret_emptied)
{
	struct stat root_ns, own_ns;
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (fstat(self, &own_ns) < 0)
		return -errno;
	if (stat("/proc/1/ns/net", &root_ns) < 0)
		root_ns = own_ns;
	for (size_t i = 0; i < n; i++)
		ret_emptied[i] = false;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;
		if (!apply_netns_name_ok(names[i]))
			continue;
		netns_path(names[i], path);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || fstat(fd, &st) < 0)
			continue;
		/* never the root's namespace nor ours, whatever is mounted there */
		if ((st.st_ino == root_ns.st_ino && st.st_dev == root_ns.st_dev) ||
		    (st.st_ino == own_ns.st_ino && st.st_dev == own_ns.st_dev))
			continue;
		if (setns(fd, CLONE_NEWNET) < 0)
			continue;
		if (shrink_routes() > 0) {
			shrink_nft();
			ret_emptied[i] = true;
		}
		if (setns(self, CLONE_NEWNET) < 0)
			return -errno; /* cannot happen: our own namespace */
	}
	return 0;
}
