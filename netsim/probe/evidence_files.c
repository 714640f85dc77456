/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/fileio.h"
#include "probe/capture.h"
#include "probe/evidence_files.h"

/* A label as a file name part: [a-z0-9-], at most 40 characters. */
static void slug(const char *s, char *buf, size_t size)
{
	size_t n = 0;
	bool dash = false;
	for (; *s && n + 1 < size && n < 40; s++) {
		char ch = *s;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			buf[n++] = ch;
			dash = false;
		} else if (!dash && n) {
			buf[n++] = '-';
			dash = true;
		}
	}
	while (n && buf[n - 1] == '-')
		n--;
	buf[n] = '\0';
}

struct hop_file {
	const struct nsim_hop *hop;
};

static int write_hop(FILE *f, const void *userdata)
{
	const struct hop_file *h = userdata;
	return nsim_capture_write_pcap_file(f, h->hop->pkts, h->hop->n_pkts);
}

void nsim_evidence_pcap_name(const struct nsim_check_result *res, size_t hop, char *buf, size_t size)
{
	char s[48];
	slug(res->label, s, sizeof(s));
	/* components are validated names; a '/' would be refused (-EINVAL) */
	snprintf(buf, size, "%02zu-%s-%s.pcap", res->index + 1, s, res->hops[hop].component);
}

int nsim_evidence_write_pcaps(const struct nsim_check_report *r, const char *dir, char **ret_failed)
{
	_cleanup_close_ int dfd = -1;
	bool sticky_shared = false;
	int e = nsim_file_open_dir(dir, true, &dfd, &sticky_shared);
	if (e < 0) {
		*ret_failed = NULL;
		return e;
	}
	for (size_t i = 0; i < r->n_results; i++) {
		const struct nsim_check_result *res = &r->results[i];
		for (size_t k = 0; k < res->n_hops; k++) {
			char name[256];
			nsim_evidence_pcap_name(res, k, name, sizeof(name));
			struct hop_file h = {&res->hops[k]};
			e = nsim_file_write_at(dfd, sticky_shared, name, write_hop, &h);
			if (e < 0) {
				*ret_failed = strdup(name);
				return e;
			}
		}
	}
	return 0;
}
