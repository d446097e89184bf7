/* deliver_client.h: `kenchi deliver` handing its message to the running
 * daemon over a UNIX socket ([kenchi] socket), as an MTA hands mail to an
 * LMTP server.  The hook then costs a process start and one round trip:
 * the daemon has the rules compiled, the templates loaded and the database
 * open, and answers only after its commit.  Without a daemon listening the
 * hook stores the message itself.  The daemon's side is deliver_socket.h.
 *
 * The exchange, one message per connection:
 *   client: "KENCHI/1 DELIVER <length>[ <customer>]\n" then <length> bytes
 *   daemon: "<exit status> <text>\n"
 * The exit status is what `kenchi deliver` exits with (0 stored, 75
 * temporary); the text is the key=value line of the message, or the
 * reason.  A connection lost before the answer is a 75: the delivery agent
 * retries, and a message the daemon did commit is then a duplicate, which
 * ingest recognises by its content.
 *
 * GLib only (no GMime, json-glib or SQLite): the `kenchi` front links it. */
#ifndef KENCHI_DELIVER_CLIENT_H
#define KENCHI_DELIVER_CLIENT_H

#include <glib.h>
#include <sys/un.h>
#include "util/status.h"

#define KENCHI_SOCKET_MAGIC "KENCHI/1 DELIVER "

/* Larger messages are stored by the hook itself: the daemon's main loop
 * would hold all of one in memory while its other sources wait. */
#define KENCHI_SOCKET_MAX_MESSAGE (32u * 1024 * 1024)

/* Hand RAW[0..len) to the daemon at PATH.  KENCHI_OK: the daemon answered,
 * *exit_code and *text (owned) say what to do.  KENCHI_NOT_FOUND: nobody
 * listens there (no daemon, a stale socket), or the message cannot go that
 * way: store it here instead.  KENCHI_TEMP: the connection broke after the
 * message was sent, or no answer came in TIMEOUT_S seconds; *text says
 * which. */
kenchi_status_t kenchi_deliver_via_socket(const char *path, const char *raw, gsize len, const char *customer,
    int timeout_s, int *exit_code, char **text);

/* Shared with the daemon's side. */
gboolean kenchi_sock_addr(const char *path, struct sockaddr_un *sa);
/* A customer ID travels as one token. */
gboolean kenchi_sock_token_ok(const char *s);
/* send() all of P[0..n), without SIGPIPE. */
gboolean kenchi_sock_send_all(int fd, const char *p, gsize n);

#endif
