/* mime_qp.c: quoted-printable decoding for mime.c's leaf parts, with the
 * blanks at each line's end left out first, as RFC 2045 6.7 asks of a
 * decoder and GMime's filter does not do. */
#include <string.h>
#include <gmime/gmime.h>
#include "parse/mime_int.h"

/* Quoted-printable read from SRC and decoded onto ARR, up to CAP bytes,
 * the white space at each line's end left out first as RFC 2045 6.7 says
 * a decoder must: a gateway that pads its lines put a tab after a soft
 * break's "=", which GMime's decoder read as text ("W32.Generi=" /
 * "cKD...", "C:\\Us= ers"; rt24 D2).  Streamed: a 50 MB body costs no more
 * than CAP (bench/hostile). */
typedef struct {
	guint8 in[65536];
	gsize o;
	int state;
	guint32 save;
	GByteArray *arr;
} qp_t;

/* N bytes at P into the decoder's input, decoded onto ARR when it fills. */
static void
qp_put(qp_t *q, const guint8 *p, gsize n)
{
	while (n > 0) {
		gsize k = MIN(n, sizeof q->in - q->o);

		memcpy(q->in + q->o, p, k);
		q->o += k;
		p += k;
		n -= k;
		if (q->o == sizeof q->in) {
			guint at = q->arr->len;

			g_byte_array_set_size(q->arr, at + (guint)q->o + 4);
			g_byte_array_set_size(q->arr, at + (guint)g_mime_encoding_quoted_decode_step(q->in, q->o,
			    q->arr->data + at, &q->state, &q->save));
			q->o = 0;
		}
	}
}

void
kenchi_mime_qp_read(GMimeStream *src, gsize cap, GByteArray *arr, gboolean *truncated)
{
	static const guint8 spaces[64] = "                                                                ";   /* 64, no NUL */
	guint8 buf[65536];
	qp_t *q = g_new0(qp_t, 1);
	/* the blanks not known yet to end a line: the first 4096 as they
	 * are, the rest counted (rev94 #19: past 4096 they were passed on) */
	GByteArray *pend = g_byte_array_new();
	gsize over = 0;
	gssize n;

	q->arr = arr;
	while (arr->len < cap && (n = g_mime_stream_read(src, (char *)buf, sizeof buf)) > 0) {
		for (gssize i = 0; i < n; i++) {
			guint8 c = buf[i];

			if (c == ' ' || c == '\t' || c == '\r') {
				if (pend->len < 4096)
					g_byte_array_append(pend, &c, 1);
				else
					over++;
				continue;
			}
			if (c == '\n') {
				g_byte_array_set_size(pend, 0);
				over = 0;
			} else {
				qp_put(q, pend->data, pend->len);
				g_byte_array_set_size(pend, 0);
				for (; over > 0; over -= MIN(over, sizeof spaces))
					qp_put(q, spaces, MIN(over, sizeof spaces));
			}
			qp_put(q, &c, 1);
		}
	}
	if (q->o > 0) {
		guint at = arr->len;

		g_byte_array_set_size(arr, at + (guint)q->o + 4);
		g_byte_array_set_size(arr, at + (guint)g_mime_encoding_quoted_decode_step(q->in, q->o, arr->data + at,
		    &q->state, &q->save));
	}
	if (arr->len >= cap && !g_mime_stream_eos(src))
		*truncated = TRUE;
	if (arr->len > cap) {
		g_byte_array_set_size(arr, (guint)cap);
		*truncated = TRUE;
	}
	g_byte_array_free(pend, TRUE);
	g_free(q);
}
