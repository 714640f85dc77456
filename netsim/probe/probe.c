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
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
	int stop_fd; /* readable: the network reported the drop (-1: none) */
	struct nsim_probe_result res;
};

static int remaining(double deadline)
{
	double left = deadline - nsim_clock_ms(CLOCK_MONOTONIC);
	return left <= 0 ? 0 : (int)left + 1;
}

/* Waits for events on fd until the deadline, or until j's stop_fd is
 * readable. Returns poll's count, 0 at the deadline, -1 when stopped: the
 * outcome is then DROPPED with error ECANCELED. */
static int wait_fd(struct job *j, int fd, short events, double deadline)
{
	struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = j->stop_fd, .events = POLLIN}};
	int k;
	while ((k = poll(p, j->stop_fd >= 0 ? 2 : 1, remaining(deadline))) < 0 && errno == EINTR)
		;
	if (k > 0 && !p[0].revents && p[1].revents) {
		j->res.outcome = NSIM_PROBE_DROPPED;
		j->res.error = ECANCELED;
		return -1;
	}
	return k;
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
	/* a real service (run:, a relay's target) may greet in binary, NULs
	 * included (MySQL's handshake): the line is shown and parsed as text */
	len = nl ? (size_t)(nl - r->response) : len;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)r->response[i] < 0x20 || (unsigned char)r->response[i] >= 0x7f)
			r->response[i] = '.';
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
	int k = wait_fd(j, fd, POLLOUT, deadline);
	if (k < 0)
		return;
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
		int k = wait_fd(j, fd, POLLIN, deadline);
		if (k < 0)
			return;
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
		int k = wait_fd(j, fd, POLLIN, deadline);
		if (k < 0)
			return;
		if (k == 0) {
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

static int enter_ns(const char *ns)
{
	char path[512];
	nsim_plan_ns_path(path, sizeof(path), ns);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	int r = setns(nsfd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(nsfd);
	return r;
}

static void *run(void *arg)
{
	struct job *j = arg;
	double t0 = nsim_clock_ms(CLOCK_MONOTONIC), deadline = t0 + j->timeout_ms;
	int e = enter_ns(j->ns);
	if (e < 0) {
		classify_errno(&j->res, -e);
		j->res.outcome = NSIM_PROBE_ERROR;
		return NULL;
	}
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
	return nsim_probe_until(ns, proto, addr, port, sport, timeout_ms, -1, ret);
}

int nsim_probe_until(const char *ns, enum nsim_proto proto, uint32_t addr, uint16_t port, uint16_t sport,
		     int timeout_ms, int stop_fd, struct nsim_probe_result *ret)
{
	struct job j = {.ns = ns, .proto = proto, .addr = addr, .port = port, .sport = sport, .timeout_ms = timeout_ms,
			.stop_fd = stop_fd};
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

/* ---- names ---- */

struct dns_job {
	const char *ns, *name;
	uint32_t resolver;
	int timeout_ms;
	struct nsim_probe_answer res;
};


/* The first A record of the answer section; the CNAME it went through. */
static void parse_answer(const unsigned char *buf, int len, struct nsim_probe_answer *a)
{
	ns_msg msg;
	a->outcome = NSIM_PROBE_DNS_NODATA;
	if (ns_initparse(buf, len, &msg) < 0)
		return;
	if (ns_msg_getflag(msg, ns_f_rcode) == ns_r_nxdomain) {
		a->outcome = NSIM_PROBE_DNS_NXDOMAIN;
		return;
	}
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		ns_rr rr;
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return;
		if (ns_rr_type(rr) == ns_t_cname && !a->cname[0])
			(void)!ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), ns_rr_rdata(rr), a->cname,
						  sizeof(a->cname));
		if (ns_rr_type(rr) == ns_t_a && ns_rr_rdlen(rr) == 4) {
			uint32_t be;
			memcpy(&be, ns_rr_rdata(rr), 4);
			a->addr = ntohl(be);
			a->outcome = NSIM_PROBE_DNS_ANSWER;
			return;
		}
	}
}

static void *run_dns(void *arg)
{
	struct dns_job *j = arg;
	double t0 = nsim_clock_ms(CLOCK_MONOTONIC);
	int r = enter_ns(j->ns);
	if (r < 0) {
		j->res.outcome = NSIM_PROBE_DNS_ERROR;
		j->res.error = -r;
		return NULL;
	}
	/* a private state: the host's /etc/resolv.conf is not the VPC's */
	struct __res_state st;
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) < 0) {
		j->res.outcome = NSIM_PROBE_DNS_ERROR;
		j->res.error = errno ? errno : EIO;
		return NULL;
	}
	st.nscount = 1;
	st.nsaddr_list[0] = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(53),
						 .sin_addr.s_addr = htonl(j->resolver)};
	st.retrans = j->timeout_ms >= 2000 ? j->timeout_ms / 1000 : 1; /* seconds */
	st.retry = 1;
	st.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);
	unsigned char buf[4096];
	int n = res_nquery(&st, j->name, ns_c_in, ns_t_a, buf, sizeof(buf));
	if (n >= 0)
		parse_answer(buf, n, &j->res);
	else if (st.res_h_errno == HOST_NOT_FOUND)
		j->res.outcome = NSIM_PROBE_DNS_NXDOMAIN;
	else if (st.res_h_errno == NO_DATA)
		j->res.outcome = NSIM_PROBE_DNS_NODATA;
	else if (st.res_h_errno == TRY_AGAIN)
		j->res.outcome = NSIM_PROBE_DNS_TIMEOUT;
	else {
		j->res.outcome = NSIM_PROBE_DNS_ERROR;
		j->res.error = errno ? errno : EIO;
	}
	res_nclose(&st);
	j->res.ms = nsim_clock_ms(CLOCK_MONOTONIC) - t0;
	return NULL;
}

int nsim_probe_resolve(const char *ns, uint32_t resolver, const char *name, int timeout_ms,
		       struct nsim_probe_answer *ret)
{
	struct dns_job j = {.ns = ns, .name = name, .resolver = resolver, .timeout_ms = timeout_ms};
	pthread_t th;
	int r = pthread_create(&th, NULL, run_dns, &j);
	if (r)
		return -r;
	pthread_join(th, NULL);
	*ret = j.res;
	return 0;
}

const char *nsim_probe_dns_outcome_name(enum nsim_probe_dns_outcome o)
{
	switch (o) {
	case NSIM_PROBE_DNS_ANSWER:
		return "answer";
	case NSIM_PROBE_DNS_NXDOMAIN:
		return "NXDOMAIN";
	case NSIM_PROBE_DNS_NODATA:
		return "no A record";
	case NSIM_PROBE_DNS_TIMEOUT:
		return "no answer";
	case NSIM_PROBE_DNS_ERROR:
		return "error";
	}
	return "?";
}

/* ---- commands ---- */

/* The files bound over /etc/resolv.conf and /etc/hosts live in a private
 * directory (0700, made by mkdtemp) while the command runs: a bind mount
 * needs a linked file (a memfd or an O_TMPFILE is refused). */
struct dns_files {
	char dir[64];
	char resolv[96], hosts[96];
};

static void dns_files_remove(struct dns_files *f)
{
	if (!f->dir[0])
		return;
	if (f->resolv[0])
		(void)unlink(f->resolv);
	if (f->hosts[0])
		(void)unlink(f->hosts);
	(void)rmdir(f->dir);
	f->dir[0] = '\0';
}

static int dns_files_make(struct dns_files *f, const struct nsim_probe_dns_conf *dns)
{
	*f = (struct dns_files){0};
	if (!dns || (!dns->resolv_conf && !dns->hosts))
		return 0;
	snprintf(f->dir, sizeof(f->dir), "/run/netsim-command.XXXXXX");
	if (!mkdtemp(f->dir)) {
		f->dir[0] = '\0';
		return -errno;
	}
	_cleanup_close_ int dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = dirfd < 0 ? -errno : 0;
	if (r == 0 && dns->resolv_conf) {
		snprintf(f->resolv, sizeof(f->resolv), "%s/resolv.conf", f->dir);
		r = nsim_file_write_at(dirfd, false, "resolv.conf", nsim_file_text, dns->resolv_conf);
	}
	if (r == 0 && dns->hosts) {
		snprintf(f->hosts, sizeof(f->hosts), "%s/hosts", f->dir);
		r = nsim_file_write_at(dirfd, false, "hosts", nsim_file_text, dns->hosts);
	}
	if (r < 0)
		dns_files_remove(f);
	return r;
}

/* In the child, between fork and exec: syscalls only (the parent has threads). */
_noreturn_ static void child(int nsfd, const struct dns_files *files, int out, const struct nsim_argv *cmd,
			     char *const envp[], int errpipe)
{
	int step = 0;
	(void)setpgid(0, 0);
	if (setns(nsfd, CLONE_NEWNET) < 0)
		goto fail;
	step = 1;
	/* slave, not private: nothing mounted here reaches the machine, and
	 * /etc/resolv.conf as a symlink is followed to its target by mount() */
	if (files->dir[0] && (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0))
		goto fail;
	step = 2;
	if (files->resolv[0] && mount(files->resolv, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
		goto fail;
	step = 3;
	if (files->hosts[0] && mount(files->hosts, "/etc/hosts", NULL, MS_BIND, NULL) < 0)
		goto fail;
	step = 4;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		goto fail;
	/* nothing of netsim's (capture sockets, the namespace's fd) reaches the
	 * command; errpipe stays open until the exec */
	(void)close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	step = 5;
	if (cmd->shell) {
		char *sh[] = {(char *)"/bin/sh", (char *)"-c", cmd->argv[0], NULL};
		execve("/bin/sh", sh, envp);
	} else
		execvpe(cmd->argv[0], cmd->argv, envp);
fail:;
	int msg[2] = {step, errno};
	(void)!write(errpipe, msg, sizeof(msg));
	_exit(127);
}

static const char *const child_steps[] = {
	"entering the host's network namespace", "making a private mount namespace",
	"bind-mounting /etc/resolv.conf", "bind-mounting /etc/hosts", "redirecting stdin/stdout/stderr", "exec",
};

static void keep_tail(struct nsim_probe_command_result *r, const char *buf, size_t n)
{
	r->output_total += n;
	if (n >= sizeof(r->output)) {
		memcpy(r->output, buf + n - sizeof(r->output), sizeof(r->output));
		r->output_len = sizeof(r->output);
		return;
	}
	if (r->output_len + n > sizeof(r->output)) {
		size_t drop = r->output_len + n - sizeof(r->output);
		memmove(r->output, r->output + drop, r->output_len - drop);
		r->output_len -= drop;
	}
	memcpy(r->output + r->output_len, buf, n);
	r->output_len += n;
}

extern char **environ;

int nsim_probe_command(const char *ns, const struct nsim_probe_dns_conf *dns, const struct nsim_argv *cmd,
		       int timeout_ms, struct nsim_probe_command_result *ret)
{
	struct nsim_probe_command_result res = {0};
	char path[512];
	if (!cmd || !cmd->argc || !cmd->argv || !cmd->argv[0])
		return -EINVAL;
	nsim_plan_ns_path(path, sizeof(path), ns);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		res.error = errno;
		snprintf(res.detail, sizeof(res.detail), "opening the namespace %.180s: %s", ns, strerror(errno));
		*ret = res;
		return 0;
	}
	/* the environment: the caller's, and NETSIM_HOST */
	size_t n_env = 0;
	while (environ[n_env])
		n_env++;
	_cleanup_free_ char **envp = calloc(n_env + 2, sizeof(*envp));
	_cleanup_free_ char *host_var = NULL;
	const char *host = dns ? dns->host : NULL;
	if (!envp || asprintf(&host_var, "NETSIM_HOST=%s", host ? host : "") < 0)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n_env; i++)
		if (strncmp(environ[i], "NETSIM_HOST=", 12) != 0)
			envp[k++] = environ[i];
	envp[k++] = host_var;

	struct dns_files files;
	int r = dns_files_make(&files, dns);
	if (r < 0) {
		res.error = -r;
		snprintf(res.detail, sizeof(res.detail), "writing its resolv.conf and hosts under /run: %s", strerror(-r));
		*ret = res;
		return 0;
	}
	int out[2], errp[2];
	if (pipe2(out, O_CLOEXEC) < 0) {
		r = -errno;
		dns_files_remove(&files);
		return r;
	}
	if (pipe2(errp, O_CLOEXEC) < 0) {
		r = -errno;
		close(out[0]);
		close(out[1]);
		dns_files_remove(&files);
		return r;
	}
	res.t0 = nsim_clock_ms(CLOCK_REALTIME);
	double m0 = nsim_clock_ms(CLOCK_MONOTONIC), deadline = m0 + (timeout_ms > 0 ? timeout_ms : 10000);
	pid_t pid = fork();
	if (pid == 0)
		child(nsfd, &files, out[1], cmd, envp, errp[1]);
	int fork_errno = errno;
	close(out[1]);
	close(errp[1]);
	if (pid < 0) {
		close(out[0]);
		close(errp[0]);
		dns_files_remove(&files);
		return -fork_errno;
	}
	(void)setpgid(pid, pid);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool done = false, eof = false;
	int status = 0;
	char buf[4096];
	while (!done) {
		struct pollfd p[2] = {{.fd = eof ? -1 : out[0], .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		int left = remaining(deadline);
		int nr = left > 0 ? poll(p, 2, pidfd < 0 && left > 50 ? 50 : left) : 0;
		if (nr < 0 && errno != EINTR)
			break;
		if (nr > 0 && (p[0].revents & (POLLIN | POLLHUP))) {
			ssize_t got = read(out[0], buf, sizeof(buf));
			if (got > 0)
				keep_tail(&res, buf, (size_t)got);
			else if (got == 0)
				eof = true;
		}
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			done = true;
			break;
		}
		if (remaining(deadline) == 0) {
			res.timed_out = true;
			(void)kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			done = true;
		}
	}
	/* what it left behind in its group goes with it; then the last output */
	(void)kill(-pid, SIGKILL);
	for (;;) {
		struct pollfd p = {.fd = out[0], .events = POLLIN};
		if (eof || poll(&p, 1, 100) <= 0)
			break;
		ssize_t got = read(out[0], buf, sizeof(buf));
		if (got <= 0)
			break;
		keep_tail(&res, buf, (size_t)got);
	}
	int msg[2];
	if (read(errp[0], msg, sizeof(msg)) == (ssize_t)sizeof(msg) && msg[0] >= 0 && msg[0] <= 5) {
		res.error = msg[1];
		snprintf(res.detail, sizeof(res.detail), "%s: %s", child_steps[msg[0]], strerror(msg[1]));
	}
	if (pidfd >= 0)
		close(pidfd);
	close(out[0]);
	close(errp[0]);
	dns_files_remove(&files);
	res.t1 = nsim_clock_ms(CLOCK_REALTIME);
	res.ms = nsim_clock_ms(CLOCK_MONOTONIC) - m0;
	if (WIFEXITED(status)) {
		res.exited = true;
		res.exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status))
		res.signal = WTERMSIG(status);
	*ret = res;
	return 0;
}
