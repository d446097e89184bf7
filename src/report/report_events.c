/* report_events.c: which events of a case a report lists.
 *
 * Why: a report listed a case's first 50 events by arrival.  A repeat of
 * 50 Threat Detected hid the Executed malware that made the case P1, and
 * a consolidated report whose first case filled the 50 named a second
 * machine in its subject and nowhere in its body (round rc4 F1, F2).  Now
 * each case of a report has its share; within it, the best-scored event
 * of each event type comes first, then the earliest; the events listed
 * are in the order they were detected (rc4 F6), and the report says how
 * many it left out. */
#include <string.h>
#include "report/report.h"
#include "report/report_int.h"

typedef struct {
	gint64 id, date;
	int score;
	gint64 type;
} ev_key_t;

typedef struct {
	GArray *all;          /* ev_key_t of every event of the case */
	GHashTable *texts;    /* event id -> its JSON (a copy), of the first CAP: when the
	                       * case has no more, they are all listed, and not read again */
	guint cap;
} keys_t;

static gboolean
take_key(const kenchi_event_row_t *e, gpointer user)
{
	keys_t *ks = user;
	ev_key_t k = { e->id, e->date ? e->date : e->received_at, e->score, e->event_type_id };

	if (e->json == NULL)
		return TRUE;
	if (ks->all->len < ks->cap)
		g_hash_table_insert(ks->texts, g_memdup2(&e->id, sizeof e->id), g_strdup(e->json));
	g_array_append_val(ks->all, k);
	return TRUE;
}

static gint
by_score(gconstpointer a, gconstpointer b)
{
	const ev_key_t *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->date != y->date ? (x->date < y->date ? -1 : 1) : (x->id < y->id ? -1 : x->id > y->id);
}

static gint
by_date(gconstpointer a, gconstpointer b)
{
	const ev_key_t *x = a, *y = b;

	return x->date != y->date ? (x->date < y->date ? -1 : 1) : (x->id < y->id ? -1 : x->id > y->id);
}

typedef struct {
	GHashTable *want;     /* event id -> ev_key_t* */
	GHashTable *known;    /* event id -> JsonNode (ingest's), or NULL */
	GHashTable *nodes;    /* event id -> JsonNode (ref) */
} fetch_t;

/* Event ID's tree into F->nodes: ingest's, or JSON parsed. */
static void
take_node(fetch_t *f, gint64 id, const char *json)
{
	JsonNode *n = NULL;

	if (f->known && (n = g_hash_table_lookup(f->known, &id)) != NULL) {
		n = json_node_ref(n);
	} else if (json) {
		JsonParser *p = json_parser_new_immutable();

		if (json_parser_load_from_data(p, json, -1, NULL) && json_parser_get_root(p) != NULL)
			n = json_node_ref(json_parser_get_root(p));
		g_object_unref(p);
	}
	if (n)
		g_hash_table_insert(f->nodes, g_memdup2(&id, sizeof id), n);
}

static gboolean
fetch(const kenchi_event_row_t *e, gpointer user)
{
	fetch_t *f = user;

	if (g_hash_table_contains(f->want, &e->id))
		take_node(f, e->id, e->json);
	return TRUE;
}

kenchi_status_t
kenchi_report_case_events(kenchi_store_t *st, gint64 case_id, guint cap, GHashTable *known, GPtrArray *out,
			  GArray *scores, guint *left_out)
{
	kenchi_event_filter_t f = { .case_id = case_id };
	keys_t ks = { g_array_new(FALSE, FALSE, sizeof(ev_key_t)),
		      g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free), cap };
	GArray *all = ks.all, *pick = g_array_new(FALSE, FALSE, sizeof(ev_key_t));
	GHashTable *types = g_hash_table_new(g_int64_hash, g_int64_equal);
	fetch_t fx = { g_hash_table_new(g_int64_hash, g_int64_equal), known,
		       g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, (GDestroyNotify)json_node_unref) };
	kenchi_status_t rc = kenchi_store_events_each(st, &f, take_key, &ks);
	guint i;

	*left_out = 0;
	if (rc != KENCHI_OK)
		goto done;
	if (all->len <= cap) {
		g_array_append_vals(pick, all->data, all->len);
	} else {
		/* The best of each type first (the one that gives the case its
		 * priority), then the earliest of the rest. */
		g_array_sort(all, by_score);
		for (i = 0; i < all->len && pick->len < cap; i++) {
			ev_key_t *k = &g_array_index(all, ev_key_t, i);

			if (!g_hash_table_contains(types, &k->type)) {
				g_hash_table_add(types, &k->type);
				g_array_append_val(pick, *k);
				k->id = -k->id;   /* taken */
			}
		}
		g_array_sort(all, by_date);
		for (i = 0; i < all->len && pick->len < cap; i++)
			if (g_array_index(all, ev_key_t, i).id > 0)
				g_array_append_val(pick, g_array_index(all, ev_key_t, i));
		*left_out = all->len - pick->len;
	}
	g_array_sort(pick, by_date);
	for (i = 0; i < pick->len; i++) {
		ev_key_t *k = &g_array_index(pick, ev_key_t, i);

		k->id = k->id < 0 ? -k->id : k->id;
		g_hash_table_insert(fx.want, &k->id, k);
	}
	if (all->len <= cap) {
		/* all of them listed: their JSON is read already */
		for (i = 0; i < pick->len; i++) {
			gint64 id = g_array_index(pick, ev_key_t, i).id;

			take_node(&fx, id, g_hash_table_lookup(ks.texts, &id));
		}
	} else if ((rc = kenchi_store_events_each(st, &f, fetch, &fx)) != KENCHI_OK) {
		goto done;
	}
	for (i = 0; i < pick->len; i++) {
		ev_key_t *k = &g_array_index(pick, ev_key_t, i);
		JsonNode *n = g_hash_table_lookup(fx.nodes, &k->id);

		if (n) {
			g_ptr_array_add(out, json_node_ref(n));
			g_array_append_val(scores, k->score);
		}
	}
done:
	g_hash_table_unref(ks.texts);
	g_array_unref(all);
	g_array_unref(pick);
	g_hash_table_unref(types);
	g_hash_table_unref(fx.want);
	g_hash_table_unref(fx.nodes);
	return rc;
}
