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

/* The contents of the file PATH, read into memory (never mapped: a file
 * truncated meanwhile would be a SIGBUS), or NULL with ERROR set
 * (G_FILE_ERROR, the errno's domain).  Only a regular file is read: a FIFO
 * would wait for a writer and /dev/zero never end. */
GBytes *kenchi_read_file(const char *path, GError **error);
/* The same, but a file of STREAM_MIN bytes or more (0: none) that starts
 * an mbox is not read: *IS_MBOX is set and empty bytes come back, for the
 * mbox reader (source/mbox.h) to stream it.  IS_MBOX may be NULL. */
GBytes *kenchi_read_file_sniff(const char *path, gsize stream_min, gboolean *is_mbox, GError **error);
/* An mbox this large is streamed, not read whole. */
#define KENCHI_MBOX_STREAM_MIN (1 << 20)

/* Where the mbox in the LEN bytes at P begins: its first "From " line,
 * after a UTF-8 BOM and blank lines that tools put before it (Windows
 * editors write the BOM; `cat a.mbox b.mbox` and `echo >>` the blank line:
 * such a file was one message of a thousand events, the rest lost).  -1
 * when the bytes are no mbox. */
static inline gssize
kenchi_mbox_start(const char *p, gsize len)
{
	gsize i = len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0, line = i;

	for (; i < len && (p[i] == '\n' || p[i] == '\r' || p[i] == ' ' || p[i] == '\t'); i++)
		if (p[i] == '\n')
			line = i + 1;
	return len - line >= 5 && memcmp(p + line, "From ", 5) == 0 ? (gssize)line : -1;
}

/* Do the LEN bytes at P start an mbox (kenchi_mbox_start)? */
static inline gboolean
kenchi_is_mbox(const char *p, gsize len)
{
	return kenchi_mbox_start(p, len) >= 0;
}

#endif
