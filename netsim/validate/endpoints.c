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

/* Optimal string alignment distance: a swapped pair counts as one typo. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[3][65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *cur = d[i % 3], *prev = d[(i - 1) % 3], *prev2 = d[(i + 1) % 3];
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
	}
	return d[la % 3][lb];
}

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
		size_t dist = edit_distance(name, names[i]), k = strlen(names[i]);
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

static const char *service_hint(const char *name)
{
	const char *names[ELEMENTSOF(services)];

	for (size_t i = 0; i < ELEMENTSOF(services); i++)
		names[i] = services[i].name;
	return nsim_validate_suggest(name, names, ELEMENTSOF(services));
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

/* ---- service hosts ---- */

static int check_service_host(struct nsim_topology *t, struct nsim_inet_host *h, struct nsim_diags *d)
{
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
		const char *hint = service_hint(h->service.name);
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
	if (h->n_dns_names)
		return 0;
	/* A service's default DNS name is <service>.<region>.amazonaws.com.
	 * AWS: "AWS service endpoints",
	 * https://docs.aws.amazon.com/general/latest/gr/rande.html */
	region = h->region.name ? h->region.name : nsim_validate_region(t);
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
static const struct aws_service *resolve_service(struct nsim_topology *t, struct nsim_vpc_endpoint *e,
						 const char **ret_region, struct nsim_diags *d)
{
	const char *name = e->service.name, *region = nsim_validate_region(t);
	const struct aws_service *s;

	if (!name)
		return NULL;
	if (strncmp(name, "com.amazonaws.", 14) == 0) {
		const char *r = name + 14, *dot = strchr(r, '.');
		char *rc = dot ? nsim_arena_strndup(t->arena, r, (size_t)(dot - r)) : NULL;
		if (dot && !rc)
			return d->oom = true, NULL;
		/* Service names are com.amazonaws.<region>.<service>. AWS: "AWS
		 * services that integrate with AWS PrivateLink",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html */
		if (!rc || !nsim_validate_region_ok(rc)) {
			nsim_diag_error(d, e->service.pos,
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
		const char *hint = service_hint(name);
		nsim_diag_error(d, e->service.pos,
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

static void check_keys(const struct nsim_vpc_endpoint *e, struct nsim_diags *d)
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

static size_t find_named(const char *name, const void *base, size_t n, size_t stride, size_t name_off)
{
	for (size_t i = 0; i < n; i++) {
		const struct nsim_ref *r = (const struct nsim_ref *)((const char *)base + i * stride + name_off);
		if (r->name && streq(r->name, name))
			return i;
	}
	return NSIM_NONE;
}

static const char *hint_named(const char *name, const void *base, size_t n, size_t stride, size_t name_off)
{
	const char *names[64];
	size_t k = 0;

	for (size_t i = 0; i < n && k < ELEMENTSOF(names); i++) {
		const struct nsim_ref *r = (const struct nsim_ref *)((const char *)base + i * stride + name_off);
		if (r->name)
			names[k++] = r->name;
	}
	return nsim_validate_suggest(name, names, k);
}

static int resolve_route_tables(struct nsim_topology *t, const struct nsim_vpc *vpc, struct nsim_vpc_endpoint *e,
				struct nsim_diags *d)
{
	if (!e->n_route_tables)
		return 0;
	if (!(e->rt_idx = nsim_arena_alloc(t->arena, e->n_route_tables, sizeof(*e->rt_idx))))
		return -ENOMEM;
	for (size_t i = 0; i < e->n_route_tables; i++) {
		const struct nsim_ref *r = &e->route_tables[i];
		size_t k = find_named(r->name, vpc->route_tables, vpc->n_route_tables, sizeof(*vpc->route_tables),
				      offsetof(struct nsim_route_table, name));
		e->rt_idx[i] = k;
		/* netsim rule: a gateway endpoint's route tables are of its VPC
		 * (AWS: "Gateway endpoints",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html) */
		if (k == NSIM_NONE) {
			const char *hint = hint_named(r->name, vpc->route_tables, vpc->n_route_tables,
						      sizeof(*vpc->route_tables), offsetof(struct nsim_route_table, name));
			nsim_diag_error(d, r->pos, "VPC endpoint '%s': route table '%s' does not exist in VPC '%s'" DYM,
					nm(&e->name), r->name, nm(&vpc->name), DYM_ARGS(hint));
			continue;
		}
		/* netsim rule: a route table listed twice is a mistake */
		for (size_t j = 0; j < i; j++)
			if (e->rt_idx[j] == k) {
				nsim_diag_error(d, r->pos, "VPC endpoint '%s' lists route table '%s' twice", nm(&e->name),
						r->name);
				e->rt_idx[i] = NSIM_NONE;
				break;
			}
	}
	return 0;
}

static int resolve_groups(struct nsim_topology *t, const struct nsim_vpc *vpc, struct nsim_vpc_endpoint *e,
			  struct nsim_diags *d)
{
	if (!e->n_security_groups)
		return 0;
	if (!(e->sg_idx = nsim_arena_alloc(t->arena, e->n_security_groups, sizeof(*e->sg_idx))))
		return -ENOMEM;
	/* At most 5 security groups per network interface. AWS: "Amazon VPC
	 * quotas", https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
	if (e->n_security_groups > SG_PER_INTERFACE_MAX)
		nsim_diag_error(d, e->security_groups[SG_PER_INTERFACE_MAX].pos,
				"VPC endpoint '%s' has %zu security groups: AWS allows at most %d per network "
				"interface",
				nm(&e->name), e->n_security_groups, SG_PER_INTERFACE_MAX);
	for (size_t i = 0; i < e->n_security_groups; i++) {
		const struct nsim_ref *r = &e->security_groups[i];
		size_t k = find_named(r->name, vpc->security_groups, vpc->n_security_groups,
				      sizeof(*vpc->security_groups), offsetof(struct nsim_security_group, name));
		e->sg_idx[i] = k;
		/* An interface endpoint's security groups are of its VPC. AWS:
		 * "Access an AWS service using an interface VPC endpoint",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
		if (k == NSIM_NONE) {
			const char *hint = hint_named(r->name, vpc->security_groups, vpc->n_security_groups,
						      sizeof(*vpc->security_groups),
						      offsetof(struct nsim_security_group, name));
			nsim_diag_error(d, r->pos, "VPC endpoint '%s': security group '%s' does not exist in VPC '%s'" DYM,
					nm(&e->name), r->name, nm(&vpc->name), DYM_ARGS(hint));
			continue;
		}
		/* netsim rule: a group listed twice is a mistake */
		for (size_t j = 0; j < i; j++)
			if (e->sg_idx[j] == k) {
				nsim_diag_error(d, r->pos, "VPC endpoint '%s' lists security group '%s' twice",
						nm(&e->name), r->name);
				break;
			}
	}
	return 0;
}

static void check_subnets(const struct nsim_vpc *vpc, const struct nsim_vpc_endpoint *e, struct nsim_diags *d)
{
	for (size_t i = 0; e->subnet_idx && i < e->n_subnets; i++) {
		size_t k = e->subnet_idx[i];
		if (k == NSIM_NONE)
			continue;
		const struct nsim_subnet *s = &vpc->subnets[k];
		for (size_t j = 0; j < i; j++) {
			size_t o = e->subnet_idx[j];
			if (o == NSIM_NONE)
				continue;
			/* netsim rule: a subnet listed twice is a mistake */
			if (o == k) {
				nsim_diag_error(d, e->subnets[i].pos, "VPC endpoint '%s' lists subnet '%s' twice",
						nm(&e->name), nm(&s->name));
				break;
			}
			/* An interface endpoint has one network interface per
			 * Availability Zone: one subnet per AZ. AWS: "Access an AWS
			 * service using an interface VPC endpoint",
			 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
			if (s->az.name && vpc->subnets[o].az.name && streq(s->az.name, vpc->subnets[o].az.name)) {
				nsim_diag_error(d, e->subnets[i].pos,
						"VPC endpoint '%s': subnets '%s' and '%s' are both in Availability Zone "
						"'%s': AWS allows one subnet per Availability Zone for an interface "
						"endpoint",
						nm(&e->name), nm(&vpc->subnets[o].name), nm(&s->name), s->az.name);
				break;
			}
		}
	}
}

/* ---- private DNS ---- */

static void check_private_dns(const struct nsim_vpc *vpc, size_t i, struct nsim_diags *d)
{
	const struct nsim_vpc_endpoint *e = &vpc->endpoints[i];

	if (e->type != NSIM_VPCE_INTERFACE || !e->private_dns || !e->service_name)
		return;
	/* Private DNS needs the VPC's enableDnsSupport and enableDnsHostnames.
	 * AWS: "Access an AWS service using an interface VPC endpoint",
	 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html;
	 * "DNS attributes for your VPC", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html */
	if (!vpc->dns_support || !vpc->dns_hostnames) {
		nsim_diag_error(d, e->private_dns_pos,
				"VPC endpoint '%s' has private DNS on (private_dns: true is the default), but VPC "
				"'%s' has %s: AWS enables private DNS for an interface endpoint only in a VPC with "
				"both DNS support and DNS hostnames on; set %s in VPC '%s' (or private_dns: false)",
				nm(&e->name), nm(&vpc->name),
				!vpc->dns_support ? "dns_support: false" : "dns_hostnames: false (the default)",
				!vpc->dns_support ? "dns_support: true and dns_hostnames: true" : "dns_hostnames: true",
				nm(&vpc->name));
		return;
	}
	for (size_t j = 0; j < i; j++) {
		const struct nsim_vpc_endpoint *o = &vpc->endpoints[j];
		/* Private DNS makes a private hosted zone for the service's name in
		 * the VPC: a second one for the same service conflicts. AWS:
		 * "Access an AWS service using an interface VPC endpoint",
		 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
		if (o->type == NSIM_VPCE_INTERFACE && o->private_dns && o->service_name &&
		    streq(o->service_name, e->service_name) && streq(o->service_region, e->service_region)) {
			nsim_diag_error(d, e->private_dns_pos,
					"VPC endpoint '%s' has private DNS for %s, like VPC endpoint '%s' (at %u:%u) "
					"in VPC '%s': the private hosted zones of the service's name conflict; AWS "
					"allows one endpoint with private DNS per service and VPC (set private_dns: "
					"false on one)",
					nm(&e->name), e->service_name, nm(&o->name), o->pos.line, o->pos.col,
					nm(&vpc->name));
			return;
		}
	}
}

/* ---- the endpoint ---- */

static int find_service_hosts(struct nsim_topology *t, struct nsim_vpc_endpoint *e)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_inet_hosts; i++) {
		const struct nsim_inet_host *h = &t->inet_hosts[i];
		const char *r = h->region.name ? h->region.name : nsim_validate_region(t);
		if (h->service.name && streq(h->service.name, e->service_name) && streq(r, e->service_region))
			n++;
	}
	if (!n)
		return 0;
	if (!(e->service_hosts = nsim_arena_alloc(t->arena, n, sizeof(*e->service_hosts))))
		return -ENOMEM;
	for (size_t i = 0; i < t->n_inet_hosts; i++) {
		const struct nsim_inet_host *h = &t->inet_hosts[i];
		const char *r = h->region.name ? h->region.name : nsim_validate_region(t);
		if (h->service.name && streq(h->service.name, e->service_name) && streq(r, e->service_region))
			e->service_hosts[e->n_service_hosts++] = i;
	}
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

/* The gateway endpoint's route in each of its route tables: destination
 * the service's AWS-managed prefix list, target the endpoint. AWS:
 * "Gateway endpoints",
 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html */
static int add_routes(struct nsim_topology *t, struct nsim_vpc *vpc, size_t i)
{
	struct nsim_vpc_endpoint *e = &vpc->endpoints[i];

	for (size_t k = 0; e->rt_idx && k < e->n_route_tables; k++) {
		if (e->rt_idx[k] == NSIM_NONE)
			continue;
		struct nsim_route_table *rt = &vpc->route_tables[e->rt_idx[k]];
		struct nsim_route *routes = nsim_arena_alloc(t->arena, rt->n_routes + 1, sizeof(*routes));
		if (!routes)
			return -ENOMEM;
		if (rt->n_routes)
			memcpy(routes, rt->routes, rt->n_routes * sizeof(*routes));
		routes[rt->n_routes] = (struct nsim_route){
			.pos = e->route_tables[k].pos,
			.dest_pos = e->service.pos,
			.dest_list = {.name = (char *)e->service_name, .pos = e->service.pos},
			.target = e->name,
			.kind = NSIM_TARGET_GATEWAY_ENDPOINT,
			.target_idx = i,
			.dest_pl = e->pl,
			.managed = true,
		};
		rt->routes = routes;
		rt->n_routes++;
	}
	return 0;
}

static int check_endpoint(struct nsim_topology *t, size_t v, size_t i, struct nsim_diags *d)
{
	struct nsim_vpc *vpc = &t->vpcs[v];
	struct nsim_vpc_endpoint *e = &vpc->endpoints[i];
	const struct aws_service *s;
	const char *region = NULL;
	int r;

	check_keys(e, d);
	check_subnets(vpc, e, d);
	if ((r = resolve_groups(t, vpc, e, d)) < 0 || (r = resolve_route_tables(t, vpc, e, d)) < 0)
		return r;
	s = resolve_service(t, e, &region, d);
	if (!s || !check_service(t, e, s, region, d))
		return d->oom ? -ENOMEM : 0;
	e->service_name = s->name;
	e->service_region = region;
	if ((r = find_service_hosts(t, e)) < 0 || (r = name_endpoint(t, e, s)) < 0)
		return r;
	/* netsim rule: the service's public endpoint is an internet host with
	 * service:; without one, traffic through the endpoint reaches nothing */
	if (!e->n_service_hosts)
		nsim_diag_warning(d, e->service.pos,
				  "VPC endpoint '%s': no internet host has service: %s in %s, so nothing answers "
				  "behind the endpoint (add one, e.g. { name: %s, address: 192.0.2.80, listen: "
				  "[443/tcp], service: %s })",
				  nm(&e->name), s->name, e->service_region, s->name, s->name);
	if (e->type == NSIM_VPCE_GATEWAY) {
		if ((r = nsim_validate_aws_prefix_list(t, s->name, &e->pl)) < 0 || (r = add_routes(t, vpc, i)) < 0)
			return r;
	}
	check_private_dns(vpc, i, d);
	return 0;
}

int nsim_validate_endpoints(struct nsim_topology *t, struct nsim_diags *d)
{
	int r;

	for (size_t i = 0; i < t->n_inet_hosts; i++)
		if ((r = check_service_host(t, &t->inet_hosts[i], d)) < 0)
			return r;
	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t i = 0; i < t->vpcs[v].n_endpoints; i++)
			if ((r = check_endpoint(t, v, i, d)) < 0)
				return r;
	return d->oom ? -ENOMEM : 0;
}
