/* test-commands.c: the analyst's reply commands (src/reply/commands*.c).
 * cmocka; run with CMOCKA_MESSAGE_OUTPUT=TAP.  Pure parser: no fixtures. */
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "reply/commands.h"
#include "reply/token.h"

static kenchi_command_t *
nth(kenchi_command_list_t *l, guint i)
{
    assert_true(i < l->cmds->len);
    return g_ptr_array_index(l->cmds, i);
}

/* BODY holds exactly one valid command of KIND with VALUE. */
static void
one_ok(const char *body, kenchi_cmd_kind_t kind, const char *value)
{
    kenchi_command_list_t *l = kenchi_commands_parse(body);
    kenchi_command_t *c;

    if (l->cmds->len != 1 || l->errors != 0)
        fail_msg("%s: %u entries, %d errors (%s)", body, l->cmds->len, l->errors,
                 l->cmds->len > 0 && nth(l, 0)->error ? nth(l, 0)->error : "-");
    c = nth(l, 0);
    assert_null(c->error);
    if (c->kind != kind)
        fail_msg("%s: kind %s, want %s", body, kenchi_cmd_kind_name(c->kind), kenchi_cmd_kind_name(kind));
    assert_non_null(c->value);
    if (strcmp(c->value, value) != 0)
        fail_msg("%s: value \"%s\", want \"%s\"", body, c->value, value);
    assert_false(l->empty);
    kenchi_commands_free(l);
}

/* BODY holds exactly one command, and its error contains WANT. */
static void
one_bad(const char *body, const char *want)
{
    kenchi_command_list_t *l = kenchi_commands_parse(body);
    kenchi_command_t *c;

    assert_int_equal(l->cmds->len, 1);
    assert_int_equal(l->errors, 1);
    c = nth(l, 0);
    if (c->error == NULL || strstr(c->error, want) == NULL)
        fail_msg("%s: error \"%s\", want \"%s\"", body, c->error ? c->error : "(none)", want);
    assert_null(c->value);
    assert_null(c->list_value);
    kenchi_commands_free(l);
}

static void
test_keywords_and_aliases(void **state)
{
    static const struct { const char *body; kenchi_cmd_kind_t kind; const char *value; } t[] = {
        { "verdict: benign", KENCHI_CMD_VERDICT, "benign" },
        { "判定: 悪性", KENCHI_CMD_VERDICT, "malicious" },
        { "state: partially quarantined", KENCHI_CMD_STATE, "partially quarantined" },
        { "状態: 隔離済み", KENCHI_CMD_STATE, "隔離済み" },
        { "reason: beacon to C2", KENCHI_CMD_REASON, "beacon to C2" },
        { "検知理由: 不審な通信", KENCHI_CMD_REASON, "不審な通信" },
        { "理由: x", KENCHI_CMD_REASON, "x" },
        { "summary: a loader", KENCHI_CMD_SUMMARY, "a loader" },
        { "概要: ローダー", KENCHI_CMD_SUMMARY, "ローダー" },
        { "検体概要: ローダー", KENCHI_CMD_SUMMARY, "ローダー" },
        { "action: reimage the PC", KENCHI_CMD_ACTION, "reimage the PC" },
        { "対応: 再インストール", KENCHI_CMD_ACTION, "再インストール" },
        { "お願い事項: パスワード変更", KENCHI_CMD_ACTION, "パスワード変更" },
        { "prevention: patch", KENCHI_CMD_PREVENTION, "patch" },
        { "再発防止策: 教育", KENCHI_CMD_PREVENTION, "教育" },
        { "再発防止: 教育", KENCHI_CMD_PREVENTION, "教育" },
        { "assign: tanaka", KENCHI_CMD_ASSIGN, "tanaka" },
        { "担当: 田中", KENCHI_CMD_ASSIGN, "田中" },
        { "priority: P2", KENCHI_CMD_PRIORITY, "P2" },
        { "優先度: 1", KENCHI_CMD_PRIORITY, "P1" },
        { "note: called the customer", KENCHI_CMD_NOTE, "called the customer" },
        { "メモ: 電話済み", KENCHI_CMD_NOTE, "電話済み" },
        { "備考: 電話済み", KENCHI_CMD_NOTE, "電話済み" },
        { "allow: path C:\\Tools\\x.exe", KENCHI_CMD_ALLOW, "path C:\\Tools\\x.exe" },
        { "許可: host PC-01", KENCHI_CMD_ALLOW, "host PC-01" },
        { "block: domain Evil.Example.COM", KENCHI_CMD_BLOCK, "domain evil.example.com" },
        { "ブロック: ip 192.0.2.1", KENCHI_CMD_BLOCK, "ip 192.0.2.1" },
        { "merge: 12", KENCHI_CMD_MERGE, "12" },
        { "統合: #12", KENCHI_CMD_MERGE, "12" },
        { "close:", KENCHI_CMD_CLOSE, "" },
        { "クローズ:", KENCHI_CMD_CLOSE, "" },
        { "reopen:", KENCHI_CMD_REOPEN, "" },
        { "再オープン:", KENCHI_CMD_REOPEN, "" },
        { "send: second-report", KENCHI_CMD_SEND, "second-report" },
        { "送信: 二次報告", KENCHI_CMD_SEND, "second-report" },
        { "help:", KENCHI_CMD_HELP, "" },
        { "ヘルプ:", KENCHI_CMD_HELP, "" },
        /* case, full-width colon and letters, half-width katakana, spacing */
        { "VERDICT: Malicious", KENCHI_CMD_VERDICT, "malicious" },
        { "Verdict : benign", KENCHI_CMD_VERDICT, "benign" },
        { "判定：悪性", KENCHI_CMD_VERDICT, "malicious" },
        { "ＶＥＲＤＩＣＴ：　ｂｅｎｉｇｎ", KENCHI_CMD_VERDICT, "benign" },
        { "ﾌﾞﾛｯｸ: sha256 " "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
          KENCHI_CMD_BLOCK, "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "note:a:b: c", KENCHI_CMD_NOTE, "a:b: c" },
        { "note: trailing spaces   \t", KENCHI_CMD_NOTE, "trailing spaces" },
        /* bare no-value commands */
        { "close", KENCHI_CMD_CLOSE, "" },
        { "Reopen", KENCHI_CMD_REOPEN, "" },
        { "help", KENCHI_CMD_HELP, "" },
        { "ヘルプ", KENCHI_CMD_HELP, "" },
    };

    (void)state;
    for (gsize i = 0; i < G_N_ELEMENTS(t); i++)
        one_ok(t[i].body, t[i].kind, t[i].value);
}

static void
check_verdict(const char *body, const char *verdict, const char *level)
{
    kenchi_command_list_t *l = kenchi_commands_parse(body);
    kenchi_command_t *c = nth(l, 0);

    if (c->error != NULL)
        fail_msg("%s: %s", body, c->error);
    assert_string_equal(c->value, verdict);
    if (level == NULL && c->level != NULL)
        fail_msg("%s: level %s, want none", body, c->level);
    if (level != NULL) {
        assert_non_null(c->level);
        assert_string_equal(c->level, level);
    }
    kenchi_commands_free(l);
}

static void
test_verdicts(void **state)
{
    (void)state;
    check_verdict("verdict: malicious", "malicious", NULL);
    check_verdict("verdict: malicious high", "malicious", "high");
    check_verdict("verdict: Malicious (Medium)", "malicious", "medium");
    check_verdict("verdict: malicious, low", "malicious", "low");
    check_verdict("verdict: malicious-high", "malicious", "high");
    check_verdict("判定: 悪性(中)", "malicious", "medium");
    check_verdict("判定: 悪性（高）", "malicious", "high");
    check_verdict("判定: 悪性 中", "malicious", "medium");
    check_verdict("判定: 悪性　低", "malicious", "low");
    check_verdict("判定: 悪性中", "malicious", "medium");
    check_verdict("判定: 非悪性", "benign", NULL);
    check_verdict("verdict: pup", "pup", NULL);
    check_verdict("verdict: PUP low", "pup", "low");
    check_verdict("verdict: adware", "pup", NULL);
    check_verdict("判定: PUP", "pup", NULL);
    check_verdict("verdict: policy-violation", "policy-violation", NULL);
    check_verdict("verdict: policy_violation", "policy-violation", NULL);
    check_verdict("判定: ポリシー違反", "policy-violation", NULL);
    check_verdict("verdict: false-positive", "false-positive", NULL);
    check_verdict("verdict: False Positive", "false-positive", NULL);
    check_verdict("判定: 誤検知", "false-positive", NULL);

    one_bad("verdict: evil",
            "unknown verdict \"evil\" (malicious, benign, pup, policy-violation, false-positive)");
    one_bad("verdict: malicioushigh", "unknown verdict");
    one_bad("verdict: malicious extreme", "unknown level \"extreme\" (low, medium, high)");
    one_bad("verdict:", "verdict needs a value");
    one_bad("判定: 悪性(特大)", "unknown level");
}

static void
test_priority(void **state)
{
    static const char *const good[][2] = {
        { "P1", "P1" }, { "P2", "P2" }, { "p3", "P3" }, { "P4", "P4" },
        { "1", "P1" }, { "4", "P4" }, { "Ｐ２", "P2" }, { "３", "P3" },
    };
    (void)state;
    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        char *body = g_strdup_printf("priority: %s", good[i][0]);
        kenchi_command_list_t *l = kenchi_commands_parse(body);
        one_ok(body, KENCHI_CMD_PRIORITY, good[i][1]);
        assert_int_equal(nth(l, 0)->number, good[i][1][1] - '0');
        kenchi_commands_free(l);
        g_free(body);
    }
    one_bad("priority: P5", "unknown priority \"P5\" (P1, P2, P3, P4)");
    one_bad("priority: 0", "unknown priority");
    one_bad("priority: high", "unknown priority");
    one_bad("priority: P12", "unknown priority");
    one_bad("priority:", "needs a value");
}

static void
test_merge_send_noarg(void **state)
{
    kenchi_command_list_t *l;

    (void)state;
    l = kenchi_commands_parse("merge: #123");
    assert_int_equal(nth(l, 0)->number, 123);
    kenchi_commands_free(l);
    one_ok("merge: ＃４５", KENCHI_CMD_MERGE, "45");
    one_bad("merge: 0", "merge needs a case number");
    one_bad("merge: -3", "merge needs a case number");
    one_bad("merge: +3", "merge needs a case number");
    one_bad("merge: 12a", "merge needs a case number");
    one_bad("merge: 99999999999999999999999", "merge needs a case number");
    one_bad("merge: 1 2", "merge needs a case number");

    one_ok("send: Second-Report", KENCHI_CMD_SEND, "second-report");
    one_ok("send: second report", KENCHI_CMD_SEND, "second-report");
    one_bad("send: first-report", "unknown report \"first-report\" (second-report)");
    one_bad("send:", "send needs a value");

    one_bad("close: now", "close takes no value");
    one_bad("reopen: please", "reopen takes no value");
    one_bad("help: me", "help takes no value");
}

static void
check_list(const char *body, kenchi_cmd_kind_t kind, const char *lkind, const char *lvalue)
{
    kenchi_command_list_t *l = kenchi_commands_parse(body);
    kenchi_command_t *c = nth(l, 0);

    if (c->error != NULL)
        fail_msg("%s: %s", body, c->error);
    assert_int_equal(c->kind, kind);
    assert_string_equal(c->list_kind, lkind);
    if (strcmp(c->list_value, lvalue) != 0)
        fail_msg("%s: \"%s\", want \"%s\"", body, c->list_value, lvalue);
    kenchi_commands_free(l);
}

#define HASH "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void
test_allow_block(void **state)
{
    (void)state;
    check_list("allow: sha256 " HASH, KENCHI_CMD_ALLOW, "sha256", HASH);
    check_list("block: SHA-256 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
               KENCHI_CMD_BLOCK, "sha256", HASH);
    check_list("block: sha256: " HASH, KENCHI_CMD_BLOCK, "sha256", HASH);
    check_list("block: sha256:" HASH, KENCHI_CMD_BLOCK, "sha256", HASH);
    check_list("allow: " HASH, KENCHI_CMD_ALLOW, "sha256", HASH);   /* kind inferred */
    check_list("allow: detection W32.Auto:5a1b2c.in03.Talos", KENCHI_CMD_ALLOW, "detection",
               "W32.Auto:5a1b2c.in03.Talos");
    check_list("allow: path \"C:\\Program Files\\Tool\\t.exe\"", KENCHI_CMD_ALLOW, "path",
               "C:\\Program Files\\Tool\\t.exe");
    check_list("allow: host DESKTOP-AB12", KENCHI_CMD_ALLOW, "host", "DESKTOP-AB12");
    check_list("block: url https://evil.example/x?a=1", KENCHI_CMD_BLOCK, "url", "https://evil.example/x?a=1");
    check_list("block: url HTTP://Evil.example/", KENCHI_CMD_BLOCK, "url", "http://Evil.example/");
    check_list("block: url hxxps://evil[.]example/dl", KENCHI_CMD_BLOCK, "url", "https://evil.example/dl");
    check_list("block: ip 192.0.2.10", KENCHI_CMD_BLOCK, "ip", "192.0.2.10");
    check_list("block: ip 192.0.2[.]10", KENCHI_CMD_BLOCK, "ip", "192.0.2.10");
    check_list("block: ip 2001:DB8:0:0::1", KENCHI_CMD_BLOCK, "ip", "2001:db8::1");
    check_list("block: domain Evil.Example.COM.", KENCHI_CMD_BLOCK, "domain", "evil.example.com");
    check_list("block: domain evil[.]example[.]com", KENCHI_CMD_BLOCK, "domain", "evil.example.com");
    check_list("block: domain 例え.jp", KENCHI_CMD_BLOCK, "domain", "xn--r8jz45g.jp");
    /* Typographic quotes (iOS, Outlook) and the notice's own "c[:]" (round 36a). */
    check_list("allow: path \u201cC:\\Tools\\a.exe\u201d", KENCHI_CMD_ALLOW, "path", "C:\\Tools\\a.exe");
    check_list("allow: path c[:]\\Users\\yamada\\Downloads\\x.exe", KENCHI_CMD_ALLOW, "path",
               "C:\\Users\\yamada\\Downloads\\x.exe");
    /* A path as AMP writes it: slashes and yen signs, the full-width one
     * too, are backslashes (round rs1 F2). */
    check_list("allow: path C:/Tools/a.exe", KENCHI_CMD_ALLOW, "path", "C:\\Tools\\a.exe");
    check_list("allow: path C:\uffe5Tools\uffe5a.exe", KENCHI_CMD_ALLOW, "path", "C:\\Tools\\a.exe");
    check_list("allow: path \u00a5\u00a5fs01\u00a5share\u00a5a.exe", KENCHI_CMD_ALLOW, "path", "\\\\fs01\\share\\a.exe");
    /* an IPv4-mapped address is its IPv4, as it is matched (rs1 F4) */
    check_list("block: ip ::ffff:192.0.2.10", KENCHI_CMD_BLOCK, "ip", "192.0.2.10");
    check_list("allow: path C:\\Tools\\inhouse\\*", KENCHI_CMD_ALLOW, "path", "C:\\Tools\\inhouse\\*");
    check_list("allow: path *\\inhouse.exe", KENCHI_CMD_ALLOW, "path", "*\\inhouse.exe");
    check_list("allow: path C:\\Program Files\\Vendor\\*\\agent.exe", KENCHI_CMD_ALLOW, "path",
               "C:\\Program Files\\Vendor\\*\\agent.exe");
    check_list("allow: path \\\\fs01\\share\\tools\\inhouse\\*", KENCHI_CMD_ALLOW, "path",
               "\\\\fs01\\share\\tools\\inhouse\\*");
    check_list("allow: host BUILD-SRV-*", KENCHI_CMD_ALLOW, "host", "BUILD-SRV-*");
    /* Retyped in full-width forms: stored as the alerts read the name (round 49). */
    check_list("allow: host ＰＣ－ＢＵＩＬＤ－０１．ｃｏｒｐ。ｌｏｃａｌ", KENCHI_CMD_ALLOW, "host", "PC-BUILD-01.corp.local");

    one_bad("allow: url https://x.example/", "cannot allow by url (allow: sha256, detection, path, host)");
    one_bad("allow: ip 192.0.2.1", "cannot allow by ip");
    one_bad("block: host PC-01", "cannot block by host (block: sha256, url, ip, domain)");
    one_bad("block: path C:\\x.exe", "cannot block by path");
    one_bad("block: sha256 abc", "bad sha256 \"abc\"");
    one_bad("block: sha256 " HASH "00", "bad sha256");
    one_bad("block: sha256 g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "bad sha256");
    one_bad("block: url evil.example/x", "bad url");
    one_bad("block: url https:///x", "bad url");
    one_bad("block: url https://a b/", "bad url");
    one_bad("block: ip 999.1.1.1", "bad ip");
    one_bad("block: ip 10.0.0.0/8", "not a range");
    one_bad("block: ip fe80::1%eth0", "bad ip");
    one_bad("block: ip evil.example", "bad ip");
    one_bad("block: domain 192.0.2.1", "use \"block: ip");
    one_bad("block: domain localhost", "bad domain");
    one_bad("block: domain -bad.example", "bad domain");
    one_bad("block: domain a..example", "bad domain");
    one_bad("block: domain http://x.example/", "bad domain");
    one_bad("allow: host two words", "bad host");
    one_bad("allow: path \"\"", "bad path");
    one_bad("block: sha256", "block sha256 needs a value");
    one_bad("block: evil.example", "block needs KIND VALUE; unknown kind \"evil.example\"");
    one_bad("block:", "block needs a value");
    /* Entries that would silence every alert, or are no indicator (round 36b). */
    one_bad("allow: path *", "names no file or folder");
    one_bad("allow: path **", "names no file or folder");
    one_bad("allow: path ?*", "names no file or folder");
    one_bad("allow: path *.dll", "must end with a whole file name");
    /* A * matches across backslashes: what comes before it decides; and
     * the path is judged normalised (round 37a). */
    one_bad("allow: path *\\*.exe", "must end with a whole file name");
    one_bad("allow: path C:\\*.exe", "near the root");
    one_bad("allow: path C:\\Use*", "near the root");
    one_bad("allow: path C:\\Users\\*\\*", "near the root");
    one_bad("allow: path C:\\*\\Downloads\\*", "near the root");
    /* A whole file name at the end is one program wherever it is (round 38a). */
    check_list("allow: path C:\\Users\\*\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", KENCHI_CMD_ALLOW,
               "path", "C:\\Users\\*\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe");
    check_list("allow: path D:\\*\\backup.exe", KENCHI_CMD_ALLOW, "path", "D:\\*\\backup.exe");
    /* Doubled backslashes (a path pasted from JSON) are one (round 38a). */
    one_bad("allow: path C:\\\\Users\\\\*", "near the root");
    check_list("allow: path C:\\\\Tools\\\\a.exe", KENCHI_CMD_ALLOW, "path", "C:\\Tools\\a.exe");
    check_list("allow: path \\\\fs01\\\\share\\a.exe", KENCHI_CMD_ALLOW, "path", "\\\\fs01\\share\\a.exe");
    one_bad("allow: path C:/Users/*", "near the root");
    one_bad("allow: path C:\u00a5Users\u00a5*", "near the root");
    one_bad("allow: path C:\\Users\\*", "near the root");
    one_bad("allow: path C:\\*", "names no file or folder");
    one_bad("allow: host *", "names no host");
    one_bad("block: ip 0.0.0.0", "not an address a host talks to");
    one_bad("block: ip ::", "not an address a host talks to");
    one_bad("block: ip 127.0.0.1", "not an address a host talks to");
    one_bad("block: url javascript:alert(1)", "no network indicator");
    one_bad("block: url file:///C:/", "no network indicator");
    one_bad("block: domain co.jp", "a registry");
    one_bad("block: ip ::ffff:127.0.0.1", "not an address a host talks to");
    one_bad("block: url http://127.0.0.1/x", "not an address a host talks to");
    one_bad("block: url https://localhost/x", "localhost");
    one_bad("block: domain tokyo.jp", "a registry");
    one_bad("allow: path C:\\Tools\\a\u034Fb.exe", "invisible character (U+034F)");
    check_list("block: domain duckdns.org", KENCHI_CMD_BLOCK, "domain", "duckdns.org");
    /* round 38a */
    one_bad("allow: host PC-*", "naming scheme");
    one_bad("allow: host PC-??-????", "naming scheme");
    /* The machine name, before the first dot, is what a pattern names
     * (reply round rr1 F8). */
    one_bad("allow: host *.acme.local", "machine name is only wildcards");
    one_bad("allow: host *.local", "machine name is only wildcards");
    one_bad("allow: host ??.acme.local", "machine name is only wildcards");
    one_bad("allow: host PC-??.acme.local", "naming scheme");
    one_bad("allow: host *acme.local", "leading * matches whole names");
    check_list("allow: host PC-LAB-0?.acme.local", KENCHI_CMD_ALLOW, "host", "PC-LAB-0?.acme.local");
    check_list("allow: host *-SRV01.acme.local", KENCHI_CMD_ALLOW, "host", "*-SRV01.acme.local");
    check_list("allow: host WEBSRV*.acme.local", KENCHI_CMD_ALLOW, "host", "WEBSRV*.acme.local");
    one_bad("block: url http://127.1/x", "not an address a host talks to");
    one_bad("block: url http://2130706433/", "not an address a host talks to");
    one_bad("block: url http://0x7f000001/", "not an address a host talks to");
    one_bad("block: url http://localhost./", "localhost");
    one_bad("block: domain chiyoda.tokyo.jp", "a registry");
    one_bad("block: domain ex\u3164ample.com", "invisible character (U+3164)");
    check_list("block: domain city.chiyoda.tokyo.jp", KENCHI_CMD_BLOCK, "domain", "city.chiyoda.tokyo.jp");
    check_list("block: url fxp://evil[.]example/x", KENCHI_CMD_BLOCK, "url", "ftp://evil.example/x");
    /* session 17 */
    one_bad("block: ip ::127.0.0.1", "loopback");
    one_bad("block: ip 64:ff9b::7f00:1", "loopback");
    one_bad("block: ip 2002:7f00:1::", "loopback");
    one_bad("block: ip 0.1.2.3", "this network");
    one_bad("block: ip 240.0.0.1", "reserved");
    one_bad("block: ip 169.254.169.254", "link-local");
    one_bad("block: ip fe80::1", "link-local");
    check_list("block: ip 64:ff9b::c633:6407", KENCHI_CMD_BLOCK, "ip", "64:ff9b::c633:6407");
    one_bad("block: domain 東京.jp", "a registry");
    one_bad("block: domain kawasaki.jp", "a registry");
    one_bad("block: domain nakahara.kawasaki.jp", "a registry");
    check_list("block: domain city.kawasaki.jp", KENCHI_CMD_BLOCK, "domain", "city.kawasaki.jp");
    check_list("block: domain evil.東京.jp", KENCHI_CMD_BLOCK, "domain", "evil.xn--1lqs71d.jp");
    one_bad("allow: path %SystemDrive%\\Tools\\a.exe", "environment variable");
    one_bad("allow: path C:Tools\\a.exe", "write \"C:\\Tools\\a.exe\"");
    one_bad("allow: path C:\\Tools\\\u202Eexe.txt", "invisible character (U+202E)");
    one_bad("allow: detection W32.\u200BEvil", "invisible character (U+200B)");
}

static void
test_continuation(void **state)
{
    kenchi_command_list_t *l;
    kenchi_command_t *c;

    (void)state;
    l = kenchi_commands_parse("action: isolate the PC\n"
                              "  and reset the password\n"
                              "\tof the user\n"
                              "　全角スペースでも続く\n"
                              "state: quarantined\n");
    assert_int_equal(l->cmds->len, 2);
    assert_int_equal(l->errors, 0);
    c = nth(l, 0);
    assert_int_equal(c->line, 1);
    assert_string_equal(c->value, "isolate the PC and reset the password of the user 全角スペースでも続く");
    assert_string_equal(c->text, "action: isolate the PC and reset the password of the user 全角スペースでも続く");
    c = nth(l, 1);
    assert_int_equal(c->line, 5);
    assert_string_equal(c->value, "quarantined");
    kenchi_commands_free(l);

    /* a continuation can carry the value of an otherwise empty keyword */
    one_ok("note:\n  the value is here", KENCHI_CMD_NOTE, "the value is here");
    /* and makes a no-value command wrong */
    one_bad("close:\n  now", "close takes no value");
    /* an indented first line has nothing to continue */
    one_ok("   verdict: benign", KENCHI_CMD_VERDICT, "benign");

    /* A long line of free text that the mail client wrapped, the rest not
     * indented (Gmail's plain-text mode, Becky!): its rest (round 36a). */
    l = kenchi_commands_parse("action: Please disconnect PC-TK-0231 from the network, run a full scan with\n"
                              "the latest definitions.\n"
                              "send: second-report\n");
    assert_int_equal(l->errors, 0);
    assert_int_equal(l->cmds->len, 2);
    assert_string_equal(nth(l, 0)->value, "Please disconnect PC-TK-0231 from the network, run a full scan with "
                                          "the latest definitions.");
    kenchi_commands_free(l);
    l = kenchi_commands_parse("対応: 当該端末をネットワークから切り離し、管理者権限でフルスキャンを実施のう\n"
                              "え、検体の実行有無をご確認ください。\n");
    assert_int_equal(l->errors, 0);
    assert_string_equal(nth(l, 0)->value, "当該端末をネットワークから切り離し、管理者権限でフルスキャンを実施のう"
                                          "え、検体の実行有無をご確認ください。");
    kenchi_commands_free(l);
    /* A one-word command after a long note stays a command. */
    l = kenchi_commands_parse("note: Confirmed with the customer's IT, it is their in-house tool again\nclose\n");
    assert_int_equal(l->errors, 0);
    assert_int_equal(l->cmds->len, 2);
    kenchi_commands_free(l);
    /* After a short line, or after a verdict, a stray line is still an error. */
    l = kenchi_commands_parse("action: isolate the PC\nthanks\n");
    assert_int_equal(l->cmds->len, 2);
    assert_int_equal(l->errors, 1);
    assert_non_null(strstr(nth(l, 1)->error, "not a command"));
    kenchi_commands_free(l);
    /* Never a rest (round 37a): after a whole sentence, a command with its
     * colon missing, a label, an address, a mobile signature; nor in HTML. */
    {
        static const char *const rests[] = {
            "action: Please disconnect PC-TK-0231 from the network and run a full scan.\nThanks, Tanaka\n",
            "action: Please disconnect PC-TK-0231 from the network and run a full scan with\nprevention enable ASR rules\n",
            "action: Please disconnect PC-TK-0231 from the network and run a full scan with\nCONFIDENTIALITY NOTICE: this mail is for\n",
            "action: Please disconnect PC-TK-0231 from the network and run a full scan with\nSent from my iPhone\n",
            "action: Please disconnect PC-TK-0231 from the network and run a full scan with\nTanaka <t@soc.example.jp>\n",
        };
        for (gsize i = 0; i < G_N_ELEMENTS(rests); i++) {
            l = kenchi_commands_parse(rests[i]);
            if (l->cmds->len != 2 || l->errors != 1)
                fail_msg("%s: %u commands, %d errors: joined", rests[i], l->cmds->len, l->errors);
            kenchi_commands_free(l);
        }
        l = kenchi_commands_parse_text("action: Please disconnect PC-TK-0231 from the network, run a full scan with\n"
                                       "the latest definitions.\n", -1, FALSE);
        assert_int_equal(l->errors, 1);
        kenchi_commands_free(l);
    }
    l = kenchi_commands_parse("priority: P1 because the sandbox run of this morning confirmed it, see\nthe ticket\n");
    assert_int_equal(l->cmds->len, 2);
    assert_non_null(strstr(nth(l, 1)->error, "not a command"));
    kenchi_commands_free(l);
}

/* BODY's commands end before the marker: exactly N valid commands. */
static void
check_stop(const char *body, guint n)
{
    kenchi_command_list_t *l = kenchi_commands_parse(body);

    if (l->cmds->len != n || l->errors != 0)
        fail_msg("%s\n=> %u entries, %d errors (%s)", body, l->cmds->len, l->errors,
                 l->cmds->len > 0 && nth(l, l->cmds->len - 1)->error ? nth(l, l->cmds->len - 1)->error : "-");
    kenchi_commands_free(l);
}

static void
test_stop_markers(void **state)
{
    (void)state;
    check_stop("verdict: benign\n\nhello\nverdict: malicious\n", 1);
    /* A blank line ends them even when a command-like line follows (round
     * 38a: a signature's "対応：SOC 田中" overwrote the action); the list
     * says one followed, for the transcript (round 36a). */
    check_stop("verdict: benign\n\n対応：SOC運用チーム 田中\n", 1);
    {
        kenchi_command_list_t *l = kenchi_commands_parse("verdict: benign\n\nstate: quarantined\n");
        assert_true(l->more_after_blank);
        kenchi_commands_free(l);
        l = kenchi_commands_parse("verdict: benign\n\nThanks, Tanaka\n");
        assert_false(l->more_after_blank);
        kenchi_commands_free(l);
    }
    check_stop("verdict: benign\n \t\nhello\n", 1);
    check_stop("verdict: benign\n　\nhello\n", 1);
    check_stop("verdict: benign\n> verdict: malicious\n", 1);
    check_stop("verdict: benign\n   > close\n", 1);
    check_stop("verdict: benign\n＞ close\n", 1);
    check_stop("verdict: benign\n>> close\n", 1);
    check_stop("verdict: benign\n-- \nTaro\nclose\n", 1);
    check_stop("verdict: benign\n--\nTaro\nclose\n", 1);
    check_stop("verdict: benign\nOn Wed, Nov 25, 2026 at 10:00 AM Kenchi <soc@example.jp> wrote:\n"
               "> verdict: malicious\n", 1);
    check_stop("verdict: benign\nOn Wed, Nov 25, 2026 at 10:00 AM Kenchi SOC Desk\n<soc@example.jp> wrote:\n"
               "close\n", 1);
    check_stop("verdict: benign\nOn Wed, Nov 25, 2026 at 10:00 AM Kenchi <\nsoc@example.jp> wrote:\nclose\n", 1);
    check_stop("verdict: benign\nTaro Yamada wrote:\nclose\n", 1);
    check_stop("verdict: benign\n2026年11月25日(水) 10:00 Kenchi <soc@example.jp>:\nclose\n", 1);
    check_stop("verdict: benign\n2026年11月25日(水) 10:00 Kenchi SOC <\nsoc@example.jp>:\nclose\n", 1);
    check_stop("verdict: benign\n2026/11/25 10:00、Kenchi <soc@example.jp>のメール：\nclose\n", 1);
    check_stop("verdict: benign\nKenchi さんは書きました:\nclose\n", 1);
    check_stop("verdict: benign\n-----Original Message-----\nFrom: soc@example.jp\nclose\n", 1);
    check_stop("verdict: benign\n-----元のメッセージ-----\nclose\n", 1);
    check_stop("verdict: benign\n---------- Forwarded message ---------\nclose\n", 1);
    check_stop("verdict: benign\n________________________________\nFrom: soc\nclose\n", 1);
    check_stop("verdict: benign\nFrom: Kenchi <soc@example.jp>\nSent: Wednesday\nclose\n", 1);
    check_stop("verdict: benign\n差出人: Kenchi <soc@example.jp>\n送信日時: 2026年11月25日\nclose\n", 1);
    check_stop("verdict: benign\n差出人: Kenchi <soc@example.jp>\n日付: 2026年11月25日水曜日 16:20\nclose\n", 1);   /* Outlook for Mac */
    /* a keyword line that looks like a header is still a command */
    check_stop("note: asked Taro <taro@example.jp> about it:\nverdict: benign\n", 2);
    check_stop("note: he wrote:\nverdict: benign\n", 2);
}

static void
test_crlf_and_leading_blanks(void **state)
{
    kenchi_command_list_t *l;

    (void)state;
    l = kenchi_commands_parse("\xEF\xBB\xBF\r\n  \r\nverdict: benign\r\nstate: clean\r\n  ok\r\n\r\n"
                              "> verdict: malicious\r\n");
    assert_int_equal(l->cmds->len, 2);
    assert_int_equal(l->errors, 0);
    assert_int_equal(nth(l, 0)->line, 3);
    assert_string_equal(nth(l, 0)->value, "benign");
    assert_int_equal(nth(l, 1)->line, 4);
    assert_string_equal(nth(l, 1)->value, "clean ok");
    assert_null(strchr(nth(l, 1)->text, '\r'));
    kenchi_commands_free(l);
}

static void
test_bad_line_and_empty(void **state)
{
    kenchi_command_list_t *l;
    const char *empties[] = { "", "\n\n\n", "> verdict: malicious\n", "\n-- \nsig\n",
                              "On Mon, Taro <t@example.jp> wrote:\n> close\n" };

    (void)state;
    l = kenchi_commands_parse("verdict: malicious high\nThanks, will check.\nverdict malicious\n"
                              "colour: red\nstate: quarantined\n");
    assert_int_equal(l->cmds->len, 5);
    assert_int_equal(l->errors, 3);
    assert_false(l->empty);
    assert_null(nth(l, 0)->error);
    assert_string_equal(nth(l, 0)->level, "high");
    assert_non_null(strstr(nth(l, 1)->error, "not a command"));
    assert_string_equal(nth(l, 1)->text, "Thanks, will check.");
    assert_int_equal(nth(l, 1)->line, 2);
    assert_string_equal(nth(l, 2)->error, "missing \":\" after \"verdict\"");
    assert_non_null(strstr(nth(l, 3)->error, "not a command"));
    assert_null(nth(l, 4)->error);
    assert_string_equal(nth(l, 4)->value, "quarantined");
    kenchi_commands_free(l);

    /* A keyword one typo away is named, not "not a command" (round 42
     * F5: the answer took it for a banner); far words and headers are not. */
    l = kenchi_commands_parse("verdct: benign\nPrioirty: P2\nAssigned: Tanaka\nDate: today\nnotice: x\n");
    assert_int_equal(l->errors, 5);
    assert_string_equal(nth(l, 0)->error, "unknown keyword \"verdct\" (did you mean \"verdict\"?)");
    assert_string_equal(nth(l, 1)->error, "unknown keyword \"Prioirty\" (did you mean \"priority\"?)");
    assert_string_equal(nth(l, 2)->error, "unknown keyword \"Assigned\" (did you mean \"assign\"?)");
    assert_non_null(strstr(nth(l, 3)->error, "not a command"));
    assert_non_null(strstr(nth(l, 4)->error, "not a command"));
    kenchi_commands_free(l);

    l = kenchi_commands_parse(NULL);
    assert_true(l->empty);
    assert_int_equal(l->cmds->len, 0);
    kenchi_commands_free(l);
    for (gsize i = 0; i < G_N_ELEMENTS(empties); i++) {
        l = kenchi_commands_parse(empties[i]);
        if (!l->empty || l->errors != 0)
            fail_msg("not empty: %s", empties[i]);
        kenchi_commands_free(l);
    }
    kenchi_commands_free(NULL);
}

static void
test_hostile(void **state)
{
    GString *g = g_string_new(NULL);
    kenchi_command_list_t *l;
    char *big;

    (void)state;
    /* 10k command lines: 100 are read, the 101st is one error, the rest ignored */
    for (int i = 0; i < 10000; i++)
        g_string_append(g, "note: x\n");
    l = kenchi_commands_parse(g->str);
    assert_int_equal(l->cmds->len, KENCHI_CMD_MAX + 1);
    assert_int_equal(l->errors, 1);
    assert_non_null(strstr(nth(l, KENCHI_CMD_MAX)->error, "more than 100 commands"));
    assert_int_equal(nth(l, KENCHI_CMD_MAX)->line, 101);
    kenchi_commands_free(l);

    /* commands after the quote marker are inert, however many */
    g_string_assign(g, "verdict: benign\n> ");
    for (int i = 0; i < 10000; i++)
        g_string_append(g, "close\n");
    l = kenchi_commands_parse(g->str);
    assert_int_equal(l->cmds->len, 1);
    assert_int_equal(l->errors, 0);
    kenchi_commands_free(l);

    /* a 1 MB line: an error with a bounded echo */
    big = g_malloc(1024 * 1024 + 1);
    memset(big, 'A', 1024 * 1024);
    memcpy(big, "note: ", 6);
    big[1024 * 1024] = '\0';
    l = kenchi_commands_parse(big);
    assert_int_equal(l->cmds->len, 1);
    assert_int_equal(l->errors, 1);
    assert_string_equal(nth(l, 0)->error, "value longer than 4096 bytes");
    assert_true(strlen(nth(l, 0)->text) <= KENCHI_CMD_VALUE_MAX + 8);
    kenchi_commands_free(l);
    /* the same, made of multi-byte characters: the cut stays valid UTF-8 */
    g_string_assign(g, "note: ");
    for (int i = 0; i < 200000; i++)
        g_string_append(g, "検");
    l = kenchi_commands_parse(g->str);
    assert_int_equal(l->errors, 1);
    assert_true(g_utf8_validate(nth(l, 0)->text, -1, NULL));
    kenchi_commands_free(l);
    g_free(big);

    /* exactly 4096 bytes is fine, 4097 is not; continuations count too */
    g_string_assign(g, "note: ");
    for (int i = 0; i < KENCHI_CMD_VALUE_MAX; i++)
        g_string_append_c(g, 'a');
    l = kenchi_commands_parse(g->str);
    assert_int_equal(l->errors, 0);
    kenchi_commands_free(l);
    g_string_append(g, "\n b");
    l = kenchi_commands_parse(g->str);
    assert_int_equal(l->errors, 1);
    kenchi_commands_free(l);
    g_string_assign(g, "note: start\n");
    for (int i = 0; i < 10000; i++)
        g_string_append(g, "  more text on a continuation line\n");
    l = kenchi_commands_parse(g->str);
    assert_int_equal(l->cmds->len, 1);
    assert_string_equal(nth(l, 0)->error, "value longer than 4096 bytes");
    kenchi_commands_free(l);

    /* NUL bytes: the C-string API sees the end of the body ... */
    l = kenchi_commands_parse("verdict: benign\0\nclose\n");
    assert_int_equal(l->cmds->len, 1);
    assert_int_equal(l->errors, 0);
    kenchi_commands_free(l);
    /* ... the length API refuses the line instead of cutting it short */
    {
        static const char body[] = "note: a\0b\nverdict: benign\n\n> x\0y\n";
        l = kenchi_commands_parse_len(body, sizeof body - 1);
        assert_int_equal(l->cmds->len, 2);
        assert_int_equal(l->errors, 1);
        assert_non_null(strstr(nth(l, 0)->error, "NUL"));
        assert_true(g_utf8_validate(nth(l, 0)->text, -1, NULL));
        assert_null(nth(l, 1)->error);
        kenchi_commands_free(l);
        l = kenchi_commands_parse_len("\0\0\0", 3);
        assert_int_equal(l->errors, 1);
        kenchi_commands_free(l);
    }
    /* terminal escapes in a value, raw or as a C1 CSI */
    one_bad("note: \x1b[2Jgone", "control character");
    one_bad("note: \xc2\x9b" "2Jgone", "control character");
    /* invalid UTF-8 is tolerated in free text and never echoed raw */
    l = kenchi_commands_parse("note: caf\xe9 \xff\xfe\nstate: \x80\n");
    assert_int_equal(l->errors, 0);
    for (guint i = 0; i < l->cmds->len; i++) {
        assert_true(g_utf8_validate(nth(l, i)->text, -1, NULL));
        assert_true(g_utf8_validate(nth(l, i)->value, -1, NULL));
    }
    kenchi_commands_free(l);
    one_bad("verdict: \xff\xfe", "unknown verdict");
    /* a long keyword-like prefix is not looked up at length */
    g_string_assign(g, "");
    for (int i = 0; i < 100000; i++)
        g_string_append_c(g, 'k');
    g_string_append(g, ": v");
    one_bad(g->str, "not a command");
    g_string_free(g, TRUE);
}

static void
test_names_and_help(void **state)
{
    static const char *const names[] = { "verdict", "state", "reason", "summary", "action", "prevention",
                                         "assign", "priority", "note", "allow", "block", "merge",
                                         "close", "reopen", "send", "help" };
    char *help = kenchi_commands_help_text();

    (void)state;
    for (int k = KENCHI_CMD_VERDICT; k <= KENCHI_CMD_HELP; k++) {
        assert_string_equal(kenchi_cmd_kind_name(k), names[k]);
        assert_non_null(strstr(help, names[k]));
    }
    assert_string_equal(kenchi_cmd_kind_name((kenchi_cmd_kind_t)99), "unknown");
    assert_non_null(strstr(help, "判定"));
    assert_true(g_utf8_validate(help, -1, NULL));
    g_free(help);
}

static void
test_full_reply(void **state)
{
    kenchi_command_list_t *l;

    (void)state;
    l = kenchi_commands_parse("判定: 悪性(高)\n"
                              "状態: 一部隔離済み\n"
                              "対応: 端末をネットワークから切り離し、\n"
                              "  再インストールしてください。\n"
                              "send: second-report\n"
                              "\n"
                              "よろしくお願いします。\n"
                              "-- \n"
                              "SOC 田中\n"
                              "\n"
                              "2026年11月25日(水) 10:00 kenchi <soc+case-41-0123456789ab@example.jp>:\n"
                              "> [kenchi #41 0123456789ab] 検知のお知らせ\n");
    assert_int_equal(l->cmds->len, 4);
    assert_int_equal(l->errors, 0);
    assert_int_equal(nth(l, 0)->kind, KENCHI_CMD_VERDICT);
    assert_string_equal(nth(l, 0)->level, "high");
    assert_string_equal(nth(l, 1)->value, "一部隔離済み");
    assert_string_equal(nth(l, 2)->value, "端末をネットワークから切り離し、 再インストールしてください。");
    assert_int_equal(nth(l, 3)->kind, KENCHI_CMD_SEND);
    assert_int_equal(nth(l, 3)->line, 5);
    kenchi_commands_free(l);
}

/* A case token is the start of HMAC-SHA256(key, "kenchi-case:N"), as
 * GLib computes it, whichever key came before (token.c keeps the last
 * keyed HMAC), and the check accepts it in either case of letters. */
static void
test_tokens(void **state)
{
    const guchar *keys[] = { (const guchar *)"0123456789abcdef", (const guchar *)"another key, longer than 16" };

    (void)state;
    for (int round = 0; round < 4; round++) {
        gsize len = strlen((const char *)keys[round % 2]);
        gint64 id = 7 + round;
        char msg[48], *tok = kenchi_token_for_case(keys[round % 2], len, id), *full, *up;

        g_snprintf(msg, sizeof msg, "kenchi-case:%" G_GINT64_FORMAT, id);
        full = g_compute_hmac_for_string(G_CHECKSUM_SHA256, keys[round % 2], len, msg, -1);
        assert_int_equal(strlen(tok), KENCHI_TOKEN_LEN);
        assert_memory_equal(tok, full, KENCHI_TOKEN_LEN);
        up = g_ascii_strup(tok, -1);
        assert_true(kenchi_token_check(keys[round % 2], len, id, up));
        assert_false(kenchi_token_check(keys[round % 2], len, id + 1, tok));
        assert_false(kenchi_token_check(keys[(round + 1) % 2], strlen((const char *)keys[(round + 1) % 2]), id, tok));
        g_free(up);
        g_free(full);
        g_free(tok);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords_and_aliases),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_priority),
        cmocka_unit_test(test_merge_send_noarg),
        cmocka_unit_test(test_allow_block),
        cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_stop_markers),
        cmocka_unit_test(test_crlf_and_leading_blanks),
        cmocka_unit_test(test_bad_line_and_empty),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_names_and_help),
        cmocka_unit_test(test_full_reply),
        cmocka_unit_test(test_tokens),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
