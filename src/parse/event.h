/* event.h: the normalized event, the unit that every source produces.
 *
 * An event is a fixed set of slots, one per field kenchi understands, named
 * by the Secure Endpoint API's JSON paths (see amp-alert-mail.md).  Slots are
 * UTF-8 strings owned by the event; absent fields are NULL and are left out
 * of the JSON rather than guessed.  kenchi_event_set() normalizes as it
 * stores (paths to C:\..., dates to UTC, Japanese words to the API's words),
 * so every producer (mail extractor, API JSON) gets the same result. */
#ifndef KENCHI_EVENT_H
#define KENCHI_EVENT_H

#include <glib.h>
#include <json-glib/json-glib.h>

typedef enum {
	EV_EVENT_TYPE, EV_EVENT_TYPE_ID, EV_ID, EV_DATE,
	EV_HOSTNAME, EV_CONNECTOR_GUID, EV_GROUP, EV_EXTERNAL_IP, EV_INTERNAL_IP, EV_USER,
	EV_SEVERITY, EV_DETECTION, EV_DETECTION_ID, EV_DISPOSITION,
	EV_FILE_NAME, EV_FILE_PATH, EV_SHA256, EV_PARENT_FILE_NAME, EV_PARENT_SHA256,
	EV_IOC_SHORT, EV_IOC_DESC, EV_REMOTE_IP, EV_URL, EV_TRAJECTORY,
	EV_GROUP_GUIDS,   /* the API's group_guids, "A, B": its AMP groups by id */
	/* A network event's other ends (the API's network_info), and a
	 * Vulnerable Application event's CVEs: the API's array as its JSON
	 * text (event_vuln.c).  Last, so that the older fields keep their
	 * order in the JSON. */
	EV_REMOTE_PORT, EV_LOCAL_IP, EV_LOCAL_PORT, EV_NFM_DIRECTION, EV_NFM_PROTOCOL, EV_VULNERABILITIES,
	EV_NFIELDS
} kenchi_field_t;

typedef struct {
	char *v[EV_NFIELDS];    /* owned, normalized; NULL when absent */
	gint64 date;            /* EV_DATE as Unix seconds, 0 when absent */
	int rejected;           /* values dropped by normalization (bad hash...) */
	gboolean bad_id;        /* an AMP id was given but is not a 64-bit integer */
	gboolean date_zoneless; /* EV_DATE was written with no zone (read as UTC) */
	gboolean soc_marks;     /* a value the SOC's own reports write and AMP never
	                         * does: defanged ("c[:]\\", "hxxp"), "記載なし" */
} kenchi_event_t;

/* The JSON path of a field ("computer.hostname"), and the reverse. */
const char *kenchi_field_path(kenchi_field_t f);
int kenchi_field_from_path(const char *path);   /* -1 when unknown */

kenchi_event_t *kenchi_event_new(void);
void kenchi_event_free(kenchi_event_t *ev);
kenchi_event_t *kenchi_event_copy(const kenchi_event_t *ev);
/* When every field A and B both give is the same (B a copy of A, perhaps
 * with more), move B's other fields into A and return TRUE; B keeps what
 * is left, for the caller to free.  Else FALSE, and neither changes. */
gboolean kenchi_event_absorb(kenchi_event_t *a, kenchi_event_t *b);
/* Copy into A each field B gives and A lacks (both normalized already);
 * returns whether any was. */
gboolean kenchi_event_fill(kenchi_event_t *a, const kenchi_event_t *b);

/* Normalize VALUE for field F and store it, replacing any previous value.
 * Returns FALSE (and stores nothing, counting ev->rejected) when the value is
 * not valid for the field: a malformed SHA-256, an unparseable date... */
gboolean kenchi_event_set(kenchi_event_t *ev, kenchi_field_t f, const char *value);
static inline const char *kenchi_event_get(const kenchi_event_t *ev, kenchi_field_t f) { return ev->v[f]; }

/* Fill event_type from event_type_id or the reverse, from the event-type
 * table (kenchi_event_types_load); no-op when the table is not loaded. */
void kenchi_event_complete(kenchi_event_t *ev);

/* True when the block holds enough to be an event (a type or a detection). */
gboolean kenchi_event_is_complete(const kenchi_event_t *ev);

/* A stable content fingerprint (hex SHA-256 prefix, 32 chars, g_free). */
char *kenchi_event_fingerprint(const kenchi_event_t *ev);
/* The event's unique key: "amp:<id>" when the AMP id is known, else "fp:<fingerprint>". g_free. */
char *kenchi_event_uid(const kenchi_event_t *ev);

/* Build the API-shaped JSON object (new reference, caller unrefs). */
JsonNode *kenchi_event_to_json(const kenchi_event_t *ev);
/* N as compact JSON text (g_free). */
char *kenchi_json_text(JsonNode *n);
/* Read the known paths out of an API-shaped object; unknown members ignored. */
kenchi_event_t *kenchi_event_from_json(JsonObject *obj);

/* event_vuln.c: the vulnerabilities slot's text from the API's array (JSON
 * text) or from a mail's list of CVE ids; NULL when it names none.  And
 * the slot's array again, for the JSON out (json_node_unref). */
char *kenchi_norm_vulnerabilities(const char *value);
JsonNode *kenchi_vulnerabilities_node(const char *slot);

/* Event-type table: data/event-types.tsv, "id<TAB>name<TAB>alias".
 * Loaded once per process; thread-safe to read after loading. */
gboolean kenchi_event_types_load(const char *path, GError **error);
const char *kenchi_event_type_name(gint64 id);          /* NULL when unknown */
gint64 kenchi_event_type_id(const char *name);          /* 0 when unknown; case-insensitive, aliases too */
const char *kenchi_event_type_canonical(const char *name); /* the table's spelling, or NULL */

#endif
