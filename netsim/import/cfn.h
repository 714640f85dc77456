/* SPDX-License-Identifier: MIT */
/*
 * A CloudFormation or SAM template (YAML with the short-form tags, or JSON)
 * as a resolved tree: parameters, pseudo parameters, Mappings, Conditions and
 * the intrinsic functions evaluated as CloudFormation does before it creates
 * anything, so that import/ (the mapping to a topology) sees plain values,
 * references to the template's own resources, and opaque strings for what
 * cannot be known from the template alone.
 *
 * Template anatomy: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html
 * Intrinsic function reference:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
 * The rules followed, one by one, are in docs/import-resolution.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/arena.h"
#include "model/diag.h"
#include "model/util.h"

enum nsim_cfn_kind {
	NSIM_CFN_NULL = 0, /* `null`, `~`, an empty value */
	NSIM_CFN_STRING,
	NSIM_CFN_BOOL,     /* plain true/false (YAML) or JSON true/false; "true" quoted is a STRING */
	NSIM_CFN_NUMBER,   /* str: the text as written ("5432", "-1", "1.5") */
	NSIM_CFN_LIST,
	NSIM_CFN_MAP,
	/* Ref / Fn::GetAtt to a resource of the template: ref.logical_id,
	 * ref.attr (NULL for Ref; "GroupId", "Endpoint.Address", ...) */
	NSIM_CFN_REF,
	/* Unknowable from the template alone (a dynamic reference, a parameter
	 * without a value, Fn::ImportValue, a resource's attribute inside a
	 * string, ...): str is a printable form ("{{resolve:secretsmanager:X}}",
	 * "!ImportValue X", "${VPC}-sg"), reason says why. Harmless where the
	 * network does not depend on it; import/ decides. */
	NSIM_CFN_OPAQUE,
};

struct nsim_cfn_value {
	enum nsim_cfn_kind kind;
	unsigned line, col;          /* position in the template (1-based) */
	const char *str;             /* STRING / NUMBER / OPAQUE; NUL-terminated */
	size_t len;                  /* strlen(str) */
	bool b;                      /* BOOL */
	struct nsim_cfn_value **items; /* LIST items; MAP values (the keys in `keys`) */
	size_t n;
	const char **keys;           /* MAP: keys[i] names items[i], template order */
	struct {
		const char *logical_id, *attr;
	} ref;                       /* REF */
	const char *reason;          /* OPAQUE: why ("parameter Subnets has no value; give it with --parameter Subnets=…") */
	/* OPAQUE from a parameter without a value (directly or through a
	 * function): the parameter's name, so import/ can say which to give */
	const char *param;
	/* non-NULL when the importer chose this value instead of AWS (an
	 * Fn::GetAZs placeholder AZ): what was chosen, for the output's comment
	 * ("placeholder availability zone from Fn::GetAZs") */
	const char *chosen;
};

/* A parameter of the template's Parameters section, with the value used. */
struct nsim_cfn_parameter {
	const char *name;
	const char *type;       /* "String", "List<AWS::EC2::Subnet::Id>", ... as written */
	unsigned line, col;     /* of the name */
	/* resolved value: STRING, NUMBER, LIST of STRING (List<...> and
	 * CommaDelimitedList); OPAQUE (param = name) when neither Default nor
	 * --parameter gives one */
	struct nsim_cfn_value *value;
	bool overridden;        /* from --parameter */
};

struct nsim_cfn_resource {
	const char *logical_id;
	const char *type;       /* "AWS::EC2::Subnet"; SAM types as written ("AWS::Serverless::Function") */
	unsigned line, col;     /* of the logical ID key */
	/* resolved (a MAP); NULL when the resource has no Properties */
	struct nsim_cfn_value *properties;
	const char *condition;  /* the resource's Condition: name, or NULL */
	/* Resources whose Condition is false are absent from the list. When it
	 * cannot be decided (it depends on a parameter without value), the
	 * resource is present with condition_unknown set and the OPAQUE reason
	 * (and parameter) that made it so: import/ reports it as an error if the
	 * resource affects the network, a note otherwise. */
	bool condition_unknown;
	const struct nsim_cfn_value *condition_why; /* OPAQUE; when condition_unknown */
	const char *const *depends_on; /* DependsOn names, NULL-terminated; NULL when none */
};

struct nsim_cfn_template {
	const char *file;
	const char *region;      /* --region, else "us-east-1" */
	bool sam;                /* Transform: AWS::Serverless-2016-10-31 (string or in the list) */
	const char *description; /* or NULL */
	/* SAM Globals (resolved MAP), or NULL; import/ merges Globals.Function */
	struct nsim_cfn_value *globals;
	struct nsim_cfn_resource *resources; /* template order */
	size_t n_resources;
	struct nsim_cfn_parameter *parameters; /* template order */
	size_t n_parameters;
	/* Notes (ignored sections: Rules, Outputs; ...) and errors are in the
	 * diags given to nsim_cfn_load() */
};

/* A --parameter KEY=VALUE override. */
struct nsim_cfn_param {
	const char *key, *value;
};

/* Default region when --region is not given (and the pseudo parameter AWS::Region). */
#define NSIM_CFN_DEFAULT_REGION "us-east-1"

/*
 * Parses `data` (`len` bytes, need not be NUL-terminated; YAML with
 * short-form tags, or JSON) and resolves parameters (Default, `params`
 * overrides, List<...>/CommaDelimitedList/Number), pseudo parameters,
 * Mappings, Conditions and every intrinsic function (docs/import-resolution.md)
 * into *ret_template,
 * allocated from `arena` (owned by the caller, who frees it; the template
 * lives as long as the arena). `file` names the template in diagnostics;
 * `region` may be NULL (NSIM_CFN_DEFAULT_REGION).
 * Errors and notes go to `diags` with file:line:col: malformed template
 * (no Resources, a function with wrong arguments, a condition that does not
 * exist, an override for a parameter the template lacks, a value
 * outside AllowedValues) are errors.
 * Errors inside a resource's properties name it ("AWS::EC2::Subnet PublicSubnet: Fn::Select: ...").
 * Returns 0 with *ret_template, -EINVAL (an error was reported in diags), -ENOMEM.
 */
_must_check_ int nsim_cfn_load(struct nsim_arena *arena, const char *file, const char *data, size_t len,
			       const struct nsim_cfn_param *params, size_t n_params, const char *region,
			       struct nsim_diags *diags, struct nsim_cfn_template **ret_template);

/* The value of `key` in a MAP (NULL if absent, or if map is NULL or not a MAP). */
const struct nsim_cfn_value *nsim_cfn_get(const struct nsim_cfn_value *map, const char *key);
/* The text of a STRING or NUMBER, "true"/"false" for a BOOL; NULL for any
 * other kind (NULL, LIST, MAP, REF, OPAQUE) or a NULL v. */
const char *nsim_cfn_str(const struct nsim_cfn_value *v);
/* A BOOL, or a STRING "true"/"false" (any case, as CloudFormation accepts
 * for Boolean properties): 0 and *ret_bool; -EINVAL for anything else. */
_must_check_ int nsim_cfn_bool(const struct nsim_cfn_value *v, bool *ret_bool);
/* A NUMBER or a STRING holding a decimal integer ("443", "-1") in
 * [INT64_MIN, INT64_MAX]: 0 and *ret_int; -EINVAL otherwise. */
_must_check_ int nsim_cfn_int(const struct nsim_cfn_value *v, long long *ret_int);
/* The resource with logical ID `id` (NULL if absent, e.g. its Condition is false). */
const struct nsim_cfn_resource *nsim_cfn_resource(const struct nsim_cfn_template *t, const char *id);
/* A printable form of any value, for messages ("!Ref VPC", "!GetAtt SG.GroupId",
 * "[a, b]", the OPAQUE's str), at most NSIM_CFN_DESCRIBE_MAX bytes (then "…"),
 * allocated from arena; NULL on ENOMEM. */
#define NSIM_CFN_DESCRIBE_MAX 1024
const char *nsim_cfn_describe(struct nsim_arena *arena, const struct nsim_cfn_value *v);
