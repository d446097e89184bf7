/* correlate.h: placing a stored event in a case, inside the ingest
 * transaction: correlation (detection_id, then host+file in the window),
 * outbreak links, allow/block lists, tuning, scoring, and the deadlines of
 * the first and second report.  Nothing here prints.
 *
 * The context owns the scoring rules, the calendars (one per customer, for
 * their overrides) and a regex match context; it is used by one thread. */
#ifndef KENCHI_CORRELATE_H
#define KENCHI_CORRELATE_H

#include <glib.h>
#include "util/config.h"
#include "util/status.h"
#include "parse/event.h"
#include "store/store.h"
#include "case/scoring.h"
#include "case/calendar.h"
#include "case/hosts.h"

typedef struct kenchi_cases kenchi_cases_t;

/* Load data/scoring.rules and data/holidays-jp.tsv below CFG's data root.
 * NULL with *error ("file:line: message" lines) on a bad file. */
kenchi_cases_t *kenchi_cases_new(const kenchi_config_t *cfg, GError **error);
void kenchi_cases_free(kenchi_cases_t *cx);
const kenchi_scoring_t *kenchi_cases_scoring(const kenchi_cases_t *cx);
/* The calendar for CUSTOMER (the base calendar with its overrides); owned by CX. */
const kenchi_calendar_t *kenchi_cases_calendar(kenchi_cases_t *cx, const char *customer);

typedef struct {
	gint64 case_id;
	gboolean created;        /* a new case was opened */
	gboolean became_reportable; /* the case needs a first report now (new, or out of suppression) */
	int score;               /* the case's */
	char priority[3];
	char was_priority[3];    /* the case's before the event ("": a new case) */
	int event_score;         /* the event's own, for its row */
	char event_priority[3];
	int own_score;           /* the event's alone: in a case of its own (store.h) */
	int hosts;               /* the machines with its file in the window */
	gint64 bridged[4];       /* other open cases of the machine and file in the
				  * window: the event is a repeat of each */
	int n_bridged;
	gint64 raised[8];        /* other reportable cases of the outbreak that one
				  * host more made P1 (the first 8), */
	char raised_was[8][3];   /* with the priority each had */
	int n_raised;
} kenchi_placement_t;

/* Place event EV of CUSTOMER that arrived at ARRIVAL, before its row is
 * inserted (with OUT's case and event score): inserting the row complete
 * costs less than inserting it and rewriting it.  The caller has checked
 * that the event is not stored yet, inside the write transaction that
 * inserts it.  NOW is the ingest time (tuning dates compare with it). */
kenchi_status_t kenchi_cases_place(kenchi_cases_t *cx, kenchi_store_t *st, const kenchi_event_t *ev,
				   const char *customer, gint64 arrival, gint64 now, kenchi_placement_t *out);

/* Case FROM into case INTO: two open cases of one machine and file, both
 * in the window of an event that is a repeat of each (kenchi_placement_t's
 * bridged).  FROM's events move, it is closed as merged, and INTO takes its
 * earlier arrival (deadlines), detection id, quarantine outcome and
 * escalation, and is scored again with HOSTS hosts (WAS and IS: its
 * priority before and after).  KENCHI_NOT_FOUND,
 * nothing done: they are no longer both open, or differ in state (one
 * suppressed, in tuning or not yet reportable, the other not).  The
 * caller holds the write transaction and mends the reports. */
kenchi_status_t kenchi_cases_merge(kenchi_cases_t *cx, kenchi_store_t *st, gint64 from, gint64 into, int hosts,
				   gint64 now, char was[3], char is[3]);

/* Score case ID again from its events, with its outbreak's hosts (an
 * analyst's merge moved events into it). */
kenchi_status_t kenchi_cases_rescore(kenchi_cases_t *cx, kenchi_store_t *st, gint64 id);

/* The case keys of an event: hosts.h. */

#endif
