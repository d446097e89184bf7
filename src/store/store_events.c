/* store_events.c: the events table.  The uid ("amp:<id>" or "fp:<hash>") is
 * UNIQUE: the same AMP event by mail and by API, or a replay, is stored once. */
#include "store/store_int.h"

void
kenchi_event_row_from_event(kenchi_event_row_t *row, const kenchi_event_t *ev)
{
	row->event_type = ev->v[EV_EVENT_TYPE];
	row->event_type_id = ev->v[EV_EVENT_TYPE_ID] ? g_ascii_strtoll(ev->v[EV_EVENT_TYPE_ID], NULL, 10) : 0;
	row->hostname = ev->v[EV_HOSTNAME];
	row->connector_guid = ev->v[EV_CONNECTOR_GUID];
	row->sha256 = ev->v[EV_SHA256];
	row->detection = ev->v[EV_DETECTION];
	row->detection_id = ev->v[EV_DETECTION_ID];
	row->severity = ev->v[EV_SEVERITY];
	row->date = ev->date;
}

/* ?1 to ?21: uid, message, ... json, own_score, as the insert lists them. */
static void
bind_event_row(sqlite3_stmt *q, const kenchi_event_row_t *e)
{
	kenchi_bind_text(q, 1, e->uid);
	kenchi_bind_int0(q, 2, e->message);
	kenchi_bind_text(q, 3, e->customer);
	kenchi_bind_text(q, 4, e->source);
	kenchi_bind_text(q, 5, e->message_id);
	kenchi_bind_text(q, 6, e->fingerprint);
	kenchi_bind_text(q, 7, e->event_type);
	kenchi_bind_int0(q, 8, e->event_type_id);
	kenchi_bind_text(q, 9, e->hostname);
	kenchi_bind_text(q, 10, e->connector_guid);
	kenchi_bind_text(q, 11, e->sha256);
	kenchi_bind_text(q, 12, e->detection);
	kenchi_bind_text(q, 13, e->detection_id);
	kenchi_bind_text(q, 14, e->severity);
	kenchi_bind_int0(q, 15, e->date);
	kenchi_bind_int(q, 16, e->received_at);
	kenchi_bind_int0(q, 17, e->case_id);
	kenchi_bind_int(q, 18, e->score);
	kenchi_bind_text(q, 19, e->priority);
	kenchi_bind_text(q, 20, e->json);
	if (e->case_id)
		kenchi_bind_int(q, 21, e->own_score);
	else
		sqlite3_bind_null(q, 21);
	if (e->basis > 0)
		kenchi_bind_int(q, 23, e->basis);
	else
		sqlite3_bind_null(q, 23);
}

kenchi_status_t
kenchi_store_event_insert(kenchi_store_t *st, const kenchi_event_row_t *e, gint64 *id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st,
	    "INSERT INTO events (uid, message, customer, source, message_id, fingerprint, event_type,"
	    " event_type_id, hostname, connector_guid, sha256, detection, detection_id, severity, date,"
	    " received_at, case_id, score, priority, json, own_score, basis)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?23)"
	    " ON CONFLICT(uid) DO NOTHING");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	bind_event_row(q, e);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	if (r != SQLITE_DONE)
		return kenchi_store_status(st, r);
	if (sqlite3_changes(st->db) == 1) {
		*id = sqlite3_last_insert_rowid(st->db);
		return KENCHI_OK;
	}
	if (kenchi_store_event_find(st, e->uid, id) != KENCHI_OK)
		*id = 0;
	return KENCHI_DUPLICATE;
}

kenchi_status_t
kenchi_store_event_find(kenchi_store_t *st, const char *uid, gint64 *id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT id FROM events WHERE uid = ?1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, uid);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (r == SQLITE_ROW)
		return KENCHI_OK;
	return r == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_event_find_twin(kenchi_store_t *st, const char *uid, const char *fingerprint, const char *customer,
			     const char *file_key, gint64 *id, char **twin_uid)
{
	sqlite3_stmt *q;
	int r;

	if (g_str_has_prefix(uid, "amp:")) {
		/* the customer's, or one no customer took: another customer's
		 * copy is another customer's event (rev94 #2: acme's alert was
		 * dropped as a copy of globex's) */
		q = kenchi_store_stmt(st, "SELECT id, uid FROM events WHERE uid = 'fp:' || ?1 AND customer = ?2");
	} else {
		/* through the cases of the file (an index), not every event */
		q = kenchi_store_stmt(st, "SELECT e.id, e.uid FROM cases c JOIN events e ON e.case_id = c.id"
		    " WHERE c.customer = ?2 AND c.file_key = ?3 AND e.fingerprint = ?1 AND e.uid LIKE 'amp:%' LIMIT 1");
	}
	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, fingerprint);
	kenchi_bind_text(q, 2, customer);
	if (!g_str_has_prefix(uid, "amp:"))
		kenchi_bind_text(q, 3, file_key);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		*twin_uid = g_strdup((const char *)sqlite3_column_text(q, 1));
	}
	sqlite3_reset(q);
	if (r == SQLITE_ROW)
		return KENCHI_OK;
	return r == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_event_take_uid(kenchi_store_t *st, gint64 id, const char *uid)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE OR IGNORE events SET uid = ?2 WHERE id = ?1 AND uid LIKE 'fp:%'");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_text(q, 2, uid);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_event_owner(kenchi_store_t *st, gint64 id, char **customer, gint64 *case_id, char **hostname, char **guid,
			 char **json)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT customer, coalesce(case_id, 0), hostname, connector_guid, json"
	    " FROM events WHERE id = ?1");
	int r;

	*customer = *hostname = *guid = *json = NULL;
	*case_id = 0;
	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		*customer = g_strdup(kenchi_col_text(q, 0));
		*case_id = sqlite3_column_int64(q, 1);
		*hostname = g_strdup(kenchi_col_text(q, 2));
		*guid = g_strdup(kenchi_col_text(q, 3));
		*json = g_strdup(kenchi_col_text(q, 4));
	}
	sqlite3_reset(q);
	if (r == SQLITE_ROW)
		return KENCHI_OK;
	return r == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_event_replace(kenchi_store_t *st, gint64 id, const kenchi_event_row_t *e)
{
	sqlite3_stmt *q = kenchi_store_stmt(st,
	    "UPDATE events SET message = ?2, customer = ?3, source = ?4, message_id = ?5, fingerprint = ?6,"
	    " event_type = ?7, event_type_id = ?8, hostname = ?9, connector_guid = ?10, sha256 = ?11, detection = ?12,"
	    " detection_id = ?13, severity = ?14, date = ?15, received_at = ?16, case_id = ?17, score = ?18,"
	    " priority = ?19, json = ?20, own_score = ?21, basis = ?23 WHERE id = ?22 AND uid = ?1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	bind_event_row(q, e);
	kenchi_bind_int(q, 22, id);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	if (r != SQLITE_DONE)
		return kenchi_store_status(st, r);
	return sqlite3_changes(st->db) ? KENCHI_OK : KENCHI_NOT_FOUND;
}

kenchi_status_t
kenchi_store_event_enrich(kenchi_store_t *st, gint64 id, const kenchi_event_row_t *e)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE events SET event_type = ?2, event_type_id = ?3, hostname = ?4,"
	    " connector_guid = ?5, sha256 = ?6, detection = ?7, detection_id = ?8, severity = ?9, date = ?10, json = ?11"
	    " WHERE id = ?1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_text(q, 2, e->event_type);
	kenchi_bind_int0(q, 3, e->event_type_id);
	kenchi_bind_text(q, 4, e->hostname);
	kenchi_bind_text(q, 5, e->connector_guid);
	kenchi_bind_text(q, 6, e->sha256);
	kenchi_bind_text(q, 7, e->detection);
	kenchi_bind_text(q, 8, e->detection_id);
	kenchi_bind_text(q, 9, e->severity);
	kenchi_bind_int0(q, 10, e->date);
	kenchi_bind_text(q, 11, e->json);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_events_each(kenchi_store_t *st, const kenchi_event_filter_t *f, kenchi_event_cb cb, gpointer user)
{
	sqlite3_stmt *q;
	int r;

	/* The events of one case have a statement of their own: SQLite does
	 * not use an index for "?3 = 0 OR case_id = ?3", and reports read a
	 * case's events on the ingest path. */
	if (f->case_id)
		q = kenchi_store_stmt(st,
		    "SELECT id, message, uid, customer, source, message_id, fingerprint, json, event_type,"
		    " event_type_id, hostname, connector_guid, sha256, detection, detection_id, severity, date,"
		    " received_at, case_id, score, priority, coalesce(basis, 0) FROM events"
		    " WHERE case_id = ?3 AND (?1 IS NULL OR customer = ?1) AND (?2 = 0 OR coalesce(date, received_at) >= ?2)"
		    " ORDER BY id LIMIT ?4");
	else if (f->customer)
		q = kenchi_store_stmt(st,
		    "SELECT id, message, uid, customer, source, message_id, fingerprint, json, event_type,"
		    " event_type_id, hostname, connector_guid, sha256, detection, detection_id, severity, date,"
		    " received_at, case_id, score, priority, coalesce(basis, 0) FROM events"
		    " WHERE customer = ?1 AND (?2 = 0 OR coalesce(date, received_at) >= ?2) AND ?3 = 0"
		    " ORDER BY id LIMIT ?4");
	else
		q = kenchi_store_stmt(st,
		    "SELECT id, message, uid, customer, source, message_id, fingerprint, json, event_type,"
		    " event_type_id, hostname, connector_guid, sha256, detection, detection_id, severity, date,"
		    " received_at, case_id, score, priority, coalesce(basis, 0) FROM events"
		    " WHERE ?1 IS NULL AND (?2 = 0 OR coalesce(date, received_at) >= ?2) AND ?3 = 0"
		    " ORDER BY id LIMIT ?4");

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, f->customer);
	kenchi_bind_int(q, 2, f->since);
	kenchi_bind_int(q, 3, f->case_id);
	kenchi_bind_int(q, 4, f->limit > 0 ? f->limit : -1);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		kenchi_event_row_t e = {
			.id = sqlite3_column_int64(q, 0),
			.message = sqlite3_column_int64(q, 1),
			.uid = kenchi_col_text(q, 2),
			.customer = kenchi_col_text(q, 3),
			.source = kenchi_col_text(q, 4),
			.message_id = kenchi_col_text(q, 5),
			.fingerprint = kenchi_col_text(q, 6),
			.json = kenchi_col_text(q, 7),
			.event_type = kenchi_col_text(q, 8),
			.event_type_id = sqlite3_column_int64(q, 9),
			.hostname = kenchi_col_text(q, 10),
			.connector_guid = kenchi_col_text(q, 11),
			.sha256 = kenchi_col_text(q, 12),
			.detection = kenchi_col_text(q, 13),
			.detection_id = kenchi_col_text(q, 14),
			.severity = kenchi_col_text(q, 15),
			.date = sqlite3_column_int64(q, 16),
			.received_at = sqlite3_column_int64(q, 17),
			.case_id = sqlite3_column_int64(q, 18),
			.score = sqlite3_column_int(q, 19),
			.priority = kenchi_col_text(q, 20),
			.basis = sqlite3_column_int(q, 21),
		};
		if (!cb(&e, user))
			break;
	}
	sqlite3_reset(q);
	return (r == SQLITE_ROW || r == SQLITE_DONE) ? KENCHI_OK : kenchi_store_status(st, r);
}

/* Hand the event with ID to CB; FALSE when CB says stop or on an error. */
static gboolean
scored_event(kenchi_store_t *st, gint64 id, kenchi_event_cb cb, gpointer user, kenchi_status_t *rc)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT json, event_type_id, date, received_at, case_id FROM events"
	    " WHERE id = ?1");
	gboolean go = TRUE;
	int r;

	if (q == NULL) {
		*rc = kenchi_store_status(st, sqlite3_errcode(st->db));
		return FALSE;
	}
	kenchi_bind_int(q, 1, id);
	if ((r = sqlite3_step(q)) == SQLITE_ROW) {
		kenchi_event_row_t e = {
			.id = id,
			.json = kenchi_col_text(q, 0),
			.event_type_id = sqlite3_column_int64(q, 1),
			.date = sqlite3_column_int64(q, 2),
			.received_at = sqlite3_column_int64(q, 3),
			.case_id = sqlite3_column_int64(q, 4),
		};
		go = cb(&e, user);
	} else if (r != SQLITE_DONE) {
		*rc = kenchi_store_status(st, r);
		go = FALSE;
	}
	sqlite3_reset(q);
	return go;
}

kenchi_status_t
kenchi_store_ids_of(kenchi_store_t *st, sqlite3_stmt *q, GArray *ids)
{
	int r;

	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		gint64 id = sqlite3_column_int64(q, 0);
		g_array_append_val(ids, id);
	}
	sqlite3_reset(q);
	return r == SQLITE_DONE ? KENCHI_OK : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_case_scored_events(kenchi_store_t *st, gint64 case_id, gint64 count, kenchi_event_cb cb, gpointer user)
{
	/* A small case: all of its events.  Ids first, rows after: the
	 * callback may run statements of its own. */
	sqlite3_stmt *all = kenchi_store_stmt(st, "SELECT id FROM events WHERE case_id = ?1 ORDER BY id LIMIT ?2");
	/* A large one: its types, one step of events_case_own each (a
	 * NULL type first, then upward from ?2), and the best of each. */
	sqlite3_stmt *next = kenchi_store_stmt(st, "SELECT event_type_id FROM events WHERE case_id = ?1"
	    " AND event_type_id > ?2 ORDER BY event_type_id LIMIT 1");
	sqlite3_stmt *best = kenchi_store_stmt(st, "SELECT id FROM events WHERE case_id = ?1 AND event_type_id IS ?2"
	    " ORDER BY own_score DESC, id DESC LIMIT 1");
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	kenchi_status_t rc;
	gint64 type = G_MININT64;

	if (all == NULL || next == NULL || best == NULL) {
		g_array_unref(ids);
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	}
	kenchi_bind_int(all, 1, case_id);
	kenchi_bind_int(all, 2, KENCHI_CASE_SCORED + 1);
	rc = count <= KENCHI_CASE_SCORED ? kenchi_store_ids_of(st, all, ids) : KENCHI_OK;
	if (rc == KENCHI_OK && (count > KENCHI_CASE_SCORED || ids->len > KENCHI_CASE_SCORED)) {
		g_array_set_size(ids, 0);
		kenchi_bind_int(best, 1, case_id);
		sqlite3_bind_null(best, 2);
		rc = kenchi_store_ids_of(st, best, ids);
		for (guint n = 0; rc == KENCHI_OK && n < KENCHI_CASE_SCORED; n++) {
			int r;

			kenchi_bind_int(next, 1, case_id);
			kenchi_bind_int(next, 2, type);
			r = sqlite3_step(next);
			if (r == SQLITE_ROW)
				type = sqlite3_column_int64(next, 0);
			sqlite3_reset(next);
			if (r != SQLITE_ROW) {
				rc = r == SQLITE_DONE ? KENCHI_OK : kenchi_store_status(st, r);
				break;
			}
			kenchi_bind_int(best, 1, case_id);
			kenchi_bind_int(best, 2, type);
			rc = kenchi_store_ids_of(st, best, ids);
		}
	}
	for (guint i = 0; rc == KENCHI_OK && i < ids->len; i++)
		if (!scored_event(st, g_array_index(ids, gint64, i), cb, user, &rc))
			break;
	g_array_unref(ids);
	return rc;
}
