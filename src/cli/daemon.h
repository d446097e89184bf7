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
} kenchi_maildir_ctx_t;

/* kenchi_maildir_ingest_fn for a maildir source: read, ingest, commit, log. */
kenchi_status_t kenchi_daemon_ingest_file(const char *path, const char *name, gpointer user);

/* SIGTERM and SIGINT quit LOOP (after the message in hand: handlers run
 * between main-loop dispatches); SIGHUP calls RELOAD (may be NULL). */
void kenchi_daemon_signals(GMainLoop *loop, void (*reload)(gpointer), gpointer user);

#endif
