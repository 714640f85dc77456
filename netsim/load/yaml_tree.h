/* SPDX-License-Identifier: MIT */
/*
 * A YAML document as a tree, built from libyaml's events with the limits of
 * load.h enforced while parsing (depth, scalar size, node count), so no input
 * can make the loader use unbounded time or memory. Aliases point at the
 * anchored node (the tree is a DAG, or a graph for `&a [*a]`): readers bound
 * their own walk.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/arena.h"
#include "model/diag.h"
#include "model/util.h"

enum ynode_type {
	Y_SCALAR = 0,
	Y_SEQ,
	Y_MAP,
};

struct ynode {
	enum ynode_type type;
	unsigned line, col; /* 1-based */
	/* Y_SCALAR */
	const char *value;
	size_t len;
	bool plain; /* unquoted: may be null, a number */
	/* an explicit tag as libyaml gives it ("!Ref", "tag:yaml.org,2002:str"),
	 * or NULL; the topology loader ignores it, CloudFormation's short forms
	 * (netsim/import/) are tags */
	const char *tag;
	/* Y_SEQ: items[0..n); Y_MAP: items[2i] key, items[2i+1] value */
	struct ynode **items;
	size_t n;
};

/*
 * Parses data into a tree allocated from `arena` (owned by the caller, who
 * frees the arena). Errors go to diags with `file` as position file.
 * Returns 0 with *ret_root (NULL for an empty document), -EINVAL on a syntax
 * or limit error, -ENOMEM.
 */
_must_check_ int nsim_yaml_tree_parse(struct nsim_arena *arena, const char *file, const char *data, size_t len,
			 struct nsim_diags *diags, struct ynode **ret_root);
/* As nsim_yaml_tree_parse() with another limit on one scalar's bytes
 * (a CloudFormation template's UserData script is longer than any topology value). */
_must_check_ int nsim_yaml_tree_parse_max_scalar(struct nsim_arena *arena, const char *file, const char *data,
						 size_t len, size_t max_scalar, struct nsim_diags *diags,
						 struct ynode **ret_root);
