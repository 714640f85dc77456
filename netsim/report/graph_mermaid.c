/* SPDX-License-Identifier: MIT */
/*
 * The diagram as a Mermaid flowchart, for Markdown (GitHub and GitLab render
 * ```mermaid blocks): nested subgraphs for the groups, one node per element,
 * edges last (an edge written inside a subgraph would pull its nodes in),
 * then the styles. Every label is quoted, with Mermaid's entity codes for
 * the characters that would end or mark it up.
 */
#include <errno.h>
#include <string.h>

#include "report/graph.h"

static void text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"')
			fputs("#quot;", out);
		else if (c == '<')
			fputs("#lt;", out);
		else if (c == '>')
			fputs("#gt;", out);
		else if (c == '&')
			fputs("#amp;", out);
		else if (c == '#')
			fputs("#35;", out);
		else if (c == '\n')
			fputs("<br/>", out);
		else if (c < 0x20 || c == 0x7f)
			fputc('?', out);
		else
			fputc(c, out);
	}
}

static void indent(FILE *out, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		fputs("  ", out);
}

static void write_node(FILE *out, const struct nsim_graph_node *n, unsigned depth)
{
	indent(out, depth);
	fprintf(out, "%s[\"", n->id);
	text(out, n->title);
	for (size_t i = 0; i < n->n_lines; i++) {
		fputs("<br/>", out);
		text(out, n->lines[i]);
	}
	fputs("\"]\n", out);
}

static void write_group(FILE *out, const struct nsim_graph *g, size_t grp, unsigned depth)
{
	const struct nsim_graph_group *c = grp == NSIM_NONE ? NULL : &g->groups[grp];
	if (c) {
		indent(out, depth);
		fprintf(out, "subgraph %s [\"", c->id);
		text(out, c->label);
		fputs("\"]\n", out);
		indent(out, depth + 1);
		fputs("direction TB\n", out);
	}
	unsigned d = c ? depth + 1 : depth;
	for (size_t i = 0; i < g->n_nodes; i++)
		if (g->nodes[i].group == grp)
			write_node(out, &g->nodes[i], d);
	for (size_t i = 0; i < g->n_groups; i++)
		if (g->groups[i].parent == grp)
			write_group(out, g, i, d);
	if (c) {
		indent(out, depth);
		fputs("end\n", out);
	}
}

/* A fill (NULL: white). */
static const char *fill(const char *c)
{
	return c ? c : "#FFFFFF";
}

static void write_group_style(FILE *out, const struct nsim_graph_group *c)
{
	struct nsim_graph_colors col = nsim_graph_group_colors(c->kind);
	const char *line = c->kind == NSIM_GRAPH_REGION || c->kind == NSIM_GRAPH_AZ ? ",stroke-dasharray:5 5"
			   : c->kind == NSIM_GRAPH_VPC				   ? ",stroke-width:2px"
										   : "";
	fprintf(out, "  style %s fill:%s,stroke:%s%s,color:%s\n", c->id, fill(col.fill), col.stroke, line, col.font);
}

/* Class names of the node kinds. */
static const char *const node_class[] = {
	[NSIM_GRAPH_HOST_INSTANCE] = "instance", [NSIM_GRAPH_HOST_FUNCTION] = "function",
	[NSIM_GRAPH_HOST_PROXY] = "proxy",	 [NSIM_GRAPH_HOST_DATABASE] = "database",
	[NSIM_GRAPH_NAT] = "nat",		 [NSIM_GRAPH_IGW] = "igw",
	[NSIM_GRAPH_INET_HOST] = "inet",	 [NSIM_GRAPH_ENDPOINT] = "endpoint",
	[NSIM_GRAPH_PEERING] = "peering",	 [NSIM_GRAPH_ROUTES] = "routes",
	[NSIM_GRAPH_ADDRESS] = "address",
};

static void write_class_style(FILE *out, enum nsim_graph_node_kind k)
{
	struct nsim_graph_colors col = nsim_graph_node_colors(k);
	fprintf(out, "fill:%s,stroke:%s%s,color:%s%s", fill(col.fill), col.stroke,
		k == NSIM_GRAPH_ADDRESS ? ",stroke-dasharray:4 4" : "", col.font, k == NSIM_GRAPH_ROUTES ? ",font-size:11px" : "");
}

static void write_edge_style(FILE *out, size_t i, enum nsim_graph_edge_kind k)
{
	const char *c = nsim_graph_edge_color(k);
	fprintf(out, "  linkStyle %zu stroke:%s", i, c);
	switch (k) {
	case NSIM_GRAPH_LINK:
	case NSIM_GRAPH_PEERING_LINK:
		fputs(",stroke-width:1.5px\n", out);
		return;
	case NSIM_GRAPH_SERVICE_LINK:
		fputs(",stroke-dasharray:4 4\n", out);
		return;
	case NSIM_GRAPH_FLOW_REACHABLE:
	case NSIM_GRAPH_FLOW_BLOCKED:
	case NSIM_GRAPH_FLOW_INTERMITTENT:
		break;
	}
	fprintf(out, ",stroke-width:2px,color:%s\n", c);
}

int nsim_graph_write_mermaid(FILE *out, const struct nsim_graph *g)
{
	fputs("flowchart TB\n", out);
	write_group(out, g, NSIM_NONE, 1);
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct nsim_graph_edge *e = &g->edges[i];
		const char *to = e->to_group != NSIM_NONE ? g->groups[e->to_group].id : g->nodes[e->to].id;
		bool flow = e->kind == NSIM_GRAPH_FLOW_REACHABLE || e->kind == NSIM_GRAPH_FLOW_BLOCKED ||
			    e->kind == NSIM_GRAPH_FLOW_INTERMITTENT;
		const char *arrow = !flow ? (e->kind == NSIM_GRAPH_SERVICE_LINK ? "-.-" : "---") : e->holds ? "-->" : "-.->";
		fprintf(out, "  %s %s", g->nodes[e->from].id, arrow);
		if (e->label) {
			fputs("|\"", out);
			text(out, e->label);
			fputs("\"|", out);
		}
		fprintf(out, " %s\n", to);
	}
	for (size_t k = 0; k < ELEMENTSOF(node_class); k++) {
		bool any = false;
		for (size_t i = 0; i < g->n_nodes && !any; i++)
			any = g->nodes[i].kind == k;
		if (!any)
			continue;
		fprintf(out, "  classDef %s ", node_class[k]);
		write_class_style(out, k);
		fputs("\n  class ", out);
		bool first = true;
		for (size_t i = 0; i < g->n_nodes; i++)
			if (g->nodes[i].kind == k) {
				fprintf(out, "%s%s", first ? "" : ",", g->nodes[i].id);
				first = false;
			}
		fprintf(out, " %s\n", node_class[k]);
	}
	for (size_t i = 0; i < g->n_groups; i++)
		write_group_style(out, &g->groups[i]);
	for (size_t i = 0; i < g->n_edges; i++)
		write_edge_style(out, i, g->edges[i].kind);
	return ferror(out) ? -EIO : 0;
}
