/* fuzz-template.c: the template compiler and renderer (kenchi_template_new,
 * kenchi_template_render), the report-template layout
 * (kenchi_report_template_new and _render) and the explanations parser, all
 * on the input as template text.
 *
 * The first byte picks the escaping mode; the rest is the text.  Rendering
 * is against a fixed context shaped like report.c's (customer, soc, case,
 * events with nested arrays) and holding every JSON type and the values an
 * attacker would choose (CR/LF, controls, HTML, dates, URLs), then against
 * no context at all.  Header-mode output is checked for line breaks, the
 * one promise whose breach is a mail-header injection. */
#include "fuzz-common.h"
#include "report/template.h"

static const char context_json[] =
	"{\"customer\": {\"id\": \"acme\", \"name\": \"アクメ株式会社\"},"
	" \"soc\": {\"name\": \"Fuzz SOC\", \"from\": \"soc@soc.example.jp\", \"signature\": \"SOC\\nTokyo\"},"
	" \"case\": {\"id\": 41, \"priority\": \"P1\", \"score\": 87, \"events\": 2, \"state\": \"open\","
	"   \"quarantine\": \"failed\", \"hostname\": \"SV-01\\r\\nBcc: x@evil\", \"token\": \"abc\","
	"   \"first_seen\": \"2024-03-01T01:02:03Z\", \"quarantined\": false, \"quarantine_failed\": true,"
	"   \"verdict_level\": \"high\", \"ratio\": 0.25, \"big\": 9223372036854775807, \"neg\": -1, \"nothing\": null},"
	" \"event\": {\"event_type\": \"Threat Detected\", \"date\": \"2024-03-01T10:00:00+09:00\","
	"   \"computer\": {\"hostname\": \"PC-<b>01</b>\", \"network_addresses\": [{\"ip\": \"10.0.0.1\"}, {\"ip\": \"fe80::1\"}]},"
	"   \"file\": {\"file_name\": \"a\\u0007b\\u001b[31m.exe\", \"file_path\": \"C:\\\\Users\\\\x\\\\a.exe\","
	"     \"identity\": {\"sha256\": \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"},"
	"     \"parent\": {\"file_name\": \"explorer.exe\", \"identity\": {\"sha256\": \"00\"}}},"
	"   \"network_info\": {\"remote_ip\": \"203.0.113.9\", \"dirty_url\": \"http://evil.example/a\\tb\\nc\"},"
	"   \"trajectory\": \"\\u2028line\\u2029sep\\u0085\"},"
	" \"events\": ["
	"   {\"event_type\": \"Threat Quarantined\", \"date\": 1700000000, \"detection\": \"W32.X\","
	"    \"computer\": {\"hostname\": \"h1\", \"user\": \"taro\", \"network_addresses\": []}},"
	"   {\"event_type\": \"\", \"date\": \"not a date\", \"detection\": \"\", \"cloud_ioc\": {\"short_description\": \"IOC\"}},"
	"   {\"event_type\": \"Executed malware\", \"date\": \"2024-02-29T23:59:59\"}],"
	" \"cases\": [{\"id\": 1}, {\"id\": 2}],"
	" \"hosts\": [\"h1\", \"h2\", \"h3\"], \"more_hosts\": 2, \"urls\": [\"https://a.example/\", \"hxxp://b\"],"
	" \"lines\": [\"one\", \"two\\r\\nthree\"], \"help\": true, \"applied\": 0, \"interval\": \"\","
	" \"explanation\": \"Because.\", \"nested\": [[1, [2, [3]]], {\"a\": {\"b\": {\"c\": \"deep\"}}}]}";

static JsonNode *context;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	JsonParser *p = json_parser_new();
	GError *err = NULL;

	fuzz_setup();
	if (!json_parser_load_from_data(p, context_json, -1, &err))
		fuzz_die("context JSON", err);
	context = json_node_copy(json_parser_get_root(p));
	g_object_unref(p);
	return 0;
}

static void
check_header(const char *s)
{
	if (strpbrk(s, "\r\n") != NULL)
		abort();   /* template.h: a header value can never start a new line */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const kenchi_escape_t modes[] = {
		KENCHI_ESC_TEXT, KENCHI_ESC_HEADER, KENCHI_ESC_HTML,
		KENCHI_ESC_TEXT | KENCHI_ESC_KEEP_NEWLINES,
	};
	kenchi_escape_t esc;
	kenchi_template_t *t;
	kenchi_report_template_t *rt;
	GHashTable *ex;
	GError *err = NULL;
	char *text, *s, *subject = NULL, *body = NULL;

	if (size < 1)
		return 0;
	esc = modes[data[0] % G_N_ELEMENTS(modes)];
	text = g_strndup((const char *)data + 1, size - 1);

	t = kenchi_template_new("fuzz", text, esc, &err);
	if (t) {
		s = kenchi_template_render(t, context);
		/* Only the tags' values are escaped, not the template text: the
		 * header check needs a template without line breaks of its own. */
		if (esc == KENCHI_ESC_HEADER && strpbrk(text, "\r\n") == NULL)
			check_header(s);
		g_free(s);
		s = kenchi_template_render(t, NULL);
		g_free(s);
		kenchi_template_free(t);
	} else {
		if (err == NULL)
			abort();
		g_clear_error(&err);
	}

	rt = kenchi_report_template_new("fuzz-report", text, &err);
	if (rt) {
		kenchi_report_template_render(rt, context, &subject, &body);
		if (subject == NULL || body == NULL)
			abort();
		fuzz_touch(body);
		g_free(subject);
		g_free(body);
		kenchi_report_template_render(rt, NULL, &subject, NULL);
		g_free(subject);
		kenchi_report_template_free(rt);
	} else {
		if (err == NULL)
			abort();
		g_clear_error(&err);
	}

	ex = kenchi_explanations_parse("fuzz-explanations", text, &err);
	if (ex) {
		fuzz_touch(kenchi_explanation_lookup(ex, "Threat Detected"));
		fuzz_touch(kenchi_explanation_lookup(ex, "THREAT QUARANTINED"));
		g_hash_table_unref(ex);
	} else {
		g_clear_error(&err);
	}
	g_free(text);
	return 0;
}
