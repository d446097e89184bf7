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
 * font-size 0; opacity 0; a height or width of 0 with overflow hidden; a transform
 * scale(0); text-indent, left or top of -999px or less (off the screen);
 * a clip-path inset(100%) or a clip rect(0,0,0,0).  Text that is
 * transparent or of its background's colour is not read either; as the
 * colours are inherited and painted over the ones around them, html.c
 * keeps them as it walks (kenchi_html_paint_*), and a <style> block's
 * rule is judged against white.
 * Not a browser: selectors other than ".class" and "#id" (alone or after a
 * tag name) are not followed. */
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

/* Each declaration of DECLS (a style attribute's value, or a rule's
 * body), cleaned (kenchi_html_css_clean): CB with the property and the
 * value, "!important" and the white space around it out, in order. */
static void
css_each(const char *decls, void (*cb)(const char *prop, char *value, gpointer user), gpointer user)
{
	char *css = kenchi_html_css_clean(decls), **parts = g_strsplit(css, ";", -1);

	for (int i = 0; parts[i]; i++) {
		char *colon = strchr(parts[i], ':'), *imp;

		if (colon == NULL)
			continue;
		*colon = '\0';
		if ((imp = strstr(colon + 1, "!important")) != NULL)
			*imp = '\0';
		cb(g_strstrip(parts[i]), g_strstrip(colon + 1), user);
	}
	g_strfreev(parts);
	g_free(css);
}

/* Colours.  A line is unseen when its text, painted over its background,
 * leaves the background as it was: transparent text, or text of the
 * background's colour.  So colours are read as CSS reads them, not as
 * strings: "#ffff", "hsl(0,0%,100%)", "rgb(100%,100%,100%)" and "white"
 * are one colour, "rgba(0,0,0,0)" and "#ff000000" none (reply round rr1
 * F1: each of these hid a close).  Exact: a near-white is seen. */
static const kenchi_rgba_t white = { 255, 255, 255, 255 }, black = { 0, 0, 0, 255 };

static guint8
channel(double d)
{
	return (guint8)(d <= 0 ? 0 : d >= 255 ? 255 : d + 0.5);
}

static gboolean
hex_color(const char *h, kenchi_rgba_t *c)
{
	gsize n = strlen(h), w;
	unsigned v[4] = { 0, 0, 0, 255 };

	if ((n != 3 && n != 4 && n != 6 && n != 8) || strspn(h, "0123456789abcdefABCDEF") != n)
		return FALSE;
	w = n <= 4 ? 1 : 2;   /* #rgb: each digit twice */
	for (gsize i = 0; i < n / w; i++)
		v[i] = w == 1 ? (unsigned)g_ascii_xdigit_value(h[i]) * 17 :
		    (unsigned)(g_ascii_xdigit_value(h[2 * i]) * 16 + g_ascii_xdigit_value(h[2 * i + 1]));
	*c = (kenchi_rgba_t){ (guint8)v[0], (guint8)v[1], (guint8)v[2], (guint8)v[3] };
	return TRUE;
}

/* "rgb(", "rgba(", "hsl(", "hsla(" at F: comma, space or slash separated
 * numbers, each maybe a percentage (or for a hue, in degrees). */
static gboolean
func_color(const char *f, kenchi_rgba_t *c)
{
	const char *open = strchr(f, '(');
	double v[4] = { 0, 0, 0, 1 };
	gboolean pct[4] = { FALSE }, hsl = f[0] == 'h';
	char *in, **tok;
	int n = 0;

	if (open == NULL || strchr(open, ')') == NULL || (open - f != 3 && !(open - f == 4 && f[3] == 'a')))
		return FALSE;
	in = g_strndup(open + 1, (gsize)(strchr(open, ')') - open - 1));
	tok = g_strsplit_set(in, ", \t\n/", -1);
	for (int i = 0; tok[i] && n <= 4; i++) {
		char *end;

		if (tok[i][0] == '\0')
			continue;
		if (n == 4) {
			n = 5;   /* one too many */
			break;
		}
		v[n] = g_ascii_strtod(tok[i], &end);
		pct[n] = strcmp(end, "%") == 0;
		if (end == tok[i] || !(pct[n] || *end == '\0' || (n == 0 && hsl && strcmp(end, "deg") == 0)))
			n = 5;
		else
			n++;
	}
	g_strfreev(tok);
	g_free(in);
	if (n != 3 && n != 4)
		return FALSE;
	c->a = channel((pct[3] ? v[3] / 100 : v[3]) * 255);
	if (!hsl) {
		c->r = channel(pct[0] ? v[0] * 2.55 : v[0]);
		c->g = channel(pct[1] ? v[1] * 2.55 : v[1]);
		c->b = channel(pct[2] ? v[2] * 2.55 : v[2]);
	} else {
		/* the hue in sixths of a turn, [0, 6) */
		double h = CLAMP(v[0], -1e9, 1e9) / 60, s = CLAMP(v[1] / 100, 0, 1), l = CLAMP(v[2] / 100, 0, 1);
		h -= 6 * (double)(gint64)(h / 6);
		h += h < 0 ? 6 : 0;
		int k = MIN((int)h, 5);
		double two = (k % 2) + (h - k) - 1;   /* h mod 2, less one */
		double ch = (1 - ABS(2 * l - 1)) * s, x = ch * (1 - ABS(two)), m = l - ch / 2;
		double rgb[6][3] = { { ch, x, 0 }, { x, ch, 0 }, { 0, ch, x }, { 0, x, ch }, { x, 0, ch }, { ch, 0, x } };

		c->r = channel((rgb[k][0] + m) * 255);
		c->g = channel((rgb[k][1] + m) * 255);
		c->b = channel((rgb[k][2] + m) * 255);
	}
	return TRUE;
}

gboolean
kenchi_html_color_parse(const char *v, kenchi_rgba_t *out)
{
	/* CSS's basic colours, and its grey spelt both ways */
	static const struct {
		const char *name;
		guint32 rgb;
	} names[] = { { "black", 0x000000 }, { "silver", 0xc0c0c0 }, { "gray", 0x808080 }, { "grey", 0x808080 },
		{ "white", 0xffffff }, { "maroon", 0x800000 }, { "red", 0xff0000 }, { "purple", 0x800080 },
		{ "fuchsia", 0xff00ff }, { "magenta", 0xff00ff }, { "green", 0x008000 }, { "lime", 0x00ff00 },
		{ "olive", 0x808000 }, { "yellow", 0xffff00 }, { "navy", 0x000080 }, { "blue", 0x0000ff },
		{ "teal", 0x008080 }, { "aqua", 0x00ffff }, { "cyan", 0x00ffff }, { "orange", 0xffa500 } };
	char *s = g_strstrip(g_ascii_strdown(v, -1));
	gboolean ok = FALSE;

	if (strcmp(s, "transparent") == 0) {
		*out = (kenchi_rgba_t){ 0, 0, 0, 0 };
		ok = TRUE;
	} else if (s[0] == '#') {
		ok = hex_color(s + 1, out);
	} else if (g_str_has_prefix(s, "rgb") || g_str_has_prefix(s, "hsl")) {
		ok = func_color(s, out);
	} else {
		for (gsize i = 0; i < G_N_ELEMENTS(names) && !ok; i++)
			if (strcmp(s, names[i].name) == 0) {
				*out = (kenchi_rgba_t){ names[i].rgb >> 16, (names[i].rgb >> 8) & 0xff, names[i].rgb & 0xff, 255 };
				ok = TRUE;
			}
	}
	g_free(s);
	return ok;
}

/* The colour in a "background" shorthand ("#fff url(x) no-repeat"): the
 * first word that is one, else transparent - the shorthand sets it. */
static kenchi_rgba_t
background_color(const char *v)
{
	kenchi_rgba_t c = { 0, 0, 0, 0 };
	int depth = 0;
	const char *w = v;

	for (const char *p = v;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if (*p == '\0' || (depth == 0 && g_ascii_isspace(*p))) {
			char *word = g_strndup(w, (gsize)(p - w));
			gboolean ok = *word && kenchi_html_color_parse(word, &c);

			g_free(word);
			if (ok || *p == '\0')
				return ok ? c : (kenchi_rgba_t){ 0, 0, 0, 0 };
			w = p + 1;
		}
	}
}

/* TOP painted over UNDER, an opaque colour. */
static kenchi_rgba_t
over(kenchi_rgba_t top, kenchi_rgba_t under)
{
	return (kenchi_rgba_t){ (guint8)((top.r * top.a + under.r * (255 - top.a) + 127) / 255),
		(guint8)((top.g * top.a + under.g * (255 - top.a) + 127) / 255),
		(guint8)((top.b * top.a + under.b * (255 - top.a) + 127) / 255), 255 };
}

static gboolean
unseen_on(kenchi_rgba_t fg, kenchi_rgba_t bg)
{
	kenchi_rgba_t t = over(fg, bg);

	return t.r == bg.r && t.g == bg.g && t.b == bg.b;
}

typedef struct {
	kenchi_rgba_t fg, bg;
	gboolean has_fg, has_bg;
} colors_t;

static void
take_color(const char *prop, char *value, gpointer user)
{
	colors_t *c = user;

	/* the last declaration wins, background and background-color alike */
	if (strcmp(prop, "color") == 0)
		c->has_fg = kenchi_html_color_parse(value, &c->fg);
	else if (strcmp(prop, "background-color") == 0)
		c->has_bg = kenchi_html_color_parse(value, &c->bg);
	else if (strcmp(prop, "background") == 0) {
		c->bg = background_color(value);
		c->has_bg = TRUE;
	}
}

/* Colour attribute NAME of a tag: as a browser reads a legacy one, a
 * "ffffff" without its '#' too. */
static gboolean
attr_color(const char *attrs, gsize n, const char *name, kenchi_rgba_t *c)
{
	char *v = kenchi_html_attr_value(attrs, n, name), *h;
	gboolean ok;

	if (v == NULL)
		return FALSE;
	h = g_strstrip(v);
	ok = kenchi_html_color_parse(h, c) || ((strlen(h) == 3 || strlen(h) == 6) && hex_color(h, c));
	g_free(v);
	return ok;
}

/* Text of its background's colour, or white on a page of no colour: for
 * the rules of a <style> block, whose element's surroundings are not
 * known. */
static gboolean
unseen_color(const char *decls)
{
	colors_t c = { .fg = black, .bg = white };

	css_each(decls, take_color, &c);
	return c.has_fg && unseen_on(c.fg, over(c.bg, white));
}

static const kenchi_rgba_t *
paint_top(const kenchi_html_paint_t *p, gboolean bg)
{
	return p->n == 0 ? (bg ? &white : &black) : bg ? &p->e[p->n - 1].bg : &p->e[p->n - 1].fg;
}

/* Leave the nearest open NAME (or, NAME2) unless STOP or STOP2 comes
 * first: the start of a cell, a row or a paragraph ends the one before. */
static void
paint_end_open(kenchi_html_paint_t *p, const char *name, const char *name2, const char *stop, const char *stop2)
{
	for (int i = p->n - 1; i >= 0; i--) {
		const char *e = p->e[i].name;

		if (strcmp(e, name) == 0 || g_strcmp0(e, name2) == 0) {
			p->n = i;
			return;
		}
		if (g_strcmp0(e, stop) == 0 || g_strcmp0(e, stop2) == 0)
			return;
	}
}

void
kenchi_html_paint_open(kenchi_html_paint_t *p, const char *name, const char *attrs, gsize n)
{
	colors_t c = { 0 };
	char *style;

	if (strcmp(name, "head") == 0 || strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
	    strcmp(name, "template") == 0)
		return;   /* never shown; html.c skips to their end */
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		paint_end_open(p, "td", "th", "tr", "table");
	else if (strcmp(name, "tr") == 0)
		paint_end_open(p, "tr", NULL, "table", NULL);
	else if (strcmp(name, "p") == 0 || strcmp(name, "li") == 0 || strcmp(name, "option") == 0)
		paint_end_open(p, name, NULL, "div", "td");
	if (p->n == KENCHI_HTML_PAINT_DEPTH) {
		p->over++;
		return;
	}
	/* Presentational attributes first; a style overrides them. */
	c.has_fg = (strcmp(name, "font") == 0 && attr_color(attrs, n, "color", &c.fg)) ||
	    (strcmp(name, "body") == 0 && attr_color(attrs, n, "text", &c.fg));
	c.has_bg = attr_color(attrs, n, "bgcolor", &c.bg);
	if ((style = kenchi_html_attr_value(attrs, n, "style")) != NULL) {
		css_each(style, take_color, &c);
		g_free(style);
	}
	g_strlcpy(p->e[p->n].name, name, sizeof p->e[p->n].name);
	p->e[p->n].fg = c.has_fg ? c.fg : *paint_top(p, FALSE);
	p->e[p->n].bg = c.has_bg ? over(c.bg, *paint_top(p, TRUE)) : *paint_top(p, TRUE);
	p->n++;
}

void
kenchi_html_paint_close(kenchi_html_paint_t *p, const char *name)
{
	if (p->over > 0) {
		p->over--;
		return;
	}
	for (int i = p->n - 1; i >= 0; i--)
		if (strcmp(p->e[i].name, name) == 0) {
			p->n = i;
			return;
		}
}

gboolean
kenchi_html_paint_unseen(const kenchi_html_paint_t *p)
{
	return unseen_on(*paint_top(p, FALSE), *paint_top(p, TRUE));
}

/* The properties css_hides_as() reads, and their last values. */
static const char *const hide_props[] = { "display", "visibility", "mso-hide", "font-size", "opacity", "height",
	"max-height", "width", "max-width", "overflow", "transform", "text-indent", "left", "top", "clip-path", "clip",
	NULL };

static void
take_hide_prop(const char *prop, char *v, gpointer user)
{
	char **val = user, *p, *q;

	/* white space out: "rect(0, 0, 0, 0)", "none" after a newline */
	for (p = q = v; *p; p++)
		if (!g_ascii_isspace(*p))
			*q++ = *p;
	*q = '\0';
	for (int k = 0; hide_props[k]; k++)
		if (strcmp(prop, hide_props[k]) == 0) {
			g_free(val[k]);
			val[k] = g_strdup(v);   /* the last one wins */
		}
}

/* CSS declarations DECLS hide; *VIS (when not NULL) is the last
 * visibility: 1 visible, 0 hidden or collapse, -1 none given.  NO_VIS:
 * judge as if no visibility was given.  COLORS: text of its background's
 * colour hides too - a style attribute's colours are judged against the
 * background in effect instead (kenchi_html_paint_unseen). */
static gboolean
css_hides_as(const char *decls, gboolean no_vis, gboolean colors, int *vis)
{
	char *val[G_N_ELEMENTS(hide_props)] = { NULL };
	gboolean hid;
	int k;

	css_each(decls, take_hide_prop, val);
	{
		/* indexes into hide_props[] */
		enum { d, vi, mso, fs, op, h, xh, w, xw, ov, tr, ti, le, to, cp, cl };
		gboolean clipped = val[ov] && strcmp(val[ov], "hidden") == 0;

		gboolean vis_hidden = val[vi] && (strcmp(val[vi], "hidden") == 0 || strcmp(val[vi], "collapse") == 0);

		if (vis)
			*vis = val[vi] == NULL ? -1 : vis_hidden ? 0 : strcmp(val[vi], "visible") == 0 ? 1 : -1;
		hid = (val[d] && strcmp(val[d], "none") == 0) || (vis_hidden && !no_vis) ||
		    (val[mso] && strcmp(val[mso], "all") == 0) || zero(val[fs]) || zero(val[op]) ||
		    (colors && unseen_color(decls)) ||
		    (clipped && (zero(val[h]) || zero(val[xh]) || zero(val[w]) || zero(val[xw]))) ||
		    (val[tr] && (strstr(val[tr], "scale(0)") || strstr(val[tr], "scale(0,") || strstr(val[tr], "scale(0.0"))) ||
		    far_off(val[ti]) || far_off(val[le]) || far_off(val[to]) ||
		    (val[cp] && (g_str_has_prefix(val[cp], "inset(100%") || g_str_has_prefix(val[cp], "inset(50%"))) ||
		    (val[cl] && (g_str_has_prefix(val[cl], "rect(0,0,0,0)") || g_str_has_prefix(val[cl], "rect(0px,0px,0px,0px)") ||
		     g_str_has_prefix(val[cl], "rect(0000)") || g_str_has_prefix(val[cl], "rect(0px0px0px0px)")));
	}
	for (k = 0; hide_props[k]; k++)
		g_free(val[k]);
	return hid;
}

gboolean
kenchi_html_css_hides(const char *decls)
{
	return css_hides_as(decls, FALSE, TRUE, NULL);
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
		hid = css_hides_as(v, TRUE, FALSE, &vis);
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
