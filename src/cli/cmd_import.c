/* cmd_import.c: `kenchi import PATH...`.
 *
 * Parsing runs on all cores (GThreadPool, one regex match context per
 * worker); storing runs on this thread in batches, one transaction a batch,
 * so a crash loses at most the batch in hand and a re-run, being idempotent,
 * finishes the job.  Progress goes to stderr when it is a terminal. */
#include <string.h>
#include "cli/cli.h"
#include "source/import_list.h"
#include "util/clock.h"

#define BATCH 512

typedef struct {
	const kenchi_ingest_ctx_t *ctx;
	const kenchi_ingest_opts_t *opts;
	GMutex lock;
	GCond done;
	guint pending;
} pool_state_t;

typedef struct {
	kenchi_import_item_t *item;
	kenchi_analysis_t a;
	GBytes *bytes;
	char *read_error;
} work_t;

static GPrivate match_key = G_PRIVATE_INIT((GDestroyNotify)kenchi_re_match_free);

static void
work_fn(gpointer data, gpointer user)
{
	work_t *w = data;
	pool_state_t *ps = user;
	kenchi_re_match_t *m = g_private_get(&match_key);
	kenchi_ingest_opts_t opts = *ps->opts;
	gsize len;
	const char *raw;

	if (m == NULL) {
		m = kenchi_re_match_new();
		g_private_set(&match_key, m);
	}
	if (w->item->data) {
		w->bytes = g_bytes_ref(w->item->data);
	} else {
		GError *err = NULL;
		GMappedFile *mf = g_mapped_file_new(w->item->path, FALSE, &err);
		if (mf == NULL) {
			w->read_error = g_strdup(err->message);
			g_error_free(err);
		} else {
			w->bytes = g_mapped_file_get_bytes(mf);
			g_mapped_file_unref(mf);
		}
	}
	if (w->bytes) {
		raw = g_bytes_get_data(w->bytes, &len);
		opts.origin = w->item->origin;
		kenchi_ingest_analyse(ps->ctx, m, raw ? raw : "", len, &opts, &w->a);
	}
	g_mutex_lock(&ps->lock);
	if (--ps->pending == 0)
		g_cond_signal(&ps->done);
	g_mutex_unlock(&ps->lock);
}

typedef struct {
	guint64 seen, stored, dup, events, events_dup, not_alert, errors, unreadable;
} counts_t;

static void
progress(const counts_t *c, guint total, gint64 t0, gboolean final)
{
	double secs = (g_get_monotonic_time() - t0) / 1e6;
	int width = 30, filled = total ? (int)(width * c->seen / total) : width;

	fprintf(stderr, "\r[%.*s%*s] %" G_GUINT64_FORMAT "/%u  %.0f msg/s%s",
	    filled, "##############################", width - filled, "",
	    c->seen, total, secs > 0 ? c->seen / secs : 0.0, final ? "\n" : "");
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
		{ NULL }
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

static int
import_paths(kenchi_app_t *app, int argc, char **argv, const char *customer, int threads, gboolean quiet)
{
	kenchi_ingest_opts_t opts = { .source = "import" };
	kenchi_ingest_ctx_t ctx;
	pool_state_t ps = { 0 };
	GThreadPool *pool = NULL;
	GPtrArray *items;
	counts_t c = { 0 };
	kenchi_status_t st = KENCHI_OK;
	gint64 t0, last_draw = 0;
	gboolean tty;
	guint i, b;
	int rc;

	if ((rc = kenchi_app_load(app, TRUE)) != 0 || (rc = kenchi_app_load_cases(app)) != 0 ||
	    (rc = kenchi_app_load_reports(app)) != 0)
		return rc;
	if ((rc = kenchi_app_open_store(app)) != 0)
		return rc;
	items = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_import_item_free);
	for (i = 1; i < (guint)argc; i++) {
		GError *err = NULL;
		if (kenchi_import_list(argv[i], items, &err) != KENCHI_OK) {
			kenchi_err("import: %s", err ? err->message : argv[i]);
			g_clear_error(&err);
			g_ptr_array_unref(items);
			return KENCHI_EXIT_FAIL;
		}
	}
	opts.customer = customer;
	opts.now = kenchi_now();
	ctx.cfg = app->cfg;
	ctx.rules = app->rules;
	ctx.cases = app->cases;
	ctx.reports = app->reports;
	ps.ctx = &ctx;
	ps.opts = &opts;
	g_mutex_init(&ps.lock);
	g_cond_init(&ps.done);
	if (threads <= 0)
		threads = (int)g_get_num_processors();
	pool = g_thread_pool_new(work_fn, &ps, threads, TRUE, NULL);
	tty = kenchi_isatty_err() && !quiet;
	t0 = g_get_monotonic_time();

	for (b = 0; b < items->len && st == KENCHI_OK; b += BATCH) {
		guint n = MIN(BATCH, items->len - b);
		work_t *w = g_new0(work_t, n);

		ps.pending = n;
		for (i = 0; i < n; i++) {
			w[i].item = g_ptr_array_index(items, b + i);
			g_thread_pool_push(pool, &w[i], NULL);
		}
		g_mutex_lock(&ps.lock);
		while (ps.pending > 0)
			g_cond_wait(&ps.done, &ps.lock);
		g_mutex_unlock(&ps.lock);

		st = kenchi_store_begin(app->st);
		for (i = 0; i < n && st == KENCHI_OK; i++) {
			kenchi_ingest_opts_t o = opts;
			if (w[i].read_error) {
				kenchi_warn("import: %s", w[i].read_error);
				c.unreadable++;
				continue;
			}
			o.origin = w[i].item->origin;
			st = kenchi_ingest_store(&ctx, app->st, &w[i].a, &o);
		}
		if (st == KENCHI_OK)
			st = kenchi_store_commit(app->st);
		if (st != KENCHI_OK)
			kenchi_store_rollback(app->st);
		for (i = 0; i < n; i++) {
			if (st == KENCHI_OK && !w[i].read_error) {
				c.seen++;
				if (w[i].a.duplicate)
					c.dup++;
				else
					c.stored++;
				c.events += w[i].a.events_new;
				c.events_dup += w[i].a.events_dup;
				if (!w[i].a.duplicate && w[i].a.x.kind == KENCHI_KIND_NOT_ALERT)
					c.not_alert++;
				if (!w[i].a.duplicate && w[i].a.x.kind == KENCHI_KIND_ERROR)
					c.errors++;
				if (app->verbosity > 1)
					kenchi_debug("msg=%" G_GINT64_FORMAT " origin=%s kind=%s customer=%s events=%d%s",
					    w[i].a.message, w[i].item->origin, kenchi_kind_to_string(w[i].a.x.kind),
					    w[i].a.customer, w[i].a.events_new, w[i].a.duplicate ? " duplicate=1" : "");
			}
			kenchi_analysis_clear(&w[i].a);
			if (w[i].bytes)
				g_bytes_unref(w[i].bytes);
			g_free(w[i].read_error);
		}
		g_free(w);
		if (tty && (g_get_monotonic_time() - last_draw > 100000 || b + n >= items->len)) {
			progress(&c, items->len, t0, FALSE);
			last_draw = g_get_monotonic_time();
		}
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	g_mutex_clear(&ps.lock);
	g_cond_clear(&ps.done);
	if (tty)
		progress(&c, items->len, t0, TRUE);
	{
		double secs = (g_get_monotonic_time() - t0) / 1e6;
		fprintf(stderr, "import: %" G_GUINT64_FORMAT " messages (%" G_GUINT64_FORMAT " new, %" G_GUINT64_FORMAT
		    " duplicate, %" G_GUINT64_FORMAT " not alert, %" G_GUINT64_FORMAT " error, %" G_GUINT64_FORMAT
		    " unreadable), %" G_GUINT64_FORMAT " new events (%" G_GUINT64_FORMAT " already stored) in %.2f s, %.0f msg/s\n",
		    c.seen, c.stored, c.dup, c.not_alert, c.errors, c.unreadable, c.events, c.events_dup, secs,
		    secs > 0 ? c.seen / secs : 0.0);
	}
	g_ptr_array_unref(items);
	if (st != KENCHI_OK) {
		kenchi_err("import stopped: %s: %s (committed batches are kept; run again to finish)",
		    kenchi_status_to_string(st), kenchi_store_errmsg(app->st));
		return kenchi_status_to_exit(st);
	}
	return c.unreadable ? KENCHI_EXIT_FAIL : 0;
}
