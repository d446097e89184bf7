/* line_shape.h: the shapes of lines and labels the block reader
 * (extract.c) tells apart; line_shape.c.  Q..END is a line without its
 * end of line; F a kenchi_field_t. */
#ifndef KENCHI_LINE_SHAPE_H
#define KENCHI_LINE_SHAPE_H

#include <glib.h>

/* Can Q..END be the rest of a value wrapped before a blank line? */
gboolean kenchi_line_wrapped_rest(const char *q, const char *end, gboolean path);

/* Is Q..END, a line of its own, the rest of the device trajectory link V
 * that a relay hard-wrapped (round 27a): V cut short (no "/trajectory"
 * yet, or its "q=" or "s=" hash shorter than 64 hex digits), and the line
 * one token of a link's characters that begins no link of its own? */
gboolean kenchi_link_rest(const char *v, const char *q, const char *end);
/* Can Q..END, a line of its own, be the rest of a link a relay
 * hard-wrapped (round 29a): one token of a link's characters, with a
 * "/", "?", "=", "&" or "%" of a path or a query, that begins no link of
 * its own? */
gboolean kenchi_url_rest(const char *q, const char *end);
/* How many bytes at Q, hex digits, make the link V's "q=" or "s=" hash 64
 * digits, however long V's line (round 28a), whatever follows them on
 * the line; 0 when they do not. */
size_t kenchi_link_hash_rest(const char *v, const char *q, const char *end);
/* Is Q..END, one token, a value only field F has: a hash's hex digits,
 * a link, a Windows path? */
gboolean kenchi_line_value_shaped(int f, const char *q, const char *end);
/* The columns [S, END) takes, as a client wraps it: a Japanese character
 * (three bytes or four in UTF-8) two, another one.  A wrap's width is in
 * columns, not in bytes (round 27a: a Japanese label's bytes put a
 * wrapped link's line past 100). */
size_t kenchi_line_columns(const char *s, const char *end);
/* Is Q..END the hex digits that make the hex digits V a SHA-256? */
gboolean kenchi_line_hash_rest(const char *v, const char *q, const char *end);
/* Is Q..END a caption under field F's label, not its value? */
gboolean kenchi_line_caption_for(int f, const char *q, const char *end);
/* Four words or more ending in ".", ":" or "。". */
gboolean kenchi_line_is_sentence(const char *q, const char *end);
/* Paths, links and hashes: wrapped lines join with no space. */
gboolean kenchi_field_is_glued(int f);
char *kenchi_cell_join(int field, char *v);
gboolean kenchi_line_is_time(const char *q, const char *end);
gboolean kenchi_field_is_one_word(int f);
/* The full-width colon U+FF1A that Japanese labels end in, as UTF-8. */
#define KENCHI_FULLWIDTH_COLON "\xef\xbc\x9a"
/* The bytes of a label cell's own colon, ':' or the full-width one, at
 * the end of C (CL bytes): 1, 3, or 0 when it ends in none. */
size_t kenchi_label_colon_len(const char *c, size_t cl);
/* That colon cut off the end of C in place; returns the length left. */
size_t kenchi_cut_label_colon(char *c, size_t cl);
gboolean kenchi_name_has_extension(const char *s, size_t n);
/* A label's identity (never 0): its bytes, ASCII case and spaces aside. */
guint kenchi_label_id(const char *s, size_t n);
/* The note in brackets ending a label ("Date (UTC)"): *NS, *NN. */
gboolean kenchi_label_note(const char *s, size_t n, const char **ns, size_t *nn);
/* The field of label S (N bytes) in rule R's label sets, -2 for a
 * forwarded header's label, -1 for none (line_shape.c). */
struct kenchi_rule;
int kenchi_label_lookup(const struct kenchi_rule *r, const char *s, size_t n);

/* How many of the LEN bytes at S are lines with a colon or a tab in them,
 * as "Label: value" lines are, up to KENCHI_FIELD_LINES_REAL (enough to
 * tell): fewer than 3 is a placeholder, fewer than KENCHI_FIELD_LINES_REAL
 * thin (an alert has fifteen or more).  mime.c asks it of a text/plain
 * alternative: is it the alert, or a client's stub of it? */
#define KENCHI_FIELD_LINES_REAL 8

/* Does Q..END begin with a CVE id, after a list's bullet if any? */
gboolean kenchi_line_cve(const char *q, const char *end);
int kenchi_field_lines(const char *s, gsize len);

#endif
