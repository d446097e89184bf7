/* encoded_words.h: a header value's text as RFC 2047 B-encoded words
 * (encoded_words.c), for mailer.c.  Each returns the raw value to follow
 * "NAME:" (" word\n word\n": a leading space, folded, ending in LF) for
 * TEXT, valid UTF-8 already freed of controls; g_free. */
#ifndef KENCHI_ENCODED_WORDS_H
#define KENCHI_ENCODED_WORDS_H

#include <glib.h>
#include <gmime/gmime.h>

/* Every character in ISO-2022-JP words (one '?' for a character with no
 * JIS mapping, which sets *lossy). */
char *kenchi_encoded_words_iso2022jp(const char *name, const char *text, gboolean *lossy);
/* UTF-8: printable ASCII words left as they are, each run of the other
 * words (and any word that reads as an encoded word) encoded. */
char *kenchi_encoded_words_utf8(const char *name, const char *text);

/* TRUE when TEXT (valid UTF-8) goes into ISO-2022-JP exactly: every
 * character ASCII, in JIS X 0208 with the NEC/IBM extensions, or a
 * half-width kana (widened: ISO-2022-JP has none). */
gboolean kenchi_encoded_words_jis_encodable(const char *text);
/* TRUE when IA's display name is not ASCII and jis_encodable. */
gboolean kenchi_encoded_words_jis_name(InternetAddress *ia);
/* Append LIST's addresses after "NAME:" in STR (" ...\n", folded): names
 * kenchi_encoded_words_jis_name accepts as ISO-2022-JP words, every other
 * mailbox as GMime formats it. */
void kenchi_encoded_words_jis_addresses(GString *str, InternetAddressList *list);
/* TRUE when a space-separated word of TEXT is longer than a folded line
 * can hold (75 characters): such text must be encoded to be folded. */
gboolean kenchi_encoded_words_long_word(const char *text);

#endif
