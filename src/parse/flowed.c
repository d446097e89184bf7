/* flowed.c: format=flowed decoding (see flowed.h). */
#include <string.h>
#include "parse/flowed.h"

char *
kenchi_flowed_decode(const char *text, gboolean delsp)
{
	GString *out = g_string_sized_new(strlen(text) + 1);
	const char *p = text;
	gboolean joining = FALSE;   /* the line before was flowed */
	gsize join_depth = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *q = p;
		gsize depth;

		if (end > p && end[-1] == '\r')
			end--;
		while (q < end && *q == '>')
			q++;
		depth = (gsize)(q - p);
		if (joining && depth != join_depth)
			g_string_append_c(out, '\n');   /* a flowed line ends where the quoting changes */
		if ((!joining || depth != join_depth) && depth > 0) {
			/* The quote marks stay, once, followed by a space as a
			 * quoted line that is not flowed has it. */
			g_string_append_len(out, p, (gssize)depth);
			g_string_append_c(out, ' ');
		}
		/* Space-stuffing: the writer put a space before a line that began
		 * with a space, ">" or "From ". */
		if (q < end && *q == ' ')
			q++;
		g_string_append_len(out, q, end - q);
		/* Flowed: ends in a space, and is not the signature separator "-- ". */
		if (end > q && end[-1] == ' ' && !(end - q == 3 && memcmp(q, "-- ", 3) == 0)) {
			if (delsp)
				g_string_truncate(out, out->len - 1);
			joining = TRUE;
			join_depth = depth;
		} else {
			g_string_append_c(out, '\n');
			joining = FALSE;
		}
		p = nl ? nl + 1 : end + (*end == '\r');
	}
	if (joining)
		g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}
