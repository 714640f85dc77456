/* SPDX-License-Identifier: MIT */
/*
 * Text for a terminal: names, values and paths come from files and command
 * lines, and a control character in one (ESC, BEL, a newline) must not reach
 * the terminal raw (it could clear the screen, set the title or fake lines of
 * output). Every text output prints such strings through these. JSON
 * escapes by its own rules; XML and HTML (JUnit, SVG labels, the report
 * page) through nsim_report_xml_put().
 *
 * Escapes: \e \a \b \t \n \v \f \r \\ is kept as is; other C0 bytes and DEL as
 * \xHH; C1 controls (U+0080-U+009F, UTF-8 C2 80-C2 9F) as \u00HH.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Room for the escaped form of a name or message (cut with "..." beyond). */
#define NSIM_ESCAPED_MAX 1024

/* Whether s holds a byte the functions below would escape. NULL: false. */
bool nsim_report_needs_escape(const char *s);

/* Writes s to out, escaped. NULL prints nothing. */
void nsim_report_fputs_escaped(FILE *out, const char *s);

/*
 * s itself when it needs no escaping (or is NULL), else its escaped form
 * written into buf (size bytes, at least 4), cut with "..." when it does not
 * fit. The result lives as long as s and buf.
 */
const char *nsim_report_escaped(const char *s, char *buf, size_t size);

/* An escaped copy of s (caller frees), or NULL on ENOMEM or when s is NULL. */
char *nsim_report_escape_dup(const char *s);

/* nsim_report_escaped() with a buffer that lives until the end of the
 * enclosing block: for wrapping printf arguments. */
#define NSIM_ESC(s) nsim_report_escaped((s), (char[NSIM_ESCAPED_MAX]){0}, NSIM_ESCAPED_MAX)

/* Writes s to out as XML or HTML text or attribute value: & < > " ' as
 * entities, any other control character than newline and tab as '?' (XML 1.0
 * allows none). NULL writes nothing. */
void nsim_report_xml_put(FILE *out, const char *s);
