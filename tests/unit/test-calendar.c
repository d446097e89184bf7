/* Unit tests for src/case/calendar.c (cmocka; run with CMOCKA_MESSAGE_OUTPUT=TAP).
 * The holidays table is read from $KENCHI_DATADIR/data/holidays-jp.tsv
 * (default "data/holidays-jp.tsv"). */
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "case/calendar.h"

static kenchi_calendar_t *cal; /* loaded once for the read-only cases */

static int
group_setup(void **state)
{
    const char *dir = g_getenv("KENCHI_DATADIR"); /* the tree root: files are under data/ */
    char *path = g_build_filename(dir != NULL && *dir != '\0' ? dir : ".",
                                  "data", "holidays-jp.tsv", NULL);
    GError *error = NULL;

    (void)state;
    cal = kenchi_calendar_load(path, &error);
    if (cal == NULL) {
        print_error("cannot load %s: %s\n", path, error->message);
        g_error_free(error);
        g_free(path);
        return -1;
    }
    g_free(path);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    kenchi_calendar_free(cal);
    return 0;
}

/* Independent of calendar.c's arithmetic: build the instant with GDateTime. */
static gint64
jst(int y, int mo, int d, int h, int mi)
{
    GTimeZone *tz = g_time_zone_new_offset(9 * 3600);
    GDateTime *dt = g_date_time_new(tz, y, mo, d, h, mi, 0);
    gint64 t;

    assert_non_null(dt);
    t = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    g_time_zone_unref(tz);
    return t;
}

static gint64
utc(int y, int mo, int d, int h, int mi)
{
    GDateTime *dt = g_date_time_new_utc(y, mo, d, h, mi, 0);
    gint64 t;

    assert_non_null(dt);
    t = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return t;
}

#define assert_due(c, arrival, y, mo, d, h, mi) \
    assert_int_equal(kenchi_calendar_second_report_due((c), (arrival)), jst(y, mo, d, h, mi))

static void
test_first_report_one_hour(void **state)
{
    gint64 t = jst(2026, 11, 21, 3, 15); /* a Saturday night: still +1 h */

    (void)state;
    assert_int_equal(kenchi_calendar_first_report_due(t), t + 3600);
    assert_int_equal(kenchi_calendar_first_report_due(0), 3600);
}

static void
test_plain_friday(void **state)
{
    (void)state;
    /* Fri 2026-10-16 20:00 -> Mon 2026-10-19 18:00. */
    assert_due(cal, jst(2026, 10, 16, 20, 0), 2026, 10, 19, 18, 0);
    /* Arrival during business hours still waits for the *next* business day. */
    assert_due(cal, jst(2026, 10, 14, 10, 0), 2026, 10, 15, 18, 0);
}

static void
test_friday_before_labour_thanksgiving(void **state)
{
    (void)state;
    /* Mon 2026-11-23 is 勤労感謝の日, so Fri 20:00 -> Tue 2026-11-24 18:00. */
    assert_non_null(kenchi_calendar_holiday_name(cal, 2026, 11, 23));
    assert_due(cal, jst(2026, 11, 20, 20, 0), 2026, 11, 24, 18, 0);
}

static void
test_silver_week_2026(void **state)
{
    (void)state;
    /* 09-21 敬老の日, 09-22 国民の休日, 09-23 秋分の日. */
    assert_due(cal, jst(2026, 9, 18, 0, 0), 2026, 9, 24, 18, 0);
    assert_due(cal, jst(2026, 9, 18, 9, 30), 2026, 9, 24, 18, 0);
    assert_due(cal, jst(2026, 9, 18, 23, 59), 2026, 9, 24, 18, 0);
}

static void
test_year_end_closure(void **state)
{
    (void)state;
    /* Mon 2026-12-28 -> 12-29..01-03 closed -> Mon 2027-01-04. */
    assert_due(cal, jst(2026, 12, 28, 12, 0), 2027, 1, 4, 18, 0);
    assert_false(kenchi_calendar_is_business_day(cal, 2026, 12, 29));
    assert_false(kenchi_calendar_is_business_day(cal, 2027, 1, 3));
    assert_true(kenchi_calendar_is_business_day(cal, 2026, 12, 28));
}

static void
test_sunday_arrival(void **state)
{
    (void)state;
    /* Sun 2026-10-18 -> Mon 2026-10-19. */
    assert_due(cal, jst(2026, 10, 18, 14, 0), 2026, 10, 19, 18, 0);
    /* Sat 2026-10-17 -> Mon 2026-10-19 too. */
    assert_due(cal, jst(2026, 10, 17, 14, 0), 2026, 10, 19, 18, 0);
}

static void
test_utc_late_evening_is_next_jst_day(void **state)
{
    (void)state;
    /* Wed 2026-10-14 23:30 UTC == Thu 2026-10-15 08:30 JST, so the arrival
     * day is Thursday and the deadline Friday, not Thursday. */
    assert_int_equal(utc(2026, 10, 14, 23, 30), jst(2026, 10, 15, 8, 30));
    assert_due(cal, utc(2026, 10, 14, 23, 30), 2026, 10, 16, 18, 0);
    /* ...and Thu 2026-10-15 14:59 UTC is still Thursday in JST (23:59). */
    assert_due(cal, utc(2026, 10, 15, 14, 59), 2026, 10, 16, 18, 0);
    /* Fri 2026-10-16 15:00 UTC is Sat 00:00 JST -> Monday. */
    assert_due(cal, utc(2026, 10, 16, 15, 0), 2026, 10, 19, 18, 0);
}

static void
test_known_holidays(void **state)
{
    static const int days[][3] = {
        { 2024, 2, 12 }, /* 振替休日 for 建国記念の日 */
        { 2025, 3, 20 }, /* 春分の日 */
        { 2025, 9, 23 }, /* 秋分の日 */
        { 2026, 9, 22 }, /* 国民の休日 */
        { 2019, 5, 6 },  /* 振替休日 for こどもの日 */
        { 2021, 8, 9 },  /* 振替休日 for the Olympic 山の日 */
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(days); i++) {
        assert_non_null(kenchi_calendar_holiday_name(cal, days[i][0], days[i][1], days[i][2]));
        assert_false(kenchi_calendar_is_business_day(cal, days[i][0], days[i][1], days[i][2]));
    }
    assert_string_equal(kenchi_calendar_holiday_name(cal, 2026, 9, 22), "国民の休日");
    assert_null(kenchi_calendar_holiday_name(cal, 2026, 9, 24));
    assert_true(kenchi_calendar_is_business_day(cal, 2026, 9, 24));
    /* Weekends are not holidays by name. */
    assert_null(kenchi_calendar_holiday_name(cal, 2026, 10, 17));
    assert_false(kenchi_calendar_is_business_day(cal, 2026, 10, 17));
    /* Invalid dates are never business days. */
    assert_false(kenchi_calendar_is_business_day(cal, 2026, 2, 30));
    assert_null(kenchi_calendar_holiday_name(cal, 2026, 13, 1));
    /* 286 would truncate to 30 in GDate's guint8 day. */
    assert_false(kenchi_calendar_is_business_day(cal, 2026, 10, 256 + 14));
    assert_null(kenchi_calendar_holiday_name(cal, 2026, 9, 256 + 22));
}

static void
test_range_and_beyond(void **state)
{
    int first = -1, last = -1;

    (void)state;
    kenchi_calendar_get_range(cal, &first, &last);
    assert_int_equal(first, 2019);
    assert_int_equal(last, 2030);
    /* Past the table: weekends and closure still apply (Fri 2099-12-25 ->
     * Sat/Sun, then 12-29..01-03 -> Mon 2099-12-28 is open). */
    assert_due(cal, jst(2099, 12, 25, 10, 0), 2099, 12, 28, 18, 0);
    assert_due(cal, jst(2099, 12, 28, 10, 0), 2100, 1, 4, 18, 0);
}

static char *
write_tmp(const char *contents)
{
    GError *error = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("kenchi-cal-XXXXXX.tsv", &path, &error);

    assert_true(fd >= 0);
    g_close(fd, NULL);
    assert_true(g_file_set_contents(path, contents, -1, &error));
    return path;
}

static void
test_bad_line_reports_path_and_line(void **state)
{
    static const char *bad[] = {
        "# comment\n\n2026-01-01\tNew Year\n2026-1-12\tbad\n",
        "# comment\n\n2026-01-01\tNew Year\n2026-02-30\tno such day\n",
        "# comment\n\n2026-01-01\tNew Year\n2026-01-12 no tab\n",
        "# comment\n\n2026-01-01\tNew Year\n2026-01-01\tduplicate\n",
        "# comment\n\n2026-01-01\tNew Year\n2026-01-12\t\n",
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *path = write_tmp(bad[i]);
        char *prefix = g_strdup_printf("%s:4: ", path);
        GError *error = NULL;
        kenchi_calendar_t *c = kenchi_calendar_load(path, &error);

        assert_null(c);
        assert_non_null(error);
        assert_true(error->domain == KENCHI_CALENDAR_ERROR);
        if (!g_str_has_prefix(error->message, prefix))
            fail_msg("case %zu: '%s' lacks prefix '%s'", i, error->message, prefix);
        g_error_free(error);
        g_unlink(path);
        g_free(prefix);
        g_free(path);
    }
}

static void
test_good_tmp_file_and_crlf(void **state)
{
    char *path = write_tmp("# x\r\n2026-10-14\tTest day\r\n\r\n");
    GError *error = NULL;
    kenchi_calendar_t *c = kenchi_calendar_load(path, &error);

    (void)state;
    assert_null(error);
    assert_non_null(c);
    assert_string_equal(kenchi_calendar_holiday_name(c, 2026, 10, 14), "Test day");
    assert_due(c, jst(2026, 10, 13, 12, 0), 2026, 10, 15, 18, 0);
    kenchi_calendar_free(c);
    g_unlink(path);
    g_free(path);
}

static void
test_missing_file(void **state)
{
    GError *error = NULL;

    (void)state;
    assert_null(kenchi_calendar_load("/nonexistent/kenchi/holidays.tsv", &error));
    assert_non_null(error);
    g_error_free(error);
}

static void
test_closure_disabled(void **state)
{
    kenchi_calendar_t *c = kenchi_calendar_new_empty();
    GError *error = NULL;

    (void)state;
    assert_false(kenchi_calendar_is_business_day(c, 2026, 12, 30));
    assert_true(kenchi_calendar_set_closure(c, "", &error));
    assert_true(kenchi_calendar_is_business_day(c, 2026, 12, 30));
    assert_due(c, jst(2026, 12, 28, 12, 0), 2026, 12, 29, 18, 0);
    /* Jan 1 is only closed by the holiday table, which c does not have. */
    assert_true(kenchi_calendar_is_business_day(c, 2027, 1, 1));

    /* A non-wrapping closure and a wrapping one. */
    assert_true(kenchi_calendar_set_closure(c, "08-13..08-16", &error));
    assert_false(kenchi_calendar_is_business_day(c, 2026, 8, 13));
    assert_true(kenchi_calendar_is_business_day(c, 2026, 8, 17));
    assert_true(kenchi_calendar_set_closure(c, "12-30..01-02", &error));
    assert_true(kenchi_calendar_is_business_day(c, 2026, 12, 29));
    assert_false(kenchi_calendar_is_business_day(c, 2027, 1, 1));
    assert_true(kenchi_calendar_is_business_day(c, 2027, 1, 4));

    /* Bad specs are rejected and leave the previous closure in place. */
    assert_false(kenchi_calendar_set_closure(c, "12-29-01-03", &error));
    assert_non_null(error);
    g_clear_error(&error);
    assert_false(kenchi_calendar_set_closure(c, "02-30..03-01", &error));
    g_clear_error(&error);
    assert_false(kenchi_calendar_is_business_day(c, 2027, 1, 1));
    kenchi_calendar_free(c);
}

static void
test_add_open_saturday(void **state)
{
    kenchi_calendar_t *c = kenchi_calendar_new_empty();
    GError *error = NULL;

    (void)state;
    /* Sat 2026-10-17 made a workday: Friday's alert is due Saturday. */
    assert_false(kenchi_calendar_is_business_day(c, 2026, 10, 17));
    assert_true(kenchi_calendar_add_open(c, "2026-10-17", &error));
    assert_true(kenchi_calendar_is_business_day(c, 2026, 10, 17));
    assert_due(c, jst(2026, 10, 16, 20, 0), 2026, 10, 17, 18, 0);
    /* A later add_closed wins. */
    assert_true(kenchi_calendar_add_closed(c, "2026-10-17", &error));
    assert_false(kenchi_calendar_is_business_day(c, 2026, 10, 17));
    assert_true(kenchi_calendar_add_closed(c, "2026-10-19", &error));
    assert_due(c, jst(2026, 10, 16, 20, 0), 2026, 10, 20, 18, 0);

    assert_false(kenchi_calendar_add_open(c, "2026-10-32", &error));
    assert_non_null(error);
    g_clear_error(&error);
    assert_false(kenchi_calendar_add_closed(c, "tomorrow", &error));
    assert_non_null(error);
    g_clear_error(&error);
    kenchi_calendar_free(c);
}

static void
test_hours(void **state)
{
    kenchi_calendar_t *c = kenchi_calendar_new_empty();
    GError *error = NULL;
    int s = 0, e = 0;

    (void)state;
    kenchi_calendar_get_hours(c, &s, &e);
    assert_int_equal(s, 540);
    assert_int_equal(e, 1080);
    assert_true(kenchi_calendar_set_hours(c, "08:30-17:15", &error));
    kenchi_calendar_get_hours(c, &s, &e);
    assert_int_equal(s, 510);
    assert_int_equal(e, 1035);
    assert_due(c, jst(2026, 10, 16, 20, 0), 2026, 10, 19, 17, 15);
    assert_true(kenchi_calendar_set_hours(c, "00:00-24:00", &error));
    assert_due(c, jst(2026, 10, 16, 20, 0), 2026, 10, 20, 0, 0);

    assert_false(kenchi_calendar_set_hours(c, "18:00-09:00", &error));
    g_clear_error(&error);
    assert_false(kenchi_calendar_set_hours(c, "9:00-18:00", &error));
    g_clear_error(&error);
    assert_false(kenchi_calendar_set_hours(c, "09:00-24:30", &error));
    g_clear_error(&error);
    kenchi_calendar_get_hours(c, &s, &e);
    assert_int_equal(e, 1440);
    kenchi_calendar_free(c);
}

static void
test_pathological_closure(void **state)
{
    kenchi_calendar_t *c = kenchi_calendar_new_empty();
    GError *error = NULL;

    (void)state;
    /* 01-02..01-01 wraps and closes every day of the year. */
    assert_true(kenchi_calendar_set_closure(c, "01-02..01-01", &error));
    assert_true(kenchi_calendar_second_report_due(c, jst(2026, 10, 16, 20, 0))
                == KENCHI_CALENDAR_NO_DUE);
    kenchi_calendar_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_report_one_hour),
        cmocka_unit_test(test_plain_friday),
        cmocka_unit_test(test_friday_before_labour_thanksgiving),
        cmocka_unit_test(test_silver_week_2026),
        cmocka_unit_test(test_year_end_closure),
        cmocka_unit_test(test_sunday_arrival),
        cmocka_unit_test(test_utc_late_evening_is_next_jst_day),
        cmocka_unit_test(test_known_holidays),
        cmocka_unit_test(test_range_and_beyond),
        cmocka_unit_test(test_bad_line_reports_path_and_line),
        cmocka_unit_test(test_good_tmp_file_and_crlf),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_closure_disabled),
        cmocka_unit_test(test_add_open_saturday),
        cmocka_unit_test(test_hours),
        cmocka_unit_test(test_pathological_closure),
    };

    return cmocka_run_group_tests_name("calendar", tests, group_setup, group_teardown);
}
