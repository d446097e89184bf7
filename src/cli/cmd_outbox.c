/* cmd_outbox.c: `kenchi preview N`, `kenchi outbox [...]`, `kenchi send`. */
#include <string.h>
#include "cli/cli.h"
#include "parse/normalize.h"
#include "util/clock.h"
#include "parse/mime.h"

/* Print a built mail for a person: headers and text decoded to UTF-8. */
static void
print_decoded(const char *raw, gsize len)
{
	kenchi_mail_t *m = NULL;
	const char *why = NULL, *hdr_end;
	gsize i;

	/* The address headers as they are (ASCII addresses). */
	hdr_end = g_strstr_len(raw, len, "\r\n\r\n");
	for (i = 0; hdr_end && raw + i < hdr_end; ) {
		const char *eol = g_strstr_len(raw + i, hdr_end - raw - i + 2, "\r\n");
		gsize n = eol ? (gsize)(eol - raw - i) : 0;
		if (n && (g_ascii_strncasecmp(raw + i, "To:", 3) == 0 || g_ascii_strncasecmp(raw + i, "Cc:", 3) == 0 ||
		    g_ascii_strncasecmp(raw + i, "Message-Id:", 11) == 0 || g_ascii_strncasecmp(raw + i, "Reply-To:", 9) == 0))
			printf("%.*s\n", (int)n, raw + i);
		i += n + 2;
	}
	if (kenchi_mail_parse(raw, len, &m, &why) == KENCHI_OK) {
		printf("Subject: %s\n\n", m->subject ? m->subject : "");
		fwrite(m->text->str, 1, m->text->len, stdout);
		kenchi_mail_free(m);
	}
}

int
kenchi_cmd_preview(kenchi_app_t *app, int argc, char **argv)
{
	gboolean wire = FALSE;
	GOptionEntry entries[] = {
		{ "raw", 0, 0, G_OPTION_ARG_NONE, &wire, "print the mail as it would go on the wire", NULL },
		G_OPTION_ENTRY_NULL
	};
	kenchi_status_t st;
	kenchi_findings_t fd = { 0 };
	char *subject = NULL, *raw = NULL, *rcpts = NULL, *mid = NULL, *customer = NULL;
	gsize len = 0;
	gint64 id;
	int rc;

	if ((rc = kenchi_cli_options("N - the first report of case N", entries, &argc, &argv)) != 0)
		return rc;
	if (argc != 2 || !g_ascii_string_to_signed(argv[1], 10, 1, G_MAXINT64, &id, NULL)) {
		kenchi_err("usage: kenchi preview [--raw] N");
		return KENCHI_EXIT_USAGE;
	}
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_load_reports(app)) != 0 ||
	    (rc = kenchi_app_open_store(app)) != 0)
		return rc;
	st = kenchi_store_case_get(app->st, id, kenchi_take_case_customer, &customer);
	if (st == KENCHI_NOT_FOUND) {
		kenchi_err("preview: no case %" G_GINT64_FORMAT, id);
		return KENCHI_EXIT_FAIL;
	}
	/* The Message-ID its queued report carries, so that the preview is
	 * the mail on the wire (report round rp1 F16); a made-up one when none
	 * is queued. */
	if (st == KENCHI_OK && kenchi_store_findings_get(app->st, id, &fd) == KENCHI_OK && fd.first_report)
		mid = kenchi_store_outbox_message_id(app->st, fd.first_report);
	kenchi_findings_clear(&fd);
	if (mid == NULL)
		mid = kenchi_report_message_id(app->cfg, "preview", id);
	if (st == KENCHI_OK)
		st = kenchi_report_build_first(app->reports, app->st, customer, &id, 1, mid, kenchi_now(),
		    &subject, &raw, &len, &rcpts);
	if ((st == KENCHI_NOT_FOUND || st == KENCHI_BAD_INPUT) && raw) {
		/* No recipients configured, or none a mail header can hold:
		 * show what would be said anyway. */
		printf("Subject: %s\n(%s customer %s)\n\n", subject, st == KENCHI_NOT_FOUND ? "no report_to configured for" :
		    "an address of kenchi.conf cannot go in a mail header (see check-config) for", customer);
		fwrite(raw, 1, len, stdout);
		st = KENCHI_OK;
	} else if (st == KENCHI_OK && wire) {
		fwrite(raw, 1, len, stdout);
	} else if (st == KENCHI_OK) {
		print_decoded(raw, len);
	} else {
		kenchi_err("preview: %s", kenchi_status_to_string(st));
	}
	g_free(subject);
	g_free(raw);
	g_free(rcpts);
	g_free(mid);
	g_free(customer);
	return kenchi_status_to_exit(st);
}

typedef struct {
	gboolean json;
	gboolean raw;
} outbox_out_t;

static gboolean
print_outbox(const kenchi_outbox_row_t *r, gpointer user)
{
	outbox_out_t *o = user;
	char *created = kenchi_format_date(r->created_at);

	if (o->raw) {
		for (gsize i = 0; i < r->raw_len; i++)
			if (!(((const char *)r->raw)[i] == '\r'))
				fputc(((const char *)r->raw)[i], stdout);
	} else if (o->json) {
		JsonObject *ob = json_object_new();
		JsonNode *n = json_node_new(JSON_NODE_OBJECT);
		JsonArray *rc = json_array_new();
		char **lines = g_strsplit(r->rcpts ? r->rcpts : "", "\n", -1);

		json_object_set_int_member(ob, "id", r->id);
		json_object_set_string_member(ob, "kind", r->kind);
		if (r->case_id)
			json_object_set_int_member(ob, "case_id", r->case_id);
		if (r->customer)
			json_object_set_string_member(ob, "customer", r->customer);
		json_object_set_string_member(ob, "state", r->state);
		json_object_set_string_member(ob, "message_id", r->message_id);
		for (char **l = lines; *l; l++)
			if (**l)
				json_array_add_string_element(rc, *l);
		g_strfreev(lines);
		json_object_set_array_member(ob, "rcpts", rc);
		if (r->subject)
			json_object_set_string_member(ob, "subject", r->subject);
		if (r->cases)
			json_object_set_string_member(ob, "cases", r->cases);
		json_object_set_int_member(ob, "attempts", r->attempts);
		if (r->last_error)
			json_object_set_string_member(ob, "last_error", r->last_error);
		json_object_set_string_member(ob, "created_at", created);
		if (r->sent_at) {
			char *s = kenchi_format_date(r->sent_at);
			json_object_set_string_member(ob, "sent_at", s);
			g_free(s);
		} else {
			char *s = kenchi_format_date(r->next_attempt);
			json_object_set_string_member(ob, "next_attempt", s);
			g_free(s);
		}
		if (r->due) {
			char *s = kenchi_format_date(r->due);
			json_object_set_string_member(ob, "due", s);
			g_free(s);
		}
		json_node_take_object(n, ob);
		kenchi_print_json_line(n);
		json_node_unref(n);
	} else {
		printf("%-5" G_GINT64_FORMAT " %-13s %-5" G_GINT64_FORMAT " %-8s %-7s %2d %-25s %.50s%s%s\n", r->id, r->kind,
		    r->case_id, r->customer ? r->customer : "-", r->state, r->attempts, created,
		    r->subject ? r->subject : "", r->last_error ? "  ! " : "", r->last_error ? r->last_error : "");
	}
	g_free(created);
	return TRUE;
}

static gboolean
collect_ids(const kenchi_outbox_row_t *r, gpointer user)
{
	g_array_append_val((GArray *)user, r->id);
	return TRUE;
}

int
kenchi_cmd_outbox(kenchi_app_t *app, int argc, char **argv)
{
	gboolean json = FALSE, all = FALSE, show = FALSE, readdress = FALSE;
	char *state = NULL;
	gint64 case_id = 0;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object a line", NULL },
		{ "state", 0, 0, G_OPTION_ARG_STRING, &state, "only rows in this state (pending held sent failed)", "STATE" },
		{ "case", 0, 0, G_OPTION_ARG_INT64, &case_id, "only rows of case N", "N" },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &all, "release: every held row", NULL },
		{ "show", 0, 0, G_OPTION_ARG_NONE, &show, "print the messages themselves", NULL },
		{ "readdress", 0, 0, G_OPTION_ARG_NONE, &readdress,
		  "retry: a first report, rendered again for the customer's addresses as configured now", NULL },
		G_OPTION_ENTRY_NULL
	};
	kenchi_outbox_filter_t f = { 0 };
	outbox_out_t out = { 0 };
	kenchi_status_t st = KENCHI_OK;
	int rc;

	if ((rc = kenchi_cli_options("[retry [--readdress] N | release N|--all] - the outbox", entries, &argc, &argv)) != 0)
		goto done;
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		goto done;
	if (argc >= 2 && (strcmp(argv[1], "retry") == 0 || strcmp(argv[1], "release") == 0)) {
		GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
		gboolean release = argv[1][1] == 'e' && argv[1][2] == 'l';
		gint64 now = kenchi_now(), id;
		guint i;

		if (release && all) {
			kenchi_outbox_filter_t hf = { .state = "held" };
			st = kenchi_store_outbox_each(app->st, &hf, collect_ids, ids);
		} else if (argc == 3 && g_ascii_string_to_signed(argv[2], 10, 1, G_MAXINT64, &id, NULL)) {
			g_array_append_val(ids, id);
		} else {
			kenchi_err("usage: kenchi outbox retry [--readdress] N | release N | release --all");
			g_array_unref(ids);
			rc = KENCHI_EXIT_USAGE;
			goto done;
		}
		if (readdress && !release && ids->len == 1) {
			/* An address fixed in the configuration since the row was
			 * queued: the report goes to the new one. */
			GError *err = NULL;
			kenchi_reports_t *rx = kenchi_reports_new(app->cfg, &err);
			const char *why = NULL;

			if (rx == NULL) {
				kenchi_err("outbox: %s", err->message);
				g_error_free(err);
				g_array_unref(ids);
				rc = KENCHI_EXIT_CONFIG;
				goto done;
			}
			if ((st = kenchi_store_begin(app->st)) == KENCHI_OK)
				st = kenchi_report_readdress(rx, app->st, g_array_index(ids, gint64, 0), now, &why);
			if (st == KENCHI_OK)
				st = kenchi_store_commit(app->st);
			else
				kenchi_store_rollback(app->st);
			kenchi_reports_free(rx);
			if (st == KENCHI_OK)
				printf("outbox: row %" G_GINT64_FORMAT " addressed again and queued for retry\n",
				    g_array_index(ids, gint64, 0));
			else if (why)
				kenchi_err("outbox: row %" G_GINT64_FORMAT ": %s", g_array_index(ids, gint64, 0), why);
			else
				kenchi_err("outbox: %s: nothing changed, try again", kenchi_status_to_string(st));
			rc = st == KENCHI_OK ? 0 : why ? KENCHI_EXIT_FAIL : kenchi_status_to_exit(st);
			g_array_unref(ids);
			goto done;
		} else if (readdress) {
			kenchi_err("usage: kenchi outbox retry --readdress N");
			g_array_unref(ids);
			rc = KENCHI_EXIT_USAGE;
			goto done;
		}
		if (st == KENCHI_OK)
			st = kenchi_store_begin(app->st);
		for (i = 0; i < ids->len && st == KENCHI_OK; i++) {
			/* Retry and release both make the row sendable now; the
			 * Message-ID stays, so a resend is recognisably the same mail. */
			st = kenchi_store_outbox_requeue(app->st, g_array_index(ids, gint64, i), now);
			if (st == KENCHI_NOT_FOUND) {
				gint64 row = g_array_index(ids, gint64, i);
				char *was = kenchi_store_outbox_state(app->st, row);

				if (g_strcmp0(was, "withdrawn") == 0)
					kenchi_err("outbox: row %" G_GINT64_FORMAT " was withdrawn: an allow entry suppressed"
					    " its cases before it went out, and it is never sent", row);
				else
					kenchi_err("outbox: no row %" G_GINT64_FORMAT " that is failed, held or pending (a"
					    " sent report is never sent again)", row);
				g_free(was);
				rc = KENCHI_EXIT_FAIL;
			}
		}
		if (st == KENCHI_OK) {
			st = kenchi_store_commit(app->st);
			if (st == KENCHI_OK)
				printf("outbox: %u row(s) %s\n", ids->len, release ? "released" : "queued for retry");
		} else {
			kenchi_store_rollback(app->st);
		}
		g_array_unref(ids);
		if (st != KENCHI_OK && st != KENCHI_NOT_FOUND) {
			kenchi_err("outbox: %s: nothing changed, try again", kenchi_status_to_string(st));
			rc = kenchi_status_to_exit(st);
		}
		goto done;
	}
	if (argc >= 2) {
		kenchi_err("outbox: unknown action \"%s\" (retry, release)", argv[1]);
		rc = KENCHI_EXIT_USAGE;
		goto done;
	}
	f.state = state;
	f.case_id = case_id;
	f.with_raw = show;
	out.json = json;
	out.raw = show;
	if (!json && !show)
		printf("%-5s %-13s %-5s %-8s %-7s %2s %-25s %s\n", "ID", "KIND", "CASE", "CUSTOMER", "STATE", "TR",
		    "CREATED", "SUBJECT");
	st = kenchi_store_outbox_each(app->st, &f, print_outbox, &out);
	if (st != KENCHI_OK) {
		kenchi_err("outbox: %s", kenchi_store_errmsg(app->st));
		rc = kenchi_status_to_exit(st);
	}
done:
	g_free(state);
	return rc;
}
