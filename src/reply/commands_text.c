/* commands_text.c: the small UTF-8 helpers with which the block parser
 * (commands.c) and the value checks (commands_value.c) read an analyst's
 * text: what counts as white space, and how keywords and values compare.
 *
 * Decisions a reader may question:
 *   - Keywords and enumerated values are compared after NFKC and case
 *     folding, so full-width "ＶＥＲＤＩＣＴ：", half-width katakana and "Ｐ２"
 *     work.  Free text (notes, state, paths) is kept as written. */
#include "reply/commands_int.h"

/* Bytes of the white-space character at P (0 if none): ASCII space and tab,
 * NBSP (from HTML-to-text conversion) and the ideographic space U+3000 that
 * Japanese input methods produce. */
gsize
kenchi_cmd_space_len(const char *p, const char *end)
{
	const guchar *u = (const guchar *)p;

	if (p >= end)
		return 0;
	if (*u == ' ' || *u == '\t' || *u == '\r')
		return 1;
	if (end - p >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (end - p >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

const char *
kenchi_cmd_skip_space(const char *p, const char *end)
{
	gsize n;

	while ((n = kenchi_cmd_space_len(p, end)) > 0)
		p += n;
	return p;
}

/* End of P..END without trailing white space (the characters are small,
 * so look back from the end at each candidate width). */
const char *
kenchi_cmd_rskip_space(const char *p, const char *end)
{
	while (end > p) {
		if (kenchi_cmd_space_len(end - 1, end) == 1)
			end -= 1;
		else if (end - p >= 2 && kenchi_cmd_space_len(end - 2, end) == 2)
			end -= 2;
		else if (end - p >= 3 && kenchi_cmd_space_len(end - 3, end) == 3)
			end -= 3;
		else
			break;
	}
	return end;
}

char *
kenchi_cmd_strip_dup(const char *p, const char *end)
{
	p = kenchi_cmd_skip_space(p, end);
	end = kenchi_cmd_rskip_space(p, end);
	return g_strndup(p, end - p);
}

gboolean
kenchi_cmd_is_blank(const char *p, const char *end)
{
	return kenchi_cmd_skip_space(p, end) == end;
}

/* NFKC then case folding: how keywords and enumerated values compare. */
char *
kenchi_cmd_fold(const char *s)
{
	char *n = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC);
	char *f;

	if (n == NULL)   /* only on invalid UTF-8, which clean_line() rules out */
		return g_strdup("");
	f = g_utf8_casefold(n, -1);
	g_free(n);
	return f;
}
