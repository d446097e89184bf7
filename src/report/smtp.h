/* smtp.h: send ready-made messages (from kenchi_mail_build) over one SMTP
 * session with libesmtp, and class each outcome for the outbox's retry
 * logic (util/status.h).
 *
 * The caller owns the config and the messages' input fields; libesmtp
 * retains nothing after kenchi_smtp_send returns.  Never prints, never
 * exits, and never lets a SIGPIPE from a dropped connection kill the
 * process.  One session per call; calls from different threads are safe
 * (libesmtp keeps its error state per thread). */
#ifndef KENCHI_REPORT_SMTP_H
#define KENCHI_REPORT_SMTP_H

#include <glib.h>
#include "util/status.h"

G_BEGIN_DECLS

typedef struct {
	const char *host;
	int port;               /* 1..65535 */
	const char *tls;        /* "none" (or NULL), "starttls" (required: no
	                         * STARTTLS offered or a certificate that does
	                         * not verify ends the session, KENCHI_FINAL),
	                         * "tls" (implicit TLS: libesmtp 1.1 cannot,
	                         * so KENCHI_CONFIG) */
	const char *user;       /* NULL for no AUTH */
	const char *password;   /* required with user */
	const char *helo;       /* EHLO name, or NULL for the host name */
	int timeout_s;          /* per protocol step; <= 0 means 60.  Does not
	                         * bound connect(): see smtp.c */
} kenchi_smtp_config_t;

typedef struct {
	/* input, owned by the caller */
	const char *envelope_from;    /* "" for the null reverse path */
	const char *const *rcpts;     /* NULL-terminated, at least one */
	const char *data;             /* CRLF message (kenchi_mail_build) */
	gsize len;
	/* results, written by kenchi_smtp_send */
	kenchi_status_t status;       /* KENCHI_OK: accepted (2xx after DATA);
	                               * KENCHI_TEMP: connection refused or lost,
	                               *   timeout, 4xx, all recipients 4xx;
	                               * KENCHI_FINAL: 5xx for the message or for
	                               *   every recipient, AUTH refused;
	                               * KENCHI_BAD_INPUT: not sent, the message
	                               *   or an address was malformed;
	                               * KENCHI_CONFIG: not sent, bad config */
	int smtp_code;                /* the deciding reply code, 0 if none */
	char *detail;                 /* owned (g_free or kenchi_smtp_msg_clear):
	                               * human-readable reason, or NULL.  On OK
	                               * it lists recipients that were refused,
	                               * if any (the message was still accepted
	                               * for the others: do not resend) */
} kenchi_smtp_msg_t;

/* Send the N messages in MSGS over one session, in order.  The result
 * fields are overwritten; DETAIL must be NULL or an earlier result on entry
 * (it is freed).  Returns KENCHI_OK when the session ran, each message then
 * carrying its own status; otherwise the session-level class (KENCHI_TEMP:
 * connection refused, timeout, greeting/EHLO 4xx, DNS; KENCHI_FINAL:
 * greeting 5xx; KENCHI_CONFIG: bad config) and every message that was not
 * refused as KENCHI_BAD_INPUT carries that class too. */
kenchi_status_t kenchi_smtp_send(const kenchi_smtp_config_t *cfg,
                                 kenchi_smtp_msg_t *msgs, guint n);

/* Free the result fields of M (not the input) and reset them. */
void kenchi_smtp_msg_clear(kenchi_smtp_msg_t *m);

G_END_DECLS

#endif /* KENCHI_REPORT_SMTP_H */
