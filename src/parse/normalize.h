/* normalize.h: value normalizers shared by every source.  Each returns a
 * newly allocated normalized string (g_free) or NULL when the value is not
 * valid for its kind; none of them prints. */
#ifndef KENCHI_NORMALIZE_H
#define KENCHI_NORMALIZE_H

#include <glib.h>

/* Windows paths: \\?\C:\x, C:/x, /C:/x, file:///C%3A/x -> C:\x */
char *kenchi_norm_path(const char *s);
/* "2026-11-25 07:12:31 UTC", ISO 8601 with offset, "2026/11/25 16:12:31 JST",
 * epoch seconds -> Unix time in *out; FALSE when unparseable. */
gboolean kenchi_norm_date(const char *s, gint64 *out);
/* The same, and in *ZONED whether the text gave its zone (a zone, an
 * offset, epoch seconds, or a date in Japanese, which is Japan's): FALSE
 * when it was read as UTC for want of one. */
gboolean kenchi_norm_date_zoned(const char *s, gint64 *out, gboolean *zoned);
/* The other spellings of a date, in any order of date, time and zone
 * (date_scan.c), kenchi_norm_date's fallback: 1 read, 0 not read, -1
 * refused (a period, which no other reader may guess a date from).
 * *ZONED as kenchi_norm_date_zoned's. */
int kenchi_date_scan(const char *s, gint64 *out, gboolean *zoned);
/* "YYYY-MM-DD" SEP "HH:MM:SS" of DT in its own zone, four-digit year. */
void kenchi_date_text(GDateTime *dt, char sep, char out[20]);
/* Unix time -> "2026-11-25T07:12:31+00:00" (g_free). */
char *kenchi_format_date(gint64 t);
char *kenchi_norm_severity(const char *s);     /* Low Medium High Critical */
char *kenchi_norm_disposition(const char *s);  /* Malicious Clean Unknown */
char *kenchi_norm_sha256(const char *s);       /* 64 lowercase hex */
/* S without its words in ASCII brackets ("10.8.0.12 (VPN)" -> "10.8.0.12 "),
 * a note beside a value; g_free. */
char *kenchi_drop_bracketed(const char *s);
/* A link a mail gateway rewrote, given back as it was: Microsoft's Safe
 * Links (...safelinks.protection.outlook.com/?url=...), Proofpoint's URL
 * Defense (v2 ?u=..., v3 __URL__;...), Cisco Secure Email's
 * secure-web.cisco.com/.../https%3A...; NULL when s is no such link. */
char *kenchi_norm_unwrap_link(const char *s);
/* S without terminal control sequences (ESC [ ... m, an OSC string) and
 * C1 controls, for a value or a header that a terminal will show (g_free). */
char *kenchi_text_without_escapes(const char *s);
/* T without the double quotes around the whole of it, in place: a command
 * line or a ticket quotes a path or a file name with spaces
 * ("\"C:\Program Files\x.exe\""), and a Windows name holds no '"' (rt32 V05). */
void kenchi_strip_dquotes(char *t);
/* Whether S is a gateway's link that names the address by a token only,
 * which no one but the gateway can turn back (Mimecast's URL Protect). */
gboolean kenchi_norm_opaque_link(const char *s);
/* URL S as written before a person defanged it ("hxxp://a[.]example"), or
 * NULL when it holds no defanging marks; g_free. */
char *kenchi_norm_refang_url(const char *s);
char *kenchi_norm_uint(const char *s);         /* decimal digits, no leading zeros, <= 20 digits */
char *kenchi_norm_text(const char *s);         /* trimmed, controls to spaces, never empty */
/* Network values (normalize_net.c).  An internal-address list, "A, B",
 * each address canonical, a port or prefix length dropped, none that is
 * no address; text that is no list stays as it was. */
char *kenchi_norm_addresses(const char *value);
/* One IP address, canonical (inet_ntop), a port, prefix or note beside
 * it dropped; NULL when it is none. */
char *kenchi_norm_ip(const char *value);
/* A port, 1-65535, as text ("8443/tcp", "TCP/8443" give 8443), and the port
 * written after an address ("203.0.113.5:8443", "[2001:db8::1]:443");
 * NULL when none. */
char *kenchi_norm_port(const char *value);
char *kenchi_norm_ip_port(const char *value);
/* A protocol's name as AMP writes it ("tcp" gives "TCP"). */
char *kenchi_norm_protocol(const char *value);
/* A connection's direction in the API's words ("Outbound", "送信" give
 * "Outgoing connection from"); other text as it is. */
char *kenchi_norm_direction(const char *value);
/* An address or a network ("203.0.113.0/24"), canonical, the network
 * given by its own address; NULL when it is neither, or a network wider
 * than a /8 (IPv6: /32). */
char *kenchi_norm_cidr(const char *value);
/* Is IP (canonical) NET's address, or inside NET when NET is a network?
 * Addresses are compared, an IPv4-mapped IPv6 one as its IPv4. */
gboolean kenchi_ip_in(const char *ip, const char *net);
/* A host name as hosts are compared: ASCII lower case, an international
 * name as punycode, without the root's trailing dot; an IP address (in
 * brackets or not, or as a browser spells IPv4: 3405803783) canonical.
 * NULL when empty; g_free. */
char *kenchi_norm_hostname(const char *host);
/* The host of URL (with or without "scheme://"), as kenchi_norm_hostname
 * gives it, or NULL; g_free. */
char *kenchi_url_host(const char *url);
/* URL (defanged or not) in the form two spellings of one resource share:
 * scheme and host as above, no userinfo, no default port, "/" for an empty
 * path, no fragment; path and query as written.  NULL when URL has no
 * "scheme://"; g_free. */
char *kenchi_url_canonical(const char *url);
/* A connector GUID: braces off, lower case; other text as it is. */
char *kenchi_norm_guid(const char *value);
/* A computer name: kenchi_norm_text, and a name retyped in full-width
 * forms (ＰＣ－０１．ｃｏｒｐ。ｌｏｃａｌ) becomes the ASCII the machine reports. */
char *kenchi_norm_host(const char *s);
/* S without zero-width characters (U+200B-U+200D, U+2060, U+FEFF, the soft
 * hyphen), with no-break and other Unicode spaces made ASCII spaces, and
 * trimmed of Unicode spaces, the ideographic space (U+3000) included,
 * which is kept inside (Japanese names are written with it).  NULL when
 * S has none of these characters, or is not UTF-8 (nothing to do: no
 * copy). */
char *kenchi_norm_spaces(const char *s);

#endif
