/* report_escalate.c: the analysts told when a case rises to P1 after it was
 * reported.
 *
 * Why: the analysts' notice of a new case names its priority then.  A later
 * event (an Executed malware after a Threat Detected, a block-listed
 * address, a third host of an outbreak) can raise the case to P1, and
 * nothing said so: the case sat in `kenchi due` among the P3s that its
 * notice had announced.  The customer's first report names no priority,
 * so it needs no change; the analysts decide whether to call. */
#include <string.h>
#include <json-glib/json-glib.h>
#include "report/report.h"

typedef struct {
	char *customer, *hostname, *state, *reasons;
	int score;
} case_info_t;

static gboolean
take_info(const kenchi_case_row_t *r, gpointer user)
{
	case_info_t *c = user;

	c->customer = g_strdup(r->customer);
	c->hostname = g_strdup(r->hostname);
	c->state = g_strdup(r->state);
	c->reasons = g_strdup(r->score_reasons);
	c->score = r->score;
	return FALSE;
}

/* "  +30  severity high" lines from a case's score_reasons JSON. */
static void
append_reasons(GString *s, const char *json)
{
	JsonParser *p = json_parser_new();
	JsonNode *root;

	if (json && json_parser_load_from_data(p, json, -1, NULL) && (root = json_parser_get_root(p)) &&
	    JSON_NODE_HOLDS_ARRAY(root)) {
		JsonArray *a = json_node_get_array(root);

		for (guint i = 0; i < json_array_get_length(a); i++) {
			JsonNode *n = json_array_get_element(a, i);
			JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;

			if (o == NULL)
				continue;
			g_string_append_printf(s, "  %+4" G_GINT64_FORMAT "  %s\n",
			    json_object_get_int_member_with_default(o, "points", 0),
			    json_object_get_string_member_with_default(o, "rule", "?"));
		}
	}
	g_object_unref(p);
}

kenchi_status_t
kenchi_report_escalated(kenchi_reports_t *rx, kenchi_store_t *st, gint64 case_id, const char *was,
			const char *cause, gint64 now)
{
	case_info_t c = { 0 };
	GString *body;
	char *subject;
	kenchi_status_t rc = kenchi_store_case_get(st, case_id, take_info, &c);

	if (rc != KENCHI_OK || g_strcmp0(c.state, "open") != 0)
		goto done;
	subject = g_strdup_printf("[kenchi #%" G_GINT64_FORMAT "] escalated to P1 (%s, %s): %s", case_id,
	    c.hostname ? c.hostname : "?", c.customer, cause ? cause : "an event");
	body = g_string_new(NULL);
	g_string_append_printf(body, "Case %" G_GINT64_FORMAT " (%s, %s) rose from %s to P1 (score %d): %s raised it."
	    "\n\nScore reasons:\n", case_id, c.customer, c.hostname ? c.hostname : "?",
	    was && *was ? was : "a lower priority", c.score, cause ? cause : "an event");
	append_reasons(body, c.reasons);
	g_string_append_printf(body, "\nSee `kenchi case %" G_GINT64_FORMAT "`.\n", case_id);
	rc = kenchi_report_queue_alert(rx, st, case_id, subject, body->str, now);
	g_string_free(body, TRUE);
	g_free(subject);
done:
	g_free(c.customer);
	g_free(c.hostname);
	g_free(c.state);
	g_free(c.reasons);
	return rc;
}
