/* SPDX-License-Identifier: MIT */
/*
 * libpcap capture inside namespaces: a probe sent right after
 * nsim_capture_start() returns is seen at every hop, in path order, with the
 * addresses as translated there, and written to a pcap file libpcap reads
 * back. argv[1]: the netsim binary. Root; exit 77 (skip) otherwise.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "probe/capture.h"
#include "probe/probe.h"

#include "util.h"

#define TCP_SYN 0x02
#define TCP_ACK 0x10

/* the lpm topology, worker -> web:80 through the NAT gateway, in path order */
static const char *const path[] = {"worker", "vpc", "nat", "igw", "internet", "web"};
#define N_PATH (sizeof(path) / sizeof(path[0]))

static const char *lpm; /* the instance, up for the whole file */
static char ns_names[N_PATH][64];
static const char *ns[N_PATH];

static int setup(void **state)
{
	(void)state;
	lpm = instance("cap");
	up("tests/data/netns/lpm.yaml", lpm);
	for (size_t i = 0; i < N_PATH; i++) {
		snprintf(ns_names[i], sizeof(ns_names[i]), "netsim-%s-%s", lpm, path[i]);
		ns[i] = ns_names[i];
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	down(lpm);
	assert_nothing_left(lpm);
	return 0;
}

static bool is_syn(const struct nsim_packet *p)
{
	return p->proto == IPPROTO_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && p->dport == 80;
}

/* The SYN at namespace `at`, in direction `dir` (the first one). */
static const struct nsim_packet *syn_at(const struct nsim_packet *pkts, size_t n, size_t at, enum nsim_pkt_dir dir,
					 uint32_t src)
{
	for (size_t i = 0; i < n; i++)
		if (pkts[i].ns == at && pkts[i].dir == dir && is_syn(&pkts[i]) && (!src || pkts[i].src == src))
			return &pkts[i];
	return NULL;
}

static void dump(const struct nsim_packet *pkts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct nsim_packet *p = &pkts[i];
		fprintf(stderr, "  %.6f %-9s %-4s %-12s %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u proto %u flags %#x\n",
			p->t_ms - pkts[0].t_ms, path[p->ns], p->dir == NSIM_PKT_OUT ? "out" : "in", p->ifname,
			p->src >> 24, p->src >> 16 & 255, p->src >> 8 & 255, p->src & 255, p->sport, p->dst >> 24,
			p->dst >> 16 & 255, p->dst >> 8 & 255, p->dst & 255, p->dport, p->proto, p->tcp_flags);
	}
}

/* One hop: the SYN entering on `in_if` with source `in_src`, leaving on
 * `out_if` with source `out_src` (NULL: it ends here). */
static void expect_hop(const struct nsim_packet *pkts, size_t n, size_t at, const char *in_if, const char *in_src,
		       const char *out_if, const char *out_src)
{
	if (in_if) {
		const struct nsim_packet *p = syn_at(pkts, n, at, NSIM_PKT_IN, A(in_src));
		if (!p) {
			fprintf(stderr, "no SYN from %s entering %s\n", in_src, path[at]);
			dump(pkts, n);
			fail();
		}
		assert_string_equal(p->ifname, in_if);
		assert_int_equal(p->dst, A("198.51.100.80"));
	}
	if (out_if) {
		const struct nsim_packet *p = syn_at(pkts, n, at, NSIM_PKT_OUT, A(out_src));
		if (!p) {
			fprintf(stderr, "no SYN from %s leaving %s\n", out_src, path[at]);
			dump(pkts, n);
			fail();
		}
		assert_string_equal(p->ifname, out_if);
		assert_int_equal(p->dst, A("198.51.100.80"));
	}
}

static void test_path(void **state)
{
	(void)state;
	struct nsim_capture *c = NULL;
	char *error = NULL;
	int r = nsim_capture_start(ns, N_PATH, "tcp port 80", &c, &error);
	if (r < 0)
		fprintf(stderr, "%s\n", error ? error : strerror(-r));
	assert_int_equal(r, 0);
	/* no sleep: the handles are active once start returns */
	struct nsim_probe_result pr = probe(lpm, "worker", NSIM_PROTO_TCP, "198.51.100.80", 80, 2000);
	assert_int_equal(pr.outcome, NSIM_PROBE_REACHABLE);
	nsim_capture_stop(c);
	nsim_capture_stop(c); /* idempotent */

	size_t n;
	const struct nsim_packet *pkts = nsim_capture_packets(c, &n);
	assert_true(n >= 2 * N_PATH);
	assert_int_equal(nsim_capture_kernel_drops(c), 0);
	for (size_t i = 1; i < n; i++)
		assert_true(pkts[i - 1].t_ms <= pkts[i].t_ms);

	/* the SYN's first sighting at each namespace, in path order */
	size_t first[N_PATH];
	for (size_t at = 0; at < N_PATH; at++) {
		for (first[at] = 0; first[at] < n; first[at]++)
			if (pkts[first[at]].ns == at && is_syn(&pkts[first[at]]))
				break;
		if (first[at] == n) {
			fprintf(stderr, "the SYN was not seen at %s\n", path[at]);
			dump(pkts, n);
			fail();
		}
		if (at > 0 && !(first[at] > first[at - 1] && pkts[first[at]].t_ms >= pkts[first[at - 1]].t_ms)) {
			fprintf(stderr, "the SYN was seen at %s before %s\n", path[at], path[at - 1]);
			dump(pkts, n);
			fail();
		}
	}

	/* per hop: interfaces, and the source before and after translation */
	expect_hop(pkts, n, 0, NULL, NULL, "eth0", "10.10.2.4");
	expect_hop(pkts, n, 1, "h-worker", "10.10.2.4", "n-nat", "10.10.2.4");
	expect_hop(pkts, n, 2, "eth0", "10.10.2.4", "eth0", "10.10.1.4"); /* the NAT gateway's private address */
	expect_hop(pkts, n, 1, "n-nat", "10.10.1.4", "igw", "10.10.1.4");
	expect_hop(pkts, n, 3, "vpc", "10.10.1.4", "inet", "203.0.113.50"); /* the elastic IP */
	expect_hop(pkts, n, 4, "g-igw", "203.0.113.50", "h-web", "203.0.113.50");
	expect_hop(pkts, n, 5, "eth0", "203.0.113.50", NULL, NULL);
	/* the frame is kept as captured: SLL2 (20 bytes) then the IP header */
	const struct nsim_packet *w = syn_at(pkts, n, 5, NSIM_PKT_IN, 0);
	assert_true(w->caplen >= 20 + 20 + 20 && w->caplen <= w->len);
	assert_int_equal(w->data[0] << 8 | w->data[1], 0x0800);
	assert_int_equal(w->data[20] >> 4, 4);

	/* the replies come back too: the SYN-ACK at the worker, to its own address */
	bool synack = false;
	for (size_t i = 0; i < n; i++)
		synack |= pkts[i].ns == 0 && pkts[i].dir == NSIM_PKT_IN && pkts[i].sport == 80 &&
			  (pkts[i].tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) &&
			  pkts[i].dst == A("10.10.2.4");
	assert_true(synack);

	/* a pcap file of everything seen at the NAT gateway, read back */
	char dir[] = "/tmp/netsim-capture-XXXXXX", file[64];
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/nat.pcap", dir);
	const struct nsim_packet **sel = calloc(n, sizeof(*sel));
	assert_non_null(sel);
	size_t n_sel = 0;
	for (size_t i = 0; i < n; i++)
		if (pkts[i].ns == 2)
			sel[n_sel++] = &pkts[i];
	assert_true(n_sel >= 2);
	r = nsim_capture_write_pcap(file, sel, n_sel);
	free(sel);
	assert_int_equal(r, 0);
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(file, err);
	if (!p)
		fprintf(stderr, "%s\n", err);
	assert_non_null(p);
	/* files are SLL (16 bytes): SLL2's interface index would be resolved by the reader, wrongly */
	assert_int_equal(pcap_datalink(p), DLT_LINUX_SLL);
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t n_read = 0;
	bool translated = false;
	while (pcap_next_ex(p, &h, &data) == 1) {
		n_read++;
		/* the source as it left the NAT: 10.10.1.4 */
		translated |= h->caplen >= 36 && data[16 + 12] == 10 && data[16 + 13] == 10 && data[16 + 14] == 1 &&
			      data[16 + 15] == 4;
	}
	pcap_close(p);
	assert_int_equal(n_read, n_sel);
	assert_true(translated);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(rmdir(dir), 0);
	/* an unwritable path is an error, not a crash */
	assert_int_equal(nsim_capture_write_pcap("/nonexistent/x.pcap", &w, 1), -ENOENT);

	nsim_capture_free(c);
	free(error);
}

/* The default filter ("ip") sees UDP and ICMP too, with their ports and echo ids. */
static void test_default_filter(void **state)
{
	(void)state;
	struct nsim_capture *c = NULL;
	char *error = NULL;
	assert_int_equal(nsim_capture_start(ns, 1, NULL, &c, &error), 0);
	assert_int_equal(probe(lpm, "worker", NSIM_PROTO_UDP, "198.51.100.80", 53, 2000).outcome,
			 NSIM_PROBE_REACHABLE);
	assert_int_equal(probe(lpm, "worker", NSIM_PROTO_ICMP, "10.10.1.5", 0, 2000).outcome, NSIM_PROBE_REACHABLE);
	nsim_capture_stop(c);
	size_t n;
	const struct nsim_packet *pkts = nsim_capture_packets(c, &n);
	bool udp = false, echo = false, reply = false;
	for (size_t i = 0; i < n; i++) {
		const struct nsim_packet *p = &pkts[i];
		assert_int_equal(p->ns, 0);
		udp |= p->proto == IPPROTO_UDP && p->dport == 53 && p->dir == NSIM_PKT_OUT;
		echo |= p->proto == IPPROTO_ICMP && p->icmp_type == 8 && p->dir == NSIM_PKT_OUT && p->sport == p->dport;
		reply |= p->proto == IPPROTO_ICMP && p->icmp_type == 0 && p->dir == NSIM_PKT_IN &&
			 p->src == A("10.10.1.5");
	}
	if (!udp || !echo || !reply)
		dump(pkts, n);
	assert_true(udp && echo && reply);
	nsim_capture_free(c);
	free(error);
}

/* A namespace that is not there: an error naming it, nothing left open. */
static void test_missing_namespace(void **state)
{
	(void)state;
	char missing[64];
	snprintf(missing, sizeof(missing), "netsim-%s-nothere", lpm);
	const char *list[] = {ns[0], missing, ns[1], ns[2]};
	struct nsim_capture *c = NULL;
	char *error = NULL;
	assert_int_equal(nsim_capture_start(list, 4, NULL, &c, &error), -ENOENT);
	assert_null(c);
	assert_non_null(error);
	assert_non_null(strstr(error, "capture in "));
	assert_non_null(strstr(error, missing));
	free(error);

	/* a filter pcap cannot compile, in its words */
	error = NULL;
	assert_int_equal(nsim_capture_start(ns, 2, "tcp port", &c, &error), -EINVAL);
	assert_null(c);
	assert_non_null(error);
	assert_non_null(strstr(error, "capture in netsim-"));
	free(error);

	/* nothing at all: a capture of nothing, fine */
	assert_int_equal(nsim_capture_start(NULL, 0, NULL, &c, NULL), 0);
	nsim_capture_stop(c);
	size_t n = 1;
	nsim_capture_packets(c, &n);
	assert_int_equal(n, 0);
	nsim_capture_free(c);
	nsim_capture_free(NULL);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_default_filter),
		cmocka_unit_test(test_missing_namespace),
	};
	r = cmocka_run_group_tests(tests, setup, teardown);
	cleanup_all();
	return r;
}
