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

gboolean
kenchi_report_untouched(const kenchi_report_row_t *r)
{
	return r->found && (strcmp(r->state, "pending") == 0 || strcmp(r->state, "held") == 0) && r->attempts == 0 &&
	    !r->tried;
}

typedef struct {
	gint64 first_report, first_report_due;
	gboolean p1;
	int events;
} case_copy_t;

static gboolean
take_case(const kenchi_case_row_t *r, gpointer user)
{
	case_copy_t *c = user;

	c->first_report = r->first_report;
	c->first_report_due = r->first_report_due;
	c->p1 = g_strcmp0(r->priority, "P1") == 0;
	c->events = r->events;
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
kenchi_report_first_unsent(kenchi_store_t *st, gint64 report, char **why)
{
	kenchi_report_row_t row = { 0 };
	kenchi_outbox_filter_t f = { .id = report };
	kenchi_status_t rc = KENCHI_OK;

	*why = NULL;
	if (report == 0 || (rc = kenchi_store_outbox_each(st, &f, kenchi_report_take_row, &row)) != KENCHI_OK ||
	    !row.found)
		goto done;
	/* A pending report goes before a later row; a held or failed one
	 * stays, and the second report would reach the customer first,
	 * "about the detection we reported" of one it never heard of (reply
	 * round rr1 F5). */
	if (strcmp(row.state, "held") == 0)
		*why = g_strdup_printf("its first report (outbox %" G_GINT64_FORMAT ") is held, not sent: the customer "
		    "has not heard of the case; release it (kenchi outbox release %" G_GINT64_FORMAT "), then send the "
		    "second report", row.id, row.id);
	else if (strcmp(row.state, "failed") == 0)
		*why = g_strdup_printf("its first report (outbox %" G_GINT64_FORMAT ") failed and never reached the "
		    "customer; send it again (kenchi outbox retry %" G_GINT64_FORMAT "), then the second report",
		    row.id, row.id);
done:
	kenchi_report_row_clear(&row);
	return rc;
}

kenchi_status_t
kenchi_report_first_row(kenchi_store_t *st, gint64 case_id, kenchi_report_row_t *row, int *events)
{
	case_copy_t c = { 0 };
	kenchi_outbox_filter_t f = { 0 };
	kenchi_status_t rc;

	rc = kenchi_store_case_get(st, case_id, take_case, &c);
	if (events)
		*events = c.events;
	if (rc != KENCHI_OK || c.first_report == 0)
		return rc;
	f.id = c.first_report;
	return kenchi_store_outbox_each(st, &f, kenchi_report_take_row, row);
}

kenchi_status_t
kenchi_report_first_lead(kenchi_store_t *st, gint64 case_id, gint64 *lead)
{
	kenchi_report_row_t row = { 0 };
	kenchi_status_t rc = kenchi_report_first_row(st, case_id, &row, NULL);

	*lead = 0;
	if (rc == KENCHI_OK && row.found && strcmp(row.state, "withdrawn") != 0 && row.cases && *row.cases &&
	    !case_in(row.cases, case_id))
		*lead = row.case_id;
	kenchi_report_row_clear(&row);
	return rc == KENCHI_NOT_FOUND ? KENCHI_OK : rc;
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

/* A first report that covered cases are taken out of, once all of them
 * are known: rendered again once, or withdrawn with its cases list as it
 * was when none is left (before, it was rendered again for each case in
 * turn, and a withdrawn one named only the last). */
typedef struct {
	kenchi_report_row_t row;
	GArray *out;      /* gint64: the covered cases to take out of it */
	kenchi_status_t rc;   /* KENCHI_NOT_FOUND: gone meanwhile, its cases stay */
} report_edit_t;

static void
report_edit_free(gpointer p)
{
	report_edit_t *e = p;

	kenchi_report_row_clear(&e->row);
	g_array_unref(e->out);
	g_free(e);
}

/* "12 13 14" less the ids in OUT. */
static char *
cases_without(const char *cases, const GArray *out)
{
	guint n, i, k;
	gint64 *ids = kenchi_report_cases_parse(cases, &n);
	GString *s = g_string_new(NULL);

	for (i = 0; i < n; i++) {
		for (k = 0; k < out->len && g_array_index(out, gint64, k) != ids[i]; k++)
			;
		if (k == out->len)
			g_string_append_printf(s, "%s%" G_GINT64_FORMAT, s->len ? " " : "", ids[i]);
	}
	g_free(ids);
	return g_string_free(s, FALSE);
}

/* Whether case CASE_ID can be taken out of its first report (untouched or
 * none; not P1 when SPARE_P1): *OK; *REPORT its first report (0: none).
 * The report, read once, goes into EDITS with the case to take out of it. */
static kenchi_status_t
plan_case(kenchi_store_t *st, gint64 case_id, gboolean spare_p1, GHashTable *edits, gboolean *ok, gint64 *report)
{
	case_copy_t c = { 0 };
	report_edit_t *e;
	kenchi_status_t rc;

	*ok = FALSE;
	*report = 0;
	if ((rc = kenchi_store_case_get(st, case_id, take_case, &c)) != KENCHI_OK || (c.p1 && spare_p1))
		return rc;
	*report = c.first_report;
	if (c.first_report == 0) {
		/* No report queued at all (no report_to and no analysts) is
		 * none to withdraw. */
		*ok = TRUE;
		return KENCHI_OK;
	}
	if ((e = g_hash_table_lookup(edits, &c.first_report)) == NULL) {
		kenchi_outbox_filter_t f = { .id = c.first_report, .with_raw = TRUE };
		e = g_new0(report_edit_t, 1);
		e->out = g_array_new(FALSE, FALSE, sizeof(gint64));
		g_hash_table_insert(edits, g_memdup2(&c.first_report, sizeof c.first_report), e);
		if ((rc = kenchi_store_outbox_each(st, &f, kenchi_report_take_row, &e->row)) != KENCHI_OK)
			return rc;
	}
	if (!kenchi_report_untouched(&e->row))
		return KENCHI_OK;
	g_array_append_val(e->out, case_id);
	*ok = TRUE;
	return KENCHI_OK;
}

/* Each planned report: withdrawn when none of its cases is left, else
 * rendered again for the rest. */
static kenchi_status_t
edit_reports(kenchi_reports_t *rx, kenchi_store_t *st, GHashTable *edits, const char *why, gint64 now)
{
	GHashTableIter it;
	gpointer key, value;
	kenchi_status_t rc = KENCHI_OK;

	g_hash_table_iter_init(&it, edits);
	while (rc == KENCHI_OK && g_hash_table_iter_next(&it, &key, &value)) {
		report_edit_t *e = value;
		gint64 report = *(gint64 *)key;
		char *rest;
		if (e->out->len == 0)
			continue;
		rest = cases_without(e->row.cases, e->out);
		e->rc = *rest == '\0' ? kenchi_store_outbox_withdraw(st, report, why, now) :
		    render_rest(rx, st, report, &e->row, rest, now);
		rc = e->rc == KENCHI_NOT_FOUND ? KENCHI_OK : e->rc;
		g_free(rest);
	}
	return rc;
}

/* Whether REPORT (0: none), a planned case's first report, was withdrawn
 * or rendered without it. */
static gboolean
report_done(GHashTable *edits, gint64 report)
{
	report_edit_t *e = report ? g_hash_table_lookup(edits, &report) : NULL;

	return e == NULL || e->rc == KENCHI_OK;
}

kenchi_status_t
kenchi_report_allow_apply(kenchi_reports_t *rx, kenchi_store_t *st, const kenchi_list_row_t *entry, gint64 entry_id,
			  gint64 now, GArray *suppressed, GArray *kept)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	GArray *ok = g_array_new(FALSE, TRUE, sizeof(gboolean));
	GArray *reports = g_array_new(FALSE, TRUE, sizeof(gint64));   /* each case's first report */
	GHashTable *edits = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, report_edit_free);
	kenchi_status_t rc = kenchi_cases_covered(st, entry, ids);
	char *why = g_strdup_printf("allow list: %s %s (entry %" G_GINT64_FORMAT ", added after the case)", entry->kind,
	    entry->value, entry_id);
	guint i;

	g_array_set_size(ok, ids->len);
	g_array_set_size(reports, ids->len);
	for (i = 0; rc == KENCHI_OK && i < ids->len; i++)
		rc = plan_case(st, g_array_index(ids, gint64, i), TRUE, edits, &g_array_index(ok, gboolean, i),
		    &g_array_index(reports, gint64, i));
	if (rc == KENCHI_OK)
		rc = edit_reports(rx, st, edits, why, now);
	for (i = 0; rc == KENCHI_OK && i < ids->len; i++) {
		gint64 id = g_array_index(ids, gint64, i);
		gboolean done = g_array_index(ok, gboolean, i) && report_done(edits, g_array_index(reports, gint64, i));

		if (done && (rc = withdraw_notices(st, id, why, now)) == KENCHI_OK &&
		    (rc = kenchi_store_case_suppress(st, id, why, now)) == KENCHI_NOT_FOUND)
			rc = KENCHI_FAIL;   /* covered: open and reportable in this transaction */
		if (rc == KENCHI_OK)
			g_array_append_val(done ? suppressed : kept, id);
	}
	g_hash_table_unref(edits);
	g_array_unref(reports);
	g_array_unref(ok);
	g_array_unref(ids);
	g_free(why);
	return rc;
}

/* Whether a sender took case ID's first report, or tried to. */
static kenchi_status_t
report_taken(kenchi_store_t *st, gint64 id, gboolean *taken)
{
	kenchi_report_row_t row = { 0 };
	kenchi_status_t rc = kenchi_report_first_row(st, id, &row, NULL);

	*taken = rc == KENCHI_OK && row.found && strcmp(row.state, "withdrawn") != 0 && !kenchi_report_untouched(&row);
	kenchi_report_row_clear(&row);
	return rc;
}

kenchi_status_t
kenchi_report_merge_pick(kenchi_store_t *st, gint64 a, gint64 b, gint64 *from, gint64 *into)
{
	gboolean ta = FALSE, tb = FALSE;
	kenchi_status_t rc;

	*into = MIN(a, b);
	*from = MAX(a, b);
	if ((rc = report_taken(st, *into, &ta)) != KENCHI_OK || (rc = report_taken(st, *from, &tb)) != KENCHI_OK)
		return rc;
	if (tb && !ta) {
		*into = MAX(a, b);
		*from = MIN(a, b);
	}
	return KENCHI_OK;
}

kenchi_status_t
kenchi_report_case_merged(kenchi_reports_t *rx, kenchi_store_t *st, gint64 from, gint64 into, gint64 now)
{
	GHashTable *edits = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, report_edit_free);
	char *why = g_strdup_printf("case %" G_GINT64_FORMAT " merged into case %" G_GINT64_FORMAT, from, into);
	gboolean ok = FALSE;
	gint64 report = 0;
	/* A P1 case too: its detection is the other case's now, whose
	 * report the customer has or will have (rc2 F1: a merged P1 case's
	 * first report went out as a second one). */
	kenchi_status_t rc = plan_case(st, from, FALSE, edits, &ok, &report);

	if (rc == KENCHI_OK && ok)
		rc = edit_reports(rx, st, edits, why, now);
	if (rc == KENCHI_OK && ok && report_done(edits, report))
		rc = withdraw_notices(st, from, why, now);
	g_hash_table_unref(edits);
	g_free(why);
	return rc;
}
