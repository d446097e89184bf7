/* html.c: a one-pass, allocation-light HTML-to-text scanner.  Whitespace
 * inside text collapses as a browser would, so a value wrapped in the HTML
 * source stays one value. */
#include <string.h>
#include "parse/html.h"
#include "parse/html_int.h"
#include "parse/charset.h"

/* The named entities HTML mail uses; the spaces among them become plain
 * spaces ("Label:&ensp;value"), the invisible ones nothing. */
static const struct { const char *name; const char *utf8; } entities[] = {
	{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" },
	{ "nbsp", " " }, { "yen", "\xc2\xa5" }, { "copy", "\xc2\xa9" }, { "bsol", "\\" },
	{ "colon", ":" }, { "sol", "/" }, { "period", "." },
	{ "ensp", " " }, { "emsp", " " }, { "thinsp", " " }, { "hairsp", " " },
	{ "zwnj", "" }, { "zwj", "" }, { "shy", "" },
	{ "ndash", "\xe2\x80\x93" }, { "mdash", "\xe2\x80\x94" }, { "hellip", "\xe2\x80\xa6" },
	{ "lsquo", "\xe2\x80\x98" }, { "rsquo", "\xe2\x80\x99" }, { "ldquo", "\xe2\x80\x9c" },
	{ "rdquo", "\xe2\x80\x9d" }, { "middot", "\xc2\xb7" }, { "bull", "\xe2\x80\xa2" },
	{ "laquo", "\xc2\xab" }, { "raquo", "\xc2\xbb" }, { "times", "\xc3\x97" },
	{ "reg", "\xc2\xae" }, { "trade", "\xe2\x84\xa2" }, { "euro", "\xe2\x82\xac" },
	/* Arrows: a person's note after a value ("PC-01 &larr; 代替機"). */
	{ "larr", "\xe2\x86\x90" }, { "rarr", "\xe2\x86\x92" }, { "uarr", "\xe2\x86\x91" },
	{ "darr", "\xe2\x86\x93" }, { "harr", "\xe2\x86\x94" }, { "lArr", "\xe2\x87\x90" },
	{ "rArr", "\xe2\x87\x92" }, { "deg", "\xc2\xb0" },
	{ NULL, NULL }
};

static void
append_break(GString *out, const char *brk)
{
	/* Trailing spaces before a break are noise. */
	while (out->len > 0 && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	if (strcmp(brk, "\n") == 0 && out->len > 1 && out->str[out->len - 1] == '\n' && out->str[out->len - 2] == '\n')
		return;
	g_string_append(out, brk);
}

gsize
kenchi_html_entity(const char *s, gsize n, GString *out)
{
	gsize i;
	int k;

	/* s points at '&'; returns the number of bytes consumed (0: literal '&'). */
	for (i = 1; i < n && i < 12 && s[i] != ';'; i++)
		;
	if (i >= n || s[i] != ';')
		return 0;
	if (s[1] == '#') {
		gunichar c;
		char *end;
		if (s[2] == 'x' || s[2] == 'X')
			c = (gunichar)strtoul(s + 3, &end, 16);
		else
			c = (gunichar)strtoul(s + 2, &end, 10);
		if (end != s + i || c == 0 || !g_unichar_validate(c))
			c = 0xFFFD;
		/* Word's "&#150;" is windows-1252's "–", as HTML5 reads it (rt31 V13) */
		g_string_append_unichar(out, kenchi_charset_cp1252_c1(c));
		return i + 1;
	}
	for (k = 0; entities[k].name; k++)
		if (strlen(entities[k].name) == i - 1 && strncmp(s + 1, entities[k].name, i - 1) == 0) {
			g_string_append(out, entities[k].utf8);
			return i + 1;
		}
	return 0;
}

/* A cell's colspan (tag text t, n bytes), 1 when absent or absurd. */
static int
tag_colspan(const char *t, gsize n)
{
	gsize k;

	for (k = 0; k + 7 < n; k++)
		if (g_ascii_strncasecmp(t + k, "colspan", 7) == 0) {
			int v = 0;

			for (k += 7; k < n && (t[k] == ' ' || t[k] == '=' || t[k] == '"' || t[k] == '\''); k++)
				;
			for (; k < n && g_ascii_isdigit(t[k]) && v < 100; k++)
				v = v * 10 + (t[k] - '0');
			return v >= 1 && v <= 32 ? v : 1;
		}
	return 1;
}

/* The href of an <a> tag (tag text t, n bytes) into buf, "&amp;" as "&";
 * FALSE when it has none that is an http(s) link of a sane length. */
/* The tag is Word's (Outlook's): class="MsoNormal", "MsoPlainText",
 * "MsoListParagraph", or an mso- style - a paragraph of margin 0 (round
 * 38a: only MsoNormal was known). */
static gboolean
tag_msonormal(const char *t, gsize n)
{
	static const char cls[] = "mso", sig[] = "msoautosig";

	/* ...but the signature Outlook inserts keeps its distance. */
	for (gsize i = 0; i + sizeof sig - 1 <= n; i++)
		if (g_ascii_strncasecmp(t + i, sig, sizeof sig - 1) == 0)
			return FALSE;

	for (gsize i = 0; i + sizeof cls - 1 <= n; i++)
		if (g_ascii_strncasecmp(t + i, cls, sizeof cls - 1) == 0)
			return TRUE;
	return FALSE;
}

/* An element with no end tag: it hides nothing after it. */
static gboolean
void_element(const char *name)
{
	static const char *const v[] = { "br", "hr", "img", "meta", "input", "link", "wbr", "col", "area",
	    "base", "source", "embed", "param", "track", NULL };

	for (int i = 0; v[i]; i++)
		if (strcmp(name, v[i]) == 0)
			return TRUE;
	return FALSE;
}

/* An element whose start ends an open <p>, as HTML's parser ends it. */
static gboolean
closes_p(const char *name)
{
	static const char *const v[] = { "p", "div", "table", "ul", "ol", "dl", "pre", "blockquote", "hr", "section",
	    "article", "center", "form", "address", "header", "footer", "nav", "aside", "main", "figure", "details",
	    "fieldset", "menu", "h1", "h2", "h3", "h4", "h5", "h6", NULL };

	for (int i = 0; v[i]; i++)
		if (strcmp(name, v[i]) == 0)
			return TRUE;
	return FALSE;
}

/* A block's line break.  In a reply read as typed, none at the start
 * of a line: a table, a row or a <pre> after a line of text shows no
 * empty line (round 41a: it ended the commands as a blank line). */
static void
line_break(GString *out, gboolean typed)
{
	if (!typed || (out->len > 0 && out->str[out->len - 1] != '\n'))
		append_break(out, "\n");
}

/* Where the attributes from J end in a reply read as typed: at a '>'
 * outside a quoted value, as HTML's tokenizer reads them, or at the end
 * of the text when a quote never closes - a browser shows nothing of it
 * (round 41a F6: a text after '<div style="display:none>' was read).  A
 * quote opens a value only right after a name's '=': in an unquoted value
 * ("title=a=\"") or after a quoted one ('class="a"="') it is a character
 * (round 42 F2: the tag ran on into the next one).  Returns the offset of
 * that '>', or LEN. */
static gsize
tag_end_typed(const char *html, gsize len, gsize j)
{
	enum { BEFORE_NAME, NAME, AFTER_NAME, BEFORE_VALUE, UNQUOTED } at = BEFORE_NAME;

	for (; j < len && html[j] != '>'; j++) {
		char ch = html[j];
		gboolean ws = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r';   /* HTML's, not \v */

		switch (at) {
		case BEFORE_NAME:
			if (!ws && ch != '/')
				at = NAME;   /* a name may begin with '=' */
			break;
		case NAME:
		case AFTER_NAME:
			if (ch == '=')
				at = BEFORE_VALUE;
			else if (ch == '/')
				at = BEFORE_NAME;
			else if (ws)
				at = AFTER_NAME;
			else
				at = NAME;
			break;
		case BEFORE_VALUE:
			if (ch == '"' || ch == '\'') {
				const char *q = memchr(html + j + 1, ch, len - j - 1);

				if (q == NULL)
					return len;
				j = (gsize)(q - html);
				at = BEFORE_NAME;
			} else if (!ws)
				at = UNQUOTED;
			break;
		case UNQUOTED:
			if (ws)
				at = BEFORE_NAME;
			break;
		}
	}
	return j;
}

/* TYPED: the element hiding what is read now, how deep its own tags
 * nest within it, whether it is a <p> (ended by a block after it), and
 * whether only its visibility hides it (a child may be visible). */
typedef struct {
	char name[16];
	int depth, inner;
	gboolean p, vis;
} hide_t;

/* Where a <blockquote> began or ended in a reply's text, and how deep
 * the quoting is from there. */
typedef struct {
	gsize at;
	int depth;
} quote_at_t;

/* OUT with each line inside a <blockquote> marked "> " as deep as it is
 * quoted, as a client's text of the quote is: after the text is made, so
 * that no way of starting a line - a <pre>'s indent, a cell's - goes
 * unmarked (round 42 F1: an indented quoted line was read as a command).
 * Empty lines and paragraph gaps stay as they are. */
static GString *
mark_quotes(const GString *out, const GArray *quotes)
{
	GString *m = g_string_sized_new(out->len + 64);
	gsize ls = 0, k = 0;
	int depth = 0;

	while (ls < out->len) {
		const char *nl = memchr(out->str + ls, '\n', out->len - ls);
		gsize le = nl ? (gsize)(nl - out->str) : out->len;

		for (; k < quotes->len && g_array_index(quotes, quote_at_t, k).at <= ls; k++)
			depth = g_array_index(quotes, quote_at_t, k).depth;
		if (le > ls && !(le - ls == strlen(KENCHI_HTML_PARA_GAP) &&
		    memcmp(out->str + ls, KENCHI_HTML_PARA_GAP, le - ls) == 0))
			for (int q = 0; q < depth; q++)
				g_string_append(m, "> ");
		g_string_append_len(m, out->str + ls, (gssize)(le - ls + (nl ? 1 : 0)));
		ls = le + 1;
	}
	return m;
}

/* Where the comment opened at I ends, as HTML5 reads it: "<!-->" and
 * "<!--->" are empty, and "--!>" ends one too (round 41a: the rest of
 * the mail was taken for a comment).  E: the first "-->" after it, or
 * NULL. */
static gsize
comment_end(const char *html, gsize len, gsize i, const char *e)
{
	const char *from = html + i + 4, *bang;

	if (i + 4 < len && html[i + 4] == '>')
		return i + 5;
	if (i + 5 < len && html[i + 4] == '-' && html[i + 5] == '>')
		return i + 6;
	bang = g_strstr_len(from, (e ? e : html + len) - from, "--!>");
	if (bang)
		return (gsize)(bang - html) + 4;
	return e ? (gsize)(e - html) + 3 : len;
}

/* The <style> blocks anywhere in the document (a <head> is skipped
 * whole): the classes and ids they hide, into HIDDEN. */
static void
style_blocks(const char *html, gsize len, GPtrArray *hidden)
{
	for (gsize k = 0; k + 7 < len; k++) {
		const char *gt;
		gsize s, e;

		if (html[k] != '<' || g_ascii_strncasecmp(html + k + 1, "style", 5) != 0 || g_ascii_isalnum(html[k + 6]))
			continue;
		if ((gt = memchr(html + k, '>', len - k)) == NULL)
			return;
		for (s = e = (gsize)(gt - html) + 1; e + 7 <= len; e++)
			if (html[e] == '<' && html[e + 1] == '/' && g_ascii_strncasecmp(html + e + 2, "style", 5) == 0)
				break;
		if (e + 7 > len)
			e = len;
		kenchi_html_style_block(html + s, e - s, hidden);
		k = e;
	}
}

static gboolean
tag_href(const char *t, gsize n, char *buf, gsize size)
{
	gsize k, o = 0;
	char q = 0;
	GString *ch = NULL;   /* a character reference decoded */

	for (k = 0; k + 4 < n; k++)
		if (g_ascii_strncasecmp(t + k, "href", 4) == 0 && (k == 0 || t[k - 1] == ' ' || t[k - 1] == '\t' ||
		    t[k - 1] == '\n' || t[k - 1] == '\r'))
			break;
	if (k + 4 >= n)
		return FALSE;
	for (k += 4; k < n && (t[k] == ' ' || t[k] == '\t'); k++)
		;
	if (k >= n || t[k] != '=')
		return FALSE;
	for (k++; k < n && (t[k] == ' ' || t[k] == '\t'); k++)
		;
	if (k < n && (t[k] == '"' || t[k] == '\''))
		q = t[k++];
	for (; k < n && o + 1 < size; k++) {
		if (q ? t[k] == q : (t[k] == ' ' || t[k] == '\t' || t[k] == '\n' || t[k] == '\r'))
			break;
		if (t[k] == '\r' || t[k] == '\n')
			continue;
		if (t[k] == '&') {
			/* "&amp;", and "&quot;" or "&#39;" in a query (round 42) */
			gsize used;

			if (ch == NULL)
				ch = g_string_new(NULL);
			g_string_truncate(ch, 0);
			used = kenchi_html_entity(t + k, n - k, ch);
			if (used && ch->len > 0 && o + ch->len + 1 < size) {
				memcpy(buf + o, ch->str, ch->len);
				o += ch->len;
				k += used - 1;
				continue;
			}
		}
		buf[o++] = t[k];
	}
	if (ch)
		g_string_free(ch, TRUE);
	buf[o] = '\0';
	if (o + 1 >= size || (q && (k >= n || t[k] != q)))
		return FALSE;
	for (gsize i = 0; i < o; i++)
		if ((guchar)buf[i] <= ' ')   /* a space, or "&#10;" decoded */
			return FALSE;
	return g_ascii_strncasecmp(buf, "http://", 7) == 0 || g_ascii_strncasecmp(buf, "https://", 8) == 0;
}

/* A cell that began at out offset AT ends: count it as filled, and as
 * long when its text is more than a header's label would be. */
static void
end_cell(const GString *out, gsize at, int *filled, gboolean *long_cell)
{
	gsize n = out->len > at ? out->len - at : 0, k;

	for (k = 0; k < n && strchr(" \t\n", out->str[at + k]); k++)
		;
	if (k < n)   /* "&nbsp;" alone is a spacer, not text */
		(*filled)++;
	if (n > 64)
		*long_cell = TRUE;
}

char *
kenchi_html_to_text(const char *html, gsize len)
{
	return kenchi_html_to_text_as(html, len, FALSE);
}

/* Whether a tag's element shows: as a reply's reader sees it (TYPED), or
 * as an alert's (only what every client hides). */
static kenchi_html_shown_t
shown_as(gboolean typed, const char *attrs, gsize n, const GPtrArray *hsel)
{
	return typed ? kenchi_html_tag_shown(attrs, n, hsel) : kenchi_html_tag_shown_alert(attrs, n);
}

char *
kenchi_html_to_text_as(const char *html, gsize len, gboolean typed)
{
	GString *out = g_string_sized_new(len / 2 + 16);
	gsize i = 0;
	gboolean space = FALSE;
	const char *skip_until = NULL;
	/* Inside a table cell a paragraph or line break only counts between
	 * pieces of its text: Outlook wraps each cell's text in <p
	 * class=MsoNormal>, and breaking at the cell's edges put a label and
	 * its value on lines of their own.  A break is held until more of the
	 * cell's text comes, and dropped at the cell's end. */
	gboolean in_cell = FALSE, cell_text = FALSE, held_break = FALSE;
	gboolean in_head = FALSE;   /* in a <th> */
	gboolean cell_broke = FALSE;   /* a break came out inside this cell */
	/* Cells opened in this row: a break inside a value cell (not the
	 * first) starts an indented line, which the extractor reads as the
	 * value going on, so a path broken by a <br> in its cell stays one. */
	int cell_no = 0;
	/* A grid: a row of three cells or more with no break inside one came
	 * first in the table, a title row aside (a digest's header of
	 * labels).  A break inside a cell of a later row is then no line of
	 * its own - it would cut the event's row in two - but
	 * KENCHI_HTML_CELL_BREAK, which the table reader joins as the
	 * column's field wants ("2026-11-25<br>07:12:31 UTC",
	 * "...\\Temp\\<br>setup.exe").  Nested tables start afresh. */
	int hdr_cells = -1;
	gboolean row_broke = FALSE;
	/* A header is words: three cells or more with text, none of them
	 * long.  A layout row (spacer | banner | spacer) is none. */
	int row_filled = 0;
	gboolean row_long = FALSE;
	gsize cell_at = 0;
	/* A cell spanning columns is that many cells (colspan), so that a
	 * digest's row still lines up with its header. */
	int span = 1;
	/* A link whose words are not its address ("View in console"): the
	 * address follows them as "<https://...>", as a mail client's text
	 * of it does, so that a trajectory given as a button is not lost.
	 * Values that are not links drop it again (event.c). */
	char href[2048];
	gboolean in_a = FALSE, p_flat = FALSE;   /* p_flat: the open <p> is MsoNormal */
	gsize a_start = 0, first_link = 0, first_link_len = 0;
	/* Inside <pre> the source's line breaks and spaces are the layout: an
	 * alert pasted as preformatted text has one field a line. */
	int pre = 0;
	hide_t hide = { "", 0, 0, FALSE, FALSE }, outer = hide;
	/* TYPED: a visible element inside an invisible one (island; its
	 * name, how deep it nests), and the hiding around it (OUTER), which
	 * holds again after its end (island_end) */
	char island_name[16] = "";
	int island = 0;
	gboolean island_end = FALSE;
	/* TYPED: how deep in <blockquote>s, and from where in OUT */
	int depth = 0;
	GArray *quotes = NULL;
	/* TYPED: the classes and ids <style> blocks hide.  An alert leaves out
	 * what every client hides (kenchi_html_tag_shown_alert): a preheader
	 * a template hides ("Computer: PC-PREHEADER") became the event's
	 * values (rt23 G1). */
	GPtrArray *hsel = NULL;
	/* An alert's elements that CSS lays out as a table (html_layout.c),
	 * and whether one laid out side by side has just ended: the text
	 * after it on its line is its value, after a tab as a cell's is. */
	kenchi_html_layout_t layout = { .n = 0 };
	kenchi_html_paint_t paint = { .n = 0 };   /* TYPED: the colours in effect */
	gboolean col_gap = FALSE;
	GString *ent = g_string_sized_new(8);
	gsize ent_used;

	if (typed) {
		hsel = g_ptr_array_new_with_free_func(g_free);
		style_blocks(html, len, hsel);
	}

	while (i < len) {
		char c = html[i];

		if (island_end) {
			hide = outer;
			island_end = FALSE;
		}

		/* "<" before anything but a letter, "/", "!" or "?" is text, as
		 * HTML's tokenizer reads it ("score <= 5"; round 42 F7). */
		if (c == '<' && i + 1 < len && (g_ascii_isalpha(html[i + 1]) || html[i + 1] == '/' || html[i + 1] == '!' ||
		    html[i + 1] == '?')) {
			gsize j = i + 1, nl, attrs_len;
			const char *attrs;
			gboolean closing = FALSE;
			char name[16];

			if (len - i >= 4 && strncmp(html + i, "<!--", 4) == 0) {
				const char *e = g_strstr_len(html + i + 4, len - i - 4, "-->");
				i = typed ? comment_end(html, len, i, e) : e ? (gsize)(e - html) + 3 : len;
				continue;
			}
			if (j < len && html[j] == '/') {
				closing = TRUE;
				j++;
			}
			for (nl = 0; j < len && nl < sizeof name - 1 && g_ascii_isalnum(html[j]); j++)
				name[nl++] = g_ascii_tolower(html[j]);
			name[nl] = '\0';
			attrs = html + j;
			j = typed ? tag_end_typed(html, len, j) : j;
			while (j < len && html[j] != '>')
				j++;
			attrs_len = (gsize)(html + j - attrs);
			i = j < len ? j + 1 : len;
			if (skip_until) {
				if (closing && strcmp(name, skip_until) == 0)
					skip_until = NULL;
				continue;
			}
			if (hide.depth > 0) {
				/* In a hidden element until it ends: its own end tag,
				 * or, as a browser ends it unclosed, the end of an
				 * element around it, or (a <p>) a block after it. */
				gboolean selfc = attrs_len > 0 && attrs[attrs_len - 1] == '/';

				if (hide.vis && island == 0 && !closing && nl > 0 && !selfc && !void_element(name) &&
				    shown_as(typed, attrs, attrs_len, hsel) == KENCHI_HTML_VISIBLE) {
					/* visibility: visible inside visibility: hidden
					 * is shown (round 41a x07), until its end */
					outer = hide;
					hide.depth = 0;
					g_strlcpy(island_name, name, sizeof island_name);
				} else {
					if (nl > 0 && strcmp(name, hide.name) == 0 && (closing || !selfc) && !(hide.p && !closing)) {
						hide.depth += closing ? -1 : 1;
						continue;
					}
					if (nl == 0 || (closing ? hide.inner > 0 : !(hide.p && closes_p(name)))) {
						if (nl > 0 && !selfc && !void_element(name))
							hide.inner += closing ? -1 : 1;
						continue;
					}
					hide.depth = 0;   /* and this tag is read */
				}
			}
			if (island_name[0] && nl > 0 && strcmp(name, island_name) == 0 && !void_element(name)) {
				island += closing ? -1 : 1;
				if (island == 0) {
					/* the hiding around it holds again after this tag */
					island_name[0] = '\0';
					island_end = TRUE;
				}
			}
			if (!closing && nl > 0 && !void_element(name) && (attrs_len == 0 || attrs[attrs_len - 1] != '/')) {
				kenchi_html_shown_t shown = shown_as(typed, attrs, attrs_len, hsel);

				if (shown == KENCHI_HTML_HIDDEN || shown == KENCHI_HTML_INVISIBLE) {
					g_strlcpy(hide.name, name, sizeof hide.name);
					hide.depth = 1;
					hide.inner = 0;
					hide.p = strcmp(name, "p") == 0;
					hide.vis = shown == KENCHI_HTML_INVISIBLE && island == 0;
					continue;
				}
				if (typed && kenchi_html_tag_signature(attrs, attrs_len) && out->str[strspn(out->str, " \t\r\n")]) {
					/* The signature the client inserted ends the
					 * commands typed above it as a text's "-- " does
					 * (round 41a n28: a signature paragraph "担当：SOC
					 * 田中" was read past the editor's gap as an
					 * assign); commands typed into it, above nothing,
					 * are read (round 45). */
					line_break(out, TRUE);
					append_break(out, "-- \n");
				}
			}
			if (typed && nl > 0 && closing)
				kenchi_html_paint_close(&paint, name);
			else if (typed && nl > 0 && !void_element(name) && (attrs_len == 0 || attrs[attrs_len - 1] != '/'))
				kenchi_html_paint_open(&paint, name, attrs, attrs_len);
			if (!typed && nl > 0 && !void_element(name)) {
				/* laid out by CSS as a table's part, or side by side */
				gboolean col_end = FALSE;
				const char *as = closing ? kenchi_html_layout_close(&layout, name, &col_end) :
				    attrs_len > 0 && attrs[attrs_len - 1] == '/' ? name :
				    kenchi_html_layout_open(&layout, name, attrs, attrs_len, out);

				if (as != name) {
					g_strlcpy(name, as, sizeof name);
					nl = strlen(name);
				}
				col_gap = col_gap || col_end;
			}
			if (!closing && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0 || strcmp(name, "head") == 0 ||
			    strcmp(name, "template") == 0)) {
				/* a template is never shown */
				skip_until = strcmp(name, "script") == 0 ? "script" : strcmp(name, "style") == 0 ? "style" :
				    strcmp(name, "head") == 0 ? "head" : "template";
				continue;
			}
			if (typed && strcmp(name, "blockquote") == 0) {
				/* Quoted mail, with or without an attribution line
				 * above it: each of its lines marked as a client's
				 * text of it would be, where the commands end (round
				 * 36b), and a customer's note shows what was quoted
				 * (round 41a: only the first line was). */
				quote_at_t q;

				if (out->len > 0 && out->str[out->len - 1] != '\n')
					append_break(out, "\n");
				depth = closing ? MAX(depth - 1, 0) : depth + 1;
				q.at = out->len;
				q.depth = depth;
				if (quotes == NULL)
					quotes = g_array_new(FALSE, FALSE, sizeof(quote_at_t));
				g_array_append_val(quotes, q);
				space = FALSE;
				continue;
			}
			if (strcmp(name, "a") == 0) {
				if (!closing) {
					in_a = !in_head && tag_href(attrs, attrs_len, href, sizeof href);
					a_start = out->len;
				} else if (in_a) {
					const char *words = out->str + a_start;

					in_a = FALSE;
					if (out->len > a_start && strstr(words, "://") == NULL &&
					    words[strspn(words, " \t\n")] != '\0') {
						if (in_cell && cell_no == 1)
							first_link = out->len;
						g_string_append_printf(out, " <%s>", href);
						if (in_cell && cell_no == 1)
							first_link_len = out->len - first_link;
					}
				}
				continue;
			}
			if (strcmp(name, "pre") == 0) {
				line_break(out, typed);
				space = FALSE;
				pre = closing ? MAX(pre - 1, 0) : pre + 1;
				/* A line break right after <pre> is not shown (round 42:
				 * an empty line in a quoted <pre>). */
				if (typed && !closing && i < len && (html[i] == '\n' || html[i] == '\r'))
					i += html[i] == '\r' && i + 1 < len && html[i + 1] == '\n' ? 2 : 1;
			} else if (strcmp(name, "tr") == 0 || strcmp(name, "table") == 0) {
				line_break(out, typed);
				space = FALSE;
				/* The header: the first row of three cells or more
				 * with no break inside one (a title row may come
				 * first). */
				if (in_cell)
					end_cell(out, cell_at, &row_filled, &row_long);
				/* A row's first cell beside others is its label: a
				 * label that is a link stays a label. */
				if (first_link_len && cell_no >= 2 && first_link + first_link_len <= out->len)
					g_string_erase(out, (gssize)first_link, (gssize)first_link_len);
				first_link = first_link_len = 0;
				if (hdr_cells < 3 && cell_no >= 3 && !row_broke && row_filled >= 3 && !row_long)
					hdr_cells = cell_no;
				if (name[1] == 'a')
					hdr_cells = -1;
				in_cell = held_break = in_head = cell_broke = row_broke = row_long = FALSE;
				cell_no = row_filled = 0;
			} else if (strcmp(name, "br") == 0 || strcmp(name, "p") == 0 || strcmp(name, "div") == 0 ||
			    strcmp(name, "li") == 0 || strcmp(name, "hr") == 0 ||
			    (nl == 2 && name[0] == 'h' && g_ascii_isdigit(name[1]))) {
				if (in_head) {
					/* A header cell wraps ("Event<br>Type"): one label. */
					space = TRUE;
				} else if (in_cell) {
					held_break = cell_text;
				} else if ((name[0] == 'd' || (name[0] == 'p' && (closing ? p_flat : (p_flat = tag_msonormal(attrs,
				    attrs_len))))) && out->len > 0 && out->str[out->len - 1] == '\n') {
					/* A <div> has no margin: "</div><div>" is one line
					 * break, not a blank line (Gmail writes each line of
					 * a forwarded text in a div of its own).  Nor has
					 * Outlook's <p class=MsoNormal>: each line a person
					 * types is one, and an empty line an empty one (round
					 * 36a: the analyst saw no blank line between his
					 * commands).  Another <p> keeps its margin: a blank
					 * line, as a mail client shows it.  An empty Word
					 * paragraph is an empty line (round 38a). */
					if (name[0] == 'p' && closing)
						append_break(out, "\n");
					space = FALSE;
				} else if (typed && nl == 1 && !closing && out->len > 1 && out->str[out->len - 1] == '\n' &&
				    out->str[out->len - 2] != '\n') {
					/* A reply's <p> after a line of text: its margin
					 * as a line of its own, which the command reader
					 * reads on past when a command follows - the
					 * editor shows the gap at every line typed. */
					append_break(out, KENCHI_HTML_PARA_GAP "\n");
					space = FALSE;
				} else if (typed && name[0] != 'b' && out->len > 0 && out->str[out->len - 1] == '\n') {
					/* A block's edge at the start of a line shows no
					 * empty line: a <br> before </p>, an <li> or <h3>
					 * after a line (round 41a: it ended the commands). */
					space = FALSE;
				} else {
					append_break(out, "\n");
					space = FALSE;
				}
			} else if (!typed && strcmp(name, "img") == 0 && in_cell && !cell_text && !in_a) {
				/* A label drawn as an image: the words a client shows
				 * for it when images are off (rt23 G7). */
				char *alt = kenchi_html_attr_value(attrs, attrs_len, "alt");

				if (alt && *g_strstrip(alt) && strlen(alt) < 64 && strpbrk(alt, "\t\r\n") == NULL) {
					g_string_append(out, alt);
					cell_text = TRUE;
					space = FALSE;
				}
				g_free(alt);
			} else if (strcmp(name, "dt") == 0 || strcmp(name, "dd") == 0) {
				/* A definition list, <dt>Label</dt><dd>value</dd>: one line,
				 * the label's end a tab as a label cell's is. */
				if (name[1] == 't' || closing) {
					append_break(out, name[1] == 't' && closing ? "\t" : "\n");
					space = FALSE;
				}
				/* The value breaks as a value cell's does: a <br> in
				 * it ("2026-11-25<br>07:12:31 UTC", a wrapped path)
				 * goes on, indented, rather than ending the field. */
				if (name[1] == 'd') {
					in_cell = !closing;
					cell_no = closing ? 0 : 2;
					cell_text = held_break = cell_broke = FALSE;
				}
			} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
				/* Cell boundary: the extractor's line pattern reads a tab
				 * as the separator between a label cell and its value.
				 * HTML may leave </td> out: a cell opening inside a cell
				 * closes it. */
				if (in_cell)
					end_cell(out, cell_at, &row_filled, &row_long);
				if (in_cell && cell_broke && cell_no == 1 && kenchi_html_wrapped_label(out, cell_at))
					cell_broke = FALSE;
				if (closing || in_cell) {
					/* A cell whose text broke inside is a card of its own
					 * ("<div>Label</div><div>value</div>"): the next
					 * cell's text starts a line, or it was glued onto
					 * this value. */
					append_break(out, cell_broke ? "\n" : "\t");
					while (!cell_broke && span-- > 1)
						g_string_append_c(out, '\t');
					space = FALSE;
				}
				cell_broke = FALSE;
				in_cell = !closing;
				in_head = !closing && name[1] == 'h';
				cell_text = held_break = FALSE;
				span = 1;
				if (!closing) {
					span = tag_colspan(attrs, attrs_len);
					cell_no += span;
				}
				cell_at = out->len;
			}
			continue;
		}
		if (skip_until || hide.depth > 0) {
			i++;
			continue;
		}
		/* A character reference, decoded once (ENT, ENT_USED bytes). */
		ent_used = 0;
		if (c == '&') {
			g_string_truncate(ent, 0);
			ent_used = kenchi_html_entity(html + i, len - i, ent);
		}
		/* "&#10;" is white space on the screen, not a new line (round
		 * 41a: one line shown, two commands read; rt25 W1: a file name's
		 * "&#10;SHA-256: 000..." set the hash); "&#9;" stays an alert's
		 * tab, a cell's edge (rev94 #15) */
		if (!pre && ent_used && ent->len == 1 && (ent->str[0] == '\n' || ent->str[0] == '\r' ||
		    (typed && ent->str[0] == '\t'))) {
			space = TRUE;
			i += ent_used;
			continue;
		}
		if (pre && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
			if (c != '\r')
				g_string_append_c(out, c);
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = TRUE;
			i++;
			continue;
		}
		if (typed && kenchi_html_paint_unseen(&paint)) {
			i += ent_used ? ent_used : 1;   /* the colour of its background, or none */
			continue;
		}
		if (held_break && hdr_cells >= 3) {
			append_break(out, KENCHI_HTML_CELL_BREAK);
			held_break = space = FALSE;
			row_broke = TRUE;
		} else if (held_break) {
			append_break(out, "\n");
			if (cell_no > 1)
				g_string_append(out, "    ");
			held_break = space = FALSE;
			cell_broke = row_broke = TRUE;
		}
		cell_text = in_cell;
		if (out->len > 0 && out->str[out->len - 1] != '\n' && out->str[out->len - 1] != '\t' && (col_gap || space))
			g_string_append_c(out, col_gap ? '\t' : ' ');
		space = col_gap = FALSE;
		if (ent_used) {
			g_string_append_len(out, ent->str, (gssize)ent->len);
			i += ent_used;
			continue;
		}
		g_string_append_c(out, c);
		i++;
	}
	g_string_free(ent, TRUE);
	if (hsel)
		g_ptr_array_unref(hsel);
	if (quotes) {
		GString *marked = mark_quotes(out, quotes);

		g_array_unref(quotes);
		g_string_free(out, TRUE);
		out = marked;
	}
	return g_string_free(out, FALSE);
}
