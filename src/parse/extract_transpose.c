/* extract_transpose.c: a digest table laid out one event a column ("Event
 * ID | 6455...83 | 6455...84"), each row a label and a value per event,
 * rewritten as the blocks the reader knows, one event each.  The reader
 * took the first column alone and dropped the rest without a word (rt22
 * F4).  html.c ends every cell with a tab. */
#include <string.h>
#include "parse/extract_int.h"
#include "parse/line_shape.h"
#include "parse/normalize.h"

/* Values per event at most: a digest's columns. */
#define TRANSPOSE_COLUMNS_MAX 32

typedef struct {
	int field;           /* its label's field, or -1 */
	char **cells;        /* label, then the values (NULL-terminated) */
	guint values;        /* values after trailing empty cells are trimmed */
} row_t;

/* Is V a value of field F that only an event of its own has, and so tells
 * a column of events from a column of extras ("Copy", a size)? */
static gboolean
event_value(int f, const char *v)
{
	char *n;
	gint64 t;
	gboolean zoned, ok;

	switch (f) {
	case EV_ID:
		return strlen(v) >= 6 && strspn(v, "0123456789") == strlen(v);
	case EV_SHA256:
		n = kenchi_norm_sha256(v);
		ok = n != NULL;
		g_free(n);
		return ok;
	case EV_EVENT_TYPE:
		return kenchi_event_type_id(v) != 0;
	case EV_DATE:
		return kenchi_norm_date_zoned(v, &t, &zoned);
	default:
		return FALSE;
	}
}

static void
row_clear(row_t *r)
{
	g_strfreev(r->cells);
	r->cells = NULL;
}

/* The cells of the line [P, P+LEN) that hold more than spaces: most
 * lines have none or two, and are passed over without a copy. */
static guint
filled_cells(const char *p, size_t len)
{
	const char *e = p + len;
	guint n = 0;
	gboolean filled = FALSE;

	if (memchr(p, '\t', len) == NULL)
		return 0;
	for (; p < e; p++) {
		if (*p == '\t') {
			n += filled;
			filled = FALSE;
		} else if (*p != ' ' && *p != '\r') {
			filled = TRUE;
		}
	}
	return n + filled;
}

/* The cells after the label on the line [P, P+LEN), empty ones too, not
 * the empty "cell" after the tab html.c ends every cell with. */
static guint
cells_after_label(const char *p, size_t len)
{
	guint tabs = 0;

	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\r'))
		len--;
	for (size_t i = 0; i < len; i++)
		tabs += p[i] == '\t';
	return tabs > 0 && p[len - 1] == '\t' ? tabs - 1 : tabs;
}

/* Row R from the line [P, P+LEN): its label's field and its values, an
 * empty cell in its column (an event that lacks the field: a Cloud IOC
 * has no file; round 53 F3 put the other event's file on it). */
static void
row_read(const kenchi_rule_t *rule, row_t *r, const char *p, size_t len)
{
	char *lab;
	size_t cl;
	guint n;

	r->field = -1;
	r->values = 0;
	r->cells = NULL;
	if (filled_cells(p, len) < 2 || cells_after_label(p, len) < 2)
		return;
	lab = g_strndup(p, len);
	r->cells = g_strsplit(lab, "\t", TRANSPOSE_COLUMNS_MAX + 2);
	g_free(lab);
	n = g_strv_length(r->cells);
	for (guint i = 0; i < n; i++)
		g_strstrip(r->cells[i]);
	r->values = MIN(n - 1, cells_after_label(p, len));
	lab = r->cells[0];
	cl = kenchi_cut_label_colon(lab, strlen(lab));
	lab[cl] = '\0';
	g_strchomp(lab);
	if (*lab)
		r->field = kenchi_label_lookup(rule, lab, strlen(lab));
}

/* Does the run ROWS[0..N) read as events in columns?  Most rows labelled
 * with K values, K >= 2, and two rows whose every value is one an event
 * alone has (its id, hash, type or date). */
static guint
run_columns(row_t *rows, guint n)
{
	guint k = 0, strong = 0, labelled = 0;

	for (guint i = 0; i < n; i++)
		if (rows[i].field >= 0 && rows[i].values > k)
			k = rows[i].values;
	if (k < 2 || k > TRANSPOSE_COLUMNS_MAX)
		return 0;
	for (guint i = 0; i < n; i++) {
		gboolean all = rows[i].field >= 0 && rows[i].values == k;

		labelled += rows[i].field >= 0;
		for (guint c = 1; all && c <= k; c++)
			all = event_value(rows[i].field, rows[i].cells[c]);
		/* one event shown twice (English and Japanese side by side)
		 * has one id in both columns */
		for (guint c = 2; all && rows[i].field == EV_ID && c <= k; c++)
			if (strcmp(rows[i].cells[c], rows[i].cells[1]) == 0)
				return 0;
		strong += all;
	}
	return strong >= 2 && labelled * 2 > n ? k : 0;
}

/* Append the run's K events as blocks, a separator between two. */
static void
write_run(GString *out, row_t *rows, guint n, guint k)
{
	for (guint c = 1; c <= k; c++) {
		if (c > 1)
			g_string_append(out, "----------\n");
		for (guint i = 0; i < n; i++)
			if (rows[i].field >= 0 && c <= rows[i].values && rows[i].cells[c][0])
				g_string_append_printf(out, "%s\t%s\t\n", rows[i].cells[0], rows[i].cells[c]);
	}
	g_string_append_c(out, '\n');
}

typedef struct {
	const kenchi_rule_t *rule;
	GString *out;          /* the text rewritten so far, or NULL: unchanged */
	const char *copied;    /* the text before it is in OUT */
	GArray *run;           /* row_t: the rows of two values or more in a row */
	const char *run_start;
} untranspose_t;

/* The run ends before RUN_END: rewritten when it is events in columns. */
static void
flush_run(untranspose_t *u, const char *run_end)
{
	row_t *rows = (row_t *)(void *)u->run->data;
	guint k = u->run->len >= 3 ? run_columns(rows, u->run->len) : 0;

	if (k) {
		if (u->out == NULL)
			u->out = g_string_new(NULL);
		g_string_append_len(u->out, u->copied, u->run_start - u->copied);
		write_run(u->out, rows, u->run->len, k);
		u->copied = run_end;
	}
	for (guint i = 0; i < u->run->len; i++)
		row_clear(&rows[i]);
	g_array_set_size(u->run, 0);
}

char *
kenchi_untranspose(const kenchi_rule_t *rule, const char *text, size_t len, size_t *out_len)
{
	untranspose_t u = { .rule = rule, .copied = text };
	const char *p = text, *end = text + len;

	if (memchr(text, '\t', len) == NULL)
		return NULL;
	u.run = g_array_new(FALSE, FALSE, sizeof(row_t));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		row_t r;

		/* html.c leaves a blank line between the rows of such a table */
		if (u.run->len > 0 && filled_cells(p, (size_t)(e - p)) == 0 && strspn(p, " \t\r") == (size_t)(e - p)) {
			p = nl ? nl + 1 : end;
			continue;
		}
		row_read(rule, &r, p, (size_t)(e - p));
		if (r.cells && r.values >= 2) {
			if (u.run->len == 0)
				u.run_start = p;
			g_array_append_val(u.run, r);
		} else {
			row_clear(&r);
			flush_run(&u, p);
		}
		p = nl ? nl + 1 : end;
	}
	flush_run(&u, end);
	g_array_unref(u.run);
	if (u.out == NULL)
		return NULL;
	g_string_append_len(u.out, u.copied, end - u.copied);
	*out_len = u.out->len;
	return g_string_free(u.out, FALSE);
}
