/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import/cfn-internal.h"
#include "model/hashmap.h"

/* A mapping's value for a scalar key, or NULL. */
static const struct ynode *map_get(const struct ynode *m, const char *key)
{
	if (!m || m->type != Y_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		if (m->items[2 * i]->type == Y_SCALAR && streq(m->items[2 * i]->value, key))
			return m->items[2 * i + 1];
	return NULL;
}

static struct nsim_pos pos_at(const struct cfn_ctx *c, const struct ynode *n)
{
	return (struct nsim_pos){.file = c->file, .line = n ? n->line : 0, .col = n ? n->col : 0};
}

size_t cfn_resource_index(const struct cfn_ctx *c, const char *name)
{
	uintptr_t i = (uintptr_t)nsim_hashmap_get(&c->resource_index, name);
	return i ? (size_t)(i - 1) : SIZE_MAX;
}

struct nsim_cfn_value *cfn_parameter(const struct cfn_ctx *c, const char *name)
{
	const struct nsim_cfn_parameter *p = nsim_hashmap_get(&c->parameter_index, name);
	return p ? p->value : NULL;
}

/* name -> value, the first one of a name (a later duplicate is reported by the caller) */
static void index_put(struct cfn_ctx *c, struct nsim_hashmap *m, const char *name, void *value)
{
	if (!nsim_hashmap_get(m, name) && nsim_hashmap_put(m, name, value) < 0) {
		c->diags->oom = true;
		c->failed = true;
	}
}

static bool is_list_type(const char *type)
{
	return strncmp(type, "List<", 5) == 0 || streq(type, "CommaDelimitedList") ||
	       strstr(type, "<List<") || strstr(type, "<CommaDelimitedList>");
}

/* A scalar written as a parameter's Default or AllowedValues item: its text. */
static const char *literal_text(const struct ynode *n)
{
	return n && n->type == Y_SCALAR ? n->value : NULL;
}

/* AWS: "Parameters template section syntax",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
 * — the value is the override (--parameter, CloudFormation's
 * ParameterValue) or Default; List<...> and CommaDelimitedList values are
 * comma-separated, each member trimmed of spaces; Number must be a number;
 * the value must be one of AllowedValues. Without either, CloudFormation asks
 * for one: netsim keeps it OPAQUE and import/ says which to give when the
 * network depends on it. */
static struct nsim_cfn_value *parameter_value(struct cfn_ctx *c, struct nsim_cfn_parameter *p,
					      const struct ynode *name_node, const struct ynode *def,
					      const char *override)
{
	const struct ynode *dflt = map_get(def, "Default");
	const struct ynode *at = override ? name_node : dflt ? dflt : name_node;
	const char *raw = override;
	if (!raw && dflt) {
		raw = literal_text(dflt);
		if (!raw && dflt->type == Y_SEQ && is_list_type(p->type)) {
			/* a list written as YAML: take it as the comma string CloudFormation wants */
			struct nsim_cfn_value *l = cfn_resolve(c, dflt);
			if (l && l->kind == NSIM_CFN_LIST)
				return l;
			return NULL;
		}
		if (!raw) {
			cfn_error(c, dflt, "parameter %s: Default must be a string", p->name);
			return NULL;
		}
	}
	if (!raw || (strncmp(p->type, "AWS::SSM::Parameter::Value<", 27) == 0 && !override)) {
		const char *why = !raw ? nsim_arena_printf(c->arena, "parameter %s has no value; give it with --parameter %s=…",
							   p->name, p->name)
				       : nsim_arena_printf(c->arena,
							   "parameter %s is read from SSM Parameter Store (%s) when the "
							   "stack is created; give its value with --parameter %s=…",
							   p->name, raw, p->name);
		struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_OPAQUE, at);
		if (!v || !why || !(v->str = nsim_arena_printf(c->arena, "!Ref %s", p->name)))
			return v ? (c->diags->oom = true, NULL) : NULL;
		v->len = strlen(v->str);
		v->reason = why;
		v->param = p->name;
		return v;
	}
	if (is_list_type(p->type)) {
		struct nsim_cfn_value *v = cfn_value(c, NSIM_CFN_LIST, at);
		size_t n = 1;
		for (const char *q = raw; *q; q++)
			n += *q == ',';
		if (!v || !(v->items = nsim_arena_alloc(c->arena, n, sizeof(*v->items))))
			return v ? (c->diags->oom = true, NULL) : NULL;
		for (const char *q = raw; *raw;) {
			const char *comma = strchr(q, ',');
			size_t len = comma ? (size_t)(comma - q) : strlen(q);
			const char *b = q, *e = q + len;
			while (b < e && (*b == ' ' || *b == '\t'))
				b++;
			while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if (!(v->items[v->n++] = cfn_string(c, at, b, (size_t)(e - b))))
				return NULL;
			if (!comma)
				break;
			q = comma + 1;
		}
		return v;
	}
	struct nsim_cfn_value *v = cfn_string(c, at, raw, strlen(raw));
	if (v && streq(p->type, "Number")) {
		char *end;
		errno = 0;
		(void)strtod(raw, &end);
		if (!*raw || *end) {
			cfn_error(c, at, "parameter %s: '%s' is not a number (its Type is Number)", p->name, raw);
			return NULL;
		}
		v->kind = NSIM_CFN_NUMBER;
	}
	return v;
}

/* "a, b, c" for a sequence of scalars (AllowedValues in a message). */
static const char *describe_literal(struct cfn_ctx *c, const struct ynode *seq)
{
	const char *out = "";
	for (size_t i = 0; i < seq->n && out; i++) {
		const char *s = literal_text(seq->items[i]);
		out = nsim_arena_printf(c->arena, "%s%s%s", out, i ? ", " : "", s ? s : "…");
	}
	return out ? out : "…";
}

static bool allowed(const struct ynode *av, const char *s)
{
	for (size_t i = 0; i < av->n; i++) {
		const char *a = literal_text(av->items[i]);
		if (a && streq(a, s))
			return true;
	}
	return false;
}

static void load_parameters(struct cfn_ctx *c, const struct ynode *sec, const struct nsim_cfn_param *params,
			    size_t n_params)
{
	bool *used = n_params ? calloc(n_params, sizeof(*used)) : NULL;
	if (n_params && !used) {
		c->diags->oom = true;
		c->failed = true;
		return;
	}
	if (sec && sec->type != Y_MAP) {
		cfn_error(c, sec, "Parameters must be a mapping of parameter names to declarations");
		sec = NULL;
	}
	size_t n = sec ? sec->n : 0;
	c->t->parameters = nsim_arena_alloc(c->arena, n ? n : 1, sizeof(*c->t->parameters));
	if (!c->t->parameters) {
		free(used);
		c->diags->oom = true;
		c->failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ynode *k = sec->items[2 * i], *def = sec->items[2 * i + 1];
		const char *type = literal_text(map_get(def, "Type"));
		if (k->type != Y_SCALAR || def->type != Y_MAP || !type) {
			cfn_error(c, k, "parameter %s: a parameter is a mapping with a Type",
				  k->type == Y_SCALAR ? k->value : "");
			continue;
		}
		if (!streq(type, "String") && !streq(type, "Number") && !streq(type, "CommaDelimitedList") &&
		    strncmp(type, "List<", 5) != 0 && strncmp(type, "AWS::", 5) != 0) {
			/* AWS: the Type values of "Parameters template section syntax" (above) */
			cfn_error(c, map_get(def, "Type"), "parameter %s: '%s' is not a parameter type (String, Number, "
				  "List<Number>, CommaDelimitedList, an AWS-specific type such as AWS::EC2::Subnet::Id, "
				  "List<...>, AWS::SSM::Parameter::Value<...>)", k->value, type);
			continue;
		}
		struct nsim_cfn_parameter *p = &c->t->parameters[c->t->n_parameters];
		*p = (struct nsim_cfn_parameter){.name = k->value, .type = type, .line = k->line, .col = k->col};
		const char *override = NULL;
		for (size_t j = 0; j < n_params; j++)
			if (streq(params[j].key, p->name)) {
				override = params[j].value; /* the last one given wins */
				used[j] = true;
			}
		p->overridden = override != NULL;
		p->value = parameter_value(c, p, k, def, override);
		if (!p->value)
			continue;
		c->t->n_parameters++;
		index_put(c, &c->parameter_index, p->name, p);
		const struct ynode *av = map_get(def, "AllowedValues");
		if (av && av->type == Y_SEQ && p->value->kind != NSIM_CFN_OPAQUE) {
			bool list = p->value->kind == NSIM_CFN_LIST;
			for (size_t j = 0; j < (list ? p->value->n : 1); j++) {
				const char *s = nsim_cfn_str(list ? p->value->items[j] : p->value);
				if (s && !allowed(av, s))
					cfn_error(c, override ? k : map_get(def, "Default"),
						  "parameter %s: '%s' is not one of its AllowedValues (%s)", p->name, s,
						  describe_literal(c, av));
			}
		}
	}
	for (size_t j = 0; j < n_params; j++)
		if (!used[j])
			cfn_error(c, NULL, "--parameter %s: the template has no parameter %s", params[j].key,
				  params[j].key);
	free(used);
}

/* AWS: "Conditions template section syntax",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html */
static void load_conditions(struct cfn_ctx *c, const struct ynode *sec)
{
	if (!sec)
		return;
	if (sec->type != Y_MAP) {
		cfn_error(c, sec, "Conditions must be a mapping of condition names to condition functions");
		return;
	}
	c->conds = nsim_arena_alloc(c->arena, sec->n ? sec->n : 1, sizeof(*c->conds));
	if (!c->conds) {
		c->diags->oom = true;
		c->failed = true;
		return;
	}
	for (size_t i = 0; i < sec->n; i++) {
		const struct ynode *k = sec->items[2 * i];
		if (k->type != Y_SCALAR) {
			cfn_error(c, k, "a condition's name must be a string");
			continue;
		}
		c->conds[c->n_conds] = (struct cfn_condition){.name = k->value, .node = sec->items[2 * i + 1]};
		index_put(c, &c->condition_index, k->value, &c->conds[c->n_conds]);
		c->n_conds++;
	}
	/* CloudFormation checks every condition, used or not */
	for (size_t i = 0; i < c->n_conds; i++) {
		const struct nsim_cfn_value *why = NULL;
		(void)cfn_condition(c, c->conds[i].name, c->conds[i].node, &why);
	}
}

/* AWS: "Resources template section syntax" (Type, Properties, Condition, DependsOn),
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html */
static void load_resources(struct cfn_ctx *c, const struct ynode *sec)
{
	struct nsim_cfn_template *t = c->t;
	bool *present = nsim_arena_alloc(c->arena, sec->n ? sec->n : 1, sizeof(*present));
	t->resources = nsim_arena_alloc(c->arena, sec->n ? sec->n : 1, sizeof(*t->resources));
	if (!present || !t->resources) {
		c->diags->oom = true;
		c->failed = true;
		return;
	}
	struct nsim_cfn_resource *all = nsim_arena_alloc(c->arena, sec->n ? sec->n : 1, sizeof(*all));
	if (!all) {
		c->diags->oom = true;
		c->failed = true;
		return;
	}
	/* first which resources exist: a Ref to one that does not is an error */
	for (size_t i = 0; i < sec->n; i++) {
		const struct ynode *k = sec->items[2 * i], *def = sec->items[2 * i + 1];
		struct nsim_cfn_resource *r = &all[i];
		if (k->type != Y_SCALAR || !*k->value) {
			cfn_error(c, k, "a resource's logical ID must be a string");
			continue;
		}
		/* AWS: "The logical ID must be alphanumeric (A-Za-z0-9) and unique within the template",
		 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html */
		bool alnum = true;
		for (const char *q = k->value; *q; q++)
			alnum = alnum && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'));
		if (!alnum) {
			cfn_error(c, k, "resource '%s': a logical ID is letters and digits only (A-Za-z0-9)", k->value);
			continue;
		}
		if (cfn_resource_index(c, k->value) != i) {
			cfn_error(c, k, "resource %s is declared twice", k->value);
			continue;
		}
		r->logical_id = k->value;
		r->line = k->line;
		r->col = k->col;
		const char *type = literal_text(map_get(def, "Type"));
		if (def->type != Y_MAP || !type || !*type) {
			cfn_error(c, k, "resource %s has no Type", k->value);
			continue;
		}
		r->type = type;
		static const char *const attrs[] = {"Type", "Properties", "Condition", "DependsOn", "Metadata",
						    "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy",
						    "CreationPolicy", "Version", "Connectors"};
		for (size_t j = 0; j < def->n; j++) {
			const struct ynode *a = def->items[2 * j];
			bool known = false;
			for (size_t m = 0; m < ELEMENTSOF(attrs) && !known; m++)
				known = a->type == Y_SCALAR && streq(a->value, attrs[m]);
			if (!known)
				nsim_diag_warning(c->diags, pos_at(c, a),
						  "resource %s: '%s' is not a resource attribute (Type, Properties, Condition, "
						  "DependsOn, ...): ignored", k->value, a->type == Y_SCALAR ? a->value : "");
		}
		const struct ynode *cond = map_get(def, "Condition");
		present[i] = true;
		if (cond) {
			const char *name = cfn_scalar_text(cond);
			const struct nsim_cfn_value *why = NULL;
			if (!name) {
				cfn_error(c, cond, "resource %s: Condition must be a condition's name", k->value);
				present[i] = false;
				continue;
			}
			r->condition = name;
			c->resource = r;
			enum cfn_cond value = cfn_condition(c, name, cond, &why);
			c->resource = NULL;
			switch (value) {
			case COND_TRUE:
				break;
			case COND_FALSE:
			case COND_ERROR:
				present[i] = false;
				break;
			case COND_UNKNOWN:
				r->condition_unknown = true;
				r->condition_why = why;
				break;
			}
		}
	}
	c->present = present;
	for (size_t i = 0; i < sec->n; i++) {
		if (!present[i])
			continue;
		const struct ynode *def = sec->items[2 * i + 1];
		struct nsim_cfn_resource *r = &all[i];
		const struct ynode *props = map_get(def, "Properties");
		if (props) {
			c->resource = r;
			struct nsim_cfn_value *v = cfn_resolve(c, props);
			c->resource = NULL;
			if (!v)
				continue;
			if (v != CFN_NOVALUE && v->kind == NSIM_CFN_MAP)
				r->properties = v;
			else if (v != CFN_NOVALUE && v->kind != NSIM_CFN_NULL) {
				cfn_error(c, props, "resource %s: Properties must be a mapping", r->logical_id);
				continue;
			}
		}
		const struct ynode *dep = map_get(def, "DependsOn");
		if (dep) {
			size_t n = dep->type == Y_SEQ ? dep->n : 1;
			const char **names = nsim_arena_alloc(c->arena, n + 1, sizeof(*names));
			if (!names) {
				c->diags->oom = true;
				c->failed = true;
				return;
			}
			for (size_t j = 0; j < n; j++) {
				const char *s = cfn_scalar_text(dep->type == Y_SEQ ? dep->items[j] : dep);
				if (!s) {
					cfn_error(c, dep, "resource %s: DependsOn names resources", r->logical_id);
					break;
				}
				/* a resource the template lacks (SAM may generate it) */
				if (cfn_resource_index(c, s) == SIZE_MAX && !c->t->sam)
					cfn_error(c, dep->type == Y_SEQ ? dep->items[j] : dep,
						  "resource %s: DependsOn %s, a resource the template does not declare",
						  r->logical_id, s);
				names[j] = s;
			}
			r->depends_on = names;
		}
		t->resources[t->n_resources++] = *r;
	}
}

static int load_template(struct cfn_ctx *c, struct nsim_arena *arena, const char *file, const char *data,
			 size_t len, const struct nsim_cfn_param *params, size_t n_params, const char *region,
			 struct nsim_diags *diags, struct nsim_cfn_template **ret_template)
{
	size_t errors0 = diags->n_errors, first = diags->n;
	struct ynode *root = NULL;
	int r = nsim_yaml_tree_parse_max_scalar(arena, file, data, len, NSIM_CFN_MAX_SCALAR, diags, &root);
	if (r < 0) {
		/* a JSON template is read as YAML (JSON is YAML 1.2's flow style): call its errors JSON's */
		size_t i = 0;
		while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
			i++;
		for (size_t k = first; i < len && data[i] == '{' && k < diags->n; k++)
			if (strncmp(diags->items[k].message, "YAML syntax:", 12) == 0)
				memcpy(diags->items[k].message, "JSON", 4);
		return r;
	}
	struct nsim_cfn_template *t = nsim_arena_alloc(arena, 1, sizeof(*t));
	if (!t || !(t->file = nsim_arena_strdup(arena, file)) ||
	    !(t->region = nsim_arena_strdup(arena, region && *region ? region : NSIM_CFN_DEFAULT_REGION)))
		return -ENOMEM;
	c->arena = arena;
	c->file = t->file;
	c->diags = diags;
	c->t = t;
	/* AWS: "Template anatomy" (the sections),
	 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html */
	if (!root || root->type != Y_MAP) {
		cfn_error(c, root, "not a CloudFormation template: expected a mapping with a Resources section");
		return diags->oom ? -ENOMEM : -EINVAL;
	}
	const struct ynode *resources = NULL, *parameters = NULL, *conditions = NULL, *globals = NULL;
	for (size_t i = 0; i < root->n; i++) {
		const struct ynode *k = root->items[2 * i], *v = root->items[2 * i + 1];
		const char *key = k->type == Y_SCALAR ? k->value : "";
		if (streq(key, "Resources"))
			resources = v;
		else if (streq(key, "Parameters"))
			parameters = v;
		else if (streq(key, "Conditions"))
			conditions = v;
		else if (streq(key, "Mappings")) {
			if (v->type != Y_MAP)
				cfn_error(c, v, "Mappings must be a mapping");
			c->mappings = v;
		} else if (streq(key, "Globals"))
			globals = v;
		else if (streq(key, "AWSTemplateFormatVersion")) {
			/* a plain 2010-09-09 is this string (libyaml types nothing) */
			const char *s = literal_text(v);
			if (!s || !streq(s, "2010-09-09"))
				cfn_error(c, v, "AWSTemplateFormatVersion: the only version is 2010-09-09");
		} else if (streq(key, "Description")) {
			t->description = literal_text(v);
		} else if (streq(key, "Transform")) {
			/* AWS SAM: "Transform: AWS::Serverless-2016-10-31",
			 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy.html */
			size_t n = v->type == Y_SEQ ? v->n : 1;
			for (size_t j = 0; j < n; j++) {
				const struct ynode *x = v->type == Y_SEQ ? v->items[j] : v;
				const char *s = literal_text(x);
				if (s && streq(s, "AWS::Serverless-2016-10-31"))
					t->sam = true;
				else if (!s || !streq(s, "AWS::LanguageExtensions"))
					nsim_diag_note(diags, pos_at(c, x),
						       "Transform %s: a macro netsim does not run; the template is "
						       "imported as written", s ? s : "(a macro with parameters)");
			}
		} else if (streq(key, "Rules")) {
			/* AWS: "Rules template section syntax",
			 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html */
			nsim_diag_note(diags, pos_at(c, k),
				       "Rules: not evaluated (they check parameter values when a stack is created; "
				       "netsim uses the values as given)");
		} else if (streq(key, "Outputs")) {
			nsim_diag_note(diags, pos_at(c, k), "Outputs: not part of the network");
		} else if (streq(key, "Metadata")) {
		} else {
			nsim_diag_warning(diags, pos_at(c, k), "'%s' is not a section of a CloudFormation template "
					  "(ignored)", key);
		}
	}
	if (!resources || resources->type != Y_MAP || resources->n == 0) {
		cfn_error(c, resources ? resources : root, "the template has no Resources (CloudFormation requires "
			  "at least one resource)");
		return diags->oom ? -ENOMEM : -EINVAL;
	}
	c->resources = resources;
	for (size_t i = 0; i < resources->n; i++)
		if (resources->items[2 * i]->type == Y_SCALAR)
			index_put(c, &c->resource_index, resources->items[2 * i]->value, (void *)(uintptr_t)(i + 1));
	load_parameters(c, parameters, params, n_params);
	load_conditions(c, conditions);
	if (globals) {
		struct nsim_cfn_value *g = cfn_resolve(c, globals);
		if (g && g != CFN_NOVALUE && g->kind == NSIM_CFN_MAP)
			t->globals = g;
		else if (g)
			cfn_error(c, globals, "Globals must be a mapping");
	}
	load_resources(c, resources);
	if (diags->oom)
		return -ENOMEM;
	if (c->failed || diags->n_errors > errors0)
		return -EINVAL;
	*ret_template = t;
	return 0;
}

int nsim_cfn_load(struct nsim_arena *arena, const char *file, const char *data, size_t len,
		  const struct nsim_cfn_param *params, size_t n_params, const char *region,
		  struct nsim_diags *diags, struct nsim_cfn_template **ret_template)
{
	struct cfn_ctx c = {0};
	int r = load_template(&c, arena, file, data, len, params, n_params, region, diags, ret_template);
	nsim_hashmap_clear(&c.resource_index, NULL);
	nsim_hashmap_clear(&c.parameter_index, NULL);
	nsim_hashmap_clear(&c.condition_index, NULL);
	return r;
}
const struct nsim_cfn_value *nsim_cfn_get(const struct nsim_cfn_value *map, const char *key)
{
	if (!map || map->kind != NSIM_CFN_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (streq(map->keys[i], key))
			return map->items[i];
	return NULL;
}

const char *nsim_cfn_str(const struct nsim_cfn_value *v)
{
	if (!v)
		return NULL;
	switch (v->kind) {
	case NSIM_CFN_STRING:
	case NSIM_CFN_NUMBER:
		return v->str;
	case NSIM_CFN_BOOL:
		return v->b ? "true" : "false";
	default:
		return NULL;
	}
}

int nsim_cfn_bool(const struct nsim_cfn_value *v, bool *ret_bool)
{
	if (v && v->kind == NSIM_CFN_BOOL) {
		*ret_bool = v->b;
		return 0;
	}
	if (v && v->kind == NSIM_CFN_STRING) {
		if (strcasecmp(v->str, "true") == 0) {
			*ret_bool = true;
			return 0;
		}
		if (strcasecmp(v->str, "false") == 0) {
			*ret_bool = false;
			return 0;
		}
	}
	return -EINVAL;
}

int nsim_cfn_int(const struct nsim_cfn_value *v, long long *ret_int)
{
	if (!v || (v->kind != NSIM_CFN_NUMBER && v->kind != NSIM_CFN_STRING))
		return -EINVAL;
	const char *s = v->str;
	if (!*s || (!(*s >= '0' && *s <= '9') && *s != '-' && *s != '+'))
		return -EINVAL;
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		return -EINVAL;
	*ret_int = x;
	return 0;
}

const struct nsim_cfn_resource *nsim_cfn_resource(const struct nsim_cfn_template *t, const char *id)
{
	for (size_t i = 0; i < t->n_resources; i++)
		if (streq(t->resources[i].logical_id, id))
			return &t->resources[i];
	return NULL;
}

