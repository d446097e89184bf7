/* lockfile.h: an advisory lock on a file (flock(2)), held for as long as
 * its descriptor is open: the kernel lets it go when the process dies, so
 * a crash leaves no stale lock.  Who takes which lock is the caller's. */
#ifndef KENCHI_LOCKFILE_H
#define KENCHI_LOCKFILE_H

#include <glib.h>

/* Open (create, mode 0600) and lock PATH without waiting: the descriptor,
 * or -1 with *ERR the errno (EWOULDBLOCK: another process holds it). */
int kenchi_lockfile_try(const char *path, int *err);

/* Let the lock go (FD < 0: nothing). */
void kenchi_lockfile_release(int fd);

/* The lock of one IMAP account, beside the database DB_PATH
 * ("DB.imap-ACCOUNT.lock", '/' in the name as '_'): two processes that
 * follow one account would fetch and move the same messages (round 35b:
 * a cron's `imap --once` beside another, or the daemon). */
char *kenchi_lockfile_imap_path(const char *db_path, const char *account);

#endif
