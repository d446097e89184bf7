/* kenchi — charset decoding for Japanese alert mail.  See charset.h.
 *
 * Design notes
 * ------------
 * ISO-2022-JP is decoded by this file, not by iconv.  Two tables made from
 * glibc's CP932 converter are compiled in (gen-jis-tables.c writes them;
 * building them at run time cost each deliver process 4 ms):
 *   jis_ucs[94*94]  JIS row/cell -> Unicode, obtained by converting each JIS
 *                   pair (j1, j2) arithmetically to Shift_JIS and decoding it
 *                   with iconv "CP932".  So JIS X 0208, NEC row 13 (①, ㈱, Ⅰ)
 *                   and NEC-selected IBM extensions (rows 89-92) all decode,
 *                   with exactly the Unicode values a Shift_JIS (CP932) mail
 *                   gives (e.g. JIS 0x2141 -> U+FF5E, like Windows), so the
 *                   same alert yields the same text in either transfer charset.
 *   ucs_jis         the reverse, for the encoder (sorted pairs): first the CP932 values in
 *                   row order (JIS X 0208 wins over row 13, row 13 over rows
 *                   89-92), then the standard-JIS values from glibc "EUC-JP"
 *                   as extra aliases (U+301C 〜, U+2212 −, U+2016 ‖, ¢ £ ¬ —),
 *                   plus ¥ -> ￥ and ‾ -> ￣.
 * The tables are read-only, so the ISO-2022-JP paths need no iconv
 * and no locking per message.
 *
 * Everything else goes through g_iconv with replacement of bad bytes by
 * U+FFFD.  GIConv descriptors are cached per thread (GPrivate, freed at thread
 * exit); failed opens are cached too, so junk charset names cost one
 * iconv_open per thread.
 */
#include "parse/charset.h"
#include "parse/jis_tables.h"

#include <errno.h>
#include <string.h>

#define REPL_UTF8 "\xEF\xBF\xBD"

/* ------------------------------------------------------------------------ */
/* Per-thread iconv cache                                                    */

#define CACHE_SLOTS 12
#define NAME_MAX_LEN 48

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
static GIConv
get_cd(const char *to, const char *from)
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
static gsize
utf8_bad_len(const guchar *p, gsize n)
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
static gsize
utf8_repair(const char *in, gsize len, GString *out, gboolean *lossy)
{
    gsize bad = 0;
    const char *p, *end;

    /* An empty part may come as (NULL, 0): NULL + 0 is undefined in C. */
    if (in == NULL || len == 0)
        return 0;
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
            p += utf8_bad_len((const guchar *)p, (gsize)(end - p));
            bad++;
        }
    }
    return bad;
}

/* ------------------------------------------------------------------------ */
/* Generic iconv decode with replacement                                     */

/* Returns the number of replaced (invalid/incomplete) sequences. */
static gsize
iconv_decode(GIConv cd, const char *in, gsize len, GString *out, gboolean *lossy)
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

static gboolean
has_8bit(const char *s, gsize n)
{
    for (gsize i = 0; i < n; i++)
        if ((guchar)s[i] & 0x80)
            return TRUE;
    return FALSE;
}

static void
ascii_copy(const char *in, gsize len, GString *out, gboolean *lossy)
{
    append_scrub_nul(out, in, len, lossy);
}

static void
latin1_decode(const char *in, gsize len, GString *out, gboolean *lossy)
{
    for (gsize i = 0; i < len; i++) {
        guchar b = (guchar)in[i];
        if (b == 0)
            put_repl(out, lossy);
        else
            put_uc(out, b);
    }
}

/* Undeclared/unknown: valid UTF-8 as is -> CP932 if clean -> ISO-8859-1.
 * Always sets *lossy (the charset was guessed). */
static void
guess_decode(const char *in, gsize len, GString *out, gboolean *lossy)
{
    gsize mark = out->len;
    gboolean dummy = FALSE;
    *lossy = TRUE;
    if (utf8_repair(in, len, out, &dummy) == 0)
        return;
    g_string_truncate(out, mark);
    GIConv cd = get_cd("UTF-8", "CP932");
    if (cd != (GIConv)-1) {
        if (iconv_decode(cd, in, len, out, &dummy) == 0)
            return;
        g_string_truncate(out, mark);
    }
    latin1_decode(in, len, out, &dummy);
}

/* ------------------------------------------------------------------------ */
/* JIS tables (jis_decode_table.c, jis_encode_table.c)                       */

/* BMP char -> (j1 << 8) | j2, or 0. */
static guint16
ucs_to_jis(gunichar c)
{
    guint lo = 0, hi = kenchi_ucs_jis_count;

    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        gunichar k = kenchi_ucs_jis[mid] >> 16;
        if (k == c)
            return (guint16)(kenchi_ucs_jis[mid] & 0xFFFF);
        if (k < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* ISO-2022-JP decoder                                                       */

typedef enum {
    M_ASCII,   /* ESC ( B, and ESC ( J / ESC ( H: JIS-Roman is read as ASCII
                  (like Windows CP5022x), so 0x5C stays '\' */
    M_KANA,    /* ESC ( I: 0x21-0x5F -> U+FF61-U+FF9F */
    M_JIS0208, /* ESC $ @, ESC $ B (+ NEC/IBM extensions via CP932) */
    M_JIS0212, /* ESC $ ( D, decoded via EUC-JP-MS */
    M_JIS0213, /* ESC $ ( O / Q (plane 1) */
    M_JIS0213P2, /* ESC $ ( P (plane 2) */
    M_UNK2,    /* unsupported 94^2 set (ESC $ A, ESC $ ( C ...) */
    M_UNK1     /* unsupported 94 set */
} JisMode;

/* Decode a single JIS pair in a set that needs iconv. */
static void
decode_pair_via_iconv(GString *out, JisMode m, guchar j1, guchar j2, gboolean *lossy)
{
    char buf[16];
    gsize n = 0;
    const char *cs;
    if (m == M_JIS0212) {
        cs = "EUC-JP-MS";
        buf[n++] = (char)0x8F;
        buf[n++] = (char)(j1 | 0x80);
        buf[n++] = (char)(j2 | 0x80);
    } else {
        cs = "ISO-2022-JP-3";
        const char *esc = (m == M_JIS0213P2) ? "\x1b$(P" : "\x1b$(Q";
        memcpy(buf, esc, 4);
        n = 4;
        buf[n++] = (char)j1;
        buf[n++] = (char)j2;
        memcpy(buf + n, "\x1b(B", 3);
        n += 3;
    }
    GIConv cd = get_cd("UTF-8", cs);
    if (cd == (GIConv)-1) {
        put_repl(out, lossy);
        return;
    }
    iconv_decode(cd, buf, n, out, lossy);
}

static gboolean
is_jis_byte(guchar b)
{
    return b >= 0x21 && b <= 0x7E;
}

/* Parse an escape sequence at p[0] == ESC.  Returns bytes consumed, or 0 if
 * unrecognised / truncated (*truncated tells which). */
static gsize
parse_escape(const guchar *p, gsize n, JisMode *mode, char *g2, gboolean *truncated)
{
    *truncated = FALSE;
    if (n < 2) { *truncated = TRUE; return 0; }
    switch (p[1]) {
    case '(':
        if (n < 3) { *truncated = TRUE; return 0; }
        switch (p[2]) {
        case 'B': case 'J': case 'H': *mode = M_ASCII; return 3;
        case 'I': *mode = M_KANA; return 3;
        default:
            if (p[2] >= 0x30 && p[2] <= 0x7E) { *mode = M_UNK1; return 3; }
            return 0;
        }
    case '$':
        if (n < 3) { *truncated = TRUE; return 0; }
        switch (p[2]) {
        case '@': case 'B': *mode = M_JIS0208; return 3;
        case 'A': *mode = M_UNK2; return 3;
        case '(':
            if (n < 4) { *truncated = TRUE; return 0; }
            switch (p[3]) {
            case 'B': case '@': *mode = M_JIS0208; return 4;
            case 'D': *mode = M_JIS0212; return 4;
            case 'O': case 'Q': *mode = M_JIS0213; return 4;
            case 'P': *mode = M_JIS0213P2; return 4;
            default:
                if (p[3] >= 0x30 && p[3] <= 0x7E) { *mode = M_UNK2; return 4; }
                return 0;
            }
        default:
            return 0;
        }
    case '&': /* ESC & @: JIS X 0208-1990 announcer, no-op */
        if (n < 3) { *truncated = TRUE; return 0; }
        return p[2] == '@' ? 3 : 0;
    case '.': /* G2 designation (ISO-2022-JP-2) */
        if (n < 3) { *truncated = TRUE; return 0; }
        *g2 = (char)p[2];
        return 3;
    default:
        return 0;
    }
}

static void
iso2022jp_decode(const char *in, gsize len, GString *out, gboolean *lossy)
{
    const guchar *p = (const guchar *)in;
    gsize i = 0;
    JisMode mode = M_ASCII;
    gboolean shifted = FALSE; /* SO active: G1 = JIS X 0201 katakana */
    char g2 = 0;

    while (i < len) {
        guchar b = p[i];

        if (b == 0x1B) {
            gboolean trunc;
            /* ESC N c: single shift 2 */
            if (i + 1 < len && p[i + 1] == 'N') {
                if (i + 2 >= len) { put_repl(out, lossy); break; }
                guchar c = p[i + 2] & 0x7F;
                if (g2 == 'A' && c >= 0x20)
                    put_uc(out, (gunichar)(c | 0x80));
                else if (g2 == 'F' && c >= 0x20) {
                    char gb = (char)(c | 0x80);
                    GIConv cd = get_cd("UTF-8", "ISO-8859-7");
                    if (cd != (GIConv)-1)
                        iconv_decode(cd, &gb, 1, out, lossy);
                    else
                        put_repl(out, lossy);
                } else
                    put_repl(out, lossy);
                i += 3;
                continue;
            }
            gsize n = parse_escape(p + i, len - i, &mode, &g2, &trunc);
            if (n == 0) {
                put_repl(out, lossy);
                if (trunc)
                    break;
                i++;
                continue;
            }
            i += n;
            continue;
        }
        if (b == 0x0E) { shifted = TRUE; i++; continue; }
        if (b == 0x0F) { shifted = FALSE; i++; continue; }
        if (b == '\n' || b == '\r') {
            /* RFC 1468: every line ends in ASCII.  Be tolerant of encoders
             * that forget ESC ( B before the line break. */
            g_string_append_c(out, (char)b);
            mode = M_ASCII;
            shifted = FALSE;
            i++;
            continue;
        }
        if (b == 0) { put_repl(out, lossy); i++; continue; }
        if (b & 0x80) {
            /* 8-bit data in a 7-bit charset: mislabelled (raw Shift_JIS or
             * UTF-8).  Guess-decode up to the next ESC or line break. */
            gsize j = i;
            while (j < len && p[j] != 0x1B && p[j] != '\n' && p[j] != '\r')
                j++;
            guess_decode(in + i, j - i, out, lossy);
            i = j;
            continue;
        }
        if (b < 0x21 || b == 0x7F) { /* controls, space: pass through */
            g_string_append_c(out, (char)b);
            i++;
            continue;
        }
        if (shifted) {
            if (b <= 0x5F)
                put_uc(out, 0xFF40 + b);
            else
                put_repl(out, lossy);
            i++;
            continue;
        }
        switch (mode) {
        case M_ASCII:
            g_string_append_c(out, (char)b);
            i++;
            break;
        case M_KANA:
            if (b <= 0x5F)
                put_uc(out, 0xFF40 + b);
            else
                put_repl(out, lossy);
            i++;
            break;
        case M_UNK1:
            put_repl(out, lossy);
            i++;
            break;
        default: { /* two-byte sets */
            if (i + 1 >= len || !is_jis_byte(p[i + 1])) {
                /* truncated pair: replace lead byte, re-read the next one */
                put_repl(out, lossy);
                i++;
                break;
            }
            guchar j1 = b, j2 = p[i + 1];
            i += 2;
            gunichar u = 0;
            if (mode == M_JIS0208 || mode == M_JIS0213)
                u = kenchi_jis_ucs[(j1 - 0x21) * 94 + (j2 - 0x21)];
            if (u)
                put_uc(out, u);
            else if (mode == M_JIS0212 || mode == M_JIS0213 || mode == M_JIS0213P2)
                decode_pair_via_iconv(out, mode, j1, j2, lossy);
            else
                put_repl(out, lossy);
            break;
        }
        }
    }
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
    /* explicit "don't know" labels */
    { "unknown-8bit", NULL }, { "x-unknown", NULL }, { "unknown", NULL },
    { "x-user-defined", NULL }, { "8bit", NULL }, { "default", NULL },
};

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

    if (get_cd("UTF-8", up) == (GIConv)-1)
        return NULL;
    /* Bounded: only names glibc accepts (upper-cased) get interned. */
    return g_intern_string(up);
}

/* ------------------------------------------------------------------------ */
/* Public decode                                                             */

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
        if (has_8bit(bytes, len))
            guess_decode(bytes, len, out, &lossy);
        else
            ascii_copy(bytes, len, out, &lossy);
    } else if (!canon) {
        guess_decode(bytes, len, out, &lossy);
    } else if (canon == (const char *)KENCHI_CHARSET_ISO2022JP ||
               strcmp(canon, KENCHI_CHARSET_ISO2022JP) == 0) {
        iso2022jp_decode(bytes, len, out, &lossy);
    } else if (strcmp(canon, "UTF-8") == 0) {
        if (len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0) {
            bytes += 3;
            len -= 3;
        }
        utf8_repair(bytes, len, out, &lossy);
    } else if (strcmp(canon, "ISO-8859-1") == 0) {
        latin1_decode(bytes, len, out, &lossy);
    } else {
        GIConv cd = get_cd("UTF-8", canon);
        if (cd == (GIConv)-1) {
            guess_decode(bytes, len, out, &lossy);
        } else {
            iconv_decode(cd, bytes, len, out, &lossy);
            /* ISO-2022-JP-1/-2/-3 from glibc are strict too: if that lost
             * something, see whether our CP5022x decoder does better. */
            if (lossy && g_str_has_prefix(canon, "ISO-2022-JP")) {
                GString *alt = g_string_sized_new(out->len);
                gboolean alt_lossy = FALSE;
                iso2022jp_decode(bytes, len, alt, &alt_lossy);
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
    if (!g_utf8_validate_len(out->str, out->len, NULL)) {
        GString *fixed = g_string_sized_new(out->len);
        utf8_repair(out->str, out->len, fixed, &lossy);
        g_string_free(out, TRUE);
        out = fixed;
    }
    if (lossy_out)
        *lossy_out = lossy;
    return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* ISO-2022-JP encoder                                                       */

typedef enum { E_ASCII, E_JIS } EncMode;

static void
enc_jis(GString *out, EncMode *m, guint16 code)
{
    if (*m != E_JIS) {
        g_string_append_len(out, "\x1b$B", 3);
        *m = E_JIS;
    }
    g_string_append_c(out, (char)(code >> 8));
    g_string_append_c(out, (char)(code & 0xFF));
}

static void
enc_ascii(GString *out, EncMode *m, char c)
{
    if (*m != E_ASCII) {
        g_string_append_len(out, "\x1b(B", 3);
        *m = E_ASCII;
    }
    g_string_append_c(out, c);
}

static void
enc_char(GString *out, EncMode *m, gunichar c, gboolean *lossy)
{
    if (c < 0x80) {
        enc_ascii(out, m, (char)c);
        return;
    }
    if (c == 0x3099) c = 0x309B; /* lone half-width voiced marks after NFKC */
    if (c == 0x309A) c = 0x309C;
    guint16 code = c <= 0xFFFF ? ucs_to_jis(c) : 0;
    if (code) {
        enc_jis(out, m, code);
    } else {
        enc_ascii(out, m, '?');
        *lossy = TRUE;
    }
}

char *
kenchi_charset_utf8_to_iso2022jp(const char *utf8, gsize *out_len, gboolean *lossy_out)
{
    gboolean lossy = FALSE;
    if (!utf8)
        utf8 = "";
    gsize len = strlen(utf8);
    GString *out = g_string_sized_new(len + 16);
    EncMode m = E_ASCII;
    const char *p = utf8, *end = utf8 + len;

    while (p < end) {
        gunichar c = g_utf8_get_char_validated(p, end - p);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            enc_ascii(out, &m, '?');
            lossy = TRUE;
            p += utf8_bad_len((const guchar *)p, (gsize)(end - p));
            continue;
        }
        if (c >= 0xFF61 && c <= 0xFF9F) {
            /* Half-width katakana run -> full-width via NFKC (ｶﾞ -> ガ).
             * Full-width JIS X 0208 is what every MUA reads; ESC ( I is not
             * allowed by RFC 1468 and many clients garble it. */
            const char *q = p;
            while (q < end) {
                gunichar d = g_utf8_get_char_validated(q, end - q);
                if (d == (gunichar)-1 || d == (gunichar)-2 || d < 0xFF61 || d > 0xFF9F)
                    break;
                q = g_utf8_next_char(q);
            }
            char *norm = g_utf8_normalize(p, q - p, G_NORMALIZE_NFKC);
            if (norm) {
                for (const char *r = norm; *r; r = g_utf8_next_char(r))
                    enc_char(out, &m, g_utf8_get_char(r), &lossy);
                g_free(norm);
            } else {
                enc_ascii(out, &m, '?');
                lossy = TRUE;
            }
            p = q;
            continue;
        }
        enc_char(out, &m, c, &lossy);
        p = g_utf8_next_char(p);
    }
    if (m != E_ASCII)
        g_string_append_len(out, "\x1b(B", 3);
    if (out_len)
        *out_len = out->len;
    if (lossy_out)
        *lossy_out = lossy;
    return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* RFC 2047 header decoding                                                  */

typedef struct {
    gsize start, end;    /* span in raw, end exclusive */
    char charset[NAME_MAX_LEN];
    char enc;            /* 'B' or 'Q' */
    gsize text, textlen; /* payload span */
} EncWord;

/* *dead_end is set when the payload scan ran into whitespace or the end
 * without finding "?=": no word starting before that point can succeed, which
 * keeps pathological input ("=?a?B?x=?a?B?x..." with no close) linear. */
static gboolean
parse_encword(const char *s, gsize n, gsize at, EncWord *w, gsize *dead_end)
{
    if (at + 2 > n || s[at] != '=' || s[at + 1] != '?')
        return FALSE;
    gsize i = at + 2, cs = i;
    while (i < n && i - cs < NAME_MAX_LEN && s[i] != '?' && !g_ascii_isspace(s[i]))
        i++;
    if (i >= n || s[i] != '?' || i == cs)
        return FALSE;
    gsize cslen = i - cs;
    /* RFC 2231 language suffix */
    const char *star = memchr(s + cs, '*', cslen);
    if (star)
        cslen = (gsize)(star - (s + cs));
    if (cslen == 0 || cslen >= NAME_MAX_LEN)
        return FALSE;
    i++;
    if (i + 1 >= n || s[i + 1] != '?')
        return FALSE;
    char e = g_ascii_toupper(s[i]);
    if (e != 'B' && e != 'Q')
        return FALSE;
    i += 2;
    gsize t = i;
    while (i + 1 < n && !(s[i] == '?' && s[i + 1] == '=')) {
        if (g_ascii_isspace(s[i])) {
            *dead_end = i;
            return FALSE;
        }
        i++;
    }
    if (i + 1 >= n) {
        *dead_end = n;
        return FALSE;
    }
    memcpy(w->charset, s + cs, cslen);
    w->charset[cslen] = '\0';
    w->enc = e;
    w->text = t;
    w->textlen = i - t;
    w->start = at;
    w->end = i + 2;
    return TRUE;
}

static void
encword_payload(const char *s, const EncWord *w, GByteArray *dst)
{
    const char *t = s + w->text;
    if (w->enc == 'B') {
        gint state = 0;
        guint save = 0;
        gsize old = dst->len;
        g_byte_array_set_size(dst, old + (w->textlen / 4) * 3 + 3);
        gsize got = g_base64_decode_step(t, w->textlen, dst->data + old, &state, &save);
        g_byte_array_set_size(dst, old + got);
    } else {
        for (gsize i = 0; i < w->textlen; i++) {
            guint8 b = (guint8)t[i];
            if (b == '_') {
                b = ' ';
            } else if (b == '=' && i + 2 < w->textlen &&
                       g_ascii_isxdigit(t[i + 1]) && g_ascii_isxdigit(t[i + 2])) {
                b = (guint8)(g_ascii_xdigit_value(t[i + 1]) * 16 +
                             g_ascii_xdigit_value(t[i + 2]));
                i += 2;
            }
            g_byte_array_append(dst, &b, 1);
        }
    }
}

/* Decode raw (not encoded-word) header text: unfold, then 8-bit guess. */
static void
raw_segment(const char *s, gsize n, GString *out, gboolean *lossy)
{
    if (n == 0)
        return;
    GString *tmp = g_string_sized_new(n);
    for (gsize i = 0; i < n; i++)
        if (s[i] != '\r' && s[i] != '\n')
            g_string_append_c(tmp, s[i]);
    if (!has_8bit(tmp->str, tmp->len)) {
        ascii_copy(tmp->str, tmp->len, out, lossy);
    } else {
        gsize mark = out->len;
        gboolean dummy = FALSE;
        /* RFC 6532 allows raw UTF-8 in headers: not lossy. */
        if (utf8_repair(tmp->str, tmp->len, out, &dummy) != 0) {
            g_string_truncate(out, mark);
            guess_decode(tmp->str, tmp->len, out, lossy);
        } else if (dummy) {
            *lossy = TRUE; /* NULs */
        }
    }
    g_string_free(tmp, TRUE);
}

static void
flush_pending(GString *out, char *pcs, GByteArray *pend, gboolean *lossy)
{
    if (pcs[0] == '\0')
        return;
    gboolean l = FALSE;
    char *dec = kenchi_charset_to_utf8((const char *)pend->data, pend->len, pcs, &l);
    g_string_append(out, dec);
    g_free(dec);
    if (l)
        *lossy = TRUE;
    pcs[0] = '\0';
    g_byte_array_set_size(pend, 0);
}

char *
kenchi_charset_decode_header(const char *raw, gboolean *lossy_out)
{
    gboolean lossy = FALSE;
    if (!raw)
        raw = "";
    gsize n = strlen(raw);
    GString *out = g_string_sized_new(n + 16);
    GByteArray *pend = g_byte_array_new();
    char pcs[NAME_MAX_LEN] = "";
    gsize lit = 0; /* start of pending literal text */
    gsize i = 0, dead_end = 0;

    while (i < n) {
        EncWord w;
        if (raw[i] == '=' && i >= dead_end && parse_encword(raw, n, i, &w, &dead_end)) {
            /* literal text between lit and i */
            gboolean only_ws = TRUE;
            for (gsize k = lit; k < i; k++)
                if (!g_ascii_isspace(raw[k])) { only_ws = FALSE; break; }
            if (pcs[0] && only_ws) {
                /* adjacent encoded words: drop the whitespace */
                if (g_ascii_strcasecmp(pcs, w.charset) != 0)
                    flush_pending(out, pcs, pend, &lossy);
            } else {
                flush_pending(out, pcs, pend, &lossy);
                raw_segment(raw + lit, i - lit, out, &lossy);
            }
            if (!pcs[0])
                g_strlcpy(pcs, w.charset, sizeof pcs);
            encword_payload(raw, &w, pend);
            i = lit = w.end;
            continue;
        }
        i++;
    }
    flush_pending(out, pcs, pend, &lossy);
    raw_segment(raw + lit, n - lit, out, &lossy);
    g_byte_array_free(pend, TRUE);

    /* trim surrounding whitespace (the raw value usually starts with a space) */
    char *res = g_string_free(out, FALSE);
    g_strstrip(res);
    if (lossy_out)
        *lossy_out = lossy;
    return res;
}
