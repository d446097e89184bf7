/* mbox.c: the messages of an mbox (mbox.h).
 *
 * Why: every line that began "From " was taken for the next message's
 * separator.  An mboxo file quotes nothing, so a body's "From here on, the
 * events are suppressed." cut the message in two: the line was lost and
 * the rest stored as a message with no header, no customer (intake round
 * ri1 F2).  mutt and Thunderbird ask more of a separator; so does this. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "source/mbox.h"
#include "util/input.h"

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
kenchi_mbox_message(const char *base, gsize len, gsize at, gboolean eof, gsize *start, gsize *next,
		    gboolean *by_length)
{
	const char *end = base + len, *p = base + at, *q, *body;
	gint64 cl;

	q = memchr(p, '\n', (gsize)(end - p));
	*start = q ? (gsize)(q + 1 - base) : len;
	*next = len;
	*by_length = FALSE;
	p = base + *start;
	/* mboxcl2: the length the header gives, when a From_ line or the end
	 * is there (a blank line may come between).  A stream's buffer may
	 * not reach that far yet: *NEXT == LEN asks for more. */
	body = body_of(p, end);
	if (body == NULL && !eof)
		return;   /* the header is not all here yet */
	if (body != NULL && (cl = content_length(p, body)) >= 0) {
		const char *after = body + cl;

		if ((gsize)cl <= (gsize)(end - body)) {
			while (after < end && (*after == '\n' || *after == '\r'))
				after++;
			if (after == end) {
				*by_length = TRUE;   /* the last message */
				return;
			}
			if (!eof && memchr(after, '\n', (gsize)(end - after)) == NULL)
				return;   /* more bytes to see what is there */
			if (kenchi_mbox_from_line(after, end)) {
				*next = (gsize)(after - base);
				*by_length = TRUE;
				return;
			}
		} else if (!eof) {
			return;
		}
		/* A length past the end, or no From_ line there: not trusted. */
	}

	for (q = p; q < end; ) {
		const char *nl = memchr(q, '\n', (gsize)(end - q));

		if (nl == NULL)
			break;
		/* A stream's last line may be a From_ line cut short: told
		 * when more bytes come (no line after it to judge by). */
		if (nl + 6 <= end && (eof || memchr(nl + 1, '\n', (gsize)(end - nl - 1))) &&
		    kenchi_mbox_from_line(nl + 1, end)) {
			*next = (gsize)(nl + 1 - base);
			return;
		}
		q = nl + 1;
	}
}

#define READ_CHUNK (1 << 20)

struct kenchi_mbox_reader {
	GBytes *whole;     /* bytes held whole, or NULL: streamed from FD */
	int fd;
	GByteArray *buf;   /* the stream's bytes from the current message on */
	gsize pos;         /* where the next From_ line is, in the bytes */
	gboolean eof, started;
};

kenchi_mbox_reader_t *
kenchi_mbox_reader_new_bytes(GBytes *data)
{
	kenchi_mbox_reader_t *r = g_new0(kenchi_mbox_reader_t, 1);

	r->whole = g_bytes_ref(data);
	r->fd = -1;
	r->eof = TRUE;
	return r;
}

kenchi_mbox_reader_t *
kenchi_mbox_reader_new_file(const char *path, GError **error)
{
	int fd = g_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
	kenchi_mbox_reader_t *r;

	if (fd < 0) {
		int e = errno;
		char *name = g_filename_display_name(path);

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "Failed to open file \u201c%s\u201d: %s",
		    name, g_strerror(e));
		g_free(name);
		return NULL;
	}
	r = g_new0(kenchi_mbox_reader_t, 1);
	r->fd = fd;
	r->buf = g_byte_array_sized_new(READ_CHUNK);
	return r;
}

/* Read on: a chunk, or as much as the buffer holds already (a message
 * larger than a chunk is scanned again a logarithmic number of times). */
static gboolean
fill(kenchi_mbox_reader_t *r, GError **error)
{
	gsize want = MAX(READ_CHUNK, r->buf->len), old = r->buf->len;
	ssize_t n;

	g_byte_array_set_size(r->buf, (guint)(old + want));
	do
		n = read(r->fd, r->buf->data + old, want);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "mbox read: %s", g_strerror(errno));
		n = 0;
	}
	g_byte_array_set_size(r->buf, (guint)(old + (gsize)n));
	if (n == 0)
		r->eof = TRUE;
	return n > 0;
}

GBytes *
kenchi_mbox_reader_next(kenchi_mbox_reader_t *r, gboolean *verbatim, GError **error)
{
	for (;;) {
		gsize len = r->whole ? g_bytes_get_size(r->whole) : r->buf->len, start, next;
		const char *base = r->whole ? g_bytes_get_data(r->whole, NULL) : (const char *)r->buf->data;
		GBytes *msg;

		if (!r->started && (r->eof || len >= 4096)) {
			gssize at = base ? kenchi_mbox_start(base, len) : -1;

			r->pos = at > 0 ? (gsize)at : 0;   /* after a BOM or blank lines */
			r->started = TRUE;
		}
		if (!r->started || (r->pos >= len && !r->eof)) {
			fill(r, error);
			continue;
		}
		if (r->pos >= len)
			return NULL;
		kenchi_mbox_message(base, len, r->pos, r->eof, &start, &next, verbatim);
		if (next == len && !r->eof) {
			fill(r, error);
			continue;
		}
		msg = r->whole ? g_bytes_new_from_bytes(r->whole, start, next - start) : g_bytes_new(base + start, next - start);
		r->pos = next;
		if (!r->whole && r->pos >= READ_CHUNK) {
			/* What was handed out goes: the buffer holds one message. */
			g_byte_array_remove_range(r->buf, 0, (guint)r->pos);
			r->pos = 0;
		}
		return msg;
	}
}

void
kenchi_mbox_reader_free(kenchi_mbox_reader_t *r)
{
	if (r == NULL)
		return;
	if (r->whole)
		g_bytes_unref(r->whole);
	if (r->fd >= 0)
		close(r->fd);
	if (r->buf)
		g_byte_array_unref(r->buf);
	g_free(r);
}
