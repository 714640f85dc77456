/* SPDX-License-Identifier: MIT */
/* logs: the log of a host's run: service, a VPC's resolver, a relay. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cli/cli.h"
#include "instance/instance.h"
#include "model/util.h"
#include "plan/plan.h"
#include "report/escape.h"

const char nsim_help_logs[] =
	"Prints the log (stdout and stderr) of a process netsim started for HOST of\n"
	"instance NAME: the host's run: service (service-HOST.log), a proxy's relay\n"
	"(relay-HOST.log: which target each connection went to), or the resolver of\n"
	"the VPC named HOST (dns-HOST.log). Control characters are escaped when\n"
	"the output is a terminal.\n\n"
	"Options:\n"
	"  -f, --follow   keep printing what is written, until the instance goes down\n"
	"                 or Ctrl-C\n";

/* Copies what fd has from its offset to stdout: escaped line by line on a terminal. */
static int copy_out(int fd, bool escape, char *partial, size_t *n_partial, size_t cap)
{
	char buf[8192];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (!escape) {
			if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
				return -EIO;
			continue;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && *n_partial < cap - 1) {
				partial[(*n_partial)++] = buf[i];
				continue;
			}
			partial[*n_partial] = '\0';
			nsim_report_fputs_escaped(stdout, partial);
			if (buf[i] == '\n')
				fputc('\n', stdout);
			else
				partial[0] = buf[i], *n_partial = 1; /* a very long line: print it in parts */
			if (buf[i] == '\n')
				*n_partial = 0;
		}
	}
	fflush(stdout);
	return n < 0 ? -errno : 0;
}

int nsim_cmd_logs(int argc, char **argv)
{
	static const struct option longopts[] = {{"follow", no_argument, NULL, 'f'}, {0}};
	bool follow = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f", longopts, NULL)) != -1) {
		if (c == 'f')
			follow = true;
		else
			return nsim_cli_usage_error("logs", "unknown option '%s': usage: netsim logs NAME HOST [-f]",
						    NSIM_ESC(argv[optind - 1]));
	}
	if (argc - optind != 2)
		return nsim_cli_usage_error("logs", "usage: netsim logs NAME HOST [-f]");
	const char *name = argv[optind], *host = argv[optind + 1];
	if (!nsim_plan_name_valid(name))
		return nsim_cli_usage_error("logs", "NAME '%s': invalid instance name: " NSIM_NAME_RULE,
					    NSIM_ESC(name));
	if (strchr(host, '/') || strlen(host) > 64 || !*host)
		return nsim_cli_usage_error("logs", "HOST '%s': invalid host name", NSIM_ESC(host));
	int r = nsim_cli_need_root("logs");
	if (r)
		return r;

	static const char *const prefixes[] = {"service-", "relay-", "dns-", ""};
	char file[128];
	_cleanup_close_ int fd = -1;
	r = -ENOENT;
	for (size_t i = 0; i < ELEMENTSOF(prefixes) && r == -ENOENT; i++) {
		snprintf(file, sizeof(file), "%s%s.log", prefixes[i], host);
		r = nsim_instance_open_file(name, file, &fd);
	}
	if (r < 0) {
		_cleanup_free_ char *state = NULL;
		if (r == -ENOENT && nsim_instance_read_state(name, &state) == -ENOENT)
			fprintf(stderr, "netsim logs: error: '%s' is not up (see 'netsim ls')\n", name);
		else if (r == -ENOENT)
			fprintf(stderr, "netsim logs: error: '%s' has no log for '%s': only hosts with run: (and VPCs "
					"with a resolver) have one (see 'netsim show %s')\n", name, NSIM_ESC(host), name);
		else
			fprintf(stderr, "netsim logs: error: reading the log of '%s' in '%s': %s\n", NSIM_ESC(host),
				name, strerror(-r));
		return r == -ENOENT ? NSIM_EXIT_FAIL : NSIM_EXIT_ENV;
	}

	bool escape = isatty(STDOUT_FILENO);
	char partial[4096];
	size_t n_partial = 0;
	_cleanup_close_ int ino = -1;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", nsim_instance_state_dir(), name);
	if (follow) {
		/* watch before the first read: nothing written in between is missed */
		ino = inotify_init1(IN_CLOEXEC);
		if (ino < 0 || inotify_add_watch(ino, dir, IN_MODIFY | IN_DELETE | IN_DELETE_SELF | IN_MOVED_FROM) < 0) {
			fprintf(stderr, "netsim logs: error: watching %s: %s\n", NSIM_ESC(dir), strerror(errno));
			return NSIM_EXIT_ENV;
		}
	}
	if ((r = copy_out(fd, escape, partial, &n_partial, sizeof(partial))) < 0) {
		fprintf(stderr, "netsim logs: error: reading %s/%s: %s\n", NSIM_ESC(dir), file, strerror(-r));
		return NSIM_EXIT_ENV;
	}
	bool gone = false;
	while (follow && !gone) {
		char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
		ssize_t n = read(ino, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			bool ours = ev->len && streq(ev->name, file);
			if ((ev->mask & (IN_DELETE_SELF | IN_IGNORED)) || (ours && (ev->mask & (IN_DELETE | IN_MOVED_FROM))))
				gone = true; /* the instance went down */
			p += sizeof(*ev) + ev->len;
		}
		if ((r = copy_out(fd, escape, partial, &n_partial, sizeof(partial))) < 0)
			break;
	}
	if (n_partial) {
		partial[n_partial] = '\0';
		nsim_report_fputs_escaped(stdout, partial);
		fputc('\n', stdout);
	}
	return NSIM_EXIT_OK;
}
