/* apijson.c: API JSON into normalized events: a page, an array, a stream
 * of values or lines, envelopes, copies of one event.  jsonscan.c checks
 * the text before json-glib parses it; apitext.c finds JSON inside text. */
#include <string.h>
#include <json-glib/json-glib.h>
#include "parse/apijson.h"
#include "parse/apijson_int.h"
#include "parse/charset.h"
#include "parse/event.h"

gboolean
kenchi_api_sniff(const char *bytes, gsize len)
{
	const char *end = bytes + len;
	gsize i;

	/* UTF-16 with its byte order mark (Windows PowerShell 5.1's ">" and
	 * Out-File write it): the first character after the mark, or the
	 * text as UTF-8 when it is no JSON (a curl transcript saved so). */
	if (len >= 4 && (((guchar)bytes[0] == 0xff && (guchar)bytes[1] == 0xfe) ||
	    ((guchar)bytes[0] == 0xfe && (guchar)bytes[1] == 0xff))) {
		for (i = 2; i + 1 < len; i += 2) {
			char c = bytes[0] == '\xff' ? bytes[i] : bytes[i + 1], z = bytes[0] == '\xff' ? bytes[i + 1] : bytes[i];
			gsize ul = 0;
			char *u;
			gboolean json;

			if (z != 0)
				return FALSE;
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			if (c == '{' || c == '[')
				return TRUE;
			if ((u = kenchi_charset_from_utf16(bytes, len, &ul)) == NULL)
				return FALSE;
			json = kenchi_json_transcript(u, ul);
			g_free(u);
			return json;
		}
		return FALSE;
	}
	for (i = 0; i < len; i++) {
		char c = bytes[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if ((unsigned char)c == 0xef && i + 2 < len && (unsigned char)bytes[i + 1] == 0xbb)
			{ i += 2; continue; }   /* UTF-8 BOM */
		if (kenchi_json_comment_line(bytes + i, end)) {
			i = (gsize)(kenchi_json_comment_end(bytes + i, end) - bytes) - 1;
			continue;
		}
		return c == '{' || c == '[' || kenchi_json_transcript(bytes + i, len - i);
	}
	return FALSE;
}

/* Is EV no event: no event type (a type id, or a name the event-type
 * table knows: a fetcher's own log record, "event_type": "fetch_failed",
 * is none), or neither an id nor a date ("{}", an object of members
 * kenchi does not know, or another endpoint's record - a
 * /v1/vulnerabilities entry has a file and its SHA-256, a /v1/event_types
 * entry an id and a name, a SIEM's count by event type a type and a
 * number)?  Every event the API gives has its type, its id and its date. */
static gboolean
event_empty(const kenchi_event_t *ev, gboolean in_page)
{
	gboolean typed = ev->v[EV_EVENT_TYPE_ID] ||
	    (ev->v[EV_EVENT_TYPE] && kenchi_event_type_id(ev->v[EV_EVENT_TYPE]) != 0);

	/* An entry of an events page's data[] is an event by where it is: a
	 * type newer than the table, named only (a re-export that dropped
	 * the ids, round 25a j11), is one when it has its id and its date. */
	if (!typed && in_page)
		typed = ev->v[EV_EVENT_TYPE] && ev->v[EV_ID] && ev->v[EV_DATE];
	return !typed || (!ev->v[EV_ID] && !ev->v[EV_DATE]);
}

/* Add one event unless it is no event (an empty one would open an empty
 * case).  An id that is no 64-bit integer (jq 1.5/1.6 print ids as
 * 6.4554422494210007e+18, a page may hold one past 2^63 or a negative
 * one) is left out and the event kept, as one with no id is: its digits
 * are lost and must not be guessed, but dropping the event lost a
 * detection (rt31 P23, P10).  *IDLESS counts such events.  IN_PAGE: O is
 * an entry of an API page's data[] (event_empty()). */
static int
add_one(JsonObject *o, GPtrArray *events, int *idless, gboolean in_page)
{
	kenchi_event_t *ev = kenchi_event_from_json(o);

	if (event_empty(ev, in_page)) {
		kenchi_event_free(ev);
		return 0;
	}
	if (ev->bad_id)
		(*idless)++;
	g_ptr_array_add(events, ev);
	return 1;
}

static int add_events_from(JsonNode *root, GPtrArray *events, int *idless, int envelope);

/* How deep envelopes nest: elasticdump's "_source" around a shipper's
 * "message" is two; a saved Elasticsearch answer, hits -> hits[] ->
 * _source -> cisco_amp, four. */
#define ENVELOPE_DEPTH 5

/* An event stream's consumer may keep the event inside an envelope of its
 * own: {"routing_key": ..., "body": {event}} from an AMQP consumer, or the
 * event as JSON text in a log shipper's "message".  Under the names such
 * tools use, DEPTH levels at most (each JSON text is parsed, and so
 * depth-checked, as a document of its own). */
static int
add_enveloped(JsonObject *o, GPtrArray *events, int *idless, int depth)
{
	/* AMQP consumers, log shippers, EventBridge; Filebeat's "json",
	 * Splunk's export ("result", its "_raw" text) and REST answer
	 * ("results"), Elasticsearch's answer ("hits") and its documents'
	 * "cisco_amp", Azure's "records", AWS's "Records" (and SQS's
	 * "Messages" and "Body", SNS's "Message"), Graylog's "messages", and the plain
	 * "events" and "items" of scripts. */
	static const char *const names[] = { "body", "payload", "event", "message", "_source", "detail", "json",
		"result", "results", "_raw", "hits", "cisco_amp", "records", "Records", "messages", "Messages", "Body",
		"Message", "events", "items", NULL };
	int i;

	/* The first member that holds an event: ECS's "event" object is the
	 * shipper's own ({"original": ...}), its "message" the event. */
	for (i = 0; names[i]; i++) {
		JsonNode *m = json_object_get_member(o, names[i]);
		JsonNode *inner = NULL;
		char *why = NULL;
		int n = 0;

		if (m && (JSON_NODE_HOLDS_OBJECT(m) || JSON_NODE_HOLDS_ARRAY(m))) {
			n = add_events_from(m, events, idless, depth - 1);
		} else if (m && JSON_NODE_HOLDS_VALUE(m) && json_node_get_value_type(m) == G_TYPE_STRING) {
			const char *t = json_node_get_string(m);

			if (t == NULL || t[strspn(t, " \t\r\n")] != '{' || !kenchi_json_parse_doc(t, strlen(t), &inner, &why)) {
				g_free(why);
				continue;
			}
			n = add_events_from(inner, events, idless, depth - 1);
			json_node_unref(inner);
		}
		if (n > 0)
			return n;
	}
	return 0;
}

/* A computer's trajectory (GET /v1/computers/{guid}/trajectory): "data"
 * is the computer and its events, which carry no computer of their own. */
static gboolean
trajectory(JsonObject *d)
{
	JsonNode *c = json_object_get_member(d, "computer"), *e = json_object_get_member(d, "events");

	return c && JSON_NODE_HOLDS_OBJECT(c) && e && JSON_NODE_HOLDS_ARRAY(e);
}

/* Whether event object EO names a type of the events API's, by id or name. */
static gboolean
known_type(JsonObject *eo)
{
	JsonNode *id = json_object_get_member(eo, "event_type_id"), *name = json_object_get_member(eo, "event_type");

	if (id && JSON_NODE_HOLDS_VALUE(id)) {
		GType t = json_node_get_value_type(id);
		gint64 v = t == G_TYPE_INT64 ? json_node_get_int(id) :
		    t == G_TYPE_STRING ? g_ascii_strtoll(json_node_get_string(id), NULL, 10) : 0;

		if (kenchi_event_type_name(v))
			return TRUE;
	}
	return name && JSON_NODE_HOLDS_VALUE(name) && json_node_get_value_type(name) == G_TYPE_STRING &&
	    kenchi_event_type_canonical(json_node_get_string(name)) != NULL;
}

/* Why: an analyst saves a trajectory to show what the machine did, and
 * its detections were "JSON with no event objects in it" (rt27 A36).
 * Each event takes the computer, as the events API gives it.  Only the
 * events API's types: a trajectory's file and network activity ("Created
 * by", "Executed by") is no event of its own. */
static int
add_trajectory(JsonObject *d, GPtrArray *events, int *idless)
{
	JsonNode *c = json_object_get_member(d, "computer");
	JsonArray *arr = json_object_get_array_member(d, "events");
	int n = 0;

	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *e = json_array_get_element(arr, i);
		JsonObject *eo;

		if (!JSON_NODE_HOLDS_OBJECT(e))
			continue;
		eo = json_node_get_object(e);
		if (!known_type(eo))
			continue;
		if (!json_object_has_member(eo, "computer"))
			json_object_set_member(eo, "computer", json_node_copy(c));
		n += add_one(eo, events, idless, FALSE);
	}
	return n;
}

static int
add_events_from(JsonNode *root, GPtrArray *events, int *idless, int envelope)
{
	JsonArray *arr = NULL;
	guint i, n = 0;
	gboolean page = FALSE;

	if (JSON_NODE_HOLDS_OBJECT(root)) {
		JsonObject *o = json_node_get_object(root);
		JsonNode *d = json_object_get_member(o, "data");
		int k;

		if (d && JSON_NODE_HOLDS_ARRAY(d)) {
			arr = json_node_get_array(d);
			page = json_object_has_member(o, "metadata");
		}
		else if (d && JSON_NODE_HOLDS_OBJECT(d) && trajectory(json_node_get_object(d)))
			return add_trajectory(json_node_get_object(d), events, idless);
		else if (d && JSON_NODE_HOLDS_OBJECT(d))
			return add_one(json_node_get_object(d), events, idless, FALSE);
		else if (envelope <= 0)
			return add_one(o, events, idless, FALSE);   /* one event object */
		/* An envelope's event first: an AMP event has no member of the
		 * envelopes' names, and an envelope may have an "id" (an
		 * EventBridge UUID, a queue's sequence number) or an
		 * "event_type" of its own (a shipper's "cisco_amp"). */
		else if ((k = add_enveloped(o, events, idless, envelope)) > 0)
			return k;
		else
			return add_one(o, events, idless, FALSE);
	} else if (JSON_NODE_HOLDS_ARRAY(root)) {
		arr = json_node_get_array(root);
	}
	if (arr == NULL)
		return 0;
	for (i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *e = json_array_get_element(arr, i);
		/* An array may hold envelopes (an answer's hits, a script's
		 * list of Filebeat documents): each is looked into as one. */
		int k;

		if (!JSON_NODE_HOLDS_OBJECT(e))
			continue;
		k = envelope > 0 ? add_events_from(e, events, idless, envelope) :
		    add_one(json_node_get_object(e), events, idless, FALSE);
		if (k == 0 && page)
			k = add_one(json_node_get_object(e), events, idless, TRUE);
		n += (guint)k;
	}
	return (int)n;
}

/* An API page, {"data": [], ...}, with no events in it. */
static gboolean
is_empty_page(JsonNode *root)
{
	JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	JsonNode *data = o ? json_object_get_member(o, "data") : NULL;

	return data && JSON_NODE_HOLDS_ARRAY(data) && json_array_get_length(json_node_get_array(data)) == 0;
}

/* The API's answer to a failed request, {"errors": [{"error_code": 401,
 * "description": "Unauthorized", "details": [...]}], ...}: the text of
 * its first error, or NULL when ROOT is no such answer.  g_free. */
static char *
api_error(JsonNode *root)
{
	JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	JsonNode *errs = o ? json_object_get_member(o, "errors") : NULL;
	JsonArray *a = errs && JSON_NODE_HOLDS_ARRAY(errs) ? json_node_get_array(errs) : NULL;
	JsonNode *first = a && json_array_get_length(a) > 0 ? json_array_get_element(a, 0) : NULL;
	GString *t;

	if (a == NULL)
		return NULL;
	t = g_string_new("the API answered with an error");
	if (first && JSON_NODE_HOLDS_OBJECT(first)) {
		JsonObject *e = json_node_get_object(first);
		JsonNode *code = json_object_get_member(e, "error_code");
		JsonNode *desc = json_object_get_member(e, "description");
		JsonNode *det = json_object_get_member(e, "details");

		if (code && JSON_NODE_HOLDS_VALUE(code) && json_node_get_value_type(code) == G_TYPE_INT64)
			g_string_append_printf(t, " %" G_GINT64_FORMAT, json_node_get_int(code));
		if (desc && JSON_NODE_HOLDS_VALUE(desc) && json_node_get_value_type(desc) == G_TYPE_STRING)
			g_string_append_printf(t, ": %.200s", json_node_get_string(desc));
		if (det && JSON_NODE_HOLDS_ARRAY(det) && json_array_get_length(json_node_get_array(det)) > 0) {
			JsonNode *d = json_array_get_element(json_node_get_array(det), 0);

			if (JSON_NODE_HOLDS_VALUE(d) && json_node_get_value_type(d) == G_TYPE_STRING)
				g_string_append_printf(t, " (%.200s)", json_node_get_string(d));
		}
	}
	g_string_append(t, ": no events were fetched");
	return g_string_free(t, FALSE);
}

/* Another of the API's answers: its "metadata", and its "data" or its
 * "errors" (an /v1/event_streams or /v1/computers page saved with curl). */
static gboolean
is_api_page(JsonNode *root)
{
	JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;

	return o && json_object_has_member(o, "metadata") &&
	    (json_object_has_member(o, "data") || json_object_has_member(o, "errors"));
}

int
kenchi_json_take(JsonNode *root, GPtrArray *events, kenchi_json_seen_t *seen, gboolean *answer)
{
	int n = add_events_from(root, events, &seen->idless, ENVELOPE_DEPTH);
	gboolean empty = is_empty_page(root), page = is_api_page(root);
	char *failed = api_error(root);

	seen->docs++;
	seen->empty_page = seen->empty_page || empty;
	seen->api_page = seen->api_page || page;
	if (answer)
		*answer = empty || page || failed;
	if (seen->failed == NULL)
		seen->failed = failed;
	else
		g_free(failed);
	json_node_unref(root);
	return n;
}

/* The whole objects of a value cut short at END: the elements of its
 * first array ("data": [...] of a page, or a bare array) that closed
 * before the cut, each read as an event.  How many were added. */
static int
salvage(const char *v, const char *end, GPtrArray *events, int *idless)
{
	const char *p = v;
	int n = 0;

	if (*p == '{') {
		const char *d = g_strstr_len(p, end - p, "\"data\"");

		if (d == NULL)
			return 0;
		p = d + 6;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ':'))
			p++;
	}
	if (p >= end || *p != '[')
		return 0;
	p++;
	while (p < end) {
		const char *e;
		JsonNode *r = NULL;
		char *w = NULL;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ','))
			p++;
		if (p >= end || *p != '{')
			break;
		e = kenchi_json_value_end(p, end);
		if (e == end && end[-1] != '}')
			break;   /* the cut one */
		if (kenchi_json_parse_doc(p, (gsize)(e - p), &r, &w)) {
			n += add_events_from(r, events, idless, ENVELOPE_DEPTH);
			json_node_unref(r);
		} else {
			g_free(w);
		}
		p = e;
	}
	return n;
}

/* [BYTES, END) as a stream of JSON values, whatever separates them:
 * pages written back to back ("}{", as "curl >> events.json" leaves
 * them), jq's pretty-printed values one after another, a page saved twice,
 * a pretty-printed page after a transcript's lines.  Events into EVENTS,
 * the rest into SEEN; counts and the first bad value's line as the line
 * mode counts them. */
static int
stream_values(const char *bytes, const char *end, GPtrArray *events, kenchi_json_seen_t *seen, int *bad,
	      int *first_bad, char **first_why)
{
	int n = 0, line = 1;
	const char *p = bytes;

	while (p < end) {
		const char *v, *ve, *next;
		JsonNode *r = NULL;
		char *w = NULL;

		if (*p == '\n')
			line++;
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ',') {
			p++;
			continue;
		}
		if (end - p >= 3 && *p == '\xef' && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			continue;
		}
		if (kenchi_json_comment_line(p, end)) {
			for (next = kenchi_json_comment_end(p, end); p < next; p++)
				line += *p == '\n';
			continue;
		}
		if (!kenchi_json_value_start(p, end)) {
			/* Not a value: text between values, to the end of its
			 * line ("{ [122 bytes data]" of curl -v, too). */
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (!seen->text && !(*bad)++) {
				*first_bad = line;
				*first_why = g_strdup("not a JSON value");
			}
			p = nl ? nl : end;
			continue;
		}
		v = p;
		ve = kenchi_json_value_end(v, end);
		if (ve == end && (end[-1] != '}' && end[-1] != ']')) {
			/* Cut short (a download that stopped): the events that
			 * came whole before the cut. */
			int k = salvage(v, end, events, &seen->idless);

			if (k > 0) {
				n += k;
				seen->docs++;
				if (!(*bad)++) {
					*first_bad = line;
					*first_why = g_strdup_printf("cut short after %d whole event(s)", k);
				}
				break;
			}
		}
		if (kenchi_json_parse_doc(v, (gsize)(ve - v), &r, &w)) {
			n += kenchi_json_take(r, events, seen, NULL);
			next = ve;
		} else {
			if (!(*bad)++) {
				*first_bad = line;
				*first_why = w;
			} else {
				g_free(w);
			}
			next = ve;
		}
		for (; p < next; p++)
			line += *p == '\n';
	}
	return n;
}

/* Does F tell how the computer was when its page was fetched, not when
 * the event happened?  A laptop that changed network between two fetches
 * gives one event two external addresses. */
static gboolean
computer_now(int f)
{
	return f == EV_EXTERNAL_IP || f == EV_INTERNAL_IP;
}

/* Is COPY a copy of FIRST (an event of the same id) but for computer_now()
 * members?  Then those take FIRST's values, as the store keeps the first
 * copy it meets. */
static gboolean
copy_of(const kenchi_event_t *first, kenchi_event_t *copy)
{
	for (int f = 0; f < EV_NFIELDS; f++)
		if (!computer_now(f) && first->v[f] && copy->v[f] && strcmp(first->v[f], copy->v[f]) != 0)
			return FALSE;
	for (int f = 0; f < EV_NFIELDS; f++)
		if (computer_now(f) && first->v[f] && copy->v[f]) {
			g_free(copy->v[f]);
			copy->v[f] = g_strdup(first->v[f]);
		}
	return TRUE;
}

/* Is LATER the same event as FIRST (their ids agree), seen again after a
 * value changed: the same type, time, file and computer?  Ids rounded
 * through a double (a page saved from a spreadsheet) give two events one
 * id, and they differ there (round 22a j01, j13; two files found on one
 * PC in one second differ by their files). */
static gboolean
same_event(const kenchi_event_t *first, const kenchi_event_t *later)
{
	static const int what[] = { EV_EVENT_TYPE_ID, EV_EVENT_TYPE, EV_DATE, EV_SHA256 };
	/* The computer by its connector; a renamed one keeps it. */
	int who = first->v[EV_CONNECTOR_GUID] && later->v[EV_CONNECTOR_GUID] ? EV_CONNECTOR_GUID : EV_HOSTNAME;

	for (gsize k = 0; k < G_N_ELEMENTS(what); k++)
		if (g_strcmp0(first->v[what[k]], later->v[what[k]]) != 0)
			return FALSE;
	return g_strcmp0(first->v[who], later->v[who]) == 0;
}

/* The copies of an event among EVENTS from FROM on (one page saved twice,
 * pages that overlap) join the first, when their values agree: one AMP
 * id is one event, as in mail.  A later copy of the same event
 * (same_event()) with other values is the event as it is now, and takes
 * the first's place: a dump's "diff -u" gives the old line before the new
 * one, a fetcher's log "old={...} new={...}" (round 24a). */
static void
join_copies(GPtrArray *events, guint from)
{
	GHashTable *by_id = g_hash_table_new(g_str_hash, g_str_equal);   /* id -> index + 1 */

	for (guint i = from; i < events->len;) {
		kenchi_event_t *e = g_ptr_array_index(events, i);
		guint at = e->v[EV_ID] ? GPOINTER_TO_UINT(g_hash_table_lookup(by_id, e->v[EV_ID])) : 0;
		kenchi_event_t *first = at ? g_ptr_array_index(events, at - 1) : NULL;

		if (first && copy_of(first, e) && kenchi_event_absorb(first, e)) {
			g_ptr_array_remove_index(events, i);   /* frees e */
			continue;
		}
		if (first && same_event(first, e)) {
			g_ptr_array_steal_index(events, i);
			events->pdata[at - 1] = e;
			g_hash_table_replace(by_id, e->v[EV_ID], GUINT_TO_POINTER(at));
			kenchi_event_free(first);
			continue;
		}
		if (e->v[EV_ID] && first == NULL)
			g_hash_table_insert(by_id, e->v[EV_ID], GUINT_TO_POINTER(i + 1));
		i++;
	}
	g_hash_table_unref(by_id);
}

static kenchi_status_t api_parse(const char *bytes, gsize len, GPtrArray *events, char **reason);

/* The reason's words for events whose id was left out (add_one()). */
#define IDLESS_REASON "%d event(s) kept without their id: not a 64-bit integer"

/* Is [BYTES, BYTES+LEN) text around JSON (a log, a transcript), not JSON
 * that may have a bad line: does it begin with something else than a
 * value or a comment? */
static gboolean
text_around(const char *bytes, gsize len)
{
	const char *p = bytes, *end = bytes + len;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p < end && *p != '{' && *p != '[' && !kenchi_json_comment_line(p, end);
}

/* May the line [S, E) be one JSON value: an object or array that closes
 * at its end, or a scalar?  Only then is it worth a parse (each costs
 * json-glib a parser; a text of millions of lines "{" must not). */
static gboolean
whole_line(const char *s, const char *e)
{
	const char *ve;

	if (*s != '{' && *s != '[')
		return *s == '"' || *s == '-' || g_ascii_isdigit(*s) || *s == 't' || *s == 'f' || *s == 'n';
	ve = kenchi_json_value_close(s, e);
	return ve && !kenchi_json_more_text(ve, e);
}

/* How many values inside lines (a log's, a transcript's) that give no
 * event one input may have parsed: past it, such lines are bad lines.  A
 * hostile text of small values on every line would cost a parse each. */
#define LINE_TRIES 20000

kenchi_status_t
kenchi_api_parse(const char *bytes, gsize len, GPtrArray *events, char **reason)
{
	guint from = events->len;
	kenchi_status_t st = api_parse(bytes, len, events, reason);

	join_copies(events, from);
	return st;
}

static kenchi_status_t
api_parse(const char *bytes, gsize len, GPtrArray *events, char **reason)
{
	JsonNode *root = NULL;
	char *why = NULL;
	const char *p, *end = bytes + len;
	int bad = 0, line = 0, first_bad = 0, n = 0, idless = 0;
	char *first_why = NULL;
	kenchi_json_seen_t seen = { .budget = LINE_TRIES };

	*reason = NULL;
	{
		gsize ul = 0;
		char *u = kenchi_charset_from_utf16(bytes, len, &ul);

		if (u) {
			kenchi_status_t st = api_parse(u, ul, events, reason);

			g_free(u);
			return st;
		}
	}
	/* A UTF-8 byte order mark, as Windows PowerShell 5 writes one before
	 * an export: json-glib refuses it. */
	if (len >= 3 && memcmp(bytes, "\xef\xbb\xbf", 3) == 0) {
		bytes += 3;
		len -= 3;
		end = bytes + len;
	}
	if (memchr(bytes, '\0', len)) {
		*reason = g_strdup("NUL byte in JSON");
		return KENCHI_BAD_INPUT;
	}
	/* Not UTF-8: Windows' code page, as Windows PowerShell 5.1's
	 * Set-Content, Add-Content and Out-File -Encoding Default write it
	 * (CP932 on Japanese Windows, CP1252 on a Western one; no byte order
	 * mark), line by line: one such line appended to a UTF-8 stream
	 * leaves the rest as it is (round 27b).  Read before anything else
	 * looks at the bytes: a kanji's second byte may be 0x5C, a
	 * backslash. */
	if (!g_utf8_validate(bytes, (gssize)len, NULL)) {
		char *u = kenchi_charset_lines_to_utf8(bytes, len);

		if (u) {
			kenchi_status_t st = api_parse(u, strlen(u), events, reason);

			g_free(u);
			return st;
		}
		g_free(u);
	}
	seen.text = text_around(bytes, len);
	/* json-glib reads the first document of an event stream and ignores
	 * the rest, so an NDJSON file (first line a whole document, more lines
	 * after it) goes line by line from the start. */
	{
		const char *nl = memchr(bytes, '\n', len);
		JsonNode *first = NULL;
		char *w = NULL;
		if (nl && kenchi_json_more_text(nl + 1, end) && kenchi_json_parse_doc(bytes, nl - bytes, &first, &w)) {
			json_node_unref(first);
			goto lines;
		}
		g_free(w);
	}
	if (kenchi_json_parse_doc(bytes, len, &root, &why)) {
		gboolean empty_page = is_empty_page(root);
		char *failed = api_error(root);

		n = add_events_from(root, events, &idless, ENVELOPE_DEPTH);
		json_node_unref(root);
		if (idless)
			*reason = g_strdup_printf(IDLESS_REASON, idless);
		if (n == 0 && failed) {
			/* A saved answer to a failed request: the events it
			 * should have held were never fetched, which a person
			 * must see. */
			*reason = failed;
			return KENCHI_BAD_INPUT;
		}
		g_free(failed);
		if (n == 0) {
			/* A page of a time with no events: nothing wrong with
			 * it.  Nor with JSON that is no events at all (a
			 * /v1/computers page, an audit log saved beside the
			 * events): it reads, and it is not an alert. */
			*reason = g_strdup(empty_page ? "an API page with no events (data is empty)" :
			    "JSON with no event objects in it: not events");
			return KENCHI_OK;
		}
		return KENCHI_OK;
	}
	/* Not one document: try one object a line (an event stream). */
lines:
	for (p = bytes; p < end; ) {
		const char *nl = memchr(p, '\n', end - p), *e = nl ? nl : end;
		const char *s = p;
		char *w = NULL;
		gboolean line_bad = FALSE;

		line++;
		p = nl ? nl + 1 : end;
		while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		/* Streams concatenated with cat keep each one's byte order mark. */
		if (e - s >= 3 && *s == '\xef' && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		if (s >= e)
			continue;
		if (kenchi_json_comment_line(s, e)) {
			/* a block comment goes on to the line that ends it */
			const char *ce = kenchi_json_comment_end(s, end);
			const char *q = ce < end ? memchr(ce, '\n', (size_t)(end - ce)) : NULL;

			for (const char *x = e; x < (q ? q : end); x++)
				line += *x == '\n';
			p = q ? q + 1 : end;
			continue;
		}
		if (whole_line(s, e)) {
			JsonNode *r = NULL;

			if (kenchi_json_parse_doc(s, e - s, &r, &w)) {
				n += kenchi_json_take(r, events, &seen, NULL);
				continue;
			}
		}
		/* Not a whole value: values inside the line (a log's). */
		g_free(w);
		w = NULL;
		n += kenchi_json_line_values(s, e, events, &seen, &line_bad, bad ? NULL : &w);
		if (!line_bad)
			continue;
		if (!bad) {
			first_bad = line;
			first_why = w;
		}
		bad++;
	}
	if (bad || seen.text) {
		/* Lines that are no JSON of their own, or text around JSON:
		 * perhaps values that span lines, or share one.  The reading
		 * with more events wins. */
		GPtrArray *alt = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_event_free);
		kenchi_json_seen_t aseen = { .budget = LINE_TRIES, .text = seen.text };
		int abad = 0, afirst = 0;
		char *awhy = NULL;
		int an = stream_values(bytes, end, alt, &aseen, &abad, &afirst, &awhy);

		if (an > n || (an == n && abad < bad)) {
			gsize got = 0;
			gpointer *moved = g_ptr_array_steal(alt, &got);

			g_ptr_array_set_size(events, events->len - (guint)n);
			for (gsize k = 0; k < got; k++)
				g_ptr_array_add(events, moved[k]);
			g_free(moved);
			n = an;
			g_free(seen.failed);
			seen = aseen;
			aseen.failed = NULL;
			bad = abad;
			first_bad = afirst;
			g_free(first_why);
			first_why = awhy;
			awhy = NULL;
		}
		g_free(aseen.failed);
		g_free(awhy);
		g_ptr_array_unref(alt);
	}
	if (n == 0) {
		/* Values that are all JSON, none an event (an audit log, an
		 * empty page after curl's head): read, and not an alert, as
		 * for one document above; but the API's error answer is an
		 * error, with the API's words. */
		gboolean foreign = !seen.failed && seen.docs > 0 &&
		    (bad == 0 || seen.empty_page || seen.api_page);

		*reason = seen.failed ? g_strdup(seen.failed)
		    : foreign && seen.empty_page ? g_strdup("an API page with no events (data is empty)")
		    : foreign ? g_strdup_printf("JSON with no event objects in it: not events (%d line(s) of JSON)",
			seen.docs)
		    : g_strdup_printf("not JSON: %s", why ? why : first_why ? first_why : "no event");
		g_free(why);
		g_free(first_why);
		g_free(seen.failed);
		return foreign ? KENCHI_OK : KENCHI_BAD_INPUT;
	}
	/* Events kept without their id are said (intake round ri1 F6: an id
	 * past 2^63, a float, a negative one went without a word). */
	if (bad || seen.idless) {
		GString *r = g_string_new(NULL);

		if (seen.idless)
			g_string_append_printf(r, IDLESS_REASON, seen.idless);
		if (bad)
			g_string_append_printf(r, "%s%d bad line%s, first at line %d: %s", r->len ? "; " : "", bad,
			    bad > 1 ? "s" : "", first_bad, first_why);
		*reason = g_string_free(r, FALSE);
	}
	g_free(why);
	g_free(first_why);
	g_free(seen.failed);
	return KENCHI_OK;
}
