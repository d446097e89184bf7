/* charset_int.h: private to src/parse/charset*.c: what iconv decoding and
 * charset names (charset.c), the ISO-2022-JP decoder and encoder
 * (charset_iso2022jp.c) and RFC 2047 header decoding (charset_rfc2047.c)
 * share.  Nothing here is API: callers see charset.h.
 *
 * The decoders append UTF-8 to OUT, which the caller owns, and set
 * *LOSSY when they replace anything; none of them clears it. */
#ifndef KENCHI_PARSE_CHARSET_INT_H
#define KENCHI_PARSE_CHARSET_INT_H

#include "parse/charset.h"

#define REPL_UTF8 "\xEF\xBF\xBD"
#define NAME_MAX_LEN 48

/* ------------------------------------------------------------------------ */
/* Output helpers                                                            */

static inline void
put_uc(GString *out, gunichar c)
{
    if (c < 0x80) {
        g_string_append_c(out, (char)c);
    } else {
        char buf[6];
        int n = g_unichar_to_utf8(c, buf);
        g_string_append_len(out, buf, n);
    }
}

static inline void
put_repl(GString *out, gboolean *lossy)
{
    g_string_append_len(out, REPL_UTF8, 3);
    *lossy = TRUE;
}

/* charset.c: the per-thread iconv cache.  Returns a reset descriptor or
 * (GIConv)-1; the descriptor is owned by the cache. */
GIConv kenchi_charset_get_cd(const char *to, const char *from);
/* charset.c: decoding with replacement.  The gsize results count the
 * replaced sequences. */
gsize kenchi_charset_iconv_decode(GIConv cd, const char *in, gsize len, GString *out, gboolean *lossy);
gsize kenchi_charset_utf8_bad_len(const guchar *p, gsize n);
gsize kenchi_charset_utf8_repair(const char *in, gsize len, GString *out, gboolean *lossy);
/* Is [IN, IN+LEN), not valid UTF-8, UTF-8 with a few stray bytes (one
 * bad byte or fewer in four characters of several bytes, sixteen at
 * most): a relay's or an editor's NBSP in a UTF-8 text (charset_guess.c). */
gboolean kenchi_charset_mostly_utf8(const char *in, gsize len);
gboolean kenchi_charset_has_8bit(const char *s, gsize n);
void kenchi_charset_ascii_copy(const char *in, gsize len, GString *out, gboolean *lossy);
void kenchi_charset_guess_decode(const char *in, gsize len, GString *out, gboolean *lossy);

/* charset_iso2022jp.c: this module's own CP5022x-tolerant decoder. */
void kenchi_charset_iso2022jp_decode(const char *in, gsize len, GString *out, gboolean *lossy);

#endif
