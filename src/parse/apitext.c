/* apitext.c: API JSON inside text that is not all JSON, as people save it:
 * a fetcher's log with values inside its lines, the output of curl -v or
 * curl -i around a page; and whether a text is a mail at all.  apijson.c
 * reads the documents, jsonscan.c cleans a hand-edited one. */
#include <string.h>
#include "parse/apijson.h"
#include "parse/apijson_int.h"
#include "parse/event.h"

/* The smallest id of the API's size: AMP's event ids are 64-bit numbers
 * far above it (the format reference: above 2^53); a test's "id": 1 is
 * not one. */
#define API_ID_MIN G_GINT64_CONSTANT(1000000000)

/* The smallest type id of the API's kind: its event types are numbers of
 * nine or ten digits (553648130, 1090519054), a newer one the table does
 * not list yet too. */
#define API_TYPE_ID_MIN G_GINT64_CONSTANT(1000000)

/* Remove from EVENTS, from BEFORE on, the events unlike the API's: no id
 * of its size, or no type of its kind (a type id of its size, or a name
 * the event-type table knows).  An event kept without an id that was no
 * 64-bit integer (add_one()) is removed too, and *IDLESS no longer counts
 * it: a template's or a request's "id" is as likely as jq's rounding.
 * How many. */
static int
drop_unlike_api(GPtrArray *events, guint before, int *idless)
{
	int dropped = 0;

	for (guint i = before; i < events->len;) {
		const kenchi_event_t *ev = g_ptr_array_index(events, i);
		gboolean known = ev->v[EV_EVENT_TYPE_ID] ?
		    g_ascii_strtoll(ev->v[EV_EVENT_TYPE_ID], NULL, 10) >= API_TYPE_ID_MIN :
		    ev->v[EV_EVENT_TYPE] && kenchi_event_type_id(ev->v[EV_EVENT_TYPE]) != 0;

		if (ev->v[EV_ID] && g_ascii_strtoll(ev->v[EV_ID], NULL, 10) >= API_ID_MIN && known) {
			i++;
			continue;
		}
		if (ev->bad_id)
			(*idless)--;
		g_ptr_array_remove_index(events, i);   /* frees it */
		dropped++;
	}
	return dropped;
}

/* How many values on one line kenchi_json_line_values() tries. */
#define LINE_VALUE_TRIES 32

int
kenchi_json_line_values(const char *s, const char *e, GPtrArray *events, kenchi_json_seen_t *seen,
			gboolean *bad, char **why)
{
	const char *q = s, *fixed = NULL;   /* the reason of a bad line: a fixed text, or ... */
	char *err = NULL;                    /* ... json-glib's, for the value the line begins with */
	int n = 0, read = 0;

	/* Every whole value on the line, after text of another kind or
	 * before it: a fetcher's log ("2026-12-15T00:00:02Z INFO event
	 * {...}", "[2026-12-15 00:00:02] event {...} (took 12 ms)"), two
	 * values on a line, curl's "* Connection #0 ... left intact" after a
	 * page that had no newline.  A bracket whose value does not parse is
	 * passed over whole ("[worker{3}]"): no value inside it is read. */
	for (int tries = 0; tries < LINE_VALUE_TRIES && seen->tries < seen->budget && q < e;) {
		const char *ve;
		JsonNode *r = NULL;
		char *w = NULL;

		while (q < e && *q != '{' && *q != '[')
			q++;
		if (q >= e)
			break;
		if (!kenchi_json_value_start(q, e)) {
			/* a log's "[2026-12-15 00:00:02]" or "[fetch#3]" */
			q++;
			tries++;
			continue;
		}
		if ((ve = kenchi_json_value_close(q, e)) == NULL) {
			/* A value that goes on past the line (a page that
			 * another thread's log line cut): the rest of the
			 * line is its, and no value inside it is one of the
			 * line's.  The line is bad: its value is not read. */
			fixed = fixed ? fixed : "a value that does not end on its line";
			read = 0;
			break;
		}
		if (kenchi_json_parse_doc(q, (gsize)(ve - q), &r, &w)) {
			guint before = events->len;
			gboolean answer = FALSE;
			int k = kenchi_json_take(r, events, seen, &answer);

			/* Inside text, a value is an event only with an id and
			 * a type of the API's (drop_unlike_api()): not a
			 * request's body echoed in a log, a template, a log
			 * record of the fetcher's own ("event_type":
			 * "fetch_failed"). */
			k -= drop_unlike_api(events, before, &seen->idless);
			/* Values that are no event nor API answer cost the
			 * budget: a hostile text of many small values is not
			 * parsed for ever. */
			seen->tries += k == 0 && !answer;
			n += k;
			read++;
		} else {
			if (q == s && fixed == NULL) {
				fixed = "";
				err = w;
			} else {
				g_free(w);
			}
			tries++;
			seen->tries++;
		}
		q = ve;
	}
	if (read == 0 && fixed == NULL && !seen->text)
		fixed = "not a JSON value";
	/* A log's line may begin with a field in brackets ("[2026-12-15
	 * 00:00:02] INFO event {...}"); an object that begins a line and
	 * does not parse is broken, whatever follows it. */
	*bad = fixed && (read == 0 || *s == '{');
	if (*bad && why)
		*why = err ? err : g_strdup(fixed);
	else
		g_free(err);
	return n;
}

gboolean
kenchi_mail_header_line(const char *p, const char *e)
{
	const char *q = p;

	if (e - p >= 5 && memcmp(p, "From ", 5) == 0)
		return TRUE;
	while (q < e && *q > ' ' && *q < 127 && *q != ':')
		q++;
	return q > p && q < e && *q == ':';
}

/* How far kenchi_mail_head() reads. */
#define HEAD_SCAN (64 * 1024)

/* A log's lines can look like fields ("INFO:amp_fetch:event {...}",
 * "amp-fetch: event {...}", "sato@soc01:~$ cat events.json"), and a dump
 * may open with a "Date:" line, a "Received: 2 events" line, a window's
 * "From:" and "To:" or a report's "From: 2026-11-26"; none of them is a
 * mail's whole header (kenchi_mail_head(), apijson.h). */
gboolean
kenchi_mail_head(const char *bytes, gsize len)
{
	static const char *const names[] = { "date:", "received:", "return-path:", "message-id:", "subject:",
		"mime-version:", "delivered-to:", "dkim-signature:", "x-original-to:", "content-type:", NULL };
	const char *p = bytes, *end = bytes + MIN(len, (gsize)HEAD_SCAN), *nl;
	gboolean from = FALSE, other = FALSE;

	nl = memchr(p, '\n', (size_t)(end - p));
	if (!kenchi_mail_header_line(p, nl ? nl : end))
		return FALSE;
	if (end - p >= 5 && memcmp(p, "From ", 5) == 0)
		return TRUE;
	for (; p < end && !(from && other); p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (p == nl || (*p == '\r' && p + 1 == nl))
			break;   /* the end of the header */
		if (end - p >= 5 && g_ascii_strncasecmp(p, "from:", 5) == 0) {
			/* an address, not a report's "From: 2026-11-26" */
			from = memchr(p, '@', (size_t)((nl ? nl : end) - p)) != NULL;
			continue;
		}
		for (int k = 0; names[k] && !other; k++)
			other = (gsize)(end - p) >= strlen(names[k]) && g_ascii_strncasecmp(p, names[k], strlen(names[k])) == 0;
	}
	return from && other;
}

/* Is SEEN (of a value with N events) an API answer? */
static gboolean
api_answer(const kenchi_json_seen_t *seen, int n)
{
	return n > 0 || seen->idless > 0 || seen->empty_page || seen->api_page || seen->failed != NULL;
}

/* How many values that span lines it tries (each one read to its end),
 * and how many values inside lines: a text of many values, none an API
 * answer, is no transcript, and each try is a parse. */
#define TRANSCRIPT_SPANS 4
#define TRANSCRIPT_TRIES 2000

/* Is [BYTES, BYTES+LEN), which does not open with JSON, API JSON inside
 * text: curl -v or curl -i output (an HTTP head, then the page, on one
 * line or pretty-printed), a fetcher's log with values inside its lines?
 * Not when it opens as a mail (kenchi_mail_head()).  It is when a line holds an
 * API answer (events, an empty page, the API's error, another endpoint's
 * page), or a value beginning a line and spanning lines is one.  The
 * whole text is looked at (a poller's log may hold a day of "0 new
 * events" lines before its first event); lines without a bracket cost a
 * memchr, and the parses are bounded (TRANSCRIPT_TRIES, _SPANS). */
gboolean
kenchi_json_transcript(const char *bytes, gsize len)
{
	const char *p = bytes, *end = bytes + len, *nl;
	GPtrArray *evs;
	gboolean api = FALSE;
	int spans = 0, tries = 0;

	if (kenchi_mail_head(bytes, len))
		return FALSE;
	evs = g_ptr_array_new_with_free_func((GDestroyNotify)kenchi_event_free);
	for (; !api && p < end && tries < TRANSCRIPT_TRIES; p = nl ? nl + 1 : end) {
		kenchi_json_seen_t seen = { .budget = TRANSCRIPT_TRIES - tries };
		const char *e, *s = p;
		gboolean bad = FALSE;
		int n = 0;

		nl = memchr(p, '\n', (size_t)(end - p));
		e = nl ? nl : end;
		if (!memchr(p, '{', (size_t)(e - p)) && !memchr(p, '[', (size_t)(e - p)))
			continue;
		n = kenchi_json_line_values(p, e, evs, &seen, &bad, NULL);
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (!api_answer(&seen, n) && bad && kenchi_json_value_start(s, end) && spans++ < TRANSCRIPT_SPANS) {
			/* a value that opens this line and closes on another */
			const char *ve = kenchi_json_value_end(s, end);
			JsonNode *r = NULL;
			char *w = NULL;

			if (kenchi_json_parse_doc(s, (gsize)(ve - s), &r, &w))
				n += kenchi_json_take(r, evs, &seen, NULL);
			g_free(w);
		}
		api = api_answer(&seen, n);
		tries += seen.tries;
		g_free(seen.failed);
	}
	g_ptr_array_unref(evs);
	return api;
}
