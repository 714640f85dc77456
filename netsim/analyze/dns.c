/* SPDX-License-Identifier: MIT */
/*
 * Names in analyze/trace: a `to:` that is a DNS name resolves as the source
 * host would resolve it, through model/dns.h:
 *   - a VPC host asks its VPC's Amazon-provided DNS server (the VPC's view:
 *     private zones, private names, dns_names); a VPC without dns_support has
 *     no resolver, so nothing resolves there;
 *   - an internet host asks public DNS: internet hosts' dns_names and the
 *     dns_names of VPC hosts with a public IP (answering that IP); private
 *     names and private hosted zones are not public.
 * A name that does not resolve is its own verdict, NAME_NOT_FOUND
 * (docs/analyze.md).
 *
 * AWS: "DNS attributes for your VPC",
 *   https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html
 * "Working with private hosted zones",
 *   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zones-private.html
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyze/analyze.h"
#include "model/dns.h"
#include "model/net.h"

int nsim_analyze_name(const struct nsim_topology *t, const struct nsim_endpoint *from, const char *name,
		      uint32_t *ret_addr, char *why, size_t size)
{
	struct nsim_dns_answer a;
	char ab[NSIM_ADDR_STRLEN];
	int r;
	const char *who;
	if (from->kind == NSIM_EP_HOST) {
		const struct nsim_vpc *v = &t->vpcs[from->vpc];
		who = v->name.name;
		r = nsim_dns_resolve(t, from->vpc, name, &a);
		if (r == -EHOSTUNREACH) {
			snprintf(why, size, "%s does not resolve: VPC %s has dns_support: false, so it has no DNS server",
				 name, who);
			return -ENOENT;
		}
	} else if (from->kind == NSIM_EP_INET_HOST) {
		who = NULL;
		r = nsim_dns_resolve_public(t, name, &a);
	} else
		return -EINVAL;

	if (r == -EINVAL) {
		snprintf(why, size, "'%s' is not a DNS name", name);
		return -ENOENT;
	}
	if (r == -ELOOP) {
		snprintf(why, size, "%s does not resolve: its CNAME chain is longer than %d (a loop?)", name,
			 NSIM_DNS_CHAIN_MAX);
		return -ENOENT;
	}
	if (r < 0) {
		if (who)
			snprintf(why, size, "%s does not resolve (NXDOMAIN): no host, internet host or private zone "
					    "associated with VPC %s has that name",
				 name, who);
		else
			snprintf(why, size, "%s does not resolve from the internet (NXDOMAIN): no internet host, and no "
					    "host with a public IP, has that name",
				 name);
		return -ENOENT;
	}
	size_t n = 0;
	int k = snprintf(why, size, "%s resolves to %s", a.chain[0], nsim_addr_fmt(a.addr, ab));
	n = k < 0 ? 0 : (size_t)k;
	for (size_t i = 1; i < a.n_chain && n < size; i++) {
		k = snprintf(why + n, size - n, "%s%s", i == 1 ? " (CNAME " : " → ", a.chain[i]);
		n += k < 0 ? 0 : (size_t)k;
	}
	if (a.n_chain > 1 && n < size)
		snprintf(why + n, size - n, ")");
	*ret_addr = a.addr;
	return 0;
}
