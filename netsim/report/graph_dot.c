/* SPDX-License-Identifier: MIT */
/*
 * The diagram as DOT, and as SVG laid out by Graphviz's own library: the DOT
 * text is written here in a fixed order (so goldens are stable), and the SVG
 * is that same text read back by libcgraph (agmemread), laid out by libgvc's
 * dot layout and rendered by its SVG renderer: one graph, two forms.
 * Colours are those of AWS's architecture icon set's groups and categories.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "report/escape.h"
#include "report/graph.h"

/* Lines of a label ('\n' between them): the first bold. */
static void html_lines(FILE *out, const char *s)
{
	const char *nl = strchr(s, '\n');
	fputs("<b>", out);
	if (!nl) {
		nsim_report_xml_put(out, s);
		fputs("</b>", out);
		return;
	}
	_cleanup_free_ char *first = strndup(s, (size_t)(nl - s));
	nsim_report_xml_put(out, first ? first : "");
	fputs("</b>", out);
	while (nl) {
		const char *next = strchr(nl + 1, '\n');
		_cleanup_free_ char *line = next ? strndup(nl + 1, (size_t)(next - nl - 1)) : strdup(nl + 1);
		fputs("<br/><font point-size=\"9\">", out);
		nsim_report_xml_put(out, line ? line : "");
		fputs("</font>", out);
		nl = next;
	}
}

/* The line style of a group (its colours: nsim_graph_group_colors()). */
static const char *group_style(enum nsim_graph_group_kind k)
{
	switch (k) {
	case NSIM_GRAPH_REGION:
	case NSIM_GRAPH_AZ:
		return "dashed";
	case NSIM_GRAPH_VPC:
		return "solid";
	case NSIM_GRAPH_SUBNET_PUBLIC:
	case NSIM_GRAPH_SUBNET_PRIVATE:
		return "filled";
	case NSIM_GRAPH_INTERNET:
		return "rounded,filled";
	}
	return "solid";
}

static void indent(FILE *out, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		fputc('\t', out);
}

/* A route table: a small table, destination and target in columns. */
static void routes_label(FILE *out, const struct nsim_graph_node *n)
{
	fputs("<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"2\" bgcolor=\"white\" color=\"#7D8998\">"
	      "<tr><td colspan=\"2\"><font point-size=\"9\"><b>", out);
	nsim_report_xml_put(out, n->title);
	fputs("</b></font></td></tr>", out);
	for (size_t i = 0; i < n->n_lines; i++) {
		const char *arrow = strstr(n->lines[i], " → ");
		_cleanup_free_ char *dest = arrow ? strndup(n->lines[i], (size_t)(arrow - n->lines[i])) : NULL;
		fputs("<tr><td align=\"left\"><font point-size=\"9\">", out);
		nsim_report_xml_put(out, dest ? dest : n->lines[i]);
		fputs("</font></td><td align=\"left\"><font point-size=\"9\">", out);
		nsim_report_xml_put(out, arrow ? arrow + strlen(" → ") : "");
		fputs("</font></td></tr>", out);
	}
	fputs("</table>>", out);
}

static void write_node(FILE *out, const struct nsim_graph_node *n, unsigned depth)
{
	indent(out, depth);
	fprintf(out, "%s [", n->id);
	if (n->kind == NSIM_GRAPH_ROUTES) {
		fputs("shape=plain, label=", out);
		routes_label(out, n);
		fputs("];\n", out);
		return;
	}
	struct nsim_graph_colors col = nsim_graph_node_colors(n->kind);
	fprintf(out, "color=\"%s\"", col.stroke);
	if (col.fill)
		fprintf(out, ", fillcolor=\"%s\"", col.fill);
	if (n->kind == NSIM_GRAPH_ADDRESS)
		fputs(", style=\"rounded,dashed\"", out);
	fputs(", label=<<b>", out);
	nsim_report_xml_put(out, n->title);
	fputs("</b>", out);
	for (size_t i = 0; i < n->n_lines; i++) {
		fputs("<br/><font point-size=\"9\">", out);
		nsim_report_xml_put(out, n->lines[i]);
		fputs("</font>", out);
	}
	fputs(">];\n", out);
}

static void write_group(FILE *out, const struct nsim_graph *g, size_t grp, unsigned depth)
{
	const struct nsim_graph_group *c = grp == NSIM_NONE ? NULL : &g->groups[grp];
	if (c) {
		struct nsim_graph_colors col = nsim_graph_group_colors(c->kind);
		indent(out, depth);
		fprintf(out, "subgraph %s {\n", c->id);
		indent(out, depth + 1);
		fprintf(out, "color=\"%s\"; fillcolor=\"%s\"; style=\"%s\"; fontcolor=\"%s\"; penwidth=%s;\n", col.stroke,
			col.fill ? col.fill : "white", group_style(c->kind), col.font, c->kind == NSIM_GRAPH_VPC ? "2" : "1.5");
		indent(out, depth + 1);
		fputs("label=<", out);
		html_lines(out, c->label);
		fputs(">;\n", out);
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
		fputs("}\n", out);
	}
}

static bool is_flow(enum nsim_graph_edge_kind k)
{
	return k == NSIM_GRAPH_FLOW_REACHABLE || k == NSIM_GRAPH_FLOW_BLOCKED || k == NSIM_GRAPH_FLOW_INTERMITTENT;
}

static void write_edge(FILE *out, const struct nsim_graph *g, const struct nsim_graph_edge *e)
{
	bool flow = is_flow(e->kind);
	fprintf(out, "\t%s -> %s [color=\"%s\"", g->nodes[e->from].id, g->nodes[e->to].id, nsim_graph_edge_color(e->kind));
	if (e->to_group != NSIM_NONE)
		fprintf(out, ", lhead=%s", g->groups[e->to_group].id);
	if (flow) {
		/* flows cross the picture: they must not move the architecture */
		fprintf(out, ", penwidth=2, constraint=false, fontcolor=\"%s\"%s", nsim_graph_edge_color(e->kind),
			e->holds ? "" : ", style=dashed");
	} else if (e->kind == NSIM_GRAPH_SERVICE_LINK) {
		fputs(", style=dashed, arrowhead=none", out);
	} else {
		fputs(", penwidth=1.5, arrowhead=none", out);
	}
	if (e->label) {
		fputs(", label=<", out);
		nsim_report_xml_put(out, e->label);
		fputc('>', out);
	}
	fputs("];\n", out);
}

static bool inside(const struct nsim_graph *g, size_t grp, size_t ancestor)
{
	for (; grp != NSIM_NONE; grp = g->groups[grp].parent)
		if (grp == ancestor)
			return true;
	return false;
}

/* The first node of group grp (or inside it) other than a route table;
 * NSIM_NONE: none. */
static size_t first_node(const struct nsim_graph *g, size_t grp, bool routes)
{
	for (size_t i = 0; i < g->n_nodes; i++)
		if (inside(g, g->nodes[i].group, grp) && (g->nodes[i].kind == NSIM_GRAPH_ROUTES) == routes)
			return i;
	return NSIM_NONE;
}

/* With flows, boxes side by side are what the flows cross and what makes
 * the picture wide: each subnet's route table goes under its hosts (flows
 * between hosts of a row then pass above it), and a VPC's availability
 * zones go one under the other (AWS's diagrams draw zones as rows as often
 * as columns). Invisible edges: ranks only. */
static void stack(FILE *out, const struct nsim_graph *g)
{
	for (size_t s = 0; s < g->n_groups; s++) {
		if (g->groups[s].kind != NSIM_GRAPH_SUBNET_PUBLIC && g->groups[s].kind != NSIM_GRAPH_SUBNET_PRIVATE)
			continue;
		size_t host = first_node(g, s, false), rt = first_node(g, s, true);
		if (host != NSIM_NONE && rt != NSIM_NONE)
			fprintf(out, "\t%s -> %s [style=invis];\n", g->nodes[host].id, g->nodes[rt].id);
	}
	/* a flow's destination that is nowhere in the topology (a name without
	 * an answer, a private address no host has) goes under the rest, not
	 * beside the internet's row, the widest */
	for (size_t i = 0; i < g->n_nodes; i++)
		if (g->nodes[i].group == NSIM_NONE && g->nodes[i].kind == NSIM_GRAPH_ADDRESS)
			for (size_t k = 0; k < g->n_nodes; k++)
				if (g->nodes[k].kind == NSIM_GRAPH_ROUTES)
					fprintf(out, "\t%s -> %s [style=invis, weight=0];\n", g->nodes[k].id, g->nodes[i].id);
	size_t prev = NSIM_NONE;
	for (size_t z = 0; z < g->n_groups; z++) {
		if (g->groups[z].kind != NSIM_GRAPH_AZ)
			continue;
		/* the zone before, in the same VPC: its lowest row (a route table under hosts) */
		if (prev != NSIM_NONE && g->groups[prev].parent == g->groups[z].parent) {
			size_t above = first_node(g, prev, true);
			if (above == NSIM_NONE)
				above = first_node(g, prev, false);
			for (size_t i = 0; above != NSIM_NONE && i < g->n_nodes; i++)
				if (inside(g, g->nodes[i].group, z))
					fprintf(out, "\t%s -> %s [style=invis];\n", g->nodes[above].id, g->nodes[i].id);
		}
		prev = z;
	}
}

static int write_dot(FILE *out, const struct nsim_graph *g, bool flows)
{
	fputs("digraph \"", out);
	for (const char *p = g->title; *p; p++)
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			fputc(*p, out);
	/* flows are drawn between the boxes: more room between them when there are any */
	bool any_flow = false;
	for (size_t i = 0; i < g->n_edges && !any_flow; i++)
		any_flow = is_flow(g->edges[i].kind);
	fprintf(out,
		"\" {\n"
		"\tgraph [rankdir=TB, compound=true, newrank=true, nodesep=%s, ranksep=%s, fontname=\"Helvetica\", "
		"fontsize=12, labeljust=l, labelloc=t, margin=0.2];\n"
		"\tnode [shape=box, style=\"rounded,filled\", fillcolor=white, penwidth=1.5, fontname=\"Helvetica\", "
		"fontsize=11, margin=\"0.12,0.06\"];\n"
		"\tedge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];\n",
		any_flow ? "0.9" : "0.6", any_flow ? "0.7" : "0.5");
	write_group(out, g, NSIM_NONE, 1);
	for (size_t i = 0; i < g->n_edges; i++)
		if (flows || !is_flow(g->edges[i].kind))
			write_edge(out, g, &g->edges[i]);
	/* AWS diagrams read top-down: the internet, then each VPC's internet
	 * gateway, then its subnets. The rest of the region (VPCs without a
	 * gateway, peerings) goes below the internet too, without pulling it
	 * sideways (weight 0) */
	size_t anchor = NSIM_NONE;
	for (size_t i = 0; i < g->n_nodes && anchor == NSIM_NONE; i++)
		if (g->internet_group != NSIM_NONE && g->nodes[i].group == g->internet_group)
			anchor = i;
	_cleanup_free_ size_t *igw_of = malloc((g->n_groups + 1) * sizeof(*igw_of)); /* a VPC group's gateway */
	if (!igw_of)
		return -ENOMEM;
	for (size_t i = 0; i < g->n_groups; i++)
		igw_of[i] = NSIM_NONE;
	for (size_t i = 0; i < g->n_nodes; i++)
		if (g->nodes[i].kind == NSIM_GRAPH_IGW && g->nodes[i].group != NSIM_NONE)
			igw_of[g->nodes[i].group] = i;
	for (size_t k = 0; k < g->n_nodes; k++) {
		if (g->nodes[k].group == NSIM_NONE || g->nodes[k].group == g->internet_group)
			continue;
		size_t igw = NSIM_NONE;
		/* the gateway of a group around the node's own (not beside it) */
		for (size_t grp = g->groups[g->nodes[k].group].parent; grp != NSIM_NONE && igw == NSIM_NONE;
		     grp = g->groups[grp].parent)
			igw = igw_of[grp];
		if (igw != NSIM_NONE)
			fprintf(out, "\t%s -> %s [style=invis];\n", g->nodes[igw].id, g->nodes[k].id);
		else if (anchor != NSIM_NONE && g->nodes[k].kind != NSIM_GRAPH_IGW)
			fprintf(out, "\t%s -> %s [style=invis, weight=0];\n", g->nodes[anchor].id, g->nodes[k].id);
	}
	if (any_flow)
		stack(out, g);
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

int nsim_graph_write_dot(FILE *out, const struct nsim_graph *g)
{
	return write_dot(out, g, true);
}

/* Where the line from centre (x, y) towards (tx, ty) leaves a box of w x h. */
static void clip(double x, double y, double tx, double ty, double w, double h, double *rx, double *ry)
{
	double dx = tx - x, dy = ty - y;
	double sx = fabs(dx) > 1e-9 ? (w / 2) / fabs(dx) : 1e9, sy = fabs(dy) > 1e-9 ? (h / 2) / fabs(dy) : 1e9;
	double k = sx < sy ? sx : sy;
	if (k > 1)
		k = 1;
	*rx = x + dx * k;
	*ry = y + dy * k;
}

/* A point of the quadratic curve from (x1, y1) through control (cx, cy) to (x2, y2). */
static void quad_at(double t, double x1, double y1, double cx, double cy, double x2, double y2, double *rx, double *ry)
{
	double u = 1 - t;
	*rx = u * u * x1 + 2 * u * t * cx + t * t * x2;
	*ry = u * u * y1 + 2 * u * t * cy + t * t * y2;
}

/* A box a badge should not cover: a node's (route tables included), or a
 * cluster's label (n NULL). */
struct obstacle {
	double x0, y0, x1, y1;
	Agnode_t *n;
};

struct obstacles {
	struct obstacle *o;
	size_t n, cap;
};

static void obstacle_add(struct obstacles *ob, double x, double y, double w, double h, Agnode_t *n)
{
	if (ob->n == ob->cap) {
		size_t c = ob->cap ? ob->cap * 2 : 64;
		struct obstacle *p = reallocarray(ob->o, c, sizeof(*p));
		if (!p)
			return; /* fewer obstacles: a badge may cover a box, nothing worse */
		ob->o = p, ob->cap = c;
	}
	ob->o[ob->n++] = (struct obstacle){x - w / 2, y - h / 2, x + w / 2, y + h / 2, n};
}

static void cluster_labels(struct obstacles *ob, Agraph_t *sg)
{
	for (int i = 1; i <= GD_n_cluster(sg); i++) {
		Agraph_t *c = GD_clust(sg)[i];
		textlabel_t *l = GD_label(c);
		if (l && l->set)
			obstacle_add(ob, l->pos.x, -l->pos.y, l->dimen.x, l->dimen.y, NULL);
		cluster_labels(ob, c);
	}
}

/* How much a square of side 2r around (x, y) covers the obstacles (nodes
 * only unless `labels`) other than nodes a and b: 0 in free space. */
static double overlap(const struct obstacles *ob, double x, double y, double r, bool labels, Agnode_t *a, Agnode_t *b)
{
	double sum = 0;
	for (size_t i = 0; i < ob->n; i++) {
		const struct obstacle *o = &ob->o[i];
		if ((!o->n && !labels) || (o->n && (o->n == a || o->n == b)))
			continue;
		double ox = fmin(x + r, o->x1) - fmax(x - r, o->x0), oy = fmin(y + r, o->y1) - fmax(y - r, o->y0);
		if (ox > 0 && oy > 0)
			sum += ox * oy;
	}
	return sum;
}

#define BADGE_R 8.0
#define LEGEND_LINE 15.0

static size_t n_flows(const struct nsim_graph *g)
{
	size_t n = 0;
	for (size_t i = 0; i < g->n_edges; i++)
		n += is_flow(g->edges[i].kind) && g->edges[i].label;
	return n;
}

/* A numbered badge: a circle in the flow's colour, the number in white. */
static void badge(FILE *out, double x, double y, size_t num, const char *color)
{
	fprintf(out,
		"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.0f\" fill=\"%s\" stroke=\"white\" stroke-width=\"1.5\"/>"
		"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-family=\"Helvetica,sans-Serif\" font-size=\"9\" "
		"font-weight=\"bold\" fill=\"white\">%zu</text>\n",
		x, y, BADGE_R, color, x, y + 3.2, num);
}

/* The flows over the laid-out architecture, in the SVG's graph coordinates
 * (Graphviz's, with y negated): a curve from the source's box to the
 * destination's, bent aside so flows between the same two nodes stay
 * apart, an arrowhead, and a numbered badge where the curve runs through
 * free space. The labels would cross boxes and each other wherever they
 * went in the picture: they are listed under it, each after its number
 * (`legend_y`: the top of the list, below the diagram). */
static void flows_overlay(FILE *out, const struct nsim_graph *g, Agraph_t *ag, double legend_y)
{
	fputs("<g id=\"flows\" class=\"flows\">\n<defs>", out);
	static const enum nsim_graph_edge_kind kinds[] = {NSIM_GRAPH_FLOW_REACHABLE, NSIM_GRAPH_FLOW_BLOCKED,
							  NSIM_GRAPH_FLOW_INTERMITTENT};
	for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
		fprintf(out,
			"<marker id=\"nsim-flow-arrow%zu\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"9\" markerUnits=\"userSpaceOnUse\" "
			"markerHeight=\"9\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>",
			k, nsim_graph_edge_color(kinds[k]));
	fputs("</defs>\n", out);
	struct spot {
		double x, y;
	} placed[256];
	size_t n_placed = 0, num = 0, n_used = 0;
	_cleanup_free_ struct obstacle *obs = NULL;
	struct obstacles ob = {0};
	for (Agnode_t *n = agfstnode(ag); n; n = agnxtnode(ag, n))
		obstacle_add(&ob, ND_coord(n).x, -ND_coord(n).y, ND_width(n) * 72, ND_height(n) * 72, n);
	cluster_labels(&ob, ag);
	obs = ob.o;
	struct use {
		size_t lo, hi;
		double bend;
	} used[256];
	_cleanup_free_ char *badges = NULL;
	size_t blen = 0;
	FILE *bo = open_memstream(&badges, &blen); /* the badges go over every curve */
	if (!bo)
		return;
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct nsim_graph_edge *e = &g->edges[i];
		if (!is_flow(e->kind))
			continue;
		Agnode_t *a = agnode(ag, (char *)g->nodes[e->from].id, 0), *b = agnode(ag, (char *)g->nodes[e->to].id, 0);
		if (!a || !b)
			continue;
		size_t mk = e->kind == NSIM_GRAPH_FLOW_REACHABLE ? 0 : e->kind == NSIM_GRAPH_FLOW_BLOCKED ? 1 : 2;
		double ax = ND_coord(a).x, ay = -ND_coord(a).y, bx = ND_coord(b).x, by = -ND_coord(b).y;
		double x1, y1, x2, y2;
		clip(ax, ay, bx, by, ND_width(a) * 72, ND_height(a) * 72, &x1, &y1);
		clip(bx, by, ax, ay, ND_width(b) * 72, ND_height(b) * 72, &x2, &y2);
		double mx = (x1 + x2) / 2, my = (y1 + y2) / 2, dx = x2 - x1, dy = y2 - y1;
		double len = sqrt(dx * dx + dy * dy);
		if (len < 1)
			len = 1;
		/* the bend: the one whose curve crosses the least of the other
		 * boxes, never one a flow between the same two nodes took */
		static const double bends[] = {24, -24, 46, -46, 68, -68, 90, -90, 120, -120, 160, -160};
		bool fwd = e->from < e->to; /* bends kept as seen from the lower node */
		double bend = bends[0], least = INFINITY;
		for (size_t k = 0; k < ELEMENTSOF(bends); k++) {
			bool taken = false;
			for (size_t q = 0; q < n_used && !taken; q++)
				taken = used[q].lo == (fwd ? e->from : e->to) && used[q].hi == (fwd ? e->to : e->from) &&
					used[q].bend == (fwd ? bends[k] : -bends[k]);
			if (taken)
				continue;
			double qx = mx - dy / len * bends[k], qy = my + dx / len * bends[k], cost = 0.001 * (double)k;
			for (int st = 1; st < 16; st++) {
				double px, py;
				quad_at(st / 16.0, x1, y1, qx, qy, x2, y2, &px, &py);
				cost += overlap(&ob, px, py, 3, false, a, b) + 0.5 * overlap(&ob, px, py, 3, true, a, b);
			}
			if (cost < least)
				least = cost, bend = bends[k];
		}
		if (n_used < ELEMENTSOF(used))
			used[n_used++] = (struct use){fwd ? e->from : e->to, fwd ? e->to : e->from, fwd ? bend : -bend};
		double cx = mx - dy / len * bend, cy = my + dx / len * bend;
		fprintf(out,
			"<path class=\"flow\" d=\"M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"2\"%s marker-end=\"url(#nsim-flow-arrow%zu)\"/>\n",
			x1, y1, cx, cy, x2, y2, nsim_graph_edge_color(e->kind), e->holds ? "" : " stroke-dasharray=\"6,4\"", mk);
		if (!e->label)
			continue;
		/* the badge: the point of the curve, from its middle outwards,
		 * that covers the least of the boxes and of the badges before */
		static const double ts[] = {0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82};
		double best = INFINITY, bxp = mx, byp = my;
		for (size_t k = 0; k < ELEMENTSOF(ts); k++) {
			double px, py;
			quad_at(ts[k], x1, y1, cx, cy, x2, y2, &px, &py);
			double cost = overlap(&ob, px, py, BADGE_R + 1, true, NULL, NULL);
			for (size_t q = 0; q < n_placed; q++) {
				double ddx = placed[q].x - px, ddy = placed[q].y - py, d2 = ddx * ddx + ddy * ddy;
				if (d2 < 4 * (BADGE_R + 2) * (BADGE_R + 2))
					cost += 10000;
			}
			cost += 0.01 * (double)k; /* ties: nearer the middle */
			if (cost < best)
				best = cost, bxp = px, byp = py;
		}
		if (n_placed < ELEMENTSOF(placed))
			placed[n_placed++] = (struct spot){bxp, byp};
		badge(bo, bxp, byp, ++num, nsim_graph_edge_color(e->kind));
	}
	if (fclose(bo) == 0 && badges)
		fputs(badges, out);

	/* the list: number, from → to, then the label in the flow's colour */
	num = 0;
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct nsim_graph_edge *e = &g->edges[i];
		if (!is_flow(e->kind) || !e->label)
			continue;
		double y = legend_y + LEGEND_LINE * (double)num + BADGE_R;
		badge(out, BADGE_R + 2, y, ++num, nsim_graph_edge_color(e->kind));
		fprintf(out,
			"<text x=\"%.1f\" y=\"%.1f\" font-family=\"Helvetica,sans-Serif\" font-size=\"10\" fill=\"#232F3E\">",
			2 * BADGE_R + 8, y + 3.5);
		nsim_report_xml_put(out, g->nodes[e->from].title);
		fputs(" → ", out);
		nsim_report_xml_put(out, g->nodes[e->to].title);
		fprintf(out, ": <tspan fill=\"%s\">", nsim_graph_edge_color(e->kind));
		nsim_report_xml_put(out, e->label);
		fputs("</tspan></text>\n", out);
	}
	fputs("</g>\n", out);
}

/* The legend's width in points, roughly (Helvetica 10pt: 5.6 a character). */
static double legend_width(const struct nsim_graph *g)
{
	double w = 0;
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct nsim_graph_edge *e = &g->edges[i];
		if (!is_flow(e->kind) || !e->label)
			continue;
		double l = 2 * BADGE_R + 8 +
			   5.6 * (double)(strlen(g->nodes[e->from].title) + strlen(g->nodes[e->to].title) + strlen(e->label) + 5);
		w = fmax(w, l);
	}
	return w;
}

/* Makes room under Graphviz's picture for `extra_h` more points and at
 * least `min_w` of width: its <svg> header's height, width and viewBox, and
 * the white background polygon are rewritten. */
static void grow_canvas(FILE *o, const char *svg, const char *end, double extra_h, double min_w)
{
	double W, H, vx, vy, vw, vh;
	const char *hw = strstr(svg, "<svg width=\""), *vb = strstr(svg, "viewBox=\"");
	const char *close = vb ? strchr(vb + 9, '"') : NULL;
	if (!hw || !vb || !close || close > end || sscanf(hw, "<svg width=\"%lfpt\" height=\"%lfpt\"", &W, &H) != 2 ||
	    sscanf(vb, "viewBox=\"%lf %lf %lf %lf\"", &vx, &vy, &vw, &vh) != 4) {
		fwrite(svg, 1, (size_t)(end - svg), o);
		return;
	}
	double dw = fmax(0, min_w - vw);
	fwrite(svg, 1, (size_t)(hw - svg), o);
	fprintf(o, "<svg width=\"%.0fpt\" height=\"%.0fpt\"\n viewBox=\"%.2f %.2f %.2f %.2f", W + dw, H + extra_h, vx, vy,
		vw + dw, vh + extra_h);
	/* the rest of the header, then a white ground under the legend */
	const char *g0 = strstr(close, "<g id=\"graph0\"");
	const char *g0end = g0 ? strchr(g0, '>') : NULL;
	if (!g0end || g0end > end) {
		fwrite(close, 1, (size_t)(end - close), o);
		return;
	}
	fwrite(close, 1, (size_t)(g0end + 1 - close), o);
	fprintf(o, "\n<rect x=\"-50\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>", vw + dw + 100,
		extra_h + 50);
	fwrite(g0end + 1, 1, (size_t)(end - g0end - 1), o);
}

static int quiet(char *msg)
{
	(void)msg;
	return 0;
}

int nsim_graph_render_svg(const struct nsim_graph *g, char **ret_svg, size_t *ret_len)
{
	_cleanup_free_ char *dot = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&dot, &len);
	if (!m)
		return -ENOMEM;
	/* Graphviz 2.43's dot layout corrupts its heap on constraint=false
	 * edges between clusters (merge_chain, dot_cleanup): the layout is of
	 * the architecture, and the flows are drawn over it (flows_overlay) */
	int r = write_dot(m, g, false);
	if (fclose(m) != 0 || r < 0)
		return -ENOMEM;

	/* Graphviz reports problems on stderr itself: library code here prints
	 * nothing, the caller says what failed */
	agseterr(AGMAX);
	agseterrf(quiet);
	Agraph_t *ag = agmemread(dot);
	if (!ag)
		return -ENOMEM;
	GVC_t *gvc = gvContext();
	if (!gvc) {
		agclose(ag);
		return -ENOMEM;
	}
	char *svg = NULL;
	unsigned int n = 0;
	r = -EIO;
	if (gvLayout(gvc, ag, "dot") == 0) {
		if (gvRenderData(gvc, ag, "svg", &svg, &n) == 0 && svg) {
			/* the flows go last in the graph's group: over everything */
			_cleanup_free_ char *text = NULL;
			size_t tlen = 0;
			FILE *o = open_memstream(&text, &tlen);
			const char *end = NULL;
			for (const char *p = svg; p + 4 <= svg + n && (p = strstr(p, "</g>")); p++)
				end = p;
			r = -ENOMEM;
			if (o && end) {
				size_t nf = n_flows(g);
				double extra = nf ? LEGEND_LINE * (double)nf + 12 : 0;
				if (nf)
					grow_canvas(o, svg, end, extra, legend_width(g) + 20);
				else
					fwrite(svg, 1, (size_t)(end - svg), o);
				flows_overlay(o, g, ag, 12);
				fputs(end, o);
			}
			if (o && fclose(o) == 0 && end) {
				*ret_svg = TAKE_PTR(text);
				*ret_len = tlen;
				r = 0;
			}
		}
		if (svg)
			gvFreeRenderData(svg);
		gvFreeLayout(gvc, ag);
	}
	agclose(ag);
	gvFreeContext(gvc);
	return r;
}
