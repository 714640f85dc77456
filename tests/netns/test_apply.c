/* SPDX-License-Identifier: MIT */
/*
 * apply/ against the real kernel: builds a router and two hosts in namespaces
 * through nsim_apply_ops(), then proves the result with real sockets opened
 * inside the namespaces and reads the state back through netlink.
 * Root only (the harness's skip rule, util.h). Every namespace is named and
 * removed by the harness, pass or fail.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <linux/magic.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <dirent.h>
#include <linux/neighbour.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "apply/apply.h"
#include "model/util.h"
#include "util.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static int failures;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                       \
			goto out;                                                         \
		}                                                                         \
	} while (0)
#define CHECK_R(expr, want)                                                                     \
	do {                                                                                    \
		long _r = (long)(expr), _w = (long)(want);                                      \
		if (_r != _w) {                                                                 \
			fprintf(stderr, "%s:%d: %s = %ld (%s), want %ld (%s)\n", __FILE__, __LINE__, \
				#expr, _r, _r < 0 ? strerror((int)-_r) : "", _w,                \
				_w < 0 ? strerror((int)-_w) : "");                              \
			failures++;                                                             \
			goto out;                                                               \
		}                                                                               \
	} while (0)

/* Every namespace this test may make: named, and removed at exit or on a
 * signal, by the harness. */
enum { NS_A, NS_R, NS_B, NS_E, NS_F1, NS_F2, NS_F3, NS_F4, NS_D, NS_N1, NS_N2, NS_N3, NS_I, NS_MAX };
static const char *const suffix[NS_MAX] = {"a", "r", "b", "e", "f1", "f2", "f3", "f4", "d", "n1", "n2", "n3", "i"};
static const char *name[NS_MAX];
static char path[NS_MAX][PATH_MAX];
static char prefix[64];

static bool ns_exists(int i)
{
	struct statfs s;
	return statfs(path[i], &s) == 0 && s.f_type == NSFS_MAGIC;
}

/* Runs fn(arg) in a short-lived thread that entered namespace ns: sockets it
 * opens stay in ns, the test's own thread never moves. */
struct in_ns {
	const char *ns;
	void (*fn)(void *);
	void *arg;
	int r;
};

static void *in_ns_thread(void *p)
{
	struct in_ns *j = p;
	char pth[PATH_MAX];
	snprintf(pth, sizeof(pth), NSIM_NETNS_RUN_DIR "/%s", j->ns);
	int fd = open(pth, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		j->r = -errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	j->fn(j->arg);
	return NULL;
}

static int run_in_ns(const char *ns, void (*fn)(void *), void *arg)
{
	struct in_ns j = {ns, fn, arg, 0};
	pthread_t t;
	int r = pthread_create(&t, NULL, in_ns_thread, &j);
	if (r)
		return -r;
	pthread_join(t, NULL);
	return j.r;
}

struct sock_job {
	int type, fd;
};
static void sock_fn(void *p)
{
	struct sock_job *s = p;
	s->fd = socket(AF_INET, s->type | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		s->fd = -errno;
}
static int socket_in(const char *ns, int type)
{
	struct sock_job s = {type, -EIO};
	int r = run_in_ns(ns, sock_fn, &s);
	return r < 0 ? r : s.fd;
}

static void nl_fn(void *p)
{
	struct nl_sock **sk = p;
	*sk = nl_socket_alloc();
	if (*sk && nl_connect(*sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(*sk);
		*sk = NULL;
	}
}
static struct nl_sock *nl_in(const char *ns)
{
	struct nl_sock *sk = NULL;
	return run_in_ns(ns, nl_fn, &sk) < 0 ? NULL : sk;
}

struct ifindex_job {
	const char *name;
	int index;
};
static void ifindex_fn(void *p)
{
	struct ifindex_job *j = p;
	j->index = (int)if_nametoindex(j->name);
}
/* The index of interface ifname in namespace ns, 0 when there is none. */
static int if_index_in(const char *ns, const char *ifname)
{
	struct ifindex_job j = {.name = ifname};
	return run_in_ns(ns, ifindex_fn, &j) < 0 ? -1 : j.index;
}

struct sysctl_job {
	const char *key;
	char val[64];
};
static void sysctl_fn(void *p)
{
	struct sysctl_job *j = p;
	char pth[PATH_MAX];
	snprintf(pth, sizeof(pth), "/proc/sys/%s", j->key);
	FILE *f = fopen(pth, "re");
	if (!f)
		return;
	if (!fgets(j->val, sizeof(j->val), f))
		j->val[0] = 0;
	j->val[strcspn(j->val, "\n")] = 0;
	fclose(f);
}
static const char *sysctl_in(const char *ns, const char *key, struct sysctl_job *j)
{
	*j = (struct sysctl_job){.key = key};
	if (ns)
		(void)run_in_ns(ns, sysctl_fn, j);
	else
		sysctl_fn(j);
	return j->val;
}

static struct sockaddr_in sin4(uint32_t a, uint16_t port)
{
	return (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(a)};
}

/* Non-blocking connect awaited with poll: returns 0 or -errno (the timeout
 * only guards against a hang; every expected outcome is an event). */
static int connect_from(const char *ns, uint32_t dst, uint16_t port)
{
	_cleanup_close_ int fd = socket_in(ns, SOCK_STREAM | SOCK_NONBLOCK);
	struct sockaddr_in sa = sin4(dst, port);
	int err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	if (poll(&p, 1, 10000) != 1)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

static const char *const expected_recording =
	"ip netns add netsim-rec-a\n"
	"ip netns exec netsim-rec-a sysctl -qw net.ipv4.ip_forward=1\n"
	"ip -n netsim-rec-a link add eth0 type veth peer name a0 netns netsim-rec-r\n"
	"ip -n netsim-rec-a link set eth0 up\n"
	"ip -n netsim-rec-a addr add 10.0.1.4/32 dev eth0 noprefixroute\n"
	"ip -n netsim-rec-a route add default via 10.0.1.1 dev eth0 onlink\n"
	"ip -n netsim-rec-a route add 10.0.1.1/32 dev eth0 scope link\n"
	"ip -n netsim-rec-r route add blackhole 192.0.2.0/24 table 100\n"
	"ip -n netsim-rec-r rule add priority 100 from 10.0.1.0/24 iif a0 lookup 100\n"
	"ip -n netsim-rec-r rule add priority 200 from all lookup 200\n"
	"ip netns exec netsim-rec-r nft $'table ip t {\\n\\tchain c { type filter hook input priority 0; }\\n}\\n'\n";

/* Needs no root: the recording backend touches nothing. */
static void test_record(void)
{
	const struct nsim_op ops[] = {
		{.kind = NSIM_OP_NETNS, .ns = "netsim-rec-a"},
		{.kind = NSIM_OP_SYSCTL, .ns = "netsim-rec-a", .key = "net/ipv4/ip_forward", .value = "1"},
		{.kind = NSIM_OP_VETH, .ns = "netsim-rec-a", .ifname = "eth0", .peer_ns = "netsim-rec-r", .peer_ifname = "a0"},
		{.kind = NSIM_OP_LINK_UP, .ns = "netsim-rec-a", .ifname = "eth0"},
		{.kind = NSIM_OP_ADDR, .ns = "netsim-rec-a", .ifname = "eth0", .addr = IP(10, 0, 1, 4), .prefix = 32},
		{.kind = NSIM_OP_ROUTE, .ns = "netsim-rec-a", .ifname = "eth0", .gateway = IP(10, 0, 1, 1),
		 .table = NSIM_TABLE_MAIN},
		{.kind = NSIM_OP_ROUTE, .ns = "netsim-rec-a", .ifname = "eth0", .dst = {IP(10, 0, 1, 1), 32},
		 .table = NSIM_TABLE_MAIN},
		{.kind = NSIM_OP_ROUTE, .ns = "netsim-rec-r", .dst = {IP(192, 0, 2, 0), 24},
		 .route_type = NSIM_ROUTE_BLACKHOLE, .table = 100},
		{.kind = NSIM_OP_RULE, .ns = "netsim-rec-r", .priority = 100, .src = {IP(10, 0, 1, 0), 24}, .ifname = "a0",
		 .table = 100},
		{.kind = NSIM_OP_RULE, .ns = "netsim-rec-r", .priority = 200, .table = 200},
		{.kind = NSIM_OP_NFT, .ns = "netsim-rec-r", .text = "table ip t {\n\tchain c { type filter hook input priority 0; }\n}\n"},
	};
	struct nsim_apply *ctx = NULL;
	size_t done = 99;

	CHECK_R(nsim_apply_new(&nsim_apply_backend_record, NULL, &ctx), 0);
	CHECK_R(nsim_apply_ops(ctx, ops, ELEMENTSOF(ops), &done), 0);
	CHECK_R(done, ELEMENTSOF(ops));
	if (strcmp(nsim_apply_recording(ctx), expected_recording) != 0) {
		fprintf(stderr, "recording:\n%s\nwant:\n%s\n", nsim_apply_recording(ctx), expected_recording);
		CHECK(false);
	}
	CHECK(streq(nsim_apply_last_error(ctx), ""));
	/* a missing namespace name is refused before the backend is asked */
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NETNS}, 1, &done), -EINVAL);
	CHECK_R(done, 0);
	CHECK(strstr(nsim_apply_last_error(ctx), "Invalid argument"));
out:
	nsim_apply_free(ctx);
}

static void test_netns(void)
{
	struct nsim_apply *ctx = NULL;
	char **names = NULL;
	size_t n = 0;

	CHECK_R(nsim_apply_new(NULL, NULL, &ctx), 0);
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NETNS, .ns = name[NS_D]}, 1, NULL), 0);
	CHECK(ns_exists(NS_D));
	/* made the iproute2 way: `ip -n` finds it */
	if (access("/usr/sbin/ip", X_OK) == 0 || access("/sbin/ip", X_OK) == 0) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "ip -n %s link show lo >/dev/null", name[NS_D]);
		CHECK_R(system(cmd), 0);
	}
	/* the same name again: the file is there */
	nsim_apply_free(ctx);
	CHECK_R(nsim_apply_new(NULL, NULL, &ctx), 0);
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NETNS, .ns = name[NS_D]}, 1, NULL), -EEXIST);
	CHECK(strstr(nsim_apply_last_error(ctx), "ip netns add netsim-t"));
	CHECK(strstr(nsim_apply_last_error(ctx), "File exists"));
	/* apply/ refuses any namespace outside netsim-, root's included */
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NETNS, .ns = "other"}, 1, NULL), -EINVAL);
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NETNS, .ns = "netsim-../x"}, 1, NULL), -EINVAL);
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_LINK_UP, .ns = "default", .ifname = "lo"}, 1, NULL),
		-EINVAL);
	CHECK_R(nsim_apply_netns_del("other"), -EINVAL);
	nsim_apply_free(ctx);
	ctx = NULL;

	CHECK_R(nsim_apply_netns_list(prefix, &names, &n), 0);
	CHECK_R(n, 1);
	CHECK(streq(names[0], name[NS_D]) && !names[1]);
	nsim_apply_names_free(names);
	names = NULL;
	CHECK_R(nsim_apply_netns_list("", &names, &n), -EINVAL);

	CHECK_R(nsim_apply_netns_del(name[NS_D]), 0);
	CHECK(!ns_exists(NS_D) && access(path[NS_D], F_OK) < 0);
	CHECK_R(nsim_apply_netns_del(name[NS_D]), 0); /* idempotent */
	/* a file left by an `up` killed before its bind mount */
	int fd = open(path[NS_D], O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	CHECK(fd >= 0);
	close(fd);
	CHECK_R(nsim_apply_netns_del(name[NS_D]), 0);
	CHECK(access(path[NS_D], F_OK) < 0);
	CHECK_R(nsim_apply_netns_list(prefix, &names, &n), 0);
	CHECK_R(n, 0);
	CHECK(names && !names[0]);
out:
	nsim_apply_names_free(names);
	nsim_apply_free(ctx);
}

static const char nat_ruleset[] =
	"table ip netsim_nat {\n"
	"\tchain post {\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\toifname \"b0\" masquerade\n"
	"\t}\n"
	"}\n";

static bool has_route(struct nl_cache *routes, uint32_t table, uint32_t dst, unsigned len, int type, uint32_t gw,
		      bool onlink)
{
	for (struct nl_object *o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct nl_addr *d = rtnl_route_get_dst(rt);
		uint32_t be = htonl(dst);
		if (rtnl_route_get_table(rt) != table || rtnl_route_get_type(rt) != type ||
		    nl_addr_get_prefixlen(d) != len || (len && memcmp(nl_addr_get_binary_addr(d), &be, 4) != 0))
			continue;
		if (!gw)
			return true;
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, 0);
		struct nl_addr *g = nh ? rtnl_route_nh_get_gateway(nh) : NULL;
		uint32_t gbe = htonl(gw);
		if (g && memcmp(nl_addr_get_binary_addr(g), &gbe, 4) == 0 &&
		    !!(rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK) == onlink)
			return true;
	}
	return false;
}

static void test_layout(void)
{
	const char *a = name[NS_A], *r = name[NS_R], *b = name[NS_B];
	const struct nsim_op ops[] = {
		{.kind = NSIM_OP_NETNS, .ns = a},
		{.kind = NSIM_OP_NETNS, .ns = r},
		{.kind = NSIM_OP_NETNS, .ns = b},
		{.kind = NSIM_OP_SYSCTL, .ns = r, .key = "net/ipv4/ip_forward", .value = "1"},
		{.kind = NSIM_OP_SYSCTL, .ns = r, .key = "net/ipv4/icmp_ratelimit", .value = "0"},
		/* policy routing makes paths asymmetric: no reverse-path filter */
		{.kind = NSIM_OP_SYSCTL, .ns = r, .key = "net/ipv4/conf/all/rp_filter", .value = "0"},
		{.kind = NSIM_OP_SYSCTL, .ns = r, .key = "net/ipv4/conf/default/rp_filter", .value = "0"},
		{.kind = NSIM_OP_VETH, .ns = a, .ifname = "eth0", .peer_ns = r, .peer_ifname = "a0"},
		{.kind = NSIM_OP_VETH, .ns = b, .ifname = "eth0", .peer_ns = r, .peer_ifname = "b0"},
		{.kind = NSIM_OP_SYSCTL, .ns = r, .key = "net/ipv4/conf/a0/proxy_arp", .value = "1"},
		{.kind = NSIM_OP_SYSCTL, .ns = r, .key = "net/ipv4/conf/b0/proxy_arp", .value = "1"},
		{.kind = NSIM_OP_LINK_UP, .ns = a, .ifname = "lo"},
		{.kind = NSIM_OP_LINK_UP, .ns = a, .ifname = "eth0"},
		{.kind = NSIM_OP_LINK_UP, .ns = r, .ifname = "lo"},
		{.kind = NSIM_OP_LINK_UP, .ns = r, .ifname = "a0"},
		{.kind = NSIM_OP_LINK_UP, .ns = r, .ifname = "b0"},
		{.kind = NSIM_OP_LINK_UP, .ns = b, .ifname = "lo"},
		{.kind = NSIM_OP_LINK_UP, .ns = b, .ifname = "eth0"},
		{.kind = NSIM_OP_ADDR, .ns = a, .ifname = "eth0", .addr = IP(10, 0, 1, 4), .prefix = 32},
		{.kind = NSIM_OP_ADDR, .ns = r, .ifname = "a0", .addr = IP(10, 0, 1, 1), .prefix = 32},
		{.kind = NSIM_OP_ADDR, .ns = r, .ifname = "b0", .addr = IP(10, 0, 2, 1), .prefix = 32},
		{.kind = NSIM_OP_ADDR, .ns = b, .ifname = "eth0", .addr = IP(10, 0, 2, 4), .prefix = 32},
		/* a second address of b reachable only through r's table 100 */
		{.kind = NSIM_OP_ADDR, .ns = b, .ifname = "lo", .addr = IP(10, 0, 9, 9), .prefix = 32},
		{.kind = NSIM_OP_ROUTE, .ns = a, .ifname = "eth0", .dst = {IP(10, 0, 1, 1), 32}, .table = NSIM_TABLE_MAIN},
		{.kind = NSIM_OP_ROUTE, .ns = a, .ifname = "eth0", .gateway = IP(10, 0, 1, 1), .table = NSIM_TABLE_MAIN},
		{.kind = NSIM_OP_ROUTE, .ns = b, .ifname = "eth0", .dst = {IP(10, 0, 2, 1), 32}, .table = NSIM_TABLE_MAIN},
		{.kind = NSIM_OP_ROUTE, .ns = b, .ifname = "eth0", .gateway = IP(10, 0, 2, 1), .table = NSIM_TABLE_MAIN},
		{.kind = NSIM_OP_ROUTE, .ns = r, .ifname = "a0", .dst = {IP(10, 0, 1, 4), 32}, .table = NSIM_TABLE_MAIN},
		{.kind = NSIM_OP_ROUTE, .ns = r, .ifname = "b0", .dst = {IP(10, 0, 2, 4), 32}, .table = NSIM_TABLE_MAIN},
		/* r: traffic from a's subnet entering on a0 uses table 100 */
		{.kind = NSIM_OP_RULE, .ns = r, .priority = 100, .src = {IP(10, 0, 1, 0), 24}, .ifname = "a0", .table = 100},
		{.kind = NSIM_OP_ROUTE, .ns = r, .ifname = "b0", .dst = {IP(10, 0, 9, 0), 24}, .gateway = IP(10, 0, 2, 4),
		 .table = 100},
		{.kind = NSIM_OP_ROUTE, .ns = r, .dst = {IP(192, 0, 2, 0), 24}, .route_type = NSIM_ROUTE_BLACKHOLE,
		 .table = 100},
		/* a: every lookup tries table 200 first, which blackholes 198.51.100.0/24 */
		{.kind = NSIM_OP_RULE, .ns = a, .priority = 200, .table = 200},
		{.kind = NSIM_OP_ROUTE, .ns = a, .dst = {IP(198, 51, 100, 0), 24}, .route_type = NSIM_ROUTE_BLACKHOLE,
		 .table = 200},
		{.kind = NSIM_OP_NFT, .ns = r, .text = nat_ruleset},
	};
	struct nsim_apply *ctx = NULL;
	struct nl_sock *sk_r = NULL, *sk_a = NULL;
	struct nl_cache *routes = NULL, *rules = NULL, *addrs = NULL;
	struct sysctl_job sj;
	int lfd = -1, cfd = -1;
	size_t done = 0;
	char root_fwd[64], root_rl[64];

	snprintf(root_fwd, sizeof(root_fwd), "%s", sysctl_in(NULL, "net/ipv4/ip_forward", &sj));
	snprintf(root_rl, sizeof(root_rl), "%s", sysctl_in(NULL, "net/ipv4/icmp_ratelimit", &sj));
	CHECK_R(nsim_apply_new(NULL, NULL, &ctx), 0);
	int ret = nsim_apply_ops(ctx, ops, ELEMENTSOF(ops), &done);
	if (ret < 0)
		fprintf(stderr, "op %zu: %s\n", done, nsim_apply_last_error(ctx));
	CHECK_R(ret, 0);
	CHECK_R(done, ELEMENTSOF(ops));
	CHECK(ns_exists(NS_A) && ns_exists(NS_R) && ns_exists(NS_B));

	/* sysctls landed in r only (a new namespace starts with the root's
	 * IPv4 conf/all, ip_forward included, and the default icmp_ratelimit) */
	CHECK(streq(sysctl_in(r, "net/ipv4/ip_forward", &sj), "1"));
	CHECK(streq(sysctl_in(r, "net/ipv4/icmp_ratelimit", &sj), "0"));
	CHECK(streq(sysctl_in(r, "net/ipv4/conf/b0/proxy_arp", &sj), "1"));
	CHECK(streq(sysctl_in(a, "net/ipv4/icmp_ratelimit", &sj), "1000"));
	CHECK(streq(sysctl_in(a, "net/ipv4/ip_forward", &sj), root_fwd));
	CHECK(streq(sysctl_in(NULL, "net/ipv4/ip_forward", &sj), root_fwd));
	CHECK(streq(sysctl_in(NULL, "net/ipv4/icmp_ratelimit", &sj), root_rl));

	/* b listens on both addresses */
	lfd = socket_in(b, SOCK_STREAM | SOCK_NONBLOCK);
	CHECK(lfd >= 0);
	struct sockaddr_in any = sin4(INADDR_ANY, 8080);
	CHECK_R(bind(lfd, (struct sockaddr *)&any, sizeof(any)), 0);
	CHECK_R(listen(lfd, 8), 0);

	/* a -> b crosses r, which masquerades towards b0: b sees r's address */
	CHECK_R(connect_from(a, IP(10, 0, 2, 4), 8080), 0);
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	CHECK_R(poll(&p, 1, 10000), 1);
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	cfd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	CHECK(cfd >= 0);
	CHECK_R(ntohl(peer.sin_addr.s_addr), IP(10, 0, 2, 1));

	/* 10.0.9.9 is only in r's table 100, chosen by the rule for a's subnet */
	CHECK_R(connect_from(a, IP(10, 0, 9, 9), 8080), 0);
	/* nothing routes 10.0.8.0/24 in r: it answers net unreachable */
	CHECK_R(connect_from(a, IP(10, 0, 8, 8), 8080), -ENETUNREACH);
	/* a's rule and blackhole: refused before a packet leaves */
	CHECK_R(connect_from(a, IP(198, 51, 100, 7), 80), -EINVAL);
	/* a port nobody listens on: the reset comes back through r */
	CHECK_R(connect_from(a, IP(10, 0, 2, 4), 9), -ECONNREFUSED);

	/* read the state back through netlink */
	sk_r = nl_in(r);
	sk_a = nl_in(a);
	CHECK(sk_r && sk_a);
	CHECK_R(rtnl_route_alloc_cache(sk_r, AF_INET, 0, &routes), 0);
	CHECK(has_route(routes, 100, IP(10, 0, 9, 0), 24, RTN_UNICAST, IP(10, 0, 2, 4), true));
	CHECK(has_route(routes, 100, IP(192, 0, 2, 0), 24, RTN_BLACKHOLE, 0, false));
	CHECK(has_route(routes, RT_TABLE_MAIN, IP(10, 0, 1, 4), 32, RTN_UNICAST, 0, false));
	nl_cache_free(routes);
	routes = NULL;
	CHECK_R(rtnl_route_alloc_cache(sk_a, AF_INET, 0, &routes), 0);
	CHECK(has_route(routes, RT_TABLE_MAIN, 0, 0, RTN_UNICAST, IP(10, 0, 1, 1), true));
	CHECK(has_route(routes, 200, IP(198, 51, 100, 0), 24, RTN_BLACKHOLE, 0, false));
	/* /32 addresses make no prefix route */
	CHECK(!has_route(routes, RT_TABLE_MAIN, IP(10, 0, 1, 4), 32, RTN_UNICAST, 0, false));

	CHECK_R(rtnl_rule_alloc_cache(sk_r, AF_INET, &rules), 0);
	bool found = false;
	for (struct nl_object *o = nl_cache_get_first(rules); o; o = nl_cache_get_next(o)) {
		struct rtnl_rule *ru = (struct rtnl_rule *)o;
		struct nl_addr *src = rtnl_rule_get_src(ru);
		uint32_t be = htonl(IP(10, 0, 1, 0));
		if (rtnl_rule_get_prio(ru) == 100 && rtnl_rule_get_table(ru) == 100 && rtnl_rule_get_iif(ru) &&
		    streq(rtnl_rule_get_iif(ru), "a0") && src && nl_addr_get_prefixlen(src) == 24 &&
		    memcmp(nl_addr_get_binary_addr(src), &be, 4) == 0 && rtnl_rule_get_action(ru) == FR_ACT_TO_TBL)
			found = true;
	}
	CHECK(found);

	CHECK_R(rtnl_addr_alloc_cache(sk_a, &addrs), 0);
	found = false;
	for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ad = (struct rtnl_addr *)o;
		uint32_t be = htonl(IP(10, 0, 1, 4));
		struct nl_addr *l = rtnl_addr_get_local(ad);
		if (rtnl_addr_get_family(ad) == AF_INET && l && memcmp(nl_addr_get_binary_addr(l), &be, 4) == 0 &&
		    rtnl_addr_get_prefixlen(ad) == 32 && (rtnl_addr_get_flags(ad) & IFA_F_NOPREFIXROUTE))
			found = true;
	}
	CHECK(found);
	/* a veth end gets no IPv6 link-local address (only lo has ::1) */
	found = false;
	for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ad = (struct rtnl_addr *)o;
		if (rtnl_addr_get_family(ad) == AF_INET6 && rtnl_addr_get_ifindex(ad) != 1)
			found = true;
	}
	CHECK(!found);
out:
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	if (routes)
		nl_cache_free(routes);
	if (rules)
		nl_cache_free(rules);
	if (addrs)
		nl_cache_free(addrs);
	if (sk_r)
		nl_socket_free(sk_r);
	if (sk_a)
		nl_socket_free(sk_a);
	nsim_apply_free(ctx);
	/* all at once, the router first: each result where its name was */
	char other[] = "other";
	char *del[] = {(char *)a, other, (char *)r, (char *)b};
	const bool first[] = {false, false, true, false};
	int errs[4] = {1, 1, 1, 1};
	if (nsim_apply_netns_del_many(del, 4, first, errs) < 0 || errs[0] || errs[1] != -EINVAL || errs[2] || errs[3])
		failures++;
	for (int i = NS_A; i <= NS_B; i++)
		if (ns_exists(i)) {
			failures++;
			if (nsim_apply_netns_del(name[i]) < 0)
				failures++;
		}
}

/* Failures name the op and carry the kernel's or nft's words. */
static void test_errors(void)
{
	const char *e = name[NS_E];
	struct nsim_apply *ctx = NULL;
	size_t done = 99;

	CHECK_R(nsim_apply_new(NULL, NULL, &ctx), 0);
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NETNS, .ns = e}, 1, NULL), 0);

	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_ADDR, .ns = e, .ifname = "eth9",
						     .addr = IP(10, 0, 0, 4), .prefix = 24}, 1, &done),
		-ENODEV);
	CHECK_R(done, 0);
	CHECK(strstr(nsim_apply_last_error(ctx), "addr add 10.0.0.4/24 dev eth9"));

	/* a gateway route on a device that is down (a veth's second end stays
	 * down until its link op): the kernel explains */
	const struct nsim_op down[] = {
		{.kind = NSIM_OP_VETH, .ns = e, .ifname = "x0", .peer_ns = e, .peer_ifname = "x1"},
		{.kind = NSIM_OP_ROUTE, .ns = e, .ifname = "x1", .dst = {IP(10, 7, 0, 0), 16}, .gateway = IP(10, 0, 0, 1),
		 .table = NSIM_TABLE_MAIN},
	};
	CHECK_R(nsim_apply_ops(ctx, down, 2, &done), -ENETDOWN);
	CHECK_R(done, 1);
	fprintf(stderr, "# kernel error: %s\n", nsim_apply_last_error(ctx));
	CHECK(strstr(nsim_apply_last_error(ctx), "route add 10.7.0.0/16 via 10.0.0.1 dev x1 onlink"));

	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NFT, .ns = e, .text = "add table ip t\nadd chain ip t c { type nonsense; }\n"},
			       1, NULL),
		-EINVAL);
	fprintf(stderr, "# nft error: %s\n", nsim_apply_last_error(ctx));
	CHECK(strstr(nsim_apply_last_error(ctx), "Error:"));
	/* a kernel refusal relayed by nft keeps its errno */
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NFT, .ns = e, .text = "delete table ip nosuch\n"},
			       1, NULL),
		-ENOENT);

	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_SYSCTL, .ns = e, .key = "kernel/hostname", .value = "x"},
			       1, NULL),
		-EINVAL);
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_SYSCTL, .ns = e, .key = "net/../kernel/hostname",
						     .value = "x"}, 1, NULL),
		-EINVAL);
	/* net/ipv4/ keys are opened relative to /proc/sys/net/ipv4: an absolute remainder is refused */
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_SYSCTL, .ns = e, .key = "net/ipv4//proc/sys/kernel/hostname",
						     .value = "x"}, 1, NULL),
		-EINVAL);
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_SYSCTL, .ns = e, .key = "net/ipv4/", .value = "x"}, 1, NULL),
		-EINVAL);
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_SYSCTL, .ns = e, .key = "net/ipv4/conf/nosuch/forwarding",
						     .value = "1"}, 1, NULL),
		-ENOENT);
out:
	nsim_apply_free(ctx);
	if (nsim_apply_netns_del(e) < 0 || ns_exists(NS_E))
		failures++;
}

/* The interface index apply asks for in a namespace it made is taken, by a
 * device someone else made there: the veth is made anyway, the kernel
 * choosing, and later ops find its ends by name. */
static void test_ifindex_taken(void)
{
	const char *ns = name[NS_I];
	struct nsim_apply *ctx = NULL;
	struct nl_sock *sk = NULL;
	struct rtnl_link *y = NULL;
	size_t done = 0;

	CHECK_R(nsim_apply_new(NULL, NULL, &ctx), 0);
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NETNS, .ns = ns}, 1, NULL), 0);
	sk = nl_in(ns);
	CHECK(sk && (y = rtnl_link_veth_alloc()));
	rtnl_link_set_name(y, "y0");
	struct rtnl_link *y1 = rtnl_link_veth_get_peer(y); /* a reference of its own */
	rtnl_link_set_name(y1, "y1");
	rtnl_link_put(y1);
	rtnl_link_set_ifindex(y, 32);
	CHECK_R(rtnl_link_add(sk, y, NLM_F_CREATE | NLM_F_EXCL), 0);
	CHECK_R(if_index_in(ns, "y0"), 32);
	const struct nsim_op ops[] = {
		{.kind = NSIM_OP_VETH, .ns = ns, .ifname = "z0", .peer_ns = ns, .peer_ifname = "z1"},
		{.kind = NSIM_OP_LINK_UP, .ns = ns, .ifname = "z0"},
		{.kind = NSIM_OP_LINK_UP, .ns = ns, .ifname = "z1"},
		{.kind = NSIM_OP_ADDR, .ns = ns, .ifname = "z0", .addr = IP(10, 9, 0, 1), .prefix = 24},
		{.kind = NSIM_OP_ADDR, .ns = ns, .ifname = "z1", .addr = IP(10, 9, 1, 1), .prefix = 24},
		{.kind = NSIM_OP_VETH, .ns = ns, .ifname = "w0", .peer_ns = ns, .peer_ifname = "w1"},
		{.kind = NSIM_OP_ROUTE, .ns = ns, .ifname = "z1", .dst = {IP(10, 7, 0, 0), 16}, .gateway = IP(10, 9, 1, 2),
		 .table = NSIM_TABLE_MAIN},
	};
	int r = nsim_apply_ops(ctx, ops, ELEMENTSOF(ops), &done);
	if (r < 0)
		fprintf(stderr, "op %zu: %s\n", done, nsim_apply_last_error(ctx));
	CHECK_R(r, 0);
	int z0 = if_index_in(ns, "z0"), z1 = if_index_in(ns, "z1");
	CHECK(z0 > 0 && z1 > 0 && z0 != 32 && z1 != 32 && if_index_in(ns, "w0") > 0);
out:
	if (y)
		rtnl_link_veth_release(y);
	if (sk)
		nl_socket_free(sk);
	nsim_apply_free(ctx);
	if (nsim_apply_netns_del(ns) < 0 || ns_exists(NS_I))
		failures++;
}

/* A name apply refuses among many namespaces (64 or more in one call: a
 * second thread makes them ahead): the call fails there, those before it
 * stay for the caller, none past it is left, and nothing is made outside
 * /run/netns. */
static void test_made_ahead_stops(void)
{
	enum { N = 70, BAD = 5 };
	struct nsim_op ops[N];
	const char *names[N];
	struct nsim_apply *ctx = NULL;
	size_t done = 0;
	char bad[128];

	snprintf(bad, sizeof(bad), "%s-../../ahead-escape", prefix);
	for (int i = 0; i < N; i++) {
		char suffix_i[16];
		snprintf(suffix_i, sizeof(suffix_i), "p%d", i);
		names[i] = i == BAD ? bad : netns_namespace(suffix_i);
		ops[i] = (struct nsim_op){.kind = NSIM_OP_NETNS, .ns = names[i]};
	}
	CHECK_R(nsim_apply_new(NULL, NULL, &ctx), 0);
	CHECK_R(nsim_apply_ops(ctx, ops, N, &done), -EINVAL);
	CHECK_R(done, BAD);
	for (int i = 0; i < N; i++) {
		char p[PATH_MAX];
		struct statfs st;
		if (i == BAD)
			continue;
		nsim_plan_ns_path(p, sizeof(p), names[i]);
		bool made = statfs(p, &st) == 0 && st.f_type == NSFS_MAGIC;
		if (made != (i < BAD)) {
			fprintf(stderr, "%s %s\n", names[i], made ? "made" : "missing");
			failures++;
		}
	}
	CHECK(access("/run/ahead-escape", F_OK) < 0 && access("/ahead-escape", F_OK) < 0);
out:
	nsim_apply_free(ctx);
	for (int i = 0; i < N; i++)
		if (i != BAD && nsim_apply_netns_del(names[i]) < 0)
			failures++;
}

static void test_fail_at(void)
{
	const struct nsim_op ops[] = {
		{.kind = NSIM_OP_NETNS, .ns = name[NS_F1]},
		{.kind = NSIM_OP_NETNS, .ns = name[NS_F2]},
		{.kind = NSIM_OP_NETNS, .ns = name[NS_F3]},
		{.kind = NSIM_OP_NETNS, .ns = name[NS_F4]},
	};
	struct nsim_apply *ctx = NULL;
	size_t done = 99;

	setenv("NETSIM_FAIL_AT", "3x", 1);
	CHECK_R(nsim_apply_new(NULL, NULL, &ctx), -EINVAL);
	setenv("NETSIM_FAIL_AT", "3", 1);
	int r = nsim_apply_new(NULL, NULL, &ctx);
	unsetenv("NETSIM_FAIL_AT");
	CHECK_R(r, 0);
	CHECK_R(nsim_apply_ops(ctx, ops, ELEMENTSOF(ops), &done), -EIO);
	CHECK_R(done, 2);
	CHECK(strstr(nsim_apply_last_error(ctx), "NETSIM_FAIL_AT=3"));
	CHECK(strstr(nsim_apply_last_error(ctx), name[NS_F3]));
	CHECK(ns_exists(NS_F1) && ns_exists(NS_F2));
	/* failed before touching anything */
	CHECK(access(path[NS_F3], F_OK) < 0 && access(path[NS_F4], F_OK) < 0);
	/* counted across the run: the 4th op goes through */
	CHECK_R(nsim_apply_ops(ctx, &ops[2], 2, &done), 0);
	CHECK_R(done, 2);
	CHECK(ns_exists(NS_F3) && ns_exists(NS_F4));
	CHECK(streq(nsim_apply_last_error(ctx), ""));
out:
	nsim_apply_free(ctx);
	for (int i = NS_F1; i <= NS_F4; i++)
		if (nsim_apply_netns_del(name[i]) < 0 || ns_exists(i))
			failures++;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

/* Neighbour entries with the MACs set at veth creation, and the context's
 * per-namespace cache released after each namespace's last op: the fds held
 * once the ops are done do not depend on how many namespaces they made. */
static void test_neigh_release(void)
{
	const char *h1 = name[NS_N1], *h2 = name[NS_N2], *r = name[NS_N3];
	struct nsim_op ops[] = {
		{.kind = NSIM_OP_NETNS, .ns = r},
		{.kind = NSIM_OP_NETNS, .ns = h1},
		{.kind = NSIM_OP_VETH, .ns = h1, .ifname = "eth0", .peer_ns = r, .peer_ifname = "p1"},
		{.kind = NSIM_OP_LINK_UP, .ns = h1, .ifname = "eth0"},
		{.kind = NSIM_OP_LINK_UP, .ns = r, .ifname = "p1"},
		{.kind = NSIM_OP_ADDR, .ns = h1, .ifname = "eth0", .addr = IP(10, 0, 1, 4), .prefix = 24},
		{.kind = NSIM_OP_ADDR, .ns = r, .ifname = "p1", .addr = IP(10, 0, 1, 1), .prefix = 32},
		{.kind = NSIM_OP_NEIGH, .ns = h1, .ifname = "eth0", .addr = IP(10, 0, 1, 1)},
		{.kind = NSIM_OP_NEIGH, .ns = r, .ifname = "p1", .addr = IP(10, 0, 1, 4)},
		{.kind = NSIM_OP_NETNS, .ns = h2},
		{.kind = NSIM_OP_VETH, .ns = h2, .ifname = "eth0", .peer_ns = r, .peer_ifname = "p2"},
		{.kind = NSIM_OP_LINK_UP, .ns = h2, .ifname = "eth0"},
		{.kind = NSIM_OP_LINK_UP, .ns = r, .ifname = "p2"},
	};
	nsim_plan_lladdr(h1, "eth0", ops[2].lladdr);
	nsim_plan_lladdr(r, "p1", ops[2].peer_lladdr);
	nsim_plan_lladdr(r, "p1", ops[7].lladdr);
	nsim_plan_lladdr(h1, "eth0", ops[8].lladdr);
	nsim_plan_lladdr(h2, "eth0", ops[10].lladdr);
	nsim_plan_lladdr(r, "p2", ops[10].peer_lladdr);
	struct nsim_apply *ctx = NULL;
	struct nl_sock *sk = NULL;
	struct nl_cache *neighs = NULL, *links = NULL;
	size_t done = 0;

	int before = count_fds();
	CHECK_R(nsim_apply_new(NULL, NULL, &ctx), 0);
	int ret = nsim_apply_ops(ctx, ops, ELEMENTSOF(ops), &done);
	if (ret < 0)
		fprintf(stderr, "op %zu: %s\n", done, nsim_apply_last_error(ctx));
	CHECK_R(ret, 0);
	/* three namespaces made, none held: only the fd of the caller's namespace stays */
	CHECK_R(count_fds(), before + 1);
	/* a later call opens a released namespace again, and lets it go again */
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_ADDR, .ns = h2, .ifname = "eth0",
						     .addr = IP(10, 0, 2, 4), .prefix = 24}, 1, NULL), 0);
	CHECK_R(count_fds(), before + 1);
	/* the same kind of op without a MAC is refused */
	CHECK_R(nsim_apply_ops(ctx, &(struct nsim_op){.kind = NSIM_OP_NEIGH, .ns = h2, .ifname = "eth0",
						     .addr = IP(10, 0, 2, 1)}, 1, NULL), -EINVAL);

	sk = nl_in(h1);
	CHECK(sk);
	CHECK_R(rtnl_link_alloc_cache(sk, AF_UNSPEC, &links), 0);
	struct rtnl_link *eth0 = rtnl_link_get_by_name(links, "eth0");
	CHECK(eth0);
	struct nl_addr *mac = rtnl_link_get_addr(eth0);
	CHECK(mac && nl_addr_get_len(mac) == NSIM_LLADDR_LEN &&
	      memcmp(nl_addr_get_binary_addr(mac), ops[2].lladdr, NSIM_LLADDR_LEN) == 0);
	int idx = rtnl_link_get_ifindex(eth0);
	rtnl_link_put(eth0);
	CHECK_R(rtnl_neigh_alloc_cache(sk, &neighs), 0);
	bool found = false;
	for (struct nl_object *o = nl_cache_get_first(neighs); o; o = nl_cache_get_next(o)) {
		struct rtnl_neigh *ne = (struct rtnl_neigh *)o;
		struct nl_addr *dst = rtnl_neigh_get_dst(ne), *ll = rtnl_neigh_get_lladdr(ne);
		uint32_t be = htonl(IP(10, 0, 1, 1));
		if (rtnl_neigh_get_ifindex(ne) == idx && dst && memcmp(nl_addr_get_binary_addr(dst), &be, 4) == 0 &&
		    ll && memcmp(nl_addr_get_binary_addr(ll), ops[7].lladdr, NSIM_LLADDR_LEN) == 0 &&
		    rtnl_neigh_get_state(ne) == NUD_PERMANENT)
			found = true;
	}
	CHECK(found);
out:
	if (neighs)
		nl_cache_free(neighs);
	if (links)
		nl_cache_free(links);
	if (sk)
		nl_socket_free(sk);
	nsim_apply_free(ctx);
	for (int i = NS_N1; i <= NS_N3; i++)
		if (nsim_apply_netns_del(name[i]) < 0 || ns_exists(i))
			failures++;
}

int main(void)
{
	char **left = NULL;
	size_t n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_record();
	printf("%s record\n", failures ? "not ok" : "ok");
	int r = netns_harness_init(NULL);
	if (r)
		return failures ? 1 : r;

	snprintf(prefix, sizeof(prefix), "netsim-%s", netns_name_prefix());
	for (int i = 0; i < NS_MAX; i++) {
		name[i] = netns_namespace(suffix[i]);
		nsim_plan_ns_path(path[i], sizeof(path[i]), name[i]);
	}

	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{"netns", test_netns},
		{"layout", test_layout},
		{"errors", test_errors},
		{"ifindex_taken", test_ifindex_taken},
		{"made_ahead_stops", test_made_ahead_stops},
		{"fail_at", test_fail_at},
		{"neigh_release", test_neigh_release},
	};
	for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
		int before = failures;
		tests[i].fn();
		printf("%s %s\n", failures > before ? "not ok" : "ok", tests[i].name);
	}

	cleanup_all();
	if (nsim_apply_netns_list(prefix, &left, &n) < 0 || n) {
		printf("not ok: %zu namespaces left behind\n", n);
		failures++;
	}
	nsim_apply_names_free(left);
	return failures ? 1 : 0;
}
