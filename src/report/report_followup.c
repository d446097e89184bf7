/* report_followup.c: the mail that follows a first report: the second
 * report (threaded under the first), the analysts' command transcripts, and
 * the notice that a customer replied.  All go through
 * kenchi_report_queue_rendered() (report.c). */
#include <string.h>
#include "report/mailer.h"
#include "report/report.h"
#include "report/report_int.h"
#include "reply/token.h"
#include "parse/normalize.h"

static const char *
verdict_ja(const char *v)
{
	static const char *const map[][2] = {
		{ "malicious", "悪性" }, { "benign", "非悪性" }, { "pup", "PUP / アドウェア" },
		{ "policy-violation", "ポリシー違反" }, { "false-positive", "誤検知" },
	};
	for (gsize i = 0; v && i < G_N_ELEMENTS(map); i++)
		if (strcmp(v, map[i][0]) == 0)
			return map[i][1];
	return v;
}

static const char *
level_ja(const char *l)
{
	if (l == NULL)
		return NULL;
	return strcmp(l, "low") == 0 ? "低" : strcmp(l, "medium") == 0 ? "中" : strcmp(l, "high") == 0 ? "高" : l;
}

static void
set_opt(JsonObject *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_string_member(o, k, v);
}

/* Distinct string values at PATH ("a.b") over the events array. */
static JsonArray *
distinct(JsonArray *events, const char *a, const char *b)
{
	JsonArray *out = json_array_new();
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < json_array_get_length(events); i++) {
		JsonObject *e = json_array_get_object_element(events, i);
		const char *v = NULL;
		if (e == NULL)
			continue;
		if (b == NULL)
			v = json_object_get_string_member_with_default(e, a, NULL);
		else if (json_object_has_member(e, a) && JSON_NODE_HOLDS_OBJECT(json_object_get_member(e, a)))
			v = json_object_get_string_member_with_default(json_object_get_object_member(e, a), b, NULL);
		if (v && !g_hash_table_contains(seen, v)) {
			g_hash_table_add(seen, (gpointer)v);
			json_array_add_string_element(out, v);
		}
	}
	g_hash_table_unref(seen);
	return out;
}

static gboolean
take_outbreak(const kenchi_case_row_t *r, gpointer user)
{
	*(gint64 *)user = r->outbreak;
	return FALSE;
}

typedef struct {
	JsonArray *hosts;           /* names, the case's own first */
	kenchi_scope_pass_t pass;   /* live cases, then merged ones */
} outbreak_hosts_t;

/* Each host of the outbreak once, after the case's own.  A merged case's
 * host too, unless a case listed has it: its events are in another case
 * now, the machine still had the file (rc3 F2: an analyst merged another
 * machine's case, and the report named one machine fewer). */
static gboolean
add_outbreak_host(const kenchi_case_row_t *r, gpointer user)
{
	outbreak_hosts_t *o = user;
	JsonArray *hosts = o->hosts;
	const char *h = r->hostname ? r->hostname : r->host_key;

	if (!kenchi_scope_take(&o->pass, r, kenchi_case_emptied(r)))
		return TRUE;
	for (guint i = 0; i < json_array_get_length(hosts); i++)
		if (g_strcmp0(json_array_get_string_element(hosts, i), h) == 0)
			return TRUE;
	json_array_add_string_element(hosts, h);
	return TRUE;
}

/* Why: the second report's "Scope" listed the case's own host alone, where
 * the case showed its outbreak's three (rc2 F2): the customer is owed every
 * machine that has the file. */
static kenchi_status_t
outbreak_hosts(kenchi_store_t *st, gint64 case_id, const char *customer, JsonObject *root)
{
	gint64 outbreak = 0;
	kenchi_status_t rc = kenchi_store_case_get(st, case_id, take_outbreak, &outbreak);
	JsonArray *hosts;
	kenchi_case_filter_t f = { .customer = customer };

	if (rc != KENCHI_OK || outbreak == 0)
		return rc;
	hosts = json_array_ref(json_object_get_array_member(root, "hosts"));
	f.outbreak = outbreak;
	{
		outbreak_hosts_t o = { hosts, { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), FALSE } };

		rc = kenchi_store_cases_each(st, &f, add_outbreak_host, &o);
		o.pass.merged_pass = TRUE;
		if (rc == KENCHI_OK)
			rc = kenchi_store_cases_each(st, &f, add_outbreak_host, &o);
		g_hash_table_unref(o.pass.keys);
	}
	if (json_array_get_length(hosts) > 1)
		json_object_set_int_member(root, "more_hosts", json_array_get_length(hosts) - 1);
	json_array_unref(hosts);
	return rc;
}

static JsonNode *
second_context(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const kenchi_findings_t *f,
	       const char *customer, kenchi_status_t *rc)
{
	JsonNode *ctx = kenchi_report_context(rx, st, customer, &case_id, 1, rc);
	JsonObject *root, *c;
	JsonArray *events;
	const char *fs, *ls;

	if (ctx == NULL)
		return NULL;
	root = json_node_get_object(ctx);
	if ((*rc = outbreak_hosts(st, case_id, customer, root)) != KENCHI_OK) {
		json_node_unref(ctx);
		return NULL;
	}
	c = json_object_get_object_member(root, "case");
	set_opt(c, "verdict", f->verdict);
	set_opt(c, "verdict_ja", verdict_ja(f->verdict));
	set_opt(c, "verdict_level", f->verdict_level);
	set_opt(c, "verdict_level_ja", level_ja(f->verdict_level));
	if (f->verdict && strcmp(f->verdict, "pup") == 0) {
		/* an acronym: capitalising it gave "Pup" (rp1 F10); the words
		 * are soc-service.md's, as verdict_ja's "PUP / アドウェア" */
		json_object_set_string_member(c, "verdict_en", "PUP / adware");
	} else if (f->verdict) {
		char *en = g_strdup(f->verdict);
		en[0] = g_ascii_toupper(en[0]);
		for (char *p = en; *p; p++)
			if (*p == '-')
				*p = ' ';
		json_object_set_string_member(c, "verdict_en", en);
		g_free(en);
	}
	{
		const char *q = json_object_get_string_member_with_default(c, "quarantine", "none");
		json_object_set_boolean_member(c, "quarantined", strcmp(q, "quarantined") == 0);
		json_object_set_boolean_member(c, "quarantine_failed", strcmp(q, "failed") == 0);
	}
	set_opt(c, "state_text", f->state_text);
	set_opt(c, "reason", f->reason);
	set_opt(c, "summary", f->summary);
	set_opt(c, "action", f->action);
	set_opt(c, "prevention", f->prevention);
	events = json_object_get_array_member(root, "events");
	json_object_set_array_member(root, "detections", distinct(events, "detection", NULL));
	json_object_set_array_member(root, "ioc_names", distinct(events, "cloud_ioc", "short_description"));
	json_object_set_array_member(root, "urls", distinct(events, "network_info", "dirty_url"));
	json_object_set_array_member(root, "remote_ips", distinct(events, "network_info", "remote_ip"));
	fs = json_object_get_string_member_with_default(c, "first_seen", "");
	ls = json_object_get_string_member_with_default(c, "last_seen", "");
	json_object_set_boolean_member(root, "interval", strcmp(fs, ls) != 0);
	return ctx;
}

static gboolean
take_case_customer(const kenchi_case_row_t *r, gpointer user)
{
	*(char **)user = g_strdup(r->customer);
	return FALSE;
}

kenchi_status_t
kenchi_report_build_second(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, gint64 now, char **subject,
			   char **body)
{
	kenchi_findings_t f;
	kenchi_status_t rc;
	char *customer = NULL;
	const kenchi_customer_t *c;
	JsonNode *ctx;

	*subject = *body = NULL;
	if ((rc = kenchi_store_case_get(st, case_id, take_case_customer, &customer)) != KENCHI_OK)
		return rc;
	if ((rc = kenchi_store_findings_get(st, case_id, &f)) != KENCHI_OK) {
		g_free(customer);
		return rc;
	}
	c = kenchi_config_customer(rx->cfg, customer);
	ctx = second_context(rx, st, case_id, &f, customer, &rc);
	if (ctx) {
		const kenchi_report_template_t *t = kenchi_reports_tpl(rx, KENCHI_TPL_SECOND,
		    kenchi_report_lang(c ? c->language : "ja"));
		if (t)
			kenchi_report_template_render(t, ctx, subject, body);
		else
			rc = KENCHI_CONFIG;
		json_node_unref(ctx);
	}
	kenchi_findings_clear(&f);
	g_free(customer);
	(void)now;
	return rc;
}

kenchi_status_t
kenchi_report_queue_second(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, gint64 now, char **why)
{
	kenchi_findings_t f;
	kenchi_status_t rc;
	char *customer = NULL, *first_mid = NULL;
	const kenchi_customer_t *c;
	JsonNode *ctx;
	gint64 id = 0;

	*why = NULL;
	if ((rc = kenchi_report_ensure_key(rx, st)) != KENCHI_OK)
		return rc;
	if ((rc = kenchi_store_case_get(st, case_id, take_case_customer, &customer)) != KENCHI_OK)
		return rc;
	if ((rc = kenchi_store_findings_get(st, case_id, &f)) != KENCHI_OK)
		goto done;
	if (f.verdict == NULL || f.action == NULL) {
		*why = g_strdup_printf("a second report needs %s%s%s", f.verdict ? "" : "a verdict",
		    !f.verdict && !f.action ? " and " : "", f.action ? "" : "an action");
		rc = KENCHI_BAD_INPUT;
		goto done;
	}
	{
		gboolean withdrawn = FALSE;
		/* "The detection we reported to you" of one it never heard of
		 * (round 47: allow: and send: second-report in one reply). */
		if ((rc = kenchi_report_first_withdrawn(st, case_id, f.first_report, &withdrawn)) != KENCHI_OK)
			goto done;
		if (withdrawn) {
			*why = g_strdup("its first report was withdrawn before it went out (an allow entry suppressed the"
			    " case): the customer was never told of it");
			rc = KENCHI_BAD_INPUT;
			goto done;
		}
	}
	c = kenchi_config_customer(rx->cfg, customer);
	if (c == NULL || c->report_to == NULL || c->report_to[0] == NULL) {
		*why = g_strdup_printf("customer %s has no report_to address", customer);
		rc = KENCHI_BAD_INPUT;
		goto done;
	}
	if ((rc = kenchi_report_first_unsent(st, f.first_report, why)) != KENCHI_OK)
		goto done;
	if (*why) {
		rc = KENCHI_BAD_INPUT;
		goto done;
	}
	ctx = second_context(rx, st, case_id, &f, customer, &rc);
	if (ctx == NULL)
		goto done;
	/* Threaded under the first report. */
	first_mid = f.first_report ? kenchi_store_outbox_message_id(st, f.first_report) : NULL;
	rc = kenchi_report_queue_rendered(rx, st, kenchi_reports_tpl(rx, KENCHI_TPL_SECOND, kenchi_report_lang(c->language)), ctx, "second_report", "second_report", case_id, customer,
	    c->report_to, c->report_cc, c->charset, first_mid, first_mid, NULL, now, &id);
	json_node_unref(ctx);
	/* The same report again - a reply sent twice, or two send lines -
	 * would reach the customer twice (round 36b).  The caller's
	 * savepoint takes the new row back. */
	if (rc == KENCHI_OK && f.second_report && kenchi_store_outbox_same_body(st, f.second_report, id)) {
		*why = g_strdup_printf("this second report is queued or sent already (outbox %" G_GINT64_FORMAT "): "
		    "change a finding first", f.second_report);
		rc = KENCHI_BAD_INPUT;
		goto done;
	}
	if (rc == KENCHI_OK) {
		f.second_report = id;
		f.second_report_at = now;
		rc = kenchi_store_findings_set(st, case_id, &f, now);
	}
done:
	kenchi_findings_clear(&f);
	g_free(customer);
	g_free(first_mid);
	return rc;
}


kenchi_status_t
kenchi_report_queue_transcript(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const char *to,
			       const char *in_reply_to, JsonNode *ctx, gint64 now)
{
	char *rcpt[2] = { (char *)to, NULL }, *reply_to, *tok;
	JsonObject *c = json_object_get_object_member(json_node_get_object(ctx), "case");
	kenchi_status_t rc;

	if ((rc = kenchi_report_ensure_key(rx, st)) != KENCHI_OK)
		return rc;
	/* The transcript carries the token too, so the analyst may answer it. */
	tok = kenchi_token_for_case(rx->key, rx->key_len, case_id);
	if (c)
		json_object_set_string_member(c, "token", tok);
	reply_to = kenchi_report_token_address(rx, case_id);
	/* A Message-ID is the analyst's mailer's, any length: one that would
	 * not fit a header line (998 octets) is not echoed (round 36b: a
	 * 5,000-character one made a transcript a server may refuse). */
	if (in_reply_to && (strlen(in_reply_to) > 900 || !kenchi_mail_valid_msgid(in_reply_to)))
		in_reply_to = NULL;   /* nor one that is no header's (round 38a: "café@x" failed the whole delivery) */
	rc = kenchi_report_queue_rendered(rx, st, kenchi_reports_tpl(rx, KENCHI_TPL_TRANSCRIPT, 0), ctx, "transcript", "transcript", case_id, NULL, rcpt, NULL, "utf-8",
	    in_reply_to, in_reply_to, reply_to, now, NULL);
	g_free(reply_to);
	g_free(tok);
	return rc;
}

kenchi_status_t
kenchi_report_queue_customer_notice(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const char *customer,
				    JsonNode *ctx, gint64 now)
{
	JsonObject *root = json_node_get_object(ctx);
	JsonObject *c = json_object_has_member(root, "case") ? json_object_get_object_member(root, "case") : NULL;
	kenchi_status_t rc;

	if (rx->cfg->analysts == NULL || rx->cfg->analysts[0] == NULL)
		return KENCHI_OK;
	if ((rc = kenchi_report_ensure_key(rx, st)) != KENCHI_OK)
		return rc;
	if (c && !json_object_has_member(c, "token")) {
		char *tok = kenchi_token_for_case(rx->key, rx->key_len, case_id);
		json_object_set_string_member(c, "token", tok);
		g_free(tok);
	}
	return kenchi_report_queue_rendered(rx, st, kenchi_reports_tpl(rx, KENCHI_TPL_CUSTNOTICE, 0), ctx, "notice", "customer-reply-notice", case_id, customer,
	    rx->cfg->analysts, NULL,
	    "utf-8", NULL, NULL, NULL, now, NULL);
}
