/* SPDX-License-Identifier: MIT */
/*
 * run: services as a user sees them: a host's own server on its listen: port
 * (no responder there, no "netsim bug" in check), a service that never gets
 * ready failing `up` with its log's tail and leaving nothing, `netsim logs`,
 * and `down` stopping what `netsim exec` started. argv[1]: the netsim binary.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

static void test_service_serves_its_port(void **state)
{
	(void)state;
	const char *n = instance("svc");
	char out[16384];
	up("tests/data/netns/services.yaml", n);
	/* the host's own server answers, not the responder */
	assert_int_equal(run(out, sizeof(out), NULL, "exec", n, "client", "--", "sh", "-c",
			     "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 10.0.1.5 8080 | head -1", NULL), 0);
	assert_non_null(strstr(out, "HTTP/1.0 200"));
	assert_null(strstr(out, "netsim web"));
	/* the service's environment */
	assert_int_equal(run(out, sizeof(out), NULL, "exec", n, "client", "--", "sh", "-c",
			     "echo host=$NETSIM_HOST instance=$NETSIM_INSTANCE", NULL), 0);
	assert_non_null(strstr(out, "host=client"));
	/* check proves it with packets, with no "netsim bug" from the host's own service */
	assert_int_equal(run(out, sizeof(out), NULL, "check", n, NULL), 0);
	assert_null(strstr(out, "netsim bug"));
	assert_non_null(strstr(out, "1 passed, 0 failed"));
	/* its log has the request */
	assert_int_equal(run(out, sizeof(out), NULL, "logs", n, "web", NULL), 0);
	assert_non_null(strstr(out, "Serving HTTP on 0.0.0.0 port 8080"));
	assert_non_null(strstr(out, "\"GET / HTTP/1.0\" 200"));
	assert_int_equal(run(out, sizeof(out), NULL, "logs", n, "client", NULL), 1);
	assert_non_null(strstr(out, "has no log for 'client'"));

	/* logs -f: what is there, then what is written, until the instance goes down */
	int lfd[2];
	assert_int_equal(pipe2(lfd, O_CLOEXEC), 0);
	pid_t follower = fork();
	assert_true(follower >= 0);
	if (follower == 0) {
		dup2(lfd[1], 1);
		execl(netsim, netsim, "logs", n, "web", "-f", (char *)NULL);
		_exit(127);
	}
	close(lfd[1]);
	assert_int_equal(netns_track_child(follower), 0);
	char followed[8192] = "";
	size_t got = 0;
	while (!strstr(followed, "Serving HTTP")) {
		ssize_t k = read(lfd[0], followed + got, sizeof(followed) - 1 - got);
		assert_true(k > 0);
		got += (size_t)k;
		followed[got] = '\0';
	}
	assert_int_equal(run(out, sizeof(out), NULL, "exec", n, "client", "--", "sh", "-c",
			     "printf 'GET /followed HTTP/1.0\\r\\n\\r\\n' | nc -w 5 10.0.1.5 8080 >/dev/null", NULL), 0);
	while (!strstr(followed, "GET /followed")) {
		ssize_t k = read(lfd[0], followed + got, sizeof(followed) - 1 - got);
		assert_true(k > 0);
		got += (size_t)k;
		followed[got] = '\0';
	}

	/* a process started later with exec belongs to the instance: down stops it and says so */
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		execl(netsim, netsim, "exec", n, "client", "--", "sh", "-c", "echo ready; exec sleep 1000", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	assert_int_equal(netns_track_child(pid), 0);
	/* "ready": the command runs in the namespace (exec replaced netsim: same PID) */
	char line[16] = "";
	assert_true(read(fds[0], line, sizeof(line) - 1) > 0);
	close(fds[0]);
	assert_non_null(strstr(line, "ready"));
	assert_int_equal(run(out, sizeof(out), NULL, "down", n, NULL), 0);
	char want[128];
	snprintf(want, sizeof(want), "stopped pid %d (", (int)pid);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), ") in netsim-%s-client", n);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "stopped service (pid "));
	assert_null(strstr(out, "left alone"));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	netns_untrack_child(pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	/* the follower ends by itself once the instance is down */
	assert_int_equal(waitpid(follower, &status, 0), follower);
	netns_untrack_child(follower);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(lfd[0]);
	assert_nothing_left(n);
}

static void test_never_ready_fails_up(void **state)
{
	(void)state;
	const char *n = instance("nr");
	char out[16384];
	assert_int_equal(run(out, sizeof(out), NULL, "up", "tests/data/netns/never-ready.yaml", "--name", n, NULL), 1);
	assert_non_null(strstr(out, "service-web of host web is not ready"));
	assert_non_null(strstr(out, "within 300 ms (ready_timeout)"));
	/* the tail of its log, with the environment it had */
	char want[128];
	snprintf(want, sizeof(want), "    starting on web in %s\n", n);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "    cannot bind 8080"));
	assert_non_null(strstr(out, "everything made so far was removed"));
	assert_nothing_left(n);
}

/* targets: the proxy relays to db: db's responder line reaches fn, with the proxy's address as source */
static void test_relay(void **state)
{
	(void)state;
	const char *n = instance("rl");
	char out[16384];
	up("tests/data/netns/relay.yaml", n);
	expect_reachable(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, "netsim db 3306/tcp from 10.0.3.20:");
	assert_int_equal(run(out, sizeof(out), NULL, "logs", n, "proxy", NULL), 0);
	assert_non_null(strstr(out, "netsim relay proxy 3306/tcp: 10.0.3.4:"));
	assert_non_null(strstr(out, " -> db 3306/tcp"));

	/* exec has the host's DNS configuration: its VPC's resolver answers the private names */
	char before[4096] = "", after[4096] = "";
	FILE *f = fopen("/etc/resolv.conf", "re");
	if (f) {
		size_t k = fread(before, 1, sizeof(before) - 1, f);
		before[k] = '\0';
		fclose(f);
	}
	assert_int_equal(run(out, sizeof(out), NULL, "exec", n, "fn", "--", "sh", "-c",
			     "cat /etc/resolv.conf; getent hosts ip-10-0-4-4.ec2.internal", NULL), 0);
	assert_non_null(strstr(out, "nameserver 10.0.0.2"));
	assert_non_null(strstr(out, "10.0.4.4        ip-10-0-4-4.ec2.internal"));
	/* and the machine's file is untouched: the bind mount stayed in exec's own mount namespace */
	f = fopen("/etc/resolv.conf", "re");
	if (f) {
		size_t k = fread(after, 1, sizeof(after) - 1, f);
		after[k] = '\0';
		fclose(f);
	}
	assert_string_equal(before, after);
	assert_null(strstr(after, "nameserver 10.0.0.2"));
	assert_int_equal(run(out, sizeof(out), NULL, "down", n, NULL), 0);
	assert_nothing_left(n);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_serves_its_port),
		cmocka_unit_test(test_never_ready_fails_up),
		cmocka_unit_test(test_relay),
	};
	r = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup_all();
	return r;
}
