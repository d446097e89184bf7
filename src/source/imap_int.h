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

/* Messages the server cannot send (imap_held.c). */
typedef struct {
	guint32 lo, hi;                   /* a batch whose FETCH failed: fetched one UID at a time */
	guint32 bad;                      /* a UID whose FETCH alone failed, */
	guint tries;                      /* how many times in a row */
	GArray *uids;                     /* owned: the UIDs held back, and until when */
	char tail[128];                   /* the last bytes the server sent (a BYE?) */
	gsize tail_len;
} kenchi_imap_held_t;

typedef enum { ST_CONNECT, ST_LOGIN, ST_SELECT, ST_SYNC, ST_IDLE, ST_DONE } imap_state_t;

struct kenchi_imap {
	const kenchi_imap_account_t *a;   /* not owned */
	const kenchi_imap_ops_t *ops;     /* not owned */
	gpointer user;
	int wake[2];                      /* owned: [0] polled, [1] written by kenchi_imap_wake */
	volatile gint sock_fd;            /* the connection's socket, for kenchi_imap_abort; or -1 */
	volatile gint aborted;            /* kenchi_imap_abort was called */
	volatile gint abort_busy;         /* kenchi_imap_abort is using sock_fd */
	volatile gint stopping;           /* kenchi_imap_wake was called: this client's work ends */
	mailimap *imap;                   /* owned: the current connection, or NULL */
	gint64 uidvalidity, last_uid;     /* the committed position */
	gboolean has_idle, has_move, has_uidplus;
	gboolean warned_no_uidplus;
	gboolean unmarked;                /* committed messages whose move or flag was refused */
	gboolean broken;                  /* this connection's stream failed: no more commands on it */
	kenchi_imap_held_t held;
	int fetch_error;                  /* libetpan's answer to the last UID FETCH */
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

/* imap_net.c.  A TCP connection to HOST:PORT within TIMEOUT_S seconds,
 * blocking, its socket set as C's sock_fd from the start; -1 when none
 * could be made. */
int kenchi_imap_tcp_connect(kenchi_imap_t *c, const char *host, int port, int timeout_s);
/* C's socket is closed, or about to be: no more for kenchi_imap_abort. */
void kenchi_imap_forget_fd(kenchi_imap_t *c);
/* HOST:PORT greets in plain text ("* OK", within 5 s): an IMAP port
 * without implicit TLS. */
gboolean kenchi_imap_speaks_plain(kenchi_imap_t *c, const char *host, int port);
/* FD, a plain connection to HOST:PORT, has sent no greeting in 5 s, and
 * the port answers a TLS handshake: it is one of implicit TLS, which
 * waits for the client (tls = none or starttls against port 993).  FALSE
 * at once when it speaks, closes or a stop comes. */
gboolean kenchi_imap_quiet_speaks_tls(kenchi_imap_t *c, int fd, const char *host, int port);

/* imap_held.c.  Keeps the last bytes the server sent (mailimap_set_logger). */
void kenchi_imap_held_logger(mailimap *imap, int log_type, const char *str, size_t size, void *context);
/* The server's parting "* BYE ..." line among them, or NULL (g_free). */
char *kenchi_imap_held_bye(const kenchi_imap_held_t *h);
/* After SELECT: the state the store keeps for this mailbox. */
void kenchi_imap_held_load(kenchi_imap_t *c);
void kenchi_imap_held_clear(kenchi_imap_held_t *h);
void kenchi_imap_held_free(kenchi_imap_held_t *h);
/* Drop from UIDS (sorted) the held UIDs not due for another try at NOW,
 * and put the due ones last. */
void kenchi_imap_held_filter(kenchi_imap_t *c, GArray *uids, gint64 now);
/* How many of UIDS[0..avail) to fetch in one command, at most WANT: one
 * at a time in a suspect batch and for a held UID. */
guint kenchi_imap_held_batch(const kenchi_imap_t *c, const guint32 *uids, guint avail, guint want);
/* The position a batch FIRST..TOP may commit: below the lowest held UID. */
gint64 kenchi_imap_held_cap(const kenchi_imap_t *c, guint32 first, guint32 top);
/* The FETCH of UIDS[0..n) failed with libetpan's R at NOW: narrow it
 * down (no further once HOLD_MAX are held: the server fails on
 * everything). */
void kenchi_imap_held_failed(kenchi_imap_t *c, const guint32 *uids, guint n, int r, gint64 now);
/* UIDS[0..n) are committed. */
void kenchi_imap_held_done(kenchi_imap_t *c, const guint32 *uids, guint n);

#endif
