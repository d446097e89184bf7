/* store_sources.c: source positions, written in the same transaction as
 * the messages they cover, so a restart fetches exactly what is new. */
#include "store/store_int.h"

kenchi_status_t
kenchi_store_source_get(kenchi_store_t *st, const char *name, gint64 *uidvalidity, gint64 *last_uid)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "SELECT uidvalidity, last_uid FROM sources WHERE name = ?1");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, name);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*uidvalidity = sqlite3_column_int64(q, 0);
		*last_uid = sqlite3_column_int64(q, 1);
		sqlite3_reset(q);
		return KENCHI_OK;
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? KENCHI_NOT_FOUND : kenchi_store_status(st, rc);
}

kenchi_status_t
kenchi_store_source_set(kenchi_store_t *st, const char *name, gint64 uidvalidity, gint64 last_uid, gint64 now)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "INSERT INTO sources (name, uidvalidity, last_uid, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(name) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
	    " last_uid = excluded.last_uid, updated_at = excluded.updated_at");
	int rc;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_bind_text(q, 1, name);
	kenchi_bind_int(q, 2, uidvalidity);
	kenchi_bind_int(q, 3, last_uid);
	kenchi_bind_int(q, 4, now);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, rc);
}
