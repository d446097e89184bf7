/* encoded_words.c: RFC 2047 encoded words for a header value that is not
 * plain ASCII, folded to 76 columns (see encoded_words.h).
 *
 * Why our own and not GMime's encoder (mailer.c's header comment says
 * more): ISO-2022-JP must carry ① and ㈱, which glibc's converter refuses;
 * and GMime writes a word that looks like an encoded word ("=?utf-8?q?x?=")
 * as it is, so a mail reader would decode, not print, such text from an
 * alert.  Each ISO-2022-JP word is a complete sequence ending in ESC ( B,
 * so a reader decoding word by word still gets whole characters. */
#include "report/encoded_words.h"
#include "parse/charset.h"

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

/* The bytes that fit, base64-encoded, in a word of CHARS characters of
 * which OVERHEAD are its "=?charset?B?" and "?=" (at least 12). */
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

char *
kenchi_encoded_words_iso2022jp(const char *name, const char *text, gboolean *lossy)
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
 * an encoded word, short enough for a line of its own).  A longer word
 * cannot be folded (folding is only at white space), so it is encoded,
 * split into words of at most 75 characters (a 1,200-character host name
 * gave a 1,217-octet Subject line, rp1 F9). */
static gboolean
plain_word(const char *p, const char **end)
{
	const char *q;
	gboolean plain = TRUE;

	*end = strchr(p, ' ');
	if (*end == NULL)
		*end = p + strlen(p);
	if (*end - p > EW_LINE_MAX - 1)
		return FALSE;
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
char *
kenchi_encoded_words_utf8(const char *name, const char *text)
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

static gboolean
ascii_only(const char *s)
{
	for (; *s; s++)
		if ((guchar)*s >= 0x80)
			return FALSE;
	return TRUE;
}

gboolean
kenchi_encoded_words_long_word(const char *text)
{
	const char *p = text, *sp;

	for (; (sp = strchr(p, ' ')) != NULL; p = sp + 1)
		if (sp - p > EW_LINE_MAX - 1)
			return TRUE;
	return strlen(p) > EW_LINE_MAX - 1;
}

/* TRUE when our ISO-2022-JP encoder writes every character of TEXT
 * (valid UTF-8) as itself: ASCII, JIS X 0208 with the NEC and IBM
 * extensions, or a half-width kana, which it widens (ISO-2022-JP has no
 * half-width kana; kenchi.conf(5) says so).  Anything else would become
 * '?', so such a text is not sent in ISO-2022-JP (rp1 F6). */
gboolean
kenchi_encoded_words_jis_encodable(const char *text)
{
	const char *p;

	for (p = text; *p; p = g_utf8_next_char(p))
		if ((guchar)*p >= 0x80 && kenchi_charset_iso2022jp_width(g_utf8_get_char(p)) == 1)
			return FALSE;
	return TRUE;
}

/* Whether IA's display name goes out as ISO-2022-JP words: not ASCII
 * (GMime writes ASCII names) and every character has a JIS code (else the
 * name stays UTF-8, exact, while the rest of the mail is ISO-2022-JP). */
gboolean
kenchi_encoded_words_jis_name(InternetAddress *ia)
{
	const char *dn = internet_address_get_name(ia);

	return dn != NULL && !ascii_only(dn) && kenchi_encoded_words_jis_encodable(dn);
}

/* Append " PIECE" to the header line in STR, folding first when the line
 * (*COL characters) would pass EW_LINE_MAX columns and already holds a piece. */
static void
put_address_piece(GString *str, gsize *col, gsize start_col, const char *piece)
{
	gsize n = strlen(piece);

	if (*col > start_col && *col + 1 + n > EW_LINE_MAX) {
		g_string_append_c(str, '\n');
		*col = 0;
	}
	g_string_append_c(str, ' ');
	g_string_append(str, piece);
	*col += 1 + n;
}

/* The addresses of LIST after "NAME:" in STR, for an ISO-2022-JP mail:
 * a display name that kenchi_encoded_words_jis_name accepts as ISO-2022-JP encoded words
 * (as the Subject: glibc's converter, which GMime would
 * use, refuses ① and 髙), every other mailbox as GMime formats it alone;
 * folded at 76 columns (rp1 F14). */
void
kenchi_encoded_words_jis_addresses(GString *str, InternetAddressList *list)
{
	static const char spaces[] = "                                        ";
	gsize start = str->len, col = str->len;
	int i, n = internet_address_list_length(list);

	for (i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		GString *t = g_string_new("xx");   /* GMime folds as if after "xx" */
		char **pieces;
		guint k, last = 0;

		if (kenchi_encoded_words_jis_name(ia)) {
			gboolean lossy = FALSE;
			char *w;

			/* a first word fitted to the rest of its line: a "name"
			 * of as many characters as the line holds before it */
			if (col > 40) {
				g_string_append_c(str, '\n');
				col = 0;
			}
			w = kenchi_encoded_words_iso2022jp(col > 0 ? spaces + sizeof spaces - col : "", 
			                                   internet_address_get_name(ia), &lossy);
			g_string_truncate(t, 0);
			g_string_append(t, w);
			g_string_append_printf(t, " <%s>", internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
			g_free(w);
		} else {
			InternetAddressList *one = internet_address_list_new();

			/* GMime would pick ISO-8859-1 for "Zoë": UTF-8, as said */
			if (internet_address_get_name(ia) != NULL)
				internet_address_set_charset(ia, "utf-8");
			internet_address_list_add(one, ia);
			internet_address_list_encode(one, NULL, t);
			g_object_unref(one);
			g_string_erase(t, 0, 2);
		}
		/* the pieces are the lines as folded (a fold's one white space
		 * character is put back by put_address_piece) */
		pieces = g_strsplit(t->str, "\n", -1);
		for (k = 0; pieces[k] != NULL; k++)
			if (pieces[k][0] != '\0')
				last = k;
		for (k = 0; pieces[k] != NULL; k++) {
			const char *pc = pieces[k];
			char *piece;

			if (*pc == ' ' || *pc == '\t')
				pc++;
			if (*pc == '\0')
				continue;
			piece = g_strconcat(pc, k == last && i + 1 < n ? "," : "", NULL);
			put_address_piece(str, &col, start, piece);
			g_free(piece);
		}
		g_strfreev(pieces);
		g_string_free(t, TRUE);
	}
	g_string_append_c(str, '\n');
}
