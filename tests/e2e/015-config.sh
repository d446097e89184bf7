#!/bin/bash
# 015-config: `kenchi check-config` reports every error with file:line,
# refuses secrets in readable files, and checks templates and rules.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

"$KENCHI" -c "$KT_TOP/contrib/kenchi.conf.sample" check-config >/dev/null
is $? 0 "the sample configuration checks clean"

echo secret >"$KT_TMP/pw"
chmod 644 "$KT_TMP/pw"
cat >"$KT_TMP/bad.conf" <<CONF
[kenchi]
busy_timeout = soon
[smtp]
password_file = $KT_TMP/pw
password = hunter2
tls = sometimes
[customer Bad]
language = fr
charset = latin1
tuning_until = someday
[nonsense]
CONF
err=$("$KENCHI" -c "$KT_TMP/bad.conf" check-config 2>&1 >/dev/null)
is $? 78 "a bad configuration exits 78"
like "$err" "bad.conf:2: \[kenchi\] busy_timeout: not a duration" "a bad duration, at its line"
is "$(printf '%s\n' "$err" | grep -c 'busy_timeout: not a duration')" 1 "a bad busy_timeout is reported once (rd1 F7: it was read twice)"
like "$err" "bad.conf:5: \[smtp\] password: secrets do not go in kenchi.conf" "a password in the file is refused"
like "$err" "bad.conf:6: \[smtp\] tls: must be none, starttls or tls" "a bad TLS mode"
like "$err" "bad.conf:7: \[customer Bad\] customer id" "a bad customer id"
like "$err" "bad.conf:8: \[customer Bad\] language" "a bad language"
like "$err" "bad.conf:9: \[customer Bad\] charset" "a bad charset"
like "$err" "bad.conf:10: \[customer Bad\] tuning_until" "a bad date"
like "$err" "bad.conf:11: \[nonsense\] unknown section" "an unknown section"
like "$err" "bad.conf:4: \[smtp\] password_file: .*readable by group or others" "a group/world-readable secret file is refused"
unlike "$err" "hunter2" "the secret itself is never printed"
# What would make an alert two customers' or no one's (round 31b).
cat >"$KT_TMP/cust.conf" <<CONF
[customer acme]
recipients = soc-acme.example.jp; soc+shared@soc.example.jp
groups = Acme*
[customer globex]
recipients = soc+shared@soc.example.jp
groups = ACME*
[customer acme]
name = Acme again
[customer initech]
groups = **
[customer umbrella]
groups = ACME**
[soc]
analysts = 鈴木 <Suzuki@soc.example.jp>; tanaka@soc.example.jp
[customer hooli]
report_to = suzuki@soc.example.jp
CONF
err=$("$KENCHI" -c "$KT_TMP/cust.conf" check-config 2>&1 >/dev/null)
is $? 78 "customers' overlaps fail check-config"
like "$err" 'cust.conf:2: \[customer acme\] recipients: not an address: "soc-acme.example.jp"' "a recipient with no @"
like "$err" 'cust.conf:5: \[customer globex\] recipients: "soc\+shared@soc.example.jp" is customer "acme".s too' "a mailbox of two customers"
like "$err" 'cust.conf:6: \[customer globex\] groups: "ACME\*" is customer "acme".s too' "a group pattern of two customers (case aside)"
like "$err" 'cust.conf:7: \[customer acme\] written twice' "a customer's section written twice"
like "$err" 'cust.conf:10: \[customer initech\] groups: "\*\*" names no group' "a group pattern of wildcards only, among several customers"
like "$err" 'cust.conf:12: \[customer umbrella\] groups: "ACME\*\*" is customer "acme".s too' "a group pattern the same but for a run of *"
like "$err" 'cust.conf:16: \[customer hooli\] report_to: "suzuki@soc.example.jp" is in \[soc\] analysts' \
    "a customer's address that is an analyst's (one written \"Name <address>\"): every notice would reach it (round 36b)"
# Regressions: settings that used to be taken silently.
cat >"$KT_TMP/quiet.conf" <<CONF
[kenchi]
busy_timout = 5s
[soc]
require_auth_results = ture
[smtp]
tls = tls
[customer acme]
closure = 12/29-1/3
hours = 9-18
[maildir x]
pth = /tmp
CONF
err=$("$KENCHI" -c "$KT_TMP/quiet.conf" check-config 2>&1 >/dev/null)
like "$err" "quiet.conf:2: \[kenchi\] busy_timout: unknown key" "a misspelt key is an error, not a default"
like "$err" "quiet.conf:4: \[soc\] require_auth_results: must be true or false" "a misspelt boolean does not switch the DKIM check off"
like "$err" "quiet.conf:6: \[smtp\] tls: implicit TLS is not supported" "implicit TLS for SMTP is refused at load, not at the first send"
like "$err" "quiet.conf:8: \[customer acme\] closure" "a bad closure"
like "$err" "quiet.conf:9: \[customer acme\] hours" "bad business hours"
like "$err" "\[maildir x\] pth: unknown key" "maildir keys are checked"
printf '[customer acme]\nhours = 22:00-06:00\n' >"$KT_TMP/cal.conf"
err=$("$KENCHI" -c "$KT_TMP/cal.conf" check-config 2>&1 >/dev/null)
like "$err" "hours: the end must come after the start \(hours across midnight are not supported\)" \
    "hours across midnight: said so, not called malformed (round 43b)"
# A closure day no year has: a warning, the default applies; an error would
# stop every customer's intake after an upgrade (round 44).
printf '[customer globex]\nrecipients = soc+globex@soc.example.jp\nclosure = 04-29..04-31\n' >"$KT_TMP/cal.conf"
err=$("$KENCHI" -c "$KT_TMP/cal.conf" check-config 2>&1 >/dev/null)
is $? 0 "a closure ending on 04-31: check-config passes"
like "$err" "warning: \[customer globex\] closure 04-29..04-31 names a day no year has: the default closure" "with a warning"
KENCHI_CONF=$KT_TMP/cal.conf KENCHI_DB=$KT_TMP/cal.db "$KENCHI" deliver <"$FIX/mail/en-plain.eml" 2>/dev/null
is $? 0 "and deliver takes alerts"

chmod 600 "$KT_TMP/pw"
printf '[smtp]\npassword_file = %s\n' "$KT_TMP/pw" >"$KT_TMP/ok.conf"
"$KENCHI" -c "$KT_TMP/ok.conf" check-config >/dev/null 2>&1
is $? 0 "a mode 0600 secret file is accepted"

# Secrets never reach the logs or --json output.
printf 's3cr3t-token-XYZ\n' >"$KT_TMP/pw2"
chmod 600 "$KT_TMP/pw2"
printf '[smtp]\nhost = 127.0.0.1\nport = 9\nuser = kenchi\npassword_file = %s\n[customer acme]\nrecipients = soc+acme@soc.example.jp\nreport_to = a@acme.example\n' "$KT_TMP/pw2" >"$KT_TMP/sec.conf"
all=$( {
    "$KENCHI" -v -c "$KT_TMP/sec.conf" check-config
    "$KENCHI" -v -c "$KT_TMP/sec.conf" deliver <"$FIX/mail/en-plain.eml"
    "$KENCHI" -v -c "$KT_TMP/sec.conf" send --all
    "$KENCHI" -v -c "$KT_TMP/sec.conf" outbox --json
    "$KENCHI" -v -c "$KT_TMP/sec.conf" cases --json
    "$KENCHI" -v -c "$KT_TMP/sec.conf" audit --json
} 2>&1 )
unlike "$all" "s3cr3t-token-XYZ" "the SMTP password appears in no log line and no --json output"
like "$all" "send: sent=0" "(the send did run)"

# A broken template is reported with file:line at load.
cp -r "$KT_TOP/data" "$KT_TOP/templates" "$KT_TMP/"
printf 'Subject: x\n\nline one\n{{#events}}\nunclosed\n' >"$KT_TMP/templates/first-report.en"
err=$(KENCHI_DATADIR=$KT_TMP "$KENCHI" check-config 2>&1 >/dev/null)
is $? 78 "a broken template fails check-config"
like "$err" "first-report.en:4:" "with file:line"
printf 'Subject: x\n\n' >"$KT_TMP/templates/first-report.en"
KENCHI_DATADIR=$KT_TMP "$KENCHI" deliver <"$FIX/mail/en-plain.eml" 2>/dev/null
is $? 0 "(templates repaired)"
# deliver compiles only the templates a message needs (acme's are
# Japanese): a broken one of those refuses the alert; the other language's
# does not matter to it.
printf 'Subject: x\n\n{{x|nosuchfilter}}\n' >"$KT_TMP/templates/first-report.en"
KENCHI_DATADIR=$KT_TMP "$KENCHI" deliver <"$FIX/mail/en-qp.eml" 2>/dev/null
is $? 0 "deliver of acme's alert does not need the broken English template"
printf 'Subject: x\n\n{{x|nosuchfilter}}\n' >"$KT_TMP/templates/first-report.ja"
KENCHI_DATADIR=$KT_TMP "$KENCHI" deliver <"$FIX/mail/en-base64.eml" 2>"$KT_TMP/tpl.err"
is $? 78 "deliver refuses an alert whose template is broken (78): the recipes keep a copy"
like "$(cat "$KT_TMP/tpl.err")" "first-report.ja:3:" "... with file:line"

# The holiday table (round 43b F5, F6).
out=$("$KENCHI" -c "$KT_TOP/contrib/kenchi.conf.sample" check-config 2>&1)
like "$out" "calendar: national holidays 2019-2030: ok" "check-config names the holiday table's years"
unlike "$out" "warning" "and, in 2026, warns of nothing"
out=$(KENCHI_NOW=2029-06-01T00:00:00Z "$KENCHI" -c "$KT_TOP/contrib/kenchi.conf.sample" check-config 2>&1)
is $? 0 "a holiday table that ends next year: still ok"
like "$out" "warning: the holiday table ends with 2030" "but check-config warns of it"
cp "$KT_TOP/templates/first-report.en" "$KT_TOP/templates/first-report.ja" "$KT_TMP/templates/"
printf '# no holidays\n' >"$KT_TMP/data/holidays-jp.tsv"
err=$(KENCHI_DATADIR=$KT_TMP "$KENCHI" check-config 2>&1 >/dev/null)
is $? 78 "a holiday table with no holiday fails check-config"
like "$err" "holidays-jp.tsv: no holidays" "and says why"

# Addresses as RFC 5322 writes them: a quoted display name with a comma or
# a semicolon is one mailbox.  Split at its comma, every report of its
# customer failed to build, and each alert exited 65 with nothing stored
# (report round rp1 F1).  What no header can hold is said at its line.
cat >"$KT_TMP/addr.conf" <<'CONF'
[soc]
from = "SOC, Tokyo" <soc@soc.example.jp>
analysts = "Sato; Ken" <ken@soc.example.jp>, amy@soc.example.jp
[customer acme]
recipients = soc+acme@soc.example.jp
report_to = "Doe, John" <john@acme.example>; ops@acme.example
CONF
"$KENCHI" -c "$KT_TMP/addr.conf" check-config >/dev/null 2>&1
is $? 0 "quoted display names with a comma or a semicolon check clean"
KENCHI_DB=$KT_TMP/addr.db KENCHI_NOW=2026-11-25T07:20:00Z "$KENCHI" -c "$KT_TMP/addr.conf" deliver <"$FIX/mail/en-qp.eml" 2>/dev/null
is "$?|$(KENCHI_DB=$KT_TMP/addr.db sql "select count(*) from events")" "0|1" "and an alert for that customer is stored"
is "$(KENCHI_DB=$KT_TMP/addr.db sql "select rcpts from outbox where kind = 'first_report'" | xargs)" \
    "john@acme.example ops@acme.example" "its first report goes to both mailboxes of report_to"
like "$(KENCHI_DB=$KT_TMP/addr.db sql "select cast(raw as text) from outbox where kind = 'first_report'")" \
    'To: "Doe, John" <john@acme.example>, ops@acme.example' "under the display name as written"
like "$(KENCHI_DB=$KT_TMP/addr.db sql "select cast(raw as text) from outbox where kind = 'notice'")" \
    'To: "Sato; Ken" <ken@soc.example.jp>, amy@soc.example.jp' \
    "the analysts' notice goes to their names as written, not lower-cased (reply round rr1 F11)"
printf '[soc]\nname = SOC\\nBcc: x@evil.example\n[customer acme]\nrecipients = soc+acme@soc.example.jp\nreport_to = <john@acme.example\nreport_cc = ジョン@acme.example\n' >"$KT_TMP/addr2.conf"
err=$("$KENCHI" -c "$KT_TMP/addr2.conf" check-config 2>&1 >/dev/null)
is $? 78 "a line break in [soc] name, an unbalanced angle bracket in report_to: exit 78"
like "$err" "addr2.conf:2: \[soc\] name: holds a control character" "the name's line break is said at its line"
like "$err" "addr2.conf:5: \[customer acme\] report_to: \"<john@acme.example\" has an unbalanced" "and the address's bracket"
like "$err" "addr2.conf:6: \[customer acme\] report_cc: \"ジョン@acme.example\" has non-ASCII characters before its" \
    "and an address the SMTP client cannot send to without SMTPUTF8 (rp1 F13)"

# A comment after the address is no part of the envelope's recipient
# (report round rp1 F13: the server refused "john@... (John Doe)").
printf '[customer acme]\nrecipients = soc+acme@soc.example.jp\nreport_to = john@acme.example (John Doe)\n' >"$KT_TMP/addr4.conf"
KENCHI_DB=$KT_TMP/addr4.db KENCHI_NOW=2026-11-25T07:20:00Z "$KENCHI" -c "$KT_TMP/addr4.conf" deliver <"$FIX/mail/en-qp.eml" 2>/dev/null
is "$(KENCHI_DB=$KT_TMP/addr4.db sql "select rcpts from outbox where kind = 'first_report'" | xargs)" "john@acme.example" \
    "report_to = john@acme.example (John Doe): the envelope's recipient is the address alone"

# One the mail builder refuses all the same ("a..b@": no dot-atom): the
# alert is stored, and its report held with the reason, not lost.
printf '[customer acme]\nrecipients = soc+acme@soc.example.jp\nreport_to = a..b@acme.example\n' >"$KT_TMP/addr3.conf"
KENCHI_DB=$KT_TMP/addr3.db KENCHI_NOW=2026-11-25T07:20:00Z "$KENCHI" -c "$KT_TMP/addr3.conf" deliver <"$FIX/mail/en-qp.eml" 2>/dev/null
is "$?|$(KENCHI_DB=$KT_TMP/addr3.db sql "select count(*) from events")" "0|1" "an alert whose report the mailer cannot address is stored"
like "$(KENCHI_DB=$KT_TMP/addr3.db sql "select state || ': ' || last_error from outbox where kind = 'first_report'")" \
    "^held: an address of kenchi.conf .* cannot go in a mail header" "and its report held, saying why"

# A fixed clock that is no time is an error, not the real clock (round 43b F8).
err=$(KENCHI_NOW=garbage "$KENCHI" events 2>&1)
is $? 64 "KENCHI_NOW=garbage: exit 64"
like "$err" "KENCHI_NOW=\"garbage\" is no ISO 8601 time" "and says so"

done_testing
