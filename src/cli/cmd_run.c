/* cmd_run.c: `kenchi run`, the daemon.  One GLib main loop holds the
 * maildir sources, the outbox sender with its retry timers (the outbox rows
 * carry their own next-attempt times) and the SLA guard; each IMAP account
 * runs in a thread of its own with its own database connection.
 * SIGTERM finishes the message in hand and stops; SIGHUP reloads the
 * configuration, rules and templates, and keeps the old ones when the new
 * ones are broken.  kenchi run refuses to run as root. */
#include <string.h>
#include <unistd.h>
#include "cli/daemon.h"
#include "cli/deliver_socket.h"
#include "report/outbox.h"
#include "util/clock.h"
#include "source/imap_run.h"

typedef struct {
	kenchi_app_t *app;
	GMainLoop *loop;
	GPtrArray *maildirs;      /* kenchi_maildir_t* */
	GPtrArray *mctx;          /* kenchi_maildir_ctx_t* */
	kenchi_re_match_t *m;
	guint send_timer;
	guint cur_timer;          /* the maildirs' cur/ marks (daemon.h) */
	kenchi_imap_threads_t *imap;
	kenchi_deliver_server_t *sock;
} run_t;

static void
mctx_free(kenchi_maildir_ctx_t *mc)
{
	g_free(mc->customer);
	g_free(mc->name);
	if (mc->warned)
		g_hash_table_unref(mc->warned);
	g_free(mc);
}

static void
stop_sources(run_t *r)
{
	if (r->maildirs)
		g_ptr_array_unref(r->maildirs);
	if (r->mctx)
		g_ptr_array_unref(r->mctx);
	r->maildirs = NULL;
	r->mctx = NULL;
	kenchi_imap_threads_stop(r->imap);
	r->imap = NULL;
}

/* Start every [maildir NAME] and [imap NAME] source of the configuration. */
static int
start_sources(run_t *r)
{
	GKeyFile *kf = r->app->cfg->kf;
	char **groups = g_key_file_get_groups(kf, NULL), **g;
	int n = 0;

	r->maildirs = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_maildir_free);
	r->mctx = g_ptr_array_new_with_free_func((GDestroyNotify)mctx_free);
	for (g = groups; g && *g; g++) {
		kenchi_maildir_ctx_t *mc;
		kenchi_maildir_t *md;
		char *path, *err = NULL;

		if (!g_str_has_prefix(*g, "maildir "))
			continue;
		path = g_key_file_get_string(kf, *g, "path", NULL);
		if (path == NULL) {
			kenchi_err("[%s]: no path", *g);
			continue;
		}
		mc = g_new0(kenchi_maildir_ctx_t, 1);
		mc->app = r->app;
		mc->m = r->m;
		mc->customer = g_key_file_get_string(kf, *g, "customer", NULL);
		mc->name = g_strstrip(g_strdup(*g + strlen("maildir ")));
		md = kenchi_maildir_new(g_strstrip(path), kenchi_daemon_ingest_file, mc);
		g_ptr_array_add(r->mctx, mc);
		g_ptr_array_add(r->maildirs, md);
		if (!kenchi_maildir_watch(md, 60, &err)) {
			kenchi_err("maildir %s: %s", mc->name, err);
		} else {
			if (err)
				kenchi_warn("maildir %s: %s", mc->name, err);
			kenchi_info("source=maildir name=%s path=%s started", mc->name, path);
			/* After the watch starts: a move made meanwhile is heard
			 * as well as read here, and found a duplicate. */
			if (kenchi_daemon_cur_catch_up(mc, md) != KENCHI_OK)
				kenchi_warn("maildir %s: cur/ could not all be read now; tried again in %d s", mc->name,
				    KENCHI_CUR_HEARTBEAT_S);
			n++;
		}
		g_free(err);
		g_free(path);
	}
	g_strfreev(groups);
	r->imap = kenchi_imap_threads_start(r->app, &n);
	return n;
}

static gboolean
on_send(gpointer user)
{
	run_t *r = user;
	kenchi_flush_stats_t s;
	kenchi_status_t st = kenchi_outbox_flush(r->app->cfg, r->app->reports, r->app->st, kenchi_now(), FALSE, &s);

	if (s.sent || s.temp_failed || s.failed || s.sla_alerts)
		kenchi_info("send: sent=%d retry=%d failed=%d sla_alerts=%d%s%s", s.sent, s.temp_failed, s.failed,
		    s.sla_alerts, s.detail ? " last_error=" : "", s.detail ? s.detail : "");
	if (st != KENCHI_OK)
		kenchi_warn("send: %s", kenchi_status_to_string(st));
	g_free(s.detail);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_cur_heartbeat(gpointer user)
{
	run_t *r = user;

	for (guint i = 0; r->maildirs && i < r->maildirs->len; i++)
		kenchi_daemon_cur_heartbeat(g_ptr_array_index(r->mctx, i), g_ptr_array_index(r->maildirs, i));
	return G_SOURCE_CONTINUE;
}

static void
on_reload(gpointer user)
{
	run_t *r = user;
	kenchi_app_t fresh = { .config_path = r->app->config_path, .db_path = r->app->db_path,
			       .verbosity = r->app->verbosity };

	if (kenchi_app_load(&fresh, TRUE) != 0 || kenchi_app_load_cases(&fresh) != 0 ||
	    kenchi_app_load_reports(&fresh) != 0) {
		kenchi_err("reload refused: the new configuration, rules or templates are broken; keeping the old ones");
		kenchi_cases_free(fresh.cases);
		kenchi_reports_free(fresh.reports);
		kenchi_rules_free(fresh.rules);
		kenchi_config_free(fresh.cfg);
		return;
	}
	stop_sources(r);
	kenchi_cases_free(r->app->cases);
	kenchi_reports_free(r->app->reports);
	kenchi_rules_free(r->app->rules);
	kenchi_config_free(r->app->cfg);
	r->app->cfg = fresh.cfg;
	r->app->rules = fresh.rules;
	r->app->cases = fresh.cases;
	r->app->reports = fresh.reports;
	start_sources(r);
	if (r->send_timer)
		g_source_remove(r->send_timer);
	r->send_timer = g_timeout_add_seconds(MAX(1, r->app->cfg->send_interval_s), on_send, r);
	kenchi_info("reloaded configuration %s", r->app->cfg->path ? r->app->cfg->path : "(defaults)");
}

int
kenchi_cmd_run(kenchi_app_t *app, int argc, char **argv)
{
	char *log = NULL;
	GOptionEntry entries[] = {
		{ "log", 0, 0, G_OPTION_ARG_STRING, &log, "stderr, syslog or auto (a terminal: stderr)", "WHERE" },
		G_OPTION_ENTRY_NULL
	};
	run_t r = { .app = app };
	int rc, n;

	if ((rc = kenchi_cli_options("- the daemon", entries, &argc, &argv)) != 0)
		goto done;
	if (geteuid() == 0) {
		kenchi_err("run: refusing to run as root: start kenchi as its own user (see contrib/kenchi.service)");
		rc = KENCHI_EXIT_CONFIG;
		goto done;
	}
	if ((log && strcmp(log, "syslog") == 0) || ((log == NULL || strcmp(log, "auto") == 0) && !kenchi_isatty_err()))
		kenchi_log_to_syslog(1);
	if ((rc = kenchi_app_load(app, TRUE)) != 0 || (rc = kenchi_app_load_cases(app)) != 0 ||
	    (rc = kenchi_app_load_reports(app)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		goto done;
	r.m = kenchi_re_match_new();
	r.loop = g_main_loop_new(NULL, FALSE);
	kenchi_daemon_signals(r.loop, on_reload, &r);
	n = start_sources(&r);
	if (app->cfg->socket_path) {
		char *err = NULL;
		/* Opened once: a reload keeps the socket the daemon started with. */
		r.sock = kenchi_deliver_server_new(app, r.m, app->cfg->socket_path, &err);
		if (r.sock) {
			kenchi_info("source=socket path=%s started", app->cfg->socket_path);
			n++;
		} else {
			kenchi_err("deliver socket: %s; the hooks store their messages themselves", err);
		}
		g_free(err);
	}
	r.send_timer = g_timeout_add_seconds(MAX(1, app->cfg->send_interval_s), on_send, &r);
	r.cur_timer = g_timeout_add_seconds(KENCHI_CUR_HEARTBEAT_S, on_cur_heartbeat, &r);
	kenchi_info("run: started with %d source(s), sending every %d s", n, app->cfg->send_interval_s);
	g_main_loop_run(r.loop);
	kenchi_deliver_server_free(r.sock);
	stop_sources(&r);
	/* Whatever is ready goes out before we stop. */
	on_send(&r);
	kenchi_info("run: stopped");
	rc = 0;
done:
	if (r.send_timer)
		g_source_remove(r.send_timer);
	if (r.cur_timer)
		g_source_remove(r.cur_timer);
	if (r.loop)
		g_main_loop_unref(r.loop);
	kenchi_re_match_free(r.m);
	g_free(log);
	return rc;
}
