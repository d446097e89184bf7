/* correlate_int.h: private to src/case: what correlate.c (placing an
 * event) shares with merge.c (two cases that are one). */
#ifndef KENCHI_CORRELATE_INT_H
#define KENCHI_CORRELATE_INT_H

#include "case/correlate.h"
#include "case/lists.h"

/* A copy of a case row whose strings we own (s[], by slot). */
typedef struct {
	kenchi_case_row_t row;
	char *s[12];
} case_buf_t;

/* kenchi_store_case_get's callback: the row into a case_buf_t. */
gboolean kenchi_case_copy(const kenchi_case_row_t *r, gpointer user);
/* *FIELD = a copy of V, owned by B's SLOT. */
void kenchi_case_set_str(case_buf_t *b, int slot, const char **field, const char *v);
void kenchi_case_buf_clear(case_buf_t *b);
/* C's arrival, and the deadlines that run from it. */
void kenchi_case_set_deadlines(kenchi_cases_t *cx, kenchi_case_row_t *c, gint64 arrival);
/* Score case ID (of the customer whose lists are LS) again with HOSTS
 * hosts; RAISED (may be NULL) collects it when that made it P1. */
kenchi_status_t kenchi_case_rescore(kenchi_cases_t *cx, kenchi_store_t *st, const kenchi_lists_t *ls, gint64 id,
				    int hosts, kenchi_placement_t *raised);

/* At most this many of an outbreak's cases are read for an event: a
 * worm's thousandth host costs no more than its 256th. */
#define KENCHI_OUTBREAK_READ 256

/* The groups of linked cases the window WIN holds (outbreak.c): each
 * outbreak, and each case in none, the event's own case ID (of OUTBREAK,
 * 0: none; ID 0: a new case, none) too; how many.  The outbreaks, the
 * first MAX, into OBS (*N_OBS). */
int kenchi_outbreak_groups(GArray *win, gint64 id, gint64 outbreak, gint64 *obs, int *n_obs, int max);
/* The hosts of the outbreaks OBS[0..N_OBS), the window WIN's and HOST_KEY's
 * with them, those in UNSURE left out: *HOSTS when more than it says, and
 * *GREW whether HOST_KEY is new among them.  IDS gets the outbreaks' open
 * cases (gint64). */
kenchi_status_t kenchi_outbreak_reach(kenchi_store_t *st, GArray *win, const char *customer, const gint64 *obs,
				      int n_obs, const char *host_key, GHashTable *unsure, int *hosts, gboolean *grew,
				      GArray *ids);
/* kenchi_store_cases_each's callback: each open case's id onto the GArray. */
gboolean kenchi_outbreak_take_open(const kenchi_case_row_t *r, gpointer user);

/* The open case that the machine HOST_KEY's case in WIN was merged into
 * (merge.c), in *ID; KENCHI_NOT_FOUND when none. */
kenchi_status_t kenchi_cases_merged_host_case(kenchi_store_t *st, GArray *win, const char *host_key, gint64 *id);

#endif
