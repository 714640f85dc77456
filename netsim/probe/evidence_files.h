/* SPDX-License-Identifier: MIT */
/* The packet evidence of a check as files (--pcap DIR). */
#pragma once

#include "model/util.h"
#include "probe/check.h"

/*
 * Writes one pcap file per hop of every result into `dir` (created 0755 if
 * missing): DIR/<n>-<slug>-<component>.pcap. Every file is written as
 * nsim_file_write_at() does (model/fileio.h: a temporary file renamed over
 * the name, never through a symlink), into a directory checked by
 * nsim_file_open_dir(). Returns 0, or -errno of those (-ELOOP, -EPERM,
 * -ENOTDIR, -EEXIST, ...; nsim_file_strerror() says it in words), with the
 * file that failed in *ret_failed (NULL when the directory itself failed;
 * caller frees).
 */
_must_check_ int nsim_evidence_write_pcaps(const struct nsim_check_report *r, const char *dir, char **ret_failed);

/* The name of the pcap file nsim_evidence_write_pcaps() writes for hop
 * `hop` of res: "<n>-<slug>-<component>.pcap", into buf (size bytes). */
void nsim_evidence_pcap_name(const struct nsim_check_result *res, size_t hop, char *buf, size_t size);
