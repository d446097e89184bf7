/* charset_guess.c: text with no charset that is not UTF-8 - Latin text
 * in CP1252, or Japanese in CP932 - told apart by the shape of its 8-bit
 * bytes, once for a whole text (charset.h). */
#include <string.h>
#include "parse/charset.h"
#include "parse/charset_int.h"

/* Is C a letter of CP1252's upper half (À-ÿ but × and ÷, Š Œ Ž š œ ž
 * Ÿ)? */
static gboolean
latin_letter(guchar c)
{
	return (c >= 0xC0 && c != 0xD7 && c != 0xF7) || c == 0x8A || c == 0x8C || c == 0x8E || c == 0x9A ||
	    c == 0x9C || c == 0x9E || c == 0x9F;   /* Š Œ Ž š œ ž Ÿ */
}

/* The evidence of [IN, IN+LEN) for each code page, read as CP932 reads
 * it, character by character (rounds 27b-30a).  Latin text puts an
 * accented letter, or the apostrophe ’ (0x92), inside a word of ASCII
 * letters: "Hélène", "Übersicht", "Café.", "José@", "John’s", "O’Brien";
 * a lone sign or capital ("£450", "Nº", "À propos") weighs half.
 * Japanese puts two-byte characters side by side ("佐藤": a second byte
 * of 0x80 or more, which Latin text has not), kana and kanji whose first
 * byte is no Latin letter ("田澤" is 0x93 'c' 0xE0 'V'), and half-width
 * kana in runs ("ﾃﾞｰﾀ", however its first and last bytes read in CP1252).
 * A Latin letter read as the first byte of a kanji with an ASCII second
 * byte, after an ASCII letter ("é" + "l" is "駘"), is either: it weighs
 * half.  Not before one at a word's start: "Škoda" is 0x8A 'k', and so
 * are the first bytes of 山, 三, 子, 恵, 警 (round 31a).  *STRONG counts
 * the characters only Japanese has. */
static void
evidence(const char *in, gsize len, gsize *latin, gsize *japanese, gsize *strong)
{
	const guchar *s = (const guchar *)in, *p = s, *e = s + len;

	while (p < e) {
		guchar c = *p, t = p + 1 < e ? p[1] : 0;
		gboolean after_letter = p > s && g_ascii_isalpha(p[-1]);
		gboolean lead = (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC);

		if (c < 0x80) {
			p++;
			continue;
		}
		if (lead && t >= 0x80 && t <= 0xFC && latin_letter(c) && latin_letter(t) && after_letter &&
		    p + 2 < e && g_ascii_isalpha(p[2])) {
			*latin += 2;   /* two letters inside a word: "Größe" */
			p += 2;
		} else if (lead && t >= 0x80 && t <= 0xFC) {
			*japanese += 2;   /* two 8-bit bytes: a kanji, a kana */
			(*strong)++;
			p += 2;
		} else if (lead && t >= 0x40 && t <= 0x7E) {
			if (c == 0x92 && after_letter && g_ascii_isalpha(t))
				*latin += 2;   /* John’s, O’Brien */
			else if (latin_letter(c) && after_letter)
				*latin += 1;   /* Hélène, or Setup澤 */
			else
				*japanese += 1;   /* 山 (0x8E 'R'), 恵 (0x8C 'b'): kanji, not "Ž", "Œ" */
			p += 2;
		} else {
			/* A byte CP932 cannot begin a character with here, or a
			 * half-width kana.  Alone among ASCII it is Latin: a
			 * letter beside a letter ("Café.", "Übersicht") weighs
			 * full, a sign or a letter elsewhere ("£450", "Nº",
			 * "À propos") half; half-width kana come in runs. */
			gboolean lone = !(p > s && p[-1] >= 0x80) && t < 0x80;

			if (latin_letter(c) && lone && (after_letter || g_ascii_isalpha(t)))
				*latin += 2;
			else if (lone && c >= 0xA1)
				*latin += 1;
			else if (c >= 0xA1 && c <= 0xDF)
				*japanese += 1;
			p++;
		}
	}
}

gboolean
kenchi_charset_mostly_utf8(const char *in, gsize len)
{
	const char *p = in, *e = in + len;
	gsize good = 0, bad = 0;

	while (p < e) {
		const gchar *stop = NULL;

		if (g_utf8_validate_len(p, (gsize)(e - p), &stop))
			stop = e;
		for (const guchar *c = (const guchar *)p; c < (const guchar *)stop; c++)
			good += *c >= 0xC0;
		if (stop >= e)
			break;
		if (++bad > 16)
			return FALSE;
		p = stop + 1;
	}
	return good >= 4 * bad;
}

gboolean
kenchi_charset_latin_looking(const char *in, gsize len)
{
	gsize latin = 0, japanese = 0, strong = 0;

	evidence(in, len, &latin, &japanese, &strong);
	return latin > japanese;
}

/* Append [P, P+N) decoded from CODE_PAGE to OUT; FALSE when it is not
 * exactly that code page. */
static gboolean
decode_exact(const char *p, gsize n, const char *code_page, GString *out)
{
	GIConv cd = kenchi_charset_get_cd("UTF-8", code_page);
	gboolean lossy = FALSE;
	gsize mark = out->len;

	if (cd != (GIConv)-1 && kenchi_charset_iconv_decode(cd, p, n, out, &lossy) == 0 && !lossy)
		return TRUE;
	g_string_truncate(out, mark);
	return FALSE;
}

/* Each line that is not UTF-8 decoded from CODE_PAGE, the others as they
 * are; NULL when one is not exactly that code page. */
static char *
decode_lines(const char *in, gsize len, const char *code_page)
{
	GString *out = g_string_sized_new(len + len / 4 + 1);
	const char *p = in, *e = in + len;

	while (p < e) {
		const char *nl = memchr(p, '\n', (gsize)(e - p));
		const char *end = nl ? nl + 1 : e;
		gsize n = (gsize)(end - p);

		if (g_utf8_validate(p, (gssize)n, NULL))
			g_string_append_len(out, p, (gssize)n);
		else if (!decode_exact(p, n, code_page, out)) {
			g_string_free(out, TRUE);
			return NULL;
		}
		p = end;
	}
	return g_string_free(out, FALSE);
}

char *
kenchi_charset_lines_to_utf8(const char *in, gsize len)
{
	gsize latin = 0, japanese = 0, strong = 0;
	const char *p = in, *e = in + len;
	char *u;

	/* The evidence of the lines that are not UTF-8 only: a UTF-8 line's
	 * Japanese would count for CP932. */
	while (p < e) {
		const char *nl = memchr(p, '\n', (gsize)(e - p));
		const char *end = nl ? nl + 1 : e;

		if (!g_utf8_validate(p, (gssize)(end - p), NULL))
			evidence(p, (gsize)(end - p), &latin, &japanese, &strong);
		p = end;
	}
	if (latin > japanese)
		return decode_lines(in, len, "CP1252");
	if ((u = decode_lines(in, len, "CP932")) != NULL || strong > 0)
		return u;
	/* Not CP932, and nothing only Japanese has: CP1252 ("Café.xlsm": é
	 * and "." are no CP932 character; "a – b": nor is 0x96 and a space). */
	return decode_lines(in, len, "CP1252");
}
