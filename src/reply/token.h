/* token.h: the case token that authenticates an analyst's reply: a
 * truncated HMAC-SHA256 of the case id under the SOC's secret key.  It
 * travels in the plus-address of the analyst notice's Reply-To and in its
 * subject tag; a reply commands a case only when it carries that case's
 * token (and its From is an analyst, and, when required, DKIM/DMARC pass). */
#ifndef KENCHI_TOKEN_H
#define KENCHI_TOKEN_H

#include <glib.h>
#include "util/status.h"
#include "util/config.h"
#include "store/store.h"

#define KENCHI_TOKEN_LEN 12   /* hex characters: 48 bits, enough against guessing by mail */

/* The key: from [soc] token_key_file (refused unless mode 0600 or stricter),
 * else a random key kept in the database's meta table, created on first use.
 * *key is g_free'd by the caller. */
kenchi_status_t kenchi_token_key(const kenchi_config_t *cfg, kenchi_store_t *st, guchar **key, gsize *len,
				 char **errmsg);
/* Token of CASE_ID (g_free). */
char *kenchi_token_for_case(const guchar *key, gsize len, gint64 case_id);
/* Constant-time comparison of a claimed token with the right one. */
gboolean kenchi_token_check(const guchar *key, gsize len, gint64 case_id, const char *claimed);

#endif
