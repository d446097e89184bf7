/* Unit tests for src/util/msgkey.c (cmocka): the day of a message's Date
 * header, read from the header block only, folded or not, any case, CRLF;
 * and the key built from it: the same for the same day and text, in day
 * order across days, never negative. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>
#include "util/msgkey.h"

#define DAY_2026_11_25 20782   /* 2026-11-25T00:00:00Z / 86400 */

static int
day_of(const char *raw)
{
	return kenchi_msg_date_day(raw, strlen(raw));
}

static void
test_date_day(void **state)
{
	(void)state;
	assert_int_equal(day_of("From: a@b\nDate: Wed, 25 Nov 2026 12:00:00 +0000\n\nbody\n"), DAY_2026_11_25);
	/* The day in UTC: 08:00 in Japan is still the 24th there. */
	assert_int_equal(day_of("Date: Wed, 25 Nov 2026 08:00:00 +0900\n\n"), DAY_2026_11_25 - 1);
	assert_int_equal(day_of("DATE:Wed, 25 Nov 2026 12:00:00 GMT\r\nSubject: x\r\n\r\n"), DAY_2026_11_25);
	assert_int_equal(day_of("Subject: x\nDate: Wed,\n 25 Nov 2026\n\t12:00:00 +0000\nTo: y\n\n"), DAY_2026_11_25);
	/* The first Date header counts; later ones, and the body's, do not. */
	assert_int_equal(day_of("Date: Wed, 25 Nov 2026 12:00:00 +0000\nDate: Thu, 1 Jan 2004 00:00:00 +0000\n\n"),
	    DAY_2026_11_25);
	assert_int_equal(day_of("Subject: x\n\nDate: Wed, 25 Nov 2026 12:00:00 +0000\n"), 0);
	assert_int_equal(day_of("Subject: x\r\n\r\nDate: Wed, 25 Nov 2026 12:00:00 +0000\r\n"), 0);
	/* Other headers that end in "Date" are not the Date. */
	assert_int_equal(day_of("Delivery-Date: Wed, 25 Nov 2026 12:00:00 +0000\nDated: x\n\n"), 0);
	/* None, garbage, nothing. */
	assert_int_equal(day_of("Subject: x\n\nbody"), 0);
	assert_int_equal(day_of("Date: the day after tomorrow\n\n"), 0);
	assert_int_equal(day_of(""), 0);
	assert_int_equal(kenchi_msg_date_day(NULL, 0), 0);
	assert_int_equal(day_of("Date:"), 0);
	assert_int_equal(day_of("Date: Wed, 25 Nov 2026 12:00:00 +0000"), DAY_2026_11_25);
}

/* A header block longer than the scan (a hostile header of 100k
 * characters) hides a later Date: the answer is 0, and it is quick. */
static void
test_date_day_bounded(void **state)
{
	GString *s = g_string_new("X-Long: ");
	int i;

	(void)state;
	for (i = 0; i < 100000; i++)
		g_string_append_c(s, 'a');
	g_string_append(s, "\nDate: Wed, 25 Nov 2026 12:00:00 +0000\n\n");
	assert_int_equal(kenchi_msg_date_day(s->str, s->len), 0);
	/* A NUL inside the header block does not end it. */
	assert_int_equal(kenchi_msg_date_day("X: a\0b\nDate: Wed, 25 Nov 2026 12:00:00 +0000\n\n", 46),
	    DAY_2026_11_25);
	g_string_free(s, TRUE);
}

static void
test_key(void **state)
{
	const char *a = "Date: Wed, 25 Nov 2026 12:00:00 +0000\n\nbody a\n";
	const char *b = "Received: by mx\nDate: Wed, 25 Nov 2026 23:59:59 +0000\n\nbody b\n";
	const char *c = "Date: Thu, 26 Nov 2026 00:00:00 +0000\n\n";
	const char *none = "Subject: x\n\n";
	gint64 ka = kenchi_msg_key(a, strlen(a), "k"), kb = kenchi_msg_key(b, strlen(b), "k");

	(void)state;
	/* Same day, same text: the same key, whatever else the bytes hold. */
	assert_true(ka == kb);
	assert_true(ka != kenchi_msg_key(a, strlen(a), "other"));
	/* The day orders the keys. */
	assert_true(kenchi_msg_key(c, strlen(c), "k") > ka);
	assert_true(kenchi_msg_key(c, strlen(c), "anything") > kenchi_msg_key(a, strlen(a), "anything else"));
	assert_true(kenchi_msg_key(none, strlen(none), "k") >= 0);
	assert_true(kenchi_msg_key(none, strlen(none), "k") < ka);
	assert_true(ka >= 0);
	/* The two ways to the key agree: ingest parses the date once for both
	 * keys, the migration computes each from the stored message. */
	assert_true(kenchi_msg_key_day(kenchi_msg_date_day(b, strlen(b)), "k") == kb);
	assert_true(kenchi_msg_key_day(0, "k") == kenchi_msg_key(none, strlen(none), "k"));
}

/* The content key: the same mail with CRLF or LF line ends, and with a
 * trailing newline or not, is one (intake round ri1 F7); another body or
 * another Message-ID is not; a lone CR is content. */
static void
test_content_key(void **state)
{
	const char *lf = "Message-ID: <a@b>\nSubject: x\n\nline one\nline two\n";
	const char *crlf = "Message-ID: <a@b>\r\nSubject: x\r\n\r\nline one\r\nline two\r\n";
	const char *bare = "Message-ID: <a@b>\nSubject: x\n\nline one\nline two";
	const char *lone = "Message-ID: <a@b>\nSubject: x\n\nline one\rline two\n";
	char *a = kenchi_msg_content_key("a@b", lf, strlen(lf));
	char *b = kenchi_msg_content_key("a@b", crlf, strlen(crlf));
	char *c = kenchi_msg_content_key("a@b", bare, strlen(bare));
	char *d = kenchi_msg_content_key("a@b", lone, strlen(lone));
	char *e = kenchi_msg_content_key("c@d", lf, strlen(lf));

	(void)state;
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	assert_string_not_equal(a, d);
	assert_string_not_equal(a, e);
	assert_null(kenchi_msg_content_key(NULL, lf, strlen(lf)));
	g_free(a);
	g_free(b);
	g_free(c);
	g_free(d);
	g_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_day),
		cmocka_unit_test(test_date_day_bounded),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_content_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
