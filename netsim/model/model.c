/* SPDX-License-Identifier: MIT */
#include <stdlib.h>

#include "model/model.h"

struct nsim_topology *nsim_topology_new(const char *file)
{
	struct nsim_arena *a = nsim_arena_new();
	if (!a)
		return NULL;
	struct nsim_topology *t = nsim_arena_alloc(a, 1, sizeof(*t));
	if (!t || !(t->file = nsim_arena_strdup(a, file ? file : "<input>"))) {
		nsim_arena_free(a);
		return NULL;
	}
	t->arena = a;
	return t;
}

void nsim_topology_free(struct nsim_topology *t)
{
	if (t)
		nsim_arena_free(t->arena); /* t itself lives in the arena */
}

bool nsim_topology_peered(const struct nsim_topology *t, size_t a, size_t b, size_t *ret_peering)
{
	for (size_t i = 0; a != b && i < t->n_peerings; i++) {
		const struct nsim_peering *pc = &t->peerings[i];
		if ((pc->vpc_idx[0] == a && pc->vpc_idx[1] == b) || (pc->vpc_idx[0] == b && pc->vpc_idx[1] == a)) {
			if (ret_peering)
				*ret_peering = i;
			return true;
		}
	}
	return false;
}

bool nsim_sg_member(const size_t *sg_idx, size_t n, size_t sg)
{
	if (sg == NSIM_NONE)
		return n == 0;
	for (size_t k = 0; k < n; k++)
		if (sg_idx[k] == sg)
			return true;
	return false;
}

const char *nsim_proto_name(enum nsim_proto p)
{
	switch (p) {
	case NSIM_PROTO_ALL:
		return "all";
	case NSIM_PROTO_TCP:
		return "tcp";
	case NSIM_PROTO_UDP:
		return "udp";
	case NSIM_PROTO_ICMP:
		return "icmp";
	}
	return "?";
}

const char *nsim_host_kind_name(enum nsim_host_kind k)
{
	switch (k) {
	case NSIM_HOST_INSTANCE:
		return "instance";
	case NSIM_HOST_FUNCTION:
		return "function";
	case NSIM_HOST_PROXY:
		return "proxy";
	case NSIM_HOST_DATABASE:
		return "database";
	}
	return "?";
}

const char *nsim_verdict_name(enum nsim_verdict v)
{
	switch (v) {
	case NSIM_VERDICT_REACHABLE:
		return "reachable";
	case NSIM_VERDICT_UNREACHABLE:
		return "unreachable";
	case NSIM_VERDICT_SUCCEEDS:
		return "succeeds";
	case NSIM_VERDICT_FAILS:
		return "fails";
	case NSIM_VERDICT_INTERMITTENT:
		return "intermittent";
	}
	return "?";
}

const char *nsim_os_name(enum nsim_os os)
{
	switch (os) {
	case NSIM_OS_LINUX:
		return "linux";
	case NSIM_OS_WINDOWS:
		return "windows";
	}
	return "?";
}
