/* imap_config.h: the [imap NAME] sections of kenchi.conf, one IMAP account
 * (one mailbox, typically one customer) each.
 *
 *   [imap alerts]
 *   host = imap.example.jp
 *   # port: default 993 for tls, else 143
 *   port = 993
 *   # tls: none | starttls | tls (default tls)
 *   tls = tls
 *   # ca_file: default the system trust store
 *   ca_file = /etc/kenchi/ca.pem
 *   user = soc-alerts
 *   # password_file: mode 0600
 *   password_file = /etc/kenchi/imap.password
 *   mailbox = INBOX
 *   # processed: move there after the commit; empty: set flag (with \Seen)
 *   processed = Processed
 *   flag = $KenchiDone
 *   # customer: optional, as --customer
 *   customer = acme
 *   # batch: messages per UID FETCH; idle_max < 29m (RFC 2177); poll without IDLE
 *   batch = 500
 *   idle_max = 25m
 *   poll = 60s
 *
 * (GKeyFile has no trailing comments: a comment is a line of its own.)
 *
 * The password is read at load time, so a file other users can read is a
 * configuration error with file:line, found by `kenchi check-config`, not a
 * surprise at the first connection. */
#ifndef KENCHI_IMAP_CONFIG_H
#define KENCHI_IMAP_CONFIG_H

#include <glib.h>
#include "util/config.h"
#include "util/status.h"

typedef enum {
	KENCHI_IMAP_TLS_NONE,      /* plain text: tests and loopback only */
	KENCHI_IMAP_TLS_STARTTLS,
	KENCHI_IMAP_TLS_IMPLICIT   /* "tls": TLS from the first byte (imaps) */
} kenchi_imap_tls_t;

typedef struct {
	char *name;          /* owned: the group name after "imap " */
	char *host;          /* owned */
	int port;
	kenchi_imap_tls_t tls;
	char *ca_file;       /* owned; NULL: system trust store */
	char *user;          /* owned */
	char *password;      /* owned; wiped on free */
	char *mailbox;       /* owned */
	char *processed;     /* owned; NULL: flag instead of moving */
	char *flag;          /* owned; keyword set with \Seen in flag mode */
	char *customer;      /* owned; NULL: assigned from the recipients */
	int batch;           /* messages per UID FETCH */
	int idle_max_s;      /* one IDLE lasts at most this long */
	int poll_s;          /* poll interval without IDLE */
	char *source;        /* owned: "imap:NAME/MAILBOX", the position's key */
} kenchi_imap_account_t;

/* Every [imap NAME] group of CFG->kf, in file order, as a GPtrArray of
 * kenchi_imap_account_t* (owned by the array: g_ptr_array_unref frees
 * them).  Each problem is appended to ERRORS as one "file:line: message"
 * line and loading goes on; an account with an error is left out.  Returns
 * NULL only when CFG has no parsed file (no accounts, no errors). */
GPtrArray *kenchi_imap_accounts_load(const kenchi_config_t *cfg, GString *errors);

/* The account called NAME, or with NAME NULL the first one; NULL if none. */
const kenchi_imap_account_t *kenchi_imap_account_find(GPtrArray *accounts, const char *name);

void kenchi_imap_account_free(kenchi_imap_account_t *a);

const char *kenchi_imap_tls_to_string(kenchi_imap_tls_t t);

#endif
