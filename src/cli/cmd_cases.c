/* cmd_cases.c: `kenchi cases`, `kenchi case N`, `kenchi due`. */
#include <string.h>
#include "cli/cli.h"
#include "cli/case_related.h"
#include "case/calendar.h"
#include "parse/normalize.h"
#include "util/clock.h"

static void
set_date(JsonObject *o, const char *name, gint64 t)
{
	char *s = t ? kenchi_format_date(t) : NULL;

	if (s)
		json_object_set_string_member(o, name, s);
	else
		json_object_set_null_member(o, name);
	g_free(s);
}

static JsonNode *
parse_json_text(const char *text)
{
	JsonParser *p = json_parser_new_immutable();
	JsonNode *n = NULL;

	if (text && json_parser_load_from_data(p, text, -1, NULL))
		n = json_node_ref(json_parser_get_root(p));
	g_object_unref(p);
	if (n == NULL)
		n = json_node_init_array(json_node_alloc(), json_array_new());
	return n;
}

typedef struct {
	kenchi_store_t *st;
	int hosts;
	GPtrArray *host_list;  /* char*, owned */
	JsonArray *scope;      /* an object a case of the outbreak: its host, when */
	gint64 self;           /* the case shown */
	kenchi_scope_pass_t pass;   /* live cases, then merged ones */
} scope_t;

static gboolean
scope_cb(const kenchi_case_row_t *c, gpointer user)
{
	scope_t *s = user;
	const char *h = c->hostname ? c->hostname : c->host_key;
	JsonObject *o;

	gboolean emptied = kenchi_case_emptied(c) && c->id != s->self;

	/* A case merged into another holds no event: its events are that
	 * one's row (rc2 F9: a host listed twice).  Its host is still one of
	 * the outbreak's, unless a case listed has it: an analyst may merge
	 * another machine's case (rc3 F2).  So merged cases come second. */
	if (!kenchi_scope_take(&s->pass, c, emptied))
		return TRUE;
	if (!g_ptr_array_find_with_equal_func(s->host_list, h, g_str_equal, NULL))
		g_ptr_array_add(s->host_list, g_strdup(h));
	if (s->scope == NULL)
		return TRUE;
	o = json_object_new();
	/* Which hosts, and when, each with its case: two machines of one
	 * name are told apart by their key (rc1 F3: names alone). */
	json_object_set_int_member(o, "case", c->id);
	json_object_set_string_member(o, "host", h);
	json_object_set_string_member(o, "host_key", c->host_key);
	set_date(o, "first_seen", c->first_seen);
	set_date(o, "last_seen", c->last_seen);
	json_object_set_int_member(o, "events", c->events);
	/* its machine's row, its events in the case it went to (rc4 F8) */
	if (emptied)
		json_object_set_boolean_member(o, "merged", TRUE);
	json_array_add_object_element(s->scope, o);
	return TRUE;
}

/* The reasons' sum when the score is not it, clamped to 0..100: a -5 that
 * shows as 0 (rs1 F7). */
static void
set_unclamped(JsonObject *o, gint64 score)
{
	JsonArray *a = json_object_get_array_member(o, "score_reasons");
	gint64 sum = 0;

	for (guint i = 0; a && i < json_array_get_length(a); i++)
		sum += json_object_get_int_member_with_default(json_array_get_object_element(a, i), "points", 0);
	if (a && sum != score && (score == 0 || score == 100))
		json_object_set_int_member(o, "score_unclamped", sum);
}

/* DETAIL: with the scope of its outbreak, host by host (`case N`); a
 * listing's every case of an outbreak of 300 hosts held all 300 (rev94). */
static JsonObject *
case_json(kenchi_store_t *st, const kenchi_case_row_t *c, gboolean detail)
{
	JsonObject *o = json_object_new();
	JsonArray *hosts = json_array_new();
	scope_t sc = { .st = st, .host_list = g_ptr_array_new_with_free_func(g_free),
		       .scope = detail ? json_array_new() : NULL, .self = c->id,
		       .pass = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), FALSE } };

	json_object_set_int_member(o, "id", c->id);
	json_object_set_string_member(o, "customer", c->customer);
	json_object_set_string_member(o, "state", c->state);
	json_object_set_string_member(o, "priority", c->priority);
	json_object_set_int_member(o, "score", c->score);
	json_object_set_member(o, "score_reasons", parse_json_text(c->score_reasons));
	set_unclamped(o, c->score);
	json_object_set_member(o, "tags", parse_json_text(c->tags));
	json_object_set_int_member(o, "events", c->events);
	if (c->outbreak) {
		kenchi_case_filter_t f = { .outbreak = c->outbreak };
		kenchi_store_cases_each(st, &f, scope_cb, &sc);
		sc.pass.merged_pass = TRUE;
		kenchi_store_cases_each(st, &f, scope_cb, &sc);
	} else {
		scope_cb(c, &sc);
	}
	g_hash_table_unref(sc.pass.keys);
	for (guint i = 0; i < sc.host_list->len; i++)
		json_array_add_string_element(hosts, g_ptr_array_index(sc.host_list, i));
	g_ptr_array_unref(sc.host_list);
	json_object_set_array_member(o, "hosts", hosts);
	if (sc.scope)
		json_object_set_array_member(o, "scope", sc.scope);
	if (c->hostname)
		json_object_set_string_member(o, "hostname", c->hostname);
	json_object_set_string_member(o, "file", c->file_key);
	if (c->detection_id)
		json_object_set_string_member(o, "detection_id", c->detection_id);
	json_object_set_string_member(o, "quarantine", c->quarantine);
	json_object_set_boolean_member(o, "reportable", c->reportable);
	json_object_set_boolean_member(o, "escalated", c->escalated);
	if (c->suppressed_reason)
		json_object_set_string_member(o, "suppressed_reason", c->suppressed_reason);
	if (c->outbreak)
		json_object_set_int_member(o, "outbreak", c->outbreak);
	set_date(o, "first_seen", c->first_seen);
	set_date(o, "last_seen", c->last_seen);
	set_date(o, "arrival", c->arrival);
	set_date(o, "first_report_due", c->first_report_due);
	set_date(o, "second_report_due", c->second_report_due);
	return o;
}

typedef struct {
	kenchi_store_t *st;
	gboolean json;
	gint64 now;
	gboolean color;
	int n;
	gint64 sla_warn;   /* [kenchi] sla_warning (due) */
	const kenchi_calendar_t *cal;   /* due: the holiday table, or NULL */
	int uncovered;     /* due: a year a listed deadline has no holidays of */
} list_t;

/* A host's column, 18 wide on a terminal: cut at a character, not a byte
 * (rt28: "KS-PC-0409 至急" ended in half a character), a wide one counted
 * twice, and padded. */
static char *
host_cell(const char *s)
{
	GString *o = g_string_new(NULL);
	int w = 0;

	for (const char *p = s ? s : ""; *p && g_utf8_validate(p, -1, NULL); p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);
		int cw = g_unichar_iswide(u) ? 2 : 1;

		if (w + cw > 18)
			break;
		g_string_append_unichar(o, u);
		w += cw;
	}
	while (w++ < 18)
		g_string_append_c(o, ' ');
	return g_string_free(o, FALSE);
}

static gboolean
print_case(const kenchi_case_row_t *c, gpointer user)
{
	list_t *l = user;

	if (l->json) {
		JsonNode *n = json_node_new(JSON_NODE_OBJECT);
		json_node_take_object(n, case_json(l->st, c, FALSE));
		kenchi_print_json_line(n);
		json_node_unref(n);
	} else {
		char *fs = kenchi_format_date(c->first_seen), *due = c->second_report_due ? kenchi_format_date(c->second_report_due) : g_strdup("-");
		char *host = host_cell(c->hostname ? c->hostname : c->host_key);

		printf("%-5" G_GINT64_FORMAT " %-10s %-10s %-3s %3d %4d %s %-12.12s %-25s %s\n", c->id, c->customer,
		    c->state, c->priority, c->score, c->events, host, c->quarantine, fs, due);
		g_free(fs);
		g_free(due);
		g_free(host);
	}
	l->n++;
	return TRUE;
}

int
kenchi_cmd_cases(kenchi_app_t *app, int argc, char **argv)
{
	gboolean json = FALSE, open_only = FALSE;
	char *customer = NULL;
	gint64 limit = 0;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object a line", NULL },
		{ "open", 0, 0, G_OPTION_ARG_NONE, &open_only, "only open cases", NULL },
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "only this customer", "ID" },
		{ "limit", 0, 0, G_OPTION_ARG_INT64, &limit, "at most N cases", "N" },
		G_OPTION_ENTRY_NULL
	};
	kenchi_case_filter_t f = { 0 };
	list_t l = { 0 };
	kenchi_status_t st;
	int rc;

	if ((rc = kenchi_cli_options("- list cases", entries, &argc, &argv)) != 0)
		goto done;
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		goto done;
	kenchi_app_warn_customer(app, customer);
	f.customer = customer;
	f.open_only = open_only;
	f.limit = limit;
	l.st = app->st;
	l.json = json;
	if (!json)
		printf("%-5s %-10s %-10s %-3s %3s %4s %-18s %-12s %-25s %s\n", "CASE", "CUSTOMER", "STATE", "PRI",
		    "SCR", "EVTS", "HOST", "QUARANTINE", "FIRST SEEN", "SECOND REPORT DUE");
	st = kenchi_store_cases_each(app->st, &f, print_case, &l);
	if (st != KENCHI_OK) {
		kenchi_err("cases: %s", kenchi_store_errmsg(app->st));
		rc = kenchi_status_to_exit(st);
	}
done:
	g_free(customer);
	return rc;
}

/* kenchi case N ------------------------------------------------------- */

typedef struct {
	GPtrArray *events;      /* JsonNode* */
	GPtrArray *parents;     /* char*: parent chain "parent -> file" */
	GPtrArray *unknown;     /* char*: files with an Unknown disposition */
} case_detail_t;

/* When an event of the timeline was detected: its date, else its arrival
 * (both ISO 8601 UTC, ordered as text). */
static const char *
detected(JsonNode *n)
{
	JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;

	if (o == NULL)
		return "";
	return json_object_get_string_member_with_default(o, "date",
	    json_object_get_string_member_with_default(o, "received_at", ""));
}

static gint
by_detection(gconstpointer a, gconstpointer b)
{
	JsonNode *x = *(JsonNode *const *)a, *y = *(JsonNode *const *)b;
	int c = strcmp(detected(x), detected(y));
	gint64 ix = JSON_NODE_HOLDS_OBJECT(x) ? json_object_get_int_member_with_default(json_node_get_object(x), "event", 0) : 0;
	gint64 iy = JSON_NODE_HOLDS_OBJECT(y) ? json_object_get_int_member_with_default(json_node_get_object(y), "event", 0) : 0;

	return c ? c : (ix < iy ? -1 : ix > iy);
}

static gboolean
collect_event(const kenchi_event_row_t *e, gpointer user)
{
	case_detail_t *d = user;
	JsonNode *n = parse_json_text(e->json);
	JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;

	if (o) {
		JsonObject *file = json_object_has_member(o, "file") ? json_object_get_object_member(o, "file") : NULL;
		char *ra = kenchi_format_date(e->received_at);
		json_object_set_int_member(o, "event", e->id);
		json_object_set_string_member(o, "received_at", ra);
		g_free(ra);
		if (file) {
			const char *name = json_object_get_string_member_with_default(file, "file_name", NULL);
			const char *disp = json_object_get_string_member_with_default(file, "disposition", NULL);
			JsonObject *par = json_object_has_member(file, "parent") ? json_object_get_object_member(file, "parent") : NULL;
			const char *pname = par ? json_object_get_string_member_with_default(par, "file_name", NULL) : NULL;
			if (pname && name) {
				char *chain = g_strdup_printf("%s -> %s", pname, name);
				if (!g_ptr_array_find_with_equal_func(d->parents, chain, g_str_equal, NULL))
					g_ptr_array_add(d->parents, chain);
				else
					g_free(chain);
			}
			if (disp && strcmp(disp, "Unknown") == 0 && name &&
			    !g_ptr_array_find_with_equal_func(d->unknown, name, g_str_equal, NULL))
				g_ptr_array_add(d->unknown, g_strdup(name));
		}
	}
	g_ptr_array_add(d->events, n);
	return TRUE;
}

typedef struct {
	kenchi_store_t *st;
	JsonObject *obj;
	kenchi_case_row_t row;   /* id, customer, host_key and span: its own copies */
} one_case_t;

static gboolean
collect_note(const kenchi_note_row_t *nr, gpointer user)
{
	JsonObject *o = json_object_new();
	char *d = kenchi_format_date(nr->created_at);

	json_object_set_string_member(o, "source", nr->source);
	if (nr->author)
		json_object_set_string_member(o, "author", nr->author);
	json_object_set_string_member(o, "text", nr->text);
	json_object_set_string_member(o, "at", d);
	g_free(d);
	json_array_add_object_element(user, o);
	return TRUE;
}

static gboolean
take_case(const kenchi_case_row_t *c, gpointer user)
{
	one_case_t *oc = user;

	oc->obj = case_json(oc->st, c, TRUE);
	oc->row.id = c->id;
	oc->row.customer = g_strdup(c->customer);
	oc->row.host_key = g_strdup(c->host_key);
	oc->row.first_seen = c->first_seen;
	oc->row.last_seen = c->last_seen;
	oc->row.second_report_due = c->second_report_due;
	return FALSE;
}

/* The holiday table, to mark the deadlines it does not cover: past its
 * last year a deadline counts no national holiday, and must not look
 * authoritative (rs1 F8).  NULL when unreadable: deadlines go unmarked. */
static kenchi_calendar_t *
holidays(kenchi_app_t *app)
{
	char *p = kenchi_config_data_path(app->cfg, "holidays-jp.tsv");
	kenchi_calendar_t *cal = kenchi_calendar_load(p, NULL);

	g_free(p);
	return cal;
}

/* The year whose holidays DUE was computed without, also into O's JSON. */
static int
mark_uncovered(JsonObject *o, const kenchi_calendar_t *cal, gint64 due)
{
	int y = cal && due ? kenchi_calendar_uncovered_year(cal, due) : 0;

	if (y)
		json_object_set_int_member(o, "second_report_due_without_holidays_of", y);
	return y;
}

/* An ISO 8601 date in JST as FMT (g_date_time_format) has it, or "": the
 * service's deadlines are JST business hours, which a Japanese desk reads
 * faster than UTC (round 43b D2).  JSON keeps UTC. */
static const char *
jst_of(const char *iso, const char *fmt, char *buf, gsize n)
{
	GDateTime *t = iso ? g_date_time_new_from_iso8601(iso, NULL) : NULL;
	GTimeZone *jst = g_time_zone_new_offset(9 * 3600);
	GDateTime *j = t ? g_date_time_to_timezone(t, jst) : NULL;
	char *f = j ? g_date_time_format(j, fmt) : NULL;

	g_strlcpy(buf, f ? f : "", n);
	g_free(f);
	if (j)
		g_date_time_unref(j);
	if (t)
		g_date_time_unref(t);
	g_time_zone_unref(jst);
	return buf;
}

static void
print_case_text(JsonObject *o, gint64 now)
{
	JsonArray *a;
	guint i;

	printf("case %" G_GINT64_FORMAT "  customer %s  state %s  priority %s  score %" G_GINT64_FORMAT "\n",
	    json_object_get_int_member(o, "id"), json_object_get_string_member(o, "customer"),
	    json_object_get_string_member(o, "state"), json_object_get_string_member(o, "priority"),
	    json_object_get_int_member(o, "score"));
	if (json_object_has_member(o, "suppressed_reason"))
		printf("suppressed: %s\n", json_object_get_string_member(o, "suppressed_reason"));
	printf("quarantine: %s   events: %" G_GINT64_FORMAT "\n", json_object_get_string_member(o, "quarantine"),
	    json_object_get_int_member(o, "events"));
	printf("seen: %s .. %s\n", json_object_get_string_member(o, "first_seen"), json_object_get_string_member(o, "last_seen"));
	{
		const char *d1 = json_object_get_string_member_with_default(o, "first_report_due", NULL);
		const char *d2 = json_object_get_string_member_with_default(o, "second_report_due", NULL);
		char j1[32], j2[32];

		printf("first report due:  %s%s\nsecond report due: %s%s\n", d1 ? d1 : "-",
		    jst_of(d1, " (%Y-%m-%d %H:%M JST)", j1, sizeof j1), d2 ? d2 : "-",
		    jst_of(d2, " (%Y-%m-%d %H:%M JST)", j2, sizeof j2));
		if (json_object_has_member(o, "second_report_due_without_holidays_of"))
			printf("  computed without the national holidays of %" G_GINT64_FORMAT ": the holiday table"
			    " (data/holidays-jp.tsv) does not cover that year\n",
			    json_object_get_int_member(o, "second_report_due_without_holidays_of"));
	}
	printf("score reasons:\n");
	a = json_object_get_array_member(o, "score_reasons");
	for (i = 0; a && i < json_array_get_length(a); i++) {
		JsonObject *r = json_array_get_object_element(a, i);
		const char *prio = json_object_get_string_member_with_default(r, "priority", NULL);
		const char *entry = json_object_get_string_member_with_default(r, "entry", NULL);

		/* what the rule did besides points: rs1 F7 */
		printf("  %+4" G_GINT64_FORMAT "  %s%s%s%s%s%s%s\n", json_object_get_int_member(r, "points"),
		    json_object_get_string_member(r, "rule"), entry ? " entry " : "", entry ? entry : "",
		    prio ? ", sets priority " : "", prio ? prio : "",
		    json_object_get_boolean_member_with_default(r, "suppress", FALSE) ? ", suppresses" : "",
		    json_object_get_boolean_member_with_default(r, "escalate", FALSE) ? ", escalates" : "");
	}
	if (json_object_has_member(o, "score_unclamped"))
		printf("  (they add up to %" G_GINT64_FORMAT ", clamped to %" G_GINT64_FORMAT ": scores run 0 to 100)\n",
		    json_object_get_int_member(o, "score_unclamped"), json_object_get_int_member(o, "score"));
	a = json_object_get_array_member(o, "hosts");
	printf("scope: %u host(s):", a ? json_array_get_length(a) : 0);
	for (i = 0; a && i < json_array_get_length(a); i++)
		printf(" %s", json_array_get_string_element(a, i));
	printf("\n");
	a = json_object_get_array_member(o, "scope");
	for (i = 0; a && json_array_get_length(a) > 1 && i < json_array_get_length(a); i++) {
		JsonObject *h = json_array_get_object_element(a, i);

		printf("  case %-5" G_GINT64_FORMAT " %-20s %s .. %s  (%" G_GINT64_FORMAT " event(s)%s)\n",
		    json_object_get_int_member(h, "case"), json_object_get_string_member(h, "host"),
		    json_object_get_string_member(h, "first_seen"), json_object_get_string_member(h, "last_seen"),
		    json_object_get_int_member(h, "events"),
		    json_object_get_boolean_member_with_default(h, "merged", FALSE) ? ", merged into another" : "");
	}
	a = json_object_get_array_member(o, "parent_chain");
	for (i = 0; a && i < json_array_get_length(a); i++)
		printf("parent chain: %s\n", json_array_get_string_element(a, i));
	a = json_object_get_array_member(o, "possible_undetected");
	for (i = 0; a && i < json_array_get_length(a); i++)
		printf("possible undetected sample (disposition Unknown): %s\n", json_array_get_string_element(a, i));
	if (json_object_has_member(o, "findings")) {
		JsonObject *f = json_object_get_object_member(o, "findings");
		GList *keys = json_object_get_members(f);
		for (GList *k = keys; k; k = k->next)
			printf("%s: %s\n", (char *)k->data, json_object_get_string_member(f, k->data));
		g_list_free(keys);
	}
	if (json_object_get_boolean_member_with_default(o, "attention", FALSE))
		printf("ATTENTION: the customer replied\n");
	if (json_object_has_member(o, "second_report_queued_at"))
		printf("second report queued at %s\n", json_object_get_string_member(o, "second_report_queued_at"));
	a = json_object_get_array_member(o, "notes");
	for (i = 0; a && i < json_array_get_length(a); i++) {
		JsonObject *nn = json_array_get_object_element(a, i);
		printf("note (%s, %s): %s\n", json_object_get_string_member(nn, "source"),
		    json_object_get_string_member_with_default(nn, "author", "-"), json_object_get_string_member(nn, "text"));
	}
	printf("timeline:\n");
	a = json_object_get_array_member(o, "timeline");
	for (i = 0; a && i < json_array_get_length(a); i++) {
		JsonObject *e = json_array_get_object_element(a, i);
		JsonObject *comp = json_object_has_member(e, "computer") ? json_object_get_object_member(e, "computer") : NULL;
		JsonObject *file = json_object_has_member(e, "file") ? json_object_get_object_member(e, "file") : NULL;
		printf("  %s  %-24s %-16s %s\n", json_object_get_string_member_with_default(e, "date", "-"),
		    json_object_get_string_member_with_default(e, "event_type", "-"),
		    comp ? json_object_get_string_member_with_default(comp, "hostname", "-") : "-",
		    file ? json_object_get_string_member_with_default(file, "file_path",
		    json_object_get_string_member_with_default(file, "file_name", "")) : "");
	}
	(void)now;
}

int
kenchi_cmd_case(kenchi_app_t *app, int argc, char **argv)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object", NULL },
		G_OPTION_ENTRY_NULL
	};
	one_case_t oc = { 0 };
	kenchi_calendar_t *cal;
	case_detail_t d;
	kenchi_event_filter_t ef = { 0 };
	kenchi_status_t st;
	JsonArray *arr;
	JsonNode *n;
	gint64 id;
	int rc;

	if ((rc = kenchi_cli_options("N - show one case", entries, &argc, &argv)) != 0)
		return rc;
	if (argc != 2 || !g_ascii_string_to_signed(argv[1], 10, 1, G_MAXINT64, &id, NULL)) {
		kenchi_err("usage: kenchi case N");
		return KENCHI_EXIT_USAGE;
	}
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		return rc;
	oc.st = app->st;
	st = kenchi_store_case_get(app->st, id, take_case, &oc);
	if (st == KENCHI_NOT_FOUND) {
		kenchi_err("case %" G_GINT64_FORMAT ": no such case", id);
		return KENCHI_EXIT_FAIL;
	}
	if (st != KENCHI_OK) {
		kenchi_err("case: %s", kenchi_store_errmsg(app->st));
		return kenchi_status_to_exit(st);
	}
	d.events = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
	d.parents = g_ptr_array_new_with_free_func(g_free);
	d.unknown = g_ptr_array_new_with_free_func(g_free);
	ef.case_id = id;
	st = kenchi_store_events_each(app->st, &ef, collect_event, &d);
	if (st == KENCHI_OK)
		st = kenchi_case_related(app->st, &oc.row, app->cfg->window_s, d.events, d.unknown);
	g_free((char *)oc.row.customer);
	g_free((char *)oc.row.host_key);
	/* The timeline is in the order the events were detected, not the
	 * order their alerts came in (rc4 F6). */
	g_ptr_array_sort(d.events, by_detection);
	arr = json_array_new();
	for (guint i = 0; i < d.events->len; i++)
		json_array_add_element(arr, json_node_ref(g_ptr_array_index(d.events, i)));
	json_object_set_array_member(oc.obj, "timeline", arr);
	arr = json_array_new();
	for (guint i = 0; i < d.parents->len; i++)
		json_array_add_string_element(arr, g_ptr_array_index(d.parents, i));
	json_object_set_array_member(oc.obj, "parent_chain", arr);
	arr = json_array_new();
	for (guint i = 0; i < d.unknown->len; i++)
		json_array_add_string_element(arr, g_ptr_array_index(d.unknown, i));
	json_object_set_array_member(oc.obj, "possible_undetected", arr);
	{
		kenchi_findings_t fi;
		if (kenchi_store_findings_get(app->st, id, &fi) == KENCHI_OK) {
			JsonObject *fo = json_object_new();
			JsonArray *notes = json_array_new();
#define SETF(k) if (fi.k) json_object_set_string_member(fo, #k, fi.k)
			SETF(verdict); SETF(verdict_level); SETF(state_text); SETF(reason); SETF(summary);
			SETF(action); SETF(prevention); SETF(assignee);
#undef SETF
			json_object_set_object_member(oc.obj, "findings", fo);
			json_object_set_boolean_member(oc.obj, "attention", fi.attention);
			if (fi.merged_into)
				json_object_set_int_member(oc.obj, "merged_into", fi.merged_into);
			if (fi.second_report_at) {
				char *t = kenchi_format_date(fi.second_report_at);
				json_object_set_string_member(oc.obj, "second_report_queued_at", t);
				g_free(t);
			}
			kenchi_store_notes_each(app->st, id, collect_note, notes);
			json_object_set_array_member(oc.obj, "notes", notes);
			kenchi_findings_clear(&fi);
		}
	}
	cal = holidays(app);
	mark_uncovered(oc.obj, cal, oc.row.second_report_due);
	kenchi_calendar_free(cal);
	n = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(n, oc.obj);
	if (json)
		kenchi_print_json_line(n);
	else
		print_case_text(oc.obj, kenchi_now());
	json_node_unref(n);
	g_ptr_array_unref(d.events);
	g_ptr_array_unref(d.parents);
	g_ptr_array_unref(d.unknown);
	return st == KENCHI_OK ? 0 : kenchi_status_to_exit(st);
}

/* kenchi due ------------------------------------------------------------ */

static void
fmt_left(char *buf, size_t n, gint64 secs)
{
	gint64 a = secs < 0 ? -secs : secs;

	g_snprintf(buf, n, "%s%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m", secs < 0 ? "-" : "", a / 3600, (a % 3600) / 60);
}

static gboolean
print_due(const kenchi_case_row_t *c, gpointer user)
{
	list_t *l = user;
	char left[32], due_s[32] = "-";
	gint64 left2 = c->second_report_due ? c->second_report_due - l->now : 0;
	const char *col = "", *end = "";
	char *d = c->second_report_due ? kenchi_format_date(c->second_report_due) : NULL;
	/* A first report that will not go by itself shows (round 43b F3: a
	 * held one was in no column): held until released, or failed. */
	char *first = c->first_report ? kenchi_store_outbox_state(l->st, c->first_report) : NULL;
	/* Not sent yet, but on its way: pending, or being sent.  Its hour is
	 * the most urgent work there is (round 43b D1: due showed it late only
	 * once the SLA guard of a sender had run). */
	gboolean going = c->first_report_due && (first == NULL || strcmp(first, "pending") == 0 ||
	    strcmp(first, "sending") == 0);
	gint64 left1 = c->first_report_due - l->now;
	gboolean late = going && left1 <= 0;
	/* From the SLA guard's warning on: whether a sender alerted the
	 * analysts or not (round 47: alerted, it said LATE with 10 min left). */
	gboolean near = !late && going && (c->sla_alerted || (l->sla_warn > 0 && l->now >= c->arrival + l->sla_warn));
	/* Past its hour and not sent, held and failed ones too (round 47). */
	gboolean late_json = c->first_report_due && left1 <= 0 && g_strcmp0(first, "sent") != 0;
	char near_s[40], left1_s[32];
	const char *mark = late ? "LATE" : g_strcmp0(first, "held") == 0 ? "HELD" :
	    g_strcmp0(first, "failed") == 0 ? "FAILED" : near ? near_s : "";
	/* A second report sent met its deadline, or missed it, once and for
	 * all: no time left to count down, and no red (reply round rr1 F3:
	 * one sent on time read -15h00m, as one never sent). */
	kenchi_findings_t fd = { 0 };
	char *second = kenchi_store_findings_get(l->st, c->id, &fd) == KENCHI_OK && fd.second_report ?
	    kenchi_store_outbox_state(l->st, fd.second_report) : NULL;
	gboolean second_sent = g_strcmp0(second, "sent") == 0;

	kenchi_findings_clear(&fd);

	if (near) {
		fmt_left(left1_s, sizeof left1_s, left1);
		g_snprintf(near_s, sizeof near_s, "DUE %s", left1_s);
	}

	if (l->json) {
		JsonObject *o = case_json(l->st, c, FALSE);
		JsonNode *n = json_node_new(JSON_NODE_OBJECT);
		if (!second_sent)
			json_object_set_int_member(o, "second_report_left_s", left2);
		json_object_set_string_member(o, "second_report_state", second ? second : "none");
		json_object_set_boolean_member(o, "first_report_late", late_json);
		json_object_set_string_member(o, "first_report_state", first ? first : "none");
		if (going)
			json_object_set_int_member(o, "first_report_left_s", left1);
		mark_uncovered(o, l->cal, c->second_report_due);
		json_node_take_object(n, o);
		kenchi_print_json_line(n);
		json_node_unref(n);
		g_free(d);
		g_free(first);
		g_free(second);
		return TRUE;
	}
	if (d && *jst_of(d, "%Y-%m-%d %H:%M JST", due_s, sizeof due_s) == '\0')
		g_strlcpy(due_s, d, sizeof due_s);
	if (l->cal && c->second_report_due && kenchi_calendar_uncovered_year(l->cal, c->second_report_due)) {
		l->uncovered = kenchi_calendar_uncovered_year(l->cal, c->second_report_due);
		g_strlcat(due_s, "*", sizeof due_s);
	}
	if (second_sent)
		g_strlcpy(left, "sent", sizeof left);
	else
		fmt_left(left, sizeof left, left2);
	/* Red: breached; yellow: less than 2 hours left. */
	if (second_sent)
		;
	else if (l->color && c->second_report_due && left2 < 0)
		col = "\033[31m", end = "\033[0m";
	else if (l->color && c->second_report_due && left2 < 7200)
		col = "\033[33m", end = "\033[0m";
	/* The first report's SLA: red when late, held or failed; yellow
	 * from the SLA guard's warning on. */
	if (l->color && near)
		col = "\033[33m", end = "\033[0m";
	else if (l->color && *mark)
		col = "\033[31m", end = "\033[0m";
	char *host = host_cell(c->hostname ? c->hostname : c->host_key);

	printf("%s%-5" G_GINT64_FORMAT " %-10s %-3s %3d %s %-20s %10s %s%s\n", col, c->id, c->customer, c->priority,
	    c->score, host, due_s, left, mark, end);
	g_free(host);
	g_free(d);
	g_free(first);
	g_free(second);
	return TRUE;
}

int
kenchi_cmd_due(kenchi_app_t *app, int argc, char **argv)
{
	gboolean json = FALSE;
	char *customer = NULL;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object a line", NULL },
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "only this customer", "ID" },
		G_OPTION_ENTRY_NULL
	};
	kenchi_case_filter_t f = { .due_only = TRUE };
	kenchi_calendar_t *cal;
	list_t l = { 0 };
	kenchi_status_t st;
	int rc;

	if ((rc = kenchi_cli_options("- open work by deadline", entries, &argc, &argv)) != 0)
		goto done;
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		goto done;
	kenchi_app_warn_customer(app, customer);
	f.customer = customer;
	l.st = app->st;
	l.json = json;
	l.now = kenchi_now();
	/* No colour for NO_COLOR (no-color.org), nor for a terminal that
	 * has none (TERM=dumb, as Emacs's shell sets it: rs1 F9). */
	l.color = kenchi_isatty_out() && g_getenv("NO_COLOR") == NULL && g_strcmp0(g_getenv("TERM"), "dumb") != 0;
	l.sla_warn = app->cfg->sla_warn_s;
	if (!json)
		printf("%-5s %-10s %-3s %3s %-18s %-20s %10s %s\n", "CASE", "CUSTOMER", "PRI", "SCR", "HOST",
		    "2ND REPORT DUE", "LEFT", "1ST REPORT");
	l.cal = cal = holidays(app);
	st = kenchi_store_cases_each(app->st, &f, print_due, &l);
	if (st != KENCHI_OK) {
		kenchi_err("due: %s", kenchi_store_errmsg(app->st));
		rc = kenchi_status_to_exit(st);
	} else if (l.uncovered && !json)
		printf("* computed without the national holidays of %d: the holiday table (data/holidays-jp.tsv)"
		    " does not cover that year\n", l.uncovered);
	kenchi_calendar_free(cal);
done:
	g_free(customer);
	return rc;
}
