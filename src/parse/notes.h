/* notes.h: a person's note after a value of a forwarded alert (notes.c). */
#ifndef KENCHI_NOTES_H
#define KENCHI_NOTES_H

#include <glib.h>
#include "parse/event.h"

/* VALUE of field F without the note a person wrote after it (an arrow, or
 * "※" where F's values cannot hold one: doc/VIOLATIONS.md), or NULL when
 * it has none.  g_free. */
char *kenchi_note_drop(const char *value, kenchi_field_t f);

#endif
