/* vfs.c: the SQLite VFS that kenchi opens its database with: the default
 * one, except that an existing WAL is opened without SQLITE_OPEN_CREATE.
 *
 * Why: SQLite syncs the directory at the first sync of a WAL opened with
 * CREATE, so that a new file's name survives a power cut - and it opens
 * the WAL with CREATE always.  kenchi keeps the WAL between connections
 * (PERSIST_WAL, store.c), so its name is durable since the connection that
 * created it synced; the directory sync cost each delivery hook, one
 * process per message, one more fdatasync: 0.1-0.3 ms of strace -T on
 * this disk, beside 0.45 ms for the commit's own. */
#include <unistd.h>
#include <glib.h>
#include "store/store_int.h"

static sqlite3_vfs kvfs;
static sqlite3_vfs *base;

static int
open_existing_wal(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out)
{
	(void)vfs;
	if ((flags & SQLITE_OPEN_WAL) && (flags & SQLITE_OPEN_CREATE) && name && access(name, F_OK) == 0) {
		int r = base->xOpen(base, name, file, flags & ~SQLITE_OPEN_CREATE, out);
		/* Gone since access(): a sqlite3 shell that closed it last
		 * deletes it.  Create it, as SQLite would. */
		if (r != SQLITE_CANTOPEN)
			return r;
	}
	return base->xOpen(base, name, file, flags, out);
}

const char *
kenchi_store_vfs(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		const char *name = NULL;
		if ((base = sqlite3_vfs_find(NULL)) != NULL) {
			/* Everything else is the default VFS's own, its pAppData
			 * too: only xOpen is ours, and it calls the original. */
			kvfs = *base;
			kvfs.zName = "kenchi";
			kvfs.pNext = NULL;
			kvfs.xOpen = open_existing_wal;
			if (sqlite3_vfs_register(&kvfs, 0) == SQLITE_OK)
				name = kvfs.zName;
		}
		g_once_init_leave(&once, name ? 1 : 2);
	}
	return once == 1 ? kvfs.zName : NULL;   /* NULL: SQLite's default */
}
