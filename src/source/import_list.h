/* import_list.h: walk import arguments (maildirs, directories, mbox files,
 * message files, API JSON files) and hand out one item to ingest at a time.
 * Messages of an mbox are slices of the file's bytes; other items are paths
 * read later, in the worker threads.
 *
 * The walk streams: memory does not grow with the number of messages, only
 * with the names of one chunk of one directory (16,384 names, sorted; a
 * bigger directory is taken chunk by chunk, each sorted, in the order the
 * file system lists them). */
#ifndef KENCHI_IMPORT_LIST_H
#define KENCHI_IMPORT_LIST_H

#include <glib.h>
#include "util/status.h"

typedef struct {
	char *origin;          /* path, or "path:N" for the Nth message of an mbox; owned */
	char *path;            /* file to read, or NULL when DATA is set; owned */
	GBytes *data;          /* the message bytes of an mbox slice (own ref), or NULL */
} kenchi_import_item_t;

void kenchi_import_item_free(kenchi_import_item_t *it);

typedef struct kenchi_import_walk kenchi_import_walk_t;

/* A walk over PATHS[0..N) (not copied: they must outlive the walk). */
kenchi_import_walk_t *kenchi_import_walk_new(char **paths, int n);
/* The next item in *ITEM (the caller frees it), or *ITEM = NULL at the end.
 * KENCHI_IO with *ERROR when a path cannot be read; the walk is over then. */
kenchi_status_t kenchi_import_walk_next(kenchi_import_walk_t *w, kenchi_import_item_t **item, GError **error);
void kenchi_import_walk_free(kenchi_import_walk_t *w);
/* How many entries of the directories walked were skipped as no file to
 * read (a FIFO, a device, a socket) or unreachable (a symlink loop, a link
 * out of the tree, no access); *FIRST, the first one's path (the walk's),
 * or NULL; *DENIED, how many of them were folders that could not be read
 * (their files were not: the import says it failed in part). */
guint64 kenchi_import_walk_skipped(const kenchi_import_walk_t *w, const char **first, guint64 *denied);

/* Files of the database at DB (DB, DB-wal, DB-shm, DB-journal) are no
 * input: `kenchi import .` beside kenchi.db stored the database as mail. */
void kenchi_import_walk_exclude_db(kenchi_import_walk_t *w, const char *db);

/* From now on the walk opens no file: each file is an item, and whoever
 * reads it says when it is an mbox (kenchi_is_mbox), handing its bytes
 * back with kenchi_import_walk_add_mbox.  An import's parser threads read
 * every file anyway; the walk runs on the storing thread, where sniffing
 * each file first was an open, a read and a close more per message. */
void kenchi_import_walk_defer_mbox(kenchi_import_walk_t *w);
/* The file PATH, read into DATA, is an mbox: its messages are the walk's
 * next items, before the rest of the walk.  Takes a reference to DATA. */
void kenchi_import_walk_add_mbox(kenchi_import_walk_t *w, const char *path, GBytes *data);

#endif
