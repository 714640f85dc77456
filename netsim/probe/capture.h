/* SPDX-License-Identifier: MIT */
/*
 * Packet capture inside namespaces (libpcap), for the evidence of `check`:
 * one handle per namespace on the "any" device (DLT_LINUX_SLL2, so every
 * packet carries its interface and direction), immediate mode, opened from a
 * thread that entered the namespace (a packet socket belongs to the namespace
 * it was made in). Once nsim_capture_start() returns, every handle is
 * active: packets sent after that are seen, with no sleep needed.
 *
 * A capture thread polls all handles and keeps the IPv4 packets in memory
 * until nsim_capture_stop(), which drains what is left.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "model/util.h"
#include "plan/plan.h"

struct nsim_capture;

enum nsim_pkt_dir {
	NSIM_PKT_IN = 0, /* received on the interface (PACKET_HOST, _BROADCAST, _OTHERHOST, ...) */
	NSIM_PKT_OUT,    /* sent by it (PACKET_OUTGOING) */
};

struct nsim_packet {
	size_t ns;           /* index in the namespace list given to nsim_capture_start() */
	char ifname[16];     /* resolved inside the namespace */
	enum nsim_pkt_dir dir;
	double t_ms;         /* capture timestamp, CLOCK_REALTIME in ms (comparable across namespaces);
			      * as a double, steps of 0.24 us today: hops are ~1-20 us apart, and
			      * nsim_capture_packets() is ordered by the exact nanoseconds */
	uint8_t proto;       /* IPPROTO_TCP, _UDP, _ICMP */
	uint32_t src, dst;   /* host byte order */
	uint16_t sport, dport; /* TCP/UDP ports; ICMP echo: both the echo id */
	uint8_t icmp_type;   /* ICMP only */
	uint8_t quoted_proto; /* ICMP errors: the protocol of the quoted packet (its ports in sport/dport) */
	uint8_t tcp_flags;   /* TCP only */
	/* the frame as captured (SLL2 header + IP), for pcap files */
	uint32_t caplen, len;
	uint64_t ts_sec, ts_usec; /* microseconds, as pcap files have them */
	uint8_t *data; /* caplen bytes, owned by the capture */
};

/*
 * Opens a handle in each of the n namespaces (full names, e.g.
 * "netsim-x-fn"), with the BPF `filter` (NULL: "ip"), all in parallel, and
 * starts the capture thread. Returns 0 and *ret (owned by the caller, free
 * with nsim_capture_free()), or -errno; *ret_error (caller frees) then says
 * which namespace and why, in pcap's words.
 */
_must_check_ int nsim_capture_start(const char *const *namespaces, size_t n, const char *filter, struct nsim_capture **ret,
		       char **ret_error);

/* A packet netsim's rulesets dropped, as NFLOG reported it (plan.h). */
struct nsim_drop_packet {
	struct nsim_packet p; /* no frame (data NULL), no exact order: t_ms in microseconds */
	char prefix[NSIM_PLAN_NFLOG_PREFIX_MAX]; /* "nsim:sg:0:2:i": decoded by probe/evidence.h */
	char if_in[16], if_out[16]; /* "" when the hook has none */
};

struct nsim_capture_opts {
	const char *filter; /* BPF for the interfaces; NULL: "ip" */
	/* also read netsim's NFLOG group in each namespace; a namespace where
	 * it cannot be read (another reader holds it) is left out and named by
	 * nsim_capture_nflog_error() */
	bool nflog;
	const bool *nflog_in; /* per namespace: read its group (NULL: every one) */
	/* per namespace: the bytes of its capture ring (NULL or 0: 512 KiB).
	 * The kernel allocates and clears a ring for each namespace: thousands
	 * of namespaces that see a probe or two each need far less */
	const size_t *ring_bytes;
	/* called from the capture thread as each drop is read (keep it short) */
	void (*on_drop)(void *userdata, const struct nsim_drop_packet *d);
	void *userdata;
};

/* nsim_capture_start() with options (NULL filter: "ip"). */
_must_check_ int nsim_capture_start_opts(const char *const *namespaces, size_t n, const struct nsim_capture_opts *opts,
					 struct nsim_capture **ret, char **ret_error);

/* After stop: the drops NFLOG reported, by time. Owned by the capture. */
const struct nsim_drop_packet *nsim_capture_drops(const struct nsim_capture *c, size_t *ret_n);
/* "drops in NS are not reported by the network (why): its probes wait for
 * their timeout", for the first namespace whose NFLOG group could not be
 * read; NULL when every one was. */
const char *nsim_capture_nflog_error(const struct nsim_capture *c);

/* Stops the capture thread after draining every handle. Idempotent. */
void nsim_capture_stop(struct nsim_capture *c);

/* After stop: the packets, sorted by time. Owned by the capture. */
const struct nsim_packet *nsim_capture_packets(const struct nsim_capture *c, size_t *ret_n);

/* Packets the kernel dropped before we read them (ring overflow), summed,
 * plus any read but not kept for want of memory: 0 means the capture is
 * complete. Known after stop. */
uint64_t nsim_capture_kernel_drops(const struct nsim_capture *c);

/* Writes the given packets (pointers into this capture) as a pcap file that
 * tcpdump -r and Wireshark open (DLT_LINUX_SLL: direction and protocol; the
 * interface is in the hop, not the file) to f, which stays open and owned by
 * the caller (files are created by model/fileio.h). Returns 0 or -errno. */
_must_check_ int nsim_capture_write_pcap_file(FILE *f, const struct nsim_packet *const *pkts, size_t n);
/* The same to file `path`, written as nsim_file_write() does (a temporary file
 * renamed over it, never through a symlink). Returns 0 or -errno. */
_must_check_ int nsim_capture_write_pcap(const char *path, const struct nsim_packet *const *pkts, size_t n);

void nsim_capture_free(struct nsim_capture *c);
