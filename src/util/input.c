/* input.c: see input.h. */
#include <errno.h>
#include "util/input.h"

kenchi_status_t
kenchi_read_all(FILE *fp, GByteArray **out)
{
	GByteArray *arr = g_byte_array_sized_new(16384);
	guint8 buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		g_byte_array_append(arr, buf, (guint)n);
	if (ferror(fp)) {
		int e = errno;
		g_byte_array_unref(arr);
		return (e == ENOMEM || e == EINTR || e == EAGAIN) ? KENCHI_TEMP : KENCHI_IO;
	}
	*out = arr;
	return KENCHI_OK;
}
