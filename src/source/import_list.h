/* import_list.h: turn import arguments (maildirs, directories, mbox files,
 * message files, API JSON files) into a flat list of items to ingest.
 * Messages of an mbox are slices of one mapped file; other items are paths
 * read later, in the worker threads. */
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

/* Append the items of PATH to ITEMS (kenchi_import_item_t*).  *error says
 * what could not be read; returns KENCHI_IO then. */
kenchi_status_t kenchi_import_list(const char *path, GPtrArray *items, GError **error);

/* Split an mbox held in DATA into messages (each a GBytes sub-range with
 * the "From " line removed and ">From " unescaped where present). */
void kenchi_mbox_split(GBytes *data, const char *origin, GPtrArray *items);

#endif
