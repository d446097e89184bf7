/* imap.h: the IMAP source (libetpan).  One client follows one mailbox of
 * one account: it fetches what is new by UID, hands each batch to the
 * caller's deliver() (which commits the messages AND the new position in
 * one transaction), and only then moves the batch to the processed folder
 * or flags it.  Positions (UIDVALIDITY, last UID) live in the caller's
 * store, so a restart fetches exactly what is new.
 *
 * Threading: every call is blocking.  Run one client per thread (`kenchi
 * run` gives each account its own GThread and its own store connection);
 * kenchi_imap_wake() is the only function that may be called from another
 * thread or from a signal handler.  Nothing here prints: messages go to
 * ops->log. */
#ifndef KENCHI_IMAP_H
#define KENCHI_IMAP_H

#include <glib.h>
#include "util/status.h"
#include "source/imap_config.h"

typedef struct {
	guint32 uid;
	const char *raw;        /* not owned: the RFC 5322 bytes, valid during deliver() */
	gsize len;
} kenchi_imap_msg_t;

typedef enum { KENCHI_IMAP_LOG_ERR, KENCHI_IMAP_LOG_WARN, KENCHI_IMAP_LOG_INFO, KENCHI_IMAP_LOG_DEBUG } kenchi_imap_log_level_t;

typedef struct {
	/* Commit the N messages of MSGS (UID order, may be 0) AND the position
	 * (UIDVALIDITY, LAST_UID) of SOURCE in one transaction.  KENCHI_OK when
	 * committed; any other status leaves the messages unmarked on the server
	 * and the position unchanged (TEMP/WAIT: the client retries later). */
	kenchi_status_t (*deliver)(gpointer user, const char *source, gint64 uidvalidity, gint64 last_uid,
				   const kenchi_imap_msg_t *msgs, guint n);
	/* The stored position of SOURCE; KENCHI_NOT_FOUND when there is none. */
	kenchi_status_t (*position)(gpointer user, const char *source, gint64 *uidvalidity, gint64 *last_uid);
	/* What imap_held.c keeps of SOURCE between runs (messages the server
	 * cannot send): *TEXT (g_free), NULL or "" when none; set "" to clear. */
	kenchi_status_t (*held_get)(gpointer user, const char *source, char **text);
	kenchi_status_t (*held_set)(gpointer user, const char *source, const char *text);
	/* One line, no newline; the command layer prints or syslogs it. */
	void (*log)(gpointer user, kenchi_imap_log_level_t level, const char *msg);
} kenchi_imap_ops_t;

typedef struct kenchi_imap kenchi_imap_t;

/* A client for ACCT (not owned: must outlive the client) calling OPS with
 * USER.  NULL only if a pipe cannot be made (out of descriptors). */
kenchi_imap_t *kenchi_imap_new(const kenchi_imap_account_t *acct, const kenchi_imap_ops_t *ops, gpointer user);
void kenchi_imap_free(kenchi_imap_t *c);

/* Run the client until *STOP becomes non-zero (set it, then call
 * kenchi_imap_wake).  ONCE: connect, fetch what is there, mark it, log out
 * and return the outcome (KENCHI_OK, or the failure's class) without
 * retrying.  Otherwise: sync, then IDLE (or poll) and sync again on every
 * change; reconnect after any temporary failure with exponential backoff
 * and jitter; return KENCHI_OK after a stop, or KENCHI_FINAL (wrong
 * password, certificate refused: a person must act) / KENCHI_CONFIG
 * without retrying. */
kenchi_status_t kenchi_imap_run(kenchi_imap_t *c, volatile gint *stop, gboolean once);

/* Interrupt an IDLE wait, a poll wait or a backoff sleep at once, so that a
 * stop is seen.  Async-signal-safe and thread-safe (one write(2) to a pipe
 * the client owns).  A wake with *stop unset just re-syncs. */
void kenchi_imap_wake(kenchi_imap_t *c);
/* Stop now: wake, and shut the connection's socket down (shutdown(2)), so
 * that a read or a connect waiting on a server that says nothing ends at
 * once rather than after its timeout.  Set *stop first.  Async-signal-safe
 * and thread-safe. */
void kenchi_imap_abort(kenchi_imap_t *c);

/* Counters, for the log and the tests (read from the client's thread or
 * after kenchi_imap_run returned). */
typedef struct {
	guint64 fetched;         /* messages handed to deliver() and committed */
	guint64 fetch_commands;  /* UID FETCH round trips */
	guint64 connects;        /* successful logins */
	guint64 idles;           /* IDLE commands issued */
	guint64 uidvalidity_changes;
} kenchi_imap_stats_t;
const kenchi_imap_stats_t *kenchi_imap_stats(const kenchi_imap_t *c);

#endif
