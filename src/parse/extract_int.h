/* extract_int.h: the block reader's state, shared by the files that read
 * a mail's text into events: extract.c (lines and blocks), extract_table.c
 * (tables and grids), extract_mail.c (recognising a mail, its subjects).
 * Internal to src/parse; nothing here prints. */
#ifndef KENCHI_EXTRACT_INT_H
#define KENCHI_EXTRACT_INT_H

/* Cells in a table row at most (a tab between two): an alert's widest
 * digest table has about twenty columns. */
#define KENCHI_TABLE_CELLS_MAX 64

#include <glib.h>
#include "parse/extract.h"
#include "parse/event.h"

typedef struct {
	const kenchi_rule_t *rule;
	kenchi_re_match_t *m;
	kenchi_extract_t *out;
	kenchi_event_t *cur;
	gboolean has[EV_NFIELDS];
	int field;          /* field whose value may continue, or -1 */
	int indent;         /* indent of that field's label line */
	GString *raw;       /* raw text of that value so far */
	int pending;        /* label seen with an empty value, or -1 */
	int pending_indent; /* that label line's indent */
	int pending_depth;  /* and its "> " marks */
	int *columns;       /* a table's header row: field per column (-1 none), or NULL */
	int ncolumns;
	char date_note[32]; /* the note of that header's date column ("(JST)"), or "" */
	/* Fields read before prose while the block was no event yet: lines a
	 * gateway or a list put above the alert ("Group: SOC-Alerts-DL",
	 * "判定: 安全").  The alert's own line for such a field replaces the
	 * value instead of ending the block, which had split one alert into
	 * two halves and kept the gateway's value. */
	gboolean stale[EV_NFIELDS];
	/* Fields read since the block's last blank line.  Blocks separated by
	 * blank lines need not begin with the same field: when one lacks the
	 * first ("Severity:" missing from an Uninstall), the next block's
	 * first lines fell into it until a field came again.  Those lines
	 * move to the next event (see next_event). */
	gboolean fresh[EV_NFIELDS];
	gboolean blank_in_block;
	/* The label each field was read under (label_id).  A field comes
	 * "again" only under the same label: a digest repeats its template,
	 * while one alert may give a field twice under two of its labels
	 * ("Date:" and "Time:", "Hostname:" and "Computer:"), which had cut
	 * the alert in two and lost its second half. */
	guint label[EV_NFIELDS];
	guint pending_label;
	GString *date_raw;        /* the date's text as read */
	GString *row_date;        /* a table row's date text, before its zone note */
	/* The line being read ended in a space, and so did the last line of
	 * the field's value: a path wrapped at a space ("...\\Remote Support "
	 * then "Tools\\...") keeps it, though wrapped paths are glued. */
	gboolean line_trail, value_trail;
	size_t line_cols;   /* the length of the line being read */
	/* The line before, when it was a few words alone (no colon, no
	 * tab): the first half of a label cell that wrapped with <br>
	 * ("Parent" / "File Name<TAB>explorer.exe"). */
	char prev_words[48];
	size_t prev_len;
	int retried;        /* depth of read_line reading the text after a cell */
	int bridged;        /* the glued field a blank line interrupted, or -1 */
	size_t value_cols;  /* the length of the last line of the field's value */
	size_t fold_cols;   /* the width the text was hard-folded at (fold -w 72), else 0 */
	size_t wrap_cols;   /* the width it was word-wrapped at, else 0 */
	gboolean value_alone;   /* that line held the value alone, no label */
	gboolean day_first;   /* the text writes its numeric dates D/M/Y */
	gboolean parent_section;   /* under a "Parent" heading: File Name is the parent's */
	gboolean cve_list;         /* the last field set is the vulnerabilities: lines that
	                            * begin with a CVE id go on with it (line_shape.h) */
	gboolean repeat_split;     /* the block began with a field of the last event come again */
	gboolean pending_blank;   /* a blank line came after the pending label */
	gboolean pending_alone;   /* it was alone on its line, no colon: maybe a heading */
	char pending_note[32];    /* a pending date label's note ("(JST)"), its value's zone */
	const char *next;         /* the line after the one being read, or NULL */
	size_t next_len;
	int quote_depth;          /* the "> " marks of the line being read */
	int value_depth;          /* those of the block's last field line */
	char *block_host;   /* the computer in the last forwarded header's Subject */
	kenchi_event_t *last_event; /* where the last block went (out->events owns it) */
	GHashTable *by_id;  /* event id -> the event of out->events that has it,
	                     * or NULL: a copy (a thread quoting a digest again)
	                     * joins it, and counts once against the cap */
	gboolean blank_before;   /* the line before was blank */
	gboolean rest_next;      /* the next kenchi_reader_continue()'s line is
	                          * the value's rest, a one-word field's too
	                          * (a name a client wrapped) */
	gboolean glue_next;      /* and it joins with no space (a wrap between
	                          * two Japanese characters of a name) */
	/* Fields read while the block was no event yet (a heading or a
	 * summary line above an HTML alert's table: "Computer: PC-01"), and
	 * such a field come again with the same value, which the next field
	 * tells apart (kenchi_reader_set): the same event's table, or the
	 * next event of the same machine. */
	gboolean early[EV_NFIELDS];
	guint32 dups;             /* the fields come again so (bit per field), not settled yet */
	gboolean line_row;        /* the line being read is a table's row (it has a tab) */
} reader_t;

/* Event boundaries (extract_bounds.c).  The event read so far ends:
 * kept when it is one. */
void kenchi_reader_flush(reader_t *rd);
/* Field F comes again: the next event begins (the fields after a blank
 * line go with it). */
void kenchi_reader_next_event(reader_t *rd);
/* Does field F, held already under LABEL, start the next event? */
gboolean kenchi_reader_repeats(reader_t *rd, int f, guint label);
/* Does F's value V (N bytes) name another event than the block's? */
gboolean kenchi_reader_names_another(reader_t *rd, int f, const char *v, size_t n);
/* Does the line Q..END open the alert's body ("Hello <user>,")? */
gboolean kenchi_reader_opens_alert(reader_t *rd, const char *q, const char *end);
/* A line of prose: a block that is no event yet was a preamble. */
void kenchi_reader_prose(reader_t *rd);
/* Field F takes V (N bytes) from a line of INDENT, read under LABEL
 * (kenchi_label_id): the next event begins when F comes again under it. */
void kenchi_reader_set(reader_t *rd, int f, const char *v, size_t n, int indent, guint label);
/* The line V (N bytes) goes on the value of the field being read: its
 * wrapped rest (extract.c). */
void kenchi_reader_continue(reader_t *rd, const char *v, size_t n);
/* Is the line Q..*END, not indented, the rest of the value being read that
 * a client or a relay hard-wrapped (a path's, a link's, a hash's)?  Sets
 * whether the space the wrap took is put back, and pulls *END back to
 * where the rest ends (a note after a link's hash; extract_wrap.c). */
gboolean kenchi_reader_wrapped(reader_t *rd, const char *q, const char **end);
/* Q..END as a digest table's header or row, or a grid of pairs: TRUE when
 * it was one (extract_table.c). */
gboolean kenchi_reader_table_line(reader_t *rd, const char *q, const char *end);
/* Dates (extract_dates.c).  The note, a zone, that label LS (LN bytes)
 * gives its date's value V (N bytes): the label's own ("Date (JST)"), or
 * Japan's for a Japanese label's numbers alone; FALSE when none. */
gboolean kenchi_date_note(const char *ls, size_t ln, const char *v, size_t n, const char **ns, size_t *nn);
/* Keep the note a pending label F gives the value on a line of its own;
 * the note for that value V (N bytes), or NULL. */
void kenchi_reader_note_pending(reader_t *rd, int f, const char *ls, size_t ln);
const char *kenchi_reader_pending_note(const reader_t *rd, const char *v, size_t n);
/* Field F takes rd->raw (a date as the text writes its dates). */
void kenchi_reader_set_value(reader_t *rd, int f);
/* Does TEXT write its numeric field dates day first, beyond doubt: one
 * with a first number over 12 ("25/11/2026 07:13"), none with a second? */
gboolean kenchi_text_day_first(const char *text, const char *end);
/* Field F read under a "Parent" heading: the parent's (extract_bounds.c). */
int kenchi_reader_parent_field(reader_t *rd, int f);
/* The width TEXT was hard-folded at, or 0; *WRAP the width it was
 * word-wrapped at, or 0 (extract_wrap.c). */
size_t kenchi_fold_width(const char *text, size_t len, size_t *wrap);
/* TEXT (LEN bytes) with each digest table of one event a column rewritten
 * as one block an event (g_free, *OUT_LEN), or NULL when it has none
 * (extract_transpose.c). */
char *kenchi_untranspose(const kenchi_rule_t *rule, const char *text, size_t len, size_t *out_len);
/* The events of TEXT by rule R into OUT (extract.c). */
void kenchi_read_events(const kenchi_rule_t *r, kenchi_re_match_t *m, const char *text, size_t len,
			kenchi_extract_t *out);
/* The computer a subject names, by R's subject patterns; with OWN,
 * SUBJECT is freed (extract_mail.c). */
char *kenchi_subject_hostname(const kenchi_rule_t *r, kenchi_re_match_t *m, const char *subject, gboolean own);

/* Is V (N bytes), an indented line under file name NAME (field F), the
 * rest of it, cut before its extension (extract_wrap.c)? */
gboolean kenchi_wrap_name_rest(int f, const char *name, const char *v, size_t n);

#endif
