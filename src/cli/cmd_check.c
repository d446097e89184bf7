/* cmd_check.c: `kenchi check-config` and `kenchi rules check`: load
 * everything a run would load and report every error with file:line. */
#include <string.h>
#include "cli/cli.h"
#include "parse/event.h"
#include "case/scoring.h"
#include "case/correlate.h"
#include "report/report.h"
#include "util/secret.h"
#include "util/clock.h"
#include <sys/stat.h>
#include "source/imap_config.h"
#include "reply/banner.h"

static int
check_rules(kenchi_app_t *app)
{
	GError *err = NULL;
	char *dir = kenchi_config_data_path(app->cfg, "extractors");
	kenchi_rules_t *r = kenchi_rules_load_dir(dir, &err);
	int rc = 0;

	if (r == NULL) {
		fprintf(stderr, "%s\n", err->message);
		g_error_free(err);
		rc = KENCHI_EXIT_CONFIG;
	} else {
		guint labels = 0;
		for (guint i = 0; i < r->rules->len; i++)
			labels += g_hash_table_size(((kenchi_rule_t *)g_ptr_array_index(r->rules, i))->labels);
		printf("extractor rules: %u rule(s) from %d file(s) in %s, %u labels: ok\n", r->rules->len, r->nfiles, dir, labels);
	}
	kenchi_rules_free(r);
	g_free(dir);
	dir = kenchi_config_data_path(app->cfg, "scoring.rules");
	{
		kenchi_scoring_t *sc = kenchi_scoring_load(dir, &err);
		if (sc == NULL) {
			fprintf(stderr, "%s\n", err->message);
			g_clear_error(&err);
			rc = KENCHI_EXIT_CONFIG;
		} else {
			printf("scoring rules: %u rule(s) in %s: ok\n", kenchi_scoring_rule_count(sc), dir);
			/* Loadable, but every case would score 0, P4 (rs1 F9). */
			if (kenchi_scoring_rule_count(sc) == 0)
				fprintf(stderr, "scoring rules: warning: %s has no rule: every case scores 0 and is P4\n", dir);
			kenchi_scoring_free(sc);
		}
	}
	g_free(dir);
	dir = kenchi_config_data_path(app->cfg, "reply-banners");
	{
		kenchi_banners_t *b = NULL;
		char *why = NULL;

		if (kenchi_banners_load(dir, &b, &why) != KENCHI_OK) {
			fprintf(stderr, "%s\n", why);
			g_free(why);
			rc = KENCHI_EXIT_CONFIG;
		} else {
			printf("reply banners: %u pattern(s) in %s: ok\n", kenchi_banners_count(b), dir);
			kenchi_banners_free(b);
		}
	}
	g_free(dir);
	return rc;
}

/* The holiday table's years, and a warning when it ends this year or next:
 * past it no national holiday is known, and deadlines fall on them (round
 * 43b F5).  A warning, not an error: the deadlines are early, not late. */
static void
check_calendar(const kenchi_config_t *cfg, kenchi_cases_t *cx)
{
	int first = 0, last = 0;
	GDateTime *now = g_date_time_new_from_unix_utc(kenchi_now() + 9 * 3600);
	int year = now ? g_date_time_get_year(now) : 0;

	kenchi_calendar_get_range(kenchi_cases_calendar(cx, ""), &first, &last);
	printf("calendar: national holidays %d-%d: ok\n", first, last);
	if (year + 1 >= last)
		fprintf(stderr, "calendar: warning: the holiday table ends with %d: a deadline after it counts no national"
		    " holiday; regenerate data/holidays-jp.tsv (contrib/gen-holidays-jp.py)\n", last);
	if (now)
		g_date_time_unref(now);
	/* A closure the loader let through that the calendar refuses (a day
	 * no year has): the default applies, and the warning says so. */
	for (guint i = 0; cfg->customers && i < cfg->customers->len; i++) {
		const kenchi_customer_t *c = g_ptr_array_index(cfg->customers, i);
		kenchi_calendar_t *cal = c->closure && *c->closure ? kenchi_calendar_new_empty() : NULL;
		GError *err = NULL;

		/* The loader took the form MM-DD..MM-DD: what the calendar
		 * refuses is a day (round 45: its "expected MM-DD..MM-DD"
		 * misled). */
		if (cal && !kenchi_calendar_set_closure(cal, c->closure, &err)) {
			fprintf(stderr, "calendar: warning: [customer %s] closure %s names a day no year has: the default"
			    " closure (12-29..01-03) applies\n", c->id, c->closure);
			g_error_free(err);
		}
		if (cal)
			kenchi_calendar_free(cal);
	}
}

/* A secret file must exist and be readable by its owner only. */
static int
check_secret(const kenchi_config_t *cfg, const char *group, const char *key, const char *path)
{
	char *secret = NULL, *err = NULL;
	int rc = 0;

	if (path == NULL)
		return 0;
	if (kenchi_read_secret_file(path, &secret, &err) != KENCHI_OK) {
		fprintf(stderr, "%s:%d: [%s] %s: %s\n", cfg->path ? cfg->path : "(defaults)",
		    kenchi_config_line(cfg, group, key), group, key, err);
		rc = KENCHI_EXIT_CONFIG;
	}
	if (secret) {
		memset(secret, 0, strlen(secret));
		g_free(secret);
	}
	g_free(err);
	return rc;
}

int
kenchi_cmd_check_config(kenchi_app_t *app, int argc, char **argv)
{
	GString *errs = g_string_new(NULL);
	kenchi_status_t st;
	int rc = 0;

	st = kenchi_config_load(app->config_path, &app->cfg, errs);
	if (st != KENCHI_OK) {
		fputs(errs->str, stderr);
		rc = KENCHI_EXIT_CONFIG;
	} else {
		printf("configuration: %s: ok (%u customer(s))\n", app->cfg->path ? app->cfg->path : "(built-in defaults)",
		    app->cfg->customers->len);
	}
	g_string_free(errs, TRUE);
	if (app->cfg) {
		GError *err = NULL;
		char *p = kenchi_config_data_path(app->cfg, "event-types.tsv");
		if (!kenchi_event_types_load(p, &err)) {
			fprintf(stderr, "%s\n", err->message);
			g_error_free(err);
			rc = KENCHI_EXIT_CONFIG;
		}
		g_free(p);
		if (check_rules(app) != 0)
			rc = KENCHI_EXIT_CONFIG;
		/* Templates, explanations, holidays: what a run would load. */
		{
			kenchi_reports_t *rx = kenchi_reports_new(app->cfg, &err);
			if (rx == NULL) {
				fprintf(stderr, "%s\n", err->message);
				g_clear_error(&err);
				rc = KENCHI_EXIT_CONFIG;
			} else {
				printf("templates and explanations: ok\n");
				kenchi_reports_free(rx);
			}
		}
		{
			kenchi_cases_t *cx = kenchi_cases_new(app->cfg, &err);
			if (cx == NULL) {
				fprintf(stderr, "%s\n", err->message);
				g_clear_error(&err);
				rc = KENCHI_EXIT_CONFIG;
			} else {
				check_calendar(app->cfg, cx);
				kenchi_cases_free(cx);
			}
		}
		{
			GString *ierr = g_string_new(NULL);
			GPtrArray *accts = kenchi_imap_accounts_load(app->cfg, ierr);
			if (ierr->len) {
				fputs(ierr->str, stderr);
				rc = KENCHI_EXIT_CONFIG;
			} else if (accts && accts->len) {
				printf("imap accounts: %u: ok\n", accts->len);
			}
			if (accts)
				g_ptr_array_unref(accts);
			g_string_free(ierr, TRUE);
		}
		if (check_secret(app->cfg, "smtp", "password_file", app->cfg->smtp_password_file) ||
		    check_secret(app->cfg, "soc", "token_key_file", app->cfg->token_key_file))
			rc = KENCHI_EXIT_CONFIG;
	}
	return rc;
}

int
kenchi_cmd_rules(kenchi_app_t *app, int argc, char **argv)
{
	int rc;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		kenchi_err("usage: kenchi rules check");
		return KENCHI_EXIT_USAGE;
	}
	if ((rc = kenchi_app_load(app, FALSE)) != 0)
		return rc;
	return check_rules(app);
}
