/* apijson_int.h: what jsonscan.c (JSON text before json-glib), apijson.c
 * (JSON documents: pages, streams, envelopes) and apitext.c (JSON inside
 * text that is not all JSON: log lines, curl transcripts) share.
 * Internal to src/parse. */
#ifndef KENCHI_APIJSON_INT_H
#define KENCHI_APIJSON_INT_H

#include <json-glib/json-glib.h>

/* What the JSON values of one input gave besides their events. */
typedef struct {
	int docs;             /* values read */
	int idless;           /* events kept without their id: it was no 64-bit integer */
	gboolean empty_page;  /* an API page whose data[] is empty */
	gboolean api_page;    /* an API answer of another kind (metadata, and data or errors) */
	char *failed;         /* the first API error answer, as a reason (g_free) */
	int tries;            /* values inside lines that gave no event */
	int budget;           /* how many such tries are allowed; 0: none */
	gboolean text;        /* text around JSON (a log, a transcript): its lines
	                       * without JSON are its own, not bad lines */
} kenchi_json_seen_t;

/* jsonscan.c */
/* One JSON value, [S, S+LEN), depth- and escape-checked, comments and
 * trailing commas cleaned (kenchi_jsonc_clean()).  FALSE with *WHY (g_free). */
gboolean kenchi_json_parse_doc(const char *s, gsize len, JsonNode **root, char **why);
/* Past the bracket that closes the value opening at P ('{' or '['), or
 * NULL (value_close) or END (value_end) when none does before END. */
const char *kenchi_json_value_close(const char *p, const char *end);
const char *kenchi_json_value_end(const char *p, const char *end);
/* May a value begin at P: a '{' then a member's name or its '}', or a '['
 * then an object, an array, a string or its ']' (white space between)?
 * Not a log's "[2026-12-15 00:00:02]", "[worker]" or "{3}", nor curl's
 * "{ [122 bytes data]", which json-glib need not be asked about. */
gboolean kenchi_json_value_start(const char *p, const char *end);
/* Does [P, END) begin a "#" or "//" comment, or a "/" "*" one? */
gboolean kenchi_json_comment_line(const char *p, const char *end);
/* Past the comment that begins at P: after its closing "*" "/", or at
 * the newline that ends it; END when nothing does. */
const char *kenchi_json_comment_end(const char *p, const char *end);
/* [S, S+LEN) with its comments and trailing commas blanked, or NULL when
 * json-glib can read it as it is (g_free). */
char *kenchi_jsonc_clean(const char *s, gsize len);
/* Anything but white space in [P, END)? */
gboolean kenchi_json_more_text(const char *p, const char *end);

/* apijson.c */
/* ROOT's events into EVENTS, what else it is into SEEN; unrefs ROOT.
 * How many events; *ANSWER (when not NULL): ROOT is an API answer that is
 * no event (an empty page, another endpoint's page, the API's error). */
int kenchi_json_take(JsonNode *root, GPtrArray *events, kenchi_json_seen_t *seen, gboolean *answer);

/* apitext.c */
/* The values inside the line [S, E) (kenchi_json_value_start() ones, up
 * to 32, while SEEN's budget lasts): their events into EVENTS, the rest
 * into SEEN.  *BAD: no value was read, or the object the line begins
 * with is broken; then *WHY (g_free) says why, when WHY is not NULL.  How
 * many events. */
int kenchi_json_line_values(const char *s, const char *e, GPtrArray *events, kenchi_json_seen_t *seen,
			    gboolean *bad, char **why);
/* Is [BYTES, BYTES+LEN), which does not open with JSON, API JSON inside
 * text (curl output, a fetcher's log) rather than a mail? */
gboolean kenchi_json_transcript(const char *bytes, gsize len);

#endif
