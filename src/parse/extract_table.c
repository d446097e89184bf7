/* extract_table.c: digest tables (a header row of labels, one event a
 * row) and grids of label/value pairs, read into the block reader's event
 * (extract.c).  html.c ends every cell with a tab. */
#include <string.h>
#include "parse/extract_int.h"
#include "parse/line_shape.h"

/* The label of a table cell, without spaces or a trailing colon: its
 * field, or -1. */
static int
cell_label(reader_t *rd, char *c)
{
	size_t cl;

	c = g_strstrip(c);
	kenchi_cut_label_colon(c, strlen(c));
	g_strchomp(c);
	cl = strlen(c);
	return cl ? kenchi_label_lookup(rd->rule, c, cl) : -1;
}

/* A value cell that reads as a label may still be a value: an event
 * type's name that is a label too ("Cloud IOC"). */
static gboolean
value_is_label(reader_t *rd, int f, char *v)
{
	return cell_label(rd, v) >= 0 && !(f == EV_EVENT_TYPE && kenchi_event_type_id(g_strstrip(v)) != 0);
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
		int f = *g_strstrip(lab) ? cell_label(rd, lab) : -2;
		gboolean g = value_is_label(rd, f, val);

		g_free(lab);
		g_free(val);
		if (f == -1 || f < -2 || g)
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

			kenchi_reader_set(rd, f, dv, strlen(dv), 0, kenchi_label_id(cells[i], strlen(cells[i])));
			g_free(dv);
		} else if (f >= 0 && *v) {
			kenchi_reader_set(rd, f, v, strlen(v), 0, kenchi_label_id(cells[i], strlen(cells[i])));
		}
	}
	rd->field = -1;
	return TRUE;
}

/* An empty header cell (a colspan's rest, html.c): no field, and part of
 * the group the cell before it names. */
#define COL_EMPTY (-3)

/* A header of two rows: a group's cell spans columns ("File", colspan 2)
 * and the row under it names them ("File Name", "SHA-256"), the cells
 * beside it spanning both rows.  The second row's labels name the
 * columns of the first group as wide as they are.  TRUE when it did. */
static gboolean
sub_header(reader_t *rd, char **cells, int n)
{
	int k = 0, i, start, width;

	while (n > 0 && *g_strstrip(cells[n - 1]) == '\0')
		n--;
	if (n < 2)
		return FALSE;
	for (i = 0; i < n; i++)
		if (cell_label(rd, cells[i]) < 0)
			return FALSE;
	k = n;
	for (start = 0; start < rd->ncolumns; start++) {
		if (rd->columns[start] == COL_EMPTY)
			continue;
		for (width = 1; start + width < rd->ncolumns && rd->columns[start + width] == COL_EMPTY; width++)
			;
		if (width == k) {
			for (i = 0; i < k; i++)
				rd->columns[start + i] = cell_label(rd, cells[i]);
			return TRUE;
		}
	}
	return FALSE;
}

/* A table laid out with one event per row under a header row of labels
 * (an HTML digest): the header maps columns to fields.  Returns TRUE when
 * the line was a header or a row of such a table. */
gboolean
kenchi_reader_table_line(reader_t *rd, const char *q, const char *end)
{
	char *line;
	char **cells;
	int n, i, known = 0, strict = 0;
	gboolean used = FALSE;
	int tabs = 0;

	/* A row of more cells than any alert's table has is no row: a line
	 * of 30,000 cells took 60 ms, each cell looked up as a label (8 s
	 * up to the text cap). */
	for (const char *c = q; c < end && tabs <= KENCHI_TABLE_CELLS_MAX; c++)
		tabs += *c == '\t';
	if (tabs > KENCHI_TABLE_CELLS_MAX)
		return FALSE;
	line = g_strndup(q, end - q);
	cells = g_strsplit(line, "\t", -1);
	n = (int)g_strv_length(cells);

	if (rd->columns && n == 1 && rd->row_date->len && !strchr(rd->row_date->str, ':') &&
	    rd->last_event && kenchi_line_is_time(q, end)) {
		/* The last row's date over its time: a client's text of a
		 * "2026-11-25<br>07:12:31 UTC" cell put the time on a line of
		 * its own. */
		kenchi_event_t *last = rd->last_event;

		g_string_append_printf(rd->row_date, " %.*s %s", (int)(end - q), q, rd->date_note);
		kenchi_event_set(last, EV_DATE, rd->row_date->str);
		g_string_truncate(rd->row_date, 0);
		used = TRUE;
	} else if (rd->columns && n != rd->ncolumns && sub_header(rd, cells, n)) {
		used = TRUE;
	} else if (rd->columns && n == rd->ncolumns) {
		/* The date may span columns ("Date", "Time") and its header a
		 * zone ("検知日時（日本時間）"): one value, the note after it. */
		GString *date = g_string_new(NULL);

		kenchi_reader_flush(rd);
		for (i = 0; i < n; i++) {
			char *v = kenchi_cell_join(rd->columns[i], g_strstrip(cells[i]));
			if (rd->columns[i] == EV_DATE && *v) {
				g_string_append_printf(date, "%s%s", date->len ? " " : "", v);
			} else if (rd->columns[i] >= 0 && *v) {
				kenchi_event_set(rd->cur, rd->columns[i], v);
				rd->has[rd->columns[i]] = TRUE;
			}
		}
		g_string_assign(rd->row_date, date->str);
		if (date->len) {
			g_string_append_printf(date, " %s", rd->date_note);
			kenchi_event_set(rd->cur, EV_DATE, date->str);
			rd->has[EV_DATE] = TRUE;
		}
		g_string_free(date, TRUE);
		kenchi_reader_flush(rd);
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
			/* Only a cell with nothing in it is a colspan's rest: a
			 * colon's own cell ("Label | : | value") is no column. */
			gboolean empty = cl == 0;

			cl = kenchi_cut_label_colon(c, cl);   /* a header cell may end in a colon */
			cols[i] = cl ? kenchi_label_lookup(rd->rule, c, cl) : -1;
			if (cols[i] >= 0) {
				known++;
				/* "Cloud IOC" is a label and a type's name: in
				 * "Event Type | Cloud IOC | (empty)" it is a value. */
				strict += kenchi_event_type_id(c) == 0;
			} else
				cols[i] = empty ? COL_EMPTY : -1;
			if (cols[i] == EV_DATE && kenchi_label_note(c, cl, &ns, &nn) && nn < sizeof note)
				g_strlcpy(note, ns, nn + 1);
		}
		/* Most columns known, or four: a digest may carry columns of
		 * its own (a console's ten, of which four are fields).  Or two
		 * and a group spanning columns, named by the row under it
		 * (sub_header). */
		gboolean group = FALSE;

		for (i = 0; i + 1 < n; i++)
			group = group || (cols[i] != COL_EMPTY && cols[i + 1] == COL_EMPTY);
		if ((known >= 3 && (known * 2 >= n || known >= 4)) || (strict >= 2 && group)) {
			kenchi_reader_flush(rd);
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
