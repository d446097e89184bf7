/* mime.h: one mail, parsed with GMime into what kenchi needs of it: the
 * sender, subject and ids for recognition and threading, the recipients for
 * customer matching, the arrival time, and the body text (UTF-8, LF) that
 * the extractors read.
 *
 * The text is every text part in document order: text/plain preferred in a
 * multipart/alternative, HTML turned into "label<TAB>value" lines when it is
 * the only form, and the text of attached message/rfc822 alerts (forwarded
 * as attachments).  Parts are joined with a separator line so that events of
 * two parts never merge. */
#ifndef KENCHI_MIME_H
#define KENCHI_MIME_H

#include <glib.h>
#include "util/status.h"

typedef struct {
	char *from_addr;        /* lower-case addr-spec of the first From mailbox, or NULL */
	char *subject;          /* decoded, UTF-8, controls removed; NULL when none */
	char *message_id;       /* without angle brackets, or NULL */
	char *in_reply_to;      /* without angle brackets, or NULL */
	char *references;       /* raw References value, or NULL */
	GPtrArray *recipients;  /* char*, lower-case addresses: To, Cc, Delivered-To, X-Original-To */
	GPtrArray *alt_from;    /* char*: From addresses of attached messages (forwarded alerts) */
	GPtrArray *alt_subject; /* char*: their subjects */
	gint64 date;            /* Date header as Unix time, 0 when none */
	gint64 received;        /* the top Received header's date, 0 when none or unreadable */
	gint64 received_next;   /* the date of the Received header below it, the same */
	gint64 sent;            /* the Date header's, JST and KST read (date: GMime's reading, kept
	                         * for the idempotence keys), 0 when none */
	char *auto_submitted;   /* Auto-Submitted value or NULL */
	char *precedence;       /* Precedence value or NULL */
	char *x_autoreply;      /* X-Autoreply or X-Autorespond value, or NULL */
	gboolean is_list;       /* List-Id or List-Unsubscribe: a list's or a newsletter's */
	char *auto_suppress;    /* X-Auto-Response-Suppress value, or NULL */
	char *return_path;      /* the top Return-Path value, or NULL */
	gboolean is_report;     /* multipart/report (a bounce or DSN) */
	gboolean no_header;     /* read as a body with no header (kenchi_mail_parse_body()) */
	gsize preamble;         /* bytes of text before the header, when it came after a
	                         * preamble (kenchi_mail_text_parse()); else 0 */
	gboolean has_loop;      /* carries kenchi's own loop header */
	char *auth_results;     /* the top Authentication-Results value, or NULL */
	gboolean from_many;     /* two From headers, or a From of several addresses */
	gboolean flowed;        /* a format=flowed part was joined as its sender meant */
	gboolean typed;         /* the text is as typed (kenchi_mail_retext_typed()) */
	GString *text;          /* extraction text, UTF-8, LF line ends; owned */
	GString *alt_text;      /* the richer alternatives of a thin text/plain, read when
	                         * the text has no event (kenchi_extract_mail); or NULL */
	gboolean text_truncated;/* more text than the extraction cap */
	gboolean lossy;         /* a charset could not be decoded exactly */
	int depth_exceeded;     /* MIME nesting deeper than kenchi walks */
	const char *sealed;     /* static: the first part kenchi cannot open (encrypted,
	                         * compressed, a piece of a split message), or NULL */
	int html_parts, text_parts, rfc822_parts;
	gsize attached_bytes;   /* decoded bytes of attached messages read so far */
	GString *json_text;     /* the first JSON attachment's bytes (not read as
	                         * mail: the caller says what it holds), or NULL */
	char *json_name;        /* its file name, else its content type */
} kenchi_mail_t;

#define KENCHI_LOOP_HEADER "X-Kenchi-Loop"

void kenchi_mime_init(void);    /* g_mime_init(); once per process */
void kenchi_mime_shutdown(void);

/* Parse RAW (not modified, not retained).  KENCHI_BAD_INPUT with *reason set
 * (static string) when it is not a mail GMime can read at all. */
kenchi_status_t kenchi_mail_parse(const char *raw, gsize len, kenchi_mail_t **out, const char **reason);
/* RAW as a mail's body with no header (an alert's block pasted into a
 * file), as kenchi_mail_parse() reads a mail. */
kenchi_status_t kenchi_mail_parse_body(const char *raw, gsize len, kenchi_mail_t **out, const char **reason);
/* Read M's text again from RAW (the bytes M was parsed from) as its
 * sender typed and sees it, for a reply read as commands or as a note:
 * in a multipart/alternative its text/plain, unless that is blank or the
 * HTML is a paragraph editor's that the text agrees with (where an
 * alert's thin text/plain gives way to its HTML); HTML as typed
 * (kenchi_html_to_text_as(): paragraph gaps, hidden HTML left out).
 * Sets typed, and the part counts and flowed of the new text.  M is
 * unchanged when RAW cannot be read again. */
void kenchi_mail_retext_typed(kenchi_mail_t *m, const char *raw, gsize len);
void kenchi_mail_free(kenchi_mail_t *m);

#endif
