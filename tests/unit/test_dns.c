/* SPDX-License-Identifier: MIT */
/*
 * VPC DNS: model/dns (names, views, resolution: own VPC, peered VPC, other
 * VPCs, internet hosts, private zones with CNAME chains and loops, no
 * dns_support, public DNS), plan/dns (the dnsmasq configuration, the
 * resolver's addresses, process and files, the hosts' resolv.conf and hosts,
 * the SG/ACL exemption in the router's ruleset) and analyze with names
 * (NAME_NOT_FOUND). Hand-made topologies, and the serverless example with DNS
 * fields set by the test. Runs with the project root as working directory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/analyze.h"
#include "load/load.h"
#include "model/dns.h"
#include "model/net.h"
#include "model/util.h"
#include "plan/plan-internal.h"
#include "plan/plan.h"
#include "validate/validate.h"

static uint32_t A(const char *s)
{
	uint32_t a = 0;
	assert_int_equal(nsim_addr_parse(s, &a), 0);
	return a;
}

static struct nsim_ref *refs(struct nsim_arena *ar, const char *const *names, size_t n)
{
	struct nsim_ref *r = nsim_arena_alloc(ar, n + 1, sizeof(*r));
	assert_non_null(r);
	for (size_t i = 0; i < n; i++)
		r[i].name = nsim_arena_strdup(ar, names[i]);
	return r;
}

#define NAMES(...) (const char *const[]){__VA_ARGS__}, ELEMENTSOF(((const char *const[]){__VA_ARGS__}))

static void host(struct nsim_topology *t, size_t vi, size_t i, const char *name, const char *addr, const char *pub,
		 const char *const *dns, size_t n_dns)
{
	struct nsim_host *h = &t->vpcs[vi].hosts[i];
	h->name.name = nsim_arena_strdup(t->arena, name);
	h->address = A(addr);
	h->public_ip = pub ? A(pub) : 0;
	h->dns_names = refs(t->arena, dns, n_dns);
	h->n_dns_names = n_dns;
}

/*
 * main 10.0.0.0/16 (fn, db with an RDS-style name, web with a public IP),
 * peer 10.3.0.0/16 peered with main (p1), other 10.1.0.0/16 (api with a
 * public IP, priv without), nodns 10.2.0.0/16 (dns_support false), an
 * internet host, and private zone corp.internal associated with main only.
 */
static struct nsim_topology *hand_made(const char *region)
{
	struct nsim_topology *t = nsim_topology_new("hand-made");
	assert_non_null(t);
	struct nsim_arena *ar = t->arena;
	if (region)
		t->region.name = nsim_arena_strdup(ar, region);
	t->n_vpcs = 4;
	t->vpcs = nsim_arena_alloc(ar, 4, sizeof(*t->vpcs));
	const char *names[] = {"main", "other", "nodns", "peer"}, *cidrs[] = {"10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"};
	const size_t n_hosts[] = {3, 2, 1, 1};
	for (size_t i = 0; i < 4; i++) {
		struct nsim_vpc *v = &t->vpcs[i];
		v->name.name = nsim_arena_strdup(ar, names[i]);
		assert_int_equal(nsim_cidr_parse(cidrs[i], &v->cidr), 0);
		v->dns_support = i != 2;
		v->n_hosts = n_hosts[i];
		v->hosts = nsim_arena_alloc(ar, n_hosts[i], sizeof(*v->hosts));
	}
	host(t, 0, 0, "fn", "10.0.3.10", NULL, NAMES("fn.example.internal"));
	host(t, 0, 1, "db", "10.0.3.4", NULL, NAMES("items.cluster-abc123.ap-northeast-2.rds.amazonaws.com"));
	host(t, 0, 2, "web", "10.0.1.5", "203.0.113.5", NAMES("WWW.example.com."));
	host(t, 1, 0, "api", "10.1.0.10", "203.0.113.9", NAMES("api.example.com", "api.other.internal"));
	host(t, 1, 1, "priv", "10.1.0.11", NULL, NAMES("priv.other.internal"));
	host(t, 2, 0, "lonely", "10.2.0.10", NULL, NAMES("lonely.internal"));
	host(t, 3, 0, "p1", "10.3.0.5", NULL, NAMES("p1.peer.internal"));

	t->n_peerings = 1;
	t->peerings = nsim_arena_alloc(ar, 1, sizeof(*t->peerings));
	t->peerings[0].vpc_idx[0] = 3;
	t->peerings[0].vpc_idx[1] = 0;

	t->n_inet_hosts = 1;
	t->inet_hosts = nsim_arena_alloc(ar, 1, sizeof(*t->inet_hosts));
	t->inet_hosts[0].name.name = nsim_arena_strdup(ar, "secretsmanager");
	t->inet_hosts[0].address = A("192.0.2.80");
	t->inet_hosts[0].dns_names = refs(ar, NAMES("secretsmanager.ap-northeast-2.amazonaws.com"));
	t->inet_hosts[0].n_dns_names = 1;

	t->n_private_zones = 1;
	t->private_zones = nsim_arena_alloc(ar, 1, sizeof(*t->private_zones));
	struct nsim_private_zone *z = &t->private_zones[0];
	z->name.name = nsim_arena_strdup(ar, "corp.internal");
	z->vpcs = refs(ar, NAMES("main"));
	z->n_vpcs = 1;
	z->vpc_idx = nsim_arena_alloc(ar, 1, sizeof(*z->vpc_idx));
	z->vpc_idx[0] = 0;
	static const struct {
		const char *name;
		enum nsim_dns_type type;
		const char *value;
	} recs[] = {
		{"db", NSIM_DNS_A, "db"},                          /* a host name */
		{"api", NSIM_DNS_CNAME, "db.corp.internal"},       /* one CNAME */
		{"deep", NSIM_DNS_CNAME, "api.corp.internal."},    /* two */
		{"ext.corp.internal.", NSIM_DNS_A, "10.0.3.99"},   /* absolute, an address */
		{"loop1", NSIM_DNS_CNAME, "loop2.corp.internal"},
		{"loop2", NSIM_DNS_CNAME, "loop1.corp.internal"},
		{"dangling", NSIM_DNS_CNAME, "nowhere.corp.internal"},
		{"www.example.com.", NSIM_DNS_A, "10.0.1.77"},     /* the private zone wins in main */
	};
	z->n_records = ELEMENTSOF(recs);
	z->records = nsim_arena_alloc(ar, z->n_records, sizeof(*z->records));
	for (size_t i = 0; i < z->n_records; i++) {
		z->records[i].name.name = nsim_arena_strdup(ar, recs[i].name);
		z->records[i].type = recs[i].type;
		z->records[i].value.name = nsim_arena_strdup(ar, recs[i].value);
	}
	return t;
}

static uint32_t resolve_ok(const struct nsim_topology *t, size_t vi, const char *name, size_t chain)
{
	struct nsim_dns_answer a;
	int r = nsim_dns_resolve(t, vi, name, &a);
	if (r != 0)
		fail_msg("%s from VPC %zu: %s", name, vi, strerror(-r));
	assert_int_equal(a.n_chain, chain);
	return a.addr;
}

static void test_names(void **state)
{
	(void)state;
	char buf[NSIM_DNS_NAME_MAX];
	struct nsim_topology *t = hand_made(NULL);
	assert_string_equal(nsim_dns_domain(t, buf, sizeof(buf)), "ec2.internal");
	assert_string_equal(nsim_dns_private_name(t, A("10.0.3.4"), buf, sizeof(buf)), "ip-10-0-3-4.ec2.internal");
	nsim_topology_free(t);
	t = hand_made("ap-northeast-2");
	assert_string_equal(nsim_dns_domain(t, buf, sizeof(buf)), "ap-northeast-2.compute.internal");
	assert_string_equal(nsim_dns_private_name(t, A("10.0.3.4"), buf, sizeof(buf)),
			    "ip-10-0-3-4.ap-northeast-2.compute.internal");
	nsim_topology_free(t);
	t = hand_made("us-east-1");
	assert_string_equal(nsim_dns_domain(t, buf, sizeof(buf)), "ec2.internal");
	nsim_topology_free(t);

	assert_int_equal(nsim_dns_normalize("Db.Corp.Internal.", buf), 0);
	assert_string_equal(buf, "db.corp.internal");
	assert_int_equal(nsim_dns_normalize("", buf), -EINVAL);
	assert_int_equal(nsim_dns_normalize(".", buf), -EINVAL);
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(nsim_dns_normalize(longname, buf), -EINVAL);
}

static void test_resolve_own_vpc(void **state)
{
	(void)state;
	struct nsim_topology *t = hand_made("ap-northeast-2");
	struct nsim_dns_answer a;
	assert_int_equal(resolve_ok(t, 0, "ip-10-0-3-4.ap-northeast-2.compute.internal", 1), A("10.0.3.4"));
	assert_int_equal(resolve_ok(t, 0, "IP-10-0-3-4.AP-NORTHEAST-2.compute.internal.", 1), A("10.0.3.4"));
	assert_int_equal(resolve_ok(t, 0, "items.cluster-abc123.ap-northeast-2.rds.amazonaws.com", 1), A("10.0.3.4"));
	assert_int_equal(nsim_dns_resolve(t, 0, "fn.example.internal", &a), 0);
	assert_int_equal(a.source, NSIM_DNS_FROM_HOST);
	assert_int_equal(a.vpc, 0);
	assert_int_equal(a.idx, 0);
	/* us-east-1's domain is not this region's */
	assert_int_equal(nsim_dns_resolve(t, 0, "ip-10-0-3-4.ec2.internal", &a), -ENOENT);
	/* an address that is no host's has no name */
	assert_int_equal(nsim_dns_resolve(t, 0, "ip-10-0-3-5.ap-northeast-2.compute.internal", &a), -ENOENT);
	assert_int_equal(nsim_dns_resolve(t, 0, "nothing.example", &a), -ENOENT);
	assert_int_equal(nsim_dns_resolve(t, 0, "", &a), -EINVAL);
	nsim_topology_free(t);
}

static void test_resolve_across(void **state)
{
	(void)state;
	struct nsim_topology *t = hand_made(NULL);
	struct nsim_dns_answer a;
	/* peered: private names and dns_names, private addresses */
	assert_int_equal(resolve_ok(t, 0, "p1.peer.internal", 1), A("10.3.0.5"));
	assert_int_equal(resolve_ok(t, 0, "ip-10-3-0-5.ec2.internal", 1), A("10.3.0.5"));
	assert_int_equal(resolve_ok(t, 3, "items.cluster-abc123.ap-northeast-2.rds.amazonaws.com", 1), A("10.0.3.4"));
	/* another VPC: dns_names of hosts with a public IP answer that IP; private ones do not resolve */
	assert_int_equal(resolve_ok(t, 0, "api.example.com", 1), A("203.0.113.9"));
	assert_int_equal(resolve_ok(t, 0, "api.other.internal", 1), A("203.0.113.9"));
	assert_int_equal(nsim_dns_resolve(t, 0, "priv.other.internal", &a), -ENOENT);
	assert_int_equal(nsim_dns_resolve(t, 0, "ip-10-1-0-10.ec2.internal", &a), -ENOENT);
	assert_int_equal(nsim_dns_resolve(t, 1, "items.cluster-abc123.ap-northeast-2.rds.amazonaws.com", &a), -ENOENT);
	/* inside its own VPC, the same name answers the private address */
	assert_int_equal(resolve_ok(t, 1, "api.example.com", 1), A("10.1.0.10"));
	/* internet hosts, from every VPC with DNS */
	assert_int_equal(resolve_ok(t, 1, "secretsmanager.ap-northeast-2.amazonaws.com", 1), A("192.0.2.80"));
	/* no dns_support: no resolver at all */
	assert_int_equal(nsim_dns_resolve(t, 2, "lonely.internal", &a), -EHOSTUNREACH);
	assert_int_equal(nsim_dns_resolve(t, 2, "secretsmanager.ap-northeast-2.amazonaws.com", &a), -EHOSTUNREACH);
	assert_int_equal(nsim_dns_resolve(t, 99, "x.y", &a), -EHOSTUNREACH);
	nsim_topology_free(t);
}

static void test_private_zone(void **state)
{
	(void)state;
	struct nsim_topology *t = hand_made(NULL);
	struct nsim_dns_answer a;
	assert_int_equal(resolve_ok(t, 0, "db.corp.internal", 1), A("10.0.3.4"));
	assert_int_equal(resolve_ok(t, 0, "ext.corp.internal", 1), A("10.0.3.99"));
	assert_int_equal(nsim_dns_resolve(t, 0, "Deep.Corp.Internal.", &a), 0);
	assert_int_equal(a.addr, A("10.0.3.4"));
	assert_int_equal(a.n_chain, 3);
	assert_string_equal(a.chain[0], "deep.corp.internal");
	assert_string_equal(a.chain[1], "api.corp.internal");
	assert_string_equal(a.chain[2], "db.corp.internal");
	assert_int_equal(a.source, NSIM_DNS_FROM_ZONE);
	assert_int_equal(nsim_dns_resolve(t, 0, "loop1.corp.internal", &a), -ELOOP);
	assert_int_equal(nsim_dns_resolve(t, 0, "dangling.corp.internal", &a), -ENOENT);
	/* the zone's record wins over a host's dns_name in main only */
	assert_int_equal(resolve_ok(t, 0, "www.example.com", 1), A("10.0.1.77"));
	assert_int_equal(resolve_ok(t, 3, "www.example.com", 1), A("10.0.1.5"));
	/* not associated with other VPCs */
	assert_int_equal(nsim_dns_resolve(t, 1, "db.corp.internal", &a), -ENOENT);
	assert_int_equal(nsim_dns_resolve(t, 3, "db.corp.internal", &a), -ENOENT);
	nsim_topology_free(t);
}

static void test_public(void **state)
{
	(void)state;
	struct nsim_topology *t = hand_made(NULL);
	struct nsim_dns_answer a;
	assert_int_equal(nsim_dns_resolve_public(t, "api.example.com", &a), 0);
	assert_int_equal(a.addr, A("203.0.113.9"));
	assert_int_equal(nsim_dns_resolve_public(t, "www.example.com", &a), 0);
	assert_int_equal(a.addr, A("203.0.113.5"));
	assert_int_equal(nsim_dns_resolve_public(t, "secretsmanager.ap-northeast-2.amazonaws.com", &a), 0);
	assert_int_equal(a.addr, A("192.0.2.80"));
	assert_int_equal(nsim_dns_resolve_public(t, "items.cluster-abc123.ap-northeast-2.rds.amazonaws.com", &a), -ENOENT);
	assert_int_equal(nsim_dns_resolve_public(t, "ip-10-0-1-5.ec2.internal", &a), -ENOENT);
	assert_int_equal(nsim_dns_resolve_public(t, "db.corp.internal", &a), -ENOENT);
	nsim_topology_free(t);
}

static int count_cb(const struct nsim_dns_rr *rr, void *userdata)
{
	size_t *n = userdata;
	if (*n == 0) {
		assert_int_equal(rr->source, NSIM_DNS_FROM_ZONE); /* zones first */
		assert_string_equal(rr->name, "db.corp.internal");
	}
	++*n;
	return 0;
}

static int stop_cb(const struct nsim_dns_rr *rr, void *userdata)
{
	(void)rr;
	(void)userdata;
	return -ENOMEM;
}

static void test_view(void **state)
{
	(void)state;
	struct nsim_topology *t = hand_made(NULL);
	size_t n = 0;
	assert_int_equal(nsim_dns_view_foreach(t, 0, count_cb, &n), 0);
	/* 7 zone records (dangling is kept, the CNAME targets are names) + 3 hosts x 2 + p1 x 2 + api's 2 public + secretsmanager */
	assert_int_equal(n, 8 + 6 + 2 + 2 + 1);
	n = 0;
	assert_int_equal(nsim_dns_view_foreach(t, 2, count_cb, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(nsim_dns_view_foreach(t, 0, stop_cb, NULL), -ENOMEM);
	nsim_topology_free(t);
}

static void test_dnsmasq_conf(void **state)
{
	(void)state;
	struct nsim_topology *t = hand_made("ap-northeast-2");
	char *conf = NULL;
	assert_int_equal(nsim_plan_dns_conf(t, 0, &conf), 0);
	static const char *const want[] = {
		"no-resolv\n", "no-hosts\n", "bind-interfaces\n", "listen-address=10.0.0.2\n",
		"listen-address=169.254.169.253\n", "port=53\n", "local=/#/\n", "pid-file=\n",
		"host-record=ip-10-0-3-4.ap-northeast-2.compute.internal,10.0.3.4\n",
		"host-record=items.cluster-abc123.ap-northeast-2.rds.amazonaws.com,10.0.3.4\n",
		"host-record=db.corp.internal,10.0.3.4\n", "cname=api.corp.internal,db.corp.internal\n",
		"cname=deep.corp.internal,api.corp.internal\n", "host-record=www.example.com,10.0.1.77\n",
		"host-record=api.example.com,203.0.113.9\n", "host-record=p1.peer.internal,10.3.0.5\n",
		"host-record=secretsmanager.ap-northeast-2.amazonaws.com,192.0.2.80\n",
	};
	for (size_t i = 0; i < ELEMENTSOF(want); i++)
		if (!strstr(conf, want[i]))
			fail_msg("dnsmasq conf lacks %s--- conf:\n%s", want[i], conf);
	/* the first record of a name is its only answer; private names elsewhere never */
	assert_null(strstr(conf, "www.example.com,10.0.1.5"));
	assert_null(strstr(conf, "priv.other.internal"));
	assert_null(strstr(conf, "10.1.0.10"));
	assert_null(strstr(conf, "server="));
	/* loops (dnsmasq would not start) and dangling CNAMEs are left out: NXDOMAIN, as resolved */
	assert_null(strstr(conf, "loop1"));
	assert_null(strstr(conf, "loop2"));
	assert_null(strstr(conf, "dangling"));
	free(conf);
	nsim_topology_free(t);
}

/* ---- the serverless example with DNS set by the test (the loader fills it since `fmt`) ---- */

static struct nsim_topology *serverless(bool dns_support)
{
	struct nsim_diags d;
	struct nsim_topology *t = NULL;
	nsim_diags_init(&d);
	int r = nsim_load_file("topologies/serverless-backend.yaml", &d, &t);
	if (r == 0)
		r = nsim_validate(t, &d);
	nsim_diags_clear(&d);
	assert_int_equal(r, 0);
	struct nsim_vpc *v = &t->vpcs[0];
	v->dns_support = dns_support;
	t->region.name = nsim_arena_strdup(t->arena, "ap-northeast-2");
	for (size_t i = 0; i < v->n_hosts; i++) {
		struct nsim_host *h = &v->hosts[i];
		if (streq(h->name.name, "db")) {
			h->dns_names = refs(t->arena, NAMES("items.cluster-abc123.ap-northeast-2.rds.amazonaws.com"));
			h->n_dns_names = 1;
		} else if (streq(h->name.name, "bastion")) {
			h->dns_names = refs(t->arena, NAMES("bastion.example.com"));
			h->n_dns_names = 1;
		} else if (streq(h->name.name, "proxy")) {
			h->dns_names = refs(t->arena, NAMES("items-proxy.proxy-abc123.ap-northeast-2.rds.amazonaws.com"));
			h->n_dns_names = 1;
		}
	}
	struct nsim_inet_host *ih = &t->inet_hosts[0]; /* partner-api */
	ih->dns_names = refs(t->arena, NAMES("api.partner.example"));
	ih->n_dns_names = 1;
	return t;
}

static const struct nsim_plan_host *plan_host(const struct nsim_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_hosts; i++)
		if (streq(p->hosts[i].name, name))
			return &p->hosts[i];
	fail_msg("no host %s in the plan", name);
	return NULL;
}

static void test_plan(void **state)
{
	(void)state;
	struct nsim_topology *t = serverless(true);
	struct nsim_plan *p = NULL;
	assert_int_equal(nsim_plan_build(t, "dnstest", &p), 0);

	/* the resolver's two addresses, on the router's lo */
	size_t found = 0;
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct nsim_op *o = &p->ops[i];
		if (o->kind == NSIM_OP_ADDR && streq(o->ns, "netsim-dnstest-main") && streq(o->ifname, "lo") &&
		    o->prefix == 32 && (o->addr == A("10.0.0.2") || o->addr == A("169.254.169.253")))
			found++;
		/* the exemption comes before the drop of 169.254.0.0/16 and the SG/ACL chains see none of it */
		if (o->kind == NSIM_OP_NFT && streq(o->ns, "netsim-dnstest-main") && strstr(o->text, "sg_egress")) {
			const char *ex = strstr(o->text, "ip daddr { 10.0.0.2, 169.254.169.253 } meta l4proto { tcp, udp } th dport 53 counter accept");
			const char *drop = strstr(o->text, "ip daddr 169.254.0.0/16 counter drop");
			assert_non_null(ex);
			assert_non_null(drop);
			assert_true(ex < drop);
			found += 10;
		}
	}
	assert_int_equal(found, 12);

	/* the VPC's resolver and public DNS (it has names: partner-api's, bastion's), each with its file and
	 * argv with the state dir placeholder */
	assert_int_equal(p->n_processes, 2);
	const struct nsim_plan_process *pr = &p->processes[0];
	assert_int_equal(pr->kind, NSIM_PROCESS_RESOLVER);
	assert_string_equal(pr->name, "dns-main");
	assert_string_equal(pr->ns, "netsim-dnstest-main");
	assert_string_equal(pr->vpc, "main");
	assert_null(pr->host);
	assert_int_equal(pr->argv->argc, 3);
	assert_string_equal(pr->argv->argv[0], "dnsmasq");
	assert_string_equal(pr->argv->argv[1], "--keep-in-foreground");
	assert_string_equal(pr->argv->argv[2], "--conf-file=@STATE_DIR@/dns-main.conf");
	assert_null(pr->argv->argv[3]);
	assert_int_equal(pr->n_files, 1);
	assert_string_equal(pr->files[0].name, "dns-main.conf");
	assert_non_null(strstr(pr->files[0].text, "host-record=items-proxy.proxy-abc123.ap-northeast-2.rds.amazonaws.com,10.0.3.20\n"));
	assert_non_null(strstr(pr->files[0].text, "host-record=api.partner.example,198.51.100.20\n"));
	assert_int_equal(pr->n_ready, 1);
	assert_int_equal(pr->ready[0].from, 53);
	assert_int_equal(pr->ready[0].proto, NSIM_PROTO_TCP);
	assert_int_equal(pr->ready_addr, A("10.0.0.2"));
	pr = &p->processes[1];
	assert_string_equal(pr->name, "dns-internet");
	assert_string_equal(pr->ns, "netsim-dnstest-internet");
	assert_null(pr->vpc);
	assert_string_equal(pr->argv->argv[2], "--conf-file=@STATE_DIR@/dns-internet.conf");
	assert_non_null(strstr(pr->files[0].text, "listen-address=169.254.0.1\n"));
	assert_non_null(strstr(pr->files[0].text, "host-record=api.partner.example,198.51.100.20\n"));
	assert_non_null(strstr(pr->files[0].text, "host-record=bastion.example.com,203.0.113.20\n"));
	assert_null(strstr(pr->files[0].text, "rds.amazonaws.com"));
	assert_null(strstr(pr->files[0].text, "compute.internal"));

	/* every VPC host has its resolv.conf and hosts; NAT gateways and internet hosts none */
	const struct nsim_plan_host *h = plan_host(p, "fn");
	assert_string_equal(h->resolv_conf.name, "resolv-fn.conf");
	assert_non_null(strstr(h->resolv_conf.text, "\nnameserver 10.0.0.2\n"));
	assert_non_null(strstr(h->resolv_conf.text, "\nsearch ap-northeast-2.compute.internal\n"));
	assert_string_equal(h->hosts_file.name, "hosts-fn");
	char line[128];
	snprintf(line, sizeof(line), "127.0.0.1\tlocalhost\n");
	assert_non_null(strstr(h->hosts_file.text, line));
	char a[NSIM_ADDR_STRLEN], want[160];
	snprintf(want, sizeof(want), "%s\tip-%s.ap-northeast-2.compute.internal ip-%s fn\n", nsim_addr_fmt(h->addr, a),
		 "10-0-3-4", "10-0-3-4");
	assert_string_equal(strstr(h->hosts_file.text, "10.0.3."), want);
	assert_null(plan_host(p, "nat-a")->resolv_conf.name);
	/* internet hosts ask public DNS, on the internet router (169.254.0.1) */
	h = plan_host(p, "partner-api");
	assert_string_equal(h->resolv_conf.name, "resolv-partner-api.conf");
	assert_non_null(strstr(h->resolv_conf.text, "\nnameserver 169.254.0.1\n"));
	assert_non_null(strstr(h->hosts_file.text, "198.51.100.20\tpartner-api\n"));
	nsim_plan_free(p);
	nsim_topology_free(t);

	/* without dns_support: no resolver, no exemption; resolv.conf still names +2 (nothing answers, as in AWS) */
	t = serverless(false);
	assert_int_equal(nsim_plan_build(t, "dnstest", &p), 0);
	assert_int_equal(p->n_processes, 1); /* public DNS only */
	assert_string_equal(p->processes[0].name, "dns-internet");
	for (size_t i = 0; i < p->n_ops; i++) {
		assert_false(p->ops[i].kind == NSIM_OP_ADDR && streq(p->ops[i].ifname, "lo"));
		if (p->ops[i].kind == NSIM_OP_NFT && streq(p->ops[i].ns, "netsim-dnstest-main"))
			assert_null(strstr(p->ops[i].text, "dport 53"));
	}
	assert_non_null(strstr(plan_host(p, "fn")->resolv_conf.text, "nameserver 10.0.0.2\n"));
	nsim_plan_free(p);
	/* nothing public to answer: no public DNS process either, internet hosts keep their resolv.conf */
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		t->inet_hosts[i].n_dns_names = 0;
	for (size_t i = 0; i < t->vpcs[0].n_hosts; i++)
		t->vpcs[0].hosts[i].n_dns_names = 0;
	assert_int_equal(nsim_plan_build(t, "dnstest", &p), 0);
	assert_int_equal(p->n_processes, 0);
	assert_non_null(strstr(plan_host(p, "partner-api")->resolv_conf.text, "nameserver 169.254.0.1\n"));
	nsim_plan_free(p);
	nsim_topology_free(t);
}

static void flow(const struct nsim_topology *t, const char *from, const char *to, uint16_t port,
		 struct nsim_analysis *a, uint32_t *ret_dst)
{
	struct nsim_endpoint f, e;
	assert_int_equal(nsim_analyze_resolve(t, from, &f), 0);
	assert_int_equal(nsim_analyze_resolve(t, to, &e), 0);
	assert_int_equal(e.kind, NSIM_EP_DNS);
	struct nsim_flow fl = {.from = f, .proto = NSIM_PROTO_TCP, .dport = port, .name = to};
	fl.dst = nsim_analyze_target(t, &f, &e);
	*ret_dst = fl.dst;
	assert_int_equal(nsim_analyze_flow(t, &fl, a), 0);
	/* the quiet analysis agrees */
	struct nsim_analyzer *an;
	struct nsim_analysis q;
	assert_int_equal(nsim_analyzer_new(t, &an), 0);
	assert_int_equal(nsim_analyzer_flow(an, &fl, false, &q), 0);
	assert_int_equal(q.prediction, a->prediction);
	assert_int_equal(q.reason, a->reason);
	nsim_analyzer_free(an);
}

static void test_analyze(void **state)
{
	(void)state;
	struct nsim_topology *t = serverless(true);
	struct nsim_analysis a;
	uint32_t dst;
	flow(t, "fn", "items-proxy.proxy-abc123.ap-northeast-2.rds.amazonaws.com", 3306, &a, &dst);
	assert_int_equal(dst, A("10.0.3.20"));
	assert_int_equal(a.prediction, NSIM_PREDICT_REACHABLE);
	assert_string_equal(a.hops[0].kind, "DNS resolver");
	assert_non_null(strstr(a.hops[0].detail, "resolves to 10.0.3.20"));
	/* the DB by name: resolves, then the security group blocks */
	flow(t, "fn", "ITEMS.cluster-abc123.ap-northeast-2.rds.amazonaws.com.", 3306, &a, &dst);
	assert_int_equal(a.reason, NSIM_REASON_SG_INGRESS_NO_RULE);
	/* an unknown name */
	flow(t, "fn", "nothing.example.com", 443, &a, &dst);
	assert_int_equal(dst, 0);
	assert_int_equal(a.prediction, NSIM_PREDICT_BLOCKED);
	assert_int_equal(a.reason, NSIM_REASON_NAME_NOT_FOUND);
	assert_string_equal(nsim_reason_code(a.reason), "NAME_NOT_FOUND");
	assert_string_equal(a.blocked_at, "main");
	assert_non_null(strstr(a.explanation, "NXDOMAIN"));
	assert_true(a.hops[0].blocked);
	/* the internet sees neither private names nor the DB's */
	flow(t, "partner-api", "items.cluster-abc123.ap-northeast-2.rds.amazonaws.com", 3306, &a, &dst);
	assert_int_equal(a.reason, NSIM_REASON_NAME_NOT_FOUND);
	assert_non_null(strstr(a.explanation, "from the internet"));
	flow(t, "partner-api", "api.partner.example", 443, &a, &dst);
	assert_int_equal(a.prediction, NSIM_PREDICT_REACHABLE);
	nsim_topology_free(t);

	t = serverless(false);
	flow(t, "fn", "api.partner.example", 443, &a, &dst);
	assert_int_equal(a.reason, NSIM_REASON_NAME_NOT_FOUND);
	assert_non_null(strstr(a.explanation, "dns_support: false"));
	/* a host name is never taken for a DNS name */
	struct nsim_endpoint e;
	assert_int_equal(nsim_analyze_resolve(t, "db", &e), 0);
	assert_int_equal(e.kind, NSIM_EP_HOST);
	assert_int_equal(nsim_analyze_resolve(t, "nodots", &e), -ENOENT);
	nsim_topology_free(t);
}

static const struct nsim_host *find_host(const struct nsim_topology *t, const char *name)
{
	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++)
			if (streq(t->vpcs[v].hosts[i].name.name, name))
				return &t->vpcs[v].hosts[i];
	fail_msg("no host %s", name);
	return NULL;
}

/* A file through the loader and validator (fmt): region, dns_support,
 * dns_names, private zone records with fqdn and addr filled by validate/. */
static void test_loaded(void **state)
{
	(void)state;
	struct nsim_diags d;
	struct nsim_topology *t = NULL;
	nsim_diags_init(&d);
	assert_int_equal(nsim_load_file("tests/data/valid/real-stack.yaml", &d, &t), 0);
	assert_int_equal(nsim_validate(t, &d), 0);
	nsim_diags_clear(&d);
	uint32_t fn = find_host(t, "fn")->address, proxy = find_host(t, "proxy")->address,
		 db = find_host(t, "db")->address, web = find_host(t, "web")->address;
	char pn[NSIM_DNS_NAME_MAX];
	assert_int_equal(resolve_ok(t, 0, nsim_dns_private_name(t, fn, pn, sizeof(pn)), 1), fn);
	assert_non_null(strstr(pn, ".ap-northeast-2.compute.internal"));
	assert_int_equal(resolve_ok(t, 0, "items-proxy.proxy-abc123.ap-northeast-2.rds.amazonaws.com", 1), proxy);
	assert_int_equal(resolve_ok(t, 0, "items.cluster-abc123.ap-northeast-2.rds.amazonaws.com.", 1), db);
	assert_int_equal(resolve_ok(t, 0, "db.corp.internal", 1), db);
	assert_int_equal(resolve_ok(t, 0, "secrets.corp.internal", 1), A("192.0.2.80"));
	assert_int_equal(resolve_ok(t, 0, "legacy.corp.internal", 1), A("10.0.4.200"));
	assert_int_equal(resolve_ok(t, 0, "WWW.corp.internal", 2), web);
	assert_int_equal(resolve_ok(t, 0, "secretsmanager.ap-northeast-2.amazonaws.com", 1), A("192.0.2.80"));
	struct nsim_dns_answer a;
	assert_int_equal(nsim_dns_resolve(t, 0, "nowhere.corp.internal", &a), -ENOENT);

	char *conf = NULL;
	assert_int_equal(nsim_plan_dns_conf(t, 0, &conf), 0);
	assert_non_null(strstr(conf, "cname=www.corp.internal,web.corp.internal\n"));
	assert_non_null(strstr(conf, "host-record=legacy.corp.internal,10.0.4.200\n"));
	free(conf);

	/* the file's second expectation: the name resolves, db-sg drops it */
	const struct nsim_expect *e = &t->expects[1];
	assert_int_equal(e->to.kind, NSIM_EP_DNS);
	struct nsim_flow f = {.from = e->from, .proto = e->proto, .dport = e->port.from, .name = e->to.ref.name};
	f.dst = nsim_analyze_target(t, &e->from, &e->to);
	assert_int_equal(f.dst, db);
	struct nsim_analysis an;
	assert_int_equal(nsim_analyze_flow(t, &f, &an), 0);
	assert_int_equal(an.reason, NSIM_REASON_SG_INGRESS_NO_RULE);
	nsim_topology_free(t);
}

/* Interface endpoints in the view: with private DNS the service's public
 * name answers the endpoint's interfaces (all of them) inside its VPC only;
 * the endpoint-specific name always does, in that VPC; peered VPCs, other
 * VPCs and public DNS keep the public address. */
static const char endpoints_text[] =
	"name: ep\n"
	"region: eu-west-1\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    dns_hostnames: true\n"
	"    subnets:\n"
	"      - { name: a, cidr: 10.0.1.0/24, az: a }\n"
	"      - { name: b, cidr: 10.0.2.0/24, az: b }\n"
	"    endpoints:\n"
	"      - { name: sm-ep, type: interface, service: secretsmanager, subnets: [a, b] }\n"
	"      - { name: sts-ep, type: interface, service: sts, subnets: [b], private_dns: false }\n"
	"    hosts:\n"
	"      - { name: fn, subnet: a }\n"
	"  - name: peer\n"
	"    cidr: 10.1.0.0/16\n"
	"    dns_hostnames: true\n"
	"    subnets: [{ name: a, cidr: 10.1.1.0/24 }]\n"
	"    hosts: [{ name: p1, subnet: a }]\n"
	"peerings: [{ name: pcx, between: [main, peer] }]\n"
	"internet:\n"
	"  hosts:\n"
	"    - { name: secretsmanager, address: 192.0.2.80, listen: [443/tcp], service: secretsmanager }\n"
	"    - { name: sts, address: 192.0.2.85, listen: [443/tcp], service: sts }\n";

static int collect_cb(const struct nsim_dns_rr *rr, void *userdata)
{
	char *buf = userdata, a[NSIM_ADDR_STRLEN];
	size_t n = strlen(buf);
	if (rr->type == NSIM_DNS_A)
		snprintf(buf + n, 4096 - n, "%s=%s/%d\n", rr->name, nsim_addr_fmt(rr->addr, a), (int)rr->source);
	return 0;
}

static void test_endpoints(void **state)
{
	(void)state;
	struct nsim_diags d;
	struct nsim_topology *t = NULL;
	nsim_diags_init(&d);
	assert_int_equal(nsim_load_buffer("ep.yaml", endpoints_text, strlen(endpoints_text), &d, &t), 0);
	assert_int_equal(nsim_validate(t, &d), 0);
	nsim_diags_clear(&d);
	const struct nsim_vpc_endpoint *sm = &t->vpcs[0].endpoints[0], *sts = &t->vpcs[0].endpoints[1];
	assert_int_equal(sm->addresses[0], A("10.0.1.5"));
	assert_int_equal(sm->addresses[1], A("10.0.2.4"));
	assert_int_equal(sts->addresses[0], A("10.0.2.5"));

	/* main: private DNS on: the endpoint, first interface first */
	struct nsim_dns_answer a;
	assert_int_equal(nsim_dns_resolve(t, 0, "SecretsManager.eu-west-1.amazonaws.com.", &a), 0);
	assert_int_equal(a.addr, A("10.0.1.5"));
	assert_int_equal(a.source, NSIM_DNS_FROM_ENDPOINT);
	assert_int_equal(a.vpc, 0);
	assert_int_equal(a.idx, 0);
	assert_int_equal(resolve_ok(t, 0, "vpce-sm-ep.secretsmanager.eu-west-1.vpce.amazonaws.com", 1), A("10.0.1.5"));
	/* private DNS off: the public name stays public; the vpce name is the endpoint's */
	assert_int_equal(resolve_ok(t, 0, "sts.eu-west-1.amazonaws.com", 1), A("192.0.2.85"));
	assert_int_equal(resolve_ok(t, 0, "vpce-sts-ep.sts.eu-west-1.vpce.amazonaws.com", 1), A("10.0.2.5"));
	/* every interface is in the view, in order, before the public record */
	char buf[4096] = "";
	assert_int_equal(nsim_dns_view_foreach(t, 0, collect_cb, buf), 0);
	const char *x = strstr(buf, "secretsmanager.eu-west-1.amazonaws.com=10.0.1.5/3\n"),
		   *y = strstr(buf, "secretsmanager.eu-west-1.amazonaws.com=10.0.2.4/3\n"),
		   *z = strstr(buf, "secretsmanager.eu-west-1.amazonaws.com=192.0.2.80/2\n");
	if (!x || !y || !z || !(x < y && y < z))
		fail_msg("view of main:\n%s", buf);

	/* a peered VPC, and public DNS: the public address; no vpce name */
	assert_int_equal(resolve_ok(t, 1, "secretsmanager.eu-west-1.amazonaws.com", 1), A("192.0.2.80"));
	assert_int_equal(nsim_dns_resolve(t, 1, "vpce-sm-ep.secretsmanager.eu-west-1.vpce.amazonaws.com", &a), -ENOENT);
	assert_int_equal(nsim_dns_resolve_public(t, "secretsmanager.eu-west-1.amazonaws.com", &a), 0);
	assert_int_equal(a.addr, A("192.0.2.80"));
	assert_int_equal(nsim_dns_resolve_public(t, "vpce-sm-ep.secretsmanager.eu-west-1.vpce.amazonaws.com", &a),
			 -ENOENT);

	/* the resolver of main answers both interfaces, and not the public address */
	char *conf = NULL;
	assert_int_equal(nsim_plan_dns_conf(t, 0, &conf), 0);
	static const char *const want[] = {
		"host-record=secretsmanager.eu-west-1.amazonaws.com,10.0.1.5\n",
		"host-record=secretsmanager.eu-west-1.amazonaws.com,10.0.2.4\n",
		"host-record=vpce-sm-ep.secretsmanager.eu-west-1.vpce.amazonaws.com,10.0.1.5\n",
		"host-record=vpce-sm-ep.secretsmanager.eu-west-1.vpce.amazonaws.com,10.0.2.4\n",
		"host-record=vpce-sts-ep.sts.eu-west-1.vpce.amazonaws.com,10.0.2.5\n",
		"host-record=sts.eu-west-1.amazonaws.com,192.0.2.85\n",
	};
	for (size_t i = 0; i < ELEMENTSOF(want); i++)
		if (!strstr(conf, want[i]))
			fail_msg("main's dnsmasq conf lacks %s--- conf:\n%s", want[i], conf);
	assert_null(strstr(conf, "secretsmanager.eu-west-1.amazonaws.com,192.0.2.80"));
	free(conf);
	assert_int_equal(nsim_plan_dns_conf(t, 1, &conf), 0);
	assert_non_null(strstr(conf, "host-record=secretsmanager.eu-west-1.amazonaws.com,192.0.2.80\n"));
	assert_null(strstr(conf, "vpce"));
	assert_null(strstr(conf, "10.0.1.5"));
	free(conf);

	/* the analyzer resolves as fn does */
	const struct nsim_endpoint from = {.kind = NSIM_EP_HOST, .vpc = 0, .idx = 0};
	uint32_t addr = 0;
	char why[256];
	assert_int_equal(nsim_analyze_name(t, &from, "secretsmanager.eu-west-1.amazonaws.com", &addr, why, sizeof(why)), 0);
	assert_int_equal(addr, A("10.0.1.5"));
	const struct nsim_endpoint p1 = {.kind = NSIM_EP_HOST, .vpc = 1, .idx = 0};
	assert_int_equal(nsim_analyze_name(t, &p1, "secretsmanager.eu-west-1.amazonaws.com", &addr, why, sizeof(why)), 0);
	assert_int_equal(addr, A("192.0.2.80"));
	nsim_topology_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_resolve_own_vpc),
		cmocka_unit_test(test_resolve_across),
		cmocka_unit_test(test_private_zone),
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_dnsmasq_conf),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_analyze),
		cmocka_unit_test(test_loaded),
		cmocka_unit_test(test_endpoints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
