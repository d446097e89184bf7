/* utf8.c: see utf8.h. */
#include "util/utf8.h"

#include <string.h>

#define HIGH 0x8080808080808080ULL
#define ONES 0x0101010101010101ULL

static inline gboolean
cont(guchar c)
{
	return (c & 0xC0) == 0x80;
}

gboolean
kenchi_utf8_valid(const char *s, gsize len)
{
	const guchar *p = (const guchar *)s, *end = p + len;

	while (p < end) {
		guchar c = *p;

		if (c < 0x80) {
			guint64 w;

			/* Eight ASCII bytes with no NUL among them pass at once:
			 * (w - ONES) & ~w & HIGH is nonzero iff some byte is 0. */
			while (end - p >= 8) {
				memcpy(&w, p, 8);
				if ((w & HIGH) != 0 || ((w - ONES) & ~w & HIGH) != 0)
					break;
				p += 8;
			}
			while (p < end && *p < 0x80) {
				if (*p == 0)
					return FALSE;
				p++;
			}
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			if (end - p < 2 || !cont(p[1]))
				return FALSE;
			p += 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			/* E0 needs A0..BF second (no overlong), ED 80..9F (no surrogate) */
			guchar lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

			if (end - p < 3 || p[1] < lo || p[1] > hi || !cont(p[2]))
				return FALSE;
			p += 3;
		} else if (c >= 0xF0 && c <= 0xF4) {
			/* F0 needs 90..BF second (no overlong), F4 80..8F (<= U+10FFFF) */
			guchar lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

			if (end - p < 4 || p[1] < lo || p[1] > hi || !cont(p[2]) || !cont(p[3]))
				return FALSE;
			p += 4;
		} else {
			return FALSE;   /* a continuation byte first, C0, C1, F5..FF */
		}
	}
	return TRUE;
}
