/* imap_threads.c: placeholder until the IMAP source lands: no accounts. */
#include "source/imap_run.h"

kenchi_imap_threads_t *
kenchi_imap_threads_start(kenchi_app_t *app, int *started)
{
	return NULL;
}

void
kenchi_imap_threads_stop(kenchi_imap_threads_t *t)
{
}
