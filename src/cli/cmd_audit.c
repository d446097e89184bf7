/* cmd_audit.c: `kenchi audit [--case N] [--json]`: every command mail, who
 * sent it, when, from which message, and with what result; rejected ones
 * (forged sender, wrong token) included. */
#include "cli/cli.h"
#include "parse/normalize.h"

static gboolean
print_audit(const kenchi_audit_row_t *a, gpointer user)
{
	gboolean json = GPOINTER_TO_INT(user);
	char *d = kenchi_format_date(a->created_at);

	if (json) {
		JsonObject *o = json_object_new();
		JsonNode *n = json_node_new(JSON_NODE_OBJECT);
		json_object_set_int_member(o, "id", a->id);
		if (a->case_id)
			json_object_set_int_member(o, "case_id", a->case_id);
		if (a->sender)
			json_object_set_string_member(o, "sender", a->sender);
		if (a->message_id)
			json_object_set_string_member(o, "message_id", a->message_id);
		if (a->command)
			json_object_set_string_member(o, "command", a->command);
		json_object_set_string_member(o, "result", a->result);
		json_object_set_boolean_member(o, "ok", a->ok);
		json_object_set_string_member(o, "at", d);
		json_node_take_object(n, o);
		kenchi_print_json_line(n);
		json_node_unref(n);
	} else {
		printf("%-25s case %-5" G_GINT64_FORMAT " %-28.28s %-40.40s %s\n", d, a->case_id, a->sender ? a->sender : "-",
		    a->command ? a->command : "(mail)", a->result);
	}
	g_free(d);
	return TRUE;
}

int
kenchi_cmd_audit(kenchi_app_t *app, int argc, char **argv)
{
	gboolean json = FALSE;
	gint64 case_id = 0;
	GOptionEntry entries[] = {
		{ "case", 0, 0, G_OPTION_ARG_INT64, &case_id, "only case N", "N" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object a line", NULL },
		G_OPTION_ENTRY_NULL
	};
	kenchi_status_t st;
	int rc;

	if ((rc = kenchi_cli_options("- the command audit trail", entries, &argc, &argv)) != 0)
		return rc;
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		return rc;
	st = kenchi_store_audit_each(app->st, case_id, print_audit, GINT_TO_POINTER(json));
	if (st != KENCHI_OK) {
		kenchi_err("audit: %s", kenchi_store_errmsg(app->st));
		return kenchi_status_to_exit(st);
	}
	return 0;
}
