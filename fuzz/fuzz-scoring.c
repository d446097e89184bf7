/* fuzz-scoring.c: the scoring-rules compiler, kenchi_scoring_parse(), and
 * the evaluator on what compiles.
 *
 * The getter answers from fixed tables, as correlate.c does for a real
 * case, and is run twice: once with every field present (numbers, IPv4 and
 * IPv6 addresses, Japanese text, booleans) and once with none, so that both
 * sides of each test run.  Fields the tables do not name get a value picked
 * by a hash of the name, so that made-up field names still reach the
 * number, network and regex comparisons.  The result is checked against
 * scoring.h's promises (score in range, P1..P4). */
#include "fuzz-common.h"
#include "case/scoring.h"

static const char *const fields[][2] = {
	{ "event_type", "Threat Quarantined" },
	{ "event_type_id", "553648143" },
	{ "severity", "High" },
	{ "detection", "W32.Trojan.Fuzz" },
	{ "file.disposition", "Malicious" },
	{ "file.file_name", "invoice.pdf.exe" },
	{ "file.file_path", "C:\\Users\\taro\\Downloads\\invoice.pdf.exe" },
	{ "file.identity.sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "computer.hostname", "SV-FILE01.acme.local" },
	{ "computer.network_addresses[0].ip", "10.1.2.3" },
	{ "cloud_ioc.short_description", "W32.PowershellDownloader" },
	{ "network_info.remote_ip", "2001:db8::1" },
	{ "network_info.dirty_url", "http://evil.example/x?a=b" },
	{ "group", "アクメ 本社" },
	{ "customer", "acme" },
	{ "count", "3" },
	{ "hosts", "2" },
	{ "quarantine", "failed" },
	{ "hour_jst", "23" },
	{ "weekday_jst", "7" },
	{ "host_is_server", "true" },
	{ "allowlisted", "true" },
	{ "blocklisted", "no" },
};

static const char *const other[] = {
	"0", "-1", "42", "9223372036854775807", "1e3", "true", "false", "no",
	"192.168.0.1", "::ffff:10.0.0.1", "fe80::1%eth0", "", "日本語", "x\ny",
};

static const char *
get_full(const char *field, gpointer user)
{
	guint h;

	(*(int *)user)++;
	for (guint i = 0; i < G_N_ELEMENTS(fields); i++)
		if (strcmp(field, fields[i][0]) == 0)
			return fields[i][1];
	h = g_str_hash(field);
	return other[h % G_N_ELEMENTS(other)];
}

static const char *
get_none(const char *field, gpointer user)
{
	(*(int *)user)++;
	return NULL;
}

static void
check(const kenchi_score_result_t *r)
{
	if (r->score < KENCHI_SCORE_MIN || r->score > KENCHI_SCORE_MAX)
		abort();
	if (r->priority[0] != 'P' || r->priority[1] < '1' || r->priority[1] > '4' || r->priority[2] != '\0')
		abort();
	for (guint i = 0; i < r->tags->len; i++)
		fuzz_touch(g_ptr_array_index(r->tags, i));
	for (guint i = 0; i < r->reasons->len; i++)
		fuzz_touch(g_array_index(r->reasons, kenchi_score_reason_t, i).rule);
}

static kenchi_re_match_t *match;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	match = kenchi_re_match_new();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = g_strndup((const char *)data, size);
	GError *err = NULL;
	kenchi_scoring_t *sc = kenchi_scoring_parse("fuzz.rules", text, &err);
	kenchi_score_result_t r;
	int calls = 0;

	/* The field check too, then the untyped compile, whose made-up
	 * fields reach more of the evaluator. */
	kenchi_scoring_free(sc);
	if (err)
		fuzz_touch(err->message);
	g_clear_error(&err);
	sc = kenchi_scoring_parse_untyped("fuzz.rules", text, &err);
	g_free(text);
	if (sc == NULL) {
		if (err == NULL)
			abort();
		fuzz_touch(err->message);
		g_error_free(err);
		return 0;
	}
	(void)kenchi_scoring_rule_count(sc);
	kenchi_score_result_init(&r);
	if (kenchi_scoring_eval(sc, match, get_full, &calls, &r) != KENCHI_OK)
		abort();
	check(&r);
	/* The same result reused, as scoring.h allows. */
	if (kenchi_scoring_eval(sc, match, get_none, &calls, &r) != KENCHI_OK)
		abort();
	check(&r);
	kenchi_score_result_clear(&r);
	kenchi_scoring_free(sc);
	return 0;
}
