/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Exit codes (documented in README and `netsim --help`). */
enum {
	NSIM_EXIT_OK = 0,
	NSIM_EXIT_FAIL = 1,  /* failed checks or invalid input */
	NSIM_EXIT_USAGE = 2, /* bad command line */
	NSIM_EXIT_ENV = 3,   /* environment: not root, missing kernel feature */
};

struct nsim_command {
	const char *name;
	const char *args;    /* one-line synopsis of the arguments */
	const char *summary; /* one line */
	const char *help;    /* the full text for `netsim help NAME` */
	int (*run)(int argc, char **argv);
};

/* --strict (commands that validate a topology): warnings are errors. Set by main(). */
extern bool nsim_cli_strict;
struct nsim_diags;
/* With --strict, makes the warnings of diags [from, n) errors, with a note
 * saying so (file: where). */
void nsim_cli_strict_diags(struct nsim_diags *diags, size_t from, const char *file);

/* Whether to color output written to `fd` (a tty, and NO_COLOR unset). */
bool nsim_cli_color(int fd);
/* 0 when root, else prints why and returns NSIM_EXIT_ENV. */
int nsim_cli_need_root(const char *cmd);
/* Prints "netsim: error: ..." style usage errors; returns NSIM_EXIT_USAGE. */
int nsim_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct nsim_topology;
struct nsim_diags;
/* Loads and validates path, printing every diagnostic to stderr. Returns
 * NSIM_EXIT_OK with *ret_t (owned by the caller), or the exit code to use. */
int nsim_cli_load(const char *path, struct nsim_topology **ret_t);
/* Loads and validates path ("-": standard input) into diags (initialised by
 * the caller, who clears it), printing every diagnostic to stderr as a
 * compiler does. Returns 0 with *ret_t and *ret_text (the text read, both
 * owned by the caller), 1 when the file is invalid or cannot be read (the
 * reason is in diags too), or -ENOMEM. */
int nsim_cli_load_diags(const char *path, struct nsim_diags *diags, struct nsim_topology **ret_t, char **ret_text);
/* The same as nsim_cli_load, also handing out the text read (caller frees). */
int nsim_cli_load_text(const char *path, struct nsim_topology **ret_t, char **ret_text);

int nsim_cmd_validate(int argc, char **argv);
int nsim_cmd_plan(int argc, char **argv);
int nsim_cmd_up(int argc, char **argv);
int nsim_cmd_down(int argc, char **argv);
int nsim_cmd_ls(int argc, char **argv);
int nsim_cmd_show(int argc, char **argv);
int nsim_cmd_exec(int argc, char **argv);
int nsim_cmd_logs(int argc, char **argv);
int nsim_cmd_check(int argc, char **argv);
int nsim_cmd_test(int argc, char **argv);
int nsim_cmd_trace(int argc, char **argv);
int nsim_cmd_analyze(int argc, char **argv);
extern const char nsim_help_validate[], nsim_help_plan[], nsim_help_up[], nsim_help_down[], nsim_help_ls[],
	nsim_help_show[], nsim_help_exec[], nsim_help_logs[], nsim_help_check[], nsim_help_test[],
	nsim_help_trace[], nsim_help_analyze[];

int nsim_cmd_graph(int argc, char **argv);
extern const char nsim_help_graph[];
struct nsim_check_report;
/* cmd_graph.c: writes the HTML report of rep (report/html.h) to path, its
 * pcap links pointing at pcap (the --pcap directory, NULL: none) relative
 * to the page. Returns 0 or -errno as nsim_file_write(). */
int nsim_cli_write_html(const char *path, const struct nsim_topology *t, const struct nsim_check_report *rep,
			const char *pcap);
/* cmd_graph.c: keeps rep's JSON report in the instance's state dir, for
 * `graph NAME --flows` (best effort: nothing is said when it cannot). */
void nsim_cli_store_last_check(const struct nsim_check_report *rep);
