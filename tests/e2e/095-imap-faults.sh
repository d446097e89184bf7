#!/bin/bash
# 095-imap-faults: the IMAP connection breaks in the middle of a FETCH.
# tests/lib/cut_proxy.py sits between kenchi and a real Dovecot and cuts the
# connection (TCP reset or orderly close) after K bytes of the Nth message
# body literal, or around a command (UID MOVE, IDLE's DONE).  Whatever the
# cut: `kenchi imap --once` exits 75 and does not hang; a batch is stored
# whole or not at all; what was not committed stays in the mailbox, neither
# moved nor flagged; a later run through a healthy connection stores every
# message exactly once, byte for byte; a cut between the commit and the
# move refetches nothing.  `kenchi run` reconnects after cuts, stores
# everything once and still stops on SIGTERM.
# Every kenchi run is under timeout(1) only to turn a hang into a failure
# (libetpan 1.9.4 spun for ever on such a cut: see eof_guard() in
# src/source/imap.c); nothing asserts a duration.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

dovecot_start || bail "cannot start Dovecot"
smtp_start || bail "cannot start the SMTP sink"

# ---------------------------------------------------------------- the proxy
PROXY_CTL=$KT_TMP/proxy.ctl PROXY_LOG=$KT_TMP/proxy.log
PROXY_PORT=$(kt_free_port)
echo pass >"$PROXY_CTL"
"$KT_PY" "$KT_LIB/cut_proxy.py" "$PROXY_PORT" "$DOVECOT_PORT" "$PROXY_CTL" "$PROXY_LOG" \
    >"$KT_TMP/proxy.out" 2>&1 </dev/null &
proxy_pid=$!
kt_at_exit "kt_kill -TERM $proxy_pid"
# Ready when it says so (a probe connection would count as a connection).
for i in $(seq 100); do grep -q '^listening' "$PROXY_LOG" 2>/dev/null && break; sleep 0.05; done
grep -q '^listening' "$PROXY_LOG" || { diag_file "$KT_TMP/proxy.out"; bail "the proxy did not start"; }

proxy_ctl() { echo "$1" >"$PROXY_CTL.tmp" && mv "$PROXY_CTL.tmp" "$PROXY_CTL"; }
proxy_cuts() { grep -c ' cut ' "$PROXY_LOG"; }

# ---------------------------------------------------------------- helpers
# One IMAP connection for many APPENDs, and searches (straight to Dovecot).
imapx() { "$KT_PY" "$KT_LIB/imapx.py" "$@"; }
append() { local u=$1 b=$2; shift 2; imapx append "$DOVECOT_PORT" "$u" "$b" "$@" || bail "APPEND failed"; }
count() { imapx count "$DOVECOT_PORT" "$@"; }

# mk TAG N: N distinct alerts $KT_TMP/m/TAG-1.eml ... (unique Message-ID
# and Event ID), prints their paths.  The counter is a file: mk runs in $(...).
mkdir -p "$KT_TMP/m"
echo 0 >"$KT_TMP/m/seq"
mk() {
    local i SEQ
    for i in $(seq 1 "$2"); do
        SEQ=$(( $(cat "$KT_TMP/m/seq") + 1 )); echo "$SEQ" >"$KT_TMP/m/seq"
        sed "s/^Message-ID: .*/Message-ID: <$1-$i@kt.example>/; s/^Event ID: .*/Event ID: $((7710000000000000000 + SEQ))/" \
            "$FIX/mail/en-plain.eml" >"$KT_TMP/m/$1-$i.eml"
        echo "$KT_TMP/m/$1-$i.eml"
    done
}

# whole FILE...: "STORED_ONCE WHOLE MISSING" over the files: a file counts as
# stored once if exactly one message row has its Message-ID, and as whole if
# that row's raw bytes are the file's (line ends aside: the server says CRLF).
whole() {
    "$KT_PY" - "$KENCHI_DB" "$@" <<'PY'
import re, sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=30)
once = whole = missing = 0
for f in sys.argv[2:]:
    data = open(f, "rb").read()
    mid = re.search(rb"(?m)^Message-ID: <([^>]*)>", data).group(1).decode()
    rows = c.execute("select raw from messages where message_id = ?", (mid,)).fetchall()
    if not rows:
        missing += 1
        continue
    if len(rows) == 1:
        once += 1
    if all(bytes(r[0]).replace(b"\r\n", b"\n") == data.replace(b"\r\n", b"\n") for r in rows):
        whole += 1
print(once, whole, missing)
PY
}
tagged() { sql "select count(*) from messages where message_id like '$1-%'"; }
position() { sql "select last_uid from sources where name = 'imap:$1/INBOX'" 2>/dev/null; }

# once ACCOUNT: `kenchi imap --once` through the proxy; sets RC, log in $KT_TMP/once.log
once() {
    timeout -k 5 60 "$KENCHI" -v imap --once "$1" >"$KT_TMP/once.log" 2>&1
    RC=$?
    cat "$KT_TMP/once.log" >>"$KT_TMP/all-once.log"
}

printf 'secret\n' >"$KT_TMP/pw"; chmod 600 "$KT_TMP/pw"
export KENCHI_CONF=$KT_TMP/kenchi.conf
{
    sed "s/^port = 25$/port = $SMTP_PORT/" "$KT_TOP/contrib/kenchi.conf.sample"
    cat <<EOF

[imap cut]
host = 127.0.0.1
port = $PROXY_PORT
tls = none
user = alice
password_file = $KT_TMP/pw
processed = Processed
batch = 2

[imap cutflag]
host = 127.0.0.1
port = $PROXY_PORT
tls = none
user = bob
password_file = $KT_TMP/pw
batch = 2
EOF
} >"$KENCHI_CONF"

# ---------------------------------------------------------------- cut inside the first batch
# For each way of cutting: four new messages (two batches of two); the cut
# falls inside the body of one message of the first batch, so nothing may
# be committed.  Then a healthy run stores all four.
n=0
for fault in "fetch 2 512 rst" "fetch 1 0 fin" "fetch 2 1000 fin" "fetch 1 1 rst"; do
    n=$((n + 1))
    files=$(mk a$n 4)
    append alice INBOX $files
    cuts=$(proxy_cuts)
    pos=$(position cut)
    proxy_ctl "$fault x1"
    once cut
    is "$(( $(proxy_cuts) - cuts ))" 1 "[$fault] the proxy cut the connection inside a message body"
    is "$RC" 75 "[$fault] imap --once exits 75 (temporary failure), it does not hang"
    like "$(cat "$KT_TMP/once.log")" "UID FETCH failed .*class=temporary" "[$fault] the failed FETCH is logged as temporary"
    is "$(tagged a$n)" 0 "[$fault] no message of the broken batch is stored"
    is "$(position cut)" "$pos" "[$fault] the position did not move"
    is "$(count alice INBOX HEADER Message-ID a$n-)|$(count alice Processed HEADER Message-ID a$n-)" "4|0" \
        "[$fault] all four stay in INBOX, none moved"
    once cut
    is "$RC" 0 "[$fault] the next run, on a healthy connection, exits 0"
    is "$(whole $files)" "4 4 0" "[$fault] it stores each of the four exactly once, whole"
    is "$(count alice INBOX)|$(count alice Processed HEADER Message-ID a$n-)" "0|4" "[$fault] and moves them"
done

# ---------------------------------------------------------------- cut in a later batch
# Six messages, batches of two: the cut in the 5th body (third batch) comes
# after the first two batches were fetched.  A batch is committed while the
# next one is fetched and marked after that, so the first two are committed
# and the first is moved; the second is committed but may still be in INBOX
# (the next run's recovery moves it without fetching it again); the third
# is neither stored nor moved.
files=$(mk b 6)
append alice INBOX $files
first4=$(echo "$files" | head -4) last2=$(echo "$files" | tail -2)
pos=$(position cut)
proxy_ctl "fetch 5 700 rst x1"
once cut
is "$RC" 75 "cut in the third batch: exit 75"
is "$(grep -c 'committed 2 message(s)' "$KT_TMP/once.log")" 2 "the first two batches were committed before the cut"
is "$(whole $first4)" "4 4 0" "their four messages are stored once, whole"
is "$(whole $last2)" "0 0 2" "the third batch's are not stored at all"
is "$(position cut)" "$((pos + 4))" "the position is that of the last committed batch"
in_inbox=$(count alice INBOX HEADER Message-ID b-5)$(count alice INBOX HEADER Message-ID b-6)
moved=$(count alice Processed HEADER Message-ID b-5)$(count alice Processed HEADER Message-ID b-6)
is "$in_inbox|$moved" "11|00" "the uncommitted two stay in INBOX, not moved"
cmp_ok "$(count alice Processed HEADER Message-ID b-)" -ge 2 "the first committed batch is moved"
is "$(( $(count alice INBOX) + $(count alice Processed HEADER Message-ID b-) ))" 6 "nothing is lost on the server"
unlike "$(cat "$KT_TMP/once.log")" "UID (MOVE|STORE|COPY) failed" \
    "no move is tried on the broken connection: on a stalled one it waited out one more I/O timeout (round 41b F9)"
once cut
like "$(cat "$KT_TMP/once.log")" "recover: [12] committed message" "the next run's recovery moves the committed batch"
is "$RC" 0 "a healthy run: exit 0"
is "$(whole $files)" "6 6 0" "all six stored exactly once, whole"
unlike "$(cat "$KT_TMP/once.log")" "duplicate=1" "nothing was fetched twice"
is "$(count alice INBOX)|$(count alice Processed HEADER Message-ID b-)" "0|6" "all six moved, INBOX is empty"

# ---------------------------------------------------------------- a stop in a stalled FETCH
# The server stalls in the middle of a body; SIGTERM ends the wait.  What
# the stop broke says nothing of the messages: the next run fetches them in
# batches as ever, not one at a time as after a server's failure (round
# 41b F5), and no warning is logged for it.
files=$(mk s 4)
append alice INBOX $files
proxy_ctl "fetch 3 300 stall x1"
timeout -k 5 60 "$KENCHI" imap cut >"$KT_TMP/stall.log" 2>&1 &
spid=$!
for i in $(seq 200); do grep -q ' cut stall' "$PROXY_LOG" && break; sleep 0.05; done
kill -TERM "$spid"; wait "$spid"
is "$?" 0 "SIGTERM during a stalled FETCH: exit 0"
unlike "$(cat "$KT_TMP/stall.log")" "one at a time|warning" \
    "the FETCH the stop ended is no server failure: nothing is held for one-at-a-time fetching, no warning"
once cut
is "$RC|$(whole $files)" "0|4 4 0" "the next run stores all four, once"
unlike "$(cat "$KT_TMP/once.log")" "one at a time" "in batches"

# ---------------------------------------------------------------- flag mode
# Without a processed folder, a commit sets \Seen and $KenchiDone: an
# uncommitted message must have neither (BODY.PEEK, not BODY).
files=$(mk c 3)
append bob INBOX $files
proxy_ctl "fetch 2 300 fin x1"
once cutflag
is "$RC" 75 "flag mode, cut in the first batch: exit 75"
is "$(tagged c)" 0 "nothing stored"
is "$(count bob INBOX KEYWORD '$KenchiDone')|$(count bob INBOX SEEN)" "0|0" "no message is flagged or marked seen"
once cutflag
is "$RC" 0 "the healthy run exits 0"
is "$(whole $files)" "3 3 0" "and stores the three exactly once, whole"
is "$(count bob INBOX KEYWORD '$KenchiDone' SEEN)" 3 "then flags them"

# ---------------------------------------------------------------- cut between commit and move
# "before": UID MOVE never reaches the server: committed messages stay in
# INBOX; the next run's recovery moves them without fetching them again.
files=$(mk d 2)
append alice INBOX $files
proxy_ctl 'command UID\sMOVE before rst x1'
once cut
is "$RC" 75 "cut before UID MOVE: exit 75"
is "$(whole $files)" "2 2 0" "the batch was committed"
is "$(count alice INBOX)" 2 "but is still in INBOX"
once cut
is "$RC" 0 "the next run exits 0"
like "$(cat "$KT_TMP/once.log")" "recover: 2 committed message\(s\) still unmarked" "and recovers the unmarked batch"
is "$(whole $files)" "2 2 0" "nothing is stored twice"
is "$(count alice INBOX)|$(count alice Processed HEADER Message-ID d-)" "0|2" "the two are moved now"
# "after": the server moved them, kenchi never heard.
files=$(mk e 2)
append alice INBOX $files
proxy_ctl 'command UID\sMOVE after fin x1'
once cut
is "$RC" 75 "cut after UID MOVE, before its reply: exit 75"
once cut
is "$RC" 0 "the next run exits 0"
is "$(whole $files)" "2 2 0" "the batch is stored once"
is "$(count alice INBOX)|$(count alice Processed HEADER Message-ID e-)" "0|2" "and moved once"

# ---------------------------------------------------------------- a message the server cannot send
# Dovecot answers a FETCH that reaches a mail file it cannot open with
# "* BYE FETCH failed" and drops the connection: before, every run
# fetched the same batch and died the same way, and nothing behind the
# file was ever stored (round 35b).  Now the batch is fetched one UID at a
# time, the UID the server refuses twice alone is held back (left in the
# mailbox, unmarked), the rest is stored and moved, and the held one is
# tried again ten minutes later.  Mode 000 stops only a non-root reader.
if [ "$(id -u)" -eq 0 ]; then
    files=$(mk p 5)
    append alice INBOX $files
    bad=$(grep -l 'p-3@kt.example' "$DOVECOT_MAILDIR_alice"/new/* "$DOVECOT_MAILDIR_alice"/cur/* 2>/dev/null | head -1)
    chown root:root "$bad"; chmod 000 "$bad"
    for r in 1 2 3 4 5 6 7 8; do
        once cut
        [ "$(tagged p)" = 4 ] && break
    done
    is "$(tagged p)" 4 "one unreadable message: the four others are stored within a few runs ($r)"
    is "$RC" 75 "the run exits 75: a message stays unstored"
    like "$(cat "$KT_TMP/all-once.log")" "uid [0-9]+ of INBOX: the server failed 2 times to send it" \
        "the held-back UID is logged"
    like "$(cat "$KT_TMP/all-once.log")" "UID FETCH failed \(libetpan error 4: \* BYE FETCH failed" \
        "the failed FETCH quotes the server's parting words, not an earlier reply's (round 35b Q7)"
    is "$(count alice INBOX HEADER Message-ID p-)|$(count alice Processed HEADER Message-ID p-)" "1|4" \
        "the unreadable one stays in INBOX, the four are moved"
    once cut
    is "$RC|$(tagged p)|$(count alice INBOX HEADER Message-ID p-)" "75|4|1" \
        "the next run leaves it alone: still 75, not fetched, not marked by the recovery"
    chown nobody:nogroup "$DOVECOT_MAILDIR_alice"/*/"$(basename "${bad%%:*}")"*
    chmod 644 "$DOVECOT_MAILDIR_alice"/*/"$(basename "${bad%%:*}")"*
    KENCHI_NOW=$(date -u -d '+11 minutes' +%Y-%m-%dT%H:%M:%SZ) once cut
    is "$RC" 0 "readable again, ten minutes later: exit 0"
    is "$(whole $files)" "5 5 0" "all five stored exactly once, whole"
    is "$(count alice INBOX HEADER Message-ID p-)|$(count alice Processed HEADER Message-ID p-)" "0|5" "and moved"
    # The same file delivered into the maildir by a delivery agent, not
    # by APPEND: Dovecot knows no size of it, and the sizes kenchi asks of
    # every new message at once closed the connection at every try,
    # before the one-at-a-time fetch could find it (daemon round rd1 F1:
    # the account stalled for good).
    files=$(mk q 5)
    for f in $files; do cp "$f" "$DOVECOT_MAILDIR_alice/new/$(basename "$f").host"; done
    chown nobody:nogroup "$DOVECOT_MAILDIR_alice"/new/q-*
    chown root:root "$DOVECOT_MAILDIR_alice/new/q-3.eml.host"; chmod 000 "$DOVECOT_MAILDIR_alice/new/q-3.eml.host"
    for r in 1 2 3 4 5 6 7 8; do
        once cut
        [ "$(tagged q)" = 4 ] && break
    done
    is "$(tagged q)" 4 "delivered into the maildir, one unreadable message: the four others are stored within a few runs ($r)"
    rm -f "$DOVECOT_MAILDIR_alice"/*/q-3.eml.host*
else
    skip 9 "a mail file Dovecot cannot read needs root to make"
fi

# ---------------------------------------------------------------- the daemon
# `kenchi run` (as nobody, like production) with the account behind the
# proxy.  The faults of its successive connections, queued in advance:
# 1 and 2 are cut inside a FETCH; 3 and 4 when kenchi ends an IDLE (before
# its DONE reaches the server: a cut while idling); every later one inside
# the first FETCH body, for good.
D=$KT_TMP/d
mkdir -p "$D"
cp "$KT_TMP/pw" "$D/pw"
sed -e "s|^password_file = .*|password_file = $D/pw|" -e '/^\[imap cutflag\]/,$d' "$KENCHI_CONF" >"$D/k.conf"
export KENCHI_DB=$D/kenchi.db KENCHI_CONF=$D/k.conf
chown -R nobody:nogroup "$D"
files=$(mk f 5)
append alice INBOX $files
cuts=$(proxy_cuts)
printf '%s\n' "fetch 3 200 rst x2" 'command ^DONE before rst x2' "fetch 1 100 fin" >"$PROXY_CTL.tmp"
mv "$PROXY_CTL.tmp" "$PROXY_CTL"
setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$KENCHI" -v run --log=stderr >"$D/run.log" 2>&1 &
pid=$!
kt_at_exit "kt_kill -KILL $pid"
wait_for() {    # wait_for SECONDS COMMAND...: until COMMAND succeeds
    local tries=$(( $1 * 10 )); shift
    until "$@"; do
        tries=$((tries - 1)); [ "$tries" -le 0 ] && return 1; sleep 0.1
    done
}
stored() { [ "$(tagged "$1" 2>/dev/null)" = "$2" ]; }   # the daemon may not have made the schema yet
idles() { [ "$(grep -c 'idling' "$D/run.log")" -ge "$1" ]; }
wait_for 60 stored f 5
ok $? "the daemon stores five messages although its first two connections are cut inside a FETCH" ||
    { diag_file "$D/run.log"; diag "$(ls -lain "$D")"; }
is "$(( $(proxy_cuts) - cuts ))" 2 "(the proxy did cut two connections)"
cmp_ok "$(grep -c 'reconnecting in' "$D/run.log")" -ge 2 "the daemon logged a reconnect for each"
is "$(whole $files)" "5 5 0" "each of the five is stored exactly once, whole"
wait_for 20 eval '[ "$(count alice INBOX)" = 0 ]'
ok $? "and moved out of INBOX"

# Connection 3 idles; a new message ends its IDLE, and the cut comes.
wait_for 30 idles 1 || diag_file "$D/run.log"
cuts=$(proxy_cuts)
files=$(mk g 1)
append alice INBOX $files
wait_for 60 stored g 1
ok $? "a cut while idling: the daemon reconnects and stores the new message"
cmp_ok "$(grep -c 'cut rst before command: DONE' "$PROXY_LOG")" -ge 1 "(the proxy did cut at DONE)"
is "$(whole $files)" "1 1 0" "once, whole"
kt__alive "$pid"
ok $? "the daemon is still running"

# Connection 4 idles; the next message ends it; every connection after that
# is cut in the middle of the body: the daemon backs off and retries, stores
# nothing half-read, and SIGTERM still stops it (its thread is not stuck).
wait_for 30 idles 2 || diag_file "$D/run.log"
files=$(mk h 1)
append alice INBOX $files
cuts=$(grep -c 'cut fin in FETCH' "$PROXY_LOG")
wait_for 60 eval '[ $(( $(grep -c "cut fin in FETCH" "$PROXY_LOG") - cuts )) -ge 2 ]'
ok $? "with every connection cut, the daemon keeps reconnecting"
is "$(tagged h)" 0 "and stores nothing half-read"
kill -TERM "$pid"
wait_for 30 eval '! kt__alive $pid'
ok $? "SIGTERM stops the daemon while its connections keep being cut"
wait "$pid"
is $? 0 "with exit 0"
proxy_ctl pass
KENCHI_CONF=$D/k.conf once cut
is "$RC" 0 "a healthy run afterwards exits 0"
is "$(whole $files)" "1 1 0" "and stores the last message once, whole"
for KENCHI_DB in "$KT_TMP/kenchi.db" "$D/kenchi.db"; do
    is "$(sql "select count(*) from (select message_id from messages group by message_id having count(*) > 1)")" 0 \
        "${KENCHI_DB#$KT_TMP/}: no message is stored twice"
    is "$(sql "select count(*) from messages where kind != 'alert' or events != 1")" 0 \
        "${KENCHI_DB#$KT_TMP/}: none is stored truncated (every row is an alert with its one event)"
done

done_testing
