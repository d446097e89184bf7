/* normalize.c: turn field values as they appear in mail or JSON into the
 * API's canonical forms.  Tolerant on input, strict on output: what comes
 * out is always the one form that the JSON contract promises. */
#include <stdio.h>
#include <string.h>
#include <gmime/gmime.h>
#include "parse/normalize.h"

/* The end of the string terminator (BEL, ESC \\ or U+009C) of a control
 * string that begins at P, or END. */
static const char *
string_end(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p == '\a')
			return p + 1;
		if (*p == '\033' && p + 1 < end && p[1] == '\\')
			return p + 2;
		if ((guchar)p[0] == 0xc2 && p + 1 < end && (guchar)p[1] == 0x9c)
			return p + 2;
	}
	return end;
}

/* Why: terminal control sequences and C1 controls in values (rt31 V04, V05,
 * X06, X08: only the ESC byte became a space, and "[31mKS-PC-0830 [0m"
 * was the host, kept and keyed on; U+0080-U+009F stayed in names).  A
 * CSI ("ESC [ ... m") goes whole, an OSC, DCS, APC or PM string up to its
 * terminator (the words an OSC 8 link shows stay), any other escape with
 * its one character; a C1 control alone (U+009B inside a name is no
 * terminal's sequence) goes by itself. */
char *
kenchi_text_without_escapes(const char *s)
{
	const char *p = s, *end = s + strlen(s);
	GString *out;

	if (strchr(s, '\033') == NULL && strstr(s, "\xc2") == NULL)
		return g_strdup(s);
	out = g_string_sized_new(end - s);
	while (p < end) {
		guchar c = (guchar)*p, c1 = p + 1 < end ? (guchar)p[1] : 0;
		gboolean c1ctl = c == 0xc2 && c1 >= 0x80 && c1 <= 0x9f;
		int kind = c == '\033' ? c1 : c1ctl ? c1 - 0x40 : 0;   /* C1 as its 7-bit form */

		if (c != '\033' && !c1ctl) {
			g_string_append_c(out, *p++);
			continue;
		}
		p += c == '\033' ? (c1 ? 2 : 1) : 2;
		if (kind == '[' && c == '\033') {
			/* parameters and intermediates, then one final byte */
			while (p < end && (guchar)*p >= 0x20 && (guchar)*p <= 0x3f)
				p++;
			if (p < end && (guchar)*p >= 0x40 && (guchar)*p <= 0x7e)
				p++;
		} else if (c == '\033' && (kind == ']' || kind == 'P' || kind == '_' || kind == '^' || kind == 'X')) {
			p = string_end(p, end);
		} else if (c == '\033' && !(c1 >= 0x20 && c1 <= 0x7e)) {
			p--;   /* ESC before a byte that is no escape's: that byte stays */
		}
	}
	return g_string_free(out, FALSE);
}

char *
kenchi_norm_text(const char *s)
{
	char *t, *p;

	if (s == NULL)
		return NULL;
	t = kenchi_text_without_escapes(s);
	/* A value is one logical line: controls (CR, LF, tabs, NUL stand-ins)
	 * become spaces so that nothing downstream can be tricked into a new
	 * header or a new template line. */
	for (p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = *p >= '\t' && *p <= '\r' ? ' ' : '\x01';
	/* U+2028 and U+2029 are line breaks too (UAX #14 class BK): webmail
	 * breaks the line at them, and a file name of the attacker's wrote
	 * whole lines into the SOC's report (rp1 F4).  A space, as CR/LF. */
	for (p = t; (p = strstr(p, "\xe2\x80")) != NULL; p++)
		if ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9) {
			p[0] = ' ';
			p[1] = p[2] = '\x01';
		}
	/* The others (a backspace, a DEL inside a name: rt31 V05 "ta\bnaka")
	 * are no separators: they go. */
	if (strchr(t, '\x01') != NULL) {
		char *w = t;

		for (p = t; *p; p++)
			if (*p != '\x01')
				*w++ = *p;
		*w = '\0';
	}
	/* A replacement character at a value's edge stands for a byte that
	 * was no text (a NUL after "PC-RU-0081", rt24 D7): not the value's.
	 * Inside one it marks what was lost, and stays. */
	{
		/* one pass from each end, then one move: a value of a million
		 * of them took minutes cut one at a time (rev94) */
		gsize n = strlen(t), b = 0, e = n;

		for (;;) {
			if (b < e && t[b] == ' ')
				b++;
			else if (e - b >= 3 && memcmp(t + b, "\xef\xbf\xbd", 3) == 0)
				b += 3;
			else
				break;
		}
		for (;;) {
			if (e > b && t[e - 1] == ' ')
				e--;
			else if (e - b >= 3 && memcmp(t + e - 3, "\xef\xbf\xbd", 3) == 0)
				e -= 3;
			else
				break;
		}
		memmove(t, t + b, e - b);
		t[e - b] = '\0';
		g_strstrip(t);
	}
	/* A closing mark with no opening one in the value is the quote a
	 * person put around the block the value ends ("Parent File Name:
	 * msedge.exe」", rt27 Q02); a name that holds both keeps them. */
	{
		static const char *const pairs[][2] = {
			{ "\xe3\x80\x8c", "\xe3\x80\x8d" },   /* 「」 */
			{ "\xe3\x80\x8e", "\xe3\x80\x8f" },   /* 『』 */
			{ "\xe2\x80\x9c", "\xe2\x80\x9d" },   /* “” */
			{ "\xef\xbc\x88", "\xef\xbc\x89" },   /* （） */
		};
		gsize n = strlen(t);

		for (gsize k = 0; k < G_N_ELEMENTS(pairs); k++)
			if (n >= 3 && memcmp(t + n - 3, pairs[k][1], 3) == 0 && strstr(t, pairs[k][0]) == NULL) {
				t[n - 3] = '\0';
				g_strchomp(t);
				break;
			}
	}
	if (*t == '\0') {
		g_free(t);
		return NULL;
	}
	return t;
}

char *
kenchi_norm_host(const char *s)
{
	char *t = kenchi_norm_text(s);
	GString *o;

	if (t == NULL || g_str_is_ascii(t) || !g_utf8_validate(t, -1, NULL))
		return t;
	/* The full-width forms of ASCII (U+FF01-FF5E) become ASCII, and the
	 * stops IDNA reads as dots (。．｡) dots: a person retyping the name
	 * in Japanese mail.  Not all of NFKC: a name in half-width katakana
	 * is the machine's own, and stays. */
	o = g_string_sized_new(strlen(t));
	for (const char *p = t; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c >= 0xFF01 && c <= 0xFF5E)
			g_string_append_c(o, (char)(c - 0xFEE0));
		else if (c == 0x3002 || c == 0xFF61)
			g_string_append_c(o, '.');
		else
			g_string_append_unichar(o, c);
	}
	g_free(t);
	return g_string_free(o, FALSE);
}

/* Zero-width and invisible: dropped wherever they are. */
static gboolean
is_invisible(gunichar c)
{
	return c == 0x00AD || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF;
}

/* Can a joiner stand beside C as a name's own: no ASCII, space or
 * invisible character? */
static gboolean
joins(gunichar c)
{
	return c >= 0x80 && !g_unichar_isspace(c) && !is_invisible(c);
}

char *
kenchi_norm_spaces(const char *s)
{
	const char *p, *start, *end;
	GString *out;

	for (p = s; *p && !((unsigned char)*p & 0x80); p++)
		;
	if (*p == '\0' || !g_utf8_validate(s, -1, NULL))
		return NULL;
	/* Most non-ASCII values (Japanese text) have none of these: no copy. */
	for (; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (is_invisible(c) || (c >= 0x80 && g_unichar_isspace(c)))
			break;
	}
	if (*p == '\0')
		return NULL;
	out = g_string_sized_new(strlen(s));
	for (p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		/* A joiner between two letters that are no ASCII is the name's
		 * own: an emoji sequence's ZWJ, a Persian word's ZWNJ (rt28
		 * V12: a family of three became three emoji).  Beside ASCII it
		 * is noise in an id or a hash. */
		if ((c == 0x200C || c == 0x200D) && p > s && joins(g_utf8_get_char(g_utf8_prev_char(p))) &&
		    joins(g_utf8_get_char(p + 3))) {
			g_string_append_unichar(out, c);
			continue;
		}
		if (is_invisible(c))
			continue;
		if (c != 0x3000 && c >= 0x80 && g_unichar_type(c) == G_UNICODE_SPACE_SEPARATOR)
			g_string_append_c(out, ' ');
		else
			g_string_append_unichar(out, c);
	}
	/* Trim Unicode spaces, the ideographic one too, at both ends. */
	start = out->str;
	end = out->str + out->len;
	while (start < end && g_unichar_isspace(g_utf8_get_char(start)))
		start = g_utf8_next_char(start);
	while (end > start) {
		const char *q = g_utf8_prev_char(end);
		if (!g_unichar_isspace(g_utf8_get_char(q)))
			break;
		end = q;
	}
	{
		char *r = g_strndup(start, (gsize)(end - start));
		g_string_free(out, TRUE);
		return r;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

void
kenchi_strip_dquotes(char *t)
{
	gsize n = t ? strlen(t) : 0;

	if (n > 2 && t[0] == '"' && t[n - 1] == '"' && memchr(t + 1, '"', n - 2) == NULL) {
		memmove(t, t + 1, n - 2);
		t[n - 2] = '\0';
	}
}

char *
kenchi_norm_path(const char *s)
{
	GString *out;
	char *t, *p;

	t = kenchi_norm_text(s);
	if (t == NULL)
		return NULL;
	kenchi_strip_dquotes(t);
	p = t;
	out = g_string_sized_new(strlen(t));
	if (g_ascii_strncasecmp(p, "file://", 7) == 0) {
		/* A file URL: percent-decode, then treat as /C:/x. */
		const char *q;
		p += 7;
		for (q = p; *q; q++) {
			if (*q == '%' && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
				g_string_append_c(out, (char)(hexval(q[1]) * 16 + hexval(q[2])));
				q += 2;
			} else {
				g_string_append_c(out, *q);
			}
		}
		g_free(t);
		t = g_string_free(out, FALSE);
		out = g_string_sized_new(strlen(t));
		p = t;
	}
	/* Only the prefix of a drive path or a share is dropped: a shadow
	 * copy's "\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy3\..." and
	 * "\\?\Volume{GUID}\..." name no drive, and lost their prefix only to
	 * look like a relative path (rt26 V01). */
	if ((strncmp(p, "\\\\?\\", 4) == 0 || strncmp(p, "\\??\\", 4) == 0) &&
	    ((g_ascii_isalpha(p[4]) && p[5] == ':') || g_ascii_strncasecmp(p + 4, "UNC\\", 4) == 0)) {
		p += 4;
		/* "\\?\UNC\server\share": a share, "\\server\share". */
		if (g_ascii_strncasecmp(p, "UNC\\", 4) == 0) {
			g_string_append(out, "\\\\");
			g_string_append(out, p + 4);
			g_free(t);
			return g_string_free(out, FALSE);
		}
	}
	if (p[0] == '/' && g_ascii_isalpha(p[1]) && p[2] == ':')
		p += 1;
	if (g_ascii_isalpha(p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/' || p[2] == '\0' ||
	    g_str_has_prefix(p + 2, "\xc2\xa5"))) {
		/* A drive path: one separator, the backslash.  ¥ (U+00A5) is what a
		 * SHIFT_JIS decoder makes of 0x5C, so it is a backslash here. */
		g_string_append_c(out, g_ascii_toupper(p[0]));
		g_string_append_c(out, ':');
		for (p += 2; *p; p++) {
			if (*p == '/')
				g_string_append_c(out, '\\');
			else if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa5) {
				g_string_append_c(out, '\\');
				p++;
			} else
				g_string_append_c(out, *p);
		}
	} else {
		g_string_append(out, p);
	}
	g_free(t);
	return g_string_free(out, FALSE);
}

/* The last resort, GMime's reader of Date headers, for the obsolete forms
 * of RFC 2822 (two-digit years); what it guesses at garbage lands far
 * from any real alert. */
static gboolean
rfc2822_date(const char *s, gint64 *out)
{
	GDateTime *dt = g_mime_utils_header_decode_date(s);
	gboolean ok;

	if (dt == NULL)
		return FALSE;
	ok = g_date_time_get_year(dt) >= 1990 && g_date_time_get_year(dt) <= 2100;
	if (ok)
		*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return ok;
}

/* T (taken) with full-width digits and brackets made ASCII (NFKC), and a
 * weekday in brackets taken out: "2026年11月25日（水） 16:12:31" read as
 * the date alone had lost its time, and "２０２６/１１/２５" was no date. */
static char *
date_fold(char *t)
{
	static const char *const days[] = { "日", "月", "火", "水", "木", "金", "土",
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", NULL };
	char *p, *n;

	for (p = t; *p && !((unsigned char)*p & 0x80); p++)
		;
	if (*p && (n = g_utf8_normalize(t, -1, G_NORMALIZE_NFKC)) != NULL) {
		g_free(t);
		t = n;
	}
	for (p = strchr(t, '('); p; p = strchr(p + 1, '(')) {
		for (int k = 0; days[k]; k++) {
			gsize l = strlen(days[k]);

			if (strncmp(p + 1, days[k], l) == 0 && p[1 + l] == ')') {
				/* "日(水) 16:12" -> "日 16:12" */
				memmove(p, p + l + 2, strlen(p + l + 2) + 1);
				break;
			}
		}
	}
	return t;
}

gboolean
kenchi_norm_date(const char *s, gint64 *out)
{
	gboolean zoned;

	return kenchi_norm_date_zoned(s, out, &zoned);
}

gboolean
kenchi_norm_date_zoned(const char *s, gint64 *out, gboolean *zoned)
{
	char buf[64];
	char *t, *p;
	size_t n;
	GDateTime *dt;
	GTimeZone *utc;
	gboolean ok = FALSE;

	*zoned = TRUE;   /* epoch seconds; RFC 2822 requires a zone */
	if (s == NULL)
		return FALSE;
	t = kenchi_norm_text(s);
	if (t == NULL)
		return FALSE;
	t = date_fold(t);
	if (strlen(t) > 200) {
		g_free(t);
		return FALSE;
	}
	/* Epoch seconds (API "timestamp"). */
	if (strspn(t, "0123456789") == strlen(t) && strlen(t) >= 9 && strlen(t) <= 11) {
		*out = g_ascii_strtoll(t, NULL, 10);
		g_free(t);
		return TRUE;
	}
	/* Longer than ISO 8601 ever is: "25 November 2026 16:12:31 UTC+09:00
	 * (Osaka, Sapporo, Tokyo)" is for the word reader. */
	if (strlen(t) >= sizeof buf - 8)
		goto words;
	g_strlcpy(buf, t, sizeof buf);
	/* 2026/11/25 -> 2026-11-25, first space -> T, zone words -> offsets. */
	for (p = buf; *p && p < buf + 10; p++)
		if (*p == '/')
			*p = '-';
	if (strlen(buf) > 10 && buf[10] == ' ')
		buf[10] = 'T';
	n = strlen(buf);
	/* A zone in parentheses, "… 16:12:31 (JST)": a comment after an
	 * offset, else the zone itself.  Left as it was, it made the date
	 * fall through to the RFC 2822 reader, which took the time as UTC. */
	if (n > 4 && buf[n - 1] == ')' && (p = strrchr(buf, '(')) != NULL && p > buf && p[-1] == ' ') {
		char *c = p - 1;
		while (c > buf && c[-1] == ' ')
			c--;
		buf[n - 1] = '\0';
		if ((c - buf >= 6 && (c[-6] == '+' || c[-6] == '-')) || (c - buf >= 5 && (c[-5] == '+' || c[-5] == '-')) ||
		    (c > buf && c[-1] == 'Z'))
			*c = '\0';   /* "+09:00 (JST)", "+0900 (JST)", "Z (UTC)" */
		else
			memmove(p, p + 1, strlen(p + 1) + 1);
		n = strlen(buf);
	}
	if (n > 4 && (g_str_has_suffix(buf, " UTC") || g_str_has_suffix(buf, " GMT")))
		strcpy(buf + n - 4, "Z");
	else if (n > 4 && g_str_has_suffix(buf, " JST"))
		strcpy(buf + n - 4, "+09:00");
	else if (n > 2 && g_str_has_suffix(buf, " Z"))
		strcpy(buf + n - 2, "Z");
	else if (n > 6 && buf[n - 6] == ' ' && (buf[n - 5] == '+' || buf[n - 5] == '-'))
		memmove(buf + n - 6, buf + n - 5, 6);   /* "… +0900" -> "…+0900" */
	utc = g_time_zone_new_utc();
	dt = g_date_time_new_from_iso8601(buf, utc);
	g_time_zone_unref(utc);
	if (dt) {
		/* ISO 8601's zone: "Z" or an offset after the time. */
		const char *tpos = strchr(buf, 'T');

		*out = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
		*zoned = buf[strlen(buf) - 1] == 'Z' || (tpos && strpbrk(tpos, "+-"));
		ok = TRUE;
	}
words:
	if (!ok) {
		int r = kenchi_date_scan(t, out, zoned);

		if (r <= 0)
			*zoned = TRUE;
		ok = r > 0 || (r == 0 && rfc2822_date(t, out));
	}
	g_free(t);
	return ok;
}

void
kenchi_date_text(GDateTime *dt, char sep, char out[20])
{
	int f[6];

	/* GDateTime's fields written as digits: g_date_time_format interprets
	 * its format with the locale's help, and printf is little faster, at
	 * ten times the cost (a report shows several dates). */
	g_date_time_get_ymd(dt, &f[0], &f[1], &f[2]);
	f[3] = g_date_time_get_hour(dt);
	f[4] = g_date_time_get_minute(dt);
	f[5] = g_date_time_get_second(dt);
	memcpy(out, "0000-00-00T00:00:00", 20);
	out[10] = sep;
	for (int i = 3; i >= 0; i--, f[0] /= 10)
		out[i] = (char)('0' + f[0] % 10);
	for (int k = 1; k < 6; k++) {
		out[3 * k + 2] = (char)('0' + f[k] / 10);
		out[3 * k + 3] = (char)('0' + f[k] % 10);
	}
}

char *
kenchi_format_date(gint64 t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	char s[20];

	if (dt == NULL)
		return NULL;
	kenchi_date_text(dt, 'T', s);
	g_date_time_unref(dt);
	return g_strconcat(s, "+00:00", NULL);
}

typedef struct { const char *in; const char *out; } word_map_t;

static const char *
map_lookup(const char *t, const word_map_t *map)
{
	char *f = g_utf8_casefold(t, -1);
	const char *res = NULL;

	for (const word_map_t *m = map; m->in && res == NULL; m++)
		if (strcmp(f, m->in) == 0)
			res = m->out;
	g_free(f);
	return res;
}

/* S as one of MAP's words; else its first word before a gloss in
 * brackets, past a list mark or a rank ("高 (High)", "中（Medium）", "■高":
 * rt23 G5; "3 - High"). */
static char *
map_word(const char *s, const word_map_t *map)
{
	char *t = kenchi_norm_text(s), *d;
	const char *res;
	gsize skip;

	if (t == NULL)
		return NULL;
	res = map_lookup(t, map);
	if (res == NULL) {
		char *h = kenchi_norm_host(t);   /* "（" is "(" */

		d = kenchi_drop_bracketed(h ? h : t);
		g_free(h);
		g_strstrip(d);
		for (skip = 0; strncmp(d + skip, "\xe2\x96\xa0", 3) == 0 || strncmp(d + skip, "\xe2\x97\x8f", 3) == 0 ||
		    strncmp(d + skip, "\xe2\x97\x86", 3) == 0 || strncmp(d + skip, "\xe3\x83\xbb", 3) == 0; skip += 3)
			;   /* ■ ● ◆ ・ */
		/* a rank before the word: "3 - High", "4: Critical" (rt24) */
		if (g_ascii_isdigit(d[skip])) {
			gsize k = skip;

			while (g_ascii_isdigit(d[k]))
				k++;
			while (d[k] == ' ')
				k++;
			if (d[k] == '-' || d[k] == ':' || d[k] == '.' || d[k] == ')')
				skip = k + 1;
		}
		if (*g_strchug(d + skip))
			res = map_lookup(g_strchug(d + skip), map);
		g_free(d);
	}
	g_free(t);
	return res ? g_strdup(res) : NULL;
}

char *
kenchi_norm_severity(const char *s)
{
	static const word_map_t map[] = {
		{ "low", "Low" }, { "medium", "Medium" }, { "high", "High" }, { "critical", "Critical" },
		{ "低", "Low" }, { "中", "Medium" }, { "高", "High" }, { "重大", "Critical" },
		{ "緊急", "Critical" }, { "med", "Medium" },
		{ NULL, NULL }
	};
	return map_word(s, map);
}

char *
kenchi_norm_disposition(const char *s)
{
	static const word_map_t map[] = {
		{ "malicious", "Malicious" }, { "clean", "Clean" }, { "unknown", "Unknown" },
		{ "悪性", "Malicious" }, { "クリーン", "Clean" }, { "不明", "Unknown" },
		{ "安全", "Clean" }, { "unseen", "Unknown" }, { "malware", "Malicious" },
		{ "悪意あり", "Malicious" }, { "悪意のある", "Malicious" }, { "未知", "Unknown" },
		{ NULL, NULL }
	};
	return map_word(s, map);
}

char *
kenchi_drop_bracketed(const char *s)
{
	GString *b = g_string_sized_new(strlen(s));
	int depth = 0;

	for (const char *c = s; *c; c++) {
		if (*c == '(')
			depth++;
		else if (*c == ')' && depth > 0)
			depth--;
		else if (depth == 0)
			g_string_append_c(b, *c);
	}
	return g_string_free(b, FALSE);
}

static gboolean
all_hex(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isxdigit(*s))
			return FALSE;
	return TRUE;
}

/* The SHA-256 in a value: 64 hex digits, after an optional "sha256:" or
 * "SHA256=", either alone among words ("<hash> Copy", "<hash>
 * (VirusTotal)") or written in equal groups ("1a2b3c4d 5e6f..." , 8 of 8).
 * Two hashes, or an uneven split, are no hash. */
char *
kenchi_norm_sha256(const char *s)
{
	char **tok, *t, *found = NULL, *p;
	int ntok = 0, hex = 0, total = 0, glen = -1, groups_ok = 1;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	if (g_ascii_strncasecmp(s, "sha256", 6) == 0 && (s[6] == ':' || s[6] == '='))
		s += 7;
	else if (g_ascii_strncasecmp(s, "sha-256", 7) == 0 && (s[7] == ':' || s[7] == '='))
		s += 8;
	/* Words in brackets are a note ("(VirusTotal)"), not part of a hash
	 * written in groups. */
	{
		char *bare = kenchi_drop_bracketed(s);

		tok = g_strsplit_set(bare, " \t[]", -1);
		g_free(bare);
	}
	for (int i = 0; tok[i]; i++) {
		t = tok[i];
		if (*t == '\0')
			continue;
		ntok++;
		if (!all_hex(t)) {
			groups_ok = 0;
			continue;
		}
		hex++;
		total += (int)strlen(t);
		if (glen < 0)
			glen = (int)strlen(t);
		else if (glen != (int)strlen(t))
			groups_ok = 0;
		if (strlen(t) == 64) {
			if (found) {   /* two hashes */
				g_strfreev(tok);
				return NULL;
			}
			found = t;
		}
	}
	if (found) {
		p = g_ascii_strdown(found, -1);
	} else if (groups_ok && hex == ntok && hex >= 4 && total == 64) {   /* 2 x 32 is two MD5s */
		p = g_strjoinv("", tok);
		t = g_ascii_strdown(p, -1);
		g_free(p);
		p = t;
	} else {
		p = NULL;
	}
	g_strfreev(tok);
	/* 64 zeros is no file's hash but a sample's, a test notification's or
	 * a placeholder's (rt29 X01, rt31 N06): no hash, as "N/A" is none. */
	if (p && strspn(p, "0") == 64) {
		g_free(p);
		p = NULL;
	}
	return p;
}

char *
kenchi_norm_uint(const char *s)
{
	char *t = kenchi_norm_text(s), *p;

	if (t == NULL)
		return NULL;
	for (p = t; *p; p++)
		if (!g_ascii_isdigit(*p)) {
			g_free(t);
			return NULL;
		}
	p = t;
	while (p[0] == '0' && p[1])
		p++;
	if (strlen(p) > 20) {
		g_free(t);
		return NULL;
	}
	p = g_strdup(p);
	g_free(t);
	return p;
}
