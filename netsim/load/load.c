/* SPDX-License-Identifier: MIT */
/*
 * Topology format v1: YAML tree -> model. The walk follows the schema, so its
 * depth is bounded whatever the document; the number of nodes it visits is
 * bounded too, since aliases can make a small file describe a huge tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load/load.h"
#include "load/yaml_tree.h"
#include "model/fileio.h"
#include "model/strv.h"
#include "model/util.h"

struct loader {
	struct nsim_topology *t;
	struct nsim_arena *a; /* t->arena */
	struct nsim_diags *diags;
	size_t visited;
	bool fatal; /* node budget exhausted: stop reporting */
	size_t n_errors_at_start;
};

/* ---- positions and messages ---- */

static struct nsim_pos npos(struct loader *L, const struct ynode *n)
{
	return (struct nsim_pos){.file = L->t->file, .line = n ? n->line : 0, .col = n ? n->col : 0};
}

__attribute__((format(printf, 3, 4))) static void err(struct loader *L, const struct ynode *n,
						      const char *fmt, ...)
{
	if (L->fatal)
		return;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		L->diags->oom = true;
		return;
	}
	nsim_diag_error(L->diags, npos(L, n), "%s", msg);
	free(msg);
}

static bool visit(struct loader *L, const struct ynode *n)
{
	if (L->fatal)
		return false;
	if (++L->visited > NSIM_LOAD_MAX_NODES) {
		err(L, n, "aliases expand this document to more than %u nodes: the limit guards against alias bombs",
		    NSIM_LOAD_MAX_NODES);
		L->fatal = true;
		return false;
	}
	return true;
}

static const char *type_name(const struct ynode *n)
{
	if (n->type == Y_MAP)
		return "a mapping";
	if (n->type == Y_SEQ)
		return "a list";
	if (n->plain && (n->len == 0 || streq(n->value, "~") || streq(n->value, "null")))
		return "nothing (null)";
	return "a scalar";
}

static bool is_null(const struct ynode *n)
{
	return n->type == Y_SCALAR && n->plain &&
	       (n->len == 0 || streq(n->value, "~") || streq(n->value, "null") || streq(n->value, "Null") ||
		streq(n->value, "NULL"));
}

/* ---- did you mean ---- */

/* The closest of `options` to `s`, if close enough to be a typo. */
static const char *closest(const char *s, const char *const *options, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, len = strlen(s);
	for (size_t i = 0; i < n; i++) {
		size_t d = nsim_edit_distance(s, options[i]);
		if (d < best_d) {
			best_d = d;
			best = options[i];
		}
	}
	size_t max = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	return best_d <= max ? best : NULL;
}

/* ---- mappings against a list of keys ---- */

struct key {
	const char *name;
	bool required;
};

/* Keys people write where AWS has no such setting: the error gives AWS's
 * reason instead of "unknown key". NULL for any other key. */
static const char *misplaced_key(const char *what, const char *key)
{
	static const struct {
		const char *what, *key, *why;
	} misplaced[] = {
		/* AWS: "NAT gateway basics",
		 * https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html */
		{"NAT gateway", "security_groups",
		 "'security_groups' does not apply to a NAT gateway: AWS associates no security group with a NAT "
		 "gateway; the network ACL of its subnet is what filters its traffic (remove the key, and give the "
		 "subnet a network_acl to filter)"},
	};
	for (size_t i = 0; i < ELEMENTSOF(misplaced); i++)
		if (streq(misplaced[i].what, what) && streq(misplaced[i].key, key))
			return misplaced[i].why;
	return NULL;
}

static bool add_field(struct loader *L, const struct ynode *map_key, const struct ynode *value,
		      const struct key *keys, size_t n_keys, const struct ynode **out,
		      const struct ynode **out_key, const char *what, bool from_merge)
{
	if (map_key->type != Y_SCALAR) {
		err(L, map_key, "%s: a key must be a plain word, not %s", what, type_name(map_key));
		return false;
	}
	for (size_t i = 0; i < n_keys; i++) {
		if (!streq(keys[i].name, map_key->value))
			continue;
		if (out[i]) {
			if (!from_merge)
				err(L, map_key, "duplicate key '%s' in %s (first at %u:%u)", map_key->value, what,
				    out_key[i]->line, out_key[i]->col);
			return true;
		}
		out[i] = value;
		out_key[i] = map_key;
		return true;
	}
	const char *why = misplaced_key(what, map_key->value);
	if (why) {
		err(L, map_key, "%s", why);
		return false;
	}
	const char *names[32];
	size_t n = n_keys < ELEMENTSOF(names) ? n_keys : ELEMENTSOF(names);
	char list[512] = "";
	for (size_t i = 0; i < n; i++) {
		names[i] = keys[i].name;
		size_t used = strlen(list);
		snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", keys[i].name);
	}
	const char *hint = closest(map_key->value, names, n);
	if (hint)
		err(L, map_key, "unknown key '%s' in %s; did you mean '%s'?", map_key->value, what, hint);
	else
		err(L, map_key, "unknown key '%s' in %s (known keys: %s)", map_key->value, what, list);
	return false;
}

/*
 * Fills out[i] with the value of keys[i] (NULL when absent). Reports unknown,
 * duplicate and missing required keys. `<<: *alias` merge keys (YAML 1.1) are
 * honoured: explicit keys win over merged ones. Returns false when `n` is not
 * a mapping (nothing to read).
 */
static bool read_map(struct loader *L, const struct ynode *n, const char *what, const struct key *keys,
		     size_t n_keys, const struct ynode **out)
{
	const struct ynode *out_key[32] = {0};
	if (!visit(L, n))
		return false;
	if (n->type != Y_MAP) {
		err(L, n, "%s must be a mapping (key: value), not %s", what, type_name(n));
		return false;
	}
	for (size_t i = 0; i < n_keys; i++)
		out[i] = NULL;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n->n; i++) {
			const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
			bool merge = k->type == Y_SCALAR && k->plain && streq(k->value, "<<");
			if (pass == 0 && !merge)
				add_field(L, k, v, keys, n_keys, out, out_key, what, false);
			if (pass == 1 && merge) {
				const struct ynode *const *srcs = (const struct ynode *const *)&v;
				size_t n_srcs = 1;
				if (v->type == Y_SEQ) {
					srcs = (const struct ynode *const *)v->items;
					n_srcs = v->n;
				}
				for (size_t s = 0; s < n_srcs; s++) {
					const struct ynode *src = srcs[s];
					if (!visit(L, src))
						return false;
					if (src->type != Y_MAP) {
						err(L, src, "'<<' merges a mapping, not %s", type_name(src));
						continue;
					}
					for (size_t j = 0; j < src->n; j++)
						add_field(L, src->items[2 * j], src->items[2 * j + 1], keys, n_keys,
							  out, out_key, what, true);
				}
			}
		}
	}
	for (size_t i = 0; i < n_keys; i++)
		if (keys[i].required && !out[i])
			err(L, n, "%s is missing the required key '%s'", what, keys[i].name);
	return true;
}

/* ---- scalars ---- */

static bool want_scalar(struct loader *L, const struct ynode *n, const char *key)
{
	if (!visit(L, n))
		return false;
	if (n->type != Y_SCALAR || is_null(n)) {
		err(L, n, "'%s' must be a single value, not %s", key, type_name(n));
		return false;
	}
	return true;
}

static void get_ref(struct loader *L, const struct ynode *n, const char *key, struct nsim_ref *ret)
{
	if (!n || !want_scalar(L, n, key))
		return;
	ret->name = (char *)n->value; /* tree strings live in the topology's arena */
	ret->pos = npos(L, n);
}

static void get_addr(struct loader *L, const struct ynode *n, const char *key, bool optional, uint32_t *ret,
		     struct nsim_pos *ret_pos)
{
	if (!n || !want_scalar(L, n, key))
		return;
	uint32_t a;
	if (nsim_addr_parse(n->value, &a) < 0) {
		struct nsim_cidr c;
		if (nsim_cidr_parse(n->value, &c) == 0)
			err(L, n, "'%s' is a single IPv4 address, not a CIDR block: write '%.*s'", key,
			    (int)strcspn(n->value, "/"), n->value);
		else
			err(L, n, "'%s': '%s' is not an IPv4 address (like 10.0.1.4)", key, n->value);
		return;
	}
	/* 0 is how the model says "not given": 0.0.0.0 must not pass for that.
	 * AWS: neither a private address nor an elastic IP can be 0.0.0.0 ("this
	 * host on this network", RFC 1122 3.2.1.3): "IP addressing for your VPCs
	 * and subnets", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html */
	if (a == 0) {
		err(L, n, "'%s': 0.0.0.0 is not a usable address (it means \"this host\", and AWS assigns it to "
			  "nothing): give a real address%s",
		    key, optional ? ", or leave the key out" : "");
		return;
	}
	*ret = a;
	*ret_pos = npos(L, n);
}

static bool get_cidr(struct loader *L, const struct ynode *n, const char *key, struct nsim_cidr *ret,
		     struct nsim_pos *ret_pos)
{
	if (!n || !want_scalar(L, n, key))
		return false;
	struct nsim_cidr c;
	if (nsim_cidr_parse(n->value, &c) < 0) {
		uint32_t a;
		if (nsim_addr_parse(n->value, &a) == 0)
			err(L, n, "'%s' needs a prefix length: '%s' is an address, write e.g. '%s/24'", key,
			    n->value, n->value);
		else
			err(L, n, "'%s': '%s' is not an IPv4 CIDR block (like 10.0.0.0/16)", key, n->value);
		return false;
	}
	*ret = c;
	*ret_pos = npos(L, n);
	return true;
}

/* A non-negative integer in [min, max]. */
static bool get_uint(struct loader *L, const struct ynode *n, const char *key, unsigned long min,
		     unsigned long max, unsigned long *ret)
{
	if (!want_scalar(L, n, key))
		return false;
	const char *s = n->value;
	if (*s == '\0' || strspn(s, "0123456789") != n->len) {
		err(L, n, "'%s' must be a whole number from %lu to %lu, not '%s'", key, min, max, s);
		return false;
	}
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno == ERANGE || v < min || v > max) {
		err(L, n, "'%s': %s is out of range (%lu to %lu)", key, n->len > 20 ? "the number" : s, min,
		    max);
		return false;
	}
	*ret = (unsigned long)v;
	return true;
}

static bool get_enum(struct loader *L, const struct ynode *n, const char *key, const char *const *names,
		     size_t n_names, int *ret)
{
	if (!want_scalar(L, n, key))
		return false;
	for (size_t i = 0; i < n_names; i++)
		if (streq(n->value, names[i])) {
			*ret = (int)i;
			return true;
		}
	char list[256] = "";
	for (size_t i = 0; i < n_names; i++) {
		size_t used = strlen(list);
		snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
	}
	const char *hint = closest(n->value, names, n_names);
	if (hint)
		err(L, n, "'%s': unknown value '%s'; did you mean '%s'?", key, n->value, hint);
	else
		err(L, n, "'%s': unknown value '%s' (one of: %s)", key, n->value, list);
	return false;
}

static const char *const proto_names[] = {
	[NSIM_PROTO_ALL] = "all",
	[NSIM_PROTO_TCP] = "tcp",
	[NSIM_PROTO_UDP] = "udp",
	[NSIM_PROTO_ICMP] = "icmp",
};

static bool get_proto(struct loader *L, const struct ynode *n, const char *key, enum nsim_proto *ret)
{
	int v;
	/* AWS also takes IP protocol numbers (and -1 for all): "Security group
	 * rules", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html */
	if (n && n->type == Y_SCALAR && n->value[0] &&
	    strspn(n->value + (n->value[0] == '-'), "0123456789") == strlen(n->value + (n->value[0] == '-'))) {
		err(L, n, "'%s': '%s' is an IP protocol number: AWS takes them, but netsim models tcp, udp, icmp "
			  "and all only (write all for -1); netsim does not model other protocols yet", key, n->value);
		return false;
	}
	if (!get_enum(L, n, key, proto_names, ELEMENTSOF(proto_names), &v))
		return false;
	*ret = (enum nsim_proto)v;
	return true;
}

/* "N" or "N-M", 0-65535. */
static int parse_port_range(const char *s, uint16_t *ret_from, uint16_t *ret_to)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long from = strtoul(s, &end, 10), to = from;
	if (errno || from > 65535)
		return -ERANGE;
	if (*end == '-') {
		s = end + 1;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		to = strtoul(s, &end, 10);
		if (errno || to > 65535)
			return -ERANGE;
	}
	if (*end != '\0')
		return -EINVAL;
	*ret_from = (uint16_t)from;
	*ret_to = (uint16_t)to;
	return 0;
}

/* ports: 3306 | "1024-65535" in SG and ACL rules (and ephemeral_ports:, key). */
static bool get_port_range(struct loader *L, const struct ynode *n, const char *key, uint16_t *ret_from,
			   uint16_t *ret_to, struct nsim_pos *ret_pos)
{
	if (!want_scalar(L, n, key))
		return false;
	uint16_t from, to;
	int r = parse_port_range(n->value, &from, &to);
	if (r == -ERANGE) {
		err(L, n, "'%s': '%s' is out of range: ports are 0 to 65535", key, n->value);
		return false;
	}
	if (r < 0) {
		if (strchr(n->value, '/'))
			err(L, n, "'%s': '%s': give the protocol in 'protocol:', and here only a port "
				  "(3306) or a range (1024-65535)", key, n->value);
		else
			err(L, n, "'%s': '%s' is not a port (3306) or a port range (1024-65535)", key, n->value);
		return false;
	}
	if (from > to) {
		err(L, n, "'%s': range %u-%u is backwards: write %u-%u", key, from, to, to, from);
		return false;
	}
	*ret_from = from;
	*ret_to = to;
	*ret_pos = npos(L, n);
	return true;
}

static bool get_ports(struct loader *L, const struct ynode *n, uint16_t *ret_from, uint16_t *ret_to,
		      struct nsim_pos *ret_pos)
{
	return get_port_range(L, n, "ports", ret_from, ret_to, ret_pos);
}

/* "3306/tcp", "8000-8010/tcp", "53/udp" */
static bool get_service(struct loader *L, const struct ynode *n, const char *key, struct nsim_service *ret)
{
	if (!want_scalar(L, n, key))
		return false;
	const char *slash = strrchr(n->value, '/');
	if (!slash) {
		err(L, n, "'%s': '%s' needs a protocol: write '%s/tcp' or '%s/udp'", key, n->value, n->value,
		    n->value);
		return false;
	}
	char num[32];
	size_t nlen = (size_t)(slash - n->value);
	if (nlen >= sizeof(num)) {
		err(L, n, "'%s': '%s' is not a port like 3306/tcp", key, n->value);
		return false;
	}
	memcpy(num, n->value, nlen);
	num[nlen] = '\0';
	enum nsim_proto proto;
	if (streq(slash + 1, "tcp"))
		proto = NSIM_PROTO_TCP;
	else if (streq(slash + 1, "udp"))
		proto = NSIM_PROTO_UDP;
	else {
		err(L, n, "'%s': unknown protocol '%s' in '%s': ports are tcp or udp (for ping, use "
			  "'protocol: icmp' without a port)", key, slash + 1, n->value);
		return false;
	}
	uint16_t from, to;
	int r = parse_port_range(num, &from, &to);
	if (r < 0 || from > to || from == 0) {
		err(L, n, "'%s': '%s' is not a port (1-65535) or an ascending range like 8000-8010/tcp", key,
		    n->value);
		return false;
	}
	*ret = (struct nsim_service){.from = from, .to = to, .proto = proto, .pos = npos(L, n)};
	return true;
}

/* ---- lists ---- */

/* A list node's items, or NULL with an error. A missing or null node is an empty list. */
static const struct ynode *want_seq(struct loader *L, const struct ynode *n, const char *key)
{
	if (!n || !visit(L, n))
		return NULL;
	if (is_null(n))
		return NULL;
	if (n->type != Y_SEQ) {
		err(L, n, "'%s' must be a list (- item, or [a, b]), not %s", key, type_name(n));
		return NULL;
	}
	return n;
}

#define ALLOC_ARRAY(L, ptr, count)                                                                   \
	((count) == 0 ? true                                                                         \
		      : ((ptr) = nsim_arena_alloc((L)->a, (count), sizeof(*(ptr)))) != NULL ||       \
				((L)->diags->oom = true, false))

static void get_services(struct loader *L, const struct ynode *n, const char *key,
			 struct nsim_service **ret, size_t *ret_n)
{
	if (!n)
		return;
	/* a single "3306/tcp" is accepted for a one-element list */
	if (n->type == Y_SCALAR && !is_null(n)) {
		if (!ALLOC_ARRAY(L, *ret, 1))
			return;
		if (get_service(L, n, key, &(*ret)[0]))
			*ret_n = 1;
		return;
	}
	const struct ynode *seq = want_seq(L, n, key);
	if (!seq || !ALLOC_ARRAY(L, *ret, seq->n))
		return;
	for (size_t i = 0; i < seq->n; i++)
		if (get_service(L, seq->items[i], key, &(*ret)[*ret_n]))
			(*ret_n)++;
}

static void get_refs(struct loader *L, const struct ynode *n, const char *key, struct nsim_ref **ret,
		     size_t *ret_n)
{
	const struct ynode *seq = want_seq(L, n, key);
	if (!seq || !ALLOC_ARRAY(L, *ret, seq->n))
		return;
	for (size_t i = 0; i < seq->n; i++) {
		struct nsim_ref r = {0};
		get_ref(L, seq->items[i], key, &r);
		if (r.name)
			(*ret)[(*ret_n)++] = r;
	}
}

/* Calls parse(L, item, &array[i]) for each item of a list of mappings. */
#define READ_LIST(L, node, key, array, count, parse)                                                 \
	do {                                                                                         \
		const struct ynode *seq_ = want_seq((L), (node), (key));                             \
		if (seq_ && ALLOC_ARRAY((L), (array), seq_->n)) {                                    \
			for (size_t i_ = 0; i_ < seq_->n && !(L)->fatal; i_++)                       \
				parse((L), seq_->items[i_], &(array)[i_]);                           \
			(count) = seq_->n;                                                           \
		}                                                                                    \
	} while (0)

/* run: [argv, ...] or run: "shell command"; command: likewise. */
static void get_argv(struct loader *L, const struct ynode *n, const char *key, struct nsim_argv *ret)
{
	if (!n || !visit(L, n))
		return;
	if (n->type == Y_SCALAR && !is_null(n)) {
		if (n->len == 0 || strspn(n->value, " \t") == n->len) {
			err(L, n, "'%s' is empty: give a command (a string run with /bin/sh -c, or a list: "
				  "[program, arg, ...])", key);
			return;
		}
		char **argv = nsim_arena_alloc(L->a, 2, sizeof(*argv));
		if (!argv) {
			L->diags->oom = true;
			return;
		}
		argv[0] = (char *)n->value;
		*ret = (struct nsim_argv){.pos = npos(L, n), .shell = true, .argv = argv, .argc = 1};
		return;
	}
	if (n->type != Y_SEQ) {
		err(L, n, "'%s' must be a command: a string (run with /bin/sh -c) or a list [program, arg, ...], "
			  "not %s", key, type_name(n));
		return;
	}
	if (n->n == 0) {
		err(L, n, "'%s' is an empty list: give at least the program, e.g. [mariadbd, --user=mysql]", key);
		return;
	}
	char **argv = nsim_arena_alloc(L->a, n->n + 1, sizeof(*argv));
	if (!argv) {
		L->diags->oom = true;
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		if (!visit(L, it))
			return;
		/* an argument may be empty (""), but not null, a list or a mapping */
		if (it->type != Y_SCALAR || (it->plain && is_null(it))) {
			err(L, it, "'%s': each argument must be a single value (quote it), not %s", key,
			    type_name(it));
			return;
		}
		argv[i] = (char *)it->value;
	}
	if (n->items[0]->len == 0) {
		err(L, n->items[0], "'%s': the program (the first item) is empty", key);
		return;
	}
	*ret = (struct nsim_argv){.pos = npos(L, n), .shell = false, .argv = argv, .argc = n->n};
}

/* A duration: "15s", "500ms", or a whole number of seconds; 1 ms to 1 hour. */
static bool get_duration_ms(struct loader *L, const struct ynode *n, const char *key, uint32_t *ret,
			    struct nsim_pos *ret_pos)
{
	if (!want_scalar(L, n, key))
		return false;
	const char *s = n->value;
	size_t digits = strspn(s, "0123456789");
	const char *unit = s + digits;
	unsigned long long mult;
	if (streq(unit, "") || streq(unit, "s"))
		mult = 1000;
	else if (streq(unit, "ms"))
		mult = 1;
	else if (streq(unit, "m"))
		mult = 60000;
	else
		mult = 0;
	if (digits == 0 || digits > 9 || mult == 0) {
		err(L, n, "'%s': '%s' is not a duration: write e.g. 15s, 500ms, 2m or a number of seconds", key,
		    s);
		return false;
	}
	unsigned long long v = strtoull(s, NULL, 10) * mult;
	if (v == 0 || v > 3600000ULL) {
		err(L, n, "'%s': %s is out of range: from 1ms to 1 hour (3600s)", key, s);
		return false;
	}
	*ret = (uint32_t)v;
	*ret_pos = npos(L, n);
	return true;
}

static bool get_bool(struct loader *L, const struct ynode *n, const char *key, bool *ret)
{
	if (!want_scalar(L, n, key))
		return false;
	if (streq(n->value, "true")) {
		*ret = true;
		return true;
	}
	if (streq(n->value, "false")) {
		*ret = false;
		return true;
	}
	err(L, n, "'%s' is true or false, not '%s'", key, n->value);
	return false;
}

/* `pl:NAME`: a prefix list where a CIDR could stand (route destinations,
 * security-group rule peers). AWS: "Managed prefix lists",
 * https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html */
static bool is_pl_ref(const struct ynode *n)
{
	return n->type == Y_SCALAR && strncmp(n->value, "pl:", 3) == 0;
}

/* The list's name (without "pl:") and its position. */
static void get_pl_ref(struct loader *L, const struct ynode *n, const char *key, struct nsim_ref *ret)
{
	if (!want_scalar(L, n, key))
		return;
	if (n->value[3] == '\0') {
		err(L, n, "'%s': 'pl:' needs the prefix list's name, e.g. pl:office or pl:s3", key);
		return;
	}
	ret->name = (char *)n->value + 3;
	ret->pos = npos(L, n);
}

/* ---- objects ---- */

static void read_subnet(struct loader *L, const struct ynode *n, struct nsim_subnet *s)
{
	static const struct key keys[] = {
		{"name", true}, {"cidr", true}, {"az", false}, {"route_table", false}, {"network_acl", false},
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	s->pos = npos(L, n);
	s->rt_idx = s->acl_idx = NSIM_NONE;
	if (!read_map(L, n, "subnet", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &s->name);
	if (v[1])
		get_cidr(L, v[1], "cidr", &s->cidr, &s->cidr_pos);
	get_ref(L, v[2], "az", &s->az);
	get_ref(L, v[3], "route_table", &s->route_table);
	get_ref(L, v[4], "network_acl", &s->network_acl);
}

static void read_route(struct loader *L, const struct ynode *n, struct nsim_route *r)
{
	static const struct key keys[] = {{"destination", true}, {"target", true}};
	const struct ynode *v[ELEMENTSOF(keys)];
	r->pos = npos(L, n);
	r->target_idx = NSIM_NONE;
	if (!read_map(L, n, "route", keys, ELEMENTSOF(keys), v))
		return;
	if (v[0] && is_pl_ref(v[0])) {
		get_pl_ref(L, v[0], "destination", &r->dest_list);
		r->dest_pos = r->dest_list.pos;
	} else if (v[0])
		get_cidr(L, v[0], "destination", &r->dest, &r->dest_pos);
	get_ref(L, v[1], "target", &r->target);
}

static void read_route_table(struct loader *L, const struct ynode *n, struct nsim_route_table *rt)
{
	static const struct key keys[] = {{"name", true}, {"routes", false}};
	const struct ynode *v[ELEMENTSOF(keys)];
	rt->pos = npos(L, n);
	if (!read_map(L, n, "route table", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &rt->name);
	READ_LIST(L, v[1], "routes", rt->routes, rt->n_routes, read_route);
}

static void read_nat(struct loader *L, const struct ynode *n, struct nsim_nat_gateway *g)
{
	static const struct key keys[] = {
		{"name", true}, {"subnet", true}, {"elastic_ip", true}, {"address", false},
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	g->pos = npos(L, n);
	g->subnet_idx = NSIM_NONE;
	if (!read_map(L, n, "NAT gateway", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &g->name);
	get_ref(L, v[1], "subnet", &g->subnet);
	if (v[2])
		get_addr(L, v[2], "elastic_ip", false, &g->elastic_ip, &g->elastic_ip_pos);
	if (v[3])
		get_addr(L, v[3], "address", true, &g->address, &g->address_pos);
}

/* The ports of a rule: required for tcp/udp, meaningless for all/icmp (AWS
 * ignores them there; netsim refuses them so a rule means what it says).
 * AWS: "Security group rules", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html */
static void read_rule_ports(struct loader *L, const struct ynode *rule, const struct ynode *ports,
			    bool *has_ports, uint16_t *from, uint16_t *to,
			    struct nsim_pos *pos)
{
	if (ports) {
		if (get_ports(L, ports, from, to, pos))
			*has_ports = true;
		return;
	}
	*from = 0;
	*to = 65535;
	*pos = npos(L, rule);
}

static void read_sg_rule(struct loader *L, const struct ynode *n, struct nsim_sg_rule *r,
			 const char *peer_key)
{
	const struct key keys[] = {
		{"protocol", true}, {"ports", false}, {peer_key, true}, {"description", false},
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	char what[64];
	snprintf(what, sizeof(what), "security group %s rule", streq(peer_key, "source") ? "ingress" : "egress");
	r->pos = npos(L, n);
	r->peer_vpc = r->peer_sg = NSIM_NONE;
	if (!read_map(L, n, what, keys, ELEMENTSOF(keys), v))
		return;
	if (v[0] && get_proto(L, v[0], "protocol", &r->proto))
		r->proto_pos = npos(L, v[0]);
	read_rule_ports(L, n, v[1], &r->has_ports, &r->port_from, &r->port_to, &r->ports_pos);
	get_ref(L, v[2], peer_key, &r->peer);
	/* `pl:NAME` stays as written in peer; validate/ resolves it to peer_pl */
	if (v[2] && is_pl_ref(v[2]) && v[2]->value[3] == '\0')
		err(L, v[2], "'%s': 'pl:' needs the prefix list's name, e.g. pl:office or pl:s3", peer_key);
	if (r->peer.name && r->peer.name[0] >= '0' && r->peer.name[0] <= '9') {
		r->peer_is_cidr = true;
		get_cidr(L, v[2], peer_key, &r->peer_cidr, &r->peer.pos);
	}
	get_ref(L, v[3], "description", &r->description);
}

static void read_sg_ingress(struct loader *L, const struct ynode *n, struct nsim_sg_rule *r)
{
	read_sg_rule(L, n, r, "source");
}

static void read_sg_egress(struct loader *L, const struct ynode *n, struct nsim_sg_rule *r)
{
	read_sg_rule(L, n, r, "destination");
}

static void read_sg(struct loader *L, const struct ynode *n, struct nsim_security_group *sg)
{
	static const struct key keys[] = {
		{"name", true}, {"description", false}, {"ingress", false}, {"egress", false},
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	sg->pos = npos(L, n);
	if (!read_map(L, n, "security group", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &sg->name);
	get_ref(L, v[1], "description", &sg->description);
	READ_LIST(L, v[2], "ingress", sg->ingress, sg->n_ingress, read_sg_ingress);
	/* absent egress: AWS's default allow-all rule; `egress: []`: none. AWS:
	 * "Security group rules", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html */
	sg->has_egress = v[3] != NULL;
	if (v[3] && is_null(v[3]))
		err(L, v[3], "'egress' is empty: write 'egress: []' for no outbound rules, or leave the key "
			     "out for AWS's default rule (all outbound allowed)");
	READ_LIST(L, v[3], "egress", sg->egress, sg->n_egress, read_sg_egress);
}

/* A network ACL rule's source or destination written as a name (a security
 * group, a prefix list): reported with AWS's reason. AWS: "Control subnet
 * traffic with network access control lists",
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
static bool acl_peer_is_name(struct loader *L, const struct ynode *n, const char *key)
{
	const char *s = n->type == Y_SCALAR ? n->value : NULL;
	if (!s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	if (strncmp(s, "pl:", 3) == 0)
		err(L, n, "'%s': '%s' is a prefix list: network ACL rules match CIDR blocks only (AWS), not prefix "
			  "lists; write one rule per CIDR of the list", key, s);
	else
		err(L, n, "'%s': '%s' is not a CIDR block: network ACL rules match CIDR blocks only (AWS), not "
			  "security groups; name '%s' in a security group rule instead (e.g. source: %s in the "
			  "destination's group), and give this ACL the CIDR of its members' subnet", key, s, s, s);
	return true;
}

static void read_acl_rule(struct loader *L, const struct ynode *n, struct nsim_acl_rule *r,
			  const char *peer_key)
{
	static const char *const actions[] = {[NSIM_ACL_DENY] = "deny", [NSIM_ACL_ALLOW] = "allow"};
	const struct key keys[] = {
		{"rule", true}, {"protocol", true}, {"ports", false}, {peer_key, true}, {"action", true},
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	char what[64];
	snprintf(what, sizeof(what), "network ACL %s rule", streq(peer_key, "source") ? "ingress" : "egress");
	r->pos = npos(L, n);
	if (!read_map(L, n, what, keys, ELEMENTSOF(keys), v))
		return;
	unsigned long num;
	/* the range check (1-32766) is the validator's, so it can name the AWS rule:
	 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html */
	if (v[0] && get_uint(L, v[0], "rule", 0, UINT32_MAX, &num)) {
		r->number = (uint32_t)num;
		r->number_pos = npos(L, v[0]);
	}
	if (v[1])
		get_proto(L, v[1], "protocol", &r->proto);
	read_rule_ports(L, n, v[2], &r->has_ports, &r->port_from, &r->port_to, &r->ports_pos);
	/* Network ACL rules match CIDR blocks; prefix lists are for routes and
	 * security groups. AWS: "Control subnet traffic with network access
	 * control lists", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html */
	if (v[3] && is_pl_ref(v[3]))
		err(L, v[3], "'%s': a network ACL rule cannot name a prefix list ('%s'): AWS network ACL rules "
			     "match a CIDR block only; write the CIDR, one rule per block",
		    peer_key, v[3]->value);
	else if (v[3] && !acl_peer_is_name(L, v[3], peer_key))
		get_cidr(L, v[3], peer_key, &r->cidr, &r->cidr_pos);
	int action;
	if (v[4] && get_enum(L, v[4], "action", actions, ELEMENTSOF(actions), &action))
		r->action = (enum nsim_acl_action)action;
}

static void read_acl_ingress(struct loader *L, const struct ynode *n, struct nsim_acl_rule *r)
{
	read_acl_rule(L, n, r, "source");
}

static void read_acl_egress(struct loader *L, const struct ynode *n, struct nsim_acl_rule *r)
{
	read_acl_rule(L, n, r, "destination");
}

static void read_acl(struct loader *L, const struct ynode *n, struct nsim_network_acl *acl)
{
	static const struct key keys[] = {{"name", true}, {"ingress", false}, {"egress", false}};
	const struct ynode *v[ELEMENTSOF(keys)];
	acl->pos = npos(L, n);
	if (!read_map(L, n, "network ACL", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &acl->name);
	READ_LIST(L, v[1], "ingress", acl->ingress, acl->n_ingress, read_acl_ingress);
	READ_LIST(L, v[2], "egress", acl->egress, acl->n_egress, read_acl_egress);
}

static void read_host(struct loader *L, const struct ynode *n, struct nsim_host *h)
{
	static const char *const kinds[] = {
		[NSIM_HOST_INSTANCE] = "instance",
		[NSIM_HOST_FUNCTION] = "function",
		[NSIM_HOST_PROXY] = "proxy",
		[NSIM_HOST_DATABASE] = "database",
	};
	static const struct key keys[] = {
		{"name", true},	     {"kind", false},		 {"subnet", true}, {"address", false},
		{"public_ip", false}, {"security_groups", false}, {"listen", false},
		{"run", false},	     {"ready_timeout", false},	 {"dns_names", false}, {"targets", false},
		{"os", false},	     {"ephemeral_ports", false},
	};
	static const char *const oses[] = {[NSIM_OS_LINUX] = "linux", [NSIM_OS_WINDOWS] = "windows"};
	const struct ynode *v[ELEMENTSOF(keys)];
	h->pos = npos(L, n);
	h->subnet_idx = NSIM_NONE;
	if (!read_map(L, n, "host", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &h->name);
	int kind;
	if (v[1] && get_enum(L, v[1], "kind", kinds, ELEMENTSOF(kinds), &kind))
		h->kind = (enum nsim_host_kind)kind;
	get_ref(L, v[2], "subnet", &h->subnet);
	if (v[3])
		get_addr(L, v[3], "address", true, &h->address, &h->address_pos);
	if (v[4])
		get_addr(L, v[4], "public_ip", true, &h->public_ip, &h->public_ip_pos);
	get_refs(L, v[5], "security_groups", &h->security_groups, &h->n_security_groups);
	get_services(L, v[6], "listen", &h->listen, &h->n_listen);
	get_argv(L, v[7], "run", &h->run);
	if (v[8])
		get_duration_ms(L, v[8], "ready_timeout", &h->ready_timeout_ms, &h->ready_timeout_pos);
	get_refs(L, v[9], "dns_names", &h->dns_names, &h->n_dns_names);
	int os;
	if (v[11] && get_enum(L, v[11], "os", oses, ELEMENTSOF(oses), &os)) {
		h->os = (enum nsim_os)os;
		h->os_pos = npos(L, v[11]);
	}
	if (v[12])
		get_port_range(L, v[12], "ephemeral_ports", &h->ephemeral.from, &h->ephemeral.to, &h->ephemeral_pos);
	const struct ynode *targets = v[10] ? want_seq(L, v[10], "targets") : NULL;
	if (targets && ALLOC_ARRAY(L, h->targets, targets->n))
		for (size_t i = 0; i < targets->n; i++) {
			struct nsim_endpoint *ep = &h->targets[h->n_targets];
			get_ref(L, targets->items[i], "targets", &ep->ref);
			if (ep->ref.name)
				h->n_targets++;
		}
}

static void read_vpc_endpoint(struct loader *L, const struct ynode *n, struct nsim_vpc_endpoint *e)
{
	static const char *const types[] = {[NSIM_VPCE_INTERFACE] = "interface", [NSIM_VPCE_GATEWAY] = "gateway"};
	static const struct key keys[] = {
		{"name", true},		   {"type", true},	   {"service", true},	   {"subnets", false},
		{"security_groups", false}, {"private_dns", false}, {"route_tables", false},
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	e->pos = npos(L, n);
	e->private_dns = true; /* AWS's default for an AWS service's interface endpoint */
	e->private_dns_pos = e->pos;
	e->type_pos = e->pos;
	if (!read_map(L, n, "VPC endpoint", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &e->name);
	int type;
	if (v[1] && get_enum(L, v[1], "type", types, ELEMENTSOF(types), &type)) {
		e->type = (enum nsim_vpce_type)type;
		e->type_pos = npos(L, v[1]);
	}
	get_ref(L, v[2], "service", &e->service);
	get_refs(L, v[3], "subnets", &e->subnets, &e->n_subnets);
	get_refs(L, v[4], "security_groups", &e->security_groups, &e->n_security_groups);
	if (v[5] && get_bool(L, v[5], "private_dns", &e->private_dns))
		e->private_dns_pos = npos(L, v[5]);
	get_refs(L, v[6], "route_tables", &e->route_tables, &e->n_route_tables);
}

static void read_prefix_list(struct loader *L, const struct ynode *n, struct nsim_prefix_list *pl)
{
	static const struct key keys[] = {{"name", true}, {"cidrs", true}, {"max_entries", false}};
	const struct ynode *v[ELEMENTSOF(keys)];
	pl->pos = npos(L, n);
	if (!read_map(L, n, "prefix list", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &pl->name);
	const struct ynode *seq = v[1] ? want_seq(L, v[1], "cidrs") : NULL;
	if (seq && ALLOC_ARRAY(L, pl->cidrs, seq->n) && ALLOC_ARRAY(L, pl->cidr_pos, seq->n))
		for (size_t i = 0; i < seq->n; i++)
			if (get_cidr(L, seq->items[i], "cidrs", &pl->cidrs[pl->n_cidrs], &pl->cidr_pos[pl->n_cidrs]))
				pl->n_cidrs++;
	unsigned long max;
	/* the range (1 to 1000) is the validator's, so it can name the AWS quota */
	if (v[2] && get_uint(L, v[2], "max_entries", 0, UINT32_MAX, &max)) {
		pl->max_entries = (uint32_t)max;
		pl->max_entries_pos = npos(L, v[2]);
	}
}

static void read_vpc(struct loader *L, const struct ynode *n, struct nsim_vpc *vpc)
{
	static const struct key keys[] = {
		{"name", true},		    {"cidr", true},		 {"internet_gateway", false},
		{"main_route_table", false}, {"subnets", false},	 {"route_tables", false},
		{"nat_gateways", false},    {"security_groups", false}, {"network_acls", false},
		{"hosts", false},	    {"dns_support", false},	 {"dns_hostnames", false},
		{"endpoints", false},	    {"prefix_lists", false},
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	vpc->pos = npos(L, n);
	vpc->main_rt_idx = NSIM_NONE;
	vpc->dns_support = true; /* AWS's default for every VPC */
	vpc->dns_support_pos = vpc->pos;
	vpc->dns_hostnames = false; /* AWS's default for a VPC made with the API or CloudFormation */
	vpc->dns_hostnames_pos = vpc->pos;
	if (!read_map(L, n, "VPC", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &vpc->name);
	if (v[1])
		get_cidr(L, v[1], "cidr", &vpc->cidr, &vpc->cidr_pos);
	get_ref(L, v[2], "internet_gateway", &vpc->internet_gateway);
	get_ref(L, v[3], "main_route_table", &vpc->main_route_table);
	READ_LIST(L, v[4], "subnets", vpc->subnets, vpc->n_subnets, read_subnet);
	READ_LIST(L, v[5], "route_tables", vpc->route_tables, vpc->n_route_tables, read_route_table);
	READ_LIST(L, v[6], "nat_gateways", vpc->nat_gateways, vpc->n_nat_gateways, read_nat);
	READ_LIST(L, v[7], "security_groups", vpc->security_groups, vpc->n_security_groups, read_sg);
	READ_LIST(L, v[8], "network_acls", vpc->network_acls, vpc->n_network_acls, read_acl);
	READ_LIST(L, v[9], "hosts", vpc->hosts, vpc->n_hosts, read_host);
	if (v[10] && get_bool(L, v[10], "dns_support", &vpc->dns_support))
		vpc->dns_support_pos = npos(L, v[10]);
	if (v[11] && get_bool(L, v[11], "dns_hostnames", &vpc->dns_hostnames))
		vpc->dns_hostnames_pos = npos(L, v[11]);
	READ_LIST(L, v[12], "endpoints", vpc->endpoints, vpc->n_endpoints, read_vpc_endpoint);
	READ_LIST(L, v[13], "prefix_lists", vpc->prefix_lists, vpc->n_prefix_lists, read_prefix_list);
}

static void read_peering(struct loader *L, const struct ynode *n, struct nsim_peering *p)
{
	static const struct key keys[] = {{"name", true}, {"between", true}};
	const struct ynode *v[ELEMENTSOF(keys)];
	p->pos = npos(L, n);
	p->vpc_idx[0] = p->vpc_idx[1] = NSIM_NONE;
	if (!read_map(L, n, "peering", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &p->name);
	const struct ynode *seq = v[1] ? want_seq(L, v[1], "between") : NULL;
	if (v[1] && is_null(v[1])) {
		err(L, v[1], "'between' names exactly two VPCs, not none");
		return;
	}
	if (!seq)
		return;
	if (seq->n != 2) {
		err(L, seq, "'between' names exactly two VPCs, not %zu", seq->n);
		return;
	}
	get_ref(L, seq->items[0], "between", &p->between[0]);
	get_ref(L, seq->items[1], "between", &p->between[1]);
}

static void read_inet_host(struct loader *L, const struct ynode *n, struct nsim_inet_host *h)
{
	static const struct key keys[] = {
		{"name", true},	      {"address", true}, {"listen", false},
		{"dns_names", false}, {"service", false}, {"region", false},
		{"ephemeral_ports", false},
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	h->pos = npos(L, n);
	if (!read_map(L, n, "internet host", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &h->name);
	if (v[1])
		get_addr(L, v[1], "address", false, &h->address, &h->address_pos);
	get_services(L, v[2], "listen", &h->listen, &h->n_listen);
	get_refs(L, v[3], "dns_names", &h->dns_names, &h->n_dns_names);
	get_ref(L, v[4], "service", &h->service);
	get_ref(L, v[5], "region", &h->region);
	if (v[6])
		get_port_range(L, v[6], "ephemeral_ports", &h->ephemeral.from, &h->ephemeral.to, &h->ephemeral_pos);
}

static void read_endpoint(struct loader *L, const struct ynode *n, const char *key, struct nsim_endpoint *ep)
{
	get_ref(L, n, key, &ep->ref);
	if (ep->ref.name && nsim_addr_parse(ep->ref.name, &ep->addr) == 0)
		ep->kind = NSIM_EP_ADDRESS;
}

static void read_expect(struct loader *L, const struct ynode *n, struct nsim_expect *e)
{
	static const char *const verdicts[] = {
		[NSIM_VERDICT_REACHABLE] = "reachable",
		[NSIM_VERDICT_UNREACHABLE] = "unreachable",
		[NSIM_VERDICT_SUCCEEDS] = "succeeds",
		[NSIM_VERDICT_FAILS] = "fails",
		[NSIM_VERDICT_INTERMITTENT] = "intermittent",
	};
	/* `to` is required of probes only: a command: expectation has none */
	static const struct key keys[] = {
		{"name", false},     {"from", true},	     {"to", false},  {"port", false},
		{"protocol", false}, {"verdict", true}, {"seen_source", false}, {"via", false},
		{"reaches", false},  {"command", false}, {"timeout", false}, {"blocked_by", false},
		{"derived", false},
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	e->pos = npos(L, n);
	if (!read_map(L, n, "expectation", keys, ELEMENTSOF(keys), v))
		return;
	if (!v[2] && !v[9])
		err(L, n, "expectation is missing the required key 'to'");
	if (v[2] && v[9])
		err(L, v[2], "'to' and 'command' do not go together: a command expectation runs 'command' in "
			     "'from' (name its destinations inside the command); a probe expectation has 'to'");
	get_ref(L, v[0], "name", &e->name);
	read_endpoint(L, v[1], "from", &e->from);
	if (v[2])
		read_endpoint(L, v[2], "to", &e->to);
	if (v[3] && get_service(L, v[3], "port", &e->port)) {
		e->has_port = true;
		e->proto = e->port.proto;
		e->proto_pos = e->port.pos;
		if (e->port.from != e->port.to) {
			err(L, v[3], "'port': an expectation probes one port, not the range '%s'", v[3]->value);
			e->has_port = false;
		}
	}
	if (v[4]) {
		enum nsim_proto p;
		if (get_proto(L, v[4], "protocol", &p)) {
			if (p == NSIM_PROTO_ALL)
				err(L, v[4], "'protocol': an expectation probes one protocol: tcp, udp or icmp");
			else if (e->has_port && p != e->port.proto)
				err(L, v[4], "'protocol: %s' contradicts 'port: %s'", proto_names[p], v[3]->value);
			else if (p == NSIM_PROTO_ICMP && v[3])
				err(L, v[3], "'port' does not apply to icmp: remove it");
			else {
				e->proto = p;
				e->proto_pos = npos(L, v[4]);
			}
		}
	}
	int verdict;
	if (v[5] && get_enum(L, v[5], "verdict", verdicts, ELEMENTSOF(verdicts), &verdict)) {
		e->verdict = (enum nsim_verdict)verdict;
		e->verdict_pos = npos(L, v[5]);
	}
	if (v[6]) {
		e->has_seen_source = true;
		read_endpoint(L, v[6], "seen_source", &e->seen_source);
	}
	const struct ynode *via = v[7] ? want_seq(L, v[7], "via") : NULL;
	if (via && ALLOC_ARRAY(L, e->via, via->n))
		for (size_t i = 0; i < via->n; i++) {
			get_ref(L, via->items[i], "via", &e->via[e->n_via].ref);
			if (e->via[e->n_via].ref.name)
				e->n_via++;
		}
	if (v[8]) {
		e->has_reaches = true;
		read_endpoint(L, v[8], "reaches", &e->reaches);
	}
	get_argv(L, v[9], "command", &e->command);
	if (v[10])
		get_duration_ms(L, v[10], "timeout", &e->timeout_ms, &e->timeout_pos);
	get_ref(L, v[11], "blocked_by", &e->blocked_by);
	if (v[12])
		(void)get_bool(L, v[12], "derived", &e->derived);
}

static void read_internet(struct loader *L, const struct ynode *n)
{
	static const struct key keys[] = {{"hosts", false}};
	const struct ynode *v[ELEMENTSOF(keys)];
	if (is_null(n) || !read_map(L, n, "internet", keys, ELEMENTSOF(keys), v))
		return;
	READ_LIST(L, v[0], "hosts", L->t->inet_hosts, L->t->n_inet_hosts, read_inet_host);
}

static void read_dns_record(struct loader *L, const struct ynode *n, struct nsim_dns_record *r)
{
	static const char *const types[] = {[NSIM_DNS_A] = "A", [NSIM_DNS_CNAME] = "CNAME"};
	static const struct key keys[] = {{"name", true}, {"type", true}, {"value", true}};
	const struct ynode *v[ELEMENTSOF(keys)];
	r->pos = npos(L, n);
	if (!read_map(L, n, "DNS record", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &r->name);
	int type;
	/* netsim rule: only A and CNAME records; other types are not modelled */
	if (v[1] && get_enum(L, v[1], "type", types, ELEMENTSOF(types), &type)) {
		r->type = (enum nsim_dns_type)type;
		r->type_pos = npos(L, v[1]);
	}
	get_ref(L, v[2], "value", &r->value);
}

static void read_private_zone(struct loader *L, const struct ynode *n, struct nsim_private_zone *z)
{
	static const struct key keys[] = {{"name", true}, {"vpcs", true}, {"records", false}};
	const struct ynode *v[ELEMENTSOF(keys)];
	z->pos = npos(L, n);
	if (!read_map(L, n, "private hosted zone", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &z->name);
	get_refs(L, v[1], "vpcs", &z->vpcs, &z->n_vpcs);
	READ_LIST(L, v[2], "records", z->records, z->n_records, read_dns_record);
}

static void read_route53(struct loader *L, const struct ynode *n)
{
	static const struct key keys[] = {{"private_zones", false}};
	const struct ynode *v[ELEMENTSOF(keys)];
	if (is_null(n) || !read_map(L, n, "route53", keys, ELEMENTSOF(keys), v))
		return;
	READ_LIST(L, v[0], "private_zones", L->t->private_zones, L->t->n_private_zones, read_private_zone);
}

static void read_topology(struct loader *L, const struct ynode *root)
{
	static const struct key keys[] = {
		{"name", true},	     {"description", false}, {"vpcs", false},
		{"peerings", false}, {"internet", false},    {"expect", false},
		{"region", false},   {"route53", false},
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	struct nsim_topology *t = L->t;
	if (!read_map(L, root, "the topology", keys, ELEMENTSOF(keys), v))
		return;
	get_ref(L, v[0], "name", &t->name);
	get_ref(L, v[1], "description", &t->description);
	READ_LIST(L, v[2], "vpcs", t->vpcs, t->n_vpcs, read_vpc);
	READ_LIST(L, v[3], "peerings", t->peerings, t->n_peerings, read_peering);
	if (v[4])
		read_internet(L, v[4]);
	READ_LIST(L, v[5], "expect", t->expects, t->n_expects, read_expect);
	get_ref(L, v[6], "region", &t->region);
	if (v[7])
		read_route53(L, v[7]);
}

int nsim_load_buffer(const char *file, const char *data, size_t len, struct nsim_diags *diags,
		     struct nsim_topology **ret_topo)
{
	struct nsim_topology *t = nsim_topology_new(file);
	if (!t)
		return -ENOMEM;
	struct loader L = {.t = t, .a = t->arena, .diags = diags, .n_errors_at_start = diags->n_errors};
	struct nsim_pos start = {.file = t->file, .line = 1, .col = 1};
	struct ynode *root = NULL;
	int r;

	if (len > NSIM_LOAD_MAX_BYTES) {
		nsim_diag_error(diags, start, "file is %zu bytes; the limit is %u bytes (8 MiB)", len,
				NSIM_LOAD_MAX_BYTES);
		r = -EINVAL;
		goto out;
	}
	/* the tree lives in the topology's arena: its strings become the model's */
	r = nsim_yaml_tree_parse(t->arena, t->file, data, len, diags, &root);
	if (r < 0)
		goto out;
	if (!root || is_null(root)) {
		nsim_diag_error(diags, start, "the file is empty: a topology needs at least 'name:'");
		r = -EINVAL;
		goto out;
	}
	read_topology(&L, root);
	r = diags->oom ? -ENOMEM : diags->n_errors > L.n_errors_at_start ? -EINVAL : 0;
out:
	if (r < 0) {
		nsim_topology_free(t);
		return r;
	}
	*ret_topo = t;
	return 0;
}

int nsim_load_file(const char *path, struct nsim_diags *diags, struct nsim_topology **ret_topo)
{
	return nsim_load_file_text(path, diags, ret_topo, NULL);
}

const char *nsim_load_strerror(int r)
{
	switch (r) {
	case -EINVAL:
		return "not a regular file: give a topology file, or '-' for standard input";
	case -EISDIR:
		return "is a directory, not a topology file";
	case -EFBIG:
		return "larger than the limit of 8388608 bytes (8 MiB)";
	default:
		return strerror(-r);
	}
}

int nsim_load_read(const char *path, char **ret_text, size_t *ret_len)
{
	return nsim_file_read(path, NSIM_LOAD_MAX_BYTES, ret_text, ret_len);
}

int nsim_load_file_text(const char *path, struct nsim_diags *diags, struct nsim_topology **ret_topo,
			char **ret_text)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = nsim_load_read(path, &buf, &len);
	if (r < 0) {
		nsim_diag_error(diags, (struct nsim_pos){.file = path}, "%s", nsim_load_strerror(r));
		return r;
	}
	struct nsim_topology *t = NULL;
	r = nsim_load_buffer(streq(path, "-") ? "<stdin>" : path, buf, len, diags, &t);
	if (r < 0)
		return r;
	*ret_topo = t;
	if (ret_text)
		*ret_text = TAKE_PTR(buf);
	return 0;
}
