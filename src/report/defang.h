/*
 * defang.h - make URLs, host names, e-mail addresses, IPs and Windows paths
 * in alert values inert, so that no mail client turns them into live links
 * (the SOC's report convention).
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
 *   IPv6 (two colons or more, as inet_pton reads it)             -> "[:]" for ":"
 *   "www." host (dots up to a character no host name holds)       -> www[.]host[.]com
 *   e-mail address a@b.c, "mailto:"                               -> a[@]b[.]c, mailto[:]
 *   UNC server "\\host.name\share"                            -> \\host[.]name\share
 *   a bare domain whose last label is a top-level domain webmail
 *   links and no common file extension (com, net, org, ru, jp...)  -> evil[.]example[.]com
 * Other bare names are NOT changed: "invoice.pdf.exe", "pc-01.abc.local",
 * "setup.zip" (.zip is a file before it is a domain).  A UNC server without
 * a dot ("\\fileserv\share") is not changed either.
 * Reversible: "[.]", "[:]", "[@]" back to ".", ":", "@" and "xx" of "hxxp"
 * back to "tt" give the value (but for a drive letter's case).  SHA-256
 * hashes are never changed.
 * Idempotent: kenchi_defang(kenchi_defang(s)) equals kenchi_defang(s).
 * Caller owns the result (g_free). Never returns NULL.
 */
char *kenchi_defang(const char *s);

/* TRUE when S is an https link to Cisco AMP's console (a host
 * "console*.amp.cisco.com", no userinfo or port, a path of plain URL
 * characters): the only trajectory link a report may show.  NULL: FALSE. */
gboolean kenchi_is_amp_console_link(const char *s);

G_END_DECLS

#endif
