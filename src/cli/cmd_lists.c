/* cmd_lists.c: `kenchi allow|block add|list|remove` and `kenchi tune`. */
#include <string.h>
#include "cli/cli.h"
#include "case/lists.h"
#include "report/report.h"
#include "parse/normalize.h"
#include "reply/commands.h"
#include "util/clock.h"

static const char *const allow_kinds[] = { "sha256", "detection", "path", "host", NULL };
static const char *const block_kinds[] = { "sha256", "url", "ip", "domain", NULL };

static gboolean
print_row(const kenchi_list_row_t *l, gpointer user)
{
	gboolean json = GPOINTER_TO_INT(user);

	if (json) {
		JsonObject *o = json_object_new();
		JsonNode *n = json_node_new(JSON_NODE_OBJECT);
		char *d = kenchi_format_date(l->created_at);
		json_object_set_int_member(o, "id", l->id);
		json_object_set_string_member(o, "list", l->list);
		json_object_set_string_member(o, "customer", l->customer);
		json_object_set_string_member(o, "kind", l->kind);
		json_object_set_string_member(o, "value", l->value);
		if (l->note)
			json_object_set_string_member(o, "note", l->note);
		json_object_set_string_member(o, "created_at", d);
		g_free(d);
		json_node_take_object(n, o);
		kenchi_print_json_line(n);
		json_node_unref(n);
	} else {
		printf("%-5" G_GINT64_FORMAT " %-10s %-9s %s%s%s\n", l->id, l->customer, l->kind, l->value,
		    l->note ? "  # " : "", l->note ? l->note : "");
	}
	return TRUE;
}

/* The open cases the new entry R (ID) covers.  A block entry acts on
 * later events: the analyst is told which cases its next event escalates
 * (KEPT).  An allow entry suppresses the cases whose first report no
 * sender has taken, and takes them out of it (SUPPRESSED; report_withdraw.c;
 * round 43a F6: the report of a false positive registered within the hold
 * went out); P1 cases, and those whose report was sent or tried, are KEPT. */
static kenchi_status_t
apply_covered(kenchi_app_t *app, const kenchi_list_row_t *r, gint64 id, GArray *suppressed, GArray *kept)
{
	if (strcmp(r->list, "allow") == 0)
		return kenchi_report_allow_apply(app->reports, app->st, r, id, r->created_at, suppressed, kept);
	return kenchi_cases_covered(app->st, r, kept);
}

/* The case ids, each with its customer when ST is given: an entry for
 * every customer ("*") says whose cases it touched (round 49). */
static void
print_ids(kenchi_store_t *st, const GArray *ids)
{
	for (guint i = 0; i < ids->len && i < 20; i++) {
		gint64 id = g_array_index(ids, gint64, i);
		char *customer = NULL;

		printf("%s%" G_GINT64_FORMAT, i ? " " : "", id);
		if (st && kenchi_store_case_get(st, id, kenchi_take_case_customer, &customer) == KENCHI_OK && customer)
			printf(" (%s)", customer);
		g_free(customer);
	}
	printf("%s\n", ids->len > 20 ? " ..." : "");
}

/* ST: the store, for an entry of every customer's; else NULL. */
static void
say_covered(kenchi_store_t *st, const char *list, const GArray *suppressed, const GArray *kept)
{
	gboolean allow = strcmp(list, "allow") == 0;

	if (suppressed->len > 0) {
		printf("allow: %u open case(s) suppressed, and taken out of their unsent first report: ", suppressed->len);
		print_ids(st, suppressed);
	}
	if (kept->len == 0)
		return;
	if (allow)
		printf("allow: %u open case(s) hold only what it matches, but are P1 or their first report was sent"
		    " or tried: they stay open: ", kept->len);
	else
		printf("block: %u open case(s) hold only what it matches, and stay as they are (it acts on events"
		    " stored from now on): ", kept->len);
	print_ids(st, kept);
	printf("%s\n", allow ?
	    "  a false positive is closed by a reply to its notice: verdict: false-positive, close (kenchi-commands(7))" :
	    "  see each with `kenchi case N`; its next event escalates it");
}

typedef struct {
	gint64 id;
	char *why;        /* the reason a case it suppressed gives */
	char *customer;   /* NULL for "*" */
} entry_find_t;

static gboolean
take_entry(const kenchi_list_row_t *l, gpointer user)
{
	entry_find_t *ef = user;

	if (l->id != ef->id)
		return TRUE;
	ef->why = g_strdup_printf("allow list: %s %s", l->kind, l->value);
	ef->customer = strcmp(l->customer, "*") == 0 ? NULL : g_strdup(l->customer);
	return FALSE;
}

/* Removing an entry undoes nothing: the cases it suppressed are named,
 * for the analyst to look at (round 47: it said nothing). */
static kenchi_status_t
say_still_suppressed(kenchi_app_t *app, const entry_find_t *ef)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	kenchi_status_t st = kenchi_store_cases_suppressed_by(app->st, ef->customer, ef->why, ids);

	if (st == KENCHI_OK && ids->len > 0) {
		printf("allow: %u case(s) it suppressed stay suppressed (a later event it does not match makes one"
		    " reportable): ", ids->len);
		print_ids(ef->customer ? NULL : app->st, ids);
	}
	g_array_unref(ids);
	return st;
}

static int
list_cmd(kenchi_app_t *app, const char *list, int argc, char **argv)
{
	const char *const *kinds = strcmp(list, "allow") == 0 ? allow_kinds : block_kinds;
	gboolean json = FALSE;
	char *customer = NULL, *note = NULL;
	GOptionEntry entries[] = {
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "the customer (\"*\" for every customer)", "ID" },
		{ "note", 0, 0, G_OPTION_ARG_STRING, &note, "why (add)", "TEXT" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object a line (list)", NULL },
		G_OPTION_ENTRY_NULL
	};
	kenchi_status_t st = KENCHI_OK;
	int rc;

	if ((rc = kenchi_cli_options("add KIND VALUE | list | remove ID", entries, &argc, &argv)) != 0)
		goto done;
	if (argc < 2) {
		kenchi_err("usage: kenchi %s add --customer ID KIND VALUE | list [--customer ID] | remove ID", list);
		rc = KENCHI_EXIT_USAGE;
		goto done;
	}
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		goto done;
	/* An allow entry may render a consolidated report again. */
	if (strcmp(argv[1], "add") == 0 && strcmp(list, "allow") == 0 && (rc = kenchi_app_load_reports(app)) != 0)
		goto done;
	if (strcmp(argv[1], "add") == 0) {
		kenchi_list_row_t r = { .list = list, .customer = customer, .note = note, .created_at = kenchi_now() };
		char *value = NULL, *why = NULL;
		gint64 id = 0;

		if (argc != 4 || customer == NULL || !g_strv_contains(kinds, argv[2])) {
			char *k = g_strjoinv("|", (char **)kinds);
			kenchi_err("usage: kenchi %s add --customer ID {%s} VALUE", list, k);
			g_free(k);
			rc = KENCHI_EXIT_USAGE;
			goto done;
		}
		if (strcmp(customer, "*") != 0 && kenchi_config_customer(app->cfg, customer) == NULL)
			kenchi_warn("%s: customer \"%s\" is not in the configuration", list, customer);
		/* As a reply's allow: and block: read it (rc1 F6: "999.1.1.1" was
		 * taken; rs1 F2: so were "c[:]\Users\..." as a report prints a path,
		 * hxxp://evil[.]example and "evil.example."), all of which
		 * matched nothing.  A network is an ip entry here only. */
		value = kenchi_list_value(argv[2], argv[3], KENCHI_LIST_FROM_CLI, &why);
		if (value == NULL) {
			kenchi_err("%s: bad %s \"%s\" (%s)", list, argv[2], argv[3], why);
			g_free(why);
			rc = KENCHI_EXIT_USAGE;
			goto done;
		}
		r.kind = argv[2];
		r.value = value;
		GArray *supp = g_array_new(FALSE, FALSE, sizeof(gint64)), *kept = g_array_new(FALSE, FALSE, sizeof(gint64));
		if ((st = kenchi_store_begin(app->st)) == KENCHI_OK) {
			st = kenchi_store_list_add(app->st, &r, &id);
			if (st == KENCHI_OK)
				st = apply_covered(app, &r, id, supp, kept);
			if (st == KENCHI_OK || st == KENCHI_DUPLICATE) {
				kenchi_status_t c = kenchi_store_commit(app->st);
				st = c != KENCHI_OK ? c : st;
			} else {
				kenchi_store_rollback(app->st);
			}
		}
		if (st == KENCHI_OK) {
			printf("%s %" G_GINT64_FORMAT ": %s %s %s\n", list, id, customer, argv[2], value);
			say_covered(strcmp(customer, "*") == 0 ? app->st : NULL, list, supp, kept);
		}
		g_array_unref(supp);
		g_array_unref(kept);
		if (st == KENCHI_DUPLICATE) {
			printf("%s: already listed: %s %s %s\n", list, customer, argv[2], value);
			st = KENCHI_OK;
		}
		g_free(value);
	} else if (strcmp(argv[1], "list") == 0) {
		st = kenchi_store_list_each(app->st, list, customer, print_row, GINT_TO_POINTER(json));
		/* A customer's list is its own entries and those of every
		 * customer ("*"), as they are matched (rs1 F9: hidden). */
		if (st == KENCHI_OK && customer && strcmp(customer, "*") != 0)
			st = kenchi_store_list_each(app->st, list, "*", print_row, GINT_TO_POINTER(json));
	} else if (strcmp(argv[1], "remove") == 0) {
		gint64 id;
		if (argc != 3 || !g_ascii_string_to_signed(argv[2], 10, 1, G_MAXINT64, &id, NULL)) {
			kenchi_err("usage: kenchi %s remove ID", list);
			rc = KENCHI_EXIT_USAGE;
			goto done;
		}
		entry_find_t ef = { .id = id };
		if ((st = kenchi_store_list_each(app->st, list, customer, take_entry, &ef)) == KENCHI_OK)
			st = kenchi_store_list_remove(app->st, list, id, customer);
		if (st == KENCHI_NOT_FOUND) {
			kenchi_err("%s: no entry %" G_GINT64_FORMAT, list, id);
			g_free(ef.why);
			g_free(ef.customer);
			rc = KENCHI_EXIT_FAIL;
			goto done;
		}
		if (st == KENCHI_OK && ef.why && strcmp(list, "allow") == 0)
			st = say_still_suppressed(app, &ef);
		g_free(ef.why);
		g_free(ef.customer);
	} else {
		kenchi_err("%s: unknown action \"%s\" (add, list, remove)", list, argv[1]);
		rc = KENCHI_EXIT_USAGE;
		goto done;
	}
	if (st != KENCHI_OK) {
		kenchi_err("%s: %s", list, kenchi_store_errmsg(app->st));
		rc = kenchi_status_to_exit(st);
	}
done:
	g_free(customer);
	g_free(note);
	return rc;
}

int
kenchi_cmd_allow(kenchi_app_t *app, int argc, char **argv)
{
	return list_cmd(app, "allow", argc, argv);
}

int
kenchi_cmd_block(kenchi_app_t *app, int argc, char **argv)
{
	return list_cmd(app, "block", argc, argv);
}

/* kenchi tune: group a customer's cases by file and detection, with counts
 * of events and hosts, most frequent first: the false-positive candidates
 * of an initial-tuning period, each with the command that registers it. */
typedef struct {
	char *key;
	char *detection;
	char *file;
	int events;
	GHashTable *hosts;
} tune_row_t;

static void
tune_row_free(tune_row_t *r)
{
	g_free(r->key);
	g_free(r->detection);
	g_free(r->file);
	g_hash_table_unref(r->hosts);
	g_free(r);
}

static gboolean
tune_event(const kenchi_event_row_t *e, gpointer user)
{
	GHashTable *groups = user;
	const char *key = e->sha256 ? e->sha256 : e->detection;
	tune_row_t *r;

	if (key == NULL)
		return TRUE;
	r = g_hash_table_lookup(groups, key);
	if (r == NULL) {
		r = g_new0(tune_row_t, 1);
		r->key = g_strdup(key);
		r->detection = g_strdup(e->detection);
		r->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		g_hash_table_insert(groups, r->key, r);
	}
	if (r->file == NULL && e->json) {
		/* The file name is only in the JSON. */
		const char *p = strstr(e->json, "\"file_name\":\"");
		if (p) {
			p += 13;
			r->file = g_strndup(p, strcspn(p, "\""));
		}
	}
	r->events++;
	g_hash_table_add(r->hosts, g_strdup(e->hostname ? e->hostname : e->connector_guid ? e->connector_guid : "?"));
	return TRUE;
}

/* S as one word of a shell command: as it is when it holds nothing the
 * shell reads, else in single quotes with each quote written '\''. */
static char *
shell_word(const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/@%+=,-") == strlen(s))
		return g_strdup(s);
	return g_shell_quote(s);
}

/* "kind\tvalue", case-folded, of an allow entry tune could suggest. */
static gboolean
take_listed(const kenchi_list_row_t *l, gpointer user)
{
	if (strcmp(l->kind, "sha256") == 0 || strcmp(l->kind, "detection") == 0) {
		char *k = g_strdup_printf("%s\t%s", l->kind, l->value);
		g_hash_table_add(user, g_utf8_casefold(k, -1));
		g_free(k);
	}
	return TRUE;
}

static gint
tune_cmp(gconstpointer a, gconstpointer b)
{
	const tune_row_t *x = *(tune_row_t *const *)a, *y = *(tune_row_t *const *)b;
	return y->events - x->events;
}

int
kenchi_cmd_tune(kenchi_app_t *app, int argc, char **argv)
{
	char *customer = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "the customer", "ID" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object a line", NULL },
		G_OPTION_ENTRY_NULL
	};
	kenchi_event_filter_t f = { 0 };
	GHashTable *groups, *listed;
	guint registered = 0;
	GPtrArray *rows;
	GHashTableIter it;
	gpointer v;
	kenchi_status_t st;
	int rc;

	if ((rc = kenchi_cli_options("--customer ID - candidate false positives", entries, &argc, &argv)) != 0)
		goto done;
	if (customer == NULL) {
		kenchi_err("usage: kenchi tune --customer ID");
		rc = KENCHI_EXIT_USAGE;
		goto done;
	}
	if ((rc = kenchi_app_load(app, FALSE)) != 0 || (rc = kenchi_app_open_store(app)) != 0)
		goto done;
	kenchi_app_warn_customer(app, customer);
	groups = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)tune_row_free);
	listed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f.customer = customer;
	st = kenchi_store_events_each(app->st, &f, tune_event, groups);
	if (st == KENCHI_OK)
		st = kenchi_store_list_each(app->st, "allow", customer, take_listed, listed);
	if (st == KENCHI_OK)
		st = kenchi_store_list_each(app->st, "allow", "*", take_listed, listed);
	rows = g_ptr_array_new();
	g_hash_table_iter_init(&it, groups);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(rows, v);
	g_ptr_array_sort(rows, tune_cmp);
	if (!json)
		printf("%6s %5s  %-28s %-24s %s\n", "EVENTS", "HOSTS", "FILE", "DETECTION", "REGISTER WITH");
	for (guint i = 0; i < rows->len; i++) {
		tune_row_t *r = g_ptr_array_index(rows, i);
		gboolean is_hash = strlen(r->key) == 64 && strspn(r->key, "0123456789abcdef") == 64;
		char *lk = g_strdup_printf("%s\t%s", is_hash ? "sha256" : "detection", r->key), *lkf = g_utf8_casefold(lk, -1);
		/* Quoted for the shell it is pasted into: a detection name is
		 * the alert's text, and "X'$(touch f)'Y" between bare quotes
		 * ran the command (round rs1 F1). */
		char *qc = shell_word(customer), *qk = shell_word(r->key);
		char *cmd = g_strdup_printf("kenchi allow add --customer %s %s %s", qc, is_hash ? "sha256" : "detection", qk);

		g_free(qc);
		g_free(qk);
		g_free(lk);
		if (g_hash_table_contains(listed, lkf)) {
			/* registered already (rs1 F9: listed as a candidate still) */
			registered++;
			g_free(lkf);
			g_free(cmd);
			continue;
		}
		g_free(lkf);
		if (json) {
			JsonObject *o = json_object_new();
			JsonNode *n = json_node_new(JSON_NODE_OBJECT);
			json_object_set_string_member(o, is_hash ? "sha256" : "detection", r->key);
			if (r->detection)
				json_object_set_string_member(o, "detection", r->detection);
			if (r->file)
				json_object_set_string_member(o, "file_name", r->file);
			json_object_set_int_member(o, "events", r->events);
			json_object_set_int_member(o, "hosts", g_hash_table_size(r->hosts));
			json_object_set_string_member(o, "command", cmd);
			json_node_take_object(n, o);
			kenchi_print_json_line(n);
			json_node_unref(n);
		} else {
			printf("%6d %5u  %-28.28s %-24.24s %s\n", r->events, g_hash_table_size(r->hosts),
			    r->file ? r->file : "-", r->detection ? r->detection : "-", cmd);
		}
		g_free(cmd);
	}
	if (!json && registered > 0)
		printf("(%u candidate(s) on the allow list already are left out)\n", registered);
	g_ptr_array_unref(rows);
	g_hash_table_unref(groups);
	g_hash_table_unref(listed);
	if (st != KENCHI_OK) {
		kenchi_err("tune: %s", kenchi_store_errmsg(app->st));
		rc = kenchi_status_to_exit(st);
	}
done:
	g_free(customer);
	return rc;
}
