#!/bin/bash
# 110-replies: the whole analyst loop through real servers, and every way a
# reply must NOT act: a forged From, a wrong token, a token of another case,
# missing or failed Authentication-Results, a replay, a customer reply with
# command-like lines, a command mail with one bad line, auto-replies, loops.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

smtp_start || bail "cannot start the SMTP sink"
write_conf() {   # write_conf REQUIRE_AUTH
    cat >"$KT_TMP/k.conf" <<CONF
[kenchi]
report_hold = 0s
[soc]
name = 検知SOC
from = soc@soc.example.jp
analysts = analyst@soc.example.jp; 鈴木 <suzuki@soc.example.jp>
trusted_authserv_id = mx.soc.example.jp
require_auth_results = $1
[smtp]
host = 127.0.0.1
port = $SMTP_PORT
[customer acme]
name = アクメ株式会社
recipients = soc+acme@soc.example.jp
report_to = security@acme.example.co.jp
charset = utf-8
CONF
}
write_conf false
export KENCHI_CONF=$KT_TMP/k.conf
export KENCHI_NOW=2026-11-25T07:20:00Z

"$KENCHI" deliver <"$FIX/mail/en-plain.eml" 2>/dev/null
"$KENCHI" deliver <"$FIX/mail/en-8bit.eml" 2>/dev/null    # globex: no customer config here
"$KENCHI" deliver <"$FIX/mail/en-qp.eml" 2>/dev/null      # acme: case 3
"$KENCHI" send --all 2>/dev/null
notice=$(grep -l "X-Kenchi-Kind: analyst-notice" $(smtp_messages) | head -1)
ok $([ -n "$notice" ]; echo $?) "the analyst notice arrives at the SMTP server"
first=$(grep -l "X-Kenchi-Kind: first-report" $(smtp_messages) | head -1)
reply_to=$(sed -n 's/^Reply-To: //p' "$notice" | tr -d '\r')
notice_id=$(grep -i -m1 '^Message-Id:' "$notice" | sed 's/.*<\(.*\)>.*/\1/')
first_id=$(grep -i -m1 '^Message-Id:' "$first" | sed 's/.*<\(.*\)>.*/\1/')
like "$reply_to" "^soc\+case-1-[0-9a-f]{12}@soc.example.jp$" "the notice's Reply-To carries case 1's token"
token=${reply_to#soc+case-1-}; token=${token%@*}

# reply FROM TO MSGID BODY [EXTRA-HEADER]: an analyst's (or anyone's) reply
reply() {
    {
        printf 'Received: by mx.soc.example.jp; Wed, 25 Nov 2026 16:30:00 +0900\n'
        [ -n "${5:-}" ] && printf '%s\n' "$5"
        printf 'From: %s\nTo: %s\nSubject: Re: [kenchi #1] New case\nMessage-ID: <%s>\nIn-Reply-To: <%s>\n' "$1" "$2" "$3" "$notice_id"
        printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' "$4"
    } >"$KT_TMP/reply.eml"
    "$KENCHI" deliver <"$KT_TMP/reply.eml" 2>>"$KT_TMP/deliver.log"
}
state() { sql "select coalesce(verdict,'-') || '|' || coalesce(action,'-') || '|' || state from cases where id = 1"; }
sent_before=$(smtp_count)

# --- the attacks: nothing changes, nobody is answered ---------------------
reply attacker@evil.example "$reply_to" forged-1@evil "verdict: benign"
is $? 0 "a forged sender's mail is stored (exit 0)"
is "$(state)" "-|-|open" "a forged From changes nothing"
reply analyst@soc.example.jp "soc+case-1-000000000000@soc.example.jp" wrongtok-1@x "verdict: benign"
is "$(state)" "-|-|open" "a wrong token changes nothing"
reply analyst@soc.example.jp "soc+case-3-$token@soc.example.jp" othertok-1@x "verdict: benign"
is "$(sql "select coalesce(verdict,'-') from cases where id = 3")" "-" "case 1's token does not command case 3"
reply analyst@soc.example.jp "soc@soc.example.jp" notok-1@x "verdict: benign"
is "$(state)" "-|-|open" "no token at all changes nothing"
"$KENCHI" send --all 2>/dev/null
is "$(smtp_count)" "$sent_before" "and none of them got a reply (no backscatter)"
is "$("$KENCHI" audit --json | grep -c '"ok":false')" 4 "every refused mail is in kenchi audit"
like "$("$KENCHI" audit)" "not in the analysts list" "the audit says why"
reply "analyst@soc.example.jp, attacker@evil.example" "$reply_to" twofrom-1@evil "verdict: benign"
is "$(state)" "-|-|open" "a From of two addresses, an analyst's first, changes nothing (round 36b)"
like "$("$KENCHI" audit --json | grep twofrom-1)" "more than one sender" "and the audit says why"

# --- a customer reply with command-like lines: a note, never commands -----
{
    printf 'From: security@acme.example.co.jp\nTo: soc@soc.example.jp\nSubject: Re: [kenchi #1] report\n'
    printf 'Message-ID: <cust-1@acme>\nIn-Reply-To: <%s>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n' "$first_id"
    printf 'verdict: benign\nclose\n\nこれは社内ツールです。誤検知と思われます。\n'
} | "$KENCHI" deliver 2>/dev/null
is "$(state)" "-|-|open" "a customer reply holding 'verdict: benign' does not act"
is "$(sql "select attention from cases where id = 1")" 1 "it flags the case for attention"
like "$(sql "select text from notes where case_id = 1 and source = 'customer'")" "誤検知と思われます" "and is kept as a note"
"$KENCHI" send --all 2>/dev/null
like "$(cat $(smtp_messages) | tr -d '\r')" "Customer reply from" "the analysts get a notice of it"

# --- a case number is no secret: only the case's customer files a note ----
{
    printf 'From: someone@evil.example\nTo: soc@soc.example.jp\nSubject: Re: [kenchi #1] report\n'
    printf 'Message-ID: <outsider-1@evil>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n'
    printf 'Urgent: call +81-3-0000-0000 to keep your account.\n'
} | "$KENCHI" deliver 2>/dev/null
is "$(sql "select count(*) from notes where message_id = 'outsider-1@evil'")" 0 \
    "an outsider's mail naming case 1 in its subject is not filed as the customer's note (round 36b)"
like "$(sql "select reason from messages where message_id = 'outsider-1@evil'")" "not of its customer acme" \
    "it is stored, and says why, for kenchi messages"
{
    printf 'From: taro@acme.example.co.jp\nTo: %s\nSubject: Re: [kenchi #1 %s] New case\n' "$reply_to" "$token"
    printf 'Message-ID: <fwd-notice-1@acme>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n'
    printf 'この端末は来週入れ替え予定です。\n'
} | "$KENCHI" deliver 2>/dev/null
like "$(sql "select text from notes where message_id = 'fwd-notice-1@acme'")" "入れ替え予定" \
    "the customer answering a notice forwarded to it (it carries the token) is kept as its note, not lost (round 36b)"

# --- auto-replies and loops are ignored -----------------------------------
{
    printf 'From: security@acme.example.co.jp\nTo: soc@soc.example.jp\nSubject: Out of office: [kenchi #1] report\n'
    printf 'Auto-Submitted: auto-replied\nMessage-ID: <ooo-1@acme>\nIn-Reply-To: <%s>\n\nI am away.\n' "$first_id"
} | "$KENCHI" deliver 2>/dev/null
is "$(sql "select kind from messages where message_id = 'ooo-1@acme'")" auto_reply "an auto-reply is recognised"
is "$(sql "select count(*) from notes where message_id = 'ooo-1@acme'")" 0 "and does nothing"
"$KENCHI" deliver <"$first" 2>/dev/null
is "$(sql "select kind from messages where subject like '%一次報告%'")" loop "kenchi's own report coming back is a loop, ignored"
# Responders that set no Auto-Submitted (reply round rr1 F2: each was
# parsed as commands and answered, "commands NOT applied", and one that
# answers every mail loops with the transcripts).
n_tr=$(sql "select count(*) from outbox where kind = 'transcript'")
i=0
for h in 'X-Autoreply: yes' 'X-Autorespond: yes' 'Precedence: auto_reply' 'X-Auto-Response-Suppress: All' \
         'Return-Path: <>' 'Return-Path: < >'; do
    i=$((i + 1))
    reply analyst@soc.example.jp "$reply_to" "ooo-mark-$i@soc" "note: ooo $i" "$h"
done
is "$(sql "select group_concat(distinct kind) || '|' || count(*) from messages where message_id like 'ooo-mark-%'")" "auto_reply|6" \
    "an analyst's auto-reply marked only by X-Autoreply, X-Autorespond, Precedence: auto_reply, X-Auto-Response-Suppress or a null Return-Path is stored as one (rr1 F2)"
is "$(sql "select count(*) from notes where text like 'ooo %'")|$(sql "select count(*) from outbox where kind = 'transcript'")" "0|$n_tr" \
    "and is neither executed nor answered"
like "$(sql "select reason from messages where message_id = 'ooo-mark-5@soc'")" "a null Return-Path" \
    "the stored message says which mark"
reply analyst@soc.example.jp "$reply_to" ooo-none@soc "note: suppress none" "X-Auto-Response-Suppress: None"
is "$(sql "select count(*) from notes where text = 'suppress none'")" 1 \
    "X-Auto-Response-Suppress: None marks nothing: the reply is an analyst's, and applied"
{
    printf 'From: security@acme.example.co.jp\nTo: soc@soc.example.jp\nSubject: Out of office: [kenchi #1] report\n'
    printf 'X-Autoreply: yes\nMessage-ID: <ooo-2@acme>\nIn-Reply-To: <%s>\n\nI am away until Monday.\n' "$first_id"
} | "$KENCHI" deliver 2>/dev/null
is "$(sql "select kind from messages where message_id = 'ooo-2@acme'")|$(sql "select count(*) from notes where message_id = 'ooo-2@acme'")" \
    "auto_reply|0" "a customer's out-of-office marked X-Autoreply is no note, and no analyst is told of it (rr1 F2)"

# --- one bad line: nothing is applied -------------------------------------
reply analyst@soc.example.jp "$reply_to" bad-1@soc "verdict: malicious medium
state: partially quarantined
frobnicate: yes"
is "$(state)" "-|-|open" "a command mail with one bad line applies nothing"
"$KENCHI" send --all 2>/dev/null
tf=$(grep -l "X-Kenchi-Kind: transcript" $(smtp_messages) | tail -1)
like "$(decoded "$tf")" "NOT applied" "the transcript says so"

# --- a second report needs a verdict and actions ----------------------------
reply analyst@soc.example.jp "$reply_to" early-send-1@soc "send: second-report"
"$KENCHI" send --all 2>/dev/null
tf=$(grep -l "X-Kenchi-Kind: transcript" $(smtp_messages) | xargs ls -t | head -1)
like "$(decoded "$tf")" "needs a verdict and an action" "send: second-report without verdict and action says what is missing"

# --- the real thing: commands applied, transcript, threaded second report --
reply analyst@soc.example.jp "$reply_to" good-1@soc "verdict: malicious medium
state: 一部検疫済み
reason: Tetra (Offline Engine)によるパターン検知
summary: ダウンローダー
action: フルスキャンを実施し、Downloads フォルダの Invoice_2026-11.pdf.exe を削除してください。
prevention: ダウンロード元 URL をブロックします。
send: second-report"
is "$(state)" "malicious|フルスキャンを実施し、Downloads フォルダの Invoice_2026-11.pdf.exe を削除してください。|open" "the commands are applied"
"$KENCHI" send --all 2>/dev/null
tf=$(grep -l "X-Kenchi-Kind: transcript" $(smtp_messages) | xargs ls -t | head -1)
like "$(decoded "$tf")" "all 7 command\(s\) applied" "the transcript arrives"
sr=$(grep -l "X-Kenchi-Kind: second_report" $(smtp_messages) | head -1)
ok $([ -n "$sr" ]; echo $?) "the second report reaches the customer"
like "$(tr -d '\r' <"$sr")" "In-Reply-To: <$first_id>" "threaded under the first report"
"$KT_PY" - "$sr" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert "【二次報告】" in m["Subject"], m["Subject"]
b = m.get_content()
for s in ("悪性", "一部検疫済み", "Tetra (Offline Engine)", "フルスキャン", "ダウンロード元"):
    assert s in b, s
PY
ok $? "with the verdict, state, reason, actions and prevention"
like "$("$KENCHI" case 1)" "second report queued at" "the case records the time against its deadline"
# Sent, the second deadline counts down no more (reply round rr1 F3: due
# read -15h00m the next day, as for one never sent).
due1=$(KENCHI_NOW=2026-11-27T00:00:00Z "$KENCHI" due --json | grep '"id":1,')
like "$due1" '"second_report_state":"sent"' "kenchi due --json says the second report was sent"
unlike "$due1" '"second_report_left_s"' "and counts no time left against it"
like "$(KENCHI_NOW=2026-11-27T00:00:00Z "$KENCHI" due | grep '^1 ')" " sent " "kenchi due shows it sent, not breached"

# --- the same second report is not sent twice; `send` goes last ------------
seconds() { sql "select count(*) from outbox where kind = 'second_report' and case_id = 1"; }
is "$(seconds)" 1 "(one second report so far)"
reply analyst@soc.example.jp "$reply_to" resend-1@soc "send: second-report"
is "$(seconds)" 1 "a reply that sends the same second report again queues nothing (round 36b)"
"$KENCHI" send --all 2>/dev/null
tf=$(grep -l "X-Kenchi-Kind: transcript" $(smtp_messages) | xargs ls -t | head -1)
like "$(decoded "$tf")" "queued or sent already" "and its transcript says why"
reply analyst@soc.example.jp "$reply_to" sendfirst-1@soc "send: second-report
prevention: ダウンロード元 URL をブロックしました。"
is "$(seconds)" 2 "send written above the finding it reports: applied after it, a new report goes (round 36a)"
"$KENCHI" send --all 2>/dev/null
sr2=$(grep -l "X-Kenchi-Kind: second_report" $(smtp_messages) | xargs ls -t | head -1)
like "$(decoded "$sr2")" "ブロックしました" "and it carries the new finding"
reply analyst@soc.example.jp "$reply_to" twosend-1@soc "send: second-report
prevention: 同一 URL を全社でブロックしました。
send: second-report"
is "$(seconds)" 3 "two send lines in one mail send one report (round 37a)"
sql "update outbox set state = 'failed' where id = (select max(id) from outbox where kind = 'second_report')" >/dev/null
reply analyst@soc.example.jp "$reply_to" afterfail-1@soc "send: second-report"
is "$(seconds)" 4 "a report whose delivery failed does not block the same report again (round 37a)"

# --- an analyst written "Name <address>" in the configuration -------------
# He gets the notices; his replies must command too (round 36a: refused).
reply Suzuki@soc.example.jp "$reply_to" suzuki-1@soc "assign: 鈴木"
is "$(sql "select assignee from cases where id = 1")" "鈴木" "an analyst listed as \"Name <address>\" commands a case"

# --- an HTML-only reply, one <p> per typed line (Outlook) ------------------
html_reply() {   # html_reply MSGID HTML-BODY: an analyst's HTML-only reply
    printf 'From: analyst@soc.example.jp\nTo: %s\nSubject: RE: [kenchi #1] New case\nMessage-ID: <%s>\n' "$reply_to" "$1"
    printf 'MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<html><body>%s</body></html>\n' "$2"
}
html_reply html-1@soc '<p class=MsoNormal>assign: 田中<o:p></o:p></p>
<p class=MsoNormal>priority: P2<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>よろしくお願いします。<o:p></o:p></p>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select assignee || '|' || priority from cases where id = 1")" "田中|P2" \
    "an HTML reply with a <p> per line applies every line, up to the empty paragraph (round 36a)"
html_reply html-2@soc '<p class=MsoNormal>assign: 佐藤</p><p class=MsoPlainText>priority: P3</p>
<p class=MsoNormal><o:p></o:p></p><p class=MsoNormal>担当: 田中</p>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select assignee || '|' || priority from cases where id = 1")" "佐藤|P3" \
    "Word's paragraphs of any class are lines; an empty one ends the commands, and the signature's 担当: below it is not read (round 38a)"
html_reply html-3@soc '<p>assign: 山田</p><p>priority: P4</p><p>&nbsp;</p><p>Tanaka</p>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select assignee || '|' || priority from cases where id = 1")" "山田|P4" \
    "plain <p> paragraphs, which an editor shows with a margin, are lines too (round 36a: only the first was read)"
html_reply html-3b@soc '<p>note: one paragraph</p><p>Taro</p>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select count(*) from notes where text = 'one paragraph'")" 1 \
    "and a paragraph that is no command after them is the end of the commands, as a blank line is"
pri_before=$(sql "select priority from cases where id = 1")
html_reply html-4@soc '<div>assign: 中村</div><div style="color:red; display : none">priority: P1</div>
<div hidden>priority: P1</div><span style="mso-hide:all"><div>priority: P1</div></span>
<div style="overflow:hidden">note: shown</div>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select assignee || '|' || priority || '|' || (select count(*) from notes where text = 'shown') from cases where id = 1")" \
    "中村|$pri_before|1" \
    "text an HTML reply does not show (display:none, hidden, mso-hide:all) is not read as commands (round 36b)"
html_reply html-5@soc '<div>note: above the quote</div><blockquote type="cite"><div>priority: P1</div></blockquote>' |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select priority || '|' || (select count(*) from notes where text = 'above the quote') from cases where id = 1")" \
    "$pri_before|1" "a <blockquote> with no attribution line above it is quoted text: the commands end there (round 36b)"
{
    printf 'From: analyst@soc.example.jp\nTo: %s\nSubject: RE: [kenchi #1] New case\nMessage-ID: <alt-1@soc>\n' "$reply_to"
    printf 'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n--b\n'
    printf 'Content-Type: text/plain; charset=utf-8\n\nassign: 小林\n\n--b\nContent-Type: text/html; charset=utf-8\n\n'
    printf '<div>assign: 小林</div><div>priority: P1</div>\n--b--\n'
} | "$KENCHI" deliver 2>/dev/null
is "$(sql "select assignee || '|' || priority from cases where id = 1")" "小林|$pri_before" \
    "a reply in text and HTML is read from its text, as typed, not from its HTML (round 36b)"
# alt_reply MSGID TEXT HTML: an analyst's reply in text and HTML
alt_reply() {
    printf 'From: analyst@soc.example.jp\nTo: %s\nSubject: RE: [kenchi #1] New case\nMessage-ID: <%s>\n' "$reply_to" "$1"
    printf 'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n--b\n'
    printf 'Content-Type: text/plain; charset=utf-8\n\n%s\n\n--b\nContent-Type: text/html; charset=utf-8\n\n%s\n--b--\n' "$2" "$3"
}
alt_reply alt-2@soc 'assign: 林

priority: P2

Tanaka' '<p>assign: 林</p><p>priority: P2</p><p>Tanaka</p>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select assignee || '|' || priority from cases where id = 1")" "林|P2" \
    "a paragraph editor's reply (Thunderbird, Roundcube) in text and HTML: read from the HTML, whose paragraph gaps its text shows as blank lines (round 41a: only the first command)"
alt_reply alt-3@soc 'note: harmless' '<p>note: harmless</p><p>priority: P1</p>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select priority from cases where id = 1")" P2 "but not when its HTML holds a line its text does not"
html_reply html-6@soc '<p>assign: 森</p><p>担当：田中<br>検知SOC 第2グループ<br>TEL: 03-1234-5678</p>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select assignee from cases where id = 1")" 森 \
    "a signature paragraph whose first line looks like a command is not read past the gap (round 41a)"
pri_before=$(sql "select priority from cases where id = 1")
html_reply html-7@soc '<head><style>.sig{display:none} #x9 { visibility : hidden !important }</style></head>
<div>note: seen 7</div><div class="a sig">priority: P1</div><div id="x9">priority: P1</div>
<div style="font-size:0">priority: P1</div><div style="display&#58;none">priority: P1</div>
<div style="display:/**/none">priority: P1</div><div style="color:#FFF;background-color:rgb(255, 255, 255)">priority: P1</div>
<div style="opacity:0">priority: P1</div><template><div>priority: P1</div></template>
<p style="display:none">priority: P1<p>note: shown after an unclosed hidden p</p>
<div style="display:none;display:block">note: the last display wins</div>
<!--><div>note: after an empty comment</div>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select priority || '|' || (select count(*) from notes where text in ('seen 7', 'shown after an unclosed hidden p', 'the last display wins', 'after an empty comment')) from cases where id = 1")" \
    "$pri_before|4" \
    "hidden by a stylesheet's class or id, font-size 0, an encoded or commented style, white on white, opacity 0, a <template>: not read; an unclosed hidden <p> ends at the next <p>, the last display wins, <!--> is an empty comment (round 41a)"
html_reply html-9@soc '<div>note: nine a</div><table><tr><td>note: nine b</td></tr></table><ul><li>note: nine c</li></ul>
<p>note: nine d<br></p><p>note: nine e</p>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select count(*) from notes where message_id = 'html-9@soc'")" 5 \
    "a table, a list, a <br> before </p> after a line show no empty line: they do not end the commands (round 41a)"
html_reply html-10@soc '<div><p>note: ten a</p><p>note: ten b</p></div><hr style="display:inline-block;width:98%">
<div id="divRplyFwdMsg"><b>差出人:</b> 検知SOC &lt;soc@soc.example.jp&gt;<br><b>送信日時:</b> 2026年11月25日 16:20<br></div><div>close</div>' |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select (select count(*) from notes where message_id = 'html-10@soc') || '|' || state from cases where id = 1")" "2|open" \
    "an OWA reply: the paragraphs above its 差出人:/送信日時: header are read, and nothing below it (round 37a H08)"
html_reply html-11@soc '<div>note: eleven</div><div style="display:none>close</div><div>priority: P1</div>' |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select priority || '|' || (select count(*) from notes where text = 'eleven') from cases where id = 1")" \
    "$pri_before|1" \
    "an attribute quote that never closes takes the rest of the HTML, as a browser shows it: nothing after it is read (round 41a F6)"
html_reply html-12@soc '<div>note: twelve</div><blockquote type="cite"><pre class="moz-quote-pre">  priority: P1
	close</pre></blockquote>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select priority || '|' || state || '|' || (select text from notes where message_id = 'html-12@soc') from cases where id = 1")" \
    "$pri_before|open|twelve" \
    "an indented line of a quoted <pre> (Thunderbird) is quoted text too: not a command, nor the note's continuation (round 42 F1)"
html_reply html-13@soc '<div>note: thirteen</div><div title=a=">note: shown 13</div><div style="display:none">close</div>
<div class="a"=" x>note: also 13</div>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select state || '|' || (select count(*) from notes where message_id = 'html-13@soc') from cases where id = 1")" "open|3" \
    "a quote inside an unquoted value, or after a quoted one, opens no value, as HTML's tokenizer reads it: the tag ends at its '>' (round 42 F2, F3)"
html_reply html-14@soc '<div>note: see <a href="https://example.com/r?x=1&amp;y=&quot;2&quot;">the report</a></div>' |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select text from notes where message_id = 'html-14@soc'")" 'see the report <https://example.com/r?x=1&y="2">' \
    "a link's address after its words has its character references decoded, not only &amp; (round 42 F7)"
html_reply html-15@soc '<div>note: score <= 5 < 7</div><div>note: fifteen</div>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select group_concat(text, '|') from notes where message_id = 'html-15@soc'")" 'score <= 5 < 7|fifteen' \
    "a '<' before no letter is text, as a browser shows it, not the start of a tag that eats the line (round 42 F7)"
html_reply html-16@soc '<div>note: sixteen</div><div style="visibility:hidden">priority: P1<div style="visibility:visible">note: shown v</div>
close<div style="visibility:visible">note: shown w<span style="display:none">close</span></div></div>
<div style="display:none"><div style="visibility:visible">close</div></div>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select priority || '|' || state || '|' || (select group_concat(text, ',') from notes where message_id = 'html-16@soc') from cases where id = 1")" \
    "$pri_before|open|sixteen,shown v,shown w" \
    "a visibility:visible child of a visibility:hidden box is shown, and read; the box's own text is not, nor anything under display:none (round 41a x07)"
html_reply html-8@soc '<div>note: one line&#10;priority: P1</div>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select priority from cases where id = 1")" "$pri_before" \
    "&#10; is a space on the screen, not a new command line (round 41a)"
who_before=$(sql "select coalesce(assignee, '') from cases where id = 1")
html_reply html-17@soc '<div>note: seventeen</div><div id="Signature"><div>担当：SOC 田中</div><div>検知SOC</div></div>' |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select coalesce(assignee, '') || '|' || (select group_concat(text, ',') from notes where message_id = 'html-17@soc') from cases where id = 1")" \
    "$who_before|seventeen" \
    "the signature Outlook on the web inserts right under the commands ends them: its \"担当：\" is no assign"
html_reply html-18@soc '<p>note: eighteen</p><p class="moz-signature">assign: SOC Sato</p>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select coalesce(assignee, '') || '|' || (select group_concat(text, ',') from notes where message_id = 'html-18@soc') from cases where id = 1")" \
    "$who_before|eighteen" \
    "nor is a command-like line in a client's signature paragraph past an editor's gap (round 41a n28)"
html_reply html-19@soc '<div id="AppleMailSignature">note: nineteen<br>note: typed into it<br><br>Sent from my iPhone</div>' |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select group_concat(text, ',') from notes where message_id = 'html-19@soc'")" "nineteen,typed into it" \
    "commands typed into a signature element, above nothing, are read (round 45: they were refused)"
html_reply html-20@soc '<div id="Signature"><br></div><div>note: twenty</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg">From: SOC</div>' |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select group_concat(text, ',') from notes where message_id = 'html-20@soc'")" "twenty" \
    "Outlook on the web's quoted header (divRplyFwdMsg) ends the commands, however short it is (round 45)"

# Text in its background's colour, or in none, as the attributes Outlook
# and older editors write set it, and in every CSS spelling of a colour
# (reply round rr1 F1: each of these closed the case).
html_reply html-21@soc '<div>note: twenty-one a</div><div><font color="white">close</font></div>
<div><font color=#FFFFFF>priority: P1</font></div><div style="color:rgba(0,0,0,0)">close</div>
<div style="color:#ff000000">close</div><div style="color:#ffff">close</div><div style="color:hsl(0,0%,100%)">close</div>
<div style="color:rgb(100%, 100%, 100%)">close</div><div style="color:rgb(255 255 255 / 1)">close</div>
<div style="color:hsla(120, 50%, 50%, 0)">close</div>
<div>note: twenty-one b</div>' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select state || '|' || priority || '|' || (select group_concat(text, ',') from notes where message_id = 'html-21@soc') from cases where id = 1")" \
    "open|$pri_before|twenty-one a,twenty-one b" \
    "text of <font color=white>, a transparent rgba/#rrggbbaa/hsla colour, #ffff, hsl/rgb% white is not read (rr1 F1)"
html_reply html-24@soc '<div>note: twenty-four</div>
<table bgcolor="black"><tr><td style="color:black">close</td><td><font color="#000000">priority: P1</font></td></tr></table>' |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select state || '|' || priority || '|' || (select group_concat(text, ',') from notes where message_id = 'html-24@soc') from cases where id = 1")" \
    "open|$pri_before|twenty-four" "nor black text in a table whose bgcolor is black"
html_reply html-22@soc '<div style="background:#000000"><div style="color:#ffffff">note: white on black</div></div>
<div style="background-color:black"><span style="color:rgba(255,255,255,0.9)">note: nearly white on black</span></div>' |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select group_concat(text, ',') from notes where message_id = 'html-22@soc'")" "white on black,nearly white on black" \
    "white text on a black box around it is seen, and read: the background in effect decides, not white"
printf 'From: analyst@soc.example.jp\nTo: %s\nSubject: RE: [kenchi #1] New case\nMessage-ID: <html-23@soc>\n' "$reply_to" >"$KT_TMP/h23.eml"
printf 'MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<html><body bgcolor="#000000" text="#000000">' >>"$KT_TMP/h23.eml"
printf '<div><font color="#ffffff">note: twenty-three</font></div><div>close</div></body></html>\n' >>"$KT_TMP/h23.eml"
"$KENCHI" deliver <"$KT_TMP/h23.eml" 2>/dev/null
is "$(sql "select state || '|' || (select group_concat(text, ',') from notes where message_id = 'html-23@soc') from cases where id = 1")" \
    "open|twenty-three" "a <body> whose text= is its bgcolor= hides its text; a <font> of another colour in it is read"

# A text file attached above the typed body is no command (rr1 F6: its
# "close" ran, and the typed note was never read).
mixed_reply() {   # mixed_reply MSGID DISPOSITION-HEADER FILE-TEXT BODY
    printf 'From: analyst@soc.example.jp\nTo: %s\nSubject: RE: [kenchi #1] New case\nMessage-ID: <%s>\n' "$reply_to" "$1"
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=mb\n\n--mb\nContent-Type: text/plain; charset=utf-8\n'
    printf '%s\n\n%s\n--mb\nContent-Type: text/plain; charset=utf-8\n\n%s\n--mb--\n' "$2" "$3" "$4"
}
mixed_reply att-1@soc 'Content-Disposition: attachment; filename="x.txt"' close 'note: typed under the file' |
    "$KENCHI" deliver 2>/dev/null
mixed_reply att-2@soc 'Content-Disposition: inline; filename="evidence.log"' \
    '2026-11-25 16:12 PC-01 evil.exe quarantined' 'note: typed under the log' | "$KENCHI" deliver 2>/dev/null
is "$(sql "select state || '|' || (select group_concat(text, ',') from notes where message_id in ('att-1@soc', 'att-2@soc')) from cases where id = 1")" \
    "open|typed under the file,typed under the log" \
    "a text attachment above the typed text (attachment, or inline with a file name) is not read as commands: the first text typed is (rr1 F6)"

# The subject tag's word in any case (rr1 F10: stored as no reply, unanswered).
for tag in KENCHI Kenchi; do
    {
        printf 'From: analyst@soc.example.jp\nTo: soc@soc.example.jp\nSubject: RE: [%s #1 %s] New case\n' "$tag" "$token"
        printf 'Message-ID: <tag-%s@soc>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nnote: tag %s\n' "$tag" "$tag"
    } | "$KENCHI" deliver 2>/dev/null
done
is "$(sql "select group_concat(text, ',') from notes where message_id in ('tag-KENCHI@soc', 'tag-Kenchi@soc')")" "tag KENCHI,tag Kenchi" \
    "a subject tag written [KENCHI #1 token] or [Kenchi #1 token] names the case as [kenchi #1 token] does (rr1 F10)"

# A bare CR inside a command line is a control character: the line is an
# error, in a raw, quoted-printable or base64 body alike (rr1 F4: raw, it
# split the line and ran a hidden close; encoded, it vanished).
cr_reply() {   # cr_reply MSGID CTE BODY
    printf 'From: analyst@soc.example.jp\nTo: %s\nSubject: RE: [kenchi #1] New case\nMessage-ID: <%s>\n' "$reply_to" "$1"
    printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: %s\n\n%s\n' "$2" "$3"
}
cr_reply cr-1@soc 8bit "$(printf 'note: pasted\rclose')" | "$KENCHI" deliver 2>/dev/null
cr_reply cr-2@soc quoted-printable 'note: customer said ok=0Dclose' | "$KENCHI" deliver 2>/dev/null
cr_reply cr-3@soc base64 "$(printf 'note: b64 ok\rclose\n' | base64)" | "$KENCHI" deliver 2>/dev/null
is "$(sql "select state || '|' || (select count(*) from notes where message_id in ('cr-1@soc', 'cr-2@soc', 'cr-3@soc')) from cases where id = 1")" \
    "open|0" "a bare CR inside a command line, raw, =0D or in base64, runs nothing and stores no note (rr1 F4)"
is "$(sql "select count(*) from audit where message_id in ('cr-1@soc', 'cr-2@soc', 'cr-3@soc') and result like '%control character%'")" 3 \
    "each line is refused as holding a control character"
cr_reply cr-4@soc base64 "$(printf 'note: crlf lines\r\n' | base64)" | "$KENCHI" deliver 2>/dev/null
is "$(sql "select count(*) from notes where message_id = 'cr-4@soc'")" 1 "a CRLF line end in base64 is a line end, as before"

# --- a mail gateway's banner at the top is not read --------------------------
reply analyst@soc.example.jp "$reply_to" banner-1@soc "【社外】このメールは社外から送信されています。リンクや添付
ファイルにご注意ください。
[EXTERNAL] This email originated from outside the organization.

note: under the banner"
is "$(sql "select count(*) from notes where text = 'under the banner'")" 1 \
    "a reply under a gateway's banner (two banners, one wrapped) is read from below it (round 36a: every such reply failed)"
like "$(sql "select reason from messages where message_id = 'banner-1@soc'")" "3 line\\(s\\) of a mail gateway's banner" \
    "and the answer says how many lines it skipped"
reply analyst@soc.example.jp "$reply_to" banner-2@soc "CAUTION: This email originated from outside of the organization.
note: right under the banner"
is "$(sql "select count(*) from notes where text = 'right under the banner'")" 1 \
    "a banner with no blank line below it ends at the first command line"
reply analyst@soc.example.jp "$reply_to" banner-3@soc "Hello team,
note: after a greeting"
like "$(sql "select reason from messages where message_id = 'banner-3@soc'")" "nothing was applied" \
    "a first line that is no banner is still an error (only the banners of data/reply-banners are skipped)"
reply analyst@soc.example.jp "$reply_to" banner-5@soc "*** Caution: this message came from the internet. ***

note: under an unknown banner"
like "$(sql "select reason from messages where message_id = 'banner-5@soc'")" \
    "the lines above it are no commands: write the commands at the top, or add a mail gateway's banner" \
    "a banner data/reply-banners does not know: the answer names it, not a gap between commands (round 41a F13)"
reply analyst@soc.example.jp "$reply_to" banner-6@soc "verdct: benign low

note: under a typo"
like "$(sql "select reason from messages where message_id = 'banner-6@soc'")" "no blank line between them" \
    "a mistyped keyword above the blank line is no banner: the answer says to close the gap, and the line's error names the keyword meant (round 42 F5)"
reply analyst@soc.example.jp "$reply_to" banner-8@soc "Hi,
note: under a greeting

note: below the gap"
like "$(sql "select reason from messages where message_id = 'banner-8@soc'")" "leave out the lines that are no commands, and write" \
    "a greeting above commands and a gap below them: the answer names both (round 42 d06: only the gap)"
reply analyst@soc.example.jp "$reply_to" banner-7@soc "[EXTERNAL] This email originated from outside the organization.
Hi,

close"
like "$(sql "select reason from messages where message_id = 'banner-7@soc'")" "nothing was applied" \
    "a greeting under a banner is the analyst's, not the banner's: the mail is refused as without a banner (round 42 F6)"
reply analyst@soc.example.jp "$reply_to" banner-4@soc "[EXTERNAL] This email originated from outside the organization.
verdct: benign
note: after a typo"
like "$(sql "select reason from messages where message_id = 'banner-4@soc'")" "nothing was applied" \
    "a mistyped command under a banner is not taken for the banner's: the mail is refused (round 41a: skipped, and the rest applied)"

# --- merge: never into a closed case; a merged case's detection follows ----
notice3=$(grep -l "X-Kenchi-Case: 3" $(grep -l "X-Kenchi-Kind: analyst-notice" $(smtp_messages)) | head -1)
reply_to3=$(sed -n 's/^Reply-To: //p' "$notice3" | tr -d '\r')
reply analyst@soc.example.jp "$reply_to3" merge-3-1@soc "merge: 1"
is "$(sql "select state || '|' || merged_into from cases where id = 3")" "closed|1" "case 3 is merged into case 1"
reply analyst@soc.example.jp "$reply_to" merge-1-3@soc "merge: 3"
is "$(sql "select state || '|' || coalesce(merged_into, '-') from cases where id = 1")" "open|-" \
    "merging case 1 into the closed case 3 is refused: the two were both closed, each merged into the other (round 36b)"
reply analyst@soc.example.jp "$reply_to3" merge-3-again@soc "merge: 1"
like "$(sql "select result from audit where message_id = 'merge-3-again@soc'")" "was merged into case 1" \
    "a case merged already is not merged again, saying where it went (rc2 F7: merged elsewhere, the target took its times)"
# Other commands on a merged case work on the case it went to, as RT's
# merged tickets do: a note or a verdict left on the closed shell was
# never seen again (rc2, rc3), and its second report would be of nothing
# (round 38a).
reply analyst@soc.example.jp "$reply_to3" note-3@soc "note: seen on the merged case's thread"
is "$(sql "select case_id from notes where text = 'seen on the merged case''s thread'")" 1 \
    "a note on a merged case goes to the case it went to"
like "$(sql "select reason from messages where message_id = 'note-3@soc'")" "case 3 was merged into case 1: the commands went to case 1" \
    "and the answer says where"
is "$(sql "select count(*) from audit where message_id = 'note-3@soc' and case_id = 1")" 1 "the audit files it there too"
reply analyst@soc.example.jp "$reply_to3" send-3@soc "send: second-report"
is "$(sql "select count(*) from outbox where kind = 'second_report' and case_id = 3")" 0 \
    "a merged case sends no second report of its own: it would be of nothing (round 38a)"
like "$(sql "select reason from messages where message_id = 'send-3@soc'")" "the commands (went to|were for) case 1" \
    "send: works on the case its events went to"
printf 'From: security@acme.example.co.jp\nTo: soc@soc.example.jp\nSubject: Re: [kenchi #3] report\nMessage-ID: <cust-3@acme>\n\nstill there?\n' |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select case_id from notes where message_id = 'cust-3@acme'")" 1 \
    "the customer's reply naming the merged case is filed on the case it went to (round 38a)"
reply analyst@soc.example.jp "$reply_to3" reopen-3@soc "reopen"
is "$(sql "select state from cases where id = 3")" closed "a merged case cannot be reopened: a merge back would close both (round 37a)"
sed 's/^Message-ID: .*/Message-ID: <later-detection@amp.example>/; s/^Event ID: .*/Event ID: 6455442292357464999/' \
    "$FIX/mail/en-qp.eml" | "$KENCHI" deliver 2>/dev/null
is "$(sql "select case_id from events where uid like '%6455442292357464999%'")" 1 \
    "a later event of case 3's detection joins case 1, which case 3 went to (it joined the closed case 3)"

# --- a blank line ends the commands, and the transcript says what it cut ----
reply analyst@soc.example.jp "$reply_to" blank-1@soc "note: before the blank

対応：SOC運用チーム 田中"
is "$(sql "select count(*) from cases where id = 1 and action like '%SOC運用チーム%'")" 0 \
    "a signature's 対応：... below a blank line is not read as the action (round 38a)"
like "$(sql "select reason from messages where message_id = 'blank-1@soc'")" "was not read \\(write the commands with no blank line between them\\)" \
    "and the answer says a line below the blank line was not read (round 36a)"

# --- a Message-ID that is no header's: stored and applied, never bounced ----
reply analyst@soc.example.jp "$reply_to" "café-1@soc" "note: accent in the Message-ID"
is "$?" 0 "a reply whose Message-ID has an accent: deliver exits 0 (round 38a: 65, and not stored)"
is "$(sql "select count(*) from notes where text = 'accent in the Message-ID'")" 1 "and its command is applied"

# --- a Message-ID too long for a header line is not echoed ------------------
reply analyst@soc.example.jp "$reply_to" "$(head -c 2000 /dev/zero | tr '\0' x)@soc" "help"
"$KENCHI" send --all 2>/dev/null
is "$(sql "select state from outbox where kind = 'transcript' order by id desc limit 1")" sent \
    "the transcript of a reply with a 2,000-character Message-ID is sent: it does not echo it into a header line over 998 octets, which the server refused (round 36b)"
tf=$(grep -l "X-Kenchi-Kind: transcript" $(smtp_messages) | xargs ls -t | head -1)
is "$(decoded "$tf" | awk '{ if (length($0) > m) m = length($0) } END { print (m < 300) }')" 1 \
    "nor into a line of its text (round 37a)"

# --- replay: the same Message-ID again changes nothing ---------------------
reply analyst@soc.example.jp "$reply_to" good-1@soc "verdict: benign
close"
is "$(state)" "malicious|フルスキャンを実施し、Downloads フォルダの Invoice_2026-11.pdf.exe を削除してください。|open" "a replayed Message-ID changes nothing"
like "$("$KENCHI" audit --json | grep good-1@soc | tail -1)" "replay of a command mail" "and is listed by kenchi audit (round 36b)"

# --- allow: in a reply suppresses the case, its unsent report withdrawn ------
S9=9999999999999999999999999999999999999999999999999999999999999999
in_house_tool() {   # in_house_tool N HOST MINUTE: alert N of the in-house tool (file $S9) on HOST
    {
        printf 'Received: by mx.soc.example.jp; Wed, 25 Nov 2026 16:%s:00 +0900\n' "$3"
        printf 'Message-ID: <allow-alert-%s@amp.test>\nFrom: Cisco <no-reply@amp.cisco.com>\nTo: soc+acme@soc.example.jp\n' "$1"
        printf 'Subject: [Cisco AMP for Endpoints Subscription] Matching Events Found On %s\n\n' "$2"
        printf 'Cisco AMP for Endpoints has detected 1 event:\n\nEvent Type: Threat Detected\nEvent ID: 990%s\n' "$1"
        printf 'Date: 2026-11-25 07:%s:00 UTC\nComputer: %s\nSeverity: Medium\nDetection: W32.InHouseTool\n' "$3" "$2"
        printf 'Disposition: Malicious\nFile Name: tool.exe\nFile Path: C:\\Tools\\tool.exe\nSHA-256: %s\n' "$S9"
    } | "$KENCHI" deliver 2>/dev/null
}
in_house_tool 1 PC-AL 15
c=$(sql "select id from cases where hostname = 'PC-AL'")
is "$(sql "select state from outbox where kind = 'first_report' and case_id = $c")" pending "(a new case, its first report not sent yet)"
# The same file on a second machine: the entry will cover its case too.
in_house_tool 2 PC-AM 16
c2=$(sql "select id from cases where hostname = 'PC-AM'")
reply_on() {   # reply_on CASE MSGID BODY: the analyst's reply to the notice of CASE
    local to
    to=$(sql "select cast(raw as text) from outbox where kind = 'notice' and case_id = $1" | sed -n 's/^Reply-To: //p' | tr -d '\r')
    {
        printf 'Received: by mx.soc.example.jp; Wed, 25 Nov 2026 16:31:00 +0900\n'
        printf 'From: analyst@soc.example.jp\nTo: %s\nSubject: Re: [kenchi #%s] New case\nMessage-ID: <%s>\n' "$to" "$1" "$2"
        printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' "$3"
    } | "$KENCHI" deliver 2>>"$KT_TMP/deliver.log"
}
reply_on "$c" allow-1@soc "verdict: false-positive
allow: sha256 $S9"
is "$(sql "select state || ' ' || reportable || ' ' || verdict from cases where id = $c")" "suppressed 0 false-positive" \
    "an allow: command suppresses the case it answers, whose report has not gone out (round 43a F6)"
is "$(sql "select group_concat(distinct state) from outbox where kind = 'first_report' and case_id in ($c, $c2)")" withdrawn \
    "and withdraws that report (the one that holds both cases)"
is "$(sql "select cases from outbox where kind = 'first_report' and case_id in ($c, $c2)")" "$c $c2" \
    "which still names both: it was withdrawn once, not rendered for one and then withdrawn with the other"
like "$("$KENCHI" audit --json | grep allow-1@soc)" "case $c, $c2 suppressed, and taken out of their unsent first report" \
    "the command's result says so"
is "$(sql "select state from cases where id = $c2")" suppressed "the entry suppresses the other machine's case too"
like "$("$KENCHI" audit --case "$c2" --json | grep allow-1@soc)" \
    "\"case_id\":$c2,.*\"command\":\"allow: sha256 $S9\",\"result\":\"suppressed by this allow entry, added by a reply to case $c" \
    "and that case's audit trail says which reply suppressed it (round 49: it had no row of its own)"
like "$("$KENCHI" audit --case "$c" --json | grep allow-1@soc | grep 'allow: ')" '"ok":true' \
    "a command that did more than \"ok\" says is audited as ok (it was \"ok\":false)"
reply_on "$c" allow-2@soc "action: none
send: second-report"
like "$("$KENCHI" audit --json | grep allow-2@soc | grep send)" "first report was withdrawn before it went out" \
    "a second report of a case whose first report was withdrawn is refused: the customer never heard of it (round 47)"
is "$(sql "select count(*) from outbox where kind = 'second_report' and case_id = $c")" 0 "(none is queued)"
reply_on "$c" allow-3@soc "reopen"
like "$("$KENCHI" audit --json | grep allow-3@soc)" "suppressed .*not closed" \
    "reopen of a suppressed case says it is not closed, and leaves it as it is (round 47: open, unreported, in no list)"
is "$(sql "select state from cases where id = $c")" suppressed "(still suppressed)"
# An allow: line before a line that fails: nothing is applied, and the
# allow: line does not say it suppressed anything.
S8=8888888888888888888888888888888888888888888888888888888888888888
S9=$S8 in_house_tool 3 PC-AN 17
c3=$(sql "select id from cases where hostname = 'PC-AN'")
reply_on "$c3" allow-4@soc "allow: sha256 $S8
merge: 999999"
is "$(sql "select state from cases where id = $c3")" open "an allow: line before a line that fails is not applied"
like "$("$KENCHI" audit --json | grep allow-4@soc | grep 'allow: ')" '"result":"ok \(not applied\)","ok":false' \
    "and its audit row says so, not what it would have done (round 50)"
"$KENCHI" send --all 2>/dev/null
unlike "$(grep -l "PC-AL" $(smtp_messages) | xargs grep -l "X-Kenchi-Kind: first-report")" "." \
    "the customer never gets the report"
unlike "$(grep -l "PC-AL" $(smtp_messages) | xargs grep -l "X-Kenchi-Kind: analyst-notice")" "." \
    "nor the analysts its notice, unsent when the case was suppressed"

# --- a second report never goes before its first (rr1 F5) ------------------
# An alert that arrived two hours before kenchi read it: its first report
# is held.  The second report of its case is refused until that one goes.
# one_alert HOST EVENT-ID DATE HEX [RECEIVED]: acme's alert of one event
# on HOST, its SHA-256 HEX 64 times.
one_alert() {
    {
        [ -n "${5:-}" ] && printf 'Received: by mx.soc.example.jp; %s\n' "$5"
        printf 'Message-ID: <alert-%s@amp.test>\nFrom: Cisco <no-reply@amp.cisco.com>\nTo: soc+acme@soc.example.jp\n' "$2"
        printf 'Subject: [Cisco AMP for Endpoints Subscription] Matching Events Found On %s\n\n' "$1"
        printf 'Cisco AMP for Endpoints has detected 1 event:\n\nEvent Type: Threat Detected\nEvent ID: %s\n' "$2"
        printf 'Date: %s UTC\nComputer: %s\nSeverity: Medium\nDetection: W32.%s\n' "$3" "$1" "$1"
        printf 'Disposition: Malicious\nFile Name: h.exe\nFile Path: C:\\Tools\\h.exe\nSHA-256: %s\n' "$(printf "$4%.0s" $(seq 64))"
    } | "$KENCHI" deliver 2>/dev/null
}
one_alert PC-HELD 99077 "2026-11-25 05:00:00" 7 "Wed, 25 Nov 2026 14:00:00 +0900"
ch=$(sql "select id from cases where hostname = 'PC-HELD'")
fh=$(sql "select id from outbox where kind = 'first_report' and case_id = $ch")
is "$(sql "select state from outbox where id = $fh")" held "(a stale alert's first report is held)"
reply_on "$ch" held-send-1@soc "verdict: malicious medium
action: full scan
send: second-report"
"$KENCHI" send --all 2>/dev/null
is "$(sql "select count(*) from outbox where kind = 'second_report' and case_id = $ch")" 0 \
    "send: second-report while the case's first report is held queues nothing: the customer never heard of the case (rr1 F5)"
like "$("$KENCHI" audit --json | grep held-send-1@soc | grep send)" "first report \\(outbox $fh\\) is held, not sent.*kenchi outbox release $fh" \
    "and the transcript says why, and how to release it"
sql "update outbox set state = 'failed' where id = $fh" >/dev/null
reply_on "$ch" held-send-2@soc "verdict: malicious medium
action: full scan
send: second-report"
like "$("$KENCHI" audit --json | grep held-send-2@soc | grep send)" "failed and never reached the customer.*kenchi outbox retry $fh" \
    "nor while it failed for good"
"$KENCHI" outbox retry "$fh" >/dev/null 2>&1
"$KENCHI" send --all 2>/dev/null
reply_on "$ch" held-send-3@soc "verdict: malicious medium
action: full scan
send: second-report"
is "$(sql "select count(*) from outbox where kind = 'second_report' and case_id = $ch")|$(sql "select state from outbox where id = $fh")" "1|sent" \
    "once the first report has gone, the second is queued"

# A first report still pending (behind its hold, or a retry): the command
# is taken, and the sender holds the second report until the first has
# gone (rr1 F5: the sender would have sent it first).
one_alert PC-PEND 99078 "2026-11-25 07:10:00" 6
cp=$(sql "select id from cases where hostname = 'PC-PEND'")
fp=$(sql "select id from outbox where kind = 'first_report' and case_id = $cp")
reply_on "$cp" pend-send-1@soc "verdict: malicious medium
action: full scan
send: second-report"
"$KENCHI" send 2>/dev/null
is "$(sql "select state from outbox where kind = 'second_report' and case_id = $cp")" pending \
    "a second report is not sent while its case's first report is not out (rr1 F5)"
like "$(sql "select last_error from outbox where kind = 'second_report' and case_id = $cp")" \
    "waiting for the case's first report \\(outbox $fp, (pending|sending)\\) to go first" "and says what it waits for"
KENCHI_NOW=2026-11-25T07:25:00Z "$KENCHI" send 2>/dev/null
KENCHI_NOW=2026-11-25T07:30:00Z "$KENCHI" send 2>/dev/null
is "$(sql "select (select sent_at from outbox where id = $fp) < (select sent_at from outbox where kind = 'second_report' and case_id = $cp)")" 1 \
    "the first report goes, then the second"

# Two analysts: one queues a second report, the other overturns its
# verdict before it goes.  The queued one is withdrawn, and the transcript
# says so (reply round rr1 F9: "malicious" went out for a case closed as a
# false positive).
one_alert PC-F9 99079 "2026-11-25 07:12:00" 5
cf=$(sql "select id from cases where hostname = 'PC-F9'")
reply_on "$cf" f9-send@soc "verdict: malicious medium
action: isolate the machine
send: second-report"
s1=$(sql "select id from outbox where kind = 'second_report' and case_id = $cf")
reply_on "$cf" f9-overturn@soc "verdict: false-positive
close"
is "$(sql "select state from outbox where id = $s1")" withdrawn \
    "a second report queued, then overturned by another analyst before it went, is withdrawn (rr1 F9)"
sql "select cast(raw as text) from outbox where kind = 'transcript' order by id desc limit 1" >"$KT_TMP/f9t.eml"
like "$(decoded "$KT_TMP/f9t.eml" | tr '\n' ' ')" "outbox $s1\\) had other findings and is withdrawn" \
    "and the second analyst's transcript says so"
reply_on "$cf" f9-resend@soc "send: second-report"
is "$(sql "select count(*) from outbox where kind = 'second_report' and case_id = $cf and state != 'withdrawn'")" 1 \
    "sent again, one second report stands, with the findings as they are now"

# Closing a closed case, reopening an open one: said, not a bare "ok"
# (reply round rr1 F11).
reply_on "$cf" f11-close@soc "close"
like "$("$KENCHI" audit --json | grep f11-close@soc)" '"result":"ok \(it was closed already\)"' "close of a closed case says it was closed already"
reply_on "$cf" f11-reopen@soc "reopen
reopen"
like "$("$KENCHI" audit --json | grep f11-reopen@soc | tail -1)" '"result":"ok \(it was open already\)"' "reopen of an open case says it was open already"

# A host pattern is judged by its machine name, before the first dot: the
# domain is every machine's (reply round rr1 F8: "*.acme.local", "*.local"
# and "PC-??.acme.local" were taken, and a new P1 on PC-77 was suppressed).
reply_on "$c3" host-f8a@soc "allow: host *.acme.local"
reply_on "$c3" host-f8b@soc "allow: host *.local"
reply_on "$c3" host-f8c@soc "allow: host PC-??.acme.local"
reply_on "$c3" host-f8d@soc "allow: host *acme.local"
is "$(sql "select count(*) from lists where kind = 'host'")|$(sql "select state from cases where id = $c3")" "0|open" \
    "allow: host *.acme.local, *.local, PC-??.acme.local, *acme.local are refused (rr1 F8)"
like "$("$KENCHI" audit --json | grep host-f8a@soc)" "its machine name is only wildcards: it allows every host of acme.local" \
    "the refusal says the machine name is only wildcards"
like "$("$KENCHI" audit --json | grep host-f8c@soc)" "naming scheme most hosts follow.*before the first dot" \
    "and that PC-?? is a naming scheme, counted before the first dot"
like "$("$KENCHI" audit --json | grep host-f8d@soc)" "a leading \\* matches whole names with their dots" \
    "and that a leading * followed by a domain is every host of it"

# --- an analyst's merge scores the case that took the events (rc2 F8) -------
# A Medium Threat Detected (P3 or P4) and another machine's Executed
# malware of the same file (P1); the second merged into the first makes the
# first P1 at once, not at its next event.
mk_alert() {   # mk_alert N HOST TYPE SEVERITY [SHA-256]
    sed -e "s/^Event ID: .*/Event ID: $((7600000000000000000 + $1))/" -e "s/^Message-ID: .*/Message-ID: <m8-$1@test>/" \
        -e "s/^Computer: .*/Computer: $2/" -e "/^Connector GUID:/d" -e "/^Detection ID:/d" \
        -e "s/^Event Type: .*/Event Type: $3/" -e "s/^Severity: .*/Severity: $4/" \
        -e "s/^SHA-256: .*/SHA-256: ${5:-f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8}/" \
        "$FIX/mail/en-plain.eml" | "$KENCHI" deliver 2>/dev/null
}
mk_alert 1 PC-F8-A "Threat Detected" Medium
mk_alert 2 PC-F8-B "Executed Malware" High
ca=$(sql "select case_id from events where uid = 'amp:7600000000000000001'")
cb=$(sql "select case_id from events where uid = 'amp:7600000000000000002'")
unlike "$(sql "select priority from cases where id = $ca")" P1 "a Medium Threat Detected is not P1"
reply_on "$cb" merge-f8@soc "merge: $ca"
is "$(sql "select priority || ' ' || events from cases where id = $ca")" "P1 2" \
    "the case that took an Executed malware by an analyst's merge is P1 at once"

# --- the second report's scope is the outbreak's (rc2 F2) -------------------
# Three machines with one file: the second report of the first names all
# three under "Scope", where it listed its own machine alone.
for h in 1 2 3; do mk_alert $((10 + h)) "PC-F2-$h" "Threat Detected" High f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2; done
c1=$(sql "select case_id from events where uid = 'amp:7600000000000000011'")
second_report() {   # second_report CASE MSGID [VERDICT ACTION]: send CASE's second report; print it, decoded
    reply_on "$1" "$2" "verdict: ${3:-malicious medium}
action: ${4:-full scan}
send: second-report"
    sql "select cast(raw as text) from outbox where kind = 'second_report' and case_id = $1" >"$KT_TMP/second.eml"
    decoded "$KT_TMP/second.eml"
}
f2=$(second_report "$c1" second-f2@soc)
like "$f2" "PC-F2-2" "the second report's scope names the outbreak's second machine"
like "$f2" "PC-F2-3" "and its third"
# An analyst merges the second machine's case into the third's: the
# outbreak still has three machines, in its scope, its score and the
# second report (rc3 F2: the merged machine vanished, and the survivor
# fell from outbreak to spreading).
c2=$(sql "select case_id from events where uid = 'amp:7600000000000000012'")
c3=$(sql "select case_id from events where uid = 'amp:7600000000000000013'")
tags3=$(sql "select tags from cases where id = $c3")
reply_on "$c2" merge-f2@soc "merge: $c3"
is "$(sql "select state from cases where id = $c2")" closed "(case merged)"
is "$(sql "select tags from cases where id = $c3")" "$tags3" "the survivor keeps its outbreak's tags"
like "$("$KENCHI" case "$c3" | grep '^scope')" "3 host\(s\):.*PC-F2-2" "its scope keeps the merged machine"
is "$("$KENCHI" case "$c1" --json | "$KT_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["hosts"]))')" 3 \
    "and so does every case of the outbreak"
is "$("$KENCHI" case "$c3" --json | "$KT_PY" -c 'import json,sys; print(sorted((r["host"], r.get("merged", False)) for r in json.load(sys.stdin)["scope"]))')" \
    "[('PC-F2-1', False), ('PC-F2-2', True), ('PC-F2-3', False)]" "its scope rows name the merged machine, marked merged (rc4 F8)"
f2b=$(second_report "$c3" second-f2b@soc)
like "$f2b" "PC-F2-2" "the survivor's second report names the merged machine"
like "$f2b" "PC-F2-1" "and the first"
# The merged machine's next event of the file goes where its events went,
# not into a case of its own with a first report of its own (rc4 F3).
ncases=$(sql "select count(*) from cases")
mk_alert 14 "PC-F2-2" "Threat Detected" High f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2
is "$(sql "select case_id from events where uid = 'amp:7600000000000000014'")|$(sql "select count(*) from cases")" "$c3|$ncases" \
    "a later event of the merged machine joins the case it was merged into"
# The second report of a Vulnerable Application event names its CVEs: the
# action to take is to patch them.
"$KENCHI" deliver <"$FIX/mail/evt-vulnerable-app.eml" 2>/dev/null
cv=$(sql "select case_id from events where event_type = 'Vulnerable Application Detected' order by id desc limit 1")
like "$(second_report "$cv" second-vuln@soc "malicious low" "update Adobe Acrobat Reader")" "CVE-2023-21608 \(CVSS 7\.8\)" \
    "the second report lists the vulnerabilities"

# --- Authentication-Results when required ----------------------------------
write_conf true
reply analyst@soc.example.jp "$reply_to" ar-none@soc "priority: P1"
is "$(sql "select priority from cases where id = 1")" "$(sql "select priority from cases where id = 1")" "(priority read)"
pri_before=$(sql "select priority from cases where id = 1")
reply analyst@soc.example.jp "$reply_to" ar-none2@soc "priority: P4"
is "$(sql "select priority from cases where id = 1")" "$pri_before" "without Authentication-Results, when required, nothing changes"
reply analyst@soc.example.jp "$reply_to" ar-fail@soc "priority: P4" "Authentication-Results: mx.soc.example.jp; dkim=fail header.d=soc.example.jp; dmarc=fail header.from=soc.example.jp"
is "$(sql "select priority from cases where id = 1")" "$pri_before" "a failed DKIM/DMARC result changes nothing"
reply analyst@soc.example.jp "$reply_to" ar-untrusted@soc "priority: P4" "Authentication-Results: evil.example; dkim=pass header.d=soc.example.jp"
is "$(sql "select priority from cases where id = 1")" "$pri_before" "a pass from an untrusted authserv-id changes nothing"
reply analyst@soc.example.jp "$reply_to" ar-spoof@soc "priority: P4" "Authentication-Results: mx.soc.example.jp; dkim=pass header.d=soc.example.jp.evil.example"
is "$(sql "select priority from cases where id = 1")" "$pri_before" "a pass for a look-alike domain (header.d=soc.example.jp.evil.example) changes nothing"
reply analyst@soc.example.jp "$reply_to" ar-pass@soc "priority: P4" "Authentication-Results: mx.soc.example.jp; dkim=pass header.d=soc.example.jp header.s=s1"
is "$(sql "select priority from cases where id = 1")" P4 "a trusted dkim=pass lets the commands through"

# --- the audit lists every command with its sender, message and result ------
n=$("$KENCHI" audit --case 1 --json | "$KT_PY" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert all("sender" in r and "result" in r and "at" in r for r in rows)
print(sum(1 for r in rows if r.get("message_id") == "good-1@soc" and r["ok"]))')
is "$n" 7 "kenchi audit --case 1 lists each applied command with who, when, which message"

done_testing
