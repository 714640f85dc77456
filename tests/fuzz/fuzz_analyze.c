/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the analyzer. Arbitrary bytes are loaded and validated;
 * on a valid topology every host and internet host is analysed, with
 * explain=true, to every host, NAT gateway and internet host, on each of the
 * target's listen ports (first and last of a range), on a port nothing
 * listens on, and with ICMP; every blocked flow's suggested fix, and the fix
 * that would close every reachable one (analyze/fix.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "fuzz.h"

struct eps {
	struct nsim_endpoint *v;
	size_t n, cap;
};

static int eps_add(struct eps *e, struct nsim_ref name, enum nsim_endpoint_kind kind, size_t vpc, size_t idx)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct nsim_endpoint *v = realloc(e->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = (struct nsim_endpoint){.ref = name, .kind = kind, .vpc = vpc, .idx = idx};
	return 0;
}

static const struct nsim_service *listens(const struct nsim_topology *t, const struct nsim_endpoint *e, size_t *ret_n)
{
	*ret_n = 0;
	if (e->kind == NSIM_EP_HOST) {
		*ret_n = t->vpcs[e->vpc].hosts[e->idx].n_listen;
		return t->vpcs[e->vpc].hosts[e->idx].listen;
	}
	if (e->kind == NSIM_EP_INET_HOST) {
		*ret_n = t->inet_hosts[e->idx].n_listen;
		return t->inet_hosts[e->idx].listen;
	}
	return NULL;
}

/* A port none of the target's services covers, for either protocol. */
static uint16_t closed_port(const struct nsim_service *l, size_t n)
{
	for (uint32_t port = 9; port <= 65535; port++) {
		bool used = false;
		for (size_t i = 0; i < n && !used; i++)
			used = l[i].from <= port && port <= l[i].to;
		if (!used)
			return (uint16_t)port;
	}
	return 0;
}

static void check(const struct nsim_analysis *a)
{
	/* what the report prints: terminated strings, hops within bounds, a
	 * reason exactly when not reachable */
	if (a->n_hops > NSIM_ANALYSIS_MAX_HOPS || !memchr(a->explanation, 0, sizeof(a->explanation)) ||
	    !memchr(a->blocked_at, 0, sizeof(a->blocked_at)))
		abort();
	if ((a->prediction == NSIM_PREDICT_REACHABLE) != (a->reason == NSIM_REASON_NONE))
		abort();
	for (size_t i = 0; i < a->n_hops; i++)
		if (!memchr(a->hops[i].component, 0, sizeof(a->hops[i].component)) ||
		    !memchr(a->hops[i].kind, 0, sizeof(a->hops[i].kind)) ||
		    !memchr(a->hops[i].detail, 0, sizeof(a->hops[i].detail)))
			abort();
	if (!nsim_reason_code(a->reason) || !nsim_prediction_name(a->prediction))
		abort();
	/* every blocked flow has a fix: text always, a path unless it is text only */
	const struct nsim_fix *x = &a->fix;
	if (!memchr(x->text, 0, sizeof(x->text)) || !memchr(x->path, 0, sizeof(x->path)) ||
	    !memchr(x->yaml, 0, sizeof(x->yaml)) || !memchr(x->component, 0, sizeof(x->component)))
		abort();
	if (a->prediction != NSIM_PREDICT_REACHABLE &&
	    (!x->text[0] || (x->action != NSIM_FIX_NONE && (!x->path[0] || !x->yaml[0]))))
		abort();
	if (a->prediction == NSIM_PREDICT_REACHABLE && x->action != NSIM_FIX_NONE)
		abort();
	/* honest ports: each leg's passing ports lie in its range, sorted and apart;
	 * intermittent exactly with ACL_RETURN_PARTIAL, and a share strictly between 0 and 1 */
	if (a->n_legs > NSIM_ANALYSIS_MAX_LEGS || !(a->fraction >= 0 && a->fraction <= 1))
		abort();
	for (size_t i = 0; i < a->n_legs; i++) {
		const struct nsim_port_leg *l = &a->legs[i];
		if (l->range.from > l->range.to || l->pass.n > NSIM_PORTS_MAX || !memchr(l->who, 0, sizeof(l->who)))
			abort();
		for (size_t k = 0; k < l->pass.n; k++)
			if (l->pass.r[k].from > l->pass.r[k].to || l->pass.r[k].from < l->range.from ||
			    l->pass.r[k].to > l->range.to || (k && (uint32_t)l->pass.r[k - 1].to + 1 >= l->pass.r[k].from))
				abort();
	}
	if ((a->prediction == NSIM_PREDICT_INTERMITTENT) != (a->reason == NSIM_REASON_ACL_RETURN_PARTIAL) ||
	    (a->prediction == NSIM_PREDICT_INTERMITTENT && !(a->fraction > 0 && a->fraction < 1)) ||
	    (a->prediction == NSIM_PREDICT_REACHABLE && a->fraction != 1))
		abort();
}

static const struct nsim_topology *fuzz_t; /* the input's, for the fixes */

static void flow(const struct nsim_analyzer *an, const struct nsim_endpoint *from, uint32_t dst, enum nsim_proto proto,
		 uint16_t port)
{
	struct nsim_flow f = {.from = *from, .dst = dst, .proto = proto, .dport = port};
	struct nsim_analysis a;
	if (nsim_analyzer_flow(an, &f, true, &a) < 0)
		abort(); /* every source here is a host or an internet host */
	check(&a);
	struct nsim_fix close;
	nsim_analyze_fix_close(fuzz_t, &f, &a, &close);
	if (!memchr(close.text, 0, sizeof(close.text)) ||
	    (a.prediction == NSIM_PREDICT_REACHABLE) != (close.text[0] != '\0'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(nsim_topology_freep) struct nsim_topology *t = fuzz_topology(data, size);
	_cleanup_(nsim_analyzer_freep) struct nsim_analyzer *an = NULL;
	struct eps from = {0}, to = {0};
	int r = 0;

	if (!t)
		return -1; /* not a valid topology: libFuzzer 15+ keeps it out of the corpus (fuzz-load covers it) */
	if (nsim_analyzer_new(t, &an) < 0)
		return 0; /* -ENOMEM */
	fuzz_t = t;
	for (size_t v = 0; v < t->n_vpcs && r == 0; v++) {
		for (size_t h = 0; h < t->vpcs[v].n_hosts && r == 0; h++) {
			r = eps_add(&from, t->vpcs[v].hosts[h].name, NSIM_EP_HOST, v, h);
			if (r == 0)
				r = eps_add(&to, t->vpcs[v].hosts[h].name, NSIM_EP_HOST, v, h);
		}
		for (size_t n = 0; n < t->vpcs[v].n_nat_gateways && r == 0; n++)
			r = eps_add(&to, t->vpcs[v].nat_gateways[n].name, NSIM_EP_NAT, v, n);
	}
	for (size_t i = 0; i < t->n_inet_hosts && r == 0; i++) {
		r = eps_add(&from, t->inet_hosts[i].name, NSIM_EP_INET_HOST, 0, i);
		if (r == 0)
			r = eps_add(&to, t->inet_hosts[i].name, NSIM_EP_INET_HOST, 0, i);
	}
	for (size_t i = 0; i < from.n && r == 0; i++)
		for (size_t j = 0; j < to.n; j++) {
			uint32_t dst = nsim_analyze_target(t, &from.v[i], &to.v[j]);
			size_t n;
			const struct nsim_service *l = listens(t, &to.v[j], &n);
			for (size_t k = 0; k < n; k++) {
				flow(an, &from.v[i], dst, l[k].proto, l[k].from);
				if (l[k].to != l[k].from)
					flow(an, &from.v[i], dst, l[k].proto, l[k].to);
			}
			flow(an, &from.v[i], dst, NSIM_PROTO_TCP, closed_port(l, n));
			flow(an, &from.v[i], dst, NSIM_PROTO_UDP, closed_port(l, n));
			flow(an, &from.v[i], dst, NSIM_PROTO_ICMP, 0);
		}
	free(from.v);
	free(to.v);
	return 0;
}
