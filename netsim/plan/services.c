/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/arena.h"
#include "plan/plan-internal.h"
#include "plan/services.h"

static const char *host_ns(const struct nsim_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_hosts; i++)
		if (streq(p->hosts[i].name, name))
			return p->hosts[i].ns;
	return NULL;
}

int nsim_plan_services(struct nsim_plan *p, const struct nsim_topology *t)
{
	for (size_t vi = 0; vi < t->n_vpcs; vi++) {
		const struct nsim_vpc *v = &t->vpcs[vi];
		for (size_t hi = 0; hi < v->n_hosts; hi++) {
			const struct nsim_host *h = &v->hosts[hi];
			if (!h->run.argc)
				continue;
			const char *ns = host_ns(p, h->name.name);
			if (!ns)
				return -ENOENT;
			size_t n_tcp = 0;
			for (size_t k = 0; k < h->n_listen; k++)
				n_tcp += h->listen[k].proto == NSIM_PROTO_TCP;
			struct nsim_service *ready = nsim_arena_alloc(p->arena, n_tcp + 1, sizeof(*ready));
			size_t len = strlen(h->name.name) + sizeof("service-");
			char *name = nsim_arena_alloc(p->arena, len, 1);
			if (!ready || !name)
				return -ENOMEM;
			snprintf(name, len, "service-%s", h->name.name);
			n_tcp = 0;
			for (size_t k = 0; k < h->n_listen; k++)
				if (h->listen[k].proto == NSIM_PROTO_TCP)
					ready[n_tcp++] = h->listen[k];
			int r = nsim_plan_add_process(p, &(struct nsim_plan_process){
						  .kind = NSIM_PROCESS_SERVICE, .name = name, .ns = ns,
						  .host = h->name.name, .vpc = v->name.name, .argv = &h->run,
						  .ready = ready, .n_ready = n_tcp,
						  .ready_timeout_ms = h->ready_timeout_ms});
			if (r < 0)
				return r;
		}
	}
	return 0;
}

const struct nsim_plan_process *nsim_plan_service_of(const struct nsim_plan *p, const char *host)
{
	for (size_t i = 0; i < p->n_processes; i++)
		if (p->processes[i].kind == NSIM_PROCESS_SERVICE && p->processes[i].host &&
		    streq(p->processes[i].host, host))
			return &p->processes[i];
	return NULL;
}

static const struct nsim_host *find_host(const struct nsim_topology *t, const struct nsim_endpoint *ep)
{
	if (ep->kind == NSIM_EP_HOST && ep->vpc < t->n_vpcs && ep->idx < t->vpcs[ep->vpc].n_hosts)
		return &t->vpcs[ep->vpc].hosts[ep->idx];
	for (size_t vi = 0; ep->ref.name && vi < t->n_vpcs; vi++)
		for (size_t hi = 0; hi < t->vpcs[vi].n_hosts; hi++)
			if (streq(t->vpcs[vi].hosts[hi].name.name, ep->ref.name))
				return &t->vpcs[vi].hosts[hi];
	return NULL;
}

int nsim_plan_relays(struct nsim_plan *p, const struct nsim_topology *t)
{
	size_t n = 0;
	for (size_t vi = 0; vi < t->n_vpcs; vi++)
		for (size_t hi = 0; hi < t->vpcs[vi].n_hosts; hi++)
			n += t->vpcs[vi].hosts[hi].n_targets > 0;
	if (!n)
		return 0;
	struct nsim_plan_relay *relays = nsim_arena_alloc(p->arena, n, sizeof(*relays));
	if (!relays)
		return -ENOMEM;
	n = 0;
	for (size_t vi = 0; vi < t->n_vpcs; vi++)
		for (size_t hi = 0; hi < t->vpcs[vi].n_hosts; hi++) {
			const struct nsim_host *h = &t->vpcs[vi].hosts[hi];
			if (!h->n_targets)
				continue;
			const char *ns = host_ns(p, h->name.name);
			if (!ns)
				return -ENOENT;
			uint32_t *addrs = nsim_arena_alloc(p->arena, h->n_targets, sizeof(*addrs));
			const char **names = nsim_arena_alloc(p->arena, h->n_targets, sizeof(*names));
			size_t len = strlen(h->name.name) + sizeof("relay-.log");
			char *log = nsim_arena_alloc(p->arena, len, 1);
			if (!addrs || !names || !log)
				return -ENOMEM;
			snprintf(log, len, "relay-%s.log", h->name.name);
			size_t k = 0;
			for (size_t i = 0; i < h->n_targets; i++) {
				const struct nsim_host *target = find_host(t, &h->targets[i]);
				if (!target)
					continue;
				names[k] = target->name.name;
				addrs[k++] = target->address;
			}
			relays[n++] = (struct nsim_plan_relay){.host = h->name.name, .ns = ns, .log = log,
							       .target_names = names, .targets = addrs,
							       .n_targets = k};
		}
	p->relays = relays;
	p->n_relays = n;
	return 0;
}

const struct nsim_plan_relay *nsim_plan_relay_of(const struct nsim_plan *p, const char *host)
{
	for (size_t i = 0; i < p->n_relays; i++)
		if (streq(p->relays[i].host, host))
			return &p->relays[i];
	return NULL;
}
