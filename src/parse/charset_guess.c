/* charset_guess.c: text with no charset that is not UTF-8 - Latin text
 * in CP1252, or Japanese in CP932 - told apart by the shape of its 8-bit
 * bytes, once for a whole text (charset.h). */
#include <string.h>
#include "parse/charset.h"
#include "parse/charset_int.h"

/* The evidence of [IN, IN+LEN) for each code page, run by run of 8-bit
 * bytes.  Latin text puts one accented letter (0xC0-0xFF but × and ÷),
 * sometimes two or three ("Größe"), inside a word of ASCII letters:
 * "Hélène", "Übersicht", "Café.", "José@".  Japanese puts characters of
 * two bytes in runs ("佐藤", "請求書.exe").  A lone byte that CP932 reads
 * as a kanji with an ASCII second byte ("é" + "l" is "駘", and "澤" in
 * "Setup澤.exe" is 0xE0 "V") is either: it weighs half.  A whole text is
 * weighed, not a line (round 28a). */
static void
evidence(const char *in, gsize len, gsize *latin, gsize *japanese)
{
	const guchar *s = (const guchar *)in, *p = s, *e = s + len;

	while (p < e) {
		const guchar *r = p;
		gboolean letters = TRUE, before, after;

		if (*p < 0x80) {
			p++;
			continue;
		}
		while (p < e && *p >= 0x80) {
			letters = letters && *p >= 0xC0 && *p != 0xD7 && *p != 0xF7;
			p++;
		}
		before = r > s && g_ascii_isalpha(r[-1]);
		after = p < e && g_ascii_isalpha(*p);
		if (letters && p - r == 1 && (before || after)) {
			gboolean kanji = *r >= 0xE0 && *r <= 0xFC && p < e && *p >= 0x40 && *p <= 0x7E;

			*latin += kanji ? 1 : 2;
		} else if (letters && p - r <= 3 && before && after) {
			*latin += 2;
		} else if (p - r >= 2) {
			*japanese += 2;
		}
	}
}

gboolean
kenchi_charset_latin_looking(const char *in, gsize len)
{
	gsize latin = 0, japanese = 0;

	evidence(in, len, &latin, &japanese);
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
	gsize latin = 0, japanese = 0;
	const char *p = in, *e = in + len;
	char *u;

	/* The evidence of the lines that are not UTF-8 only: a UTF-8 line's
	 * Japanese would count for CP932. */
	while (p < e) {
		const char *nl = memchr(p, '\n', (gsize)(e - p));
		const char *end = nl ? nl + 1 : e;

		if (!g_utf8_validate(p, (gssize)(end - p), NULL))
			evidence(p, (gsize)(end - p), &latin, &japanese);
		p = end;
	}
	if (latin > japanese)
		return decode_lines(in, len, "CP1252");
	if ((u = decode_lines(in, len, "CP932")) != NULL || latin == 0)
		return u;
	/* Not CP932 and a Latin letter in a word ("Café.xlsm": é and "." are
	 * no CP932 character): CP1252. */
	return decode_lines(in, len, "CP1252");
}
