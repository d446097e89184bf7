/* html_int.h: what html.c (HTML to text) and html_hidden.c (whether an
 * element is shown, or a signature) share.  Not for use outside src/parse/html*.c. */
#ifndef KENCHI_HTML_INT_H
#define KENCHI_HTML_INT_H

#include <glib.h>

/* The character reference at S ('&', N bytes on) decoded into OUT;
 * the bytes it took, 0 when it is none (a literal '&'). */
gsize kenchi_html_entity(const char *s, gsize n, GString *out);
/* The value of attribute NAME in the tag's attribute text [T, T+N), its
 * character references decoded (g_free), or NULL; "" for a boolean one. */
char *kenchi_html_attr_value(const char *t, gsize n, const char *name);
/* CSS text as a client reads it: comments out, escapes ("n\6f ne",
 * "dis\play") undone, lower case (values compared are ASCII). g_free. */
char *kenchi_html_css_clean(const char *s);
/* CSS declarations ("a: b; c: d") that hide what they style. */
gboolean kenchi_html_css_hides(const char *decls);
/* The rules of a <style> block [CSS, CSS+N) that hide: their ".class"
 * and "#id" selectors, lower-case, appended to HIDDEN (g_free). */
void kenchi_html_style_block(const char *css, gsize n, GPtrArray *hidden);
/* The tag's attribute text [ATTRS, ATTRS+N) hides its element: a hidden
 * attribute, a style that hides, or a class or id in HIDDEN (or NULL). */
gboolean kenchi_html_tag_hidden(const char *attrs, gsize n, const GPtrArray *hidden);
/* The same, told apart: hidden so that nothing inside shows; invisible
 * (visibility hidden or collapse alone), which a child may undo; set
 * visible; or shown with no say about it. */
typedef enum { KENCHI_HTML_SHOWN, KENCHI_HTML_VISIBLE, KENCHI_HTML_INVISIBLE, KENCHI_HTML_HIDDEN } kenchi_html_shown_t;
kenchi_html_shown_t kenchi_html_tag_shown(const char *attrs, gsize n, const GPtrArray *hidden);
/* The same for an alert's HTML: only what every mail client hides. */
kenchi_html_shown_t kenchi_html_tag_shown_alert(const char *attrs, gsize n);
/* The colours in effect where a reply's text is (html_hidden.c): the
 * text's, inherited, and the background's, painted over the ones around
 * it.  An element whose end never comes is left at the next start of its
 * kind, as a browser ends an open <p>, <li> or cell. */
typedef struct {
	guint8 r, g, b, a;
} kenchi_rgba_t;
#define KENCHI_HTML_PAINT_DEPTH 64
typedef struct {
	struct {
		char name[16];
		kenchi_rgba_t fg, bg;   /* bg: opaque, what shows behind the text */
	} e[KENCHI_HTML_PAINT_DEPTH];
	int n;
	int over;                   /* elements open past the depth, painted as their parent */
} kenchi_html_paint_t;
/* Colour value V as CSS reads it: a name, #rgb, #rgba, #rrggbb,
 * #rrggbbaa, rgb()/rgba() of numbers or percentages, hsl()/hsla(),
 * transparent.  FALSE: not a colour kenchi knows. */
gboolean kenchi_html_color_parse(const char *v, kenchi_rgba_t *out);
/* Element NAME opens with attribute text [ATTRS, ATTRS+N): its colours
 * (style, and <font color>, bgcolor, <body text>) over its parent's. */
void kenchi_html_paint_open(kenchi_html_paint_t *p, const char *name, const char *attrs, gsize n);
/* An end tag of NAME: back to the colours around the element it ends. */
void kenchi_html_paint_close(kenchi_html_paint_t *p, const char *name);
/* Text here is not seen: transparent, or of its background's colour. */
gboolean kenchi_html_paint_unseen(const kenchi_html_paint_t *p);

/* The tag opens a mail client's signature block, or the header of the
 * mail it quotes: its class or id is one a client gives them. */
gboolean kenchi_html_tag_signature(const char *attrs, gsize n);

/* Elements that CSS lays out as a table's parts or side by side
 * (html_layout.c): what html.c reads each open one as. */
typedef enum { KENCHI_HTML_AS_FLOW, KENCHI_HTML_AS_COLUMN, KENCHI_HTML_AS_TABLE, KENCHI_HTML_AS_ROW,
    KENCHI_HTML_AS_CELL } kenchi_html_as_t;
typedef struct {
	struct {
		char name[16];
		kenchi_html_as_t as;
		gboolean flex;   /* a flex row: its children are its cells */
		int inner;       /* elements open inside it, read as flow */
	} e[16];
	int n;
} kenchi_html_layout_t;
/* An element NAME opens (not a void or self-closed one), with attribute
 * text [ATTRS, ATTRS+N), OUT the text so far: the name to read it as,
 * "td", "tr" or "table" when its style lays it out as one, else NAME. */
const char *kenchi_html_layout_open(kenchi_html_layout_t *l, const char *name, const char *attrs, gsize n,
				    const GString *out);
/* An end tag of NAME: the name to read it as; *COLUMN_END when it ends
 * an element laid out side by side with what follows. */
const char *kenchi_html_layout_close(kenchi_html_layout_t *l, const char *name, gboolean *column_end);

/* A row's first cell, OUT from AT, that broke inside: when short and
 * ending in a colon it is one label, its breaks made spaces (TRUE). */
gboolean kenchi_html_wrapped_label(GString *out, gsize at);

#endif
