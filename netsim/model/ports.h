/* SPDX-License-Identifier: MIT */
/*
 * Sets of TCP/UDP ports as sorted lists of disjoint, non-adjacent intervals,
 * in a fixed array (no allocation): the source ports a client or a NAT
 * gateway may pick, and those for which a stateless network ACL lets the
 * reply through. Pure helpers, no syscalls.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

#define NSIM_PORTS_MAX 24

struct nsim_ports {
	uint8_t n;
	/* more intervals than NSIM_PORTS_MAX were needed: the closest ones were
	 * merged, so the set holds a few ports too many */
	bool coarse;
	struct nsim_port_range r[NSIM_PORTS_MAX];
};

/* The set of ports from..to (empty when from > to). */
struct nsim_ports nsim_ports_range(uint16_t from, uint16_t to);
/* How many ports the set holds. */
uint32_t nsim_ports_count(const struct nsim_ports *p);
bool nsim_ports_equal(const struct nsim_ports *a, const struct nsim_ports *b);
bool nsim_ports_contains(const struct nsim_ports *p, uint16_t port);
/* a ∩ b, a ∪ b, a \ b into *ret (may be a or b). */
void nsim_ports_intersect(const struct nsim_ports *a, const struct nsim_ports *b, struct nsim_ports *ret);
void nsim_ports_union(const struct nsim_ports *a, const struct nsim_ports *b, struct nsim_ports *ret);
void nsim_ports_subtract(const struct nsim_ports *a, const struct nsim_ports *b, struct nsim_ports *ret);
/* "32768-60999", "1024-32767, 61000-65535", "443", "none": into buf (size
 * bytes, always terminated; what does not fit ends in "…"). Returns buf. */
const char *nsim_ports_fmt(const struct nsim_ports *p, char *buf, size_t size);
