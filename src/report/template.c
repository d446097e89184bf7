/*
 * template.c - compile mustache-like templates to a flat op list once, render
 * many times (see template.h for the language).
 *
 * Decisions a reader might question:
 *  - Sections are ops that carry the index just past their body; rendering is
 *    a recursive walk over index ranges.  No AST, no per-render parsing: a
 *    render is lookups plus appends into one GString.
 *  - Paths are split and array indexes parsed at compile time.
 *  - Escaping is a property of the compiled template, not of the tag, so a
 *    Subject template cannot forget it.  There is deliberately no "raw" tag.
 *  - Compile errors are collected (not first-only) and joined into one
 *    GError, one "name:line: message" per line.
 */
#include "report/template.h"
#include "report/defang.h"

#include <errno.h>
#include <string.h>

#define MAX_ERRORS 20

G_DEFINE_QUARK(kenchi-template-error-quark, kenchi_template_error)

/* ---------------------------------------------------------------- types */

typedef enum {
	FILTER_DEFAULT,
	FILTER_DEFANG,
	FILTER_UPPER,
	FILTER_LOWER,
	FILTER_JST,
	FILTER_UTC,
	FILTER_HTML,
	FILTER_ONELINE,
} filter_kind_t;

typedef struct {
	filter_kind_t kind;
	char *arg;       /* owned; default: text */
	GTimeZone *tz;   /* owned ref; jst/utc */
} filter_t;

typedef enum {
	SPECIAL_NONE,
	SPECIAL_INDEX,
	SPECIAL_FIRST,
	SPECIAL_LAST,
} special_t;

typedef enum {
	OP_TEXT,
	OP_VAR,
	OP_SECTION,
	OP_INVERTED,
} op_kind_t;

typedef struct {
	op_kind_t kind;
	/* OP_TEXT */
	char *text;          /* owned */
	gsize len;
	/* OP_VAR, OP_SECTION, OP_INVERTED */
	char *path_str;      /* owned; as written, for matching close tags */
	char **segs;         /* owned (g_strfreev); NULL for "." */
	gint *index;         /* owned; per segment: array index or -1 */
	guint nsegs;
	special_t special;
	filter_t *filters;   /* owned */
	guint nfilters;
	gboolean force_html;
	/* sections: index of the first op after the body */
	guint body_end;
	guint line;
} op_t;

struct kenchi_template {
	char *name;  /* owned */
	GArray *ops; /* of op_t, owned */
	int mode;    /* KENCHI_ESC_TEXT / HEADER / HTML */
	gboolean keep_newlines;
};

struct kenchi_report_template {
	kenchi_template_t *subject; /* owned */
	kenchi_template_t *body;    /* owned */
};

/* ------------------------------------------------------------- compile */

typedef struct {
	const char *name;
	GString *errors;
	guint nerrors;
} diag_t;

G_GNUC_PRINTF(3, 4) static void
diag_add(diag_t *d, guint line, const char *fmt, ...)
{
	va_list ap;

	d->nerrors++;
	if (d->nerrors > MAX_ERRORS)
		return;
	if (d->errors->len > 0)
		g_string_append_c(d->errors, '\n');
	g_string_append_printf(d->errors, "%s:%u: ", d->name, line);
	va_start(ap, fmt);
	g_string_append_vprintf(d->errors, fmt, ap);
	va_end(ap);
}

static void
op_clear(op_t *op)
{
	g_free(op->text);
	g_free(op->path_str);
	g_strfreev(op->segs);
	g_free(op->index);
	for (guint i = 0; i < op->nfilters; i++) {
		g_free(op->filters[i].arg);
		if (op->filters[i].tz != NULL)
			g_time_zone_unref(op->filters[i].tz);
	}
	g_free(op->filters);
}

static gboolean
valid_path_char(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* Parse PATH into OP.  Returns FALSE (and reports) when it is not valid. */
static gboolean
parse_path(diag_t *d, guint line, const char *path, op_t *op)
{
	if (*path == '\0') {
		diag_add(d, line, "empty tag");
		return FALSE;
	}
	op->path_str = g_strdup(path);
	if (strcmp(path, ".") == 0)
		return TRUE;
	if (path[0] == '@') {
		if (strcmp(path, "@index") == 0)
			op->special = SPECIAL_INDEX;
		else if (strcmp(path, "@first") == 0)
			op->special = SPECIAL_FIRST;
		else if (strcmp(path, "@last") == 0)
			op->special = SPECIAL_LAST;
		else {
			diag_add(d, line, "unknown loop variable '%s' (use @index, @first, @last)", path);
			return FALSE;
		}
		return TRUE;
	}
	for (const char *p = path; *p; p++) {
		if (!valid_path_char(*p)) {
			diag_add(d, line, "invalid character '%c' in path '%s'", *p, path);
			return FALSE;
		}
	}
	op->segs = g_strsplit(path, ".", -1);
	op->nsegs = g_strv_length(op->segs);
	op->index = g_new(gint, op->nsegs);
	for (guint i = 0; i < op->nsegs; i++) {
		const char *s = op->segs[i];
		gboolean digits = *s != '\0';

		if (*s == '\0') {
			diag_add(d, line, "empty segment in path '%s'", path);
			return FALSE;
		}
		for (const char *p = s; *p; p++)
			if (!g_ascii_isdigit(*p))
				digits = FALSE;
		op->index[i] = -1;
		if (digits) {
			guint64 v = 0;

			if (i == 0 || !g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT, &v, NULL)) {
				diag_add(d, line, "array index '%s' not allowed here in '%s'", s, path);
				return FALSE;
			}
			op->index[i] = (gint)v;
		}
	}
	return TRUE;
}

static gboolean
parse_filter(diag_t *d, guint line, char *spec, filter_t *f)
{
	char *colon = strchr(spec, ':');
	char *arg = NULL;
	static const struct {
		const char *name;
		filter_kind_t kind;
	} names[] = {
		{ "default", FILTER_DEFAULT }, { "defang", FILTER_DEFANG }, { "upper", FILTER_UPPER },
		{ "lower", FILTER_LOWER },     { "jst", FILTER_JST },       { "utc", FILTER_UTC },
		{ "html", FILTER_HTML },       { "oneline", FILTER_ONELINE },
	};
	gboolean found = FALSE;

	if (colon != NULL) {
		*colon = '\0';
		arg = colon + 1;
	}
	g_strstrip(spec);
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		if (strcmp(spec, names[i].name) == 0) {
			f->kind = names[i].kind;
			found = TRUE;
			break;
		}
	}
	if (!found) {
		if (*spec == '\0')
			diag_add(d, line, "empty filter");
		else
			diag_add(d, line, "unknown filter '%s'", spec);
		return FALSE;
	}
	if (f->kind == FILTER_DEFAULT) {
		if (arg == NULL || *arg == '\0') {
			diag_add(d, line, "filter 'default' needs a text: default:TEXT");
			return FALSE;
		}
		f->arg = g_strdup(arg);
	} else if (arg != NULL) {
		diag_add(d, line, "filter '%s' takes no argument", spec);
		return FALSE;
	}
	if (f->kind == FILTER_JST)
		f->tz = g_time_zone_new_offset(9 * 3600);
	else if (f->kind == FILTER_UTC)
		f->tz = g_time_zone_new_utc();
	return TRUE;
}

/* Parse a variable tag body "path|f|f:arg" into OP. */
static gboolean
parse_var(diag_t *d, guint line, const char *body, op_t *op)
{
	char **parts = g_strsplit(body, "|", -1);
	guint n = g_strv_length(parts);
	gboolean ok = TRUE;

	if (n == 0) { /* g_strsplit("") gives an empty vector */
		diag_add(d, line, "empty tag");
		g_strfreev(parts);
		return FALSE;
	}
	g_strstrip(parts[0]);
	if (!parse_path(d, line, parts[0], op))
		ok = FALSE;
	if (n > 1) {
		op->filters = g_new0(filter_t, n - 1);
		for (guint i = 1; i < n; i++) {
			if (!parse_filter(d, line, parts[i], &op->filters[op->nfilters])) {
				ok = FALSE;
				continue;
			}
			if (op->filters[op->nfilters].kind == FILTER_HTML)
				op->force_html = TRUE;
			op->nfilters++;
		}
	}
	g_strfreev(parts);
	return ok;
}

typedef struct {
	guint op_index;
	guint line;
} open_t;

static void
emit_text(GArray *ops, const char *s, gsize len)
{
	op_t op = { 0 };

	if (len == 0)
		return;
	op.kind = OP_TEXT;
	op.text = g_strndup(s, len);
	op.len = len;
	g_array_append_val(ops, op);
}

static guint
count_lines(const char *from, const char *to)
{
	guint n = 0;

	for (const char *p = from; p < to; p++)
		if (*p == '\n')
			n++;
	return n;
}

static kenchi_template_t *
compile(const char *name, const char *text, guint first_line, kenchi_escape_t esc, GError **error)
{
	kenchi_template_t *t = g_new0(kenchi_template_t, 1);
	diag_t d = { name, g_string_new(NULL), 0 };
	GArray *open = g_array_new(FALSE, FALSE, sizeof(open_t));
	const char *p = text, *lit = text, *end;
	const char *line_pos = text; /* position LINE refers to */
	guint line = first_line;

	t->name = g_strdup(name);
	t->ops = g_array_new(FALSE, TRUE, sizeof(op_t));
	t->mode = (int)esc & 0xff;
	t->keep_newlines = ((int)esc & KENCHI_ESC_KEEP_NEWLINES) != 0;
	if (t->mode > KENCHI_ESC_HTML) {
		diag_add(&d, first_line, "invalid escape mode %d", t->mode);
		goto done;
	}
	if (!g_utf8_validate(text, -1, &end)) {
		diag_add(&d, first_line + count_lines(text, end), "invalid UTF-8");
		goto done;
	}

	while ((p = strstr(p, "{{")) != NULL) {
		const char *close, *after, *ls, *le;
		char sigil;
		char *body;
		guint tag_line;
		gboolean standalone = FALSE;
		op_t op = { 0 };

		line += count_lines(line_pos, p);
		line_pos = p;
		tag_line = line;
		close = strstr(p + 2, "}}");
		sigil = p[2];
		if (close == NULL) {
			diag_add(&d, tag_line, "unterminated '{{'");
			break;
		}
		if (sigil != '!') {
			/* a newline or another "{{" before "}}" means this tag was
			 * never closed; report it here, not at some later "}}" */
			const char *nl = memchr(p + 2, '\n', (gsize)(close - p - 2));
			const char *nested = g_strstr_len(p + 2, close - p - 2, "{{");

			if (nl != NULL || nested != NULL) {
				diag_add(&d, tag_line, "unterminated '{{'");
				p += 2;
				continue;
			}
		}
		after = close + 2;

		/* standalone: only whitespace around a section/comment tag on its line */
		if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!') {
			ls = p;
			while (ls > text && (ls[-1] == ' ' || ls[-1] == '\t'))
				ls--;
			le = after;
			while (*le == ' ' || *le == '\t')
				le++;
			if ((ls == text || ls[-1] == '\n') && ls >= lit &&
			    (*le == '\n' || *le == '\0' || (le[0] == '\r' && le[1] == '\n'))) {
				standalone = TRUE;
				emit_text(t->ops, lit, (gsize)(ls - lit));
				if (*le == '\r')
					le++;
				if (*le == '\n')
					le++;
				lit = le;
			}
		}
		if (!standalone) {
			emit_text(t->ops, lit, (gsize)(p - lit));
			lit = after;
		}

		body = g_strndup(p + 2 + (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!'),
		                 (gsize)(close - p - 2) - (sigil == '#' || sigil == '^' || sigil == '/' ||
		                                           sigil == '!'));
		g_strstrip(body);
		op.line = tag_line;
		switch (sigil) {
		case '!':
			break;
		case '#':
		case '^':
			op.kind = sigil == '#' ? OP_SECTION : OP_INVERTED;
			if (strchr(body, '|') != NULL) {
				diag_add(&d, tag_line, "filters are not allowed on section tags");
				op_clear(&op);
			} else if (parse_path(&d, tag_line, body, &op)) {
				open_t o = { t->ops->len, tag_line };

				g_array_append_val(t->ops, op);
				g_array_append_val(open, o);
			} else {
				op_clear(&op);
			}
			break;
		case '/': {
			gint match = -1;

			if (*body == '\0') {
				diag_add(&d, tag_line, "empty tag");
				break;
			}
			for (gint i = (gint)open->len - 1; i >= 0; i--) {
				open_t *o = &g_array_index(open, open_t, i);

				if (strcmp(g_array_index(t->ops, op_t, o->op_index).path_str, body) == 0) {
					match = i;
					break;
				}
			}
			if (open->len == 0) {
				diag_add(&d, tag_line, "'{{/%s}}' closes no open section", body);
			} else if (match != (gint)open->len - 1) {
				open_t *top = &g_array_index(open, open_t, open->len - 1);

				diag_add(&d, tag_line, "mismatched '{{/%s}}': expected '{{/%s}}' (opened at line %u)",
				         body, g_array_index(t->ops, op_t, top->op_index).path_str, top->line);
			}
			/* recover: close up to the matching section, if any */
			if (match >= 0) {
				for (gint i = (gint)open->len - 1; i >= match; i--) {
					open_t *o = &g_array_index(open, open_t, i);

					g_array_index(t->ops, op_t, o->op_index).body_end = t->ops->len;
				}
				g_array_set_size(open, (guint)match);
			}
			break;
		}
		default:
			op.kind = OP_VAR;
			if (parse_var(&d, tag_line, body, &op))
				g_array_append_val(t->ops, op);
			else
				op_clear(&op);
			break;
		}
		g_free(body);
		p = after;
	}
	if (p == NULL) /* ran to the end without an unterminated tag */
		emit_text(t->ops, lit, strlen(lit));
	for (guint i = 0; i < open->len; i++) {
		open_t *o = &g_array_index(open, open_t, i);

		diag_add(&d, o->line, "unclosed section '{{%c%s}}'",
		         g_array_index(t->ops, op_t, o->op_index).kind == OP_SECTION ? '#' : '^',
		         g_array_index(t->ops, op_t, o->op_index).path_str);
		g_array_index(t->ops, op_t, o->op_index).body_end = t->ops->len;
	}

done:
	g_array_free(open, TRUE);
	if (d.nerrors > 0) {
		if (d.nerrors > MAX_ERRORS)
			g_string_append_printf(d.errors, "\n%s: %u more errors", name, d.nerrors - MAX_ERRORS);
		g_set_error_literal(error, KENCHI_TEMPLATE_ERROR, KENCHI_TEMPLATE_ERROR_SYNTAX, d.errors->str);
		g_string_free(d.errors, TRUE);
		kenchi_template_free(t);
		return NULL;
	}
	g_string_free(d.errors, TRUE);
	return t;
}

kenchi_template_t *
kenchi_template_new(const char *name_for_errors, const char *text, kenchi_escape_t esc, GError **error)
{
	g_return_val_if_fail(text != NULL, NULL);
	return compile(name_for_errors ? name_for_errors : "<template>", text, 1, esc, error);
}

static char *
read_file(const char *path, GError **error)
{
	char *contents = NULL;
	GError *local = NULL;

	if (!g_file_get_contents(path, &contents, NULL, &local)) {
		g_set_error(error, KENCHI_TEMPLATE_ERROR, KENCHI_TEMPLATE_ERROR_IO, "%s: %s", path,
		            local->message);
		g_error_free(local);
		return NULL;
	}
	return contents;
}

kenchi_template_t *
kenchi_template_load_file(const char *path, kenchi_escape_t esc, GError **error)
{
	char *text = read_file(path, error);
	kenchi_template_t *t;

	if (text == NULL)
		return NULL;
	t = compile(path, text, 1, esc, error);
	g_free(text);
	return t;
}

void
kenchi_template_free(kenchi_template_t *t)
{
	if (t == NULL)
		return;
	for (guint i = 0; i < t->ops->len; i++)
		op_clear(&g_array_index(t->ops, op_t, i));
	g_array_free(t->ops, TRUE);
	g_free(t->name);
	g_free(t);
}

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
		} else if (header && u[i] == 0xc2 && u[i + 1] == 0x85) {
			skip = 2; /* U+0085 NEL */
		} else if (header && u[i] == 0xe2 && u[i + 1] == 0x80 && (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
			skip = 3; /* U+2028, U+2029 */
		}
		if (skip) {
			g_string_append_len(dst, s + run, (gssize)(i - run));
			g_string_append_c(dst, ' ');
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
	char *res;
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
	if (conv == NULL)
		return g_strdup(s);
	res = g_date_time_format(conv, "%Y-%m-%d %H:%M:%S");
	g_date_time_unref(conv);
	return res ? res : g_strdup(s);
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

/* ---------------------------------------------------- report templates */

kenchi_report_template_t *
kenchi_report_template_new(const char *name, const char *text, GError **error)
{
	kenchi_report_template_t *rt = NULL;
	kenchi_template_t *subject = NULL;
	const char *p = text, *body = NULL, *end;
	char *subject_text = NULL;
	guint line = 1, subject_line = 0;
	diag_t d = { name ? name : "<template>", g_string_new(NULL), 0 };

	g_return_val_if_fail(text != NULL, NULL);
	if (!g_utf8_validate(text, -1, &end)) {
		diag_add(&d, 1 + count_lines(text, end), "invalid UTF-8");
		goto done;
	}
	/* header part: lines up to the first empty line */
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		gsize len = nl ? (gsize)(nl - p) : strlen(p);
		char *l;

		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0) {
			body = nl ? nl + 1 : p + strlen(p);
			break;
		}
		l = g_strndup(p, len);
		if (g_str_has_prefix(l, "{{!") && g_str_has_suffix(l, "}}")) {
			/* comment line */
		} else if (g_ascii_strncasecmp(l, "Subject:", 8) == 0) {
			if (subject_text != NULL) {
				diag_add(&d, line, "second Subject: line");
			} else {
				const char *v = l + 8;

				while (*v == ' ' || *v == '\t')
					v++;
				subject_text = g_strdup(v);
				subject_line = line;
			}
		} else {
			char *colon = strchr(l, ':');

			if (colon != NULL && colon != l)
				diag_add(&d, line, "unknown header '%.*s' (only Subject: is supported)",
				         (int)(colon - l), l);
			else
				diag_add(&d, line, "expected 'Subject: ...' then an empty line before the body");
		}
		g_free(l);
		if (nl == NULL)
			break;
		p = nl + 1;
		line++;
	}
	if (body == NULL)
		diag_add(&d, line, "no empty line between the header part and the body");
	if (subject_text == NULL)
		diag_add(&d, 1, "missing 'Subject:' line");
	if (d.nerrors > 0)
		goto done;

	{
		GError *e1 = NULL, *e2 = NULL;
		kenchi_template_t *bt;

		subject = compile(d.name, subject_text, subject_line, KENCHI_ESC_HEADER, &e1);
		bt = compile(d.name, body, line + 1, KENCHI_ESC_TEXT | KENCHI_ESC_KEEP_NEWLINES, &e2);
		if (e1 != NULL || e2 != NULL) {
			/* report both parts' messages as they are */
			g_string_truncate(d.errors, 0);
			if (e1 != NULL)
				g_string_append(d.errors, e1->message);
			if (e2 != NULL) {
				if (d.errors->len > 0)
					g_string_append_c(d.errors, '\n');
				g_string_append(d.errors, e2->message);
			}
			d.nerrors = 1;
			g_clear_error(&e1);
			g_clear_error(&e2);
			kenchi_template_free(subject);
			kenchi_template_free(bt);
			subject = NULL;
			goto done;
		}
		rt = g_new0(kenchi_report_template_t, 1);
		rt->subject = subject;
		rt->body = bt;
		subject = NULL;
	}

done:
	if (d.nerrors > 0)
		g_set_error_literal(error, KENCHI_TEMPLATE_ERROR, KENCHI_TEMPLATE_ERROR_SYNTAX, d.errors->str);
	g_string_free(d.errors, TRUE);
	g_free(subject_text);
	return rt;
}

kenchi_report_template_t *
kenchi_report_template_load_file(const char *path, GError **error)
{
	char *text = read_file(path, error);
	kenchi_report_template_t *rt;

	if (text == NULL)
		return NULL;
	rt = kenchi_report_template_new(path, text, error);
	g_free(text);
	return rt;
}

void
kenchi_report_template_render(const kenchi_report_template_t *t, JsonNode *data, char **subject,
                              char **body)
{
	if (subject != NULL)
		*subject = kenchi_template_render(t ? t->subject : NULL, data);
	if (body != NULL)
		*body = kenchi_template_render(t ? t->body : NULL, data);
}

void
kenchi_report_template_free(kenchi_report_template_t *t)
{
	if (t == NULL)
		return;
	kenchi_template_free(t->subject);
	kenchi_template_free(t->body);
	g_free(t);
}

/* -------------------------------------------------------- explanations */

static void
finish_entry(diag_t *d, GHashTable *table, GPtrArray *names, GPtrArray *lines, guint header_line)
{
	guint first = 0, last;
	GString *text;

	if (names->len == 0)
		return;
	last = lines->len;
	while (first < last && *(char *)g_ptr_array_index(lines, first) == '\0')
		first++;
	while (last > first && *(char *)g_ptr_array_index(lines, last - 1) == '\0')
		last--;
	if (first == last) {
		diag_add(d, header_line, "'[%s]' has no text", (char *)g_ptr_array_index(names, 0));
	} else {
		text = g_string_new(NULL);
		for (guint i = first; i < last; i++) {
			if (i > first)
				g_string_append_c(text, '\n');
			g_string_append(text, g_ptr_array_index(lines, i));
		}
		for (guint i = 0; i < names->len; i++)
			g_hash_table_insert(table, g_utf8_casefold(g_ptr_array_index(names, i), -1),
			                    g_strdup(text->str));
		g_string_free(text, TRUE);
	}
	g_ptr_array_set_size(names, 0);
	g_ptr_array_set_size(lines, 0);
}

GHashTable *
kenchi_explanations_parse(const char *name, const char *text, GError **error)
{
	GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	diag_t d = { name ? name : "<explanations>", g_string_new(NULL), 0 };
	const char *p = text, *end;
	guint line = 0, header_line = 0;
	gboolean in_text = FALSE;
	gboolean skipping = FALSE; /* after a broken header: ignore its text */

	if (!g_utf8_validate(text, -1, &end)) {
		diag_add(&d, 1 + count_lines(text, end), "invalid UTF-8");
		goto done;
	}
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		gsize len = nl ? (gsize)(nl - p) : strlen(p);
		char *l;

		line++;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		l = g_strndup(p, len);
		p = nl ? nl + 1 : p + strlen(p);
		if (l[0] == '#') {
			g_free(l);
			continue;
		}
		if (l[0] == '[') {
			char *close = strrchr(l, ']');
			char *key;

			if (in_text) {
				finish_entry(&d, table, names, lines, header_line);
				in_text = FALSE;
			}
			skipping = FALSE;
			if (close == NULL) {
				diag_add(&d, line, "missing ']' in header");
				skipping = names->len == 0;
				g_free(l);
				continue;
			}
			*close = '\0';
			g_strchomp(close + 1);
			if (close[1] != '\0')
				diag_add(&d, line, "text after ']' in header");
			g_strstrip(l + 1);
			if (l[1] == '\0') {
				diag_add(&d, line, "empty event type name");
				skipping = names->len == 0;
				g_free(l);
				continue;
			}
			key = g_utf8_casefold(l + 1, -1);
			if (g_hash_table_contains(seen, key)) {
				diag_add(&d, line, "'[%s]' defined twice (line %u)", l + 1,
				         GPOINTER_TO_UINT(g_hash_table_lookup(seen, key)));
				g_free(key);
			} else {
				g_hash_table_insert(seen, key, GUINT_TO_POINTER(line));
			}
			if (names->len == 0)
				header_line = line;
			g_ptr_array_add(names, g_strdup(l + 1));
			g_free(l);
			continue;
		}
		g_strchomp(l);
		if (skipping || (l[0] == '\0' && !in_text)) {
			g_free(l); /* blank lines before the text, or before any header */
			continue;
		}
		if (names->len == 0) {
			if (l[0] != '\0')
				diag_add(&d, line, "text before the first [Event Type] header");
			g_free(l);
			continue;
		}
		in_text = TRUE;
		g_ptr_array_add(lines, l);
	}
	finish_entry(&d, table, names, lines, header_line);

done:
	g_ptr_array_unref(names);
	g_ptr_array_unref(lines);
	g_hash_table_unref(seen);
	if (d.nerrors > 0) {
		if (d.nerrors > MAX_ERRORS)
			g_string_append_printf(d.errors, "\n%s: %u more errors", d.name, d.nerrors - MAX_ERRORS);
		g_set_error_literal(error, KENCHI_TEMPLATE_ERROR, KENCHI_TEMPLATE_ERROR_SYNTAX, d.errors->str);
		g_string_free(d.errors, TRUE);
		g_hash_table_unref(table);
		return NULL;
	}
	g_string_free(d.errors, TRUE);
	return table;
}

GHashTable *
kenchi_explanations_load(const char *path, GError **error)
{
	char *text = read_file(path, error);
	GHashTable *table;

	if (text == NULL)
		return NULL;
	table = kenchi_explanations_parse(path, text, error);
	g_free(text);
	return table;
}

const char *
kenchi_explanation_lookup(GHashTable *table, const char *event_type)
{
	const char *v = NULL;

	if (table == NULL)
		return NULL;
	if (event_type != NULL) {
		char *key = g_utf8_casefold(event_type, -1);

		v = g_hash_table_lookup(table, key);
		g_free(key);
	}
	if (v == NULL)
		v = g_hash_table_lookup(table, "default");
	return v;
}
