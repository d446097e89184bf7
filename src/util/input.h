/* input.h: reading a whole stream (a delivered message on stdin) or file. */
#ifndef KENCHI_INPUT_H
#define KENCHI_INPUT_H

#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "util/status.h"

/* The largest message read from a stream (a delivery's stdin), unless the
 * environment's KENCHI_MESSAGE_MAX (bytes) says otherwise.  A bound is
 * needed: `deliver < /dev/zero` grew by 800 MB a second.  SQLite stores at
 * most 10^9 bytes in one value; an alert is a few KB; the hostile 50 MB
 * message of the tests is well inside. */
#define KENCHI_MESSAGE_MAX_DEFAULT ((gsize)256 << 20)
gsize kenchi_message_max(void);

/* Read all of FP into a byte array; KENCHI_TEMP on ENOMEM (or an
 * interrupted read), KENCHI_IO else, and KENCHI_BAD_INPUT once it holds
 * more than kenchi_message_max() bytes (the rest is not read). */
kenchi_status_t kenchi_read_all(FILE *fp, GByteArray **out);

/* Files up to this size are read into memory, larger ones mapped. */
#define KENCHI_READ_MAP_MIN (1024 * 1024)

/* The contents of the file PATH, or NULL with ERROR set (G_FILE_ERROR, the
 * errno's domain, as g_mapped_file_new sets it).  Only a regular file is
 * read: a FIFO would wait for a writer and /dev/zero never end.  A small file is read:
 * mapping it costs two system calls more and, in a process with several
 * threads, an unmap that interrupts every core to flush its TLB (an import
 * reads thousands of 4 KB files from its parser threads). */
GBytes *kenchi_read_file(const char *path, GError **error);

/* Do the LEN bytes at P start an mbox (a "From " line)? */
static inline gboolean
kenchi_is_mbox(const char *p, gsize len)
{
	return len >= 5 && memcmp(p, "From ", 5) == 0;
}

#endif
