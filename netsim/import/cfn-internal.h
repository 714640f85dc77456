/* SPDX-License-Identifier: MIT */
/* Shared between cfn.c (document -> sections) and intrinsics.c (values, functions, conditions). */
#pragma once

#include "import/cfn.h"
#include "load/yaml_tree.h"
#include "model/hashmap.h"

/* Bounds on the work of resolving one template: aliases make the tree a DAG
 * (or a cycle), so the walk counts what it visits. netsim rule. */
#define NSIM_CFN_MAX_DEPTH 128
#define NSIM_CFN_MAX_WORK 2000000u
/* Errors reported before giving up (each may describe a value). */
#define NSIM_CFN_MAX_ERRORS 100u
/* One scalar: a UserData script or inline Lambda code is longer than topology values. */
#define NSIM_CFN_MAX_SCALAR (256u << 10)

enum cfn_cond {
	COND_FALSE = 0,
	COND_TRUE,
	COND_UNKNOWN, /* depends on an OPAQUE value: *why says which */
	COND_ERROR,   /* reported */
};

struct cfn_condition {
	const char *name;
	const struct ynode *node;
	enum { CS_NEW, CS_BUSY, CS_DONE } state;
	enum cfn_cond value;
	const struct nsim_cfn_value *why;
};

struct cfn_ctx {
	struct nsim_arena *arena;
	const char *file;
	struct nsim_diags *diags;
	struct nsim_cfn_template *t;
	const struct ynode *mappings;   /* Y_MAP or NULL */
	const struct ynode *resources;  /* Y_MAP */
	const bool *present;            /* per resources entry: false when its Condition is false */
	struct cfn_condition *conds;
	size_t n_conds;
	/* names -> resource index + 1, struct nsim_cfn_parameter *, struct cfn_condition *:
	 * a template near the loader's limits holds many thousands of each */
	struct nsim_hashmap resource_index, parameter_index, condition_index;
	size_t work;
	unsigned depth;
	bool failed; /* an error was reported (or ENOMEM: diags->oom) */
	unsigned n_errors;
	const struct nsim_cfn_resource *resource; /* whose properties are being resolved, for messages */
	bool gave_up; /* NSIM_CFN_MAX_ERRORS reached: resolve nothing more */
	unsigned suggestions; /* "did you mean" searches made */
	size_t compared;      /* and the names they compared with */
};

/* The value of `AWS::NoValue`: removes the key or list item it is the value of. */
extern struct nsim_cfn_value nsim_cfn_novalue;
#define CFN_NOVALUE (&nsim_cfn_novalue)

/* Resolves node (literal or intrinsic) to a value; CFN_NOVALUE for
 * AWS::NoValue; NULL after an error (reported in diags, c->failed). */
struct nsim_cfn_value *cfn_resolve(struct cfn_ctx *c, const struct ynode *node);
/* Evaluates the named condition (memoized; a cycle is an error). */
enum cfn_cond cfn_condition(struct cfn_ctx *c, const char *name, const struct ynode *at,
			    const struct nsim_cfn_value **why);
/* Reports an error at node (c->failed). */
void cfn_error(struct cfn_ctx *c, const struct ynode *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A new value of kind at node's position; NULL on ENOMEM (c->failed). */
struct nsim_cfn_value *cfn_value(struct cfn_ctx *c, enum nsim_cfn_kind kind, const struct ynode *at);
/* A STRING (or OPAQUE) value holding s (copied). */
struct nsim_cfn_value *cfn_string(struct cfn_ctx *c, const struct ynode *at, const char *s, size_t len);
/* The literal value of a scalar as written: NULL, BOOL, NUMBER or STRING (dynamic references: OPAQUE). */
struct nsim_cfn_value *cfn_scalar(struct cfn_ctx *c, const struct ynode *n);
/* Index of `name` among the Resources (SIZE_MAX if absent). */
size_t cfn_resource_index(const struct cfn_ctx *c, const char *name);
/* The value of a parameter named `name` (NULL if there is none). */
struct nsim_cfn_value *cfn_parameter(const struct cfn_ctx *c, const char *name);
/* The scalar's text when n is an untagged scalar, else NULL. */
const char *cfn_scalar_text(const struct ynode *n);
