/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "probe/pkt_index.h"

#define N_PORTS 65536

/* The packet of element i of an array of n elements of `stride` bytes,
 * each holding a struct nsim_packet at `offset`. */
static const struct nsim_packet *at(const void *base, size_t stride, size_t offset, size_t i)
{
	return (const struct nsim_packet *)((const char *)base + i * stride + offset);
}

static int build(const void *base, size_t n, size_t stride, size_t offset, struct nsim_check_pkt_index *ret)
{
	size_t *start = calloc(N_PORTS + 1, sizeof(*start));
	size_t *idx = malloc((2 * n + 1) * sizeof(*idx));
	size_t *next = malloc(N_PORTS * sizeof(*next));
	if (!start || !idx || !next) {
		free(start);
		free(idx);
		free(next);
		return -ENOMEM;
	}
	/* counting sort: counts, then offsets, then the indexes in order */
	for (size_t i = 0; i < n; i++) {
		const struct nsim_packet *p = at(base, stride, offset, i);
		start[p->sport + 1]++;
		if (p->dport != p->sport)
			start[p->dport + 1]++;
	}
	for (size_t p = 0; p < N_PORTS; p++)
		start[p + 1] += start[p];
	for (size_t p = 0; p < N_PORTS; p++)
		next[p] = start[p];
	for (size_t i = 0; i < n; i++) {
		const struct nsim_packet *p = at(base, stride, offset, i);
		idx[next[p->sport]++] = i;
		if (p->dport != p->sport)
			idx[next[p->dport]++] = i;
	}
	free(next);
	*ret = (struct nsim_check_pkt_index){.start = start, .idx = idx};
	return 0;
}

int nsim_check_pkt_index_build(const struct nsim_packet *pkts, size_t n, struct nsim_check_pkt_index *ret)
{
	return build(pkts, n, sizeof(*pkts), 0, ret);
}

int nsim_check_drop_index_build(const struct nsim_drop_packet *drops, size_t n, struct nsim_check_pkt_index *ret)
{
	return build(drops, n, sizeof(*drops), offsetof(struct nsim_drop_packet, p), ret);
}

void nsim_check_pkt_index_done(struct nsim_check_pkt_index *x)
{
	free(x->start);
	free(x->idx);
	*x = (struct nsim_check_pkt_index){0};
}
