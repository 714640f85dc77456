/* SPDX-License-Identifier: MIT */
/*
 * AWS::EC2 network resources -> VPCs, subnets, route tables, gateways, peerings, endpoints, security
 * groups and network ACLs. Each mapping follows the type's page of the CloudFormation template reference,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/AWS_EC2.html, named beside it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "import/import-internal.h"

static const struct nsim_cfn_value *prop(const struct imp_obj *o, const char *key)
{
	return nsim_cfn_get(o->res->properties, key);
}

static bool is(const struct imp_obj *o, const char *type)
{
	return streq(o->res->type, type);
}

/* The text of a CIDR value: a string, or `!GetAtt X.CidrBlock` of a VPC or subnet of the template whose
 * CidrBlock is known (the attribute is that property, AWS::EC2::VPC and AWS::EC2::Subnet return values). */
const char *imp_cidr_text(struct imp_ctx *c, const struct nsim_cfn_value *v)
{
	if (v && v->kind == NSIM_CFN_REF && v->ref.attr && streq(v->ref.attr, "CidrBlock")) {
		struct imp_obj *o = imp_find(c, v->ref.logical_id);
		if (o && (o->kind == IMP_VPC || o->kind == IMP_SUBNET))
			return nsim_cfn_str(nsim_cfn_get(o->res->properties, "CidrBlock"));
		return NULL;
	}
	return nsim_cfn_str(v);
}

/* A CIDR property: "a.b.c.d/len", host bits cleared with a warning (AWS refuses them; netsim imports what
 * was most likely meant). */
static bool cidr_prop(struct imp_ctx *c, struct imp_obj *o, const char *key, struct nsim_cidr *ret,
		      const char **ret_text)
{
	const struct nsim_cfn_value *v = prop(o, key);
	const char *s = imp_cidr_text(c, v);
	struct nsim_cidr cidr;
	if (!v) {
		imp_error(c, o->res, NULL, "%s is missing: netsim import needs the IPv4 CIDR block", key);
		return false;
	}
	if (!s || nsim_cidr_parse(s, &cidr) < 0) {
		imp_error(c, o->res, v, "%s is %s, not an IPv4 CIDR block netsim import can place%s%s", key,
			  imp_describe(c, v), v->reason ? ": " : "", v->reason ? v->reason : "");
		return false;
	}
	if (!nsim_cidr_aligned(cidr)) {
		char buf[NSIM_CIDR_STRLEN], was[NSIM_CIDR_STRLEN];
		nsim_cidr_fmt(cidr, was);
		cidr.addr = nsim_cidr_network(cidr);
		nsim_cidr_fmt(cidr, buf);
		/* AWS: the CIDR of a subnet is a network address (Subnet CIDR blocks,
		 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html) */
		imp_warning(c, o->res, v, "%s %s has host bits set: imported as %s", key, was, buf);
		s = imp_check(c, nsim_arena_strdup(c->arena, buf));
	}
	*ret = cidr;
	*ret_text = s;
	return s != NULL;
}

static void set_bool(struct imp_ctx *c, struct imp_obj *o, const char *key, const char *out_key)
{
	const struct nsim_cfn_value *v = prop(o, key);
	bool b;
	if (!v)
		return;
	if (nsim_cfn_bool(v, &b) < 0) {
		imp_warning(c, o->res, v, "%s is %s, not a boolean: left at AWS's default", key, imp_describe(c, v));
		return;
	}
	IMP_TRY(c, nsim_emit_set_str(c->arena, o->node, out_key, b ? "true" : "false"));
}

/* AWS::EC2::VPC: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpc.html */
static void map_vpc(struct imp_ctx *c, struct imp_obj *o)
{
	const char *text;
	o->done = true;
	if (!imp_obj_node(c, o, false))
		return;
	if (!prop(o, "CidrBlock") && prop(o, "Ipv4IpamPoolId")) {
		imp_error(c, o->res, prop(o, "Ipv4IpamPoolId"), "its CIDR comes from an IPAM pool: netsim import "
			  "needs CidrBlock");
		return;
	}
	if (!cidr_prop(c, o, "CidrBlock", &o->cidr, &text))
		return;
	IMP_TRY(c, nsim_emit_set_str(c->arena, o->node, "cidr", text));
	set_bool(c, o, "EnableDnsSupport", "dns_support");
	set_bool(c, o, "EnableDnsHostnames", "dns_hostnames");
	IMP_TRY(c, nsim_emit_push(c->arena, c->vpcs, o->node));
}

/* AWS::EC2::VPCGatewayAttachment: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcgatewayattachment.html */
static void map_attachment(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	o->kind = IMP_OTHER;
	if (prop(o, "VpnGatewayId") && !prop(o, "InternetGatewayId")) {
		imp_note(c, o->res, prop(o, "VpnGatewayId"), "netsim does not model virtual private gateways yet: "
			 "left out");
		return;
	}
	struct imp_obj *vpc = imp_ref(c, o->res, "VpcId", prop(o, "VpcId"), IMP_VPC, NULL);
	struct imp_obj *igw = imp_ref(c, o->res, "InternetGatewayId", prop(o, "InternetGatewayId"), IMP_IGW, NULL);
	if (!vpc || !igw || !vpc->node)
		return;
	if (vpc->igw) {
		/* Amazon VPC quotas: one internet gateway per VPC,
		 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
		imp_error(c, o->res, NULL, "VPC %s has an internet gateway already (%s): AWS attaches at most one",
			  vpc->res->logical_id, vpc->igw->res->logical_id);
		return;
	}
	vpc->igw = igw;
	igw->vpc = vpc;
	struct nsim_emit_node *n = imp_check(c, nsim_emit_scalar(c->arena, igw->name));
	if (!n)
		return;
	n->trailing = imp_check(c, nsim_arena_printf(c->arena, "%s (AWS::EC2::InternetGateway), attached by %s",
						      igw->res->logical_id, o->res->logical_id));
	IMP_TRY(c, nsim_emit_set(c->arena, vpc->node, "internet_gateway", n));
}

/* AWS: a zone's name is its region's code and a letter (us-east-1a), "Regions and Zones",
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html; whether
 * `az` is not a name of that form or is one of `region` (false: a zone of another region). */
static bool az_in_region(const char *az, const char *region)
{
	size_t n = strlen(az), rn = strlen(region);
	if (n < 2 || !islower((unsigned char)az[n - 1]) || !isdigit((unsigned char)az[n - 2]) || !strchr(az, '-'))
		return true; /* not a zone name (a local zone's, an opaque value): nothing to say */
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)az[i]) && !isdigit((unsigned char)az[i]) && az[i] != '-')
			return true;
	return n == rn + 1 && strncmp(az, region, rn) == 0;
}

/* AWS::EC2::Subnet: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-subnet.html */
static void map_subnet(struct imp_ctx *c, struct imp_obj *o)
{
	const char *text;
	o->done = true;
	o->vpc = imp_ref(c, o->res, "VpcId", prop(o, "VpcId"), IMP_VPC, NULL);
	if (!o->vpc || !o->vpc->node || !imp_obj_node(c, o, false))
		return;
	if (!cidr_prop(c, o, "CidrBlock", &o->cidr, &text)) {
		o->vpc = NULL;
		return;
	}
	IMP_TRY(c, nsim_emit_set_str(c->arena, o->node, "cidr", text));
	const struct nsim_cfn_value *az = prop(o, "AvailabilityZone");
	const char *azs = nsim_cfn_str(az);
	if (azs) {
		struct nsim_emit_node *n = imp_check(c, nsim_emit_scalar(c->arena, azs));
		if (n && az->chosen)
			n->trailing = imp_check(c, nsim_arena_printf(c->arena, "chosen by netsim import: %s", az->chosen));
		IMP_TRY(c, nsim_emit_set(c->arena, o->node, "az", n));
		if (!az_in_region(azs, c->t->region))
			imp_warning(c, o->res, az, "AvailabilityZone %s is not a zone of the region %s: CloudFormation "
				    "cannot create the subnet there (give the zones with --parameter, or use !GetAZs)",
				    azs, c->t->region);
	}
	bool pub = false;
	if (prop(o, "MapPublicIpOnLaunch") && nsim_cfn_bool(prop(o, "MapPublicIpOnLaunch"), &pub) == 0 && pub) {
		o->map_public_ip = true;
		imp_note(c, o->res, prop(o, "MapPublicIpOnLaunch"), "MapPublicIpOnLaunch: instances launched here get "
			 "a public IP (netsim gives one to the AWS::EC2::Instance hosts of the subnet)");
	}
	IMP_TRY(c, nsim_emit_push(c->arena, imp_vpc_list(c, o->vpc, "subnets"), o->node));
}

/* AWS::EC2::RouteTable: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-routetable.html */
static void map_route_table(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	o->vpc = imp_ref(c, o->res, "VpcId", prop(o, "VpcId"), IMP_VPC, NULL);
	if (!o->vpc || !o->vpc->node || !imp_obj_node(c, o, false))
		return;
	IMP_TRY(c, nsim_emit_push(c->arena, imp_vpc_list(c, o->vpc, "route_tables"), o->node));
}

/* The address of an elastic IP: chosen once, from netsim's internet. */
static const char *eip_address(struct imp_ctx *c, struct imp_obj *eip)
{
	if (!eip->address)
		eip->address = imp_public_address(c);
	return eip->address;
}

/* AWS::EC2::NatGateway: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-natgateway.html */
static void map_nat(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	const struct nsim_cfn_value *ct = prop(o, "ConnectivityType");
	if (nsim_cfn_str(ct) && streq(nsim_cfn_str(ct), "private")) {
		imp_error(c, o->res, ct, "netsim does not model private NAT gateways yet");
		return;
	}
	struct imp_obj *subnet = imp_ref(c, o->res, "SubnetId", prop(o, "SubnetId"), IMP_SUBNET, NULL);
	if (!subnet || !subnet->vpc || !imp_obj_node(c, o, true))
		return;
	o->vpc = subnet->vpc;
	IMP_TRY(c, nsim_emit_set_str(c->arena, o->node, "subnet", subnet->name));
	struct imp_obj *eip = imp_ref_opt(c, o->res, "AllocationId", prop(o, "AllocationId"), IMP_EIP, "an elastic IP");
	if (prop(o, "AllocationId") && !eip)
		return;
	const char *addr = eip ? eip_address(c, eip) : imp_public_address(c);
	struct nsim_emit_node *n = imp_check(c, nsim_emit_scalar(c->arena, addr));
	if (!n)
		return;
	if (eip) {
		eip->done = true;
		n->trailing = imp_check(c, nsim_arena_printf(c->arena, "chosen by netsim import: the address of %s "
							      "(AWS::EC2::EIP)", eip->res->logical_id));
	} else {
		n->trailing = "chosen by netsim import: the NAT gateway's elastic IP";
	}
	IMP_TRY(c, nsim_emit_set(c->arena, o->node, "elastic_ip", n));
	IMP_TRY(c, nsim_emit_push(c->arena, imp_vpc_list(c, o->vpc, "nat_gateways"), o->node));
}

/* AWS::EC2::VPCPeeringConnection: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcpeeringconnection.html */
static void map_peering(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	struct imp_obj *a = imp_ref(c, o->res, "VpcId", prop(o, "VpcId"), IMP_VPC, NULL);
	struct imp_obj *b = imp_ref(c, o->res, "PeerVpcId", prop(o, "PeerVpcId"), IMP_VPC, "a peer VPC");
	if (!a || !b || !a->node || !b->node || !imp_obj_node(c, o, true))
		return;
	struct nsim_emit_node *between = imp_check(c, nsim_emit_seq(c->arena));
	if (!between)
		return;
	between->flow = true;
	IMP_TRY(c, nsim_emit_push(c->arena, between, nsim_emit_scalar(c->arena, a->name)));
	IMP_TRY(c, nsim_emit_push(c->arena, between, nsim_emit_scalar(c->arena, b->name)));
	IMP_TRY(c, nsim_emit_set(c->arena, o->node, "between", between));
	IMP_TRY(c, nsim_emit_push(c->arena, c->peerings, o->node));
}

static const char *prefix_list(struct imp_ctx *c, struct imp_obj *o, struct imp_obj *vpc,
			       const struct nsim_cfn_value *v);

/* AWS::EC2::Route: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-route.html */
static void map_route(struct imp_ctx *c, struct imp_obj *o)
{
	static const char *const unmodelled[] = {"TransitGatewayId", "InstanceId", "NetworkInterfaceId",
						 "VpcEndpointId", "CarrierGatewayId", "LocalGatewayId",
						 "EgressOnlyInternetGatewayId", "CoreNetworkArn"};
	o->done = true;
	o->kind = IMP_OTHER;
	if (prop(o, "DestinationIpv6CidrBlock") && !prop(o, "DestinationCidrBlock")) {
		imp_note(c, o->res, prop(o, "DestinationIpv6CidrBlock"), "netsim does not model IPv6 yet: left out");
		return;
	}
	struct imp_obj *rtb = imp_ref(c, o->res, "RouteTableId", prop(o, "RouteTableId"), IMP_RTB, NULL);
	if (!rtb || !rtb->node)
		return;
	struct nsim_cidr dst;
	const char *dtext;
	if (prop(o, "DestinationPrefixListId") && !prop(o, "DestinationCidrBlock")) {
		dtext = prefix_list(c, o, rtb->vpc, prop(o, "DestinationPrefixListId"));
		if (!dtext)
			return;
	} else if (!cidr_prop(c, o, "DestinationCidrBlock", &dst, &dtext)) {
		return;
	}
	const char *target = NULL;
	const struct nsim_cfn_value *v;
	if ((v = prop(o, "NatGatewayId"))) {
		struct imp_obj *nat = imp_ref(c, o->res, "NatGatewayId", v, IMP_NAT, NULL);
		target = nat && nat->node ? nat->name : NULL;
	} else if ((v = prop(o, "VpcPeeringConnectionId"))) {
		struct imp_obj *pcx = imp_ref(c, o->res, "VpcPeeringConnectionId", v, IMP_PEERING, NULL);
		target = pcx && pcx->node ? pcx->name : NULL;
	} else if ((v = prop(o, "GatewayId"))) {
		struct imp_obj *g = imp_find(c, v->kind == NSIM_CFN_REF ? v->ref.logical_id : "");
		if (g && streq(g->res->type, "AWS::EC2::VPNGateway")) {
			imp_error(c, o->res, v, "GatewayId is %s: netsim does not model virtual private gateways yet",
				  imp_describe(c, v));
			return;
		}
		struct imp_obj *igw = imp_ref(c, o->res, "GatewayId", v, IMP_IGW, NULL);
		if (igw && igw->vpc != rtb->vpc) {
			/* Configure route tables: a route targets a gateway attached to the table's VPC,
			 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html */
			imp_error(c, o->res, v, "GatewayId is %s, which is not attached to the route table's VPC %s",
				  imp_describe(c, v), rtb->vpc->res->logical_id);
			return;
		}
		if (igw) {
			target = igw->name;
			rtb->to_igw = true;
		}
	} else {
		for (size_t i = 0; i < ELEMENTSOF(unmodelled); i++)
			if ((v = prop(o, unmodelled[i]))) {
				imp_error(c, o->res, v, "netsim does not model routes to %s yet (%s)", unmodelled[i],
					  imp_describe(c, v));
				return;
			}
		imp_error(c, o->res, NULL, "the route has no target netsim import knows");
		return;
	}
	if (!target)
		return;
	struct nsim_emit_node *r = imp_check(c, nsim_emit_flow_map(c->arena));
	if (!r)
		return;
	IMP_TRY(c, nsim_emit_set_str(c->arena, r, "destination", dtext));
	IMP_TRY(c, nsim_emit_set_str(c->arena, r, "target", target));
	r->trailing = imp_check(c, nsim_arena_printf(c->arena, "%s (%s)", o->res->logical_id, o->res->type));
	IMP_TRY(c, nsim_emit_push(c->arena, imp_check(c, nsim_emit_child_seq(c->arena, rtb->node, "routes")), r));
}

static void set_assoc(struct imp_ctx *c, struct imp_obj *o, struct imp_obj *subnet, struct imp_obj *target,
		      const char *key)
{
	if (target->vpc != subnet->vpc) {
		imp_error(c, o->res, NULL, "%s and %s are in different VPCs: AWS associates a subnet with a %s of its "
			  "own VPC", subnet->res->logical_id, target->res->logical_id,
			  streq(key, "route_table") ? "route table" : "network ACL");
		return;
	}
	if (nsim_emit_get(subnet->node, key)) {
		imp_error(c, o->res, NULL, "subnet %s has a %s association already: AWS associates a subnet with "
			  "exactly one", subnet->res->logical_id, streq(key, "route_table") ? "route table" : "network ACL");
		return;
	}
	struct nsim_emit_node *n = imp_check(c, nsim_emit_scalar(c->arena, target->name));
	if (!n)
		return;
	n->trailing = imp_check(c, nsim_arena_printf(c->arena, "%s (%s)", o->res->logical_id, o->res->type));
	IMP_TRY(c, nsim_emit_set(c->arena, subnet->node, key, n));
}

/* AWS::EC2::SubnetRouteTableAssociation: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-subnetroutetableassociation.html */
static void map_rtb_assoc(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	o->kind = IMP_OTHER;
	struct imp_obj *s = imp_ref(c, o->res, "SubnetId", prop(o, "SubnetId"), IMP_SUBNET, NULL);
	struct imp_obj *t = imp_ref(c, o->res, "RouteTableId", prop(o, "RouteTableId"), IMP_RTB, NULL);
	if (!s || !t || !s->node || !t->node || !s->vpc)
		return;
	set_assoc(c, o, s, t, "route_table");
	s->rtb = t;
}

/* The service's short name in the template's region (`com.amazonaws.us-east-1.s3` -> `s3`), else the
 * full name (validate says a cross-Region endpoint is not modelled). */
static const char *service_name(struct imp_ctx *c, const char *s)
{
	const char *region = c->t->region ? c->t->region : NSIM_CFN_DEFAULT_REGION;
	char *prefix = imp_check(c, nsim_arena_printf(c->arena, "com.amazonaws.%s.", region));
	if (prefix && strncmp(s, prefix, strlen(prefix)) == 0)
		return s + strlen(prefix);
	return s;
}

static struct nsim_emit_node *name_list(struct imp_ctx *c, struct imp_obj *o, const char *key, enum imp_kind kind,
					struct imp_obj *vpc, bool *ok)
{
	const struct nsim_cfn_value *v = prop(o, key);
	struct nsim_emit_node *seq = imp_check(c, nsim_emit_seq(c->arena));
	if (!seq)
		return NULL;
	seq->flow = true;
	if (!v)
		return seq;
	if (v->kind != NSIM_CFN_LIST) {
		imp_error(c, o->res, v, "%s is %s, not a list", key, imp_describe(c, v));
		*ok = false;
		return seq;
	}
	for (size_t i = 0; i < v->n; i++) {
		struct imp_obj *t = imp_ref(c, o->res, key, v->items[i], kind, NULL);
		if (!t || !t->node) {
			*ok = false;
			continue;
		}
		if (t->vpc != vpc) {
			imp_error(c, o->res, v->items[i], "%s %s is in another VPC", key, t->res->logical_id);
			*ok = false;
			continue;
		}
		IMP_TRY(c, nsim_emit_push(c->arena, seq, nsim_emit_scalar(c->arena, t->name)));
	}
	return seq;
}

/* AWS::EC2::VPCEndpoint: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcendpoint.html */
static void map_endpoint(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	o->vpc = imp_ref(c, o->res, "VpcId", prop(o, "VpcId"), IMP_VPC, NULL);
	const struct nsim_cfn_value *sv = prop(o, "ServiceName"), *tv = prop(o, "VpcEndpointType");
	const char *service = nsim_cfn_str(sv);
	/* VpcEndpointType: "Default: Gateway" (the page above) */
	const char *type = nsim_cfn_str(tv) ? nsim_cfn_str(tv) : "Gateway";
	if (!o->vpc || !o->vpc->node)
		return;
	if (!service) {
		imp_error(c, o->res, sv, "ServiceName is %s: netsim import needs the service's name",
			  sv ? imp_describe(c, sv) : "missing");
		return;
	}
	if (!streq(type, "Gateway") && !streq(type, "Interface")) {
		imp_error(c, o->res, tv, "netsim does not model %s endpoints yet", type);
		return;
	}
	if (!imp_obj_node(c, o, false))
		return;
	bool ok = true, gw = streq(type, "Gateway");
	IMP_TRY(c, nsim_emit_set_str(c->arena, o->node, "type", gw ? "gateway" : "interface"));
	IMP_TRY(c, nsim_emit_set_str(c->arena, o->node, "service", service_name(c, service)));
	if (gw) {
		IMP_TRY(c, nsim_emit_set(c->arena, o->node, "route_tables",
					 name_list(c, o, "RouteTableIds", IMP_RTB, o->vpc, &ok)));
	} else {
		IMP_TRY(c, nsim_emit_set(c->arena, o->node, "subnets", name_list(c, o, "SubnetIds", IMP_SUBNET, o->vpc, &ok)));
		if (prop(o, "SecurityGroupIds"))
			IMP_TRY(c, nsim_emit_set(c->arena, o->node, "security_groups",
						 name_list(c, o, "SecurityGroupIds", IMP_SG, o->vpc, &ok)));
		/* PrivateDnsEnabled: "Default: false" in CloudFormation (netsim's default is true) */
		bool pdns = false;
		if (prop(o, "PrivateDnsEnabled") && nsim_cfn_bool(prop(o, "PrivateDnsEnabled"), &pdns) < 0)
			pdns = false;
		IMP_TRY(c, nsim_emit_set_str(c->arena, o->node, "private_dns", pdns ? "true" : "false"));
	}
	if (ok)
		IMP_TRY(c, nsim_emit_push(c->arena, imp_vpc_list(c, o->vpc, "endpoints"), o->node));
}

/* Kinds and names first, so that a reference resolves whatever the order of the template. */
static void classify(struct imp_ctx *c)
{
	static const struct {
		const char *type;
		enum imp_kind kind;
	} kinds[] = {
		{"AWS::EC2::VPC", IMP_VPC},
		{"AWS::EC2::InternetGateway", IMP_IGW},
		{"AWS::EC2::Subnet", IMP_SUBNET},
		{"AWS::EC2::RouteTable", IMP_RTB},
		{"AWS::EC2::NatGateway", IMP_NAT},
		{"AWS::EC2::EIP", IMP_EIP},
		{"AWS::EC2::SecurityGroup", IMP_SG},
		{"AWS::EC2::NetworkAcl", IMP_ACL},
		{"AWS::EC2::VPCPeeringConnection", IMP_PEERING},
		{"AWS::EC2::VPCEndpoint", IMP_ENDPOINT},
		{"AWS::EC2::PrefixList", IMP_PREFIX_LIST},
		{"AWS::RDS::DBSubnetGroup", IMP_SUBNET_GROUP},
		{"AWS::ElastiCache::SubnetGroup", IMP_SUBNET_GROUP},
		{"AWS::MemoryDB::SubnetGroup", IMP_SUBNET_GROUP},
		{"AWS::DMS::ReplicationSubnetGroup", IMP_SUBNET_GROUP},
		{"AWS::EC2::Instance", IMP_HOSTS},
		{"AWS::Lambda::Function", IMP_HOSTS},
		{"AWS::Serverless::Function", IMP_HOSTS},
		{"AWS::RDS::DBInstance", IMP_HOSTS},
		{"AWS::RDS::DBCluster", IMP_HOSTS},
		{"AWS::RDS::DBProxy", IMP_HOSTS},
		{"AWS::ElastiCache::CacheCluster", IMP_HOSTS},
		{"AWS::ElastiCache::ReplicationGroup", IMP_HOSTS},
		{"AWS::MemoryDB::Cluster", IMP_HOSTS},
		{"AWS::ECS::Service", IMP_HOSTS},
		{"AWS::ElasticLoadBalancingV2::LoadBalancer", IMP_HOSTS},
		{"AWS::ElasticLoadBalancing::LoadBalancer", IMP_HOSTS},
		{"AWS::DMS::ReplicationInstance", IMP_HOSTS},
		{"AWS::ElasticLoadBalancingV2::Listener", IMP_LISTENER},
	};
	for (size_t i = 0; i < c->n_objs; i++) {
		struct imp_obj *o = &c->objs[i];
		if (o->done) /* Condition undecidable: reported */
			continue;
		for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
			if (streq(o->res->type, kinds[k].type)) {
				o->kind = kinds[k].kind;
				break;
			}
		if (o->kind != IMP_NONE && o->kind != IMP_LISTENER && o->kind != IMP_SUBNET_GROUP) {
			const char *k = imp_check(c, nsim_import_kebab(c->arena, o->res->logical_id, IMP_NAME_MAX));
			o->name = k ? imp_unique_name(c, k) : "x";
		}
	}
}

void imp_ec2_network(struct imp_ctx *c)
{
	classify(c);
	static const struct imp_pass passes[] = {
		{"AWS::EC2::VPC", map_vpc},
		{"AWS::EC2::VPCGatewayAttachment", map_attachment},
		{"AWS::EC2::Subnet", map_subnet},
		{"AWS::EC2::RouteTable", map_route_table},
		{"AWS::EC2::NatGateway", map_nat},
		{"AWS::EC2::VPCPeeringConnection", map_peering},
		{"AWS::EC2::Route", map_route},
		{"AWS::EC2::SubnetRouteTableAssociation", map_rtb_assoc},
	};
	imp_run_passes(c, passes, ELEMENTSOF(passes));
	for (size_t i = 0; i < c->n_objs; i++) {
		struct imp_obj *o = &c->objs[i];
		if (o->done)
			continue;
		if (o->kind == IMP_IGW) {
			o->done = true;
			if (!o->vpc)
				imp_note(c, o->res, NULL, "not attached to a VPC of the template: left out");
		}
	}
}

/* --- security groups and network ACLs --- */

/* The rule's protocol in netsim's words, or NULL (reported) when netsim does not model it. */
static const char *rule_protocol(struct imp_ctx *c, struct imp_obj *o, const struct nsim_cfn_value *v)
{
	const char *p = nsim_cfn_str(v);
	if (!p) {
		imp_error(c, o->res, v, "IpProtocol is %s: netsim import needs the protocol", v ? imp_describe(c, v) : "missing");
		return NULL;
	}
	/* "-1 or all": every protocol; numbers are IANA protocol numbers (AWS::EC2::SecurityGroupIngress) */
	if (streq(p, "-1") || strcasecmp(p, "all") == 0)
		return "all";
	if (strcasecmp(p, "tcp") == 0 || streq(p, "6"))
		return "tcp";
	if (strcasecmp(p, "udp") == 0 || streq(p, "17"))
		return "udp";
	if (strcasecmp(p, "icmp") == 0 || streq(p, "1"))
		return "icmp";
	if (strcasecmp(p, "icmpv6") == 0 || streq(p, "58"))
		imp_note(c, o->res, v, "netsim does not model IPv6 yet: the ICMPv6 rule is left out");
	else
		imp_warning(c, o->res, v, "netsim does not model IP protocol %s yet: the rule is left out", p);
	return NULL;
}

static bool int_prop(const struct nsim_cfn_value *map, const char *key, long long *ret)
{
	const struct nsim_cfn_value *v = nsim_cfn_get(map, key);
	return v && nsim_cfn_int(v, ret) == 0;
}

/* "P" or "F-T" for tcp/udp ports from..to; -1 or absent means all ports. */
static const char *ports_text(struct imp_ctx *c, long long from, long long to, unsigned *ret_from, unsigned *ret_to)
{
	if (from < 0 || to < 0 || from > 65535 || to > 65535) {
		from = 0;
		to = 65535;
	}
	*ret_from = (unsigned)from;
	*ret_to = (unsigned)to;
	if (from == to)
		return imp_check(c, nsim_arena_printf(c->arena, "%lld", from));
	return imp_check(c, nsim_arena_printf(c->arena, "%lld-%lld", from, to));
}

/* A security group a rule names, as the rule writes it: `name` in the group's own VPC, `vpc/name` in a
 * peered one. */
static const char *group_ref(struct imp_ctx *c, struct imp_obj *sg, struct imp_obj *peer)
{
	if (peer->vpc == sg->vpc)
		return peer->name;
	return imp_check(c, nsim_arena_printf(c->arena, "%s/%s", peer->vpc ? peer->vpc->name : "?", peer->name));
}

static struct nsim_emit_node *vpc_prefix_list(struct imp_ctx *c, struct imp_obj *vpc, const char *name, bool *ret_new)
{
	struct nsim_emit_node *lists = imp_vpc_list(c, vpc, "prefix_lists");
	for (size_t i = 0; lists && i < lists->n; i++)
		if (streq(nsim_emit_get_str(lists->items[i], "name") ?: "", name)) {
			*ret_new = false;
			return lists->items[i];
		}
	struct nsim_emit_node *pl = imp_check(c, nsim_emit_map(c->arena));
	struct nsim_emit_node *cidrs = imp_check(c, nsim_emit_seq(c->arena));
	if (!lists || !pl || !cidrs)
		return NULL;
	IMP_TRY(c, nsim_emit_set_str(c->arena, pl, "name", name));
	cidrs->flow = true;
	IMP_TRY(c, nsim_emit_set(c->arena, pl, "cidrs", cidrs));
	IMP_TRY(c, nsim_emit_push(c->arena, lists, pl));
	*ret_new = true;
	return pl;
}

/*
 * The prefix list a rule or route names (`o`, in `vpc`), as `pl:NAME`: an AWS::EC2::PrefixList of the
 * template becomes a prefix list of each VPC that uses it, with its entries
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-prefixlist.html);
 * a list the template names by ID (`pl-…`, a managed list such as CloudFront's) becomes an empty prefix
 * list of the VPC, for an overlay to fill. NULL when reported.
 */
static const char *prefix_list(struct imp_ctx *c, struct imp_obj *o, struct imp_obj *vpc, const struct nsim_cfn_value *v)
{
	bool fresh = false;
	if (v->kind == NSIM_CFN_REF) {
		struct imp_obj *pl = imp_ref(c, o->res, "the prefix list", v, IMP_PREFIX_LIST, NULL);
		if (!pl)
			return NULL;
		pl->done = true;
		const char *family = nsim_cfn_str(nsim_cfn_get(pl->res->properties, "AddressFamily"));
		if (family && !streq(family, "IPv4")) {
			imp_error(c, o->res, v, "prefix list %s is %s: netsim does not model IPv6 yet", pl->res->logical_id,
				  family);
			return NULL;
		}
		struct nsim_emit_node *node = vpc_prefix_list(c, vpc, pl->name, &fresh);
		if (!node)
			return NULL;
		if (fresh) {
			IMP_TRY(c, nsim_emit_comment(c->arena, node, "%s (%s)", pl->res->logical_id, pl->res->type));
			struct nsim_emit_node *cidrs = nsim_emit_get(node, "cidrs");
			const struct nsim_cfn_value *entries = nsim_cfn_get(pl->res->properties, "Entries");
			for (size_t i = 0; entries && entries->kind == NSIM_CFN_LIST && i < entries->n; i++) {
				const struct nsim_cfn_value *cv = nsim_cfn_get(entries->items[i], "Cidr");
				const char *cidr = imp_cidr_text(c, cv);
				if (!cidr) {
					imp_error(c, pl->res, cv ? cv : entries->items[i], "an entry without a Cidr netsim "
						  "import can place");
					continue;
				}
				IMP_TRY(c, nsim_emit_push(c->arena, cidrs, nsim_emit_scalar(c->arena, cidr)));
			}
			long long max;
			if (nsim_cfn_get(pl->res->properties, "MaxEntries") &&
			    nsim_cfn_int(nsim_cfn_get(pl->res->properties, "MaxEntries"), &max) == 0)
				IMP_TRY(c, nsim_emit_set(c->arena, node, "max_entries",
							 nsim_emit_scalar(c->arena, imp_check(c, nsim_arena_printf(c->arena, "%lld", max)))));
		}
		return imp_check(c, nsim_arena_printf(c->arena, "pl:%s", pl->name));
	}
	const char *id = nsim_cfn_str(v);
	if (!id) {
		imp_error(c, o->res, v, "the prefix list is %s: netsim import needs its ID", imp_describe(c, v));
		return NULL;
	}
	const char *name = imp_check(c, nsim_import_kebab(c->arena, id, IMP_NAME_MAX));
	if (!name)
		return NULL;
	struct nsim_emit_node *node = vpc_prefix_list(c, vpc, name, &fresh);
	if (!node)
		return NULL;
	if (fresh) {
		bool filled = false;
		for (const char *const *f = c->opts->filled_prefix_lists; f && *f && !filled; f++)
			filled = strncmp(*f, vpc->name, strlen(vpc->name)) == 0 && (*f)[strlen(vpc->name)] == '/' &&
				 streq(*f + strlen(vpc->name) + 1, name);
		IMP_TRY(c, nsim_emit_comment(c->arena, node, "%s: a prefix list outside the template; %s", id,
					     filled ? "its entries are the overlay's"
						    : "its entries are not known (give them in an --overlay)"));
		if (filled)
			imp_note(c, o->res, v, "prefix list %s is not in the template: imported as prefix list '%s' of "
				 "VPC %s, its CIDRs from the --overlay", id, name, vpc->res->logical_id);
		else
			imp_warning(c, o->res, v, "prefix list %s is not in the template: imported as an empty prefix "
				    "list '%s' of VPC %s, matching nothing; give its CIDRs in an --overlay", id, name,
				    vpc->res->logical_id);
	}
	return imp_check(c, nsim_arena_printf(c->arena, "pl:%s", name));
}

static void add_rule(struct imp_ctx *c, struct imp_obj *sg, struct imp_obj *src, struct nsim_cidr cidr,
		     const char *proto, unsigned from, unsigned to, const struct nsim_cfn_resource *res)
{
	if (c->n_rules == c->cap_rules) {
		size_t cap = c->cap_rules ? 2 * c->cap_rules : 16;
		struct imp_sg_rule *r = imp_check(c, nsim_arena_alloc(c->arena, cap, sizeof(*r)));
		if (!r)
			return;
		if (c->n_rules)
			memcpy(r, c->rules, c->n_rules * sizeof(*r));
		c->rules = r;
		c->cap_rules = cap;
	}
	c->rules[c->n_rules++] = (struct imp_sg_rule){.group = sg, .source = src, .cidr = cidr, .protocol = proto,
						       .from = from, .to = to, .res = res};
}

/*
 * One security group rule (inline, or a SecurityGroupIngress/Egress resource `o`) as a netsim rule.
 * AWS::EC2::SecurityGroupIngress: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupingress.html
 * AWS::EC2::SecurityGroupEgress: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupegress.html
 */
static struct nsim_emit_node *sg_rule(struct imp_ctx *c, struct imp_obj *o, struct imp_obj *sg,
				      const struct nsim_cfn_value *r, bool ingress)
{
	const char *proto = rule_protocol(c, o, nsim_cfn_get(r, "IpProtocol"));
	if (!proto)
		return NULL;
	const char *peer_key = ingress ? "source" : "destination";
	const char *peer = NULL;
	struct imp_obj *peer_sg = NULL;
	const struct nsim_cfn_value *v;
	struct nsim_cidr cidr = {0};
	if ((v = nsim_cfn_get(r, "CidrIp"))) {
		const char *s = imp_cidr_text(c, v);
		if (!s || nsim_cidr_parse(s, &cidr) < 0) {
			imp_error(c, o->res, v, "CidrIp is %s, not an IPv4 CIDR block netsim import can place%s%s",
				  imp_describe(c, v), v->reason ? ": " : "", v->reason ? v->reason : "");
			return NULL;
		}
		if (!nsim_cidr_aligned(cidr)) { /* AWS clears them too */
			char buf[NSIM_CIDR_STRLEN];
			cidr.addr = nsim_cidr_network(cidr);
			peer = imp_check(c, nsim_arena_strdup(c->arena, nsim_cidr_fmt(cidr, buf)));
			imp_note(c, o->res, v, "CidrIp %s has host bits set: imported as %s", s, buf);
		} else {
			peer = s;
		}
	} else if ((v = nsim_cfn_get(r, ingress ? "SourceSecurityGroupId" : "DestinationSecurityGroupId"))) {
		peer_sg = imp_ref(c, o->res, ingress ? "SourceSecurityGroupId" : "DestinationSecurityGroupId", v, IMP_SG, NULL);
		if (!peer_sg || !peer_sg->node)
			return NULL;
		peer = group_ref(c, sg, peer_sg);
	} else if ((v = nsim_cfn_get(r, ingress ? "SourcePrefixListId" : "DestinationPrefixListId"))) {
		peer = prefix_list(c, o, sg->vpc, v);
	} else if ((v = nsim_cfn_get(r, "SourceSecurityGroupName"))) {
		imp_error(c, o->res, v, "SourceSecurityGroupName names a group of the account's default VPC, which the "
			  "template does not declare: use SourceSecurityGroupId with a group of the template");
		return NULL;
	} else if ((v = nsim_cfn_get(r, ingress ? "CidrIpv6" : "CidrIpv6"))) {
		imp_note(c, o->res, v, "netsim does not model IPv6 yet: the rule is left out");
		return NULL;
	} else {
		imp_error(c, o->res, NULL, "the rule has no %s netsim import knows", peer_key);
		return NULL;
	}
	if (!peer)
		return NULL;
	struct nsim_emit_node *n = imp_check(c, nsim_emit_flow_map(c->arena));
	if (!n)
		return NULL;
	IMP_TRY(c, nsim_emit_set_str(c->arena, n, "protocol", proto));
	unsigned from = 0, to = 65535;
	if (streq(proto, "tcp") || streq(proto, "udp")) {
		long long f = -1, t = -1;
		if (!int_prop(r, "FromPort", &f))
			f = -1;
		if (!int_prop(r, "ToPort", &t))
			t = f;
		IMP_TRY(c, nsim_emit_set_str(c->arena, n, "ports", ports_text(c, f, t, &from, &to)));
	} else if (streq(proto, "icmp")) {
		long long f = -1;
		if (int_prop(r, "FromPort", &f) && f != -1)
			imp_note(c, o->res, nsim_cfn_get(r, "FromPort"), "ICMP type %lld: netsim matches ICMP as a whole, "
				 "so the rule allows all ICMP", f);
	}
	IMP_TRY(c, nsim_emit_set_str(c->arena, n, peer_key, peer));
	const char *desc = imp_text_value(c, nsim_cfn_get(r, "Description"));
	if (desc)
		IMP_TRY(c, nsim_emit_set_str(c->arena, n, "description", desc));
	if (ingress && peer_sg)
		add_rule(c, sg, peer_sg, cidr, proto, from, to, o->res);
	else if (ingress && cidr.len && sg->vpc && nsim_cidr_contains(sg->vpc->cidr, cidr))
		add_rule(c, sg, NULL, cidr, proto, from, to, o->res); /* a block of its own VPC: its subnets' hosts */
	return n;
}

static void sg_rules(struct imp_ctx *c, struct imp_obj *o, const char *key, bool ingress)
{
	const struct nsim_cfn_value *list = prop(o, key);
	if (!list || list->kind == NSIM_CFN_NULL || (list->kind == NSIM_CFN_LIST && list->n == 0))
		return;
	if (list->kind != NSIM_CFN_LIST) {
		imp_error(c, o->res, list, "%s is %s, not a list of rules", key, imp_describe(c, list));
		return;
	}
	struct nsim_emit_node *seq = imp_check(c, nsim_emit_child_seq(c->arena, o->node, ingress ? "ingress" : "egress"));
	if (!seq)
		return;
	if (!ingress)
		o->egress_inline = true;
	for (size_t i = 0; i < list->n; i++) {
		struct nsim_emit_node *r = sg_rule(c, o, o, list->items[i], ingress);
		if (r)
			IMP_TRY(c, nsim_emit_push(c->arena, seq, r));
	}
}

/* AWS::EC2::SecurityGroup: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html */
static void map_sg(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	if (!prop(o, "VpcId")) {
		imp_error(c, o->res, NULL, "the group has no VpcId, so it is in the account's default VPC, which the "
			  "template does not declare: give it a VpcId of the template");
		return;
	}
	o->vpc = imp_ref(c, o->res, "VpcId", prop(o, "VpcId"), IMP_VPC, NULL);
	if (!o->vpc || !o->vpc->node || !imp_obj_node(c, o, false))
		return;
	const char *desc = imp_text_value(c, prop(o, "GroupDescription"));
	if (desc)
		IMP_TRY(c, nsim_emit_set_str(c->arena, o->node, "description", desc));
	IMP_TRY(c, nsim_emit_push(c->arena, imp_vpc_list(c, o->vpc, "security_groups"), o->node));
}

static void map_sg_rules(struct imp_ctx *c, struct imp_obj *o)
{
	if (!o->node)
		return;
	sg_rules(c, o, "SecurityGroupIngress", true);
	sg_rules(c, o, "SecurityGroupEgress", false);
}

static void map_sg_standalone(struct imp_ctx *c, struct imp_obj *o, bool ingress)
{
	o->done = true;
	o->kind = IMP_OTHER;
	if (!prop(o, "GroupId")) {
		imp_error(c, o->res, prop(o, "GroupName"), "the rule names no GroupId (a GroupName is a group of the "
			  "account's default VPC, which the template does not declare)");
		return;
	}
	struct imp_obj *sg = imp_ref(c, o->res, "GroupId", prop(o, "GroupId"), IMP_SG, NULL);
	if (!sg || !sg->node)
		return;
	struct nsim_emit_node *r = sg_rule(c, o, sg, o->res->properties, ingress);
	if (!r)
		return;
	r->trailing = imp_check(c, nsim_arena_printf(c->arena, "%s (%s)", o->res->logical_id, o->res->type));
	struct nsim_emit_node *seq = imp_check(c, nsim_emit_child_seq(c->arena, sg->node, ingress ? "ingress" : "egress"));
	if (!seq)
		return;
	if (!ingress && !sg->egress_inline && !sg->egress_standalone) {
		/* AWS keeps a group's default outbound rule (all traffic to 0.0.0.0/0) unless the group's
		 * own SecurityGroupEgress property replaces it: SecurityGroupEgress resources add rules beside
		 * it (AWS::EC2::SecurityGroup, SecurityGroupEgress; Security group rules,
		 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html). netsim's
		 * `egress:` replaces AWS's default, so the default is written out. */
		struct nsim_emit_node *all = imp_check(c, nsim_emit_flow_map(c->arena));
		if (!all)
			return;
		IMP_TRY(c, nsim_emit_set_str(c->arena, all, "protocol", "all"));
		IMP_TRY(c, nsim_emit_set_str(c->arena, all, "destination", "0.0.0.0/0"));
		all->trailing = "AWS's default outbound rule, kept beside AWS::EC2::SecurityGroupEgress resources";
		IMP_TRY(c, nsim_emit_push(c->arena, seq, all));
	}
	if (!ingress)
		sg->egress_standalone = true;
	IMP_TRY(c, nsim_emit_push(c->arena, seq, r));
}

/* AWS::EC2::NetworkAcl: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-networkacl.html */
static void map_acl(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	o->vpc = imp_ref(c, o->res, "VpcId", prop(o, "VpcId"), IMP_VPC, NULL);
	if (!o->vpc || !o->vpc->node || !imp_obj_node(c, o, false))
		return;
	IMP_TRY(c, nsim_emit_push(c->arena, imp_vpc_list(c, o->vpc, "network_acls"), o->node));
}

/* AWS::EC2::NetworkAclEntry: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-networkaclentry.html */
static void map_acl_entry(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	o->kind = IMP_OTHER;
	if (prop(o, "Ipv6CidrBlock") && !prop(o, "CidrBlock")) {
		imp_note(c, o->res, prop(o, "Ipv6CidrBlock"), "netsim does not model IPv6 yet: left out");
		return;
	}
	struct imp_obj *acl = imp_ref(c, o->res, "NetworkAclId", prop(o, "NetworkAclId"), IMP_ACL, NULL);
	if (!acl || !acl->node)
		return;
	bool egress = false;
	if (prop(o, "Egress") && nsim_cfn_bool(prop(o, "Egress"), &egress) < 0) {
		imp_error(c, o->res, prop(o, "Egress"), "Egress is %s, not a boolean", imp_describe(c, prop(o, "Egress")));
		return;
	}
	long long rule, proto;
	if (!int_prop(o->res->properties, "RuleNumber", &rule)) {
		imp_error(c, o->res, prop(o, "RuleNumber"), "RuleNumber is not a number");
		return;
	}
	if (!int_prop(o->res->properties, "Protocol", &proto)) {
		imp_error(c, o->res, prop(o, "Protocol"), "Protocol is not a protocol number (-1, 1, 6, 17, ...)");
		return;
	}
	const char *p = proto == -1 ? "all" : proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : NULL;
	if (!p) {
		imp_warning(c, o->res, prop(o, "Protocol"), "netsim does not model IP protocol %lld yet: the entry is "
			    "left out", proto);
		return;
	}
	const char *action = nsim_cfn_str(prop(o, "RuleAction"));
	if (!action || (strcasecmp(action, "allow") && strcasecmp(action, "deny"))) {
		imp_error(c, o->res, prop(o, "RuleAction"), "RuleAction is not allow or deny");
		return;
	}
	struct nsim_cidr cidr;
	const char *ctext;
	if (!cidr_prop(c, o, "CidrBlock", &cidr, &ctext))
		return;
	struct nsim_emit_node *n = imp_check(c, nsim_emit_flow_map(c->arena));
	if (!n)
		return;
	IMP_TRY(c, nsim_emit_set(c->arena, n, "rule", nsim_emit_scalar(c->arena, imp_check(c, nsim_arena_printf(c->arena, "%lld", rule)))));
	IMP_TRY(c, nsim_emit_set_str(c->arena, n, "protocol", p));
	if (proto == 6 || proto == 17) {
		const struct nsim_cfn_value *pr = prop(o, "PortRange");
		long long f = 0, t = 65535;
		unsigned uf, ut;
		if (pr && (!int_prop(pr, "From", &f) || !int_prop(pr, "To", &t))) {
			imp_error(c, o->res, pr, "PortRange is %s, not From and To", imp_describe(c, pr));
			return;
		}
		IMP_TRY(c, nsim_emit_set_str(c->arena, n, "ports", ports_text(c, f, t, &uf, &ut)));
	}
	IMP_TRY(c, nsim_emit_set_str(c->arena, n, egress ? "destination" : "source", ctext));
	IMP_TRY(c, nsim_emit_set_str(c->arena, n, "action", strcasecmp(action, "allow") == 0 ? "allow" : "deny"));
	n->trailing = imp_check(c, nsim_arena_printf(c->arena, "%s (%s)", o->res->logical_id, o->res->type));
	IMP_TRY(c, nsim_emit_push(c->arena, imp_check(c, nsim_emit_child_seq(c->arena, acl->node, egress ? "egress" : "ingress")), n));
}

/* AWS::EC2::SubnetNetworkAclAssociation: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-subnetnetworkaclassociation.html */
static void map_acl_assoc(struct imp_ctx *c, struct imp_obj *o)
{
	o->done = true;
	o->kind = IMP_OTHER;
	struct imp_obj *s = imp_ref(c, o->res, "SubnetId", prop(o, "SubnetId"), IMP_SUBNET, NULL);
	struct imp_obj *a = imp_ref(c, o->res, "NetworkAclId", prop(o, "NetworkAclId"), IMP_ACL, NULL);
	if (!s || !a || !s->node || !a->node || !s->vpc)
		return;
	set_assoc(c, o, s, a, "network_acl");
}

void imp_ec2_filters(struct imp_ctx *c)
{
	for (size_t i = 0; i < c->n_objs; i++)
		if (!c->objs[i].done && is(&c->objs[i], "AWS::EC2::SecurityGroup"))
			map_sg(c, &c->objs[i]);
	for (size_t i = 0; i < c->n_objs; i++)
		if (c->objs[i].kind == IMP_SG)
			map_sg_rules(c, &c->objs[i]);
	for (size_t i = 0; i < c->n_objs; i++) {
		struct imp_obj *o = &c->objs[i];
		if (o->done)
			continue;
		if (is(o, "AWS::EC2::SecurityGroupIngress"))
			map_sg_standalone(c, o, true);
		else if (is(o, "AWS::EC2::SecurityGroupEgress"))
			map_sg_standalone(c, o, false);
	}
	static const struct imp_pass passes[] = {
		{"AWS::EC2::NetworkAcl", map_acl},
		{"AWS::EC2::NetworkAclEntry", map_acl_entry},
		{"AWS::EC2::SubnetNetworkAclAssociation", map_acl_assoc},
		{"AWS::EC2::VPCEndpoint", map_endpoint},
	};
	imp_run_passes(c, passes, ELEMENTSOF(passes));
}
