/* SPDX-License-Identifier: MIT */
/*
 * Compute and data resources -> hosts: an AWS::EC2::Instance, a Lambda function with VpcConfig, a
 * database, a proxy, a cache, an ECS service with awsvpc networking, a load balancer. Each becomes a host
 * (a network interface) in a subnet of the template, with the security groups the template gives it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "import/import-internal.h"

static const struct nsim_cfn_value *prop(const struct imp_obj *o, const char *key)
{
	return nsim_cfn_get(o->res->properties, key);
}

static bool is(const struct imp_obj *o, const char *type)
{
	return streq(o->res->type, type);
}

void imp_host_listen(struct imp_ctx *c, struct imp_host *h, unsigned port, const char *proto)
{
	if (!port || port > 65535)
		return;
	char *s = imp_check(c, nsim_arena_printf(c->arena, "%u/%s", port, proto));
	if (!s)
		return;
	if (!h->listen) {
		h->listen = imp_check(c, nsim_emit_seq(c->arena));
		if (!h->listen)
			return;
		h->listen->flow = true;
		IMP_TRY(c, nsim_emit_set(c->arena, h->node, "listen", h->listen));
	}
	for (size_t i = 0; i < h->listen->n; i++)
		if (streq(h->listen->items[i]->value, s))
			return;
	IMP_TRY(c, nsim_emit_push(c->arena, h->listen, nsim_emit_scalar(c->arena, s)));
}

static void push_host(struct imp_ctx *c, struct imp_host *h)
{
	if (c->n_hosts == c->cap_hosts) {
		size_t cap = c->cap_hosts ? 2 * c->cap_hosts : 16;
		struct imp_host **hs = imp_check(c, nsim_arena_alloc(c->arena, cap, sizeof(*hs)));
		if (!hs)
			return;
		if (c->n_hosts)
			memcpy(hs, c->hosts, c->n_hosts * sizeof(*hs));
		c->hosts = hs;
		c->cap_hosts = cap;
	}
	c->hosts[c->n_hosts++] = h;
}

struct imp_host *imp_host_new(struct imp_ctx *c, struct imp_obj *o, const char *name, const char *kind,
			      struct imp_obj *subnet, const char *sg_key, const struct nsim_cfn_value *sgs)
{
	struct imp_host *h = imp_check(c, nsim_arena_alloc(c->arena, 1, sizeof(*h)));
	if (!h || !subnet->vpc)
		return NULL;
	h->name = name;
	h->res = o->res;
	h->subnet = subnet;
	bool ok = true;
	if (sgs && sgs->kind != NSIM_CFN_NULL) {
		if (sgs->kind != NSIM_CFN_LIST) {
			imp_error(c, o->res, sgs, "%s is %s, not a list of security groups", sg_key, imp_describe(c, sgs));
			return NULL;
		}
		for (size_t i = 0; i < sgs->n; i++) {
			struct imp_obj *sg = imp_ref(c, o->res, sg_key, sgs->items[i], IMP_SG, NULL);
			if (!sg || !sg->node) {
				ok = false;
				continue;
			}
			if (sg->vpc != subnet->vpc) {
				/* an interface's groups belong to its VPC (Security group rules,
				 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html) */
				imp_error(c, o->res, sgs->items[i], "security group %s is in VPC %s, the subnet %s in %s",
					  sg->res->logical_id, sg->vpc->res->logical_id, subnet->res->logical_id,
					  subnet->vpc->res->logical_id);
				ok = false;
				continue;
			}
			bool dup = false;
			for (size_t k = 0; k < h->n_sgs; k++)
				dup = dup || h->sgs[k] == sg;
			if (dup)
				continue;
			if (h->n_sgs == IMP_MAX_SGS) {
				/* Amazon VPC quotas: 5 security groups per network interface,
				 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
				imp_error(c, o->res, sgs, "more than %d security groups: AWS allows %d per network "
					  "interface", IMP_MAX_SGS, IMP_MAX_SGS);
				ok = false;
				break;
			}
			h->sgs[h->n_sgs++] = sg;
		}
	}
	if (!ok)
		return NULL;
	h->node = imp_check(c, nsim_emit_map(c->arena));
	if (!h->node)
		return NULL;
	IMP_TRY(c, nsim_emit_comment(c->arena, h->node, "%s (%s)", o->res->logical_id, o->res->type));
	IMP_TRY(c, nsim_emit_set_str(c->arena, h->node, "name", name));
	IMP_TRY(c, nsim_emit_set_str(c->arena, h->node, "kind", kind));
	IMP_TRY(c, nsim_emit_set_str(c->arena, h->node, "subnet", subnet->name));
	const char *addr = imp_host_address(c, subnet);
	if (!addr) {
		imp_error(c, o->res, NULL, "subnet %s has no free address left for it", subnet->res->logical_id);
		return NULL;
	}
	struct nsim_emit_node *a = imp_check(c, nsim_emit_scalar(c->arena, addr));
	if (a)
		a->trailing = "chosen by netsim import";
	IMP_TRY(c, nsim_emit_set(c->arena, h->node, "address", a));
	if (h->n_sgs) {
		struct nsim_emit_node *seq = imp_check(c, nsim_emit_seq(c->arena));
		if (!seq)
			return NULL;
		seq->flow = true;
		for (size_t i = 0; i < h->n_sgs; i++)
			IMP_TRY(c, nsim_emit_push(c->arena, seq, nsim_emit_scalar(c->arena, h->sgs[i]->name)));
		IMP_TRY(c, nsim_emit_set(c->arena, h->node, "security_groups", seq));
	}
	IMP_TRY(c, nsim_emit_push(c->arena, imp_vpc_list(c, subnet->vpc, "hosts"), h->node));
	if (o->n_hosts < ELEMENTSOF(o->hosts))
		o->hosts[o->n_hosts++] = h;
	push_host(c, h);
	return h;
}

static void set_public_ip(struct imp_ctx *c, struct imp_host *h, const char *addr, const char *why)
{
	struct nsim_emit_node *n = imp_check(c, nsim_emit_scalar(c->arena, addr));
	if (!n)
		return;
	n->trailing = why;
	IMP_TRY(c, nsim_emit_set(c->arena, h->node, "public_ip", n));
	h->public = true;
}

/* The subnets of a list property (refs to subnets of the template), or NULL (reported). */
static struct imp_obj *first_subnet(struct imp_ctx *c, struct imp_obj *o, const char *key,
				    const struct nsim_cfn_value *v, size_t *ret_n)
{
	if (!v || v->kind == NSIM_CFN_NULL) {
		imp_error(c, o->res, NULL, "%s is missing: netsim import needs the subnets", key);
		return NULL;
	}
	if (v->kind != NSIM_CFN_LIST) {
		(void)imp_ref(c, o->res, key, v, IMP_SUBNET, "subnets");
		return NULL;
	}
	if (v->n == 0) {
		imp_error(c, o->res, v, "%s is empty", key);
		return NULL;
	}
	struct imp_obj *first = NULL;
	for (size_t i = 0; i < v->n; i++) {
		struct imp_obj *s = imp_ref(c, o->res, key, v->items[i], IMP_SUBNET, NULL);
		if (!s || !s->node || !s->vpc)
			return NULL;
		if (!first)
			first = s;
	}
	*ret_n = v->n;
	return first;
}

/* The subnets of a subnet group, refs to it from `key`. */
static const struct nsim_cfn_value *group_subnets(struct imp_ctx *c, struct imp_obj *o, const char *key,
						  const char *what)
{
	const struct nsim_cfn_value *v = prop(o, key);
	if (!v) {
		/* the resource is placed in the account's default VPC */
		imp_error(c, o->res, NULL, "no %s: the %s would be in the account's default VPC, which the template "
			  "does not declare; give it a subnet group of the template's VPC (netsim import cannot "
			  "supply a default VPC: describe it in the template, or in an --overlay with the host)", key, what);
		return NULL;
	}
	struct imp_obj *g = imp_ref(c, o->res, key, v, IMP_SUBNET_GROUP, NULL);
	if (!g)
		return NULL;
	g->done = true;
	const struct nsim_cfn_value *ids = nsim_cfn_get(g->res->properties, "SubnetIds");
	if (!ids) {
		imp_error(c, g->res, NULL, "SubnetIds is missing");
		return NULL;
	}
	return ids;
}

/* A host in the first subnet of `subnets`. */
static struct imp_host *one_host(struct imp_ctx *c, struct imp_obj *o, const char *kind, const char *subnet_key,
				 const struct nsim_cfn_value *subnets, const char *sg_key,
				 const struct nsim_cfn_value *sgs, const char *why)
{
	size_t n = 0;
	struct imp_obj *s = first_subnet(c, o, subnet_key, subnets, &n);
	if (!s)
		return NULL;
	if (n > 1)
		imp_note(c, o->res, subnets, "%zu subnets in %s: one host, in the first (%s)%s", n, subnet_key,
			 s->res->logical_id, why ? why : "");
	return imp_host_new(c, o, o->name, kind, s, sg_key, sgs);
}

/* The default port of an RDS engine (Amazon RDS User Guide, "DB instance port",
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ConnectToInstance.html) */
static unsigned engine_port(const char *engine)
{
	if (!engine)
		return 0;
	if (!strncmp(engine, "postgres", 8) || streq(engine, "aurora-postgresql"))
		return 5432;
	if (!strncmp(engine, "mysql", 5) || !strncmp(engine, "mariadb", 7) || !strncmp(engine, "aurora", 6))
		return 3306;
	if (!strncmp(engine, "oracle", 6))
		return 1521;
	if (!strncmp(engine, "sqlserver", 9))
		return 1433;
	if (!strncmp(engine, "db2", 3))
		return 50000;
	if (!strncmp(engine, "redis", 5) || !strncmp(engine, "valkey", 6))
		return 6379;
	if (!strncmp(engine, "memcached", 9))
		return 11211;
	return 0;
}

static void listen_port(struct imp_ctx *c, struct imp_obj *o, struct imp_host *h, unsigned dflt)
{
	long long port;
	if (prop(o, "Port") && nsim_cfn_int(prop(o, "Port"), &port) == 0 && port > 0 && port < 65536)
		imp_host_listen(c, h, (unsigned)port, "tcp");
	else if (dflt)
		imp_host_listen(c, h, dflt, "tcp");
	else
		imp_warning(c, o->res, prop(o, "Engine"), "the engine's port is not known: the host listens on nothing");
}

/* AWS::Lambda::Function (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html)
 * and AWS::Serverless::Function (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html):
 * with VpcConfig, Lambda gives the function network interfaces in those subnets (one host here); Globals
 * supply VpcConfig to the functions that do not have their own
 * (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html). */
static void map_function(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	const struct nsim_cfn_value *vc = prop(o, "VpcConfig");
	if (!vc && is(o, "AWS::Serverless::Function") && c->t->globals)
		vc = nsim_cfn_get(nsim_cfn_get(c->t->globals, "Function"), "VpcConfig");
	const struct nsim_cfn_value *subnets = nsim_cfn_get(vc, "SubnetIds");
	if (!vc || !subnets || (subnets->kind == NSIM_CFN_LIST && subnets->n == 0)) {
		imp_note(c, o->res, NULL, "no VpcConfig: the function runs outside any VPC, not part of the network");
		return;
	}
	struct imp_host *h = one_host(c, o, "function", "VpcConfig.SubnetIds", subnets, "VpcConfig.SecurityGroupIds",
				      nsim_cfn_get(vc, "SecurityGroupIds"), "; Lambda uses them all");
	(void)h;
}

/* AWS::RDS::DBInstance: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbinstance.html */
static void map_db_instance(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	const struct nsim_cfn_value *cl = prop(o, "DBClusterIdentifier");
	if (cl) {
		struct imp_obj *cluster = cl->kind == NSIM_CFN_REF ? imp_find(c, cl->ref.logical_id) : NULL;
		if (cluster && is(cluster, "AWS::RDS::DBCluster")) {
			o->kind = IMP_OTHER;
			imp_note(c, o->res, cl, "an instance of cluster %s: the cluster's host stands for it",
				 cluster->res->logical_id);
			return;
		}
	}
	if (prop(o, "SourceDBInstanceIdentifier") && !prop(o, "DBSubnetGroupName")) {
		const struct nsim_cfn_value *src = prop(o, "SourceDBInstanceIdentifier");
		struct imp_obj *s = src->kind == NSIM_CFN_REF ? imp_find(c, src->ref.logical_id) : NULL;
		if (s && s->n_hosts) {
			struct imp_host *h = imp_host_new(c, o, o->name, "database", s->hosts[0]->subnet,
							  "VPCSecurityGroups", prop(o, "VPCSecurityGroups"));
			long long port = 0;
			/* a replica listens where its source does unless its own Port says otherwise */
			if (h && !prop(o, "Port") && prop(s, "Port") && nsim_cfn_int(prop(s, "Port"), &port) == 0 &&
			    port > 0 && port < 65536)
				imp_host_listen(c, h, (unsigned)port, "tcp");
			else if (h)
				listen_port(c, o, h, engine_port(nsim_cfn_str(prop(s, "Engine"))));
			if (h)
				imp_note(c, o->res, prop(o, "SourceDBInstanceIdentifier"), "a read replica without a subnet "
					 "group: in its source's subnet");
			return;
		}
	}
	if (prop(o, "DBSecurityGroups")) {
		imp_error(c, o->res, prop(o, "DBSecurityGroups"), "DB security groups are EC2-Classic's: netsim "
			  "import needs VPCSecurityGroups");
		return;
	}
	const struct nsim_cfn_value *subnets = group_subnets(c, o, "DBSubnetGroupName", "database");
	if (!subnets)
		return;
	struct imp_host *h = one_host(c, o, "database", "DBSubnetGroupName", subnets, "VPCSecurityGroups",
				      prop(o, "VPCSecurityGroups"), "");
	if (!h)
		return;
	listen_port(c, o, h, engine_port(nsim_cfn_str(prop(o, "Engine"))));
	bool pub = false;
	if (prop(o, "PubliclyAccessible") && nsim_cfn_bool(prop(o, "PubliclyAccessible"), &pub) == 0 && pub) {
		const char *a = imp_public_address(c);
		if (a)
			set_public_ip(c, h, a, "chosen by netsim import: PubliclyAccessible");
	}
}

/* AWS::RDS::DBCluster: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html */
static void map_db_cluster(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	const struct nsim_cfn_value *subnets = group_subnets(c, o, "DBSubnetGroupName", "database cluster");
	if (!subnets)
		return;
	struct imp_host *h = one_host(c, o, "database", "DBSubnetGroupName", subnets, "VpcSecurityGroupIds",
				      prop(o, "VpcSecurityGroupIds"), "");
	if (h)
		listen_port(c, o, h, engine_port(nsim_cfn_str(prop(o, "Engine"))));
}

/* AWS::RDS::DBProxy: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbproxy.html
 * A proxy has an endpoint in each of its subnets: a host per subnet. */
static void map_db_proxy(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	const struct nsim_cfn_value *subnets = prop(o, "VpcSubnetIds");
	size_t n = 0;
	if (!first_subnet(c, o, "VpcSubnetIds", subnets, &n))
		return;
	const char *family = nsim_cfn_str(prop(o, "EngineFamily"));
	unsigned port = !family ? 0 : !strcasecmp(family, "MYSQL") ? 3306 : !strcasecmp(family, "POSTGRESQL") ? 5432
			: !strcasecmp(family, "SQLSERVER") ? 1433 : 0;
	for (size_t i = 0; i < subnets->n; i++) {
		struct imp_obj *s = imp_ref(c, o->res, "VpcSubnetIds", subnets->items[i], IMP_SUBNET, NULL);
		if (!s)
			return;
		const char *name = o->name;
		if (i > 0) {
			char *base = imp_check(c, nsim_arena_printf(c->arena, "%.*s-%zu", IMP_NAME_MAX - 4, o->name, i + 1));
			name = base ? imp_unique_name(c, base) : NULL;
		}
		if (!name)
			return;
		struct imp_host *h = imp_host_new(c, o, name, "proxy", s, "VpcSecurityGroupIds",
						  prop(o, "VpcSecurityGroupIds"));
		if (h && port)
			imp_host_listen(c, h, port, "tcp");
	}
}

/* AWS::RDS::DBProxyTargetGroup: the proxy relays to its clusters' and instances' hosts.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbproxytargetgroup.html */
static void map_proxy_targets(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	o->kind = IMP_OTHER;
	const struct nsim_cfn_value *pv = prop(o, "DBProxyName");
	struct imp_obj *proxy = pv && pv->kind == NSIM_CFN_REF ? imp_find(c, pv->ref.logical_id) : NULL;
	if (!proxy || !proxy->n_hosts) {
		imp_note(c, o->res, pv, "its proxy is not a host of the topology: left out");
		return;
	}
	struct nsim_emit_node *targets = imp_check(c, nsim_emit_seq(c->arena));
	if (!targets)
		return;
	targets->flow = true;
	static const char *const keys[] = {"DBClusterIdentifiers", "DBInstanceIdentifiers"};
	for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
		const struct nsim_cfn_value *l = prop(o, keys[k]);
		for (size_t i = 0; l && l->kind == NSIM_CFN_LIST && i < l->n; i++) {
			const struct nsim_cfn_value *v = l->items[i];
			struct imp_obj *t = v->kind == NSIM_CFN_REF ? imp_find(c, v->ref.logical_id) : NULL;
			if (!t || !t->n_hosts) {
				imp_warning(c, o->res, v, "%s: %s is not a database of the template: not a target", keys[k],
					    imp_describe(c, v));
				continue;
			}
			IMP_TRY(c, nsim_emit_push(c->arena, targets, nsim_emit_scalar(c->arena, t->hosts[0]->name)));
		}
	}
	if (!targets->n)
		return;
	for (size_t i = 0; i < proxy->n_hosts; i++) {
		struct nsim_emit_node *t = targets;
		t->trailing = imp_check(c, nsim_arena_printf(c->arena, "%s (%s)", o->res->logical_id, o->res->type));
		IMP_TRY(c, nsim_emit_set(c->arena, proxy->hosts[i]->node, "targets", t));
	}
}

/* AWS::ElastiCache::CacheCluster / ReplicationGroup, AWS::MemoryDB::Cluster: a `database` host.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticache-cachecluster.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticache-replicationgroup.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-memorydb-cluster.html */
static void map_cache(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	bool memdb = is(o, "AWS::MemoryDB::Cluster");
	const char *group_key = memdb ? "SubnetGroupName" : "CacheSubnetGroupName";
	const char *sg_key = is(o, "AWS::ElastiCache::CacheCluster") ? "VpcSecurityGroupIds" : "SecurityGroupIds";
	const struct nsim_cfn_value *subnets = group_subnets(c, o, group_key, "cache");
	if (!subnets)
		return;
	struct imp_host *h = one_host(c, o, "database", group_key, subnets, sg_key, prop(o, sg_key), "");
	if (h)
		listen_port(c, o, h, memdb ? 6379 : engine_port(nsim_cfn_str(prop(o, "Engine"))));
}

/* AWS::DMS::ReplicationInstance: an instance host.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationinstance.html */
static void map_dms(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	const struct nsim_cfn_value *subnets = group_subnets(c, o, "ReplicationSubnetGroupIdentifier",
							     "replication instance");
	if (!subnets)
		return;
	struct imp_host *h = one_host(c, o, "instance", "ReplicationSubnetGroupIdentifier", subnets,
				      "VpcSecurityGroupIds", prop(o, "VpcSecurityGroupIds"), "");
	/* PubliclyAccessible: "The default value is true" (the page above) */
	bool pub = true;
	if (prop(o, "PubliclyAccessible") && nsim_cfn_bool(prop(o, "PubliclyAccessible"), &pub) < 0)
		pub = true;
	if (h && pub) {
		const char *a = imp_public_address(c);
		if (a)
			set_public_ip(c, h, a, "chosen by netsim import: PubliclyAccessible");
	}
}

/* AWS::ECS::Service with awsvpc networking: one host for its tasks.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html */
static void map_ecs_service(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	const struct nsim_cfn_value *aws = nsim_cfn_get(prop(o, "NetworkConfiguration"), "AwsvpcConfiguration");
	if (!aws) {
		imp_note(c, o->res, NULL, "no awsvpc NetworkConfiguration: its tasks share their instances' "
			 "interfaces, which netsim import does not map");
		return;
	}
	struct imp_host *h = one_host(c, o, "instance", "AwsvpcConfiguration.Subnets", nsim_cfn_get(aws, "Subnets"),
				      "AwsvpcConfiguration.SecurityGroups", nsim_cfn_get(aws, "SecurityGroups"),
				      "; its tasks spread over them");
	if (!h)
		return;
	const char *assign = nsim_cfn_str(nsim_cfn_get(aws, "AssignPublicIp"));
	if (assign && streq(assign, "ENABLED")) {
		const char *a = imp_public_address(c);
		if (a)
			set_public_ip(c, h, a, "chosen by netsim import: AssignPublicIp");
	}
	const struct nsim_cfn_value *lbs = prop(o, "LoadBalancers");
	for (size_t i = 0; lbs && lbs->kind == NSIM_CFN_LIST && i < lbs->n; i++) {
		long long port;
		if (nsim_cfn_int(nsim_cfn_get(lbs->items[i], "ContainerPort"), &port) == 0 && port > 0 && port < 65536)
			imp_host_listen(c, h, (unsigned)port, "tcp");
	}
}

/* Elastic Load Balancing: a host in the first of its subnets, with a public IP when internet-facing.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancingv2-loadbalancer.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancing-loadbalancer.html */
static void map_lb(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	const char *type = nsim_cfn_str(prop(o, "Type"));
	if (type && streq(type, "gateway")) {
		imp_error(c, o->res, prop(o, "Type"), "netsim does not model Gateway Load Balancers yet");
		return;
	}
	const struct nsim_cfn_value *subnets = prop(o, "Subnets");
	const char *key = "Subnets";
	struct nsim_cfn_value *mapped = NULL;
	if (!subnets && prop(o, "SubnetMappings") && prop(o, "SubnetMappings")->kind == NSIM_CFN_LIST) {
		const struct nsim_cfn_value *m = prop(o, "SubnetMappings");
		mapped = imp_check(c, nsim_arena_alloc(c->arena, 1, sizeof(*mapped)));
		if (!mapped)
			return;
		*mapped = *m;
		mapped->items = imp_check(c, nsim_arena_alloc(c->arena, m->n + 1, sizeof(*mapped->items)));
		if (!mapped->items)
			return;
		for (size_t i = 0; i < m->n; i++)
			mapped->items[i] = (struct nsim_cfn_value *)nsim_cfn_get(m->items[i], "SubnetId");
		for (size_t i = 0; i < m->n; i++)
			if (!mapped->items[i]) {
				imp_error(c, o->res, m->items[i], "a SubnetMapping without SubnetId");
				return;
			}
		subnets = mapped;
		key = "SubnetMappings";
	}
	struct imp_host *h = one_host(c, o, "instance", key, subnets, "SecurityGroups", prop(o, "SecurityGroups"),
				      "; the load balancer has a node in each");
	if (!h)
		return;
	const char *scheme = nsim_cfn_str(prop(o, "Scheme"));
	/* Scheme: "The default is an Internet-facing load balancer" */
	if (!scheme || streq(scheme, "internet-facing")) {
		const char *a = imp_public_address(c);
		if (a)
			set_public_ip(c, h, a, "chosen by netsim import: an internet-facing load balancer");
	}
	const struct nsim_cfn_value *ls = prop(o, "Listeners"); /* the classic load balancer's */
	for (size_t i = 0; ls && ls->kind == NSIM_CFN_LIST && i < ls->n; i++) {
		long long port;
		const char *proto = nsim_cfn_str(nsim_cfn_get(ls->items[i], "Protocol"));
		if (nsim_cfn_int(nsim_cfn_get(ls->items[i], "LoadBalancerPort"), &port) == 0)
			imp_host_listen(c, h, (unsigned)port, proto && !strcasecmp(proto, "UDP") ? "udp" : "tcp");
	}
}

/* AWS::ElasticLoadBalancingV2::Listener: the port the load balancer's host listens on.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancingv2-listener.html */
static void map_listener(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	const struct nsim_cfn_value *lb = prop(o, "LoadBalancerArn");
	struct imp_obj *t = lb && lb->kind == NSIM_CFN_REF ? imp_find(c, lb->ref.logical_id) : NULL;
	long long port;
	if (!t || !t->n_hosts || nsim_cfn_int(prop(o, "Port"), &port) < 0) {
		imp_note(c, o->res, lb, "its load balancer is not a host of the topology: left out");
		return;
	}
	const char *proto = nsim_cfn_str(prop(o, "Protocol"));
	imp_host_listen(c, t->hosts[0], (unsigned)port, proto && !strncasecmp(proto, "UDP", 3) ? "udp" : "tcp");
}

/* AWS::EC2::Instance: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-instance.html */
static void map_instance(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	const struct nsim_cfn_value *subnet = prop(o, "SubnetId"), *sgs = prop(o, "SecurityGroupIds");
	const char *sg_key = "SecurityGroupIds";
	const struct nsim_cfn_value *nics = prop(o, "NetworkInterfaces"), *nic = NULL;
	bool assoc_public = false;
	if (!subnet && nics && nics->kind == NSIM_CFN_LIST) {
		for (size_t i = 0; i < nics->n && !nic; i++) {
			long long idx = -1;
			if (nsim_cfn_int(nsim_cfn_get(nics->items[i], "DeviceIndex"), &idx) == 0 && idx == 0)
				nic = nics->items[i];
		}
		if (!nic && nics->n)
			nic = nics->items[0];
		if (nics->n > 1)
			imp_note(c, o->res, nics, "%zu network interfaces: the host is the first (DeviceIndex 0)", nics->n);
		subnet = nsim_cfn_get(nic, "SubnetId");
		sgs = nsim_cfn_get(nic, "GroupSet");
		sg_key = "NetworkInterfaces.GroupSet";
		if (nsim_cfn_get(nic, "AssociatePublicIpAddress") &&
		    nsim_cfn_bool(nsim_cfn_get(nic, "AssociatePublicIpAddress"), &assoc_public) < 0)
			assoc_public = false;
	}
	if (!subnet) {
		imp_error(c, o->res, NULL, "no SubnetId: the instance would be in the account's default VPC, which the "
			  "template does not declare; give it a SubnetId of the template");
		return;
	}
	if (!sgs && prop(o, "SecurityGroups")) {
		sgs = prop(o, "SecurityGroups");
		sg_key = "SecurityGroups";
	}
	struct imp_obj *s = imp_ref(c, o->res, "SubnetId", subnet, IMP_SUBNET, NULL);
	if (!s || !s->node || !s->vpc)
		return;
	const char *fixed = nsim_cfn_str(prop(o, "PrivateIpAddress"));
	if (!fixed)
		fixed = nsim_cfn_str(nsim_cfn_get(nic, "PrivateIpAddress"));
	if (fixed)
		imp_subnet_use(c, s, fixed); /* chosen addresses of other hosts avoid it */
	struct imp_host *h = imp_host_new(c, o, o->name, "instance", s, sg_key, sgs);
	if (!h)
		return;
	if (fixed)
		IMP_TRY(c, nsim_emit_set_str(c->arena, h->node, "address", fixed));
	if (assoc_public || s->map_public_ip) {
		const char *a = imp_public_address(c);
		if (a)
			set_public_ip(c, h, a, assoc_public ? "chosen by netsim import: AssociatePublicIpAddress"
							    : "chosen by netsim import: the subnet's MapPublicIpOnLaunch");
	}
}

/* AWS::EC2::EIP with InstanceId, and AWS::EC2::EIPAssociation: the instance's public IP is the elastic IP.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-eip.html */
static void map_eip_instance(struct imp_ctx *c, struct imp_obj *eip, const struct nsim_cfn_resource *by,
			     const struct nsim_cfn_value *iv)
{
	struct imp_obj *inst = imp_ref(c, by, "InstanceId", iv, IMP_HOSTS, "an instance");
	if (!inst || !inst->n_hosts)
		return;
	if (!eip->address)
		eip->address = imp_public_address(c);
	if (!eip->address)
		return;
	set_public_ip(c, inst->hosts[0], eip->address,
		      imp_check(c, nsim_arena_printf(c->arena, "chosen by netsim import: the address of %s (AWS::EC2::EIP)",
						     eip->res->logical_id)));
	eip->done = true;
}

void imp_compute(struct imp_ctx *c)
{
	static const struct imp_pass passes[] = {
		{"AWS::EC2::Instance", map_instance},
		{"AWS::Lambda::Function", map_function},
		{"AWS::Serverless::Function", map_function},
		{"AWS::RDS::DBCluster", map_db_cluster},
		{"AWS::RDS::DBInstance", map_db_instance},
		{"AWS::RDS::DBProxy", map_db_proxy},
		{"AWS::RDS::DBProxyTargetGroup", map_proxy_targets},
		{"AWS::ElastiCache::CacheCluster", map_cache},
		{"AWS::ElastiCache::ReplicationGroup", map_cache},
		{"AWS::MemoryDB::Cluster", map_cache},
		{"AWS::DMS::ReplicationInstance", map_dms},
		{"AWS::ECS::Service", map_ecs_service},
		{"AWS::ElasticLoadBalancingV2::LoadBalancer", map_lb},
		{"AWS::ElasticLoadBalancing::LoadBalancer", map_lb},
		{"AWS::ElasticLoadBalancingV2::Listener", map_listener},
	};
	imp_run_passes(c, passes, ELEMENTSOF(passes));
	/* elastic IPs of instances */
	for (size_t i = 0; i < c->n_objs; i++) {
		struct imp_obj *o = &c->objs[i];
		if (is(o, "AWS::EC2::EIP") && !o->done && prop(o, "InstanceId")) {
			map_eip_instance(c, o, o->res, prop(o, "InstanceId"));
		} else if (is(o, "AWS::EC2::EIPAssociation") && !o->done) {
			o->done = true;
			const struct nsim_cfn_value *a = prop(o, "AllocationId") ? prop(o, "AllocationId") : prop(o, "EIP");
			struct imp_obj *eip = imp_ref(c, o->res, "AllocationId", a, IMP_EIP, NULL);
			if (eip && prop(o, "InstanceId"))
				map_eip_instance(c, eip, o->res, prop(o, "InstanceId"));
			else if (eip)
				imp_error(c, o->res, NULL, "netsim import maps an association with an InstanceId only");
		}
	}
	for (size_t i = 0; i < c->n_objs; i++) {
		struct imp_obj *o = &c->objs[i];
		if (o->kind == IMP_EIP && !o->done) {
			o->done = true;
			imp_note(c, o->res, NULL, "an elastic IP no NAT gateway or instance of the template uses: left out");
		}
		if (o->kind == IMP_SUBNET_GROUP && !o->done) {
			o->done = true;
			imp_note(c, o->res, NULL, "a subnet group no resource of the template uses");
		}
		if (o->kind == IMP_PREFIX_LIST && !o->done) {
			o->done = true;
			imp_note(c, o->res, NULL, "a prefix list no rule or route of the template uses: left out");
		}
	}
}

/* An instance whose service the template does not say answers on the single ports (and small ranges)
 * its groups admit, so that probes of what the template allows get an answer (netsim import's choice,
 * marked). */
void imp_listen_from_groups(struct imp_ctx *c)
{
	for (size_t i = 0; i < c->n_hosts; i++) {
		struct imp_host *h = c->hosts[i];
		const char *kind = nsim_emit_get_str(h->node, "kind");
		/* a function accepts no connection; a database, cache, proxy or load balancer serves the
		 * port of its engine or listeners, whatever its groups admit */
		if ((kind && !streq(kind, "instance")) || h->listen)
			continue;
		size_t before = h->listen ? h->listen->n : 0;
		/* a host that names no group is in its VPC's default group */
		struct imp_obj *dflt = h->n_sgs == 0 ? h->subnet->vpc->default_sg : NULL;
		for (size_t g = 0; g < h->n_sgs || (dflt && g == 0); g++) {
			struct nsim_emit_node *in = nsim_emit_get(h->n_sgs ? h->sgs[g]->node : dflt->node, "ingress");
			for (size_t r = 0; in && r < in->n; r++) {
				const char *proto = nsim_emit_get_str(in->items[r], "protocol");
				const char *ports = nsim_emit_get_str(in->items[r], "ports");
				unsigned from, to;
				if (!proto || !ports || (!streq(proto, "tcp") && !streq(proto, "udp")))
					continue;
				if (sscanf(ports, "%u-%u", &from, &to) == 2) {
					if (to < from || to - from > 7)
						continue;
				} else if (sscanf(ports, "%u", &from) == 1) {
					to = from;
				} else {
					continue;
				}
				for (unsigned p = from; p <= to; p++)
					imp_host_listen(c, h, p, proto);
			}
		}
		if (h->listen && h->listen->n > before)
			h->listen->trailing = "chosen by netsim import: the ports its security groups admit";
	}
}
