/*
 * mailer.c - build one outgoing report mail and serialize it with CRLF line
 * ends, ready for smtp.c (libesmtp sends the bytes as they are and needs
 * CRLF to find the end of the headers).
 *
 * Decisions a reader might question:
 *  - No GMimeMessage is built.  A report has one text/plain part and a
 *    fixed set of headers, and building, serializing and freeing the
 *    object tree cost about 0.75M instructions a mail (most of the cost of
 *    rendering a report).  Addresses, ids, dates and ASCII text are still
 *    made by GMime's own formatters, called as GMimeMessage calls them
 *    (see append_header and address_header), so those bytes are what a
 *    GMimeMessage would write.  Non-ASCII text (a Japanese Subject) is
 *    written as B-encoded words we build, whole characters in each word,
 *    in ISO-2022-JP or UTF-8 (encoded_words.c).  GMime's encoder leaves a word that
 *    looks like an encoded word ("=?utf-8?q?...?=") as it is, so a mail
 *    reader would decode, not print, such text from an alert; ours
 *    encodes it.  (It also cost a notice a twentieth of its price, and
 *    picked ISO-8859-1 for Latin-1 text.)  The body is encoded here (7bit
 *    as it is, base64 with GMime's encoder).
 *  - Address headers are the same for every mail of a customer (From, To,
 *    Cc), so their formatted lines are cached (address_cache): parsing and
 *    re-encoding them was a sixth of the cost.
 *  - ISO-2022-JP never goes through GMime's or glibc's converters: glibc's
 *    ISO-2022-JP refuses ① and ㈱, which customers' company names contain.
 *    The Subject is therefore written as encoded words we build ourselves,
 *    each word a complete ISO-2022-JP sequence ending in ESC ( B so that a
 *    reader decoding word by word still gets whole characters, and the
 *    body is encoded here, each line ending in ASCII mode as RFC 1468 asks.
 *  - A report never replaces a character: a mail for an ISO-2022-JP
 *    customer whose text has a character JIS cannot hold goes out whole in
 *    UTF-8 (a '?' in a path named a folder that does not exist: rp1 F6).
 *  - UTF-8 bodies are base64 of the UTF-8 bytes (made CRLF first, RFC 2045
 *    6.8): no line-length limit, no
 *    8BITMIME dependency, and no way for body text to look like protocol.
 *    (GMime's text part would have stored a body whose only non-ASCII
 *    characters are Latin-1 as ISO-8859-1 bytes under our charset=utf-8
 *    label: "café" arrived garbled.)
 *  - Header values are sanitized (controls become spaces), but addresses
 *    and ids with controls are refused: silently rewriting an address could
 *    turn "a@x\r\nBcc: b@y" into a group that mails b@y.
 *  - The result is checked once more for a bare CR or LF before it is
 *    returned, so the CRLF promise holds whatever the formatters did.
 */
#include "report/mailer.h"
#include "report/encoded_words.h"
#include "parse/charset.h"
#include "parse/mime.h"
#include "util/utf8.h"

#include <gmime/gmime.h>
#include <string.h>


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

	/* Valid UTF-8 with no control (bytes below 0x20, DEL, C1 as C2 80..9F,
	 * U+2028 and U+2029 as E2 80 A8 and A9) and no space at either end,
	 * most values, is its own answer. */
	for (p = s; *p; p++) {
		guchar c = (guchar)*p;

		if (c < 0x20 || c == 0x7f || (c == 0xC2 && (guchar)p[1] >= 0x80 && (guchar)p[1] <= 0x9F) ||
		    (c == 0xE2 && (guchar)p[1] == 0x80 && ((guchar)p[2] == 0xA8 || (guchar)p[2] == 0xA9)))
			break;
	}
	if (*p == '\0' && (p == s || (s[0] != ' ' && p[-1] != ' ')) && kenchi_utf8_valid(s, p - s))
		return g_strdup(s);
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
gboolean
kenchi_mail_valid_msgid(const char *id)
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

/* The header line "NAME: addresses\n" of INPUTS (each one address string),
 * made as GMimeMessage makes it when its address list changes (the list
 * encoded after "NAME: ", folded by GMime), or by our own encoder
 * when JIS and a display name is not ASCII.  NULL when an input is
 * refused (add_addresses).  *first_addr (may be NULL) gets the first
 * addr-spec. */
static char *
format_addresses(const char *name, const char *const *inputs, gboolean jis, char **first_addr)
{
	InternetAddressList *list = internet_address_list_new();
	GString *str;
	gboolean any_jis = FALSE;
	int i;

	for (i = 0; inputs[i] != NULL; i++)
		if (!add_addresses(list, inputs[i], first_addr)) {
			g_object_unref(list);
			return NULL;
		}
	for (i = 0; jis && i < internet_address_list_length(list); i++) {
		const char *dn = internet_address_get_name(internet_address_list_get_address(list, i));

		any_jis = any_jis || (dn != NULL && !is_ascii(dn));
	}
	str = g_string_new(name);
	if (any_jis) {
		g_string_append_c(str, ':');
		kenchi_encoded_words_jis_addresses(str, list);
	} else {
		g_string_append(str, ": ");
		internet_address_list_encode(list, NULL, str);
	}
	g_object_unref(list);
	return g_string_free(str, FALSE);
}

/* A bare addr-spec of ASCII letters, digits, '+', '-', '_' and dots (no
 * dot at either end of a part, no two together), short enough not to
 * fold: GMime parses it as one mailbox and writes it back unchanged, so
 * format_addresses would give "NAME: S\n".  The per-case Reply-To
 * (soc+case-N-TOKEN@domain) is one. */
static gboolean
simple_addr_spec(const char *name, const char *s)
{
	const char *at = s ? strchr(s, '@') : NULL, *p;

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	    strlen(name) + 2 + strlen(s) > 76)
		return FALSE;
	for (p = s; *p; p++) {
		if (*p == '.') {
			if (p == s || p[-1] == '.' || p[-1] == '@' || p[1] == '.' || p[1] == '@' || p[1] == '\0')
				return FALSE;
		} else if (*p != '@' && !g_ascii_isalnum(*p) && *p != '+' && *p != '-' && *p != '_') {
			return FALSE;
		}
	}
	return TRUE;
}

/* Cache of format_addresses() for the lists that repeat (From, To, Cc: the
 * configured addresses).  A pure function of its inputs, so a cached
 * answer, refusals included, is the answer.  Cleared when it holds
 * ADDR_CACHE_MAX lists, so odd inputs cannot grow it without bound. */
#define ADDR_CACHE_MAX 256

typedef struct {
	char *line;          /* NULL: refused */
	char *first_addr;
} addr_entry_t;

static GMutex addr_lock;
static GHashTable *addr_cache;   /* key (owned) -> addr_entry_t (owned) */

static void
addr_entry_free(gpointer p)
{
	addr_entry_t *e = p;

	g_free(e->line);
	g_free(e->first_addr);
	g_free(e);
}

/* Append the header line for INPUTS to OUT; FALSE when refused.  CACHED:
 * look it up in (and add it to) addr_cache.  JIS: an ISO-2022-JP mail. */
static gboolean
address_header(GString *out, const char *name, const char *const *inputs, gboolean cached, gboolean jis,
               char **first_addr)
{
	GString *key;
	addr_entry_t *e;
	gboolean ok;
	guint i;

	if (!cached) {
		char *line;

		if (inputs[0] != NULL && inputs[1] == NULL && first_addr == NULL &&
		    simple_addr_spec(name, inputs[0])) {
			g_string_append_printf(out, "%s: %s\n", name, inputs[0]);
			return TRUE;
		}
		line = format_addresses(name, inputs, jis, first_addr);

		if (line == NULL)
			return FALSE;
		g_string_append(out, line);
		g_free(line);
		return TRUE;
	}
	/* length-prefixed, so that no two lists share a key */
	key = g_string_new(name);
	if (jis)
		g_string_append(key, "\nJ");
	for (i = 0; inputs[i] != NULL; i++) {
		char num[24];
		gsize n = strlen(inputs[i]), k = sizeof num;

		do
			num[--k] = (char)('0' + n % 10);
		while ((n /= 10) > 0);
		g_string_append_c(key, '\n');
		g_string_append_len(key, num + k, sizeof num - k);
		g_string_append_c(key, ':');
		g_string_append(key, inputs[i]);
	}
	g_mutex_lock(&addr_lock);
	if (addr_cache == NULL)
		addr_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, addr_entry_free);
	e = g_hash_table_lookup(addr_cache, key->str);
	if (e == NULL) {
		e = g_new0(addr_entry_t, 1);
		e->line = format_addresses(name, inputs, jis, &e->first_addr);
		if (g_hash_table_size(addr_cache) >= ADDR_CACHE_MAX)
			g_hash_table_remove_all(addr_cache);
		g_hash_table_insert(addr_cache, g_string_free(key, FALSE), e);
		key = NULL;
	}
	ok = e->line != NULL;
	if (ok) {
		g_string_append(out, e->line);
		if (first_addr != NULL && *first_addr == NULL && e->first_addr != NULL)
			*first_addr = g_strdup(e->first_addr);
	}
	g_mutex_unlock(&addr_lock);
	if (key != NULL)
		g_string_free(key, TRUE);
	return ok;
}

/* The header block under construction.  SCRATCH (made when first needed)
 * formats values: appending NAME to it runs the formatter GMime picks for
 * NAME (message ids, references, unstructured text), with the arguments
 * g_mime_object_append_header and g_mime_message_set_* pass, so a value
 * comes out as a GMimeMessage would write it.  OUT has LF line ends. */
typedef struct {
	GMimeHeaderList *scratch;
	GString *out;
} headers_t;

static void
append_raw(headers_t *h, const char *name, const char *raw)
{
	g_string_append(h->out, name);
	g_string_append_c(h->out, ':');
	g_string_append(h->out, raw);
}

/* A value GMime's formatters write unchanged (" VALUE\n"): printable ASCII
 * words separated by single spaces, nothing that reads as an encoded word
 * ("=?"), and short enough that "NAME: VALUE" needs no folding (GMime folds
 * past 78 columns).  Such values, most of a report's, skip the formatter. */
static gboolean
plain_value(const char *name, const char *value)
{
	const char *p;

	if (*value == '\0' || *value == ' ' || strlen(name) + 2 + strlen(value) > 76)
		return FALSE;
	for (p = value; *p; p++) {
		if (*p == ' ' ? p[1] == ' ' || p[1] == '\0' : (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return FALSE;
		if (p[0] == '=' && p[1] == '?')
			return FALSE;
	}
	return TRUE;
}

static void
append_header(headers_t *h, const char *name, const char *value, const char *charset)
{
	GMimeHeader *hd;

	if (plain_value(name, value)) {
		g_string_append(h->out, name);
		g_string_append(h->out, ": ");
		g_string_append(h->out, value);
		g_string_append_c(h->out, '\n');
		return;
	}
	if (h->scratch == NULL)
		h->scratch = g_mime_header_list_new(NULL);
	g_mime_header_list_append(h->scratch, name, value, charset);
	hd = g_mime_header_list_get_header_at(h->scratch, g_mime_header_list_get_count(h->scratch) - 1);
	append_raw(h, name, g_mime_header_get_raw_value(hd));
}

/* Set header NAME to the sanitized TEXT.  Non-ASCII text goes through our
 * own encoded words, ISO-2022-JP or UTF-8 (see the top of the file);
 * ASCII text through GMime's formatter, which folds it, unless it holds
 * "=?": GMime writes a word that looks like an encoded word as it is, and
 * the reader would decode what the alert said instead of showing it; or a
 * word too long for a line, which GMime encodes into a word longer than
 * RFC 2047's 75 characters (rp1 F9). */
static void
set_text_header(headers_t *h, const char *name, const char *text, gboolean jis, gboolean *lossy)
{
	char *raw;

	if (is_ascii(text) && strstr(text, "=?") == NULL && !kenchi_encoded_words_long_word(text)) {
		append_header(h, name, text, "utf-8");
		return;
	}
	raw = jis ? kenchi_encoded_words_iso2022jp(name, text, lossy) : kenchi_encoded_words_utf8(name, text);
	append_raw(h, name, raw);
	g_free(raw);
}

/* The Date value of T as GMime writes it (local time), or NULL.  The
 * report and the notice of a case, and every mail of one ingest second,
 * share it: the last one is kept (GTimeZone and the formatting were a
 * tenth of the cost of a mail). */
static char *
format_date(gint64 t)
{
	static GMutex lock;
	static gint64 last_t;
	static char *last;
	GDateTime *dt;
	char *s;

	g_mutex_lock(&lock);
	s = last != NULL && last_t == t ? g_strdup(last) : NULL;
	g_mutex_unlock(&lock);
	if (s != NULL || (dt = g_date_time_new_from_unix_local(t)) == NULL)
		return s;
	s = g_mime_utils_header_format_date(dt);
	g_date_time_unref(dt);
	g_mutex_lock(&lock);
	g_free(last);
	last = g_strdup(s);
	last_t = t;
	g_mutex_unlock(&lock);
	return s;
}

/* Body text -> LF-only, ending in a newline (so the message ends in CRLF
 * and libesmtp adds nothing), and valid UTF-8 when CHECK_UTF8.  The
 * ISO-2022-JP encoder reads UTF-8 itself and turns a bad byte into '?'
 * (lossy), so a body bound for it skips the check, which cost as much as
 * the encoding's table look-ups. */
static char *
normalize_body(const char *body, gboolean check_utf8, gboolean *lossy)
{
	char *valid = NULL;
	const char *p, *cr;
	GString *out;

	if (check_utf8 && !kenchi_utf8_valid(body, strlen(body))) {
		valid = g_utf8_make_valid(body, -1);
		*lossy = TRUE;
	}
	p = valid ? valid : body;
	out = g_string_sized_new(strlen(p) + 1);
	/* CRLF and lone CR become LF */
	while ((cr = strchr(p, '\r')) != NULL) {
		g_string_append_len(out, p, cr - p);
		g_string_append_c(out, '\n');
		p = cr[1] == '\n' ? cr + 2 : cr + 1;
	}
	g_string_append(out, p);
	if (out->len == 0 || out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
	g_free(valid);
	return g_string_free(out, FALSE);
}

/* Base64 of the N bytes of text at DATA (LF line ends), 76-character
 * lines (GMime's encoder), appended to OUT.  The text is made CRLF first:
 * RFC 2045 6.8 encodes text in its canonical form (rp1 F12). */
static void
append_base64_text(GString *out, const char *data, gsize n)
{
	GString *crlf = g_string_sized_new(n + n / 16 + 2);
	const char *p = data, *end = data + n, *nl;
	gsize len;
	int state = 0;
	guint32 save = 0;

	for (; (nl = memchr(p, '\n', end - p)) != NULL; p = nl + 1) {
		g_string_append_len(crlf, p, nl - p);
		g_string_append(crlf, "\r\n");
	}
	g_string_append_len(crlf, p, end - p);
	g_string_set_size(out, out->len + GMIME_BASE64_ENCODE_LEN(crlf->len));
	out->len -= GMIME_BASE64_ENCODE_LEN(crlf->len);
	len = g_mime_encoding_base64_encode_close((const guchar *)crlf->str, crlf->len,
	                                          (guchar *)out->str + out->len, &state, &save);
	g_string_set_size(out, out->len + len);
	g_string_free(crlf, TRUE);
}

/* TRUE when a line of the N bytes at S (LF line ends) is longer than the
 * 998 octets RFC 5322 2.1.1 allows a line. */
static gboolean
has_long_line(const char *s, gsize n)
{
	const char *end = s + n, *nl;

	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', end - s);
		if (nl == NULL)
			nl = end;
		if (nl - s > 998)
			return TRUE;
	}
	return FALSE;
}

/* The text/plain part (its headers, the empty line, the body) appended to
 * OUT: JIS (JIS_LEN bytes), the body in ISO-2022-JP, each line ending in
 * ASCII mode (RFC 1468), or when JIS is NULL, BODY (normalized: LF line
 * ends, ending in LF) in UTF-8, base64 (no line-length limit, no 8BITMIME
 * dependency).  ISO-2022-JP is 7bit unless a line is too long for 7bit
 * (a 1,350-character path, rp1 F7): then base64 of the same bytes, which
 * keeps the customer's charset, rather than a line a relay would wrap in
 * the middle of an escape sequence. */
static void
append_body_part(GString *out, const char *body, const char *jis, gsize jis_len)
{
	if (jis != NULL && !has_long_line(jis, jis_len)) {
		g_string_append(out, "Content-Type: text/plain; charset=ISO-2022-JP\n"
		                     "Content-Transfer-Encoding: 7bit\n\n");
		g_string_append_len(out, jis, jis_len);
	} else if (jis != NULL) {
		g_string_append(out, "Content-Type: text/plain; charset=ISO-2022-JP\n"
		                     "Content-Transfer-Encoding: base64\n\n");
		append_base64_text(out, jis, jis_len);
	} else {
		g_string_append(out, "Content-Type: text/plain; charset=utf-8\n"
		                     "Content-Transfer-Encoding: base64\n\n");
		append_base64_text(out, body, strlen(body));
	}
}

/* S with every LF that has no CR before it turned into CRLF (what GMime's
 * unix2dos filter did to the old message writer's output), or NULL when
 * the result would not have CRLF and nothing else as line ends, ending in
 * CRLF: the promise of mailer.h, checked whatever the formatters did. */
static char *
to_crlf(const GString *s, gsize *len)
{
	const char *p = s->str, *end = s->str + s->len, *nl;
	gsize lf = 0;
	char *o, *q;

	if (s->len == 0 || s->str[s->len - 1] != '\n')
		return NULL;
	for (nl = p; (nl = memchr(nl, '\n', end - nl)) != NULL; nl++)
		lf++;
	o = q = g_malloc(s->len + lf + 1);
	for (; p < end; p = nl + 1) {
		const char *cr;

		nl = memchr(p, '\n', end - p);   /* found: S ends in LF */
		/* a CR is allowed only right before the LF */
		cr = memchr(p, '\r', nl - p);
		if (cr != NULL && cr != nl - 1) {
			g_free(o);
			return NULL;
		}
		memcpy(q, p, nl - p);
		q += nl - p;
		if (cr == NULL)
			*q++ = '\r';
		*q++ = '\n';
	}
	*q = '\0';
	*len = q - o;
	return o;
}

kenchi_status_t
kenchi_mail_build(const kenchi_mail_spec_t *spec, char **out, gsize *len,
                  gboolean *lossy)
{
	kenchi_status_t st = KENCHI_BAD_INPUT;
	headers_t h = { NULL, NULL };
	char *from_addr = NULL, *subject = NULL, *text = NULL, *refs = NULL, *date = NULL;
	char *jis_body = NULL;
	gsize jis_len = 0;
	GPtrArray *extra = g_ptr_array_new_with_free_func(g_free);   /* sanitized values */
	const char *one[2] = { NULL, NULL };
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
	if (!kenchi_mail_valid_msgid(spec->message_id) ||
	    (spec->in_reply_to != NULL && !kenchi_mail_valid_msgid(spec->in_reply_to)))
		return KENCHI_BAD_INPUT;

	for (i = 0; spec->extra_headers != NULL && spec->extra_headers[i] != NULL; i += 2) {
		const char *name = spec->extra_headers[i];
		const char *value = spec->extra_headers[i + 1];

		if (value == NULL || !valid_field_name(name) || reserved_name(name))
			goto done;
		g_ptr_array_add(extra, sanitize_text(value, &lost));
	}
	subject = sanitize_text(spec->subject ? spec->subject : "", &lost);

	/* A report must not lose a character: when the body, the Subject or
	 * an extra header has one that ISO-2022-JP cannot hold (an emoji, an
	 * Arabic folder name, invalid UTF-8), the whole mail is UTF-8, which
	 * the customer's client reads (rp1 F6; kenchi.conf(5) charset).  The
	 * encoder reads UTF-8 unchecked, so the body is checked by encoding
	 * it. */
	if (jis) {
		gboolean l = FALSE;

		text = normalize_body(spec->body, FALSE, &l);
		jis_body = kenchi_charset_utf8_to_iso2022jp(text, &jis_len, &l);
		for (i = 0; !l && i < extra->len; i++)
			l = !kenchi_encoded_words_jis_encodable(g_ptr_array_index(extra, i));
		if (l || !kenchi_encoded_words_jis_encodable(subject)) {
			jis = FALSE;
			g_clear_pointer(&jis_body, g_free);
			g_clear_pointer(&text, g_free);
		}
	}
	if (!jis)
		text = normalize_body(spec->body, TRUE, &lost);

	h.out = g_string_sized_new(4096);

	/* addresses: refused, never repaired (see the top of the file); the
	 * same order as GMimeMessage, whose headers appear as they are set */
	one[0] = spec->from;
	if (!address_header(h.out, "From", one, TRUE, jis, &from_addr) ||
	    !address_header(h.out, "To", spec->to, TRUE, jis, NULL) ||
	    (spec->cc != NULL && spec->cc[0] != NULL && !address_header(h.out, "Cc", spec->cc, TRUE, jis, NULL)))
		goto done;
	one[0] = spec->reply_to;
	/* Reply-To carries a per-case token: caching it would only churn */
	if (spec->reply_to != NULL && !address_header(h.out, "Reply-To", one, FALSE, jis, NULL))
		goto done;

	set_text_header(&h, "Subject", subject, jis, &lost);

	/* as g_mime_message_set_date and _set_message_id write them */
	if ((date = format_date(spec->date)) == NULL)
		goto done;
	append_header(&h, "Date", date, NULL);
	{
		char *v = g_strdup_printf("<%s>", spec->message_id);
		append_header(&h, "Message-Id", v, NULL);
		g_free(v);
	}
	if (spec->in_reply_to != NULL) {
		char *v = g_strdup_printf("<%s>", spec->in_reply_to);
		append_header(&h, "In-Reply-To", v, NULL);
		g_free(v);
	}
	if (spec->references != NULL) {
		char **ids = g_strsplit_set(spec->references, " \t", -1);
		GString *r = g_string_new("");

		for (i = 0; ids[i] != NULL; i++) {
			if (ids[i][0] == '\0')
				continue;
			if (!kenchi_mail_valid_msgid(ids[i])) {
				g_strfreev(ids);
				g_string_free(r, TRUE);
				goto done;
			}
			g_string_append_printf(r, "%s<%s>", r->len ? " " : "", ids[i]);
		}
		g_strfreev(ids);
		refs = g_string_free(r, FALSE);
		if (*refs)
			append_header(&h, "References", refs, NULL);
	}

	/* RFC 3834: auto-responders must not answer us; the loop header lets
	 * our own ingest recognise a report that comes back */
	append_header(&h, "Auto-Submitted", "auto-generated", NULL);
	append_header(&h, KENCHI_LOOP_HEADER, from_addr, NULL);

	for (i = 0; i < extra->len; i++)
		set_text_header(&h, spec->extra_headers[2 * i], g_ptr_array_index(extra, i), jis, &lost);
	append_header(&h, "MIME-Version", "1.0", NULL);

	append_body_part(h.out, text, jis_body, jis_len);

	st = KENCHI_FAIL;
	if ((*out = to_crlf(h.out, len)) == NULL)
		goto done;
	if (lossy != NULL)
		*lossy = lost;
	st = KENCHI_OK;
done:
	if (h.scratch != NULL)
		g_object_unref(h.scratch);
	if (h.out != NULL)
		g_string_free(h.out, TRUE);
	g_free(from_addr);
	g_free(subject);
	g_free(text);
	g_free(jis_body);
	g_ptr_array_free(extra, TRUE);
	g_free(refs);
	g_free(date);
	return st;
}
