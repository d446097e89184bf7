/*
 * defang.c - see defang.h.  One left-to-right pass with no backtracking into
 * output already written, so a value is scanned once and the rules cannot
 * feed each other.  Idempotence comes from every rewrite producing a form
 * ("[:]", "[.]", "hxxp") that no rule matches again.
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

char *
kenchi_defang(const char *s)
{
	GString *out;
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
		g_string_append_c(out, s[i]);
		i++;
	}
	return g_string_free(out, FALSE);
}
