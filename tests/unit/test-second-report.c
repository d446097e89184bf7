/*
 * test-second-report.c - unit tests for the templates second-report.ja,
 * second-report.en, transcript.en and customer-reply-notice.en, rendered
 * with src/report/template*.c.
 *
 * Environment: KENCHI_TEMPLATEDIR (default "templates") locates the files.
 * Run with CMOCKA_MESSAGE_OUTPUT=TAP for TAP output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "report/template.h"

/* ------------------------------------------------------------ samples */

/* Case (a) of soc-service.md: a downloader found by a Cloud IOC; the PC kept
 * calling out, the dropper was not quarantined; the same file on 2 hosts. */
static const char full_context[] =
	"{\"customer\":{\"id\":\"acme\",\"name\":\"株式会社サンプル商事\"},"
	" \"soc\":{\"name\":\"サンプルSOC\",\"signature\":\"SOCチーム\\n東京都千代田区1-1-1\","
	"          \"from\":\"soc@soc.example.jp\"},"
	" \"case\":{\"id\":41,\"priority\":\"P2\",\"score\":70,\"events\":3,\"hosts\":2,"
	"          \"state\":\"open\",\"quarantine\":\"failed\","
	"          \"quarantined\":false,\"quarantine_failed\":true,"
	"          \"first_seen\":\"2026-11-25T07:12:31Z\",\"last_seen\":\"2026-11-25T07:40:10Z\","
	"          \"first_report_due\":\"2026-11-25T08:12:31Z\","
	"          \"second_report_due\":\"2026-11-26T09:00:00Z\","
	"          \"verdict\":\"malicious\",\"verdict_ja\":\"悪性\","
	"          \"verdict_level\":\"medium\",\"verdict_level_ja\":\"中\","
	"          \"state_text\":\"一部検疫済み\\n(親プロセスの dropper.exe は検疫されていません)\","
	"          \"reason\":\"Cloud IOC W32.PowershellEncodedBuffer.ioc による振る舞い検知\","
	"          \"summary\":\"外部から追加の検体をダウンロードするダウンローダです。\\n"
	"DNSレイヤのログから、検知後も通信先への名前解決が続いていることを確認しました。\","
	"          \"action\":\"以下のファイルを削除し、フルスキャンを実施してください。\\n"
	"C:\\\\Users\\\\yamada\\\\AppData\\\\Roaming\\\\dropper.exe\","
	"          \"prevention\":\"ダウンロード元のURL (http://dl.bad-example.net/) および\n"
	"IPアドレス (203.0.113.77) をブロックリストに登録しました。\"},"
	" \"event\":{\"event_type\":\"Cloud IOC\",\"date\":\"2026-11-25T07:12:31+00:00\","
	"           \"severity\":\"Medium\","
	"           \"computer\":{\"hostname\":\"PC-TK-0231\",\"user\":\"yamada@PC-TK-0231\","
	"                         \"network_addresses\":[{\"ip\":\"192.168.10.31\"},{\"ip\":\"10.0.0.31\"}],"
	"                         \"links\":{\"trajectory\":"
	"\"https://console.amp.cisco.com/computers/be298a4a/trajectory\"}},"
	"           \"file\":{\"file_name\":\"update_checker.exe\","
	"                     \"file_path\":\"C:\\\\Users\\\\yamada\\\\AppData\\\\Roaming\\\\update_checker.exe\","
	"                     \"identity\":{\"sha256\":"
	"\"d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311\"},"
	"                     \"parent\":{\"file_name\":\"powershell.exe\",\"identity\":{\"sha256\":"
	"\"408629681842c1e6e110fd7a201f22d9bbe2a3e09d43f1b298e81693550cce40\"}}},"
	"           \"cloud_ioc\":{\"short_description\":\"W32.PowershellEncodedBuffer.ioc\","
	"                          \"description\":\"PowerShell was launched with a base64 encoded command.\"},"
	"           \"network_info\":{\"remote_ip\":\"203.0.113.77\","
	"                             \"dirty_url\":\"http://dl.bad-example.net/payload.bin\"}},"
	" \"events\":[],"
	" \"cases\":[{\"id\":41,\"hostname\":\"PC-TK-0231\",\"first_seen\":\"2026-11-25T07:12:31Z\","
	"             \"last_seen\":\"2026-11-25T07:40:10Z\"},"
	"            {\"id\":42,\"hostname\":\"PC-TK-0444\",\"first_seen\":\"2026-11-25T07:30:00Z\","
	"             \"last_seen\":\"2026-11-25T07:30:00Z\"}],"
	" \"hosts\":[\"PC-TK-0231\",\"PC-TK-0444\"],\"more_hosts\":1,"
	" \"detections\":[\"W32.DFC.MalParent\",\"W32.Downloader.Agent\"],"
	" \"ioc_names\":[\"W32.PowershellEncodedBuffer.ioc\"],"
	" \"urls\":[\"http://dl.bad-example.net/payload.bin\"],"
	" \"remote_ips\":[\"203.0.113.77\"],"
	" \"interval\":true}";

/* Almost nothing known: every absent value must read 記載なし / not given. */
static const char minimal_context[] =
	"{\"customer\":{\"id\":\"min\",\"name\":\"最小株式会社\"},"
	" \"soc\":{\"name\":\"サンプルSOC\",\"signature\":\"SOCチーム\"},"
	" \"case\":{\"id\":7},"
	" \"event\":{\"event_type\":\"Threat Detected\",\"computer\":{\"hostname\":\"PC-1\"}}}";

/* ------------------------------------------------------------ helpers */

static JsonNode *
json(const char *text)
{
	JsonNode *n;
	GError *error = NULL;

	n = json_from_string(text, &error);
	if (n == NULL)
		fail_msg("bad test JSON: %s", error->message);
	return n;
}

static kenchi_report_template_t *
load_report(const char *file)
{
	GError *error = NULL;
	const char *dir = g_getenv("KENCHI_TEMPLATEDIR");
	char *path = g_build_filename(dir ? dir : "templates", file, NULL);
	kenchi_report_template_t *rt = kenchi_report_template_load_file(path, &error);

	if (rt == NULL)
		fail_msg("%s", error->message);
	g_free(path);
	return rt;
}

/* Render FILE with the JSON text DATA. */
static void
render_file(const char *file, const char *data, char **subject, char **body)
{
	kenchi_report_template_t *rt = load_report(file);
	JsonNode *n = json(data);

	kenchi_report_template_render(rt, n, subject, body);
	json_node_unref(n);
	kenchi_report_template_free(rt);
}

/* Render FILE with DATA after replacing the member KEY of the object at
 * PARENT ("" for the root, "case" ...) with the JSON value VALUE (NULL:
 * remove it). */
static void
render_patched(const char *file, const char *data, const char *parent, const char *key,
               const char *value, char **subject, char **body)
{
	kenchi_report_template_t *rt = load_report(file);
	JsonNode *n = json(data);
	JsonObject *o = json_node_get_object(n);

	if (*parent != '\0')
		o = json_object_get_object_member(o, parent);
	if (value == NULL)
		json_object_remove_member(o, key);
	else
		json_object_set_member(o, key, json(value));
	kenchi_report_template_render(rt, n, subject, body);
	json_node_unref(n);
	kenchi_report_template_free(rt);
}

#define assert_contains(hay, needle)                                                   \
	do {                                                                               \
		if (strstr((hay), (needle)) == NULL)                                           \
			fail_msg("expected to find\n%s\n--- in ---\n%s", (needle), (hay));        \
	} while (0)

#define assert_not_contains(hay, needle)                                               \
	do {                                                                               \
		if (strstr((hay), (needle)) != NULL)                                           \
			fail_msg("did not expect\n%s\n--- in ---\n%s", (needle), (hay));           \
	} while (0)

/* Each of the N strings occurs in BODY, in this order. */
static void
assert_in_order(const char *body, const char *const *needles, gsize n)
{
	const char *p = body;

	for (gsize i = 0; i < n; i++) {
		const char *q = strstr(p, needles[i]);

		if (q == NULL)
			fail_msg("'%s' missing or out of order in\n%s", needles[i], body);
		p = q + strlen(needles[i]);
	}
}

/* Nothing of the template syntax leaks into the output. */
static void
assert_clean(const char *subject, const char *body)
{
	assert_not_contains(subject, "{{");
	assert_not_contains(body, "{{");
	assert_not_contains(body, "}}");
	assert_null(strchr(subject, '\n'));
	assert_null(strchr(subject, '\r'));
}

static const char *const sections_ja[] = {
	"\n1. 検知PC情報\n", "\n2. 検知時間\n", "\n3. 検体情報\n", "\n4. 影響範囲\n", "\n5. 判定\n",
	"\n6. 状態\n", "\n7. 検知理由\n", "\n8. 検体概要\n", "\n9. お客様へのお願い事項 / 対応\n",
	"\n10. 再発防止策\n",
};

static const char *const sections_en[] = {
	"\n1. Detected computer\n", "\n2. Time of detection\n", "\n3. Sample\n", "\n4. Scope\n",
	"\n5. Verdict\n", "\n6. State\n", "\n7. Reason for the detection\n", "\n8. About the sample\n",
	"\n9. What we ask you to do\n", "\n10. Prevention\n",
};

/* -------------------------------------------------------------- tests */

static void
test_all_templates_load(void **state)
{
	static const char *files[] = { "second-report.ja", "second-report.en", "transcript.en",
		                           "customer-reply-notice.en" };

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(files); i++)
		kenchi_report_template_free(load_report(files[i]));
}

static void
test_second_report_ja_full(void **state)
{
	char *subject, *body;

	(void)state;
	render_file("second-report.ja", full_context, &subject, &body);
	assert_clean(subject, body);
	assert_string_equal(subject,
	                    "[kenchi #41] 【二次報告】Cloud IOC (PC-TK-0231 他1台) 判定: 悪性(中)");
	assert_true(g_str_has_prefix(body, "株式会社サンプル商事 御中\n\n"));
	assert_contains(body, "平素はサンプルSOCの監視サービスをご利用いただきありがとうございます。\n"
	                      "先日ご報告いたしました検知イベントにつきまして、分析が完了いたしました"
	                      "ので下記のとおりご報告いたします。\n");
	assert_in_order(body, sections_ja, G_N_ELEMENTS(sections_ja));

	/* 1. 検知PC情報 */
	assert_contains(body, "\n1. 検知PC情報\n  PC名 : PC-TK-0231\n"
	                      "  検知時の内部IP : 192.168.10.31, 10.0.0.31\n"
	                      "  ユーザ名 : yamada@PC-TK-0231\n"
	                      "  検出名 : W32.DFC.MalParent, W32.Downloader.Agent\n"
	                      "  Cloud IOC名 : W32.PowershellEncodedBuffer.ioc\n"
	                      "  重要度 : Medium\n"
	                      "  優先度 : P2\n");
	assert_contains(body, "このほか1台の端末でも同一のファイルを確認しております");
	/* 2. 検知時間: the interval, in JST, and per host */
	assert_contains(body, "\n2. 検知時間\n  2026-11-25 16:12:31 ～ 2026-11-25 16:40:10 (JST)\n");
	assert_contains(body, "  - PC-TK-0444 : 2026-11-25 16:30:00 ～ 2026-11-25 16:30:00\n");
	/* 3. 検体情報, defanged */
	assert_contains(body, "  ファイル名 : update_checker.exe\n"
	                      "  フォルダパス : c[:]\\Users\\yamada\\AppData\\Roaming\\update_checker.exe\n"
	                      "  SHA-256 : d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311\n"
	                      "  親ファイル : powershell.exe (SHA-256: "
	                      "408629681842c1e6e110fd7a201f22d9bbe2a3e09d43f1b298e81693550cce40)\n"
	                      "  ファイルトラジェクトリ : "
	                      "hxxps[:]//console[.]amp[.]cisco[.]com/computers/be298a4a/trajectory\n"
	                      "  外部通信\n"
	                      "    URL : hxxp[:]//dl[.]bad-example[.]net/payload.bin\n"
	                      "    IPアドレス : 203[.]0[.]113[.]77\n\n4. 影響範囲\n");
	assert_not_contains(body, "http://dl");
	assert_not_contains(body, "dl.bad-example.net");
	assert_not_contains(body, "203.0.113.77");
	/* 4. 影響範囲 */
	assert_contains(body, "\n4. 影響範囲\n  同一のファイルを確認した端末 : 2台\n"
	                      "  - PC-TK-0231\n  - PC-TK-0444\n\n5. 判定\n");
	/* 5.-10. */
	assert_contains(body, "\n5. 判定\n悪性(中)\n\n6. 状態\n");
	assert_contains(body, "\n6. 状態\n一部検疫済み\n(親プロセスの dropper.exe は検疫されていません)\n\n");
	assert_contains(body, "\n7. 検知理由\nCloud IOC W32.PowershellEncodedBuffer.ioc による振る舞い検知\n\n");
	assert_contains(body, "\n8. 検体概要\n外部から追加の検体をダウンロードするダウンローダです。\n"
	                      "DNSレイヤのログから");
	/* the analyst's free text keeps its lines, but URLs, IPs, paths are defanged */
	assert_contains(body, "\n9. お客様へのお願い事項 / 対応\n以下のファイルを削除し、"
	                      "フルスキャンを実施してください。\n"
	                      "c[:]\\Users\\yamada\\AppData\\Roaming\\dropper.exe\n\n");
	assert_contains(body, "\n10. 再発防止策\nダウンロード元のURL (hxxp[:]//dl[.]bad-example[.]net/) "
	                      "および\nIPアドレス (203[.]0[.]113[.]77) をブロックリストに登録しました。\n\n");
	/* closing and signature like the first report */
	assert_true(g_str_has_suffix(body, "\n\nサンプルSOC\nSOCチーム\n東京都千代田区1-1-1\n"));
	assert_not_contains(body, "記載なし");
	g_free(subject);
	g_free(body);
}

static void
test_second_report_ja_minimal(void **state)
{
	char *subject, *body;

	(void)state;
	render_file("second-report.ja", minimal_context, &subject, &body);
	assert_clean(subject, body);
	assert_string_equal(subject, "[kenchi #7] 【二次報告】Threat Detected (PC-1) 判定: ");
	assert_true(g_str_has_prefix(body, "最小株式会社 御中\n\n"));
	assert_in_order(body, sections_ja, G_N_ELEMENTS(sections_ja));
	assert_contains(body, "\n1. 検知PC情報\n  PC名 : PC-1\n"
	                      "  検知時の内部IP : 記載なし\n"
	                      "  ユーザ名 : 記載なし\n"
	                      "  検出名 : 記載なし\n"
	                      "  Cloud IOC名 : 記載なし\n"
	                      "  重要度 : 記載なし\n"
	                      "  優先度 : 記載なし\n\n2. 検知時間\n");
	assert_contains(body, "\n2. 検知時間\n  記載なし\n\n3. 検体情報\n");
	assert_not_contains(body, "JST");
	assert_contains(body, "  フォルダパス : 記載なし\n");
	assert_contains(body, "  親ファイル : 記載なし\n");
	assert_contains(body, "  ファイルトラジェクトリ : 記載なし\n");
	assert_contains(body, "  外部通信 : 記載なし\n\n4. 影響範囲\n  記載なし\n\n5. 判定\n記載なし\n\n");
	assert_contains(body, "\n6. 状態\n検疫なし\n\n");
	assert_contains(body, "\n7. 検知理由\n記載なし\n\n8. 検体概要\n記載なし\n\n"
	                      "9. お客様へのお願い事項 / 対応\n記載なし\n\n10. 再発防止策\n記載なし\n\n");
	assert_not_contains(body, "このほか");
	assert_not_contains(body, "()");
	g_free(subject);
	g_free(body);
}

/* A single detection time; the state derived from the quarantine flags;
 * only an IP as external communication. */
static void
test_second_report_ja_variants(void **state)
{
	char *subject, *body;

	(void)state;
	render_patched("second-report.ja", full_context, "", "interval", "false", &subject, &body);
	assert_contains(body, "\n2. 検知時間\n  2026-11-25 16:12:31 (JST)\n");
	assert_not_contains(body, "～ 2026-11-25 16:40:10 (JST)");
	g_free(subject);
	g_free(body);

	render_patched("second-report.ja", minimal_context, "event", "date",
	               "\"2026-11-24T23:59:59+00:00\"", &subject, &body);
	assert_contains(body, "\n2. 検知時間\n  2026-11-25 08:59:59 (JST)\n");
	g_free(subject);
	g_free(body);

	render_patched("second-report.ja", full_context, "case", "state_text", NULL, &subject, &body);
	assert_contains(body, "\n6. 状態\n検疫失敗\n\n");
	g_free(subject);
	g_free(body);

	render_patched("second-report.ja", minimal_context, "case", "quarantined", "true", &subject, &body);
	assert_contains(body, "\n6. 状態\n検疫済み\n\n");
	g_free(subject);
	g_free(body);

	render_patched("second-report.ja", full_context, "", "urls", NULL, &subject, &body);
	assert_contains(body, "  外部通信\n    IPアドレス : 203[.]0[.]113[.]77\n\n4. 影響範囲\n");
	g_free(subject);
	g_free(body);

	/* a verdict without a level, one host */
	render_patched("second-report.ja", full_context, "case", "verdict_level_ja", NULL, &subject,
	               &body);
	assert_contains(subject, "判定: 悪性");
	assert_true(g_str_has_suffix(subject, "判定: 悪性"));
	assert_contains(body, "\n5. 判定\n悪性\n\n");
	g_free(subject);
	g_free(body);

	render_patched("second-report.ja", full_context, "", "hosts", "[\"PC-TK-0231\"]", &subject,
	               &body);
	assert_contains(body, "\n4. 影響範囲\n  同一のファイルを確認した端末 : 1台\n  - PC-TK-0231\n\n");
	g_free(subject);
	g_free(body);
}

static void
test_second_report_en_full(void **state)
{
	char *subject, *body;

	(void)state;
	render_file("second-report.en", full_context, &subject, &body);
	assert_clean(subject, body);
	assert_string_equal(subject, "[kenchi #41] Second report: Cloud IOC on PC-TK-0231 and 1 more "
	                             "host(s) - verdict: malicious (medium)");
	assert_true(g_str_has_prefix(body, "Dear 株式会社サンプル商事,\n\n"));
	assert_contains(body, "We have completed our analysis of the detection event we reported");
	assert_in_order(body, sections_en, G_N_ELEMENTS(sections_en));
	assert_contains(body, "  Computer name : PC-TK-0231\n"
	                      "  Internal IP address at detection : 192.168.10.31, 10.0.0.31\n");
	assert_contains(body, "  Detection names : W32.DFC.MalParent, W32.Downloader.Agent\n"
	                      "  Cloud IOC names : W32.PowershellEncodedBuffer.ioc\n"
	                      "  Severity : Medium\n  Priority : P2\n");
	assert_contains(body, "\n2. Time of detection\n  2026-11-25 16:12:31 - 2026-11-25 16:40:10 (JST)\n");
	assert_contains(body, "  Folder path : c[:]\\Users\\yamada\\AppData\\Roaming\\update_checker.exe\n");
	assert_contains(body, "  External communication\n"
	                      "    URL : hxxp[:]//dl[.]bad-example[.]net/payload.bin\n"
	                      "    IP address : 203[.]0[.]113[.]77\n");
	assert_not_contains(body, "dl.bad-example.net");
	assert_contains(body, "\n4. Scope\n  Computers with the same file : 2\n"
	                      "  - PC-TK-0231\n  - PC-TK-0444\n\n");
	assert_contains(body, "\n5. Verdict\nmalicious (medium)\n\n");
	assert_contains(body, "\n9. What we ask you to do\n以下のファイルを削除し、"
	                      "フルスキャンを実施してください。\n"
	                      "c[:]\\Users\\yamada\\AppData\\Roaming\\dropper.exe\n\n");
	assert_contains(body, "(hxxp[:]//dl[.]bad-example[.]net/)");
	assert_not_contains(body, "203.0.113.77");
	assert_true(g_str_has_suffix(body, "\n\nサンプルSOC\nSOCチーム\n東京都千代田区1-1-1\n"));
	assert_not_contains(body, "not given");
	g_free(subject);
	g_free(body);

	/* an English verdict text from the caller wins over the code */
	render_patched("second-report.en", full_context, "case", "verdict_en", "\"Malicious\"", &subject,
	               &body);
	assert_true(g_str_has_suffix(subject, " - verdict: Malicious (medium)"));
	assert_contains(body, "\n5. Verdict\nMalicious (medium)\n\n");
	g_free(subject);
	g_free(body);
}

static void
test_second_report_en_minimal(void **state)
{
	char *subject, *body;

	(void)state;
	render_file("second-report.en", minimal_context, &subject, &body);
	assert_clean(subject, body);
	assert_string_equal(subject, "[kenchi #7] Second report: Threat Detected on PC-1 - verdict: ");
	assert_in_order(body, sections_en, G_N_ELEMENTS(sections_en));
	assert_contains(body, "  Internal IP address at detection : not given\n");
	assert_contains(body, "\n2. Time of detection\n  not given\n\n");
	assert_contains(body, "  External communication : not given\n\n4. Scope\n  not given\n\n"
	                      "5. Verdict\nnot given\n\n6. State\nnot quarantined\n\n");
	assert_contains(body, "\n10. Prevention\nnot given\n\n");
	g_free(subject);
	g_free(body);

	render_patched("second-report.en", minimal_context, "case", "quarantine_failed", "true",
	               &subject, &body);
	assert_contains(body, "\n6. State\nquarantine failed\n\n");
	g_free(subject);
	g_free(body);
}

static const char transcript_failed[] =
	"{\"case\":{\"id\":41},\"from\":\"tanaka@soc.example.jp\","
	" \"message_id\":\"<abc@soc.example.jp>\",\"applied\":false,"
	" \"lines\":[{\"text\":\"verdict: malicious high\",\"result\":\"ok\"},"
	"           {\"text\":\"verdict: evil\",\"result\":\"error: unknown verdict \\\"evil\\\"\"},"
	"           {\"text\":\"action: 端末を切り離してください。\",\"result\":\"ok\"},"
	"           {\"text\":\"send: second-report\",\"result\":\"ok\"}],"
	" \"summary\":\"nothing was applied: 1 of 4 lines failed\"}";

static void
test_transcript(void **state)
{
	char *subject, *body;

	(void)state;
	render_file("transcript.en", transcript_failed, &subject, &body);
	assert_clean(subject, body);
	assert_string_equal(subject, "Re: [kenchi #41] commands NOT applied");
	assert_contains(body, "#41 from tanaka@soc.example.jp\nin your message <abc@soc.example.jp>:\n");
	assert_contains(body, "\n> verdict: malicious high\nok\n"
	                      "> verdict: evil\nerror: unknown verdict \"evil\"\n"
	                      "> action: 端末を切り離してください。\nok\n"
	                      "> send: second-report\nok\n\n"
	                      "nothing was applied: 1 of 4 lines failed\n");
	assert_contains(body, "applied all together or not at all");
	g_free(subject);
	g_free(body);

	render_patched("transcript.en",
	               "{\"case\":{\"id\":41},\"from\":\"tanaka@soc.example.jp\",\"applied\":true,"
	               " \"lines\":[{\"text\":\"help\",\"result\":\"ok\"}],"
	               " \"summary\":\"all 1 commands applied\"}",
	               "", "help", "\"verdict: VERDICT [LEVEL]\\nstate: TEXT\"", &subject, &body);
	assert_clean(subject, body);
	assert_string_equal(subject, "Re: [kenchi #41] commands applied");
	assert_contains(body, "\n> help\nok\n\nall 1 commands applied\n\nverdict: VERDICT [LEVEL]\nstate: TEXT\n");
	assert_not_contains(body, "applied all together or not at all");
	assert_contains(body, "in your message:\n");
	g_free(subject);
	g_free(body);
}

static void
test_customer_reply_notice(void **state)
{
	GString *text = g_string_new("お世話になっております。\n本件は誤検知と認識しております。\n"
	                             "verdict: benign\nsend: second-report\n");
	JsonBuilder *b = json_builder_new();
	JsonNode *n;
	kenchi_report_template_t *rt;
	char *subject, *body;

	(void)state;
	for (int i = 0; i < 300; i++)
		g_string_append_printf(text, "line %03d of a long reply\n", i);
	g_string_append(text, "-- \n株式会社サンプル商事 情報システム部");

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "customer");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_string_value(b, "acme");
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, "株式会社サンプル商事");
	json_builder_end_object(b);
	json_builder_set_member_name(b, "case");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, 41);
	json_builder_set_member_name(b, "token");
	json_builder_add_string_value(b, "0123456789ab");
	json_builder_set_member_name(b, "priority");
	json_builder_add_string_value(b, "P2");
	json_builder_end_object(b);
	json_builder_set_member_name(b, "from");
	json_builder_add_string_value(b, "suzuki@acme.example.co.jp");
	json_builder_set_member_name(b, "subject");
	json_builder_add_string_value(b, "Re: [kenchi #41] 【二次報告】Cloud IOC\r\n\t(PC-TK-0231)");
	json_builder_set_member_name(b, "text");
	json_builder_add_string_value(b, text->str);
	json_builder_set_member_name(b, "report_kind");
	json_builder_add_string_value(b, "second");
	json_builder_end_object(b);
	n = json_builder_get_root(b);
	g_object_unref(b);

	rt = load_report("customer-reply-notice.en");
	kenchi_report_template_render(rt, n, &subject, &body);
	assert_clean(subject, body);
	assert_string_equal(subject, "[kenchi #41 0123456789ab] Customer reply from 株式会社サンプル商事: "
	                             "Re: [kenchi #41] 【二次報告】Cloud IOC (PC-TK-0231)");
	assert_contains(body, "replied to the second report of case #41.\n");
	assert_contains(body, "flagged for attention");
	assert_contains(body, "never executed");
	assert_contains(body, "From     : suzuki@acme.example.co.jp\n");
	/* the whole reply is shown, as written */
	assert_contains(body, text->str);
	g_free(subject);
	g_free(body);
	kenchi_report_template_free(rt);
	json_node_unref(n);
	g_string_free(text, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_templates_load),
		cmocka_unit_test(test_second_report_ja_full),
		cmocka_unit_test(test_second_report_ja_minimal),
		cmocka_unit_test(test_second_report_ja_variants),
		cmocka_unit_test(test_second_report_en_full),
		cmocka_unit_test(test_second_report_en_minimal),
		cmocka_unit_test(test_transcript),
		cmocka_unit_test(test_customer_reply_notice),
	};

	return cmocka_run_group_tests_name("second-report", tests, NULL, NULL);
}
