/* notes.h: a person's note after a value of a forwarded alert (notes.c). */
#ifndef KENCHI_NOTES_H
#define KENCHI_NOTES_H

#include <glib.h>
#include "parse/event.h"

/* VALUE of field F without the note a person wrote after it (an arrow, or
 * "※" where F's values cannot hold one: doc/VIOLATIONS.md), or NULL when
 * it has none.  g_free. */
char *kenchi_note_drop(const char *value, kenchi_field_t f);

/* HOST, a computer's name as read (ASCII forms already), without what a
 * person wrote after it in brackets, after " - " or after "//": "PC-01
 * (CFO's laptop)", "PC-01 [VIP]", "PC-01【社長】", "PC-01 - Windows 10",
 * or NULL when there is none.  g_free. */
char *kenchi_note_drop_host(const char *host);
/* HOST without a console link's words after it ("PC-01 (View computer)"),
 * as a copy; NULL when it has none. */
char *kenchi_note_drop_host_link(const char *host);

/* Does a person's "※" note begin the N bytes at Q, after spaces ("※",
 * "(※", "（※")?  A line under a value that begins so is no rest of it. */
gboolean kenchi_note_mark(const char *q, gsize n);

/* A note the single values kept, seen from the file's name and path
 * together (round 27b): a name "a.exe ※元はa.pdf" whose path ends in
 * "\a.exe" is "a.exe"; a path "...\a.exe ※C:\Temp にも" or
 * "...\a.exe※USB経由" of a file named "a.exe" ends at the name. */
void kenchi_note_drop_file_pair(kenchi_event_t *ev);

#endif
