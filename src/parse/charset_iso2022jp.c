/* kenchi — ISO-2022-JP for Japanese alert mail: the decoder that
 * kenchi_charset_to_utf8() uses for the ISO-2022-JP family (CP50220/1/2,
 * ISO-2022-JP-MS), and kenchi_charset_utf8_to_iso2022jp() for outgoing
 * mail.  See charset.h; the other charsets are in charset.c.
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
 */
#include "parse/charset_int.h"
#include "parse/jis_tables.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* JIS tables (jis_decode_table.c, jis_encode_table.c)                       */

/* BMP char -> (j1 << 8) | j2, or 0: a direct table spread from the sorted
 * pairs at the first use (7,334 stores; a binary search per character made
 * a Japanese report's body cost 1.8 times as much to encode). */
static guint16 ucs_jis[65536];

static guint16
ucs_to_jis(gunichar c)
{
    static gsize once = 0;

    if (g_once_init_enter(&once)) {
        for (guint i = 0; i < kenchi_ucs_jis_count; i++)
            ucs_jis[kenchi_ucs_jis[i] >> 16] = (guint16)(kenchi_ucs_jis[i] & 0xFFFF);
        g_once_init_leave(&once, 1);
    }
    return c <= 0xFFFF ? ucs_jis[c] : 0;
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
    GIConv cd = kenchi_charset_get_cd("UTF-8", cs);
    if (cd == (GIConv)-1) {
        put_repl(out, lossy);
        return;
    }
    kenchi_charset_iconv_decode(cd, buf, n, out, lossy);
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

/* Whether the line at P (N bytes to the end) is, up to its first escape or
 * line break, JIS X 0208 pairs that are all characters: an empty line
 * keeps the question for the next one. */
static gboolean
jis_line_follows(const guchar *p, gsize n)
{
    gsize k = 0;

    while (k < n && p[k] != 0x1B && p[k] != '\n' && p[k] != '\r')
        k++;
    if (k % 2)
        return FALSE;
    for (gsize j = 0; j < k; j += 2)
        if (!is_jis_byte(p[j]) || !is_jis_byte(p[j + 1]) ||
            kenchi_jis_ucs[(p[j] - 0x21) * 94 + (p[j + 1] - 0x21)] == 0)
            return FALSE;
    return TRUE;
}

void
kenchi_charset_iso2022jp_decode(const char *in, gsize len, GString *out, gboolean *lossy)
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
                    GIConv cd = kenchi_charset_get_cd("UTF-8", "ISO-8859-7");
                    if (cd != (GIConv)-1)
                        kenchi_charset_iconv_decode(cd, &gb, 1, out, lossy);
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
             * that forget ESC ( B before the line break: mostly the next
             * line is ASCII again, but an encoder that forgot it may go on
             * in JIS X 0208 with no escape at all (rt26 C07: every field
             * after "重要度：高" was lost), so a next line that is JIS
             * pairs through and through goes on in it. */
            g_string_append_c(out, (char)b);
            if (mode != M_JIS0208 || !jis_line_follows(p + i + 1, len - i - 1))
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
            kenchi_charset_guess_decode(in + i, j - i, out, lossy);
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
/* ISO-2022-JP encoder                                                       */

typedef enum { E_ASCII, E_JIS } EncMode;

/* g_string_append_len without its call when there is room: a report's
 * body is thousands of these few-byte appends. */
static inline void
put(GString *out, const char *s, gsize n)
{
    if (out->len + n < out->allocated_len) {
        memcpy(out->str + out->len, s, n);
        out->len += n;
        out->str[out->len] = '\0';
    } else {
        g_string_append_len(out, s, n);
    }
}

static inline void
enc_jis(GString *out, EncMode *m, guint16 code)
{
    char *o;

    if (out->len + 6 > out->allocated_len) {
        char b[5] = { 0x1b, '$', 'B', (char)(code >> 8), (char)(code & 0xFF) };

        g_string_append_len(out, *m != E_JIS ? b : b + 3, *m != E_JIS ? 5 : 2);
        *m = E_JIS;
        return;
    }
    /* the common case, written in place: no call for two bytes */
    o = out->str + out->len;
    if (*m != E_JIS) {
        *o++ = 0x1b;
        *o++ = '$';
        *o++ = 'B';
        *m = E_JIS;
    }
    *o++ = (char)(code >> 8);
    *o++ = (char)(code & 0xFF);
    *o = '\0';
    out->len = o - out->str;
}

static void
enc_ascii(GString *out, EncMode *m, char c)
{
    if (*m != E_ASCII) {
        put(out, "\x1b(B", 3);
        *m = E_ASCII;
    }
    put(out, &c, 1);
}

/* The character at P (P < END) and its length: three-byte sequences, all
 * of Japanese text, are decoded here; the rest by GLib.  (gunichar)-1 or
 * -2 for invalid or truncated UTF-8. */
static inline gunichar
next_char(const char *p, const char *end, gsize *len)
{
    const guchar *u = (const guchar *)p;

    if ((u[0] & 0xF0) == 0xE0 && end - p >= 3 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
        gunichar c = ((gunichar)(u[0] & 0x0F) << 12) | ((gunichar)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
        if (c >= 0x800 && (c < 0xD800 || c > 0xDFFF)) {
            *len = 3;
            return c;
        }
    }
    gunichar c = g_utf8_get_char_validated(p, end - p);
    *len = c == (gunichar)-1 || c == (gunichar)-2 ? 0 : (gsize)(g_utf8_next_char(p) - p);
    return c;
}

/* The JIS code of non-ASCII C, or 0 when it has none. */
static guint16
jis_code(gunichar c)
{
    if (c == 0x3099) c = 0x309B; /* lone half-width voiced marks after NFKC */
    if (c == 0x309A) c = 0x309C;
    return c <= 0xFFFF ? ucs_to_jis(c) : 0;
}

int
kenchi_charset_iso2022jp_width(gunichar c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xFF61 && c <= 0xFF9F)
        return 0;
    return jis_code(c) ? 2 : 1;
}

static inline void
enc_char(GString *out, EncMode *m, gunichar c, gboolean *lossy)
{
    if (c < 0x80) {
        enc_ascii(out, m, (char)c);
        return;
    }
    guint16 code = jis_code(c);
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
    /* Japanese text takes 2 bytes a character for UTF-8's 3, plus escapes */
    GString *out = g_string_sized_new(len + len / 2 + 16);
    EncMode m = E_ASCII;
    const char *p = utf8, *end = utf8 + len;
    gsize clen;

    while (p < end) {
        if ((guchar)*p < 0x80) {
            /* A run of ASCII, most of a report, is copied as it is. */
            const char *q = p + 1;
            while (q < end && (guchar)*q < 0x80)
                q++;
            if (m != E_ASCII) {
                put(out, "\x1b(B", 3);
                m = E_ASCII;
            }
            put(out, p, q - p);
            p = q;
            continue;
        }
        gunichar c = next_char(p, end, &clen);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            enc_ascii(out, &m, '?');
            lossy = TRUE;
            p += kenchi_charset_utf8_bad_len((const guchar *)p, (gsize)(end - p));
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
        p += clen;
    }
    if (m != E_ASCII)
        put(out, "\x1b(B", 3);
    if (out_len)
        *out_len = out->len;
    if (lossy_out)
        *lossy_out = lossy;
    return g_string_free(out, FALSE);
}
