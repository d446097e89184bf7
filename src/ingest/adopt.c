/* adopt.c: a later copy of a stored event (adopt.h).  The copies are
 * compared by machine: a second GUID of a name is another machine. */
#include <string.h>
#include "ingest/adopt.h"
#include "ingest/ingest.h"
#include "case/hosts.h"
#include "case/lists.h"

/* Whether the stored copy JSON of an event named no customer's group at
 * all, by name or by id: its group not mapped, not claimed by two
 * customers, nor another's than its mailbox's (those stay unassigned,
 * never reported: round 47). */
static gboolean
event_named_no_group(const kenchi_config_t *cfg, const kenchi_event_t *ev)
{
	gboolean by_name = FALSE, by_id = FALSE;

	return kenchi_config_match_group(cfg, kenchi_event_get(ev, EV_GROUP), NULL, &by_name) == NULL && !by_name &&
	    kenchi_config_match_group_guids(cfg, kenchi_event_get(ev, EV_GROUP_GUIDS), &by_id) == NULL && !by_id;
}

static gboolean
named_no_group(const kenchi_config_t *cfg, const char *json)
{
	kenchi_event_t *ev = json ? kenchi_stored_event(json) : NULL;
	gboolean none;

	if (ev == NULL)
		return FALSE;
	none = event_named_no_group(cfg, ev);
	kenchi_event_free(ev);
	return none;
}

/* Whether stored event ID, a copy of EV that no customer took (an API
 * event whose group the configuration does not map), goes to CUSTOMER,
 * which this copy names (its mailbox, its group): the first copy stored
 * decided before, and the mail that named the customer was a duplicate -
 * no case of the customer, no first report (round 46 R1).  The copies
 * must name the same machine, and the stored one no customer's group.
 * OUT->old_case: the case it leaves. */
kenchi_status_t
kenchi_adopt_check(const kenchi_config_t *cfg, kenchi_store_t *st, gint64 id, const kenchi_event_t *ev,
		   const char *customer, kenchi_copy_t *out)
{
	char *had = NULL, *host = NULL, *guid = NULL, *json = NULL;
	const char *h = ev->v[EV_HOSTNAME], *g = ev->v[EV_CONNECTOR_GUID];
	kenchi_status_t rc;

	memset(out, 0, sizeof *out);
	if (strcmp(customer, KENCHI_UNASSIGNED) == 0)
		return KENCHI_OK;
	if ((rc = kenchi_store_event_owner(st, id, &had, &out->old_case, &host, &guid, &json)) != KENCHI_OK)
		return rc;
	if (g_strcmp0(had, KENCHI_UNASSIGNED) == 0 && named_no_group(cfg, json)) {
		if (guid && g)
			out->adopt = g_ascii_strcasecmp(guid, g) == 0;
		else if (host && h)
			out->adopt = kenchi_host_same(host, h);   /* not a pattern: "*" is no wildcard here */
		else
			out->adopt = TRUE;
	} else if (g_strcmp0(had, customer) == 0 && guid == NULL && g && host && h) {
		/* The customer's own event, stored from a copy without the
		 * GUID (a mail that left the line out), and this copy of the
		 * same machine gives it (round 50: never taken in this order). */
		out->enrich = kenchi_host_same(host, h);
	}
	g_free(had);
	g_free(host);
	g_free(guid);
	if (out->adopt || out->enrich)
		out->stored_json = json;
	else
		g_free(json);
	return KENCHI_OK;
}

/* An adopted event keeps what only the copy stored first gave: the fields
 * EV lacks are taken from that copy's JSON (round 48: a mail copy without
 * the connector GUID replaced the API copy whole, and the GUID was lost,
 * and with it the case's key).  Returns whether any was. */
gboolean
kenchi_adopt_merge(kenchi_event_t *ev, const char *json)
{
	kenchi_event_t *old = kenchi_stored_event(json);
	gboolean any = old && kenchi_event_fill(ev, old);

	kenchi_event_free(old);
	return any;
}

static gboolean
take_host_key(const kenchi_case_row_t *r, gpointer user)
{
	*(char **)user = g_strdup(r->host_key);
	return FALSE;
}

/* Stored event ID (its copy's JSON: JSON) completed with what the later
 * copy EV gives and it lacks - the connector GUID above all - and its case
 * CASE_ID keyed by the GUID if it was by the name, as when a later alert
 * of the machine gives the GUID (correlate.c).  Not placed again.  Not
 * when the case is another GUID's: the event was placed there by its name,
 * and a second GUID of that name is another machine (round 51). */
kenchi_status_t
kenchi_adopt_enrich(kenchi_store_t *st, gint64 id, gint64 case_id, const kenchi_event_t *ev, const char *json)
{
	kenchi_event_t *old = kenchi_stored_event(json);
	char *name_key = NULL, *key = NULL, *case_key = NULL, *s = NULL;
	kenchi_event_row_t er = { 0 };
	JsonNode *n;
	kenchi_status_t rc = KENCHI_OK;

	if (old == NULL)
		return KENCHI_OK;
	name_key = kenchi_case_host_key(old);
	kenchi_event_fill(old, ev);
	key = kenchi_case_host_key(old);
	if (case_id && (rc = kenchi_store_case_get(st, case_id, take_host_key, &case_key)) == KENCHI_NOT_FOUND)
		rc = KENCHI_OK;
	if (rc != KENCHI_OK || (case_key && strcmp(case_key, name_key) != 0 && strcmp(case_key, key) != 0))
		goto out;
	n = kenchi_event_to_json(old);
	s = kenchi_json_text(n);
	json_node_unref(n);
	kenchi_event_row_from_event(&er, old);
	er.json = s;
	rc = kenchi_store_event_enrich(st, id, &er);
	if (rc == KENCHI_OK && case_key)
		rc = kenchi_store_case_rekey(st, case_id, name_key, key, old->v[EV_DETECTION_ID]);
out:
	g_free(s);
	g_free(case_key);
	g_free(key);
	g_free(name_key);
	kenchi_event_free(old);
	return rc;
}


/* A stored event of the case an adopted event left. */
typedef struct {
	gint64 id, message, received_at;
	char *uid, *source, *message_id, *fingerprint, *json;
} sibling_t;

static void
sibling_free(gpointer p)
{
	sibling_t *s = p;

	g_free(s->uid);
	g_free(s->source);
	g_free(s->message_id);
	g_free(s->fingerprint);
	g_free(s->json);
	g_free(s);
}

static gboolean
take_sibling(const kenchi_event_row_t *r, gpointer user)
{
	sibling_t *s = g_new0(sibling_t, 1);

	s->id = r->id;
	s->message = r->message;
	s->received_at = r->received_at;
	s->uid = g_strdup(r->uid);
	s->source = g_strdup(r->source);
	s->message_id = g_strdup(r->message_id);
	s->fingerprint = g_strdup(r->fingerprint);
	s->json = g_strdup(r->json);
	g_ptr_array_add(user, s);
	return TRUE;
}

/* Whether A and B name one machine: the same connector GUID, else, when
 * one lacks it, the same name.  Unlike the check of the copies of one
 * event, two events that name no machine are not taken for one. */
static gboolean
same_machine(const kenchi_event_t *a, const kenchi_event_t *b)
{
	const char *ga = a->v[EV_CONNECTOR_GUID], *gb = b->v[EV_CONNECTOR_GUID];
	const char *ha = a->v[EV_HOSTNAME], *hb = b->v[EV_HOSTNAME];

	if (ga && gb)
		return g_ascii_strcasecmp(ga, gb) == 0;
	return ha && hb && kenchi_host_same(ha, hb);
}

/* Sibling S, of the same machine as an adopted event, goes to CUSTOMER. */
static kenchi_status_t
move_sibling(kenchi_cases_t *cx, kenchi_store_t *st, gint64 old_case, const sibling_t *s, kenchi_event_t *sev,
	     const char *customer, gint64 now, GArray *reportable)
{
	kenchi_placement_t pl;
	kenchi_event_row_t er = { 0 };
	kenchi_status_t rc;
	char *why = g_strdup_printf("its event went to customer %s with another event of its machine,"
	    " which a later copy named", customer);
	guint i;

	rc = kenchi_store_case_drop_event(st, old_case, why, now);
	g_free(why);
	if (rc != KENCHI_OK)
		return rc;
	if ((rc = kenchi_cases_place(cx, st, sev, customer, s->received_at, now, &pl)) != KENCHI_OK)
		return rc;
	kenchi_event_row_from_event(&er, sev);
	er.uid = s->uid;
	er.message = s->message;
	er.customer = customer;
	er.source = s->source;
	er.message_id = s->message_id;
	er.fingerprint = s->fingerprint;
	er.json = s->json;
	er.received_at = s->received_at;
	er.case_id = pl.case_id;
	er.score = pl.event_score;
	er.priority = pl.event_priority;
	er.own_score = pl.own_score;
	if ((rc = kenchi_store_event_replace(st, s->id, &er)) != KENCHI_OK)
		return rc;
	if (!pl.became_reportable)
		return KENCHI_OK;
	for (i = 0; i < reportable->len; i++)
		if (g_array_index(reportable, gint64, i) == pl.case_id)
			return KENCHI_OK;
	g_array_append_val(reportable, pl.case_id);
	return KENCHI_OK;
}

/* Why: the mail that names the customer may carry one event of the
 * machine (its subscription mails Threat Detected alone, say) while the
 * API gave several; left behind, the Threat Quarantined event sat in the
 * unassigned case, and the customer's case said nothing of the quarantine
 * (session 22).  Each moves for the reason the first did: the same
 * machine, and a group that no customer claims. */
kenchi_status_t
kenchi_adopt_siblings(kenchi_cases_t *cx, const kenchi_config_t *cfg, kenchi_store_t *st, gint64 old_case,
		      const kenchi_event_t *ev, const char *customer, gint64 now, GArray *reportable, guint *moved)
{
	kenchi_event_filter_t f = { .case_id = old_case, .customer = KENCHI_UNASSIGNED };
	GPtrArray *sib = g_ptr_array_new_with_free_func(sibling_free);
	kenchi_status_t rc;
	guint i;

	*moved = 0;
	/* read whole first: each move rewrites the rows being read */
	rc = kenchi_store_events_each(st, &f, take_sibling, sib);
	for (i = 0; rc == KENCHI_OK && i < sib->len; i++) {
		const sibling_t *s = g_ptr_array_index(sib, i);
		kenchi_event_t *sev = kenchi_stored_event(s->json);

		if (sev && same_machine(ev, sev) && event_named_no_group(cfg, sev)) {
			rc = move_sibling(cx, st, old_case, s, sev, customer, now, reportable);
			if (rc == KENCHI_OK)
				(*moved)++;
		}
		kenchi_event_free(sev);
	}
	g_ptr_array_unref(sib);
	return rc;
}

/* Why: the other order of kenchi_adopt_siblings' - the customer's mail
 * first, then the API's events of the machine, in a group the
 * configuration does not map: its Threat Quarantined went to an
 * unassigned case of its own beside the customer's open one.  Only by
 * the GUID: names repeat across customers (PC-01), a connector's GUID
 * does not. */
kenchi_status_t
kenchi_adopt_owner(const kenchi_config_t *cfg, kenchi_store_t *st, const kenchi_event_t *ev, const char **customer)
{
	const kenchi_customer_t *c;
	char *key, *owner = NULL;
	gboolean several;
	kenchi_status_t rc;

	*customer = NULL;
	if (ev->v[EV_CONNECTOR_GUID] == NULL || !event_named_no_group(cfg, ev))
		return KENCHI_OK;
	key = kenchi_case_host_key(ev);
	rc = kenchi_store_machine_owner(st, key, &owner, &several);
	/* a customer no longer configured takes nothing */
	if (rc == KENCHI_OK && owner && (c = kenchi_config_customer(cfg, owner)) != NULL)
		*customer = c->id;
	g_free(owner);
	g_free(key);
	return rc;
}
