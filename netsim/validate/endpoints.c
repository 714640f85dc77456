/* SPDX-License-Identifier: MIT */
/*
 * VPC endpoints (vpcs[].endpoints) and the internet hosts that stand for AWS
 * services' public endpoints (internet.hosts[].service). Completes the model:
 * each endpoint's service, region, route tables, groups, service hosts, id
 * and DNS name; a gateway endpoint's route in each of its route tables; AWS's
 * DNS name for a service host without dns_names. Interface endpoints'
 * addresses come from validate.c's assigner, with the hosts'. Beside each
 * message, the AWS page it follows or "netsim rule:".
 *
 * AWS PrivateLink guide: "Gateway endpoints",
 *   https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
 * "Access an AWS service using an interface VPC endpoint",
 *   https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/arena.h"
#include "model/hashmap.h"
#include "model/strv.h"
#include "validate/kinds.h"

/* AWS: "Amazon VPC quotas", security groups per network interface,
 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
#define SG_PER_INTERFACE_MAX 5

/* AWS services reachable through a VPC endpoint, by the short name of
 * com.amazonaws.<region>.<name>, with the first labels of their default DNS
 * name (<dns>.<region>.amazonaws.com) where it differs. AWS: "AWS services
 * that integrate with AWS PrivateLink",
 * https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html */
struct aws_service {
	const char *name;
	const char *dns; /* NULL: the name */
	bool gateway;    /* has gateway endpoints (S3, DynamoDB) */
};

static const struct aws_service services[] = {
	{"s3", NULL, true},
	{"dynamodb", NULL, true},
	{"secretsmanager", NULL, false},
	{"ssm", NULL, false},
	{"ssmmessages", NULL, false},
	{"ec2messages", NULL, false},
	{"ec2", NULL, false},
	{"kms", NULL, false},
	{"sts", NULL, false},
	{"sqs", NULL, false},
	{"sns", NULL, false},
	{"logs", NULL, false},
	{"monitoring", NULL, false},
	{"events", NULL, false},
	{"states", NULL, false},
	{"lambda", NULL, false},
	{"execute-api", NULL, false},
	{"ecr.api", "api.ecr", false},
	{"ecr.dkr", "dkr.ecr", false},
	{"ecs", NULL, false},
	{"ecs-agent", NULL, false},
	{"ecs-telemetry", NULL, false},
	{"kinesis-streams", "kinesis", false},
	{"kinesis-firehose", "firehose", false},
	{"elasticloadbalancing", NULL, false},
	{"autoscaling", NULL, false},
	{"cloudformation", NULL, false},
	{"rds", NULL, false},
	{"rds-data", NULL, false},
	{"elasticfilesystem", NULL, false},
	{"glue", NULL, false},
	{"athena", NULL, false},
	{"appconfig", NULL, false},
	{"xray", NULL, false},
	{"codebuild", NULL, false},
	{"codecommit", NULL, false},
	{"codepipeline", NULL, false},
	{"config", NULL, false},
	{"cloudtrail", NULL, false},
	{"acm-pca", NULL, false},
	{"email-smtp", NULL, false},
	{"bedrock", NULL, false},
	{"bedrock-runtime", NULL, false},
	{"sagemaker.api", "api.sagemaker", false},
	{"sagemaker.runtime", "runtime.sagemaker", false},
	{"elasticache", NULL, false},
	{"servicecatalog", NULL, false},
	{"application-autoscaling", NULL, false},
};

static const char *nm(const struct nsim_ref *r)
{
	return r->name ? r->name : "?";
}

/* ---- did you mean ---- */

const char *nsim_validate_suggest(const char *name, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t len, limit, best_d;

	if (!name)
		return NULL;
	len = strlen(name);
	limit = len < 4 ? 1 : len < 7 ? 2 : 3;
	best_d = limit + 1;
	for (size_t i = 0; i < n; i++) {
		size_t dist = nsim_edit_distance(name, names[i]), k = strlen(names[i]);
		/* 'secrets' for 'secretsmanager': a name cut short */
		if (dist > limit && len >= 3 && k > len && strncmp(name, names[i], len) == 0)
			dist = limit;
		if (dist > 0 && dist < best_d) {
			best_d = dist;
			best = names[i];
		}
	}
	return best;
}

/* ---- sorted names ---- */

static int vname_cmp(const void *x, const void *y)
{
	const struct nsim_vname *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	if (r)
		return r;
	if (a->pos.line != b->pos.line)
		return a->pos.line < b->pos.line ? -1 : 1;
	if (a->pos.col != b->pos.col)
		return a->pos.col < b->pos.col ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

void nsim_vnames_sort(struct nsim_vname *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), vname_cmp);
}

const struct nsim_vname *nsim_vnames_find(const struct nsim_vname *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	if (!name)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && streq(v[lo].name, name) ? &v[lo] : NULL;
}

/* "did you mean" compares with many names: bound that work on hostile input */
#define SUGGEST_BUDGET 256
#define SUGGEST_NAMES 64

struct ectx {
	struct nsim_topology *t;
	struct nsim_diags *d;
	unsigned budget;
	/* service hosts by "service/region", sorted */
	struct nsim_vname *hosts;
	size_t n_hosts;
	/* the current VPC's route tables and groups, sorted by name */
	struct nsim_vname *rts, *sgs;
	size_t n_rts, n_sgs;
	size_t *listed_by;    /* per subnet of the VPC: 1 + the endpoint that listed it last */
	size_t *rt_listed_by; /* per route table of the VPC: likewise */
};

static const char *service_hint(struct ectx *c, const char *name)
{
	const char *names[ELEMENTSOF(services)];

	if (c->budget == 0)
		return NULL;
	c->budget--;
	for (size_t i = 0; i < ELEMENTSOF(services); i++)
		names[i] = services[i].name;
	return nsim_validate_suggest(name, names, ELEMENTSOF(services));
}

/* The closest of the first SUGGEST_NAMES names of sorted v. */
static const char *vname_hint(struct ectx *c, const struct nsim_vname *v, size_t n, const char *name)
{
	const char *names[SUGGEST_NAMES];
	size_t k = 0;

	if (c->budget == 0)
		return NULL;
	c->budget--;
	for (size_t i = 0; i < n && k < SUGGEST_NAMES; i++)
		names[k++] = v[i].name;
	return nsim_validate_suggest(name, names, k);
}

static const struct aws_service *service_find(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(services); i++)
		if (streq(services[i].name, name))
			return &services[i];
	return NULL;
}

#define DYM "%s%s%s"
#define DYM_ARGS(s) (s) ? "; did you mean '" : "", (s) ? (s) : "", (s) ? "'?" : ""

static const char *host_region(const struct nsim_topology *t, const struct nsim_inet_host *h)
{
	return h->region.name ? h->region.name : nsim_validate_region(t);
}

/* ---- service hosts ---- */

static int check_service_host(struct ectx *c, struct nsim_inet_host *h)
{
	struct nsim_topology *t = c->t;
	struct nsim_diags *d = c->d;
	const struct aws_service *s;
	const char *region;

	if (!h->service.name) {
		/* netsim rule: region: says where a service host's service is */
		if (h->region.name)
			nsim_diag_error(d, h->region.pos,
					"internet host '%s' has region: but no service: region says which Region's "
					"endpoint of an AWS service the host stands for",
					nm(&h->name));
		return 0;
	}
	s = service_find(h->service.name);
	/* The services reachable through VPC endpoints. AWS: "AWS services that
	 * integrate with AWS PrivateLink",
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html */
	if (!s) {
		const char *hint = service_hint(c, h->service.name);
		nsim_diag_error(d, h->service.pos,
				"internet host '%s': '%s' is not an AWS service netsim knows: write its short name, "
				"as in com.amazonaws.<region>.<name> (s3, dynamodb, secretsmanager, sts, ...)" DYM,
				nm(&h->name), h->service.name, DYM_ARGS(hint));
		return 0;
	}
	/* Region codes like ap-northeast-2: "Regions and Zones",
	 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html */
	if (h->region.name && !nsim_validate_region_ok(h->region.name)) {
		nsim_diag_error(d, h->region.pos,
				"internet host '%s': region '%s' is not an AWS region code like us-east-1 or "
				"ap-northeast-2",
				nm(&h->name), h->region.name);
		return 0;
	}
	region = host_region(t, h);
	c->hosts[c->n_hosts] = (struct nsim_vname){
		.name = nsim_arena_printf(t->arena, "%s/%s", s->name, region),
		.pos = h->pos,
		.idx = (size_t)(h - t->inet_hosts),
	};
	if (!c->hosts[c->n_hosts++].name)
		return -ENOMEM;
	if (h->n_dns_names)
		return 0;
	/* A service's default DNS name is <service>.<region>.amazonaws.com.
	 * AWS: "AWS service endpoints",
	 * https://docs.aws.amazon.com/general/latest/gr/rande.html */
	h->dns_names = nsim_arena_alloc(t->arena, 1, sizeof(*h->dns_names));
	if (!h->dns_names)
		return -ENOMEM;
	h->dns_names[0] = (struct nsim_ref){
		.name = nsim_arena_printf(t->arena, "%s.%s.amazonaws.com", s->dns ? s->dns : s->name, region),
		.pos = h->service.pos,
	};
	if (!h->dns_names[0].name)
		return -ENOMEM;
	h->n_dns_names = 1;
	return 0;
}

/* ---- an endpoint's service ---- */

/* service: "secretsmanager" or "com.amazonaws.<region>.secretsmanager".
 * Returns the table entry, and the region in *ret_region (in the arena),
 * or NULL after an error. */
static const struct aws_service *resolve_service(struct ectx *c, struct nsim_vpc_endpoint *e, const char **ret_region)
{
	const char *name = e->service.name, *region = nsim_validate_region(c->t);
	const struct aws_service *s;

	if (!name)
		return NULL;
	if (strncmp(name, "com.amazonaws.", 14) == 0) {
		const char *r = name + 14, *dot = strchr(r, '.');
		char *rc = dot ? nsim_arena_strndup(c->t->arena, r, (size_t)(dot - r)) : NULL;
		if (dot && !rc)
			return c->d->oom = true, NULL;
		/* Service names are com.amazonaws.<region>.<service>. AWS: "AWS
		 * services that integrate with AWS PrivateLink",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html */
		if (!rc || !nsim_validate_region_ok(rc)) {
			nsim_diag_error(c->d, e->service.pos,
					"VPC endpoint '%s': service '%s' is not com.amazonaws.<region>.<service> with "
					"a region code like us-east-1",
					nm(&e->name), name);
			return NULL;
		}
		region = rc;
		name = dot + 1;
	}
	s = service_find(name);
	/* AWS: "AWS services that integrate with AWS PrivateLink",
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html */
	if (!s) {
		const char *hint = service_hint(c, name);
		nsim_diag_error(c->d, e->service.pos,
				"VPC endpoint '%s': '%s' is not an AWS service netsim knows: write its short name "
				"(s3, dynamodb, secretsmanager, sts, ...) or com.amazonaws.<region>.<name>" DYM,
				nm(&e->name), name, DYM_ARGS(hint));
		return NULL;
	}
	*ret_region = region;
	return s;
}

static bool check_service(struct nsim_topology *t, struct nsim_vpc_endpoint *e, const struct aws_service *s,
			  const char *region, struct nsim_diags *d)
{
	const char *here = nsim_validate_region(t);

	/* Gateway endpoints exist for Amazon S3 and DynamoDB only. AWS:
	 * "Gateway endpoints",
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html */
	if (e->type == NSIM_VPCE_GATEWAY && !s->gateway) {
		nsim_diag_error(d, e->service.pos,
				"VPC endpoint '%s' is a gateway endpoint for '%s': AWS offers gateway endpoints for "
				"S3 and DynamoDB only; use type: interface",
				nm(&e->name), s->name);
		return false;
	}
	if (streq(region, here))
		return true;
	/* A gateway endpoint reaches the service in the VPC's own Region only.
	 * AWS: "Gateway endpoints",
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html */
	if (e->type == NSIM_VPCE_GATEWAY)
		nsim_diag_error(d, e->service.pos,
				"VPC endpoint '%s' is for %s in %s, but the VPC is in %s: gateway endpoints are "
				"supported within the same Region only",
				nm(&e->name), s->name, region, here);
	else
		/* netsim rule: AWS offers cross-Region interface endpoints for some
		 * services ("Configure cross-Region connectivity",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-cross-region-privatelink-support.html);
		 * netsim does not model them */
		nsim_diag_error(d, e->service.pos,
				"VPC endpoint '%s' is for %s in %s, but the VPC is in %s: netsim does not model "
				"cross-Region interface endpoints yet",
				nm(&e->name), s->name, region, here);
	return false;
}

/* ---- keys by type ---- */

static void check_keys(struct nsim_vpc_endpoint *e, struct nsim_diags *d)
{
	/* Subnets and security groups are an interface endpoint's, route tables
	 * a gateway endpoint's. AWS: "CreateVpcEndpoint",
	 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html */
	if (e->type == NSIM_VPCE_GATEWAY) {
		if (e->n_subnets)
			nsim_diag_error(d, e->subnets[0].pos,
					"VPC endpoint '%s' is a gateway endpoint: subnets: are for interface "
					"endpoints (a gateway endpoint is reached through route_tables:)",
					nm(&e->name));
		if (e->n_security_groups)
			nsim_diag_error(d, e->security_groups[0].pos,
					"VPC endpoint '%s' is a gateway endpoint: security_groups: are for interface "
					"endpoints (a gateway endpoint has no network interface)",
					nm(&e->name));
		if (e->private_dns_pos.line != e->pos.line || e->private_dns_pos.col != e->pos.col)
			nsim_diag_error(d, e->private_dns_pos,
					"VPC endpoint '%s' is a gateway endpoint: private_dns: is for interface "
					"endpoints (the service's name resolves to its public addresses, which the "
					"route's prefix list holds)",
					nm(&e->name));
		e->private_dns = false; /* a gateway endpoint has no DNS name of its own */
		return;
	}
	/* AWS: "CreateVpcEndpoint",
	 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html */
	if (e->n_route_tables)
		nsim_diag_error(d, e->route_tables[0].pos,
				"VPC endpoint '%s' is an interface endpoint: route_tables: are for gateway endpoints "
				"(an interface endpoint is reached at its network interfaces' addresses)",
				nm(&e->name));
	/* netsim rule: an interface endpoint without a subnet has no network
	 * interface, so nothing can reach it */
	if (!e->n_subnets)
		nsim_diag_error(d, e->pos,
				"VPC endpoint '%s' is an interface endpoint without subnets: list the subnets that "
				"get its network interfaces (one per Availability Zone), e.g. subnets: [app-a]",
				nm(&e->name));
}

/* ---- references within the VPC ---- */

/* The sorted names of n objects of stride bytes whose nsim_ref name is at
 * name_off; NULL on ENOMEM. */
static struct nsim_vname *vnames_of(const void *base, size_t n, size_t stride, size_t name_off, size_t *ret_n)
{
	struct nsim_vname *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct nsim_ref *r = (const struct nsim_ref *)((const char *)base + i * stride + name_off);
		if (r->name)
			v[k++] = (struct nsim_vname){.name = r->name, .pos = r->pos, .idx = i};
	}
	nsim_vnames_sort(v, k);
	*ret_n = k;
	return v;
}

static int resolve_route_tables(struct ectx *c, const struct nsim_vpc *vpc, struct nsim_vpc_endpoint *e)
{
	if (!e->n_route_tables)
		return 0;
	if (!(e->rt_idx = nsim_arena_alloc(c->t->arena, e->n_route_tables, sizeof(*e->rt_idx))))
		return -ENOMEM;
	for (size_t i = 0; i < e->n_route_tables; i++) {
		const struct nsim_ref *r = &e->route_tables[i];
		const struct nsim_vname *f = nsim_vnames_find(c->rts, c->n_rts, r->name);
		e->rt_idx[i] = NSIM_NONE;
		/* netsim rule: a gateway endpoint's route tables are of its VPC
		 * (AWS: "Gateway endpoints",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html) */
		if (!f) {
			const char *hint = vname_hint(c, c->rts, c->n_rts, r->name);
			nsim_diag_error(c->d, r->pos, "VPC endpoint '%s': route table '%s' does not exist in VPC '%s'" DYM,
					nm(&e->name), r->name, nm(&vpc->name), DYM_ARGS(hint));
			continue;
		}
		/* netsim rule: a route table listed twice is a mistake */
		if (c->rt_listed_by[f->idx] == (size_t)(e - vpc->endpoints) + 1) {
			nsim_diag_error(c->d, r->pos, "VPC endpoint '%s' lists route table '%s' twice", nm(&e->name),
					r->name);
			continue;
		}
		c->rt_listed_by[f->idx] = (size_t)(e - vpc->endpoints) + 1;
		e->rt_idx[i] = f->idx;
	}
	return 0;
}

static int resolve_groups(struct ectx *c, const struct nsim_vpc *vpc, struct nsim_vpc_endpoint *e)
{
	if (!e->n_security_groups)
		return 0;
	/* At most 5 security groups per network interface. AWS: "Amazon VPC
	 * quotas", https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
	if (e->n_security_groups > SG_PER_INTERFACE_MAX) {
		nsim_diag_error(c->d, e->security_groups[SG_PER_INTERFACE_MAX].pos,
				"VPC endpoint '%s' has %zu security groups: AWS allows at most %d per network "
				"interface",
				nm(&e->name), e->n_security_groups, SG_PER_INTERFACE_MAX);
		return 0;
	}
	if (!(e->sg_idx = nsim_arena_alloc(c->t->arena, e->n_security_groups, sizeof(*e->sg_idx))))
		return -ENOMEM;
	for (size_t i = 0; i < e->n_security_groups; i++) {
		const struct nsim_ref *r = &e->security_groups[i];
		const struct nsim_vname *f = nsim_vnames_find(c->sgs, c->n_sgs, r->name);
		e->sg_idx[i] = f ? f->idx : NSIM_NONE;
		/* An interface endpoint's security groups are of its VPC. AWS:
		 * "Access an AWS service using an interface VPC endpoint",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
		if (!f) {
			const char *hint = vname_hint(c, c->sgs, c->n_sgs, r->name);
			nsim_diag_error(c->d, r->pos, "VPC endpoint '%s': security group '%s' does not exist in VPC '%s'" DYM,
					nm(&e->name), r->name, nm(&vpc->name), DYM_ARGS(hint));
			continue;
		}
		/* netsim rule: a group listed twice is a mistake */
		for (size_t j = 0; j < i; j++)
			if (e->sg_idx[j] == f->idx) {
				nsim_diag_error(c->d, r->pos, "VPC endpoint '%s' lists security group '%s' twice",
						nm(&e->name), r->name);
				break;
			}
	}
	return 0;
}

static int check_subnets(struct ectx *c, const struct nsim_vpc *vpc, size_t i)
{
	const struct nsim_vpc_endpoint *e = &vpc->endpoints[i];
	struct nsim_vname *az;
	size_t n = 0;

	if (!e->subnet_idx || !e->n_subnets)
		return 0;
	if (!(az = calloc(e->n_subnets, sizeof(*az))))
		return -ENOMEM;
	for (size_t j = 0; j < e->n_subnets; j++) {
		size_t k = e->subnet_idx[j];
		if (k == NSIM_NONE)
			continue;
		/* netsim rule: a subnet listed twice is a mistake */
		if (c->listed_by[k] == i + 1) {
			nsim_diag_error(c->d, e->subnets[j].pos, "VPC endpoint '%s' lists subnet '%s' twice",
					nm(&e->name), nm(&vpc->subnets[k].name));
			continue;
		}
		c->listed_by[k] = i + 1;
		if (vpc->subnets[k].az.name)
			az[n++] = (struct nsim_vname){.name = vpc->subnets[k].az.name, .pos = e->subnets[j].pos, .idx = k};
	}
	nsim_vnames_sort(az, n);
	for (size_t j = 1, first = 0; j < n; j++) {
		if (!streq(az[j].name, az[first].name)) {
			first = j;
			continue;
		}
		/* An interface endpoint has one network interface per Availability
		 * Zone: one subnet per AZ. AWS: "Access an AWS service using an
		 * interface VPC endpoint",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
		nsim_diag_error(c->d, az[j].pos,
				"VPC endpoint '%s': subnets '%s' and '%s' are both in Availability Zone '%s': AWS "
				"allows one subnet per Availability Zone for an interface endpoint",
				nm(&e->name), nm(&vpc->subnets[az[first].idx].name), nm(&vpc->subnets[az[j].idx].name),
				az[j].name);
	}
	free(az);
	return 0;
}

/* ---- private DNS ---- */

static bool has_private_dns(const struct nsim_vpc_endpoint *e)
{
	return e->type == NSIM_VPCE_INTERFACE && e->private_dns && e->service_name;
}

static void check_private_dns(const struct nsim_vpc *vpc, const struct nsim_vpc_endpoint *e, struct nsim_diags *d)
{
	if (!has_private_dns(e))
		return;
	/* Private DNS needs the VPC's enableDnsSupport and enableDnsHostnames.
	 * AWS: "Access an AWS service using an interface VPC endpoint",
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html;
	 * "DNS attributes for your VPC", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html */
	if (!vpc->dns_support || !vpc->dns_hostnames)
		nsim_diag_error(d, e->private_dns_pos,
				"VPC endpoint '%s' has private DNS on (private_dns: true is the default), but VPC "
				"'%s' has %s: AWS enables private DNS for an interface endpoint only in a VPC with "
				"both DNS support and DNS hostnames on; set %s in VPC '%s' (or private_dns: false)",
				nm(&e->name), nm(&vpc->name),
				!vpc->dns_support ? "dns_support: false" : "dns_hostnames: false (the default)",
				!vpc->dns_support ? "dns_support: true and dns_hostnames: true" : "dns_hostnames: true",
				nm(&vpc->name));
}

/* Two endpoints with private DNS for one service in the VPC. */
static int check_private_dns_conflicts(struct ectx *c, const struct nsim_vpc *vpc)
{
	struct nsim_vname *v = calloc(vpc->n_endpoints ? vpc->n_endpoints : 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < vpc->n_endpoints; i++) {
		const struct nsim_vpc_endpoint *e = &vpc->endpoints[i];
		if (!has_private_dns(e))
			continue;
		v[n] = (struct nsim_vname){.name = nsim_arena_printf(c->t->arena, "%s/%s", e->service_name,
								     e->service_region),
					   .pos = e->pos, .idx = i};
		if (!v[n++].name) {
			free(v);
			return -ENOMEM;
		}
	}
	nsim_vnames_sort(v, n);
	for (size_t j = 1, first = 0; j < n; j++) {
		if (!streq(v[j].name, v[first].name)) {
			first = j;
			continue;
		}
		const struct nsim_vpc_endpoint *e = &vpc->endpoints[v[j].idx], *o = &vpc->endpoints[v[first].idx];
		/* Private DNS makes a private hosted zone for the service's name in
		 * the VPC: a second one for the same service conflicts. AWS:
		 * "Access an AWS service using an interface VPC endpoint",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
		nsim_diag_error(c->d, e->private_dns_pos,
				"VPC endpoint '%s' has private DNS for %s, like VPC endpoint '%s' (at %u:%u) in VPC "
				"'%s': the private hosted zones of the service's name conflict; AWS allows one "
				"endpoint with private DNS per service and VPC (set private_dns: false on one)",
				nm(&e->name), e->service_name, nm(&o->name), o->pos.line, o->pos.col, nm(&vpc->name));
	}
	free(v);
	return 0;
}

/* ---- the endpoint ---- */

static int find_service_hosts(struct ectx *c, struct nsim_vpc_endpoint *e)
{
	char key[160];
	const struct nsim_vname *f;
	size_t first, n = 0;

	snprintf(key, sizeof(key), "%s/%s", e->service_name, e->service_region);
	f = nsim_vnames_find(c->hosts, c->n_hosts, key);
	if (!f)
		return 0;
	first = (size_t)(f - c->hosts);
	while (first + n < c->n_hosts && streq(c->hosts[first + n].name, key))
		n++;
	if (!(e->service_hosts = nsim_arena_alloc(c->t->arena, n, sizeof(*e->service_hosts))))
		return -ENOMEM;
	/* in file order: the hosts' order in the topology */
	for (size_t i = 0; i < n; i++)
		e->service_hosts[i] = c->hosts[first + i].idx;
	e->n_service_hosts = n;
	return 0;
}

/* id "vpce-" + 17 hex digits and, for an interface endpoint, its DNS name. */
static int name_endpoint(struct nsim_topology *t, struct nsim_vpc_endpoint *e, const struct aws_service *s)
{
	uint64_t h = nsim_hash_str(nsim_hash_str(nsim_hash_str(NSIM_HASH_INIT, t->name.name ? t->name.name : ""), "/"),
				   nm(&e->name));
	uint64_t h2 = nsim_hash_str(h, "#");

	e->id = nsim_arena_printf(t->arena, "vpce-%01x%016llx", (unsigned)(h2 & 0xf), (unsigned long long)h);
	if (!e->id)
		return -ENOMEM;
	if (e->type != NSIM_VPCE_INTERFACE)
		return 0;
	/* The endpoint-specific DNS name. AWS: "DNS hostnames" in "Access an
	 * AWS service using an interface VPC endpoint",
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
	e->dns_name = nsim_arena_printf(t->arena, "vpce-%s.%s.%s.vpce.amazonaws.com", nm(&e->name),
					s->dns ? s->dns : s->name, e->service_region);
	return e->dns_name ? 0 : -ENOMEM;
}

/* The gateway endpoints' routes, in each of their route tables: destination
 * the service's AWS-managed prefix list, target the endpoint; appended to
 * each table in endpoint order, each table's array grown once. AWS:
 * "Gateway endpoints",
 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html */
static int add_routes(struct nsim_topology *t, struct nsim_vpc *vpc)
{
	size_t *extra = calloc(vpc->n_route_tables ? vpc->n_route_tables : 1, sizeof(*extra));

	if (!extra)
		return -ENOMEM;
	for (size_t i = 0; i < vpc->n_endpoints; i++) {
		const struct nsim_vpc_endpoint *e = &vpc->endpoints[i];
		for (size_t k = 0; e->pl && e->rt_idx && k < e->n_route_tables; k++)
			if (e->rt_idx[k] != NSIM_NONE)
				extra[e->rt_idx[k]]++;
	}
	for (size_t k = 0; k < vpc->n_route_tables; k++) {
		struct nsim_route_table *rt = &vpc->route_tables[k];
		struct nsim_route *routes;
		if (!extra[k])
			continue;
		if (!(routes = nsim_arena_alloc(t->arena, rt->n_routes + extra[k], sizeof(*routes)))) {
			free(extra);
			return -ENOMEM;
		}
		if (rt->n_routes)
			memcpy(routes, rt->routes, rt->n_routes * sizeof(*routes));
		rt->routes = routes;
	}
	free(extra);
	for (size_t i = 0; i < vpc->n_endpoints; i++) {
		const struct nsim_vpc_endpoint *e = &vpc->endpoints[i];
		for (size_t k = 0; e->pl && e->rt_idx && k < e->n_route_tables; k++) {
			if (e->rt_idx[k] == NSIM_NONE)
				continue;
			struct nsim_route_table *rt = &vpc->route_tables[e->rt_idx[k]];
			rt->routes[rt->n_routes++] = (struct nsim_route){
				.pos = e->route_tables[k].pos,
				.dest_pos = e->service.pos,
				.dest_list = {.name = (char *)e->service_name, .pos = e->service.pos},
				.target = e->name,
				.kind = NSIM_TARGET_GATEWAY_ENDPOINT,
				.target_idx = i,
				.dest_pl = e->pl,
				.managed = true,
			};
		}
	}
	return 0;
}

static int check_endpoint(struct ectx *c, size_t v, size_t i)
{
	struct nsim_topology *t = c->t;
	struct nsim_vpc *vpc = &t->vpcs[v];
	struct nsim_vpc_endpoint *e = &vpc->endpoints[i];
	const struct aws_service *s;
	const char *region = NULL;
	int r;

	check_keys(e, c->d);
	if ((r = check_subnets(c, vpc, i)) < 0 || (r = resolve_groups(c, vpc, e)) < 0 ||
	    (r = resolve_route_tables(c, vpc, e)) < 0)
		return r;
	s = resolve_service(c, e, &region);
	if (!s || !check_service(t, e, s, region, c->d))
		return c->d->oom ? -ENOMEM : 0;
	e->service_name = s->name;
	e->service_region = region;
	if ((r = find_service_hosts(c, e)) < 0 || (r = name_endpoint(t, e, s)) < 0)
		return r;
	/* netsim rule: the service's public endpoint is an internet host with
	 * service:; without one, traffic through the endpoint reaches nothing */
	if (!e->n_service_hosts)
		nsim_diag_warning(c->d, e->service.pos,
				  "VPC endpoint '%s': no internet host has service: %s in %s, so nothing answers "
				  "behind the endpoint (add one, e.g. { name: %s, address: 192.0.2.80, listen: "
				  "[443/tcp], service: %s })",
				  nm(&e->name), s->name, e->service_region, s->name, s->name);
	if (e->type == NSIM_VPCE_GATEWAY && (r = nsim_validate_aws_prefix_list(t, s->name, &e->pl)) < 0)
		return r;
	check_private_dns(vpc, e, c->d);
	return 0;
}

static int check_vpc(struct ectx *c, size_t v)
{
	struct nsim_vpc *vpc = &c->t->vpcs[v];
	int r = 0;

	if (!vpc->n_endpoints)
		return 0;
	c->rts = vnames_of(vpc->route_tables, vpc->n_route_tables, sizeof(*vpc->route_tables),
			   offsetof(struct nsim_route_table, name), &c->n_rts);
	c->sgs = vnames_of(vpc->security_groups, vpc->n_security_groups, sizeof(*vpc->security_groups),
			   offsetof(struct nsim_security_group, name), &c->n_sgs);
	c->listed_by = calloc(vpc->n_subnets ? vpc->n_subnets : 1, sizeof(*c->listed_by));
	c->rt_listed_by = calloc(vpc->n_route_tables ? vpc->n_route_tables : 1, sizeof(*c->rt_listed_by));
	if (!c->rts || !c->sgs || !c->listed_by || !c->rt_listed_by)
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < vpc->n_endpoints; i++)
		r = check_endpoint(c, v, i);
	if (r >= 0)
		r = check_private_dns_conflicts(c, vpc);
	if (r >= 0)
		r = add_routes(c->t, vpc);
	free(c->rts);
	free(c->sgs);
	free(c->listed_by);
	free(c->rt_listed_by);
	c->rts = c->sgs = NULL;
	c->listed_by = c->rt_listed_by = NULL;
	return r;
}

int nsim_validate_endpoints(struct nsim_topology *t, struct nsim_diags *d)
{
	struct ectx c = {.t = t, .d = d, .budget = SUGGEST_BUDGET};
	int r = 0;

	c.hosts = calloc(t->n_inet_hosts ? t->n_inet_hosts : 1, sizeof(*c.hosts));
	if (!c.hosts)
		return -ENOMEM;
	for (size_t i = 0; r >= 0 && i < t->n_inet_hosts; i++)
		r = check_service_host(&c, &t->inet_hosts[i]);
	/* sorted by "service/region", then position: each run in file order */
	nsim_vnames_sort(c.hosts, c.n_hosts);
	for (size_t v = 0; r >= 0 && v < t->n_vpcs; v++)
		r = check_vpc(&c, v);
	free(c.hosts);
	if (r < 0)
		return r;
	return d->oom ? -ENOMEM : 0;
}
