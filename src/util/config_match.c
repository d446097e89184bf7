/* config_match.c: which customer an alert is for - by the mailbox it was
 * sent to, by its AMP group's name or id.  A report to the wrong customer
 * is a leak: a match that two customers share is no match (round 31b). */
#include <string.h>
#include "util/config.h"

/* S as names compare: NFKC ("㈱" is "(株)") and case folded ("ACME
 * Nagoya" is "Acme*"'s); g_free. */
static char *
fold(const char *s)
{
	char *n, *f;

	if (g_str_is_ascii(s))
		return g_ascii_strdown(s, -1);   /* what NFKC and casefolding give it */
	if ((n = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC)) == NULL)
		return g_ascii_strdown(s, -1);
	f = g_utf8_casefold(n, -1);
	g_free(n);
	return f;
}

void
kenchi_config_fold_groups(kenchi_customer_t *c)
{
	guint n = c->groups ? g_strv_length(c->groups) : 0;

	g_strfreev(c->groups_fold);
	c->groups_fold = g_new0(char *, n + 1);
	for (guint i = 0; i < n; i++)
		c->groups_fold[i] = fold(c->groups[i]);
}

const kenchi_customer_t *
kenchi_config_match_recipients(const kenchi_config_t *cfg, GPtrArray *recipients, gboolean *ambiguous)
{
	const kenchi_customer_t *found = NULL;

	if (ambiguous)
		*ambiguous = FALSE;
	for (guint i = 0; recipients && i < cfg->customers->len; i++) {
		const kenchi_customer_t *c = g_ptr_array_index(cfg->customers, i);
		gboolean hit = FALSE;

		for (guint j = 0; !hit && j < recipients->len; j++)
			for (char **p = c->recipients; !hit && p && *p; p++)
				hit = g_pattern_match_simple(*p, g_ptr_array_index(recipients, j));
		/* Two customers' mailboxes on one mail: neither's. */
		if (hit && found) {
			if (ambiguous)
				*ambiguous = TRUE;
			return NULL;
		}
		if (hit)
			found = c;
	}
	return found;
}

/* How many characters of PATTERN are no wildcard: the more, the more
 * specific ("AcmeTech*" over "Acme*"). */
static gsize
literal(const char *pattern)
{
	gsize n = 0;

	for (const char *p = pattern; *p; p = g_utf8_next_char(p))
		n += *p != '*' && *p != '?';
	return n;
}

const kenchi_customer_t *
kenchi_config_match_group(const kenchi_config_t *cfg, const char *group, gboolean *ambiguous)
{
	const kenchi_customer_t *found = NULL;
	gboolean tie = FALSE;
	gsize best = 0;
	char *g;

	if (ambiguous)
		*ambiguous = FALSE;
	if (group == NULL)
		return NULL;
	g = fold(group);
	for (guint i = 0; i < cfg->customers->len; i++) {
		const kenchi_customer_t *c = g_ptr_array_index(cfg->customers, i);

		for (char **p = c->groups_fold; p && *p; p++) {
			const char *f = *p;
			gsize n = literal(f);

			/* The most specific pattern wins; two customers' as
			 * specific are neither's. */
			if (g_pattern_match_simple(f, g)) {
				if (found == NULL || n > best) {
					found = c;
					best = n;
					tie = FALSE;
				} else if (n == best && c != found) {
					tie = TRUE;
				}
			}
		}
	}
	g_free(g);
	if (ambiguous)
		*ambiguous = tie;
	return tie ? NULL : found;
}

const kenchi_customer_t *
kenchi_config_match_group_guids(const kenchi_config_t *cfg, const char *guids, gboolean *ambiguous)
{
	const kenchi_customer_t *found = NULL;
	char **ids;

	if (ambiguous)
		*ambiguous = FALSE;
	if (guids == NULL)
		return NULL;
	ids = g_strsplit(guids, ", ", -1);
	for (guint i = 0; i < cfg->customers->len; i++) {
		const kenchi_customer_t *c = g_ptr_array_index(cfg->customers, i);
		gboolean hit = FALSE;

		for (char **g = c->group_guids; !hit && g && *g; g++)
			for (char **id = ids; !hit && *id; id++)
				hit = g_ascii_strcasecmp(*g, *id) == 0;
		/* Groups of two customers: neither's, rather than a report
		 * to the wrong one (round 27b). */
		if (hit && found) {
			found = NULL;
			if (ambiguous)
				*ambiguous = TRUE;
			break;
		}
		if (hit)
			found = c;
	}
	g_strfreev(ids);
	return found;
}

/* The [customer ...] sections the file writes more than once. */
static void
sections_twice(const kenchi_config_t *cfg, GString *errors)
{
	GHashTable *seen;
	char *text = NULL, **lines;

	if (cfg->path == NULL || !g_file_get_contents(cfg->path, &text, NULL, NULL))
		return;
	seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		char *l = g_strstrip(lines[i]), *e;

		if (l[0] != '[' || (e = strrchr(l, ']')) == NULL)
			continue;
		*e = '\0';
		if (!g_str_has_prefix(l + 1, "customer "))
			continue;
		if (g_hash_table_contains(seen, l + 1))
			g_string_append_printf(errors, "%s:%d: [%s] written twice: its keys were merged into one customer\n",
			    cfg->path, i + 1, l + 1);
		else
			g_hash_table_add(seen, g_strdup(l + 1));
	}
	g_strfreev(lines);
	g_hash_table_unref(seen);
	g_free(text);
}

void
kenchi_config_check_customers(const kenchi_config_t *cfg, GString *errors)
{
	for (guint i = 0; i < cfg->customers->len; i++) {
		const kenchi_customer_t *c = g_ptr_array_index(cfg->customers, i);
		char *group = g_strdup_printf("customer %s", c->id);

		for (char **r = c->recipients; r && *r; r++)
			if (strchr(*r, '@') == NULL || strchr(*r, '<') || strchr(*r, ' '))
				kenchi_config_error(errors, cfg, group, "recipients", "not an address: \"%s\"", *r);
		for (guint j = 0; j < i; j++) {
			const kenchi_customer_t *o = g_ptr_array_index(cfg->customers, j);

			for (char **r = c->recipients; r && *r; r++)
				for (char **q = o->recipients; q && *q; q++)
					if (strcmp(*r, *q) == 0)
						kenchi_config_error(errors, cfg, group, "recipients", "\"%s\" is customer \"%s\"'s too",
						    *r, o->id);
			for (guint k = 0; c->groups_fold && c->groups_fold[k]; k++)
				for (char **h = o->groups_fold; h && *h; h++)
					if (strcmp(c->groups_fold[k], *h) == 0)
						kenchi_config_error(errors, cfg, group, "groups", "\"%s\" is customer \"%s\"'s too",
						    c->groups[k], o->id);
			/* A group is one customer's: its events must not go to
			 * the first of two (round 27b). */
			for (char **k = c->group_guids; k && *k; k++)
				for (char **g = o->group_guids; g && *g; g++)
					if (g_ascii_strcasecmp(*g, *k) == 0)
						kenchi_config_error(errors, cfg, group, "group_guids",
						    "\"%s\" is customer \"%s\"'s too", *k, o->id);
		}
		g_free(group);
	}
	sections_twice(cfg, errors);
}
