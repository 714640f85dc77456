/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the loader and the validator on arbitrary bytes, and the
 * text report of what they found (source lines, carets, escaping). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "load/load.h"
#include "report/report.h"
#include "validate/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink && !(sink = fopen("/dev/null", "we")))
		abort();
	/* as nsim_load_read() hands it out: NUL-terminated */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	struct nsim_diags diags;
	struct nsim_topology *t = NULL;
	nsim_diags_init(&diags);
	int r = nsim_load_buffer("fuzz.yaml", text, size, &diags, &t);
	if (r == 0)
		r = nsim_validate(t, &diags);
	if (r < 0 && r != -EINVAL && r != -ENOMEM)
		abort(); /* the only errors they may return */
	nsim_diags_sort(&diags, 0);
	struct nsim_diag_printer pr = {.out = sink, .color = size & 1, .max = NSIM_REPORT_DIAGS_MAX};
	nsim_report_diags_text(&pr, &diags, 0, text, size);
	nsim_report_diags_text_end(&pr);
	nsim_topology_free(t);
	nsim_diags_clear(&diags);
	free(text);
	return 0;
}
