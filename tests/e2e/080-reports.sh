#!/bin/bash
# 080-reports: first reports through a real SMTP server on 127.0.0.1
# (aiosmtpd): rendering, charsets, header safety, consolidation, stale
# alerts held, retries with backoff, 5xx failures, tenant isolation, and the
# SLA guard.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

smtp_start || bail "cannot start the SMTP sink"
conf() {   # conf PORT: a configuration pointing at the sink
    cat >"$KT_TMP/k.conf" <<CONF
[kenchi]
report_hold = 2m
outbreak_window = 5m
stale_after = 1h
[soc]
name = 検知SOC
from = soc@soc.example.jp
signature = SOCチーム
analysts = analyst@soc.example.jp
[smtp]
host = 127.0.0.1
port = $1
[customer acme]
name = ㈱アクメ
recipients = soc+acme@soc.example.jp
report_to = security@acme.example.co.jp
language = ja
charset = iso-2022-jp
[customer globex]
name = Globex Corporation
recipients = soc+globex@soc.example.jp
report_to = soc-reports@globex.example.com
language = en
charset = utf-8
CONF
}
conf "$SMTP_PORT"
export KENCHI_CONF=$KT_TMP/k.conf
# The alert's Received header says 07:13:05 UTC: ingest ten minutes later.
export KENCHI_NOW=2026-11-25T07:23:00Z

"$KENCHI" deliver <"$FIX/mail/en-plain.eml" 2>/dev/null
is "$(sql "select kind || ':' || state from outbox order by id" | tr '\n' ' ')" "first_report:pending notice:pending " "a new case queues its first report and the analysts' notice in the same transaction"
is "$(sql "select (select first_report from cases where id = 1) = (select id from outbox where kind = 'first_report')")" 1 "the case points at its report"

"$KENCHI" send 2>/dev/null
is $? 0 "send"
is "$(smtp_count)" 1 "the notice goes at once; the first report waits for cases to join"
KENCHI_NOW=2026-11-25T07:25:30Z "$KENCHI" send 2>/dev/null
is "$(smtp_count)" 2 "after the hold the first report is sent"
is "$(sql "select state from outbox where kind = 'first_report'")" sent "and marked sent"

# Find the customer's report in the sink and decode it with kenchi's own reader.
report_file() { grep -l "X-Kenchi-Kind: first-report" $(smtp_messages) | tail -n "${1:-1}" | head -1; }
rf=$(report_file)
KENCHI_DB=$KT_TMP/readback.db "$KENCHI" deliver <"$rf" 2>/dev/null
subj=$(KENCHI_DB=$KT_TMP/readback.db sql "select subject from messages")
is "$subj" "[kenchi #1] 【一次報告】Threat Detected を検知しました (PC-TK-0231)" "the ISO-2022-JP subject decodes back exactly"
body=$("$KENCHI" parse --text "$rf")
like "$body" "㈱アクメ 御中" "the body carries ㈱ (a Windows extension glibc refuses) in ISO-2022-JP"
like "$body" "c\[:\]\\\\Users\\\\yamada" "the path is defanged"
like "$body" "関連したファイル名 : chrome.exe" "every field of the sample layout is filled"
grep -q $'\r$' "$rf" && ! grep -q $'[^\r]$' <(head -c 2000 "$rf" | sed -n '1,/^\r$/p')
ok $? "CRLF line ends"
like "$(cat "$rf")" "Auto-Submitted: auto-generated" "Auto-Submitted is set"
like "$(cat "$rf")" "Message-I[dD]: <kenchi\.first\.1\." "a stable Message-ID of kenchi's"
nf=$(grep -l "X-Kenchi-Kind: analyst-notice" $(smtp_messages) | head -1)
like "$(cat "$nf")" "Reply-To: soc\+case-1-[0-9a-f]{12}@soc.example.jp" "the notice's Reply-To carries the case token"

# UTF-8 customer, English.
"$KENCHI" deliver <"$FIX/mail/en-8bit.eml" 2>/dev/null
KENCHI_NOW=2026-11-25T09:20:00Z "$KENCHI" send --all 2>/dev/null
gf=$(grep -l "soc-reports@globex" $(smtp_messages) | head -1)
"$KT_PY" - "$gf" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert m["Subject"] == "[kenchi #2] First report: Threat Detected detected on GX-LT-0042", m["Subject"]
body = m.get_content()
assert "Dear Globex Corporation," in body and "José Müller" in body, body[:400]
PY
ok $? "the UTF-8 report decodes back exactly (subject and body)"

# Tenants: no report names another customer's hosts or files.
"$KT_PY" - $(grep -l "X-Kenchi-Kind: first-report" $(smtp_messages)) <<'PY'
import email, email.policy, sys
for f in sys.argv[1:]:
    raw = open(f, "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    to = str(m["To"])
    text = raw.decode("iso2022_jp", "replace") if b"ISO-2022-JP" in raw else m.get_content()
    if "acme" in to:
        assert "GX-" not in text and "Globex" not in text, f
    if "globex" in to:
        assert "PC-TK" not in text and "アクメ" not in text, f
PY
ok $? "no report holds another customer's data"

# No value from an alert can add a header.
cat >"$KT_TMP/inj.eml" <<'MAIL'
Received: by mx.soc.example.jp; Wed, 25 Nov 2026 09:30:00 +0000
From: Cisco <no-reply@amp.cisco.com>
To: soc+globex@soc.example.jp
Subject: [Cisco AMP for Endpoints Subscription] [f] Matching Events Found On X
Message-ID: <inj@test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Event Type: Threat Detected
Event ID: 7300000000000000001
Computer: =?utf-8?q?evil=0D=0ABcc:_x@evil.example?= Bcc: x@evil.example
File Name: a.exe{{soc.name}}${HOME}
Detection: W32.Test
MAIL
"$KENCHI" deliver <"$KT_TMP/inj.eml" 2>/dev/null
KENCHI_NOW=2026-11-25T09:40:00Z "$KENCHI" send --all 2>/dev/null
jf=$(grep -l "Message-I[dD]: <kenchi.first.3\." $(smtp_messages) | head -1)
"$KT_PY" - "$jf" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert m["Bcc"] is None, "Bcc header injected"
names = {k.lower() for k in m.keys()}
allowed = {"from","to","cc","subject","date","message-id","auto-submitted","x-kenchi-loop","x-kenchi-case",
           "x-kenchi-kind","mime-version","content-type","content-transfer-encoding","reply-to"}
assert names <= allowed, names - allowed
body = m.get_content()
assert "{{soc.name}}${HOME}" in body, "template syntax in a value must print literally"
PY
ok $? "alert values cannot add headers, and template syntax in them prints literally"

# The server is down, then comes back: delivered once each.
"$KENCHI" deliver <"$FIX/mail/en-qp.eml" 2>/dev/null
smtp_stop
KENCHI_NOW=2026-11-25T09:40:00Z "$KENCHI" send --all 2>/dev/null
is $? 75 "send with the server down exits 75"
is "$(sql "select attempts || ':' || state from outbox where case_id = 4 and kind = 'first_report'")" "1:pending" "the row stays pending with one attempt"
like "$(sql "select last_error from outbox where case_id = 4 and kind = 'first_report'")" "." "and records why"
na=$(sql "select next_attempt - strftime('%s','2026-11-25T09:40:00Z') from outbox where case_id = 4 and kind = 'first_report'")
cmp_ok "$na" -ge 20 "the next attempt is backed off"
KENCHI_NOW=2026-11-25T09:40:05Z "$KENCHI" send 2>/dev/null
is "$(sql "select attempts from outbox where case_id = 4 and kind = 'first_report'")" 1 "not retried before the backoff"
smtp_start || bail "sink restart"
conf "$SMTP_PORT"
KENCHI_NOW=2026-11-25T10:00:00Z "$KENCHI" send 2>/dev/null
is $? 0 "the retry after the backoff succeeds"
KENCHI_NOW=2026-11-25T11:00:00Z "$KENCHI" send --all 2>/dev/null
ids=$(for f in $(smtp_messages); do grep -i -m1 '^Message-Id:' "$f"; done | sort | uniq -d | wc -l)
is "$ids" 0 "every report was delivered exactly once"
is "$(sql "select count(*) from outbox where state <> 'sent'")" 0 "the outbox is empty"

# A 5xx fails the row, lists it, and tells the analysts.
"$KENCHI" deliver <"$FIX/mail/en-base64.eml" 2>/dev/null
smtp_ctl permfail
KENCHI_NOW=2026-11-25T11:00:00Z "$KENCHI" send --all 2>/dev/null
smtp_ctl ok
is "$(sql "select state from outbox where case_id = 5 and kind = 'first_report'")" failed "a 5xx reply fails the row"
like "$("$KENCHI" outbox --state failed)" "first_report" "kenchi outbox --state failed lists it"
is "$(sql "select count(*) from outbox where kind = 'alert' and subject like '%delivery failed%'")" 1 "the analysts get a notice of the failure"
KENCHI_NOW=2026-11-25T11:01:00Z "$KENCHI" send --all 2>/dev/null
id=$(sql "select id from outbox where case_id = 5 and kind = 'first_report'")
"$KENCHI" outbox retry "$id" >/dev/null
KENCHI_NOW=2026-11-25T11:02:00Z "$KENCHI" send --all 2>/dev/null
is "$(sql "select state from outbox where id = $id")" sent "outbox retry N sends it again"
"$KENCHI" outbox retry "$id" >/dev/null 2>&1
is $? 1 "a sent report cannot be queued again"
is "$(sql "select state from outbox where id = $id")" sent "and stays sent"

# Outbreak: four new cases within minutes are one consolidated report.
for i in 1 2 3 4; do KENCHI_NOW=2026-11-25T02:1${i}:00Z "$KENCHI" deliver <"$FIX/mail/outbreak-$i.eml" 2>/dev/null; done
is "$(sql "select count(*) from outbox where kind = 'first_report' and customer = 'acme' and state = 'pending'")" 1 "four new cases of one customer: one first report"
like "$(sql "select cases from outbox where kind = 'first_report' and state = 'pending'")" "^[0-9]+ [0-9]+ [0-9]+ [0-9]+$" "listing all four cases"
KENCHI_NOW=2026-11-25T02:20:00Z "$KENCHI" send 2>/dev/null
of=$(grep -l "X-Kenchi-Kind: first-report" $(smtp_messages) | xargs ls -t | head -1)
KENCHI_DB=$KT_TMP/readback2.db "$KENCHI" deliver <"$of" 2>/dev/null
like "$(KENCHI_DB=$KT_TMP/readback2.db sql "select subject from messages")" "他3台" "the subject says three more hosts"

# A backlog: alerts that arrived hours ago are held, not mailed.
KENCHI_NOW=2026-11-26T09:00:00Z "$KENCHI" deliver <"$FIX/mail/en-alternative.eml" 2>/dev/null
is "$(sql "select state from outbox where kind = 'first_report' order by id desc limit 1")" held "a stale alert's report is held"
like "$(sql "select last_error from outbox where kind = 'first_report' order by id desc limit 1")" "stale" "with the reason"
held_case=$(sql "select case_id from outbox where kind = 'first_report' order by id desc limit 1")
like "$(KENCHI_NOW=2026-11-26T09:00:00Z "$KENCHI" due | grep "^$held_case ")" "HELD" \
    "kenchi due shows that its first report is held (round 43b F3: no column said so)"
like "$(KENCHI_NOW=2026-11-26T09:00:00Z "$KENCHI" due --json)" '"first_report_state":"held"' "and --json says so"
"$KENCHI" outbox release --all >/dev/null
is "$(sql "select state from outbox where kind = 'first_report' order by id desc limit 1")" pending "outbox release --all lets it go"
# It goes out dated when it goes, not when it was queued: released the
# next day, it read as sent within the hour (report round rp1 F8).
held_id=$(sql "select id from outbox where kind = 'first_report' order by id desc limit 1")
held_mid=$(sql "select message_id from outbox where id = $held_id")
KENCHI_NOW=2026-11-27T00:30:00Z "$KENCHI" send 2>/dev/null
is "$(sql "select state from outbox where id = $held_id")" sent "(the released report is sent)"
hf=$(grep -l "$held_mid" $(smtp_messages) | head -1)
is "$("$KT_PY" -c 'import email, sys, email.utils as u
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(u.parsedate_to_datetime(m["Date"]).timestamp() == 1795739400, m["Message-ID"].strip("<>") == sys.argv[2])' "$hf" "$held_mid")" \
    "True True" "its Date is the time it was sent, its Message-ID as queued"

# SLA guard: a first report still unsent 45 minutes after arrival.
smtp_stop
main_db=$KENCHI_DB
export KENCHI_DB=$KT_TMP/sla.db
{
    # No Received header: the arrival is the time of ingest.
    sed '/^Received:/d' "$KT_TMP/inj.eml" | KENCHI_NOW=2026-11-27T09:00:00Z "$KENCHI" deliver 2>/dev/null
    # kenchi due reads the first report's hour itself, before any sender's
    # SLA guard has run (round 43b D1).
    unlike "$(KENCHI_NOW=2026-11-27T09:20:00Z "$KENCHI" due | sed -n 2p)" "LATE|DUE" "due: an unsent first report 20 minutes after arrival is not flagged"
    like "$(KENCHI_NOW=2026-11-27T09:50:00Z "$KENCHI" due | sed -n 2p)" "DUE 0h10m$" \
        "due: 45 minutes after arrival, unsent, it shows the 10 minutes left (round 43b D1)"
    like "$(KENCHI_NOW=2026-11-27T10:05:00Z "$KENCHI" due | sed -n 2p)" "LATE$" "due: past its hour, unsent, it is LATE though no SLA guard ran"
    like "$(KENCHI_NOW=2026-11-27T10:05:00Z "$KENCHI" due --json)" '"first_report_late":true.*"first_report_left_s":-300' \
        "and --json says so, with the seconds left"
    KENCHI_NOW=2026-11-27T09:30:00Z "$KENCHI" send --all 2>/dev/null
    is "$(sql "select count(*) from outbox where kind = 'alert' and subject like '%SLA%'")" 0 "no SLA alert 30 minutes after arrival"
    KENCHI_NOW=2026-11-27T09:50:00Z "$KENCHI" send --all 2>/dev/null
    is "$(sql "select count(*) from outbox where kind = 'alert' and subject like '%SLA%'")" 1 "an unsent first report 45 minutes after arrival alerts the analysts"
    KENCHI_NOW=2026-11-27T09:55:00Z "$KENCHI" send --all 2>/dev/null
    is "$(sql "select count(*) from outbox where kind = 'alert' and subject like '%SLA%'")" 1 "once"
    like "$(KENCHI_NOW=2026-11-27T09:55:00Z "$KENCHI" due | sed -n 2p)" "DUE 0h05m$" \
        "kenchi due flags it, with the time left: alerted is not late (round 47: it said LATE)"
    like "$(KENCHI_NOW=2026-11-27T10:01:00Z "$KENCHI" due | sed -n 2p)" "LATE$" "and LATE past its hour"
}
# With no analysts, the guard alerts no one, and marks no case alerted.
export KENCHI_DB=$KT_TMP/sla-none.db
grep -v '^analysts' "$KENCHI_CONF" >"$KT_TMP/noanalysts.conf"
sed '/^Received:/d' "$KT_TMP/inj.eml" | KENCHI_CONF=$KT_TMP/noanalysts.conf KENCHI_NOW=2026-11-27T09:00:00Z "$KENCHI" deliver 2>/dev/null
KENCHI_CONF=$KT_TMP/noanalysts.conf KENCHI_NOW=2026-11-27T09:50:00Z "$KENCHI" send --all >/dev/null 2>&1
is "$(sql "select sum(sla_alerted) from cases")" 0 "no analysts: no case is marked alerted (round 47: due said LATE, no mail had gone)"
export KENCHI_DB=$main_db

# preview prints the report without queueing or sending.
before=$(sql "select count(*) from outbox")
out=$("$KENCHI" preview 1)
like "$out" "【一次報告】" "preview prints the report"
is "$(sql "select count(*) from outbox")" "$before" "without queueing anything"

# A report queued at ingest shows the events from the trees ingest built
# (an import: the delivery hook loads templates only once it needs them, so
# its parse keeps no trees); preview reads them back from the database:
# both must give the same mail.
sed 's/^outbreak_window = .*/outbreak_window = 0s/' "$KT_TMP/k.conf" >"$KT_TMP/solo.conf"
export KENCHI_DB=$KT_TMP/solo.db
KENCHI_CONF=$KT_TMP/solo.conf "$KENCHI" import --no-progress --customer acme "$FIX/mail/digest-ja.eml" 2>/dev/null
is "$(sql "select count(*) from outbox where kind = 'first_report'")" 3 "a digest of three hosts: three first reports"
# The same Message-ID too: preview showed one that never goes out (report
# round rp1 F16).
for c in 1 2 3; do
    queued=$(sql "select cast(raw as text) from outbox where kind = 'first_report' and case_id = $c" | tr -d '\r')
    shown=$(KENCHI_CONF=$KT_TMP/solo.conf "$KENCHI" preview --raw "$c" 2>&1 | tr -d '\r')
    is "$queued" "$shown" "case $c: the report queued at ingest is the report rendered from the stored events, Message-ID and all"
done
# A digest whose first two events are one host's and one file's: one case
# of two events, all stored by this message, so the report takes them from
# ingest's trees without reading the case's events back.
"$KT_PY" - "$FIX/mail/digest-ja.eml" "$KT_TMP/one-host.eml" <<'PY'
import email, email.policy, re, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
part = m if not m.is_multipart() else next(p for p in m.walk() if p.get_content_type() == "text/plain")
text = part.get_content()
text = re.sub(r"PC-TK-030[23]", "PC-TK-0301", text)
guids = re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text)
for g in guids[1:]:
    text = text.replace(g, guids[0])
text = re.sub(r"C:\\Users\\\w+\\", r"C:\\Users\\abe\\", text)
part.set_content(text, charset="utf-8", cte="base64")
del m["Message-ID"]
m["Message-ID"] = "<one-host-digest@amp.example>"
open(sys.argv[2], "wb").write(m.as_bytes())
PY
export KENCHI_DB=$KT_TMP/one-host.db   # alone: the case must hold only this mail's events
KENCHI_CONF=$KT_TMP/solo.conf "$KENCHI" import --no-progress --customer acme "$KT_TMP/one-host.eml" 2>/dev/null
c=$(sql "select case_id from events where message = (select max(id) from messages) group by case_id order by count(*) desc limit 1")
is "$(sql "select events from cases where id = $c")" 2 "a one-host digest: a case of two events"
queued=$(sql "select cast(raw as text) from outbox where kind = 'first_report' and case_id = $c" | tr -d '\r' | grep -v '^Message-I[dD]:')
shown=$(KENCHI_CONF=$KT_TMP/solo.conf "$KENCHI" preview --raw "$c" 2>&1 | tr -d '\r' | grep -v '^Message-I[dD]:')
is "$queued" "$shown" "its report, queued from ingest's trees, is the report rendered from the stored events"
export KENCHI_DB=$main_db

# A report refused for its report_to but taken for its report_cc: sent (the
# Cc has it, it is not resent), the refusal kept on the row, and the
# analysts told (round 38a: "sent" unseen, the customer's contact never
# had it).
smtp_start || bail "sink restart"
conf "$SMTP_PORT"
sed 's/^report_to = soc-reports@globex.example.com$/report_to = soc-reports@globex.example.com\nreport_cc = ciso@globex.example.com/' \
    "$KT_TMP/k.conf" >"$KT_TMP/cc.conf"
export KENCHI_DB=$KT_TMP/cc.db
KENCHI_CONF=$KT_TMP/cc.conf KENCHI_NOW=2026-11-25T09:10:00Z "$KENCHI" deliver <"$FIX/mail/en-8bit.eml" 2>/dev/null
smtp_ctl refuse=soc-reports@globex.example.com
KENCHI_CONF=$KT_TMP/cc.conf KENCHI_NOW=2026-11-25T09:15:00Z "$KENCHI" send --all 2>/dev/null
smtp_ctl ok
is "$(sql "select state from outbox where kind = 'first_report'")" sent "refused for report_to, taken for report_cc: sent"
like "$(sql "select last_error from outbox where kind = 'first_report'")" "soc-reports@globex.example.com: 550" \
    "the refusal is kept on the row"
is "$(sql "select count(*) from outbox where kind = 'alert' and subject like '%delivery partly refused%'")" 1 \
    "and the analysts are told"

# A first report refused for a wrong report_to: after the address is fixed
# in the configuration, `outbox retry --readdress` sends it to the new one,
# the same mail (its Message-ID kept); plain `retry` keeps the old one.
export KENCHI_DB=$KT_TMP/readdress.db
KENCHI_CONF=$KT_TMP/k.conf KENCHI_NOW=2026-11-25T09:10:00Z "$KENCHI" deliver <"$FIX/mail/en-8bit.eml" 2>/dev/null
smtp_ctl refuse=soc-reports@globex.example.com
KENCHI_CONF=$KT_TMP/k.conf KENCHI_NOW=2026-11-25T09:15:00Z "$KENCHI" send --all 2>/dev/null
smtp_ctl ok
row=$(sql "select id from outbox where kind = 'first_report'")
mid=$(sql "select message_id from outbox where id = $row")
is "$(sql "select state from outbox where id = $row")" failed "a first report refused for its only address: failed"
sed 's/^report_to = soc-reports@globex.example.com$/report_to = security@globex.example.com/' "$KT_TMP/k.conf" >"$KT_TMP/fixed.conf"
KENCHI_CONF=$KT_TMP/fixed.conf "$KENCHI" outbox retry "$row" >/dev/null 2>&1
is "$(sql "select rcpts from outbox where id = $row")" soc-reports@globex.example.com "plain retry keeps the address it was queued with"
rcase=$(sql "select case_id from outbox where id = $row")
sql "update cases set merged_into = $rcase + 1000 where id = $rcase"
err=$(KENCHI_CONF=$KT_TMP/fixed.conf "$KENCHI" outbox retry --readdress "$row" 2>&1)
is "$?" 1 "--readdress of a report whose case was merged since is refused (round 41b: a report of nothing went out)"
like "$err" "merged into another" "saying why"
is "$(sql "select rcpts from outbox where id = $row")" soc-reports@globex.example.com "and the row is as it was"
sql "update cases set merged_into = NULL where id = $rcase"
KENCHI_CONF=$KT_TMP/fixed.conf "$KENCHI" outbox retry --readdress "$row" >/dev/null 2>&1
is "$?" 0 "outbox retry --readdress N exits 0"
is "$(sql "select state || ' ' || replace(rcpts, char(10), '') || ' ' || message_id from outbox where id = $row")" \
    "pending security@globex.example.com $mid" \
    "the row goes to the fixed address, pending, with its Message-ID"
n=$(smtp_count)
KENCHI_CONF=$KT_TMP/fixed.conf KENCHI_NOW=2026-11-25T09:20:00Z "$KENCHI" send --all 2>/dev/null
smtp_wait_count $((n + 1)) 10
last=$(grep -l -F "$mid" $(smtp_messages) | tail -1)
ok $([ -n "$last" ]; echo $?) "the report reaches the SMTP server, with its Message-ID"
like "$(tr -d '\r' <"$last" | grep -i '^To:')" "security@globex.example.com" "addressed to the fixed address"
notice=$(sql "select id from outbox where kind = 'notice' limit 1")
err=$(KENCHI_CONF=$KT_TMP/fixed.conf "$KENCHI" outbox retry --readdress "$notice" 2>&1)
is "$?" 1 "--readdress of another kind of row exits 1"
like "$err" "only a first report" "saying why"
err=$(KENCHI_CONF=$KT_TMP/fixed.conf "$KENCHI" outbox retry --readdress "$row" 2>&1)
like "$err" "never sent again" "and of a sent one"
sql "update outbox set state = 'sending' where id = $row"
err=$(KENCHI_CONF=$KT_TMP/fixed.conf "$KENCHI" outbox retry --readdress "$row" 2>&1)
like "$err" "being sent now" "and of one a send has claimed, which is not called sent (round 41b F8)"
sql "update outbox set state = 'sent' where id = $row"
sed 's/^\[customer globex\]$/[customer globex-renamed]/' "$KT_TMP/fixed.conf" >"$KT_TMP/gone.conf"
err=$(KENCHI_CONF=$KT_TMP/gone.conf "$KENCHI" outbox retry --readdress "$row" 2>&1)
like "$err" "customer is no longer in the configuration" \
    "and of one whose customer is gone from the configuration, said so (round 41b F8: \"has no report_to\")"
export KENCHI_DB=$main_db

# --- an event that bridges two cases of one detection (rc1 F1) -------------
# The same machine and file 40 h, 0 h and 20 h after T0, arriving in that
# order: the second is more than 24 h from the first, a case of its own; the
# third is within 24 h of both, so they are one case, as in date order.
# The case merged has its untaken first report and notice withdrawn; a report
# a sender took stays as it went.
export KENCHI_DB=$KT_TMP/bridge.db
bridge() {   # bridge N DATE NOW [TYPE]: the alert N of DATE, delivered at NOW
    sed -e "s/^Event ID: .*/Event ID: $((7300000000000000000 + $1))/" -e "s/^Message-ID: .*/Message-ID: <bridge$1@test>/" \
        -e "s/^Date: 2026-.*/Date: $2/" -e "/^Detection ID:/d" -e "s/^Event Type: .*/Event Type: ${4:-Threat Detected}/" \
        -e '/^Received:/,/^[^ \t]/{/^Received:/d;/^[ \t]/d}' "$FIX/mail/en-plain.eml" |
        KENCHI_NOW=$3 "$KENCHI" deliver 2>/dev/null
}
bridge 1 "2026-11-26 17:00:00 UTC" 2026-11-26T17:02:00Z
bridge 2 "2026-11-25 01:00:00 UTC" 2026-11-26T17:12:00Z
is "$(sql "select count(*) from outbox where kind = 'first_report' and state = 'pending'")" 2 \
    "two cases of one machine and file 40 h apart: two first reports"
bridge 3 "2026-11-25 21:00:00 UTC" 2026-11-26T17:22:00Z
is "$(sql "select id || ':' || state || ':' || events || ':' || ifnull(merged_into, '-') from cases order by id" | tr '\n' ' ')" \
    "1:open:3:- 2:closed:0:1 " "an event within 24 h of both makes them one case"
is "$(sql "select kind || ':' || case_id || ':' || state from outbox order by id" | tr '\n' ' ')" \
    "first_report:1:pending notice:1:pending first_report:2:withdrawn notice:2:withdrawn " \
    "the merged case's first report and notice are withdrawn: one first report for the detection"
like "$(sql "select last_error from outbox where case_id = 2 and kind = 'first_report'")" "case 2 merged into case 1" \
    "saying why"
is "$(sql "select datetime(first_seen, 'unixepoch') || ' ' || datetime(first_report_due, 'unixepoch') from cases where id = 1")" \
    "2026-11-25 01:00:00 2026-11-26 18:02:00" "the case seen since T0 keeps its own first-report deadline"
# The first case's report sent: the bridge still merges, and only the
# untaken one is withdrawn.
rm -f "$KENCHI_DB" "$KENCHI_DB"-*
bridge 1 "2026-11-26 17:00:00 UTC" 2026-11-26T17:02:00Z
KENCHI_NOW=2026-11-26T17:05:00Z "$KENCHI" send --all 2>/dev/null
bridge 2 "2026-11-25 01:00:00 UTC" 2026-11-26T17:12:00Z
bridge 3 "2026-11-25 21:00:00 UTC" 2026-11-26T17:22:00Z
is "$(sql "select kind || ':' || case_id || ':' || state from outbox order by id" | tr '\n' ' ')" \
    "first_report:1:sent notice:1:sent first_report:2:withdrawn notice:2:withdrawn " \
    "a report that went out stays; the merged case's untaken one is withdrawn"
# The case merged is P1 (an Executed malware), the other's report sent: the
# P1 case's untaken report is withdrawn all the same, for its detection is
# the other case's, whose report the customer has (rc2 F1: it went out as a
# second first report); the other case, P1 now by the merge, is told of to
# the analysts (rc2 F4).
rm -f "$KENCHI_DB" "$KENCHI_DB"-*
bridge 1 "2026-11-26 17:00:00 UTC" 2026-11-26T17:02:00Z
KENCHI_NOW=2026-11-26T17:05:00Z "$KENCHI" send --all 2>/dev/null
bridge 2 "2026-11-25 01:00:00 UTC" 2026-11-26T17:12:00Z "Executed Malware"
is "$(sql "select priority from cases where id = 2")" P1 "an Executed malware opens a P1 case"
bridge 3 "2026-11-25 21:00:00 UTC" 2026-11-26T17:22:00Z
is "$(sql "select kind || ':' || case_id || ':' || state from outbox where kind <> 'alert' order by id" | tr '\n' ' ')" \
    "first_report:1:sent notice:1:sent first_report:2:withdrawn notice:2:withdrawn " \
    "a merged P1 case's untaken report and notice are withdrawn"
is "$(sql "select priority from cases where id = 1")" P1 "the case that took it is P1"
like "$(sql "select subject from outbox where kind = 'alert'")" "\[kenchi #1\] escalated to P1" "and the analysts are told"
# Two cases whose states differ are not merged: the machine allow-listed
# after the first case's report went out (that case stays open), the second
# case is suppressed, and a suppressed case is no report to go with it.
rm -f "$KENCHI_DB" "$KENCHI_DB"-*
bridge 1 "2026-11-26 17:00:00 UTC" 2026-11-26T17:02:00Z
KENCHI_NOW=2026-11-26T17:05:00Z "$KENCHI" send --all 2>/dev/null
"$KENCHI" allow add --customer acme host PC-TK-0231 >/dev/null 2>&1
bridge 2 "2026-11-25 01:00:00 UTC" 2026-11-26T17:12:00Z
bridge 3 "2026-11-25 21:00:00 UTC" 2026-11-26T17:22:00Z
is "$(sql "select id || ':' || state || ':' || events from cases order by id" | tr '\n' ' ')" \
    "1:open:2 2:suppressed:1 " "an open case and a suppressed one stay two"
export KENCHI_DB=$main_db

# --- a reported case raised to P1 (session 23's silent escalation) ---------
# A Medium Threat Detected is a P3 or P4 case; an Executed malware of the
# same machine and file an hour later makes it P1.  The analysts' notice
# named the old priority, so they are told; a repeat that leaves it P1, or
# a case that opens as P1, tells them nothing more.
export KENCHI_DB=$KT_TMP/escalate.db
esc() {   # esc N TYPE SEVERITY DATE NOW
    sed -e "s/^Event ID: .*/Event ID: $((7400000000000000000 + $1))/" -e "s/^Message-ID: .*/Message-ID: <esc$1@test>/" \
        -e "s/^Event Type: .*/Event Type: $2/" -e "s/^Severity: .*/Severity: $3/" -e "s/^Date: 2026-.*/Date: $4/" \
        -e "/^Detection ID:/d" -e '/^Received:/,/^[^ \t]/{/^Received:/d;/^[ \t]/d}' "$FIX/mail/en-plain.eml" |
        KENCHI_NOW=$5 "$KENCHI" deliver 2>/dev/null
}
esc 1 "Threat Detected" Medium "2026-11-25 07:00:00 UTC" 2026-11-25T07:02:00Z
was=$(sql "select priority from cases where id = 1")
is "$(sql "select count(*) from outbox where kind = 'alert'")" 0 "a new case: its notice names its priority ($was)"
esc 2 "Executed Malware" High "2026-11-25 08:00:00 UTC" 2026-11-25T08:02:00Z
is "$(sql "select priority from cases where id = 1")" P1 "an Executed malware raises the case to P1"
is "$(sql "select subject from outbox where kind = 'alert'")" \
    "[kenchi #1] escalated to P1 (PC-TK-0231, acme): Executed malware" "the analysts are told"
body=$(sql "select cast(raw as text) from outbox where kind = 'alert'" | "$KT_PY" -c '
import email, email.policy, sys
print(email.message_from_string(sys.stdin.read(), policy=email.policy.default).get_content())')
like "$body" "rose from $was to P1" "naming the priority its notice gave"
like "$body" "executed malware" "and the rules behind the new score"
is "$(sql "select rcpts from outbox where kind = 'alert'")" analyst@soc.example.jp "addressed to the analysts alone"
esc 3 "Executed Malware" High "2026-11-25 09:00:00 UTC" 2026-11-25T09:02:00Z
is "$(sql "select count(*) from outbox where kind = 'alert'")" 1 "a repeat that leaves it P1 says nothing more"
# A backlog's alerts, past stale_after, hold their reports for release: an
# escalation among them alerts no one either.
rm -f "$KENCHI_DB" "$KENCHI_DB"-*
for n in 1 2; do
    sed -e "s/^Event ID: .*/Event ID: $((7410000000000000000 + n))/" -e "s/^Message-ID: .*/Message-ID: <stale$n@test>/" \
        -e "/^Detection ID:/d" -e "$([ $n = 1 ] && echo 's/^Severity: .*/Severity: Medium/' ||
            echo 's/^Event Type: .*/Event Type: Executed Malware/')" "$FIX/mail/en-plain.eml" |
        KENCHI_NOW=2026-11-25T10:00:00Z "$KENCHI" deliver 2>/dev/null
done
is "$(sql "select priority || ' ' || events from cases")" "P1 2" "a backlog's Executed malware makes its case P1"
is "$(sql "select count(*) from outbox where kind = 'alert'")" 0 "but alerts no one: it arrived past stale_after"
# A new case that one mail's second event makes P1: its notice, rendered
# after the mail's last event, says P1, and no alert says it rose (rc2 F6).
rm -f "$KENCHI_DB" "$KENCHI_DB"-*
{
    printf 'From: Cisco <no-reply@amp.cisco.com>\nTo: soc+acme@soc.example.jp\nMessage-ID: <digest-f6@test>\n'
    printf 'Subject: [Cisco AMP for Endpoints Subscription] [All] Matching Events Found On PC-F6\n'
    printf 'Content-Type: text/plain; charset=utf-8\n\nCisco AMP for Endpoints has detected 2 events:\n\n'
    for t in "Threat Detected:7500000000000000001:Medium" "Executed Malware:7500000000000000002:High"; do
        printf 'Event Type: %s\nEvent ID: %s\nDate: 2026-11-25 01:00:00 UTC\nComputer: PC-F6\nSeverity: %s\n' \
            "${t%%:*}" "$(echo "$t" | cut -d: -f2)" "${t##*:}"
        printf 'Disposition: Malicious\nFile Name: f6.exe\nSHA-256: %s\n\n' f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6
    done
} | KENCHI_NOW=2026-11-25T01:05:00Z "$KENCHI" deliver 2>/dev/null
is "$(sql "select count(*) || ':' || priority from cases")" "1:P1" "one case, P1"
like "$(sql "select subject from outbox where kind = 'notice'")" "(P1)" "its notice says P1"
is "$(sql "select count(*) from outbox where kind = 'alert'")" 0 "and no alert says it rose"
# An outbreak's third host adds the points that make its first two cases P1
# (Critical, Malicious, a Cloud IOC's name: 60, P2; "outbreak" adds 20):
# each of them is told of; the third opens as P1 and its notice says so.
rm -f "$KENCHI_DB" "$KENCHI_DB"-*
for i in 1 2 3; do
    sed -e "s/^Event ID: .*/Event ID: 745000000000000000$i/" -e "s/^Message-ID: .*/Message-ID: <ob$i@test>/" \
        -e "s/^Computer: .*/Computer: PC-OB-$i/" -e "/^Connector GUID:/d" -e "/^Detection ID:/d" \
        -e "s/^Severity: .*/Severity: Critical/" -e "s/^Detection: .*/Detection: W32.Spread.ioc/" \
        -e "s/^Date: 2026-.*/Date: 2026-11-25 0$i:00:00 UTC/" -e '/^Received:/,/^[^ \t]/{/^Received:/d;/^[ \t]/d}' \
        "$FIX/mail/en-plain.eml" | KENCHI_NOW=2026-11-25T0$i:05:00Z "$KENCHI" deliver 2>/dev/null
done
is "$(sql "select group_concat(priority, ' ') from (select priority from cases order by id)")" "P1 P1 P1" \
    "three hosts: every case of the outbreak is P1"
is "$(sql "select group_concat(case_id || ':' || subject, ' | ') from (select case_id, subject from outbox where kind = 'alert' order by id)")" \
    "1:[kenchi #1] escalated to P1 (PC-OB-1, acme): Threat Detected on another host of its outbreak (3 hosts) | 2:[kenchi #2] escalated to P1 (PC-OB-2, acme): Threat Detected on another host of its outbreak (3 hosts)" \
    "the first two hosts' cases, reported as P2, are told of"
export KENCHI_DB=$main_db

# A Vulnerable Application event's report names its CVEs, and a network
# event's the remote port (rt28 E11, E14, A01): the customer acts on them.
export KENCHI_DB=$KT_TMP/vuln.db
"$KENCHI" deliver --customer acme <"$FIX/mail/evt-vulnerable-app.eml" 2>/dev/null
out=$("$KENCHI" preview 1)
like "$out" "脆弱性 \\(CVE\\) :" "the Japanese first report lists the vulnerabilities"
like "$out" "  CVE-2023-21608 \\(CVSS 7\\.8\\)" "each CVE with its score, a line each"
like "$out" "  CVE-2023-26369 \\(CVSS 7\\.8\\)" "the second CVE too"
"$KENCHI" import --customer globex --no-progress "$FIX/variants/field/r99-a01-api-vulnerable-app-vulnerabilities.json" >/dev/null 2>&1
"$KENCHI" deliver --customer globex <"$FIX/variants/field/r99-e11-dfc-en-plain-remote-port.eml" 2>/dev/null
out=$("$KENCHI" preview 2)
like "$out" "CVE-2021-28550 \\(CVSS 8\\.8\\) Adobe Acrobat Reader DC 21\\.001\\.20135" "from the API, each CVE names its application"
out=$("$KENCHI" preview 3)
like "$out" "Remote IP address : 203\\[\\.\\]0\\[\\.\\]113\\[\\.\\]111 \\(port 8443\\)" "the English report gives the remote port"
like "$out" "Direction : Outgoing connection from \\(this computer's port 50123\\)" \
    "and the direction with this computer's port (rc4 F5: an incoming connection read as one going out)"
export KENCHI_DB=$main_db

# A first report not sent yet tells what is known when it goes: an event
# that joins its case within report_hold is in it (it was rendered when
# queued, and named only the event before), a report that has gone out is
# not changed, and a stale backlog's held report takes a fresh P1 event
# merged into its case (rc3 F4).
export KENCHI_DB=$KT_TMP/refresh.db
KENCHI_NOW=2026-11-25T07:23:00Z "$KENCHI" deliver --customer globex <"$FIX/mail/en-plain.eml" 2>/dev/null
sed -e 's/^Event ID: .*/Event ID: 6455442292357460001/' -e 's/^Message-ID: .*/Message-ID: <refresh-2@test>/' \
    -e 's/^Event Type: .*/Event Type: Executed Malware/' -e 's/^Date: 2026-11-25 07:12:31 UTC/Date: 2026-11-25 07:14:00 UTC/' \
    "$FIX/mail/en-plain.eml" | KENCHI_NOW=2026-11-25T07:24:00Z "$KENCHI" deliver --customer globex 2>/dev/null
is "$(sql "select count(*) || ' ' || priority from cases")" "1 P1" "(one case, P1 by its second event)"
mid1=$(sql "select message_id from outbox where kind = 'first_report'")
KENCHI_NOW=2026-11-25T07:27:00Z "$KENCHI" send 2>/dev/null
is "$(sql "select state from outbox where kind = 'first_report'")" sent "(sent)"
sql "select cast(raw as text) from outbox where kind = 'first_report'" >"$KT_TMP/refresh.eml"
body=$(decoded "$KT_TMP/refresh.eml")
like "$body" "Event type : Threat Detected" "the report that went out names the first event"
like "$body" "Event type : Executed malware" "and the one that joined its case before it went"
is "$(sql "select message_id from outbox where kind = 'first_report'")" "$mid1" "with the Message-ID it was queued with"
sed -e 's/^Event ID: .*/Event ID: 6455442292357460002/' -e 's/^Message-ID: .*/Message-ID: <refresh-3@test>/' \
    -e 's/^Event Type: .*/Event Type: Threat Quarantined/' -e 's/^Date: 2026-11-25 07:12:31 UTC/Date: 2026-11-25 07:15:00 UTC/' \
    "$FIX/mail/en-plain.eml" | KENCHI_NOW=2026-11-25T07:30:00Z "$KENCHI" deliver --customer globex 2>/dev/null
is "$(sql "select cast(raw as text) from outbox where kind = 'first_report'" | grep -c 'Threat Quarantined')" 0 \
    "a report that has gone out is not rendered again"
rm -f "$KENCHI_DB" "$KENCHI_DB"-*
# The backlog: a Threat Detected of two days ago, held; then a fresh
# Executed malware of the machine and file a day later opens a case that an
# event between the two merges into the older one.
backlog() {   # backlog NOW DATE TYPE ID [fresh: no Received header of two days ago]
    sed -e "s/^Event ID: .*/Event ID: $4/" -e "s/^Message-ID: .*/Message-ID: <bl-$4@test>/" -e "/^Detection ID:/d" \
        -e "s/^Event Type: .*/Event Type: $3/" -e "s/^Date: 2026-11-25 07:12:31 UTC/Date: $2/" \
        ${5:+-e '/^Received:/,/^[^ \t]/{/^Received:/d;/^[ \t]/d}'} "$FIX/mail/en-plain.eml" |
        KENCHI_NOW=$1 "$KENCHI" deliver --customer globex 2>/dev/null
}
backlog 2026-11-27T01:00:00Z "2026-11-25 01:00:00 UTC" "Threat Detected" 6455442292357461001
is "$(sql "select state from outbox where kind = 'first_report'")" held "(the backlog's report is held)"
backlog 2026-11-27T01:01:00Z "2026-11-26 17:00:00 UTC" "Executed Malware" 6455442292357461002 fresh
backlog 2026-11-27T01:02:00Z "2026-11-25 21:00:00 UTC" "Threat Detected" 6455442292357461003 fresh
is "$(sql "select group_concat(state, ' ') from (select state from cases order by id)")" "open closed" "(the fresh case is merged into the held one)"
sql "select cast(raw as text) from outbox where kind = 'first_report' and case_id = 1" >"$KT_TMP/held.eml"
like "$(decoded "$KT_TMP/held.eml")" "Event type : Executed malware" \
    "the held report tells of the P1 event merged into its case"
is "$(sql "select state from outbox where kind = 'first_report' and case_id = 1")" pending \
    "and, a fresh alert in it, goes out by itself after the hold (rc4 F4: it waited for a release)"
export KENCHI_DB=$main_db

# A report held for want of a report_to: a fresh event joining its case
# does not make it sendable (it has no one to go to); once the address is
# configured, the next event renders it for that address, and its reason
# no longer says there is none (rc4 F9).
export KENCHI_DB=$KT_TMP/noaddr.db
sed '/^report_to = soc-reports@globex.example.com$/d' "$KT_TMP/k.conf" >"$KT_TMP/noaddr.conf"
na() {   # na NOW ID CONF [stale]: a Threat Detected of PC-NA, event ID; fresh unless "stale" (its Received kept)
    local drop='/^Received:/,/^[^ \t]/{/^Received:/d;/^[ \t]/d}'
    [ -n "${4:-}" ] && drop='/^X-None:/d'
    sed -e "s/^Event ID: .*/Event ID: $2/" -e "s/^Message-ID: .*/Message-ID: <na-$2@test>/" -e 's/PC-TK-0231/PC-NA/g' \
        -e "$drop" "$FIX/mail/en-plain.eml" |
        KENCHI_CONF=$3 KENCHI_NOW=$1 "$KENCHI" deliver --customer globex 2>/dev/null
}
na 2026-11-27T07:20:00Z 6455442249407795001 "$KT_TMP/noaddr.conf"
is "$(sql "select state from outbox where kind = 'first_report'")" held "(held: no report_to)"
na 2026-11-27T07:21:00Z 6455442249407795002 "$KT_TMP/noaddr.conf"
is "$(sql "select state from outbox where kind = 'first_report'")" held "a fresh event joining it does not make it sendable: it has no address"
na 2026-11-27T07:22:00Z 6455442249407795003 "$KT_TMP/k.conf" stale
like "$(sql "select state || ' ' || last_error from outbox where kind = 'first_report'")" "^held held: its customer has a report_to now; release it" \
    "with the address configured, an old event renders it for the address, and its reason says what is left to do (rc4 F9)"
like "$(sql "select rcpts from outbox where kind = 'first_report'")" "soc-reports@globex.example.com" "it is addressed"
na 2026-11-27T07:23:00Z 6455442249407795004 "$KT_TMP/k.conf"
is "$(sql "select state from outbox where kind = 'first_report'")" pending "and a fresh event makes it sendable"
rm -f "$KENCHI_DB" "$KENCHI_DB"-*
export KENCHI_DB=$main_db

# Which events a report lists (rc4 F1, F2, F6, F7): a machine's 50 repeats
# of a Threat Detected, then an Executed malware of the same file, and
# another machine's event in the same report.  The report names the
# Executed malware, leads with it and explains it, names the second
# machine, says how many it left out, and lists in detection order.
export KENCHI_DB=$KT_TMP/pick.db
digest() {   # digest MSGID HOST TYPE FIRST N: N events of HOST, ids FIRST.., an hour apart, the last first
    "$KT_PY" - "$FIX/mail/en-plain.eml" "$@" <<'PY'
import sys
src = open(sys.argv[1]).read()
msgid, host, etype, first, n = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
head, rest = src.split('Event Type:', 1)
block = 'Event Type:' + rest.split('\nTrajectory:', 1)[0] + '\n'
head = head.replace('<20261125071302.007919.amp-notify@amp.cisco.com>', '<%s>' % msgid)
blocks = []
for i in reversed(range(n)):
    b = block.replace('Threat Detected', etype).replace('PC-TK-0231', host).replace('6455442249407791104', str(first + i))
    b = b.replace('be298a4a-0f1e-57d1-b27f-d51c302b8f64', 'be298a4a-0f1e-57d1-b27f-d51c302b8f6' + host[-1])
    b = b.replace('6455442249407709191', '645544224940770919' + host[-1])   # its detection id: the machine's
    b = b.replace('2026-11-25 07:12:31 UTC', '2026-11-25 %02d:%02d:31 UTC' % (1 + i // 60, i % 60))
    blocks.append(b)
sys.stdout.write(head.replace('PC-TK-0231', host) + '\n'.join(blocks))
PY
}
digest pick-1@t PC-PICK-1 "Threat Detected" 7300000000000000000 50 | KENCHI_NOW=2026-11-25T07:23:00Z "$KENCHI" deliver --customer globex 2>/dev/null
digest pick-2@t PC-PICK-1 "Executed Malware" 7300000000000000100 1 | KENCHI_NOW=2026-11-25T07:24:00Z "$KENCHI" deliver --customer globex 2>/dev/null
digest pick-3@t PC-PICK-2 "Threat Detected" 7300000000000000200 1 | KENCHI_NOW=2026-11-25T07:24:30Z "$KENCHI" deliver --customer globex 2>/dev/null
is "$(sql "select count(*) from outbox where kind = 'first_report' and state = 'pending'")" 1 "(one consolidated report)"
sql "select cast(raw as text) from outbox where kind = 'first_report'" >"$KT_TMP/pick.eml"
body=$(decoded "$KT_TMP/pick.eml")
like "$body" "First report: Executed malware and 1 other event type\(s\) detected on PC-PICK-1" "the report leads with its worst event, past the 50 repeats before it"
like "$body" "Event type : Executed malware" "and lists it"
like "$body" "Computer name : PC-PICK-2" "the second machine of the report is in its body, not only its subject"
like "$body" "Note: [0-9]+ more event\(s\) of these cases were detected" "it says that it left events out"
like "$body" "an application suspected to be malware was executed" "its explanation is the Executed malware's"
is "$(echo "$body" | grep '^Detected at' | head -2 | sort -c 2>&1 && echo sorted)" sorted "its events are in the order they were detected"
is "$("$KENCHI" case 1 --json | "$KT_PY" -c 'import json,sys; t=[e.get("date","") for e in json.load(sys.stdin)["timeline"]]; print(t == sorted(t))')" True \
    "and so is the case's timeline"
export KENCHI_DB=$main_db

# A consolidated report of several kinds of event explains each, and its
# subject says there are more kinds: it explained the lead's alone, and a
# customer whose machine ran malware read only of an Uninstall (report
# round rp1 F3).
export KENCHI_DB=$KT_TMP/kinds.db
for f in evt-uninstall evt-executed-malware evt-ransomware; do
    sed '/^Received:/,/^[^ \t]/{/^Received:/d;/^[ \t]/d}' "$FIX/mail/$f.eml" |
        KENCHI_NOW=2026-11-25T07:20:00Z "$KENCHI" deliver 2>/dev/null
done
is "$(sql "select count(*) from outbox where kind = 'first_report'")" 1 "(three kinds of event, one consolidated report)"
sql "select cast(raw as text) from outbox where kind = 'first_report'" >"$KT_TMP/kinds.eml"
out=$(decoded "$KT_TMP/kinds.eml")
like "$out" "ほか2種類のイベント を検知しました" "the subject says two more kinds of event"
is "$(printf '%s\n' "$out" | grep -c '^■ ')" 3 "the findings explain each kind, under its name"
like "$out" "■ Executed malware.*実行" "the executed malware's among them"
export KENCHI_DB=$main_db

# rp1 F2, F4, F5, F10: what the customer reads of values an attacker
# chooses.  No indicator a mail client links (a scheme, "www.", an e-mail
# address, a UNC server, a bare .com domain) in any field of either report;
# a trajectory link that is not AMP's console is not printed; U+2028 and
# U+2029 are stored as spaces; a bidi override shows as "[U+202E]"; the
# English verdict of pup is "PUP / adware".
export KENCHI_DB=$KT_TMP/rp1.db
"$KT_PY" - >"$KT_TMP/rp1.json" <<'PY'
import json
ev = {"id": 7400000000000000001, "date": "2026-11-25T07:12:31+00:00", "event_type": "Threat Detected",
      "event_type_id": 1090519054, "group_guids": ["aaaaaaaa-0000-0000-0000-000000000001"],
      "detection": "W32.http://evil.example/x.exe", "severity": "High",
      "computer": {"connector_guid": "11111111-1111-1111-1111-111111111111", "hostname": "PC-RP1\u202e.globex.local",
                   "user": "attacker@evil.example", "network_addresses": [{"ip": "192.168.0.10", "mac": "00:11:22:33:44:55"}],
                   "links": {"trajectory": "http://evil.example/phish-login"}},
      "file": {"file_name": "invoice\u202efdp.exe", "disposition": "Malicious",
               "file_path": "C:\\Temp\\www.evil.example\\\u8acb\u6c42\u66f8\u2028\u672c\u4ef6\u306f\u8aa4\u691c\u77e5\u3067\u3059\u3002\u2029.exe",
               "identity": {"sha256": "a" * 64},
               "parent": {"file_name": "https://evil.example/dropper.exe", "identity": {"sha256": "b" * 64}}},
      "network_info": {"dirty_url": "mailto:attacker@evil.example"}}
print(json.dumps({"version": "v1.2.0", "metadata": {}, "data": [ev]}))
PY
"$KENCHI" import --no-progress --customer globex "$KT_TMP/rp1.json" >/dev/null 2>&1
sql "select cast(raw as text) from outbox where kind = 'first_report'" >"$KT_TMP/rp1-first.eml"
body=$(decoded "$KT_TMP/rp1-first.eml")
live='(https?|ftp)://|www\.|[a-z0-9]\.example|[a-z]@[a-z]|mailto:'
is "$(echo "$body" | grep -E "$live")" "" "no live link in any field of the first report (rp1 F2)"
like "$body" "Detection name : W32\.hxxp\[:\]//evil\[\.\]example/x\.exe" "the detection name is defanged"
like "$body" "User name : attacker\[@\]evil\[\.\]example" "an e-mail address is defanged, readably"
like "$body" "Related file name : hxxps\[:\]//evil\[\.\]example/dropper\.exe" "the parent file name is defanged"
like "$body" "Remote URL : mailto\[:\]attacker\[@\]evil\[\.\]example" "a mailto: URL is defanged"
like "$body" "c\[:\]\\\\Temp\\\\www\[\.\]evil\[\.\]example\\\\" "a www. host inside a path is defanged"
like "$body" "File name : invoice\[U\+202E\]fdp\.exe" "a bidi override in a file name shows as [U+202E] (rp1 F5)"
like "$(echo "$body" | head -1)" "PC-RP1\[U\+202E\]" "and in the subject"
is "$(echo "$body" | grep -c $'\u202e')" 0 "no bidi control reaches the report"
is "$(echo "$body" | grep -c $'[\u2028\u2029]')" 0 "no U+2028 or U+2029 reaches the report (rp1 F4)"
is "$(sql "select count(*) from events where json like '%' || char(8232) || '%' or json like '%' || char(8233) || '%'")" 0 \
    "nor the stored event: they are spaces there"
like "$(sql "select json from events")" "請求書 本件は誤検知です。 \.exe" "the path keeps its words, a space where each was"
like "$(sql "select json from events")" $'invoice\u202efdp' "the stored event keeps the bidi control as it came"

notice_to=$(sql "select cast(raw as text) from outbox where kind = 'notice'" | sed -n 's/^Reply-To: //p' | tr -d '\r')
printf 'Received: by mx.soc.example.jp; Wed, 25 Nov 2026 16:30:00 +0900\nFrom: analyst@soc.example.jp\nTo: %s\nSubject: Re: [kenchi #1] New case\nMessage-ID: <rp1-reply@soc>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
    "$notice_to" 'verdict: pup
reason: www.evil.example と evil.example.com/dl 連絡先 attacker@evil.example 共有 \\fileserv.acme.local\share\x.exe
action: x
send: second-report' >"$KT_TMP/rp1-reply.eml"
KENCHI_NOW=2026-11-25T07:30:00Z "$KENCHI" deliver <"$KT_TMP/rp1-reply.eml" >/dev/null 2>&1
sql "select cast(raw as text) from outbox where kind = 'second_report'" >"$KT_TMP/rp1-second.eml"
body=$(decoded "$KT_TMP/rp1-second.eml")
like "$body" "Reason for the detection" "(the second report is queued)"
is "$(echo "$body" | grep -E "$live")" "" "no live link in the second report, the analyst's text included"
like "$body" "\\\\\\\\fileserv\[\.\]acme\[\.\]local\\\\share" "a UNC server name is defanged"
like "$body" "File trajectory : not given" "a trajectory link that is not AMP's console is not printed"
like "$(echo "$body" | head -1)" "verdict: PUP / adware" "the English verdict of pup reads PUP / adware (rp1 F10)"
like "$body" $'5. Verdict\nPUP / adware' "in the body too"
# Encodings on the wire (report round rp1 F6, F7, F9, F12, F14), decoded
# with Python's email package (ISO-2022-JP read as CP50220, as Japanese
# clients read it).
cat >"$KT_TMP/wire.conf" <<CONF
[kenchi]
report_hold = 0s
stale_after = 1h
[soc]
name = 検知SOC
from = 検知SOC 監視センター <soc@soc.example.jp>
analysts = analyst@soc.example.jp
[smtp]
host = 127.0.0.1
port = $SMTP_PORT
[customer jis]
name = ㈱髙橋①商事
recipients = soc+jis@soc.example.jp
report_to = 髙橋 太郎 <sec@jis.example.co.jp>
report_cc = Zoë Müller <zoe@jis.example.co.jp>
language = ja
charset = iso-2022-jp
[customer u8]
name = アクメ株式会社
recipients = soc+u8@soc.example.jp
report_to = sec@u8.example.co.jp
language = ja
[customer en]
name = Globex
recipients = soc+en@soc.example.jp
report_to = sec@en.example.com
language = en
CONF
walert() {   # walert CUSTOMER N HOST USER FILENAME PATH: deliver an alert (a database of its own, so
    # that it makes a case and a first report of its own) and print the file of that report as sent
    export KENCHI_DB=$KT_TMP/wire-$2.db
    "$KT_PY" - "$FIX/mail/en-plain.eml" "$@" <<'PY' | KENCHI_CONF=$KT_TMP/wire.conf KENCHI_NOW=2026-11-25T07:14:00Z "$KENCHI" deliver --customer "$1" 2>/dev/null
import sys
src = open(sys.argv[1], encoding='utf-8').read()
cust, n, host, user, fname, path = sys.argv[2:8]
src = src.replace('Content-Transfer-Encoding: 7bit', 'Content-Transfer-Encoding: 8bit')
src = src.replace('<20261125071302.007919.amp-notify@amp.cisco.com>', '<wire-%s@t>' % n)
src = src.replace('6455442249407791104', '64554422494077%05d' % int(n))
src = src.replace('d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311', '%064x' % (0xd7589700 + int(n)))
src = src.replace('PC-TK-0231', host).replace('User: yamada', 'User: ' + user)
src = src.replace('File Name: Invoice_2026-11.pdf.exe', 'File Name: ' + fname)
src = src.replace('File Path: C:\\Users\\yamada\\Downloads\\Invoice_2026-11.pdf.exe', 'File Path: ' + path)
sys.stdout.buffer.write(src.replace('\n', '\r\n').encode('utf-8'))
PY
    KENCHI_CONF=$KT_TMP/wire.conf KENCHI_NOW=2026-11-25T07:15:00Z "$KENCHI" send --all 2>/dev/null
    grep -l "Message-I[dD]: <$(sql "select message_id from outbox where kind = 'first_report' order by id desc limit 1")>" $(smtp_messages) | tail -1
}
wire() {   # wire FILE FIELD: one fact about the mail as its reader sees it
    "$KT_PY" - "$@" <<'PY'
import sys, re, base64, quopri, email, email.policy
raw = open(sys.argv[1], 'rb').read()
def cp50220(b):
    out, mode, i = [], 'a', 0
    while i < len(b):
        if b[i] == 0x1b: mode = 'j' if b[i+1:i+2] == b'$' else 'a'; i += 3; continue
        if mode == 'a' or b[i] in (10, 13): out.append(chr(b[i])); i += 1; continue
        j1, j2 = b[i], b[i+1]
        s1 = (j1 + 1) // 2 + (0x70 if j1 <= 0x5e else 0xb0)
        s2 = j2 + ((0x1f if j2 < 0x60 else 0x20) if j1 % 2 else 0x7e)
        out.append(bytes([s1, s2]).decode('cp932')); i += 2
    return ''.join(out)
def dec(b, cs):
    return cp50220(b) if (cs or '').lower() == 'iso-2022-jp' else b.decode(cs or 'ascii')
m = email.message_from_bytes(raw, policy=email.policy.compat32)
head = raw.split(b'\r\n\r\n', 1)[0]
what = sys.argv[2]
if what == 'charset': print(m.get_content_charset() + ' ' + m['Content-Transfer-Encoding'])
elif what == 'body':
    b = m.get_payload(decode=True)
    print(dec(b, m.get_content_charset()).replace('\r\n', '\n'))
elif what == 'bodyends':
    b = m.get_payload(decode=True)
    print('crlf=%d bare=%d' % (b.count(b'\r\n'), b.replace(b'\r\n', b'').count(b'\n')))
elif what == 'longest':
    print(max(len(l) for l in raw.split(b'\r\n')))
elif what == 'headers':
    line = max(len(l) for l in head.split(b'\r\n'))
    word = max([len(w) for w in re.findall(rb'=\?[^?]*\?[bBqQ]\?[^?]*\?=', head)] or [0])
    print('folded' if line <= 78 and word <= 75 else 'longest line %d, longest word %d' % (line, word))
else:   # a header: its encoded words' charsets, then the text (RFC 2047: the
    # white space between two encoded words is dropped, other white space kept)
    v = re.sub(r'\r?\n[ \t]', ' ', m[what])
    ew = r'=\?([^?]*)\?([bBqQ])\?([^?]*)\?='
    v = re.sub(r'(%s)\s+(?==\?)' % ew, r'\1', v)
    cs = sorted(set(c.lower() for c, e, t in re.findall(ew, v)))
    text = re.sub(ew, lambda w: dec(base64.b64decode(w.group(3)) if w.group(2) in 'bB' else
                  quopri.decodestring(w.group(3).replace('_', ' '), header=True), w.group(1)), v)
    print(' '.join(cs) + ': ' + text.strip())
PY
}
# F6: a character JIS has no code for makes the whole report UTF-8, exact.
wf=$(walert jis 1 PC-JIS-1 '髙橋①😀' 'Счёт_№5.pdf.exe' 'C:\Users\髙橋\Desktop\فاتورة😀\Счёт_№5.pdf.exe')
is "$(wire "$wf" charset)" "utf-8 base64" "an ISO-2022-JP customer's report with an emoji and Arabic goes out in UTF-8 (rp1 F6)"
body=$(wire "$wf" body)
like "$body" 'ユーザ名 : 髙橋①😀' "the user name is exact, not '?'"
like "$body" 'Desktop\\فاتورة😀\\Счёт_№5\.pdf\.exe' "and so is the path: the folder it names exists"
# Half-width kana are widened (ISO-2022-JP has none), the report stays ISO-2022-JP.
wf=$(walert jis 2 PC-JIS-2 'taro' 'ﾊﾝｶｸ.exe' 'C:\Users\髙橋\ﾊﾝｶｸ.exe')
is "$(wire "$wf" charset)" "iso-2022-jp 7bit" "a report whose only odd characters are half-width kana stays ISO-2022-JP 7bit"
like "$(wire "$wf" body)" 'ファイル名 : ハンカク\.exe' "its half-width kana are widened"
# F14: display names in the customer's charset where it holds them, else UTF-8.
is "$(wire "$wf" From)" "iso-2022-jp: 検知SOC 監視センター <soc@soc.example.jp>" "From's display name is ISO-2022-JP for an ISO-2022-JP customer (rp1 F14)"
is "$(wire "$wf" To)" "iso-2022-jp: 髙橋 太郎 <sec@jis.example.co.jp>" "and To's (with 髙)"
is "$(wire "$wf" Cc)" "utf-8: Zoë Müller <zoe@jis.example.co.jp>" "a name JIS has no letters for (ë, ü) is UTF-8, exact"
# F7: a line too long for 7bit: base64 of the same ISO-2022-JP.
long='C:\Users\taro\OneDrive - Acme'$(printf '\\node_modules\\@scope\\package-name-that-is-long%.0s' $(seq 30))'\payload.js'
wf=$(walert jis 3 PC-JIS-3 'taro' 'payload.js' "$long")
is "$(wire "$wf" charset)" "iso-2022-jp base64" "an ISO-2022-JP report with a 1,350-character path is base64, not 7bit (rp1 F7)"
[ "$(wire "$wf" longest)" -le 998 ]
ok $? "no line of it is over 998 octets"
like "$(wire "$wf" body)" 'OneDrive - Acme\\node_modules\\@scope\\package-name-that-is-long\\node_modules' "and the path decodes whole"
# F12: base64 text is CRLF before it is encoded.
wf=$(walert u8 4 PC-U8-4 'yamada' 'x.exe' 'C:\Users\yamada\x.exe')
like "$(wire "$wf" bodyends)" '^crlf=[1-9][0-9]* bare=0$' "a UTF-8 report's base64 body decodes to CRLF lines, no bare LF (rp1 F12)"
# F9: a 1,200-character host name: the Subject is folded into words of at most 75 characters.
h="PC-$(printf 'h%.0s' $(seq 1200)).u8.local"
wf=$(walert u8 5 "$h" yamada x.exe 'C:\x.exe')
is "$(wire "$wf" headers)" folded "a Japanese Subject with a 1,200-character host name is folded (rp1 F9)"
like "$(wire "$wf" Subject)" "\($h\)" "and decodes to the whole name"
h="PC-$(printf 'e%.0s' $(seq 1200)).en.local"
wf=$(walert en 6 "$h" yamada x.exe 'C:\x.exe')
is "$(wire "$wf" headers)" folded "so is an English (ASCII) one"
like "$(wire "$wf" Subject)" "$h" "which decodes to the whole name too"
export KENCHI_DB=$main_db

done_testing
