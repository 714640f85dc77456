/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

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

/* Whether to color output written to `fd` (a tty, and NO_COLOR unset). */
bool nsim_cli_color(int fd);
/* Prints "netsim: error: ..." style usage errors; returns NSIM_EXIT_USAGE. */
int nsim_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int nsim_cmd_validate(int argc, char **argv);
extern const char nsim_help_validate[];
