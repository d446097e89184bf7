/* imap_ops.h: the ingest side of an IMAP source, shared by `kenchi imap`
 * (one account in the foreground) and `kenchi run` (one thread per
 * account).  Each sink is used by one thread: it brings its own store
 * connection, parser pool, cases and reports contexts. */
#ifndef KENCHI_IMAP_OPS_H
#define KENCHI_IMAP_OPS_H

#include "cli/cli.h"
#include "source/imap.h"
#include "source/imap_config.h"
#include "ingest/parse_pool.h"

typedef struct {
	const kenchi_imap_account_t *acct;   /* not owned */
	kenchi_store_t *st;                  /* not owned */
	kenchi_ingest_ctx_t ctx;             /* pointers not owned */
	kenchi_parse_pool_t *pool;           /* not owned; parses each batch on every core */
	guint64 messages, events;
} kenchi_imap_sink_t;

/* deliver: parse every message of a batch outside the transaction (on the
 * pool), then
 * store them and the account's new position in one BEGIN IMMEDIATE ...
 * COMMIT, so a crash keeps the batch and its position or neither. */
extern const kenchi_imap_ops_t kenchi_imap_sink_ops;

/* One process follows an account: two would fetch and move the same UIDs
 * (round 35b).  The account's lock beside the database
 * (kenchi_lockfile_imap_path()), taken at once or, WAIT, waited for (said
 * once) until it is free or *STOP is set.  Its descriptor
 * (kenchi_lockfile_release()); KENCHI_IMAP_LOCK_HELD when another process
 * holds it; KENCHI_IMAP_LOCK_NONE when it cannot be made, which is said,
 * and the caller goes on without it. */
enum { KENCHI_IMAP_LOCK_HELD = -1, KENCHI_IMAP_LOCK_NONE = -2 };
int kenchi_imap_lock(kenchi_app_t *app, const kenchi_imap_account_t *acct, gboolean wait, volatile gint *stop);

#endif
