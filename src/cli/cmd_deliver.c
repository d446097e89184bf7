/* cmd_deliver.c: `kenchi deliver [--customer ID]`, the procmail/maildrop
 * hook.  Reads one message on stdin, stores it and its events in one
 * transaction, and exits 0 only after the commit.  Temporary trouble (busy
 * database past the timeout, full disk, no memory) exits 75 so that the
 * delivery agent keeps the message and retries.  Mail that is not an alert,
 * or is broken, is stored with its reason and still exits 0.
 * With [kenchi] socket set and the daemon listening, the `kenchi` front
 * (front.c) hands the message to the daemon and this is not reached. */
#include "cli/cli.h"

/* A message this large is matched with JIT-compiled rules.  Below it the
 * interpreter's matches cost less than JIT-compiling every rule, the
 * costliest step of a hook's start (a 6 KB alert, 5 alternating runs of
 * `perf stat -r 200`: 8.35 ms with JIT, 8.03 ms without); above it a
 * long message, a hostile one above all, is matched at JIT speed.  Both
 * honour the same limits. */
#define DELIVER_JIT_MIN (64 * 1024)

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
	st = kenchi_read_all(stdin, &raw);
	if (st == KENCHI_OK && raw->len < DELIVER_JIT_MIN)
		kenchi_re_set_jit(FALSE);
	if ((rc = kenchi_app_load(app, TRUE)) != 0)
		goto done;
	app->load_on_demand = TRUE;
	if (!kenchi_app_customer_known(app, customer)) {
		/* Exit 78: the recipes keep the message in their fallback. */
		kenchi_err("deliver: --customer %s: no such customer in the configuration (%s): not stored", customer,
		    app->cfg->path ? app->cfg->path : "built-in defaults");
		rc = KENCHI_EXIT_CONFIG;
		goto done;
	}
	if (st == KENCHI_BAD_INPUT) {
		/* Exit 65: the recipes keep it in their fallback maildir. */
		kenchi_err("deliver: the message is larger than %" G_GSIZE_FORMAT " bytes (KENCHI_MESSAGE_MAX): "
		    "not stored", kenchi_message_max());
		rc = kenchi_status_to_exit(st);
		goto done;
	}
	if (st != KENCHI_OK) {
		/* Whatever the error (a closed stdin, a directory): nothing was
		 * stored, and the delivery agent keeps the message on 75, as
		 * kenchi(1) says and as the socket's front does (round 33a). */
		kenchi_err("deliver: reading stdin: %s (temporary failure)", kenchi_status_to_string(st));
		rc = KENCHI_EXIT_TEMPFAIL;
		goto done;
	}
	m = kenchi_re_match_new();
	if ((rc = kenchi_app_open_store(app)) != 0)
		goto done;
	kenchi_store_hook(app->st);
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
