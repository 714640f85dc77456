/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply.h"
#include "model/fileio.h"
#include "model/util.h"
#include "plan/plan.h"
#include "probe/probe.h"

struct job {
	const char *ns;
	enum nsim_proto proto;
	uint32_t addr;
	uint16_t port, sport;
	int timeout_ms;
	struct nsim_probe_result res;
};

static int remaining(double deadline)
{
	double left = deadline - nsim_clock_ms(CLOCK_MONOTONIC);
	return left <= 0 ? 0 : (int)left + 1;
}

/* Names the limit behind e, if it is one. */
static void limit_detail(struct nsim_probe_result *r, int e)
{
	struct rlimit rl;
	switch (e) {
	case EMFILE:
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
			snprintf(r->detail, sizeof(r->detail),
				 "the process's limit on open files (RLIMIT_NOFILE, ulimit -n: %llu) was reached: each "
				 "probe in flight holds a socket and a capture; raise it (ulimit -n) and run again",
				 (unsigned long long)rl.rlim_cur);
		break;
	default: /* the same limits as for `up`, in the same words */
		nsim_apply_limit_hint(e, "probe", r->detail, sizeof(r->detail));
		break;
	}
}

/* The kernel's count of neighbour entries refused because its table (one for
 * every namespace) was full: the table_fulls column of
 * /proc/net/stat/arp_cache, one hex line per CPU. That file exists in the
 * initial namespace's /proc/net only: read by the caller's thread, which
 * never enters a netsim namespace. false when it cannot be read. */
static bool neigh_table_fulls(unsigned long long *ret)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/stat/arp_cache", "re");
	char line[1024], *save = NULL;
	int col = -1, i = 0;
	unsigned long long sum = 0;
	if (!f || !fgets(line, sizeof(line), f))
		return false;
	for (char *t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save), i++)
		if (streq(t, "table_fulls"))
			col = i;
	if (col < 0)
		return false;
	while (fgets(line, sizeof(line), f)) {
		i = 0;
		for (char *t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save), i++)
			if (i == col)
				sum += strtoull(t, NULL, 16);
	}
	*ret = sum;
	return true;
}

static void classify_errno(struct nsim_probe_result *r, int e)
{
	r->error = e;
	limit_detail(r, e);
	switch (e) {
	case ECONNREFUSED:
		r->outcome = NSIM_PROBE_REFUSED;
		break;
	case ENETUNREACH:
	case EHOSTUNREACH:
		r->outcome = NSIM_PROBE_NO_ROUTE;
		break;
	case ETIMEDOUT:
		r->outcome = NSIM_PROBE_DROPPED;
		break;
	default:
		r->outcome = NSIM_PROBE_ERROR;
	}
}

/* Reads one line (or until EOF/timeout) into r->response. */
static void read_line(int fd, double deadline, struct nsim_probe_result *r)
{
	size_t len = 0;
	while (len < sizeof(r->response) - 1) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int k = poll(&p, 1, remaining(deadline));
		if (k <= 0)
			break;
		ssize_t n = read(fd, r->response + len, sizeof(r->response) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(r->response, '\n', len))
			break;
	}
	r->response[len] = '\0';
	char *nl = strchr(r->response, '\n');
	if (nl)
		*nl = '\0';
}

/* Binds to the requested source port; any port if it is taken. Records the port used. */
static void bind_source(int fd, struct job *j)
{
	if (j->sport) {
		int one = 1;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = htons(j->sport)};
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == 0) {
			j->res.sport = j->sport;
			return;
		}
	}
	struct sockaddr_in any = {.sin_family = AF_INET};
	socklen_t len = sizeof(any);
	if (bind(fd, (struct sockaddr *)&any, sizeof(any)) == 0 && getsockname(fd, (struct sockaddr *)&any, &len) == 0)
		j->res.sport = ntohs(any.sin_port);
}

static void probe_tcp(struct job *j, struct sockaddr_in *sa, double deadline)
{
	struct nsim_probe_result *r = &j->res;
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		classify_errno(r, errno);
		return;
	}
	/* a dropped SYN must not be retried into a longer wait than asked */
	int syn = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syn, sizeof(syn));
	bind_source(fd, j);
	if (connect(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 && errno != EINPROGRESS) {
		classify_errno(r, errno);
		return;
	}
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int k = poll(&p, 1, remaining(deadline));
	if (k == 0) {
		r->outcome = NSIM_PROBE_DROPPED;
		r->error = ETIMEDOUT;
		return;
	}
	int err = 0;
	socklen_t len = sizeof(err);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		classify_errno(r, err);
		return;
	}
	r->outcome = NSIM_PROBE_REACHABLE;
	(void)!write(fd, "netsim probe\n", 13);
	read_line(fd, deadline, r);
}

static void probe_udp(struct job *j, struct sockaddr_in *sa, double deadline)
{
	struct nsim_probe_result *r = &j->res;
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		bind_source(fd, j);
	/* connected: ICMP errors (port/net unreachable) come back as errno */
	if (fd < 0 || connect(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 || send(fd, "netsim probe\n", 13, 0) < 0) {
		classify_errno(r, errno);
		return;
	}
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int k = poll(&p, 1, remaining(deadline));
		if (k == 0) {
			r->outcome = NSIM_PROBE_DROPPED;
			r->error = ETIMEDOUT;
			return;
		}
		ssize_t n = recv(fd, r->response, sizeof(r->response) - 1, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			classify_errno(r, errno);
			return;
		}
		r->response[n] = '\0';
		char *nl = strchr(r->response, '\n');
		if (nl)
			*nl = '\0';
		r->outcome = NSIM_PROBE_REACHABLE;
		return;
	}
}

static uint16_t icmp_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void probe_icmp(struct job *j, struct sockaddr_in *sa, double deadline)
{
	struct nsim_probe_result *r = &j->res;
	_cleanup_close_ int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0) {
		classify_errno(r, errno);
		return;
	}
	uint16_t id = j->sport ? j->sport : (uint16_t)(getpid() ^ (uintptr_t)j);
	j->res.sport = id;
	struct icmphdr req = {.type = ICMP_ECHO};
	req.un.echo.id = htons(id);
	req.un.echo.sequence = htons(1);
	req.checksum = icmp_checksum(&req, sizeof(req));
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)sa, sizeof(*sa)) < 0) {
		classify_errno(r, errno);
		return;
	}
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, remaining(deadline)) == 0) {
			r->outcome = NSIM_PROBE_DROPPED;
			r->error = ETIMEDOUT;
			return;
		}
		uint8_t buf[1500];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			classify_errno(r, errno);
			return;
		}
		const struct iphdr *ip = (const struct iphdr *)buf;
		size_t hl = (size_t)ip->ihl * 4;
		if ((size_t)n < hl + sizeof(struct icmphdr))
			continue;
		const struct icmphdr *ic = (const struct icmphdr *)(buf + hl);
		if (ic->type == ICMP_ECHOREPLY && ntohs(ic->un.echo.id) == id && ip->saddr == sa->sin_addr.s_addr) {
			snprintf(r->response, sizeof(r->response), "echo reply from %s",
				 inet_ntoa(*(const struct in_addr *)&ip->saddr));
			r->outcome = NSIM_PROBE_REACHABLE;
			return;
		}
		if (ic->type == ICMP_DEST_UNREACH && (size_t)n >= hl + 8 + 20 + 8) {
			/* the quoted datagram must be our echo */
			const struct iphdr *q = (const struct iphdr *)(buf + hl + 8);
			const struct icmphdr *qi = (const struct icmphdr *)((const uint8_t *)q + q->ihl * 4);
			if ((const uint8_t *)qi + 8 > buf + n || q->daddr != sa->sin_addr.s_addr ||
			    ntohs(qi->un.echo.id) != id)
				continue;
			classify_errno(r, ic->code == ICMP_PORT_UNREACH || ic->code == ICMP_PROT_UNREACH ? ECONNREFUSED
													   : EHOSTUNREACH);
			return;
		}
	}
}

static void *run(void *arg)
{
	struct job *j = arg;
	double t0 = nsim_clock_ms(CLOCK_MONOTONIC), deadline = t0 + j->timeout_ms;
	char path[512];
	nsim_plan_ns_path(path, sizeof(path), j->ns);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		classify_errno(&j->res, errno);
		j->res.outcome = NSIM_PROBE_ERROR;
		if (nsfd >= 0)
			close(nsfd);
		return NULL;
	}
	close(nsfd);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(j->port), .sin_addr.s_addr = htonl(j->addr)};
	switch (j->proto) {
	case NSIM_PROTO_UDP:
		probe_udp(j, &sa, deadline);
		break;
	case NSIM_PROTO_ICMP:
		probe_icmp(j, &sa, deadline);
		break;
	default:
		probe_tcp(j, &sa, deadline);
	}
	j->res.ms = nsim_clock_ms(CLOCK_MONOTONIC) - t0;
	return NULL;
}

int nsim_probe(const char *ns, enum nsim_proto proto, uint32_t addr, uint16_t port, uint16_t sport,
	       int timeout_ms, struct nsim_probe_result *ret)
{
	struct job j = {.ns = ns, .proto = proto, .addr = addr, .port = port, .sport = sport, .timeout_ms = timeout_ms};
	pthread_t th;
	char num[32];
	unsigned long long fulls0 = 0, fulls1 = 0;
	bool have_fulls = neigh_table_fulls(&fulls0);
	/* a thread of its own: setns must not move the caller */
	int r = pthread_create(&th, NULL, run, &j);
	if (r)
		return -r;
	pthread_join(th, NULL);
	/* No answer while the kernel refused neighbour entries: the packets may
	 * have died for want of one, whatever the network's rules say. The
	 * counter is machine-wide, so this may be another's overflow: either way
	 * the outcome proves nothing. */
	if (have_fulls && j.res.outcome != NSIM_PROBE_REACHABLE && j.res.outcome != NSIM_PROBE_REFUSED &&
	    neigh_table_fulls(&fulls1) && fulls1 > fulls0) {
		j.res.outcome = NSIM_PROBE_ERROR;
		j.res.error = ENOBUFS;
		snprintf(j.res.detail, sizeof(j.res.detail),
			 "the kernel's neighbour table overflowed while the probe ran (%llu entries refused; its "
			 "limit net.ipv4.neigh.default.gc_thresh3%s is shared by every namespace on this "
			 "machine): the packets may have been dropped for that, not by the network's rules. netsim's "
			 "own entries are permanent and exempt: other traffic on this machine fills the table",
			 fulls1 - fulls0, nsim_file_limit_value("/proc/sys/net/ipv4/neigh/default/gc_thresh3", num));
	}
	*ret = j.res;
	return 0;
}

const char *nsim_probe_outcome_name(enum nsim_probe_outcome o)
{
	switch (o) {
	case NSIM_PROBE_REACHABLE:
		return "reachable";
	case NSIM_PROBE_REFUSED:
		return "refused";
	case NSIM_PROBE_DROPPED:
		return "dropped";
	case NSIM_PROBE_NO_ROUTE:
		return "no route";
	case NSIM_PROBE_ERROR:
		return "error";
	}
	return "?";
}
