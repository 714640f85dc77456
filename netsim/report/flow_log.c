/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "model/net.h"
#include "model/util.h"
#include "report/escape.h"
#include "report/flow_log.h"

/* The fields netsim knows, and the flow log version that has each. AWS:
 * "Available fields",
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html#flow-logs-fields */
static const struct {
	const char *name;
	int version;
} fields[] = {
	{"version", 2},	 {"account-id", 2}, {"interface-id", 2}, {"srcaddr", 2},	 {"dstaddr", 2},
	{"srcport", 2},	 {"dstport", 2},    {"protocol", 2},	 {"packets", 2},	 {"bytes", 2},
	{"start", 2},	 {"end", 2},	    {"action", 2},	 {"log-status", 2},	 {"vpc-id", 3},
	{"subnet-id", 3}, {"instance-id", 3}, {"tcp-flags", 3},	 {"type", 3},		 {"pkt-srcaddr", 3},
	{"pkt-dstaddr", 3}, {"flow-direction", 5}, {"traffic-path", 5},
};

/* netsim's account: a documentation-style placeholder, never a real one */
#define ACCOUNT "000000000000"

/* The next field of *s: its name and length; false at the end; -1 in *bad when it is not `${name}`. */
static bool next_field(const char **s, const char **name, size_t *len, bool *bad)
{
	while (**s == ' ')
		(*s)++;
	if (!**s)
		return false;
	const char *end = strchr(*s, ' ');
	size_t n = end ? (size_t)(end - *s) : strlen(*s);
	*bad = n < 4 || strncmp(*s, "${", 2) != 0 || (*s)[n - 1] != '}';
	*name = *bad ? *s : *s + 2;
	*len = *bad ? n : n - 3;
	*s += n;
	return true;
}

static int field_version(const char *name, size_t len)
{
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (strlen(fields[i].name) == len && strncmp(fields[i].name, name, len) == 0)
			return fields[i].version;
	return 0;
}

int nsim_flow_log_check_format(const char *format, const char **ret_bad, size_t *ret_len)
{
	const char *s = format, *name;
	size_t len, n = 0;
	bool bad;
	while (next_field(&s, &name, &len, &bad)) {
		n++;
		if (bad || !field_version(name, len)) {
			*ret_bad = name;
			*ret_len = len;
			return -EINVAL;
		}
	}
	if (!n) {
		*ret_bad = format;
		*ret_len = 0;
		return -EINVAL;
	}
	return 0;
}

/* One record: a flow (one direction) at one network interface. */
struct rec {
	const struct nsim_vpc *v;
	const struct nsim_host *h; /* the interface's host (NULL: an endpoint's, named by eni) */
	char eni[80];
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto, tcp_flags;
	uint64_t packets, bytes;
	bool accept, ingress;
	const char *traffic_path;
};

static void print_rec(FILE *out, const char *format, int version, const struct rec *r, long long start, long long end)
{
	const char *s = format, *name;
	size_t len;
	bool bad, first = true;
	char a[NSIM_ADDR_STRLEN];
	bool ports = r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP;
	while (next_field(&s, &name, &len, &bad)) {
		char f[32];
		snprintf(f, sizeof(f), "%.*s", (int)(len < sizeof(f) - 1 ? len : sizeof(f) - 1), name);
		if (!first)
			fputc(' ', out);
		first = false;
		if (streq(f, "version"))
			fprintf(out, "%d", version);
		else if (streq(f, "account-id"))
			fputs(ACCOUNT, out);
		else if (streq(f, "interface-id"))
			nsim_report_fputs_escaped(out, r->eni);
		else if (streq(f, "srcaddr") || streq(f, "pkt-srcaddr"))
			fputs(nsim_addr_fmt(r->src, a), out);
		else if (streq(f, "dstaddr") || streq(f, "pkt-dstaddr"))
			fputs(nsim_addr_fmt(r->dst, a), out);
		else if (streq(f, "srcport"))
			fprintf(out, "%u", ports ? r->sport : 0);
		else if (streq(f, "dstport"))
			fprintf(out, "%u", ports ? r->dport : 0);
		else if (streq(f, "protocol"))
			fprintf(out, "%u", r->proto);
		else if (streq(f, "packets"))
			fprintf(out, "%llu", (unsigned long long)r->packets);
		else if (streq(f, "bytes"))
			fprintf(out, "%llu", (unsigned long long)r->bytes);
		else if (streq(f, "start"))
			fprintf(out, "%lld", start);
		else if (streq(f, "end"))
			fprintf(out, "%lld", end);
		else if (streq(f, "action"))
			fputs(r->accept ? "ACCEPT" : "REJECT", out);
		else if (streq(f, "log-status"))
			fputs("OK", out);
		else if (streq(f, "vpc-id"))
			nsim_report_fputs_escaped(out, r->v ? r->v->name.name : "-");
		else if (streq(f, "subnet-id"))
			nsim_report_fputs_escaped(out, r->v && r->h ? r->v->subnets[r->h->subnet_idx].name.name : "-");
		else if (streq(f, "instance-id"))
			nsim_report_fputs_escaped(out, r->h && r->h->kind == NSIM_HOST_INSTANCE ? r->h->name.name : "-");
		else if (streq(f, "tcp-flags"))
			fprintf(out, "%u", r->proto == IPPROTO_TCP ? r->tcp_flags : 0);
		else if (streq(f, "type"))
			fputs("IPv4", out);
		else if (streq(f, "flow-direction"))
			fputs(r->ingress ? "ingress" : "egress", out);
		else if (streq(f, "traffic-path"))
			fputs(r->ingress || !r->traffic_path ? "-" : r->traffic_path, out);
		else
			fputc('-', out);
	}
	fputc('\n', out);
}

static bool host_by_addr(const struct nsim_topology *t, uint32_t a, size_t *ret_v, size_t *ret_h)
{
	for (size_t v = 0; v < t->n_vpcs; v++)
		for (size_t h = 0; h < t->vpcs[v].n_hosts; h++)
			if (t->vpcs[v].hosts[h].address == a) {
				*ret_v = v;
				*ret_h = h;
				return true;
			}
	return false;
}

static void at_host(struct rec *r, const struct nsim_topology *t, size_t v, size_t h)
{
	r->v = &t->vpcs[v];
	r->h = &r->v->hosts[h];
	snprintf(r->eni, sizeof(r->eni), "eni-%s", r->h->name.name);
}

/* The TCP flags of the flow's packets in one direction, as the source's own
 * interface saw them (AWS: the flags of the aggregation interval, ORed). */
static uint8_t flags_of(const struct nsim_check_result *res, uint32_t src)
{
	uint8_t f = 0;
	for (size_t k = 0; k < res->n_hops; k++)
		for (size_t i = 0; i < res->hops[k].n_pkts; i++)
			if (res->hops[k].pkts[i]->src == src && res->hops[k].pkts[i]->proto == IPPROTO_TCP)
				f |= res->hops[k].pkts[i]->tcp_flags;
	return f;
}

/* AWS's codes: 1 through another resource in the same VPC, 4 intra-region
 * VPC peering, 8 internet gateway. */
static const char *path_of(const struct nsim_topology *t, size_t v, uint32_t dst, const struct nsim_host *h)
{
	size_t dv, dh;
	if (nsim_cidr_contains_addr(t->vpcs[v].cidr, dst))
		return "1";
	if (host_by_addr(t, dst, &dv, &dh))
		return "4";
	return h && h->public_ip ? "8" : "1";
}

int nsim_report_flow_log(FILE *out, const struct nsim_topology *t, const struct nsim_check_report *rep,
			 const struct nsim_ct_flow *flows, size_t n_flows, const char *format, long long start,
			 long long end)
{
	const char *bad;
	size_t bad_len;
	if (!format)
		format = NSIM_FLOW_LOG_DEFAULT;
	if (nsim_flow_log_check_format(format, &bad, &bad_len) < 0)
		return -EINVAL;
	int version = 2;
	const char *s = format, *name;
	size_t len;
	bool b;
	while (next_field(&s, &name, &len, &b))
		version = field_version(name, len) > version ? field_version(name, len) : version;

	for (size_t i = 0; i < rep->n_results; i++) {
		const struct nsim_check_result *res = &rep->results[i];
		if (res->is_command || res->probe.outcome == NSIM_PROBE_ERROR || !res->addr)
			continue;
		uint32_t src = res->e->from.kind == NSIM_EP_HOST ? t->vpcs[res->e->from.vpc].hosts[res->e->from.idx].address
				: res->e->from.kind == NSIM_EP_INET_HOST ? t->inet_hosts[res->e->from.idx].address : 0;
		size_t dv = NSIM_NONE, dh = NSIM_NONE;
		bool dst_host = host_by_addr(t, res->addr, &dv, &dh);
		uint8_t proto = res->proto == NSIM_PROTO_TCP ? IPPROTO_TCP : res->proto == NSIM_PROTO_UDP ? IPPROTO_UDP : IPPROTO_ICMP;

		if (res->has_dropped_at) {
			/* REJECT at the interface whose groups decided, else the sender's */
			const struct nsim_check_drop *d = &res->dropped_at;
			struct rec r = {.src = d->src, .dst = d->dst, .sport = d->sport, .dport = d->dport, .proto = d->proto,
					.tcp_flags = d->tcp_flags, .packets = 1, .bytes = d->bytes};
			const struct nsim_decision *dec = &d->decision;
			if (dec->comp.kind == NSIM_COMP_SECURITY_GROUP && dec->host != NSIM_NONE) {
				at_host(&r, t, dec->comp.a, dec->host);
				r.ingress = dec->ingress;
			} else if (dec->comp.kind == NSIM_COMP_NAT && dec->comp.a < t->n_vpcs) {
				r.v = &t->vpcs[dec->comp.a];
				snprintf(r.eni, sizeof(r.eni), "eni-%s", r.v->nat_gateways[dec->comp.b].name.name);
				r.ingress = true;
			} else if (dec->comp.kind == NSIM_COMP_ENDPOINT && dec->comp.a < t->n_vpcs) {
				r.v = &t->vpcs[dec->comp.a];
				snprintf(r.eni, sizeof(r.eni), "eni-%s", r.v->endpoints[dec->comp.b].name.name);
				r.ingress = true;
			} else if (res->e->from.kind == NSIM_EP_HOST) {
				at_host(&r, t, res->e->from.vpc, res->e->from.idx);
			} else if (dst_host) {
				at_host(&r, t, dv, dh);
				r.ingress = true;
			} else
				continue;
			if (!r.ingress && r.h)
				r.traffic_path = path_of(t, (size_t)(r.v - t->vpcs), r.dst, r.h);
			print_rec(out, format, version, &r, start, end);
			continue;
		}
		if (res->probe.outcome != NSIM_PROBE_REACHABLE)
			continue;
		/* ACCEPT: the connection as a VPC router tracked it */
		const struct nsim_ct_flow *ct = NULL;
		for (size_t k = 0; k < n_flows && !ct; k++)
			if (flows[k].proto == proto && flows[k].src == src && flows[k].sport == res->probe.sport &&
			    (proto == IPPROTO_ICMP || flows[k].dport == res->port))
				ct = &flows[k];
		if (!ct)
			continue;
		for (int side = 0; side < 2; side++) {
			struct rec fwd = {.src = ct->src, .dst = ct->dst, .sport = ct->sport, .dport = ct->dport, .proto = proto,
					  .packets = ct->packets[0], .bytes = ct->bytes[0], .accept = true,
					  .tcp_flags = flags_of(res, ct->src)};
			struct rec rev = {.src = ct->reply_src, .dst = ct->reply_dst, .sport = ct->reply_sport,
					  .dport = ct->reply_dport, .proto = proto, .packets = ct->packets[1],
					  .bytes = ct->bytes[1], .accept = true, .tcp_flags = flags_of(res, ct->reply_src)};
			if (side == 0 && res->e->from.kind == NSIM_EP_HOST) {
				at_host(&fwd, t, res->e->from.vpc, res->e->from.idx);
				fwd.traffic_path = path_of(t, res->e->from.vpc, ct->dst, fwd.h);
				rev.v = fwd.v, rev.h = fwd.h, rev.ingress = true;
				memcpy(rev.eni, fwd.eni, sizeof(rev.eni));
			} else if (side == 1 && dst_host && t->vpcs[dv].hosts[dh].address == ct->reply_src) {
				/* the destination's interface, when the packets reached it unchanged */
				at_host(&fwd, t, dv, dh);
				fwd.ingress = true;
				rev.v = fwd.v, rev.h = fwd.h;
				rev.traffic_path = path_of(t, dv, rev.dst, rev.h);
				memcpy(rev.eni, fwd.eni, sizeof(rev.eni));
			} else
				continue;
			print_rec(out, format, version, &fwd, start, end);
			print_rec(out, format, version, &rev, start, end);
		}
	}
	return ferror(out) ? -EIO : 0;
}
