/* SPDX-License-Identifier: MIT */
/* The report of `netsim check`/`test`: for people, as JSON, as JUnit XML. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/check_report.h"
#include "report/escape.h"

static void endpoint(char *buf, size_t size, uint32_t a, uint16_t port, bool ports)
{
	char s[NSIM_ADDR_STRLEN];
	if (ports)
		snprintf(buf, size, "%s:%u", nsim_addr_fmt(a, s), port);
	else
		snprintf(buf, size, "%s", nsim_addr_fmt(a, s));
}

/* "10.0.3.4:32768 → 198.51.100.20:443", and " became 10.0.1.4:32768" when translated here. */
void nsim_report_hop_line(const struct nsim_hop *h, bool ports, char *buf, size_t size)
{
	char a[32], b[32], c[32], d[32];
	if (h->has_in) {
		endpoint(a, sizeof(a), h->in_src, h->in_sport, ports);
		endpoint(b, sizeof(b), h->in_dst, h->in_dport, ports);
	} else {
		endpoint(a, sizeof(a), h->out_src, h->out_sport, ports);
		endpoint(b, sizeof(b), h->out_dst, h->out_dport, ports);
	}
	int n = snprintf(buf, size, "%s → %s", a, b);
	if (n < 0 || (size_t)n >= size)
		return;
	if (h->has_in && h->has_out) {
		bool src = h->in_src != h->out_src || h->in_sport != h->out_sport;
		bool dst = h->in_dst != h->out_dst || h->in_dport != h->out_dport;
		endpoint(c, sizeof(c), h->out_src, h->out_sport, ports);
		endpoint(d, sizeof(d), h->out_dst, h->out_dport, ports);
		if (src && dst)
			snprintf(buf + n, size - (size_t)n, " became %s → %s", c, d);
		else if (src)
			snprintf(buf + n, size - (size_t)n, " became %s", c);
		else if (dst)
			snprintf(buf + n, size - (size_t)n, " became → %s", d);
	}
}

/* printf's widths count bytes; "→" is three of them and one column. */
static size_t columns(const char *s)
{
	size_t cols = 0;
	for (const char *p = s; *p; p++)
		cols += ((unsigned char)*p & 0xC0) != 0x80;
	return cols;
}

static void print_padded(FILE *out, const char *s, size_t width)
{
	size_t cols = columns(s);
	fputs(s, out);
	for (; cols < width; cols++)
		fputc(' ', out);
}

static const char *observed_name(const struct nsim_check_result *r)
{
	if (r->is_command)
		return r->probe.outcome == NSIM_PROBE_ERROR ? "error" : nsim_verdict_name(r->observed);
	if (r->dns_name && r->observed == NSIM_VERDICT_UNREACHABLE && r->dns_queried &&
	    (r->answer.outcome == NSIM_PROBE_DNS_NXDOMAIN || r->answer.outcome == NSIM_PROBE_DNS_NODATA))
		return "no such name";
	return r->probe.outcome == NSIM_PROBE_REACHABLE ? "reachable" : nsim_probe_outcome_name(r->probe.outcome);
}

/* The name's answer, a relay's target, a command's exit: under the row. */
static void extra_lines(FILE *out, const struct nsim_check_result *r, const char *dim, const char *reset)
{
	char a[NSIM_ADDR_STRLEN], b[NSIM_ADDR_STRLEN];
	if (r->dns_name) {
		fprintf(out, "    %sname %s", dim, NSIM_ESC(r->dns_name));
		if (!r->resolver)
			fprintf(out, ": no resolver in the source's VPC");
		else if (r->dns_queried && r->answer.outcome == NSIM_PROBE_DNS_ANSWER)
			fprintf(out, " → %s%s%s (resolver %s, %.1f ms)", nsim_addr_fmt(r->answer.addr, a),
				r->answer.cname[0] ? " via CNAME " : "", r->answer.cname[0] ? NSIM_ESC(r->answer.cname) : "",
				nsim_addr_fmt(r->resolver, b), r->answer.ms);
		else if (r->dns_queried)
			fprintf(out, ": %s (resolver %s)", nsim_probe_dns_outcome_name(r->answer.outcome),
				nsim_addr_fmt(r->resolver, b));
		if (r->model_resolves)
			fprintf(out, "; model: %s", nsim_addr_fmt(r->model_addr, a));
		else
			fprintf(out, "; model: NAME_NOT_FOUND (%s)", r->model_dns_error);
		fprintf(out, "%s\n", reset);
	}
	if (r->relay && r->probe.outcome == NSIM_PROBE_REACHABLE) {
		if (r->answered_by[0])
			fprintf(out, "    %srelayed: answered by %s", dim, NSIM_ESC(r->answered_by));
		else if (r->reached && r->reached[0])
			fprintf(out, "    %srelayed to %s (its own service: no responder line; seen in leg 2's capture)", dim,
				NSIM_ESC(r->reached));
		else
			fprintf(out, "    %srelayed: nothing answered behind the proxy", dim);
		if (r->has_seen)
			fprintf(out, ", which saw the source %s:%u", nsim_addr_fmt(r->seen, a), r->seen_port);
		if (r->model_reaches[0])
			fprintf(out, "; model: reaches %s", NSIM_ESC(r->model_reaches));
		else if (r->has_predicted2)
			fprintf(out, "; model: %s blocked: %s", NSIM_ESC(r->leg2), NSIM_ESC(r->predicted2.explanation));
		fprintf(out, "%s\n", reset);
	}
	if (r->is_command && r->probe.outcome != NSIM_PROBE_ERROR) {
		if (r->cmd.timed_out)
			fprintf(out, "    %skilled at the timeout after %.1f ms", dim, r->cmd.ms);
		else if (r->cmd.exited)
			fprintf(out, "    %sexit status %d in %.1f ms", dim, r->cmd.exit_code, r->cmd.ms);
		else
			fprintf(out, "    %skilled by signal %d after %.1f ms", dim, r->cmd.signal, r->cmd.ms);
		fprintf(out, "%s\n", reset);
		if (r->output_tail && r->output_tail[0]) {
			/* line by line, each escaped: the output is the program's, any bytes */
			const char *p = r->output_tail;
			while (*p) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p) : strlen(p);
				char line[512];
				snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), p);
				fprintf(out, "    %s| %s%s\n", dim, NSIM_ESC(line), reset);
				p += n + (nl ? 1 : 0);
			}
		}
	}
}

/* Where the network dropped r's probe: the component of the namespace (as
 * the hops name it), else the namespace. */
static const char *drop_where(const struct nsim_check_report *rep, const struct nsim_check_result *r)
{
	const char *ns = r->dropped_at.ns;
	size_t len = strlen(rep->name);
	for (size_t k = 0; k < r->n_hops; k++)
		if (r->hops[k].ns && streq(r->hops[k].ns, ns))
			return r->hops[k].component;
	/* netsim-<instance>-<node> */
	if (strncmp(ns, "netsim-", 7) == 0 && strncmp(ns + 7, rep->name, len) == 0 && ns[7 + len] == '-')
		return ns + 8 + len;
	return ns;
}

static void drop_line(const struct nsim_check_result *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", NSIM_ESC(r->dropped_at.text), r->dropped_at.reply ? " (the reply)" : "");
}

static json_t *drop_json(const struct nsim_check_result *r)
{
	const struct nsim_check_drop *d = &r->dropped_at;
	char a[NSIM_ADDR_STRLEN], b[NSIM_ADDR_STRLEN];
	if (!r->has_dropped_at)
		return json_null();
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:b, s:s, s:s}", "namespace", d->ns, "component",
			      d->component, "kind", d->kind, "direction", d->direction, "rule", d->rule, "nflog_prefix",
			      d->prefix, "t_ms", d->t_ms, "reply", d->reply, "src", nsim_addr_fmt(d->src, a), "dst",
			      nsim_addr_fmt(d->dst, b));
	if (!j)
		return json_null();
	json_object_set_new(j, "protocol", json_string(d->proto == 6 ? "tcp" : d->proto == 17 ? "udp" : d->proto == 1 ? "icmp" : "other"));
	if (d->proto == 6 || d->proto == 17) {
		json_object_set_new(j, "sport", json_integer(d->sport));
		json_object_set_new(j, "dport", json_integer(d->dport));
	}
	json_object_set_new(j, "text", json_string(d->text));
	return j;
}

void nsim_report_check_text(FILE *out, const struct nsim_check_report *rep, bool color, bool verbose)
{
	const char *green = color ? "\033[32m" : "", *red = color ? "\033[1;31m" : "", *dim = color ? "\033[2m" : "",
		   *reset = color ? "\033[0m" : "";
	for (size_t i = 0; i < rep->n_drift; i++)
		fprintf(out, "%sdrift:%s the instance was changed outside netsim: %s\n", red, reset, rep->drift[i]);
	if (rep->n_drift)
		fputc('\n', out);
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct nsim_check_result *r = &rep->results[i];
		char seen[40] = "";
		char s[NSIM_ADDR_STRLEN];
		if (r->has_seen)
			snprintf(seen, sizeof(seen), "seen %s", nsim_addr_fmt(r->seen, s));
		fprintf(out, "%s%s%s ", r->passed ? green : red, r->passed ? "✓" : "✗", reset);
		print_padded(out, NSIM_ESC(r->flow), 40);
		char model[64] = "";
		if (r->dns_name && !r->model_resolves)
			snprintf(model, sizeof(model), "model: NAME_NOT_FOUND");
		else if (!r->has_predicted)
			snprintf(model, sizeof(model), "model: -");
		else if (r->predicted.prediction == NSIM_PREDICT_REACHABLE)
			snprintf(model, sizeof(model), "model: reachable");
		else
			snprintf(model, sizeof(model), "model: %s", nsim_reason_code(r->predicted.reason));
		fprintf(out, " %-12s %-31s %-20s %7.1f ms", observed_name(r), model, seen, r->probe.ms);
		if (r->e->name.name)
			fprintf(out, "  %s", NSIM_ESC(r->e->name.name));
		fputc('\n', out);
		extra_lines(out, r, dim, reset);
		if (r->has_dropped_at && !r->model_disagrees) {
			char line[400];
			drop_line(r, line, sizeof(line));
			fprintf(out, "    %sdropped at %s +%.3f ms: %s%s\n", dim, NSIM_ESC(drop_where(rep, r)), r->dropped_at.t_ms, line,
				reset);
		}
		if (r->passed && !verbose)
			continue;
		if (!r->passed)
			fprintf(out, "    %sexpected %s: %s%s\n", red, nsim_verdict_name(r->e->verdict), NSIM_ESC(r->reason), reset);
		if (!r->passed && r->fix.text[0])
			fprintf(out, "    fix: %s\n", NSIM_ESC(r->fix.text));
		if (r->model_disagrees) {
			/* columns as wide as the longest name (AWS default names are long) */
			size_t wc = 14, wk = 16;
			for (size_t k = 0; k < r->predicted.n_hops; k++) {
				size_t c = columns(NSIM_ESC(r->predicted.hops[k].component)), n = columns(r->predicted.hops[k].kind);
				wc = c > wc ? c : wc;
				wk = n > wk ? n : wk;
			}
			fprintf(out, "    model's path:\n");
			for (size_t k = 0; k < r->predicted.n_hops; k++) {
				fprintf(out, "      %s", r->predicted.hops[k].reply ? "<- " : "");
				print_padded(out, NSIM_ESC(r->predicted.hops[k].component), wc);
				fputc(' ', out);
				print_padded(out, r->predicted.hops[k].kind, wk);
				fprintf(out, " %s%s\n", NSIM_ESC(r->predicted.hops[k].detail),
					r->predicted.hops[k].blocked ? "  [blocked]" : "");
			}
			fprintf(out, "    network's path:\n");
		}
		for (size_t k = 0; k < r->n_hops; k++) {
			const struct nsim_hop *h = &r->hops[k];
			char line[200];
			nsim_report_hop_line(h, r->proto != NSIM_PROTO_ICMP, line, sizeof(line));
			char ifs[40];
			if (h->has_in && h->has_out)
				snprintf(ifs, sizeof(ifs), "%s→%s", h->if_in, h->if_out);
			else
				snprintf(ifs, sizeof(ifs), "%s", h->has_in ? h->if_in : h->if_out);
			fprintf(out, "    %s%s%-14s ", dim, h->leg == 2 ? "leg 2 " : r->relay ? "leg 1 " : "", NSIM_ESC(h->component));
			print_padded(out, ifs, 18);
			fprintf(out, " +%7.3f ms  %s%s%s\n", h->t_ms, line, h->reply_seen ? "  (reply seen)" : "", reset);
		}
		if (r->has_dropped_at && r->model_disagrees) {
			char line[400];
			drop_line(r, line, sizeof(line));
			fprintf(out, "    %s%-14s %-18s +%7.3f ms  %s%s\n", dim, NSIM_ESC(drop_where(rep, r)), "dropped",
				r->dropped_at.t_ms, line, reset);
		}
	}
	fprintf(out, "\n%zu passed, %zu failed\n", rep->n_passed, rep->n_failed);
	if (rep->kernel_drops)
		fprintf(out, "note: the captures lost %llu packets: evidence may be incomplete\n",
			(unsigned long long)rep->kernel_drops);
	if (rep->nflog_error)
		fprintf(out, "note: %s\n", NSIM_ESC(rep->nflog_error));
}

static json_t *hop_json(const struct nsim_hop *h, bool ports)
{
	char a[NSIM_ADDR_STRLEN], b[NSIM_ADDR_STRLEN], line[200];
	nsim_report_hop_line(h, ports, line, sizeof(line));
	json_t *j = json_pack("{s:s, s:s, s:s, s:f, s:b, s:s, s:i}", "component", h->component, "kind", h->kind, "namespace",
			      h->ns, "time_ms", h->t_ms, "reply_seen", h->reply_seen, "summary", line, "leg", h->leg ? h->leg : 1);
	if (h->has_in)
		json_object_set_new(j, "received",
				    json_pack("{s:s, s:s, s:i, s:s, s:i}", "interface", h->if_in, "src",
					      nsim_addr_fmt(h->in_src, a), "sport", h->in_sport, "dst",
					      nsim_addr_fmt(h->in_dst, b), "dport", h->in_dport));
	if (h->has_out)
		json_object_set_new(j, "sent",
				    json_pack("{s:s, s:s, s:i, s:s, s:i}", "interface", h->if_out, "src",
					      nsim_addr_fmt(h->out_src, a), "sport", h->out_sport, "dst",
					      nsim_addr_fmt(h->out_dst, b), "dport", h->out_dport));
	return j;
}

json_t *nsim_report_fix_json(const struct nsim_fix *x)
{
	if (!x->text[0])
		return json_null();
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:b}", "component", x->component, "action",
			 nsim_fix_action_name(x->action), "path", x->path[0] ? x->path : NULL, "yaml",
			 x->yaml[0] ? x->yaml : NULL, "text", x->text, "others", x->others);
}

json_t *nsim_report_analysis_json(const struct nsim_analysis *a)
{
	json_t *hops = json_array();
	for (size_t k = 0; k < a->n_hops; k++) {
		const struct nsim_ahop *h = &a->hops[k];
		json_array_append_new(hops, json_pack("{s:s, s:s, s:s, s:b, s:b}", "component", h->component, "kind", h->kind,
						      "detail", h->detail, "reply", h->reply, "blocked", h->blocked));
	}
	json_t *j = json_pack("{s:s, s:s, s:o}", "verdict", nsim_prediction_name(a->prediction), "reason",
			      nsim_reason_code(a->reason), "hops", hops);
	json_object_set_new(j, "explanation", a->explanation[0] ? json_string(a->explanation) : json_null());
	json_object_set_new(j, "blocked_at", a->blocked_at[0] ? json_string(a->blocked_at) : json_null());
	json_object_set_new(j, "fix", a->prediction != NSIM_PREDICT_REACHABLE ? nsim_report_fix_json(&a->fix) : json_null());
	if (a->hops_truncated)
		json_object_set_new(j, "hops_truncated", json_true());
	/* the source ports of each leg (TCP and UDP flows), and the share that gets through */
	json_object_set_new(j, "fraction", json_real(a->fraction));
	json_t *legs = json_array();
	for (size_t k = 0; k < a->n_legs; k++) {
		const struct nsim_port_leg *l = &a->legs[k];
		char range[16], pass[200];
		snprintf(range, sizeof(range), "%u-%u", l->range.from, l->range.to);
		json_array_append_new(legs, json_pack("{s:s, s:s, s:s, s:s, s:f}", "source", l->who, "kind",
						      l->nat ? "nat_gateway" : "client", "ports", range, "passing",
						      nsim_ports_fmt(&l->pass, pass, sizeof(pass)), "fraction",
						      (double)nsim_ports_count(&l->pass) / ((uint32_t)l->range.to - l->range.from + 1)));
	}
	json_object_set_new(j, "source_ports", legs);
	return j;
}

void nsim_report_port_legs(FILE *out, const struct nsim_analysis *a, const char *indent)
{
	for (size_t k = 0; k < a->n_legs; k++) {
		const struct nsim_port_leg *l = &a->legs[k];
		struct nsim_ports all = nsim_ports_range(l->range.from, l->range.to), fail;
		char pass[200], failing[200];
		nsim_ports_subtract(&all, &l->pass, &fail);
		fprintf(out, "%ssource ports of %s%s (%u-%u): ", indent, l->nat ? "NAT gateway " : "", NSIM_ESC(l->who),
			l->range.from, l->range.to);
		if (!fail.n)
			fprintf(out, "all get through\n");
		else
			fprintf(out, "%s get through (%.1f%%); %s do not\n", nsim_ports_fmt(&l->pass, pass, sizeof(pass)),
				100.0 * nsim_ports_count(&l->pass) / nsim_ports_count(&all),
				nsim_ports_fmt(&fail, failing, sizeof(failing)));
	}
}

/* dns, relay and command: members, null when the row has none. */
static void add_stack_json(json_t *e, const struct nsim_check_result *r)
{
	char a[NSIM_ADDR_STRLEN], b[NSIM_ADDR_STRLEN], m[NSIM_ADDR_STRLEN];
	json_t *dns = json_null(), *relay = json_null(), *cmd = json_null();
	if (r->dns_name) {
		bool ans = r->dns_queried && r->answer.outcome == NSIM_PROBE_DNS_ANSWER;
		dns = json_pack("{s:s, s:s?, s:s, s:s?, s:s?, s:s?}", "name", r->dns_name, "resolver",
				r->resolver ? nsim_addr_fmt(r->resolver, b) : NULL, "outcome",
				r->dns_queried ? nsim_probe_dns_outcome_name(r->answer.outcome) : "not queried", "answer",
				ans ? nsim_addr_fmt(r->answer.addr, a) : NULL, "cname",
				ans && r->answer.cname[0] ? r->answer.cname : NULL, "model",
				r->model_resolves ? nsim_addr_fmt(r->model_addr, m) : "NAME_NOT_FOUND");
	}
	if (r->relay) {
		relay = json_pack("{s:s?, s:s?, s:s?, s:s?, s:o}", "reached", r->reached && r->reached[0] ? r->reached : NULL,
				  "answered_by", r->answered_by[0] ? r->answered_by : NULL,
				  "model_reaches", r->model_reaches[0] ? r->model_reaches : NULL, "leg2",
				  r->leg2[0] ? r->leg2 : NULL, "leg2_predicted",
				  r->has_predicted2 ? nsim_report_analysis_json(&r->predicted2) : json_null());
	}
	if (r->is_command) {
		cmd = json_pack("{s:s, s:b, s:f}", "command", r->command, "timed_out", r->cmd.timed_out, "time_ms", r->cmd.ms);
		json_object_set_new(cmd, "exit_status", r->cmd.exited ? json_integer(r->cmd.exit_code) : json_null());
		json_object_set_new(cmd, "signal", r->cmd.signal ? json_integer(r->cmd.signal) : json_null());
		/* the program's bytes: a JSON string must be UTF-8 */
		const char *tail = r->output_tail ? r->output_tail : "";
		json_t *o = json_string(tail);
		if (!o) {
			/* not UTF-8: its bytes above ASCII become '?' */
			char *c = strdup(tail);
			for (char *p = c; p && *p; p++)
				if ((unsigned char)*p >= 0x80)
					*p = '?';
			o = c ? json_string(c) : NULL;
			free(c);
		}
		json_object_set_new(cmd, "output_tail", o ? o : json_null());
	}
	json_object_set_new(e, "dns", dns);
	json_object_set_new(e, "relay", relay);
	json_object_set_new(e, "command", cmd);
}

int nsim_report_check_json(FILE *out, const struct nsim_check_report *rep, const char *file)
{
	json_t *list = json_array();
	char a[NSIM_ADDR_STRLEN];
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct nsim_check_result *r = &rep->results[i];
		json_t *hops = json_array();
		for (size_t k = 0; k < r->n_hops; k++)
			json_array_append_new(hops, hop_json(&r->hops[k], r->proto != NSIM_PROTO_ICMP));
		/* a command's row has no destination: to, address and protocol are null */
		json_t *e = json_pack("{s:i, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s, s:b, s:f, s:o}", "index",
				      (json_int_t)r->index + 1, "name", r->label, "from", r->e->from.ref.name, "to",
				      r->is_command ? NULL : r->e->to.ref.name, "address",
				      r->is_command || (r->dns_name && !r->addr) ? NULL : nsim_addr_fmt(r->addr, a), "protocol",
				      r->is_command ? NULL : nsim_proto_name(r->proto), "expected",
				      nsim_verdict_name(r->e->verdict), "observed", nsim_verdict_name(r->observed), "outcome",
				      observed_name(r), "passed", r->passed, "time_ms", r->probe.ms, "hops", hops);
		if (!e) {
			json_decref(list);
			return -ENOMEM;
		}
		if (r->proto != NSIM_PROTO_ICMP && !r->is_command)
			json_object_set_new(e, "port", json_integer(r->port));
		json_object_set_new(e, "response", r->probe.response[0] ? json_string(r->probe.response) : json_null());
		json_object_set_new(e, "seen_source", r->has_seen ? json_string(nsim_addr_fmt(r->seen, a)) : json_null());
		/* honest ports: the probe's source port (ICMP: its echo id), the one the responder saw, a NAT
		 * gateway's pinned for it, and which half of an intermittent expectation's proof it is */
		json_object_set_new(e, "source_port", r->is_command ? json_null() : json_integer(r->probe.sport));
		json_object_set_new(e, "seen_port", r->has_seen && r->seen_port ? json_integer(r->seen_port) : json_null());
		json_object_set_new(e, "nat_port", r->nat_port ? json_integer(r->nat_port) : json_null());
		json_object_set_new(e, "port_probe", r->port_probe == 1   ? json_string("passing")
						     : r->port_probe == 2 ? json_string("failing")
									  : json_null());
		json_object_set_new(e, "reason", r->passed ? json_null() : json_string(r->reason));
		json_object_set_new(e, "last_seen", r->last_seen[0] ? json_string(r->last_seen) : json_null());
		json_object_set_new(e, "dropped_at", drop_json(r));
		json_object_set_new(e, "predicted", r->has_predicted ? nsim_report_analysis_json(&r->predicted) : json_null());
		json_object_set_new(e, "model_disagrees", json_boolean(r->model_disagrees));
		json_object_set_new(e, "fix", r->passed ? json_null() : nsim_report_fix_json(&r->fix));
		add_stack_json(e, r);
		json_array_append_new(list, e);
	}
	json_t *drift = json_array();
	for (size_t i = 0; i < rep->n_drift; i++)
		json_array_append_new(drift, json_string(rep->drift[i]));
	json_t *doc = json_pack("{s:i, s:s, s:s?, s:i, s:i, s:i, s:f, s:o, s:o, s:s?}", "schema", 1, "topology", rep->name,
				"file", file, "passed", (json_int_t)rep->n_passed, "failed", (json_int_t)rep->n_failed,
				"unrun", (json_int_t)rep->n_unrun, "time_ms", rep->ms, "expectations", list, "drift", drift,
				"error", rep->error);
	if (!doc)
		return -ENOMEM;
	json_object_set_new(doc, "drops_not_reported", rep->nflog_error ? json_string(rep->nflog_error) : json_null());
	int r = json_dumpf(doc, out, JSON_INDENT(2)) < 0 ? -EIO : 0;
	fputc('\n', out);
	json_decref(doc);
	return r;
}

int nsim_report_check_junit(FILE *out, const struct nsim_check_report *rep)
{
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"netsim ");
	nsim_report_xml_put(out, rep->name);
	bool run_error = rep->error || rep->n_drift;
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\" time=\"%.3f\">\n", rep->n_results + run_error,
		rep->n_failed, run_error, rep->ms / 1000.0);
	if (run_error) {
		/* an error of the run, not of one expectation: a testcase of its own */
		fprintf(out, "    <testcase classname=\"");
		nsim_report_xml_put(out, rep->name);
		fprintf(out, "\" name=\"the instance\">\n      <error message=\"");
		nsim_report_xml_put(out, rep->error ? rep->error : "the instance was changed outside netsim");
		fprintf(out, "\" type=\"%s\">", rep->error ? "run" : "drift");
		for (size_t i = 0; i < rep->n_drift; i++) {
			nsim_report_xml_put(out, rep->drift[i]);
			fputc('\n', out);
		}
		fprintf(out, "</error>\n    </testcase>\n");
	}
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct nsim_check_result *r = &rep->results[i];
		fprintf(out, "    <testcase classname=\"");
		nsim_report_xml_put(out, rep->name);
		fprintf(out, "\" name=\"");
		nsim_report_xml_put(out, r->label);
		fprintf(out, "\" time=\"%.3f\"", r->probe.ms / 1000.0);
		if (r->passed) {
			fprintf(out, "/>\n");
			continue;
		}
		fprintf(out, ">\n      <failure message=\"");
		nsim_report_xml_put(out, r->reason);
		fprintf(out, "\" type=\"%s\">", observed_name(r));
		nsim_report_xml_put(out, r->flow);
		fprintf(out, ": expected %s, observed %s\n", nsim_verdict_name(r->e->verdict), observed_name(r));
		for (size_t k = 0; k < r->n_hops; k++) {
			char line[200], full[300];
			nsim_report_hop_line(&r->hops[k], r->proto != NSIM_PROTO_ICMP, line, sizeof(line));
			snprintf(full, sizeof(full), "%s +%.3f ms: %s\n", r->hops[k].component, r->hops[k].t_ms, line);
			nsim_report_xml_put(out, full);
		}
		if (r->has_dropped_at) {
			char line[400], full[600];
			drop_line(r, line, sizeof(line));
			snprintf(full, sizeof(full), "dropped at %s +%.3f ms: %s\n", drop_where(rep, r), r->dropped_at.t_ms, line);
			nsim_report_xml_put(out, full);
		}
		if (r->fix.text[0]) {
			fputs("fix: ", out);
			nsim_report_xml_put(out, r->fix.text);
			fputc('\n', out);
		}
		fprintf(out, "</failure>\n    </testcase>\n");
	}
	fprintf(out, "  </testsuite>\n</testsuites>\n");
	return ferror(out) ? -EIO : 0;
}

static json_t *diag_json(const struct nsim_diag *g)
{
	return json_pack("{s:s, s:i, s:i, s:s, s:s}", "file", g->file ? g->file : "", "line", (json_int_t)g->line,
			 "column", (json_int_t)g->col, "severity", nsim_severity_name(g->severity), "message",
			 g->message);
}

int nsim_report_check_error_json(FILE *out, const struct nsim_check_error *e)
{
	json_t *diags = json_array();
	if (!diags)
		return -ENOMEM;
	for (size_t i = 0; e->diags && i < e->diags->n; i++)
		if (json_array_append_new(diags, diag_json(&e->diags->items[i])) < 0) {
			json_decref(diags);
			return -ENOMEM;
		}
	json_t *doc = json_pack("{s:i, s:s?, s:s?, s:i, s:i, s:i, s:f, s:[], s:[], s:s, s:s, s:o}", "schema", 1,
				"topology", e->name, "file", e->file, "passed", 0, "failed", 0, "unrun", 0, "time_ms",
				0.0, "expectations", "drift", "error", e->message, "stage", e->stage, "diagnostics",
				diags);
	if (!doc)
		return -ENOMEM;
	int r = json_dumpf(doc, out, JSON_INDENT(2)) < 0 ? -EIO : 0;
	fputc('\n', out);
	json_decref(doc);
	return r;
}

static const char *error_case_name(const char *stage)
{
	if (streq(stage, "invalid"))
		return "the topology file";
	if (streq(stage, "environment"))
		return "the environment";
	if (streq(stage, "up"))
		return "up";
	return "the run";
}

int nsim_report_check_error_junit(FILE *out, const struct nsim_check_error *e)
{
	const char *suite = e->name ? e->name : e->file ? e->file : "netsim";
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"netsim ");
	nsim_report_xml_put(out, suite);
	fprintf(out, "\" tests=\"1\" failures=\"0\" errors=\"1\" time=\"0.000\">\n    <testcase classname=\"");
	nsim_report_xml_put(out, suite);
	fprintf(out, "\" name=\"%s\">\n      <error message=\"", error_case_name(e->stage));
	nsim_report_xml_put(out, e->message);
	fprintf(out, "\" type=\"");
	nsim_report_xml_put(out, e->stage);
	fputs("\">", out);
	for (size_t i = 0; e->diags && i < e->diags->n; i++) {
		const struct nsim_diag *g = &e->diags->items[i];
		char pos[32] = "";
		if (g->line)
			snprintf(pos, sizeof(pos), ":%u:%u", g->line, g->col);
		nsim_report_xml_put(out, g->file ? g->file : "");
		fprintf(out, "%s: %s: ", pos, nsim_severity_name(g->severity));
		nsim_report_xml_put(out, g->message);
		fputc('\n', out);
	}
	if (!e->diags || !e->diags->n) {
		nsim_report_xml_put(out, e->message);
		fputc('\n', out);
	}
	fprintf(out, "</error>\n    </testcase>\n  </testsuite>\n</testsuites>\n");
	return ferror(out) ? -EIO : 0;
}
