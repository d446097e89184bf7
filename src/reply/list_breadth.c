/* list_breadth.c: how much an allow or block entry from a reply would
 * catch.  One careless line - "allow: path *", "allow: host *",
 * "allow: path C:\Users\*" - was taken with "ok" and silenced every later
 * alert of the customer: no report, no notice (round 36b).  A block entry
 * of no indicator ("ip 0.0.0.0", "url javascript:...") escalated nothing
 * and cluttered the list.  These checks refuse such entries with a reason
 * the transcript shows; `kenchi allow add` at a terminal is not checked. */
#include <string.h>
#include <arpa/inet.h>
#include <gio/gio.h>
#include "reply/commands_int.h"
#include "parse/normalize.h"

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

/* A glob's * matches across backslashes (g_pattern_match_simple), so
 * what a pattern reaches is set by what comes before its first wildcard:
 * "C:\Use*" is all of C:\Users.  The path is judged as it will be stored
 * and matched - normalised: written with slashes or with the yen sign a
 * Japanese keyboard types for a backslash, "C:\Users\*" passed (round
 * 37a). */
char *
kenchi_cmd_path_too_broad(const char *value)
{
	char *path = kenchi_norm_path(value), *why = NULL;
	const char *w, *root, *last;
	gsize dirs = 0;

	if (path == NULL)
		return NULL;
	/* Paths as AMP reports them, which is how they are matched: never
	 * "%SystemDrive%\..." nor "C:Users\..." (round 38a: accepted, and
	 * they matched nothing). */
	{
		const char *pct = strchr(path, '%');

		if (pct && strchr(pct + 1, '%') != NULL) {
			why = g_strdup("an environment variable (%...%) is not expanded: write the path as the alert shows "
			    "it (\"C:\\Windows\\...\")");
			goto done;
		}
		if (g_ascii_isalpha(path[0]) && path[1] == ':' && path[2] != '\\') {
			why = g_strdup_printf("a drive without a \\ after it: write \"%c:\\%s\"", path[0], path + 2);
			goto done;
		}
	}
	w = path + strcspn(path, "*?");
	if (*w == '\0')
		goto done;                /* no wildcard: one file */
	if (literal_chars(path, "\\/:.") < 3) {
		why = g_strdup("it names no file or folder: it would allow nearly every alert of the customer");
		goto done;
	}
	if (w == path) {
		/* "*\tool.exe": this file in any folder - only a whole name. */
		last = strrchr(path, '\\');
		if (last == NULL || last[1] == '\0' || strpbrk(last + 1, "*?") != NULL || literal_chars(last + 1, ".") < 3)
			why = g_strdup("a pattern that begins with a wildcard must end with a whole file name after a "
			    "\\ (\"*\\tool.exe\"): as written it allows files of many names in any folder");
		goto done;
	}
	/* A whole file name at the end, wildcards only in its folders
	 * (C:\Users\*\AppData\...\Teams.exe): one program wherever it is
	 * installed, as *\tool.exe is (round 38a: it was refused, and the
	 * wider *\...\Teams.exe accepted). */
	last = strrchr(path, '\\');
	if (last && strpbrk(last + 1, "*?") == NULL && literal_chars(last + 1, ".") >= 3)
		goto done;
	/* The root: "C:\", or a share's "\\server\share\". */
	root = path;
	if (g_ascii_isalpha(path[0]) && path[1] == ':' && path[2] == '\\')
		root = path + 3;
	else if (path[0] == '\\' && path[1] == '\\') {
		const char *sh = strchr(path + 2, '\\');
		root = sh ? strchr(sh + 1, '\\') : NULL;
		root = root ? root + 1 : w;
	}
	for (const char *p = root; p < w; p++)
		if (*p == '\\')
			dirs++;
	if (dirs < 2)
		why = g_strdup("everything below a folder this near the root is most of the disk: the wildcards must "
		    "come after two folders (\"C:\\Tools\\inhouse\\*\"), or name the file");
done:
	g_free(path);
	return why;
}

/* A host pattern is judged by its machine name, the text before its
 * first dot: the domain after it is shared by most of the customer's
 * machines, so its letters narrow nothing.  "*.acme.local", "*.local"
 * and "PC-??.acme.local" passed when the dots' neighbours were counted
 * too (reply round rr1 F8). */
char *
kenchi_cmd_host_too_broad(const char *host)
{
	const char *dot = strchr(host, '.'), *w = host + strspn(host, "*?");
	char *name = g_strndup(host, dot ? (gsize)(dot - host) : strlen(host)), *why = NULL;

	if (literal_chars(host, "") < 3) {
		why = g_strdup("it names no host: it would allow nearly every alert of the customer");
		goto done;
	}
	if (strpbrk(host, "*?") == NULL)
		goto done;                /* one machine */
	if (literal_chars(name, "-_") == 0) {
		why = g_strdup_printf("its machine name is only wildcards: it allows every host of %s, nearly every "
		    "alert of the customer", dot ? dot + 1 : "the customer");
		goto done;
	}
	/* A leading * matches whole labels, dots included: "*acme.local"
	 * is "x.acme.local" as well, every host of the domain.  One that
	 * cannot begin a label ("*-SRV01.acme.local") ends a machine name. */
	if (dot && w > host && memchr(host, '*', w - host) != NULL && g_ascii_isalnum(*w)) {
		why = g_strdup_printf("a leading * matches whole names with their dots: it allows every host of %s; "
		    "begin with the machine name (\"WEBSRV*.acme.local\")", w);
		goto done;
	}
	/* "PC-*", "PC-??-????": every PC of the usual naming (round 38a). */
	if (literal_chars(name, "-_") < 5)
		why = g_strdup("it names a naming scheme most hosts follow: it would allow nearly every alert of the "
		    "customer (the machine name, before the first dot, needs five characters besides wildcards "
		    "and - _)");
done:
	g_free(name);
	return why;
}

/* An IPv4 address (4 bytes) a host does not talk to across a network:
 * why, or NULL. */
static const char *
v4_no_indicator(const guint8 *b)
{
	if (b[0] == 0)
		return "\"this network\" (0.0.0.0/8)";
	if (b[0] == 127)
		return "loopback";
	if (b[0] == 169 && b[1] == 254)
		return "link-local";
	if (b[0] >= 224 && b[0] <= 239)
		return "multicast";
	if (b[0] >= 240)
		return "reserved or broadcast (240.0.0.0/4)";
	return NULL;
}

char *
kenchi_cmd_ip_no_indicator(const char *ip)
{
	static const guint8 zero[12] = { 0 }, mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff },
	    nat64[12] = { 0, 0x64, 0xff, 0x9b };
	GInetAddress *a = g_inet_address_new_from_string(ip);
	const guint8 *b;
	const char *why = NULL;

	if (a == NULL)
		return NULL;
	b = g_inet_address_to_bytes(a);
	if (g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV4)
		why = v4_no_indicator(b);
	else if (memcmp(b, zero, 12) == 0 && (b[12] | b[13]) != 0)
		why = v4_no_indicator(b + 12);   /* ::127.0.0.1, IPv4-compatible (round 38a) */
	else if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
		why = v4_no_indicator(b + 12);   /* ::ffff:127.0.0.1 (37a), 64:ff9b::7f00:1 (NAT64) */
	else if (b[0] == 0x20 && b[1] == 0x02)
		why = v4_no_indicator(b + 2);    /* 2002:7f00:1:: (6to4) */
	else if (g_inet_address_get_is_any(a))
		why = "unspecified";
	else if (g_inet_address_get_is_loopback(a))
		why = "loopback";
	else if (g_inet_address_get_is_link_local(a))
		why = "link-local";
	else if (g_inet_address_get_is_multicast(a))
		why = "multicast";
	g_object_unref(a);
	return why ? g_strdup_printf("not an address a host talks to across a network (%s)", why) : NULL;
}

char *
kenchi_cmd_url_no_indicator(const char *url)
{
	static const char *const ok[] = { "http", "https", "ftp", "ftps", "ws", "wss", NULL };
	const char *scheme = g_uri_peek_scheme(url);
	GUri *u;
	char *why = NULL;
	int i;

	for (i = 0; scheme && ok[i]; i++)
		if (g_ascii_strcasecmp(scheme, ok[i]) == 0)
			break;
	if (scheme == NULL || ok[i] == NULL)
		return g_strdup_printf("a %s: URL is no network indicator (http, https, ftp)", scheme ? scheme : "schemeless");
	/* The host this machine is: http://127.0.0.1/, https://localhost/,
	 * and the spellings a browser takes for them: 127.1, 2130706433,
	 * 0x7f000001, 0, "localhost." (round 38a). */
	u = g_uri_parse(url, G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_ENCODED, NULL);
	if (u && g_uri_get_host(u)) {
		char *h = g_ascii_strdown(g_uri_get_host(u), -1);
		struct in_addr a4;
		gsize n = strlen(h);
		if (n > 1 && h[n - 1] == '.')
			h[--n] = '\0';
		if (strcmp(h, "localhost") == 0 || g_str_has_suffix(h, ".localhost"))
			why = g_strdup("its host is this machine (localhost)");
		else if (g_hostname_is_ip_address(h))
			why = kenchi_cmd_ip_no_indicator(h);
		else if (strspn(h, "0123456789abcdefx.") == n && inet_aton(h, &a4)) {
			char buf[INET_ADDRSTRLEN];
			why = kenchi_cmd_ip_no_indicator(inet_ntop(AF_INET, &a4, buf, sizeof buf) ? buf : h);
		}
		g_free(h);
	}
	if (u)
		g_uri_unref(u);
	return why;
}

char *
kenchi_cmd_domain_too_broad(const char *domain)
{
	/* The registry level: blocking "co.jp" blocks a country's companies.
	 * Not the whole public suffix list; the suffixes such mail shows. */
	/* Registries only: a hosting service's or a dynamic DNS domain
	 * (duckdns.org, github.io) may well be blocked whole - a block entry
	 * escalates, and that is a SOC's policy to choose (round 37a). */
	static const char *const suffixes[] = { "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "ad.jp", "ed.jp",
		"gr.jp", "lg.jp", "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "com.cn",
		"net.cn", "com.tw", "co.kr", "or.kr", "com.sg", "com.hk", "co.in", "com.br", NULL };
	/* and the prefectures' under .jp */
	static const char *const pref[] = { "hokkaido", "aomori", "iwate", "miyagi", "akita", "yamagata", "fukushima",
		"ibaraki", "tochigi", "gunma", "saitama", "chiba", "tokyo", "kanagawa", "niigata", "toyama", "ishikawa",
		"fukui", "yamanashi", "nagano", "gifu", "shizuoka", "aichi", "mie", "shiga", "kyoto", "osaka", "hyogo",
		"nara", "wakayama", "tottori", "shimane", "okayama", "hiroshima", "yamaguchi", "tokushima", "kagawa",
		"ehime", "kochi", "fukuoka", "saga", "nagasaki", "kumamoto", "oita", "miyazaki", "kagoshima", "okinawa",
		NULL };
	/* ... their names in kanji, as IDNs (東京.jp) - a registry level with
	 * nothing listed under it (round 38a) ... */
	static const char *const kpref[] = { "xn--djrs72d6uy", "xn--32vp30h", "xn--djty4k", "xn--uisz3g", "xn--rny31h",
		"xn--rht61e", "xn--klt787d", "xn--uist22h", "xn--4pvxs", "xn--7t0a264c", "xn--5js045d", "xn--mkru45i",
		"xn--1lqs71d", "xn--ntso0iqx3a", "xn--efvn9s", "xn--1ctwo", "xn--5rtp49c", "xn--elqq16h", "xn--rht27z",
		"xn--2m4a15e", "xn--nit225k", "xn--4it797k", "xn--vgu402c", "xn--ehqz56n", "xn--zbx025d", "xn--1lqs03n",
		"xn--pssu33l", "xn--f6qx53a", "xn--ntsq17g", "xn--0trq7p7nn", "xn--tor131o", "xn--klty5x", "xn--rht3d",
		"xn--kltx9a", "xn--6orx2r", "xn--kltp7d", "xn--5rtq34k", "xn--c3s14m", "xn--k7yn95e", "xn--4it168d",
		"xn--qqqt11m", "xn--8ltr62k", "xn--8pvr4u", "xn--kbrq7o", "xn--6btw5a", "xn--d5qv7z876c", "xn--uuwu58a",
		NULL };
	/* ... and the designated cities', whose wards have names under them
	 * (naka.yokohama.jp), all but the city's own (city.yokohama.jp). */
	static const char *const dcity[] = { "kawasaki", "kitakyushu", "kobe", "nagoya", "sapporo", "sendai",
		"yokohama", NULL };
	gsize n = strlen(domain);

	if (strchr(domain, '.') == NULL)
		return g_strdup("a top-level domain");
	for (int i = 0; suffixes[i]; i++)
		if (g_ascii_strcasecmp(domain, suffixes[i]) == 0)
			return g_strdup_printf("%s is a registry's domain: block the name under it", suffixes[i]);
	if (n > 3 && g_ascii_strcasecmp(domain + n - 3, ".jp") == 0) {
		/* "tokyo.jp", and a municipality's "chiyoda.tokyo.jp" under it
		 * (round 38a): a city's own names are one level further down. */
		const char *first = strchr(domain, '.'), *rest = first + 1;
		for (int i = 0; pref[i]; i++) {
			gsize pl = strlen(pref[i]);
			if ((pl == n - 3 && g_ascii_strncasecmp(domain, pref[i], pl) == 0) ||
			    (strlen(rest) == pl + 3 && g_ascii_strncasecmp(rest, pref[i], pl) == 0))
				return g_strdup_printf("%s is a registry's domain: block the name under it", domain);
		}
		for (int i = 0; kpref[i]; i++) {
			gsize pl = strlen(kpref[i]);
			if (pl == n - 3 && g_ascii_strncasecmp(domain, kpref[i], pl) == 0)
				return g_strdup_printf("%s is a registry's domain: block the name under it", domain);
		}
		for (int i = 0; dcity[i]; i++) {
			gsize pl = strlen(dcity[i]);
			if ((pl == n - 3 && g_ascii_strncasecmp(domain, dcity[i], pl) == 0) ||
			    (strlen(rest) == pl + 3 && g_ascii_strncasecmp(rest, dcity[i], pl) == 0 &&
			     g_ascii_strncasecmp(domain, "city.", 5) != 0))
				return g_strdup_printf("%s is a registry's domain: block the name under it", domain);
		}
	}
	return NULL;
}

char *
kenchi_cmd_invisible(const char *s)
{
	/* A right-to-left override or a zero-width character makes the list
	 * show one value and hold another (round 36b). */
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char_validated(p, -1);
		if (u == (gunichar)-1 || u == (gunichar)-2)
			continue;
		/* Format characters, and the invisible ones of other classes:
		 * a combining grapheme joiner, variation selectors, the Hangul
		 * fillers, Mongolian selectors (round 37a). */
		if (g_unichar_type(u) == G_UNICODE_FORMAT || u == 0x034F || u == 0x17B4 || u == 0x17B5 ||
		    (u >= 0xFE00 && u <= 0xFE0F) ||
		    (u >= 0xE0100 && u <= 0xE01EF) || u == 0x115F || u == 0x1160 || u == 0x3164 || u == 0xFFA0 ||
		    (u >= 0x180B && u <= 0x180F))
			return g_strdup_printf("it holds an invisible character (U+%04X)", u);
	}
	return NULL;
}
