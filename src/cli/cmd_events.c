/* cmd_events.c: `kenchi events [--json] [--customer ID] [--since DATE]`. */
#include <string.h>
#include "cli/cli.h"
#include "parse/normalize.h"

static JsonNode *
event_row_json(const kenchi_event_row_t *e)
{
	JsonParser *p = json_parser_new_immutable();
	JsonNode *n = NULL;
	JsonObject *o;
	char *t;

	if (e->json && json_parser_load_from_data(p, e->json, -1, NULL))
		n = json_node_ref(json_parser_get_root(p));
	g_object_unref(p);
	if (n == NULL || !JSON_NODE_HOLDS_OBJECT(n)) {
		if (n)
			json_node_unref(n);
		n = json_node_new(JSON_NODE_OBJECT);
		json_node_take_object(n, json_object_new());
	}
	o = json_node_get_object(n);
	json_object_set_string_member(o, "source", e->source);
	if (e->message_id)
		json_object_set_string_member(o, "message_id", e->message_id);
	json_object_set_string_member(o, "customer", e->customer);
	t = kenchi_format_date(e->received_at);
	json_object_set_string_member(o, "received_at", t);
	g_free(t);
	json_object_set_string_member(o, "fingerprint", e->fingerprint);
	if (e->case_id) {
		json_object_set_int_member(o, "score", e->score);
		if (e->priority)
			json_object_set_string_member(o, "priority", e->priority);
		json_object_set_int_member(o, "case_id", e->case_id);
	}
	return n;
}

typedef struct {
	gboolean json;
} events_out_t;

static gboolean
print_event(const kenchi_event_row_t *e, gpointer user)
{
	events_out_t *out = user;

	if (out->json) {
		JsonNode *n = event_row_json(e);
		kenchi_print_json_line(n);
		json_node_unref(n);
	} else {
		char *d = kenchi_format_date(e->date ? e->date : e->received_at);
		printf("%-6" G_GINT64_FORMAT " %-25s %-10s %-26s %-18s %-8s %s\n", e->id, d ? d : "-", e->customer,
		    e->event_type ? e->event_type : "-", e->hostname ? e->hostname : "-",
		    e->severity ? e->severity : "-", e->detection ? e->detection : "-");
		g_free(d);
	}
	return TRUE;
}

int
kenchi_cmd_events(kenchi_app_t *app, int argc, char **argv)
{
	gboolean json = FALSE;
	char *customer = NULL, *since = NULL;
	gint64 limit = 0, case_id = 0;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object a line", NULL },
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "only this customer", "ID" },
		{ "since", 0, 0, G_OPTION_ARG_STRING, &since, "only events at or after DATE (ISO 8601)", "DATE" },
		{ "case", 0, 0, G_OPTION_ARG_INT64, &case_id, "only the events of case N", "N" },
		{ "limit", 0, 0, G_OPTION_ARG_INT64, &limit, "at most N events", "N" },
		G_OPTION_ENTRY_NULL
	};
	kenchi_event_filter_t f = { 0 };
	events_out_t out;
	kenchi_status_t st;
	int rc;

	if ((rc = kenchi_cli_options("- list stored events", entries, &argc, &argv)) != 0)
		goto done;
	if (since && !kenchi_norm_date(since, &f.since)) {
		kenchi_err("events: --since: not a date: %s", since);
		rc = KENCHI_EXIT_USAGE;
		goto done;
	}
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		goto done;
	kenchi_app_warn_customer(app, customer);
	f.customer = customer;
	f.limit = limit;
	f.case_id = case_id;
	out.json = json;
	if (!json)
		printf("%-6s %-25s %-10s %-26s %-18s %-8s %s\n", "ID", "DATE", "CUSTOMER", "EVENT TYPE", "HOST", "SEVERITY", "DETECTION");
	st = kenchi_store_events_each(app->st, &f, print_event, &out);
	if (st != KENCHI_OK) {
		kenchi_err("events: %s", kenchi_store_errmsg(app->st));
		rc = kenchi_status_to_exit(st);
	}
done:
	g_free(customer);
	g_free(since);
	return rc;
}
