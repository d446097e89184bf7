/* schema.c: the versioned schema.  Each migration moves PRAGMA user_version
 * up by one, inside one transaction, so a database of any older kenchi
 * opens and upgrades itself. */
#include "store/store_int.h"
#include "util/msgkey.h"
#include "parse/normalize.h"

static const char *const migrations[] = {
	/* 1: messages and events */
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  raw_sha256 TEXT NOT NULL UNIQUE,"
	"  content_key TEXT UNIQUE,"
	"  message_id TEXT,"
	"  source TEXT NOT NULL,"
	"  origin TEXT,"
	"  customer TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  reason TEXT,"
	"  from_addr TEXT,"
	"  subject TEXT,"
	"  received_at INTEGER NOT NULL,"
	"  ingested_at INTEGER NOT NULL,"
	"  events INTEGER NOT NULL DEFAULT 0,"
	"  size INTEGER NOT NULL,"
	"  raw BLOB NOT NULL);"
	"CREATE INDEX messages_kind ON messages(kind, id);"
	"CREATE INDEX messages_msgid ON messages(message_id);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  uid TEXT NOT NULL UNIQUE,"
	"  message INTEGER REFERENCES messages(id),"
	"  customer TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  message_id TEXT,"
	"  fingerprint TEXT NOT NULL,"
	"  event_type TEXT,"
	"  event_type_id INTEGER,"
	"  hostname TEXT,"
	"  connector_guid TEXT,"
	"  sha256 TEXT,"
	"  detection TEXT,"
	"  detection_id TEXT,"
	"  severity TEXT,"
	"  date INTEGER,"
	"  received_at INTEGER NOT NULL,"
	"  case_id INTEGER,"
	"  score INTEGER,"
	"  priority TEXT,"
	"  json TEXT NOT NULL);"
	"CREATE INDEX events_customer ON events(customer, received_at);"
	"CREATE INDEX events_received ON events(received_at);"
	"CREATE INDEX events_case ON events(case_id);"
	"CREATE INDEX events_detection ON events(customer, detection_id);",

	/* 2: cases, their deadlines, allow and block lists */
	"CREATE TABLE cases ("
	"  id INTEGER PRIMARY KEY,"
	"  customer TEXT NOT NULL,"
	"  host_key TEXT NOT NULL,"          /* connector GUID, else hostname */
	"  file_key TEXT NOT NULL,"          /* SHA-256, else detection, else event type */
	"  detection_id TEXT,"
	"  state TEXT NOT NULL,"             /* open, suppressed, tuning, closed */
	"  reportable INTEGER NOT NULL,"
	"  suppressed_reason TEXT,"
	"  score INTEGER NOT NULL DEFAULT 0,"
	"  priority TEXT NOT NULL DEFAULT 'P4',"
	"  score_reasons TEXT,"              /* JSON array of {rule, points} */
	"  tags TEXT,"                       /* JSON array */
	"  escalated INTEGER NOT NULL DEFAULT 0,"
	"  quarantine TEXT NOT NULL DEFAULT 'none',"
	"  quarantine_at INTEGER,"
	"  events INTEGER NOT NULL DEFAULT 0,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  arrival INTEGER NOT NULL,"
	"  first_report_due INTEGER,"
	"  second_report_due INTEGER,"
	"  outbreak INTEGER,"                /* id of the outbreak's first case */
	"  hostname TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX cases_key ON cases(customer, host_key, file_key, last_seen);"
	"CREATE INDEX cases_detection ON cases(customer, detection_id);"
	"CREATE INDEX cases_file ON cases(customer, file_key, last_seen);"
	"CREATE INDEX cases_open ON cases(state, second_report_due);"
	"CREATE TABLE lists ("
	"  id INTEGER PRIMARY KEY,"
	"  list TEXT NOT NULL,"              /* allow or block */
	"  customer TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"              /* sha256 detection path host url ip domain */
	"  value TEXT NOT NULL,"
	"  note TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (list, customer, kind, value));",

	/* 3: the outbox, and kenchi's own settings (the command-token key) */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"              /* first_report notice second_report transcript alert */
	"  case_id INTEGER,"
	"  customer TEXT,"
	"  state TEXT NOT NULL,"             /* pending held sent failed */
	"  message_id TEXT NOT NULL UNIQUE,"
	"  env_from TEXT NOT NULL,"
	"  rcpts TEXT NOT NULL,"             /* recipients, one per line */
	"  subject TEXT,"
	"  raw BLOB NOT NULL,"
	"  cases TEXT,"                      /* case ids of a consolidated report, space-separated */
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  sent_at INTEGER,"
	"  due INTEGER);"
	"CREATE INDEX outbox_state ON outbox(state, next_attempt);"
	"CREATE INDEX outbox_case ON outbox(case_id);"
	"CREATE INDEX outbox_pending ON outbox(customer, kind, state, created_at);"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"ALTER TABLE cases ADD COLUMN first_report INTEGER;"
	"ALTER TABLE cases ADD COLUMN sla_alerted INTEGER NOT NULL DEFAULT 0;",

	/* 4: where each source (an IMAP mailbox) has got to */
	"CREATE TABLE sources ("
	"  name TEXT PRIMARY KEY,"           /* "imap:ACCOUNT/MAILBOX" */
	"  uidvalidity INTEGER NOT NULL,"
	"  last_uid INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);",

	/* 5: analysts' findings, notes, the command audit */
	"ALTER TABLE cases ADD COLUMN verdict TEXT;"
	"ALTER TABLE cases ADD COLUMN verdict_level TEXT;"
	"ALTER TABLE cases ADD COLUMN state_text TEXT;"
	"ALTER TABLE cases ADD COLUMN reason TEXT;"
	"ALTER TABLE cases ADD COLUMN summary TEXT;"
	"ALTER TABLE cases ADD COLUMN action TEXT;"
	"ALTER TABLE cases ADD COLUMN prevention TEXT;"
	"ALTER TABLE cases ADD COLUMN assignee TEXT;"
	"ALTER TABLE cases ADD COLUMN attention INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN merged_into INTEGER;"
	"ALTER TABLE cases ADD COLUMN second_report INTEGER;"
	"ALTER TABLE cases ADD COLUMN second_report_at INTEGER;"
	"CREATE TABLE notes ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL,"
	"  author TEXT,"
	"  source TEXT NOT NULL,"            /* analyst or customer */
	"  message_id TEXT,"
	"  text TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX notes_case ON notes(case_id);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER,"
	"  sender TEXT,"
	"  message_id TEXT,"
	"  command TEXT,"
	"  result TEXT NOT NULL,"
	"  ok INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX audit_case ON audit(case_id);"
	"CREATE INDEX audit_msgid ON audit(message_id);",

	/* 6: two indexes that no query uses.  Both are keyed on random values
	 * (Message-IDs, detection ids), so each stored message dirtied a page
	 * of each at a random place: cache misses that grow with the
	 * database, and scattered pages for every checkpoint to write. */
	"DROP INDEX IF EXISTS messages_msgid;"
	"DROP INDEX IF EXISTS events_detection;",

	/* 7: a file's cases in a time window (outbreaks) are found by when
	 * they began, not when they were last seen.  Keyed on last_seen, the
	 * window's test "last_seen >= t - w" matched every later case of that
	 * file: all of them when a backlog arrives out of order, a scan that
	 * grew with the database (a 100k import spent 8 s there, 10k 0.2 s).
	 * Keyed on first_seen, a window reads the cases begun within a day
	 * before it; the rare case spanning more than a day is in the partial
	 * index beside it (store_int.h KENCHI_SQL_FILE_LONG). */
	"DROP INDEX IF EXISTS cases_file;"
	"CREATE INDEX cases_file_begun ON cases(customer, file_key, first_seen);"
	"CREATE INDEX cases_file_long ON cases(customer, file_key, last_seen)"
	"  WHERE " KENCHI_CASE_LONG_WHERE ";",

	/* 8: a message's two idempotence keys are indexed as 64-bit integers
	 * (util/msgkey.h: the day of its Date header, then a hash of the text),
	 * not as the text under UNIQUE: 64 hex digits, and the Message-ID with
	 * 64 more, put every message at a random place of two indexes that
	 * grew to 130 MB at 770k messages, so an import into a large database
	 * read and rewrote a page of each for nearly every message.  The
	 * integer indexes are a quarter of the size, and a day's keys are
	 * neighbours.  A lookup compares the text too (store_messages.c), and
	 * the ingest transaction holds the write lock from lookup to insert,
	 * which is what UNIQUE guaranteed.  SQLite drops a UNIQUE constraint
	 * only with its table: the table is rebuilt, raw messages and all. */
	"CREATE TABLE messages_8 ("
	"  id INTEGER PRIMARY KEY,"
	"  raw_sha256 TEXT NOT NULL,"
	"  raw_key INTEGER NOT NULL,"        /* kenchi_msg_key(raw, raw_sha256) */
	"  content_key TEXT,"
	"  content_hash INTEGER,"            /* kenchi_msg_key(raw, content_key) */
	"  message_id TEXT,"
	"  source TEXT NOT NULL,"
	"  origin TEXT,"
	"  customer TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  reason TEXT,"
	"  from_addr TEXT,"
	"  subject TEXT,"
	"  received_at INTEGER NOT NULL,"
	"  ingested_at INTEGER NOT NULL,"
	"  events INTEGER NOT NULL DEFAULT 0,"
	"  size INTEGER NOT NULL,"
	"  raw BLOB NOT NULL);"
	"INSERT INTO messages_8 (id, raw_sha256, raw_key, content_key, content_hash, message_id, source, origin,"
	"  customer, kind, reason, from_addr, subject, received_at, ingested_at, events, size, raw)"
	"  SELECT id, raw_sha256, kenchi_key(raw_sha256, raw), content_key, kenchi_key(content_key, raw), message_id,"
	"  source, origin, customer, kind, reason, from_addr, subject, received_at, ingested_at, events, size, raw"
	"  FROM messages ORDER BY id;"
	"DROP TABLE messages;"
	"ALTER TABLE messages_8 RENAME TO messages;"
	"CREATE INDEX messages_kind ON messages(kind, id);"
	"CREATE INDEX messages_raw ON messages(raw_key);"
	"CREATE INDEX messages_content ON messages(content_hash);"
	/* The case of an event's host and file is found among the file's
	 * cases in the window, which correlation reads anyway (correlate.c):
	 * one search of a random place instead of two, and one index fewer
	 * to change for every new case and every later event of one. */
	"DROP INDEX IF EXISTS cases_key;",

	/* 9: a file's cases in the window are found by the week they began,
	 * then the file (store_int.h KENCHI_SQL_FILE_WEEK).  Keyed on the
	 * customer and the SHA-256, every new case went to a random place of
	 * an index holding all of the customer's cases, and an import into a
	 * database of a million of them dirtied a page there for nearly each
	 * new case (bench/ingest-large --same-customer). */
	"DROP INDEX IF EXISTS cases_file_begun;"
	"CREATE INDEX cases_file_week ON cases(customer, " KENCHI_CASE_WEEK ", file_key, first_seen);",

	/* 10: a case is scored from its events (correlate.c); a large one
	 * from the best-scored event of each type, found through this index
	 * in a few steps however many repeats the case holds (round 44: a
	 * scan of them all made a case of 10,000 repeats quadratic). */
	"CREATE INDEX IF NOT EXISTS events_case_kind ON events(case_id, event_type_id, score);",

	/* 11: ... and by the score of the event alone, the case's fields at
	 * their start (one event, one host, its own quarantine outcome): its
	 * score when it came included the case as it was then, so an event
	 * of its own evidence (a public address) lost to later repeats that
	 * came with an outbreak's points (round 45).  Rows stored before have
	 * none, and sort last. */
	"ALTER TABLE events ADD COLUMN own_score INTEGER;"
	"DROP INDEX IF EXISTS events_case_kind;"
	"CREATE INDEX events_case_own ON events(case_id, event_type_id, own_score);",
	/* 12: whether a sender ever took a row: `outbox retry` sets attempts
	 * back to 0, and a report tried once may have reached its customer
	 * (a 451 after DATA), so an allow entry must not withdraw it (round
	 * 47: it did).  Set when a sender claims the row. */
	"ALTER TABLE outbox ADD COLUMN tried INTEGER NOT NULL DEFAULT 0;"
	"UPDATE outbox SET tried = 1 WHERE attempts > 0 OR state IN ('sending', 'sent', 'failed');",

	/* 13: computer names retyped in full-width forms (ＰＣ－０１) are read
	 * as ASCII since schema 13 (kenchi_norm_host): the names, case keys
	 * and host entries stored before in those forms are made so too, or
	 * the machine's next alert opened a second case and an entry typed so
	 * matched nothing (round 50).  An entry that becomes one already
	 * listed is that one.  The reasons of the cases a host entry
	 * suppressed name it as it is now, which is how `allow remove` finds
	 * them (round 51).  The events' JSON is read through the same
	 * normalization. */
	"UPDATE cases SET host_key = kenchi_host(host_key), hostname = kenchi_host(hostname)"
	"  WHERE host_key <> kenchi_host(host_key) OR hostname <> kenchi_host(hostname);"
	"UPDATE cases SET suppressed_reason = kenchi_host(suppressed_reason)"
	"  WHERE suppressed_reason LIKE 'allow list: host %' AND suppressed_reason <> kenchi_host(suppressed_reason);"
	"UPDATE events SET hostname = kenchi_host(hostname) WHERE hostname <> kenchi_host(hostname);"
	"UPDATE OR IGNORE lists SET value = kenchi_host(value) WHERE kind = 'host' AND value <> kenchi_host(value);"
	"DELETE FROM lists WHERE kind = 'host' AND value <> kenchi_host(value);",

	/* 14: the cases of a machine by its connector GUID (ingest/adopt.c):
	 * the customer whose machine it is takes its events that no
	 * customer's group names, the unassigned ones too.  GUID keys alone
	 * (KENCHI_SQL_GUID_KEY): a case keyed by a name costs the index
	 * nothing, and a name shaped like a GUID is no machine's id (round
	 * 52). */
	"CREATE INDEX cases_machine ON cases(host_key, customer) WHERE length(host_key) = 36"
	"  AND (hostname IS NULL OR lower(hostname) <> host_key);",

	/* 15: how each event's customer was decided (ingest.h kenchi_basis_t
	 * + 1), and whether a case holds an event whose own group or mailbox
	 * named its customer (sure): only such a case makes the machine of
	 * its GUID the customer's, and only an event that no customer's
	 * group or mailbox named goes with the machine - not one of an API
	 * page guessed from its others, a --customer its group gainsays, nor
	 * one of two customers' mailboxes (round 53b).  Rows stored before
	 * know neither, and take no part.  The index is made again: a name
	 * with a root's dot ("<GUID>.") is a name too. */
	"ALTER TABLE events ADD COLUMN basis INTEGER;"
	"ALTER TABLE cases ADD COLUMN sure INTEGER NOT NULL DEFAULT 0;"
	"DROP INDEX IF EXISTS cases_machine;"
	"CREATE INDEX cases_machine ON cases(host_key, customer) WHERE " KENCHI_SQL_GUID_KEY ";",

	/* 16: an outbreak's cases by its id: correlation counts the hosts of
	 * the whole outbreak, not only of the event's window, so that its
	 * cases' scores do not depend on the order the alerts came in (rc2
	 * F3), and scores its cases beyond the window again when a host more
	 * changes what the rules say.  Most cases are in no outbreak. */
	"CREATE INDEX IF NOT EXISTS cases_outbreak ON cases(outbreak) WHERE outbreak IS NOT NULL;",
};

/* `kenchi version` prints KENCHI_SCHEMA_VERSION: the two must agree. */
G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == KENCHI_SCHEMA_VERSION);

int
kenchi_schema_latest(void)
{
	return (int)G_N_ELEMENTS(migrations);
}

/* kenchi_key(TEXT, RAW): kenchi_msg_key of TEXT for the message RAW, NULL
 * for a NULL TEXT: migration 8 computes the stored keys with it, as
 * kenchi_ingest_analyse does for new rows. */
static void
sql_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	const char *raw = sqlite3_value_blob(argv[1]);

	(void)argc;
	if (s == NULL)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int64(ctx, kenchi_msg_key(raw, (gsize)sqlite3_value_bytes(argv[1]), (const char *)s));
}

/* kenchi_host(TEXT): kenchi_norm_host of TEXT, NULL for NULL or empty:
 * migration 13 rewrites the stored names with it. */
static void
sql_host(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	char *h = s ? kenchi_norm_host((const char *)s) : NULL;

	(void)argc;
	if (h == NULL)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_text(ctx, h, -1, g_free);
}

static kenchi_status_t migrate(kenchi_store_t *st, char **errmsg);

kenchi_status_t
kenchi_schema_migrate(kenchi_store_t *st, char **errmsg)
{
	int v = 0;
	sqlite3_stmt *q;
	kenchi_status_t rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK) {
		*errmsg = kenchi_store_open_error(st, "schema check");
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (v > kenchi_schema_latest()) {
		*errmsg = g_strdup_printf("database schema %d is newer than this kenchi (%d)", v, kenchi_schema_latest());
		return KENCHI_FAIL;
	}
	if (v == kenchi_schema_latest())
		return KENCHI_OK;
	if (sqlite3_create_function_v2(st->db, "kenchi_key", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
	    sql_key, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function_v2(st->db, "kenchi_host", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
	    sql_host, NULL, NULL, NULL) != SQLITE_OK) {
		*errmsg = kenchi_store_open_error(st, "schema migration: kenchi_key, kenchi_host");
		return kenchi_store_status(st, sqlite3_errcode(st->db));
	}
	/* Migration 8 drops a table that others reference: with foreign keys
	 * on, DROP TABLE deletes its rows first and fails.  The pragma is a
	 * no-op inside a transaction, so it is set around it. */
	sqlite3_exec(st->db, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL);
	rc = migrate(st, errmsg);
	sqlite3_exec(st->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	return rc;
}

/* Runs the migrations the database lacks, in one transaction. */
static kenchi_status_t
migrate(kenchi_store_t *st, char **errmsg)
{
	int v = 0, i = 0;
	sqlite3_stmt *q;
	kenchi_status_t rc;

	if ((rc = kenchi_store_begin(st)) != KENCHI_OK) {
		*errmsg = kenchi_store_open_error(st, "schema migration: BEGIN");
		return rc;
	}
	/* Re-read inside the write lock: another process may have migrated. */
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
		goto fail_tx;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	for (i = v; i < kenchi_schema_latest(); i++) {
		char *sql;
		if (sqlite3_exec(st->db, migrations[i], NULL, NULL, NULL) != SQLITE_OK)
			goto fail_tx;
		/* PRAGMA takes no parameters; the value is our own integer. */
		sql = g_strdup_printf("PRAGMA user_version = %d", i + 1);
		if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			g_free(sql);
			goto fail_tx;
		}
		g_free(sql);
	}
	return kenchi_store_commit(st);
fail_tx:
	{
		char *what = g_strdup_printf("schema migration to %d", i + 1);

		*errmsg = kenchi_store_open_error(st, what);
		g_free(what);
	}
	rc = kenchi_store_status(st, sqlite3_errcode(st->db));
	kenchi_store_rollback(st);
	return rc;
}
