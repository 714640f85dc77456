/* SPDX-License-Identifier: MIT */
/* VPC DNS from the model (model/dns.h has the rules and the AWS pages). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/dns.h"
#include "model/net.h"

const char *nsim_dns_domain(const struct nsim_topology *t, char *buf, size_t size)
{
	const char *region = t->region.name;
	/* us-east-1 keeps its historical domain. AWS: "Amazon EC2 instance
	 * hostname types", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-naming.html */
	if (!region || !*region || strcasecmp(region, "us-east-1") == 0)
		snprintf(buf, size, "ec2.internal");
	else
		snprintf(buf, size, "%s.compute.internal", region);
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return buf;
}

const char *nsim_dns_private_name(const struct nsim_topology *t, uint32_t addr, char *buf, size_t size)
{
	char d[NSIM_DNS_NAME_MAX];
	snprintf(buf, size, "ip-%u-%u-%u-%u.%s", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff,
		 nsim_dns_domain(t, d, sizeof(d)));
	return buf;
}

int nsim_dns_normalize(const char *name, char buf[static NSIM_DNS_NAME_MAX])
{
	size_t len = name ? strlen(name) : 0;
	if (len && name[len - 1] == '.')
		len--;
	if (len == 0 || len >= NSIM_DNS_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	buf[len] = '\0';
	return 0;
}

static bool zone_has_vpc(const struct nsim_private_zone *z, size_t vi)
{
	for (size_t i = 0; i < z->n_vpcs; i++)
		if (z->vpc_idx && z->vpc_idx[i] == vi)
			return true;
	return false;
}

/* A record's full name: validate/'s fqdn, else its name (absolute with a
 * trailing dot, or relative to the zone). */
static int record_name(const struct nsim_private_zone *z, const struct nsim_dns_record *rec,
		       char buf[static NSIM_DNS_NAME_MAX])
{
	if (rec->fqdn)
		return nsim_dns_normalize(rec->fqdn, buf);
	const char *n = rec->name.name;
	if (!n || !z->name.name)
		return -EINVAL;
	size_t len = strlen(n);
	if (len && n[len - 1] == '.')
		return nsim_dns_normalize(n, buf);
	char full[2 * NSIM_DNS_NAME_MAX];
	if (streq(n, "@"))
		snprintf(full, sizeof(full), "%s", z->name.name);
	else
		snprintf(full, sizeof(full), "%s.%s", n, z->name.name);
	return nsim_dns_normalize(full, buf);
}

/* An A record's address: validate/'s, else its value as a host or internet
 * host name (the private address) or an address. 0: none. */
static uint32_t record_addr(const struct nsim_topology *t, const struct nsim_dns_record *rec)
{
	if (rec->addr || !rec->value.name)
		return rec->addr;
	const char *v = rec->value.name;
	for (size_t vi = 0; vi < t->n_vpcs; vi++)
		for (size_t i = 0; i < t->vpcs[vi].n_hosts; i++)
			if (t->vpcs[vi].hosts[i].name.name && streq(t->vpcs[vi].hosts[i].name.name, v))
				return t->vpcs[vi].hosts[i].address;
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		if (t->inet_hosts[i].name.name && streq(t->inet_hosts[i].name.name, v))
			return t->inet_hosts[i].address;
	uint32_t a;
	return nsim_addr_parse(v, &a) == 0 ? a : 0;
}

/* Host vi/i's records in a view: its private name (own VPC and peers only)
 * and dns_names, answering addr. */
static int host_records(const struct nsim_topology *t, size_t vi, size_t i, uint32_t addr, bool private_name,
			int (*cb)(const struct nsim_dns_rr *, void *), void *userdata)
{
	const struct nsim_host *h = &t->vpcs[vi].hosts[i];
	char n[NSIM_DNS_NAME_MAX];
	struct nsim_dns_rr rr = {.name = n, .type = NSIM_DNS_A, .addr = addr, .source = NSIM_DNS_FROM_HOST,
				 .vpc = vi, .idx = i};
	int r;
	if (!addr)
		return 0;
	if (private_name) {
		nsim_dns_private_name(t, h->address, n, sizeof(n));
		if ((r = cb(&rr, userdata)) != 0)
			return r;
	}
	for (size_t k = 0; k < h->n_dns_names; k++)
		if (nsim_dns_normalize(h->dns_names[k].name, n) == 0 && (r = cb(&rr, userdata)) != 0)
			return r;
	return 0;
}

/* Every internet host's dns_names, answered with its address (in every view,
 * and in public DNS). */
static int inet_records(const struct nsim_topology *t, int (*cb)(const struct nsim_dns_rr *, void *), void *userdata)
{
	int r;
	for (size_t i = 0; i < t->n_inet_hosts; i++) {
		const struct nsim_inet_host *h = &t->inet_hosts[i];
		char n[NSIM_DNS_NAME_MAX];
		struct nsim_dns_rr rr = {.name = n, .type = NSIM_DNS_A, .addr = h->address,
					 .source = NSIM_DNS_FROM_INET_HOST, .idx = i};
		for (size_t k = 0; k < h->n_dns_names; k++)
			if (nsim_dns_normalize(h->dns_names[k].name, n) == 0 && (r = cb(&rr, userdata)) != 0)
				return r;
	}
	return 0;
}

/* One A record per network interface of endpoint e for the name n. */
static int endpoint_name(const struct nsim_vpc_endpoint *e, size_t vi, size_t ei, const char *name,
			 int (*cb)(const struct nsim_dns_rr *, void *), void *userdata)
{
	char n[NSIM_DNS_NAME_MAX];
	struct nsim_dns_rr rr = {.name = n, .type = NSIM_DNS_A, .source = NSIM_DNS_FROM_ENDPOINT, .vpc = vi, .idx = ei};
	int r;
	if (!name || nsim_dns_normalize(name, n) < 0)
		return 0;
	for (size_t j = 0; e->addresses && j < e->n_subnets; j++) {
		if (!(rr.addr = e->addresses[j]))
			continue;
		if ((r = cb(&rr, userdata)) != 0)
			return r;
	}
	return 0;
}

/* VPC vi's interface endpoints: the endpoint-specific name, and with private
 * DNS (which needs dns_hostnames) the service's public names, inside this
 * VPC only. AWS: "Access an AWS service using an interface VPC endpoint",
 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
static int endpoint_records(const struct nsim_topology *t, size_t vi, int (*cb)(const struct nsim_dns_rr *, void *),
			    void *userdata)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	int r;
	for (size_t ei = 0; ei < v->n_endpoints; ei++) {
		const struct nsim_vpc_endpoint *e = &v->endpoints[ei];
		if (e->type != NSIM_VPCE_INTERFACE)
			continue;
		if ((r = endpoint_name(e, vi, ei, e->dns_name, cb, userdata)) != 0)
			return r;
		if (!e->private_dns || !v->dns_hostnames)
			continue;
		for (size_t k = 0; k < e->n_service_hosts; k++) {
			const struct nsim_inet_host *h = &t->inet_hosts[e->service_hosts[k]];
			for (size_t m = 0; m < h->n_dns_names; m++)
				if ((r = endpoint_name(e, vi, ei, h->dns_names[m].name, cb, userdata)) != 0)
					return r;
		}
	}
	return 0;
}

int nsim_dns_view_foreach(const struct nsim_topology *t, size_t vi,
			  int (*cb)(const struct nsim_dns_rr *rr, void *userdata), void *userdata)
{
	int r;
	if (vi >= t->n_vpcs || !t->vpcs[vi].dns_support)
		return 0;

	/* 1. private hosted zones associated with the VPC: they answer first.
	 * AWS: "Considerations when working with a private hosted zone",
	 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-considerations.html */
	for (size_t zi = 0; zi < t->n_private_zones; zi++) {
		const struct nsim_private_zone *z = &t->private_zones[zi];
		if (!zone_has_vpc(z, vi))
			continue;
		for (size_t k = 0; k < z->n_records; k++) {
			const struct nsim_dns_record *rec = &z->records[k];
			char n[NSIM_DNS_NAME_MAX], target[NSIM_DNS_NAME_MAX];
			struct nsim_dns_rr rr = {.name = n, .type = rec->type, .source = NSIM_DNS_FROM_ZONE, .zone = zi,
						 .idx = k};
			if (record_name(z, rec, n) < 0)
				continue;
			if (rec->type == NSIM_DNS_A) {
				if (!(rr.addr = record_addr(t, rec)))
					continue;
			} else {
				if (nsim_dns_normalize(rec->value.name, target) < 0)
					continue;
				rr.target = target;
			}
			if ((r = cb(&rr, userdata)) != 0)
				return r;
		}
	}

	/* 1b. interface endpoints of the VPC */
	if ((r = endpoint_records(t, vi, cb, userdata)) != 0)
		return r;

	/* 2.-4. hosts: own VPC, peered VPCs (private), the rest (public IP) */
	for (int pass = 0; pass < 3; pass++)
		for (size_t ov = 0; ov < t->n_vpcs; ov++) {
			bool own = ov == vi, peered = !own && nsim_topology_peered(t, vi, ov, NULL);
			if ((pass == 0 && !own) || (pass == 1 && !peered) || (pass == 2 && (own || peered)))
				continue;
			for (size_t i = 0; i < t->vpcs[ov].n_hosts; i++) {
				const struct nsim_host *h = &t->vpcs[ov].hosts[i];
				r = pass < 2 ? host_records(t, ov, i, h->address, true, cb, userdata)
					     : host_records(t, ov, i, h->public_ip, false, cb, userdata);
				if (r != 0)
					return r;
			}
		}

	/* 5. internet hosts */
	return inet_records(t, cb, userdata);
}

struct lookup {
	const char *name;
	bool found;
	struct nsim_dns_rr rr;
	char target[NSIM_DNS_NAME_MAX];
};

static int match(const struct nsim_dns_rr *rr, void *userdata)
{
	struct lookup *l = userdata;
	if (!streq(rr->name, l->name))
		return 0;
	l->found = true;
	l->rr = *rr;
	l->rr.name = l->name;
	if (rr->target) {
		snprintf(l->target, sizeof(l->target), "%s", rr->target);
		l->rr.target = l->target;
	}
	return 1;
}

int nsim_dns_public_foreach(const struct nsim_topology *t, int (*cb)(const struct nsim_dns_rr *, void *),
			    void *userdata)
{
	int r;
	for (size_t ov = 0; ov < t->n_vpcs; ov++)
		for (size_t i = 0; i < t->vpcs[ov].n_hosts; i++)
			if ((r = host_records(t, ov, i, t->vpcs[ov].hosts[i].public_ip, false, cb, userdata)) != 0)
				return r;
	return inet_records(t, cb, userdata);
}

static int resolve(const struct nsim_topology *t, size_t vi, const char *name, struct nsim_dns_answer *ret)
{
	struct nsim_dns_answer a = {0};
	if (nsim_dns_normalize(name, a.chain[0]) < 0)
		return -EINVAL;
	a.n_chain = 1;
	for (;;) {
		struct lookup l = {.name = a.chain[a.n_chain - 1]};
		int r = vi == NSIM_NONE ? nsim_dns_public_foreach(t, match, &l) : nsim_dns_view_foreach(t, vi, match, &l);
		if (r < 0)
			return r;
		if (!l.found)
			return -ENOENT;
		if (l.rr.type == NSIM_DNS_A) {
			a.addr = l.rr.addr;
			a.source = l.rr.source;
			a.vpc = l.rr.vpc, a.idx = l.rr.idx, a.zone = l.rr.zone;
			*ret = a;
			return 0;
		}
		if (a.n_chain == NSIM_DNS_CHAIN_MAX)
			return -ELOOP;
		snprintf(a.chain[a.n_chain++], NSIM_DNS_NAME_MAX, "%s", l.rr.target);
	}
}

int nsim_dns_resolve(const struct nsim_topology *t, size_t vi, const char *name, struct nsim_dns_answer *ret)
{
	char n[NSIM_DNS_NAME_MAX];
	if (nsim_dns_normalize(name, n) < 0)
		return -EINVAL;
	if (vi >= t->n_vpcs || !t->vpcs[vi].dns_support)
		return -EHOSTUNREACH;
	return resolve(t, vi, name, ret);
}

int nsim_dns_resolve_public(const struct nsim_topology *t, const char *name, struct nsim_dns_answer *ret)
{
	return resolve(t, NSIM_NONE, name, ret);
}
