/* SPDX-License-Identifier: MIT */
/*
 * AWS VPC Flow Log records of a check run (`check --flow-log FILE`): ACCEPT
 * records from the VPC routers' connection tracking (probe/conntrack.h),
 * REJECT records from the drops the network reported (NFLOG). One line per
 * flow per network interface (`eni-<host>`), in AWS's default format
 * (version 2) or a custom list of the fields netsim knows. AWS: "Flow log
 * records", https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html;
 * docs/flow-logs.md says what differs.
 */
#pragma once

#include <stdio.h>

#include "model/model.h"
#include "probe/check.h"
#include "probe/conntrack.h"

/* The default format: version 2's fields. */
#define NSIM_FLOW_LOG_DEFAULT                                                                                     \
	"${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "      \
	"${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

/* Checks a format: fields as `${name}` separated by spaces (AWS's syntax),
 * each one netsim knows. Returns 0, or -EINVAL with *ret_bad pointing at the
 * first field it does not know (or the text that is not one). */
_must_check_ int nsim_flow_log_check_format(const char *format, const char **ret_bad, size_t *ret_len);

/* Writes the records of rep's results to out, in `format` (NULL: the
 * default), with the run's start and end (unix seconds) as every record's
 * capture window. flows: the VPC routers' tracked connections after the
 * probes. Returns 0 or -EINVAL (a bad format). */
_must_check_ int nsim_report_flow_log(FILE *out, const struct nsim_topology *t, const struct nsim_check_report *rep,
				      const struct nsim_ct_flow *flows, size_t n_flows, const char *format,
				      long long start, long long end);
