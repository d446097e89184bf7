/* kenchi — charset decoding for Japanese alert mail.  See charset.h.
 *
 * This file owns charset names and decoding through iconv, and the public
 * kenchi_charset_to_utf8() that chooses between them.  ISO-2022-JP is
 * decoded (and encoded) by charset_iso2022jp.c, not by iconv: its design
 * notes say why and describe the compiled-in JIS tables.  RFC 2047 header
 * values are decoded by charset_rfc2047.c.
 *
 * Design notes
 * ------------
 * Everything but ISO-2022-JP goes through g_iconv with replacement of bad
 * bytes by U+FFFD.  GIConv descriptors are cached per thread (GPrivate,
 * freed at thread exit); failed opens are cached too, so junk charset names
 * cost one iconv_open per thread.
 */
#include "parse/charset_int.h"
#include "util/utf8.h"

#include <errno.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Per-thread iconv cache                                                    */

#define CACHE_SLOTS 12

typedef struct {
    char key[2 * NAME_MAX_LEN + 2]; /* "from\nto" */
    GIConv cd;                      /* (GIConv)-1 = open failed */
    gboolean used;
} CacheEnt;

typedef struct {
    CacheEnt e[CACHE_SLOTS];
    guint next;
} IconvCache;

static void
cache_free(gpointer p)
{
    IconvCache *c = p;
    if (!c)
        return;
    for (guint i = 0; i < CACHE_SLOTS; i++)
        if (c->e[i].used && c->e[i].cd != (GIConv)-1)
            g_iconv_close(c->e[i].cd);
    g_free(c);
}

static GPrivate cache_key = G_PRIVATE_INIT(cache_free);

void
kenchi_charset_thread_cleanup(void)
{
    /* g_private_replace calls the destroy notify on the old value. */
    g_private_replace(&cache_key, NULL);
}

/* Returns a reset descriptor or (GIConv)-1.  Owned by the cache. */
GIConv
kenchi_charset_get_cd(const char *to, const char *from)
{
    char key[sizeof(((CacheEnt *)0)->key)];
    if (strlen(to) >= NAME_MAX_LEN || strlen(from) >= NAME_MAX_LEN)
        return (GIConv)-1;
    g_snprintf(key, sizeof key, "%s\n%s", from, to);

    IconvCache *c = g_private_get(&cache_key);
    if (!c) {
        c = g_new0(IconvCache, 1);
        g_private_set(&cache_key, c);
    }
    for (guint i = 0; i < CACHE_SLOTS; i++) {
        if (c->e[i].used && strcmp(c->e[i].key, key) == 0) {
            if (c->e[i].cd != (GIConv)-1)
                g_iconv(c->e[i].cd, NULL, NULL, NULL, NULL); /* reset state */
            return c->e[i].cd;
        }
    }
    CacheEnt *slot = &c->e[c->next];
    c->next = (c->next + 1) % CACHE_SLOTS;
    if (slot->used && slot->cd != (GIConv)-1)
        g_iconv_close(slot->cd);
    memcpy(slot->key, key, sizeof key);
    slot->cd = g_iconv_open(to, from);
    slot->used = TRUE;
    return slot->cd;
}

/* ------------------------------------------------------------------------ */
/* Output helpers                                                            */

/* Append UTF-8 produced by iconv, turning NUL bytes into U+FFFD. */
static void
append_scrub_nul(GString *out, const char *s, gsize n, gboolean *lossy)
{
    const char *z;
    while (n > 0 && (z = memchr(s, '\0', n)) != NULL) {
        g_string_append_len(out, s, z - s);
        put_repl(out, lossy);
        n -= (gsize)(z - s) + 1;
        s = z + 1;
    }
    g_string_append_len(out, s, n);
}

/* ------------------------------------------------------------------------ */
/* UTF-8 with repair                                                         */

/* Length of the maximal valid prefix of an ill-formed sequence at p
 * (Unicode "maximal subpart"), at least 1. */
gsize
kenchi_charset_utf8_bad_len(const guchar *p, gsize n)
{
    guchar b = p[0];
    gsize need;
    guchar lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) need = 1;
    else if (b == 0xE0) { need = 2; lo = 0xA0; }
    else if (b == 0xED) { need = 2; hi = 0x9F; }
    else if (b >= 0xE1 && b <= 0xEF) need = 2;
    else if (b == 0xF0) { need = 3; lo = 0x90; }
    else if (b == 0xF4) { need = 3; hi = 0x8F; }
    else if (b >= 0xF1 && b <= 0xF3) need = 3;
    else return 1;
    gsize i = 1;
    if (i < n && p[i] >= lo && p[i] <= hi) {
        i++;
        while (i <= need && i < n && p[i] >= 0x80 && p[i] <= 0xBF)
            i++;
    }
    return i;
}

/* Decode UTF-8, replacing ill-formed sequences.  NUL -> U+FFFD.
 * Returns the number of ill-formed sequences (NULs not counted). */
gsize
kenchi_charset_utf8_repair(const char *in, gsize len, GString *out, gboolean *lossy)
{
    gsize bad = 0;
    const char *p, *end;

    /* An empty part may come as (NULL, 0): NULL + 0 is undefined in C. */
    if (in == NULL || len == 0)
        return 0;
    /* Valid as it is, the common case: one pass, ASCII 8 bytes at a time. */
    if (kenchi_utf8_valid(in, len)) {
        g_string_append_len(out, in, (gssize)len);
        return 0;
    }
    p = in;
    end = in + len;
    while (p < end) {
        const char *stop;
        g_utf8_validate_len(p, (gsize)(end - p), &stop);
        g_string_append_len(out, p, stop - p);
        p = stop;
        if (p >= end)
            break;
        if (*p == '\0') {
            put_repl(out, lossy);
            p++;
        } else {
            put_repl(out, lossy);
            p += kenchi_charset_utf8_bad_len((const guchar *)p, (gsize)(end - p));
            bad++;
        }
    }
    return bad;
}

/* ------------------------------------------------------------------------ */
/* Generic iconv decode with replacement                                     */

/* Returns the number of replaced (invalid/incomplete) sequences. */
gsize
kenchi_charset_iconv_decode(GIConv cd, const char *in, gsize len, GString *out, gboolean *lossy)
{
    char buf[8192];
    gsize bad = 0;
    gchar *inp = (gchar *)in;
    gsize inleft = len;

    while (inleft > 0) {
        gchar *outp = buf;
        gsize outleft = sizeof buf;
        gsize r = g_iconv(cd, &inp, &inleft, &outp, &outleft);
        int err = errno;
        append_scrub_nul(out, buf, (gsize)(outp - buf), lossy);
        if (r != (gsize)-1)
            continue;
        if (err == E2BIG)
            continue;
        put_repl(out, lossy);
        bad++;
        if (err == EINVAL) { /* incomplete sequence at end of input */
            inleft = 0;
        } else { /* EILSEQ or anything else: skip one byte */
            inp++;
            inleft--;
        }
    }
    gchar *outp = buf;
    gsize outleft = sizeof buf;
    g_iconv(cd, NULL, NULL, &outp, &outleft); /* flush shift state */
    append_scrub_nul(out, buf, (gsize)(outp - buf), lossy);
    return bad;
}

gboolean
kenchi_charset_has_8bit(const char *s, gsize n)
{
    for (gsize i = 0; i < n; i++)
        if ((guchar)s[i] & 0x80)
            return TRUE;
    return FALSE;
}

void
kenchi_charset_ascii_copy(const char *in, gsize len, GString *out, gboolean *lossy)
{
    append_scrub_nul(out, in, len, lossy);
}

static void
latin1_decode(const char *in, gsize len, GString *out, gboolean *lossy)
{
    /* 0x80-0x9F are C1 controls in ISO-8859-1, which no mail means: they
     * are Windows-1252's – … “ ” € (the WHATWG Encoding Standard reads the
     * label "iso-8859-1" as windows-1252 for that reason).  A control had
     * split a value at … (rt26 T04).  The five bytes CP1252 leaves
     * undefined stay what Latin-1 says. */
    static const gunichar c1[32] = {
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    };

    for (gsize i = 0; i < len; i++) {
        guchar b = (guchar)in[i];
        if (b == 0)
            put_repl(out, lossy);
        else
            put_uc(out, b >= 0x80 && b < 0xA0 ? c1[b - 0x80] : b);
    }
}

/* Undeclared/unknown: valid UTF-8 as is, or UTF-8 with a few stray bytes
 * replaced (kenchi_charset_mostly_utf8()) -> CP932 if clean and no Latin
 * text (kenchi_charset_latin_looking()) -> CP1252 if clean (its ’ and –
 * are no Latin-1; round 29a) -> ISO-8859-1.  Always sets *lossy (the
 * charset was guessed). */
void
kenchi_charset_guess_decode(const char *in, gsize len, GString *out, gboolean *lossy)
{
    gsize mark = out->len;
    gboolean dummy = FALSE;
    *lossy = TRUE;
    if (kenchi_charset_utf8_repair(in, len, out, &dummy) == 0 || kenchi_charset_mostly_utf8(in, len))
        return;
    g_string_truncate(out, mark);
    GIConv cd = kenchi_charset_latin_looking(in, len) ? (GIConv)-1 : kenchi_charset_get_cd("UTF-8", "CP932");
    if (cd != (GIConv)-1) {
        if (kenchi_charset_iconv_decode(cd, in, len, out, &dummy) == 0)
            return;
        g_string_truncate(out, mark);
    }
    cd = kenchi_charset_get_cd("UTF-8", "CP1252");
    if (cd != (GIConv)-1) {
        if (kenchi_charset_iconv_decode(cd, in, len, out, &dummy) == 0)
            return;
        g_string_truncate(out, mark);
    }
    latin1_decode(in, len, out, &dummy);
}


/* ------------------------------------------------------------------------ */
/* Charset names                                                             */

typedef struct {
    const char *alias;
    const char *canon;
} Alias;

static const Alias aliases[] = {
    { "shift_jis", "CP932" }, { "shift-jis", "CP932" }, { "sjis", "CP932" },
    { "x-sjis", "CP932" }, { "x-shift_jis", "CP932" }, { "ms_kanji", "CP932" },
    { "ms-kanji", "CP932" }, { "windows-31j", "CP932" }, { "cp932", "CP932" },
    { "x-ms-cp932", "CP932" }, { "ms932", "CP932" }, { "csshiftjis", "CP932" },
    { "cswindows31j", "CP932" }, { "windows-932", "CP932" },
    { "iso-2022-jp", KENCHI_CHARSET_ISO2022JP },
    { "iso2022jp", KENCHI_CHARSET_ISO2022JP },
    { "csiso2022jp", KENCHI_CHARSET_ISO2022JP },
    { "iso-2022-jp-ms", KENCHI_CHARSET_ISO2022JP },
    { "cp50220", KENCHI_CHARSET_ISO2022JP },
    { "cp50221", KENCHI_CHARSET_ISO2022JP },
    { "cp50222", KENCHI_CHARSET_ISO2022JP },
    { "x-windows-iso2022jp", KENCHI_CHARSET_ISO2022JP },
    { "euc-jp", "EUC-JP-MS" }, { "eucjp", "EUC-JP-MS" }, { "x-euc-jp", "EUC-JP-MS" },
    { "x-euc", "EUC-JP-MS" }, { "cseucpkdfmtjapanese", "EUC-JP-MS" },
    { "euc-jp-ms", "EUC-JP-MS" }, { "eucjp-ms", "EUC-JP-MS" }, { "eucjp-win", "EUC-JP-MS" },
    { "cp51932", "EUC-JP-MS" },
    { "utf-8", "UTF-8" }, { "utf8", "UTF-8" }, { "x-utf-8", "UTF-8" },
    { "us-ascii", "US-ASCII" }, { "ascii", "US-ASCII" }, { "ansi_x3.4-1968", "US-ASCII" },
    { "iso-8859-1", "ISO-8859-1" }, { "latin1", "ISO-8859-1" }, { "iso8859-1", "ISO-8859-1" },
    { "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" },
    { "euc-cn", "GB18030" }, { "cp936", "GB18030" }, { "gb18030", "GB18030" },
    { "ks_c_5601-1987", "CP949" }, { "ks_c_5601", "CP949" }, { "euc-kr", "CP949" },
    { "cp949", "CP949" }, { "big5", "CP950" }, { "cp950", "CP950" },
    /* UTF-7's older labels (rt30 C06) */
    { "utf-7", "UTF-7" }, { "unicode-1-1-utf-7", "UTF-7" }, { "x-utf-7", "UTF-7" },
    { "csunicode11utf7", "UTF-7" }, { "utf7", "UTF-7" },
    /* explicit "don't know" labels */
    { "unknown-8bit", NULL }, { "x-unknown", NULL }, { "unknown", NULL },
    { "x-user-defined", NULL }, { "8bit", NULL }, { "default", NULL },
};

gunichar
kenchi_charset_cp1252_c1(gunichar c)
{
    static const guint16 map[32] = {
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    };

    return c >= 0x80 && c <= 0x9f && map[c - 0x80] ? map[c - 0x80] : c;
}

const char *
kenchi_charset_canonical(const char *charset)
{
    if (!charset)
        return NULL;
    /* trim whitespace and quotes */
    while (*charset == ' ' || *charset == '\t' || *charset == '"' || *charset == '\'')
        charset++;
    gsize n = strlen(charset);
    while (n > 0 && (charset[n - 1] == ' ' || charset[n - 1] == '\t' ||
                     charset[n - 1] == '"' || charset[n - 1] == '\''))
        n--;
    if (n == 0 || n >= NAME_MAX_LEN)
        return NULL;

    char low[NAME_MAX_LEN], up[NAME_MAX_LEN];
    for (gsize i = 0; i < n; i++) {
        char ch = charset[i];
        if (!(g_ascii_isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == ':'))
            return NULL; /* also rejects "//TRANSLIT" etc. */
        low[i] = g_ascii_tolower(ch);
        up[i] = g_ascii_toupper(ch);
    }
    low[n] = up[n] = '\0';

    for (gsize i = 0; i < G_N_ELEMENTS(aliases); i++)
        if (strcmp(low, aliases[i].alias) == 0)
            return aliases[i].canon;

    if (kenchi_charset_get_cd("UTF-8", up) == (GIConv)-1) {
        /* Java's names write '_' where MIME's write '-' ("EUC_JP",
         * "ISO8859_1"): read as the name with dashes (rt30 C13). */
        if (strchr(low, '_') == NULL)
            return NULL;
        for (gsize i = 0; i < n; i++)
            if (low[i] == '_')
                low[i] = '-';
        return kenchi_charset_canonical(low);
    }
    /* Bounded: only names glibc accepts (upper-cased) get interned. */
    return g_intern_string(up);
}

/* ------------------------------------------------------------------------ */
/* Public decode                                                             */

/* Does [bytes, bytes+len) switch to JIS X 0208 (ESC $ B, or ESC $ @ of 1978)? */
static gboolean
has_jis_escape(const char *bytes, gsize len)
{
    const char *p = bytes, *end = bytes + len;

    while (p && p + 3 <= end && (p = memchr(p, 0x1b, (gsize)(end - p))) != NULL) {
        if (p + 3 <= end && p[1] == '$' && (p[2] == 'B' || p[2] == '@'))
            return TRUE;
        p++;
    }
    return FALSE;
}

char *
kenchi_charset_to_utf8(const char *bytes, gsize len, const char *charset, gboolean *lossy_out)
{
    gboolean lossy = FALSE;
    if (!bytes)
        len = 0;
    GString *out = g_string_sized_new(len + len / 2 + 16);

    const char *canon = kenchi_charset_canonical(charset);
    gboolean undeclared = TRUE;
    if (charset) {
        const char *s = charset;
        while (*s == ' ' || *s == '\t' || *s == '"')
            s++;
        undeclared = (*s == '\0');
    }

    if (undeclared || (canon && strcmp(canon, "US-ASCII") == 0)) {
        if (kenchi_charset_has_8bit(bytes, len))
            kenchi_charset_guess_decode(bytes, len, out, &lossy);
        else if (has_jis_escape(bytes, len))
            /* 7-bit Japanese whose charset a gateway dropped: the escape
             * sequences say what it is. */
            kenchi_charset_iso2022jp_decode(bytes, len, out, &lossy);
        else
            kenchi_charset_ascii_copy(bytes, len, out, &lossy);
    } else if (!canon) {
        /* An unknown label ("_iso-2022-jp$ESC", old Outlook for Mac's)
         * over 7-bit Japanese: the escapes say what it is (rt26 C01). */
        if (!kenchi_charset_has_8bit(bytes, len) && has_jis_escape(bytes, len)) {
            kenchi_charset_iso2022jp_decode(bytes, len, out, &lossy);
            lossy = TRUE;
        } else {
            kenchi_charset_guess_decode(bytes, len, out, &lossy);
        }
    } else if (strcmp(canon, KENCHI_CHARSET_ISO2022JP) == 0) {
        kenchi_charset_iso2022jp_decode(bytes, len, out, &lossy);
    } else if (strcmp(canon, "UTF-8") == 0) {
        if (len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0) {
            bytes += 3;
            len -= 3;
        }
        gsize bad = kenchi_charset_utf8_repair(bytes, len, out, &lossy);
        /* Labelled UTF-8 over Shift_JIS (a legacy relay's default label):
         * not a stray byte or two but Japanese that CP932 reads exactly
         * (rt26 C06: "ACME\�R�c" for ACME\山田). */
        if (bad >= 2 && !kenchi_charset_mostly_utf8(bytes, len) && !kenchi_charset_latin_looking(bytes, len)) {
            GIConv cd = kenchi_charset_get_cd("UTF-8", "CP932");
            GString *alt = g_string_sized_new(len + len / 2);
            gboolean alt_lossy = FALSE;

            if (cd != (GIConv)-1 && kenchi_charset_iconv_decode(cd, bytes, len, alt, &alt_lossy) == 0 && !alt_lossy) {
                g_string_free(out, TRUE);
                out = alt;
            } else {
                g_string_free(alt, TRUE);
            }
        }
    } else if (strcmp(canon, "ISO-8859-1") == 0) {
        /* Labelled Latin-1 but valid UTF-8 with multi-byte characters:
         * a forwarding client's default label over UTF-8 text (Japanese
         * read as Latin-1 is noise, and lost the alert).  Real Latin-1
         * is almost never valid UTF-8 once it has 8-bit bytes. */
        if (kenchi_charset_has_8bit(bytes, len) && kenchi_utf8_valid(bytes, len)) {
            g_string_append_len(out, bytes, (gssize)len);
            lossy = TRUE;
        } else {
            latin1_decode(bytes, len, out, &lossy);
        }
    } else {
        GIConv cd = kenchi_charset_get_cd("UTF-8", canon);
        if (cd == (GIConv)-1) {
            kenchi_charset_guess_decode(bytes, len, out, &lossy);
        } else {
            kenchi_charset_iconv_decode(cd, bytes, len, out, &lossy);
            /* ISO-2022-JP-1/-2/-3 from glibc are strict too: if that lost
             * something, see whether our CP5022x decoder does better. */
            if (lossy && g_str_has_prefix(canon, "ISO-2022-JP")) {
                GString *alt = g_string_sized_new(out->len);
                gboolean alt_lossy = FALSE;
                kenchi_charset_iso2022jp_decode(bytes, len, alt, &alt_lossy);
                if (!alt_lossy) {
                    g_string_free(out, TRUE);
                    out = alt;
                    lossy = FALSE;
                } else {
                    g_string_free(alt, TRUE);
                }
            }
        }
    }

    /* Belt and braces: the contract is valid UTF-8 whatever iconv did. */
    if (!kenchi_utf8_valid(out->str, out->len)) {
        GString *fixed = g_string_sized_new(out->len);
        kenchi_charset_utf8_repair(out->str, out->len, fixed, &lossy);
        g_string_free(out, TRUE);
        out = fixed;
    }
    if (lossy_out)
        *lossy_out = lossy;
    return g_string_free(out, FALSE);
}

char *
kenchi_charset_from_utf16(const char *bytes, gsize len, gsize *out_len)
{
	const char *from;

	if (len < 2)
		return NULL;
	if ((guchar)bytes[0] == 0xff && (guchar)bytes[1] == 0xfe)
		from = "UTF-16LE";
	else if ((guchar)bytes[0] == 0xfe && (guchar)bytes[1] == 0xff)
		from = "UTF-16BE";
	else
		return NULL;
	return g_convert(bytes + 2, (gssize)((len - 2) & ~(gsize)1), "UTF-8", from, NULL, out_len, NULL);
}
