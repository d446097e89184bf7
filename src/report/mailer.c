/*
 * mailer.c - build one outgoing report mail with GMime and serialize it with
 * CRLF line ends, ready for smtp.c (libesmtp sends the bytes as they are and
 * needs CRLF to find the end of the headers).
 *
 * Decisions a reader might question:
 *  - ISO-2022-JP never goes through GMime's or glibc's converters: glibc's
 *    ISO-2022-JP refuses ① and ㈱, which customers' company names contain.
 *    The Subject is therefore written as encoded words we build ourselves
 *    (g_mime_header_set_raw_value), each word a complete ISO-2022-JP
 *    sequence ending in ESC ( B so that a reader decoding word by word still
 *    gets whole characters, and the body is handed to GMime already encoded
 *    (7bit), each line ending in ASCII mode as RFC 1468 asks.
 *  - UTF-8 bodies are base64: no line-length limit, no 8BITMIME dependency,
 *    and no way for body text to look like protocol.
 *  - Header values are sanitized (controls become spaces), but addresses
 *    and ids with controls are refused: silently rewriting an address could
 *    turn "a@x\r\nBcc: b@y" into a group that mails b@y.
 *  - The result is checked once more for a bare CR or LF before it is
 *    returned, so the CRLF promise holds whatever GMime did.
 */
#include "report/mailer.h"
#include "parse/charset.h"
#include "parse/mime.h"

#include <gmime/gmime.h>
#include <string.h>

/* "=?ISO-2022-JP?B?" + "?=" is 18 characters; 75 - 18 = 57 leaves 56
 * base64 characters, i.e. 42 encoded bytes per word (RFC 2047 section 2).
 * The first word shares its line with "Name: ", so it gets less, keeping
 * every line at most 76 characters as RFC 2047 asks. */
#define EW_PREFIX "=?ISO-2022-JP?B?"
#define EW_OVERHEAD 18
#define EW_MAX_CHARS 75
#define EW_LINE_MAX 76

/* Headers this module writes itself; an extra header may not repeat them,
 * and some (Bcc, Return-Path, Received, Resent-*) must never be written by
 * a report at all. */
static const char *const reserved_headers[] = {
	"From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Subject", "Date",
	"Message-ID", "In-Reply-To", "References", "Auto-Submitted",
	KENCHI_LOOP_HEADER, "Return-Path", "Received", "MIME-Version",
	"Original-Recipient", NULL
};
static const char *const reserved_prefixes[] = { "Content-", "MIME-", "Resent-", NULL };

static gboolean
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return FALSE;
	return TRUE;
}

/* Replace every control character (C0, DEL, C1, and the Unicode line and
 * paragraph separators) with a space, make the text valid UTF-8 and trim
 * it.  Returns g_malloc'd text; sets *lossy when invalid UTF-8 was fixed. */
static char *
sanitize_text(const char *s, gboolean *lossy)
{
	char *valid;
	GString *out;
	const char *p;

	if (!g_utf8_validate(s, -1, NULL)) {
		valid = g_utf8_make_valid(s, -1);
		*lossy = TRUE;
	} else {
		valid = g_strdup(s);
	}
	out = g_string_sized_new(strlen(valid));
	for (p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
		    c == 0x2028 || c == 0x2029)
			g_string_append_c(out, ' ');
		else
			g_string_append_unichar(out, c);
	}
	g_free(valid);
	return g_strstrip(g_string_free(out, FALSE));
}

static gboolean
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return TRUE;
	return FALSE;
}

/* A msg-id without the brackets: printable ASCII, no space, no <>, and an
 * '@' so that receivers' threading treats it as a real id. */
static gboolean
valid_msgid(const char *id)
{
	const char *p;

	if (id == NULL || *id == '\0' || strchr(id, '@') == NULL)
		return FALSE;
	for (p = id; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '<' || *p == '>')
			return FALSE;
	return TRUE;
}

/* RFC 5322 field-name: printable ASCII except ':' */
static gboolean
valid_field_name(const char *n)
{
	const char *p;

	if (n == NULL || *n == '\0')
		return FALSE;
	for (p = n; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == ':')
			return FALSE;
	return TRUE;
}

static gboolean
reserved_name(const char *n)
{
	int i;

	for (i = 0; reserved_headers[i]; i++)
		if (g_ascii_strcasecmp(n, reserved_headers[i]) == 0)
			return TRUE;
	for (i = 0; reserved_prefixes[i]; i++)
		if (g_ascii_strncasecmp(n, reserved_prefixes[i], strlen(reserved_prefixes[i])) == 0)
			return TRUE;
	return FALSE;
}

/* Parse one address string and append its mailboxes to DEST.  Refuses
 * controls (see the top of the file), parse failures, groups and mailboxes
 * without a domain.  *first_addr (may be NULL) gets the first addr-spec. */
static gboolean
add_addresses(InternetAddressList *dest, const char *s, char **first_addr)
{
	InternetAddressList *list;
	int i, n;
	gboolean ok = FALSE;

	if (s == NULL || has_control(s) || !g_utf8_validate(s, -1, NULL))
		return FALSE;
	list = internet_address_list_parse(NULL, s);
	if (list == NULL)
		return FALSE;
	n = internet_address_list_length(list);
	if (n == 0)
		goto done;
	for (i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		const char *addr;

		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			goto done;
		addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		if (addr == NULL || strchr(addr, '@') == NULL || addr[0] == '@' ||
		    strchr(addr, '@')[1] == '\0' || strpbrk(addr, " <>,;\"") != NULL)
			goto done;
	}
	if (first_addr != NULL && *first_addr == NULL)
		*first_addr = g_ascii_strdown(internet_address_mailbox_get_addr(
			INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(list, 0))), -1);
	internet_address_list_append(dest, list);
	ok = TRUE;
done:
	g_object_unref(list);
	return ok;
}

/* Raw header value " =?ISO-2022-JP?B?...?=\n =?...?=\n" for TEXT (UTF-8,
 * already sanitized).  Each word holds as many whole characters as fit in
 * its budget; each is encoded separately, so each ends in ASCII. */
static gsize
word_budget(gsize chars)
{
	gsize b64 = chars > EW_OVERHEAD + 16 ? chars - EW_OVERHEAD : 16;

	return b64 / 4 * 3;
}

static char *
encode_words_iso2022jp(const char *name, const char *text, gboolean *lossy)
{
	GString *raw = g_string_new("");
	const char *p = text;
	gsize name_len = strlen(name) + 2;   /* "Name: " */
	gsize max = word_budget(name_len < EW_LINE_MAX ? EW_LINE_MAX - name_len : 0);

	while (*p) {
		const char *q = g_utf8_next_char(p);
		char *best = NULL, *b64;
		gsize best_len = 0;
		gboolean best_lossy = FALSE;
		const char *best_end = q;

		/* Grow the chunk one character at a time while it still fits:
		 * the escape sequences make the encoded size non-additive, so
		 * the only exact measure is to encode the candidate. */
		for (;;) {
			char *chunk = g_strndup(p, q - p);
			gsize n = 0;
			gboolean l = FALSE;
			char *enc = kenchi_charset_utf8_to_iso2022jp(chunk, &n, &l);

			g_free(chunk);
			if (best != NULL && n > max) {
				g_free(enc);
				break;
			}
			g_free(best);
			best = enc, best_len = n, best_lossy = l, best_end = q;
			if (*q == '\0' || n > max)
				break;
			q = g_utf8_next_char(q);
		}
		if (best_lossy)
			*lossy = TRUE;
		b64 = g_base64_encode((const guchar *)best, best_len);
		g_string_append_printf(raw, " %s%s?=\n", EW_PREFIX, b64);
		g_free(b64);
		g_free(best);
		p = best_end;
		max = word_budget(EW_MAX_CHARS);
	}
	return g_string_free(raw, FALSE);
}

/* Set header NAME to the sanitized TEXT.  ISO-2022-JP with non-ASCII goes
 * through our own encoded words (see the top of the file); everything else
 * through GMime's RFC 2047 encoder, which uses UTF-8 for non-ASCII. */
static void
set_text_header(GMimeObject *obj, const char *name, const char *text,
                gboolean jis, gboolean *lossy)
{
	if (jis && !is_ascii(text)) {
		GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
		GMimeHeader *h;
		char *raw = encode_words_iso2022jp(name, text, lossy);

		/* a placeholder value, replaced by the raw encoded words */
		g_mime_header_list_append(hl, name, "", NULL);
		h = g_mime_header_list_get_header_at(hl, g_mime_header_list_get_count(hl) - 1);
		g_mime_header_set_raw_value(h, raw);
		g_free(raw);
	} else {
		g_mime_object_append_header(obj, name, text, "utf-8");
	}
}

/* Body text -> LF-only, valid UTF-8, ending in a newline (so the message
 * ends in CRLF and libesmtp adds nothing). */
static char *
normalize_body(const char *body, gboolean *lossy)
{
	GString *out;
	const char *p;
	char *valid;

	if (!g_utf8_validate(body, -1, NULL)) {
		valid = g_utf8_make_valid(body, -1);
		*lossy = TRUE;
	} else {
		valid = g_strdup(body);
	}
	out = g_string_sized_new(strlen(valid) + 1);
	for (p = valid; *p; p++) {
		if (*p == '\r') {
			g_string_append_c(out, '\n');
			if (p[1] == '\n')
				p++;
		} else {
			g_string_append_c(out, *p);
		}
	}
	if (out->len == 0 || out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
	g_free(valid);
	return g_string_free(out, FALSE);
}

/* ISO-2022-JP body, encoded line by line so every line ends in ASCII mode
 * (RFC 1468) and the encoder's escapes never span a line break. */
static GMimeObject *
body_part_iso2022jp(const char *body, gboolean *lossy)
{
	GMimePart *part = g_mime_part_new_with_type("text", "plain");
	GByteArray *bytes = g_byte_array_new();
	GMimeStream *stream;
	GMimeDataWrapper *wrapper;
	char **lines = g_strsplit(body, "\n", -1);
	guint i, n = g_strv_length(lines);

	/* body ends in '\n', so the last split element is "" */
	for (i = 0; i + 1 < n; i++) {
		gsize len = 0;
		gboolean l = FALSE;
		char *enc = kenchi_charset_utf8_to_iso2022jp(lines[i], &len, &l);

		if (l)
			*lossy = TRUE;
		g_byte_array_append(bytes, (const guint8 *)enc, len);
		g_byte_array_append(bytes, (const guint8 *)"\n", 1);
		g_free(enc);
	}
	g_strfreev(lines);

	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "ISO-2022-JP");
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_7BIT);
	stream = g_mime_stream_mem_new_with_byte_array(bytes); /* takes BYTES */
	wrapper = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, wrapper);
	g_object_unref(wrapper);
	g_object_unref(stream);
	return GMIME_OBJECT(part);
}

static GMimeObject *
body_part_utf8(const char *body)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");

	g_mime_text_part_set_text(tp, body);
	/* set_text may pick us-ascii; the declared charset stays utf-8 so
	 * that every report looks the same to the customer's filters */
	g_mime_text_part_set_charset(tp, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(tp), GMIME_CONTENT_ENCODING_BASE64);
	return GMIME_OBJECT(tp);
}

/* The serialized bytes must have CRLF and nothing else as line ends. */
static gboolean
crlf_only(const char *s, gsize n)
{
	gsize i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return FALSE;
		if (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'))
			return FALSE;
	}
	return n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n';
}

kenchi_status_t
kenchi_mail_build(const kenchi_mail_spec_t *spec, char **out, gsize *len,
                  gboolean *lossy)
{
	kenchi_status_t st = KENCHI_BAD_INPUT;
	GMimeMessage *msg = NULL;
	GMimeObject *obj, *body = NULL;
	GMimeStream *mem = NULL;
	GMimeFormatOptions *fo = NULL;
	GDateTime *dt = NULL;
	GByteArray *arr;
	char *from_addr = NULL, *subject = NULL, *text = NULL, *refs = NULL;
	gboolean jis, lost = FALSE;
	guint i;

	*out = NULL;
	*len = 0;
	if (lossy != NULL)
		*lossy = FALSE;
	if (spec == NULL || spec->from == NULL || spec->to == NULL ||
	    spec->to[0] == NULL || spec->body == NULL || spec->charset == NULL)
		return KENCHI_BAD_INPUT;
	if (g_ascii_strcasecmp(spec->charset, "iso-2022-jp") == 0)
		jis = TRUE;
	else if (g_ascii_strcasecmp(spec->charset, "utf-8") == 0 ||
	         g_ascii_strcasecmp(spec->charset, "utf8") == 0)
		jis = FALSE;
	else
		return KENCHI_BAD_INPUT;
	if (!valid_msgid(spec->message_id) ||
	    (spec->in_reply_to != NULL && !valid_msgid(spec->in_reply_to)))
		return KENCHI_BAD_INPUT;

	msg = g_mime_message_new(FALSE);
	obj = GMIME_OBJECT(msg);

	/* addresses: refused, never repaired (see the top of the file) */
	if (!add_addresses(g_mime_message_get_from(msg), spec->from, &from_addr))
		goto done;
	for (i = 0; spec->to[i] != NULL; i++)
		if (!add_addresses(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO),
		                   spec->to[i], NULL))
			goto done;
	for (i = 0; spec->cc != NULL && spec->cc[i] != NULL; i++)
		if (!add_addresses(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC),
		                   spec->cc[i], NULL))
			goto done;
	if (spec->reply_to != NULL &&
	    !add_addresses(g_mime_message_get_reply_to(msg), spec->reply_to, NULL))
		goto done;

	subject = sanitize_text(spec->subject ? spec->subject : "", &lost);
	set_text_header(obj, "Subject", subject, jis, &lost);

	dt = g_date_time_new_from_unix_local(spec->date);
	if (dt == NULL)
		goto done;
	g_mime_message_set_date(msg, dt);
	g_mime_message_set_message_id(msg, spec->message_id);
	if (spec->in_reply_to != NULL) {
		char *v = g_strdup_printf("<%s>", spec->in_reply_to);
		g_mime_object_append_header(obj, "In-Reply-To", v, NULL);
		g_free(v);
	}
	if (spec->references != NULL) {
		char **ids = g_strsplit_set(spec->references, " \t", -1);
		GString *r = g_string_new("");

		for (i = 0; ids[i] != NULL; i++) {
			if (ids[i][0] == '\0')
				continue;
			if (!valid_msgid(ids[i])) {
				g_strfreev(ids);
				g_string_free(r, TRUE);
				goto done;
			}
			g_string_append_printf(r, "%s<%s>", r->len ? " " : "", ids[i]);
		}
		g_strfreev(ids);
		refs = g_string_free(r, FALSE);
		if (*refs)
			g_mime_object_append_header(obj, "References", refs, NULL);
	}

	/* RFC 3834: auto-responders must not answer us; the loop header lets
	 * our own ingest recognise a report that comes back */
	g_mime_object_append_header(obj, "Auto-Submitted", "auto-generated", NULL);
	g_mime_object_append_header(obj, KENCHI_LOOP_HEADER, from_addr, NULL);

	for (i = 0; spec->extra_headers != NULL && spec->extra_headers[i] != NULL; i += 2) {
		const char *name = spec->extra_headers[i];
		const char *value = spec->extra_headers[i + 1];
		char *v;

		if (value == NULL || !valid_field_name(name) || reserved_name(name))
			goto done;
		v = sanitize_text(value, &lost);
		set_text_header(obj, name, v, jis, &lost);
		g_free(v);
		if (spec->extra_headers[i + 1] == NULL)
			break;
	}

	text = normalize_body(spec->body, &lost);
	body = jis ? body_part_iso2022jp(text, &lost) : body_part_utf8(text);
	g_mime_message_set_mime_part(msg, body);
	g_mime_object_set_header(obj, "MIME-Version", "1.0", NULL);

	st = KENCHI_FAIL;
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	mem = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(obj, fo, mem) < 0)
		goto done;
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (!crlf_only((const char *)arr->data, arr->len))
		goto done;
	*out = g_malloc(arr->len + 1);
	memcpy(*out, arr->data, arr->len);
	(*out)[arr->len] = '\0';
	*len = arr->len;
	if (lossy != NULL)
		*lossy = lost;
	st = KENCHI_OK;
done:
	if (mem != NULL)
		g_object_unref(mem);
	if (fo != NULL)
		g_mime_format_options_free(fo);
	if (body != NULL)
		g_object_unref(body);
	if (dt != NULL)
		g_date_time_unref(dt);
	g_object_unref(msg);
	g_free(from_addr);
	g_free(subject);
	g_free(text);
	g_free(refs);
	return st;
}
