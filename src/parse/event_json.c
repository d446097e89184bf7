/* event_json.c: the normalized event as the API's JSON, out (nested as the
 * API nests it) and in (an API event object).  Ids go through text, never
 * through a double: AMP event ids exceed 2^53.  The slots and their
 * normalization are event.c's. */
#include <string.h>
#include "parse/event.h"

/* Walk or create the nested object for PATH's parent; returns the leaf name. */
static JsonObject *
object_for_path(JsonObject *root, const char *path, const char **leaf)
{
	JsonObject *o = root;
	const char *p = path, *dot;

	while ((dot = strchr(p, '.')) != NULL) {
		char *seg = g_strndup(p, dot - p);
		JsonObject *child;

		if (json_object_has_member(o, seg)) {
			child = json_object_get_object_member(o, seg);
		} else {
			child = json_object_new();
			json_object_set_object_member(o, seg, child);
		}
		g_free(seg);
		o = child;
		p = dot + 1;
	}
	*leaf = p;
	return o;
}

char *
kenchi_json_text(JsonNode *n)
{
	JsonGenerator *g = json_generator_new();
	char *s;

	json_generator_set_root(g, n);
	s = json_generator_to_data(g, NULL);
	g_object_unref(g);
	return s;
}

JsonNode *
kenchi_event_to_json(const kenchi_event_t *ev)
{
	JsonObject *root = json_object_new();
	JsonNode *node;
	int i;

	for (i = 0; i < EV_NFIELDS; i++) {
		const char *leaf;
		JsonObject *o;

		if (ev->v[i] == NULL)
			continue;
		if (i == EV_INTERNAL_IP) {
			JsonObject *comp = object_for_path(root, "computer.x", &leaf);
			JsonArray *arr = json_array_new();
			char **ips = g_strsplit(ev->v[i], ", ", -1);

			for (char **p = ips; *p; p++) {
				JsonObject *addr = json_object_new();
				json_object_set_string_member(addr, "ip", *p);
				json_array_add_object_element(arr, addr);
			}
			g_strfreev(ips);
			json_object_set_array_member(comp, "network_addresses", arr);
			continue;
		}
		if (i == EV_GROUP_GUIDS) {
			JsonArray *arr = json_array_new();
			char **ids = g_strsplit(ev->v[i], ", ", -1);

			for (char **p = ids; *p; p++)
				json_array_add_string_element(arr, *p);
			g_strfreev(ids);
			json_object_set_array_member(root, "group_guids", arr);
			continue;
		}
		if (i == EV_VULNERABILITIES) {
			JsonNode *arr = kenchi_vulnerabilities_node(ev->v[i]);

			if (arr)
				json_object_set_member(root, "vulnerabilities", arr);
			continue;
		}
		o = object_for_path(root, kenchi_field_path(i), &leaf);
		if (i == EV_ID || i == EV_EVENT_TYPE_ID || i == EV_REMOTE_PORT || i == EV_LOCAL_PORT)
			json_object_set_int_member(o, leaf, g_ascii_strtoll(ev->v[i], NULL, 10));
		else
			json_object_set_string_member(o, leaf, ev->v[i]);
	}
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(node, root);
	return node;
}

/* Value at a dotted path of an API object, as text; NULL when absent. */
static char *
json_path_text(JsonObject *obj, const char *path)
{
	const char *p = path, *dot;
	JsonNode *n;

	while ((dot = strchr(p, '.')) != NULL) {
		char *seg = g_strndup(p, dot - p);
		n = json_object_get_member(obj, seg);
		g_free(seg);
		if (n == NULL || !JSON_NODE_HOLDS_OBJECT(n))
			return NULL;
		obj = json_node_get_object(n);
		p = dot + 1;
	}
	n = json_object_get_member(obj, p);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
		return NULL;
	switch (json_node_get_value_type(n)) {
	case G_TYPE_STRING:
		return g_strdup(json_node_get_string(n));
	case G_TYPE_INT64:
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
	case G_TYPE_BOOLEAN:
		return g_strdup(json_node_get_boolean(n) ? "true" : "false");
	default:
		return NULL;   /* doubles: an id past 2^63 is not guessed at */
	}
}

kenchi_event_t *
kenchi_event_from_json(JsonObject *obj)
{
	kenchi_event_t *ev = kenchi_event_new();
	int i;

	for (i = 0; i < EV_NFIELDS; i++) {
		char *v = NULL;

		if (i == EV_INTERNAL_IP) {
			JsonNode *c = json_object_get_member(obj, "computer");
			if (c && JSON_NODE_HOLDS_OBJECT(c)) {
				JsonNode *na = json_object_get_member(json_node_get_object(c), "network_addresses");
				if (na && JSON_NODE_HOLDS_ARRAY(na)) {
					/* Every address, as a mail's list is kept: "A, B". */
					JsonArray *a = json_node_get_array(na);
					GString *all = g_string_new(NULL);

					for (guint k = 0; k < json_array_get_length(a); k++) {
						JsonNode *e = json_array_get_element(a, k);
						char *ip = JSON_NODE_HOLDS_OBJECT(e) ? json_path_text(json_node_get_object(e), "ip") : NULL;

						if (ip && *ip)
							g_string_append_printf(all, "%s%s", all->len ? ", " : "", ip);
						g_free(ip);
					}
					v = g_string_free(all, all->len == 0);
				}
			}
		} else if (i == EV_GROUP_GUIDS) {
			/* Every group, as the addresses are kept: "A, B". */
			JsonNode *gg = json_object_get_member(obj, "group_guids");

			if (gg && JSON_NODE_HOLDS_ARRAY(gg)) {
				JsonArray *a = json_node_get_array(gg);
				GString *all = g_string_new(NULL);

				for (guint k = 0; k < json_array_get_length(a); k++) {
					JsonNode *e = json_array_get_element(a, k);

					if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING &&
					    *json_node_get_string(e))
						g_string_append_printf(all, "%s%s", all->len ? ", " : "",
						    json_node_get_string(e));
				}
				v = g_string_free(all, all->len == 0);
			}
		} else if (i == EV_CONNECTOR_GUID) {
			/* The event's own top-level copy when "computer" is
			 * gone: PowerShell's ConvertTo-Json below its depth
			 * writes it as "System.Collections.Hashtable". */
			v = json_path_text(obj, kenchi_field_path(i));
			if (v == NULL)
				v = json_path_text(obj, "connector_guid");
		} else if (i == EV_TRAJECTORY) {
			v = json_path_text(obj, "trajectory");
			if (v == NULL)
				v = json_path_text(obj, "computer.links.trajectory");
		} else if (i == EV_VULNERABILITIES) {
			JsonNode *n = json_object_get_member(obj, "vulnerabilities");

			if (n && JSON_NODE_HOLDS_ARRAY(n))
				v = kenchi_json_text(n);
		} else if (i == EV_ID) {
			JsonNode *n = json_object_get_member(obj, "id");
			if (n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) != G_TYPE_INT64 &&
			    json_node_get_value_type(n) != G_TYPE_STRING)
				ev->bad_id = TRUE;   /* an id json-glib could only read as a double */
			v = json_path_text(obj, "id");
		} else {
			v = json_path_text(obj, kenchi_field_path(i));
		}
		if (v) {
			if (!kenchi_event_set(ev, i, v) && i == EV_ID)
				ev->bad_id = TRUE;
			g_free(v);
		}
	}
	if (ev->v[EV_DATE] == NULL) {
		char *ts = json_path_text(obj, "timestamp");
		if (ts)
			kenchi_event_set(ev, EV_DATE, ts);
		g_free(ts);
	}
	kenchi_event_complete(ev);
	return ev;
}
