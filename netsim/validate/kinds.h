/* SPDX-License-Identifier: MIT */
/*
 * The rules of one resource kind each (validate/services.c, validate/dns.c,
 * validate/endpoints.c, validate/prefix_lists.c),
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

/* Whether s has the form of an AWS region code ([a-z]{2}(-gov)?-[a-z]+-[0-9]:
 * us-east-1, ap-northeast-2, us-gov-west-1); the form only. */
bool nsim_validate_region_ok(const char *s);

/* The topology's region: region:, or us-east-1 when it names none. */
const char *nsim_validate_region(const struct nsim_topology *t);

/* The AWS-managed prefix list of `service` ("s3", "dynamodb"), made on first
 * use in t->aws_prefix_lists: the /32 of every internet host with that
 * service: in the topology's region. *ret (the topology's) is NULL when the
 * service has no AWS-managed list. Returns 0, or -ENOMEM. */
_must_check_ int nsim_validate_aws_prefix_list(struct nsim_topology *t, const char *service,
					       const struct nsim_prefix_list **ret);

/* VPC endpoints and the internet hosts that are AWS services' public
 * endpoints (service:), after addresses are assigned: resolves each
 * endpoint's service, region, route tables, groups and service hosts, fills
 * its id and dns_name, adds a gateway endpoint's route to each of its route
 * tables (managed), and gives a service host without dns_names AWS's name.
 * Appends problems to d. Returns 0, or -ENOMEM. */
_must_check_ int nsim_validate_endpoints(struct nsim_topology *t, struct nsim_diags *d);

/* Prefix lists, after nsim_validate_endpoints(): the customer-managed lists
 * of each VPC, `pl:NAME` in route destinations (dest_pl) and security-group
 * rules (peer_pl), and the quotas they count against. Appends problems to
 * d. Returns 0, or -ENOMEM. */
_must_check_ int nsim_validate_prefix_lists(struct nsim_topology *t, struct nsim_diags *d);

/* The closest of names[0..n) to name, when close enough to be a typo (or a
 * name cut short); NULL when none is. */
const char *nsim_validate_suggest(const char *name, const char *const *names, size_t n);

/* A name and where it was written, for lookups and duplicates in O(n log n)
 * whatever the input: idx is the caller's. (These three: validate/endpoints.c) */
struct nsim_vname {
	const char *name;
	struct nsim_pos pos;
	size_t idx;
};

/* Sorts v by (name, position): the first of a run of equal names is the
 * one written first. */
void nsim_vnames_sort(struct nsim_vname *v, size_t n);

/* The first entry of sorted v named `name`, or NULL. */
const struct nsim_vname *nsim_vnames_find(const struct nsim_vname *v, size_t n, const char *name);
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
