/* store_replies.c: analysts' findings, notes, the audit trail, merging. */
#include <string.h>
#include "store/store_int.h"

void
kenchi_findings_clear(kenchi_findings_t *f)
{
	g_free(f->verdict);
	g_free(f->verdict_level);
	g_free(f->state_text);
	g_free(f->reason);
	g_free(f->summary);
	g_free(f->action);
	g_free(f->prevention);
	g_free(f->assignee);
	g_free(f->priority);
	g_free(f->state);
	memset(f, 0, sizeof *f);
}

kenchi_status_t
kenchi_store_findings_get(kenchi_store_t *st, gint64 case_id, kenchi_findings_t *f)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT verdict, verdict_level, state_text, reason, summary, action,"
	    " prevention, assignee, priority, state, coalesce(merged_into, 0), coalesce(second_report, 0),"
	    " coalesce(second_report_at, 0), coalesce(first_report, 0), attention FROM cases WHERE id = ?1");
	int rc;

	memset(f, 0, sizeof *f);
	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, case_id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		f->verdict = g_strdup(kenchi_col_text(q, 0));
		f->verdict_level = g_strdup(kenchi_col_text(q, 1));
		f->state_text = g_strdup(kenchi_col_text(q, 2));
		f->reason = g_strdup(kenchi_col_text(q, 3));
		f->summary = g_strdup(kenchi_col_text(q, 4));
		f->action = g_strdup(kenchi_col_text(q, 5));
		f->prevention = g_strdup(kenchi_col_text(q, 6));
		f->assignee = g_strdup(kenchi_col_text(q, 7));
		f->priority = g_strdup(kenchi_col_text(q, 8));
		f->state = g_strdup(kenchi_col_text(q, 9));
		f->merged_into = sqlite3_column_int64(q, 10);
		f->second_report = sqlite3_column_int64(q, 11);
		f->second_report_at = sqlite3_column_int64(q, 12);
		f->first_report = sqlite3_column_int64(q, 13);
		f->attention = sqlite3_column_int(q, 14);
		sqlite3_reset(q);
		return KENCHI_OK;
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_findings_set(kenchi_store_t *st, gint64 case_id, const kenchi_findings_t *f, gint64 now)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE cases SET verdict = ?2, verdict_level = ?3, state_text = ?4,"
	    " reason = ?5, summary = ?6, action = ?7, prevention = ?8, assignee = ?9, priority = coalesce(?10, priority),"
	    " state = coalesce(?11, state), merged_into = ?12, second_report = ?13, second_report_at = ?14,"
	    " attention = ?15, updated_at = ?16 WHERE id = ?1");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, case_id);
	kenchi_bind_text(q, 2, f->verdict);
	kenchi_bind_text(q, 3, f->verdict_level);
	kenchi_bind_text(q, 4, f->state_text);
	kenchi_bind_text(q, 5, f->reason);
	kenchi_bind_text(q, 6, f->summary);
	kenchi_bind_text(q, 7, f->action);
	kenchi_bind_text(q, 8, f->prevention);
	kenchi_bind_text(q, 9, f->assignee);
	kenchi_bind_text(q, 10, f->priority);
	kenchi_bind_text(q, 11, f->state);
	kenchi_bind_int0(q, 12, f->merged_into);
	kenchi_bind_int0(q, 13, f->second_report);
	kenchi_bind_int0(q, 14, f->second_report_at);
	kenchi_bind_int(q, 15, f->attention);
	kenchi_bind_int(q, 16, now);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return kenchi_store_status(st, rc);
	return sqlite3_changes(st->db) ? KENCHI_OK : KENCHI_NOT_FOUND;
}

/* SQL with ?1 FROM, ?2 INTO and ?3 NOW, stepped once. */
static kenchi_status_t
merge_step(kenchi_store_t *st, const char *sql, gint64 from, gint64 into, gint64 now)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, sql);
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, from);
	kenchi_bind_int(q, 2, into);
	if (sqlite3_bind_parameter_count(q) >= 3)
		kenchi_bind_int(q, 3, now);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_case_merge(kenchi_store_t *st, gint64 from, gint64 into, gint64 now)
{
	kenchi_status_t rc;

	if ((rc = merge_step(st, "UPDATE cases SET events = events + (SELECT events FROM cases WHERE id = ?1),"
	    " first_seen = min(first_seen, (SELECT first_seen FROM cases WHERE id = ?1)),"
	    " last_seen = max(last_seen, (SELECT last_seen FROM cases WHERE id = ?1)), updated_at = ?3 WHERE id = ?2",
	    from, into, now)) != KENCHI_OK ||
	    (rc = merge_step(st, "UPDATE events SET case_id = ?2 WHERE case_id = ?1", from, into, now)) != KENCHI_OK)
		return rc;
	/* Cases merged into FROM before go where it goes: a pointer to a
	 * closed case sent the analyst there (rc3 F8). */
	if ((rc = merge_step(st, "UPDATE cases SET merged_into = ?2 WHERE merged_into = ?1", from, into, now)) !=
	    KENCHI_OK)
		return rc;
	return merge_step(st, "UPDATE cases SET state = 'closed', merged_into = ?2, events = 0, updated_at = ?3"
	    " WHERE id = ?1", from, into, now);
}

kenchi_status_t
kenchi_store_note_add(kenchi_store_t *st, gint64 case_id, const char *author, const char *source,
		      const char *message_id, const char *text, gint64 now)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "INSERT INTO notes (case_id, author, source, message_id, text, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, case_id);
	kenchi_bind_text(q, 2, author);
	kenchi_bind_text(q, 3, source);
	kenchi_bind_text(q, 4, message_id);
	kenchi_bind_text(q, 5, text);
	kenchi_bind_int(q, 6, now);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_notes_each(kenchi_store_t *st, gint64 case_id, kenchi_note_cb cb, gpointer user)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT id, case_id, author, source, message_id, text, created_at"
	    " FROM notes WHERE case_id = ?1 ORDER BY id");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, case_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		kenchi_note_row_t n = {
			.id = sqlite3_column_int64(q, 0), .case_id = sqlite3_column_int64(q, 1),
			.author = kenchi_col_text(q, 2), .source = kenchi_col_text(q, 3),
			.message_id = kenchi_col_text(q, 4), .text = kenchi_col_text(q, 5),
			.created_at = sqlite3_column_int64(q, 6),
		};
		if (!cb(&n, user))
			break;
	}
	sqlite3_reset(q);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KENCHI_OK : kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_audit_add(kenchi_store_t *st, const kenchi_audit_row_t *r)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "INSERT INTO audit (case_id, sender, message_id, command, result, ok, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int0(q, 1, r->case_id);
	kenchi_bind_text(q, 2, r->sender);
	kenchi_bind_text(q, 3, r->message_id);
	kenchi_bind_text(q, 4, r->command);
	kenchi_bind_text(q, 5, r->result);
	kenchi_bind_int(q, 6, r->ok);
	kenchi_bind_int(q, 7, r->created_at);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_audit_seen(kenchi_store_t *st, const char *message_id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT 1 FROM audit WHERE message_id = ?1 LIMIT 1");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	if (message_id == NULL)
		return KENCHI_NOT_FOUND;
	kenchi_bind_text(q, 1, message_id);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_ROW)
		return KENCHI_DUPLICATE;
	return rc == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_audit_each(kenchi_store_t *st, gint64 case_id, kenchi_audit_cb cb, gpointer user)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT id, coalesce(case_id, 0), sender, message_id, command, result, ok,"
	    " created_at FROM audit WHERE ?1 = 0 OR case_id = ?1 ORDER BY id");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, case_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		kenchi_audit_row_t a = {
			.id = sqlite3_column_int64(q, 0), .case_id = sqlite3_column_int64(q, 1),
			.sender = kenchi_col_text(q, 2), .message_id = kenchi_col_text(q, 3),
			.command = kenchi_col_text(q, 4), .result = kenchi_col_text(q, 5),
			.ok = sqlite3_column_int(q, 6), .created_at = sqlite3_column_int64(q, 7),
		};
		if (!cb(&a, user))
			break;
	}
	sqlite3_reset(q);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KENCHI_OK : kenchi_store_status(st, rc);
}

static kenchi_status_t
exec_fixed(kenchi_store_t *st, const char *sql)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, sql);
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_savepoint(kenchi_store_t *st)
{
	return exec_fixed(st, "SAVEPOINT kenchi_cmds");
}

kenchi_status_t
kenchi_store_savepoint_release(kenchi_store_t *st)
{
	return exec_fixed(st, "RELEASE kenchi_cmds");
}

void
kenchi_store_savepoint_rollback(kenchi_store_t *st)
{
	(void)exec_fixed(st, "ROLLBACK TO kenchi_cmds");
	(void)exec_fixed(st, "RELEASE kenchi_cmds");
	st->lists_empty = -1;   /* the lists may be back as they were */
}

/* The one text column that statement SQL selects of outbox row ID. */
static char *
outbox_text(kenchi_store_t *st, const char *sql, gint64 id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, sql);
	char *r = NULL;

	if (q == NULL)
		return NULL;
	kenchi_bind_int(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW)
		r = g_strdup(kenchi_col_text(q, 0));
	sqlite3_reset(q);
	return r;
}

char *
kenchi_store_outbox_message_id(kenchi_store_t *st, gint64 id)
{
	return outbox_text(st, "SELECT message_id FROM outbox WHERE id = ?1", id);
}

char *
kenchi_store_outbox_state(kenchi_store_t *st, gint64 id)
{
	return outbox_text(st, "SELECT state FROM outbox WHERE id = ?1", id);
}

gboolean
kenchi_store_outbox_same_body(kenchi_store_t *st, gint64 a, gint64 b)
{
	/* The header differs (Message-Id, Date); the body is the report.  A
	 * row that failed did not go out: sending again is the way to resend
	 * it to an address fixed since (round 37a). */
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT substr(x.raw, instr(x.raw, X'0d0a0d0a')) ="
	    " substr(y.raw, instr(y.raw, X'0d0a0d0a')) AND x.subject IS y.subject AND x.rcpts = y.rcpts"
	    " FROM outbox x, outbox y WHERE x.id = ?1 AND y.id = ?2 AND x.state != 'failed'");
	gboolean same = FALSE;

	if (q == NULL)
		return FALSE;
	kenchi_bind_int(q, 1, a);
	kenchi_bind_int(q, 2, b);
	if (sqlite3_step(q) == SQLITE_ROW)
		same = sqlite3_column_int(q, 0) != 0;
	sqlite3_reset(q);
	return same;
}

gboolean
kenchi_store_case_mail_cited(kenchi_store_t *st, gint64 case_id, const char *refs)
{
	/* A report that covered several cases lists them in `cases`
	 * ("3 7 9"); the first is case_id. */
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT message_id FROM outbox WHERE kind IN ('first_report',"
	    " 'second_report') AND (case_id = ?1 OR ' ' || cases || ' ' LIKE '% ' || ?1 || ' %')");
	gboolean hit = FALSE;

	if (q == NULL || refs == NULL)
		return FALSE;
	kenchi_bind_int(q, 1, case_id);
	while (!hit && sqlite3_step(q) == SQLITE_ROW) {
		const char *mid = kenchi_col_text(q, 0);
		hit = mid && *mid && strstr(refs, mid) != NULL;
	}
	sqlite3_reset(q);
	return hit;
}
