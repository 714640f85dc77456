/* SPDX-License-Identifier: MIT */
/*
 * Security groups and network ACLs on real packets, with AWS's semantics:
 * stateful allow-only groups at the host's port (also within a subnet, out of
 * the host's reach), stateless numbered ACLs at subnet boundaries, blocked
 * traffic dropped (a TCP connect times out), never refused. argv[1]: the
 * netsim binary. Root; exit 77 (skip) when network namespaces can't be made.
 * Topologies: topologies/ and tests/data/sg/. Every instance is named
 * t<pid>-..., and removed at the end whether the tests pass or fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/net.h"
#include "probe/probe.h"

#include "util.h"

/* Blocked as AWS blocks: no answer at all (not refused, not "no route"). */
static void expect_dropped(const char *name, const char *host, enum nsim_proto proto, const char *addr,
			   uint16_t port)
{
	struct nsim_probe_result r = probe(name, host, proto, addr, port, 500);
	if (r.outcome != NSIM_PROBE_DROPPED) {
		fprintf(stderr, "%s -> %s:%u/%s: expected dropped, got %s (%s) '%s'\n", host, addr, port,
			nsim_proto_name(proto), nsim_probe_outcome_name(r.outcome), strerror(r.error), r.response);
		fail();
	}
}

/* The packets counted by the rule with this comment in chain `chain` (or the
 * first such rule anywhere, if NULL) of the router of `vpc`, read from `nft
 * list ruleset` run there with `netsim exec`. Group rules' comments name the
 * group, so a group's rules appear once per member: name the member's chain
 * (ingress_HOST, egress_HOST) then. */
static long rule_packets_in(const char *name, const char *vpc, const char *chain, const char *comment)
{
	static char out[1 << 18];
	char quoted[256], head[128];
	int r = run(out, sizeof(out), NULL, "exec", name, vpc, "--", "nft", "list", "ruleset", NULL);
	if (r != 0) {
		fprintf(stderr, "netsim exec %s %s -- nft list ruleset: exit %d\n%s\n", name, vpc, r, out);
		fail();
	}
	const char *from = out;
	if (chain) {
		snprintf(head, sizeof(head), "chain %s {\n", chain);
		from = strstr(out, head);
		if (!from) {
			fprintf(stderr, "no chain %s in the router of %s:\n%s\n", chain, vpc, out);
			fail();
		}
		char *end = strstr(from, "\n\t}");
		if (end)
			end[1] = '\0';
	}
	snprintf(quoted, sizeof(quoted), "comment \"%s\"", comment);
	const char *hit = strstr(from, quoted);
	if (!hit) {
		fprintf(stderr, "no rule commented \"%s\" in %s%s of the router of %s:\n%s\n", comment,
			chain ? "chain " : "the ruleset", chain ? chain : "", vpc, from);
		fail();
	}
	const char *line = hit;
	while (line > out && line[-1] != '\n')
		line--;
	const char *c = strstr(line, "counter packets ");
	if (!c || c > hit) {
		fprintf(stderr, "the rule \"%s\" has no counter\n", comment);
		fail();
	}
	return strtol(c + strlen("counter packets "), NULL, 10);
}

static long rule_packets(const char *name, const char *vpc, const char *comment)
{
	return rule_packets_in(name, vpc, NULL, comment);
}

static void expect_counted_in(const char *name, const char *vpc, const char *chain, const char *comment)
{
	long n = rule_packets_in(name, vpc, chain, comment);
	if (n <= 0) {
		fprintf(stderr, "rule \"%s\" (%s, router of %s) counted %ld packets, wanted > 0\n", comment,
			chain ? chain : "first match", vpc, n);
		fail();
	}
}

static void expect_counted(const char *name, const char *vpc, const char *comment)
{
	expect_counted_in(name, vpc, NULL, comment);
}

/* ---- the tests ---- */

static void test_serverless(void **state)
{
	(void)state;
	const char *n = instance("sg-sb");
	up("topologies/serverless-backend.yaml", n);
	/* addresses: nat-a 10.0.1.4, bastion 10.0.1.5, fn 10.0.3.4, proxy 10.0.3.20, db 10.0.4.4 */
	/* the proxy relays to db (targets: [db]): db answers, and saw the proxy */
	expect_reachable(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, "db 3306/tcp from 10.0.3.20:");
	assert_int_equal(rule_packets(n, "main", "sg ingress of db: no rule allows it"), 0);
	/* only the proxy reaches the DB: db-sg drops fn's SYN (the data ACL lets it in) */
	expect_dropped(n, "fn", NSIM_PROTO_TCP, "10.0.4.4", 3306);
	expect_counted(n, "main", "sg ingress of db: no rule allows it");
	expect_counted(n, "main", "acl data ingress rule 100");
	/* the relay's leg to db (from the proxy) is what db-sg's rule admits */
	expect_counted(n, "main", "sg db-sg ingress #1");
	expect_reachable(n, "proxy", NSIM_PROTO_TCP, "10.0.4.4", 3306, "db 3306/tcp from 10.0.3.20:");
	/* the bastion's group admits 22 from anywhere, through its public IP */
	expect_reachable(n, "attacker", NSIM_PROTO_TCP, "203.0.113.20", 22, "bastion 22/tcp from 198.51.100.66:");
	expect_counted(n, "main", "sg bastion-sg ingress #1");
	down(n);
	assert_nothing_left(n);
}

static void test_stateful(void **state)
{
	(void)state;
	const char *n = instance("sg-state");
	up("tests/data/sg/stateful.yaml", n);
	/* mute (egress: []) answers what its ingress allows: the replies pass by state */
	expect_reachable(n, "client", NSIM_PROTO_TCP, "10.20.1.10", 80, "mute 80/tcp from 10.20.1.11:");
	expect_reachable(n, "client", NSIM_PROTO_ICMP, "10.20.1.10", 0, NULL);
	/* other admits everything from the VPC... */
	expect_reachable(n, "client", NSIM_PROTO_TCP, "10.20.1.12", 80, "other 80/tcp from 10.20.1.11:");
	assert_int_equal(rule_packets(n, "vpc", "sg egress of mute: no rule allows it"), 0);
	/* ...but mute can open nothing */
	expect_dropped(n, "mute", NSIM_PROTO_TCP, "10.20.1.12", 80);
	expect_dropped(n, "mute", NSIM_PROTO_ICMP, "10.20.1.12", 0);
	expect_dropped(n, "mute", NSIM_PROTO_TCP, "10.20.1.11", 80);
	expect_counted(n, "vpc", "sg egress of mute: no rule allows it");
	/* traffic to the subnet router (+1) is never filtered */
	expect_reachable(n, "mute", NSIM_PROTO_ICMP, "10.20.1.1", 0, NULL);
	/* and a reply is not a licence: after the inbound connections, still nothing outbound */
	expect_reachable(n, "client", NSIM_PROTO_TCP, "10.20.1.10", 80, "mute 80/tcp");
	expect_dropped(n, "mute", NSIM_PROTO_TCP, "10.20.1.12", 80);
	/* an egress rule limits what may be opened, whatever the destination's ingress allows */
	expect_reachable(n, "narrow", NSIM_PROTO_TCP, "10.20.1.12", 80, "other 80/tcp from 10.20.1.13:");
	expect_dropped(n, "narrow", NSIM_PROTO_TCP, "10.20.1.12", 443);
	expect_dropped(n, "narrow", NSIM_PROTO_ICMP, "10.20.1.12", 0);
	expect_dropped(n, "narrow", NSIM_PROTO_TCP, "10.20.1.10", 80); /* mute admits it; not a member of open-sg */
	expect_counted(n, "vpc", "sg narrow-sg egress #1");
	expect_counted(n, "vpc", "sg egress of narrow: no rule allows it");
	down(n);
	assert_nothing_left(n);
}

static void test_sg_as_source(void **state)
{
	(void)state;
	const char *without = instance("sg-src-no");
	const char *with = instance("sg-src-yes");
	up("tests/data/sg/sgsrc-without.yaml", without);
	expect_reachable(without, "proxy", NSIM_PROTO_TCP, "10.0.4.10", 3306, "db 3306/tcp from 10.0.3.20:");
	expect_dropped(without, "worker", NSIM_PROTO_TCP, "10.0.4.10", 3306);
	expect_counted(without, "main", "sg ingress of db: no rule allows it");
	down(without);
	assert_nothing_left(without);

	/* the same, with worker added to proxy-sg */
	up("tests/data/sg/sgsrc-with.yaml", with);
	expect_reachable(with, "worker", NSIM_PROTO_TCP, "10.0.4.10", 3306, "db 3306/tcp from 10.0.3.30:");
	expect_reachable(with, "proxy", NSIM_PROTO_TCP, "10.0.4.10", 3306, "db 3306/tcp from 10.0.3.20:");
	assert_int_equal(rule_packets(with, "main", "sg ingress of db: no rule allows it"), 0);
	down(with);
	assert_nothing_left(with);
}

static void test_default_sg(void **state)
{
	(void)state;
	const char *n = instance("sg-default");
	up("tests/data/sg/default-sg.yaml", n);
	/* a (10.30.1.10) and b (10.30.2.10) are both in the default group */
	expect_reachable(n, "a", NSIM_PROTO_TCP, "10.30.2.10", 80, "b 80/tcp from 10.30.1.10:");
	expect_reachable(n, "b", NSIM_PROTO_TCP, "10.30.1.10", 80, "a 80/tcp from 10.30.2.10:");
	expect_reachable(n, "a", NSIM_PROTO_ICMP, "10.30.2.10", 0, NULL);
	/* c (c-sg) is not a member: nothing of it gets in, even from a's own subnet */
	expect_dropped(n, "c", NSIM_PROTO_TCP, "10.30.1.10", 80);
	expect_dropped(n, "c", NSIM_PROTO_TCP, "10.30.2.10", 80);
	expect_dropped(n, "c", NSIM_PROTO_ICMP, "10.30.1.10", 0);
	expect_counted(n, "vpc", "sg ingress of a: no rule allows it");
	expect_counted(n, "vpc", "sg ingress of b: no rule allows it");
	/* the default group's members go out anywhere; c-sg admits tcp 80 and only that */
	expect_reachable(n, "a", NSIM_PROTO_TCP, "10.30.1.20", 80, "c 80/tcp from 10.30.1.10:");
	expect_reachable(n, "b", NSIM_PROTO_TCP, "10.30.1.20", 80, "c 80/tcp from 10.30.2.10:");
	expect_dropped(n, "a", NSIM_PROTO_ICMP, "10.30.1.20", 0);
	down(n);
	assert_nothing_left(n);
}

/* The default group by name (field/default-sg.yaml): a host in it beside
 * another group, a rule whose source is it; and a group written as
 * `default`, whose rules replace AWS's. */
static void test_default_sg_named(void **state)
{
	(void)state;
	const char *n = instance("sg-dnamed");
	up("tests/data/sg/default-sg-named.yaml", n);
	/* runner (10.9.1.10, job-sg + default), job-only (10.9.1.11, job-sg), cache 10.9.2.10, metrics 10.9.2.11 */
	expect_reachable(n, "runner", NSIM_PROTO_TCP, "10.9.2.10", 6379, "cache 6379/tcp from 10.9.1.10:");
	expect_dropped(n, "job-only", NSIM_PROTO_TCP, "10.9.2.10", 6379);
	expect_counted(n, "v", "sg ingress of cache: no rule allows it");
	expect_reachable(n, "runner", NSIM_PROTO_TCP, "10.9.2.11", 9100, "metrics 9100/tcp from 10.9.1.10:");
	expect_counted(n, "v", "sg metrics-sg ingress #1");
	expect_dropped(n, "job-only", NSIM_PROTO_TCP, "10.9.2.11", 9100);
	down(n);
	assert_nothing_left(n);

	n = instance("sg-drules");
	up("tests/data/sg/default-sg-rules.yaml", n);
	/* the written default group admits tcp/80 from the VPC, and not its members' 81 */
	expect_reachable(n, "c", NSIM_PROTO_TCP, "10.31.1.10", 80, "a 80/tcp from 10.31.1.20:");
	expect_reachable(n, "b", NSIM_PROTO_TCP, "10.31.1.10", 80, "a 80/tcp from 10.31.1.11:");
	expect_dropped(n, "b", NSIM_PROTO_TCP, "10.31.1.10", 81);
	expect_counted(n, "vpc", "sg ingress of a: no rule allows it");
	down(n);
	assert_nothing_left(n);
}

static void test_same_subnet(void **state)
{
	(void)state;
	const char *n = instance("sg-subnet");
	up("tests/data/sg/same-subnet.yaml", n);
	/* x, y: subnet `locked`, whose ACL denies everything both ways; not between its own hosts */
	expect_reachable(n, "x", NSIM_PROTO_TCP, "10.35.1.11", 80, "y 80/tcp from 10.35.1.10:");
	expect_reachable(n, "y", NSIM_PROTO_TCP, "10.35.1.10", 80, "x 80/tcp from 10.35.1.11:");
	expect_reachable(n, "y", NSIM_PROTO_ICMP, "10.35.1.10", 0, NULL);
	assert_int_equal(rule_packets(n, "vpc", "acl deny-all ingress rule 100"), 0);
	assert_int_equal(rule_packets(n, "vpc", "acl deny-all egress rule 100"), 0);
	/* but security groups apply within the subnet: z-sg admits nothing */
	expect_dropped(n, "x", NSIM_PROTO_TCP, "10.35.1.12", 80);
	expect_dropped(n, "x", NSIM_PROTO_ICMP, "10.35.1.12", 0);
	expect_counted(n, "vpc", "sg ingress of z: no rule allows it");
	/* across the boundary the ACL denies, though the default SG would allow it */
	expect_dropped(n, "w", NSIM_PROTO_TCP, "10.35.1.10", 80);
	expect_counted(n, "vpc", "acl deny-all ingress rule 100");
	expect_dropped(n, "x", NSIM_PROTO_TCP, "10.35.2.10", 80);
	expect_counted(n, "vpc", "acl deny-all egress rule 100");
	down(n);
	assert_nothing_left(n);
}

static void test_acl_order(void **state)
{
	(void)state;
	const char *deny = instance("acl-deny90");
	const char *allow = instance("acl-deny110");
	/* rule 90 deny, rule 100 allow (written first in the file): the deny wins */
	up("tests/data/sg/acl-order-deny90.yaml", deny);
	expect_dropped(deny, "fn", NSIM_PROTO_TCP, "10.0.4.10", 3306);
	expect_counted(deny, "main", "acl data ingress rule 90");
	assert_int_equal(rule_packets(deny, "main", "acl data ingress rule 100"), 0);
	down(deny);
	assert_nothing_left(deny);

	/* rule 110 deny (written first), rule 100 allow: the allow wins */
	up("tests/data/sg/acl-order-deny110.yaml", allow);
	expect_reachable(allow, "fn", NSIM_PROTO_TCP, "10.0.4.10", 3306, "db 3306/tcp from 10.0.3.10:");
	expect_counted(allow, "main", "acl data ingress rule 100");
	assert_int_equal(rule_packets(allow, "main", "acl data ingress rule 110"), 0);
	down(allow);
	assert_nothing_left(allow);
}

static void test_ephemeral_ports(void **state)
{
	(void)state;
	const char *missing = instance("eph-missing");
	const char *present = instance("eph-present");
	/* the SYN gets in (ingress rule 100); the SYN-ACK to the ephemeral port may not leave */
	up("tests/data/sg/ephemeral-missing.yaml", missing);
	expect_dropped(missing, "fn", NSIM_PROTO_TCP, "10.0.4.10", 3306);
	expect_counted(missing, "main", "acl data ingress rule 100");
	expect_counted(missing, "main", "acl data egress rule *: no rule matched, AWS denies");
	down(missing);
	assert_nothing_left(missing);

	up("tests/data/sg/ephemeral-present.yaml", present);
	expect_reachable(present, "fn", NSIM_PROTO_TCP, "10.0.4.10", 3306, "db 3306/tcp from 10.0.3.10:");
	expect_counted(present, "main", "acl data egress rule 200");
	assert_int_equal(rule_packets(present, "main", "acl data egress rule *: no rule matched, AWS denies"), 0);
	down(present);
	assert_nothing_left(present);
}

static void test_bypass(void **state)
{
	(void)state;
	const char *n = instance("sg-bypass");
	char out[8192];
	up("topologies/serverless-backend.yaml", n);
	expect_dropped(n, "fn", NSIM_PROTO_TCP, "10.0.4.4", 3306);
	/* whatever root does inside the hosts, the groups are enforced outside them */
	int r = run(out, sizeof(out), NULL, "exec", n, "db", "--", "nft", "flush", "ruleset", NULL);
	if (r != 0)
		fprintf(stderr, "nft flush ruleset in db: exit %d\n%s\n", r, out);
	assert_int_equal(r, 0);
	r = run(out, sizeof(out), NULL, "exec", n, "fn", "--", "nft", "flush", "ruleset", NULL);
	assert_int_equal(r, 0);
	expect_dropped(n, "fn", NSIM_PROTO_TCP, "10.0.4.4", 3306);
	expect_counted(n, "main", "sg ingress of db: no rule allows it");
	/* the allowed paths still work */
	expect_reachable(n, "proxy", NSIM_PROTO_TCP, "10.0.4.4", 3306, "db 3306/tcp from 10.0.3.20:");
	/* the proxy relays to db (targets: [db]): db answers, and saw the proxy */
	expect_reachable(n, "fn", NSIM_PROTO_TCP, "10.0.3.20", 3306, "db 3306/tcp from 10.0.3.20:");
	down(n);
	assert_nothing_left(n);
}

static void test_protocols(void **state)
{
	(void)state;
	const char *n = instance("sg-proto");
	up("tests/data/sg/protocols.yaml", n);
	/* all-sg: protocol all from 10.40.1.0/24 */
	expect_reachable(n, "client", NSIM_PROTO_ICMP, "10.40.2.10", 0, NULL);
	expect_reachable(n, "client", NSIM_PROTO_TCP, "10.40.2.10", 80, "all 80/tcp from 10.40.1.10:");
	expect_reachable(n, "client", NSIM_PROTO_UDP, "10.40.2.10", 53, "all 53/udp from 10.40.1.10:");
	/* a port nothing listens on: let through, so refused by the host itself */
	struct nsim_probe_result r = probe(n, "client", NSIM_PROTO_TCP, "10.40.2.10", 9999, 2000);
	assert_int_equal(r.outcome, NSIM_PROBE_REFUSED);
	r = probe(n, "client", NSIM_PROTO_UDP, "10.40.2.10", 5353, 2000); /* the ICMP error passes as related */
	assert_int_equal(r.outcome, NSIM_PROBE_REFUSED);
	/* icmp-sg: protocol icmp from 10.40.1.0/24: ping only */
	expect_reachable(n, "client", NSIM_PROTO_ICMP, "10.40.2.11", 0, NULL);
	expect_dropped(n, "client", NSIM_PROTO_TCP, "10.40.2.11", 80);
	expect_dropped(n, "client", NSIM_PROTO_UDP, "10.40.2.11", 53);
	expect_counted(n, "vpc", "sg icmp-sg ingress #1");
	expect_counted(n, "vpc", "sg ingress of icmp: no rule allows it");
	/* outside the rules' CIDR nothing passes, whatever the protocol */
	expect_dropped(n, "outsider", NSIM_PROTO_ICMP, "10.40.2.10", 0);
	expect_dropped(n, "outsider", NSIM_PROTO_TCP, "10.40.2.10", 80);
	expect_dropped(n, "outsider", NSIM_PROTO_ICMP, "10.40.2.11", 0);
	down(n);
	assert_nothing_left(n);
}

static void test_nat_gateway_acl(void **state)
{
	(void)state;
	const char *deny = instance("nat-acl-deny");
	const char *dflt = instance("nat-acl-dflt");
	/* the public subnet's ACL denies inbound from the private subnet: fn can't use the NAT */
	up("tests/data/sg/nat-acl-deny.yaml", deny);
	expect_dropped(deny, "fn", NSIM_PROTO_TCP, "198.51.100.80", 80);
	expect_counted(deny, "vpc", "acl pub ingress rule 100");
	/* the ACL lets the public subnet's own host out and back */
	expect_reachable(deny, "pubhost", NSIM_PROTO_TCP, "198.51.100.80", 80, "web 80/tcp from 203.0.113.61:");
	down(deny);
	assert_nothing_left(deny);

	/* the default ACL: through the NAT, seen as its elastic IP */
	up("tests/data/sg/nat-acl-default.yaml", dflt);
	expect_reachable(dflt, "fn", NSIM_PROTO_TCP, "198.51.100.80", 80, "web 80/tcp from 203.0.113.60:");
	down(dflt);
	assert_nothing_left(dflt);
}

static void test_multiple_sgs(void **state)
{
	(void)state;
	const char *n = instance("sg-multi");
	up("tests/data/sg/multi-sg.yaml", n);
	/* server is in sg-a (80) and sg-b (443): it answers both, and nothing else */
	expect_reachable(n, "client", NSIM_PROTO_TCP, "10.60.1.11", 80, "server 80/tcp from 10.60.1.10:");
	expect_reachable(n, "client", NSIM_PROTO_TCP, "10.60.1.11", 443, "server 443/tcp from 10.60.1.10:");
	expect_dropped(n, "client", NSIM_PROTO_TCP, "10.60.1.11", 8080);
	expect_counted_in(n, "vpc", "ingress_server", "sg sg-a ingress #1");
	expect_counted_in(n, "vpc", "ingress_server", "sg sg-b ingress #1");
	assert_int_equal(rule_packets_in(n, "vpc", "ingress_client", "sg sg-a ingress #1"), 0);
	/* the union holds for egress too: sg-mute allows no outbound, sg-a all of it */
	expect_reachable(n, "mixed", NSIM_PROTO_TCP, "10.60.1.10", 80, "client 80/tcp from 10.60.1.12:");
	expect_counted_in(n, "vpc", "ingress_client", "sg sg-a ingress #1");
	expect_counted_in(n, "vpc", "egress_mixed", "sg sg-a egress: all (AWS's default outbound rule)");
	expect_reachable(n, "mixed", NSIM_PROTO_TCP, "10.60.1.11", 443, "server 443/tcp from 10.60.1.12:");
	down(n);
	assert_nothing_left(n);
}

static void test_peered_sg(void **state)
{
	(void)state;
	const char *n = instance("sg-peering");
	up("topologies/peering.yaml", n);
	/* app-server 10.0.1.4 (app-sg), batch 10.0.1.5 (default SG), svc 10.1.1.10 (svc-sg) */
	expect_reachable(n, "app-server", NSIM_PROTO_TCP, "10.1.1.10", 443, "svc 443/tcp from 10.0.1.4:");
	expect_counted(n, "shared", "sg svc-sg ingress #1");
	/* svc-sg admits only the members of the peer VPC's app-sg */
	expect_dropped(n, "batch", NSIM_PROTO_TCP, "10.1.1.10", 443);
	expect_counted(n, "shared", "sg ingress of svc: no rule allows it");
	/* app-sg admits nothing inbound; the default group only its own members */
	expect_dropped(n, "svc", NSIM_PROTO_ICMP, "10.0.1.4", 0);
	expect_counted(n, "app", "sg ingress of app-server: no rule allows it");
	expect_dropped(n, "svc", NSIM_PROTO_ICMP, "10.0.1.5", 0);
	expect_counted(n, "app", "sg ingress of batch: no rule allows it");
	down(n);
	assert_nothing_left(n);
}

int main(int argc, char **argv)
{
	int r = netns_test_init(argc, argv);
	if (r)
		return r;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serverless),
		cmocka_unit_test(test_stateful),
		cmocka_unit_test(test_sg_as_source),
		cmocka_unit_test(test_default_sg),
		cmocka_unit_test(test_default_sg_named),
		cmocka_unit_test(test_same_subnet),
		cmocka_unit_test(test_acl_order),
		cmocka_unit_test(test_ephemeral_ports),
		cmocka_unit_test(test_bypass),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_nat_gateway_acl),
		cmocka_unit_test(test_multiple_sgs),
		cmocka_unit_test(test_peered_sg),
	};
	r = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup_all();
	return r;
}
