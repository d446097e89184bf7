/* merge.c: two open cases of one machine and file that are one case.
 *
 * The window is a case's: a machine's file within the window of its last
 * event is a repeat of it.  Alerts arrive out of order (a mail held back,
 * an import in file-name order), so an event can fall within the window of
 * two cases of its machine and file, which then are one (correlate.h). */
#include <string.h>
#include "case/correlate_int.h"

/* Why: a case is a machine's file within the window of its last event, so
 * three events 20 h apart made one case in date order but two when the
 * latest came first (rc1 F1): the earliest, 40 h before it, opened its
 * own, and the middle one, a repeat of both, joined one.  Two first reports
 * went out for one detection. */
kenchi_status_t
kenchi_cases_merge(kenchi_cases_t *cx, kenchi_store_t *st, gint64 from, gint64 into, int hosts, gint64 now,
		   char was[3], char is[3])
{
	case_buf_t f = { 0 }, b = { 0 };
	kenchi_lists_t *ls = NULL;
	char *note = NULL;
	kenchi_status_t rc;

	was[0] = is[0] = '\0';
	if ((rc = kenchi_store_case_get(st, from, kenchi_case_copy, &f)) != KENCHI_OK ||
	    (rc = kenchi_store_case_get(st, into, kenchi_case_copy, &b)) != KENCHI_OK)
		goto done;
	g_strlcpy(was, b.row.priority ? b.row.priority : "", 3);
	if (strcmp(f.row.state, "closed") == 0 || strcmp(f.row.state, b.row.state) != 0 ||
	    f.row.reportable != b.row.reportable || strcmp(f.row.customer, b.row.customer) != 0) {
		rc = KENCHI_NOT_FOUND;
		goto done;
	}
	if ((rc = kenchi_store_case_merge(st, from, into, now)) != KENCHI_OK)
		goto done;
	/* its counts and times, as the merge left them */
	kenchi_case_buf_clear(&b);
	memset(&b, 0, sizeof b);
	if ((rc = kenchi_store_case_get(st, into, kenchi_case_copy, &b)) != KENCHI_OK)
		goto done;
	if (b.row.detection_id == NULL && f.row.detection_id)
		kenchi_case_set_str(&b, 3, &b.row.detection_id, f.row.detection_id);
	if (b.row.hostname == NULL && f.row.hostname)
		kenchi_case_set_str(&b, 10, &b.row.hostname, f.row.hostname);
	if (f.row.quarantine_at > b.row.quarantine_at) {
		kenchi_case_set_str(&b, 9, &b.row.quarantine, f.row.quarantine);
		b.row.quarantine_at = f.row.quarantine_at;
	}
	b.row.escalated |= f.row.escalated;
	if (b.row.reportable && f.row.arrival < b.row.arrival)
		kenchi_case_set_deadlines(cx, &b.row, f.row.arrival);
	if (f.row.outbreak && f.row.outbreak != b.row.outbreak) {
		gint64 lo = b.row.outbreak && b.row.outbreak < f.row.outbreak ? b.row.outbreak : f.row.outbreak;
		gint64 hi = lo == f.row.outbreak ? b.row.outbreak : f.row.outbreak;

		if (hi && (rc = kenchi_store_case_relink_outbreak(st, hi, lo)) != KENCHI_OK)
			goto done;
		b.row.outbreak = lo;
	}
	b.row.updated_at = now;
	if ((rc = kenchi_store_case_update(st, &b.row)) != KENCHI_OK)
		goto done;
	if ((ls = kenchi_lists_load(st, b.row.customer, &rc)) == NULL)
		goto done;
	if ((rc = kenchi_case_rescore(cx, st, ls, into, hosts, NULL)) != KENCHI_OK)
		goto done;
	kenchi_case_buf_clear(&b);
	memset(&b, 0, sizeof b);
	if ((rc = kenchi_store_case_get(st, into, kenchi_case_copy, &b)) != KENCHI_OK)
		goto done;
	g_strlcpy(is, b.row.priority ? b.row.priority : "", 3);
	note = g_strdup_printf("case %" G_GINT64_FORMAT " merged into this one: an event within the window of both"
	    " repeated the machine's file", from);
	rc = kenchi_store_note_add(st, into, "kenchi", "merge", NULL, note, now);
done:
	kenchi_case_buf_clear(&f);
	kenchi_case_buf_clear(&b);
	kenchi_lists_free(ls);
	g_free(note);
	return rc;
}

/* Why: an analyst's "merge: N" moved the case's events into N and left N
 * scored as it was: P3 while it held an Executed malware, until its next
 * event came (rc2 F8). */
kenchi_status_t
kenchi_cases_rescore(kenchi_cases_t *cx, kenchi_store_t *st, gint64 id)
{
	case_buf_t b = { 0 };
	GArray *win = g_array_new(FALSE, FALSE, sizeof(kenchi_window_case_t));
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	GHashTable *unsure = g_hash_table_new(g_str_hash, g_str_equal);
	kenchi_lists_t *ls = NULL;
	int hosts = 1;
	gboolean grew = FALSE;
	kenchi_status_t rc = kenchi_store_case_get(st, id, kenchi_case_copy, &b);

	if (rc == KENCHI_OK && b.row.outbreak)
		rc = kenchi_outbreak_reach(st, win, b.row.customer, &b.row.outbreak, 1, b.row.host_key, unsure, &hosts,
		    &grew, ids);
	if (rc == KENCHI_OK && (ls = kenchi_lists_load(st, b.row.customer, &rc)) != NULL)
		rc = kenchi_case_rescore(cx, st, ls, id, hosts, NULL);
	kenchi_lists_free(ls);
	kenchi_case_buf_clear(&b);
	g_array_unref(win);
	g_array_unref(ids);
	g_hash_table_unref(unsure);
	return rc;
}

typedef struct {
	gboolean open;
} state_t;

static gboolean
take_open(const kenchi_case_row_t *r, gpointer user)
{
	((state_t *)user)->open = strcmp(r->state, "closed") != 0;
	return FALSE;
}

kenchi_status_t
kenchi_cases_merged_host_case(kenchi_store_t *st, GArray *win, const char *host_key, gint64 *id)
{
	const kenchi_window_case_t *best = NULL;

	/* The machine's case in the window was merged into another (an
	 * analyst's merge across machines): its next event goes where its
	 * events went, not into a case of its own with a first report of its
	 * own (rc4 F3: the outcome hung on whether it came before the merge). */
	for (guint i = 0; i < win->len; i++) {
		const kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);

		if (w->closed && w->host_key && strcmp(w->host_key, host_key) == 0 &&
		    (best == NULL || w->last_seen > best->last_seen))
			best = w;
	}
	if (best != NULL) {
		gint64 to = 0;
		state_t s = { FALSE };
		kenchi_status_t rc = kenchi_store_case_survivor(st, best->id, &to);

		if (rc != KENCHI_OK)
			return rc;
		if (to != best->id && (rc = kenchi_store_case_get(st, to, take_open, &s)) != KENCHI_OK &&
		    rc != KENCHI_NOT_FOUND)
			return rc;
		if (s.open) {
			*id = to;
			return KENCHI_OK;
		}
	}
	return KENCHI_NOT_FOUND;
}

