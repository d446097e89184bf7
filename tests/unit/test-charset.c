#define _GNU_SOURCE
/* Unit tests for src/parse/charset*.c: charset.c, charset_rfc2047.c and
 * charset_iso2022jp.c (cmocka).
 * Expected ISO-2022-JP / CP932 bytes were generated with /usr/bin/python3's
 * 'iso2022_jp' and 'cp932' codecs and embedded as octal escapes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>
#include "parse/charset.h"
#include "util/utf8.h"

#define U_FFFD "\357\277\275"

static char *
dec(const char *b, gsize n, const char *cs, gboolean *lossy)
{
    char *r = kenchi_charset_to_utf8(b, n, cs, lossy);
    assert_non_null(r);
    assert_true(g_utf8_validate(r, -1, NULL));
    return r;
}

#define ASSERT_DEC(bytes, cs, expect, expect_lossy)                            \
    do {                                                                       \
        gboolean l_ = !(expect_lossy);                                         \
        char *r_ = dec((bytes), sizeof(bytes) - 1, (cs), &l_);                 \
        assert_string_equal(r_, (expect));                                     \
        assert_int_equal(l_, (expect_lossy));                                  \
        g_free(r_);                                                            \
    } while (0)

/* ---- Shift_JIS ------------------------------------------------------- */

static void
test_sjis_backslash(void **state)
{
    (void)state;
    static const char sjis[] = "C:\134Users\134\216R\223c\134AppData";
    const char *want = "C:\\Users\\山田\\AppData";
    const char *names[] = { "Shift_JIS", "shift-jis", "SJIS", "x-sjis", "MS_Kanji",
                            "Windows-31J", "cp932", "\"shift_jis\"" };
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
        ASSERT_DEC(sjis, names[i], want, FALSE);

    /* round trip: UTF-8 -> CP932 (glibc) -> ours */
    gsize n = 0;
    char *enc = g_convert(want, -1, "CP932", "UTF-8", NULL, &n, NULL);
    assert_non_null(enc);
    assert_int_equal(n, sizeof sjis - 1);
    assert_memory_equal(enc, sjis, n);
    gboolean lossy = TRUE;
    char *back = dec(enc, n, "shift_jis", &lossy);
    assert_string_equal(back, want);
    assert_false(lossy);
    g_free(back);
    g_free(enc);

    /* glibc's SHIFT_JIS would have given a yen sign; make sure we don't */
    back = dec(sjis, sizeof sjis - 1, "SHIFT_JIS", NULL);
    assert_null(strstr(back, "\302\245"));
    g_free(back);
}

static void
test_sjis_invalid_continues(void **state)
{
    (void)state;
    /* 0x80 and 0xA0 are not CP932; lone lead byte at end is truncated */
    static const char b[] = "A\200B\240C\223c\223";
    ASSERT_DEC(b, "Shift_JIS", "A" U_FFFD "B" U_FFFD "C田" U_FFFD, TRUE);
}

/* ---- ISO-2022-JP ----------------------------------------------------- */

static void
test_iso2022jp_nec_extensions(void **state)
{
    (void)state;
    ASSERT_DEC("\033$B-!\033(B", "ISO-2022-JP", "①", FALSE);
    ASSERT_DEC("\033$B-j\033(B", "iso-2022-jp", "㈱", FALSE);
    ASSERT_DEC("x\033$B-!-j-5\033(By", "ISO-2022-JP", "x①㈱Ⅰy", FALSE);
    /* NEC-selected IBM extension row 89 (SJIS 0xED40 = 纊) */
    ASSERT_DEC("\033$By!\033(B", "ISO-2022-JP", "纊", FALSE);
    /* ESC $ @ (JIS C 6226) works like ESC $ B */
    ASSERT_DEC("\033$@-!\033(B", "ISO-2022-JP", "①", FALSE);
    /* unassigned cell -> U+FFFD, text continues */
    ASSERT_DEC("\033$B)!\033(Bz", "ISO-2022-JP", U_FFFD "z", TRUE);
}

static void
test_iso2022jp_plain(void **state)
{
    (void)state;
    /* python3: "検知したイベントタイプ：脅威を検出\nコンピュータ名: PC-001\n".encode('iso2022_jp') */
    static const char b[] =
        "\033$B8!CN$7$\077%$%Y%s%H%\077%$%W!'6<0R$r8!=P\033(B\012"
        "\033$B%3%s%T%e!<%\077L>\033(B: PC-001\012";
    ASSERT_DEC(b, "ISO-2022-JP",
               "検知したイベントタイプ：脅威を検出\nコンピュータ名: PC-001\n", FALSE);
    /* python3: "【重要】".encode('iso2022_jp') */
    ASSERT_DEC("\033$B!Z=EMW![\033(B", "csISO2022JP", "【重要】", FALSE);
    /* ESC ( J (JIS-Roman) is read as ASCII so backslashes survive */
    ASSERT_DEC("\033(JC:\134Users\033(B", "ISO-2022-JP", "C:\\Users", FALSE);
    /* encoder forgot ESC ( B before the line break */
    ASSERT_DEC("\033$B%F%9%H\nabc", "ISO-2022-JP", "テスト\nabc", FALSE);
    /* No charset, or us-ascii, but JIS escapes: a gateway dropped the
     * label; the escapes say what the text is.  A lone ESC is still ASCII. */
    ASSERT_DEC("\033$B!Z=EMW![\033(B", NULL, "【重要】", FALSE);
    ASSERT_DEC("x\033$@%F%9%H\033(B", "us-ascii", "xテスト", FALSE);
    ASSERT_DEC("a\033b", NULL, "a\033b", FALSE);
}

static void
test_iso2022jp_halfwidth_kana(void **state)
{
    (void)state;
    /* python3: "ｶﾀｶﾅ".encode('iso2022_jp_ext') */
    ASSERT_DEC("\033(I6@6E\033(B", "ISO-2022-JP", "ｶﾀｶﾅ", FALSE);
    /* SO/SI form (CP50222) */
    ASSERT_DEC("a\0166@6E\017b", "ISO-2022-JP", "aｶﾀｶﾅb", FALSE);

    /* encoder writes full-width (NFKC), combining voiced marks */
    gsize n = 0;
    gboolean lossy = TRUE;
    char *e = kenchi_charset_utf8_to_iso2022jp("ｶﾞｷﾞ ﾃｽﾄ｡", &n, &lossy);
    assert_false(lossy);
    assert_null(memchr(e, 0x0E, n));
    assert_null(strstr(e, "\033(I"));
    char *d = dec(e, n, "ISO-2022-JP", &lossy);
    assert_string_equal(d, "ガギ テスト。");
    assert_false(lossy);
    g_free(d);
    g_free(e);
}

/* A line that ends in JIS X 0208 with no ESC ( B: the next line goes on
 * in it when it is JIS pairs through and through (rt26 C07), and is ASCII
 * again when it is not. */
static void
test_iso2022jp_no_reset_at_eol(void **state)
{
    (void)state;
    ASSERT_DEC("\033$B=EMWEY!'9b\n8!=PL>!'\033(BW32", "iso-2022-jp", "重要度：高\n検出名：W32", FALSE);
    ASSERT_DEC("\033$B9b\nDetection: W32", "iso-2022-jp", "高\nDetection: W32", FALSE);
    ASSERT_DEC("\033$B9b\n\nRegards", "iso-2022-jp", "高\n\nRegards", FALSE);
}

static void
test_iso2022jp_truncated(void **state)
{
    (void)state;
    ASSERT_DEC("abc\033", "ISO-2022-JP", "abc" U_FFFD, TRUE);
    ASSERT_DEC("abc\033$", "ISO-2022-JP", "abc" U_FFFD, TRUE);
    ASSERT_DEC("abc\033$(", "ISO-2022-JP", "abc" U_FFFD, TRUE);
    ASSERT_DEC("\033$B8!8", "ISO-2022-JP", "検" U_FFFD, TRUE);
    /* unknown escape: replaced, rest still read */
    ASSERT_DEC("a\033Zb", "ISO-2022-JP", "a" U_FFFD "Zb", TRUE);
}

static void
test_iso2022jp_mislabelled_8bit(void **state)
{
    (void)state;
    /* raw UTF-8 and raw CP932 declared as ISO-2022-JP */
    ASSERT_DEC("ok 山田", "ISO-2022-JP", "ok 山田", TRUE);
    ASSERT_DEC("C:\134\216R\223c", "ISO-2022-JP", "C:\\山田", TRUE);
}

static void
test_iso2022jp_2_fallback(void **state)
{
    (void)state;
    /* glibc ISO-2022-JP-2 refuses ①; our decoder is used instead */
    ASSERT_DEC("\033$B-!\033(B", "ISO-2022-JP-2", "①", FALSE);
    /* JIS X 0212 via EUC-JP-MS: 0x2237 = U+FF5E or ~; just check it decodes */
    gboolean lossy = TRUE;
    char *r = dec("\033$(D0!\033(B", 9, "ISO-2022-JP", &lossy);
    assert_false(lossy);
    assert_int_equal(g_utf8_strlen(r, -1), 1);
    g_free(r);
}

/* ---- Encoder --------------------------------------------------------- */

static void
test_encode_roundtrip(void **state)
{
    (void)state;
    const char *text = "〇〇〇〇株式会社 ①②㈱ テスト C:\\Users";
    gsize n = 0;
    gboolean lossy = TRUE;
    char *e = kenchi_charset_utf8_to_iso2022jp(text, &n, &lossy);
    assert_false(lossy);
    for (gsize i = 0; i < n; i++)
        assert_true((guchar)e[i] < 0x80);
    assert_true(n >= 5);
    assert_memory_equal(e + n - 5, "Users", 5); /* ends in ASCII mode */
    assert_non_null(memmem(e, n, "-!-\"-j", 6)); /* ①②㈱ as NEC row 13 */
    char *d = dec(e, n, "ISO-2022-JP", &lossy);
    assert_string_equal(d, text);
    assert_false(lossy);
    g_free(d);
    g_free(e);

    /* plain JIS X 0208 text matches python's iso2022_jp exactly */
    e = kenchi_charset_utf8_to_iso2022jp("【重要】", &n, &lossy);
    assert_int_equal(n, sizeof("\033$B!Z=EMW![\033(B") - 1);
    assert_memory_equal(e, "\033$B!Z=EMW![\033(B", n);
    g_free(e);

    /* IBM extension (ⅰ, 髙) goes to NEC-selected rows, decodes back */
    e = kenchi_charset_utf8_to_iso2022jp("ⅰ髙", &n, &lossy);
    assert_false(lossy);
    d = dec(e, n, "ISO-2022-JP", NULL);
    assert_string_equal(d, "ⅰ髙");
    g_free(d);
    g_free(e);

    /* JIS-standard code points (python/glibc style) are accepted too */
    e = kenchi_charset_utf8_to_iso2022jp("〜−¥", &n, &lossy);
    assert_false(lossy);
    g_free(e);

    /* unmappable -> '?' and lossy; newline returns to ASCII */
    e = kenchi_charset_utf8_to_iso2022jp("日\n\360\237\230\200x\377", &n, &lossy);
    assert_true(lossy);
    assert_int_equal(n, sizeof("\033$BF|\033(B\n?x?") - 1);
    assert_memory_equal(e, "\033$BF|\033(B\n?x?", n);
    g_free(e);
}

/* The width the Subject encoder plans with (mailer.c) is what the encoder
 * writes for the character alone, for every character but the half-width
 * kana (0: ask the encoder); and an ASCII run next to JIS text switches
 * modes as one character at a time would. */
static void
test_iso2022jp_width(void **state)
{
    (void)state;
    for (gunichar c = 1; c < 0x30000; c++) {
        char u[8];
        gsize n = 0;
        int w = kenchi_charset_iso2022jp_width(c);

        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        u[g_unichar_to_utf8(c, u)] = '\0';
        g_free(kenchi_charset_utf8_to_iso2022jp(u, &n, NULL));
        if (c >= 0xFF61 && c <= 0xFF9F)
            assert_int_equal(w, 0);
        else if (c < 0x80)
            assert_true(w == 1 && n == 1);
        else
            assert_int_equal(n, w == 2 ? 8 : 1);   /* ESC $ B, 2 bytes, ESC ( B; or '?' */
    }
    gsize n = 0;
    char *e = kenchi_charset_utf8_to_iso2022jp("ab日本cd\n日x", &n, NULL);
    assert_int_equal(n, sizeof("ab\033$BF|K\\\033(Bcd\n\033$BF|\033(Bx") - 1);
    assert_memory_equal(e, "ab\033$BF|K\\\033(Bcd\n\033$BF|\033(Bx", n);
    g_free(e);
}

/* ---- Other charsets / fallbacks -------------------------------------- */

static void
test_unknown_charset(void **state)
{
    (void)state;
    ASSERT_DEC("caf\303\251 山田", "x-no-such-charset", "café 山田", TRUE);
    ASSERT_DEC("caf\303\251", NULL, "café", TRUE);
    ASSERT_DEC("plain", NULL, "plain", FALSE);
    ASSERT_DEC("plain", "us-ascii", "plain", FALSE);
    ASSERT_DEC("plain", "unknown-8bit", "plain", TRUE);
    /* CP932 guessed when not UTF-8 */
    ASSERT_DEC("C:\134\216R\223c", NULL, "C:\\山田", TRUE);
    /* neither: ISO-8859-1 */
    ASSERT_DEC("\377\376", "x-junk", "ÿþ", TRUE);
    ASSERT_DEC("caf\351", "iso-8859-1", "café", FALSE);
    /* C1 bytes under a Latin-1 label are Windows-1252's (rt26 T04) */
    ASSERT_DEC("a \226 b\205 \223q\224 \200", "iso-8859-1", "a – b… “q” €", FALSE);
    /* labelled Latin-1, written in UTF-8: read as UTF-8, marked guessed */
    ASSERT_DEC("\346\244\234\347\237\245 caf\303\251", "iso-8859-1", "検知 café", TRUE);
    ASSERT_DEC("\244\263\244\363", "EUC-JP", "こん", FALSE);
    /* an unknown label over 7-bit ISO-2022-JP: its escapes say so (rt26 C01) */
    ASSERT_DEC("User: \033$B;3ED\033(B", "_iso-2022-jp$ESC", "User: 山田", TRUE);

    assert_string_equal(kenchi_charset_canonical("SHIFT_JIS"), "CP932");
    assert_string_equal(kenchi_charset_canonical("ms_kanji"), "CP932");
    assert_string_equal(kenchi_charset_canonical("euc-jp"), "EUC-JP-MS");
    assert_string_equal(kenchi_charset_canonical("Iso-2022-Jp"), KENCHI_CHARSET_ISO2022JP);
    assert_string_equal(kenchi_charset_canonical("koi8-r"), "KOI8-R");
    assert_null(kenchi_charset_canonical("x-no-such-charset"));
    assert_null(kenchi_charset_canonical("UTF-8//TRANSLIT"));
    assert_null(kenchi_charset_canonical(NULL));
    assert_null(kenchi_charset_canonical(""));
}

/* Latin text in CP1252 often decodes exactly as CP932 ("Hélène" ->
 * "H駘鈩e"): it is told by its accented letters inside words, Japanese
 * by its runs of two-byte characters, weighed over a whole text (rounds
 * 27b, 28a). */
static gboolean
latin(const char *s)
{
    return kenchi_charset_latin_looking(s, strlen(s));
}

static char *
lines(const char *s)
{
    return kenchi_charset_lines_to_utf8(s, strlen(s));
}

/* IN read line by line gives WANT. */
static void
assert_lines(const char *in, const char *want)
{
    char *u = lines(in);

    assert_non_null(u);
    assert_string_equal(u, want);
    g_free(u);
}

static void
test_latin_or_cp932(void **state)
{
    (void)state;
    assert_true(latin("H\351l\350ne"));
    assert_true(latin("Fran\347ois"));
    assert_true(latin("Stra\337e"));
    assert_true(latin("Gr\366\337e"));
    assert_true(latin("\"\334bersicht.exe\""));
    assert_true(latin("Jos\351@PC-07"));
    assert_true(latin("Caf\351.xlsm"));
    /* CP932: 佐藤, アクセス (katakana whose second bytes are letters), PC名, ソフト */
    assert_false(latin("\"\215\262\223\241\""));
    assert_false(latin("\203A\203N\203Z\203X"));
    assert_false(latin("PC\226\274"));
    assert_false(latin("\203\\\203t\203g"));
    assert_false(latin("ascii"));
    /* a lone kanji beside letters, among Japanese: Japanese */
    assert_false(latin("Setup\340V.exe \215\262\223\241 \220\277\213\201\217\221"));
    /* undeclared Latin text is no longer taken for CP932 */
    ASSERT_DEC("H\351l\350ne", NULL, "Hélène", TRUE);

    /* line by line: UTF-8 lines stay, the others take one code page */
    assert_lines("\xe4\xbd\x90\xe8\x97\xa4\n\215\262\223\241\nSetup\340V.exe\n", "佐藤\n佐藤\nSetup澤.exe\n");
    assert_lines("\xe4\xbd\x90\xe8\x97\xa4\nH\351l\350ne\nCaf\351.xlsm\n", "佐藤\nHélène\nCafé.xlsm\n");
    /* é before "." is no CP932: CP1252, though no letter follows */
    assert_lines("Zo\353\n", "Zoë\n");
    /* round 29a: an apostrophe is Latin, "田澤" (0x93 'c' 0xE0 'V') is
     * not, and curly quotes or a dash alone are CP1252, which CP932 does
     * not read */
    assert_true(latin("John\222s"));
    assert_false(latin("\"\223c\340V\""));
    assert_lines("{\"u\": \"\223c\340V\"}\n", "{\"u\": \"田澤\"}\n");
    assert_lines("{\"d\": \"a \226 b \223x\224 \"}\n", "{\"d\": \"a – b “x” \"}\n");
    /* round 30a: O’Brien, £450, Nº, À propos are Latin */
    assert_true(latin("O\222Brien"));
    /* "Škoda" at a word's start is what 山形支店 looks like: Japanese */
    assert_false(latin("\"\212koda\""));
    assert_false(latin("\"\216R\214`\216x\223X\""));   /* 山形支店 */
    assert_true(latin("\"\243450\""));
    assert_true(latin("N\272 5"));
    assert_true(latin("\"\300 propos\""));
    assert_false(latin("\"\303\336\260\300\""));   /* ﾃﾞｰﾀ, a run */
    /* lines neither reads exactly: NULL */
    assert_null(lines("a\n\201\n"));
}

static void
test_invalid_utf8(void **state)
{
    (void)state;
    ASSERT_DEC("abc\377def", "UTF-8", "abc" U_FFFD "def", TRUE);
    /* truncated 3-byte sequence is one U+FFFD (maximal subpart), then text */
    ASSERT_DEC("a\345\261b", "utf-8", "a" U_FFFD "b", TRUE);
    ASSERT_DEC("a\355\240\200b", "utf-8", "a" U_FFFD U_FFFD U_FFFD "b", TRUE);
    ASSERT_DEC("\357\273\277BOM", "UTF-8", "BOM", FALSE);
    ASSERT_DEC("山田", "UTF-8", "山田", FALSE);
    /* labelled UTF-8, written in Shift_JIS: read as CP932, marked guessed (rt26 C06) */
    ASSERT_DEC("User: ACME\134\216R\223c\nFile Name: \214\251\220\317\217\221.exe\n", "utf-8",
               "User: ACME\\山田\nFile Name: 見積書.exe\n", TRUE);
    ASSERT_DEC("", "UTF-8", "", FALSE);
    char *r = kenchi_charset_to_utf8(NULL, 5, "UTF-8", NULL);
    assert_string_equal(r, "");
    g_free(r);
}

static void
test_nul_bytes(void **state)
{
    (void)state;
    /* NUL bytes become U+FFFD (never dropped, never truncate) */
    ASSERT_DEC("a\000b", "UTF-8", "a" U_FFFD "b", TRUE);
    ASSERT_DEC("a\000b", "Shift_JIS", "a" U_FFFD "b", TRUE);
    ASSERT_DEC("a\000b", "ISO-2022-JP", "a" U_FFFD "b", TRUE);
    ASSERT_DEC("a\000b", NULL, "a" U_FFFD "b", TRUE);
    ASSERT_DEC("a\000\000\000\000\000\000\000b\000\000\000", "UTF-32LE", "a" U_FFFD "b", TRUE);
}

/* ---- Headers ---------------------------------------------------------- */

static void
test_header_decode(void **state)
{
    (void)state;
    gboolean lossy = TRUE;
    char *r;
    /* GMime 3.2 gives "?´?" for this one */
    r = kenchi_charset_decode_header(" =?ISO-2022-JP?B?GyRCLSEtahsoQg==?=\r\n"
                                     " =?ISO-2022-JP?B?GyRCIVo9RU1XIVsbKEI=?=\r\n", &lossy);
    assert_string_equal(r, "①㈱【重要】");
    assert_false(lossy);
    g_free(r);

    /* multi-byte char split across two UTF-8 words; Q encoding; literal text */
    r = kenchi_charset_decode_header("Fwd: =?UTF-8?B?5bE=?= =?utf-8?B?sQ==?= and "
                                     "=?utf-8?q?caf=C3=A9_ok?= =?Shift_JIS*ja?B?gXmPZJd2gXqHQIyfkm0=?= end",
                                     &lossy);
    assert_string_equal(r, "Fwd: 山 and café ok【重要】①検知 end");
    assert_false(lossy);
    g_free(r);

    /* raw 8-bit CP932 and UTF-8 header bytes */
    r = kenchi_charset_decode_header(" \203e\203X\203g C:\134x", &lossy);
    assert_string_equal(r, "テスト C:\\x");
    assert_true(lossy);
    g_free(r);
    r = kenchi_charset_decode_header("テスト", &lossy);
    assert_string_equal(r, "テスト");
    assert_false(lossy);
    g_free(r);

    /* malformed words stay literal */
    r = kenchi_charset_decode_header("=?utf-8?X?abc?= =?utf-8?B?abc", &lossy);
    assert_string_equal(r, "=?utf-8?X?abc?= =?utf-8?B?abc");
    g_free(r);
    /* pathological: many openers, never closed; must stay fast */
    GString *evil = g_string_new(NULL);
    for (int i = 0; i < 100000; i++)
        g_string_append(evil, "=?a?B?x");
    gint64 t0 = g_get_monotonic_time();
    r = kenchi_charset_decode_header(evil->str, NULL);
    assert_true(g_get_monotonic_time() - t0 < 2 * G_USEC_PER_SEC);
    assert_string_equal(r, evil->str);
    g_free(r);
    g_string_free(evil, TRUE);

    r = kenchi_charset_decode_header(NULL, NULL);
    assert_string_equal(r, "");
    g_free(r);
}

/* ---- Speed / threads -------------------------------------------------- */

static void
test_large_input(void **state)
{
    (void)state;
    static const char blk[] =
        "\033$B8!CN$7$\077%$%Y%s%H%\077%$%W!'6<0R$r8!=P-!-j\033(B C:\\Users\012";
    gsize bl = sizeof blk - 1, n = (1u << 20) / bl + 1;
    GString *big = g_string_sized_new(n * bl);
    for (gsize i = 0; i < n; i++)
        g_string_append_len(big, blk, bl);

    gint64 t0 = g_get_monotonic_time();
    gboolean lossy = TRUE;
    char *r = kenchi_charset_to_utf8(big->str, big->len, "ISO-2022-JP", &lossy);
    gint64 t1 = g_get_monotonic_time();
    assert_false(lossy);
    assert_non_null(g_str_has_prefix(r, "検知したイベントタイプ：脅威を検出①㈱ C:\\Users\n") ? r : NULL);
    g_free(r);

    gsize sl = 0;
    char *sj = g_convert(big->str, big->len, "UTF-8", "ISO-2022-JP", NULL, &sl, NULL);
    /* glibc fails on ①: build the Shift_JIS 1 MB from our own output instead */
    g_free(sj);
    char *u = kenchi_charset_to_utf8(big->str, big->len, "ISO-2022-JP", NULL);
    sj = g_convert(u, -1, "CP932", "UTF-8", NULL, &sl, NULL);
    assert_non_null(sj);
    gint64 t2 = g_get_monotonic_time();
    r = kenchi_charset_to_utf8(sj, sl, "Shift_JIS", &lossy);
    gint64 t3 = g_get_monotonic_time();
    assert_false(lossy);
    assert_string_equal(r, u);
    g_free(r);
    g_free(u);
    g_free(sj);
    print_message("# 1 MB ISO-2022-JP: %.1f ms, Shift_JIS: %.1f ms\n",
                  (t1 - t0) / 1000.0, (t3 - t2) / 1000.0);
    /* generous bound so it holds under ASan/valgrind */
    assert_true(t1 - t0 < 3 * G_USEC_PER_SEC);
    assert_true(t3 - t2 < 3 * G_USEC_PER_SEC);
    g_string_free(big, TRUE);
}

static gpointer
thread_fn(gpointer data)
{
    (void)data;
    for (int i = 0; i < 2000; i++) {
        char *r = kenchi_charset_to_utf8("C:\134\216R\223c", 7, "Shift_JIS", NULL);
        char *s = kenchi_charset_to_utf8("\033$B-!\033(B", 8, "ISO-2022-JP", NULL);
        char *t = kenchi_charset_to_utf8("caf\351", 4, "WINDOWS-1252", NULL);
        gboolean ok = strcmp(r, "C:\\山田") == 0 && strcmp(s, "①") == 0 &&
                      strcmp(t, "café") == 0;
        g_free(r);
        g_free(s);
        g_free(t);
        if (!ok)
            return GINT_TO_POINTER(1);
    }
    return NULL;
}

static void
test_threads(void **state)
{
    (void)state;
    GThread *th[8];
    for (int i = 0; i < 8; i++)
        th[i] = g_thread_new("charset", thread_fn, NULL);
    for (int i = 0; i < 8; i++)
        assert_null(g_thread_join(th[i]));
}

static int
teardown_all(void **state)
{
    (void)state;
    kenchi_charset_thread_cleanup();
    return 0;
}

/* ---- kenchi_utf8_valid (src/util/utf8.c) ------------------------------ */

static void
check_valid(const guchar *b, gsize n)
{
    gboolean want = g_utf8_validate_len((const char *)b, n, NULL);

    if (kenchi_utf8_valid((const char *)b, n) != want)
        fail_msg("kenchi_utf8_valid disagrees with GLib (%d) on %" G_GSIZE_FORMAT " bytes", want, n);
}

/* Every one- and two-byte string, every three-byte string whose first byte
 * is a lead byte, each alone and after 1..9 ASCII bytes (the eight-byte path
 * and its tail), and random mixes of ASCII, multi-byte and broken sequences,
 * all judged as GLib judges them. */
static void
test_utf8_valid(void **state)
{
    guchar buf[64];
    GRand *r = g_rand_new_with_seed(20261126);

    (void)state;
    for (guint pre = 0; pre <= 9; pre += 3) {
        memset(buf, 'a', pre);
        for (guint a = 0; a < 256; a++) {
            buf[pre] = (guchar)a;
            check_valid(buf, pre + 1);
            for (guint b = 0; b < 256; b++) {
                buf[pre + 1] = (guchar)b;
                check_valid(buf, pre + 2);
                if (a < 0xE0 || a > 0xF4)
                    continue;
                for (guint c = 0; c < 256; c += (a >= 0xF0 ? 17 : 1)) {
                    buf[pre + 2] = (guchar)c;
                    check_valid(buf, pre + 3);
                    buf[pre + 3] = 0x80 | (guchar)(c & 0x3F);
                    check_valid(buf, pre + 4);
                }
            }
        }
    }
    for (guint i = 0; i < 200000; i++) {
        static const guchar pieces[][5] = {
            "a", "Z", " ", "\n", "\xc3\xa9", "\xe3\x81\x82", "\xf0\x9f\x98\x80", "\xed\xa0\x80",
            "\xc0\xaf", "\x80", "\xff", "\xe3\x81", "\xf4\x90\x80\x80", "",
        };
        gsize n = 0;
        guint k = (guint)g_rand_int_range(r, 0, 20);

        for (guint j = 0; j < k; j++) {
            const guchar *pc = pieces[g_rand_int_range(r, 0, G_N_ELEMENTS(pieces))];
            gsize l = pc[0] ? strlen((const char *)pc) : 1;   /* "" is a NUL byte */

            memcpy(buf + n, pc, l);
            n += l;
        }
        check_valid(buf, n);
    }
    g_rand_free(r);
}

/* UTF-16 with either byte order mark becomes UTF-8; no mark, a lone
 * surrogate or an odd last byte are no UTF-16 to read. */
static void
test_from_utf16(void **state)
{
    static const char le[] = "\xff\xfe" "A\0:\0\x50\x4f\x0a\0";   /* "A:佐\n" */
    static const char be[] = "\xfe\xff" "\0A\0:\x4f\x50\0\x0a\0";  /* "A:佐\n" and an odd byte */
    static const char lone[] = "\xff\xfe" "\x00\xd8" "A\0";        /* a high surrogate alone */
    gsize n = 0;
    char *u;
    (void)state;

    u = kenchi_charset_from_utf16(le, sizeof le - 1, &n);
    assert_non_null(u);
    assert_string_equal(u, "A:\xe4\xbd\x90\n");
    assert_int_equal(n, 6);
    g_free(u);
    u = kenchi_charset_from_utf16(be, sizeof be - 1, &n);
    assert_non_null(u);
    assert_string_equal(u, "A:\xe4\xbd\x90\n");
    g_free(u);
    assert_null(kenchi_charset_from_utf16("A:\n", 3, &n));
    assert_null(kenchi_charset_from_utf16("\xff", 1, &n));
    assert_null(kenchi_charset_from_utf16(lone, sizeof lone - 1, &n));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sjis_backslash),
        cmocka_unit_test(test_sjis_invalid_continues),
        cmocka_unit_test(test_iso2022jp_nec_extensions),
        cmocka_unit_test(test_iso2022jp_plain),
        cmocka_unit_test(test_iso2022jp_halfwidth_kana),
        cmocka_unit_test(test_iso2022jp_truncated),
        cmocka_unit_test(test_iso2022jp_mislabelled_8bit),
        cmocka_unit_test(test_iso2022jp_2_fallback),
        cmocka_unit_test(test_encode_roundtrip),
        cmocka_unit_test(test_iso2022jp_width),
        cmocka_unit_test(test_unknown_charset),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_header_decode),
        cmocka_unit_test(test_large_input),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_iso2022jp_no_reset_at_eol),
        cmocka_unit_test(test_latin_or_cp932),
        cmocka_unit_test(test_from_utf16),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
