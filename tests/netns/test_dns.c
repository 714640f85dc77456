/* SPDX-License-Identifier: MIT */
/*
 * The VPC resolver with real packets: the plan's dnsmasq configuration
 * (plan/dns.c), started by this test in the VPC router's namespace as the
 * starter (instance/) would, answers hosts over UDP and TCP on +2 and
 * 169.254.169.253: names of the view, NXDOMAIN for the rest, and its traffic
 * passes a network ACL that drops the same UDP to a host (the SG/ACL
 * exemption, plan/filter.c); a private zone's CNAME chain answers, a CNAME
 * loop (which the validator allows) neither stops dnsmasq nor answers. Skips (77) without root or without dnsmasq.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "load/load.h"
#include "model/net.h"
#include "plan/plan.h"
#include "probe/probe.h"
#include "validate/validate.h"
#include "util.h"

#define DNSMASQ "/usr/sbin/dnsmasq"

static const char topology[] =
	"name: dns-test\n"
	"region: ap-northeast-2\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    subnets:\n"
	"      - { name: app, cidr: 10.0.3.0/24 }\n"
	"      - { name: data, cidr: 10.0.4.0/24, network_acl: data }\n"
	"    network_acls:\n"
	"      - name: data\n"
	"        ingress:\n"
	"          - { rule: 100, protocol: tcp, ports: 1024-65535, source: 0.0.0.0/0, action: allow }\n"
	"        egress:\n"
	"          - { rule: 100, protocol: tcp, ports: 1-65535, destination: 0.0.0.0/0, action: allow }\n"
	"    hosts:\n"
	"      - { name: fn, subnet: app, address: 10.0.3.4, listen: [53/udp] }\n"
	"      - { name: proxy, subnet: app, address: 10.0.3.20, listen: [53/udp, 3306/tcp],\n"
	"          dns_names: [items-proxy.proxy-abc123.ap-northeast-2.rds.amazonaws.com] }\n"
	"      - { name: db, subnet: data, address: 10.0.4.4 }\n"
	"internet:\n"
	"  hosts:\n"
	"    - { name: partner, address: 198.51.100.20, dns_names: [api.partner.example] }\n"
	"route53:\n"
	"  private_zones:\n"
	"    - name: corp.internal\n"
	"      vpcs: [main]\n"
	"      records:\n"
	"        - { name: db, type: A, value: db }\n"
	"        - { name: alias, type: CNAME, value: db.corp.internal }\n"
	"        - { name: loop1, type: CNAME, value: loop2.corp.internal }\n"
	"        - { name: loop2, type: CNAME, value: loop1.corp.internal }\n";

/* A type-A query for name to server:53 from namespace ns, over UDP or TCP,
 * in a child that enters ns. Returns the rcode (0, 3 = NXDOMAIN) with the
 * first address in *ret_addr, or -1 when no answer came within 2 s. */
static int query(const char *ns, const char *server, const char *name, bool tcp, uint32_t *ret_addr)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char path[256];
		uint8_t q[512], a[1024];
		size_t n = 12;
		int32_t res[2] = {-1, 0};
		close(p[0]);
		nsim_plan_ns_path(path, sizeof(path), ns);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(1);
		memset(q, 0, sizeof(q));
		q[0] = 0x12, q[1] = 0x34, q[2] = 0x01, q[5] = 1; /* id, RD, one question */
		for (const char *l = name; *l;) {
			size_t len = strcspn(l, ".");
			q[n++] = (uint8_t)len;
			memcpy(q + n, l, len);
			n += len;
			l += len + (l[len] == '.');
		}
		q[n++] = 0;
		q[n++] = 0, q[n++] = 1, q[n++] = 0, q[n++] = 1; /* A, IN */
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
		inet_pton(AF_INET, server, &sa.sin_addr);
		int s = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto out;
		uint8_t len2[2] = {(uint8_t)(n >> 8), (uint8_t)n};
		if (tcp && write(s, len2, 2) != 2)
			goto out;
		/* UDP may be lost or late on a loaded machine: ask again, as a stub
		 * resolver does (resolv.conf's attempts:), 3 times 2 s */
		struct pollfd pfd = {.fd = s, .events = POLLIN};
		int ready = 0;
		for (int attempt = 0; attempt < (tcp ? 1 : 3) && ready != 1; attempt++) {
			if (write(s, q, n) != (ssize_t)n)
				goto out;
			ready = poll(&pfd, 1, 2000);
		}
		if (ready != 1)
			goto out;
		ssize_t got = read(s, a, sizeof(a));
		size_t off = tcp ? 2 : 0;
		if (got < (ssize_t)(off + 12))
			goto out;
		const uint8_t *m = a + off;
		size_t mlen = (size_t)got - off;
		res[0] = m[3] & 0xf;
		/* the first A record's address: the answer section after the question */
		size_t i = n;
		unsigned an = (unsigned)(m[6] << 8 | m[7]);
		for (unsigned k = 0; k < an && i + 10 < mlen; k++) {
			while (i < mlen && m[i] && (m[i] & 0xc0) != 0xc0)
				i += 1u + m[i];
			i += i < mlen && (m[i] & 0xc0) == 0xc0 ? 2 : 1;
			unsigned type = (unsigned)(m[i] << 8 | m[i + 1]), rdlen = (unsigned)(m[i + 8] << 8 | m[i + 9]);
			i += 10;
			if (type == 1 && rdlen == 4 && i + 4 <= mlen) {
				res[1] = (int32_t)((uint32_t)m[i] << 24 | (uint32_t)m[i + 1] << 16 | (uint32_t)m[i + 2] << 8 | m[i + 3]);
				break;
			}
			i += rdlen;
		}
out:
		if (write(p[1], res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	int32_t res[2] = {-1, 0};
	ssize_t got = read(p[0], res, sizeof(res));
	close(p[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(got, (ssize_t)sizeof(res));
	*ret_addr = (uint32_t)res[1];
	return res[0];
}

static pid_t pids[4]; /* the dnsmasqs started: stopped by the teardown, pass or fail */
static size_t n_pids;

static int stop_dnsmasq(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_pids; i++) {
		int status;
		kill(pids[i], SIGTERM);
		waitpid(pids[i], &status, 0);
		netns_untrack_child(pids[i]);
	}
	n_pids = 0;
	return 0;
}

/* Starts a plan process as the starter would: its files into this test's
 * dir, @STATE_DIR@ replaced, in its namespace, in its own process group. */
static void start(const struct nsim_plan_process *pr)
{
	char conf[512], arg[600];
	assert_true(n_pids < ELEMENTSOF(pids));
	assert_int_equal(pr->n_files, 1);
	snprintf(conf, sizeof(conf), "%s/%s", netns_tmpdir(), pr->files[0].name);
	FILE *f = fopen(conf, "w");
	assert_non_null(f);
	fputs(pr->files[0].text, f);
	fclose(f);
	const char *rest = strstr(pr->argv->argv[2], NSIM_PLAN_STATE_DIR);
	assert_non_null(rest);
	snprintf(arg, sizeof(arg), "--conf-file=%s%s", netns_tmpdir(), rest + strlen(NSIM_PLAN_STATE_DIR));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char path[256];
		nsim_plan_ns_path(path, sizeof(path), pr->ns);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		int null = open("/dev/null", O_WRONLY);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0 || null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		setpgid(0, 0);
		execl(DNSMASQ, "dnsmasq", pr->argv->argv[1], arg, (char *)NULL);
		_exit(127);
	}
	pids[n_pids++] = pid;
	assert_int_equal(netns_track_child(pid), 0);
}

static uint64_t exemption_packets(const char *n)
{
	char cmd[256], line[1024];
	snprintf(cmd, sizeof(cmd), "ip netns exec netsim-%s-main nft list chain inet netsim input", n);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	uint64_t packets = 0;
	while (fgets(line, sizeof(line), f)) {
		const char *c = strstr(line, "counter packets ");
		if (c && strstr(line, "the Amazon DNS server"))
			packets = strtoull(c + 16, NULL, 10);
	}
	pclose(f);
	return packets;
}

static void test_resolver(void **state)
{
	(void)state;
	const char *n = instance("dns");
	char file[512];
	snprintf(file, sizeof(file), "%s/dns.yaml", netns_tmpdir());
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs(topology, f);
	fclose(f);
	up(file, n);

	/* the plan's configuration and argv, with @STATE_DIR@ made this test's dir */
	struct nsim_diags d;
	struct nsim_topology *t = NULL;
	struct nsim_plan *p = NULL;
	nsim_diags_init(&d);
	assert_int_equal(nsim_load_file(file, &d, &t), 0);
	assert_int_equal(nsim_validate(t, &d), 0);
	nsim_diags_clear(&d);
	assert_int_equal(nsim_plan_build(t, n, &p), 0);
	assert_string_equal(p->processes[0].argv->argv[2], "--conf-file=@STATE_DIR@/dns-main.conf");
	assert_int_equal(p->n_processes, 2); /* dns-main, dns-internet */
	for (size_t k = 0; k < p->n_processes; k++)
		start(&p->processes[k]);

	const char *fn = NULL, *db = NULL;
	for (size_t i = 0; i < p->n_hosts; i++) {
		if (streq(p->hosts[i].name, "fn"))
			fn = p->hosts[i].ns;
		if (streq(p->hosts[i].name, "db"))
			db = p->hosts[i].ns;
	}
	assert_non_null(fn);
	assert_non_null(db);

	/* ready: it answers (each query waits up to 2 s; dnsmasq starts in milliseconds) */
	uint32_t addr = 0;
	int rc = -1;
	for (int i = 0; i < 10 && rc < 0; i++)
		rc = query(fn, "10.0.0.2", "ip-10-0-3-20.ap-northeast-2.compute.internal", false, &addr);
	assert_int_equal(rc, 0);
	assert_int_equal(addr, A("10.0.3.20"));

	assert_int_equal(query(fn, "10.0.0.2", "items-proxy.proxy-abc123.ap-northeast-2.rds.amazonaws.com", true, &addr), 0);
	assert_int_equal(addr, A("10.0.3.20"));
	assert_int_equal(query(fn, "169.254.169.253", "ITEMS-PROXY.proxy-abc123.ap-northeast-2.rds.amazonaws.com", false, &addr), 0);
	assert_int_equal(addr, A("10.0.3.20"));
	assert_int_equal(query(fn, "10.0.0.2", "nothing.example.com", false, &addr), 3); /* NXDOMAIN, nothing forwarded */
	/* a private zone: a CNAME chain answers; a loop (left out, or dnsmasq would not start) is NXDOMAIN */
	assert_int_equal(query(fn, "10.0.0.2", "alias.corp.internal", false, &addr), 0);
	assert_int_equal(addr, A("10.0.4.4"));
	assert_int_equal(query(fn, "10.0.0.2", "loop1.corp.internal", false, &addr), 3);
	assert_int_equal(query(fn, "10.0.0.2", "ip-10-0-3-5.ap-northeast-2.compute.internal", true, &addr), 3);

	/* an internet host asks public DNS on the internet router: only public names */
	const char *partner = NULL;
	for (size_t i = 0; i < p->n_hosts; i++)
		if (streq(p->hosts[i].name, "partner"))
			partner = p->hosts[i].ns;
	assert_non_null(partner);
	rc = -1;
	for (int i = 0; i < 10 && rc < 0; i++)
		rc = query(partner, "169.254.0.1", "api.partner.example", false, &addr);
	assert_int_equal(rc, 0);
	assert_int_equal(addr, A("198.51.100.20"));
	assert_int_equal(query(partner, "169.254.0.1", "items-proxy.proxy-abc123.ap-northeast-2.rds.amazonaws.com", true, &addr), 3);

	/* db's ACL allows only TCP: UDP to a host's listening 53/udp is dropped, the resolver's is not */
	expect_blocked(n, "db", NSIM_PROTO_UDP, "10.0.3.20", 53);
	uint64_t before = exemption_packets(n);
	assert_int_equal(query(db, "10.0.0.2", "ip-10-0-4-4.ap-northeast-2.compute.internal", false, &addr), 0);
	assert_int_equal(addr, A("10.0.4.4"));
	assert_int_equal(query(db, "169.254.169.253", "ip-10-0-3-4.ap-northeast-2.compute.internal", false, &addr), 0);
	assert_int_equal(addr, A("10.0.3.4"));
	assert_true(exemption_packets(n) >= before + 2);

	stop_dnsmasq(NULL);
	nsim_plan_free(p);
	nsim_topology_free(t);
	down(n);
	assert_nothing_left(n);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	if (access(DNSMASQ, X_OK) != 0) {
		fprintf(stderr, "test-dns: %s missing (scripts/setup installs dnsmasq-base): skipped\n", DNSMASQ);
		cleanup_all();
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_resolver, stop_dnsmasq),
	};
	r = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup_all();
	return r;
}
