/* case_related.c: the files of a case's machine that `kenchi case` lists
 * as possible undetected samples beside the case's own: the parent of the
 * case's file and its siblings (files the same parent started), seen on
 * the same machine within the correlation window with an Unknown
 * disposition.  They are in cases of their own (another file is another
 * case), so the case's own events never showed them (rc1 F5). */
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/case_related.h"

typedef struct {
	gint64 id, from, to, at;
	GArray *ids;   /* near_case_t: the machine's other cases that overlap [from, to] */
} near_t;

typedef struct {
	gint64 id, distance;   /* from the case's first event, in seconds */
} near_case_t;

static gboolean
near_case(const kenchi_case_row_t *c, gpointer user)
{
	near_t *n = user;

	if (c->id != n->id && c->last_seen >= n->from && c->first_seen <= n->to) {
		near_case_t nc = { c->id, ABS(c->first_seen - n->at) };

		g_array_append_val(n->ids, nc);
	}
	return TRUE;
}

static gint
nearer(gconstpointer a, gconstpointer b)
{
	gint64 x = ((const near_case_t *)a)->distance, y = ((const near_case_t *)b)->distance;

	return x < y ? -1 : x > y;
}

typedef struct {
	GHashTable *parents, *own;   /* the case's parents' and files' SHA-256s */
	GPtrArray *unknown;
	gint64 case_id;
} related_t;

static const char *
path_text(JsonObject *o, const char *a, const char *b, const char *c)
{
	JsonObject *x = o;

	if (a && (x = json_object_has_member(x, a) ? json_object_get_object_member(x, a) : NULL) == NULL)
		return NULL;
	if (b && (x = json_object_has_member(x, b) ? json_object_get_object_member(x, b) : NULL) == NULL)
		return NULL;
	return x ? json_object_get_string_member_with_default(x, c, NULL) : NULL;
}

static gboolean
related_event(const kenchi_event_row_t *e, gpointer user)
{
	related_t *r = user;
	JsonParser *p = json_parser_new();
	JsonObject *o;
	const char *sha, *psha, *disp, *name;
	char *line = NULL;

	if (!json_parser_load_from_data(p, e->json, -1, NULL) || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		goto done;
	o = json_node_get_object(json_parser_get_root(p));
	sha = path_text(o, "file", "identity", "sha256");
	{
		JsonObject *f = json_object_has_member(o, "file") ? json_object_get_object_member(o, "file") : NULL;
		JsonObject *pa = f && json_object_has_member(f, "parent") ? json_object_get_object_member(f, "parent") : NULL;

		psha = pa ? path_text(pa, "identity", NULL, "sha256") : NULL;
		disp = f ? json_object_get_string_member_with_default(f, "disposition", NULL) : NULL;
		name = f ? json_object_get_string_member_with_default(f, "file_name", NULL) : NULL;
	}
	if (disp == NULL || strcmp(disp, "Unknown") != 0 || sha == NULL || g_hash_table_contains(r->own, sha))
		goto done;
	if (g_hash_table_contains(r->parents, sha))
		line = g_strdup_printf("%s (the parent, case %" G_GINT64_FORMAT ")", name ? name : sha, r->case_id);
	else if (psha && g_hash_table_contains(r->parents, psha))
		line = g_strdup_printf("%s (a sibling, case %" G_GINT64_FORMAT ")", name ? name : sha, r->case_id);
	if (line && !g_ptr_array_find_with_equal_func(r->unknown, line, g_str_equal, NULL))
		g_ptr_array_add(r->unknown, line);
	else
		g_free(line);
done:
	g_object_unref(p);
	return TRUE;
}

kenchi_status_t
kenchi_case_related(kenchi_store_t *st, const kenchi_case_row_t *c, gint64 window, GPtrArray *events,
		    GPtrArray *unknown)
{
	related_t r = { .parents = g_hash_table_new(g_str_hash, g_str_equal),
			.own = g_hash_table_new(g_str_hash, g_str_equal), .unknown = unknown };
	near_t n = { .id = c->id, .from = c->first_seen - window, .to = c->last_seen + window, .at = c->first_seen,
		     .ids = g_array_new(FALSE, FALSE, sizeof(near_case_t)) };
	kenchi_status_t rc = KENCHI_OK;

	for (guint i = 0; i < events->len; i++) {
		JsonNode *node = g_ptr_array_index(events, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
		JsonObject *f = o && json_object_has_member(o, "file") ? json_object_get_object_member(o, "file") : NULL;
		JsonObject *pa = f && json_object_has_member(f, "parent") ? json_object_get_object_member(f, "parent") : NULL;
		const char *sha = f ? path_text(f, "identity", NULL, "sha256") : NULL;
		const char *psha = pa ? path_text(pa, "identity", NULL, "sha256") : NULL;

		if (sha)
			g_hash_table_add(r.own, (gpointer)sha);
		if (psha)
			g_hash_table_add(r.parents, (gpointer)psha);
	}
	if (g_hash_table_size(r.parents) > 0 && c->host_key) {
		kenchi_case_filter_t cf = { .customer = c->customer, .host_key = c->host_key };

		rc = kenchi_store_cases_each(st, &cf, near_case, &n);
		/* the nearest in time first: a parent ran just before its
		 * child; a busy machine's 64 first cases by id were the oldest
		 * (rev94 #12) */
		g_array_sort(n.ids, nearer);
		for (guint i = 0; rc == KENCHI_OK && i < n.ids->len && i < 64; i++) {
			kenchi_event_filter_t ef = { .case_id = g_array_index(n.ids, near_case_t, i).id };

			r.case_id = ef.case_id;
			rc = kenchi_store_events_each(st, &ef, related_event, &r);
		}
	}
	g_array_unref(n.ids);
	g_hash_table_unref(r.parents);
	g_hash_table_unref(r.own);
	return rc;
}
