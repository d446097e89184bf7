/* hash.c: SHA-256 through nettle (see hash.h for why not GChecksum). */
#include <nettle/sha2.h>
#include "util/hash.h"

struct kenchi_sha256 {
	struct sha256_ctx ctx;
};

kenchi_sha256_t *
kenchi_sha256_new(void)
{
	kenchi_sha256_t *h = g_new(kenchi_sha256_t, 1);

	sha256_init(&h->ctx);
	return h;
}

void
kenchi_sha256_update(kenchi_sha256_t *h, const void *p, gsize n)
{
	sha256_update(&h->ctx, n, p);
}

char *
kenchi_hex_prefix(const guint8 *d, gsize n, gsize hexlen)
{
	static const char hex[] = "0123456789abcdef";
	char *s;
	gsize i;

	if (hexlen > 2 * n)
		hexlen = 2 * n;
	s = g_malloc(hexlen + 1);
	for (i = 0; i < hexlen; i++)
		s[i] = hex[(d[i / 2] >> (i % 2 ? 0 : 4)) & 0xF];
	s[hexlen] = '\0';
	return s;
}

char *
kenchi_sha256_finish(kenchi_sha256_t *h, gsize hexlen)
{
	guint8 d[SHA256_DIGEST_SIZE];

	sha256_digest(&h->ctx, sizeof d, d);
	g_free(h);
	return kenchi_hex_prefix(d, sizeof d, hexlen);
}

char *
kenchi_sha256_hex(const void *p, gsize n)
{
	kenchi_sha256_t *h = kenchi_sha256_new();

	kenchi_sha256_update(h, p, n);
	return kenchi_sha256_finish(h, 2 * SHA256_DIGEST_SIZE);
}

gint64
kenchi_hash64(const void *p, gsize n)
{
	struct sha256_ctx ctx;
	guint8 d[SHA256_DIGEST_SIZE];
	guint64 v = 0;
	int i;

	sha256_init(&ctx);
	sha256_update(&ctx, n, p);
	sha256_digest(&ctx, sizeof d, d);
	for (i = 0; i < 8; i++)
		v = v << 8 | d[i];
	return (gint64)v;
}
