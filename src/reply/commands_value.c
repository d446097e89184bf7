/* commands_value.c: check and normalise the value of each command (the
 * text after "keyword:"): verdicts and levels, priorities, case numbers,
 * allow/block list entries (SHA-256, IP, domain, URL, refanged), reports to
 * send.  A bad value sets the command's error, quoting what the analyst
 * wrote; a good one sets its normalised value (commands.h says which field
 * holds what).  Every string set here is owned by the command. */
#include <string.h>
#include <gio/gio.h>   /* GInetAddress: strict v4/v6 parsing and canonical form */
#include "reply/commands_int.h"
#include "parse/normalize.h"

#define QUOTE_MAX 60   /* bytes of the analyst's text quoted in an error */

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

/* ---- values ------------------------------------------------------------- */

void
kenchi_cmd_set_error(kenchi_command_t *c, char *msg)
{
	g_free(c->error);
	c->error = msg;
}

/* "悪性(中)", "悪性 中", "malicious, high", "Malicious High" -> words. */
static void
parse_verdict(kenchi_command_t *c, const char *val)
{
	char *f = kenchi_cmd_fold(val), *rest = NULL;
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
		kenchi_cmd_set_error(c, g_strdup_printf("unknown verdict %s (" VERDICT_LIST ")", q));
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
				kenchi_cmd_set_error(c, g_strdup_printf("unknown level %s (low, medium, high)", q));
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
	char *f = kenchi_cmd_fold(val);
	const char *d = f[0] == 'p' ? f + 1 : f;

	if (d[0] >= '1' && d[0] <= '4' && d[1] == '\0') {
		c->number = d[0] - '0';
		c->value = g_strdup_printf("P%d", (int)c->number);
	} else {
		char *q = quote(val);
		kenchi_cmd_set_error(c, g_strdup_printf("unknown priority %s (P1, P2, P3, P4)", q));
		g_free(q);
	}
	g_free(f);
}

static void
parse_merge(kenchi_command_t *c, const char *val)
{
	char *f = kenchi_cmd_fold(val);
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
		kenchi_cmd_set_error(c, g_strdup_printf("merge needs a case number, e.g. \"merge: 123\", not %s", q));
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
	char *f = kenchi_cmd_fold(val);

	g_strdelimit(f, "_", '-');
	if (strcmp(f, "second-report") == 0 || strcmp(f, "second report") == 0 || strcmp(f, "二次報告") == 0) {
		c->value = g_strdup("second-report");
	} else {
		char *q = quote(val);
		kenchi_cmd_set_error(c, g_strdup_printf("unknown report %s (second-report)", q));
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
	else if (g_ascii_strncasecmp(out, "fxp", 3) == 0)
		memcpy(out, "ftp", 3);
	return out;
}

/* A path as pasted: "C:\Program Files\x.exe" with its quotes, straight
 * or typographic (iOS and Outlook turn them curly: round 36a), and the
 * "c[:]\" kenchi's own notices print a path with. */
static char *
unquote_path(const char *s)
{
	static const char *const pairs[][2] = { { "\"", "\"" }, { "\u201c", "\u201d" }, { "\u201d", "\u201d" },
		{ "\u201e", "\u201c" }, { "\u00ab", "\u00bb" }, { "\u300c", "\u300d" }, { "'", "'" },
		{ "\u2018", "\u2019" } };
	gsize n = strlen(s);
	char *out = NULL, *r;

	for (gsize i = 0; i < G_N_ELEMENTS(pairs) && out == NULL; i++) {
		gsize a = strlen(pairs[i][0]), b = strlen(pairs[i][1]);
		if (n >= a + b && strncmp(s, pairs[i][0], a) == 0 && strcmp(s + n - b, pairs[i][1]) == 0)
			out = g_strndup(s + a, n - a - b);
	}
	if (out == NULL)
		out = g_strdup(s);
	if ((r = strstr(out, "[:]")) != NULL && r - out <= 2)
		memmove(r + 1, r + 3, strlen(r + 3) + 1), r[0] = ':';
	return out;
}

/* Is P at a yen sign, ¥ or the full-width ￥: its length, else 0. */
static gsize
yen_len(const char *p)
{
	return g_str_has_prefix(p, "\u00a5") ? 2 : g_str_has_prefix(p, "\uffe5") ? 3 : 0;
}

/* A path as AMP writes one, which is how it is matched: unquoted, and
 * with backslashes where the analyst's text has a yen sign (what
 * Shift_JIS and CP932 text shows for one), a slash (C:/Users) or two
 * backslashes (a path pasted from JSON or a log).  The CLI stored these
 * as typed, and they matched nothing (round rs1 F2). */
static char *
norm_path(const char *s)
{
	char *u = unquote_path(s), *out;

	/* the yen signs are the separators when the root is written with one */
	if ((g_ascii_isalpha(u[0]) && u[1] == ':' && yen_len(u + 2)) || (yen_len(u) && yen_len(u + yen_len(u)))) {
		GString *g = g_string_sized_new(strlen(u));

		for (const char *p = u; *p; ) {
			gsize k = yen_len(p);

			g_string_append_c(g, k ? '\\' : *p);
			p += k ? k : 1;
		}
		g_free(u);
		u = g_string_free(g, FALSE);
	}
	out = kenchi_norm_path(u);   /* C:/x, \\?\C:\x, file:///C:/x */
	g_free(u);
	if (out == NULL)
		return NULL;
	/* One backslash each, but a share's leading two (round 38a: kept,
	 * it matched nothing). */
	{
		char *w = out, *p = out;
		if (p[0] == '\\' && p[1] == '\\')
			w += 2, p += 2;
		for (; *p; p++)
			if (!(*p == '\\' && w > out && w[-1] == '\\' && w - out > 2))
				*w++ = *p;
		*w = '\0';
	}
	if (*out == '\0')
		g_clear_pointer(&out, g_free);
	return out;
}

static gboolean
has_space(const char *s)
{
	const char *end = s + strlen(s);

	for (; s < end; s++)
		if (kenchi_cmd_space_len(s, end) > 0)
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
	char *out, *canon;

	if (strchr(s, '/') != NULL) {
		*why = g_strdup("a single address, not a range");
		return NULL;
	}
	/* GLib would take "fe80::1%eth0"; a scope means nothing off-host.
	 * Read as an event's address is (normalize_net.c): a padded octet
	 * ("198.051.100.007", as log tools write it) or a port after it is the
	 * address; GLib refused both, and the command line had taken them. */
	if (strchr(s, '%') != NULL || (canon = kenchi_norm_ip(s)) == NULL)
		return NULL;
	a = g_inet_address_new_from_string(canon);
	g_free(canon);
	if (a == NULL)
		return NULL;
	/* ::ffff:203.0.113.7 is 203.0.113.7, as events' addresses are
	 * compared (round rs1 F4). */
	if (g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV6) {
		static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		const guint8 *b = g_inet_address_to_bytes(a);

		if (memcmp(b, mapped, 12) == 0) {
			GInetAddress *v4 = g_inet_address_new_from_bytes(b + 12, G_SOCKET_FAMILY_IPV4);

			g_object_unref(a);
			a = v4;
		}
	}
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

char *
kenchi_list_value(const char *kind, const char *value, kenchi_list_from_t from, char **why)
{
	char *v = kenchi_norm_text(value), *r = NULL, *norm = NULL;

	*why = NULL;
	if (v == NULL) {
		*why = g_strdup("empty");
		return NULL;
	}
	if (strcmp(kind, "sha256") == 0) {
		/* As an alert's hash is read: "SHA256: …", or in groups. */
		norm = kenchi_norm_sha256(v);
		*why = g_strdup("64 hex digits");
	} else if (strcmp(kind, "detection") == 0) {
		norm = g_strdup(v);
	} else if (strcmp(kind, "path") == 0) {
		norm = norm_path(v);
		*why = g_strdup("empty");
	} else if (strcmp(kind, "host") == 0) {
		/* As the alerts' names are read (normalize.c): ＰＣ－０１ is PC-01. */
		if (!has_space(v))
			norm = kenchi_norm_host(v);
		*why = g_strdup("a host name has no spaces");
	} else if (strcmp(kind, "url") == 0) {
		norm = norm_url(r = refang(v));
		*why = g_strdup("a URL with a scheme, e.g. https://example.com/x");
	} else if (strcmp(kind, "ip") == 0) {
		r = refang(v);
		if (from == KENCHI_LIST_FROM_CLI && strchr(r, '/') != NULL) {
			norm = kenchi_norm_cidr(r);
			*why = g_strdup("an address, or a network no wider than /8 (IPv6: /32)");
		} else {
			norm = norm_ip(r, why);
			if (*why == NULL)
				*why = g_strdup("IPv4 or IPv6 address");
		}
	} else if (strcmp(kind, "domain") == 0) {
		norm = norm_domain(r = refang(v));
		*why = g_strdup(!g_hostname_is_ip_address(r) ? "a domain name such as example.com" :
		    from == KENCHI_LIST_FROM_CLI ? "an IP address: use \"kenchi block add ... ip ...\"" :
		    "an IP address: use \"block: ip ...\"");
	} else {
		*why = g_strdup("unknown kind");
	}
	if (norm != NULL)
		g_clear_pointer(why, g_free);
	g_free(r);
	g_free(v);
	return norm;
}

/* "KIND VALUE", also "KIND: VALUE"; a bare 64-hex value is a SHA-256. */
static void
parse_list(kenchi_command_t *c, const char *val)
{
	gboolean allow = c->kind == KENCHI_CMD_ALLOW;
	const char *verb = allow ? "allow" : "block";
	const char *end = val + strlen(val), *sp = val, *kind = NULL;
	char *kt, *rest = NULL, *norm = NULL, *why = NULL;

	while (sp < end && kenchi_cmd_space_len(sp, end) == 0 && *sp != ':')
		sp++;
	kt = g_strndup(val, sp - val);
	{
		char *f = kenchi_cmd_fold(kt);
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
			kenchi_cmd_set_error(c, g_strdup_printf("%s needs KIND VALUE; unknown kind %s (%s)", verb, q,
						     allow ? ALLOW_KINDS : BLOCK_KINDS));
			g_free(q);
			goto done;
		}
	} else {
		if (*sp == ':')
			sp++;
		rest = kenchi_cmd_strip_dup(sp, end);
	}
	if (!kind_allowed(allow, kind)) {
		kenchi_cmd_set_error(c, g_strdup_printf("cannot %s by %s (%s: %s)", verb, kind, verb,
					     allow ? ALLOW_KINDS : BLOCK_KINDS));
		goto done;
	}
	if (*rest == '\0') {
		kenchi_cmd_set_error(c, g_strdup_printf("%s %s needs a value", verb, kind));
		goto done;
	}
	norm = kenchi_list_value(kind, rest, KENCHI_LIST_FROM_REPLY, &why);
	if (norm == NULL) {
		char *q = quote(rest);
		kenchi_cmd_set_error(c, g_strdup_printf("bad %s %s (%s)", kind, q, why != NULL ? why : "empty"));
		g_free(q);
		goto done;
	}
	{
		/* The value as written too: a domain's punycode hides a
		 * Hangul filler (round 38a). */
		char *broad = kenchi_cmd_invisible(rest);
		if (broad == NULL)
			broad = kenchi_cmd_invisible(norm);
		if (broad == NULL)
			broad = strcmp(kind, "path") == 0 ? kenchi_cmd_path_too_broad(norm) :
			    strcmp(kind, "host") == 0 ? kenchi_cmd_host_too_broad(norm) :
			    strcmp(kind, "ip") == 0 ? kenchi_cmd_ip_no_indicator(norm) :
			    strcmp(kind, "url") == 0 ? kenchi_cmd_url_no_indicator(norm) :
			    strcmp(kind, "domain") == 0 ? kenchi_cmd_domain_too_broad(norm) : NULL;
		if (broad) {
			char *q = quote(norm);
			kenchi_cmd_set_error(c, g_strdup_printf("%s %s %s refused: %s", verb, kind, q, broad));
			g_free(q);
			g_free(broad);
			goto done;
		}
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
void
kenchi_cmd_parse_value(kenchi_command_t *c, const char *val)
{
	const char *name = kenchi_cmd_kind_names[c->kind];

	switch (c->kind) {
	case KENCHI_CMD_CLOSE:
	case KENCHI_CMD_REOPEN:
	case KENCHI_CMD_HELP:
		/* a stray word after "close" is more likely a mistake than a comment */
		if (*val != '\0')
			kenchi_cmd_set_error(c, g_strdup_printf("%s takes no value", name));
		else
			c->value = g_strdup("");
		return;
	default:
		break;
	}
	if (*val == '\0') {
		kenchi_cmd_set_error(c, g_strdup_printf("%s needs a value", name));
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
