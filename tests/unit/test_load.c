/* SPDX-License-Identifier: MIT */
/* The loader: values, positions, errors with hints, and hostile input. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "load/load.h"
#include "model/net.h"

struct result {
	struct nsim_diags diags;
	struct nsim_topology *t;
	int r;
};

static struct result load(const char *text)
{
	struct result res = {0};
	nsim_diags_init(&res.diags);
	res.r = nsim_load_buffer("t.yaml", text, strlen(text), &res.diags, &res.t);
	return res;
}

static void done(struct result *res)
{
	nsim_topology_free(res->t);
	nsim_diags_clear(&res->diags);
}

static void dump(const struct nsim_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  %s:%u:%u: %s: %s\n", d->items[i].file, d->items[i].line, d->items[i].col,
			nsim_severity_name(d->items[i].severity), d->items[i].message);
}

/* An error at line:col (0 = any) whose message contains `needle`. */
static void expect_error(const struct result *res, unsigned line, unsigned col, const char *needle)
{
	for (size_t i = 0; i < res->diags.n; i++) {
		const struct nsim_diag *g = &res->diags.items[i];
		if (g->severity == NSIM_SEV_ERROR && (!line || g->line == line) && (!col || g->col == col) &&
		    strstr(g->message, needle))
			return;
	}
	fprintf(stderr, "expected an error at %u:%u containing '%s'; got:\n", line, col, needle);
	dump(&res->diags);
	fail();
}

static void expect_fail(const char *text, unsigned line, unsigned col, const char *needle)
{
	struct result res = load(text);
	assert_int_equal(res.r, -22);
	assert_null(res.t);
	expect_error(&res, line, col, needle);
	done(&res);
}

static const char serverless[] =
	"name: serverless-backend\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    internet_gateway: igw\n"
	"    subnets:\n"
	"      - { name: app-c, cidr: 10.0.3.0/24, az: c, route_table: private }\n"
	"    route_tables:\n"
	"      - name: private\n"
	"        routes:\n"
	"          - { destination: 0.0.0.0/0, target: nat-a }\n"
	"    nat_gateways:\n"
	"      - { name: nat-a, subnet: app-c, elastic_ip: 203.0.113.10 }\n"
	"    security_groups:\n"
	"      - name: fn-sg\n"
	"      - name: db-sg\n"
	"        ingress:\n"
	"          - { protocol: tcp, ports: 3306, source: fn-sg }\n"
	"          - { protocol: tcp, ports: 8000-8010, source: 10.0.3.0/24 }\n"
	"        egress: []\n"
	"    network_acls:\n"
	"      - name: data\n"
	"        ingress:\n"
	"          - { rule: 100, protocol: tcp, ports: 3306, source: 10.0.3.0/24, action: allow }\n"
	"          - { rule: 200, protocol: all, source: 0.0.0.0/0, action: deny }\n"
	"    hosts:\n"
	"      - { name: fn, kind: function, subnet: app-c, security_groups: [fn-sg] }\n"
	"      - { name: db, kind: database, subnet: app-c, address: 10.0.3.20,\n"
	"          listen: [3306/tcp, 8000-8010/tcp, 53/udp] }\n"
	"internet:\n"
	"  hosts:\n"
	"    - { name: partner-api, address: 198.51.100.20, listen: [443/tcp] }\n"
	"expect:\n"
	"  - { name: out, from: fn, to: partner-api, port: 443/tcp, verdict: reachable,\n"
	"      seen_source: nat-a, via: [nat-a, igw] }\n"
	"  - { from: fn, to: 192.0.2.7, protocol: icmp, verdict: unreachable }\n";

static void test_values_and_positions(void **state)
{
	(void)state;
	struct result res = load(serverless);
	if (res.r != 0)
		dump(&res.diags);
	assert_int_equal(res.r, 0);
	struct nsim_topology *t = res.t;
	assert_string_equal(t->name.name, "serverless-backend");
	assert_int_equal(t->name.pos.line, 1);
	assert_int_equal(t->name.pos.col, 7);
	assert_int_equal(t->n_vpcs, 1);
	struct nsim_vpc *v = &t->vpcs[0];
	assert_int_equal(v->cidr.addr, 0x0A000000u);
	assert_int_equal(v->cidr.len, 16);
	assert_int_equal(v->cidr_pos.line, 4);
	assert_int_equal(v->cidr_pos.col, 11);
	assert_string_equal(v->internet_gateway.name, "igw");
	assert_int_equal(v->subnets[0].route_table.pos.line, 7);
	assert_int_equal(v->subnets[0].route_table.pos.col, 63);
	assert_int_equal(v->route_tables[0].routes[0].dest.len, 0);
	assert_string_equal(v->route_tables[0].routes[0].target.name, "nat-a");
	assert_int_equal(v->nat_gateways[0].elastic_ip, 0xCB00710Au);

	struct nsim_security_group *fn = &v->security_groups[0], *db = &v->security_groups[1];
	assert_false(fn->has_egress); /* absent: AWS's default allow-all outbound */
	assert_true(db->has_egress);
	assert_int_equal(db->n_egress, 0);
	assert_int_equal(db->n_ingress, 2);
	assert_false(db->ingress[0].peer_is_cidr);
	assert_string_equal(db->ingress[0].peer.name, "fn-sg");
	assert_int_equal(db->ingress[0].port_from, 3306);
	assert_int_equal(db->ingress[0].port_to, 3306);
	assert_true(db->ingress[1].peer_is_cidr);
	assert_int_equal(db->ingress[1].peer_cidr.len, 24);
	assert_int_equal(db->ingress[1].port_from, 8000);
	assert_int_equal(db->ingress[1].port_to, 8010);

	struct nsim_network_acl *acl = &v->network_acls[0];
	assert_int_equal(acl->ingress[0].number, 100);
	assert_int_equal(acl->ingress[0].action, NSIM_ACL_ALLOW);
	assert_int_equal(acl->ingress[1].proto, NSIM_PROTO_ALL);
	assert_false(acl->ingress[1].has_ports);
	assert_int_equal(acl->ingress[1].action, NSIM_ACL_DENY);

	struct nsim_host *h = &v->hosts[1];
	assert_int_equal(h->kind, NSIM_HOST_DATABASE);
	assert_int_equal(h->address, 0x0A000314u);
	assert_int_equal(h->address_pos.line, 28);
	assert_int_equal(h->n_listen, 3);
	assert_int_equal(h->listen[1].from, 8000);
	assert_int_equal(h->listen[1].to, 8010);
	assert_int_equal(h->listen[2].proto, NSIM_PROTO_UDP);
	assert_int_equal(v->hosts[0].address, 0); /* assigned later by validate */
	assert_int_equal(v->hosts[0].n_security_groups, 1);

	assert_int_equal(t->n_inet_hosts, 1);
	assert_int_equal(t->inet_hosts[0].listen[0].from, 443);
	assert_int_equal(t->n_expects, 2);
	assert_string_equal(t->expects[0].name.name, "out");
	assert_true(t->expects[0].has_port);
	assert_int_equal(t->expects[0].proto, NSIM_PROTO_TCP);
	assert_true(t->expects[0].has_seen_source);
	assert_int_equal(t->expects[0].n_via, 2);
	assert_string_equal(t->expects[0].via[1].ref.name, "igw");
	assert_int_equal(t->expects[1].proto, NSIM_PROTO_ICMP);
	assert_int_equal(t->expects[1].to.kind, NSIM_EP_ADDRESS);
	assert_int_equal(t->expects[1].to.addr, 0xC0000207u);
	assert_int_equal(t->expects[1].verdict, NSIM_VERDICT_UNREACHABLE);
	assert_int_equal(res.diags.n, 0);
	done(&res);
}

static void test_unknown_key_hint(void **state)
{
	(void)state;
	expect_fail("name: x\nvpcs:\n  - name: a\n    cdir: 10.0.0.0/16\n", 4, 5,
		    "unknown key 'cdir' in VPC; did you mean 'cidr'?");
	expect_fail("name: x\nvpcz: []\n", 2, 1, "did you mean 'vpcs'?");
	expect_fail("name: x\nbanana: 1\n", 2, 1, "unknown key 'banana' in the topology (known keys: name,");
}

static void test_all_errors_reported(void **state)
{
	(void)state;
	struct result res = load("name: x\nvpcs:\n  - name: a\n    cdir: 10.0.0.0/16\n    subnets:\n"
				 "      - { name: s, cidr: 10.0.0.0/24, route_tabel: r }\n"
				 "expect:\n  - { from: a, to: b, verdict: maybe }\n");
	assert_int_equal(res.r, -22);
	expect_error(&res, 4, 5, "'cdir'");
	expect_error(&res, 3, 5, "missing the required key 'cidr'");
	expect_error(&res, 6, 39, "'route_tabel'");
	expect_error(&res, 8, 32, "unknown value 'maybe'");
	done(&res);
}

static void test_types(void **state)
{
	(void)state;
	expect_fail("- a\n- b\n", 1, 1, "the topology must be a mapping");
	expect_fail("name: [a, b]\n", 1, 7, "'name' must be a single value, not a list");
	expect_fail("name: x\nvpcs: { name: a }\n", 2, 7, "'vpcs' must be a list");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0\n", 4, 11, "needs a prefix length");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    hosts:\n"
		    "      - { name: h, subnet: s, address: 10.0.0.300 }\n",
		    6, 40, "not an IPv4 address");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    hosts:\n"
		    "      - { name: h, subnet: s, address: 10.0.0.5/24 }\n",
		    6, 40, "not a CIDR block: write '10.0.0.5'");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    hosts:\n"
		    "      - { name: h, subnet: s, kind: lambda }\n",
		    6, 37, "unknown value 'lambda' (one of: instance, function, proxy, database)");
	expect_fail("name: x\nvpcs:\n  - name: a\n", 3, 5, "VPC is missing the required key 'cidr'");
	expect_fail("name:\n", 1, 6, "'name' must be a single value, not nothing");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect_fail("name: x\nname: y\n", 2, 1, "duplicate key 'name' in the topology (first at 1:1)");
}

static void test_ports(void **state)
{
	(void)state;
	static const char head[] = "name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    hosts:\n      - { name: h, subnet: s, listen: [";
	char buf[512];
	static const struct {
		const char *listen, *msg;
	} bad[] = {
		{"3306", "needs a protocol: write '3306/tcp' or '3306/udp'"},
		{"3306/icmp", "unknown protocol 'icmp'"},
		{"70000/tcp", "is not a port"},
		{"10-5/tcp", "ascending range"},
		{"0/tcp", "is not a port"},
		{"x/tcp", "is not a port"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s] }\n", head, bad[i].listen);
		expect_fail(buf, 6, 40, bad[i].msg);
	}
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    security_groups:\n"
		    "      - { name: g, ingress: [ { protocol: tcp, ports: 65536, source: 10.0.0.0/8 } ] }\n",
		    6, 55, "out of range");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    security_groups:\n"
		    "      - { name: g, ingress: [ { protocol: tcp, ports: 22/tcp, source: 10.0.0.0/8 } ] }\n",
		    6, 55, "give the protocol in 'protocol:'");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    security_groups:\n"
		    "      - { name: g, ingress: [ { protocol: tcp, ports: 90-80, source: 10.0.0.0/8 } ] }\n",
		    6, 55, "backwards: write 80-90");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    security_groups:\n"
		    "      - { name: g, ingress: [ { protocol: tpc, ports: 80, source: 10.0.0.0/8 } ] }\n",
		    6, 43, "did you mean 'tcp'?");
	/* a single port without brackets is a one-element list */
	struct result res = load("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    hosts:\n"
				 "      - { name: h, subnet: s, listen: 53/udp }\n");
	assert_int_equal(res.r, 0);
	assert_int_equal(res.t->vpcs[0].hosts[0].n_listen, 1);
	assert_int_equal(res.t->vpcs[0].hosts[0].listen[0].proto, NSIM_PROTO_UDP);
	done(&res);
}

static void test_expect_protocol(void **state)
{
	(void)state;
	expect_fail("name: x\nexpect:\n  - { from: a, to: b, port: 53/udp, protocol: tcp, verdict: reachable }\n",
		    3, 47, "contradicts 'port: 53/udp'");
	expect_fail("name: x\nexpect:\n  - { from: a, to: b, port: 8000-8010/tcp, verdict: reachable }\n", 3,
		    29, "probes one port");
	expect_fail("name: x\nexpect:\n  - { from: a, to: b, protocol: all, verdict: reachable }\n", 3, 33,
		    "one protocol");
}

static void test_anchors_aliases_merge(void **state)
{
	(void)state;
	struct result res = load("name: x\n"
				 "defaults: &web { protocol: tcp, ports: 443, source: 0.0.0.0/0 }\n");
	assert_int_equal(res.r, -22); /* unknown top-level key, even when it only holds anchors */
	done(&res);

	res = load("name: x\n"
		   "vpcs:\n"
		   "  - name: a\n"
		   "    cidr: &cidr 10.0.0.0/16\n"
		   "    security_groups:\n"
		   "      - name: g\n"
		   "        ingress:\n"
		   "          - &web { protocol: tcp, ports: 443, source: 0.0.0.0/0 }\n"
		   "          - *web\n"
		   "          - { <<: *web, ports: 80 }\n"
		   "    hosts:\n"
		   "      - &h { name: h1, subnet: s, listen: &l [80/tcp, 443/tcp] }\n"
		   "      - { <<: *h, name: h2 }\n"
		   "      - { name: h3, subnet: s, listen: *l }\n");
	if (res.r)
		dump(&res.diags);
	assert_int_equal(res.r, 0);
	struct nsim_vpc *v = &res.t->vpcs[0];
	assert_int_equal(v->security_groups[0].n_ingress, 3);
	assert_int_equal(v->security_groups[0].ingress[1].port_from, 443);
	assert_int_equal(v->security_groups[0].ingress[2].port_from, 80);
	assert_int_equal(v->security_groups[0].ingress[2].proto, NSIM_PROTO_TCP);
	assert_string_equal(v->hosts[1].name.name, "h2");
	assert_string_equal(v->hosts[1].subnet.name, "s");
	assert_int_equal(v->hosts[1].n_listen, 2);
	assert_int_equal(v->hosts[2].n_listen, 2);
	done(&res);

	expect_fail("name: x\nvpcs: *nope\n", 2, 7, "alias '*nope' names no anchor");
}

/* ---- hostile input: a clear error, bounded time and memory ---- */

static void test_empty(void **state)
{
	(void)state;
	expect_fail("", 1, 1, "the file is empty");
	expect_fail("# only a comment\n", 1, 1, "the file is empty");
	expect_fail("---\n...\n", 1, 1, "the file is empty");
}

static void test_binary(void **state)
{
	(void)state;
	static const char junk[] = "name: x\n\x7f\x45\x4c\x46\x02\x01\x01\x00\xff\xfe\x80garbage";
	struct result res = {0};
	nsim_diags_init(&res.diags);
	res.r = nsim_load_buffer("t.yaml", junk, sizeof(junk) - 1, &res.diags, &res.t);
	assert_int_equal(res.r, -22);
	expect_error(&res, 2, 0, "not a YAML text file");
	done(&res);
}

static void test_tabs(void **state)
{
	(void)state;
	expect_fail("name: x\nvpcs:\n\t- name: a\n", 3, 1, "YAML does not allow tabs for indentation");
}

static void test_huge_number(void **state)
{
	(void)state;
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    network_acls:\n"
		    "      - { name: n, ingress: [ { rule: 99999999999999999999999999, protocol: all, "
		    "source: 0.0.0.0/0, action: allow } ] }\n",
		    6, 39, "out of range");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/99999999999999999999\n", 4, 11,
		    "not an IPv4 CIDR block");
}

static void test_too_large(void **state)
{
	(void)state;
	size_t len = 10u << 20;
	char *big = malloc(len);
	assert_non_null(big);
	memset(big, '#', len);
	big[len - 1] = '\n';
	struct result res = {0};
	nsim_diags_init(&res.diags);
	res.r = nsim_load_buffer("t.yaml", big, len, &res.diags, &res.t);
	assert_int_equal(res.r, -22);
	expect_error(&res, 1, 1, "the limit is 8388608 bytes (8 MiB)");
	done(&res);
	free(big);
}

static void test_deep_nesting(void **state)
{
	(void)state;
	size_t depth = 10000;
	char *s = malloc(depth * 2 + 32);
	assert_non_null(s);
	char *p = s + sprintf(s, "name: x\nvpcs: ");
	for (size_t i = 0; i < depth; i++)
		*p++ = '[';
	for (size_t i = 0; i < depth; i++)
		*p++ = ']';
	strcpy(p, "\n");
	expect_fail(s, 2, 0, "nesting deeper than 64 levels");
	free(s);
}

static void test_alias_bomb(void **state)
{
	(void)state;
	/* billion laughs, shaped like the schema so the walk has to follow it */
	struct result res = load("name: x\n"
				 "a: &a [{ name: h, subnet: s }, { name: h, subnet: s }, { name: h, subnet: s }]\n");
	done(&res);
	char *s = malloc(1 << 20);
	assert_non_null(s);
	char *p = s + sprintf(s, "name: x\nh: &h0 [");
	for (int i = 0; i < 100; i++)
		p += sprintf(p, "%s{ name: h, subnet: s, listen: [80/tcp] }", i ? ", " : "");
	p += sprintf(p, "]\nv: &v0 [");
	for (int i = 0; i < 100; i++)
		p += sprintf(p, "%s{ name: v, cidr: 10.0.0.0/16, hosts: *h0 }", i ? ", " : "");
	p += sprintf(p, "]\nvpcs: *v0\n");
	/* expand the list of VPCs 1000 times over through more aliases */
	(void)p;
	res = load(s);
	assert_int_equal(res.r, -22); /* 'h' and 'v' are unknown keys */
	done(&res);

	/* the same without unknown keys: anchors inside the schema */
	p = s + sprintf(s, "name: x\nvpcs:\n  - name: v0\n    cidr: 10.0.0.0/16\n    hosts: &h [");
	for (int i = 0; i < 1000; i++)
		p += sprintf(p, "%s{ name: h, subnet: s, security_groups: &g%d [a, b, c, d, e, f, g, h] }",
			     i ? ", " : "", i);
	p += sprintf(p, "]\n");
	for (int i = 1; i < 2000; i++)
		p += sprintf(p, "  - { name: v%d, cidr: 10.0.0.0/16, hosts: *h }\n", i);
	res = load(s);
	assert_int_equal(res.r, -22);
	expect_error(&res, 0, 0, "to more than 1000000 nodes");
	assert_true(res.diags.n < 50); /* one clear error, not a flood */
	done(&res);
	free(s);
}

static void test_second_document(void **state)
{
	(void)state;
	expect_fail("name: x\n---\nname: y\n", 2, 1, "a second YAML document");
}

static void test_file_errors(void **state)
{
	(void)state;
	struct nsim_diags d;
	struct nsim_topology *t = NULL;
	nsim_diags_init(&d);
	assert_int_equal(nsim_load_file("/nonexistent/topo.yaml", &d, &t), -2);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.items[0].message, "No such file"));
	assert_int_equal(nsim_load_file("/", &d, &t), -21);
	assert_null(t);
	nsim_diags_clear(&d);

	/* refused before reading: a device that never ends, a FIFO nobody writes
	 * (opening it must not block), a file over the limit (sparse: not read) */
	assert_int_equal(nsim_load_file("/dev/zero", &d, &t), -EINVAL);
	assert_non_null(strstr(d.items[0].message, "not a regular file"));
	char dir[] = "/tmp/netsim-test-load-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(nsim_load_file(path, &d, &t), -EINVAL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, NSIM_LOAD_MAX_BYTES + 1), 0);
	close(fd);
	assert_int_equal(nsim_load_file(path, &d, &t), -EFBIG);
	assert_non_null(strstr(d.items[d.n - 1].message, "larger than the limit of 8388608 bytes"));
	/* exactly the limit is read (and is then not YAML: NUL bytes) */
	assert_int_equal(truncate(path, NSIM_LOAD_MAX_BYTES), 0);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(nsim_load_read(path, &text, &len), 0);
	assert_int_equal(len, NSIM_LOAD_MAX_BYTES);
	free(text);
	unlink(path);
	rmdir(dir);
	assert_null(t);
	nsim_diags_clear(&d);
}

/* 0 meant "not given" in the model: 0.0.0.0 must be an error, not a default. */
static void test_zero_address(void **state)
{
	(void)state;
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    hosts:\n"
		    "      - { name: h, subnet: s, address: 0.0.0.0 }\n",
		    6, 40, "'address': 0.0.0.0 is not a usable address");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    hosts:\n"
		    "      - { name: h, subnet: s, public_ip: 0.0.0.0 }\n",
		    6, 42, "'public_ip': 0.0.0.0 is not a usable address");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    nat_gateways:\n"
		    "      - { name: n, subnet: s, elastic_ip: 0.0.0.0 }\n",
		    6, 43, "'elastic_ip': 0.0.0.0 is not a usable address");
	expect_fail("name: x\nvpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    nat_gateways:\n"
		    "      - { name: n, subnet: s, elastic_ip: 203.0.113.1, address: 0.0.0.0 }\n",
		    6, 65, "'address': 0.0.0.0 is not a usable address");
	expect_fail("name: x\ninternet:\n  hosts:\n    - { name: i, address: 0.0.0.0 }\n", 4, 27,
		    "'address': 0.0.0.0 is not a usable address");
}

/* Sorting is stable (same position: insertion order) and fast on the
 * hundreds of thousands of diagnostics of a large broken file. */
static void test_diags_sort(void **state)
{
	(void)state;
	struct nsim_diags d;
	nsim_diags_init(&d);
	const size_t n = 200000;
	for (size_t i = 0; i < n; i++) /* two passes over the file, as the validator makes */
		nsim_diag_error(&d, ((struct nsim_pos){.file = "f", .line = (unsigned)(i % (n / 2)) + 1, .col = 1}),
				"%zu", i);
	nsim_diag_note(&d, ((struct nsim_pos){.file = "f"}), "whole file");
	nsim_diags_sort(&d, 0);
	assert_false(d.oom);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(d.items[i].line, i / 2 + 1);
		assert_int_equal(strtoul(d.items[i].message, NULL, 10), i / 2 + (i % 2) * (n / 2));
	}
	assert_int_equal(d.items[n].line, 0);
	nsim_diags_clear(&d);
}


static const char real_stack[] =
	"name: real\n"
	"region: ap-northeast-2\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    subnets: [{ name: app, cidr: 10.0.1.0/24 }]\n"
	"    hosts:\n"
	"      - { name: db, subnet: app, listen: [3306/tcp], run: [mariadbd, --port=3306, ''],\n"
	"          ready_timeout: 30s, dns_names: [db.example.com, DB2.example.com.] }\n"
	"      - { name: px, kind: proxy, subnet: app, listen: [3306/tcp], targets: [db, db9] }\n"
	"      - { name: web, subnet: app, listen: [80/tcp], run: 'exec httpd -f', ready_timeout: 500ms }\n"
	"      - { name: w2, subnet: app, ready_timeout: 15 }\n"
	"      - { name: w3, subnet: app, ready_timeout: 2m }\n"
	"  - { name: other, cidr: 10.1.0.0/16, dns_support: false }\n"
	"internet:\n"
	"  hosts: [{ name: sm, address: 192.0.2.80, dns_names: [sm.example.com] }]\n"
	"route53:\n"
	"  private_zones:\n"
	"    - name: corp.internal\n"
	"      vpcs: [main, other]\n"
	"      records:\n"
	"        - { name: db, type: A, value: db }\n"
	"        - { name: www, type: CNAME, value: web.corp.internal }\n"
	"expect:\n"
	"  - { from: px, to: db.example.com, port: 3306/tcp, verdict: reachable, reaches: db }\n"
	"  - { from: px, command: 'mariadb -h db -e \"select 1\"', timeout: 20s, verdict: succeeds }\n"
	"  - { from: px, command: [getent, hosts, nowhere], verdict: fails }\n";

static void test_real_stack(void **state)
{
	(void)state;
	struct result res = load(real_stack);
	if (res.r != 0)
		dump(&res.diags);
	assert_int_equal(res.r, 0);
	const struct nsim_topology *t = res.t;
	assert_string_equal(t->region.name, "ap-northeast-2");
	assert_int_equal(t->region.pos.line, 2);
	assert_int_equal(t->region.pos.col, 9);
	const struct nsim_vpc *v = &t->vpcs[0];
	assert_true(v->dns_support); /* AWS's default */
	assert_false(t->vpcs[1].dns_support);
	assert_int_equal(t->vpcs[1].dns_support_pos.line, 14);
	assert_int_equal(t->vpcs[1].dns_support_pos.col, 52);

	const struct nsim_host *db = &v->hosts[0], *px = &v->hosts[1], *web = &v->hosts[2];
	assert_false(db->run.shell);
	assert_int_equal(db->run.argc, 3);
	assert_string_equal(db->run.argv[0], "mariadbd");
	assert_string_equal(db->run.argv[1], "--port=3306");
	assert_string_equal(db->run.argv[2], ""); /* an empty argument is an argument */
	assert_null(db->run.argv[3]);
	assert_int_equal(db->run.pos.line, 8);
	assert_int_equal(db->run.pos.col, 59);
	assert_int_equal(db->ready_timeout_ms, 30000);
	assert_int_equal(db->ready_timeout_pos.line, 9);
	assert_int_equal(db->ready_timeout_pos.col, 26);
	assert_int_equal(db->n_dns_names, 2);
	assert_string_equal(db->dns_names[1].name, "DB2.example.com."); /* as written */
	assert_int_equal(db->dns_names[1].pos.col, 59);
	assert_int_equal(px->n_targets, 2);
	assert_string_equal(px->targets[1].ref.name, "db9");
	assert_int_equal(px->targets[1].kind, NSIM_EP_UNRESOLVED);
	assert_int_equal(px->targets[1].ref.pos.col, 81);
	assert_true(web->run.shell);
	assert_int_equal(web->run.argc, 1);
	assert_string_equal(web->run.argv[0], "exec httpd -f");
	assert_null(web->run.argv[1]);
	assert_int_equal(web->ready_timeout_ms, 500);
	assert_int_equal(v->hosts[3].ready_timeout_ms, 15000);
	assert_int_equal(v->hosts[3].run.argc, 0);
	assert_int_equal(v->hosts[4].ready_timeout_ms, 120000);
	assert_int_equal(t->inet_hosts[0].n_dns_names, 1);
	assert_string_equal(t->inet_hosts[0].dns_names[0].name, "sm.example.com");

	assert_int_equal(t->n_private_zones, 1);
	const struct nsim_private_zone *z = &t->private_zones[0];
	assert_string_equal(z->name.name, "corp.internal");
	assert_int_equal(z->n_vpcs, 2);
	assert_string_equal(z->vpcs[1].name, "other");
	assert_int_equal(z->n_records, 2);
	assert_int_equal(z->records[0].type, NSIM_DNS_A);
	assert_int_equal(z->records[1].type, NSIM_DNS_CNAME);
	assert_int_equal(z->records[1].type_pos.line, 23);
	assert_int_equal(z->records[1].type_pos.col, 30);
	assert_string_equal(z->records[1].value.name, "web.corp.internal");
	assert_null(z->records[1].fqdn); /* validate/ fills it */

	const struct nsim_expect *e = &t->expects[0];
	assert_int_equal(e->to.kind, NSIM_EP_UNRESOLVED); /* validate/ makes it NSIM_EP_DNS */
	assert_true(e->has_reaches);
	assert_string_equal(e->reaches.ref.name, "db");
	assert_int_equal(e->command.argc, 0);
	e = &t->expects[1];
	assert_null(e->to.ref.name);
	assert_true(e->command.shell);
	assert_string_equal(e->command.argv[0], "mariadb -h db -e \"select 1\"");
	assert_int_equal(e->timeout_ms, 20000);
	assert_int_equal(e->verdict, NSIM_VERDICT_SUCCEEDS);
	assert_false(e->has_port);
	e = &t->expects[2];
	assert_int_equal(e->command.argc, 3);
	assert_int_equal(e->verdict, NSIM_VERDICT_FAILS);
	assert_int_equal(e->timeout_ms, 0); /* default: 10 s, applied by check */
	done(&res);
}

#define HOST_RS "name: t\nvpcs:\n  - name: main\n    cidr: 10.0.0.0/16\n    hosts:\n      - "

static void test_real_stack_errors(void **state)
{
	(void)state;
	expect_fail(HOST_RS "{ name: a, subnet: s, run: {a: b} }\n", 6, 36, "'run' must be a command");
	expect_fail(HOST_RS "{ name: a, subnet: s, run: [a, [b]] }\n", 6, 40, "each argument must be a single value");
	expect_fail(HOST_RS "{ name: a, subnet: s, run: [a, ~] }\n", 6, 40, "each argument must be a single value");
	expect_fail(HOST_RS "{ name: a, subnet: s, run: ['', b] }\n", 6, 37, "the program (the first item) is empty");
	expect_fail(HOST_RS "{ name: a, subnet: s, run: '  ' }\n", 6, 36, "'run' is empty");
	expect_fail(HOST_RS "{ name: a, subnet: s, run: [] }\n", 6, 36, "'run' is an empty list");
	expect_fail(HOST_RS "{ name: a, subnet: s, ready_timeout: 0s }\n", 6, 46, "out of range");
	expect_fail(HOST_RS "{ name: a, subnet: s, ready_timeout: 3601s }\n", 6, 46, "out of range");
	expect_fail(HOST_RS "{ name: a, subnet: s, ready_timeout: 9999999999 }\n", 6, 46, "not a duration");
	expect_fail(HOST_RS "{ name: a, subnet: s, ready_timeout: 1.5s }\n", 6, 46, "not a duration");
	expect_fail(HOST_RS "{ name: a, subnet: s, ready_timeout: 5h }\n", 6, 46, "not a duration");
	expect_fail(HOST_RS "{ name: a, subnet: s, dns_names: db.example.com }\n", 6, 42, "'dns_names' must be a list");
	expect_fail(HOST_RS "{ name: a, subnet: s, targets: [[b]] }\n", 6, 41, "'targets' must be a single value");
	expect_fail(HOST_RS "{ name: a, subnet: s, dns_name: [x.y] }\n", 6, 31, "did you mean 'dns_names'?");
	expect_fail("name: t\nvpcs: [{ name: m, cidr: 10.0.0.0/16, dns_support: yes }]\n", 2, 51,
		    "'dns_support' is true or false, not 'yes'");
	expect_fail("name: t\nregion: [a]\n", 2, 9, "'region' must be a single value");
	expect_fail("name: t\nroute53: { zones: [] }\n", 2, 12, "unknown key 'zones' in route53");
	expect_fail("name: t\nroute53: { private_zones: [{ name: z, vpcs: [m], records: [{ name: a, type: AAAA, value: b }] }] }\n",
		    2, 77, "'type': unknown value 'AAAA'");
	expect_fail("name: t\nroute53: { private_zones: [{ name: z }] }\n", 2, 28,
		    "private hosted zone is missing the required key 'vpcs'");
	/* an expectation needs to: unless it has command:, and not both */
	expect_fail("name: t\nexpect: [{ from: a, port: 80/tcp, verdict: reachable }]\n", 2, 10,
		    "expectation is missing the required key 'to'");
	expect_fail("name: t\nexpect: [{ from: a, to: b, command: c, verdict: succeeds }]\n", 2, 25,
		    "'to' and 'command' do not go together");
	expect_fail("name: t\nexpect: [{ from: a, command: c, verdict: ok }]\n", 2, 42,
		    "'verdict': unknown value 'ok'");
	expect_fail("name: t\nexpect: [{ from: a, command: c, timeout: 10 s, verdict: fails }]\n", 2, 42,
		    "'timeout': '10 s' is not a duration");
}

static const char endpoints_text[] =
	"name: t\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    dns_hostnames: true\n"
	"    endpoints:\n"
	"      - { name: sm-ep, type: interface, service: secretsmanager, subnets: [a, b], security_groups: [g] }\n"
	"      - { name: s3-ep, type: gateway, service: com.amazonaws.eu-west-1.s3, route_tables: [rt] }\n"
	"      - { name: x-ep, type: interface, service: sts, subnets: [a], private_dns: false }\n"
	"    prefix_lists:\n"
	"      - { name: office, cidrs: [198.51.100.0/28, 203.0.113.0/24], max_entries: 5 }\n"
	"      - { name: empty, cidrs: [] }\n"
	"    route_tables:\n"
	"      - { name: rt, routes: [{ destination: pl:office, target: blackhole }] }\n"
	"    security_groups:\n"
	"      - { name: g, ingress: [{ protocol: tcp, ports: 22, source: pl:office }],\n"
	"          egress: [{ protocol: tcp, ports: 443, destination: pl:s3 }] }\n"
	"  - name: other\n"
	"    cidr: 10.1.0.0/16\n"
	"internet:\n"
	"  hosts:\n"
	"    - { name: s3, address: 192.0.2.90, service: s3, region: eu-west-1 }\n"
	"    - { name: api, address: 192.0.2.91 }\n";

static void test_endpoints(void **state)
{
	(void)state;
	struct result res = load(endpoints_text);
	if (res.r != 0)
		dump(&res.diags);
	assert_int_equal(res.r, 0);
	const struct nsim_topology *t = res.t;
	const struct nsim_vpc *v = &t->vpcs[0];
	assert_true(v->dns_hostnames);
	assert_int_equal(v->dns_hostnames_pos.line, 5);
	assert_int_equal(v->dns_hostnames_pos.col, 20);
	assert_false(t->vpcs[1].dns_hostnames); /* the default of a VPC made with the API */

	assert_int_equal(v->n_endpoints, 3);
	const struct nsim_vpc_endpoint *sm = &v->endpoints[0], *s3 = &v->endpoints[1], *x = &v->endpoints[2];
	assert_string_equal(sm->name.name, "sm-ep");
	assert_int_equal(sm->type, NSIM_VPCE_INTERFACE);
	assert_int_equal(sm->type_pos.col, 30);
	assert_string_equal(sm->service.name, "secretsmanager");
	assert_int_equal(sm->service.pos.line, 7);
	assert_int_equal(sm->service.pos.col, 50);
	assert_int_equal(sm->n_subnets, 2);
	assert_string_equal(sm->subnets[1].name, "b");
	assert_int_equal(sm->n_security_groups, 1);
	assert_true(sm->private_dns); /* AWS's default for an AWS service */
	assert_int_equal(sm->n_route_tables, 0);
	assert_null(sm->service_name); /* validate/ fills it */
	assert_int_equal(s3->type, NSIM_VPCE_GATEWAY);
	assert_string_equal(s3->service.name, "com.amazonaws.eu-west-1.s3");
	assert_int_equal(s3->n_route_tables, 1);
	assert_string_equal(s3->route_tables[0].name, "rt");
	assert_false(x->private_dns);
	assert_int_equal(x->private_dns_pos.line, 9);
	assert_int_equal(x->private_dns_pos.col, 81);

	assert_int_equal(v->n_prefix_lists, 2);
	const struct nsim_prefix_list *pl = &v->prefix_lists[0];
	assert_string_equal(pl->name.name, "office");
	assert_int_equal(pl->n_cidrs, 2);
	assert_int_equal(pl->cidrs[1].len, 24);
	assert_int_equal(pl->cidr_pos[1].line, 11);
	assert_int_equal(pl->cidr_pos[1].col, 50);
	assert_int_equal(pl->max_entries, 5);
	assert_int_equal(pl->max_entries_pos.col, 80);
	assert_int_equal(v->prefix_lists[1].n_cidrs, 0);
	assert_int_equal(v->prefix_lists[1].max_entries_pos.line, 0); /* absent: validate/ uses the count */

	const struct nsim_route *r = &v->route_tables[0].routes[0];
	assert_string_equal(r->dest_list.name, "office"); /* without pl: */
	assert_int_equal(r->dest_list.pos.line, 14);
	assert_int_equal(r->dest_list.pos.col, 45);
	assert_int_equal(r->dest_pos.col, 45);
	assert_false(r->managed);
	const struct nsim_security_group *g = &v->security_groups[0];
	assert_string_equal(g->ingress[0].peer.name, "pl:office"); /* as written */
	assert_false(g->ingress[0].peer_is_cidr);
	assert_string_equal(g->egress[0].peer.name, "pl:s3");

	assert_string_equal(t->inet_hosts[0].service.name, "s3");
	assert_int_equal(t->inet_hosts[0].service.pos.col, 49);
	assert_string_equal(t->inet_hosts[0].region.name, "eu-west-1");
	assert_null(t->inet_hosts[1].service.name);
	assert_null(t->inet_hosts[1].region.name);
	assert_int_equal(t->inet_hosts[0].n_dns_names, 0); /* validate/ gives AWS's name */
	done(&res);
}

#define VPC_EP "name: t\nvpcs:\n  - name: main\n    cidr: 10.0.0.0/16\n"

static void test_endpoints_errors(void **state)
{
	(void)state;
	expect_fail(VPC_EP "    endpoints: [{ name: e, type: gatway, service: s3 }]\n", 5, 34,
		    "'type': unknown value 'gatway'; did you mean 'gateway'?");
	expect_fail(VPC_EP "    endpoints: [{ name: e, type: gateway }]\n", 5, 17,
		    "VPC endpoint is missing the required key 'service'");
	expect_fail(VPC_EP "    endpoints: [{ name: e, type: interface, service: sts, subnet: [a] }]\n", 5, 59,
		    "unknown key 'subnet' in VPC endpoint; did you mean 'subnets'?");
	expect_fail(VPC_EP "    endpoints: [{ name: e, type: interface, service: sts, private_dns: no }]\n", 5, 72,
		    "'private_dns' is true or false, not 'no'");
	expect_fail(VPC_EP "    dns_hostnames: 1\n", 5, 20, "'dns_hostnames' is true or false, not '1'");
	expect_fail(VPC_EP "    prefix_lists: [{ name: p, cidrs: [10.0.0.1] }]\n", 5, 39,
		    "'cidrs' needs a prefix length");
	expect_fail(VPC_EP "    prefix_lists: [{ name: p }]\n", 5, 20, "prefix list is missing the required key 'cidrs'");
	expect_fail(VPC_EP "    prefix_lists: [{ name: p, cidrs: [], max_entries: -1 }]\n", 5, 55,
		    "'max_entries' must be a whole number");
	expect_fail(VPC_EP "    route_tables: [{ name: r, routes: [{ destination: 'pl:', target: blackhole }] }]\n", 5, 55,
		    "'destination': 'pl:' needs the prefix list's name");
	expect_fail(VPC_EP "    security_groups: [{ name: g, ingress: [{ protocol: all, source: 'pl:' }] }]\n", 5, 69,
		    "'source': 'pl:' needs the prefix list's name");
	/* AWS: network ACL rules match CIDR blocks, not prefix lists */
	expect_fail(VPC_EP "    network_acls: [{ name: a, egress: [{ rule: 1, protocol: all, destination: pl:s3, action: allow }] }]\n",
		    5, 79, "a network ACL rule cannot name a prefix list ('pl:s3'): AWS network ACL rules match a CIDR block only");
	expect_fail("name: t\ninternet: { hosts: [{ name: s, address: 192.0.2.1, service: [s3] }] }\n", 2, 61,
		    "'service' must be a single value");
	expect_fail("name: t\ninternet: { hosts: [{ name: s, address: 192.0.2.1, regoin: us-east-1 }] }\n", 2, 52,
		    "did you mean 'region'?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_positions),
		cmocka_unit_test(test_unknown_key_hint),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_expect_protocol),
		cmocka_unit_test(test_anchors_aliases_merge),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_tabs),
		cmocka_unit_test(test_huge_number),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_second_document),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_zero_address),
		cmocka_unit_test(test_diags_sort),
		cmocka_unit_test(test_real_stack),
		cmocka_unit_test(test_real_stack_errors),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_endpoints_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
