/* SPDX-License-Identifier: MIT */
/*
 * Route 53 private hosted zones -> route53.private_zones: a zone associated with VPCs of the template,
 * its A and CNAME records. A public zone (no VPCs) answers nothing inside a VPC: a note, as for other
 * types that are not part of the network.
 * AWS::Route53::HostedZone: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-hostedzone.html
 * AWS::Route53::RecordSet: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-recordset.html
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "import/import-internal.h"

/* A DNS name without its final dot. */
static const char *no_dot(struct imp_ctx *c, const char *s)
{
	size_t n = strlen(s);
	if (n > 1 && s[n - 1] == '.')
		return imp_check(c, nsim_arena_strndup(c->arena, s, n - 1));
	return s;
}

static void map_zone(struct imp_ctx *c, struct imp_obj *o, struct nsim_emit_node *zones)
{
	const struct nsim_cfn_value *vpcs = nsim_cfn_get(o->res->properties, "VPCs");
	const char *name = nsim_cfn_str(nsim_cfn_get(o->res->properties, "Name"));
	o->done = true;
	if (!name) {
		imp_note(c, o->res, nsim_cfn_get(o->res->properties, "Name"), "a private hosted zone whose Name is not "
			 "known: left out");
		return;
	}
	struct nsim_emit_node *list = imp_check(c, nsim_emit_seq(c->arena));
	if (!list)
		return;
	list->flow = true;
	for (size_t i = 0; vpcs && vpcs->kind == NSIM_CFN_LIST && i < vpcs->n; i++) {
		const struct nsim_cfn_value *id = nsim_cfn_get(vpcs->items[i], "VPCId");
		struct imp_obj *vpc = id && id->kind == NSIM_CFN_REF ? imp_find(c, id->ref.logical_id) : NULL;
		if (!vpc || vpc->kind != IMP_VPC || !vpc->node) {
			imp_note(c, o->res, id ? id : vpcs->items[i], "a VPC outside the template (%s): left out of the "
				 "zone's VPCs", id ? imp_describe(c, id) : "no VPCId");
			continue;
		}
		IMP_TRY(c, nsim_emit_push(c->arena, list, nsim_emit_scalar(c->arena, vpc->name)));
	}
	if (!list->n) {
		imp_note(c, o->res, vpcs, "a private hosted zone with no VPC of the template: left out");
		return;
	}
	struct nsim_emit_node *z = imp_obj_node(c, o, false);
	if (!z)
		return;
	/* a zone's name is a DNS name, not a component name: the kebab name imp_obj_node() wrote is replaced */
	IMP_TRY(c, nsim_emit_set_str(c->arena, z, "name", no_dot(c, name)));
	IMP_TRY(c, nsim_emit_set(c->arena, z, "vpcs", list));
	IMP_TRY(c, nsim_emit_push(c->arena, zones, z));
}

/* The zone of a record (HostedZoneId: a Ref; HostedZoneName: its name), or NULL. */
static struct imp_obj *record_zone(struct imp_ctx *c, const struct nsim_cfn_value *props)
{
	const struct nsim_cfn_value *id = nsim_cfn_get(props, "HostedZoneId");
	if (id && id->kind == NSIM_CFN_REF) {
		struct imp_obj *z = imp_find(c, id->ref.logical_id);
		return z && z->node && streq(z->res->type, "AWS::Route53::HostedZone") ? z : NULL;
	}
	const char *name = nsim_cfn_str(nsim_cfn_get(props, "HostedZoneName"));
	for (size_t i = 0; name && i < c->n_objs; i++) {
		struct imp_obj *z = &c->objs[i];
		const char *zn = z->node ? nsim_emit_get_str(z->node, "name") : NULL;
		if (streq(z->res->type, "AWS::Route53::HostedZone") && zn && strcasecmp(no_dot(c, name), zn) == 0)
			return z;
	}
	return NULL;
}

/* One record set (`props`, of resource `o`) as a record of its zone. */
static void map_record(struct imp_ctx *c, struct imp_obj *o, struct imp_obj *zone,
		       const struct nsim_cfn_value *props, const struct nsim_cfn_value *at)
{
	const char *name = nsim_cfn_str(nsim_cfn_get(props, "Name"));
	const char *type = nsim_cfn_str(nsim_cfn_get(props, "Type"));
	const struct nsim_cfn_value *rrs = nsim_cfn_get(props, "ResourceRecords");
	if (!zone) {
		imp_note(c, o->res, at, "not in a private hosted zone of the template: not part of the network");
		return;
	}
	if (nsim_cfn_get(props, "AliasTarget")) {
		imp_note(c, o->res, nsim_cfn_get(props, "AliasTarget"), "netsim import does not map alias records yet");
		return;
	}
	if (!name || !type || (strcmp(type, "A") && strcmp(type, "CNAME")) || !rrs || rrs->kind != NSIM_CFN_LIST ||
	    !rrs->n) {
		imp_note(c, o->res, at, "a %s record: netsim models A and CNAME records with a known name and value; "
			 "left out", type ? type : "?");
		return;
	}
	if (rrs->n > 1)
		imp_note(c, o->res, rrs, "%zu values: netsim keeps one record per name, the first", rrs->n);
	const struct nsim_cfn_value *v = rrs->items[0];
	const char *value = NULL, *out_type = type;
	if (v->kind == NSIM_CFN_REF) {
		/* an instance's PrivateIp, a database's or load balancer's endpoint: the host itself */
		struct imp_obj *t = imp_find(c, v->ref.logical_id);
		const char *attr = v->ref.attr ? v->ref.attr : "";
		if (t && t->n_hosts && (streq(attr, "PrivateIp") || strstr(attr, "Endpoint.Address") || streq(attr, "DNSName"))) {
			value = t->hosts[0]->name;
			if (streq(type, "CNAME"))
				imp_note(c, o->res, v, "a CNAME to %s's endpoint: imported as an A record of its host %s",
					 t->res->logical_id, value);
			out_type = "A";
		}
	} else {
		value = nsim_cfn_str(v);
	}
	if (!value) {
		imp_note(c, o->res, v, "its value is %s, which netsim import cannot resolve: left out", imp_describe(c, v));
		return;
	}
	struct nsim_emit_node *r = imp_check(c, nsim_emit_flow_map(c->arena));
	if (!r)
		return;
	/* an absolute name, with its final dot, as the format allows inside the zone */
	size_t n = strlen(name);
	IMP_TRY(c, nsim_emit_set_str(c->arena, r, "name",
				     n && name[n - 1] == '.' ? name : imp_check(c, nsim_arena_printf(c->arena, "%s.", name))));
	IMP_TRY(c, nsim_emit_set_str(c->arena, r, "type", out_type));
	IMP_TRY(c, nsim_emit_set_str(c->arena, r, "value", value));
	r->trailing = imp_check(c, nsim_arena_printf(c->arena, "%s (%s)", o->res->logical_id, o->res->type));
	IMP_TRY(c, nsim_emit_push(c->arena, imp_check(c, nsim_emit_child_seq(c->arena, zone->node, "records")), r));
}

void imp_route53(struct imp_ctx *c)
{
	struct nsim_emit_node *zones = NULL;
	for (size_t i = 0; i < c->n_objs; i++) {
		struct imp_obj *o = &c->objs[i];
		if (o->done || !streq(o->res->type, "AWS::Route53::HostedZone") || !nsim_cfn_get(o->res->properties, "VPCs"))
			continue;
		if (!zones) {
			struct nsim_emit_node *r53 = imp_check(c, nsim_emit_child_map(c->arena, c->root, "route53"));
			zones = r53 ? imp_check(c, nsim_emit_child_seq(c->arena, r53, "private_zones")) : NULL;
			if (!zones)
				return;
		}
		map_zone(c, o, zones);
	}
	if (!zones)
		return;
	for (size_t i = 0; i < c->n_objs; i++) {
		struct imp_obj *o = &c->objs[i];
		if (o->done)
			continue;
		if (streq(o->res->type, "AWS::Route53::RecordSet")) {
			o->done = true;
			map_record(c, o, record_zone(c, o->res->properties), o->res->properties, NULL);
		} else if (streq(o->res->type, "AWS::Route53::RecordSetGroup")) {
			/* AWS::Route53::RecordSetGroup: the group's zone, unless a record set names its own */
			o->done = true;
			const struct nsim_cfn_value *sets = nsim_cfn_get(o->res->properties, "RecordSets");
			struct imp_obj *group_zone = record_zone(c, o->res->properties);
			for (size_t k = 0; sets && sets->kind == NSIM_CFN_LIST && k < sets->n; k++) {
				const struct nsim_cfn_value *rs = sets->items[k];
				bool own = nsim_cfn_get(rs, "HostedZoneId") || nsim_cfn_get(rs, "HostedZoneName");
				map_record(c, o, own ? record_zone(c, rs) : group_zone, rs, rs);
			}
		}
	}
}
