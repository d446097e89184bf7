/* mail_text.c: where a mail is in the bytes kenchi was given: what wraps
 * it (an mbox "From " line, Outlook's banner, Apple Mail's .emlx), a
 * preamble before it (Gmail's "Show original" page, a ticket's line), or
 * no header at all (an alert's block pasted into a file). */
#include <string.h>
#include "ingest/mail_text.h"
#include "parse/apijson.h"
#include "parse/charset.h"

/* Is [P, E) white space only? */
static gboolean
blank_to(const char *p, const char *e)
{
	for (; p < e; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return FALSE;
	return TRUE;
}

/* [P, P+LEN) begins with a line (FIRST bytes) that is a number N, then a
 * header: Apple Mail's .emlx.  N, when N bytes of message are followed by
 * Apple's property list, as Apple Mail writes it; else 0, and nothing but
 * the number's line is left out. */
static gsize
emlx_tail(const char *p, gsize len, gsize first)
{
	guint64 n = g_ascii_strtoull(p, NULL, 10);
	const char *t;
	gsize rest;

	if (n == 0 || n >= len - first)
		return 0;
	t = p + first + n;
	rest = len - first - (gsize)n;
	while (rest > 0 && (*t == '\n' || *t == '\r' || *t == ' ')) {
		t++;
		rest--;
	}
	return (rest >= 5 && memcmp(t, "<?xml", 5) == 0) || (rest >= 6 && memcmp(t, "<plist", 6) == 0) ?
	    (gsize)n : 0;
}

/* The Outlook line above the header it shows (Message Options, the
 * Internet headers saved with the message). */
#define OUTLOOK_BANNER "Microsoft Mail Internet Headers Version 2.0"

void
kenchi_mail_unwrap(const char **raw, gsize *len)
{
	const char *p = *raw, *nl = memchr(p, '\n', *len);
	gsize first, digits = 0, blen = strlen(OUTLOOK_BANNER);

	if (nl == NULL)
		return;
	first = (gsize)(nl - p) + 1;
	while (p + digits < nl && g_ascii_isdigit(p[digits]))
		digits++;
	if (*len > 5 && memcmp(p, "From ", 5) == 0) {
		*raw += first;
		*len -= first;
	} else if (first > blen && memcmp(p, OUTLOOK_BANNER, blen) == 0 && blank_to(p + blen, nl)) {
		*raw += first;
		*len -= first;
	} else if (digits > 0 && digits <= 12 && blank_to(p + digits, nl) && first < *len &&
		   kenchi_mail_header_line(p + first, p + *len)) {
		gsize cut = emlx_tail(p, *len, first);

		*raw += first;
		*len = cut ? cut : *len - first;
	}
}

/* How far into a text a mail's header is looked for after a preamble, and
 * at how many places: a preamble is a few lines. */
#define PREAMBLE_SCAN (64 * 1024)
#define PREAMBLE_TRIES 64

/* Does the header block at P hold one of the fields NAMES (lower case,
 * with their colons)? */
static gboolean
block_has(const char *p, const char *end, const char *const *names)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (p == nl || (*p == '\r' && p + 1 == nl))
			return FALSE;
		for (int k = 0; names[k]; k++)
			if ((gsize)(end - p) >= strlen(names[k]) && g_ascii_strncasecmp(p, names[k], strlen(names[k])) == 0)
				return TRUE;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return FALSE;
}

/* The fields only a mail's own header has, not a client's summary of it
 * (Gmail's "From:", "To:", "Subject:", "SPF:"). */
static const char *const raw_fields[] = { "received:", "delivered-to:", "return-path:", "message-id:",
	"mime-version:", NULL };

/* The fields of any mail's header: a block with none of them ("Ticket:
 * 42") is no mail's header, whatever GMime makes of it. */
static const char *const mail_fields[] = { "from:", "to:", "cc:", "subject:", "date:", "received:",
	"delivered-to:", "return-path:", "message-id:", "mime-version:", "content-type:", "reply-to:",
	"sender:", NULL };

/* Is the first block of [P, END) a mail's header: every line a field
 * ("Name: value", a name with no space) or a folded line of one, and one
 * of them a mail's (mail_fields)?  "Date: ..." over "Event Type: ...", an
 * alert's block pasted into a file, is none (round 31a). */
static gboolean
mail_block(const char *p, const char *end)
{
	const char *start = p;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *c = p;

		while (c < e && *c == '\r')
			c++;
		if (c == e)
			break;   /* the blank line ("\r\r\n" too): the header's end */
		if (!((*p == ' ' || *p == '\t') && p > start) && !kenchi_mail_header_line(p, e))
			return FALSE;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return block_has(start, end, mail_fields);
}

/* Where a mail's header begins after a preamble, or NULL: a text that GMime
 * read as no mail, such as Gmail's "Show original" page copied whole
 * ("Original Message", its summary, "Download Original", then the mail;
 * round 27b).  A header line that begins a block (after a blank line or
 * a line that is no field) and whose block is a mail's
 * (kenchi_mail_head()); the first whose block is a mail's own header
 * (raw_fields), else the first. */
static const char *
after_preamble(const char *raw, gsize len)
{
	const char *p = raw, *end = raw + MIN(len, (gsize)PREAMBLE_SCAN), *first = NULL;
	gboolean fresh = FALSE;   /* the line before is no field */
	int tries = 0;

	while (p < end && tries < PREAMBLE_TRIES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		gboolean field = *p != ' ' && *p != '\t' && kenchi_mail_header_line(p, nl ? nl : end);

		if (field && fresh) {
			tries++;
			if (kenchi_mail_head(p, (gsize)(raw + len - p))) {
				/* A preamble with a NUL is no text but a file's
				 * binary head: a zip that stores a mail unpacked is
				 * no mail (round 34a). */
				if (memchr(raw, '\0', (size_t)(p - raw)) != NULL)
					return NULL;
				if (block_has(p, end, raw_fields))
					return p;
				if (first == NULL)
					first = p;
			}
		}
		fresh = !field;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return first;
}

char *
kenchi_mail_text_utf16(const char *raw, gsize len, gsize *out_len)
{
	return len <= KENCHI_UTF16_MAX ? kenchi_charset_from_utf16(raw, len, out_len) : NULL;
}

kenchi_status_t
kenchi_mail_text_headless(const char *raw, gsize len, kenchi_mail_t **mail)
{
	const char *w = NULL;
	gsize ul = 0;
	char *u = kenchi_mail_text_utf16(raw, len, &ul);
	kenchi_status_t rc;

	if (u != NULL) {
		rc = kenchi_mail_text_headless(u, ul, mail);
		g_free(u);
		return rc;
	}
	if (len == 0 || memchr(raw, '\0', len) != NULL)
		return KENCHI_BAD_INPUT;
	return kenchi_mail_parse_body(raw, len, mail, &w);
}

kenchi_status_t
kenchi_mail_text_parse(const char *raw, gsize len, kenchi_mail_t **mail, const char **why, kenchi_headless_t *headless)
{
	const char *h;
	gboolean mail_like, tried = FALSE;
	kenchi_status_t rc;

	if (len == 0)
		return kenchi_mail_parse(raw, len, mail, why);
	/* UTF-16 with its byte order mark: a mail or an alert's text that
	 * Notepad's "Unicode" or Windows PowerShell 5.1's Out-File wrote, up
	 * to KENCHI_UTF16_MAX. */
	{
		gsize ul = 0;
		char *u = kenchi_mail_text_utf16(raw, len, &ul);

		if (u != NULL) {
			rc = ul > 0 ? kenchi_mail_text_parse(u, ul, mail, why, headless) :
			    kenchi_mail_parse(raw, len, mail, why);
			g_free(u);
			if (rc == KENCHI_OK)
				(*mail)->preamble = 0;   /* counted in the copy, not in RAW */
			return rc;
		}
	}
	mail_like = mail_block(raw, raw + MIN(len, (gsize)PREAMBLE_SCAN));
	if (!mail_like) {
		tried = TRUE;
		if ((h = after_preamble(raw, len)) != NULL &&
		    kenchi_mail_parse(h, len - (gsize)(h - raw), mail, why) == KENCHI_OK) {
			*headless = KENCHI_HEADLESS_PREAMBLE;
			(*mail)->preamble = (gsize)(h - raw);
			return KENCHI_OK;
		}
	}
	rc = kenchi_mail_parse(raw, len, mail, why);
	if (rc == KENCHI_OK) {
		kenchi_mail_t *bare = NULL;

		/* A header GMime made of an alert's labels of one word
		 * ("Computer:", "イベントタイプ:", round 30a), or one that took
		 * the whole text and names no sender: the text is a body. */
		if ((mail_like && ((*mail)->text->str[strspn((*mail)->text->str, " \t\r\n")] != '\0' ||
		    (*mail)->from_addr)) || kenchi_mail_text_headless(raw, len, &bare) != KENCHI_OK)
			return rc;
		kenchi_mail_free(*mail);
		*mail = bare;
		*headless = KENCHI_HEADLESS_READ;
		return KENCHI_OK;
	}
	if (!tried && (h = after_preamble(raw, len)) != NULL &&
	    kenchi_mail_parse(h, len - (gsize)(h - raw), mail, why) == KENCHI_OK) {
		*headless = KENCHI_HEADLESS_PREAMBLE;
		(*mail)->preamble = (gsize)(h - raw);
		return KENCHI_OK;
	}
	if (kenchi_mail_text_headless(raw, len, mail) == KENCHI_OK) {
		*headless = KENCHI_HEADLESS_UNREAD;
		return KENCHI_OK;
	}
	return rc;
}

const char *
kenchi_mail_text_archive(const char *raw, gsize len)
{
	static const struct {
		const char *magic;
		gsize n;
		const char *what;
	} kinds[] = {
		{ "\x1f\x8b", 2, "gzip-compressed data" },
		{ "PK\x03\x04", 4, "a zip archive" },
		{ "BZh", 3, "bzip2-compressed data" },
		{ "\xfd" "7zXZ\x00", 6, "xz-compressed data" },
		{ "\x28\xb5\x2f\xfd", 4, "zstd-compressed data" },
		{ "7z\xbc\xaf\x27\x1c", 6, "a 7z archive" },
		{ "%PDF-", 5, "a PDF document" },
	};

	for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++)
		if (len >= kinds[k].n && memcmp(raw, kinds[k].magic, kinds[k].n) == 0)
			return kinds[k].what;
	return NULL;
}
