/* mailer.h: build one outgoing report mail (RFC 5322, MIME, CRLF line ends)
 * ready to hand to smtp.c.
 *
 * The caller owns every string in the spec; kenchi_mail_build copies what it
 * needs and retains nothing.  The result is g_malloc'd and owned by the
 * caller.  Never prints, never exits; call g_mime_init() once beforehand. */
#ifndef KENCHI_REPORT_MAILER_H
#define KENCHI_REPORT_MAILER_H

#include <glib.h>
#include "util/status.h"

G_BEGIN_DECLS

typedef struct {
	const char *from;            /* "検知SOC <soc@soc.example.jp>" or bare address */
	const char *const *to;       /* NULL-terminated, at least one */
	const char *const *cc;       /* NULL-terminated or NULL */
	const char *reply_to;        /* or NULL */
	const char *subject;         /* UTF-8; CR/LF/controls become spaces */
	const char *body;            /* UTF-8 text, LF line ends */
	const char *charset;         /* "utf-8" or "iso-2022-jp" (any case) */
	const char *message_id;      /* without <>, caller-chosen and stable */
	const char *in_reply_to;     /* without <>, or NULL */
	const char *references;      /* space-separated ids without <>, or NULL */
	gint64 date;                 /* Unix seconds */
	const char *const *extra_headers; /* NULL or NULL-terminated name,value
	                              * pairs, e.g. "X-Kenchi-Case","123";
	                              * values sanitized like the subject */
} kenchi_mail_spec_t;

/* Serialize the mail described by SPEC into *OUT (g_free; NUL-terminated
 * for convenience, length without the NUL in *LEN).  Every line ends in
 * CRLF.  Always adds "Auto-Submitted: auto-generated" and
 * "X-Kenchi-Loop: <from addr-spec>", plus MIME-Version.
 *
 * charset "iso-2022-jp": Subject (and non-ASCII extra header values) are
 *   RFC 2047 B-encoded words of at most 75 characters, each a complete
 *   ISO-2022-JP sequence ending in ASCII, made with our own encoder
 *   (kenchi_charset_utf8_to_iso2022jp) so that ① and ㈱ survive, as are
 *   non-ASCII display names that JIS holds (others are UTF-8 words); the
 *   body is text/plain; charset=ISO-2022-JP, 7bit, each line ending in
 *   ASCII, or base64 when a line would pass 998 octets.  When the body,
 *   Subject or an extra header holds a character JIS cannot (an emoji),
 *   the whole mail is built as for "utf-8" instead: nothing becomes '?'.
 * charset "utf-8": headers are encoded by GMime; the body is text/plain;
 *   charset=utf-8 in base64 of its CRLF form (so no line length or 8-bit
 *   transport issue).
 *
 * Header injection: subject, body-free header values and extra header
 * values have CR, LF and every other control character replaced by a
 * space.  Addresses containing control characters, unparseable addresses,
 * groups and an empty To are refused with KENCHI_BAD_INPUT, as are ids
 * with spaces or angle brackets, extra header names that are not RFC 5322
 * field names, and extra headers that would duplicate or smuggle a header
 * this function owns (From, To, Cc, Bcc, Subject, Date, Message-ID,
 * Content-*, MIME-*, ...).
 *
 * *LOSSY (may be NULL) is set TRUE when invalid UTF-8 had to be replaced
 * (U+FFFD); otherwise FALSE.
 *
 * Returns KENCHI_OK, KENCHI_BAD_INPUT (see above; *out is NULL) or
 * KENCHI_FAIL (GMime could not serialize). */
kenchi_status_t kenchi_mail_build(const kenchi_mail_spec_t *spec, char **out,
                                  gsize *len, gboolean *lossy);

G_END_DECLS

/* ID (without brackets) can go into a Message-ID or In-Reply-To header:
 * printable ASCII, no space, no <>, an '@'. */
gboolean kenchi_mail_valid_msgid(const char *id);

#endif /* KENCHI_REPORT_MAILER_H */
