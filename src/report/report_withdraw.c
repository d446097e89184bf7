/* report_withdraw.c: an allow entry added after the cases it covers.
 *
 * Issue 3: an allow-listed case is suppressed, with no customer report.
 * An entry registered while its false positive's first report still waits
 * in the outbox (report_hold, a held report, an analyst answering within
 * the hour) did nothing to it before (round 43a F6): the report went out.
 * Now each open case the entry covers (lists.c) whose first report was
 * never tried is suppressed and taken out of that report: the report is
 * withdrawn when it was the case's alone, and rendered again without it
 * when it is a consolidated one, keeping its Message-ID.  A case whose
 * report has gone out, or is being sent, stays open: its customer was told
 * of it, and is owed a second report with the verdict. */
#include <string.h>
#include "report/report.h"
#include "report/report_int.h"
#include "case/lists.h"

typedef struct {
	char *state, *customer, *cases, *mid, *subject, *rcpts;
	GBytes *raw;
	int attempts;
	gboolean found;
} row_copy_t;

static gboolean
take_row(const kenchi_outbox_row_t *r, gpointer user)
{
	row_copy_t *c = user;

	c->found = TRUE;
	c->state = g_strdup(r->state);
	c->customer = g_strdup(r->customer);
	c->cases = g_strdup(r->cases);
	c->mid = g_strdup(r->message_id);
	c->subject = g_strdup(r->subject);
	c->rcpts = g_strdup(r->rcpts);
	c->raw = g_bytes_new(r->raw, r->raw_len);
	c->attempts = r->attempts;
	return FALSE;
}

static void
row_copy_clear(row_copy_t *c)
{
	g_free(c->state);
	g_free(c->customer);
	g_free(c->cases);
	g_free(c->mid);
	g_free(c->subject);
	g_free(c->rcpts);
	if (c->raw)
		g_bytes_unref(c->raw);
}

static gboolean
take_first_report(const kenchi_case_row_t *r, gpointer user)
{
	*(gint64 *)user = r->first_report;
	return FALSE;
}

/* "12 13 14" less ID. */
static char *
cases_without(const char *cases, gint64 id)
{
	guint n, i;
	gint64 *ids = kenchi_report_cases_parse(cases, &n);
	GString *s = g_string_new(NULL);

	for (i = 0; i < n; i++)
		if (ids[i] != id)
			g_string_append_printf(s, "%s%" G_GINT64_FORMAT, s->len ? " " : "", ids[i]);
	g_free(ids);
	return g_string_free(s, FALSE);
}

/* Take CASE_ID out of its first report if that was never tried: *DONE
 * then.  The caller holds a transaction. */
static kenchi_status_t
withdraw_case(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const char *why, gint64 now,
	      gboolean *done)
{
	gint64 report = 0;
	row_copy_t row = { 0 };
	kenchi_outbox_filter_t f = { .with_raw = TRUE };
	char *rest = NULL, *subject = NULL, *raw = NULL, *rcpts = NULL;
	gint64 *ids = NULL;
	gsize len = 0;
	guint n = 0;
	kenchi_status_t rc;

	*done = FALSE;
	if ((rc = kenchi_store_case_get(st, case_id, take_first_report, &report)) != KENCHI_OK)
		return rc;
	if (report == 0) {
		/* Nothing was queued for it (no report_to and no analysts). */
		*done = TRUE;
		return KENCHI_OK;
	}
	f.id = report;
	if ((rc = kenchi_store_outbox_each(st, &f, take_row, &row)) != KENCHI_OK || !row.found)
		goto out;
	/* A report that was tried may have reached some of its recipients. */
	if ((strcmp(row.state, "pending") != 0 && strcmp(row.state, "held") != 0) || row.attempts > 0)
		goto out;
	rest = cases_without(row.cases, case_id);
	if (*rest == '\0') {
		rc = kenchi_store_outbox_withdraw(st, report, why, now);
	} else {
		ids = kenchi_report_cases_parse(rest, &n);
		/* As when it was queued: the context carries the lead's token. */
		if ((rc = kenchi_report_ensure_key(rx, st)) != KENCHI_OK)
			goto out;
		rc = kenchi_report_build_first(rx, st, row.customer, ids, n, row.mid, now, &subject, &raw, &len, &rcpts);
		if (rc == KENCHI_OK) {
			rc = kenchi_store_outbox_rewrite(st, report, subject, raw, len, rest, rcpts);
		} else if (rc == KENCHI_NOT_FOUND) {
			/* Held for want of a report_to: nothing rendered to mend. */
			gsize old_len;
			const void *old = g_bytes_get_data(row.raw, &old_len);
			rc = kenchi_store_outbox_rewrite(st, report, row.subject, old, old_len, rest, row.rcpts);
		}
	}
	if (rc == KENCHI_OK)
		*done = TRUE;
	else if (rc == KENCHI_NOT_FOUND)
		rc = KENCHI_OK;
out:
	row_copy_clear(&row);
	g_free(rest);
	g_free(ids);
	g_free(subject);
	g_free(raw);
	g_free(rcpts);
	return rc;
}

kenchi_status_t
kenchi_report_allow_apply(kenchi_reports_t *rx, kenchi_store_t *st, const kenchi_list_row_t *entry, gint64 entry_id,
			  gint64 now, GArray *suppressed, GArray *kept)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	kenchi_status_t rc = kenchi_cases_covered(st, entry, ids);
	char *why = g_strdup_printf("allow list: %s %s (entry %" G_GINT64_FORMAT ", added after the case)", entry->kind,
	    entry->value, entry_id);

	for (guint i = 0; rc == KENCHI_OK && i < ids->len; i++) {
		gint64 id = g_array_index(ids, gint64, i);
		gboolean done = FALSE;

		rc = withdraw_case(rx, st, id, why, now, &done);
		if (rc == KENCHI_OK && done && (rc = kenchi_store_case_suppress(st, id, why, now)) == KENCHI_NOT_FOUND) {
			rc = KENCHI_OK;
			done = FALSE;
		}
		if (rc == KENCHI_OK)
			g_array_append_val(done ? suppressed : kept, id);
	}
	g_array_unref(ids);
	g_free(why);
	return rc;
}
