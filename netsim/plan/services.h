/* SPDX-License-Identifier: MIT */
/* The run: services of a topology as plan processes (pure). */
#pragma once

#include "model/model.h"
#include "model/util.h"
#include "plan/plan.h"

/*
 * Appends to p->processes one NSIM_PROCESS_SERVICE per host of t with run:
 * (in topology order, after what p->processes holds), named "service-HOST",
 * in the host's namespace (found in p->hosts), ready = the host's TCP listen:
 * ports (first port of each range), argv pointing into t. Everything else is
 * allocated in p's arena. 0, -ENOMEM, or -ENOENT when a host of t has no
 * namespace in p.
 */
_must_check_ int nsim_plan_services(struct nsim_plan *p, const struct nsim_topology *t);

/*
 * Fills p->relays: one per host of t with targets: (a target that names no
 * host of t is left out), named after the host, log "relay-HOST.log", in
 * p's arena. 0, -ENOMEM, -ENOENT (a host without namespace in p).
 */
_must_check_ int nsim_plan_relays(struct nsim_plan *p, const struct nsim_topology *t);
/* The relay of host `host` in p, or NULL. */
const struct nsim_plan_relay *nsim_plan_relay_of(const struct nsim_plan *p, const char *host);

/* The service process of host `host` in p, or NULL (the host has no run:). */
const struct nsim_plan_process *nsim_plan_service_of(const struct nsim_plan *p, const char *host);
