/* mime_b64.c: base64 decoding for mime.c's leaf parts, each padded
 * quantum ending a piece of its own.
 *
 * Why: a gateway that puts a banner before the alert may encode each
 * piece on its own and write them one after the other, the banner's piece
 * ending in "==" in mid-body.  GMime's decoder reads on past the padding
 * with its bits out of step, and the alert after it came out as noise
 * (rt26 C05: "no event block found").  Here a '=' ends the quantum it
 * pads, and the next character begins a new one.  Streamed: a 50 MB body
 * costs no more than CAP. */
#include <string.h>
#include <gmime/gmime.h>
#include "parse/mime_int.h"

static int
b64_value(guint8 c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

void
kenchi_mime_b64_read(GMimeStream *src, gsize cap, GByteArray *arr, gboolean *truncated)
{
	guint8 in[65536], out[49152 + 3];
	guint32 bits = 0;
	int n = 0;   /* sextets in BITS */
	gssize got;

	while (arr->len < cap && (got = g_mime_stream_read(src, (char *)in, sizeof in)) > 0) {
		gsize o = 0;

		for (gssize i = 0; i < got; i++) {
			int v = b64_value(in[i]);

			if (v >= 0) {
				bits = bits << 6 | (guint32)v;
				if (++n == 4) {
					out[o++] = (guint8)(bits >> 16);
					out[o++] = (guint8)(bits >> 8);
					out[o++] = (guint8)bits;
					bits = 0;
					n = 0;
				}
			} else if (in[i] == '=' && n >= 2) {
				/* the quantum's padding: its bytes, and a new one */
				bits <<= 6 * (4 - n);
				out[o++] = (guint8)(bits >> 16);
				if (n == 3)
					out[o++] = (guint8)(bits >> 8);
				bits = 0;
				n = 0;
			}
		}
		g_byte_array_append(arr, out, (guint)MIN(o, cap - arr->len));
	}
	if (arr->len >= cap && !g_mime_stream_eos(src))
		*truncated = TRUE;
}
