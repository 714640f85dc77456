/* SPDX-License-Identifier: MIT */
/*
 * VPC DNS from the model, pure: the names the Amazon-provided DNS server of a
 * VPC answers and with what (its "view"), and resolution of one name in it.
 * plan/dns.c turns a view into a dnsmasq configuration; analyze/ resolves
 * `to:` names with it; both therefore agree on every answer.
 *
 * A VPC's view, first match wins (documented in docs/dataplane.md, "DNS"):
 *   1. records of the Route 53 private hosted zones associated with the VPC
 *      (A: an address; CNAME: another name, followed through this view);
 *   1b. the VPC's interface endpoints: the endpoint-specific name
 *      (vpce-<name>.<service>.<region>.vpce.amazonaws.com) always, and with
 *      private DNS on, the public names of the service (its service hosts'
 *      dns_names) -> the endpoint's network interfaces, one record each
 *      (a name with several addresses: every record of it is the answer);
 *   2. the VPC's own hosts: their private DNS names
 *      (ip-10-0-3-4.<region>.compute.internal) and dns_names: -> private address;
 *   3. hosts of peered VPCs: the same, -> private address (netsim models a
 *      peering with "DNS resolution from the peer VPC" allowed);
 *   4. hosts of other VPCs: dns_names: -> their public IP, when they have one
 *      (a private address never leaves its VPC and its peers);
 *   5. internet hosts: dns_names: -> their address.
 * Anything else: NXDOMAIN. A VPC without dns_support has no resolver: every
 * name fails there.
 *
 * AWS: "Amazon EC2 instance hostname types",
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-naming.html
 * "DNS attributes for your VPC",
 *   https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html
 * "Working with private hosted zones",
 *   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zones-private.html
 * "Access an AWS service using an interface VPC endpoint" (DNS hostnames,
 *   private DNS), https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "model/util.h"

#define NSIM_DNS_NAME_MAX 254 /* a name's text, 253 characters + NUL */
#define NSIM_DNS_CHAIN_MAX 8  /* CNAMEs followed before a name counts as a loop */
/* The link-local address of the Amazon-provided DNS server in every VPC. */
#define NSIM_DNS_LINK_LOCAL 0xA9FEA9FDu /* 169.254.169.253 */

/* The domain of the region's private DNS names: "ec2.internal" for
 * us-east-1 (also when the topology names no region), else
 * "<region>.compute.internal". Writes at most size bytes (terminated);
 * returns buf. */
const char *nsim_dns_domain(const struct nsim_topology *t, char *buf, size_t size);

/* The private (IP-based) DNS name of `addr`: "ip-10-0-3-4.ec2.internal".
 * Writes at most size bytes (terminated); returns buf. */
const char *nsim_dns_private_name(const struct nsim_topology *t, uint32_t addr, char *buf, size_t size);

/* A name as the resolver compares it: lower case, without a trailing dot,
 * into buf (NSIM_DNS_NAME_MAX). Returns 0, or -EINVAL for an empty or too
 * long name. */
_must_check_ int nsim_dns_normalize(const char *name, char buf[static NSIM_DNS_NAME_MAX]);

/* Where a record of a view comes from (the order of the view). */
enum nsim_dns_source {
	NSIM_DNS_FROM_ZONE = 0,  /* a private hosted zone record; zone = index in t->private_zones */
	NSIM_DNS_FROM_HOST,      /* a host's private name or dns_name; vpc, idx */
	NSIM_DNS_FROM_INET_HOST, /* an internet host's dns_name; idx */
	NSIM_DNS_FROM_ENDPOINT,  /* an interface endpoint's network interface; vpc, idx: vpcs[vpc].endpoints[idx] */
};

/* One record of a view. Strings point into buffers valid during the
 * callback only. */
struct nsim_dns_rr {
	const char *name;         /* normalized */
	enum nsim_dns_type type;
	uint32_t addr;            /* A */
	const char *target;       /* CNAME: normalized */
	enum nsim_dns_source source;
	size_t vpc, idx, zone;
};

/* Calls cb for every record of VPC vi's view, in the view's order (a name
 * can come twice: the first is the answer). Nothing for a VPC without
 * dns_support. cb returns 0 to go on, > 0 to stop (returned), < 0 an error
 * (returned). Returns 0 when every record was seen. */
_must_check_ int nsim_dns_view_foreach(const struct nsim_topology *t, size_t vi,
				       int (*cb)(const struct nsim_dns_rr *rr, void *userdata), void *userdata);

/* An answer: the address and the CNAMEs followed to reach it. An endpoint's
 * name has one address per network interface: addr is the first (the
 * others are in the view, in the same order). */
struct nsim_dns_answer {
	uint32_t addr;
	char chain[NSIM_DNS_CHAIN_MAX][NSIM_DNS_NAME_MAX]; /* the names from the asked one, CNAME by CNAME */
	size_t n_chain; /* 1 + the CNAMEs followed */
	enum nsim_dns_source source; /* of the A record */
	size_t vpc, idx, zone;
};

/* Resolves `name` (any case, trailing dot allowed) as VPC vi's resolver
 * does. Returns 0 and *ret; -ENOENT for NXDOMAIN (also a dangling CNAME),
 * -ELOOP for a CNAME chain longer than NSIM_DNS_CHAIN_MAX, -EHOSTUNREACH when
 * the VPC has no dns_support, -EINVAL for a malformed name. */
_must_check_ int nsim_dns_resolve(const struct nsim_topology *t, size_t vi, const char *name,
				  struct nsim_dns_answer *ret);

/* Calls cb for every record public DNS answers (what the internet sees):
 * VPC hosts' dns_names with a public IP (that IP), then internet hosts'
 * dns_names. cb as for nsim_dns_view_foreach(); returns the same. */
_must_check_ int nsim_dns_public_foreach(const struct nsim_topology *t,
					 int (*cb)(const struct nsim_dns_rr *rr, void *userdata), void *userdata);

/* Resolves `name` as public DNS does from the internet: only internet hosts'
 * dns_names (their address) and VPC hosts' dns_names with a public IP (that
 * IP). Returns 0 and *ret, -ENOENT, -EINVAL as nsim_dns_resolve. */
_must_check_ int nsim_dns_resolve_public(const struct nsim_topology *t, const char *name,
					 struct nsim_dns_answer *ret);
