/* SPDX-License-Identifier: MIT */
/*
 * The analyzer (netsim/analyze/), from the model alone: every reason code
 * triggered by a small topology of tests/data/analyze/, with its verdict, the
 * component that blocked, key words of the explanation and the hop list;
 * reachable paths (longest prefix, NAT, internet gateway, peering, security
 * group references, default group, same subnet, union of groups, protocols),
 * the reply's route and ACLs, the serverless example's expectations, and a
 * 1000-host matrix.
 *
 * Every flow is analysed twice, with and without explanation, and both must
 * agree on the verdict. Runs with the project root as working directory.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/analyze.h"
#include "load/load.h"
#include "model/net.h"
#include "model/util.h"
#include "validate/validate.h"

#define DATA "tests/data/analyze/"

/* ---- helpers ---- */

struct topo {
	struct nsim_topology *t;
	struct nsim_analyzer *an;
};

static char last_flow[200]; /* the flow being checked, for failure messages */
static struct topo cur;     /* the open topology: closed by teardown, also after a failure */
static char tmp_path[64];   /* a generated topology to remove */

static void dump_analysis(const struct nsim_analysis *a)
{
	fprintf(stderr, "flow %s: %s (%s), blocked at '%s'\n  %s\n", last_flow, nsim_prediction_name(a->prediction),
		nsim_reason_code(a->reason), a->blocked_at, a->explanation);
	for (size_t k = 0; k < a->n_hops; k++) {
		const struct nsim_ahop *h = &a->hops[k];
		fprintf(stderr, "  %2zu %s%s|%s%s   %s\n", k, h->reply ? "<" : "", h->component, h->kind,
			h->blocked ? "!" : "", h->detail);
	}
}

__attribute__((format(printf, 2, 3))) static void fail_with(const struct nsim_analysis *a, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (a)
		dump_analysis(a);
	fail_msg("%s: %s", last_flow, msg);
}

static void close_topo(struct topo *o)
{
	nsim_analyzer_free(o->an);
	nsim_topology_free(o->t);
	o->an = NULL;
	o->t = NULL;
}

/* Loads and validates (warnings allowed), and builds an analyzer: the test's
 * current topology, replacing the one before. */
static struct topo *open_topo(const char *path)
{
	struct topo *o = &cur;
	struct nsim_diags d;
	close_topo(o);
	nsim_diags_init(&d);
	int r = nsim_load_file(path, &d, &o->t);
	if (r == 0)
		r = nsim_validate(o->t, &d);
	if (r < 0 || d.n_errors) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "  %s:%u:%u: %s: %s\n", d.items[i].file, d.items[i].line, d.items[i].col,
				nsim_severity_name(d.items[i].severity), d.items[i].message);
		nsim_diags_clear(&d);
		fail_msg("%s: does not load and validate (%d)", path, r);
	}
	nsim_diags_clear(&d);
	assert_int_equal(nsim_analyzer_new(o->t, &o->an), 0);
	assert_non_null(o->an);
	return o;
}

static int teardown(void **state)
{
	(void)state;
	close_topo(&cur);
	if (tmp_path[0])
		unlink(tmp_path);
	tmp_path[0] = '\0';
	return 0;
}

static void parse_port(const char *s, enum nsim_proto *ret_proto, uint16_t *ret_port)
{
	if (streq(s, "icmp")) {
		*ret_proto = NSIM_PROTO_ICMP;
		*ret_port = 0;
		return;
	}
	char *end;
	long port = strtol(s, &end, 10);
	assert_true(port >= 1 && port <= 65535);
	assert_true(streq(end, "/tcp") || streq(end, "/udp"));
	*ret_proto = streq(end, "/tcp") ? NSIM_PROTO_TCP : NSIM_PROTO_UDP;
	*ret_port = (uint16_t)port;
}

static bool has_null(const char *s)
{
	return strstr(s, "(null)") != NULL;
}

/* What holds for every analysis, whatever the flow. */
static void check_invariants(const struct nsim_analysis *a)
{
	size_t n_blocked = 0, blocked = 0;
	for (size_t k = 0; k < a->n_hops; k++) {
		const struct nsim_ahop *h = &a->hops[k];
		if (h->blocked)
			n_blocked++, blocked = k;
		if (!h->component[0] || !h->kind[0] || has_null(h->component) || has_null(h->detail))
			fail_with(a, "hop %zu is unnamed or prints a NULL string", k);
	}
	if (has_null(a->explanation) || has_null(a->blocked_at))
		fail_with(a, "the explanation prints a NULL string");
	if (a->prediction == NSIM_PREDICT_REACHABLE) {
		if (a->reason != NSIM_REASON_NONE || a->blocked_at[0] || a->explanation[0] || n_blocked)
			fail_with(a, "reachable, but with a reason, a blocking component or a blocked hop");
		return;
	}
	if (a->reason == NSIM_REASON_NONE || !a->blocked_at[0] || !a->explanation[0])
		fail_with(a, "not reachable, but without reason, blocking component or explanation");
	if ((a->prediction == NSIM_PREDICT_INTERMITTENT) != (a->reason == NSIM_REASON_ACL_RETURN_PARTIAL))
		fail_with(a, "intermittent goes with ACL_RETURN_PARTIAL, and only with it");
	if (a->prediction == NSIM_PREDICT_INTERMITTENT) {
		if (n_blocked || !(a->fraction > 0 && a->fraction < 1))
			fail_with(a, "intermittent, but with a blocked hop or a fraction of %g", a->fraction);
		return;
	}
	if ((a->prediction == NSIM_PREDICT_REFUSED) != (a->reason == NSIM_REASON_NO_LISTENER))
		fail_with(a, "refused goes with NO_LISTENER, and only with it");
	if (n_blocked != 1)
		fail_with(a, "%zu hops flagged blocked, want exactly 1", n_blocked);
	if (!streq(a->hops[blocked].component, a->blocked_at))
		fail_with(a, "the hop flagged blocked is '%s', but blocked_at is '%s'", a->hops[blocked].component,
			  a->blocked_at);
	if (blocked != a->n_hops - 1)
		fail_with(a, "the blocked hop is not the last one");
}

/* Analyses FROM -> TO PORT ("3306/tcp", "53/udp", "icmp") the way `netsim
 * trace` does, with explanation into *a; the verdict-only analysis must agree. */
static void flow_sport(const struct topo *o, const char *from, const char *to, const char *port, uint16_t sport,
		       struct nsim_analysis *a)
{
	struct nsim_flow f = {.sport = sport};
	struct nsim_endpoint to_ep;
	snprintf(last_flow, sizeof(last_flow), "%s: %s -> %s %s", o->t->name.name, from, to, port);
	parse_port(port, &f.proto, &f.dport);
	assert_int_equal(nsim_analyze_resolve(o->t, from, &f.from), 0);
	assert_true(f.from.kind == NSIM_EP_HOST || f.from.kind == NSIM_EP_INET_HOST);
	assert_int_equal(nsim_analyze_resolve(o->t, to, &to_ep), 0);
	f.dst = nsim_analyze_target(o->t, &f.from, &to_ep);
	if (to_ep.kind == NSIM_EP_DNS)
		f.name = to; /* as `netsim trace`: resolved in the analysis */
	assert_int_equal(nsim_analyzer_flow(o->an, &f, true, a), 0);
	check_invariants(a);

	struct nsim_analysis q;
	memset(&q, 0x5a, sizeof(q)); /* the analyzer must fill it */
	assert_int_equal(nsim_analyzer_flow(o->an, &f, false, &q), 0);
	if (q.prediction != a->prediction || q.reason != a->reason || !streq(q.blocked_at, a->blocked_at))
		fail_with(a, "explain=false says %s (%s) at '%s'", nsim_prediction_name(q.prediction),
			  nsim_reason_code(q.reason), q.blocked_at);
	if (q.n_hops != 0)
		fail_with(a, "explain=false produced %zu hops", q.n_hops);
	if (q.fraction != a->fraction || q.n_legs != a->n_legs)
		fail_with(a, "explain=false says a fraction of %g over %zu legs", q.fraction, q.n_legs);
}

static void flow(const struct topo *o, const char *from, const char *to, const char *port, struct nsim_analysis *a)
{
	flow_sport(o, from, to, port, 0, a);
}

static void verdict(const struct nsim_analysis *a, enum nsim_prediction p, enum nsim_reason r, const char *blocked_at)
{
	if (a->prediction != p || a->reason != r || !streq(a->blocked_at, blocked_at))
		fail_with(a, "want %s (%s) at '%s'", nsim_prediction_name(p), nsim_reason_code(r), blocked_at);
}

static void reachable(const struct nsim_analysis *a)
{
	verdict(a, NSIM_PREDICT_REACHABLE, NSIM_REASON_NONE, "");
}

/* Each needle (NULL-terminated list) is in the explanation. */
static void explains_(const struct nsim_analysis *a, const char *const *needles)
{
	for (size_t i = 0; needles[i]; i++)
		if (!strstr(a->explanation, needles[i]))
			fail_with(a, "the explanation does not say '%s'", needles[i]);
}
#define EXPLAINS(a, ...) explains_((a), (const char *const[]){__VA_ARGS__, NULL})

/* The hop list, each "component|kind", with "<" in front for a hop on the
 * return path and "!" behind for the hop that blocked. */
static void hops_(const struct nsim_analysis *a, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	bool ok = n == a->n_hops;
	for (size_t k = 0; ok && k < n; k++) {
		const struct nsim_ahop *h = &a->hops[k];
		char got[100];
		snprintf(got, sizeof(got), "%s%s|%s%s", h->reply ? "<" : "", h->component, h->kind, h->blocked ? "!" : "");
		ok = streq(got, want[k]);
	}
	if (ok)
		return;
	fprintf(stderr, "want hops:\n");
	for (size_t k = 0; k < n; k++)
		fprintf(stderr, "  %2zu %s\n", k, want[k]);
	fail_with(a, "unexpected hops");
}
#define HOPS(a, ...) hops_((a), (const char *const[]){__VA_ARGS__, NULL})

/* Hop k's detail says this. */
static void detail(const struct nsim_analysis *a, size_t k, const char *needle)
{
	if (k >= a->n_hops || !strstr(a->hops[k].detail, needle))
		fail_with(a, "hop %zu does not say '%s'", k, needle);
}

/* ---- reason codes ---- */

static void test_reason_names(void **state)
{
	(void)state;
	static const char *const want[] = {
		[NSIM_REASON_NONE] = "REACHABLE",
		[NSIM_REASON_NO_ROUTE] = "NO_ROUTE",
		[NSIM_REASON_BLACKHOLE_ROUTE] = "BLACKHOLE_ROUTE",
		[NSIM_REASON_NO_PUBLIC_IP] = "NO_PUBLIC_IP",
		[NSIM_REASON_IGW_NOT_ATTACHED] = "IGW_NOT_ATTACHED",
		[NSIM_REASON_NAT_INBOUND_UNSOLICITED] = "NAT_INBOUND_UNSOLICITED",
		[NSIM_REASON_PEERING_NOT_TRANSITIVE] = "PEERING_NOT_TRANSITIVE",
		[NSIM_REASON_ACL_DENY] = "ACL_DENY",
		[NSIM_REASON_ACL_RETURN_DENY] = "ACL_RETURN_DENY",
		[NSIM_REASON_SG_INGRESS_NO_RULE] = "SG_INGRESS_NO_RULE",
		[NSIM_REASON_SG_EGRESS_NO_RULE] = "SG_EGRESS_NO_RULE",
		[NSIM_REASON_NO_LISTENER] = "NO_LISTENER",
		[NSIM_REASON_NAME_NOT_FOUND] = "NAME_NOT_FOUND", /* appended: codes are stable */
		[NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE] = "ENDPOINT_SG_INGRESS_NO_RULE",
		[NSIM_REASON_ENDPOINT_NOT_IN_REGION] = "ENDPOINT_NOT_IN_REGION",
		[NSIM_REASON_NAME_RESOLVES_PUBLIC] = "NAME_RESOLVES_PUBLIC",
	};
	assert_int_equal(NSIM_REASON_NAME_NOT_FOUND, 12);
	assert_int_equal(NSIM_REASON_NAME_RESOLVES_PUBLIC, 15);
	for (size_t r = 0; r < ELEMENTSOF(want); r++)
		assert_string_equal(nsim_reason_code((enum nsim_reason)r), want[r]);
	assert_string_equal(nsim_prediction_name(NSIM_PREDICT_REACHABLE), "reachable");
	assert_string_equal(nsim_prediction_name(NSIM_PREDICT_REFUSED), "refused");
	assert_string_equal(nsim_prediction_name(NSIM_PREDICT_BLOCKED), "unreachable");
}

/* ---- NO_ROUTE ---- */

static void test_no_route_table(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "no-route.yaml");

	flow(o, "web", "api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "web-rt");
	EXPLAINS(&a, "route table web-rt", "web-a", "198.51.100.20");
	HOPS(&a, "web|host", "default|security group", "web-rt|route table!");
	detail(&a, 2, "no route matches 198.51.100.20");

	/* the route the table has works: the failure above is the missing route */
	flow(o, "web", "near", "443/tcp", &a);
	reachable(&a);
	detail(&a, 2, "203.0.113.0/24 -> igw");

	/* no table at all: the local route only */
	flow(o, "iso", "api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "(local only)");
	EXPLAINS(&a, "iso-a", "198.51.100.20");
	HOPS(&a, "iso|host", "default|security group", "(local only)|route table!");
}

/* An address of the VPC's CIDR that no interface has. */
static void test_no_route_nobody_has_it(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "no-route.yaml");
	flow(o, "web", "10.0.9.9", "icmp", &a);
	assert_int_equal(a.prediction, NSIM_PREDICT_BLOCKED);
	assert_int_equal(a.reason, NSIM_REASON_NO_ROUTE);
	EXPLAINS(&a, "no network interface in VPC main has the address 10.0.9.9");
	detail(&a, 2, "10.0.9.9 matches local (10.0.0.0/16)");
	/* blocked where the address is looked up: the VPC's router (check_invariants:
	 * the hop flagged blocked is the component named by blocked_at) */
	assert_string_equal(a.blocked_at, "main");
}

static void test_no_route_private_from_internet(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "no-route.yaml");
	flow(o, "api", "10.0.1.10", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "internet");
	EXPLAINS(&a, "10.0.1.10", "private address is not routed on the internet");
	HOPS(&a, "api|internet host", "internet|internet!");

	/* a host without public IP, named from the internet: its private address */
	o = open_topo(DATA "public-ip.yaml");
	flow(o, "client", "nopub", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "internet");
	EXPLAINS(&a, "10.0.1.11");
}

/* ---- BLACKHOLE_ROUTE, longest prefix match ---- */

static void test_blackhole(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "blackhole.yaml");
	flow(o, "web", "dropped", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_BLACKHOLE_ROUTE, "pub");
	EXPLAINS(&a, "route table pub", "192.0.2.0/24 -> blackhole", "192.0.2.7");
	HOPS(&a, "web|host", "default|security group", "pub|route table!");
	detail(&a, 2, "192.0.2.7 matches 192.0.2.0/24 -> blackhole");

	flow(o, "web", "api", "443/tcp", &a);
	reachable(&a);
	detail(&a, 2, "198.51.100.20 matches 0.0.0.0/0 -> igw");
}

static void test_lpm(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "lpm.yaml");

	/* only 0.0.0.0/0 matches: straight out through the IGW with the public IP */
	flow(o, "web", "far", "443/tcp", &a);
	reachable(&a);
	HOPS(&a, "web|host", "default|security group", "web-rt|route table", "web-a|network ACL",
	     "igw|internet gateway", "internet|internet", "far|internet host");
	detail(&a, 2, "192.0.2.50 matches 0.0.0.0/0 -> igw");
	detail(&a, 4, "10.0.2.10 becomes 203.0.113.20");
	detail(&a, 6, "source seen: 203.0.113.20");

	/* /24 beats /0: through the NAT gateway, seen as its elastic IP */
	flow(o, "web", "api", "443/tcp", &a);
	reachable(&a);
	HOPS(&a, "web|host", "default|security group", "web-rt|route table", "web-a|network ACL",
	     "pub-a|network ACL", "nat|NAT gateway", "pub|route table", "pub-a|network ACL",
	     "igw|internet gateway", "internet|internet", "api|internet host");
	detail(&a, 2, "198.51.100.20 matches 198.51.100.0/24 -> nat");
	detail(&a, 10, "source seen: 203.0.113.10");

	/* /26 beats /24 (written last in the file) */
	flow(o, "web", "gone", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_BLACKHOLE_ROUTE, "web-rt");
	EXPLAINS(&a, "198.51.100.64/26 -> blackhole");

	/* the local route beats 0.0.0.0/0 for the VPC's own addresses */
	flow(o, "web", "peer", "80/tcp", &a);
	reachable(&a);
	detail(&a, 2, "10.0.1.10 matches local (10.0.0.0/16)");
}

/* ---- prefix lists ---- */

/* A prefix-list route competes by the longest of its CIDRs that matches. */
static void test_prefix_list_lpm(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "prefix-lists.yaml");

	/* pl:office's /28 beats the static /24: through the NAT gateway */
	flow(o, "web", "office-gw", "443/tcp", &a);
	reachable(&a);
	detail(&a, 2, "198.51.100.4 matches pl:office (198.51.100.0/28) -> nat");
	detail(&a, a.n_hops - 1, "source seen: 203.0.113.10");

	/* the static /29 beats pl:office's /28 */
	flow(o, "web", "office-bh", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_BLACKHOLE_ROUTE, "web-rt");
	EXPLAINS(&a, "198.51.100.8/29 -> blackhole");

	/* outside the list: the static /24 to the internet gateway */
	flow(o, "web", "outside", "443/tcp", &a);
	reachable(&a);
	detail(&a, 2, "198.51.100.20 matches 198.51.100.0/24 -> igw");
	detail(&a, a.n_hops - 1, "source seen: 203.0.113.20");

	/* the same length (/25) in the list and in a static route: the static one wins */
	flow(o, "web", "tie", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_BLACKHOLE_ROUTE, "web-rt");
	EXPLAINS(&a, "203.0.113.128/25 -> blackhole");
	detail(&a, 2, "203.0.113.200 matches 203.0.113.128/25 -> blackhole");
}

/* A security group rule whose source is a prefix list admits its CIDRs. */
static void test_prefix_list_sg(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "prefix-lists.yaml");

	flow(o, "office-gw", "vault", "443/tcp", &a);
	reachable(&a);
	bool seen = false;
	for (size_t k = 0; k < a.n_hops; k++)
		seen |= strstr(a.hops[k].detail, "vault-sg ingress #1: tcp/443 pl:office") != NULL;
	if (!seen)
		fail_with(&a, "no hop names the rule with pl:office");

	flow(o, "outside", "vault", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_INGRESS_NO_RULE, "vault-sg");
	EXPLAINS(&a, "198.51.100.20", "it allows: tcp/443 pl:office");
}

/* ---- VPC endpoints ---- */

/* The address of interface endpoint `name`'s network interface in its k-th subnet. */
static const char *eni(const struct topo *o, const char *name, size_t k, char buf[NSIM_ADDR_STRLEN])
{
	for (size_t v = 0; v < o->t->n_vpcs; v++)
		for (size_t i = 0; i < o->t->vpcs[v].n_endpoints; i++) {
			const struct nsim_vpc_endpoint *ep = &o->t->vpcs[v].endpoints[i];
			if (streq(ep->name.name, name)) {
				assert_true(k < ep->n_subnets && ep->addresses && ep->addresses[k]);
				return nsim_addr_fmt(ep->addresses[k], buf);
			}
		}
	fail_msg("no endpoint %s", name);
	return NULL;
}

static void test_interface_endpoint(void **state)
{
	(void)state;
	struct nsim_analysis a;
	char ep[NSIM_ADDR_STRLEN], want[64];
	struct topo *o = open_topo(DATA "endpoints.yaml");
	eni(o, "sm-ep", 0, ep);

	/* private DNS: the service's name is the endpoint's interface, with no NAT or IGW */
	flow(o, "fn", "secretsmanager.ap-northeast-2.amazonaws.com", "443/tcp", &a);
	reachable(&a);
	HOPS(&a, "main|DNS resolver", "fn|host", "fn-sg|security group", "private|route table", "app-c|network ACL",
	     "ep-acl|network ACL", "ep-sg|security group", "sm-ep|interface endpoint", "<ep-acl|network ACL",
	     "secretsmanager|internet host");
	detail(&a, 0, ep);
	detail(&a, 3, "matches local");
	detail(&a, 6, "ep-sg ingress #1: tcp/443 fn-sg");
	/* the service sees the endpoint's network interface */
	snprintf(want, sizeof(want), "source seen: %s", ep);
	detail(&a, a.n_hops - 1, want);

	/* the endpoint in the default group, in the client's own subnet: no ACL */
	flow(o, "plain", "kms.ap-northeast-2.amazonaws.com", "443/tcp", &a);
	reachable(&a);
	HOPS(&a, "main|DNS resolver", "plain|host", "default|security group", "private|route table",
	     "default|security group", "kms-ep|interface endpoint", "kms|internet host");
	detail(&a, 4, "default ingress: from a member of the default group");

	/* TCP only */
	char kms[NSIM_ADDR_STRLEN];
	eni(o, "kms-ep", 0, kms);
	flow(o, "plain", kms, "53/udp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "kms-ep");
	EXPLAINS(&a, "interface endpoint kms-ep carries TCP only", "udp/53");
	flow(o, "plain", kms, "icmp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "kms-ep");

	/* the service's host decides what listens */
	flow(o, "plain", kms, "8443/tcp", &a);
	verdict(&a, NSIM_PREDICT_REFUSED, NSIM_REASON_NO_LISTENER, "kms");
	EXPLAINS(&a, "interface endpoint kms-ep", "tcp/8443");
}

static void test_endpoint_sg_ingress(void **state)
{
	(void)state;
	struct nsim_analysis a;
	char addr[NSIM_ADDR_STRLEN];
	struct topo *o = open_topo(DATA "endpoints.yaml");

	flow(o, "other", "secretsmanager.ap-northeast-2.amazonaws.com", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE, "ep-sg");
	EXPLAINS(&a, "security group ep-sg of interface endpoint sm-ep", "tcp/443", "10.0.1.10 (other, in other-sg)",
		 "it allows: tcp/443 fn-sg, tcp/443 10.2.0.0/16");
	/* the endpoint decided, by its groups' ingress, on the client's packet */
	assert_int_equal(a.decision.comp.kind, NSIM_COMP_ENDPOINT);
	assert_string_equal(a.decision.comp.ref.name, "sm-ep");
	assert_int_equal(a.decision.comp.a, 0);
	assert_int_equal(a.decision.comp.b, 0);
	assert_true(a.decision.ingress);
	assert_string_equal(nsim_addr_fmt(a.decision.src, addr), "10.0.1.10");
	assert_int_equal(a.decision.dport, 443);

	/* an endpoint without groups is in the VPC's default group: its members only */
	flow(o, "fn", "kms.ap-northeast-2.amazonaws.com", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE, "default");
	EXPLAINS(&a, "security group default of interface endpoint kms-ep", "(fn, in fn-sg)",
		 "the default group allows inbound only from its own members");
	assert_string_equal(a.decision.comp.ref.name, "kms-ep");
	assert_int_equal(a.decision.comp.b, 1);
}

static void test_gateway_endpoint(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "endpoints.yaml");

	/* no NAT gateway, no internet gateway: the route to pl:s3 */
	flow(o, "fn", "s3.ap-northeast-2.amazonaws.com", "443/tcp", &a);
	reachable(&a);
	HOPS(&a, "main|DNS resolver", "fn|host", "fn-sg|security group", "private|route table", "app-c|network ACL",
	     "s3-ep|gateway endpoint", "s3|internet host");
	detail(&a, 3, "192.0.2.90 matches pl:s3 (192.0.2.90/32) -> s3-ep");
	detail(&a, 5, "source 10.0.3.10 unchanged");
	/* the service sees the private address */
	detail(&a, 6, "source seen: 10.0.3.10");

	/* by the host's name too */
	flow(o, "fn", "s3", "443/tcp", &a);
	reachable(&a);

	/* nothing else goes out */
	flow(o, "fn", "partner-api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "private");
}

/* S3 of another region: the gateway endpoint's list does not hold it. */
static void test_endpoint_not_in_region(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "endpoints.yaml");

	flow(o, "fn", "s3-west", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ENDPOINT_NOT_IN_REGION, "private");
	EXPLAINS(&a, "s3-west (192.0.2.91) is s3 in us-west-2", "gateway endpoint s3-ep", "ap-northeast-2 only",
		 "the route to pl:s3 does not cover 192.0.2.91", "route table private");
	assert_int_equal(a.decision.comp.kind, NSIM_COMP_ENDPOINT);
	assert_string_equal(a.decision.comp.ref.name, "s3-ep");

	/* by its AWS name as well */
	flow(o, "fn", "s3.us-west-2.amazonaws.com", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ENDPOINT_NOT_IN_REGION, "private");

	/* an interface endpoint leads to its own region's service */
	flow(o, "fn", "secretsmanager.us-west-2.amazonaws.com", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ENDPOINT_NOT_IN_REGION, "private");
	EXPLAINS(&a, "sm-west (192.0.2.81) is secretsmanager in us-west-2", "interface endpoint sm-ep of VPC main",
		 "secretsmanager in ap-northeast-2 only; on the path it took: route table private");
	assert_string_equal(a.decision.comp.ref.name, "sm-ep");

	/* the endpoint would not carry mute's flow either: its own reason */
	flow(o, "mute", "s3-west", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_EGRESS_NO_RULE, "mute-sg");
}

/* A peered VPC cannot use main's gateway endpoint (no edge-to-edge
 * routing), but reaches main's interface endpoint by its address. */
static void test_endpoints_from_peered_vpc(void **state)
{
	(void)state;
	struct nsim_analysis a;
	char ep[NSIM_ADDR_STRLEN], want[64];
	struct topo *o = open_topo(DATA "endpoints.yaml");

	flow(o, "p1", "s3", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_PEERING_NOT_TRANSITIVE, "pcx-peer");
	EXPLAINS(&a, "peering is not transitive and allows no edge-to-edge routing");

	eni(o, "sm-ep", 0, ep);
	flow(o, "p1", ep, "443/tcp", &a);
	reachable(&a);
	HOPS(&a, "p1|host", "default|security group", "peer-rt|route table", "peer-a|network ACL",
	     "pcx-peer|peering", "main|VPC router", "ep-acl|network ACL", "ep-sg|security group",
	     "<private|route table", "sm-ep|interface endpoint", "<ep-acl|network ACL", "secretsmanager|internet host");
	detail(&a, 5, "local route to interface endpoint sm-ep");
	snprintf(want, sizeof(want), "source seen: %s", ep);
	detail(&a, a.n_hops - 1, want);
}

/* Private DNS off: the service's name resolves to its public address. */
static void test_name_resolves_public(void **state)
{
	(void)state;
	struct nsim_analysis a;
	char ep[NSIM_ADDR_STRLEN], want[64];
	struct topo *o = open_topo(DATA "endpoints.yaml");

	flow(o, "old-fn", "secretsmanager.ap-northeast-2.amazonaws.com", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NAME_RESOLVES_PUBLIC, "(local only)");
	EXPLAINS(&a, "private DNS is off on interface endpoint sm-legacy of VPC legacy", "resolved to 192.0.2.80",
		 "route table (local only) (subnet iso) has no route for 192.0.2.80");
	detail(&a, 0, "private DNS of sm-legacy: off");
	assert_int_equal(a.decision.comp.kind, NSIM_COMP_ENDPOINT);
	assert_string_equal(a.decision.comp.ref.name, "sm-legacy");
	assert_int_equal(a.decision.comp.a, 1);

	/* the public address is fine where a NAT gateway leads to it */
	flow(o, "nat-fn", "secretsmanager.ap-northeast-2.amazonaws.com", "443/tcp", &a);
	reachable(&a);
	detail(&a, a.n_hops - 1, "source seen: 203.0.113.50");

	/* the endpoint's own name always resolves to its interfaces */
	eni(o, "sm-legacy", 0, ep);
	flow(o, "old-fn", "vpce-sm-legacy.secretsmanager.ap-northeast-2.vpce.amazonaws.com", "443/tcp", &a);
	reachable(&a);
	detail(&a, 0, ep);
	snprintf(want, sizeof(want), "source seen: %s", ep);
	detail(&a, a.n_hops - 1, want);

	/* by its address (no name), the public path's own reason */
	flow(o, "old-fn", "secretsmanager", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "(local only)");

	/* the endpoint (in the default group) would not admit grouped-fn: private
	 * DNS would not help, the public path's reason stands */
	flow(o, "grouped-fn", "secretsmanager.ap-northeast-2.amazonaws.com", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "(local only)");
	flow(o, "grouped-fn", ep, "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE, "default");
}

/* ---- internet gateway, public IPs ---- */

static void test_no_public_ip(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "public-ip.yaml");
	flow(o, "nopub", "api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_PUBLIC_IP, "igw");
	EXPLAINS(&a, "internet gateway igw", "10.0.1.11 has no public or elastic IP");
	HOPS(&a, "nopub|host", "web-sg|security group", "pub|route table", "pub-a|network ACL",
	     "igw|internet gateway!");
	detail(&a, 2, "0.0.0.0/0 -> igw");
}

static void test_public_ip_both_ways(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "public-ip.yaml");

	flow(o, "web", "api", "443/tcp", &a);
	reachable(&a);
	HOPS(&a, "web|host", "web-sg|security group", "pub|route table", "pub-a|network ACL", "igw|internet gateway",
	     "internet|internet", "api|internet host");
	detail(&a, 4, "1:1 NAT: 10.0.1.10 becomes 203.0.113.20");
	detail(&a, 6, "source seen: 203.0.113.20");

	/* named from the internet, a host is its public IP */
	flow(o, "client", "web", "443/tcp", &a);
	reachable(&a);
	HOPS(&a, "client|internet host", "internet|internet", "igw|internet gateway", "main|VPC router",
	     "pub-a|network ACL", "web-sg|security group", "<pub|route table", "web|host");
	detail(&a, 0, "203.0.113.20");
	detail(&a, 2, "203.0.113.20 becomes 10.0.1.10");
	detail(&a, 5, "tcp/443 0.0.0.0/0");
	detail(&a, 6, "routes back the way it came");
	detail(&a, 7, "source seen: 198.51.100.66");
}

/* A public IP in a subnet whose default route is a NAT gateway: the request
 * arrives, the reply goes to the NAT gateway instead of the IGW. */
static void test_reply_route_via_nat(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "public-ip.yaml");
	flow(o, "client", "hidden", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "priv");
	EXPLAINS(&a, "the reply has no way back", "route table priv", "198.51.100.66", "igw");
	HOPS(&a, "client|internet host", "internet|internet", "igw|internet gateway", "main|VPC router",
	     "priv-a|network ACL", "web-sg|security group", "<priv|route table!");

	/* outbound it is fine: through the NAT gateway */
	flow(o, "hidden", "api", "443/tcp", &a);
	reachable(&a);
	detail(&a, 10, "source seen: 203.0.113.10");
}

/* No internet gateway: a public or elastic IP can't be reached from the
 * internet, and nothing may print a missing gateway's name. */
static void test_igw_not_attached(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "no-igw.yaml");
	flow(o, "client", "web", "443/tcp", &a);
	assert_int_equal(a.prediction, NSIM_PREDICT_BLOCKED);
	if (a.reason != NSIM_REASON_IGW_NOT_ATTACHED)
		fail_with(&a, "want IGW_NOT_ATTACHED: VPC main has no internet gateway for 203.0.113.20");
	EXPLAINS(&a, "main");
	for (size_t k = 0; k < a.n_hops; k++)
		if (streq(a.hops[k].kind, "security group"))
			fail_with(&a, "the packet never enters the VPC: no security group is evaluated");

	flow(o, "client", "nat", "443/tcp", &a);
	assert_int_equal(a.prediction, NSIM_PREDICT_BLOCKED);
	if (a.reason != NSIM_REASON_IGW_NOT_ATTACHED && a.reason != NSIM_REASON_NAT_INBOUND_UNSOLICITED)
		fail_with(&a, "want IGW_NOT_ATTACHED or NAT_INBOUND_UNSOLICITED");
}

/* ---- NAT gateway ---- */

static void test_nat_path(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "nat.yaml");
	flow(o, "fn", "api", "443/tcp", &a);
	reachable(&a);
	HOPS(&a, "fn|host", "default|security group", "app|route table", "app-a|network ACL", "pub-a|network ACL",
	     "nat|NAT gateway", "pub|route table", "pub-a|network ACL", "igw|internet gateway", "internet|internet",
	     "api|internet host");
	/* addresses assigned from +4: NAT gateways first */
	detail(&a, 0, "from 10.0.2.4");
	detail(&a, 2, "0.0.0.0/0 -> nat");
	detail(&a, 3, "outbound");
	detail(&a, 4, "inbound");
	detail(&a, 5, "source 10.0.2.4 becomes 10.0.1.4");
	detail(&a, 6, "0.0.0.0/0 -> igw");
	detail(&a, 8, "10.0.1.4 becomes 203.0.113.10");
	detail(&a, 10, "source seen: 203.0.113.10");

	flow(o, "fn", "api", "icmp", &a);
	reachable(&a);
}

static void test_nat_inbound_unsolicited(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "nat.yaml");

	/* from the internet: the elastic IP */
	flow(o, "api", "nat", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NAT_INBOUND_UNSOLICITED, "nat");
	EXPLAINS(&a, "NAT gateway nat");
	HOPS(&a, "api|internet host", "internet|internet", "igw|internet gateway", "main|VPC router", "pub-a|network ACL",
	     "nat|NAT gateway!");
	detail(&a, 0, "203.0.113.10");

	/* it does not answer ping either */
	flow(o, "api", "nat", "icmp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NAT_INBOUND_UNSOLICITED, "nat");

	/* from its own VPC: the private address */
	flow(o, "fn", "nat", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NAT_INBOUND_UNSOLICITED, "nat");
	HOPS(&a, "fn|host", "default|security group", "app|route table", "app-a|network ACL", "pub-a|network ACL",
	     "nat|NAT gateway!");
	detail(&a, 0, "to 10.0.1.4");
	detail(&a, 2, "matches local");

	flow(o, "fn", "10.0.1.4", "icmp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NAT_INBOUND_UNSOLICITED, "nat");
}

/* Where two components would drop a packet, the first on its way decides
 * (tests/data/drops/order.yaml, proved on packets by test_drops); a reply
 * its route sends the wrong way is decided by that route, but dropped
 * further on (a.dropped). */
static void test_drop_order(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo("tests/data/drops/order.yaml");

	/* the NAT gateway's subnet's inbound ACL before the NAT gateway */
	flow(o, "outsider", "203.0.113.40", "22/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_DENY, "acl-pub");
	HOPS(&a, "outsider|internet host", "internet|internet", "igw|internet gateway", "main|VPC router",
	     "acl-pub|network ACL!");
	assert_int_equal(a.dropped.comp.kind, NSIM_COMP_NETWORK_ACL);
	assert_true(a.dropped.ingress && a.dropped.rule == 0);

	/* the subnet's outbound ACL before the peering's filter */
	flow(o, "worker", "192.0.2.9", "icmp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_DENY, "acl-app");
	assert_int_equal(a.dropped.comp.kind, NSIM_COMP_NETWORK_ACL);
	assert_false(a.dropped.ingress);

	/* the local route before a blackhole 10.0.0.0/8 */
	flow(o, "worker", "10.64.3.99", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "main");
	assert_int_equal(a.dropped.comp.kind, NSIM_COMP_VPC);

	/* the reply to the internet goes to the NAT gateway: decided by the
	 * route table, dropped by the NAT gateway (no connection for it) */
	flow(o, "outsider", "web", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "odd");
	assert_int_equal(a.decision.comp.kind, NSIM_COMP_ROUTE_TABLE);
	assert_int_equal(a.dropped.comp.kind, NSIM_COMP_NAT);
	assert_string_equal(a.dropped.comp.ref.name, "nat");
	assert_true(a.dropped.reply);
	assert_int_equal(a.dropped.sport, 80);
	/* a UDP reply is a new flow to the NAT gateway: it lets it out */
	flow(o, "outsider", "web", "53/udp", &a);
	assert_int_equal(a.dropped.comp.kind, NSIM_COMP_ROUTE_TABLE);
}

/* A group rule matches its members' private addresses, an interface
 * endpoint's network interfaces too (found by the differential test). */
static void test_sg_endpoint_member(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "sg-endpoint-member.yaml");
	flow(o, "fn", "secretsmanager.ap-northeast-2.amazonaws.com", "443/tcp", &a);
	reachable(&a);
	flow(o, "fn", "10.51.2.4", "443/tcp", &a);
	reachable(&a);
	/* the public address is no member */
	flow(o, "fn", "192.0.2.80", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_EGRESS_NO_RULE, "fn-sg");
}

/* The NAT gateway's subnet sends 0.0.0.0/0 back to the NAT gateway. */
static void test_nat_routes_to_itself(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "nat-loop.yaml");
	flow(o, "fn", "api", "443/tcp", &a);
	assert_int_equal(a.prediction, NSIM_PREDICT_BLOCKED);
	assert_int_equal(a.reason, NSIM_REASON_NO_ROUTE);
	size_t n_nat = 0;
	for (size_t k = 0; k < a.n_hops; k++)
		n_nat += streq(a.hops[k].component, "nat");
	if (n_nat != 1)
		fail_with(&a, "the NAT gateway is crossed %zu times, want once", n_nat);
	EXPLAINS(&a, "app", "nat");
}

/* ---- peering ---- */

static void test_peering_not_transitive(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "peering.yaml");

	flow(o, "ha", "hb", "80/tcp", &a);
	reachable(&a);
	HOPS(&a, "ha|host", "a-sg|security group", "a-rt|route table", "a-sub|network ACL", "pcx-ab|peering",
	     "b|VPC router", "b-sub|network ACL", "b-sg|security group", "<b-rt|route table", "hb|host");
	detail(&a, 0, "to 10.1.1.10"); /* peered: the private address, not the public IP */
	detail(&a, 2, "10.1.0.0/16 -> pcx-ab");
	detail(&a, 8, "routes back the way it came");
	detail(&a, 9, "source seen: 10.0.1.10");

	/* a routes c's CIDR to pcx-ab */
	flow(o, "ha", "hc", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_PEERING_NOT_TRANSITIVE, "pcx-ab");
	EXPLAINS(&a, "peering pcx-ab", "VPC a", "VPC b", "not transitive");
	HOPS(&a, "ha|host", "a-sg|security group", "a-rt|route table", "a-sub|network ACL", "pcx-ab|peering!");
	detail(&a, 2, "10.2.0.0/16 -> pcx-ab");
	detail(&a, 4, "10.2.1.10 is not in VPC b");

	/* no edge-to-edge: a can't use b's internet gateway */
	flow(o, "ha", "api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_PEERING_NOT_TRANSITIVE, "pcx-ab");
	EXPLAINS(&a, "edge-to-edge");
}

/* b -> c: c's subnet has no route back to b. */
static void test_peering_one_sided(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "peering.yaml");
	flow(o, "hb", "hc", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "c-rt");
	EXPLAINS(&a, "the reply has no way back", "route table c-rt", "c-sub", "10.1.1.10", "pcx-bc");
	HOPS(&a, "hb|host", "b-sg|security group", "b-rt|route table", "b-sub|network ACL", "pcx-bc|peering",
	     "c|VPC router", "c-sub|network ACL", "c-sg|security group", "<c-rt|route table!");

	/* and the other way the request itself has no route */
	flow(o, "hc", "hb", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "c-rt");
	HOPS(&a, "hc|host", "c-sg|security group", "c-rt|route table!");
}

/* topologies/peering.yaml: svc-sg admits app-sg, a group of the peer VPC. */
static void test_peering_sg_reference(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo("topologies/peering.yaml");

	flow(o, "app-server", "svc", "443/tcp", &a);
	reachable(&a);
	HOPS(&a, "app-server|host", "app-sg|security group", "main|route table", "app-a|network ACL",
	     "pcx-app-shared|peering", "shared|VPC router", "svc-a|network ACL", "svc-sg|security group",
	     "<to-app|route table", "svc|host");
	detail(&a, 7, "svc-sg ingress #1: tcp/443 app/app-sg"); /* another VPC's group: VPC/GROUP */
	detail(&a, 9, "source seen: 10.0.1.4");

	/* batch is in app's default group, not in app-sg */
	flow(o, "batch", "svc", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_INGRESS_NO_RULE, "svc-sg");
	EXPLAINS(&a, "security group svc-sg", "tcp/443", "10.0.1.5", "app-sg");
	HOPS(&a, "batch|host", "default|security group", "main|route table", "app-a|network ACL",
	     "pcx-app-shared|peering", "shared|VPC router", "svc-a|network ACL", "svc-sg|security group!");

	/* app-sg has no ingress rule */
	flow(o, "svc", "app-server", "icmp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_INGRESS_NO_RULE, "app-sg");
	EXPLAINS(&a, "security group app-sg", "icmp", "it allows: nothing");
}

/* ---- network ACLs ---- */

static void test_acl_deny_egress(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "acl-deny.yaml");
	/* denied on the way out, although data-acl's rule 120 would let it in */
	flow(o, "fn", "db", "22/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_DENY, "app-acl");
	EXPLAINS(&a, "network ACL app-acl", "subnet app-a", "egress rule 100", "tcp/22", "10.0.4.10");
	HOPS(&a, "fn|host", "default|security group", "(local only)|route table", "app-acl|network ACL!");
	detail(&a, 3, "outbound: rule 100 denies");
}

static void test_acl_deny_ingress_and_order(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "acl-deny.yaml");

	/* rule 90 deny is evaluated before rule 100 allow, though written after it */
	flow(o, "fn", "db", "5432/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_DENY, "data-acl");
	EXPLAINS(&a, "network ACL data-acl", "subnet data-a", "ingress rule 90", "tcp/5432", "10.0.3.10");
	HOPS(&a, "fn|host", "default|security group", "(local only)|route table", "app-acl|network ACL",
	     "data-acl|network ACL!");
	detail(&a, 3, "rule 200 allows");
	detail(&a, 4, "inbound: rule 90 denies");

	/* rule 100 allow is evaluated before rule 110 deny */
	flow(o, "fn", "db", "3306/tcp", &a);
	reachable(&a);
	HOPS(&a, "fn|host", "default|security group", "(local only)|route table", "app-acl|network ACL",
	     "data-acl|network ACL", "db-sg|security group", "<data-acl|network ACL", "<app-acl|network ACL",
	     "db|host");
	detail(&a, 4, "rule 100 allows tcp/3306 from 10.0.3.10");
	detail(&a, 6, "outbound: rule 100 allows tcp/32768-60999 to 10.0.3.10");
	detail(&a, 7, "inbound: rule 100 allows tcp/32768-60999 from 10.0.4.10");

	/* no rule matches: `*` */
	flow(o, "fn", "db", "8080/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_DENY, "data-acl");
	EXPLAINS(&a, "ingress rule *", "tcp/8080");
}

/* ---- honest ports (issue 11): port sets, ephemeral ranges, NAT ports ---- */

static void test_port_sets(void **state)
{
	(void)state;
	char buf[200];
	struct nsim_ports a = nsim_ports_range(1024, 65535), b = nsim_ports_range(32768, 60999), c, d;
	assert_int_equal(nsim_ports_count(&a), 64512);
	nsim_ports_subtract(&a, &b, &c);
	assert_string_equal(nsim_ports_fmt(&c, buf, sizeof(buf)), "1024-32767, 61000-65535");
	assert_int_equal(nsim_ports_count(&c), 64512 - 28232);
	nsim_ports_union(&c, &b, &d);
	assert_true(nsim_ports_equal(&d, &a));
	nsim_ports_intersect(&c, &b, &d);
	assert_int_equal(d.n, 0);
	assert_string_equal(nsim_ports_fmt(&d, buf, sizeof(buf)), "none");
	struct nsim_ports one = nsim_ports_range(80, 80);
	nsim_ports_union(&one, &b, &d);
	assert_string_equal(nsim_ports_fmt(&d, buf, sizeof(buf)), "80, 32768-60999");
	assert_true(nsim_ports_contains(&d, 80) && !nsim_ports_contains(&d, 81) && nsim_ports_contains(&d, 60999));
	/* adjacent ranges merge */
	struct nsim_ports lo = nsim_ports_range(1, 99), hi = nsim_ports_range(100, 200);
	nsim_ports_union(&lo, &hi, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.r[0].to, 200);
	/* more intervals than fit: the closest merge, marked coarse, never fewer ports */
	struct nsim_ports many = {0};
	for (unsigned i = 0; i < NSIM_PORTS_MAX + 4; i++) {
		struct nsim_ports x = nsim_ports_range((uint16_t)(1000 + i * 10), (uint16_t)(1000 + i * 10 + 4 + (i == 7)));
		nsim_ports_union(&many, &x, &many);
	}
	assert_true(many.coarse);
	assert_int_equal(many.n, NSIM_PORTS_MAX);
	assert_true(nsim_ports_count(&many) >= (NSIM_PORTS_MAX + 4) * 5);
	/* a short buffer ends in "…" */
	nsim_ports_fmt(&many, buf, 20);
	assert_non_null(strstr(buf, "…"));
}

static void legs_are(const struct nsim_analysis *a, size_t n_legs, size_t k, uint16_t from, uint16_t to,
		     const char *pass)
{
	char buf[200];
	if (a->n_legs != n_legs)
		fail_with(a, "%zu port legs, want %zu", a->n_legs, n_legs);
	const struct nsim_port_leg *l = &a->legs[k];
	if (l->range.from != from || l->range.to != to || !streq(nsim_ports_fmt(&l->pass, buf, sizeof(buf)), pass))
		fail_with(a, "leg %zu: %u-%u passing %s, want %u-%u passing %s", k, l->range.from, l->range.to, buf, from,
			  to, pass);
}

/* The NAT leg: a NAT gateway picks 1024-65535; its subnet's ACL returning
 * only Linux's 32768-60999 lets 28232 of 64512 ports through (about 44%). */
static void test_ports_nat_leg(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "ports.yaml");

	flow(o, "app", "api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_INTERMITTENT, NSIM_REASON_ACL_RETURN_PARTIAL, "nat-a-acl");
	legs_are(&a, 2, 0, 32768, 60999, "32768-60999");
	legs_are(&a, 2, 1, 1024, 65535, "32768-60999");
	assert_true(a.legs[1].nat && streq(a.legs[1].who, "nat-a") && !a.legs[0].nat && streq(a.legs[0].who, "app"));
	assert_true(a.fraction > 0.4376 && a.fraction < 0.4377); /* 28232 / 64512 */
	assert_int_equal(a.partial_leg, 1);
	EXPLAINS(&a, "network ACL nat-a-acl", "subnet public-a", "tcp/32768-60999", "NAT gateway nat-a", "1024-65535",
		 "ingress rule *", "1024-32767, 61000-65535", "43.8%");
	detail(&a, 10, "rule 200 allows tcp/32768-60999, rule * denies tcp/1024-32767, 61000-65535 from 198.51.100.20");
	assert_int_equal(a.decision.comp.kind, NSIM_COMP_NETWORK_ACL);
	assert_true(a.decision.reply && a.decision.ingress);
	assert_int_equal(a.decision.rule, 0);
	assert_int_equal(a.decision.dport, 1024); /* the first port it does not return */
	/* the fix returns the NAT's whole range, before the `*` rule */
	assert_int_equal(a.fix.action, NSIM_FIX_ADD);
	assert_string_equal(a.fix.component, "nat-a-acl");
	assert_non_null(strstr(a.fix.yaml, "ports: 1024-65535"));
	assert_non_null(strstr(a.fix.yaml, "action: allow"));

	/* one returning 1024-65535 is reachable */
	flow(o, "app2", "api", "443/tcp", &a);
	reachable(&a);
	legs_are(&a, 2, 1, 1024, 65535, "1024-65535");
	assert_true(a.fraction == 1);

	/* a NAT port pinned by the flow (check's probes): in the returned range or not */
	struct nsim_flow f = {.proto = NSIM_PROTO_TCP, .dport = 443, .nat_sport = 40000};
	assert_int_equal(nsim_analyze_resolve(o->t, "app", &f.from), 0);
	f.dst = 0xC6336414; /* 198.51.100.20 */
	assert_int_equal(nsim_analyzer_flow(o->an, &f, true, &a), 0);
	reachable(&a);
	f.nat_sport = 2000;
	assert_int_equal(nsim_analyzer_flow(o->an, &f, true, &a), 0);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_RETURN_DENY, "nat-a-acl");
	assert_true(a.fraction == 0);
	EXPLAINS(&a, "tcp/2000");
}

/* The client leg: each source's own range (os:, kind:, ephemeral_ports:);
 * an ACL returning two disjoint parts, with a deny before them. */
static void test_ports_client_leg(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "ports.yaml");

	flow(o, "app", "db", "5432/tcp", &a);
	verdict(&a, NSIM_PREDICT_INTERMITTENT, NSIM_REASON_ACL_RETURN_PARTIAL, "data-acl");
	legs_are(&a, 1, 0, 32768, 60999, "40000-49999, 51000-60999");
	assert_true(fabs(a.fraction - 20000.0 / 28232) < 1e-9);
	assert_int_equal(a.decision.rule, 90); /* the deny rule that comes first */
	assert_int_equal(a.fix.action, NSIM_FIX_ADD);
	assert_non_null(strstr(a.fix.yaml, "rule: 89")); /* before the deny */

	/* a function: AWS Lambda's 1024-65535 */
	flow(o, "lambda", "db", "5432/tcp", &a);
	verdict(&a, NSIM_PREDICT_INTERMITTENT, NSIM_REASON_ACL_RETURN_PARTIAL, "data-acl");
	legs_are(&a, 1, 0, 1024, 65535, "1024-20000, 40000-49999, 51000-65535");
	assert_true(fabs(a.fraction - (18977.0 + 10000 + 14536) / 64512) < 1e-9);

	/* Windows: 49152-65535; the fix returns the one missing range */
	flow(o, "win", "db", "5432/tcp", &a);
	verdict(&a, NSIM_PREDICT_INTERMITTENT, NSIM_REASON_ACL_RETURN_PARTIAL, "data-acl");
	legs_are(&a, 1, 0, 49152, 65535, "49152-49999, 51000-65535");
	assert_non_null(strstr(a.fix.yaml, "ports: 50000-50999"));

	/* ephemeral_ports: inside what the ACL returns: reachable */
	flow(o, "narrow", "db", "5432/tcp", &a);
	reachable(&a);
	legs_are(&a, 1, 0, 40000, 40999, "40000-40999");

	/* one source port, as a probe binds it */
	flow_sport(o, "app", "db", "5432/tcp", 45000, &a);
	reachable(&a);
	flow_sport(o, "app", "db", "5432/tcp", 50500, &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_RETURN_DENY, "data-acl");
	EXPLAINS(&a, "egress rule 90", "tcp/50500");

	/* ICMP has no ports: no legs, all or nothing (data-acl returns no icmp) */
	flow(o, "app", "db", "icmp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_RETURN_DENY, "data-acl");
	assert_int_equal(a.n_legs, 0);
}

/* Both legs cut: the client's subnet returns half of Linux's range, the
 * NAT's subnet 44% of the NAT's: the shares multiply. */
static void test_ports_both_legs(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "ports.yaml");

	flow(o, "app3", "api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_INTERMITTENT, NSIM_REASON_ACL_RETURN_PARTIAL, "nat-a-acl");
	legs_are(&a, 2, 0, 32768, 60999, "32768-46883");
	legs_are(&a, 2, 1, 1024, 65535, "32768-60999");
	assert_true(fabs(a.fraction - (14116.0 / 28232) * (28232.0 / 64512)) < 1e-9);
	EXPLAINS(&a, "21.9%");
}

static void test_acl_return_deny(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "acl-return.yaml");

	flow(o, "fn", "db", "3306/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_RETURN_DENY, "data");
	EXPLAINS(&a, "network ACL data", "subnet data-a", "egress rule *", "tcp/32768", "10.0.3.10", "32768-60999");
	HOPS(&a, "fn|host", "default|security group", "(local only)|route table", "app-a|network ACL",
	     "data|network ACL", "db-sg|security group", "<data|network ACL!");
	detail(&a, 4, "inbound: rule 100 allows tcp/3306");
	detail(&a, 6, "reply");

	/* the replies to app-b's ephemeral ports are allowed */
	flow(o, "fn2", "db", "3306/tcp", &a);
	reachable(&a);
	detail(&a, 6, "rule 200 allows tcp/32768-60999 to 10.0.5.10");

	/* the reply goes to the client's source port */
	flow_sport(o, "fn2", "db", "3306/tcp", 61000, &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_RETURN_DENY, "data");
	EXPLAINS(&a, "tcp/61000");
	flow_sport(o, "fn2", "db", "3306/tcp", 60999, &a);
	reachable(&a);
}

/* The NAT gateway's subnet ACL lacks inbound 1024-65535 from 0.0.0.0/0. */
static void test_acl_return_deny_nat(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "nat-return.yaml");
	flow(o, "fn", "api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_RETURN_DENY, "pub-acl");
	EXPLAINS(&a, "network ACL pub-acl", "subnet pub-a", "ingress rule *", "198.51.100.20", "1024-65535");
	HOPS(&a, "fn|host", "default|security group", "app|route table", "app-a|network ACL", "pub-acl|network ACL",
	     "nat|NAT gateway", "pub|route table", "pub-acl|network ACL", "igw|internet gateway", "internet|internet",
	     "<pub-acl|network ACL!");
	detail(&a, 4, "inbound: rule 100 allows tcp/443 from 10.0.2.10");
	detail(&a, 7, "outbound: rule 100 allows tcp/443 to 198.51.100.20");

	flow(o, "fn", "api", "icmp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_RETURN_DENY, "pub-acl");
	EXPLAINS(&a, "icmp from 198.51.100.20");
}

/* ---- security groups ---- */

static void test_sg_ingress_serverless(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo("topologies/serverless-backend.yaml");
	flow(o, "fn", "db", "3306/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_INGRESS_NO_RULE, "db-sg");
	/* names the group, the flow, the source's group and that only proxy-sg may reach it */
	EXPLAINS(&a, "security group db-sg", "tcp/3306", "fn-sg", "it allows: tcp/3306 proxy-sg");
	HOPS(&a, "fn|host", "fn-sg|security group", "private|route table", "app-c|network ACL", "data|network ACL",
	     "db-sg|security group!");
	detail(&a, 4, "rule 100 allows tcp/3306 from 10.0.3.4");

	flow(o, "proxy", "db", "3306/tcp", &a);
	reachable(&a);
	detail(&a, 5, "db-sg ingress #1: tcp/3306 proxy-sg");

	flow(o, "fn", "192.0.2.7", "icmp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_BLACKHOLE_ROUTE, "private");
	EXPLAINS(&a, "192.0.2.0/24 -> blackhole");
}

static void test_sg_egress(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "sg-egress.yaml");

	flow(o, "locked", "db", "5432/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_EGRESS_NO_RULE, "locked-sg");
	EXPLAINS(&a, "security group locked-sg", "no egress rule allows tcp/5432 to 10.0.1.12", "it allows: nothing");
	HOPS(&a, "locked|host", "locked-sg|security group!");

	flow(o, "locked", "db", "icmp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_EGRESS_NO_RULE, "locked-sg");

	/* egress to a group, ingress from a group */
	flow(o, "web", "db", "5432/tcp", &a);
	reachable(&a);
	HOPS(&a, "web|host", "web-sg|security group", "(local only)|route table", "db-sg|security group", "db|host");
	detail(&a, 1, "web-sg egress #2: tcp/5432 db-sg");
	detail(&a, 3, "db-sg ingress #1: tcp/5432 web-sg");

	/* db-sg would admit 6379, web-sg's egress does not let it out */
	flow(o, "web", "db", "6379/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_EGRESS_NO_RULE, "web-sg");
	EXPLAINS(&a, "tcp/6379", "tcp/443 0.0.0.0/0", "tcp/5432 db-sg");

	/* stateful: locked's reply needs no egress rule */
	flow(o, "db", "locked", "22/tcp", &a);
	reachable(&a);
	HOPS(&a, "db|host", "db-sg|security group", "(local only)|route table", "locked-sg|security group",
	     "locked|host");
}

/* Members of the default group reach each other; others can't reach them. */
static void test_default_sg(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "default-sg.yaml");

	flow(o, "m1", "m2", "80/tcp", &a);
	reachable(&a);
	HOPS(&a, "m1|host", "default|security group", "(local only)|route table", "app-a|network ACL",
	     "app-b|network ACL", "default|security group", "m2|host");
	detail(&a, 1, "default egress: all");
	detail(&a, 5, "member of the default group");

	flow(o, "m2", "m1", "icmp", &a);
	reachable(&a);

	flow(o, "outsider", "m1", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_INGRESS_NO_RULE, "default");
	EXPLAINS(&a, "security group default", "tcp/80", "outsider", "other-sg", "only from its own members");
	HOPS(&a, "outsider|host", "other-sg|security group", "(local only)|route table", "default|security group!");

	/* the default group's outbound is all */
	flow(o, "m1", "outsider", "80/tcp", &a);
	reachable(&a);
}

/* Same subnet: no ACL (not even a deny-all one), but security groups. */
static void test_same_subnet(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "same-subnet.yaml");

	flow(o, "x", "y", "80/tcp", &a);
	reachable(&a);
	HOPS(&a, "x|host", "web-sg|security group", "(local only)|route table", "web-sg|security group", "y|host");

	flow(o, "x", "y", "22/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_INGRESS_NO_RULE, "web-sg");
	EXPLAINS(&a, "tcp/22", "it allows: tcp/80 10.0.0.0/16");
	HOPS(&a, "x|host", "web-sg|security group", "(local only)|route table", "web-sg|security group!");

	/* leaving or entering the subnet, the ACL applies */
	flow(o, "x", "z", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_DENY, "deny-all");
	EXPLAINS(&a, "egress rule *");
	flow(o, "z", "x", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_DENY, "deny-all");
	EXPLAINS(&a, "ingress rule *");
}

/* Several groups: the union of their rules; protocols all and icmp. */
static void test_multi_sg_and_protocols(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "multi-sg.yaml");

	flow(o, "client", "srv", "22/tcp", &a);
	reachable(&a);
	detail(&a, 3, "ssh-sg ingress #1: tcp/22 10.0.1.0/24");
	flow(o, "client", "srv", "80/tcp", &a);
	reachable(&a);
	detail(&a, 3, "web-sg ingress #1: tcp/80 0.0.0.0/0");
	flow(o, "client", "srv", "icmp", &a);
	reachable(&a);
	detail(&a, 3, "ping-sg ingress #1: icmp 10.0.0.0/16");

	flow(o, "client", "srv", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_INGRESS_NO_RULE, "ssh-sg, web-sg, ping-sg");
	EXPLAINS(&a, "tcp/443", "tcp/22 10.0.1.0/24", "tcp/80 0.0.0.0/0", "icmp 10.0.0.0/16");
	HOPS(&a, "client|host", "default|security group", "(local only)|route table",
	     "ssh-sg, web-sg, ping-sg|security group!");

	/* an icmp rule admits no tcp, and 22 is only from 10.0.1.0/24 */
	flow(o, "pinger", "srv", "22/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_INGRESS_NO_RULE, "ssh-sg, web-sg, ping-sg");

	/* protocol all: any protocol and port */
	flow(o, "client", "any", "53/udp", &a);
	reachable(&a);
	detail(&a, 3, "all-sg ingress #1: all 10.0.0.0/16");
	flow(o, "client", "any", "8080/tcp", &a);
	reachable(&a);
	flow(o, "client", "any", "icmp", &a);
	reachable(&a);

	/* an ACL that allows icmp only */
	flow(o, "client", "pinger", "icmp", &a);
	reachable(&a);
	HOPS(&a, "client|host", "default|security group", "(local only)|route table", "app-a|network ACL",
	     "icmp-only|network ACL", "all-sg|security group", "<icmp-only|network ACL", "pinger|host");
	detail(&a, 4, "rule 100 allows icmp");
	detail(&a, 6, "rule 100 allows icmp");
	flow(o, "client", "pinger", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_DENY, "icmp-only");
	EXPLAINS(&a, "ingress rule *", "tcp/80");
}

/* ---- NO_LISTENER ---- */

static void test_no_listener(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "no-listener.yaml");

	flow(o, "client", "db", "5432/tcp", &a);
	verdict(&a, NSIM_PREDICT_REFUSED, NSIM_REASON_NO_LISTENER, "db");
	EXPLAINS(&a, "db", "nothing listens on tcp/5432");
	HOPS(&a, "client|host", "default|security group", "pub|route table", "open-sg|security group", "db|host!");

	flow(o, "client", "db", "53/udp", &a);
	verdict(&a, NSIM_PREDICT_REFUSED, NSIM_REASON_NO_LISTENER, "db");
	EXPLAINS(&a, "udp/53");

	/* every host answers ping */
	flow(o, "client", "db", "icmp", &a);
	reachable(&a);
	flow(o, "client", "db", "3306/tcp", &a);
	reachable(&a);

	/* an internet host without listener */
	flow(o, "client", "quiet", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_REFUSED, NSIM_REASON_NO_LISTENER, "quiet");
	HOPS(&a, "client|host", "default|security group", "pub|route table", "pub-a|network ACL",
	     "igw|internet gateway", "internet|internet", "quiet|internet host!");
}

/* ---- API ---- */

static void test_api(void **state)
{
	(void)state;
	struct nsim_endpoint from, to;
	struct topo *o = open_topo(DATA "public-ip.yaml");

	assert_int_equal(nsim_analyze_resolve(o->t, "no-such-host", &to), -ENOENT);
	assert_int_equal(nsim_analyze_resolve(o->t, "10.0.1.10", &to), 0);
	assert_int_equal(to.kind, NSIM_EP_ADDRESS);

	/* web: its private address from its VPC, its public IP from the internet */
	char addr[NSIM_ADDR_STRLEN];
	assert_int_equal(nsim_analyze_resolve(o->t, "web", &to), 0);
	assert_int_equal(to.kind, NSIM_EP_HOST);
	assert_int_equal(nsim_analyze_resolve(o->t, "nopub", &from), 0);
	assert_string_equal(nsim_addr_fmt(nsim_analyze_target(o->t, &from, &to), addr), "10.0.1.10");
	assert_int_equal(nsim_analyze_resolve(o->t, "client", &from), 0);
	assert_int_equal(from.kind, NSIM_EP_INET_HOST);
	assert_string_equal(nsim_addr_fmt(nsim_analyze_target(o->t, &from, &to), addr), "203.0.113.20");

	/* a NAT gateway: its elastic IP from outside its VPC */
	assert_int_equal(nsim_analyze_resolve(o->t, "nat", &to), 0);
	assert_int_equal(to.kind, NSIM_EP_NAT);
	assert_string_equal(nsim_addr_fmt(nsim_analyze_target(o->t, &from, &to), addr), "203.0.113.10");

	/* the source must be a host or an internet host */
	struct nsim_flow f = {.proto = NSIM_PROTO_TCP, .dport = 443};
	struct nsim_analysis a;
	assert_int_equal(nsim_analyze_resolve(o->t, "10.0.1.10", &f.from), 0);
	assert_int_equal(nsim_addr_parse("203.0.113.20", &f.dst), 0);
	assert_int_equal(nsim_analyzer_flow(o->an, &f, true, &a), -EINVAL);
	assert_int_equal(nsim_analyze_resolve(o->t, "nat", &f.from), 0);
	assert_int_equal(nsim_analyzer_flow(o->an, &f, true, &a), -EINVAL);

	/* the one-shot analysis agrees with the analyzer */
	assert_int_equal(nsim_analyze_resolve(o->t, "client", &f.from), 0);
	struct nsim_analysis b;
	assert_int_equal(nsim_analyze_flow(o->t, &f, &a), 0);
	assert_int_equal(nsim_analyzer_flow(o->an, &f, true, &b), 0);
	assert_int_equal(a.prediction, NSIM_PREDICT_REACHABLE);
	assert_int_equal(a.n_hops, b.n_hops);
	assert_memory_equal(a.hops, b.hops, a.n_hops * sizeof(a.hops[0]));

	nsim_analyzer_free(NULL);
}

/* ---- the example and a big topology ---- */

/* Like `netsim analyze`: every expectation of the example predicted to hold. */
static void test_serverless_expectations(void **state)
{
	(void)state;
	struct topo *o = open_topo("topologies/serverless-backend.yaml");
	assert_int_equal(o->t->n_expects, 11);
	for (size_t i = 0; i < o->t->n_expects; i++) {
		const struct nsim_expect *e = &o->t->expects[i];
		struct nsim_flow f = {.from = e->from, .proto = e->proto, .dport = e->has_port ? e->port.from : 0};
		struct nsim_analysis a;
		f.dst = nsim_analyze_target(o->t, &e->from, &e->to);
		snprintf(last_flow, sizeof(last_flow), "expectation %zu: %s -> %s", i + 1, e->from.ref.name,
			 e->to.ref.name);
		assert_int_equal(nsim_analyzer_flow(o->an, &f, true, &a), 0);
		check_invariants(&a);
		enum nsim_prediction want =
			e->verdict == NSIM_VERDICT_REACHABLE ? NSIM_PREDICT_REACHABLE : NSIM_PREDICT_BLOCKED;
		if (a.prediction != want)
			fail_with(&a, "expected %s", nsim_verdict_name(e->verdict));
		if (e->has_seen_source && e->seen_source.kind == NSIM_EP_NAT) {
			/* the destination sees the NAT gateway's elastic IP */
			char eip[NSIM_ADDR_STRLEN];
			nsim_addr_fmt(o->t->vpcs[e->seen_source.vpc].nat_gateways[e->seen_source.idx].elastic_ip, eip);
			if (!a.n_hops || !strstr(a.hops[a.n_hops - 1].detail, eip))
				fail_with(&a, "the destination should see %s", eip);
		}
		for (size_t k = 0; k < e->n_via; k++) {
			bool seen = false;
			for (size_t h = 0; h < a.n_hops; h++)
				seen |= streq(a.hops[h].component, e->via[k].ref.name);
			if (!seen)
				fail_with(&a, "no hop through %s", e->via[k].ref.name);
		}
	}
}

/* The endpoints example: every probe expectation predicted to hold (a `to:`
 * DNS name resolved from the source, as `netsim analyze` does). */
static void test_endpoints_example(void **state)
{
	(void)state;
	struct topo *o = open_topo("topologies/serverless-endpoints.yaml");
	size_t n = 0;
	for (size_t i = 0; i < o->t->n_expects; i++) {
		const struct nsim_expect *e = &o->t->expects[i];
		if (e->command.argc)
			continue;
		struct nsim_flow f = {.from = e->from, .proto = e->proto, .dport = e->has_port ? e->port.from : 0};
		struct nsim_analysis a;
		f.dst = nsim_analyze_target(o->t, &e->from, &e->to);
		if (e->to.kind == NSIM_EP_DNS)
			f.name = e->to.ref.name;
		snprintf(last_flow, sizeof(last_flow), "expectation %zu: %s -> %s", i + 1, e->from.ref.name,
			 e->to.ref.name);
		assert_int_equal(nsim_analyzer_flow(o->an, &f, true, &a), 0);
		check_invariants(&a);
		enum nsim_prediction want =
			e->verdict == NSIM_VERDICT_REACHABLE ? NSIM_PREDICT_REACHABLE : NSIM_PREDICT_BLOCKED;
		if (a.prediction != want)
			fail_with(&a, "expected %s", nsim_verdict_name(e->verdict));
		n++;
	}
	assert_true(n >= 5);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* scripts/gen-topology 1000: every host to every host on 80/tcp, verdicts only. */
static void test_matrix_1000(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/netsim-test-analyze-XXXXXX");
	int fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "scripts/gen-topology 1000 > %s", tmp_path);
	if (system(cmd) != 0) {
		print_message("scripts/gen-topology failed (no python3?): skipped\n");
		skip();
	}
	struct topo *o = open_topo(tmp_path);
	assert_int_equal(o->t->n_vpcs, 1);
	const struct nsim_vpc *v = &o->t->vpcs[0];
	assert_int_equal(v->n_hosts, 1000);

	size_t flows = 0, ok = 0;
	double t0 = now_ms();
	for (size_t i = 0; i < v->n_hosts; i++) {
		struct nsim_flow f = {.from = {.kind = NSIM_EP_HOST, .vpc = 0, .idx = i}, .proto = NSIM_PROTO_TCP,
				      .dport = 80};
		for (size_t j = 0; j < v->n_hosts; j++) {
			struct nsim_analysis a;
			f.dst = v->hosts[j].address;
			assert_int_equal(nsim_analyzer_flow(o->an, &f, false, &a), 0);
			flows++;
			ok += a.prediction == NSIM_PREDICT_REACHABLE;
		}
	}
	double ms = now_ms() - t0;
	print_message("1000-host topology: %zu flows (explain=false) in %.1f ms, %.0f flows/s\n", flows, ms,
		      ms > 0 ? flows / (ms / 1e3) : 0.0);
	assert_int_equal(flows, 1000000);
	/* web-sg admits 80/tcp from the VPC; default ACLs; everyone listens */
	assert_int_equal(ok, flows);

	/* and from the internet, the private addresses are out of reach */
	struct nsim_flow f = {.proto = NSIM_PROTO_TCP, .dport = 80};
	struct nsim_analysis a;
	assert_int_equal(nsim_analyze_resolve(o->t, "client", &f.from), 0);
	f.dst = v->hosts[999].address;
	assert_int_equal(nsim_analyzer_flow(o->an, &f, false, &a), 0);
	assert_int_equal(a.reason, NSIM_REASON_NO_ROUTE);
}

/* Text longer than its buffer ends in "…": never cut silently. */
static bool ends_with_ellipsis(const char *s)
{
	size_t len = strlen(s);
	return len >= 3 && streq(s + len - 3, "…");
}

static void test_truncation_visible(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(DATA "long-names.yaml");
	flow(o, "client-with-a-long-name-xxxxxxxx", "server-with-a-long-name-yyyyyyyy", "443/tcp", &a);
	assert_int_equal(a.prediction, NSIM_PREDICT_BLOCKED);
	assert_int_equal(a.reason, NSIM_REASON_SG_INGRESS_NO_RULE);
	/* the five group names (~170 bytes) do not fit blocked_at or a hop's component */
	assert_true(ends_with_ellipsis(a.blocked_at));
	assert_int_equal(strncmp(a.blocked_at, "security-group-number-one-aaaaa, ", 33), 0);
	assert_true(a.n_hops > 0);
	assert_true(ends_with_ellipsis(a.hops[a.n_hops - 1].component));
	assert_true(a.hops[a.n_hops - 1].blocked);
	/* the explanation lists every rule of the five groups: more than fits */
	assert_true(strlen(a.explanation) < sizeof(a.explanation));
	assert_non_null(strstr(a.explanation, "…"));
	assert_false(a.hops_truncated);
	/* short texts are left alone */
	assert_false(ends_with_ellipsis(a.hops[0].component));
}

/* ---- decisions, suggested fixes, blocked_by: (issue 10) ---- */

#define FIX "tests/data/fix/"

/* The decision names the component in model terms. */
static void decided(const struct nsim_analysis *a, enum nsim_component_kind kind, const char *name)
{
	if (a->decision.comp.kind != kind || !a->decision.comp.ref.name || !streq(a->decision.comp.ref.name, name))
		fail_with(a, "decided by kind %d '%s', want kind %d '%s'", a->decision.comp.kind,
			  a->decision.comp.ref.name ? a->decision.comp.ref.name : "(none)", kind, name);
}

/* The fix: its action, path, yaml and text, exactly. */
static void fixes(const struct nsim_analysis *a, const struct nsim_fix *x, enum nsim_fix_action action,
		  const char *path, const char *yaml, const char *text)
{
	if (x->action != action || !streq(x->path, path) || !streq(x->yaml, yaml) || !streq(x->text, text))
		fail_with(a, "fix: %s '%s' '%s' '%s'\n want: %s '%s' '%s' '%s'", nsim_fix_action_name(x->action), x->path,
			  x->yaml, x->text, nsim_fix_action_name(action), path, yaml, text);
}

static void test_fix_routes(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(FIX "no-route.yaml");
	flow(o, "fn", "api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "private");
	decided(&a, NSIM_COMP_ROUTE_TABLE, "private");
	assert_int_equal(a.decision.comp.a, 0);
	assert_int_equal(a.decision.comp.b, 1);
	assert_int_equal(a.decision.subnet, 1);
	assert_false(a.decision.reply);
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].route_tables[private].routes",
	      "{ destination: 0.0.0.0/0, target: nat-a }",
	      "add to route table private: { destination: 0.0.0.0/0, target: nat-a }");
	assert_false(a.fix.others);

	o = open_topo(FIX "blackhole.yaml");
	flow(o, "fn", "api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_BLACKHOLE_ROUTE, "private");
	decided(&a, NSIM_COMP_ROUTE_TABLE, "private");
	fixes(&a, &a.fix, NSIM_FIX_CHANGE, "vpcs[main].route_tables[private].routes[0.0.0.0/0].target", "nat-a",
	      "in route table private, change the target of 0.0.0.0/0 from blackhole to nat-a");

	o = open_topo(FIX "peering.yaml");
	flow(o, "ha", "hc", "80/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_PEERING_NOT_TRANSITIVE, "pcx-ab");
	decided(&a, NSIM_COMP_PEERING, "pcx-ab");
	assert_int_equal(a.decision.comp.a, 0);
	fixes(&a, &a.fix, NSIM_FIX_CHANGE, "vpcs[a].route_tables[a-rt].routes[10.2.0.0/16].target", "pcx-ac",
	      "in route table a-rt, change the target of 10.2.0.0/16 from pcx-ab to pcx-ac");

	/* no table at all: a table to add, and the subnet to point at it */
	o = open_topo(DATA "no-route.yaml");
	flow(o, "iso", "api", "443/tcp", &a);
	decided(&a, NSIM_COMP_ROUTE_TABLE, "(local only)");
	assert_int_equal(a.decision.comp.b, NSIM_NONE);
	/* nothing in the VPC could carry it to the internet: no NAT gateway, no public IP */
	fixes(&a, &a.fix, NSIM_FIX_NONE, "", "",
	      "VPC main has no NAT gateway whose subnet routes to internet gateway igw: add one in a public subnet, then "
	      "route 0.0.0.0/0 to it");
	assert_true(a.fix.others);

	/* the reply's way back over a peering: the route to add on the far side */
	o = open_topo(DATA "peering.yaml");
	flow(o, "hb", "hc", "80/tcp", &a);
	assert_int_equal(a.reason, NSIM_REASON_NO_ROUTE);
	decided(&a, NSIM_COMP_ROUTE_TABLE, "c-rt");
	assert_true(a.decision.reply);
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[c].route_tables[c-rt].routes", "{ destination: 10.1.0.0/16, target: pcx-bc }",
	      "add to route table c-rt: { destination: 10.1.0.0/16, target: pcx-bc }");
}

/* field/nat-loop.yaml: the NAT gateway's own subnet routes back to it */
static void test_fix_nat_loop(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo("tests/data/field/nat-loop.yaml");
	flow(o, "worker", "feed", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_ROUTE, "inner-rt");
	/* the address that matches the route is the destination's, not the worker's */
	EXPLAINS(&a, "sends 198.51.100.40 back to nat");
	if (strstr(a.explanation, "10.7.2.5"))
		fail_with(&a, "the explanation names the client's address");
	detail(&a, a.n_hops - 1, "198.51.100.40 matches 0.0.0.0/0 -> nat, the NAT gateway itself");
	decided(&a, NSIM_COMP_ROUTE_TABLE, "inner-rt");
	assert_int_equal(a.decision.dst, 0xc6336428); /* 198.51.100.40 */
	fixes(&a, &a.fix, NSIM_FIX_CHANGE, "vpcs[v].route_tables[inner-rt].routes[0.0.0.0/0].target", "igw",
	      "in route table inner-rt, change the target of 0.0.0.0/0 from nat to igw: NAT gateway nat's subnet must "
	      "route to the internet gateway (or move nat to a public subnet)");
	assert_true(a.fix.others);
}

/* field/ambiguous-sg.yaml: VPC/GROUP wherever a bare name would read as a contradiction */
static void test_ambiguous_sg_names(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo("tests/data/field/ambiguous-sg.yaml");
	flow(o, "shop1", "pg", "5432/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_INGRESS_NO_RULE, "db-sg");
	EXPLAINS(&a, "no ingress rule allows tcp/5432 from 10.30.1.4 (shop1, in shop/web-sg); it allows: tcp/5432 store/web-sg");
	detail(&a, 1, "shop/web-sg egress: all");
	decided(&a, NSIM_COMP_SECURITY_GROUP, "db-sg");
	assert_int_equal(a.decision.comp.a, 1);
	assert_true(a.decision.ingress);
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[store].security_groups[db-sg].ingress",
	      "{ protocol: tcp, ports: 5432, source: shop/web-sg }",
	      "add to db-sg ingress: { protocol: tcp, ports: 5432, source: shop/web-sg }");
	/* a group of the host's own VPC with a name no peer shares stays bare */
	o = open_topo(DATA "peering.yaml");
	flow(o, "ha", "hb", "80/tcp", &a);
	detail(&a, 1, "a-sg egress: all");
}

static void test_fix_gateways(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(FIX "no-public-ip.yaml");
	flow(o, "web", "api", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NO_PUBLIC_IP, "igw");
	decided(&a, NSIM_COMP_IGW, "igw");
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].hosts[web].public_ip", "203.0.113.10",
	      "web is in public subnet public-a without a public IP: give it public_ip: 203.0.113.10, or move it to a "
	      "private subnet that routes 0.0.0.0/0 to a NAT gateway");
	assert_true(a.fix.others);

	o = open_topo(FIX "igw-not-attached.yaml");
	flow(o, "client", "web", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_IGW_NOT_ATTACHED, "internet");
	decided(&a, NSIM_COMP_IGW, "main");
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].internet_gateway", "igw-main",
	      "attach an internet gateway to VPC main (internet_gateway: igw-main), and route 0.0.0.0/0 to it from the "
	      "host's subnet");

	o = open_topo(FIX "nat-inbound.yaml");
	flow(o, "client", "203.0.113.10", "443/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_NAT_INBOUND_UNSOLICITED, "nat-a");
	decided(&a, NSIM_COMP_NAT, "nat-a");
	assert_int_equal(a.fix.action, NSIM_FIX_NONE);
	assert_non_null(strstr(a.fix.text, "a NAT gateway accepts no connection started toward it"));

	/* a private address from the internet: the host's public IP */
	o = open_topo(DATA "public-ip.yaml");
	flow(o, "client", "nopub", "443/tcp", &a);
	decided(&a, NSIM_COMP_INTERNET, "internet");
	assert_int_equal(a.fix.action, NSIM_FIX_ADD);
	assert_string_equal(a.fix.path, "vpcs[main].hosts[nopub].public_ip");
}

static void test_fix_acls(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(FIX "acl-deny.yaml");
	flow(o, "ops", "db", "22/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_DENY, "data");
	decided(&a, NSIM_COMP_NETWORK_ACL, "data");
	assert_int_equal(a.decision.rule, 110);
	assert_true(a.decision.ingress);
	assert_false(a.decision.reply);
	assert_int_equal(a.decision.subnet, 1);
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].network_acls[data].ingress",
	      "{ rule: 109, protocol: tcp, ports: 22, source: 10.0.3.0/24, action: allow }",
	      "add to network ACL data ingress: { rule: 109, protocol: tcp, ports: 22, source: 10.0.3.0/24, action: "
	      "allow }");

	o = open_topo(FIX "acl-return.yaml");
	flow(o, "fn", "db", "3306/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_ACL_RETURN_DENY, "data");
	decided(&a, NSIM_COMP_NETWORK_ACL, "data");
	assert_int_equal(a.decision.rule, 0); /* `*` */
	assert_true(a.decision.reply);
	assert_false(a.decision.ingress);
	assert_int_equal(a.decision.dport, 32768); /* the reply goes to the client's port */
	assert_int_equal(a.decision.sport, 3306);
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].network_acls[data].egress",
	      "{ rule: 110, protocol: tcp, ports: 1024-65535, destination: 10.0.3.0/24, action: allow }",
	      "add to network ACL data egress: { rule: 110, protocol: tcp, ports: 1024-65535, destination: "
	      "10.0.3.0/24, action: allow } (ACLs are stateless: the reply goes to the client's ephemeral port)");
}

static void test_fix_groups_listeners_names(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct topo *o = open_topo(FIX "sg-ingress.yaml");
	flow(o, "fn", "db", "3306/tcp", &a);
	decided(&a, NSIM_COMP_SECURITY_GROUP, "db-sg");
	assert_int_equal(a.decision.host, 1);
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].security_groups[db-sg].ingress",
	      "{ protocol: tcp, ports: 3306, source: fn-sg }", "add to db-sg ingress: { protocol: tcp, ports: 3306, source: fn-sg }");

	o = open_topo(FIX "sg-egress.yaml");
	flow(o, "fn", "db", "3306/tcp", &a);
	verdict(&a, NSIM_PREDICT_BLOCKED, NSIM_REASON_SG_EGRESS_NO_RULE, "fn-sg");
	decided(&a, NSIM_COMP_SECURITY_GROUP, "fn-sg");
	assert_false(a.decision.ingress);
	assert_int_equal(a.decision.host, 0);
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].security_groups[fn-sg].egress",
	      "{ protocol: tcp, ports: 3306, destination: db-sg }",
	      "add to fn-sg egress: { protocol: tcp, ports: 3306, destination: db-sg }");

	/* a client without groups: its /32; ping: no ports */
	o = open_topo(DATA "long-sg-name.yaml");
	flow(o, "fn", "db", "icmp", &a);
	assert_string_equal(a.fix.yaml, "{ protocol: icmp, source: 10.0.3.4/32 }");

	/* a host in the default group: a group of its own */
	o = open_topo(DATA "default-sg.yaml");
	flow(o, "outsider", "m1", "80/tcp", &a);
	decided(&a, NSIM_COMP_SECURITY_GROUP, "default");
	assert_int_equal(a.decision.comp.b, NSIM_NONE);
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].security_groups[default].ingress",
	      "{ protocol: tcp, ports: 80, source: other-sg }",
	      "add to default ingress (VPC main's default group, which m1 is in): { protocol: tcp, ports: 80, source: "
	      "other-sg }");
	assert_true(a.fix.others);

	o = open_topo(FIX "no-listener.yaml");
	flow(o, "fn", "web", "8080/tcp", &a);
	decided(&a, NSIM_COMP_HOST, "web");
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].hosts[web].listen", "8080/tcp",
	      "add to web listen: 8080/tcp (or run a service there that listens on it)");

	o = open_topo(FIX "name-not-found.yaml");
	struct nsim_flow f = {.proto = NSIM_PROTO_TCP, .dport = 3306, .name = "db.corp.example"};
	assert_int_equal(nsim_analyze_resolve(o->t, "fn", &f.from), 0);
	assert_int_equal(nsim_analyzer_flow(o->an, &f, true, &a), 0);
	assert_int_equal(a.reason, NSIM_REASON_NAME_NOT_FOUND);
	decided(&a, NSIM_COMP_VPC, "main");
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].hosts[db].dns_names", "db.corp.example",
	      "add to db dns_names: db.corp.example");
}

/* Reason codes of VPC endpoints (their walk is analyze/endpoints.c): the
 * fix from a decision, on an endpoint made here in C. */
static void test_fix_endpoints(void **state)
{
	(void)state;
	struct topo *o = open_topo(FIX "sg-ingress.yaml");
	struct nsim_topology *t = o->t;
	struct nsim_vpc *v = &t->vpcs[0];
	struct nsim_vpc_endpoint *ep = nsim_arena_alloc(t->arena, 1, sizeof(*ep));
	size_t *sg = nsim_arena_alloc(t->arena, 1, sizeof(*sg));
	assert_non_null(ep);
	assert_non_null(sg);
	sg[0] = 2; /* db-sg */
	ep->name.name = (char *)"secrets";
	ep->n_security_groups = 1;
	ep->sg_idx = sg;
	ep->service_region = "eu-west-1";
	v->endpoints = ep;
	v->n_endpoints = 1;

	struct nsim_analysis a = {.prediction = NSIM_PREDICT_BLOCKED, .reason = NSIM_REASON_ENDPOINT_SG_INGRESS_NO_RULE};
	a.decision = (struct nsim_decision){.comp = {.ref = {.name = (char *)"secrets"}, .kind = NSIM_COMP_ENDPOINT, .a = 0, .b = 0},
					    .vpc = 0, .subnet = 0, .host = NSIM_NONE, .src = v->hosts[0].address,
					    .dst = 0x0a000305, .dport = 443, .proto = NSIM_PROTO_TCP};
	struct nsim_flow f = {.from = {.kind = NSIM_EP_HOST, .vpc = 0, .idx = 0}, .dst = 0x0a000305,
			      .proto = NSIM_PROTO_TCP, .dport = 443};
	nsim_analyze_fix(t, &f, &a);
	fixes(&a, &a.fix, NSIM_FIX_ADD, "vpcs[main].security_groups[db-sg].ingress",
	      "{ protocol: tcp, ports: 443, source: fn-sg }",
	      "add to db-sg ingress (the groups of endpoint secrets): { protocol: tcp, ports: 443, source: fn-sg }");

	a.reason = NSIM_REASON_NAME_RESOLVES_PUBLIC;
	nsim_analyze_fix(t, &f, &a);
	assert_int_equal(a.fix.action, NSIM_FIX_CHANGE);
	assert_string_equal(a.fix.path, "vpcs[main].endpoints[secrets].private_dns");
	assert_string_equal(a.fix.yaml, "true");
	assert_non_null(strstr(a.fix.text, "dns_hostnames: true"));

	a.reason = NSIM_REASON_ENDPOINT_NOT_IN_REGION;
	nsim_analyze_fix(t, &f, &a);
	assert_non_null(strstr(a.fix.text, "endpoint secrets"));
	assert_true(a.fix.others);
	v->endpoints = NULL;
	v->n_endpoints = 0;
}

static void test_fix_close(void **state)
{
	(void)state;
	struct nsim_analysis a;
	struct nsim_fix x;
	struct nsim_flow f = {.proto = NSIM_PROTO_TCP, .dport = 3306, .sport = 32768};
	struct nsim_endpoint to;
	struct topo *o = open_topo(FIX "close-sg.yaml");
	assert_int_equal(nsim_analyze_resolve(o->t, "fn", &f.from), 0);
	assert_int_equal(nsim_analyze_resolve(o->t, "db", &to), 0);
	f.dst = nsim_analyze_target(o->t, &f.from, &to);
	assert_int_equal(nsim_analyzer_flow(o->an, &f, true, &a), 0);
	reachable(&a);
	assert_int_equal(a.decision.comp.kind, NSIM_COMP_UNRESOLVED);
	assert_int_equal(a.decision.host, 1);
	assert_int_equal(a.fix.action, NSIM_FIX_NONE);
	nsim_analyze_fix_close(o->t, &f, &a, &x);
	fixes(&a, &x, NSIM_FIX_REMOVE, "vpcs[main].security_groups[db-sg].ingress",
	      "{ protocol: tcp, ports: 3306, source: fn-sg }", "remove from db-sg ingress: { protocol: tcp, ports: 3306, source: fn-sg }");

	o = open_topo(FIX "close-route.yaml");
	flow(o, "fn", "api", "443/tcp", &a);
	struct nsim_flow g = {.proto = NSIM_PROTO_TCP, .dport = 443, .dst = 0xc6336414};
	assert_int_equal(nsim_analyze_resolve(o->t, "fn", &g.from), 0);
	nsim_analyze_fix_close(o->t, &g, &a, &x);
	fixes(&a, &x, NSIM_FIX_REMOVE, "vpcs[main].route_tables[private].routes",
	      "{ destination: 0.0.0.0/0, target: nat-a }", "remove from route table private: { destination: 0.0.0.0/0, target: nat-a }");

	/* a blocked flow has nothing to close */
	o = open_topo(FIX "sg-ingress.yaml");
	flow(o, "fn", "db", "3306/tcp", &a);
	nsim_analyze_fix_close(o->t, &f, &a, &x);
	assert_int_equal(x.action, NSIM_FIX_NONE);
}

/* An expectation with blocked_by: as validate/ resolves it. */
static struct nsim_expect by_comp(const char *text, enum nsim_component_kind kind, size_t a, size_t b, uint32_t rule)
{
	return (struct nsim_expect){.verdict = NSIM_VERDICT_UNREACHABLE, .blocked_by = {.name = (char *)text},
				    .blocked_by_comp = {.ref = {.name = (char *)text}, .kind = kind, .a = a, .b = b},
				    .blocked_by_rule = rule};
}

static void test_blocked_by(void **state)
{
	(void)state;
	struct nsim_analysis a;
	char why[600];
	struct topo *o = open_topo(DATA "../../../topologies/serverless-backend.yaml");
	const struct nsim_vpc *v = &o->t->vpcs[0];
	size_t db_sg = NSIM_NONE, fn_sg = NSIM_NONE;
	for (size_t g = 0; g < v->n_security_groups; g++) {
		if (streq(v->security_groups[g].name.name, "db-sg"))
			db_sg = g;
		if (streq(v->security_groups[g].name.name, "fn-sg"))
			fn_sg = g;
	}
	assert_true(db_sg != NSIM_NONE && fn_sg != NSIM_NONE);
	flow(o, "fn", "db", "3306/tcp", &a);

	struct nsim_expect none = {.verdict = NSIM_VERDICT_UNREACHABLE};
	assert_true(nsim_analyze_blocked_by_match(o->t, &none, &a, why, sizeof(why)));
	struct nsim_expect e = by_comp("db-sg", NSIM_COMP_SECURITY_GROUP, 0, db_sg, 0);
	assert_true(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
	assert_string_equal(why, "");
	e = (struct nsim_expect){.verdict = NSIM_VERDICT_UNREACHABLE, .blocked_by = {.name = (char *)"SG_INGRESS_NO_RULE"},
				 .blocked_by_reason = "SG_INGRESS_NO_RULE"};
	assert_true(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));

	/* the wrong reason: says what blocks it instead */
	e = by_comp("fn-sg", NSIM_COMP_SECURITY_GROUP, 0, fn_sg, 0);
	assert_false(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
	if (!strstr(why, "blocked_by: fn-sg, but db-sg blocks it instead (SG_INGRESS_NO_RULE): blocked by security group db-sg"))
		fail_msg("why: %s", why);
	e = (struct nsim_expect){.verdict = NSIM_VERDICT_UNREACHABLE, .blocked_by = {.name = (char *)"ACL_DENY"},
				 .blocked_by_reason = "ACL_DENY"};
	assert_false(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));

	/* reachable: nothing blocks it */
	flow(o, "proxy", "db", "3306/tcp", &a);
	e = by_comp("db-sg", NSIM_COMP_SECURITY_GROUP, 0, db_sg, 0);
	assert_false(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
	assert_non_null(strstr(why, "nothing blocks the flow"));

	/* an ACL and its rule */
	o = open_topo(FIX "acl-deny.yaml");
	flow(o, "ops", "db", "22/tcp", &a);
	e = by_comp("data", NSIM_COMP_NETWORK_ACL, 0, 0, 0);
	assert_true(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
	e = by_comp("data#110", NSIM_COMP_NETWORK_ACL, 0, 0, 110);
	assert_true(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
	e = by_comp("data#100", NSIM_COMP_NETWORK_ACL, 0, 0, 100);
	assert_false(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
	assert_non_null(strstr(why, "data rule 110 blocks it instead (ACL_DENY)"));

	/* a route table, a peering */
	o = open_topo(FIX "no-route.yaml");
	flow(o, "fn", "api", "443/tcp", &a);
	e = by_comp("private", NSIM_COMP_ROUTE_TABLE, 0, 1, 0);
	assert_true(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
	e = by_comp("public", NSIM_COMP_ROUTE_TABLE, 0, 0, 0);
	assert_false(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
	o = open_topo(FIX "peering.yaml");
	flow(o, "ha", "hc", "80/tcp", &a);
	e = by_comp("pcx-ab", NSIM_COMP_PEERING, 0, NSIM_NONE, 0);
	assert_true(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
	e = by_comp("pcx-ac", NSIM_COMP_PEERING, 1, NSIM_NONE, 0);
	assert_false(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
}

/* Several groups on a host: any of them matches blocked_by:, the first names the decision */
static void test_blocked_by_several_groups(void **state)
{
	(void)state;
	struct nsim_analysis a;
	char why[600];
	struct topo *o = open_topo(DATA "long-names.yaml");
	flow(o, "client-with-a-long-name-xxxxxxxx", "server-with-a-long-name-yyyyyyyy", "443/tcp", &a);
	const struct nsim_host *h = &o->t->vpcs[0].hosts[a.decision.host];
	assert_true(h->n_security_groups > 1);
	assert_int_equal(a.decision.comp.b, h->sg_idx[0]);
	for (size_t k = 0; k < h->n_security_groups; k++) {
		struct nsim_expect e = by_comp("g", NSIM_COMP_SECURITY_GROUP, 0, h->sg_idx[k], 0);
		assert_true(nsim_analyze_blocked_by_match(o->t, &e, &a, why, sizeof(why)));
	}
	assert_true(a.fix.others); /* any of the groups would do */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_reason_names, teardown),
		cmocka_unit_test(test_port_sets),
		cmocka_unit_test_teardown(test_ports_nat_leg, teardown),
		cmocka_unit_test_teardown(test_ports_client_leg, teardown),
		cmocka_unit_test_teardown(test_ports_both_legs, teardown),
		cmocka_unit_test_teardown(test_no_route_table, teardown),
		cmocka_unit_test_teardown(test_no_route_nobody_has_it, teardown),
		cmocka_unit_test_teardown(test_no_route_private_from_internet, teardown),
		cmocka_unit_test_teardown(test_blackhole, teardown),
		cmocka_unit_test_teardown(test_lpm, teardown),
		cmocka_unit_test_teardown(test_prefix_list_lpm, teardown),
		cmocka_unit_test_teardown(test_prefix_list_sg, teardown),
		cmocka_unit_test_teardown(test_interface_endpoint, teardown),
		cmocka_unit_test_teardown(test_endpoint_sg_ingress, teardown),
		cmocka_unit_test_teardown(test_gateway_endpoint, teardown),
		cmocka_unit_test_teardown(test_endpoint_not_in_region, teardown),
		cmocka_unit_test_teardown(test_endpoints_from_peered_vpc, teardown),
		cmocka_unit_test_teardown(test_name_resolves_public, teardown),
		cmocka_unit_test_teardown(test_no_public_ip, teardown),
		cmocka_unit_test_teardown(test_public_ip_both_ways, teardown),
		cmocka_unit_test_teardown(test_reply_route_via_nat, teardown),
		cmocka_unit_test_teardown(test_igw_not_attached, teardown),
		cmocka_unit_test_teardown(test_nat_path, teardown),
		cmocka_unit_test_teardown(test_nat_inbound_unsolicited, teardown),
		cmocka_unit_test_teardown(test_drop_order, teardown),
		cmocka_unit_test_teardown(test_sg_endpoint_member, teardown),
		cmocka_unit_test_teardown(test_nat_routes_to_itself, teardown),
		cmocka_unit_test_teardown(test_peering_not_transitive, teardown),
		cmocka_unit_test_teardown(test_peering_one_sided, teardown),
		cmocka_unit_test_teardown(test_peering_sg_reference, teardown),
		cmocka_unit_test_teardown(test_acl_deny_egress, teardown),
		cmocka_unit_test_teardown(test_acl_deny_ingress_and_order, teardown),
		cmocka_unit_test_teardown(test_acl_return_deny, teardown),
		cmocka_unit_test_teardown(test_acl_return_deny_nat, teardown),
		cmocka_unit_test_teardown(test_sg_ingress_serverless, teardown),
		cmocka_unit_test_teardown(test_sg_egress, teardown),
		cmocka_unit_test_teardown(test_default_sg, teardown),
		cmocka_unit_test_teardown(test_same_subnet, teardown),
		cmocka_unit_test_teardown(test_multi_sg_and_protocols, teardown),
		cmocka_unit_test_teardown(test_no_listener, teardown),
		cmocka_unit_test_teardown(test_api, teardown),
		cmocka_unit_test_teardown(test_serverless_expectations, teardown),
		cmocka_unit_test_teardown(test_endpoints_example, teardown),
		cmocka_unit_test_teardown(test_matrix_1000, teardown),
		cmocka_unit_test_teardown(test_truncation_visible, teardown),
		cmocka_unit_test_teardown(test_fix_routes, teardown),
		cmocka_unit_test_teardown(test_fix_nat_loop, teardown),
		cmocka_unit_test_teardown(test_ambiguous_sg_names, teardown),
		cmocka_unit_test_teardown(test_fix_gateways, teardown),
		cmocka_unit_test_teardown(test_fix_acls, teardown),
		cmocka_unit_test_teardown(test_fix_groups_listeners_names, teardown),
		cmocka_unit_test_teardown(test_fix_endpoints, teardown),
		cmocka_unit_test_teardown(test_fix_close, teardown),
		cmocka_unit_test_teardown(test_blocked_by, teardown),
		cmocka_unit_test_teardown(test_blocked_by_several_groups, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
