/* mbox.c: the messages of an mbox (mbox.h).
 *
 * Why: every line that began "From " was taken for the next message's
 * separator.  An mboxo file quotes nothing, so a body's "From here on, the
 * events are suppressed." cut the message in two: the line was lost and
 * the rest stored as a message with no header, no customer (intake round
 * ri1 F2).  mutt and Thunderbird ask more of a separator; so does this. */
#include <string.h>
#include "source/mbox.h"

/* Headers that open a message after its From_ line, as MTAs and mail
 * clients write them (lower case, with the colon). */
static const char *const first_headers[] = { "return-path:", "received:", "from:", "to:", "cc:", "date:",
	"subject:", "message-id:", "delivered-to:", "mime-version:", "content-type:", "reply-to:", "sender:",
	"status:", "authentication-results:", "dkim-signature:", "envelope-to:", "references:", "in-reply-to:",
	"arc-seal:", "arc-message-signature:", "arc-authentication-results:", "received-spf:", "x-", NULL };

static gboolean
header_line(const char *p, const char *end)
{
	for (int k = 0; first_headers[k]; k++) {
		gsize n = strlen(first_headers[k]);

		if ((gsize)(end - p) >= n && g_ascii_strncasecmp(p, first_headers[k], n) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Does the line [P, E) hold a time "hh:mm" and a year "19xx"/"20xx"? */
static gboolean
dated(const char *p, const char *e)
{
	gboolean time = FALSE, year = FALSE;

	for (const char *c = p; c + 4 < e; c++) {
		if (g_ascii_isdigit(c[0]) && g_ascii_isdigit(c[1]) && c[2] == ':' && g_ascii_isdigit(c[3]) &&
		    g_ascii_isdigit(c[4]))
			time = TRUE;
		if ((c == p || c[-1] == ' ') && ((c[0] == '1' && c[1] == '9') || (c[0] == '2' && c[1] == '0')) &&
		    g_ascii_isdigit(c[2]) && g_ascii_isdigit(c[3]) && (c + 4 == e || !g_ascii_isdigit(c[4])))
			year = TRUE;
	}
	return time && year;
}

gboolean
kenchi_mbox_from_line(const char *p, const char *end)
{
	const char *nl, *e, *sender;

	if (end - p < 5 || memcmp(p, "From ", 5) != 0)
		return FALSE;
	nl = memchr(p, '\n', (gsize)(end - p));
	e = nl ? nl : end;
	if (e > p && e[-1] == '\r')
		e--;
	sender = p + 5;
	/* "From sender date": a sender of no space ("-" for Thunderbird's,
	 * "MAILER-DAEMON", an address); a sentence's second word is no
	 * address, but it has no date either. */
	if (sender >= e || *sender == ' ')
		return FALSE;
	if (dated(sender, e))
		return TRUE;
	/* Undated ("From user@example.jp"): the next line is a header. */
	return nl && nl + 1 < end && header_line(nl + 1, end);
}

/* The body's start: after the blank line that ends the header block at
 * P, or NULL. */
static const char *
body_of(const char *p, const char *end)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));

		if (nl == NULL)
			return NULL;
		if (nl == p || (nl == p + 1 && *p == '\r'))
			return nl + 1;
		p = nl + 1;
	}
	return NULL;
}

/* The value of the Content-Length header in [P, BODY), or -1. */
static gint64
content_length(const char *p, const char *body)
{
	for (const char *l = p; l < body; ) {
		const char *nl = memchr(l, '\n', (gsize)(body - l));

		if ((gsize)(body - l) > 15 && g_ascii_strncasecmp(l, "Content-Length:", 15) == 0) {
			const char *v = l + 15;
			guint64 n;
			char *endp;

			while (*v == ' ' || *v == '\t')
				v++;
			if (!g_ascii_isdigit(*v))
				return -1;
			n = g_ascii_strtoull(v, &endp, 10);
			return n > G_MAXINT32 ? -1 : (gint64)n;
		}
		if (nl == NULL)
			break;
		l = nl + 1;
	}
	return -1;
}

void
kenchi_mbox_message(const char *base, gsize len, gsize at, gsize *start, gsize *next)
{
	const char *end = base + len, *p = base + at, *q, *body;
	gint64 cl;

	q = memchr(p, '\n', (gsize)(end - p));
	*start = q ? (gsize)(q + 1 - base) : len;
	*next = len;
	p = base + *start;
	/* mboxcl2: the length the header gives, when a From_ line or the end
	 * is there (a blank line may come between). */
	if ((body = body_of(p, end)) != NULL && (cl = content_length(p, body)) >= 0 && (gsize)cl <= (gsize)(end - body)) {
		const char *after = body + cl;

		while (after < end && (*after == '\n' || *after == '\r'))
			after++;
		if (after == end) {
			*next = len;
			return;
		}
		if (kenchi_mbox_from_line(after, end)) {
			*next = (gsize)(after - base);
			return;
		}
	}
	for (q = p; q < end; ) {
		const char *nl = memchr(q, '\n', (gsize)(end - q));

		if (nl == NULL)
			break;
		if (nl + 6 <= end && kenchi_mbox_from_line(nl + 1, end)) {
			*next = (gsize)(nl + 1 - base);
			return;
		}
		q = nl + 1;
	}
}
