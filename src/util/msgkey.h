/* msgkey.h: the integer index keys of a stored message: ingest.c computes
 * them, store_messages.c looks messages up by them, schema.c's migration 8
 * computes those of the messages already stored.  A pure function of the
 * message's bytes and the keyed text, so that a key computed at ingest and
 * one computed by the migration from the stored raw message agree. */
#ifndef KENCHI_MSGKEY_H
#define KENCHI_MSGKEY_H

#include <glib.h>

/* The key of TEXT (the raw SHA-256, or the content key) for the message
 * RAW[0..LEN): the day of its Date header (0 when it has none that parses)
 * in the high bits, a hash of TEXT below.  Non-negative.  Keys of
 * different texts can be equal: a lookup compares the text too. */
gint64 kenchi_msg_key(const char *raw, gsize len, const char *text);

/* The same from the day that kenchi_msg_date_day gave: one date parse for
 * a message's two keys. */
gint64 kenchi_msg_key_day(int day, const char *text);

/* The day (days since 1970-01-01 UTC) of RAW's Date header, 0 when none
 * parses.  Only the header block is read, at most its first 64 KB. */
int kenchi_msg_date_day(const char *raw, gsize len);

/* The content key of a message: MESSAGE_ID and the SHA-256 of its body,
 * trailing white space left out (procmail appends a newline to a message
 * that does not end in an empty line; maildrop does not) and CRLF read as
 * LF, so that the same mail delivered again with other Received lines, or
 * with the other line ends, is known; NULL without a Message-ID.  g_free. */
char *kenchi_msg_content_key(const char *message_id, const char *raw, gsize len);

#endif
