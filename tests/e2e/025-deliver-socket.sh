#!/bin/bash
# 025-deliver-socket: `kenchi deliver` hands its message to the running
# daemon over [kenchi] socket, and stores it itself when no daemon listens.
# What must hold: exit 0 only after the daemon's commit; 75 when the
# connection breaks before the answer; a bad or broken client cannot stop
# the daemon; a stale socket is not an obstacle.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

smtp_start || bail "cannot start the SMTP sink"
D=$KT_TMP/d
mkdir -p "$D"
SOCK=$D/deliver.sock
export KENCHI_DB=$D/kenchi.db KENCHI_CONF=$D/k.conf KENCHI_NOW=
{ printf '[kenchi]\nsocket = %s\nreport_hold = 0s\n' "$SOCK"; daemon_conf; } >"$KENCHI_CONF"
chown -R nobody:nogroup "$D"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
# A fresh copy of a fixture: its own Message-ID, Event ID and host.
alert() {   # alert N: print the path of a distinct alert mail
    sed -e "s/^Message-ID: .*/Message-ID: <sock-$1@test>/" -e "s/^Event ID: .*/Event ID: 83000000000000$(printf %04d "$1")/" \
        -e "s/^Computer: .*/Computer: PC-SOCK-$1/" "$FIX/mail/en-plain.eml" >"$D/a$1.eml"
    echo "$D/a$1.eml"
}
origin_of() { sql "select origin from messages where message_id = 'sock-$1@test'"; }

starts=0
start_daemon() {   # each start logs to a file of its own: run.N.log
    starts=$((starts + 1))
    # Not through as_nobody: $! must be kenchi itself, for the signals.
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$KENCHI" run --log=stderr >"$D/run.$starts.log" 2>&1 &
    pid=$!
    kt_at_exit "kt_kill -TERM $pid"
    # Its own "started" line: a socket left by the one before is no sign.
    for i in $(seq 300); do grep -q "run: started" "$D/run.$starts.log" && return 0; sleep 0.1; done
    diag_file "$D/run.$starts.log"
    return 1
}
start_daemon
ok $? "the daemon listens on [kenchi] socket"

as_nobody "$KENCHI" deliver <"$(alert 1)" 2>"$D/err1"
is $? 0 "deliver exits 0 once the daemon has committed"
is "$(origin_of 1)" socket "the daemon stored it (origin socket)"
like "$(cat "$D/err1")" "msg=[0-9]+ source=deliver origin=socket kind=alert customer=acme events=1" \
    "the hook prints the daemon's key=value line"
like "$(cat "$D/run.1.log")" "source=deliver origin=socket kind=alert" "and the daemon logs it"

as_nobody "$KENCHI" deliver <"$D/a1.eml" 2>/dev/null
is $? 0 "the same message again: exit 0"
is "$(sql "select count(*) from messages where message_id = 'sock-1@test'")" 1 "stored once"

as_nobody "$KENCHI" deliver <"$FIX/mail/broken-binary.eml" 2>/dev/null
is $? 0 "broken mail through the daemon: exit 0"
is "$(sql "select kind from messages where source = 'deliver' and origin = 'socket' order by id desc limit 1")" error \
    "stored with kind error"

as_nobody "$KENCHI" deliver --customer acme <"$FIX/mail/en-qp.eml" 2>/dev/null
is "$(sql "select customer from messages where origin = 'socket' order by id desc limit 1")" acme "--customer reaches the daemon"
n=$(sql "select count(*) from messages")
sed 's/^Message-ID: .*/Message-ID: <typo@amp.test>/' "$FIX/mail/en-qp.eml" | as_nobody "$KENCHI" deliver --customer acmee 2>/dev/null
is "$?|$(sql "select count(*) from messages")" "78|$n" "a --customer the configuration lacks: the daemon stores nothing, and the hook exits 78"

# Twenty hooks at once.
fails=0 hooks=()
for n in $(seq 10 29); do as_nobody "$KENCHI" -q deliver <"$(alert "$n")" & hooks+=($!); done
for j in "${hooks[@]}"; do wait "$j" || fails=$((fails + 1)); done
is "$fails" 0 "twenty concurrent hooks all exit 0"
is "$(sql "select count(*) from messages where message_id like 'sock-%' and origin = 'socket'")" 21 "and each is stored once"

# Clients that are not kenchi's, or that stop half-way.
before=$(sql "select count(*) from messages")
answer=$("$KT_PY" - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"HELO there\n"); print(s.recv(200).decode().strip())
PY
)
like "$answer" "^64 bad request" "a request that is not kenchi's is answered 64"
"$KT_PY" - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"KENCHI/1 DELIVER 100000\nFrom: half\n"); s.close()
PY
"$KT_PY" - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"KENCHI/1 DELIVER 99999999999\n"); s.recv(100)
PY
# More bytes than announced: the message is not the one sent (rd1 F6: its
# first 5 bytes were stored, and acknowledged 0).
answer=$("$KT_PY" - "$SOCK" "$(alert 9)" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"KENCHI/1 DELIVER 5\n" + open(sys.argv[2], "rb").read()); print(s.recv(200).decode().strip())
PY
)
like "$answer" "^64 bad request: more bytes than the length announced" "more bytes than announced are answered 64, and nothing is stored"
sleep 0.3
kill -0 "$pid" 2>/dev/null
ok $? "the daemon survives them"
as_nobody "$KENCHI" deliver <"$(alert 2)" 2>/dev/null
is "$?|$(origin_of 2)" "0|socket" "and goes on storing"
is "$(sql "select count(*) from messages")" $((before + 1)) "a message cut short is not stored (only the next one is)"

# Without a daemon: the hook stores the message itself.
kill -TERM "$pid"
wait "$pid"
is $? 0 "the daemon stops on SIGTERM"
[ -e "$SOCK" ]
is $? 1 "and removes its socket"
as_nobody "$KENCHI" deliver <"$(alert 3)" 2>/dev/null
is "$?|$(origin_of 3)" "0|stdin" "no daemon: the hook stores it (origin stdin)"

# A socket left behind by a daemon that was killed.
start_daemon || bail "the daemon did not start again"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
[ -S "$SOCK" ]
ok $? "a killed daemon leaves its socket"
as_nobody "$KENCHI" deliver <"$(alert 4)" 2>/dev/null
is "$?|$(origin_of 4)" "0|stdin" "the hook takes the stale socket for no daemon"
start_daemon
ok $? "a new daemon replaces the stale socket"
setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$KENCHI" run --log=stderr 2>"$D/second.log" &
p2=$!
for i in $(seq 300); do grep -q "run: started" "$D/second.log" && break; sleep 0.1; done
kill -TERM "$p2"
wait "$p2"
like "$(cat "$D/second.log")" "another daemon is listening" "a second daemon does not take the socket over"
as_nobody "$KENCHI" deliver <"$(alert 5)" 2>/dev/null
is "$?|$(origin_of 5)" "0|socket" "the first one still has it"
kill -TERM "$pid"
wait "$pid"

# A listener that breaks off, or answers 75: the hook exits 75 and stores
# nothing itself (the delivery agent keeps the mail and retries).
fake() {   # fake MODE: a one-connection listener on $SOCK
    rm -f "$SOCK"
    "$KT_PY" - "$SOCK" "$1" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(1)
c, _ = s.accept()
hdr = b""
while not hdr.endswith(b"\n"): hdr += c.recv(1)
n = int(hdr.split()[2]); got = 0
while got < n: got += len(c.recv(65536))
if sys.argv[2] == "busy": c.sendall(b"75 not stored: busy\n")
c.close()
PY
    fpid=$!
    for i in $(seq 50); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
}
fake close
as_nobody "$KENCHI" deliver <"$(alert 6)" 2>"$D/err6"
is $? 75 "the connection closes before the answer: exit 75"
like "$(cat "$D/err6")" "before answering" "and says why"
is "$(sql "select count(*) from messages where message_id = 'sock-6@test'")" 0 "the hook did not store it as well"
wait "$fpid"
fake busy
as_nobody "$KENCHI" deliver <"$D/a6.eml" 2>/dev/null
is $? 75 "the daemon answers 75: the hook exits 75"
wait "$fpid"
rm -f "$SOCK"

done_testing
