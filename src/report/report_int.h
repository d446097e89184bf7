/* report_int.h: private to src/report: the reports context and the
 * helpers that report.c (first reports, notices) and report_followup.c
 * (second reports, transcripts, customer-reply notices) share. */
#ifndef KENCHI_REPORT_INT_H
#define KENCHI_REPORT_INT_H

#include "report/report.h"
#include "report/template.h"

/* The templates, by kind; the pairs by language ([0] ja, [1] en), the
 * transcript and the customer-reply notice in [0] only (English). */
typedef enum {
	KENCHI_TPL_FIRST, KENCHI_TPL_NOTICE, KENCHI_TPL_SECOND, KENCHI_TPL_TRANSCRIPT, KENCHI_TPL_CUSTNOTICE,
	KENCHI_TPL_N
} kenchi_tpl_kind_t;

struct kenchi_reports {
	const kenchi_config_t *cfg;
	/* kenchi_reports_new_lazy: each template and table is loaded at its
	 * first use (under LOCK), and a failure is kept in ERRORS. */
	gboolean lazy;
	GMutex lock;
	GString *errors;
	kenchi_report_template_t *tpl[KENCHI_TPL_N][2];
	gboolean tpl_tried[KENCHI_TPL_N][2];
	GHashTable *expl[2];
	gboolean expl_tried[2];
	guchar *key;
	gsize key_len;
	/* The last case's token: its report and its notice both need it. */
	gint64 tok_case;
	char *tok;
	/* score_reasons text -> sealed tree: few rule combinations recur, and
	 * json-glib's parser costs more to start than the text is long. */
	GHashTable *reasons;
	/* The context's "soc" and, per customer id, "customer" objects,
	 * sealed: the configuration does not change under a context. */
	JsonNode *soc;
	GHashTable *customers;
};

/* The template KIND in LANG (0 or 1), loaded now if it was not; NULL when
 * it cannot be (the reason is in kenchi_reports_error()). */
const kenchi_report_template_t *kenchi_reports_tpl(kenchi_reports_t *rx, kenchi_tpl_kind_t kind, int lang);
/* The explanations table of LANG, or NULL. */
GHashTable *kenchi_reports_expl(kenchi_reports_t *rx, int lang);

/* An outbox row copied out of kenchi_store_outbox_each() by
 * kenchi_report_take_row() as its callback (the first row only; raw when
 * the filter asks for it); kenchi_report_row_clear() frees it. */
typedef struct {
	char *kind, *state, *customer, *cases, *mid, *subject, *rcpts, *last_error;
	GBytes *raw;
	int attempts;
	gint64 id, next_attempt;
	gint64 case_id;
	gboolean tried, found;
} kenchi_report_row_t;
gboolean kenchi_report_take_row(const kenchi_outbox_row_t *r, gpointer user);
void kenchi_report_row_clear(kenchi_report_row_t *r);
/* The events a report lists, at most (report_context.c): a worm's case
 * of thousands would be unreadable. */
#define KENCHI_REPORT_MAX_EVENTS 50
/* ... and of each case at least, when a report consolidates many. */
#define KENCHI_REPORT_MIN_EVENTS 5

/* The events of CASE_ID a report lists, at most CAP (report_events.c):
 * the best-scored of each event type, then the earliest, in the order they
 * were detected, appended to OUT (JsonNode refs; KNOWN's nodes, event id ->
 * node, shared when given) with their scores to SCORES (int); *LEFT_OUT,
 * how many the case has besides. */
kenchi_status_t kenchi_report_case_events(kenchi_store_t *st, gint64 case_id, guint cap, GHashTable *known,
					  GPtrArray *out, GArray *scores, guint *left_out);

/* Whether a sender could still send the row, and never took it
 * (report_withdraw.c). */
gboolean kenchi_report_untouched(const kenchi_report_row_t *r);
/* kenchi_report_build_first with the events ingest has just stored
 * (KNOWN, or NULL) shared into the context. */
kenchi_status_t kenchi_report_build_first_known(kenchi_reports_t *rx, kenchi_store_t *st, const char *customer,
						const gint64 *ids, guint n, const kenchi_known_events_t *known,
						const char *message_id, gint64 date, char **subject, char **raw,
						gsize *len, char **rcpts);
/* The case ids of an outbox row's "cases" ("12 13 14"), *N of them (g_free). */
gint64 *kenchi_report_cases_parse(const char *cases, guint *n);
/* ROW's "cases" made its own case when it lists none (a row queued before
 * reports were consolidated). */
void kenchi_report_row_fill_cases(kenchi_report_row_t *row);
/* Case CASE_ID's first report into ROW (ROW->found FALSE: it has none);
 * *EVENTS, the case's events, when EVENTS is not NULL (report_withdraw.c). */
kenchi_status_t kenchi_report_first_row(kenchi_store_t *st, gint64 case_id, kenchi_report_row_t *row, int *events);
/* The last_error of a first report held for want of a report_to. */
#define KENCHI_REPORT_HELD_NO_ADDRESS "customer has no report_to address: held"
/* ... and of one whose addresses ([soc] from and name, report_to,
 * report_cc) cannot be written in a mail header. */
#define KENCHI_REPORT_HELD_BAD_ADDRESS "an address of kenchi.conf ([soc] from or name, report_to, report_cc) cannot " \
	"go in a mail header: held; see `kenchi check-config`, then `kenchi outbox release`"
/* Whether CASE_ID's first report REPORT (an outbox id, 0: none) was
 * withdrawn, or rendered again without it: its customer never heard of it
 * (report_withdraw.c). */
kenchi_status_t kenchi_report_first_withdrawn(kenchi_store_t *st, gint64 case_id, gint64 report, gboolean *withdrawn);
/* Why REPORT, a case's first report, is not out and will not go by itself
 * - held, or failed for good - in *WHY (g_free; NULL: it went or is on its
 * way) (report_withdraw.c). */
kenchi_status_t kenchi_report_first_unsent(kenchi_store_t *st, gint64 report, char **why);
/* 0 for Japanese, 1 for English: the index of a template pair. */
int kenchi_report_lang(const char *lang);
/* Load the command-token key once (kenchi_token_key). */
kenchi_status_t kenchi_report_ensure_key(kenchi_reports_t *rx, kenchi_store_t *st);
/* Render TPL with CTX and insert it into the outbox as a pending row of
 * KIND (HDR_KIND in its X-Kenchi-Kind header); *row_id may be NULL. */
kenchi_status_t kenchi_report_queue_rendered(kenchi_reports_t *rx, kenchi_store_t *st,
					     const kenchi_report_template_t *tpl, JsonNode *ctx, const char *kind,
					     const char *hdr_kind, gint64 case_id, const char *customer, char **to,
					     char **cc, const char *charset, const char *in_reply_to,
					     const char *references, const char *reply_to, gint64 now, gint64 *row_id);
/* report_context.c: kenchi_report_context, taking KNOWN's events (may be
 * NULL) from ingest's trees; the token of CASE_ID (rx->key loaded), owned
 * by RX until the next call. */
JsonNode *kenchi_report_context_known(kenchi_reports_t *rx, kenchi_store_t *st, const char *customer,
				      const gint64 *ids, guint n, const kenchi_known_events_t *known,
				      kenchi_status_t *rc);
const char *kenchi_report_case_token(kenchi_reports_t *rx, gint64 case_id);
/* soc+case-N-TOKEN@domain (g_free), or NULL before the key is loaded. */
char *kenchi_report_token_address(kenchi_reports_t *rx, gint64 case_id);

#endif
