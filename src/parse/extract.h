/* extract.h: recognise an alert and read its events, by the rules.
 *
 * The input is what mime.c produced (or any text: `kenchi parse` of a
 * plain file works too).  Nothing here prints; counts of what was ignored
 * come back in the result for the caller to log. */
#ifndef KENCHI_EXTRACT_H
#define KENCHI_EXTRACT_H

#include <glib.h>
#include "parse/rules.h"
#include "parse/mime.h"
#include "util/status.h"

typedef enum { KENCHI_KIND_ALERT, KENCHI_KIND_NOT_ALERT, KENCHI_KIND_ERROR } kenchi_kind_t;
const char *kenchi_kind_to_string(kenchi_kind_t k);

/* Events read from one mail at most.  A digest holds tens; a mail of a
 * million "Event Type:" lines held 300,000 events in 640 MB before it was
 * refused.  The text after the last one is not read, and the reason says
 * so (the stored message keeps it all).  API JSON has no such limit: a
 * backlog's export is one file. */
#define KENCHI_MAIL_EVENTS_MAX 1000

typedef struct {
	kenchi_kind_t kind;
	char *reason;            /* g_malloc'd, NULL for a clean alert */
	const kenchi_rule_t *rule; /* the rule that recognised it, or NULL; owned by the rules */
	GPtrArray *events;       /* kenchi_event_t*, owned */
	int unknown_labels;      /* label lines no rule knows */
	int rejected_values;     /* values dropped by normalization */
	int regex_errors;        /* matches that hit a limit */
	int headless;            /* blocks with no event type, id or date: not events */
	int fields_read;         /* alert-only field values read (computer, file,
	                          * detection, id), in events or not */
	gboolean capped;         /* KENCHI_MAIL_EVENTS_MAX read, and text after them */
	gboolean subject_host;   /* given to the reader: the mail's subject names
	                          * a computer, which a block may lack */
} kenchi_extract_t;

void kenchi_extract_init(kenchi_extract_t *x);
void kenchi_extract_clear(kenchi_extract_t *x);

/* Classify MAIL and extract its events.  M is the caller's per-thread
 * match context. */
void kenchi_extract_mail(const kenchi_rules_t *rules, kenchi_re_match_t *m,
			 const kenchi_mail_t *mail, kenchi_extract_t *out);

#endif
