/* thread.h: threads that leave the process's signals to its main thread.
 * The daemon takes SIGTERM, SIGINT and SIGHUP through GLib's main loop; the
 * kernel may hand a process-directed signal to any thread that does not
 * block it, and there it ends a poll(2) or select(2) in the middle of an
 * IMAP read with EINTR, which libetpan takes for a broken connection.
 * Who starts which thread is the caller's. */
#ifndef KENCHI_THREAD_H
#define KENCHI_THREAD_H

#include <glib.h>

/* g_thread_new(), with the asynchronous signals blocked in the new thread
 * (as GLib does for its own "gmain" worker).  Faults (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL) stay unblocked: they belong to the thread that made them. */
GThread *kenchi_thread_new(const char *name, GThreadFunc fn, gpointer data);

#endif
