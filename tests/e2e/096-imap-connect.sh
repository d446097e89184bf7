#!/bin/bash
# 096-imap-connect: an IMAP account whose server never answers, or whose
# tls setting does not fit its port (round 35b Q3, Q4).
# - A server that accepts and says nothing: `kenchi imap ACCOUNT` and
#   `kenchi run` stop on SIGTERM while they wait for its greeting or its
#   TLS handshake, after their 3-second grace for the batch in hand, not
#   after their 60-second I/O timeout (they took 60 to 180 s, past
#   systemd's stop timeout, and were killed).
# - tls = tls against a port of plain IMAP (Dovecot's), or tls = none or
#   starttls against its port of IMAP over TLS: a configuration mistake,
#   named as such: `--once` exits 78, and the daemon ends that account
#   instead of retrying it for ever as a network fault.
# The bound on each stop (20 s) only tells "stopped after the grace" from
# "stopped when the 60 s timeout ran out"; nothing asserts a duration
# beyond that.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

dovecot_start --ssl || bail "cannot start Dovecot"
smtp_start || bail "cannot start the SMTP sink"
D=$KT_TMP/d
mkdir -p "$D"
export KENCHI_DB=$D/kenchi.db KENCHI_CONF=$D/k.conf KENCHI_NOW=

# fake_server MODE PORT LOG: a server on 127.0.0.1 that, for every
# connection, says nothing (silent) or greets, then closes at the first
# command (close); LOG gets "listening" when it is ready.
fake_server() {
    "$KT_PY" - "$@" <<'PY' >/dev/null 2>&1 &
import socket, sys
mode, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
open(log, "w").write("listening\n")
held = []
while True:
    c, _ = s.accept()
    with open(log, "a") as f:
        f.write("accepted\n")
    if mode == "silent":
        held.append(c)
        continue
    c.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
    c.recv(1024)
    c.close()
PY
    kt_at_exit "kt_kill -TERM $!"
    for i in $(seq 100); do grep -q listening "$3" 2>/dev/null && break; sleep 0.05; done
}

# A server that accepts every connection and never writes a byte.
SILENT_PORT=$(kt_free_port)
fake_server silent "$SILENT_PORT" "$D/silent.log"

printf 'secret\n' >"$D/pw"
chmod 600 "$D/pw"
# account NAME PORT TLS USER: an [imap] section for 127.0.0.1
account() {
    printf '[imap %s]\nhost = 127.0.0.1\nport = %s\ntls = %s\nuser = %s\npassword_file = %s\n' "$1" "$2" "$3" "$4" "$D/pw"
}
{
    printf '[kenchi]\nreport_hold = 0s\n'
    daemon_conf
    account mute "$SILENT_PORT" none alice
    account mutetls "$SILENT_PORT" tls bob
    account plainport "$DOVECOT_PORT" tls carol
} >"$D/k.conf"

accepted() { grep -c accepted "$D/silent.log"; }
# stops CMD...: start CMD, wait for the silent server to take its
# connection, SIGTERM it; prints "gone RC" or "still running".
stops() {
    local before pid i
    before=$(accepted)
    "$@" >>"$D/stops.log" 2>&1 &
    pid=$!
    for i in $(seq 200); do [ "$(accepted)" -gt "$before" ] && break; sleep 0.05; done
    sleep 0.3   # into the wait for the greeting or the handshake
    kill -TERM "$pid"
    if kt__wait_gone 20 "$pid"; then
        wait "$pid"
        echo "gone $?"
    else
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        echo "still running"
    fi
}

is "$(stops "$KENCHI" imap mute)" "gone 0" \
    "kenchi imap, waiting for a greeting that never comes, stops on SIGTERM after its grace, not its 60 s timeout"
is "$(stops "$KENCHI" imap mutetls)" "gone 0" \
    "and waiting for a TLS handshake that never comes"
is "$(stops "$KENCHI" imap --once mute)" "gone 0" "imap --once too"
{ printf '[kenchi]\nreport_hold = 0s\n'; daemon_conf; sed -n '/^\[imap mute\]/,/^password_file/p' "$D/k.conf"; } >"$D/run.conf"
chown -R nobody:nogroup "$D"
is "$(KENCHI_CONF=$D/run.conf stops setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$KENCHI" run --log=stderr)" "gone 0" \
    "kenchi run, its account waiting on a silent server, stops on SIGTERM after its grace, not its 60 s timeout"

# A server that greets, then closes at STARTTLS: a network fault, retried
# (round 41b: a final "STARTTLS refused", exit 1, the account dropped).
CLOSE_PORT=$(kt_free_port)
fake_server close "$CLOSE_PORT" "$D/close.log"
account closer "$CLOSE_PORT" starttls dave >>"$D/k.conf"
timeout -k 5 120 "$KENCHI" imap --once closer >"$D/closer.log" 2>&1
is "$?" 75 "a server that closes at STARTTLS: exit 75, retried later, not a final refusal"

timeout -k 5 120 "$KENCHI" -v imap --once plainport >"$D/plain.log" 2>&1
is "$?" 78 "tls = tls against a port of plain IMAP: exit 78, a configuration mistake (was 75, retried for ever)"
like "$(cat "$D/plain.log")" "speaks IMAP in plain text, not implicit TLS: set tls = starttls" "and the log says what to change"

{ account tlsport "$DOVECOT_SSL_PORT" none erin; account tlsport2 "$DOVECOT_SSL_PORT" starttls frank; } >>"$D/k.conf"
timeout -k 5 120 "$KENCHI" imap --once tlsport >"$D/tlsport.log" 2>&1
is "$?" 78 "tls = none against a port of IMAP over TLS: exit 78, a configuration mistake (was 75 after 60 s, retried for ever; round 41b F9)"
like "$(cat "$D/tlsport.log")" "speaks IMAP over TLS, and says nothing before a TLS handshake: set tls = tls" \
    "and the log says what to change"
unlike "$(cat "$D/plain.log" "$D/tlsport.log")" "(^|
)GnuTLS error" "no bare GnuTLS line on stderr: its words go to kenchi's log, at debug level (round 41b F7)"
timeout -k 5 120 "$KENCHI" imap --once tlsport2 >/dev/null 2>&1
is "$?" 78 "tls = starttls against it too"

done_testing
