/* store.h: every SQL statement kenchi runs lives behind this header, so that
 * another engine (a shared PostgreSQL) can replace SQLite without touching
 * the callers.  All statements use bound parameters; none is assembled from
 * strings.
 *
 * Write transactions are BEGIN IMMEDIATE under a busy timeout, so several
 * processes (deliver hooks, an import, the daemon) may write at once; a
 * database still busy after the timeout, a full disk or a failed allocation
 * comes back as KENCHI_TEMP, which the command layer turns into exit 75.
 * Strings handed to callbacks are owned by the store and valid only during
 * the callback. */
#ifndef KENCHI_STORE_H
#define KENCHI_STORE_H

#include <glib.h>
#include "util/status.h"
#include "parse/event.h"

typedef struct kenchi_store kenchi_store_t;

#define KENCHI_SCHEMA_VERSION 16

/* Open (creating and migrating) the database at PATH.  *errmsg (g_free)
 * says why on failure. */
kenchi_status_t kenchi_store_open(const char *path, int busy_timeout_ms, kenchi_store_t **out, char **errmsg);
void kenchi_store_close(kenchi_store_t *st);
/* For a bulk import: a bigger page cache (see store.c). */
void kenchi_store_bulk(kenchi_store_t *st);
/* For a delivery hook: no checkpoint at close, and a small WAL (see store.c). */
void kenchi_store_hook(kenchi_store_t *st);
/* The last SQLite error, for the command layer's message. */
const char *kenchi_store_errmsg(kenchi_store_t *st);
int kenchi_store_schema_version(kenchi_store_t *st);

kenchi_status_t kenchi_store_begin(kenchi_store_t *st);     /* BEGIN IMMEDIATE */
kenchi_status_t kenchi_store_commit(kenchi_store_t *st);
void kenchi_store_rollback(kenchi_store_t *st);

/* Messages ------------------------------------------------------------ */
typedef struct {
	gint64 id;
	const char *raw_sha256;   /* hex SHA-256 of the raw bytes */
	const char *content_key;  /* Message-ID + body hash, or NULL */
	gint64 raw_key;           /* kenchi_msg_key(raw, raw_sha256): util/msgkey.h */
	gint64 content_hash;      /* kenchi_msg_key(raw, content_key), unused when it is NULL */
	const char *message_id;
	const char *source;       /* "deliver", "import", "maildir", "imap", "api" */
	const char *origin;       /* file name, IMAP uid...: where it came from */
	const char *customer;
	const char *kind;         /* "alert", "not_alert", "error", "reply"... */
	const char *reason;
	const char *from_addr;
	const char *subject;
	gint64 received_at;       /* arrival (Unix seconds) */
	gint64 ingested_at;
	const void *raw;
	gsize raw_len;
	int events;               /* events newly stored from it */
} kenchi_msg_row_t;

/* KENCHI_DUPLICATE (and *id of the stored one) when the same bytes (the
 * SHA-256 RAW_SHA256), or the same content key (Message-ID and body) with a
 * Date of the same day, are already stored.  RAW_KEY and CONTENT_HASH are
 * their keys, as kenchi_msg_row_t says. */
kenchi_status_t kenchi_store_message_find(kenchi_store_t *st, gint64 raw_key, const char *raw_sha256,
					  gint64 content_hash, const char *content_key, gint64 *id);
/* Inside a transaction (KENCHI_FAIL outside one): KENCHI_DUPLICATE and *id
 * of the stored message as _find says, else the new row's *id. */
kenchi_status_t kenchi_store_message_insert(kenchi_store_t *st, const kenchi_msg_row_t *row, gint64 *id);
kenchi_status_t kenchi_store_message_set_events(kenchi_store_t *st, gint64 id, int events);
kenchi_status_t kenchi_store_message_set_reason(kenchi_store_t *st, gint64 id, const char *reason);

typedef struct {
	const char *kind;       /* NULL: every kind but "alert" */
	const char *customer;   /* NULL: all */
	gint64 limit;           /* 0: no limit */
} kenchi_msg_filter_t;
typedef gboolean (*kenchi_msg_cb)(const kenchi_msg_row_t *row, gpointer user);
kenchi_status_t kenchi_store_messages_each(kenchi_store_t *st, const kenchi_msg_filter_t *f,
					   kenchi_msg_cb cb, gpointer user);
/* The raw bytes of message ID (g_free), or NULL. */
kenchi_status_t kenchi_store_message_raw(kenchi_store_t *st, gint64 id, GBytes **raw);

/* Events -------------------------------------------------------------- */
typedef struct {
	gint64 id;
	gint64 message;           /* messages.id it came from (0 for none) */
	const char *uid;          /* "amp:<id>" or "fp:<fingerprint>" */
	const char *customer;
	const char *source;       /* "mail" or "api" */
	const char *message_id;   /* the source mail's Message-ID */
	const char *fingerprint;
	const char *json;         /* API-shaped event object */
	const char *event_type;
	gint64 event_type_id;
	const char *hostname;
	const char *connector_guid;
	const char *sha256;
	const char *detection;
	const char *detection_id;
	const char *severity;
	gint64 date;              /* event time, Unix seconds, 0 unknown */
	gint64 received_at;
	gint64 case_id;           /* 0 while not placed */
	int score;
	const char *priority;
	int own_score;            /* the event's score alone (correlate.c), for the insert */
	int basis;                /* how its customer was decided: ingest.h's kenchi_basis_t
	                           * + 1, 0 unknown (rows stored before schema 15) */
} kenchi_event_row_t;

/* Fill the columns of ROW from EV (pointers into EV; JSON not set). */
void kenchi_event_row_from_event(kenchi_event_row_t *row, const kenchi_event_t *ev);
/* KENCHI_DUPLICATE when an event with the same uid exists (then *id is it). */
kenchi_status_t kenchi_store_event_insert(kenchi_store_t *st, const kenchi_event_row_t *row, gint64 *id);
/* The event with UID: KENCHI_OK and *ID, or KENCHI_NOT_FOUND. */
kenchi_status_t kenchi_store_event_find(kenchi_store_t *st, const char *uid, gint64 *id);
/* Event ID, stored by its fingerprint ("fp:..."), takes the AMP id's
 * UID a later copy gave: a second event of another id is not its copy. */
kenchi_status_t kenchi_store_event_take_uid(kenchi_store_t *st, gint64 id, const char *uid);
/* The stored copy of an event under the other kind of uid, CUSTOMER's:
 * one stored by its FINGERPRINT ("fp:...") when UID is an AMP id's
 * ("amp:..."), or the reverse, looked for among CUSTOMER's cases of
 * FILE_KEY.  Its *ID and *TWIN_UID (g_free); KENCHI_NOT_FOUND. */
kenchi_status_t kenchi_store_event_find_twin(kenchi_store_t *st, const char *uid, const char *fingerprint,
					     const char *customer, const char *file_key, gint64 *id, char **twin_uid);
/* Event ID's customer, case (0: none), hostname, connector GUID and JSON
 * (each g_free, NULL when absent). */
kenchi_status_t kenchi_store_event_owner(kenchi_store_t *st, gint64 id, char **customer, gint64 *case_id,
					 char **hostname, char **guid, char **json);
/* Event ID stored again from ROW (every column but id and uid): a copy
 * of it that names its customer, where the stored one named none. */
kenchi_status_t kenchi_store_event_replace(kenchi_store_t *st, gint64 id, const kenchi_event_row_t *row);
/* Event ID's columns from the event of ROW (kenchi_event_row_from_event)
 * and its JSON: what a later copy completed. */
kenchi_status_t kenchi_store_event_enrich(kenchi_store_t *st, gint64 id, const kenchi_event_row_t *row);

typedef struct {
	const char *customer;
	gint64 since;             /* 0: all; compares the event date, else arrival */
	gint64 case_id;           /* 0: all */
	gint64 limit;
} kenchi_event_filter_t;
typedef gboolean (*kenchi_event_cb)(const kenchi_event_row_t *row, gpointer user);
kenchi_status_t kenchi_store_events_each(kenchi_store_t *st, const kenchi_event_filter_t *f,
					 kenchi_event_cb cb, gpointer user);
/* The events a case is scored from (correlate.c): every event of case
 * CASE_ID when it holds at most KENCHI_CASE_SCORED of them, else the event
 * of each type whose score alone is the highest (the latest of those);
 * only id, json, event_type_id, date and received_at are set.  COUNT is
 * the case's count of events, or more. */
#define KENCHI_CASE_SCORED 64
kenchi_status_t kenchi_store_case_scored_events(kenchi_store_t *st, gint64 case_id, gint64 count,
						kenchi_event_cb cb, gpointer user);

/* Cases --------------------------------------------------------------- */
typedef struct {
	gint64 id;
	const char *customer;
	const char *host_key;
	const char *file_key;
	const char *detection_id;
	const char *state;          /* open, suppressed, tuning, closed */
	gboolean reportable;
	const char *suppressed_reason;
	int score;
	const char *priority;
	const char *score_reasons;  /* JSON */
	const char *tags;           /* JSON */
	gboolean escalated;
	const char *quarantine;     /* none, quarantined, failed */
	gint64 quarantine_at;
	int events;
	gint64 first_seen, last_seen, arrival;
	gint64 first_report_due, second_report_due;
	gint64 outbreak;
	const char *hostname;
	gint64 created_at, updated_at;
	gint64 first_report;        /* outbox id of its first report, 0 none */
	gboolean sla_alerted;       /* the analysts were told the first report is late */
} kenchi_case_row_t;
/* A case merged into another (or emptied): closed, holding no event.  A
 * scope lists no row of it, and counts its machine only when no case
 * listed has it (an analyst may merge another machine's case: rc3 F2). */
static inline gboolean
kenchi_case_emptied(const kenchi_case_row_t *r)
{
	return r->events == 0 && g_strcmp0(r->state, "closed") == 0;
}

/* A scope's hosts read in two passes over an outbreak's cases: the live
 * cases, then the merged ones (MERGED_PASS), each of those only for a host
 * no case listed has (KEYS: the host keys listed, owned by the caller). */
typedef struct {
	GHashTable *keys;
	gboolean merged_pass;
} kenchi_scope_pass_t;
/* Is R, EMPTIED (kenchi_case_emptied, or as the caller sees it), listed in
 * this pass?  Its host key is then recorded. */
static inline gboolean
kenchi_scope_take(kenchi_scope_pass_t *p, const kenchi_case_row_t *r, gboolean emptied)
{
	if (emptied != p->merged_pass || (emptied && r->host_key && g_hash_table_contains(p->keys, r->host_key)))
		return FALSE;
	if (r->host_key)
		g_hash_table_add(p->keys, g_strdup(r->host_key));
	return TRUE;
}

/* The first case of CUSTOMER with DETECTION_ID, or KENCHI_NOT_FOUND.  (The
 * case of the same host and file is found in kenchi_store_file_window's
 * rows: correlate.c.) */
/* The case ID's events are in: ID, or the case it was merged into,
 * followed through later merges (a few steps at most), in *OUT. */
kenchi_status_t kenchi_store_case_survivor(kenchi_store_t *st, gint64 id, gint64 *out);
kenchi_status_t kenchi_store_case_find_detection(kenchi_store_t *st, const char *customer,
						 const char *detection_id, gint64 *id);
kenchi_status_t kenchi_store_case_insert(kenchi_store_t *st, const kenchi_case_row_t *c, gint64 *id);
/* Write every mutable column of C (by C->id). */
kenchi_status_t kenchi_store_case_update(kenchi_store_t *st, const kenchi_case_row_t *c);
typedef gboolean (*kenchi_case_cb)(const kenchi_case_row_t *row, gpointer user);
kenchi_status_t kenchi_store_case_get(kenchi_store_t *st, gint64 id, kenchi_case_cb cb, gpointer user);
typedef struct {
	const char *customer;
	gboolean open_only;         /* state open (reportable work) */
	gboolean due_only;          /* open and reportable, by second-report deadline */
	gint64 outbreak;            /* 0: all */
	const char *host_key;       /* NULL: all; else the customer's cases of this machine */
	gint64 limit;
} kenchi_case_filter_t;
kenchi_status_t kenchi_store_cases_each(kenchi_store_t *st, const kenchi_case_filter_t *f, kenchi_case_cb cb, gpointer user);
/* A case of the outbreak window: its id, host, outbreak link (0: none),
 * whether it is closed, when it was last seen, and its hostname in lower
 * case (NULL: none). */
typedef struct {
	gint64 id;
	gint64 outbreak;
	gint64 last_seen;
	gboolean closed;
	char *host_key;
	char *name;
} kenchi_window_case_t;
/* Append to OUT (an array of kenchi_window_case_t whose clear function
 * is kenchi_window_case_clear) the cases of CUSTOMER with FILE_KEY whose
 * span meets [t - window, t + window]: the scope of an outbreak. */
kenchi_status_t kenchi_store_file_window(kenchi_store_t *st, const char *customer, const char *file_key,
					 gint64 t, gint64 window, GArray *out);
void kenchi_window_case_clear(gpointer p);
/* Link case ID to the outbreak whose first case is OUTBREAK. */
kenchi_status_t kenchi_store_case_set_outbreak(kenchi_store_t *st, gint64 id, gint64 outbreak);
/* Every case of outbreak FROM becomes one of outbreak TO. */
kenchi_status_t kenchi_store_case_relink_outbreak(kenchi_store_t *st, gint64 from, gint64 to);
/* Case ID has one event fewer (it went to another customer's case): a
 * case left with none is closed, with REASON. */
kenchi_status_t kenchi_store_case_drop_event(kenchi_store_t *st, gint64 id, const char *reason, gint64 now);
/* Case ID holds an event that its own group or mailbox gave the case's
 * customer: the machine of its GUID key is that customer's. */
kenchi_status_t kenchi_store_case_set_sure(kenchi_store_t *st, gint64 id);
/* The customer (g_free) whose sure cases are keyed GUID, a machine's
 * connector GUID: NULL when none, or when two customers' are (*SEVERAL). */
kenchi_status_t kenchi_store_machine_owner(kenchi_store_t *st, const char *guid, char **customer,
					   gboolean *several);
/* The cases of CUSTOMER keyed by GUID, appended to IDS (gint64). */
kenchi_status_t kenchi_store_machine_cases(kenchi_store_t *st, const char *guid, const char *customer, GArray *ids);
/* Case ID keyed by KEY from now on, if it was keyed by OLD_KEY, and
 * given DETECTION_ID if it had none. */
kenchi_status_t kenchi_store_case_rekey(kenchi_store_t *st, gint64 id, const char *old_key, const char *key,
				       const char *detection_id);
/* The suppressed cases of CUSTOMER (NULL: every one) whose reason is
 * REASON, or REASON then " (entry ...": appended to IDS (gint64). */
kenchi_status_t kenchi_store_cases_suppressed_by(kenchi_store_t *st, const char *customer, const char *reason,
						 GArray *ids);
/* Suppress the open, reportable case ID with REASON (an allow entry added
 * after it); KENCHI_NOT_FOUND when it is not open and reportable. */
kenchi_status_t kenchi_store_case_suppress(kenchi_store_t *st, gint64 id, const char *reason, gint64 now);

/* Allow and block lists ----------------------------------------------- */
typedef struct {
	gint64 id;
	const char *list, *customer, *kind, *value, *note;
	gint64 created_at;
} kenchi_list_row_t;
kenchi_status_t kenchi_store_list_add(kenchi_store_t *st, const kenchi_list_row_t *r, gint64 *id);
kenchi_status_t kenchi_store_list_remove(kenchi_store_t *st, const char *list, gint64 id, const char *customer);
typedef gboolean (*kenchi_list_cb)(const kenchi_list_row_t *row, gpointer user);
kenchi_status_t kenchi_store_list_each(kenchi_store_t *st, const char *list, const char *customer,
				       kenchi_list_cb cb, gpointer user);

/* Outbox ----------------------------------------------------------------- */
typedef struct {
	gint64 id;
	const char *kind;         /* first_report notice second_report transcript alert */
	gint64 case_id;
	const char *customer;
	const char *state;        /* pending held sending sent failed withdrawn */
	const char *message_id;
	const char *env_from;
	const char *rcpts;        /* one address per line */
	const char *subject;
	const void *raw;          /* CRLF message */
	gsize raw_len;
	const char *cases;        /* "12 13 14" for a consolidated report */
	int attempts;             /* since the last `outbox retry` */
	gboolean tried;           /* a sender ever took it (read only) */
	gint64 next_attempt;
	const char *last_error;
	gint64 created_at, sent_at, due;
} kenchi_outbox_row_t;

kenchi_status_t kenchi_store_outbox_insert(kenchi_store_t *st, const kenchi_outbox_row_t *r, gint64 *id);
/* Replace the message of a row that is still pending or held (consolidation). */
kenchi_status_t kenchi_store_outbox_rewrite(kenchi_store_t *st, gint64 id, const char *subject,
					    const void *raw, gsize len, const char *cases, const char *rcpts);
/* Row ID's case (the lead of a consolidated report) and due time. */
/* The bytes of row ID, claimed by a sender ('sending'), as they go out
 * (its Date made the time of sending); KENCHI_NOT_FOUND when not claimed. */
kenchi_status_t kenchi_store_outbox_set_raw(kenchi_store_t *st, gint64 id, const void *raw, gsize len);
kenchi_status_t kenchi_store_outbox_set_lead(kenchi_store_t *st, gint64 id, gint64 case_id, gint64 due);
/* Row ID, never taken by a sender (its "tried" mark, which `outbox retry`
 * keeps), will not be sent: state "withdrawn", WHY its last_error.
 * KENCHI_NOT_FOUND when it is not pending or held, or was tried. */
kenchi_status_t kenchi_store_outbox_withdraw(kenchi_store_t *st, gint64 id, const char *why, gint64 now);
/* The pending first report of CUSTOMER created at or after SINCE, if any. */
kenchi_status_t kenchi_store_outbox_open_report(kenchi_store_t *st, const char *customer, gint64 since, gint64 *id,
						char **cases);
/* A sender claims a pending row (state "sending") before its SMTP
 * session, so that no case joins a report already on its way and no other
 * sender takes it.  KENCHI_NOT_FOUND when it was not pending any more. */
kenchi_status_t kenchi_store_outbox_claim(kenchi_store_t *st, gint64 id, gint64 now);
/* Rows claimed before BEFORE by a sender that died: pending again (they go
 * out again with the same Message-ID). */
kenchi_status_t kenchi_store_outbox_unclaim_stale(kenchi_store_t *st, gint64 before);
/* Make a failed, held or pending row sendable now; KENCHI_NOT_FOUND for a
 * row that does not exist or was sent already. */
kenchi_status_t kenchi_store_outbox_requeue(kenchi_store_t *st, gint64 id, gint64 now);
/* Set state, attempts, next attempt, error and sent time of row ID. */
kenchi_status_t kenchi_store_outbox_mark(kenchi_store_t *st, gint64 id, const char *state, int attempts,
					 gint64 next_attempt, const char *error, gint64 sent_at);
typedef gboolean (*kenchi_outbox_cb)(const kenchi_outbox_row_t *row, gpointer user);
typedef struct {
	gboolean ready_only;      /* pending rows with next_attempt <= NOW */
	gint64 now;
	const char *state;        /* only this state, or NULL */
	gint64 id;                /* only this row, or 0 */
	gint64 case_id;           /* only rows of this case, or 0 */
	gboolean with_raw;        /* fill raw/raw_len */
	gint64 limit;
} kenchi_outbox_filter_t;
kenchi_status_t kenchi_store_outbox_each(kenchi_store_t *st, const kenchi_outbox_filter_t *f,
					 kenchi_outbox_cb cb, gpointer user);
kenchi_status_t kenchi_store_case_set_report(kenchi_store_t *st, gint64 case_id, gint64 outbox_id);
/* Cases whose first report is still unsent at DEADLINE (arrival + 45 min),
 * not yet alerted; marks them alerted. */
kenchi_status_t kenchi_store_cases_sla_late(kenchi_store_t *st, gint64 arrival_before, kenchi_case_cb cb, gpointer user);
kenchi_status_t kenchi_store_case_set_sla_alerted(kenchi_store_t *st, gint64 case_id);

/* Source positions (IMAP): UIDVALIDITY and the last UID committed.
 * KENCHI_NOT_FOUND when the source has no position yet. */
kenchi_status_t kenchi_store_source_get(kenchi_store_t *st, const char *name, gint64 *uidvalidity, gint64 *last_uid);
kenchi_status_t kenchi_store_source_set(kenchi_store_t *st, const char *name, gint64 uidvalidity, gint64 last_uid,
					gint64 now);

/* Analysts' findings on a case: the second report's content.  Strings
 * owned by the struct (kenchi_findings_clear). */
typedef struct {
	char *verdict, *verdict_level, *state_text, *reason, *summary, *action, *prevention, *assignee;
	char *priority, *state;
	gint64 merged_into, second_report, second_report_at, first_report;
	gboolean attention;
} kenchi_findings_t;
void kenchi_findings_clear(kenchi_findings_t *f);
kenchi_status_t kenchi_store_findings_get(kenchi_store_t *st, gint64 case_id, kenchi_findings_t *f);
kenchi_status_t kenchi_store_findings_set(kenchi_store_t *st, gint64 case_id, const kenchi_findings_t *f, gint64 now);
/* Move every event of case FROM into case INTO, add its count, close FROM. */
kenchi_status_t kenchi_store_case_merge(kenchi_store_t *st, gint64 from, gint64 into, gint64 now);

kenchi_status_t kenchi_store_note_add(kenchi_store_t *st, gint64 case_id, const char *author, const char *source,
				      const char *message_id, const char *text, gint64 now);
typedef struct {
	gint64 id, case_id;
	const char *author, *source, *message_id, *text;
	gint64 created_at;
} kenchi_note_row_t;
typedef gboolean (*kenchi_note_cb)(const kenchi_note_row_t *row, gpointer user);
kenchi_status_t kenchi_store_notes_each(kenchi_store_t *st, gint64 case_id, kenchi_note_cb cb, gpointer user);

typedef struct {
	gint64 id, case_id;
	const char *sender, *message_id, *command, *result;
	gboolean ok;
	gint64 created_at;
} kenchi_audit_row_t;
kenchi_status_t kenchi_store_audit_add(kenchi_store_t *st, const kenchi_audit_row_t *r);
/* KENCHI_DUPLICATE when MESSAGE_ID already has audit rows (a replay). */
kenchi_status_t kenchi_store_audit_seen(kenchi_store_t *st, const char *message_id);
typedef gboolean (*kenchi_audit_cb)(const kenchi_audit_row_t *row, gpointer user);
kenchi_status_t kenchi_store_audit_each(kenchi_store_t *st, gint64 case_id, kenchi_audit_cb cb, gpointer user);

/* Savepoints inside the current transaction (all-or-nothing commands). */
kenchi_status_t kenchi_store_savepoint(kenchi_store_t *st);
kenchi_status_t kenchi_store_savepoint_release(kenchi_store_t *st);
void kenchi_store_savepoint_rollback(kenchi_store_t *st);

/* The Message-ID of an outbox row (g_free), or NULL. */
char *kenchi_store_outbox_message_id(kenchi_store_t *st, gint64 id);
/* The state of an outbox row (g_free), or NULL. */
char *kenchi_store_outbox_state(kenchi_store_t *st, gint64 id);
/* Outbox rows A and B hold the same mail but for Message-Id and Date, and
 * A has not failed. */
gboolean kenchi_store_outbox_same_body(kenchi_store_t *st, gint64 a, gint64 b);
/* REFS (In-Reply-To and References) cite a report kenchi mailed the
 * customer about CASE_ID. */
gboolean kenchi_store_case_mail_cited(kenchi_store_t *st, gint64 case_id, const char *refs);

/* Meta: kenchi's own small settings (the token key). */
kenchi_status_t kenchi_store_meta_get(kenchi_store_t *st, const char *key, GBytes **value);
kenchi_status_t kenchi_store_meta_set(kenchi_store_t *st, const char *key, const void *value, gsize len);

/* Counts for summaries and tests. */
kenchi_status_t kenchi_store_count(kenchi_store_t *st, const char *what, gint64 *n);

#endif
