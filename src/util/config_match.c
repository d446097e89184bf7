/* config_match.c: which customer an alert is for - by the mailbox it was
 * sent to, by its AMP group's name or id - and check-config's view of the
 * customers.  A report to the wrong customer is a leak: what two
 * customers match, with nothing to decide between them, is no match
 * (rounds 31b, 32a). */
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

/* Does every name PATTERN A matches match B too, and A say more: B "*",
 * A a name written out that B matches, or B a prefix "P*" that A's own
 * leading characters extend ("acmetech*" or "acme tokyo" within
 * "acme*")?  "*osaka*" and "acme*" each match names the other does not:
 * neither is within the other (round 32a). */
static gboolean
within(const char *a, const char *b)
{
	gsize bl = strlen(b), al;

	if (strcmp(a, b) == 0)
		return FALSE;
	if (strspn(b, "*") == bl)
		return TRUE;
	/* A name written out that B's wildcards take: "soc+acmebank@..."
	 * within "soc+acme*@...". */
	if (strcspn(a, "*?") == strlen(a))
		return g_pattern_match_simple(b, a);
	if (bl < 2 || b[bl - 1] != '*' || strcspn(b, "*?") != bl - 1)
		return FALSE;
	al = strcspn(a, "*?");
	return al >= bl - 1 && strncmp(a, b, bl - 1) == 0 && (al > bl - 1 || a[al] == '\0');
}

/* The customer whose patterns (PATTERNS_OF: a customer's recipients or
 * folded groups) match NAME, one pattern within another's deciding
 * ("acmetech*" over "acme*"); when customers match that no pattern
 * decides between, PREFER if it is one of them, else none (*AMBIGUOUS). */
static const kenchi_customer_t *
resolve(const kenchi_config_t *cfg, const char *name, char **(*patterns_of)(const kenchi_customer_t *),
	const kenchi_customer_t *prefer, gboolean *ambiguous)
{
	GPtrArray *hits = g_ptr_array_new(), *stand = g_ptr_array_new();   /* hits: customer, pattern, ... */
	const kenchi_customer_t *found = NULL;

	for (guint i = 0; i < cfg->customers->len; i++) {
		const kenchi_customer_t *c = g_ptr_array_index(cfg->customers, i);

		for (char **p = patterns_of(c); p && *p; p++)
			if (g_pattern_match_simple(*p, name)) {
				g_ptr_array_add(hits, (gpointer)c);
				g_ptr_array_add(hits, *p);
			}
	}
	/* A customer's match stands unless another customer's pattern is
	 * within it. */
	for (guint i = 0; i < hits->len; i += 2) {
		gboolean beaten = FALSE;

		for (guint j = 0; j < hits->len && !beaten; j += 2)
			beaten = hits->pdata[j] != hits->pdata[i] && within(hits->pdata[j + 1], hits->pdata[i + 1]);
		if (!beaten && !g_ptr_array_find(stand, hits->pdata[i], NULL))
			g_ptr_array_add(stand, hits->pdata[i]);
	}
	if (stand->len == 1)
		found = stand->pdata[0];
	else if (stand->len > 1 && prefer && g_ptr_array_find(stand, prefer, NULL))
		found = prefer;
	if (ambiguous)
		*ambiguous = stand->len > 1 && found == NULL;
	g_ptr_array_unref(hits);
	g_ptr_array_unref(stand);
	return found;
}

static char **
recipients_of(const kenchi_customer_t *c)
{
	return c->recipients;
}

static char **
groups_of(const kenchi_customer_t *c)
{
	return c->groups_fold;
}

const kenchi_customer_t *
kenchi_config_match_recipients(const kenchi_config_t *cfg, GPtrArray *recipients, gboolean *ambiguous)
{
	const kenchi_customer_t *found = NULL;

	if (ambiguous)
		*ambiguous = FALSE;
	for (guint j = 0; recipients && j < recipients->len; j++) {
		gboolean tie = FALSE;
		const kenchi_customer_t *c = resolve(cfg, g_ptr_array_index(recipients, j), recipients_of, NULL, &tie);

		/* Two customers' mailboxes on one mail: neither's. */
		if (tie || (c && found && c != found)) {
			if (ambiguous)
				*ambiguous = TRUE;
			return NULL;
		}
		if (c)
			found = c;
	}
	return found;
}

const kenchi_customer_t *
kenchi_config_match_group(const kenchi_config_t *cfg, const char *group, const kenchi_customer_t *prefer,
			  gboolean *ambiguous)
{
	const kenchi_customer_t *c;
	char *g;

	if (ambiguous)
		*ambiguous = FALSE;
	if (group == NULL)
		return NULL;
	g = fold(group);
	c = resolve(cfg, g, groups_of, prefer, ambiguous);
	g_free(g);
	return c;
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

/* Are patterns A and B the same, a run of "*" as one ("acme**" is
 * "acme*")? */
static gboolean
same_pattern(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a != *b)
			return FALSE;
		if (*a == '*') {
			while (a[1] == '*')
				a++;
			while (b[1] == '*')
				b++;
		}
		a++;
		b++;
	}
	return *a == *b;
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

const char *
kenchi_addr_spec(const char *s, gsize *len)
{
	const char *lt = strrchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;

	if (gt == NULL) {
		/* "john@x.example (John Doe)", "(John) john@x.example": the
		 * comment is no part of it (report round rp1 F13: the envelope
		 * took it, and the server refused the recipient). */
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '(' && strchr(s, ')')) {
			s = strchr(s, ')') + 1;
			while (*s == ' ' || *s == '\t')
				s++;
		}
		*len = *s == '"' ? strlen(s) : strcspn(s, " \t(");
		return s;
	}
	*len = (gsize)(gt - lt - 1);
	return lt + 1;
}

gboolean
kenchi_addr_same(const char *a, const char *b)
{
	gsize n, m;
	const char *x = kenchi_addr_spec(a, &n), *y = kenchi_addr_spec(b, &m);

	return m == n && g_ascii_strncasecmp(x, y, n) == 0;
}

gboolean
kenchi_config_is_analyst(const kenchi_config_t *cfg, const char *addr)
{
	for (char **a = cfg->analysts; addr && a && *a; a++)
		if (kenchi_addr_same(*a, addr))
			return TRUE;
	return FALSE;
}

void
kenchi_config_check_customers(const kenchi_config_t *cfg, GString *errors)
{
	for (guint i = 0; i < cfg->customers->len; i++) {
		const kenchi_customer_t *c = g_ptr_array_index(cfg->customers, i);
		char *group = g_strdup_printf("customer %s", c->id);

		/* An analyst gets every customer's notices, and his replies are
		 * read as commands (round 36b). */
		for (char **r = c->report_to; r && *r; r++)
			if (kenchi_config_is_analyst(cfg, *r))
				kenchi_config_error(errors, cfg, group, "report_to", "\"%s\" is in [soc] analysts: it would get "
				    "every customer's case notices, and its replies would be taken as commands", *r);
		for (char **r = c->report_cc; r && *r; r++)
			if (kenchi_config_is_analyst(cfg, *r))
				kenchi_config_error(errors, cfg, group, "report_cc", "\"%s\" is in [soc] analysts: it would get "
				    "every customer's case notices, and its replies would be taken as commands", *r);

		for (char **r = c->recipients; r && *r; r++)
			if (strchr(*r, '@') == NULL || strchr(*r, '<') || strchr(*r, ' '))
				kenchi_config_error(errors, cfg, group, "recipients", "not an address: \"%s\"", *r);
		/* "*" among several customers takes every other's group in
		 * its mailbox, and ties with each of theirs elsewhere. */
		for (char **g = c->groups; cfg->customers->len > 1 && g && *g; g++)
			if (strspn(*g, "*?") == strlen(*g))
				kenchi_config_error(errors, cfg, group, "groups", "\"%s\" names no group: every customer's "
				    "would be this one's too", *g);
		for (guint j = 0; j < i; j++) {
			const kenchi_customer_t *o = g_ptr_array_index(cfg->customers, j);

			for (char **r = c->recipients; r && *r; r++)
				for (char **q = o->recipients; q && *q; q++)
					if (strcmp(*r, *q) == 0)
						kenchi_config_error(errors, cfg, group, "recipients", "\"%s\" is customer \"%s\"'s too",
						    *r, o->id);
			for (guint k = 0; c->groups_fold && c->groups_fold[k]; k++)
				for (char **h = o->groups_fold; h && *h; h++)
					if (same_pattern(c->groups_fold[k], *h))
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
