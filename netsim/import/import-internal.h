/* SPDX-License-Identifier: MIT */
/* Shared by the mapping files of import/ (import.c, ec2.c, compute.c, intent.c). */
#pragma once

#include <errno.h>
#include <stdint.h>

#include "import/import.h"
#include "model/net.h"

#define IMP_NAME_MAX 32  /* component names: docs/topology.md, Names and positions */
#define IMP_MAX_SGS 5    /* groups per network interface (Amazon VPC quotas) */

enum imp_kind {
	IMP_NONE = 0,
	IMP_VPC,
	IMP_IGW,
	IMP_SUBNET,
	IMP_RTB,
	IMP_NAT,
	IMP_EIP,
	IMP_SG,
	IMP_ACL,
	IMP_PEERING,
	IMP_ENDPOINT,
	IMP_PREFIX_LIST,
	IMP_SUBNET_GROUP, /* RDS, ElastiCache, MemoryDB, DMS: a list of subnets */
	IMP_HOSTS,        /* a resource that became one or more hosts */
	IMP_LISTENER,
	IMP_OTHER,        /* handled, no object of its own */
};

struct imp_host;

/* One resource of the template and what it became. */
struct imp_obj {
	const struct nsim_cfn_resource *res;
	enum imp_kind kind;
	const char *name;             /* its netsim name (kebab case, unique in the file) */
	struct nsim_emit_node *node;  /* its mapping in the output */
	struct imp_obj *vpc;          /* the VPC of a subnet, table, group, ACL, NAT, endpoint */
	bool done;                    /* mapped, or reported */
	/* VPC */
	struct nsim_cidr cidr;        /* also SUBNET */
	struct imp_obj *igw;
	/* SUBNET */
	struct imp_obj *rtb;
	bool map_public_ip;
	uint32_t *used;               /* addresses handed out */
	size_t n_used;
	/* RTB */
	bool to_igw;
	/* EIP */
	const char *address;
	struct imp_obj *eip_instance;
	/* SG: inline egress given (replaces AWS's default allow-all rule) */
	bool egress_inline, egress_standalone;
	bool is_default;              /* SG: a VPC's default group (its DefaultSecurityGroup) */
	struct imp_obj *default_sg;   /* VPC: its default group, once the template names it */
	/* SUBNET_GROUP */
	const struct nsim_cfn_value *subnet_ids;
	/* HOSTS */
	struct imp_host *hosts[8];
	size_t n_hosts;
};

/* A rule of a security group that names another group: what --expect intent proves. */
struct imp_sg_rule {
	struct imp_obj *group;        /* the group the rule is in */
	struct imp_obj *source;       /* the group it admits, or NULL: the CIDR */
	struct nsim_cidr cidr;        /* when source is NULL: a block of the group's VPC it admits */
	const char *protocol;         /* tcp, udp, icmp, all */
	unsigned from, to;            /* ports (tcp/udp) */
	const struct nsim_cfn_resource *res; /* the rule's resource (a SecurityGroupIngress, or the group) */
};

struct imp_host {
	const char *name;
	const struct nsim_cfn_resource *res;
	struct imp_obj *subnet;
	struct imp_obj *sgs[IMP_MAX_SGS];
	size_t n_sgs;
	struct nsim_emit_node *node;
	struct nsim_emit_node *listen; /* a flow SEQ of services */
	bool public;                   /* given a public IP */
};

struct imp_ctx {
	struct nsim_arena *arena;
	const struct nsim_cfn_template *t;
	const struct nsim_import_options *opts;
	struct nsim_diags *diags;
	struct imp_obj *objs; /* one per resource, template order */
	size_t n_objs;
	struct nsim_emit_node *root, *vpcs, *peerings;
	struct imp_host **hosts;
	size_t n_hosts, cap_hosts;
	struct imp_sg_rule *rules;
	size_t n_rules, cap_rules;
	const char **names; /* every name handed out, for uniqueness */
	size_t n_names, cap_names;
	unsigned next_public; /* chosen public addresses: 203.0.113.10 upwards */
	int oom;              /* -ENOMEM once an allocation failed */
};

/* Positions and messages. */
struct nsim_pos imp_pos(const struct imp_ctx *c, const struct nsim_cfn_resource *res);
struct nsim_pos imp_vpos(const struct imp_ctx *c, const struct nsim_cfn_resource *res,
			 const struct nsim_cfn_value *v);
void imp_error(struct imp_ctx *c, const struct nsim_cfn_resource *res, const struct nsim_cfn_value *v,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void imp_warning(struct imp_ctx *c, const struct nsim_cfn_resource *res, const struct nsim_cfn_value *v,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void imp_note(struct imp_ctx *c, const struct nsim_cfn_resource *res, const struct nsim_cfn_value *v,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *imp_describe(struct imp_ctx *c, const struct nsim_cfn_value *v);
/* Records an allocation failure (NULL p); returns p. */
void *imp_check(struct imp_ctx *c, void *p);
#define IMP_TRY(c, expr) do { if ((expr) < 0) (c)->oom = -ENOMEM; } while (0)

/* The object a property refers to (a Ref, or a GetAtt of `attr`s), of kind `kind`; else an error naming
 * the resource, the key and what it holds (an ID from outside the template, a parameter without value),
 * and NULL. `what` names the expected thing in the message ("a VPC"). */
struct imp_obj *imp_ref(struct imp_ctx *c, const struct nsim_cfn_resource *res, const char *key,
			const struct nsim_cfn_value *v, enum imp_kind kind, const char *what);
/* As imp_ref(), but no error when the key is absent (NULL v): NULL then. */
struct imp_obj *imp_ref_opt(struct imp_ctx *c, const struct nsim_cfn_resource *res, const char *key,
			    const struct nsim_cfn_value *v, enum imp_kind kind, const char *what);
struct imp_obj *imp_obj_of(struct imp_ctx *c, const struct nsim_cfn_resource *res);

/* A mapping pass: every resource of `type` not mapped yet goes to `map`. */
struct imp_pass {
	const char *type;
	void (*map)(struct imp_ctx *c, struct imp_obj *o);
};
/* Runs passes[0..n) one after another, each over the resources in template
 * order, so a later pass sees what the earlier ones mapped. */
void imp_run_passes(struct imp_ctx *c, const struct imp_pass *passes, size_t n);
/* The default security group of a VPC (`!GetAtt VPC.DefaultSecurityGroup`), written out with AWS's rules
 * (inbound from its members, all outbound) so that rules of the template can be added to it. */
struct imp_obj *imp_default_sg(struct imp_ctx *c, struct imp_obj *vpc);
struct imp_obj *imp_find(struct imp_ctx *c, const char *logical_id);

/* The node of an object, with its comment line `LogicalId (AWS::Type)`. */
struct nsim_emit_node *imp_obj_node(struct imp_ctx *c, struct imp_obj *o, bool flow);
/* A name unique in the file: base, else base-2, base-3... */
const char *imp_unique_name(struct imp_ctx *c, const char *base);
/* An address chosen for a host in the subnet: the first free one from +10 (from +4 in a small subnet). */
const char *imp_host_address(struct imp_ctx *c, struct imp_obj *subnet);
/* Marks an address of the subnet as taken (a PrivateIpAddress of the template). */
void imp_subnet_use(struct imp_ctx *c, struct imp_obj *subnet, const char *addr);
/* Free text of the template (a description) cut to 1000 bytes for the output. */
const char *imp_text(struct imp_ctx *c, const char *s);
/* As imp_text() for a value: a string, or an opaque one as written (`app servers of ${Env}`); NULL else. */
const char *imp_text_value(struct imp_ctx *c, const struct nsim_cfn_value *v);
/* A public address chosen from the documentation ranges (203.0.113.10 upwards). */
const char *imp_public_address(struct imp_ctx *c);
/* The list of a VPC's objects of one key (`subnets`, `hosts`, ...), created on first use. */
struct nsim_emit_node *imp_vpc_list(struct imp_ctx *c, struct imp_obj *vpc, const char *key);

/* A new host of `res` in `subnet` (kind function/proxy/database/instance), its groups from the list v
 * (refs to SGs; the VPC's default group when v is NULL or empty). Adds it to the VPC's hosts. */
struct imp_host *imp_host_new(struct imp_ctx *c, struct imp_obj *o, const char *name, const char *kind,
			      struct imp_obj *subnet, const char *sg_key, const struct nsim_cfn_value *sgs);
/* Adds PORT/PROTO to the host's listen list (once). */
void imp_host_listen(struct imp_ctx *c, struct imp_host *h, unsigned port, const char *proto);

/* The text of a CIDR value (a string, or !GetAtt of a VPC's or subnet's CidrBlock), or NULL. */
const char *imp_cidr_text(struct imp_ctx *c, const struct nsim_cfn_value *v);

/* The mapping stages. */
void imp_ec2_network(struct imp_ctx *c);  /* VPC, IGW, subnets, route tables, NAT, EIP, peering, endpoints */
void imp_ec2_filters(struct imp_ctx *c);  /* security groups and their rules, network ACLs */
void imp_compute(struct imp_ctx *c);      /* instances, functions, databases, proxies, caches, services, LBs */
void imp_listen_from_groups(struct imp_ctx *c); /* hosts listen on what their groups admit */
void imp_route53(struct imp_ctx *c);      /* private hosted zones and their records */
void imp_intent(struct imp_ctx *c);       /* --expect intent */
