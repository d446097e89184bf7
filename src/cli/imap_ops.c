/* imap_ops.c: the ingest side of an IMAP source (see imap_ops.h). */
#include <errno.h>
#include <string.h>
#include "cli/imap_ops.h"
#include "util/clock.h"
#include "util/lockfile.h"

static void
imap_log(gpointer user, kenchi_imap_log_level_t level, const char *msg)
{
	(void)user;
	switch (level) {
	case KENCHI_IMAP_LOG_ERR: kenchi_err("%s", msg); break;
	case KENCHI_IMAP_LOG_WARN: kenchi_warn("%s", msg); break;
	case KENCHI_IMAP_LOG_INFO: kenchi_info("%s", msg); break;
	default: kenchi_debug("%s", msg); break;
	}
}

static kenchi_status_t
imap_position(gpointer user, const char *source, gint64 *uidvalidity, gint64 *last_uid)
{
	kenchi_imap_sink_t *ic = user;
	return kenchi_store_source_get(ic->st, source, uidvalidity, last_uid);
}

/* imap_held.c's state, in the meta table: no schema change, and it is
 * advisory (lost, it costs finding the bad message again). */
static kenchi_status_t
imap_held_get(gpointer user, const char *source, char **text)
{
	kenchi_imap_sink_t *ic = user;
	char *key = g_strconcat("imap-held:", source, NULL);
	GBytes *v = NULL;
	kenchi_status_t st = kenchi_store_meta_get(ic->st, key, &v);

	*text = NULL;
	if (st == KENCHI_OK) {
		gsize n;
		const char *d = g_bytes_get_data(v, &n);
		*text = g_strndup(d ? d : "", n);
		g_bytes_unref(v);
	}
	g_free(key);
	return st == KENCHI_NOT_FOUND ? KENCHI_OK : st;
}

static kenchi_status_t
imap_held_set(gpointer user, const char *source, const char *text)
{
	kenchi_imap_sink_t *ic = user;
	char *key = g_strconcat("imap-held:", source, NULL);
	kenchi_status_t st = kenchi_store_meta_set(ic->st, key, text, strlen(text));

	g_free(key);
	return st;
}

/* Messages handed to the pool at a time: small enough that storing starts
 * early, large enough that a wait is not paid per message. */
#define PARSE_CHUNK 32u

static kenchi_status_t
imap_deliver(gpointer user, const char *source, gint64 uidvalidity, gint64 last_uid,
	     const kenchi_imap_msg_t *msgs, guint n)
{
	kenchi_imap_sink_t *ic = user;
	kenchi_store_t *st = ic->st;
	kenchi_parse_job_t *jobs = g_new0(kenchi_parse_job_t, MAX(n, 1));
	char **origins = g_new0(char *, n + 1);
	gint64 now = kenchi_now();
	kenchi_parse_batch_t **chunks;
	kenchi_status_t rc;
	guint i, k, nchunks;

	/* Parse outside the transaction: the lock is held only for SQL. */
	for (i = 0; i < n; i++) {
		origins[i] = g_strdup_printf("%s:%u", source, msgs[i].uid);
		jobs[i].raw = msgs[i].raw;
		jobs[i].len = msgs[i].len;
		jobs[i].opts.source = "imap";
		jobs[i].opts.origin = origins[i];
		jobs[i].opts.customer = ic->acct->customer;
		jobs[i].opts.now = now;
	}
	/* The pool takes the batch in chunks, in order, and this thread
	 * stores each chunk as soon as it is parsed: parsing the rest goes on
	 * meanwhile.  Parsing all of it first left the pool idle while this
	 * thread stored, and this thread idle while the pool parsed (18% of
	 * both cores idle in a 10,000-message backlog, bench/imap). */
	nchunks = (n + PARSE_CHUNK - 1) / PARSE_CHUNK;
	chunks = g_new0(kenchi_parse_batch_t *, MAX(nchunks, 1));
	for (k = 0; k < nchunks; k++)
		chunks[k] = kenchi_parse_pool_submit(ic->pool, jobs + k * PARSE_CHUNK, MIN(PARSE_CHUNK, n - k * PARSE_CHUNK));
	rc = KENCHI_OK;
	for (k = 0; k < nchunks; k++) {
		/* Every chunk is waited for, even after a failure: the
		 * workers hold pointers into JOBS until then. */
		kenchi_parse_pool_wait(ic->pool, chunks[k]);
		if (k == 0)
			rc = kenchi_store_begin(st);   /* the lock only once there is SQL to run */
		for (i = k * PARSE_CHUNK; i < MIN(n, (k + 1) * PARSE_CHUNK) && rc == KENCHI_OK; i++)
			rc = kenchi_ingest_store(&ic->ctx, st, &jobs[i].a, &jobs[i].opts);
	}
	g_free(chunks);
	if (nchunks == 0)
		rc = kenchi_store_begin(st);
	if (rc == KENCHI_OK)
		rc = kenchi_store_source_set(st, source, uidvalidity, last_uid, now);
	if (rc == KENCHI_OK)
		rc = kenchi_store_commit(st);
	if (rc != KENCHI_OK) {
		kenchi_err("imap=%s: storing %u message(s) failed: %s: %s", ic->acct->name, n,
		    kenchi_status_to_string(rc), kenchi_store_errmsg(st));
		kenchi_store_rollback(st);
		goto done;
	}
	for (i = 0; i < n; i++) {
		kenchi_app_log_message(&jobs[i].a, "imap", origins[i]);
		ic->messages++;
		ic->events += (guint64)jobs[i].a.events_new;
	}
done:
	for (i = 0; i < n; i++)
		kenchi_parse_job_clear(&jobs[i]);
	g_free(jobs);
	g_strfreev(origins);
	return rc;
}

const kenchi_imap_ops_t kenchi_imap_sink_ops = { imap_deliver, imap_position, imap_held_get, imap_held_set,
	imap_log };

int
kenchi_imap_lock(kenchi_app_t *app, const kenchi_imap_account_t *acct, gboolean wait, volatile gint *stop)
{
	char *path = kenchi_lockfile_imap_path(kenchi_app_db_path(app), acct->name);
	gboolean said = FALSE;
	int fd, e = 0;

	while ((fd = kenchi_lockfile_try(path, &e)) < 0 && e == EWOULDBLOCK && wait && !g_atomic_int_get(stop)) {
		if (!said)
			kenchi_info("imap=%s: waiting: another kenchi follows this account (%s)", acct->name, path);
		said = TRUE;
		g_usleep(G_USEC_PER_SEC);
	}
	if (fd < 0 && e == EWOULDBLOCK)
		fd = KENCHI_IMAP_LOCK_HELD;
	else if (fd < 0) {
		kenchi_warn("imap=%s: cannot lock %s (%s): going on without it", acct->name, path, g_strerror(e));
		fd = KENCHI_IMAP_LOCK_NONE;
	}
	g_free(path);
	return fd;
}
