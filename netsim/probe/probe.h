/* SPDX-License-Identifier: MIT */
/*
 * Probes: one TCP connect + response, one UDP request/response, or one ICMP
 * echo, sent from inside a namespace by a thread that entered it (setns
 * affects only the calling thread), so nothing is forked or exec'd.
 */
#pragma once

#include <stdint.h>

#include "model/model.h"
#include "model/util.h"

enum nsim_probe_outcome {
	NSIM_PROBE_REACHABLE = 0, /* connected (or echoed) and got the responder's line */
	NSIM_PROBE_REFUSED,       /* TCP RST or ICMP port unreachable: the path works, nothing listens */
	NSIM_PROBE_DROPPED,       /* no answer within the timeout */
	NSIM_PROBE_NO_ROUTE,      /* no route (locally, or ICMP net/host unreachable from a router) */
	NSIM_PROBE_ERROR,         /* the probe itself failed (namespace gone, a kernel limit hit: see detail) */
};

struct nsim_probe_result {
	enum nsim_probe_outcome outcome;
	int error;          /* errno behind REFUSED/NO_ROUTE/ERROR */
	char response[128]; /* the responder's line, without newline ("" if none) */
	double ms;          /* time to the outcome */
	uint16_t sport;     /* the source port (or echo id) used */
	/* With outcome ERROR because a kernel or process limit was reached
	 * (EMFILE, ENFILE, ENOBUFS for the neighbour table...): which limit, its
	 * value and what to do, in words; "" otherwise. */
	char detail[512];
};

/* Sends the probe from namespace `ns` (a full name, e.g. netsim-x-fn) to
 * addr:port. A probe that got no answer while the kernel's neighbour table
 * (one for all namespaces) refused entries is not a verdict: its outcome is
 * ERROR with error ENOBUFS and the words in detail. `sport` is the source port (TCP/UDP) or the echo id (ICMP) to
 * use, so captures can tell this probe's packets from others' (0: any; a
 * port already taken falls back to any). Returns 0 with *ret filled (the
 * outcome is in it), or -errno when no thread could be made. */
_must_check_ int nsim_probe(const char *ns, enum nsim_proto proto, uint32_t addr, uint16_t port, uint16_t sport,
	       int timeout_ms, struct nsim_probe_result *ret);

/* The same, ended early when stop_fd (-1: none) becomes readable: the
 * network reported that it dropped the probe's packet (probe/check.c reads
 * netsim's NFLOG group). The outcome is then DROPPED with error ECANCELED,
 * without waiting for the timeout. */
_must_check_ int nsim_probe_until(const char *ns, enum nsim_proto proto, uint32_t addr, uint16_t port, uint16_t sport,
				  int timeout_ms, int stop_fd, struct nsim_probe_result *ret);

const char *nsim_probe_outcome_name(enum nsim_probe_outcome o);

/* ---- names: a DNS query from inside a host ---- */

enum nsim_probe_dns_outcome {
	NSIM_PROBE_DNS_ANSWER = 0, /* an A record: addr */
	NSIM_PROBE_DNS_NXDOMAIN,   /* the resolver says the name does not exist */
	NSIM_PROBE_DNS_NODATA,     /* the name exists but has no A record */
	NSIM_PROBE_DNS_TIMEOUT,    /* the resolver did not answer */
	NSIM_PROBE_DNS_ERROR,      /* the query could not be sent (see error) */
};

struct nsim_probe_answer {
	enum nsim_probe_dns_outcome outcome;
	uint32_t addr;     /* the first A record (after any CNAME) */
	char cname[256];   /* the canonical name when the answer went through a CNAME, "" otherwise */
	int error;         /* errno behind ERROR */
	double ms;
};

/* Resolves `name` (type A) from inside namespace `ns` through the DNS server
 * at `resolver` (the VPC's Amazon-provided DNS server, base +2), with
 * glibc's libresolv and a private resolver state, in a thread of its own
 * (setns moves only that thread). Returns 0 with *ret filled (the outcome is
 * in it, every failure of the query too), or -errno when no thread could be
 * made. */
_must_check_ int nsim_probe_resolve(const char *ns, uint32_t resolver, const char *name, int timeout_ms,
				    struct nsim_probe_answer *ret);
const char *nsim_probe_dns_outcome_name(enum nsim_probe_dns_outcome o);

/* ---- commands: a `command:` expectation ---- */

struct nsim_probe_command_result {
	bool exited;        /* exited on its own (exit_code), or was killed (signal) */
	int exit_code;
	int signal;
	bool timed_out;     /* killed (its process group, SIGKILL) at the timeout */
	char output[2048];  /* the last bytes of stdout+stderr, as written (may hold any byte) */
	size_t output_len;
	size_t output_total; /* every byte it wrote */
	double t0, t1;      /* CLOCK_REALTIME ms: started, ended (the captures' clock) */
	double ms;
	int error;          /* errno when it could not be started (then exited false, signal 0) */
	char detail[256];   /* what could not be done, "" otherwise */
};

/* A host's DNS configuration for a command: the texts bound over
 * /etc/resolv.conf and /etc/hosts (the plan's, plan/dns.c: what `exec` and
 * services see), NULL: that file is left as the machine's. */
struct nsim_probe_dns_conf {
	const char *resolv_conf;
	const char *hosts;
	const char *host; /* NETSIM_HOST */
};

/* Runs cmd (argv, or a string through /bin/sh -c) in namespace `ns` with the
 * host's DNS configuration `dns`: a private mount namespace (/ a slave of the
 * machine's) where /etc/resolv.conf and /etc/hosts are bound from files of a
 * private directory under /run (removed when it ends), in a process group of
 * its own, with stdin /dev/null, stdout and stderr to one pipe, and
 * NETSIM_HOST set. At timeout_ms the process group is killed (SIGKILL); when
 * the command exits, what remains of its group is killed too. Returns 0 with
 * *ret filled (a command that could not be started is in it: error, detail),
 * -EINVAL for an empty cmd, or -errno when the pipe or the process could not
 * be made. */
_must_check_ int nsim_probe_command(const char *ns, const struct nsim_probe_dns_conf *dns, const struct nsim_argv *cmd,
				    int timeout_ms, struct nsim_probe_command_result *ret);
