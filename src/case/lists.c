/* lists.c: what an allow or block list entry matches in an event, and the
 * open cases a new entry covers (see lists.h). */
#include <string.h>
#include <gio/gio.h>   /* g_hostname_is_ip_address */
#include <json-glib/json-glib.h>
#include "case/lists.h"
#include "case/hosts.h"
#include "parse/normalize.h"

typedef struct {
	const kenchi_event_t *ev;
	const char *host;    /* the machine's name with its domain, when EV gives it without (or NULL) */
	char *hit;           /* "kind value" of the first match, g_malloc'd */
	/* EV's URL canonical and its host, each read once for all the rows
	 * it is matched against (url_of), owned */
	gboolean url_read;
	char *url_canon, *url_host;
} list_match_t;

/* The canonical form and the host of LM's event's URL (either NULL). */
static void
url_of(list_match_t *lm)
{
	const char *url = lm->ev->v[EV_URL];

	if (lm->url_read)
		return;
	lm->url_read = TRUE;
	if (url) {
		lm->url_canon = kenchi_url_canonical(url);
		lm->url_host = kenchi_url_host(url);
	}
}

static void
list_match_clear(list_match_t *lm)
{
	g_free(lm->url_canon);
	g_free(lm->url_host);
}

/* HOST (kenchi_url_host's) is DOMAIN or below it. */
static gboolean
domain_matches(const char *host, const char *domain)
{
	size_t hl = strlen(host), dl = strlen(domain);

	if (hl == dl)
		return strcmp(host, domain) == 0;
	return hl > dl && host[hl - dl - 1] == '.' && strcmp(host + hl - dl, domain) == 0;
}

/* Both sides are made canonical here, not only when an entry is added:
 * entries stored by older versions hold "http://Evil.example.com:80" and
 * defanged or international names as typed (round rs1 F6). */
static gboolean
url_matches(list_match_t *lm, const char *entry)
{
	char *b;
	gboolean hit;

	url_of(lm);
	b = kenchi_url_canonical(entry);
	/* a URL without a scheme has no parts to compare: as written */
	hit = lm->url_canon && b ? strcmp(lm->url_canon, b) == 0 : g_ascii_strcasecmp(lm->ev->v[EV_URL], entry) == 0;
	g_free(b);
	return hit;
}

static gboolean
url_in_domain(list_match_t *lm, const char *entry)
{
	char *plain = kenchi_norm_refang_url(entry), *d = kenchi_norm_hostname(plain ? plain : entry);
	gboolean hit;

	url_of(lm);
	hit = lm->url_host && d && domain_matches(lm->url_host, d);
	g_free(plain);
	g_free(d);
	return hit;
}

/* An ip entry matches the event's remote address, and the host of its URL
 * when that is an address: a download from http://203.0.113.7/x.exe is
 * from 203.0.113.7 (round rs1 F4). */
static gboolean
ip_matches(list_match_t *lm, const char *entry)
{
	const kenchi_event_t *ev = lm->ev;

	if (ev->v[EV_REMOTE_IP] && kenchi_ip_in(ev->v[EV_REMOTE_IP], entry))
		return TRUE;
	url_of(lm);
	return lm->url_host && g_hostname_is_ip_address(lm->url_host) && kenchi_ip_in(lm->url_host, entry);
}

static gboolean
match_list_row(const kenchi_list_row_t *l, gpointer user)
{
	list_match_t *lm = user;
	const kenchi_event_t *ev = lm->ev;
	gboolean hit = FALSE;

	if (strcmp(l->kind, "sha256") == 0) {
		hit = (ev->v[EV_SHA256] && g_ascii_strcasecmp(ev->v[EV_SHA256], l->value) == 0) ||
		    (ev->v[EV_PARENT_SHA256] && g_ascii_strcasecmp(ev->v[EV_PARENT_SHA256], l->value) == 0 &&
		     strcmp(l->list, "block") == 0);
	} else if (strcmp(l->kind, "detection") == 0) {
		hit = ev->v[EV_DETECTION] && g_ascii_strcasecmp(ev->v[EV_DETECTION], l->value) == 0;
	} else if (strcmp(l->kind, "path") == 0 && ev->v[EV_FILE_PATH]) {
		/* Windows paths compare without case; the glob is the analyst's. */
		char *p = g_utf8_casefold(ev->v[EV_FILE_PATH], -1), *g = g_utf8_casefold(l->value, -1);
		hit = g_pattern_match_simple(g, p);
		g_free(p);
		g_free(g);
	} else if (strcmp(l->kind, "host") == 0 && ev->v[EV_HOSTNAME]) {
		hit = kenchi_host_matches(l->value, ev->v[EV_HOSTNAME]) ||
		    (lm->host && kenchi_host_matches(l->value, lm->host));
	} else if (strcmp(l->kind, "ip") == 0) {
		/* an address, or a network (rc1 F6: "203.0.113.0/24" never hit) */
		hit = ip_matches(lm, l->value);
	} else if (strcmp(l->kind, "url") == 0) {
		hit = ev->v[EV_URL] && url_matches(lm, l->value);
	} else if (strcmp(l->kind, "domain") == 0 && ev->v[EV_URL]) {
		hit = url_in_domain(lm, l->value);
	}
	if (hit)
		lm->hit = g_strdup_printf("%s %s", l->kind, l->value);
	return !hit;
}

struct kenchi_lists {
	GPtrArray *rows[2];   /* allow, block: kenchi_list_row_t *, the customer's, then "*"'s */
};

static void
row_free(gpointer p)
{
	kenchi_list_row_t *l = p;

	g_free((char *)l->list);
	g_free((char *)l->kind);
	g_free((char *)l->value);
	g_free(l);
}

static gboolean
keep_row(const kenchi_list_row_t *l, gpointer user)
{
	kenchi_list_row_t *c = g_new0(kenchi_list_row_t, 1);

	c->id = l->id;
	c->list = g_strdup(l->list);
	c->kind = g_strdup(l->kind);
	c->value = g_strdup(l->value);
	g_ptr_array_add(user, c);
	return TRUE;
}

kenchi_lists_t *
kenchi_lists_load(kenchi_store_t *st, const char *customer, kenchi_status_t *rc)
{
	static const char *const names[2] = { "allow", "block" };
	kenchi_lists_t *ls = g_new0(kenchi_lists_t, 1);

	*rc = KENCHI_OK;
	for (int i = 0; i < 2; i++) {
		ls->rows[i] = g_ptr_array_new_with_free_func(row_free);
		/* "*" entries apply to every customer (a SOC-wide false positive). */
		if (*rc == KENCHI_OK)
			*rc = kenchi_store_list_each(st, names[i], customer, keep_row, ls->rows[i]);
		if (*rc == KENCHI_OK)
			*rc = kenchi_store_list_each(st, names[i], "*", keep_row, ls->rows[i]);
	}
	if (*rc != KENCHI_OK) {
		kenchi_lists_free(ls);
		return NULL;
	}
	return ls;
}

/* CASE_HOST when EV names the case's machine without its domain, else
 * NULL.  Every scored event asks: the dots are looked at before anything
 * is copied. */
static const char *
full_name(const kenchi_event_t *ev, const char *case_host)
{
	const char *h = ev ? ev->v[EV_HOSTNAME] : NULL, *dot = h ? strchr(h, '.') : NULL;

	/* A name with a dot other than the root's has its domain already. */
	if (case_host == NULL || h == NULL || strchr(case_host, '.') == NULL || (dot && dot[strspn(dot, ".")] != '\0'))
		return NULL;
	return kenchi_host_domain_of(h, case_host) ? case_host : NULL;
}

char *
kenchi_lists_match(const kenchi_lists_t *ls, const char *list, const kenchi_event_t *ev, const char *case_host)
{
	GPtrArray *rows = ls->rows[strcmp(list, "allow") == 0 ? 0 : 1];
	list_match_t lm = { .ev = ev, .host = full_name(ev, case_host) };

	for (guint i = 0; i < rows->len && match_list_row(g_ptr_array_index(rows, i), &lm); i++)
		;
	list_match_clear(&lm);
	return lm.hit;
}

void
kenchi_lists_free(kenchi_lists_t *ls)
{
	if (ls == NULL)
		return;
	for (int i = 0; i < 2; i++)
		if (ls->rows[i])
			g_ptr_array_unref(ls->rows[i]);
	g_free(ls);
}

/* A stored event read back from its JSON (kenchi_event_free), or NULL. */
kenchi_event_t *
kenchi_stored_event(const char *json)
{
	JsonNode *n = json_from_string(json, NULL);
	kenchi_event_t *ev = NULL;

	if (n && JSON_NODE_HOLDS_OBJECT(n))   /* every stored event is an object */
		ev = kenchi_event_from_json(json_node_get_object(n));
	if (n)
		json_node_unref(n);
	return ev;
}

typedef struct {
	GArray *ids;
	GPtrArray *hosts;    /* each one's hostname (g_free; NULL: none) */
	gboolean allow;
} open_cases_t;

/* An escalated case is not one an allow entry suppresses: a block hit or
 * an escalating rule outweighs it (correlate.c). */
static gboolean
take_open(const kenchi_case_row_t *c, gpointer user)
{
	open_cases_t *oc = user;

	if (!oc->allow || (c->reportable && !c->escalated)) {
		g_array_append_val(oc->ids, c->id);
		g_ptr_array_add(oc->hosts, g_strdup(c->hostname));
	}
	return TRUE;
}

typedef struct {
	const kenchi_list_row_t *entry;
	const char *host;    /* the case's hostname */
	gboolean all;        /* every event read so far is matched */
	guint events;
} covered_t;

static gboolean
event_covered(const kenchi_event_row_t *row, gpointer user)
{
	covered_t *cv = user;
	kenchi_event_t *ev = kenchi_stored_event(row->json);
	list_match_t lm = { .ev = ev, .host = full_name(ev, cv->host) };

	cv->events++;
	if (ev) {
		match_list_row(cv->entry, &lm);
		list_match_clear(&lm);
		kenchi_event_free(ev);
	}
	cv->all &= lm.hit != NULL;
	g_free(lm.hit);
	return cv->all;
}

kenchi_status_t
kenchi_cases_covered(kenchi_store_t *st, const kenchi_list_row_t *entry, GArray *ids)
{
	kenchi_case_filter_t f = { .customer = strcmp(entry->customer, "*") == 0 ? NULL : entry->customer,
				   .open_only = TRUE };
	GArray *open = g_array_new(FALSE, FALSE, sizeof(gint64));
	open_cases_t oc = { open, g_ptr_array_new_with_free_func(g_free), strcmp(entry->list, "allow") == 0 };
	kenchi_status_t rc = kenchi_store_cases_each(st, &f, take_open, &oc);

	for (guint i = 0; rc == KENCHI_OK && i < open->len; i++) {
		gint64 id = g_array_index(open, gint64, i);
		covered_t cv = { entry, g_ptr_array_index(oc.hosts, i), TRUE, 0 };
		kenchi_event_filter_t ef = { .case_id = id };

		/* Every event, not the few a case is scored from (round 44: a
		 * case with an older event elsewhere was named). */
		rc = kenchi_store_events_each(st, &ef, event_covered, &cv);
		if (rc == KENCHI_OK && cv.all && cv.events > 0)
			g_array_append_val(ids, id);
	}
	g_array_unref(open);
	g_ptr_array_unref(oc.hosts);
	return rc;
}
