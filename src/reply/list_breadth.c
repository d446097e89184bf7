/* list_breadth.c: how much an allow or block entry from a reply would
 * catch.  One careless line - "allow: path *", "allow: host *",
 * "allow: path C:\Users\*" - was taken with "ok" and silenced every later
 * alert of the customer: no report, no notice (round 36b).  A block entry
 * of no indicator ("ip 0.0.0.0", "url javascript:...") escalated nothing
 * and cluttered the list.  These checks refuse such entries with a reason
 * the transcript shows; `kenchi allow add` at a terminal is not checked. */
#include <string.h>
#include <gio/gio.h>
#include "reply/commands_int.h"

static gboolean
wild(char c)
{
	return c == '*' || c == '?';
}

/* Characters of S that are neither wildcards nor separators. */
static gsize
literal_chars(const char *s, const char *seps)
{
	gsize n = 0;

	for (; *s; s++)
		if (!wild(*s) && strchr(seps, *s) == NULL && *s != ' ')
			n++;
	return n;
}

char *
kenchi_cmd_path_too_broad(const char *path)
{
	const char *last = strrchr(path, '\\');
	gsize dirs = 0;

	if (literal_chars(path, "\\/:.") < 3)
		return g_strdup("it names no file or folder: it would allow nearly every alert of the customer");
	/* "*.dll", "*setup*": any file so named in any folder. */
	if (wild(path[0]) && last == NULL)
		return g_strdup("a pattern that begins with a wildcard must name a file after a \\ "
		    "(\"*\\\\tool.exe\"): as written it allows files of any name in any folder");
	/* "C:\*", "C:\Users\*": a folder near the root, with all below it. */
	if (last && literal_chars(last + 1, ".") == 0) {
		for (const char *p = path; p < last; p++)
			if (*p == '\\' && p[1] != '\\')
				dirs++;
		if (dirs < 2)
			return g_strdup("a folder this near the root holds most of the disk: name the tool's own "
			    "folder (\"C:\\\\Tools\\\\inhouse\\\\*\") or the file");
	}
	return NULL;
}

char *
kenchi_cmd_host_too_broad(const char *host)
{
	if (literal_chars(host, "") < 3)
		return g_strdup("it names no host: it would allow nearly every alert of the customer");
	return NULL;
}

char *
kenchi_cmd_ip_no_indicator(const char *ip)
{
	GInetAddress *a = g_inet_address_new_from_string(ip);
	char *why = NULL;

	if (a == NULL)
		return NULL;
	if (g_inet_address_get_is_any(a) || g_inet_address_get_is_loopback(a) ||
	    g_inet_address_get_is_multicast(a) || strcmp(ip, "255.255.255.255") == 0)
		why = g_strdup("not an address a host talks to (unspecified, loopback, multicast or broadcast)");
	g_object_unref(a);
	return why;
}

char *
kenchi_cmd_url_no_indicator(const char *scheme)
{
	static const char *const ok[] = { "http", "https", "ftp", "ftps", "ws", "wss", NULL };

	for (int i = 0; ok[i]; i++)
		if (g_ascii_strcasecmp(scheme, ok[i]) == 0)
			return NULL;
	return g_strdup_printf("a %s: URL is no network indicator (http, https, ftp)", scheme);
}

char *
kenchi_cmd_domain_too_broad(const char *domain)
{
	/* The registry level: blocking "co.jp" blocks a country's companies.
	 * Not the whole public suffix list; the suffixes such mail shows. */
	static const char *const suffixes[] = { "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "ad.jp", "ed.jp",
		"gr.jp", "lg.jp", "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "com.cn",
		"net.cn", "com.tw", "co.kr", "or.kr", "com.sg", "com.hk", "co.in", "com.br", "github.io",
		"blogspot.com", "herokuapp.com", "azurewebsites.net", "cloudfront.net", "amazonaws.com",
		"appspot.com", "web.app", "firebaseapp.com", "ngrok.io", "duckdns.org", "no-ip.com", NULL };

	if (strchr(domain, '.') == NULL)
		return g_strdup("a top-level domain");
	for (int i = 0; suffixes[i]; i++)
		if (g_ascii_strcasecmp(domain, suffixes[i]) == 0)
			return g_strdup_printf("%s is a registry or a hosting service's shared domain: block the name "
			    "under it", suffixes[i]);
	return NULL;
}

char *
kenchi_cmd_invisible(const char *s)
{
	/* A right-to-left override or a zero-width character makes the list
	 * show one value and hold another (round 36b). */
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char_validated(p, -1);
		if (u != (gunichar)-1 && u != (gunichar)-2 && g_unichar_type(u) == G_UNICODE_FORMAT)
			return g_strdup_printf("it holds an invisible formatting character (U+%04X)", u);
	}
	return NULL;
}
