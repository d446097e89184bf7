/* case_related.h: the possible undetected samples of a case's machine
 * that are not in the case itself (case_related.c), for `kenchi case`. */
#ifndef KENCHI_CASE_RELATED_H
#define KENCHI_CASE_RELATED_H

#include <glib.h>
#include "store/store.h"

/* Append to UNKNOWN (char *, g_free) each file of case C's machine, in
 * another case of its customer within WINDOW seconds of C's span, whose
 * disposition is Unknown and which is the parent of a file of C or was
 * started by the same parent.  EVENTS: C's events (JsonNode *). */
kenchi_status_t kenchi_case_related(kenchi_store_t *st, const kenchi_case_row_t *c, gint64 window, GPtrArray *events,
				    GPtrArray *unknown);

#endif
