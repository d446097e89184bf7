/* normalize_net.c: network values as the API writes them: IP addresses
 * (one, or an internal-address list), and connector GUIDs.  A mail gives
 * them as a person or a console wrote them: "198.51.100.7:443",
 * "[2001:db8::7]:8443", "192.168.10.5/24", "{BE298A4A-...}" (rt24 D4, D6:
 * kept as written, they matched nothing the API gives, and 999.1.1.1 was
 * kept as an address). */
#include <string.h>
#include <arpa/inet.h>
#include "parse/normalize.h"

/* BUF as written before a person defanged it ("198.51.100[.]77",
 * "(.)", "[:]"), and an IPv4 address's octets without their padding
 * zeros ("198.51.100.077"): both were kept as text, and then dropped as no
 * address (rev94 #13).  In place. */
static const char *const marks[][2] = { { "[.]", "." }, { "(.)", "." }, { "{.}", "." }, { "[dot]", "." },
					{ "[:]", ":" } };

static void
refang(char *buf)
{
	char *w = buf;

	for (char *r = buf; *r; ) {
		gsize k;

		for (k = 0; k < G_N_ELEMENTS(marks); k++)
			if (g_ascii_strncasecmp(r, marks[k][0], strlen(marks[k][0])) == 0)
				break;
		if (k < G_N_ELEMENTS(marks)) {
			*w++ = marks[k][1][0];
			r += strlen(marks[k][0]);
		} else if (*r == '0' && g_ascii_isdigit(r[1]) && (w == buf || w[-1] == '.') && strchr(buf, '.') &&
		    !strchr(buf, ':')) {
			/* a padding zero of an IPv4 octet; asked of what is written
			 * so far, so that "000" is 0 (rt30 V05: "10.30.000.75" was
			 * no address) */
			r++;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* The address T names, in the canonical text inet_ntop gives (IPv6 in
 * lower case, compressed), without a port ("a.b.c.d:443", "[v6]:443"), a
 * prefix length ("/24") or a zone ("%eth0"); NULL when it is none. */
static char *
ip_text(const char *t)
{
	char buf[64], out[INET6_ADDRSTRLEN];
	const char *colon;
	guint8 bin[16];
	gsize n;

	if (*t == '[') {
		const char *e = strchr(t, ']');

		if (e == NULL || (gsize)(e - t - 1) >= sizeof buf)
			return NULL;
		memcpy(buf, t + 1, (gsize)(e - t - 1));
		buf[e - t - 1] = '\0';
	} else if (g_strlcpy(buf, t, sizeof buf) >= sizeof buf) {
		return NULL;
	}
	refang(buf);
	buf[strcspn(buf, "/%")] = '\0';
	/* an IPv4 address and its port: one colon, after the dots */
	if ((colon = strchr(buf, ':')) != NULL && strchr(colon + 1, ':') == NULL && strchr(buf, '.') &&
	    strchr(buf, '.') < colon)
		buf[colon - buf] = '\0';
	n = strlen(buf);
	if (n == 0)
		return NULL;
	if (inet_pton(AF_INET, buf, bin) == 1)
		return g_strdup(inet_ntop(AF_INET, bin, out, sizeof out));
	if (inet_pton(AF_INET6, buf, bin) == 1)
		return g_strdup(inet_ntop(AF_INET6, bin, out, sizeof out));
	return NULL;
}

/* T without the prefix lengths after its IPv4 addresses
 * ("192.168.10.5/24, 10.8.0.12/16"), in place. */
static void
drop_prefix_lengths(char *t)
{
	char *r = t, *w = t;

	while (*r) {
		if (*r == '/' && r > t && g_ascii_isdigit(r[-1])) {
			gsize k = 1;

			while (k <= 3 && g_ascii_isdigit(r[k]))
				k++;
			if (k > 1 && (r[k] == '\0' || r[k] == ' ' || r[k] == ',' || r[k] == ';')) {
				r += k;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* T (taken) without its words in brackets, trimmed; NULL when empty. */
static char *
without_notes(char *t)
{
	char *bare;

	if (t == NULL || strchr(t, '(') == NULL)
		return t;
	bare = kenchi_drop_bracketed(t);
	g_free(t);
	t = kenchi_norm_text(bare);
	g_free(bare);
	return t;
}

static gboolean
ip_like(const char *t)
{
	gsize n = strlen(t);
	int colons = 0;

	if (!(n >= 2 && n <= 49 && strspn(t, "0123456789abcdefABCDEF:.%/") == n && strpbrk(t, ".:") != NULL))
		return FALSE;
	/* A MAC address (00:50:56:ab:cd:ef) is no IP address. */
	for (const char *c = t; *c; c++)
		colons += *c == ':';
	return !(colons == 5 && n == 17 && !strchr(t, '.'));
}

/* An internal-address cell or line may list several ("192.168.10.47,
 * 10.8.0.12", or one a line in an HTML cell): kept as "A, B", and written
 * as that many network_addresses (kenchi_event_to_json).  Anything that is
 * not a list of addresses stays the text it was. */
/* Why: an address field holds words the list reader does not know
 * ("Ethernet: 10.20.0.63, Wi-Fi: 192.168.1.63", "MAC (address)", "不明"),
 * and the whole text had been kept as the address (rt28 V17, V21, V28).
 * The addresses in it, in order, each once; NULL when there is none. */
static char *
scan_ips(const char *value)
{
	char *t = kenchi_norm_text(value), **parts;
	GHashTable *seen;
	GString *out;

	if (t == NULL)
		return NULL;
	parts = g_strsplit_set(t, " ,;/()[]\t", -1);
	seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	out = g_string_new(NULL);
	for (char **p = parts; *p; p++) {
		gsize n = strlen(*p);
		char *a;

		while (n > 0 && (*p)[n - 1] == ':' && strchr(*p, '.'))   /* "10.0.0.1:" */
			(*p)[--n] = '\0';
		if (n == 0 || !ip_like(*p) || (a = ip_text(*p)) == NULL)
			continue;
		if (g_hash_table_add(seen, a))
			g_string_append_printf(out, "%s%s", out->len ? ", " : "", a);
	}
	g_strfreev(parts);
	g_hash_table_unref(seen);
	g_free(t);
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

char *
kenchi_norm_addresses(const char *value)
{
	char *t = kenchi_norm_text(value), **parts;
	GString *out;
	int kept = 0, macs = 0;

	/* Full-width brackets and the Japanese comma, as ASCII. */
	if (t && (strstr(t, "\xef\xbc\x88") || strstr(t, "\xe3\x80\x81"))) {
		GString *a = g_string_new(NULL);

		for (const char *c = t; *c; c++) {
			if (strncmp(c, "\xef\xbc\x88", 3) == 0)
				g_string_append(a, " ("), c += 2;
			else if (strncmp(c, "\xef\xbc\x89", 3) == 0)
				g_string_append_c(a, ')'), c += 2;
			else if (strncmp(c, "\xe3\x80\x81", 3) == 0)
				g_string_append(a, ", "), c += 2;
			else
				g_string_append_c(a, *c);
		}
		g_free(t);
		t = g_string_free(a, FALSE);
	}
	/* "192.168.10.47 (Ethernet), 10.8.0.12 (VPN)": the words in
	 * brackets name the interfaces, not addresses. */
	t = without_notes(t);
	if (t == NULL)
		return NULL;
	drop_prefix_lengths(t);
	if (strpbrk(t, " ,;") == NULL) {
		/* one address: as the address it is, none when it is none
		 * ("不明", "DHCP", a MAC: rt28 V17, V21) */
		char *a = ip_like(t) ? ip_text(t) : NULL;

		g_free(t);
		return a ? a : scan_ips(value);
	}
	parts = g_strsplit_set(t, " ,;/", -1);
	out = g_string_new(NULL);
	for (char **p = parts; *p; p++) {
		if (**p == '\0')
			continue;
		/* An adapter's name before its address ("Ethernet0 192.168.10.47",
		 * "Wi-Fi 10.8.0.12"): a short word the next token's address
		 * follows. */
		if (!ip_like(*p) && strlen(*p) <= 16 && p[1] && ip_like(p[1]) && strpbrk(*p, ".:") == NULL) {
			macs++;
			continue;
		}
		if (kept > 0 && !ip_like(*p) && strspn(*p, "0123456789abcdefABCDEF:-") == strlen(*p) && strlen(*p) == 17) {
			macs++;
			continue;   /* the interface's MAC after its address */
		}
		if (!ip_like(*p)) {
			kept = 0;
			break;
		}
		{
			char *a = ip_text(*p);

			if (a == NULL)
				continue;   /* "999.1.1.1": no address */
			g_string_append_printf(out, "%s%s", kept++ ? ", " : "", a);
			g_free(a);
		}
	}
	g_strfreev(parts);
	if (kept < 2 && !(kept == 1 && macs > 0)) {
		char *one = kept == 1 && ip_like(t) ? ip_text(t) : NULL;

		g_string_free(out, TRUE);
		g_free(t);
		return one ? one : scan_ips(value);
	}
	g_free(t);
	return g_string_free(out, FALSE);
}

static gboolean addr_bytes(const char *s, guint8 out[16], int *len);

/* Is A (canonical) the network address of T's "/N", N short of a host's? */
static gboolean
network_address(const char *a, const char *t)
{
	guint8 b[16];
	int len;
	guint64 n;
	const char *slash = strchr(t, '/');

	if (!addr_bytes(a, b, &len) || !g_ascii_string_to_unsigned(slash + 1, 10, 0, (guint64)len * 8, &n, NULL) ||
	    n == (guint64)len * 8)
		return FALSE;
	for (int bit = (int)n; bit < len * 8; bit++)
		if (b[bit / 8] & (0x80 >> (bit % 8)))
			return FALSE;
	return TRUE;
}

char *
kenchi_norm_ip(const char *value)
{
	char *t = kenchi_norm_text(value), *a;

	t = without_notes(t);   /* "203.0.113.10 (NAT)" */
	if (t == NULL)
		return NULL;
	t[strcspn(t, " ,;")] = '\0';
	a = ip_text(t);
	/* "203.0.113.0/24" is a network, no host: left out (rt29 N22: its
	 * network address stood for a remote host, and a block entry for
	 * it matched).  "192.168.10.5/24" is a host and its prefix. */
	if (a && strchr(t, '/') && network_address(a, t)) {
		g_free(a);
		a = NULL;
	}
	g_free(t);
	return a;
}

char *
kenchi_norm_guid(const char *value)
{
	char *t = kenchi_norm_text(value);
	gsize n;

	if (t == NULL)
		return NULL;
	n = strlen(t);
	/* Windows writes a GUID in braces, and often in upper case */
	if (n == 38 && ((t[0] == '{' && t[37] == '}') || (t[0] == '(' && t[37] == ')'))) {
		memmove(t, t + 1, 36);
		t[36] = '\0';
		n = 36;
	}
	if (n == 36 && strspn(t, "0123456789abcdefABCDEF-") == 36 && t[8] == '-' && t[13] == '-' && t[18] == '-' &&
	    t[23] == '-') {
		for (char *c = t; *c; c++)
			*c = g_ascii_tolower(*c);
		return t;
	}
	/* Words are no GUID: "Windows 8.4.2.30317" (a relay's "Connector:"
	 * line) keyed the case by it (rt28 V25).  A word is kept: an id of
	 * another shape is still the machine's. */
	if (strpbrk(t, " \t") != NULL) {
		g_free(t);
		return NULL;
	}
	return t;
}

/* An address (4 or 16 bytes into OUT, *LEN its size), or NULL. */
static gboolean
addr_bytes(const char *s, guint8 out[16], int *len)
{
	if (inet_pton(AF_INET, s, out) == 1) {
		*len = 4;
		return TRUE;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*len = 16;
		return TRUE;
	}
	return FALSE;
}

char *
kenchi_norm_cidr(const char *value)
{
	char *t = kenchi_norm_text(value), *slash, *a;
	guint8 b[16];
	int len, bits;
	gint64 n;

	if (t == NULL || (slash = strchr(t, '/')) == NULL) {
		a = t ? ip_text(t) : NULL;
		g_free(t);
		return a;
	}
	*slash = '\0';
	/* Not wider than a /8 (a /32 of IPv6): 0.0.0.0/0 escalated every
	 * event with a remote address (rev94 #17). */
	if (!addr_bytes(t, b, &len) || !g_ascii_string_to_signed(slash + 1, 10, len == 4 ? 8 : 32, len * 8, &n, NULL)) {
		g_free(t);
		return NULL;
	}
	bits = (int)n;
	/* the network's own address: "203.0.113.9/24" is 203.0.113.0/24 */
	for (int i = 0; i < len; i++) {
		int keep = bits - i * 8;

		b[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (guint8)(0xff << (8 - keep));
	}
	{
		char out[INET6_ADDRSTRLEN];

		a = g_strdup_printf("%s/%d", inet_ntop(len == 4 ? AF_INET : AF_INET6, b, out, sizeof out), bits);
	}
	g_free(t);
	return a;
}

/* S as 16 bytes, an IPv4 address as its IPv4-mapped IPv6 form
 * (::ffff:a.b.c.d), so that the two spellings of one host are one address
 * (round rs1 F4: an event's ::ffff:203.0.113.7 missed the entry
 * 203.0.113.7, which a scoring rule's "in" matched); *V4: written as IPv4. */
static gboolean
addr16(const char *s, guint8 out[16], gboolean *v4)
{
	guint8 b[16];
	int len;

	if (!addr_bytes(s, b, &len))
		return FALSE;
	*v4 = len == 4;
	if (len == 4) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, b, 4);
	} else {
		memcpy(out, b, 16);
	}
	return TRUE;
}

gboolean
kenchi_ip_in(const char *ip, const char *net)
{
	static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	guint8 a[16], b[16];
	gboolean av4, bv4;
	const char *slash = strchr(net, '/');
	char host[INET6_ADDRSTRLEN + 1];
	gint64 bits;

	if (slash == NULL) {
		/* an entry that is no address matches only its own text */
		if (!addr16(ip, a, &av4) || !addr16(net, b, &bv4))
			return strcmp(ip, net) == 0;
		return memcmp(a, b, 16) == 0;
	}
	if ((gsize)(slash - net) >= sizeof host)
		return FALSE;
	memcpy(host, net, (gsize)(slash - net));
	host[slash - net] = '\0';
	if (!addr16(ip, a, &av4) || !addr16(host, b, &bv4))
		return FALSE;
	/* An entry stored before entries were checked ("203.0.113.0/") is
	 * no network: read as 0 bits it matched every address (rev94 #3). */
	if (!g_ascii_string_to_signed(slash + 1, 10, 1, bv4 ? 32 : 128, &bits, NULL))
		return FALSE;
	if (bv4)
		bits += 96;
	/* An IPv6 network wider than the mapped range ("::/32") is no IPv4
	 * network. */
	else if (bits < 96 && memcmp(a, mapped, 12) == 0)
		return FALSE;
	for (int i = 0; i < 16 && bits > 0; i++, bits -= 8) {
		guint8 m = bits >= 8 ? 0xff : (guint8)(0xff << (8 - bits));

		if ((a[i] & m) != (b[i] & m))
			return FALSE;
	}
	return TRUE;
}

char *
kenchi_norm_hostname(const char *host)
{
	char *h = g_strdup(host), *out = NULL;
	gsize n = strlen(h);
	struct in_addr a4;

	while (n > 0 && h[n - 1] == '.')
		h[--n] = '\0';
	if (n > 2 && h[0] == '[' && h[n - 1] == ']') {
		memmove(h, h + 1, n - 2);
		h[n -= 2] = '\0';
	}
	if (n == 0)
		goto done;
	if ((out = ip_text(h)) != NULL && !strchr(h, '/') && !strchr(h, '%'))
		goto done;
	g_clear_pointer(&out, g_free);
	/* The spellings of an IPv4 address a browser takes: 0xcb.0.113.7,
	 * 3405803783. */
	if (strspn(h, "0123456789abcdefxABCDEFX.") == n && g_ascii_isdigit(h[0]) && inet_aton(h, &a4)) {
		char buf[INET_ADDRSTRLEN];

		out = g_strdup(inet_ntop(AF_INET, &a4, buf, sizeof buf));
		goto done;
	}
	/* IDNA: 悪い.example.jp is xn--n8j107l.example.jp; GLib keeps a name
	 * it cannot convert, and then it is compared as written. */
	{
		char *ascii = g_hostname_to_ascii(h);

		out = ascii ? g_ascii_strdown(ascii, -1) : g_utf8_strdown(h, -1);
		g_free(ascii);
	}
done:
	g_free(h);
	return out;
}

/* The length of URL's "scheme" when "://" follows it, else 0. */
static gsize
scheme_len(const char *url)
{
	gsize n = 0;

	if (!g_ascii_isalpha(url[0]))
		return 0;
	while (g_ascii_isalnum(url[n]) || url[n] == '+' || url[n] == '-' || url[n] == '.')
		n++;
	return strncmp(url + n, "://", 3) == 0 ? n : 0;
}

/* The parts of the authority [A, E) of a URL: its host [*H, *HE) without
 * userinfo or brackets, and its port (*P, NULL when none; ends at E). */
static void
split_authority(const char *a, const char *e, const char **h, const char **he, const char **p)
{
	const char *at = g_strrstr_len(a, e - a, "@");

	if (at != NULL)
		a = at + 1;
	*p = NULL;
	if (*a == '[' && (*he = memchr(a, ']', e - a)) != NULL) {
		*h = a + 1;
		if ((*he)[1] == ':')
			*p = *he + 2;
		return;
	}
	*h = a;
	*he = memchr(a, ':', e - a);
	if (*he != NULL)
		*p = *he + 1;
	else
		*he = e;
}

char *
kenchi_url_host(const char *url)
{
	const char *a = url + scheme_len(url), *e, *h, *he, *p;
	char *t, *out;

	if (a != url)
		a += 3;
	else if (a[0] == '/' && a[1] == '/')
		a += 2;
	e = a + strcspn(a, "/?#");
	/* Why not at the first colon: "http://[2001:db8::7]/" was cut at
	 * "[2001" (round rs1 F4). */
	split_authority(a, e, &h, &he, &p);
	t = g_strndup(h, he - h);
	out = kenchi_norm_hostname(t);
	g_free(t);
	return out;
}

/* Two spellings of one resource (RFC 3986 6.2.2, 6.2.3) were two URLs to
 * a block entry: "http://Evil.example.com:80" and ".../#frag" missed
 * "http://evil.example.com/", and a path was compared without case, which
 * RFC 3986 does not allow (round rs1 F6). */
char *
kenchi_url_canonical(const char *url)
{
	static const char *const defaults[][2] = { { "http", "80" }, { "https", "443" }, { "ftp", "21" },
						   { "ws", "80" }, { "wss", "443" } };
	char *plain = kenchi_norm_refang_url(url), *scheme = NULL, *host = NULL, *port = NULL;
	const char *u = plain ? plain : url, *a, *e, *h, *he, *p, *q;
	GString *out = NULL;
	gsize n = scheme_len(u);

	if (n == 0)
		goto done;
	scheme = g_ascii_strdown(u, n);
	a = u + n + 3;
	e = a + strcspn(a, "/?#");
	split_authority(a, e, &h, &he, &p);
	{
		char *t = g_strndup(h, he - h);

		host = kenchi_norm_hostname(t);
		g_free(t);
	}
	if (p != NULL && p < e) {
		p += strspn(p, "0");   /* ":080" is port 80 */
		port = g_strndup(p, e - p);
		for (gsize i = 0; i < G_N_ELEMENTS(defaults); i++)
			if (strcmp(scheme, defaults[i][0]) == 0 && strcmp(port, defaults[i][1]) == 0)
				g_clear_pointer(&port, g_free);
	}
	out = g_string_new(scheme);
	g_string_append(out, "://");
	if (host && strchr(host, ':'))
		g_string_append_printf(out, "[%s]", host);
	else if (host)
		g_string_append(out, host);
	if (port && *port)
		g_string_append_printf(out, ":%s", port);
	/* the path and the query as written; an empty path is "/", and the
	 * fragment never leaves the browser */
	q = e + strcspn(e, "#");
	if (*e != '/')
		g_string_append_c(out, '/');
	g_string_append_len(out, e, q - e);
done:
	g_free(plain);
	g_free(scheme);
	g_free(host);
	g_free(port);
	return out ? g_string_free(out, FALSE) : NULL;
}
/* Why: a colleague who forwards an alert defangs its link
 * ("hxxp://dl[.]example/get[.]php"), and the event then named another
 * address than the API's copy of it, which reports defang again anyway
 * (rt26 V07). */
char *
kenchi_norm_refang_url(const char *s)
{
	GString *out;
	const char *r = s;
	gboolean changed = FALSE;

	if (s == NULL)
		return NULL;
	out = g_string_sized_new(strlen(s));
	if (g_ascii_strncasecmp(r, "hxxp", 4) == 0) {
		g_string_append(out, "http");
		r += 4;
		changed = TRUE;
	}
	while (*r) {
		gsize k;

		for (k = 0; k < G_N_ELEMENTS(marks); k++)
			if (g_ascii_strncasecmp(r, marks[k][0], strlen(marks[k][0])) == 0)
				break;
		if (k < G_N_ELEMENTS(marks)) {
			g_string_append(out, marks[k][1]);
			r += strlen(marks[k][0]);
			changed = TRUE;
		} else {
			g_string_append_c(out, *r++);
		}
	}
	if (!changed) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

/* The number at the start of T, 1-65535, as text; NULL when none. */
static char *
port_text(const char *t)
{
	guint64 n;
	gsize k = strspn(t, "0123456789");
	char buf[8];

	if (k == 0 || k > 5)
		return NULL;
	memcpy(buf, t, k);
	buf[k] = '\0';
	if (!g_ascii_string_to_unsigned(buf, 10, 1, 65535, &n, NULL))
		return NULL;
	return g_strdup_printf("%" G_GUINT64_FORMAT, n);
}

char *
kenchi_norm_port(const char *value)
{
	char *t = kenchi_norm_text(value), *p;
	gsize k;

	if (t == NULL)
		return NULL;
	/* "8443", "8443/tcp", "8443 (https)", "TCP/8443", "tcp 443" */
	k = strspn(t, "0123456789");
	if (k == 0 && (p = strpbrk(t, "/ ")) != NULL && strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
	    (gsize)(p - t))
		p = g_strdup(p + strspn(p, "/ "));
	else
		p = g_strdup(t);
	g_free(t);
	k = strspn(p, "0123456789");
	t = (k > 0 && (p[k] == '\0' || strchr("/ (,;", p[k]))) ? port_text(p) : NULL;
	g_free(p);
	return t;
}

char *
kenchi_norm_ip_port(const char *value)
{
	char *t = kenchi_norm_text(value), *port = NULL;
	const char *c = NULL;

	if (t == NULL)
		return NULL;
	t[strcspn(t, " ,;")] = '\0';
	if (*t == '[') {
		const char *e = strchr(t, ']');

		c = e && e[1] == ':' ? e + 1 : NULL;
	} else if ((c = strchr(t, ':')) != NULL && (strchr(c + 1, ':') || !strchr(t, '.') || strchr(t, '.') > c)) {
		c = NULL;   /* IPv6 without brackets, or no dotted address before it */
	}
	if (c) {
		char *a = ip_text(t);

		if (a)
			port = port_text(c + 1);
		g_free(a);
	}
	g_free(t);
	return port;
}

char *
kenchi_norm_protocol(const char *value)
{
	static const struct {
		const char *number, *name;
	} iana[] = { { "1", "ICMP" }, { "6", "TCP" }, { "17", "UDP" }, { "58", "ICMPv6" }, { "132", "SCTP" } };
	char *t = kenchi_norm_text(value);

	char *sep = t ? strpbrk(t, "/ ") : NULL;

	/* "UDP/53", "tcp 443": the protocol is the word before the port (rt29 N21) */
	if (sep && strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == (gsize)(sep - t) &&
	    g_ascii_isdigit(sep[1 + strspn(sep + 1, " ")]))
		*sep = '\0';
	/* the IANA number ("6") is the name AMP writes ("TCP") */
	for (gsize k = 0; t && k < G_N_ELEMENTS(iana); k++)
		if (strcmp(t, iana[k].number) == 0) {
			g_free(t);
			return g_strdup(iana[k].name);
		}

	/* A protocol is one word ("TCP", "udp", "ICMPv6"); AMP writes it in
	 * capitals.  Anything else stays as written. */
	if (t && strlen(t) <= 12 && strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == strlen(t)) {
		for (char *c = t; *c; c++)
			*c = g_ascii_toupper(*c);
		if (g_str_has_prefix(t, "ICMPV"))
			t[4] = 'v';   /* "ICMPv6" */
	}
	return t;
}

char *
kenchi_norm_direction(const char *value)
{
	static const char *const out_words[] = { "outgoing", "outbound", "egress", "\xe9\x80\x81\xe4\xbf\xa1" /* 送信 */,
		"\xe5\xa4\x96\xe5\x90\x91\xe3\x81\x8d" /* 外向き */, "\xe7\x99\xba\xe4\xbf\xa1" /* 発信 */, NULL };
	static const char *const in_words[] = { "incoming", "inbound", "ingress", "\xe5\x8f\x97\xe4\xbf\xa1" /* 受信 */,
		"\xe5\x86\x85\xe5\x90\x91\xe3\x81\x8d" /* 内向き */, "\xe7\x9d\x80\xe4\xbf\xa1" /* 着信 */, NULL };
	char *t = kenchi_norm_text(value);

	/* The API's words, "Outgoing connection from" and "Incoming
	 * connection from", for a value that is one of the words a template
	 * writes for them (rt29: "Outbound", "送信" were kept as written);
	 * a sentence stays as it came. */
	for (int k = 0; t && out_words[k]; k++)
		if (g_ascii_strcasecmp(t, out_words[k]) == 0 || g_ascii_strncasecmp(t, "outgoing connection", 19) == 0) {
			g_free(t);
			return g_strdup("Outgoing connection from");
		}
	for (int k = 0; t && in_words[k]; k++)
		if (g_ascii_strcasecmp(t, in_words[k]) == 0 || g_ascii_strncasecmp(t, "incoming connection", 19) == 0) {
			g_free(t);
			return g_strdup("Incoming connection from");
		}
	return t;
}
