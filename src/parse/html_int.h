/* html_int.h: what html.c (HTML to text) and html_hidden.c (whether an
 * element is shown, or a signature) share.  Not for use outside src/parse/html*.c. */
#ifndef KENCHI_HTML_INT_H
#define KENCHI_HTML_INT_H

#include <glib.h>

/* The character reference at S ('&', N bytes on) decoded into OUT;
 * the bytes it took, 0 when it is none (a literal '&'). */
gsize kenchi_html_entity(const char *s, gsize n, GString *out);
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
/* The tag opens a mail client's signature block, or the header of the
 * mail it quotes: its class or id is one a client gives them. */
gboolean kenchi_html_tag_signature(const char *attrs, gsize n);

#endif
