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

#include "util.h"

/* ---- the tests ---- */

static void test_serverless(void **state)
{
	(void)state;
	const char *n = instance("sb");
	up("topologies/serverless-backend.yaml", n);
	/* fn -> proxy, same subnet, through the VPC router */
	/* the proxy relays to db (targets: [db]): db answers, and saw the proxy */
	expect_reachable(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, "db 3306/tcp from 10.0.3.20:");
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
	/* ping to the internet through the NAT */
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
	/* a listener that is not there is refused: the path works (both in the default group) */
	struct nsim_probe_result r = probe(n, "worker", NSIM_PROTO_TCP, "10.10.1.5", 9999, 2000);
	assert_int_equal(r.outcome, NSIM_PROBE_REFUSED);
	expect_reachable(n, "worker", NSIM_PROTO_ICMP, "10.10.1.5", 0, NULL);
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
	expect_reachable(b, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, "db 3306/tcp from 10.0.3.20:");
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
	expect_reachable(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, "db 3306/tcp from 10.0.3.20:");
	down(n);
	assert_nothing_left(n);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serverless),
		cmocka_unit_test(test_lpm_and_public_ip),
		cmocka_unit_test(test_peering_not_transitive),
		cmocka_unit_test(test_overlapping_instances),
		cmocka_unit_test(test_down_after_kill),
		cmocka_unit_test(test_rollback_every_op),
	};
	r = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup_all();
	return r;
}
