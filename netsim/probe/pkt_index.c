/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "probe/pkt_index.h"

#define N_PORTS 65536

int nsim_check_pkt_index_build(const struct nsim_packet *pkts, size_t n, struct nsim_check_pkt_index *ret)
{
	size_t *start = calloc(N_PORTS + 1, sizeof(*start));
	size_t *idx = malloc((2 * n + 1) * sizeof(*idx));
	if (!start || !idx) {
		free(start);
		free(idx);
		return -ENOMEM;
	}
	/* counting sort: counts, then offsets, then the indexes in order */
	for (size_t i = 0; i < n; i++) {
		start[pkts[i].sport + 1]++;
		if (pkts[i].dport != pkts[i].sport)
			start[pkts[i].dport + 1]++;
	}
	for (size_t p = 0; p < N_PORTS; p++)
		start[p + 1] += start[p];
	size_t *next = malloc(N_PORTS * sizeof(*next));
	if (!next) {
		free(start);
		free(idx);
		return -ENOMEM;
	}
	for (size_t p = 0; p < N_PORTS; p++)
		next[p] = start[p];
	for (size_t i = 0; i < n; i++) {
		idx[next[pkts[i].sport]++] = i;
		if (pkts[i].dport != pkts[i].sport)
			idx[next[pkts[i].dport]++] = i;
	}
	free(next);
	*ret = (struct nsim_check_pkt_index){.start = start, .idx = idx};
	return 0;
}

void nsim_check_pkt_index_done(struct nsim_check_pkt_index *x)
{
	free(x->start);
	free(x->idx);
	*x = (struct nsim_check_pkt_index){0};
}
