/* parse_pool.h: kenchi_ingest_analyse() on every core.  The sources that
 * take mail in batches (import, IMAP) hand a batch of jobs to the pool and
 * store the results on their own thread, in order, while the pool may
 * already parse the next batch.  Each worker has its own regex match
 * context; the ingest context (configuration, rules) is shared read-only. */
#ifndef KENCHI_PARSE_POOL_H
#define KENCHI_PARSE_POOL_H

#include <glib.h>
#include "ingest/ingest.h"

typedef struct {
	/* input: the bytes, or PATH to be mapped by the worker */
	const char *raw;
	gsize len;
	const char *path;
	gboolean sniff_mbox;    /* PATH may be an mbox: then it is read, not analysed */
	kenchi_ingest_opts_t opts;
	/* output */
	GBytes *bytes;          /* PATH's contents (owned), or NULL */
	char *read_error;       /* why PATH could not be read (owned), or NULL */
	gboolean is_mbox;       /* SNIFF_MBOX and PATH starts an mbox: BYTES are it,
	                         * or NULL for one so large that it is streamed */
	kenchi_analysis_t a;    /* cleared by kenchi_parse_job_clear */
} kenchi_parse_job_t;

typedef struct kenchi_parse_pool kenchi_parse_pool_t;
typedef struct kenchi_parse_batch kenchi_parse_batch_t;

/* THREADS <= 0: one per core.  CTX must outlive the pool. */
kenchi_parse_pool_t *kenchi_parse_pool_new(const kenchi_ingest_ctx_t *ctx, int threads);
/* Start analysing JOBS[0..N); they must stay put until the wait. */
kenchi_parse_batch_t *kenchi_parse_pool_submit(kenchi_parse_pool_t *p, kenchi_parse_job_t *jobs, guint n);
/* Wait until every job of B is analysed; frees B. */
void kenchi_parse_pool_wait(kenchi_parse_pool_t *p, kenchi_parse_batch_t *b);
/* Submit and wait. */
void kenchi_parse_pool_run(kenchi_parse_pool_t *p, kenchi_parse_job_t *jobs, guint n);
/* Clear JOBS[0..N) (kenchi_parse_job_clear) on a worker, after the work
 * queued before, then call DONE (DATA) there: freeing a batch's analyses
 * (texts, events and their JSON trees) is work the storing thread need not
 * wait for. */
void kenchi_parse_pool_release(kenchi_parse_pool_t *p, kenchi_parse_job_t *jobs, guint n, GDestroyNotify done,
			       gpointer data);
/* Waits for the workers to finish what they hold. */
void kenchi_parse_pool_free(kenchi_parse_pool_t *p);

/* Free a job's outputs (analysis, bytes, error); the inputs are the caller's. */
void kenchi_parse_job_clear(kenchi_parse_job_t *j);

#endif
