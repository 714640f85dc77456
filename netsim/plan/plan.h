/* SPDX-License-Identifier: MIT */
/*
 * model -> an ordered list of kernel operations. Pure and deterministic: no
 * syscalls, no libnl or linux/ headers. apply/ executes the list in order;
 * `netsim plan` prints it.
 *
 * Namespaces are named by their full name ("netsim-<topology>-<node>"); links
 * by (namespace, ifname). Addresses are host byte order.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/arena.h"
#include "model/model.h"
#include "model/net.h"
#include "model/util.h"

enum nsim_op_kind {
	NSIM_OP_NETNS = 0, /* create namespace `ns` (iproute2's /run/netns/<ns> recipe) */
	NSIM_OP_SYSCTL,    /* in `ns`: write `value` to /proc/sys/`key` */
	NSIM_OP_VETH,      /* veth `ifname` in `ns` <-> `peer_ifname` in `peer_ns`, each end created in its namespace */
	NSIM_OP_LINK_UP,   /* in `ns`: set `ifname` up (also "lo") */
	NSIM_OP_ADDR,      /* in `ns`: add `addr`/`prefix` to `ifname` (prefix 32 for routed ports) */
	NSIM_OP_ROUTE,     /* in `ns`: route `dst` in `table`: unicast via `gateway` (0 = none; onlink) dev `ifname` (NULL = any), blackhole or throw */
	NSIM_OP_RULE,      /* in `ns`: ip rule `priority`: from `src` (len 0 = any) iif `ifname` (NULL = any) fwmark `fwmark` (0 = any) lookup `table` */
	NSIM_OP_NFT,       /* in `ns`: load `text` (an nft ruleset) as one transaction */
	NSIM_OP_NEIGH,     /* in `ns`: permanent neighbour entry `addr` -> `lladdr` on `ifname` */
};

/* Ethernet address length: veth ends and neighbour entries. */
#define NSIM_LLADDR_LEN 6

enum nsim_route_type {
	NSIM_ROUTE_UNICAST = 0,
	NSIM_ROUTE_BLACKHOLE,
	NSIM_ROUTE_THROW, /* lookup fails in this table and continues with the next rule */
};

#define NSIM_TABLE_MAIN 254

struct nsim_op {
	enum nsim_op_kind kind;
	const char *ns;          /* every op */
	const char *ifname;      /* VETH, LINK_UP, ADDR, ROUTE (optional), RULE (optional), NEIGH */
	const char *peer_ns;     /* VETH */
	const char *peer_ifname; /* VETH */
	const char *key;         /* SYSCTL: e.g. "net/ipv4/ip_forward" */
	const char *value;       /* SYSCTL */
	const char *text;        /* NFT */
	uint32_t addr;           /* ADDR, NEIGH */
	uint8_t prefix;          /* ADDR */
	struct nsim_cidr dst;    /* ROUTE */
	uint32_t gateway;        /* ROUTE: 0 = directly connected / dev route */
	enum nsim_route_type route_type; /* ROUTE */
	uint32_t table;          /* ROUTE, RULE */
	uint32_t priority;       /* RULE */
	uint32_t fwmark;         /* RULE: packets with this mark only (0 = any mark) */
	struct nsim_cidr src;    /* RULE */
	/* VETH: the MAC of `ifname` (set at creation, IFLA_ADDRESS); NEIGH: the
	 * neighbour's. Locally administered, derived from namespace and ifname:
	 * nsim_plan_lladdr(). */
	uint8_t lladdr[NSIM_LLADDR_LEN];
	uint8_t peer_lladdr[NSIM_LLADDR_LEN]; /* VETH: the MAC of `peer_ifname` */
	const char *comment;     /* why this op exists, for `netsim plan` ("subnet app-c route table private") */
};

struct nsim_topology;

/* A responder the plan starts: every listen port of one host, served inside its namespace. */
struct nsim_plan_responder {
	const char *ns;
	const char *host;
	uint32_t addr;
	const struct nsim_service *listen; /* points into the topology */
	size_t n_listen;
};

/* A process the plan starts after the kernel ops (and the responders): a
 * VPC's DNS server, a host's run: service. Started by instance/ through the
 * process records (instance/proc.h), stopped by `down`. */
enum nsim_plan_process_kind {
	NSIM_PROCESS_RESOLVER = 0, /* dnsmasq: the VPC's Amazon-provided DNS server */
	NSIM_PROCESS_SERVICE,      /* a host's run: */
};

/* A file the starter writes into the instance's state dir before a process
 * starts (or, for a host's resolv_conf/hosts_file, before anything runs in
 * the host).
 *
 * The placeholder rule: argv and file texts never hold the state dir's path
 * (the plan is pure and does not know it); an argv element or a process's
 * file text may contain NSIM_PLAN_STATE_DIR ("@STATE_DIR@"), which the
 * starter (instance/) replaces by the instance's state dir (absolute, no
 * trailing slash) before it writes the files and execs:
 * "--conf-file=@STATE_DIR@/dns-main.conf". Nothing else is substituted. */
#define NSIM_PLAN_STATE_DIR "@STATE_DIR@"

struct nsim_plan_file {
	const char *name; /* a file name in the instance's state dir, e.g. "dns-main.conf"; NULL: none */
	const char *text;
};

struct nsim_plan_process {
	enum nsim_plan_process_kind kind;
	const char *name;      /* "dns-main", "service-db": also its log file's name (<name>.log) */
	const char *ns;        /* the namespace it runs in */
	const char *host;      /* the host (services), NULL for resolvers */
	const char *vpc;       /* its VPC (its DNS configuration) */
	const struct nsim_argv *argv; /* resolvers: argv made by the plan; services: points into the topology */
	const struct nsim_plan_file *files; /* written into the state dir before it starts */
	size_t n_files;
	const struct nsim_service *ready; /* TCP ports that accept connections once it is ready */
	size_t n_ready;
	uint32_t ready_timeout_ms;
	uint32_t ready_addr; /* the address the ready ports are tried on; 0: the host's address */
};

/* A proxy with targets: the responder relays each connection to one of its
 * TCP listen: ports to the same port of the first target that accepts it. */
struct nsim_plan_relay {
	const char *host;          /* the proxy */
	const char *ns;            /* its namespace */
	const char *log;           /* "relay-HOST.log" in the state dir */
	const char *const *target_names;
	const uint32_t *targets;   /* private addresses, in the order written */
	size_t n_targets;
};

struct nsim_plan_host {
	const char *name;
	const char *ns;
	const char *kind;   /* "function", ..., "nat-gateway", "internet" */
	const char *where;  /* "main/app-c", "internet" */
	uint32_t addr;
	uint32_t public_ip; /* public or elastic IP, 0 = none */
	/* VPC hosts (not NAT gateways, not internet hosts): what every process
	 * netsim starts in the host sees as /etc/resolv.conf (nameserver: the
	 * VPC's resolver, +2; search: the region's private domain) and as
	 * /etc/hosts (localhost and the host's own names). Files in the state
	 * dir ("resolv-fn.conf", "hosts-fn"); name NULL: none (keep the
	 * machine's). Filled by plan/dns.c. */
	struct nsim_plan_file resolv_conf;
	struct nsim_plan_file hosts_file;
};

struct nsim_plan {
	struct nsim_arena *arena; /* owns everything below */
	const char *name;         /* the instance name */
	struct nsim_op *ops;
	size_t n_ops, cap_ops;
	const char **namespaces; /* every namespace the ops create, in creation order */
	size_t n_namespaces, cap_namespaces;
	struct nsim_plan_responder *responders;
	size_t n_responders, cap_responders;
	struct nsim_plan_host *hosts; /* hosts, NAT gateways, internet hosts: what `up` shows */
	size_t n_hosts, cap_hosts;
	struct nsim_plan_process *processes; /* in start order: resolvers, then services */
	size_t n_processes, cap_processes;
	struct nsim_plan_relay *relays; /* proxies with targets: (plan/services.c) */
	size_t n_relays;
};

/* The address of VPC v's Amazon-provided DNS server: the base of its CIDR +2
 * (the other, 169.254.169.253, is NSIM_DNS_LINK_LOCAL in model/dns.h). AWS:
 * "Amazon DNS server",
 * https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#AmazonDNS */
uint32_t nsim_plan_dns_address(const struct nsim_vpc *v);

/* Instance names: the rule of a topology's `name:` (validate/), as words for errors. */
#define NSIM_NAME_RULE "use 1-24 characters from a-z, 0-9 and '-', starting with a letter or digit"
/* Instance names: [a-z0-9][a-z0-9-]*, 1-24 chars, the rule of a topology's name. */
bool nsim_plan_name_valid(const char *name);

/*
 * Builds the plan for a validated topology, as instance `name` (NULL: the
 * topology's name). Returns 0 and *ret (owned by the caller), -EINVAL for a
 * bad name, -ENOMEM. The plan points into the topology: keep it alive.
 */
_must_check_ int nsim_plan_build(const struct nsim_topology *t, const char *name, struct nsim_plan **ret);
void nsim_plan_free(struct nsim_plan *p);
NSIM_DEFINE_FREEP(struct nsim_plan, nsim_plan_free)

/* Where iproute2 (and so netsim) pins named network namespaces. */
#define NSIM_NETNS_RUN_DIR "/run/netns"

/* The path of namespace `ns` (a full name, "netsim-x-fn") under
 * NSIM_NETNS_RUN_DIR. Returns the length it needs; writes at most size bytes
 * (always terminated). */
size_t nsim_plan_ns_path(char *buf, size_t size, const char *ns);

/* The namespace netsim uses for `node` of instance `name`. Returns the length
 * it needs; writes at most size bytes (always terminated). */
size_t nsim_plan_ns_name(char *buf, size_t size, const char *name, const char *node);

/* A router port's name (fits IFNAMSIZ): "<prefix>-<name>" when it fits, else
 * "<prefix><index>". Prefixes: 'h' host, 'n' NAT gateway, 'g' internet
 * gateway, 'p' peering, 'e' VPC endpoint; index is the object's in its list. */
void nsim_plan_port_name(char buf[static 16], char prefix, const char *name, size_t index);

/* VPC endpoint ei of VPC vi: the node its namespace is named after: the
 * endpoint's name for a gateway endpoint; "<endpoint>.<subnet>" for an
 * interface endpoint's network interface in its k-th subnet (k is ignored
 * for a gateway endpoint). Returns the length it needs; writes at most size
 * bytes (always terminated). */
size_t nsim_plan_endpoint_node(char *buf, size_t size, const struct nsim_topology *t, size_t vi, size_t ei, size_t k);
/* The position of that interface (a gateway endpoint: of the endpoint)
 * among all of the topology's, in the order VPC, endpoint, subnet: it names
 * what a service host linked to several endpoints tells apart. Takes the
 * time of the endpoints before it: callers walking every endpoint count on
 * from nsim_plan_endpoint_ordinal(t, vi, 0, 0) instead. */
size_t nsim_plan_endpoint_ordinal(const struct nsim_topology *t, size_t vi, size_t ei, size_t k);
/* Its port on the VPC router (prefix 'e'), also the name of its private
 * link's end in the service host, given its ordinal. */
void nsim_plan_endpoint_port(char buf[static 16], const struct nsim_topology *t, size_t vi, size_t ei, size_t k,
			     size_t ordinal);

/* The MAC netsim gives interface `ifname` of namespace `ns` (a full name):
 * 02 (locally administered, unicast) then 40 bits of the FNV-1a hash of
 * "<ns>/<ifname>". Pure and stable, so the plan can name the MACs of both ends
 * of a link before they exist; a collision on one link is harmless (each end
 * of a veth accepts frames to its own address, which the other end then has). */
void nsim_plan_lladdr(const char *ns, const char *ifname, uint8_t ret[static NSIM_LLADDR_LEN]);

/* "02:xx:xx:xx:xx:xx" into buf (at least 18 bytes). Returns buf. */
#define NSIM_LLADDR_STRLEN 18
const char *nsim_plan_lladdr_fmt(const uint8_t a[static NSIM_LLADDR_LEN], char buf[static NSIM_LLADDR_STRLEN]);

/* One line per op, like the iproute2/nft command doing the same, into buf
 * (always terminated); NFT ops print only their first line. */
void nsim_plan_op_format(const struct nsim_op *op, char *buf, size_t size);
