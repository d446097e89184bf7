/* adopt.h: a later copy of an event that is stored already (the same AMP
 * event by mail and by API), and what that copy may still change.  Owned
 * here: the rules that let it - an event no customer took goes to the
 * customer the later copy names, unless the machine is another customer's;
 * a customer's event takes the fields the later copy adds.  And what a
 * machine's connector GUID decides: the events of a customer's machine in
 * groups that no customer claims are that customer's.  kenchi_ingest_store()
 * calls these inside its transaction. */
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
	gboolean twin;        /* in: the stored event is this one under the other kind of uid */
} kenchi_copy_t;

/* The stored copy of EV (uid UID, FINGERPRINT, named CUSTOMER) under the
 * other kind of uid (store.h kenchi_store_event_find_twin), CUSTOMER's or
 * one no customer took: *ID and *TWIN_UID (g_free); KENCHI_NOT_FOUND. */
kenchi_status_t kenchi_adopt_twin(kenchi_store_t *st, const kenchi_event_t *ev, const char *uid,
				  const char *fingerprint, const char *customer, gint64 *id, char **twin_uid);

/* The one customer whose cases have the machine of EV (an event whose
 * group no customer claims), by its connector GUID: *CUSTOMER (the
 * configuration's), else NULL; *SEVERAL when two customers' cases have it. */
kenchi_status_t kenchi_adopt_owner(const kenchi_config_t *cfg, kenchi_store_t *st, const kenchi_event_t *ev,
				   const char **customer, gboolean *several);
/* Whether EV's own group names CUSTOMER, or no customer at all (not two):
 * a --customer that its group does not gainsay. */
gboolean kenchi_adopt_group_allows(const kenchi_config_t *cfg, const kenchi_event_t *ev, const char *customer);
/* What EV, a copy of stored event ID that names CUSTOMER, does to it.
 * OUT->twin is read: set it (else zero OUT) before. */
kenchi_status_t kenchi_adopt_check(const kenchi_config_t *cfg, kenchi_store_t *st, gint64 id,
				   const kenchi_event_t *ev, const char *customer, kenchi_copy_t *out);
/* EV, an adopting copy, takes the fields only the stored copy JSON gave;
 * returns whether any was. */
gboolean kenchi_adopt_merge(kenchi_event_t *ev, const char *json);
/* Stored event ID (JSON) in case CASE_ID completed with what EV adds. */
kenchi_status_t kenchi_adopt_enrich(kenchi_store_t *st, gint64 id, gint64 case_id, const kenchi_event_t *ev,
				    const char *json);
/* EV, just placed in a case of CUSTOMER, which its own group or its
 * mailbox named: the events of its machine (its connector GUID) in
 * unassigned cases whose group no customer claims go to CUSTOMER too,
 * each placed in its cases - unless another customer's cases have that
 * GUID.  The cases that became reportable are appended to REPORTABLE
 * (gint64), once each; *MOVED counts the events. */
kenchi_status_t kenchi_adopt_machine(kenchi_cases_t *cx, const kenchi_config_t *cfg, kenchi_store_t *st,
				     const kenchi_event_t *ev, const char *customer, gint64 now,
				     GArray *reportable, guint *moved);

#endif
