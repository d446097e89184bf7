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
int kenchi_schema_latest(void);
kenchi_status_t kenchi_schema_migrate(kenchi_store_t *st, char **errmsg);

/* Bind helpers: NULL text binds SQL NULL. */
void kenchi_bind_text(sqlite3_stmt *q, int i, const char *s);
void kenchi_bind_int(sqlite3_stmt *q, int i, gint64 v);
void kenchi_bind_int0(sqlite3_stmt *q, int i, gint64 v);    /* 0 binds NULL */
const char *kenchi_col_text(sqlite3_stmt *q, int i);

#endif
