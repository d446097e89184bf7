/* encoded_words.h: a header value's text as RFC 2047 B-encoded words
 * (encoded_words.c), for mailer.c.  Each returns the raw value to follow
 * "NAME:" (" word\n word\n": a leading space, folded, ending in LF) for
 * TEXT, valid UTF-8 already freed of controls; g_free. */
#ifndef KENCHI_ENCODED_WORDS_H
#define KENCHI_ENCODED_WORDS_H

#include <glib.h>

/* Every character in ISO-2022-JP words (one '?' for a character with no
 * JIS mapping, which sets *lossy). */
char *kenchi_encoded_words_iso2022jp(const char *name, const char *text, gboolean *lossy);
/* UTF-8: printable ASCII words left as they are, each run of the other
 * words (and any word that reads as an encoded word) encoded. */
char *kenchi_encoded_words_utf8(const char *name, const char *text);

#endif
