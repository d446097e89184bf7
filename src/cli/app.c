/* app.c: loading what commands need, once, and reporting failures. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "parse/event.h"
#include "util/clock.h"

static int
load_config(kenchi_app_t *app)
{
	GString *errs;
	kenchi_status_t rc;

	if (app->cfg)
		return 0;
	errs = g_string_new(NULL);
	rc = kenchi_config_load(app->config_path, &app->cfg, errs);
	if (rc != KENCHI_OK)
		kenchi_err("bad configuration:\n%s", errs->str);
	g_string_free(errs, TRUE);
	return rc == KENCHI_OK ? 0 : KENCHI_EXIT_CONFIG;
}

int
kenchi_app_load(kenchi_app_t *app, gboolean need_rules)
{
	GError *err = NULL;
	char *p;
	int rc;

	if ((rc = load_config(app)) != 0)
		return rc;
	p = kenchi_config_data_path(app->cfg, "event-types.tsv");
	if (!kenchi_event_types_load(p, &err)) {
		kenchi_err("%s", err->message);
		g_error_free(err);
		g_free(p);
		return KENCHI_EXIT_CONFIG;
	}
	g_free(p);
	if (need_rules && app->rules == NULL) {
		p = kenchi_config_data_path(app->cfg, "extractors");
		app->rules = kenchi_rules_load_dir(p, &err);
		g_free(p);
		if (app->rules == NULL) {
			kenchi_err("extractor rules:\n%s", err->message);
			g_error_free(err);
			return KENCHI_EXIT_CONFIG;
		}
	}
	return 0;
}

gboolean
kenchi_app_customer_known(const kenchi_app_t *app, const char *customer)
{
	return customer == NULL || strcmp(customer, KENCHI_UNASSIGNED) == 0 || app->cfg == NULL ||
	    app->cfg->customers->len == 0 || kenchi_config_customer(app->cfg, customer) != NULL;
}

void
kenchi_app_warn_customer(const kenchi_app_t *app, const char *customer)
{
	/* A typo would list nothing, and say nothing (rc1); a customer taken
	 * out of the configuration still has its stored data, listed. */
	if (customer && strcmp(customer, "*") != 0 && !kenchi_app_customer_known(app, customer))
		kenchi_warn("customer \"%s\" is not in the configuration", customer);
}

int
kenchi_app_load_cases(kenchi_app_t *app)
{
	GError *err = NULL;

	if (app->cases)
		return 0;
	app->cases = kenchi_cases_new(app->cfg, &err);
	if (app->cases == NULL) {
		kenchi_err("%s", err->message);
		g_error_free(err);
		return KENCHI_EXIT_CONFIG;
	}
	return 0;
}

int
kenchi_app_load_reports(kenchi_app_t *app)
{
	GError *err = NULL;

	if (app->reports)
		return 0;
	app->reports = kenchi_reports_new(app->cfg, &err);
	if (app->reports == NULL) {
		kenchi_err("templates:\n%s", err->message);
		g_error_free(err);
		return KENCHI_EXIT_CONFIG;
	}
	return 0;
}

const char *
kenchi_app_db_path(kenchi_app_t *app)
{
	const char *env = g_getenv("KENCHI_DB");

	if (app->db_path)
		return app->db_path;
	if (env && *env)
		return env;
	if (app->cfg && app->cfg->db_path)
		return app->cfg->db_path;
	return "kenchi.db";
}

int
kenchi_app_open_store(kenchi_app_t *app)
{
	char *msg = NULL;
	kenchi_status_t rc;

	if (app->st)
		return 0;
	rc = kenchi_store_open(kenchi_app_db_path(app), app->cfg ? app->cfg->busy_timeout_ms : 30000, &app->st, &msg);
	if (rc != KENCHI_OK) {
		kenchi_err("database: %s (%s)", msg ? msg : "?", kenchi_status_to_string(rc));
		g_free(msg);
		return kenchi_status_to_exit(rc);
	}
	return 0;
}

int
kenchi_cli_options(const char *usage, GOptionEntry *entries, int *argc, char ***argv)
{
	GOptionContext *ctx = g_option_context_new(usage);
	GError *err = NULL;
	gboolean ok;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_help_enabled(ctx, TRUE);
	ok = g_option_context_parse(ctx, argc, argv, &err);
	g_option_context_free(ctx);
	if (!ok) {
		kenchi_err("%s", err->message);
		g_error_free(err);
		return KENCHI_EXIT_USAGE;
	}
	return 0;
}

gboolean
kenchi_take_case_customer(const kenchi_case_row_t *r, gpointer user)
{
	*(char **)user = g_strdup(r->customer);
	return FALSE;
}

void
kenchi_print_json_line(JsonNode *node)
{
	JsonGenerator *g = json_generator_new();
	gsize n;
	char *s;

	json_generator_set_root(g, node);
	s = json_generator_to_data(g, &n);
	/* JSON text is UTF-8 (RFC 8259): a file name of other bytes (a
	 * maildir's, an mbox's) made a line Python could not read (intake
	 * round ri1 F8).  Its bytes become U+FFFD. */
	if (!g_utf8_validate(s, (gssize)n, NULL)) {
		char *v = g_utf8_make_valid(s, (gssize)n);

		g_free(s);
		s = v;
		n = strlen(s);
	}
	fwrite(s, 1, n, stdout);
	fputc('\n', stdout);
	g_free(s);
	g_object_unref(g);
}

gboolean
kenchi_isatty_out(void)
{
	return isatty(STDOUT_FILENO);
}

gboolean
kenchi_isatty_err(void)
{
	return isatty(STDERR_FILENO);
}

/* For load_on_demand: cases and reports unless A is a message already
 * stored (its events are not placed again) or has nothing to place or
 * answer.  A message stored between this look and the insert only costs the
 * loading. */
static kenchi_status_t
load_needed(kenchi_app_t *app, const kenchi_analysis_t *a)
{
	gint64 id;
	kenchi_status_t st;

	if ((a->x.events == NULL || a->x.events->len == 0) && a->reply.kind == KENCHI_REPLY_NONE)
		return KENCHI_OK;
	st = kenchi_store_message_find(app->st, a->raw_key, a->raw_sha256, a->content_hash, a->content_key, &id);
	if (st == KENCHI_DUPLICATE)
		return KENCHI_OK;
	if (st != KENCHI_NOT_FOUND)
		return st;
	if (kenchi_app_load_cases(app) != 0)
		return KENCHI_CONFIG;
	/* Templates too only as they are used: a report compiles its own. */
	if (app->reports == NULL)
		app->reports = kenchi_reports_new_lazy(app->cfg);
	return KENCHI_OK;
}

/* Once a process: a deadline past the holiday table counts no national
 * holiday, and the analysts should know before they promise it (rs1 F8).
 * Called inside the write transaction, where the cases context is used. */
static void
warn_uncovered(kenchi_app_t *app, const kenchi_analysis_t *a)
{
	static gint warned;
	const kenchi_calendar_t *cal;
	int y;

	if (app->cases == NULL || a->reportable == 0 || g_atomic_int_get(&warned))
		return;
	cal = kenchi_cases_calendar(app->cases, a->customer ? a->customer : "");
	y = kenchi_calendar_uncovered_year(cal, kenchi_calendar_second_report_due(cal, a->received_at));
	if (y && g_atomic_int_compare_and_exchange(&warned, 0, 1))
		kenchi_warn("calendar: a second report deadline in %d counts no national holiday: the holiday table"
		    " (data/holidays-jp.tsv) does not cover that year; regenerate it (contrib/gen-holidays-jp.py)", y);
}

kenchi_status_t
kenchi_app_ingest(kenchi_app_t *app, kenchi_re_match_t *m, const char *raw, gsize len, const char *source,
		  const char *origin, const char *customer, kenchi_analysis_t *a)
{
	kenchi_ingest_opts_t opts = { .source = source, .origin = origin, .customer = customer, .now = kenchi_now() };
	kenchi_ingest_ctx_t ctx = { .cfg = app->cfg, .rules = app->rules, .cases = app->cases, .reports = app->reports };
	kenchi_status_t st;

	/* Parse before taking the write lock: the lock is held only for SQL. */
	kenchi_ingest_analyse(&ctx, m, raw, len, &opts, a);
	if (app->load_on_demand && (st = load_needed(app, a)) != KENCHI_OK)
		return st;
	ctx.cases = app->cases;
	ctx.reports = app->reports;
	st = kenchi_store_begin(app->st);
	if (st == KENCHI_OK)
		st = kenchi_ingest_store(&ctx, app->st, a, &opts);
	if (st == KENCHI_OK)
		warn_uncovered(app, a);
	if (st == KENCHI_OK)
		st = kenchi_store_commit(app->st);
	if (st != KENCHI_OK) {
		const char *why = st == KENCHI_CONFIG ? kenchi_reports_error(app->reports) : NULL;
		kenchi_err("%s: %s: %s: %s", source, origin ? origin : "-", kenchi_status_to_string(st),
		    why ? why : kenchi_store_errmsg(app->st));
		kenchi_store_rollback(app->st);
	}
	return st;
}

char *
kenchi_app_message_line(const kenchi_analysis_t *a, const char *source, const char *origin)
{
	if (a->reply.kind != KENCHI_REPLY_NONE)
		return g_strdup_printf("msg=%" G_GINT64_FORMAT " source=%s%s%s kind=%s case=%" G_GINT64_FORMAT " action=%s%s",
		    a->message, source, origin ? " origin=" : "", origin ? origin : "",
		    kenchi_reply_kind_to_string(a->reply.kind), a->reply.case_id,
		    a->reply_result.replay ? "replay-ignored" : a->reply_result.rejected ? "rejected" :
		    a->reply_result.applied ? "commands-applied" : a->reply.kind == KENCHI_REPLY_ANALYST ? "commands-refused" :
		    a->reply.kind == KENCHI_REPLY_CUSTOMER ? "note" : "ignored", a->duplicate ? " duplicate=1" : "");
	/* moved=: the events of its machines, stored unassigned before,
	 * that went to their customer with it (ingest/adopt.h) */
	char moved[32] = "";

	if (a->events_moved > 0)
		g_snprintf(moved, sizeof moved, " moved=%d", a->events_moved);
	return g_strdup_printf("msg=%" G_GINT64_FORMAT " source=%s%s%s kind=%s customer=%s events=%d dup_events=%d"
	    " case=%" G_GINT64_FORMAT " new_cases=%d action=%s%s%s",
	    a->message, source, origin ? " origin=" : "", origin ? origin : "", kenchi_kind_to_string(a->x.kind),
	    a->customer, a->events_new, a->events_dup, a->case_id, a->cases_new,
	    a->reportable ? "first-report" : a->events_new ? "case-update" : "stored", moved,
	    a->duplicate ? " duplicate=1" : "");
}

void
kenchi_app_log_message(const kenchi_analysis_t *a, const char *source, const char *origin)
{
	char *line = kenchi_app_message_line(a, source, origin);

	kenchi_info("%s", line);
	g_free(line);
}
