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

kenchi_status_t
kenchi_store_event_insert(kenchi_store_t *st, const kenchi_event_row_t *e, gint64 *id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st,
	    "INSERT INTO events (uid, message, customer, source, message_id, fingerprint, event_type,"
	    " event_type_id, hostname, connector_guid, sha256, detection, detection_id, severity, date,"
	    " received_at, case_id, score, priority, json)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
	    " ON CONFLICT(uid) DO NOTHING");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
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
		    " received_at, case_id, score, priority FROM events"
		    " WHERE case_id = ?3 AND (?1 IS NULL OR customer = ?1) AND (?2 = 0 OR coalesce(date, received_at) >= ?2)"
		    " ORDER BY id LIMIT ?4");
	else if (f->customer)
		q = kenchi_store_stmt(st,
		    "SELECT id, message, uid, customer, source, message_id, fingerprint, json, event_type,"
		    " event_type_id, hostname, connector_guid, sha256, detection, detection_id, severity, date,"
		    " received_at, case_id, score, priority FROM events"
		    " WHERE customer = ?1 AND (?2 = 0 OR coalesce(date, received_at) >= ?2) AND ?3 = 0"
		    " ORDER BY id LIMIT ?4");
	else
		q = kenchi_store_stmt(st,
		    "SELECT id, message, uid, customer, source, message_id, fingerprint, json, event_type,"
		    " event_type_id, hostname, connector_guid, sha256, detection, detection_id, severity, date,"
		    " received_at, case_id, score, priority FROM events"
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
		};
		if (!cb(&e, user))
			break;
	}
	sqlite3_reset(q);
	return (r == SQLITE_ROW || r == SQLITE_DONE) ? KENCHI_OK : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_case_event_kinds(kenchi_store_t *st, gint64 case_id, int max, kenchi_event_cb cb, gpointer user)
{
	/* events_case is (case_id, event_type_id): the kinds are read from
	 * the index, however many repeats the case has. */
	sqlite3_stmt *q = kenchi_store_stmt(st,
	    "SELECT id, json, event_type_id, date, received_at FROM events WHERE id IN"
	    " (SELECT max(id) FROM events WHERE case_id = ?1 GROUP BY event_type_id) ORDER BY id LIMIT ?2");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, case_id);
	kenchi_bind_int(q, 2, max);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		kenchi_event_row_t e = {
			.id = sqlite3_column_int64(q, 0),
			.json = kenchi_col_text(q, 1),
			.event_type_id = sqlite3_column_int64(q, 2),
			.date = sqlite3_column_int64(q, 3),
			.received_at = sqlite3_column_int64(q, 4),
			.case_id = case_id,
		};
		if (!cb(&e, user))
			break;
	}
	sqlite3_reset(q);
	return (r == SQLITE_ROW || r == SQLITE_DONE) ? KENCHI_OK : kenchi_store_status(st, r);
}
