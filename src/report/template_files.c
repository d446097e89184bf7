/* template_files.c - the report-template file layout (a Subject line, a
 * blank line, the body) and the explanations file (event type -> text),
 * both compiled with the template compiler of template.c. */
#include "report/template_int.h"

#include <string.h>

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
		kenchi_tpl_diag_add(&d, 1 + kenchi_tpl_count_lines(text, end), "invalid UTF-8");
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
				kenchi_tpl_diag_add(&d, line, "second Subject: line");
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
				kenchi_tpl_diag_add(&d, line, "unknown header '%.*s' (only Subject: is supported)",
				         (int)(colon - l), l);
			else
				kenchi_tpl_diag_add(&d, line, "expected 'Subject: ...' then an empty line before the body");
		}
		g_free(l);
		if (nl == NULL)
			break;
		p = nl + 1;
		line++;
	}
	if (body == NULL)
		kenchi_tpl_diag_add(&d, line, "no empty line between the header part and the body");
	if (subject_text == NULL)
		kenchi_tpl_diag_add(&d, 1, "missing 'Subject:' line");
	if (d.nerrors > 0)
		goto done;

	{
		GError *e1 = NULL, *e2 = NULL;
		kenchi_template_t *bt;

		subject = kenchi_tpl_compile(d.name, subject_text, subject_line, KENCHI_ESC_HEADER, &e1);
		bt = kenchi_tpl_compile(d.name, body, line + 1, KENCHI_ESC_TEXT | KENCHI_ESC_KEEP_NEWLINES, &e2);
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
	kenchi_tpl_diag_finish(&d, error);
	g_free(subject_text);
	return rt;
}

kenchi_report_template_t *
kenchi_report_template_load_file(const char *path, GError **error)
{
	char *text = kenchi_tpl_read_file(path, error);
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
		kenchi_tpl_diag_add(d, header_line, "'[%s]' has no text", (char *)g_ptr_array_index(names, 0));
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
		kenchi_tpl_diag_add(&d, 1 + kenchi_tpl_count_lines(text, end), "invalid UTF-8");
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
				kenchi_tpl_diag_add(&d, line, "missing ']' in header");
				skipping = names->len == 0;
				g_free(l);
				continue;
			}
			*close = '\0';
			g_strchomp(close + 1);
			if (close[1] != '\0')
				kenchi_tpl_diag_add(&d, line, "text after ']' in header");
			g_strstrip(l + 1);
			if (l[1] == '\0') {
				kenchi_tpl_diag_add(&d, line, "empty event type name");
				skipping = names->len == 0;
				g_free(l);
				continue;
			}
			key = g_utf8_casefold(l + 1, -1);
			if (g_hash_table_contains(seen, key)) {
				kenchi_tpl_diag_add(&d, line, "'[%s]' defined twice (line %u)", l + 1,
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
				kenchi_tpl_diag_add(&d, line, "text before the first [Event Type] header");
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
	if (!kenchi_tpl_diag_finish(&d, error)) {
		g_hash_table_unref(table);
		return NULL;
	}
	return table;
}

GHashTable *
kenchi_explanations_load(const char *path, GError **error)
{
	char *text = kenchi_tpl_read_file(path, error);
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
