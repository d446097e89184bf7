/* report_context.c: the data a report's template sees (see report.h's
 * kenchi_report_context): the customer, the SOC, the cases and their
 * events, the explanation, the scoring reasons and the command token.
 *
 * Most of a first report's cost was here, so it keeps what does not
 * change between cases: the soc and customer objects (sealed, shared),
 * score_reasons parsed once per distinct text, the last case's token (a
 * report and its notice both carry it), and it takes the events that
 * ingest has just stored from ingest's own trees (kenchi_known_events_t)
 * instead of parsing their JSON back. */
#include <string.h>
#include "report/report.h"
#include "report/report_int.h"
#include "reply/token.h"
#include "parse/normalize.h"

const char *
kenchi_report_case_token(kenchi_reports_t *rx, gint64 case_id)
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

/* "explanations": one for each kind of event the report lists, the lead
 * event's first, each once ({event_type, text}); "other_types": how many
 * event types besides the lead's.  A consolidated report of a Threat
 * Detected, an Executed malware and an Uninstall explained the Uninstall
 * alone, and its subject named only that (report round rp1 F3). */
static void
add_explanations(kenchi_reports_t *rx, int lang, JsonObject *root, JsonNode *lead, JsonArray *events)
{
	JsonArray *out = json_array_new();
	GHashTable *texts = g_hash_table_new(NULL, NULL), *types = g_hash_table_new(g_str_hash, g_str_equal);
	guint n = json_array_get_length(events);

	for (guint i = 0; i <= n; i++) {
		JsonNode *e = i == 0 ? lead : json_array_get_element(events, i - 1);
		JsonObject *o = e && JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
		const char *type = o ? json_object_get_string_member_with_default(o, "event_type", NULL) : NULL;
		const char *text = o ? explanation_for(rx, lang, e) : NULL;

		if (type)
			g_hash_table_add(types, (gpointer)type);
		if (text && g_hash_table_add(texts, (gpointer)text)) {
			JsonObject *x = json_object_new();

			if (type)
				json_object_set_string_member(x, "event_type", type);
			json_object_set_string_member(x, "text", text);
			json_array_add_object_element(out, x);
		}
	}
	if (g_hash_table_size(types) > 1)
		json_object_set_int_member(root, "other_types", g_hash_table_size(types) - 1);
	json_object_set_array_member(root, "explanations", out);
	g_hash_table_unref(texts);
	g_hash_table_unref(types);
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

JsonNode *
kenchi_report_context_known(kenchi_reports_t *rx, kenchi_store_t *st, const char *customer, const gint64 *ids, guint n,
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
	guint i, more = 0;
	int best = -1;

	*rc = KENCHI_OK;
	json_object_set_member(root, "customer", customer_node(rx, customer, c));
	json_object_set_member(root, "soc", soc_node(rx));
	for (i = 0; i < n && *rc == KENCHI_OK; i++) {
		case_take_t t = { 0 };

		*rc = kenchi_store_case_get(st, ids[i], take_case, &t);
		if (*rc != KENCHI_OK)
			break;
		if (!g_hash_table_contains(hosts, t.hostname)) {
			g_hash_table_add(hosts, g_strdup(t.hostname));
			json_array_add_string_element(hosts_seen, t.hostname);
		}
		{
			/* Each case its share of the events listed (report_events.c). */
			GPtrArray *mine = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
			GArray *scores = g_array_new(FALSE, FALSE, sizeof(int));
			guint left = 0;

			*rc = kenchi_report_case_events(st, ids[i], MAX(KENCHI_REPORT_MIN_EVENTS, KENCHI_REPORT_MAX_EVENTS / n),
			    ec.known, mine, scores, &left);
			for (guint k = 0; k < mine->len; k++) {
				JsonNode *e = g_ptr_array_index(mine, k);

				add_event(&ec, e);
				/* The report leads with its best-scored event: the
				 * subject and the explanation name the Executed
				 * malware, not the Threat Detected before it (rc4 F7). */
				if (g_array_index(scores, int, k) > best) {
					best = g_array_index(scores, int, k);
					if (ec.first)
						json_node_unref(ec.first);
					ec.first = json_node_ref(e);
				}
			}
			more += left;
			g_ptr_array_unref(mine);
			g_array_unref(scores);
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
		json_object_set_string_member(lead.obj, "token", kenchi_report_case_token(rx, ids[0]));
	json_object_set_object_member(root, "case", lead.obj);
	json_object_set_array_member(root, "cases", cases);
	json_object_set_array_member(root, "hosts", hosts_seen);
	if (g_hash_table_size(hosts) > 1)
		json_object_set_int_member(root, "more_hosts", g_hash_table_size(hosts) - 1);
	if (ec.first)
		json_object_set_member(root, "event", ec.first);
	json_object_set_array_member(root, "events", ec.events);
	if (more > 0)
		json_object_set_int_member(root, "more_events", more);
	expl = explanation_for(rx, lang, ec.first);
	if (expl)
		json_object_set_string_member(root, "explanation", expl);
	add_explanations(rx, lang, root, ec.first, ec.events);
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
	return kenchi_report_context_known(rx, st, customer, ids, n, NULL, rc);
}
