/* SPDX-License-Identifier: MIT */
/*
 * `netsim up` / `down` as a user runs them, proved with real sockets from
 * inside the namespaces. argv[1]: the netsim binary. Root; exit 77 (skip)
 * when network namespaces can't be made. Every instance is named
 * t<pid>-..., and removed at the end whether the tests pass or fail.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/net.h"
#include "probe/probe.h"

static const char *netsim;
static char names[8][32];
static size_t n_names;
static char root_links_before[4096];

static const char *instance(const char *suffix)
{
	char *n = names[n_names++];
	snprintf(n, sizeof(names[0]), "t%d-%s", (int)getpid() % 100000, suffix);
	return n;
}

/* Runs netsim with args; stdout+stderr into out (if any). Returns the exit
 * status, or 128+signal. `env` is "VAR=value" or NULL. */
static int run(char *out, size_t size, const char *env, ...)
{
	char *argv[16] = {(char *)netsim};
	int argc = 1;
	va_list ap;
	va_start(ap, env);
	for (char *a; argc < 15 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		if (env)
			putenv((char *)env);
		execv(netsim, argv);
		_exit(127);
	}
	close(pipefd[1]);
	size_t len = 0;
	char sink[4096];
	for (;;) {
		char *dst = out && len + 1 < size ? out + len : sink;
		size_t room = out && len + 1 < size ? size - len - 1 : sizeof(sink);
		ssize_t n = read(pipefd[0], dst, room);
		if (n <= 0)
			break;
		if (dst != sink)
			len += (size_t)n;
	}
	if (out)
		out[len] = '\0';
	close(pipefd[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void up(const char *file, const char *name)
{
	char out[8192];
	int r = run(out, sizeof(out), NULL, "up", file, "--name", name, NULL);
	if (r != 0)
		fprintf(stderr, "netsim up %s failed (%d):\n%s\n", file, r, out);
	assert_int_equal(r, 0);
}

static void down(const char *name)
{
	run(NULL, 0, NULL, "down", name, NULL);
}

static uint32_t A(const char *s)
{
	uint32_t a;
	assert_int_equal(nsim_addr_parse(s, &a), 0);
	return a;
}

static struct nsim_probe_result probe(const char *name, const char *host, enum nsim_proto proto, const char *addr,
				      uint16_t port, int timeout_ms)
{
	char ns[128];
	snprintf(ns, sizeof(ns), "netsim-%s-%s", name, host);
	struct nsim_probe_result r;
	assert_int_equal(nsim_probe(ns, proto, A(addr), port, timeout_ms, &r), 0);
	return r;
}

static void expect_reachable(const char *name, const char *host, enum nsim_proto proto, const char *addr,
			     uint16_t port, const char *seen)
{
	struct nsim_probe_result r = probe(name, host, proto, addr, port, 2000);
	if (r.outcome != NSIM_PROBE_REACHABLE || (seen && !strstr(r.response, seen))) {
		fprintf(stderr, "%s -> %s:%u/%s: %s (%s), response '%s', wanted '%s'\n", host, addr, port,
			nsim_proto_name(proto), nsim_probe_outcome_name(r.outcome), strerror(r.error), r.response,
			seen ? seen : "");
		fail();
	}
}

static void expect_blocked(const char *name, const char *host, enum nsim_proto proto, const char *addr,
			   uint16_t port)
{
	struct nsim_probe_result r = probe(name, host, proto, addr, port, 500);
	if (r.outcome != NSIM_PROBE_DROPPED && r.outcome != NSIM_PROBE_NO_ROUTE) {
		fprintf(stderr, "%s -> %s:%u/%s: expected no path, got %s ('%s')\n", host, addr, port,
			nsim_proto_name(proto), nsim_probe_outcome_name(r.outcome), r.response);
		fail();
	}
}

static size_t count_namespaces(const char *name)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "netsim-%s-", name);
	DIR *d = opendir("/run/netns");
	size_t n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static bool state_exists(const char *name)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "/run/netsim/%s", name);
	return stat(path, &st) == 0;
}

static void root_links(char *buf, size_t size)
{
	struct if_nameindex *ifs = if_nameindex();
	buf[0] = '\0';
	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		strncat(buf, i->if_name, size - strlen(buf) - 2);
		strncat(buf, " ", size - strlen(buf) - 1);
	}
	if_freenameindex(ifs);
}

static void assert_nothing_left(const char *name)
{
	char now[4096];
	assert_int_equal(count_namespaces(name), 0);
	assert_false(state_exists(name));
	root_links(now, sizeof(now));
	assert_string_equal(now, root_links_before);
}

/* ---- the tests ---- */

static void test_serverless(void **state)
{
	(void)state;
	const char *n = instance("sb");
	up("topologies/serverless-backend.yaml", n);
	/* fn -> proxy, same subnet, through the VPC router */
	expect_reachable(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, "proxy 3306/tcp from 10.0.3.4:");
	/* fn -> partner-api through the NAT gateway: the partner sees the elastic IP */
	expect_reachable(n, "fn", NSIM_PROTO_TCP, "198.51.100.20", 443, "partner-api 443/tcp from 203.0.113.10:");
	/* the internet reaches the bastion on its public IP; the bastion sees the real source */
	expect_reachable(n, "attacker", NSIM_PROTO_TCP, "203.0.113.20", 22, "bastion 22/tcp from 198.51.100.66:");
	/* the bastion reaches the internet with its public IP */
	expect_reachable(n, "bastion", NSIM_PROTO_TCP, "198.51.100.20", 443, "from 203.0.113.20:");
	/* nothing opens a connection from the internet into private addresses or through the NAT */
	expect_blocked(n, "attacker", NSIM_PROTO_TCP, "10.0.3.4", 22);
	expect_blocked(n, "attacker", NSIM_PROTO_TCP, "10.0.4.4", 3306);
	expect_blocked(n, "attacker", NSIM_PROTO_TCP, "203.0.113.10", 443);
	expect_blocked(n, "attacker", NSIM_PROTO_ICMP, "203.0.113.10", 0); /* a NAT gateway does not answer ping */
	/* the blackhole route */
	expect_blocked(n, "fn", NSIM_PROTO_ICMP, "192.0.2.7", 0);
	expect_blocked(n, "fn", NSIM_PROTO_TCP, "192.0.2.7", 80);
	/* a listener that is not there is refused: the path works */
	struct nsim_probe_result r = probe(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 9999, 2000);
	assert_int_equal(r.outcome, NSIM_PROBE_REFUSED);
	/* ping across subnets, and to the internet through the NAT */
	expect_reachable(n, "fn", NSIM_PROTO_ICMP, "10.0.4.4", 0, NULL);
	expect_reachable(n, "fn", NSIM_PROTO_ICMP, "198.51.100.66", 0, NULL);

	char out[8192];
	assert_int_equal(run(out, sizeof(out), NULL, "show", n, NULL), 0);
	assert_non_null(strstr(out, "203.0.113.10"));
	assert_int_equal(run(out, sizeof(out), NULL, "ls", NULL), 0);
	assert_non_null(strstr(out, n));
	/* up twice under one name: a clear error, and the first stays up */
	assert_int_equal(run(out, sizeof(out), NULL, "up", "topologies/serverless-backend.yaml", "--name", n, NULL), 1);
	assert_non_null(strstr(out, "already up"));
	expect_reachable(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, NULL);
	/* exec runs a command inside a host and passes its status through */
	assert_int_equal(run(out, sizeof(out), NULL, "exec", n, "fn", "--", "sh", "-c", "exit 7", NULL), 7);

	assert_int_equal(run(out, sizeof(out), NULL, "down", n, NULL), 0);
	assert_nothing_left(n);
	/* down twice is fine */
	assert_int_equal(run(out, sizeof(out), NULL, "down", n, NULL), 0);
	assert_non_null(strstr(out, "was not up"));
}

static void test_lpm_and_public_ip(void **state)
{
	(void)state;
	const char *n = instance("lpm");
	up("tests/data/netns/lpm.yaml", n);
	/* the /24 to the NAT beats 0.0.0.0/0 to the blackhole */
	expect_reachable(n, "worker", NSIM_PROTO_TCP, "198.51.100.80", 80, "web 80/tcp from 203.0.113.50:");
	expect_reachable(n, "worker", NSIM_PROTO_UDP, "198.51.100.80", 53, "web 53/udp from 203.0.113.50:");
	expect_blocked(n, "worker", NSIM_PROTO_TCP, "192.0.2.80", 80);
	/* a public subnet is not enough: without a public IP the IGW drops it */
	expect_reachable(n, "with-ip", NSIM_PROTO_TCP, "192.0.2.80", 80, "other 80/tcp from 203.0.113.51:");
	expect_blocked(n, "without-ip", NSIM_PROTO_TCP, "192.0.2.80", 80);
	down(n);
	assert_nothing_left(n);
}

static void test_peering_not_transitive(void **state)
{
	(void)state;
	const char *n = instance("chain");
	up("tests/data/netns/chain.yaml", n);
	expect_reachable(n, "ha", NSIM_PROTO_TCP, "10.2.1.4", 7, "hb 7/tcp from 10.1.1.4:");
	expect_reachable(n, "hb", NSIM_PROTO_TCP, "10.3.1.4", 7, "hc 7/tcp from 10.2.1.4:");
	expect_reachable(n, "hc", NSIM_PROTO_TCP, "10.2.1.4", 7, "hb 7/tcp from 10.3.1.4:");
	expect_blocked(n, "ha", NSIM_PROTO_TCP, "10.3.1.4", 7);
	expect_blocked(n, "hc", NSIM_PROTO_TCP, "10.1.1.4", 7);
	down(n);
	assert_nothing_left(n);
}

static void test_overlapping_instances(void **state)
{
	(void)state;
	const char *a = instance("a"), *b = instance("b");
	up("topologies/serverless-backend.yaml", a);
	up("topologies/serverless-backend.yaml", b);
	expect_reachable(a, "fn", NSIM_PROTO_TCP, "198.51.100.20", 443, "from 203.0.113.10:");
	expect_reachable(b, "fn", NSIM_PROTO_TCP, "198.51.100.20", 443, "from 203.0.113.10:");
	down(a);
	assert_int_equal(count_namespaces(a), 0);
	/* b is untouched by a's down */
	expect_reachable(b, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, "proxy");
	down(b);
	assert_nothing_left(b);
}

static int count_ops(const char *file)
{
	static char out[1 << 20];
	assert_int_equal(run(out, sizeof(out), NULL, "plan", file, "--json", NULL), 0);
	int n = 0;
	for (const char *p = out; (p = strstr(p, "\"op\":")); p++)
		n++;
	return n;
}

static void test_rollback_every_op(void **state)
{
	(void)state;
	const char *file = "topologies/serverless-backend.yaml";
	const char *n = instance("rb");
	int n_ops = count_ops(file);
	assert_true(n_ops > 50);
	char out[8192], env[64];
	for (int i = 1; i <= n_ops; i++) {
		snprintf(env, sizeof(env), "NETSIM_FAIL_AT=%d", i);
		int r = run(out, sizeof(out), env, "up", file, "--name", n, NULL);
		if (r != 1 || !strstr(out, "removed")) {
			fprintf(stderr, "NETSIM_FAIL_AT=%d: exit %d:\n%s\n", i, r, out);
			fail();
		}
		if (count_namespaces(n) || state_exists(n)) {
			fprintf(stderr, "NETSIM_FAIL_AT=%d left %zu namespaces%s\n", i, count_namespaces(n),
				state_exists(n) ? " and state" : "");
			fail();
		}
	}
	assert_nothing_left(n);
}

static void test_down_after_kill(void **state)
{
	(void)state;
	const char *file = "topologies/serverless-backend.yaml";
	const char *n = instance("kill");
	int n_ops = count_ops(file);
	char out[8192], env[64];
	/* SIGKILL half-way through, as `kill -9` would */
	snprintf(env, sizeof(env), "NETSIM_CRASH_AT=%d", n_ops / 2);
	assert_int_equal(run(out, sizeof(out), env, "up", file, "--name", n, NULL), 128 + SIGKILL);
	assert_true(count_namespaces(n) > 0);
	assert_int_equal(run(out, sizeof(out), NULL, "ls", NULL), 0);
	assert_non_null(strstr(out, n)); /* listed, so the user knows to remove it */
	assert_int_equal(run(out, sizeof(out), NULL, "down", n, NULL), 0);
	assert_nothing_left(n);
	/* and the name can be used again */
	up(file, n);
	expect_reachable(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, "proxy");
	down(n);
	assert_nothing_left(n);
}

static void cleanup_all(void)
{
	for (size_t i = 0; i < n_names; i++)
		down(names[i]);
}

static void on_signal(int sig)
{
	cleanup_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s NETSIM-BINARY\n", argv[0]);
		return 2;
	}
	netsim = argv[1];
	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root\n");
		return 77;
	}
	if (unshare(0) < 0 || access("/proc/self/ns/net", F_OK) < 0) {
		fprintf(stderr, "skip: no network namespaces\n");
		return 77;
	}
	root_links(root_links_before, sizeof(root_links_before));
	atexit(cleanup_all);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serverless),
		cmocka_unit_test(test_lpm_and_public_ip),
		cmocka_unit_test(test_peering_not_transitive),
		cmocka_unit_test(test_overlapping_instances),
		cmocka_unit_test(test_down_after_kill),
		cmocka_unit_test(test_rollback_every_op),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup_all();
	return r;
}
