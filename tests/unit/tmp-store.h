/* tmp-store.h: a database in a fresh temporary directory for the store's
 * unit tests, and its removal with the WAL and shared-memory files. */
#ifndef KENCHI_TEST_TMP_STORE_H
#define KENCHI_TEST_TMP_STORE_H

#include <glib.h>
#include <glib/gstdio.h>
#include "store/store.h"

typedef struct {
	char *dir, *path;
	kenchi_store_t *st;
} tmp_store_t;

/* Open a new database; NULL st (with *ERR set) when it does not open. */
static inline tmp_store_t
tmp_store_open(char **err)
{
	tmp_store_t t = { g_dir_make_tmp("kenchi-unit-XXXXXX", NULL), NULL, NULL };

	if (t.dir) {
		t.path = g_build_filename(t.dir, "k.db", NULL);
		if (kenchi_store_open(t.path, 1000, &t.st, err) != KENCHI_OK)
			t.st = NULL;
	}
	return t;
}

static inline void
tmp_store_remove(tmp_store_t *t)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };

	kenchi_store_close(t->st);
	for (gsize i = 0; t->path && i < G_N_ELEMENTS(suffix); i++) {
		char *f = g_strconcat(t->path, suffix[i], NULL);
		g_unlink(f);
		g_free(f);
	}
	if (t->dir)
		g_rmdir(t->dir);
	g_free(t->path);
	g_free(t->dir);
}

#endif
