/* extract_dates.c: the block reader's dates (extract.c): the zone a
 * label gives a date written without one, and whether a text writes its
 * numeric dates day first. */
#include <string.h>
#include "parse/extract_int.h"
#include "parse/event.h"
#include "parse/line_shape.h"

/* The note a Japanese label's date gets: its zone (date_scan.c). */
#define JAPANESE_DATE "日本時間"

/* Is label LS (LN bytes) Japanese: kana or kanji in it?  Not any other
 * non-ASCII byte: a no-break space before an English label's colon
 * (rev94 #10). */
static gboolean
japanese_label(const char *ls, size_t ln)
{
	for (size_t i = 0; i < ln; ) {
		gunichar u = g_utf8_get_char_validated(ls + i, (gssize)(ln - i));

		if (u == (gunichar)-1 || u == (gunichar)-2) {
			i++;
			continue;
		}
		if ((u >= 0x3040 && u <= 0x30ff) || (u >= 0x3400 && u <= 0x4dbf) || (u >= 0x4e00 && u <= 0x9fff))
			return TRUE;
		i += (size_t)g_unichar_to_utf8(u, NULL);
	}
	return FALSE;
}

/* Is V (N bytes) a date with no zone's letters: numbers, and no word but
 * ISO 8601's "T", AM or PM, and a month's or a day's name?  (rt27 D14:
 * "2026-11-25T15:41:17" and "11/25/2026 3:41:17 PM" under a Japanese label
 * were read as UTC, where "2026-11-25 15:41:17" was Japan's time.) */
static gboolean
numbers_alone(const char *v, size_t n)
{
	static const char *const words[] = {
		"am", "pm", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
		"january", "february", "march", "april", "june", "july", "august", "september", "october",
		"november", "december", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday",
		"wednesday", "thursday", "friday", "saturday", "sunday",
	};

	for (size_t i = 0; i < n; ) {
		size_t k = i, w;

		if (!g_ascii_isalpha(v[i])) {
			i++;
			continue;
		}
		while (k < n && g_ascii_isalpha(v[k]))
			k++;
		/* ISO 8601's T between the date's digits and the time's */
		if (k - i == 1 && (v[i] == 'T' || v[i] == 't') && i > 0 && g_ascii_isdigit(v[i - 1]) && k < n &&
		    g_ascii_isdigit(v[k])) {
			i = k;
			continue;
		}
		for (w = 0; w < G_N_ELEMENTS(words); w++)
			if (strlen(words[w]) == k - i && g_ascii_strncasecmp(v + i, words[w], k - i) == 0)
				break;
		if (w == G_N_ELEMENTS(words))
			return FALSE;
		i = k;
	}
	return TRUE;
}

gboolean
kenchi_date_note(const char *ls, size_t ln, const char *v, size_t n, const char **ns, size_t *nn)
{
	if (kenchi_label_note(ls, ln, ns, nn))
		return TRUE;
	/* "日時：2026/11/25 16:13:02" is Japan's time, as a date written in
	 * Japanese is (rt24 D1: read as UTC, nine hours late) */
	if (!japanese_label(ls, ln) || !numbers_alone(v, n))
		return FALSE;
	*ns = JAPANESE_DATE;
	*nn = strlen(JAPANESE_DATE);
	return TRUE;
}

void
kenchi_reader_note_pending(reader_t *rd, int f, const char *ls, size_t ln)
{
	const char *ns;
	size_t nn;

	rd->pending_note[0] = '\0';
	if (f == EV_DATE && kenchi_label_note(ls, ln, &ns, &nn) && nn < sizeof rd->pending_note)
		g_strlcpy(rd->pending_note, ns, nn + 1);
	else if (f == EV_DATE && japanese_label(ls, ln))
		g_strlcpy(rd->pending_note, JAPANESE_DATE, sizeof rd->pending_note);
}

const char *
kenchi_reader_pending_note(const reader_t *rd, const char *v, size_t n)
{
	if (rd->pending_note[0] == '\0' || (strcmp(rd->pending_note, JAPANESE_DATE) == 0 && !numbers_alone(v, n)))
		return NULL;
	return rd->pending_note;
}

void
kenchi_reader_set_value(reader_t *rd, int f)
{
	/* a date read day first when another of the text was written so
	 * beyond doubt (rd->day_first): "05/11/2026" beside "25/11/2026"
	 * is the 5th of November (rt24 D1) */
	if (f == EV_DATE && rd->day_first) {
		char *v = g_strconcat(rd->raw->str, " (dd/mm)", NULL);

		kenchi_event_set(rd->cur, f, v);
		g_free(v);
	} else {
		kenchi_event_set(rd->cur, f, rd->raw->str);
	}
}

/* Does TEXT write its numeric dates day first, beyond doubt: one with a
 * first number over 12 ("25/11/2026"), none with a second one over 12? */
gboolean
kenchi_text_day_first(const char *text, const char *end)
{
	gboolean dm = FALSE, md = FALSE;

	for (const char *p = text; p < end && !(dm && md); p++) {
		int a = 0, b = 0, na = 0, nb = 0, ny = 0;
		const char *q = p;
		char sep;

		/* a date as a field's value is: a word of its own, a time after
		 * it.  Not a quote header's "Am 25.11.2026 um 09:14", a file's
		 * "Report_25.11.2026.xlsm", a detection's "W32.13.1.2026" (rev94
		 * #5: each flipped the mail's dates). */
		if (!g_ascii_isdigit(*p) || (p > text && !strchr(" \t:：>", p[-1]) && (guchar)p[-1] < 0x80))
			continue;
		for (; q < end && na < 3 && g_ascii_isdigit(*q); na++)
			a = a * 10 + (*q++ - '0');
		if (na > 2 || q >= end || ((sep = *q) != '/' && sep != '.' && sep != '-'))
			continue;
		for (q++; q < end && nb < 3 && g_ascii_isdigit(*q); nb++)
			b = b * 10 + (*q++ - '0');
		if (nb == 0 || nb > 2 || q >= end || *q != sep)
			continue;
		for (q++; q < end && ny < 5 && g_ascii_isdigit(*q); ny++)
			q++;
		if (ny != 4 || q + 5 > end || (*q != ' ' && *q != 'T') || !g_ascii_isdigit(q[1]) ||
		    !(q[2] == ':' || (g_ascii_isdigit(q[2]) && q[3] == ':')))
			continue;
		dm = dm || (a > 12 && b >= 1 && b <= 12);
		md = md || (b > 12 && a >= 1 && a <= 12);
	}
	return dm && !md;
}
