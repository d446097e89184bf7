/* hosts.c: which machine and which outbreak an event is of, among the
 * cases of its file in the correlation window (see hosts.h). */
#include <string.h>
#include "case/hosts.h"

char *
kenchi_case_host_key(const kenchi_event_t *ev)
{
	if (ev->v[EV_CONNECTOR_GUID])
		return g_ascii_strdown(ev->v[EV_CONNECTOR_GUID], -1);
	if (ev->v[EV_HOSTNAME])
		return g_utf8_strdown(ev->v[EV_HOSTNAME], -1);
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
	char *name = ev->v[EV_HOSTNAME] ? g_utf8_strdown(ev->v[EV_HOSTNAME], -1) : NULL;
	const char *g;

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
