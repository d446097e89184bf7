/* imap_eof.h: end of file is an error on an IMAP stream.
 *
 * libetpan 1.9.4 reads a literal ("{n}" and n bytes: every message body the
 * IMAP source fetches) in a loop that ends only when n bytes have come or a
 * read returns -1 (mailimap_literal_parse_progress).  Its socket and TLS
 * drivers return 0 at end of file, so a connection the peer closes in the
 * middle of a message (FIN; or RST, after which recv() reports end of file)
 * makes that loop spin at 100% CPU for ever: select() says readable, read()
 * says 0.  The I/O timeout never fires, the account never reconnects, and
 * SIGTERM cannot join its thread (tests/e2e/095-imap-faults.sh).
 *
 * The guard stacks a thin driver of ours on the stream's real one, which
 * reports end of file as an error and passes everything else through, the
 * way libetpan's own COMPRESS layer stacks on a stream.  libetpan's parser
 * reads only when it needs more bytes, so for an IMAP client end of file is
 * always an error. */
#ifndef KENCHI_IMAP_EOF_H
#define KENCHI_IMAP_EOF_H

#include <glib.h>
#include <libetpan/libetpan.h>

/* Stack the guard on S, once it is connected (after STARTTLS, which
 * replaces the stream's driver itself).  The stream owns it from then on:
 * mailimap_free() frees both.  FALSE when out of memory (S is unchanged). */
gboolean kenchi_imap_eof_guard(mailstream *s);

#endif
