/* correlate.c: events into cases.
 *
 * One detection arrives as Threat Detected, Threat Quarantined and perhaps
 * Quarantine Failure, in any order, sharing a detection_id: that id is
 * looked up first.  Otherwise the same host with the same file within the
 * window is a repeat of one case.  A case's score is the highest score of
 * its events, each scored against the case as it is now (the reasons of
 * that evaluation are kept): a Threat Quarantined lowers a Threat Detected's
 * case, a late Quarantine Failure raises it, and the outcome is the same in
 * any order (round 43a).  A case of more than KENCHI_CASE_SCORED events is
 * scored from the best-scored event of each type (store.h).  A case is
 * suppressed only while all of its events are (allow list, tuning, rules):
 * the first event that is not makes it reportable, with deadlines from the
 * earliest arrival of its reportable events. */
#include <string.h>
#include <json-glib/json-glib.h>
#include "case/correlate.h"
#include "case/correlate_int.h"
#include "case/lists.h"
#include "case/hosts.h"
#include "util/clock.h"

struct kenchi_cases {
	const kenchi_config_t *cfg;
	kenchi_scoring_t *scoring;
	char *holidays_path;
	GHashTable *calendars;     /* customer id -> kenchi_calendar_t* */
	kenchi_re_match_t *m;
	kenchi_score_result_t res;
	GHashTable *field_codes;   /* scoring field name -> field_code() (score_get) */
};

kenchi_cases_t *
kenchi_cases_new(const kenchi_config_t *cfg, GError **error)
{
	kenchi_cases_t *cx = g_new0(kenchi_cases_t, 1);
	char *p = kenchi_config_data_path(cfg, "scoring.rules");
	kenchi_calendar_t *probe;

	cx->cfg = cfg;
	cx->scoring = kenchi_scoring_load(p, error);
	g_free(p);
	if (cx->scoring == NULL)
		goto fail;
	cx->holidays_path = kenchi_config_data_path(cfg, "holidays-jp.tsv");
	probe = kenchi_calendar_load(cx->holidays_path, error);
	if (probe == NULL)
		goto fail;
	kenchi_calendar_free(probe);
	cx->calendars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)kenchi_calendar_free);
	cx->m = kenchi_re_match_new();
	kenchi_score_result_init(&cx->res);
	cx->field_codes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return cx;
fail:
	kenchi_cases_free(cx);
	return NULL;
}

void
kenchi_cases_free(kenchi_cases_t *cx)
{
	if (cx == NULL)
		return;
	kenchi_scoring_free(cx->scoring);
	g_free(cx->holidays_path);
	if (cx->calendars)
		g_hash_table_unref(cx->calendars);
	kenchi_re_match_free(cx->m);
	if (cx->res.reasons)
		kenchi_score_result_clear(&cx->res);
	if (cx->field_codes)
		g_hash_table_unref(cx->field_codes);
	g_free(cx);
}

const kenchi_scoring_t *
kenchi_cases_scoring(const kenchi_cases_t *cx)
{
	return cx->scoring;
}

const kenchi_calendar_t *
kenchi_cases_calendar(kenchi_cases_t *cx, const char *customer)
{
	kenchi_calendar_t *cal = g_hash_table_lookup(cx->calendars, customer);
	const kenchi_customer_t *c;

	if (cal)
		return cal;
	cal = kenchi_calendar_load(cx->holidays_path, NULL);
	if (cal == NULL)
		cal = kenchi_calendar_new_empty();
	/* Overrides were validated by the configuration loader; a value the
	 * calendar still refuses leaves the default in place. */
	c = kenchi_config_customer(cx->cfg, customer);
	if (c) {
		for (char **d = c->closed_days; d && *d; d++)
			kenchi_calendar_add_closed(cal, *d, NULL);
		if (c->closure)
			kenchi_calendar_set_closure(cal, c->closure, NULL);
		if (c->hours)
			kenchi_calendar_set_hours(cal, c->hours, NULL);
	}
	g_hash_table_insert(cx->calendars, g_strdup(customer), cal);
	return cal;
}

/* Quarantine outcome of an event type: 1 quarantined, -1 failed, 0 neither. */
static int
quarantine_of(const kenchi_event_t *ev)
{
	gint64 id = ev->v[EV_EVENT_TYPE_ID] ? g_ascii_strtoll(ev->v[EV_EVENT_TYPE_ID], NULL, 10) : 0;

	switch (id) {
	case 553648143:     /* Threat Quarantined */
	case 553648155:     /* Retrospective Quarantine */
		return 1;
	case 2164260880:    /* Quarantine Failure */
	case 2164260893:    /* Retrospective Quarantine Attempt Failed */
		return -1;
	default:
		return 0;
	}
}

/* Scoring fields -------------------------------------------------------- */

typedef struct {
	const kenchi_event_t *ev;
	const kenchi_case_row_t *c;
	const kenchi_customer_t *customer;
	int hosts;
	gboolean allowlisted, blocklisted;
	gint64 t;
	GHashTable *field_codes;
	char buf[64];
} score_ctx_t;

static gboolean
host_is_server(const score_ctx_t *sc)
{
	if (sc->customer == NULL || sc->customer->server_hosts == NULL || sc->ev->v[EV_HOSTNAME] == NULL)
		return FALSE;
	for (char **p = sc->customer->server_hosts; *p; p++)
		if (kenchi_host_matches(*p, sc->ev->v[EV_HOSTNAME]))
			return TRUE;
	return FALSE;
}

/* What a scoring field names: an event field (its number + 1) or one of
 * the case's.  Resolved once per name (kenchi_cases_t.field_codes): the
 * comparisons against every field path were a tenth of scoring a case. */
enum {
	F_UNKNOWN = EV_NFIELDS + 1, F_CUSTOMER, F_COUNT, F_HOSTS, F_QUARANTINE, F_HOUR_JST, F_WEEKDAY_JST,
	F_HOST_IS_SERVER, F_ALLOWLISTED, F_BLOCKLISTED
};

static int
field_code(const char *field)
{
	static const struct { const char *name; int code; } names[] = {
		{ "customer", F_CUSTOMER }, { "count", F_COUNT }, { "hosts", F_HOSTS },
		{ "quarantine", F_QUARANTINE }, { "hour_jst", F_HOUR_JST }, { "weekday_jst", F_WEEKDAY_JST },
		{ "host_is_server", F_HOST_IS_SERVER }, { "allowlisted", F_ALLOWLISTED },
		{ "blocklisted", F_BLOCKLISTED },
	};
	int f = kenchi_field_from_path(field);

	if (f >= 0)
		return f + 1;
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(field, names[i].name) == 0)
			return names[i].code;
	return F_UNKNOWN;   /* "source" among them: not known for a case */
}

static const char *
score_get(const char *field, gpointer user)
{
	score_ctx_t *sc = user;
	int code = GPOINTER_TO_INT(g_hash_table_lookup(sc->field_codes, field));
	GDateTime *d;

	if (code == 0) {
		code = field_code(field);
		g_hash_table_insert(sc->field_codes, g_strdup(field), GINT_TO_POINTER(code));
	}
	if (code <= EV_NFIELDS)
		return sc->ev->v[code - 1];
	switch (code) {
	case F_CUSTOMER:
		return sc->c->customer;
	case F_COUNT:
		g_snprintf(sc->buf, sizeof sc->buf, "%d", sc->c->events);
		return sc->buf;
	case F_HOSTS:
		g_snprintf(sc->buf, sizeof sc->buf, "%d", sc->hosts);
		return sc->buf;
	case F_QUARANTINE:
		return sc->c->quarantine;
	case F_HOUR_JST:
	case F_WEEKDAY_JST:
		/* JST is UTC+9 all year: the UTC fields of the shifted time. */
		d = g_date_time_new_from_unix_utc(sc->t + 9 * 3600);
		g_snprintf(sc->buf, sizeof sc->buf, "%d", d == NULL ? 0 :
		    code == F_HOUR_JST ? g_date_time_get_hour(d) : g_date_time_get_day_of_week(d));
		if (d)
			g_date_time_unref(d);
		return sc->buf;
	case F_HOST_IS_SERVER:
		return host_is_server(sc) ? "true" : NULL;
	case F_ALLOWLISTED:
		return sc->allowlisted ? "true" : NULL;
	case F_BLOCKLISTED:
		return sc->blocklisted ? "true" : NULL;
	}
	return NULL;
}

/* [{"rule":NAME,"points":N}, ...].  A rule's name is any text of the
 * rules file, Japanese included; json-glib wrote each as a JSON string when
 * the rules were loaded (scoring_parse.c), once, where building this with
 * json-glib for every case cost 7% of an import.  A rule that set the
 * priority, suppressed or escalated says so ("priority", "suppress",
 * "escalate"), and a block list entry, which escalates whatever the rules
 * say, is a reason of its own with the entry ("entry"), so that every
 * reader of the reasons can tell what made the case what it is (rs1 F7). */
static char *
reasons_json(const kenchi_score_result_t *r, const char *block)
{
	GString *s = g_string_new("[");
	guint i;

	for (i = 0; i < r->reasons->len; i++) {
		kenchi_score_reason_t *x = &g_array_index(r->reasons, kenchi_score_reason_t, i);
		g_string_append_printf(s, "%s{\"rule\":%s,\"points\":%d", i ? "," : "", x->rule_json, x->points);
		if (x->priority)
			g_string_append_printf(s, ",\"priority\":\"P%d\"", x->priority);
		if (x->suppress)
			g_string_append(s, ",\"suppress\":true");
		if (x->escalate)
			g_string_append(s, ",\"escalate\":true");
		g_string_append_c(s, '}');
	}
	if (block) {
		JsonNode *e = json_node_init_string(json_node_alloc(), block);
		char *entry = kenchi_json_text(e);

		g_string_append_printf(s, "%s{\"rule\":\"block list\",\"points\":0,\"escalate\":true,\"entry\":%s}",
		    i ? "," : "", entry);
		json_node_unref(e);
		g_free(entry);
	}
	g_string_append_c(s, ']');
	return g_string_free(s, FALSE);
}

/* Why the rules suppressed a case: the rule that did, by name. */
static char *
rule_suppressed(const kenchi_score_result_t *r)
{
	for (guint i = 0; i < r->reasons->len; i++)
		if (g_array_index(r->reasons, kenchi_score_reason_t, i).suppress)
			return g_strdup_printf("suppressed by scoring rule %s",
			    g_array_index(r->reasons, kenchi_score_reason_t, i).rule_json);
	return g_strdup("suppressed by scoring rules");
}

/* A case's score from several evaluations: the highest score with its
 * reasons, the most urgent priority, every tag. */
typedef struct {
	int score;
	char priority[3];
	char *reasons;
	GPtrArray *tags;
	gboolean escalate;
} case_score_t;

static void
case_score_take(case_score_t *cs, const kenchi_score_result_t *r, const char *block)
{
	char *reasons = reasons_json(r, block);

	/* A tie goes to the larger text, the same for any arrival order. */
	if (cs->reasons == NULL || r->score > cs->score || (r->score == cs->score && strcmp(reasons, cs->reasons) > 0)) {
		g_free(cs->reasons);
		cs->reasons = g_steal_pointer(&reasons);
		cs->score = r->score;
	}
	g_free(reasons);
	if (cs->priority[0] == '\0' || strcmp(r->priority, cs->priority) < 0)
		g_strlcpy(cs->priority, r->priority, sizeof cs->priority);
	if (cs->tags == NULL)
		cs->tags = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < r->tags->len; i++)
		if (!g_ptr_array_find_with_equal_func(cs->tags, g_ptr_array_index(r->tags, i), g_str_equal, NULL))
			g_ptr_array_add(cs->tags, g_strdup(g_ptr_array_index(r->tags, i)));
	cs->escalate |= r->escalate;
}

static void
case_score_clear(case_score_t *cs)
{
	g_free(cs->reasons);
	if (cs->tags)
		g_ptr_array_unref(cs->tags);
	memset(cs, 0, sizeof *cs);
}

static char *
case_score_tags(const case_score_t *cs)
{
	GString *s = g_string_new("[");

	/* Tag names come from the rules file: letters, digits, '-' and '_'. */
	for (guint i = 0; cs->tags && i < cs->tags->len; i++)
		g_string_append_printf(s, "%s\"%s\"", i ? "," : "", (char *)g_ptr_array_index(cs->tags, i));
	g_string_append_c(s, ']');
	return g_string_free(s, FALSE);
}

/* Score EV as one of the case's events into CS, with its own list hits. */
static kenchi_status_t
score_event(kenchi_cases_t *cx, const kenchi_lists_t *ls, score_ctx_t *sc, const kenchi_event_t *ev, gint64 t,
	    case_score_t *cs)
{
	const char *host = sc->c ? sc->c->hostname : NULL;
	char *allow = kenchi_lists_match(ls, "allow", ev, host), *block = kenchi_lists_match(ls, "block", ev, host);
	kenchi_status_t rc;

	sc->ev = ev;
	sc->t = t;
	sc->allowlisted = allow != NULL;
	sc->blocklisted = block != NULL;
	rc = kenchi_scoring_eval(cx->scoring, cx->m, score_get, sc, &cx->res);
	if (rc == KENCHI_OK)
		case_score_take(cs, &cx->res, block);
	g_free(allow);
	g_free(block);
	return rc;
}

typedef struct {
	kenchi_cases_t *cx;
	const kenchi_lists_t *ls;
	score_ctx_t *sc;
	case_score_t *cs;
	kenchi_status_t rc;
} scored_ctx_t;

static gboolean
score_stored_event(const kenchi_event_row_t *row, gpointer user)
{
	scored_ctx_t *k = user;
	kenchi_event_t *ev = kenchi_stored_event(row->json);

	if (ev == NULL)
		return TRUE;
	k->rc = score_event(k->cx, k->ls, k->sc, ev, ev->date ? ev->date : row->received_at, k->cs);
	kenchi_event_free(ev);
	return k->rc == KENCHI_OK;
}

/* Score the stored events of case SC->c (its id set) into CS, with the
 * lists LS of its customer. */
static kenchi_status_t
score_stored(kenchi_cases_t *cx, kenchi_store_t *st, const kenchi_lists_t *ls, score_ctx_t *sc, case_score_t *cs)
{
	scored_ctx_t k = { cx, ls, sc, cs, KENCHI_OK };
	kenchi_status_t rc = kenchi_store_case_scored_events(st, sc->c->id, sc->c->events, score_stored_event, &k);

	return rc != KENCHI_OK ? rc : k.rc;
}

gboolean
kenchi_case_copy(const kenchi_case_row_t *r, gpointer user)
{
	case_buf_t *b = user;

	b->row = *r;
	b->row.customer = b->s[0] = g_strdup(r->customer);
	b->row.host_key = b->s[1] = g_strdup(r->host_key);
	b->row.file_key = b->s[2] = g_strdup(r->file_key);
	b->row.detection_id = b->s[3] = g_strdup(r->detection_id);
	b->row.state = b->s[4] = g_strdup(r->state);
	b->row.suppressed_reason = b->s[5] = g_strdup(r->suppressed_reason);
	b->row.priority = b->s[6] = g_strdup(r->priority);
	b->row.score_reasons = b->s[7] = g_strdup(r->score_reasons);
	b->row.tags = b->s[8] = g_strdup(r->tags);
	b->row.quarantine = b->s[9] = g_strdup(r->quarantine);
	b->row.hostname = b->s[10] = g_strdup(r->hostname);
	return FALSE;
}

void
kenchi_case_set_str(case_buf_t *b, int slot, const char **field, const char *v)
{
	g_free(b->s[slot]);
	b->s[slot] = g_strdup(v);
	*field = b->s[slot];
}

void
kenchi_case_buf_clear(case_buf_t *b)
{
	for (guint i = 0; i < G_N_ELEMENTS(b->s); i++)
		g_free(b->s[i]);
}

/* Put CS on case row C (whose strings B owns). */
static void
case_score_apply(case_buf_t *b, const case_score_t *cs)
{
	char *tags = case_score_tags(cs);

	b->row.score = cs->score;
	kenchi_case_set_str(b, 6, &b->row.priority, cs->escalate || b->row.escalated ? "P1" : cs->priority);
	kenchi_case_set_str(b, 7, &b->row.score_reasons, cs->reasons);
	kenchi_case_set_str(b, 8, &b->row.tags, tags);
	b->row.escalated |= cs->escalate;
	g_free(tags);
}

/* The case's arrival and the deadlines that run from it. */
void
kenchi_case_set_deadlines(kenchi_cases_t *cx, kenchi_case_row_t *c, gint64 arrival)
{
	const kenchi_calendar_t *cal = kenchi_cases_calendar(cx, c->customer);

	c->arrival = arrival;
	c->first_report_due = kenchi_calendar_first_report_due(arrival);
	c->second_report_due = kenchi_calendar_second_report_due(cal, arrival);
	if (c->second_report_due == KENCHI_CALENDAR_NO_DUE)
		c->second_report_due = 0;
}

static gboolean
in_tuning(const kenchi_customer_t *c, gint64 now)
{
	GDateTime *d;
	char *today;
	gboolean r;

	if (c == NULL || c->tuning_until == NULL)
		return FALSE;
	d = g_date_time_new_from_unix_utc(now + 9 * 3600);   /* JST date */
	today = g_date_time_format(d, "%Y-%m-%d");
	r = strcmp(today, c->tuning_until) <= 0;
	g_free(today);
	g_date_time_unref(d);
	return r;
}

/* The score of SC's event alone: in a case of its own, with one event, one
 * host and its own quarantine outcome Q (quarantine_of()).  A large case is
 * scored from the event of each type that scores best so (store.h). */
static kenchi_status_t
own_score(kenchi_cases_t *cx, score_ctx_t *sc, const char *customer, int q, int *score)
{
	kenchi_case_row_t alone = { .customer = customer, .events = 1,
				    .quarantine = q > 0 ? "quarantined" : q < 0 ? "failed" : "none" };
	score_ctx_t one = *sc;
	kenchi_status_t rc;

	one.c = &alone;
	one.hosts = 1;
	rc = kenchi_scoring_eval(cx->scoring, cx->m, score_get, &one, &cx->res);
	*score = cx->res.score;
	return rc;
}

/* Score case ID, of the customer whose lists are LS, again with HOSTS hosts
 * in its outbreak. */
kenchi_status_t
kenchi_case_rescore(kenchi_cases_t *cx, kenchi_store_t *st, const kenchi_lists_t *ls, gint64 id, int hosts,
		    kenchi_placement_t *raised)
{
	case_buf_t b = { 0 };
	case_score_t cs = { 0 };
	score_ctx_t sc = { 0 };
	kenchi_status_t rc = kenchi_store_case_get(st, id, kenchi_case_copy, &b);

	if (rc == KENCHI_OK) {
		char was[3];

		g_strlcpy(was, b.row.priority ? b.row.priority : "", sizeof was);
		sc.c = &b.row;
		sc.customer = kenchi_config_customer(cx->cfg, b.row.customer);
		sc.hosts = hosts;
		sc.field_codes = cx->field_codes;
		rc = score_stored(cx, st, ls, &sc, &cs);
		if (rc == KENCHI_OK && cs.reasons) {
			case_score_apply(&b, &cs);
			rc = kenchi_store_case_update(st, &b.row);
		}
		/* An outbreak's host more made another of its cases P1. */
		if (rc == KENCHI_OK && raised && raised->n_raised < (int)G_N_ELEMENTS(raised->raised) &&
		    b.row.reportable && *was && strcmp(was, "P1") != 0 && g_strcmp0(b.row.priority, "P1") == 0) {
			raised->raised[raised->n_raised] = id;
			g_strlcpy(raised->raised_was[raised->n_raised], was, sizeof raised->raised_was[0]);
			raised->n_raised++;
		}
	}
	case_score_clear(&cs);
	kenchi_case_buf_clear(&b);
	return rc;
}

kenchi_status_t
kenchi_cases_place(kenchi_cases_t *cx, kenchi_store_t *st, const kenchi_event_t *ev, const char *customer,
		   gint64 arrival, gint64 now, kenchi_placement_t *out)
{
	const kenchi_customer_t *cust = kenchi_config_customer(cx->cfg, customer);
	char *host_key = kenchi_case_host_key(ev), *file_key = kenchi_case_file_key(ev);
	char *allow_hit = NULL, *block_hit = NULL, *why = NULL;
	gint64 t = ev->date ? ev->date : arrival, id = 0, first_case = 0;
	GArray *win = g_array_new(FALSE, FALSE, sizeof(kenchi_window_case_t));
	GArray *ob_ids = g_array_new(FALSE, FALSE, sizeof(gint64));   /* the outbreak's open cases */
	GHashTable *unsure = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	case_buf_t b = { 0 };
	score_ctx_t sc = { 0 };
	kenchi_status_t rc;
	gboolean suppress, tuning, escalate, rule_suppress, grew = FALSE, spread = FALSE, joined = FALSE;
	gboolean by_detection;
	case_score_t cs = { 0 };
	kenchi_lists_t *ls = NULL;
	char *without = NULL;   /* the event's reasons with one host fewer */
	int q;

	memset(out, 0, sizeof *out);
	/* The file's cases in the window, read once: the case of the same
	 * host is among them, the outbreak's hosts are all of them, and the
	 * cases are linked below without searching the window again. */
	g_array_set_clear_func(win, kenchi_window_case_clear);
	rc = kenchi_store_file_window(st, customer, file_key, t, cx->cfg->window_s, win);
	if (rc != KENCHI_OK)
		goto done;
	host_key = kenchi_hosts_join(win, ev, host_key, unsure);
	rc = ev->v[EV_DETECTION_ID] ? kenchi_store_case_find_detection(st, customer, ev->v[EV_DETECTION_ID], &id)
	    : KENCHI_NOT_FOUND;
	/* a detection's case may lie outside the window; the event is a
	 * repeat of the machine's cases in it all the same (rc3 F3) */
	by_detection = rc == KENCHI_OK;
	if (rc == KENCHI_NOT_FOUND)
		rc = kenchi_hosts_same_case(win, host_key, &id);
	if (rc == KENCHI_NOT_FOUND)
		rc = kenchi_cases_merged_host_case(st, win, host_key, &id);
	if (rc == KENCHI_OK) {
		rc = kenchi_store_case_get(st, id, kenchi_case_copy, &b);
		if (rc != KENCHI_OK)
			goto done;
		g_strlcpy(out->was_priority, b.row.priority ? b.row.priority : "", sizeof out->was_priority);
		/* A case opened without the GUID takes it from the first alert
		 * that gives it: a second GUID of that name is then another
		 * machine (round 44). */
		if (ev->v[EV_CONNECTOR_GUID] && b.row.hostname && strcmp(b.row.host_key, host_key) != 0) {
			char *name = g_utf8_strdown(b.row.hostname, -1);

			if (strcmp(b.row.host_key, name) == 0)
				kenchi_case_set_str(&b, 1, &b.row.host_key, host_key);
			g_free(name);
		}
		/* Likewise its domain: a case of PC-D takes PC-D.a.local's name
		 * (and key, without a GUID), so that PC-D.b.local is another
		 * machine, whichever came first (round 47: all three joined). */
		if (b.row.hostname && ev->v[EV_HOSTNAME] && kenchi_host_domain_of(b.row.hostname, ev->v[EV_HOSTNAME])) {
			char *name = g_utf8_strdown(b.row.hostname, -1);

			if (strcmp(b.row.host_key, name) == 0 && ev->v[EV_CONNECTOR_GUID] == NULL)
				kenchi_case_set_str(&b, 1, &b.row.host_key, host_key);
			kenchi_case_set_str(&b, 10, &b.row.hostname, ev->v[EV_HOSTNAME]);
			g_free(name);
		}
		b.row.events++;
		if (t < b.row.first_seen)
			b.row.first_seen = t;
		if (t > b.row.last_seen)
			b.row.last_seen = t;
	} else if (rc == KENCHI_NOT_FOUND) {
		out->created = TRUE;
		b.row.customer = b.s[0] = g_strdup(customer);
		b.row.host_key = b.s[1] = g_strdup(host_key);
		b.row.file_key = b.s[2] = g_strdup(file_key);
		b.row.detection_id = b.s[3] = g_strdup(ev->v[EV_DETECTION_ID]);
		b.row.state = b.s[4] = g_strdup("new");
		b.row.priority = b.s[6] = g_strdup("P4");
		b.row.quarantine = b.s[9] = g_strdup("none");
		b.row.hostname = b.s[10] = g_strdup(ev->v[EV_HOSTNAME]);
		b.row.events = 1;
		b.row.first_seen = b.row.last_seen = t;
		b.row.arrival = arrival;
		b.row.created_at = now;
	} else {
		goto done;
	}
	if (b.row.detection_id == NULL && ev->v[EV_DETECTION_ID])
		kenchi_case_set_str(&b, 3, &b.row.detection_id, ev->v[EV_DETECTION_ID]);
	if (b.row.hostname == NULL && ev->v[EV_HOSTNAME])
		kenchi_case_set_str(&b, 10, &b.row.hostname, ev->v[EV_HOSTNAME]);
	/* Quarantine outcome: the latest event (by its own time) wins. */
	q = quarantine_of(ev);
	if (q != 0 && t >= b.row.quarantine_at) {
		kenchi_case_set_str(&b, 9, &b.row.quarantine, q > 0 ? "quarantined" : "failed");
		b.row.quarantine_at = t;
	}

	/* The lists, read once for this event and every one scored with it. */
	if ((ls = kenchi_lists_load(st, customer, &rc)) == NULL)
		goto done;
	allow_hit = kenchi_lists_match(ls, "allow", ev, b.row.hostname);
	block_hit = kenchi_lists_match(ls, "block", ev, b.row.hostname);
	/* An outbreak is one file or detection on several hosts; events that
	 * name neither (an Uninstall, an Exploit Prevention without a name)
	 * share only their type, which links nothing (round 43a: connector
	 * upgrades on three hosts became a P1 "outbreak"). */
	if (g_str_has_prefix(file_key, "type:")) {
		sc.hosts = 1;
		first_case = id;
	} else {
		gint64 obs[4];
		int n_obs = 0;

		sc.hosts = kenchi_hosts_count(win, host_key, unsure, id, &first_case, &grew);
		/* the outbreaks the event touches, and whether it joins groups
		 * of cases that were apart: two outbreaks, or an outbreak and a
		 * case of another machine, or two such cases */
		joined = kenchi_outbreak_groups(win, id, b.row.outbreak, obs, &n_obs, G_N_ELEMENTS(obs)) >= 2;
		if ((rc = kenchi_outbreak_reach(st, win, customer, obs, n_obs, host_key, unsure, &sc.hosts, &grew,
		    ob_ids)) != KENCHI_OK)
			goto done;
	}

	sc.ev = ev;
	sc.c = &b.row;
	sc.customer = cust;
	sc.allowlisted = allow_hit != NULL;
	sc.blocklisted = block_hit != NULL;
	sc.t = t;
	sc.field_codes = cx->field_codes;
	if ((rc = own_score(cx, &sc, customer, q, &out->own_score)) != KENCHI_OK)
		goto done;
	if ((grew || joined) && sc.hosts > 1) {
		/* Whether one host more changes what the rules say of this
		 * file: then the outbreak's other cases are scored again
		 * (round 43a: its first host kept the lowest score).  Asked of
		 * the new event alone, so a worm's thousandth host costs one
		 * evaluation, not a thousand; and the rules that fired, not the
		 * score: a score at its cap of 100 hides a rule more (round
		 * 44).  This first, with one host fewer (or one host alone,
		 * when the event joined groups of cases that were apart: the
		 * least any of them had), so that the event's own evaluation
		 * below is the last in cx->res. */
		int all = sc.hosts;

		sc.hosts = joined ? 1 : all - 1;
		rc = kenchi_scoring_eval(cx->scoring, cx->m, score_get, &sc, &cx->res);
		sc.hosts = all;
		if (rc != KENCHI_OK)
			goto done;
		without = reasons_json(&cx->res, NULL);
	}
	rc = kenchi_scoring_eval(cx->scoring, cx->m, score_get, &sc, &cx->res);
	if (rc != KENCHI_OK)
		goto done;
	out->event_score = cx->res.score;
	g_strlcpy(out->event_priority, cx->res.priority, sizeof out->event_priority);
	if (without) {
		char *with = reasons_json(&cx->res, NULL);

		spread = strcmp(with, without) != 0;
		g_free(with);
	}
	escalate = cx->res.escalate || block_hit;
	rule_suppress = cx->res.suppress;
	case_score_take(&cs, &cx->res, block_hit);
	/* The case's other events, against the case as it is now. */
	if (!out->created && (rc = score_stored(cx, st, ls, &sc, &cs)) != KENCHI_OK)
		goto done;
	cs.escalate |= escalate;
	case_score_apply(&b, &cs);

	/* By when the alert reached the SOC, not when it was stored: an alert
	 * of the tuning's last minute stored after midnight was reported
	 * (round 43b D6), and a backlog of tuning days would be. */
	tuning = in_tuning(cust, arrival);
	/* An escalation outweighs an allow list entry (round 43a: a blocked
	 * file on an allow-listed host was escalated and never reported). */
	suppress = !escalate && (allow_hit != NULL || rule_suppress);
	if (cust == NULL)
		why = g_strdup("no configured customer matches this alert");
	else if (tuning)
		why = g_strdup_printf("customer in initial tuning until %s", cust->tuning_until);
	else if (suppress && allow_hit)
		why = g_strdup_printf("allow list: %s", allow_hit);
	else if (suppress)
		why = rule_suppressed(&cx->res);

	if (strcmp(b.row.state, "closed") == 0) {
		/* A closed case takes the event but stays closed. */
	} else if (why == NULL && !b.row.reportable) {
		/* The first reportable event: the deadlines start from its arrival. */
		kenchi_case_set_str(&b, 4, &b.row.state, "open");
		kenchi_case_set_str(&b, 5, &b.row.suppressed_reason, NULL);
		b.row.reportable = TRUE;
		kenchi_case_set_deadlines(cx, &b.row, arrival);
		out->became_reportable = TRUE;
	} else if (why == NULL && arrival < b.row.arrival) {
		/* A reportable alert that reached the SOC before the one that
		 * opened the case, stored after it (an import in file-name order,
		 * a mail held back): the promise runs from the earlier arrival
		 * (round 43b F1). */
		kenchi_case_set_deadlines(cx, &b.row, arrival);
	} else if (why && !b.row.reportable) {
		kenchi_case_set_str(&b, 4, &b.row.state, tuning && cust ? "tuning" : "suppressed");
		kenchi_case_set_str(&b, 5, &b.row.suppressed_reason, why);
	}
	b.row.updated_at = now;
	/* Outbreak: the same file on several hosts of the customer in the
	 * window, all linked to the first of its cases (a new case's id is
	 * larger than any other's).  An outbreak keeps the id it has: its
	 * first cases may lie outside this event's window, and relinking the
	 * window's cases alone took them out of the scope (rc1 F2: OB-1
	 * dropped out when OB-3 came, 40 h after it).  Two outbreaks this
	 * event bridges become one. */
	if (sc.hosts > 1) {
		for (guint i = 0; i < win->len; i++) {
			const kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);

			if (w->outbreak && w->outbreak < first_case)
				first_case = w->outbreak;
		}
		if (b.row.outbreak && b.row.outbreak < first_case)
			first_case = b.row.outbreak;
		if (b.row.outbreak && b.row.outbreak != first_case &&
		    (rc = kenchi_store_case_relink_outbreak(st, b.row.outbreak, first_case)) != KENCHI_OK)
			goto done;
		b.row.outbreak = first_case;
	}

	if (out->created)
		rc = kenchi_store_case_insert(st, &b.row, &id);
	else
		rc = kenchi_store_case_update(st, &b.row);
	if (rc != KENCHI_OK)
		goto done;
	b.row.id = id;
	for (guint i = 0; sc.hosts > 1 && i < win->len; i++) {
		const kenchi_window_case_t *w = &g_array_index(win, kenchi_window_case_t, i);
		if (w->id != id && w->outbreak && w->outbreak != first_case &&
		    (rc = kenchi_store_case_relink_outbreak(st, w->outbreak, first_case)) != KENCHI_OK)
			goto done;
		if (w->id != id && w->outbreak != first_case &&
		    (rc = kenchi_store_case_set_outbreak(st, w->id, first_case)) != KENCHI_OK)
			goto done;
		if (w->id != id && spread && !w->closed &&
		    (rc = kenchi_case_rescore(cx, st, ls, w->id, sc.hosts, out)) != KENCHI_OK)
			goto done;
	}
	/* ... and the outbreak's cases beyond the window (outbreak.c): when
	 * the event joined groups, all of them as they are linked now */
	if (spread && joined) {
		kenchi_case_filter_t f = { .customer = customer, .outbreak = first_case, .limit = KENCHI_OUTBREAK_READ };

		g_array_set_size(ob_ids, 0);
		if ((rc = kenchi_store_cases_each(st, &f, kenchi_outbreak_take_open, ob_ids)) != KENCHI_OK)
			goto done;
	}
	for (guint i = 0; spread && i < ob_ids->len; i++) {
		gint64 o = g_array_index(ob_ids, gint64, i);
		gboolean seen = o == id;

		for (guint k = 0; k < win->len && !seen; k++)
			seen = g_array_index(win, kenchi_window_case_t, k).id == o;
		if (!seen && (rc = kenchi_case_rescore(cx, st, ls, o, sc.hosts, out)) != KENCHI_OK)
			goto done;
	}
	out->case_id = id;
	out->score = b.row.score;
	out->hosts = sc.hosts;
	g_strlcpy(out->priority, b.row.priority, sizeof out->priority);
	if (!out->created)
		out->n_bridged = kenchi_hosts_bridged(win, host_key, id, by_detection, out->bridged,
		    (int)G_N_ELEMENTS(out->bridged));
done:
	g_array_unref(win);
	g_array_unref(ob_ids);
	g_hash_table_unref(unsure);
	kenchi_case_buf_clear(&b);
	g_free(host_key);
	g_free(file_key);
	g_free(allow_hit);
	g_free(block_hit);
	case_score_clear(&cs);
	kenchi_lists_free(ls);
	g_free(without);
	g_free(why);
	return rc;
}
