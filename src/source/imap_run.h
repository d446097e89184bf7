/* imap_run.h: IMAP accounts as threads of the daemon.  Each [imap NAME]
 * account runs kenchi_imap_run() in its own thread with its own database
 * connection; stopping sets the stop flag, wakes the IDLE wait and joins. */
#ifndef KENCHI_IMAP_RUN_H
#define KENCHI_IMAP_RUN_H

#include "cli/cli.h"

typedef struct kenchi_imap_threads kenchi_imap_threads_t;

/* Start a thread per configured account; *started is increased by their
 * number.  NULL when there is none. */
kenchi_imap_threads_t *kenchi_imap_threads_start(kenchi_app_t *app, int *started);
/* Stop and join them all; NULL is fine. */
void kenchi_imap_threads_stop(kenchi_imap_threads_t *t);

#endif
