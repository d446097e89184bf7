/* outbreak.c: an outbreak beyond the event's window.
 *
 * Why: the hosts of a file were counted in the window of the event at
 * hand, so a chain of hosts 20 h apart scored by the order its alerts came
 * in: in date order the third host's window no longer held the first, and
 * the three cases stayed "spreading" (P3); in another order one window
 * held all three, and they were an "outbreak" (P2) (rc2 F3).  The
 * outbreak's cases are linked (correlate.c): its hosts are all of theirs,
 * as its scope shows them. */
#include <string.h>
#include "case/correlate_int.h"
#include "case/hosts.h"


typedef struct {
	GHashTable *hosts;   /* host keys (owned) */
	GArray *ids;         /* gint64: its open cases */
} reach_t;

static gboolean
take_case(const kenchi_case_row_t *r, gpointer user)
{
	reach_t *o = user;

	/* A case merged into another still names a host that had the file:
	 * an analyst's merge across machines took its events, not its host
	 * out of the outbreak (rc3 F2). */
	if (r->host_key)
		g_hash_table_add(o->hosts, g_strdup(r->host_key));
	if (strcmp(r->state, "closed") != 0)
		g_array_append_val(o->ids, r->id);
	return TRUE;
}

gboolean
kenchi_outbreak_take_open(const kenchi_case_row_t *r, gpointer user)
{
	if (strcmp(r->state, "closed") != 0)
		g_array_append_val((GArray *)user, r->id);
	return TRUE;
}

int
kenchi_outbreak_groups(GArray *win, gint64 id, gint64 outbreak, gint64 *obs, int *n_obs, int max)
{
	GHashTable *groups = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	int n;

	*n_obs = 0;
	for (guint i = 0; i <= win->len; i++) {
		const kenchi_window_case_t *w = i < win->len ? &g_array_index(win, kenchi_window_case_t, i) : NULL;
		gint64 ob = w ? w->outbreak : outbreak, key;
		gboolean seen = FALSE;

		if (w && (w->closed || w->id == id))
			continue;   /* the event's own case: its outbreak below */
		if (w == NULL && id == 0)
			break;      /* a new case is no group yet */
		key = ob ? ob : -(w ? w->id : id);
		g_hash_table_add(groups, g_memdup2(&key, sizeof key));
		for (int k = 0; k < *n_obs && !seen; k++)
			seen = obs[k] == ob;
		if (ob && !seen && *n_obs < max)
			obs[(*n_obs)++] = ob;
	}
	n = (int)g_hash_table_size(groups);
	g_hash_table_unref(groups);
	return n;
}

kenchi_status_t
kenchi_outbreak_reach(kenchi_store_t *st, GArray *win, const char *customer, const gint64 *obs, int n_obs,
		      const char *host_key, GHashTable *unsure, int *hosts, gboolean *grew, GArray *ids)
{
	reach_t o = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), ids };
	kenchi_status_t rc = KENCHI_OK;

	for (int k = 0; k < n_obs && rc == KENCHI_OK; k++) {
		kenchi_case_filter_t f = { .customer = customer, .outbreak = obs[k], .limit = KENCHI_OUTBREAK_READ };

		rc = kenchi_store_cases_each(st, &f, take_case, &o);
	}
	if (rc == KENCHI_OK && n_obs > 0) {
		gboolean had = g_hash_table_contains(o.hosts, host_key);

		for (guint i = 0; i < win->len; i++) {
			const kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);

			if (w->host_key && !g_hash_table_contains(unsure, w->host_key))
				g_hash_table_add(o.hosts, g_strdup(w->host_key));
		}
		if (!g_hash_table_contains(unsure, host_key))
			g_hash_table_add(o.hosts, g_strdup(host_key));
		if ((int)g_hash_table_size(o.hosts) > *hosts) {
			*hosts = (int)g_hash_table_size(o.hosts);
			*grew = !had && !g_hash_table_contains(unsure, host_key);
		}
	}
	g_hash_table_unref(o.hosts);
	return rc;
}
