/* mime_int.h: the helpers mime.c's walk shares with mime_headers.c and
 * mime_qp.c.  Not for use outside src/parse/mime*.c. */
#ifndef KENCHI_MIME_INT_H
#define KENCHI_MIME_INT_H

#include <gmime/gmime.h>
#include "parse/mime.h"

/* NAME's value decoded by kenchi's charset module, controls as spaces,
 * stripped (g_free), or NULL; *LOSSY set when a charset was not exact. */
char *kenchi_mime_header_text(GMimeObject *obj, const char *name, gboolean *lossy);
/* S without its angle brackets (g_free), or NULL when empty or folded. */
char *kenchi_mime_strip_angles(const char *s);
/* The mailboxes of LIST (groups opened), lower-case, appended to OUT. */
void kenchi_mime_add_addresses(GPtrArray *out, InternetAddressList *list);
/* The same for every NAME header of OBJ. */
void kenchi_mime_add_header_addresses(GPtrArray *out, GMimeObject *obj, const char *name);
/* Two From headers, or a From of several addresses or a group. */
gboolean kenchi_mime_from_many(GMimeMessage *msg);
/* The first From mailbox, lower-case (g_free), or NULL. */
char *kenchi_mime_first_from(GMimeMessage *msg);
/* The dates of the top Received header and of the one below it, each 0
 * when none or unreadable. */
void kenchi_mime_received_dates(GMimeObject *obj, gint64 *top, gint64 *next);
/* The Date header's time, a JST or KST zone read as +0900; 0 when none. */
gint64 kenchi_mime_sent_date(GMimeObject *obj);

/* M's header fields from MSG: addresses, ids, dates, the marks of automatic
 * and list mail. */
void kenchi_mime_read_headers(kenchi_mail_t *m, GMimeMessage *msg);

/* Quoted-printable read from SRC and decoded onto ARR, at most CAP bytes
 * (*TRUNCATED then), each line's trailing blanks left out (mime_qp.c). */
void kenchi_mime_qp_read(GMimeStream *src, gsize cap, GByteArray *arr, gboolean *truncated);
/* Base64 read from SRC and decoded onto ARR, up to CAP bytes; a padded
 * quantum ends a piece, and decoding begins anew after it (mime_b64.c). */
void kenchi_mime_b64_read(GMimeStream *src, gsize cap, GByteArray *arr, gboolean *truncated);

#endif
