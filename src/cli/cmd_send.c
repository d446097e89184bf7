/* cmd_send.c: `kenchi send`, one flush of the outbox over SMTP.  Apart from
 * cmd_outbox.c (listing, retry, release) because this is the one that needs
 * libesmtp: it is built into kenchi-net only (see main.c). */
#include "cli/cli.h"
#include "report/outbox.h"
#include "util/clock.h"

int
kenchi_cmd_send(kenchi_app_t *app, int argc, char **argv)
{
	gboolean all = FALSE;
	GOptionEntry entries[] = {
		{ "all", 0, 0, G_OPTION_ARG_NONE, &all, "send pending rows now, ignoring their hold and backoff", NULL },
		G_OPTION_ENTRY_NULL
	};
	kenchi_flush_stats_t stats;
	kenchi_status_t st;
	int rc;

	if ((rc = kenchi_cli_options("- flush the outbox once", entries, &argc, &argv)) != 0)
		return rc;
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_load_reports(app)) != 0 ||
	    (rc = kenchi_app_open_store(app)) != 0)
		return rc;
	st = kenchi_outbox_flush(app->cfg, app->reports, app->st, kenchi_now(), all, &stats);
	kenchi_info("send: sent=%d retry=%d failed=%d sla_alerts=%d%s%s", stats.sent, stats.temp_failed, stats.failed,
	    stats.sla_alerts, stats.detail ? " last_error=" : "", stats.detail ? stats.detail : "");
	g_free(stats.detail);
	if (st != KENCHI_OK) {
		kenchi_err("send: %s: %s", kenchi_status_to_string(st), kenchi_store_errmsg(app->st));
		return kenchi_status_to_exit(st);
	}
	/* Rows left for a later retry are a temporary failure of this run;
	 * a row refused for good needs a person (it is listed and the analysts
	 * were told). */
	if (stats.temp_failed)
		return KENCHI_EXIT_TEMPFAIL;
	return stats.failed ? KENCHI_EXIT_FAIL : 0;
}
