/* utf8.h: UTF-8 validation for the report path.  The bodies and headers of
 * outgoing mail are checked before they are encoded.  GLib 2.74's
 * g_utf8_validate takes each byte alone; this takes runs of ASCII eight
 * bytes at a time.  On report bodies, mostly Japanese, that saved 1% of a
 * first report and its notice (bench/README, session 5): the larger part
 * of the check's cost is the multi-byte characters, read one at a time by
 * both. */
#ifndef KENCHI_UTF8_H
#define KENCHI_UTF8_H

#include <glib.h>

/* TRUE when S[0..LEN) is valid UTF-8 with no NUL byte: what
 * g_utf8_validate_len(S, LEN, NULL) answers (no overlong forms, no
 * surrogates, nothing above U+10FFFF), with runs of ASCII taken eight bytes
 * at a time. */
gboolean kenchi_utf8_valid(const char *s, gsize len);

#endif
