/* mime.c: GMime walk.  Charsets are decoded by kenchi's own charset module
 * rather than GMime's, because glibc's SHIFT_JIS turns 0x5C into ¥ (Windows
 * paths) and its ISO-2022-JP refuses the Windows extension characters that
 * Japanese clients send.  So we take the transfer-decoded bytes from the
 * data wrapper and convert them ourselves; headers are decoded from their
 * raw values the same way. */
#include <string.h>
#include <gmime/gmime.h>
#include "parse/mime.h"
#include "parse/mime_int.h"
#include "parse/charset.h"
#include "parse/flowed.h"
#include "parse/enriched.h"
#include "parse/html.h"
#include "parse/line_shape.h"
#include "util/utf8.h"

#define KENCHI_MIME_MAX_DEPTH 32
#define KENCHI_TEXT_CAP (8u << 20)   /* alerts are small; a 50 MB body is not read whole */

void
kenchi_mime_init(void)
{
	g_mime_init();
}

void
kenchi_mime_shutdown(void)
{
	g_mime_shutdown();
}

void
kenchi_mail_free(kenchi_mail_t *m)
{
	if (m == NULL)
		return;
	g_free(m->from_addr);
	g_free(m->subject);
	g_free(m->message_id);
	g_free(m->in_reply_to);
	g_free(m->references);
	g_ptr_array_unref(m->recipients);
	g_ptr_array_unref(m->alt_from);
	g_ptr_array_unref(m->alt_subject);
	g_free(m->auto_submitted);
	g_free(m->precedence);
	g_free(m->x_autoreply);
	g_free(m->auto_suppress);
	g_free(m->return_path);
	g_free(m->auth_results);
	if (m->text)
		g_string_free(m->text, TRUE);
	if (m->alt_text)
		g_string_free(m->alt_text, TRUE);
	if (m->json_text)
		g_string_free(m->json_text, TRUE);
	g_free(m->json_name);
	g_free(m);
}

/* Transfer-decoded bytes of a leaf part: at most CAP of them (*TRUNCATED
 * then), so that a 50 MB body costs 8 MB and not two more copies of itself
 * (bench/hostile: 198 MB peak). */
static GByteArray *
part_bytes(GMimePart *part, gsize cap, gboolean *truncated)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *src, *filtered;
	GMimeFilter *dec;
	GByteArray *arr = g_byte_array_new();
	char buf[65536];
	gssize n;

	if (w == NULL || (src = g_mime_data_wrapper_get_stream(w)) == NULL)
		return arr;
	g_mime_stream_reset(src);
	if (g_mime_data_wrapper_get_encoding(w) == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
		kenchi_mime_qp_read(src, cap, arr, truncated);
		return arr;
	}
	if (g_mime_data_wrapper_get_encoding(w) == GMIME_CONTENT_ENCODING_BASE64) {
		kenchi_mime_b64_read(src, cap, arr, truncated);
		return arr;
	}
	filtered = g_mime_stream_filter_new(src);
	/* What g_mime_data_wrapper_write_to_stream() does, read in pieces. */
	switch (g_mime_data_wrapper_get_encoding(w)) {
	case GMIME_CONTENT_ENCODING_UUENCODE:
		dec = g_mime_filter_basic_new(g_mime_data_wrapper_get_encoding(w), FALSE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), dec);
		g_object_unref(dec);
		break;
	default:
		break;
	}
	while (arr->len < cap && (n = g_mime_stream_read(filtered, buf, sizeof buf)) > 0)
		g_byte_array_append(arr, (const guint8 *)buf, (guint)MIN((gsize)n, cap - arr->len));
	if (arr->len >= cap && !g_mime_stream_eos(filtered))
		*truncated = TRUE;
	g_object_unref(filtered);
	return arr;
}

/* A leaf part's text, charset-decoded to UTF-8.  An HTML part with no
 * charset in its header is read as UTF-8 when it is UTF-8, else in the
 * charset its <meta> tag names (a saved page, an EUC-JP table), unless its
 * bytes are none of that charset. */
static char *
part_text(GMimePart *part, gboolean *lossy, gboolean *truncated)
{
	GByteArray *arr = part_bytes(part, KENCHI_TEXT_CAP, truncated);
	const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *data = arr->data ? (const char *)arr->data : "";
	gboolean l = FALSE;
	char *s = NULL, *meta;

	/* Bytes that are UTF-8 are read as UTF-8 whatever the tag says: a
	 * page saved in UTF-8 keeps the tag it was written with (round 35a). */
	if (cs == NULL && ct && g_mime_content_type_is_type(ct, "text", "html")) {
		if (kenchi_utf8_valid(data, arr->len))
			s = kenchi_charset_to_utf8(data, arr->len, "UTF-8", &l);
		else if ((meta = kenchi_html_meta_charset(data, arr->len)) != NULL) {
			s = kenchi_charset_to_utf8(data, arr->len, meta, &l);
			g_free(meta);
			if (l) {
				g_free(s);
				s = NULL;
				l = FALSE;
			}
		}
	}
	if (s == NULL)
		s = kenchi_charset_to_utf8(data, arr->len, cs, &l);
	g_byte_array_unref(arr);
	if (l)
		*lossy = TRUE;
	return s;
}

/* text/plain; format=flowed (flowed.h) */
static gboolean
is_flowed(GMimeContentType *ct)
{
	const char *f = ct ? g_mime_content_type_get_parameter(ct, "format") : NULL;

	return f && g_ascii_strcasecmp(f, "flowed") == 0 && g_mime_content_type_is_type(ct, "text", "plain");
}

/* Take the zero-width characters out of T from byte FROM on: U+200B-200D,
 * U+2060, U+FEFF and the soft hyphen (text copied from a web console has
 * them inside labels: "Event Type<ZWSP>:"); a joiner between two non-ASCII
 * bytes stays, a name's own (rt28 V12).  As normalize.c's is_invisible,
 * on the UTF-8 bytes.  U+2010 and U+2011 become "-" on the way. */
static void
drop_invisible(GString *t, gsize from)
{
	char *p = t->str + from, *end = t->str + t->len, *o;

	while (p < end && !(((unsigned char)*p == 0xe2 || (unsigned char)*p == 0xef || (unsigned char)*p == 0xc2)))
		p++;
	for (o = p; p < end; ) {
		const unsigned char *u = (const unsigned char *)p;
		gsize n = 0;

		if (end - p >= 3 && u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x8b && u[2] <= 0x8d)
			n = u[2] > 0x8b && o > t->str && (guchar)o[-1] >= 0x80 && end - p > 3 && u[3] >= 0x80 &&
			    !(u[3] == 0xe2 && (u[4] == 0x80 || u[4] == 0x81)) && u[3] != 0xef && u[3] != 0xc2 ? 0 : 3;
		else if (end - p >= 3 && u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0xa0)
			n = 3;
		else if (end - p >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
			n = 3;
		else if (end - p >= 2 && u[0] == 0xc2 && u[1] == 0xad)
			n = 2;
		if (n) {
			p += n;
			continue;
		}
		/* The hyphen and the non-breaking hyphen (U+2010, U+2011; HTML's
		 * &#8209;) are "-": in "SHA-256", a GUID, a date. */
		if (end - p >= 3 && u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0x90 || u[2] == 0x91)) {
			*o++ = '-';
			p += 3;
			continue;
		}
		*o++ = *p++;
	}
	g_string_truncate(t, (gsize)(o - t->str));
}

static void
append_text(kenchi_mail_t *m, const char *s, gboolean html)
{
	char *t = NULL;
	const char *p;
	gsize room, start;

	if (m->text->len >= KENCHI_TEXT_CAP) {
		m->text_truncated = TRUE;
		return;
	}
	if (html) {
		t = kenchi_html_to_text_as(s, strlen(s), m->typed);
		s = t;
	}
	if (m->text->len > 0)
		g_string_append(m->text, "\n-----\n");
	start = m->text->len;
	room = KENCHI_TEXT_CAP - m->text->len;
	/* Copied a span at a time between CRs (not a character at a time:
	 * this was the parser's hottest loop of its own). */
	for (p = s; *p && room > 0; ) {
		gsize n = strcspn(p, "\r");
		if (n > room)
			n = room;
		g_string_append_len(m->text, p, (gssize)n);
		p += n;
		room -= n;
		if (*p == '\r') {
			/* A reply's CR inside a line is kept, for the command
			 * reader to refuse the line: dropped, "ok\rclose" was a
			 * note "okclose" (reply round rr1 F4). */
			gsize r = MIN(strspn(p, "\r"), room);
			if (m->typed && p[r] != '\n' && p[r] != '\0')
				g_string_append_len(m->text, p, (gssize)r);
			p += r;
			room -= r;
		}
	}
	if (*p)
		m->text_truncated = TRUE;
	drop_invisible(m->text, start);
	g_string_append_c(m->text, '\n');
	g_free(t);
}

static void walk(kenchi_mail_t *m, GMimeObject *obj, int depth);

/* Nothing a person typed: white space (NBSP and U+3000 too), and the
 * "-----" that append_text() puts between parts. */
static gboolean
blank_text(const char *s, gsize n)
{
	const char *e = s + n;

	for (const char *p = s; p < e; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char_validated(p, e - p);

		if (c != '-' && !g_unichar_isspace(c))
			return FALSE;
	}
	return TRUE;
}

/* S without white space around it (NBSP and U+3000 too). */
static char *
trimmed(const char *s, gsize n)
{
	char *t = g_strndup(s, n), *p = t, *e = t + strlen(t);

	while (p < e && (g_ascii_isspace(*p) || (e - p >= 2 && memcmp(p, "\xc2\xa0", 2) == 0) ||
	    (e - p >= 3 && memcmp(p, "\xe3\x80\x80", 3) == 0)))
		p += g_ascii_isspace(*p) ? 1 : (guchar)*p == 0xc2 ? 2 : 3;
	while (e > p && (g_ascii_isspace(e[-1]) || (e - p >= 2 && memcmp(e - 2, "\xc2\xa0", 2) == 0) ||
	    (e - p >= 3 && memcmp(e - 3, "\xe3\x80\x80", 3) == 0)))
		e -= g_ascii_isspace(e[-1]) ? 1 : (guchar)e[-1] == 0xa0 ? 2 : 3;
	memmove(t, p, (gsize)(e - p));
	t[e - p] = '\0';
	return t;
}

/* The HTML read as typed, [H, H+HN), says what its text part [T, T+TN)
 * says: each of its lines above the quoted mail is a line of the text
 * too.  A reply's parts come from one editor; when they disagree the
 * HTML is not the one trusted (round 36b: HTML commands that its text
 * part did not hold). */
static gboolean
lines_within(const char *h, gsize hn, const char *t, gsize tn)
{
	GHashTable *lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	const char *p, *e, *end;
	gboolean ok = TRUE;

	for (p = t, end = t + tn; p < end; p = e + 1) {
		e = memchr(p, '\n', (size_t)(end - p));
		e = e ? e : end;
		g_hash_table_add(lines, trimmed(p, (gsize)(e - p)));
	}
	for (p = h, end = h + hn; ok && p < end; p = e + 1) {
		char *l;

		e = memchr(p, '\n', (size_t)(end - p));
		e = e ? e : end;
		if (p < e && p[0] == '>')
			break;   /* the quoted mail: a client's text of it differs */
		l = trimmed(p, (gsize)(e - p));
		ok = *l == '\0' || strcmp(l, KENCHI_HTML_PARA_GAP) == 0 || g_hash_table_contains(lines, l);
		g_free(l);
	}
	g_hash_table_unref(lines);
	return ok;
}

static void
walk_message(kenchi_mail_t *m, GMimeMessage *inner, int depth)
{
	char *s;

	if (inner == NULL)
		return;
	m->rfc822_parts++;
	s = kenchi_mime_first_from(inner);
	if (s)
		g_ptr_array_add(m->alt_from, s);
	s = kenchi_mime_header_text(GMIME_OBJECT(inner), "Subject", &m->lossy);
	if (s) {
		/* The attached message's Subject, as an inline forward shows it:
		 * the extractor takes a forwarded header's Subject for the
		 * computer of the events after it (each attached alert its
		 * own), and a header ends a block that was no event yet. */
		char *one = g_strdelimit(g_strdup(s), "\r\n", ' ');
		char *line = g_strdup_printf("\nSubject: %s\n\n", one);

		append_text(m, line, FALSE);
		g_free(line);
		g_free(one);
		g_ptr_array_add(m->alt_subject, s);
	}
	walk(m, g_mime_message_get_mime_part(inner), depth + 1);
}

/* A forwarded alert GMime left as a leaf: message/rfc822 sent with a
 * transfer encoding (Exchange base64-encodes them), or a saved .eml file
 * attached as application/octet-stream, as people forward one. */
static gboolean
is_attached_message(GMimeObject *obj, GMimeContentType *ct)
{
	const char *name;

	if (ct && (g_mime_content_type_is_type(ct, "message", "rfc822") ||
	    g_mime_content_type_is_type(ct, "message", "global")))
		return TRUE;
	if (ct && g_mime_content_type_is_type(ct, "text", "*"))
		return FALSE;
	name = g_mime_part_get_filename(GMIME_PART(obj));
	return name && strlen(name) > 4 && g_ascii_strcasecmp(name + strlen(name) - 4, ".eml") == 0;
}

/* A file attached, not the body: its disposition says so, or it has a
 * name.  Placed above the body (Apple Mail, some mobile clients insert a
 * file where the cursor is), a text file's lines were read as the
 * reply's commands and the typed ones ignored (reply round rr1 F6). */
static gboolean
is_attachment(GMimePart *part)
{
	const char *d = g_mime_object_get_disposition(GMIME_OBJECT(part));
	return (d && g_ascii_strcasecmp(d, "attachment") == 0) || g_mime_part_get_filename(part) != NULL;
}

/* An attached file of JSON (an API export a person sent on): its type
 * says so, or its name does. */
static gboolean
is_json_part(GMimeObject *obj, GMimeContentType *ct)
{
	static const char *const subtypes[] = { "json", "x-ndjson", "ndjson", "x-json", "jsonl", NULL };
	const char *name = g_mime_part_get_filename(GMIME_PART(obj));

	for (int k = 0; ct && subtypes[k]; k++)
		if (g_mime_content_type_is_type(ct, "application", subtypes[k]) ||
		    g_mime_content_type_is_type(ct, "text", subtypes[k]))
			return TRUE;
	return name && (g_str_has_suffix(name, ".json") || g_str_has_suffix(name, ".ndjson") ||
	    g_str_has_suffix(name, ".jsonl") || g_str_has_suffix(name, ".JSON"));
}

/* Keep the first JSON attachment's bytes aside, for the caller to tell
 * what it holds; the alert is read from the text alone. */
static void
keep_json(kenchi_mail_t *m, GMimePart *part, GMimeContentType *ct)
{
	GByteArray *arr;
	const char *name = g_mime_part_get_filename(part);

	if (m->json_text != NULL)
		return;
	arr = part_bytes(part, KENCHI_TEXT_CAP, &m->text_truncated);
	m->json_text = g_string_new_len((const char *)arr->data, (gssize)arr->len);
	g_byte_array_unref(arr);
	m->json_name = name ? g_utf8_make_valid(name, -1) : g_mime_content_type_get_mime_type(ct);
	for (char *c = m->json_name; *c; c++)   /* it goes into a reason: one line */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
}

/* Parse PART's decoded bytes as a message and walk it, one level deeper. */
static void
walk_attached(kenchi_mail_t *m, GMimePart *part, int depth)
{
	GByteArray *arr;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *inner;

	/* Each attached message is held while the ones inside it are read: a
	 * budget for all of them, or a chain of quoted-printable .eml files
	 * (which do not shrink as base64 does) held 8 MB a level. */
	if (m->attached_bytes >= KENCHI_TEXT_CAP) {
		m->text_truncated = TRUE;
		return;
	}
	arr = part_bytes(part, KENCHI_TEXT_CAP - m->attached_bytes, &m->text_truncated);
	m->attached_bytes += arr->len;
	if (arr->len == 0) {
		g_byte_array_unref(arr);
		return;
	}
	/* The stream owns the array from here. */
	stream = g_mime_stream_mem_new_with_byte_array(arr);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	inner = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	if (inner != NULL) {
		walk_message(m, inner, depth);
		g_object_unref(inner);
	}
	g_object_unref(stream);
}

/* What a part of type CT is when kenchi cannot read what it holds, or
 * NULL (rt30 S02-S04: said only "no event block found"). */
static const char *
sealed_part(GMimeContentType *ct)
{
	if (g_mime_content_type_is_type(ct, "application", "pkcs7-mime") ||
	    g_mime_content_type_is_type(ct, "application", "x-pkcs7-mime")) {
		const char *t = g_mime_content_type_get_parameter(ct, "smime-type");

		return t && g_ascii_strcasecmp(t, "compressed-data") == 0 ? "an S/MIME compressed part" :
		    t && g_ascii_strcasecmp(t, "signed-data") == 0 ? "an S/MIME opaque-signed part" : "an S/MIME encrypted part";
	}
	if (g_mime_content_type_is_type(ct, "multipart", "encrypted"))
		return "a PGP/MIME encrypted part";
	if (g_mime_content_type_is_type(ct, "message", "partial"))
		return "one piece of a message sent in pieces (message/partial)";
	if (g_mime_content_type_is_type(ct, "message", "external-body"))
		return "a reference to a message kept elsewhere (message/external-body)";
	return NULL;
}

static void
walk(kenchi_mail_t *m, GMimeObject *obj, int depth)
{
	GMimeContentType *ct;

	if (obj == NULL)
		return;
	if (depth > KENCHI_MIME_MAX_DEPTH) {
		m->depth_exceeded++;
		return;
	}
	ct = g_mime_object_get_content_type(obj);
	if (m->sealed == NULL && ct)
		m->sealed = sealed_part(ct);
	if (GMIME_IS_MESSAGE_PART(obj)) {
		walk_message(m, g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj)), depth);
	} else if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i, n = g_mime_multipart_get_count(mp);

		if (ct && g_mime_content_type_is_type(ct, "multipart", "report"))
			m->is_report = TRUE;
		if (ct && g_mime_content_type_is_type(ct, "multipart", "alternative")) {
			/* Prefer text/plain; else the last (richest) alternative. */
			GMimeObject *pick = NULL;
			for (i = 0; i < n && !pick; i++) {
				GMimeObject *c = g_mime_multipart_get_part(mp, i);
				GMimeContentType *cct = g_mime_object_get_content_type(c);
				if (cct && g_mime_content_type_is_type(cct, "text", "plain"))
					pick = c;
			}
			if (pick == NULL && n > 0)
				pick = g_mime_multipart_get_part(mp, n - 1);
			if (m->typed && n > 0) {
				/* A reply: the text its sender typed, unless it
				 * holds nothing; field lines are an alert's.  But the
				 * HTML of an editor that makes a paragraph of each
				 * line: it tells the gap between two paragraphs from
				 * a blank line typed, and its text does not (round
				 * 41a: Thunderbird's and Roundcube's text part has a
				 * blank line after every command). */
				GMimeObject *rich = g_mime_multipart_get_part(mp, n - 1);
				gsize before = m->text->len;
				int hp0 = m->html_parts, tp0 = m->text_parts, hp1, tp1;
				gboolean fl0 = m->flowed, fl1;
				GString *keep, *html;

				walk(m, pick, depth + 1);
				if (rich == pick)
					return;
				if (blank_text(m->text->str + before, m->text->len - before)) {
					g_string_truncate(m->text, before);
					walk(m, rich, depth + 1);
					return;
				}
				/* The HTML, read aside: it replaces the text only
				 * when it has paragraph gaps and agrees with it. */
				hp1 = m->html_parts;
				tp1 = m->text_parts;
				fl1 = m->flowed;
				keep = m->text;
				html = m->text = g_string_new(NULL);
				walk(m, rich, depth + 1);
				m->text = keep;
				if (g_strstr_len(html->str, (gssize)html->len, KENCHI_HTML_PARA_GAP) != NULL &&
				    lines_within(html->str, html->len, keep->str + before, keep->len - before)) {
					g_string_truncate(keep, before);
					if (before > 0)
						g_string_append(keep, "\n-----\n");   /* as append_text() parts them */
					g_string_append_len(keep, html->str, (gssize)html->len);
					m->html_parts = hp0 + (m->html_parts - hp1);
					m->text_parts = tp0 + (m->text_parts - tp1);
					m->flowed = fl0;
				} else {
					m->html_parts = hp1;
					m->text_parts = tp1;
					m->flowed = fl1;
				}
				g_string_free(html, TRUE);
				return;
			}
			{
				gsize before = m->text->len;
				GMimeObject *rich = n > 0 ? g_mime_multipart_get_part(mp, n - 1) : NULL;

				walk(m, pick, depth + 1);
				/* A text/plain that is only a placeholder ("This message
				 * is in HTML format") or empty: read the richest
				 * alternative too.  A real one has field lines. */
				int lines = rich && rich != pick ? kenchi_field_lines(m->text->str + before, m->text->len - before) : 0;

				if (rich && rich != pick && lines < 3) {
					/* A placeholder: the richer part instead.  Both read
					 * gave a near-empty event of the placeholder's two
					 * lines beside the real one.  A text of no field line
					 * may still be the alert, a client's text of its
					 * table with each label over its value: kept aside,
					 * read only if the richer part has no event (both
					 * read gave every event twice). */
					if (lines == 0 && m->text->len > before) {
						if (m->alt_text == NULL)
							m->alt_text = g_string_new(NULL);
						g_string_append_len(m->alt_text, m->text->str + before, m->text->len - before);
					}
					g_string_truncate(m->text, before);
					walk(m, rich, depth + 1);
				} else if (rich && rich != pick &&
				    (lines < KENCHI_FIELD_LINES_REAL ||
				     memchr(m->text->str + before, '\t', m->text->len - before) != NULL)) {
					/* Thin, but not a placeholder: a client may have
					 * flattened the alert's table ("Event Type Threat
					 * Detected", no colon).  Or tabbed: a client's text of
					 * a digest table, whose rows a <br> in a cell cut in
					 * two.  The richer part is kept aside, read only if
					 * this text has no event. */
					GString *keep = m->text, *aside = m->alt_text ? m->alt_text : g_string_new(NULL);

					/* The richer part is read into ASIDE; what it sets
					 * aside in turn (an alternative nested in it) goes
					 * there too, not over it. */
					m->text = aside;
					m->alt_text = NULL;
					walk(m, rich, depth + 1);
					if (m->alt_text != NULL && m->alt_text != aside) {
						g_string_append_len(aside, m->alt_text->str, (gssize)m->alt_text->len);
						g_string_free(m->alt_text, TRUE);
					}
					m->alt_text = aside;
					m->text = keep;
				}
			}
			return;
		}
		for (i = 0; i < n; i++)
			walk(m, g_mime_multipart_get_part(mp, i), depth + 1);
	} else if (GMIME_IS_PART(obj)) {
		gboolean html;
		char *s;

		if (is_attached_message(obj, ct)) {
			walk_attached(m, GMIME_PART(obj), depth);
			return;
		}
		if (is_json_part(obj, ct)) {
			keep_json(m, GMIME_PART(obj), ct);
			return;
		}
		if (ct && !g_mime_content_type_is_type(ct, "text", "*"))
			return;   /* attachments that are not text carry no alert */
		if (m->typed && is_attachment(GMIME_PART(obj)))
			return;   /* a reply's commands are what its sender typed */
		html = ct && g_mime_content_type_is_type(ct, "text", "html");
		s = part_text(GMIME_PART(obj), &m->lossy, &m->text_truncated);
		/* An HTML document labelled text/plain (a helpdesk relay's: rt27 F10) */
		html = html || (ct && g_mime_content_type_is_type(ct, "text", "plain") && kenchi_html_looks(s, strlen(s)));
		if (!html && is_flowed(ct)) {
			const char *delsp = g_mime_content_type_get_parameter(ct, "delsp");
			char *t = kenchi_flowed_decode(s, delsp && g_ascii_strcasecmp(delsp, "yes") == 0);
			g_free(s);
			s = t;
			m->flowed = TRUE;
		} else if (ct && g_mime_content_type_is_type(ct, "text", "enriched")) {
			char *t = kenchi_enriched_to_text(s);
			g_free(s);
			s = t;
		}
		if (html)
			m->html_parts++;
		else
			m->text_parts++;
		append_text(m, s, html);
		g_free(s);
	}
}

/* Free a GByteArray made by g_byte_array_new_take() over bytes we do not own. */
static void
release_bytes(GByteArray *arr)
{
	(void)g_byte_array_steal(arr, NULL);
	g_byte_array_unref(arr);
}

/* Line ends GMime does not take, as a copy with ends it takes (the
 * stored bytes stay as they came), its length in *LEN; else NULL:
 * - "\r\r\n" on the first line (a CRLF file converted to CRLF once
 *   more): no line was blank to GMime, so the header block never ended
 *   and the body was lost.  Every "\r\r\n" becomes "\r\n".
 * - a lone "\r" anywhere (old Mac line ends, or a CRLF header over a
 *   body a tool wrote with CR alone): the whole message was one header
 *   line, or the body one line, and the alert was lost.  Each becomes
 *   "\n".  In a reply (TYPED), only one after the last "\n" does: one
 *   before it is inside a line that ends, and a line end there would
 *   split "note: pasted\rclose" into two commands (reply round rr1 F4);
 *   kept, it makes the line an error. */
static char *
fix_line_ends(const char *raw, gsize *len, gboolean typed)
{
	const char *end = raw + *len, *nl = memchr(raw, '\n', MIN(*len, (gsize)65536)), *p;
	const char *last_nl = NULL;
	gboolean dbl = nl && nl - raw >= 2 && nl[-1] == '\r' && nl[-2] == '\r', lone = FALSE;
	char *out, *o;

	for (p = end; typed && p > raw && last_nl == NULL; p--)
		last_nl = p[-1] == '\n' ? p - 1 : NULL;
	for (p = memchr(raw, '\r', *len); p && !lone; p = p + 1 < end ? memchr(p + 1, '\r', (size_t)(end - p - 1)) : NULL)
		lone = (p + 1 == end || (p[1] != '\n' && !(p[1] == '\r' && p + 2 < end && p[2] == '\n'))) &&
		    (last_nl == NULL || p > last_nl);
	if (!dbl && !lone)
		return NULL;
	o = out = g_malloc(*len);
	for (p = raw; p < end; p++) {
		if (*p != '\r' || (p + 1 < end && p[1] == '\n'))
			*o++ = *p;
		else if (p + 2 < end && p[1] == '\r' && p[2] == '\n') {
			if (!dbl)
				*o++ = *p;
		} else {
			*o++ = last_nl && p < last_nl ? '\r' : '\n';
		}
	}
	*len = (gsize)(o - out);
	return out;
}

/* RAW as a mail (kenchi_mail_parse()), or, HEADLESS, as a mail's body
 * with no header: a blank line is read before it, from a stream of its
 * own, so that a big text is not copied to have one put in front. */
static kenchi_status_t
parse(const char *raw, gsize len, gboolean headless, gboolean typed, kenchi_mail_t **out, const char **reason)
{
	GMimeStream *stream, *src;
	GByteArray *arr;
	GMimeParser *parser;
	GMimeMessage *msg;
	kenchi_mail_t *m;
	char *fixed;

	*out = NULL;
	if (len == 0) {
		*reason = "empty message";
		return KENCHI_BAD_INPUT;
	}
	if ((fixed = fix_line_ends(raw, &len, typed)) != NULL)
		raw = fixed;
	/* The stream reads the caller's bytes in place, without a copy (a 50 MB
	 * message was a 50 MB copy); owner FALSE: GMime never frees or writes
	 * them, and the array wrapper is ours to free once the stream is gone.
	 * Persist mode keeps GMime from copying parts again. */
	arr = g_byte_array_new_take((guint8 *)raw, len);
	stream = g_mime_stream_mem_new();
	g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(stream), arr);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	src = g_object_ref(stream);
	if (headless) {
		/* A header of its own: none, or a part saved as HTML (round
		 * 31a), whose charset is guessed as a plain part's is. */
		static const char html_head[] = "Content-Type: text/html\n\n";
		GMimeStream *blank = kenchi_html_looks(raw, len) ?
		    g_mime_stream_mem_new_with_buffer(html_head, sizeof html_head - 1) :
		    g_mime_stream_mem_new_with_buffer("\n", 1);

		g_object_unref(src);
		src = g_mime_stream_cat_new();
		g_mime_stream_cat_add_source(GMIME_STREAM_CAT(src), blank);
		g_mime_stream_cat_add_source(GMIME_STREAM_CAT(src), stream);
		g_object_unref(blank);
	}
	parser = g_mime_parser_new_with_stream(src);
	g_mime_parser_set_persist_stream(parser, TRUE);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	if (msg == NULL) {
		g_object_unref(src);
		g_object_unref(stream);
		release_bytes(arr);
		g_free(fixed);
		*reason = "not a MIME message";
		return KENCHI_BAD_INPUT;
	}
	m = g_new0(kenchi_mail_t, 1);
	m->recipients = g_ptr_array_new_with_free_func(g_free);
	m->alt_from = g_ptr_array_new_with_free_func(g_free);
	m->alt_subject = g_ptr_array_new_with_free_func(g_free);
	m->text = g_string_sized_new(4096);
	m->no_header = headless;
	m->typed = typed;

	kenchi_mime_read_headers(m, msg);

	walk(m, g_mime_message_get_mime_part(msg), 0);

	g_object_unref(msg);
	g_object_unref(src);
	g_object_unref(stream);
	release_bytes(arr);
	g_free(fixed);
	*out = m;
	return KENCHI_OK;
}

kenchi_status_t
kenchi_mail_parse(const char *raw, gsize len, kenchi_mail_t **out, const char **reason)
{
	return parse(raw, len, FALSE, FALSE, out, reason);
}

kenchi_status_t
kenchi_mail_parse_body(const char *raw, gsize len, kenchi_mail_t **out, const char **reason)
{
	return parse(raw, len, TRUE, FALSE, out, reason);
}

void
kenchi_mail_retext_typed(kenchi_mail_t *m, const char *raw, gsize len)
{
	kenchi_mail_t *t;
	const char *why;
	GString *swap;

	if (m->typed || parse(raw, len, FALSE, TRUE, &t, &why) != KENCHI_OK)
		return;
	swap = m->text;
	m->text = t->text;
	t->text = swap;
	m->typed = TRUE;
	m->flowed = t->flowed;
	m->html_parts = t->html_parts;
	m->text_parts = t->text_parts;
	m->text_truncated = t->text_truncated;
	m->lossy |= t->lossy;
	kenchi_mail_free(t);
}
