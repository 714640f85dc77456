/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "model/fileio.h"
#include "model/util.h"
#include "plan/plan.h"
#include "probe/capture.h"

#define SNAPLEN 256
/* 100+ handles may be open at once; a check's flows are a few packets each */
#define RING_BYTES (512 * 1024)
/* threads opening or closing handles at a time: one per handle up to this,
 * since each mostly waits (see for_each_handle) */
#define MAX_WORKERS 256
#define WORKER_STACK (256 * 1024)

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#define SLL2_LEN 20
#define SLL2_PKTTYPE_OUTGOING 4
#define ETH_P_IPV4 0x0800

/* An interface's name, asked of the kernel the first time a packet names it */
struct ifname {
	enum { IFNAME_UNKNOWN = 0, IFNAME_KNOWN, IFNAME_ABSENT } state;
	char name[IF_NAMESIZE];
};

struct handle {
	const char *ns;
	size_t ns_idx; /* in the caller's list */
	bool nflog;    /* netsim's NFLOG group, not the "any" device */
	pcap_t *p;
	int fd;
	size_t ring; /* its ring's bytes (capture opts' ring_bytes, else RING_BYTES) */
	struct ifname *ifs; /* by ifindex: the names seen so far (ifname_of()) */
	size_t n_ifs;
	bool dead;   /* reading it failed */
	bool nano;   /* timestamps in nanoseconds (else microseconds) */
	int error;   /* -errno of the open */
	char *why;   /* its message */
};

/* a captured packet before sorting: ns_time orders it, seq keeps the sort stable */
struct rec {
	uint64_t ns_time;
	uint64_t seq;
	struct nsim_packet p;
};

/* frame copies, in blocks so that a busy capture does not malloc per packet */
struct block {
	struct block *next;
	size_t used, size;
	uint8_t data[];
};
#define BLOCK_BYTES (64 * 1024)

struct nsim_capture {
	size_t n;
	struct handle *h;
	const char *filter;
	atomic_size_t next_job;
	bool closing; /* what the workers do */
	atomic_bool open_failed;
	bool closed;

	pthread_t thread;
	bool running;
	int stop_fd;
	int epfd; /* the handles' fds (data: the handle's index) and stop_fd (data: n) */

	struct rec *recs;
	size_t n_recs, cap_recs;
	struct block *blocks;
	uint64_t lost; /* packets read but not kept, for want of memory */
	size_t current; /* the handle being read, for the callback */

	struct nsim_packet *pkts; /* after stop, sorted */
	size_t n_pkts;

	struct nsim_capture_opts opts;
	struct nsim_drop_packet *nf; /* NFLOG records, in the order read; sorted after stop */
	size_t n_drops, cap_drops;
	size_t n_nflog_failed;
	char nflog_why[PCAP_ERRBUF_SIZE + 128];
	atomic_uint_fast64_t drops;
};

static int pcap_errno(int r)
{
	switch (r) {
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return -EPERM;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return -ENODEV;
	case PCAP_ERROR_IFACE_NOT_UP:
		return -ENETDOWN;
	default:
		return -EIO;
	}
}

static int fail(struct handle *h, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct handle *h, int error, const char *fmt, ...)
{
	char msg[PCAP_ERRBUF_SIZE + 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	h->error = error;
	if (asprintf(&h->why, "capture in %s: %s", h->ns, msg) < 0)
		h->why = NULL;
	return error;
}

/* netsim's NFLOG group (plan.h) in the namespace the thread entered: a
 * netlink socket belongs to the namespace it was made in, and groups are
 * per namespace. No filter: only netsim's drops go to the group. */
static pthread_mutex_t nflog_lock = PTHREAD_MUTEX_INITIALIZER;

static int open_nflog(struct handle *h)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create("nflog:" NSIM_PLAN_NFLOG_GROUP_STR, err);
	if (!p)
		return fail(h, -EOPNOTSUPP, "%s", err);
	h->p = p;
	if (pcap_set_snaplen(p, SNAPLEN) < 0 || pcap_set_immediate_mode(p, 1) < 0 ||
	    pcap_set_buffer_size(p, RING_BYTES) < 0 || pcap_set_timeout(p, 1) < 0)
		return fail(h, -EINVAL, "%s", pcap_geterr(p));
	/* libpcap numbers its NFLOG configuration messages with one static
	 * counter and waits for the answer carrying the current number: two
	 * threads at once lose an answer and wait forever */
	pthread_mutex_lock(&nflog_lock);
	int r = pcap_activate(p);
	pthread_mutex_unlock(&nflog_lock);
	if (r < 0)
		return fail(h, pcap_errno(r), "NFLOG group %s: %s", NSIM_PLAN_NFLOG_GROUP_STR,
			    r == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(r));
	if (pcap_datalink(p) != DLT_NFLOG)
		return fail(h, -EOPNOTSUPP, "NFLOG group: link type %d", pcap_datalink(p));
	/* blocking: libpcap's NFLOG reader takes EAGAIN for an error (drain()) */
	h->fd = pcap_get_selectable_fd(p);
	if (h->fd < 0)
		return fail(h, -EIO, "no selectable descriptor");
	return 0;
}

/* In a thread that entered the namespace: a packet socket (and the ifindex
 * names) belong to the namespace they were made in. */
static int open_one(struct handle *h, const char *filter)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	char path[PATH_MAX];
	nsim_plan_ns_path(path, sizeof(path), h->ns);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return fail(h, -errno, "%s: %s", path, strerror(errno));
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return fail(h, -errno, "setns: %s", strerror(errno));
	int r;

	if (h->nflog)
		return open_nflog(h);
	pcap_t *p = pcap_create("any", err);
	if (!p)
		return fail(h, -ENOMEM, "%s", err);
	h->p = p;
	/* without immediate mode nothing is delivered before the buffer timeout */
	if (pcap_set_snaplen(p, SNAPLEN) < 0 || pcap_set_immediate_mode(p, 1) < 0 ||
	    pcap_set_buffer_size(p, (int)h->ring) < 0 || pcap_set_timeout(p, 1) < 0)
		return fail(h, -EINVAL, "%s", pcap_geterr(p));
	/* hops along a path are microseconds apart: order them by nanoseconds */
	(void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	r = pcap_activate(p);
	if (r < 0)
		return fail(h, pcap_errno(r), "%s", r == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(r));

	h->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;

	int *dlts = NULL;
	int n = pcap_list_datalinks(p, &dlts);
	bool sll2 = false;
	for (int i = 0; i < n; i++)
		sll2 |= dlts[i] == DLT_LINUX_SLL2;
	pcap_free_datalinks(dlts);
	if (n < 0)
		return fail(h, -EIO, "%s", pcap_geterr(p));
	if (!sll2)
		return fail(h, -EOPNOTSUPP, "libpcap %s cannot capture as LINUX_SLL2 (interface and direction)",
			    pcap_lib_version());
	if (pcap_set_datalink(p, DLT_LINUX_SLL2) < 0)
		return fail(h, -EOPNOTSUPP, "%s", pcap_geterr(p));
	if (pcap_setnonblock(p, 1, err) < 0)
		return fail(h, -EIO, "%s", err);

	/* compiled after the datalink is set: offsets differ between SLL and SLL2 */
	struct bpf_program prog;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return fail(h, -EINVAL, "filter '%s': %s", filter, pcap_geterr(p));
	r = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (r < 0)
		return fail(h, -EIO, "filter '%s': %s", filter, pcap_geterr(p));
	h->fd = pcap_get_selectable_fd(p);
	if (h->fd < 0)
		return fail(h, -EIO, "no selectable descriptor");
	return 0;
}

/* The name of interface `index` of h's namespace, asked of the kernel
 * through the handle's own socket (SIOCGIFNAME works on any socket, in the
 * socket's namespace) the first time, then kept. Not a listing of every
 * interface when the handle opens: a VPC router has one per host, and each
 * listing costs the kernel a walk of the namespace's peers per interface.
 * NULL when the interface is gone (or no memory). */
static const char *ifname_of(struct handle *h, unsigned index)
{
	if (index >= h->n_ifs) {
		size_t n = (size_t)index + 1 > 2 * h->n_ifs ? (size_t)index + 1 : 2 * h->n_ifs;
		struct ifname *ifs = reallocarray(h->ifs, n, sizeof(*ifs));
		if (!ifs)
			return NULL;
		memset(ifs + h->n_ifs, 0, (n - h->n_ifs) * sizeof(*ifs));
		h->ifs = ifs;
		h->n_ifs = n;
	}
	struct ifname *x = &h->ifs[index];
	if (x->state == IFNAME_UNKNOWN) {
		struct ifreq ifr = {.ifr_ifindex = (int)index};
		x->state = h->fd >= 0 && ioctl(h->fd, SIOCGIFNAME, &ifr) == 0 ? IFNAME_KNOWN : IFNAME_ABSENT;
		if (x->state == IFNAME_KNOWN)
			snprintf(x->name, sizeof(x->name), "%.*s", IF_NAMESIZE - 1, ifr.ifr_name);
	}
	return x->state == IFNAME_KNOWN ? x->name : NULL;
}

static uint8_t *copy_frame(struct nsim_capture *c, const uint8_t *data, size_t len)
{
	struct block *b = c->blocks;
	if (!b || b->size - b->used < len) {
		size_t size = len > BLOCK_BYTES ? len : BLOCK_BYTES;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		*b = (struct block){.next = c->blocks, .size = size};
		c->blocks = b;
	}
	uint8_t *dst = b->data + b->used;
	memcpy(dst, data, len);
	b->used += len;
	return dst;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* The IPv4 header and its transport ports of ip[0..iplen) into p. False
 * when it is no IPv4 packet. */
static bool parse_ip(const uint8_t *ip, size_t iplen, struct nsim_packet *p)
{
	size_t ihl = iplen ? (size_t)(ip[0] & 0x0f) * 4 : 0;
	if (iplen < 20 || ip[0] >> 4 != 4 || ihl < 20 || ihl > iplen)
		return false;
	p->proto = ip[9];
	p->src = be32(ip + 12);
	p->dst = be32(ip + 16);
	/* a later fragment carries no transport header */
	const uint8_t *l4 = ip + ihl;
	size_t l4len = iplen - ihl;
	bool first_frag = (be16(ip + 6) & 0x1fff) == 0;
	if (first_frag && (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) && l4len >= 4) {
		p->sport = be16(l4);
		p->dport = be16(l4 + 2);
		if (p->proto == IPPROTO_TCP && l4len >= 14)
			p->tcp_flags = l4[13];
	} else if (first_frag && p->proto == IPPROTO_ICMP && l4len >= 1) {
		p->icmp_type = l4[0];
		if ((p->icmp_type == 0 || p->icmp_type == 8) && l4len >= 6)
			p->sport = p->dport = be16(l4 + 4);
		/* an error quotes the header of the packet it answers: keep its ports,
		 * so the error can be told to belong to that flow */
		if ((p->icmp_type == 3 || p->icmp_type == 11) && l4len >= 8 + 20) {
			const uint8_t *q = l4 + 8;
			size_t qihl = (size_t)(q[0] & 0x0f) * 4;
			if (qihl >= 20 && l4len >= 8 + qihl + 4 && (q[9] == IPPROTO_TCP || q[9] == IPPROTO_UDP)) {
				p->quoted_proto = q[9];
				p->sport = be16(q + qihl);
				p->dport = be16(q + qihl + 2);
			}
		}
	}
	return true;
}

/* NFLOG's TLVs (DLT_NFLOG: lengths and types in host byte order, values
 * padded to 4 bytes; attribute values in network byte order). */
#define NFULA_IFINDEX_INDEV 4
#define NFULA_IFINDEX_OUTDEV 5
#define NFULA_PAYLOAD 9
#define NFULA_PREFIX 10

static void on_nflog(struct nsim_capture *c, struct handle *h, const struct pcap_pkthdr *hdr, const u_char *data)
{
	size_t caplen = hdr->caplen, off = 4;
	struct nsim_drop_packet d = {.p.ns = h->ns_idx, .p.dir = NSIM_PKT_IN};
	bool has_ip = false;
	if (caplen < 4 || data[0] != 2 /* AF_INET */)
		return;
	while (off + 4 <= caplen) {
		uint16_t len, type;
		memcpy(&len, data + off, 2);
		memcpy(&type, data + off + 2, 2);
		if (len < 4 || off + len > caplen)
			break;
		const uint8_t *v = data + off + 4;
		size_t vlen = len - 4u;
		switch (type & 0x7fff) {
		case NFULA_PREFIX:
			snprintf(d.prefix, sizeof(d.prefix), "%.*s", (int)strnlen((const char *)v, vlen), (const char *)v);
			break;
		case NFULA_PAYLOAD:
			has_ip = parse_ip(v, vlen, &d.p);
			d.p.len = vlen >= 4 ? be16(v + 2) : 0; /* the IP total length */
			break;
		case NFULA_IFINDEX_INDEV:
		case NFULA_IFINDEX_OUTDEV:
			if (vlen >= 4) {
				const char *name = ifname_of(h, be32(v));
				char *dst = (type & 0x7fff) == NFULA_IFINDEX_INDEV ? d.if_in : d.if_out;
				snprintf(dst, 16, "%s", name ? name : "?");
			}
			break;
		default:
			break;
		}
		off += (len + 3u) & ~3u;
	}
	if (!has_ip || !d.prefix[0])
		return;
	d.p.t_ms = (double)hdr->ts.tv_sec * 1e3 + (double)hdr->ts.tv_usec / 1e3;
	d.p.ts_sec = (uint64_t)hdr->ts.tv_sec;
	d.p.ts_usec = (uint64_t)hdr->ts.tv_usec;
	snprintf(d.p.ifname, sizeof(d.p.ifname), "%s", d.if_in[0] ? d.if_in : d.if_out);
	if (c->n_drops == c->cap_drops) {
		size_t cap = c->cap_drops ? c->cap_drops * 2 : 64;
		struct nsim_drop_packet *nd = realloc(c->nf, cap * sizeof(*nd));
		if (!nd) {
			c->lost++;
			return;
		}
		c->nf = nd;
		c->cap_drops = cap;
	}
	c->nf[c->n_drops++] = d;
	if (c->opts.on_drop)
		c->opts.on_drop(c->opts.userdata, &d);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
	struct nsim_capture *c = (struct nsim_capture *)user;
	struct handle *h = &c->h[c->current];
	if (h->nflog) {
		on_nflog(c, h, hdr, data);
		return;
	}
	size_t caplen = hdr->caplen;
	if (caplen < SLL2_LEN + 20 || be16(data) != ETH_P_IPV4)
		return;
	struct nsim_packet p = {
		.ns = h->ns_idx,
		.dir = data[10] == SLL2_PKTTYPE_OUTGOING ? NSIM_PKT_OUT : NSIM_PKT_IN,
		.caplen = hdr->caplen,
		.len = hdr->len,
		.ts_sec = (uint64_t)hdr->ts.tv_sec,
	};
	if (!parse_ip(data + SLL2_LEN, caplen - SLL2_LEN, &p))
		return;
	uint64_t frac_ns = (uint64_t)hdr->ts.tv_usec * (h->nano ? 1 : 1000);
	p.ts_usec = frac_ns / 1000;
	uint64_t ns_time = p.ts_sec * 1000000000u + frac_ns;
	p.t_ms = (double)p.ts_sec * 1e3 + (double)frac_ns / 1e6;
	const char *name = ifname_of(h, be32(data + 4));
	if (name)
		snprintf(p.ifname, sizeof(p.ifname), "%s", name);
	else
		snprintf(p.ifname, sizeof(p.ifname), "if%u", be32(data + 4));

	if (c->n_recs == c->cap_recs) {
		size_t cap = c->cap_recs ? c->cap_recs * 2 : 256;
		struct rec *r = realloc(c->recs, cap * sizeof(*r));
		if (!r) {
			c->lost++;
			return;
		}
		c->recs = r;
		c->cap_recs = cap;
	}
	p.data = copy_frame(c, data, caplen);
	if (!p.data) {
		c->lost++;
		return;
	}
	c->recs[c->n_recs] = (struct rec){.ns_time = ns_time, .seq = c->n_recs, .p = p};
	c->n_recs++;
}

/* Reads what is in the handle's ring now. False when the handle failed. */
static bool drain(struct nsim_capture *c, size_t i)
{
	c->current = i;
	/* an NFLOG handle blocks: one read per datagram waiting */
	while (c->h[i].nflog) {
		struct pollfd p = {.fd = c->h[i].fd, .events = POLLIN};
		if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
			return !(p.revents & (POLLERR | POLLNVAL));
		if (pcap_dispatch(c->h[i].p, -1, on_packet, (u_char *)c) < 0)
			return false;
	}
	for (;;) {
		int k = pcap_dispatch(c->h[i].p, -1, on_packet, (u_char *)c);
		if (k < 0)
			return false;
		if (k == 0)
			return true;
	}
}

/* An epoll set, not poll() of every handle: thousands of namespaces are
 * captured at once, and each wakeup reads only the handles that have packets. */
static void *capture_thread(void *arg)
{
	struct nsim_capture *c = arg;
	struct epoll_event ev[64];
	for (;;) {
		int k = epoll_wait(c->epfd, ev, ELEMENTSOF(ev), -1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		bool stop = false;
		for (int e = 0; e < k; e++) {
			size_t i = (size_t)ev[e].data.u64;
			if (i == c->n) {
				stop = true;
				continue;
			}
			if (c->h[i].dead)
				continue;
			if (!drain(c, i))
				c->h[i].dead = true;
			/* failed for good, or an error epoll would repeat: do not spin on it */
			if (c->h[i].dead || ev[e].events & (EPOLLERR | EPOLLHUP))
				(void)epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->h[i].fd, NULL);
		}
		if (stop)
			break;
	}
	/* the final drain: everything that reached a ring before stop */
	for (size_t i = 0; i < c->n; i++)
		if (!c->h[i].dead)
			drain(c, i);
	return NULL;
}

static void close_one(struct nsim_capture *c, struct handle *h)
{
	if (h->p) {
		struct pcap_stat st;
		if (h->error == 0 && pcap_stats(h->p, &st) == 0)
			atomic_fetch_add(&c->drops, st.ps_drop);
		pcap_close(h->p);
		h->p = NULL;
	}
	free(h->ifs);
	h->ifs = NULL;
}

static void *worker(void *arg)
{
	struct nsim_capture *c = arg;
	for (size_t i; (i = atomic_fetch_add(&c->next_job, 1)) < c->n;) {
		if (c->closing)
			close_one(c, &c->h[i]);
		else if (!atomic_load(&c->open_failed) && open_one(&c->h[i], c->filter) < 0 && !c->h[i].nflog)
			atomic_store(&c->open_failed, true); /* the others need not be opened */
	}
	return NULL;
}

/* Helper threads take no signals: the caller's handlers run where it expects. */
static int spawn(pthread_t *th, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	pthread_attr_t attr;
	int r = pthread_attr_init(&attr);
	if (r)
		return -r;
	(void)pthread_attr_setstacksize(&attr, WORKER_STACK);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(th, &attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -r;
}

/*
 * Opens (or closes) every handle, in parallel: each waits for an RCU grace
 * period in the kernel (setting up the ring, and closing a packet socket,
 * call synchronize_net(): 10-30 ms each), and concurrent waits share one.
 * Measured with 100 handles: 16 threads open them in 70-100 ms and close
 * them in 200 ms, 128 threads in 20-30 ms and 30-40 ms.
 */
static int for_each_handle(struct nsim_capture *c, bool closing)
{
	size_t n_threads = c->n < MAX_WORKERS ? c->n : MAX_WORKERS, started = 0;
	pthread_t th[MAX_WORKERS];
	int r = 0;
	c->closing = closing;
	atomic_store(&c->next_job, 0);
	/* closing needs no namespace: one handle, or no thread to be had, is closed here */
	if (closing && n_threads <= 1) {
		worker(c);
		return 0;
	}
	for (; started < n_threads; started++) {
		r = spawn(&th[started], worker, c);
		if (r < 0)
			break;
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (started == 0 && n_threads > 0) {
		if (!closing)
			return r; /* never setns the caller's thread */
		worker(c);
	}
	return 0; /* fewer threads than wanted still did every handle */
}

static void close_handles(struct nsim_capture *c)
{
	if (!c->h || c->closed)
		return;
	c->closed = true;
	for_each_handle(c, true);
	for (size_t i = 0; i < c->n; i++) {
		free(c->h[i].why);
		c->h[i].why = NULL;
	}
}

void nsim_capture_free(struct nsim_capture *c)
{
	if (!c)
		return;
	nsim_capture_stop(c);
	close_handles(c);
	free(c->h);
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	if (c->epfd >= 0)
		close(c->epfd);
	free(c->recs);
	free(c->pkts);
	free(c->nf);
	for (struct block *b = c->blocks, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(c);
}

int nsim_capture_start(const char *const *namespaces, size_t n, const char *filter, struct nsim_capture **ret,
		       char **ret_error)
{
	struct nsim_capture_opts o = {.filter = filter};
	return nsim_capture_start_opts(namespaces, n, &o, ret, ret_error);
}

int nsim_capture_start_opts(const char *const *namespaces, size_t n_ns, const struct nsim_capture_opts *opts,
			    struct nsim_capture **ret, char **ret_error)
{
	struct nsim_capture *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->opts = *opts;
	size_t n_nf = 0;
	for (size_t i = 0; opts->nflog && i < n_ns; i++)
		n_nf += !opts->nflog_in || opts->nflog_in[i];
	size_t n = n_ns + n_nf;
	c->stop_fd = -1;
	c->epfd = -1;
	c->n = n;
	c->filter = opts->filter ? opts->filter : "ip";
	c->h = calloc(n ? n : 1, sizeof(*c->h));
	if (!c->h) {
		nsim_capture_free(c);
		return -ENOMEM;
	}
	for (size_t i = 0, k = n_ns; i < n_ns; i++) {
		c->h[i] = (struct handle){.ns = namespaces[i], .ns_idx = i, .fd = -1,
					  .ring = opts->ring_bytes && opts->ring_bytes[i] ? opts->ring_bytes[i] : RING_BYTES};
		if (opts->nflog && (!opts->nflog_in || opts->nflog_in[i]))
			c->h[k++] = (struct handle){.ns = namespaces[i], .ns_idx = i, .nflog = true, .fd = -1};
	}

	int r = for_each_handle(c, false);
	if (r < 0) {
		nsim_capture_free(c);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		if (c->h[i].error < 0 && c->h[i].nflog) {
			/* drops are then found by their timeout, as before */
			c->h[i].dead = true;
			c->h[i].fd = -1;
			if (!c->n_nflog_failed++)
				snprintf(c->nflog_why, sizeof(c->nflog_why), "drops in %s are not reported by the network (%s%s): "
					 "its probes wait for their timeout", c->h[i].ns,
					 c->h[i].error == -EBUSY || c->h[i].error == -EPERM || c->h[i].error == -EIO
						 ? "another program may read its NFLOG group " NSIM_PLAN_NFLOG_GROUP_STR ": " : "",
					 c->h[i].why ? c->h[i].why : strerror(-c->h[i].error));
		} else if (c->h[i].error < 0) {
			r = c->h[i].error;
			if (ret_error)
				*ret_error = c->h[i].why ? strdup(c->h[i].why) : NULL;
			nsim_capture_free(c);
			return r;
		}

	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->stop_fd < 0) {
		r = -errno;
		nsim_capture_free(c);
		return r;
	}
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = n};
	r = c->epfd < 0 || epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->stop_fd, &ev) < 0 ? -errno : 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (c->h[i].dead || c->h[i].fd < 0)
			continue;
		ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = i};
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->h[i].fd, &ev) < 0)
			r = -errno;
	}
	if (r < 0) {
		nsim_capture_free(c);
		return r;
	}
	r = spawn(&c->thread, capture_thread, c);
	if (r < 0) {
		nsim_capture_free(c);
		return r;
	}
	c->running = true;
	*ret = c;
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->ns_time != y->ns_time)
		return x->ns_time < y->ns_time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_drop(const void *a, const void *b)
{
	const struct nsim_drop_packet *x = a, *y = b;
	return x->p.t_ms < y->p.t_ms ? -1 : x->p.t_ms > y->p.t_ms;
}

void nsim_capture_stop(struct nsim_capture *c)
{
	if (!c || !c->running)
		return;
	uint64_t one = 1;
	while (write(c->stop_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(c->thread, NULL);
	c->running = false;
	/* the rings are no longer needed: give their memory back now */
	close_handles(c);

	if (c->n_recs)
		qsort(c->recs, c->n_recs, sizeof(*c->recs), cmp_rec);
	c->pkts = calloc(c->n_recs ? c->n_recs : 1, sizeof(*c->pkts));
	if (!c->pkts) {
		c->lost += c->n_recs;
		c->n_recs = 0;
	}
	for (size_t i = 0; i < c->n_recs; i++)
		c->pkts[i] = c->recs[i].p;
	c->n_pkts = c->n_recs;
	if (c->n_drops)
		qsort(c->nf, c->n_drops, sizeof(*c->nf), cmp_drop);
	free(c->recs);
	c->recs = NULL;
	c->n_recs = c->cap_recs = 0;
}

const struct nsim_drop_packet *nsim_capture_drops(const struct nsim_capture *c, size_t *ret_n)
{
	*ret_n = c && !c->running ? c->n_drops : 0;
	return c && !c->running ? c->nf : NULL;
}

const char *nsim_capture_nflog_error(const struct nsim_capture *c)
{
	return c && c->n_nflog_failed ? c->nflog_why : NULL;
}

const struct nsim_packet *nsim_capture_packets(const struct nsim_capture *c, size_t *ret_n)
{
	*ret_n = c && !c->running ? c->n_pkts : 0;
	return c && !c->running ? c->pkts : NULL;
}

uint64_t nsim_capture_kernel_drops(const struct nsim_capture *c)
{
	return c ? c->drops + c->lost : 0;
}

/* Files carry DLT_LINUX_SLL, not the SLL2 we capture: SLL2 names the
 * interface by index only, which tcpdump resolves in the reader's own
 * namespace, showing wrong names. SLL keeps direction and protocol. */
static size_t sll2_to_sll(const uint8_t *in, size_t caplen, uint8_t *out, size_t size)
{
	if (caplen < 20 || size < caplen - 4)
		return 0;
	/* SLL2: proto(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
	 * SLL:  pkttype(2) hatype(2) halen(2) addr(8) proto(2) */
	out[0] = 0;
	out[1] = in[10];
	out[2] = in[8];
	out[3] = in[9];
	out[4] = 0;
	out[5] = in[11];
	memcpy(out + 6, in + 12, 8);
	out[14] = in[0];
	out[15] = in[1];
	memcpy(out + 16, in + 20, caplen - 20);
	return caplen - 4;
}

int nsim_capture_write_pcap_file(FILE *f, const struct nsim_packet *const *pkts, size_t n)
{
	pcap_t *dead = pcap_open_dead(DLT_LINUX_SLL, SNAPLEN);
	if (!dead)
		return -ENOMEM;
	/* a dup, so that closing the dumper leaves f to its owner */
	int fd = fcntl(fileno(f), F_DUPFD_CLOEXEC, 3);
	FILE *df = fd < 0 ? NULL : fdopen(fd, "w");
	if (!df) {
		int r = -errno;
		if (fd >= 0)
			close(fd);
		pcap_close(dead);
		return r;
	}
	if (fflush(f) != 0) {
		fclose(df);
		pcap_close(dead);
		return -EIO;
	}
	pcap_dumper_t *d = pcap_dump_fopen(dead, df);
	if (!d) {
		fclose(df);
		pcap_close(dead);
		return -EIO;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t frame[SNAPLEN + 32];
		size_t caplen = sll2_to_sll(pkts[i]->data, pkts[i]->caplen, frame, sizeof(frame));
		if (!caplen)
			continue;
		struct pcap_pkthdr hdr = {
			.ts = {.tv_sec = (time_t)pkts[i]->ts_sec, .tv_usec = (suseconds_t)pkts[i]->ts_usec},
			.caplen = (bpf_u_int32)caplen,
			.len = pkts[i]->len - 4,
		};
		pcap_dump((u_char *)d, &hdr, frame);
	}
	int r = pcap_dump_flush(d) < 0 || ferror(df) ? -EIO : 0;
	pcap_dump_close(d); /* closes df */
	pcap_close(dead);
	return r;
}

struct pcap_job {
	const struct nsim_packet *const *pkts;
	size_t n;
};

static int write_pcap_job(FILE *f, const void *userdata)
{
	const struct pcap_job *j = userdata;
	return nsim_capture_write_pcap_file(f, j->pkts, j->n);
}

int nsim_capture_write_pcap(const char *path, const struct nsim_packet *const *pkts, size_t n)
{
	struct pcap_job j = {pkts, n};
	return nsim_file_write(path, write_pcap_job, &j);
}
