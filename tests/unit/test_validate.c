/* SPDX-License-Identifier: MIT */
/*
 * The validator. Data-driven: every file under tests/data/invalid/ (and
 * warnings/) names, on its first line, the diagnostic it must produce:
 *     # expect: LINE:COL: error: <part of the message>
 * every file under tests/data/valid/ and topologies/ must validate without
 * errors. Then direct checks of what the validator fills in.
 *
 * Usage: test-validate DATA_DIR (default: $NSIM_TEST_DATA, else tests/data).
 */
#include <dirent.h>
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
#include "model/net.h"
#include "model/util.h"
#include "validate/validate.h"

static const char *data_dir = "tests/data";

struct result {
	struct nsim_diags diags;
	struct nsim_topology *t;
	int load_r, r;
};

static void dump(const char *what, const struct nsim_diags *d)
{
	fprintf(stderr, "%s: %zu diagnostics:\n", what, d->n);
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  %s:%u:%u: %s: %s\n", d->items[i].file, d->items[i].line, d->items[i].col,
			nsim_severity_name(d->items[i].severity), d->items[i].message);
}

/* Loads, and validates when loading succeeded; r is the first failure. */
static struct result check_file(const char *path)
{
	struct result res = { 0 };

	nsim_diags_init(&res.diags);
	res.load_r = nsim_load_file(path, &res.diags, &res.t);
	res.r = res.load_r < 0 ? res.load_r : nsim_validate(res.t, &res.diags);
	return res;
}

static struct result check_text(const char *text)
{
	struct result res = { 0 };

	nsim_diags_init(&res.diags);
	res.load_r = nsim_load_buffer("t.yaml", text, strlen(text), &res.diags, &res.t);
	if (res.load_r < 0)
		dump("t.yaml (did not load)", &res.diags);
	assert_int_equal(res.load_r, 0);
	res.r = nsim_validate(res.t, &res.diags);
	return res;
}

static void done(struct result *res)
{
	nsim_topology_free(res->t);
	nsim_diags_clear(&res->diags);
}

static bool has_diag(const struct nsim_diags *d, unsigned line, unsigned col, enum nsim_severity sev,
		     const char *needle)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct nsim_diag *g = &d->items[i];
		if (g->severity == sev && (!line || g->line == line) && (!col || g->col == col) &&
		    strstr(g->message, needle))
			return true;
	}
	return false;
}

/* ---- data-driven ---- */

struct expectation {
	unsigned line, col;
	enum nsim_severity sev;
	char message[1024];
};

/* Parses "# expect: LINE:COL: SEVERITY: MESSAGE" from the first line of path. */
static int read_expectation(const char *path, struct expectation *ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[1200], sev[16];
	int n = 0;

	if (!f || !fgets(line, sizeof(line), f))
		return -EINVAL;
	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "# expect: %u:%u: %15[a-z]: %n", &ret->line, &ret->col, sev, &n) != 3 || n == 0)
		return -EINVAL;
	if (streq(sev, "error"))
		ret->sev = NSIM_SEV_ERROR;
	else if (streq(sev, "warning"))
		ret->sev = NSIM_SEV_WARNING;
	else
		return -EINVAL;
	snprintf(ret->message, sizeof(ret->message), "%s", line + n);
	return ret->message[0] ? 0 : -EINVAL;
}

static void test_expectation_file(void **state)
{
	const char *path = *state;
	struct expectation want;
	struct result res;

	if (read_expectation(path, &want) < 0) {
		fprintf(stderr, "%s: the first line must be '# expect: LINE:COL: error|warning: MESSAGE'\n", path);
		fail();
	}
	res = check_file(path);
	if (!has_diag(&res.diags, want.line, want.col, want.sev, want.message)) {
		fprintf(stderr, "%s: expected %u:%u: %s: %s\n", path, want.line, want.col,
			nsim_severity_name(want.sev), want.message);
		dump(path, &res.diags);
		fail();
	}
	/* an error file must be rejected; a warning file must still be valid */
	if (want.sev == NSIM_SEV_ERROR ? res.r != -EINVAL : res.r != 0 || res.diags.n_errors != 0) {
		fprintf(stderr, "%s: unexpected result %d with %zu errors\n", path, res.r, res.diags.n_errors);
		dump(path, &res.diags);
		fail();
	}
	done(&res);
}

/* A lint file (tests/data/lint/): line 1 "# expect: LINE:COL: warning:
 * MESSAGE", line 2 "# fix: TEXT". The file is valid, with exactly that one
 * warning (the whole message), followed by the note "fix: TEXT" at the same
 * place. */
static void test_lint_file(void **state)
{
	const char *path = *state;
	struct expectation want;
	struct result res;
	char line[1200], fix[1200] = "";
	size_t n_notes = 0;

	if (read_expectation(path, &want) < 0 || want.sev != NSIM_SEV_WARNING) {
		fprintf(stderr, "%s: the first line must be '# expect: LINE:COL: warning: MESSAGE'\n", path);
		fail();
	}
	{
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		assert_non_null(f);
		assert_non_null(fgets(line, sizeof(line), f));
		assert_non_null(fgets(line, sizeof(line), f));
		line[strcspn(line, "\n")] = '\0';
		assert_true(strncmp(line, "# fix: ", 7) == 0);
		snprintf(fix, sizeof(fix), "fix: %s", line + 7);
	}
	res = check_file(path);
	if (res.r != 0 || res.diags.n_errors != 0 || res.diags.n_warnings != 1) {
		dump(path, &res.diags);
		fail_msg("%s: want valid, with exactly one warning", path);
	}
	for (size_t i = 0; i < res.diags.n; i++) {
		const struct nsim_diag *g = &res.diags.items[i];
		if (g->severity == NSIM_SEV_WARNING &&
		    (g->line != want.line || g->col != want.col || !streq(g->message, want.message))) {
			dump(path, &res.diags);
			fail_msg("%s: want %u:%u: warning: %s", path, want.line, want.col, want.message);
		}
		if (g->severity == NSIM_SEV_NOTE) {
			n_notes++;
			if (g->line != want.line || g->col != want.col || !streq(g->message, fix)) {
				dump(path, &res.diags);
				fail_msg("%s: want %u:%u: note: %s", path, want.line, want.col, fix);
			}
		}
	}
	assert_int_equal(n_notes, 1);
	done(&res);
}

/* Files with one of the lints' defects on purpose (what they test needs it):
 * the only warnings a file of the examples and of tests/data's valid
 * directories may have. */
static const struct {
	const char *file, *warning;
} known_defects[] = {
	{"valid/address-assignment-skips-given.yaml", "is used by no route"},
	{"valid/address-assignment-skips-given.yaml", "without a public IP"},
	{"analyze/acl-deny.yaml", "can never match"},           /* the deciding rule's number */
	{"analyze/acl-return.yaml", "ephemeral range"},         /* ACL_RETURN_DENY */
	{"analyze/lpm.yaml", "without a public IP"},            /* NO_PUBLIC_IP */
	{"analyze/nat-loop.yaml", "is used by no route"},       /* the NAT loop */
	{"analyze/nat-loop.yaml", "no route to an internet gateway"},
	{"analyze/no-igw.yaml", "no internet gateway"},         /* IGW_NOT_ATTACHED */
	{"analyze/no-igw.yaml", "is used by no route"},
	{"analyze/no-igw.yaml", "has public IP"},
	{"analyze/no-listener.yaml", "without a public IP"},
	{"analyze/peering.yaml", "reaches beyond VPC"},         /* PEERING_NOT_TRANSITIVE */
	{"analyze/public-ip.yaml", "without a public IP"},      /* NO_PUBLIC_IP */
	{"analyze/public-ip.yaml", "has public IP"},
	{"check/many-nat.yaml", "is used by no route"},         /* 24 NAT gateways to list */
	{"check/intermittent-nats.yaml", "no route to an internet gateway"}, /* two NAT gateways in a row */
	{"netns/chain.yaml", "reaches beyond VPC"},             /* peering is not transitive, on packets */
	{"netns/lpm.yaml", "without a public IP"},
	{"sg/acl-order-deny110.yaml", "can never match"},       /* rule order on packets */
	{"sg/acl-order-deny90.yaml", "can never match"},
	{"sg/ephemeral-missing.yaml", "ephemeral range"},       /* the missing return rule on packets */
	{"analyze/endpoints.yaml", "reaches beyond VPC"},       /* a peered VPC cannot use the gateway endpoint */
	{"analyze/field-ambiguous-sg.yaml", "also has a group named"}, /* the field input itself */
	{"analyze/field-nat-loop.yaml", "no route to an internet gateway"},
	{"analyze/field-nat-loop.yaml", "is used by no route"},
	{"analyze/long-sg-name.yaml", "matches no address"},    /* only the name's length matters */
};

/* The examples and the valid test files: no warning beyond known_defects. */
static void test_lints_silent(void **state)
{
	const char *path = *state;
	struct result res = check_file(path);

	if (res.r != 0 || res.diags.n_errors != 0) {
		dump(path, &res.diags);
		fail();
	}
	for (size_t i = 0; i < res.diags.n; i++) {
		const struct nsim_diag *g = &res.diags.items[i];
		bool known = false;
		if (g->severity != NSIM_SEV_WARNING)
			continue;
		for (size_t k = 0; k < ELEMENTSOF(known_defects) && !known; k++) {
			size_t fl = strlen(path), kl = strlen(known_defects[k].file);
			known = fl >= kl && streq(path + fl - kl, known_defects[k].file) &&
				strstr(g->message, known_defects[k].warning);
		}
		if (!known) {
			dump(path, &res.diags);
			fail_msg("%s:%u:%u: an unexpected warning: %s", path, g->line, g->col, g->message);
		}
	}
	done(&res);
}

static void test_valid_file(void **state)
{
	const char *path = *state;
	struct result res = check_file(path);

	if (res.r != 0 || res.diags.n_errors != 0) {
		dump(path, &res.diags);
		fail();
	}
	done(&res);
}

struct file_list {
	char **paths;
	size_t n, cap;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends dir/ *.yaml, sorted; a missing directory adds nothing. */
static void list_yaml(struct file_list *l, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t start = l->n;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || !streq(e->d_name + len - 5, ".yaml"))
			continue;
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			l->paths = realloc(l->paths, l->cap * sizeof(*l->paths));
			assert_non_null(l->paths);
		}
		assert_true(asprintf(&l->paths[l->n++], "%s/%s", dir, e->d_name) > 0);
	}
	closedir(d);
	qsort(l->paths + start, l->n - start, sizeof(*l->paths), name_cmp);
}

static int run_file_group(const char *name, const char *const *dirs, size_t n_dirs,
			  CMUnitTestFunction fn, size_t min_files)
{
	struct file_list l = { 0 };
	struct CMUnitTest *tests;
	int r;

	for (size_t i = 0; i < n_dirs; i++)
		list_yaml(&l, dirs[i]);
	if (l.n < min_files) {
		fprintf(stderr, "%s: found %zu files, expected at least %zu (data dir: %s)\n", name, l.n,
			min_files, data_dir);
		return 1;
	}
	tests = calloc(l.n, sizeof(*tests));
	assert_non_null(tests);
	for (size_t i = 0; i < l.n; i++)
		tests[i] = (struct CMUnitTest){ .name = l.paths[i], .test_func = fn, .initial_state = l.paths[i] };
	r = _cmocka_run_group_tests(name, tests, l.n, NULL, NULL);
	for (size_t i = 0; i < l.n; i++)
		free(l.paths[i]);
	free(l.paths);
	free(tests);
	return r;
}

/* ---- direct checks ---- */

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	assert_int_equal(nsim_addr_parse(s, &a), 0);
	return a;
}

static void test_address_assignment(void **state)
{
	struct result res = check_text("name: t\n"
				       "vpcs:\n"
				       "  - name: v\n"
				       "    cidr: 10.0.0.0/16\n"
				       "    internet_gateway: igw\n"
				       "    subnets:\n"
				       "      - { name: one, cidr: 10.0.1.0/24, route_table: pub }\n"
				       "      - { name: two, cidr: 10.0.2.0/28, route_table: pub }\n"
				       "    route_tables:\n"
				       "      - { name: pub, routes: [{ destination: 0.0.0.0/0, target: igw }] }\n"
				       "    hosts:\n" /* before the NAT gateways in the file, after them in order */
				       "      - { name: a, subnet: one }\n"
				       "      - { name: b, subnet: one, address: 10.0.1.6 }\n"
				       "      - { name: c, subnet: one }\n"
				       "      - { name: d, subnet: two }\n"
				       "      - { name: e, subnet: one }\n"
				       "      - { name: f, subnet: two, address: 10.0.2.14 }\n"
				       "    nat_gateways:\n"
				       "      - { name: n1, subnet: one, elastic_ip: 203.0.113.1 }\n"
				       "      - { name: n2, subnet: two, elastic_ip: 203.0.113.2, address: 10.0.2.4 }\n");
	const struct nsim_vpc *v;

	assert_int_equal(res.r, 0);
	v = &res.t->vpcs[0];
	assert_int_equal(v->nat_gateways[0].address, ip("10.0.1.4"));
	assert_int_equal(v->nat_gateways[1].address, ip("10.0.2.4"));
	assert_int_equal(v->hosts[0].address, ip("10.0.1.5"));
	assert_int_equal(v->hosts[1].address, ip("10.0.1.6"));
	assert_int_equal(v->hosts[2].address, ip("10.0.1.7"));
	assert_int_equal(v->hosts[3].address, ip("10.0.2.5"));
	assert_int_equal(v->hosts[4].address, ip("10.0.1.8"));
	assert_int_equal(v->hosts[5].address, ip("10.0.2.14"));
	done(&res);
}

static void test_full_28(void **state)
{
	char text[4096];
	size_t len = (size_t)snprintf(text, sizeof(text),
				      "name: t\nvpcs:\n  - name: v\n    cidr: 10.0.0.0/16\n    subnets:\n"
				      "      - { name: s, cidr: 10.0.0.16/28 }\n    hosts:\n");
	struct result res;

	for (int i = 0; i < 12; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "      - { name: h%d, subnet: s }\n", i);
	res = check_text(text);
	assert_int_equal(res.r, -EINVAL);
	assert_int_equal(res.diags.n_errors, 1);
	for (int i = 0; i < 11; i++)
		assert_int_equal(res.t->vpcs[0].hosts[i].address, ip("10.0.0.20") + (uint32_t)i);
	assert_int_equal(res.t->vpcs[0].hosts[11].address, 0);
	assert_true(has_diag(&res.diags, 19, 30, NSIM_SEV_ERROR, "no free address left for host 'h11'"));
	done(&res);
}

static void test_resolution(void **state)
{
	char path[4096];
	struct result res;
	const struct nsim_topology *t;
	const struct nsim_vpc *v;
	const struct nsim_expect *e;

	snprintf(path, sizeof(path), "%s/../../topologies/serverless-backend.yaml", data_dir);
	res = check_file(path);
	t = res.t;
	if (res.r != 0)
		dump("serverless-backend", &res.diags);
	assert_int_equal(res.r, 0);
	v = &t->vpcs[0];
	/* route tables: public, private; subnets: public-a, app-c, data-c */
	assert_int_equal(v->main_rt_idx, 1);
	assert_int_equal(v->subnets[0].rt_idx, 0);
	assert_int_equal(v->subnets[1].rt_idx, 1);
	assert_int_equal(v->subnets[0].acl_idx, NSIM_NONE);
	assert_int_equal(v->subnets[2].acl_idx, 0);
	assert_int_equal(v->route_tables[0].routes[0].kind, NSIM_TARGET_IGW);
	assert_int_equal(v->route_tables[1].routes[0].kind, NSIM_TARGET_NAT);
	assert_int_equal(v->route_tables[1].routes[0].target_idx, 0);
	assert_int_equal(v->route_tables[1].routes[1].kind, NSIM_TARGET_BLACKHOLE);
	assert_int_equal(v->nat_gateways[0].subnet_idx, 0);
	assert_int_equal(v->nat_gateways[0].address, ip("10.0.1.4"));
	/* hosts: fn, proxy, db, bastion */
	assert_int_equal(v->hosts[0].subnet_idx, 1);
	assert_int_equal(v->hosts[0].address, ip("10.0.3.4"));
	assert_int_equal(v->hosts[1].address, ip("10.0.3.20"));
	assert_int_equal(v->hosts[2].address, ip("10.0.4.4"));
	assert_int_equal(v->hosts[3].address, ip("10.0.1.5"));
	assert_non_null(v->hosts[1].sg_idx);
	assert_int_equal(v->hosts[1].sg_idx[0], 1);
	assert_non_null(v->hosts[3].sg_idx); /* bastion-sg */
	assert_int_equal(v->hosts[3].sg_idx[0], 3);
	/* proxy-sg admits fn-sg; db-sg admits proxy-sg */
	assert_int_equal(v->security_groups[1].ingress[0].peer_vpc, 0);
	assert_int_equal(v->security_groups[1].ingress[0].peer_sg, 0);
	assert_int_equal(v->security_groups[2].ingress[0].peer_sg, 1);
	/* fn -> partner-api, seen_source nat-a, via [nat-a, igw] */
	e = &t->expects[3];
	assert_int_equal(e->from.kind, NSIM_EP_HOST);
	assert_int_equal(e->from.vpc, 0);
	assert_int_equal(e->from.idx, 0);
	assert_int_equal(e->to.kind, NSIM_EP_INET_HOST);
	assert_int_equal(e->to.idx, 0);
	assert_int_equal(e->seen_source.kind, NSIM_EP_NAT);
	assert_int_equal(e->seen_source.idx, 0);
	assert_int_equal(e->via[0].kind, NSIM_COMP_NAT);
	assert_int_equal(e->via[0].b, 0);
	assert_int_equal(e->via[1].kind, NSIM_COMP_IGW);
	assert_int_equal(e->via[1].a, 0);
	e = &t->expects[6];
	assert_int_equal(e->to.kind, NSIM_EP_ADDRESS);
	assert_int_equal(e->to.addr, ip("192.0.2.7"));
	done(&res);
}

static void test_peered_resolution(void **state)
{
	char path[4096];
	struct result res;
	const struct nsim_topology *t;
	const struct nsim_sg_rule *rules;

	snprintf(path, sizeof(path), "%s/valid/peered-security-group.yaml", data_dir);
	res = check_file(path);
	assert_int_equal(res.r, 0);
	t = res.t;
	assert_int_equal(t->peerings[0].vpc_idx[0], 0);
	assert_int_equal(t->peerings[0].vpc_idx[1], 1);
	assert_int_equal(t->vpcs[0].route_tables[0].routes[0].kind, NSIM_TARGET_PEERING);
	assert_int_equal(t->vpcs[0].route_tables[0].routes[0].target_idx, 0);
	assert_int_equal(t->vpcs[0].subnets[0].rt_idx, 0); /* the main table, by default */
	rules = t->vpcs[1].security_groups[0].ingress;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rules[i].peer_vpc, 0);
		assert_int_equal(rules[i].peer_sg, 0);
	}
	assert_int_equal(rules[2].peer_vpc, 1);
	assert_int_equal(t->expects[0].via[0].kind, NSIM_COMP_VPC);
	assert_int_equal(t->expects[0].via[1].kind, NSIM_COMP_PEERING);
	assert_int_equal(t->expects[0].via[2].a, 1);
	done(&res);
}

/* One file, many unrelated mistakes: each is reported, not just the first. */
static void test_reports_all_errors(void **state)
{
	struct result res = check_text("name: Bad_Name\n"                                    /* 1 */
				       "vpcs:\n"                                             /* 2 */
				       "  - name: v\n"                                       /* 3 */
				       "    cidr: 10.0.0.5/16\n"                             /* 4 */
				       "    subnets:\n"                                      /* 5 */
				       "      - { name: s, cidr: 10.9.0.0/24 }\n"            /* 6 */
				       "    hosts:\n"                                        /* 7 */
				       "      - { name: a, subnet: s, address: 10.9.0.1 }\n" /* 8 */
				       "      - { name: b, subnet: nope }\n"                 /* 9 */
				       "internet:\n"                                         /* 10 */
				       "  hosts:\n"                                          /* 11 */
				       "    - { name: x, address: 1.1.1.1 }\n"               /* 12 */
				       "expect:\n"                                           /* 13 */
				       "  - { from: zz, to: a, protocol: icmp, verdict: reachable }\n");
	assert_int_equal(res.r, -EINVAL);
	assert_true(has_diag(&res.diags, 1, 7, NSIM_SEV_ERROR, "topology name 'Bad_Name' is invalid"));
	assert_true(has_diag(&res.diags, 4, 11, NSIM_SEV_ERROR, "did you mean 10.0.0.0/16?"));
	assert_true(has_diag(&res.diags, 6, 26, NSIM_SEV_ERROR, "is outside VPC 'v'"));
	assert_true(has_diag(&res.diags, 8, 40, NSIM_SEV_ERROR, "10.9.0.1 is reserved"));
	assert_true(has_diag(&res.diags, 9, 28, NSIM_SEV_ERROR, "subnet 'nope' does not exist"));
	assert_true(has_diag(&res.diags, 12, 27, NSIM_SEV_ERROR, "not in a documentation range"));
	assert_true(has_diag(&res.diags, 14, 13, NSIM_SEV_ERROR, "'zz' is neither"));
	assert_int_equal(res.diags.n_errors, 7);
	/* unresolved names stay marked as such */
	assert_int_equal(res.t->vpcs[0].hosts[1].subnet_idx, NSIM_NONE);
	assert_int_equal(res.t->vpcs[0].hosts[1].address, 0);
	assert_int_equal(res.t->expects[0].from.kind, NSIM_EP_UNRESOLVED);
	done(&res);
}

static void test_warnings_only_is_valid(void **state)
{
	struct result res = check_text("name: t\n"
				       "vpcs:\n"
				       "  - name: v\n"
				       "    cidr: 10.0.0.0/16\n"
				       "    subnets: [{ name: s, cidr: 10.0.1.0/24 }]\n"
				       "    nat_gateways: [{ name: n, subnet: s, elastic_ip: 192.0.2.1 }]\n"
				       "    hosts: [{ name: h, subnet: s, public_ip: 192.0.2.2 }]\n");
	assert_int_equal(res.r, 0);
	assert_int_equal(res.diags.n_errors, 0);
	/* NAT without an internet gateway, public IP without a route to one,
	 * and the lint: a NAT gateway that no route uses */
	assert_int_equal(res.diags.n_warnings, 3);
	done(&res);
}

/* Many hosts and many mistakes: every lookup is indexed, so this stays fast. */
static void test_many_names(void **state)
{
	size_t cap = 4u << 20, len;
	char *text = malloc(cap);
	struct result res;

	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "name: t\nvpcs:\n  - name: v\n    cidr: 10.0.0.0/16\n    subnets:\n"
					  "      - { name: s, cidr: 10.0.0.0/16 }\n    hosts:\n");
	for (int i = 0; i < 20000; i++)
		len += (size_t)snprintf(text + len, cap - len, "      - { name: h%d, subnet: s }\n", i);
	len += (size_t)snprintf(text + len, cap - len, "expect:\n");
	for (int i = 0; i < 20000; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"  - { from: h%d, to: x%d, port: 80/tcp, verdict: reachable }\n", i, i);
	res = check_text(text);
	assert_int_equal(res.r, -EINVAL);
	assert_int_equal(res.diags.n_errors, 20000);
	assert_int_equal(res.t->vpcs[0].hosts[19999].address, ip("10.0.0.4") + 19999);
	done(&res);
	free(text);
}


/* run:, targets:, dns_names:, private zones and the new expectations, as
 * validate/ completes them (tests/data/valid/real-stack.yaml). */
static void test_real_stack_resolution(void **state)
{
	char path[4096];
	struct result res;
	const struct nsim_topology *t;
	const struct nsim_private_zone *z;
	const struct nsim_host *px;

	(void)state;
	snprintf(path, sizeof(path), "%s/valid/real-stack.yaml", data_dir);
	res = check_file(path);
	t = res.t;
	if (res.r != 0 || res.diags.n)
		dump("real-stack", &res.diags);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.diags.n, 0);
	/* hosts: fn, proxy, db, web; proxy targets db */
	px = &t->vpcs[0].hosts[1];
	assert_int_equal(px->n_targets, 1);
	assert_int_equal(px->targets[0].kind, NSIM_EP_HOST);
	assert_int_equal(px->targets[0].vpc, 0);
	assert_int_equal(px->targets[0].idx, 2);
	assert_true(t->vpcs[0].dns_support);

	z = &t->private_zones[0];
	assert_non_null(z->vpc_idx);
	assert_int_equal(z->vpc_idx[0], 0);
	/* records: db A db, secrets A secretsmanager, legacy A 10.0.4.200,
	 * www.corp.internal. CNAME, web A web */
	assert_string_equal(z->records[0].fqdn, "db.corp.internal");
	assert_int_equal(z->records[0].addr, t->vpcs[0].hosts[2].address);
	assert_int_equal(z->records[0].addr, ip("10.0.4.4"));
	assert_int_equal(z->records[1].addr, ip("192.0.2.80"));
	assert_int_equal(z->records[2].addr, ip("10.0.4.200"));
	assert_string_equal(z->records[3].fqdn, "www.corp.internal");
	assert_int_equal(z->records[3].type, NSIM_DNS_CNAME);
	assert_int_equal(z->records[3].addr, 0);
	assert_int_equal(z->records[4].addr, t->vpcs[0].hosts[3].address);

	/* to: a DNS name, kept for the dns/stack code; reaches: a host */
	assert_int_equal(t->expects[0].to.kind, NSIM_EP_DNS);
	assert_string_equal(t->expects[0].to.ref.name, "items-proxy.proxy-abc123.ap-northeast-2.rds.amazonaws.com");
	assert_true(t->expects[0].has_reaches);
	assert_int_equal(t->expects[0].reaches.kind, NSIM_EP_HOST);
	assert_int_equal(t->expects[0].reaches.idx, 2);
	assert_int_equal(t->expects[1].to.kind, NSIM_EP_DNS);
	/* command: expectations: from resolved, no to */
	assert_int_equal(t->expects[2].from.kind, NSIM_EP_HOST);
	assert_int_equal(t->expects[2].to.kind, NSIM_EP_UNRESOLVED);
	assert_int_equal(t->expects[2].to.vpc, NSIM_NONE);
	assert_int_equal(t->expects[2].verdict, NSIM_VERDICT_SUCCEEDS);
	assert_int_equal(t->expects[2].timeout_ms, 20000);
	done(&res);
}

/* A target in a peered VPC resolves; record names are case-insensitive and
 * absolute names keep to their zone; one error per problem. */
static void test_real_stack_rules(void **state)
{
	static const char text[] =
		"name: t\n"
		"vpcs:\n"
		"  - name: a\n"
		"    cidr: 10.0.0.0/16\n"
		"    subnets: [{ name: s, cidr: 10.0.1.0/24 }]\n"
		"    hosts:\n"
		"      - { name: px, kind: proxy, subnet: s, listen: [5432/tcp], targets: [pg] }\n"
		"  - name: b\n"
		"    cidr: 10.1.0.0/16\n"
		"    subnets: [{ name: s, cidr: 10.1.1.0/24 }]\n"
		"    hosts:\n"
		"      - { name: pg, subnet: s, listen: [5432/tcp], dns_names: [PG.Example.Com.] }\n"
		"peerings: [{ name: ab, between: [a, b] }]\n"
		"route53:\n"
		"  private_zones:\n"
		"    - name: Corp.Internal.\n"
		"      vpcs: [a, b]\n"
		"      records:\n"
		"        - { name: PG, type: A, value: pg }\n"
		"        - { name: Alias.corp.internal., type: CNAME, value: pg.corp.internal }\n"
		"expect:\n"
		"  - { from: px, to: pg.example.com, port: 5432/tcp, verdict: reachable, reaches: pg }\n";
	struct result res;
	const struct nsim_private_zone *z;

	(void)state;
	res = check_text(text);
	if (res.r != 0 || res.diags.n)
		dump("t.yaml", &res.diags);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.diags.n, 0);
	assert_int_equal(res.t->vpcs[0].hosts[0].targets[0].kind, NSIM_EP_HOST);
	assert_int_equal(res.t->vpcs[0].hosts[0].targets[0].vpc, 1);
	assert_int_equal(res.t->vpcs[0].hosts[0].targets[0].idx, 0);
	z = &res.t->private_zones[0];
	assert_int_equal(z->vpc_idx[1], 1);
	assert_string_equal(z->records[0].fqdn, "pg.corp.internal");
	assert_int_equal(z->records[0].addr, ip("10.1.1.4"));
	assert_string_equal(z->records[1].fqdn, "alias.corp.internal");
	assert_int_equal(res.t->expects[0].reaches.vpc, 1);
	done(&res);

	/* without the peering: the target, not the expectation, is blamed */
	static const char unpeered[] =
		"name: t\n"
		"region: us-gov-west-1\n"
		"vpcs:\n"
		"  - name: a\n"
		"    cidr: 10.0.0.0/16\n"
		"    subnets: [{ name: s, cidr: 10.0.1.0/24 }]\n"
		"    hosts:\n"
		"      - { name: px, kind: proxy, subnet: s, listen: [5432/tcp], targets: [pg] }\n"
		"  - name: b\n"
		"    cidr: 10.1.0.0/16\n"
		"    subnets: [{ name: s, cidr: 10.1.1.0/24 }]\n"
		"    hosts:\n"
		"      - { name: pg, subnet: s, listen: [5432/tcp] }\n";
	res = check_text(unpeered);
	assert_int_equal(res.r, -EINVAL);
	assert_int_equal(res.diags.n_errors, 1);
	assert_true(has_diag(&res.diags, 8, 75, NSIM_SEV_ERROR, "neither 'a' nor peered with it"));
	assert_int_equal(res.t->vpcs[0].hosts[0].targets[0].kind, NSIM_EP_UNRESOLVED);
	done(&res);
}

/* VPC endpoints and prefix lists, as validate/ completes them
 * (tests/data/valid/endpoints.yaml). */
static void test_endpoints_resolution(void **state)
{
	char path[4096];
	struct result res;
	const struct nsim_topology *t;
	const struct nsim_vpc *v;
	const struct nsim_vpc_endpoint *sm, *sts, *s3, *ddb;
	const struct nsim_route_table *rt;

	(void)state;
	snprintf(path, sizeof(path), "%s/valid/endpoints.yaml", data_dir);
	res = check_file(path);
	t = res.t;
	if (res.r != 0 || res.diags.n)
		dump("endpoints", &res.diags);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.diags.n, 0);
	v = &t->vpcs[0];
	assert_true(v->dns_hostnames);
	assert_int_equal(v->n_endpoints, 4);
	sm = &v->endpoints[0], sts = &v->endpoints[1], s3 = &v->endpoints[2], ddb = &v->endpoints[3];

	/* interface: service, region, subnets, addresses after the hosts' (fn
	 * .1.4, web .2.4), the group, the service hosts of its region only */
	assert_int_equal(sm->type, NSIM_VPCE_INTERFACE);
	assert_string_equal(sm->service_name, "secretsmanager");
	assert_string_equal(sm->service_region, "eu-west-1");
	assert_true(sm->private_dns);
	assert_int_equal(sm->subnet_idx[0], 0);
	assert_int_equal(sm->subnet_idx[1], 1);
	assert_int_equal(sm->addresses[0], ip("10.0.1.5"));
	assert_int_equal(sm->addresses[1], ip("10.0.2.5"));
	assert_int_equal(sm->n_security_groups, 1);
	assert_int_equal(sm->sg_idx[0], 1);
	assert_int_equal(sm->n_service_hosts, 1);
	assert_int_equal(sm->service_hosts[0], 0); /* not sm-east (us-east-1) */
	assert_string_equal(sm->dns_name, "vpce-sm-ep.secretsmanager.eu-west-1.vpce.amazonaws.com");
	assert_int_equal(strlen(sm->id), 5 + 17);
	assert_memory_equal(sm->id, "vpce-", 5);
	assert_int_equal(strspn(sm->id + 5, "0123456789abcdef"), 17);
	assert_null(sm->pl);
	/* the full name; private DNS off; no groups: the VPC's default one */
	assert_string_equal(sts->service_name, "sts");
	assert_false(sts->private_dns);
	assert_null(sts->sg_idx);
	assert_int_equal(sts->addresses[0], ip("10.0.1.6"));
	assert_string_not_equal(sts->id, sm->id);

	/* gateway: no interface, the AWS-managed list, a managed route each */
	assert_int_equal(s3->type, NSIM_VPCE_GATEWAY);
	assert_false(s3->private_dns); /* no DNS name of its own */
	assert_null(s3->dns_name);
	assert_null(s3->addresses);
	assert_int_equal(s3->rt_idx[0], 0);
	assert_non_null(s3->pl);
	assert_string_equal(s3->pl->service, "s3");
	assert_string_equal(s3->pl->name.name, "s3");
	assert_int_equal(s3->pl->n_cidrs, 2);
	assert_int_equal(s3->pl->cidrs[0].addr, ip("192.0.2.90"));
	assert_int_equal(s3->pl->cidrs[0].len, 32);
	assert_int_equal(s3->pl->cidrs[1].addr, ip("192.0.2.91"));
	assert_int_equal(s3->pl->max_entries, 2);
	assert_memory_equal(s3->pl->id, "pl-", 3);
	assert_int_equal(strlen(s3->pl->id), 3 + 8);
	assert_int_equal(t->n_aws_prefix_lists, 2);
	assert_string_equal(ddb->service_name, "dynamodb");
	assert_string_equal(ddb->pl->service, "dynamodb");
	assert_int_equal(ddb->pl->n_cidrs, 1);

	rt = &v->route_tables[0];
	assert_int_equal(rt->n_routes, 4);
	assert_false(rt->routes[0].managed);
	assert_string_equal(rt->routes[0].dest_list.name, "office");
	assert_ptr_equal(rt->routes[0].dest_pl, &v->prefix_lists[0]);
	assert_null(rt->routes[1].dest_pl);
	assert_true(rt->routes[2].managed);
	assert_int_equal(rt->routes[2].kind, NSIM_TARGET_GATEWAY_ENDPOINT);
	assert_int_equal(rt->routes[2].target_idx, 2);
	assert_string_equal(rt->routes[2].dest_list.name, "s3");
	assert_ptr_equal(rt->routes[2].dest_pl, s3->pl);
	assert_string_equal(rt->routes[2].target.name, "s3-ep");
	assert_true(rt->routes[3].managed);
	assert_int_equal(rt->routes[3].target_idx, 3);
	assert_ptr_equal(rt->routes[3].dest_pl, ddb->pl);

	/* customer lists: max_entries as written or the count; ids differ */
	assert_null(v->prefix_lists[0].service);
	assert_int_equal(v->prefix_lists[0].max_entries, 10);
	assert_int_equal(v->prefix_lists[1].max_entries, 1);
	assert_string_not_equal(v->prefix_lists[0].id, v->prefix_lists[1].id);

	/* security-group peers */
	assert_ptr_equal(v->security_groups[0].egress[0].peer_pl, s3->pl);
	assert_int_equal(v->security_groups[0].egress[0].peer_sg, NSIM_NONE);
	assert_null(v->security_groups[0].egress[1].peer_pl);
	assert_int_equal(v->security_groups[0].egress[1].peer_sg, 1);
	assert_ptr_equal(v->security_groups[1].ingress[1].peer_pl, &v->prefix_lists[0]);

	/* service hosts: AWS's name unless dns_names says otherwise */
	assert_int_equal(t->inet_hosts[0].n_dns_names, 1);
	assert_string_equal(t->inet_hosts[0].dns_names[0].name, "secretsmanager.eu-west-1.amazonaws.com");
	assert_string_equal(t->inet_hosts[1].dns_names[0].name, "secretsmanager.us-east-1.amazonaws.com");
	assert_string_equal(t->inet_hosts[4].dns_names[0].name, "bucket.s3.eu-west-1.amazonaws.com");

	/* via: an endpoint by name */
	assert_int_equal(t->expects[0].via[0].kind, NSIM_COMP_ENDPOINT);
	assert_int_equal(t->expects[0].via[0].a, 0);
	assert_int_equal(t->expects[0].via[0].b, 0);
	assert_int_equal(t->expects[1].via[0].b, 2);
	done(&res);
}

/* Ids are stable for the file; the region defaults to us-east-1; an AWS
 * name (service.region.amazonaws.com) follows the service's DNS labels. */
static void test_endpoints_ids(void **state)
{
	static const char text[] =
		"name: t\n"
		"vpcs:\n"
		"  - name: a\n"
		"    cidr: 10.0.0.0/16\n"
		"    subnets: [{ name: s, cidr: 10.0.1.0/24 }]\n"
		"    endpoints:\n"
		"      - { name: ecr, type: interface, service: ecr.api, subnets: [s], private_dns: false }\n"
		"internet:\n"
		"  hosts:\n"
		"    - { name: ecr-api, address: 192.0.2.7, service: ecr.api }\n"
		"    - { name: kin, address: 192.0.2.8, service: kinesis-streams }\n";
	struct result res;
	char id[64];

	(void)state;
	res = check_text(text);
	if (res.r != 0 || res.diags.n)
		dump("t.yaml", &res.diags);
	assert_int_equal(res.r, 0);
	snprintf(id, sizeof(id), "%s", res.t->vpcs[0].endpoints[0].id);
	assert_string_equal(res.t->vpcs[0].endpoints[0].service_region, "us-east-1");
	assert_string_equal(res.t->vpcs[0].endpoints[0].dns_name, "vpce-ecr.api.ecr.us-east-1.vpce.amazonaws.com");
	assert_string_equal(res.t->inet_hosts[0].dns_names[0].name, "api.ecr.us-east-1.amazonaws.com");
	assert_string_equal(res.t->inet_hosts[1].dns_names[0].name, "kinesis.us-east-1.amazonaws.com");
	assert_int_equal(res.t->vpcs[0].endpoints[0].addresses[0], ip("10.0.1.4"));
	done(&res);
	res = check_text(text);
	assert_string_equal(res.t->vpcs[0].endpoints[0].id, id);
	done(&res);
}

/* blocked_by: each form resolves to its component, rule or reason code */
static void test_blocked_by(void **state)
{
	char path[4096];
	struct result res;
	const struct nsim_expect *e;
	const char *const *codes;
	size_t n_codes;

	(void)state;
	snprintf(path, sizeof(path), "%s/valid/expect-blocked-by.yaml", data_dir);
	res = check_file(path);
	assert_int_equal(res.r, 0);
	e = res.t->expects;
	assert_int_equal(res.t->n_expects, 6);
	assert_int_equal(e[0].blocked_by_comp.kind, NSIM_COMP_SECURITY_GROUP);
	assert_int_equal(e[0].blocked_by_comp.a, 0);
	assert_int_equal(e[0].blocked_by_comp.b, 1);
	assert_string_equal(e[0].blocked_by_comp.ref.name, "db-sg");
	assert_null(e[0].blocked_by_reason);
	assert_int_equal(e[1].blocked_by_comp.kind, NSIM_COMP_SECURITY_GROUP);
	assert_int_equal(e[1].blocked_by_comp.b, 1);
	assert_string_equal(e[1].blocked_by_comp.ref.name, "db-sg");
	assert_int_equal(e[2].blocked_by_comp.kind, NSIM_COMP_NETWORK_ACL);
	assert_int_equal(e[2].blocked_by_comp.b, 0);
	assert_int_equal(e[2].blocked_by_rule, 200);
	assert_string_equal(e[2].blocked_by_comp.ref.name, "acl-data");
	assert_int_equal(e[3].blocked_by_comp.kind, NSIM_COMP_UNRESOLVED);
	assert_string_equal(e[3].blocked_by_reason, "SG_INGRESS_NO_RULE");
	assert_int_equal(e[4].blocked_by_comp.kind, NSIM_COMP_HOST);
	assert_int_equal(e[4].blocked_by_comp.b, 1);
	assert_int_equal(e[5].blocked_by_comp.kind, NSIM_COMP_SECURITY_GROUP);
	assert_int_equal(e[5].blocked_by_comp.b, NSIM_NONE);
	done(&res);

	/* validate's copy of the reason codes agrees with analyze's names */
	codes = nsim_validate_reason_codes(&n_codes);
	assert_int_equal(n_codes, NSIM_REASON_NAME_RESOLVES_PUBLIC + 1);
	assert_null(codes[0]);
	for (size_t i = 1; i < n_codes; i++)
		if (!streq(nsim_reason_code((enum nsim_reason)i), "?"))
			assert_string_equal(codes[i], nsim_reason_code((enum nsim_reason)i));
}

/* `default` names the VPC's default group: added with AWS's rules when the
 * file does not write it; hosts that name no group are put in it */
static void test_default_sg_named(void **state)
{
	char path[4096];
	struct result res;
	const struct nsim_vpc *v;
	const struct nsim_security_group *g;

	(void)state;
	snprintf(path, sizeof(path), "%s/valid/default-sg-named.yaml", data_dir);
	res = check_file(path);
	assert_int_equal(res.r, 0);
	v = &res.t->vpcs[0];
	assert_int_equal(v->n_security_groups, 3);
	g = &v->security_groups[2];
	assert_string_equal(g->name.name, "default");
	assert_false(g->has_egress); /* all outbound */
	assert_int_equal(g->n_ingress, 1);
	assert_int_equal(g->ingress[0].proto, NSIM_PROTO_ALL);
	assert_int_equal(g->ingress[0].peer_vpc, 0);
	assert_int_equal(g->ingress[0].peer_sg, 2); /* its own members */
	/* runner: [job-sg, default]; cache named none: now [default] */
	assert_int_equal(v->hosts[0].n_security_groups, 2);
	assert_int_equal(v->hosts[0].sg_idx[1], 2);
	assert_int_equal(v->hosts[2].n_security_groups, 1);
	assert_int_equal(v->hosts[2].sg_idx[0], 2);
	/* metrics-sg admits the default group's members */
	assert_int_equal(v->security_groups[1].ingress[0].peer_sg, 2);
	done(&res);

	/* a file that never names it has no such group: its hosts keep n == 0 */
	snprintf(path, sizeof(path), "%s/sg/default-sg.yaml", data_dir);
	res = check_file(path);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.t->vpcs[0].n_security_groups, 1);
	assert_int_equal(res.t->vpcs[0].hosts[0].n_security_groups, 0);
	done(&res);
}

/* The analyzer over the default group by name: every expectation of the
 * files holds as the model predicts it (the data plane: tests/netns/test_sg.c). */
static void test_default_sg_analyzed(void **state)
{
	static const char *const files[] = {"sg/default-sg-named.yaml", "sg/default-sg-rules.yaml"};

	(void)state;
	for (size_t k = 0; k < ELEMENTSOF(files); k++) {
		char path[4096];
		struct result res;
		snprintf(path, sizeof(path), "%s/%s", data_dir, files[k]);
		res = check_file(path);
		assert_int_equal(res.r, 0);
		assert_true(res.t->n_expects > 0);
		for (size_t i = 0; i < res.t->n_expects; i++) {
			const struct nsim_expect *e = &res.t->expects[i];
			struct nsim_flow f = {.from = e->from, .proto = e->proto, .dport = e->port.from};
			struct nsim_analysis a;
			f.dst = nsim_analyze_target(res.t, &e->from, &e->to);
			assert_int_equal(nsim_analyze_flow(res.t, &f, &a), 0);
			if ((a.prediction == NSIM_PREDICT_REACHABLE) != (e->verdict == NSIM_VERDICT_REACHABLE))
				fail_msg("%s: expectation %zu (%s -> %s): the model says %s (%s): %s", path, i,
					 e->from.ref.name, e->to.ref.name, nsim_prediction_name(a.prediction),
					 nsim_reason_code(a.reason), a.explanation);
			if (e->verdict == NSIM_VERDICT_UNREACHABLE)
				assert_int_equal(a.reason, NSIM_REASON_SG_INGRESS_NO_RULE);
		}
		done(&res);
	}
}

/* A bare group name a peered VPC also has: warned, unless written VPC/GROUP;
 * `default` (every VPC has one) is plainly the rule's own VPC's. */
/* Two peered VPCs that both have web-sg; db-sg's rule names `peer`. */
static void ambiguous_text(char *buf, size_t size, const char *peer)
{
	snprintf(buf, size,
		 "name: t\n"
		 "vpcs:\n"
		 "  - name: a\n"
		 "    cidr: 10.1.0.0/16\n"
		 "    subnets: [{ name: s, cidr: 10.1.1.0/24 }]\n"
		 "    security_groups:\n"
		 "      - { name: web-sg }\n"
		 "      - { name: x-sg, ingress: [{ protocol: tcp, ports: 80, source: default }] }\n"
		 "    hosts: [{ name: ha, subnet: s, security_groups: [web-sg, x-sg] }]\n"
		 "  - name: b\n"
		 "    cidr: 10.2.0.0/16\n"
		 "    subnets: [{ name: s, cidr: 10.2.1.0/24 }]\n"
		 "    security_groups:\n"
		 "      - { name: web-sg }\n"
		 "      - { name: db-sg, ingress: [{ protocol: tcp, ports: 5432, source: %s },\n"
		 "                                 { protocol: tcp, ports: 22, source: default }] }\n"
		 "    hosts: [{ name: hb, subnet: s, security_groups: [db-sg] }]\n"
		 "peerings: [{ name: p, between: [a, b] }]\n",
		 peer);
}

static void test_sg_ambiguous(void **state)
{
	char buf[2048];
	struct result res;

	(void)state;
	ambiguous_text(buf, sizeof(buf), "web-sg");
	res = check_text(buf);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.diags.n_warnings, 1);
	assert_true(has_diag(&res.diags, 15, 0, NSIM_SEV_WARNING,
			     "security group 'web-sg' (source of a rule in 'db-sg') means b/web-sg, the group of "
			     "the rule's own VPC; the peered VPC 'a' also has a group named 'web-sg': write "
			     "'a/web-sg' to mean that one, or 'b/web-sg' to say this one plainly"));
	assert_int_equal(res.t->vpcs[1].security_groups[1].ingress[0].peer_vpc, 1);
	done(&res);

	ambiguous_text(buf, sizeof(buf), "b/web-sg");
	res = check_text(buf);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.diags.n_warnings, 0);
	done(&res);

	ambiguous_text(buf, sizeof(buf), "a/web-sg");
	res = check_text(buf);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.diags.n_warnings, 0);
	assert_int_equal(res.t->vpcs[1].security_groups[1].ingress[0].peer_vpc, 0);
	done(&res);
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest direct[] = {
		cmocka_unit_test(test_address_assignment),
		cmocka_unit_test(test_full_28),
		cmocka_unit_test(test_resolution),
		cmocka_unit_test(test_peered_resolution),
		cmocka_unit_test(test_reports_all_errors),
		cmocka_unit_test(test_warnings_only_is_valid),
		cmocka_unit_test(test_many_names),
		cmocka_unit_test(test_real_stack_resolution),
		cmocka_unit_test(test_real_stack_rules),
		cmocka_unit_test(test_endpoints_resolution),
		cmocka_unit_test(test_endpoints_ids),
		cmocka_unit_test(test_blocked_by),
		cmocka_unit_test(test_default_sg_named),
		cmocka_unit_test(test_default_sg_analyzed),
		cmocka_unit_test(test_sg_ambiguous),
	};
	char invalid[4096], warnings[4096], valid[4096], topologies[4096];
	int failed = 0;

	if (argc > 1)
		data_dir = argv[1];
	else if (getenv("NSIM_TEST_DATA"))
		data_dir = getenv("NSIM_TEST_DATA");
	snprintf(invalid, sizeof(invalid), "%s/invalid", data_dir);
	snprintf(warnings, sizeof(warnings), "%s/warnings", data_dir);
	snprintf(valid, sizeof(valid), "%s/valid", data_dir);
	snprintf(topologies, sizeof(topologies), "%s/../../topologies", data_dir);

	failed += run_file_group("invalid", (const char *const[]){ invalid, warnings }, 2,
				 test_expectation_file, 40);
	failed += run_file_group("valid", (const char *const[]){ valid, topologies }, 2, test_valid_file, 3);
	{
		static const char *const dirs[] = { "valid", "analyze", "check", "netns", "sg" };
		char silent[6][4096], lint[4096];
		const char *silent_dirs[6];
		for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
			snprintf(silent[i], sizeof(silent[i]), "%s/%s", data_dir, dirs[i]);
			silent_dirs[i] = silent[i];
		}
		silent_dirs[5] = topologies;
		snprintf(lint, sizeof(lint), "%s/lint", data_dir);
		failed += run_file_group("lint", (const char *const[]){ lint }, 1, test_lint_file, 12);
		failed += run_file_group("lints-silent", silent_dirs, 6, test_lints_silent, 40);
	}
	failed += cmocka_run_group_tests_name("direct", direct, NULL, NULL);
	return failed ? 1 : 0;
}
