/* rules.c: the extractor-rules loader.  One directive a line:
 *
 *   rule NAME                 start or extend the rule NAME
 *   from PATTERN              sender address pattern (recognition)
 *   subject PATTERN           subject pattern (recognition; group "hostname")
 *   body PATTERN              body pattern (recognition of forwarded alerts)
 *   line PATTERN              how a field line splits: groups "label", "value"
 *   separator PATTERN         a line that ends an event block
 *   field PATH  LABEL | ...   labels of a normalized field
 *   reset LABEL | ...         labels (forwarded-message headers) that discard
 *                             a block that holds no event yet
 *   capture PATTERN           named groups are field paths, '.' written "__"
 *
 * The loader keeps going after an error so that one run shows them all. */
#include <string.h>
#include "parse/rules.h"
#include "parse/event.h"

static void
rule_free(kenchi_rule_t *r)
{
	if (r == NULL)
		return;
	g_free(r->name);
	g_free(r->file);
	g_ptr_array_unref(r->from);
	g_ptr_array_unref(r->subject);
	g_ptr_array_unref(r->body);
	g_ptr_array_unref(r->paste);
	g_ptr_array_unref(r->alert_subject);
	g_ptr_array_unref(r->opening);
	g_ptr_array_unref(r->captures);
	g_ptr_array_unref(r->capture_fields);
	kenchi_re_free(r->line_re);
	kenchi_re_free(r->separator);
	g_hash_table_unref(r->labels);
	g_hash_table_unref(r->resets);
	g_free(r);
}

static kenchi_rule_t *
rule_new(const char *name, const char *file, int line)
{
	kenchi_rule_t *r = g_new0(kenchi_rule_t, 1);

	r->name = g_strdup(name);
	r->file = g_strdup(file);
	r->line = line;
	r->from = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_re_free);
	r->subject = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_re_free);
	r->body = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_re_free);
	r->paste = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_re_free);
	r->alert_subject = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_re_free);
	r->opening = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_re_free);
	r->captures = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_re_free);
	r->capture_fields = g_ptr_array_new_with_free_func(g_free);
	r->labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	r->resets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return r;
}

void
kenchi_rules_free(kenchi_rules_t *rules)
{
	if (rules == NULL)
		return;
	g_ptr_array_unref(rules->rules);
	g_free(rules);
}

/* Kana, kanji, 々 and 、。: their own NFKC form and case fold, and none
 * combines with the next character (the combining sound marks U+3099 and
 * U+309A, the half- and full-width forms and the compatibility ideographs
 * are outside).  tests/unit/test-normalize.c compares every one of them,
 * and random mixes, with NFKC and case folding. */
static gboolean
stable_cjk(gunichar c)
{
	return (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FE) || (c >= 0x4E00 && c <= 0x9FFF) ||
	    c == 0x3001 || c == 0x3002 || c == 0x3005;
}

/* S (N bytes) is valid UTF-8 of ASCII (no NUL) and stable_cjk characters. */
static gboolean
all_stable(const char *s, gssize n)
{
	const char *p = s, *end = s + n;

	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2 || c == 0 || (c >= 0x80 && !stable_cjk(c)))
			return FALSE;
		p = g_utf8_next_char(p);
	}
	return TRUE;
}

char *
kenchi_rules_norm_label(const char *s, gssize len)
{
	GString *out;
	char *nfkc, *fold;
	const char *p;
	gboolean space = FALSE, ascii = TRUE;
	gssize i, n;

	if (s == NULL)
		return g_strdup("");
	n = len < 0 ? (gssize)strlen(s) : len;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80) {
			ascii = FALSE;
			break;
		}
	if (ascii) {
		/* The common case, without NFKC's allocation. */
		out = g_string_sized_new(n);
		for (i = 0; i < n; i++) {
			char c = s[i];
			/* g_unichar_isspace's ASCII: as the other paths */
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
				space = out->len > 0;
				continue;
			}
			if (space)
				g_string_append_c(out, ' ');
			space = FALSE;
			g_string_append_c(out, g_ascii_tolower(c));
		}
		return g_string_free(out, FALSE);
	}
	if (all_stable(s, n)) {
		/* A Japanese label: what NFKC and case folding give, without them
		 * (they were most of loading the Japanese rules, and of reading
		 * each line of a Japanese alert). */
		out = g_string_sized_new(n);
		for (p = s; p < s + n; p = g_utf8_next_char(p)) {
			gunichar c = g_utf8_get_char(p);
			if (c < 0x80 && g_unichar_isspace(c)) {
				space = out->len > 0;
				continue;
			}
			if (space)
				g_string_append_c(out, ' ');
			space = FALSE;
			if (c < 0x80)
				g_string_append_c(out, g_ascii_tolower((char)c));
			else
				g_string_append_len(out, p, g_utf8_next_char(p) - p);
		}
		return g_string_free(out, FALSE);
	}
	nfkc = g_utf8_normalize(s, n, G_NORMALIZE_NFKC);
	if (nfkc == NULL)
		return g_strndup("", 0);
	fold = g_utf8_casefold(nfkc, -1);
	g_free(nfkc);
	out = g_string_sized_new(strlen(fold));
	for (p = fold; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_isspace(c)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_unichar(out, c);
	}
	g_free(fold);
	return g_string_free(out, FALSE);
}

static kenchi_re_t *
compile_at(const char *pat, const char *file, int line, GString *errs)
{
	char *msg = NULL;
	kenchi_re_t *re = kenchi_re_compile(pat, &msg);

	if (re == NULL) {
		g_string_append_printf(errs, "%s:%d: bad pattern: %s\n", file, line, msg);
		g_free(msg);
	}
	return re;
}

static void
add_labels(GHashTable *h, const char *list, int value)
{
	char **labels = g_strsplit(list, "|", -1);
	int i;

	for (i = 0; labels[i]; i++) {
		char *k = kenchi_rules_norm_label(labels[i], -1);
		if (*k)
			g_hash_table_replace(h, k, GINT_TO_POINTER(value));
		else
			g_free(k);
	}
	g_strfreev(labels);
}

static void
add_capture(kenchi_rule_t *r, kenchi_re_t *re, const char *file, int line, GString *errs)
{
	int n = kenchi_re_group_count(re), g;
	int *fields = g_new(int, n);

	for (g = 0; g < n; g++)
		fields[g] = -1;
	/* Map each named group to its field ("file__identity__sha256"). */
	for (const char *const *nm = kenchi_re_group_names(re); *nm; nm++) {
		char **parts = g_strsplit(*nm, "__", -1);
		char *path = g_strjoinv(".", parts);
		int f = kenchi_field_from_path(path);
		int idx = kenchi_re_group_index(re, *nm);

		if (f < 0)
			g_string_append_printf(errs, "%s:%d: capture group \"%s\" names no known field (%s)\n",
			    file, line, *nm, path);
		else if (idx > 0 && idx < n)
			fields[idx] = f;
		g_free(path);
		g_strfreev(parts);
	}
	g_ptr_array_add(r->captures, re);
	g_ptr_array_add(r->capture_fields, fields);
}

static void
load_file(kenchi_rules_t *rules, const char *path, GString *errs)
{
	char *text = NULL, **lines;
	GError *err = NULL;
	kenchi_rule_t *cur = NULL;
	int i;

	if (!g_file_get_contents(path, &text, NULL, &err)) {
		g_string_append_printf(errs, "%s: %s\n", path, err->message);
		g_error_free(err);
		return;
	}
	if (!g_utf8_validate(text, -1, NULL)) {
		g_string_append_printf(errs, "%s: not valid UTF-8\n", path);
		g_free(text);
		return;
	}
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i]; i++) {
		char *l = lines[i], *kw, *arg;
		int ln = i + 1;
		size_t k;

		g_strchomp(l);
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '\0' || *l == '#')
			continue;
		k = strcspn(l, " \t");
		kw = g_strndup(l, k);
		arg = l + k;
		while (*arg == ' ' || *arg == '\t')
			arg++;
		if (strcmp(kw, "rule") == 0) {
			guint j;
			cur = NULL;
			if (*arg == '\0') {
				g_string_append_printf(errs, "%s:%d: rule needs a name\n", path, ln);
				g_free(kw);
				continue;
			}
			for (j = 0; j < rules->rules->len; j++) {
				kenchi_rule_t *r = g_ptr_array_index(rules->rules, j);
				if (strcmp(r->name, arg) == 0)
					cur = r;
			}
			if (cur == NULL) {
				cur = rule_new(arg, path, ln);
				g_ptr_array_add(rules->rules, cur);
			}
		} else if (cur == NULL) {
			g_string_append_printf(errs, "%s:%d: \"%s\" before any \"rule\" line\n", path, ln, kw);
		} else if (*arg == '\0') {
			g_string_append_printf(errs, "%s:%d: \"%s\" needs an argument\n", path, ln, kw);
		} else if (strcmp(kw, "from") == 0 || strcmp(kw, "subject") == 0 || strcmp(kw, "body") == 0) {
			kenchi_re_t *re = compile_at(arg, path, ln, errs);
			if (re)
				g_ptr_array_add(kw[0] == 'f' ? cur->from : kw[0] == 's' ? cur->subject : cur->body, re);
		} else if (strcmp(kw, "alert_subject") == 0 || strcmp(kw, "opening") == 0 || strcmp(kw, "paste") == 0) {
			kenchi_re_t *re = compile_at(arg, path, ln, errs);
			if (re)
				g_ptr_array_add(kw[0] == 'a' ? cur->alert_subject : kw[0] == 'o' ? cur->opening : cur->paste, re);
		} else if (strcmp(kw, "line") == 0 || strcmp(kw, "separator") == 0) {
			kenchi_re_t *re = compile_at(arg, path, ln, errs);
			if (re && kw[0] == 'l') {
				int lg = kenchi_re_group_index(re, "label"), vg = kenchi_re_group_index(re, "value");
				if (lg < 0 || vg < 0) {
					g_string_append_printf(errs, "%s:%d: line pattern needs groups \"label\" and \"value\"\n", path, ln);
					kenchi_re_free(re);
				} else {
					kenchi_re_free(cur->line_re);
					cur->line_re = re;
					cur->line_label = lg;
					cur->line_value = vg;
				}
			} else if (re) {
				kenchi_re_free(cur->separator);
				cur->separator = re;
			}
		} else if (strcmp(kw, "field") == 0) {
			size_t pk = strcspn(arg, " \t");
			char *fp = g_strndup(arg, pk);
			int f = kenchi_field_from_path(fp);
			const char *labels = arg + pk;
			while (*labels == ' ' || *labels == '\t')
				labels++;
			if (f < 0)
				g_string_append_printf(errs, "%s:%d: unknown field \"%s\"\n", path, ln, fp);
			else if (*labels == '\0')
				g_string_append_printf(errs, "%s:%d: field %s has no labels\n", path, ln, fp);
			else
				add_labels(cur->labels, labels, f + 1);
			g_free(fp);
		} else if (strcmp(kw, "reset") == 0) {
			add_labels(cur->resets, arg, 1);
		} else if (strcmp(kw, "capture") == 0) {
			kenchi_re_t *re = compile_at(arg, path, ln, errs);
			if (re)
				add_capture(cur, re, path, ln, errs);
		} else {
			g_string_append_printf(errs, "%s:%d: unknown directive \"%s\"\n", path, ln, kw);
		}
		g_free(kw);
	}
	g_strfreev(lines);
	g_free(text);
	rules->nfiles++;
}

kenchi_rules_t *
kenchi_rules_load_files(char **paths, GError **error)
{
	kenchi_rules_t *rules = g_new0(kenchi_rules_t, 1);
	GString *errs = g_string_new(NULL);
	guint j;
	int i;

	rules->rules = g_ptr_array_new_with_free_func((GDestroyNotify)rule_free);
	for (i = 0; paths[i]; i++)
		load_file(rules, paths[i], errs);
	for (j = 0; j < rules->rules->len; j++) {
		kenchi_rule_t *r = g_ptr_array_index(rules->rules, j);
		if (r->from->len + r->subject->len + r->body->len == 0)
			g_string_append_printf(errs, "%s:%d: rule %s has no from, subject or body pattern\n", r->file, r->line, r->name);
		if (r->line_re == NULL && r->captures->len == 0)
			g_string_append_printf(errs, "%s:%d: rule %s has no line or capture pattern\n", r->file, r->line, r->name);
	}
	if (errs->len == 0 && rules->rules->len == 0)
		g_string_append(errs, "no extractor rules found\n");
	if (errs->len > 0) {
		g_strchomp(errs->str);
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, errs->str);
		g_string_free(errs, TRUE);
		kenchi_rules_free(rules);
		return NULL;
	}
	g_string_free(errs, TRUE);
	return rules;
}

static int
cmp_paths(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

kenchi_rules_t *
kenchi_rules_load_dir(const char *dir, GError **error)
{
	GDir *d = g_dir_open(dir, 0, error);
	GPtrArray *paths;
	const char *name;
	kenchi_rules_t *rules;

	if (d == NULL)
		return NULL;
	paths = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(name, ".rules"))
			g_ptr_array_add(paths, g_build_filename(dir, name, NULL));
	g_dir_close(d);
	g_ptr_array_sort(paths, cmp_paths);
	g_ptr_array_add(paths, NULL);
	rules = kenchi_rules_load_files((char **)paths->pdata, error);
	g_ptr_array_unref(paths);
	return rules;
}
