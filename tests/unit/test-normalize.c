/* test-normalize.c: value normalizers and the event model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "parse/normalize.h"
#include "parse/event.h"
#include "parse/rules.h"

/* kenchi_rules_norm_label's definition, without its fast paths: NFKC,
 * case fold, runs of white space as one space, none at the ends. */
static char *
norm_label_ref(const char *s)
{
	char *nfkc = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC), *fold;
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;

	assert_non_null(nfkc);
	fold = g_utf8_casefold(nfkc, -1);
	for (const char *p = fold; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_isspace(c)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_unichar(out, c);
	}
	g_free(nfkc);
	g_free(fold);
	return g_string_free(out, FALSE);
}

static void
check_label(const char *s)
{
	char *want = norm_label_ref(s), *got = kenchi_rules_norm_label(s, -1);

	if (strcmp(want, got) != 0) {
		char *e[3] = { g_strescape(s, NULL), g_strescape(got, NULL), g_strescape(want, NULL) };
		fail_msg("label \"%s\": \"%s\", NFKC and case fold give \"%s\"", e[0], e[1], e[2]);
	}
	g_free(want);
	g_free(got);
}

/* Japanese labels skip NFKC when every character is its own NFKC form
 * (rules.c stable_cjk): every code point of the ranges it takes, the ones
 * just outside, and random mixes with ASCII, spaces and characters that
 * NFKC does change (half-width katakana, full-width letters, combining
 * sound marks, compatibility ideographs). */
static void
test_labels(void **state)
{
	static const gunichar edges[] = { 0x3000, 0x3001, 0x3002, 0x3003, 0x3005, 0x3040, 0x3041, 0x3096, 0x3097,
		0x3099, 0x309A, 0x309B, 0x309F, 0x30A0, 0x30A1, 0x30FC, 0x30FE, 0x30FF, 0x4DFF, 0x4E00, 0x9FFF,
		0xA000, 0xF900, 0xFA30, 0xFF1A, 0xFF21, 0xFF76, 0xFF9E, 0x2163, 0x00C5, 0x212B };
	static const char *const ascii[] = { "", " ", "  ", "\t", "\f", "\v", "\r\n", "A", "Event", "ID", ":" };
	GRand *r = g_rand_new_with_seed(20261126);
	char buf[8];

	(void)state;
	for (gunichar c = 0x3000; c <= 0xA000; c++) {
		if (c >= 0x3100 && c < 0x4E00)
			continue;
		buf[g_unichar_to_utf8(c, buf)] = '\0';
		check_label(buf);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(edges); i++) {
		char *s;
		buf[g_unichar_to_utf8(edges[i], buf)] = '\0';
		s = g_strconcat("\xe6\xa4\x9c", buf, "\xe5\x87\xba", NULL);   /* 検 X 出 */
		check_label(buf);
		check_label(s);
		g_free(s);
	}
	for (int k = 0; k < 200000; k++) {
		GString *s = g_string_new(NULL);
		int n = g_rand_int_range(r, 1, 9);
		for (int j = 0; j < n; j++) {
			switch (g_rand_int_range(r, 0, 4)) {
			case 0:
				g_string_append(s, ascii[g_rand_int_range(r, 0, G_N_ELEMENTS(ascii))]);
				break;
			case 1:
				g_string_append_unichar(s, edges[g_rand_int_range(r, 0, G_N_ELEMENTS(edges))]);
				break;
			default:
				g_string_append_unichar(s, (gunichar)g_rand_int_range(r, 0x3041, 0x30FF));
				break;
			}
		}
		check_label(s->str);
		g_string_free(s, TRUE);
	}
	g_rand_free(r);
}

static void
check_path(const char *in, const char *want)
{
	char *got = kenchi_norm_path(in);
	assert_non_null(got);
	assert_string_equal(got, want);
	g_free(got);
}

static void
test_paths(void **state)
{
	check_path("\\\\?\\C:\\Users\\a\\x.exe", "C:\\Users\\a\\x.exe");
	check_path("C:\\Users\\a\\x.exe", "C:\\Users\\a\\x.exe");
	check_path("/C:/Users/a/x.exe", "C:\\Users\\a\\x.exe");
	check_path("file:///C%3A/Users/a/my%20x.exe", "C:\\Users\\a\\my x.exe");
	check_path("c:\\windows\\temp", "C:\\windows\\temp");
	check_path("C:\xc2\xa5" "Users\xc2\xa5" "a", "C:\\Users\\a");
	check_path("\\\\?\\UNC\\fs01\\share$\\a.exe", "\\\\fs01\\share$\\a.exe");
	/* a shadow copy's and a volume's name no drive: kept whole (rt26 V01) */
	check_path("\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3\\Users\\a.exe",
	    "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3\\Users\\a.exe");
	check_path("\\\\?\\Volume{8e0b5a2c-0000-0000-0000-000000000001}\\x\\a.exe",
	    "\\\\?\\Volume{8e0b5a2c-0000-0000-0000-000000000001}\\x\\a.exe");
	check_path("\\\\?\\c:\\Users\\a.exe", "C:\\Users\\a.exe");
	check_path("/usr/bin/ls", "/usr/bin/ls");
	/* a closing quote mark a person put after the block (rt27 Q02); a name
	 * that holds both marks keeps them */
	check_path("C:\\Users\\a\\x.exe」", "C:\\Users\\a\\x.exe");
	check_path("C:\\Users\\a\\「見積書」.exe", "C:\\Users\\a\\「見積書」.exe");
	check_path("C:\\Users\\a\\見積書（改）", "C:\\Users\\a\\見積書（改）");
}

static void
check_date(const char *in, const char *want)
{
	gint64 t;
	char *s;

	assert_true(kenchi_norm_date(in, &t));
	s = kenchi_format_date(t);
	assert_string_equal(s, want);
	g_free(s);
}

static void
test_dates(void **state)
{
	gint64 t;
	char *s;

	/* kenchi_format_date builds the text from GDateTime's fields: the same
	 * as g_date_time_format's ISO 8601 from year 1000 to 9999, with four
	 * digits before (%Y has fewer), and NULL outside GDateTime's range. */
	s = kenchi_format_date(-62135596800);
	assert_string_equal(s, "0001-01-01T00:00:00+00:00");
	g_free(s);
	for (gint64 u = -30610224000; u <= 253402300799; u += 86399 * 997 + 12345) {
		GDateTime *dt = g_date_time_new_from_unix_utc(u);
		char *want = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S+00:00"), *got = kenchi_format_date(u);

		assert_string_equal(got, want);
		g_free(want);
		g_free(got);
		g_date_time_unref(dt);
	}
	assert_null(kenchi_format_date(-62135596801));
	assert_null(kenchi_format_date(253402300800));

	check_date("2026-11-25 07:12:31 UTC", "2026-11-25T07:12:31+00:00");
	check_date("2026-11-25T16:12:31+09:00", "2026-11-25T07:12:31+00:00");
	check_date("2026/11/25 16:12:31 JST", "2026-11-25T07:12:31+00:00");
	check_date("2026-11-25T07:12:31Z", "2026-11-25T07:12:31+00:00");
	check_date("1764054751", "2025-11-25T07:12:31+00:00");
	/* A zone in parentheses is the zone, or a comment after an offset. */
	check_date("2026/11/25 16:12:31 (JST)", "2026-11-25T07:12:31+00:00");
	check_date("2026-11-25 07:12:31 (UTC)", "2026-11-25T07:12:31+00:00");
	check_date("2026-11-25 16:12:31 +0900 (JST)", "2026-11-25T07:12:31+00:00");
	check_date("2026-11-25T16:12:31+09:00 (JST)", "2026-11-25T07:12:31+00:00");
	check_date("2026-11-25T07:12:31Z (UTC)", "2026-11-25T07:12:31+00:00");
	/* Japanese dates: a clock time after the kanji date (read as 16:00
	 * before), a weekday in brackets, full-width digits. */
	check_date("2026年11月25日 16:12:31", "2026-11-25T07:12:31+00:00");
	check_date("2026年11月25日 16時12分31秒", "2026-11-25T07:12:31+00:00");
	check_date("2026年11月25日（水） 16:12:31", "2026-11-25T07:12:31+00:00");
	check_date("2026/11/25(Wed) 16:12:31 JST", "2026-11-25T07:12:31+00:00");
	check_date("２０２６/１１/２５ １６:１２:３１ JST", "2026-11-25T07:12:31+00:00");
	/* The spellings date_scan.c reads: each was misread before it, most
	 * of them silently (the offset dropped, the time lost at a comma). */
	check_date("2026-11-25 16:12:31 +09:00", "2026-11-25T07:12:31+00:00");
	check_date("2026-11-25T16:12:31 +09:00", "2026-11-25T07:12:31+00:00");
	check_date("2026-11-25 16:12:31 GMT+09:00", "2026-11-25T07:12:31+00:00");
	check_date("2026-11-25 16:12:31 UTC+9", "2026-11-25T07:12:31+00:00");
	check_date("2026/11/25 16:12:31 (GMT+09:00)", "2026-11-25T07:12:31+00:00");
	check_date("Wed Nov 25 2026 16:12:31 GMT+0900 (Japan Standard Time)", "2026-11-25T07:12:31+00:00");
	check_date("Nov 25, 2026, 07:12:31 UTC", "2026-11-25T07:12:31+00:00");
	check_date("Nov 25, 2026, 4:12:31 PM JST", "2026-11-25T07:12:31+00:00");
	check_date("Nov 25, 2026 4:12:31 p.m. JST", "2026-11-25T07:12:31+00:00");
	check_date("Nov 25, 2026, 12:05:00 AM UTC", "2026-11-25T00:05:00+00:00");
	check_date("Nov 25, 2026, 12:30:00 PM UTC", "2026-11-25T12:30:00+00:00");
	check_date("Wed Nov 25 07:12:31 UTC 2026", "2026-11-25T07:12:31+00:00");
	check_date("25 Nov 2026 07:12:31 -0500", "2026-11-25T12:12:31+00:00");
	check_date("Wed, 25 Nov 2026 07:12:31 +0000", "2026-11-25T07:12:31+00:00");
	check_date("11/25/2026 07:12:31 AM UTC", "2026-11-25T07:12:31+00:00");
	check_date("25/11/2026 16:12", "2026-11-25T16:12:00+00:00");
	check_date("05/11/2026 07:12:31 UTC DD/MM/YYYY", "2026-11-05T07:12:31+00:00");   /* a label's note */
	check_date("2026年11月25日 午後4時12分31秒", "2026-11-25T07:12:31+00:00");
	check_date("2026年11月25日 午前0時5分", "2026-11-24T15:05:00+00:00");
	check_date("令和8年11月25日 16:12", "2026-11-25T07:12:00+00:00");
	check_date("令和元年5月1日 9:00", "2019-05-01T00:00:00+00:00");
	check_date("R8.11.25 16:12", "2026-11-25T07:12:00+00:00");   /* an era's initial, rt23 G5 */
	check_date("H31/4/30 9:00", "2019-04-30T00:00:00+00:00");
	/* Asia's zones, and Windows' names of them (rt24 D1: read as UTC) */
	check_date("2026-11-25 14:13:02 ICT", "2026-11-25T07:13:02+00:00");
	check_date("2026-11-25 14:13:02 WIB", "2026-11-25T07:13:02+00:00");
	check_date("2026-11-25 15:13:02 PHT", "2026-11-25T07:13:02+00:00");
	check_date("2026-11-25 12:43:02 IST", "2026-11-25T07:13:02+00:00");
	check_date("2026-11-25 15:13:02 China Standard Time", "2026-11-25T07:13:02+00:00");
	check_date("2026-11-25 10:13:02 MSK", "2026-11-25T07:13:02+00:00");
	check_date("26/11/25 16:13 日本時間", "2026-11-25T07:13:00+00:00");   /* Japan's YY/MM/DD */
	check_date("2026-11-25 07:13:02 Wed", "2026-11-25T07:13:02+00:00");
	check_date("2026-11-25 16:12:33(日本時間)", "2026-11-25T07:12:33+00:00");
	check_date("2026-11-25 16:12:31 Asia/Tokyo", "2026-11-25T07:12:31+00:00");
	check_date("Nov 25, 2026 16:12:31 Tokyo Standard Time", "2026-11-25T07:12:31+00:00");
	check_date("25 November 2026 16:12:31 UTC+09:00 (Osaka, Sapporo, Tokyo)", "2026-11-25T07:12:31+00:00");
	check_date("2026/11/25 16:12:33 (日本標準時)", "2026-11-25T07:12:33+00:00");
	check_date("2026-11-25 07:12:31.123456789 UTC", "2026-11-25T07:12:31+00:00");
	/* Obsolete RFC 2822 (a two-digit year): GMime's reader, last. */
	check_date("Wed, 25 Nov 26 07:12:31 +0000", "2026-11-25T07:12:31+00:00");
	assert_false(kenchi_norm_date("yesterday", &t));
	assert_false(kenchi_norm_date("", &t));
	assert_false(kenchi_norm_date("Nov 31, 2026", &t));
	assert_false(kenchi_norm_date("PCR8.11.25", &t));   /* a name, not an era */
	assert_false(kenchi_norm_date("R8.13.25", &t));
	assert_false(kenchi_norm_date("2026-11-25 07:13:02 XYZ", &t));   /* a zone kenchi does not know */
	assert_false(kenchi_norm_date("2026-11-25 07:13:02 Pacific Standard Time", &t));
	assert_false(kenchi_norm_date("2026-11-25 07:13:02 (W. Europe Standard Time)", &t));
	assert_false(kenchi_norm_date("13:00 PM", &t));
	/* Cut after a separator and a digit: nothing read past the end
	 * (the fuzz smoke's heap-buffer-overflow, fixtures/fuzz-regressions/
	 * mime-date-scan-overread). */
	assert_false(kenchi_norm_date("2026-1", &t));
	/* One instant in two zones is read once; a period needs a range mark. */
	check_date("2026/11/25 16:12:31 (JST) / 2026/11/25 07:12:31 (UTC)", "2026-11-25T07:12:31+00:00");
	check_date("Nov 25, 2026 4:12:31 PM JST (Nov 25, 2026 7:12:31 AM UTC)", "2026-11-25T07:12:31+00:00");
	assert_false(kenchi_norm_date("2026-11-16 ~ 2026-11-22", &t));
	/* A period is no date, and no other reader may guess one from it. */
	assert_false(kenchi_norm_date("Nov 16 - Nov 22, 2026", &t));
	assert_false(kenchi_norm_date("2026-11-16 - 2026-11-22", &t));
}

/* GOT (g_free) is WANT, or NULL when WANT is. */
static void
check_text(char *got, const char *want)
{
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	g_free(got);
}

static void
check_spaces(const char *in, const char *want)
{
	check_text(kenchi_norm_spaces(in), want);
}

static void
test_spaces(void **state)
{
	(void)state;
	/* ASCII, and bytes that are not UTF-8: nothing to do, no copy. */
	check_spaces("Threat Detected ", NULL);
	check_spaces("a\xff b", NULL);
	/* Japanese without any of these characters: nothing to do either. */
	check_spaces("検出された脅威", NULL);
	/* No-break spaces around and inside, as HTML-to-text leaves them. */
	check_spaces("\xc2\xa0" "Threat\xc2\xa0" "Detected\xc2\xa0", "Threat Detected");
	/* The ideographic space is trimmed at the ends, kept inside a name. */
	check_spaces("\xe3\x80\x80山田\xe3\x80\x80太郎\xe3\x80\x80", "山田\xe3\x80\x80太郎");
	/* Zero-width characters and the soft hyphen go, wherever they are. */
	check_spaces("d758\xe2\x80\x8b" "97\xef\xbb\xbf\xc2\xad", "d75897");
	check_spaces("\xe2\x81\xa0\xe2\x80\x8c\xe2\x80\x8d", "");
}

/* rp1 F4: U+2028 and U+2029 in a file name wrote lines of its own into the
 * report; they are spaces, as CR and LF (VT and FF already were). */
static void
test_line_separators(void **state)
{
	static const char *const cases[][2] = {
		{ "\xe8\xab\x8b\xe2\x80\xa8\xe2\x80\xa8x\xe2\x80\xa9.exe", "\xe8\xab\x8b  x .exe" },
		{ "taro\xe2\x80\xa9PS", "taro PS" },
		{ "a\vb\fc", "a b c" },
		{ "\xe2\x80\xa8" "edge\xe2\x80\xa9", "edge" },
		/* its neighbours stay: U+2027 and the dash are no line breaks */
		{ "a\xe2\x80\xa7" "b\xe2\x80\x94" "c", "a\xe2\x80\xa7" "b\xe2\x80\x94" "c" },
	};

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *t = kenchi_norm_text(cases[i][0]);

		assert_string_equal(t, cases[i][1]);
		g_free(t);
	}
}

static void
test_words(void **state)
{
	char *s;

	s = kenchi_norm_severity("高"); assert_string_equal(s, "High"); g_free(s);
	s = kenchi_norm_severity("critical"); assert_string_equal(s, "Critical"); g_free(s);
	s = kenchi_norm_severity("重大"); assert_string_equal(s, "Critical"); g_free(s);
	assert_null(kenchi_norm_severity("spicy"));
	s = kenchi_norm_disposition("悪性"); assert_string_equal(s, "Malicious"); g_free(s);
	s = kenchi_norm_disposition("悪意あり"); assert_string_equal(s, "Malicious"); g_free(s);
	s = kenchi_norm_disposition("不明"); assert_string_equal(s, "Unknown"); g_free(s);
	s = kenchi_norm_severity("3 - High"); assert_string_equal(s, "High"); g_free(s);
	s = kenchi_norm_severity("4: Critical"); assert_string_equal(s, "Critical"); g_free(s);
	s = kenchi_norm_disposition("Malware"); assert_string_equal(s, "Malicious"); g_free(s);
	assert_null(kenchi_norm_severity("3"));
}

static void
test_sha256(void **state)
{
	char *s = kenchi_norm_sha256("D75897FCA301560DBCDB94B113EBEE8AA64B1D3EC7F761D40293F5464C5B9311");
	assert_string_equal(s, "d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311");
	g_free(s);
	assert_null(kenchi_norm_sha256("d75897fca301"));
	assert_null(kenchi_norm_sha256("zz5897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311"));
	/* a sample's or a placeholder's, no file's (rt31 N06) */
	assert_null(kenchi_norm_sha256("0000000000000000000000000000000000000000000000000000000000000000"));
	/* The shapes a console or a person writes one in. */
	static const char *const same[] = {
		"sha256:d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311",
		"SHA256=D75897FCA301560DBCDB94B113EBEE8AA64B1D3EC7F761D40293F5464C5B9311",
		"d75897fc a301560d bcdb94b1 13ebee8a a64b1d3e c7f761d4 0293f546 4c5b9311",
		"d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311 Copy",
		"d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311 (VirusTotal)",
		NULL };
	for (int i = 0; same[i]; i++) {
		s = kenchi_norm_sha256(same[i]);
		assert_non_null(s);
		assert_string_equal(s, "d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311");
		g_free(s);
	}
	/* Cut unevenly, or two of them: no hash. */
	assert_null(kenchi_norm_sha256("d75897fca301560dbcdb94b113ebee8aa64b1d3e c7f761d40293f5464c5b9311"));
	assert_null(kenchi_norm_sha256("d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311 "
	    "a75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311"));
}

/* Addresses and GUIDs as the API writes them (rt24 D4, D6). */
static void
test_network(void **state)
{
	check_text(kenchi_norm_ip("198.51.100.7:443"), "198.51.100.7");
	check_text(kenchi_norm_ip("[2001:DB8::7]:8443"), "2001:db8::7");
	check_text(kenchi_norm_ip("2001:db8:0:0:0:0:0:7"), "2001:db8::7");
	check_text(kenchi_norm_ip("203.0.113.10 (NAT)"), "203.0.113.10");
	check_text(kenchi_norm_ip("999.1.1.1"), NULL);
	check_text(kenchi_norm_ip("198.51.100[.]77"), "198.51.100.77");   /* defanged, rev94 */
	check_text(kenchi_norm_ip("198[.]51[.]100[.]77:443"), "198.51.100.77");
	check_text(kenchi_norm_ip("198.51.100.077"), "198.51.100.77");
	check_text(kenchi_norm_ip("10.0.0.0"), "10.0.0.0");
	check_text(kenchi_norm_ip("gateway"), NULL);
	check_text(kenchi_norm_addresses("192.168.10.5/24"), "192.168.10.5");
	check_text(kenchi_norm_addresses("999.1.1.1"), NULL);
	check_text(kenchi_norm_addresses("192.168.10.47/24, 10.8.0.12/16"), "192.168.10.47, 10.8.0.12");
	check_text(kenchi_norm_addresses("192.168.10.47 (Ethernet), 10.8.0.12 (VPN)"), "192.168.10.47, 10.8.0.12");
	check_text(kenchi_norm_addresses("FE80::1"), "fe80::1");
	check_text(kenchi_norm_cidr("198.51.100.9/24"), "198.51.100.0/24");
	check_text(kenchi_norm_cidr("0.0.0.0/0"), NULL);   /* wider than a /8 (rev94) */
	check_text(kenchi_norm_cidr("::/0"), NULL);
	check_text(kenchi_norm_cidr("1.2.3.4/"), NULL);
	assert_true(kenchi_ip_in("198.51.100.77", "198.51.100.0/24"));
	assert_false(kenchi_ip_in("198.51.101.77", "198.51.100.0/24"));
	assert_false(kenchi_ip_in("198.51.100.77", "203.0.113.0/"));   /* a bad entry matches nothing */
	assert_false(kenchi_ip_in("198.51.100.77", "203.0.113.0/abc"));
	check_text(kenchi_norm_guid("{BE298A4A-0F1E-57D1-B27F-D51C302B8F64}"), "be298a4a-0f1e-57d1-b27f-d51c302b8f64");
	check_text(kenchi_norm_guid("be298a4a-0f1e-57d1-b27f-d51c302b8f64"), "be298a4a-0f1e-57d1-b27f-d51c302b8f64");
	check_text(kenchi_norm_guid("Not-A-GUID"), "Not-A-GUID");
	/* words are no GUID; an address field's words are no address (rt28) */
	check_text(kenchi_norm_guid("Windows 8.4.2.30317"), NULL);
	check_text(kenchi_norm_addresses("00:50:56:9a:00:e0 (10.20.0.224)"), "10.20.0.224");
	check_text(kenchi_norm_addresses("00-50-56-9A-00-E1"), NULL);
	check_text(kenchi_norm_addresses("DHCP"), NULL);
	check_text(kenchi_norm_addresses("Ethernet: 10.20.0.63, Wi-Fi: 192.168.1.63"), "10.20.0.63, 192.168.1.63");
	check_text(kenchi_norm_addresses("192.168.10.5 / 24"), "192.168.10.5");
}

/* A network event's ports and protocol (rt28 E11-E13). */
static void
test_ports(void **state)
{
	check_text(kenchi_norm_port("8443"), "8443");
	check_text(kenchi_norm_port("8443/tcp"), "8443");
	check_text(kenchi_norm_port("443 (https)"), "443");
	check_text(kenchi_norm_port("TCP/8443"), "8443");
	check_text(kenchi_norm_port("0443"), "443");
	check_text(kenchi_norm_port("70000"), NULL);
	check_text(kenchi_norm_port("0"), NULL);
	check_text(kenchi_norm_port("https"), NULL);
	check_text(kenchi_norm_port("8443abc"), NULL);
	check_text(kenchi_norm_ip_port("203.0.113.5:8443"), "8443");
	check_text(kenchi_norm_ip_port("[2001:db8::1]:443"), "443");
	check_text(kenchi_norm_ip_port("2001:db8::1"), NULL);   /* no brackets: the colons are the address's */
	check_text(kenchi_norm_ip_port("203.0.113.5"), NULL);
	check_text(kenchi_norm_ip_port("host.example:443"), NULL);   /* no address, no port of one */
	check_text(kenchi_norm_protocol("tcp"), "TCP");
	check_text(kenchi_norm_protocol("icmpv6"), "ICMPv6");
	check_text(kenchi_norm_protocol("TCP over VPN"), "TCP over VPN");
	check_text(kenchi_norm_protocol("6"), "TCP");   /* IANA's number, rt29 N21 */
	check_text(kenchi_norm_protocol("UDP/53"), "UDP");
	check_text(kenchi_norm_direction("Outbound"), "Outgoing connection from");   /* rt29 */
	check_text(kenchi_norm_direction("\xe5\x8f\x97\xe4\xbf\xa1"), "Incoming connection from");   /* 受信 */
	check_text(kenchi_norm_direction("Outgoing connection from"), "Outgoing connection from");
	check_text(kenchi_norm_direction("to the proxy"), "to the proxy");
	check_text(kenchi_norm_ip("203.0.113.0/24"), NULL);   /* a network, no host: rt29 N22 */
	check_text(kenchi_norm_ip("203.0.113.7/24"), "203.0.113.7");
	check_text(kenchi_norm_ip("203.0.113.0/32"), "203.0.113.0");
	check_text(kenchi_norm_ip("2001:db8::/48"), NULL);

}

/* A Vulnerable Application event's CVEs: the API's objects kept, a mail's
 * list read with its scores (rt28 E14, A01). */
static void
test_vulnerabilities(void **state)
{
	check_text(kenchi_norm_vulnerabilities("CVE-2021-28550 (CVSS 8.8)   cve-2021-28553 (CVSS v3.1: 7.8), CVE-2021-28550"),
	    "[{\"cve\":\"CVE-2021-28550\",\"score\":\"8.8\"},{\"cve\":\"CVE-2021-28553\",\"score\":\"7.8\"}]");
	check_text(kenchi_norm_vulnerabilities("CVE-2023-4863; CVE-2023-5217"),
	    "[{\"cve\":\"CVE-2023-4863\"},{\"cve\":\"CVE-2023-5217\"}]");
	check_text(kenchi_norm_vulnerabilities("none listed"), NULL);
	check_text(kenchi_norm_vulnerabilities("XCVE-2021-28550, CVE-21-1"), NULL);
	check_text(kenchi_norm_vulnerabilities("[{\"name\":\"Firefox\",\"version\":\"52.0\",\"cve\":\"cve-2017-5375\","
	    "\"score\":9.8,\"other\":1},{\"x\":1},7]"),
	    "[{\"name\":\"Firefox\",\"version\":\"52.0\",\"cve\":\"CVE-2017-5375\",\"score\":\"9.8\"}]");
	check_text(kenchi_norm_vulnerabilities("[1, 2"), NULL);
	/* The CVSS version is no score (rt29 U05, U16). */
	check_text(kenchi_norm_vulnerabilities("CVE-2024-3094 CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H (10.0)"),
	    "[{\"cve\":\"CVE-2024-3094\",\"score\":\"10.0\"}]");
	check_text(kenchi_norm_vulnerabilities("CVE-2014-0160 (CVSS2: 5.0), CVE-2024-5535 (CVSS 3.x: 9.1), "
	    "CVE-2024-6119 CVSS 3.1 score 7.5, CVE-2024-0001 CVSSv3 10.0, CVE-2024-0002 (Base Score: 6.1)"),
	    "[{\"cve\":\"CVE-2014-0160\",\"score\":\"5.0\"},{\"cve\":\"CVE-2024-5535\",\"score\":\"9.1\"},"
	    "{\"cve\":\"CVE-2024-6119\",\"score\":\"7.5\"},{\"cve\":\"CVE-2024-0001\",\"score\":\"10.0\"},"
	    "{\"cve\":\"CVE-2024-0002\",\"score\":\"6.1\"}]");
}

/* Links a mail gateway rewrote come back as they were; anything else is
 * no such link (NULL), and the caller keeps it. */
static void
test_unwrap_links(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "https://apc01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fconsole.amp.cisco.com%2Fcomputers%2Fab%2Ftrajectory2%3Fq%3Dcd%26s%3D1&data=05%7C02&reserved=0",
		  "https://console.amp.cisco.com/computers/ab/trajectory2?q=cd&s=1" },
		{ "https://jpn01.safelinks.protection.outlook.com/?url=http%3A%2F%2Fbad.example%2Fgate.php%3Fid%3D1&data=x",
		  "http://bad.example/gate.php?id=1" },
		{ "https://urldefense.proofpoint.com/v2/url?u=https-3A__console.amp.cisco.com_dashboard&d=DwMF&c=x",
		  "https://console.amp.cisco.com/dashboard" },
		{ "https://urldefense.com/v3/__https://console.amp.cisco.com/dashboard__;!!abc$",
		  "https://console.amp.cisco.com/dashboard" },
		{ "https://secure-web.cisco.com/1AbCdEf/https%3A%2F%2Fconsole.amp.cisco.com%2Fdashboard",
		  "https://console.amp.cisco.com/dashboard" },
		/* v3 writes the characters it would escape as '*', listed base64
		 * after "__;" ("JQ" is '%'); a run ("**") is left wrapped. */
		{ "https://urldefense.com/v3/__http://files.example.net/Invoice*20Nov.zip__;JQ!!Fjc1LPEtn8I!aBcD$",
		  "http://files.example.net/Invoice%20Nov.zip" },
		{ "https://urldefense.com/v3/__http://files.example.net/a**Bb__;JQ!!x$", NULL },
		/* Safe Links around Proofpoint: one layer a call (event.c loops). */
		{ "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Furldefense.com%2Fv3%2F__https%3A%2F%2Fconsole.amp.cisco.com%2Fdashboard__%3B!!x%24&data=1",
		  "https://urldefense.com/v3/__https://console.amp.cisco.com/dashboard__;!!x$" },
		/* Trend Micro's Time-of-Click and Barracuda's Link Protection. */
		{ "https://imsva91-ctp.trendmicro.com:443/wis/clicktime/v1/query?url=https%3a%2f%2fconsole.amp.cisco.com%2fcomputers%2fab%2ftrajectory%3fs%3dcd%26t%3d9&umid=dc100aa5&auth=0ea4",
		  "https://console.amp.cisco.com/computers/ab/trajectory?s=cd&t=9" },
		{ "https://linkprotect.cudasvc.com/url?a=https%3a%2f%2fconsole.amp.cisco.com%2fdashboard&c=E,1,abc&typo=1",
		  "https://console.amp.cisco.com/dashboard" },
		{ "https://www.trendmicro.com/en_us/business.html?url=https%3A%2F%2Fa.example", NULL },
		{ "https://console.amp.cisco.com/computers/ab/trajectory2?url=x", NULL },
		{ "https://notsafelinks.protection.outlook.com.evil.example/?url=https%3A%2F%2Fa", NULL },
		{ "https://eur01.safelinks.protection.outlook.com/?url=javascript%3Aalert(1)", NULL },
		{ "https://eur01.safelinks.protection.outlook.com/?data=x", NULL },
		{ "hxxp://bad[.]example/", NULL },
	};
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = kenchi_norm_unwrap_link(cases[i].in);

		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else
			assert_null(got);
		g_free(got);
	}
	/* A token in place of the address: no link comes out (rt26 G02). */
	assert_true(kenchi_norm_opaque_link("https://protect-eu.mimecast.com/s/AbCdEf123?domain=dl.example"));
	assert_true(kenchi_norm_opaque_link("https://url.uk.m.mimecastprotect.com/s/XyZ?domain=a.example"));
	assert_false(kenchi_norm_opaque_link("https://www.mimecast.com/s/pricing"));
	assert_false(kenchi_norm_opaque_link("https://dl102.bad-cdn.example/s/x.exe"));
	/* A link a person defanged, as written before (rt26 V07). */
	char *r = kenchi_norm_refang_url("hxxp://dl.bad-cdn[.]example/get[.]php?id=1");
	assert_string_equal(r, "http://dl.bad-cdn.example/get.php?id=1");
	g_free(r);
	r = kenchi_norm_refang_url("hXXps[:]//a(.)example/v1.05");
	assert_string_equal(r, "https://a.example/v1.05");
	g_free(r);
	assert_null(kenchi_norm_refang_url("https://a.example/x"));
}

/* Whether a date's text gave its zone: a restatement nine hours off is
 * forgiven only to a time read as UTC for want of one (extract_mail.c). */
static void
test_date_zoned(void **state)
{
	static const struct { const char *in; gboolean zoned; } cases[] = {
		{ "2026-12-14 10:00:00 UTC", TRUE }, { "2026-12-14T10:00:00Z", TRUE },
		{ "2026-12-14T10:00:00+09:00", TRUE }, { "2026/12/14 10:00 JST", TRUE },
		{ "2026年12月14日 10時00分", TRUE }, { "Mon Dec 14 19:00:05 JST 2026", TRUE },
		{ "1796212598", TRUE },
		{ "2026-12-14 10:00:00", FALSE }, { "2026/12/14 15:21:31", FALSE }, { "2026-12-14T10:00", FALSE },
	};
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		gint64 t = 0;
		gboolean zoned = !cases[i].zoned;

		assert_true(kenchi_norm_date_zoned(cases[i].in, &t, &zoned));
		assert_int_equal(zoned, cases[i].zoned);
	}
}

static void
test_event_json_ids(void **state)
{
	kenchi_event_t *ev = kenchi_event_new();
	JsonNode *n;
	JsonObject *o;

	/* An AMP id above 2^53 must survive exactly. */
	assert_true(kenchi_event_set(ev, EV_ID, "6455442249407791104"));
	assert_false(kenchi_event_set(ev, EV_EVENT_TYPE_ID, "18446744073709551616123"));
	assert_true(kenchi_event_set(ev, EV_INTERNAL_IP, "192.168.0.1"));
	assert_true(kenchi_event_set(ev, EV_HOSTNAME, "pc\r\nBcc: x"));
	n = kenchi_event_to_json(ev);
	o = json_node_get_object(n);
	assert_int_equal(json_object_get_int_member(o, "id"), 6455442249407791104LL);
	assert_string_equal(json_object_get_string_member(json_object_get_object_member(o, "computer"), "hostname"), "pc  Bcc: x");
	json_node_unref(n);
	kenchi_event_free(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_spaces),
		cmocka_unit_test(test_line_separators),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_vulnerabilities),
		cmocka_unit_test(test_event_json_ids),
		cmocka_unit_test(test_unwrap_links),
		cmocka_unit_test(test_date_zoned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
