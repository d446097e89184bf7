/* report_int.h: private to src/report: the reports context and the
 * helpers that report.c (first reports, notices) and report_followup.c
 * (second reports, transcripts, customer-reply notices) share. */
#ifndef KENCHI_REPORT_INT_H
#define KENCHI_REPORT_INT_H

#include "report/report.h"
#include "report/template.h"

struct kenchi_reports {
	const kenchi_config_t *cfg;
	kenchi_report_template_t *first[2];   /* [0] ja, [1] en */
	kenchi_report_template_t *notice[2];
	kenchi_report_template_t *second[2];
	kenchi_report_template_t *transcript;
	kenchi_report_template_t *custnotice;
	GHashTable *expl[2];
	guchar *key;
	gsize key_len;
};

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
/* soc+case-N-TOKEN@domain (g_free), or NULL before the key is loaded. */
char *kenchi_report_token_address(kenchi_reports_t *rx, gint64 case_id);

#endif
