/*
 * test-template.c - unit tests for src/report/template*.c (compile,
 * render, files) and defang.c.
 *
 * Environment: KENCHI_TEMPLATEDIR (default "templates") locates
 * first-report.ja and friends; KENCHI_DATADIR (default
 * "$KENCHI_TEMPLATEDIR/../data") locates explanations.*.
 * Run with CMOCKA_MESSAGE_OUTPUT=TAP for TAP output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "report/defang.h"
#include "report/template.h"

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

/* Render TMPL with mode ESC against DATA (JSON text); returns g_free string. */
static char *
render_esc(const char *tmpl, kenchi_escape_t esc, const char *data)
{
	GError *error = NULL;
	kenchi_template_t *t = kenchi_template_new("test", tmpl, esc, &error);
	JsonNode *n;
	char *out;

	if (t == NULL)
		fail_msg("compile failed: %s", error->message);
	n = json(data);
	out = kenchi_template_render(t, n);
	json_node_unref(n);
	kenchi_template_free(t);
	return out;
}

static char *
render(const char *tmpl, const char *data)
{
	return render_esc(tmpl, KENCHI_ESC_TEXT, data);
}

#define assert_render(tmpl, data, expect)                  \
	do {                                                   \
		char *out_ = render((tmpl), (data));               \
		assert_string_equal(out_, (expect));               \
		g_free(out_);                                      \
	} while (0)

#define assert_render_esc(tmpl, esc, data, expect)         \
	do {                                                   \
		char *out_ = render_esc((tmpl), (esc), (data));    \
		assert_string_equal(out_, (expect));               \
		g_free(out_);                                      \
	} while (0)

/* Compiling TMPL must fail with a message containing EXPECT. */
static void
assert_load_error(const char *tmpl, const char *expect)
{
	GError *error = NULL;
	kenchi_template_t *t = kenchi_template_new("x.tmpl", tmpl, KENCHI_ESC_TEXT, &error);

	assert_null(t);
	assert_non_null(error);
	assert_true(g_error_matches(error, KENCHI_TEMPLATE_ERROR, KENCHI_TEMPLATE_ERROR_SYNTAX));
	if (strstr(error->message, expect) == NULL)
		fail_msg("error '%s' does not contain '%s'", error->message, expect);
	g_error_free(error);
}

static char *
templatedir_path(const char *file)
{
	const char *dir = g_getenv("KENCHI_TEMPLATEDIR");

	return g_build_filename(dir ? dir : "templates", file, NULL);
}

static char *
datadir_path(const char *file)
{
	const char *dir = g_getenv("KENCHI_DATADIR"); /* the tree root: files are under data/ */
	const char *tdir = g_getenv("KENCHI_TEMPLATEDIR");

	if (dir != NULL)
		return g_build_filename(dir, "data", file, NULL);
	return g_build_filename(tdir ? tdir : "templates", "..", "data", file, NULL);
}

/* -------------------------------------------------------------- tests */

static void
test_variables(void **state)
{
	(void)state;
	assert_render("Hello {{name}}!", "{\"name\":\"World\"}", "Hello World!");
	assert_render("[{{ name }}]", "{\"name\":\"x\"}", "[x]");
	assert_render("[{{missing}}]", "{}", "[]");
	assert_render("{{i}} {{big}} {{neg}} {{d}} {{t}} {{f}} {{n}}",
	              "{\"i\":42,\"big\":9007199254740993,\"neg\":-7,\"d\":1.5,"
	              "\"t\":true,\"f\":false,\"n\":null}",
	              "42 9007199254740993 -7 1.5 true false ");
	assert_render("{{o}}|{{a}}", "{\"o\":{\"x\":1},\"a\":[1]}", "|");
	assert_render("no tags at all\n", "{}", "no tags at all\n");
}

static void
test_dotted_paths(void **state)
{
	(void)state;
	assert_render("{{a.b.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "deep");
	assert_render("[{{a.x.c}}]", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "[]");
	assert_render("[{{a.b.c.d}}]", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "[]");
	assert_render("{{ips.1.ip}}", "{\"ips\":[{\"ip\":\"10.0.0.1\"},{\"ip\":\"10.0.0.2\"}]}", "10.0.0.2");
	assert_render("[{{ips.5.ip}}]", "{\"ips\":[{\"ip\":\"10.0.0.1\"}]}", "[]");
	/* inside a section the current item is searched first, then outer contexts */
	assert_render("{{#e}}{{name}}/{{top}};{{/e}}",
	              "{\"top\":\"T\",\"name\":\"outer\",\"e\":[{\"name\":\"a\"},{\"x\":1}]}",
	              "a/T;outer/T;");
	/* a first segment found in an inner context does not fall back outward */
	assert_render("{{#e}}[{{c.y}}]{{/e}}", "{\"c\":{\"y\":\"outer\"},\"e\":{\"c\":{\"z\":1}}}", "[]");
}

static void
test_loops(void **state)
{
	(void)state;
	assert_render("{{#list}}<{{.}}>{{/list}}", "{\"list\":[\"a\",\"b\",3]}", "<a><b><3>");
	assert_render("{{#list}}{{@index}}{{^@last}},{{/@last}}{{/list}}", "{\"list\":[\"a\",\"b\",\"c\"]}",
	              "1,2,3");
	assert_render("{{#list}}{{#@first}}F{{/@first}}{{.}}{{/list}}", "{\"list\":[1,2]}", "F12");
	assert_render("{{#list}}x{{/list}}", "{\"list\":[]}", "");
	assert_render("{{#o}}{{k}}{{/o}}", "{\"o\":{\"k\":\"v\"}}", "v");
	assert_render("{{#s}}[{{.}}]{{/s}}", "{\"s\":\"str\"}", "[str]");
	assert_render("{{#t}}yes{{/t}}{{#f}}no{{/f}}{{#z}}zero{{/z}}{{#one}}one{{/one}}{{#e}}empty{{/e}}",
	              "{\"t\":true,\"f\":false,\"z\":0,\"one\":1,\"e\":\"\"}", "yesone");
	assert_render("{{#a}}{{#b}}{{x}}{{y}}{{/b}}{{/a}}",
	              "{\"y\":\"Y\",\"a\":[{\"x\":1,\"b\":[{},{\"x\":2}]}]}", "1Y2Y");
}

static void
test_inverted(void **state)
{
	(void)state;
	assert_render("{{^m}}none{{/m}}", "{}", "none");
	assert_render("{{^m}}none{{/m}}", "{\"m\":null}", "none");
	assert_render("{{^m}}none{{/m}}", "{\"m\":[]}", "none");
	assert_render("{{^m}}none{{/m}}", "{\"m\":\"\"}", "none");
	assert_render("{{^m}}none{{/m}}", "{\"m\":false}", "none");
	assert_render("{{^m}}none{{/m}}", "{\"m\":0}", "none");
	assert_render("{{^m}}none{{/m}}", "{\"m\":[1]}", "");
	assert_render("{{^m}}none{{/m}}", "{\"m\":\"x\"}", "");
	assert_render("{{^m}}none{{/m}}", "{\"m\":{}}", "");
}

static void
test_filters(void **state)
{
	(void)state;
	assert_render("{{file.file_name|default:記載なし}}", "{}", "記載なし");
	assert_render("{{file.file_name|default:記載なし}}", "{\"file\":{\"file_name\":\"\"}}", "記載なし");
	assert_render("{{file.file_name|default:記載なし}}", "{\"file\":{\"file_name\":\"a.exe\"}}", "a.exe");
	assert_render("{{v|default:a b:c}}", "{}", "a b:c");
	assert_render("{{v|upper}} {{v|lower}}", "{\"v\":\"MiXed\"}", "MIXED mixed");
	assert_render("{{d|jst}}", "{\"d\":\"2019-06-14T09:46:42+00:00\"}", "2019-06-14 18:46:42");
	assert_render("{{d|jst}}", "{\"d\":\"2019-12-31T20:00:00Z\"}", "2020-01-01 05:00:00");
	assert_render("{{d|utc}}", "{\"d\":\"2019-06-14T18:46:42+09:00\"}", "2019-06-14 09:46:42");
	assert_render("{{d|jst}}", "{\"d\":1560505602}", "2019-06-14 18:46:42");
	assert_render("{{d|jst}}", "{\"d\":\"not a date\"}", "not a date");
	/* year 10000 in JST: none, and the default says so (rp1 F11) */
	assert_render("{{d|jst|default:none}}", "{\"d\":\"9999-12-31T23:59:59+00:00\"}", "none");
	assert_render("[{{d|jst}}]", "{}", "[]");
	assert_render("{{d|jst|default:記載なし}}", "{}", "記載なし");
	assert_render("{{v|html}}", "{\"v\":\"<a href='x'>&\\\"</a>\"}",
	              "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
	assert_render("{{v|oneline}}", "{\"v\":\"a\\r\\n\\r\\nb\\tc\\nd\"}", "a b c d");
	assert_render("{{u|defang}}", "{\"u\":\"http://evil.example.com/a.php\"}",
	              "hxxp[:]//evil[.]example[.]com/a.php");
	assert_render("{{u|defang|upper}}", "{\"u\":\"C:\\\\x\"}", "C[:]\\X");
}

static void
test_standalone_lines(void **state)
{
	(void)state;
	assert_render("a\n{{#l}}\n- {{.}}\n{{/l}}\nb\n", "{\"l\":[1,2]}", "a\n- 1\n- 2\nb\n");
	assert_render("a\n  {{#l}}  \n- {{.}}\n\t{{/l}}\nb\n", "{\"l\":[1]}", "a\n- 1\nb\n");
	assert_render("a\n{{^l}}\nnone\n{{/l}}\nb\n", "{}", "a\nnone\nb\n");
	assert_render("a\n{{! comment }}\nb\n", "{}", "a\nb\n");
	assert_render("a\n{{! multi\nline }}\nb\n", "{}", "a\nb\n");
	assert_render("a\r\n{{#t}}\r\nyes\r\n{{/t}}\r\nb\r\n", "{\"t\":true}", "a\r\nyes\r\nb\r\n");
	assert_render("{{#t}}\nx\n{{/t}}", "{\"t\":true}", "x\n"); /* at start and at EOF */
	/* not standalone: other text, or a variable, on the line */
	assert_render("a {{#t}}x{{/t}} b\n", "{\"t\":true}", "a x b\n");
	assert_render("{{v}}\n", "{\"v\":\"\"}", "\n");
	assert_render("{{#t}}{{/t}}\nz", "{\"t\":true}", "\nz");
}

static void
test_header_escaping(void **state)
{
	(void)state;
	assert_render_esc("Subject: {{s}}", KENCHI_ESC_HEADER,
	                  "{\"s\":\"evil\\r\\nBcc: victim@example.com\"}",
	                  "Subject: evil  Bcc: victim@example.com");
	assert_render_esc("{{s}}", KENCHI_ESC_HEADER, "{\"s\":\"a\\nb\\tc\\u0001d\\u007fe\\u0085f\\u2028g\"}",
	                  "a b c d e f g");
	/* TEXT without the flag: single line; with it, newlines stay */
	assert_render_esc("{{s}}", KENCHI_ESC_TEXT, "{\"s\":\"a\\r\\nb\"}", "a  b");
	assert_render_esc("{{s}}", KENCHI_ESC_TEXT | KENCHI_ESC_KEEP_NEWLINES, "{\"s\":\"a\\r\\nb\\tc\"}",
	                  "a\r\nb\tc");
	assert_render_esc("{{s}}", KENCHI_ESC_TEXT | KENCHI_ESC_KEEP_NEWLINES, "{\"s\":\"x\\u001b[31my\"}",
	                  "x [31my");
	/* TEXT: HTML metacharacters are printed as they are */
	assert_render_esc("{{s}}", KENCHI_ESC_TEXT, "{\"s\":\"<b>&\"}", "<b>&");
}

static void
test_html_escaping(void **state)
{
	(void)state;
	assert_render_esc("<p>{{s}}</p>", KENCHI_ESC_HTML, "{\"s\":\"<script>alert('x')</script> & \\\"q\\\"\"}",
	                  "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>");
	/* the html filter does not double-escape in HTML mode */
	assert_render_esc("{{s|html}}", KENCHI_ESC_HTML, "{\"s\":\"&\"}", "&amp;");
	/* the html filter works in HEADER mode too, after control stripping */
	assert_render_esc("{{s|html}}", KENCHI_ESC_HEADER, "{\"s\":\"<\\n>\"}", "&lt; &gt;");
}

static void
test_values_not_reparsed(void **state)
{
	(void)state;
	assert_render("{{v}}", "{\"v\":\"{{customer.name}}\",\"customer\":{\"name\":\"LEAK\"}}",
	              "{{customer.name}}");
	assert_render("{{v}}", "{\"v\":\"${HOME} $(id) %s %n `x`\"}", "${HOME} $(id) %s %n `x`");
	assert_render("{{v|default:x}}", "{\"v\":\"{{#a}}{{/b}}\"}", "{{#a}}{{/b}}");
	assert_render_esc("{{v}}", KENCHI_ESC_HEADER, "{\"v\":\"{{!x}}\"}", "{{!x}}");
}

static void
test_load_errors(void **state)
{
	(void)state;
	assert_load_error("line1\n{{#a}}\nx\n", "x.tmpl:2: unclosed section '{{#a}}'");
	assert_load_error("{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}\n", "x.tmpl:3: mismatched '{{/a}}': expected '{{/b}}' (opened at line 2)");
	assert_load_error("a\n\nb {{/a}}\n", "x.tmpl:3: '{{/a}}' closes no open section");
	assert_load_error("a\n{{x|nosuch}}\n", "x.tmpl:2: unknown filter 'nosuch'");
	assert_load_error("a\n{{x|default}}\n", "x.tmpl:2: filter 'default' needs a text");
	assert_load_error("a\n{{x|upper:1}}\n", "x.tmpl:2: filter 'upper' takes no argument");
	assert_load_error("a\nb\n{{}}\n", "x.tmpl:3: empty tag");
	assert_load_error("{{ }}", "x.tmpl:1: empty tag");
	assert_load_error("{{#}}{{/}}", "x.tmpl:1: empty tag");
	assert_load_error("a\n{{x\n", "x.tmpl:2: unterminated '{{'");
	assert_load_error("a\n{{x\nb {{y}}\n", "x.tmpl:2: unterminated '{{'");
	assert_load_error("{{{x}}}", "x.tmpl:1: invalid character '{'");
	assert_load_error("{{#a|upper}}{{/a}}", "x.tmpl:1: filters are not allowed on section tags");
	assert_load_error("{{@nope}}", "x.tmpl:1: unknown loop variable");
	assert_load_error("{{a..b}}", "x.tmpl:1: empty segment");
	/* all errors are reported, each with its line */
	{
		GError *error = NULL;
		kenchi_template_t *t =
		        kenchi_template_new("m.tmpl", "{{a|x}}\n{{b|y}}\n", KENCHI_ESC_TEXT, &error);

		assert_null(t);
		assert_string_equal(error->message,
		                    "m.tmpl:1: unknown filter 'x'\nm.tmpl:2: unknown filter 'y'");
		g_error_free(error);
	}
	/* file loading: I/O error and the path as the name */
	{
		GError *error = NULL;

		assert_null(kenchi_template_load_file("/nonexistent/x", KENCHI_ESC_TEXT, &error));
		assert_true(g_error_matches(error, KENCHI_TEMPLATE_ERROR, KENCHI_TEMPLATE_ERROR_IO));
		g_error_free(error);
	}
}

static void
test_report_template_layout(void **state)
{
	GError *error = NULL;
	kenchi_report_template_t *rt;
	char *subject, *body;
	JsonNode *n;

	(void)state;
	rt = kenchi_report_template_new("r.tmpl", "Subject: #{{id}} {{s}}\n\nBody {{s}}\n{{#x}}\n", &error);
	assert_null(rt);
	/* body line numbers are file line numbers */
	assert_string_equal(error->message, "r.tmpl:4: unclosed section '{{#x}}'");
	g_clear_error(&error);

	rt = kenchi_report_template_new("r.tmpl", "Subject: {{s|nope}}\n\nok\n", &error);
	assert_null(rt);
	assert_string_equal(error->message, "r.tmpl:1: unknown filter 'nope'");
	g_clear_error(&error);

	rt = kenchi_report_template_new("r.tmpl", "Subject: a\nFrom: b\n\nbody\n", &error);
	assert_null(rt);
	assert_string_equal(error->message, "r.tmpl:2: unknown header 'From' (only Subject: is supported)");
	g_clear_error(&error);

	rt = kenchi_report_template_new("r.tmpl", "Subject: a\nbody\n", &error);
	assert_null(rt);
	assert_non_null(strstr(error->message, "r.tmpl:2: expected 'Subject: ...'"));
	g_clear_error(&error);

	rt = kenchi_report_template_new("r.tmpl", "\nbody\n", &error);
	assert_null(rt);
	assert_string_equal(error->message, "r.tmpl:1: missing 'Subject:' line");
	g_clear_error(&error);

	rt = kenchi_report_template_new("r.tmpl", "{{! c }}\nSubject: #{{id}} {{s}}\n\nBody {{s}}\n", &error);
	assert_non_null(rt);
	n = json("{\"id\":7,\"s\":\"a\\r\\nb\"}");
	kenchi_report_template_render(rt, n, &subject, &body);
	assert_string_equal(subject, "#7 a  b");
	assert_string_equal(body, "Body a\r\nb\n");
	g_free(subject);
	g_free(body);
	json_node_unref(n);
	kenchi_report_template_free(rt);
}

static void
test_defang(void **state)
{
	static const char *cases[][2] = {
		{ "http://evil.example.com/x.php?a=1.2", "hxxp[:]//evil[.]example[.]com/x.php?a=1.2" },
		{ "https://evil.example.com", "hxxps[:]//evil[.]example[.]com" },
		{ "HTTPS://Evil.Example.com/", "HxxPS[:]//Evil[.]Example[.]com/" },
		{ "ftp://files.example.org/a", "ftp[:]//files[.]example[.]org/a" },
		{ "see http://1.2.3.4:8080/x now", "see hxxp[:]//1[.]2[.]3[.]4:8080/x now" },
		{ "C:\\Users\\hogehoge\\AppData\\Local\\Temp\\",
		  "c[:]\\Users\\hogehoge\\AppData\\Local\\Temp\\" },
		{ "/C:/Windows/x.exe", "/c[:]/Windows/x.exe" },
		{ "\\\\?\\D:\\x", "\\\\?\\d[:]\\x" },
		{ "192.168.0.10", "192[.]168[.]0[.]10" },
		{ "from 10.0.0.1, to 8.8.8.8.", "from 10[.]0[.]0[.]1, to 8[.]8[.]8[.]8." },
		{ "version 10.0.19041.1", "version 10.0.19041.1" },
		{ "999.1.1.1", "999.1.1.1" },
		{ "1.2.3", "1.2.3" },
		{ "setup.exe", "setup.exe" },
		{ "pc-01.abc.local", "pc-01.abc.local" },
		{ "httpd.exe", "httpd.exe" },
		{ "ABC:\\x", "ABC:\\x" },
		{ "ファイル C:\\ユーザー\\a.exe", "ファイル c[:]\\ユーザー\\a.exe" },
		/* IPv6 (rc4 F10: it went out live) */
		{ "2001:db8::1", "2001[:]db8[:][:]1" },
		{ "from 2001:db8:beef::112 port", "from 2001[:]db8[:]beef[:][:]112 port" },
		{ "::ffff:192.0.2.1", "[:][:]ffff[:]192[.]0[.]2[.]1" },
		{ "12:34:56", "12:34:56" },
		{ "dead:beef", "dead:beef" },
		/* what mail clients link without a scheme (rp1 F2) */
		{ "www.evil.example.com/dl", "www[.]evil[.]example[.]com/dl" },
		{ "evil.example.com/path", "evil[.]example[.]com/path" },
		{ "mailto:attacker@evil.example", "mailto[:]attacker[@]evil[.]example" },
		{ "mail john.doe@evil.example.com now", "mail john.doe[@]evil[.]example[.]com now" },
		{ "\\\\evil.example\\share\\payload.exe", "\\\\evil[.]example\\share\\payload.exe" },
		{ "\\\\203.0.113.50\\c$\\x.exe", "\\\\203[.]0[.]113[.]50\\c$\\x.exe" },
		{ "C:\\Temp\\www.evil.example\\x.exe", "c[:]\\Temp\\www[.]evil[.]example\\x.exe" },
		{ "W32.http://evil.example/x.exe", "W32.hxxp[:]//evil[.]example/x.exe" },
		{ "Trojan.evil.example.com", "Trojan[.]evil[.]example[.]com" },
		{ "attacker@evil.example.eml", "attacker[@]evil[.]example[.]eml" },
		{ "hxxp://already.defanged[.]example/x", "hxxp[:]//already[.]defanged[.]example/x" },
		{ "evil[.]example.com", "evil[.]example[.]com" },
		/* names a report shows that no client links stay readable */
		{ "invoice.pdf.exe", "invoice.pdf.exe" },
		{ "invoice.com.exe", "invoice.com.exe" },
		{ "setup.zip", "setup.zip" },
		{ "W32.GenericKD:ZVETJ.18gs.1201", "W32.GenericKD:ZVETJ.18gs.1201" },
		{ "ACME\\taro", "ACME\\taro" },
		{ "yamada@PC-TK-0231", "yamada@PC-TK-0231" },
		{ "\\\\fileserv\\share", "\\\\fileserv\\share" },
		{ "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "", "" },
	};

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *once = kenchi_defang(cases[i][0]);
		char *twice = kenchi_defang(once);

		assert_string_equal(once, cases[i][1]);
		assert_string_equal(twice, once); /* idempotent */
		g_free(once);
		g_free(twice);
	}
	{
		char *s = kenchi_defang(NULL);

		assert_string_equal(s, "");
		g_free(s);
	}
	/* rp1 F2: a forged alert's trajectory must not become a report's link */
	assert_true(kenchi_is_amp_console_link("https://console.amp.cisco.com/computers/be29/trajectory"));
	assert_true(kenchi_is_amp_console_link("https://console.eu.amp.cisco.com/computers/x/trajectory?q=a%20b"));
	assert_true(kenchi_is_amp_console_link("HTTPS://Console.APJC.amp.cisco.com"));
	assert_false(kenchi_is_amp_console_link("http://evil.example/phish-login"));
	assert_false(kenchi_is_amp_console_link("http://console.amp.cisco.com/computers/x"));
	assert_false(kenchi_is_amp_console_link("https://console.amp.cisco.com@evil.example/"));
	assert_false(kenchi_is_amp_console_link("https://console.amp.cisco.com.evil.example/"));
	assert_false(kenchi_is_amp_console_link("https://console.amp.cisco.com:8443/"));
	assert_false(kenchi_is_amp_console_link("https://console.amp.cisco.com\\@evil.example/"));
	assert_false(kenchi_is_amp_console_link("https://console.amp.cisco.com/x http://evil.example"));
	assert_false(kenchi_is_amp_console_link("https://evilconsole.amp.cisco.com.example/"));
	assert_false(kenchi_is_amp_console_link("https://.amp.cisco.com/"));
	assert_false(kenchi_is_amp_console_link(NULL));
}

static void
test_explanations(void **state)
{
	GError *error = NULL;
	GHashTable *t;
	char *path;
	static const char *required[] = {
		"Threat Detected", "Threat Quarantined", "Quarantine Failure", "Executed malware",
		"Cloud IOC", "Generic IOC", "Cloud Recall Detection", "Retrospective Detection",
		"Cloud Recall Quarantine Successful", "Exploit Prevention", "Malicious Activity Detection",
		"Malicious Activity Block", "System Process Protection", "DFC Threat Detected", "Uninstall",
		"Vulnerable Application Detected", "Potential Dropper Infection", "Multiple Infected Files",
		"Potential Ransomware", "Possible Webshell", "Execution Blocked",
		"Suspected botnet connection", "Connection to suspicious domain",
		"Threat Detected in Low Prevalence Executable", "Suspicious Download", "Rootkit Detection",
		"default",
	};
	static const char *langs[] = { "explanations.ja", "explanations.en" };

	(void)state;
	t = kenchi_explanations_parse("e.txt",
	                              "# c\n\n[A]\n[b]\n\nline 1  \nline 2\n\n[default]\nD\n", &error);
	assert_non_null(t);
	assert_string_equal(kenchi_explanation_lookup(t, "a"), "line 1\nline 2");
	assert_string_equal(kenchi_explanation_lookup(t, "B"), "line 1\nline 2");
	assert_string_equal(kenchi_explanation_lookup(t, "other"), "D");
	g_hash_table_unref(t);

	t = kenchi_explanations_parse("e.txt", "oops\n[A]\n[a]\nx\n[B]\n[]\ny\n[C\nz\n[D]\n", &error);
	assert_null(t);
	assert_string_equal(error->message, "e.txt:1: text before the first [Event Type] header\n"
	                                    "e.txt:3: '[a]' defined twice (line 2)\n"
	                                    "e.txt:6: empty event type name\n"
	                                    "e.txt:8: missing ']' in header\n"
	                                    "e.txt:10: '[D]' has no text");
	g_clear_error(&error);

	for (gsize l = 0; l < G_N_ELEMENTS(langs); l++) {
		path = datadir_path(langs[l]);
		t = kenchi_explanations_load(path, &error);
		if (t == NULL)
			fail_msg("%s", error->message);
		for (gsize i = 0; i < G_N_ELEMENTS(required); i++) {
			char *key = g_utf8_casefold(required[i], -1);

			if (!g_hash_table_contains(t, key))
				fail_msg("%s: no entry for '%s'", path, required[i]);
			g_free(key);
		}
		g_hash_table_unref(t);
		g_free(path);
	}
}

/* The sample first report from soc-service.md, with our values. */
static const char sample_context[] =
        "{\"customer\":{\"id\":\"c1\",\"name\":\"〇〇〇〇株式会社\"},"
        " \"soc\":{\"name\":\"ケンチSOC\",\"signature\":\"SOCチーム\\n東京都千代田区1-1-1\","
        "         \"from\":\"soc@example.jp\"},"
        " \"case\":{\"id\":41,\"priority\":\"high\",\"score\":80,"
        "          \"first_report_due\":\"2019-06-14T10:46:42+00:00\","
        "          \"second_report_due\":\"2019-06-17T09:00:00+00:00\",\"events\":1,\"hosts\":1},"
        " \"event\":%s, \"events\":[%s],"
        " \"explanation\":\"本検知イベントは、マルウェアと疑われるアプリケーションの実行を検知しました。\\n"
        "実行されたアプリケーションが問題のないアプリケーションかどうか確認を行って下さい。\","
        " \"explanations\":[{\"event_type\":\"Executed malware\","
        "   \"text\":\"本検知イベントは、マルウェアと疑われるアプリケーションの実行を検知しました。\\n"
        "実行されたアプリケーションが問題のないアプリケーションかどうか確認を行って下さい。\"}],"
        " \"score_reasons\":[{\"rule\":\"executed malware\",\"points\":50},"
        "                    {\"rule\":\"{{customer.name}} ${HOME}\",\"points\":30}]}";

static const char sample_event[] =
        "{\"event_type\":\"Executed malware\",\"event_type_id\":1107296272,"
        " \"date\":\"2019-06-14T09:46:42+00:00\","
        " \"detection\":\"W32.Application.22ik.1201 W32.DFC.MalParent\",\"severity\":\"High\","
        " \"computer\":{\"hostname\":\"pc-XXXXXXXX.abc.local\",\"user\":\"hogehogeXXXX\","
        "              \"network_addresses\":[{\"ip\":\"192.168.0.123\"}]},"
        " \"file\":{\"file_name\":\"Adobe Reader(Acrobat Reader)_XXXX.exe\","
        "          \"file_path\":\"C:\\\\users\\\\hogehogeXXXX\\\\appdata\\\\local\\\\packages\\\\XXXXXXXX\\\\temp\\\\\","
        "          \"identity\":{\"sha256\":\"ab12\"}}}";

static const char expected_first_report_ja[] =
        "〇〇〇〇株式会社 御中\n"
        "\n"
        "平素はケンチSOCの監視サービスをご利用いただきありがとうございます。\n"
        "脅威の検知イベントを受信いたしましたので下記にご報告させていただきます。\n"
        "\n"
        "検知日時(JST) : 2019-06-14 18:46:42\n"
        "検知したイベントタイプ : Executed malware\n"
        "検知したPCのコンピュータ名 : pc-XXXXXXXX.abc.local\n"
        "PCのIPアドレス : 192.168.0.123\n"
        "ユーザ名 : hogehogeXXXX\n"
        "検出名 : W32.Application.22ik.1201 W32.DFC.MalParent\n"
        "ファイル名 : Adobe Reader(Acrobat Reader)_XXXX.exe\n"
        "ファイルパス\n"
        "c[:]\\users\\hogehogeXXXX\\appdata\\local\\packages\\XXXXXXXX\\temp\\\n"
        "ハッシュ値(SHA256) : ab12\n"
        "関連したファイル名 : 記載なし\n"
        "関連したファイルのハッシュ値(SHA-256) : 記載なし\n"
        "\n"
        "弊社からの報告事項:\n"
        "\n"
        "本検知イベントは、マルウェアと疑われるアプリケーションの実行を検知しました。\n"
        "実行されたアプリケーションが問題のないアプリケーションかどうか確認を行って下さい。\n"
        "\n"
        "本検知につきましては引き続き弊社のほうで分析し、ご報告させていただきます。\n"
        "もし、お客様がこの検知イベントを誤検知とご認識されている場合には、ご一報いただけますようお願いいたします。\n"
        "\n"
        "ケンチSOC\n"
        "SOCチーム\n"
        "東京都千代田区1-1-1\n";

static JsonNode *
sample_node(const char *event, const char *events)
{
	char *text = g_strdup_printf(sample_context, event, events);
	JsonNode *n = json(text);

	g_free(text);
	return n;
}

static kenchi_report_template_t *
load_report(const char *file)
{
	GError *error = NULL;
	char *path = templatedir_path(file);
	kenchi_report_template_t *rt = kenchi_report_template_load_file(path, &error);

	if (rt == NULL)
		fail_msg("%s", error->message);
	g_free(path);
	return rt;
}

static void
test_first_report_ja(void **state)
{
	kenchi_report_template_t *rt = load_report("first-report.ja");
	JsonNode *n = sample_node(sample_event, sample_event);
	char *subject, *body;

	(void)state;
	kenchi_report_template_render(rt, n, &subject, &body);
	assert_string_equal(subject,
	                    "[kenchi #41] 【一次報告】Executed malware を検知しました (pc-XXXXXXXX.abc.local)");
	assert_string_equal(body, expected_first_report_ja);
	g_free(subject);
	g_free(body);
	json_node_unref(n);
	kenchi_report_template_free(rt);
}

static void
test_first_report_ja_multi(void **state)
{
	static const char ioc_event[] =
	        "{\"event_type\":\"Cloud IOC\",\"date\":\"2019-06-14T10:00:00+00:00\","
	        " \"computer\":{\"hostname\":\"pc-2\\r\\nBcc: x@example.com\"},"
	        " \"cloud_ioc\":{\"short_description\":\"W32.DownloaderIOC\"},"
	        " \"network_info\":{\"remote_ip\":\"203.0.113.9\",\"dirty_url\":\"http://bad.example.net/d\"}}";
	kenchi_report_template_t *rt = load_report("first-report.ja");
	char *events = g_strdup_printf("%s,%s", sample_event, ioc_event);
	JsonNode *n = sample_node(ioc_event, events);
	char *subject, *body;

	(void)state;
	kenchi_report_template_render(rt, n, &subject, &body);
	/* a value can never add a header line */
	assert_null(strchr(subject, '\n'));
	assert_null(strchr(subject, '\r'));
	assert_non_null(strstr(body, "ハッシュ値(SHA-256) : 記載なし\n\n検知日時(JST) : 2019-06-14 19:00:00\n"));
	assert_non_null(strstr(body, "検出名 : W32.DownloaderIOC\n"));
	assert_non_null(strstr(body, "PCのIPアドレス : 記載なし\n"));
	assert_non_null(strstr(body, "ファイルパス\n記載なし\n"));
	assert_non_null(strstr(body, "通信相手のIPアドレス : 203[.]0[.]113[.]9\n"));
	assert_non_null(strstr(body, "通信先URL : hxxp[:]//bad[.]example[.]net/d\n"));
	g_free(subject);
	g_free(body);
	g_free(events);
	json_node_unref(n);
	kenchi_report_template_free(rt);
}

static void
test_other_templates(void **state)
{
	static const char *files[] = { "first-report.en", "analyst-notice.en", "analyst-notice.ja" };
	JsonNode *n = sample_node(sample_event, sample_event);

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
		kenchi_report_template_t *rt = load_report(files[i]);
		char *subject, *body;

		kenchi_report_template_render(rt, n, &subject, &body);
		assert_non_null(strstr(subject, "[kenchi #41"));
		if (i == 0) {
			assert_string_equal(subject,
			                    "[kenchi #41] First report: Executed malware detected on pc-XXXXXXXX.abc.local");
			assert_non_null(strstr(body, "Dear 〇〇〇〇株式会社,\n"));
			assert_non_null(strstr(body, "Related file name : not given\n"));
			assert_non_null(strstr(body, "File path\nc[:]\\users\\"));
		} else {
			assert_non_null(strstr(body, "verdict: malicious high\n"));
			assert_non_null(strstr(body, "  50  executed malware\n"));
			/* data is printed literally, never expanded */
			assert_non_null(strstr(body, "  30  {{customer.name}} ${HOME}\n"));
			assert_non_null(strstr(body, " 2019-06-14 19:46:42 JST"));
		}
		g_free(subject);
		g_free(body);
		kenchi_report_template_free(rt);
	}
	json_node_unref(n);
}

static void
test_speed(void **state)
{
	kenchi_report_template_t *rt = load_report("first-report.ja");
	JsonNode *n = sample_node(sample_event, sample_event);
	gint64 start = g_get_monotonic_time(), elapsed;
	const int rounds = 20000;

	(void)state;
	for (int i = 0; i < rounds; i++) {
		char *body;

		kenchi_report_template_render(rt, n, NULL, &body);
		g_free(body);
	}
	elapsed = g_get_monotonic_time() - start;
	print_message("# %d renders of first-report.ja in %.3f s (%.0f/s)\n", rounds,
	              (double)elapsed / 1e6, rounds / ((double)elapsed / 1e6));
	json_node_unref(n);
	kenchi_report_template_free(rt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_dotted_paths),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_inverted),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_standalone_lines),
		cmocka_unit_test(test_header_escaping),
		cmocka_unit_test(test_html_escaping),
		cmocka_unit_test(test_values_not_reparsed),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_report_template_layout),
		cmocka_unit_test(test_defang),
		cmocka_unit_test(test_explanations),
		cmocka_unit_test(test_first_report_ja),
		cmocka_unit_test(test_first_report_ja_multi),
		cmocka_unit_test(test_other_templates),
		cmocka_unit_test(test_speed),
	};

	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
