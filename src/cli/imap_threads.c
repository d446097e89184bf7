/* imap_threads.c: the daemon's IMAP accounts, a thread each.
 *
 * libetpan's calls block, so each account runs kenchi_imap_run() in a
 * thread of its own, with its own database connection (SQLite connections
 * are not shared between threads here) and its own cases and reports
 * contexts (they cache per-customer state).  The configuration and the
 * extractor rules are read-only and shared.  A final failure (wrong
 * password, refused certificate) ends that account's thread loudly; the
 * daemon and the other accounts go on. */
#include <string.h>
#include "source/imap_run.h"
#include "cli/imap_ops.h"
#include "util/lockfile.h"
#include "util/thread.h"

typedef struct {
	kenchi_app_t *app;
	const kenchi_imap_account_t *acct;
	kenchi_imap_t *client;     /* made and freed by the thread; under lock */
	GMutex lock;
	GThread *thread;
	volatile gint stop;
	volatile gint done;        /* account_main has returned */
} account_t;

/* A stop lets each account commit and mark the batch in hand for this
 * long, then cuts the connections still open (round 35b Q4). */
#define STOP_GRACE_US (3 * G_USEC_PER_SEC)

struct kenchi_imap_threads {
	GPtrArray *accounts;       /* kenchi_imap_account_t*, from the configuration */
	GPtrArray *running;        /* account_t* */
};

static gpointer account_run(gpointer data);

static gpointer
account_main(gpointer data)
{
	account_t *a = data;
	gpointer r = account_run(data);

	g_atomic_int_set(&a->done, 1);
	return r;
}

static gpointer
account_run(gpointer data)
{
	account_t *a = data;
	kenchi_imap_sink_t sink = { 0 };
	kenchi_store_t *st = NULL;
	kenchi_cases_t *cases = NULL;
	kenchi_reports_t *reports = NULL;
	GError *err = NULL;
	char *msg = NULL;
	kenchi_status_t rc;
	int lock_fd;

	/* Wait for another's `kenchi imap` to end, however long, rather than
	 * fetch beside it. */
	if ((lock_fd = kenchi_imap_lock(a->app, a->acct, TRUE, &a->stop)) == KENCHI_IMAP_LOCK_HELD)
		return NULL;
	rc = kenchi_store_open(kenchi_app_db_path(a->app), a->app->cfg->busy_timeout_ms, &st, &msg);
	if (rc != KENCHI_OK) {
		kenchi_err("imap=%s: database: %s", a->acct->name, msg ? msg : "?");
		goto done;
	}
	if ((cases = kenchi_cases_new(a->app->cfg, &err)) == NULL ||
	    (reports = kenchi_reports_new(a->app->cfg, &err)) == NULL) {
		kenchi_err("imap=%s: %s", a->acct->name, err->message);
		goto done;
	}
	sink.acct = a->acct;
	sink.st = st;
	sink.ctx.cfg = a->app->cfg;
	sink.ctx.rules = a->app->rules;
	sink.ctx.cases = cases;
	sink.ctx.reports = reports;
	sink.pool = kenchi_parse_pool_new(&sink.ctx, 0);
	g_mutex_lock(&a->lock);
	a->client = kenchi_imap_new(a->acct, &kenchi_imap_sink_ops, &sink);
	g_mutex_unlock(&a->lock);
	if (a->client == NULL) {
		kenchi_err("imap=%s: cannot create its wake pipe", a->acct->name);
		kenchi_parse_pool_free(sink.pool);
		goto done;
	}
	kenchi_info("source=imap name=%s mailbox=%s server=%s:%d started", a->acct->name, a->acct->mailbox,
	    a->acct->host, a->acct->port);
	rc = kenchi_imap_run(a->client, &a->stop, FALSE);
	if (rc != KENCHI_OK)
		kenchi_err("imap=%s: FAILED (%s), not retrying: fix the account, then reload (SIGHUP)", a->acct->name,
		    kenchi_status_to_string(rc));
	g_mutex_lock(&a->lock);
	kenchi_imap_free(a->client);
	a->client = NULL;
	g_mutex_unlock(&a->lock);
	kenchi_parse_pool_free(sink.pool);
done:
	if (err)
		g_error_free(err);
	g_free(msg);
	kenchi_reports_free(reports);
	kenchi_cases_free(cases);
	kenchi_store_close(st);
	kenchi_lockfile_release(lock_fd);
	return NULL;
}

kenchi_imap_threads_t *
kenchi_imap_threads_start(kenchi_app_t *app, int *started)
{
	GString *errs = g_string_new(NULL);
	kenchi_imap_threads_t *t;
	guint i;

	t = g_new0(kenchi_imap_threads_t, 1);
	t->accounts = kenchi_imap_accounts_load(app->cfg, errs);
	t->running = g_ptr_array_new();
	if (errs->len)
		kenchi_err("imap accounts:\n%s", errs->str);
	g_string_free(errs, TRUE);
	for (i = 0; t->accounts && i < t->accounts->len; i++) {
		/* The client and its sink are made in the thread: the sink owns
		 * the thread's database connection. */
		account_t *a = g_new0(account_t, 1);
		a->app = app;
		a->acct = g_ptr_array_index(t->accounts, i);
		g_mutex_init(&a->lock);
		a->thread = kenchi_thread_new(a->acct->name, account_main, a);
		g_ptr_array_add(t->running, a);
		(*started)++;
	}
	return t;
}

void
kenchi_imap_threads_stop(kenchi_imap_threads_t *t)
{
	guint i;

	if (t == NULL)
		return;
	for (i = 0; i < t->running->len; i++) {
		account_t *a = g_ptr_array_index(t->running, i);
		g_atomic_int_set(&a->stop, 1);
		g_mutex_lock(&a->lock);
		if (a->client)
			kenchi_imap_wake(a->client);
		g_mutex_unlock(&a->lock);
	}
	{
		gint64 until = g_get_monotonic_time() + STOP_GRACE_US;
		gboolean waiting = TRUE;

		while (waiting && g_get_monotonic_time() < until) {
			waiting = FALSE;
			for (i = 0; i < t->running->len; i++)
				waiting |= !g_atomic_int_get(&((account_t *)g_ptr_array_index(t->running, i))->done);
			if (waiting)
				g_usleep(20000);
		}
	}
	for (i = 0; i < t->running->len; i++) {
		account_t *a = g_ptr_array_index(t->running, i);
		g_mutex_lock(&a->lock);
		if (a->client && !g_atomic_int_get(&a->done))
			kenchi_imap_abort(a->client);
		g_mutex_unlock(&a->lock);
	}
	for (i = 0; i < t->running->len; i++) {
		account_t *a = g_ptr_array_index(t->running, i);
		g_thread_join(a->thread);
		g_mutex_clear(&a->lock);
		g_free(a);
	}
	g_ptr_array_unref(t->running);
	if (t->accounts)
		g_ptr_array_unref(t->accounts);
	g_free(t);
}
