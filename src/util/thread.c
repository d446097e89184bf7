/* thread.c: threads that leave the process's signals to its main thread
 * (see thread.h). */
#include "util/thread.h"

#include <pthread.h>
#include <signal.h>

GThread *
kenchi_thread_new(const char *name, GThreadFunc fn, gpointer data)
{
	/* The signals somebody may send a daemon, not those a fault raises. */
	static const int async[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
	                             SIGALRM, SIGCHLD, SIGPIPE, SIGWINCH, SIGURG };
	sigset_t block, saved;
	GThread *t;
	gsize i;

	sigemptyset(&block);
	for (i = 0; i < G_N_ELEMENTS(async); i++)
		sigaddset(&block, async[i]);
	/* A new thread inherits the mask of the thread that makes it. */
	pthread_sigmask(SIG_BLOCK, &block, &saved);
	t = g_thread_new(name, fn, data);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return t;
}
