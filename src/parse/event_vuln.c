/* event_vuln.c: a Vulnerable Application event's vulnerabilities, the
 * API's array of {name, version, cve, score, url}, kept in the event's slot
 * as its compact JSON text.  From the API the objects come whole (members
 * of other names left out); from mail, the CVE ids a "Vulnerabilities:"
 * line lists, each with the CVSS score the mail writes beside it. */
#include <string.h>
#include "parse/event.h"

static const char *const members[] = { "name", "version", "cve", "score", "url", NULL };

/* One member's value as text: the API writes score as a string, a
 * re-export may write it as a number. */
static char *
member_text(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
		return NULL;
	switch (json_node_get_value_type(n)) {
	case G_TYPE_STRING:
		return *json_node_get_string(n) ? g_strstrip(g_strdup(json_node_get_string(n))) : NULL;
	case G_TYPE_INT64:
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
	case G_TYPE_DOUBLE:
		return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.1f", json_node_get_double(n)));
	default:
		return NULL;
	}
}

static char *
array_text(JsonArray *out)
{
	JsonNode *root;
	char *s;

	if (json_array_get_length(out) == 0) {
		json_array_unref(out);
		return NULL;
	}
	root = json_node_new(JSON_NODE_ARRAY);
	json_node_take_array(root, out);
	s = kenchi_json_text(root);
	json_node_unref(root);
	return s;
}

/* The API's array (JSON text), its objects' known members kept. */
static char *
from_api(const char *text)
{
	JsonParser *p = json_parser_new();
	JsonArray *out = json_array_new();
	JsonNode *root;

	if (json_parser_load_from_data(p, text, -1, NULL) && (root = json_parser_get_root(p)) &&
	    JSON_NODE_HOLDS_ARRAY(root)) {
		JsonArray *in = json_node_get_array(root);

		for (guint k = 0; k < json_array_get_length(in); k++) {
			JsonNode *e = json_array_get_element(in, k);
			JsonObject *o;

			if (!JSON_NODE_HOLDS_OBJECT(e))
				continue;
			o = json_object_new();
			for (int m = 0; members[m]; m++) {
				char *v = member_text(json_node_get_object(e), members[m]);

				if (v && strcmp(members[m], "cve") == 0)
					for (char *c = v; *c; c++)
						*c = g_ascii_toupper(*c);
				if (v)
					json_object_set_string_member(o, members[m], v);
				g_free(v);
			}
			if (json_object_get_size(o) > 0)
				json_array_add_object_element(out, o);
			else
				json_object_unref(o);
		}
	}
	g_object_unref(p);
	return array_text(out);
}

/* The length of a CVE id at P ("CVE-2021-28550"), 0 when none. */
static gsize
cve_at(const char *p)
{
	gsize k;

	if (g_ascii_strncasecmp(p, "CVE-", 4) != 0 || strspn(p + 4, "0123456789") != 4 || p[8] != '-')
		return 0;
	k = strspn(p + 9, "0123456789");
	return k >= 4 && k <= 7 && !g_ascii_isalnum(p[9 + k]) ? 9 + k : 0;
}

/* A CVSS score written in S before END: "(CVSS 8.8)", "CVSS v3.1: 7.8",
 * "score 9.8", "CVSS:3.1/AV:N/... (10.0)", "(CVSS2: 5.0)", "(CVSS 3.x:
 * 9.1)", "CVSS 3.1 score 7.5": the last number of 0-10 after the word,
 * before a ")", ",", ";" or the line's end that follows one, that is no
 * version of CVSS (after "v", glued to "CVSS", before "/" or ".x": rt29
 * U05, U16 gave 3.1 for a 10.0).  NULL when none. */
static char *
score_in(const char *s, const char *end)
{
	for (const char *p = s; p < end; p++) {
		const char *q, *stop, *best = NULL;
		gsize best_n = 0, k;

		if (g_ascii_strncasecmp(p, "CVSS", 4) == 0 || g_ascii_strncasecmp(p, "score", 5) == 0 ||
		    g_ascii_strncasecmp(p, "\xe3\x82\xb9\xe3\x82\xb3\xe3\x82\xa2", 9) == 0 /* スコア */)
			q = p + (*p == 'C' || *p == 'c' ? 4 : *p == 's' || *p == 'S' ? 5 : 9);
		else
			continue;
		stop = MIN(end, q + 96);
		for (const char *c = q; c < stop; c++) {
			if (best && (*c == ')' || *c == ',' || *c == ';' || *c == '\n' ||
			    (end - c >= 3 && memcmp(c, "\xef\xbc\x89", 3) == 0 /* ） */)))
				break;
			if (!g_ascii_isdigit(*c) || (c > s && (g_ascii_isdigit(c[-1]) || c[-1] == '.')))
				continue;
			k = strspn(c, "0123456789");
			if (k > 2)
				continue;
			if (c[k] == '.' && g_ascii_isdigit(c[k + 1]))
				k += 1 + strspn(c + k + 1, "0123456789");
			/* a version: "v3.1", "CVSS2", "CVSS:3.1/", "3.x" */
			if ((c > s && (c[-1] == 'v' || c[-1] == 'V' || c == q)) || c[k] == '/' ||
			    (c[k] == '.' && (c[k + 1] == 'x' || c[k + 1] == 'X'))) {
				c += k - 1;
				continue;
			}
			if (g_ascii_strtod(c, NULL) <= 10.0) {
				best = c;
				best_n = k;
			}
			c += k - 1;
		}
		if (best)
			return g_strndup(best, best_n);
	}
	return NULL;
}

/* The CVE ids a mail lists, in order, once each. */
static char *
from_text(const char *text)
{
	JsonArray *out = json_array_new();
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	const char *p = text;

	while (*p) {
		gsize k = (p == text || !g_ascii_isalnum(p[-1])) ? cve_at(p) : 0;
		const char *next;
		char *id, *score;
		JsonObject *o;

		if (k == 0) {
			p++;
			continue;
		}
		for (next = p + k; *next && !((!g_ascii_isalnum(next[-1])) && cve_at(next)); next++)
			;
		id = g_ascii_strup(p, (gssize)k);
		if (g_hash_table_contains(seen, id)) {
			g_free(id);
			p = next;
			continue;
		}
		o = json_object_new();
		json_object_set_string_member(o, "cve", id);
		if ((score = score_in(p + k, next)) != NULL)
			json_object_set_string_member(o, "score", score);
		g_free(score);
		json_array_add_object_element(out, o);
		g_hash_table_add(seen, id);
		p = next;
	}
	g_hash_table_destroy(seen);
	return array_text(out);
}

char *
kenchi_norm_vulnerabilities(const char *value)
{
	const char *t = value ? value + strspn(value, " \t\r\n") : NULL;

	if (t == NULL || *t == '\0')
		return NULL;
	return *t == '[' ? from_api(t) : from_text(t);
}

JsonNode *
kenchi_vulnerabilities_node(const char *slot)
{
	JsonParser *p = json_parser_new();
	JsonNode *n = NULL;

	if (slot && json_parser_load_from_data(p, slot, -1, NULL) && json_parser_get_root(p))
		n = json_node_copy(json_parser_get_root(p));
	g_object_unref(p);
	return n;
}
