/* link_unwrap.c: the address behind a mail gateway's rewritten link
 * (normalize.h: kenchi_norm_unwrap_link, kenchi_norm_opaque_link).  Each
 * gateway writes the original into its own query parameter or path; the
 * event names the original, as the API's copy of it does. */
#include <string.h>
#include <glib.h>
#include "parse/normalize.h"

/* The value of query parameter name in a URL's query, percent-decoded. */
static char *
query_param(const char *url, const char *name)
{
	const char *q = strchr(url, '?');
	size_t nl = strlen(name);

	while (q) {
		q++;
		if (strncmp(q, name, nl) == 0 && q[nl] == '=') {
			const char *v = q + nl + 1;
			char *raw = g_strndup(v, strcspn(v, "&#"));
			char *dec = g_uri_unescape_string(raw, NULL);

			g_free(raw);
			return dec;
		}
		q = strchr(q, '&');
	}
	return NULL;
}

static gboolean
host_is(const char *url, const char *suffix)
{
	const char *h = strstr(url, "://");
	size_t hl, sl = strlen(suffix);

	if (h == NULL)
		return FALSE;
	h += 3;
	hl = strcspn(h, "/?#:");
	return hl >= sl && g_ascii_strncasecmp(h + hl - sl, suffix, sl) == 0 &&
	    (hl == sl || h[hl - sl - 1] == '.');
}

/* Base64 of S[0..LEN) (LEN -1: to its NUL), standard or URL-safe ("-_"),
 * padded or not, decoded (g_free). */
static guchar *
b64url_decode(const char *s, gssize len, gsize *n)
{
	GString *b = g_string_new_len(s, len < 0 ? (gssize)strlen(s) : len);
	guchar *out;

	for (gsize k = 0; k < b->len; k++)
		b->str[k] = b->str[k] == '-' ? '+' : b->str[k] == '_' ? '/' : b->str[k];
	while (b->len % 4)
		g_string_append_c(b, '=');
	out = g_base64_decode(b->str, n);
	g_string_free(b, TRUE);
	return out;
}

/* Query parameter NAME holding base64 (standard or URL-safe, padded or
 * not) of a text, decoded; NULL when it is none. */
static char *
base64_param(const char *url, const char *name)
{
	char *v = query_param(url, name), *out = NULL;
	guchar *bin;
	gsize n;

	if (v == NULL || *v == '\0' || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=") != strlen(v)) {
		g_free(v);
		return NULL;
	}
	bin = b64url_decode(v, -1, &n);
	g_free(v);
	if (bin && n > 0 && memchr(bin, '\0', n) == NULL)
		out = g_strndup((const char *)bin, n);
	g_free(bin);
	return out;
}

/* Proofpoint v3 writes each character it would have to escape as '*'
 * and lists them, base64, after "__;" (up to "!!"): put them back.  A
 * run ("**") is its longer form: given up on, and the link stays. */
static char *
proofpoint_v3(const char *b, const char *e)
{
	const char *list = e + 3, *bang = strstr(list, "!!");
	GString *out;
	guchar *chars = NULL;
	gsize nchars = 0, used = 0;

	if (memchr(b, '*', (size_t)(e - b)) == NULL)
		return g_strndup(b, (gsize)(e - b));
	if (bang == NULL || g_strstr_len(b, e - b, "**"))
		return NULL;
	chars = b64url_decode(list, bang - list, &nchars);
	out = g_string_new(NULL);
	for (const char *c = b; c < e; c++) {
		if (*c != '*') {
			g_string_append_c(out, *c);
			continue;
		}
		if (used >= nchars) {
			g_free(chars);
			g_string_free(out, TRUE);
			return NULL;
		}
		g_string_append_c(out, (char)chars[used++]);
	}
	g_free(chars);
	return g_string_free(out, FALSE);
}

char *
kenchi_norm_unwrap_link(const char *s)
{
	char *u = NULL;

	if (s == NULL || (g_ascii_strncasecmp(s, "https://", 8) != 0 && g_ascii_strncasecmp(s, "http://", 7) != 0))
		return NULL;
	if (host_is(s, "safelinks.protection.outlook.com")) {
		u = query_param(s, "url");
	} else if (host_is(s, "urldefense.proofpoint.com") && strstr(s, "/v2/url")) {
		char *v = query_param(s, "u");

		/* v2 writes '%' as '-' and '/' as '_' in the parameter. */
		for (char *c = v; c && *c; c++)
			*c = *c == '-' ? '%' : *c == '_' ? '/' : *c;
		u = v ? g_uri_unescape_string(v, NULL) : NULL;
		g_free(v);
	} else if (host_is(s, "urldefense.com") && strstr(s, "/v3/__")) {
		const char *b = strstr(s, "/v3/__") + 6, *e = strstr(b, "__;");

		u = e ? proofpoint_v3(b, e) : NULL;
	} else if (host_is(s, "trendmicro.com") && strstr(s, "/wis/clicktime/")) {
		/* Trend Micro's Time-of-Click (IMSVA, Email Security):
		 * "https://imsva91-ctp.trendmicro.com:443/wis/clicktime/v1/
		 * query?url=<escaped>&umid=...&auth=...". */
		u = query_param(s, "url");
	} else if (host_is(s, "linkprotect.cudasvc.com") && strstr(s, "/url?")) {
		/* Barracuda Link Protection: "...cudasvc.com/url?a=<escaped>&c=E,1,...". */
		u = query_param(s, "a");
	} else if (host_is(s, "protection.sophos.com")) {
		/* Sophos Email's Time-of-Click: "...protection.sophos.com?d=<domain>&u=<base64
		 * of the address>&i=...&t=...&h=..." (rt30 M13). */
		u = base64_param(s, "u");
	} else if (host_is(s, "clicktime.symantec.com")) {
		/* Symantec Email Security.cloud: "clicktime.symantec.com/<token>?h=...&u=<escaped>" (rt30 M14). */
		u = query_param(s, "u");
	} else if ((host_is(s, "www.google.com") || host_is(s, "google.com")) && strstr(s, "/url?")) {
		/* A link copied out of Gmail or a search result: "google.com/url?q=<escaped>&sa=...". */
		u = query_param(s, "q");
		if (u == NULL)
			u = query_param(s, "url");
	} else if (host_is(s, "secure-web.cisco.com")) {
		const char *h = strstr(s + 8, "/http");

		u = h ? g_uri_unescape_string(h + 1, NULL) : NULL;
	}
	/* Only a link comes out, and never one still wrapped twice over. */
	if (u && g_ascii_strncasecmp(u, "https://", 8) != 0 && g_ascii_strncasecmp(u, "http://", 7) != 0) {
		g_free(u);
		u = NULL;
	}
	if (u && strpbrk(u, " \t\r\n<>\"")) {
		g_free(u);
		u = NULL;
	}
	return u;
}

gboolean
kenchi_norm_opaque_link(const char *s)
{
	const char *host, *path;

	if (s == NULL || (host = strstr(s, "://")) == NULL)
		return FALSE;
	host += 3;
	path = host + strcspn(host, "/?#");
	/* Mimecast's URL Protect: "https://protect-eu.mimecast.com/s/<token>?domain=...",
	 * "https://url.uk.m.mimecastprotect.com/s/<token>?domain=..." */
	return strncmp(path, "/s/", 3) == 0 && (host_is(s, "mimecastprotect.com") ||
	    (host_is(s, "mimecast.com") && g_ascii_strncasecmp(host, "protect", 7) == 0));
}
