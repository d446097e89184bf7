/* store_outbox.c: the outbox (reports and notices as rows, written in the
 * case's transaction) and the meta table. */
#include <string.h>
#include <unistd.h>
#include "store/store_int.h"

kenchi_status_t
kenchi_store_outbox_insert(kenchi_store_t *st, const kenchi_outbox_row_t *r, gint64 *id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "INSERT INTO outbox (kind, case_id, customer, state, message_id,"
	    " env_from, rcpts, subject, raw, cases, attempts, next_attempt, last_error, created_at, sent_at, due)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, NULL, ?12, NULL, ?13)");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, r->kind);
	kenchi_bind_int0(q, 2, r->case_id);
	kenchi_bind_text(q, 3, r->customer);
	kenchi_bind_text(q, 4, r->state);
	kenchi_bind_text(q, 5, r->message_id);
	kenchi_bind_text(q, 6, r->env_from);
	kenchi_bind_text(q, 7, r->rcpts);
	kenchi_bind_text(q, 8, r->subject);
	sqlite3_bind_blob64(q, 9, r->raw, r->raw_len, SQLITE_STATIC);
	kenchi_bind_text(q, 10, r->cases);
	kenchi_bind_int(q, 11, r->next_attempt);
	kenchi_bind_int(q, 12, r->created_at);
	kenchi_bind_int0(q, 13, r->due);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return kenchi_store_status(st, rc);
	*id = sqlite3_last_insert_rowid(st->db);
	return KENCHI_OK;
}

kenchi_status_t
kenchi_store_outbox_rewrite(kenchi_store_t *st, gint64 id, const char *subject, const void *raw, gsize len,
			    const char *cases, const char *rcpts)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE outbox SET subject = ?2, raw = ?3, cases = ?4, rcpts = ?5"
	    " WHERE id = ?1 AND state IN ('pending', 'held')");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_text(q, 2, subject);
	sqlite3_bind_blob64(q, 3, raw, len, SQLITE_STATIC);
	kenchi_bind_text(q, 4, cases);
	kenchi_bind_text(q, 5, rcpts);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return kenchi_store_status(st, rc);
	return sqlite3_changes(st->db) ? KENCHI_OK : KENCHI_NOT_FOUND;
}

kenchi_status_t
kenchi_store_outbox_set_raw(kenchi_store_t *st, gint64 id, const void *raw, gsize len)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE outbox SET raw = ?2 WHERE id = ?1 AND state = 'sending'");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	sqlite3_bind_blob64(q, 2, raw, len, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return kenchi_store_status(st, rc);
	return sqlite3_changes(st->db) ? KENCHI_OK : KENCHI_NOT_FOUND;
}

kenchi_status_t
kenchi_store_outbox_set_lead(kenchi_store_t *st, gint64 id, gint64 case_id, gint64 due)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE outbox SET case_id = ?2, due = ?3 WHERE id = ?1");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_int(q, 2, case_id);
	kenchi_bind_int0(q, 3, due);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_outbox_withdraw(kenchi_store_t *st, gint64 id, const char *why, gint64 now)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE outbox SET state = 'withdrawn', last_error = ?2,"
	    " next_attempt = ?3 WHERE id = ?1 AND state IN ('pending', 'held') AND attempts = 0 AND tried = 0");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_text(q, 2, why);
	kenchi_bind_int(q, 3, now);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return kenchi_store_status(st, rc);
	return sqlite3_changes(st->db) ? KENCHI_OK : KENCHI_NOT_FOUND;
}

kenchi_status_t
kenchi_store_outbox_open_report(kenchi_store_t *st, const char *customer, gint64 since, gint64 *id, char **cases)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT id, cases FROM outbox WHERE customer = ?1"
	    " AND kind = 'first_report' AND state = 'pending' AND attempts = 0 AND created_at >= ?2"
	    " ORDER BY id DESC LIMIT 1");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, customer);
	kenchi_bind_int(q, 2, since);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		*cases = g_strdup(kenchi_col_text(q, 1));
		sqlite3_reset(q);
		return KENCHI_OK;
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_outbox_claim(kenchi_store_t *st, gint64 id, gint64 now)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE outbox SET state = 'sending', next_attempt = ?2,"
	    " last_error = ?3, tried = 1 WHERE id = ?1 AND state = 'pending'");
	char who[48];
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_int(q, 2, now);
	/* Who holds the claim: a later sender frees it if that process died. */
	g_snprintf(who, sizeof who, "claimed by pid %d", (int)getpid());
	kenchi_bind_text(q, 3, who);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return kenchi_store_status(st, rc);
	return sqlite3_changes(st->db) ? KENCHI_OK : KENCHI_NOT_FOUND;
}

kenchi_status_t
kenchi_store_outbox_unclaim_stale(kenchi_store_t *st, gint64 before)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE outbox SET state = 'pending' WHERE state = 'sending'"
	    " AND next_attempt < ?1");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, before);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_outbox_requeue(kenchi_store_t *st, gint64 id, gint64 now)
{
	/* Never a sent row: a report is sent once. */
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt = ?2,"
	    " last_error = NULL WHERE id = ?1 AND state IN ('failed', 'held', 'pending')");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_int(q, 2, now);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return kenchi_store_status(st, rc);
	return sqlite3_changes(st->db) ? KENCHI_OK : KENCHI_NOT_FOUND;
}

kenchi_status_t
kenchi_store_outbox_mark(kenchi_store_t *st, gint64 id, const char *state, int attempts, gint64 next_attempt,
			 const char *error, gint64 sent_at)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE outbox SET state = ?2, attempts = ?3, next_attempt = ?4,"
	    " last_error = ?5, sent_at = ?6 WHERE id = ?1");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_text(q, 2, state);
	kenchi_bind_int(q, 3, attempts);
	kenchi_bind_int(q, 4, next_attempt);
	kenchi_bind_text(q, 5, error);
	kenchi_bind_int0(q, 6, sent_at);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return kenchi_store_status(st, rc);
	return sqlite3_changes(st->db) ? KENCHI_OK : KENCHI_NOT_FOUND;
}

kenchi_status_t
kenchi_store_outbox_each(kenchi_store_t *st, const kenchi_outbox_filter_t *f, kenchi_outbox_cb cb, gpointer user)
{
	sqlite3_stmt *q;
	int rc;

	if (f->id)
		/* One row by id: the filters' OR terms would scan the table. */
		q = kenchi_store_stmt(st, "SELECT id, kind, case_id, customer, state, message_id, env_from, rcpts, subject,"
		    " CASE WHEN ?5 THEN raw ELSE NULL END, cases, attempts, next_attempt, last_error, created_at, sent_at, due, tried"
		    " FROM outbox WHERE id = ?4 AND (?3 IS NULL OR state = ?3) AND (?6 = 0 OR case_id = ?6) LIMIT ?2");
	else if (f->case_id)
		q = kenchi_store_stmt(st, "SELECT id, kind, case_id, customer, state, message_id, env_from, rcpts, subject,"
		    " CASE WHEN ?5 THEN raw ELSE NULL END, cases, attempts, next_attempt, last_error, created_at, sent_at, due, tried"
		    " FROM outbox WHERE case_id = ?6 AND (?3 IS NULL OR state = ?3) AND ?4 = 0 ORDER BY id LIMIT ?2");
	else if (f->ready_only)
		q = kenchi_store_stmt(st, "SELECT id, kind, case_id, customer, state, message_id, env_from, rcpts, subject,"
		    " raw, cases, attempts, next_attempt, last_error, created_at, sent_at, due, tried FROM outbox"
		    " WHERE state = 'pending' AND next_attempt <= ?1 ORDER BY next_attempt, id LIMIT ?2");
	else
		q = kenchi_store_stmt(st, "SELECT id, kind, case_id, customer, state, message_id, env_from, rcpts, subject,"
		    " CASE WHEN ?5 THEN raw ELSE NULL END, cases, attempts, next_attempt, last_error, created_at, sent_at, due, tried"
		    " FROM outbox WHERE (?3 IS NULL OR state = ?3) AND (?4 = 0 OR id = ?4) AND (?6 = 0 OR case_id = ?6)"
		    " ORDER BY id LIMIT ?2");
	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 2, f->limit > 0 ? f->limit : -1);
	if (f->ready_only && !f->id && !f->case_id) {
		kenchi_bind_int(q, 1, f->now);
	} else {
		kenchi_bind_text(q, 3, f->state);
		kenchi_bind_int(q, 4, f->id);
		kenchi_bind_int(q, 5, f->with_raw);
		kenchi_bind_int(q, 6, f->case_id);
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		kenchi_outbox_row_t r = {
			.id = sqlite3_column_int64(q, 0),
			.kind = kenchi_col_text(q, 1),
			.case_id = sqlite3_column_int64(q, 2),
			.customer = kenchi_col_text(q, 3),
			.state = kenchi_col_text(q, 4),
			.message_id = kenchi_col_text(q, 5),
			.env_from = kenchi_col_text(q, 6),
			.rcpts = kenchi_col_text(q, 7),
			.subject = kenchi_col_text(q, 8),
			.raw = sqlite3_column_blob(q, 9),
			.raw_len = (gsize)sqlite3_column_bytes(q, 9),
			.cases = kenchi_col_text(q, 10),
			.attempts = sqlite3_column_int(q, 11),
			.next_attempt = sqlite3_column_int64(q, 12),
			.last_error = kenchi_col_text(q, 13),
			.created_at = sqlite3_column_int64(q, 14),
			.sent_at = sqlite3_column_int64(q, 15),
			.due = sqlite3_column_int64(q, 16),
			.tried = sqlite3_column_int(q, 17),
		};
		if (!cb(&r, user))
			break;
	}
	sqlite3_reset(q);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KENCHI_OK : kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_case_set_report(kenchi_store_t *st, gint64 case_id, gint64 outbox_id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE cases SET first_report = ?2 WHERE id = ?1");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, case_id);
	kenchi_bind_int(q, 2, outbox_id);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_cases_sla_late(kenchi_store_t *st, gint64 arrival_before, kenchi_case_cb cb, gpointer user)
{
	/* A reportable open case whose first report has not gone out. */
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT c.id, c.customer, c.host_key, c.file_key, c.detection_id,"
	    " c.state, c.reportable, c.suppressed_reason, c.score, c.priority, c.score_reasons, c.tags, c.escalated,"
	    " c.quarantine, c.quarantine_at, c.events, c.first_seen, c.last_seen, c.arrival, c.first_report_due,"
	    " c.second_report_due, c.outbreak, c.hostname, c.created_at, c.updated_at"
	    " FROM cases c LEFT JOIN outbox o ON o.id = c.first_report"
	    " WHERE c.reportable = 1 AND c.state = 'open' AND c.sla_alerted = 0 AND c.arrival < ?1"
	    " AND (o.id IS NULL OR o.state NOT IN ('sent', 'held'))"
	    " ORDER BY c.id");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, arrival_before);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		kenchi_case_row_t c = { 0 };
		c.id = sqlite3_column_int64(q, 0);
		c.customer = kenchi_col_text(q, 1);
		c.host_key = kenchi_col_text(q, 2);
		c.file_key = kenchi_col_text(q, 3);
		c.state = kenchi_col_text(q, 5);
		c.score = sqlite3_column_int(q, 8);
		c.priority = kenchi_col_text(q, 9);
		c.arrival = sqlite3_column_int64(q, 18);
		c.first_report_due = sqlite3_column_int64(q, 19);
		c.hostname = kenchi_col_text(q, 22);
		cb(&c, user);
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? KENCHI_OK : kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_case_set_sla_alerted(kenchi_store_t *st, gint64 case_id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE cases SET sla_alerted = 1 WHERE id = ?1");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, case_id);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_meta_get(kenchi_store_t *st, const char *key, GBytes **value)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT value FROM meta WHERE key = ?1");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, key);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*value = g_bytes_new(sqlite3_column_blob(q, 0), sqlite3_column_bytes(q, 0));
		sqlite3_reset(q);
		return KENCHI_OK;
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_meta_set(kenchi_store_t *st, const char *key, const void *value, gsize len)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "INSERT INTO meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, key);
	sqlite3_bind_blob64(q, 2, value, len, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, rc);
}
