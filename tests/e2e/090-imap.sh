#!/bin/bash
# 090-imap: `kenchi imap` against a real Dovecot: fetch by UID in batches,
# commit, then move (MOVE) or flag; positions survive restarts; a changed
# UIDVALIDITY refetches without duplicates; IDLE delivers at once; a killed
# and restarted server loses nothing and duplicates nothing; STARTTLS and
# implicit TLS verify the certificate against ca_file; a wrong password is
# final (one login attempt, non-zero exit, no retry loop).
# Waits are bounded only to fail on hangs; nothing asserts a duration.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

dovecot_start --ssl || bail "cannot start Dovecot"

# ---------------------------------------------------------------- helpers
imapx() { "$KT_PY" "$KT_LIB/imapx.py" "$@"; }
gen_append() { imapx gen-append "$DOVECOT_PORT" "$@"; }

printf 'secret\n' >"$KT_TMP/pw"; chmod 600 "$KT_TMP/pw"
printf 'wrong\n' >"$KT_TMP/badpw"; chmod 600 "$KT_TMP/badpw"
# A CA that did not sign the server's certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=other \
    -keyout "$KT_TMP/other.key" -out "$KT_TMP/other.pem" >/dev/null 2>&1 || bail "openssl failed"

export KENCHI_CONF=$KT_TMP/kenchi.conf
{
    cat "$KT_TOP/contrib/kenchi.conf.sample"
    cat <<EOF

[imap alerts]
host = 127.0.0.1
port = $DOVECOT_PORT
tls = none
user = alice
password_file = $KT_TMP/pw
processed = Processed
batch = 200

[imap badproc]
host = 127.0.0.1
port = $DOVECOT_PORT
tls = none
user = alice
password_file = $KT_TMP/pw
mailbox = Badin
processed = Bad//Name

[imap nombox]
host = 127.0.0.1
port = $DOVECOT_PORT
tls = none
user = alice
password_file = $KT_TMP/pw
mailbox = Nope

[imap flagged]
host = 127.0.0.1
port = $DOVECOT_PORT
tls = starttls
ca_file = $DOVECOT_CERT
user = bob
password_file = $KT_TMP/pw

[imap secure]
host = 127.0.0.1
port = $DOVECOT_SSL_PORT
tls = tls
ca_file = $DOVECOT_CERT
user = bob
password_file = $KT_TMP/pw
mailbox = Secure
processed = Secure-done

[imap wrongca]
host = 127.0.0.1
port = $DOVECOT_SSL_PORT
ca_file = $KT_TMP/other.pem
user = bob
password_file = $KT_TMP/pw
mailbox = Other

[imap wrongpw]
host = 127.0.0.1
port = $DOVECOT_PORT
tls = none
user = alice
password_file = $KT_TMP/badpw
mailbox = Wrong
EOF
} >"$KENCHI_CONF"

imap_msgs() { sql "select count(*) from messages where source = 'imap'"; }

# ---------------------------------------------------------------- move mode
FIXTURES="en-plain en-qp en-base64 evt-dfc digest-en"
imapx append "$DOVECOT_PORT" alice INBOX $(for f in $FIXTURES; do echo "$FIX/mail/$f.eml"; done) ||
    bail "APPEND failed"
"$KENCHI" imap --once alerts 2>"$KT_TMP/err1"
is $? 0 "imap --once exits 0"
is "$(imap_msgs)" 5 "the five alerts are stored"
cmp_ok "$(sql "select count(*) from events")" -ge 5 "with their events"
is "$(sql "select count(*) from messages where origin like 'imap:alerts/INBOX:%'")" 5 "origin names account, mailbox and uid"
is "$(imap_count alice INBOX)|$(imap_count alice Processed)" "0|5" "and moved to the processed folder"
like "$(cat "$KT_TMP/err1")" "msg=[0-9]+ source=imap origin=imap:alerts/INBOX:1 kind=alert" "one key=value line per message"
is "$(sql "select last_uid from sources where name = 'imap:alerts/INBOX'")" 5 "the position is stored"

"$KENCHI" imap --once alerts 2>/dev/null
is $? 0 "a second run exits 0"
is "$(imap_msgs)" 5 "and fetches nothing again"

# ---------------------------------------------------------------- backlog, batched
gen_append alice INBOX 300 backlog "$FIX/mail/en-plain.eml" || bail "backlog APPEND failed"
before_ev=$(sql "select count(*) from events")
"$KENCHI" -v imap --once alerts 2>"$KT_TMP/err2"
is $? 0 "a 300-message backlog: exit 0"
is "$(imap_msgs)" 305 "every message stored once"
is "$(( $(sql "select count(*) from events") - before_ev ))" 300 "300 new events"
# Batches start at 64 and double up to `batch` (200): storing starts early.
is "$(sed -n 's/.*committed \([0-9]*\) message(s) up to uid.*/\1/p' "$KT_TMP/err2" | tr '\n' ' ')" "64 128 108 " \
    "fetched in UID FETCH batches of 64, 128, then the rest (batch = 200 caps them)"
is "$(imap_count alice INBOX)|$(imap_count alice Processed)" "0|305" "all moved"

# ---------------------------------------------------------------- large mail, batched by bytes
# Three alerts with a 20 MB attachment each: `batch` counts messages, so
# all three were fetched (and held) at once; 24 of 30 MB took the daemon
# to 775 MB (round 35b).  A batch now holds at most 32 MB but one message.
for i in 1 2 3; do
    "$KT_PY" - "$FIX/mail/en-plain.eml" "$KT_TMP/big$i.eml" "$i" <<'PY'
import base64, os, sys
src = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
head, body = src.split(b"\n\n", 1)
head = b"\n".join(l for l in head.split(b"\n") if not l.lower().startswith((b"content-type", b"content-transfer", b"mime-version")))
head = head.replace(b"Message-ID: <", b"Message-ID: <big" + sys.argv[3].encode() + b".")
blob = base64.encodebytes(os.urandom(15 << 20))
out = head + b"\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n" + body + \
    b"\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + blob + b"--b--\n"
open(sys.argv[2], "wb").write(out)
PY
done
imapx append "$DOVECOT_PORT" alice INBOX "$KT_TMP/big1.eml" "$KT_TMP/big2.eml" "$KT_TMP/big3.eml" || bail "APPEND failed"
"$KENCHI" -v imap --once alerts 2>"$KT_TMP/err-big"
is $? 0 "three 20 MB alerts: exit 0"
is "$(sed -n 's/.*committed \([0-9]*\) message(s) up to uid.*/\1/p' "$KT_TMP/err-big" | tr '\n' ' ')" "1 1 1 " \
    "fetched one at a time: a batch holds at most 32 MB, whatever \`batch\` says"
is "$(sql "select count(*) from messages where message_id like 'big%'")" 3 "all three stored"
rm -f "$KT_TMP"/big?.eml

# ---------------------------------------------------------------- flag mode over STARTTLS
imapx append "$DOVECOT_PORT" bob INBOX "$FIX/mail/evt-ransomware.eml" "$FIX/mail/evt-uninstall.eml" \
    "$FIX/mail/evt-cloud-ioc.eml" || bail "APPEND failed"
"$KENCHI" imap --once flagged 2>"$KT_TMP/err3"
is $? 0 "STARTTLS with ca_file: exit 0"
is "$(imap_msgs)" 311 "the three alerts are stored"
is "$(imapx count "$DOVECOT_PORT" bob INBOX KEYWORD '$KenchiDone' SEEN)" 3 "and flagged \\Seen \$KenchiDone in place"
"$KENCHI" imap --once flagged 2>/dev/null
is "$(imap_msgs)" 311 "flagged mail is not fetched again"

# ---------------------------------------------------------------- UIDVALIDITY change
uv_before=$(sql "select uidvalidity from sources where name = 'imap:flagged/INBOX'")
imap_uidvalidity_reset bob INBOX || bail "cannot reset UIDVALIDITY"
gen_append bob INBOX 1 afterreset "$FIX/mail/en-plain.eml"
"$KENCHI" imap --once flagged 2>"$KT_TMP/err4"
is $? 0 "after a UIDVALIDITY change: exit 0"
like "$(cat "$KT_TMP/err4")" "UIDVALIDITY changed" "the change is logged"
is "$(imap_msgs)" 312 "only the new message is added: the refetched ones are recognised"
is "$(grep -c 'duplicate=1' "$KT_TMP/err4")" 3 "the three old ones were seen as duplicates"
isnt "$(sql "select uidvalidity from sources where name = 'imap:flagged/INBOX'")" "$uv_before" "the new UIDVALIDITY is stored"
"$KENCHI" imap --once flagged 2>/dev/null
is "$(imap_msgs)" 312 "and the next run fetches nothing"

# ---------------------------------------------------------------- implicit TLS
gen_append bob Secure 2 secure "$FIX/mail/en-plain.eml"
"$KENCHI" imap --once secure 2>"$KT_TMP/err5"
is $? 0 "implicit TLS verified against the test CA: exit 0"
is "$(imap_msgs)" 314 "its messages are stored"
is "$(imap_count bob Secure-done)" 2 "and moved"
"$KENCHI" imap --once wrongca 2>"$KT_TMP/err6"
is $? 1 "a certificate from another CA: exit 1"
like "$(cat "$KT_TMP/err6")" "certificate of 127.0.0.1 refused" "with the reason"
fails=$(grep -c 'auth failed' "$DOVECOT_LOG")
# (no login was attempted: checked with the wrong password below)

# ---------------------------------------------------------------- wrong password
# Not --once: even the daemon mode must give up at once.
timeout 20 "$KENCHI" imap wrongpw 2>"$KT_TMP/err7"
rc=$?
isnt "$rc" 124 "a wrong password does not loop (the process exits by itself)"
is "$rc" 1 "exit 1"
like "$(cat "$KT_TMP/err7")" "authentication failed" "the error says authentication failed"
unlike "$(cat "$KT_TMP/err7")" "reconnecting" "and nothing is retried"
sleep 0.5   # Dovecot writes its log line after the client has gone
is "$(( $(grep -c 'auth failed' "$DOVECOT_LOG") - fails ))" 1 "Dovecot saw exactly one failed login"

# ---------------------------------------------------------------- IDLE
wait_for() {    # wait_for SECONDS COMMAND...: until COMMAND succeeds
    local tries=$(( $1 * 10 )); shift
    until "$@"; do
        tries=$((tries - 1)); [ "$tries" -le 0 ] && return 1; sleep 0.1
    done
}
msgs_at_least() { [ "$(imap_msgs)" -ge "$1" ]; }
log_has() { grep -q "$1" "$KT_TMP/daemon.log"; }

"$KENCHI" -v imap alerts 2>"$KT_TMP/daemon.log" &
pid=$!
kt_at_exit "kt_kill -TERM $pid"
wait_for 10 log_has "idling" || diag_file "$KT_TMP/daemon.log"
gen_append alice INBOX 1 idle1 "$FIX/mail/en-plain.eml"
wait_for 10 msgs_at_least 312
ok $? "IDLE: a new message is stored while the daemon runs"

# ---------------------------------------------------------------- server killed and restarted
# Half the mail arrives while the server runs, half while it is dead
# (dropped into the maildir, as a local MTA would: dovecot-lda needs the
# server's auth socket).
for i in $(seq 1 20); do
    sed "s/^Message-ID: .*/Message-ID: <restart-$i@kt.example>/; s/^Event ID: .*/Event ID: 77000000000000$i/" \
        "$FIX/mail/en-plain.eml" >"$KT_TMP/r$i.eml"
done
( for i in $(seq 1 20); do maildir_drop "$DOVECOT_MAILDIR_alice" "$KT_TMP/r$i.eml"; sleep 0.1; done ) &
dropper=$!
wait_for 10 msgs_at_least 313     # the stream has begun to be stored
dovecot_kill
wait "$dropper"
dovecot_restart || bail "Dovecot did not restart"
wait_for 30 msgs_at_least 332
ok $? "after the server was killed and restarted, the daemon reconnects and fetches the rest"
is "$(sql "select count(*) from messages where message_id like 'restart-%@kt.example'")" 20 "every message once"
is "$(sql "select count(*) from (select message_id from messages group by message_id having count(*) > 1)")" 0 \
    "no message stored twice"
like "$(cat "$KT_TMP/daemon.log")" "reconnecting in" "the daemon logged its reconnect"
wait_for 10 eval '[ "$(imap_count alice INBOX)" = 0 ]'
ok $? "everything committed is moved out of INBOX"

kill -TERM "$pid"
for i in $(seq 1 100); do kt__alive "$pid" || break; sleep 0.1; done
wait "$pid"
is $? 0 "SIGTERM stops the daemon with exit 0"

# ---------------------------------------------------------------- a stop in a backlog
# SIGTERM in the middle of a 3,000-message backlog: the signal ends the read in hand, the
# batch being stored commits, and every committed message is moved on the
# same connection - none is left in INBOX for the next run's recovery
# (round 42: a stop was taken for a broken connection, and a batch stayed).
gen_append alice INBOX 3000 st "$FIX/mail/en-plain.eml" || bail "backlog APPEND failed"
"$KENCHI" imap --once alerts 2>"$KT_TMP/stop.err" &
spid=$!
for i in $(seq 200); do [ "$(sql "select count(*) from messages where message_id like 'st-%@kt.example'")" -gt 300 ] && break; sleep 0.05; done
kill -TERM "$spid"; wait "$spid"
is $? 0 "imap --once stopped by SIGTERM in a backlog: exit 0"
stored=$(sql "select count(*) from messages where message_id like 'st-%@kt.example'")
cmp_ok "$stored" -lt 3000 "the stop came in the middle of the backlog ($stored of 3000 stored)"
is "$(imapx count "$DOVECOT_PORT" alice INBOX)" $((3000 - stored)) "every stored message was moved: none waits for a recovery"
unlike "$(cat "$KT_TMP/stop.err")" "warning|error" "and the stop logs no warning: what it interrupts is no fault"
"$KENCHI" imap --once alerts 2>/dev/null
is "$(sql "select count(*) from messages where message_id like 'st-%@kt.example'")|$(imapx count "$DOVECOT_PORT" alice INBOX)" \
    "3000|0" "the next run takes the rest"

# ---------------------------------------------------------------- one follower per account
# Two runs of one account would fetch and move the same UIDs (round 35b: a
# cron's --once beside another doubled up to 352 of 2,000 messages in the
# processed folder).  The account's lock beside the database: a second
# --once exits 75 and touches nothing.
gen_append alice INBOX 3 lk "$FIX/mail/en-plain.eml"
L=$KENCHI_DB.imap-alerts.lock
flock -o "$L" sleep 60 &
lpid=$!
for i in $(seq 100); do flock -n "$L" true || break; sleep 0.05; done
"$KENCHI" imap --once alerts 2>"$KT_TMP/lock.err"
is $? 75 "imap --once while another process follows the account: exit 75"
like "$(cat "$KT_TMP/lock.err")" "another kenchi follows this account" "and says why"
is "$(imapx count "$DOVECOT_PORT" alice INBOX)" 3 "nothing was fetched or moved"
kill "$lpid"; wait "$lpid" 2>/dev/null
"$KENCHI" imap --once alerts 2>/dev/null
is $? 0 "once the lock is free, the run takes them"
is "$(sql "select count(*) from messages where message_id like 'lk-%@kt.example'")" 3 "all three, once"
# A follower (imap without --once, as run's threads do) waits for the lock
# instead, and takes the mail once it is free.
gen_append alice INBOX 2 lw "$FIX/mail/en-plain.eml"
flock -o "$L" sleep 60 &
lpid=$!
for i in $(seq 100); do flock -n "$L" true || break; sleep 0.05; done
"$KENCHI" imap alerts 2>"$KT_TMP/wait.err" &
fpid=$!
for i in $(seq 100); do grep -q 'waiting: another kenchi follows this account' "$KT_TMP/wait.err" && break; sleep 0.1; done
like "$(cat "$KT_TMP/wait.err")" "waiting: another kenchi follows this account" "a follower waits for the lock, and says so"
is "$(imapx count "$DOVECOT_PORT" alice INBOX)" 2 "while it waits, nothing is fetched"
kill "$lpid"; wait "$lpid" 2>/dev/null
for i in $(seq 150); do [ "$(sql "select count(*) from messages where message_id like 'lw-%@kt.example'")" = 2 ] && break; sleep 0.1; done
is "$(sql "select count(*) from messages where message_id like 'lw-%@kt.example'")" 2 "once the lock is free, it takes the mail"
kill -TERM "$fpid"; wait "$fpid"
is $? 0 "and stops on SIGTERM"

# A processed folder the server cannot make: the messages are stored and
# stay in the mailbox, and --once says so with 75 (it said 0; round 35b).
gen_append alice Badin 2 bp "$FIX/mail/en-plain.eml"
"$KENCHI" imap --once badproc 2>"$KT_TMP/badproc.err"
is $? 75 "a move the server refuses: --once exits 75"
is "$(sql "select count(*) from messages where message_id like 'bp-%@kt.example'")" 2 "the messages are stored"
is "$(imapx count "$DOVECOT_PORT" alice Badin)" 2 "and stay in the mailbox, for the next run to move"
like "$(cat "$KT_TMP/badproc.err")" "could not be marked; the next run marks them" "which the log says"

# A mailbox that does not exist is final, as kenchi(1) says: exit 1, not
# a temporary failure retried for ever (libetpan keeps no [NONEXISTENT] of
# a tagged NO: the server's words are read; round 35b).
"$KENCHI" imap --once nombox 2>"$KT_TMP/nombox.err"
is $? 1 "a mailbox that does not exist: exit 1 (final)"
like "$(cat "$KT_TMP/nombox.err")" "mailbox Nope does not exist" "and says which"

# ---------------------------------------------------------------- a mailbox restored
# The mailbox is restored from a backup with its UIDVALIDITY, so its next
# UID goes back below the last one taken: new mail takes UIDs kenchi took
# before.  "recover" moved them as committed, and they were never stored
# (round 35b).  Now the mailbox is fetched again.
MD=$KT_TMP/dovecot/mail/alice/Maildir
dovecot_stop
rm -rf "$KT_TMP/backup"; cp -a "$MD" "$KT_TMP/backup"
dovecot__launch || bail "Dovecot did not restart"
gen_append alice INBOX 4 day "$FIX/mail/en-plain.eml"
"$KENCHI" imap --once alerts 2>/dev/null
is "$(imapx count "$DOVECOT_PORT" alice INBOX)" 0 "a day's mail is taken"
dovecot_stop
rm -rf "$MD"; cp -a "$KT_TMP/backup" "$MD"
dovecot__launch || bail "Dovecot did not restart"
gen_append alice INBOX 3 restored "$FIX/mail/en-plain.eml"
"$KENCHI" imap --once alerts 2>"$KT_TMP/restore.err"
is $? 0 "after the mailbox was restored from its backup, --once exits 0"
is "$(sql "select count(*) from messages where message_id like 'restored-%@kt.example'")" 3 \
    "the mail that came after the restore is stored, not marked unread"
like "$(cat "$KT_TMP/restore.err")" "UIDNEXT .* is not above the last uid taken" "and the log says why it refetched"

# ---------------------------------------------------------------- configuration
chmod 644 "$KT_TMP/pw"
"$KENCHI" imap --once alerts 2>"$KT_TMP/err8"
is $? 78 "a password file others can read: exit 78"
like "$(cat "$KT_TMP/err8")" "kenchi.conf:[0-9]+: \[imap alerts\] password_file: .*chmod 600" "with file:line"
chmod 600 "$KT_TMP/pw"
"$KENCHI" imap --once nosuch 2>/dev/null
is $? 78 "an unknown account: exit 78"
KENCHI_CONF=$KT_TOP/contrib/kenchi.conf.sample "$KENCHI" imap --once 2>/dev/null
is $? 78 "no [imap] section at all: exit 78"

done_testing
