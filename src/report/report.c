/* report.c: first reports, analyst notices, and the outbox rows that carry
 * them.
 *
 * Consolidation: a first report waits in the outbox for [kenchi]
 * report_hold (default 2 minutes) before it may be sent; a new case of the
 * same customer within [kenchi] outbreak_window of a still-unsent first
 * report joins that report (re-rendered, same Message-ID) instead of
 * becoming another mail.  Alerts older than stale_after at ingest (a
 * backlog import, a daemon back from downtime) are queued "held": an
 * analyst releases them with `kenchi outbox release`. */
#include <string.h>
#include "report/report.h"
#include "report/report_int.h"
#include "report/template.h"
#include "report/mailer.h"
#include "reply/token.h"

#define MAX_CASES_IN_REPORT 20

int
kenchi_report_lang(const char *lang)
{
	return lang && strcmp(lang, "en") == 0 ? 1 : 0;
}

static const char *const tpl_names[KENCHI_TPL_N] = {
	"first-report", "analyst-notice", "second-report", "transcript", "customer-reply-notice"
};
static const char *const langs[2] = { "ja", "en" };

static gboolean
tpl_paired(kenchi_tpl_kind_t kind)
{
	return kind <= KENCHI_TPL_SECOND;
}

/* Load one template or table into RX, once; a failure is appended to
 * rx->errors (every broken file is reported, not just the first). */
static void
load_tpl(kenchi_reports_t *rx, kenchi_tpl_kind_t kind, int lang)
{
	char *n = g_strdup_printf("%s.%s", tpl_names[kind], tpl_paired(kind) ? langs[lang] : "en");
	char *p = kenchi_config_template_path(rx->cfg, n);
	GError *e = NULL;

	rx->tpl_tried[kind][lang] = TRUE;
	if ((rx->tpl[kind][lang] = kenchi_report_template_load_file(p, &e)) == NULL) {
		g_string_append_printf(rx->errors, "%s\n", e->message);
		g_clear_error(&e);
	}
	g_free(p);
	g_free(n);
}

static void
load_expl(kenchi_reports_t *rx, int lang)
{
	char *n = g_strdup_printf("explanations.%s", langs[lang]);
	char *p = kenchi_config_data_path(rx->cfg, n);
	GError *e = NULL;

	rx->expl_tried[lang] = TRUE;
	if ((rx->expl[lang] = kenchi_explanations_load(p, &e)) == NULL) {
		g_string_append_printf(rx->errors, "%s\n", e->message);
		g_clear_error(&e);
	}
	g_free(p);
	g_free(n);
}

const kenchi_report_template_t *
kenchi_reports_tpl(kenchi_reports_t *rx, kenchi_tpl_kind_t kind, int lang)
{
	const kenchi_report_template_t *t;

	if (!tpl_paired(kind))
		lang = 0;
	if (!rx->lazy)
		return rx->tpl[kind][lang];
	g_mutex_lock(&rx->lock);
	if (!rx->tpl_tried[kind][lang])
		load_tpl(rx, kind, lang);
	t = rx->tpl[kind][lang];
	g_mutex_unlock(&rx->lock);
	return t;
}

GHashTable *
kenchi_reports_expl(kenchi_reports_t *rx, int lang)
{
	GHashTable *h;

	if (!rx->lazy)
		return rx->expl[lang];
	g_mutex_lock(&rx->lock);
	if (!rx->expl_tried[lang])
		load_expl(rx, lang);
	h = rx->expl[lang];
	g_mutex_unlock(&rx->lock);
	return h;
}

const char *
kenchi_reports_error(const kenchi_reports_t *rx)
{
	return rx && rx->errors->len ? rx->errors->str : NULL;
}

kenchi_reports_t *
kenchi_reports_new_lazy(const kenchi_config_t *cfg)
{
	kenchi_reports_t *rx = g_new0(kenchi_reports_t, 1);

	rx->cfg = cfg;
	rx->lazy = TRUE;
	g_mutex_init(&rx->lock);
	rx->errors = g_string_new(NULL);
	return rx;
}

kenchi_reports_t *
kenchi_reports_new(const kenchi_config_t *cfg, GError **error)
{
	kenchi_reports_t *rx = kenchi_reports_new_lazy(cfg);
	int k, i;

	/* Everything now, so that a broken file is reported at start. */
	for (k = 0; k < KENCHI_TPL_N; k++)
		for (i = 0; i < (tpl_paired(k) ? 2 : 1); i++)
			load_tpl(rx, k, i);
	for (i = 0; i < 2; i++)
		load_expl(rx, i);
	rx->lazy = FALSE;
	if (rx->errors->len) {
		g_strchomp(rx->errors->str);
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, rx->errors->str);
		kenchi_reports_free(rx);
		return NULL;
	}
	return rx;
}

void
kenchi_reports_free(kenchi_reports_t *rx)
{
	if (rx == NULL)
		return;
	for (int k = 0; k < KENCHI_TPL_N; k++)
		for (int i = 0; i < 2; i++)
			kenchi_report_template_free(rx->tpl[k][i]);
	for (int i = 0; i < 2; i++)
		if (rx->expl[i])
			g_hash_table_unref(rx->expl[i]);
	g_mutex_clear(&rx->lock);
	g_string_free(rx->errors, TRUE);
	g_free(rx->key);
	g_free(rx->tok);
	if (rx->reasons)
		g_hash_table_unref(rx->reasons);
	if (rx->soc)
		json_node_unref(rx->soc);
	if (rx->customers)
		g_hash_table_unref(rx->customers);
	g_free(rx);
}

char *
kenchi_report_message_id(const kenchi_config_t *cfg, const char *kind, gint64 case_id)
{
	const char *at = cfg->soc_from ? strrchr(cfg->soc_from, '@') : NULL;
	char *domain = g_strdup(at ? at + 1 : "kenchi.invalid"), *p;
	char *id;

	/* soc_from may be "Name <a@b>": keep the domain only. */
	for (p = domain; *p; p++)
		if (*p == '>' || *p == ' ') {
			*p = '\0';
			break;
		}
	id = g_strdup_printf("kenchi.%s.%" G_GINT64_FORMAT ".%08x%08x@%s", kind, case_id, g_random_int(),
	    g_random_int(), *domain ? domain : "kenchi.invalid");
	g_free(domain);
	return id;
}

kenchi_status_t
kenchi_report_ensure_key(kenchi_reports_t *rx, kenchi_store_t *st)
{
	char *msg = NULL;
	kenchi_status_t rc;

	if (rx->key)
		return KENCHI_OK;
	rc = kenchi_token_key(rx->cfg, st, &rx->key, &rx->key_len, &msg);
	g_free(msg);
	return rc;
}

/* Mail ------------------------------------------------------------------- */

static char *
from_header(const kenchi_config_t *cfg)
{
	if (strchr(cfg->soc_from, '<'))
		return g_strdup(cfg->soc_from);
	return g_strdup_printf("%s <%s>", cfg->soc_name, cfg->soc_from);
}

/* Bare address of soc_from. */
static char *
from_addr(const kenchi_config_t *cfg)
{
	const char *lt = strchr(cfg->soc_from, '<');
	if (lt) {
		const char *gt = strchr(lt, '>');
		return g_strndup(lt + 1, gt ? (gsize)(gt - lt - 1) : strlen(lt + 1));
	}
	return g_strdup(cfg->soc_from);
}

static char *
join_rcpts(char **to, char **cc)
{
	GString *s = g_string_new(NULL);

	/* The envelope takes the address of "Name <address>": the SMTP
	 * client refused the whole notice when an analyst was written so
	 * (round 36a). */
	for (int k = 0; k < 2; k++)
		for (char **p = k ? cc : to; p && *p; p++) {
			gsize n;
			const char *a = kenchi_addr_spec(*p, &n);
			g_string_append_len(s, a, n);
			g_string_append_c(s, '\n');
		}
	return g_string_free(s, FALSE);
}

/* The first report whose context is CTX (LEAD_ID: its lead case) as a mail. */
static kenchi_status_t
build_first_from(kenchi_reports_t *rx, const char *customer, JsonNode *ctx, gint64 lead_id, const char *message_id,
		 gint64 date, char **subject, char **raw, gsize *len, char **rcpts)
{
	const kenchi_customer_t *c = kenchi_config_customer(rx->cfg, customer);
	kenchi_mail_spec_t spec = { 0 };
	kenchi_status_t rc;
	char *body = NULL, *from, case_hdr[32];
	const char *extra[5];
	int lang = kenchi_report_lang(c ? c->language : "ja");

	*subject = *raw = *rcpts = NULL;
	if (kenchi_reports_tpl(rx, KENCHI_TPL_FIRST, lang) == NULL)
		return KENCHI_CONFIG;
	kenchi_report_template_render(kenchi_reports_tpl(rx, KENCHI_TPL_FIRST, lang), ctx, subject, &body);
	*rcpts = join_rcpts(c ? c->report_to : NULL, c ? c->report_cc : NULL);
	if (c == NULL || c->report_to == NULL || c->report_to[0] == NULL) {
		/* No recipient: keep the rendered body so that preview works. */
		*raw = body;
		*len = strlen(body);
		return KENCHI_NOT_FOUND;
	}
	from = from_header(rx->cfg);
	g_snprintf(case_hdr, sizeof case_hdr, "%" G_GINT64_FORMAT, lead_id);
	extra[0] = "X-Kenchi-Case";
	extra[1] = case_hdr;
	extra[2] = "X-Kenchi-Kind";
	extra[3] = "first-report";
	extra[4] = NULL;
	spec.from = from;
	spec.to = (const char *const *)c->report_to;
	spec.cc = (const char *const *)c->report_cc;
	spec.subject = *subject;
	spec.body = body;
	spec.charset = c->charset;
	spec.message_id = message_id;
	spec.date = date;
	spec.extra_headers = extra;
	rc = kenchi_mail_build(&spec, raw, len, NULL);
	g_free(from);
	if (rc == KENCHI_BAD_INPUT) {
		/* An address the mailer refuses (kenchi.conf's, which check-config
		 * should have said): the report is held with its body, for
		 * preview, and the alert is stored all the same; the caller says
		 * why (report round rp1 F1: every alert of the customer failed
		 * with exit 65, nothing stored, an import stopped). */
		*raw = body;
		*len = strlen(body);
		return KENCHI_BAD_INPUT;
	}
	g_free(body);
	return rc;
}

kenchi_status_t
kenchi_report_build_first_known(kenchi_reports_t *rx, kenchi_store_t *st, const char *customer, const gint64 *ids,
				guint n, const kenchi_known_events_t *known, const char *message_id, gint64 date,
				char **subject, char **raw, gsize *len, char **rcpts)
{
	kenchi_status_t rc;
	JsonNode *ctx;

	*subject = *raw = *rcpts = NULL;
	ctx = kenchi_report_context_known(rx, st, customer, ids, n, known, &rc);
	if (ctx == NULL)
		return rc;
	rc = build_first_from(rx, customer, ctx, ids[0], message_id, date, subject, raw, len, rcpts);
	json_node_unref(ctx);
	return rc;
}

kenchi_status_t
kenchi_report_build_first(kenchi_reports_t *rx, kenchi_store_t *st, const char *customer, const gint64 *ids, guint n,
			  const char *message_id, gint64 date, char **subject, char **raw, gsize *len, char **rcpts)
{
	return kenchi_report_build_first_known(rx, st, customer, ids, n, NULL, message_id, date, subject, raw, len, rcpts);
}

static char *
cases_add(const char *cases, gint64 id)
{
	return cases && *cases ? g_strdup_printf("%s %" G_GINT64_FORMAT, cases, id) : g_strdup_printf("%" G_GINT64_FORMAT, id);
}

static guint
count_cases(const char *cases)
{
	guint n = 0;

	for (const char *p = cases; *p; p++)
		if (*p != ' ' && (p == cases || p[-1] == ' '))
			n++;
	return n;
}

gint64 *
kenchi_report_cases_parse(const char *cases, guint *n)
{
	char **parts = g_strsplit(cases ? cases : "", " ", -1);
	guint k = g_strv_length(parts), i, m = 0;
	gint64 *ids = g_new0(gint64, k + 1);

	for (i = 0; i < k; i++)
		if (*parts[i])
			ids[m++] = g_ascii_strtoll(parts[i], NULL, 10);
	g_strfreev(parts);
	*n = m;
	return ids;
}

static gboolean
take_message_id(const kenchi_outbox_row_t *r, gpointer user)
{
	*(char **)user = g_strdup(r->message_id);
	return FALSE;
}

static gboolean
take_notice_id(const kenchi_outbox_row_t *r, gpointer user)
{
	if (strcmp(r->kind, "notice") != 0)
		return TRUE;
	*(char **)user = g_strdup(r->message_id);
	return FALSE;
}

/* The Message-ID of the analysts' notice of the report's lead case (the
 * first of CASES), or NULL: the notice of a case that joins a consolidated
 * report answers it, so that a worm's forty notices are one thread in the
 * analysts' mail client (round 43a), each still with its own case's
 * reply address. */
static char *
lead_notice_id(kenchi_store_t *st, const char *cases)
{
	guint n;
	gint64 *ids = kenchi_report_cases_parse(cases, &n);
	kenchi_outbox_filter_t f = { .case_id = n ? ids[0] : -1 };
	char *mid = NULL;

	if (n && kenchi_store_outbox_each(st, &f, take_notice_id, &mid) != KENCHI_OK)
		g_clear_pointer(&mid, g_free);
	g_free(ids);
	return mid;
}


/* The analysts' notice of CASE_ID.  SHARED, when not NULL, is the case's own
 * context (one case) already built for its first report: nothing the
 * report's queueing writes (outbox row, cases.first_report) is part of it,
 * so the notice reuses it instead of reading the case and its events again. */
static kenchi_status_t
queue_notice(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const char *customer, JsonNode *shared,
	     const char *thread, gint64 now)
{
	const kenchi_customer_t *c = kenchi_config_customer(rx->cfg, customer);
	kenchi_status_t rc;
	JsonNode *ctx;
	char *reply_to;

	if (rx->cfg->analysts == NULL || rx->cfg->analysts[0] == NULL)
		return KENCHI_OK;
	if ((rc = kenchi_report_ensure_key(rx, st)) != KENCHI_OK)
		return rc;
	if (shared)
		ctx = json_node_ref(shared);
	else if ((ctx = kenchi_report_context(rx, st, customer, &case_id, 1, &rc)) == NULL)
		return rc;
	/* Replies come back to soc+case-N-TOKEN@domain: the token authenticates. */
	reply_to = kenchi_report_token_address(rx, case_id);
	rc = kenchi_report_queue_rendered(rx, st, kenchi_reports_tpl(rx, KENCHI_TPL_NOTICE, kenchi_report_lang(c ? c->language : "ja")), ctx, "notice", "analyst-notice",
	    case_id, customer, rx->cfg->analysts, NULL, "utf-8", thread, thread, reply_to, now, NULL);
	json_node_unref(ctx);
	g_free(reply_to);
	return rc;
}

kenchi_status_t
kenchi_report_queue_case(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const char *customer,
			 gint64 arrival, gint64 now, const kenchi_known_events_t *known)
{
	kenchi_outbox_row_t row = { 0 };
	kenchi_status_t rc;
	gboolean stale = arrival < now - rx->cfg->stale_s;
	char *cases = NULL, *subject = NULL, *raw = NULL, *rcpts = NULL, *mid = NULL, *addr = NULL, *err = NULL;
	char *thread = NULL;
	JsonNode *ctx = NULL;
	gsize len = 0;
	gint64 id = 0;

	if ((rc = kenchi_report_ensure_key(rx, st)) != KENCHI_OK)
		return rc;
	if (!stale && rx->cfg->outbreak_s > 0) {
		rc = kenchi_store_outbox_open_report(st, customer, now - rx->cfg->outbreak_s, &id, &cases);
		/* A consolidated report lists at most MAX_CASES_IN_REPORT cases:
		 * past that a worm's report would be unreadable, and re-rendering
		 * it for every new case would cost time quadratic in the cases. */
		if (rc == KENCHI_OK && cases && count_cases(cases) >= MAX_CASES_IN_REPORT) {
			g_free(cases);
			cases = NULL;
			rc = KENCHI_NOT_FOUND;
		}
		if (rc == KENCHI_OK) {
			/* Join the pending report: same Message-ID, re-rendered. */
			char *all = cases_add(cases, case_id);
			guint n;
			gint64 *ids = kenchi_report_cases_parse(all, &n);
			kenchi_outbox_filter_t f = { .id = id };

			/* The row's Message-ID is kept across the re-rendering. */
			rc = kenchi_store_outbox_each(st, &f, take_message_id, &mid);
			if (rc == KENCHI_OK)
				rc = kenchi_report_build_first_known(rx, st, customer, ids, n, known, mid, now, &subject, &raw, &len,
				    &rcpts);
			if (rc == KENCHI_OK)
				rc = kenchi_store_outbox_rewrite(st, id, subject, raw, len, all, rcpts);
			if (rc == KENCHI_OK)
				rc = kenchi_store_case_set_report(st, case_id, id);
			if (rc == KENCHI_OK)
				thread = lead_notice_id(st, cases);
			g_free(ids);
			g_free(all);
			goto notice;
		}
		if (rc != KENCHI_NOT_FOUND)
			goto done;
	}
	mid = kenchi_report_message_id(rx->cfg, "first", case_id);
	cases = cases_add(NULL, case_id);
	/* One context serves the report and, below, the analysts' notice. */
	if ((ctx = kenchi_report_context_known(rx, st, customer, &case_id, 1, known, &rc)) == NULL)
		goto done;
	rc = build_first_from(rx, customer, ctx, case_id, mid, now, &subject, &raw, &len, &rcpts);
	if (rc == KENCHI_NOT_FOUND || rc == KENCHI_BAD_INPUT) {
		err = g_strdup(rc == KENCHI_NOT_FOUND ? KENCHI_REPORT_HELD_NO_ADDRESS : KENCHI_REPORT_HELD_BAD_ADDRESS);
		stale = TRUE;
	} else if (rc != KENCHI_OK) {
		goto done;
	} else if (stale) {
		err = g_strdup_printf("stale: the alert arrived %" G_GINT64_FORMAT " min before ingest; release with"
		    " `kenchi outbox release`", (now - arrival) / 60);
	}
	addr = from_addr(rx->cfg);
	row.kind = "first_report";
	row.case_id = case_id;
	row.customer = customer;
	row.state = stale ? "held" : "pending";
	row.message_id = mid;
	row.env_from = addr;
	row.rcpts = rcpts ? rcpts : "";
	row.subject = subject;
	row.raw = raw;
	row.raw_len = len;
	row.cases = cases;
	row.next_attempt = now + rx->cfg->report_hold_s;
	row.created_at = now;
	row.due = arrival + 3600;
	rc = kenchi_store_outbox_insert(st, &row, &id);
	if (rc == KENCHI_OK && err)
		rc = kenchi_store_outbox_mark(st, id, row.state, 0, row.next_attempt, err, 0);
	if (rc == KENCHI_OK)
		rc = kenchi_store_case_set_report(st, case_id, id);
notice:
	if (rc == KENCHI_OK)
		rc = queue_notice(rx, st, case_id, customer, ctx, thread, now);
done:
	g_free(thread);
	if (ctx)
		json_node_unref(ctx);
	g_free(cases);
	g_free(subject);
	g_free(raw);
	g_free(rcpts);
	g_free(mid);
	g_free(addr);
	g_free(err);
	return rc;
}

kenchi_status_t
kenchi_report_queue_alert(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const char *subject,
			  const char *body, gint64 now)
{
	kenchi_mail_spec_t spec = { 0 };
	kenchi_outbox_row_t row = { 0 };
	char *raw = NULL, *mid, *from, *addr;
	gsize len = 0;
	gint64 id;
	kenchi_status_t rc;

	if (rx->cfg->analysts == NULL || rx->cfg->analysts[0] == NULL)
		return KENCHI_OK;
	from = from_header(rx->cfg);
	addr = from_addr(rx->cfg);
	mid = kenchi_report_message_id(rx->cfg, "alert", case_id);
	spec.from = from;
	spec.to = (const char *const *)rx->cfg->analysts;
	spec.subject = subject;
	spec.body = body;
	spec.charset = "utf-8";
	spec.message_id = mid;
	spec.date = now;
	rc = kenchi_mail_build(&spec, &raw, &len, NULL);
	if (rc == KENCHI_OK) {
		row.kind = "alert";
		row.case_id = case_id;
		row.state = "pending";
		row.message_id = mid;
		row.env_from = addr;
		row.rcpts = join_rcpts(rx->cfg->analysts, NULL);
		row.subject = subject;
		row.raw = raw;
		row.raw_len = len;
		row.next_attempt = now;
		row.created_at = now;
		rc = kenchi_store_outbox_insert(st, &row, &id);
		g_free((char *)row.rcpts);
	}
	g_free(raw);
	g_free(mid);
	g_free(from);
	g_free(addr);
	return rc;
}

/* The common tail of every mail that is not a first report ------------- */

/* Render TPL with CTX and queue it: the common tail of every mail kenchi
 * sends that is not a first report. */
kenchi_status_t
kenchi_report_queue_rendered(kenchi_reports_t *rx, kenchi_store_t *st, const kenchi_report_template_t *tpl, JsonNode *ctx,
	       const char *kind, const char *hdr_kind, gint64 case_id, const char *customer, char **to, char **cc,
	       const char *charset, const char *in_reply_to, const char *references, const char *reply_to,
	       gint64 now, gint64 *row_id)
{
	kenchi_mail_spec_t spec = { 0 };
	kenchi_outbox_row_t row = { 0 };
	char *subject = NULL, *body = NULL, *raw = NULL, *mid, *from, *addr, *rcpts, case_hdr[32];
	const char *extra[5];
	gsize len = 0;
	gint64 id = 0;
	kenchi_status_t rc;

	if (tpl == NULL)
		return KENCHI_CONFIG;   /* lazy: it did not load (kenchi_reports_error) */
	kenchi_report_template_render(tpl, ctx, &subject, &body);
	from = from_header(rx->cfg);
	addr = from_addr(rx->cfg);
	mid = kenchi_report_message_id(rx->cfg, kind, case_id);
	g_snprintf(case_hdr, sizeof case_hdr, "%" G_GINT64_FORMAT, case_id);
	extra[0] = "X-Kenchi-Case";
	extra[1] = case_hdr;
	extra[2] = "X-Kenchi-Kind";
	extra[3] = hdr_kind;
	extra[4] = NULL;
	spec.from = from;
	spec.to = (const char *const *)to;
	spec.cc = (const char *const *)cc;
	spec.reply_to = reply_to;
	spec.subject = subject;
	spec.body = body;
	spec.charset = charset ? charset : "utf-8";
	spec.message_id = mid;
	spec.in_reply_to = in_reply_to;
	spec.references = references;
	spec.date = now;
	spec.extra_headers = extra;
	rcpts = join_rcpts(to, cc);
	rc = kenchi_mail_build(&spec, &raw, &len, NULL);
	if (rc == KENCHI_OK) {
		row.kind = kind;
		row.case_id = case_id;
		row.customer = customer;
		row.state = "pending";
		row.message_id = mid;
		row.env_from = addr;
		row.rcpts = rcpts;
		row.subject = subject;
		row.raw = raw;
		row.raw_len = len;
		row.next_attempt = now;
		row.created_at = now;
		rc = kenchi_store_outbox_insert(st, &row, &id);
	}
	if (row_id)
		*row_id = id;
	g_free(subject);
	g_free(body);
	g_free(raw);
	g_free(mid);
	g_free(from);
	g_free(addr);
	g_free(rcpts);
	return rc;
}

/* soc+case-N-TOKEN@domain: replies to it come back on the command channel.
 * NULL until the key is loaded (ensure_key). */
char *
kenchi_report_token_address(kenchi_reports_t *rx, gint64 case_id)
{
	char *addr = from_addr(rx->cfg), *at = strrchr(addr, '@'), *r = NULL;

	if (at && rx->key) {
		*at = '\0';
		r = g_strdup_printf("%s+case-%" G_GINT64_FORMAT "-%s@%s", addr, case_id, kenchi_report_case_token(rx, case_id), at + 1);
	}
	g_free(addr);
	return r;
}

gboolean
kenchi_report_take_row(const kenchi_outbox_row_t *r, gpointer user)
{
	kenchi_report_row_t *c = user;

	c->found = TRUE;
	c->kind = g_strdup(r->kind);
	c->state = g_strdup(r->state);
	c->customer = g_strdup(r->customer);
	c->cases = g_strdup(r->cases);
	c->mid = g_strdup(r->message_id);
	c->subject = g_strdup(r->subject);
	c->rcpts = g_strdup(r->rcpts);
	c->raw = r->raw ? g_bytes_new(r->raw, r->raw_len) : NULL;
	c->attempts = r->attempts;
	c->id = r->id;
	c->next_attempt = r->next_attempt;
	c->last_error = g_strdup(r->last_error);
	c->case_id = r->case_id;
	c->tried = r->tried;
	return FALSE;
}

void
kenchi_report_row_fill_cases(kenchi_report_row_t *row)
{
	if (row->cases == NULL || *row->cases == '\0') {
		g_free(row->cases);
		row->cases = g_strdup_printf("%" G_GINT64_FORMAT, row->case_id);
	}
}

void
kenchi_report_row_clear(kenchi_report_row_t *c)
{
	g_free(c->kind);
	g_free(c->state);
	g_free(c->customer);
	g_free(c->cases);
	g_free(c->mid);
	g_free(c->subject);
	g_free(c->rcpts);
	g_free(c->last_error);
	if (c->raw)
		g_bytes_unref(c->raw);
	memset(c, 0, sizeof *c);
}

kenchi_status_t
kenchi_report_readdress(kenchi_reports_t *rx, kenchi_store_t *st, gint64 id, gint64 now, const char **why)
{
	kenchi_outbox_filter_t f = { .id = id };
	kenchi_report_row_t row = { 0 };
	char *subject = NULL, *raw = NULL, *rcpts = NULL;
	gint64 *ids = NULL;
	gsize len = 0;
	guint n = 0;
	kenchi_status_t rc;

	*why = NULL;
	if ((rc = kenchi_store_outbox_each(st, &f, kenchi_report_take_row, &row)) != KENCHI_OK)
		goto done;
	if (row.kind == NULL || strcmp(row.kind, "first_report") != 0 || row.customer == NULL) {
		/* A second report is sent again with `send: second-report`; a
		 * notice or an alert goes to the analysts, who are configured
		 * for the SOC as a whole. */
		*why = row.kind == NULL ? "no such row" : "only a first report is addressed again";
		rc = KENCHI_BAD_INPUT;
		goto done;
	}
	if (kenchi_config_customer(rx->cfg, row.customer) == NULL) {
		*why = "its customer is no longer in the configuration";
		rc = KENCHI_BAD_INPUT;
		goto done;
	}
	if ((rc = kenchi_store_outbox_requeue(st, id, now)) != KENCHI_OK) {
		/* A send that claimed it may still fail (round 41b F8: it
		 * was called sent). */
		*why = g_strcmp0(row.state, "sending") == 0 ? "it is being sent now: see `kenchi outbox` when the send ends" :
		    g_strcmp0(row.state, "withdrawn") == 0 ? "it was withdrawn: an allow entry suppressed its cases" :
		    "a sent report is never sent again";
		goto done;
	}
	kenchi_report_row_fill_cases(&row);
	ids = kenchi_report_cases_parse(row.cases, &n);
	for (guint i = 0; i < n; i++) {
		/* A case merged since has no events of its own: its report
		 * rendered now would be of nothing (round 41b). */
		kenchi_findings_t fd = { 0 };

		if ((rc = kenchi_store_findings_get(st, ids[i], &fd)) != KENCHI_OK)
			goto done;
		if (fd.merged_into != 0)
			*why = "a case of the report was merged into another since: that case's report is the one to send";
		kenchi_findings_clear(&fd);
		if (*why) {
			rc = KENCHI_BAD_INPUT;
			goto done;
		}
	}
	rc = n ? kenchi_report_build_first(rx, st, row.customer, ids, n, row.mid, now, &subject, &raw, &len, &rcpts) :
	    KENCHI_BAD_INPUT;
	if (rc == KENCHI_NOT_FOUND)
		*why = "its customer has no report_to address";
	else if (rc == KENCHI_OK)
		rc = kenchi_store_outbox_rewrite(st, id, subject, raw, len, row.cases, rcpts);
done:
	kenchi_report_row_clear(&row);
	g_free(ids);
	g_free(subject);
	g_free(raw);
	g_free(rcpts);
	return rc;
}
