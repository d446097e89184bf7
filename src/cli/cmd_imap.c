/* cmd_imap.c: `kenchi imap [--once] [ACCOUNT]`: one IMAP source ([imap
 * ACCOUNT] of kenchi.conf, default the first) in the foreground.
 *
 * The ingest side (deliver, position, log) is in imap_ops.c, shared with
 * the daemon.
 *
 * Exit: 0 after --once or on SIGINT/SIGTERM; 78 on configuration errors;
 * 75 when --once ended on a temporary failure (server down, busy
 * database); 1 on a final failure (wrong password, certificate refused),
 * which is never retried. */
#include <signal.h>
#include <unistd.h>
#include <string.h>
#include "cli/cli.h"
#include "util/clock.h"
#include "cli/imap_ops.h"
#include "util/lockfile.h"

/* For the signal handler: the one client this process runs. */
static kenchi_imap_t *the_client;
static volatile gint the_stop;

/* A stop lets the batch in hand commit and be marked, for this long;
 * then, or at a second signal, the connection is cut (a server that says
 * nothing held a stop for its 60 s timeout, round 35b Q4). */
#define STOP_GRACE_S 3

static void
on_signal(int sig)
{
	if (sig == SIGALRM || g_atomic_int_get(&the_stop)) {
		if (the_client)
			kenchi_imap_abort(the_client);
		return;
	}
	g_atomic_int_set(&the_stop, 1);
	if (the_client) {
		kenchi_imap_wake(the_client);
		alarm(STOP_GRACE_S);
	}
}

int
kenchi_cmd_imap(kenchi_app_t *app, int argc, char **argv)
{
	gboolean once = FALSE;
	GOptionEntry entries[] = {
		{ "once", 0, 0, G_OPTION_ARG_NONE, &once, "fetch what is new, mark it, and exit", NULL },
		G_OPTION_ENTRY_NULL
	};
	const kenchi_imap_account_t *acct;
	GPtrArray *accounts = NULL;
	GString *errs = g_string_new(NULL);
	kenchi_imap_sink_t ic = { 0 };
	kenchi_imap_t *client = NULL;
	struct sigaction sa, old_int, old_term, old_pipe, old_alrm;
	gboolean handlers = FALSE;
	kenchi_status_t st;
	int rc, lock_fd = KENCHI_IMAP_LOCK_NONE;

	if ((rc = kenchi_cli_options("[ACCOUNT] - fetch alerts from an [imap ACCOUNT] mailbox", entries, &argc, &argv)) != 0)
		goto out;
	if (argc > 2) {
		kenchi_err("usage: kenchi imap [--once] [ACCOUNT]");
		rc = KENCHI_EXIT_USAGE;
		goto out;
	}
	if ((rc = kenchi_app_load(app, TRUE)) != 0 || (rc = kenchi_app_load_cases(app)) != 0 ||
	    (rc = kenchi_app_load_reports(app)) != 0)
		goto out;
	accounts = kenchi_imap_accounts_load(app->cfg, errs);
	if (errs->len) {
		kenchi_err("bad configuration:\n%s", errs->str);
		rc = KENCHI_EXIT_CONFIG;
		goto out;
	}
	acct = kenchi_imap_account_find(accounts, argc == 2 ? argv[1] : NULL);
	if (acct == NULL) {
		if (argc == 2)
			kenchi_err("imap: no [imap %s] section in %s", argv[1], app->cfg->path ? app->cfg->path : "the configuration");
		else
			kenchi_err("imap: no [imap NAME] section in %s", app->cfg->path ? app->cfg->path : "the configuration");
		rc = KENCHI_EXIT_CONFIG;
		goto out;
	}
	if ((rc = kenchi_app_open_store(app)) != 0)
		goto out;
	ic.st = app->st;
	ic.acct = acct;
	ic.ctx.cfg = app->cfg;
	ic.ctx.rules = app->rules;
	ic.ctx.cases = app->cases;
	ic.ctx.reports = app->reports;
	ic.pool = kenchi_parse_pool_new(&ic.ctx, 0);
	client = kenchi_imap_new(acct, &kenchi_imap_sink_ops, &ic);
	if (client == NULL) {
		kenchi_err("imap: cannot create a pipe");
		rc = KENCHI_EXIT_TEMPFAIL;
		goto out;
	}
	/* No SA_RESTART: a signal must end a blocking read too.  SIGPIPE is
	 * ignored: a write to a server that went away is an error to handle,
	 * not a reason to die. */
	the_client = client;
	g_atomic_int_set(&the_stop, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGALRM, &sa, &old_alrm);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	handlers = TRUE;
	/* A second --once (a cron's, while a backlog is fetched) exits 75;
	 * a follower waits for the lock. */
	if ((lock_fd = kenchi_imap_lock(app, acct, !once, &the_stop)) == KENCHI_IMAP_LOCK_HELD) {
		if (once) {
			kenchi_warn("imap=%s: another kenchi follows this account (it holds the lock): try again later",
			    acct->name);
			rc = KENCHI_EXIT_TEMPFAIL;
		}
		goto out;
	}
	if (!once)
		kenchi_info("imap=%s: following %s on %s:%d", acct->name, acct->mailbox, acct->host, acct->port);
	st = kenchi_imap_run(client, &the_stop, once);
	if (st == KENCHI_OK) {
		kenchi_info("imap=%s: %" G_GUINT64_FORMAT " message(s), %" G_GUINT64_FORMAT " new event(s)%s",
		    acct->name, ic.messages, ic.events, g_atomic_int_get(&the_stop) ? ", stopped" : "");
		rc = 0;
	} else if (kenchi_status_is_temporary(st)) {
		kenchi_warn("imap=%s: temporary failure (%s): try again later", acct->name, kenchi_status_to_string(st));
		rc = KENCHI_EXIT_TEMPFAIL;
	} else {
		/* Loud: this needs a person (password, certificate, mailbox). */
		kenchi_err("imap=%s: FAILED (%s), not retrying: fix the account and restart", acct->name,
		    kenchi_status_to_string(st));
		rc = st == KENCHI_CONFIG ? KENCHI_EXIT_CONFIG : KENCHI_EXIT_FAIL;
	}
out:
	if (handlers) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGPIPE, &old_pipe, NULL);
		alarm(0);
		sigaction(SIGALRM, &old_alrm, NULL);
	}
	the_client = NULL;
	kenchi_lockfile_release(lock_fd);
	kenchi_imap_free(client);
	kenchi_parse_pool_free(ic.pool);
	if (accounts)
		g_ptr_array_unref(accounts);
	g_string_free(errs, TRUE);
	return rc;
}
