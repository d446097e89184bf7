/* store_cases.c: cases, their links and the allow/block lists.
 *
 * Correlation runs inside the ingest transaction, which is BEGIN IMMEDIATE:
 * the write lock is held from the lookup to the insert, so two processes
 * ingesting the same detection at once cannot both open a case (the
 * "atomic upsert" is the transaction, not a statement). */
#include "store/store_int.h"

#define CASE_COLS "id, customer, host_key, file_key, detection_id, state, reportable, suppressed_reason," \
	" score, priority, score_reasons, tags, escalated, quarantine, quarantine_at, events, first_seen," \
	" last_seen, arrival, first_report_due, second_report_due, outbreak, hostname, created_at, updated_at," \
	" coalesce(first_report, 0), sla_alerted"

static void
read_case(sqlite3_stmt *q, kenchi_case_row_t *c)
{
	c->id = sqlite3_column_int64(q, 0);
	c->customer = kenchi_col_text(q, 1);
	c->host_key = kenchi_col_text(q, 2);
	c->file_key = kenchi_col_text(q, 3);
	c->detection_id = kenchi_col_text(q, 4);
	c->state = kenchi_col_text(q, 5);
	c->reportable = sqlite3_column_int(q, 6);
	c->suppressed_reason = kenchi_col_text(q, 7);
	c->score = sqlite3_column_int(q, 8);
	c->priority = kenchi_col_text(q, 9);
	c->score_reasons = kenchi_col_text(q, 10);
	c->tags = kenchi_col_text(q, 11);
	c->escalated = sqlite3_column_int(q, 12);
	c->quarantine = kenchi_col_text(q, 13);
	c->quarantine_at = sqlite3_column_int64(q, 14);
	c->events = sqlite3_column_int(q, 15);
	c->first_seen = sqlite3_column_int64(q, 16);
	c->last_seen = sqlite3_column_int64(q, 17);
	c->arrival = sqlite3_column_int64(q, 18);
	c->first_report_due = sqlite3_column_int64(q, 19);
	c->second_report_due = sqlite3_column_int64(q, 20);
	c->outbreak = sqlite3_column_int64(q, 21);
	c->hostname = kenchi_col_text(q, 22);
	c->created_at = sqlite3_column_int64(q, 23);
	c->updated_at = sqlite3_column_int64(q, 24);
	c->first_report = sqlite3_column_int64(q, 25);
	c->sla_alerted = sqlite3_column_int(q, 26);
}

static kenchi_status_t
step_id(kenchi_store_t *st, sqlite3_stmt *q, gint64 *id)
{
	int r = sqlite3_step(q);

	if (r == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
		return KENCHI_OK;
	}
	sqlite3_reset(q);
	return r == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_case_find_detection(kenchi_store_t *st, const char *customer, const char *detection_id, gint64 *id)
{
	/* A case merged into another hands its detection on (round 36b: a
	 * later event of it went to the closed case that was merged, and
	 * nobody heard of it).  One query when the case was not merged, as
	 * nearly all are: this runs for every event of a known detection. */
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT id, merged_into FROM cases WHERE customer = ?1"
	    " AND detection_id = ?2 ORDER BY id LIMIT 1");
	gint64 next;
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, customer);
	kenchi_bind_text(q, 2, detection_id);
	r = sqlite3_step(q);
	if (r != SQLITE_ROW) {
		sqlite3_reset(q);
		return r == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, r);
	}
	*id = sqlite3_column_int64(q, 0);
	next = sqlite3_column_int64(q, 1);   /* 0 when NULL */
	sqlite3_reset(q);
	return next != 0 ? kenchi_store_case_survivor(st, next, id) : KENCHI_OK;
}

kenchi_status_t
kenchi_store_case_survivor(kenchi_store_t *st, gint64 id, gint64 *out)
{
	gint64 next = id;

	/* Merged into one merged later: follow, a few steps at most. */
	for (int i = 0; i < 8 && next != 0; i++) {
		sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT coalesce(merged_into, 0) FROM cases WHERE id = ?1");
		kenchi_status_t rc;

		if (q == NULL)
			return kenchi_store_status(st, sqlite3_errcode(st->db));
		*out = next;
		kenchi_bind_int(q, 1, next);
		rc = step_id(st, q, &next);
		if (rc == KENCHI_NOT_FOUND)
			break;
		if (rc != KENCHI_OK)
			return rc;
	}
	return KENCHI_OK;
}

static void
bind_case(sqlite3_stmt *q, const kenchi_case_row_t *c)
{
	kenchi_bind_text(q, 1, c->customer);
	kenchi_bind_text(q, 2, c->host_key);
	kenchi_bind_text(q, 3, c->file_key);
	kenchi_bind_text(q, 4, c->detection_id);
	kenchi_bind_text(q, 5, c->state);
	kenchi_bind_int(q, 6, c->reportable);
	kenchi_bind_text(q, 7, c->suppressed_reason);
	kenchi_bind_int(q, 8, c->score);
	kenchi_bind_text(q, 9, c->priority);
	kenchi_bind_text(q, 10, c->score_reasons);
	kenchi_bind_text(q, 11, c->tags);
	kenchi_bind_int(q, 12, c->escalated);
	kenchi_bind_text(q, 13, c->quarantine);
	kenchi_bind_int0(q, 14, c->quarantine_at);
	kenchi_bind_int(q, 15, c->events);
	kenchi_bind_int(q, 16, c->first_seen);
	kenchi_bind_int(q, 17, c->last_seen);
	kenchi_bind_int(q, 18, c->arrival);
	kenchi_bind_int0(q, 19, c->first_report_due);
	kenchi_bind_int0(q, 20, c->second_report_due);
	kenchi_bind_int0(q, 21, c->outbreak);
	kenchi_bind_text(q, 22, c->hostname);
	kenchi_bind_int(q, 23, c->created_at);
	kenchi_bind_int(q, 24, c->updated_at);
}

kenchi_status_t
kenchi_store_case_insert(kenchi_store_t *st, const kenchi_case_row_t *c, gint64 *id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "INSERT INTO cases (customer, host_key, file_key, detection_id,"
	    " state, reportable, suppressed_reason, score, priority, score_reasons, tags, escalated, quarantine,"
	    " quarantine_at, events, first_seen, last_seen, arrival, first_report_due, second_report_due, outbreak,"
	    " hostname, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	bind_case(q, c);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	if (r != SQLITE_DONE)
		return kenchi_store_status(st, r);
	*id = sqlite3_last_insert_rowid(st->db);
	return KENCHI_OK;
}

kenchi_status_t
kenchi_store_case_update(kenchi_store_t *st, const kenchi_case_row_t *c)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE cases SET customer = ?1, host_key = ?2, file_key = ?3,"
	    " detection_id = ?4, state = ?5, reportable = ?6, suppressed_reason = ?7, score = ?8, priority = ?9,"
	    " score_reasons = ?10, tags = ?11, escalated = ?12, quarantine = ?13, quarantine_at = ?14, events = ?15,"
	    " first_seen = ?16, last_seen = ?17, arrival = ?18, first_report_due = ?19, second_report_due = ?20,"
	    " outbreak = ?21, hostname = ?22, created_at = ?23, updated_at = ?24 WHERE id = ?25");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	bind_case(q, c);
	kenchi_bind_int(q, 25, c->id);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_case_get(kenchi_store_t *st, gint64 id, kenchi_case_cb cb, gpointer user)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT " CASE_COLS " FROM cases WHERE id = ?1");
	kenchi_case_row_t c;
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		read_case(q, &c);
		cb(&c, user);
		sqlite3_reset(q);
		return KENCHI_OK;
	}
	sqlite3_reset(q);
	return r == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_cases_each(kenchi_store_t *st, const kenchi_case_filter_t *f, kenchi_case_cb cb, gpointer user)
{
	sqlite3_stmt *q;
	kenchi_case_row_t c;
	int r;

	/* Four statements, not one with optional terms: a listing may look up
	 * an outbreak's cases for each row, and a cached statement cannot be
	 * stepped by two loops at once. */
	if (f->due_only)
		q = kenchi_store_stmt(st, "SELECT " CASE_COLS " FROM cases WHERE state = 'open' AND reportable = 1"
		    " AND (?1 IS NULL OR customer = ?1) ORDER BY second_report_due, id LIMIT ?2");
	else if (f->outbreak)
		q = kenchi_store_stmt(st, "SELECT " CASE_COLS " FROM cases WHERE (?1 IS NULL OR customer = ?1)"
		    " AND outbreak = ?3 ORDER BY id LIMIT ?2");
	else if (f->host_key)
		q = kenchi_store_stmt(st, "SELECT " CASE_COLS " FROM cases WHERE (?1 IS NULL OR customer = ?1)"
		    " AND host_key = ?3 ORDER BY id LIMIT ?2");
	else
		q = kenchi_store_stmt(st, "SELECT " CASE_COLS " FROM cases WHERE (?1 IS NULL OR customer = ?1)"
		    " AND (?3 = 0 OR state = 'open') ORDER BY id LIMIT ?2");
	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, f->customer);
	kenchi_bind_int(q, 2, f->limit > 0 ? f->limit : -1);
	if (f->outbreak)
		kenchi_bind_int(q, 3, f->outbreak);
	else if (f->host_key)
		kenchi_bind_text(q, 3, f->host_key);
	else if (!f->due_only)
		kenchi_bind_int(q, 3, f->open_only);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		read_case(q, &c);
		if (!cb(&c, user))
			break;
	}
	sqlite3_reset(q);
	return (r == SQLITE_ROW || r == SQLITE_DONE) ? KENCHI_OK : kenchi_store_status(st, r);
}

/* One part of a file's window (store_int.h): WEEK is bound only where
 * SQL has a ?5. */
static kenchi_status_t
read_window(kenchi_store_t *st, const char *sql, const char *customer, const char *file_key, gint64 t,
	    gint64 window, gint64 week, GArray *out)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, sql);
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, customer);
	kenchi_bind_text(q, 2, file_key);
	kenchi_bind_int(q, 3, t);
	kenchi_bind_int(q, 4, window);
	if (sqlite3_bind_parameter_count(q) >= 5)
		kenchi_bind_int(q, 5, week);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		kenchi_window_case_t c = {
			.id = sqlite3_column_int64(q, 0),
			.host_key = g_strdup(kenchi_col_text(q, 1)),
			.outbreak = sqlite3_column_int64(q, 2),
			.closed = sqlite3_column_int(q, 3) != 0,
			.last_seen = sqlite3_column_int64(q, 4),
		};
		const char *name = kenchi_col_text(q, 5);

		c.name = name ? g_utf8_strdown(name, -1) : NULL;
		g_array_append_val(out, c);
	}
	sqlite3_reset(q);
	return r == SQLITE_DONE ? KENCHI_OK : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_file_window(kenchi_store_t *st, const char *customer, const char *file_key, gint64 t, gint64 window,
			 GArray *out)
{
	/* C's division truncates toward zero as SQLite's does, so these are
	 * the index's weeks of the range's two ends. */
	gint64 first = (t - window - KENCHI_CASE_LONG_SECS) / KENCHI_CASE_WEEK_SECS;
	gint64 last = (t + window) / KENCHI_CASE_WEEK_SECS;
	kenchi_status_t rc = KENCHI_OK;

	for (gint64 w = first; w <= last && rc == KENCHI_OK; w++)
		rc = read_window(st, KENCHI_SQL_FILE_WEEK, customer, file_key, t, window, w, out);
	if (rc == KENCHI_OK)
		rc = read_window(st, KENCHI_SQL_FILE_LONG, customer, file_key, t, window, 0, out);
	return rc;
}

void
kenchi_window_case_clear(gpointer p)
{
	g_free(((kenchi_window_case_t *)p)->host_key);
	g_free(((kenchi_window_case_t *)p)->name);
}

kenchi_status_t
kenchi_store_case_set_outbreak(kenchi_store_t *st, gint64 id, gint64 outbreak)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE cases SET outbreak = ?2 WHERE id = ?1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_int(q, 2, outbreak);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_case_relink_outbreak(kenchi_store_t *st, gint64 from, gint64 to)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE cases SET outbreak = ?2 WHERE outbreak = ?1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, from);
	kenchi_bind_int(q, 2, to);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_case_drop_event(kenchi_store_t *st, gint64 id, const char *reason, gint64 now)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE cases SET events = max(events - 1, 0),"
	    " state = CASE WHEN events <= 1 THEN 'closed' ELSE state END,"
	    " suppressed_reason = CASE WHEN events <= 1 THEN ?2 ELSE suppressed_reason END,"
	    " reportable = CASE WHEN events <= 1 THEN 0 ELSE reportable END, updated_at = ?3 WHERE id = ?1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_text(q, 2, reason);
	kenchi_bind_int(q, 3, now);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_case_set_sure(kenchi_store_t *st, gint64 id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE cases SET sure = 1 WHERE id = ?1 AND sure = 0");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_machine_owner(kenchi_store_t *st, const char *guid, char **customer, gboolean *several)
{
	/* the terms of cases_machine's WHERE, for SQLite to use it */
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT DISTINCT customer FROM cases WHERE host_key = ?1"
	    " AND customer <> 'unassigned' AND " KENCHI_SQL_GUID_KEY " AND sure = 1 LIMIT 2");
	int r;

	*customer = NULL;
	*several = FALSE;
	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, guid);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		if (*customer) {
			*several = TRUE;
			g_clear_pointer(customer, g_free);
			break;
		}
		*customer = g_strdup(kenchi_col_text(q, 0));
	}
	sqlite3_reset(q);
	return r == SQLITE_ROW || r == SQLITE_DONE ? KENCHI_OK : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_machine_cases(kenchi_store_t *st, const char *guid, const char *customer, GArray *ids)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT id FROM cases WHERE host_key = ?1 AND customer = ?2"
	    " AND " KENCHI_SQL_GUID_KEY " ORDER BY id");

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, guid);
	kenchi_bind_text(q, 2, customer);
	return kenchi_store_ids_of(st, q, ids);
}

kenchi_status_t
kenchi_store_case_rekey(kenchi_store_t *st, gint64 id, const char *old_key, const char *key, const char *detection_id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE cases SET host_key = CASE WHEN host_key = ?2 THEN ?3"
	    " ELSE host_key END, detection_id = coalesce(detection_id, ?4) WHERE id = ?1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_text(q, 2, old_key);
	kenchi_bind_text(q, 3, key);
	kenchi_bind_text(q, 4, detection_id);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_cases_suppressed_by(kenchi_store_t *st, const char *customer, const char *reason, GArray *ids)
{
	/* A scan of the cases: only `allow remove` asks. */
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT id FROM cases WHERE state = 'suppressed'"
	    " AND (?1 IS NULL OR customer = ?1) AND (suppressed_reason = ?2"
	    " OR substr(suppressed_reason, 1, length(?2) + 8) = ?2 || ' (entry ') ORDER BY id");

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, customer);
	kenchi_bind_text(q, 2, reason);
	return kenchi_store_ids_of(st, q, ids);
}

kenchi_status_t
kenchi_store_case_suppress(kenchi_store_t *st, gint64 id, const char *reason, gint64 now)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE cases SET state = 'suppressed', reportable = 0,"
	    " suppressed_reason = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'open' AND reportable = 1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_text(q, 2, reason);
	kenchi_bind_int(q, 3, now);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	if (r != SQLITE_DONE)
		return kenchi_store_status(st, r);
	return sqlite3_changes(st->db) ? KENCHI_OK : KENCHI_NOT_FOUND;
}

kenchi_status_t
kenchi_store_list_add(kenchi_store_t *st, const kenchi_list_row_t *l, gint64 *id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "INSERT INTO lists (list, customer, kind, value, note, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, l->list);
	kenchi_bind_text(q, 2, l->customer);
	kenchi_bind_text(q, 3, l->kind);
	kenchi_bind_text(q, 4, l->value);
	kenchi_bind_text(q, 5, l->note);
	kenchi_bind_int(q, 6, l->created_at);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	st->lists_empty = -1;
	if (r != SQLITE_DONE)
		return kenchi_store_status(st, r);
	if (sqlite3_changes(st->db) == 0)
		return KENCHI_DUPLICATE;
	*id = sqlite3_last_insert_rowid(st->db);
	return KENCHI_OK;
}

kenchi_status_t
kenchi_store_list_remove(kenchi_store_t *st, const char *list, gint64 id, const char *customer)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "DELETE FROM lists WHERE list = ?1 AND id = ?2 AND (?3 IS NULL OR customer = ?3)");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, list);
	kenchi_bind_int(q, 2, id);
	kenchi_bind_text(q, 3, customer);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	st->lists_empty = -1;
	if (r != SQLITE_DONE)
		return kenchi_store_status(st, r);
	return sqlite3_changes(st->db) ? KENCHI_OK : KENCHI_NOT_FOUND;
}

/* TRUE when the lists are known to hold no row (see store_int.h). */
static gboolean
lists_empty(kenchi_store_t *st)
{
	sqlite3_stmt *q;

	if (!st->in_tx)
		return FALSE;
	if (st->lists_empty < 0) {
		if ((q = kenchi_store_stmt(st, "SELECT EXISTS (SELECT 1 FROM lists)")) == NULL)
			return FALSE;
		if (sqlite3_step(q) == SQLITE_ROW)
			st->lists_empty = sqlite3_column_int(q, 0) == 0;
		sqlite3_reset(q);
	}
	return st->lists_empty == 1;
}

kenchi_status_t
kenchi_store_list_each(kenchi_store_t *st, const char *list, const char *customer, kenchi_list_cb cb, gpointer user)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT id, list, customer, kind, value, note, created_at FROM lists"
	    " WHERE list = ?1 AND (?2 IS NULL OR customer = ?2) ORDER BY id");
	int r;

	if (lists_empty(st))
		return KENCHI_OK;
	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, list);
	kenchi_bind_text(q, 2, customer);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		kenchi_list_row_t l = {
			.id = sqlite3_column_int64(q, 0),
			.list = kenchi_col_text(q, 1),
			.customer = kenchi_col_text(q, 2),
			.kind = kenchi_col_text(q, 3),
			.value = kenchi_col_text(q, 4),
			.note = kenchi_col_text(q, 5),
			.created_at = sqlite3_column_int64(q, 6),
		};
		if (!cb(&l, user))
			break;
	}
	sqlite3_reset(q);
	return (r == SQLITE_ROW || r == SQLITE_DONE) ? KENCHI_OK : kenchi_store_status(st, r);
}
