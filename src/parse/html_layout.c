/* html_layout.c: elements that CSS lays out as a table's parts or side by
 * side, read as html.c reads a table.  A template that draws its label
 * column with CSS rather than <td> ("<span style='display:inline-block;
 * width:160px'>Computer</span><span>PC-01</span>", a display:table-cell
 * <div>, a display:flex row) shows a label beside its value; read as plain
 * inline text or as blocks they became "ComputerPC-01", or a label and a
 * value on lines of their own (rt23 G7).
 *
 * Not a browser: only the element's own style attribute is read, not a
 * <style> block's selectors, and a grid's columns are not followed. */
#include <string.h>
#include "parse/html_int.h"

/* What the element's style lays it out as: a table, a row, a cell (its
 * display, or a child of a flex row), a column (inline-block, float: it
 * ends with a gap before what follows on its line), or flow. */
static kenchi_html_as_t
tag_display(const char *attrs, gsize n, gboolean *flex_row)
{
	char *style, *css, **parts;
	kenchi_html_as_t as = KENCHI_HTML_AS_FLOW;
	const char *display = NULL, *dir = NULL, *fl = NULL;

	*flex_row = FALSE;
	/* most tags have no style that lays out: no allocation for them */
	if (n < 12 || (g_strstr_len(attrs, (gssize)n, "isplay") == NULL && g_strstr_len(attrs, (gssize)n, "loat") == NULL &&
	    g_strstr_len(attrs, (gssize)n, "ISPLAY") == NULL))
		return as;
	if ((style = kenchi_html_attr_value(attrs, n, "style")) == NULL)
		return as;
	css = kenchi_html_css_clean(style);
	parts = g_strsplit(css, ";", -1);
	for (int i = 0; parts[i]; i++) {
		char *colon = strchr(parts[i], ':');

		if (colon == NULL)
			continue;
		*colon = '\0';
		g_strstrip(parts[i]);
		/* the last declaration wins */
		if (strcmp(parts[i], "display") == 0)
			display = g_strstrip(colon + 1);
		else if (strcmp(parts[i], "flex-direction") == 0)
			dir = g_strstrip(colon + 1);
		else if (strcmp(parts[i], "float") == 0)
			fl = g_strstrip(colon + 1);
	}
	if (display && g_str_has_prefix(display, "table-cell"))
		as = KENCHI_HTML_AS_CELL;
	else if (display && g_str_has_prefix(display, "table-row"))
		as = KENCHI_HTML_AS_ROW;
	else if (display && (strcmp(display, "table") == 0 || g_str_has_prefix(display, "table ") ||
	    g_str_has_prefix(display, "table!")))
		as = KENCHI_HTML_AS_TABLE;
	else if (display && (g_str_has_prefix(display, "flex") || g_str_has_prefix(display, "inline-flex")) &&
	    (dir == NULL || !g_str_has_prefix(dir, "column"))) {
		as = KENCHI_HTML_AS_ROW;
		*flex_row = TRUE;
	} else if ((display && (g_str_has_prefix(display, "inline-block") || g_str_has_prefix(display, "inline-table"))) ||
	    (fl && (g_str_has_prefix(fl, "left") || g_str_has_prefix(fl, "right"))))
		as = KENCHI_HTML_AS_COLUMN;
	g_strfreev(parts);
	g_free(css);
	g_free(style);
	return as;
}

static const char *
as_name(kenchi_html_as_t as, const char *name)
{
	switch (as) {
	case KENCHI_HTML_AS_TABLE:
		return "table";
	case KENCHI_HTML_AS_ROW:
		return "tr";
	case KENCHI_HTML_AS_CELL:
		return "td";
	default:
		return name;
	}
}

/* Does OUT's last line hold no text yet (at most 256 bytes back)? */
static gboolean
line_start(const GString *out)
{
	for (gsize i = out->len, k = 0; i > 0 && k < 256; i--, k++) {
		char c = out->str[i - 1];

		if (c == '\n')
			return TRUE;
		if (c != ' ' && c != '\t')
			return FALSE;
	}
	return out->len <= 256;
}

const char *
kenchi_html_layout_open(kenchi_html_layout_t *l, const char *name, const char *attrs, gsize n, const GString *out)
{
	gboolean flex = FALSE, in_flex;
	kenchi_html_as_t as;

	/* A real table's own parts are read as they are. */
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0 || strcmp(name, "tr") == 0 || strcmp(name, "table") == 0)
		as = KENCHI_HTML_AS_FLOW;
	else
		as = tag_display(attrs, n, &flex);
	/* A column begins its line, as a label does: a "chip" inside a value
	 * ("C:\\Users\\<span inline-block>yamada</span>\\...") is text of it
	 * (rev94 #6: the path was cut at the chip's end). */
	if (as == KENCHI_HTML_AS_COLUMN && !line_start(out))
		as = KENCHI_HTML_AS_FLOW;
	in_flex = l->n > 0 && l->e[l->n - 1].flex && l->e[l->n - 1].inner == 0;
	if (in_flex && (as == KENCHI_HTML_AS_FLOW || as == KENCHI_HTML_AS_COLUMN))
		as = KENCHI_HTML_AS_CELL;   /* a flex row's item is a cell of it */
	if (as == KENCHI_HTML_AS_FLOW) {
		if (l->n > 0)
			l->e[l->n - 1].inner++;
		return name;
	}
	if (l->n == G_N_ELEMENTS(l->e)) {
		l->e[l->n - 1].inner++;   /* too deep to follow: flow */
		return name;
	}
	g_strlcpy(l->e[l->n].name, name, sizeof l->e[l->n].name);
	l->e[l->n].as = as;
	l->e[l->n].flex = flex;
	l->e[l->n].inner = 0;
	l->n++;
	return as_name(as, name);
}

const char *
kenchi_html_layout_close(kenchi_html_layout_t *l, const char *name, gboolean *column_end)
{
	kenchi_html_as_t as;

	*column_end = FALSE;
	if (l->n == 0)
		return name;
	if (l->e[l->n - 1].inner > 0) {
		l->e[l->n - 1].inner--;
		return name;
	}
	if (strcmp(l->e[l->n - 1].name, name) != 0)
		return name;   /* a stray end tag */
	as = l->e[--l->n].as;
	*column_end = as == KENCHI_HTML_AS_COLUMN;
	return as_name(as, name);
}

/* Why: a narrow label column breaks its labels ("Detection<br>ID:"), and
 * "Detection" alone on its line was read as a label of its own, given
 * twice: every field below it was lost (rt26 H07).  A row's first cell
 * that broke inside, short and ending in a colon, is one label: its
 * breaks become spaces (in OUT from AT); a card's "Label<br>value" ends
 * in its value, and stays as it is. */
gboolean
kenchi_html_wrapped_label(GString *out, gsize at)
{
	gsize end = out->len, k;

	while (end > at && strchr(" \t\n", out->str[end - 1]))
		end--;
	if (end <= at || end - at > 48)
		return FALSE;
	if (out->str[end - 1] != ':' && !(end - at >= 3 && memcmp(out->str + end - 3, "\xef\xbc\x9a", 3) == 0))
		return FALSE;
	for (k = at; k < end; k++)
		if (out->str[k] == '\n')
			out->str[k] = ' ';
	return TRUE;
}
