/* report_withdraw.c: an allow entry added after the cases it covers.
 *
 * Issue 3: an allow-listed case is suppressed, with no customer report.
 * An entry registered while its false positive's first report still waited
 * in the outbox (report_hold, a held report, an analyst answering within
 * the hour) did nothing to it before (round 43a F6): the report went out.
 * Now each open case the entry covers (lists.c) whose first report no
 * sender ever took is suppressed and taken out of that report: the report
 * is withdrawn when it was the case's alone, and rendered again without it
 * when it is a consolidated one, keeping its Message-ID; the case's
 * analysts' notice, if no sender took it either, is withdrawn too.  A case
 * whose report has gone out, is going or was tried stays open: its
 * customer may have been told of it, and is owed a second report with the
 * verdict.  So does a P1 case: an entry registered after the fact does not
 * silence the most urgent work unseen (round 47: a host pattern withdrew a
 * ransomware report); the analyst closes it by reply. */
#include <string.h>
#include "report/report.h"
#include "report/report_int.h"
#include "case/lists.h"

/* Whether a sender could still send the row, and never took it. */
static gboolean
untouched(const kenchi_report_row_t *r)
{
	return r->found && (strcmp(r->state, "pending") == 0 || strcmp(r->state, "held") == 0) && r->attempts == 0 &&
	    !r->tried;
}

typedef struct {
	gint64 first_report, first_report_due;
	gboolean p1;
} case_copy_t;

static gboolean
take_case(const kenchi_case_row_t *r, gpointer user)
{
	case_copy_t *c = user;

	c->first_report = r->first_report;
	c->first_report_due = r->first_report_due;
	c->p1 = g_strcmp0(r->priority, "P1") == 0;
	return FALSE;
}

static gboolean
case_in(const char *cases, gint64 id)
{
	guint n, i;
	gint64 *ids = kenchi_report_cases_parse(cases, &n);
	gboolean in = FALSE;

	for (i = 0; i < n && !in; i++)
		in = ids[i] == id;
	g_free(ids);
	return in;
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

kenchi_status_t
kenchi_report_first_withdrawn(kenchi_store_t *st, gint64 case_id, gint64 report, gboolean *withdrawn)
{
	kenchi_report_row_t row = { 0 };
	kenchi_outbox_filter_t f = { .id = report };
	kenchi_status_t rc = KENCHI_OK;

	*withdrawn = FALSE;
	if (report != 0 && (rc = kenchi_store_outbox_each(st, &f, kenchi_report_take_row, &row)) == KENCHI_OK && row.found)
		*withdrawn = strcmp(row.state, "withdrawn") == 0 || (row.cases && *row.cases && !case_in(row.cases, case_id));
	kenchi_report_row_clear(&row);
	return rc;
}

kenchi_status_t
kenchi_report_first_lead(kenchi_store_t *st, gint64 case_id, gint64 *lead)
{
	case_copy_t c = { 0 };
	kenchi_report_row_t row = { 0 };
	kenchi_outbox_filter_t f = { 0 };
	kenchi_status_t rc;

	*lead = 0;
	if ((rc = kenchi_store_case_get(st, case_id, take_case, &c)) != KENCHI_OK || c.first_report == 0)
		return rc == KENCHI_NOT_FOUND ? KENCHI_OK : rc;
	f.id = c.first_report;
	if ((rc = kenchi_store_outbox_each(st, &f, kenchi_report_take_row, &row)) == KENCHI_OK && row.found &&
	    strcmp(row.state, "withdrawn") != 0 && row.cases && *row.cases && !case_in(row.cases, case_id))
		*lead = row.case_id;
	kenchi_report_row_clear(&row);
	return rc;
}

/* The consolidated report REPORT (ROW) rendered again for the cases REST,
 * led by the first of them, due when the soonest of theirs is. */
static kenchi_status_t
render_rest(kenchi_reports_t *rx, kenchi_store_t *st, gint64 report, const kenchi_report_row_t *row, const char *rest,
	    gint64 now)
{
	char *subject = NULL, *raw = NULL, *rcpts = NULL;
	guint n;
	gint64 *ids = kenchi_report_cases_parse(rest, &n), due = 0;
	gsize len = 0;
	kenchi_status_t rc = KENCHI_OK;

	for (guint i = 0; i < n && rc == KENCHI_OK; i++) {
		case_copy_t c = { 0 };
		rc = kenchi_store_case_get(st, ids[i], take_case, &c);
		if (rc == KENCHI_OK && c.first_report_due && (due == 0 || c.first_report_due < due))
			due = c.first_report_due;
	}
	/* As when it was queued: the context carries the lead's token. */
	if (rc == KENCHI_OK)
		rc = kenchi_report_ensure_key(rx, st);
	if (rc == KENCHI_OK)
		rc = kenchi_report_build_first(rx, st, row->customer, ids, n, row->mid, now, &subject, &raw, &len, &rcpts);
	if (rc == KENCHI_OK) {
		rc = kenchi_store_outbox_rewrite(st, report, subject, raw, len, rest, rcpts);
	} else if (rc == KENCHI_NOT_FOUND) {
		/* Held for want of a report_to: nothing rendered to mend. */
		gsize old_len = 0;
		const void *old = row->raw ? g_bytes_get_data(row->raw, &old_len) : "";
		rc = kenchi_store_outbox_rewrite(st, report, row->subject, old, old_len, rest, row->rcpts);
	}
	/* A customer's reply to it, and `outbox --case`, follow its lead
	 * (round 47: a reply went to the suppressed case as its note). */
	if (rc == KENCHI_OK)
		rc = kenchi_store_outbox_set_lead(st, report, ids[0], due);
	g_free(ids);
	g_free(subject);
	g_free(raw);
	g_free(rcpts);
	return rc;
}

static gboolean
take_notice_ids(const kenchi_outbox_row_t *r, gpointer user)
{
	if (strcmp(r->kind, "notice") == 0)
		g_array_append_val((GArray *)user, r->id);
	return TRUE;
}

/* CASE_ID's analysts' notices that no sender took: withdrawn (round 47: a
 * "new case" notice went out for a case suppressed before it). */
static kenchi_status_t
withdraw_notices(kenchi_store_t *st, gint64 case_id, const char *why, gint64 now)
{
	kenchi_outbox_filter_t f = { .case_id = case_id };
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	kenchi_status_t rc = kenchi_store_outbox_each(st, &f, take_notice_ids, ids);

	for (guint i = 0; rc == KENCHI_OK && i < ids->len; i++)
		if ((rc = kenchi_store_outbox_withdraw(st, g_array_index(ids, gint64, i), why, now)) == KENCHI_NOT_FOUND)
			rc = KENCHI_OK;
	g_array_unref(ids);
	return rc;
}

/* Take CASE_ID out of its first report if no sender took that: *DONE
 * then.  The caller holds a transaction. */
static kenchi_status_t
withdraw_case(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const char *why, gint64 now,
	      gboolean *done)
{
	case_copy_t c = { 0 };
	kenchi_report_row_t row = { 0 };
	kenchi_outbox_filter_t f = { .with_raw = TRUE };
	char *rest = NULL;
	kenchi_status_t rc;

	*done = FALSE;
	if ((rc = kenchi_store_case_get(st, case_id, take_case, &c)) != KENCHI_OK || c.p1)
		return rc;
	if (c.first_report != 0) {
		f.id = c.first_report;
		if ((rc = kenchi_store_outbox_each(st, &f, kenchi_report_take_row, &row)) != KENCHI_OK || !untouched(&row))
			goto out;
		rest = cases_without(row.cases, case_id);
		rc = *rest == '\0' ? kenchi_store_outbox_withdraw(st, c.first_report, why, now) :
		    render_rest(rx, st, c.first_report, &row, rest, now);
		if (rc == KENCHI_NOT_FOUND) {
			rc = KENCHI_OK;
			goto out;
		}
	}
	/* No report queued at all (no report_to and no analysts) is none to
	 * withdraw. */
	if (rc == KENCHI_OK)
		rc = withdraw_notices(st, case_id, why, now);
	*done = rc == KENCHI_OK;
out:
	kenchi_report_row_clear(&row);
	g_free(rest);
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
		if (rc == KENCHI_OK && done && (rc = kenchi_store_case_suppress(st, id, why, now)) == KENCHI_NOT_FOUND)
			rc = KENCHI_FAIL;   /* covered: open and reportable in this transaction */
		if (rc == KENCHI_OK)
			g_array_append_val(done ? suppressed : kept, id);
	}
	g_array_unref(ids);
	g_free(why);
	return rc;
}
