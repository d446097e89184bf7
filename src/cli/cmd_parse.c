/* cmd_parse.c: `kenchi parse [--json] FILE...`: the contract other tools
 * score.  One JSON object per input file (an mbox's messages together),
 * no database.  Exit 65 when any
 * file was an error, so scripts notice. */
#include <string.h>
#include "cli/cli.h"
#include "parse/extract.h"
#include "source/import_list.h"
#include "util/clock.h"
#include "util/input.h"

/* PATH's bytes into *HELD (g_bytes_unref), *RAW and *LEN, as import
 * reads them: a FIFO or a device is an error, not a wait or an endless
 * read.  A large file is mapped (kenchi_read_file()), and read in place:
 * a copy of it held the file twice (a 60 MB file peaked at 129 MB). */
static gboolean
read_file(const char *path, GBytes **held, const char **raw, gsize *len, GError **error)
{
	*held = kenchi_read_file(path, error);
	if (*held == NULL)
		return FALSE;
	*raw = g_bytes_get_data(*held, len);
	if (*raw == NULL)
		*raw = "";
	return TRUE;
}

/* An mbox holds many messages, split as import splits them: one object
 * still, with every message's events; its kind is the best of theirs
 * (an alert if any is), and its reason names each message that was not
 * an alert.  Returns the kind. */
static kenchi_kind_t
parse_mbox(kenchi_ingest_ctx_t *ctx, kenchi_re_match_t *m, const char *path, const char *raw, gsize len,
	   const kenchi_ingest_opts_t *opts0, gboolean text, JsonObject *o, JsonArray *evs)
{
	kenchi_import_walk_t *w = kenchi_import_walk_new(NULL, 0);
	kenchi_import_item_t *it = NULL;
	/* RAW outlives the walk and its items (all freed here): no copy. */
	GBytes *data = g_bytes_new_static(raw, len);
	GString *why = g_string_new(NULL);
	int alerts = 0, errors = 0, n = 0;
	kenchi_kind_t kind;

	kenchi_import_walk_defer_mbox(w);
	kenchi_import_walk_add_mbox(w, path, data);
	g_bytes_unref(data);
	while (kenchi_import_walk_next(w, &it, NULL) == KENCHI_OK && it != NULL) {
		kenchi_ingest_opts_t opts = *opts0;
		kenchi_analysis_t a;
		gsize ml = 0;
		const char *mp = it->data ? g_bytes_get_data(it->data, &ml) : "";

		opts.origin = it->origin;
		kenchi_ingest_analyse(ctx, m, mp, ml, &opts, &a);
		n++;
		if (text && a.mail)
			fwrite(a.mail->text->str, 1, a.mail->text->len, stdout);
		for (guint j = 0; a.x.events && j < a.x.events->len; j++)
			json_array_add_element(evs, kenchi_ingest_event_json(&a, j));
		if (a.x.kind == KENCHI_KIND_ALERT)
			alerts++;
		else {
			errors += a.x.kind == KENCHI_KIND_ERROR;
			g_string_append_printf(why, "%s%s: %s (%s)", why->len ? "; " : "", it->origin,
			    kenchi_kind_to_string(a.x.kind), a.x.reason ? a.x.reason : "");
		}
		kenchi_analysis_clear(&a);
		kenchi_import_item_free(it);
		it = NULL;
	}
	kenchi_import_walk_free(w);
	kind = alerts ? KENCHI_KIND_ALERT : errors ? KENCHI_KIND_ERROR : KENCHI_KIND_NOT_ALERT;
	json_object_set_string_member(o, "kind", kenchi_kind_to_string(kind));
	if (why->len) {
		char *r = g_strdup_printf("mbox of %d message(s), %d alert(s); %s", n, alerts, why->str);

		json_object_set_string_member(o, "reason", r);
		g_free(r);
	} else
		json_object_set_null_member(o, "reason");
	g_string_free(why, TRUE);
	return kind;
}

int
kenchi_cmd_parse(kenchi_app_t *app, int argc, char **argv)
{
	gboolean json = TRUE, text = FALSE;
	char *customer = NULL;   /* GOption allocates it */
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON (the default)", NULL },
		{ "text", 0, 0, G_OPTION_ARG_NONE, &text, "print the extraction text instead (debugging rules)", NULL },
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "assign this customer", "ID" },
		G_OPTION_ENTRY_NULL
	};
	kenchi_re_match_t *m;
	kenchi_ingest_ctx_t ctx;
	int rc, i, worst = 0;

	if ((rc = kenchi_cli_options("FILE... - parse alert mail or API JSON", entries, &argc, &argv)) != 0)
		return rc;
	if (argc < 2) {
		kenchi_err("parse: no files given");
		return KENCHI_EXIT_USAGE;
	}
	if ((rc = kenchi_app_load(app, TRUE)) != 0)
		return rc;
	ctx.cfg = app->cfg;
	ctx.rules = app->rules;
	ctx.cases = NULL;
	ctx.reports = NULL;
	m = kenchi_re_match_new();
	for (i = 1; i < argc; i++) {
		kenchi_ingest_opts_t opts = { .source = "parse", .origin = argv[i], .customer = customer };
		kenchi_analysis_t a;
		const char *raw = NULL;
		char *owned = NULL;
		GBytes *held = NULL;
		gsize len = 0;
		GError *err = NULL;
		JsonObject *o = json_object_new();
		JsonArray *evs = json_array_new();
		JsonNode *root;

		opts.now = kenchi_now();
		json_object_set_string_member(o, "file", argv[i]);
		if (strcmp(argv[i], "-") == 0 ? (kenchi_read_all(stdin, (GByteArray **)&owned) != KENCHI_OK)
		    : !read_file(argv[i], &held, &raw, &len, &err)) {
			json_object_set_string_member(o, "kind", "error");
			json_object_set_string_member(o, "reason", err ? err->message : "cannot read stdin");
			g_clear_error(&err);
			worst = KENCHI_EXIT_DATAERR;
		} else {
			if (strcmp(argv[i], "-") == 0) {
				GByteArray *arr = (GByteArray *)owned;
				len = arr->len;
				raw = owned = (char *)g_byte_array_free(arr, FALSE);
			}
			if (kenchi_is_mbox(raw, len)) {
				kenchi_kind_t kind = parse_mbox(&ctx, m, argv[i], raw, len, &opts, text, o, evs);

				if (kind == KENCHI_KIND_ERROR)
					worst = KENCHI_EXIT_DATAERR;
			} else {
				kenchi_ingest_analyse(&ctx, m, raw, len, &opts, &a);
				if (text && a.mail) {
					fwrite(a.mail->text->str, 1, a.mail->text->len, stdout);
				}
				json_object_set_string_member(o, "kind", kenchi_kind_to_string(a.x.kind));
				if (a.x.reason)
					json_object_set_string_member(o, "reason", a.x.reason);
				else
					json_object_set_null_member(o, "reason");
				for (guint j = 0; a.x.events && j < a.x.events->len; j++)
					json_array_add_element(evs, kenchi_ingest_event_json(&a, j));
				if (a.x.kind == KENCHI_KIND_ERROR)
					worst = KENCHI_EXIT_DATAERR;
				kenchi_analysis_clear(&a);
			}
		}
		json_object_set_array_member(o, "events", evs);
		root = json_node_new(JSON_NODE_OBJECT);
		json_node_take_object(root, o);
		if (!text)
			kenchi_print_json_line(root);
		json_node_unref(root);
		g_free(owned);
		if (held)
			g_bytes_unref(held);
	}
	g_free(customer);
	kenchi_re_match_free(m);
	return worst;
}
