/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netfilter/nfnl.h>
#include <netlink/netlink.h>

#include "plan/plan.h"
#include "probe/conntrack.h"

struct job {
	const char *ns;
	bool account;
	struct nsim_ct_flow *flows;
	size_t n, cap;
	int r;
};

static int enter(const char *ns)
{
	char path[512];
	if (nsim_plan_ns_path(path, sizeof(path), ns) >= sizeof(path))
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static uint32_t addr4(struct nl_addr *a)
{
	uint32_t be = 0;
	if (a && nl_addr_get_family(a) == AF_INET && nl_addr_get_len(a) == 4)
		memcpy(&be, nl_addr_get_binary_addr(a), 4);
	return ntohl(be);
}

static void add(struct nl_object *obj, void *arg)
{
	struct job *j = arg;
	struct nfnl_ct *ct = (struct nfnl_ct *)obj;
	if (j->r < 0 || nfnl_ct_get_family(ct) != AF_INET)
		return;
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 64;
		struct nsim_ct_flow *f = reallocarray(j->flows, cap, sizeof(*f));
		if (!f) {
			j->r = -ENOMEM;
			return;
		}
		j->flows = f;
		j->cap = cap;
	}
	struct nsim_ct_flow *f = &j->flows[j->n++];
	*f = (struct nsim_ct_flow){.proto = nfnl_ct_get_proto(ct)};
	for (int repl = 0; repl < 2; repl++) {
		uint16_t sp, dp;
		if (f->proto == IPPROTO_ICMP)
			sp = dp = nfnl_ct_get_icmp_id(ct, repl);
		else {
			sp = nfnl_ct_get_src_port(ct, repl);
			dp = nfnl_ct_get_dst_port(ct, repl);
		}
		uint32_t s = addr4(nfnl_ct_get_src(ct, repl)), d = addr4(nfnl_ct_get_dst(ct, repl));
		if (repl) {
			f->reply_src = s, f->reply_dst = d, f->reply_sport = sp, f->reply_dport = dp;
		} else {
			f->src = s, f->dst = d, f->sport = sp, f->dport = dp;
		}
		f->packets[repl] = nfnl_ct_get_packets(ct, repl);
		f->bytes[repl] = nfnl_ct_get_bytes(ct, repl);
	}
}

static void *run(void *arg)
{
	struct job *j = arg;
	if ((j->r = enter(j->ns)) < 0)
		return NULL;
	if (j->account) {
		/* /proc/sys/net is the namespace of the thread that opens it */
		int fd = open("/proc/sys/net/netfilter/nf_conntrack_acct", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "1\n", 2) != 2)
			j->r = -errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	if (!sk) {
		j->r = -ENOMEM;
		return NULL;
	}
	if (nl_connect(sk, NETLINK_NETFILTER) < 0 || nfnl_ct_alloc_cache(sk, &cache) < 0)
		j->r = -EIO;
	else
		nl_cache_foreach(cache, add, j);
	nl_cache_free(cache);
	nl_socket_free(sk);
	return NULL;
}

static int in_thread(struct job *j)
{
	pthread_t th;
	int e = pthread_create(&th, NULL, run, j);
	if (e)
		return -e;
	pthread_join(th, NULL);
	return j->r;
}

int nsim_conntrack_account(const char *ns)
{
	struct job j = {.ns = ns, .account = true};
	return in_thread(&j);
}

int nsim_conntrack_dump(const char *ns, struct nsim_ct_flow **ret, size_t *ret_n)
{
	struct job j = {.ns = ns};
	int r = in_thread(&j);
	if (r < 0) {
		free(j.flows);
		return r;
	}
	*ret = j.flows;
	*ret_n = j.n;
	return 0;
}
