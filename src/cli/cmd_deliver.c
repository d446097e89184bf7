/* cmd_deliver.c: `kenchi deliver [--customer ID]`, the procmail/maildrop
 * hook.  Reads one message on stdin, stores it and its events in one
 * transaction, and exits 0 only after the commit.  Temporary trouble (busy
 * database past the timeout, full disk, no memory) exits 75 so that the
 * delivery agent keeps the message and retries.  Mail that is not an alert,
 * or is broken, is stored with its reason and still exits 0. */
#include "cli/cli.h"
#include "util/clock.h"

int
kenchi_cmd_deliver(kenchi_app_t *app, int argc, char **argv)
{
	char *customer = NULL;   /* GOption allocates it */
	GOptionEntry entries[] = {
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "the customer this mailbox belongs to", "ID" },
		{ NULL }
	};
	kenchi_ingest_opts_t opts = { .source = "deliver", .origin = "stdin" };
	kenchi_ingest_ctx_t ctx;
	kenchi_analysis_t a;
	kenchi_re_match_t *m;
	kenchi_status_t st;
	GByteArray *raw = NULL;
	int rc;

	if ((rc = kenchi_cli_options("- store one message from stdin", entries, &argc, &argv)) != 0)
		return rc;
	if ((rc = kenchi_app_load(app, TRUE)) != 0 || (rc = kenchi_app_load_cases(app)) != 0 ||
	    (rc = kenchi_app_load_reports(app)) != 0)
		return rc;
	st = kenchi_read_all(stdin, &raw);
	if (st != KENCHI_OK) {
		kenchi_err("deliver: reading stdin: %s", kenchi_status_to_string(st));
		return kenchi_status_to_exit(st);
	}
	opts.customer = customer;
	opts.now = kenchi_now();
	ctx.cfg = app->cfg;
	ctx.rules = app->rules;
	ctx.cases = app->cases;
	ctx.reports = app->reports;
	m = kenchi_re_match_new();
	/* Parse before taking the write lock: the lock is held only for SQL. */
	kenchi_ingest_analyse(&ctx, m, (const char *)raw->data, raw->len, &opts, &a);
	if ((rc = kenchi_app_open_store(app)) != 0)
		goto done;
	st = kenchi_store_begin(app->st);
	if (st == KENCHI_OK)
		st = kenchi_ingest_store(&ctx, app->st, &a, &opts);
	if (st == KENCHI_OK)
		st = kenchi_store_commit(app->st);
	if (st != KENCHI_OK) {
		kenchi_err("deliver: %s: %s", kenchi_status_to_string(st), kenchi_store_errmsg(app->st));
		kenchi_store_rollback(app->st);
		/* Anything but a temporary failure still must not lose the mail:
		 * the recipes keep a copy when kenchi exits non-zero. */
		rc = kenchi_status_to_exit(st);
		goto done;
	}
	kenchi_info("msg=%" G_GINT64_FORMAT " source=deliver kind=%s customer=%s events=%d dup_events=%d"
	    " case=%" G_GINT64_FORMAT " new_cases=%d reportable=%d%s",
	    a.message, kenchi_kind_to_string(a.x.kind), a.customer, a.events_new, a.events_dup,
	    a.case_id, a.cases_new, a.reportable, a.duplicate ? " duplicate=1" : "");
	rc = 0;
done:
	kenchi_analysis_clear(&a);
	kenchi_re_match_free(m);
	g_free(customer);
	g_byte_array_unref(raw);
	return rc;
}
