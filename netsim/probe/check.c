/* SPDX-License-Identifier: MIT */
/* The kernel-facing half of check: drift, captures, probes in parallel. The
 * pure half (candidates, evidence, verdicts) is probe/evidence.c. */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply.h"
#include "apply/digest.h"
#include "model/hashmap.h"
#include "model/util.h"
#include "probe/check.h"
#include "probe/pkt_index.h"
#include "probe/ports.h"

/* Each probe binds a source port (and echo id) of its own, drawn at random
 * from its source's ephemeral range (probe/ports.c), so its packets can be
 * told apart in the captures and ACLs see the ports real clients use. */

struct probe_job {
	struct nsim_check_result *res;
	uint16_t sport;
	double t0; /* CLOCK_REALTIME ms at the start */
	int timeout_ms;
	struct nsim_check_cands cands;
	int stop_fd; /* an eventfd: the network reported it dropped this probe (-1: none) */
};

struct ctx {
	const struct nsim_plan *p;
	struct nsim_check_prep prep;
	const char **ns_list; /* the names belong to prep's comps */
	size_t n_ns, cap_ns;
	struct probe_job *jobs;
	size_t n_jobs;
	atomic_size_t next;
	struct nsim_analyzer *an;
	struct nsim_check_ports ports;
	/* the jobs by port, for on_drop(): those whose source port (or pinned
	 * NAT port) is p are job_idx[job_start[p] .. job_start[p + 1]) */
	size_t *job_start;
	size_t *job_idx;
	struct nsim_hashmap ns_map; /* add_ns(): a namespace's index + 1 in ns_list */
};

static int add_ns(struct ctx *c, const char *ns, size_t *ret)
{
	uintptr_t known = (uintptr_t)nsim_hashmap_get(&c->ns_map, ns);
	if (known) {
		*ret = known - 1;
		return 0;
	}
	if (nsim_hashmap_put(&c->ns_map, ns, (void *)(uintptr_t)(c->n_ns + 1)) < 0)
		return -ENOMEM;
	if (c->n_ns == c->cap_ns) {
		size_t cap = c->cap_ns ? c->cap_ns * 2 : 16;
		const char **l = reallocarray(c->ns_list, cap, sizeof(*l));
		if (!l)
			return -ENOMEM;
		c->ns_list = l;
		c->cap_ns = cap;
	}
	c->ns_list[c->n_ns] = ns;
	*ret = c->n_ns++;
	return 0;
}

/* Only a namespace known to be gone (ENOENT) counts as gone. */
static bool ns_exists(const char *ns)
{
	char path[PATH_MAX];
	if (nsim_plan_ns_path(path, sizeof(path), ns) >= sizeof(path))
		return false;
	return access(path, F_OK) == 0 || errno != ENOENT;
}

static void *worker(void *arg)
{
	struct ctx *c = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&c->next, 1);
		if (i >= c->n_jobs)
			return NULL;
		struct probe_job *j = &c->jobs[i];
		j->t0 = nsim_clock_ms(CLOCK_REALTIME);
		if (j->res->is_command)
			continue; /* after the probes: see run_commands() */
		if (j->res->dns_name) {
			if (!j->res->resolver)
				continue;
			int d = nsim_probe_resolve(j->res->from_ns, j->res->resolver, j->res->dns_name, j->timeout_ms,
						   &j->res->answer);
			if (d < 0) {
				j->res->answer.outcome = NSIM_PROBE_DNS_ERROR;
				j->res->answer.error = -d;
			}
			j->res->dns_queried = true;
			if (j->res->answer.outcome != NSIM_PROBE_DNS_ANSWER)
				continue;
			j->res->addr = j->res->answer.addr;
			j->t0 = nsim_clock_ms(CLOCK_REALTIME);
		}
		int r = nsim_probe_until(j->res->from_ns, j->res->proto, j->res->addr, j->res->port, j->sport,
					 j->timeout_ms, j->stop_fd, &j->res->probe);
		if (r < 0) {
			j->res->probe.outcome = NSIM_PROBE_ERROR;
			j->res->probe.error = -r;
		}
	}
}

/* command: expectations, one at a time after the probes, while the
 * captures still run: a real client may take seconds and its own retries,
 * and one at a time its packets are told from the others' by time. */
static void run_commands(struct ctx *c)
{
	for (size_t i = 0; i < c->n_jobs; i++) {
		struct probe_job *j = &c->jobs[i];
		if (!j->res->is_command)
			continue;
		const struct nsim_expect *e = j->res->e;
		int tmo = e->timeout_ms ? (int)e->timeout_ms : 10000;
		struct nsim_probe_dns_conf dns = {.host = e->from.ref.name};
		char fallback[96], a[NSIM_ADDR_STRLEN];
		/* the plan's files: what `exec` and the host's services see */
		for (size_t k = 0; k < c->p->n_hosts; k++)
			if (streq(c->p->hosts[k].name, dns.host) && c->p->hosts[k].resolv_conf.name) {
				dns.resolv_conf = c->p->hosts[k].resolv_conf.text;
				dns.hosts = c->p->hosts[k].hosts_file.text;
			}
		if (!dns.resolv_conf && j->res->resolver) {
			snprintf(fallback, sizeof(fallback), "nameserver %s\n", nsim_addr_fmt(j->res->resolver, a));
			dns.resolv_conf = fallback;
		}
		int r = nsim_probe_command(j->res->from_ns, &dns, &e->command, tmo, &j->res->cmd);
		if (r < 0) {
			j->res->cmd.error = -r;
			snprintf(j->res->cmd.detail, sizeof(j->res->cmd.detail), "starting it: %s", strerror(-r));
		}
		j->t0 = j->res->cmd.t0;
	}
}

/* From the capture thread, for each drop netsim's rulesets logged: the
 * probe it belongs to (by its source port or its pinned NAT port, either
 * direction: unique in the run, nsim_check_ports_pick) stops waiting. A
 * missing route is answered by an ICMP error that the probe waits for
 * instead. */
static void on_drop(void *userdata, const struct nsim_drop_packet *d)
{
	struct ctx *c = userdata;
	if (strncmp(d->prefix, "nsim:nr:", 8) == 0)
		return;
	uint16_t ports[2] = {d->p.sport, d->p.dport};
	for (size_t k = 0; k < 2; k++) {
		if (!(c->ports.used[ports[k] / 64] >> (ports[k] % 64) & 1))
			continue;
		for (size_t x = c->job_start[ports[k]]; x < c->job_start[ports[k] + 1]; x++) {
			size_t i = c->job_idx[x];
			/* past a NAT gateway pinned for it, the probe's packets carry that port */
			if (c->jobs[i].stop_fd < 0 ||
			    (c->jobs[i].sport != ports[k] && (!c->jobs[i].res->nat_port || c->jobs[i].res->nat_port != ports[k])))
				continue;
			enum nsim_proto want = c->jobs[i].res->proto;
			bool same = want == NSIM_PROTO_TCP   ? d->p.proto == IPPROTO_TCP
				    : want == NSIM_PROTO_UDP ? d->p.proto == IPPROTO_UDP
							     : d->p.proto == IPPROTO_ICMP && !d->p.quoted_proto;
			uint64_t one = 1;
			if (same)
				(void)!write(c->jobs[i].stop_fd, &one, sizeof(one));
		}
	}
}

/* c->job_start and c->job_idx: the jobs by source port and pinned NAT
 * port, in job order (a counting sort). 0 or -ENOMEM. */
static int index_jobs(struct ctx *c)
{
	c->job_start = calloc(65537, sizeof(*c->job_start));
	c->job_idx = calloc(2 * c->n_jobs + 1, sizeof(*c->job_idx));
	size_t *next = calloc(65536, sizeof(*next));
	if (!c->job_start || !c->job_idx || !next) {
		free(next);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->n_jobs; i++) {
		uint16_t nat = c->jobs[i].res->nat_port;
		c->job_start[c->jobs[i].sport + 1]++;
		if (nat && nat != c->jobs[i].sport)
			c->job_start[nat + 1]++;
	}
	for (size_t p = 0; p < 65536; p++)
		c->job_start[p + 1] += c->job_start[p];
	for (size_t p = 0; p < 65536; p++)
		next[p] = c->job_start[p];
	for (size_t i = 0; i < c->n_jobs; i++) {
		uint16_t nat = c->jobs[i].res->nat_port;
		c->job_idx[next[c->jobs[i].sport]++] = i;
		if (nat && nat != c->jobs[i].sport)
			c->job_idx[next[nat]++] = i;
	}
	free(next);
	return 0;
}

/* Each namespace's capture ring, by the probes that may pass it: a probe's
 * packets are a few hundred bytes each, a dozen at most per namespace. A
 * ring of the default size (512 KiB) for every namespace is gigabytes the
 * kernel allocates and clears when thousands of hosts are captured, and
 * too little for a VPC router that every probe crosses: with 2000 probes,
 * 128 at a time, its 512 KiB lost packets while the capture thread waited
 * for a CPU; 4 MiB lost none. NULL on ENOMEM. */
#define RING_MIN (32 * 1024)
#define RING_PER_PROBE (8 * 1024)
#define RING_MAX (4 * 1024 * 1024)
static size_t *ring_sizes(const struct ctx *c)
{
	size_t *ring = calloc(c->n_ns + 1, sizeof(*ring));
	if (!ring)
		return NULL;
	for (size_t i = 0; i < c->n_jobs; i++)
		for (size_t k = 0; k < c->jobs[i].cands.n; k++) {
			size_t ns = c->prep.comps[c->jobs[i].cands.idx[k]].ns_idx;
			if (ns < c->n_ns && ring[ns] < RING_MAX)
				ring[ns] += RING_PER_PROBE;
		}
	for (size_t i = 0; i < c->n_ns; i++)
		ring[i] = ring[i] + RING_MIN > RING_MAX ? RING_MAX : ring[i] + RING_MIN;
	return ring;
}

static void free_ctx(struct ctx *c)
{
	nsim_check_prep_done(&c->prep);
	free(c->ns_list);
	for (size_t i = 0; i < c->n_jobs; i++) {
		nsim_check_cands_done(&c->jobs[i].cands);
		if (c->jobs[i].stop_fd >= 0)
			close(c->jobs[i].stop_fd);
	}
	free(c->jobs);
	free(c->job_start);
	free(c->job_idx);
	nsim_hashmap_clear(&c->ns_map, NULL);
	nsim_analyzer_free(c->an);
	nsim_check_ports_done(&c->ports);
}

/* verdict: intermittent (issue 11): two probes, the first from source ports
 * (the client's, and a NAT gateway's, pinned) the model says get through,
 * the second with the port the ACL cuts outside that set; each row expects
 * what the model says of its ports. Without an intermittent prediction, one
 * ordinary probe (judged failed after: see intermittent_unproven()).
 * res and cands: expectation ei prepared; the rows go to rep and c->jobs. */
static int port_proof(struct ctx *c, struct nsim_check_report *rep, size_t ei, struct nsim_check_result *res,
		      struct nsim_check_cands *cands, int timeout_ms)
{
	const struct nsim_topology *t = c->prep.t;
	struct nsim_flow f = {.from = res->e->from, .dst = res->addr, .proto = res->proto, .dport = res->port};
	struct nsim_analysis *a = calloc(1, sizeof(*a));
	int r = -ENOMEM;
	if (!a)
		return r;
	/* a DNS name: its ports are chosen for the model's answer (probed at
	 * it; an answer of the network's that differs fails the row anyway) */
	bool proof = res->addr && nsim_analyzer_flow(c->an, &f, true, a) == 0 &&
		     a->prediction == NSIM_PREDICT_INTERMITTENT && a->n_legs;
	for (int k = 1; k <= (proof ? 2 : 1); k++) {
		struct probe_job *j = &c->jobs[c->n_jobs];
		struct nsim_check_result row = *res;
		*j = (struct probe_job){.cands = *cands, .timeout_ms = timeout_ms, .stop_fd = -1};
		*cands = (struct nsim_check_cands){0};
		if (k == 2 && (r = nsim_check_prepare(&c->prep, ei, rep->arena, &row, &j->cands)) < 0)
			goto out;
		/* the client's port, and one port every NAT gateway on the path
		 * is pinned to (the model takes one NAT port for all of them):
		 * in the passing set of each leg, but outside the cut leg's for
		 * the second probe */
		uint16_t nat_port = 0;
		if (proof && a->n_legs > 1) {
			struct nsim_ports set = nsim_ports_range(a->legs[1].range.from, a->legs[1].range.to), tmp;
			for (size_t l = 1; l < a->n_legs; l++) {
				if (k == 2 && l == a->partial_leg)
					nsim_ports_subtract(&set, &a->legs[l].pass, &tmp);
				else
					nsim_ports_intersect(&set, &a->legs[l].pass, &tmp);
				set = tmp;
			}
			nat_port = nsim_check_ports_pick(&c->ports, a->legs[1].range, &set, false, true);
		}
		j->sport = proof ? nsim_check_ports_pick(&c->ports, a->legs[0].range, &a->legs[0].pass,
							 k == 2 && a->partial_leg == 0, true)
				 : nsim_check_ports_pick(&c->ports, nsim_check_source_ports(t, &res->e->from), NULL, false, true);
		if (proof) {
			struct nsim_expect *e = nsim_arena_alloc(rep->arena, 1, sizeof(*e));
			r = -ENOMEM;
			if (!e)
				goto out;
			*e = *res->e;
			e->verdict = k == 1 ? NSIM_VERDICT_REACHABLE : NSIM_VERDICT_UNREACHABLE;
			e->blocked_by = (struct nsim_ref){0};
			e->blocked_by_reason = NULL;
			if (k == 2)
				e->has_seen_source = false, e->n_via = 0, e->has_reaches = false;
			row.e = e;
			row.port_probe = k;
			/* each NAT gateway translates what the one before it sent */
			uint32_t src = res->e->from.kind == NSIM_EP_HOST
					       ? t->vpcs[res->e->from.vpc].hosts[res->e->from.idx].address
					       : 0;
			uint16_t sport = j->sport;
			for (size_t l = 1; src && nat_port && l < a->n_legs; l++) {
				struct nsim_endpoint nat;
				if (!a->legs[l].nat || nsim_analyze_resolve(t, a->legs[l].who, &nat) < 0 ||
				    nat.kind != NSIM_EP_NAT)
					break;
				const struct nsim_nat_gateway *g = &t->vpcs[nat.vpc].nat_gateways[nat.idx];
				char ns[128];
				nsim_plan_ns_name(ns, sizeof(ns), c->p->name, g->name.name);
				row.nat_port = nat_port;
				if ((r = nsim_check_ports_pin(&c->ports, ns, res->proto, src, sport, res->addr, res->port,
							      g->address, nat_port)) < 0)
					goto out;
				src = g->address;
				sport = nat_port;
			}
			row.flow = row.nat_port ? nsim_arena_printf(rep->arena, "%s (port %u, NAT port %u)", res->flow, j->sport,
								    row.nat_port)
						: nsim_arena_printf(rep->arena, "%s (port %u)", res->flow, j->sport);
			r = -ENOMEM;
			if (!row.flow)
				goto out;
		}
		rep->results[rep->n_results] = row;
		j->res = &rep->results[rep->n_results++];
		c->n_jobs++;
	}
	r = 0;
out:
	if (r < 0)
		nsim_check_cands_done(&c->jobs[c->n_jobs].cands);
	free(a);
	return r;
}

/* An intermittent expectation the model does not predict intermittent
 * fails: no pair of ports can show it. */
static int intermittent_unproven(struct nsim_check_result *r, struct nsim_arena *arena)
{
	if (r->port_probe || r->is_command || r->e->verdict != NSIM_VERDICT_INTERMITTENT)
		return 0;
	r->passed = false;
	r->reason = r->has_predicted
		    ? nsim_arena_printf(arena,
					"the model says %s (%s) for every source port the client and a NAT gateway may "
					"pick, not intermittent; the probe was %s",
					nsim_prediction_name(r->predicted.prediction), nsim_reason_code(r->predicted.reason),
					nsim_probe_outcome_name(r->probe.outcome))
		    : nsim_arena_printf(arena, "intermittent is proven by two probes the model chooses; there is no "
					       "model here");
	return r->reason ? 0 : -ENOMEM;
}

/* Before probing: what differs from what `up` built. */
static int drift(const struct nsim_plan *p, const struct nsim_check_opts *o, struct nsim_check_report *rep)
{
	char **findings = NULL;
	size_t n = 0;
	int r = nsim_apply_digest_compare(p, o->digest_text, &findings, &n);
	if (r < 0)
		return r;
	rep->drift = nsim_arena_alloc(rep->arena, n + 1, sizeof(*rep->drift));
	for (size_t i = 0; rep->drift && i < n; i++)
		if (!(rep->drift[rep->n_drift++] = nsim_arena_strdup(rep->arena, findings[i])))
			r = -ENOMEM;
	if (!rep->drift)
		r = -ENOMEM;
	nsim_apply_names_free(findings);
	return r;
}

/* After probing: a namespace of the instance that went away while it was
 * checked makes the run's results meaningless, whatever they say. */
static int gone(const struct nsim_plan *p, struct nsim_check_report *rep)
{
	for (size_t i = 0; i < p->n_namespaces; i++)
		if (!ns_exists(p->namespaces[i])) {
			rep->error = nsim_arena_printf(rep->arena,
						       "the instance changed while it was being checked: namespace %s is gone",
						       p->namespaces[i]);
			return rep->error ? 1 : -ENOMEM;
		}
	return 0;
}

static int unrun_error(struct nsim_check_report *rep)
{
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct nsim_check_result *r = &rep->results[i];
		if (r->probe.outcome != NSIM_PROBE_ERROR)
			continue;
		if (r->probe.error == ENOENT && !ns_exists(r->from_ns))
			rep->error = nsim_arena_printf(rep->arena,
						       "the instance changed while it was being checked: namespace %s is gone",
						       r->from_ns);
		else if (r->is_command)
			rep->error = nsim_arena_printf(rep->arena, "expectation '%s': %s", r->label, r->reason);
		else
			rep->error = nsim_arena_printf(rep->arena, "the probe from %s could not run: %s", r->from_ns,
						       r->probe.detail[0] ? r->probe.detail : strerror(r->probe.error));
		return rep->error ? 0 : -ENOMEM;
	}
	return 0;
}

int nsim_check_run(const struct nsim_topology *t, const struct nsim_plan *p, const struct nsim_check_opts *opts,
		   struct nsim_check_report **ret, char **ret_error)
{
	struct nsim_check_opts o = opts ? *opts : (struct nsim_check_opts){.capture = true};
	if (o.timeout_ms <= 0)
		o.timeout_ms = 1000;
	if (!o.parallel)
		o.parallel = 128; /* they mostly wait: the unreachable ones for their whole timeout */
	double start = nsim_clock_ms(CLOCK_REALTIME);

	_cleanup_(nsim_check_report_freep) struct nsim_check_report *rep = calloc(1, sizeof(*rep));
	struct ctx c = {.p = p, .prep = {.t = t, .instance = p->name}};
	int r = -ENOMEM, changed = 0;
	if (!rep || !(rep->arena = nsim_arena_new()))
		goto out;
	/* an intermittent expectation takes two rows (port_proof()) */
	rep->results = calloc(2 * t->n_expects + 1, sizeof(*rep->results));
	c.jobs = calloc(2 * t->n_expects + 1, sizeof(*c.jobs));
	nsim_check_ports_init(&c.ports);
	c.prep.probe_ports = c.ports.used;
	if (!rep->results || !c.jobs || (r = nsim_analyzer_new(t, &c.an)) < 0)
		goto out;
	rep->name = p->name;

	if (!o.no_drift && (r = drift(p, &o, rep)) < 0) {
		if (ret_error && asprintf(ret_error, "reading the instance's routes, rules and rulesets to compare them with "
					  "what 'up' built: %s", strerror(-r)) < 0)
			*ret_error = NULL;
		goto out;
	}

	for (size_t i = 0; i < t->n_expects; i++) {
		struct nsim_check_result res;
		struct probe_job *j = &c.jobs[c.n_jobs];
		*j = (struct probe_job){.stop_fd = -1};
		/* filter first: --only is matched on the label */
		r = nsim_check_prepare(&c.prep, i, rep->arena, &res, &j->cands);
		if (r < 0) {
			nsim_check_cands_done(&j->cands);
			goto out;
		}
		if (o.only && fnmatch(o.only, res.label, 0) != 0 && fnmatch(o.only, res.flow, 0) != 0) {
			nsim_check_cands_done(&j->cands);
			continue;
		}
		if (!res.is_command && res.e->verdict == NSIM_VERDICT_INTERMITTENT) {
			struct nsim_check_cands cands = j->cands; /* port_proof() hands them to its jobs */
			j->cands = (struct nsim_check_cands){0};
			r = port_proof(&c, rep, i, &res, &cands, o.timeout_ms);
			nsim_check_cands_done(&cands);
			if (r < 0)
				goto out;
			continue;
		}
		rep->results[rep->n_results] = res;
		j->res = &rep->results[rep->n_results++];
		j->timeout_ms = o.timeout_ms;
		j->sport = nsim_check_ports_pick(&c.ports, nsim_check_source_ports(t, &res.e->from), NULL, false, true);
		c.n_jobs++;
	}
	/* a probe the network reports dropped stops waiting (on_drop), found by its port */
	if ((r = index_jobs(&c)) < 0)
		goto out;
	for (size_t i = 0; o.capture && i < c.n_jobs; i++)
		if (!c.jobs[i].res->is_command && (c.jobs[i].stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
			r = -errno;
			goto out;
		}
	{
		char *err = NULL;
		if ((r = nsim_check_ports_apply(&c.ports, &err)) < 0) {
			if (ret_error)
				*ret_error = err;
			else
				free(err);
			goto out;
		}
	}
	if (o.capture && c.n_jobs) {
		/* one capture per namespace that a component of some probe lives in */
		char *err = NULL;
		bool *used = calloc(c.prep.n_comps + 1, sizeof(bool));
		r = -ENOMEM;
		if (!used)
			goto out;
		for (size_t i = 0; i < c.n_jobs; i++)
			for (size_t k = 0; k < c.jobs[i].cands.n; k++)
				used[c.jobs[i].cands.idx[k]] = true;
		r = 0;
		for (size_t i = 0; i < c.prep.n_comps && r >= 0; i++) {
			struct nsim_check_comp *k = &c.prep.comps[i];
			/* a namespace already gone is drift, found above; its probes end in `error` */
			if (used[i] && ns_exists(k->ns))
				r = add_ns(&c, k->ns, &k->ns_idx);
		}
		free(used);
		if (r < 0)
			goto out;
		/* netsim's rulesets log their drops in routers, gateways and
		 * endpoints, never in hosts */
		bool *nflog_in = calloc(c.n_ns + 1, sizeof(bool));
		r = -ENOMEM;
		if (!nflog_in)
			goto out;
		for (size_t i = 0; i < c.prep.n_comps; i++) {
			const struct nsim_check_comp *k = &c.prep.comps[i];
			if (k->ns_idx != NSIM_NONE && k->ns_idx < c.n_ns && !streq(k->kind, "host") &&
			    !streq(k->kind, "internet host") && !streq(k->kind, "internet"))
				nflog_in[k->ns_idx] = true;
		}
		size_t *ring = ring_sizes(&c);
		struct nsim_capture_opts co = {.filter = "tcp or udp or icmp", .nflog = true, .nflog_in = nflog_in,
					       .ring_bytes = ring, .on_drop = on_drop, .userdata = &c};
		r = ring ? nsim_capture_start_opts(c.ns_list, c.n_ns, &co, &rep->capture, &err) : -ENOMEM;
		free(nflog_in);
		free(ring);
		if (r < 0 && (changed = gone(p, rep)) != 0) {
			/* a namespace went away since: the run goes on without
			 * evidence, and ends with that error */
			free(err);
			if ((r = changed) < 0)
				goto out;
			r = 0;
		}
		if (r < 0) {
			if (ret_error)
				*ret_error = err;
			else
				free(err);
			goto out;
		}
	}

	/* flow logs: packet and byte counters of the connections made from now on */
	rep->start_s = (long long)time(NULL);
	for (size_t vi = 0; o.flow_log && vi < t->n_vpcs; vi++) {
		char ns[256];
		nsim_plan_ns_name(ns, sizeof(ns), p->name, t->vpcs[vi].name.name);
		(void)!nsim_conntrack_account(ns); /* without it, the counters are 0 */
	}

	unsigned n_threads = o.parallel < c.n_jobs ? o.parallel : (unsigned)c.n_jobs;
	pthread_t *th = calloc(n_threads + 1, sizeof(*th));
	r = -ENOMEM;
	if (!th)
		goto out;
	unsigned started = 0;
	for (; started < n_threads; started++)
		if (pthread_create(&th[started], NULL, worker, &c) != 0)
			break;
	if (started == 0 && n_threads)
		worker(&c);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	run_commands(&c);
	rep->end_s = (long long)time(NULL);
	for (size_t vi = 0; o.flow_log && vi < t->n_vpcs; vi++) {
		char ns[256];
		struct nsim_ct_flow *f = NULL;
		size_t n = 0;
		nsim_plan_ns_name(ns, sizeof(ns), p->name, t->vpcs[vi].name.name);
		if (nsim_conntrack_dump(ns, &f, &n) < 0)
			continue; /* a namespace gone: an error of the run, found below */
		struct nsim_ct_flow *all = reallocarray(rep->ct_flows, rep->n_ct_flows + n + 1, sizeof(*all));
		if (!all) {
			free(f);
			r = -ENOMEM;
			goto out;
		}
		memcpy(all + rep->n_ct_flows, f, n * sizeof(*f));
		rep->ct_flows = all;
		rep->n_ct_flows += n;
		free(f);
	}
	nsim_check_ports_unpin(&c.ports);

	size_t n_pkts = 0, n_drops = 0;
	const struct nsim_packet *pkts = NULL;
	const struct nsim_drop_packet *drops = NULL;
	if (rep->capture) {
		nsim_capture_stop(rep->capture);
		pkts = nsim_capture_packets(rep->capture, &n_pkts);
		drops = nsim_capture_drops(rep->capture, &n_drops);
		if (nsim_capture_nflog_error(rep->capture) &&
		    !(rep->nflog_error = nsim_arena_strdup(rep->arena, nsim_capture_nflog_error(rep->capture)))) {
			r = -ENOMEM;
			goto out;
		}
		rep->kernel_drops = nsim_capture_kernel_drops(rep->capture);
	}
	/* namespaces gone during the run: an error of the run, and nothing it
	 * saw is a netsim bug */
	if (!changed)
		changed = gone(p, rep);
	if ((r = changed) < 0)
		goto out;
	/* each probe reads its own packets (by port), not all of them */
	struct nsim_check_pkt_index pkt_index = {0}, drop_index = {0};
	if ((n_pkts && (r = nsim_check_pkt_index_build(pkts, n_pkts, &pkt_index)) < 0) ||
	    (n_drops && (r = nsim_check_drop_index_build(drops, n_drops, &drop_index)) < 0)) {
		nsim_check_pkt_index_done(&pkt_index);
		goto out;
	}
	c.prep.pkt_index = n_pkts ? &pkt_index : NULL;
	c.prep.drop_index = n_drops ? &drop_index : NULL;
	for (size_t i = 0; i < c.n_jobs; i++) {
		struct nsim_check_result *res = c.jobs[i].res;
		if ((r = nsim_check_collect_hops(&c.prep, &c.jobs[i].cands, c.jobs[i].t0, pkts, n_pkts, rep->arena, res)) < 0 ||
		    (r = nsim_check_collect_drop(&c.prep, c.jobs[i].t0, drops, n_drops, rep->arena, res)) < 0 ||
		    (r = nsim_check_judge(t, c.an, o.timeout_ms, rep->n_drift || changed, rep->arena, res)) < 0 ||
		    (r = intermittent_unproven(res, rep->arena)) < 0) {
			nsim_check_pkt_index_done(&pkt_index);
			nsim_check_pkt_index_done(&drop_index);
			goto out;
		}
		if (res->probe.outcome == NSIM_PROBE_ERROR)
			rep->n_unrun++;
		if (res->passed)
			rep->n_passed++;
		else
			rep->n_failed++;
	}
	nsim_check_pkt_index_done(&pkt_index);
	nsim_check_pkt_index_done(&drop_index);
	c.prep.pkt_index = NULL;
	c.prep.drop_index = NULL;
	if (!rep->error && (r = unrun_error(rep)) < 0)
		goto out;
	rep->ms = nsim_clock_ms(CLOCK_REALTIME) - start;
	r = 0;

out:
	free_ctx(&c);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(rep);
	return 0;
}

void nsim_check_report_free(struct nsim_check_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->results && i < r->n_results; i++)
		nsim_check_result_done(&r->results[i]);
	free(r->results);
	nsim_capture_free(r->capture);
	free(r->ct_flows);
	nsim_arena_free(r->arena);
	free(r);
}
