/* hash.h: SHA-256 for the idempotence keys (raw message, body, event
 * fingerprint).  Nettle rather than GLib's GChecksum: every imported message
 * is hashed twice, and nettle uses the CPU's SHA instructions (a loop over
 * 4 KB inputs on this machine: 1,185 MB/s against GLib's 206 MB/s). */
#ifndef KENCHI_HASH_H
#define KENCHI_HASH_H

#include <glib.h>

typedef struct kenchi_sha256 kenchi_sha256_t;

/* Lower-case hex SHA-256 of P[0..N), g_free. */
char *kenchi_sha256_hex(const void *p, gsize n);

/* Incremental: new, update..., finish (returns the hex digest truncated to
 * HEXLEN characters, g_free, and frees the context). */
kenchi_sha256_t *kenchi_sha256_new(void);
void kenchi_sha256_update(kenchi_sha256_t *h, const void *p, gsize n);
char *kenchi_sha256_finish(kenchi_sha256_t *h, gsize hexlen);

/* The first HEXLEN lower-case hex digits of D[0..N) (at most 2 N), g_free:
 * what g_checksum_get_string or g_hmac_get_string would write, cut short. */
char *kenchi_hex_prefix(const guint8 *d, gsize n, gsize hexlen);

/* The first 8 bytes of the SHA-256 of P[0..N), big-endian, as a signed
 * integer: a short index key for a long value (the store's message keys).
 * Keys of different values can be equal, so a lookup by key compares the
 * value too. */
gint64 kenchi_hash64(const void *p, gsize n);

#endif
