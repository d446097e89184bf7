/* extract.c: the block reader, line by line (its state, reader_t, is in
 * extract_int.h; tables are extract_table.c's, the mail's rule and subject
 * extract_mail.c's, where an event ends and the next begins
 * extract_bounds.c's).  An event is a block of "label: value" lines; a block
 * ends at a separator line, or when a field it already holds comes again
 * under the same label (a digest without separators starts afresh at the
 * next Event Type), unless the block was no event yet when prose followed
 * that field (a gateway's lines above the alert).  Quote marks ("> ") are
 * stripped first, so alerts forwarded inline read like the original.  A
 * value continues on the next line when that line is indented deeper than
 * the label line and is not itself a label; a label with an empty value
 * takes the next line as its value. */
#include <string.h>
#include "parse/extract.h"
#include "parse/event.h"
#include "parse/html.h"
#include "parse/line_shape.h"
#include "parse/notes.h"
#include "parse/extract_int.h"

#define IDEOGRAPHIC_SPACE "\xe3\x80\x80"   /* U+3000 */

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
		if (*c == ':' || (e - c >= 3 && memcmp(c, KENCHI_FULLWIDTH_COLON, 3) == 0))
			return c > s && kenchi_label_lookup(rd->rule, s, (size_t)(c - s)) >= 0;
	return FALSE;
}

/* Does V (N bytes) give field F the value the block has? */
static gboolean
same_value(reader_t *rd, int f, const char *v, size_t n)
{
	kenchi_event_t *probe = kenchi_event_new();
	char *t = g_strndup(v, n);
	gboolean same;

	kenchi_event_set(probe, f, t);
	same = probe->v[f] && rd->cur->v[f] && strcmp(probe->v[f], rd->cur->v[f]) == 0;
	g_free(t);
	kenchi_event_free(probe);
	return same;
}

/* Fields read before the block was an event, on lines of their own (a
 * heading, a summary paragraph above an HTML alert's table), came again
 * in the table's rows with the same values (rd->dups), and field F
 * follows: when F is one the block has (it comes again), the repeats
 * began the next event, of the same machine, and carry their values
 * there; else they were the same event's table under its heading (rt23
 * G1: "<h3>Computer: PC-01</h3>" above the table split the event at the
 * table's Computer row, and every field below it was lost).  Only rows
 * repeat so: a digest's consecutive tables that each begin with the
 * computer are events of their own (round 53 F2). */
static void
settle_dups(reader_t *rd, int f, guint label)
{
	guint32 d = rd->dups;
	char *dv[EV_NFIELDS] = { NULL };
	guint dl[EV_NFIELDS] = { 0 };

	rd->dups = 0;
	if (!kenchi_reader_repeats(rd, f, label))
		return;
	for (int k = 0; k < EV_NFIELDS; k++)
		if (d & (1u << k) && rd->cur->v[k]) {
			dv[k] = g_strdup(rd->cur->v[k]);
			dl[k] = rd->label[k];
		}
	kenchi_reader_next_event(rd);
	for (int k = 0; k < EV_NFIELDS; k++)
		if (dv[k]) {
			kenchi_event_set(rd->cur, k, dv[k]);
			rd->has[k] = rd->fresh[k] = TRUE;
			rd->label[k] = dl[k];
			g_free(dv[k]);
		}
}

G_STATIC_ASSERT(EV_NFIELDS <= 32);   /* reader_t.dups: a bit per field */

/* Does field F on this line restate, in a table's row, what the block read
 * before it was an event (settle_dups)? */
static gboolean
restated(reader_t *rd, int f, const char *v, size_t n, guint label)
{
	return rd->line_row && rd->early[f] && kenchi_reader_repeats(rd, f, label) && same_value(rd, f, v, n);
}

void
kenchi_reader_set(reader_t *rd, int f, const char *v, size_t n, int indent, guint label)
{
	/* A reply chain quotes one alert at "> " and an older one at ">> ":
	 * a field at another quote depth than the event's begins another. */
	if (rd->quote_depth != rd->value_depth && kenchi_event_is_complete(rd->cur))
		kenchi_reader_flush(rd);
	rd->value_depth = rd->quote_depth;
	if (restated(rd, f, v, n, label)) {
		rd->early[f] = FALSE;
		rd->dups |= 1u << f;
		rd->field = rd->pending = -1;
		return;
	}
	if (rd->dups)
		settle_dups(rd, f, label);
	if (kenchi_reader_repeats(rd, f, label)) {
		gboolean blank = rd->blank_in_block;

		kenchi_reader_next_event(rd);
		/* A field of the event's own that comes again with no blank
		 * line before it may begin no event: see what follows. */
		rd->repeat_split = !blank && f != EV_EVENT_TYPE && f != EV_EVENT_TYPE_ID && f != EV_ID && f != EV_DATE &&
		    f != EV_HOSTNAME && f != EV_CONNECTOR_GUID && f != EV_SHA256;
	} else if (kenchi_reader_names_another(rd, f, v, n))
		kenchi_reader_next_event(rd);
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
	/* What only an alert carries: a computer, a file, a detection, an
	 * event id.  A notice's "日時：" or "Group:" is not. */
	if (f == EV_HOSTNAME || f == EV_CONNECTOR_GUID || f == EV_SHA256 || f == EV_FILE_PATH ||
	    f == EV_FILE_NAME || f == EV_DETECTION || f == EV_ID || f == EV_EVENT_TYPE_ID)
		rd->out->fields_read++;
	g_string_assign(rd->raw, "");
	g_string_append_len(rd->raw, v, n);
	if (memchr(v, KENCHI_HTML_CELL_BREAK[0], n)) {
		kenchi_cell_join(f, rd->raw->str);
		g_string_truncate(rd->raw, strlen(rd->raw->str));
	}
	rd->value_trail = rd->line_trail;
	rd->value_cols = rd->line_cols;
	rd->value_alone = kenchi_line_columns(v, v + n) == rd->line_cols;
	/* The mirror of the rule above: a time read alone first ("Time:
	 * 07:12:31 UTC", no date yet), then the date under another label. */
	if (f == EV_DATE && rd->has[f] && rd->cur->v[f] == NULL && rd->label[f] != label && rd->label[f] != 0 &&
	    strchr(rd->date_raw->str, ':') && !memchr(v, ':', n)) {
		g_string_append_c(rd->raw, ' ');
		g_string_append(rd->raw, rd->date_raw->str);
	}
	if (f == EV_DATE)
		g_string_assign(rd->date_raw, rd->raw->str);
	/* Not a field that opens a block: a restatement's "Event Type:" above
	 * the original's is another block (extract_mail.c drops it). */
	rd->early[f] = !rd->line_row && !kenchi_event_is_complete(rd->cur) && f != EV_EVENT_TYPE &&
	    f != EV_EVENT_TYPE_ID && f != EV_ID && f != EV_DATE;
	kenchi_reader_set_value(rd, f);
	rd->cve_list = f == EV_VULNERABILITIES;
	rd->label[f] = label;
	rd->has[f] = TRUE;
	rd->stale[f] = FALSE;
	rd->fresh[f] = TRUE;
	rd->field = f;
	rd->indent = indent;
	rd->pending = -1;
}

void
kenchi_reader_continue(reader_t *rd, const char *v, size_t n)
{
	int f = rd->field;
	/* Paths, URLs and hashes wrap without a space; prose with one. */
	gboolean glue = kenchi_field_is_glued(f), rest = rd->rest_next, glue_next = rd->glue_next;

	rd->rest_next = rd->glue_next = FALSE;
	/* A name or an id does not wrap: an indented line under it is
	 * another datum ("PC-01<br>Windows 11" in a <dd>); but a name's rest
	 * a client wrapped does (kenchi_reader_wrapped()), and so does a file
	 * name with no extension yet whose indented rest ends in one (rt28
	 * E30: "... 2026-11 final" / "    version.pdf.exe" lost the .exe). */
	if (kenchi_field_is_one_word(f) && !rest && !kenchi_wrap_name_rest(f, rd->raw->str, v, n))
		return;
	/* A person's "※" note on a line of its own under the value (round
	 * 27b: "a.exe" / "    ※USB経由" gave "a.exe※USB経由"). */
	if (kenchi_note_mark(v, n))
		return;

	/* Hashes and links hold no space, unless a hash already written in
	 * groups ("1a2b3c4d 5e6f7a8b ..." wrapped after the fourth). */
	if (!glue_next && (!glue || (rd->value_trail && f == EV_FILE_PATH) ||
	    ((f == EV_SHA256 || f == EV_PARENT_SHA256) && strchr(rd->raw->str, ' '))))
		g_string_append_c(rd->raw, ' ');
	g_string_append_len(rd->raw, v, n);
	rd->value_trail = rd->line_trail;
	rd->value_cols = rd->line_cols;
	rd->value_alone = kenchi_line_columns(v, v + n) == rd->line_cols;
	kenchi_reader_set_value(rd, f);
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
				if (kenchi_reader_repeats(rd, fields[g], 0x80000001u + i * 64 + (guint)g))
					kenchi_reader_next_event(rd);
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

/* Does a colon end the label that ends at P ("Label:", "ラベル："),
 * spaces aside? */
static gboolean
label_has_colon(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && (*p == ':' || (end - p >= 3 && memcmp(p, KENCHI_FULLWIDTH_COLON, 3) == 0));
}

/* In a row whose first cells are LABEL_END .. VALUE (a label, its colon,
 * its value, the tab after it at TAB), is the next cell another pair of
 * the grid?  When the label had a cell of its own ("Computer:<TAB>PC-01"),
 * the next pair's label has one too ("Event ID:"): a cell "User: 田村
 * (前任者)" is a remark.  When the label shared its value's cell
 * ("Event Type: Threat Detected<TAB>Event ID: 645..."), so does the
 * next. */
static gboolean
grid_pair_next(const char *label_end, const char *value, const char *tab, const char *end)
{
	const char *cell = tab + 1, *ce = memchr(cell, '\t', (size_t)(end - cell));

	if (memchr(label_end, '\t', (size_t)(value - label_end)) == NULL)
		return TRUE;
	ce = ce ? ce : end;
	while (ce > cell && (ce[-1] == ' ' || ce[-1] == '\t'))
		ce--;
	return kenchi_label_colon_len(cell, (size_t)(ce - cell)) > 0;
}

/* Is [Q, END) a rule of a text table: '-', '=', ':', '+', '|' and
 * spaces, with a run of three '-' or '='? */
static gboolean
table_rule(const char *q, const char *end)
{
	int run = 0, best = 0;

	for (; q < end; q++) {
		if (*q == '-' || *q == '=')
			best = MAX(best, ++run);
		else if (*q == '+' || *q == '|' || *q == ':' || *q == ' ')
			run = 0;
		else
			return FALSE;
	}
	return best >= 3;
}

/* The cells of a text table's row [Q, END), which begins with '|' (or a
 * rule's '+'), joined by tabs; "" for a rule; NULL when it is no row.
 * "||" is one border (Jira's header row), the first and a last empty
 * cell are the borders'.  g_free. */
static char *
text_table_row(const char *q, const char *end)
{
	GString *row;
	char **cells, *line;
	int n, first = 1;

	if (table_rule(q, end))
		return g_strdup("");
	if (*q != '|')
		return NULL;
	/* One pass: a hostile line of 100,000 '|' must not take a
	 * quadratic time. */
	line = g_malloc((gsize)(end - q) + 1);
	{
		char *o = line;

		/* Markdown writes a '|' inside a cell "\|" (a link's); but a
		 * row's closing '|' after a folder's "\" is the row's end
		 * (Jira's "|File Path|C:\...\Temp\|", round 22a). */
		for (const char *c = q; c < end; c++)
			if (*c == '\\' && c + 1 < end && c[1] == '|' && c + 2 < end)
				*o++ = '\x1e', c++;
			else if (!(*c == '|' && o > line && o[-1] == '|'))
				*o++ = *c;
		*o = '\0';
	}
	cells = g_strsplit(line, "|", -1);
	n = (int)g_strv_length(cells);
	if (n > 1 && *g_strstrip(cells[n - 1]) == '\0')
		n--;
	row = g_string_new(NULL);
	for (int i = first; i < n; i++) {
		if (i > first)
			g_string_append_c(row, '\t');
		for (char *c = g_strstrip(cells[i]); *c; c++)
			g_string_append_c(row, *c == '\x1e' ? '|' : *c);
	}
	g_strfreev(cells);
	g_free(line);
	return g_string_free(row, FALSE);
}

/* Is the '|' at Q a quote mark: after the run of marks and spaces it
 * begins, does the line hold no other '|' (as a table row does)? */
static gboolean
pipe_quotes(const char *q, const char *end)
{
	while (q < end && (*q == '|' || *q == '>' || *q == ' ' || *q == '\t'))
		q++;
	return memchr(q, '|', (size_t)(end - q)) == NULL;
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
	rd->line_row = memchr(line, '\t', n) != NULL;

	/* Strip quoting: any run of spaces and '>' marks, the full-width
	 * ones of Japanese mail ("＞ ", U+3000) too, and '|', the mark some
	 * Japanese clients let a user choose (Becky!, Shuriken) - unless
	 * the line holds another '|' after the marks: a table row's.  Asked
	 * once a line: each '|' of the run has the same answer (a line of
	 * 100,000 '|' took 6 s). */
	int pipes = -1;
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
		else if (q < end && *q == '|' && (pipes > 0 || (pipes < 0 && (pipes = pipe_quotes(q, end)) > 0)))
			q++, depth++;
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
	rd->line_cols = kenchi_line_columns(line, end);
	if (!rd->retried)
		rd->quote_depth = depth;
	/* A table typed in text, "| Label | value |" (Markdown, Jira), or a
	 * box drawn around the alert, "| Label: value   |": its cells are
	 * read as an HTML table's are, a tab between them, and its rules
	 * ("|---|---|", "+-------+") are nothing.  It was prose. */
	if (q < end && (*q == '|' || *q == '+') && rd->retried < 8) {
		char *cells = text_table_row(q, end);

		if (cells) {
			if (*cells) {
				rd->retried++;
				read_line(rd, cells, strlen(cells));
				rd->retried--;
			}
			g_free(cells);
			return;
		}
	}
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
		rd->parent_section = FALSE;
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
	/* CVE ids one a line, unindented, or a table's rows under its header,
	 * go on with the vulnerabilities (rt29 U17, U03, U14). */
	if (rd->cve_list && kenchi_line_cve(q, end)) {
		rd->field = EV_VULNERABILITIES;
		kenchi_reader_continue(rd, q, end - q);
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
		if (kenchi_reader_table_line(rd, ts, te))
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
		if (kenchi_reader_table_line(rd, ts, te))
			return;
	}
	/* "-- ", a signature's start: what follows (a gateway's scan
	 * lines, a footer) is no part of the event above. */
	if (end - q == 2 && q[0] == '-' && q[1] == '-' && rd->line_trail) {
		kenchi_reader_flush(rd);
		return;
	}
	if (r->separator) {
		res = kenchi_re_exec(r->separator, rd->m, q, end - q);
		if (res == KENCHI_RE_MATCH) {
			kenchi_reader_flush(rd);
			return;
		}
	}
	if (rd->field == EV_DATE && !strchr(rd->raw->str, ':') && kenchi_line_is_time(q, end)) {
		/* "2026-11-25" over "07:12:31 UTC": a <br> between them in a
		 * card or a list, or a client's text of such a cell.  Before
		 * the line pattern, which reads "07" as a label. */
		kenchi_reader_continue(rd, q, end - q);
		return;
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
			f = ln ? kenchi_label_lookup(r, ls, ln) : -1;
			/* A relay's "Label = value" indented under a value that
			 * goes on is that value's text ("    Parent -> winword.exe"
			 * in a description: rev94 #8). */
			if (f >= 0 && rd->field >= 0 && indent > rd->indent && ls + ln <= vs &&
			    (memchr(ls + ln, '=', (size_t)(vs - ls - ln)) || g_strstr_len(ls + ln, vs - ls - ln, "->")) &&
			    !memchr(ls + ln, ':', (size_t)(vs - ls - ln))) {
				kenchi_reader_continue(rd, q, end - q);
				return;
			}
			if (rd->parent_section && f >= 0)
				f = kenchi_reader_parent_field(rd, f);
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
					rd->pending_depth = rd->quote_depth;
					rd->pending_label = kenchi_label_id(ls, ln);
					kenchi_reader_note_pending(rd, f, ls, ln);
					rd->field = -1;
				} else if (f == EV_DATE && kenchi_date_note(ls, ln, vs, vn, &ns, &nn)) {
					/* "検知日時（日本時間）: 16:12:31", "Time (UTC): ...":
					 * the label's note is the value's zone. */
					char *v = g_strdup_printf("%.*s %.*s", (int)vn, vs, (int)nn, ns);

					kenchi_reader_set(rd, f, v, strlen(v), indent, kenchi_label_id(ls, ln));
					g_free(v);
				} else {
					kenchi_reader_set(rd, f, vs, vn, indent, kenchi_label_id(ls, ln));
				}
				/* A grid of "Label: value" cells, two or more a row:
				 * the next cell is a line of its own (a few deep).
				 * Not after a label with no colon: that is a label
				 * cell of a table, and its row's last cell a remark
				 * ("Computer | PC-01 | User: 遠藤 (営業部)"), which
				 * had set the user and cut the event in two. */
				if (tab && !date_cells && rd->retried < 8 && label_has_colon(ls + ln, end) &&
				    memchr(tab + 1, ':', (size_t)(end - tab - 1)) && grid_pair_next(ls + ln, vs, tab, end)) {
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
				kenchi_reader_flush(rd);
				host = vn ? kenchi_subject_hostname(r, rd->m, g_strndup(vs, vn), TRUE) : NULL;
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
				kenchi_reader_continue(rd, q, end - q);
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
				kenchi_reader_prose(rd);
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

			if ((f = kenchi_label_lookup(r, joined, strlen(joined))) >= 0)
				lid = kenchi_label_id(joined, strlen(joined));
			g_free(joined);
		}
		if (f < 0)
			f = kenchi_label_lookup(r, q, end - q);
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
			/* "Parent" over the lines of the parent's own "File
			 * Name:" and "SHA-256:" (rt24 D5: the file's values
			 * stayed, the parent's were lost) */
			rd->parent_section = f == EV_PARENT_FILE_NAME && next_is_field(rd);
			rd->pending = f;
			rd->pending_blank = FALSE;
			rd->pending_alone = TRUE;
			kenchi_reader_note_pending(rd, f, q, (size_t)(end - q));
			rd->pending_indent = indent;
			rd->pending_depth = rd->quote_depth;
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
	} else if (rd->pending >= 0 && ((end - q == 1 && *q == ':') || (end - q == 3 && memcmp(q, KENCHI_FULLWIDTH_COLON, 3) == 0))) {
		/* The colon's own cell, a line of its own in a client's text of
		 * a "Label | : | value" table: the value is still to come. */
		return;
	} else if (rd->pending >= 0 && kenchi_line_caption_for(rd->pending, q, end)) {
		/* A caption under a label in its cell ("SHA-256" / "click to
		 * copy"): the value is still to come. */
		return;
	} else if (rd->pending >= 0) {
		int f = rd->pending;
		const char *note;

		/* "> Parent SHA-256:" and its value on a line that lost the
		 * "> " (a client re-wrapped the quote at 76 columns, round
		 * 28b): the value is the label's, at the label's depth. */
		if (rd->quote_depth < rd->pending_depth && kenchi_line_value_shaped(f, q, end))
			rd->quote_depth = rd->pending_depth;
		/* The value goes on over lines indented deeper than its label,
		 * not over the text after it at the label's own indent (a
		 * footer, a sign-off, which it had swallowed). */
		if ((note = kenchi_reader_pending_note(rd, q, (size_t)(end - q))) != NULL) {
			char *v = g_strdup_printf("%.*s %s", (int)(end - q), q, note);

			kenchi_reader_set(rd, f, v, strlen(v), rd->pending_indent, rd->pending_label);
			g_free(v);
		} else {
			kenchi_reader_set(rd, f, q, end - q, rd->pending_indent, rd->pending_label);
		}
		return;
	}
	if (rd->field >= 0 && indent > rd->indent) {
		kenchi_reader_continue(rd, q, end - q);
		return;
	}
	if (kenchi_reader_wrapped(rd, q, &end)) {
		kenchi_reader_continue(rd, q, end - q);
		return;
	}
	rd->field = -1;
	note_words(rd, q, end);
	if (!kenchi_event_is_complete(rd->cur) && kenchi_reader_opens_alert(rd, q, end))
		kenchi_reader_flush(rd);   /* the preamble's fields are not the alert's */
	kenchi_reader_prose(rd);
	try_captures(rd, q, end - q);
}

void
kenchi_read_events(const kenchi_rule_t *r, kenchi_re_match_t *m, const char *text, size_t len,
	    kenchi_extract_t *out)
{
	reader_t rd = { .rule = r, .m = m, .out = out, .field = -1, .pending = -1, .bridged = -1 };
	size_t tl = 0;
	char *untransposed = kenchi_untranspose(r, text, len, &tl);
	const char *p = untransposed ? untransposed : text, *end = p + (untransposed ? tl : len);

	rd.fold_cols = kenchi_fold_width(p, (size_t)(end - p), &rd.wrap_cols);
	rd.day_first = kenchi_text_day_first(p, end);

	rd.cur = kenchi_event_new();
	rd.raw = g_string_sized_new(256);
	rd.date_raw = g_string_new(NULL);
	rd.row_date = g_string_new(NULL);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *e = nl ? nl : end;

		if (out->events->len >= KENCHI_MAIL_EVENTS_MAX) {
			out->capped = TRUE;
			break;
		}
		rd.next = nl ? nl + 1 : NULL;
		rd.next_len = 0;
		if (rd.next) {
			const char *nn = memchr(rd.next, '\n', (size_t)(end - rd.next));
			rd.next_len = (size_t)((nn ? nn : end) - rd.next);
		}
		read_line(&rd, p, e - p);
		p = nl ? nl + 1 : end;
	}
	if (!out->capped)
		kenchi_reader_flush(&rd);
	kenchi_event_free(rd.cur);
	g_string_free(rd.raw, TRUE);
	g_string_free(rd.date_raw, TRUE);
	g_string_free(rd.row_date, TRUE);
	g_free(rd.block_host);
	if (rd.by_id)
		g_hash_table_unref(rd.by_id);
	g_free(rd.columns);
	g_free(untransposed);
}

/* How the rule recognised the mail: 0 not at all, else a bit set. */
