/* html.h: HTML to plain text, enough for alert mail: table rows become
 * "label<TAB>value" lines, and so do <dt>/<dd> pairs; <br>, <p>, <div>,
 * <li> break lines (inside a table cell, only between its text), entities are
 * decoded, scripts and styles dropped.  Not a browser: a tolerant scanner
 * that never fails and runs in one pass. */
#ifndef KENCHI_HTML_H
#define KENCHI_HTML_H

#include <glib.h>

/* Between the pieces of a cell broken by <br> or <p>, in the rows of a
 * table under a header row of three cells or more (a digest), instead of a
 * line break; the table reader joins them (extract_table.c).  Anywhere
 * else a value's normalization makes it a space. */
#define KENCHI_HTML_CELL_BREAK "\x1f"

/* The line between two paragraphs (<p>) of a reply read as typed: the
 * gap an editor shows between them, which is no blank line a person
 * typed (U+2029 PARAGRAPH SEPARATOR, alone on its line). */
#define KENCHI_HTML_PARA_GAP "\xe2\x80\xa9"

/* Returns a newly allocated UTF-8 string (g_free). */
char *kenchi_html_to_text(const char *html, gsize len);
/* The same; TYPED: the text as a person typed it and reads it, for a
 * reply: the margin between two paragraphs a line of
 * KENCHI_HTML_PARA_GAP, not a blank line; a <blockquote> starts a line
 * "> "; an element that is not shown (display: none, visibility:
 * hidden, mso-hide: all, hidden) is left out. */
char *kenchi_html_to_text_as(const char *html, gsize len, gboolean typed);

/* Does the text [RAW, RAW+LEN) begin as an HTML document or fragment
 * does ("<!DOCTYPE html", "<html", "<body", "<table", ...), after a BOM
 * and white space?  A saved part with no header (mime.c). */
gboolean kenchi_html_looks(const char *raw, gsize len);

/* The charset an HTML text names in its first 4 KB, in a <meta> tag's
 * charset="X" or content="text/html; charset=X" (g_free), or NULL. */
char *kenchi_html_meta_charset(const char *data, gsize len);

#endif
