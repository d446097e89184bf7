/* maildir.h: a maildir source.  New messages are taken from new/ in name
 * order; each is moved to cur/ with the S flag only after its commit, so a
 * crash leaves it in new/ for the next scan.  The watch (inotify on new/,
 * in the GLib main loop) survives the maildir being renamed or recreated:
 * when the watch goes away the source polls for the path to come back and
 * rescans.  Nothing here prints. */
#ifndef KENCHI_MAILDIR_H
#define KENCHI_MAILDIR_H

#include <glib.h>
#include "util/status.h"

typedef struct kenchi_maildir kenchi_maildir_t;

/* Ingest one file: KENCHI_OK when committed (a file of new/ is then moved
 * to cur/, never over another); KENCHI_NOT_FOUND when it is gone (it is
 * looked for in cur/, where a mail client moves what it shows, and read
 * there); KENCHI_BAD_INPUT for an entry that is no message file (a
 * directory, a FIFO, a device) and KENCHI_WAIT for one that cannot be read
 * now (permissions): each is left where it is, and the scan goes on, ending
 * KENCHI_TEMP after a KENCHI_WAIT.  Any other status is the store's
 * trouble: the file stays in new/ and the scan stops. */
typedef kenchi_status_t (*kenchi_maildir_ingest_fn)(const char *path, const char *name, gpointer user);

kenchi_maildir_t *kenchi_maildir_new(const char *path, kenchi_maildir_ingest_fn fn, gpointer user);
void kenchi_maildir_free(kenchi_maildir_t *md);
const char *kenchi_maildir_path(const kenchi_maildir_t *md);

/* Take every message now in new/.  *done counts those committed.  Returns
 * the failure that stopped the scan, KENCHI_TEMP when a file could not be
 * read, or KENCHI_OK. */
kenchi_status_t kenchi_maildir_scan(kenchi_maildir_t *md, int *done);

/* Watch new/ from the thread-default main context; scans on every arrival,
 * on a periodic safety rescan (RESCAN_S), and after the directory comes
 * back.  Without inotify (out of instances or watches) it polls new/ every
 * second instead and returns TRUE with a warning in *errmsg; *errmsg is
 * NULL otherwise.  It does not fail today: FALSE is kept for the caller. */
gboolean kenchi_maildir_watch(kenchi_maildir_t *md, int rescan_s, char **errmsg);

/* The first message of new/ that was stored but could not be moved to
 * cur/ (not ours to move), and why; NULL when none.  It is not read again,
 * and does not hold up the others. */
const char *kenchi_maildir_stuck(const kenchi_maildir_t *md);

/* Read each entry of cur/ whose inode changed (ctime) at SINCE (seconds
 * since the epoch) or later: a message a mail client moved there from new/
 * while no one watched (the watch hears of such moves only while it runs).
 * One read before is found a duplicate by the store.  *done counts those
 * committed; returns the store's trouble that stopped it, KENCHI_TEMP when
 * an entry could not be read now (the others are read), or KENCHI_OK. */
kenchi_status_t kenchi_maildir_catch_up(kenchi_maildir_t *md, gint64 since, int *done);

/* Is cur/ watched now (the watch runs, with inotify)? */
gboolean kenchi_maildir_cur_watched(const kenchi_maildir_t *md);

/* Counters for the log and the tests.  CUR_MISSED counts the times a move
 * into cur/ may have gone unread: it could not be stored, the watch was
 * lost for a while, or the kernel's event queue overflowed. */
typedef struct {
	guint64 taken, failed_scans, rewatches, cur_missed;
	kenchi_status_t last;
} kenchi_maildir_stats_t;
const kenchi_maildir_stats_t *kenchi_maildir_stats(const kenchi_maildir_t *md);

#endif
