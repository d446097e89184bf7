/* daemon.c: shared pieces of the long-running commands. */
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "cli/daemon.h"
#include "util/input.h"

kenchi_status_t
kenchi_daemon_ingest_file(const char *path, const char *name, gpointer user)
{
	kenchi_maildir_ctx_t *mc = user;
	kenchi_analysis_t a = { 0 };
	GBytes *raw;
	GError *err = NULL;
	kenchi_status_t st;
	char *origin;

	/* A file past the message size limit is not read: a 300 MB one was,
	 * whole, into memory (daemon round rd1 F5).  Left where it is, as
	 * deliver refuses one (kenchi(1)), and said once. */
	{
		GStatBuf sb;

		if (g_stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (guint64)sb.st_size > kenchi_message_max())
			g_set_error(&err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: larger than %" G_GSIZE_FORMAT
			    " bytes (KENCHI_MESSAGE_MAX): not read", name, kenchi_message_max());
	}
	raw = err ? NULL : kenchi_read_file(path, &err);
	if (raw == NULL) {
		/* Gone (a mail client moved it to cur/, another watcher took
		 * it): the maildir looks in cur/.  No message file (a
		 * directory, a FIFO), or one that cannot be read now: said
		 * once, and left where it is, while the others go on. */
		gboolean gone = g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
		gboolean junk = g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_ISDIR) ||
		    g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_INVAL) ||
		    g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_FAILED);

		if (!gone) {
			if (mc->warned == NULL)
				mc->warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
			if (g_hash_table_add(mc->warned, g_strdup(path)))
				kenchi_warn("maildir %s: %s; left in place%s", mc->name, err->message,
				    junk ? "" : ", tried again at each scan");
		}
		g_error_free(err);
		return gone ? KENCHI_NOT_FOUND : junk ? KENCHI_BAD_INPUT : KENCHI_WAIT;
	}
	if (mc->warned)
		g_hash_table_remove(mc->warned, path);
	origin = g_strdup_printf("maildir:%s/%s", mc->name, name);
	st = kenchi_app_ingest(mc->app, mc->m, g_bytes_get_size(raw) ? g_bytes_get_data(raw, NULL) : "",
	    g_bytes_get_size(raw), "maildir", origin, mc->customer, &a);
	if (st == KENCHI_OK)
		kenchi_app_log_message(&a, "maildir", origin);
	kenchi_analysis_clear(&a);
	g_bytes_unref(raw);
	g_free(origin);
	/* The store's trouble stops the scan (maildir.h): never one of the
	 * statuses that skip one file. */
	return st == KENCHI_NOT_FOUND || st == KENCHI_WAIT ? KENCHI_TEMP : st;
}

/* A mark is kept by the maildir's real path; "maildir-cur:PATH" in meta. */
static char *
cur_mark_key(const kenchi_maildir_t *md)
{
	char *real = realpath(kenchi_maildir_path(md), NULL);
	char *key = g_strconcat("maildir-cur:", real ? real : kenchi_maildir_path(md), NULL);

	free(real);
	return key;
}

static gint64
cur_mark(kenchi_maildir_ctx_t *mc, const kenchi_maildir_t *md)
{
	char *key = cur_mark_key(md), *text;
	GBytes *v = NULL;
	gint64 t = -1;

	if (kenchi_store_meta_get(mc->app->st, key, &v) == KENCHI_OK && v) {
		text = g_strndup(g_bytes_get_data(v, NULL), g_bytes_get_size(v));
		t = g_ascii_strtoll(text, NULL, 10);
		g_free(text);
		g_bytes_unref(v);
	}
	g_free(key);
	return t;
}

static void
set_cur_mark(kenchi_maildir_ctx_t *mc, const kenchi_maildir_t *md, gint64 t)
{
	char *key = cur_mark_key(md), *text = g_strdup_printf("%" G_GINT64_FORMAT, t);

	if (kenchi_store_meta_set(mc->app->st, key, text, strlen(text)) != KENCHI_OK)
		kenchi_warn("maildir %s: cannot keep how far cur/ was watched (it is read again at the next start)",
		    mc->name);
	g_free(text);
	g_free(key);
}

/* Seconds before the mark that a catch-up reads too: a move made just
 * before the mark may not have been read yet when the process stopped,
 * and clocks step. */
#define CUR_MARGIN_S (2 * KENCHI_CUR_HEARTBEAT_S)

kenchi_status_t
kenchi_daemon_cur_catch_up(kenchi_maildir_ctx_t *mc, kenchi_maildir_t *md)
{
	/* The files' times are the real clock's, not KENCHI_NOW's. */
	gint64 start = g_get_real_time() / G_USEC_PER_SEC, since = cur_mark(mc, md);
	kenchi_status_t st = KENCHI_OK;
	int done = 0;

	mc->cur_missed = kenchi_maildir_stats(md)->cur_missed;
	if (since >= 0) {
		st = kenchi_maildir_catch_up(md, since - CUR_MARGIN_S, &done);
		if (done)
			kenchi_info("maildir %s: %d message(s) of cur/ read, moved there while no one watched (or read "
			    "again)", mc->name, done);
	}
	mc->cur_behind = st != KENCHI_OK;
	if (st == KENCHI_OK)
		set_cur_mark(mc, md, start);
	return st;
}

void
kenchi_daemon_cur_heartbeat(kenchi_maildir_ctx_t *mc, kenchi_maildir_t *md)
{
	guint64 missed = kenchi_maildir_stats(md)->cur_missed;

	if (!kenchi_maildir_cur_watched(md))
		return;   /* moves go unheard: the mark stays where it is */
	if (missed != mc->cur_missed || mc->cur_behind)
		(void)kenchi_daemon_cur_catch_up(mc, md);
	else
		set_cur_mark(mc, md, g_get_real_time() / G_USEC_PER_SEC);
}

typedef struct {
	GMainLoop *loop;
	void (*reload)(gpointer);
	gpointer user;
} sig_ctx_t;

static sig_ctx_t sig_ctx;

static gboolean
on_quit(gpointer user)
{
	kenchi_info("signal: stopping after the message in hand");
	g_main_loop_quit(sig_ctx.loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_hup(gpointer user)
{
	if (sig_ctx.reload)
		sig_ctx.reload(sig_ctx.user);
	return G_SOURCE_CONTINUE;
}

void
kenchi_daemon_signals(GMainLoop *loop, void (*reload)(gpointer), gpointer user)
{
	sig_ctx.loop = loop;
	sig_ctx.reload = reload;
	sig_ctx.user = user;
	g_unix_signal_add(SIGTERM, on_quit, NULL);
	g_unix_signal_add(SIGINT, on_quit, NULL);
	g_unix_signal_add(SIGHUP, on_hup, NULL);
	signal(SIGPIPE, SIG_IGN);
}
