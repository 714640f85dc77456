/* SPDX-License-Identifier: MIT */
/*
 * The responders: for every listen port of every host, a TCP listener or a
 * UDP socket (as the port says) inside the host's namespace (a socket keeps
 * the namespace it was made in), all served by one process from one epoll
 * loop. Each connection or
 * datagram is answered with one line:
 *
 *     netsim <host> <port>/<proto> from <source-ip>:<source-port>
 *
 * naming the source address the host saw, so NAT shows.
 */
#pragma once

#include "plan/plan.h"
#include "model/util.h"

struct nsim_responder;

/*
 * Opens every socket of every listen port of p in its host's namespace, but
 * for hosts with a run: service (nsim_plan_service_of()),
 * (leaving the calling thread in the last namespace entered: call it in the
 * process that will serve, instance/proc.c's child). Returns 0 and *ret
 * (lives until the process exits), or -ENOMEM / -errno of the first socket
 * that failed with a sentence naming it in detail[0..size).
 *
 * A TCP port of a proxy with targets: (p->relays) relays instead: each
 * accepted connection goes to a child of the serving process that connects,
 * from the proxy's namespace, to the same port of the first target that
 * accepts within 1 s (in the order written), logs the choice to
 * log_dir/relay-HOST.log (log_dir: the state dir, -1: no log), and copies
 * bytes both ways until both sides have ended. The target sees the proxy's
 * address as the source.
 */
_must_check_ int nsim_responder_open(const struct nsim_plan *p, int log_dir, struct nsim_responder **ret,
				     char *detail, size_t size);
/* Answers every connection and datagram until the process is killed. */
_noreturn_ void nsim_responder_serve(struct nsim_responder *resp);

/* The line a responder sends; buf of at least NSIM_RESPONSE_MAX bytes. */
#define NSIM_RESPONSE_MAX 128
int nsim_responder_format(char *buf, size_t size, const char *host, unsigned port, const char *proto,
			  const char *src_ip, unsigned src_port);
