/* kenchi — charset decoding for Japanese alert mail.
 *
 * Why this exists: glibc's SHIFT_JIS decodes 0x5C as U+00A5 (Windows paths
 * become "C:¥Users"), and glibc's ISO-2022-JP rejects the NEC row-13 / IBM
 * extension characters (①, ㈱, Ⅰ …) that Windows mail clients send
 * (CP50220 / ISO-2022-JP-MS).  This module decodes those itself.
 *
 * All functions are thread-safe, never print and never exit.
 */
#ifndef KENCHI_PARSE_CHARSET_H
#define KENCHI_PARSE_CHARSET_H

#include <glib.h>

G_BEGIN_DECLS

/* Name returned by kenchi_charset_canonical() for the ISO-2022-JP family
 * that this module decodes itself (ISO-2022-JP, CP50220/1/2,
 * ISO-2022-JP-MS, csISO2022JP).  It is a marker, NOT a name to give iconv. */
#define KENCHI_CHARSET_ISO2022JP "ISO-2022-JP"

/* Decode LEN bytes declared as CHARSET (may be NULL or unknown) to valid
 * UTF-8.  Never fails: returns a newly allocated NUL-terminated UTF-8 string
 * (g_free).  *lossy (may be NULL) is set to TRUE when any byte had to be
 * replaced with U+FFFD, or the charset was unknown and a fallback was guessed,
 * otherwise FALSE.
 *
 * - NUL bytes (and decoded U+0000) become U+FFFD and set *lossy, so the result
 *   is a C string with nothing silently dropped.
 * - Invalid sequences become U+FFFD and decoding continues.
 * - A leading UTF-8 BOM is removed.
 * - CHARSET NULL, "" or US-ASCII: pure 7-bit input is exact (not lossy);
 *   8-bit input is guessed (UTF-8 → CP932 → ISO-8859-1) and lossy.
 * - Unknown CHARSET: always guessed that way and lossy.
 * - Shift_JIS and aliases are decoded as CP932 (0x5C stays '\'), EUC-JP as
 *   EUC-JP-MS, ISO-2022-JP with this module's own decoder (see
 *   charset_iso2022jp.c). */
char *kenchi_charset_to_utf8(const char *bytes, gsize len, const char *charset,
                             gboolean *lossy);

/* Is [IN, IN+LEN), not UTF-8, Latin text in CP1252 rather than Japanese
 * in CP932 ("Hélène" decodes as CP932 too, as "H駘鈩e")?  By its 8-bit
 * bytes: accented letters inside words of ASCII letters, or characters
 * of two bytes in runs (charset_guess.c). */
gboolean kenchi_charset_latin_looking(const char *in, gsize len);

/* [IN, IN+LEN) as UTF-8, line by line: a line that is UTF-8 stays, the
 * others are read as CP1252 or as CP932, as Windows PowerShell 5.1
 * writes them, one code page for all of them, chosen from all of them
 * (kenchi_charset_latin_looking()'s evidence).  NULL when they do not
 * decode exactly (or hold a NUL); else g_free.  One line of another
 * code page appended to a UTF-8 file leaves the others as they are. */
char *kenchi_charset_lines_to_utf8(const char *in, gsize len);

/* [BYTES, BYTES+LEN) that begins with UTF-16's byte order mark (LE or
 * BE), as UTF-8 of *OUT_LEN bytes (g_free); NULL when there is no mark or
 * the rest is no UTF-16. */
char *kenchi_charset_from_utf16(const char *bytes, gsize len, gsize *out_len);

/* Canonical name for iconv: shift_jis, sjis, x-sjis, shift-jis, ms_kanji,
 * windows-31j, cp932 (any case) -> "CP932"; euc-jp -> "EUC-JP-MS";
 * iso-2022-jp, csISO2022JP, CP50220/1/2, ISO-2022-JP-MS ->
 * KENCHI_CHARSET_ISO2022JP (decoded internally; not an iconv name);
 * utf-8 -> "UTF-8"; us-ascii -> "US-ASCII"; MUA aliases are widened to
 * their supersets (gb2312/gbk -> "GB18030", ks_c_5601-1987/euc-kr -> "CP949",
 * big5 -> "CP950"); any other name glibc iconv accepts -> an interned
 * upper-case copy; NULL, "", unknown-8bit/x-unknown or unknown -> NULL.
 * Never free the result (static or interned). */
const char *kenchi_charset_canonical(const char *charset);

/* The character windows-1252 has at C (0x80-0x9F), as HTML reads a
 * numeric reference there ("&#150;" is "–"); C itself where it has none. */
gunichar kenchi_charset_cp1252_c1(gunichar c);

/* Encode UTF-8 (NUL-terminated) to ISO-2022-JP for outgoing mail.  Characters
 * outside JIS X 0208 but in CP932 (①, ㈱, Ⅰ, ⅰ, 髙 …) are written as their JIS
 * row-13 / NEC-selected-IBM (rows 89-92) codes, i.e. CP50220 /
 * ISO-2022-JP-MS behaviour, which Japanese MUAs read.  Half-width katakana
 * are converted to full-width (NFKC, so ｶﾞ -> ガ); no ESC ( I is emitted.
 * U+00A5 ¥ -> full-width ￥, U+203E -> ￣.  The output always ends in ASCII
 * mode.  Characters with no mapping at all (and invalid UTF-8 bytes) become
 * '?' and set *lossy (may be NULL).  Returns g_malloc'd bytes, NUL-terminated
 * for convenience, length (without the NUL) in *out_len (may be NULL). */
char *kenchi_charset_utf8_to_iso2022jp(const char *utf8, gsize *out_len,
                                       gboolean *lossy);
/* The bytes C takes in that encoding outside its escapes: 1 (ASCII, or
 * the '?' of a character with no mapping) or 2 (JIS X 0208); 0 for a
 * half-width katakana, whose NFKC may merge with the next character, so
 * only encoding the run tells. */
int kenchi_charset_iso2022jp_width(gunichar c);

/* Decode an RFC 2047 header value (raw, possibly folded) to UTF-8.
 * - "=?charset[*lang]?B|Q?text?=" words, any charset via
 *   kenchi_charset_to_utf8 (so ISO-2022-JP with ① works);
 * - whitespace between adjacent encoded words is dropped; encoded words of the
 *   same charset are concatenated before decoding, so a multi-byte character
 *   or an ISO-2022-JP escape split across two words still decodes;
 * - CRLF/LF folding is unfolded; other whitespace is kept;
 * - raw 8-bit bytes outside encoded words are decoded as UTF-8 if valid,
 *   else CP932 if clean, else ISO-8859-1;
 * - malformed encoded words are left as literal text.
 * - leading/trailing whitespace of the result is trimmed;
 * - *lossy: any word lossy, or raw 8-bit that was not valid UTF-8.
 * Never returns NULL (NULL input gives "").  *lossy may be NULL. */
char *kenchi_charset_decode_header(const char *raw, gboolean *lossy);

/* Free the calling thread's cached iconv descriptors now (they are also freed
 * automatically when a thread exits).  Optional; useful before valgrind/ASan
 * leak checks in the main thread. */
void kenchi_charset_thread_cleanup(void);

G_END_DECLS

#endif /* KENCHI_PARSE_CHARSET_H */
