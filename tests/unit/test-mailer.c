#define _GNU_SOURCE
/* Unit tests for src/report/mailer.c and encoded_words.c (cmocka).
 * Every mail built here is parsed back with GMime and decoded with our own
 * decoder (parse/charset.c), because the customer's MUA decodes with
 * something like it: a round trip that is exact for ①㈱ and for subjects
 * split over several encoded words is the contract. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <gmime/gmime.h>
#include "report/mailer.h"
#include "parse/charset.h"

#define JP_SUBJECT "〇〇〇〇株式会社 ①㈱ [kenchi #123] 【一次報告】Executed malware を検知しました (PC-TK-0231)"
#define JP_BODY "〇〇〇〇株式会社 ご担当者様\n\n①㈱ 髙橋様の端末で検知しました。\nhost: PC-TK-0231\n\tタブ付きの行\n最終行\n"

static const char *const to1[] = { "顧客 担当 <alerts@cust.example.jp>", NULL };
static const char *const cc1[] = { "soc-archive@soc.example.jp", NULL };

static kenchi_mail_spec_t
base_spec(const char *charset)
{
	kenchi_mail_spec_t s = {
		.from = "検知SOC <soc@soc.example.jp>",
		.to = to1,
		.cc = cc1,
		.reply_to = "desk@soc.example.jp",
		.subject = JP_SUBJECT,
		.body = JP_BODY,
		.charset = charset,
		.message_id = "report-123.1@soc.example.jp",
		.in_reply_to = "alert-9@edr.example.com",
		.references = "alert-9@edr.example.com report-123.0@soc.example.jp",
		.date = 1700000000,
	};
	return s;
}

typedef struct {
	char *raw;
	gsize len;
	GMimeMessage *msg;
} built_t;

static void
build_ok(const kenchi_mail_spec_t *spec, built_t *b, gboolean expect_lossy)
{
	gboolean lossy = !expect_lossy;
	GMimeStream *st;
	GMimeParser *parser;

	assert_int_equal(kenchi_mail_build(spec, &b->raw, &b->len, &lossy), KENCHI_OK);
	assert_non_null(b->raw);
	assert_int_equal(strlen(b->raw), b->len);
	assert_int_equal(lossy, expect_lossy);
	st = g_mime_stream_mem_new_with_buffer(b->raw, b->len);
	parser = g_mime_parser_new_with_stream(st);
	b->msg = g_mime_parser_construct_message(parser, NULL);
	assert_non_null(b->msg);
	g_object_unref(parser);
	g_object_unref(st);
}

static void
built_free(built_t *b)
{
	g_object_unref(b->msg);
	g_free(b->raw);
}

static const char *
raw_header(GMimeObject *obj, const char *name)
{
	GMimeHeader *h = g_mime_header_list_get_header(g_mime_object_get_header_list(obj), name);
	return h ? g_mime_header_get_raw_value(h) : NULL;
}

static char *
decoded_subject(built_t *b)
{
	const char *raw = raw_header(GMIME_OBJECT(b->msg), "Subject");
	gboolean lossy = TRUE;
	char *s;

	assert_non_null(raw);
	s = kenchi_charset_decode_header(raw, &lossy);
	assert_false(lossy);
	return s;
}

/* The transfer-decoded body, through our charset decoder, CRLF -> LF. */
static char *
decoded_body(built_t *b, const char *want_charset, GMimeContentEncoding want_cte)
{
	GMimeObject *part = g_mime_message_get_mime_part(b->msg);
	GMimeDataWrapper *w;
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *arr;
	const char *cs;
	gboolean lossy = TRUE;
	char *text, **lines, *joined;

	assert_true(GMIME_IS_PART(part));
	cs = g_mime_object_get_content_type_parameter(part, "charset");
	assert_non_null(cs);
	assert_string_equal(cs, want_charset);
	assert_int_equal(g_mime_part_get_content_encoding(GMIME_PART(part)), want_cte);
	w = g_mime_part_get_content(GMIME_PART(part));
	assert_true(g_mime_data_wrapper_write_to_stream(w, mem) >= 0);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	text = kenchi_charset_to_utf8((const char *)arr->data, arr->len, cs, &lossy);
	assert_false(lossy);
	g_object_unref(mem);
	lines = g_strsplit(text, "\r\n", -1);
	joined = g_strjoinv("\n", lines);
	g_strfreev(lines);
	g_free(text);
	return joined;
}

static void
assert_crlf_only(const char *s, gsize n)
{
	gsize i;

	assert_true(n >= 2);
	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			assert_true(i > 0 && s[i - 1] == '\r');
		if (s[i] == '\r')
			assert_true(i + 1 < n && s[i + 1] == '\n');
	}
	assert_memory_equal(s + n - 2, "\r\n", 2);
}

/* Header names of the top-level message, in order, comma-joined. */
static char *
header_names(built_t *b)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(b->msg));
	GString *s = g_string_new("");
	int i;

	for (i = 0; i < g_mime_header_list_get_count(hl); i++)
		g_string_append_printf(s, "%s%s", i ? "," : "",
		                       g_mime_header_get_name(g_mime_header_list_get_header_at(hl, i)));
	return g_string_free(s, FALSE);
}

/* Every encoded word in the raw Subject: at most 75 characters, and (for
 * ISO-2022-JP) decodes alone to bytes that end in ASCII mode. */
static int
check_words(const char *raw, const char *prefix)
{
	const char *p = raw;
	int words = 0;

	while ((p = strstr(p, prefix)) != NULL) {
		const char *e = strstr(p + strlen(prefix), "?=");
		char *b64;
		guchar *bytes;
		gsize n;

		assert_non_null(e);
		assert_true(e + 2 - p <= 75);
		if (strcmp(prefix, "=?ISO-2022-JP?B?") == 0) {
			b64 = g_strndup(p + strlen(prefix), e - p - strlen(prefix));
			bytes = g_base64_decode(b64, &n);
			/* the last escape of each word switches back to ASCII */
			const guchar *esc = memrchr(bytes, 0x1b, n);
			if (esc != NULL) {
				assert_true(esc + 3 <= bytes + n);
				assert_memory_equal(esc, "\033(B", 3);
			}
			g_free(bytes);
			g_free(b64);
		}
		words++;
		p = e + 2;
	}
	return words;
}

static void
check_common(built_t *b)
{
	assert_crlf_only(b->raw, b->len);
	assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(b->msg), "Auto-Submitted"),
	                    "auto-generated");
	assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(b->msg), "X-Kenchi-Loop"),
	                    "soc@soc.example.jp");
	assert_string_equal(g_mime_message_get_message_id(b->msg), "report-123.1@soc.example.jp");
	assert_null(g_mime_object_get_header(GMIME_OBJECT(b->msg), "Bcc"));
}

/* ---------------------------------------------------------------- tests */

static void
test_iso2022jp_roundtrip(void **state)
{
	kenchi_mail_spec_t spec = base_spec("iso-2022-jp");
	built_t b;
	char *s, *body;

	(void)state;
	build_ok(&spec, &b, FALSE);
	check_common(&b);
	s = decoded_subject(&b);
	assert_string_equal(s, JP_SUBJECT);
	assert_true(check_words(raw_header(GMIME_OBJECT(b.msg), "Subject"), "=?ISO-2022-JP?B?") >= 2);
	body = decoded_body(&b, "ISO-2022-JP", GMIME_CONTENT_ENCODING_7BIT);
	assert_string_equal(body, JP_BODY);
	/* the body is 7-bit and ① is the NEC row-13 code 0x2D21 */
	for (gsize i = 0; i < b.len; i++)
		assert_true((unsigned char)b.raw[i] < 0x80);
	assert_non_null(memmem(b.raw, b.len, "\033$B-!-j", 7));
	g_free(s);
	g_free(body);
	built_free(&b);
}

static void
test_utf8_roundtrip(void **state)
{
	kenchi_mail_spec_t spec = base_spec("utf-8");
	built_t b;
	char *s, *body;

	(void)state;
	build_ok(&spec, &b, FALSE);
	check_common(&b);
	s = decoded_subject(&b);
	assert_string_equal(s, JP_SUBJECT);
	body = decoded_body(&b, "utf-8", GMIME_CONTENT_ENCODING_BASE64);
	assert_string_equal(body, JP_BODY);
	for (gsize i = 0; i < b.len; i++)
		assert_true((unsigned char)b.raw[i] < 0x80);
	g_free(s);
	g_free(body);
	built_free(&b);
}

static void
test_long_subject(void **state)
{
	const char *charsets[] = { "iso-2022-jp", "utf-8" };
	GString *subj = g_string_new("");
	int i;

	(void)state;
	for (i = 0; i < 6; i++)
		g_string_append(subj, "①㈱〇〇〇〇株式会社 様 【続報】不審な通信 (192.0.2.10) ");
	g_string_append(subj, "終わり");
	for (i = 0; i < 2; i++) {
		kenchi_mail_spec_t spec = base_spec(charsets[i]);
		built_t b;
		char *s;
		char **lines;

		spec.subject = subj->str;
		build_ok(&spec, &b, FALSE);
		check_common(&b);
		s = decoded_subject(&b);
		assert_string_equal(s, subj->str);
		if (i == 0)
			assert_true(check_words(raw_header(GMIME_OBJECT(b.msg), "Subject"),
			                        "=?ISO-2022-JP?B?") >= 6);
		/* no header line over 78 characters */
		lines = g_strsplit(b.raw, "\r\n", -1);
		for (int k = 0; lines[k] != NULL && lines[k][0] != '\0'; k++)
			assert_true(strlen(lines[k]) <= 78);
		g_strfreev(lines);
		g_free(s);
		built_free(&b);
	}
	g_string_free(subj, TRUE);
}

/* UTF-8 text headers: printable ASCII words stay readable, each run of
 * the others becomes encoded words (a word that reads as one, "=?..?=",
 * too), every line at most 76 characters; GMime reads back the text. */
static void
test_utf8_subject_words(void **state)
{
	const char *subjects[] = {
		"[kenchi #12 0a1b2c] 新規ケース (HIGH): Threat Detected (PC-TK-0231) - ㈱アクメ",
		"Customer reply from ㈱アクメ: café  =?utf-8?q?x?= done",
		"ＡＢＣ全角だけの長い件名がずっと続いてやがて一行に収まらなくなりそれでもまだ続いていく件名の終わりはここ",
		"x",
	};

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(subjects); i++) {
		kenchi_mail_spec_t spec = base_spec("utf-8");
		built_t b;
		char *s, *gm, *un, **lines;
		const char *raw;

		spec.subject = subjects[i];
		build_ok(&spec, &b, FALSE);
		s = decoded_subject(&b);
		assert_string_equal(s, subjects[i]);
		raw = raw_header(GMIME_OBJECT(b.msg), "Subject");
		un = g_mime_utils_header_unfold(raw);
		gm = g_mime_utils_header_decode_text(NULL, un);
		assert_string_equal(g_strstrip(gm), subjects[i]);
		if (i == 0) {
			assert_non_null(strstr(un, "[kenchi #12 0a1b2c] "));
			assert_non_null(strstr(un, " (HIGH): Threat Detected (PC-TK-0231) - "));
		}
		if (i == 1)
			assert_null(strstr(un, "=?utf-8?q?x?="));
		g_free(un);
		lines = g_strsplit(b.raw, "\r\n", -1);
		for (int k = 0; lines[k] != NULL && lines[k][0] != '\0'; k++)
			assert_true(strlen(lines[k]) <= 76);
		g_strfreev(lines);
		g_free(gm);
		g_free(s);
		built_free(&b);
	}
	/* ASCII that reads as an encoded word is printed, never decoded: in
	 * either charset (GMime's own formatter would leave it as it is) */
	for (guint i = 0; i < 2; i++) {
		kenchi_mail_spec_t spec = base_spec(i ? "utf-8" : "iso-2022-jp");
		built_t b;
		char *s;

		spec.subject = "Threat =?utf-8?q?Clean?= Detected";
		build_ok(&spec, &b, FALSE);
		s = decoded_subject(&b);
		assert_string_equal(s, spec.subject);
		assert_null(strstr(raw_header(GMIME_OBJECT(b.msg), "Subject"), "=?utf-8?q?Clean?="));
		g_free(s);
		built_free(&b);
	}
}

static void
test_header_injection(void **state)
{
	const char *charsets[] = { "iso-2022-jp", "utf-8" };
	const char *const extra[] = { "X-Kenchi-Case", "123\r\nBcc: evil@x", NULL };
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		kenchi_mail_spec_t spec = base_spec(charsets[i]);
		built_t b;
		char *s, *names, *body;

		spec.subject = "検知 report\r\nBcc: evil@x";
		spec.body = "本文\r\nBcc: evil@x\n";
		spec.extra_headers = extra;
		build_ok(&spec, &b, FALSE);
		check_common(&b);
		names = header_names(&b);
		assert_string_equal(names, "From,To,Cc,Reply-To,Subject,Date,Message-Id,In-Reply-To,"
		                    "References,Auto-Submitted,X-Kenchi-Loop,X-Kenchi-Case,"
		                    "MIME-Version");
		g_free(names);
		/* GMime 3 keeps the top part's Content-* headers on the part */
		{
			GMimeHeaderList *hl = g_mime_object_get_header_list(g_mime_message_get_mime_part(b.msg));
			assert_int_equal(g_mime_header_list_get_count(hl), 2);
			assert_string_equal(g_mime_header_get_name(g_mime_header_list_get_header_at(hl, 0)), "Content-Type");
			assert_string_equal(g_mime_header_get_name(g_mime_header_list_get_header_at(hl, 1)), "Content-Transfer-Encoding");
		}
		names = NULL;
		/* in the header block (the body may say "Bcc:" on a line) */
		{
			const char *eoh = memmem(b.raw, b.len, "\r\n\r\n", 4);
			assert_non_null(eoh);
			assert_null(memmem(b.raw, eoh - b.raw + 2, "\nBcc:", 5));
		}
		s = decoded_subject(&b);
		assert_string_equal(s, "検知 report  Bcc: evil@x");
		assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(b.msg), "X-Kenchi-Case"),
		                    "123  Bcc: evil@x");
		body = decoded_body(&b, i ? "utf-8" : "ISO-2022-JP",
		                    i ? GMIME_CONTENT_ENCODING_BASE64 : GMIME_CONTENT_ENCODING_7BIT);
		assert_string_equal(body, "本文\nBcc: evil@x\n");
		g_free(body);
		g_free(s);
		g_free(names);
		built_free(&b);

		/* C1 (NEL), U+2028, U+2029 and DEL are controls too, each alone
		 * in a value that is otherwise clean; spaces at the ends go */
		spec.extra_headers = NULL;
		for (int k = 0; k < 5; k++) {
			const char *in[] = { "検知\xc2\x85x", "検知\xe2\x80\xa8x", "検知\xe2\x80\xa9x", "検知\x7fx", " 検知 x " };

			spec.subject = in[k];
			build_ok(&spec, &b, FALSE);
			s = decoded_subject(&b);
			assert_string_equal(s, "検知 x");
			g_free(s);
			built_free(&b);
		}
	}
}

static void
expect_refused(kenchi_mail_spec_t *spec)
{
	char *out = (char *)"untouched";
	gsize len = 99;

	assert_int_equal(kenchi_mail_build(spec, &out, &len, NULL), KENCHI_BAD_INPUT);
	assert_null(out);
	assert_int_equal(len, 0);
}

static void
test_refusals(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const junk[] = { "not an address", NULL };
	static const char *const inj[] = { "a@cust.example.jp\r\nBcc: evil@x", NULL };
	static const char *const grp[] = { "team: a@x, b@y;", NULL };
	static const char *const bcc_hdr[] = { "Bcc", "evil@x", NULL };
	static const char *const bad_name[] = { "X Bad", "1", NULL };
	static const char *const ctype[] = { "content-type", "text/html", NULL };
	kenchi_mail_spec_t spec;

	(void)state;
	spec = base_spec("utf-8"); spec.to = none; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.to = NULL; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.to = junk; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.to = inj; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.to = grp; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.cc = inj; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.from = ""; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.reply_to = "x\ny@z"; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.extra_headers = bcc_hdr; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.extra_headers = bad_name; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.extra_headers = ctype; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.message_id = "a b@c"; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.message_id = "<a@c>"; expect_refused(&spec);
	spec = base_spec("utf-8"); spec.references = "ok@x bad\r\n@x"; expect_refused(&spec);
	spec = base_spec("shift_jis"); expect_refused(&spec);
}

/* Build SPEC (lossy as LOSSY) and check that its body decodes to WANT
 * under CHARSET and CTE. */
static void
expect_body(const kenchi_mail_spec_t *spec, gboolean lossy, const char *charset,
            GMimeContentEncoding cte, const char *want)
{
	built_t b;
	char *s;

	build_ok(spec, &b, lossy);
	s = decoded_body(&b, charset, cte);
	assert_string_equal(s, want);
	g_free(s);
	built_free(&b);
}

static void
test_lossy(void **state)
{
	kenchi_mail_spec_t spec = base_spec("iso-2022-jp");
	built_t b;
	char *s;

	(void)state;
	/* An emoji has no ISO-2022-JP code: rather than a '?', the whole mail
	 * goes out in UTF-8, exact and not lossy (rp1 F6). */
	spec.subject = "検知 \xf0\x9f\x94\xa5 alert";
	build_ok(&spec, &b, FALSE);
	s = decoded_subject(&b);
	assert_string_equal(s, "検知 \xf0\x9f\x94\xa5 alert");
	g_free(s);
	built_free(&b);
	expect_body(&spec, FALSE, "utf-8", GMIME_CONTENT_ENCODING_BASE64, JP_BODY);
	spec = base_spec("iso-2022-jp");
	spec.body = "C:\\Users\\髙橋\\Desktop\\\xd9\x81\xd8\xa7\\x.exe\n";
	expect_body(&spec, FALSE, "utf-8", GMIME_CONTENT_ENCODING_BASE64, spec.body);
	/* half-width kana are widened, as Japanese mail does: still ISO-2022-JP */
	spec.body = "\xef\xbe\x8a\xef\xbe\x9d.exe\n";
	expect_body(&spec, FALSE, "ISO-2022-JP", GMIME_CONTENT_ENCODING_7BIT, "ハン.exe\n");

	/* Invalid UTF-8 in a body: the ISO-2022-JP mail falls back to UTF-8,
	 * where, as in a UTF-8 mail, the bad byte becomes U+FFFD; lossy. */
	spec.body = "検知 \xff end\n";
	expect_body(&spec, TRUE, "utf-8", GMIME_CONTENT_ENCODING_BASE64, "検知 \xef\xbf\xbd end\n");
	spec = base_spec("utf-8");
	spec.body = "検知 \xff end\n";
	expect_body(&spec, TRUE, "utf-8", GMIME_CONTENT_ENCODING_BASE64, "検知 \xef\xbf\xbd end\n");
}

static void
test_ascii_only(void **state)
{
	kenchi_mail_spec_t spec = base_spec("iso-2022-jp");
	built_t b;
	char *s, *body;

	(void)state;
	spec.from = "soc@soc.example.jp";
	spec.subject = "[kenchi #7] plain";
	spec.body = "no final newline";
	spec.cc = NULL;
	spec.reply_to = NULL;
	spec.in_reply_to = NULL;
	spec.references = NULL;
	build_ok(&spec, &b, FALSE);
	check_common(&b);
	assert_non_null(memmem(b.raw, b.len, "\r\nSubject: [kenchi #7] plain\r\n", 30));
	s = decoded_subject(&b);
	assert_string_equal(s, "[kenchi #7] plain");
	body = decoded_body(&b, "ISO-2022-JP", GMIME_CONTENT_ENCODING_7BIT);
	assert_string_equal(body, "no final newline\n");
	g_free(s);
	g_free(body);
	built_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso2022jp_roundtrip),
		cmocka_unit_test(test_utf8_roundtrip),
		cmocka_unit_test(test_long_subject),
		cmocka_unit_test(test_utf8_subject_words),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_lossy),
		cmocka_unit_test(test_ascii_only),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	kenchi_charset_thread_cleanup();
	g_mime_shutdown();
	return rc;
}
