/* adopt.h: a later copy of an event that is stored already (the same AMP
 * event by mail and by API), and what that copy may still change.  Owned
 * here: the rules that let it - an event no customer took goes to the
 * customer the later copy names, with the other events of its machine that
 * no customer took either; a customer's event takes the fields the later
 * copy adds.  kenchi_ingest_store() calls these inside its transaction. */
#ifndef KENCHI_ADOPT_H
#define KENCHI_ADOPT_H

#include <glib.h>
#include "util/config.h"
#include "util/status.h"
#include "parse/event.h"
#include "store/store.h"
#include "case/correlate.h"

typedef struct {
	gboolean adopt;       /* the stored event, no customer's, goes to this copy's customer */
	gboolean enrich;      /* the stored event, this customer's, takes what this copy adds */
	gint64 old_case;      /* the case the stored event is in, else 0 */
	char *stored_json;    /* its JSON when ADOPT or ENRICH (g_free) */
} kenchi_copy_t;

/* EV, an event that no customer took and whose group none claims: the
 * one customer that has a case of its machine (its connector GUID) in
 * *CUSTOMER (the configuration's), else NULL - none, or several. */
kenchi_status_t kenchi_adopt_owner(const kenchi_config_t *cfg, kenchi_store_t *st, const kenchi_event_t *ev,
				   const char **customer);
/* What EV, a copy of stored event ID that names CUSTOMER, does to it. */
kenchi_status_t kenchi_adopt_check(const kenchi_config_t *cfg, kenchi_store_t *st, gint64 id,
				   const kenchi_event_t *ev, const char *customer, kenchi_copy_t *out);
/* EV, an adopting copy, takes the fields only the stored copy JSON gave;
 * returns whether any was. */
gboolean kenchi_adopt_merge(kenchi_event_t *ev, const char *json);
/* Stored event ID (JSON) in case CASE_ID completed with what EV adds. */
kenchi_status_t kenchi_adopt_enrich(kenchi_store_t *st, gint64 id, gint64 case_id, const kenchi_event_t *ev,
				    const char *json);
/* After EV went from case OLD_CASE to CUSTOMER: the other events of
 * OLD_CASE that no customer took and that name EV's machine go too, each
 * placed in CUSTOMER's cases.  The cases that became reportable are
 * appended to REPORTABLE (gint64), once each; *MOVED counts the events. */
kenchi_status_t kenchi_adopt_siblings(kenchi_cases_t *cx, const kenchi_config_t *cfg, kenchi_store_t *st,
				      gint64 old_case, const kenchi_event_t *ev, const char *customer,
				      gint64 now, GArray *reportable, guint *moved);

#endif
