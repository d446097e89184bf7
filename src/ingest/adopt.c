/* adopt.c: a later copy of a stored event (adopt.h).  The copies are
 * compared by machine: a second GUID of a name is another machine. */
#include <string.h>
#include "ingest/adopt.h"
#include "ingest/ingest.h"
#include "case/hosts.h"
#include "case/lists.h"

/* The customer EV's own group names (by name, else by id), or NULL;
 * *CLAIMED whether any customer's pattern or id took it (two customers'
 * claim it too, and name none). */
static const kenchi_customer_t *
group_customer(const kenchi_config_t *cfg, const kenchi_event_t *ev, gboolean *claimed)
{
	gboolean by_name = FALSE, by_id = FALSE;
	const kenchi_customer_t *c = kenchi_config_match_group(cfg, kenchi_event_get(ev, EV_GROUP), NULL, &by_name);

	if (c == NULL && !by_name)
		c = kenchi_config_match_group_guids(cfg, kenchi_event_get(ev, EV_GROUP_GUIDS), &by_id);
	*claimed = c || by_name || by_id;
	return c;
}

/* Whether EV named no customer's group at all, by name or by id: its
 * group not mapped, not claimed by two customers, nor another's than its
 * mailbox's (those stay unassigned, never reported: round 47). */
static gboolean
event_named_no_group(const kenchi_config_t *cfg, const kenchi_event_t *ev)
{
	gboolean claimed;

	group_customer(cfg, ev, &claimed);
	return !claimed;
}

gboolean
kenchi_adopt_group_allows(const kenchi_config_t *cfg, const kenchi_event_t *ev, const char *customer)
{
	gboolean claimed;
	const kenchi_customer_t *c = group_customer(cfg, ev, &claimed);

	return c ? strcmp(c->id, customer) == 0 : !claimed;
}

/* The same of a stored copy's JSON. */
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

/* *OK stays TRUE only when no customer but CUSTOMER has a case of the
 * machine GUID: a copy sent to one customer's mailbox does not take
 * another's machine (round 52: a misrouted mail took globex's event). */
static kenchi_status_t
another_owner(kenchi_store_t *st, const char *guid, const char *customer, gboolean *ok)
{
	char *key = g_ascii_strdown(guid, -1), *owner = NULL;
	gboolean several = FALSE;
	kenchi_status_t rc = kenchi_store_machine_owner(st, key, &owner, &several);

	if (rc == KENCHI_OK && (several || (owner && strcmp(owner, customer) != 0)))
		*ok = FALSE;
	g_free(owner);
	g_free(key);
	return rc;
}

/* Whether stored event ID, a copy of EV that no customer took (an API
 * event whose group the configuration does not map), goes to CUSTOMER,
 * which this copy names (its mailbox, its group): the first copy stored
 * decided before, and the mail that named the customer was a duplicate -
 * no case of the customer, no first report (round 46 R1).  The copies
 * must name the same machine, the stored one no customer's group, and no
 * other customer's case the machine's GUID.  OUT->old_case: the case it
 * leaves. */
kenchi_status_t
kenchi_adopt_check(const kenchi_config_t *cfg, kenchi_store_t *st, gint64 id, const kenchi_event_t *ev,
		   const char *customer, kenchi_copy_t *out)
{
	char *had = NULL, *host = NULL, *guid = NULL, *json = NULL;
	const char *h = ev->v[EV_HOSTNAME], *g = ev->v[EV_CONNECTOR_GUID];
	kenchi_status_t rc;

	gboolean twin = out->twin;

	memset(out, 0, sizeof *out);
	out->twin = twin;
	/* A copy with the AMP id of an event stored from one without: the
	 * stored event takes the id and what else the copy adds, whoever's
	 * it is (rc1 F4). */
	if (strcmp(customer, KENCHI_UNASSIGNED) == 0 && !(twin && ev->v[EV_ID]))
		return KENCHI_OK;
	if ((rc = kenchi_store_event_owner(st, id, &had, &out->old_case, &host, &guid, &json)) != KENCHI_OK)
		return rc;
	if (strcmp(customer, KENCHI_UNASSIGNED) == 0) {
		out->enrich = TRUE;
	} else if (g_strcmp0(had, KENCHI_UNASSIGNED) == 0 && named_no_group(cfg, json)) {
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
	} else if (twin && ev->v[EV_ID] && g_strcmp0(had, customer) == 0) {
		out->enrich = TRUE;
	}
	if (out->adopt && (guid || g))
		rc = another_owner(st, guid ? guid : g, customer, &out->adopt);
	g_free(had);
	g_free(host);
	g_free(guid);
	if (rc != KENCHI_OK)
		out->adopt = out->enrich = FALSE;
	if (out->adopt || out->enrich)
		out->stored_json = json;
	else
		g_free(json);
	return rc;
}

kenchi_status_t
kenchi_adopt_twin(kenchi_store_t *st, const kenchi_event_t *ev, const char *uid, const char *fingerprint,
		  const char *customer, gint64 *id, char **twin_uid)
{
	/* The same event with its AMP id and without (a mail layout that
	 * gives none, and the API's copy): one event, whichever came first
	 * (rc1 F4: stored twice, of one fingerprint).  The customer's, or
	 * the copy no customer took, which this one may adopt (round 46 R1). */
	char *fk = kenchi_case_file_key(ev);
	kenchi_status_t rc = kenchi_store_event_find_twin(st, uid, fingerprint, customer, fk, id, twin_uid);

	if (rc == KENCHI_NOT_FOUND && strcmp(customer, KENCHI_UNASSIGNED) != 0)
		rc = kenchi_store_event_find_twin(st, uid, fingerprint, KENCHI_UNASSIGNED, fk, id, twin_uid);
	g_free(fk);
	return rc;
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

/* Events of a machine one placement takes along at most. */
#define KENCHI_MACHINE_MOVES_MAX 256

/* A stored event of a case of the machine that no customer took. */
typedef struct {
	gint64 id, message, received_at, case_id;
	int basis;
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
	s->case_id = r->case_id;
	s->basis = r->basis;
	s->uid = g_strdup(r->uid);
	s->source = g_strdup(r->source);
	s->message_id = g_strdup(r->message_id);
	s->fingerprint = g_strdup(r->fingerprint);
	s->json = g_strdup(r->json);
	g_ptr_array_add(user, s);
	return TRUE;
}

/* Sibling S (SEV), of a customer's machine, goes to CUSTOMER. */
static kenchi_status_t
move_sibling(kenchi_cases_t *cx, kenchi_store_t *st, const sibling_t *s, kenchi_event_t *sev,
	     const char *customer, gint64 now, GArray *reportable)
{
	kenchi_placement_t pl;
	kenchi_event_row_t er = { 0 };
	kenchi_status_t rc;
	char *why = g_strdup_printf("its event went to customer %s, whose machine it is (its connector GUID)",
	    customer);
	guint i;

	rc = kenchi_store_case_drop_event(st, s->case_id, why, now);
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
	er.basis = KENCHI_BASIS_MACHINE + 1;
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
 * machine (its subscription mails Threat Detected alone) while the API,
 * in a group the configuration does not map, gave more: left behind, the
 * Threat Quarantined sat in an unassigned case and the customer's case
 * said nothing of the quarantine; and which of them the customer heard of
 * depended on the order they came in (session 22, round 52).  Only by the
 * GUID, both sides: names repeat across customers (PC-01), and the
 * unassigned cases are every customer's unmapped groups. */
kenchi_status_t
kenchi_adopt_machine(kenchi_cases_t *cx, const kenchi_config_t *cfg, kenchi_store_t *st, const kenchi_event_t *ev,
		     const char *customer, gint64 now, GArray *reportable, guint *moved)
{
	const char *g = ev->v[EV_CONNECTOR_GUID];
	GArray *ids;
	GPtrArray *sib;
	char *key;
	gboolean ok = TRUE;
	kenchi_status_t rc;
	guint i;

	*moved = 0;
	if (g == NULL || strcmp(customer, KENCHI_UNASSIGNED) == 0)
		return KENCHI_OK;
	key = g_ascii_strdown(g, -1);
	ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	sib = g_ptr_array_new_with_free_func(sibling_free);
	rc = kenchi_store_machine_cases(st, key, KENCHI_UNASSIGNED, ids);
	if (rc == KENCHI_OK && ids->len > 0)
		rc = another_owner(st, key, customer, &ok);
	/* read whole first: each move rewrites the rows being read */
	for (i = 0; rc == KENCHI_OK && ok && i < ids->len; i++) {
		kenchi_event_filter_t f = { .case_id = g_array_index(ids, gint64, i), .customer = KENCHI_UNASSIGNED };

		rc = kenchi_store_events_each(st, &f, take_sibling, sib);
	}
	for (i = 0; rc == KENCHI_OK && ok && i < sib->len; i++) {
		const sibling_t *s = g_ptr_array_index(sib, i);
		kenchi_event_t *sev = kenchi_stored_event(s->json);
		const char *sg = sev ? sev->v[EV_CONNECTOR_GUID] : NULL;

		/* Only an event nothing named (not one of two mailboxes, nor
		 * one guessed from a page's others: round 53b), that came in
		 * the correlation window (a year-old history is no new
		 * alert), and not past a bound (a machine of 10,000 files). */
		if (sg && g_ascii_strcasecmp(sg, g) == 0 && s->basis == KENCHI_BASIS_NONE + 1 &&
		    s->received_at >= now - cfg->window_s && *moved < KENCHI_MACHINE_MOVES_MAX &&
		    event_named_no_group(cfg, sev)) {
			rc = move_sibling(cx, st, s, sev, customer, now, reportable);
			if (rc == KENCHI_OK)
				(*moved)++;
		}
		kenchi_event_free(sev);
	}
	g_ptr_array_unref(sib);
	g_array_unref(ids);
	g_free(key);
	return rc;
}

/* Why: the other order of kenchi_adopt_machine's - the customer's mail
 * first, then the API's events of the machine, in a group the
 * configuration does not map: its Threat Quarantined went to an
 * unassigned case of its own beside the customer's open one.  Only by
 * the GUID: names repeat across customers (PC-01), a connector's GUID
 * does not. */
kenchi_status_t
kenchi_adopt_owner(const kenchi_config_t *cfg, kenchi_store_t *st, const kenchi_event_t *ev, const char **customer,
		   gboolean *several)
{
	const kenchi_customer_t *c;
	char *key, *owner = NULL;
	kenchi_status_t rc;

	*customer = NULL;
	*several = FALSE;
	if (ev->v[EV_CONNECTOR_GUID] == NULL || !event_named_no_group(cfg, ev))
		return KENCHI_OK;
	key = g_ascii_strdown(ev->v[EV_CONNECTOR_GUID], -1);
	rc = kenchi_store_machine_owner(st, key, &owner, several);
	/* a customer no longer configured takes nothing */
	if (rc == KENCHI_OK && owner && (c = kenchi_config_customer(cfg, owner)) != NULL)
		*customer = c->id;
	g_free(owner);
	g_free(key);
	return rc;
}
