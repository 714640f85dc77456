/* SPDX-License-Identifier: MIT */
/* IPv4 address and CIDR helpers. Addresses are uint32_t in host byte order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model/util.h"

struct nsim_cidr {
	uint32_t addr; /* as written: may have host bits set until validated */
	uint8_t len;   /* 0-32 */
};

#define NSIM_ADDR_STRLEN 16 /* "255.255.255.255" + NUL */
#define NSIM_CIDR_STRLEN 19 /* "255.255.255.255/32" + NUL */

/* Parses dotted-quad "a.b.c.d" strictly (no leading zeros beyond "0", no
 * trailing junk). Returns 0 or -EINVAL; *ret_addr written only on success. */
_must_check_ int nsim_addr_parse(const char *s, uint32_t *ret_addr);
/* Parses "a.b.c.d/len" strictly. Host bits may be set; see nsim_cidr_aligned(). */
_must_check_ int nsim_cidr_parse(const char *s, struct nsim_cidr *ret_cidr);

/* Format into a caller buffer of at least NSIM_ADDR_STRLEN / NSIM_CIDR_STRLEN. Return buf. */
char *nsim_addr_fmt(uint32_t addr, char *buf);
char *nsim_cidr_fmt(struct nsim_cidr c, char *buf);

uint32_t nsim_cidr_mask(uint8_t len);
uint32_t nsim_cidr_network(struct nsim_cidr c);   /* +0 */
uint32_t nsim_cidr_broadcast(struct nsim_cidr c); /* last address */
uint64_t nsim_cidr_size(struct nsim_cidr c);      /* number of addresses */
bool nsim_cidr_aligned(struct nsim_cidr c);       /* no host bits set */
bool nsim_cidr_contains_addr(struct nsim_cidr c, uint32_t addr);
bool nsim_cidr_contains(struct nsim_cidr outer, struct nsim_cidr inner);
bool nsim_cidr_overlaps(struct nsim_cidr a, struct nsim_cidr b);

/* AWS reserves +0 (network), +1 (VPC router), +2 (DNS), +3 (future use) and the
 * last address (broadcast) of every subnet. Returns a short description of the
 * reservation ("the network address", ...) or NULL when addr is usable. */
const char *nsim_subnet_reserved(struct nsim_cidr subnet, uint32_t addr);
uint32_t nsim_subnet_router(struct nsim_cidr subnet); /* +1 */
uint32_t nsim_subnet_dns(struct nsim_cidr subnet);    /* +2 */
uint32_t nsim_subnet_first_usable(struct nsim_cidr subnet); /* +4 */

/* The documentation ranges (RFC 5737) netsim uses for the internet. */
bool nsim_addr_is_documentation(uint32_t addr);
/* RFC 1918 private ranges. */
bool nsim_addr_is_private(uint32_t addr);
