/* report_refresh.c: a first report not sent yet, rendered again when its
 * case has grown (report.h, kenchi_report_refresh_first).
 *
 * Why: reports were rendered when queued.  An Executed malware event that
 * joined a case within report_hold made it P1, and the report that went
 * out a minute later named only the Threat Detected before it; a fresh P1
 * alert merged into a stale backlog's case whose report was held was never
 * told when that report was released (rc3 F4). */
#include <string.h>
#include "report/report.h"
#include "report/report_int.h"

kenchi_status_t
kenchi_report_refresh_first(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, gboolean raised, gboolean fresh,
			    gint64 now, const kenchi_known_events_t *known)
{
	kenchi_report_row_t row = { 0 };
	char *subject = NULL, *raw = NULL, *rcpts = NULL;
	gint64 *ids = NULL;
	gsize len = 0;
	guint n = 0;
	int events = 0;
	kenchi_status_t rc = kenchi_report_first_row(st, case_id, &row, &events);

	if (rc != KENCHI_OK || !row.found || (!raised && events > KENCHI_REPORT_MAX_EVENTS) ||
	    strcmp(row.kind, "first_report") != 0 || !kenchi_report_untouched(&row) || row.customer == NULL)
		goto done;
	kenchi_report_row_fill_cases(&row);
	ids = kenchi_report_cases_parse(row.cases, &n);
	if (n == 0)
		goto done;
	/* As when it was queued: the context carries the lead's token. */
	if ((rc = kenchi_report_ensure_key(rx, st)) != KENCHI_OK)
		goto done;
	rc = kenchi_report_build_first_known(rx, st, row.customer, ids, n, known, row.mid, now, &subject, &raw, &len,
	    &rcpts);
	if (rc == KENCHI_NOT_FOUND) {
		rc = KENCHI_OK;   /* held for want of a report_to: nothing rendered to mend, */
		goto done;        /* nor sendable */
	} else if (rc == KENCHI_OK)
		rc = kenchi_store_outbox_rewrite(st, row.id, subject, raw, len, row.cases, rcpts);
	/* A fresh alert in a stale backlog's held case: the report goes out
	 * after the hold, as a new case's would (rc4 F4: it waited for a
	 * release that nobody knew to make). */
	if (rc == KENCHI_OK && fresh && strcmp(row.state, "held") == 0)
		rc = kenchi_store_outbox_requeue(st, row.id, now + rx->cfg->report_hold_s);
	/* Held for want of an address, rendered now with one: the reason
	 * says what is left to do (rc4 F9: it still said there was none). */
	else if (rc == KENCHI_OK && strcmp(row.state, "held") == 0 && row.last_error &&
	    strcmp(row.last_error, KENCHI_REPORT_HELD_NO_ADDRESS) == 0) {
		char *why = g_strdup_printf("held: its customer has a report_to now; release it with `kenchi outbox release"
		    " %" G_GINT64_FORMAT "`", row.id);

		rc = kenchi_store_outbox_mark(st, row.id, "held", row.attempts, row.next_attempt, why, 0);
		g_free(why);
	}
done:
	kenchi_report_row_clear(&row);
	g_free(ids);
	g_free(subject);
	g_free(raw);
	g_free(rcpts);
	return rc == KENCHI_NOT_FOUND ? KENCHI_OK : rc;
}
