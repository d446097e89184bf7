/* store_int.h: private to src/store: the store struct and its helpers. */
#ifndef KENCHI_STORE_INT_H
#define KENCHI_STORE_INT_H

#include <sqlite3.h>
#include "store/store.h"

struct kenchi_store {
	sqlite3 *db;
	GHashTable *stmts;   /* SQL text (static) -> sqlite3_stmt*, prepared once */
	int in_tx;
	/* Inside a write transaction (BEGIN IMMEDIATE: no other writer) the
	 * lists change only through this connection: whether they hold any
	 * row is asked once per transaction, and most SOCs' lists are empty
	 * (four lookups an event, a seventh of storing one).  -1: not asked. */
	int lists_empty;
	/* A delivery hook's connection (kenchi_store_hook): the WAL's size in
	 * frames after its last commit, -1 otherwise. */
	int hook_wal_frames;
};

/* The name of kenchi's VFS (vfs.c), registered on first use; NULL (the
 * default VFS) if it could not be. */
const char *kenchi_store_vfs(void);

/* How long a case must last to be in cases_file_long (migration 7).  The
 * partial index's WHERE and the query that reads it must say the same words,
 * or SQLite does not use the index; a database keeps the index it was
 * migrated with, so this changes only with a migration that rebuilds it. */
#define KENCHI_CASE_LONG_S "86400"
#define KENCHI_CASE_LONG_SECS 86400   /* the same, for C (test-store-plan checks) */
#define KENCHI_CASE_LONG_WHERE "last_seen - first_seen > " KENCHI_CASE_LONG_S

/* The week a case began: the second column of cases_file_week (migration
 * 9), under the same rule of the same words. */
#define KENCHI_CASE_WEEK "first_seen / 604800"
/* A case keyed by a machine's connector GUID, not by its name: the terms
 * of the partial index cases_machine, which a query must repeat for SQLite
 * to use it.  A case keyed by a name has its hostname as key. */
#define KENCHI_SQL_GUID_KEY "length(host_key) = 36 AND (hostname IS NULL OR rtrim(lower(hostname), '.') <> host_key)"
#define KENCHI_CASE_WEEK_SECS 604800   /* the same, for C (test-store-plan checks) */

/* The cases of customer ?1 and file ?2 whose span [first_seen, last_seen]
 * meets the window [t - w, t + w] (?3, ?4) are the outbreak's scope, and
 * among them is the case of the same host that an event joins
 * (correlate.c).  An interval test cannot be one range of one index, so
 * kenchi_store_file_window reads them in two disjoint parts:
 * - KENCHI_SQL_FILE_WEEK, once for each week ?5 that the range
 *   [t - w - KENCHI_CASE_LONG_S, t + w] touches (one or two for the default
 *   24 h window): the cases begun in that range, through cases_file_week.
 *   That index puts the week before the file, so a new case lands among
 *   this week's cases, not at a random place of all the cases the
 *   customer ever had.  Integer division is monotonic, so the weeks from
 *   the range's first to its last hold all its cases.  (One statement with
 *   "week IN (a recursive list)" cost more than it saved: SQLite built and
 *   freed a temporary table for the list at each event.)
 * - KENCHI_SQL_FILE_LONG: the few cases begun earlier that lasted longer
 *   than KENCHI_CASE_LONG_S (cases_file_long).
 * The span only bounds the work: any value gives the same rows.
 * tests/unit/test-store-plan.c checks that SQLite reads both indexes. */
#define KENCHI_SQL_FILE_COLS "SELECT id, host_key, outbreak, state = 'closed', last_seen, hostname FROM cases"
#define KENCHI_SQL_FILE_WEEK \
	KENCHI_SQL_FILE_COLS " WHERE customer = ?1 AND " KENCHI_CASE_WEEK " = ?5 AND file_key = ?2" \
	" AND first_seen >= ?3 - ?4 - " KENCHI_CASE_LONG_S " AND first_seen <= ?3 + ?4 AND last_seen >= ?3 - ?4"
#define KENCHI_SQL_FILE_LONG \
	KENCHI_SQL_FILE_COLS " WHERE customer = ?1 AND file_key = ?2" \
	" AND " KENCHI_CASE_LONG_WHERE " AND last_seen >= ?3 - ?4 AND first_seen < ?3 - ?4 - " KENCHI_CASE_LONG_S

/* A stored message with these keys (store_messages.c): ?1 and ?3 are the
 * integer keys of ?2 (raw_sha256) and ?4 (content_key), found through
 * messages_raw and messages_content (schema.c, migration 8), the text
 * compared in the row.  tests/unit/test-store-plan.c checks both indexes. */
#define KENCHI_SQL_MESSAGE_FIND \
	"SELECT id FROM messages WHERE raw_key = ?1 AND raw_sha256 = ?2" \
	" UNION ALL SELECT id FROM messages WHERE ?4 IS NOT NULL AND content_hash = ?3 AND content_key = ?4" \
	" LIMIT 1"

/* The last error of ST as "WHAT: message", and SQLite's extended result code
 * when it says more than the message (SQLITE_READONLY_DBMOVED, _CANTINIT and
 * _RECOVERY all read "attempt to write a readonly database").  g_free.
 * For the errors of opening and migrating, which an operator must act on. */
char *kenchi_store_open_error(kenchi_store_t *st, const char *what);

/* Map an SQLite result code to a kenchi status (BUSY, FULL, IOERR, NOMEM: temporary). */
kenchi_status_t kenchi_store_status(kenchi_store_t *st, int rc);
/* The cached prepared statement for SQL (a string literal), reset and with
 * bindings cleared; NULL on prepare failure. */
sqlite3_stmt *kenchi_store_stmt(kenchi_store_t *st, const char *sql);
/* Step Q (bound, one id column) to its end: the ids into IDS (gint64). */
kenchi_status_t kenchi_store_ids_of(kenchi_store_t *st, sqlite3_stmt *q, GArray *ids);
int kenchi_schema_latest(void);
kenchi_status_t kenchi_schema_migrate(kenchi_store_t *st, char **errmsg);

/* Bind helpers: NULL text binds SQL NULL. */
void kenchi_bind_text(sqlite3_stmt *q, int i, const char *s);
void kenchi_bind_int(sqlite3_stmt *q, int i, gint64 v);
void kenchi_bind_int0(sqlite3_stmt *q, int i, gint64 v);    /* 0 binds NULL */
const char *kenchi_col_text(sqlite3_stmt *q, int i);

#endif
