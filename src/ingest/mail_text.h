/* mail_text.h: where a mail is in the bytes kenchi was given (mail_text.c):
 * the ingest layer (ingest.c) calls these before and instead of
 * kenchi_mail_parse(). */
#ifndef KENCHI_MAIL_TEXT_H
#define KENCHI_MAIL_TEXT_H

#include <glib.h>
#include "parse/mime.h"
#include "util/status.h"

/* The biggest text in UTF-16 that is read as UTF-8: an alert's digest is
 * some hundred KB; a bigger file is read as it is (issue 7's memory
 * limit). */
#define KENCHI_UTF16_MAX ((gsize)8 << 20)

/* How a text was read as a mail's body with no header
 * (kenchi_mail_text_parse()): not; after GMime read it as a header alone
 * (it stays what that header makes of it when it gives no alert); or after
 * GMime read no mail (it stays an error unless it gives an alert).  Or
 * not, but as the mail that begins after a preamble: the caller may read
 * the whole text as a body with no header (kenchi_mail_text_headless())
 * when the preamble holds an alert too. */
typedef enum {
	KENCHI_HEADLESS_NOT, KENCHI_HEADLESS_READ, KENCHI_HEADLESS_UNREAD, KENCHI_HEADLESS_PREAMBLE
} kenchi_headless_t;

/* Leave out of *RAW (of *LEN) what wraps a mail and is not part of it, so
 * that it is neither stored nor hashed (a redelivery is recognised): an
 * mbox "From " envelope line (procmail and maildrop pass it on); Outlook's
 * "Microsoft Mail Internet Headers Version 2.0" line; Apple Mail's .emlx,
 * whose first line is the message's length in bytes and whose end, past
 * it, is Apple's property list. */
void kenchi_mail_unwrap(const char **raw, gsize *len);

/* RAW as a mail (kenchi_mail_parse()).  A text whose first block is no
 * mail's header ("Ticket: 42", a client's summary, round 29a) or that
 * GMime reads as no mail is looked into for a mail after a preamble first
 * (its first 64 KB, at 64 places; a block with a mail's own fields wins).
 * A text that is no mail at all, whose first block holds none of a
 * mail's fields ("Computer:"), or that is only a header of an alert's
 * fields ("Date:": a block pasted into a file, rounds 28a-30a), is read
 * as a mail's body with no header (*HEADLESS).  *WHY as
 * kenchi_mail_parse() gives it. */
kenchi_status_t kenchi_mail_text_parse(const char *raw, gsize len, kenchi_mail_t **mail, const char **why,
				       kenchi_headless_t *headless);

/* RAW, when it begins with UTF-16's byte order mark and is no longer than
 * KENCHI_UTF16_MAX, as UTF-8 of *OUT_LEN bytes (g_free); else NULL. */
char *kenchi_mail_text_utf16(const char *raw, gsize len, gsize *out_len);

/* RAW as a mail's body with no header (as UTF-8 when it begins with
 * UTF-16's byte order mark): KENCHI_BAD_INPUT when it is empty or holds
 * a NUL. */
kenchi_status_t kenchi_mail_text_headless(const char *raw, gsize len, kenchi_mail_t **mail);

/* What RAW is when it is a compressed file or an archive ("gzip-compressed
 * data"), by its first bytes, or NULL: an import of `*.mbox.gz` stored
 * each as "not a MIME message" (intake round ri1 F9). */
const char *kenchi_mail_text_archive(const char *raw, gsize len);

#endif
