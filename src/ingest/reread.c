/* reread.c: other readings of a text than the first (see reread.h): the
 * whole text after a preamble, the mail's own bytes under UTF-16 that
 * Windows PowerShell wrote.  The reading with more events wins. */
#include <string.h>
#include "ingest/reread.h"
#include "ingest/mail_text.h"

/* A's reading becomes MAIL and *X when BETTER (A's old one is freed, or
 * else MAIL and *X are). */
static void
take_if(kenchi_analysis_t *a, kenchi_mail_t *mail, kenchi_extract_t *x, gboolean better)
{
	if (better) {
		kenchi_mail_t *t = a->mail;
		kenchi_extract_t y = a->x;

		a->mail = mail;
		mail = t;
		a->x = *x;
		*x = y;
	}
	kenchi_extract_clear(x);
	kenchi_mail_free(mail);
}

/* Is the text [RAW, RAW+LEN) an alert's, read as a body with no header? */
static gboolean
headless_alert(const kenchi_ingest_ctx_t *ctx, kenchi_re_match_t *m, const char *raw, gsize len)
{
	kenchi_mail_t *t = NULL;
	kenchi_extract_t x;
	gboolean alert;

	if (len == 0 || kenchi_mail_text_headless(raw, len, &t) != KENCHI_OK)
		return FALSE;
	kenchi_extract_init(&x);
	kenchi_extract_mail(ctx->rules, m, t, &x);
	alert = x.kind == KENCHI_KIND_ALERT;
	kenchi_extract_clear(&x);
	kenchi_mail_free(t);
	return alert;
}

void
kenchi_reread_preamble(const kenchi_ingest_ctx_t *ctx, kenchi_re_match_t *m, const char *raw, gsize len,
		       kenchi_analysis_t *a)
{
	kenchi_mail_t *whole = NULL;
	kenchi_extract_t x;
	gboolean paste = headless_alert(ctx, m, raw, MIN(a->mail->preamble, len));

	if (kenchi_mail_text_headless(raw, len, &whole) != KENCHI_OK)
		return;
	whole->no_header = paste;
	kenchi_extract_init(&x);
	kenchi_extract_mail(ctx->rules, m, whole, &x);
	take_if(a, whole, &x, x.kind == KENCHI_KIND_ALERT && x.events->len > a->x.events->len);
}

void
kenchi_reread_utf16_ansi(const kenchi_ingest_ctx_t *ctx, kenchi_re_match_t *m, const char *raw, gsize len,
			 kenchi_analysis_t *a)
{
	gsize ul = 0, bl = 0;
	char *u, *b = NULL;
	kenchi_mail_t *mail = NULL;
	kenchi_extract_t x;
	kenchi_headless_t headless = KENCHI_HEADLESS_NOT;
	const char *why = NULL;
	static const char *const ansi[] = { "CP932", "CP1252", NULL };

	/* Only a reading that lost an alert or decoded short is tried again. */
	if (a->x.kind == KENCHI_KIND_ALERT && !a->mail->lossy)
		return;
	if ((u = kenchi_mail_text_utf16(raw, len, &ul)) == NULL)
		return;
	for (int i = 0; b == NULL && ansi[i]; i++)
		b = g_convert(u, (gssize)ul, ansi[i], "UTF-8", NULL, &bl, NULL);
	if (b == NULL || (bl == ul && memcmp(b, u, ul) == 0)) {
		g_free(u);
		g_free(b);
		return;
	}
	g_free(u);
	if (kenchi_mail_text_parse(b, bl, &mail, &why, &headless) == KENCHI_OK) {
		kenchi_extract_init(&x);
		kenchi_extract_mail(ctx->rules, m, mail, &x);
		take_if(a, mail, &x, x.kind == KENCHI_KIND_ALERT &&
		    (x.events->len > a->x.events->len || a->x.kind != KENCHI_KIND_ALERT ||
		     (x.events->len == a->x.events->len && a->mail->lossy && !mail->lossy)));
	}
	g_free(b);
}
