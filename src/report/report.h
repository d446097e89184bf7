/* report.h: rendering reports and notices from templates and queueing them
 * in the outbox, inside the caller's transaction (the case's).  Nothing here
 * prints; errors come back as statuses.
 *
 * The context owns the loaded templates and explanations (both languages)
 * and the command-token key; one thread uses it. */
#ifndef KENCHI_REPORT_H
#define KENCHI_REPORT_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include "util/config.h"
#include "util/status.h"
#include "store/store.h"

typedef struct kenchi_reports kenchi_reports_t;

/* Load templates/ and data/explanations.* below CFG's data root.  NULL with
 * *error ("file:line: message" lines) when any of them is broken. */
kenchi_reports_t *kenchi_reports_new(const kenchi_config_t *cfg, GError **error);
/* The same, but each template is compiled at its first use: for the
 * delivery hook, which renders one report or none.  A template that fails
 * then makes the call that needed it return KENCHI_CONFIG, and
 * kenchi_reports_error() says why (file:line). */
kenchi_reports_t *kenchi_reports_new_lazy(const kenchi_config_t *cfg);
const char *kenchi_reports_error(const kenchi_reports_t *rx);
void kenchi_reports_free(kenchi_reports_t *rx);

/* The data a template sees for CASE_IDS (the first leads) of CUSTOMER.
 * New reference; NULL with *rc set when a case cannot be read. */
JsonNode *kenchi_report_context(kenchi_reports_t *rx, kenchi_store_t *st, const char *customer,
				const gint64 *case_ids, guint n, kenchi_status_t *rc);

/* Render the first report of CASE_IDS as a complete mail (CRLF).
 * *subject, *raw: g_free.  MESSAGE_ID is the row's stable id. */
kenchi_status_t kenchi_report_build_first(kenchi_reports_t *rx, kenchi_store_t *st, const char *customer,
					  const gint64 *case_ids, guint n, const char *message_id, gint64 date,
					  char **subject, char **raw, gsize *len, char **rcpts);

/* Events the caller has just stored, as the JsonNodes of their stored
 * JSON: shared into a report's context, never changed, instead of read
 * back and parsed again (json-glib's parser was a fifth of the cost of a
 * report).  BY_CASE lists, in row order, those placed in each case: when
 * they are all of a case's events, the case's events are not read at all. */
typedef struct {
	GHashTable *by_id;     /* event row id (gint64 *) -> JsonNode */
	GHashTable *by_case;   /* case id (gint64 *) -> GPtrArray of JsonNode */
} kenchi_known_events_t;

/* Outbox row ID, a first report not sent yet (pending, held or failed),
 * made sendable now and rendered again: to its customer's report_to and
 * report_cc as configured now, from its cases as they are now, with its
 * Message-ID kept.  The caller holds a transaction.  KENCHI_BAD_INPUT or
 * KENCHI_NOT_FOUND with *WHY (static) when it cannot be: no such row,
 * another kind, sent already, or no report_to. */
kenchi_status_t kenchi_report_readdress(kenchi_reports_t *rx, kenchi_store_t *st, gint64 id, gint64 now,
					const char **why);

/* ENTRY, an allow entry just added as ENTRY_ID, applied to the open cases
 * it covers (kenchi_cases_covered): each whose first report no sender took
 * is suppressed and taken out of that report (withdrawn, or rendered again
 * without it), its untaken notice withdrawn, its id appended to
 * SUPPRESSED; each that is P1, or whose report has gone out, is going or
 * was tried, stays open, appended to KEPT.  The caller holds a
 * transaction. */
kenchi_status_t kenchi_report_allow_apply(kenchi_reports_t *rx, kenchi_store_t *st, const kenchi_list_row_t *entry,
					  gint64 entry_id, gint64 now, GArray *suppressed, GArray *kept);

/* The case that now leads the first report CASE_ID was taken out of
 * (kenchi_report_allow_apply), in *LEAD; 0 when it is still in its first
 * report, or that was withdrawn, or it has none. */
kenchi_status_t kenchi_report_first_lead(kenchi_store_t *st, gint64 case_id, gint64 *lead);

/* Two open cases of one machine and file that an event bridged (correlate.h,
 * kenchi_cases_merge): which goes *INTO which.  The one whose first report
 * a sender took, when only one's was; else the older (smaller id). */
kenchi_status_t kenchi_report_merge_pick(kenchi_store_t *st, gint64 a, gint64 b, gint64 *from, gint64 *into);
/* Case FROM, merged into INTO: its first report, when no sender took it
 * (P1 or not), no longer covers it (withdrawn, or rendered again for the
 * rest of its cases), and its untaken notices are withdrawn.  A report that
 * went out stays as it went.  The caller holds a transaction. */
kenchi_status_t kenchi_report_case_merged(kenchi_reports_t *rx, kenchi_store_t *st, gint64 from, gint64 into,
					  gint64 now);

/* A case became reportable: queue (or join) its customer's first report and
 * queue the analysts' notice.  NOW is the ingest time, ARRIVAL the alert's.
 * KNOWN may be NULL. */
kenchi_status_t kenchi_report_queue_case(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id,
					 const char *customer, gint64 arrival, gint64 now,
					 const kenchi_known_events_t *known);

/* Events joined case CASE_ID after its first report was rendered (a
 * repeat, another event of its detection, a case merged into it): that
 * report, when no sender has taken it yet (pending, or held: within
 * report_hold, or a stale backlog's), is rendered again from the case as
 * it is now, with its Message-ID, so that what goes out tells what is
 * known when it goes.  RAISED: the case's priority changed; else a case
 * past the events a report lists is left as it is (the report would not
 * change, and rendering it for each of a worm's repeats would cost).
 * FRESH: an event that joined came within stale_after, and a held report
 * (a stale backlog's) that can be addressed is made sendable: its case
 * has news the customer is owed within the hour (rc4 F4).  KNOWN may be
 * NULL. */
kenchi_status_t kenchi_report_refresh_first(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id,
					    gboolean raised, gboolean fresh, gint64 now,
					    const kenchi_known_events_t *known);

/* Case CASE_ID, reported as WAS (P2-P4), is P1 now, raised by CAUSE (an
 * event's type, or that on another host of its outbreak): the analysts are
 * told (report_escalate.c).  Nothing for a case that is not open, or with
 * no analysts configured. */
kenchi_status_t kenchi_report_escalated(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const char *was,
					const char *cause, gint64 now);

/* Queue a plain mail to the analysts (SLA alerts, delivery failures). */
kenchi_status_t kenchi_report_queue_alert(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id,
					  const char *subject, const char *body, gint64 now);

/* The second report of CASE_ID (findings must hold a verdict and an
 * action: KENCHI_BAD_INPUT and *why otherwise), threaded under the first
 * report; records the row and its time on the case. */
kenchi_status_t kenchi_report_queue_second(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, gint64 now,
					   char **why);
/* Render the second report of CASE_ID without queueing (preview). */
kenchi_status_t kenchi_report_build_second(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, gint64 now,
					   char **subject, char **body);
/* The transcript of a command mail, to TO, in reply to IN_REPLY_TO. CTX: see templates/transcript.en. */
kenchi_status_t kenchi_report_queue_transcript(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id,
					       const char *to, const char *in_reply_to, JsonNode *ctx, gint64 now);
/* The analysts' notice that a customer replied (CTX: templates/customer-reply-notice.en). */
kenchi_status_t kenchi_report_queue_customer_notice(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id,
						    const char *customer, JsonNode *ctx, gint64 now);

/* A fresh Message-ID (without brackets) in the SOC's domain; g_free. */
char *kenchi_report_message_id(const kenchi_config_t *cfg, const char *kind, gint64 case_id);

#endif
