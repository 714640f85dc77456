/* SPDX-License-Identifier: MIT */
/*
 * The packets (and drops) of a check run by port, so that each probe's
 * evidence reads its own packets (found by its source port) instead of all
 * of them: with one probe per expectation, reading all would grow with the
 * square of the expectations. Pure: no syscalls.
 */
#pragma once

#include <stddef.h>

#include "model/util.h"
#include "probe/capture.h"
#include "probe/evidence.h"

/* Indexes pkts[0..n) by their source and destination ports (a packet with
 * two different ports under both). *ret filled, its arrays owned by the
 * caller (nsim_check_pkt_index_done()). 0 or -ENOMEM. */
_must_check_ int nsim_check_pkt_index_build(const struct nsim_packet *pkts, size_t n, struct nsim_check_pkt_index *ret);
/* The same for the drops NFLOG reported (their packets' ports). */
_must_check_ int nsim_check_drop_index_build(const struct nsim_drop_packet *drops, size_t n,
					     struct nsim_check_pkt_index *ret);
void nsim_check_pkt_index_done(struct nsim_check_pkt_index *x);
