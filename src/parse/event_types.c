/* event_types.c: the Secure Endpoint event-type table (data/event-types.tsv),
 * mapping ids and names both ways.  Names compare case-insensitively because
 * the console and the API disagree ("Executed malware" / "Executed Malware");
 * aliases are the older or newer name of the same id. */
#include <string.h>
#include "parse/event.h"

static GHashTable *by_id;     /* gint64* -> name (owned) */
static GHashTable *by_name;   /* casefolded name -> gint64* */
static GHashTable *canon;     /* casefolded name -> spelling as in the table */

/* g_utf8_casefold, without its Unicode tables for the common ASCII name
 * (the same result there: only A-Z fold), with a run of spaces (tabs,
 * U+3000) one space ("Threat  Quarantined", round 30b). */
static char *
fold(const char *s)
{
	char *f = g_str_is_ascii(s) ? g_ascii_strdown(s, -1) : g_utf8_casefold(s, -1);
	char *o = f;
	gboolean space = FALSE;

	for (const char *p = f; *p;) {
		gsize w = *p == ' ' || *p == '\t' ? 1 : strncmp(p, "\xe3\x80\x80", 3) == 0 ? 3 : 0;

		if (w) {
			space = o > f;
			p += w;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = FALSE;
		*o++ = *p++;
	}
	*o = '\0';
	return f;
}

static void
add_name(const char *name, const char *spelling, gint64 id)
{
	char *key = fold(name);
	gint64 *v = g_new(gint64, 1);

	*v = id;
	g_hash_table_replace(by_name, key, v);
	g_hash_table_replace(canon, g_strdup(key), g_strdup(spelling));
}

gboolean
kenchi_event_types_load(const char *path, GError **error)
{
	char *text = NULL, **lines;
	int i;

	if (by_id)
		return TRUE;
	if (!g_file_get_contents(path, &text, NULL, error))
		return FALSE;
	by_id = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	canon = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i]; i++) {
		char **col;
		gint64 id, *k;

		g_strchomp(lines[i]);
		if (lines[i][0] == '#' || lines[i][0] == '\0')
			continue;
		col = g_strsplit(lines[i], "\t", -1);
		if (col[0] == NULL || col[1] == NULL ||
		    !g_ascii_string_to_signed(col[0], 10, 1, G_MAXINT64, &id, NULL)) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%d: expected id<TAB>name[<TAB>alias...]", path, i + 1);
			g_strfreev(col);
			g_strfreev(lines);
			g_free(text);
			return FALSE;
		}
		k = g_new(gint64, 1);
		*k = id;
		g_hash_table_replace(by_id, k, g_strdup(col[1]));
		add_name(col[1], col[1], id);
		/* Every further column is an alias: older, newer or Japanese names. */
		for (int c = 2; col[c]; c++)
			if (*g_strstrip(col[c]))
				/* An English alias is kept as the mail spelt it (both
				 * names occur in the API's history); a Japanese label
				 * becomes the API's English name so mail and API compare. */
				add_name(col[c], g_str_is_ascii(col[c]) ? col[c] : col[1], id);
		g_strfreev(col);
	}
	g_strfreev(lines);
	g_free(text);
	return TRUE;
}

const char *
kenchi_event_type_name(gint64 id)
{
	return by_id ? g_hash_table_lookup(by_id, &id) : NULL;
}

gint64
kenchi_event_type_id(const char *name)
{
	char *key;
	gint64 *v;

	if (!by_name || !name)
		return 0;
	key = fold(name);
	v = g_hash_table_lookup(by_name, key);
	g_free(key);
	return v ? *v : 0;
}

const char *
kenchi_event_type_canonical(const char *name)
{
	char *key;
	const char *c;

	if (!canon || !name)
		return NULL;
	key = fold(name);
	c = g_hash_table_lookup(canon, key);
	g_free(key);
	return c;
}
