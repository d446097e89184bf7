#!/bin/bash
# 060-smtp: src/report/smtp.c against a real SMTP server (aiosmtpd sink):
# several messages in one session arrive byte-exact, and every failure is
# classed as the outbox needs it (4xx and lost connections TEMP, 5xx FINAL).
# Drives tests/unit/smtp-send-tool, which sends files as they are.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/servers.sh"

TOOL=${KENCHI_BUILDDIR:+$KENCHI_BUILDDIR/tests/unit/smtp-send-tool}
TOOL=${TOOL:-/tmp/smtp-send-tool}
[ -x "$TOOL" ] || bail "smtp-send-tool not built: $TOOL"

FROM=soc@soc.example.jp RCPT=alerts@cust.example.jp
send() { "$TOOL" 127.0.0.1 "$SMTP_PORT" "$FROM" "$RCPT" "$@"; }

mk() {      # mk FILE N: a small CRLF mail with all the headers libesmtp wants
    printf 'From: soc@soc.example.jp\r\nTo: alerts@cust.example.jp\r\nSubject: test %s\r\nDate: Tue, 14 Nov 2023 22:13:20 +0900\r\nMessage-Id: <m%s@soc.example.jp>\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nbody of message %s\r\n.leading dot survives dot-stuffing\r\n\r\nlast line\r\n' \
        "$2" "$2" "$2" >"$1"
}
mk "$KT_TMP/m1.eml" 1
mk "$KT_TMP/m2.eml" 2

# ISO-2022-JP mail as kenchi builds it: JIS X 0208 text (python can check it)
# plus ①㈱ (NEC row 13: ESC $ B -! -j ESC ( B), which only a byte compare can.
"$KT_PY" - "$KT_TMP/m3.eml" <<'PY' || bail "cannot build the ISO-2022-JP fixture"
import base64, sys
subj = "【一次報告】マルウェアを検知しました"
enc = subj.encode("iso2022_jp")
word = "=?ISO-2022-JP?B?" + base64.b64encode(enc).decode() + "?="
body = "お客様各位\n検知内容をご報告します。\n".encode("iso2022_jp")
body += b"\x1b$B-!-j\x1b(B\n"
hdr = ("From: soc@soc.example.jp\nTo: alerts@cust.example.jp\nSubject: " + word +
       "\nDate: Tue, 14 Nov 2023 22:13:20 +0900\nMessage-Id: <m3@soc.example.jp>\n"
       "MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\n"
       "Content-Transfer-Encoding: 7bit\n\n").encode()
open(sys.argv[1], "wb").write((hdr + body).replace(b"\n", b"\r\n"))
PY

smtp_start || bail "cannot start the SMTP sink"

# ---------------------------------------------------------------- success
out=$(send "$KT_TMP/m1.eml" "$KT_TMP/m2.eml" "$KT_TMP/m3.eml"); rc=$?
is "$rc" 0 "three messages in one session: tool exits 0"
is "$(printf '%s\n' "$out" | cut -d' ' -f1-2 | tr '\n' ' ')" "OK 250 OK 250 OK 250 " "each message: OK 250"
smtp_wait_count 3 5
is "$(smtp_count)" 3 "the sink stored three messages"
i=1
for f in $(smtp_messages); do
    cmp -s "$f" "$KT_TMP/m$i.eml"
    ok $? "message $i arrived byte-exact" || diag "$(cmp "$f" "$KT_TMP/m$i.eml" 2>&1)"
    i=$((i + 1))
done
env_file=$SMTP_MAILDIR/env/$(basename "$(smtp_messages | head -n1)")
like "$(cat "$env_file")" "X-Sink-From: $FROM" "envelope sender as given"
like "$(cat "$env_file")" "X-Sink-Rcpt: $RCPT" "envelope recipient as given"

jis=$(smtp_messages | tail -n1)
dec=$("$KT_PY" - "$jis" <<'PY'
import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
subj = str(email.header.make_header(email.header.decode_header(m["Subject"])))
raw = m.get_payload(decode=True)
text = raw.split(b"\x1b$B-!")[0].decode("iso2022_jp")
print(subj + "|" + text.replace("\r\n", "/").replace("\n", "/"))
PY
)
is "$dec" "【一次報告】マルウェアを検知しました|お客様各位/検知内容をご報告します。/" \
    "ISO-2022-JP subject and body decode back (python email)"
like "$(od -An -tx1 "$jis" | tr -d ' \n')" '1b24422d212d6a1b2842' "①㈱ arrive as the NEC row-13 bytes"

# ---------------------------------------------------------------- failures
n0=$(smtp_count)
smtp_ctl tempfail
out=$(send "$KT_TMP/m1.eml"); rc=$?
like "$out" '^TEMP 451 ' "tempfail: TEMP 451"
isnt "$rc" 0 "tempfail: tool exits non-zero"
is "$(smtp_count)" "$n0" "tempfail: nothing stored"

smtp_ctl permfail
out=$(send "$KT_TMP/m1.eml")
like "$out" '^FINAL 550 ' "permfail: FINAL 550"
is "$(smtp_count)" "$n0" "permfail: nothing stored"

smtp_ctl rcpt-tempfail
out=$(send "$KT_TMP/m1.eml")
like "$out" '^TEMP 451 ' "every recipient 451: TEMP (not the 5xx DATA reply that follows)"

smtp_ctl rcpt-permfail
out=$(send "$KT_TMP/m1.eml")
like "$out" '^FINAL 550 ' "every recipient 550: FINAL"

# A server that refuses every recipient and then takes DATA anyway (RFC
# 5321 3.3 allows it; the mail goes to no one): not sent (round 37a: the
# report was marked sent).  aiosmtpd answers 503 there, so a raw server.
RAW_PORT=$(kt_free_port)
"$KT_PY" - "$RAW_PORT" >"$KT_TMP/raw.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
while True:   # the first connection is kt_wait_port's probe
    c, _ = s.accept(); f = c.makefile("rb"); w = lambda x: c.sendall(x.encode() + b"\r\n")
    try:
        w("220 raw"); data = False
        for l in f:
            if data:
                if l.rstrip(b"\r\n") == b".": data = False; w("250 queued for nobody")
                continue
            u = l.upper()
            if u.startswith(b"EHLO"): w("250-raw"); w("250 8BITMIME")
            elif u.startswith(b"RCPT"): w("550 5.1.1 no such user")
            elif u.startswith(b"DATA"): data = True; w("354 go ahead")
            elif u.startswith(b"QUIT"): w("221 bye"); break
            else: w("250 ok")
    except OSError:
        pass
    c.close()
PY
raw_pid=$!
kt_wait_port "$RAW_PORT" || bail "the raw SMTP server did not start"
out=$("$TOOL" 127.0.0.1 "$RAW_PORT" "$FROM" "$RCPT" "$KT_TMP/m1.eml")
like "$out" '^FINAL 550 .*all recipients refused' "every recipient refused, DATA taken anyway: FINAL, not sent"
kill "$raw_pid" 2>/dev/null; wait "$raw_pid" 2>/dev/null

smtp_ctl drop-in-data
out=$(send "$KT_TMP/m1.eml" "$KT_TMP/m2.eml")
like "$out" '^TEMP ' "connection dropped in DATA: TEMP"
is "$(printf '%s\n' "$out" | grep -c '^TEMP')" 2 "the message after the drop is TEMP too"
is "$(smtp_count)" "$n0" "drop-in-data: nothing stored"

smtp_ctl ok
printf 'From: a@b\nSubject: lf only\n\nbody\n' >"$KT_TMP/lf.eml"
out=$(send "$KT_TMP/lf.eml" "$KT_TMP/m2.eml")
like "$(printf '%s\n' "$out" | head -n1)" '^BAD_INPUT 0 .*bare LF' "an LF-only message is refused, not sent broken"
like "$(printf '%s\n' "$out" | tail -n1)" '^OK 250' "the good message in the same session still goes"
is "$(smtp_count)" "$((n0 + 1))" "only the good message was stored"

out=$(SMTP_TLS=tls send "$KT_TMP/m1.eml")
like "$out" '^CONFIG 0 implicit TLS' "tls=tls (implicit): CONFIG, libesmtp cannot do it"

# AUTH asked for, but the sink offers none: libesmtp would send anyway
n1=$(smtp_count)
out=$(SMTP_USER=alice SMTP_PASSWORD=secret send "$KT_TMP/m1.eml")
like "$out" '^FINAL 0 not sent: server offered no usable AUTH' "AUTH configured but not offered: FINAL, not sent unauthenticated"
is "$(smtp_count)" "$n1" "nothing stored without AUTH"

out=$(SMTP_TLS=starttls send "$KT_TMP/m1.eml")
like "$out" '^FINAL ' "STARTTLS required but not offered: FINAL"
is "$(smtp_count)" "$n1" "nothing sent in clear text"

# ---------------------------------------------------------------- down
smtp_stop
t0=$(date +%s)
out=$(send "$KT_TMP/m1.eml" "$KT_TMP/m2.eml"); rc=$?
like "$out" '^TEMP 0 session failed' "server down: TEMP"
is "$(printf '%s\n' "$out" | grep -c '^TEMP')" 2 "server down: every message TEMP"
isnt "$rc" 0 "server down: tool exits non-zero"
diag "connection refused reported after $(( $(date +%s) - t0 )) s"

# a server that accepts but never greets: our timeout, not RFC 5321's 5 min
port=$(kt_free_port)
"$KT_PY" -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5); time.sleep(30)' "$port" </dev/null >/dev/null 2>&1 &
mute=$!
kt_at_exit "kt_kill -TERM $mute"
kt_wait_port "$port" 5
t0=$(date +%s)
# `timeout` only turns a hang (no protocol timeout at all) into a failure.
out=$(SMTP_TIMEOUT=2 timeout 25 "$TOOL" 127.0.0.1 "$port" "$FROM" "$RCPT" "$KT_TMP/m1.eml")
t=$(( $(date +%s) - t0 ))
like "$out" '^TEMP ' "silent server: TEMP, by kenchi's own timeout rather than a hang"
diag "silent server given up after $t s"
kill "$mute" 2>/dev/null

done_testing
