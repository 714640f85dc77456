/* SPDX-License-Identifier: MIT */
/*
 * VPC DNS: region:, dns_names:, and Route 53 private hosted zones with
 * their records. Completes the model: each zone's vpc_idx, each record's
 * fqdn (lower case, no final dot) and, for A records, addr. Beside each
 * message, the AWS page it follows or "netsim rule:".
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/arena.h"
#include "validate/kinds.h"

static const char *nm(const struct nsim_ref *r)
{
	return r->name ? r->name : "?";
}

const char *nsim_validate_dns_name(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0)
		return "it is empty";
	if (len > 1 && s[len - 1] == '.')
		len--;
	if (len > 253)
		return "it is longer than 253 characters";
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '.') {
			if (label == 0)
				return "it has an empty label (two dots in a row, or a leading dot)";
			if (s[i - 1] == '-')
				return "a label ends with '-'";
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)ch) && ch != '-' && ch != '_')
			return "a label has a character other than letters, digits, '-' and '_'";
		if (ch == '-' && label == 0)
			return "a label starts with '-'";
		if (++label > 63)
			return "a label is longer than 63 characters";
	}
	if (label == 0)
		return "it has an empty label (two dots in a row, or a leading dot)";
	if (s[len - 1] == '-')
		return "a label ends with '-'";
	/* a top-level label is never all digits (RFC 3696 section 2): such a
	 * name is a mistyped address */
	if (label < len && strspn(s + len - label, "0123456789") == label)
		return "its last label is all digits, so it reads as a mistyped IPv4 address";
	return NULL;
}

/* The name in lower case without its final dot, in the arena; NULL on ENOMEM. */
static char *dns_norm(struct nsim_arena *a, const char *s)
{
	size_t len = strlen(s);
	if (len > 1 && s[len - 1] == '.')
		len--;
	char *r = nsim_arena_strndup(a, s, len);
	for (char *p = r; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

/* a equals the normalized name b, ignoring case and a's final dot */
static bool same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 1 && a[la - 1] == '.')
		la--;
	return la == lb && strncasecmp(a, b, lb) == 0;
}

/* ---- region ---- */

static bool lower_run(const char **s, size_t min, size_t max)
{
	size_t n = 0;
	while (**s >= 'a' && **s <= 'z') {
		(*s)++;
		n++;
	}
	return n >= min && n <= max;
}

/* [a-z]{2}(-gov)?-[a-z]+-[0-9] */
static bool region_ok(const char *s)
{
	if (!lower_run(&s, 2, 2) || *s++ != '-')
		return false;
	if (strncmp(s, "gov-", 4) == 0 && s[4] >= 'a' && s[4] <= 'z' && strchr(s + 4, '-'))
		s += 4;
	if (!lower_run(&s, 1, 64) || *s++ != '-')
		return false;
	return s[0] >= '0' && s[0] <= '9' && s[1] == '\0';
}

static void check_region(const struct nsim_topology *t, struct nsim_diags *d)
{
	/* Region codes like ap-northeast-2 or us-gov-west-1: "Regions and Zones",
	 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html
	 * netsim rule: the form only is checked, not the list of regions */
	if (t->region.name && !region_ok(t->region.name))
		nsim_diag_error(d, t->region.pos,
				"region '%s' is not an AWS region code like us-east-1, ap-northeast-2 or "
				"us-gov-west-1",
				t->region.name);
}

/* ---- dns_names ---- */

struct dname {
	char *norm;
	const struct nsim_ref *ref;
	const char *owner;
};

static int dname_cmp(const void *x, const void *y)
{
	const struct dname *a = x, *b = y;
	int r = strcmp(a->norm, b->norm);
	if (r)
		return r;
	if (a->ref->pos.line != b->ref->pos.line)
		return a->ref->pos.line < b->ref->pos.line ? -1 : 1;
	return a->ref->pos.col < b->ref->pos.col ? -1 : a->ref->pos.col > b->ref->pos.col;
}

static void add_dns_names(struct nsim_topology *t, struct nsim_diags *d, struct dname *v, size_t *n,
			  const struct nsim_ref *names, size_t count, const struct nsim_ref *owner)
{
	for (size_t i = 0; i < count; i++) {
		/* Domain names: labels of up to 63 characters, 255 bytes in all (253
		 * characters written). AWS: "DNS domain name format",
		 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html */
		const char *why = nsim_validate_dns_name(names[i].name);
		if (why) {
			nsim_diag_error(d, names[i].pos, "'%s' (dns_names of '%s') is not a valid DNS name: %s",
					names[i].name, nm(owner), why);
			continue;
		}
		char *norm = dns_norm(t->arena, names[i].name);
		if (!norm) {
			d->oom = true;
			return;
		}
		v[(*n)++] = (struct dname){.norm = norm, .ref = &names[i], .owner = nm(owner)};
	}
}

static int check_dns_names(struct nsim_topology *t, struct nsim_diags *d)
{
	size_t total = 0, n = 0;

	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++)
			total += t->vpcs[v].hosts[i].n_dns_names;
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		total += t->inet_hosts[i].n_dns_names;
	if (total == 0)
		return 0;
	_cleanup_free_ struct dname *all = calloc(total, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++) {
			const struct nsim_host *h = &t->vpcs[v].hosts[i];
			add_dns_names(t, d, all, &n, h->dns_names, h->n_dns_names, &h->name);
		}
	for (size_t i = 0; i < t->n_inet_hosts; i++) {
		const struct nsim_inet_host *h = &t->inet_hosts[i];
		add_dns_names(t, d, all, &n, h->dns_names, h->n_dns_names, &h->name);
	}
	if (d->oom)
		return -ENOMEM;
	qsort(all, n, sizeof(*all), dname_cmp);
	/* netsim rule: a name answers one host's address, so dns_names are
	 * unique across the topology (DNS names are case-insensitive) */
	for (size_t i = 1; i < n; i++)
		if (streq(all[i].norm, all[i - 1].norm))
			nsim_diag_error(d, all[i].ref->pos,
					"DNS name '%s' of '%s' is also a dns_names entry of '%s' (at %u:%u): a name "
					"answers one host (netsim does not model records with several addresses yet)",
					all[i].ref->name, all[i].owner, all[i - 1].owner, all[i - 1].ref->pos.line,
					all[i - 1].ref->pos.col);
	return 0;
}

/* ---- private hosted zones ---- */

static size_t find_vpc(const struct nsim_topology *t, const char *name)
{
	for (size_t v = 0; v < t->n_vpcs; v++)
		if (t->vpcs[v].name.name && streq(t->vpcs[v].name.name, name))
			return v;
	return NSIM_NONE;
}

static void check_zone_vpcs(struct nsim_topology *t, size_t zi, struct nsim_diags *d)
{
	struct nsim_private_zone *z = &t->private_zones[zi];

	/* A private hosted zone is associated with at least one VPC. AWS:
	 * "Creating a private hosted zone",
	 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-creating.html */
	if (z->n_vpcs == 0)
		nsim_diag_error(d, z->pos, "private zone '%s' has no VPCs: associate it with at least one (vpcs: [main])",
				nm(&z->name));
	for (size_t i = 0; i < z->n_vpcs; i++) {
		size_t v = find_vpc(t, z->vpcs[i].name);
		z->vpc_idx[i] = v;
		/* netsim rule: a private hosted zone is associated with VPCs of the file */
		if (v == NSIM_NONE) {
			nsim_diag_error(d, z->vpcs[i].pos, "private zone '%s': no VPC named '%s'", nm(&z->name),
					z->vpcs[i].name);
			continue;
		}
		/* netsim rule: a VPC associated twice is a mistake */
		for (size_t j = 0; j < i; j++)
			if (z->vpc_idx[j] == v) {
				nsim_diag_error(d, z->vpcs[i].pos, "private zone '%s' lists VPC '%s' twice",
						nm(&z->name), z->vpcs[i].name);
				break;
			}
		/* A private hosted zone answers in a VPC only with enableDnsSupport and
		 * enableDnsHostnames on. AWS: "Considerations when working with a private
		 * hosted zone", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-considerations.html */
		if (!t->vpcs[v].dns_support)
			nsim_diag_error(d, z->vpcs[i].pos,
					"private zone '%s' is associated with VPC '%s', which has dns_support: false "
					"(at %u:%u): AWS requires DNS support (enableDnsSupport and "
					"enableDnsHostnames) in every VPC of a private hosted zone",
					nm(&z->name), z->vpcs[i].name, t->vpcs[v].dns_support_pos.line,
					t->vpcs[v].dns_support_pos.col);
	}
}

/* Two zones of one name sharing a VPC. */
static void check_zone_conflicts(const struct nsim_topology *t, const char *const *norm, size_t zi,
				 struct nsim_diags *d)
{
	const struct nsim_private_zone *z = &t->private_zones[zi];

	for (size_t zj = 0; zj < zi; zj++) {
		const struct nsim_private_zone *o = &t->private_zones[zj];
		if (!norm[zi] || !norm[zj] || !streq(norm[zi], norm[zj]))
			continue;
		for (size_t i = 0; i < z->n_vpcs; i++)
			for (size_t j = 0; j < o->n_vpcs; j++)
				/* A VPC can't be associated with two private hosted zones of
				 * the same name (ConflictingDomainExists). AWS:
				 * "AssociateVPCWithHostedZone",
				 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_AssociateVPCWithHostedZone.html */
				if (z->vpc_idx[i] != NSIM_NONE && z->vpc_idx[i] == o->vpc_idx[j]) {
					nsim_diag_error(d, z->vpcs[i].pos,
							"VPC '%s' is associated with two private zones named '%s' "
							"(the other at %u:%u): AWS allows one zone of a name per VPC",
							z->vpcs[i].name, nm(&z->name), o->pos.line, o->pos.col);
					return;
				}
	}
}

/* The record's fqdn, or NULL after an error (or on ENOMEM: d->oom). */
static char *record_fqdn(struct nsim_topology *t, const char *zone, struct nsim_dns_record *r,
			 struct nsim_diags *d)
{
	const char *name = r->name.name;
	size_t len = strlen(name), zlen = strlen(zone);
	char *fqdn;

	/* AWS: "DNS domain name format",
	 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html */
	const char *why = nsim_validate_dns_name(name);
	if (why) {
		nsim_diag_error(d, r->name.pos, "record name '%s' is not a valid DNS name: %s", name, why);
		return NULL;
	}
	if (len > 1 && name[len - 1] == '.')
		fqdn = dns_norm(t->arena, name);
	else
		fqdn = nsim_arena_printf(t->arena, "%s.%s", name, zone);
	if (!fqdn) {
		d->oom = true;
		return NULL;
	}
	for (char *p = fqdn; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	size_t flen = strlen(fqdn);
	/* A record of a hosted zone is the zone's name or a name under it. AWS:
	 * "Working with records", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/rrsets-working-with.html */
	if (!streq(fqdn, zone) && !(flen > zlen && fqdn[flen - zlen - 1] == '.' && streq(fqdn + flen - zlen, zone))) {
		nsim_diag_error(d, r->name.pos,
				"record '%s' is not in zone '%s': write a name relative to the zone (db), or an "
				"absolute name ending in .%s. (with the final dot)",
				name, zone, zone);
		return NULL;
	}
	if (flen > 253) {
		nsim_diag_error(d, r->name.pos, "record '%s' is %zu characters long in zone '%s': the limit is 253",
				name, flen, zone);
		return NULL;
	}
	return fqdn;
}

static void check_record_value(struct nsim_topology *t, struct nsim_dns_record *r, struct nsim_diags *d)
{
	const char *value = r->value.name;
	uint32_t a;

	if (!value)
		return;
	if (r->type == NSIM_DNS_CNAME) {
		/* A CNAME's value is a domain name. AWS: "Supported DNS record types",
		 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html */
		const char *why = nsim_validate_dns_name(value);
		if (nsim_addr_parse(value, &a) == 0)
			nsim_diag_error(d, r->value.pos,
					"CNAME '%s': value '%s' is an address: a CNAME names another DNS name "
					"(write type: A for an address)",
					nm(&r->name), value);
		else if (why)
			nsim_diag_error(d, r->value.pos, "CNAME '%s': value '%s' is not a DNS name: %s",
					nm(&r->name), value, why);
		return;
	}
	/* An A record's value is an IPv4 address. AWS: "Supported DNS record types",
	 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html
	 * netsim rule: a host's or internet host's name stands for its address */
	if (nsim_addr_parse(value, &a) == 0) {
		if (a == 0)
			nsim_diag_error(d, r->value.pos, "A '%s': 0.0.0.0 is not an address a record can answer",
					nm(&r->name));
		else
			r->addr = a;
		return;
	}
	struct nsim_vfound f = nsim_validate_find(t, value);
	if (f.kind == NSIM_EP_HOST) {
		r->addr = t->vpcs[f.vpc].hosts[f.idx].address;
		return;
	}
	if (f.kind == NSIM_EP_INET_HOST) {
		r->addr = t->inet_hosts[f.idx].address;
		return;
	}
	/* netsim rule: an A record's name stands for a host or internet host */
	if (f.what)
		nsim_diag_error(d, r->value.pos,
				"A '%s': value '%s' is %s: an A record answers a host's private address, an "
				"internet host's address, or an address you give",
				nm(&r->name), value, f.what);
	else if (strchr(value, '.') && !nsim_validate_dns_name(value))
		nsim_diag_error(d, r->value.pos,
				"A '%s': value '%s' is a DNS name: an A record answers an address (write "
				"type: CNAME to alias another name)",
				nm(&r->name), value);
	else
		nsim_diag_error(d, r->value.pos,
				"A '%s': value '%s' is neither a host, an internet host nor an IPv4 address",
				nm(&r->name), value);
}

static void check_records(struct nsim_topology *t, struct nsim_private_zone *z, const char *zone,
			  struct nsim_diags *d)
{
	for (size_t i = 0; i < z->n_records && !d->oom; i++) {
		struct nsim_dns_record *r = &z->records[i];
		r->fqdn = r->name.name && zone ? record_fqdn(t, zone, r, d) : NULL;
		check_record_value(t, r, d);
		if (!r->fqdn)
			continue;
		/* There is no CNAME at the zone apex, and a name with a CNAME has no
		 * other record. AWS: "Supported DNS record types",
		 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html */
		/* netsim rule: a CNAME to its own name never resolves */
		if (r->type == NSIM_DNS_CNAME && r->value.name && same_name(r->value.name, r->fqdn)) {
			nsim_diag_error(d, r->value.pos, "CNAME '%s' points to itself: it would never resolve",
					r->fqdn);
			continue;
		}
		if (r->type == NSIM_DNS_CNAME && streq(r->fqdn, zone)) {
			nsim_diag_error(d, r->name.pos,
					"CNAME at the zone apex '%s': AWS does not allow a CNAME record with the "
					"zone's own name",
					zone);
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			const struct nsim_dns_record *o = &z->records[j];
			if (!o->fqdn || !streq(o->fqdn, r->fqdn))
				continue;
			/* AWS: "Supported DNS record types",
			 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html */
			if (r->type == NSIM_DNS_CNAME || o->type == NSIM_DNS_CNAME)
				nsim_diag_error(d, r->name.pos,
						"'%s' has a CNAME and another record (at %u:%u): a name with a "
						"CNAME record has no other record",
						r->fqdn, o->pos.line, o->pos.col);
			else
				/* netsim rule: one A record per name (a record set with several
				 * values is not modelled) */
				nsim_diag_error(d, r->name.pos,
						"'%s' has two A records (the other at %u:%u): netsim answers one "
						"address per name; keep one (netsim does not model records with several addresses yet)",
						r->fqdn, o->pos.line, o->pos.col);
			break;
		}
	}
}

static int check_zones(struct nsim_topology *t, struct nsim_diags *d)
{
	if (t->n_private_zones == 0)
		return 0;
	_cleanup_free_ const char **norm = calloc(t->n_private_zones, sizeof(*norm));
	if (!norm)
		return -ENOMEM;
	for (size_t zi = 0; zi < t->n_private_zones; zi++) {
		struct nsim_private_zone *z = &t->private_zones[zi];
		if (z->name.name) {
			/* AWS: "DNS domain name format",
			 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html */
			const char *why = nsim_validate_dns_name(z->name.name);
			if (why)
				nsim_diag_error(d, z->name.pos, "private zone name '%s' is not a valid DNS name: %s",
						z->name.name, why);
			else if (!(norm[zi] = dns_norm(t->arena, z->name.name)))
				return -ENOMEM;
		}
		z->vpc_idx = z->n_vpcs ? nsim_arena_alloc(t->arena, z->n_vpcs, sizeof(*z->vpc_idx)) : NULL;
		if (z->n_vpcs && !z->vpc_idx)
			return -ENOMEM;
		check_zone_vpcs(t, zi, d);
		check_zone_conflicts(t, norm, zi, d);
		check_records(t, z, norm[zi], d);
		if (d->oom)
			return -ENOMEM;
	}
	return 0;
}

int nsim_validate_dns(struct nsim_topology *t, struct nsim_diags *d)
{
	int r;

	check_region(t, d);
	r = check_dns_names(t, d);
	if (r < 0)
		return r;
	return check_zones(t, d);
}

void nsim_validate_dns_expect(const struct nsim_topology *t, const struct nsim_expect *e, struct nsim_diags *d)
{
	if (e->from.kind != NSIM_EP_HOST || e->from.vpc == NSIM_NONE)
		return;
	const struct nsim_vpc *vpc = &t->vpcs[e->from.vpc];
	/* With enableDnsSupport off, the Amazon-provided DNS server does not
	 * answer in the VPC. AWS: "DNS attributes for your VPC",
	 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html */
	if (!vpc->dns_support)
		nsim_diag_warning(d, e->to.ref.pos,
				  "'%s' is a DNS name, and '%s' is in VPC '%s', which has dns_support: false "
				  "(at %u:%u): no resolver answers there, so the name does not resolve",
				  e->to.ref.name, nm(&e->from.ref), nm(&vpc->name), vpc->dns_support_pos.line,
				  vpc->dns_support_pos.col);
}
