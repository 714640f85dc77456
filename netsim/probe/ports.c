/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "apply/apply.h"
#include "model/net.h"
#include "model/util.h"
#include "plan/plan.h"
#include "probe/ports.h"

void nsim_check_ports_init(struct nsim_check_ports *p)
{
	*p = (struct nsim_check_ports){0};
	const char *seed = getenv("NETSIM_CHECK_SEED");
	if (seed && *seed)
		p->rng = strtoull(seed, NULL, 0);
	else if (getrandom(&p->rng, sizeof(p->rng), GRND_NONBLOCK) != sizeof(p->rng))
		p->rng = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull ^ (uint64_t)nsim_clock_ms(CLOCK_REALTIME);
	p->rng |= 1;
}

static uint64_t next(struct nsim_check_ports *p)
{
	/* xorshift64*: enough for spreading ports */
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 0x2545F4914F6CDD1Dull;
}

struct nsim_port_range nsim_check_source_ports(const struct nsim_topology *t, const struct nsim_endpoint *from)
{
	struct nsim_port_range r = {0, 0};
	if (from->kind == NSIM_EP_HOST)
		r = t->vpcs[from->vpc].hosts[from->idx].ephemeral;
	else if (from->kind == NSIM_EP_INET_HOST)
		r = t->inet_hosts[from->idx].ephemeral;
	if (!r.from)
		r = from->kind == NSIM_EP_HOST ? (struct nsim_port_range){32768, 60999} : (struct nsim_port_range){1024, 65535};
	return r;
}

static bool used(const struct nsim_check_ports *p, uint32_t port)
{
	return p->used[port / 64] >> (port % 64) & 1;
}

uint16_t nsim_check_ports_pick(struct nsim_check_ports *p, struct nsim_port_range range, const struct nsim_ports *set,
			       bool outside, bool fallback)
{
	struct nsim_ports all = nsim_ports_range(range.from ? range.from : 1, range.to), cand;
	if (!set)
		cand = all;
	else if (outside)
		nsim_ports_subtract(&all, set, &cand);
	else
		nsim_ports_intersect(&all, set, &cand);
	uint32_t n = nsim_ports_count(&cand);
	if (n) {
		/* from a random place in the set, the first port not given out */
		uint32_t k = (uint32_t)(next(p) % n);
		for (uint32_t tries = 0; tries < n; tries++, k = (k + 1) % n) {
			uint32_t rest = k;
			for (size_t i = 0; i < cand.n; i++) {
				uint32_t len = (uint32_t)cand.r[i].to - cand.r[i].from + 1;
				if (rest >= len) {
					rest -= len;
					continue;
				}
				uint32_t port = cand.r[i].from + rest;
				if (!used(p, port)) {
					p->used[port / 64] |= 1ull << (port % 64);
					return (uint16_t)port;
				}
				break;
			}
		}
	}
	if (!fallback)
		return 0;
	return nsim_check_ports_pick(p, (struct nsim_port_range){1024, 65535}, NULL, false, false);
}

int nsim_check_ports_pin(struct nsim_check_ports *p, const char *ns, enum nsim_proto proto, uint32_t client,
			 uint16_t sport, uint32_t dst, uint16_t dport, uint32_t nat_addr, uint16_t nat_port)
{
	struct nsim_check_pin *pin = NULL;
	for (size_t i = 0; i < p->n_pins; i++)
		if (streq(p->pins[i].ns, ns))
			pin = &p->pins[i];
	if (!pin) {
		struct nsim_check_pin *n = reallocarray(p->pins, p->n_pins + 1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		p->pins = n;
		pin = &p->pins[p->n_pins];
		*pin = (struct nsim_check_pin){.ns = strdup(ns), .rules = strdup("")};
		if (!pin->ns || !pin->rules) {
			free(pin->ns);
			free(pin->rules);
			return -ENOMEM;
		}
		p->n_pins++;
	}
	char c[NSIM_ADDR_STRLEN], d[NSIM_ADDR_STRLEN], g[NSIM_ADDR_STRLEN], *rules;
	const char *l4 = proto == NSIM_PROTO_UDP ? "udp" : "tcp";
	if (asprintf(&rules, "%s\t\tip saddr %s %s sport %u ip daddr %s %s dport %u snat to %s:%u\n", pin->rules,
		     nsim_addr_fmt(client, c), l4, sport, nsim_addr_fmt(dst, d), l4, dport, nsim_addr_fmt(nat_addr, g),
		     nat_port) < 0)
		return -ENOMEM;
	free(pin->rules);
	pin->rules = rules;
	return 0;
}

/* The run's own table: one per process, so concurrent checks do not meet. */
static void table_name(char *buf, size_t size)
{
	snprintf(buf, size, "netsim-check-%ld", (long)getpid());
}

/* netsim rule: a NAT chain of a higher priority (lower number) than the NAT
 * gateway's own decides the connection's mapping first; the kernel then
 * runs no later NAT chain for it. */
int nsim_check_ports_apply(struct nsim_check_ports *p, char **ret_error)
{
	if (!p->n_pins)
		return 0;
	_cleanup_(nsim_apply_freep) struct nsim_apply *ctx = NULL;
	int r = nsim_apply_new(NULL, NULL, &ctx);
	if (r < 0)
		return r;
	char table[40];
	table_name(table, sizeof(table));
	for (size_t i = 0; i < p->n_pins; i++) {
		_cleanup_free_ char *text = NULL;
		if (asprintf(&text,
			     "table ip %s {\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat - 1; policy "
			     "accept;\n%s\t}\n}\n",
			     table, p->pins[i].rules) < 0)
			return -ENOMEM;
		struct nsim_op op = {.kind = NSIM_OP_NFT, .ns = p->pins[i].ns, .text = text,
				     .comment = "check: a NAT gateway's source port pinned for a probe"};
		p->applied = true;
		if ((r = nsim_apply_ops(ctx, &op, 1, NULL)) < 0) {
			if (ret_error && asprintf(ret_error, "pinning a NAT gateway's source port for a probe: %s",
						  nsim_apply_last_error(ctx)) < 0)
				*ret_error = NULL;
			return r;
		}
	}
	return 0;
}

void nsim_check_ports_unpin(struct nsim_check_ports *p)
{
	if (!p->applied)
		return;
	p->applied = false;
	_cleanup_(nsim_apply_freep) struct nsim_apply *ctx = NULL;
	if (nsim_apply_new(NULL, NULL, &ctx) < 0)
		return;
	char table[40], text[64];
	table_name(table, sizeof(table));
	snprintf(text, sizeof(text), "delete table ip %s\n", table);
	for (size_t i = 0; i < p->n_pins; i++) {
		struct nsim_op op = {.kind = NSIM_OP_NFT, .ns = p->pins[i].ns, .text = text,
				     .comment = "check: the pinned NAT ports removed"};
		/* a namespace gone, or a table never loaded there: nothing to remove */
		(void)!nsim_apply_ops(ctx, &op, 1, NULL);
	}
}

void nsim_check_ports_done(struct nsim_check_ports *p)
{
	nsim_check_ports_unpin(p);
	for (size_t i = 0; i < p->n_pins; i++) {
		free(p->pins[i].ns);
		free(p->pins[i].rules);
	}
	free(p->pins);
	p->pins = NULL;
	p->n_pins = 0;
}
