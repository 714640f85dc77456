/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "model/ports.h"

struct nsim_ports nsim_ports_range(uint16_t from, uint16_t to)
{
	struct nsim_ports p = {0};
	if (from <= to)
		p.r[p.n++] = (struct nsim_port_range){from, to};
	return p;
}

uint32_t nsim_ports_count(const struct nsim_ports *p)
{
	uint32_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += (uint32_t)p->r[i].to - p->r[i].from + 1;
	return n;
}

bool nsim_ports_equal(const struct nsim_ports *a, const struct nsim_ports *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->r[i].from != b->r[i].from || a->r[i].to != b->r[i].to)
			return false;
	return true;
}

bool nsim_ports_contains(const struct nsim_ports *p, uint16_t port)
{
	for (size_t i = 0; i < p->n; i++)
		if (port >= p->r[i].from && port <= p->r[i].to)
			return true;
	return false;
}

/* Appends from..to (>= every interval in p), merging with the last one when
 * they touch; past NSIM_PORTS_MAX, merges the two closest intervals. */
static void push(struct nsim_ports *p, uint32_t from, uint32_t to)
{
	if (p->n && (uint32_t)p->r[p->n - 1].to + 1 >= from) {
		if (to > p->r[p->n - 1].to)
			p->r[p->n - 1].to = (uint16_t)to;
		return;
	}
	if (p->n == NSIM_PORTS_MAX) {
		size_t best = 0;
		uint32_t gap = UINT32_MAX;
		for (size_t i = 0; i + 1 < p->n; i++)
			if ((uint32_t)p->r[i + 1].from - p->r[i].to < gap) {
				gap = (uint32_t)p->r[i + 1].from - p->r[i].to;
				best = i;
			}
		p->r[best].to = p->r[best + 1].to;
		memmove(&p->r[best + 1], &p->r[best + 2], (p->n - best - 2) * sizeof(p->r[0]));
		p->n--;
		p->coarse = true;
	}
	p->r[p->n++] = (struct nsim_port_range){(uint16_t)from, (uint16_t)to};
}

void nsim_ports_intersect(const struct nsim_ports *a, const struct nsim_ports *b, struct nsim_ports *ret)
{
	struct nsim_ports out = {.coarse = a->coarse || b->coarse};
	for (size_t i = 0, j = 0; i < a->n && j < b->n;) {
		uint32_t lo = a->r[i].from > b->r[j].from ? a->r[i].from : b->r[j].from;
		uint32_t hi = a->r[i].to < b->r[j].to ? a->r[i].to : b->r[j].to;
		if (lo <= hi)
			push(&out, lo, hi);
		if (a->r[i].to < b->r[j].to)
			i++;
		else
			j++;
	}
	*ret = out;
}

void nsim_ports_union(const struct nsim_ports *a, const struct nsim_ports *b, struct nsim_ports *ret)
{
	struct nsim_ports out = {.coarse = a->coarse || b->coarse};
	for (size_t i = 0, j = 0; i < a->n || j < b->n;) {
		const struct nsim_port_range *r = j >= b->n || (i < a->n && a->r[i].from <= b->r[j].from) ? &a->r[i++]
													   : &b->r[j++];
		push(&out, r->from, r->to);
	}
	*ret = out;
}

void nsim_ports_subtract(const struct nsim_ports *a, const struct nsim_ports *b, struct nsim_ports *ret)
{
	struct nsim_ports out = {.coarse = a->coarse || b->coarse};
	size_t j = 0;
	for (size_t i = 0; i < a->n; i++) {
		uint32_t lo = a->r[i].from, hi = a->r[i].to;
		while (j < b->n && b->r[j].to < lo)
			j++;
		for (size_t k = j; k < b->n && b->r[k].from <= hi && lo <= hi; k++) {
			if (b->r[k].from > lo)
				push(&out, lo, b->r[k].from - 1u);
			lo = (uint32_t)b->r[k].to + 1;
		}
		if (lo <= hi)
			push(&out, lo, hi);
	}
	*ret = out;
}

const char *nsim_ports_fmt(const struct nsim_ports *p, char *buf, size_t size)
{
	static const char ell[] = "…";
	size_t len = 0;
	if (!size)
		return buf;
	buf[0] = '\0';
	if (!p->n) {
		snprintf(buf, size, "none");
		return buf;
	}
	for (size_t i = 0; i < p->n; i++) {
		int k = p->r[i].from == p->r[i].to
				? snprintf(buf + len, size - len, "%s%u", i ? ", " : "", p->r[i].from)
				: snprintf(buf + len, size - len, "%s%u-%u", i ? ", " : "", p->r[i].from, p->r[i].to);
		if (k < 0 || len + (size_t)k >= size) {
			if (size >= sizeof(ell)) {
				memcpy(buf + size - sizeof(ell), ell, sizeof(ell));
			}
			return buf;
		}
		len += (size_t)k;
	}
	return buf;
}
