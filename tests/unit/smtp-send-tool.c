/* smtp-send-tool: send CRLF message files in ONE SMTP session through
 * kenchi_smtp_send, for tests/e2e/060-smtp.sh.
 *
 *   smtp-send-tool HOST PORT FROM RCPT FILE...
 *
 * Prints one line per message, "<status> <code> <detail>", where status is
 * OK, TEMP, FINAL, BAD_INPUT, CONFIG or FAIL; exits 0 when every message
 * was accepted, 1 otherwise, 64 on usage errors.  Environment, for tests
 * of the config paths: SMTP_TLS (none|starttls|tls), SMTP_USER,
 * SMTP_PASSWORD, SMTP_TIMEOUT (seconds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include "report/smtp.h"

static const char *
status_word(kenchi_status_t st)
{
	switch (st) {
	case KENCHI_OK: return "OK";
	case KENCHI_TEMP: return "TEMP";
	case KENCHI_WAIT: return "WAIT";
	case KENCHI_FINAL: return "FINAL";
	case KENCHI_BAD_INPUT: return "BAD_INPUT";
	case KENCHI_CONFIG: return "CONFIG";
	default: return "FAIL";
	}
}

int
main(int argc, char **argv)
{
	kenchi_smtp_config_t cfg = { 0 };
	kenchi_smtp_msg_t *msgs;
	const char *rcpts[2];
	char **bufs;
	int i, nmsg, rc = 0;
	char *end;
	long port;

	if (argc < 6) {
		fprintf(stderr, "usage: %s HOST PORT FROM RCPT FILE...\n", argv[0]);
		return 64;
	}
	port = strtol(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "%s: bad port %s\n", argv[0], argv[2]);
		return 64;
	}
	cfg.host = argv[1];
	cfg.port = (int)port;
	cfg.tls = getenv("SMTP_TLS");
	cfg.user = getenv("SMTP_USER");
	cfg.password = getenv("SMTP_PASSWORD");
	cfg.helo = "kenchi-test.invalid";
	cfg.timeout_s = getenv("SMTP_TIMEOUT") ? atoi(getenv("SMTP_TIMEOUT")) : 10;
	rcpts[0] = argv[4];
	rcpts[1] = NULL;

	nmsg = argc - 5;
	msgs = g_new0(kenchi_smtp_msg_t, nmsg);
	bufs = g_new0(char *, nmsg);
	for (i = 0; i < nmsg; i++) {
		GError *err = NULL;
		gsize len = 0;

		if (!g_file_get_contents(argv[5 + i], &bufs[i], &len, &err)) {
			fprintf(stderr, "%s: %s\n", argv[0], err->message);
			g_error_free(err);
			rc = 66;
			goto done;
		}
		msgs[i].envelope_from = argv[3];
		msgs[i].rcpts = rcpts;
		msgs[i].data = bufs[i];
		msgs[i].len = len;
	}
	kenchi_smtp_send(&cfg, msgs, (guint)nmsg);
	for (i = 0; i < nmsg; i++) {
		printf("%s %d %s\n", status_word(msgs[i].status), msgs[i].smtp_code,
		       msgs[i].detail ? msgs[i].detail : "");
		if (msgs[i].status != KENCHI_OK)
			rc = 1;
	}
done:
	for (i = 0; i < nmsg; i++) {
		kenchi_smtp_msg_clear(&msgs[i]);
		g_free(bufs[i]);
	}
	g_free(msgs);
	g_free(bufs);
	return rc;
}
