/* html_hidden.c: whether an HTML element is shown, for a reply read as the
 * analyst sees it (html.h, TYPED), and whether it is the signature the
 * analyst's mail client inserted.  A hidden line must never become a
 * command (rounds 36b, 41a), nor may a shown one be dropped, so the style
 * is read as a mail client reads it: the style attribute's value with its
 * character references decoded, CSS comments and escapes undone, and the
 * last declaration of a property winning; the hidden attribute; and the
 * classes and ids that a <style> block hides.
 *
 * Hidden is: display none; visibility hidden or collapse; mso-hide all;
 * font-size 0; opacity 0; color transparent, or the colour of its own
 * background (white when it sets none); a height or width of 0 with overflow hidden; a transform
 * scale(0); text-indent, left or top of -999px or less (off the screen);
 * a clip-path inset(100%) or a clip rect(0,0,0,0).
 * Not a browser: selectors other than ".class" and "#id" (alone or after a
 * tag name) are not followed. */
#include <stdio.h>
#include <string.h>
#include "parse/html_int.h"

char *
kenchi_html_attr_value(const char *t, gsize n, const char *name)
{
	gsize nl = strlen(name), i = 0;

	while (i < n) {
		gsize s, e;

		while (i < n && (g_ascii_isspace(t[i]) || t[i] == '/'))
			i++;
		s = i;
		while (i < n && !g_ascii_isspace(t[i]) && t[i] != '=' && t[i] != '>' && t[i] != '/')
			i++;
		e = i;
		while (i < n && g_ascii_isspace(t[i]))
			i++;
		if (i < n && t[i] == '=') {
			gsize vs, ve;
			char q = 0;

			for (i++; i < n && g_ascii_isspace(t[i]); i++)
				;
			if (i < n && (t[i] == '"' || t[i] == '\''))
				q = t[i++];
			vs = i;
			while (i < n && (q ? t[i] != q : !g_ascii_isspace(t[i])))
				i++;
			ve = i;
			if (q && i < n)
				i++;
			if (e - s == nl && g_ascii_strncasecmp(t + s, name, nl) == 0) {
				GString *v = g_string_sized_new(ve - vs);

				for (gsize k = vs; k < ve; ) {
					gsize used = t[k] == '&' ? kenchi_html_entity(t + k, ve - k, v) : 0;

					if (used)
						k += used;
					else
						g_string_append_c(v, t[k++]);
				}
				return g_string_free(v, FALSE);
			}
		} else if (e - s == nl && g_ascii_strncasecmp(t + s, name, nl) == 0) {
			return g_strdup("");   /* a boolean attribute */
		} else if (e == s) {
			i++;                   /* a stray character */
		}
	}
	return NULL;
}

char *
kenchi_html_css_clean(const char *s)
{
	GString *o = g_string_sized_new(strlen(s));

	while (*s) {
		if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");
			s = e ? e + 2 : s + strlen(s);
			g_string_append_c(o, ' ');
		} else if (s[0] == '\\' && s[1] != '\0') {
			gsize h = 0;
			gunichar c = 0;

			for (s++; h < 6 && g_ascii_isxdigit(s[h]); h++)
				c = c * 16 + (gunichar)g_ascii_xdigit_value(s[h]);
			if (h > 0) {
				s += h;
				if (*s == ' ' || *s == '\t' || *s == '\n')
					s++;
				if (c > 0 && g_unichar_validate(c))
					g_string_append_unichar(o, c);
			} else {
				g_string_append_c(o, *s++);
			}
		} else {
			g_string_append_c(o, g_ascii_tolower(*s++));
		}
	}
	return g_string_free(o, FALSE);
}

/* A length or number that is zero: "0", "0px", "0.0em", "0%". */
static gboolean
zero(const char *v)
{
	char *end;
	double d;

	if (v == NULL)
		return FALSE;
	d = g_ascii_strtod(v, &end);
	return end != v && d == 0.0;
}

/* A length of -999px or less: off the screen. */
static gboolean
far_off(const char *v)
{
	char *end;

	return v && g_ascii_strtod(v, &end) <= -999.0 && end != v;
}

/* A colour as "#rrggbb" when it is written as a name kenchi knows, #rgb,
 * #rrggbb or rgb(r,g,b) (white space already out); else a copy. */
static char *
color_norm(const char *v)
{
	static const char *const names[][2] = { { "white", "#ffffff" }, { "black", "#000000" }, { "red", "#ff0000" },
	    { "blue", "#0000ff" }, { "yellow", "#ffff00" }, { "silver", "#c0c0c0" }, { "gray", "#808080" },
	    { "grey", "#808080" } };
	unsigned r, g, b;
	char *w = g_strdup(v), *sp = strchr(w, ' ');

	if (sp)
		*sp = '\0';   /* "background: #fff url(...)": its colour */
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(w, names[i][0]) == 0) {
			g_free(w);
			return g_strdup(names[i][1]);
		}
	if (w[0] == '#' && strlen(w) == 4 && strspn(w + 1, "0123456789abcdef") == 3) {
		char *x = g_strdup_printf("#%c%c%c%c%c%c", w[1], w[1], w[2], w[2], w[3], w[3]);
		g_free(w);
		return x;
	}
	if (sscanf(w, "rgb(%u,%u,%u)", &r, &g, &b) == 3 || sscanf(w, "rgba(%u,%u,%u,", &r, &g, &b) == 3) {
		g_free(w);
		return g_strdup_printf("#%02x%02x%02x", MIN(r, 255u), MIN(g, 255u), MIN(b, 255u));
	}
	return w;
}

/* Text of its background's colour, or white on a page of no colour. */
static gboolean
unseen_color(const char *co, const char *bg, const char *bgc)
{
	char *c, *back;
	gboolean same;

	if (co == NULL)
		return FALSE;
	c = color_norm(co);
	back = bgc ? color_norm(bgc) : bg ? color_norm(bg) : g_strdup("#ffffff");
	same = strcmp(c, back) == 0;
	g_free(c);
	g_free(back);
	return same;
}

/* CSS declarations DECLS hide; *VIS (when not NULL) is the last
 * visibility: 1 visible, 0 hidden or collapse, -1 none given.  NO_VIS:
 * judge as if no visibility was given. */
static gboolean
css_hides_as(const char *decls, gboolean no_vis, int *vis)
{
	static const char *const props[] = { "display", "visibility", "mso-hide", "font-size", "opacity", "color",
	    "background", "background-color", "height", "max-height", "width", "max-width", "overflow", "transform",
	    "text-indent", "left", "top", "clip-path", "clip", NULL };
	char *val[G_N_ELEMENTS(props)] = { NULL };
	char *css = kenchi_html_css_clean(decls), **parts = g_strsplit(css, ";", -1);
	gboolean hid;
	int k;

	for (int i = 0; parts[i]; i++) {
		char *colon = strchr(parts[i], ':'), *v, *imp, *p, *q;

		if (colon == NULL)
			continue;
		*colon = '\0';
		g_strstrip(parts[i]);
		v = g_strstrip(colon + 1);
		if ((imp = strstr(v, "!important")) != NULL)
			*imp = '\0';
		/* white space out: "rgb(255, 255, 255)", "none" after a newline */
		for (p = q = v; *p; p++)
			if (!g_ascii_isspace(*p))
				*q++ = *p;
		*q = '\0';
		for (k = 0; props[k]; k++)
			if (strcmp(parts[i], props[k]) == 0) {
				g_free(val[k]);
				val[k] = g_strdup(v);   /* the last one wins */
			}
	}
	{
		/* indexes into props[] */
		enum { d, vi, mso, fs, op, co, bg, bgc, h, xh, w, xw, ov, tr, ti, le, to, cp, cl };
		gboolean clipped = val[ov] && strcmp(val[ov], "hidden") == 0;

		gboolean vis_hidden = val[vi] && (strcmp(val[vi], "hidden") == 0 || strcmp(val[vi], "collapse") == 0);

		if (vis)
			*vis = val[vi] == NULL ? -1 : vis_hidden ? 0 : strcmp(val[vi], "visible") == 0 ? 1 : -1;
		hid = (val[d] && strcmp(val[d], "none") == 0) || (vis_hidden && !no_vis) ||
		    (val[mso] && strcmp(val[mso], "all") == 0) || zero(val[fs]) || zero(val[op]) ||
		    (val[co] && strcmp(val[co], "transparent") == 0) ||
		    unseen_color(val[co], val[bg], val[bgc]) ||
		    (clipped && (zero(val[h]) || zero(val[xh]) || zero(val[w]) || zero(val[xw]))) ||
		    (val[tr] && (strstr(val[tr], "scale(0)") || strstr(val[tr], "scale(0,") || strstr(val[tr], "scale(0.0"))) ||
		    far_off(val[ti]) || far_off(val[le]) || far_off(val[to]) ||
		    (val[cp] && (g_str_has_prefix(val[cp], "inset(100%") || g_str_has_prefix(val[cp], "inset(50%"))) ||
		    (val[cl] && (g_str_has_prefix(val[cl], "rect(0,0,0,0)") || g_str_has_prefix(val[cl], "rect(0px,0px,0px,0px)") ||
		     g_str_has_prefix(val[cl], "rect(0000)") || g_str_has_prefix(val[cl], "rect(0px0px0px0px)")));
	}
	for (k = 0; props[k]; k++)
		g_free(val[k]);
	g_strfreev(parts);
	g_free(css);
	return hid;
}

gboolean
kenchi_html_css_hides(const char *decls)
{
	return css_hides_as(decls, FALSE, NULL);
}

void
kenchi_html_style_block(const char *css, gsize n, GPtrArray *hidden)
{
	char *text = g_strndup(css, n), *p = text;

	for (;;) {
		char *open = strchr(p, '{'), *close;

		if (open == NULL || (close = strchr(open, '}')) == NULL)
			break;
		*open = *close = '\0';
		if (kenchi_html_css_hides(open + 1)) {
			char *sel = kenchi_html_css_clean(p), **list = g_strsplit(sel, ",", -1);

			for (int i = 0; list[i]; i++) {
				const char *s = g_strstrip(list[i]), *m = s + strcspn(s, ".#");

				/* ".x", "#x", "div.x": one simple selector */
				if (*m && strpbrk(s, " >+~:[*") == NULL && strpbrk(m + 1, ".#") == NULL && m[1])
					g_ptr_array_add(hidden, g_strdup(m));
			}
			g_strfreev(list);
			g_free(sel);
		}
		p = close + 1;
	}
	g_free(text);
}

kenchi_html_shown_t
kenchi_html_tag_shown(const char *attrs, gsize n, const GPtrArray *hidden)
{
	char *v;
	gboolean hid = FALSE;
	int vis = -1;

	if ((v = kenchi_html_attr_value(attrs, n, "hidden")) != NULL) {
		g_free(v);
		return KENCHI_HTML_HIDDEN;
	}
	if ((v = kenchi_html_attr_value(attrs, n, "style")) != NULL) {
		hid = css_hides_as(v, TRUE, &vis);
		g_free(v);
	}
	if (!hid && hidden && hidden->len > 0) {
		static const char *const kinds[][2] = { { "class", "." }, { "id", "#" } };

		for (gsize k = 0; k < G_N_ELEMENTS(kinds) && !hid; k++) {
			char **names;

			if ((v = kenchi_html_attr_value(attrs, n, kinds[k][0])) == NULL)
				continue;
			names = g_strsplit_set(v, " \t\n", -1);
			for (int i = 0; names[i] && !hid; i++) {
				char *sel = g_strconcat(kinds[k][1], names[i], NULL), *low = g_ascii_strdown(sel, -1);

				for (guint j = 0; j < hidden->len && !hid; j++)
					hid = strcmp(g_ptr_array_index(hidden, j), low) == 0;
				g_free(low);
				g_free(sel);
			}
			g_strfreev(names);
			g_free(v);
		}
	}
	/* visibility is inherited, and a child may set it back to visible
	 * (round 41a x07): a hidden box that only it hides says so */
	return hid ? KENCHI_HTML_HIDDEN : vis == 0 ? KENCHI_HTML_INVISIBLE : vis == 1 ? KENCHI_HTML_VISIBLE :
	    KENCHI_HTML_SHOWN;
}

/* For an alert, hidden is only what every mail client hides: the hidden
 * attribute, display none, visibility (as kenchi_html_tag_shown), and a
 * box clipped to no height (max-height: 0 and overflow hidden, a
 * preheader's).  Not font-size 0 (a fluid layout's parent, whose children
 * size their text again), a colour (white text on a cell an ancestor
 * paints dark), mso-hide (the copy every client but Outlook shows), nor
 * the rules of <style> blocks (inside @media, or print only): round 53's
 * alerts lost their id, hash and severity, or every field, to them. */
kenchi_html_shown_t
kenchi_html_tag_shown_alert(const char *attrs, gsize n)
{
	char *v, *css, **parts;
	gboolean none = FALSE, clipped = FALSE, flat = FALSE;
	int vis = -1;

	if ((v = kenchi_html_attr_value(attrs, n, "hidden")) != NULL) {
		g_free(v);
		return KENCHI_HTML_HIDDEN;
	}
	if ((v = kenchi_html_attr_value(attrs, n, "style")) == NULL)
		return KENCHI_HTML_SHOWN;
	css = kenchi_html_css_clean(v);
	parts = g_strsplit(css, ";", -1);
	for (int i = 0; parts[i]; i++) {
		char *colon = strchr(parts[i], ':'), *val, *imp;

		if (colon == NULL)
			continue;
		*colon = '\0';
		g_strstrip(parts[i]);
		val = g_strstrip(colon + 1);
		if ((imp = strstr(val, "!important")) != NULL)
			*imp = '\0';
		g_strstrip(val);
		if (strcmp(parts[i], "display") == 0)
			none = strcmp(val, "none") == 0;
		else if (strcmp(parts[i], "visibility") == 0)
			vis = strcmp(val, "hidden") == 0 || strcmp(val, "collapse") == 0 ? 0 : strcmp(val, "visible") == 0 ? 1 : -1;
		else if (strcmp(parts[i], "overflow") == 0)
			clipped = strcmp(val, "hidden") == 0;
		else if (strcmp(parts[i], "max-height") == 0 || strcmp(parts[i], "height") == 0)
			flat = zero(val);
	}
	g_strfreev(parts);
	g_free(css);
	g_free(v);
	if (none || (clipped && flat))
		return KENCHI_HTML_HIDDEN;
	return vis == 0 ? KENCHI_HTML_INVISIBLE : vis == 1 ? KENCHI_HTML_VISIBLE : KENCHI_HTML_SHOWN;
}

gboolean
kenchi_html_tag_hidden(const char *attrs, gsize n, const GPtrArray *hidden)
{
	kenchi_html_shown_t s = kenchi_html_tag_shown(attrs, n, hidden);

	return s == KENCHI_HTML_HIDDEN || s == KENCHI_HTML_INVISIBLE;
}

gboolean
kenchi_html_tag_signature(const char *attrs, gsize n)
{
	/* What clients put around the signature they insert: Gmail,
	 * Thunderbird, Outlook for iOS and Android, Apple Mail, Roundcube,
	 * Yahoo, and the id "Signature" of Outlook on the web and new
	 * Outlook; and around the quoted mail's header: Outlook on the web's
	 * divRplyFwdMsg, Gmail's gmail_quote.  A class "signature" is
	 * anybody's, and not taken; nor is Word's paragraph style MsoAutoSig,
	 * which the paragraphs typed above a signature may inherit (round
	 * 45). */
	static const char *const sig[] = { "gmail_signature", "moz-signature", "ms-outlook-mobile-signature",
	    "AppleMailSignature", "_rc_sig", "ymail_android_signature", "divRplyFwdMsg", "gmail_quote", NULL };
	static const char *const kinds[] = { "class", "id" };
	gboolean found = FALSE;

	for (gsize k = 0; k < G_N_ELEMENTS(kinds) && !found; k++) {
		char *v = kenchi_html_attr_value(attrs, n, kinds[k]), **names;

		if (v == NULL)
			continue;
		names = g_strsplit_set(v, " \t\n\r\f", -1);
		for (int i = 0; names[i] && !found; i++)
			found = g_strv_contains(sig, names[i]) ||
			    (g_ascii_strcasecmp(names[i], "signature") == 0 && k == 1);
		g_strfreev(names);
		g_free(v);
	}
	return found;
}
