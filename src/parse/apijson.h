/* apijson.h: Secure Endpoint API JSON: a /v1/events page ({"data": [...]}),
 * a bare array of events, or an event stream written one object a line
 * (NDJSON).  Ids are read as integers, never through a double. */
#ifndef KENCHI_APIJSON_H
#define KENCHI_APIJSON_H

#include <glib.h>
#include "util/status.h"

#define KENCHI_JSON_MAX_DEPTH 64

/* Does [P, E) open a mail's header: a field ("Name: value", a name of
 * printable characters and no space) or an mbox "From " line? */
gboolean kenchi_mail_header_line(const char *p, const char *e);

/* Does [BYTES, BYTES+LEN) open as a mail does: its first line a header
 * field or an mbox "From " line, and the fields before the first blank
 * line holding a "From:" with an address (every mail has one, RFC 5322)
 * and another field of a mail's (Date, Received, Message-ID, Subject,
 * ...)?  Its first 64 KB are read. */
gboolean kenchi_mail_head(const char *bytes, gsize len);

/* True when BYTES look like JSON rather than mail (first non-space byte). */
gboolean kenchi_api_sniff(const char *bytes, gsize len);

/* Parse BYTES into EVENTS (kenchi_event_t*, appended; the array owns them).
 * KENCHI_BAD_INPUT with *reason (g_free) when nothing could be read; when
 * some NDJSON lines were bad, returns KENCHI_OK with *reason saying which.
 * An API page whose data[] is empty is KENCHI_OK with no events and a
 * *reason.  A leading UTF-8 byte order mark is skipped. */
kenchi_status_t kenchi_api_parse(const char *bytes, gsize len, GPtrArray *events, char **reason);

#endif
