/* store.c: opening, transactions, statement cache and error mapping. */
#include <string.h>
#include "store/store_int.h"

kenchi_status_t
kenchi_store_status(kenchi_store_t *st, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return KENCHI_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:      /* disk full: frees up, then retry */
	case SQLITE_IOERR:     /* includes ENOSPC on write and fsync failures */
	case SQLITE_NOMEM:
	case SQLITE_PROTOCOL:
		return KENCHI_TEMP;
	case SQLITE_CONSTRAINT:
		return KENCHI_DUPLICATE;
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return KENCHI_IO;
	default:
		return KENCHI_FAIL;
	}
}

void
kenchi_bind_text(sqlite3_stmt *q, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

void
kenchi_bind_int(sqlite3_stmt *q, int i, gint64 v)
{
	sqlite3_bind_int64(q, i, v);
}

void
kenchi_bind_int0(sqlite3_stmt *q, int i, gint64 v)
{
	if (v)
		sqlite3_bind_int64(q, i, v);
	else
		sqlite3_bind_null(q, i);
}

const char *
kenchi_col_text(sqlite3_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q, i);
}

sqlite3_stmt *
kenchi_store_stmt(kenchi_store_t *st, const char *sql)
{
	sqlite3_stmt *q = g_hash_table_lookup(st->stmts, sql);

	if (q == NULL) {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK)
			return NULL;
		g_hash_table_insert(st->stmts, (gpointer)sql, q);
	} else {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	return q;
}

static void
finalize_stmt(gpointer q)
{
	sqlite3_finalize(q);
}

/* PRAGMA journal_mode answers with the mode it is in, and a change it
 * could not make is not an error: it answers the old mode.  A database
 * left in rollback mode would make every reader block the writers, so the
 * answer is checked; a refusal is temporary. */
static kenchi_status_t
set_wal(kenchi_store_t *st, char **errmsg)
{
	sqlite3_stmt *q;
	gboolean wal = FALSE;
	int r;

	r = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &q, NULL);
	if (r == SQLITE_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
		const char *mode = (const char *)sqlite3_column_text(q, 0);
		wal = mode && g_ascii_strcasecmp(mode, "wal") == 0;
		r = SQLITE_OK;
	}
	sqlite3_finalize(q);
	if (r != SQLITE_OK) {
		*errmsg = kenchi_store_open_error(st, "journal_mode=WAL");
		return kenchi_store_status(st, r);
	}
	if (!wal) {
		*errmsg = g_strdup("the database stays out of WAL mode (journal_mode=WAL refused)");
		return KENCHI_TEMP;
	}
	return KENCHI_OK;
}

kenchi_status_t
kenchi_store_open(const char *path, int busy_timeout_ms, kenchi_store_t **out, char **errmsg)
{
	kenchi_store_t *st;
	kenchi_status_t rc;
	int r;

	*out = NULL;
	st = g_new0(kenchi_store_t, 1);
	st->lists_empty = -1;
	st->hook_wal_frames = -1;
	st->stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, finalize_stmt);
	r = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    kenchi_store_vfs());
	if (r != SQLITE_OK) {
		*errmsg = g_strdup_printf("%s: %s", path, st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(r));
		rc = kenchi_store_status(st, r);
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 0);
	sqlite3_busy_timeout(st->db, busy_timeout_ms);
	/* The WAL file stays (PERSIST_WAL: no directory fsync to create it
	 * again), but the last connection to close checkpoints it and
	 * truncates it (journal_size_limit=0).  A WAL left full is worse: the
	 * first connection of the next process must read and checksum all of
	 * it to rebuild the wal-index before its first query, and with one
	 * deliver process per message that was 7 ms of a 17 ms delivery
	 * (bench/ingest, WAL at 22 MB). */
	{
		int persist = 1;
		sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	}
	/* WAL lets readers (listings, the daemon) run beside writers (deliver
	 * hooks).  synchronous=FULL fsyncs the WAL at each commit: a message is
	 * acknowledged to the MTA only after its commit, so the commit must
	 * survive a power cut too, not just a crash of kenchi.
	 * wal_autocheckpoint: each checkpoint costs two more fsyncs and copies
	 * every page written since the last one; at SQLite's default (1000
	 * pages, 4 MB) an import checkpointed every ~500 messages and spent
	 * more time in checkpoint fsyncs than in commits.  8192 pages lets the
	 * WAL grow to 32 MB between checkpoints, and pages rewritten in that
	 * time (index pages) are copied once. */
	if ((rc = set_wal(st, errmsg)) != KENCHI_OK)
		goto fail;
	r = sqlite3_exec(st->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
	    " PRAGMA wal_autocheckpoint=8192; PRAGMA journal_size_limit=0;", NULL, NULL, NULL);
	if (r != SQLITE_OK) {
		*errmsg = kenchi_store_open_error(st, path);
		rc = kenchi_store_status(st, r);
		goto fail;
	}
	rc = kenchi_schema_migrate(st, errmsg);
	if (rc != KENCHI_OK)
		goto fail;
	*out = st;
	return KENCHI_OK;
fail:
	kenchi_store_close(st);
	return rc;
}

/* SQLite's page cache is 2 MB by default: an import into a database that
 * has outgrown it reads the index pages it needs for each message back from
 * the OS (pread), a quarter of the store thread's time at 90,000 messages.
 * 4 MB keeps them (39 s -> about 32 s), for 2 MB more of the 32 MB that an
 * import may use; 8 MB was not much faster and went over. */
void
kenchi_store_bulk(kenchi_store_t *st)
{
	if (st && st->db)
		sqlite3_exec(st->db, "PRAGMA cache_size=-4000", NULL, NULL, NULL);
}

/* A delivery hook is one process per message.  Each used to close by
 * checkpointing the WAL into the database and truncating it (two fsyncs,
 * two ftruncates), and the next hook's first write then had to write and
 * sync a new WAL header: `strace -T` counted 3.1 ms of a 13 ms hook there,
 * against 1.1 ms for its commit (1,000 hooks: 13.8 s before, 12.1 after,
 * bench/README session 5).  Now the hook leaves the WAL as it is until it
 * holds HOOK_WAL_FRAMES pages.
 * Past that, the hook that closes checkpoints and truncates it, if no other
 * connection is reading it (no waiting: a hook's exit is the MTA's answer).
 * The bound matters: the first connection of each process rebuilds the
 * wal-index by reading the whole WAL (the cost that made session 3
 * checkpoint at every close), and that rebuild also forgets how far a
 * checkpoint had got, so without the truncation the WAL would only grow.
 * Commits are as durable as before: synchronous=FULL still syncs the WAL
 * at each one. */
#define HOOK_WAL_FRAMES 256

static int
hook_wal_size(void *user, sqlite3 *db, const char *name, int frames)
{
	kenchi_store_t *st = user;

	(void)db;
	(void)name;
	st->hook_wal_frames = frames;
	return SQLITE_OK;
}

void
kenchi_store_hook(kenchi_store_t *st)
{
	if (st == NULL || st->db == NULL)
		return;
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	/* replaces the auto-checkpoint, which is itself a WAL hook */
	st->hook_wal_frames = 0;
	sqlite3_wal_hook(st->db, hook_wal_size, st);
}

static void
hook_close(kenchi_store_t *st)
{
	if (st->hook_wal_frames < HOOK_WAL_FRAMES)
		return;
	sqlite3_busy_timeout(st->db, 0);
	/* SQLITE_BUSY (a reader or writer elsewhere) leaves it to a later hook */
	sqlite3_wal_checkpoint_v2(st->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

void
kenchi_store_close(kenchi_store_t *st)
{
	if (st == NULL)
		return;
	g_hash_table_destroy(st->stmts);
	if (st->db && st->hook_wal_frames >= 0)
		hook_close(st);
	if (st->db)
		sqlite3_close(st->db);
	g_free(st);
}

char *
kenchi_store_open_error(kenchi_store_t *st, const char *what)
{
	int code = sqlite3_errcode(st->db), ext = sqlite3_extended_errcode(st->db);
	const char *hint = code == SQLITE_READONLY
	    ? "; this user must be able to write the database, its -wal and -shm files and their directory" : "";

	if (ext != code)
		return g_strdup_printf("%s: %s (SQLite extended code %d)%s", what, sqlite3_errmsg(st->db), ext, hint);
	return g_strdup_printf("%s: %s%s", what, sqlite3_errmsg(st->db), hint);
}

const char *
kenchi_store_errmsg(kenchi_store_t *st)
{
	return st && st->db ? sqlite3_errmsg(st->db) : "no database";
}

int
kenchi_store_schema_version(kenchi_store_t *st)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, "PRAGMA user_version");
	int v = -1;

	if (q && sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	if (q)
		sqlite3_reset(q);
	return v;
}

static kenchi_status_t
exec_simple(kenchi_store_t *st, const char *sql)
{
	sqlite3_stmt *q = kenchi_store_stmt(st, sql);
	int r;

	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	r = sqlite3_step(q);
	sqlite3_reset(q);
	return kenchi_store_status(st, r);
}

kenchi_status_t
kenchi_store_begin(kenchi_store_t *st)
{
	kenchi_status_t rc = exec_simple(st, "BEGIN IMMEDIATE");

	if (rc == KENCHI_OK)
		st->in_tx = 1;
	st->lists_empty = -1;
	return rc;
}

kenchi_status_t
kenchi_store_commit(kenchi_store_t *st)
{
	kenchi_status_t rc = exec_simple(st, "COMMIT");

	if (rc == KENCHI_OK)
		st->in_tx = 0;
	st->lists_empty = -1;
	return rc;
}

void
kenchi_store_rollback(kenchi_store_t *st)
{
	if (sqlite3_get_autocommit(st->db) == 0)
		(void)exec_simple(st, "ROLLBACK");
	st->in_tx = 0;
	st->lists_empty = -1;
}

kenchi_status_t
kenchi_store_count(kenchi_store_t *st, const char *what, gint64 *n)
{
	const char *sql;
	sqlite3_stmt *q;
	int r;

	if (strcmp(what, "messages") == 0)
		sql = "SELECT count(*) FROM messages";
	else if (strcmp(what, "events") == 0)
		sql = "SELECT count(*) FROM events";
	else if (strcmp(what, "alerts") == 0)
		sql = "SELECT count(*) FROM messages WHERE kind = 'alert'";
	else
		return KENCHI_NOT_FOUND;
	q = kenchi_store_stmt(st, sql);
	if (q == NULL)
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	r = sqlite3_step(q);
	if (r == SQLITE_ROW)
		*n = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return r == SQLITE_ROW ? KENCHI_OK : kenchi_store_status(st, r);
}
