/* mbox.h: where the messages of an mbox are (mbox.c).  The walk
 * (import_list.c) cuts them out; this file says where one ends. */
#ifndef KENCHI_MBOX_H
#define KENCHI_MBOX_H

#include <glib.h>

/* The message whose "From " line is at offset AT of the LEN bytes at BASE:
 * it starts at *START (after that line), and the next "From " line is at
 * *NEXT (LEN after the last message).  A body line that begins "From "
 * and is no From_ line ("From here on, ...": mboxo quotes nothing) does
 * not end the message; a Content-Length header (mboxcl2, whose bodies are
 * not quoted) says where it ends when a From_ line or the end is there.
 * EOF: the bytes end where the mbox does; else *NEXT == LEN may mean that
 * more bytes are needed to tell (a stream's buffer).  *BY_LENGTH: the
 * Content-Length said where it ends (its body is the mail's own bytes). */
void kenchi_mbox_message(const char *base, gsize len, gsize at, gboolean eof, gsize *start, gsize *next,
			 gboolean *by_length);

/* Is the line at P (of a buffer ending at END) a From_ line: "From " and
 * the envelope sender, then a date with a time and a year, or a header
 * of the next message on the line after it? */
gboolean kenchi_mbox_from_line(const char *p, const char *end);

/* The messages of an mbox one after the other: from bytes held whole, or
 * streamed from a file, its buffer holding one message and a chunk.  The
 * first "From " line may come after a BOM and blank lines. */
typedef struct kenchi_mbox_reader kenchi_mbox_reader_t;

kenchi_mbox_reader_t *kenchi_mbox_reader_new_bytes(GBytes *data);   /* takes a reference */
/* NULL with *ERROR when PATH cannot be opened. */
kenchi_mbox_reader_t *kenchi_mbox_reader_new_file(const char *path, GError **error);
/* The next message's bytes (after its From_ line, up to the next), or
 * NULL at the end.  A read error ends the mbox, *ERROR set.  *VERBATIM:
 * its Content-Length framed it, so a body line ">From " is the mail's
 * (mboxcl2), not the mbox's quoting (mboxrd). */
GBytes *kenchi_mbox_reader_next(kenchi_mbox_reader_t *r, gboolean *verbatim, GError **error);
void kenchi_mbox_reader_free(kenchi_mbox_reader_t *r);

#endif
