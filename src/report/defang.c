/*
 * defang.c - see defang.h.  One left-to-right pass with no backtracking into
 * output already written, so a value is scanned once and the rules cannot
 * feed each other.  Idempotence comes from every rewrite producing a form
 * ("[:]", "[.]", "[@]", "hxxp") that no rule matches again.
 *
 * Which names without a scheme are defanged follows what mail clients
 * autolink (rp1 F2): "www." hosts, e-mail addresses and "\\host\share"
 * everywhere; a bare domain only when its last label is a top-level domain
 * that webmail links and that is no common file extension, so that
 * "invoice.pdf.exe" and "pc-01.abc.local" stay as they are.
 */
#include "report/defang.h"

#include <string.h>
#include <arpa/inet.h>

static gboolean
is_alnum(char c)
{
	return g_ascii_isalnum(c) || c == '_';
}

static gboolean
starts_ci(const char *s, const char *prefix)
{
	return g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Length of a dotted-quad IPv4 address at S, or 0.  PREV is the byte before. */
static gsize
match_ipv4(const char *s, char prev)
{
	const char *p = s;

	if (g_ascii_isdigit(prev) || prev == '.')
		return 0;
	for (int part = 0; part < 4; part++) {
		int val = 0, ndig = 0;

		while (g_ascii_isdigit(*p) && ndig < 4) {
			val = val * 10 + (*p - '0');
			p++;
			ndig++;
		}
		if (ndig == 0 || ndig > 3 || val > 255)
			return 0;
		if (part < 3) {
			if (*p != '.')
				return 0;
			p++;
		}
	}
	/* "1.2.3.4.5" or "1.2.3.45678" is a version number, not an address */
	if (g_ascii_isdigit(*p) || (*p == '.' && g_ascii_isdigit(p[1])))
		return 0;
	return (gsize)(p - s);
}

/* Length of an IPv6 address at S (hex digits and colons, two colons or
 * more, that inet_pton reads), or 0.  PREV is the byte before. */
static gsize
match_ipv6(const char *s, char prev)
{
	gsize n = strspn(s, "0123456789abcdefABCDEF:."), colons = 0;
	char buf[INET6_ADDRSTRLEN + 1];
	guint8 bin[16];

	if (g_ascii_isxdigit(prev) || prev == ':' || n < 3 || n > INET6_ADDRSTRLEN || is_alnum(s[n]))
		return 0;
	for (gsize j = 0; j < n; j++)
		colons += s[j] == ':';
	if (colons < 2)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, bin) == 1 ? n : 0;
}

static gboolean
is_host_end(char c)
{
	return c == '\0' || c == '/' || c == '\\' || c == '?' || c == '#' || c == '"' ||
	       c == '<' || c == '>' || g_ascii_isspace(c);
}

/* Copy a URL host part from S, bracketing dots; returns bytes consumed. */
static gsize
defang_host(const char *s, GString *out)
{
	gsize i = 0;

	while (!is_host_end(s[i])) {
		if (strncmp(s + i, "[.]", 3) == 0) {
			g_string_append_len(out, "[.]", 3);
			i += 3;
		} else if (s[i] == '.') {
			g_string_append_len(out, "[.]", 3);
			i++;
		} else {
			g_string_append_c(out, s[i]);
			i++;
		}
	}
	return i;
}

/* A character of a host name label (ASCII; IDN hosts come with a scheme). */
static gboolean
is_label(char c)
{
	return g_ascii_isalnum(c) || c == '-' || c == '_';
}

/* TRUE when the byte before a name makes it no name's start: the tail of
 * "invoice.com.exe" is no domain, and "Trojan.evil.example.com" is matched
 * whole, from its start. */
static gboolean
mid_name(char prev)
{
	return is_label(prev) || prev == '.' || (prev & 0x80);
}

/* Length of a dotted host name at S ("a.b", "a[.]b"; at least two labels),
 * or 0.  *LAST gets the start of its last label. */
static gsize
match_dotted(const char *s, const char **last)
{
	gsize i = 0, labels = 0;

	for (;;) {
		gsize start = i;

		while (is_label(s[i]))
			i++;
		if (i == start)
			return 0;
		labels++;
		*last = s + start;
		if (s[i] == '.' && is_label(s[i + 1]))
			i++;
		else if (strncmp(s + i, "[.]", 3) == 0 && is_label(s[i + 3]))
			i += 3;
		else
			break;
	}
	return labels >= 2 ? i : 0;
}

/* Top-level domains that Gmail and Outlook.com link a bare "name.tld" for.
 * Left out on purpose: those that are file extensions as well (.zip, .mov,
 * .app, .py, .sh, .ps, .pl, .rs, .md, .so): a report names files. */
static gboolean
linked_tld(const char *t, gsize n)
{
	static const char *const tlds[] = {
		"com", "net", "org", "info", "biz", "io", "co", "me", "xyz", "top", "online", "site", "club",
		"shop", "live", "icu", "dev", "cloud", "tk", "ml", "ga", "cf", "gq", "pw", "cc", "tv", "ws",
		"su", "ru", "cn", "jp", "kr", "tw", "hk", "de", "uk", "us", "eu", "fr", "nl", "it", "es",
		"ir", "in", "br", "vn", "id", "ua", "kz", "by", "ch", "au", "ca",
	};

	for (gsize k = 0; k < G_N_ELEMENTS(tlds); k++)
		if (strlen(tlds[k]) == n && g_ascii_strncasecmp(t, tlds[k], n) == 0)
			return TRUE;
	return FALSE;
}

/* Copy N bytes of a host name, bracketing its dots. */
static void
append_host(GString *out, const char *s, gsize n)
{
	for (gsize j = 0; j < n; j++) {
		if (s[j] == '.') {
			g_string_append(out, "[.]");
		} else if (strncmp(s + j, "[.]", 3) == 0) {
			g_string_append(out, "[.]");
			j += 2;
		} else {
			g_string_append_c(out, s[j]);
		}
	}
}

/* Length of a host name that a mail client would link at S, or 0: one
 * after "www.", "@" (the domain of an e-mail address), "\\" (a UNC path's
 * server), or a bare domain of a linked top-level domain. */
static gsize
match_linked_host(const char *s, gsize i)
{
	char prev = i > 0 ? s[i - 1] : '\0';
	const char *last = NULL;
	gboolean any = prev == '@' || (i >= 3 && strncmp(s + i - 3, "[@]", 3) == 0) ||
	               (prev == '\\' && i >= 2 && s[i - 2] == '\\');
	gsize n;

	if (!is_label(s[i]) || (!any && mid_name(prev)) || (n = match_dotted(s + i, &last)) == 0)
		return 0;
	if (any || starts_ci(s + i, "www.") || starts_ci(s + i, "www[.]"))
		return n;
	return linked_tld(last, (gsize)(s + i + n - last)) ? n : 0;
}

char *
kenchi_defang(const char *s)
{
	GString *out;
	const char *last;
	gsize i = 0;

	if (s == NULL)
		return g_strdup("");
	out = g_string_sized_new(strlen(s) + 16);
	while (s[i] != '\0') {
		char prev = i > 0 ? s[i - 1] : '\0';
		gsize n;

		/* scheme: http:// https:// (also already-bracketed "[:]//") */
		if ((s[i] == 'h' || s[i] == 'H') && !is_alnum(prev) && starts_ci(s + i, "http")) {
			gsize k = 4;

			if (s[i + 4] == 's' || s[i + 4] == 'S')
				k = 5;
			if (strncmp(s + i + k, "://", 3) == 0 || strncmp(s + i + k, "[:]//", 5) == 0) {
				g_string_append_c(out, s[i]);
				g_string_append(out, "xx");
				g_string_append_len(out, s + i + 3, (gssize)k - 3);
				i += k;
				continue;
			}
		}
		if (strncmp(s + i, "://", 3) == 0) {
			g_string_append(out, "[:]//");
			i += 3;
			i += defang_host(s + i, out);
			continue;
		}
		if (strncmp(s + i, "[:]//", 5) == 0) {
			g_string_append(out, "[:]//");
			i += 5;
			i += defang_host(s + i, out);
			continue;
		}
		/* drive letter: C:\ or C:/ */
		if (g_ascii_isalpha(s[i]) && !is_alnum(prev) && s[i + 1] == ':' &&
		    (s[i + 2] == '\\' || s[i + 2] == '/')) {
			g_string_append_c(out, g_ascii_tolower(s[i]));
			g_string_append(out, "[:]");
			i += 2;
			continue;
		}
		/* an IPv6 address: its colons bracketed (rc4 F10: it went out live) */
		if ((g_ascii_isxdigit(s[i]) || s[i] == ':') && (n = match_ipv6(s + i, prev)) > 0) {
			for (gsize j = 0; j < n; j++) {
				if (s[i + j] == ':')
					g_string_append(out, "[:]");
				else if (s[i + j] == '.')
					g_string_append(out, "[.]");
				else
					g_string_append_c(out, s[i + j]);
			}
			i += n;
			continue;
		}
		/* an e-mail address, whose domain has a dot as clients require
		 * ("yamada@PC-TK-0231", AMP's user@host, is none) */
		if (s[i] == '@' && is_label(prev) && match_dotted(s + i + 1, &last) > 0) {
			g_string_append(out, "[@]");
			i++;
			continue;
		}
		if (starts_ci(s + i, "mailto:") && !is_alnum(prev)) {
			g_string_append_len(out, s + i, 6);
			g_string_append(out, "[:]");
			i += 7;
			continue;
		}
		if (g_ascii_isdigit(s[i]) && (n = match_ipv4(s + i, prev)) > 0) {
			for (gsize j = 0; j < n; j++) {
				if (s[i + j] == '.')
					g_string_append(out, "[.]");
				else
					g_string_append_c(out, s[i + j]);
			}
			i += n;
			continue;
		}
		if ((n = match_linked_host(s, i)) > 0) {
			append_host(out, s + i, n);
			i += n;
			continue;
		}
		g_string_append_c(out, s[i]);
		i++;
	}
	return g_string_free(out, FALSE);
}

/* Why so strict: the link is the one value a report prints under a label
 * that invites a click, and an alert can be forged (rp1 F2).  Only AMP's
 * console hosts (console.amp, console.eu.amp, console.apjc.amp...), over
 * https, with no userinfo, port, backslash, space or non-ASCII byte that
 * could make a client read another host than the one shown. */
gboolean
kenchi_is_amp_console_link(const char *s)
{
	static const char suffix[] = ".amp.cisco.com";
	const gsize slen = sizeof suffix - 1;
	gsize host;

	if (s == NULL || !starts_ci(s, "https://"))
		return FALSE;
	s += strlen("https://");
	host = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
	if (!starts_ci(s, "console") || host < slen + strlen("console") ||
	    g_ascii_strncasecmp(s + host - slen, suffix, slen) != 0 || (s[host] != '\0' && s[host] != '/'))
		return FALSE;
	for (s += host; *s; s++)
		if (!g_ascii_isalnum(*s) && strchr("-._~/?#=&%+,;", *s) == NULL)
			return FALSE;
	return TRUE;
}
