/* SPDX-License-Identifier: MIT */
/*
 * CloudFormation template resolution (netsim/import/cfn.c, intrinsics.c):
 * every intrinsic function with the examples of its page in the AWS template
 * reference, parameters, pseudo parameters, Mappings, Conditions, the YAML
 * short forms and JSON, and the errors a user sees (file:line:col).
 */
#include <errno.h>

#include "cfn_util.h"

/* A template whose resource R has the property V written as `expr` (YAML,
 * one line) after `head` (sections, each line ending in \n); V is on line
 * (lines of head) + 5, column 10. */
static const char *tmpl(const char *head, const char *expr)
{
	return nsim_arena_printf(cfn_arena,
				 "%sResources:\n  R:\n    Type: AWS::Test::Thing\n    Properties:\n      V: %s\n",
				 head, expr);
}

static const struct nsim_cfn_value *value_of(const char *head, const char *expr, const char *const *overrides)
{
	struct nsim_cfn_template *t = cfn_ok(tmpl(head, expr), overrides);
	return cfn_prop(t, "R", "V");
}

#define NO_OVERRIDES NULL
#define OVERRIDES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* AWS: Fn::Cidr, "Basic usage": !Cidr [ "192.168.0.0/24", 6, 5 ] is six /27s.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html */
static void test_cidr(void **state)
{
	cfn_expect_desc(value_of("", "!Cidr [ \"192.168.0.0/24\", 6, 5 ]", NO_OVERRIDES),
			"[192.168.0.0/27, 192.168.0.32/27, 192.168.0.64/27, 192.168.0.96/27, 192.168.0.128/27, "
			"192.168.0.160/27]");
	/* the JSON example writes the numbers as strings */
	cfn_expect_desc(value_of("", "{\"Fn::Cidr\": [\"192.168.0.0/24\", \"6\", \"5\"]}", NO_OVERRIDES),
			"[192.168.0.0/27, 192.168.0.32/27, 192.168.0.64/27, 192.168.0.96/27, 192.168.0.128/27, "
			"192.168.0.160/27]");
	/* the last argument is host bits: 8 host bits of a /16 are /24s */
	cfn_expect_str(value_of("", "!Select [2, !Cidr [10.0.0.0/16, 4, 8]]", NO_OVERRIDES), "10.0.2.0/24");
	/* IPv6: 64 host bits are /64s */
	cfn_expect_desc(value_of("", "!Cidr [\"2001:db8:1234:1a00::/56\", 3, 64]", NO_OVERRIDES),
			"[2001:db8:1234:1a00::/64, 2001:db8:1234:1a01::/64, 2001:db8:1234:1a02::/64]");
	/* the corpus's regionB: !Select [0, !Cidr [!Ref VpcCidrBlock, 1, 8]] */
	cfn_expect_str(value_of("Parameters:\n  VpcCidrBlock: {Type: String, Default: 192.168.0.0/16}\n",
				"!Select [0, !Cidr [!Ref VpcCidrBlock, 1, 8]]", NO_OVERRIDES),
		       "192.168.0.0/24");
	/* a block that does not hold them: an error at the function */
	cfn_fails(tmpl("", "!Cidr [10.0.0.0/24, 4, 7]"), 5, 10, "holds only 2 blocks", NO_OVERRIDES);
	cfn_fails(tmpl("", "!Cidr [10.0.0.0/24, 1, 24]"), 5, 33, "is the number of host bits", NO_OVERRIDES);
	cfn_fails(tmpl("", "!Cidr [10.0.0.0/24, 0, 4]"), 5, 30, "count must be a number from 1 to 256",
		  NO_OVERRIDES);
	cfn_fails(tmpl("", "!Cidr [banana, 1, 4]"), 5, 17, "is not an address block", NO_OVERRIDES);
	/* a VPC's CIDR (GetAtt VPC.CidrBlock) is its CidrBlock property, the common way to carve subnets */
	struct nsim_cfn_template *t = cfn_ok(
		"Parameters:\n  Cidr: {Type: String, Default: 10.20.0.0/16}\n"
		"Resources:\n  VPC: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Ref Cidr}}\n"
		"  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VPC\n"
		"      CidrBlock: !Select [1, !Cidr [!GetAtt VPC.CidrBlock, 4, 8]]\n",
		NO_OVERRIDES);
	cfn_expect_str(cfn_prop(t, "S", "CidrBlock"), "10.20.1.0/24");
	/* one that comes from an IPAM pool is known only once the stack exists */
	t = cfn_ok("Resources:\n  VPC: {Type: AWS::EC2::VPC, Properties: {Ipv4IpamPoolId: ipam-pool-1}}\n  R:\n"
		   "    Type: X::Y::Z\n    Properties:\n      V: !Cidr [!GetAtt VPC.CidrBlock, 2, 8]\n",
		   NO_OVERRIDES);
	const struct nsim_cfn_value *v = cfn_prop(t, "R", "V");
	assert_int_equal(v->kind, NSIM_CFN_OPAQUE);
	assert_non_null(strstr(v->reason, "!GetAtt VPC.CidrBlock"));
}

/* AWS: Fn::GetAZs: the region's AZs; "" (and null, as JSON templates write it) is the stack's region.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html */
static void test_getazs(void **state)
{
	const char *six = "[us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f]";
	cfn_expect_desc(value_of("", "!GetAZs \"\"", NO_OVERRIDES), six);
	cfn_expect_desc(value_of("", "!GetAZs", NO_OVERRIDES), six);
	cfn_expect_desc(value_of("", "{\"Fn::GetAZs\": null}", NO_OVERRIDES), six);
	cfn_expect_desc(value_of("", "{\"Fn::GetAZs\": \"\"}", NO_OVERRIDES), six);
	cfn_expect_desc(value_of("", "!GetAZs {Ref: \"AWS::Region\"}", NO_OVERRIDES), six);
	cfn_expect_desc(value_of("", "{\"Fn::GetAZs\": {\"Ref\": \"AWS::Region\"}}", NO_OVERRIDES), six);
	cfn_expect_desc(value_of("", "!GetAZs eu-west-1", NO_OVERRIDES),
			"[eu-west-1a, eu-west-1b, eu-west-1c, eu-west-1d, eu-west-1e, eu-west-1f]");
	/* the tag on a mapping on the next line, as the ECS template writes it */
	struct nsim_cfn_template *t =
		cfn_ok("Resources:\n  R:\n    Type: X::Y::Z\n    Properties:\n      V: !Select\n        - 1\n"
		       "        - !GetAZs\n          Ref: AWS::Region\n",
		       NO_OVERRIDES);
	const struct nsim_cfn_value *v = cfn_prop(t, "R", "V");
	cfn_expect_str(v, "us-east-1b");
	/* the importer chose it: marked */
	assert_non_null(v->chosen);
	assert_non_null(strstr(v->chosen, "Fn::GetAZs"));
	/* --region */
	assert_int_equal(cfn_try(tmpl("", "!Select [0, !GetAZs '']"), "ap-south-2", &t, NULL), 0);
	cfn_expect_str(cfn_prop(t, "R", "V"), "ap-south-2a");
}

/* AWS: Fn::Select: "!Select [ "1", [ "apples", "grapes", "oranges", "mangoes" ] ]" is "grapes";
 * the index may be a string; out of range is an error.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-select.html */
static void test_select(void **state)
{
	cfn_expect_str(value_of("", "!Select [ \"1\", [ \"apples\", \"grapes\", \"oranges\", \"mangoes\" ] ]",
				NO_OVERRIDES),
		       "grapes");
	cfn_expect_str(value_of("", "{\"Fn::Select\": [\"0\", {\"Fn::GetAZs\": \"\"}]}", NO_OVERRIDES), "us-east-1a");
	/* the index from a parameter; the list from a CommaDelimitedList parameter */
	cfn_expect_str(value_of("Parameters:\n  I: {Type: Number, Default: 2}\n"
				"  L: {Type: CommaDelimitedList, Default: 'a, b ,c'}\n",
				"!Select [!Ref I, !Ref L]", NO_OVERRIDES),
		       "c");
	/* the position is the Select's */
	const struct nsim_cfn_value *v = value_of("", "!Select [0, [x]]", NO_OVERRIDES);
	assert_int_equal(v->line, 5);
	assert_int_equal(v->col, 10);
	cfn_fails(tmpl("", "!Select [4, [a, b]]"), 5, 10,
		  "AWS::Test::Thing R: Fn::Select: index 4 is past the end of [a, b] (2 items)",
		  NO_OVERRIDES);
	cfn_fails(tmpl("", "!Select [-1, [a, b]]"), 5, 19, "the index must be a whole number", NO_OVERRIDES);
	cfn_fails(tmpl("", "!Select [0, abc]"), 5, 22, "the second value must be a list", NO_OVERRIDES);
	cfn_fails(tmpl("", "!Select [0]"), 5, 10, "Fn::Select takes a list of 2 values", NO_OVERRIDES);
}

/* AWS: Fn::Join: !Join [ ":", [ a, b, c ] ] is "a:b:c"; with pseudo parameters.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-join.html */
static void test_join(void **state)
{
	cfn_expect_str(value_of("", "!Join [ \":\", [ a, b, c ] ]", NO_OVERRIDES), "a:b:c");
	cfn_expect_str(value_of("", "!Join [ '', [ 'arn:', !Ref AWS::Partition, ':s3:::elasticbeanstalk-*-', "
				"!Ref 'AWS::AccountId' ] ]",
				NO_OVERRIDES),
		       "arn:aws:s3:::elasticbeanstalk-*-123456789012");
	/* the corpus's rds-proxy: an AZ as the region and a letter */
	cfn_expect_str(value_of("", "!Join ['', [!Ref 'AWS::Region', a]]", NO_OVERRIDES), "us-east-1a");
	/* a list from a function */
	cfn_expect_str(value_of("", "!Join [',', !Split ['|', 'x|y']]", NO_OVERRIDES), "x,y");
	/* a resource inside: opaque, printed with the reference */
	struct nsim_cfn_template *t = cfn_ok("Resources:\n  VPC: {Type: AWS::EC2::VPC}\n  R:\n    Type: X::Y::Z\n"
					     "    Properties:\n      V: !Join ['-', [!Ref VPC, sg]]\n",
					     NO_OVERRIDES);
	const struct nsim_cfn_value *v = cfn_prop(t, "R", "V");
	assert_int_equal(v->kind, NSIM_CFN_OPAQUE);
	assert_string_equal(v->str, "${VPC}-sg");
	cfn_fails(tmpl("", "!Join [',', [[a]]]"), 5, 22, "item 0 is [a], not a string", NO_OVERRIDES);
}

/* AWS: Fn::Split: !Split [ "|" , "a||c|" ] is ["a", "", "c", ""].
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-split.html */
static void test_split(void **state)
{
	const struct nsim_cfn_value *v = value_of("", "!Split [ \"|\" , \"a||c|\" ]", NO_OVERRIDES);
	assert_int_equal(v->kind, NSIM_CFN_LIST);
	assert_int_equal(v->n, 4);
	cfn_expect_str(v->items[0], "a");
	cfn_expect_str(v->items[1], "");
	cfn_expect_str(v->items[2], "c");
	cfn_expect_str(v->items[3], "");
	/* the corpus's VPCPeering: a comma string parameter split and selected */
	cfn_expect_str(value_of("Parameters:\n  RouteTableIds: {Type: String, Default: 'rtb-1,rtb-2'}\n",
				"!Select [1, !Split [',', !Ref RouteTableIds]]", NO_OVERRIDES),
		       "rtb-2");
}

/* AWS: Fn::Sub, both forms; ${Param}, ${AWS::Region}, ${Res.Attr}, ${!Literal}.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html */
static void test_sub(void **state)
{
	cfn_expect_str(value_of("Parameters:\n  RootDomainName: {Type: String, Default: example.com}\n",
				"!Sub [ 'www.${Domain}', { Domain: !Ref RootDomainName } ]", NO_OVERRIDES),
		       "www.example.com");
	cfn_expect_str(value_of("", "!Sub 'arn:${AWS::Partition}:s3:::${AWS::Region}-${AWS::AccountId}'", NO_OVERRIDES),
		       "arn:aws:s3:::us-east-1-123456789012");
	cfn_expect_str(value_of("", "!Sub '${!Literal}-${AWS::Region}'", NO_OVERRIDES), "${Literal}-us-east-1");
	cfn_expect_str(value_of("", "{\"Fn::Sub\": \"${ AWS::Region }\"}", NO_OVERRIDES), "us-east-1");
	/* a resource attribute inside a string: opaque; alone: the reference itself */
	struct nsim_cfn_template *t = cfn_ok(
		"Resources:\n  VPC: {Type: AWS::EC2::VPC}\n  Bucket: {Type: AWS::S3::Bucket}\n  R:\n    Type: X::Y::Z\n"
		"    Properties:\n      A: !Sub '${Bucket.Arn}/*'\n      B: !Sub '${VPC}'\n      C: !Sub '${VPC.CidrBlock}'\n",
		NO_OVERRIDES);
	const struct nsim_cfn_value *a = cfn_prop(t, "R", "A");
	assert_int_equal(a->kind, NSIM_CFN_OPAQUE);
	assert_string_equal(a->str, "${Bucket.Arn}/*");
	assert_non_null(strstr(a->reason, "!GetAtt Bucket.Arn"));
	const struct nsim_cfn_value *b = cfn_prop(t, "R", "B");
	assert_int_equal(b->kind, NSIM_CFN_REF);
	assert_string_equal(b->ref.logical_id, "VPC");
	assert_null(b->ref.attr);
	const struct nsim_cfn_value *c = cfn_prop(t, "R", "C");
	assert_int_equal(c->kind, NSIM_CFN_REF);
	assert_string_equal(c->ref.attr, "CidrBlock");
	/* a parameter without value: opaque, naming it */
	const struct nsim_cfn_value *v = value_of("Parameters:\n  Env: {Type: String}\n", "!Sub 'app-${Env}'",
						  NO_OVERRIDES);
	assert_int_equal(v->kind, NSIM_CFN_OPAQUE);
	assert_string_equal(v->str, "app-${Env}");
	assert_string_equal(v->param, "Env");
	cfn_fails(tmpl("", "!Sub '${Nope}'"), 5, 10, "!Sub ${Nope}: the template has no resource or parameter named Nope", NO_OVERRIDES);
}

/* AWS: Fn::FindInMap: the RegionMap example (with Ref AWS::Region), and the
 * DefaultValue of the AWS::LanguageExtensions transform.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-findinmap.html */
static void test_findinmap(void **state)
{
	const char *maps = "Mappings:\n  RegionMap:\n    us-east-1:\n      HVM64: ami-0ff8a91507f77f867\n"
			   "      HVMG2: ami-0a584ac55a7631c0c\n    us-west-1:\n      HVM64: ami-0bdb828fd58c52235\n"
			   "  SubnetConfig:\n    VPC: {CIDR: 10.0.0.0/16}\n    Public0: {CIDR: 10.0.0.0/24}\n";
	cfn_expect_str(value_of(maps, "!FindInMap [RegionMap, !Ref \"AWS::Region\", HVM64]", NO_OVERRIDES),
		       "ami-0ff8a91507f77f867");
	cfn_expect_str(value_of(maps, "{\"Fn::FindInMap\": [\"SubnetConfig\", \"Public0\", \"CIDR\"]}", NO_OVERRIDES),
		       "10.0.0.0/24");
	cfn_expect_str(value_of(maps, "!FindInMap [RegionMap, eu-west-9, HVM64, {DefaultValue: ami-x}]", NO_OVERRIDES),
		       "ami-x");
	/* lines: Mappings is 10 lines, V on 15 */
	cfn_fails(tmpl(maps, "!FindInMap [RegionMap, eu-west-9, HVM64]"), 15, 33,
		  "no top-level key 'eu-west-9' in RegionMap", NO_OVERRIDES);
	cfn_fails(tmpl(maps, "!FindInMap [Nope, a, b]"), 15, 22, "no mapping 'Nope'", NO_OVERRIDES);
}

/* AWS: Ref to parameters, pseudo parameters and resources.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ref.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html */
static void test_ref_and_pseudo(void **state)
{
	cfn_expect_str(value_of("", "!Ref AWS::Region", NO_OVERRIDES), "us-east-1");
	cfn_expect_str(value_of("", "!Ref AWS::Partition", NO_OVERRIDES), "aws");
	cfn_expect_str(value_of("", "!Ref AWS::URLSuffix", NO_OVERRIDES), "amazonaws.com");
	const struct nsim_cfn_value *v = value_of("", "!Ref AWS::AccountId", NO_OVERRIDES);
	cfn_expect_str(v, "123456789012");
	assert_non_null(v->chosen);
	v = value_of("", "!Ref AWS::StackName", NO_OVERRIDES);
	assert_non_null(v->chosen);
	cfn_expect_desc(value_of("", "!Ref AWS::NotificationARNs", NO_OVERRIDES), "[]");
	struct nsim_cfn_template *t = NULL;
	assert_int_equal(cfn_try(tmpl("", "!Ref AWS::Partition"), "cn-north-1", &t, NULL), 0);
	cfn_expect_str(cfn_prop(t, "R", "V"), "aws-cn");
	assert_int_equal(cfn_try(tmpl("", "!Ref AWS::URLSuffix"), "cn-north-1", &t, NULL), 0);
	cfn_expect_str(cfn_prop(t, "R", "V"), "amazonaws.com.cn");
	assert_int_equal(cfn_try(tmpl("", "!Ref AWS::Partition"), "us-gov-west-1", &t, NULL), 0);
	cfn_expect_str(cfn_prop(t, "R", "V"), "aws-us-gov");
	cfn_fails(tmpl("", "!Ref AWS::Nope"), 5, 10, "AWS::Nope is not a pseudo parameter", NO_OVERRIDES);
	cfn_fails(tmpl("", "{Ref: Missing}"), 5, 10, "Ref: Missing: the template has no resource or parameter named "
		  "Missing (CloudFormation rejects it: unresolved resource dependency)", NO_OVERRIDES);
	/* a typo: did you mean, over logical IDs and parameters, in the form the template writes */
	cfn_fails(tmpl("Parameters:\n  AppSubnet: {Type: String, Default: s}\n", "!Ref AppSubnett"), 7, 10,
		  "R: !Ref AppSubnett: the template has no resource or parameter named AppSubnett (CloudFormation "
		  "rejects it: unresolved resource dependency); did you mean AppSubnet?", NO_OVERRIDES);
	cfn_fails("Resources:\n  AppSubnet: {Type: AWS::EC2::Subnet}\n  R:\n    Type: X::Y::Z\n    Properties:\n"
		  "      V: !GetAtt AppSubnt.SubnetId\n", 6, 10,
		  "!GetAtt AppSubnt.SubnetId: the template has no resource named AppSubnt (CloudFormation rejects it: "
		  "unresolved resource dependency); did you mean AppSubnet?", NO_OVERRIDES);
	cfn_fails(tmpl("", "!Sub '${Missing}-x'"), 5, 10, "R: !Sub ${Missing}: the template has no", NO_OVERRIDES);
	cfn_fails(tmpl("", "!GetAtt NoSuch.AllocationId"), 5, 10, "!GetAtt NoSuch.AllocationId: the template has no "
		  "resource named NoSuch (CloudFormation rejects it: unresolved resource dependency)", NO_OVERRIDES);

}

static void test_getatt(void **state)
{
	struct nsim_cfn_template *t =
		cfn_ok("Resources:\n  SG: {Type: AWS::EC2::SecurityGroup}\n  DB: {Type: AWS::RDS::DBCluster}\n"
		       "  R:\n    Type: X::Y::Z\n    Properties:\n      A: !Ref SG\n      B: !GetAtt SG.GroupId\n"
		       "      C: {\"Fn::GetAtt\": [DB, Endpoint.Address]}\n      D: !GetAtt DB.Endpoint.Port\n",
		       NO_OVERRIDES);
	const struct nsim_cfn_value *a = cfn_prop(t, "R", "A"), *b = cfn_prop(t, "R", "B"), *c = cfn_prop(t, "R", "C"),
				    *d = cfn_prop(t, "R", "D");
	assert_int_equal(a->kind, NSIM_CFN_REF);
	assert_string_equal(a->ref.logical_id, "SG");
	assert_null(a->ref.attr);
	assert_int_equal(b->kind, NSIM_CFN_REF);
	assert_string_equal(b->ref.attr, "GroupId");
	assert_string_equal(c->ref.logical_id, "DB");
	assert_string_equal(c->ref.attr, "Endpoint.Address");
	assert_string_equal(d->ref.attr, "Endpoint.Port");
	cfn_expect_desc(b, "!GetAtt SG.GroupId");
	cfn_fails(tmpl("", "!GetAtt NoDot"), 5, 10, "Fn::GetAtt takes", NO_OVERRIDES);
}

/* AWS: "Parameters template section syntax": Default, overrides, List<...>
 * and CommaDelimitedList (comma-separated, trimmed), Number, AllowedValues.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html */
static void test_parameters(void **state)
{
	const char *head = "Parameters:\n  Subnets:\n    Type: List<AWS::EC2::Subnet::Id>\n"
			   "    Default: 'subnet-1, subnet-2'\n  Port: {Type: Number, Default: 5432}\n"
			   "  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}\n  Free: {Type: String}\n";
	struct nsim_cfn_template *t = cfn_ok(tmpl(head, "[!Ref Subnets, !Ref Port, !Ref Env]"), NO_OVERRIDES);
	cfn_expect_desc(cfn_prop(t, "R", "V"), "[[subnet-1, subnet-2], 5432, dev]");
	assert_int_equal(t->n_parameters, 4);
	assert_int_equal(t->parameters[1].value->kind, NSIM_CFN_NUMBER);
	assert_false(t->parameters[0].overridden);
	/* a parameter without a value stays opaque and says which to give */
	const struct nsim_cfn_value *free_v = t->parameters[3].value;
	assert_int_equal(free_v->kind, NSIM_CFN_OPAQUE);
	assert_string_equal(free_v->param, "Free");
	assert_string_equal(free_v->reason, "parameter Free has no value; give it with --parameter Free=…");

	/* overrides: a list is split on commas; the last one wins */
	t = cfn_ok(tmpl(head, "[!Ref Subnets, !Ref Port, !Ref Env, !Ref Free]"),
		   OVERRIDES("Subnets=subnet-a,subnet-b,subnet-c", "Env=prod", "Free=x", "Free=y"));
	cfn_expect_desc(cfn_prop(t, "R", "V"), "[[subnet-a, subnet-b, subnet-c], 5432, prod, y]");
	assert_true(t->parameters[0].overridden);

	/* errors: a value outside AllowedValues, not a number, an unknown override */
	cfn_fails(tmpl(head, "x"), 6, 3, "parameter Env: 'test' is not one of its AllowedValues (dev, prod)",
		  OVERRIDES("Env=test"));
	cfn_fails(tmpl("Parameters:\n  P: {Type: Strin}\n", "x"), 2, 13, "parameter P: 'Strin' is not a parameter type",
		  NO_OVERRIDES);
	cfn_fails(tmpl(head, "x"), 0, 0, "parameter Port: 'http' is not a number", OVERRIDES("Port=http"));
	cfn_fails(tmpl(head, "x"), 0, 0, "--parameter Nope: the template has no parameter Nope", OVERRIDES("Nope=1"));
	cfn_fails(tmpl("Parameters:\n  Env: {Type: String, Default: qa, AllowedValues: [dev, prod]}\n", "x"), 2, 32,
		  "'qa' is not one of its AllowedValues", NO_OVERRIDES);
	/* an SSM parameter's Default names the SSM parameter, not its value */
	t = cfn_ok(tmpl("Parameters:\n  Ami:\n    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>\n"
			"    Default: /aws/service/ami\n",
			"!Ref Ami"),
		   NO_OVERRIDES);
	assert_int_equal(cfn_prop(t, "R", "V")->kind, NSIM_CFN_OPAQUE);
	assert_string_equal(cfn_prop(t, "R", "V")->param, "Ami");
}

/* AWS: condition functions and the Conditions section: Fn::Equals/And/Or/Not,
 * {Condition: X}, a resource's Condition removes it, Fn::If picks a branch.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html */
static void test_conditions(void **state)
{
	const char *text =
		"Parameters:\n  EnvType: {Type: String, Default: prod, AllowedValues: [prod, test]}\n"
		"  N: {Type: String, Default: '3'}\n  Unset: {Type: String}\n"
		"Conditions:\n  CreateProdResources: !Equals [!Ref EnvType, prod]\n"
		"  2Tables: !Or [!Equals [!Ref N, '2'], !Condition 3Tables]\n"
		"  3Tables: {\"Fn::Equals\": [{Ref: N}, 3]}\n"
		"  NotProd: !Not [!Condition CreateProdResources]\n"
		"  Both: !And [!Condition CreateProdResources, {Condition: 2Tables}]\n"
		"  Unknown: !Equals [!Ref Unset, x]\n"
		"  FalseAndUnknown: !And [!Condition NotProd, !Condition Unknown]\n"
		"  TrueOrUnknown: !Or [!Condition Both, !Condition Unknown]\n"
		"Resources:\n"
		"  Prod: {Type: X::Y::Z, Condition: CreateProdResources}\n"
		"  Test: {Type: X::Y::Z, Condition: NotProd}\n"
		"  Two: {Type: X::Y::Z, Condition: 2Tables}\n"
		"  Maybe: {Type: X::Y::Z, Condition: Unknown}\n"
		"  Never: {Type: X::Y::Z, Condition: FalseAndUnknown}\n"
		"  Always: {Type: X::Y::Z, Condition: TrueOrUnknown}\n"
		"  R:\n    Type: X::Y::Z\n    Properties:\n"
		"      A: !If [CreateProdResources, c5.xlarge, t3.small]\n"
		"      B: !If [NotProd, !Ref Test, !Ref Prod]\n"
		"      C: !If [Unknown, a, b]\n"
		"      D: !Equals [!Ref EnvType, prod]\n";
	struct nsim_cfn_template *t = cfn_ok(text, NO_OVERRIDES);
	assert_non_null(nsim_cfn_resource(t, "Prod"));
	assert_null(nsim_cfn_resource(t, "Test"));
	assert_non_null(nsim_cfn_resource(t, "Two"));
	assert_null(nsim_cfn_resource(t, "Never"));
	assert_non_null(nsim_cfn_resource(t, "Always"));
	assert_false(nsim_cfn_resource(t, "Always")->condition_unknown);
	const struct nsim_cfn_resource *maybe = nsim_cfn_resource(t, "Maybe");
	assert_non_null(maybe);
	assert_true(maybe->condition_unknown);
	assert_string_equal(maybe->condition, "Unknown");
	assert_string_equal(maybe->condition_why->param, "Unset");
	cfn_expect_str(cfn_prop(t, "R", "A"), "c5.xlarge");
	/* the branch not taken names a resource that is not created: never evaluated */
	assert_string_equal(cfn_prop(t, "R", "B")->ref.logical_id, "Prod");
	const struct nsim_cfn_value *c = cfn_prop(t, "R", "C");
	assert_int_equal(c->kind, NSIM_CFN_OPAQUE);
	assert_string_equal(c->param, "Unset");
	assert_non_null(strstr(c->reason, "condition Unknown cannot be decided"));
	const struct nsim_cfn_value *d = cfn_prop(t, "R", "D");
	assert_int_equal(d->kind, NSIM_CFN_BOOL);
	assert_true(d->b);

	/* with EnvType=test the other resources exist; with Unset given, the condition decides */
	t = cfn_ok(text, OVERRIDES("EnvType=test", "Unset=x"));
	assert_null(nsim_cfn_resource(t, "Prod"));
	assert_non_null(nsim_cfn_resource(t, "Test"));
	assert_non_null(nsim_cfn_resource(t, "Maybe"));
	assert_false(nsim_cfn_resource(t, "Maybe")->condition_unknown);
	cfn_expect_str(cfn_prop(t, "R", "A"), "t3.small");
	assert_string_equal(cfn_prop(t, "R", "B")->ref.logical_id, "Test");

	/* errors: a cycle, an unknown name, a Ref to a resource not created */
	cfn_fails("Conditions:\n  A: !Not [!Condition B]\n  B: !Not [!Condition A]\nResources:\n  R: {Type: X::Y::Z}\n",
		  0, 0, "depends on itself", NO_OVERRIDES);
	cfn_fails("Resources:\n  R: {Type: X::Y::Z, Condition: Nope}\n", 2, 33, "X::Y::Z R: no condition named 'Nope'",
		  NO_OVERRIDES);
	cfn_fails("Conditions:\n  No: !Equals [a, b]\nResources:\n  Gone: {Type: X::Y::Z, Condition: No}\n"
		  "  R:\n    Type: X::Y::Z\n    Properties:\n      V: !Ref Gone\n",
		  8, 10, "Ref Gone: the resource is not created (its Condition is false)", NO_OVERRIDES);
}

/* AWS: AWS::NoValue removes the property, or the list item, it is the value of.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html */
static void test_novalue(void **state)
{
	struct nsim_cfn_template *t =
		cfn_ok("Conditions:\n  No: !Equals [a, b]\nResources:\n  R:\n    Type: X::Y::Z\n    Properties:\n"
		       "      Gone: !If [No, x, !Ref AWS::NoValue]\n      Kept: !If [No, x, y]\n"
		       "      L: [a, !If [No, b, {Ref: AWS::NoValue}], c]\n      M: {K: !Ref AWS::NoValue}\n",
		       NO_OVERRIDES);
	const struct nsim_cfn_value *p = cfn_prop(t, "R", NULL);
	assert_null(nsim_cfn_get(p, "Gone"));
	cfn_expect_str(nsim_cfn_get(p, "Kept"), "y");
	cfn_expect_desc(nsim_cfn_get(p, "L"), "[a, c]");
	cfn_expect_desc(nsim_cfn_get(p, "M"), "{}");
	cfn_fails(tmpl("", "!Sub '${AWS::NoValue}'"), 5, 10, "${AWS::NoValue} is AWS::NoValue", NO_OVERRIDES);
}

/* Scalars: YAML's plain scalars are typed (numbers, booleans, null), quoted
 * ones are strings; `2010-09-09` unquoted is the version string; dynamic
 * references are opaque.
 * AWS: "Get values stored in other services using dynamic references",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html */
static void test_scalars(void **state)
{
	struct nsim_cfn_template *t = cfn_ok(
		"AWSTemplateFormatVersion: 2010-09-09\nResources:\n  R:\n    Type: X::Y::Z\n    Properties:\n"
		"      N: 5432\n      S: '5432'\n      B: true\n      BS: 'true'\n      Z: ~\n      E:\n"
		"      P: '{{resolve:secretsmanager:MyRDSSecret:SecretString:password}}'\n      F: -1\n",
		NO_OVERRIDES);
	const struct nsim_cfn_value *p = cfn_prop(t, "R", NULL);
	assert_int_equal(nsim_cfn_get(p, "N")->kind, NSIM_CFN_NUMBER);
	assert_int_equal(nsim_cfn_get(p, "S")->kind, NSIM_CFN_STRING);
	long long n = 0;
	assert_int_equal(nsim_cfn_int(nsim_cfn_get(p, "S"), &n), 0);
	assert_int_equal(n, 5432);
	assert_int_equal(nsim_cfn_int(nsim_cfn_get(p, "F"), &n), 0);
	assert_int_equal(n, -1);
	bool b = false;
	assert_int_equal(nsim_cfn_get(p, "B")->kind, NSIM_CFN_BOOL);
	assert_int_equal(nsim_cfn_bool(nsim_cfn_get(p, "BS"), &b), 0);
	assert_true(b);
	assert_int_equal(nsim_cfn_bool(nsim_cfn_get(p, "S"), &b), -EINVAL);
	assert_int_equal(nsim_cfn_get(p, "Z")->kind, NSIM_CFN_NULL);
	assert_int_equal(nsim_cfn_get(p, "E")->kind, NSIM_CFN_NULL);
	const struct nsim_cfn_value *pw = nsim_cfn_get(p, "P");
	assert_int_equal(pw->kind, NSIM_CFN_OPAQUE);
	assert_string_equal(pw->str, "{{resolve:secretsmanager:MyRDSSecret:SecretString:password}}");
	cfn_fails("AWSTemplateFormatVersion: 2011-01-01\nResources:\n  R: {Type: X::Y::Z}\n", 1, 27,
		  "the only version is 2010-09-09", NO_OVERRIDES);
}

/* Sections: Rules and Outputs are notes; SAM's Transform and Globals; a
 * template needs Resources; unknown sections warn; ImportValue is opaque. */
static void test_sections(void **state)
{
	struct nsim_cfn_template *t = cfn_ok(
		"---\nTransform: AWS::Serverless-2016-10-31\nDescription: d\nGlobals:\n  Function:\n    Timeout: 3\n"
		"    Runtime: !Sub 'python${V}'\nParameters:\n  V: {Type: String, Default: '3.12'}\n"
		"Rules:\n  R1:\n    Assertions: []\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
		"    Properties:\n      Role: !GetAtt FRole.Arn\n      X: !ImportValue shared-vpc-id\n"
		"Outputs:\n  O: {Value: !Ref F}\n",
		NO_OVERRIDES);
	assert_true(t->sam);
	assert_string_equal(t->description, "d");
	cfn_expect_desc(t->globals, "{Function: {Timeout: 3, Runtime: python3.12}}");
	cfn_expect_diag(NSIM_SEV_NOTE, 10, 1, "Rules: not evaluated");
	cfn_expect_diag(NSIM_SEV_NOTE, 19, 1, "Outputs: not part of the network");
	/* a resource the SAM transform generates: opaque, not an error */
	const struct nsim_cfn_value *role = cfn_prop(t, "F", "Role");
	assert_int_equal(role->kind, NSIM_CFN_OPAQUE);
	const struct nsim_cfn_value *x = cfn_prop(t, "F", "X");
	assert_int_equal(x->kind, NSIM_CFN_OPAQUE);
	assert_string_equal(x->str, "!ImportValue shared-vpc-id");
	assert_non_null(strstr(x->reason, "another stack"));
	assert_int_equal(t->resources[0].line, 14);
	assert_int_equal(t->resources[0].col, 3);

	t = cfn_ok("Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]\nHooks: {}\n"
		   "Resources:\n  R: {Type: X::Y::Z}\n",
		   NO_OVERRIDES);
	assert_true(t->sam);
	cfn_expect_diag(NSIM_SEV_WARNING, 2, 1, "'Hooks' is not a section of a CloudFormation template");
	/* in a SAM template, a name no resource of the transform generates is still a typo */
	cfn_fails("Transform: AWS::Serverless-2016-10-31\nResources:\n  AppSubnet: {Type: AWS::EC2::Subnet}\n"
		  "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      S: !Ref AppSubnett\n"
		  "      Role: !GetAtt FRole.Arn\n      Api: !Ref ServerlessRestApi\n",
		  7, 10, "did you mean AppSubnet?", NO_OVERRIDES);
	cfn_fails("Description: nothing\n", 1, 1, "the template has no Resources", NO_OVERRIDES);
	cfn_fails("- a\n- b\n", 1, 1, "not a CloudFormation template", NO_OVERRIDES);
	cfn_fails("Resources:\n  R: {Properties: {}}\n", 2, 3, "resource R has no Type", NO_OVERRIDES);
	t = cfn_ok("Resources:\n  A: {Type: X::Y::Z, DependsOn: [B]}\n  B: {Type: X::Y::Z, DependsOn: A}\n", NO_OVERRIDES);
	assert_string_equal(nsim_cfn_resource(t, "A")->depends_on[0], "B");
	assert_null(nsim_cfn_resource(t, "A")->depends_on[1]);
	assert_string_equal(nsim_cfn_resource(t, "B")->depends_on[0], "A");
	cfn_fails("Resources:\n  A: {Type: X::Y::Z, DependsOn: [Nope]}\n", 2, 34, "DependsOn Nope, a resource the template",
		  NO_OVERRIDES);
	t = cfn_ok("Resources:\n  R: {Type: X::Y::Z, Propertes: {A: 1}}\n", NO_OVERRIDES);
	cfn_expect_diag(NSIM_SEV_WARNING, 2, 22, "resource R: 'Propertes' is not a resource attribute");
	cfn_fails("Resources:\n  My-Bucket: {Type: X::Y::Z}\n", 2, 3, "a logical ID is letters and digits only",
		  NO_OVERRIDES);
	cfn_fails("Resources:\n  R: {Type: X::Y::Z}\n  R: {Type: X::Y::Z}\n", 3, 3, "resource R is declared twice",
		  NO_OVERRIDES);
	cfn_fails("Resources: {R: {Type: X::Y::Z, Properties: {V: !Condition C}}}\nConditions: {C: !Equals [a, a]}\n",
		  1, 48, "a condition's name is used only inside", NO_OVERRIDES);
}

/* JSON and YAML with short forms give the same tree. */
static void test_json_equals_yaml(void **state)
{
	const char *yaml = "Parameters:\n  P: {Type: String, Default: x}\nResources:\n  R:\n    Type: X::Y::Z\n"
			   "    Properties:\n      A: !Join ['-', [!Ref P, !Select [1, !GetAZs '']]]\n"
			   "      B: !Sub '${AWS::Region}-${P}'\n      C: !GetAtt R2.Id\n      D: [1, 'a', true]\n"
			   "  R2: {Type: X::Y::Z}\n";
	const char *json = "{\"Parameters\": {\"P\": {\"Type\": \"String\", \"Default\": \"x\"}},\n"
			   " \"Resources\": {\"R\": {\"Type\": \"X::Y::Z\", \"Properties\": {\n"
			   "  \"A\": {\"Fn::Join\": [\"-\", [{\"Ref\": \"P\"}, {\"Fn::Select\": [1, {\"Fn::GetAZs\": null}]}]]},\n"
			   "  \"B\": {\"Fn::Sub\": \"${AWS::Region}-${P}\"},\n"
			   "  \"C\": {\"Fn::GetAtt\": [\"R2\", \"Id\"]}, \"D\": [1, \"a\", true]}},\n"
			   "  \"R2\": {\"Type\": \"X::Y::Z\"}}}\n";
	const char *a = nsim_cfn_describe(cfn_arena, cfn_prop(cfn_ok(yaml, NO_OVERRIDES), "R", NULL));
	const char *b = nsim_cfn_describe(cfn_arena, cfn_prop(cfn_ok(json, NO_OVERRIDES), "R", NULL));
	assert_string_equal(a, "{A: x-us-east-1b, B: us-east-1-x, C: !GetAtt R2.Id, D: [1, a, true]}");
	assert_string_equal(a, b);
}

/* A JSON template's syntax error is called JSON's (libyaml reads it as YAML's flow style); a trailing
 * comma is accepted, as libyaml does. */
static void test_json_syntax(void **state)
{
	cfn_fails("{\n  \"Resources\": {\"R\": {\"Type\": \"X::Y::Z\",, }}\n}\n", 2, 41, "JSON syntax: ",
		  NO_OVERRIDES);
	cfn_fails("Resources:\n  R: {Type: X::Y::Z,, }\n", 2, 21, "YAML syntax: ", NO_OVERRIDES);
	struct nsim_cfn_template *t = cfn_ok("{\"Resources\": {\"R\": {\"Type\": \"X::Y::Z\",}}}", NO_OVERRIDES);
	assert_non_null(nsim_cfn_resource(t, "R"));
}

/* AWS: an unknown function makes CloudFormation reject the template ("Encountered unsupported function"):
 * an error at the call, with the closest function, in the form the template writes.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html */
static void test_unknown_function(void **state)
{
	cfn_fails(tmpl("", "!Selectt [0, !GetAZs '']"), 5, 10, "R: !Selectt: CloudFormation has no such function (it "
		  "rejects the template: unsupported function); did you mean !Select?", NO_OVERRIDES);
	cfn_fails(tmpl("", "{'Fn::Bogus': [0, 1]}"), 5, 10, "R: Fn::Bogus: CloudFormation has no such function",
		  NO_OVERRIDES);
	cfn_fails(tmpl("", "{'Fn::Joinn': ['', [a]]}"), 5, 10, "did you mean Fn::Join?", NO_OVERRIDES);
	cfn_fails(tmpl("", "!Foo x"), 5, 10, "R: !Foo: CloudFormation has no such function", NO_OVERRIDES);
	/* the functions netsim does not evaluate stay opaque */
	const struct nsim_cfn_value *v = value_of("", "{'Fn::Transform': {Name: M}}", NO_OVERRIDES);
	assert_int_equal(v->kind, NSIM_CFN_OPAQUE);
	v = value_of("", "!ToJsonString {a: b}", NO_OVERRIDES);
	assert_int_equal(v->kind, NSIM_CFN_OPAQUE);
}

/* AWS: Fn::Length (AWS::LanguageExtensions): !Split ["|", "a|b|c"] has 3 items;
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-length.html
 * Fn::Base64: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-base64.html */
static void test_length_base64(void **state)
{
	const struct nsim_cfn_value *v = value_of("Transform: AWS::LanguageExtensions\n", "{\"Fn::Length\": !Split [\"|\", \"a|b|c\"]}",
						  NO_OVERRIDES);
	assert_int_equal(v->kind, NSIM_CFN_NUMBER);
	cfn_expect_str(v, "3");
	cfn_expect_str(value_of("", "!Base64 'AWS CloudFormation'", NO_OVERRIDES), "QVdTIENsb3VkRm9ybWF0aW9u");
	cfn_expect_str(value_of("", "!Base64 ab", NO_OVERRIDES), "YWI=");
	/* a macro's function: opaque */
	v = value_of("", "{\"Fn::Transform\": {Name: M}}", NO_OVERRIDES);
	assert_int_equal(v->kind, NSIM_CFN_OPAQUE);
}

/* Hostile input ends with an error, in bounded time: aliases that expand
 * exponentially, an alias cycle, deep nesting. */
static void test_limits(void **state)
{
	char *bomb = nsim_arena_printf(cfn_arena, "Resources:\n  R:\n    Type: X::Y::Z\n    Properties:\n"
						  "      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 12; i++)
		bomb = nsim_arena_printf(cfn_arena, "%s      a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
					 "*a%d, *a%d]\n", bomb, i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
					 i - 1, i - 1, i - 1);
	struct nsim_cfn_template *t = NULL;
	assert_int_equal(cfn_try(bomb, NULL, &t, NULL), -EINVAL);
	cfn_expect_diag(NSIM_SEV_ERROR, 0, 0, "the limit guards against unbounded input");
	assert_int_equal(cfn_try("Resources:\n  R:\n    Type: X::Y::Z\n    Properties: &p\n      V: [*p]\n", NULL, &t,
				 NULL),
			 -EINVAL);
	/* a chain of 5000 conditions, each naming the next: bounded, no deep recursion */
	size_t cap = 5000 * 48 + 256, n = 0;
	char *chain = malloc(cap);
	assert_non_null(chain);
	n += (size_t)snprintf(chain + n, cap - n, "Conditions:\n");
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(chain + n, cap - n, "  C%d: !Not [!Condition C%d]\n", i, i + 1);
	snprintf(chain + n, cap - n, "  C5000: !Equals [a, a]\nResources:\n  R: {Type: X::Y::Z, Condition: C0}\n");
	assert_int_equal(cfn_try(chain, NULL, &t, NULL), -EINVAL);
	free(chain);
	cfn_expect_diag(NSIM_SEV_ERROR, 0, 0, "conditions nested");
	/* errors stop after NSIM_CFN_MAX_ERRORS, each value described in bounded length */
	char *many = nsim_arena_printf(cfn_arena, "Resources:\n  R:\n    Type: X::Y::Z\n    Properties:\n      L: &l !Cidr [10.0.0.0/8, 256, 8]\n");
	for (int i = 0; i < 300; i++)
		many = nsim_arena_printf(cfn_arena, "%s      V%d: !Select [999, *l]\n", many, i);
	assert_int_equal(cfn_try(many, NULL, &t, NULL), -EINVAL);
	assert_int_equal(cfn_diags.n_errors, 101);
	cfn_expect_diag(NSIM_SEV_ERROR, 0, 0, "too many errors (100): stopping");
	cfn_expect_diag(NSIM_SEV_ERROR, 6, 11, "…");
	for (size_t i = 0; i < cfn_diags.n; i++)
		assert_true(strlen(cfn_diags.items[i].message) < 1200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cidr, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_getazs, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_select, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_join, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_split, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_sub, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_findinmap, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_ref_and_pseudo, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_getatt, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_parameters, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_conditions, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_novalue, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_scalars, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_sections, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_json_equals_yaml, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_length_base64, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_function, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_json_syntax, cfn_setup, cfn_teardown),
		cmocka_unit_test_setup_teardown(test_limits, cfn_setup, cfn_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
