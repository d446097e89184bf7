/* calendar.c - business-day calendar and report deadlines (see calendar.h). */
#include "calendar.h"

#include <string.h>

/* JST is a fixed UTC+9 with no DST, so converting with plain arithmetic is
 * exact and avoids allocating a GTimeZone/GDateTime per call. */
#define JST_OFFSET_S    (9 * 3600)
#define SECONDS_PER_DAY 86400
/* g_date_get_julian() of 1970-01-01: lets us map Unix days to GDate days. */
#define JULIAN_UNIX_EPOCH 719163
/* A year-end closure plus weekends and Golden Week never spans anywhere near
 * this; hitting it means the configuration closes (almost) every day. */
#define MAX_SEARCH_DAYS 400

#define DEFAULT_CLOSURE_START (12 * 100 + 29)
#define DEFAULT_CLOSURE_END   (1 * 100 + 3)
#define DEFAULT_HOURS_START   (9 * 60)
#define DEFAULT_HOURS_END     (18 * 60)

struct kenchi_calendar {
    GHashTable *holidays; /* julian day -> g_strdup'd name */
    GHashTable *closed;   /* julian day set */
    GHashTable *open;     /* julian day set */
    gboolean has_closure;
    int closure_start;    /* month*100 + day */
    int closure_end;
    int hours_start;      /* minutes from JST midnight */
    int hours_end;
    int first_year;       /* holiday table range, 0 if empty */
    int last_year;
};

G_DEFINE_QUARK(kenchi-calendar-error-quark, kenchi_calendar_error)

kenchi_calendar_t *
kenchi_calendar_new_empty(void)
{
    kenchi_calendar_t *cal = g_new0(kenchi_calendar_t, 1);

    cal->holidays = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    cal->closed = g_hash_table_new(g_direct_hash, g_direct_equal);
    cal->open = g_hash_table_new(g_direct_hash, g_direct_equal);
    cal->has_closure = TRUE;
    cal->closure_start = DEFAULT_CLOSURE_START;
    cal->closure_end = DEFAULT_CLOSURE_END;
    cal->hours_start = DEFAULT_HOURS_START;
    cal->hours_end = DEFAULT_HOURS_END;
    return cal;
}

void
kenchi_calendar_free(kenchi_calendar_t *cal)
{
    if (cal == NULL)
        return;
    g_hash_table_destroy(cal->holidays);
    g_hash_table_destroy(cal->closed);
    g_hash_table_destroy(cal->open);
    g_free(cal);
}

/* GDate takes guint8/guint16 day and year: range-check first, or e.g. day
 * 286 would silently truncate to a valid 30. */
static gboolean
valid_dmy(int d, int m, int y)
{
    if (d < 1 || d > 31 || m < 1 || m > 12 || y < 1 || y > 9999)
        return FALSE;
    return g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y);
}

/* GDate has no one-call dmy -> julian helper.  Caller ensures valid_dmy(). */
static guint32
julian_from_dmy(int d, int m, int y)
{
    GDate date;

    g_date_clear(&date, 1);
    g_date_set_dmy(&date, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
    return g_date_get_julian(&date);
}

/* Parse exactly n ASCII digits; strtol would accept signs and spaces. */
static gboolean
parse_digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return TRUE;
}

/* Strict "YYYY-MM-DD" (exactly len bytes) -> julian day.  On failure sets
 * *why to a static message and *code to the matching error code. */
static gboolean
parse_ymd(const char *s, size_t len, guint32 *julian, const char **why, int *code)
{
    int y, m, d;

    if (len != 10 || s[4] != '-' || s[7] != '-' || !parse_digits(s, 4, &y)
        || !parse_digits(s + 5, 2, &m) || !parse_digits(s + 8, 2, &d)) {
        *why = "expected a date as YYYY-MM-DD";
        *code = KENCHI_CALENDAR_ERROR_PARSE;
        return FALSE;
    }
    if (!valid_dmy(d, m, y)) {
        *why = "no such date";
        *code = KENCHI_CALENDAR_ERROR_INVALID;
        return FALSE;
    }
    *julian = julian_from_dmy(d, m, y);
    return TRUE;
}

static gboolean
fail_line(GError **error, const char *path, unsigned lineno, int code, const char *why)
{
    g_set_error(error, KENCHI_CALENDAR_ERROR, code, "%s:%u: %s", path, lineno, why);
    return FALSE;
}

static gboolean
load_lines(kenchi_calendar_t *cal, const char *path, char *text, GError **error)
{
    unsigned lineno = 0;
    char *line = text;

    while (line != NULL) {
        char *nl = strchr(line, '\n');
        char *tab, *name;
        const char *why = NULL;
        int code = 0;
        guint32 j;
        GDate date;
        int y;

        if (nl != NULL)
            *nl = '\0';
        lineno++;
        /* Files edited on Windows must not fail on an invisible '\r'. */
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';

        if (len == 0 || line[0] == '#')
            goto next;

        tab = strchr(line, '\t');
        if (tab == NULL)
            return fail_line(error, path, lineno, KENCHI_CALENDAR_ERROR_PARSE,
                             "expected YYYY-MM-DD<TAB>name");
        if (!parse_ymd(line, (size_t)(tab - line), &j, &why, &code))
            return fail_line(error, path, lineno, code, why);
        name = g_strstrip(tab + 1);
        if (*name == '\0')
            return fail_line(error, path, lineno, KENCHI_CALENDAR_ERROR_PARSE,
                             "missing holiday name");
        if (!g_utf8_validate(name, -1, NULL))
            return fail_line(error, path, lineno, KENCHI_CALENDAR_ERROR_PARSE,
                             "holiday name is not valid UTF-8");
        /* A duplicate usually means a hand edit went wrong; refuse rather
         * than silently pick one name. */
        if (g_hash_table_contains(cal->holidays, GUINT_TO_POINTER(j)))
            return fail_line(error, path, lineno, KENCHI_CALENDAR_ERROR_INVALID,
                             "duplicate date");
        g_hash_table_insert(cal->holidays, GUINT_TO_POINTER(j), g_strdup(name));

        g_date_clear(&date, 1);
        g_date_set_julian(&date, j);
        y = g_date_get_year(&date);
        if (cal->first_year == 0 || y < cal->first_year)
            cal->first_year = y;
        if (y > cal->last_year)
            cal->last_year = y;
    next:
        line = nl != NULL ? nl + 1 : NULL;
    }
    return TRUE;
}

kenchi_calendar_t *
kenchi_calendar_load(const char *holidays_path, GError **error)
{
    char *text = NULL;
    kenchi_calendar_t *cal;

    g_return_val_if_fail(holidays_path != NULL, NULL);

    if (!g_file_get_contents(holidays_path, &text, NULL, error))
        return NULL;
    cal = kenchi_calendar_new_empty();
    if (!load_lines(cal, holidays_path, text, error)) {
        kenchi_calendar_free(cal);
        cal = NULL;
    } else if (cal->first_year == 0) {
        /* An empty table would make every national holiday a business
         * day, and every deadline early, unsaid (round 43b F6). */
        g_set_error(error, KENCHI_CALENDAR_ERROR, KENCHI_CALENDAR_ERROR_INVALID,
                    "%s: no holidays in the file", holidays_path);
        kenchi_calendar_free(cal);
        cal = NULL;
    }
    g_free(text);
    return cal;
}

static gboolean
parse_day_arg(const char *s, guint32 *julian, GError **error)
{
    const char *why = "expected a date as YYYY-MM-DD";
    int code = KENCHI_CALENDAR_ERROR_PARSE;

    if (s == NULL || !parse_ymd(s, strlen(s), julian, &why, &code)) {
        g_set_error(error, KENCHI_CALENDAR_ERROR, code, "'%s': %s",
                    s != NULL ? s : "(null)", why);
        return FALSE;
    }
    return TRUE;
}

gboolean
kenchi_calendar_add_closed(kenchi_calendar_t *cal, const char *yyyy_mm_dd, GError **error)
{
    guint32 j;

    g_return_val_if_fail(cal != NULL, FALSE);
    if (!parse_day_arg(yyyy_mm_dd, &j, error))
        return FALSE;
    g_hash_table_remove(cal->open, GUINT_TO_POINTER(j));
    g_hash_table_add(cal->closed, GUINT_TO_POINTER(j));
    return TRUE;
}

gboolean
kenchi_calendar_add_open(kenchi_calendar_t *cal, const char *yyyy_mm_dd, GError **error)
{
    guint32 j;

    g_return_val_if_fail(cal != NULL, FALSE);
    if (!parse_day_arg(yyyy_mm_dd, &j, error))
        return FALSE;
    g_hash_table_remove(cal->closed, GUINT_TO_POINTER(j));
    g_hash_table_add(cal->open, GUINT_TO_POINTER(j));
    return TRUE;
}

/* "MM-DD" -> month*100+day; validated against a leap year so 02-29 is
 * accepted (it simply never matches in other years). */
static gboolean
parse_md(const char *s, int *md)
{
    int m, d;

    if (s[2] != '-' || !parse_digits(s, 2, &m) || !parse_digits(s + 3, 2, &d))
        return FALSE;
    if (!valid_dmy(d, m, 2000))
        return FALSE;
    *md = m * 100 + d;
    return TRUE;
}

gboolean
kenchi_calendar_set_closure(kenchi_calendar_t *cal, const char *spec, GError **error)
{
    int start, end;

    g_return_val_if_fail(cal != NULL, FALSE);
    if (spec == NULL || *spec == '\0') {
        cal->has_closure = FALSE;
        return TRUE;
    }
    /* "MM-DD..MM-DD" is exactly 12 bytes. */
    if (strlen(spec) != 12 || spec[5] != '.' || spec[6] != '.' || !parse_md(spec, &start)
        || !parse_md(spec + 7, &end)) {
        g_set_error(error, KENCHI_CALENDAR_ERROR, KENCHI_CALENDAR_ERROR_PARSE,
                    "closure '%s': expected MM-DD..MM-DD (e.g. 12-29..01-03)", spec);
        return FALSE;
    }
    cal->has_closure = TRUE;
    cal->closure_start = start;
    cal->closure_end = end;
    return TRUE;
}

static gboolean
parse_hhmm(const char *s, int *minutes)
{
    int h, m;

    if (s[2] != ':' || !parse_digits(s, 2, &h) || !parse_digits(s + 3, 2, &m))
        return FALSE;
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return FALSE;
    *minutes = h * 60 + m;
    return TRUE;
}

gboolean
kenchi_calendar_set_hours(kenchi_calendar_t *cal, const char *spec, GError **error)
{
    int start, end;

    g_return_val_if_fail(cal != NULL, FALSE);
    /* "HH:MM-HH:MM" is exactly 11 bytes. */
    if (spec == NULL || strlen(spec) != 11 || spec[5] != '-' || !parse_hhmm(spec, &start)
        || !parse_hhmm(spec + 6, &end)) {
        g_set_error(error, KENCHI_CALENDAR_ERROR, KENCHI_CALENDAR_ERROR_PARSE,
                    "hours '%s': expected HH:MM-HH:MM (e.g. 09:00-18:00)",
                    spec != NULL ? spec : "(null)");
        return FALSE;
    }
    if (start >= end) {
        g_set_error(error, KENCHI_CALENDAR_ERROR, KENCHI_CALENDAR_ERROR_INVALID,
                    "hours '%s': start must be before end", spec);
        return FALSE;
    }
    cal->hours_start = start;
    cal->hours_end = end;
    return TRUE;
}

void
kenchi_calendar_get_hours(const kenchi_calendar_t *cal, int *start_min, int *end_min)
{
    g_return_if_fail(cal != NULL);
    if (start_min != NULL)
        *start_min = cal->hours_start;
    if (end_min != NULL)
        *end_min = cal->hours_end;
}

int
kenchi_calendar_uncovered_year(const kenchi_calendar_t *cal, gint64 t)
{
    GDateTime *d = g_date_time_new_from_unix_utc(t + 9 * 3600);   /* JST is UTC+9 all year */
    int y;

    if (d == NULL)
        return 0;
    y = g_date_time_get_year(d);
    g_date_time_unref(d);
    return cal->first_year == 0 || y < cal->first_year || y > cal->last_year ? y : 0;
}

void
kenchi_calendar_get_range(const kenchi_calendar_t *cal, int *first_year, int *last_year)
{
    g_return_if_fail(cal != NULL);
    if (first_year != NULL)
        *first_year = cal->first_year;
    if (last_year != NULL)
        *last_year = cal->last_year;
}

static gboolean
in_closure(const kenchi_calendar_t *cal, const GDate *date)
{
    int md;

    if (!cal->has_closure)
        return FALSE;
    md = g_date_get_month(date) * 100 + g_date_get_day(date);
    if (cal->closure_start <= cal->closure_end)
        return md >= cal->closure_start && md <= cal->closure_end;
    /* Wraps the year end, e.g. 12-29..01-03. */
    return md >= cal->closure_start || md <= cal->closure_end;
}

static gboolean
is_business_julian(const kenchi_calendar_t *cal, guint32 j)
{
    GDate date;
    GDateWeekday wd;

    /* Explicit overrides come first: the operator knows better than rules. */
    if (g_hash_table_contains(cal->open, GUINT_TO_POINTER(j)))
        return TRUE;
    if (g_hash_table_contains(cal->closed, GUINT_TO_POINTER(j)))
        return FALSE;

    g_date_clear(&date, 1);
    g_date_set_julian(&date, j);
    wd = g_date_get_weekday(&date);
    if (wd == G_DATE_SATURDAY || wd == G_DATE_SUNDAY)
        return FALSE;
    /* Outside the table's years this simply never matches, so weekends and
     * the closure still apply there. */
    if (g_hash_table_contains(cal->holidays, GUINT_TO_POINTER(j)))
        return FALSE;
    return !in_closure(cal, &date);
}

gboolean
kenchi_calendar_is_business_day(const kenchi_calendar_t *cal, int y, int m, int d)
{
    g_return_val_if_fail(cal != NULL, FALSE);
    if (!valid_dmy(d, m, y))
        return FALSE;
    return is_business_julian(cal, julian_from_dmy(d, m, y));
}

const char *
kenchi_calendar_holiday_name(const kenchi_calendar_t *cal, int y, int m, int d)
{
    g_return_val_if_fail(cal != NULL, NULL);
    if (!valid_dmy(d, m, y))
        return NULL;
    return g_hash_table_lookup(cal->holidays,
                               GUINT_TO_POINTER(julian_from_dmy(d, m, y)));
}

gint64
kenchi_calendar_first_report_due(gint64 arrival)
{
    return arrival + 3600;
}

gint64
kenchi_calendar_second_report_due(const kenchi_calendar_t *cal, gint64 arrival)
{
    gint64 jst, unix_day, j;

    g_return_val_if_fail(cal != NULL, KENCHI_CALENDAR_NO_DUE);

    /* Keep the arithmetic below far from overflow and inside GDate's range
     * (years 1..9999); real arrivals are nowhere near these bounds. */
    if (arrival < G_GINT64_CONSTANT(-62135596800) || arrival > G_GINT64_CONSTANT(253402300799))
        return KENCHI_CALENDAR_NO_DUE;

    /* Floor division: the JST calendar date of the arrival, even for
     * pre-1970 times. */
    jst = arrival + JST_OFFSET_S;
    unix_day = jst / SECONDS_PER_DAY - (jst % SECONDS_PER_DAY < 0 ? 1 : 0);
    j = unix_day + JULIAN_UNIX_EPOCH;

    for (int i = 1; i <= MAX_SEARCH_DAYS; i++) {
        gint64 cand = j + i;

        if (cand < 1 || !g_date_valid_julian((guint32)cand))
            return KENCHI_CALENDAR_NO_DUE;
        if (is_business_julian(cal, (guint32)cand))
            return (cand - JULIAN_UNIX_EPOCH) * SECONDS_PER_DAY + cal->hours_end * 60
                   - JST_OFFSET_S;
    }
    return KENCHI_CALENDAR_NO_DUE;
}
