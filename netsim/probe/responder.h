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

#include <sys/types.h>

#include "plan/plan.h"
#include "model/util.h"

/*
 * Forks the responder process (a child of the caller, in its own session,
 * stdio on /dev/null), which opens every socket and then reports back; returns
 * once every socket is listening (no sleeps: the child writes to a pipe).
 * Returns 0 and *ret_pid, or -errno of the first socket that failed (with
 * *ret_detail naming it, owned by the caller) after the child has exited.
 * Plans without listen ports start nothing: 0 with *ret_pid = 0.
 */
_must_check_ int nsim_responder_start(const struct nsim_plan *p, pid_t *ret_pid, char **ret_detail);

/* The line a responder sends; buf of at least NSIM_RESPONSE_MAX bytes. */
#define NSIM_RESPONSE_MAX 128
int nsim_responder_format(char *buf, size_t size, const char *host, unsigned port, const char *proto,
			  const char *src_ip, unsigned src_port);
