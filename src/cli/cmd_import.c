/* cmd_import.c: `kenchi import PATH...`.
 *
 * Parsing runs on all cores (parse_pool.h); storing runs on this thread, one transaction for a few
 * batches (TX_MESSAGES or TX_USEC, whichever comes first: each commit costs
 * an fsync), so a crash loses at most the transaction in hand and a re-run,
 * being idempotent, finishes the job.  The two overlap: the workers parse
 * batch N+1 while this thread stores batch N, so neither waits for the
 * other; only two batches are ever in memory.  Items come from a streaming
 * walk (import_list.h), so memory does not grow with the backlog.  Progress
 * goes to stderr when it is a terminal; only then are the items counted
 * first, for the bar. */
#include <string.h>
#include "cli/cli.h"
#include "source/import_list.h"
#include "ingest/parse_pool.h"
#include "util/clock.h"

/* Items parsed together.  Up to three batches' analyses are alive at once
 * (one parsed, one stored, one waiting to be freed on a parser thread),
 * and with a customer's event trees kept for its reports (ingest.c) 256
 * made an import with customers peak at 31.5 MB of its 32 MB budget; 192
 * is as fast (`kenchi import` of bench/gen-corpus.py's 20,000 messages,
 * three runs each: 6.86-7.04 s against 6.78-7.07) at 27.3 MB. */
#define BATCH 192
/* At most this many messages in one transaction, and for at most this
 * long.  Every commit writes each page it changed to the WAL, and the next
 * checkpoint writes it again into the database; the indexes keyed on
 * hashes (a message's keys, event uids, a case's host and file) change a
 * page at a random place for each message, so once the database is large a commit
 * rewrites most of their pages whatever its size: fewer, larger commits
 * write less (a 100k import: 3.0 GB at 4,096 messages, 2.05 GB now;
 * bench/README, sessions 6 and 7).  The time bound is how long a delivery
 * hook beside the import may wait for the write lock, well inside its 30 s
 * busy timeout, and it ends most transactions; the count bounds the WAL
 * (about 300 MB) on a faster machine. */
#define TX_MESSAGES 32768
#define TX_USEC (8 * G_USEC_PER_SEC)

/* BATCH consecutive items, parsed by the pool, then stored in one transaction. */
typedef struct {
	guint n;
	kenchi_parse_batch_t *parsing;   /* until waited for */
	kenchi_import_item_t *item[BATCH];
	kenchi_parse_job_t job[BATCH];
} batch_t;

/* Take up to BATCH items from the walk and queue them for parsing; NULL
 * when none are left.  A walk error ends the walk: *ERROR says why. */
static batch_t *
batch_submit(kenchi_parse_pool_t *pool, const kenchi_ingest_opts_t *opts, kenchi_import_walk_t *walk,
	     GError **error)
{
	batch_t *bt = g_new0(batch_t, 1);
	kenchi_import_item_t *it;

	while (bt->n < BATCH && *error == NULL && kenchi_import_walk_next(walk, &it, error) == KENCHI_OK && it) {
		kenchi_parse_job_t *j = &bt->job[bt->n];
		bt->item[bt->n++] = it;
		j->opts = *opts;
		j->opts.origin = it->origin;
		if (it->data)
			j->raw = g_bytes_get_data(it->data, &j->len);
		else {
			j->path = it->path;
			j->sniff_mbox = TRUE;
		}
		if (it->data && j->raw == NULL)
			j->raw = "";
	}
	if (bt->n == 0) {
		g_free(bt);
		return NULL;
	}
	bt->parsing = kenchi_parse_pool_submit(pool, bt->job, bt->n);
	return bt;
}

/* How many items PATHS hold (for the progress bar). */
static guint64
count_items(char **paths, int n)
{
	kenchi_import_walk_t *walk = kenchi_import_walk_new(paths, n);
	kenchi_import_item_t *it;
	guint64 total = 0;

	while (kenchi_import_walk_next(walk, &it, NULL) == KENCHI_OK && it) {
		total++;
		kenchi_import_item_free(it);
	}
	kenchi_import_walk_free(walk);
	return total;
}

typedef struct {
	guint64 seen, stored, dup, events, events_dup, not_alert, errors, unreadable;
} counts_t;

static void
progress(const counts_t *c, guint64 total, gint64 t0, gboolean final)
{
	double secs = (g_get_monotonic_time() - t0) / 1e6;
	guint64 done = c->seen + c->unreadable;
	int width = 30, filled = total ? (int)(width * MIN(done, total) / total) : width;

	fprintf(stderr, "\r[%.*s%*s] %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "  %.0f msg/s%s",
	    filled, "##############################", width - filled, "",
	    done, total, secs > 0 ? c->seen / secs : 0.0, final ? "\n" : "");
	fflush(stderr);
}

static int import_paths(kenchi_app_t *app, int argc, char **argv, const char *customer, int threads, gboolean quiet);

int
kenchi_cmd_import(kenchi_app_t *app, int argc, char **argv)
{
	char *customer = NULL;   /* GOption allocates it */
	gboolean quiet = FALSE;
	int threads = 0;
	GOptionEntry entries[] = {
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "assign every message to this customer", "ID" },
		{ "threads", 0, 0, G_OPTION_ARG_INT, &threads, "parser threads (default: one per core)", "N" },
		{ "no-progress", 0, 0, G_OPTION_ARG_NONE, &quiet, "no progress bar", NULL },
		G_OPTION_ENTRY_NULL
	};
	int rc;

	if ((rc = kenchi_cli_options("PATH... - import maildirs, mbox files, messages and API JSON", entries, &argc, &argv)) != 0)
		return rc;
	if (argc < 2) {
		kenchi_err("import: no paths given");
		g_free(customer);
		return KENCHI_EXIT_USAGE;
	}
	rc = import_paths(app, argc, argv, customer, threads, quiet);
	g_free(customer);
	return rc;
}

/* A stored batch's items and the batch itself (its jobs are cleared by
 * then: kenchi_parse_pool_release). */
static void
batch_free(gpointer data)
{
	batch_t *bt = data;

	for (guint i = 0; i < bt->n; i++)
		kenchi_import_item_free(bt->item[i]);
	g_free(bt);
}

/* Store the parsed batch BT inside the open transaction and count it into
 * C (the counts of that transaction, added to the total at its commit).
 * An mbox among its files goes back to WALK, to be split. */
static kenchi_status_t
store_batch(kenchi_app_t *app, const kenchi_ingest_ctx_t *ctx, kenchi_import_walk_t *walk, batch_t *bt,
	    counts_t *c)
{
	kenchi_parse_job_t *w = bt->job;
	kenchi_status_t st = KENCHI_OK;
	guint i;

	for (i = 0; i < bt->n && st == KENCHI_OK; i++) {
		if (w[i].read_error) {
			kenchi_warn("import: %s", w[i].read_error);
			c->unreadable++;
			continue;
		}
		if (w[i].is_mbox) {
			/* Its messages come in the next batches. */
			kenchi_import_walk_add_mbox(walk, w[i].path, w[i].bytes);
			continue;
		}
		st = kenchi_ingest_store(ctx, app->st, &w[i].a, &w[i].opts);
		if (st != KENCHI_OK)
			break;
		c->seen++;
		if (w[i].a.duplicate)
			c->dup++;
		else
			c->stored++;
		c->events += w[i].a.events_new;
		c->events_dup += w[i].a.events_dup;
		if (!w[i].a.duplicate && w[i].a.x.kind == KENCHI_KIND_NOT_ALERT)
			c->not_alert++;
		if (!w[i].a.duplicate && w[i].a.x.kind == KENCHI_KIND_ERROR)
			c->errors++;
		if (app->verbosity > 1)
			kenchi_debug("msg=%" G_GINT64_FORMAT " origin=%s kind=%s customer=%s events=%d%s",
			    w[i].a.message, w[i].opts.origin, kenchi_kind_to_string(w[i].a.x.kind),
			    w[i].a.customer, w[i].a.events_new, w[i].a.duplicate ? " duplicate=1" : "");
	}
	return st;
}

static void
counts_add(counts_t *to, const counts_t *c)
{
	to->seen += c->seen;
	to->stored += c->stored;
	to->dup += c->dup;
	to->events += c->events;
	to->events_dup += c->events_dup;
	to->not_alert += c->not_alert;
	to->errors += c->errors;
	to->unreadable += c->unreadable;
}

static int
import_paths(kenchi_app_t *app, int argc, char **argv, const char *customer, int threads, gboolean quiet)
{
	kenchi_ingest_opts_t opts = { .source = "import" };
	kenchi_ingest_ctx_t ctx;
	kenchi_parse_pool_t *pool;
	kenchi_import_walk_t *walk;
	GError *walk_err = NULL;
	guint64 denied = 0;   /* folders the walk could not read */
	char *why = NULL;   /* the store's message when it failed */
	guint64 total = 0;
	counts_t c = { 0 }, tx_c = { 0 };   /* committed; in the open transaction */
	kenchi_status_t st = KENCHI_OK;
	gboolean in_tx = FALSE;
	gint64 tx_start = 0;
	gint64 t0, last_draw = 0;
	batch_t *cur, *next;
	gboolean tty;
	guint i;
	int rc;

	if ((rc = kenchi_app_load(app, TRUE)) != 0 || (rc = kenchi_app_load_cases(app)) != 0 ||
	    (rc = kenchi_app_load_reports(app)) != 0)
		return rc;
	if (!kenchi_app_customer_known(app, customer)) {
		kenchi_err("import: --customer %s: no such customer in the configuration (%s)", customer,
		    app->cfg->path ? app->cfg->path : "built-in defaults");
		return KENCHI_EXIT_CONFIG;
	}
	if ((rc = kenchi_app_open_store(app)) != 0)
		return rc;
	kenchi_store_bulk(app->st);
	/* Every argument must exist before anything is stored: a typo in the
	 * last one should not leave the others half done. */
	for (i = 1; i < (guint)argc; i++)
		if (!g_file_test(argv[i], G_FILE_TEST_EXISTS)) {
			kenchi_err("import: %s: no such file or directory", argv[i]);
			return KENCHI_EXIT_FAIL;
		}
	tty = kenchi_isatty_err() && !quiet;
	if (tty)
		total = count_items(argv + 1, argc - 1);
	walk = kenchi_import_walk_new(argv + 1, argc - 1);
	kenchi_import_walk_exclude_db(walk, kenchi_app_db_path(app));
	kenchi_import_walk_defer_mbox(walk);
	opts.customer = customer;
	opts.now = kenchi_now();
	ctx.cfg = app->cfg;
	ctx.rules = app->rules;
	ctx.cases = app->cases;
	ctx.reports = app->reports;
	/* Parsing, not storing, takes most of the time: one parser per core;
	 * this thread's SQL runs beside them. */
	pool = kenchi_parse_pool_new(&ctx, threads);
	t0 = g_get_monotonic_time();

	cur = batch_submit(pool, &opts, walk, &walk_err);
	while (cur) {
		guint n = cur->n;

		/* Parse the next batch while this one is stored; after a failure
		 * nothing more is queued. */
		next = st == KENCHI_OK ? batch_submit(pool, &opts, walk, &walk_err) : NULL;
		kenchi_parse_pool_wait(pool, cur->parsing);
		if (st == KENCHI_OK && !in_tx) {
			st = kenchi_store_begin(app->st);
			in_tx = st == KENCHI_OK;
			tx_start = g_get_monotonic_time();
		}
		if (st == KENCHI_OK)
			st = store_batch(app, &ctx, walk, cur, &tx_c);
		/* The walk seemed over, but this batch had an mbox. */
		if (st == KENCHI_OK && next == NULL)
			next = batch_submit(pool, &opts, walk, &walk_err);
		/* A commit is an fsync (and now and then a checkpoint): several
		 * batches share one, up to TX_MESSAGES messages or TX_USEC. */
		if (st == KENCHI_OK && (next == NULL || tx_c.seen + tx_c.unreadable >= TX_MESSAGES ||
		    g_get_monotonic_time() - tx_start >= TX_USEC)) {
			st = kenchi_store_commit(app->st);
			if (st == KENCHI_OK)
				counts_add(&c, &tx_c);
			else {
				why = g_strdup(kenchi_store_errmsg(app->st));
				kenchi_store_rollback(app->st);
			}
			in_tx = FALSE;
			memset(&tx_c, 0, sizeof tx_c);
		}
		/* SQLite's message before the rollback that resets it ("not an
		 * error" was printed for a read-only database; round 33a). */
		if (st != KENCHI_OK && why == NULL)
			why = g_strdup(kenchi_store_errmsg(app->st));
		if (st != KENCHI_OK && in_tx) {
			kenchi_store_rollback(app->st);
			in_tx = FALSE;
		}
		kenchi_parse_pool_release(pool, cur->job, n, batch_free, cur);
		if (tty && (g_get_monotonic_time() - last_draw > 100000 || next == NULL)) {
			progress(&c, total, t0, FALSE);
			last_draw = g_get_monotonic_time();
		}
		cur = next;
	}
	kenchi_parse_pool_free(pool);
	if (tty)
		progress(&c, total, t0, TRUE);
	{
		double secs = (g_get_monotonic_time() - t0) / 1e6;
		fprintf(stderr, "import: %" G_GUINT64_FORMAT " messages (%" G_GUINT64_FORMAT " new, %" G_GUINT64_FORMAT
		    " duplicate, %" G_GUINT64_FORMAT " not alert, %" G_GUINT64_FORMAT " error, %" G_GUINT64_FORMAT
		    " unreadable), %" G_GUINT64_FORMAT " new events (%" G_GUINT64_FORMAT " already stored) in %.2f s, %.0f msg/s\n",
		    c.seen, c.stored, c.dup, c.not_alert, c.errors, c.unreadable, c.events, c.events_dup, secs,
		    secs > 0 ? c.seen / secs : 0.0);
	}
	{
		const char *first;
		guint64 n = kenchi_import_walk_skipped(walk, &first, &denied);

		if (n > 0)
			kenchi_warn("import: %" G_GUINT64_FORMAT " entr%s skipped: no file to read (a FIFO, a device) or "
			    "not reachable (a symlink loop, a link out of the tree, no access); the first: %s", n,
			    n == 1 ? "y" : "ies", first);
	}
	kenchi_import_walk_free(walk);
	if (walk_err) {
		kenchi_err("import stopped: %s (committed batches are kept; run again to finish)", walk_err->message);
		g_error_free(walk_err);
		g_free(why);
		return st != KENCHI_OK ? kenchi_status_to_exit(st) : KENCHI_EXIT_FAIL;
	}
	if (st != KENCHI_OK) {
		kenchi_err("import stopped: %s: %s (committed batches are kept; run again to finish)",
		    kenchi_status_to_string(st), why ? why : kenchi_store_errmsg(app->st));
		g_free(why);
		return kenchi_status_to_exit(st);
	}
	/* a folder that could not be read held files that were not */
	return c.unreadable || denied ? KENCHI_EXIT_FAIL : 0;
}
