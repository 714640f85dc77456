/* SPDX-License-Identifier: MIT */
/*
 * Kernel limits at scale, as a user meets them. argv[1]: the netsim binary.
 * Root; exit 77 (skip) where namespaces can't be made. Instances are named
 * t<pid>-..., removed at the end pass or fail.
 *
 *  - file descriptors: `up` of a 2000-host topology under `ulimit -n 256`
 *    (which stopped near 500 hosts under 1024 when `up` kept every
 *    namespace's fd and socket to the end), and the error that names the limit
 *    when it is too low even so;
 *  - the neighbour table: every host of that topology reaches the internet
 *    through the NAT gateway (4000+ neighbour entries, beyond the kernel's
 *    default gc_thresh3 of 1024 dynamic ones, which made a third of such
 *    probes fail); netsim's entries are permanent, with the MACs the plan gave.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/net.h"
#include "plan/plan.h"
#include "probe/probe.h"

#include "util.h"

#define SCALE_HOSTS 2000
#define S(x) ((char *)(x)) /* argv wants char *; -Wwrite-strings makes literals const */

/* Runs argv[0] with argv and RLIMIT_NOFILE (soft and hard) `nofile` (0 =
 * unchanged), stdout+stderr into out; `to_file` (may be NULL) takes stdout
 * instead. Returns the exit status, or 128+signal. */
static int spawn(char *out, size_t size, rlim_t nofile, const char *to_file, char *const argv[])
{
	int pipefd[2];
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		if (to_file) {
			int fd = open(to_file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
		}
		struct rlimit rl = {nofile, nofile};
		if (nofile && setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(125);
		execv(argv[0], argv);
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
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* scripts/gen-topology ARGS... into a new temporary file; returns its path (malloc'd). */
static char *gen_topology(const char *hosts, const char *name)
{
	char *path = strdup("/tmp/netsim-test-scale-XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char err[1024];
	char *const argv[] = {S("/usr/bin/python3"), S("scripts/gen-topology"), S("--no-listen"), (char *)hosts, (char *)name, NULL};
	int r = spawn(err, sizeof(err), 0, path, argv);
	if (r != 0)
		fprintf(stderr, "gen-topology: %d: %s\n", r, err);
	assert_int_equal(r, 0);
	return path;
}

/* netsim up FILE --name NAME under RLIMIT_NOFILE nofile */
static int up_limited(char *out, size_t size, rlim_t nofile, const char *file, const char *name)
{
	char *const argv[] = {(char *)netsim, S("up"), (char *)file, S("--name"), (char *)name, NULL};
	return spawn(out, size, nofile, NULL, argv);
}

/* /proc/net/stat/arp_cache: the kernel's count of allocations refused
 * because the (global) neighbour table was full, summed over CPUs. */
static unsigned long long table_fulls(void)
{
	FILE *f = fopen("/proc/net/stat/arp_cache", "re");
	char line[1024];
	unsigned long long sum = 0;
	int col = -1;
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f)) {
		int i = 0;
		for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n"), i++)
			if (streq(tok, "table_fulls"))
				col = i;
	}
	while (col >= 0 && fgets(line, sizeof(line), f)) {
		int i = 0;
		for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n"), i++)
			if (i == col)
				sum += strtoull(tok, NULL, 16);
	}
	fclose(f);
	return sum;
}

struct sweep {
	const char *name;
	atomic_int next, reached;
	char first_failure[256];
	pthread_mutex_t lock;
};

/* Every host -> api:443 through the NAT gateway, the responder reporting the elastic IP. */
static void *sweep_worker(void *p)
{
	struct sweep *s = p;
	for (int i; (i = atomic_fetch_add(&s->next, 1)) < SCALE_HOSTS;) {
		char ns[128];
		snprintf(ns, sizeof(ns), "netsim-%s-h%d", s->name, i);
		struct nsim_probe_result r;
		int k = nsim_probe(ns, NSIM_PROTO_TCP, A("198.51.100.20"), 443, 0, 5000, &r);
		if (k == 0 && r.outcome == NSIM_PROBE_REACHABLE && strstr(r.response, "from 203.0.113.10:")) {
			atomic_fetch_add(&s->reached, 1);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		if (!s->first_failure[0])
			snprintf(s->first_failure, sizeof(s->first_failure), "h%d: %s (%s), response '%s'", i,
				 k ? "no thread" : nsim_probe_outcome_name(r.outcome), strerror(k ? -k : r.error),
				 r.response);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static void test_2000_hosts_256_fds(void **state)
{
	(void)state;
	const char *n = instance("fd");
	char *file = gen_topology("2000", n);
	char out[4096];
	int r = up_limited(out, sizeof(out), 256, file, n);
	unlink(file); /* before any assert: up keeps its own copy */
	free(file);
	if (r != 0)
		fprintf(stderr, "netsim up (ulimit -n 256) failed (%d):\n%s\n", r, out);
	assert_int_equal(r, 0);
	assert_int_equal(count_namespaces(n), SCALE_HOSTS + 6); /* + internet, vpc, nat, igw, api, client */

	/* the neighbour table: every host to the internet and back */
	unsigned long long fulls = table_fulls();
	struct sweep s = {.name = n, .lock = PTHREAD_MUTEX_INITIALIZER};
	pthread_t th[8];
	for (size_t i = 0; i < ELEMENTSOF(th); i++)
		assert_int_equal(pthread_create(&th[i], NULL, sweep_worker, &s), 0);
	for (size_t i = 0; i < ELEMENTSOF(th); i++)
		pthread_join(th[i], NULL);
	fprintf(stderr, "# %d of %d hosts reached api through the NAT; neighbour table overflows meanwhile "
			"(kernel-wide, any process): %llu\n",
		atomic_load(&s.reached), SCALE_HOSTS, table_fulls() - fulls);
	if (s.first_failure[0])
		fprintf(stderr, "first failure: %s\n", s.first_failure);
	assert_int_equal(atomic_load(&s.reached), SCALE_HOSTS);

	assert_int_equal(run(out, sizeof(out), NULL, "down", n, NULL), 0);
	assert_nothing_left(n);
}

/* Too few fds even so: the error names the limit and what to do, and the
 * rollback leaves nothing. */
static void test_fd_limit_message(void **state)
{
	(void)state;
	const char *n = instance("fdmsg");
	char *file = gen_topology("20", n);
	char out[8192];
	int r = up_limited(out, sizeof(out), 8, file, n);
	unlink(file);
	free(file);
	fprintf(stderr, "# %s", out);
	assert_int_not_equal(r, 0);
	assert_non_null(strstr(out, "Too many open files"));
	assert_non_null(strstr(out, "limit on open files (RLIMIT_NOFILE, ulimit -n: 8"));
	assert_non_null(strstr(out, "raise it (ulimit -n)"));
	assert_non_null(strstr(out, "everything made so far was removed"));
	assert_nothing_left(n);
}

/* With enough namespaces (100 hosts) a second thread makes them ahead of the
 * applying one (apply/netns.c): an `up` that fails at any of these ops still
 * removes every namespace, those made ahead but never reached included, and
 * a `down` after a SIGKILL removes them too. */
static void test_rollback_made_ahead(void **state)
{
	(void)state;
	const char *n = instance("ahead");
	char *file = gen_topology("100", n);
	static char out[1 << 20];
	char env[64];
	assert_int_equal(run(out, sizeof(out), NULL, "plan", file, "--json", NULL), 0);
	int n_ops = 0;
	for (const char *p = out; (p = strstr(p, "\"op\":")); p++)
		n_ops++;
	assert_true(n_ops > 1000);
	const int at[] = {1, 2, 3, 10, 40, n_ops / 3, n_ops / 2, n_ops - 1, n_ops};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		snprintf(env, sizeof(env), "NETSIM_FAIL_AT=%d", at[i]);
		int r = run(out, sizeof(out), env, "up", file, "--name", n, NULL);
		if (r != 1 || !strstr(out, "removed") || count_namespaces(n) || state_exists(n)) {
			fprintf(stderr, "NETSIM_FAIL_AT=%d: exit %d, %zu namespaces left:\n%s\n", at[i], r,
				count_namespaces(n), out);
			fail();
		}
	}
	snprintf(env, sizeof(env), "NETSIM_CRASH_AT=%d", 40);
	assert_int_equal(run(out, sizeof(out), env, "up", file, "--name", n, NULL), 128 + SIGKILL);
	assert_true(count_namespaces(n) > 0);
	assert_int_equal(run(out, sizeof(out), NULL, "down", n, NULL), 0);
	unlink(file);
	free(file);
	assert_nothing_left(n);
}

/* The entries are permanent and carry the MACs the plan gave both ends. */
static void test_neigh_permanent(void **state)
{
	(void)state;
	const char *n = instance("neigh");
	up("topologies/minimal.yaml", n);
	char client[64], router[64], cmac[NSIM_LLADDR_STRLEN], rmac[NSIM_LLADDR_STRLEN], want[256], out[8192];
	uint8_t a[NSIM_LLADDR_LEN];
	nsim_plan_ns_name(client, sizeof(client), n, "client");
	nsim_plan_ns_name(router, sizeof(router), n, "demo");
	nsim_plan_lladdr(client, "eth0", a);
	nsim_plan_lladdr_fmt(a, cmac);
	nsim_plan_lladdr(router, "h-client", a);
	nsim_plan_lladdr_fmt(a, rmac);

	/* a flow first: it must not turn the entries into learned ones */
	expect_reachable(n, "client", NSIM_PROTO_TCP, "10.0.1.10", 80, "from 10.0.1.4:");

	char *const show_c[] = {S("/usr/sbin/ip"), S("-n"), client, S("neigh"), S("show"), S("dev"), S("eth0"), NULL};
	assert_int_equal(spawn(out, sizeof(out), 0, NULL, show_c), 0);
	snprintf(want, sizeof(want), "10.0.1.1 lladdr %s PERMANENT", rmac);
	if (!strstr(out, want))
		fprintf(stderr, "in %s: want '%s', got:\n%s\n", client, want, out);
	assert_non_null(strstr(out, want));
	char *const show_r[] = {S("/usr/sbin/ip"), S("-n"), router, S("neigh"), S("show"), S("dev"), S("h-client"), NULL};
	assert_int_equal(spawn(out, sizeof(out), 0, NULL, show_r), 0);
	snprintf(want, sizeof(want), "10.0.1.4 lladdr %s PERMANENT", cmac);
	if (!strstr(out, want))
		fprintf(stderr, "in %s: want '%s', got:\n%s\n", router, want, out);
	assert_non_null(strstr(out, want));
	/* the interfaces have those MACs */
	char *const link_c[] = {S("/usr/sbin/ip"), S("-n"), client, S("link"), S("show"), S("eth0"), NULL};
	assert_int_equal(spawn(out, sizeof(out), 0, NULL, link_c), 0);
	assert_non_null(strstr(out, cmac));

	/* a probe that cannot open its namespace for want of fds names the limit */
	struct rlimit saved, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	int lowest = dup(0);
	assert_true(lowest >= 0);
	close(lowest);
	low = (struct rlimit){(rlim_t)lowest, saved.rlim_max};
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	struct nsim_probe_result pr;
	int k = nsim_probe(client, NSIM_PROTO_TCP, A("10.0.1.10"), 80, 0, 1000, &pr);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_int_equal(k, 0);
	fprintf(stderr, "# probe under ulimit -n %d: %s: %s\n", lowest, strerror(pr.error), pr.detail);
	assert_int_equal(pr.outcome, NSIM_PROBE_ERROR);
	assert_int_equal(pr.error, EMFILE);
	assert_non_null(strstr(pr.detail, "limit on open files (RLIMIT_NOFILE, ulimit -n: "));

	down(n);
	assert_nothing_left(n);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_neigh_permanent),
		cmocka_unit_test(test_fd_limit_message),
		cmocka_unit_test(test_rollback_made_ahead),
		cmocka_unit_test(test_2000_hosts_256_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
