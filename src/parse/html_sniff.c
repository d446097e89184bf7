/* html_sniff.c: what a part's bytes say before it is read as HTML (html.h):
 * whether a part with no header is an HTML document, and the charset its
 * <meta> tag names.  mime.c asks; the scanner itself is html.c. */
#include <string.h>
#include "parse/html.h"

gboolean
kenchi_html_looks(const char *raw, gsize len)
{
	static const char *const starts[] = { "<!doctype html", "<html", "<head", "<body", "<meta", "<table", "<div",
		NULL };
	const char *p = raw, *end = raw + len;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	/* Past an XML prolog ("<?xml ...?>", XHTML) and comments ("<!--
	 * saved from url=... -->", a browser's save; round 35a). */
	for (int k = 0; k < 8; k++) {
		const char *e = NULL;

		while (p < end && g_ascii_isspace(*p))
			p++;
		if (end - p >= 5 && memcmp(p, "<?xml", 5) == 0)
			e = g_strstr_len(p, MIN(end - p, 1024), "?>");
		else if (end - p >= 4 && memcmp(p, "<!--", 4) == 0)
			e = g_strstr_len(p, MIN(end - p, 4096), "-->");
		if (e == NULL)
			break;
		p = e + (e[1] == '>' ? 2 : 3);
	}
	for (int i = 0; starts[i]; i++) {
		size_t n = strlen(starts[i]);

		if ((size_t)(end - p) > n && g_ascii_strncasecmp(p, starts[i], n) == 0 &&
		    (starts[i][1] == '!' || p[n] == '>' || g_ascii_isspace(p[n])))
			return TRUE;
	}
	return FALSE;
}

char *
kenchi_html_meta_charset(const char *data, gsize len)
{
	char *low = g_ascii_strdown(data, (gssize)MIN(len, 4096u)), *cs = NULL;
	const char *end = low + strlen(low), *p = strstr(low, "<meta"), *c, *e;

	for (; p && p < end && (c = strstr(p, "charset=")) != NULL; p = c + 8) {
		c += 8;
		while (*c == '"' || *c == '\'')
			c++;
		for (e = c; g_ascii_isalnum(*e) || (*e && strchr("-_.:", *e)); e++)
			;
		if (e > c) {
			cs = g_strndup(c, (gsize)(e - c));
			break;
		}
	}
	g_free(low);
	return cs;
}
