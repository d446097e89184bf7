/* lists.h: the allow and block lists as the case code reads them: which
 * entry an event matches, an event read back from its stored JSON, and the
 * open cases a new entry covers.  The lists themselves are the store's
 * (store.h); what a match does to a case is correlate.c's.  Nothing here
 * prints. */
#ifndef KENCHI_CASE_LISTS_H
#define KENCHI_CASE_LISTS_H

#include <glib.h>
#include "parse/event.h"
#include "store/store.h"
#include "util/status.h"

/* The allow and block lists of CUSTOMER and of every customer ("*"), read
 * once for all the events a placement scores (kenchi_lists_free); NULL with
 * *RC on a store error. */
typedef struct kenchi_lists kenchi_lists_t;
kenchi_lists_t *kenchi_lists_load(kenchi_store_t *st, const char *customer, kenchi_status_t *rc);
/* The first entry of LIST ("allow" or "block") that EV matches, the
 * customer's before "*"'s: "kind value" (g_free), or NULL.  CASE_HOST, the
 * hostname of EV's case or NULL: when EV names that machine without its
 * domain, a host entry may match either name (an entry of PC-Q.acme.local
 * covers the case's alert that said PC-Q; round 49). */
char *kenchi_lists_match(const kenchi_lists_t *ls, const char *list, const kenchi_event_t *ev,
			 const char *case_host);
void kenchi_lists_free(kenchi_lists_t *ls);

/* A stored event read back from its JSON (kenchi_event_free), or NULL. */
kenchi_event_t *kenchi_stored_event(const char *json);

/* The open cases of ENTRY's customer ("*": every customer's) whose every
 * event ENTRY matches, appended to IDS (gint64); for an allow entry, not
 * the escalated ones.  What becomes of them is the caller's: an allow
 * entry suppresses those whose first report has not gone out
 * (report_withdraw.c); a block entry escalates a case at its next event. */
kenchi_status_t kenchi_cases_covered(kenchi_store_t *st, const kenchi_list_row_t *entry, GArray *ids);

#endif
