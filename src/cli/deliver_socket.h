/* deliver_socket.h: `kenchi deliver` handing its message to the running
 * daemon over a UNIX socket ([kenchi] socket), as an MTA hands mail to an
 * LMTP server.  The hook then costs a process start and one round trip:
 * the daemon has the rules compiled, the templates loaded and the database
 * open, and answers only after its commit.  Without a daemon listening the
 * hook stores the message itself, as before.
 *
 * The exchange, one message per connection:
 *   client: "KENCHI/1 DELIVER <length>[ <customer>]\n" then <length> bytes
 *   daemon: "<exit status> <text>\n"
 * The exit status is what `kenchi deliver` exits with (0 stored, 75
 * temporary); the text is the key=value line of the message, or the
 * reason.  A connection lost before the answer is a 75: the delivery agent
 * retries, and a message the daemon did commit is then a duplicate, which
 * ingest recognises by its content. */
#ifndef KENCHI_DELIVER_SOCKET_H
#define KENCHI_DELIVER_SOCKET_H

#include "cli/cli.h"

/* Larger messages are stored by the hook itself: the daemon's main loop
 * would hold all of one in memory while its other sources wait. */
#define KENCHI_SOCKET_MAX_MESSAGE (32u * 1024 * 1024)

/* Hand RAW[0..len) to the daemon at PATH.  KENCHI_OK: the daemon answered,
 * *exit_code and *text (owned) say what to do.  KENCHI_NOT_FOUND: nobody
 * listens there (no daemon, a stale socket): store it here instead.
 * KENCHI_TEMP: the connection broke after the message was sent, or no
 * answer came in TIMEOUT_S seconds; *text says which. */
kenchi_status_t kenchi_deliver_via_socket(const char *path, const char *raw, gsize len, const char *customer,
    int timeout_s, int *exit_code, char **text);

typedef struct kenchi_deliver_server kenchi_deliver_server_t;

/* Listen on PATH from the thread-default main loop, storing each message
 * with APP (configuration, rules, cases, reports and store loaded) and M.
 * NULL with *errmsg when PATH cannot be bound, or another daemon answers
 * there. */
kenchi_deliver_server_t *kenchi_deliver_server_new(kenchi_app_t *app, kenchi_re_match_t *m, const char *path,
    char **errmsg);
/* Closes every connection (their messages are not acknowledged, so their
 * hooks exit 75 and are retried) and removes the socket. */
void kenchi_deliver_server_free(kenchi_deliver_server_t *s);
guint64 kenchi_deliver_server_count(const kenchi_deliver_server_t *s);

#endif
