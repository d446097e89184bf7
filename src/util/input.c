/* input.c: see input.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "util/input.h"

gsize
kenchi_message_max(void)
{
	const char *v = g_getenv("KENCHI_MESSAGE_MAX");
	guint64 n;

	if (v && g_ascii_string_to_unsigned(v, 10, 1, G_MAXSIZE, &n, NULL))
		return (gsize)n;
	return KENCHI_MESSAGE_MAX_DEFAULT;
}

kenchi_status_t
kenchi_read_all(FILE *fp, GByteArray **out)
{
	GByteArray *arr = g_byte_array_sized_new(16384);
	gsize max = kenchi_message_max();
	guint8 buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
		if (arr->len + n > max) {
			g_byte_array_unref(arr);
			return KENCHI_BAD_INPUT;
		}
		g_byte_array_append(arr, buf, (guint)n);
	}
	if (ferror(fp)) {
		int e = errno;
		g_byte_array_unref(arr);
		return (e == ENOMEM || e == EINTR || e == EAGAIN) ? KENCHI_TEMP : KENCHI_IO;
	}
	*out = arr;
	return KENCHI_OK;
}

static void
file_error(GError **error, int e, const char *what, const char *path)
{
	char *name = g_filename_display_name(path);

	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "Failed to %s file \u201c%s\u201d: %s", what,
	    name, g_strerror(e));
	g_free(name);
}

GBytes *
kenchi_read_file(const char *path, GError **error)
{
	return kenchi_read_file_sniff(path, 0, NULL, error);
}

GBytes *
kenchi_read_file_sniff(const char *path, gsize stream_min, gboolean *is_mbox, GError **error)
{
	struct stat sb;
	char *buf;
	gsize got = 0, cap;
	int fd, e;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer (it is
	 * refused just below, as a device that never ends would be). */
	fd = g_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
	if (fd < 0) {
		file_error(error, errno, "open", path);
		return NULL;
	}
	if (fstat(fd, &sb) != 0) {
		e = errno;
		close(fd);
		file_error(error, e, "get attributes of", path);
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		char *name = g_filename_display_name(path);

		close(fd);
		g_set_error(error, G_FILE_ERROR, S_ISDIR(sb.st_mode) ? G_FILE_ERROR_ISDIR : G_FILE_ERROR_INVAL,
		    "\u201c%s\u201d is not a regular file", name);
		g_free(name);
		return NULL;
	}
	/* Read, never mapped: a mapped file that is truncated meanwhile (an
	 * mbox a mail client compacts, a log rotated by copytruncate) kills
	 * the process with SIGBUS at the next touch of a page past its new end
	 * (round 33a).  Its pages would count in the peak RSS all the same.
	 * One byte more than the size, to see a file that grew meanwhile: it
	 * is read on to its end; one that shrank ends where it ends. */
	cap = (gsize)sb.st_size + 1;
	buf = g_malloc(cap);
	/* A large mbox is not read here: its reader streams it, and a 312 MB
	 * mailbox held 330 MB (intake round ri1 F5).  Its head tells. */
	if (is_mbox && stream_min && (gsize)sb.st_size >= stream_min) {
		ssize_t n;

		while ((n = read(fd, buf + got, 4096 - got)) > 0 || (n < 0 && errno == EINTR))
			if (n > 0 && (got += (gsize)n) == 4096)
				break;
		if (kenchi_is_mbox(buf, got)) {
			*is_mbox = TRUE;
			g_free(buf);
			close(fd);
			return g_bytes_new(NULL, 0);
		}
	}
	for (;;) {
		ssize_t n;

		if (got == cap) {
			cap = cap < G_MAXSIZE / 2 ? cap * 2 : G_MAXSIZE;
			buf = g_realloc(buf, cap);
		}
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			g_free(buf);
			close(fd);
			file_error(error, e, "read from", path);
			return NULL;
		}
		if (n == 0)
			break;
		got += (gsize)n;
	}
	close(fd);
	return g_bytes_new_take(buf, got);
}
