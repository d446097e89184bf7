/* maildir.c: the maildir source (see maildir.h).
 *
 * Raw inotify rather than GFileMonitor: we need IN_MOVED_TO and
 * IN_CLOSE_WRITE on new/ exactly (a delivery agent writes to tmp/ and
 * renames into new/), and to notice IN_IGNORED when new/ itself goes away. */
#define _GNU_SOURCE   /* renameat2 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <glib-unix.h>
#include "source/maildir.h"

struct kenchi_maildir {
	char *path;
	char *new_dir;
	char *cur_dir;
	kenchi_maildir_ingest_fn fn;
	gpointer user;
	int ifd;
	int wd;          /* on new/: arrivals */
	int wd_root;     /* on the maildir itself: renamed or deleted */
	int wd_cur;      /* on cur/: what a mail client moves there before we read it */
	GHashTable *own;     /* cur/ names we moved there, their events not seen yet */
	GHashTable *stuck;   /* new/ names stored that could not be moved out */
	char *stuck_why;     /* the first of them, and why: for the caller to say */
	guint fd_source;
	guint rescan_source;
	guint retry_source;
	int rescan_s;
	kenchi_maildir_stats_t stats;
};

kenchi_maildir_t *
kenchi_maildir_new(const char *path, kenchi_maildir_ingest_fn fn, gpointer user)
{
	kenchi_maildir_t *md = g_new0(kenchi_maildir_t, 1);

	md->path = g_strdup(path);
	md->new_dir = g_build_filename(path, "new", NULL);
	md->cur_dir = g_build_filename(path, "cur", NULL);
	md->fn = fn;
	md->user = user;
	md->ifd = -1;
	md->wd = -1;
	md->wd_root = -1;
	md->wd_cur = -1;
	md->own = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	md->stuck = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return md;
}

void
kenchi_maildir_free(kenchi_maildir_t *md)
{
	if (md == NULL)
		return;
	if (md->fd_source)
		g_source_remove(md->fd_source);
	if (md->rescan_source)
		g_source_remove(md->rescan_source);
	if (md->retry_source)
		g_source_remove(md->retry_source);
	if (md->ifd >= 0)
		close(md->ifd);
	g_hash_table_unref(md->own);
	g_hash_table_unref(md->stuck);
	g_free(md->stuck_why);
	g_free(md->path);
	g_free(md->new_dir);
	g_free(md->cur_dir);
	g_free(md);
}

const char *
kenchi_maildir_path(const kenchi_maildir_t *md)
{
	return md->path;
}

const kenchi_maildir_stats_t *
kenchi_maildir_stats(const kenchi_maildir_t *md)
{
	return &md->stats;
}

static int
cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* cur/ name: the unique part plus the info ":2,S" (seen). */
static char *
cur_name(const char *name)
{
	const char *colon = strchr(name, ':');
	gsize base = colon ? (gsize)(colon - name) : strlen(name);

	return g_strdup_printf("%.*s:2,S", (int)base, name);
}

/* Move SRC to cur/ under NAME's cur/ name, never over a file that is
 * there: a name another message holds already gets a number (two messages
 * of one name, and the move destroyed the first; round 33a).  0, or an
 * errno. */
static int
move_to_cur(kenchi_maildir_t *md, const char *src, const char *name)
{
	const char *colon = strchr(name, ':');
	int base = (int)(colon ? (gsize)(colon - name) : strlen(name)), e = 0;

	for (int n = 0; n < 1000; n++) {
		char *cn = n ? g_strdup_printf("%.*s.%d:2,S", base, name, n) : cur_name(name);
		char *dst = g_build_filename(md->cur_dir, cn, NULL);
		int r = renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE);

		/* A file system that cannot refuse to replace: a hard link
		 * can (EEXIST), and the name in new/ goes once it is made. */
		if (r != 0 && (errno == EINVAL || errno == ENOSYS) && (r = link(src, dst)) == 0)
			unlink(src);
		e = r == 0 ? 0 : errno;
		/* Ours: cur/'s watch hears of it, and must not read it again. */
		if (r == 0 && md->wd_cur >= 0) {
			if (g_hash_table_size(md->own) > 65536)
				g_hash_table_remove_all(md->own);   /* events lost: a re-read is a duplicate */
			g_hash_table_add(md->own, g_strdup(cn));
		}
		g_free(cn);
		g_free(dst);
		if (e != EEXIST)
			return e == ENOENT ? 0 : e;
	}
	return e;
}

/* new/NAME went away before it was read: a mail client that shows the
 * maildir moved it to cur/ (it marks it seen there; round 33a lost 1,118
 * of 2,000 so), or another watcher took it.  Read it in cur/, where it
 * stays: the entry whose unique part is NAME's. */
static kenchi_status_t
from_cur(kenchi_maildir_t *md, const char *name)
{
	const char *colon = strchr(name, ':'), *n;
	gsize base = colon ? (gsize)(colon - name) : strlen(name);
	kenchi_status_t rc = KENCHI_OK;
	GDir *d = g_dir_open(md->cur_dir, 0, NULL);

	if (d == NULL)
		return KENCHI_OK;
	while ((n = g_dir_read_name(d)) != NULL)
		if (strncmp(n, name, base) == 0 && (n[base] == '\0' || n[base] == ':')) {
			char *path = g_build_filename(md->cur_dir, n, NULL);

			rc = md->fn(path, n, md->user);
			g_free(path);
			break;
		}
	g_dir_close(d);
	return rc == KENCHI_NOT_FOUND ? KENCHI_OK : rc;
}

kenchi_status_t
kenchi_maildir_scan(kenchi_maildir_t *md, int *done)
{
	GDir *d;
	GPtrArray *names;
	const char *n;
	kenchi_status_t rc = KENCHI_OK;
	gboolean unread = FALSE, stuck = FALSE;
	guint i;

	*done = 0;
	d = g_dir_open(md->new_dir, 0, NULL);
	if (d == NULL)
		return KENCHI_WAIT;   /* the maildir is away (renamed?): try again later */
	names = g_ptr_array_new_with_free_func(g_free);
	while ((n = g_dir_read_name(d)) != NULL)
		if (n[0] != '.')
			g_ptr_array_add(names, g_strdup(n));
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_names);
	for (i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		char *src;
		int e;

		if (g_hash_table_contains(md->stuck, name))
			continue;   /* stored; said once (kenchi_maildir_stuck) */
		src = g_build_filename(md->new_dir, name, NULL);
		rc = md->fn(src, name, md->user);
		if (rc == KENCHI_OK) {
			/* Committed: now, and only now, out of new/. */
			if ((e = move_to_cur(md, src, name)) != 0 && e != ENOSPC) {
				/* Stored, and not ours to move (another owner's
				 * file under a sticky new/, a read-only maildir):
				 * it does not hold up the others behind it, nor is
				 * it stored again at every scan (daemon round rd1
				 * F3, F4); the scan ends failed, and says why. */
				g_hash_table_add(md->stuck, g_strdup(name));
				if (md->stuck_why == NULL)
					md->stuck_why = g_strdup_printf("new/%s stored, but it cannot be moved to cur/: %s",
					    name, g_strerror(e));
				stuck = TRUE;
				(*done)++;
				md->stats.taken++;
			} else if (e != 0)
				rc = KENCHI_TEMP;
			else {
				(*done)++;
				md->stats.taken++;
			}
		} else if (rc == KENCHI_NOT_FOUND && (rc = from_cur(md, name)) == KENCHI_OK) {
			(*done)++;
			md->stats.taken++;
		}
		g_free(src);
		/* One entry that is no message, or that cannot be read now,
		 * does not keep the others waiting behind it (round 33a). */
		if (rc == KENCHI_BAD_INPUT)
			rc = KENCHI_OK;
		else if (rc == KENCHI_WAIT) {
			unread = TRUE;
			rc = KENCHI_OK;
		}
		if (rc != KENCHI_OK)
			break;
	}
	if (rc == KENCHI_OK && unread)
		rc = KENCHI_TEMP;
	if (rc == KENCHI_OK && stuck)
		rc = KENCHI_IO;
	g_ptr_array_unref(names);
	md->stats.last = rc;
	if (rc != KENCHI_OK)
		md->stats.failed_scans++;
	return rc;
}

static gboolean on_retry(gpointer user);
static void drop_watches(kenchi_maildir_t *md);

static void
scan_now(kenchi_maildir_t *md)
{
	int done;
	kenchi_status_t rc = kenchi_maildir_scan(md, &done);

	if (rc == KENCHI_WAIT && md->wd >= 0) {
		/* The path is gone: the watch is on an inode that may be
		 * renamed elsewhere.  Drop it and wait for the path. */
		drop_watches(md);
		md->stats.rewatches++;
	}
	if (rc != KENCHI_OK && md->retry_source == 0)
		md->retry_source = g_timeout_add_seconds(rc == KENCHI_WAIT ? 1 : 5, on_retry, md);
}

static gboolean add_watch(kenchi_maildir_t *md);
static void drop_watches(kenchi_maildir_t *md);

static gboolean
on_retry(gpointer user)
{
	kenchi_maildir_t *md = user;

	md->retry_source = 0;
	if (md->wd < 0 && !add_watch(md)) {
		/* No watch: the path is not there (yet), or the kernel is out
		 * of inotify instances or watches (a per-user limit, shared by
		 * every process of the mail user).  Scan anyway - a no-op while
		 * the path is missing - so that the fallback is a poll every
		 * second rather than a source that takes nothing. */
		scan_now(md);
		if (md->retry_source == 0)
			md->retry_source = g_timeout_add_seconds(1, on_retry, md);
		return G_SOURCE_REMOVE;
	}
	scan_now(md);
	return G_SOURCE_REMOVE;
}

/* cur/NAME arrived, moved there by someone else: read it (a copy stored
 * already is found a duplicate).  A failure to store it now leaves it for
 * `kenchi import`, as the man page says of cur/. */
static void
from_cur_name(kenchi_maildir_t *md, const char *name)
{
	char *path = g_build_filename(md->cur_dir, name, NULL);

	kenchi_status_t rc = md->fn(path, name, md->user);

	if (rc == KENCHI_OK)
		md->stats.taken++;
	else if (rc != KENCHI_NOT_FOUND && rc != KENCHI_BAD_INPUT)
		md->stats.cur_missed++;   /* read again by a catch-up (maildir.h) */
	g_free(path);
}

static gboolean
on_inotify(int fd, GIOCondition cond, gpointer user)
{
	kenchi_maildir_t *md = user;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	gboolean arrived = FALSE, gone = FALSE;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		char *p;
		for (p = buf; p < buf + n; ) {
			struct inotify_event *ev = (struct inotify_event *)p;
			if (ev->wd == md->wd_cur && md->wd_cur >= 0) {
				/* A message a mail client moved from new/ to cur/
				 * before we read it in new/ (rd1 F2: never read) */
				if ((ev->mask & IN_MOVED_TO) && ev->len && ev->name[0] != '.' &&
				    !g_hash_table_remove(md->own, ev->name))
					from_cur_name(md, ev->name);
				p += sizeof *ev + ev->len;
				continue;
			}
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events were lost: new/ is scanned; a move into
				 * cur/ is left to a catch-up. */
				md->stats.cur_missed++;
				arrived = TRUE;
			}
			if (ev->mask & (IN_MOVED_TO | IN_CLOSE_WRITE))
				arrived = TRUE;
			if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
				gone = TRUE;
			p += sizeof *ev + ev->len;
		}
	}
	if (gone) {
		/* The maildir went away (renamed or deleted): poll for its path. */
		drop_watches(md);
		md->stats.rewatches++;
		if (md->retry_source == 0)
			md->retry_source = g_timeout_add_seconds(1, on_retry, md);
	} else if (arrived) {
		scan_now(md);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
on_rescan(gpointer user)
{
	kenchi_maildir_t *md = user;
	int old = md->wd, old_root = md->wd_root;

	/* Re-add by path: if the maildir was replaced by another directory
	 * of the same name, the watches move to it. */
	if (add_watch(md)) {
		if (old >= 0 && old != md->wd)
			inotify_rm_watch(md->ifd, old);
		if (old_root >= 0 && old_root != md->wd_root)
			inotify_rm_watch(md->ifd, old_root);
	}
	scan_now(md);
	return G_SOURCE_CONTINUE;
}

static gboolean
add_watch(kenchi_maildir_t *md)
{
	if (md->ifd < 0)
		return FALSE;
	md->wd = inotify_add_watch(md->ifd, md->new_dir,
	    IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
	/* new/ does not hear its parent being renamed: watch the parent too. */
	if (md->wd >= 0) {
		md->wd_root = inotify_add_watch(md->ifd, md->path, IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
		md->wd_cur = inotify_add_watch(md->ifd, md->cur_dir, IN_MOVED_TO | IN_ONLYDIR);
	}
	return md->wd >= 0;
}

static void
drop_watches(kenchi_maildir_t *md)
{
	if (md->wd >= 0)
		inotify_rm_watch(md->ifd, md->wd);
	if (md->wd_root >= 0)
		inotify_rm_watch(md->ifd, md->wd_root);
	if (md->wd_cur >= 0) {
		inotify_rm_watch(md->ifd, md->wd_cur);
		md->stats.cur_missed++;   /* until it is back, moves go unheard */
	}
	md->wd = md->wd_root = md->wd_cur = -1;
	g_hash_table_remove_all(md->own);
}

gboolean
kenchi_maildir_watch(kenchi_maildir_t *md, int rescan_s, char **errmsg)
{
	*errmsg = NULL;
	md->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (md->ifd >= 0)
		md->fd_source = g_unix_fd_add(md->ifd, G_IO_IN, on_inotify, md);
	if (!add_watch(md)) {
		int e = errno;
		/* Out of inotify instances or watches, the limit shared by all
		 * the mail user's processes: poll every second (on_retry) and
		 * say so, rather than stop.  A missing path is not a warning: it
		 * is waited for the same way. */
		if (md->ifd < 0 || e != ENOENT)
			*errmsg = g_strdup_printf("inotify: %s; polling new/ every second instead", g_strerror(e));
		if (md->retry_source == 0)
			md->retry_source = g_timeout_add_seconds(1, on_retry, md);
	}
	md->rescan_s = rescan_s;
	if (rescan_s > 0)
		md->rescan_source = g_timeout_add_seconds(rescan_s, on_rescan, md);
	/* What arrived while we were down. */
	scan_now(md);
	return TRUE;
}

gboolean
kenchi_maildir_cur_watched(const kenchi_maildir_t *md)
{
	return md->wd_cur >= 0;
}

kenchi_status_t
kenchi_maildir_catch_up(kenchi_maildir_t *md, gint64 since, int *done)
{
	GDir *d = g_dir_open(md->cur_dir, 0, NULL);
	GPtrArray *names;
	const char *n;
	kenchi_status_t rc = KENCHI_OK;
	gboolean unread = FALSE;
	int dfd;

	*done = 0;
	if (d == NULL)
		return KENCHI_OK;   /* no cur/: nothing was moved there */
	if ((dfd = open(md->cur_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		g_dir_close(d);
		return KENCHI_OK;
	}
	names = g_ptr_array_new_with_free_func(g_free);
	while ((n = g_dir_read_name(d)) != NULL) {
		struct stat sb;

		/* A rename changes the inode's ctime: what was moved in since. */
		if (n[0] != '.' && fstatat(dfd, n, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
		    (gint64)sb.st_ctime >= since)
			g_ptr_array_add(names, g_strdup(n));
	}
	close(dfd);
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_names);
	for (guint i = 0; i < names->len && rc == KENCHI_OK; i++) {
		char *path = g_build_filename(md->cur_dir, g_ptr_array_index(names, i), NULL);

		rc = md->fn(path, g_ptr_array_index(names, i), md->user);
		g_free(path);
		if (rc == KENCHI_OK)
			(*done)++;
		else if (rc == KENCHI_NOT_FOUND || rc == KENCHI_BAD_INPUT)
			rc = KENCHI_OK;   /* gone, or no message file */
		else if (rc == KENCHI_WAIT) {
			unread = TRUE;    /* cannot be read now: the next catch-up tries it */
			rc = KENCHI_OK;
		}
	}
	g_ptr_array_unref(names);
	return rc == KENCHI_OK && unread ? KENCHI_TEMP : rc;
}

const char *
kenchi_maildir_stuck(const kenchi_maildir_t *md)
{
	return md->stuck_why;
}
