/* SPDX-License-Identifier: MIT */
/*
 * The Amazon-provided DNS server of each VPC with dns_support: dnsmasq in the
 * VPC router's namespace, listening on the VPC's base address +2 and on
 * 169.254.169.253 (both /32 on the router's lo), answering the VPC's view
 * (model/dns.h) and nothing else: no upstream, NXDOMAIN for the rest. And
 * every VPC host's /etc/resolv.conf and /etc/hosts.
 *
 * AWS: "Amazon DNS server",
 *   https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#AmazonDNS
 * "DNS attributes for your VPC",
 *   https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/dns.h"
#include "model/hashmap.h"
#include "plan/plan-internal.h"

static const struct nsim_service dns_ready = {.from = 53, .to = 53, .proto = NSIM_PROTO_TCP};

uint32_t nsim_plan_dns_address(const struct nsim_vpc *v)
{
	return nsim_cidr_network(v->cidr) + 2;
}

struct conf {
	const struct nsim_topology *t;
	size_t vi;
	FILE *f;
	struct nsim_hashmap seen; /* names written: the first record of a name is its answer */
};

static int conf_record(const struct nsim_dns_rr *rr, void *userdata)
{
	struct conf *c = userdata;
	char a[NSIM_ADDR_STRLEN];
	/* an interface endpoint's name has one record per network interface:
	 * the later ones of the same endpoint are answers too (one host-record
	 * line each; dnsmasq answers them all) */
	void *mark = rr->source == NSIM_DNS_FROM_ENDPOINT ? (void *)(uintptr_t)(2 + rr->idx) : (void *)1;
	void *seen = nsim_hashmap_get(&c->seen, rr->name);
	if (seen && (seen != mark || mark == (void *)1))
		return 0;
	int r = seen ? 0 : nsim_hashmap_put(&c->seen, rr->name, mark);
	if (r < 0)
		return r;
	/* names are the user's text: one that could break the line format is
	 * left out (the validator refuses them; this is a backstop) */
	if (strpbrk(rr->name, ",/#= \t\n\\") || (rr->target && strpbrk(rr->target, ",/#= \t\n\\")))
		return 0;
	if (rr->type == NSIM_DNS_A) {
		fprintf(c->f, "host-record=%s,%s\n", rr->name, nsim_addr_fmt(rr->addr, a));
		return 0;
	}
	/* a CNAME whose chain ends nowhere in the view, or loops, is left out:
	 * the name gets NXDOMAIN as nsim_dns_resolve() says (and dnsmasq
	 * refuses to start on a CNAME loop) */
	struct nsim_dns_answer ans;
	r = c->vi == NSIM_NONE ? nsim_dns_resolve_public(c->t, rr->name, &ans)
			       : nsim_dns_resolve(c->t, c->vi, rr->name, &ans);
	if (r == -ENOENT || r == -ELOOP)
		return 0;
	if (r < 0)
		return r;
	fprintf(c->f, "cname=%s,%s\n", rr->name, rr->target);
	return 0;
}

/* A dnsmasq configuration: VPC vi's view (NSIM_NONE: public DNS),
 * listening on addrs. *ret malloc'd. */
static int build_conf(const struct nsim_topology *t, size_t vi, const char *title, const uint32_t *addrs, size_t n,
		      char **ret)
{
	char *text = NULL, a[NSIM_ADDR_STRLEN];
	size_t len = 0;
	struct conf c = {.t = t, .vi = vi, .f = open_memstream(&text, &len)};
	if (!c.f)
		return -ENOMEM;
	fprintf(c.f, "# netsim: %s (", title);
	for (size_t i = 0; i < n; i++)
		fprintf(c.f, "%s%s", i ? " and " : "", nsim_addr_fmt(addrs[i], a));
	fprintf(c.f, ")\n"
		     "# answers its view only: no upstream, no /etc/hosts, NXDOMAIN for any other name\n"
		     "no-resolv\n"
		     "no-hosts\n"
		     "no-poll\n"
		     "bind-interfaces\n");
	for (size_t i = 0; i < n; i++)
		fprintf(c.f, "listen-address=%s\n", nsim_addr_fmt(addrs[i], a));
	fprintf(c.f, "port=53\n"
		     "local=/#/\n"
		     "pid-file=\n"
		     "user=nobody\n"
		     "group=nogroup\n"
		     "log-facility=-\n"
		     "cache-size=0\n"
		     "local-ttl=60\n");
	int r = vi == NSIM_NONE ? nsim_dns_public_foreach(t, conf_record, &c) : nsim_dns_view_foreach(t, vi, conf_record, &c);
	nsim_hashmap_clear(&c.seen, NULL);
	if (fclose(c.f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0) {
		free(text);
		return r;
	}
	*ret = text;
	return 0;
}

int nsim_plan_dns_conf(const struct nsim_topology *t, size_t vi, char **ret)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	const uint32_t addrs[] = {nsim_plan_dns_address(v), NSIM_DNS_LINK_LOCAL};
	char title[128];
	snprintf(title, sizeof(title), "the Amazon-provided DNS server of VPC %s", v->name.name);
	return build_conf(t, vi, title, addrs, ELEMENTSOF(addrs), ret);
}

static int add_host_files(struct nsim_plan *p, const struct nsim_topology *t, size_t vi)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	char a[NSIM_ADDR_STRLEN], d[NSIM_DNS_NAME_MAX], pn[NSIM_DNS_NAME_MAX];
	nsim_dns_domain(t, d, sizeof(d));
	size_t from = 0; /* p->hosts has the VPC's hosts in order: search on from the last one */
	for (size_t i = 0; i < v->n_hosts; i++) {
		const struct nsim_host *h = &v->hosts[i];
		struct nsim_plan_host *ph = NULL;
		for (size_t n = 0; n < p->n_hosts && !ph; n++) {
			size_t k = (from + n) % p->n_hosts;
			if (streq(p->hosts[k].name, h->name.name) && p->hosts[k].addr == h->address)
				ph = &p->hosts[k], from = k + 1;
		}
		if (!ph)
			continue;
		nsim_dns_private_name(t, h->address, pn, sizeof(pn));
		char *short_name = nsim_arena_strndup(p->arena, pn, strcspn(pn, "."));
		ph->resolv_conf.name = nsim_arena_printf(p->arena, "resolv-%s.conf", h->name.name);
		ph->resolv_conf.text = nsim_arena_printf(
			p->arena, "# netsim: host %s of VPC %s%s\nsearch %s\nnameserver %s\n", h->name.name, v->name.name,
			v->dns_support ? "" : " (dns_support: false: nothing answers)", d,
			nsim_addr_fmt(nsim_plan_dns_address(v), a));
		ph->hosts_file.name = nsim_arena_printf(p->arena, "hosts-%s", h->name.name);
		ph->hosts_file.text = nsim_arena_printf(
			p->arena, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s %s %s\n",
			nsim_addr_fmt(h->address, a), pn, short_name ? short_name : "", h->name.name);
		if (!short_name || !ph->resolv_conf.name || !ph->resolv_conf.text || !ph->hosts_file.name ||
		    !ph->hosts_file.text)
			return -ENOMEM;
	}
	return 0;
}

/* A dnsmasq process "dns-<name>" in ns with its configuration conf (copied). */
static int add_resolver(struct nsim_plan *p, const char *conf, const char *name_, const char *ns, const char *vpc,
			uint32_t ready_addr)
{
	struct nsim_plan_file *file = nsim_arena_alloc(p->arena, 1, sizeof(*file));
	struct nsim_argv *argv = nsim_arena_alloc(p->arena, 1, sizeof(*argv));
	char **args = nsim_arena_alloc(p->arena, 4, sizeof(*args));
	const char *name = nsim_arena_printf(p->arena, "dns-%s", name_);
	if (!file || !argv || !args || !name)
		return -ENOMEM;
	file->name = nsim_arena_printf(p->arena, "%s.conf", name);
	file->text = nsim_arena_strdup(p->arena, conf);
	if (!file->name || !file->text)
		return -ENOMEM;
	args[0] = (char *)"dnsmasq";
	args[1] = (char *)"--keep-in-foreground";
	args[2] = nsim_arena_printf(p->arena, "--conf-file=" NSIM_PLAN_STATE_DIR "/%s", file->name);
	args[3] = NULL;
	if (!args[2])
		return -ENOMEM;
	*argv = (struct nsim_argv){.argv = args, .argc = 3};
	struct nsim_plan_process pr = {
		.kind = NSIM_PROCESS_RESOLVER,
		.name = name,
		.ns = ns,
		.vpc = vpc,
		.argv = argv,
		.files = file,
		.n_files = 1,
		.ready = &dns_ready,
		.n_ready = 1,
		.ready_timeout_ms = 5000,
		.ready_addr = ready_addr,
	};
	return nsim_plan_add_process(p, &pr);
}

int nsim_plan_dns(struct nsim_plan *p, const struct nsim_topology *t, size_t vi, const char *router)
{
	const struct nsim_vpc *v = &t->vpcs[vi];
	int r = add_host_files(p, t, vi);
	if (r < 0 || !v->dns_support)
		return r;

	const uint32_t addrs[] = {nsim_plan_dns_address(v), NSIM_DNS_LINK_LOCAL};
	for (size_t i = 0; i < ELEMENTSOF(addrs); i++) {
		struct nsim_op o = {.kind = NSIM_OP_ADDR, .ns = router, .ifname = "lo", .addr = addrs[i], .prefix = 32,
				    .table = NSIM_TABLE_MAIN,
				    .comment = nsim_arena_printf(p->arena, "VPC %s: Amazon-provided DNS server (%s)",
								 v->name.name, i ? "link-local" : "+2")};
		if (!o.comment || (r = nsim_plan_add_op(p, &o)) < 0)
			return -ENOMEM;
	}

	char *conf = NULL;
	if ((r = nsim_plan_dns_conf(t, vi, &conf)) < 0)
		return r;
	r = add_resolver(p, conf, v->name.name, router, v->name.name, addrs[0]);
	free(conf);
	return r;
}

static int any_record(const struct nsim_dns_rr *rr, void *userdata)
{
	(void)rr;
	(void)userdata;
	return 1;
}

int nsim_plan_dns_public(struct nsim_plan *p, const struct nsim_topology *t, const char *internet, uint32_t addr)
{
	char a[NSIM_ADDR_STRLEN];
	nsim_addr_fmt(addr, a);
	for (size_t i = 0; i < p->n_hosts; i++) {
		struct nsim_plan_host *ph = &p->hosts[i];
		if (!streq(ph->kind, "internet"))
			continue;
		ph->resolv_conf.name = nsim_arena_printf(p->arena, "resolv-%s.conf", ph->name);
		ph->resolv_conf.text = nsim_arena_printf(p->arena, "# netsim: internet host %s: public DNS\nnameserver %s\n",
							 ph->name, a);
		ph->hosts_file.name = nsim_arena_printf(p->arena, "hosts-%s", ph->name);
		ph->hosts_file.text = nsim_arena_printf(
			p->arena, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n",
			nsim_addr_fmt(ph->addr, a), ph->name);
		nsim_addr_fmt(addr, a);
		if (!ph->resolv_conf.name || !ph->resolv_conf.text || !ph->hosts_file.name || !ph->hosts_file.text)
			return -ENOMEM;
	}
	/* nothing to answer: no process (a query gets "port unreachable" at once) */
	int r = nsim_dns_public_foreach(t, any_record, NULL);
	if (r <= 0)
		return r;
	char *conf = NULL;
	r = build_conf(t, NSIM_NONE, "public DNS, as the internet sees it", &addr, 1, &conf);
	if (r < 0)
		return r;
	r = add_resolver(p, conf, "internet", internet, NULL, addr);
	free(conf);
	return r;
}
