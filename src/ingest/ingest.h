/* ingest.h: one message in, stored: the step every source shares.
 *
 * kenchi_ingest_analyse() is pure (no database): it parses, recognises,
 * extracts, assigns the customer and prepares each event's row text (uid,
 * fingerprint, JSON); it is safe to run in worker threads,
 * each with its own match context.  kenchi_ingest_store() writes the
 * analysis inside the caller's transaction (the caller begins and commits,
 * so an import can batch and a deliver commits one message).  Nothing here
 * prints. */
#ifndef KENCHI_INGEST_H
#define KENCHI_INGEST_H

#include <glib.h>
#include "util/config.h"
#include "util/status.h"
#include "parse/rules.h"
#include "parse/extract.h"
#include "store/store.h"
#include "case/correlate.h"
#include "report/report.h"
#include "reply/reply.h"

typedef struct {
	const kenchi_config_t *cfg;   /* not owned */
	const kenchi_rules_t *rules;  /* not owned */
	kenchi_cases_t *cases;        /* not owned; NULL: events are stored without cases */
	kenchi_reports_t *reports;    /* not owned; NULL: no reports are queued */
} kenchi_ingest_ctx_t;

typedef struct {
	const char *source;       /* "deliver", "import", "maildir", "imap", "api" */
	const char *origin;       /* path or uid, for the record */
	const char *customer;     /* override (--customer), or NULL */
	gint64 now;
} kenchi_ingest_opts_t;

/* How an event's customer was decided (ingest.c assign_customer): what
 * may follow from it (ingest/adopt.h) depends on how sure it is. */
typedef enum {
	KENCHI_BASIS_NONE,      /* nothing named one: unassigned */
	KENCHI_BASIS_TORN,      /* two customers named (its group's, or group and
	                         * mailbox), or two mailboxes: unassigned, for the SOC */
	KENCHI_BASIS_GROUP,     /* its own AMP group */
	KENCHI_BASIS_MAILBOX,   /* the mailbox, its group naming none */
	KENCHI_BASIS_MESSAGE,   /* the customer of the message's other events */
	KENCHI_BASIS_OVERRIDE,  /* --customer */
	KENCHI_BASIS_MACHINE    /* the customer whose machine it is (ingest/adopt.h) */
} kenchi_basis_t;

typedef struct {
	/* input, not owned */
	const char *raw;
	gsize len;
	/* results, owned */
	gboolean is_api;
	kenchi_mail_t *mail;          /* NULL for API JSON or unparseable mail */
	kenchi_extract_t x;           /* kind, reason, events */
	char *customer;               /* customer id, or "unassigned": the mail's */
	GPtrArray *ev_customer;       /* per event of x.events (char*, owned), when the
				       * events are several customers' (one AMP organisation
				       * with a group per customer: a digest across them);
				       * NULL when every event is customer's */
	guint8 *ev_basis;             /* per event of x.events: kenchi_basis_t (owned) */
	char *raw_sha256;
	char *content_key;
	gint64 raw_key, content_hash;   /* store.h kenchi_msg_row_t */
	gint64 received_at;
	kenchi_reply_info_t reply;    /* a reply to kenchi's own mail (kind NONE otherwise) */
	GPtrArray *prepared;          /* per event of x.events: its uid, fingerprint and stored JSON,
				       * computed by analyse so that the storing thread only runs SQL */
	/* filled by kenchi_ingest_store */
	gint64 message;               /* messages.id */
	gboolean duplicate;           /* the message was already stored */
	int events_new, events_dup;
	int events_moved;             /* stored events of its machines that went to their customer */
	gint64 case_id;               /* the case of the first new event, 0 if none */
	int cases_new;                /* cases opened by this message */
	int reportable;               /* cases that need a first report now */
	kenchi_reply_result_t reply_result;
} kenchi_analysis_t;

#define KENCHI_UNASSIGNED "unassigned"

void kenchi_ingest_analyse(const kenchi_ingest_ctx_t *ctx, kenchi_re_match_t *m,
			   const char *raw, gsize len, const kenchi_ingest_opts_t *opts,
			   kenchi_analysis_t *a);
void kenchi_analysis_clear(kenchi_analysis_t *a);

/* Store A (message row, then its events) inside the caller's transaction. */
kenchi_status_t kenchi_ingest_store(const kenchi_ingest_ctx_t *ctx, kenchi_store_t *st,
				    kenchi_analysis_t *a, const kenchi_ingest_opts_t *opts);

/* The customer of A's event I: its own when a digest's events are
 * several customers', else the mail's. */
const char *kenchi_analysis_customer(const kenchi_analysis_t *a, guint i);
/* How it was decided. */
kenchi_basis_t kenchi_analysis_basis(const kenchi_analysis_t *a, guint i);

/* The normalized event I of A as the JSON the contract promises, with
 * kenchi's own members when known (customer, source, message_id,
 * received_at...). */
JsonNode *kenchi_ingest_event_json(const kenchi_analysis_t *a, guint i);

#endif
