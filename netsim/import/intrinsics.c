/* SPDX-License-Identifier: MIT */
/*
 * Values and CloudFormation's intrinsic functions, evaluated the way
 * CloudFormation does before it creates a stack. Each function names the
 * page of the template reference it follows; docs/import-resolution.md
 * lists the rules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/cfn-internal.h"
#include "model/strv.h"

struct nsim_cfn_value nsim_cfn_novalue = {.kind = NSIM_CFN_NULL, .str = "AWS::NoValue"};

/* The placeholder account of AWS's own examples. */
#define PLACEHOLDER_ACCOUNT "123456789012"
#define PLACEHOLDER_STACK "netsim-import"
/* Fn::GetAZs: REGIONa .. REGIONf (six, as us-east-1 has). netsim rule. */
#define PLACEHOLDER_AZS 6

static struct nsim_pos pos_of(const struct cfn_ctx *c, const struct ynode *n)
{
	return (struct nsim_pos){.file = c->file, .line = n ? n->line : 0, .col = n ? n->col : 0};
}

void cfn_error(struct cfn_ctx *c, const struct ynode *at, const char *fmt, ...)
{
	char buf[1024];
	int n = 0;
	/* name the resource, as every message of netsim import does */
	if (c->resource && strncmp(fmt, "resource ", 9) != 0)
		n = snprintf(buf, sizeof(buf), "%s %s: ", c->resource->type, c->resource->logical_id);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	/* AWS: a template CloudFormation would reject; the rule is on the
	 * function's page (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html) */
	if (c->n_errors == NSIM_CFN_MAX_ERRORS) {
		nsim_diag_error(c->diags, pos_of(c, at), "too many errors (%u): stopping", NSIM_CFN_MAX_ERRORS);
		c->gave_up = true;
	} else if (c->n_errors < NSIM_CFN_MAX_ERRORS)
		nsim_diag_error(c->diags, pos_of(c, at), "%s", buf);
	c->n_errors++;
	c->failed = true;
}

static void *oom(struct cfn_ctx *c)
{
	c->diags->oom = true;
	c->failed = true;
	return NULL;
}

struct nsim_cfn_value *cfn_value(struct cfn_ctx *c, enum nsim_cfn_kind kind, const struct ynode *at)
{
	struct nsim_cfn_value *v = nsim_arena_alloc(c->arena, 1, sizeof(*v));
	if (!v)
		return oom(c);
	v->kind = kind;
	if (at) {
		v->line = at->line;
		v->col = at->col;
	}
	return v;
}

struct nsim_cfn_value *cfn_string(struct cfn_ctx *c, const struct ynode *at, const char *s, size_t len)
{
	struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_STRING, at);
	if (!v)
		return NULL;
	if (!(v->str = nsim_arena_strndup(c->arena, s, len)))
		return oom(c);
	v->len = strlen(v->str);
	return v;
}

/* An OPAQUE value; reason and param are copied by pointer (arena or static). */
static struct nsim_cfn_value *opaque(struct cfn_ctx *c, const struct ynode *at, const char *str, const char *reason,
				     const char *param)
{
	if (!str || !reason)
		return oom(c); /* a printf into the arena failed */
	struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_OPAQUE, at);
	if (!v)
		return NULL;
	if (!(v->str = nsim_arena_strdup(c->arena, str)))
		return oom(c);
	v->len = strlen(v->str);
	v->reason = reason;
	v->param = param;
	return v;
}

/* An OPAQUE value printed as `str` that carries the why of `from` (an OPAQUE). */
static struct nsim_cfn_value *opaque_from(struct cfn_ctx *c, const struct ynode *at, const char *str,
					  const struct nsim_cfn_value *from)
{
	return opaque(c, at, str, from->reason, from->param);
}

const char *cfn_scalar_text(const struct ynode *n)
{
	return n && n->type == Y_SCALAR && !n->tag ? n->value : NULL;
}

static bool looks_numeric(const char *s)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	bool digits = false;
	while (*p >= '0' && *p <= '9') {
		p++;
		digits = true;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

/* AWS: "Get values stored in other services using dynamic references",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
 * — resolved by CloudFormation when it creates the stack: opaque here. */
static bool has_dynamic_reference(const char *s)
{
	return strstr(s, "{{resolve:") != NULL;
}

static const char *const dynref_reason = "a dynamic reference, resolved by CloudFormation when it creates the stack";

struct nsim_cfn_value *cfn_scalar(struct cfn_ctx *c, const struct ynode *n)
{
	const char *s = n->value;
	bool plain = n->plain && !n->tag;
	if (plain) {
		/* YAML 1.1 core scalars as libyaml leaves them: only plain ones are typed;
		 * `2010-09-09` stays a string (no timestamps) */
		if (!*s || streq(s, "~") || streq(s, "null") || streq(s, "Null") || streq(s, "NULL"))
			return cfn_value(c, NSIM_CFN_NULL, n);
		if (streq(s, "true") || streq(s, "True") || streq(s, "TRUE") || streq(s, "false") ||
		    streq(s, "False") || streq(s, "FALSE")) {
			struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_BOOL, n);
			if (v)
				v->b = s[0] == 't' || s[0] == 'T';
			return v;
		}
		if (looks_numeric(s)) {
			struct nsim_cfn_value *v = cfn_string(c, n, s, n->len);
			if (v)
				v->kind = NSIM_CFN_NUMBER;
			return v;
		}
	}
	if (has_dynamic_reference(s))
		return opaque(c, n, s, dynref_reason, NULL);
	return cfn_string(c, n, s, n->len);
}

/* ---- printable forms ---- */

struct sbuf {
	char *p;
	size_t n, cap;
	size_t max; /* describe: stop adding past this length (0: no limit) */
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t len)
{
	if (b->oom)
		return;
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->n + len + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void describe_into(struct sbuf *b, const struct nsim_cfn_value *v, unsigned depth)
{
	if (b->max && b->n > b->max)
		return;
	if (depth > 8) {
		sb_puts(b, "…");
		return;
	}
	if (v == CFN_NOVALUE) {
		sb_puts(b, "!Ref AWS::NoValue");
		return;
	}
	switch (v->kind) {
	case NSIM_CFN_NULL:
		sb_puts(b, "null");
		break;
	case NSIM_CFN_STRING:
	case NSIM_CFN_NUMBER:
	case NSIM_CFN_OPAQUE:
		sb_puts(b, v->str);
		break;
	case NSIM_CFN_BOOL:
		sb_puts(b, v->b ? "true" : "false");
		break;
	case NSIM_CFN_LIST:
		sb_puts(b, "[");
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				sb_puts(b, ", ");
			describe_into(b, v->items[i], depth + 1);
		}
		sb_puts(b, "]");
		break;
	case NSIM_CFN_MAP:
		sb_puts(b, "{");
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				sb_puts(b, ", ");
			sb_puts(b, v->keys[i]);
			sb_puts(b, ": ");
			describe_into(b, v->items[i], depth + 1);
		}
		sb_puts(b, "}");
		break;
	case NSIM_CFN_REF:
		sb_puts(b, v->ref.attr ? "!GetAtt " : "!Ref ");
		sb_puts(b, v->ref.logical_id);
		if (v->ref.attr) {
			sb_puts(b, ".");
			sb_puts(b, v->ref.attr);
		}
		break;
	}
}

static const char *describe_max(struct nsim_arena *arena, const struct nsim_cfn_value *v, size_t max)
{
	struct sbuf b = {.cap = 0, .max = max};
	if (!v)
		return nsim_arena_strdup(arena, "(none)");
	describe_into(&b, v, 0);
	if (b.n > max) {
		b.n = max;
		while (b.n && ((unsigned char)b.p[b.n] & 0xc0) == 0x80)
			b.n--; /* not inside a UTF-8 sequence */
		b.p[b.n] = '\0';
		sb_puts(&b, "…");
	}
	const char *r = b.oom ? NULL : nsim_arena_strdup(arena, b.p ? b.p : "");
	free(b.p);
	return r;
}

const char *nsim_cfn_describe(struct nsim_arena *arena, const struct nsim_cfn_value *v)
{
	return describe_max(arena, v, NSIM_CFN_DESCRIBE_MAX);
}

/* A value in a message: short. */
static const char *brief(struct cfn_ctx *c, const struct nsim_cfn_value *v)
{
	const char *s = describe_max(c->arena, v, 100);
	return s ? s : "…";
}

/* The text a value contributes to a string (Fn::Join, Fn::Sub); NULL for
 * LIST/MAP/NULL (an error for the caller) and for REF/OPAQUE (opaque result). */
static const char *text_of(const struct nsim_cfn_value *v)
{
	return nsim_cfn_str(v);
}

/* ---- resolving ---- */

static struct nsim_cfn_value *resolve_map(struct cfn_ctx *c, const struct ynode *n)
{
	struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_MAP, n);
	if (!v)
		return NULL;
	v->items = nsim_arena_alloc(c->arena, n->n ? n->n : 1, sizeof(*v->items));
	v->keys = nsim_arena_alloc(c->arena, n->n ? n->n : 1, sizeof(*v->keys));
	if (!v->items || !v->keys)
		return oom(c);
	bool ok = true;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->items[2 * i], *val = n->items[2 * i + 1];
		if (k->type != Y_SCALAR) {
			cfn_error(c, k, "a mapping key must be a string");
			ok = false;
			continue;
		}
		struct nsim_cfn_value *x = cfn_resolve(c, val);
		if (!x) {
			ok = false;
			continue;
		}
		/* AWS: "Pseudo parameters reference" (AWS::NoValue removes the property),
		 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html */
		if (x == CFN_NOVALUE)
			continue;
		v->keys[v->n] = k->value;
		v->items[v->n++] = x;
	}
	return ok ? v : NULL;
}

static struct nsim_cfn_value *resolve_list(struct cfn_ctx *c, const struct ynode *n)
{
	struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_LIST, n);
	if (!v)
		return NULL;
	v->items = nsim_arena_alloc(c->arena, n->n ? n->n : 1, sizeof(*v->items));
	if (!v->items)
		return oom(c);
	bool ok = true;
	for (size_t i = 0; i < n->n; i++) {
		struct nsim_cfn_value *x = cfn_resolve(c, n->items[i]);
		if (!x) {
			ok = false;
			continue;
		}
		/* AWS::NoValue as a list item removes it (pseudo-parameter-reference.html, above) */
		if (x == CFN_NOVALUE)
			continue;
		v->items[v->n++] = x;
	}
	return ok ? v : NULL;
}

typedef struct nsim_cfn_value *(*fn_t)(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
				      const char *name);

/* The function's arguments as a sequence of exactly n_min..n_max items, or an error. */
static bool want_seq(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at, const char *name,
		     size_t n_min, size_t n_max)
{
	if (args->type != Y_SEQ || args->n < n_min || args->n > n_max) {
		if (n_min == n_max)
			cfn_error(c, at, "%s takes a list of %zu values", name, n_min);
		else
			cfn_error(c, at, "%s takes a list of %zu to %zu values", name, n_min, n_max);
		return false;
	}
	return true;
}

/* Resolves an argument that must be a string (NUMBER/BOOL coerce); an OPAQUE
 * or REF comes back as is (*ret_text NULL), NULL after an error. */
static struct nsim_cfn_value *string_arg(struct cfn_ctx *c, const struct ynode *n, const char *name, const char *what,
					 const char **ret_text)
{
	*ret_text = NULL;
	struct nsim_cfn_value *v = cfn_resolve(c, n);
	if (!v)
		return NULL;
	if (v == CFN_NOVALUE) {
		cfn_error(c, n, "%s: %s is AWS::NoValue", name, what);
		return NULL;
	}
	if (v->kind == NSIM_CFN_OPAQUE || v->kind == NSIM_CFN_REF)
		return v;
	if (v->kind == NSIM_CFN_NULL) {
		*ret_text = "";
		return v;
	}
	const char *s = text_of(v);
	if (!s) {
		cfn_error(c, n, "%s: %s must be a string, not %s", name, what, brief(c, v));
		return NULL;
	}
	*ret_text = s;
	return v;
}

/* AWS: "Ref", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ref.html
 * — a parameter's value, a pseudo parameter, or a resource (kept as a reference).
 * Pseudo parameters: "Get AWS values using pseudo parameters",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html */
/* ---- did you mean ---- */

/* "did you mean" compares with every name: bound that work on hostile input. netsim rule. */
#define SUGGEST_BUDGET 64
#define SUGGEST_COMPARISONS 200000u

static void suggest_one(const char *s, size_t limit, const char *cand, const char **best, size_t *best_d)
{
	size_t la = strlen(s), lb = strlen(cand);
	if ((la > lb ? la - lb : lb - la) > limit)
		return;
	size_t d = nsim_edit_distance(s, cand);
	if (d > 0 && d < *best_d) {
		*best_d = d;
		*best = cand;
	}
}

static size_t suggest_limit(const char *s)
{
	size_t len = strlen(s);
	return len < 4 ? 1 : len < 7 ? 2 : 3;
}

/* The logical ID, parameter or pseudo parameter closest to name, or NULL when none is close. */
static const char *suggest_name(struct cfn_ctx *c, const char *name)
{
	static const char *const pseudo[] = {"AWS::AccountId", "AWS::NoValue", "AWS::NotificationARNs", "AWS::Partition",
					     "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"};
	size_t n = (c->resources ? c->resources->n : 0) + c->t->n_parameters;
	if (c->suggestions >= SUGGEST_BUDGET || c->compared + n > SUGGEST_COMPARISONS)
		return NULL;
	c->suggestions++;
	c->compared += n;
	size_t limit = suggest_limit(name), best_d = limit + 1;
	const char *best = NULL;
	for (size_t i = 0; c->resources && i < c->resources->n; i++)
		if (c->resources->items[2 * i]->type == Y_SCALAR)
			suggest_one(name, limit, c->resources->items[2 * i]->value, &best, &best_d);
	for (size_t i = 0; i < c->t->n_parameters; i++)
		suggest_one(name, limit, c->t->parameters[i].name, &best, &best_d);
	for (size_t i = 0; i < ELEMENTSOF(pseudo); i++)
		suggest_one(name, limit, pseudo[i], &best, &best_d);
	return best;
}

/* SAM generates resources named after the resource they come from (FunctionNameRole,
 * FunctionNameAliaslive) and the implicit APIs (ServerlessRestApi, ServerlessHttpApi):
 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-function.html */
static bool sam_generated(const struct cfn_ctx *c, const char *name)
{
	if (strncmp(name, "Serverless", 10) == 0)
		return true;
	for (size_t i = 0; c->resources && i < c->resources->n; i++) {
		const struct ynode *k = c->resources->items[2 * i], *def = c->resources->items[2 * i + 1];
		if (k->type != Y_SCALAR || def->type != Y_MAP || strncmp(name, k->value, strlen(k->value)) != 0)
			continue;
		for (size_t j = 0; j < def->n; j++)
			if (cfn_scalar_text(def->items[2 * j]) && streq(def->items[2 * j]->value, "Type") &&
			    cfn_scalar_text(def->items[2 * j + 1]) &&
			    strncmp(def->items[2 * j + 1]->value, "AWS::Serverless::", 17) == 0)
				return true;
	}
	return false;
}

/* How the reference is written at `at`: `!Ref X`, `!GetAtt X.A`, `Ref: X`, `Fn::GetAtt: X.A`, or in a
 * Fn::Sub `${X}`. */
static const char *ref_source(struct cfn_ctx *c, const char *name, const char *attr, const struct ynode *at)
{
	const char *tag = at ? at->tag : NULL;
	const char *fn = attr ? "GetAtt" : "Ref";
	if (tag && (streq(tag, "!Ref") || streq(tag, "!GetAtt")))
		return nsim_arena_printf(c->arena, "!%s %s%s%s", fn, name, attr ? "." : "", attr ? attr : "");
	if (tag && streq(tag, "!Sub"))
		return nsim_arena_printf(c->arena, "!Sub ${%s%s%s}", name, attr ? "." : "", attr ? attr : "");
	if (at && at->type == Y_MAP && at->n == 1 && cfn_scalar_text(at->items[0]) &&
	    streq(at->items[0]->value, "Fn::Sub"))
		return nsim_arena_printf(c->arena, "Fn::Sub ${%s%s%s}", name, attr ? "." : "", attr ? attr : "");
	return nsim_arena_printf(c->arena, "%s%s: %s%s%s", attr ? "Fn::" : "", fn, name, attr ? "." : "",
				 attr ? attr : "");
}

static struct nsim_cfn_value *ref_name(struct cfn_ctx *c, const char *name, const char *attr, const struct ynode *at)
{
	const char *region = c->t->region;
	if (!attr && strncmp(name, "AWS::", 5) == 0) {
		const char *p = name + 5;
		bool cn = strncmp(region, "cn-", 3) == 0, gov = strncmp(region, "us-gov-", 7) == 0;
		struct nsim_cfn_value *v = NULL;
		if (streq(p, "NoValue"))
			return CFN_NOVALUE;
		if (streq(p, "Region"))
			return cfn_string(c, at, region, strlen(region));
		if (streq(p, "Partition")) {
			const char *s = cn ? "aws-cn" : gov ? "aws-us-gov" : "aws";
			return cfn_string(c, at, s, strlen(s));
		}
		if (streq(p, "URLSuffix")) {
			const char *s = cn ? "amazonaws.com.cn" : "amazonaws.com";
			return cfn_string(c, at, s, strlen(s));
		}
		if (streq(p, "AccountId")) {
			if ((v = cfn_string(c, at, PLACEHOLDER_ACCOUNT, strlen(PLACEHOLDER_ACCOUNT))))
				v->chosen = "placeholder account ID for AWS::AccountId";
			return v;
		}
		if (streq(p, "StackName")) {
			if ((v = cfn_string(c, at, PLACEHOLDER_STACK, strlen(PLACEHOLDER_STACK))))
				v->chosen = "placeholder stack name for AWS::StackName";
			return v;
		}
		if (streq(p, "StackId")) {
			const char *s = nsim_arena_printf(c->arena,
							  "arn:%s:cloudformation:%s:" PLACEHOLDER_ACCOUNT
							  ":stack/" PLACEHOLDER_STACK
							  "/00000000-0000-0000-0000-000000000000",
							  cn ? "aws-cn" : gov ? "aws-us-gov" : "aws", region);
			if (!s)
				return oom(c);
			if ((v = cfn_string(c, at, s, strlen(s))))
				v->chosen = "placeholder stack ID for AWS::StackId";
			return v;
		}
		if (streq(p, "NotificationARNs"))
			return cfn_value(c, NSIM_CFN_LIST, at);
		cfn_error(c, at, "Ref: %s is not a pseudo parameter (AWS::AccountId, AWS::NoValue, AWS::Partition, "
			  "AWS::Region, AWS::StackId, AWS::StackName, AWS::URLSuffix, AWS::NotificationARNs)", name);
		return NULL;
	}
	if (!attr) {
		struct nsim_cfn_value *p = cfn_parameter(c, name);
		if (p) {
			/* the value as used here: its position is the Ref's */
			struct nsim_cfn_value *v = cfn_value(c, p->kind, at);
			if (!v)
				return NULL;
			unsigned line = v->line, col = v->col;
			*v = *p;
			v->line = line;
			v->col = col;
			return v;
		}
	}
	size_t i = cfn_resource_index(c, name);
	if (i != SIZE_MAX) {
		if (c->present && !c->present[i]) {
			cfn_error(c, at, "%s %s: the resource is not created (its Condition is false)",
				  attr ? "Fn::GetAtt" : "Ref", name);
			return NULL;
		}
		struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_REF, at);
		if (!v)
			return NULL;
		v->ref.logical_id = c->resources->items[2 * i]->value;
		if (attr && !(v->ref.attr = nsim_arena_strdup(c->arena, attr)))
			return oom(c);
		return v;
	}
	if (c->t->sam && sam_generated(c, name)) {
		/* AWS SAM generates resources (FunctionNameRole, ServerlessRestApi,
		 * ...): https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-function.html */
		const char *s = nsim_arena_printf(c->arena, "${%s%s%s}", name, attr ? "." : "", attr ? attr : "");
		const char *why = nsim_arena_printf(c->arena, "%s is not in the template (a resource the SAM transform generates?)", name);
		if (!s || !why)
			return oom(c);
		return opaque(c, at, s, why, NULL);
	}
	/* AWS: CloudFormation rejects the template ("Template format error: Unresolved resource dependencies
	 * [X] in the Resources block of the template"); a Ref names a parameter or a resource, a GetAtt a
	 * resource: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ref.html */
	const char *src = ref_source(c, name, attr, at);
	const char *hint = suggest_name(c, name);
	if (!src)
		return oom(c);
	cfn_error(c, at, "%s: the template has no %s named %s (CloudFormation rejects it: unresolved resource "
		  "dependency)%s%s%s", src, attr ? "resource" : "resource or parameter", name,
		  hint ? "; did you mean " : "", hint ? hint : "", hint ? "?" : "");
	return NULL;
}

static struct nsim_cfn_value *fn_ref(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
				     const char *name)
{
	const char *s = cfn_scalar_text(args);
	if (!s || !*s) {
		cfn_error(c, at, "Ref takes the name of a parameter, resource or pseudo parameter");
		return NULL;
	}
	return ref_name(c, s, NULL, at);
}

/* AWS: "Fn::GetAtt", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getatt.html
 * — [logicalName, attributeName] or "logicalName.attributeName" (the short
 * form splits at the first dot; attribute names may hold dots: Endpoint.Address). */
static struct nsim_cfn_value *fn_getatt(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
					const char *name)
{
	const char *s = cfn_scalar_text(args);
	if (s) {
		const char *dot = strchr(s, '.');
		if (!dot || dot == s || !dot[1]) {
			cfn_error(c, at, "Fn::GetAtt takes \"Resource.Attribute\" or [Resource, Attribute]");
			return NULL;
		}
		char *id = nsim_arena_strndup(c->arena, s, (size_t)(dot - s));
		if (!id)
			return oom(c);
		return ref_name(c, id, dot + 1, at);
	}
	if (!want_seq(c, args, at, "Fn::GetAtt", 2, 2))
		return NULL;
	const char *id = cfn_scalar_text(args->items[0]);
	if (!id || !*id) {
		cfn_error(c, args->items[0], "Fn::GetAtt: the first value must be a resource's logical ID");
		return NULL;
	}
	const char *attr;
	struct nsim_cfn_value *a = string_arg(c, args->items[1], "Fn::GetAtt", "the attribute name", &attr);
	if (!a)
		return NULL;
	if (!attr || !*attr) {
		if (a->kind == NSIM_CFN_OPAQUE)
			return opaque_from(c, at, nsim_arena_printf(c->arena, "!GetAtt %s.%s", id, a->str), a);
		cfn_error(c, args->items[1], "Fn::GetAtt: the attribute name must be a string");
		return NULL;
	}
	return ref_name(c, id, attr, at);
}

/* AWS: "Fn::Join", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-join.html
 * — [delimiter, [values]]; the list may come from a function (Fn::GetAZs,
 * Fn::Split, a List parameter). A REF or OPAQUE item makes the result opaque. */
static struct nsim_cfn_value *fn_join(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
				      const char *name)
{
	if (!want_seq(c, args, at, name, 2, 2))
		return NULL;
	const char *delim = cfn_scalar_text(args->items[0]);
	if (!delim) {
		cfn_error(c, args->items[0], "Fn::Join: the delimiter must be a string");
		return NULL;
	}
	struct nsim_cfn_value *list = cfn_resolve(c, args->items[1]);
	if (!list)
		return NULL;
	if (list->kind == NSIM_CFN_OPAQUE)
		return opaque_from(c, at, list->str, list);
	if (list->kind != NSIM_CFN_LIST) {
		cfn_error(c, args->items[1], "Fn::Join: the second value must be a list, not %s",
			  brief(c, list));
		return NULL;
	}
	struct sbuf b = {0};
	const struct nsim_cfn_value *why = NULL;
	bool ok = true;
	for (size_t i = 0; i < list->n && ok; i++) {
		const struct nsim_cfn_value *x = list->items[i];
		if (i)
			sb_puts(&b, delim);
		if (x->kind == NSIM_CFN_OPAQUE) {
			if (!why)
				why = x;
			sb_puts(&b, x->str);
		} else if (x->kind == NSIM_CFN_REF) {
			if (!why)
				why = x;
			sb_puts(&b, "${");
			sb_puts(&b, x->ref.logical_id);
			if (x->ref.attr) {
				sb_puts(&b, ".");
				sb_puts(&b, x->ref.attr);
			}
			sb_puts(&b, "}");
		} else if (x->kind == NSIM_CFN_NULL) {
			/* an empty value joins as "" */
		} else if (text_of(x)) {
			sb_puts(&b, text_of(x));
		} else {
			cfn_error(c, args->items[1], "Fn::Join: item %zu is %s, not a string", i,
				  brief(c, x));
			ok = false;
		}
	}
	struct nsim_cfn_value *v = NULL;
	if (b.oom)
		oom(c);
	else if (ok && why && why->kind == NSIM_CFN_REF) {
		const char *r = nsim_arena_printf(c->arena, "the value of %s, known only once the stack exists",
						  brief(c, why));
		v = r ? opaque(c, at, b.p ? b.p : "", r, NULL) : oom(c);
	} else if (ok && why)
		v = opaque_from(c, at, b.p ? b.p : "", why);
	else if (ok)
		v = b.p ? (has_dynamic_reference(b.p) ? opaque(c, at, b.p, dynref_reason, NULL)
						      : cfn_string(c, at, b.p, b.n))
			: cfn_string(c, at, "", 0);
	free(b.p);
	return v;
}

/* AWS: "Fn::Split", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-split.html */
static struct nsim_cfn_value *fn_split(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
				       const char *name)
{
	if (!want_seq(c, args, at, name, 2, 2))
		return NULL;
	const char *delim = cfn_scalar_text(args->items[0]);
	if (!delim || !*delim) {
		cfn_error(c, args->items[0], "Fn::Split: the delimiter must be a non-empty string");
		return NULL;
	}
	const char *s;
	struct nsim_cfn_value *src = string_arg(c, args->items[1], name, "the source string", &s);
	if (!src)
		return NULL;
	if (!s) {
		if (src->kind == NSIM_CFN_OPAQUE)
			return opaque_from(c, at, src->str, src);
		cfn_error(c, args->items[1], "Fn::Split: %s is known only once the stack exists",
			  brief(c, src));
		return NULL;
	}
	size_t dl = strlen(delim), n = 1;
	for (const char *p = strstr(s, delim); p; p = strstr(p + dl, delim))
		n++;
	struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_LIST, at);
	if (!v || !(v->items = nsim_arena_alloc(c->arena, n, sizeof(*v->items))))
		return v ? oom(c) : NULL;
	for (const char *p = s;; ) {
		const char *q = strstr(p, delim);
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (!(v->items[v->n++] = cfn_string(c, at, p, len)))
			return NULL;
		if (!q)
			break;
		p = q + dl;
	}
	return v;
}

/* AWS: "Fn::Select", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-select.html
 * — [index, list]; the index may be written as a string ("0") or come from
 * Ref/Fn::FindInMap; out of range is an error. */
static struct nsim_cfn_value *fn_select(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
					const char *name)
{
	if (!want_seq(c, args, at, name, 2, 2))
		return NULL;
	struct nsim_cfn_value *idx = cfn_resolve(c, args->items[0]);
	if (!idx)
		return NULL;
	struct nsim_cfn_value *list = cfn_resolve(c, args->items[1]);
	if (!list)
		return NULL;
	if (idx != CFN_NOVALUE && idx->kind == NSIM_CFN_OPAQUE)
		return opaque_from(c, at, nsim_arena_printf(c->arena, "!Select [%s, …]", idx->str), idx);
	long long i;
	if (idx == CFN_NOVALUE || nsim_cfn_int(idx, &i) < 0 || i < 0) {
		cfn_error(c, args->items[0], "Fn::Select: the index must be a whole number from 0, not %s",
			  idx == CFN_NOVALUE ? "AWS::NoValue" : brief(c, idx));
		return NULL;
	}
	if (list == CFN_NOVALUE || (list->kind != NSIM_CFN_LIST && list->kind != NSIM_CFN_OPAQUE)) {
		cfn_error(c, args->items[1], "Fn::Select: the second value must be a list, not %s",
			  list == CFN_NOVALUE ? "AWS::NoValue" : brief(c, list));
		return NULL;
	}
	if (list->kind == NSIM_CFN_OPAQUE)
		return opaque_from(c, at, nsim_arena_printf(c->arena, "!Select [%lld, %s]", i, list->str), list);
	if ((unsigned long long)i >= list->n) {
		cfn_error(c, at, "Fn::Select: index %lld is past the end of %s (%zu item%s)", i,
			  brief(c, list), list->n, list->n == 1 ? "" : "s");
		return NULL;
	}
	struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_NULL, at);
	if (!v)
		return NULL;
	unsigned line = v->line, col = v->col;
	*v = *list->items[i];
	v->line = line;
	v->col = col;
	return v;
}

/* AWS: "Fn::GetAZs", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html
 * — the region's AZs; an empty string (or null, which CloudFormation's own
 * templates write in JSON) means the stack's region. The real list depends on
 * the account: netsim answers REGIONa..REGIONf, marked as chosen (netsim rule). */
static struct nsim_cfn_value *fn_getazs(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
					const char *name)
{
	const char *region;
	struct nsim_cfn_value *r = string_arg(c, args, name, "the region", &region);
	if (!r)
		return NULL;
	if (!region) {
		if (r->kind == NSIM_CFN_OPAQUE)
			return opaque_from(c, at, nsim_arena_printf(c->arena, "!GetAZs %s", r->str), r);
		cfn_error(c, at, "Fn::GetAZs: the region must be a string");
		return NULL;
	}
	if (!*region)
		region = c->t->region;
	struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_LIST, at);
	if (!v || !(v->items = nsim_arena_alloc(c->arena, PLACEHOLDER_AZS, sizeof(*v->items))))
		return v ? oom(c) : NULL;
	for (int i = 0; i < PLACEHOLDER_AZS; i++) {
		char az[128];
		int len = snprintf(az, sizeof(az), "%s%c", region, 'a' + i);
		if (len < 0 || (size_t)len >= sizeof(az)) {
			cfn_error(c, at, "Fn::GetAZs: region name too long");
			return NULL;
		}
		struct nsim_cfn_value *x = cfn_string(c, at, az, (size_t)len);
		if (!x)
			return NULL;
		x->chosen = "placeholder availability zone from Fn::GetAZs";
		v->items[v->n++] = x;
	}
	return v;
}

static const struct ynode *ymap_get(const struct ynode *m, const char *key)
{
	for (size_t i = 0; m && m->type == Y_MAP && i < m->n; i++)
		if (m->items[2 * i]->type == Y_SCALAR && streq(m->items[2 * i]->value, key))
			return m->items[2 * i + 1];
	return NULL;
}

/* `!GetAtt X.CidrBlock` of a VPC or subnet of the template is its CidrBlock
 * property (AWS: the return values of "AWS::EC2::VPC",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpc.html
 * and "AWS::EC2::Subnet",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-subnet.html):
 * known before the stack exists when that property is. A STRING or NULL. */
static const struct nsim_cfn_value *cidr_block_of(struct cfn_ctx *c, const struct nsim_cfn_value *ref)
{
	if (!ref->ref.attr || !streq(ref->ref.attr, "CidrBlock"))
		return NULL;
	size_t i = cfn_resource_index(c, ref->ref.logical_id);
	if (i == SIZE_MAX)
		return NULL;
	const struct ynode *def = c->resources->items[2 * i + 1];
	const char *type = cfn_scalar_text(ymap_get(def, "Type"));
	if (!type || !(streq(type, "AWS::EC2::VPC") || streq(type, "AWS::EC2::Subnet")))
		return NULL;
	const struct ynode *n = ymap_get(ymap_get(def, "Properties"), "CidrBlock");
	if (!n)
		return NULL;
	struct nsim_cfn_value *v = cfn_resolve(c, n);
	return v && v != CFN_NOVALUE && v->kind == NSIM_CFN_STRING ? v : NULL;
}

/* AWS: "Fn::Cidr", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html
 * — [ipBlock, count, cidrBits]: count (1-256) consecutive blocks from the
 * start of ipBlock, each with cidrBits host bits (the mask is /(32-cidrBits),
 * or /(128-cidrBits) for IPv6). */
static struct nsim_cfn_value *fn_cidr(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
				      const char *name)
{
	if (!want_seq(c, args, at, name, 3, 3))
		return NULL;
	const char *block;
	struct nsim_cfn_value *bv = string_arg(c, args->items[0], name, "ipBlock", &block);
	if (!bv)
		return NULL;
	struct nsim_cfn_value *cv = cfn_resolve(c, args->items[1]);
	struct nsim_cfn_value *hv = cv ? cfn_resolve(c, args->items[2]) : NULL;
	if (!cv || !hv)
		return NULL;
	if (!block && bv->kind == NSIM_CFN_REF) {
		const struct nsim_cfn_value *known = cidr_block_of(c, bv);
		if (known)
			block = known->str;
	}
	if (!block) {
		if (bv->kind == NSIM_CFN_OPAQUE)
			return opaque_from(c, at, nsim_arena_printf(c->arena, "!Cidr [%s, …]", bv->str), bv);
		const char *r = nsim_arena_printf(c->arena, "the value of %s, known only once the stack exists",
						  brief(c, bv));
		return r ? opaque(c, at, nsim_arena_printf(c->arena, "!Cidr [%s, …]", brief(c, bv)),
				  r, NULL)
			 : oom(c);
	}
	for (struct nsim_cfn_value *x = cv; x; x = x == cv ? hv : NULL)
		if (x != CFN_NOVALUE && x->kind == NSIM_CFN_OPAQUE)
			return opaque_from(c, at, nsim_arena_printf(c->arena, "!Cidr [%s, …]", block), x);
	long long count, bits;
	if (cv == CFN_NOVALUE || nsim_cfn_int(cv, &count) < 0 || count < 1 || count > 256) {
		cfn_error(c, args->items[1], "Fn::Cidr: count must be a number from 1 to 256");
		return NULL;
	}
	if (hv == CFN_NOVALUE || nsim_cfn_int(hv, &bits) < 0 || bits < 0) {
		cfn_error(c, args->items[2], "Fn::Cidr: cidrBits (the host bits of each block) must be a whole number");
		return NULL;
	}
	const char *slash = strchr(block, '/');
	char addr[64];
	unsigned char bytes[16] = {0};
	int af = strchr(block, ':') ? AF_INET6 : AF_INET;
	unsigned width = af == AF_INET6 ? 128 : 32;
	long plen = -1;
	if (slash && (size_t)(slash - block) < sizeof(addr)) {
		memcpy(addr, block, (size_t)(slash - block));
		addr[slash - block] = '\0';
		char *end;
		plen = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1)
			plen = -1;
	}
	if (plen < 0 || plen > (long)width || inet_pton(af, addr, bytes) != 1) {
		cfn_error(c, args->items[0], "Fn::Cidr: ipBlock '%s' is not an address block like 10.0.0.0/16", block);
		return NULL;
	}
	if (bits > (long long)width - plen) {
		cfn_error(c, args->items[2],
			  "Fn::Cidr: %lld host bits do not fit in %s (it has %ld): cidrBits is the number of host bits, "
			  "not the prefix length", bits, block, (long)width - plen);
		return NULL;
	}
	unsigned __int128 base = 0;
	for (unsigned i = 0; i < width / 8; i++)
		base = (base << 8) | bytes[i];
	unsigned sub_bits = (unsigned)(width - plen - bits); /* bits that number the blocks */
	if (sub_bits < 9 && (unsigned long long)count > (1ull << sub_bits)) {
		cfn_error(c, at, "Fn::Cidr: %s holds only %llu blocks with %lld host bits, not %lld", block,
			  1ull << sub_bits, bits, count);
		return NULL;
	}
	/* blocks start at the network address (host bits of ipBlock cleared) */
	unsigned __int128 hostmask = plen == 0 ? ~(unsigned __int128)0 : (((unsigned __int128)1 << (width - plen)) - 1);
	if (width == 32)
		hostmask &= 0xffffffffu;
	base &= ~hostmask;
	struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_LIST, at);
	if (!v || !(v->items = nsim_arena_alloc(c->arena, (size_t)count, sizeof(*v->items))))
		return v ? oom(c) : NULL;
	for (long long i = 0; i < count; i++) {
		unsigned __int128 a = base + ((unsigned __int128)i << bits);
		unsigned char out[16];
		for (int j = (int)width / 8 - 1; j >= 0; j--) {
			out[j] = (unsigned char)(a & 0xff);
			a >>= 8;
		}
		char txt[INET6_ADDRSTRLEN], cidr[INET6_ADDRSTRLEN + 8];
		if (!inet_ntop(af, out, txt, sizeof(txt)))
			return oom(c);
		int len = snprintf(cidr, sizeof(cidr), "%s/%u", txt, (unsigned)(width - bits));
		if (!(v->items[v->n++] = cfn_string(c, at, cidr, (size_t)len)))
			return NULL;
	}
	return v;
}

/* AWS: "Fn::FindInMap", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-findinmap.html
 * — [MapName, TopLevelKey, SecondLevelKey] (+ {DefaultValue: x} with the
 * AWS::LanguageExtensions transform); a missing key is an error. */
static struct nsim_cfn_value *fn_findinmap(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
					   const char *name)
{
	if (!want_seq(c, args, at, name, 3, 4))
		return NULL;
	const char *keys[3];
	for (int i = 0; i < 3; i++) {
		struct nsim_cfn_value *k = string_arg(c, args->items[i], name, "a key", &keys[i]);
		if (!k)
			return NULL;
		if (!keys[i]) {
			if (k->kind == NSIM_CFN_OPAQUE)
				return opaque_from(c, at, nsim_arena_printf(c->arena, "!FindInMap [… %s …]", k->str), k);
			cfn_error(c, args->items[i], "Fn::FindInMap: a key must be a string");
			return NULL;
		}
	}
	const struct ynode *deflt = NULL;
	if (args->n == 4) {
		const struct ynode *d = args->items[3];
		if (d->type == Y_MAP && d->n == 1 && cfn_scalar_text(d->items[0]) &&
		    streq(d->items[0]->value, "DefaultValue"))
			deflt = d->items[1];
		else {
			cfn_error(c, d, "Fn::FindInMap: the fourth value must be {DefaultValue: ...}");
			return NULL;
		}
	}
	const struct ynode *cur = c->mappings;
	const char *what[3] = {"mapping", "top-level key", "second-level key"};
	for (int i = 0; i < 3; i++) {
		const struct ynode *next = NULL;
		if (cur && cur->type == Y_MAP)
			for (size_t j = 0; j < cur->n && !next; j++)
				if (cur->items[2 * j]->type == Y_SCALAR && streq(cur->items[2 * j]->value, keys[i]))
					next = cur->items[2 * j + 1];
		if (!next) {
			if (deflt)
				return cfn_resolve(c, deflt);
			cfn_error(c, args->items[i], "Fn::FindInMap: no %s '%s'%s%s", what[i], keys[i],
				  i ? " in " : "", i ? keys[0] : "");
			return NULL;
		}
		cur = next;
	}
	return cfn_resolve(c, cur);
}

/* One ${...} of Fn::Sub: a variable of the map, a parameter, a pseudo
 * parameter, a resource (Ref) or Resource.Attribute (Fn::GetAtt). */
static struct nsim_cfn_value *sub_var(struct cfn_ctx *c, const char *var, const struct ynode *vars,
				      const struct ynode *at)
{
	if (vars)
		for (size_t j = 0; j < vars->n; j++)
			if (vars->items[2 * j]->type == Y_SCALAR && streq(vars->items[2 * j]->value, var))
				return cfn_resolve(c, vars->items[2 * j + 1]);
	const char *dot = strchr(var, '.');
	if (dot && strncmp(var, "AWS::", 5) != 0) {
		char *id = nsim_arena_strndup(c->arena, var, (size_t)(dot - var));
		return id ? ref_name(c, id, dot + 1, at) : oom(c);
	}
	return ref_name(c, var, NULL, at);
}

/* AWS: "Fn::Sub", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html
 * — String or [String, {Var: Value}]; ${Param}, ${Resource},
 * ${Resource.Attribute}, ${AWS::Region}; ${!Literal} is the text ${Literal}.
 * A resource inside the string makes the result opaque, except when the
 * string is that one reference alone ("${VPC}"), which stays a reference. */
static struct nsim_cfn_value *fn_sub(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
				     const char *name)
{
	const struct ynode *str = args, *vars = NULL;
	if (args->type == Y_SEQ) {
		if (!want_seq(c, args, at, name, 2, 2))
			return NULL;
		str = args->items[0];
		vars = args->items[1];
		if (vars->type != Y_MAP) {
			cfn_error(c, vars, "Fn::Sub: the second value must be a mapping of variables");
			return NULL;
		}
	}
	const char *s = cfn_scalar_text(str);
	if (!s) {
		cfn_error(c, str, "Fn::Sub: the string must be a literal string");
		return NULL;
	}
	struct sbuf b = {0};
	const struct nsim_cfn_value *why = NULL, *only = NULL;
	size_t n_vars = 0;
	bool ok = true;
	const char *p = s;
	while (*p && ok) {
		const char *open = strstr(p, "${");
		if (!open) {
			sb_puts(&b, p);
			break;
		}
		sb_add(&b, p, (size_t)(open - p));
		const char *close = strchr(open + 2, '}');
		if (!close) {
			sb_puts(&b, open);
			break;
		}
		if (open[2] == '!') {
			/* ${!Literal} -> ${Literal} */
			sb_puts(&b, "${");
			sb_add(&b, open + 3, (size_t)(close - open - 3) + 1);
			p = close + 1;
			continue;
		}
		char *var = nsim_arena_strndup(c->arena, open + 2, (size_t)(close - open - 2));
		if (!var) {
			oom(c);
			ok = false;
			break;
		}
		/* CloudFormation trims the spaces of ${ Name } */
		while (*var == ' ')
			var++;
		for (size_t l = strlen(var); l && var[l - 1] == ' '; l--)
			var[l - 1] = '\0';
		n_vars++;
		struct nsim_cfn_value *x = sub_var(c, var, vars, at);
		if (!x) {
			ok = false;
			break;
		}
		if (x == CFN_NOVALUE) {
			cfn_error(c, at, "Fn::Sub: ${%s} is AWS::NoValue", var);
			ok = false;
			break;
		}
		only = x;
		if (x->kind == NSIM_CFN_REF || x->kind == NSIM_CFN_OPAQUE) {
			if (!why)
				why = x;
			/* printed as written: the variable stays visible in names and messages */
			sb_puts(&b, "${");
			sb_puts(&b, var);
			sb_puts(&b, "}");
		} else if (x->kind == NSIM_CFN_NULL) {
		} else if (text_of(x)) {
			sb_puts(&b, text_of(x));
		} else {
			cfn_error(c, at, "Fn::Sub: ${%s} is %s, not a string", var, brief(c, x));
			ok = false;
		}
		p = close + 1;
	}
	struct nsim_cfn_value *v = NULL;
	const char *text = b.p ? b.p : "";
	if (b.oom)
		oom(c);
	else if (!ok) {
	} else if (n_vars == 1 && only && only->kind == NSIM_CFN_REF && s[0] == '$' && s[1] == '{' &&
		   strchr(s, '}') && strchr(s, '}')[1] == '\0') {
		v = cfn_value(c, NSIM_CFN_REF, at);
		if (v)
			v->ref = only->ref;
	} else if (why && why->kind == NSIM_CFN_REF) {
		const char *r = nsim_arena_printf(c->arena, "the value of %s, known only once the stack exists",
						  brief(c, why));
		v = r ? opaque(c, at, text, r, NULL) : oom(c);
	} else if (why)
		v = opaque_from(c, at, text, why);
	else if (has_dynamic_reference(text))
		v = opaque(c, at, text, dynref_reason, NULL);
	else
		v = cfn_string(c, at, text, strlen(text));
	free(b.p);
	return v;
}

/* AWS: "Fn::Base64", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-base64.html */
static struct nsim_cfn_value *fn_base64(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
					const char *name)
{
	const char *s;
	struct nsim_cfn_value *x = string_arg(c, args, name, "the value", &s);
	if (!x)
		return NULL;
	if (!s)
		return x->kind == NSIM_CFN_OPAQUE ? opaque_from(c, at, nsim_arena_printf(c->arena, "!Base64 …"), x)
						  : opaque(c, at, "!Base64 …", "encodes a value known only once the stack exists", NULL);
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(s), n = 4 * ((len + 2) / 3);
	char *out = nsim_arena_alloc(c->arena, n + 1, 1);
	if (!out)
		return oom(c);
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t w = (uint32_t)(unsigned char)s[i] << 16;
		if (i + 1 < len)
			w |= (uint32_t)(unsigned char)s[i + 1] << 8;
		if (i + 2 < len)
			w |= (unsigned char)s[i + 2];
		out[o++] = tbl[(w >> 18) & 63];
		out[o++] = tbl[(w >> 12) & 63];
		out[o++] = i + 1 < len ? tbl[(w >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tbl[w & 63] : '=';
	}
	return cfn_string(c, at, out, o);
}

/* AWS: "Fn::ImportValue", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html
 * — another stack's export: not in this template. */
static struct nsim_cfn_value *fn_importvalue(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
					     const char *name)
{
	const char *s;
	struct nsim_cfn_value *x = string_arg(c, args, name, "the export name", &s);
	if (!x)
		return NULL;
	const char *str = nsim_arena_printf(c->arena, "!ImportValue %s", s ? s : x->str ? x->str : "…");
	if (!str)
		return oom(c);
	return opaque(c, at, str, "Fn::ImportValue: a value another stack exports, not in this template", NULL);
}

/* AWS: "Fn::Length" (AWS::LanguageExtensions transform),
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-length.html */
static struct nsim_cfn_value *fn_length(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
					const char *name)
{
	struct nsim_cfn_value *x = cfn_resolve(c, args);
	if (!x)
		return NULL;
	if (x != CFN_NOVALUE && x->kind == NSIM_CFN_OPAQUE)
		return opaque_from(c, at, "!Length …", x);
	if (x == CFN_NOVALUE || x->kind != NSIM_CFN_LIST) {
		cfn_error(c, at, "Fn::Length takes a list");
		return NULL;
	}
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%zu", x->n);
	struct nsim_cfn_value *v = cfn_string(c, at, buf, (size_t)len);
	if (v)
		v->kind = NSIM_CFN_NUMBER;
	return v;
}

static struct nsim_cfn_value *fn_opaque(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
					const char *name)
{
	const char *str = nsim_arena_printf(c->arena, "!%s …", strncmp(name, "Fn::", 4) == 0 ? name + 4 : name);
	const char *why = streq(name, "Fn::Transform")
				  ? "Fn::Transform: a macro that CloudFormation runs"
				  : nsim_arena_printf(c->arena, "netsim does not resolve %s yet", name);
	if (!str || !why)
		return oom(c);
	return opaque(c, at, str, why, NULL);
}

/* AWS: "Condition functions" (Fn::If),
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html
 * — only the chosen branch is evaluated (the other may name resources that
 * are not created). */
static struct nsim_cfn_value *fn_if(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
				    const char *name)
{
	if (!want_seq(c, args, at, name, 3, 3))
		return NULL;
	const char *cond = cfn_scalar_text(args->items[0]);
	if (!cond) {
		cfn_error(c, args->items[0], "Fn::If: the first value must be a condition's name");
		return NULL;
	}
	const struct nsim_cfn_value *why = NULL;
	switch (cfn_condition(c, cond, args->items[0], &why)) {
	case COND_TRUE:
		return cfn_resolve(c, args->items[1]);
	case COND_FALSE:
		return cfn_resolve(c, args->items[2]);
	case COND_UNKNOWN: {
		const char *str = nsim_arena_printf(c->arena, "!If [%s, …]", cond);
		const char *r = nsim_arena_printf(c->arena, "condition %s cannot be decided: %s", cond, why->reason);
		return str && r ? opaque(c, at, str, r, why->param) : oom(c);
	}
	case COND_ERROR:
		break;
	}
	return NULL;
}

/* Condition functions used outside Conditions (Fn::Equals in a property): a BOOL. */
static enum cfn_cond cond_eval(struct cfn_ctx *c, const struct ynode *n, const struct nsim_cfn_value **why);

static struct nsim_cfn_value *fn_condfn(struct cfn_ctx *c, const struct ynode *args, const struct ynode *at,
					const char *name)
{
	(void)args;
	const struct nsim_cfn_value *why = NULL;
	enum cfn_cond r = cond_eval(c, at, &why);
	if (r == COND_ERROR)
		return NULL;
	if (r == COND_UNKNOWN)
		return opaque_from(c, at, nsim_arena_printf(c->arena, "!%s …", name + 4), why);
	struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_BOOL, at);
	if (v)
		v->b = r == COND_TRUE;
	return v;
}

static const struct {
	const char *name;
	fn_t fn;
} functions[] = {
	{"Ref", fn_ref},
	{"Fn::GetAtt", fn_getatt},
	{"Fn::Join", fn_join},
	{"Fn::Split", fn_split},
	{"Fn::Select", fn_select},
	{"Fn::GetAZs", fn_getazs},
	{"Fn::Cidr", fn_cidr},
	{"Fn::FindInMap", fn_findinmap},
	{"Fn::Sub", fn_sub},
	{"Fn::Base64", fn_base64},
	{"Fn::ImportValue", fn_importvalue},
	{"Fn::Length", fn_length},
	{"Fn::If", fn_if},
	{"Fn::Equals", fn_condfn},
	{"Fn::And", fn_condfn},
	{"Fn::Or", fn_condfn},
	{"Fn::Not", fn_condfn},
};

/* The function a node calls: a short-form tag (!Ref, !Sub, ...: *ret_args is
 * the node without its tag, in *untagged) or a one-key map {Ref|Fn::X: args}. */
static const char *function_of(struct cfn_ctx *c, const struct ynode *n, struct ynode *untagged,
			       const struct ynode **ret_args)
{
	if (n->tag && n->tag[0] == '!' && n->tag[1] && n->tag[1] != '!') {
		*untagged = *n;
		untagged->tag = NULL;
		*ret_args = untagged;
		const char *t = n->tag + 1;
		if (streq(t, "Ref") || streq(t, "Condition"))
			return t;
		const char *name = nsim_arena_printf(c->arena, "Fn::%s", t);
		return name ? name : oom(c);
	}
	if (n->type == Y_MAP && n->n == 1 && n->items[0]->type == Y_SCALAR && !n->items[0]->tag) {
		const char *k = n->items[0]->value;
		if (streq(k, "Ref") || strncmp(k, "Fn::", 4) == 0) {
			*ret_args = n->items[1];
			return k;
		}
	}
	return NULL;
}

/* AWS: the intrinsic functions, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
 * — besides those above, Fn::Transform (a macro) and those of the AWS::LanguageExtensions transform
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-languageextensions.html):
 * netsim keeps their values opaque. */
static const char *const opaque_functions[] = {"Fn::Transform", "Fn::ToJsonString", "Fn::ForEach"};

static bool cfn_function_known(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(functions); i++)
		if (streq(functions[i].name, name))
			return true;
	for (size_t i = 0; i < ELEMENTSOF(opaque_functions); i++)
		if (streq(opaque_functions[i], name))
			return true;
	/* Fn::ForEach::UniqueLoopName */
	return strncmp(name, "Fn::ForEach::", 13) == 0;
}

/* AWS: CloudFormation rejects a template that calls a function it does not have ("Template format error:
 * Encountered unsupported function: Fn::Bogus"): an error at the call, in the template's form (`!Selectt` or
 * `Fn::Bogus`), with the closest function. */
static void unknown_function(struct cfn_ctx *c, const struct ynode *n, const char *fname)
{
	bool tag = n->tag && n->tag[0] == '!';
	const char *written = tag ? n->tag : fname;
	const char *best = NULL;
	size_t limit = suggest_limit(written + (tag ? 1 : 4)), best_d = limit + 1;
	char buf[64];
	for (size_t i = 0; i < ELEMENTSOF(functions) + ELEMENTSOF(opaque_functions) + 1; i++) {
		const char *f = i < ELEMENTSOF(functions) ? functions[i].name
				: i < ELEMENTSOF(functions) + ELEMENTSOF(opaque_functions)
					? opaque_functions[i - ELEMENTSOF(functions)]
					: "Condition";
		if (tag)
			snprintf(buf, sizeof(buf), "!%s", strncmp(f, "Fn::", 4) == 0 ? f + 4 : f);
		else
			snprintf(buf, sizeof(buf), "%s", f);
		size_t before = best_d;
		suggest_one(written, limit, buf, &best, &best_d);
		if (best_d < before)
			best = nsim_arena_strdup(c->arena, buf);
	}
	cfn_error(c, n, "%s: CloudFormation has no such function (it rejects the template: unsupported "
		  "function)%s%s%s", written, best ? "; did you mean " : "", best ? best : "", best ? "?" : "");
}

struct nsim_cfn_value *cfn_resolve(struct cfn_ctx *c, const struct ynode *n)
{
	if (c->gave_up)
		return NULL;
	if (++c->work > NSIM_CFN_MAX_WORK) {
		if (c->work == NSIM_CFN_MAX_WORK + 1)
			cfn_error(c, n, "the template expands to more than %u values (aliases?): the limit guards "
				  "against unbounded input", NSIM_CFN_MAX_WORK);
		c->failed = true;
		return NULL;
	}
	if (c->depth >= NSIM_CFN_MAX_DEPTH) {
		cfn_error(c, n, "values nested deeper than %d levels (a recursive alias?)", NSIM_CFN_MAX_DEPTH);
		return NULL;
	}
	c->depth++;
	struct nsim_cfn_value *v = NULL;
	struct ynode untagged;
	const struct ynode *args = NULL;
	const char *fname = function_of(c, n, &untagged, &args);
	if (fname) {
		fn_t fn = NULL;
		for (size_t i = 0; i < ELEMENTSOF(functions); i++)
			if (streq(functions[i].name, fname))
				fn = functions[i].fn;
		if (fn)
			v = fn(c, args, n, fname);
		else if (streq(fname, "Condition"))
			cfn_error(c, n, "Condition: a condition's name is used only inside Fn::And, Fn::Or, Fn::Not or a "
				  "resource's Condition attribute");
		else if (cfn_function_known(fname))
			v = fn_opaque(c, args, n, fname);
		else
			unknown_function(c, n, fname);
	} else if (n->type == Y_MAP)
		v = resolve_map(c, n);
	else if (n->type == Y_SEQ)
		v = resolve_list(c, n);
	else
		v = cfn_scalar(c, n);
	c->depth--;
	return v;
}

/* ---- conditions ---- */

/* AWS: "Condition functions", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html
 * — Fn::Equals compares two values (strings as written: "1" equals 1);
 * Fn::And / Fn::Or take 2 to 10 conditions, Fn::Not one; a condition is a
 * function or {Condition: Name}. An undecidable operand (a parameter
 * without a value) makes the result unknown unless the others decide it
 * (false AND x = false, true OR x = true). */
static bool values_equal(const struct nsim_cfn_value *a, const struct nsim_cfn_value *b)
{
	if (a == CFN_NOVALUE || b == CFN_NOVALUE)
		return a == b;
	const char *sa = nsim_cfn_str(a), *sb = nsim_cfn_str(b);
	if (sa && sb)
		return streq(sa, sb);
	if (a->kind == NSIM_CFN_NULL || b->kind == NSIM_CFN_NULL)
		return a->kind == b->kind || (sa && !*sa) || (sb && !*sb);
	if (a->kind != b->kind || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (a->kind == NSIM_CFN_MAP && !streq(a->keys[i], b->keys[i]))
			return false;
		if (!values_equal(a->items[i], b->items[i]))
			return false;
	}
	return true;
}

static const struct nsim_cfn_value *undecidable(const struct nsim_cfn_value *v)
{
	if (v == CFN_NOVALUE)
		return NULL;
	if (v->kind == NSIM_CFN_OPAQUE || v->kind == NSIM_CFN_REF)
		return v;
	for (size_t i = 0; i < v->n && (v->kind == NSIM_CFN_LIST || v->kind == NSIM_CFN_MAP); i++) {
		const struct nsim_cfn_value *x = undecidable(v->items[i]);
		if (x)
			return x;
	}
	return NULL;
}

static enum cfn_cond cond_eval(struct cfn_ctx *c, const struct ynode *n, const struct nsim_cfn_value **why)
{
	struct ynode untagged;
	const struct ynode *args = NULL;
	const char *fname = function_of(c, n, &untagged, &args);
	if (!fname && n->type == Y_MAP && n->n == 1 && cfn_scalar_text(n->items[0]) &&
	    streq(n->items[0]->value, "Condition")) {
		fname = "Condition";
		args = n->items[1];
	}
	if (!fname) {
		if (c->failed && c->diags->oom)
			return COND_ERROR;
		cfn_error(c, n, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or {Condition: Name}");
		return COND_ERROR;
	}
	if (++c->work > NSIM_CFN_MAX_WORK || c->depth >= NSIM_CFN_MAX_DEPTH) {
		cfn_error(c, n, "conditions nested too deep or too many");
		return COND_ERROR;
	}
	if (streq(fname, "Condition")) {
		const char *name = cfn_scalar_text(args);
		if (!name) {
			cfn_error(c, n, "Condition takes a condition's name");
			return COND_ERROR;
		}
		return cfn_condition(c, name, n, why);
	}
	if (streq(fname, "Fn::Equals")) {
		if (!want_seq(c, args, n, fname, 2, 2))
			return COND_ERROR;
		c->depth++;
		struct nsim_cfn_value *a = cfn_resolve(c, args->items[0]);
		struct nsim_cfn_value *b = a ? cfn_resolve(c, args->items[1]) : NULL;
		c->depth--;
		if (!a || !b)
			return COND_ERROR;
		const struct nsim_cfn_value *u = undecidable(a);
		if (!u)
			u = undecidable(b);
		if (u) {
			if (u->kind == NSIM_CFN_REF) {
				struct nsim_cfn_value *o = opaque(
					c, n, brief(c, u),
					nsim_arena_printf(c->arena, "Fn::Equals compares %s, known only once the stack exists",
							  brief(c, u)),
					NULL);
				if (!o)
					return COND_ERROR;
				u = o;
			}
			*why = u;
			return COND_UNKNOWN;
		}
		return values_equal(a, b) ? COND_TRUE : COND_FALSE;
	}
	bool is_and = streq(fname, "Fn::And"), is_or = streq(fname, "Fn::Or"), is_not = streq(fname, "Fn::Not");
	if (!is_and && !is_or && !is_not) {
		cfn_error(c, n, "%s is not a condition function (Fn::Equals, Fn::And, Fn::Or, Fn::Not)", fname);
		return COND_ERROR;
	}
	if (!want_seq(c, args, n, fname, is_not ? 1 : 2, is_not ? 1 : 10))
		return COND_ERROR;
	const struct nsim_cfn_value *unknown = NULL;
	bool decided = false;
	c->depth++;
	for (size_t i = 0; i < args->n; i++) {
		const struct nsim_cfn_value *w = NULL;
		enum cfn_cond r = cond_eval(c, args->items[i], &w);
		if (r == COND_ERROR) {
			c->depth--;
			return COND_ERROR;
		}
		if (r == COND_UNKNOWN) {
			if (!unknown)
				unknown = w;
			continue;
		}
		if (is_not) {
			c->depth--;
			return r == COND_TRUE ? COND_FALSE : COND_TRUE;
		}
		if ((is_and && r == COND_FALSE) || (is_or && r == COND_TRUE))
			decided = true; /* keep going: report errors of later operands */
	}
	c->depth--;
	if (decided)
		return is_and ? COND_FALSE : COND_TRUE;
	if (unknown) {
		*why = unknown;
		return COND_UNKNOWN;
	}
	return is_and ? COND_TRUE : COND_FALSE;
}

/* AWS: "Conditions template section syntax",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html
 * — a named condition; names are any string of the Conditions section
 * (they may start with a digit: `2RouteTableCondition`). */
enum cfn_cond cfn_condition(struct cfn_ctx *c, const char *name, const struct ynode *at,
			    const struct nsim_cfn_value **why)
{
	struct cfn_condition *cond = nsim_hashmap_get(&c->condition_index, name);
	if (!cond) {
		cfn_error(c, at, "no condition named '%s' in the Conditions section", name);
		return COND_ERROR;
	}
	if (cond->state == CS_BUSY) {
		cfn_error(c, at, "condition '%s' depends on itself", name);
		return COND_ERROR;
	}
	if (cond->state == CS_NEW) {
		if (c->depth >= NSIM_CFN_MAX_DEPTH) {
			cfn_error(c, at, "conditions nested more than %d deep", NSIM_CFN_MAX_DEPTH);
			return COND_ERROR;
		}
		cond->state = CS_BUSY;
		const struct nsim_cfn_value *w = NULL;
		c->depth++;
		cond->value = cond_eval(c, cond->node, &w);
		c->depth--;
		cond->why = w;
		cond->state = CS_DONE;
	}
	if (cond->value == COND_UNKNOWN)
		*why = cond->why;
	return cond->value;
}
