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
 * not quoted) says where it ends when a From_ line or the end is there. */
void kenchi_mbox_message(const char *base, gsize len, gsize at, gsize *start, gsize *next);

/* Is the line at P (of a buffer ending at END) a From_ line: "From " and
 * the envelope sender, then a date with a time and a year, or a header
 * of the next message on the line after it? */
gboolean kenchi_mbox_from_line(const char *p, const char *end);

#endif
