/*
 * template.h - kenchi's small logic-less (mustache-like) template renderer,
 * the report-template file layout, and the explanations file loader.
 *
 * Why our own renderer: values come from alerts an attacker can influence
 * (file names, URLs, user names).  Values are never re-parsed as template
 * text, there is no expression language, and escaping is chosen per output
 * context when the template is loaded.  See doc/template-choice.md.
 *
 * TAG SYNTAX
 *   {{path}}                 value at a dotted path ("a.b.c"); a numeric
 *                            segment indexes an array ("ips.0.ip");
 *                            {{.}} is the current item.
 *   {{path|f1|f2:arg}}       filters, applied left to right:
 *       default:TEXT  TEXT when the value is missing or renders empty
 *       defang        kenchi_defang() (URLs, hosts, e-mail addresses, IPs, drives)
 *       upper, lower  UTF-8 case mapping (g_utf8_strup/strdown)
 *       jst, utc      ISO 8601 date (or integer Unix seconds) ->
 *                     "YYYY-MM-DD HH:MM:SS" in +09:00 / UTC; a value that
 *                     does not parse is left unchanged, one the zone
 *                     cannot show (past year 9999) renders empty; a date
 *                     without an offset is taken as UTC
 *       html          HTML-escape even when the template's mode is not HTML
 *       oneline       each run of CR/LF/TAB becomes one space
       amp_link      the value when it is an https link to Cisco's AMP
                     console (kenchi_is_amp_console_link), else empty: a
                     forged alert's "trajectory" must not reach a customer
 *   {{#path}}..{{/path}}     array: once per item (item pushed as context);
 *                            object: once, object pushed; true / non-empty
 *                            string / non-zero number: once, value pushed;
 *                            missing, null, false, 0, "", [] : not at all.
 *   {{^path}}..{{/path}}     inverted: renders exactly when # would not.
 *   {{! comment }}           may span lines.
 *   {{@index}} {{@first}} {{@last}}
 *                            inside an array section: 1-based position and
 *                            booleans (usable in sections: {{^@first}}, {{/@first}}).
 *   Lookup: the first path segment is searched in the current item, then in
 *   each outer context up to the root (mustache rules); the remaining
 *   segments walk from there only.
 *   A line holding nothing but whitespace and one section/inverted/close/
 *   comment tag is removed entirely, newline included ("standalone" tags).
 *   Rendering of values: strings as is, integers exact (int64), doubles %g,
 *   booleans true/false, null/missing/objects/arrays as "".
 *   There is no way to write a literal "{{" in template text: every "{{"
 *   starts a tag.  Tags other than comments must fit on one line.
 *
 * ESCAPING (fixed when the template is compiled)
 *   KENCHI_ESC_TEXT    values verbatim, except CR and LF become a space
 *                      unless KENCHI_ESC_KEEP_NEWLINES is or'ed in (mail body).
 *   KENCHI_ESC_HEADER  CR, LF, TAB, every other C0 control, DEL, U+0085,
 *                      U+2028 and U+2029 become a space: a value can never
 *                      start a new header line.
 *   KENCHI_ESC_HTML    & < > " ' escaped; CR/LF kept.
 *   In every mode, C0 controls other than TAB/CR/LF (and DEL), U+0085,
 *   U+2028 and U+2029 in values become a space (no terminal escapes in
 *   analysts' mail readers, no line a value writes in webmail), and each
 *   bidi control (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)
 *   becomes a visible "[U+202E]": a report shows the name it holds.
 *   Template text itself is never escaped.
 *
 * ERRORS
 *   Load/compile errors are KENCHI_TEMPLATE_ERROR, one line per problem,
 *   each "name:line: message" (all problems found are reported, joined by
 *   '\n').  Rendering cannot fail.
 *
 * THREADS
 *   A compiled template is immutable: render it from any number of threads.
 */
#ifndef KENCHI_REPORT_TEMPLATE_H
#define KENCHI_REPORT_TEMPLATE_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define KENCHI_TEMPLATE_ERROR (kenchi_template_error_quark())
GQuark kenchi_template_error_quark(void);

typedef enum {
	KENCHI_TEMPLATE_ERROR_IO,     /* file could not be read */
	KENCHI_TEMPLATE_ERROR_SYNTAX, /* template or explanations syntax */
} kenchi_template_error_t;

typedef enum {
	KENCHI_ESC_TEXT = 0,
	KENCHI_ESC_HEADER = 1,
	KENCHI_ESC_HTML = 2,
	/* flag: or into KENCHI_ESC_TEXT to keep CR/LF inside values */
	KENCHI_ESC_KEEP_NEWLINES = 0x100,
} kenchi_escape_t;

typedef struct kenchi_template kenchi_template_t;

/* Compile TEXT (UTF-8).  NAME_FOR_ERRORS is copied and used as the "file"
 * part of error messages.  Returns NULL and sets ERROR on failure.
 * Caller owns the result: kenchi_template_free(). */
kenchi_template_t *kenchi_template_new(const char *name_for_errors, const char *text,
                                       kenchi_escape_t esc, GError **error);

/* Read PATH and compile it (no header/body split; see kenchi_report_*). */
kenchi_template_t *kenchi_template_load_file(const char *path, kenchi_escape_t esc,
                                             GError **error);

/* Render with DATA as the root context (normally an object; borrowed, not
 * modified; may be NULL).  Returns a newly allocated string, never NULL;
 * caller g_free()s it. */
char *kenchi_template_render(const kenchi_template_t *t, JsonNode *data);

/* Append the rendering to OUT (no allocation of a new string). */
void kenchi_template_render_to(const kenchi_template_t *t, JsonNode *data, GString *out);

void kenchi_template_free(kenchi_template_t *t); /* NULL ok */

/*
 * REPORT TEMPLATE FILES (templates/first-report.ja and the like)
 *
 *   Subject: <template, one line>       header part
 *   {{! a comment line }}               (optional, header part only whole-line)
 *                                       <- first empty line ends the header part
 *   <body template ...>                 everything after it, to end of file
 *
 * "Subject:" is required, exactly once (name case-insensitive, spaces after
 * the colon skipped); any other header name is a load error so a typo does
 * not ship silently.  The Subject is compiled with KENCHI_ESC_HEADER, the body
 * with KENCHI_ESC_TEXT | KENCHI_ESC_KEEP_NEWLINES.  Body errors carry the
 * line numbers of the file.  The rendered body keeps the file's final
 * newline.  Encoding and folding of the Subject for MIME is the mailer's job.
 */
typedef struct kenchi_report_template kenchi_report_template_t;

kenchi_report_template_t *kenchi_report_template_new(const char *name_for_errors,
                                                     const char *text, GError **error);
kenchi_report_template_t *kenchi_report_template_load_file(const char *path, GError **error);

/* *SUBJECT and *BODY receive newly allocated strings (never NULL), owned by
 * the caller (g_free).  Either pointer may be NULL to skip that part. */
void kenchi_report_template_render(const kenchi_report_template_t *t, JsonNode *data,
                                   char **subject, char **body);

void kenchi_report_template_free(kenchi_report_template_t *t); /* NULL ok */

/*
 * EXPLANATIONS FILES (data/explanations.ja, .en)
 *
 *   # comment (only when '#' is the first character of the line)
 *   [Threat Detected]          header: event type name as the API spells it
 *   [Another Name]             consecutive headers share the following text
 *   paragraph line 1           text: every line up to the next header,
 *   paragraph line 2           with leading and trailing empty lines dropped,
 *                              lines joined with '\n', no final newline
 *   [default]                  used for event types without their own entry
 *
 * Errors (each "path:line: message", all reported): text before the first
 * header, empty name, a name defined twice (case-insensitively), a header
 * with no text, missing "]", invalid UTF-8.  Text under a broken header is
 * skipped (not reported again).
 *
 * Returns a table: key = g_utf8_casefold()ed name (owned by the table),
 * value = text (owned by the table).  Free with g_hash_table_unref().
 */
GHashTable *kenchi_explanations_load(const char *path, GError **error);
GHashTable *kenchi_explanations_parse(const char *name_for_errors, const char *text,
                                      GError **error);

/* Text for EVENT_TYPE (any case), else the "default" entry, else NULL.
 * Returned pointer is borrowed from TABLE. */
const char *kenchi_explanation_lookup(GHashTable *table, const char *event_type);

G_END_DECLS

#endif
