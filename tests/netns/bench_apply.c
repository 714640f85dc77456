/* SPDX-License-Identifier: MIT */
/*
 * Micro-benchmark of apply/: N hosts, each in its namespace with a veth to a
 * router namespace as a routed port (proxy_arp, /32 address and route), like
 * the plan's data plane, with the permanent neighbour entries of both ends.
 * Prints JSON: wall time of up (all ops in one nsim_apply_ops() call, as `up`
 * does: each host namespace is released once its last op is done) and down,
 * and the mean cost per operation kind, from one more round that applies the
 * ops one call each (so each op there also opens and releases the namespaces
 * it works in, as a one-op caller pays). Root only; removes everything it made.
 * Usage: bench-apply [N] [ROUNDS]
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply.h"
#include "model/util.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define KINDS (NSIM_OP_NEIGH + 1)

static const char *const kind_name[KINDS] = {"netns", "sysctl", "veth",  "link_up", "addr",
					     "route", "rule",   "nft",   "neigh"};
static char prefix[64];

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void down_all(void)
{
	char **names = NULL;
	if (nsim_apply_netns_list(prefix, &names, NULL) < 0)
		return;
	for (char **n = names; *n; n++)
		if (nsim_apply_netns_del(*n) < 0)
			fprintf(stderr, "bench-apply: could not remove %s\n", *n);
	nsim_apply_names_free(names);
}

static void on_signal(int sig)
{
	down_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Strings live as long as the ops: one arena of fixed-size slots. */
static char *str(char (*pool)[32], size_t *used, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static char *str(char (*pool)[32], size_t *used, const char *fmt, ...)
{
	char *s = pool[(*used)++];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, 32, fmt, ap);
	va_end(ap);
	return s;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 100, rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 3;
	if (geteuid() != 0) {
		fprintf(stderr, "bench-apply: needs root\n");
		return 77;
	}
	if (n < 1 || n > 60000 || rounds < 1)
		return 2;
	snprintf(prefix, sizeof(prefix), "netsim-bench%ld-", (long)getpid());
	atexit(down_all);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	size_t cap = 16 + (size_t)n * 14, k = 0, used = 0;
	struct nsim_op *ops = calloc(cap, sizeof(*ops));
	char(*pool)[32] = calloc((size_t)n * 4 + 8, 32);
	if (!ops || !pool)
		return 1;
	char *r = str(pool, &used, "%srouter", prefix);
	ops[k++] = (struct nsim_op){.kind = NSIM_OP_NETNS, .ns = r};
	ops[k++] = (struct nsim_op){.kind = NSIM_OP_SYSCTL, .ns = r, .key = "net/ipv4/ip_forward", .value = "1"};
	ops[k++] = (struct nsim_op){.kind = NSIM_OP_LINK_UP, .ns = r, .ifname = "lo"};
	for (unsigned i = 0; i < n; i++) {
		char *h = str(pool, &used, "%sh%u", prefix, i), *port = str(pool, &used, "p%u", i);
		char *key = str(pool, &used, "net/ipv4/conf/p%u/proxy_arp", i);
		uint32_t addr = IP(10, 0, 0, 4) + i, gw = IP(10, 0, 0, 1);
		ops[k++] = (struct nsim_op){.kind = NSIM_OP_NETNS, .ns = h};
		ops[k] = (struct nsim_op){.kind = NSIM_OP_VETH, .ns = h, .ifname = "eth0", .peer_ns = r, .peer_ifname = port};
		nsim_plan_lladdr(h, "eth0", ops[k].lladdr);
		nsim_plan_lladdr(r, port, ops[k++].peer_lladdr);
		ops[k++] = (struct nsim_op){.kind = NSIM_OP_SYSCTL, .ns = r, .key = key, .value = "1"};
		ops[k++] = (struct nsim_op){.kind = NSIM_OP_LINK_UP, .ns = h, .ifname = "lo"};
		ops[k++] = (struct nsim_op){.kind = NSIM_OP_LINK_UP, .ns = h, .ifname = "eth0"};
		ops[k++] = (struct nsim_op){.kind = NSIM_OP_LINK_UP, .ns = r, .ifname = port};
		ops[k++] = (struct nsim_op){.kind = NSIM_OP_ADDR, .ns = h, .ifname = "eth0", .addr = addr, .prefix = 32};
		ops[k++] = (struct nsim_op){.kind = NSIM_OP_ADDR, .ns = r, .ifname = port, .addr = gw, .prefix = 32};
		ops[k++] = (struct nsim_op){.kind = NSIM_OP_ROUTE, .ns = h, .ifname = "eth0", .dst = {gw, 32}, .table = NSIM_TABLE_MAIN};
		ops[k++] = (struct nsim_op){.kind = NSIM_OP_ROUTE, .ns = h, .ifname = "eth0", .gateway = gw, .table = NSIM_TABLE_MAIN};
		ops[k++] = (struct nsim_op){.kind = NSIM_OP_ROUTE, .ns = r, .ifname = port, .dst = {addr, 32}, .table = NSIM_TABLE_MAIN};
		ops[k] = (struct nsim_op){.kind = NSIM_OP_NEIGH, .ns = h, .ifname = "eth0", .addr = gw};
		nsim_plan_lladdr(r, port, ops[k++].lladdr);
		ops[k] = (struct nsim_op){.kind = NSIM_OP_NEIGH, .ns = r, .ifname = port, .addr = addr};
		nsim_plan_lladdr(h, "eth0", ops[k++].lladdr);
	}
	ops[k++] = (struct nsim_op){.kind = NSIM_OP_NFT, .ns = r,
				    .text = "table ip nat { chain post { type nat hook postrouting priority srcnat; masquerade; }; }"};

	double up_best = 1e18, down_best = 1e18, free_best = 1e18, kind_ms[KINDS] = {0};
	unsigned kind_n[KINDS] = {0};
	/* the last round applies one op per call, for the cost per kind */
	for (unsigned round = 0; round <= rounds; round++) {
		struct nsim_apply *ctx;
		double t0 = now_ms(), up, down, freed;
		int ret = nsim_apply_new(NULL, NULL, &ctx);
		if (ret < 0) {
			fprintf(stderr, "bench-apply: %s\n", strerror(-ret));
			return 1;
		}
		if (round < rounds)
			ret = nsim_apply_ops(ctx, ops, k, NULL);
		for (size_t i = 0; round == rounds && ret == 0 && i < k; i++) {
			double t = now_ms();
			ret = nsim_apply_ops(ctx, &ops[i], 1, NULL);
			kind_ms[ops[i].kind] += now_ms() - t;
			kind_n[ops[i].kind]++;
		}
		if (ret < 0) {
			fprintf(stderr, "bench-apply: %s\n", nsim_apply_last_error(ctx));
			nsim_apply_free(ctx);
			return 1;
		}
		up = now_ms() - t0;
		t0 = now_ms();
		nsim_apply_free(ctx);
		freed = now_ms() - t0;
		down_all();
		down = now_ms() - t0;
		if (round == rounds)
			break;
		up_best = up < up_best ? up : up_best;
		down_best = down < down_best ? down : down_best;
		free_best = freed < free_best ? freed : free_best;
	}
	printf("{\"hosts\": %u, \"ops\": %zu, \"rounds\": %u, \"up_ms\": %.1f, \"down_ms\": %.1f, \"ctx_free_ms\": %.1f,"
	       " \"per_op_us\": {",
	       n, k, rounds, up_best, down_best, free_best);
	for (int i = 0, first = 1; i < KINDS; i++)
		if (kind_n[i]) {
			printf("%s\"%s\": %.1f", first ? "" : ", ", kind_name[i], kind_ms[i] * 1e3 / kind_n[i]);
			first = 0;
		}
	printf("}}\n");
	free(ops);
	free(pool);
	return 0;
}
