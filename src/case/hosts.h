/* hosts.h: the keys of a case (its host and its file) and the hosts of an
 * outbreak, read from the cases of one file in the correlation window
 * (store.h kenchi_store_file_window).  What a case is then is correlate.c's.
 * Nothing here touches the store or prints. */
#ifndef KENCHI_CASE_HOSTS_H
#define KENCHI_CASE_HOSTS_H

#include <glib.h>
#include "parse/event.h"
#include "store/store.h"
#include "util/status.h"

/* The case keys of an event (g_free): host (GUID, else lower-case hostname;
 * kenchi_hosts_join() joins the two by hostname) and file (SHA-256, else
 * "det:" detection, else "ioc:", else "type:" event type id). */
char *kenchi_case_host_key(const kenchi_event_t *ev);
char *kenchi_case_file_key(const kenchi_event_t *ev);

/* The window WIN's cases with no GUID, and the event EV with its key
 * HOST_KEY (g_free), take the GUID of a case, or of the event, with their
 * hostname; a hostname without a domain is first made the one with a
 * domain of its first label among them.  A key of no GUID whose hostname
 * two GUIDs, or two domains, have goes into UNSURE (a set of g_malloc'd
 * keys).  The key to use is returned. */
char *kenchi_hosts_join(GArray *win, const kenchi_event_t *ev, char *host_key, GHashTable *unsure);

/* Whether host PATTERN (an allow entry's, a customer's servers; "*" and
 * "?" wildcards, no case) matches HOSTNAME; a pattern without a domain
 * also matches a hostname's first label (PC-1 covers PC-1.corp.local), a
 * pattern with one only that domain. */
gboolean kenchi_host_matches(const char *pattern, const char *hostname);
/* Whether NAME, without a domain, is the first label of FQDN. */
gboolean kenchi_host_domain_of(const char *name, const char *fqdn);
/* Whether hostnames A and B name one machine: equal without case or the
 * root's dot, or one the other without its domain.  No wildcards. */
gboolean kenchi_host_same(const char *a, const char *b);

/* How many hosts have the file in WIN, the case at hand (HOST_KEY, its id
 * ID or 0 when new) included and the keys in UNSURE not; *FIRST the
 * smallest case id of them; *GREW whether HOST_KEY is new among them. */
int kenchi_hosts_count(GArray *win, const char *host_key, GHashTable *unsure, gint64 id, gint64 *first,
		       gboolean *grew);

/* The case of WIN an event of HOST_KEY joins: not closed, the one last
 * seen latest (of two, the later case); KENCHI_NOT_FOUND when none. */
kenchi_status_t kenchi_hosts_same_case(GArray *win, const char *host_key, gint64 *id);

/* When case ID is in WIN, or the event went to it by its detection id
 * (BY_DETECTION): WIN's other open cases of HOST_KEY, which the event
 * repeats as well (correlate.h, kenchi_cases_merge), the first MAX of them
 * into OUT; how many. */
int kenchi_hosts_bridged(GArray *win, const char *host_key, gint64 id, gboolean by_detection, gint64 *out, int max);

#endif
