/* SPDX-License-Identifier: MIT */
/*
 * Who can reach what, for every listening port of every host and internet
 * host, from every host and internet host: the matrix of `analyze --matrix`.
 *
 * 10,000 hosts make 100 million pairs, too many to walk one by one. Hosts
 * the walk cannot tell apart get the same verdicts, so they form a class
 * and the matrix is walked once per pair of classes (a representative of
 * each), then read per host. Two hosts are alike when everything the walk
 * reads about a host as source or destination is the same: its VPC and
 * subnet (route table, ACL, local route), its groups in order (its rules,
 * and group references to it), its listeners, its ephemeral ports, whether
 * it has a public IP, its kind; and, for the addresses themselves (private
 * and public), which of the topology's CIDRs contain them: every VPC,
 * subnet, route destination, security-group and ACL rule peer and prefix
 * list entry. A rule for a /32 thus puts its host in a class of its own.
 * Internet hosts are each their own class. tests/unit/test_matrix.c holds
 * the result against the host-by-host walk on random topologies.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze-internal.h"
#include "model/net.h"
#include "model/util.h"

/* The topology's CIDRs, sorted and unique: what an address is tested against. */
struct cidrs {
	struct nsim_cidr *c;
	size_t n, cap;
};

static int cidrs_add(struct cidrs *s, struct nsim_cidr c)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct nsim_cidr *n = reallocarray(s->c, cap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->c = n;
		s->cap = cap;
	}
	s->c[s->n++] = c;
	return 0;
}

static int cidrs_add_pl(struct cidrs *s, const struct nsim_prefix_list *pl)
{
	int r = 0;
	for (size_t i = 0; pl && i < pl->n_cidrs && r >= 0; i++)
		r = cidrs_add(s, pl->cidrs[i]);
	return r;
}

static int cidrs_add_sg_rules(struct cidrs *s, const struct nsim_sg_rule *rules, size_t n)
{
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (rules[i].peer_is_cidr)
			r = cidrs_add(s, rules[i].peer_cidr);
		else
			r = cidrs_add_pl(s, rules[i].peer_pl);
	}
	return r;
}

static int cidrs_add_acl_rules(struct cidrs *s, const struct nsim_acl_rule *rules, size_t n)
{
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++)
		r = cidrs_add(s, rules[i].cidr);
	return r;
}

static int cmp_cidr(const void *a, const void *b)
{
	const struct nsim_cidr *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int collect_cidrs(const struct nsim_topology *t, struct cidrs *s)
{
	int r = 0;
	for (size_t v = 0; v < t->n_vpcs && r >= 0; v++) {
		const struct nsim_vpc *vpc = &t->vpcs[v];
		r = cidrs_add(s, vpc->cidr);
		for (size_t i = 0; i < vpc->n_subnets && r >= 0; i++)
			r = cidrs_add(s, vpc->subnets[i].cidr);
		for (size_t i = 0; i < vpc->n_route_tables && r >= 0; i++)
			for (size_t k = 0; k < vpc->route_tables[i].n_routes && r >= 0; k++) {
				const struct nsim_route *rt = &vpc->route_tables[i].routes[k];
				r = rt->dest_pl ? cidrs_add_pl(s, rt->dest_pl) : cidrs_add(s, rt->dest);
			}
		for (size_t i = 0; i < vpc->n_security_groups && r >= 0; i++) {
			const struct nsim_security_group *g = &vpc->security_groups[i];
			if ((r = cidrs_add_sg_rules(s, g->ingress, g->n_ingress)) >= 0)
				r = cidrs_add_sg_rules(s, g->egress, g->n_egress);
		}
		for (size_t i = 0; i < vpc->n_network_acls && r >= 0; i++) {
			const struct nsim_network_acl *acl = &vpc->network_acls[i];
			if ((r = cidrs_add_acl_rules(s, acl->ingress, acl->n_ingress)) >= 0)
				r = cidrs_add_acl_rules(s, acl->egress, acl->n_egress);
		}
		for (size_t i = 0; i < vpc->n_prefix_lists && r >= 0; i++)
			r = cidrs_add_pl(s, &vpc->prefix_lists[i]);
	}
	for (size_t i = 0; i < t->n_aws_prefix_lists && r >= 0; i++)
		r = cidrs_add_pl(s, &t->aws_prefix_lists[i]);
	if (r < 0)
		return r;
	if (s->n)
		qsort(s->c, s->n, sizeof(*s->c), cmp_cidr);
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		if (!k || cmp_cidr(&s->c[k - 1], &s->c[i]) != 0)
			s->c[k++] = s->c[i];
	s->n = k;
	return 0;
}

/* Each source's key: words compared as a whole. */
struct keys {
	uint64_t *w;   /* n_src rows of `len` words */
	size_t len;
};

static const uint64_t *key_of(const struct keys *k, size_t i)
{
	return &k->w[i * k->len];
}

/* Host h's key into w (len words, zeroed): fixed fields, then variable
 * ones, then the CIDR bits of both addresses. The widths are the
 * topology's maxima, so unused words stay zero. */
static void host_key(const struct nsim_host *h, size_t v, const struct cidrs *c, size_t max_sg, size_t max_listen,
		     uint64_t *w)
{
	size_t p = 0;
	w[p++] = 1; /* a host */
	w[p++] = v;
	w[p++] = h->subnet_idx;
	w[p++] = (uint64_t)h->kind << 32 | (uint64_t)h->os << 16 | (h->public_ip != 0);
	w[p++] = (uint64_t)h->ephemeral.from << 16 | h->ephemeral.to;
	w[p++] = h->n_security_groups;
	for (size_t k = 0; k < max_sg; k++)
		w[p++] = k < h->n_security_groups ? h->sg_idx[k] + 1 : 0;
	w[p++] = h->n_listen;
	for (size_t k = 0; k < max_listen; k++)
		w[p++] = k < h->n_listen ? (uint64_t)h->listen[k].proto << 32 | (uint64_t)h->listen[k].from << 16 |
						  h->listen[k].to
					 : 0;
	uint64_t *bits = &w[p];
	for (size_t k = 0; k < c->n; k++) {
		if (nsim_cidr_contains_addr(c->c[k], h->address))
			bits[(2 * k) / 64] |= 1ULL << ((2 * k) % 64);
		if (h->public_ip && nsim_cidr_contains_addr(c->c[k], h->public_ip))
			bits[(2 * k + 1) / 64] |= 1ULL << ((2 * k + 1) % 64);
	}
}

static int cmp_src(const void *a, const void *b, void *keys)
{
	const struct keys *k = keys;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = memcmp(key_of(k, x), key_of(k, y), k->len * sizeof(uint64_t));
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

static void add_source(struct nsim_matrix *m, struct nsim_endpoint ep, const char *name)
{
	m->src[m->n_src] = ep;
	m->src_name[m->n_src++] = name;
}

static int add_services(struct nsim_matrix *m, size_t *cap, size_t src, const struct nsim_service *listen, size_t n)
{
	for (size_t l = 0; l < n; l++) {
		if (m->n_svc == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct nsim_matrix_service *s = reallocarray(m->svc, ncap, sizeof(*s));
			if (!s)
				return -ENOMEM;
			m->svc = s;
			*cap = ncap;
		}
		m->svc[m->n_svc++] = (struct nsim_matrix_service){
			.src = src, .listen = l, .port = listen[l].from, .proto = listen[l].proto};
	}
	return 0;
}

/* The sources (hosts in file order, then internet hosts) and the services. */
static int list_endpoints(const struct nsim_topology *t, struct nsim_matrix *m)
{
	size_t n = t->n_inet_hosts, cap = 0;
	int r = 0;
	for (size_t v = 0; v < t->n_vpcs; v++)
		n += t->vpcs[v].n_hosts;
	m->src = calloc(n ? n : 1, sizeof(*m->src));
	m->src_name = calloc(n ? n : 1, sizeof(*m->src_name));
	m->src_class = calloc(n ? n : 1, sizeof(*m->src_class));
	if (!m->src || !m->src_name || !m->src_class)
		return -ENOMEM;
	for (size_t v = 0; v < t->n_vpcs && r >= 0; v++)
		for (size_t i = 0; i < t->vpcs[v].n_hosts && r >= 0; i++) {
			const struct nsim_host *h = &t->vpcs[v].hosts[i];
			add_source(m, (struct nsim_endpoint){.kind = NSIM_EP_HOST, .vpc = v, .idx = i}, h->name.name);
			r = add_services(m, &cap, m->n_src - 1, h->listen, h->n_listen);
		}
	for (size_t i = 0; i < t->n_inet_hosts && r >= 0; i++) {
		const struct nsim_inet_host *h = &t->inet_hosts[i];
		add_source(m, (struct nsim_endpoint){.kind = NSIM_EP_INET_HOST, .vpc = NSIM_NONE, .idx = i}, h->name.name);
		r = add_services(m, &cap, m->n_src - 1, h->listen, h->n_listen);
	}
	return r;
}

/* The classes: m->src_class, m->members and m->class_start. */
static int classify(const struct nsim_topology *t, struct nsim_matrix *m, bool per_host)
{
	_cleanup_free_ uint64_t *w = NULL;
	_cleanup_free_ size_t *order = NULL, *first = NULL;
	struct cidrs c = {0};
	struct keys k = {0};
	size_t max_sg = 0, max_listen = 0;
	int r = per_host ? 0 : collect_cidrs(t, &c);
	if (r < 0)
		goto out;
	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++) {
			const struct nsim_host *h = &t->vpcs[v].hosts[i];
			max_sg = h->n_security_groups > max_sg ? h->n_security_groups : max_sg;
			max_listen = h->n_listen > max_listen ? h->n_listen : max_listen;
		}
	k.len = 7 + max_sg + max_listen + (2 * c.n + 63) / 64;
	r = -ENOMEM;
	w = calloc(m->n_src ? m->n_src * k.len : 1, sizeof(*w));
	order = calloc(m->n_src ? m->n_src : 1, sizeof(*order));
	m->members = calloc(m->n_src ? m->n_src : 1, sizeof(*m->members));
	m->class_start = calloc(m->n_src + 1, sizeof(*m->class_start));
	if (!w || !order || !m->members || !m->class_start)
		goto out;
	k.w = w;
	for (size_t i = 0; i < m->n_src; i++) {
		uint64_t *key = &w[i * k.len];
		const struct nsim_endpoint *e = &m->src[i];
		order[i] = i;
		if (per_host || e->kind != NSIM_EP_HOST) {
			key[0] = 2, key[1] = i; /* a class of its own */
			continue;
		}
		host_key(&t->vpcs[e->vpc].hosts[e->idx], e->vpc, &c, max_sg, max_listen, key);
	}
	qsort_r(order, m->n_src, sizeof(*order), cmp_src, &k);
	/* classes numbered by their first member, so output follows the file */
	first = calloc(m->n_src ? m->n_src : 1, sizeof(*first));
	if (!first)
		goto out;
	size_t n = 0;
	for (size_t j = 0; j < m->n_src; j++) {
		if (j && memcmp(key_of(&k, order[j - 1]), key_of(&k, order[j]), k.len * sizeof(uint64_t)) == 0) {
			m->src_class[order[j]] = m->src_class[order[j - 1]];
			continue;
		}
		m->src_class[order[j]] = n++;
	}
	/* renumber: by first member in source order */
	for (size_t i = 0; i < n; i++)
		first[i] = NSIM_NONE;
	size_t next = 0;
	for (size_t i = 0; i < m->n_src; i++)
		if (first[m->src_class[i]] == NSIM_NONE)
			first[m->src_class[i]] = next++;
	for (size_t i = 0; i < m->n_src; i++) {
		m->src_class[i] = first[m->src_class[i]];
		m->class_start[m->src_class[i] + 1]++;
	}
	m->n_classes = n;
	for (size_t i = 0; i < n; i++)
		m->class_start[i + 1] += m->class_start[i];
	/* members by class, each in source order: first[] reused as a cursor */
	for (size_t i = 0; i < n; i++)
		first[i] = m->class_start[i];
	for (size_t i = 0; i < m->n_src; i++)
		m->members[first[m->src_class[i]]++] = i;
	r = 0;
out:
	free(c.c);
	return r;
}

/* The rows: one per (destination class, listen entry), in order of first use. */
static int rows(struct nsim_matrix *m)
{
	size_t n_keys = m->n_classes;
	size_t max_listen = 0;
	for (size_t s = 0; s < m->n_svc; s++)
		max_listen = m->svc[s].listen + 1 > max_listen ? m->svc[s].listen + 1 : max_listen;
	if (!m->n_svc)
		return 0;
	_cleanup_free_ size_t *row_of = malloc(n_keys * max_listen * sizeof(*row_of));
	m->row_svc = calloc(m->n_svc, sizeof(*m->row_svc));
	if (!row_of || !m->row_svc)
		return -ENOMEM;
	for (size_t i = 0; i < n_keys * max_listen; i++)
		row_of[i] = NSIM_NONE;
	for (size_t s = 0; s < m->n_svc; s++) {
		size_t *slot = &row_of[m->src_class[m->svc[s].src] * max_listen + m->svc[s].listen];
		if (*slot == NSIM_NONE) {
			*slot = m->n_rows;
			m->row_svc[m->n_rows++] = s;
		}
		m->svc[s].row = *slot;
	}
	return 0;
}

/* Every cell: a representative of the source class to a representative of
 * the row's service class, not the same endpoint (a class of one has no
 * cell with itself). */
static int walk_cells(const struct nsim_analyzer *an, struct nsim_matrix *m)
{
	const struct nsim_topology *t = an->t;
	size_t n = m->n_rows * m->n_classes;
	m->cells = malloc((n ? n : 1) * sizeof(*m->cells));
	if (!m->cells)
		return -ENOMEM;
	for (size_t row = 0; row < m->n_rows; row++) {
		const struct nsim_matrix_service *svc = &m->svc[m->row_svc[row]];
		const struct nsim_endpoint *to = &m->src[svc->src];
		for (size_t c = 0; c < m->n_classes; c++) {
			struct nsim_matrix_cell *cell = &m->cells[row * m->n_classes + c];
			size_t from = m->members[m->class_start[c]];
			if (from == svc->src) {
				if (m->class_start[c + 1] - m->class_start[c] < 2) {
					*cell = (struct nsim_matrix_cell){.none = true};
					continue;
				}
				from = m->members[m->class_start[c] + 1];
			}
			struct nsim_flow f = {.from = m->src[from], .proto = svc->proto, .dport = svc->port};
			f.dst = nsim_analyze_target(t, &m->src[from], to);
			struct nsim_analysis a;
			int r = nsim_analyzer_flow(an, &f, false, &a);
			if (r < 0)
				return r;
			*cell = (struct nsim_matrix_cell){.prediction = (uint8_t)a.prediction, .reason = (uint8_t)a.reason};
			m->walked++;
		}
	}
	return 0;
}

int nsim_analyze_matrix(const struct nsim_analyzer *an, bool per_host, struct nsim_matrix **ret)
{
	_cleanup_(nsim_matrix_freep) struct nsim_matrix *m = calloc(1, sizeof(*m));
	int r;
	if (!m)
		return -ENOMEM;
	if ((r = list_endpoints(an->t, m)) < 0 || (r = classify(an->t, m, per_host)) < 0 || (r = rows(m)) < 0 ||
	    (r = walk_cells(an, m)) < 0)
		return r;
	/* every service from every other source */
	m->flows = m->n_svc * (m->n_src ? m->n_src - 1 : 0);
	*ret = TAKE_PTR(m);
	return 0;
}

const struct nsim_matrix_cell *nsim_matrix_cell(const struct nsim_matrix *m, size_t svc, size_t src)
{
	if (m->svc[svc].src == src)
		return NULL;
	return &m->cells[m->svc[svc].row * m->n_classes + m->src_class[src]];
}

void nsim_matrix_free(struct nsim_matrix *m)
{
	if (!m)
		return;
	free(m->src);
	free(m->src_name);
	free(m->src_class);
	free(m->members);
	free(m->class_start);
	free(m->svc);
	free(m->row_svc);
	free(m->cells);
	free(m);
}
