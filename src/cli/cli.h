/* cli.h: what the command layer shares: the global options, the loaded
 * configuration and rules, the database, and output helpers.  Only files
 * under src/cli print or exit. */
#ifndef KENCHI_CLI_H
#define KENCHI_CLI_H

#include <stdio.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "util/config.h"
#include "util/status.h"
#include "util/log.h"
#include "util/input.h"
#include "parse/rules.h"
#include "store/store.h"
#include "ingest/ingest.h"

typedef struct {
	const char *config_path;   /* -c */
	const char *db_path;       /* --db */
	int verbosity;
	kenchi_config_t *cfg;      /* owned */
	kenchi_rules_t *rules;     /* owned, loaded on demand */
	kenchi_store_t *st;        /* owned, opened on demand */
	kenchi_cases_t *cases;     /* owned, loaded on demand */
	kenchi_reports_t *reports; /* owned, loaded on demand */
	/* kenchi_app_ingest loads cases and reports itself, only for a message
	 * that needs them: the delivery hook, one message a process, should not
	 * compile every template to store a duplicate or a newsletter. */
	gboolean load_on_demand;
} kenchi_app_t;

typedef int (*kenchi_cmd_fn)(kenchi_app_t *app, int argc, char **argv);

typedef struct {
	const char *name;
	kenchi_cmd_fn fn;
	const char *summary;
} kenchi_cmd_t;

/* Load configuration (78 on errors, printed), event types and rules.
 * Return an exit code: 0 when ready. */
int kenchi_app_load(kenchi_app_t *app, gboolean need_rules);
/* Whether CUSTOMER (a --customer) is one the loaded configuration defines:
 * NULL, "unassigned", or any when it defines none.  A typo in a recipe's
 * --customer stored every alert of that mailbox under a customer nobody
 * reports to (round 53b K). */
gboolean kenchi_app_customer_known(const kenchi_app_t *app, const char *customer);
/* A warning when a listing's --customer CUSTOMER is not known. */
void kenchi_app_warn_customer(const kenchi_app_t *app, const char *customer);
/* Load the scoring rules and calendars for case placement; exit code. */
int kenchi_app_load_cases(kenchi_app_t *app);
/* Load the templates and explanations for reports; exit code. */
int kenchi_app_load_reports(kenchi_app_t *app);
/* Open the database (KENCHI_DB, --db, config, ./kenchi.db); exit code. */
int kenchi_app_open_store(kenchi_app_t *app);
const char *kenchi_app_db_path(kenchi_app_t *app);

/* Ingest one message: analyse, then store it in one transaction and
 * commit.  Clearing A (kenchi_analysis_clear) is the caller's; RAW must
 * outlive A.  Needs kenchi_app_load (rules), _load_cases, _load_reports and
 * _open_store done (or load_on_demand set instead of the two loads; then a
 * load failure returns KENCHI_CONFIG, printed).  Returns the store's status (KENCHI_TEMP: retry). */
kenchi_status_t kenchi_app_ingest(kenchi_app_t *app, kenchi_re_match_t *m, const char *raw, gsize len,
				  const char *source, const char *origin, const char *customer, kenchi_analysis_t *a);
/* The one key=value log line of a processed message. */
void kenchi_app_log_message(const kenchi_analysis_t *a, const char *source, const char *origin);
/* That line, owned by the caller. */
char *kenchi_app_message_line(const kenchi_analysis_t *a, const char *source, const char *origin);

/* Parse a subcommand's options with GOptionContext; 64 on error. */
int kenchi_cli_options(const char *usage, GOptionEntry *entries, int *argc, char ***argv);

/* A kenchi_case_cb that takes the case's customer into *(char **)USER
 * (g_free). */
gboolean kenchi_take_case_customer(const kenchi_case_row_t *r, gpointer user);
/* Print NODE as one compact JSON line on stdout. */
void kenchi_print_json_line(JsonNode *node);
/* Is stdout / stderr a terminal (for colours and progress). */
gboolean kenchi_isatty_out(void);
gboolean kenchi_isatty_err(void);


/* Per-command entry points. */
int kenchi_cmd_parse(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_deliver(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_import(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_events(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_messages(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_check_config(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_rules(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_cases(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_case(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_due(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_allow(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_block(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_tune(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_preview(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_outbox(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_send(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_imap(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_watch(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_run(kenchi_app_t *app, int argc, char **argv);
int kenchi_cmd_audit(kenchi_app_t *app, int argc, char **argv);

#endif
