/* imap_config.c: [imap NAME] sections -> kenchi_imap_account_t.
 *
 * Like the main loader it reports every problem with file:line and keeps
 * going.  Unknown keys are errors: a misspelt "proccessed" would otherwise
 * silently switch an account from moving to flagging. */
#include <string.h>
#include "source/imap_config.h"
#include "util/secret.h"

#define IMAP_PREFIX "imap "
/* RFC 2177: servers may drop an IDLE client after 30 minutes. */
#define IDLE_LIMIT_S (29 * 60)

static const char *const known_keys[] = {
	"host", "port", "tls", "ca_file", "user", "password_file", "mailbox", "processed",
	"flag", "customer", "batch", "idle_max", "poll", NULL
};

#define err_at kenchi_config_error

/* A stripped string value, DEF (copied) when absent, NULL for an empty one
 * when EMPTY_IS_NULL (processed = <empty> means "flag"). */
static char *
get_str(GKeyFile *kf, const char *g, const char *k, const char *def, gboolean empty_is_null)
{
	char *v = g_key_file_get_string(kf, g, k, NULL);

	if (v == NULL)
		return def ? g_strdup(def) : NULL;
	g_strstrip(v);
	if (empty_is_null && *v == '\0') {
		g_free(v);
		return NULL;
	}
	return v;
}

/* An integer in [lo, hi], DEF when absent; errors recorded. */
static int
get_int(const kenchi_config_t *cfg, GString *errors, const char *g, const char *k, int def, int lo, int hi,
	gboolean *bad)
{
	char *v = get_str(cfg->kf, g, k, NULL, FALSE), *end;
	gint64 n;

	if (v == NULL)
		return def;
	n = g_ascii_strtoll(v, &end, 10);
	if (end == v || *end != '\0' || n < lo || n > hi) {
		err_at(errors, cfg, g, k, "must be a whole number from %d to %d, not \"%s\"", lo, hi, v);
		*bad = TRUE;
		n = def;
	}
	g_free(v);
	return (int)n;
}

/* A duration ("25m", "60s", plain seconds) in [lo, hi] seconds. */
static int
get_duration(const kenchi_config_t *cfg, GString *errors, const char *g, const char *k, int def, int lo, int hi,
	     const char *why, gboolean *bad)
{
	char *v = get_str(cfg->kf, g, k, NULL, FALSE);
	int d;

	if (v == NULL)
		return def;
	d = kenchi_parse_duration(v);
	if (d < 0) {
		err_at(errors, cfg, g, k, "not a duration: \"%s\" (say 90s, 25m, 1h)", v);
		*bad = TRUE;
		d = def;
	} else if (d < lo || d > hi) {
		err_at(errors, cfg, g, k, "%s, not \"%s\"", why, v);
		*bad = TRUE;
		d = def;
	}
	g_free(v);
	return d;
}

void
kenchi_imap_account_free(kenchi_imap_account_t *a)
{
	if (a == NULL)
		return;
	g_free(a->name);
	g_free(a->host);
	g_free(a->ca_file);
	g_free(a->user);
	if (a->password) {
		/* Do not leave the secret in freed heap memory for a core dump. */
		memset(a->password, 0, strlen(a->password));
		g_free(a->password);
	}
	g_free(a->mailbox);
	g_free(a->processed);
	g_free(a->flag);
	g_free(a->customer);
	g_free(a->source);
	g_free(a);
}

const char *
kenchi_imap_tls_to_string(kenchi_imap_tls_t t)
{
	switch (t) {
	case KENCHI_IMAP_TLS_NONE: return "none";
	case KENCHI_IMAP_TLS_STARTTLS: return "starttls";
	case KENCHI_IMAP_TLS_IMPLICIT: return "tls";
	}
	return "?";
}

/* Characters that would break the IMAP command or the keyword grammar
 * (RFC 3501 atom-specials); libetpan sends a keyword as an atom. */
static gboolean
valid_keyword(const char *s)
{
	if (*s == '\0')
		return FALSE;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f || strchr("(){%*\"\\]", *s))
			return FALSE;
	return TRUE;
}

static kenchi_imap_account_t *
load_account(const kenchi_config_t *cfg, const char *group, GString *errors)
{
	kenchi_imap_account_t *a = g_new0(kenchi_imap_account_t, 1);
	gboolean bad = FALSE;
	char **keys, **k, *tls, *pwfile, *errmsg = NULL;

	a->name = g_strstrip(g_strdup(group + strlen(IMAP_PREFIX)));
	if (*a->name == '\0' || strpbrk(a->name, "/: \t")) {
		err_at(errors, cfg, group, NULL, "the account name must be one word without '/' or ':'");
		bad = TRUE;
	}
	keys = g_key_file_get_keys(cfg->kf, group, NULL, NULL);
	for (k = keys; k && *k; k++) {
		if (strcmp(*k, "password") == 0)
			err_at(errors, cfg, group, *k, "secrets do not go in kenchi.conf: use password_file (mode 0600)");
		else if (!g_strv_contains((const char *const *)known_keys, *k))
			err_at(errors, cfg, group, *k, "unknown key");
		else
			continue;
		bad = TRUE;
	}
	g_strfreev(keys);

	a->host = get_str(cfg->kf, group, "host", NULL, TRUE);
	if (a->host == NULL) {
		err_at(errors, cfg, group, NULL, "host is required");
		bad = TRUE;
	}
	tls = get_str(cfg->kf, group, "tls", "tls", FALSE);
	if (strcmp(tls, "tls") == 0)
		a->tls = KENCHI_IMAP_TLS_IMPLICIT;
	else if (strcmp(tls, "starttls") == 0)
		a->tls = KENCHI_IMAP_TLS_STARTTLS;
	else if (strcmp(tls, "none") == 0)
		a->tls = KENCHI_IMAP_TLS_NONE;
	else {
		err_at(errors, cfg, group, "tls", "must be none, starttls or tls, not \"%s\"", tls);
		bad = TRUE;
	}
	g_free(tls);
	a->port = get_int(cfg, errors, group, "port", a->tls == KENCHI_IMAP_TLS_IMPLICIT ? 993 : 143, 1, 65535, &bad);
	a->ca_file = get_str(cfg->kf, group, "ca_file", NULL, TRUE);
	if (a->ca_file && !g_file_test(a->ca_file, G_FILE_TEST_IS_REGULAR)) {
		err_at(errors, cfg, group, "ca_file", "%s: no such file", a->ca_file);
		bad = TRUE;
	}
	if (a->ca_file && a->tls == KENCHI_IMAP_TLS_NONE)
		err_at(errors, cfg, group, "ca_file", "set, but tls = none: nothing would be verified"), bad = TRUE;
	a->user = get_str(cfg->kf, group, "user", NULL, TRUE);
	if (a->user == NULL) {
		err_at(errors, cfg, group, NULL, "user is required");
		bad = TRUE;
	}
	pwfile = get_str(cfg->kf, group, "password_file", NULL, TRUE);
	if (pwfile == NULL) {
		err_at(errors, cfg, group, NULL, "password_file is required");
		bad = TRUE;
	} else if (kenchi_read_secret_file(pwfile, &a->password, &errmsg) != KENCHI_OK) {
		err_at(errors, cfg, group, "password_file", "%s", errmsg);
		g_free(errmsg);
		bad = TRUE;
	} else if (*a->password == '\0') {
		err_at(errors, cfg, group, "password_file", "%s is empty", pwfile);
		bad = TRUE;
	}
	g_free(pwfile);
	a->mailbox = get_str(cfg->kf, group, "mailbox", "INBOX", TRUE);
	if (a->mailbox == NULL)
		a->mailbox = g_strdup("INBOX");
	a->processed = get_str(cfg->kf, group, "processed", NULL, TRUE);
	if (a->processed && strcmp(a->processed, a->mailbox) == 0) {
		err_at(errors, cfg, group, "processed", "must differ from mailbox (%s)", a->mailbox);
		bad = TRUE;
	}
	a->flag = get_str(cfg->kf, group, "flag", "$KenchiDone", TRUE);
	if (a->flag == NULL || !valid_keyword(a->flag) || a->flag[0] == '\\') {
		err_at(errors, cfg, group, "flag", "must be an IMAP keyword such as $KenchiDone");
		bad = TRUE;
	}
	a->customer = get_str(cfg->kf, group, "customer", NULL, TRUE);
	if (a->customer && kenchi_config_customer(cfg, a->customer) == NULL) {
		err_at(errors, cfg, group, "customer", "no [customer %s] section", a->customer);
		bad = TRUE;
	}
	a->batch = get_int(cfg, errors, group, "batch", 500, 1, 10000, &bad);
	a->idle_max_s = get_duration(cfg, errors, group, "idle_max", 25 * 60, 10, IDLE_LIMIT_S - 1,
	    "must be under 29m (RFC 2177: the server may drop an IDLE after 30m)", &bad);
	a->poll_s = get_duration(cfg, errors, group, "poll", 60, 1, 24 * 3600, "must be from 1s to 24h", &bad);
	a->source = g_strdup_printf("imap:%s/%s", a->name, a->mailbox);
	if (bad) {
		kenchi_imap_account_free(a);
		return NULL;
	}
	return a;
}

GPtrArray *
kenchi_imap_accounts_load(const kenchi_config_t *cfg, GString *errors)
{
	GPtrArray *out;
	char **groups, **g;

	if (cfg == NULL || cfg->kf == NULL)
		return NULL;
	out = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_imap_account_free);
	groups = g_key_file_get_groups(cfg->kf, NULL);
	for (g = groups; g && *g; g++) {
		kenchi_imap_account_t *a;
		guint i;

		if (!g_str_has_prefix(*g, "imap"))
			continue;
		if (!g_str_has_prefix(*g, IMAP_PREFIX)) {
			err_at(errors, cfg, *g, NULL, "an IMAP account section is [imap NAME]");
			continue;
		}
		if ((a = load_account(cfg, *g, errors)) == NULL)
			continue;
		for (i = 0; i < out->len; i++) {
			const kenchi_imap_account_t *o = out->pdata[i];
			/* Two accounts on one mailbox would race for its messages
			 * and share one position. */
			if (strcmp(o->name, a->name) == 0 ||
			    (strcmp(o->host, a->host) == 0 && o->port == a->port && strcmp(o->user, a->user) == 0 &&
			     strcmp(o->mailbox, a->mailbox) == 0)) {
				err_at(errors, cfg, *g, NULL, "same account or mailbox as [imap %s]", o->name);
				kenchi_imap_account_free(a);
				a = NULL;
				break;
			}
		}
		if (a)
			g_ptr_array_add(out, a);
	}
	g_strfreev(groups);
	return out;
}

const kenchi_imap_account_t *
kenchi_imap_account_find(GPtrArray *accounts, const char *name)
{
	guint i;

	if (accounts == NULL || accounts->len == 0)
		return NULL;
	if (name == NULL)
		return accounts->pdata[0];
	for (i = 0; i < accounts->len; i++) {
		const kenchi_imap_account_t *a = accounts->pdata[i];
		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}
