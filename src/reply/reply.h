/* reply.h: mail that answers kenchi's own mail.
 *
 * kenchi_reply_classify() looks at a parsed mail that is not an alert and
 * says whether it is an analyst's command reply, a customer's reply to a
 * report, an auto-reply or bounce, or kenchi's own mail come back (loop),
 * and which case it names.  kenchi_reply_process() acts on it inside the
 * ingest transaction: an analyst's commands are authenticated (From in the
 * analysts list, the case token, and when configured a trusted
 * Authentication-Results pass), applied all together or not at all,
 * audited, and answered with a transcript; a customer's reply becomes a
 * note that flags the case and notifies the analysts; nothing else acts.
 * Nothing here prints. */
#ifndef KENCHI_REPLY_H
#define KENCHI_REPLY_H

#include <glib.h>
#include "util/config.h"
#include "util/status.h"
#include "parse/mime.h"
#include "store/store.h"
#include "report/report.h"
#include "case/correlate.h"

typedef enum {
	KENCHI_REPLY_NONE,       /* not a reply to kenchi */
	KENCHI_REPLY_ANALYST,    /* From is an analyst: commands */
	KENCHI_REPLY_CUSTOMER,   /* anyone else answering a report */
	KENCHI_REPLY_AUTO,       /* auto-reply, bounce, list mail */
	KENCHI_REPLY_LOOP        /* carries kenchi's own loop header */
} kenchi_reply_kind_t;

typedef struct {
	kenchi_reply_kind_t kind;
	gint64 case_id;          /* the case it names, 0 unknown */
	char *token;             /* claimed token (plus-address or subject tag), or NULL */
	char *why;               /* how it was recognised / why ignored */
} kenchi_reply_info_t;

void kenchi_reply_classify(const kenchi_config_t *cfg, const kenchi_mail_t *mail, kenchi_reply_info_t *out);
void kenchi_reply_info_clear(kenchi_reply_info_t *r);
const char *kenchi_reply_kind_to_string(kenchi_reply_kind_t k);

typedef struct {
	gboolean applied;        /* commands were applied */
	gboolean rejected;       /* authentication failed: nothing done, no reply */
	gboolean replay;         /* the same Message-ID was already processed */
	int commands, errors;
	char *summary;           /* g_free: for the log and messages.reason */
} kenchi_reply_result_t;
void kenchi_reply_result_clear(kenchi_reply_result_t *r);

/* CX (may be NULL) scores a case again that a merge gave events to. */
kenchi_status_t kenchi_reply_process(const kenchi_config_t *cfg, kenchi_reports_t *rx, kenchi_cases_t *cx,
				     kenchi_store_t *st, const kenchi_mail_t *mail, const kenchi_reply_info_t *info,
				     gint64 now, kenchi_reply_result_t *out);

/* The Authentication-Results check on its own (for tests and the audit):
 * TRUE when VALUE comes from a trusted authserv-id and says dkim=pass for
 * FROM's domain (header.d) or dmarc=pass (header.from). */
gboolean kenchi_reply_auth_results_ok(char **trusted, const char *value, const char *from_addr);

#endif
