/* Unit tests for src/case/scoring*.c, the rule language (lexer, parser,
 * evaluator, values); cmocka, run with CMOCKA_MESSAGE_OUTPUT=TAP.
 *
 * The default rules are read from $KENCHI_DATADIR/data/scoring.rules, where
 * KENCHI_DATADIR is the repository root (default "."); a KENCHI_DATADIR that
 * points at data/ itself also works, as the other unit tests use it so.
 * The speed loop prints its figures as TAP diagnostics and asserts nothing
 * about time: CI machines are too uneven for that. */
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "case/scoring.h"
#include "case/hosts.h"

static kenchi_re_match_t *m;    /* one per thread, as the case code will hold it */

/* ------------------------------------------------------------ helpers */

static const char *
get_kv(const char *field, gpointer user)
{
	return g_hash_table_lookup(user, field);
}

/* A case as field/value pairs, NULL-terminated. */
static GHashTable *
kv(const char *first, ...)
{
	GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
	va_list ap;
	const char *k;

	va_start(ap, first);
	for (k = first; k != NULL; k = va_arg(ap, const char *))
		g_hash_table_insert(h, (gpointer)k, va_arg(ap, char *));
	va_end(ap);
	return h;
}

static kenchi_scoring_t *
compile(const char *text)
{
	GError *error = NULL;
	kenchi_scoring_t *sc = kenchi_scoring_parse_untyped("t.rules", text, &error);

	if (sc == NULL)
		fail_msg("rules did not compile: %s", error->message);
	return sc;
}

/* Score FIELDS with TEXT; the caller clears R. */
static void
score(const char *text, GHashTable *fields, kenchi_score_result_t *r)
{
	kenchi_scoring_t *sc = compile(text);

	kenchi_score_result_init(r);
	assert_int_equal(kenchi_scoring_eval(sc, m, get_kv, fields, r), KENCHI_OK);
	kenchi_scoring_free(sc);
}

/* Does the single rule "t" with condition COND fire on FIELDS? */
static gboolean
fires(const char *cond, GHashTable *fields)
{
	char *text = g_strdup_printf("rule \"t\" if %s then add 1", cond);
	kenchi_score_result_t r;
	gboolean fired;

	score(text, fields, &r);
	fired = r.reasons->len == 1;
	kenchi_score_result_clear(&r);
	g_free(text);
	return fired;
}

typedef kenchi_scoring_t *(*parse_fn)(const char *, const char *, GError **);

/* The load error PARSE gives for TEXT, g_free'd by the caller. */
static char *
parse_error(parse_fn parse, const char *text)
{
	GError *error = NULL;
	kenchi_scoring_t *sc = parse("t.rules", text, &error);
	char *msg;

	if (sc != NULL)
		fail_msg("rules compiled but should not have: %s", text);
	assert_true(error->domain == KENCHI_SCORING_ERROR);
	msg = g_strdup(error->message);
	g_error_free(error);
	return msg;
}

static char *
load_error(const char *text)
{
	return parse_error(kenchi_scoring_parse_untyped, text);
}

static gboolean
has_tag(const kenchi_score_result_t *r, const char *tag)
{
	guint i;

	for (i = 0; i < r->tags->len; i++)
		if (strcmp(r->tags->pdata[i], tag) == 0)
			return TRUE;
	return FALSE;
}

static int
reason_points(const kenchi_score_result_t *r, const char *rule)
{
	guint i;

	for (i = 0; i < r->reasons->len; i++) {
		kenchi_score_reason_t *x = &g_array_index(r->reasons, kenchi_score_reason_t, i);
		if (strcmp(x->rule, rule) == 0)
			return x->points;
	}
	return G_MININT;
}

static char *
default_rules_path(void)
{
	const char *dir = g_getenv("KENCHI_DATADIR");
	char *p;

	if (dir == NULL || *dir == '\0')
		dir = ".";
	p = g_build_filename(dir, "data", "scoring.rules", NULL);
	if (!g_file_test(p, G_FILE_TEST_EXISTS)) {
		g_free(p);
		p = g_build_filename(dir, "scoring.rules", NULL);
	}
	return p;
}

/* ------------------------------------------------------------ conditions */

static void
test_string_equality(void **state)
{
	GHashTable *f = kv("event_type", "Executed Malware", "severity", "High", NULL);

	assert_true(fires("event_type == \"Executed malware\"", f));   /* case-insensitive */
	assert_false(fires("event_type == \"Executed\"", f));
	assert_true(fires("event_type != \"Threat Detected\"", f));
	assert_false(fires("severity != \"high\"", f));
	/* absent: == is false, != is its negation */
	assert_false(fires("group == \"x\"", f));
	assert_true(fires("group != \"x\"", f));
	g_hash_table_unref(f);
}

static void
test_regex(void **state)
{
	GHashTable *f = kv("computer.hostname", "SRV-DB01", "file.file_path", "C:\\Users\\a\\x.exe", NULL);

	assert_true(fires("computer.hostname =~ \"(?i)^(sv|srv)-\"", f));
	assert_false(fires("computer.hostname =~ \"^srv-\"", f));      /* exact unless (?i) */
	assert_true(fires("computer.hostname !~ \"^srv-\"", f));
	assert_true(fires("computer.hostname =~ \"\\d\\d$\"", f));    /* strings are raw */
	assert_true(fires("file.file_path =~ \"^C:\\\\Users\\\\\"", f));
	assert_false(fires("group =~ \".*\"", f));
	assert_true(fires("group !~ \"x\"", f));
	g_hash_table_unref(f);
}

static void
test_regex_limit_is_false_both_ways(void **state)
{
	char *subject = g_strnfill(40, 'a');
	char *s2 = g_strconcat(subject, "!", NULL);
	GHashTable *f = kv("detection", s2, NULL);
	kenchi_score_result_t r;

	score("rule \"a\" if detection =~ \"^(a+)+$\" then add 10\n"
	      "rule \"b\" if detection !~ \"^(a+)+$\" then add 20\n", f, &r);
	assert_int_equal(r.score, 0);
	assert_int_equal(r.reasons->len, 0);
	assert_int_equal(r.regex_errors, 2);
	kenchi_score_result_clear(&r);
	g_hash_table_unref(f);
	g_free(subject);
	g_free(s2);
}

static void
test_string_lists(void **state)
{
	GHashTable *f = kv("customer", "Globex", NULL);
	GString *big = g_string_new("customer in [");
	int i;

	assert_true(fires("customer in [\"acme\", \"globex\"]", f));
	assert_false(fires("customer in [\"acme\"]", f));
	assert_true(fires("customer not in [\"acme\"]", f));
	assert_false(fires("group in [\"a\"]", f));
	assert_true(fires("group not in [\"a\"]", f));
	/* a long list is a hash set: same answers */
	for (i = 0; i < 50; i++)
		g_string_append_printf(big, "\"c%d\", ", i);
	g_string_append(big, "\"GLOBEX\"]");
	assert_true(fires(big->str, f));
	g_string_truncate(big, big->len - 9);
	g_string_append(big, "\"x\"]");
	assert_false(fires(big->str, f));
	g_string_free(big, TRUE);
	g_hash_table_unref(f);
}

static void
test_number_lists_and_ranges(void **state)
{
	GHashTable *f = kv("weekday_jst", "6", "hour_jst", "6", "event_type_id", "1107296272", NULL);

	assert_true(fires("weekday_jst in [6, 7]", f));
	assert_false(fires("weekday_jst in [1, 2, 3]", f));
	assert_true(fires("event_type_id in [1107296272, 1107296284]", f));
	assert_true(fires("hour_jst in 0..6", f));                   /* ends included */
	assert_true(fires("hour_jst in 6..23", f));
	assert_false(fires("hour_jst in 7..23", f));
	assert_true(fires("hour_jst not in 7..23", f));
	assert_false(fires("count in 0..100", f));                   /* absent */
	g_hash_table_unref(f);
}

static void
test_cidr(void **state)
{
	GHashTable *v4 = kv("ip", "192.168.3.4", NULL);
	GHashTable *v6 = kv("ip", "2001:db8::42", NULL);
	GHashTable *mapped = kv("ip", "::ffff:10.1.2.3", NULL);
	GHashTable *junk = kv("ip", "not-an-ip", NULL);

	assert_true(fires("ip in 10.0.0.0/8, 192.168.0.0/16", v4));
	assert_false(fires("ip in 10.0.0.0/8, 172.16.0.0/12", v4));
	assert_true(fires("ip in [192.168.3.4]", v4));               /* a host is /32 */
	assert_true(fires("ip in 0.0.0.0/0", v4));
	assert_true(fires("ip in ::/0", v4));                        /* every address */
	assert_true(fires("ip in 2001:db8::/32", v6));
	assert_false(fires("ip in 2001:db9::/32, 10.0.0.0/8", v6));
	assert_false(fires("ip in 10.0.0.0/8", v6));
	assert_true(fires("ip in 10.0.0.0/8", mapped));              /* IPv4-mapped */
	assert_false(fires("ip in 10.0.0.0/8", junk));
	assert_true(fires("ip not in 10.0.0.0/8", junk));
	/* the list ends where the condition does */
	assert_true(fires("ip in 10.0.0.0/8, 192.168.0.0/16 and exists ip", v4));
	g_hash_table_unref(v4);
	g_hash_table_unref(v6);
	g_hash_table_unref(mapped);
	g_hash_table_unref(junk);
}

static void
test_numeric_comparisons(void **state)
{
	GHashTable *f = kv("count", "5", "hosts", "abc", NULL);

	assert_true(fires("count == 5", f));
	assert_false(fires("count != 5", f));
	assert_true(fires("count >= 5", f));
	assert_false(fires("count > 5", f));
	assert_true(fires("count <= 5", f));
	assert_false(fires("count < 5", f));
	assert_true(fires("count<6", f));
	assert_true(fires("count > 4.5", f));
	assert_true(fires("count == \"5\"", f));                     /* quoted: string */
	assert_false(fires("hosts >= 0", f));                        /* not a number */
	assert_false(fires("missing >= 0", f));
	assert_false(fires("missing < 0", f));
	g_hash_table_unref(f);
}

static void
test_exists_and_truthy(void **state)
{
	GHashTable *f = kv("host_is_server", "true", "allowlisted", "false", "blocklisted", "",
			   "zero", "0", NULL);

	assert_true(fires("exists host_is_server", f));
	assert_true(fires("host_is_server", f));
	assert_true(fires("exists allowlisted", f));
	assert_false(fires("allowlisted", f));
	assert_false(fires("exists blocklisted", f));                /* empty is absent */
	assert_false(fires("blocklisted", f));
	assert_false(fires("zero", f));
	assert_false(fires("exists nothing", f));
	assert_true(fires("not exists nothing", f));
	g_hash_table_unref(f);
}

static void
test_precedence(void **state)
{
	GHashTable *f = kv("a", "true", NULL);   /* a true; b and c absent (false) */

	/* and binds tighter than or: a or (b and c) */
	assert_true(fires("a or b and c", f));
	assert_false(fires("(a or b) and c", f));
	assert_true(fires("b and c or a", f));
	/* not binds tightest: (not b) and a */
	assert_true(fires("not b and a", f));
	assert_false(fires("not (b or a)", f));
	assert_true(fires("not not a", f));
	assert_false(fires("not a or b", f));
	assert_true(fires("((a))", f));
	g_hash_table_unref(f);
}

static void
test_unconditional_rule(void **state)
{
	GHashTable *f = kv(NULL, NULL);
	kenchi_score_result_t r;

	score("rule base then add 7", f, &r);
	assert_int_equal(r.score, 7);
	kenchi_score_result_clear(&r);
	g_hash_table_unref(f);
}

/* ------------------------------------------------------------ actions */

static void
test_actions(void **state)
{
	GHashTable *f = kv("x", "1", NULL);
	kenchi_score_result_t r;

	score("rule \"a\" if x then add 30, tag one, tag two\n"
	      "rule \"b\" if x then add -5, tag one\n"       /* a tag is kept once */
	      "rule \"c\" if x then suppress\n"
	      "rule \"d\" if x then escalate, tag \"three\"\n", f, &r);
	assert_int_equal(r.score, 25);
	assert_true(r.suppress);
	assert_true(r.escalate);
	assert_int_equal(r.tags->len, 3);
	assert_string_equal(r.tags->pdata[0], "one");
	assert_string_equal(r.tags->pdata[1], "two");
	assert_string_equal(r.tags->pdata[2], "three");
	assert_string_equal(r.priority, "P4");
	assert_false(r.priority_explicit);
	/* each reason says what its rule did besides points (rs1 F7) */
	assert_true(g_array_index(r.reasons, kenchi_score_reason_t, 2).suppress);
	assert_false(g_array_index(r.reasons, kenchi_score_reason_t, 2).escalate);
	assert_true(g_array_index(r.reasons, kenchi_score_reason_t, 3).escalate);
	assert_int_equal(g_array_index(r.reasons, kenchi_score_reason_t, 3).priority, 0);
	kenchi_score_result_clear(&r);

	score("rule \"a\" then add 30\n"
	      "rule \"b\" then set score 70\n"
	      "rule \"c\" then add 1, stop\n"
	      "rule \"d\" then add 50, escalate\n", f, &r);
	assert_int_equal(r.score, 71);
	assert_false(r.escalate);                                 /* after stop */
	assert_int_equal(r.reasons->len, 3);
	assert_int_equal(reason_points(&r, "b"), 40);             /* set records the change */
	assert_string_equal(r.priority, "P2");
	kenchi_score_result_clear(&r);

	score("rule \"a\" then add 90, priority P3\n"
	      "rule \"b\" then priority p2\n", f, &r);            /* the last set wins */
	assert_string_equal(r.priority, "P2");
	assert_int_equal(g_array_index(r.reasons, kenchi_score_reason_t, 0).priority, 3);
	assert_int_equal(g_array_index(r.reasons, kenchi_score_reason_t, 1).priority, 2);
	assert_true(r.priority_explicit);
	kenchi_score_result_clear(&r);
	g_hash_table_unref(f);
}

static void
test_running_score_in_conditions(void **state)
{
	GHashTable *f = kv(NULL, NULL);
	kenchi_score_result_t r;

	score("rule \"a\" then add 120\n"
	      "rule \"b\" if score > 100 then tag over\n"         /* running score, unclamped */
	      "rule \"c\" if score in 100..200 then add -30\n"
	      "rule \"d\" if score == 90 then tag ninety\n", f, &r);
	assert_true(has_tag(&r, "over"));
	assert_true(has_tag(&r, "ninety"));
	assert_int_equal(r.score, 90);
	kenchi_score_result_clear(&r);
	g_hash_table_unref(f);
}

static void
test_clamping(void **state)
{
	GHashTable *f = kv(NULL, NULL);
	kenchi_score_result_t r;

	score("rule \"a\" then add 80\nrule \"b\" then add 80\n", f, &r);
	assert_int_equal(r.score, 100);
	assert_int_equal(r.unclamped, 160);                       /* for the explanation (rs1 F7) */
	assert_string_equal(r.priority, "P1");
	kenchi_score_result_clear(&r);
	score("rule \"a\" then add 10\nrule \"b\" then add -50\n", f, &r);
	assert_int_equal(r.score, 0);
	assert_string_equal(r.priority, "P4");
	kenchi_score_result_clear(&r);
	g_hash_table_unref(f);
}

static void
test_priority_derivation(void **state)
{
	static const struct { int points; const char *prio; } cases[] = {
		{ 100, "P1" }, { 80, "P1" }, { 79, "P2" }, { 60, "P2" }, { 59, "P3" },
		{ 35, "P3" }, { 34, "P4" }, { 0, "P4" },
	};
	GHashTable *f = kv(NULL, NULL);
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text = g_strdup_printf("rule \"a\" then set score %d", cases[i].points);
		kenchi_score_result_t r;

		score(text, f, &r);
		assert_int_equal(r.score, cases[i].points);
		assert_string_equal(r.priority, cases[i].prio);
		kenchi_score_result_clear(&r);
		g_free(text);
	}
	g_hash_table_unref(f);
}

static void
test_reasons(void **state)
{
	GHashTable *f = kv("severity", "High", "event_type", "Executed malware", NULL);
	kenchi_score_result_t r;
	kenchi_score_reason_t *x;

	score("rule \"sev\" if severity == \"High\" then add 30\n"
	      "rule \"low\" if severity == \"Low\" then add 5\n"
	      "rule \"exec\" if event_type == \"Executed malware\" then add 40, tag executed\n"
	      "rule \"tag only\" if exists severity then tag sev\n", f, &r);
	assert_int_equal(r.score, 70);
	assert_int_equal(r.reasons->len, 3);                      /* every fired rule, in order */
	x = &g_array_index(r.reasons, kenchi_score_reason_t, 0);
	assert_string_equal(x->rule, "sev");
	assert_int_equal(x->points, 30);
	x = &g_array_index(r.reasons, kenchi_score_reason_t, 1);
	assert_string_equal(x->rule, "exec");
	assert_int_equal(x->points, 40);
	x = &g_array_index(r.reasons, kenchi_score_reason_t, 2);
	assert_string_equal(x->rule, "tag only");
	assert_int_equal(x->points, 0);
	kenchi_score_result_clear(&r);
	g_hash_table_unref(f);
}

static void
test_result_reuse_and_bad_args(void **state)
{
	kenchi_scoring_t *sc = compile("rule \"a\" if x then add 50, tag t, suppress");
	GHashTable *yes = kv("x", "1", NULL), *no = kv(NULL, NULL);
	kenchi_score_result_t r;

	kenchi_score_result_init(&r);
	assert_int_equal(kenchi_scoring_eval(sc, m, get_kv, yes, &r), KENCHI_OK);
	assert_int_equal(r.score, 50);
	assert_int_equal(kenchi_scoring_eval(sc, m, get_kv, no, &r), KENCHI_OK);
	assert_int_equal(r.score, 0);
	assert_int_equal(r.tags->len, 0);
	assert_int_equal(r.reasons->len, 0);
	assert_false(r.suppress);
	assert_int_equal(kenchi_scoring_eval(sc, NULL, get_kv, no, &r), KENCHI_FAIL);
	assert_int_equal(kenchi_scoring_eval(NULL, m, get_kv, no, &r), KENCHI_FAIL);
	assert_int_equal(kenchi_scoring_rule_count(sc), 1);
	kenchi_score_result_clear(&r);
	kenchi_score_result_clear(&r);                            /* twice is harmless */
	kenchi_scoring_free(sc);
	g_hash_table_unref(yes);
	g_hash_table_unref(no);
}

static void
test_layout_is_free(void **state)
{
	GHashTable *f = kv("a", "1", NULL);
	kenchi_score_result_t r;

	/* one line, several lines, comments anywhere, CRLF */
	score("# head\r\nrule one if a then add 1 rule two\r\n  if a # why\r\n"
	      "  then\r\n    add 2, # more\r\n    tag x\r\n", f, &r);
	assert_int_equal(r.score, 3);
	assert_int_equal(r.reasons->len, 2);
	kenchi_score_result_clear(&r);
	score("\xef\xbb\xbfrule bom then add 4", f, &r);          /* a leading BOM is skipped (rs1 F9) */
	assert_int_equal(r.score, 4);
	kenchi_score_result_clear(&r);
	score("", f, &r);                                         /* no rules: 0, P4 */
	assert_int_equal(r.score, 0);
	assert_string_equal(r.priority, "P4");
	kenchi_score_result_clear(&r);
	g_hash_table_unref(f);
}

/* The case code may format numbers into one buffer: each value must be
 * taken before the next call.  Long values (past the evaluator's cache)
 * are fetched again and must still be right. */
static int getter_calls;

static const char *
get_shared_buffer(const char *field, gpointer user)
{
	static char buf[8192];

	getter_calls++;
	if (strcmp(field, "count") == 0)
		g_strlcpy(buf, "5", sizeof buf);
	else if (strcmp(field, "hosts") == 0)
		g_strlcpy(buf, "3", sizeof buf);
	else if (strcmp(field, "long") == 0) {
		memset(buf, 'x', 6000);
		buf[6000] = '\0';
	} else
		return NULL;
	return buf;
}

static void
test_getter_contract(void **state)
{
	kenchi_scoring_t *sc = compile("rule \"a\" if count == 5 and hosts == 3 and count == 5 then add 1\n"
				       "rule \"b\" if hosts == 3 and count >= 5 then add 1\n"
				       "rule \"c\" if long =~ \"^x{6000}$\" and hosts == 3 and long =~ \"x$\" then add 1\n"
				       "rule \"d\" if missing or missing or exists missing then add 1\n");
	kenchi_score_result_t r;

	kenchi_score_result_init(&r);
	getter_calls = 0;
	assert_int_equal(kenchi_scoring_eval(sc, m, get_shared_buffer, NULL, &r), KENCHI_OK);
	assert_int_equal(r.score, 3);
	assert_int_equal(getter_calls, 2 + 2 + 1);   /* count, hosts once; long twice; missing once */
	kenchi_score_result_clear(&r);
	kenchi_scoring_free(sc);
}

/* ------------------------------------------------------------ load errors */

static void
test_error_bad_regex(void **state)
{
	char *e = load_error("rule \"a\"\n  if x =~ \"(abc\"\n  then add 1\n");

	assert_non_null(strstr(e, "t.rules:2: bad regex \"(abc\": offset 4: "));
	assert_non_null(strstr(e, "missing closing parenthesis"));   /* PCRE2's own words */
	g_free(e);
}

static void
test_error_unknown_action(void **state)
{
	char *e = load_error("rule \"a\" if x\nthen add 1,\n  explode\n");

	assert_string_equal(e, "t.rules:3: unknown action 'explode' "
			    "(add, set score, priority, tag, suppress, escalate, stop)");
	g_free(e);
}

static void
test_error_bad_cidr(void **state)
{
	char *e;

	e = load_error("rule \"a\" if ip in 10.0.0.0/33 then add 1");
	assert_string_equal(e, "t.rules:1: bad CIDR '10.0.0.0/33': prefix length is not 0..32");
	g_free(e);
	e = load_error("\n\nrule \"a\" if ip in [10.0.0.0/8, 300.1.1.1] then add 1");
	assert_string_equal(e, "t.rules:3: bad CIDR '300.1.1.1': not an IP address");
	g_free(e);
	e = load_error("rule \"a\" if ip in 10.1.0.0/8 then add 1");
	assert_non_null(strstr(e, "t.rules:1: bad CIDR '10.1.0.0/8': host bits are set"));
	g_free(e);
	e = load_error("rule \"a\" if ip in fe80::/129 then add 1");
	assert_string_equal(e, "t.rules:1: bad CIDR 'fe80::/129': prefix length is not 0..128");
	g_free(e);
}

static void
test_error_unterminated_string(void **state)
{
	char *e = load_error("rule \"a\"\n  if x == \"abc\n  then add 1\n"
			     "rule \"b\" if y then add 1\n");

	assert_string_equal(e, "t.rules:2: unterminated string");   /* reported once */
	g_free(e);
}

static void
test_error_missing_then(void **state)
{
	char *e = load_error("rule \"a\"\n  if x == \"y\"\n  add 5\n");

	assert_string_equal(e, "t.rules:3: expected 'then' (or 'and', 'or'), got 'add'");
	g_free(e);
	e = load_error("rule \"a\" add 5");
	assert_string_equal(e, "t.rules:1: expected 'if' or 'then', got 'add'");
	g_free(e);
}

static void
test_error_every_one_reported(void **state)
{
	char *e = load_error("rule \"a\" if x =~ \"[\" then add 1\n"
			     "rule \"ok\" if x then add 1\n"
			     "rule \"b\" if x then frobnicate\n"
			     "rule \"ok\" if y then add 1\n"                 /* duplicate */
			     "rule \"c\" if x then add 5000\n"
			     "rule \"d\" if x then priority P5\n"
			     "rule \"e\" if x == then add 1\n"
			     "rule \"f\" if score == \"5\" then add 1\n"
			     "rule \"g\" if (x then add 1\n"
			     "rule \"h\" if x in 5..1 then add 1\n"
			     "rule \"i\" if x in [\"a\", 1] then add 1\n"
			     "rule \"j\" if x then add 1 tag y\n"
			     "add 1\n");
	gchar **lines = g_strsplit(e, "\n", -1);
	static const char *const want[] = {
		"t.rules:1: bad regex",
		"t.rules:3: unknown action 'frobnicate'",
		"t.rules:4: duplicate rule name \"ok\" (first at line 2)",
		"t.rules:5: expected points after 'add'",
		"t.rules:6: expected P1, P2, P3 or P4",
		"t.rules:7: expected a quoted string or a number after '==', got 'then'",
		"t.rules:8: 'score' is a number",
		"t.rules:9: expected ')', got 'then'",
		"t.rules:10: bad range '5..1'",
		"t.rules:11: a list holds one kind of value",
		"t.rules:12: expected ',' and another action, or the next 'rule', got 'tag'",
	};
	gsize i;

	assert_int_equal(g_strv_length(lines), G_N_ELEMENTS(want));
	for (i = 0; i < G_N_ELEMENTS(want); i++)
		if (!g_str_has_prefix(lines[i], want[i]))
			fail_msg("line %zu: got \"%s\", want \"%s...\"", i, lines[i], want[i]);
	g_strfreev(lines);
	g_free(e);
}

static void
test_error_misc(void **state)
{
	char *e;
	GError *error = NULL;

	e = load_error("add 1\n");
	assert_string_equal(e, "t.rules:1: expected 'rule', got 'add'");
	g_free(e);
	e = load_error("rule \"a\" if x @ y then add 1");
	assert_string_equal(e, "t.rules:1: unexpected character '@'");
	g_free(e);
	e = load_error("rule \"a\" if x then\n");
	assert_string_equal(e, "t.rules:1: expected an action after 'then', got end of file");
	g_free(e);
	e = load_error("rule \"a\" if and then add 1");
	assert_string_equal(e, "t.rules:1: expected a condition, got 'and'");
	g_free(e);
	e = load_error("rule \"a\" if x then add 1\nrule \"\xff\" then add 1\n");
	assert_string_equal(e, "t.rules:2: invalid UTF-8");
	g_free(e);

	assert_null(kenchi_scoring_load("/nonexistent/scoring.rules", &error));
	assert_true(error->domain == G_FILE_ERROR);
	assert_true(g_str_has_prefix(error->message, "/nonexistent/scoring.rules: "));
	g_error_free(error);
}

/* kenchi's own loader knows its fields (rs1 F3): a misspelt field, or a
 * test its field can never pass, is an error with file:line, not a rule
 * that silently never fires. */
static void
test_error_unknown_fields(void **state)
{
	GError *error = NULL;
	kenchi_scoring_t *sc;
	char *e;

	e = parse_error(kenchi_scoring_parse, "rule \"a\" if hots >= 1 then add 1\n"
			 "rule \"b\"\n  if file.sha256 == \"x\" then add 1\n"
			 "rule \"c\" if File.Disposition == \"Malicious\" then add 1\n"
			 "rule \"d\" if detection in 10.0.0.0/8 then add 1\n"
			 "rule \"e\" if severity > 3 or exists nosuch then add 1\n"
			 "rule \"f\" if computer.hostname in [1, 2] then add 1\n");
	assert_string_equal(e,
	    "t.rules:1: unknown field 'hots' (did you mean 'hosts'?)\n"
	    "t.rules:3: unknown field 'file.sha256' (did you mean 'file.identity.sha256'?)\n"
	    "t.rules:4: unknown field 'File.Disposition': field names are case-sensitive ('file.disposition')\n"
	    "t.rules:5: 'detection' never holds an IP address: a network test on it never matches\n"
	    "t.rules:6: 'severity' never holds a number: a number test on it never matches (quote the value to compare text)\n"
	    "t.rules:7: 'computer.hostname' never holds a number: a number test on it never matches (quote the value to compare text)");
	g_free(e);
	/* what can match loads: text tests on any field, the aliases, numbers
	 * quoted, addresses in networks */
	sc = kenchi_scoring_parse("t.rules",
	    "rule a if count == \"1\" and hour_jst =~ \"^1\" and sha256 == \"x\" and hostname =~ \"x\" then add 1\n"
	    "rule b if network_info.remote_ip in 10.0.0.0/8 and computer.network_addresses[0].ip in [::1]"
	    " and network_info.remote_port in 1..1024 and event_type_id in [1, 2] and blocklisted"
	    " and exists file.parent.identity.sha256 and score > 3 then add 1\n", &error);
	if (sc == NULL)
		fail_msg("%s", error->message);
	kenchi_scoring_free(sc);
}

static void
test_load_file_errors_name_the_path(void **state)
{
	char *dir = g_dir_make_tmp("kenchi-scoring-XXXXXX", NULL);
	char *path = g_build_filename(dir, "bad.rules", NULL);
	GError *error = NULL;
	char *want;

	assert_true(g_file_set_contents(path, "# x\nrule \"a\" if severity then boom\n", -1, NULL));
	assert_null(kenchi_scoring_load(path, &error));
	want = g_strdup_printf("%s:2: unknown action 'boom'", path);
	assert_true(g_str_has_prefix(error->message, want));
	g_error_free(error);
	g_free(want);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

/* ------------------------------------------------------------ default rules */

static kenchi_scoring_t *
load_default(void)
{
	char *path = default_rules_path();
	GError *error = NULL;
	kenchi_scoring_t *sc = kenchi_scoring_load(path, &error);

	if (sc == NULL)
		fail_msg("cannot load %s: %s", path, error->message);
	g_free(path);
	return sc;
}

static void
test_default_executed_malware_on_server_is_p1(void **state)
{
	kenchi_scoring_t *sc = load_default();
	GHashTable *f = kv("event_type", "Executed malware", "severity", "High",
			   "computer.hostname", "WEB-FRONT1", "host_is_server", "true",
			   "customer", "acme", "count", "1", "hosts", "1",
			   "quarantine", "none", "hour_jst", "14", "weekday_jst", "3", NULL);
	kenchi_score_result_t r;

	kenchi_score_result_init(&r);
	assert_int_equal(kenchi_scoring_eval(sc, m, get_kv, f, &r), KENCHI_OK);
	assert_string_equal(r.priority, "P1");
	assert_true(r.score >= 80);
	assert_int_equal(reason_points(&r, "severity high"), 30);
	assert_int_equal(reason_points(&r, "executed malware"), 40);
	assert_int_equal(reason_points(&r, "server"), 15);
	assert_true(has_tag(&r, "executed"));
	assert_true(has_tag(&r, "server"));
	assert_false(r.suppress);
	kenchi_score_result_clear(&r);
	g_hash_table_unref(f);
	kenchi_scoring_free(sc);
}

static void
test_default_quarantined_low_is_p4(void **state)
{
	kenchi_scoring_t *sc = load_default();
	GHashTable *f = kv("event_type", "Threat Quarantined", "severity", "Low",
			   "file.disposition", "Malicious", "computer.hostname", "PC-0042",
			   "count", "1", "hosts", "1", "quarantine", "quarantined",
			   "hour_jst", "10", "weekday_jst", "2", NULL);
	kenchi_score_result_t r;

	kenchi_score_result_init(&r);
	assert_int_equal(kenchi_scoring_eval(sc, m, get_kv, f, &r), KENCHI_OK);
	assert_string_equal(r.priority, "P4");
	assert_true(r.score < 35);
	assert_true(reason_points(&r, "quarantined") < 0);
	assert_true(has_tag(&r, "quarantined"));
	kenchi_score_result_clear(&r);
	g_hash_table_unref(f);
	kenchi_scoring_free(sc);
}

static void
test_default_other_cases(void **state)
{
	kenchi_scoring_t *sc = load_default();
	GHashTable *ransom = kv("event_type", "Potential Ransomware", "severity", "Medium", NULL);
	GHashTable *allow = kv("event_type", "Threat Detected", "severity", "Medium",
			       "allowlisted", "true", NULL);
	GHashTable *block = kv("event_type", "Threat Detected", "severity", "Medium",
			       "blocklisted", "true", NULL);
	GHashTable *outbreak = kv("event_type", "Threat Detected", "severity", "High",
				  "hosts", "12", "count", "9", "file.disposition", "Malicious", NULL);
	GHashTable *dfc = kv("event_type", "DFC Threat Detected", "severity", "Medium",
			     "network_info.remote_ip", "203.0.113.9", "hour_jst", "3", NULL);
	GHashTable *dfc_in = kv("event_type", "DFC Threat Detected", "severity", "Medium",
				"network_info.remote_ip", "10.9.8.7", NULL);
	GHashTable *uninstall = kv("event_type", "Uninstall", NULL);
	kenchi_score_result_t r;

	kenchi_score_result_init(&r);
	kenchi_scoring_eval(sc, m, get_kv, ransom, &r);
	assert_string_equal(r.priority, "P1");
	assert_true(r.priority_explicit);
	kenchi_scoring_eval(sc, m, get_kv, allow, &r);
	assert_true(r.suppress);
	assert_false(r.escalate);
	kenchi_scoring_eval(sc, m, get_kv, block, &r);
	assert_true(r.escalate);
	assert_int_equal(reason_points(&r, "blocklisted"), 30);
	kenchi_scoring_eval(sc, m, get_kv, outbreak, &r);
	assert_true(has_tag(&r, "outbreak"));
	assert_true(has_tag(&r, "repeat"));
	assert_string_equal(r.priority, "P2");                    /* 30 + 10 + 20 + 5 */
	kenchi_scoring_eval(sc, m, get_kv, dfc, &r);
	assert_true(has_tag(&r, "outbound"));
	assert_true(has_tag(&r, "off-hours"));
	kenchi_scoring_eval(sc, m, get_kv, dfc_in, &r);
	assert_false(has_tag(&r, "outbound"));
	kenchi_scoring_eval(sc, m, get_kv, uninstall, &r);
	assert_string_equal(r.priority, "P2");
	kenchi_score_result_clear(&r);
	g_hash_table_unref(ransom);
	g_hash_table_unref(allow);
	g_hash_table_unref(block);
	g_hash_table_unref(outbreak);
	g_hash_table_unref(dfc);
	g_hash_table_unref(dfc_in);
	g_hash_table_unref(uninstall);
	kenchi_scoring_free(sc);
}

/* ------------------------------------------------------------ speed */

/* A host pattern (servers = ..., allow host ...) and a hostname with or
 * without its domain (round 43a F7). */
static void
test_host_matches(void **state)
{
	(void)state;
	assert_true(kenchi_host_matches("PC-LAB-01", "pc-lab-01"));
	assert_true(kenchi_host_matches("PC-LAB-01", "PC-LAB-01.acme.local"));
	/* A pattern with a domain matches that domain only (round 47). */
	assert_false(kenchi_host_matches("pc-lab-01.acme.local", "PC-LAB-01"));
	assert_false(kenchi_host_matches("*.lab.local", "PC-9"));
	assert_false(kenchi_host_matches("PC-*.lab.local", "pc-9"));
	assert_true(kenchi_host_matches("*.lab.local", "pc-9.lab.local"));
	assert_true(kenchi_host_matches("PC-Q.acme.local", "pc-q.acme.local."));
	assert_true(kenchi_host_matches("pc-q.acme.local.", "PC-Q.acme.local"));
	assert_true(kenchi_host_same("PC-D", "pc-d.a.local."));
	assert_true(kenchi_host_same("pc-d.a.local", "PC-D"));
	assert_false(kenchi_host_same("*", "pc-d"));
	assert_false(kenchi_host_same("pc-d.a.local", "pc-d.b.local"));
	assert_true(kenchi_host_domain_of("PC-D", "pc-d.a.local."));
	assert_false(kenchi_host_domain_of("PC-D", "pc-dd.a.local"));
	assert_false(kenchi_host_domain_of("pc-d.a.local", "pc-d.b.local"));
	assert_true(kenchi_host_matches("SV-*", "sv-db1.acme.local"));
	assert_true(kenchi_host_matches("SV-DB?", "sv-db1.acme.local"));
	assert_false(kenchi_host_matches("PC-LAB-01.acme.local", "pc-lab-01.globex.local"));
	assert_false(kenchi_host_matches("PC-LAB-01", "pc-lab-010.acme.local"));
	assert_false(kenchi_host_matches("PC-LAB", "pc-lab-01"));
	/* An address is no name with a domain. */
	assert_false(kenchi_host_matches("10", "10.0.0.5"));
	assert_false(kenchi_host_matches("10.0.0.5", "10"));
}

static void
test_speed(void **state)
{
	kenchi_scoring_t *sc = load_default();
	GHashTable *f = kv("event_type", "Executed malware", "severity", "High",
			   "computer.hostname", "PC-0042", "file.disposition", "Malicious",
			   "customer", "acme", "count", "3", "hosts", "1", "quarantine", "none",
			   "hour_jst", "14", "weekday_jst", "3", "detection", "W32.GenericKD:ZVETJ.18gs.1201",
			   "network_info.remote_ip", "203.0.113.9", NULL);
	kenchi_score_result_t r;
	const int n = 200000;
	gint64 t0, t1;
	double secs;
	int i;

	kenchi_score_result_init(&r);
	t0 = g_get_monotonic_time();
	for (i = 0; i < n; i++)
		kenchi_scoring_eval(sc, m, get_kv, f, &r);
	t1 = g_get_monotonic_time();
	secs = (double)(t1 - t0) / 1e6;
	printf("# speed: %d cases x %u default rules in %.3f s: %.0f cases/s, %.0f rule evaluations/s\n",
	       n, kenchi_scoring_rule_count(sc), secs, n / secs,
	       (double)n * kenchi_scoring_rule_count(sc) / secs);
	assert_string_equal(r.priority, "P1");                    /* 30 + 40 + 10 */
	kenchi_score_result_clear(&r);
	g_hash_table_unref(f);
	kenchi_scoring_free(sc);
}

/* ------------------------------------------------------------ main */

static int
group_setup(void **state)
{
	m = kenchi_re_match_new();
	return 0;
}

static int
group_teardown(void **state)
{
	kenchi_re_match_free(m);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_equality),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_regex_limit_is_false_both_ways),
		cmocka_unit_test(test_string_lists),
		cmocka_unit_test(test_number_lists_and_ranges),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_numeric_comparisons),
		cmocka_unit_test(test_exists_and_truthy),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_unconditional_rule),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_running_score_in_conditions),
		cmocka_unit_test(test_clamping),
		cmocka_unit_test(test_priority_derivation),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_result_reuse_and_bad_args),
		cmocka_unit_test(test_layout_is_free),
		cmocka_unit_test(test_getter_contract),
		cmocka_unit_test(test_error_bad_regex),
		cmocka_unit_test(test_error_unknown_action),
		cmocka_unit_test(test_error_bad_cidr),
		cmocka_unit_test(test_error_unterminated_string),
		cmocka_unit_test(test_error_missing_then),
		cmocka_unit_test(test_error_every_one_reported),
		cmocka_unit_test(test_error_misc),
		cmocka_unit_test(test_load_file_errors_name_the_path),
		cmocka_unit_test(test_error_unknown_fields),
		cmocka_unit_test(test_default_executed_malware_on_server_is_p1),
		cmocka_unit_test(test_default_quarantined_low_is_p4),
		cmocka_unit_test(test_default_other_cases),
		cmocka_unit_test(test_host_matches),
		cmocka_unit_test(test_speed),
	};

	return cmocka_run_group_tests_name("scoring", tests, group_setup, group_teardown);
}
