/* msgkey.c: see msgkey.h.
 *
 * Why the day first: a hash alone puts each new message at a random place
 * of the index, so once the index outgrows SQLite's page cache every
 * message costs a page read to look up and a page write to insert, and a
 * database of a year of alerts is slower to add to than an empty one.
 * With the Date's day in front, the keys of a day's mail are neighbours:
 * a live feed touches the few pages of the last days, and a backlog the
 * pages of its own days.  The Date header, not the arrival: the same
 * bytes, and the same mail redelivered with other Received lines (the
 * content key), keep their Date, and so their key. */
#include <string.h>
#include <gmime/gmime.h>
#include "util/hash.h"
#include "util/msgkey.h"

#define HEADER_SCAN (64 * 1024)
#define DATE_VALUE_MAX 256
#define DAY_BITS 16     /* days since 1970 up to 2149 */

/* The value of the Date header, unfolded, in BUF; FALSE when there is none. */
static gboolean
date_value(const char *raw, gsize len, char *buf, gsize size)
{
	const char *p = raw, *end = raw + MIN(len, HEADER_SCAN);

	while (p < end) {
		const char *eol = memchr(p, '\n', (gsize)(end - p));
		const char *line_end = eol ? eol : end;

		if (line_end == p || (line_end == p + 1 && *p == '\r'))
			return FALSE;                   /* the end of the header block */
		if (line_end - p >= 5 && g_ascii_strncasecmp(p, "date:", 5) == 0) {
			const char *v = p + 5;
			gsize n = 0;

			/* The value, and its continuation lines. */
			for (;;) {
				for (; v < line_end && n + 1 < size; v++)
					buf[n++] = *v == '\r' || *v == '\0' ? ' ' : *v;
				if (line_end >= end || line_end + 1 >= end ||
				    (line_end[1] != ' ' && line_end[1] != '\t'))
					break;
				v = line_end + 1;
				eol = memchr(v, '\n', (gsize)(end - v));
				line_end = eol ? eol : end;
			}
			buf[n] = '\0';
			return TRUE;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return FALSE;
}

int
kenchi_msg_date_day(const char *raw, gsize len)
{
	char buf[DATE_VALUE_MAX];
	GDateTime *dt;
	gint64 t;

	if (raw == NULL || !date_value(raw, len, buf, sizeof buf))
		return 0;
	if ((dt = g_mime_utils_header_decode_date(buf)) == NULL)
		return 0;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	if (t < 0 || t / 86400 >= (1 << DAY_BITS))
		return 0;
	return (int)(t / 86400);
}

gint64
kenchi_msg_key_day(int day, const char *text)
{
	guint64 h = (guint64)kenchi_hash64(text, strlen(text));

	return (gint64)((guint64)day << (63 - DAY_BITS) | h >> (DAY_BITS + 1));
}

gint64
kenchi_msg_key(const char *raw, gsize len, const char *text)
{
	return kenchi_msg_key_day(kenchi_msg_date_day(raw, len), text);
}

char *
kenchi_msg_content_key(const char *message_id, const char *raw, gsize len)
{
	const char *body = NULL, *p;
	char *h, *k;
	gsize blen;

	if (message_id == NULL)
		return NULL;
	for (p = raw; p + 1 < raw + len; p++) {
		if (p[0] == '\n' && p[1] == '\n') {
			body = p + 2;
			break;
		}
		if (p[0] == '\n' && p[1] == '\r' && p + 2 < raw + len && p[2] == '\n') {
			body = p + 3;
			break;
		}
	}
	if (body == NULL)
		body = raw + len;
	/* procmail appends a newline to a message that does not end in an empty
	 * line; maildrop does not: trailing white space is not content. */
	while (len > 0 && raw + len > body && (raw[len - 1] == '\n' || raw[len - 1] == '\r' ||
	    raw[len - 1] == ' ' || raw[len - 1] == '\t'))
		len--;
	blen = raw + len > body ? (gsize)(raw + len - body) : 0;
	if (memchr(body, '\r', blen) == NULL) {
		h = kenchi_sha256_hex(body, blen);
	} else {
		/* The wire's CRLF and the mailbox's LF are one message: IMAP and
		 * an Outlook .eml give CRLF, procmail and a maildir LF, and the
		 * same mail both ways was stored twice (intake round ri1 F7).
		 * A body without CR hashes as it always did. */
		kenchi_sha256_t *ck = kenchi_sha256_new();
		const char *e = body + blen, *cr;

		for (p = body; p < e; ) {
			if ((cr = memchr(p, '\r', (gsize)(e - p))) == NULL) {
				kenchi_sha256_update(ck, p, (gsize)(e - p));
				break;
			}
			kenchi_sha256_update(ck, p, (gsize)(cr - p));
			if (cr + 1 >= e || cr[1] != '\n')
				kenchi_sha256_update(ck, cr, 1);   /* a lone CR is content */
			p = cr + 1;
		}
		h = kenchi_sha256_finish(ck, 64);
	}
	k = g_strconcat(message_id, " ", h, NULL);
	g_free(h);
	return k;
}
