/* config.c: GKeyFile loading with file:line errors.  GKeyFile itself does
 * not keep line numbers, so kenchi_config_line() finds a key's line in the
 * text; that is cheap and only runs on the error path. */
#include <stdio.h>
#include <string.h>
#include "util/config.h"

#ifndef KENCHI_PKGDATADIR
#define KENCHI_PKGDATADIR "/usr/share/kenchi"
#endif
#ifndef KENCHI_SRCDIR
#define KENCHI_SRCDIR "."
#endif

static void
customer_free(kenchi_customer_t *c)
{
	g_free(c->id);
	g_free(c->name);
	g_strfreev(c->recipients);
	g_strfreev(c->groups);
	g_strfreev(c->groups_fold);
	g_strfreev(c->group_guids);
	g_strfreev(c->report_to);
	g_strfreev(c->report_cc);
	g_free(c->language);
	g_free(c->charset);
	g_free(c->tuning_until);
	g_strfreev(c->server_hosts);
	g_strfreev(c->closed_days);
	g_free(c->closure);
	g_free(c->hours);
	g_free(c);
}

void
kenchi_config_free(kenchi_config_t *cfg)
{
	if (cfg == NULL)
		return;
	g_free(cfg->path);
	g_free(cfg->datadir);
	g_free(cfg->db_path);
	g_free(cfg->socket_path);
	g_ptr_array_unref(cfg->customers);
	g_free(cfg->soc_name);
	g_free(cfg->soc_from);
	g_free(cfg->soc_signature);
	g_strfreev(cfg->analysts);
	g_free(cfg->token_key_file);
	g_strfreev(cfg->trusted_authserv);
	g_free(cfg->smtp_host);
	g_free(cfg->smtp_tls);
	g_free(cfg->smtp_user);
	g_free(cfg->smtp_password_file);
	g_free(cfg->smtp_helo);
	if (cfg->kf)
		g_key_file_unref(cfg->kf);
	g_free(cfg);
}

int
kenchi_parse_duration(const char *s)
{
	char *end;
	gint64 n;
	int mul = 1;

	if (s == NULL || *s == '\0')
		return -1;
	n = g_ascii_strtoll(s, &end, 10);
	if (end == s || n < 0)
		return -1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mul = 60, end++;
	else if (*end == 'h')
		mul = 3600, end++;
	else if (*end == 'd')
		mul = 86400, end++;
	if (*end != '\0' || n > G_MAXINT / mul)
		return -1;
	return (int)(n * mul);
}

int
kenchi_config_line(const kenchi_config_t *cfg, const char *group, const char *key)
{
	char *text = NULL, **lines;
	int i, line = 0;
	gboolean in_group = FALSE;

	if (cfg->path == NULL || !g_file_get_contents(cfg->path, &text, NULL, NULL))
		return 0;
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i] && !line; i++) {
		char *l = g_strstrip(lines[i]);
		if (l[0] == '[') {
			char *e = strrchr(l, ']');
			if (e) {
				*e = '\0';
				in_group = strcmp(l + 1, group) == 0;
				if (in_group && key == NULL)
					line = i + 1;
			}
		} else if (in_group && key) {
			size_t n = strlen(key);
			if (strncmp(l, key, n) == 0 && (l[n] == '=' || l[n] == ' ' || l[n] == '\t' || l[n] == '['))
				line = i + 1;
		}
	}
	g_strfreev(lines);
	g_free(text);
	return line;
}

void
kenchi_config_error(GString *errors, const kenchi_config_t *cfg, const char *group, const char *key,
		    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_string_append_printf(errors, "%s:%d: [%s] %s%s%s\n", cfg->path ? cfg->path : "(defaults)",
	    kenchi_config_line(cfg, group, key), group, key ? key : "", key ? ": " : "", msg);
	g_free(msg);
}

#define err_at kenchi_config_error

static char *
get_str(GKeyFile *kf, const char *g, const char *k, const char *def)
{
	char *v = g_key_file_get_string(kf, g, k, NULL);

	if (v == NULL)
		return def ? g_strdup(def) : NULL;
	g_strstrip(v);
	return v;
}

/* RFC 5322's nesting in an address as it is read left to right: inside a
 * quoted string, angle brackets, a comment. */
typedef struct {
	int quote, angle, paren;
	const char *lt, *gt;   /* the last '<' and '>' outside quotes and comments */
} addr_lex_t;

/* Step over the character at P (a quoted pair whole), as L reads it;
 * returns the next position.  *TEXT: what P holds is the address's text,
 * not a comment nor the quote marks and brackets around it. */
static const char *
addr_step(addr_lex_t *l, const char *p, gboolean *text)
{
	*text = FALSE;
	if (*p == '\\' && (l->quote || l->paren) && p[1]) {
		*text = !l->paren;
		return p + 2;
	}
	if (*p == '"' && !l->paren)
		l->quote = !l->quote, *text = TRUE;
	else if (!l->quote && *p == '(')
		l->paren++;
	else if (!l->quote && *p == ')')
		l->paren--;
	else if (!l->quote && !l->paren && *p == '<')
		l->angle++, l->lt = p;
	else if (!l->quote && !l->paren && *p == '>')
		l->angle--, l->gt = p;
	else
		*text = !l->paren;
	return p + 1;
}

/* An address list's items: split at ',' and ';' outside quotes, angle
 * brackets and comments, as RFC 5322 reads a list ("Doe, John" <j@x> is
 * one mailbox: split at its comma, every report of its customer failed to
 * build, and each alert with it; report round rp1 F1). */
static char **
get_addresses(GKeyFile *kf, const char *g, const char *k, gboolean lower)
{
	char *v = g_key_file_get_string(kf, g, k, NULL);
	GPtrArray *out;
	const char *p, *start;
	addr_lex_t l = { 0 };
	gboolean text;

	if (v == NULL)
		return NULL;
	out = g_ptr_array_new();
	for (p = start = v;;) {
		if (*p == '\0' || ((*p == ',' || *p == ';') && !l.quote && l.angle <= 0 && l.paren <= 0)) {
			char *t = g_strstrip(g_strndup(start, (gsize)(p - start)));

			if (*t)
				g_ptr_array_add(out, lower ? g_ascii_strdown(t, -1) : g_strdup(t));
			g_free(t);
			if (*p == '\0')
				break;
			start = ++p;
			continue;
		}
		p = addr_step(&l, p, &text);
	}
	g_free(v);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* Why mailbox A cannot go in a mail's header, or NULL.  The mailer refuses
 * such an address when it builds the mail, so it is said here, at its line
 * (rp1 F1: check-config said ok). */
static const char *
address_error(const char *a)
{
	addr_lex_t l = { 0 }, in = { 0 };
	const char *p, *b, *e, *why = NULL;
	GString *spec;
	gboolean text;
	char *dom;

	for (p = a; *p; p = addr_step(&l, p, &text))
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return "holds a control character (a line break?)";
	if (l.quote || l.angle || l.paren)
		return "has an unbalanced quote, bracket or parenthesis";
	/* the addr-spec: inside the angle brackets, else the whole less
	 * its comments; one '@' outside quotes, something on each side */
	b = l.lt ? l.lt + 1 : a;
	e = l.lt && l.gt > l.lt ? l.gt : a + strlen(a);
	spec = g_string_new(NULL);
	for (p = b; p < e; ) {
		const char *next = addr_step(&in, p, &text);

		if (text && !in.quote && *p == '@') {
			if (strchr(spec->str, '\001') != NULL)
				why = "has two '@' in its address";
			g_string_append_c(spec, '\001');
		} else if (text) {
			g_string_append_len(spec, p, next - p);
		}
		p = next;
	}
	g_strstrip(spec->str);
	dom = strchr(spec->str, '\001');
	if (why == NULL && dom == NULL)
		why = "is no address (no '@')";
	else if (why == NULL && (dom == spec->str || dom[1] == '\0' || strchr(dom + 1, ' ') != NULL))
		why = "is no address (nothing before or after its '@', or a space in its domain)";
	/* An international domain goes out in punycode; a local part has no
	 * ASCII form. */
	for (p = spec->str; why == NULL && dom && p < dom; p++)
		if ((guchar)*p >= 0x80)
			why = "has non-ASCII characters before its '@': kenchi's SMTP client does not speak SMTPUTF8";
	g_string_free(spec, TRUE);
	return why;
}

static void
check_addresses(kenchi_config_t *cfg, GString *errors, const char *g, const char *k, char **list)
{
	for (char **a = list; a && *a; a++) {
		const char *why = address_error(*a);

		if (why)
			err_at(errors, cfg, g, k, "\"%s\" %s", *a, why);
	}
}

/* A display name with a control character breaks the header it goes in. */
static void
check_name(kenchi_config_t *cfg, GString *errors, const char *g, const char *k, const char *name)
{
	for (const char *p = name; p && *p; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f) {
			err_at(errors, cfg, g, k, "holds a control character (a line break?): it goes in mail headers");
			return;
		}
}

static char **
get_list(GKeyFile *kf, const char *g, const char *k, gboolean lower)
{
	char **v = g_key_file_get_string_list(kf, g, k, NULL, NULL);
	GPtrArray *out;
	int i;

	if (v == NULL)
		return NULL;
	/* Lists may be written with ';' (GKeyFile) or ','. */
	out = g_ptr_array_new();
	for (i = 0; v[i]; i++) {
		char **parts = g_strsplit(v[i], ",", -1);
		for (int j = 0; parts[j]; j++) {
			char *t = g_strstrip(parts[j]);
			if (*t)
				g_ptr_array_add(out, lower ? g_ascii_strdown(t, -1) : g_strdup(t));
		}
		g_strfreev(parts);
	}
	g_strfreev(v);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static int
get_duration(kenchi_config_t *cfg, GString *errors, const char *g, const char *k, int def)
{
	char *v = get_str(cfg->kf, g, k, NULL);
	int d;

	if (v == NULL)
		return def;
	d = kenchi_parse_duration(v);
	if (d < 0) {
		err_at(errors, cfg, g, k, "not a duration: \"%s\" (use 30s, 15m, 24h, 2d)", v);
		d = def;
	}
	g_free(v);
	return d;
}

static gboolean
valid_date(const char *s)
{
	GDate d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return FALSE;
	g_date_clear(&d, 1);
	g_date_set_parse(&d, s);
	return g_date_valid(&d);
}

/* An AMP group's id as the API writes it: 8-4-4-4-12 hex digits, no
 * braces (a braced "{...}" never matched an event, round 28a). */
static gboolean
valid_guid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !g_ascii_isxdigit(s[i]))
			return FALSE;
	}
	return s[36] == '\0';
}

static gboolean
valid_closure(const char *s)
{
	int m1, d1, m2, d2;
	char tail;

	/* A day no year has (02-30, 04-31) is check-config's warning, not an
	 * error that would stop every customer's intake on an upgrade (round
	 * 44); the calendar then keeps the default closure. */
	return sscanf(s, "%d-%d..%d-%d%c", &m1, &d1, &m2, &d2, &tail) == 4 && m1 >= 1 && m1 <= 12 && m2 >= 1 &&
	    m2 <= 12 && d1 >= 1 && d1 <= 31 && d2 >= 1 && d2 <= 31;
}

/* What is wrong with business hours S, or NULL. */
static const char *
hours_error(const char *s)
{
	int h1, m1, h2, m2;
	char tail;

	if (sscanf(s, "%d:%d-%d:%d%c", &h1, &m1, &h2, &m2, &tail) != 4 || h1 < 0 || h1 > 24 || h2 < 0 || h2 > 24 ||
	    m1 < 0 || m1 >= 60 || m2 < 0 || m2 >= 60)
		return "not HH:MM-HH:MM";
	/* round 43b: "22:00-06:00" was called no HH:MM-HH:MM */
	if (h1 * 60 + m1 >= h2 * 60 + m2)
		return "the end must come after the start (hours across midnight are not supported)";
	return NULL;
}

/* Every key of GROUP must be one of KNOWN: a typo is an error, not a default. */
static void
check_keys(kenchi_config_t *cfg, const char *group, const char *const *known, GString *errors)
{
	char **keys = g_key_file_get_keys(cfg->kf, group, NULL, NULL);

	for (char **k = keys; k && *k; k++)
		if (!g_strv_contains(known, *k))
			err_at(errors, cfg, group, *k, "unknown key");
	g_strfreev(keys);
}

static void
load_customer(kenchi_config_t *cfg, const char *group, GString *errors)
{
	kenchi_customer_t *c = g_new0(kenchi_customer_t, 1);
	GKeyFile *kf = cfg->kf;
	char **keys, **k;
	static const char *const known[] = {
		"name", "recipients", "groups", "group_guids", "report_to", "report_cc", "language", "charset",
		"tuning_until", "servers", "closed_days", "closure", "hours", NULL
	};

	c->id = g_strdup(group + strlen("customer "));
	g_strstrip(c->id);
	if (*c->id == '\0' || strspn(c->id, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(c->id))
		err_at(errors, cfg, group, NULL, "customer id must be lower-case letters, digits, '-', '_' or '.'");
	c->name = get_str(kf, group, "name", c->id);
	c->recipients = get_list(kf, group, "recipients", TRUE);
	c->groups = get_list(kf, group, "groups", FALSE);
	kenchi_config_fold_groups(c);
	c->group_guids = get_list(kf, group, "group_guids", FALSE);
	c->report_to = get_addresses(kf, group, "report_to", FALSE);
	c->report_cc = get_addresses(kf, group, "report_cc", FALSE);
	check_addresses(cfg, errors, group, "report_to", c->report_to);
	check_addresses(cfg, errors, group, "report_cc", c->report_cc);
	check_name(cfg, errors, group, "name", c->name);
	c->language = get_str(kf, group, "language", "ja");
	c->charset = get_str(kf, group, "charset", "utf-8");
	c->tuning_until = get_str(kf, group, "tuning_until", NULL);
	c->server_hosts = get_list(kf, group, "servers", FALSE);
	c->closed_days = get_list(kf, group, "closed_days", FALSE);
	c->closure = get_str(kf, group, "closure", NULL);
	c->hours = get_str(kf, group, "hours", NULL);
	if (strcmp(c->language, "ja") != 0 && strcmp(c->language, "en") != 0)
		err_at(errors, cfg, group, "language", "must be ja or en, not \"%s\"", c->language);
	if (g_ascii_strcasecmp(c->charset, "utf-8") != 0 && g_ascii_strcasecmp(c->charset, "iso-2022-jp") != 0)
		err_at(errors, cfg, group, "charset", "must be utf-8 or iso-2022-jp, not \"%s\"", c->charset);
	if (c->closure && *c->closure && !valid_closure(c->closure))
		err_at(errors, cfg, group, "closure", "not MM-DD..MM-DD (or empty for none): \"%s\"", c->closure);
	if (c->hours && hours_error(c->hours))
		err_at(errors, cfg, group, "hours", "%s: \"%s\"", hours_error(c->hours), c->hours);
	if (c->tuning_until && !valid_date(c->tuning_until))
		err_at(errors, cfg, group, "tuning_until", "not a date (YYYY-MM-DD): \"%s\"", c->tuning_until);
	for (k = c->group_guids; k && *k; k++)
		if (!valid_guid(*k))
			err_at(errors, cfg, group, "group_guids", "not a group id (8-4-4-4-12 hex digits): \"%s\"", *k);
	for (k = c->closed_days; k && *k; k++)
		if (!valid_date(*k))
			err_at(errors, cfg, group, "closed_days", "not a date (YYYY-MM-DD): \"%s\"", *k);
	keys = g_key_file_get_keys(kf, group, NULL, NULL);
	for (k = keys; k && *k; k++)
		if (!g_strv_contains(known, *k))
			err_at(errors, cfg, group, *k, "unknown key");
	g_strfreev(keys);
	for (guint i = 0; i < cfg->customers->len; i++) {
		const kenchi_customer_t *o = g_ptr_array_index(cfg->customers, i);

		if (strcmp(o->id, c->id) == 0)
			err_at(errors, cfg, group, NULL, "customer \"%s\" defined twice", c->id);
	}
	g_ptr_array_add(cfg->customers, c);
}

static char *
find_datadir(const char *configured)
{
	const char *env = g_getenv("KENCHI_DATADIR");
	char *probe;

	if (env && *env)
		return g_strdup(env);
	if (configured)
		return g_strdup(configured);
	/* Installed data first; else the source tree this binary was built from,
	 * so that a fresh clone runs without `make install`. */
	probe = g_build_filename(KENCHI_PKGDATADIR, "data", "extractors", NULL);
	if (g_file_test(probe, G_FILE_TEST_IS_DIR)) {
		g_free(probe);
		return g_strdup(KENCHI_PKGDATADIR);
	}
	g_free(probe);
	return g_strdup(KENCHI_SRCDIR);
}

kenchi_status_t
kenchi_config_load(const char *path, kenchi_config_t **out, GString *errors)
{
	kenchi_config_t *cfg = g_new0(kenchi_config_t, 1);
	GError *err = NULL;
	gsize start_len = errors->len;
	char **groups, **g, *datadir;
	const char *env;
	int busy_s;

	cfg->kf = g_key_file_new();
	cfg->customers = g_ptr_array_new_with_free_func((GDestroyNotify)customer_free);
	if (path == NULL && (env = g_getenv("KENCHI_CONF")) != NULL && *env)
		path = env;
	if (path == NULL && g_file_test("/etc/kenchi/kenchi.conf", G_FILE_TEST_EXISTS))
		path = "/etc/kenchi/kenchi.conf";
	if (path) {
		cfg->path = g_strdup(path);
		if (!g_key_file_load_from_file(cfg->kf, path, G_KEY_FILE_NONE, &err)) {
			g_string_append_printf(errors, "%s: %s\n", path, err->message);
			g_error_free(err);
			err = NULL;
		}
	}

	datadir = get_str(cfg->kf, "kenchi", "datadir", NULL);
	cfg->datadir = find_datadir(datadir);
	g_free(datadir);
	cfg->db_path = get_str(cfg->kf, "kenchi", "database", NULL);
	cfg->socket_path = get_str(cfg->kf, "kenchi", "socket", NULL);
	/* Not inside MIN(): the macro evaluates its argument twice, and a bad
	 * value was reported twice. */
	busy_s = get_duration(cfg, errors, "kenchi", "busy_timeout", 30);
	cfg->busy_timeout_ms = MIN(busy_s, 3600) * 1000;
	cfg->window_s = get_duration(cfg, errors, "kenchi", "correlation_window", 24 * 3600);
	cfg->outbreak_s = get_duration(cfg, errors, "kenchi", "outbreak_window", 5 * 60);
	cfg->stale_s = get_duration(cfg, errors, "kenchi", "stale_after", 3600);
	cfg->report_hold_s = get_duration(cfg, errors, "kenchi", "report_hold", 120);
	cfg->sla_warn_s = get_duration(cfg, errors, "kenchi", "sla_warning", 45 * 60);
	cfg->send_interval_s = get_duration(cfg, errors, "kenchi", "send_interval", 10);

	cfg->soc_name = get_str(cfg->kf, "soc", "name", "kenchi SOC");
	cfg->soc_from = get_str(cfg->kf, "soc", "from", "soc@localhost");
	cfg->soc_signature = get_str(cfg->kf, "soc", "signature", NULL);
	cfg->analysts = get_addresses(cfg->kf, "soc", "analysts", FALSE);
	check_addresses(cfg, errors, "soc", "analysts", cfg->analysts);
	{
		char *from[2] = { cfg->soc_from, NULL };

		check_addresses(cfg, errors, "soc", "from", from);
	}
	check_name(cfg, errors, "soc", "name", cfg->soc_name);
	cfg->token_key_file = get_str(cfg->kf, "soc", "token_key_file", NULL);
	cfg->trusted_authserv = get_list(cfg->kf, "soc", "trusted_authserv_id", FALSE);
	if (g_key_file_has_key(cfg->kf, "soc", "require_auth_results", NULL)) {
		/* A misspelt boolean must not quietly switch the check off. */
		cfg->require_auth_results = g_key_file_get_boolean(cfg->kf, "soc", "require_auth_results", &err);
		if (err) {
			err_at(errors, cfg, "soc", "require_auth_results", "must be true or false");
			g_clear_error(&err);
		}
	}

	cfg->smtp_host = get_str(cfg->kf, "smtp", "host", "127.0.0.1");
	cfg->smtp_port = g_key_file_has_key(cfg->kf, "smtp", "port", NULL) ?
	    g_key_file_get_integer(cfg->kf, "smtp", "port", &err) : 25;
	if (err) {
		err_at(errors, cfg, "smtp", "port", "%s", err->message);
		g_clear_error(&err);
	}
	if (cfg->smtp_port <= 0 || cfg->smtp_port > 65535)
		err_at(errors, cfg, "smtp", "port", "out of range: %d", cfg->smtp_port);
	cfg->smtp_tls = get_str(cfg->kf, "smtp", "tls", "none");
	if (strcmp(cfg->smtp_tls, "none") && strcmp(cfg->smtp_tls, "starttls") && strcmp(cfg->smtp_tls, "tls"))
		err_at(errors, cfg, "smtp", "tls", "must be none, starttls or tls, not \"%s\"", cfg->smtp_tls);
	else if (strcmp(cfg->smtp_tls, "tls") == 0)
		/* Refused here rather than at the first send, where it would
		 * fail every report: libesmtp only speaks STARTTLS. */
		err_at(errors, cfg, "smtp", "tls", "implicit TLS is not supported by the SMTP library: use starttls (port 587)");
	cfg->smtp_user = get_str(cfg->kf, "smtp", "user", NULL);
	cfg->smtp_password_file = get_str(cfg->kf, "smtp", "password_file", NULL);
	cfg->smtp_helo = get_str(cfg->kf, "smtp", "helo", NULL);
	if (g_key_file_has_key(cfg->kf, "smtp", "password", NULL))
		err_at(errors, cfg, "smtp", "password", "secrets do not go in kenchi.conf: use password_file (mode 0600)");

	groups = g_key_file_get_groups(cfg->kf, NULL);
	for (g = groups; g && *g; g++) {
		static const char *const kenchi_keys[] = { "database", "datadir", "busy_timeout", "correlation_window",
			"outbreak_window", "stale_after", "report_hold", "sla_warning", "send_interval", "socket", NULL };
		static const char *const soc_keys[] = { "name", "from", "signature", "analysts", "token_key_file",
			"trusted_authserv_id", "require_auth_results", NULL };
		static const char *const smtp_keys[] = { "host", "port", "tls", "user", "password_file", "helo",
			"password", NULL };
		static const char *const maildir_keys[] = { "path", "customer", NULL };

		if (g_str_has_prefix(*g, "customer "))
			load_customer(cfg, *g, errors);
		else if (strcmp(*g, "kenchi") == 0)
			check_keys(cfg, *g, kenchi_keys, errors);
		else if (strcmp(*g, "soc") == 0)
			check_keys(cfg, *g, soc_keys, errors);
		else if (strcmp(*g, "smtp") == 0)
			check_keys(cfg, *g, smtp_keys, errors);
		else if (g_str_has_prefix(*g, "maildir ")) {
			check_keys(cfg, *g, maildir_keys, errors);
			if (!g_key_file_has_key(cfg->kf, *g, "path", NULL))
				err_at(errors, cfg, *g, NULL, "no path");
		} else if (!g_str_has_prefix(*g, "imap "))   /* [imap NAME]: imap_config.c checks them */
			err_at(errors, cfg, *g, NULL, "unknown section");
	}
	g_strfreev(groups);
	kenchi_config_check_customers(cfg, errors);
	*out = cfg;
	return errors->len > start_len ? KENCHI_CONFIG : KENCHI_OK;
}

char *
kenchi_config_data_path(const kenchi_config_t *cfg, const char *rel)
{
	return g_build_filename(cfg->datadir, "data", rel, NULL);
}

char *
kenchi_config_template_path(const kenchi_config_t *cfg, const char *rel)
{
	return g_build_filename(cfg->datadir, "templates", rel, NULL);
}

const kenchi_customer_t *
kenchi_config_customer(const kenchi_config_t *cfg, const char *id)
{
	guint i;

	for (i = 0; id && i < cfg->customers->len; i++) {
		kenchi_customer_t *c = g_ptr_array_index(cfg->customers, i);
		if (strcmp(c->id, id) == 0)
			return c;
	}
	return NULL;
}
