/* SPDX-License-Identifier: MIT */
/* Shared by the netns tests: run netsim as a user would, probe from inside namespaces. */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
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

#include "util.h"

const char *netsim;
static char names[32][32];
static size_t n_names;
static char root_links_before[4096];

const char *instance(const char *suffix)
{
	char *n = names[n_names++];
	snprintf(n, sizeof(names[0]), "t%d-%s", (int)getpid() % 100000, suffix);
	return n;
}

/* Runs netsim with args; stdout+stderr into out (if any). Returns the exit
 * status, or 128+signal. `env` is "VAR=value" or NULL. */
int run(char *out, size_t size, const char *env, ...)
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

void up(const char *file, const char *name)
{
	char out[8192];
	int r = run(out, sizeof(out), NULL, "up", file, "--name", name, NULL);
	if (r != 0)
		fprintf(stderr, "netsim up %s failed (%d):\n%s\n", file, r, out);
	assert_int_equal(r, 0);
}

void down(const char *name)
{
	run(NULL, 0, NULL, "down", name, NULL);
}

uint32_t A(const char *s)
{
	uint32_t a;
	assert_int_equal(nsim_addr_parse(s, &a), 0);
	return a;
}

struct nsim_probe_result probe(const char *name, const char *host, enum nsim_proto proto, const char *addr,
				      uint16_t port, int timeout_ms)
{
	char ns[128];
	snprintf(ns, sizeof(ns), "netsim-%s-%s", name, host);
	struct nsim_probe_result r;
	assert_int_equal(nsim_probe(ns, proto, A(addr), port, 0, timeout_ms, &r), 0);
	return r;
}

void expect_reachable(const char *name, const char *host, enum nsim_proto proto, const char *addr,
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

void expect_blocked(const char *name, const char *host, enum nsim_proto proto, const char *addr,
			   uint16_t port)
{
	struct nsim_probe_result r = probe(name, host, proto, addr, port, 500);
	if (r.outcome != NSIM_PROBE_DROPPED && r.outcome != NSIM_PROBE_NO_ROUTE) {
		fprintf(stderr, "%s -> %s:%u/%s: expected no path, got %s ('%s')\n", host, addr, port,
			nsim_proto_name(proto), nsim_probe_outcome_name(r.outcome), r.response);
		fail();
	}
}

size_t count_namespaces(const char *name)
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

bool state_exists(const char *name)
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

void assert_nothing_left(const char *name)
{
	char now[4096];
	assert_int_equal(count_namespaces(name), 0);
	assert_false(state_exists(name));
	root_links(now, sizeof(now));
	assert_string_equal(now, root_links_before);
}

void cleanup_all(void)
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

int netns_test_init(int argc, char **argv)
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
	if (access("/proc/self/ns/net", F_OK) < 0) {
		fprintf(stderr, "skip: no network namespaces\n");
		return 77;
	}
	root_links(root_links_before, sizeof(root_links_before));
	atexit(cleanup_all);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	return 0;
}
