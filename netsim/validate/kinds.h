/* SPDX-License-Identifier: MIT */
/*
 * The rules of one resource kind each (validate/services.c, validate/dns.c),
 * called by validate.c in its order of evaluation. Internal to validate/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/diag.h"
#include "model/model.h"
#include "model/util.h"

/* What a bare name refers to: a host, internet host, NAT gateway, or
 * something else (`what` says what, e.g. "a VPC"); kind NSIM_EP_UNRESOLVED
 * and what NULL when nothing has that name. */
struct nsim_vfound {
	enum nsim_endpoint_kind kind;
	size_t vpc, idx;
	const char *what;
};

/* Looks `name` up among the components of t (linear: used for the few
 * names of targets:, records and reaches:). */
struct nsim_vfound nsim_validate_find(const struct nsim_topology *t, const char *name);

/* NULL when s is a valid DNS name (RFC 1035 section 2.3.1 labels of 1-63
 * letters, digits, '-' or '_', not starting or ending with '-'; at most 253
 * characters; one optional final dot; a name with dots does not end in an
 * all-digit label, which reads as an address), else why not, as words. */
const char *nsim_validate_dns_name(const char *s);

/* run:, ready_timeout: and targets: of every host (after addresses are
 * assigned). Appends problems to d. Returns 0, or -ENOMEM. */
_must_check_ int nsim_validate_services(struct nsim_topology *t, struct nsim_diags *d);

/* The rules of a command: expectation (e->command.argc > 0): verdict
 * succeeds or fails, none of the probe keys. Appends problems to d. */
void nsim_validate_command_expect(const struct nsim_expect *e, struct nsim_diags *d);

/* The new keys' rules on a probe expectation (no command:): no timeout,
 * verdict reachable or unreachable, reaches only when reachable. Appends
 * problems to d. */
void nsim_validate_probe_expect(const struct nsim_expect *e, struct nsim_diags *d);

/* region:, dns_support:, dns_names: and route53 private zones (after
 * addresses are assigned): resolves each zone's vpc_idx and each record's
 * fqdn and addr. Appends problems to d. Returns 0, or -ENOMEM. */
_must_check_ int nsim_validate_dns(struct nsim_topology *t, struct nsim_diags *d);

/* A probe expectation whose `to` is a DNS name (NSIM_EP_DNS), after `from`
 * is resolved: warns when the source's VPC has no resolver. */
void nsim_validate_dns_expect(const struct nsim_topology *t, const struct nsim_expect *e, struct nsim_diags *d);

/* The optimal string alignment distance between a and b (SIZE_MAX when
 * either is longer than 64): for did-you-mean. */
size_t nsim_validate_edit_distance(const char *a, const char *b);

/* blocked_by: of expectation e (validate/blocked_by.c), after its from and
 * to are resolved: fills blocked_by_comp, blocked_by_rule and
 * blocked_by_reason, or appends why not to d. */
void nsim_validate_blocked_by(struct nsim_topology *t, struct nsim_expect *e, struct nsim_diags *d);

/* The VPCs' default security groups (validate/security_groups.c), before any
 * name is resolved: adds a VPC's group `default` with AWS's rules when the
 * file names it without writing it, and puts the hosts that name no group
 * in it when it exists. Returns 0, or -ENOMEM. */
_must_check_ int nsim_validate_default_sg(struct nsim_topology *t);

/* A rule's bare group name (resolved to VPC v's own group) that a peered
 * VPC's group also has: warns, saying which one it means and how to write
 * the other (validate/security_groups.c). */
void nsim_validate_sg_ambiguous(const struct nsim_topology *t, size_t v, const struct nsim_security_group *sg,
				const struct nsim_sg_rule *r, const char *dir, struct nsim_diags *d);

/* The lints (validate/lints.c): warnings, each with a note "fix: ...", about
 * designs AWS accepts that do not do what they seem to. t is valid and
 * complete (no error was found). Appends to d. */
void nsim_validate_lints(const struct nsim_topology *t, struct nsim_diags *d);
