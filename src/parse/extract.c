/* extract.c: the block reader.  An event is a block of "label: value"
 * lines; a block ends at a separator line, or when a field it already holds
 * comes again (a digest without separators starts afresh at the next Event
 * Type), unless the block was no event yet when prose followed that field
 * (a gateway's lines above the alert).  Quote marks ("> ") are stripped first, so alerts forwarded inline
 * read like the original.  A value continues on the next line when that
 * line is indented deeper than the label line and is not itself a label;
 * a label with an empty value takes the next line as its value. */
#include <string.h>
#include "parse/extract.h"
#include "parse/event.h"
#include "parse/line_shape.h"

#define IDEOGRAPHIC_SPACE "\xe3\x80\x80"   /* U+3000 */

const char *
kenchi_kind_to_string(kenchi_kind_t k)
{
	switch (k) {
	case KENCHI_KIND_ALERT: return "alert";
	case KENCHI_KIND_NOT_ALERT: return "not_alert";
	default: return "error";
	}
}

void
kenchi_extract_init(kenchi_extract_t *x)
{
	memset(x, 0, sizeof *x);
	x->events = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_event_free);
}

void
kenchi_extract_clear(kenchi_extract_t *x)
{
	g_free(x->reason);
	if (x->events)
		g_ptr_array_unref(x->events);
	memset(x, 0, sizeof *x);
}

static gboolean
any_match(GPtrArray *pats, kenchi_re_match_t *m, const char *s, int *errors)
{
	guint i;

	if (s == NULL)
		return FALSE;
	for (i = 0; i < pats->len; i++) {
		kenchi_re_result_t r = kenchi_re_exec(g_ptr_array_index(pats, i), m, s, strlen(s));
		if (r == KENCHI_RE_MATCH)
			return TRUE;
		if (r == KENCHI_RE_ERROR)
			(*errors)++;
	}
	return FALSE;
}

/* The subject's hostname group, when a subject pattern matches.  With
 * OWN, SUBJECT is freed. */
static char *
subject_hostname(const kenchi_rule_t *r, kenchi_re_match_t *m, const char *subject, gboolean own)
{
	char *host = NULL;
	guint i;

	if (subject == NULL)
		return NULL;
	for (i = 0; i < r->subject->len; i++) {
		kenchi_re_t *re = g_ptr_array_index(r->subject, i);
		int g = kenchi_re_group_index(re, "hostname");
		const char *s;
		size_t n;

		if (g > 0 && kenchi_re_exec(re, m, subject, strlen(subject)) == KENCHI_RE_MATCH &&
		    kenchi_re_group(m, g, subject, &s, &n) && n > 0) {
			host = g_strndup(s, n);
			break;
		}
	}
	if (own)
		g_free((char *)subject);
	return host;
}

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
	gboolean pending_blank;   /* a blank line came after the pending label */
	gboolean pending_alone;   /* it was alone on its line, no colon: maybe a heading */
	char pending_note[32];    /* a pending date label's note ("(JST)"), its value's zone */
	const char *next;         /* the line after the one being read, or NULL */
	size_t next_len;
	int quote_depth;          /* the "> " marks of the line being read */
	int value_depth;          /* those of the block's last field line */
	char *block_host;   /* the computer in the last forwarded header's Subject */
	gboolean blank_before;   /* the line before was blank */
} reader_t;

static int lookup_label(const kenchi_rule_t *r, const char *s, size_t n);

/* Is the line after the one being read "Label: value" with a known
 * label?  An empty "Label:", a blank line, then a line with a field right
 * under it: that line was a heading ("Event 2 of 2", "File Details"), not
 * the empty label's value. */
static gboolean
next_is_field(reader_t *rd)
{
	const char *s = rd->next, *e, *c;

	if (s == NULL)
		return FALSE;
	e = s + MIN(rd->next_len, 96);
	while (s < e && (*s == ' ' || *s == '\t' || *s == '>'))
		s++;
	for (c = s; c < e; c++)
		if (*c == ':' || (e - c >= 3 && memcmp(c, "\xef\xbc\x9a", 3) == 0))   /* ：*/
			return c > s && lookup_label(rd->rule, s, (size_t)(c - s)) >= 0;
	return FALSE;
}

/* Keep the note of a pending date label ("Date (JST)", "検知日時（日本時
 * 間）"), for the value on a line of its own. */
static void
note_pending(reader_t *rd, int f, const char *ls, size_t ln)
{
	const char *ns;
	size_t nn;

	rd->pending_note[0] = '\0';
	if (f == EV_DATE && kenchi_label_note(ls, ln, &ns, &nn) && nn < sizeof rd->pending_note)
		g_strlcpy(rd->pending_note, ns, nn + 1);
}

/* Does field F, held already, start the next event? */
static gboolean
repeats(reader_t *rd, int f, guint label)
{
	return rd->has[f] && !rd->stale[f] && kenchi_event_is_complete(rd->cur) &&
	    (rd->label[f] == label || rd->label[f] == 0);
}

/* A line of prose (no field): what the block holds so far, if it is no
 * event yet, was a preamble. */
static void
prose(reader_t *rd)
{
	if (!kenchi_event_is_complete(rd->cur))
		memcpy(rd->stale, rd->has, sizeof rd->stale);
	/* A heading, a rule or a note between a block's last section and
	 * the next event: the fields before it stay in this event. */
	memset(rd->fresh, 0, sizeof rd->fresh);
}

static void
flush(reader_t *rd)
{
	if (kenchi_event_is_complete(rd->cur)) {
		kenchi_event_complete(rd->cur);
	}
	/* A block with a detection but no event type, no id and no date is
	 * no event: a newsletter's or a ticket's "Detection:" and "SHA-256:"
	 * lines, a summary table read as labels. */
	if (kenchi_event_is_complete(rd->cur) && !rd->cur->v[EV_EVENT_TYPE] && !rd->cur->v[EV_ID] &&
	    !rd->cur->v[EV_DATE]) {
		rd->out->headless++;
		kenchi_event_free(rd->cur);
		rd->cur = kenchi_event_new();
	} else if (kenchi_event_is_complete(rd->cur)) {
		if (rd->block_host && rd->cur->v[EV_HOSTNAME] == NULL)
			kenchi_event_set(rd->cur, EV_HOSTNAME, rd->block_host);
		rd->out->rejected_values += rd->cur->rejected;
		g_ptr_array_add(rd->out->events, rd->cur);
		rd->cur = kenchi_event_new();
	} else {
		kenchi_event_free(rd->cur);
		rd->cur = kenchi_event_new();
	}
	memset(rd->has, 0, sizeof rd->has);
	memset(rd->stale, 0, sizeof rd->stale);
	memset(rd->fresh, 0, sizeof rd->fresh);
	memset(rd->label, 0, sizeof rd->label);
	rd->blank_in_block = FALSE;
	rd->field = rd->pending = -1;
}

/* Field F comes again: the next event begins.  If a blank line came since
 * the block began, the fields after it began that event, not this one. */
static void
next_event(reader_t *rd)
{
	kenchi_event_t *moved = NULL;
	gboolean have[EV_NFIELDS] = { FALSE };
	guint labels[EV_NFIELDS] = { 0 };

	if (rd->blank_in_block) {
		for (int k = 0; k < EV_NFIELDS; k++) {
			if (!rd->fresh[k] || rd->cur->v[k] == NULL)
				continue;
			if (moved == NULL)
				moved = kenchi_event_new();
			moved->v[k] = rd->cur->v[k];
			rd->cur->v[k] = NULL;
			if (k == EV_DATE) {
				moved->date = rd->cur->date;
				rd->cur->date = 0;
			}
			have[k] = TRUE;
			labels[k] = rd->label[k];
		}
	}
	flush(rd);
	if (moved) {
		kenchi_event_free(rd->cur);
		rd->cur = moved;
		memcpy(rd->has, have, sizeof rd->has);
		memcpy(rd->fresh, have, sizeof rd->fresh);
		memcpy(rd->label, labels, sizeof rd->label);
	}
}

static void
set_field(reader_t *rd, int f, const char *v, size_t n, int indent, guint label)
{
	/* A reply chain quotes one alert at "> " and an older one at ">> ":
	 * a field at another quote depth than the event's begins another. */
	if (rd->quote_depth != rd->value_depth && kenchi_event_is_complete(rd->cur))
		flush(rd);
	rd->value_depth = rd->quote_depth;
	if (repeats(rd, f, label))
		next_event(rd);
	else if (rd->has[f] && !rd->stale[f] && rd->label[f] != label && rd->label[f] != 0 && rd->cur->v[f]) {
		/* The same field under another label of this alert: the first
		 * stays, but a date read alone ("Date: 2026-11-25") takes the
		 * time that follows ("Time: 07:12:00 UTC"). */
		if (f == EV_DATE && rd->date_raw->len && !strchr(rd->date_raw->str, ':')) {
			g_string_append_c(rd->date_raw, ' ');
			g_string_append_len(rd->date_raw, v, n);
			kenchi_event_set(rd->cur, f, rd->date_raw->str);
		}
		rd->field = rd->pending = -1;
		return;
	}
	g_string_assign(rd->raw, "");
	g_string_append_len(rd->raw, v, n);
	rd->value_trail = rd->line_trail;
	rd->value_cols = rd->line_cols;
	/* The mirror of the rule above: a time read alone first ("Time:
	 * 07:12:31 UTC", no date yet), then the date under another label. */
	if (f == EV_DATE && rd->has[f] && rd->cur->v[f] == NULL && rd->label[f] != label && rd->label[f] != 0 &&
	    strchr(rd->date_raw->str, ':') && !memchr(v, ':', n)) {
		g_string_append_c(rd->raw, ' ');
		g_string_append(rd->raw, rd->date_raw->str);
	}
	if (f == EV_DATE)
		g_string_assign(rd->date_raw, rd->raw->str);
	kenchi_event_set(rd->cur, f, rd->raw->str);
	rd->label[f] = label;
	rd->has[f] = TRUE;
	rd->stale[f] = FALSE;
	rd->fresh[f] = TRUE;
	rd->field = f;
	rd->indent = indent;
	rd->pending = -1;
}

static void
continue_field(reader_t *rd, const char *v, size_t n)
{
	int f = rd->field;
	/* Paths, URLs and hashes wrap without a space; prose with one. */
	gboolean glue = kenchi_field_is_glued(f);

	/* Hashes and links hold no space, unless a hash already written in
	 * groups ("1a2b3c4d 5e6f7a8b ..." wrapped after the fourth). */
	if (!glue || (rd->value_trail && f == EV_FILE_PATH) ||
	    ((f == EV_SHA256 || f == EV_PARENT_SHA256) && strchr(rd->raw->str, ' ')))
		g_string_append_c(rd->raw, ' ');
	g_string_append_len(rd->raw, v, n);
	rd->value_trail = rd->line_trail;
	rd->value_cols = rd->line_cols;
	kenchi_event_set(rd->cur, f, rd->raw->str);
}

/* K (a normalized label) without the spaces that touch a non-ASCII
 * character, in place; FALSE when it had none.  Japanese puts no spaces
 * between words, so in "イベント タイプ" or "Cloud IOC での検出名" a space
 * is layout, not part of the label. */
static gboolean
drop_cjk_spaces(char *k)
{
	char *o = k;
	const char *p;
	gboolean dropped = FALSE;

	for (p = k; *p; p++) {
		if (*p == ' ' && o > k && p[1] &&
		    (((unsigned char)o[-1] & 0x80) || ((unsigned char)p[1] & 0x80))) {
			dropped = TRUE;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return dropped;
}

static int
lookup_label(const kenchi_rule_t *r, const char *s, size_t n)
{
	char *k = kenchi_rules_norm_label(s, n);
	int f = GPOINTER_TO_INT(g_hash_table_lookup(r->labels, k)) - 1;

	if (f < 0 && drop_cjk_spaces(k))
		f = GPOINTER_TO_INT(g_hash_table_lookup(r->labels, k)) - 1;
	if (f < 0 && g_hash_table_contains(r->resets, k))
		f = -2;
	/* A label with a note in brackets: its translation ("イベントタイプ
	 * (Event Type)", "Date (日時)"), or a qualifier ("File Path (full)",
	 * "検知日時（日本時間）", "Public IP (NAT)").  The label outside
	 * counts, unless the note is a label of another field.  A qualifier
	 * that changes what the value is ("File Hash (MD5)") still names the
	 * field, but the value does not pass its check (32 hex digits are no
	 * SHA-256), and a field's first value is not replaced under another
	 * label (set_field).  Labels that hold brackets themselves
	 * ("ハッシュ値(SHA-256)") were found whole above. */
	if (f == -1 && n > 2 && (s[n - 1] == ')' || (n > 3 && memcmp(s + n - 3, "\xef\xbc\x89", 3) == 0))) {
		size_t close = s[n - 1] == ')' ? 1 : 3;
		const char *o = s + n - close;

		while (o > s && *o != '(' && !(o - s >= 3 && memcmp(o - 2, "\xef\xbc\x88", 3) == 0))
			o--;
		if (o > s) {
			const char *in = o + 1;
			const char *out_end = *o == '(' ? o : o - 2;
			size_t on = (size_t)(out_end - s), inn = in < s + n - close ? (size_t)(s + n - close - in) : 0;
			int outer = lookup_label(r, s, on);
			int inner = inn ? lookup_label(r, in, inn) : -1;
			/* The note may make the label another field's ("IP Address
			 * (External)" is External IP Address): the two put together
			 * first, either way round. */
			char *a = g_strdup_printf("%.*s %.*s", (int)inn, in, (int)on, s);
			char *b = g_strdup_printf("%.*s%.*s", (int)inn, in, (int)on, s);
			int both = lookup_label(r, a, strlen(a));

			if (both < 0)
				both = lookup_label(r, b, strlen(b));
			g_free(a);
			g_free(b);
			if (inn && both >= 0)
				f = both;
			else if (outer >= 0 && (inner < 0 || inner == outer))
				f = outer;
		}
	}
	g_free(k);
	return f;
}

static void
try_captures(reader_t *rd, const char *line, size_t n)
{
	guint i;

	for (i = 0; i < rd->rule->captures->len; i++) {
		kenchi_re_t *re = g_ptr_array_index(rd->rule->captures, i);
		const int *fields = g_ptr_array_index(rd->rule->capture_fields, i);
		int g, ng = kenchi_re_group_count(re);
		kenchi_re_result_t r = kenchi_re_exec(re, rd->m, line, n);

		if (r == KENCHI_RE_ERROR)
			rd->out->regex_errors++;
		if (r != KENCHI_RE_MATCH)
			continue;
		for (g = 1; g < ng; g++) {
			const char *s;
			size_t len;
			if (fields[g] >= 0 && kenchi_re_group(rd->m, g, line, &s, &len) && len > 0) {
				char *v = g_strndup(s, len);
				if (repeats(rd, fields[g], 0x80000001u + i * 64 + (guint)g))
					next_event(rd);
				kenchi_event_set(rd->cur, fields[g], v);
				rd->label[fields[g]] = 0x80000001u + i * 64 + (guint)g;
				rd->has[fields[g]] = TRUE;
				rd->stale[fields[g]] = FALSE;
				rd->fresh[fields[g]] = TRUE;
				g_free(v);
			}
		}
	}
}

/* The label of a table cell, without spaces or a trailing colon: its
 * field, or -1. */
static int
cell_label(reader_t *rd, char *c)
{
	size_t cl;

	c = g_strstrip(c);
	cl = strlen(c);
	if (cl && c[cl - 1] == ':')
		c[--cl] = '\0';
	return cl ? lookup_label(rd->rule, c, cl) : -1;
}

/* A grid of label and value pairs, several a row ("Computer | PC-01 |
 * Severity | High"), as some templates lay out one event: each pair is a
 * field.  Every even cell must be a label (or empty) and no odd cell one,
 * which a digest's header row of labels never is. */
static gboolean
read_pair_row(reader_t *rd, char **cells, int n)
{
	int pairs = 0, i;

	if (n % 2 != 0 && *g_strstrip(cells[n - 1]) != '\0')
		return FALSE;
	for (i = 0; i + 1 < n; i += 2) {
		char *lab = g_strdup(cells[i]), *val = g_strdup(cells[i + 1]);
		int f = *g_strstrip(lab) ? cell_label(rd, lab) : -2, g = cell_label(rd, val);

		g_free(lab);
		g_free(val);
		if (f == -1 || f < -2 || g >= 0)
			return FALSE;
		pairs += f >= 0;
	}
	if (pairs < 2)
		return FALSE;
	for (i = 0; i + 1 < n; i += 2) {
		int f = cell_label(rd, cells[i]);
		char *v = g_strstrip(cells[i + 1]);

		const char *ns;
		size_t nn;

		if (f == EV_DATE && *v && kenchi_label_note(cells[i], strlen(cells[i]), &ns, &nn)) {
			char *dv = g_strdup_printf("%s %.*s", v, (int)nn, ns);   /* "Date (JST)": the zone */

			set_field(rd, f, dv, strlen(dv), 0, kenchi_label_id(cells[i], strlen(cells[i])));
			g_free(dv);
		} else if (f >= 0 && *v) {
			set_field(rd, f, v, strlen(v), 0, kenchi_label_id(cells[i], strlen(cells[i])));
		}
	}
	rd->field = -1;
	return TRUE;
}

/* A table laid out with one event per row under a header row of labels
 * (an HTML digest): the header maps columns to fields.  Returns TRUE when
 * the line was a header or a row of such a table. */
static gboolean
read_table_line(reader_t *rd, const char *q, const char *end)
{
	char *line = g_strndup(q, end - q);
	char **cells = g_strsplit(line, "\t", -1);
	int n = (int)g_strv_length(cells), i, known = 0;
	gboolean used = FALSE;

	if (rd->columns && n == rd->ncolumns) {
		/* The date may span columns ("Date", "Time") and its header a
		 * zone ("検知日時（日本時間）"): one value, the note after it. */
		GString *date = g_string_new(NULL);

		flush(rd);
		for (i = 0; i < n; i++) {
			char *v = g_strstrip(cells[i]);
			if (rd->columns[i] == EV_DATE && *v) {
				g_string_append_printf(date, "%s%s", date->len ? " " : "", v);
			} else if (rd->columns[i] >= 0 && *v) {
				kenchi_event_set(rd->cur, rd->columns[i], v);
				rd->has[rd->columns[i]] = TRUE;
			}
		}
		if (date->len) {
			g_string_append_printf(date, " %s", rd->date_note);
			kenchi_event_set(rd->cur, EV_DATE, date->str);
			rd->has[EV_DATE] = TRUE;
		}
		g_string_free(date, TRUE);
		flush(rd);
		used = TRUE;
	} else if (n >= 4 && read_pair_row(rd, cells, n)) {
		used = TRUE;
	} else if (n >= 3) {
		int *cols = g_new(int, n);
		char note[32] = "";
		const char *ns;
		size_t nn;

		for (i = 0; i < n; i++) {
			char *c = g_strstrip(cells[i]);
			size_t cl = strlen(c);
			/* A header cell may end in a colon. */
			if (cl && (c[cl - 1] == ':'))
				c[--cl] = '\0';
			cols[i] = cl ? lookup_label(rd->rule, c, cl) : -1;
			if (cols[i] >= 0)
				known++;
			else
				cols[i] = -1;
			if (cols[i] == EV_DATE && kenchi_label_note(c, cl, &ns, &nn) && nn < sizeof note)
				g_strlcpy(note, ns, nn + 1);
		}
		/* Most columns known, or four: a digest may carry columns of
		 * its own (a console's ten, of which four are fields). */
		if (known >= 3 && (known * 2 >= n || known >= 4)) {
			flush(rd);
			g_free(rd->columns);
			rd->columns = cols;
			rd->ncolumns = n;
			g_strlcpy(rd->date_note, note, sizeof rd->date_note);
			used = TRUE;
		} else {
			g_free(cols);
		}
	}
	if (!used && rd->columns) {
		/* The table ended. */
		g_free(rd->columns);
		rd->columns = NULL;
		rd->ncolumns = 0;
	}
	g_strfreev(cells);
	g_free(line);
	return used;
}

/* Remember the line Q..END as "a few words alone" when it is one. */
static void
note_words(reader_t *rd, const char *q, const char *end)
{
	size_t n = (size_t)(end - q);

	if (n > 0 && n < sizeof rd->prev_words && !memchr(q, ':', n) && !memchr(q, '\t', n)) {
		memcpy(rd->prev_words, q, n);
		rd->prev_len = n;
	}
}

static void
read_line(reader_t *rd, const char *line, size_t n)
{
	const kenchi_rule_t *r = rd->rule;
	const char *q = line, *end = line + n;
	int indent = 0;
	kenchi_re_result_t res;
	char prev[sizeof rd->prev_words];
	size_t prev_len = rd->prev_len;
	int depth = 0;

	memcpy(prev, rd->prev_words, prev_len);
	rd->prev_len = 0;

	/* Strip quoting: any run of spaces and '>' marks, the full-width
	 * ones of Japanese mail ("＞ ", U+3000) too. */
	for (;;) {
		while (q < end) {
			if (*q == ' ' || *q == '\t')
				q++;
			else if (end - q >= 3 && memcmp(q, IDEOGRAPHIC_SPACE, 3) == 0)
				q += 3;
			else
				break;
		}
		if (q < end && *q == '>')
			q++, depth++;
		else if (end - q >= 3 && memcmp(q, "\xef\xbc\x9e", 3) == 0)   /* ＞ */
			q += 3, depth++;
		else
			break;
	}
	/* Indent is measured after the quote marks; U+3000 is two columns. */
	{
		const char *p = q;
		for (;;) {
			if (p > line && (p[-1] == ' ' || p[-1] == '\t')) {
				p--;
				indent++;
			} else if (p - line >= 3 && memcmp(p - 3, IDEOGRAPHIC_SPACE, 3) == 0) {
				p -= 3;
				indent += 2;
			} else {
				break;
			}
		}
	}
	while (end > q && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	rd->line_trail = end < line + n && *end == ' ';
	rd->line_cols = (size_t)(end - line);
	if (!rd->retried)
		rd->quote_depth = depth;
	if (q < end) {
		/* After the blank line of a bridged value: its indented rest,
		 * with no space inside unless it is a path. */
		if (rd->bridged >= 0 && indent > rd->indent &&
		    kenchi_line_wrapped_rest(q, end, rd->bridged == EV_FILE_PATH && rd->value_trail))
			rd->field = rd->bridged;
		rd->bridged = -1;
		rd->blank_before = FALSE;
	}
	if (q == end) {
		/* A wrapped path, link or hash may go on after one blank line:
		 * Outlook's HTML puts each line of a text in a <p>, and the
		 * paragraphs' breaks leave a blank line between them. */
		rd->bridged = rd->field >= 0 && kenchi_field_is_glued(rd->field) && !rd->blank_before && rd->value_cols >= 60 ?
		    rd->field : -1;
		rd->blank_before = TRUE;
		rd->field = -1;
		/* "Parent File Name:" left empty, then a blank line: the text
		 * after it is not its value (a footer had become one).  A
		 * label alone, with no colon, keeps waiting: a table turned
		 * into text puts a blank line between label and value. */
		if (rd->pending >= 0)
			rd->pending_blank = TRUE;
		for (int k = 0; k < EV_NFIELDS; k++)
			if (rd->has[k]) {
				rd->blank_in_block = TRUE;
				break;
			}
		memset(rd->fresh, 0, sizeof rd->fresh);
		return;
	}
	if (rd->columns) {
		/* In a table an empty first or last cell is a cell: the tabs
		 * trimmed above were its edges (html.c ends every cell with one,
		 * the last included), and without them the row was short and
		 * ended the table. */
		const char *ts = q, *te = end;

		while (ts > line && ts[-1] == '\t')
			ts--;
		while (te < line + n && te[0] == '\t')
			te++;
		if (te > ts && te[-1] == '\t')
			te--;
		if (read_table_line(rd, ts, te))
			return;
	} else if (memchr(q, '\t', end - q)) {
		/* A header row may begin with an empty cell too (an icon's
		 * column): keep it, as the rows will. */
		const char *ts = q, *te = end;

		while (ts > line && ts[-1] == '\t')
			ts--;
		while (te < line + n && te[0] == '\t')   /* and end with an empty one (a Copy column's) */
			te++;
		if (te > end)
			te--;
		if (read_table_line(rd, ts, te))
			return;
	}
	/* "-- ", a signature's start: what follows (a gateway's scan
	 * lines, a footer) is no part of the event above. */
	if (end - q == 2 && q[0] == '-' && q[1] == '-' && rd->line_trail) {
		flush(rd);
		return;
	}
	if (r->separator) {
		res = kenchi_re_exec(r->separator, rd->m, q, end - q);
		if (res == KENCHI_RE_MATCH) {
			flush(rd);
			return;
		}
	}
	if (r->line_re) {
		res = kenchi_re_exec(r->line_re, rd->m, q, end - q);
		if (res == KENCHI_RE_ERROR)
			rd->out->regex_errors++;
		if (res == KENCHI_RE_MATCH) {
			const char *ls, *vs, *tab = NULL, *ns;
			size_t ln, vn, nn;
			g_autofree char *date_cells = NULL;
			int f;

			/* A rule's label group may be optional: no label, no field. */
			if (!kenchi_re_group(rd->m, r->line_label, q, &ls, &ln) || ln == 0) {
				ls = q;
				ln = 0;
			}
			if (!kenchi_re_group(rd->m, r->line_value, q, &vs, &vn))
				vn = 0;
			/* A tab in a value is a cell's end (html.c): the cells after
			 * the value's are a table's extras ("Copy", a size, an icon's
			 * text), not part of it. */
			else if ((tab = memchr(vs, '\t', vn)) != NULL)
				vn = (size_t)(tab - vs);
			f = ln ? lookup_label(r, ls, ln) : -1;
			/* Except a date's time in the next cell ("Date | 2026-11-25 |
			 * 07:12:31 UTC"): one value, the tab a space. */
			if (f == EV_DATE && tab && vs + vn + 3 < end && g_ascii_isdigit(tab[1]) &&
			    (tab[2] == ':' || (g_ascii_isdigit(tab[2]) && tab[3] == ':'))) {
				const char *t2 = memchr(tab + 1, '\t', (size_t)(end - tab - 1));

				date_cells = g_strdup_printf("%.*s %.*s", (int)vn, vs, (int)((t2 ? t2 : end) - tab - 1), tab + 1);
				vs = date_cells;
				vn = strlen(date_cells);
			}
			if (f >= 0) {
				if (vn == 0) {
					/* "Label:" with nothing after it: its value may be
					 * on the next line (set_field decides then whether
					 * the block ends), or past a blank line unless that
					 * is a sentence (is_sentence). */
					rd->pending = f;
					rd->pending_blank = FALSE;
					/* "[Computer]" or "【端末】" with nothing after it is a
					 * heading as a label alone is. */
					rd->pending_alone = ls > q && (ls[-1] == '[' || (ls - q >= 3 && (unsigned char)ls[-3] == 0xe3));
					rd->pending_indent = indent;
					rd->pending_label = kenchi_label_id(ls, ln);
					note_pending(rd, f, ls, ln);
					rd->field = -1;
				} else if (f == EV_DATE && kenchi_label_note(ls, ln, &ns, &nn)) {
					/* "検知日時（日本時間）: 16:12:31", "Time (UTC): ...":
					 * the label's note is the value's zone. */
					char *v = g_strdup_printf("%.*s %.*s", (int)vn, vs, (int)nn, ns);

					set_field(rd, f, v, strlen(v), indent, kenchi_label_id(ls, ln));
					g_free(v);
				} else {
					set_field(rd, f, vs, vn, indent, kenchi_label_id(ls, ln));
				}
				/* A grid of "Label: value" cells, two or more a row:
				 * the next cell is a line of its own (a few deep). */
				if (tab && !date_cells && rd->retried < 8 && memchr(tab + 1, ':', (size_t)(end - tab - 1))) {
					rd->retried++;
					read_line(rd, tab + 1, (size_t)(end - tab - 1));
					rd->retried--;
				}
				return;
			}
			if (f == -2) {
				/* A forwarded message's own header.  Its Subject names
				 * the computer of the events after it. */
				char *host;

				/* The header ends the block before it too: an alert
				 * above it is done (its fields and the next one's may
				 * be in two languages, and nothing would come again). */
				flush(rd);
				host = vn ? subject_hostname(r, rd->m, g_strndup(vs, vn), TRUE) : NULL;
				if (host || (ln >= 7 && g_ascii_strncasecmp(ls, "subject", 7) == 0) ||
				    (ln >= 6 && memcmp(ls, "\xe4\xbb\xb6\xe5\x90\x8d", 6) == 0)) {   /* 件名 */
					/* A Subject that names no computer names none for
					 * the events after it either. */
					g_free(rd->block_host);
					rd->block_host = host;
				}
				rd->field = rd->pending = -1;
				return;
			}
			if (rd->field >= 0 && indent > rd->indent) {
				continue_field(rd, q, end - q);
				return;
			}
			if (rd->pending < 0) {
				const char *t = memchr(q, '\t', end - q);

				/* A layout cell before the alert's own ("Cisco Secure
				 * Endpoint<TAB>Event Type: Threat Detected"): read
				 * what follows it, once. */
				if (t && t + 1 < end && rd->retried < 8) {
					rd->retried++;
					read_line(rd, t + 1, (size_t)(end - t - 1));
					rd->retried--;
					return;
				}
				rd->out->unknown_labels++;
				rd->field = -1;
				prose(rd);
				try_captures(rd, q, end - q);
				return;
			}
		}
	}
	/* A label alone on its line, with no colon or tab: a table as some
	 * mail clients turn it into text ("Event Type", a blank line, "Threat
	 * Detected").  Its value is the next line that is not blank. */
	if (end - q <= 64) {
		int f = -1;
		guint lid = kenchi_label_id(q, end - q);

		/* The second half of a wrapped label cell ("Event" / "Type",
		 * "Parent" / "File Name"): the two together first. */
		if (prev_len) {
			char *joined = g_strdup_printf("%.*s %.*s", (int)prev_len, prev, (int)(end - q), q);

			if ((f = lookup_label(r, joined, strlen(joined))) >= 0)
				lid = kenchi_label_id(joined, strlen(joined));
			g_free(joined);
		}
		if (f < 0)
			f = lookup_label(r, q, end - q);
		/* Under a pending Event Type, an event type's name ("Cloud
		 * IOC", which is a label too) is its value. */
		if (f >= 0 && rd->pending == EV_EVENT_TYPE) {
			char *t = g_strndup(q, (gsize)(end - q));

			if (kenchi_event_type_id(t) > 0)
				f = -1;
			g_free(t);
		}
		if (f >= 0) {
			/* A section's heading may be a label word ("Threat",
			 * "【端末】"): the block ends, if at all, when a value
			 * comes (set_field). */
			note_words(rd, q, end);
			rd->pending = f;
			rd->pending_blank = FALSE;
			rd->pending_alone = TRUE;
			note_pending(rd, f, q, (size_t)(end - q));
			rd->pending_indent = indent;
			rd->pending_label = lid;
			rd->field = -1;
			return;
		}
	}
	if (rd->pending >= 0 && rd->pending != EV_IOC_DESC && (rd->pending_blank || rd->pending_alone) &&
	    (kenchi_line_is_sentence(q, end) || (rd->pending_blank && next_is_field(rd)))) {
		/* "Parent File Name:" left empty, a blank line, then the
		 * footer's "View these events in the console.": no value. */
		rd->pending = -1;
	} else if (rd->pending >= 0 && kenchi_line_caption_for(rd->pending, q, end)) {
		/* A caption under a label in its cell ("SHA-256" / "click to
		 * copy"): the value is still to come. */
		return;
	} else if (rd->pending >= 0) {
		int f = rd->pending;
		/* The value goes on over lines indented deeper than its label,
		 * not over the text after it at the label's own indent (a
		 * footer, a sign-off, which it had swallowed). */
		if (rd->pending_note[0]) {
			char *v = g_strdup_printf("%.*s %s", (int)(end - q), q, rd->pending_note);

			set_field(rd, f, v, strlen(v), rd->pending_indent, rd->pending_label);
			g_free(v);
		} else {
			set_field(rd, f, q, end - q, rd->pending_indent, rd->pending_label);
		}
		return;
	}
	if (rd->field >= 0 && indent > rd->indent) {
		continue_field(rd, q, end - q);
		return;
	}
	rd->field = -1;
	note_words(rd, q, end);
	prose(rd);
	try_captures(rd, q, end - q);
}

static void
read_events(const kenchi_rule_t *r, kenchi_re_match_t *m, const char *text, size_t len,
	    kenchi_extract_t *out)
{
	reader_t rd = { .rule = r, .m = m, .out = out, .field = -1, .pending = -1, .bridged = -1 };
	const char *p = text, *end = text + len;

	rd.cur = kenchi_event_new();
	rd.raw = g_string_sized_new(256);
	rd.date_raw = g_string_new(NULL);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *e = nl ? nl : end;

		rd.next = nl ? nl + 1 : NULL;
		rd.next_len = 0;
		if (rd.next) {
			const char *nn = memchr(rd.next, '\n', (size_t)(end - rd.next));
			rd.next_len = (size_t)((nn ? nn : end) - rd.next);
		}
		read_line(&rd, p, e - p);
		p = nl ? nl + 1 : end;
	}
	flush(&rd);
	kenchi_event_free(rd.cur);
	g_string_free(rd.raw, TRUE);
	g_string_free(rd.date_raw, TRUE);
	g_free(rd.block_host);
	g_free(rd.columns);
}

/* How the rule recognised the mail: 0 not at all, else a bit set. */
enum { BY_FROM = 1, BY_SUBJECT = 2, BY_BODY = 4 };

static int
recognise(const kenchi_rule_t *r, kenchi_re_match_t *m, const kenchi_mail_t *mail, int *errors)
{
	int how = 0;
	guint i;

	if (any_match(r->from, m, mail->from_addr, errors))
		how |= BY_FROM;
	for (i = 0; i < mail->alt_from->len; i++)
		if (any_match(r->from, m, g_ptr_array_index(mail->alt_from, i), errors))
			how |= BY_FROM;
	if (any_match(r->subject, m, mail->subject, errors))
		how |= BY_SUBJECT;
	for (i = 0; i < mail->alt_subject->len; i++)
		if (any_match(r->subject, m, g_ptr_array_index(mail->alt_subject, i), errors))
			how |= BY_SUBJECT;
	if (mail->text && any_match(r->body, m, mail->text->str, errors))
		how |= BY_BODY;
	return how;
}

/* A match that hit PCRE2's match or depth limit counts as no match; the
 * stored reason says so, so that a person sees mail that may be read short
 * (a hostile line against an extractor, or a rule that backtracks). */
static void
note_limits(kenchi_extract_t *out)
{
	char *r;

	if (out->regex_errors <= 0)
		return;
	r = g_strdup_printf("%s%s%d extractor match(es) stopped at the PCRE2 match limit", out->reason ? out->reason : "",
	    out->reason ? "; " : "", out->regex_errors);
	g_free(out->reason);
	out->reason = r;
}

void
kenchi_extract_mail(const kenchi_rules_t *rules, kenchi_re_match_t *m,
		    const kenchi_mail_t *mail, kenchi_extract_t *out)
{
	guint i, j;
	int how = 0;
	const kenchi_rule_t *r = NULL;

	for (i = 0; i < rules->rules->len && !how; i++) {
		r = g_ptr_array_index(rules->rules, i);
		how = recognise(r, m, mail, &out->regex_errors);
	}
	if (!how) {
		out->kind = KENCHI_KIND_NOT_ALERT;
		out->reason = g_strdup("no extractor rule recognises the sender, subject or body");
		note_limits(out);
		return;
	}
	out->rule = r;
	read_events(r, m, mail->text->str, mail->text->len, out);
	if (out->events->len == 0 && mail->alt_text && mail->alt_text->len)
		read_events(r, m, mail->alt_text->str, mail->alt_text->len, out);
	if (out->events->len == 0) {
		/* Recognised by sender: an alert we failed to read is an error a
		 * person must see.  Recognised only by look-alike subject or
		 * body from elsewhere: foreign mail. */
		out->kind = (how & BY_FROM) ? KENCHI_KIND_ERROR : KENCHI_KIND_NOT_ALERT;
		GString *by = g_string_new(NULL);
		if (how & BY_FROM)
			g_string_append(by, " from");
		if (how & BY_SUBJECT)
			g_string_append(by, " subject");
		if (how & BY_BODY)
			g_string_append(by, " body");
		out->reason = out->headless ?
		    g_strdup_printf("recognised by rule %s (%s) but no event block found (%d block(s) with no event type, "
			"id or date)", r->name, by->str + 1, out->headless) :
		    g_strdup_printf("recognised by rule %s (%s) but no event block found", r->name, by->str + 1);
		g_string_free(by, TRUE);
		note_limits(out);
		return;
	}
	out->kind = KENCHI_KIND_ALERT;
	/* The subject names the computer: fill it where a block lacks it. */
	{
		char *host = subject_hostname(r, m, mail->subject, FALSE);
		for (j = 0; host == NULL && j < mail->alt_subject->len; j++) {
			char *h = subject_hostname(r, m, g_ptr_array_index(mail->alt_subject, j), FALSE);

			/* Attached messages' subjects each named their own
			 * events (their header lines, read_line); one fills the
			 * rest only when they all agree. */
			for (guint k = j + 1; h && k < mail->alt_subject->len; k++) {
				char *o = subject_hostname(r, m, g_ptr_array_index(mail->alt_subject, k), FALSE);

				if (o && strcmp(o, h) != 0) {
					g_free(h);
					h = NULL;
				}
				g_free(o);
			}
			host = h;
			break;
		}
		for (j = 0; host && j < out->events->len; j++) {
			kenchi_event_t *ev = g_ptr_array_index(out->events, j);
			if (ev->v[EV_HOSTNAME] == NULL)
				kenchi_event_set(ev, EV_HOSTNAME, host);
		}
		g_free(host);
	}
	if (mail->text_truncated || mail->depth_exceeded || mail->lossy) {
		out->reason = g_strdup_printf("%s%s%s", mail->text_truncated ? "text truncated for extraction; " : "",
		    mail->depth_exceeded ? "MIME nesting too deep, inner parts skipped; " : "",
		    mail->lossy ? "charset not decoded exactly; " : "");
		g_strchomp(out->reason);
		if (g_str_has_suffix(out->reason, ";"))
			out->reason[strlen(out->reason) - 1] = '\0';
	}
	note_limits(out);
}
