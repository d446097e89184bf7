#!/bin/bash
# 105-daemon-imap: `kenchi run` with an IMAP account (IDLE) against a real
# Dovecot: an APPEND becomes a stored event, a case and a first report at the
# SMTP server; a wrong password ends that account loudly, not in a retry
# storm; SIGTERM stops the daemon cleanly.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

dovecot_start || bail "cannot start Dovecot"
smtp_start || bail "cannot start the SMTP sink"
D=$KT_TMP/d
mkdir -p "$D"
export KENCHI_DB=$D/kenchi.db KENCHI_CONF=$D/k.conf KENCHI_NOW=
printf 'secret\n' >"$D/pw"
printf 'wrong\n' >"$D/badpw"
{ printf '[kenchi]\nreport_hold = 0s\nsend_interval = 1s\n'; daemon_conf; cat <<CONF; } >"$D/k.conf"
[imap alerts]
host = 127.0.0.1
port = $DOVECOT_PORT
tls = none
user = alice
password_file = $D/pw
processed = Processed
[imap broken]
host = 127.0.0.1
port = $DOVECOT_PORT
tls = none
user = bob
password_file = $D/badpw
CONF
chmod 600 "$D/pw" "$D/badpw"
chown -R nobody:nogroup "$D"
setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$KENCHI" run --log=stderr >"$D/run.log" 2>&1 &
pid=$!
kt_at_exit "kt_kill -TERM $pid"
wait_for() {   # wait_for SQL EXPECTED: poll the database, up to 15 s
    local i
    for i in $(seq 150); do
        [ "$(sql "$1" 2>/dev/null)" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
for i in $(seq 50); do grep -q "source=imap name=alerts" "$D/run.log" && break; sleep 0.1; done
# Fresh alert: no Received header, so the arrival is now and the report goes.
sed '/^Received:/,/^[^ \t]/{/^Received:/d;/^[ \t]/d}' "$FIX/mail/en-plain.eml" >"$D/a.eml"
imap_append alice INBOX "$D/a.eml" >/dev/null
wait_for "select count(*) from events" 1
ok $? "an APPEND becomes a stored event"
is "$(sql "select count(*) from cases")" 1 "and a case"
wait_for "select count(*) from outbox where kind = 'first_report' and state = 'sent'" 1
ok $? "and a first report delivered to the SMTP server"
ok $([ -n "$(grep -l 'X-Kenchi-Kind: first-report' $(smtp_messages))" ]; echo $?) "the sink holds it"
for i in $(seq 50); do [ "$(imap_count alice Processed)" = 1 ] && break; sleep 0.1; done
is "$(imap_count alice Processed)" 1 "the message was moved to Processed after the commit"
like "$(cat "$D/run.log")" "imap=broken: FAILED" "a wrong password ends that account loudly"
is "$(grep -c "imap=broken: FAILED" "$D/run.log")" 1 "once: no retry storm"
kill -0 "$pid" 2>/dev/null
ok $? "the daemon and its other accounts go on"
# A stop or a reload is the main loop's: an account thread blocks them, so
# that the kernel never hands one to a thread in the middle of an IMAP read
# (SigBlk is hex; SIGHUP, SIGINT and SIGTERM are bits 0, 1 and 14).
sigblk() { awk '/^SigBlk:/ { print $2 }' "$1/status"; }
held() { (( (0x$1 & 0x4003) == 0x4003 )); }
acct=; main=$(sigblk /proc/$pid/task/$pid)
for t in /proc/$pid/task/*; do
    [ "$(cat "$t/comm")" = alerts ] && acct=$(sigblk "$t")
done
ok $([ -n "$acct" ] && held "$acct"; echo $?) "the account thread blocks SIGHUP, SIGINT and SIGTERM (SigBlk $acct)"
ok $(held "$main"; [ $? -ne 0 ]; echo $?) "the main thread takes them (SigBlk $main)"
kill -TERM "$pid"
wait "$pid"
is $? 0 "SIGTERM stops the daemon cleanly"

done_testing
