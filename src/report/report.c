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
#include "parse/normalize.h"

#define MAX_EVENTS_IN_REPORT 50
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

/* The command token of CASE_ID (rx->key loaded), owned by RX. */
static const char *
case_token(kenchi_reports_t *rx, gint64 case_id)
{
	if (rx->tok == NULL || rx->tok_case != case_id) {
		g_free(rx->tok);
		rx->tok = kenchi_token_for_case(rx->key, rx->key_len, case_id);
		rx->tok_case = case_id;
	}
	return rx->tok;
}

#define REASONS_CACHE_MAX 256

/* The score_reasons JSON text as a sealed tree (a new reference), or NULL
 * when it does not parse. */
static JsonNode *
score_reasons_node(kenchi_reports_t *rx, const char *text)
{
	JsonParser *p;
	JsonNode *n;

	if (rx->reasons == NULL)
		rx->reasons = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_node_unref);
	if ((n = g_hash_table_lookup(rx->reasons, text)) != NULL)
		return json_node_ref(n);
	p = json_parser_new_immutable();
	if (json_parser_load_from_data(p, text, -1, NULL) && json_parser_get_root(p) != NULL) {
		n = json_node_ref(json_parser_get_root(p));
		if (g_hash_table_size(rx->reasons) >= REASONS_CACHE_MAX)
			g_hash_table_remove_all(rx->reasons);
		g_hash_table_insert(rx->reasons, g_strdup(text), json_node_ref(n));
	}
	g_object_unref(p);
	return n;
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

/* Context ---------------------------------------------------------------- */

typedef struct {
	JsonArray *events;
	JsonNode *first;
	guint n;
	GHashTable *known;    /* event id -> node, or NULL: see report.h */
} ev_collect_t;

static void
add_event(ev_collect_t *c, JsonNode *n)
{
	if (c->first == NULL)
		c->first = json_node_ref(n);
	json_array_add_element(c->events, json_node_ref(n));
	c->n++;
}

static gboolean
collect_event(const kenchi_event_row_t *e, gpointer user)
{
	ev_collect_t *c = user;
	JsonParser *p;

	if (c->n >= MAX_EVENTS_IN_REPORT || e->json == NULL)
		return c->n < MAX_EVENTS_IN_REPORT;
	if (c->known) {
		JsonNode *k = g_hash_table_lookup(c->known, &e->id);
		if (k) {
			add_event(c, k);
			return TRUE;
		}
	}
	p = json_parser_new_immutable();
	if (json_parser_load_from_data(p, e->json, -1, NULL)) {
		JsonNode *n = json_node_copy(json_parser_get_root(p));
		if (c->first == NULL)
			c->first = json_node_copy(n);
		json_array_add_element(c->events, n);
		c->n++;
	}
	g_object_unref(p);
	return TRUE;
}

typedef struct {
	JsonObject *obj;
	char *score_reasons;
	char *hostname;
	int events;
} case_take_t;

static void
set_date(JsonObject *o, const char *k, gint64 t)
{
	char *s = t ? kenchi_format_date(t) : NULL;
	if (s)
		json_object_set_string_member(o, k, s);
	g_free(s);
}

static gboolean
take_case(const kenchi_case_row_t *c, gpointer user)
{
	case_take_t *t = user;
	JsonObject *o = json_object_new();

	json_object_set_int_member(o, "id", c->id);
	json_object_set_string_member(o, "priority", c->priority);
	json_object_set_int_member(o, "score", c->score);
	json_object_set_int_member(o, "events", c->events);
	json_object_set_string_member(o, "state", c->state);
	json_object_set_string_member(o, "quarantine", c->quarantine);
	set_date(o, "first_seen", c->first_seen);
	set_date(o, "last_seen", c->last_seen);
	set_date(o, "first_report_due", c->first_report_due);
	set_date(o, "second_report_due", c->second_report_due);
	if (c->hostname)
		json_object_set_string_member(o, "hostname", c->hostname);
	t->obj = o;
	t->events = c->events;
	t->score_reasons = g_strdup(c->score_reasons);
	t->hostname = g_strdup(c->hostname ? c->hostname : c->host_key);
	return FALSE;
}

static const char *
explanation_for(kenchi_reports_t *rx, int lang, JsonNode *first)
{
	JsonObject *o = first && JSON_NODE_HOLDS_OBJECT(first) ? json_node_get_object(first) : NULL;
	GHashTable *expl = o ? kenchi_reports_expl(rx, lang) : NULL;
	const char *text = NULL;

	if (expl == NULL)
		return NULL;
	/* A Cloud IOC is explained by its own name when the table knows it. */
	if (json_object_has_member(o, "cloud_ioc")) {
		const char *ioc = json_object_get_string_member_with_default(
		    json_object_get_object_member(o, "cloud_ioc"), "short_description", NULL);
		char *k = ioc ? g_utf8_casefold(ioc, -1) : NULL;
		if (k && g_hash_table_contains(expl, k))
			text = g_hash_table_lookup(expl, k);
		g_free(k);
	}
	if (text == NULL)
		text = kenchi_explanation_lookup(expl,
		    json_object_get_string_member_with_default(o, "event_type", "default"));
	return text;
}

static JsonNode *
sealed_object(JsonObject *o)
{
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);

	json_node_take_object(n, o);
	json_node_seal(n);
	return n;
}

/* The context's "soc" object (a new reference). */
static JsonNode *
soc_node(kenchi_reports_t *rx)
{
	if (rx->soc == NULL) {
		JsonObject *so = json_object_new();

		json_object_set_string_member(so, "name", rx->cfg->soc_name);
		json_object_set_string_member(so, "from", rx->cfg->soc_from);
		json_object_set_string_member(so, "signature", rx->cfg->soc_signature ? rx->cfg->soc_signature : "");
		rx->soc = sealed_object(so);
	}
	return json_node_ref(rx->soc);
}

/* The context's "customer" object for CUSTOMER (C: its configuration, or
 * NULL); a new reference. */
static JsonNode *
customer_node(kenchi_reports_t *rx, const char *customer, const kenchi_customer_t *c)
{
	JsonNode *n;

	if (rx->customers == NULL)
		rx->customers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_node_unref);
	if ((n = g_hash_table_lookup(rx->customers, customer)) == NULL) {
		JsonObject *co = json_object_new();

		json_object_set_string_member(co, "id", customer);
		json_object_set_string_member(co, "name", c && c->name ? c->name : customer);
		n = sealed_object(co);
		g_hash_table_insert(rx->customers, g_strdup(customer), n);
	}
	return json_node_ref(n);
}

static JsonNode *
report_context(kenchi_reports_t *rx, kenchi_store_t *st, const char *customer, const gint64 *ids, guint n,
	       const kenchi_known_events_t *known, kenchi_status_t *rc)
{
	const kenchi_customer_t *c = kenchi_config_customer(rx->cfg, customer);
	JsonObject *root = json_object_new();
	JsonArray *cases = json_array_new(), *hosts_seen = json_array_new();
	ev_collect_t ec = { .events = json_array_new(), .known = known ? known->by_id : NULL };
	case_take_t lead = { 0 };
	JsonNode *node;
	const char *expl;
	GHashTable *hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	int lang = kenchi_report_lang(c ? c->language : "ja");
	guint i;

	*rc = KENCHI_OK;
	json_object_set_member(root, "customer", customer_node(rx, customer, c));
	json_object_set_member(root, "soc", soc_node(rx));
	for (i = 0; i < n && *rc == KENCHI_OK; i++) {
		case_take_t t = { 0 };
		kenchi_event_filter_t f = { .case_id = ids[i] };

		*rc = kenchi_store_case_get(st, ids[i], take_case, &t);
		if (*rc != KENCHI_OK)
			break;
		if (!g_hash_table_contains(hosts, t.hostname)) {
			g_hash_table_add(hosts, g_strdup(t.hostname));
			json_array_add_string_element(hosts_seen, t.hostname);
		}
		GPtrArray *mine = known && known->by_case ? g_hash_table_lookup(known->by_case, &ids[i]) : NULL;

		if (mine && mine->len == (guint)t.events) {
			/* every event of the case was just stored: no need to read them */
			for (guint k = 0; k < mine->len && ec.n < MAX_EVENTS_IN_REPORT; k++)
				add_event(&ec, g_ptr_array_index(mine, k));
		} else {
			*rc = kenchi_store_events_each(st, &f, collect_event, &ec);
		}
		if (i == 0) {
			lead = t;
			json_object_ref(lead.obj);
		} else {
			g_free(t.score_reasons);
			g_free(t.hostname);
		}
		json_array_add_object_element(cases, t.obj);
	}
	if (*rc != KENCHI_OK) {
		json_object_unref(root);
		json_array_unref(cases);
		json_array_unref(hosts_seen);
		json_array_unref(ec.events);
		if (ec.first)
			json_node_unref(ec.first);
		g_hash_table_unref(hosts);
		if (lead.obj)
			json_object_unref(lead.obj);
		g_free(lead.score_reasons);
		g_free(lead.hostname);
		return NULL;
	}
	json_object_set_int_member(lead.obj, "hosts", g_hash_table_size(hosts));
	if (rx->key)
		json_object_set_string_member(lead.obj, "token", case_token(rx, ids[0]));
	json_object_set_object_member(root, "case", lead.obj);
	json_object_set_array_member(root, "cases", cases);
	json_object_set_array_member(root, "hosts", hosts_seen);
	if (g_hash_table_size(hosts) > 1)
		json_object_set_int_member(root, "more_hosts", g_hash_table_size(hosts) - 1);
	if (ec.first)
		json_object_set_member(root, "event", ec.first);
	json_object_set_array_member(root, "events", ec.events);
	expl = explanation_for(rx, lang, ec.first);
	if (expl)
		json_object_set_string_member(root, "explanation", expl);
	if (lead.score_reasons) {
		JsonNode *r = score_reasons_node(rx, lead.score_reasons);
		if (r)
			json_object_set_member(root, "score_reasons", r);
	}
	g_free(lead.score_reasons);
	g_free(lead.hostname);
	g_hash_table_unref(hosts);
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(node, root);
	return node;
}

JsonNode *
kenchi_report_context(kenchi_reports_t *rx, kenchi_store_t *st, const char *customer, const gint64 *ids, guint n,
		      kenchi_status_t *rc)
{
	return report_context(rx, st, customer, ids, n, NULL, rc);
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

	for (char **p = to; p && *p; p++)
		g_string_append_printf(s, "%s\n", *p);
	for (char **p = cc; p && *p; p++)
		g_string_append_printf(s, "%s\n", *p);
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
	g_free(body);
	return rc;
}

static kenchi_status_t
build_first(kenchi_reports_t *rx, kenchi_store_t *st, const char *customer, const gint64 *ids, guint n,
	    const kenchi_known_events_t *known, const char *message_id, gint64 date, char **subject, char **raw, gsize *len,
	    char **rcpts)
{
	kenchi_status_t rc;
	JsonNode *ctx;

	*subject = *raw = *rcpts = NULL;
	ctx = report_context(rx, st, customer, ids, n, known, &rc);
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
	return build_first(rx, st, customer, ids, n, NULL, message_id, date, subject, raw, len, rcpts);
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

static gint64 *
cases_parse(const char *cases, guint *n)
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


/* The analysts' notice of CASE_ID.  SHARED, when not NULL, is the case's own
 * context (one case) already built for its first report: nothing the
 * report's queueing writes (outbox row, cases.first_report) is part of it,
 * so the notice reuses it instead of reading the case and its events again. */
static kenchi_status_t
queue_notice(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const char *customer, JsonNode *shared,
	     gint64 now)
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
	    case_id, customer, rx->cfg->analysts, NULL, "utf-8", NULL, NULL, reply_to, now, NULL);
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
			gint64 *ids = cases_parse(all, &n);
			kenchi_outbox_filter_t f = { .id = id };

			/* The row's Message-ID is kept across the re-rendering. */
			rc = kenchi_store_outbox_each(st, &f, take_message_id, &mid);
			if (rc == KENCHI_OK)
				rc = build_first(rx, st, customer, ids, n, known, mid, now, &subject, &raw, &len, &rcpts);
			if (rc == KENCHI_OK)
				rc = kenchi_store_outbox_rewrite(st, id, subject, raw, len, all, rcpts);
			if (rc == KENCHI_OK)
				rc = kenchi_store_case_set_report(st, case_id, id);
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
	if ((ctx = report_context(rx, st, customer, &case_id, 1, known, &rc)) == NULL)
		goto done;
	rc = build_first_from(rx, customer, ctx, case_id, mid, now, &subject, &raw, &len, &rcpts);
	if (rc == KENCHI_NOT_FOUND) {
		err = g_strdup("customer has no report_to address: held");
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
		rc = queue_notice(rx, st, case_id, customer, ctx, now);
done:
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
		r = g_strdup_printf("%s+case-%" G_GINT64_FORMAT "-%s@%s", addr, case_id, case_token(rx, case_id), at + 1);
	}
	g_free(addr);
	return r;
}
