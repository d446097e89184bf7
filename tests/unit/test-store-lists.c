/*
 * test-store-lists.c - the allow/block lists as the store answers them
 * inside a write transaction, where whether they are empty is asked once
 * (store_int.h): an entry added, removed, or brought back by a savepoint
 * rollback in the same transaction is seen by the next lookup.
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
#include <glib/gstdio.h>

#include "store/store.h"
#include "tmp-store.h"

static gboolean
count_row(const kenchi_list_row_t *row, gpointer user)
{
	(void)row;
	(*(int *)user)++;
	return TRUE;
}

static int
entries(kenchi_store_t *st, const char *list)
{
	int n = 0;

	assert_int_equal(kenchi_store_list_each(st, list, "acme", count_row, &n), KENCHI_OK);
	return n;
}

static void
test_lists_in_a_transaction(void **state)
{
	char *err = NULL;
	tmp_store_t t = tmp_store_open(&err);
	kenchi_store_t *st = t.st;
	kenchi_list_row_t row = { .list = "allow", .customer = "acme", .kind = "sha256",
				  .value = "d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311",
				  .created_at = 1 };
	gint64 id = 0;

	(void)state;
	assert_non_null(st);

	assert_int_equal(kenchi_store_begin(st), KENCHI_OK);
	assert_int_equal(entries(st, "allow"), 0);          /* empty: remembered */
	assert_int_equal(kenchi_store_list_add(st, &row, &id), KENCHI_OK);
	assert_int_equal(entries(st, "allow"), 1);          /* the add is seen */
	assert_int_equal(entries(st, "block"), 0);
	assert_int_equal(kenchi_store_savepoint(st), KENCHI_OK);
	assert_int_equal(kenchi_store_list_remove(st, "allow", id, NULL), KENCHI_OK);
	assert_int_equal(entries(st, "allow"), 0);          /* the remove too */
	kenchi_store_savepoint_rollback(st);
	assert_int_equal(entries(st, "allow"), 1);          /* and the rollback */
	assert_int_equal(kenchi_store_commit(st), KENCHI_OK);
	assert_int_equal(entries(st, "allow"), 1);          /* outside a transaction */

	assert_int_equal(kenchi_store_begin(st), KENCHI_OK);
	assert_int_equal(kenchi_store_list_remove(st, "allow", id, NULL), KENCHI_OK);
	assert_int_equal(entries(st, "allow"), 0);
	kenchi_store_rollback(st);
	assert_int_equal(kenchi_store_begin(st), KENCHI_OK);
	assert_int_equal(entries(st, "allow"), 1);          /* the rollback brought it back */
	assert_int_equal(kenchi_store_commit(st), KENCHI_OK);

	tmp_store_remove(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_in_a_transaction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
