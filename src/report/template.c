/*
 * template.c - compile mustache-like templates to a flat op list once, render
 * many times (see template.h for the language).  This file compiles;
 * template_render.c renders; template_files.c reads the report-template
 * layout and the explanations file; template_int.h holds what they share.
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
#include "report/template_int.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(kenchi-template-error-quark, kenchi_template_error)

/* ------------------------------------------------------------- compile */

gboolean
kenchi_tpl_diag_finish(diag_t *d, GError **error)
{
	gboolean ok = d->nerrors == 0;

	if (!ok) {
		if (d->nerrors > MAX_ERRORS)
			g_string_append_printf(d->errors, "\n%s: %u more errors", d->name, d->nerrors - MAX_ERRORS);
		g_set_error_literal(error, KENCHI_TEMPLATE_ERROR, KENCHI_TEMPLATE_ERROR_SYNTAX, d->errors->str);
	}
	g_string_free(d->errors, TRUE);
	d->errors = NULL;
	return ok;
}

G_GNUC_PRINTF(3, 4) void
kenchi_tpl_diag_add(diag_t *d, guint line, const char *fmt, ...)
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
		kenchi_tpl_diag_add(d, line, "empty tag");
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
			kenchi_tpl_diag_add(d, line, "unknown loop variable '%s' (use @index, @first, @last)", path);
			return FALSE;
		}
		return TRUE;
	}
	for (const char *p = path; *p; p++) {
		if (!valid_path_char(*p)) {
			kenchi_tpl_diag_add(d, line, "invalid character '%c' in path '%s'", *p, path);
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
			kenchi_tpl_diag_add(d, line, "empty segment in path '%s'", path);
			return FALSE;
		}
		for (const char *p = s; *p; p++)
			if (!g_ascii_isdigit(*p))
				digits = FALSE;
		op->index[i] = -1;
		if (digits) {
			guint64 v = 0;

			if (i == 0 || !g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT, &v, NULL)) {
				kenchi_tpl_diag_add(d, line, "array index '%s' not allowed here in '%s'", s, path);
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
		{ "html", FILTER_HTML },       { "oneline", FILTER_ONELINE }, { "amp_link", FILTER_AMP_LINK },
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
			kenchi_tpl_diag_add(d, line, "empty filter");
		else
			kenchi_tpl_diag_add(d, line, "unknown filter '%s'", spec);
		return FALSE;
	}
	if (f->kind == FILTER_DEFAULT) {
		if (arg == NULL || *arg == '\0') {
			kenchi_tpl_diag_add(d, line, "filter 'default' needs a text: default:TEXT");
			return FALSE;
		}
		f->arg = g_strdup(arg);
	} else if (arg != NULL) {
		kenchi_tpl_diag_add(d, line, "filter '%s' takes no argument", spec);
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
		kenchi_tpl_diag_add(d, line, "empty tag");
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

guint
kenchi_tpl_count_lines(const char *from, const char *to)
{
	guint n = 0;

	for (const char *p = from; p < to; p++)
		if (*p == '\n')
			n++;
	return n;
}

kenchi_template_t *
kenchi_tpl_compile(const char *name, const char *text, guint first_line, kenchi_escape_t esc, GError **error)
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
		kenchi_tpl_diag_add(&d, first_line, "invalid escape mode %d", t->mode);
		goto done;
	}
	if (!g_utf8_validate(text, -1, &end)) {
		kenchi_tpl_diag_add(&d, first_line + kenchi_tpl_count_lines(text, end), "invalid UTF-8");
		goto done;
	}

	while ((p = strstr(p, "{{")) != NULL) {
		const char *close, *after, *ls, *le;
		char sigil;
		char *body;
		guint tag_line;
		gboolean standalone = FALSE;
		op_t op = { 0 };

		line += kenchi_tpl_count_lines(line_pos, p);
		line_pos = p;
		tag_line = line;
		close = strstr(p + 2, "}}");
		sigil = p[2];
		if (close == NULL) {
			kenchi_tpl_diag_add(&d, tag_line, "unterminated '{{'");
			break;
		}
		if (sigil != '!') {
			/* a newline or another "{{" before "}}" means this tag was
			 * never closed; report it here, not at some later "}}" */
			const char *nl = memchr(p + 2, '\n', (gsize)(close - p - 2));
			const char *nested = g_strstr_len(p + 2, close - p - 2, "{{");

			if (nl != NULL || nested != NULL) {
				kenchi_tpl_diag_add(&d, tag_line, "unterminated '{{'");
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
				kenchi_tpl_diag_add(&d, tag_line, "filters are not allowed on section tags");
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
				kenchi_tpl_diag_add(&d, tag_line, "empty tag");
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
				kenchi_tpl_diag_add(&d, tag_line, "'{{/%s}}' closes no open section", body);
			} else if (match != (gint)open->len - 1) {
				open_t *top = &g_array_index(open, open_t, open->len - 1);

				kenchi_tpl_diag_add(&d, tag_line, "mismatched '{{/%s}}': expected '{{/%s}}' (opened at line %u)",
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

		kenchi_tpl_diag_add(&d, o->line, "unclosed section '{{%c%s}}'",
		         g_array_index(t->ops, op_t, o->op_index).kind == OP_SECTION ? '#' : '^',
		         g_array_index(t->ops, op_t, o->op_index).path_str);
		g_array_index(t->ops, op_t, o->op_index).body_end = t->ops->len;
	}

done:
	g_array_free(open, TRUE);
	if (!kenchi_tpl_diag_finish(&d, error)) {
		kenchi_template_free(t);
		return NULL;
	}
	return t;
}

kenchi_template_t *
kenchi_template_new(const char *name_for_errors, const char *text, kenchi_escape_t esc, GError **error)
{
	g_return_val_if_fail(text != NULL, NULL);
	return kenchi_tpl_compile(name_for_errors ? name_for_errors : "<template>", text, 1, esc, error);
}

char *
kenchi_tpl_read_file(const char *path, GError **error)
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
	char *text = kenchi_tpl_read_file(path, error);
	kenchi_template_t *t;

	if (text == NULL)
		return NULL;
	t = kenchi_tpl_compile(path, text, 1, esc, error);
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

