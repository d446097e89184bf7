/* deliver_socket.h: the daemon's side of the deliver socket (the exchange
 * is described in deliver_client.h): `kenchi run` listens on [kenchi]
 * socket and stores each message it is handed with everything it has
 * loaded, answering after the commit. */
#ifndef KENCHI_DELIVER_SOCKET_H
#define KENCHI_DELIVER_SOCKET_H

#include "cli/cli.h"
#include "cli/deliver_client.h"

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

#endif
