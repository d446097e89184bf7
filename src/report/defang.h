/*
 * defang.h - make URLs, IPs and Windows paths in alert values inert, so that
 * no mail client turns them into live links (the SOC's report convention).
 */
#ifndef KENCHI_REPORT_DEFANG_H
#define KENCHI_REPORT_DEFANG_H

#include <glib.h>

G_BEGIN_DECLS

/*
 * Return a defanged copy of S (UTF-8; NULL is treated as ""):
 *   http:// https://   -> hxxp[:]// hxxps[:]//   (scheme case kept: HTTP -> HxxP)
 *   any "://"          -> "[:]//"
 *   dots in the host part after "://" (up to / \ ? # whitespace)  -> "[.]"
 *   IPv4 a.b.c.d (each 0-255, not part of a longer dotted number) -> a[.]b[.]c[.]d
 *   drive "C:\" or "C:/" (letter not preceded by a letter/digit)  -> "c[:]\"
 *     (only the drive letter is lower-cased; the rest of the path is kept)
 * Bare domain names without a scheme are NOT changed: they cannot be told
 * apart from file names such as "setup.com".  IPv6 is not changed.
 * Idempotent: kenchi_defang(kenchi_defang(s)) equals kenchi_defang(s).
 * Caller owns the result (g_free). Never returns NULL.
 */
char *kenchi_defang(const char *s);

G_END_DECLS

#endif
