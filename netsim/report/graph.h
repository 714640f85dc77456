/* SPDX-License-Identifier: MIT */
/*
 * The topology as a diagram, the way AWS architecture diagrams draw it: a
 * plain in-memory graph (groups nested region > VPC > availability zone >
 * subnet, nodes, edges, each with a label and a style class), built once
 * from a validated topology and rendered by report/graph_dot.c (DOT, and
 * SVG through Graphviz's layout library) and report/graph_mermaid.c
 * (Mermaid `flowchart`). Flows (an expectation's verdict, from the analyzer
 * or from `check`) are added by the caller: the graph never recomputes them.
 * Pure: no syscalls. docs/graph.md says what each element means.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/analyze.h"
#include "model/hashmap.h"
#include "model/model.h"
#include "model/util.h"

enum nsim_graph_group_kind {
	NSIM_GRAPH_REGION = 0,
	NSIM_GRAPH_VPC,
	NSIM_GRAPH_AZ,
	NSIM_GRAPH_SUBNET_PUBLIC,  /* its route table sends 0.0.0.0/0 to an internet gateway */
	NSIM_GRAPH_SUBNET_PRIVATE,
	NSIM_GRAPH_INTERNET,
};

/* A cluster of nodes (a box in the diagram). */
struct nsim_graph_group {
	const char *id;    /* [A-Za-z0-9_], unique in the graph */
	const char *label; /* lines separated by '\n' */
	enum nsim_graph_group_kind kind;
	size_t parent;     /* index in groups, NSIM_NONE: top level */
};

enum nsim_graph_node_kind {
	NSIM_GRAPH_HOST_INSTANCE = 0,
	NSIM_GRAPH_HOST_FUNCTION,
	NSIM_GRAPH_HOST_PROXY,
	NSIM_GRAPH_HOST_DATABASE,
	NSIM_GRAPH_NAT,
	NSIM_GRAPH_IGW,
	NSIM_GRAPH_INET_HOST,
	NSIM_GRAPH_ENDPOINT,
	NSIM_GRAPH_PEERING,
	NSIM_GRAPH_ROUTES,  /* a subnet's route table: title, then one line per route */
	NSIM_GRAPH_ADDRESS, /* a flow's destination that is no node of the topology */
};

struct nsim_graph_node {
	const char *id;     /* [A-Za-z0-9_], unique in the graph */
	const char *title;  /* the name */
	const char **lines; /* below the title: kind, addresses; ROUTES: "dest → target" */
	size_t n_lines;
	enum nsim_graph_node_kind kind;
	size_t group;       /* index in groups, NSIM_NONE: top level */
	uint32_t addr[2];   /* the addresses it answers at (private, public or elastic), 0: none */
};

enum nsim_graph_edge_kind {
	NSIM_GRAPH_LINK = 0,          /* an internet gateway to the internet, a NAT gateway to its internet gateway */
	NSIM_GRAPH_PEERING_LINK,      /* a peering connection to one of its VPCs */
	NSIM_GRAPH_SERVICE_LINK,      /* a service's host to its gateway endpoint */
	NSIM_GRAPH_FLOW_REACHABLE,
	NSIM_GRAPH_FLOW_BLOCKED,      /* dropped, no route, refused */
	NSIM_GRAPH_FLOW_INTERMITTENT, /* some source ports get through */
};

struct nsim_graph_edge {
	size_t from, to;     /* indexes in nodes */
	size_t to_group;     /* the edge ends at this group's border (index in groups), NSIM_NONE: at `to` */
	const char *label;   /* NULL: none */
	enum nsim_graph_edge_kind kind;
	bool holds;          /* flows: the expectation holds (else drawn dashed) */
};

struct nsim_graph {
	struct nsim_arena *arena; /* owns every string */
	const char *title;
	struct nsim_graph_group *groups;
	size_t n_groups, cap_groups;
	struct nsim_graph_node *nodes;
	size_t n_nodes, cap_nodes;
	struct nsim_graph_edge *edges;
	size_t n_edges, cap_edges;
	const struct nsim_topology *t; /* the topology it was built from (kept alive by the caller) */
	struct nsim_hashmap node_ids, group_ids; /* id -> index + 1 */
	size_t internet_group;         /* NSIM_NONE: none yet */
};

/* An expectation's verdict, for nsim_graph_add_flow(). */
struct nsim_graph_verdict {
	enum nsim_graph_edge_kind kind; /* one of the FLOW kinds */
	const char *reason;    /* the reason code ("SG_INGRESS_NO_RULE"), NULL or "" when reachable */
	const char *component; /* the deciding component ("db-sg"), NULL or "" when none */
	bool holds;            /* the expectation holds */
	uint32_t dst;          /* the address the flow went to (a DNS name's answer); 0: unknown */
};

/* Builds the diagram of validated topology t (kept alive by the caller while
 * the graph lives). Returns 0 and *ret (the caller's; nsim_graph_free()) or
 * -ENOMEM. */
_must_check_ int nsim_graph_new(const struct nsim_topology *t, struct nsim_graph **ret);
void nsim_graph_free(struct nsim_graph *g);
NSIM_DEFINE_FREEP(struct nsim_graph, nsim_graph_free)

/* Adds the flow of expectation t->expects[expect] with verdict v: an edge
 * from its source to its destination (a host, NAT gateway or internet host
 * of the topology, found by name or by v->dst; else a node for the address
 * or name). Expectations with command: have no flow: -EINVAL. Returns 0,
 * -EINVAL, or -ENOMEM. */
_must_check_ int nsim_graph_add_flow(struct nsim_graph *g, size_t expect, const struct nsim_graph_verdict *v);

/* Adds the flow of every expectation (but command: ones) as the analyzer
 * predicts it (the same analysis as `netsim analyze`). 0, -ENOMEM. */
_must_check_ int nsim_graph_add_model_flows(struct nsim_graph *g);

/* The flow edge kind of a prediction. */
enum nsim_graph_edge_kind nsim_graph_flow_kind(enum nsim_prediction p);

/* The colours of the diagram, the same in every form (DOT, SVG, Mermaid):
 * AWS's architecture icon set's groups and categories. Strings "#RRGGBB",
 * static. A fill of NULL is white, which each form spells its own way. */
struct nsim_graph_colors {
	const char *stroke, *fill, *font;
};
struct nsim_graph_colors nsim_graph_group_colors(enum nsim_graph_group_kind k);
/* A node's border (its AWS category: compute orange, database purple-pink,
 * networking purple) and fill; the font is #232F3E. */
struct nsim_graph_colors nsim_graph_node_colors(enum nsim_graph_node_kind k);
/* An edge's line (and a flow's label). */
const char *nsim_graph_edge_color(enum nsim_graph_edge_kind k);

/* report/graph_dot.c: the graph as DOT text (Graphviz's own writer over the
 * libcgraph graph the layout uses). Returns 0, -ENOMEM or -EIO. */
_must_check_ int nsim_graph_write_dot(FILE *out, const struct nsim_graph *g);
/* The graph laid out by Graphviz's dot layout and rendered as SVG: *ret_svg
 * (NUL-terminated, the caller frees) and its length. 0, -ENOMEM, or -EIO
 * when Graphviz has no dot layout or SVG renderer (its plugins are missing). */
_must_check_ int nsim_graph_render_svg(const struct nsim_graph *g, char **ret_svg, size_t *ret_len);

/* report/graph_mermaid.c: the graph as a Mermaid flowchart (renders in
 * GitHub and GitLab Markdown). Returns 0 or -EIO. */
_must_check_ int nsim_graph_write_mermaid(FILE *out, const struct nsim_graph *g);
