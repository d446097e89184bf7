/* Unit tests for src/parse/flowed.c (cmocka): format=flowed lines are
 * joined, DelSp removes the added space, stuffing goes, quote depth bounds
 * a paragraph, the signature separator and fixed lines stay as they are. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>
#include "parse/flowed.h"

static void
check(const char *in, gboolean delsp, const char *want)
{
	char *got = kenchi_flowed_decode(in, delsp);

	assert_string_equal(got, want);
	g_free(got);
}

static void
test_join(void **state)
{
	(void)state;
	/* A path with a space, broken at it: one line again. */
	check("File Path: C:\\Program \nFiles\\Vendor\\x.exe\nNext: y\n", FALSE,
	    "File Path: C:\\Program Files\\Vendor\\x.exe\nNext: y\n");
	/* CRLF lines, and three pieces. */
	check("a \r\nb \r\nc\r\nd\r\n", FALSE, "a b c\nd\n");
	/* Fixed lines are left alone, an empty line too. */
	check("Label: value\n\nOther: v\n", FALSE, "Label: value\n\nOther: v\n");
	/* No final newline, or a flowed last line. */
	check("a \nb", FALSE, "a b\n");
	check("a ", FALSE, "a \n");
	check("", FALSE, "");
}

static void
test_delsp(void **state)
{
	(void)state;
	/* DelSp=yes: the writer added the space at the break. */
	check("C:\\Users\\Ap \npData\\x.exe\n", TRUE, "C:\\Users\\AppData\\x.exe\n");
	check("C:\\Users\\Ap \npData\\x.exe\n", FALSE, "C:\\Users\\Ap pData\\x.exe\n");
}

static void
test_stuffing_and_quotes(void **state)
{
	(void)state;
	/* A stuffed space goes; a line that was indented keeps the rest. */
	check("  indented\n From here\n", FALSE, " indented\nFrom here\n");
	/* Quoted lines join with their own depth only, marks kept once. */
	check("> Path: C:\\A \n> B\\x.exe\n", FALSE, "> Path: C:\\A B\\x.exe\n");
	check(">> a \n> b\n", FALSE, ">> a \n> b\n");
	check("> a \nb\n", FALSE, "> a \nb\n");
	/* "-- " is the signature separator, not a flowed line. */
	check("-- \nsig\n", FALSE, "-- \nsig\n");
	check("> -- \n> sig\n", FALSE, "> -- \n> sig\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_delsp),
		cmocka_unit_test(test_stuffing_and_quotes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
