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

static const char *group_style(enum nsim_graph_group_kind k)
{
	switch (k) {
	case NSIM_GRAPH_REGION:
		return "fill:#FFFFFF,stroke:#00A4A6,stroke-dasharray:5 5,color:#00A4A6";
	case NSIM_GRAPH_VPC:
		return "fill:#FFFFFF,stroke:#8C4FFF,stroke-width:2px,color:#8C4FFF";
	case NSIM_GRAPH_AZ:
		return "fill:#FFFFFF,stroke:#007CBC,stroke-dasharray:5 5,color:#007CBC";
	case NSIM_GRAPH_SUBNET_PUBLIC:
		return "fill:#F2F6E8,stroke:#7AA116,color:#248814";
	case NSIM_GRAPH_SUBNET_PRIVATE:
		return "fill:#E6F6F7,stroke:#00A4A6,color:#147EBA";
	case NSIM_GRAPH_INTERNET:
		return "fill:#F7F7F7,stroke:#232F3E,color:#232F3E";
	}
	return "";
}

/* Class names and styles of the node kinds (AWS categories' colours). */
static const struct {
	const char *name, *style;
} node_class[] = {
	[NSIM_GRAPH_HOST_INSTANCE] = {"instance", "fill:#FFFFFF,stroke:#ED7100,color:#232F3E"},
	[NSIM_GRAPH_HOST_FUNCTION] = {"function", "fill:#FFFFFF,stroke:#ED7100,color:#232F3E"},
	[NSIM_GRAPH_HOST_PROXY] = {"proxy", "fill:#FFFFFF,stroke:#C925D1,color:#232F3E"},
	[NSIM_GRAPH_HOST_DATABASE] = {"database", "fill:#FFFFFF,stroke:#C925D1,color:#232F3E"},
	[NSIM_GRAPH_NAT] = {"nat", "fill:#FFFFFF,stroke:#8C4FFF,color:#232F3E"},
	[NSIM_GRAPH_IGW] = {"igw", "fill:#F4EDFF,stroke:#8C4FFF,color:#232F3E"},
	[NSIM_GRAPH_INET_HOST] = {"inet", "fill:#FFFFFF,stroke:#232F3E,color:#232F3E"},
	[NSIM_GRAPH_ENDPOINT] = {"endpoint", "fill:#FFFFFF,stroke:#8C4FFF,color:#232F3E"},
	[NSIM_GRAPH_PEERING] = {"peering", "fill:#F4EDFF,stroke:#8C4FFF,color:#232F3E"},
	[NSIM_GRAPH_ROUTES] = {"routes", "fill:#FFFFFF,stroke:#7D8998,color:#232F3E,font-size:11px"},
	[NSIM_GRAPH_ADDRESS] = {"address", "fill:#FFFFFF,stroke:#232F3E,stroke-dasharray:4 4,color:#232F3E"},
};

static const char *edge_style(enum nsim_graph_edge_kind k)
{
	switch (k) {
	case NSIM_GRAPH_LINK:
	case NSIM_GRAPH_PEERING_LINK:
		return "stroke:#8C4FFF,stroke-width:1.5px";
	case NSIM_GRAPH_SERVICE_LINK:
		return "stroke:#7D8998,stroke-dasharray:4 4";
	case NSIM_GRAPH_FLOW_REACHABLE:
		return "stroke:#1D8102,stroke-width:2px,color:#1D8102";
	case NSIM_GRAPH_FLOW_BLOCKED:
		return "stroke:#D13212,stroke-width:2px,color:#D13212";
	case NSIM_GRAPH_FLOW_INTERMITTENT:
		return "stroke:#E07700,stroke-width:2px,color:#E07700";
	}
	return "";
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
		fprintf(out, "  classDef %s %s\n  class ", node_class[k].name, node_class[k].style);
		bool first = true;
		for (size_t i = 0; i < g->n_nodes; i++)
			if (g->nodes[i].kind == k) {
				fprintf(out, "%s%s", first ? "" : ",", g->nodes[i].id);
				first = false;
			}
		fprintf(out, " %s\n", node_class[k].name);
	}
	for (size_t i = 0; i < g->n_groups; i++)
		fprintf(out, "  style %s %s\n", g->groups[i].id, group_style(g->groups[i].kind));
	for (size_t i = 0; i < g->n_edges; i++)
		fprintf(out, "  linkStyle %zu %s\n", i, edge_style(g->edges[i].kind));
	return ferror(out) ? -EIO : 0;
}
