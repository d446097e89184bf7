/* parse_pool.c: a GThreadPool running kenchi_ingest_analyse (see parse_pool.h). */
#include "ingest/parse_pool.h"
#include "util/input.h"

struct kenchi_parse_pool {
	const kenchi_ingest_ctx_t *ctx;
	GThreadPool *pool;
	GMutex lock;
	GCond done;
};

struct kenchi_parse_batch {
	guint pending;      /* jobs not analysed yet; under the pool's lock */
};

typedef struct {
	kenchi_parse_job_t *job;
	kenchi_parse_batch_t *batch;   /* NULL: a release of N jobs, then DONE (DATA) */
	guint n;
	GDestroyNotify done;
	gpointer data;
} task_t;

static GPrivate match_key = G_PRIVATE_INIT((GDestroyNotify)kenchi_re_match_free);

static void
work_fn(gpointer data, gpointer user)
{
	task_t *t = data;
	kenchi_parse_job_t *j = t->job;
	kenchi_parse_pool_t *p = user;
	kenchi_re_match_t *m;

	if (t->batch == NULL) {
		for (guint i = 0; i < t->n; i++)
			kenchi_parse_job_clear(&t->job[i]);
		if (t->done)
			t->done(t->data);
		g_free(t);
		return;
	}
	m = g_private_get(&match_key);
	if (m == NULL) {
		m = kenchi_re_match_new();
		g_private_set(&match_key, m);
	}
	if (j->raw == NULL && j->path) {
		GError *err = NULL;
		/* A large mbox is streamed by the walk: not read here. */
		j->bytes = kenchi_read_file_sniff(j->path, j->sniff_mbox ? KENCHI_MBOX_STREAM_MIN : 0, &j->is_mbox, &err);
		if (j->is_mbox)
			g_clear_pointer(&j->bytes, g_bytes_unref);
		else if (j->bytes == NULL) {
			j->read_error = g_strdup(err->message);
			g_error_free(err);
		} else {
			j->raw = g_bytes_get_data(j->bytes, &j->len);
			if (j->raw == NULL)
				j->raw = "";   /* an empty file maps to no data */
		}
	}
	if (j->is_mbox)
		;   /* streamed by the walk */
	else if (j->read_error == NULL && j->sniff_mbox && kenchi_is_mbox(j->raw, j->len))
		j->is_mbox = TRUE;
	else if (j->read_error == NULL)
		kenchi_ingest_analyse(p->ctx, m, j->raw, j->len, &j->opts, &j->a);
	g_mutex_lock(&p->lock);
	if (--t->batch->pending == 0)
		g_cond_broadcast(&p->done);
	g_mutex_unlock(&p->lock);
	g_free(t);
}

kenchi_parse_pool_t *
kenchi_parse_pool_new(const kenchi_ingest_ctx_t *ctx, int threads)
{
	kenchi_parse_pool_t *p = g_new0(kenchi_parse_pool_t, 1);

	p->ctx = ctx;
	g_mutex_init(&p->lock);
	g_cond_init(&p->done);
	if (threads <= 0)
		threads = (int)g_get_num_processors();
	p->pool = g_thread_pool_new(work_fn, p, threads, TRUE, NULL);
	return p;
}

kenchi_parse_batch_t *
kenchi_parse_pool_submit(kenchi_parse_pool_t *p, kenchi_parse_job_t *jobs, guint n)
{
	kenchi_parse_batch_t *b = g_new0(kenchi_parse_batch_t, 1);
	guint i;

	b->pending = n;
	for (i = 0; i < n; i++) {
		task_t *t = g_new0(task_t, 1);
		t->job = &jobs[i];
		t->batch = b;
		g_thread_pool_push(p->pool, t, NULL);
	}
	return b;
}

void
kenchi_parse_pool_wait(kenchi_parse_pool_t *p, kenchi_parse_batch_t *b)
{
	g_mutex_lock(&p->lock);
	while (b->pending > 0)
		g_cond_wait(&p->done, &p->lock);
	g_mutex_unlock(&p->lock);
	g_free(b);
}

void
kenchi_parse_pool_run(kenchi_parse_pool_t *p, kenchi_parse_job_t *jobs, guint n)
{
	kenchi_parse_pool_wait(p, kenchi_parse_pool_submit(p, jobs, n));
}

void
kenchi_parse_pool_release(kenchi_parse_pool_t *p, kenchi_parse_job_t *jobs, guint n, GDestroyNotify done,
			  gpointer data)
{
	task_t *t = g_new0(task_t, 1);

	t->job = jobs;
	t->n = n;
	t->done = done;
	t->data = data;
	g_thread_pool_push(p->pool, t, NULL);
}

void
kenchi_parse_pool_free(kenchi_parse_pool_t *p)
{
	if (p == NULL)
		return;
	g_thread_pool_free(p->pool, FALSE, TRUE);
	g_mutex_clear(&p->lock);
	g_cond_clear(&p->done);
	g_free(p);
}

void
kenchi_parse_job_clear(kenchi_parse_job_t *j)
{
	kenchi_analysis_clear(&j->a);
	if (j->bytes)
		g_bytes_unref(j->bytes);
	j->bytes = NULL;
	g_clear_pointer(&j->read_error, g_free);
}
