/* SPDX-License-Identifier: MIT */
/*
 * Security groups by name: the VPC's default group, and bare names that
 * also name a group of a peered VPC.
 *
 * The VPC's default security group, by name. AWS: "Default security groups
 * for your VPCs",
 * https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
 * Every VPC has one, named `default`: an interface may be in it beside other
 * groups, and rules may name it. Its rules admit inbound traffic from its own
 * members and allow all outbound; they can be changed.
 *
 * netsim rule: a VPC's security group written with the name `default` is
 * that group, with the rules written (as a declarative tool does, e.g.
 * Terraform's aws_default_security_group: the rules listed replace AWS's
 * defaults). When the file names `default` (a host's security_groups, a
 * rule's source or destination) without writing it, it is added here with
 * AWS's rules. Either way, once it exists as a group, hosts and interface
 * endpoints that name no group are given it explicitly, so every later
 * stage sees one group.
 */
#include <errno.h>
#include <string.h>

#include "model/arena.h"
#include "validate/kinds.h"

static bool is_default(const char *name)
{
	return name && streq(name, "default");
}

/* Does `peer` (a rule's source or destination as written, in VPC `own`)
 * name the default group of VPC `v`? */
static bool peer_names(const struct nsim_topology *t, const char *peer, size_t own, size_t v)
{
	const char *slash, *vn = t->vpcs[v].name.name;

	if (!peer)
		return false;
	if (own == v && is_default(peer))
		return true;
	slash = strchr(peer, '/');
	return slash && vn && is_default(slash + 1) && strlen(vn) == (size_t)(slash - peer) &&
	       strncmp(peer, vn, (size_t)(slash - peer)) == 0;
}

static bool rules_name(const struct nsim_topology *t, const struct nsim_sg_rule *r, size_t n, size_t own, size_t v)
{
	for (size_t i = 0; i < n; i++)
		if (!r[i].peer_is_cidr && peer_names(t, r[i].peer.name, own, v))
			return true;
	return false;
}

static bool named(const struct nsim_topology *t, size_t v)
{
	const struct nsim_vpc *vpc = &t->vpcs[v];

	for (size_t i = 0; i < vpc->n_hosts; i++)
		for (size_t k = 0; k < vpc->hosts[i].n_security_groups; k++)
			if (is_default(vpc->hosts[i].security_groups[k].name))
				return true;
	for (size_t i = 0; i < vpc->n_endpoints; i++)
		for (size_t k = 0; k < vpc->endpoints[i].n_security_groups; k++)
			if (is_default(vpc->endpoints[i].security_groups[k].name))
				return true;
	for (size_t o = 0; o < t->n_vpcs; o++)
		for (size_t g = 0; g < t->vpcs[o].n_security_groups; g++) {
			const struct nsim_security_group *sg = &t->vpcs[o].security_groups[g];
			if (rules_name(t, sg->ingress, sg->n_ingress, o, v) || rules_name(t, sg->egress, sg->n_egress, o, v))
				return true;
		}
	return false;
}

static bool has_default(const struct nsim_vpc *vpc)
{
	for (size_t g = 0; g < vpc->n_security_groups; g++)
		if (is_default(vpc->security_groups[g].name.name))
			return true;
	return false;
}

/* Appends AWS's default group to vpc: inbound from its members, all outbound. */
static int add_default(struct nsim_topology *t, struct nsim_vpc *vpc)
{
	struct nsim_security_group *v = nsim_arena_alloc(t->arena, vpc->n_security_groups + 1, sizeof(*v));
	struct nsim_sg_rule *in = nsim_arena_alloc(t->arena, 1, sizeof(*in));

	if (!v || !in)
		return -ENOMEM;
	if (vpc->n_security_groups)
		memcpy(v, vpc->security_groups, vpc->n_security_groups * sizeof(*v));
	*in = (struct nsim_sg_rule){
		.pos = vpc->pos,
		.proto = NSIM_PROTO_ALL,
		.proto_pos = vpc->pos,
		.port_from = 0,
		.port_to = 65535,
		.ports_pos = vpc->pos,
		.peer = {.name = (char *)"default", .pos = vpc->pos},
		.peer_vpc = NSIM_NONE,
		.peer_sg = NSIM_NONE,
	};
	v[vpc->n_security_groups] = (struct nsim_security_group){
		.pos = vpc->pos,
		.name = {.name = (char *)"default", .pos = vpc->pos},
		.description = {.name = (char *)"the VPC's default security group (AWS's rules)", .pos = vpc->pos},
		.ingress = in,
		.n_ingress = 1,
		.has_egress = false,
	};
	vpc->security_groups = v;
	vpc->n_security_groups++;
	return 0;
}

int nsim_validate_default_sg(struct nsim_topology *t)
{
	for (size_t v = 0; v < t->n_vpcs; v++) {
		struct nsim_vpc *vpc = &t->vpcs[v];
		if (!has_default(vpc)) {
			if (!named(t, v))
				continue;
			if (add_default(t, vpc) < 0)
				return -ENOMEM;
		}
		for (size_t i = 0; i < vpc->n_hosts; i++) {
			struct nsim_host *h = &vpc->hosts[i];
			if (h->n_security_groups)
				continue;
			h->security_groups = nsim_arena_alloc(t->arena, 1, sizeof(*h->security_groups));
			if (!h->security_groups)
				return -ENOMEM;
			h->security_groups[0] = (struct nsim_ref){.name = (char *)"default", .pos = h->pos};
			h->n_security_groups = 1;
		}
		/* interface endpoints without groups are in the default group too,
		 * as AWS places them */
		for (size_t i = 0; i < vpc->n_endpoints; i++) {
			struct nsim_vpc_endpoint *e = &vpc->endpoints[i];
			if (e->type != NSIM_VPCE_INTERFACE || e->n_security_groups)
				continue;
			e->security_groups = nsim_arena_alloc(t->arena, 1, sizeof(*e->security_groups));
			if (!e->security_groups)
				return -ENOMEM;
			e->security_groups[0] = (struct nsim_ref){.name = (char *)"default", .pos = e->pos};
			e->n_security_groups = 1;
		}
	}
	return 0;
}

void nsim_validate_sg_ambiguous(const struct nsim_topology *t, size_t v, const struct nsim_security_group *sg,
				const struct nsim_sg_rule *r, const char *dir, struct nsim_diags *d)
{
	const char *name = r->peer.name, *vn = t->vpcs[v].name.name;

	/* every VPC has its own default group: a bare `default` is plainly this VPC's */
	if (!name || strchr(name, '/') || is_default(name))
		return;
	for (size_t o = 0; o < t->n_vpcs; o++) {
		const struct nsim_vpc *p = &t->vpcs[o];
		if (o == v || !nsim_topology_peered(t, v, o, NULL))
			continue;
		for (size_t g = 0; g < p->n_security_groups; g++) {
			if (!p->security_groups[g].name.name || !streq(p->security_groups[g].name.name, name))
				continue;
			/* A bare name is the rule's own VPC's group; a peered VPC's is
			 * written VPC/GROUP. AWS: "Update your security groups to
			 * reference peer security groups",
			 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html */
			nsim_diag_warning(d, r->peer.pos,
					  "security group '%s' (%s of a rule in '%s') means %s/%s, the group of the rule's "
					  "own VPC; the peered VPC '%s' also has a group named '%s': write '%s/%s' to mean "
					  "that one, or '%s/%s' to say this one plainly",
					  name, dir, sg->name.name ? sg->name.name : "?", vn ? vn : "?", name,
					  p->name.name ? p->name.name : "?", name, p->name.name ? p->name.name : "?", name,
					  vn ? vn : "?", name);
			return;
		}
	}
}
