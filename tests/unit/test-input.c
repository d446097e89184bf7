/* Unit tests for src/util/input.c kenchi_read_file (cmocka): a small file is
 * read, a large one mapped, and both give the same bytes; the errors are
 * G_FILE_ERROR with the errno's code, as the callers test for NOENT. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include "util/input.h"

static char *dir;

static char *
write_file(const char *name, gsize n)
{
	char *path = g_build_filename(dir, name, NULL);
	char *data = g_malloc(n + 1);

	for (gsize i = 0; i < n; i++)
		data[i] = (char)('a' + i % 23);
	if (n > 0)
		data[n / 2] = '\0';   /* a NUL inside is kept */
	assert_true(g_file_set_contents(path, data, (gssize)n, NULL));
	g_free(data);
	return path;
}

static void
check_size(gsize n)
{
	char *path = write_file("f", n), *want;
	gsize want_len;
	GError *err = NULL;
	GBytes *b = kenchi_read_file(path, &err);
	gsize len;
	const char *got;

	assert_null(err);
	assert_non_null(b);
	got = g_bytes_get_data(b, &len);
	assert_true(g_file_get_contents(path, &want, &want_len, NULL));
	assert_int_equal(len, want_len);
	assert_int_equal(len, n);
	if (n > 0)
		assert_memory_equal(got, want, n);
	g_free(want);
	g_bytes_unref(b);
	g_unlink(path);
	g_free(path);
}

static void
test_sizes(void **state)
{
	(void)state;
	check_size(0);
	check_size(1);
	check_size(4321);
	check_size(1024 * 1024);   /* the largest that was read, once */
	check_size(1024 * 1024 + 1);   /* it was mapped: read now */
	check_size(3 * 1024 * 1024 + 7);
}

static void
test_missing(void **state)
{
	char *path = g_build_filename(dir, "absent", NULL);
	GError *err = NULL;

	(void)state;
	assert_null(kenchi_read_file(path, &err));
	assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT));
	assert_non_null(strstr(err->message, "absent"));
	g_error_free(err);
	g_free(path);
}

static void
test_directory(void **state)
{
	GError *err = NULL;

	(void)state;
	/* Not a regular file: refused. */
	assert_null(kenchi_read_file(dir, &err));
	assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_ISDIR));
	g_error_free(err);
}

/* A FIFO with no writer, and a device that never ends: refused at once,
 * not waited on or read for ever (the test would hang without it). */
static void
test_not_regular(void **state)
{
	GError *err = NULL;
	char *fifo = g_build_filename(dir, "fifo", NULL);

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_null(kenchi_read_file(fifo, &err));
	assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_INVAL));
	assert_non_null(strstr(err->message, "not a regular file"));
	g_clear_error(&err);
	assert_null(kenchi_read_file("/dev/zero", &err));
	assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_INVAL));
	g_clear_error(&err);
	g_unlink(fifo);
	g_free(fifo);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_not_regular),
	};
	int rc;

	dir = g_dir_make_tmp("kenchi-input-XXXXXX", NULL);
	assert_non_null(dir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_rmdir(dir);
	g_free(dir);
	return rc;
}
