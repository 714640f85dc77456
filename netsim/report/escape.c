/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"

/* Length of the control sequence at s (1 or 2 bytes), 0 when s starts with
 * printable text. */
static size_t control_len(const unsigned char *s)
{
	if (*s < 0x20 || *s == 0x7f)
		return 1;
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	return 0;
}

/* The escape of the control sequence at s into out (at least 7 bytes). */
static size_t escape_one(const unsigned char *s, size_t n, char *out)
{
	if (n == 2)
		return (size_t)sprintf(out, "\\u%04x", s[1]);
	static const char named[] = {['\033'] = 'e', ['\a'] = 'a', ['\b'] = 'b', ['\t'] = 't',
				     ['\n'] = 'n',  ['\v'] = 'v', ['\f'] = 'f', ['\r'] = 'r'};
	if (*s < sizeof(named) && named[*s])
		return (size_t)sprintf(out, "\\%c", named[*s]);
	return (size_t)sprintf(out, "\\x%02x", *s);
}

bool nsim_report_needs_escape(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		if (control_len(p))
			return true;
	return false;
}

void nsim_report_fputs_escaped(FILE *out, const char *s)
{
	if (!s)
		return;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = control_len(p);
		if (!n) {
			size_t k = 1;
			while (p[k] && !control_len(p + k))
				k++;
			fwrite(p, 1, k, out);
			p += k;
			continue;
		}
		char e[8];
		fwrite(e, 1, escape_one(p, n, e), out);
		p += n;
	}
}

const char *nsim_report_escaped(const char *s, char *buf, size_t size)
{
	if (!nsim_report_needs_escape(s))
		return s;
	size_t len = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		char e[8];
		size_t n = control_len(p), k = n ? escape_one(p, n, e) : 1;
		if (!n)
			e[0] = (char)*p;
		if (len + k + 4 > size) { /* room for "..." and the NUL */
			memcpy(buf + len, "...", 4);
			return buf;
		}
		memcpy(buf + len, e, k);
		len += k;
		p += n ? n : 1;
	}
	buf[len] = '\0';
	return buf;
}

char *nsim_report_escape_dup(const char *s)
{
	if (!s)
		return NULL;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	nsim_report_fputs_escaped(f, s);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void nsim_report_xml_put(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : c, out);
		}
	}
}
