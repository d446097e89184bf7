/* cmd_messages.c: `kenchi messages [--kind not_alert|error|alert] [--json]`:
 * what was stored but not understood, so that a person sees it; `kenchi
 * messages --show N` prints one raw message. */
#include <string.h>
#include "cli/cli.h"
#include "parse/normalize.h"

typedef struct {
	gboolean json;
} msgs_out_t;

static gboolean
print_msg(const kenchi_msg_row_t *m, gpointer user)
{
	msgs_out_t *out = user;
	char *d = kenchi_format_date(m->received_at);

	if (out->json) {
		JsonObject *o = json_object_new();
		JsonNode *n = json_node_new(JSON_NODE_OBJECT);
		json_object_set_int_member(o, "id", m->id);
		json_object_set_string_member(o, "kind", m->kind);
		if (m->reason)
			json_object_set_string_member(o, "reason", m->reason);
		json_object_set_string_member(o, "customer", m->customer);
		json_object_set_string_member(o, "source", m->source);
		if (m->origin)
			json_object_set_string_member(o, "origin", m->origin);
		if (m->message_id)
			json_object_set_string_member(o, "message_id", m->message_id);
		if (m->from_addr)
			json_object_set_string_member(o, "from", m->from_addr);
		if (m->subject)
			json_object_set_string_member(o, "subject", m->subject);
		json_object_set_string_member(o, "received_at", d);
		json_object_set_int_member(o, "size", (gint64)m->raw_len);
		json_object_set_int_member(o, "events", m->events);
		json_node_take_object(n, o);
		kenchi_print_json_line(n);
		json_node_unref(n);
	} else {
		printf("%-6" G_GINT64_FORMAT " %-9s %-10s %-25s %-30.30s %s\n", m->id, m->kind, m->customer, d,
		    m->subject ? m->subject : "-", m->reason ? m->reason : "");
	}
	g_free(d);
	return TRUE;
}

int
kenchi_cmd_messages(kenchi_app_t *app, int argc, char **argv)
{
	gboolean json = FALSE;
	char *kind = NULL, *customer = NULL;
	gint64 show = 0, limit = 0;
	GOptionEntry entries[] = {
		{ "kind", 0, 0, G_OPTION_ARG_STRING, &kind, "not_alert, error, alert (default: all but the alerts read whole)", "KIND" },
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "only this customer", "ID" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object a line", NULL },
		{ "show", 0, 0, G_OPTION_ARG_INT64, &show, "print the raw bytes of message N", "N" },
		{ "limit", 0, 0, G_OPTION_ARG_INT64, &limit, "at most N messages", "N" },
		G_OPTION_ENTRY_NULL
	};
	kenchi_msg_filter_t f = { 0 };
	msgs_out_t out;
	kenchi_status_t st;
	int rc;

	if ((rc = kenchi_cli_options("- list stored messages that are not alerts", entries, &argc, &argv)) != 0)
		goto done;
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		goto done;
	kenchi_app_warn_customer(app, customer);
	if (show) {
		GBytes *raw = NULL;
		st = kenchi_store_message_raw(app->st, show, &raw);
		if (st == KENCHI_OK) {
			gsize n;
			const void *p = g_bytes_get_data(raw, &n);
			fwrite(p, 1, n, stdout);
			g_bytes_unref(raw);
		} else {
			kenchi_err("messages: %" G_GINT64_FORMAT ": %s", show, kenchi_status_to_string(st));
			rc = st == KENCHI_NOT_FOUND ? KENCHI_EXIT_FAIL : kenchi_status_to_exit(st);
		}
		goto done;
	}
	f.kind = kind;
	f.customer = customer;
	f.limit = limit;
	out.json = json;
	if (!json)
		printf("%-6s %-9s %-10s %-25s %-30s %s\n", "ID", "KIND", "CUSTOMER", "RECEIVED", "SUBJECT", "REASON");
	st = kenchi_store_messages_each(app->st, &f, print_msg, &out);
	if (st != KENCHI_OK) {
		kenchi_err("messages: %s", kenchi_store_errmsg(app->st));
		rc = kenchi_status_to_exit(st);
	}
done:
	g_free(kind);
	g_free(customer);
	return rc;
}
