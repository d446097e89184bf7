/* token.c: case tokens.  The key file must not be readable by group or
 * others: a token is only as secret as its key. */
#include <string.h>
#include <sys/stat.h>
#include "reply/token.h"
#include "util/hash.h"

kenchi_status_t
kenchi_token_key(const kenchi_config_t *cfg, kenchi_store_t *st, guchar **key, gsize *len, char **errmsg)
{
	GBytes *b = NULL;
	kenchi_status_t rc;

	if (cfg->token_key_file) {
		struct stat sb;
		GError *err = NULL;
		char *text = NULL;

		if (stat(cfg->token_key_file, &sb) != 0) {
			*errmsg = g_strdup_printf("%s: cannot read the token key", cfg->token_key_file);
			return KENCHI_CONFIG;
		}
		if (sb.st_mode & 077) {
			*errmsg = g_strdup_printf("%s: token key readable by group or others (chmod 600)", cfg->token_key_file);
			return KENCHI_CONFIG;
		}
		if (!g_file_get_contents(cfg->token_key_file, &text, len, &err)) {
			*errmsg = g_strdup(err->message);
			g_error_free(err);
			return KENCHI_CONFIG;
		}
		g_strstrip(text);
		*len = strlen(text);
		if (*len < 16) {
			*errmsg = g_strdup_printf("%s: token key shorter than 16 characters", cfg->token_key_file);
			g_free(text);
			return KENCHI_CONFIG;
		}
		*key = (guchar *)text;
		return KENCHI_OK;
	}
	rc = kenchi_store_meta_get(st, "token_key", &b);
	if (rc == KENCHI_NOT_FOUND) {
		guchar k[32];
		for (gsize i = 0; i < sizeof k; i += 4) {
			guint32 r = g_random_int();
			memcpy(k + i, &r, 4);
		}
		rc = kenchi_store_meta_set(st, "token_key", k, sizeof k);
		if (rc != KENCHI_OK)
			return rc;
		*key = g_memdup2(k, sizeof k);
		*len = sizeof k;
		return KENCHI_OK;
	}
	if (rc != KENCHI_OK)
		return rc;
	*key = g_memdup2(g_bytes_get_data(b, len), g_bytes_get_size(b));
	g_bytes_unref(b);
	return KENCHI_OK;
}

/* A GHmac keyed with the last key asked for, copied for each token: the
 * key's two blocks are hashed once, not for every case (a report and its
 * notice each carry a token). */
static GMutex keyed_lock;
static GHmac *keyed;
static guchar *keyed_key;
static gsize keyed_len;

static GHmac *
hmac_for(const guchar *key, gsize len)
{
	GHmac *h;

	g_mutex_lock(&keyed_lock);
	if (keyed == NULL || keyed_len != len || memcmp(keyed_key, key, len) != 0) {
		if (keyed)
			g_hmac_unref(keyed);
		g_free(keyed_key);
		keyed = g_hmac_new(G_CHECKSUM_SHA256, key, len);
		keyed_key = g_memdup2(key, len);
		keyed_len = len;
	}
	h = g_hmac_copy(keyed);
	g_mutex_unlock(&keyed_lock);
	return h;
}

char *
kenchi_token_for_case(const guchar *key, gsize len, gint64 case_id)
{
	char msg[48];
	guint8 digest[32];
	gsize dlen = sizeof digest;
	GHmac *h = hmac_for(key, len);

	g_snprintf(msg, sizeof msg, "kenchi-case:%" G_GINT64_FORMAT, case_id);
	g_hmac_update(h, (const guchar *)msg, strlen(msg));
	/* the first KENCHI_TOKEN_LEN digits of what g_hmac_get_string writes */
	g_hmac_get_digest(h, digest, &dlen);
	g_hmac_unref(h);
	return kenchi_hex_prefix(digest, dlen, KENCHI_TOKEN_LEN);
}

gboolean
kenchi_token_check(const guchar *key, gsize len, gint64 case_id, const char *claimed)
{
	char *want = kenchi_token_for_case(key, len, case_id);
	guint diff = 0;
	gsize i;

	if (claimed == NULL || strlen(claimed) != KENCHI_TOKEN_LEN) {
		g_free(want);
		return FALSE;
	}
	for (i = 0; i < KENCHI_TOKEN_LEN; i++)
		diff |= (guchar)want[i] ^ (guchar)g_ascii_tolower(claimed[i]);
	g_free(want);
	return diff == 0;
}
