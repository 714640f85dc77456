/* SPDX-License-Identifier: MIT */
/*
 * The differential test: the analyzer's model of AWS path evaluation held
 * against the real data plane, on random valid topologies.
 *
 * A seeded generator writes a topology: 2-3 VPCs (some with overlapping
 * CIDRs, never peered), peerings between some pairs, 1-3 subnets each, route
 * tables with IGW/NAT/peering/blackhole routes to random prefixes (more
 * specific ones too, and middlebox routes of a subnet CIDR to a NAT gateway),
 * NAT gateways, security groups with CIDR and group references (a peered
 * VPC's too) and absent/empty/some egress, network ACLs with allow and deny
 * rules in random order, with and without ephemeral return rules, hosts with
 * and without public IPs and listeners, and 1-2 internet hosts; with
 * GEN_ENDPOINTS, AWS services' hosts on the internet (S3, also in another
 * region, and Secrets Manager), gateway endpoints for S3 on some route
 * tables, interface endpoints for Secrets Manager (their groups or the
 * default one), and customer prefix lists as route destinations and security
 * group peers (`pl:s3` too). It must pass
 * `netsim validate` (if not, the validator's message is printed and another
 * topology is drawn), then `netsim up`. Random flows (host to host, to the
 * internet, from the internet, to NAT gateways, to interface endpoints'
 * network interfaces and to addresses nothing has; listening and closed
 * ports, ICMP) are probed with real packets in parallel
 * and compared, as classes (reachable, refused, blocked), with the
 * prediction of nsim_analyzer_flow() for the probe's own source port. A
 * blocked flow the network reports dropping (netsim's NFLOG group, read in
 * every namespace) must be dropped where the model says the network drops
 * it (nsim_analysis.dropped: the deciding component, or for a reply its
 * route sends the wrong way the first one there that refuses it). A
 * disagreement prints the seed, the flow, the model's path and
 * what the network did, keeps the topology file, and fails; replay it with
 * NETSIM_DIFF_SEED=N. A disagreement is a bug on one side: fix that side.
 *
 * argv[1]: the netsim binary. Root; exit 77 (skip) otherwise.
 * Environment:
 *   NETSIM_DIFF_SEEDS=N   how many seeds (default 40), from NETSIM_DIFF_BASE (default 1)
 *   NETSIM_DIFF_FLOWS=N   flows per topology (default 25)
 *   NETSIM_DIFF_SEED=N    this seed only (replay)
 *   NETSIM_DIFF_VERBOSE=1 print every flow (2: with the model's explanation)
 *   NETSIM_DIFF_REASONS=0 do not compare the component that dropped (NFLOG)
 *   NETSIM_DIFF_PRINT=N   print seed N's topology on stdout and exit (no root needed)
 */
#include <pthread.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/analyze.h"
#include "load/load.h"
#include "model/diag.h"
#include "model/model.h"
#include "model/net.h"
#include "plan/plan.h"
#include "probe/capture.h"
#include "probe/evidence.h"
#include "probe/probe.h"
#include "validate/validate.h"

#include "../rng.h"
#include "util.h"

#define DEFAULT_SEEDS 40
#define DEFAULT_FLOWS 25
#define MAX_FLOWS 1000
#define PROBE_MS 400  /* a blocked flow costs this much (in parallel) */
#define RETRY_MS 2000 /* a disagreement is probed again, slower, before it counts */
#define MAX_ATTEMPTS 20

/* ---- the generator ---- */

#define MAXV 3
#define MAXS 3
#define MAXH 6
#define MAXI 5 /* 1-2 internet hosts, up to 3 services' hosts */

/* VPC endpoints and prefix lists in the generated topologies (issue 13) */
#define GEN_ENDPOINTS 1

static const struct svc {
	const char *text;
	enum nsim_proto proto;
	uint16_t from, to;
} svcs[] = {
	{"22/tcp", NSIM_PROTO_TCP, 22, 22},
	{"80/tcp", NSIM_PROTO_TCP, 80, 80},
	{"443/tcp", NSIM_PROTO_TCP, 443, 443},
	{"3306/tcp", NSIM_PROTO_TCP, 3306, 3306},
	{"8000-8003/tcp", NSIM_PROTO_TCP, 8000, 8003},
	{"53/udp", NSIM_PROTO_UDP, 53, 53},
	{"123/udp", NSIM_PROTO_UDP, 123, 123},
	{"5000-5001/udp", NSIM_PROTO_UDP, 5000, 5001},
};
#define N_SVCS (sizeof(svcs) / sizeof(svcs[0]))

/* ports nothing listens on */
static const struct {
	enum nsim_proto proto;
	uint16_t port;
} closed[] = {
	{NSIM_PROTO_TCP, 25}, {NSIM_PROTO_TCP, 8080}, {NSIM_PROTO_TCP, 9999},
	{NSIM_PROTO_UDP, 69}, {NSIM_PROTO_UDP, 161},  {NSIM_PROTO_UDP, 7777},
};

/* the internet's documentation ranges */
static const uint32_t doc_nets[] = {0xC0000200u, 0xC6336400u, 0xCB007100u};

struct gsub {
	char name[16];
	struct nsim_cidr cidr;
	int rt;  /* -1: none named (the main table, or local only) */
	int acl; /* -1: the default ACL */
};

struct ghost {
	char name[16];
	int sub;
	uint32_t addr, pub;
	int sg[2], n_sg;
	int svc[3], n_svc;
};

struct gvpc {
	char name[16];
	char l; /* 'a', 'b', 'c': names its components */
	struct nsim_cidr cidr;
	bool igw;
	int n_sub;
	struct gsub sub[MAXS];
	int n_rt, main_rt;
	int n_nat;       /* NAT gateways: 0-2 */
	bool nat_public; /* route table 0 is the first NAT's subnet's and routes 0.0.0.0/0 to the IGW */
	int nat_sub[2];
	uint32_t nat_eip[2], nat_addr[2]; /* nat_addr 0: netsim assigns it */
	int n_sg, n_acl;
	int n_host;
	struct ghost host[MAXH];
	/* endpoints and a prefix list (GEN_ENDPOINTS) */
	unsigned gw_rts;  /* a gateway endpoint for S3 on these route tables (bits); 0: none */
	int ie_sub;       /* an interface endpoint for Secrets Manager in this subnet; -1: none */
	int ie_sg;        /* its group; -1: the VPC's default group */
	bool private_dns; /* with dns_hostnames: true */
	int n_pl;         /* prefix list office<l>: CIDRs */
	struct nsim_cidr pl[3];
};

struct gen {
	struct rng r;
	struct rng ports; /* hosts' os:, kind: and ephemeral_ports: (a stream of its own: the rest as before) */
	FILE *f;
	bool open; /* wide-open security groups and ACLs: the flows go further, to the routes and the replies */
	int n_vpc;
	struct gvpc v[MAXV];
	int n_peer;
	struct {
		char name[16];
		int a, b;
	} peer[3];
	int n_inet;
	struct {
		char name[16];
		uint32_t addr;
		int svc[2], n_svc;
		const char *service, *region; /* an AWS service's host (region NULL: the topology's) */
	} inet[MAXI];
	bool s3, sm; /* hosts of S3 and Secrets Manager in the topology's region */
	uint32_t pub[32];
	int n_pub;
};

static const char *cidr_s(struct nsim_cidr c, char buf[NSIM_CIDR_STRLEN])
{
	return nsim_cidr_fmt(c, buf);
}

static const char *addr_s(uint32_t a, char buf[NSIM_ADDR_STRLEN])
{
	return nsim_addr_fmt(a, buf);
}

static struct nsim_cidr cidr(uint32_t addr, uint8_t len)
{
	return (struct nsim_cidr){addr & nsim_cidr_mask(len), len};
}

static uint32_t new_public(struct gen *g)
{
	for (;;) {
		uint32_t a = doc_nets[rnd(&g->r, 3)] + 10 + rnd(&g->r, 240);
		bool used = false;
		for (int i = 0; i < g->n_pub && !used; i++)
			used = g->pub[i] == a;
		if (!used) {
			g->pub[g->n_pub++] = a;
			return a;
		}
	}
}

static bool addr_used(const struct gvpc *v, uint32_t a)
{
	for (int i = 0; i < v->n_host; i++)
		if (v->host[i].addr == a)
			return true;
	for (int i = 0; i < v->n_nat; i++)
		if (v->nat_addr[i] == a)
			return true;
	return false;
}

/* A free, unreserved address of subnet si (near its start, so that /32 rules
 * and explicit addresses meet). */
static uint32_t new_private(struct gen *g, struct gvpc *v, int si)
{
	struct nsim_cidr c = v->sub[si].cidr;
	uint32_t size = (uint32_t)nsim_cidr_size(c), span = size - 6 < 40 ? size - 6 : 40;
	for (int tries = 0; tries < 200; tries++) {
		uint32_t a = c.addr + 4 + rnd(&g->r, span + 1);
		if (!addr_used(v, a))
			return a;
	}
	return 0; /* full: let netsim assign one */
}

static void plan_endpoints(struct gen *g);

static void plan_vpcs(struct gen *g)
{
	struct rng *r = &g->r;
	g->open = chance(r, 40);
	g->n_vpc = 2 + (int)rnd(r, 2);
	unsigned used_octets = 0;
	for (int vi = 0; vi < g->n_vpc; vi++) {
		struct gvpc *v = &g->v[vi];
		v->l = (char)('a' + vi);
		snprintf(v->name, sizeof(v->name), "v%c", v->l);
		uint8_t len = chance(r, 70) ? 16 : 20;
		if (vi > 0 && chance(r, 20)) {
			/* the same addresses as an earlier VPC: never peered */
			v->cidr = cidr(g->v[rnd(r, (unsigned)vi)].cidr.addr, len);
		} else if (chance(r, 20)) {
			v->cidr = cidr(0xAC100000u + (((unsigned)vi * 5 + rnd(r, 5)) << 16), len); /* 172.16-30 */
		} else {
			unsigned o;
			do
				o = 1 + rnd(r, 30);
			while (used_octets & (1u << o));
			used_octets |= 1u << o;
			v->cidr = cidr(0x0A000000u | o << 16, len);
		}
		v->igw = chance(r, 75);
		v->n_sub = 1 + (int)rnd(r, MAXS);
		unsigned used_k = 0;
		for (int si = 0; si < v->n_sub; si++) {
			struct gsub *s = &v->sub[si];
			unsigned k;
			do
				k = rnd(r, 16);
			while (used_k & (1u << k));
			used_k |= 1u << k;
			snprintf(s->name, sizeof(s->name), "s%c%d", v->l, si + 1);
			uint32_t base = v->cidr.addr | k << 8;
			unsigned x = rnd(r, 10);
			s->cidr = x < 8 ? cidr(base, 24) : x < 9 ? cidr(base | 64, 26) : cidr(base | 16, 28);
			s->acl = -1;
		}
		v->n_rt = chance(r, 10) ? 0 : 1 + (int)rnd(r, 3);
		v->main_rt = v->n_rt && chance(r, 80) ? (int)rnd(r, (unsigned)v->n_rt) : -1;
		for (int si = 0; si < v->n_sub; si++)
			v->sub[si].rt = v->n_rt && chance(r, 60) ? (int)rnd(r, (unsigned)v->n_rt) : -1;
		v->n_nat = chance(r, v->igw ? 60 : 8) ? 1 + chance(r, 20) : 0;
		for (int i = 0; i < v->n_nat; i++) {
			v->nat_sub[i] = (int)rnd(r, (unsigned)v->n_sub);
			v->nat_eip[i] = new_public(g);
		}
		if (v->n_nat && v->igw && chance(r, 90)) {
			if (!v->n_rt)
				v->n_rt = 1;
			v->nat_public = true;
			v->sub[v->nat_sub[0]].rt = 0;
		}
		v->n_sg = chance(r, 15) ? 0 : 1 + (int)rnd(r, 3);
		v->n_acl = (int)rnd(r, 3);
		for (int si = 0; si < v->n_sub; si++)
			v->sub[si].acl = v->n_acl && chance(r, 45) ? (int)rnd(r, (unsigned)v->n_acl) : -1;
		v->n_host = 2 + (int)rnd(r, 4);
		for (int hi = 0; hi < v->n_host; hi++) {
			struct ghost *h = &v->host[hi];
			snprintf(h->name, sizeof(h->name), "%c%d", v->l, hi + 1);
			h->sub = hi < v->n_sub ? hi : (int)rnd(r, (unsigned)v->n_sub);
			h->addr = chance(r, 85) ? new_private(g, v, h->sub) : 0;
			h->pub = chance(r, 50) ? new_public(g) : 0;
			h->n_sg = 0;
			if (v->n_sg && !chance(r, 15)) {
				h->sg[h->n_sg++] = (int)rnd(r, (unsigned)v->n_sg);
				if (v->n_sg > 1 && chance(r, 30)) {
					int o = (int)rnd(r, (unsigned)v->n_sg);
					if (o != h->sg[0])
						h->sg[h->n_sg++] = o;
				}
			}
			h->n_svc = 0;
			int want = chance(r, 80) ? 1 + (int)rnd(r, 3) : 0;
			for (int k = 0; k < want; k++) {
				int s = (int)rnd(r, N_SVCS);
				bool dup = false;
				for (int j = 0; j < h->n_svc; j++)
					dup |= h->svc[j] == s;
				if (!dup)
					h->svc[h->n_svc++] = s;
			}
		}
		for (int i = 0; i < v->n_nat; i++)
			v->nat_addr[i] = chance(r, 50) ? new_private(g, v, v->nat_sub[i]) : 0;
	}
	for (int a = 0; a < g->n_vpc; a++)
		for (int b = a + 1; b < g->n_vpc; b++) {
			if (nsim_cidr_overlaps(g->v[a].cidr, g->v[b].cidr) || !chance(r, 60))
				continue;
			int i = g->n_peer++;
			g->peer[i].a = a;
			g->peer[i].b = b;
			snprintf(g->peer[i].name, sizeof(g->peer[i].name), "p%c%c", g->v[a].l, g->v[b].l);
		}
	g->n_inet = 1 + (int)rnd(r, 2);
	for (int i = 0; i < g->n_inet; i++) {
		snprintf(g->inet[i].name, sizeof(g->inet[i].name), "i%d", i + 1);
		g->inet[i].addr = new_public(g);
		g->inet[i].n_svc = 1 + (int)rnd(r, 2);
		g->inet[i].svc[0] = (int)rnd(r, N_SVCS);
		g->inet[i].svc[1] = (g->inet[i].svc[0] + 1 + (int)rnd(r, N_SVCS - 1)) % (int)N_SVCS;
	}
	if (GEN_ENDPOINTS)
		plan_endpoints(g);
}

static uint32_t some_public(struct gen *g);

/* Services' hosts on the internet (443/tcp, some 80/tcp too), and for each
 * VPC: a gateway endpoint for S3, an interface endpoint for Secrets Manager,
 * a prefix list of a few internet CIDRs. */
static void plan_endpoints(struct gen *g)
{
	struct rng *r = &g->r;
	static const struct {
		const char *name, *service, *region;
	} svc_hosts[] = {{"s3", "s3", NULL}, {"sm", "secretsmanager", NULL}, {"s3west", "s3", "us-west-2"}};
	int https = 2, http = 1; /* svcs[] */
	for (size_t k = 0; k < ELEMENTSOF(svc_hosts); k++) {
		if (!chance(r, k == 2 ? 30 : 65))
			continue;
		int i = g->n_inet++;
		snprintf(g->inet[i].name, sizeof(g->inet[i].name), "%s", svc_hosts[k].name);
		g->inet[i].addr = new_public(g);
		g->inet[i].svc[0] = https;
		g->inet[i].svc[1] = http;
		g->inet[i].n_svc = chance(r, 30) ? 2 : 1;
		g->inet[i].service = svc_hosts[k].service;
		g->inet[i].region = svc_hosts[k].region;
		if (k == 0)
			g->s3 = true;
		if (k == 1)
			g->sm = true;
	}
	for (int vi = 0; vi < g->n_vpc; vi++) {
		struct gvpc *v = &g->v[vi];
		v->gw_rts = 0;
		if (g->s3 && v->n_rt && chance(r, 60)) {
			for (int ti = 0; ti < v->n_rt; ti++)
				if (chance(r, 60))
					v->gw_rts |= 1u << ti;
			if (!v->gw_rts)
				v->gw_rts = 1u << rnd(r, (unsigned)v->n_rt);
		}
		v->ie_sub = g->sm && chance(r, 60) ? (int)rnd(r, (unsigned)v->n_sub) : -1;
		v->ie_sg = v->n_sg && chance(r, 70) ? (int)rnd(r, (unsigned)v->n_sg) : -1;
		v->private_dns = chance(r, 50);
		v->n_pl = chance(r, 45) ? 1 + (int)rnd(r, 3) : 0;
		for (int k = 0; k < v->n_pl; k++) {
			uint32_t a = chance(r, 50) ? some_public(g) : doc_nets[rnd(r, 3)];
			static const uint8_t lens[] = {24, 25, 28, 32};
			struct nsim_cidr c = cidr(a, lens[rnd(r, 4)]);
			bool dup = false; /* AWS: a list's entries are distinct */
			for (int j = 0; j < k && !dup; j++)
				dup = v->pl[j].addr == c.addr && v->pl[j].len == c.len;
			if (dup)
				c = cidr(a, 32);
			for (int j = 0; j < k && !dup; j++)
				dup = v->pl[j].addr == c.addr && v->pl[j].len == c.len;
			if (!dup)
				v->pl[k] = c;
			else
				v->n_pl = k; /* fewer */
		}
	}
}

/* Some public address of the topology, for a specific route or rule. */
static uint32_t some_public(struct gen *g)
{
	return g->pub[rnd(&g->r, (unsigned)g->n_pub)];
}

static const struct ghost *some_host(struct gen *g, int *ret_vpc)
{
	int vi = (int)rnd(&g->r, (unsigned)g->n_vpc);
	if (ret_vpc)
		*ret_vpc = vi;
	return &g->v[vi].host[rnd(&g->r, (unsigned)g->v[vi].n_host)];
}

/* A CIDR for a security group or ACL rule. */
static struct nsim_cidr rule_cidr(struct gen *g, int vi)
{
	struct rng *r = &g->r;
	const struct gvpc *v = &g->v[vi];
	unsigned k = rnd(r, 100);
	if (k < 30)
		return cidr(0, 0);
	if (k < 45)
		return v->cidr;
	if (k < 55)
		return v->sub[rnd(r, (unsigned)v->n_sub)].cidr;
	if (k < 65) {
		const struct gvpc *o = &g->v[rnd(r, (unsigned)g->n_vpc)];
		return chance(r, 70) ? o->cidr : o->sub[rnd(r, (unsigned)o->n_sub)].cidr;
	}
	if (k < 72)
		return cidr(chance(r, 50) ? 0x0A000000u : 0xAC100000u, chance(r, 50) ? 8 : 12);
	if (k < 85) {
		uint32_t a = some_public(g);
		return chance(r, 50) ? cidr(a, 24) : cidr(a, chance(r, 50) ? 32 : 28);
	}
	const struct ghost *h = some_host(g, NULL);
	return h->addr ? cidr(h->addr, 32) : v->cidr;
}

/* "ports: 80" or a range, for tcp/udp; nothing for icmp/all. */
static void rule_ports(struct gen *g, enum nsim_proto proto, bool acl, char *buf, size_t size)
{
	struct rng *r = &g->r;
	buf[0] = '\0';
	if (proto != NSIM_PROTO_TCP && proto != NSIM_PROTO_UDP)
		return;
	unsigned k = rnd(r, 100);
	const struct svc *s;
	do
		s = &svcs[rnd(r, N_SVCS)];
	while (s->proto != proto);
	if (k < 45) {
		snprintf(buf, size, ", ports: %u", s->from + rnd(r, (unsigned)(s->to - s->from + 1)));
	} else if (k < 58) {
		snprintf(buf, size, s->from == s->to ? ", ports: %u" : ", ports: %u-%u", s->from, s->to);
	} else if (k < 70) {
		snprintf(buf, size, ", ports: 0-65535");
	} else if (k < 85 || !acl) {
		static const char *const eph[] = {"1024-65535", "32768-65535", "32768-60999", "49152-65535"};
		snprintf(buf, size, ", ports: %s", eph[rnd(r, acl ? 4 : 1)]);
	} else {
		unsigned lo = rnd(r, 9000);
		snprintf(buf, size, ", ports: %u-%u", lo, lo + rnd(r, 40000));
	}
}

static enum nsim_proto rule_proto(struct gen *g)
{
	unsigned k = rnd(&g->r, 100);
	return k < 40 ? NSIM_PROTO_TCP : k < 60 ? NSIM_PROTO_UDP : k < 75 ? NSIM_PROTO_ICMP : NSIM_PROTO_ALL;
}

static void sg_rule(struct gen *g, int vi, bool ingress)
{
	struct rng *r = &g->r;
	const struct gvpc *v = &g->v[vi];
	enum nsim_proto proto = rule_proto(g);
	char ports[48], peer[48], c[NSIM_CIDR_STRLEN];
	rule_ports(g, proto, false, ports, sizeof(ports));
	if (GEN_ENDPOINTS && (v->n_pl || g->s3) && chance(r, 15)) {
		/* a prefix list: the VPC's own, or S3's AWS-managed one */
		snprintf(peer, sizeof(peer), "pl:%s", v->n_pl && (!g->s3 || chance(r, 60)) ? "office" : "s3");
		if (streq(peer, "pl:office"))
			snprintf(peer, sizeof(peer), "pl:office%c", v->l);
	} else if (chance(r, 70) || (!v->n_sg && !g->n_peer)) {
		snprintf(peer, sizeof(peer), "%s", cidr_s(rule_cidr(g, vi), c));
	} else {
		/* a group of this VPC or of a peered one */
		int ov = vi;
		if (chance(r, 45)) {
			for (int i = 0, n = 0; i < g->n_peer; i++) {
				int o = g->peer[i].a == vi ? g->peer[i].b : g->peer[i].b == vi ? g->peer[i].a : -1;
				if (o >= 0 && g->v[o].n_sg && rnd(r, (unsigned)++n) == 0)
					ov = o;
			}
		}
		const struct gvpc *o = &g->v[ov];
		if (!o->n_sg)
			snprintf(peer, sizeof(peer), "%s", cidr_s(rule_cidr(g, vi), c));
		else if (chance(r, ov == vi ? 15 : 50))
			snprintf(peer, sizeof(peer), "%s/g%c%u", o->name, o->l, 1 + rnd(r, (unsigned)o->n_sg));
		else
			snprintf(peer, sizeof(peer), "g%c%u", o->l, 1 + rnd(r, (unsigned)o->n_sg));
	}
	fprintf(g->f, "          - { protocol: %s%s, %s: %s }\n", nsim_proto_name(proto), ports,
		ingress ? "source" : "destination", peer);
}

/* An ingress rule letting a service in from a wide source: without some,
 * nearly every flow would be blocked and the paths behind would go untested. */
static void sg_open_rule(struct gen *g, int vi)
{
	struct rng *r = &g->r;
	const struct gvpc *v = &g->v[vi];
	const struct svc *s = &svcs[rnd(r, N_SVCS)];
	char c[NSIM_CIDR_STRLEN], ports[32];
	struct nsim_cidr src;
	unsigned k = rnd(r, 100);
	src = k < 40 ? cidr(0, 0) : k < 60 ? cidr(0x0A000000u, 8) : k < 80 ? v->cidr : rule_cidr(g, vi);
	if (chance(r, 20)) {
		fprintf(g->f, "          - { protocol: %s, source: %s }\n", chance(r, 50) ? "all" : "icmp", cidr_s(src, c));
		return;
	}
	snprintf(ports, sizeof(ports), s->from == s->to ? "%u" : "%u-%u", s->from, s->to);
	fprintf(g->f, "          - { protocol: %s, ports: %s, source: %s }\n", nsim_proto_name(s->proto), ports,
		cidr_s(src, c));
}

static void security_groups(struct gen *g, int vi)
{
	struct rng *r = &g->r;
	const struct gvpc *v = &g->v[vi];
	if (!v->n_sg)
		return;
	fprintf(g->f, "    security_groups:\n");
	for (int i = 0; i < v->n_sg; i++) {
		fprintf(g->f, "      - name: g%c%d\n", v->l, i + 1);
		/* the services of a member, mostly */
		const struct ghost *m = NULL;
		for (int h = 0, seen = 0; h < v->n_host; h++)
			for (int k = 0; k < v->host[h].n_sg; k++)
				if (v->host[h].sg[k] == i && v->host[h].n_svc && rnd(r, (unsigned)++seen) == 0)
					m = &v->host[h];
		int member = m && chance(r, 75) ? 1 + (int)rnd(r, (unsigned)m->n_svc) : 0;
		int open = (int)rnd(r, 2), n = (int)rnd(r, 3);
		bool wide = g->open && chance(r, 60);
		if (wide)
			member = open = 0;
		fprintf(g->f, "        ingress:%s\n", n + open + member + wide != 0 ? "" : " []");
		if (wide)
			fprintf(g->f, "          - { protocol: all, source: %s }\n", chance(r, 70) ? "0.0.0.0/0" : "10.0.0.0/8");
		for (int k = 0; k < member; k++) {
			const struct svc *x = &svcs[m->svc[k]];
			char c[NSIM_CIDR_STRLEN], ports[32];
			unsigned y = rnd(r, 100);
			struct nsim_cidr src = y < 40 ? cidr(0, 0) : y < 60 ? cidr(0x0A000000u, 8) : y < 75 ? v->cidr : rule_cidr(g, vi);
			snprintf(ports, sizeof(ports), x->from == x->to ? "%u" : "%u-%u", x->from, x->to);
			fprintf(g->f, "          - { protocol: %s, ports: %s, source: %s }\n", nsim_proto_name(x->proto), ports,
				cidr_s(src, c));
		}
		for (int k = 0; k < n + open; k++) {
			if (k < open)
				sg_open_rule(g, vi);
			else
				sg_rule(g, vi, true);
		}
		unsigned e = rnd(r, 100);
		if (e < (g->open ? 90u : 70u))
			continue; /* AWS's default: all outbound */
		n = e < 76 ? 0 : 1 + (int)rnd(r, 2);
		fprintf(g->f, "        egress:%s\n", n ? "" : " []");
		if (n && chance(r, 40)) {
			fprintf(g->f, "          - { protocol: %s, destination: 0.0.0.0/0 }\n", chance(r, 70) ? "all" : "tcp, ports: 0-65535");
			n--;
		}
		for (int k = 0; k < n; k++)
			sg_rule(g, vi, false);
	}
}

struct acl_rule {
	unsigned number;
	char text[160];
};

static bool number_used(const struct acl_rule *rules, int n, unsigned num)
{
	for (int i = 0; i < n; i++)
		if (rules[i].number == num)
			return true;
	return false;
}

static void acl_add(struct gen *g, struct acl_rule *rules, int *n, unsigned lo, unsigned hi, bool allow,
		    enum nsim_proto proto, const char *ports, struct nsim_cidr peer, bool ingress)
{
	unsigned num;
	do
		num = lo + rnd(&g->r, hi - lo + 1);
	while (number_used(rules, *n, num));
	char c[NSIM_CIDR_STRLEN];
	struct acl_rule *x = &rules[(*n)++];
	x->number = num;
	snprintf(x->text, sizeof(x->text), "{ rule: %u, protocol: %s%s, %s: %s, action: %s }", num,
		 nsim_proto_name(proto), ports, ingress ? "source" : "destination", cidr_s(peer, c),
		 allow ? "allow" : "deny");
}

static void acl_random_rule(struct gen *g, int vi, struct acl_rule *rules, int *n, unsigned lo, unsigned hi,
			    bool allow, bool ingress)
{
	char ports[48];
	enum nsim_proto proto = rule_proto(g);
	rule_ports(g, proto, true, ports, sizeof(ports));
	acl_add(g, rules, n, lo, hi, allow, proto, ports, rule_cidr(g, vi), ingress);
}

/* One direction of an ACL: mostly open with denies, specific allows with or
 * without rules for the replies' ephemeral ports, or anything; written in
 * random order (the numbers decide). */
static void acl_dir(struct gen *g, int vi, bool ingress)
{
	struct rng *r = &g->r;
	struct acl_rule rules[12];
	int n = 0;
	unsigned style = g->open ? 20 + rnd(r, 70) : rnd(r, 100);
	if (style < 4) {
		/* nothing: all denied */
	} else if (style < 55) {
		int denies = 1 + (int)rnd(r, 2);
		for (int i = 0; i < denies; i++)
			acl_random_rule(g, vi, rules, &n, 1, 400, false, ingress);
		acl_add(g, rules, &n, 50, 32766, true, NSIM_PROTO_ALL, "", cidr(0, 0), ingress);
	} else if (style < 90) {
		int allows = 1 + (int)rnd(r, 3);
		for (int i = 0; i < allows; i++)
			acl_random_rule(g, vi, rules, &n, 1, 1000, true, ingress);
		if (chance(r, g->open ? 90 : 65)) {
			static const char *const eph[] = {", ports: 1024-65535", ", ports: 32768-65535", ", ports: 32768-60999",
							  ", ports: 49152-65535"};
			const char *p = eph[rnd(r, 4)];
			acl_add(g, rules, &n, 1, 2000, true, NSIM_PROTO_TCP, p, cidr(0, 0), ingress);
			if (chance(r, 70))
				acl_add(g, rules, &n, 1, 2000, true, NSIM_PROTO_UDP, p, cidr(0, 0), ingress);
			if (chance(r, 50))
				acl_add(g, rules, &n, 1, 2000, true, NSIM_PROTO_ICMP, "", cidr(0, 0), ingress);
		}
		if (chance(r, 35))
			acl_random_rule(g, vi, rules, &n, 1, 2000, false, ingress);
	} else {
		int k = 1 + (int)rnd(r, 5);
		for (int i = 0; i < k; i++)
			acl_random_rule(g, vi, rules, &n, 1, 32766, chance(r, 65), ingress);
	}
	fprintf(g->f, "        %s:%s\n", ingress ? "ingress" : "egress", n ? "" : " []");
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rnd(r, (unsigned)i + 1);
		struct acl_rule t = rules[i];
		rules[i] = rules[j];
		rules[j] = t;
	}
	for (int i = 0; i < n; i++)
		fprintf(g->f, "          - %s\n", rules[i].text);
}

static void network_acls(struct gen *g, int vi)
{
	const struct gvpc *v = &g->v[vi];
	if (!v->n_acl)
		return;
	fprintf(g->f, "    network_acls:\n");
	for (int i = 0; i < v->n_acl; i++) {
		fprintf(g->f, "      - name: acl%c%d\n", v->l, i + 1);
		acl_dir(g, vi, true);
		acl_dir(g, vi, false);
	}
}

struct route {
	struct nsim_cidr dest;
	char target[16];
	bool pl; /* destination: the VPC's prefix list */
};

/* Random routes for route table ti of VPC vi: what the validator accepts
 * (nothing more specific than the local route, except a subnet's CIDR to a
 * NAT gateway), valid targets of the VPC. */
static void route_table(struct gen *g, int vi, int ti)
{
	struct rng *r = &g->r;
	const struct gvpc *v = &g->v[vi];
	struct route routes[12] = {0};
	int n = 0;
	char igw[8], nat[8];
	snprintf(igw, sizeof(igw), "igw%c", v->l);
	/* a NAT gateway of the VPC, the first mostly */
	if (v->n_nat > 1 && chance(r, 40))
		snprintf(nat, sizeof(nat), "nat%c2", v->l);
	else
		snprintf(nat, sizeof(nat), "nat%c", v->l);
	/* what a sensible table has: a default route, routes to the peers */
	if (ti == 0 && v->nat_public) {
		routes[n].dest = cidr(0, 0);
		snprintf(routes[n++].target, sizeof(routes[0].target), "%s", igw);
	} else if (chance(r, 65)) {
		const char *to = v->n_nat && chance(r, 60) ? nat : v->igw && chance(r, 70) ? igw : v->n_nat ? nat : NULL;
		if (to || chance(r, 20)) {
			routes[n].dest = cidr(0, 0);
			snprintf(routes[n++].target, sizeof(routes[0].target), "%s", to ? to : "blackhole");
		}
	}
	for (int i = 0; i < g->n_peer; i++) {
		int o = g->peer[i].a == vi ? g->peer[i].b : g->peer[i].b == vi ? g->peer[i].a : -1;
		if (o < 0 || !chance(r, 75))
			continue;
		const struct gvpc *ov = &g->v[o];
		struct nsim_cidr d = chance(r, 75) ? ov->cidr : ov->sub[rnd(r, (unsigned)ov->n_sub)].cidr;
		bool dup = false; /* two peers may have the same CIDR */
		for (int j = 0; j < n && !dup; j++)
			dup = !routes[j].pl && routes[j].dest.addr == d.addr && routes[j].dest.len == d.len;
		if (dup)
			continue;
		routes[n].dest = d;
		snprintf(routes[n++].target, sizeof(routes[0].target), "%s", g->peer[i].name);
	}
	/* middlebox routing: a subnet's CIDR through the NAT gateway */
	if (v->n_nat && chance(r, 35)) {
		routes[n].dest = v->sub[rnd(r, (unsigned)v->n_sub)].cidr;
		snprintf(routes[n++].target, sizeof(routes[0].target), "%s", nat);
	}
	/* the VPC's prefix list, to a gateway (it competes by its CIDRs) */
	if (GEN_ENDPOINTS && v->n_pl && chance(r, 45)) {
		const char *to = v->n_nat && chance(r, 45) ? nat : v->igw && chance(r, 70) ? igw : "blackhole";
		routes[n] = (struct route){.pl = true};
		snprintf(routes[n++].target, sizeof(routes[0].target), "%s", to);
	}
	int want = n + (int)rnd(r, 4);
	for (int tries = 0; n < want && tries < 30; tries++) {
		struct nsim_cidr d;
		int to_vpc = -1;
		bool to_subnet = false;
		unsigned k = rnd(r, 100);
		if (k < 22) {
			d = cidr(0, 0);
		} else if (k < 37) {
			d = cidr(doc_nets[rnd(r, 3)], 24);
		} else if (k < 52) {
			static const uint8_t lens[] = {32, 28, 25};
			d = cidr(some_public(g), lens[rnd(r, 3)]);
		} else if (k < 82) {
			to_vpc = (int)rnd(r, (unsigned)g->n_vpc);
			const struct gvpc *o = &g->v[to_vpc];
			unsigned x = rnd(r, 100);
			d = x < 55 ? o->cidr
			    : x < 85 ? o->sub[rnd(r, (unsigned)o->n_sub)].cidr
				     : cidr(chance(r, 50) ? 0x0A000000u : 0xAC100000u, chance(r, 50) ? 8 : 12);
		} else if (k < 90) {
			if (!v->n_nat)
				continue;
			d = v->sub[rnd(r, (unsigned)v->n_sub)].cidr;
			to_subnet = true;
		} else {
			d = cidr(doc_nets[rnd(r, 3)], 24);
		}
		/* inside the VPC: only a subnet's CIDR, to a NAT gateway */
		if (nsim_cidr_overlaps(d, v->cidr) && d.len >= v->cidr.len && !to_subnet)
			continue;
		bool dup = false;
		for (int i = 0; i < n && !dup; i++)
			dup = !routes[i].pl && routes[i].dest.addr == d.addr && routes[i].dest.len == d.len;
		if (dup)
			continue;
		struct route *x = &routes[n];
		*x = (struct route){.dest = d};
		if (to_subnet) {
			snprintf(x->target, sizeof(x->target), "%s", nat);
			n++;
			continue;
		}
		/* the peering to that VPC, mostly; else any target of the VPC */
		const char *peering = NULL;
		for (int i = 0; i < g->n_peer; i++)
			if ((g->peer[i].a == vi && g->peer[i].b == to_vpc) || (g->peer[i].b == vi && g->peer[i].a == to_vpc))
				peering = g->peer[i].name;
		if (peering && chance(r, 75)) {
			snprintf(x->target, sizeof(x->target), "%s", peering);
			n++;
			continue;
		}
		const char *opts[6];
		int n_opts = 0;
		if (v->igw)
			opts[n_opts++] = igw, opts[n_opts++] = igw;
		if (v->n_nat)
			opts[n_opts++] = nat, opts[n_opts++] = nat;
		for (int i = 0; i < g->n_peer && n_opts < 5; i++)
			if (g->peer[i].a == vi || g->peer[i].b == vi)
				opts[n_opts++] = g->peer[i].name;
		opts[n_opts++] = "blackhole";
		snprintf(x->target, sizeof(x->target), "%s", opts[rnd(r, (unsigned)n_opts)]);
		n++;
	}
	fprintf(g->f, "      - name: rt%c%d\n        routes:%s\n", v->l, ti + 1, n ? "" : " []");
	char c[NSIM_CIDR_STRLEN];
	for (int i = 0; i < n; i++)
		if (routes[i].pl)
			fprintf(g->f, "          - { destination: pl:office%c, target: %s }\n", v->l, routes[i].target);
		else
			fprintf(g->f, "          - { destination: %s, target: %s }\n", cidr_s(routes[i].dest, c),
				routes[i].target);
}

static void endpoints(struct gen *g, int vi)
{
	const struct gvpc *v = &g->v[vi];
	char c[NSIM_CIDR_STRLEN];
	if (v->n_pl) {
		fprintf(g->f, "    prefix_lists:\n      - { name: office%c, max_entries: 5, cidrs: [", v->l);
		for (int k = 0; k < v->n_pl; k++)
			fprintf(g->f, "%s%s", k ? ", " : "", cidr_s(v->pl[k], c));
		fprintf(g->f, "] }\n");
	}
	if (!v->gw_rts && v->ie_sub < 0)
		return;
	fprintf(g->f, "    endpoints:\n");
	if (v->gw_rts) {
		fprintf(g->f, "      - { name: gw%c, type: gateway, service: s3, route_tables: [", v->l);
		for (int ti = 0, k = 0; ti < v->n_rt; ti++)
			if (v->gw_rts & 1u << ti)
				fprintf(g->f, "%srt%c%d", k++ ? ", " : "", v->l, ti + 1);
		fprintf(g->f, "] }\n");
	}
	if (v->ie_sub >= 0) {
		fprintf(g->f, "      - { name: ie%c, type: interface, service: secretsmanager, subnets: [%s], private_dns: %s",
			v->l, v->sub[v->ie_sub].name, v->private_dns ? "true" : "false");
		if (v->ie_sg >= 0)
			fprintf(g->f, ", security_groups: [g%c%d]", v->l, v->ie_sg + 1);
		fprintf(g->f, " }\n");
	}
}

static void listen_list(FILE *f, const int *svc, int n)
{
	fprintf(f, "listen: [");
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", svcs[svc[i]].text);
	fprintf(f, "]");
}

static void write_topology(struct gen *g)
{
	FILE *f = g->f;
	char c[NSIM_CIDR_STRLEN], a[NSIM_ADDR_STRLEN];
	fprintf(f, "name: diff\ndescription: generated by tests/netns/test_diff.c\nvpcs:\n");
	for (int vi = 0; vi < g->n_vpc; vi++) {
		const struct gvpc *v = &g->v[vi];
		fprintf(f, "  - name: %s\n    cidr: %s\n", v->name, cidr_s(v->cidr, c));
		if (v->igw)
			fprintf(f, "    internet_gateway: igw%c\n", v->l);
		if (v->ie_sub >= 0 && v->private_dns)
			fprintf(f, "    dns_hostnames: true\n"); /* private DNS needs it */
		if (v->main_rt >= 0)
			fprintf(f, "    main_route_table: rt%c%d\n", v->l, v->main_rt + 1);
		fprintf(f, "    subnets:\n");
		for (int si = 0; si < v->n_sub; si++) {
			const struct gsub *s = &v->sub[si];
			fprintf(f, "      - { name: %s, cidr: %s", s->name, cidr_s(s->cidr, c));
			if (s->rt >= 0)
				fprintf(f, ", route_table: rt%c%d", v->l, s->rt + 1);
			if (s->acl >= 0)
				fprintf(f, ", network_acl: acl%c%d", v->l, s->acl + 1);
			fprintf(f, " }\n");
		}
		if (v->n_rt) {
			fprintf(f, "    route_tables:\n");
			for (int ti = 0; ti < v->n_rt; ti++)
				route_table(g, vi, ti);
		}
		if (v->n_nat)
			fprintf(f, "    nat_gateways:\n");
		for (int i = 0; i < v->n_nat; i++) {
			fprintf(f, "      - { name: nat%c%s, subnet: %s, elastic_ip: %s", v->l, i ? "2" : "",
				v->sub[v->nat_sub[i]].name, addr_s(v->nat_eip[i], a));
			if (v->nat_addr[i])
				fprintf(f, ", address: %s", addr_s(v->nat_addr[i], a));
			fprintf(f, " }\n");
		}
		endpoints(g, vi);
		security_groups(g, vi);
		network_acls(g, vi);
		fprintf(f, "    hosts:\n");
		for (int hi = 0; hi < v->n_host; hi++) {
			const struct ghost *h = &v->host[hi];
			fprintf(f, "      - { name: %s, subnet: %s", h->name, v->sub[h->sub].name);
			if (h->addr)
				fprintf(f, ", address: %s", addr_s(h->addr, a));
			if (h->pub)
				fprintf(f, ", public_ip: %s", addr_s(h->pub, a));
			if (h->n_sg) {
				fprintf(f, ", security_groups: [");
				for (int k = 0; k < h->n_sg; k++)
					fprintf(f, "%sg%c%d", k ? ", " : "", v->l, h->sg[k] + 1);
				fprintf(f, "]");
			}
			if (h->n_svc) {
				fprintf(f, ", ");
				listen_list(f, h->svc, h->n_svc);
			}
			/* honest ports: some hosts pick their source ports elsewhere than Linux's 32768-60999 */
			unsigned k = rnd(&g->ports, 100);
			if (k < 10)
				fprintf(f, ", os: windows");
			else if (k < 20)
				fprintf(f, ", kind: function");
			else if (k < 30)
				fprintf(f, ", ephemeral_ports: %u-%u", 20000 + rnd(&g->ports, 20000), 45000 + rnd(&g->ports, 20000));
			fprintf(f, " }\n");
		}
	}
	fprintf(f, "peerings:%s\n", g->n_peer ? "" : " []");
	for (int i = 0; i < g->n_peer; i++)
		fprintf(f, "  - { name: %s, between: [%s, %s] }\n", g->peer[i].name, g->v[g->peer[i].a].name,
			g->v[g->peer[i].b].name);
	fprintf(f, "internet:\n  hosts:\n");
	for (int i = 0; i < g->n_inet; i++) {
		fprintf(f, "    - { name: %s, address: %s, ", g->inet[i].name, addr_s(g->inet[i].addr, a));
		listen_list(f, g->inet[i].svc, g->inet[i].n_svc);
		if (g->inet[i].service)
			fprintf(f, ", service: %s", g->inet[i].service);
		if (g->inet[i].region)
			fprintf(f, ", region: %s", g->inet[i].region);
		fprintf(f, " }\n");
	}
}

/* The topology of (seed, attempt) as YAML text on f. */
static void generate(uint64_t seed, unsigned attempt, FILE *f)
{
	struct gen g = {.r = {seed * 0x100000001B3ull + attempt * 0x9E3779B97F4A7C15ull + 1}, .f = f,
			.ports = {seed * 0xC2B2AE3D27D4EB4Full + attempt + 7}};
	plan_vpcs(&g);
	write_topology(&g);
}

/* NETSIM_DIFF_PRINT: the seed's topology as the test uses it (the first
 * attempt the validator accepts), checked in-process. */
static int print_topology(uint64_t seed)
{
	for (unsigned attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (!f)
			return 1;
		generate(seed, attempt, f);
		fclose(f);
		struct nsim_diags diags;
		nsim_diags_init(&diags);
		struct nsim_topology *t = NULL;
		int r = nsim_load_buffer("generated", text, len, &diags, &t);
		if (r == 0)
			r = nsim_validate(t, &diags);
		for (size_t i = 0; r != 0 && i < diags.n; i++) /* why the generator drew again */
			fprintf(stderr, "attempt %u: %u:%u: %s\n", attempt, diags.items[i].line, diags.items[i].col,
				diags.items[i].message);
		nsim_topology_free(t);
		nsim_diags_clear(&diags);
		if (r == 0)
			fputs(text, stdout);
		free(text);
		if (r == 0)
			return 0;
	}
	return 1;
}

/* ---- flows ---- */

struct flow {
	int index;
	char from_name[40];
	char to_desc[64];
	struct nsim_endpoint from;
	uint32_t dst;
	enum nsim_proto proto;
	uint16_t dport, sport;
	char ns[128];
	int timeout_ms;
	struct nsim_probe_result res;
	int probe_err;
};

struct ep {
	struct nsim_endpoint e;
	const char *name;
	const struct nsim_service *listen;
	size_t n_listen;
	uint32_t addr, pub; /* private (or internet) address, public IP */
};

static void pick_port(struct rng *r, const struct ep *to, struct flow *f)
{
	unsigned k = rnd(r, 100);
	if (k < 55 && to && to->n_listen) {
		const struct nsim_service *s = &to->listen[rnd(r, (unsigned)to->n_listen)];
		f->proto = s->proto;
		f->dport = (uint16_t)(s->from + rnd(r, (unsigned)(s->to - s->from + 1)));
	} else if (k < 62) {
		const struct svc *s = &svcs[rnd(r, N_SVCS)];
		f->proto = s->proto;
		f->dport = s->from;
	} else if (k < 80) {
		unsigned i = rnd(r, sizeof(closed) / sizeof(closed[0]));
		f->proto = closed[i].proto;
		f->dport = closed[i].port;
	} else {
		f->proto = NSIM_PROTO_ICMP;
		f->dport = 0;
	}
}

/* A random flow of the topology: from a host or an internet host, to a host
 * (by the address `netsim check` would use, or its private or public address
 * as such), an internet host, a NAT gateway, an interface endpoint's network
 * interface, or an address nothing has. */
static void pick_flow(struct rng *r, const struct nsim_topology *t, const struct ep *hosts, size_t n_hosts,
		      const struct ep *inet, size_t n_inet, const struct ep *nats, size_t n_nats, const struct ep *enis,
		      size_t n_enis, struct flow *f)
{
	bool from_inet = chance(r, 20);
	const struct ep *src = from_inet ? &inet[rnd(r, (unsigned)n_inet)] : &hosts[rnd(r, (unsigned)n_hosts)];
	const struct ep *to = NULL;
	char a[NSIM_ADDR_STRLEN];
	f->from = src->e;
	snprintf(f->from_name, sizeof(f->from_name), "%s", src->name);
	unsigned k = rnd(r, 100);
	if (from_inet)
		k = k < 55 ? 50 : k < 65 ? 40 : k < 80 ? 85 : k < 90 ? 70 : 95;
	else
		k = k < 45 ? 0 : k < 53 ? 40 : k < 63 ? 50 : k < 85 ? 70 : k < 92 ? 85 : 95;
	if (k < 55) {
		/* a host */
		do
			to = &hosts[rnd(r, (unsigned)n_hosts)];
		while (to == src && n_hosts > 1);
		if (k < 35) {
			f->dst = nsim_analyze_target(t, &f->from, &to->e);
			snprintf(f->to_desc, sizeof(f->to_desc), "%s (%s)", to->name, addr_s(f->dst, a));
		} else if (k < 45 || (!to->pub && !src->pub)) {
			f->dst = to->addr;
			snprintf(f->to_desc, sizeof(f->to_desc), "%s (private address)", addr_s(f->dst, a));
		} else {
			if (!to->pub || (src->pub && chance(r, 15)))
				to = src; /* its own public IP: out through the internet gateway and back */
			f->dst = to->pub;
			snprintf(f->to_desc, sizeof(f->to_desc), "%s (public IP of %s)", addr_s(f->dst, a), to->name);
		}
	} else if (k < 75) {
		do
			to = &inet[rnd(r, (unsigned)n_inet)];
		while (to == src && n_inet > 1);
		f->dst = to->addr;
		snprintf(f->to_desc, sizeof(f->to_desc), "%s (%s)", to->name, addr_s(f->dst, a));
	} else if (k < 90 && n_nats) {
		const struct ep *n = &nats[rnd(r, (unsigned)n_nats)];
		f->dst = chance(r, 70) ? nsim_analyze_target(t, &f->from, &n->e) : chance(r, 50) ? n->addr : n->pub;
		snprintf(f->to_desc, sizeof(f->to_desc), "%s (NAT gateway %s)", addr_s(f->dst, a), n->name);
	} else if (n_enis && chance(r, 60)) {
		/* an interface endpoint's network interface: its service's ports, mostly */
		to = &enis[rnd(r, (unsigned)n_enis)];
		f->dst = to->addr;
		snprintf(f->to_desc, sizeof(f->to_desc), "%s (interface endpoint %s)", addr_s(f->dst, a), to->name);
	} else {
		/* an address nothing has, most likely */
		if (chance(r, 50) && t->n_vpcs) {
			const struct nsim_vpc *v = &t->vpcs[rnd(r, (unsigned)t->n_vpcs)];
			const struct nsim_subnet *s = &v->subnets[rnd(r, (unsigned)v->n_subnets)];
			f->dst = s->cidr.addr + 4 + rnd(r, (unsigned)nsim_cidr_size(s->cidr) - 5);
		} else {
			f->dst = doc_nets[rnd(r, 3)] + 1 + rnd(r, 254);
		}
		if (f->dst == src->addr)
			f->dst++; /* not itself: a host's packets to its own address never leave it */
		snprintf(f->to_desc, sizeof(f->to_desc), "%s (random address)", addr_s(f->dst, a));
	}
	pick_port(r, to, f);
	/* Linux's ephemeral ports mostly, some above 49152 and some below 32768 */
	unsigned s = rnd(r, 100);
	f->sport = (uint16_t)((s < 70 ? 33000 : s < 85 ? 50000 : 20000) + f->index);
	/* and, from a host with a range of its own, that range mostly (honest ports) */
	struct nsim_port_range own = src->e.kind == NSIM_EP_HOST ? t->vpcs[src->e.vpc].hosts[src->e.idx].ephemeral
								  : t->inet_hosts[src->e.idx].ephemeral;
	if (own.from != 32768 && own.to - own.from > MAX_FLOWS && chance(r, 70))
		f->sport = (uint16_t)(own.from + rnd(r, (unsigned)(own.to - own.from - MAX_FLOWS)) / MAX_FLOWS * MAX_FLOWS +
				      (unsigned)f->index);
}

static void *probe_thread(void *arg)
{
	struct flow *f = arg;
	f->probe_err = nsim_probe(f->ns, f->proto, f->dst, f->dport, f->sport, f->timeout_ms, &f->res);
	return NULL;
}

static void probe_all(struct flow *flows, size_t n)
{
	pthread_t *th = calloc(n, sizeof(*th));
	bool *started = calloc(n, sizeof(*started));
	assert_non_null(th);
	assert_non_null(started);
	for (size_t i = 0; i < n; i++)
		started[i] = pthread_create(&th[i], NULL, probe_thread, &flows[i]) == 0;
	for (size_t i = 0; i < n; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			probe_thread(&flows[i]); /* no thread to be had: in this one */
	}
	free(th);
	free(started);
}

static enum nsim_prediction observed_class(enum nsim_probe_outcome o)
{
	return o == NSIM_PROBE_REACHABLE ? NSIM_PREDICT_REACHABLE
	       : o == NSIM_PROBE_REFUSED ? NSIM_PREDICT_REFUSED
					 : NSIM_PREDICT_BLOCKED;
}

static const char *class_name(enum nsim_prediction p)
{
	return p == NSIM_PREDICT_REACHABLE ? "REACHABLE" : p == NSIM_PREDICT_REFUSED ? "REFUSED" : "BLOCKED";
}

static void flow_desc(const struct flow *f, char *buf, size_t size)
{
	if (f->proto == NSIM_PROTO_ICMP)
		snprintf(buf, size, "%s -> %s icmp (echo id %u)", f->from_name, f->to_desc, f->res.sport);
	else
		snprintf(buf, size, "%s -> %s %s/%u from port %u", f->from_name, f->to_desc, nsim_proto_name(f->proto),
			 f->dport, f->res.sport);
}

/* ---- the run ---- */

static struct {
	unsigned seeds, flows, invalid, disagreements, errors, intermittent, partial, drops_compared;
	unsigned by_class[3][3]; /* [predicted][observed] */
	unsigned by_reason[16];
} stats;

static unsigned verbose;

static unsigned env_uint(const char *name, unsigned def)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return def;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	return *end ? def : (unsigned)v;
}

/* Writes a valid topology for the seed to a temporary file; its path in
 * path. Draws again (printing why) while `netsim validate` refuses it. */
static void valid_topology(uint64_t seed, char *path, size_t size)
{
	static char out[1 << 16];
	for (unsigned attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		snprintf(path, size, "/tmp/netsim-diff-XXXXXX.yaml");
		int fd = mkstemps(path, 5);
		assert_true(fd >= 0);
		FILE *f = fdopen(fd, "w");
		assert_non_null(f);
		generate(seed, attempt, f);
		assert_int_equal(fclose(f), 0);
		int rc = run(out, sizeof(out), NULL, "validate", path, NULL);
		if (rc == 0)
			return;
		stats.invalid++;
		fprintf(stderr, "seed %llu attempt %u: the generator wrote an invalid topology (%s kept); netsim validate:\n%s\n",
			(unsigned long long)seed, attempt, path, out);
	}
	fail_msg("seed %llu: no valid topology in %d attempts", (unsigned long long)seed, MAX_ATTEMPTS);
}

static void print_disagreement(uint64_t seed, const struct flow *f, const struct nsim_analysis *a, const char *path)
{
	char d[256];
	flow_desc(f, d, sizeof(d));
	fprintf(stderr, "\nDISAGREEMENT seed %llu flow %d: %s\n", (unsigned long long)seed, f->index, d);
	fprintf(stderr, "  model:    %s (%s)%s%s\n", class_name(a->prediction), nsim_reason_code(a->reason),
		a->explanation[0] ? ": " : "", a->explanation);
	for (size_t i = 0; i < a->n_hops; i++) {
		const struct nsim_ahop *h = &a->hops[i];
		fprintf(stderr, "    %s%-16s %-14s %s%s\n", h->reply ? "<- " : "-> ", h->kind, h->component, h->detail,
			h->blocked ? "  [blocked]" : "");
	}
	fprintf(stderr, "  observed: %s (%s) after %.0f ms%s%s%s\n", class_name(observed_class(f->res.outcome)),
		nsim_probe_outcome_name(f->res.outcome), f->res.ms, f->res.error ? ", " : "",
		f->res.error ? strerror(f->res.error) : "", f->res.response[0] ? "" : "");
	if (f->res.response[0])
		fprintf(stderr, "            response: '%s'\n", f->res.response);
	fprintf(stderr, "  topology: %s; replay: NETSIM_DIFF_SEED=%llu\n", path, (unsigned long long)seed);
}

/* The network agrees with the model: the same class; an intermittent
 * prediction (a NAT gateway's port unknown: the reply was lost before the
 * responder could say which) allows a blocked one only. */
static bool agrees(const struct nsim_analysis *a, enum nsim_prediction seen)
{
	if (a->prediction == NSIM_PREDICT_INTERMITTENT)
		return seen == NSIM_PREDICT_BLOCKED;
	return seen == a->prediction;
}

/* Past a NAT gateway the source port is the NAT's, at random: the model of
 * the port the responder saw ("... from ADDR:PORT"), when it answered. */
static void model_at_nat_port(const struct nsim_analyzer *an, const struct flow *f, struct nsim_flow *nf,
			      struct nsim_analysis *a, enum nsim_prediction seen)
{
	if (a->prediction != NSIM_PREDICT_INTERMITTENT || a->n_legs < 2 || seen != NSIM_PREDICT_REACHABLE)
		return;
	const char *from = strstr(f->res.response, " from ");
	const char *colon = from ? strchr(from + 6, ':') : NULL;
	unsigned port = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
	if (!port || port > 65535)
		return;
	nf->nat_sport = (uint16_t)port;
	assert_int_equal(nsim_analyzer_flow(an, nf, true, a), 0);
}

/* The model over the client's whole range agrees with the model at the
 * probe's port: the port is in the passing set iff the flow gets through
 * there (no NAT gateway cutting its own ports). */
static void ports_consistent(const struct nsim_analyzer *an, const struct nsim_flow *nf, const struct nsim_analysis *at,
			     uint64_t seed, unsigned i)
{
	struct nsim_flow all = *nf;
	struct nsim_analysis a;
	all.sport = 0;
	all.nat_sport = 0;
	if (nf->proto == NSIM_PROTO_ICMP || nsim_analyzer_flow(an, &all, false, &a) != 0 || !a.n_legs)
		return;
	const struct nsim_port_leg *c = &a.legs[0];
	if (nf->sport < c->range.from || nf->sport > c->range.to)
		return;
	if (a.prediction == NSIM_PREDICT_INTERMITTENT)
		stats.partial++;
	bool nat_cuts = a.n_legs > 1 && nsim_ports_count(&a.legs[1].pass) != (uint32_t)a.legs[1].range.to - a.legs[1].range.from + 1;
	if (nat_cuts || at->prediction == NSIM_PREDICT_REFUSED || a.prediction == NSIM_PREDICT_REFUSED)
		return;
	bool in = a.prediction != NSIM_PREDICT_BLOCKED && nsim_ports_contains(&c->pass, nf->sport);
	if (in != (at->prediction == NSIM_PREDICT_REACHABLE))
		fail_msg("seed %llu flow %u: the model over the client's ports says port %u %s, the model at that port "
			 "says %s (%s)",
			 (unsigned long long)seed, i, nf->sport, in ? "passes" : "fails", nsim_prediction_name(at->prediction),
			 nsim_reason_code(at->reason));
}

static void run_seed(uint64_t seed, const char *name, unsigned n_flows)
{
	char path[64];
	valid_topology(seed, path, sizeof(path));

	struct nsim_diags diags;
	nsim_diags_init(&diags);
	struct nsim_topology *t = NULL;
	int r = nsim_load_file(path, &diags, &t);
	if (r == 0)
		r = nsim_validate(t, &diags);
	if (r < 0)
		fail_msg("seed %llu: %s passed netsim validate but not nsim_load_file/nsim_validate (%d)",
			 (unsigned long long)seed, path, r);
	nsim_diags_clear(&diags);
	struct nsim_analyzer *an = NULL;
	assert_int_equal(nsim_analyzer_new(t, &an), 0);

	/* the endpoints */
	size_t n_hosts = 0, n_nats = 0, n_enis = 0;
	for (size_t v = 0; v < t->n_vpcs; v++) {
		n_hosts += t->vpcs[v].n_hosts;
		n_nats += t->vpcs[v].n_nat_gateways;
		for (size_t i = 0; i < t->vpcs[v].n_endpoints; i++)
			if (t->vpcs[v].endpoints[i].type == NSIM_VPCE_INTERFACE)
				n_enis += t->vpcs[v].endpoints[i].n_subnets;
	}
	struct ep *hosts = calloc(n_hosts + 1, sizeof(*hosts)), *nats = calloc(n_nats + 1, sizeof(*nats)),
		  *inet = calloc(t->n_inet_hosts + 1, sizeof(*inet)), *enis = calloc(n_enis + 1, sizeof(*enis));
	assert_true(hosts && nats && inet && enis && n_hosts && t->n_inet_hosts);
	n_hosts = n_nats = n_enis = 0;
	for (size_t v = 0; v < t->n_vpcs; v++) {
		const struct nsim_vpc *vpc = &t->vpcs[v];
		for (size_t i = 0; i < vpc->n_hosts; i++) {
			const struct nsim_host *h = &vpc->hosts[i];
			hosts[n_hosts++] = (struct ep){{.kind = NSIM_EP_HOST, .vpc = v, .idx = i}, h->name.name,
						       h->listen, h->n_listen, h->address, h->public_ip};
		}
		for (size_t i = 0; i < vpc->n_nat_gateways; i++) {
			const struct nsim_nat_gateway *g = &vpc->nat_gateways[i];
			nats[n_nats++] = (struct ep){{.kind = NSIM_EP_NAT, .vpc = v, .idx = i}, g->name.name, NULL, 0,
						     g->address, g->elastic_ip};
		}
		/* an interface endpoint's interfaces (a destination only), with its service's ports */
		for (size_t i = 0; i < vpc->n_endpoints; i++) {
			const struct nsim_vpc_endpoint *e = &vpc->endpoints[i];
			const struct nsim_inet_host *svc = e->n_service_hosts ? &t->inet_hosts[e->service_hosts[0]] : NULL;
			for (size_t k = 0; e->type == NSIM_VPCE_INTERFACE && k < e->n_subnets; k++)
				enis[n_enis++] = (struct ep){{.kind = NSIM_EP_ADDRESS, .addr = e->addresses[k]}, e->name.name,
							     svc ? svc->listen : NULL, svc ? svc->n_listen : 0,
							     e->addresses[k], 0};
		}
	}
	for (size_t i = 0; i < t->n_inet_hosts; i++) {
		const struct nsim_inet_host *h = &t->inet_hosts[i];
		inet[i] = (struct ep){{.kind = NSIM_EP_INET_HOST, .idx = i}, h->name.name, h->listen, h->n_listen,
				      h->address, 0};
	}

	struct flow *flows = calloc(n_flows, sizeof(*flows));
	assert_non_null(flows);
	struct rng fr = {seed ^ 0xD1FF5EEDull};
	for (unsigned i = 0; i < n_flows; i++) {
		struct flow *f = &flows[i];
		f->index = (int)i;
		pick_flow(&fr, t, hosts, n_hosts, inet, t->n_inet_hosts, nats, n_nats, enis, n_enis, f);
		snprintf(f->ns, sizeof(f->ns), "netsim-%s-%s", name, f->from_name);
		f->timeout_ms = PROBE_MS;
	}

	up(path, name);
	/* the drops the network reports, in every namespace of the instance */
	struct nsim_plan *plan = NULL;
	struct nsim_capture *cap = NULL;
	char *cap_err = NULL;
	bool reasons = env_uint("NETSIM_DIFF_REASONS", 1) != 0;
	assert_int_equal(nsim_plan_build(t, name, &plan), 0);
	struct nsim_capture_opts co = {.filter = "ip proto 254", .nflog = true}; /* the interfaces: nothing */
	if (reasons && nsim_capture_start_opts(plan->namespaces, plan->n_namespaces, &co, &cap, &cap_err) < 0)
		fail_msg("seed %llu: capture: %s", (unsigned long long)seed, cap_err ? cap_err : "?");
	probe_all(flows, n_flows);
	nsim_capture_stop(cap);
	size_t n_drops = 0;
	const struct nsim_drop_packet *drops = nsim_capture_drops(cap, &n_drops);
	struct nsim_arena *arena = nsim_arena_new();
	assert_non_null(arena);

	unsigned bad = 0;
	for (unsigned i = 0; i < n_flows; i++) {
		struct flow *f = &flows[i];
		struct nsim_analysis a;
		if (f->probe_err < 0 || f->res.outcome == NSIM_PROBE_ERROR) {
			char d[256];
			flow_desc(f, d, sizeof(d));
			fprintf(stderr, "seed %llu flow %u: %s: the probe failed: %s\n", (unsigned long long)seed, i, d,
				strerror(f->probe_err < 0 ? -f->probe_err : f->res.error));
			stats.errors++;
			bad++;
			continue;
		}
		struct nsim_flow nf = {.from = f->from, .dst = f->dst, .proto = f->proto, .dport = f->dport,
				       .sport = f->res.sport};
		assert_int_equal(nsim_analyzer_flow(an, &nf, true, &a), 0);
		enum nsim_prediction seen = observed_class(f->res.outcome);
		model_at_nat_port(an, f, &nf, &a, seen);
		if (!agrees(&a, seen)) {
			/* slow, not wrong? once more, alone, with time to spare (and a fresh port) */
			f->sport = (uint16_t)(f->sport + 5000);
			f->timeout_ms = RETRY_MS;
			probe_thread(f);
			nf.sport = f->res.sport;
			nf.nat_sport = 0;
			assert_int_equal(nsim_analyzer_flow(an, &nf, true, &a), 0);
			seen = observed_class(f->res.outcome);
			model_at_nat_port(an, f, &nf, &a, seen);
		}
		ports_consistent(an, &nf, &a, seed, i);
		stats.flows++;
		if (a.prediction == NSIM_PREDICT_INTERMITTENT)
			stats.intermittent++;
		else
			stats.by_class[a.prediction][seen]++;
		if ((size_t)a.reason < sizeof(stats.by_reason) / sizeof(stats.by_reason[0]))
			stats.by_reason[a.reason]++;
		if (verbose) {
			char d[256];
			flow_desc(f, d, sizeof(d));
			fprintf(stderr, "seed %llu flow %u: %s: model %s (%s), network %s%s%s\n", (unsigned long long)seed, i, d,
				class_name(a.prediction), nsim_reason_code(a.reason), nsim_probe_outcome_name(f->res.outcome),
				verbose > 1 && a.explanation[0] ? "\n    " : "", verbose > 1 ? a.explanation : "");
		}
		if (!agrees(&a, seen)) {
			stats.disagreements++;
			bad++;
			print_disagreement(seed, f, &a, path);
			continue;
		}
		/* the same verdict: for the same reason? (the first drop reported of the probe's packets) */
		uint8_t proto = f->proto == NSIM_PROTO_TCP ? 6 : f->proto == NSIM_PROTO_UDP ? 17 : 1;
		for (size_t k = 0; seen == NSIM_PREDICT_BLOCKED && nsim_check_reason_names_dropper(a.reason) && k < n_drops;
		     k++) {
			const struct nsim_drop_packet *d = &drops[k];
			bool fwd = d->p.sport == f->res.sport && (proto == 1 || d->p.dport == f->dport);
			bool rev = d->p.dport == f->res.sport && proto != 1 && d->p.sport == f->dport;
			struct nsim_check_drop cd;
			if (d->p.proto != proto || (!fwd && !rev) || (proto == 1 && d->p.quoted_proto) ||
			    nsim_check_drop_decode(t, d->prefix, arena, &cd) < 0)
				continue;
			stats.drops_compared++;
			if (!nsim_check_drop_matches(&cd, &a.dropped)) {
				char desc[256];
				flow_desc(f, desc, sizeof(desc));
				fprintf(stderr, "seed %llu flow %u: %s: the network dropped it at %s %s (%s, %s; %s), the model "
						"says %s decides (%s)\n",
					(unsigned long long)seed, i, desc, cd.kind, cd.component, cd.direction, cd.rule, d->prefix,
					a.dropped.comp.ref.name ? a.dropped.comp.ref.name : a.blocked_at,
					nsim_reason_code(a.reason));
				print_disagreement(seed, f, &a, path);
				stats.disagreements++;
				bad++;
			}
			break;
		}
	}
	nsim_arena_free(arena);
	nsim_capture_free(cap);
	nsim_plan_free(plan);
	down(name);
	if (!bad)
		unlink(path);
	free(flows);
	free(hosts);
	free(nats);
	free(inet);
	free(enis);
	nsim_analyzer_free(an);
	nsim_topology_free(t);
}

static void test_differential(void **state)
{
	(void)state;
	const char *name = instance("diff");
	unsigned n_seeds = env_uint("NETSIM_DIFF_SEEDS", DEFAULT_SEEDS);
	unsigned base = env_uint("NETSIM_DIFF_BASE", 1);
	unsigned n_flows = env_uint("NETSIM_DIFF_FLOWS", DEFAULT_FLOWS);
	if (n_flows > MAX_FLOWS)
		n_flows = MAX_FLOWS;
	if (getenv("NETSIM_DIFF_SEED") && *getenv("NETSIM_DIFF_SEED")) {
		base = env_uint("NETSIM_DIFF_SEED", 1);
		n_seeds = 1;
	}
	verbose = env_uint("NETSIM_DIFF_VERBOSE", 0);
	for (unsigned s = 0; s < n_seeds; s++) {
		run_seed((uint64_t)base + s, name, n_flows);
		stats.seeds++;
	}
	fprintf(stderr,
		"differential: %u seeds (from %u), %u flows compared, %u disagreements, %u probe errors, %u invalid "
		"topologies drawn again\n",
		stats.seeds, base, stats.flows, stats.disagreements, stats.errors, stats.invalid);
	for (int c = 0; c < 3; c++)
		fprintf(stderr, "%s %s %u/%u", c ? "," : "  model/network:", class_name((enum nsim_prediction)c),
			stats.by_class[c][0] + stats.by_class[c][1] + stats.by_class[c][2],
			stats.by_class[0][c] + stats.by_class[1][c] + stats.by_class[2][c]);
	fprintf(stderr, "\n  dropping component compared: %u flows%s", stats.drops_compared,
		env_uint("NETSIM_DIFF_REASONS", 1) ? "" : " (NETSIM_DIFF_REASONS=0)");
	fprintf(stderr, "\n  intermittent: %u flows predicted intermittent (a NAT gateway's port unknown), %u with part of "
			"the client's range cut\n", stats.intermittent, stats.partial);
	fprintf(stderr, "  reasons:");
	for (unsigned i = 0; i < sizeof(stats.by_reason) / sizeof(stats.by_reason[0]); i++)
		if (stats.by_reason[i])
			fprintf(stderr, " %s %u", nsim_reason_code((enum nsim_reason)i), stats.by_reason[i]);
	fprintf(stderr, "\n");
	assert_int_equal(stats.errors, 0);
	assert_int_equal(stats.disagreements, 0);
}

/* Partial ephemeral ranges (honest ports, issue 11): on a topology whose
 * ACLs return part of each client's range, probes from ports on both sides
 * of every boundary, and through a NAT gateway whose subnet returns
 * 32768-60999 of its 1024-65535; each compared with the model at the
 * probe's port (past the NAT, at the port the responder saw), and the model
 * over the whole range with the model at the port. */
static void test_partial_ranges(void **state)
{
	(void)state;
	const char *name = instance("ports");
	const char *path = "tests/data/analyze/ports.yaml";
	struct nsim_diags diags;
	nsim_diags_init(&diags);
	struct nsim_topology *t = NULL;
	assert_int_equal(nsim_load_file(path, &diags, &t), 0);
	assert_int_equal(nsim_validate(t, &diags), 0);
	nsim_diags_clear(&diags);
	struct nsim_analyzer *an = NULL;
	assert_int_equal(nsim_analyzer_new(t, &an), 0);
	static const struct {
		const char *from, *to;
		uint16_t sport;
	} cases[] = {
		/* data-acl returns 1024-20000 and 40000-65535 to the VPC, but denies 50000-50999 first */
		{"app", "db", 32768}, {"app", "db", 39999}, {"app", "db", 40000}, {"app", "db", 49999},
		{"app", "db", 50000}, {"app", "db", 50999}, {"app", "db", 51000}, {"app", "db", 60999},
		{"lambda", "db", 1024}, {"lambda", "db", 20000}, {"lambda", "db", 20001}, {"lambda", "db", 65535},
		{"win", "db", 49152}, {"win", "db", 50500}, {"narrow", "db", 40500},
		/* app3's own subnet returns 32768-46883 (and nat-a's 32768-60999 of the NAT's) */
		{"app3", "api", 46883}, {"app3", "api", 46884}, {"app2", "api", 33000},
	};
	enum { N_CASES = sizeof(cases) / sizeof(cases[0]), N_NAT = 40 };
	struct flow flows[N_CASES + N_NAT];
	memset(flows, 0, sizeof(flows));
	for (size_t i = 0; i < N_CASES + N_NAT; i++) {
		struct flow *f = &flows[i];
		const char *from = i < N_CASES ? cases[i].from : "app", *to = i < N_CASES ? cases[i].to : "api";
		struct nsim_endpoint te;
		assert_int_equal(nsim_analyze_resolve(t, from, &f->from), 0);
		assert_int_equal(nsim_analyze_resolve(t, to, &te), 0);
		snprintf(f->from_name, sizeof(f->from_name), "%s", from);
		snprintf(f->to_desc, sizeof(f->to_desc), "%s", to);
		f->dst = nsim_analyze_target(t, &f->from, &te);
		f->proto = NSIM_PROTO_TCP;
		f->dport = streq(to, "db") ? 5432 : 443;
		f->sport = i < N_CASES ? cases[i].sport : (uint16_t)(33000 + i);
		snprintf(f->ns, sizeof(f->ns), "netsim-%s-%s", name, from);
		f->timeout_ms = PROBE_MS;
	}
	up(path, name);
	probe_all(flows, N_CASES + N_NAT);
	unsigned nat_pass = 0, nat_fail = 0;
	for (size_t i = 0; i < N_CASES + N_NAT; i++) {
		struct flow *f = &flows[i];
		struct nsim_analysis a;
		assert_int_equal(f->probe_err, 0);
		struct nsim_flow nf = {.from = f->from, .dst = f->dst, .proto = f->proto, .dport = f->dport,
				       .sport = f->res.sport};
		assert_int_equal(nsim_analyzer_flow(an, &nf, true, &a), 0);
		enum nsim_prediction seen = observed_class(f->res.outcome);
		model_at_nat_port(an, f, &nf, &a, seen);
		if (!agrees(&a, seen)) {
			char d[256];
			flow_desc(f, d, sizeof(d));
			fail_msg("%s: model %s (%s: %s), network %s", d, nsim_prediction_name(a.prediction),
				 nsim_reason_code(a.reason), a.explanation, nsim_probe_outcome_name(f->res.outcome));
		}
		ports_consistent(an, &nf, &a, 0, (unsigned)i);
		if (i >= N_CASES) {
			nat_pass += seen == NSIM_PREDICT_REACHABLE;
			nat_fail += seen == NSIM_PREDICT_BLOCKED;
			/* the NAT's port passed is one its subnet's ACL returns */
			if (seen == NSIM_PREDICT_REACHABLE)
				assert_true(nf.nat_sport >= 32768 && nf.nat_sport <= 60999);
		}
	}
	/* about 44% of the NAT's ports pass: with 40 flows, both outcomes */
	fprintf(stderr, "partial ranges: %u cases agree; through nat-a %u of %u passed (model: 43.8%%)\n", N_CASES,
		nat_pass, N_NAT);
	assert_true(nat_pass > 0 && nat_fail > 0);
	down(name);
	nsim_analyzer_free(an);
	nsim_topology_free(t);
}

int main(int argc, char **argv)
{
	const char *print = getenv("NETSIM_DIFF_PRINT");
	if (print && *print)
		return print_topology(strtoull(print, NULL, 10));
	int r = netns_test_init(argc, argv);
	if (r)
		return r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_partial_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
