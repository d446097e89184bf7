/* hosts.c: which machine and which outbreak an event is of, among the
 * cases of its file in the correlation window (see hosts.h). */
#include <string.h>
#include "case/hosts.h"

/* A hostname as a key: lower case, without the root's trailing dot
 * (PC-T.corp.local. is PC-T.corp.local; round 47: a second machine). */
static char *strip_root(char *s);

static char *
name_key(const char *hostname)
{
	return strip_root(g_utf8_strdown(hostname, -1));
}

char *
kenchi_case_host_key(const kenchi_event_t *ev)
{
	if (ev->v[EV_CONNECTOR_GUID])
		return g_ascii_strdown(ev->v[EV_CONNECTOR_GUID], -1);
	if (ev->v[EV_HOSTNAME])
		return name_key(ev->v[EV_HOSTNAME]);
	return g_strdup("unknown-host");
}

char *
kenchi_case_file_key(const kenchi_event_t *ev)
{
	if (ev->v[EV_SHA256])
		return g_strdup(ev->v[EV_SHA256]);
	if (ev->v[EV_DETECTION])
		return g_strconcat("det:", ev->v[EV_DETECTION], NULL);
	if (ev->v[EV_IOC_SHORT])
		return g_strconcat("ioc:", ev->v[EV_IOC_SHORT], NULL);
	return g_strconcat("type:", ev->v[EV_EVENT_TYPE_ID] ? ev->v[EV_EVENT_TYPE_ID] :
	    ev->v[EV_EVENT_TYPE] ? ev->v[EV_EVENT_TYPE] : "unknown", NULL);
}

/* How many hosts have the file in the window WIN, the case at hand (HOST_KEY,
 * its id ID or 0 when new) included and the keys in UNSURE not; *FIRST the
 * smallest case id of them; *GREW whether HOST_KEY is new among them. */
int
kenchi_hosts_count(GArray *win, const char *host_key, GHashTable *unsure, gint64 id, gint64 *first, gboolean *grew)
{
	GHashTable *hosts = g_hash_table_new(g_str_hash, g_str_equal);
	int n;

	*first = id;
	for (guint i = 0; i < win->len; i++) {
		const kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);
		if (w->host_key && !g_hash_table_contains(unsure, w->host_key))
			g_hash_table_add(hosts, w->host_key);
		if (*first == 0 || w->id < *first)
			*first = w->id;
	}
	*grew = !g_hash_table_contains(unsure, host_key) && g_hash_table_add(hosts, (gpointer)host_key);
	n = MAX((int)g_hash_table_size(hosts), 1);
	g_hash_table_unref(hosts);
	return n;
}

/* A host name with a domain ("pc-1.corp.local"), not an address. */
static gboolean
has_domain(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot != NULL && dot > name && strspn(name, "0123456789.:") != strlen(name);
}

/* S without the root's trailing dots, in place. */
static char *
strip_root(char *s)
{
	gsize n = strlen(s);

	while (n > 1 && s[n - 1] == '.')
		s[--n] = '\0';
	return s;
}

gboolean
kenchi_host_matches(const char *pattern, const char *hostname)
{
	char *g = strip_root(g_utf8_casefold(pattern, -1)), *h = strip_root(g_utf8_casefold(hostname, -1));
	gboolean hit = g_pattern_match_simple(g, h);

	/* PC-LAB-01 covers PC-LAB-01.acme.local: an alert may name a machine
	 * with its domain (round 43a).  Not the other way round: a pattern
	 * that names a domain matches that domain only, or *.lab.local would
	 * match every name without one (round 47). */
	if (!hit && !has_domain(g) && has_domain(h)) {
		*strchr(h, '.') = '\0';
		hit = g_pattern_match_simple(g, h);
	}
	g_free(g);
	g_free(h);
	return hit;
}

/* kenchi_host_domain_of() of two keys (name_key()). */
static gboolean
key_domain_of(const char *n, const char *f)
{
	return !has_domain(n) && has_domain(f) && g_str_has_prefix(f, n) && f[strlen(n)] == '.';
}

gboolean
kenchi_host_same(const char *a, const char *b)
{
	char *x = name_key(a), *y = name_key(b);
	gboolean same = strcmp(x, y) == 0 || key_domain_of(x, y) || key_domain_of(y, x);

	g_free(x);
	g_free(y);
	return same;
}

gboolean
kenchi_host_domain_of(const char *name, const char *fqdn)
{
	char *n = name_key(name), *f = name_key(fqdn);
	gboolean of = key_domain_of(n, f);

	g_free(n);
	g_free(f);
	return of;
}

/* Note in FQDN_OF that NAME, with a domain, has the first label LABEL
 * ("": two names with different domains have it). */
static void
fqdn_named(GHashTable *fqdn_of, const char *name)
{
	char *label = g_strndup(name, strchr(name, '.') - name);
	const char *had = g_hash_table_lookup(fqdn_of, label);

	if (had && strcmp(had, name) != 0)
		name = "";
	g_hash_table_replace(fqdn_of, label, g_strdup(name));
}

/* *NAME (g_malloc'd, lower case), a name without a domain, made the one
 * name with a domain whose first label it is; "" when two domains have
 * it; unchanged when none.  Returns the name with a domain, "" or NULL. */
static const char *
fqdn_of_short(GHashTable *fqdn_of, char **name)
{
	const char *f;

	if (*name == NULL || has_domain(*name) || (f = g_hash_table_lookup(fqdn_of, *name)) == NULL)
		return NULL;
	if (*f) {
		g_free(*name);
		*name = g_strdup(f);
	}
	return f;
}

/* One machine named with and without its domain (PC-GX-77 and
 * PC-GX-77.globex.local, neither with a GUID: two cases and a second host
 * before, round 43a F7): a name without a domain is the one name with a
 * domain of its first label among the window's and the event's; when two
 * domains have that label, it is either machine, which is not known, and
 * a key of it goes into UNSURE.  Keys of no GUID follow their names. */
static void
join_domains(GArray *win, char **name, char **host_key, gboolean guid, GHashTable *unsure)
{
	GHashTable *fqdn_of = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *f;

	/* Once per placement over every case of the file in the window (a
	 * worm's thousands): in place, without allocating, the store having
	 * lowered the names' case already. */
	for (guint i = 0; i < win->len; i++) {
		kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);

		if (w->name && strchr(strip_root(w->name), '.') && has_domain(w->name))
			fqdn_named(fqdn_of, w->name);
	}
	if (*name && has_domain(*name))
		fqdn_named(fqdn_of, *name);
	if (g_hash_table_size(fqdn_of) > 0) {
		for (guint i = 0; i < win->len; i++) {
			kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);
			gboolean own = w->name && w->host_key && strcmp(w->host_key, w->name) == 0;

			if ((f = fqdn_of_short(fqdn_of, &w->name)) == NULL)
				continue;
			if (own && *f) {
				g_free(w->host_key);
				w->host_key = g_strdup(f);
			} else if (own) {
				g_hash_table_add(unsure, g_strdup(w->host_key));
			}
		}
		if ((f = fqdn_of_short(fqdn_of, name)) != NULL && !guid) {
			if (*f) {
				g_free(*host_key);
				*host_key = g_strdup(f);
			} else {
				g_hash_table_add(unsure, g_strdup(*host_key));
			}
		}
	}
	g_hash_table_unref(fqdn_of);
}

/* Note in GUID_OF that hostname NAME is GUID's. */
static void
guid_named(GHashTable *guid_of, char *name, char *guid)
{
	const char *had = g_hash_table_lookup(guid_of, name);

	/* Two GUIDs of one name are two machines (a re-imaged PC, a default
	 * "DESKTOP-..." name): an alert without one belongs to neither
	 * (round 44: it merged them into one case). */
	g_hash_table_insert(guid_of, name, had && strcmp(had, guid) != 0 ? (char *)"" : guid);
}

/* One machine, two keys: an alert that names its connector's GUID and one
 * that does not (a mail template without it, beside the API) are of one
 * host when their hostnames agree (round 43a: one machine made two cases
 * and two first reports).  The window's cases with no GUID, and the event
 * EV with its key HOST_KEY (g_free), take the GUID of a case, or of the
 * event, with their hostname; the key to use is returned. */
char *
kenchi_hosts_join(GArray *win, const kenchi_event_t *ev, char *host_key, GHashTable *unsure)
{
	GHashTable *guid_of = g_hash_table_new(g_str_hash, g_str_equal);   /* name -> GUID ("": two), borrowed */
	char *name = ev->v[EV_HOSTNAME] ? name_key(ev->v[EV_HOSTNAME]) : NULL;
	const char *g;

	join_domains(win, &name, &host_key, ev->v[EV_CONNECTOR_GUID] != NULL, unsure);
	for (guint i = 0; i < win->len; i++) {
		const kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);

		if (w->name && w->host_key && strcmp(w->host_key, w->name) != 0)
			guid_named(guid_of, w->name, w->host_key);
	}
	if (name && ev->v[EV_CONNECTOR_GUID])
		guid_named(guid_of, name, host_key);
	/* A key of no GUID whose name two GUIDs have is one of them, which
	 * is not known: no host of its own in an outbreak's count (round 45). */
	for (guint i = 0; i < win->len; i++) {
		kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);

		if (w->name == NULL || w->host_key == NULL || strcmp(w->host_key, w->name) != 0 ||
		    (g = g_hash_table_lookup(guid_of, w->name)) == NULL)
			continue;
		if (*g == '\0') {
			g_hash_table_add(unsure, g_strdup(w->host_key));
		} else {
			g_free(w->host_key);
			w->host_key = g_strdup(g);
		}
	}
	if (name && ev->v[EV_CONNECTOR_GUID] == NULL && (g = g_hash_table_lookup(guid_of, name)) != NULL) {
		char *key = *g ? g_strdup(g) : NULL;

		if (key == NULL) {
			g_hash_table_add(unsure, g_strdup(host_key));
		} else {
			g_free(host_key);
			host_key = key;
		}
	}
	g_hash_table_unref(guid_of);
	g_free(name);
	return host_key;
}

/* The case an event of HOST_KEY joins among the file's cases in the window
 * WIN: not closed, the one last seen latest (of two, the later case).
 * Every case of the file whose span meets the window is in WIN, so this is
 * the same-host lookup without a second search of the index. */
kenchi_status_t
kenchi_hosts_same_case(GArray *win, const char *host_key, gint64 *id)
{
	const kenchi_window_case_t *best = NULL;

	for (guint i = 0; i < win->len; i++) {
		const kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);

		if (w->closed || w->host_key == NULL || strcmp(w->host_key, host_key) != 0)
			continue;
		if (best == NULL || w->last_seen > best->last_seen || (w->last_seen == best->last_seen && w->id > best->id))
			best = w;
	}
	if (best == NULL)
		return KENCHI_NOT_FOUND;
	*id = best->id;
	return KENCHI_OK;
}

int
kenchi_hosts_bridged(GArray *win, const char *host_key, gint64 id, gboolean by_detection, gint64 *out, int max)
{
	gboolean in = by_detection;
	int n = 0;

	for (guint i = 0; i < win->len; i++)
		in |= g_array_index(win, kenchi_window_case_t, i).id == id;
	for (guint i = 0; in && i < win->len && n < max; i++) {
		const kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);

		if (w->id != id && !w->closed && w->host_key && strcmp(w->host_key, host_key) == 0)
			out[n++] = w->id;
	}
	return n;
}
