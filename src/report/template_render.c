/* template_render.c - rendering a compiled template (see template.h): a
 * recursive walk over op index ranges with a stack of JSON contexts; values
 * are escaped as the template's mode says.  Rendering cannot fail. */
#include "report/template_int.h"
#include "report/defang.h"
#include "parse/normalize.h"

#include <string.h>

/* -------------------------------------------------------------- render */

typedef struct {
	JsonNode *node;
	gint index; /* position in the enclosing array, or -1 */
	gint count; /* length of the enclosing array */
} frame_t;

typedef struct {
	frame_t *frames;
	guint n, cap;
} stack_t_;

static void
stack_push(stack_t_ *s, JsonNode *node, gint index, gint count)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->frames = g_renew(frame_t, s->frames, s->cap);
	}
	s->frames[s->n].node = node;
	s->frames[s->n].index = index;
	s->frames[s->n].count = count;
	s->n++;
}

static JsonNode *
lookup(const op_t *op, const stack_t_ *s)
{
	JsonNode *node = NULL;

	if (s->n == 0)
		return NULL;
	if (op->segs == NULL)
		return s->frames[s->n - 1].node;
	for (guint i = s->n; i-- > 0;) {
		JsonNode *f = s->frames[i].node;

		if (f != NULL && JSON_NODE_HOLDS_OBJECT(f)) {
			node = json_object_get_member(json_node_get_object(f), op->segs[0]);
			if (node != NULL)
				break;
		}
	}
	for (guint k = 1; node != NULL && k < op->nsegs; k++) {
		if (JSON_NODE_HOLDS_OBJECT(node)) {
			node = json_object_get_member(json_node_get_object(node), op->segs[k]);
		} else if (JSON_NODE_HOLDS_ARRAY(node) && op->index[k] >= 0) {
			JsonArray *a = json_node_get_array(node);

			node = (guint)op->index[k] < json_array_get_length(a)
			               ? json_array_get_element(a, (guint)op->index[k])
			               : NULL;
		} else {
			node = NULL;
		}
	}
	return node;
}

static const frame_t *
loop_frame(const stack_t_ *s)
{
	for (guint i = s->n; i-- > 0;)
		if (s->frames[i].index >= 0)
			return &s->frames[i];
	return NULL;
}

/* Scalar text of NODE: borrowed string, or formatted into BUF. */
static const char *
node_text(JsonNode *node, char *buf, gsize bufsize)
{
	GType type;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return "";
	type = json_node_get_value_type(node);
	if (type == G_TYPE_STRING) {
		const char *s = json_node_get_string(node);

		return s ? s : "";
	}
	if (type == G_TYPE_INT64 || type == G_TYPE_INT || type == G_TYPE_UINT || type == G_TYPE_LONG ||
	    type == G_TYPE_UINT64 || type == G_TYPE_ULONG) {
		g_snprintf(buf, bufsize, "%" G_GINT64_FORMAT, json_node_get_int(node));
		return buf;
	}
	if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT)
		return g_ascii_formatd(buf, (int)bufsize, "%g", json_node_get_double(node));
	if (type == G_TYPE_BOOLEAN)
		return json_node_get_boolean(node) ? "true" : "false";
	return "";
}

static gboolean
truthy(JsonNode *node)
{
	GType type;

	if (node == NULL)
		return FALSE;
	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_NULL:
		return FALSE;
	case JSON_NODE_OBJECT:
		return TRUE;
	case JSON_NODE_ARRAY:
		return json_array_get_length(json_node_get_array(node)) > 0;
	case JSON_NODE_VALUE:
		break;
	}
	type = json_node_get_value_type(node);
	if (type == G_TYPE_STRING) {
		const char *s = json_node_get_string(node);

		return s != NULL && *s != '\0';
	}
	if (type == G_TYPE_BOOLEAN)
		return json_node_get_boolean(node);
	if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT)
		return json_node_get_double(node) != 0.0;
	return json_node_get_int(node) != 0;
}

static void
append_html(GString *out, const char *s, gsize len)
{
	const char *run = s;

	for (gsize i = 0; i < len; i++) {
		const char *rep;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		g_string_append_len(out, run, s + i - run);
		g_string_append(out, rep);
		run = s + i + 1;
	}
	g_string_append_len(out, run, s + len - run);
}

/* Length of the bidi control at U, or 0: U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069.  Why a report shows them as "[U+202E]":
 * "invoice<U+202E>fdp.exe" displays as "invoiceexe.pdf" (rp1 F5), and the
 * control is exactly what the customer must see; the stored event keeps
 * the value as it came. */
static gsize
bidi_control(const unsigned char *u)
{
	if (u[0] == 0xd8 && u[1] == 0x9c)
		return 2;
	if (u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0x8e || u[2] == 0x8f || (u[2] >= 0xaa && u[2] <= 0xae)))
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9)
		return 3;
	return 0;
}

/* Append value S with the template's context escaping. */
static void
append_value(const kenchi_template_t *t, gboolean force_html, GString *out, const char *s)
{
	GString *tmp = NULL;
	const unsigned char *u = (const unsigned char *)s;
	gsize len = strlen(s), run = 0, i = 0;
	gboolean html = force_html || t->mode == KENCHI_ESC_HTML;
	gboolean header = t->mode == KENCHI_ESC_HEADER;
	GString *dst;

	/* First pass: replace unsafe control characters into TMP (rare). */
	if (html) {
		tmp = g_string_sized_new(len + 16);
		dst = tmp;
	} else {
		dst = out;
	}
	while (i < len) {
		gsize skip = 0;
		char mark[sizeof "[U+202E]"] = " ";

		if (u[i] < 0x20 || u[i] == 0x7f) {
			gboolean keep;

			if (header)
				keep = FALSE;
			else if (u[i] == '\t')
				keep = TRUE;
			else if (u[i] == '\n' || u[i] == '\r')
				keep = t->keep_newlines || t->mode == KENCHI_ESC_HTML;
			else
				keep = FALSE;
			if (!keep)
				skip = 1;
		} else if (u[i] == 0xc2 && u[i + 1] == 0x85) {
			skip = 2; /* U+0085 NEL */
		} else if (u[i] == 0xe2 && u[i + 1] == 0x80 && (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
			/* U+2028, U+2029: kenchi_norm_text made them spaces in values
			 * stored since rp1 F4; older ones and the analyst's text too */
			skip = 3;
		} else if ((skip = bidi_control(u + i)) > 0) {
			g_snprintf(mark, sizeof mark, "[U+%04X]", (unsigned)g_utf8_get_char(s + i));
		}
		if (skip) {
			g_string_append_len(dst, s + run, (gssize)(i - run));
			g_string_append(dst, mark);
			i += skip;
			run = i;
		} else {
			i++;
		}
	}
	g_string_append_len(dst, s + run, (gssize)(len - run));
	if (html) {
		append_html(out, tmp->str, tmp->len);
		g_string_free(tmp, TRUE);
	}
}

static char *
format_date(const char *s, GTimeZone *tz)
{
	GDateTime *dt = NULL, *conv;
	GTimeZone *utc;
	char res[20];
	gboolean digits = *s != '\0';

	for (const char *p = s; *p; p++)
		if (!g_ascii_isdigit(*p))
			digits = FALSE;
	if (digits) {
		guint64 secs;

		if (g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT64 / 2, &secs, NULL))
			dt = g_date_time_new_from_unix_utc((gint64)secs);
	} else {
		utc = g_time_zone_new_utc();
		dt = g_date_time_new_from_iso8601(s, utc);
		g_time_zone_unref(utc);
	}
	if (dt == NULL)
		return g_strdup(s);
	conv = g_date_time_to_timezone(dt, tz);
	g_date_time_unref(dt);
	/* A time the zone cannot show (9999-12-31T23:59:59Z is in year 10000
	 * in JST) is none there: its UTC form under a "JST" label was a
	 * wrong time (report round rp1 F11); a default takes its place. */
	if (conv == NULL)
		return g_strdup("");
	kenchi_date_text(conv, ' ', res);
	g_date_time_unref(conv);
	return g_strdup(res);
}

static char *
collapse_oneline(const char *s)
{
	GString *out = g_string_sized_new(strlen(s));
	gboolean in_ws = FALSE;

	for (const char *p = s; *p; p++) {
		if (*p == '\r' || *p == '\n' || *p == '\t') {
			if (!in_ws)
				g_string_append_c(out, ' ');
			in_ws = TRUE;
		} else {
			g_string_append_c(out, *p);
			in_ws = FALSE;
		}
	}
	return g_string_free(out, FALSE);
}

static void
render_var(const kenchi_template_t *t, const op_t *op, const stack_t_ *s, GString *out)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE + 32];
	const char *val;
	char *owned = NULL;

	if (op->special != SPECIAL_NONE) {
		const frame_t *f = loop_frame(s);

		if (f == NULL)
			val = "";
		else if (op->special == SPECIAL_INDEX) {
			g_snprintf(buf, sizeof buf, "%d", f->index + 1);
			val = buf;
		} else if (op->special == SPECIAL_FIRST)
			val = f->index == 0 ? "true" : "false";
		else
			val = f->index == f->count - 1 ? "true" : "false";
	} else {
		val = node_text(lookup(op, s), buf, sizeof buf);
	}
	for (guint i = 0; i < op->nfilters; i++) {
		const filter_t *f = &op->filters[i];
		char *next = NULL;

		switch (f->kind) {
		case FILTER_DEFAULT:
			if (*val == '\0')
				val = f->arg;
			continue;
		case FILTER_HTML:
			continue; /* applied at output, after the other filters */
		case FILTER_DEFANG:
			next = kenchi_defang(val);
			break;
		case FILTER_UPPER:
			next = g_utf8_strup(val, -1);
			break;
		case FILTER_LOWER:
			next = g_utf8_strdown(val, -1);
			break;
		case FILTER_JST:
		case FILTER_UTC:
			if (*val == '\0')
				continue;
			next = format_date(val, f->tz);
			break;
		case FILTER_ONELINE:
			next = collapse_oneline(val);
			break;
		case FILTER_AMP_LINK:
			if (!kenchi_is_amp_console_link(val))
				val = "";
			continue;
		}
		g_free(owned);
		owned = next;
		val = next;
	}
	append_value(t, op->force_html, out, val);
	g_free(owned);
}

static gboolean
special_truthy(const op_t *op, const stack_t_ *s)
{
	const frame_t *f = loop_frame(s);

	if (f == NULL)
		return FALSE;
	switch (op->special) {
	case SPECIAL_INDEX: return TRUE; /* 1-based, never 0 */
	case SPECIAL_FIRST: return f->index == 0;
	case SPECIAL_LAST: return f->index == f->count - 1;
	case SPECIAL_NONE: break;
	}
	return FALSE;
}

static void
render_range(const kenchi_template_t *t, guint from, guint to, stack_t_ *s, GString *out)
{
	guint i = from;

	while (i < to) {
		const op_t *op = &g_array_index(t->ops, op_t, i);

		switch (op->kind) {
		case OP_TEXT:
			g_string_append_len(out, op->text, (gssize)op->len);
			i++;
			break;
		case OP_VAR:
			render_var(t, op, s, out);
			i++;
			break;
		case OP_SECTION:
		case OP_INVERTED: {
			JsonNode *node = NULL;
			gboolean on;

			if (op->special != SPECIAL_NONE) {
				on = special_truthy(op, s);
			} else {
				node = lookup(op, s);
				on = truthy(node);
			}
			if (op->kind == OP_INVERTED) {
				if (!on)
					render_range(t, i + 1, op->body_end, s, out);
			} else if (on && op->special != SPECIAL_NONE) {
				render_range(t, i + 1, op->body_end, s, out);
			} else if (on && JSON_NODE_HOLDS_ARRAY(node)) {
				JsonArray *a = json_node_get_array(node);
				guint n = json_array_get_length(a);

				for (guint k = 0; k < n; k++) {
					stack_push(s, json_array_get_element(a, k), (gint)k, (gint)n);
					render_range(t, i + 1, op->body_end, s, out);
					s->n--;
				}
			} else if (on) {
				stack_push(s, node, -1, 0);
				render_range(t, i + 1, op->body_end, s, out);
				s->n--;
			}
			i = op->body_end;
			break;
		}
		}
	}
}

void
kenchi_template_render_to(const kenchi_template_t *t, JsonNode *data, GString *out)
{
	stack_t_ s = { 0 };

	g_return_if_fail(t != NULL && out != NULL);
	stack_push(&s, data, -1, 0);
	render_range(t, 0, t->ops->len, &s, out);
	g_free(s.frames);
}

char *
kenchi_template_render(const kenchi_template_t *t, JsonNode *data)
{
	GString *out = g_string_sized_new(2048);

	if (t != NULL)
		kenchi_template_render_to(t, data, out);
	return g_string_free(out, FALSE);
}

