/* SPDX-License-Identifier: MIT */
/*
 * HTML pages: one self-contained file each (inline CSS and SVG, no script,
 * nothing fetched), for a projector or a CI system's artifacts. Every text
 * from the topology or the network is escaped.
 */
#pragma once

#include <stdio.h>

#include "model/model.h"
#include "model/util.h"

struct nsim_check_report;

/* A page holding the diagram svg (Graphviz's SVG document, as
 * nsim_graph_render_svg() gives it) of topology t; flows_from (may be NULL)
 * says where its flows come from. Returns 0 or -EIO. */
_must_check_ int nsim_report_html_graph(FILE *out, const struct nsim_topology *t, const char *svg,
					const char *flows_from);

/* The report of a check (`netsim test/check --html FILE`): the diagram with
 * each expectation's flow as observed, a table of the expectations
 * (verdict, the model's reason, the suggested fix, time), and per
 * expectation the hops its packets were seen at, with links to their pcap
 * files in pcap_dir (a path relative to the page's directory, as written by
 * --pcap; NULL: no links). When Graphviz cannot lay the diagram out, the
 * page says so and has the rest. Returns 0, -ENOMEM, or -EIO. */
_must_check_ int nsim_report_html_check(FILE *out, const struct nsim_topology *t, const struct nsim_check_report *rep,
					const char *pcap_dir);
