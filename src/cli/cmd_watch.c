/* cmd_watch.c: `kenchi watch [--customer ID] [--once] DIR`: one maildir
 * source in the foreground. */
#include "cli/daemon.h"

typedef struct {
	kenchi_maildir_ctx_t *mc;
	kenchi_maildir_t *md;
} heartbeat_t;

static gboolean
on_cur_heartbeat(gpointer user)
{
	heartbeat_t *hb = user;

	kenchi_daemon_cur_heartbeat(hb->mc, hb->md);
	return G_SOURCE_CONTINUE;
}

int
kenchi_cmd_watch(kenchi_app_t *app, int argc, char **argv)
{
	char *customer = NULL;
	gboolean once = FALSE;
	int rescan = 60;
	GOptionEntry entries[] = {
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "the customer of this maildir", "ID" },
		{ "once", 0, 0, G_OPTION_ARG_NONE, &once, "take what is in new/ and exit", NULL },
		{ "rescan", 0, 0, G_OPTION_ARG_INT, &rescan, "seconds between safety rescans (default 60)", "S" },
		G_OPTION_ENTRY_NULL
	};
	kenchi_maildir_ctx_t mc = { 0 };
	kenchi_maildir_t *md = NULL;
	GMainLoop *loop = NULL;
	heartbeat_t hb = { &mc, NULL };
	guint heartbeat = 0;
	char *err = NULL;
	int rc, done;

	if ((rc = kenchi_cli_options("DIR - watch one maildir", entries, &argc, &argv)) != 0)
		goto out;
	if (argc != 2) {
		kenchi_err("usage: kenchi watch [--customer ID] [--once] DIR");
		rc = KENCHI_EXIT_USAGE;
		goto out;
	}
	if ((rc = kenchi_app_load(app, TRUE)) != 0 || (rc = kenchi_app_load_cases(app)) != 0 ||
	    (rc = kenchi_app_load_reports(app)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		goto out;
	mc.app = app;
	mc.m = kenchi_re_match_new();
	mc.customer = customer;
	customer = NULL;
	mc.name = g_path_get_basename(argv[1]);
	md = kenchi_maildir_new(argv[1], kenchi_daemon_ingest_file, &mc);
	hb.md = md;
	if (once) {
		/* cur/ first: its mark is this run's start, before new/ is
		 * listed, so that a move made during the scan is read by the
		 * next run (daemon.h). */
		kenchi_status_t cst = kenchi_daemon_cur_catch_up(&mc, md), st = cst;

		done = 0;
		if (cst == KENCHI_OK || cst == KENCHI_TEMP)
			st = kenchi_maildir_scan(md, &done);
		kenchi_info("watch: %d message(s) taken from %s", done, argv[1]);
		if (kenchi_maildir_stuck(md))
			kenchi_err("watch: %s", kenchi_maildir_stuck(md));
		if (st == KENCHI_OK)
			st = cst;
		rc = st == KENCHI_OK ? 0 : kenchi_status_to_exit(st);
		goto out;
	}
	loop = g_main_loop_new(NULL, FALSE);
	kenchi_daemon_signals(loop, NULL, NULL);
	if (!kenchi_maildir_watch(md, rescan, &err)) {
		kenchi_err("watch: %s", err);
		rc = KENCHI_EXIT_FAIL;
		goto out;
	}
	if (err)
		kenchi_warn("watch: %s", err);
	if (kenchi_daemon_cur_catch_up(&mc, md) != KENCHI_OK)
		kenchi_warn("watch: cur/ could not all be read now; tried again in %d s", KENCHI_CUR_HEARTBEAT_S);
	heartbeat = g_timeout_add_seconds(KENCHI_CUR_HEARTBEAT_S, on_cur_heartbeat, &hb);
	kenchi_info("watch: watching %s", argv[1]);
	g_main_loop_run(loop);
	rc = 0;
out:
	if (heartbeat)
		g_source_remove(heartbeat);
	kenchi_maildir_free(md);
	if (loop)
		g_main_loop_unref(loop);
	kenchi_re_match_free(mc.m);
	g_free(mc.customer);
	g_free(mc.name);
	if (mc.warned)
		g_hash_table_unref(mc.warned);
	g_free(customer);
	g_free(err);
	return rc;
}
