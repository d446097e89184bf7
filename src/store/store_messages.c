/* store_messages.c: the messages table: raw mail and why it was (not) understood. */
#include "store/store_int.h"

kenchi_status_t
kenchi_store_message_find(kenchi_store_t *st, gint64 raw_key, const char *raw_sha256, gint64 content_hash,
			  const char *content_key, gint64 *id)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, KENCHI_SQL_MESSAGE_FIND);
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	/* The keys (util/msgkey.h) are candidates; the texts decide. */
	kenchi_bind_int(q, 1, raw_key);
	kenchi_bind_text(q, 2, raw_sha256);
	if (content_key) {
		kenchi_bind_int(q, 3, content_hash);
		kenchi_bind_text(q, 4, content_key);
	} else {
		sqlite3_bind_null(q, 3);
		sqlite3_bind_null(q, 4);
	}
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
		return KENCHI_DUPLICATE;
	}
	sqlite3_reset(q);
	return r == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, r);
}

/* A raw message above BIG_RAW is inserted as a zeroblob and written in
 * pieces: bound whole, SQLite builds the row in memory, a second copy of a
 * 50 MB message (bench/hostile). */
#define BIG_RAW (1u << 20)

static kenchi_status_t
write_raw(kenchi_store_t *st, gint64 id, const char *raw, gsize len)
{
	sqlite3_blob *b = NULL;
	gsize off;
	int r = sqlite3_blob_open(st->db, "main", "messages", "raw", id, 1, &b);

	for (off = 0; r == SQLITE_OK && off < len; off += BIG_RAW)
		r = sqlite3_blob_write(b, raw + off, (int)MIN(BIG_RAW, len - off), (int)off);
	if (b && sqlite3_blob_close(b) != SQLITE_OK && r == SQLITE_OK)
		r = sqlite3_errcode(st->db);
	return r == SQLITE_OK ? KENCHI_OK : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_message_insert(kenchi_store_t *st, const kenchi_msg_row_t *m, gint64 *id)
{
	sqlite3_stmt *q;
	kenchi_status_t rc;
	int r;

	/* No UNIQUE constraint finds the duplicate (schema.c, migration 8):
	 * the lookup does, and the write lock held since it keeps the answer
	 * true until the insert.  Outside a transaction it would not be. */
	if (sqlite3_get_autocommit(st->db))
		return KENCHI_FAIL;
	if ((rc = kenchi_store_message_find(st, m->raw_key, m->raw_sha256, m->content_hash, m->content_key, id)) != KENCHI_NOT_FOUND)
		return rc;
	q = kenchi_store_stmt(st,
	    "INSERT INTO messages (raw_sha256, raw_key, content_key, content_hash, message_id, source, origin,"
	    " customer, kind, reason, from_addr, subject, received_at, ingested_at, events, size, raw)"
	    " VALUES (?1, ?16, ?2, ?17, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, m->raw_sha256);
	kenchi_bind_int(q, 16, m->raw_key);
	kenchi_bind_text(q, 2, m->content_key);
	if (m->content_key)
		kenchi_bind_int(q, 17, m->content_hash);
	else
		sqlite3_bind_null(q, 17);
	kenchi_bind_text(q, 3, m->message_id);
	kenchi_bind_text(q, 4, m->source);
	kenchi_bind_text(q, 5, m->origin);
	kenchi_bind_text(q, 6, m->customer);
	kenchi_bind_text(q, 7, m->kind);
	kenchi_bind_text(q, 8, m->reason);
	kenchi_bind_text(q, 9, m->from_addr);
	kenchi_bind_text(q, 10, m->subject);
	kenchi_bind_int(q, 11, m->received_at);
	kenchi_bind_int(q, 12, m->ingested_at);
	kenchi_bind_int(q, 13, m->events);
	kenchi_bind_int(q, 14, (gint64)m->raw_len);
	if (m->raw_len > BIG_RAW)
		sqlite3_bind_zeroblob64(q, 15, m->raw_len);
	else
		sqlite3_bind_blob64(q, 15, m->raw ? m->raw : "", m->raw_len, SQLITE_STATIC);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	if (r != SQLITE_DONE)
		return kenchi_store_status(st, r);
	*id = sqlite3_last_insert_rowid(st->db);
	return m->raw_len > BIG_RAW ? write_raw(st, *id, m->raw, m->raw_len) : KENCHI_OK;
}

kenchi_status_t
kenchi_store_message_set_events(kenchi_store_t *st, gint64 id, int events)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE messages SET events = ?2 WHERE id = ?1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_int(q, 2, events);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_message_set_reason(kenchi_store_t *st, gint64 id, const char *reason)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "UPDATE messages SET reason = ?2 WHERE id = ?1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	kenchi_bind_text(q, 2, reason);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_messages_each(kenchi_store_t *st, const kenchi_msg_filter_t *f, kenchi_msg_cb cb, gpointer user)
{
	sqlite3_stmt *q = kenchi_store_stmt(st,
	    "SELECT id, raw_sha256, content_key, message_id, source, origin, customer, kind, reason,"
	    " from_addr, subject, received_at, ingested_at, events, size FROM messages"
	    " WHERE (?1 IS NULL AND (kind <> 'alert' OR reason IS NOT NULL) OR kind = ?1)"
	    " AND (?2 IS NULL OR customer = ?2)"
	    " ORDER BY id LIMIT ?3");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, f->kind);
	kenchi_bind_text(q, 2, f->customer);
	kenchi_bind_int(q, 3, f->limit > 0 ? f->limit : -1);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		kenchi_msg_row_t m = {
			.id = sqlite3_column_int64(q, 0),
			.raw_sha256 = kenchi_col_text(q, 1),
			.content_key = kenchi_col_text(q, 2),
			.message_id = kenchi_col_text(q, 3),
			.source = kenchi_col_text(q, 4),
			.origin = kenchi_col_text(q, 5),
			.customer = kenchi_col_text(q, 6),
			.kind = kenchi_col_text(q, 7),
			.reason = kenchi_col_text(q, 8),
			.from_addr = kenchi_col_text(q, 9),
			.subject = kenchi_col_text(q, 10),
			.received_at = sqlite3_column_int64(q, 11),
			.ingested_at = sqlite3_column_int64(q, 12),
			.events = sqlite3_column_int(q, 13),
			.raw_len = (gsize)sqlite3_column_int64(q, 14),
		};
		if (!cb(&m, user))
			break;
	}
	sqlite3_reset(q);
	return (r == SQLITE_ROW || r == SQLITE_DONE) ? KENCHI_OK : kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_message_raw(kenchi_store_t *st, gint64 id, GBytes **raw)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT raw FROM messages WHERE id = ?1");
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_int(q, 1, id);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		*raw = g_bytes_new(sqlite3_column_blob(q, 0), sqlite3_column_bytes(q, 0));
		sqlite3_reset(q);
		return KENCHI_OK;
	}
	sqlite3_reset(q);
	return r == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, r);
}
