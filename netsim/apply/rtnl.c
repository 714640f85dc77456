/* SPDX-License-Identifier: MIT */
/* Links, addresses, routes and rules through libnl route sockets that live in
 * their namespace; libnl's errors become -errno here and nowhere else. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "apply/apply-internal.h"
#include "model/util.h"

static inline void nl_addr_putp(struct nl_addr **p) { if (*p) nl_addr_put(*p); }
static inline void link_putp(struct rtnl_link **p) { if (*p) rtnl_link_put(*p); }
static inline void addr_putp(struct rtnl_addr **p) { if (*p) rtnl_addr_put(*p); }
static inline void route_putp(struct rtnl_route **p) { if (*p) rtnl_route_put(*p); }
static inline void rule_putp(struct rtnl_rule **p) { if (*p) rtnl_rule_put(*p); }
static inline void neigh_putp(struct rtnl_neigh **p) { if (*p) rtnl_neigh_put(*p); }

static int nl_errno_map(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0: return 0;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_INTR: return -EINTR;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_BAD_SOCK: return -EBADF;
	case NLE_EXIST: return -EEXIST;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NODEV: return -ENODEV;
	case NLE_PERM: case NLE_NOACCESS: return -EPERM;
	case NLE_RANGE: return -ERANGE;
	case NLE_MSGSIZE: return -EMSGSIZE;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_BUSY: return -EBUSY;
	case NLE_INVAL: case NLE_MISSING_ATTR: case NLE_AF_MISMATCH: return -EINVAL;
	default: return -EIO;
	}
}

int apply_nl_errno(struct nsim_apply *ctx, int nlerr)
{
	/* libnl folds the kernel's errno into a few NLE_ codes; the error
	 * callback kept the original. */
	if (ctx->nl_errno > 0)
		return -ctx->nl_errno;
	return nl_errno_map(nlerr);
}

/* Keeps the kernel's errno and its extended ack message (NETLINK_EXT_ACK). */
static int nl_error_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nsim_apply *ctx = arg;
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN); /* e is its payload */
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	ctx->nl_errno = -e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	if (off >= h->nlmsg_len)
		return NL_STOP;
	struct nlattr *msg = nla_find((struct nlattr *)((char *)h + off), (int)(h->nlmsg_len - off), NLMSGERR_ATTR_MSG);
	if (msg && nla_len(msg) > 1)
		nsim_apply_set_detail(ctx, "%.*s", nla_len(msg) - 1, (const char *)nla_data(msg));
	return NL_STOP;
}

int apply_ns_open_socket(struct nsim_apply *ctx, struct nsim_ns *ns)
{
	/* Our own socket rather than nl_connect()'s, to keep it above FD_SETSIZE. */
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), one = 1, r;
	struct sockaddr_nl local = {.nl_family = AF_NETLINK}; /* port 0: the kernel picks */
	struct nl_sock *sk;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* Best effort: the messages only improve error reports. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	fd = apply_fd_high(fd);
	sk = nl_socket_alloc();
	if (!sk) {
		close(fd);
		return -ENOMEM;
	}
	r = nl_socket_set_fd(sk, NETLINK_ROUTE, fd);
	if (r < 0) {
		close(fd);
		nl_socket_free(sk);
		return nl_errno_map(r); /* not ctx's: this may run in the thread that makes namespaces ahead */
	}
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, nl_error_cb, ctx);
	ns->sk = sk;
	return 0;
}

static struct nl_addr *addr4(uint32_t a, unsigned len)
{
	uint32_t be = htonl(a);
	struct nl_addr *x = nl_addr_build(AF_INET, &be, sizeof(be));
	if (x)
		nl_addr_set_prefixlen(x, (int)len);
	return x;
}

/* Cached per namespace: netsim never deletes a link while the context lives. */
static int ifindex(struct nsim_apply *ctx, struct nsim_ns *ns, const char *ifname, int *ret)
{
	_cleanup_(link_putp) struct rtnl_link *link = NULL;
	void *v = nsim_hashmap_get(&ns->ifindex, ifname);
	int r;

	if (v) {
		*ret = (int)(intptr_t)v;
		return 0;
	}
	r = rtnl_link_get_kernel(ns->sk, 0, ifname, &link);
	if (r < 0) {
		r = apply_nl_errno(ctx, r);
		if (r == -ENODEV && !ctx->detail[0])
			nsim_apply_set_detail(ctx, "no interface %s in %s", ifname, ns->name);
		return r;
	}
	int idx = rtnl_link_get_ifindex(link);
	r = nsim_hashmap_put(&ns->ifindex, ifname, (void *)(intptr_t)idx);
	if (r < 0)
		return r;
	*ret = idx;
	return 0;
}

static int ns_and_ifindex(struct nsim_apply *ctx, const struct nsim_op *op, struct nsim_ns **ret_ns, int *ret_idx)
{
	struct nsim_ns *ns;
	int r = apply_ns_get(ctx, op->ns, &ns);
	if (r < 0)
		return r;
	*ret_ns = ns;
	*ret_idx = 0;
	return op->ifname ? ifindex(ctx, ns, op->ifname, ret_idx) : 0;
}

static bool lladdr_set(const uint8_t a[static NSIM_LLADDR_LEN])
{
	for (int i = 0; i < NSIM_LLADDR_LEN; i++)
		if (a[i])
			return true;
	return false;
}

static struct nl_addr *lladdr(const uint8_t a[static NSIM_LLADDR_LEN])
{
	return nl_addr_build(AF_LLC, a, NSIM_LLADDR_LEN);
}

static int set_lladdr(struct nsim_apply *ctx, struct rtnl_link *link, const uint8_t a[static NSIM_LLADDR_LEN])
{
	_cleanup_(nl_addr_putp) struct nl_addr *ll = lladdr(a);
	if (!ll)
		return -ENOMEM;
	rtnl_link_set_addr(link, ll);
	return 0;
}

/* One veth pair: end `name` (MAC `mac`, index `idx`) made by a request in ns,
 * up from birth, its peer `pname` born in peer_ns, down. An index of 0 is the
 * kernel's choice. */
static int veth_add(struct nsim_apply *ctx, struct nsim_ns *ns, const char *name, const uint8_t *mac, int idx,
		    struct nsim_ns *peer_ns, const char *pname, const uint8_t *pmac, int pidx)
{
	int r;

	_cleanup_(link_putp) struct rtnl_link *link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	struct rtnl_link *peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(peer, pname);
	/* One queue each, as veth ends up with anyway: otherwise the kernel
	 * registers a queue (sysfs objects, uevents) per possible CPU for each
	 * end, then removes all but the first. */
	rtnl_link_set_num_tx_queues(link, 1);
	rtnl_link_set_num_rx_queues(link, 1);
	rtnl_link_set_num_tx_queues(peer, 1);
	rtnl_link_set_num_rx_queues(peer, 1);
	/* Up from birth: one RTM_NEWLINK notification instead of one for the
	 * registration and one for IFF_UP. Building it walks the namespace's id
	 * table for the peer's (peernet2id_alloc()), in a VPC router an id per
	 * host. Only this end: the kernel configures the peer before it ties
	 * the two together, and a veth without its peer refuses to open
	 * (ENOTCONN). */
	rtnl_link_set_flags(link, IFF_UP);
	/* Indexes chosen here, not by the kernel, so that no later op asks for
	 * them (RTM_GETLINK's answer walks that id table too). */
	if (idx && pidx) {
		rtnl_link_set_ifindex(link, idx);
		rtnl_link_set_ifindex(peer, pidx);
	}
	/* the plan's MACs (IFLA_ADDRESS of each end): its neighbour entries name them */
	if (lladdr_set(mac) && (r = set_lladdr(ctx, link, mac)) < 0) {
		rtnl_link_put(peer);
		return r;
	}
	if (lladdr_set(pmac) && (r = set_lladdr(ctx, peer, pmac)) < 0) {
		rtnl_link_put(peer);
		return r;
	}
	/* The peer is born in its namespace (IFLA_NET_NS_FD in the peer info):
	 * creating it here and moving it costs ~30x more per link. */
	if (peer_ns != ns)
		rtnl_link_set_ns_fd(peer, peer_ns->fd);
	rtnl_link_put(peer);
	r = rtnl_link_add(ns->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	return r < 0 ? apply_nl_errno(ctx, r) : 0;
}

static int remember(struct nsim_ns *ns, const char *ifname, int idx, bool up)
{
	int r = idx ? nsim_hashmap_put(&ns->ifindex, ifname, (void *)(intptr_t)idx) : 0;
	ns->n_links++;
	return r < 0 ? r : nsim_hashmap_put(&ns->veth, ifname, up ? VETH_BORN_UP : VETH_BORN_DOWN);
}

int apply_kernel_veth(struct nsim_apply *ctx, const struct nsim_op *op)
{
	struct nsim_ns *ns, *peer_ns;
	int r;

	if (!op->ifname || !op->peer_ifname || !op->peer_ns)
		return -EINVAL;
	if ((r = apply_ns_get(ctx, op->ns, &ns)) < 0 || (r = apply_ns_get(ctx, op->peer_ns, &peer_ns)) < 0)
		return r;
	/* The end born up is the one in the namespace with more links, the
	 * peer's on a tie (a router's port, not a host's eth0, which the plan
	 * names first): see veth_add(). */
	struct nsim_ns *a = ns, *b = peer_ns;
	const char *an = op->ifname, *bn = op->peer_ifname;
	const uint8_t *am = op->lladdr, *bm = op->peer_lladdr;
	if (peer_ns != ns && peer_ns->n_links >= ns->n_links) {
		a = peer_ns, b = ns;
		an = op->peer_ifname, bn = op->ifname;
		am = op->peer_lladdr, bm = op->lladdr;
	}
	int ai = 0, bi = 0;
	if (a->next_ifindex && b->next_ifindex) {
		ai = a->next_ifindex;
		bi = a == b ? ai + 1 : b->next_ifindex;
	}
	r = veth_add(ctx, a, an, am, ai, b, bn, bm, bi);
	if ((r == -EEXIST || r == -EBUSY) && ai) {
		/* An index taken by a device someone else made there (EEXIST;
		 * older kernels say EBUSY), or the name is: from now on the kernel
		 * chooses in both namespaces, and a name taken fails again. */
		a->next_ifindex = b->next_ifindex = 0;
		ctx->nl_errno = 0;
		ctx->detail[0] = 0;
		ai = bi = 0;
		r = veth_add(ctx, a, an, am, 0, b, bn, bm, 0);
	}
	if (r < 0)
		return r;
	if (ai) {
		a->next_ifindex = ai + 1 + (a == b);
		if (a != b)
			b->next_ifindex = bi + 1;
	}
	if ((r = remember(a, an, ai, true)) < 0 || (r = remember(b, bn, bi, false)) < 0)
		return r;
	return 0;
}

int apply_kernel_link_up(struct nsim_apply *ctx, const struct nsim_op *op)
{
	struct nsim_ns *ns;
	int r;

	if (!op->ifname)
		return -EINVAL;
	if ((r = apply_ns_get(ctx, op->ns, &ns)) < 0)
		return r;
	void *veth = nsim_hashmap_get(&ns->veth, op->ifname);
	if (veth == VETH_BORN_UP)
		return 0;
	_cleanup_(link_putp) struct rtnl_link *orig = rtnl_link_alloc();
	_cleanup_(link_putp) struct rtnl_link *change = rtnl_link_alloc();
	if (!orig || !change)
		return -ENOMEM;
	/* by name: no ifindex lookup needed */
	rtnl_link_set_name(orig, op->ifname);
	rtnl_link_set_name(change, op->ifname);
	/* A veth end gets no IPv6 link-local address: no duplicate address
	 * detection, MLD or router solicitation per host, each a kernel worker
	 * taking the RTNL lock, and less for `down` to remove. netsim's networks
	 * are IPv4, as AWS's are by default. Before IFF_UP, in a request of its
	 * own: the kernel applies IFLA_AF_SPEC after the flags, and a veth whose
	 * peer is up makes its link-local address as it comes up. */
	if (veth == VETH_BORN_DOWN) {
		/* Best effort: without IPv6 (ipv6.disable=1) there is nothing to
		 * switch off, and the kernel says EAFNOSUPPORT. */
		if (rtnl_link_inet6_set_addr_gen_mode(change, IN6_ADDR_GEN_MODE_NONE) == 0 &&
		    rtnl_link_change(ns->sk, orig, change, 0) < 0) {
			ctx->nl_errno = 0;
			ctx->detail[0] = 0;
		}
		rtnl_link_put(change);
		if (!(change = rtnl_link_alloc()))
			return -ENOMEM;
		rtnl_link_set_name(change, op->ifname);
	}
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(ns->sk, orig, change, 0);
	return r < 0 ? apply_nl_errno(ctx, r) : 0;
}

int apply_kernel_addr(struct nsim_apply *ctx, const struct nsim_op *op)
{
	struct nsim_ns *ns;
	int idx, r;

	if (!op->ifname || op->prefix > 32)
		return -EINVAL;
	if ((r = ns_and_ifindex(ctx, op, &ns, &idx)) < 0)
		return r;
	_cleanup_(addr_putp) struct rtnl_addr *a = rtnl_addr_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *local = addr4(op->addr, op->prefix);
	if (!a || !local)
		return -ENOMEM;
	rtnl_addr_set_ifindex(a, idx);
	if ((r = rtnl_addr_set_local(a, local)) < 0)
		return apply_nl_errno(ctx, r);
	rtnl_addr_set_prefixlen(a, op->prefix);
	/* Routed ports carry /32s: the kernel adds no prefix route for them
	 * anyway; say so explicitly. */
	if (op->prefix == 32)
		rtnl_addr_set_flags(a, IFA_F_NOPREFIXROUTE);
	r = rtnl_addr_add(ns->sk, a, NLM_F_EXCL);
	return r < 0 ? apply_nl_errno(ctx, r) : 0;
}

int apply_kernel_route(struct nsim_apply *ctx, const struct nsim_op *op)
{
	struct nsim_ns *ns;
	int idx, r;

	if (op->dst.len > 32 || (op->route_type == NSIM_ROUTE_UNICAST && !op->gateway && !op->ifname))
		return -EINVAL;
	if ((r = ns_and_ifindex(ctx, op, &ns, &idx)) < 0)
		return r;
	_cleanup_(route_putp) struct rtnl_route *rt = rtnl_route_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *dst = addr4(op->dst.addr, op->dst.len);
	if (!rt || !dst)
		return -ENOMEM;
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_table(rt, op->table);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	if ((r = rtnl_route_set_dst(rt, dst)) < 0)
		return apply_nl_errno(ctx, r);
	if (op->route_type == NSIM_ROUTE_BLACKHOLE || op->route_type == NSIM_ROUTE_THROW) {
		rtnl_route_set_type(rt, op->route_type == NSIM_ROUTE_THROW ? RTN_THROW : RTN_BLACKHOLE);
		rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
	} else {
		struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
		if (!nh)
			return -ENOMEM;
		rtnl_route_set_type(rt, RTN_UNICAST);
		rtnl_route_set_scope(rt, op->gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
		if (idx)
			rtnl_route_nh_set_ifindex(nh, idx);
		if (op->gateway) {
			_cleanup_(nl_addr_putp) struct nl_addr *gw = addr4(op->gateway, 32);
			if (!gw) {
				rtnl_route_nh_free(nh);
				return -ENOMEM;
			}
			rtnl_route_nh_set_gateway(nh, gw);
		}
		/* A gateway with a device is taken as on that link, so a route
		 * never depends on another route (or a /32 address) having made
		 * the gateway reachable first. libnl 3.7 puts a single nexthop's
		 * flags in rtm_flags only when told on the route too. */
		if (op->gateway && idx) {
			rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
			rtnl_route_set_flags(rt, RTNH_F_ONLINK);
		}
		rtnl_route_add_nexthop(rt, nh);
	}
	r = rtnl_route_add(ns->sk, rt, NLM_F_EXCL);
	return r < 0 ? apply_nl_errno(ctx, r) : 0;
}

int apply_kernel_rule(struct nsim_apply *ctx, const struct nsim_op *op)
{
	struct nsim_ns *ns;
	int r;

	if (op->src.len > 32)
		return -EINVAL;
	if ((r = apply_ns_get(ctx, op->ns, &ns)) < 0)
		return r;
	_cleanup_(rule_putp) struct rtnl_rule *rule = rtnl_rule_alloc();
	if (!rule)
		return -ENOMEM;
	rtnl_rule_set_family(rule, AF_INET);
	rtnl_rule_set_prio(rule, op->priority);
	rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
	rtnl_rule_set_table(rule, op->table);
	if (op->src.len) {
		_cleanup_(nl_addr_putp) struct nl_addr *src = addr4(op->src.addr, op->src.len);
		if (!src)
			return -ENOMEM;
		if ((r = rtnl_rule_set_src(rule, src)) < 0)
			return apply_nl_errno(ctx, r);
	}
	if (op->ifname && (r = rtnl_rule_set_iif(rule, op->ifname)) < 0)
		return apply_nl_errno(ctx, r);
	if (op->fwmark)
		rtnl_rule_set_mark(rule, op->fwmark);
	r = rtnl_rule_add(ns->sk, rule, NLM_F_EXCL);
	return r < 0 ? apply_nl_errno(ctx, r) : 0;
}

int apply_kernel_neigh(struct nsim_apply *ctx, const struct nsim_op *op)
{
	struct nsim_ns *ns;
	int idx, r;

	if (!op->ifname || !lladdr_set(op->lladdr))
		return -EINVAL;
	if ((r = ns_and_ifindex(ctx, op, &ns, &idx)) < 0)
		return r;
	_cleanup_(neigh_putp) struct rtnl_neigh *n = rtnl_neigh_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *dst = addr4(op->addr, 32);
	_cleanup_(nl_addr_putp) struct nl_addr *ll = lladdr(op->lladdr);
	if (!n || !dst || !ll)
		return -ENOMEM;
	rtnl_neigh_set_ifindex(n, idx);
	rtnl_neigh_set_family(n, AF_INET);
	if ((r = rtnl_neigh_set_dst(n, dst)) < 0)
		return apply_nl_errno(ctx, r);
	rtnl_neigh_set_lladdr(n, ll);
	/* permanent: never garbage-collected, and not counted against
	 * gc_thresh3 (see plan.c, neigh()) */
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	r = rtnl_neigh_add(ns->sk, n, NLM_F_CREATE | NLM_F_REPLACE);
	return r < 0 ? apply_nl_errno(ctx, r) : 0;
}

/* Per-interface IPv4 settings without /proc/sys: the kernel finds a sysctl
 * path's dentry by comparing it with every namespace's (proc_sys_compare()),
 * so each walk costs more the more namespaces exist. Only keys whose sysctl
 * handler does nothing beyond storing the value and notifying: not
 * forwarding (disables LRO), accept_local, route_localnet, bc_forwarding
 * (flush the route cache). */
static const struct {
	const char *name;
	int id;
} devconf_keys[] = {
	{"accept_redirects", IPV4_DEVCONF_ACCEPT_REDIRECTS},
	{"accept_source_route", IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE},
	{"arp_announce", IPV4_DEVCONF_ARP_ANNOUNCE},
	{"arp_filter", IPV4_DEVCONF_ARPFILTER},
	{"arp_ignore", IPV4_DEVCONF_ARP_IGNORE},
	{"log_martians", IPV4_DEVCONF_LOG_MARTIANS},
	{"proxy_arp", IPV4_DEVCONF_PROXY_ARP},
	{"rp_filter", IPV4_DEVCONF_RP_FILTER},
	{"send_redirects", IPV4_DEVCONF_SEND_REDIRECTS},
};

static bool parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
			return false;
	}
	*ret = (uint32_t)v;
	return true;
}

/* "conf/DEV/NAME" or "neigh/DEV/NAME" (rel, after net/ipv4/) split into its
 * interface (into dev) and NAME; false for all/default or another shape. */
static bool split_dev_key(const char *rel, const char *dir, char dev[static IFNAMSIZ], const char **ret_name)
{
	size_t dl = strlen(dir);
	if (strncmp(rel, dir, dl) != 0 || rel[dl] != '/')
		return false;
	const char *d = rel + dl + 1, *slash = strchr(d, '/');
	if (!slash || slash == d || (size_t)(slash - d) >= IFNAMSIZ || strchr(slash + 1, '/'))
		return false;
	memcpy(dev, d, (size_t)(slash - d));
	dev[slash - d] = '\0';
	if (streq(dev, "all") || streq(dev, "default"))
		return false;
	*ret_name = slash + 1;
	return true;
}

/* what /proc/sys counts "userhz jiffies" in: USER_HZ, 100 on every architecture Linux runs netsim on */
#define USER_HZ_ 100

static inline void msg_freep(struct nl_msg **p) { if (*p) nlmsg_free(*p); }

static int send_sync(struct nsim_apply *ctx, struct nsim_ns *ns, struct nl_msg **msg)
{
	ctx->nl_errno = 0;
	int r = nl_send_sync(ns->sk, *msg); /* frees it */
	*msg = NULL;
	return r < 0 ? apply_nl_errno(ctx, r) : 0;
}

/* RTM_SETLINK by name with IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF, as
 * `ip link` would; the kernel's inet_set_link_af() stores the value as the
 * sysctl would (and marks it as set, so conf/default no longer overrides it). */
static int devconf_set(struct nsim_apply *ctx, struct nsim_ns *ns, const char *dev, int id, uint32_t value)
{
	_cleanup_(msg_freep) struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, 0);
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nlattr *af, *inet, *conf;
	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_string(msg, IFLA_IFNAME, dev) < 0 ||
	    !(af = nla_nest_start(msg, IFLA_AF_SPEC)) || !(inet = nla_nest_start(msg, AF_INET)) ||
	    !(conf = nla_nest_start(msg, IFLA_INET_CONF)) || nla_put_u32(msg, id, value) < 0)
		return -ENOMEM;
	nla_nest_end(msg, conf);
	nla_nest_end(msg, inet);
	nla_nest_end(msg, af);
	return send_sync(ctx, ns, &msg);
}

/* RTM_SETNEIGHTBL of the ARP table's parameters of one interface, as `ip
 * ntable change name arp_cache dev DEV proxy_delay MS` would. */
static int neigh_proxy_delay_set(struct nsim_apply *ctx, struct nsim_ns *ns, const char *dev, uint32_t ticks)
{
	int idx, r = ifindex(ctx, ns, dev, &idx);
	if (r < 0)
		return r;
	_cleanup_(msg_freep) struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETNEIGHTBL, 0);
	struct ndtmsg ndt = {.ndtm_family = AF_INET};
	struct nlattr *parms;
	/* the sysctl counts USER_HZ ticks (proc_dointvec_userhz_jiffies), the
	 * attribute milliseconds */
	if (!msg || nlmsg_append(msg, &ndt, sizeof(ndt), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, NDTA_NAME, "arp_cache") < 0 || !(parms = nla_nest_start(msg, NDTA_PARMS)) ||
	    nla_put_u32(msg, NDTPA_IFINDEX, (uint32_t)idx) < 0 ||
	    nla_put_u64(msg, NDTPA_PROXY_DELAY, (uint64_t)ticks * 1000 / USER_HZ_) < 0)
		return -ENOMEM;
	nla_nest_end(msg, parms);
	return send_sync(ctx, ns, &msg);
}

int apply_rtnl_sysctl(struct nsim_apply *ctx, struct nsim_ns *ns, const char *rel, const char *value)
{
	char dev[IFNAMSIZ];
	const char *name;
	uint32_t v;

	if (!parse_u32(value, &v))
		return 1;
	if (split_dev_key(rel, "conf", dev, &name)) {
		for (size_t i = 0; i < ELEMENTSOF(devconf_keys); i++)
			if (streq(name, devconf_keys[i].name))
				return devconf_set(ctx, ns, dev, devconf_keys[i].id, v);
		return 1;
	}
	if (split_dev_key(rel, "neigh", dev, &name) && streq(name, "proxy_delay") && v <= UINT32_MAX / 1000)
		return neigh_proxy_delay_set(ctx, ns, dev, v);
	return 1;
}
