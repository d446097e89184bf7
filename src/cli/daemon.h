/* daemon.h: what `kenchi run` and `kenchi watch` share: the maildir
 * ingest callback and signal handling in the GLib main loop. */
#ifndef KENCHI_DAEMON_H
#define KENCHI_DAEMON_H

#include "cli/cli.h"
#include "source/maildir.h"

typedef struct {
	kenchi_app_t *app;
	kenchi_re_match_t *m;
	char *customer;           /* owned; NULL: from the recipients */
	char *name;               /* owned; for the log */
	GHashTable *warned;       /* owned, or NULL: paths already warned of (once each) */
	guint64 cur_missed;       /* the maildir's count of missed cur/ moves, as last seen */
	gboolean cur_behind;      /* cur/ needs a catch-up before its mark moves on */
} kenchi_maildir_ctx_t;

/* kenchi_maildir_ingest_fn for a maildir source: read, ingest, commit, log. */
kenchi_status_t kenchi_daemon_ingest_file(const char *path, const char *name, gpointer user);

/* cur/ between runs.  The watch hears a mail client move a message from
 * new/ to cur/ only while it runs; the database keeps, for each maildir,
 * a mark: the time up to which every such move was heard.  At start, the
 * entries of cur/ changed since the mark (less a margin) are read (one read
 * before is a duplicate), and the mark moves to the start; with no mark
 * yet (the first run), cur/ is left to `kenchi import`, which may have
 * years of it to read.  KENCHI_OK, or the trouble that left the mark. */
kenchi_status_t kenchi_daemon_cur_catch_up(kenchi_maildir_ctx_t *mc, kenchi_maildir_t *md);
/* While the watch runs: the mark moves to now, or, after a move may have
 * gone unheard (kenchi_maildir_stats' cur_missed), a catch-up first. */
void kenchi_daemon_cur_heartbeat(kenchi_maildir_ctx_t *mc, kenchi_maildir_t *md);
#define KENCHI_CUR_HEARTBEAT_S 30

/* SIGTERM and SIGINT quit LOOP (after the message in hand: handlers run
 * between main-loop dispatches); SIGHUP calls RELOAD (may be NULL). */
void kenchi_daemon_signals(GMainLoop *loop, void (*reload)(gpointer), gpointer user);

#endif
