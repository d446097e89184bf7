/*
 * test-store-plan.c - the query plans that keep ingest linear: the
 * outbreak window (store_int.h KENCHI_SQL_FILE_WINDOW) reads a file's cases
 * through cases_file_week and cases_file_long, and never scans the table.  The
 * partial index is used only while the query repeats its WHERE word for
 * word; a drift between schema.c and the query would make every event scan
 * the file's cases again, which no timing-free test would otherwise see.
 * The lookup of a message by its keys uses the two integer indexes.
 *
 * Run with CMOCKA_MESSAGE_OUTPUT=TAP for TAP output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "store/store_int.h"
#include "tmp-store.h"

/* The detail column of every row of EXPLAIN QUERY PLAN SQL, one a line. */
static char *
plan_of(kenchi_store_t *st, const char *sql)
{
	char *explain = g_strconcat("EXPLAIN QUERY PLAN ", sql, NULL);
	GString *plan = g_string_new(NULL);
	sqlite3_stmt *q = NULL;

	assert_int_equal(sqlite3_prepare_v2(st->db, explain, -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		g_string_append_printf(plan, "%s\n", (const char *)sqlite3_column_text(q, 3));
	sqlite3_finalize(q);
	g_free(explain);
	return g_string_free(plan, FALSE);
}

static void
check_plan(kenchi_store_t *st, const char *sql, const char *want, const char *table)
{
	char *plan = plan_of(st, sql);
	char *scan = g_strconcat("SCAN ", table, NULL);

	print_message("# %s", plan);
	assert_non_null(strstr(plan, want));
	assert_null(strstr(plan, scan));
	g_free(scan);
	g_free(plan);
}

static void
test_file_window_plans(void **state)
{
	char *err = NULL;
	tmp_store_t t = tmp_store_open(&err);

	(void)state;
	assert_non_null(t.st);
	check_plan(t.st, KENCHI_SQL_FILE_WEEK,
	    "USING INDEX cases_file_week (customer=? AND <expr>=? AND file_key=? AND first_seen>? AND first_seen<?)", "cases");
	/* The loop over weeks (store_cases.c) counts in the SQL's units. */
	assert_string_equal(KENCHI_CASE_WEEK, "first_seen / " G_STRINGIFY(KENCHI_CASE_WEEK_SECS));
	assert_string_equal(KENCHI_CASE_LONG_S, G_STRINGIFY(KENCHI_CASE_LONG_SECS));
	check_plan(t.st, KENCHI_SQL_FILE_LONG, "USING INDEX cases_file_long (customer=? AND file_key=? AND last_seen>?)",
	    "cases");
	tmp_store_remove(&t);
}

/* Each key through its own index: a scan of messages would read every
 * raw message stored, for every message ingested. */
static void
test_message_find_plan(void **state)
{
	char *err = NULL;
	tmp_store_t t = tmp_store_open(&err);
	char *plan;

	(void)state;
	assert_non_null(t.st);
	plan = plan_of(t.st, KENCHI_SQL_MESSAGE_FIND);
	print_message("# %s", plan);
	assert_non_null(strstr(plan, "USING INDEX messages_raw (raw_key=?)"));
	assert_non_null(strstr(plan, "USING INDEX messages_content (content_hash=?)"));
	assert_null(strstr(plan, "SCAN messages"));
	g_free(plan);
	tmp_store_remove(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_window_plans),
		cmocka_unit_test(test_message_find_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
