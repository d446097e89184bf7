/* imap_int.h: what imap.c (the connection and its states) and imap_sync.c
 * (SYNC: fetching batches, marking them after their commit) share.  Not for
 * use outside src/source/imap*.c. */
#ifndef KENCHI_IMAP_INT_H
#define KENCHI_IMAP_INT_H

#include <libetpan/libetpan.h>
#include "source/imap.h"

#define IO_TIMEOUT_S 60          /* one command's network timeout */
#define BACKOFF_BASE_MS 1000
#define BACKOFF_MAX_MS (5 * 60 * 1000)

typedef enum { ST_CONNECT, ST_LOGIN, ST_SELECT, ST_SYNC, ST_IDLE, ST_DONE } imap_state_t;

struct kenchi_imap {
	const kenchi_imap_account_t *a;   /* not owned */
	const kenchi_imap_ops_t *ops;     /* not owned */
	gpointer user;
	int wake[2];                      /* owned: [0] polled, [1] written by kenchi_imap_wake */
	mailimap *imap;                   /* owned: the current connection, or NULL */
	gint64 uidvalidity, last_uid;     /* the committed position */
	gboolean has_idle, has_move, has_uidplus;
	gboolean warned_no_uidplus;
	gboolean unmarked;                /* committed messages whose move or flag was refused */
	kenchi_imap_stats_t stats;
};

/* Mark every committed message (UID <= last_uid) still in the mailbox:
 * after a crash between a commit and its move, or a refused move. */
kenchi_status_t kenchi_imap_recover(kenchi_imap_t *c);

G_GNUC_PRINTF(3, 4) void kenchi_imap_say(kenchi_imap_t *c, kenchi_imap_log_level_t lvl, const char *fmt, ...);
/* libetpan's R is a success. */
gboolean kenchi_imap_ok(int r);
/* A failed command R of WHAT as a status: temporary, wait or final. */
kenchi_status_t kenchi_imap_classify(kenchi_imap_t *c, int r, const char *what);
gboolean kenchi_imap_stopped(volatile gint *stop);
/* UIDS[0..n), sorted, as a set of ranges; NULL when out of memory. */
struct mailimap_set *kenchi_imap_uid_set(const guint32 *uids, guint n);
/* UID SEARCH KEY (consumed); the UIDs above ABOVE, sorted, in *OUT. */
kenchi_status_t kenchi_imap_uid_search(kenchi_imap_t *c, struct mailimap_search_key *key, guint32 above, GArray **out);
/* After the commit: move UIDS[0..n) to the processed folder, or flag them. */
kenchi_status_t kenchi_imap_mark_done(kenchi_imap_t *c, const guint32 *uids, guint n);
/* SYNC: fetch, hand over and mark everything above the committed UID. */
kenchi_status_t kenchi_imap_sync(kenchi_imap_t *c, volatile gint *stop);

#endif
