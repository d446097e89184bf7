/* import_list.c: what `kenchi import` walks.  A directory with cur/ or new/
 * is a maildir (both are taken: an import is a backlog, read or not); any
 * other directory is walked for files; a file starting "From " is an mbox;
 * everything else is one message or one JSON document. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include "source/import_list.h"

void
kenchi_import_item_free(kenchi_import_item_t *it)
{
	if (it == NULL)
		return;
	if (it->origin != it->path)
		g_free(it->origin);
	g_free(it->path);
	if (it->data)
		g_bytes_unref(it->data);
	g_free(it);
}

static void
add_file(GPtrArray *items, const char *path)
{
	kenchi_import_item_t *it = g_new0(kenchi_import_item_t, 1);

	/* A file's origin is its path: one string, so that a backlog of 100k
	 * files costs less memory while listed. */
	it->path = g_strdup(path);
	it->origin = it->path;
	g_ptr_array_add(items, it);
}

static gboolean
is_mbox(const char *path)
{
	char buf[5];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL)
		return FALSE;
	n = fread(buf, 1, 5, fp);
	fclose(fp);
	return n == 5 && memcmp(buf, "From ", 5) == 0;
}

/* Does [p, end) hold a line ">From ", ">>From "...? */
static gboolean
has_quoted_from(const char *p, const char *end)
{
	while ((p = memchr(p, '\n', end - p)) != NULL && ++p < end) {
		const char *q = p;
		while (q < end && *q == '>')
			q++;
		if (q > p && end - q >= 5 && memcmp(q, "From ", 5) == 0)
			return TRUE;
	}
	return FALSE;
}

void
kenchi_mbox_split(GBytes *data, const char *origin, GPtrArray *items)
{
	gsize len;
	const char *base = g_bytes_get_data(data, &len), *p = base, *end = base + len;
	int n = 0;

	while (p < end) {
		const char *start, *next = NULL, *q;
		kenchi_import_item_t *it;

		/* p is at a "From " line: the message starts after it. */
		q = memchr(p, '\n', end - p);
		start = q ? q + 1 : end;
		for (q = start; q && q < end; ) {
			const char *nl = memchr(q, '\n', end - q);
			if (nl == NULL)
				break;
			if (nl + 6 <= end && memcmp(nl + 1, "From ", 5) == 0) {
				next = nl + 1;
				break;
			}
			q = nl + 1;
		}
		if (next == NULL)
			next = end;
		it = g_new0(kenchi_import_item_t, 1);
		it->origin = g_strdup_printf("%s:%d", origin, ++n);
		if (!has_quoted_from(start, next)) {
			it->data = g_bytes_new_from_bytes(data, start - base, next - start);
		} else {
			/* mboxrd: one level of ">From " quoting is the mbox's, not the mail's. */
			GString *s = g_string_sized_new(next - start);
			const char *l = start;
			while (l < next) {
				const char *nl = memchr(l, '\n', next - l);
				const char *e = nl ? nl + 1 : next;
				if (e - l >= 6 && l[0] == '>' && strncmp(l + 1 + strspn(l + 1, ">"), "From ", 5) == 0)
					l++;
				g_string_append_len(s, l, e - l);
				l = e;
			}
			it->data = g_bytes_new_take(s->str, s->len);
			g_string_free(s, FALSE);
		}
		g_ptr_array_add(items, it);
		p = next;
	}
}

static int
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static kenchi_status_t list_at(const char *path, GPtrArray *items, GError **error, int depth);

/* PATH is a file: an mbox is split, anything else is one item. */
static kenchi_status_t
add_regular(const char *path, GPtrArray *items, GError **error)
{
	if (is_mbox(path)) {
		GMappedFile *mf = g_mapped_file_new(path, FALSE, error);
		GBytes *b;
		if (mf == NULL)
			return KENCHI_IO;
		b = g_mapped_file_get_bytes(mf);
		g_mapped_file_unref(mf);
		kenchi_mbox_split(b, path, items);
		g_bytes_unref(b);
		return KENCHI_OK;
	}
	add_file(items, path);
	return KENCHI_OK;
}

static kenchi_status_t
walk_dir(const char *dir, GPtrArray *items, GError **error, int depth)
{
	GDir *d = g_dir_open(dir, 0, error);
	GPtrArray *names;
	const char *name;
	guint i;
	kenchi_status_t rc = KENCHI_OK;

	if (d == NULL)
		return KENCHI_IO;
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d)) != NULL)
		if (name[0] != '.')
			g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_str);
	for (i = 0; i < names->len && rc == KENCHI_OK; i++) {
		char *p = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
		/* Directories below 8 levels are not walked: a symlink loop
		 * must end, and no maildir tree is that deep. */
		GStatBuf sb;
		/* One stat a name, and a file goes straight to add_regular(): a
		 * maildir holds many.  g_stat() follows symlinks as the
		 * G_FILE_TEST_IS_* tests did; a name gone since the listing is
		 * skipped, as before. */
		if (g_stat(p, &sb) != 0) {
			/* skipped */
		} else if (S_ISDIR(sb.st_mode)) {
			if (strcmp(g_ptr_array_index(names, i), "tmp") != 0 && depth < 8)
				rc = list_at(p, items, error, depth + 1);
		} else if (S_ISREG(sb.st_mode)) {
			rc = add_regular(p, items, error);
		}
		g_free(p);
	}
	g_ptr_array_unref(names);
	return rc;
}

kenchi_status_t
kenchi_import_list(const char *path, GPtrArray *items, GError **error)
{
	return list_at(path, items, error, 0);
}

static kenchi_status_t
list_at(const char *path, GPtrArray *items, GError **error, int depth)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		char *cur = g_build_filename(path, "cur", NULL), *new_ = g_build_filename(path, "new", NULL);
		kenchi_status_t rc = KENCHI_OK;

		if (g_file_test(cur, G_FILE_TEST_IS_DIR) || g_file_test(new_, G_FILE_TEST_IS_DIR)) {
			/* A maildir: new/ first (older deliveries first is not knowable). */
			if (g_file_test(new_, G_FILE_TEST_IS_DIR))
				rc = walk_dir(new_, items, error, 8);
			if (rc == KENCHI_OK && g_file_test(cur, G_FILE_TEST_IS_DIR))
				rc = walk_dir(cur, items, error, 8);
		} else {
			rc = walk_dir(path, items, error, depth);
		}
		g_free(cur);
		g_free(new_);
		return rc;
	}
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no such file or directory", path);
		return KENCHI_IO;
	}
	return add_regular(path, items, error);
}
