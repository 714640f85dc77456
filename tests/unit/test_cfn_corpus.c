/* SPDX-License-Identifier: MIT */
/*
 * The CloudFormation loader on the twelve public templates of
 * tests/data/cfn-corpus (README.md there: provenance and traps): every one
 * loads, the YAML and JSON twins give the same tree, the Quick Start VPC's
 * conditions decide which of its 75 resources exist, and each template's
 * trap resolves as CloudFormation would. argv[1]: tests/data.
 */
#include <errno.h>

#include "cfn_util.h"
#include "load/load.h"

static const char *data_dir = "tests/data";

static struct nsim_cfn_template *load_file(const char *name, const char *const *overrides, int want)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/cfn-corpus/%s", data_dir, name);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(nsim_load_read(path, &text, &len), 0);
	struct nsim_cfn_param ps[16];
	size_t n = 0;
	for (; overrides && overrides[n]; n++) {
		const char *eq = strchr(overrides[n], '=');
		ps[n].key = nsim_arena_strndup(cfn_arena, overrides[n], (size_t)(eq - overrides[n]));
		ps[n].value = eq + 1;
	}
	struct nsim_cfn_template *t = NULL;
	nsim_diags_clear(&cfn_diags);
	int r = nsim_cfn_load(cfn_arena, name, text, len, ps, n, NULL, &cfn_diags, &t);
	free(text);
	if (r != want)
		cfn_print_diags();
	assert_int_equal(r, want);
	return t;
}

static size_t count_type(const struct nsim_cfn_template *t, const char *type)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n_resources; i++)
		n += streq(t->resources[i].type, type);
	return n;
}

#define OVERRIDES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_every_template_loads(void **state)
{
	static const struct {
		const char *file;
		size_t n_resources;
		bool sam;
	} corpus[] = {
		{"acft-DMSAuroraToS3FullLoadAndOngoingReplication.yaml", 23, false},
		{"acft-ECS_Fargate_private-vpc.yaml", 38, false},
		{"acft-GitLabServer-pkg.yaml", 30, false},
		{"acft-RDS_MySQL_With_Read_Replica.yaml", 3, false},
		{"acft-VPCPeering-Updates.cfn.yaml", 12, false},
		{"acft-VPC_With_Managed_NAT_And_Private_Subnet.json", 26, false},
		{"acft-VPC_With_Managed_NAT_And_Private_Subnet.yaml", 26, false},
		{"qs-aws-vpc.template.yaml", 24, false},
		{"sp-apigw-http-api-lambda-rds-proxy_template-rds-proxy.yaml", 17, false},
		{"sp-apigw-http-api-lambda-rds-proxy_template.yaml", 2, true},
		{"sp-apigw-lambda-memorydb_template.yaml", 12, true},
		{"sp-private-apigw-cross-region_template2-regionB.yaml", 13, true},
	};
	for (size_t i = 0; i < ELEMENTSOF(corpus); i++) {
		struct nsim_cfn_template *t = load_file(corpus[i].file, NULL, 0);
		if (t->n_resources != corpus[i].n_resources)
			fprintf(stderr, "%s: %zu resources\n", corpus[i].file, t->n_resources);
		assert_int_equal(t->n_resources, corpus[i].n_resources);
		assert_int_equal(t->sam, corpus[i].sam);
		assert_int_equal(cfn_diags.n_errors, 0);
	}
}

/* The YAML (short forms, bare !GetAZs) and JSON ("Fn::GetAZs": null) twins. */
static void test_twins(void **state)
{
	struct nsim_cfn_template *y = load_file("acft-VPC_With_Managed_NAT_And_Private_Subnet.yaml", NULL, 0);
	struct nsim_cfn_template *j = load_file("acft-VPC_With_Managed_NAT_And_Private_Subnet.json", NULL, 0);
	assert_int_equal(y->n_resources, j->n_resources);
	for (size_t i = 0; i < y->n_resources; i++) {
		assert_string_equal(y->resources[i].logical_id, j->resources[i].logical_id);
		assert_string_equal(y->resources[i].type, j->resources[i].type);
		assert_string_equal(nsim_cfn_describe(cfn_arena, y->resources[i].properties),
				    nsim_cfn_describe(cfn_arena, j->resources[i].properties));
	}
	cfn_expect_str(cfn_prop(j, "PublicSubnet1", "AvailabilityZone"), "us-east-1b");
	cfn_expect_str(cfn_prop(j, "PrivateSubnet0", "CidrBlock"), "10.0.2.0/24");
	/* booleans written as strings stay strings, and read as booleans */
	bool b = false;
	assert_int_equal(nsim_cfn_bool(cfn_prop(y, "PublicSubnet0", "MapPublicIpOnLaunch"), &b), 0);
	assert_true(b);
}

/* Quick Start VPC: AvailabilityZones has no default; conditions decide. */
static void test_quickstart_vpc(void **state)
{
	struct nsim_cfn_template *t = load_file("qs-aws-vpc.template.yaml", NULL, 0);
	cfn_expect_diag(NSIM_SEV_NOTE, 447, 1, "Rules: not evaluated");
	const struct nsim_cfn_value *az = cfn_prop(t, "PrivateSubnet1A", "AvailabilityZone");
	assert_int_equal(az->kind, NSIM_CFN_OPAQUE);
	assert_string_equal(az->param, "AvailabilityZones");
	assert_string_equal(az->reason, "parameter AvailabilityZones has no value; give it with --parameter "
					"AvailabilityZones=…");

	t = load_file("qs-aws-vpc.template.yaml", OVERRIDES("AvailabilityZones=us-east-1a,us-east-1b"), 0);
	assert_int_equal(t->n_resources, 24);
	assert_int_equal(count_type(t, "AWS::EC2::Subnet"), 4);
	assert_int_equal(count_type(t, "AWS::EC2::RouteTable"), 3);
	assert_int_equal(count_type(t, "AWS::EC2::NatGateway"), 2);
	assert_int_equal(count_type(t, "AWS::EC2::NetworkAcl"), 0);
	cfn_expect_str(cfn_prop(t, "PrivateSubnet2A", "AvailabilityZone"), "us-east-1b");
	cfn_expect_str(cfn_prop(t, "PublicSubnet1", "CidrBlock"), "10.0.128.0/20");
	cfn_expect_str(cfn_prop(t, "PublicSubnet2", "CidrBlock"), "10.0.144.0/20");
	cfn_expect_str(cfn_prop(t, "PrivateSubnet1A", "CidrBlock"), "10.0.0.0/19");
	cfn_expect_str(cfn_prop(t, "PrivateSubnet2A", "CidrBlock"), "10.0.32.0/19");

	t = load_file("qs-aws-vpc.template.yaml",
		      OVERRIDES("AvailabilityZones=us-east-1a,us-east-1b", "CreateAdditionalPrivateSubnets=true"), 0);
	assert_int_equal(count_type(t, "AWS::EC2::NetworkAcl"), 2);
	assert_int_equal(count_type(t, "AWS::EC2::Subnet"), 6);

	/* everything on: all 75 resources */
	t = load_file("qs-aws-vpc.template.yaml",
		      OVERRIDES("AvailabilityZones=a1,a2,a3,a4", "NumberOfAZs=4", "CreateAdditionalPrivateSubnets=true",
				"CreateVPCFlowLogsToCloudWatch=true"),
		      0);
	assert_int_equal(t->n_resources, 75);

	/* a value outside the template's AllowedValues */
	load_file("qs-aws-vpc.template.yaml", OVERRIDES("AvailabilityZones=a,b", "NumberOfAZs=7"), -EINVAL);
	cfn_expect_diag(NSIM_SEV_ERROR, 0, 0, "parameter NumberOfAZs: '7' is not one of its AllowedValues");
}

/* VPCPeering: every target is a parameter without default; conditions with
 * names that begin with a digit, chained through !Condition. */
static void test_peering_updates(void **state)
{
	struct nsim_cfn_template *t = load_file("acft-VPCPeering-Updates.cfn.yaml", NULL, 0);
	const struct nsim_cfn_resource *r2 = nsim_cfn_resource(t, "PeerRoute2");
	assert_non_null(r2);
	assert_true(r2->condition_unknown);
	assert_string_equal(r2->condition_why->param, "NumberOfRouteTables");
	const struct nsim_cfn_value *rt = cfn_prop(t, "PeerRoute1", "RouteTableId");
	assert_int_equal(rt->kind, NSIM_CFN_OPAQUE);
	assert_string_equal(rt->param, "RouteTableIds");

	t = load_file("acft-VPCPeering-Updates.cfn.yaml",
		      OVERRIDES("NumberOfRouteTables=2", "NumberOfSecurityGroups=1", "PeerName=peer",
				"PeerVPCCIDR=10.9.0.0/16", "RouteTableIds=rtb-1,rtb-2", "SecurityGroupIds=sg-1",
				"VPCPeeringConnectionId=pcx-1"),
		      0);
	assert_int_equal(t->n_resources, 3);
	cfn_expect_str(cfn_prop(t, "PeerRoute2", "RouteTableId"), "rtb-2");
	cfn_expect_str(cfn_prop(t, "PeerIngressRule1", "GroupId"), "sg-1");
}

/* The other traps of the README, one by one. */
static void test_traps(void **state)
{
	/* DMS: !Select ["0", !GetAZs ...] with a string index */
	struct nsim_cfn_template *t = load_file("acft-DMSAuroraToS3FullLoadAndOngoingReplication.yaml", NULL, 0);
	cfn_expect_str(cfn_prop(t, "DBSubnet1", "AvailabilityZone"), "us-east-1a");
	cfn_expect_str(cfn_prop(t, "DBSubnet2", "CidrBlock"), "10.0.0.64/26");
	const struct nsim_cfn_value *port = nsim_cfn_get(cfn_prop(t, "AuroraCluster", NULL), "Port");
	assert_null(port); /* the engine's default port: import/ decides */

	/* regionB: the subnet from !Cidr, the peering's account from AWS::AccountId */
	t = load_file("sp-private-apigw-cross-region_template2-regionB.yaml", NULL, 0);
	cfn_expect_str(cfn_prop(t, "subnet", "CidrBlock"), "192.168.0.0/24");
	cfn_expect_str(cfn_prop(t, "subnet", "AvailabilityZone"), "us-east-1a");
	assert_int_equal(cfn_prop(t, "mySecurityGroup", NULL)->kind, NSIM_CFN_MAP);

	/* SAM function on parameters: a List<AWS::EC2::Subnet::Id> without default, then given */
	t = load_file("sp-apigw-http-api-lambda-rds-proxy_template.yaml", NULL, 0);
	const struct nsim_cfn_value *vpc = cfn_prop(t, "RdsProxyFunction", "VpcConfig");
	assert_string_equal(nsim_cfn_get(vpc, "SubnetIds")->param, "Subnets");
	assert_non_null(t->globals);
	t = load_file("sp-apigw-http-api-lambda-rds-proxy_template.yaml",
		      OVERRIDES("Subnets=subnet-1,subnet-2", "LambdaSecurityGroupId=sg-1"), 0);
	vpc = cfn_prop(t, "RdsProxyFunction", "VpcConfig");
	cfn_expect_desc(nsim_cfn_get(vpc, "SubnetIds"), "[subnet-1, subnet-2]");

	/* memorydb: the long form of GetAtt; subnets by !GetAtt X.SubnetId */
	t = load_file("sp-apigw-lambda-memorydb_template.yaml", NULL, 0);
	vpc = cfn_prop(t, "HelloWorldFunction", "VpcConfig");
	cfn_expect_desc(nsim_cfn_get(vpc, "SubnetIds"), "[!GetAtt privateSubnetA.SubnetId, !GetAtt privateSubnetB.SubnetId]");
	cfn_expect_desc(cfn_prop(t, "memoryDBSGIngress", "GroupId"), "!GetAtt memoryDBClusterSG.GroupId");

	/* RDS without a VPC: the conditional SG exists only in two regions */
	t = load_file("acft-RDS_MySQL_With_Read_Replica.yaml", NULL, 0);
	assert_null(nsim_cfn_resource(t, "DBEC2SecurityGroup"));
	assert_int_equal(cfn_prop(t, "MainDB", "MasterUserPassword")->kind, NSIM_CFN_OPAQUE);
	assert_null(nsim_cfn_get(cfn_prop(t, "MainDB", NULL), "VPCSecurityGroups"));

	/* GitLab: the SSM parameter is opaque; no AWSTemplateFormatVersion */
	t = load_file("acft-GitLabServer-pkg.yaml", NULL, 0);
	assert_int_equal(cfn_prop(t, "Server", "ImageId")->kind, NSIM_CFN_OPAQUE);
	cfn_expect_desc(cfn_prop(t, "Server", "SubnetId"), "!GetAtt NetworkPublicSubnet1.SubnetId");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		data_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_template_loads, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_twins, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_quickstart_vpc, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_peering_updates, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_traps, cfn_setup, cfn_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
