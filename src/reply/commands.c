/* commands.c: parse and validate the commands at the top of an analyst's
 * reply (see commands.h and kenchi-commands(7)).
 *
 * The command block ends at the first of these, and nothing after it is
 * read, so a quoted notice that happens to hold "verdict: benign" is inert:
 *   - a blank line (only spaces, tabs, U+3000, NBSP) once a command was seen;
 *     blank lines before the first command are skipped;
 *   - a quoted line: ">" or full-width "＞", after optional spaces;
 *   - a line beginning "--": the signature "-- " (and the "--" that clients
 *     strip it to), "-----Original Message-----", "-----元のメッセージ-----",
 *     "---------- Forwarded message ---------";
 *   - Outlook's line of underscores (10 or more);
 *   - a reply header that is not itself a command line: "On ... wrote:"
 *     (also wrapped onto two lines), any line ending "wrote:" or
 *     "書きました:", a line ending ":" that holds "<addr@host>" (Gmail's
 *     "2026年11月25日(水) 10:00 Taro <taro@example.jp>:", also wrapped after
 *     "<"), and "From:"/"差出人:" followed by "Sent:"/"Date:"/"送信日時:".
 * Header detection is skipped for lines that start with a known keyword and
 * a colon, so "note: asked <x@example.jp> about it:" stays a command.
 *
 * Decisions a reader may question:
 *   - Every line becomes an entry, good or bad, so the transcript can echo
 *     each one (debbugs control@ style) and the caller can refuse the whole
 *     mail when errors > 0.  A line that is not a command is an error rather
 *     than the silent end of the block: a typo must not be dropped unseen.
 *   - Keywords and enumerated values are compared after NFKC and case
 *     folding, so full-width "ＶＥＲＤＩＣＴ：", half-width katakana and "Ｐ２"
 *     work.  Free text (notes, state, paths) is kept as written.
 *   - Hostile mail is bounded: at most KENCHI_CMD_MAX entries (the next line
 *     is one error and parsing stops), and a line or joined value is read
 *     only up to about KENCHI_CMD_VALUE_MAX bytes, so a 1 MB line costs one
 *     scan and a 4 KB copy.  Invalid UTF-8 becomes U+FFFD; a NUL or other
 *     control character in a command line makes that line an error, since
 *     it would otherwise end up in the database and in terminals. */
#include <string.h>
#include <gio/gio.h>   /* GInetAddress: strict v4/v6 parsing and canonical form */
#include "reply/commands.h"

/* A logical line is read up to this many bytes: a full value plus room for
 * the keyword and a colon.  Beyond it the value is too long anyway. */
#define LINE_CAP (KENCHI_CMD_VALUE_MAX + 256)
#define QUOTE_MAX 60   /* bytes of the analyst's text quoted in an error */

typedef struct {
	const char *name;   /* NFKC + case-folded */
	kenchi_cmd_kind_t kind;
} keyword_t;

static const keyword_t keywords[] = {
	{ "verdict", KENCHI_CMD_VERDICT },       { "判定", KENCHI_CMD_VERDICT },
	{ "state", KENCHI_CMD_STATE },           { "状態", KENCHI_CMD_STATE },
	{ "reason", KENCHI_CMD_REASON },         { "検知理由", KENCHI_CMD_REASON },
	{ "理由", KENCHI_CMD_REASON },
	{ "summary", KENCHI_CMD_SUMMARY },       { "概要", KENCHI_CMD_SUMMARY },
	{ "検体概要", KENCHI_CMD_SUMMARY },
	{ "action", KENCHI_CMD_ACTION },         { "対応", KENCHI_CMD_ACTION },
	{ "お願い事項", KENCHI_CMD_ACTION },
	{ "prevention", KENCHI_CMD_PREVENTION }, { "再発防止策", KENCHI_CMD_PREVENTION },
	{ "再発防止", KENCHI_CMD_PREVENTION },
	{ "assign", KENCHI_CMD_ASSIGN },         { "担当", KENCHI_CMD_ASSIGN },
	{ "担当者", KENCHI_CMD_ASSIGN },
	{ "priority", KENCHI_CMD_PRIORITY },     { "優先度", KENCHI_CMD_PRIORITY },
	{ "note", KENCHI_CMD_NOTE },             { "メモ", KENCHI_CMD_NOTE },
	{ "備考", KENCHI_CMD_NOTE },
	{ "allow", KENCHI_CMD_ALLOW },           { "許可", KENCHI_CMD_ALLOW },
	{ "block", KENCHI_CMD_BLOCK },           { "ブロック", KENCHI_CMD_BLOCK },
	{ "merge", KENCHI_CMD_MERGE },           { "統合", KENCHI_CMD_MERGE },
	{ "close", KENCHI_CMD_CLOSE },           { "クローズ", KENCHI_CMD_CLOSE },
	{ "reopen", KENCHI_CMD_REOPEN },         { "再オープン", KENCHI_CMD_REOPEN },
	{ "send", KENCHI_CMD_SEND },             { "送信", KENCHI_CMD_SEND },
	{ "help", KENCHI_CMD_HELP },             { "ヘルプ", KENCHI_CMD_HELP },
};

static const char *const kind_names[] = {
	[KENCHI_CMD_VERDICT] = "verdict",   [KENCHI_CMD_STATE] = "state",
	[KENCHI_CMD_REASON] = "reason",     [KENCHI_CMD_SUMMARY] = "summary",
	[KENCHI_CMD_ACTION] = "action",     [KENCHI_CMD_PREVENTION] = "prevention",
	[KENCHI_CMD_ASSIGN] = "assign",     [KENCHI_CMD_PRIORITY] = "priority",
	[KENCHI_CMD_NOTE] = "note",         [KENCHI_CMD_ALLOW] = "allow",
	[KENCHI_CMD_BLOCK] = "block",       [KENCHI_CMD_MERGE] = "merge",
	[KENCHI_CMD_CLOSE] = "close",       [KENCHI_CMD_REOPEN] = "reopen",
	[KENCHI_CMD_SEND] = "send",         [KENCHI_CMD_HELP] = "help",
};

typedef struct {
	const char *alias;   /* NFKC + case-folded, '_' already turned to '-' */
	const char *value;
} alias_t;

static const alias_t verdicts[] = {
	{ "malicious", "malicious" },             { "悪性", "malicious" },
	{ "benign", "benign" },                   { "非悪性", "benign" },
	{ "良性", "benign" },
	{ "pup", "pup" },                         { "adware", "pup" },
	{ "policy-violation", "policy-violation" }, { "policy violation", "policy-violation" },
	{ "ポリシー違反", "policy-violation" },
	{ "false-positive", "false-positive" },   { "false positive", "false-positive" },
	{ "誤検知", "false-positive" },
};
#define VERDICT_LIST "malicious, benign, pup, policy-violation, false-positive"

static const alias_t levels[] = {
	{ "low", "low" },       { "低", "low" },
	{ "medium", "medium" }, { "中", "medium" },
	{ "high", "high" },     { "高", "high" },
};

static const alias_t list_kinds[] = {
	{ "sha256", "sha256" }, { "sha-256", "sha256" },
	{ "detection", "detection" },
	{ "path", "path" },
	{ "host", "host" },     { "hostname", "host" },
	{ "url", "url" },
	{ "ip", "ip" },         { "ipv4", "ip" },       { "ipv6", "ip" },
	{ "domain", "domain" },
};
#define ALLOW_KINDS "sha256, detection, path, host"
#define BLOCK_KINDS "sha256, url, ip, domain"

/* ---- small UTF-8 helpers ---------------------------------------------- */

/* Bytes of the white-space character at P (0 if none): ASCII space and tab,
 * NBSP (from HTML-to-text conversion) and the ideographic space U+3000 that
 * Japanese input methods produce. */
static gsize
space_len(const char *p, const char *end)
{
	const guchar *u = (const guchar *)p;

	if (p >= end)
		return 0;
	if (*u == ' ' || *u == '\t' || *u == '\r')
		return 1;
	if (end - p >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (end - p >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

static const char *
skip_space(const char *p, const char *end)
{
	gsize n;

	while ((n = space_len(p, end)) > 0)
		p += n;
	return p;
}

/* End of P..END without trailing white space (the characters are small,
 * so look back from the end at each candidate width). */
static const char *
rskip_space(const char *p, const char *end)
{
	while (end > p) {
		if (space_len(end - 1, end) == 1)
			end -= 1;
		else if (end - p >= 2 && space_len(end - 2, end) == 2)
			end -= 2;
		else if (end - p >= 3 && space_len(end - 3, end) == 3)
			end -= 3;
		else
			break;
	}
	return end;
}

static char *
strip_dup(const char *p, const char *end)
{
	p = skip_space(p, end);
	end = rskip_space(p, end);
	return g_strndup(p, end - p);
}

static gboolean
is_blank(const char *p, const char *end)
{
	return skip_space(p, end) == end;
}

/* NFKC then case folding: how keywords and enumerated values compare. */
static char *
fold(const char *s)
{
	char *n = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC);
	char *f;

	if (n == NULL)   /* only on invalid UTF-8, which clean_line() rules out */
		return g_strdup("");
	f = g_utf8_casefold(n, -1);
	g_free(n);
	return f;
}

/* "text" for an error message, cut at a character boundary. */
static char *
quote(const char *s)
{
	gsize n = strlen(s);

	if (n <= QUOTE_MAX)
		return g_strdup_printf("\"%s\"", s);
	n = QUOTE_MAX;
	while (n > 0 && ((guchar)s[n] & 0xC0) == 0x80)
		n--;
	return g_strdup_printf("\"%.*s…\"", (int)n, s);
}

static const char *
lookup(const alias_t *t, gsize n, const char *folded)
{
	for (gsize i = 0; i < n; i++)
		if (strcmp(t[i].alias, folded) == 0)
			return t[i].value;
	return NULL;
}

/* ---- lines -------------------------------------------------------------- */

/* Next physical line of the body: [*lp, *lp + *ln) without CR LF. */
static gboolean
next_line(const char **pos, const char *end, const char **lp, gsize *ln)
{
	const char *p = *pos, *nl;

	if (p >= end)
		return FALSE;
	nl = memchr(p, '\n', end - p);
	*lp = p;
	*ln = (nl != NULL ? nl : end) - p;
	if (*ln > 0 && p[*ln - 1] == '\r')
		(*ln)--;
	*pos = nl != NULL ? nl + 1 : end;
	return TRUE;
}

/* A copy of a physical line that is safe to store and echo: at most
 * LINE_CAP bytes (*cut when shortened), valid UTF-8, tabs as spaces, other
 * C0/C1 controls and NUL as U+FFFD (*bad when there were any). */
static char *
clean_line(const char *p, gsize n, gboolean *bad, gboolean *cut)
{
	GString *out;
	char *valid;
	const guchar *u;

	*bad = FALSE;
	*cut = FALSE;
	if (n > LINE_CAP) {
		n = LINE_CAP;
		while (n > 0 && ((guchar)p[n] & 0xC0) == 0x80)
			n--;
		*cut = TRUE;
	}
	if (memchr(p, '\0', n) != NULL)
		*bad = TRUE;
	valid = g_utf8_make_valid(p, n);   /* NUL and bad bytes become U+FFFD */
	out = g_string_sized_new(strlen(valid));
	for (u = (const guchar *)valid; *u; u++) {
		if (*u == '\t') {
			g_string_append_c(out, ' ');
		} else if (*u < 0x20 || *u == 0x7F) {
			g_string_append(out, "\xEF\xBF\xBD");
			*bad = TRUE;
		} else if (u[0] == 0xC2 && u[1] >= 0x80 && u[1] <= 0x9F) {
			/* C1 controls: 0x9B is a CSI to some terminals */
			g_string_append(out, "\xEF\xBF\xBD");
			*bad = TRUE;
			u++;
		} else {
			g_string_append_c(out, (char)*u);
		}
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

static gboolean
is_quote_line(const char *p, const char *end)
{
	p = skip_space(p, end);
	return (p < end && *p == '>') || (end - p >= 3 && memcmp(p, "＞", 3) == 0);
}

/* Position of the first ':' or '：' in S, and the byte after it. */
static const char *
find_colon(const char *s, const char **after)
{
	const char *a = strchr(s, ':');
	const char *b = strstr(s, "：");

	if (b != NULL && (a == NULL || b < a)) {
		*after = b + strlen("：");
		return b;
	}
	if (a != NULL)
		*after = a + 1;
	return a;
}

static gboolean
keyword_kind(const char *p, const char *end, kenchi_cmd_kind_t *kind)
{
	char *kw, *f;
	gboolean found = FALSE;

	p = skip_space(p, end);
	end = rskip_space(p, end);
	if (p == end || end - p > 64)
		return FALSE;
	kw = g_strndup(p, end - p);
	f = fold(kw);
	for (gsize i = 0; i < G_N_ELEMENTS(keywords); i++)
		if (strcmp(keywords[i].name, f) == 0) {
			*kind = keywords[i].kind;
			found = TRUE;
			break;
		}
	g_free(kw);
	g_free(f);
	return found;
}

static gboolean
is_keyword_line(const char *s)
{
	const char *after, *colon = find_colon(s, &after);
	kenchi_cmd_kind_t k;

	return colon != NULL && keyword_kind(s, colon, &k);
}

static gboolean
ends_with(const char *s, const char *suffix)
{
	const char *end = rskip_space(s, s + strlen(s));
	gsize n = strlen(suffix);

	return (gsize)(end - s) >= n && memcmp(end - n, suffix, n) == 0;
}

static gboolean
ends_with_colon(const char *s)
{
	return ends_with(s, ":") || ends_with(s, "：");
}

/* "<" then "@" then ">": an address, as reply headers quote it. */
static gboolean
has_address(const char *s)
{
	const char *lt = strchr(s, '<');
	const char *at = lt != NULL ? strchr(lt, '@') : NULL;

	return at != NULL && strchr(at, '>') != NULL;
}

/* S is not a keyword line; NEXT is the line after it (maybe NULL). */
static gboolean
is_reply_header(const char *s, const char *next)
{
	const char *lt;

	if (g_str_has_prefix(s, "__________"))
		return TRUE;
	if (ends_with(s, "wrote:") || ends_with(s, "書きました:") || ends_with(s, "書きました："))
		return TRUE;
	if (ends_with_colon(s) && has_address(s))
		return TRUE;
	if (next == NULL)
		return FALSE;
	if (g_str_has_prefix(s, "On ") && ends_with(next, "wrote:"))
		return TRUE;
	/* Gmail wraps a long header after the "<" of the address. */
	lt = strrchr(s, '<');
	if (lt != NULL && strchr(lt, '>') == NULL && ends_with_colon(next) && strchr(next, '>') != NULL)
		return TRUE;
	if ((g_str_has_prefix(s, "From:") || g_str_has_prefix(s, "差出人:") || g_str_has_prefix(s, "差出人："))
	    && (g_str_has_prefix(next, "Sent:") || g_str_has_prefix(next, "Date:")
		|| g_str_has_prefix(next, "送信日時:") || g_str_has_prefix(next, "送信日時：")))
		return TRUE;
	return FALSE;
}

/* ---- values ------------------------------------------------------------- */

static void
set_error(kenchi_command_t *c, char *msg)
{
	g_free(c->error);
	c->error = msg;
}

/* "悪性(中)", "悪性 中", "malicious, high", "Malicious High" -> words. */
static void
parse_verdict(kenchi_command_t *c, const char *val)
{
	char *f = fold(val), *rest = NULL;
	GString *g = g_string_new(NULL);
	const char *verdict = NULL;

	for (const char *p = f; *p; p = g_utf8_next_char(p)) {
		gunichar ch = g_utf8_get_char(p);
		if (ch == '(' || ch == ')' || ch == '[' || ch == ']' || ch == ',' || ch == '/'
		    || ch == 0x3001 /* 、 */ || ch == 0x3010 || ch == 0x3011 /* 【】 */)
			g_string_append_c(g, ' ');
		else if (ch == '_')
			g_string_append_c(g, '-');
		else
			g_string_append_unichar(g, ch);
	}
	g_strstrip(g->str);
	for (gsize i = 0; i < G_N_ELEMENTS(verdicts) && verdict == NULL; i++) {
		const char *a = verdicts[i].alias;
		gsize n = strlen(a);
		if (strncmp(g->str, a, n) != 0)
			continue;
		/* "malicioushigh" is not "malicious high"; "悪性中" is fine. */
		if (g_ascii_isalnum(a[n - 1]) && g_ascii_isalnum(g->str[n]))
			continue;
		verdict = verdicts[i].value;
		rest = g_strstrip(g_strdup(g->str + n));
	}
	if (verdict == NULL) {
		char *q = quote(val);
		set_error(c, g_strdup_printf("unknown verdict %s (" VERDICT_LIST ")", q));
		g_free(q);
		goto done;
	}
	c->value = g_strdup(verdict);
	{
		char *r = rest;
		while (*r == '-' || *r == ' ')
			r++;
		if (*r != '\0') {
			const char *lv = lookup(levels, G_N_ELEMENTS(levels), r);
			if (lv == NULL) {
				char *q = quote(r);
				set_error(c, g_strdup_printf("unknown level %s (low, medium, high)", q));
				g_free(q);
			} else {
				c->level = g_strdup(lv);
			}
		}
	}
done:
	g_free(rest);
	g_free(f);
	g_string_free(g, TRUE);
}

static void
parse_priority(kenchi_command_t *c, const char *val)
{
	char *f = fold(val);
	const char *d = f[0] == 'p' ? f + 1 : f;

	if (d[0] >= '1' && d[0] <= '4' && d[1] == '\0') {
		c->number = d[0] - '0';
		c->value = g_strdup_printf("P%d", (int)c->number);
	} else {
		char *q = quote(val);
		set_error(c, g_strdup_printf("unknown priority %s (P1, P2, P3, P4)", q));
		g_free(q);
	}
	g_free(f);
}

static void
parse_merge(kenchi_command_t *c, const char *val)
{
	char *f = fold(val);
	const char *d = f[0] == '#' ? f + 1 : f;
	guint64 n = 0;
	gboolean ok = *d != '\0' && strlen(d) <= 18;   /* 18 digits: no overflow below */

	for (const char *p = d; ok && *p; p++)
		if (!g_ascii_isdigit(*p))
			ok = FALSE;
	if (ok)
		n = g_ascii_strtoull(d, NULL, 10);
	if (!ok || n == 0) {
		char *q = quote(val);
		set_error(c, g_strdup_printf("merge needs a case number, e.g. \"merge: 123\", not %s", q));
		g_free(q);
	} else {
		c->number = (gint64)n;
		c->value = g_strdup_printf("%" G_GINT64_FORMAT, c->number);
	}
	g_free(f);
}

static void
parse_send(kenchi_command_t *c, const char *val)
{
	char *f = fold(val);

	g_strdelimit(f, "_", '-');
	if (strcmp(f, "second-report") == 0 || strcmp(f, "second report") == 0 || strcmp(f, "二次報告") == 0) {
		c->value = g_strdup("second-report");
	} else {
		char *q = quote(val);
		set_error(c, g_strdup_printf("unknown report %s (second-report)", q));
		g_free(q);
	}
	g_free(f);
}

/* Analysts paste indicators defanged: hxxp://evil[.]example(.)com[:]8080. */
static char *
refang(const char *s)
{
	static const char *const pairs[][2] = {
		{ "[.]", "." }, { "(.)", "." }, { "{.}", "." }, { "[dot]", "." },
		{ "[:]", ":" }, { "[://]", "://" },
	};
	char *out = g_strdup(s);

	for (gsize i = 0; i < G_N_ELEMENTS(pairs); i++) {
		if (strstr(out, pairs[i][0]) != NULL) {
			char **parts = g_strsplit(out, pairs[i][0], -1);
			g_free(out);
			out = g_strjoinv(pairs[i][1], parts);
			g_strfreev(parts);
		}
	}
	if (g_ascii_strncasecmp(out, "hxxp", 4) == 0)
		memcpy(out, "http", 4);
	return out;
}

static gboolean
has_space(const char *s)
{
	const char *end = s + strlen(s);

	for (; s < end; s++)
		if (space_len(s, end) > 0)
			return TRUE;
	return FALSE;
}

static gboolean
kind_allowed(gboolean allow, const char *kind)
{
	static const char *const a[] = { "sha256", "detection", "path", "host" };
	static const char *const b[] = { "sha256", "url", "ip", "domain" };

	for (gsize i = 0; i < 4; i++)
		if (strcmp(allow ? a[i] : b[i], kind) == 0)
			return TRUE;
	return FALSE;
}

static char *
norm_sha256(const char *s)
{
	if (strlen(s) != 64)
		return NULL;
	for (const char *p = s; *p; p++)
		if (!g_ascii_isxdigit(*p))
			return NULL;
	return g_ascii_strdown(s, -1);
}

static char *
norm_ip(const char *s, char **why)
{
	GInetAddress *a;
	char *out;

	if (strchr(s, '/') != NULL) {
		*why = g_strdup("a single address, not a range");
		return NULL;
	}
	/* GLib would take "fe80::1%eth0"; a scope means nothing off-host. */
	if (strchr(s, '%') != NULL || (a = g_inet_address_new_from_string(s)) == NULL)
		return NULL;
	out = g_inet_address_to_string(a);
	g_object_unref(a);
	return out;
}

static char *
norm_domain(const char *s)
{
	char *lower = g_utf8_strdown(s, -1), *ascii = NULL;
	gsize n = strlen(lower);
	gboolean ok = TRUE;

	if (n > 0 && lower[n - 1] == '.')
		lower[--n] = '\0';
	if (n == 0 || g_hostname_is_ip_address(lower))
		goto fail;
	ascii = g_hostname_to_ascii(lower);   /* IDN: 例え.jp -> xn--r8jz45g.jp */
	if (ascii == NULL || strlen(ascii) > 253 || strchr(ascii, '.') == NULL)
		goto fail;
	{
		gchar **labels = g_strsplit(ascii, ".", -1);
		for (gchar **l = labels; *l && ok; l++) {
			gsize ln = strlen(*l);
			if (ln == 0 || ln > 63 || (*l)[0] == '-' || (*l)[ln - 1] == '-')
				ok = FALSE;
			for (const char *p = *l; ok && *p; p++)
				if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
					ok = FALSE;
		}
		g_strfreev(labels);
	}
	if (!ok)
		goto fail;
	g_free(lower);
	return ascii;
fail:
	g_free(lower);
	g_free(ascii);
	return NULL;
}

static char *
norm_url(const char *s)
{
	const char *scheme = g_uri_peek_scheme(s);   /* interned, lower-case; NULL without one */
	char *out = NULL;
	GUri *u = NULL;

	if (scheme == NULL || has_space(s))
		goto done;
	u = g_uri_parse(s, G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_ENCODED, NULL);
	if (u == NULL)
		goto done;
	if ((strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 || strcmp(scheme, "ftp") == 0)
	    && (g_uri_get_host(u) == NULL || *g_uri_get_host(u) == '\0'))
		goto done;
	out = g_strconcat(scheme, s + strlen(scheme), NULL);
done:
	if (u != NULL)
		g_uri_unref(u);
	return out;
}

/* "KIND VALUE", also "KIND: VALUE"; a bare 64-hex value is a SHA-256. */
static void
parse_list(kenchi_command_t *c, const char *val)
{
	gboolean allow = c->kind == KENCHI_CMD_ALLOW;
	const char *verb = allow ? "allow" : "block";
	const char *end = val + strlen(val), *sp = val, *kind = NULL;
	char *kt, *rest = NULL, *norm = NULL, *why = NULL;

	while (sp < end && space_len(sp, end) == 0 && *sp != ':')
		sp++;
	kt = g_strndup(val, sp - val);
	{
		char *f = fold(kt);
		kind = lookup(list_kinds, G_N_ELEMENTS(list_kinds), f);
		g_free(f);
	}
	if (kind == NULL) {
		char *h = norm_sha256(val);
		if (h != NULL) {
			kind = "sha256";
			rest = g_strdup(val);
			g_free(h);
		} else {
			char *q = quote(kt);
			set_error(c, g_strdup_printf("%s needs KIND VALUE; unknown kind %s (%s)", verb, q,
						     allow ? ALLOW_KINDS : BLOCK_KINDS));
			g_free(q);
			goto done;
		}
	} else {
		if (*sp == ':')
			sp++;
		rest = strip_dup(sp, end);
	}
	if (!kind_allowed(allow, kind)) {
		set_error(c, g_strdup_printf("cannot %s by %s (%s: %s)", verb, kind, verb,
					     allow ? ALLOW_KINDS : BLOCK_KINDS));
		goto done;
	}
	if (*rest == '\0') {
		set_error(c, g_strdup_printf("%s %s needs a value", verb, kind));
		goto done;
	}
	if (strcmp(kind, "sha256") == 0) {
		norm = norm_sha256(rest);
		why = g_strdup("64 hex digits");
	} else if (strcmp(kind, "detection") == 0) {
		norm = g_strdup(rest);
	} else if (strcmp(kind, "path") == 0) {
		gsize n = strlen(rest);
		/* "C:\Program Files\x.exe" is often pasted with its quotes */
		if (n >= 2 && rest[0] == '"' && rest[n - 1] == '"')
			norm = g_strndup(rest + 1, n - 2);
		else
			norm = g_strdup(rest);
		if (*norm == '\0')
			g_clear_pointer(&norm, g_free);
	} else if (strcmp(kind, "host") == 0) {
		if (!has_space(rest))
			norm = g_strdup(rest);
		why = g_strdup("a host name has no spaces");
	} else {
		char *r = refang(rest);
		if (strcmp(kind, "url") == 0) {
			norm = norm_url(r);
			why = g_strdup("a URL with a scheme, e.g. https://example.com/x");
		} else if (strcmp(kind, "ip") == 0) {
			norm = norm_ip(r, &why);
			if (why == NULL)
				why = g_strdup("IPv4 or IPv6 address");
		} else {
			norm = norm_domain(r);
			why = g_strdup(g_hostname_is_ip_address(r) ? "an IP address: use \"block: ip ...\""
								    : "a domain name such as example.com");
		}
		g_free(r);
	}
	if (norm == NULL) {
		char *q = quote(rest);
		set_error(c, g_strdup_printf("bad %s %s (%s)", kind, q, why != NULL ? why : "empty"));
		g_free(q);
		goto done;
	}
	c->list_kind = g_strdup(kind);
	c->list_value = norm;
	c->value = g_strdup_printf("%s %s", kind, norm);
	norm = NULL;
done:
	g_free(kt);
	g_free(rest);
	g_free(norm);
	g_free(why);
}

/* Fill C from its keyword and the text after the colon. */
static void
parse_value(kenchi_command_t *c, const char *val)
{
	const char *name = kind_names[c->kind];

	switch (c->kind) {
	case KENCHI_CMD_CLOSE:
	case KENCHI_CMD_REOPEN:
	case KENCHI_CMD_HELP:
		/* a stray word after "close" is more likely a mistake than a comment */
		if (*val != '\0')
			set_error(c, g_strdup_printf("%s takes no value", name));
		else
			c->value = g_strdup("");
		return;
	default:
		break;
	}
	if (*val == '\0') {
		set_error(c, g_strdup_printf("%s needs a value", name));
		return;
	}
	switch (c->kind) {
	case KENCHI_CMD_VERDICT:
		parse_verdict(c, val);
		break;
	case KENCHI_CMD_PRIORITY:
		parse_priority(c, val);
		break;
	case KENCHI_CMD_MERGE:
		parse_merge(c, val);
		break;
	case KENCHI_CMD_SEND:
		parse_send(c, val);
		break;
	case KENCHI_CMD_ALLOW:
	case KENCHI_CMD_BLOCK:
		parse_list(c, val);
		break;
	default:   /* state, reason, summary, action, prevention, assign, note */
		c->value = g_strdup(val);
		break;
	}
}

/* ---- the block ---------------------------------------------------------- */

typedef struct {
	GString *text;
	int line;
	gboolean bad;   /* NUL or control character */
	gboolean cut;   /* longer than LINE_CAP */
} pending_t;

static void
command_free(gpointer p)
{
	kenchi_command_t *c = p;

	if (c == NULL)
		return;
	g_free(c->text);
	g_free(c->value);
	g_free(c->level);
	g_free(c->list_kind);
	g_free(c->list_value);
	g_free(c->error);
	g_free(c);
}

static void
push(kenchi_command_list_t *l, kenchi_command_t *c)
{
	if (c->error != NULL) {
		/* a half-parsed command must not look usable */
		g_clear_pointer(&c->value, g_free);
		g_clear_pointer(&c->level, g_free);
		g_clear_pointer(&c->list_kind, g_free);
		g_clear_pointer(&c->list_value, g_free);
		c->number = 0;
		l->errors++;
	}
	g_ptr_array_add(l->cmds, c);
}

/* Turn a finished logical line into an entry. */
static void
finish(kenchi_command_list_t *l, pending_t *pd)
{
	kenchi_command_t *c = g_new0(kenchi_command_t, 1);
	const char *s = pd->text->str, *after = NULL, *colon;
	kenchi_cmd_kind_t kind;

	c->line = pd->line;
	c->kind = KENCHI_CMD_NOTE;
	if (pd->cut) {
		gsize n = MIN(pd->text->len, (gsize)KENCHI_CMD_VALUE_MAX);
		while (n > 0 && ((guchar)s[n] & 0xC0) == 0x80)
			n--;
		c->text = g_strdup_printf("%.*s…", (int)n, s);
	} else {
		c->text = g_strdup(s);
	}
	colon = find_colon(s, &after);
	if (colon != NULL && keyword_kind(s, colon, &kind)) {
		char *val = strip_dup(after, s + pd->text->len);

		c->kind = kind;
		if (pd->bad)
			set_error(c, g_strdup("NUL byte or control character in the line"));
		else if (pd->cut || strlen(val) > KENCHI_CMD_VALUE_MAX)
			set_error(c, g_strdup_printf("value longer than %d bytes", KENCHI_CMD_VALUE_MAX));
		else
			parse_value(c, val);
		g_free(val);
	} else if (colon == NULL && keyword_kind(s, s + pd->text->len, &kind)) {
		/* a bare "close", "reopen" or "help" needs no colon */
		c->kind = kind;
		if (kind == KENCHI_CMD_CLOSE || kind == KENCHI_CMD_REOPEN || kind == KENCHI_CMD_HELP)
			c->value = g_strdup("");
		else
			set_error(c, g_strdup_printf("missing \":\" after \"%s\"", kind_names[kind]));
	} else {
		/* "verdict malicious": name the slip rather than just refusing */
		const char *end = s + (colon != NULL ? (gsize)(colon - s) : pd->text->len);
		const char *w = skip_space(s, end), *we = w;
		while (we < end && space_len(we, end) == 0)
			we++;
		if (colon == NULL && we < end && keyword_kind(w, we, &kind))
			set_error(c, g_strdup_printf("missing \":\" after \"%.*s\"", (int)(we - w), w));
		else
			set_error(c, g_strdup("not a command (expected \"keyword: value\"; send \"help\" for the list)"));
	}
	push(l, c);
}

kenchi_command_list_t *
kenchi_commands_parse_len(const char *body, gssize len)
{
	kenchi_command_list_t *l = g_new0(kenchi_command_list_t, 1);
	const char *pos, *end, *lp;
	gsize ln;
	int lineno = 0;
	pending_t pd = { NULL, 0, FALSE, FALSE };

	l->cmds = g_ptr_array_new_with_free_func(command_free);
	if (body == NULL)
		goto done;
	pos = body;
	end = body + (len < 0 ? strlen(body) : (gsize)len);
	if (end - pos >= 3 && memcmp(pos, "\xEF\xBB\xBF", 3) == 0)   /* BOM */
		pos += 3;

	while (next_line(&pos, end, &lp, &ln)) {
		const char *le = lp + ln;
		gboolean bad, cut;
		char *clean;

		lineno++;
		if (is_blank(lp, le)) {
			if (pd.text == NULL && l->cmds->len == 0)
				continue;   /* leading blank lines */
			break;
		}
		if (is_quote_line(lp, le) || (ln >= 2 && lp[0] == '-' && lp[1] == '-'))
			break;
		clean = clean_line(lp, ln, &bad, &cut);
		if (space_len(lp, le) > 0 && pd.text != NULL) {
			/* continuation: join with one space, up to the cap */
			const char *sp = skip_space(clean, clean + strlen(clean));
			const char *se = rskip_space(sp, sp + strlen(sp));
			pd.bad |= bad;
			if (pd.text->len + 1 + (se - sp) > LINE_CAP || cut) {
				pd.cut = TRUE;
			} else {
				g_string_append_c(pd.text, ' ');
				g_string_append_len(pd.text, sp, se - sp);
			}
			g_free(clean);
			continue;
		}
		if (!is_keyword_line(clean)) {
			const char *peek = pos, *np;
			gsize nn;
			char *next = NULL;
			gboolean nb, nc, hdr;
			if (next_line(&peek, end, &np, &nn))
				next = clean_line(np, nn, &nb, &nc);
			hdr = is_reply_header(clean, next);
			g_free(next);
			if (hdr) {
				g_free(clean);
				break;
			}
		}
		if (pd.text != NULL) {
			finish(l, &pd);
			g_string_free(pd.text, TRUE);
			pd.text = NULL;
		}
		if (l->cmds->len >= KENCHI_CMD_MAX) {
			kenchi_command_t *c = g_new0(kenchi_command_t, 1);
			c->kind = KENCHI_CMD_NOTE;
			c->line = lineno;
			c->text = g_strdup(clean);
			c->error = g_strdup_printf("more than %d commands; the rest of the mail is ignored",
						   KENCHI_CMD_MAX);
			push(l, c);
			g_free(clean);
			break;
		}
		{
			/* an indented first line has nothing to continue: read it as a line */
			const char *s = skip_space(clean, clean + strlen(clean));
			pd.text = g_string_new_len(s, rskip_space(s, s + strlen(s)) - s);
		}
		pd.line = lineno;
		pd.bad = bad;
		pd.cut = cut;
		g_free(clean);
	}
	if (pd.text != NULL) {
		finish(l, &pd);
		g_string_free(pd.text, TRUE);
	}
done:
	l->empty = l->cmds->len == 0;
	return l;
}

kenchi_command_list_t *
kenchi_commands_parse(const char *body_utf8)
{
	return kenchi_commands_parse_len(body_utf8, -1);
}

void
kenchi_commands_free(kenchi_command_list_t *l)
{
	if (l == NULL)
		return;
	g_ptr_array_unref(l->cmds);
	g_free(l);
}

const char *
kenchi_cmd_kind_name(kenchi_cmd_kind_t k)
{
	if ((unsigned)k >= G_N_ELEMENTS(kind_names) || kind_names[k] == NULL)
		return "unknown";
	return kind_names[k];
}

char *
kenchi_commands_help_text(void)
{
	/* Kept next to the tables above so that the two change together; the
	 * man page's COMMANDS section says the same at more length. */
	static const char text[] =
		"Commands go at the top of your reply, one \"keyword: value\" per line.\n"
		"They end at the first blank line, quoted text (>) or signature (-- ).\n"
		"An indented line continues the one before. Keywords ignore case.\n"
		"A mail's commands are applied all together, or not at all when any\n"
		"line is wrong.\n"
		"\n"
		"verdict: malicious|benign|pup|policy-violation|false-positive [low|medium|high]\n"
		"    (判定; 悪性 非悪性 PUP ポリシー違反 誤検知; 低 中 高; e.g. 悪性(中))\n"
		"state: TEXT          state of the endpoint, e.g. partially quarantined (状態)\n"
		"reason: TEXT         why it was detected (検知理由, 理由)\n"
		"summary: TEXT        what the sample is (概要, 検体概要)\n"
		"action: TEXT         what the customer must do (対応, お願い事項)\n"
		"prevention: TEXT     how to prevent it again (再発防止策, 再発防止)\n"
		"assign: NAME         who works the case (担当)\n"
		"priority: P1|P2|P3|P4  also 1..4 (優先度)\n"
		"note: TEXT           internal note, never sent to the customer (メモ, 備考)\n"
		"allow: sha256|detection|path|host VALUE   customer's allow list (許可)\n"
		"block: sha256|url|ip|domain VALUE         customer's block list (ブロック)\n"
		"merge: N             merge this case into case N, also #N (統合)\n"
		"close                close the case (クローズ)\n"
		"reopen               reopen the case (再オープン)\n"
		"send: second-report  send the second report to the customer (送信: 二次報告)\n"
		"help                 this text (ヘルプ)\n";

	return g_strdup(text);
}
