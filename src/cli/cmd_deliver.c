/* cmd_deliver.c: `kenchi deliver [--customer ID]`, the procmail/maildrop
 * hook.  Reads one message on stdin, stores it and its events in one
 * transaction, and exits 0 only after the commit.  Temporary trouble (busy
 * database past the timeout, full disk, no memory) exits 75 so that the
 * delivery agent keeps the message and retries.  Mail that is not an alert,
 * or is broken, is stored with its reason and still exits 0.
 * With [kenchi] socket set and the daemon listening there, the message is
 * handed to the daemon instead (deliver_client.h): the hook then loads no
 * rules, templates or database. */
#include "cli/cli.h"
#include "cli/deliver_client.h"
#include "parse/mime.h"

/* The daemon's answer, or KENCHI_NOT_FOUND to store the message here. */
static kenchi_status_t
via_daemon(kenchi_app_t *app, const GByteArray *raw, const char *customer, int *rc)
{
	char *text = NULL;
	kenchi_status_t st;

	if (app->cfg->socket_path == NULL)
		return KENCHI_NOT_FOUND;
	/* The daemon may wait for the database as long as we would, and more. */
	st = kenchi_deliver_via_socket(app->cfg->socket_path, (const char *)raw->data, raw->len, customer,
	    app->cfg->busy_timeout_ms / 1000 + 30, rc, &text);
	if (st == KENCHI_OK && *rc == 0)
		kenchi_info("%s", text);
	else if (st == KENCHI_OK)
		kenchi_err("deliver: the daemon did not store it: %s", text);
	else if (st == KENCHI_TEMP) {
		kenchi_err("deliver: %s (temporary failure)", text);
		*rc = KENCHI_EXIT_TEMPFAIL;
	} else
		kenchi_debug("deliver: no daemon at %s; storing the message here", app->cfg->socket_path);
	g_free(text);
	return st;
}

int
kenchi_cmd_deliver(kenchi_app_t *app, int argc, char **argv)
{
	char *customer = NULL;   /* GOption allocates it */
	GOptionEntry entries[] = {
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "the customer this mailbox belongs to", "ID" },
		G_OPTION_ENTRY_NULL
	};
	kenchi_analysis_t a = { 0 };
	kenchi_re_match_t *m = NULL;
	kenchi_status_t st;
	GByteArray *raw = NULL;
	int rc;

	if ((rc = kenchi_cli_options("- store one message from stdin", entries, &argc, &argv)) != 0)
		return rc;
	if ((rc = kenchi_app_load_config(app)) != 0)
		goto done;
	st = kenchi_read_all(stdin, &raw);
	if (st != KENCHI_OK) {
		kenchi_err("deliver: reading stdin: %s", kenchi_status_to_string(st));
		rc = kenchi_status_to_exit(st);
		goto done;
	}
	if (via_daemon(app, raw, customer, &rc) != KENCHI_NOT_FOUND)
		goto done;
	kenchi_mime_init();
	if ((rc = kenchi_app_load(app, TRUE)) != 0)
		goto done;
	app->load_on_demand = TRUE;
	m = kenchi_re_match_new();
	if ((rc = kenchi_app_open_store(app)) != 0)
		goto done;
	st = kenchi_app_ingest(app, m, (const char *)raw->data, raw->len, "deliver", "stdin", customer, &a);
	if (st != KENCHI_OK) {
		/* Anything but a temporary failure still must not lose the mail:
		 * the recipes keep a copy when kenchi exits non-zero. */
		rc = kenchi_status_to_exit(st);
		goto done;
	}
	kenchi_app_log_message(&a, "deliver", NULL);
	rc = 0;
done:
	kenchi_analysis_clear(&a);
	kenchi_re_match_free(m);
	g_free(customer);
	if (raw)
		g_byte_array_unref(raw);
	return rc;
}
