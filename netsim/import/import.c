/* SPDX-License-Identifier: MIT */
/*
 * The driver of the mapping: names, positions, addresses chosen, and the types that are not part of the
 * network. The AWS resource and property reference each mapping follows is named beside it in ec2.c and
 * compute.c: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/import-internal.h"
#include "model/strv.h"

struct nsim_pos imp_pos(const struct imp_ctx *c, const struct nsim_cfn_resource *res)
{
	return (struct nsim_pos){.file = c->t->file, .line = res ? res->line : 0, .col = res ? res->col : 0};
}

struct nsim_pos imp_vpos(const struct imp_ctx *c, const struct nsim_cfn_resource *res,
			 const struct nsim_cfn_value *v)
{
	if (v && v->line)
		return (struct nsim_pos){.file = c->t->file, .line = v->line, .col = v->col};
	return imp_pos(c, res);
}

__attribute__((format(printf, 5, 0))) static void add(struct imp_ctx *c, enum nsim_severity sev,
							const struct nsim_cfn_resource *res,
							const struct nsim_cfn_value *v, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0) {
		c->oom = -ENOMEM;
		return;
	}
	if (res)
		nsim_diag_add(c->diags, sev, imp_vpos(c, res, v), "%s %s: %s", res->type, res->logical_id, msg);
	else
		nsim_diag_add(c->diags, sev, imp_vpos(c, res, v), "%s", msg);
	free(msg);
}

void imp_error(struct imp_ctx *c, const struct nsim_cfn_resource *res, const struct nsim_cfn_value *v,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(c, NSIM_SEV_ERROR, res, v, fmt, ap);
	va_end(ap);
}

void imp_warning(struct imp_ctx *c, const struct nsim_cfn_resource *res, const struct nsim_cfn_value *v,
		 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(c, NSIM_SEV_WARNING, res, v, fmt, ap);
	va_end(ap);
}

void imp_note(struct imp_ctx *c, const struct nsim_cfn_resource *res, const struct nsim_cfn_value *v,
	      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(c, NSIM_SEV_NOTE, res, v, fmt, ap);
	va_end(ap);
}

void *imp_check(struct imp_ctx *c, void *p)
{
	if (!p)
		c->oom = -ENOMEM;
	return p;
}

const char *imp_describe(struct imp_ctx *c, const struct nsim_cfn_value *v)
{
	const char *s = nsim_cfn_describe(c->arena, v);
	return s ? s : (c->oom = -ENOMEM, "?");
}

const char *imp_text_value(struct imp_ctx *c, const struct nsim_cfn_value *v)
{
	const char *s = nsim_cfn_str(v);
	/* a description that depends on a parameter without value keeps the reference as written (`${Env}`):
	 * it changes nothing in the network */
	if (!s && v && v->kind == NSIM_CFN_OPAQUE && v->str && *v->str)
		s = v->str;
	return s ? imp_text(c, s) : NULL;
}

const char *imp_text(struct imp_ctx *c, const char *s)
{
	/* netsim rule: the loader takes scalars of at most 4096 bytes (docs/topology.md, Limits on input);
	 * free text of a template is kept to 1000, cut at a character boundary */
	size_t n = strnlen(s, 1001);
	if (n <= 1000)
		return s;
	n = 1000;
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return imp_check(c, nsim_arena_strndup(c->arena, s, n));
}

struct imp_obj *imp_obj_of(struct imp_ctx *c, const struct nsim_cfn_resource *res)
{
	return &c->objs[res - c->t->resources];
}

void imp_run_passes(struct imp_ctx *c, const struct imp_pass *passes, size_t n)
{
	for (size_t p = 0; p < n; p++)
		for (size_t i = 0; i < c->n_objs; i++)
			if (!c->objs[i].done && streq(c->objs[i].res->type, passes[p].type))
				passes[p].map(c, &c->objs[i]);
}

struct imp_obj *imp_find(struct imp_ctx *c, const char *logical_id)
{
	for (size_t i = 0; i < c->n_objs; i++)
		if (streq(c->objs[i].res->logical_id, logical_id))
			return &c->objs[i];
	return NULL;
}

static const char *kind_what(enum imp_kind k)
{
	switch (k) {
	case IMP_VPC: return "a VPC";
	case IMP_IGW: return "an internet gateway";
	case IMP_SUBNET: return "a subnet";
	case IMP_RTB: return "a route table";
	case IMP_NAT: return "a NAT gateway";
	case IMP_EIP: return "an elastic IP";
	case IMP_SG: return "a security group";
	case IMP_ACL: return "a network ACL";
	case IMP_PEERING: return "a VPC peering connection";
	case IMP_ENDPOINT: return "a VPC endpoint";
	case IMP_PREFIX_LIST: return "a prefix list";
	case IMP_SUBNET_GROUP: return "a subnet group";
	case IMP_HOSTS: return "a resource with hosts";
	case IMP_LISTENER: return "a listener";
	case IMP_NONE:
	case IMP_OTHER:
		break;
	}
	return "a resource";
}

struct imp_obj *imp_ref(struct imp_ctx *c, const struct nsim_cfn_resource *res, const char *key,
			const struct nsim_cfn_value *v, enum imp_kind kind, const char *what)
{
	if (!what)
		what = kind_what(kind);
	if (!v) {
		imp_error(c, res, NULL, "%s is missing: netsim import needs %s of the template", key, what);
		return NULL;
	}
	if (v->kind == NSIM_CFN_REF) {
		struct imp_obj *o = imp_find(c, v->ref.logical_id);
		const char *attr = v->ref.attr;
		/* attributes that name another object: AWS::EC2::VPC DefaultSecurityGroup, the VpcId of a
		 * subnet or security group (their return values in the template reference) */
		if (o && attr && kind == IMP_SG && o->kind == IMP_VPC && streq(attr, "DefaultSecurityGroup")) {
			struct imp_obj *sg = imp_default_sg(c, o);
			if (sg)
				return sg;
		}
		if (o && attr && kind == IMP_VPC && (o->kind == IMP_SUBNET || o->kind == IMP_SG) && streq(attr, "VpcId") &&
		    o->vpc)
			return o->vpc;
		if (o && o->kind == kind)
			return o;
		if (o && o->kind == IMP_NONE && o->res->condition_unknown)
			imp_error(c, res, v, "%s is %s, a resource whose Condition cannot be decided", key,
				  imp_describe(c, v));
		else
			imp_error(c, res, v, "%s is %s, which is not %s netsim import maps (%s)", key,
				  imp_describe(c, v), what, o ? o->res->type : "no such resource");
		return NULL;
	}
	if (v->kind == NSIM_CFN_OPAQUE && v->param)
		imp_error(c, res, v, "%s is %s, the ID of %s outside this template (parameter %s): netsim does not "
			  "model resources outside the template yet; import the template that creates it", key,
			  imp_describe(c, v), what, v->param);
	else
		imp_error(c, res, v, "%s is %s, not %s of this template: netsim does not model resources outside "
			  "the template yet; import the template that creates it", key, imp_describe(c, v), what);
	return NULL;
}

struct imp_obj *imp_ref_opt(struct imp_ctx *c, const struct nsim_cfn_resource *res, const char *key,
			    const struct nsim_cfn_value *v, enum imp_kind kind, const char *what)
{
	if (!v || v->kind == NSIM_CFN_NULL)
		return NULL;
	return imp_ref(c, res, key, v, kind, what);
}

struct imp_obj *imp_default_sg(struct imp_ctx *c, struct imp_obj *vpc)
{
	if (vpc->default_sg || !vpc->node)
		return vpc->default_sg;
	struct imp_obj *sg = imp_check(c, nsim_arena_alloc(c->arena, 1, sizeof(*sg)));
	struct nsim_emit_node *n = imp_check(c, nsim_emit_map(c->arena));
	struct nsim_emit_node *in = imp_check(c, nsim_emit_seq(c->arena));
	struct nsim_emit_node *self = imp_check(c, nsim_emit_flow_map(c->arena));
	if (!sg || !n || !in || !self)
		return NULL;
	*sg = (struct imp_obj){.res = vpc->res, .kind = IMP_SG, .name = "default", .vpc = vpc, .done = true,
			       .is_default = true, .node = n};
	/* a group named default is the VPC's default group with the rules written (docs/topology.md):
	 * AWS's two are written, inbound from its members and (no egress key) all outbound (Default
	 * security groups for your VPCs, https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html) */
	IMP_TRY(c, nsim_emit_comment(c->arena, n, "%s.DefaultSecurityGroup: the VPC's default group, with AWS's rules",
				     vpc->res->logical_id));
	IMP_TRY(c, nsim_emit_set_str(c->arena, n, "name", "default"));
	IMP_TRY(c, nsim_emit_set_str(c->arena, self, "protocol", "all"));
	IMP_TRY(c, nsim_emit_set_str(c->arena, self, "source", "default"));
	self->trailing = "AWS's rule: inbound from the group's members";
	IMP_TRY(c, nsim_emit_push(c->arena, in, self));
	IMP_TRY(c, nsim_emit_set(c->arena, n, "ingress", in));
	IMP_TRY(c, nsim_emit_push(c->arena, imp_vpc_list(c, vpc, "security_groups"), n));
	vpc->default_sg = sg;
	return sg;
}

char *nsim_import_kebab(struct nsim_arena *arena, const char *id, size_t max)
{
	size_t len = strlen(id);
	char *out = nsim_arena_alloc(arena, 2 * len + 8, 1);
	if (!out)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)id[i];
		if (!isalnum(ch)) {
			if (n && out[n - 1] != '-')
				out[n++] = '-';
			continue;
		}
		if (isupper(ch) && n && out[n - 1] != '-') {
			unsigned char prev = (unsigned char)id[i - 1], next = (unsigned char)id[i + 1];
			/* a word starts: aB, 1B, or the last capital of an acronym before a word (DBSubnet) */
			if (islower(prev) || isdigit(prev) || (isupper(prev) && islower(next)))
				out[n++] = '-';
		}
		out[n++] = (char)tolower(ch);
	}
	while (n && out[n - 1] == '-')
		n--;
	if (n == 0)
		out[n++] = 'x';
	out[n] = '\0';
	if (n > max) {
		/* FNV-1a of the logical ID keeps two long IDs with one prefix apart */
		uint32_t h = 2166136261u;
		for (const char *p = id; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		size_t keep = max - 5;
		while (keep && out[keep - 1] == '-')
			keep--;
		snprintf(out + keep, 6, "-%04x", h & 0xffff);
	}
	return out;
}

const char *imp_unique_name(struct imp_ctx *c, const char *base)
{
	static const char *const reserved[] = {"internet", "blackhole", "default"};
	const char *name = base;
	for (size_t i = 0; i < ELEMENTSOF(reserved); i++)
		if (streq(name, reserved[i]))
			name = imp_check(c, nsim_arena_printf(c->arena, "%s-1", base));
	for (unsigned k = 2; name; k++) {
		bool taken = false;
		for (size_t i = 0; i < c->n_names && !taken; i++)
			taken = streq(c->names[i], name);
		if (!taken)
			break;
		char suffix[16];
		int sl = snprintf(suffix, sizeof(suffix), "-%u", k);
		size_t bl = strlen(base);
		if (bl + (size_t)sl > IMP_NAME_MAX)
			bl = IMP_NAME_MAX - (size_t)sl;
		name = imp_check(c, nsim_arena_printf(c->arena, "%.*s%s", (int)bl, base, suffix));
	}
	if (!name)
		return "x";
	if (c->n_names == c->cap_names) {
		size_t cap = c->cap_names ? 2 * c->cap_names : 64;
		const char **names = imp_check(c, nsim_arena_alloc(c->arena, cap, sizeof(*names)));
		if (!names)
			return name;
		if (c->n_names)
			memcpy(names, c->names, c->n_names * sizeof(*names));
		c->names = names;
		c->cap_names = cap;
	}
	c->names[c->n_names++] = name;
	return name;
}

struct nsim_emit_node *imp_obj_node(struct imp_ctx *c, struct imp_obj *o, bool flow)
{
	struct nsim_emit_node *n = flow ? nsim_emit_flow_map(c->arena) : nsim_emit_map(c->arena);
	if (!imp_check(c, n))
		return NULL;
	IMP_TRY(c, nsim_emit_comment(c->arena, n, "%s (%s)", o->res->logical_id, o->res->type));
	IMP_TRY(c, nsim_emit_set_str(c->arena, n, "name", o->name));
	size_t full = strlen(nsim_import_kebab(c->arena, o->res->logical_id, SIZE_MAX / 4) ?: "");
	if (full > IMP_NAME_MAX)
		IMP_TRY(c, nsim_emit_comment(c->arena, n, "name shortened to netsim's %d characters",
					     IMP_NAME_MAX));
	o->node = n;
	return n;
}

static bool addr_used(const struct imp_obj *s, uint32_t a)
{
	for (size_t i = 0; i < s->n_used; i++)
		if (s->used[i] == a)
			return true;
	return false;
}

static void use(struct imp_ctx *c, struct imp_obj *s, uint32_t a)
{
	uint32_t *used = imp_check(c, nsim_arena_alloc(c->arena, s->n_used + 1, sizeof(*used)));
	if (!used)
		return;
	if (s->n_used)
		memcpy(used, s->used, s->n_used * sizeof(*used));
	used[s->n_used++] = a;
	s->used = used;
}

void imp_subnet_use(struct imp_ctx *c, struct imp_obj *s, const char *addr)
{
	uint32_t a;
	if (nsim_addr_parse(addr, &a) == 0)
		use(c, s, a);
}

const char *imp_host_address(struct imp_ctx *c, struct imp_obj *s)
{
	uint32_t first = nsim_cidr_network(s->cidr), last = nsim_cidr_broadcast(s->cidr);
	uint32_t pick = 0;
	/* netsim rule: from +10, so the first NAT gateways (assigned from +4 by validate) keep their
	 * usual addresses; from +4 when the subnet is too small */
	for (uint32_t a = first + 10; a < last && !pick; a++)
		if (!addr_used(s, a))
			pick = a;
	for (uint32_t a = nsim_subnet_first_usable(s->cidr); a < last && a < first + 10 && !pick; a++)
		if (!addr_used(s, a))
			pick = a;
	if (!pick)
		return NULL;
	use(c, s, pick);
	char buf[NSIM_ADDR_STRLEN];
	return imp_check(c, nsim_arena_strdup(c->arena, nsim_addr_fmt(pick, buf)));
}

const char *imp_public_address(struct imp_ctx *c)
{
	/* netsim's internet is the documentation ranges (docs/topology.md): 203.0.113.10-250, then
	 * 198.51.100.10-250 (198.51.100.200 and up are left to --expect intent's internet host) */
	unsigned k = c->next_public++;
	if (k < 240)
		return imp_check(c, nsim_arena_printf(c->arena, "203.0.113.%u", 10 + k));
	if (k < 420)
		return imp_check(c, nsim_arena_printf(c->arena, "198.51.100.%u", 10 + k - 240));
	return NULL;
}

struct nsim_emit_node *imp_vpc_list(struct imp_ctx *c, struct imp_obj *vpc, const char *key)
{
	return imp_check(c, nsim_emit_child_seq(c->arena, vpc->node, key));
}

/* Types with no part in the network: a note each. API Gateway invokes Lambda through the AWS service,
 * so it creates no inbound path into a VPC (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-integrations.html). */
static const char *const ignored_prefixes[] = {
	"AWS::IAM::", "AWS::SecretsManager::", "AWS::Logs::", "AWS::ApiGateway::", "AWS::ApiGatewayV2::",
	"AWS::Serverless::Api", "AWS::Serverless::HttpApi", "AWS::Serverless::SimpleTable",
	"AWS::Serverless::LayerVersion", "AWS::Serverless::StateMachine", "AWS::Serverless::Application",
	"AWS::CloudFront::", "AWS::Route53::", "AWS::S3::", "AWS::DynamoDB::", "AWS::SNS::", "AWS::SQS::",
	"AWS::KMS::", "AWS::SSM::", "AWS::CloudWatch::", "AWS::Events::", "AWS::Lambda::Permission",
	"AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::EventSourceMapping",
	"AWS::Lambda::LayerVersion", "AWS::Lambda::EventInvokeConfig", "AWS::Lambda::Url", "AWS::ECS::Cluster",
	"AWS::ECS::TaskDefinition", "AWS::ECS::ClusterCapacityProviderAssociations", "AWS::ECR::",
	"AWS::CloudFormation::", "AWS::RDS::DBParameterGroup", "AWS::RDS::DBClusterParameterGroup",
	"AWS::RDS::OptionGroup", "AWS::ElasticLoadBalancingV2::TargetGroup",
	"AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::ListenerCertificate",
	"AWS::EC2::KeyPair", "AWS::EC2::LaunchTemplate", "AWS::EC2::DHCPOptions",
	"AWS::EC2::VPCDHCPOptionsAssociation", "AWS::EC2::FlowLog", "AWS::DMS::Endpoint",
	"AWS::DMS::ReplicationTask", "AWS::StepFunctions::", "AWS::Cognito::", "AWS::WAFv2::",
	"AWS::CertificateManager::", "AWS::Glue::", "AWS::Kinesis::", "AWS::KinesisFirehose::",
	"AWS::ElastiCache::ParameterGroup", "AWS::MemoryDB::ParameterGroup", "AWS::MemoryDB::ACL",
	"AWS::MemoryDB::User", "AWS::SecretsManager::", "AWS::Scheduler::", "AWS::AppSync::", "AWS::CodeDeploy::",
	"AWS::ApplicationAutoScaling::", "AWS::ServiceDiscovery::",
};

/* Property keys that place a resource in a VPC: a type that has one and is not mapped would change the
 * network. */
static const char *const placing_keys[] = {"VpcId", "SubnetId", "SubnetIds", "Subnets", "VpcConfig",
					   "VpcSubnetIds", "VPCZoneIdentifier", "NetworkInterfaces",
					   "SecurityGroupIds", "VpcSecurityGroupIds"};

/* The types import/ maps (ec2.c, compute.c, route53.c) or reports (VPN): for "did you mean". */
static const char *const mapped_types[] = {
	"AWS::DMS::ReplicationInstance", "AWS::DMS::ReplicationSubnetGroup", "AWS::EC2::EIP",
	"AWS::EC2::EIPAssociation", "AWS::EC2::Instance", "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway",
	"AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry", "AWS::EC2::PrefixList", "AWS::EC2::Route",
	"AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupEgress",
	"AWS::EC2::SecurityGroupIngress", "AWS::EC2::Subnet", "AWS::EC2::SubnetNetworkAclAssociation",
	"AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::VPC", "AWS::EC2::VPCEndpoint",
	"AWS::EC2::VPCGatewayAttachment", "AWS::EC2::VPCPeeringConnection", "AWS::EC2::VPNGateway",
	"AWS::EC2::CustomerGateway", "AWS::EC2::VPNConnection", "AWS::EC2::VPNConnectionRoute",
	"AWS::EC2::VPNGatewayRoutePropagation", "AWS::ECS::Service", "AWS::ElastiCache::CacheCluster",
	"AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::SubnetGroup",
	"AWS::ElasticLoadBalancing::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener",
	"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::Lambda::Function", "AWS::MemoryDB::Cluster",
	"AWS::MemoryDB::SubnetGroup", "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::RDS::DBProxy",
	"AWS::RDS::DBProxyTargetGroup", "AWS::RDS::DBSubnetGroup", "AWS::Route53::HostedZone",
	"AWS::Route53::RecordSet", "AWS::Route53::RecordSetGroup", "AWS::Serverless::Function",
};

/* The length of "AWS::Service::" of a type, or 0. */
static size_t service_len(const char *type)
{
	if (strncmp(type, "AWS::", 5) != 0)
		return 0;
	const char *e = strstr(type + 5, "::");
	return e ? (size_t)(e + 2 - type) : 0;
}

/* Whether import/ knows the type's service (it maps or ignores some of its types). */
static bool service_known(const char *type)
{
	size_t n = service_len(type);
	if (!n)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(mapped_types); i++)
		if (strncmp(mapped_types[i], type, n) == 0 && service_len(mapped_types[i]) == n)
			return true;
	for (size_t i = 0; i < ELEMENTSOF(ignored_prefixes); i++)
		if (strncmp(ignored_prefixes[i], type, n) == 0 && service_len(ignored_prefixes[i]) == n)
			return true;
	return false;
}

/* A mapped type the type is a typo of (two edits at most; of the same service when netsim knows the
 * service, as its other types are real ones near a mapped one: AWS::EC2::Host), or NULL. */
static const char *type_suggestion(const char *type)
{
	bool known = service_known(type);
	size_t n = service_len(type), best_d = 3;
	const char *best = NULL;
	for (size_t i = 0; i < ELEMENTSOF(mapped_types); i++) {
		if (known && (service_len(mapped_types[i]) != n || strncmp(mapped_types[i], type, n) != 0))
			continue;
		size_t d = nsim_edit_distance(type, mapped_types[i]);
		if (d > 0 && d < best_d) {
			best_d = d;
			best = mapped_types[i];
		}
	}
	return best;
}

static void report_unmapped(struct imp_ctx *c, struct imp_obj *o)
{
	const struct nsim_cfn_resource *r = o->res;
	if (o->done)
		return;
	o->done = true;
	if (streq(r->type, "AWS::EC2::VPNGateway") || streq(r->type, "AWS::EC2::CustomerGateway") ||
	    streq(r->type, "AWS::EC2::VPNConnection") || streq(r->type, "AWS::EC2::VPNConnectionRoute") ||
	    streq(r->type, "AWS::EC2::VPNGatewayRoutePropagation")) {
		imp_note(c, r, NULL, "netsim does not model VPN connections yet: left out");
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(ignored_prefixes); i++)
		if (strncmp(r->type, ignored_prefixes[i], strlen(ignored_prefixes[i])) == 0) {
			if (streq(r->type, "AWS::EC2::DHCPOptions") || streq(r->type, "AWS::EC2::VPCDHCPOptionsAssociation"))
				imp_note(c, r, NULL, "not modelled: hosts resolve through the VPC's Amazon-provided DNS");
			else if (streq(r->type, "AWS::EC2::FlowLog"))
				imp_note(c, r, NULL, "not part of the network (netsim writes its own flow logs: "
					 "netsim check --flow-logs)");
			else
				imp_note(c, r, NULL, "not part of the network");
			return;
		}
	/* AWS: CloudFormation rejects a type it does not have ("Template format error: Unrecognized resource
	 * types"), https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html */
	const char *hint = type_suggestion(r->type);
	if (hint) {
		imp_error(c, r, NULL, "%s is not a resource type (CloudFormation rejects it: unrecognized resource "
			  "type); did you mean %s?", r->type, hint);
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(placing_keys); i++)
		if (nsim_cfn_get(r->properties, placing_keys[i])) {
			imp_error(c, r, NULL, "netsim does not model %s yet, and it is placed in a VPC (%s): "
				  "leave it out of the template to import the rest", r->type, placing_keys[i]);
			return;
		}
	if (service_known(r->type))
		imp_note(c, r, NULL, "not part of the network");
	else if (strncmp(r->type, "Custom::", 8) == 0)
		imp_note(c, r, NULL, "a custom resource: netsim does not run it, left out");
	else
		imp_note(c, r, NULL, "a resource type netsim import does not know: left out");
}

/* Types mapped by ec2.c and compute.c; used to decide what an undecidable Condition means. */
static bool network_type(const char *type)
{
	return strncmp(type, "AWS::EC2::", 10) == 0 || strncmp(type, "AWS::RDS::DB", 12) == 0 ||
	       streq(type, "AWS::Lambda::Function") || streq(type, "AWS::Serverless::Function") ||
	       strncmp(type, "AWS::ElastiCache::", 18) == 0 || strncmp(type, "AWS::MemoryDB::", 15) == 0 ||
	       streq(type, "AWS::ECS::Service") || strncmp(type, "AWS::ElasticLoadBalancing", 25) == 0 ||
	       strncmp(type, "AWS::DMS::Replication", 21) == 0;
}

/* The keys of a VPC in the order docs/topology.md lists them; empty lists dropped. */
static void tidy_vpc(struct imp_ctx *c, struct nsim_emit_node *vpc)
{
	static const char *const order[] = {"name", "cidr", "internet_gateway", "main_route_table", "dns_support",
					    "dns_hostnames", "subnets", "route_tables", "nat_gateways",
					    "security_groups", "network_acls", "prefix_lists", "endpoints", "hosts"};
	struct nsim_emit_node *n = imp_check(c, nsim_emit_map(c->arena));
	if (!n)
		return;
	n->comment = vpc->comment;
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		struct nsim_emit_node *v = nsim_emit_get(vpc, order[i]);
		if (v && !(v->kind == NSIM_EMIT_SEQ && v->n == 0))
			IMP_TRY(c, nsim_emit_set(c->arena, n, order[i], v));
	}
	*vpc = *n;
}

/* The top-level keys in the order docs/topology.md lists them. */
static void tidy_root(struct imp_ctx *c)
{
	static const char *const order[] = {"name", "description", "region", "vpcs", "peerings", "route53",
					    "internet", "expect"};
	struct nsim_emit_node *n = imp_check(c, nsim_emit_map(c->arena));
	if (!n)
		return;
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		struct nsim_emit_node *v = nsim_emit_get(c->root, order[i]);
		if (v)
			IMP_TRY(c, nsim_emit_set(c->arena, n, order[i], v));
	}
	n->comment = c->root->comment;
	*c->root = *n;
}

static const char *topology_name(struct imp_ctx *c)
{
	if (c->opts && c->opts->name)
		return c->opts->name;
	const char *base = strrchr(c->t->file, '/');
	base = base ? base + 1 : c->t->file;
	if (!*base || streq(base, "-") || streq(base, "<stdin>"))
		return "imported";
	char *s = imp_check(c, nsim_arena_strdup(c->arena, base));
	if (!s)
		return "imported";
	char *dot = strchr(s, '.');
	if (dot && dot != s)
		*dot = '\0';
	char *k = imp_check(c, nsim_import_kebab(c->arena, s, SIZE_MAX / 4));
	if (!k)
		return "imported";
	if (strlen(k) > NSIM_NAME_MAX) {
		k[NSIM_NAME_MAX] = '\0';
		for (size_t n = strlen(k); n && k[n - 1] == '-'; n--)
			k[n - 1] = '\0';
	}
	return k;
}

int nsim_import_run(struct nsim_arena *arena, const struct nsim_cfn_template *t,
		    const struct nsim_import_options *opts, struct nsim_diags *diags, struct nsim_emit_node **ret_root)
{
	struct imp_ctx c = {.arena = arena, .t = t, .opts = opts, .diags = diags};
	size_t errors = diags->n_errors;
	c.n_objs = t->n_resources;
	c.objs = nsim_arena_alloc(arena, t->n_resources + 1, sizeof(*c.objs));
	c.root = nsim_emit_map(arena);
	if (!c.objs || !c.root)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_resources; i++)
		c.objs[i].res = &t->resources[i];

	IMP_TRY(&c, nsim_emit_set_str(arena, c.root, "name", topology_name(&c)));
	if (t->description)
		IMP_TRY(&c, nsim_emit_set_str(arena, c.root, "description", imp_text(&c, t->description)));
	IMP_TRY(&c, nsim_emit_set_str(arena, c.root, "region", t->region ? t->region : NSIM_CFN_DEFAULT_REGION));
	c.vpcs = imp_check(&c, nsim_emit_child_seq(arena, c.root, "vpcs"));
	c.peerings = imp_check(&c, nsim_emit_seq(arena));
	if (c.oom)
		return c.oom;

	/* a resource whose Condition depends on a parameter without value cannot be placed */
	for (size_t i = 0; i < c.n_objs; i++) {
		struct imp_obj *o = &c.objs[i];
		if (!o->res->condition_unknown)
			continue;
		o->done = true;
		const char *why = o->res->condition_why ? o->res->condition_why->reason : NULL;
		if (network_type(o->res->type))
			imp_error(&c, o->res, o->res->condition_why, "its Condition %s cannot be decided%s%s",
				  o->res->condition ? o->res->condition : "?", why ? ": " : "", why ? why : "");
		else
			imp_note(&c, o->res, o->res->condition_why, "its Condition %s cannot be decided: left out",
				 o->res->condition ? o->res->condition : "?");
	}

	imp_ec2_network(&c);
	imp_ec2_filters(&c);
	imp_compute(&c);
	imp_listen_from_groups(&c);
	imp_route53(&c);
	for (size_t i = 0; i < c.n_objs; i++)
		report_unmapped(&c, &c.objs[i]);
	if (opts && opts->expect_intent)
		imp_intent(&c);

	for (size_t i = 0; i < c.vpcs->n; i++)
		tidy_vpc(&c, c.vpcs->items[i]);
	if (c.peerings->n)
		IMP_TRY(&c, nsim_emit_set(arena, c.root, "peerings", c.peerings));
	tidy_root(&c);
	if (c.oom || diags->oom)
		return -ENOMEM;
	if (diags->n_errors > errors)
		return -EINVAL;
	*ret_root = c.root;
	return 0;
}
