/* main.c: global options and the dispatch table.  Every command returns an
 * exit code; the mapping from statuses is kenchi_status_to_exit().
 *
 * Built twice.  kenchi-core.so (KENCHI_LITE, KENCHI_MODULE) links GLib,
 * GMime, PCRE2, SQLite, json-glib and (statically) nettle only, and the
 * front `kenchi` loads it and calls kenchi_core_main() in its own process:
 * the delivery hook runs once per message, and loading libetpan's and
 * libesmtp's TLS stacks (GnuTLS, OpenSSL, SASL, p11-kit) cost more than the
 * delivery itself, as did a second exec.  `kenchi-net` is the whole
 * program; the commands that talk to a server (send, run, imap) are handed
 * over to it with execv(), argv unchanged. */
#include <locale.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include "cli/cli.h"
#include "util/clock.h"
#include "util/exec.h"
#include "parse/mime.h"
#include "config.h"

#ifdef KENCHI_LITE
/* NULL: run by kenchi-net (exec_net). */
#define NET(fn) NULL
#else
#define NET(fn) fn
#endif

static int cmd_help(kenchi_app_t *app, int argc, char **argv);
static int cmd_version(kenchi_app_t *app, int argc, char **argv);

static const kenchi_cmd_t commands[] = {
	{ "parse", kenchi_cmd_parse, "parse mail or API JSON files and print events as JSON (no database)" },
	{ "deliver", kenchi_cmd_deliver, "store one message from stdin (procmail/maildrop hook)" },
	{ "import", kenchi_cmd_import, "import maildirs, mbox files, message files and API JSON" },
	{ "events", kenchi_cmd_events, "list stored events" },
	{ "messages", kenchi_cmd_messages, "list stored messages that are not alerts, or broken" },
	{ "cases", kenchi_cmd_cases, "list cases" },
	{ "case", kenchi_cmd_case, "show one case: events, score, scope, deadlines" },
	{ "due", kenchi_cmd_due, "open work by deadline" },
	{ "allow", kenchi_cmd_allow, "allow list (false positives): add, list, remove" },
	{ "block", kenchi_cmd_block, "block list: add, list, remove" },
	{ "tune", kenchi_cmd_tune, "candidate false positives of a customer in tuning" },
	{ "preview", kenchi_cmd_preview, "print the first report that case N would get" },
	{ "outbox", kenchi_cmd_outbox, "list the outbox; retry [--readdress] N; release N|--all" },
	{ "send", NET(kenchi_cmd_send), "flush the outbox once over SMTP" },
	{ "audit", kenchi_cmd_audit, "the analysts' command audit trail" },
	{ "run", NET(kenchi_cmd_run), "the daemon: configured sources, the outbox sender and the SLA clock" },
	{ "watch", kenchi_cmd_watch, "watch one maildir in the foreground" },
	{ "imap", NET(kenchi_cmd_imap), "run one IMAP account in the foreground (IDLE)" },
	{ "check-config", kenchi_cmd_check_config, "check the configuration, rules and templates" },
	{ "rules", kenchi_cmd_rules, "rules check: load and check extractor rules" },
	{ "help", cmd_help, "show this help" },
	{ "version", cmd_version, "show the version" },
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: kenchi [-c FILE] [--db PATH] [-v|-q] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(fp, "  %-13s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\nSee kenchi(1).  Exit status: 0 ok, 64 usage, 65 data error (parse), "
	    "75 temporary failure, 78 configuration error, 1 other.\n");
}

static int
cmd_help(kenchi_app_t *app, int argc, char **argv)
{
	usage(stdout);
	return 0;
}

static int
cmd_version(kenchi_app_t *app, int argc, char **argv)
{
	printf("kenchi %s (schema %d)\n", PACKAGE_VERSION, KENCHI_SCHEMA_VERSION);
	return 0;
}

#ifdef KENCHI_LITE
/* send, run and imap are kenchi-net's (util/exec.h says where it is looked for). */
static int
exec_net(char **argv)
{
	int err = kenchi_exec_sibling("kenchi-net", KENCHI_LIBEXECDIR, KENCHI_BUILDDIR, argv);

	kenchi_err("cannot run kenchi-net (beside this binary, in %s or %s): %s", KENCHI_LIBEXECDIR, KENCHI_BUILDDIR,
	    g_strerror(err));
	return KENCHI_EXIT_FAIL;
}
#endif

/* GLib aborts when an allocation fails.  Out of memory is temporary: exit
 * 75 so that procmail, maildrop or the MTA keeps the message and retries,
 * instead of the SIGABRT that a delivery agent would count as a failure. */
static void
on_glib_error(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer user)
{
	if (msg && strstr(msg, "failed to allocate")) {
		static const char text[] = "kenchi: error: out of memory (temporary failure)\n";
		if (write(STDERR_FILENO, text, sizeof text - 1) < 0) {
			/* nothing more to do */
		}
		_exit(KENCHI_EXIT_TEMPFAIL);
	}
	g_log_default_handler(domain, level, msg, user);
}

#ifdef KENCHI_MODULE
/* The one symbol the module exports (the sources are built hidden). */
__attribute__((visibility("default"))) int kenchi_core_main(int argc, char **argv);
#define main kenchi_core_main
#endif

int
main(int argc, char **argv)
{
	kenchi_app_t app = { 0 };
	int i, rc = KENCHI_EXIT_USAGE;
	size_t k;

	/* Only the character type: kenchi formats dates and numbers itself, the
	 * stored reasons and the mail it renders must not change with the
	 * locale of whoever runs it, and each category set from the
	 * environment is one more file to open and map (13 with C.UTF-8 and
	 * no locale archive, a tenth of a delivery hook's system calls). */
	setlocale(LC_CTYPE, "");
	g_log_set_handler("GLib", G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL, on_glib_error, NULL);
	app.verbosity = 1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			app.config_path = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			app.db_path = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			app.db_path = argv[i] + 5;
		else if (strcmp(argv[i], "-v") == 0)
			app.verbosity++;
		else if (strcmp(argv[i], "-q") == 0)
			app.verbosity = 0;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			return cmd_version(&app, 0, NULL);
		} else
			break;
	}
	kenchi_log_init("kenchi", app.verbosity);
	if (i >= argc) {
		usage(stderr);
		return KENCHI_EXIT_USAGE;
	}
	for (k = 0; k < G_N_ELEMENTS(commands); k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			break;
	if (k == G_N_ELEMENTS(commands)) {
		kenchi_err("unknown command \"%s\" (try kenchi help)", argv[i]);
		return KENCHI_EXIT_USAGE;
	}
	if (!kenchi_now_valid()) {
		kenchi_err("KENCHI_NOW=\"%s\" is no ISO 8601 time", g_getenv("KENCHI_NOW"));
		return KENCHI_EXIT_USAGE;
	}
#ifdef KENCHI_LITE
	if (commands[k].fn == NULL)
		return exec_net(argv);
#endif
	kenchi_mime_init();
	rc = commands[k].fn(&app, argc - i, argv + i);
	kenchi_store_close(app.st);
	kenchi_cases_free(app.cases);
	kenchi_reports_free(app.reports);
	kenchi_rules_free(app.rules);
	kenchi_config_free(app.cfg);
	kenchi_mime_shutdown();
	return rc;
}
