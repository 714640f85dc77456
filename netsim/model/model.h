/* SPDX-License-Identifier: MIT */
/*
 * The topology model: plain structs, no syscalls. Filled by load/, checked and
 * completed (references resolved, addresses assigned) by validate/, read by
 * every later stage.
 *
 * Every string and array hangs off the topology's arena: nsim_topology_free()
 * releases the lot, nothing inside is freed on its own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/arena.h"
#include "model/net.h"
#include "model/util.h"

#define NSIM_NAME_MAX 24 /* topology name: [a-z0-9-], 1-24 chars */
#define NSIM_NONE ((size_t)-1)

/* A place in the input file: line and column are 1-based (0 = unknown). */
struct nsim_pos {
	const char *file; /* owned by the topology */
	unsigned line;
	unsigned col;
};

/* A string value with where it was written. */
struct nsim_ref {
	char *name; /* NULL when the key was absent */
	struct nsim_pos pos;
};

enum nsim_proto {
	NSIM_PROTO_ALL = 0,
	NSIM_PROTO_TCP,
	NSIM_PROTO_UDP,
	NSIM_PROTO_ICMP,
};

/* "3306/tcp", "8000-8010/tcp", "53/udp" (listen:, expect.port). */
struct nsim_service {
	uint16_t from, to;
	enum nsim_proto proto;
	struct nsim_pos pos;
};

enum nsim_host_kind {
	NSIM_HOST_INSTANCE = 0,
	NSIM_HOST_FUNCTION,
	NSIM_HOST_PROXY,
	NSIM_HOST_DATABASE,
};

/* The operating system of a host: it picks the ephemeral ports of its
 * clients. AWS: "Ephemeral ports",
 * https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
enum nsim_os {
	NSIM_OS_LINUX = 0,
	NSIM_OS_WINDOWS,
};

/* The source ports a client picks from ("ephemeral ports"). validate/
 * fills the defaults: Linux instances 32768-60999, Windows 49152-65535,
 * functions (AWS Lambda) and internet hosts 1024-65535. */
struct nsim_port_range {
	uint16_t from, to;
};

enum nsim_endpoint_kind {
	NSIM_EP_UNRESOLVED = 0,
	NSIM_EP_HOST,      /* vpc, idx: vpcs[vpc].hosts[idx] */
	NSIM_EP_INET_HOST, /* idx: topo->inet_hosts[idx] */
	NSIM_EP_NAT,       /* vpc, idx: vpcs[vpc].nat_gateways[idx] (seen_source only) */
	NSIM_EP_ADDRESS,   /* addr */
	NSIM_EP_DNS,       /* a DNS name (ref.name), resolved where it is used: from the source's VPC */
};

struct nsim_endpoint {
	struct nsim_ref ref; /* as written: a name or an address */
	enum nsim_endpoint_kind kind;
	size_t vpc, idx;
	uint32_t addr; /* NSIM_EP_ADDRESS */
};

/* A command: an argv list, or one string run with /bin/sh -c (`run:`,
 * `command:`). argc == 0: none given. */
struct nsim_argv {
	struct nsim_pos pos;
	bool shell;  /* written as a string: argv[0] is the whole string */
	char **argv; /* NULL-terminated */
	size_t argc;
};

struct nsim_subnet {
	struct nsim_pos pos;
	struct nsim_ref name;
	struct nsim_cidr cidr;
	struct nsim_pos cidr_pos;
	struct nsim_ref az;
	struct nsim_ref route_table; /* NULL name: the VPC's main table */
	struct nsim_ref network_acl; /* NULL name: the VPC's default ACL */

	/* resolved by validate/ */
	size_t rt_idx;  /* index in vpc->route_tables, NSIM_NONE: local route only */
	size_t acl_idx; /* index in vpc->network_acls, NSIM_NONE: default ACL */
};

enum nsim_target_kind {
	NSIM_TARGET_UNRESOLVED = 0,
	NSIM_TARGET_IGW,
	NSIM_TARGET_NAT,
	NSIM_TARGET_PEERING,
	NSIM_TARGET_BLACKHOLE,
	NSIM_TARGET_GATEWAY_ENDPOINT, /* target_idx: index in vpc->endpoints (a route validate/ adds) */
};

/* A prefix list: a named set of CIDRs usable as a route destination and a
 * security-group rule peer (`pl:NAME`). Customer-managed ones are written in
 * a VPC's prefix_lists:; AWS-managed ones (`pl:s3`, `pl:dynamodb`) are made
 * by validate/ and hold the /32 of every internet host of that service in the
 * topology's region. AWS: "Managed prefix lists",
 * https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html */
struct nsim_prefix_list {
	struct nsim_pos pos;
	struct nsim_ref name;      /* "office"; AWS-managed: the service ("s3") */
	struct nsim_cidr *cidrs;
	struct nsim_pos *cidr_pos; /* parallel to cidrs (AWS-managed: the service hosts' address positions) */
	size_t n_cidrs;
	uint32_t max_entries;      /* as written, or n_cidrs; counts against SG-rule and route quotas */
	struct nsim_pos max_entries_pos;

	/* filled by validate/ */
	const char *service; /* AWS-managed: the service ("s3"); NULL: customer-managed */
	char *id;            /* an AWS-style id, stable for the file: "pl-" + 8 hex digits */
};

struct nsim_route {
	struct nsim_pos pos;
	struct nsim_cidr dest;     /* unused when dest_pl */
	struct nsim_pos dest_pos;
	struct nsim_ref dest_list; /* destination: pl:NAME (name without "pl:"); NULL name: dest is a CIDR */
	struct nsim_ref target;

	/* resolved by validate/ */
	enum nsim_target_kind kind;
	size_t target_idx; /* NAT: index in vpc->nat_gateways; PEERING: in topo->peerings;
			    * GATEWAY_ENDPOINT: in vpc->endpoints */
	/* destination a prefix list: the route matches each of its CIDRs, and
	 * competes in longest-prefix match with the longest of them that matches */
	const struct nsim_prefix_list *dest_pl;
	bool managed; /* added by validate/ for a gateway endpoint (AWS: cannot be edited by hand) */
};

struct nsim_route_table {
	struct nsim_pos pos;
	struct nsim_ref name;
	struct nsim_route *routes;
	size_t n_routes;
};

struct nsim_nat_gateway {
	struct nsim_pos pos;
	struct nsim_ref name;
	struct nsim_ref subnet;
	uint32_t elastic_ip;
	struct nsim_pos elastic_ip_pos;
	uint32_t address; /* private address; 0 = assign (validate/ fills it in) */
	struct nsim_pos address_pos;

	size_t subnet_idx; /* resolved */
};

/* A security-group rule; `peer` is the source (ingress) or destination (egress). */
struct nsim_sg_rule {
	struct nsim_pos pos;
	enum nsim_proto proto;
	struct nsim_pos proto_pos;
	bool has_ports;
	uint16_t port_from, port_to; /* all ports when !has_ports */
	struct nsim_pos ports_pos;
	struct nsim_ref peer;   /* as written */
	bool peer_is_cidr;
	struct nsim_cidr peer_cidr;
	struct nsim_ref description;

	/* resolved by validate/ when !peer_is_cidr */
	size_t peer_vpc;
	size_t peer_sg;
	/* `pl:NAME`: a prefix list (peer_sg is then NSIM_NONE) */
	const struct nsim_prefix_list *peer_pl;
};

struct nsim_security_group {
	struct nsim_pos pos;
	struct nsim_ref name;
	struct nsim_ref description;
	struct nsim_sg_rule *ingress;
	size_t n_ingress;
	bool has_egress; /* false: the key was absent, AWS's default allow-all outbound */
	struct nsim_sg_rule *egress;
	size_t n_egress;
};

enum nsim_acl_action {
	NSIM_ACL_DENY = 0,
	NSIM_ACL_ALLOW,
};

struct nsim_acl_rule {
	struct nsim_pos pos;
	uint32_t number; /* 1-32766 */
	struct nsim_pos number_pos;
	enum nsim_proto proto;
	bool has_ports;
	uint16_t port_from, port_to;
	struct nsim_pos ports_pos;
	struct nsim_cidr cidr; /* source (ingress) or destination (egress) */
	struct nsim_pos cidr_pos;
	enum nsim_acl_action action;
};

struct nsim_network_acl {
	struct nsim_pos pos;
	struct nsim_ref name;
	struct nsim_acl_rule *ingress;
	size_t n_ingress;
	struct nsim_acl_rule *egress;
	size_t n_egress;
};

struct nsim_host {
	struct nsim_pos pos;
	struct nsim_ref name;
	enum nsim_host_kind kind;
	struct nsim_ref subnet;
	uint32_t address; /* 0 = assign (validate/ fills it in) */
	struct nsim_pos address_pos;
	uint32_t public_ip; /* 0 = none */
	struct nsim_pos public_ip_pos;
	struct nsim_ref *security_groups; /* names; n == 0: the VPC's default SG */
	size_t n_security_groups;
	struct nsim_service *listen;
	size_t n_listen;
	/* run: the host's own service, serving its listen: ports (no responder
	 * on them); started after the network is up, in the host's namespace */
	struct nsim_argv run;
	uint32_t ready_timeout_ms; /* how long `up` waits for listen: TCP ports; 0 = default (15000) */
	struct nsim_pos ready_timeout_pos;
	struct nsim_ref *dns_names; /* names the VPC resolvers answer with this host's address */
	size_t n_dns_names;
	/* targets: (a proxy) every connection to a listen: port is relayed to
	 * the same port of the first reachable target (ref as written; resolved
	 * by validate/ to hosts: NSIM_EP_HOST) */
	struct nsim_endpoint *targets;
	size_t n_targets;
	enum nsim_os os; /* os: (default linux) */
	struct nsim_pos os_pos;
	/* ephemeral_ports: as written (from == 0: absent); validate/ fills
	 * the default for os: and kind: */
	struct nsim_port_range ephemeral;
	struct nsim_pos ephemeral_pos;

	/* resolved by validate/ */
	size_t subnet_idx;
	size_t *sg_idx; /* parallel to security_groups */
};

enum nsim_vpce_type {
	NSIM_VPCE_INTERFACE = 0,
	NSIM_VPCE_GATEWAY,
};

/* A VPC endpoint to an AWS service (vpcs[].endpoints). AWS PrivateLink
 * guide: "Gateway endpoints",
 * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html,
 * and "Access an AWS service using an interface VPC endpoint",
 * https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html */
struct nsim_vpc_endpoint {
	struct nsim_pos pos;
	struct nsim_ref name;
	enum nsim_vpce_type type;
	struct nsim_pos type_pos;
	struct nsim_ref service; /* as written: "secretsmanager", or "com.amazonaws.<region>.secretsmanager" */
	/* interface: one network interface per subnet, protected by the groups
	 * (none: the VPC's default group) */
	struct nsim_ref *subnets;
	size_t n_subnets;
	struct nsim_ref *security_groups;
	size_t n_security_groups;
	bool private_dns; /* interface; default true (as AWS for AWS services) */
	struct nsim_pos private_dns_pos;
	/* gateway: the route tables that get the route to the service's prefix list */
	struct nsim_ref *route_tables;
	size_t n_route_tables;

	/* resolved by validate/ */
	const char *service_name;   /* "secretsmanager" */
	const char *service_region; /* the service's region: the topology's unless the full name says another */
	size_t *subnet_idx;         /* parallel to subnets */
	uint32_t *addresses;        /* interface: the network interface's private address in each subnet (parallel to subnets) */
	size_t *sg_idx;             /* parallel to security_groups */
	size_t *rt_idx;             /* parallel to route_tables */
	const struct nsim_prefix_list *pl; /* gateway: the service's AWS-managed list */
	size_t *service_hosts;      /* the internet hosts (topo->inet_hosts indexes) of this service in service_region */
	size_t n_service_hosts;
	char *dns_name;             /* "vpce-<name>.<service>.<region>.vpce.amazonaws.com" (interface) */
	char *id;                   /* AWS-style id "vpce-" + 17 hex digits, stable for the file */
};

struct nsim_vpc {
	struct nsim_pos pos;
	struct nsim_ref name;
	struct nsim_cidr cidr;
	struct nsim_pos cidr_pos;
	struct nsim_ref internet_gateway; /* NULL name: none attached */
	struct nsim_ref main_route_table; /* NULL name: local route only */
	struct nsim_subnet *subnets;
	size_t n_subnets;
	struct nsim_route_table *route_tables;
	size_t n_route_tables;
	struct nsim_nat_gateway *nat_gateways;
	size_t n_nat_gateways;
	struct nsim_security_group *security_groups;
	size_t n_security_groups;
	struct nsim_network_acl *network_acls;
	size_t n_network_acls;
	struct nsim_host *hosts;
	size_t n_hosts;
	/* dns_support: the Amazon-provided DNS server at the VPC's base address
	 * +2 (and 169.254.169.253); default true, as in AWS */
	bool dns_support;
	struct nsim_pos dns_support_pos;
	/* dns_hostnames (enableDnsHostnames): default false, as for a VPC made
	 * with the API or CloudFormation; interface endpoints' private DNS needs it */
	bool dns_hostnames;
	struct nsim_pos dns_hostnames_pos;
	struct nsim_vpc_endpoint *endpoints;
	size_t n_endpoints;
	struct nsim_prefix_list *prefix_lists; /* customer-managed */
	size_t n_prefix_lists;

	size_t main_rt_idx; /* resolved; NSIM_NONE: local route only */
};

struct nsim_peering {
	struct nsim_pos pos;
	struct nsim_ref name;
	struct nsim_ref between[2];

	size_t vpc_idx[2]; /* resolved */
};

struct nsim_inet_host {
	struct nsim_pos pos;
	struct nsim_ref name;
	uint32_t address;
	struct nsim_pos address_pos;
	struct nsim_service *listen;
	size_t n_listen;
	struct nsim_ref *dns_names; /* names the VPC resolvers answer with this address */
	size_t n_dns_names;
	/* service: the public endpoint of an AWS service ("s3"), in region
	 * (NULL name: the topology's). Without dns_names, validate/ gives it
	 * AWS's name, "<service>.<region>.amazonaws.com". */
	struct nsim_ref service;
	struct nsim_ref region;
	/* ephemeral_ports: as written (from == 0: absent); validate/ fills
	 * the default, 1024-65535 */
	struct nsim_port_range ephemeral;
	struct nsim_pos ephemeral_pos;
};

enum nsim_dns_type {
	NSIM_DNS_A = 0,
	NSIM_DNS_CNAME,
};

/* A record of a Route 53 private hosted zone. */
struct nsim_dns_record {
	struct nsim_pos pos;
	struct nsim_ref name;  /* relative to the zone ("db") or absolute ("db.corp.internal.") */
	enum nsim_dns_type type;
	struct nsim_pos type_pos;
	struct nsim_ref value; /* A: a host or internet host name, or an address; CNAME: a DNS name */

	/* resolved by validate/ */
	char *fqdn;          /* "db.corp.internal", lower case, no trailing dot */
	uint32_t addr;       /* A: the address it answers (a host's private address) */
};

/* route53.private_zones: a private hosted zone associated with VPCs. */
struct nsim_private_zone {
	struct nsim_pos pos;
	struct nsim_ref name; /* "corp.internal" */
	struct nsim_ref *vpcs;
	size_t n_vpcs;
	struct nsim_dns_record *records;
	size_t n_records;

	size_t *vpc_idx; /* resolved; parallel to vpcs */
};

enum nsim_verdict {
	NSIM_VERDICT_REACHABLE = 0,
	NSIM_VERDICT_UNREACHABLE,
	NSIM_VERDICT_SUCCEEDS, /* command: exits 0 */
	NSIM_VERDICT_FAILS,    /* command: exits non-zero (or times out) */
	/* some of the source ports the client (and a NAT gateway) may pick
	 * get through, not all (analyze.h: NSIM_PREDICT_INTERMITTENT) */
	NSIM_VERDICT_INTERMITTENT,
};


enum nsim_component_kind {
	NSIM_COMP_UNRESOLVED = 0,
	NSIM_COMP_VPC,       /* the VPC's router; a = vpc */
	NSIM_COMP_SUBNET,    /* a = vpc, b = subnet */
	NSIM_COMP_IGW,       /* a = vpc */
	NSIM_COMP_NAT,       /* a = vpc, b = nat */
	NSIM_COMP_HOST,      /* a = vpc, b = host */
	NSIM_COMP_PEERING,   /* a = peering */
	NSIM_COMP_INET_HOST, /* a = inet host */
	NSIM_COMP_INTERNET,  /* the internet itself */
	NSIM_COMP_ENDPOINT,  /* a = vpc, b = endpoint (vpc->endpoints) */
	NSIM_COMP_SECURITY_GROUP, /* a = vpc, b = group */
	NSIM_COMP_NETWORK_ACL,    /* a = vpc, b = network ACL (NSIM_NONE: the VPC's default ACL) */
	NSIM_COMP_ROUTE_TABLE,    /* a = vpc, b = route table (NSIM_NONE: the main one when it names none) */
	NSIM_COMP_PREFIX_LIST,    /* a = vpc, b = prefix list */
};

struct nsim_component {
	struct nsim_ref ref;
	enum nsim_component_kind kind;
	size_t a, b;
};

struct nsim_expect {
	struct nsim_pos pos;
	struct nsim_ref name; /* optional */
	struct nsim_endpoint from;
	struct nsim_endpoint to;
	bool has_port;
	struct nsim_service port; /* when has_port: port and protocol */
	enum nsim_proto proto;    /* the effective protocol (port's, or `protocol:`) */
	struct nsim_pos proto_pos;
	enum nsim_verdict verdict;
	struct nsim_pos verdict_pos;
	bool has_seen_source;
	struct nsim_endpoint seen_source;
	struct nsim_component *via;
	size_t n_via;
	/* reaches: the bytes sent arrive at this host, through every relay
	 * (targets:) on the way */
	bool has_reaches;
	struct nsim_endpoint reaches;
	/* command: run in `from` with its DNS configuration; verdict succeeds or
	 * fails. argc == 0: a probe expectation */
	struct nsim_argv command;
	uint32_t timeout_ms; /* command: 0 = default (10000) */
	struct nsim_pos timeout_pos;
	/* blocked_by: (verdict unreachable) what must decide it: a component
	 * (`db-sg`, `acl-data#200`: an ACL and its rule number) or a reason code
	 * (`SG_INGRESS_NO_RULE`). NULL name: not asserted. */
	struct nsim_ref blocked_by;
	/* resolved by validate/: the component (kind NSIM_COMP_UNRESOLVED when it
	 * names a reason code), the rule number (0: none given) */
	struct nsim_component blocked_by_comp;
	uint32_t blocked_by_rule;
	const char *blocked_by_reason; /* the reason code, or NULL */
	/* derived: written by `netsim import --expect intent` from the template's own security groups and
	 * routes (docs/import.md), not by a person; reports show it */
	bool derived;
};

struct nsim_topology {
	struct nsim_arena *arena; /* owns everything below */
	char *file;               /* path as given to the loader */
	struct nsim_ref name;
	struct nsim_ref description;
	struct nsim_ref region; /* NULL name: us-east-1 (its private names end in ec2.internal) */
	struct nsim_vpc *vpcs;
	size_t n_vpcs;
	struct nsim_peering *peerings;
	size_t n_peerings;
	struct nsim_inet_host *inet_hosts;
	size_t n_inet_hosts;
	struct nsim_expect *expects;
	size_t n_expects;
	struct nsim_private_zone *private_zones; /* route53: private_zones: */
	size_t n_private_zones;
	/* made by validate/: the AWS-managed prefix lists in use (`pl:s3`, a
	 * gateway endpoint's), one per service; the array is allocated once
	 * with room for every such service, so pointers to it stay valid */
	struct nsim_prefix_list *aws_prefix_lists;
	size_t n_aws_prefix_lists;
};

/* Returns a new, empty topology owned by the caller, or NULL on ENOMEM. */
struct nsim_topology *nsim_topology_new(const char *file);
void nsim_topology_free(struct nsim_topology *t);
NSIM_DEFINE_FREEP(struct nsim_topology, nsim_topology_free)

/* Whether VPCs a and b (indexes into t->vpcs) are peered; *ret_peering (may be
 * NULL) gets the index into t->peerings of the peering connection. A VPC is
 * not peered with itself. AWS: "What is VPC peering?",
 * https://docs.aws.amazon.com/vpc/latest/peering/what-is-vpc-peering.html */
bool nsim_topology_peered(const struct nsim_topology *t, size_t a, size_t b, size_t *ret_peering);

/* Whether an interface (host or endpoint) with the security groups
 * sg_idx[0..n) is a member of group sg (an index into its VPC's groups, or
 * NSIM_NONE for the default group, which those naming no group are in).
 * AWS: "Default security groups for your VPCs",
 * https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html */
bool nsim_sg_member(const size_t *sg_idx, size_t n, size_t sg);

const char *nsim_proto_name(enum nsim_proto p);
const char *nsim_host_kind_name(enum nsim_host_kind k);
const char *nsim_verdict_name(enum nsim_verdict v);
const char *nsim_os_name(enum nsim_os os);

/* The source ports a NAT gateway picks from. AWS: "Ephemeral ports",
 * https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html */
#define NSIM_NAT_PORT_FROM 1024
#define NSIM_NAT_PORT_TO 65535
