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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "model/util.h"
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

static void classify_errno(struct nsim_probe_result *r, int e)
{
	r->error = e;
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
	snprintf(path, sizeof(path), "/run/netns/%s", j->ns);
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
	/* a thread of its own: setns must not move the caller */
	int r = pthread_create(&th, NULL, run, &j);
	if (r)
		return -r;
	pthread_join(th, NULL);
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
