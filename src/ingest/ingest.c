/* ingest.c: analyse (pure) and store (transactional).
 *
 * Idempotence has three keys: the raw bytes' SHA-256, the Message-ID with
 * a hash of the body (the same mail redelivered with other Received lines;
 * the store finds it among the mail of its Date's day, util/msgkey.h),
 * and each event's uid (the same AMP event by mail and by API).  Broken and
 * foreign mail is stored with its reason, never dropped. */
#include <string.h>
#include "ingest/ingest.h"
#include "ingest/adopt.h"
#include "ingest/api_in_mail.h"
#include "ingest/mail_text.h"
#include "ingest/reread.h"
#include "parse/apijson.h"
#include "parse/event.h"
#include "parse/normalize.h"
#include "case/hosts.h"
#include "case/lists.h"
#include "util/hash.h"
#include "util/msgkey.h"

/* What an event's row needs besides its fields: text that costs JSON
 * generation and hashing, so it is made in the parser threads.  NODE is
 * JSON's tree: a first report shows the event, and parsing JSON back cost
 * more than rendering the report.  It is shared, never changed, but not
 * sealed: json_node_seal hashes every object, for nothing here. */
typedef struct {
	char *uid, *fingerprint, *json;
	JsonNode *node;
	gint64 id;            /* its row once stored by this analysis, else 0 */
	gint64 case_id;       /* and the case it was placed in, else 0 */
} prepared_t;

static void
prepared_free(gpointer p)
{
	prepared_t *pr = p;

	g_free(pr->uid);
	g_free(pr->fingerprint);
	g_free(pr->json);
	if (pr->node)
		json_node_unref(pr->node);
	g_free(pr);
}

/* KEEP: keep each event's tree (see prepared_t), for an analysis whose
 * cases may queue reports. */
static void
prepare_events(kenchi_analysis_t *a, gboolean keep)
{
	guint i;

	if (a->x.events == NULL || a->x.events->len == 0)
		return;
	a->prepared = g_ptr_array_new_full(a->x.events->len, prepared_free);
	for (i = 0; i < a->x.events->len; i++) {
		const kenchi_event_t *ev = g_ptr_array_index(a->x.events, i);
		prepared_t *pr = g_new0(prepared_t, 1);
		JsonNode *n = kenchi_event_to_json(ev);

		pr->json = kenchi_json_text(n);
		if (keep) {
			pr->node = n;
		} else {
			json_node_unref(n);
		}
		pr->uid = kenchi_event_uid(ev);
		pr->fingerprint = kenchi_event_fingerprint(ev);
		g_ptr_array_add(a->prepared, pr);
	}
}

void
kenchi_analysis_clear(kenchi_analysis_t *a)
{
	if (a->prepared)
		g_ptr_array_unref(a->prepared);
	kenchi_mail_free(a->mail);
	kenchi_extract_clear(&a->x);
	kenchi_reply_info_clear(&a->reply);
	kenchi_reply_result_clear(&a->reply_result);
	g_free(a->customer);
	if (a->ev_customer)
		g_ptr_array_unref(a->ev_customer);
	g_free(a->ev_basis);
	g_free(a->raw_sha256);
	g_free(a->content_key);
	memset(a, 0, sizeof *a);
}

/* Only a configured customer's case is reported (correlate.c): keeping
 * every event's tree for nothing cost an import without customers 3%. */
static gboolean
keep_trees(const kenchi_ingest_ctx_t *ctx, const kenchi_analysis_t *a)
{
	return ctx->reports != NULL && kenchi_config_customer(ctx->cfg, a->customer) != NULL;
}

/* Whose each event is (rounds 31b, 32a: a report to the wrong customer
 * is a leak, one to nobody only late).  An event's own AMP group - its
 * name, or its id as the API gives it (group_guids) - and the mailbox the
 * mail was sent to (its recipients) each name a customer or none:
 * - both the same, or only one: that one (a group two customers' patterns
 *   match, with no pattern within another's, is the mailbox's when the
 *   mailbox's customer is one of them);
 * - two that differ: no one's.  A customer's AMP console mails its own
 *   address, so a group another customer's pattern takes there is a
 *   pattern too wide ("Acme*" over Globex's "Acme Project Team"), and
 *   the SOC must look; a holding's console whose groups are several
 *   customers' mails the generic address, which names none;
 * - neither: the customer every other event of the message names, when
 *   none of them is torn between two. */
static void
assign_customer(const kenchi_ingest_ctx_t *ctx, kenchi_analysis_t *a, const kenchi_ingest_opts_t *opts)
{
	const kenchi_customer_t *box, *all = NULL, **own;
	guint n = a->x.events ? a->x.events->len : 0;
	gboolean agree = TRUE, mixed = FALSE, *torn, two_boxes = FALSE;

	g_clear_pointer(&a->ev_basis, g_free);
	a->ev_basis = g_new0(guint8, n + 1);
	if (opts->customer) {
		a->customer = g_strdup(opts->customer);
		memset(a->ev_basis, KENCHI_BASIS_OVERRIDE, n);
		return;
	}
	box = kenchi_config_match_recipients(ctx->cfg, a->mail ? a->mail->recipients : NULL, &two_boxes);
	own = g_new0(const kenchi_customer_t *, n + 1);
	torn = g_new0(gboolean, n + 1);
	for (guint i = 0; i < n; i++) {
		const kenchi_event_t *ev = g_ptr_array_index(a->x.events, i);
		gboolean by_name = FALSE, by_id = FALSE;

		own[i] = kenchi_config_match_group(ctx->cfg, kenchi_event_get(ev, EV_GROUP), box, &by_name);
		if (own[i] == NULL)
			own[i] = kenchi_config_match_group_guids(ctx->cfg, kenchi_event_get(ev, EV_GROUP_GUIDS), &by_id);
		/* Its group is two customers', or another's than its mailbox's. */
		torn[i] = (own[i] == NULL && (by_name || by_id)) || (own[i] && box && own[i] != box);
		if (torn[i]) {
			own[i] = NULL;
			agree = FALSE;
		}
		a->ev_basis[i] = torn[i] ? KENCHI_BASIS_TORN : own[i] ? KENCHI_BASIS_GROUP : KENCHI_BASIS_NONE;
		if (own[i] && all && own[i] != all)
			agree = FALSE;
		if (own[i] && all == NULL)
			all = own[i];
	}
	if (!agree)
		all = NULL;
	for (guint i = 0; i < n; i++)
		if (own[i] == NULL && !torn[i]) {
			own[i] = box ? box : all;
			a->ev_basis[i] = box ? KENCHI_BASIS_MAILBOX : all ? KENCHI_BASIS_MESSAGE
			    : two_boxes ? KENCHI_BASIS_TORN : KENCHI_BASIS_NONE;
		}
	a->customer = g_strdup(box ? box->id : n > 0 && own[0] ? own[0]->id : KENCHI_UNASSIGNED);
	for (guint i = 0; i < n; i++)
		mixed |= strcmp(own[i] ? own[i]->id : KENCHI_UNASSIGNED, a->customer) != 0;
	if (mixed) {
		a->ev_customer = g_ptr_array_new_full(n, g_free);
		for (guint i = 0; i < n; i++)
			g_ptr_array_add(a->ev_customer, g_strdup(own[i] ? own[i]->id : KENCHI_UNASSIGNED));
	}
	g_free(own);
	g_free(torn);
}

/* A mail whose text is API JSON (a fetcher's cron job mailing its page,
 * an admin pasting curl -v output under a question, a ticket quoting an
 * event) is not read as events: a mail quoting an old event would open a
 * case and report it again.  Its reason says what it holds, so that the
 * person who reads `kenchi messages` imports the JSON itself (rounds
 * 23a, 24a and 25a disagreed; this is the judgement). */
/* The time of the latest event of X, 0 when none has one. */
static gint64
newest_event(const kenchi_extract_t *x)
{
	gint64 t = 0;

	for (guint i = 0; x->events && i < x->events->len; i++) {
		const kenchi_event_t *ev = g_ptr_array_index(x->events, i);

		t = MAX(t, ev->date);
	}
	return t;
}

/* Whether M's top Received date can be its arrival: not in the future (5
 * minutes allowed), and not an hour before both the hop below it and the
 * Date header, servers' clocks (round 44: an MX that wrote UTC as +0900 was
 * 9 hours early).  One of them skewed does not outvote the top, nor does
 * one later than NOW, which cannot be right itself (round 45).  With
 * neither, not a day before the newest of its events (an endpoint's clock
 * may be off; round 44: one ahead threw a true Received away when the
 * events were the only check).  An event that is not in the future is
 * believed over both. */
static gboolean
received_true(const kenchi_mail_t *m, gint64 newest, gint64 now)
{
	gint64 refs[2] = { m->received_next, m->sent }, low = 0;

	if (m->received <= 0 || m->received > now + 300)
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(refs); i++)
		if (refs[i] > 0 && refs[i] <= now + 300)
			low = low ? MIN(low, refs[i]) : refs[i];
	/* Nor a day before an event that is itself no later than NOW: a mail
	 * does not arrive before the detection it reports, and a Date header
	 * that agrees with such a Received was written by the same wrong
	 * clock (scoring round rs1 F5: five days early, both deadlines
	 * breached at ingest, the report held as stale). */
	if (newest > 0 && newest <= now + 300 && m->received < newest - 86400)
		return FALSE;
	return low ? m->received >= low - 3600 : m->received >= newest - 86400;
}

void
kenchi_ingest_analyse(const kenchi_ingest_ctx_t *ctx, kenchi_re_match_t *m,
		      const char *raw, gsize len, const kenchi_ingest_opts_t *opts, kenchi_analysis_t *a)
{
	const char *why = NULL;
	kenchi_status_t rc;
	int day;   /* of the Date header: both store keys begin with it */
	kenchi_headless_t headless = KENCHI_HEADLESS_NOT;

	memset(a, 0, sizeof *a);
	kenchi_mail_unwrap(&raw, &len);
	a->raw = raw;
	a->len = len;
	kenchi_extract_init(&a->x);
	a->raw_sha256 = kenchi_sha256_hex(raw, len);
	/* The store's keys, here in the parser threads rather than in the
	 * one thread that stores. */
	day = kenchi_msg_date_day(raw, len);
	a->raw_key = kenchi_msg_key_day(day, a->raw_sha256);
	a->received_at = opts->now;

	if (kenchi_api_sniff(raw, len)) {
		char *reason = NULL;
		a->is_api = TRUE;
		rc = kenchi_api_parse(raw, len, a->x.events, &reason);
		/* KENCHI_OK without events: an empty API page, not an alert. */
		a->x.kind = rc != KENCHI_OK ? KENCHI_KIND_ERROR : a->x.events->len ? KENCHI_KIND_ALERT :
		    KENCHI_KIND_NOT_ALERT;
		a->x.reason = reason;
		assign_customer(ctx, a, opts);
		prepare_events(a, keep_trees(ctx, a));
		return;
	}
	rc = kenchi_mail_text_parse(raw, len, &a->mail, &why, &headless);
	if (rc != KENCHI_OK) {
		const char *what = kenchi_mail_text_archive(raw, len);

		a->x.kind = KENCHI_KIND_ERROR;
		a->x.reason = what ? g_strdup_printf("%s: %s (unpack it and import what it holds)", why, what) :
		    g_strdup(why);
		assign_customer(ctx, a, opts);
		return;
	}
	kenchi_extract_mail(ctx->rules, m, a->mail, &a->x);
	if (headless == KENCHI_HEADLESS_PREAMBLE)
		kenchi_reread_preamble(ctx, m, raw, len, a);
	kenchi_reread_utf16_ansi(ctx, m, raw, len, a);
	/* Arrival: the top Received header, unless its clock cannot be right
	 * (round 43b F2: an MX whose clock said 2001 made a live alert breached
	 * from the start). */
	if (received_true(a->mail, newest_event(&a->x), opts->now))
		a->received_at = a->mail->received;
	a->content_key = kenchi_msg_content_key(a->mail->message_id, raw, len);
	if (a->content_key)
		a->content_hash = kenchi_msg_key_day(day, a->content_key);
	/* Not an alert: perhaps an answer to kenchi's own mail. */
	if (a->x.kind != KENCHI_KIND_ALERT)
		kenchi_reply_classify(ctx->cfg, a->mail, &a->reply);
	/* A reply was read as an alert is: read it again as the person typed
	 * it (round 36b: a hidden line was a command; 36a: of <p> lines only
	 * the first; 41a: the HTML of a paragraph editor went unread when
	 * its text part had three "key: value" lines).  Replies are few. */
	if (a->reply.kind != KENCHI_REPLY_NONE && !a->mail->no_header && a->mail->preamble < len)
		kenchi_mail_retext_typed(a->mail, raw + a->mail->preamble, len - a->mail->preamble);
	if (a->x.kind != KENCHI_KIND_ALERT && a->reply.kind == KENCHI_REPLY_NONE && !a->mail->is_report)
		kenchi_ingest_api_in_mail(a);
	if (headless == KENCHI_HEADLESS_UNREAD && a->x.kind != KENCHI_KIND_ALERT) {
		/* Text with no header that is no alert either: what it was. */
		const char *what = kenchi_mail_text_archive(raw, len);

		a->x.kind = KENCHI_KIND_ERROR;
		g_free(a->x.reason);
		a->x.reason = what ? g_strdup_printf("not a MIME message: %s (unpack it and import what it holds)", what) :
		    g_strdup("not a MIME message, nor an alert's text without a header");
		a->reply.kind = KENCHI_REPLY_NONE;
	}
	if (a->x.kind == KENCHI_KIND_NOT_ALERT && a->mail->text->len == 0 && a->mail->subject == NULL &&
	    a->mail->from_addr == NULL) {
		/* Nothing GMime could read as a mail at all: call it broken. */
		a->x.kind = KENCHI_KIND_ERROR;
		g_free(a->x.reason);
		a->x.reason = g_strdup("no headers or text: not a mail message");
	}
	assign_customer(ctx, a, opts);
	prepare_events(a, keep_trees(ctx, a));
}

const char *
kenchi_analysis_customer(const kenchi_analysis_t *a, guint i)
{
	return a->ev_customer && i < a->ev_customer->len ? g_ptr_array_index(a->ev_customer, i) : a->customer;
}

kenchi_basis_t
kenchi_analysis_basis(const kenchi_analysis_t *a, guint i)
{
	return a->ev_basis && a->x.events && i < a->x.events->len ? (kenchi_basis_t)a->ev_basis[i] : KENCHI_BASIS_NONE;
}

JsonNode *
kenchi_ingest_event_json(const kenchi_analysis_t *a, guint i)
{
	const kenchi_event_t *ev = g_ptr_array_index(a->x.events, i);
	const char *customer = kenchi_analysis_customer(a, i);
	JsonNode *n = kenchi_event_to_json(ev);
	JsonObject *o = json_node_get_object(n);
	char *fp = kenchi_event_fingerprint(ev), *ra;

	json_object_set_string_member(o, "source", a->is_api ? "api" : "mail");
	if (a->mail && a->mail->message_id)
		json_object_set_string_member(o, "message_id", a->mail->message_id);
	if (customer)
		json_object_set_string_member(o, "customer", customer);
	ra = kenchi_format_date(a->received_at);
	if (ra)
		json_object_set_string_member(o, "received_at", ra);
	json_object_set_string_member(o, "fingerprint", fp);
	g_free(ra);
	g_free(fp);
	return n;
}

/* The events this analysis stored, with their trees (borrowed), for
 * kenchi_report_queue_case. */
static void
known_events(const kenchi_analysis_t *a, kenchi_known_events_t *k)
{
	guint i;

	k->by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	k->by_case = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
	for (i = 0; i < a->prepared->len; i++) {
		prepared_t *pr = g_ptr_array_index(a->prepared, i);
		GPtrArray *in_case;

		if (pr->id == 0 || pr->node == NULL)
			continue;
		g_hash_table_insert(k->by_id, &pr->id, pr->node);
		if (pr->case_id == 0)
			continue;
		if ((in_case = g_hash_table_lookup(k->by_case, &pr->case_id)) == NULL) {
			in_case = g_ptr_array_new();
			g_hash_table_insert(k->by_case, &pr->case_id, in_case);
		}
		g_ptr_array_add(in_case, pr->node);   /* row order: the order stored */
	}
}

/* PR made again for EV, changed since (merge_stored): its JSON, its tree
 * if it kept one, its fingerprint.  The uid stays: the stored row's. */
static void
prepare_again(prepared_t *pr, const kenchi_event_t *ev)
{
	JsonNode *n = kenchi_event_to_json(ev);

	g_free(pr->json);
	pr->json = kenchi_json_text(n);
	if (pr->node) {
		json_node_unref(pr->node);
		pr->node = n;
	} else {
		json_node_unref(n);
	}
	g_free(pr->fingerprint);
	pr->fingerprint = kenchi_event_fingerprint(ev);
}

/* Whether case ID is among REPORT's (NULL: none). */
static gboolean
listed(const GArray *report, gint64 id)
{
	for (guint i = 0; report && i < report->len; i++)
		if (g_array_index(report, gint64, i) == id)
			return TRUE;
	return FALSE;
}

/* Case ID, that the message's events joined, in GROWN (made on the first):
 * its first report, if no sender took it, is rendered again after them
 * (kenchi_report_refresh_first); RAISED, its priority changed; FRESH, the
 * message came within stale_after. */
enum { GROWN_RAISED = 1, GROWN_FRESH = 2 };
static void
note_grown(GHashTable **grown, gint64 id, gboolean raised, gboolean fresh)
{
	gpointer old;

	if (*grown == NULL)
		*grown = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	old = g_hash_table_lookup(*grown, &id);
	g_hash_table_replace(*grown, g_memdup2(&id, sizeof id),
	    GINT_TO_POINTER(GPOINTER_TO_INT(old) | (raised ? GROWN_RAISED : 0) | (fresh ? GROWN_FRESH : 0)));
}

/* Case CASE_ID of CUSTOMER became reportable: its report goes out once
 * every event of the message is stored (REPORT, REPORT_CUSTOMER: made on
 * the first), once however many of them made it so. */
static void
add_report(const kenchi_ingest_ctx_t *ctx, kenchi_analysis_t *a, GArray **report, GPtrArray **report_customer,
	   gint64 case_id, const char *customer)
{
	if (listed(*report, case_id))
		return;
	a->reportable++;
	if (ctx->reports == NULL)
		return;
	if (*report == NULL) {
		*report = g_array_new(FALSE, FALSE, sizeof(gint64));
		*report_customer = g_ptr_array_new();
	}
	g_array_append_val(*report, case_id);
	g_ptr_array_add(*report_customer, (gpointer)customer);
}

/* The event placed as PL repeats another open case of its machine and file,
 * OTHER (rc1 F1): one is merged into the other, and the message's events and
 * reports to come follow it.  The one merged had been reportable as long
 * as the other (kenchi_cases_merge): that one's report is queued, or will
 * be with this message's, so the merged case needs none of its own. */
static kenchi_status_t
merge_one(const kenchi_ingest_ctx_t *ctx, kenchi_store_t *st, kenchi_analysis_t *a, kenchi_placement_t *pl,
	  gint64 other, GArray *report, GPtrArray *report_customer, gint64 now)
{
	gint64 from, into;
	guint i;
	char was[3], is[3];
	kenchi_status_t rc = kenchi_report_merge_pick(st, pl->case_id, other, &from, &into);

	if (rc == KENCHI_OK)
		rc = kenchi_cases_merge(ctx->cases, st, from, into, pl->hosts, now, was, is);
	if (rc == KENCHI_NOT_FOUND)
		return KENCHI_OK;
	if (rc == KENCHI_OK && ctx->reports)
		rc = kenchi_report_case_merged(ctx->reports, st, from, into, now);
	if (rc != KENCHI_OK)
		return rc;
	/* The case that goes on is the event's now: its priority before the
	 * event (the merge's, when the event went to the other case) and
	 * after the merge, so that a merge that makes it P1 says so (rc2 F4). */
	if (pl->case_id == from) {
		pl->case_id = into;
		pl->became_reportable = FALSE;
		g_strlcpy(pl->was_priority, was, sizeof pl->was_priority);
	}
	g_strlcpy(pl->priority, is, sizeof pl->priority);
	if (a->case_id == from)
		a->case_id = into;
	for (i = 0; a->prepared && i < a->prepared->len; i++) {
		prepared_t *p = g_ptr_array_index(a->prepared, i);

		if (p->case_id == from)
			p->case_id = into;
	}
	for (i = 0; report && i < report->len; i++) {
		if (g_array_index(report, gint64, i) == from) {
			g_array_remove_index(report, i);
			g_ptr_array_remove_index(report_customer, i);
			break;
		}
	}
	return KENCHI_OK;
}

/* Each of them, in turn, into the one that goes on (rc2 F10: of three, two
 * were merged). */
static kenchi_status_t
merge_bridged(const kenchi_ingest_ctx_t *ctx, kenchi_store_t *st, kenchi_analysis_t *a, kenchi_placement_t *pl,
	      GArray *report, GPtrArray *report_customer, gint64 now)
{
	kenchi_status_t rc = KENCHI_OK;

	for (int k = 0; k < pl->n_bridged && rc == KENCHI_OK; k++)
		rc = merge_one(ctx, st, a, pl, pl->bridged[k], report, report_customer, now);
	return rc;
}

kenchi_status_t
kenchi_ingest_store(const kenchi_ingest_ctx_t *ctx, kenchi_store_t *st, kenchi_analysis_t *a,
		    const kenchi_ingest_opts_t *opts)
{
	kenchi_msg_row_t row = { 0 };
	kenchi_status_t rc;
	GArray *report = NULL;    /* cases that became reportable: their reports go out after all events */
	GHashTable *grown = NULL; /* cases the events joined: their unsent reports are rendered again */
	GPtrArray *report_customer = NULL;   /* each one's customer (not owned) */
	guint i;

	/* The insert looks the message up itself, under this transaction's
	 * write lock (store_messages.c). */
	row.raw_sha256 = a->raw_sha256;
	row.content_key = a->content_key;
	row.raw_key = a->raw_key;
	row.content_hash = a->content_hash;
	row.message_id = a->mail ? a->mail->message_id : NULL;
	row.source = opts->source;
	row.origin = opts->origin;
	row.customer = a->customer;
	row.kind = a->reply.kind != KENCHI_REPLY_NONE ? kenchi_reply_kind_to_string(a->reply.kind)
	    : kenchi_kind_to_string(a->x.kind);
	row.reason = a->reply.kind != KENCHI_REPLY_NONE ? a->reply.why : a->x.reason;
	row.from_addr = a->mail ? a->mail->from_addr : NULL;
	row.subject = a->mail ? a->mail->subject : NULL;
	row.received_at = a->received_at;
	row.ingested_at = opts->now;
	row.raw = a->raw;
	row.raw_len = a->len;
	/* The count of new events, assuming all are: an UPDATE afterwards
	 * rewrites the whole row, raw message included (for a 50 MB message,
	 * two more copies of it in memory), so it is done only when some event
	 * turns out to be stored already. */
	row.events = a->reply.kind == KENCHI_REPLY_NONE && a->x.events ? (int)a->x.events->len : 0;
	rc = kenchi_store_message_insert(st, &row, &a->message);
	if (rc == KENCHI_DUPLICATE) {
		a->duplicate = TRUE;
		return KENCHI_OK;
	}
	if (rc != KENCHI_OK)
		return rc;
	if (a->reply.kind != KENCHI_REPLY_NONE && ctx->reports) {
		rc = kenchi_reply_process(ctx->cfg, ctx->reports, ctx->cases, st, a->mail, &a->reply, opts->now,
		    &a->reply_result);
		if (rc == KENCHI_BAD_INPUT) {
			/* Something of the reply could not go into the answer:
			 * the mail is stored all the same, never bounced (round
			 * 38a: a Message-ID with an accent made deliver exit 65). */
			g_free(a->reply_result.summary);
			a->reply_result.summary = g_strdup("reply stored, but its answer could not be made (bad input)");
			rc = KENCHI_OK;
		}
		if (rc == KENCHI_OK && a->reply_result.summary)
			rc = kenchi_store_message_set_reason(st, a->message, a->reply_result.summary);
		return rc;
	}
	/* An analysis whose events changed after analyse is prepared again. */
	if (a->x.events && a->x.events->len > 0 && (a->prepared == NULL || a->prepared->len != a->x.events->len)) {
		g_clear_pointer(&a->prepared, g_ptr_array_unref);
		prepare_events(a, keep_trees(ctx, a));
	}
	for (i = 0; a->x.events && i < a->x.events->len; i++) {
		kenchi_event_t *ev = g_ptr_array_index(a->x.events, i);
		prepared_t *pr = g_ptr_array_index(a->prepared, i);
		kenchi_event_row_t er = { 0 };
		gint64 id;

		kenchi_event_row_from_event(&er, ev);
		er.uid = pr->uid;
		er.message = a->message;
		er.customer = kenchi_analysis_customer(a, i);
		er.source = a->is_api ? "api" : "mail";
		er.message_id = row.message_id;
		er.fingerprint = pr->fingerprint;
		er.json = pr->json;
		er.received_at = a->received_at;
		pr->id = pr->case_id = 0;   /* a retried store must not trust an earlier attempt */
		if (ctx->cases) {
			kenchi_placement_t pl;

			/* The case first, so that the event's row goes in once,
			 * complete; this transaction holds the write lock, so the
			 * uid found free stays free until the insert. */
			kenchi_copy_t cp = { 0 };

			kenchi_basis_t basis = kenchi_analysis_basis(a, i);

			/* Its group named no customer, nor did its mailbox: the
			 * customer whose machine it is (its connector GUID).  Nor
			 * one the message's other events or its mailbox alone
			 * named, when the machine is another customer's (rounds
			 * 52, 53b: an API page's events of one group took another
			 * machine with them; a copy with no Group line sent to
			 * acme's mailbox took globex's). */
			if (basis == KENCHI_BASIS_NONE || basis == KENCHI_BASIS_MESSAGE || basis == KENCHI_BASIS_MAILBOX) {
				const char *owner;
				gboolean several;

				if ((rc = kenchi_adopt_owner(ctx->cfg, st, ev, &owner, &several)) != KENCHI_OK)
					goto fail;
				if (basis == KENCHI_BASIS_NONE && owner) {
					er.customer = owner;
					basis = KENCHI_BASIS_MACHINE;
				} else if (basis == KENCHI_BASIS_MESSAGE && !several && owner == NULL &&
				    ev->v[EV_CONNECTOR_GUID]) {
					/* A guess from the page's other events about a
					 * machine nobody knows yet: no one's, until its
					 * customer's own alert takes it along (round 53b's
					 * fuzz: every event it still gave the wrong
					 * customer was such a guess). */
					er.customer = KENCHI_UNASSIGNED;
					basis = KENCHI_BASIS_NONE;
				} else if (basis != KENCHI_BASIS_NONE && (several || (owner && strcmp(owner, er.customer) != 0))) {
					er.customer = KENCHI_UNASSIGNED;
					basis = KENCHI_BASIS_TORN;
				}
			}
			/* the case's customer is its machine's: its group or its
			 * mailbox said so, or a --customer its group does not
			 * gainsay (a recipe's for a customer's mailbox) */
			gboolean sure = basis == KENCHI_BASIS_GROUP || basis == KENCHI_BASIS_MAILBOX ||
			    (basis == KENCHI_BASIS_OVERRIDE && kenchi_adopt_group_allows(ctx->cfg, ev, er.customer));
			g_autofree char *amp_uid = NULL;   /* the AMP id's uid a twin stored by fingerprint takes */

			rc = kenchi_store_event_find(st, er.uid, &id);
			if (rc == KENCHI_NOT_FOUND) {
				char *twin = NULL;

				rc = kenchi_adopt_twin(st, ev, er.uid, er.fingerprint, er.customer, &id, &twin);
				if (twin) {
					/* the stored row's uid is the event's (an adopted
					 * copy replaces that row) */
					if (g_str_has_prefix(twin, "fp:") && g_str_has_prefix(pr->uid, "amp:"))
						amp_uid = pr->uid;
					else
						g_free(pr->uid);
					er.uid = pr->uid = twin;
					cp.twin = TRUE;
				}
			}
			if (rc == KENCHI_OK && (rc = kenchi_adopt_check(ctx->cfg, st, id, ev, er.customer, &cp)) != KENCHI_OK)
				goto fail;
			if (cp.adopt && cp.stored_json && kenchi_adopt_merge(ev, cp.stored_json)) {
				prepare_again(pr, ev);
				kenchi_event_row_from_event(&er, ev);
				er.fingerprint = pr->fingerprint;
				er.json = pr->json;
			}
			if (cp.enrich && cp.stored_json)
				rc = kenchi_adopt_enrich(st, id, cp.old_case, ev, cp.stored_json);
			/* its id's uid too, so that another id's event is no copy
			 * of it (rev94 #16) */
			if (rc == KENCHI_OK && cp.enrich && amp_uid)
				rc = kenchi_store_event_take_uid(st, id, amp_uid);
			g_free(cp.stored_json);
			if (rc == KENCHI_OK && !cp.adopt) {
				a->events_dup++;
				continue;
			}
			if (rc != KENCHI_OK && rc != KENCHI_NOT_FOUND)
				goto fail;
			if (cp.adopt && cp.old_case) {
				char *why = g_strdup_printf("its event went to customer %s, which a later copy named",
				    er.customer);
				rc = kenchi_store_case_drop_event(st, cp.old_case, why, opts->now);
				g_free(why);
				if (rc != KENCHI_OK)
					goto fail;
			}
			rc = kenchi_cases_place(ctx->cases, st, ev, er.customer, a->received_at, opts->now, &pl);
			if (rc != KENCHI_OK)
				goto fail;
			er.case_id = pl.case_id;
			er.score = pl.event_score;
			er.priority = pl.event_priority;
			er.own_score = pl.own_score;
			er.basis = (int)basis + 1;
			if (sure && (rc = kenchi_store_case_set_sure(st, pl.case_id)) != KENCHI_OK)
				goto fail;
			if (cp.adopt) {
				rc = kenchi_store_event_replace(st, id, &er);
			} else {
				rc = kenchi_store_event_insert(st, &er, &id);
				if (rc == KENCHI_DUPLICATE)   /* placed already: not a duplicate to skip */
					rc = KENCHI_FAIL;
			}
			if (rc != KENCHI_OK)
				goto fail;
			if (pl.n_bridged && (rc = merge_bridged(ctx, st, a, &pl, report, report_customer, opts->now)) !=
			    KENCHI_OK)
				goto fail;
			/* A case reported at a lower priority that this event
			 * raises to P1: the analysts' notice named the old one.
			 * Not one whose notice goes with this message's reports,
			 * rendered after its last event (rc2 F6), nor for an
			 * alert past stale_after (a backlog's import), whose
			 * reports wait for release as well. */
			gboolean fresh = a->received_at >= opts->now - ctx->cfg->stale_s;

			if (ctx->reports && fresh && !pl.became_reportable && !listed(report, pl.case_id) &&
			    pl.was_priority[0] && strcmp(pl.was_priority, "P1") != 0 && strcmp(pl.priority, "P1") == 0 &&
			    (rc = kenchi_report_escalated(ctx->reports, st, pl.case_id, pl.was_priority,
			    ev->v[EV_EVENT_TYPE], opts->now)) != KENCHI_OK)
				goto fail;
			for (int k = 0; ctx->reports && fresh && k < pl.n_raised && rc == KENCHI_OK; k++) {
				char *cause;

				if (listed(report, pl.raised[k]))
					continue;   /* its notice goes with this message (rc3 F6) */
				cause = g_strdup_printf("%s on another host of its outbreak (%d hosts)",
				    ev->v[EV_EVENT_TYPE] ? ev->v[EV_EVENT_TYPE] : "an event", pl.hosts);
				rc = kenchi_report_escalated(ctx->reports, st, pl.raised[k], pl.raised_was[k], cause,
				    opts->now);
				g_free(cause);
			}
			if (rc != KENCHI_OK)
				goto fail;
			pr->case_id = pl.case_id;
			if (ctx->reports && !pl.created && !pl.became_reportable)
				note_grown(&grown, pl.case_id, strcmp(pl.was_priority, pl.priority) != 0, fresh);
			if (a->case_id == 0)
				a->case_id = pl.case_id;
			a->cases_new += pl.created;
			if (pl.became_reportable)
				add_report(ctx, a, &report, &report_customer, pl.case_id, er.customer);
			/* The machine's events that no customer took go with it,
			 * when the event is sure of its customer; not when the
			 * message's other events named it (round 52). */
			if (sure) {
				GArray *more = g_array_new(FALSE, FALSE, sizeof(gint64));
				guint k, moved;

				rc = kenchi_adopt_machine(ctx->cases, ctx->cfg, st, ev, er.customer, opts->now, more,
				    &moved);
				a->events_moved += (int)moved;
				for (k = 0; rc == KENCHI_OK && k < more->len; k++)
					add_report(ctx, a, &report, &report_customer, g_array_index(more, gint64, k),
					    er.customer);
				g_array_unref(more);
				if (rc != KENCHI_OK)
					goto fail;
			}
		} else {
			er.basis = (int)kenchi_analysis_basis(a, i) + 1;
			rc = kenchi_store_event_insert(st, &er, &id);
			if (rc == KENCHI_DUPLICATE) {
				a->events_dup++;
				continue;
			}
			if (rc != KENCHI_OK)
				goto fail;
		}
		pr->id = id;
		a->events_new++;
	}
	/* Reports are rendered once every event of the message is in its case,
	 * so a digest's report shows all of them. */
	if (report || grown) {
		kenchi_known_events_t known;
		GHashTableIter it;
		gpointer key, raised;

		known_events(a, &known);
		rc = KENCHI_OK;   /* a duplicate event last is no failure */
		for (i = 0; report && i < report->len && rc == KENCHI_OK; i++)
			rc = kenchi_report_queue_case(ctx->reports, st, g_array_index(report, gint64, i),
			    g_ptr_array_index(report_customer, i), a->received_at, opts->now, &known);
		for (g_hash_table_iter_init(&it, grown ? grown : (grown = g_hash_table_new(NULL, NULL)));
		     rc == KENCHI_OK && g_hash_table_iter_next(&it, &key, &raised);)
			if (!listed(report, *(gint64 *)key))
				rc = kenchi_report_refresh_first(ctx->reports, st, *(gint64 *)key,
				    (GPOINTER_TO_INT(raised) & GROWN_RAISED) != 0, (GPOINTER_TO_INT(raised) & GROWN_FRESH) != 0,
				    opts->now, &known);
		g_hash_table_unref(known.by_id);
		g_hash_table_unref(known.by_case);
		if (report) {
			g_array_unref(report);
			g_ptr_array_unref(report_customer);
		}
		g_hash_table_unref(grown);
	}
	if (rc != KENCHI_OK && rc != KENCHI_DUPLICATE)
		return rc;
	if (a->events_new == row.events)
		return KENCHI_OK;
	return kenchi_store_message_set_events(st, a->message, a->events_new);
fail:
	if (report) {
		g_array_unref(report);
		g_ptr_array_unref(report_customer);
	}
	if (grown)
		g_hash_table_unref(grown);
	return rc;
}
