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
 *    in ISO-2022-JP (below) or UTF-8.  GMime's encoder leaves a word that
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
 *  - UTF-8 bodies are base64 of the UTF-8 bytes: no line-length limit, no
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
#define EW_UTF8_PREFIX "=?UTF-8?B?"
#define EW_UTF8_OVERHEAD 12
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

	/* Valid UTF-8 with no control (bytes below 0x20, DEL, C1 as C2 80..9F,
	 * U+2028 and U+2029 as E2 80 A8 and A9) and no space at either end,
	 * most values, is its own answer. */
	for (p = s; *p; p++) {
		guchar c = (guchar)*p;

		if (c < 0x20 || c == 0x7f || (c == 0xC2 && (guchar)p[1] >= 0x80 && (guchar)p[1] <= 0x9F) ||
		    (c == 0xE2 && (guchar)p[1] == 0x80 && ((guchar)p[2] == 0xA8 || (guchar)p[2] == 0xA9)))
			break;
	}
	if (*p == '\0' && (p == s || (s[0] != ' ' && p[-1] != ' ')) && g_utf8_validate(s, p - s, NULL))
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

/* The header line "NAME: addresses\n" of INPUTS (each one address string),
 * made as GMimeMessage makes it when its address list changes (the list
 * encoded after "NAME: ", folded by GMime).  NULL when an input is refused
 * (add_addresses).  *first_addr (may be NULL) gets the first addr-spec. */
static char *
format_addresses(const char *name, const char *const *inputs, char **first_addr)
{
	InternetAddressList *list = internet_address_list_new();
	GString *str;
	guint i;

	for (i = 0; inputs[i] != NULL; i++)
		if (!add_addresses(list, inputs[i], first_addr)) {
			g_object_unref(list);
			return NULL;
		}
	str = g_string_new(name);
	g_string_append(str, ": ");
	internet_address_list_encode(list, NULL, str);
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
 * look it up in (and add it to) addr_cache. */
static gboolean
address_header(GString *out, const char *name, const char *const *inputs, gboolean cached, char **first_addr)
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
		line = format_addresses(name, inputs, first_addr);

		if (line == NULL)
			return FALSE;
		g_string_append(out, line);
		g_free(line);
		return TRUE;
	}
	/* length-prefixed, so that no two lists share a key */
	key = g_string_new(name);
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
		e->line = format_addresses(name, inputs, &e->first_addr);
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

/* Raw header value " =?ISO-2022-JP?B?...?=\n =?...?=\n" for TEXT (UTF-8,
 * already sanitized).  Each word holds as many whole characters as fit in
 * its budget; each is encoded separately, so each ends in ASCII. */
static gsize
word_budget(gsize chars, gsize overhead)
{
	gsize b64 = chars > overhead + 16 ? chars - overhead : 16;

	return b64 / 4 * 3;
}

/* Characters P..END encoded alone (a whole word): g_free. */
static char *
encode_chunk(const char *p, const char *end, gsize *n, gboolean *lossy)
{
	char *chunk = g_strndup(p, end - p);
	char *enc = kenchi_charset_utf8_to_iso2022jp(chunk, n, lossy);

	g_free(chunk);
	return enc;
}

/* The most characters from FIRST (at most REST) whose word size is at most
 * MAX, 0 if not even one.  The size of K characters encoded as one word,
 * from the characters' classes (1: one byte in ASCII mode, ASCII or the
 * '?' of an unmappable character; 2: a JIS X 0208 character), is their
 * bytes plus ESC $ B and ESC ( B around every JIS run.  Exact for the
 * encoder except where half-width kana merge under NFKC (ｶﾞ is one
 * character, ガ); with MARKS_FREE the voiced marks that may merge count
 * nothing, which makes it a lower bound there, and without, an upper
 * bound.  The size grows with K (a character adds at least as much as the
 * closing escape it may make unneeded), so one pass finds the count. */
static guint
fit_count(const guchar *cls, const gboolean *mark, guint first, guint rest, gboolean marks_free, gsize max)
{
	gsize n = 0;
	gboolean jis = FALSE;
	guint k;

	for (k = 1; k <= rest; k++) {
		guint i = first + k - 1;

		if ((cls[i] == 2) != jis)
			n += 3;
		jis = cls[i] == 2;
		n += marks_free && mark[i] ? 0 : cls[i];
		if (n + (jis ? 3 : 0) > max)
			return k - 1;
	}
	return rest;
}

/* Encode the candidate word P..END: TRUE, and kept in *BEST instead of
 * the one there, when it fits in MAX. */
static gboolean
keep_if_fits(const char *p, const char *end, gsize max, char **best, gsize *best_n, gboolean *best_l)
{
	gsize n = 0;
	gboolean lossy = FALSE;
	char *enc = encode_chunk(p, end, &n, &lossy);

	if (n > max) {
		g_free(enc);
		return FALSE;
	}
	g_free(*best);
	*best = enc;
	*best_n = n;
	*best_l = lossy;
	return TRUE;
}

static char *
encode_words_iso2022jp(const char *name, const char *text, gboolean *lossy)
{
	GString *raw = g_string_new("");
	const char **at = g_new(const char *, strlen(text) + 1);   /* characters <= bytes */
	gsize name_len = strlen(name) + 2;   /* "Name: " */
	gsize max = word_budget(name_len < EW_LINE_MAX ? EW_LINE_MAX - name_len : 0, EW_OVERHEAD);
	const char *p;
	guchar *cls;
	gboolean *mark;
	guint first = 0, nchars, i;

	/* at[i]: where character i starts; at[nchars]: the end */
	nchars = 0;
	for (p = text; *p; p = g_utf8_next_char(p))
		at[nchars++] = p;
	at[nchars] = p;

#define AT(i) at[(i)]
	/* Each character's class (see fit_count): the encoder's table says, but
	 * a half-width kana is encoded alone to find out. */
	cls = g_new(guchar, nchars + 1);
	mark = g_new0(gboolean, nchars + 1);
	for (i = 0; i < nchars; i++) {
		gunichar c = g_utf8_get_char(AT(i));
		int w = kenchi_charset_iso2022jp_width(c);
		gsize n = w;
		gboolean l;

		if (w == 0)
			g_free(encode_chunk(AT(i), AT(i + 1), &n, &l));
		cls[i] = n > 1 ? 2 : 1;
		mark[i] = c == 0xFF9E || c == 0xFF9F;
	}

	while (first < nchars) {
		guint lo = 1, hi, k, rest = nchars - first;
		gsize enc_n = 0;
		gboolean enc_l = FALSE;
		char *enc, *b64;

		/* A word takes the most characters whose encoding fits in MAX,
		 * and at least one.  Adding a character never shortens the
		 * encoding, so "fits" holds up to some count and never after.
		 * fit_count's bounds give a count that fits (LO) and one that
		 * does not (HI; REST + 1: all may fit); each is checked by
		 * encoding it (the bounds are only as good as our model of the
		 * encoder), and if either check fails the search starts from
		 * 1..REST+1.  Then bisect, encoding each candidate. */
		k = fit_count(cls, mark, first, rest, FALSE, max);
		lo = k > 1 ? k : 1;
		hi = fit_count(cls, mark, first, rest, TRUE, max) + 1;
		if (hi <= lo)
			hi = lo + 1;
		enc = NULL;   /* NULL or the encoding of LO characters */
		if (lo > 1 && !keep_if_fits(AT(first), AT(first + lo), max, &enc, &enc_n, &enc_l))
			lo = 1, hi = rest + 1;
		if (hi <= rest && hi > lo + 1 && keep_if_fits(AT(first), AT(first + hi), max, &enc, &enc_n, &enc_l))
			lo = hi, hi = rest + 1;
		while (hi > lo + 1) {
			guint mid = lo + (hi - lo) / 2;

			if (keep_if_fits(AT(first), AT(first + mid), max, &enc, &enc_n, &enc_l))
				lo = mid;
			else
				hi = mid;
		}
		if (enc == NULL)
			enc = encode_chunk(AT(first), AT(first + lo), &enc_n, &enc_l);
		if (enc_l)
			*lossy = TRUE;
		b64 = g_base64_encode((const guchar *)enc, enc_n);
		g_string_append(raw, " " EW_PREFIX);
		g_string_append(raw, b64);
		g_string_append(raw, "?=\n");
		g_free(b64);
		g_free(enc);
		first += lo;
		max = word_budget(EW_MAX_CHARS, EW_OVERHEAD);
	}
#undef AT
	g_free(cls);
	g_free(mark);
	g_free(at);
	return g_string_free(raw, FALSE);
}

/* Append " PIECE" (N bytes) to the folded value RAW, whose current line is
 * *COL characters long: on a new line first when it would pass 76
 * characters and the line holds a piece already (AT_START: it does not). */
static void
put_piece(GString *raw, gsize *col, gboolean *at_start, const char *piece, gsize n)
{
	if (!*at_start && *col + 1 + n > EW_LINE_MAX) {
		g_string_append_c(raw, '\n');
		*col = 0;
	}
	g_string_append_c(raw, ' ');
	g_string_append_len(raw, piece, n);
	*col += 1 + n;
	*at_start = FALSE;
}

/* The word at P (up to the next space or the end, returned in *END): TRUE
 * when it may be written as it is (printable ASCII that does not read as
 * an encoded word). */
static gboolean
plain_word(const char *p, const char **end)
{
	const char *q;
	gboolean plain = TRUE;

	*end = strchr(p, ' ');
	if (*end == NULL)
		*end = p + strlen(p);
	for (q = p; q < *end && plain; q++)
		if ((guchar)*q >= 0x80 || (q[0] == '=' && q[1] == '?'))
			plain = FALSE;
	return plain;
}

/* Raw header value for non-ASCII TEXT in UTF-8, as GMime writes one:
 * words of printable ASCII stay as they are, and each run of the other
 * words (with the spaces between them, which a reader drops between
 * encoded words) becomes B-encoded words of whole characters, each fitted
 * to what is left of its line. */
static char *
encode_words_utf8(const char *name, const char *text)
{
	GString *raw = g_string_new("");
	gsize col = strlen(name) + 1;   /* "Name:" */
	gboolean at_start = TRUE;
	const char *p = text;

	while (*p) {
		const char *end, *q, *run_end;

		if (plain_word(p, &end)) {
			put_piece(raw, &col, &at_start, p, end - p);
			p = *end ? end + 1 : end;
			continue;
		}
		/* the run: this word and every following word that is not plain */
		run_end = end;
		while (*run_end == ' ') {
			const char *we;

			if (plain_word(run_end + 1, &we) && we > run_end + 1)
				break;
			run_end = we;
		}
		while (p < run_end) {
			gsize avail = col + 1 < EW_LINE_MAX ? EW_LINE_MAX - col - 1 : 0, max;
			char *b64, *word;

			if (!at_start && avail < EW_UTF8_OVERHEAD + 8)
				avail = EW_LINE_MAX - 1;   /* put_piece will fold */
			max = word_budget(avail, EW_UTF8_OVERHEAD);
			q = g_utf8_next_char(p);
			while (q < run_end && (gsize)(g_utf8_next_char(q) - p) <= max)
				q = g_utf8_next_char(q);
			b64 = g_base64_encode((const guchar *)p, q - p);
			word = g_strconcat(EW_UTF8_PREFIX, b64, "?=", NULL);
			put_piece(raw, &col, &at_start, word, strlen(word));
			g_free(word);
			g_free(b64);
			p = q;
		}
		if (*p == ' ')
			p++;
	}
	g_string_append_c(raw, '\n');
	return g_string_free(raw, FALSE);
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
 * the reader would decode what the alert said instead of showing it. */
static void
set_text_header(headers_t *h, const char *name, const char *text, gboolean jis, gboolean *lossy)
{
	char *raw;

	if (is_ascii(text) && strstr(text, "=?") == NULL) {
		append_header(h, name, text, "utf-8");
		return;
	}
	raw = jis ? encode_words_iso2022jp(name, text, lossy) : encode_words_utf8(name, text);
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

/* Body text -> LF-only, valid UTF-8, ending in a newline (so the message
 * ends in CRLF and libesmtp adds nothing). */
static char *
normalize_body(const char *body, gboolean *lossy)
{
	char *valid = NULL;
	const char *p, *cr;
	GString *out;

	if (!g_utf8_validate(body, -1, NULL)) {
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

/* The text/plain part (its headers, the empty line, the body) for BODY
 * (normalized: LF line ends, ending in LF) appended to OUT.
 * ISO-2022-JP: encoded line by line so every line ends in ASCII mode
 * (RFC 1468) and the encoder's escapes never span a line break; 7bit.
 * UTF-8: base64 of the bytes, 76-character lines (GMime's encoder). */
static void
append_body_part(GString *out, const char *body, gboolean jis, gboolean *lossy)
{
	if (jis) {
		gsize len = 0;
		gboolean l = FALSE;
		/* One call for the whole body: the encoder returns to ASCII
		 * before every '\n' (an ASCII character) and a half-width kana
		 * run never spans one, so this is the body encoded line by line,
		 * each line ending in ASCII mode. */
		char *enc = kenchi_charset_utf8_to_iso2022jp(body, &len, &l);

		if (l)
			*lossy = TRUE;
		g_string_append(out, "Content-Type: text/plain; charset=ISO-2022-JP\n"
		                     "Content-Transfer-Encoding: 7bit\n\n");
		g_string_append_len(out, enc, len);
		g_free(enc);
	} else {
		gsize n = strlen(body), len;
		int state = 0;
		guint32 save = 0;

		g_string_append(out, "Content-Type: text/plain; charset=utf-8\n"
		                     "Content-Transfer-Encoding: base64\n\n");
		g_string_set_size(out, out->len + GMIME_BASE64_ENCODE_LEN(n));
		out->len -= GMIME_BASE64_ENCODE_LEN(n);
		len = g_mime_encoding_base64_encode_close((const guchar *)body, n,
		                                          (guchar *)out->str + out->len, &state, &save);
		g_string_set_size(out, out->len + len);
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
	if (!valid_msgid(spec->message_id) ||
	    (spec->in_reply_to != NULL && !valid_msgid(spec->in_reply_to)))
		return KENCHI_BAD_INPUT;

	h.out = g_string_sized_new(4096);

	/* addresses: refused, never repaired (see the top of the file); the
	 * same order as GMimeMessage, whose headers appear as they are set */
	one[0] = spec->from;
	if (!address_header(h.out, "From", one, TRUE, &from_addr) ||
	    !address_header(h.out, "To", spec->to, TRUE, NULL) ||
	    (spec->cc != NULL && spec->cc[0] != NULL && !address_header(h.out, "Cc", spec->cc, TRUE, NULL)))
		goto done;
	one[0] = spec->reply_to;
	/* Reply-To carries a per-case token: caching it would only churn */
	if (spec->reply_to != NULL && !address_header(h.out, "Reply-To", one, FALSE, NULL))
		goto done;

	subject = sanitize_text(spec->subject ? spec->subject : "", &lost);
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
			append_header(&h, "References", refs, NULL);
	}

	/* RFC 3834: auto-responders must not answer us; the loop header lets
	 * our own ingest recognise a report that comes back */
	append_header(&h, "Auto-Submitted", "auto-generated", NULL);
	append_header(&h, KENCHI_LOOP_HEADER, from_addr, NULL);

	for (i = 0; spec->extra_headers != NULL && spec->extra_headers[i] != NULL; i += 2) {
		const char *name = spec->extra_headers[i];
		const char *value = spec->extra_headers[i + 1];
		char *v;

		if (value == NULL || !valid_field_name(name) || reserved_name(name))
			goto done;
		v = sanitize_text(value, &lost);
		set_text_header(&h, name, v, jis, &lost);
		g_free(v);
		if (spec->extra_headers[i + 1] == NULL)
			break;
	}
	append_header(&h, "MIME-Version", "1.0", NULL);

	text = normalize_body(spec->body, &lost);
	append_body_part(h.out, text, jis, &lost);

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
	g_free(refs);
	g_free(date);
	return st;
}
