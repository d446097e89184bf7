/* date_scan.c: the dates that are not ISO 8601, read word by word.
 *
 * kenchi_norm_date (normalize.c) reads ISO 8601 and the reference's three
 * spellings through GLib.  Alert mail in the field writes dates every
 * other way a console, a mail client or a locale does: "Nov 25, 2026,
 * 4:12:31 PM JST", "Wed Nov 25 2026 16:12:31 GMT+0900 (Japan Standard
 * Time)", "2026年11月25日 午後4時12分31秒", "令和8年11月25日", RFC 2822.
 * Fixed sscanf patterns read a few of these and silently misread the rest
 * (a time lost at a comma, an offset dropped), so this reads any order of
 * the pieces a date is made of:
 *   - a date: Y-M-D, Y/M/D, M/D/Y or D/M/Y (the day first only when it is
 *     over 12: Cisco's console is American), Y年M月D日, a Japanese era
 *     (令和, 平成), or a month's name beside a day and a year;
 *   - a time: H:M[:S[.frac]] or H時M分S秒, with AM/PM or 午前/午後;
 *   - a zone: Z, UTC, GMT or UT with an optional offset ("GMT+09:00",
 *     "UTC+9"), a numeric offset after the time, a zone name (JST, the
 *     American ones of RFC 2822, Europe's, Asia's and a few more, a
 *     place's name, an IANA name such as "Europe/Berlin" that GLib's
 *     GTimeZone resolves at the date), or 日本時間; the first wins, so a
 *     comment "(JST)" after "+0900" changes nothing.  A zone name it does
 *     not know leaves no date, and so does "local time": the words in
 *     brackets after a time are its zone, known or not ("(MEZ)",
 *     "(Mitteleuropäische Zeit)", "(Server time)" were read as UTC, where
 *     "MEZ" without brackets left no date: rt31 V12, V09).
 * Weekdays, "at" and words it does not know are skipped; a date needs a
 * year, a month and a day; two of them joined by a range mark ("Nov 16 -
 * Nov 22, 2026") are a period, refused outright, and without one the
 * second is the same instant written again, not read.  Without a zone the time is UTC, or JST when
 * the date is written in Japanese.  GLib does the calendar. */
#include <string.h>
#include "parse/normalize.h"

typedef struct {
	int y, mo, d, h, mi, s;
	gboolean have_date, have_time, have_zone, japanese;
	int ampm;            /* 0 none, 1 AM, 2 PM */
	int offset;          /* seconds east of UTC, when have_zone */
	int loose[3];        /* numbers not yet placed (with a month name) */
	int nloose;
	/* A second date or month after a range mark ("-", "~", "〜", "to",
	 * "から") makes a period, which is no date; without one it is the
	 * same instant written again ("16:12:31 (JST) / 07:12:31 (UTC)"),
	 * and the reading stops at it. */
	gboolean second, mark;
	gboolean day_first;  /* the text says "DD/MM" (a label's note, "Date (DD/MM/YYYY)") */
	gboolean unknown_zone;   /* a zone's name kenchi does not know */
	gboolean bracket;    /* inside "(...)" after the time: a zone's words */
	GTimeZone *tz;       /* an IANA zone's (owned), when have_zone by one */
	gboolean ymd;        /* Japanese text: a short date is YY/MM/DD */
	const char *text;    /* the whole text */
} scan_t;

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
	"nov", "dec" };

/* Offsets in minutes east of UTC. */
static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "utc", 0 }, { "gmt", 0 }, { "ut", 0 }, { "z", 0 }, { "jst", 540 }, { "kst", 540 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 }, { "mst", -420 }, { "mdt", -360 },
	{ "pst", -480 }, { "pdt", -420 }, { "akst", -540 }, { "akdt", -480 }, { "hst", -600 },
	{ "wet", 0 }, { "west", 60 }, { "cet", 60 }, { "cest", 120 }, { "eet", 120 }, { "eest", 180 }, { "bst", 60 },
	/* German: Mitteleuropäische (Sommer)Zeit, as a German Outlook or
	 * console writes CET and CEST */
	{ "mez", 60 }, { "mesz", 120 },
	{ "msk", 180 }, { "gst", 240 }, { "pkt", 300 }, { "npt", 345 }, { "mmt", 390 },
	/* IST: India's, the one an Asian customer's subsidiary means */
	{ "ist", 330 },
	{ "ict", 420 }, { "wib", 420 }, { "wita", 480 }, { "sgt", 480 }, { "hkt", 480 }, { "pht", 480 },
	{ "myt", 480 }, { "awst", 480 }, { "acst", 570 }, { "acdt", 630 }, { "aest", 600 }, { "aedt", 660 },
	{ "nzst", 720 }, { "nzdt", 780 },
	/* Zones by place: "Asia/Tokyo", Windows' "Tokyo Standard Time",
	 * "(UTC+09:00) Osaka, Sapporo, Tokyo", "Japan Standard Time", "China
	 * Standard Time", "Asia/Bangkok" (rt24 D1: read as UTC). */
	{ "tokyo", 540 }, { "japan", 540 }, { "osaka", 540 }, { "sapporo", 540 }, { "seoul", 540 }, { "korea", 540 },
	{ "china", 480 }, { "beijing", 480 }, { "shanghai", 480 }, { "taipei", 480 }, { "singapore", 480 },
	{ "manila", 480 }, { "hongkong", 480 }, { "bangkok", 420 }, { "jakarta", 420 }, { "hanoi", 420 },
	{ "kolkata", 330 }, { "calcutta", 330 }, { "india", 330 }, { "moscow", 180 },
};

/* Words beside a date that are no zone: weekdays, "at", "on", a format's
 * note ("(dd/mm)", the block reader's for a day-first date). */
static const char *const not_zones[] = { "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "at", "on", "of", "the", "and",
	"time", "date", "local", "standard", "daylight", "summer", "asia", "approx", "about", "th", "st", "nd", "rd",
	"dd", "mm", "yy", "yyyy", "hh", "ss", "uhr", "hrs" };

/* The areas of the IANA zone names ("Europe/Berlin"): a word before "/"
 * that is none ("dd/mm") is not looked up. */
static const char *const iana_areas[] = { "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic",
	"Australia", "Europe", "Indian", "Pacific", "Etc" };

static gboolean
in_list(const char *w, const char *const *list, gsize n)
{
	for (gsize k = 0; k < n; k++)
		if (strcmp(w, list[k]) == 0)
			return TRUE;
	return FALSE;
}

/* An IANA zone's name at P ("Europe/Berlin", "America/Argentina/Cordoba",
 * "Etc/GMT-9"), its area's word W0 (N0 bytes) already seen: the zone at
 * the date is GLib's, read when the date is known.  FALSE when P holds
 * none, or one GLib does not know: that zone is unknown, not UTC, unless
 * a place's name in it is one of zones[] ("Asia/Tokyo" without tzdata). */
static gboolean
read_iana(scan_t *sc, const char **p, gsize n0)
{
	const char *q = *p + n0;
	char id[64];
	gsize n = 0;

	for (gsize k = 0; k < G_N_ELEMENTS(iana_areas); k++)
		if (strlen(iana_areas[k]) == n0 && strncmp(*p, iana_areas[k], n0) == 0)
			n = n0;
	if (n == 0 || *q != '/' || !g_ascii_isalpha(q[1]))
		return FALSE;
	while (g_ascii_isalnum(*q) || *q == '/' || *q == '_' || *q == '-' || *q == '+')
		q++;
	n = (gsize)(q - *p);
	if (n >= sizeof id)
		return FALSE;
	memcpy(id, *p, n);
	id[n] = '\0';
	sc->unknown_zone = TRUE;
	if ((sc->tz = g_time_zone_new_identifier(id)) == NULL)
		return FALSE;
	sc->have_zone = TRUE;
	*p = q;
	return TRUE;
}

/* "local time", "server time", "localtime" at word W, its end at Q: the
 * writer's clock, whose zone the text does not say. */
static gboolean
clock_of_unknown_zone(const char *w, const char *q)
{
	if (strcmp(w, "localtime") == 0)
		return TRUE;
	if (strcmp(w, "local") != 0 && strcmp(w, "server") != 0 && strcmp(w, "system") != 0)
		return FALSE;
	while (*q == ' ')
		q++;
	return g_ascii_strncasecmp(q, "time", 4) == 0 && !g_ascii_isalpha(q[4]);
}

static int
digits(const char **p, int max, int *len)
{
	int v = 0, n = 0;

	while (g_ascii_isdigit(**p)) {
		if (n < max)
			v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*len = n;
	return n > max ? -1 : v;
}

/* "+0900", "+09:00", "+9", "-05" at P (on the sign): seconds east of UTC. */
static gboolean
read_offset(const char **p, int *out)
{
	const char *q = *p + 1;
	int sign = **p == '-' ? -1 : 1, n, h, m = 0;

	h = digits(&q, 4, &n);
	if (n == 0 || h < 0)
		return FALSE;
	if (n == 4 || n == 3) {
		m = h % 100;
		h /= 100;
	} else if (*q == ':' && g_ascii_isdigit(q[1])) {
		q++;
		m = digits(&q, 2, &n);
		if (n != 2)
			return FALSE;
	}
	if (h > 14 || m > 59)
		return FALSE;
	*out = sign * (h * 3600 + m * 60);
	*p = q;
	return TRUE;
}

/* A time at P, "16:12" or "16:12:31" or "16:12:31.123", H already read. */
static gboolean
read_clock(scan_t *sc, const char **p, int h)
{
	const char *q = *p + 1;
	int n, m, s = 0;

	m = digits(&q, 2, &n);
	if (n != 2)
		return FALSE;
	if (*q == ':' && g_ascii_isdigit(q[1])) {
		q++;
		s = digits(&q, 2, &n);
		if (n != 2)
			return FALSE;
		if ((*q == '.' || *q == ',') && g_ascii_isdigit(q[1]))
			for (q++; g_ascii_isdigit(*q); q++)
				;
	}
	sc->h = h, sc->mi = m, sc->s = s;
	sc->have_time = TRUE;
	*p = q;
	return TRUE;
}

/* A date of numbers at P, "2026-11-25", "2026/11/25", "11/25/2026",
 * "25.11.2026", the first number A (of LEN digits) already read. */
static gboolean
read_numeric_date(scan_t *sc, const char **p, int a, int len)
{
	const char *q = *p;
	char sep = *q;
	int b, c, nb, nc;

	q++;
	b = digits(&q, 4, &nb);
	if (nb == 0 || nb > 2 || *q != sep || !g_ascii_isdigit(q[1]))
		return FALSE;
	q++;
	c = digits(&q, 4, &nc);
	if (len == 4 && nc <= 2)
		sc->y = a, sc->mo = b, sc->d = c;
	else if (len <= 2 && nc == 4 && (a > 12 || sc->day_first))
		sc->d = a, sc->mo = b, sc->y = c;
	else if (len <= 2 && nc == 4)
		sc->mo = a, sc->d = b, sc->y = c;
	else if (len == 2 && nc == 2 && sc->ymd)
		sc->y = 2000 + a, sc->mo = b, sc->d = c;   /* Japan's "26/11/25" */
	else
		return FALSE;
	sc->have_date = TRUE;
	*p = q;
	return TRUE;
}

static gboolean
starts(const char *p, const char *word)
{
	return strncmp(p, word, strlen(word)) == 0;
}

/* A word of letters at P (ASCII): a month, a weekday, AM/PM, a zone. */
static void
read_word(scan_t *sc, const char **p)
{
	const char *q = *p, *start = *p, *wend;
	char w[16];
	gsize n = 0;

	while (g_ascii_isalpha(*q) || (*q == '.' && n > 0 && n < 3 && g_ascii_isalpha(q[1]))) {
		if (*q != '.' && n < sizeof w - 1)
			w[n++] = g_ascii_tolower(*q);
		q++;
	}
	w[n] = '\0';
	wend = q;
	if (*q == '.')   /* "p.m." */
		q++;
	*p = q;
	if ((strcmp(w, "to") == 0 || strcmp(w, "until") == 0) && (sc->mo || sc->have_date)) {
		sc->mark = TRUE;
		return;
	}
	if (strcmp(w, "am") == 0 || strcmp(w, "pm") == 0) {
		sc->ampm = w[0] == 'a' ? 1 : 2;
		return;
	}
	if (n >= 3)
		for (int m = 0; m < 12; m++)
			if (strncmp(w, month_names[m], 3) == 0) {
				/* A second month: a period ("Nov 16 - Nov 22"), or
				 * the same instant again in brackets (see second). */
				if (sc->mo != 0 || sc->have_date)
					sc->second = TRUE;
				else
					sc->mo = m + 1;
				return;
			}
	if (sc->have_zone)
		return;
	if (*wend == '/' && read_iana(sc, &start, (gsize)(wend - start))) {
		*p = start;
		return;
	}
	if (clock_of_unknown_zone(w, wend)) {
		sc->unknown_zone = TRUE;
		return;
	}
	/* "... Standard Time" whose place no word before it named: Windows'
	 * name of a zone kenchi does not know ("Pacific Standard Time", "W.
	 * Europe Standard Time"), read as UTC before (rev94 #21) */
	if (sc->have_time && (strcmp(w, "standard") == 0 || strcmp(w, "daylight") == 0)) {
		sc->unknown_zone = TRUE;
		return;
	}
	for (gsize k = 0; k < G_N_ELEMENTS(zones); k++)
		if (strcmp(w, zones[k].name) == 0) {
			sc->offset = zones[k].minutes * 60;
			sc->have_zone = TRUE;
			/* "GMT+09:00", "UTC+9": the offset belongs to the word. */
			if (zones[k].minutes == 0 && (*q == '+' || *q == '-')) {
				int off;

				if (read_offset(p, &off))
					sc->offset = off;
			}
			return;
		}
	/* A word in brackets after the time that is no zone kenchi knows
	 * ("(MEZ)", "(Mitteleuropäische Zeit)"), unless a known one follows
	 * it ("(Central European Time, CET)"). */
	if (sc->bracket && n >= 2 && !in_list(w, not_zones, G_N_ELEMENTS(not_zones))) {
		sc->unknown_zone = TRUE;
		return;
	}
	/* An upper-case word of three to five letters right after the time
	 * is a zone kenchi does not know ("14:13:02 XYZ"): the instant is
	 * unknown, not UTC (rt24 D1). */
	const char *b = start > sc->text && start[-1] == ' ' ? start - 1 : start;

	if (sc->have_time && n >= 3 && n <= 5 && b > sc->text && g_ascii_isdigit(b[-1])) {
		gboolean upper = TRUE;

		for (const char *c = start; c < q; c++)
			upper = upper && (g_ascii_isupper(*c) || *c == '.');
		sc->unknown_zone = sc->unknown_zone || (upper && !in_list(w, not_zones, G_N_ELEMENTS(not_zones)));
	}
}

/* After Q's separator and one or two digits, the same kind of separator:
 * "11/25", "5-1" in a date, not "16.5".  Reads no further than the
 * string's end. */
static gboolean
date_sep_follows(const char *q)
{
	for (int k = 2; k <= 3 && q[k - 1] != '\0'; k++)
		if (q[k] == '/' || q[k] == '-' || q[k] == '.')
			return TRUE;
	return FALSE;
}

/* A number at P followed by a Japanese unit, or a plain number. */
static gboolean
read_number(scan_t *sc, const char **p)
{
	int len, v = digits(p, 4, &len);
	const char *q = *p;

	if (v < 0)
		return FALSE;
	if (starts(q, "年")) {
		sc->y = v, sc->japanese = TRUE, *p += strlen("年");
	} else if (starts(q, "月")) {
		sc->mo = v, sc->japanese = TRUE, *p += strlen("月");
	} else if (starts(q, "日")) {
		sc->d = v, sc->have_date = sc->y && sc->mo, sc->japanese = TRUE, *p += strlen("日");
	} else if (starts(q, "時")) {
		sc->h = v, sc->mi = sc->s = 0, sc->have_time = TRUE, *p += strlen("時");
	} else if (starts(q, "分")) {
		sc->mi = v, *p += strlen("分");
	} else if (starts(q, "秒")) {
		sc->s = v, *p += strlen("秒");
	} else if (*q == ':' && len <= 2 && !sc->have_time) {
		return read_clock(sc, p, v);
	} else if ((*q == '-' || *q == '/' || *q == '.') && g_ascii_isdigit(q[1]) && (len == 4 || date_sep_follows(q))) {
		if (sc->have_date)
			sc->second = TRUE;   /* "2026-11-16 - 2026-11-22", or the same instant in UTC */
		return sc->have_date || read_numeric_date(sc, p, v, len);
	} else if (sc->nloose < 3) {
		sc->loose[sc->nloose++] = len == 4 ? -v : v;   /* a year is marked by its sign */
	}
	return TRUE;
}

/* Japanese eras: 令和 1 is 2019, 平成 1 is 1989; 元年 is the first year. */
static gboolean
read_era(scan_t *sc, const char **p)
{
	static const struct { const char *name; int base; } eras[] = { { "令和", 2018 }, { "平成", 1988 } };

	for (gsize k = 0; k < G_N_ELEMENTS(eras); k++) {
		const char *q = *p + strlen(eras[k].name);
		int n, v;

		if (!starts(*p, eras[k].name))
			continue;
		while (*q == ' ')
			q++;
		if (starts(q, "元")) {
			v = 1, q += strlen("元");
		} else {
			v = digits(&q, 2, &n);
			if (n == 0 || v < 1)
				return FALSE;
		}
		if (!starts(q, "年"))
			return FALSE;
		sc->y = eras[k].base + v;
		sc->japanese = TRUE;
		*p = q + strlen("年");
		return TRUE;
	}
	return FALSE;
}

/* An era's initial and a date in numbers, as Japanese forms write one:
 * "R8.11.25", "H31/4/30" (rt23 G5).  P is at the letter, not inside a
 * word. */
static gboolean
read_era_short(scan_t *sc, const char **p)
{
	const char *q = *p + 1;
	int n, v[3];
	char sep;

	v[0] = digits(&q, 2, &n);
	if (n == 0 || v[0] < 1 || (*q != '.' && *q != '/' && *q != '-'))
		return FALSE;
	sep = *q;
	for (int k = 1; k < 3; k++) {
		if (*q != sep)
			return FALSE;
		q++;
		v[k] = digits(&q, 2, &n);
		if (n == 0)
			return FALSE;
	}
	if (g_ascii_isalnum(*q))
		return FALSE;
	sc->y = (**p == 'R' ? 2018 : 1988) + v[0];
	sc->mo = v[1];
	sc->d = v[2];
	sc->have_date = sc->japanese = TRUE;
	*p = q;
	return TRUE;
}

/* A day and a year beside a month's name: "Nov 25, 2026", "25 Nov 2026",
 * "Wed Nov 25 07:12:31 UTC 2026". */
static void
place_loose(scan_t *sc)
{
	if (sc->have_date || sc->mo == 0)
		return;
	for (int i = 0; i < sc->nloose; i++) {
		int v = sc->loose[i];

		if (v < 0 && sc->y == 0)
			sc->y = -v;
		else if (v > 0 && v <= 31 && sc->d == 0)
			sc->d = v;
	}
	sc->have_date = sc->y && sc->d;
}

/* The pieces of S into SC; FALSE when one is broken (an offset past
 * 14 hours, an era's year that is no number). */
static gboolean
scan_text(scan_t *sc, const char *s)
{
	const char *p = s;

	/* Japanese words, not "JST" alone: "25/11/26 07:13 JST" is a day
	 * first (rev94 #11) */
	sc->ymd = strstr(s, "日本時間") || strstr(s, "日本標準時");
	for (const char *c = s; *c && !sc->day_first; c++)
		sc->day_first = g_ascii_strncasecmp(c, "dd", 2) == 0 && (c[2] == '/' || c[2] == '.' || c[2] == '-') &&
		    g_ascii_strncasecmp(c + 3, "mm", 2) == 0;
	while (*p && !sc->second) {
		if (g_ascii_isdigit(*p)) {
			if (!read_number(sc, &p))
				return FALSE;
		} else if ((*p == 'R' || *p == 'H') && !sc->have_date && (p == s || !g_ascii_isalnum(p[-1])) &&
		    g_ascii_isdigit(p[1]) && read_era_short(sc, &p)) {
			continue;
		} else if (g_ascii_isalpha(*p)) {
			read_word(sc, &p);
		} else if ((*p == '+' || *p == '-') && sc->have_time && !sc->have_zone && g_ascii_isdigit(p[1])) {
			int off;

			if (!read_offset(&p, &off))
				return FALSE;
			sc->offset = off, sc->have_zone = TRUE;
		} else if (starts(p, "午前") || starts(p, "午後")) {
			sc->ampm = starts(p, "午前") ? 1 : 2;
			sc->japanese = TRUE;
			p += strlen("午前");
		} else if (starts(p, "日本時間") || starts(p, "日本標準時")) {
			/* "16:12:33(日本時間)": Japan time, in words. */
			if (!sc->have_zone)
				sc->offset = 9 * 3600, sc->have_zone = TRUE;
			p += strlen(starts(p, "日本時間") ? "日本時間" : "日本標準時");
		} else if (starts(p, "令和") || starts(p, "平成")) {
			if (!read_era(sc, &p))
				return FALSE;
		} else if (((*p == '-' && p > s && p[-1] == ' ' && p[1] == ' ') || *p == '~' || starts(p, "\xe3\x80\x9c") ||
		    starts(p, "\xe2\x80\x93") || starts(p, "\xe3\x81\x8b\xe3\x82\x89")) && (sc->mo || sc->have_date)) {
			sc->mark = TRUE;   /* " - ", "~", "〜", "–", "から" */
			p += (unsigned char)*p < 0x80 ? 1 : starts(p, "\xe3\x81\x8b\xe3\x82\x89") ? 6 : 3;
		} else {
			if (*p == '(' || *p == ')')
				sc->bracket = *p == '(' && sc->have_time;
			p++;   /* punctuation, spaces, other text */
		}
	}
	return TRUE;
}

/* SC's date as an instant into *OUT: 1 read, 0 no date, -1 no date to
 * be guessed by another reader (a period, a zone kenchi does not know). */
static int
date_of(scan_t *sc, gint64 *out, gboolean *zoned)
{
	GTimeZone *tz;
	GDateTime *dt;

	if (sc->second && sc->mark)
		return -1;
	if (sc->unknown_zone && !sc->have_zone)
		return -1;   /* nor is RFC 2822's lenient reader to guess it */
	place_loose(sc);
	if (!sc->have_date || sc->mo < 1 || sc->mo > 12 || sc->d < 1 || sc->d > 31)
		return 0;
	if (sc->ampm) {
		/* 午前0時 is midnight, 午後0時 noon: 0 is an hour of both halves. */
		if (sc->h > 12)
			return 0;
		if (sc->ampm == 2 && sc->h < 12)
			sc->h += 12;
		else if (sc->ampm == 1 && sc->h == 12)
			sc->h = 0;
	}
	*zoned = sc->have_zone || sc->japanese;
	if (!sc->have_zone)
		sc->offset = sc->japanese ? 9 * 3600 : 0;
	tz = sc->tz ? g_time_zone_ref(sc->tz) : g_time_zone_new_offset(sc->offset);
	dt = g_date_time_new(tz, sc->y, sc->mo, sc->d, sc->h, sc->mi, sc->s);
	g_time_zone_unref(tz);
	/* GLib refuses impossible fields (a 31st of November, 25 o'clock). */
	if (dt == NULL)
		return 0;
	if (g_date_time_get_year(dt) < 1990 || g_date_time_get_year(dt) > 2100) {
		g_date_time_unref(dt);
		return 0;
	}
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 1;
}

int
kenchi_date_scan(const char *s, gint64 *out, gboolean *zoned)
{
	scan_t sc = { .text = s };
	int r = scan_text(&sc, s) ? date_of(&sc, out, zoned) : 0;

	if (sc.tz)
		g_time_zone_unref(sc.tz);
	return r;
}
