/* SPDX-License-Identifier: MIT */
/*
 * Hosts' own services and relays: run:, ready_timeout:, targets:, and the
 * command: expectations that run programs in hosts. Beside each message, the
 * AWS page it follows or "netsim rule:".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "validate/kinds.h"

static const char *nm(const struct nsim_ref *r)
{
	return r->name ? r->name : "?";
}

static bool ref_is(const struct nsim_ref *r, const char *name)
{
	return r->name && streq(r->name, name);
}

struct nsim_vfound nsim_validate_find(const struct nsim_topology *t, const char *name)
{
	struct nsim_vfound f = {.kind = NSIM_EP_UNRESOLVED, .vpc = NSIM_NONE, .idx = NSIM_NONE};

	for (size_t v = 0; v < t->n_vpcs; v++) {
		const struct nsim_vpc *vpc = &t->vpcs[v];
		for (size_t i = 0; i < vpc->n_hosts; i++)
			if (ref_is(&vpc->hosts[i].name, name))
				return (struct nsim_vfound){NSIM_EP_HOST, v, i, "a host"};
		for (size_t i = 0; i < vpc->n_nat_gateways; i++)
			if (ref_is(&vpc->nat_gateways[i].name, name))
				return (struct nsim_vfound){NSIM_EP_NAT, v, i, "a NAT gateway"};
		if (ref_is(&vpc->name, name))
			f.what = "a VPC";
		else if (ref_is(&vpc->internet_gateway, name))
			f.what = "an internet gateway";
		for (size_t i = 0; i < vpc->n_endpoints && !f.what; i++)
			if (ref_is(&vpc->endpoints[i].name, name))
				f.what = "a VPC endpoint";
	}
	for (size_t i = 0; i < t->n_inet_hosts; i++)
		if (ref_is(&t->inet_hosts[i].name, name))
			return (struct nsim_vfound){NSIM_EP_INET_HOST, NSIM_NONE, i, "an internet host"};
	for (size_t i = 0; i < t->n_peerings && !f.what; i++)
		if (ref_is(&t->peerings[i].name, name))
			f.what = "a peering";
	return f;
}

static bool has_tcp_listen(const struct nsim_host *h)
{
	for (size_t i = 0; i < h->n_listen; i++)
		if (h->listen[i].proto == NSIM_PROTO_TCP)
			return true;
	return false;
}

static void check_run(struct nsim_host *h, struct nsim_diags *d)
{
	if (h->run.argc == 0) {
		/* netsim rule: ready_timeout bounds the wait for a run: service */
		if (h->ready_timeout_ms)
			nsim_diag_error(d, h->ready_timeout_pos,
					"host '%s': ready_timeout applies to a run: service, and this host has "
					"no run: (remove ready_timeout, or add run:)",
					nm(&h->name));
		return;
	}
	/* netsim rule: up waits until the listen: TCP ports of a run: service
	 * accept connections; without any it cannot tell the service is ready */
	if (!has_tcp_listen(h))
		nsim_diag_warning(d, h->run.pos,
				  "host '%s' has run: but no listen: TCP port: up cannot wait for the service "
				  "to be ready, and the model does not know what it serves (add e.g. "
				  "listen: [8080/tcp])",
				  nm(&h->name));
}

static bool target_listed_before(const struct nsim_host *h, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (h->targets[j].kind == NSIM_EP_HOST && h->targets[j].vpc == h->targets[i].vpc &&
		    h->targets[j].idx == h->targets[i].idx)
			return true;
	return false;
}

static bool serves(const struct nsim_host *h, const struct nsim_service *s)
{
	for (size_t i = 0; i < h->n_listen; i++)
		if (h->listen[i].proto == s->proto && h->listen[i].from <= s->from && s->to <= h->listen[i].to)
			return true;
	return false;
}

static void check_target_ports(const struct nsim_host *proxy, const struct nsim_host *target,
			       const struct nsim_ref *ref, struct nsim_diags *d)
{
	for (size_t i = 0; i < proxy->n_listen; i++) {
		const struct nsim_service *s = &proxy->listen[i];
		/* netsim rule: the relay connects to the same port of the target,
		 * which then must serve it */
		if (!serves(target, s)) {
			char port[16];
			if (s->from == s->to)
				snprintf(port, sizeof(port), "%u", (unsigned)s->from);
			else
				snprintf(port, sizeof(port), "%u-%u", (unsigned)s->from, (unsigned)s->to);
			nsim_diag_warning(d, ref->pos,
					  "target '%s' of proxy '%s' does not listen on %s/%s: connections the proxy "
					  "relays there are refused (add it to the target's listen:)",
					  ref->name, nm(&proxy->name), port, nsim_proto_name(s->proto));
			return;
		}
	}
}

static void check_target(struct nsim_topology *t, size_t v, size_t hi, size_t i, struct nsim_diags *d)
{
	struct nsim_host *h = &t->vpcs[v].hosts[hi];
	struct nsim_endpoint *ep = &h->targets[i];
	struct nsim_vfound f = nsim_validate_find(t, ep->ref.name);

	ep->kind = NSIM_EP_UNRESOLVED;
	ep->vpc = ep->idx = NSIM_NONE;
	/* netsim rule: a relay (like an RDS Proxy's target group) forwards to
	 * hosts of the topology, by name */
	if (f.kind != NSIM_EP_HOST) {
		if (f.what)
			nsim_diag_error(d, ep->ref.pos,
					"host '%s': target '%s' is %s, not a host: a proxy relays to hosts "
					"(of its VPC or a peered VPC)",
					nm(&h->name), ep->ref.name, f.what);
		else
			nsim_diag_error(d, ep->ref.pos, "host '%s': target '%s': no host of that name",
					nm(&h->name), nm(&ep->ref));
		return;
	}
	/* netsim rule: a proxy relaying to itself would loop */
	if (f.vpc == v && f.idx == hi) {
		nsim_diag_error(d, ep->ref.pos, "host '%s' lists itself as a target: a proxy relays to other hosts",
				nm(&h->name));
		return;
	}
	/* A relay reaches its target by private address: the target is in the
	 * same VPC or a peered one. AWS: "What is VPC peering?",
	 * https://docs.aws.amazon.com/vpc/latest/peering/what-is-vpc-peering.html */
	if (f.vpc != v && !nsim_topology_peered(t, v, f.vpc, NULL)) {
		nsim_diag_error(d, ep->ref.pos,
				"host '%s': target '%s' is in VPC '%s', which is neither '%s' nor peered with it: "
				"a proxy reaches its targets by private address (add a peering)",
				nm(&h->name), ep->ref.name, nm(&t->vpcs[f.vpc].name), nm(&t->vpcs[v].name));
		return;
	}
	ep->kind = NSIM_EP_HOST;
	ep->vpc = f.vpc;
	ep->idx = f.idx;
	check_target_ports(h, &t->vpcs[f.vpc].hosts[f.idx], &ep->ref, d);
	/* netsim rule: a target listed twice is a mistake */
	if (target_listed_before(h, i))
		nsim_diag_error(d, ep->ref.pos, "host '%s' lists target '%s' twice", nm(&h->name), ep->ref.name);
}

static void check_targets(struct nsim_topology *t, size_t v, size_t hi, struct nsim_diags *d)
{
	struct nsim_host *h = &t->vpcs[v].hosts[hi];

	if (h->n_targets == 0)
		return;
	/* netsim rule: targets: makes a proxy (an RDS Proxy at the network
	 * level) relay its listen: ports; other kinds of host do not relay */
	if (h->kind != NSIM_HOST_PROXY) {
		nsim_diag_error(d, h->targets[0].ref.pos,
				"host '%s': targets: is for hosts of kind proxy (this one is %s): write "
				"kind: proxy to make it relay",
				nm(&h->name), nsim_host_kind_name(h->kind));
		return;
	}
	/* netsim rule: the relay serves the proxy's listen: ports */
	if (h->n_listen == 0)
		nsim_diag_error(d, h->targets[0].ref.pos,
				"host '%s' has targets: but no listen: ports: the proxy relays connections to its "
				"listen ports (add e.g. listen: [3306/tcp])",
				nm(&h->name));
	/* netsim rule: the relay and a run: service would serve the same ports */
	if (h->run.argc)
		nsim_diag_error(d, h->run.pos,
				"host '%s' has both run: and targets: netsim's relay serves the listen: ports of a "
				"proxy with targets, so run: would compete for them (keep one)",
				nm(&h->name));
	for (size_t i = 0; i < h->n_targets; i++)
		check_target(t, v, hi, i, d);
}

int nsim_validate_services(struct nsim_topology *t, struct nsim_diags *d)
{
	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t i = 0; i < t->vpcs[v].n_hosts; i++) {
			check_run(&t->vpcs[v].hosts[i], d);
			check_targets(t, v, i, d);
		}
	return d->oom ? -ENOMEM : 0;
}

void nsim_validate_command_expect(const struct nsim_expect *e, struct nsim_diags *d)
{
	/* netsim rule: a command reports an exit status: it succeeds or fails */
	if (e->verdict == NSIM_VERDICT_REACHABLE || e->verdict == NSIM_VERDICT_UNREACHABLE ||
	    e->verdict == NSIM_VERDICT_INTERMITTENT)
		nsim_diag_error(d, e->verdict_pos.line ? e->verdict_pos : e->pos,
				"a command: expectation has verdict succeeds (exit status 0) or fails, not %s",
				nsim_verdict_name(e->verdict));
	/* netsim rule: the command names its own destinations; the probe keys
	 * describe one probe, which a command: expectation does not send */
	if (e->has_port || e->proto_pos.line)
		nsim_diag_error(d, e->has_port ? e->port.pos : e->proto_pos,
				"a command: expectation has no port or protocol: the command chooses what it "
				"connects to (remove them, or write a probe expectation with to:)");
	if (e->has_seen_source)
		nsim_diag_error(d, e->seen_source.ref.pos,
				"seen_source is checked on probe expectations (to:), not on command:");
	if (e->n_via)
		nsim_diag_error(d, e->via[0].ref.pos, "via is checked on probe expectations (to:), not on command:");
	if (e->has_reaches)
		nsim_diag_error(d, e->reaches.ref.pos,
				"reaches is checked on probe expectations (to:), not on command:");
}

void nsim_validate_probe_expect(const struct nsim_expect *e, struct nsim_diags *d)
{
	/* netsim rule: a timeout bounds a command; probes have their own */
	if (e->timeout_ms)
		nsim_diag_error(d, e->timeout_pos,
				"timeout applies to command: expectations; a probe has its own timeouts (remove it)");
	/* netsim rule: a probe's verdict is about packets */
	if (e->verdict == NSIM_VERDICT_SUCCEEDS || e->verdict == NSIM_VERDICT_FAILS)
		nsim_diag_error(d, e->verdict_pos,
				"verdict %s is for command: expectations; a probe (to:) is reachable, unreachable or "
				"intermittent",
				nsim_verdict_name(e->verdict));
	/* netsim rule: reaches says where the bytes of a connection arrive */
	if (e->has_reaches && e->verdict != NSIM_VERDICT_REACHABLE)
		nsim_diag_error(d, e->reaches.ref.pos,
				"reaches is checked on reachable expectations: an unreachable flow arrives nowhere "
				"(remove it)");
}
