/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model/util.h"
#include "plan/services.h"
#include "probe/responder.h"

#define MAX_CONNS 4096

/* What an epoll event's data points at. */
struct endpoint {
	int fd;
	const char *host;
	uint16_t port;
	bool udp;
	bool conn; /* an accepted TCP connection: read until EOF, then close */
	const struct nsim_plan_relay *relay; /* a proxy's port: relay instead of answering */
	int nsfd, logfd;                     /* relay: the proxy's namespace, its log (-1: none) */
};

int nsim_responder_format(char *buf, size_t size, const char *host, unsigned port, const char *proto,
			  const char *src_ip, unsigned src_port)
{
	return snprintf(buf, size, "netsim %s %u/%s from %s:%u\n", host, port, proto, src_ip, src_port);
}

static int open_socket(const char *ns_path, bool udp, uint16_t port, int *ret_fd)
{
	_cleanup_close_ int nsfd = open(ns_path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	_cleanup_close_ int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (!udp && listen(fd, 128) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}


static void relay_log(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void relay_log(int fd, const char *fmt, ...)
{
	if (fd < 0)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* A connection to addr:port from the proxy's namespace within 1 s, or -1. */
static int relay_connect(int nsfd, uint32_t addr, uint16_t port)
{
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(addr)};
	int err = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		if (err == EINPROGRESS) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			socklen_t len = sizeof(err);
			if (poll(&p, 1, 1000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = ETIMEDOUT;
		}
	}
	if (err) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w, n -= (size_t)w;
	}
	return true;
}

/* In a child of the responder: the first target that accepts, then bytes both ways until both sides end. */
static _noreturn_ void relay_one(const struct endpoint *ep, int client, const char *ip, unsigned cport)
{
	const struct nsim_plan_relay *rl = ep->relay;
	int up = -1;
	size_t t;
	for (t = 0; t < rl->n_targets && up < 0; t++)
		up = relay_connect(ep->nsfd, rl->targets[t], ep->port);
	if (up < 0) {
		relay_log(ep->logfd, "netsim relay %s %u/tcp: %s:%u: no target accepted the connection\n", rl->host,
			  ep->port, ip, cport);
		_exit(1);
	}
	relay_log(ep->logfd, "netsim relay %s %u/tcp: %s:%u -> %s %u/tcp\n", rl->host, ep->port, ip, cport,
		  rl->target_names[t - 1], ep->port);
	int fl = 0;
	(void)fcntl(client, F_SETFL, fl);
	(void)fcntl(up, F_SETFL, fl);
	struct pollfd p[2] = {{.fd = client, .events = POLLIN}, {.fd = up, .events = POLLIN}};
	char buf[65536];
	int open_sides = 2;
	while (open_sides) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0 && write_all(p[1 - i].fd, buf, (size_t)n))
				continue;
			/* end of one direction: pass it on */
			shutdown(p[1 - i].fd, SHUT_WR);
			p[i].fd = -p[i].fd - 1;
			open_sides--;
		}
	}
	_exit(0);
}

static void answer_tcp(int epfd, struct endpoint *ep, size_t *n_conns)
{
	for (;;) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(ep->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		char ip[INET_ADDRSTRLEN], line[NSIM_RESPONSE_MAX];
		inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
		if (ep->relay) {
			/* one child per connection: a slow target never holds up the responders */
			pid_t pid = fork();
			if (pid == 0)
				relay_one(ep, fd, ip, ntohs(peer.sin_port));
			close(fd);
			continue;
		}
		int n = nsim_responder_format(line, sizeof(line), ep->host, ep->port, "tcp", ip, ntohs(peer.sin_port));
		/* a fresh socket's send buffer always takes one short line */
		(void)!write(fd, line, (size_t)n);
		shutdown(fd, SHUT_WR);
		struct endpoint *c = *n_conns < MAX_CONNS ? malloc(sizeof(*c)) : NULL;
		if (!c) {
			close(fd);
			continue;
		}
		*c = (struct endpoint){.fd = fd, .conn = true};
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		(*n_conns)++;
	}
}

static void answer_udp(struct endpoint *ep)
{
	char buf[2048];
	for (;;) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		ssize_t r = recvfrom(ep->fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len);
		if (r < 0)
			return;
		char ip[INET_ADDRSTRLEN], line[NSIM_RESPONSE_MAX];
		inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
		int n = nsim_responder_format(line, sizeof(line), ep->host, ep->port, "udp", ip, ntohs(peer.sin_port));
		(void)sendto(ep->fd, line, (size_t)n, 0, (struct sockaddr *)&peer, len);
	}
}

static void drain_conn(int epfd, struct endpoint *c, size_t *n_conns)
{
	char buf[4096];
	ssize_t r;
	while ((r = read(c->fd, buf, sizeof(buf))) > 0)
		;
	if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
		/* close() alone leaves it in the epoll set while a relay child
		 * forked meanwhile still holds a copy of the fd: its events would
		 * then point at freed memory */
		(void)epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		free(c);
		(*n_conns)--;
	}
}

struct nsim_responder {
	int epfd;
	int logdir; /* the state dir, for relay logs; -1: none */
};

int nsim_responder_open(const struct nsim_plan *p, int log_dir, struct nsim_responder **ret, char *detail,
			size_t size)
{
	_cleanup_free_ struct nsim_responder *resp = calloc(1, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	resp->logdir = -1;
	resp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (resp->epfd < 0)
		return -errno;
	int r = 0;
	for (size_t i = 0; i < p->n_responders && r == 0; i++) {
		const struct nsim_plan_responder *rs = &p->responders[i];
		/* a host with run: serves its listen: ports with its own processes */
		if (nsim_plan_service_of(p, rs->host))
			continue;
		char path[512];
		nsim_plan_ns_path(path, sizeof(path), rs->ns);
		for (size_t j = 0; j < rs->n_listen && r == 0; j++) {
			const struct nsim_service *s = &rs->listen[j];
			bool udp = s->proto == NSIM_PROTO_UDP;
			for (unsigned port = s->from; port <= s->to && r == 0; port++) {
				struct endpoint *ep = calloc(1, sizeof(*ep));
				if (!ep) {
					r = -ENOMEM;
					break;
				}
				*ep = (struct endpoint){.host = rs->host, .port = (uint16_t)port, .udp = udp,
							.nsfd = -1, .logfd = -1};
				const struct nsim_plan_relay *rl = udp ? NULL : nsim_plan_relay_of(p, rs->host);
				if (rl) {
					ep->relay = rl;
					ep->nsfd = open(path, O_RDONLY | O_CLOEXEC);
					if (ep->nsfd < 0)
						r = -errno;
					if (r == 0 && log_dir >= 0) {
						ep->logfd = openat(log_dir, rl->log,
								   O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
						if (ep->logfd < 0)
							r = -errno;
					}
				}
				if (r == 0)
					r = open_socket(path, udp, (uint16_t)port, &ep->fd);
				struct epoll_event ev = {.events = EPOLLIN, .data.ptr = ep};
				if (r == 0 && epoll_ctl(resp->epfd, EPOLL_CTL_ADD, ep->fd, &ev) < 0)
					r = -errno;
				if (r < 0) {
					snprintf(detail, size, "responder for %s on %u/%s: %s", rs->host, port,
						 udp ? "udp" : "tcp", strerror(-r));
					free(ep); /* the process exits: the sockets made so far go with it */
				}
			}
		}
	}
	if (r < 0) {
		close(resp->epfd);
		return r;
	}
	*ret = TAKE_PTR(resp);
	return 0;
}

void nsim_responder_serve(struct nsim_responder *resp)
{
	size_t n_conns = 0;
	signal(SIGCHLD, SIG_IGN); /* relay children reap themselves */
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(resp->epfd, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			struct endpoint *ep = evs[i].data.ptr;
			if (ep->conn)
				drain_conn(resp->epfd, ep, &n_conns);
			else if (ep->udp)
				answer_udp(ep);
			else
				answer_tcp(resp->epfd, ep, &n_conns);
		}
	}
}
