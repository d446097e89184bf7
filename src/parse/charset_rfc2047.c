/* kenchi — RFC 2047 header decoding: kenchi_charset_decode_header()
 * (see charset.h for what it accepts).  Encoded words are collected here and
 * their bytes decoded by kenchi_charset_to_utf8() (charset.c), so a header
 * gets the same charset handling as a body; raw 8-bit text between them is
 * guessed as charset.c guesses an undeclared body. */
#include "parse/charset_int.h"

#include <string.h>

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
    if (!kenchi_charset_has_8bit(tmp->str, tmp->len)) {
        kenchi_charset_ascii_copy(tmp->str, tmp->len, out, lossy);
    } else {
        gsize mark = out->len;
        gboolean dummy = FALSE;
        /* RFC 6532 allows raw UTF-8 in headers: not lossy. */
        if (kenchi_charset_utf8_repair(tmp->str, tmp->len, out, &dummy) != 0) {
            g_string_truncate(out, mark);
            kenchi_charset_guess_decode(tmp->str, tmp->len, out, lossy);
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
