#!/bin/bash
# 120-crash: SIGKILL at random points, at least 8 times each while `kenchi
# import` reads a maildir, while the daemon (`kenchi run`, as nobody) ingests
# one, and while `kenchi send --all` talks to the SMTP sink.  After each kill
# kenchi is restarted and left to finish, then: every message is stored once,
# every event once, no case is lost, every first report is sent (the sink
# holds its Message-ID; a re-send after a kill may repeat a Message-ID, never
# invent a second one for the same case), and no outbox row is left in an
# odd state.
# The random sleeps only choose where the kill lands; nothing asserts a
# duration, and every wait is bounded only to turn a hang into a failure.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

[ "$(id -u)" -eq 0 ] || plan skip_all "needs root (the daemon runs as nobody via setpriv)"
command -v setpriv >/dev/null || plan skip_all "setpriv not found"
smtp_start || bail "cannot start the SMTP sink"

MIN_KILLS=${KENCHI_CRASH_KILLS:-8}       # per phase
MAX_ROUNDS=$((MIN_KILLS * 3))
BATCH=${KENCHI_CRASH_BATCH:-16}          # new alerts per round
CUSTOMERS="acme globex initech umbrella"
RANDOM=${KENCHI_CRASH_SEED:-$$}
note "seed $RANDOM (KENCHI_CRASH_SEED repeats a run)"

# ---------------------------------------------------------------- helpers
# gen.py FIXTURES MAILDIR TAG N START: N alerts into MAILDIR/new, each with
# its own Message-ID, Event ID, host, connector GUID, SHA-256 and detection
# id (so each is its own case), round-robin over four customers, without
# Received lines (arrival is ingest time: the reports are not stale).
cat >"$KT_TMP/gen.py" <<'PY'
import hashlib, os, re, sys, uuid
fix, out, tag, n, start = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
custs = os.environ.get("GEN_CUSTOMERS", "acme globex").split()
tpls = [open(os.path.join(fix, "mail", f + ".eml"), "rb").read()
        for f in ("en-plain", "en-qp", "en-8bit", "evt-dfc")]
for d in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(out, d), exist_ok=True)
tnum = int(hashlib.sha256(tag.encode()).hexdigest()[:6], 16) % 1000
for i in range(start, start + n):
    m = tpls[i % len(tpls)]
    m = re.sub(rb"(?m)^Received:.*\n(?:[ \t].*\n)*", b"", m)
    m = re.sub(rb"(?m)^Message-ID: .*$", b"Message-ID: <%s-%d@crash.test>" % (tag.encode(), i), m)
    m = re.sub(rb"(?m)^Event ID: \d+", b"Event ID: %d" % (7100000000000000000 + tnum * 10**9 + i), m)
    m = re.sub(rb"(?m)^Detection ID: \d+", b"Detection ID: %d" % (7200000000000000000 + tnum * 10**9 + i), m)
    m = re.sub(rb"(?m)^(Computer: \S+)", rb"\1-%s%d" % (tag.encode(), i), m)
    g = str(uuid.uuid5(uuid.NAMESPACE_DNS, "%s.%d" % (tag, i))).encode()
    m = re.sub(rb"(?m)^Connector GUID: \S+", b"Connector GUID: " + g, m)
    h = hashlib.sha256(b"%s.%d" % (tag.encode(), i)).hexdigest().encode()
    m = re.sub(rb"(?m)^SHA-256: [0-9a-f]+", b"SHA-256: " + h, m)
    m = re.sub(rb"(?m)^To: soc\+\w+@", b"To: soc+%s@" % custs[i % len(custs)].encode(), m)
    name = "%s.%06d.crash" % (tag, i)
    with open(os.path.join(out, "tmp", name), "wb") as f:
        f.write(m)
    os.chmod(os.path.join(out, "tmp", name), 0o644)
    os.rename(os.path.join(out, "tmp", name), os.path.join(out, "new", name))
    print("%s-%d@crash.test" % (tag, i))
PY

# check.py DB SINK_MAILDIR DOMAIN EXPECTED_IDS MODE [MAILDIR]
# Prints one line per broken invariant (nothing when all hold), and
# "STAT ..." lines. MODE final: everything must be sent; partial: right after
# a kill, pending rows are allowed.
cat >"$KT_TMP/check.py" <<'PY'
import email, glob, os, sqlite3, sys
from collections import Counter, defaultdict
dbp, sinkdir, domain, expf, mode = sys.argv[1:6]
maildir = sys.argv[6] if len(sys.argv) > 6 else None
bad = []
expected = [l.strip() for l in open(expf) if l.strip()]
db = sqlite3.connect("file:%s?mode=ro" % dbp, uri=True, timeout=30)
q = lambda s, *a: db.execute(s, a).fetchall()

# messages: each input exactly once
mids = Counter(r[0] for r in q("SELECT message_id FROM messages"))
missing = [m for m in expected if mids[m] == 0]
twice = [m for m, n in mids.items() if n > 1]
if missing: bad.append("%d input(s) not stored, e.g. %s" % (len(missing), missing[:3]))
if twice: bad.append("%d message(s) stored twice, e.g. %s" % (len(twice), twice[:3]))
n_msgs = q("SELECT count(*) FROM messages")[0][0]
if n_msgs != len(expected): bad.append("messages=%d, distinct inputs=%d" % (n_msgs, len(expected)))
n = q("SELECT count(*) FROM messages WHERE kind <> 'alert'")[0][0]
if n: bad.append("%d message(s) not stored as alert" % n)
# events: once each, one per alert here, each with its message and case
n = q("SELECT count(*) FROM (SELECT uid FROM events GROUP BY uid HAVING count(*) > 1)")[0][0]
if n: bad.append("%d event uid(s) stored twice" % n)
n_ev = q("SELECT count(*) FROM events")[0][0]
if n_ev != len(expected): bad.append("events=%d, inputs=%d" % (n_ev, len(expected)))
n = q("SELECT count(*) FROM messages m WHERE m.events <> (SELECT count(*) FROM events e WHERE e.message = m.id)")[0][0]
if n: bad.append("%d message(s) whose event count disagrees with the events stored" % n)
n = q("SELECT count(*) FROM events e WHERE e.case_id IS NULL OR NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = e.case_id)")[0][0]
if n: bad.append("%d event(s) without their case" % n)
# cases: none lost, none empty, each with its first report row
n = q("SELECT count(*) FROM cases c WHERE c.events <> (SELECT count(*) FROM events e WHERE e.case_id = c.id) OR c.events = 0")[0][0]
if n: bad.append("%d case(s) whose events are missing" % n)
n_cases = q("SELECT count(*) FROM cases")[0][0]
if n_cases != len(expected): bad.append("cases=%d, expected one per alert=%d" % (n_cases, len(expected)))
rows = {r[0]: r for r in q("SELECT id, kind, state, message_id, cases, attempts, sent_at, raw, case_id FROM outbox")}
case_report = {}
for cid, fr in q("SELECT id, first_report FROM cases"):
    r = rows.get(fr)
    if fr is None or r is None or r[1] != "first_report":
        bad.append("case %d has no first report row (first_report=%r)" % (cid, fr)); continue
    if str(cid) not in (r[4] or "").split():
        bad.append("case %d points at report %d, which does not list it (%r)" % (cid, fr, r[4]))
    case_report[cid] = fr
n = q("SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'notice' AND o.case_id = c.id)")[0][0]
if n: bad.append("%d case(s) without the analysts' notice" % n)
# outbox: no odd state
for r in rows.values():
    rid, kind, state, mid, cases, att, sent_at = r[:7]
    if state not in ("pending", "sent"):
        bad.append("outbox %d (%s) in state %s" % (rid, kind, state))
    elif state == "sent" and (att < 1 or not sent_at):
        bad.append("outbox %d sent with attempts=%s sent_at=%s" % (rid, att, sent_at))
    elif state == "pending" and mode == "final":
        bad.append("outbox %d (%s) still pending after the finishing run" % (rid, kind))
    elif state == "pending" and att != 0:
        bad.append("outbox %d (%s) pending after %d attempt(s): a send failed" % (rid, kind, att))
# the sink: our domain's messages, by Message-ID
sink = defaultdict(list)
for f in glob.glob(os.path.join(sinkdir, "new", "*")):
    raw = open(f, "rb").read()
    m = email.message_from_bytes(raw)
    mid = (m["Message-ID"] or "").strip().strip("<>")
    if mid.endswith("@" + domain):
        sink[mid].append((raw, m["X-Kenchi-Kind"], m["X-Kenchi-Case"]))
by_mid = {r[3]: r for r in rows.values()}
for rid, r in rows.items():
    if r[2] == "sent":
        copies = sink.get(r[3], [])
        if not copies:
            bad.append("outbox %d (%s) is marked sent but the sink never got <%s>" % (rid, r[1], r[3]))
        elif not any(c[0] == r[7] for c in copies):
            bad.append("outbox %d (%s, cases %s): no copy in the sink matches the stored report"
                       " (rewritten after it was sent?)" % (rid, r[1], r[4]))
    elif sink.get(r[3]) and r[2] != "pending":
        bad.append("outbox %d in state %s, but the sink has it" % (rid, r[2]))
per_case = defaultdict(set)
for mid, copies in sink.items():
    r = by_mid.get(mid)
    if r is None:
        bad.append("the sink has <%s>, which no outbox row knows (a report re-created after a kill?)" % mid)
        continue
    if r[1] == "first_report":
        for c in (r[4] or "").split():
            per_case[int(c)].add(mid)
        for raw, kind, hcase in copies:
            if hcase and hcase.strip() not in (r[4] or "").split():
                bad.append("sink copy of <%s> names case %s, not in %r" % (mid, hcase, r[4]))
for cid, ms in per_case.items():
    if len(ms) > 1:
        bad.append("case %d had %d different first-report Message-IDs: %s" % (cid, len(ms), sorted(ms)))
if mode == "final":
    for cid, fr in case_report.items():
        if rows[fr][2] != "sent":
            bad.append("case %d: first report %d is %s" % (cid, fr, rows[fr][2]))
# the maildir source: nothing left in new/ at the end, nothing in cur/ unstored
if maildir:
    names_new = os.listdir(os.path.join(maildir, "new"))
    if mode == "final" and names_new:
        bad.append("%d file(s) left in new/" % len(names_new))
    stored = set(mids)
    for nm in os.listdir(os.path.join(maildir, "cur")):
        tag, num = nm.split(".")[0], int(nm.split(".")[1])
        if "%s-%d@crash.test" % (tag, num) not in stored:
            bad.append("cur/%s was acknowledged but is not stored" % nm)
dups = sum(len(c) - 1 for c in sink.values())
dup_fr = sum(len(c) - 1 for mid, c in sink.items() if by_mid.get(mid) and by_mid[mid][1] == "first_report")
print("STAT messages=%d events=%d cases=%d first_reports=%d outbox=%d sink=%d resent_copies=%d resent_first_reports=%d"
      % (n_msgs, n_ev, n_cases, sum(1 for r in rows.values() if r[1] == "first_report"), len(rows),
         sum(len(c) for c in sink.values()), dups, dup_fr))
for b in bad[:20]:
    print(b)
if len(bad) > 20:
    print("... and %d more" % (len(bad) - 20))
PY

# check DB DOMAIN IDS MODE MAILDIR|- DESC: one TAP line; failures as diag.
LAST_STAT=
check() {
    local out desc=$6 md=$5
    [ "$md" = - ] && md=
    out=$("$KT_PY" "$KT_TMP/check.py" "$1" "$SMTP_MAILDIR" "$2" "$3" "$4" $md 2>&1)
    LAST_STAT=$(grep '^STAT ' <<<"$out")
    out=$(grep -v '^STAT ' <<<"$out")
    if [ -z "$out" ]; then
        ok 0 "$desc"
    else
        ok 1 "$desc"; diag "$out"
    fi
}

rsleep() {   # rsleep MIN_MS MAX_MS
    local ms=$(( $1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1) ))
    KILL_AT=$ms
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
}

# killrun MIN_MS MAX_MS CMD...: start CMD, SIGKILL it after a random delay.
# Sets KILL_HIT=1 when the kill landed on the running process.
killrun() {
    local lo=$1 hi=$2 pid rc; shift 2
    "$@" >>"$KT_TMP/killed.log" 2>&1 &
    pid=$!
    rsleep "$lo" "$hi"
    kill -KILL "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null; rc=$?
    KILL_HIT=0
    [ "$rc" -eq 137 ] && KILL_HIT=1
    KILL_RC=$rc
}

# narrow HI: the window after a kill that came too late.  The run took less
# than KILL_AT, so the next kill is drawn below it (a faster host used to
# need more misses than the rounds allowed to shrink a fixed-ratio window).
narrow() {
    local hi=$KILL_AT
    [ "$hi" -lt "$1" ] || hi=$(($1 * 2 / 3))
    [ "$hi" -ge 10 ] || hi=10
    echo "$hi"
}

conf() {   # conf FILE DOMAIN [MAILDIR]
    {
        cat <<CONF
[kenchi]
report_hold = 0s
send_interval = 1s
outbreak_window = 0s
busy_timeout = 30s
[soc]
from = soc@$2
analysts = analyst@soc.example.jp
[smtp]
host = 127.0.0.1
port = $SMTP_PORT
CONF
        for c in $CUSTOMERS; do
            printf '[customer %s]\nrecipients = soc+%s@soc.example.jp\nreport_to = security@%s.example.com\n' "$c" "$c" "$c"
        done
        [ -n "${3:-}" ] && printf '[maildir alerts]\npath = %s\n' "$3"
    } >"$1"
}
export GEN_CUSTOMERS=$CUSTOMERS
export KENCHI_NOW=     # real time: the daemon's clock must move

# ------------------------------------------- phase A: import, then send
A=$KT_TMP/a
mkdir -p "$A"
conf "$A/k.conf" crash-a.example
: >"$A/ids"
imp_hits=0 send_hits=0 imp_hi=350 send_hi=900 round=0 next=0
while [ $round -lt $MAX_ROUNDS ] && { [ $imp_hits -lt "$MIN_KILLS" ] || [ $send_hits -lt "$MIN_KILLS" ]; }; do
    round=$((round + 1))
    "$KT_PY" "$KT_TMP/gen.py" "$FIX" "$A/md" "a$round" "$BATCH" "$next" >>"$A/ids" || bail "gen.py failed"
    next=$((next + BATCH))
    export KENCHI_CONF=$A/k.conf KENCHI_DB=$A/kenchi.db
    # import, killed, then finished
    killrun 5 "$imp_hi" "$KENCHI" import --no-progress "$A/md"
    imp_what="import killed at ${KILL_AT} ms"
    if [ $KILL_HIT = 1 ]; then imp_hits=$((imp_hits + 1)); else
        imp_what="import finished before the kill (exit $KILL_RC)"; imp_hi=$(narrow "$imp_hi"); fi
    "$KENCHI" import --no-progress "$A/md" 2>>"$KT_TMP/finish.log"
    rc=$?
    [ $rc -eq 0 ] || diag "round $round: finishing import exited $rc"
    # send --all, killed, then finished (one run sends at most a batch of rows)
    killrun 5 "$send_hi" "$KENCHI" send --all
    send_what="send killed at ${KILL_AT} ms"
    if [ $KILL_HIT = 1 ]; then send_hits=$((send_hits + 1)); else
        send_what="send finished before the kill (exit $KILL_RC)"; send_hi=$(narrow "$send_hi"); fi
    for try in 1 2 3 4 5; do
        "$KENCHI" send --all 2>>"$KT_TMP/finish.log"
        [ "$(sql "select count(*) from outbox where state = 'pending'")" = 0 ] && break
    done
    check "$A/kenchi.db" crash-a.example "$A/ids" final - "round A$round ($imp_what; $send_what): stored once, nothing lost, all sent once"
done
note "phase A: $round rounds, $imp_hits kills during import, $send_hits during send; $LAST_STAT"
cmp_ok "$imp_hits" -ge "$MIN_KILLS" "at least $MIN_KILLS kills landed during import"
cmp_ok "$send_hits" -ge "$MIN_KILLS" "at least $MIN_KILLS kills landed during send --all"

# ------------------------------------------- phase B: the daemon as nobody
B=$KT_TMP/b
MD=$B/Maildir
mkdir -p "$MD"/{cur,new,tmp}
conf "$B/k.conf" crash-b.example "$MD"
chown -R nobody:nogroup "$B"
export KENCHI_CONF=$B/k.conf KENCHI_DB=$B/kenchi.db
sqlb() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- env KENCHI_DB="$KENCHI_DB" bash -c '. "$1"; sql "$2"' _ "$KT_TMP/sqlfn" "$1"; }
declare -f sql >"$KT_TMP/sqlfn"; chmod 0644 "$KT_TMP/sqlfn"
DPID=
kt_at_exit '[ -n "$DPID" ] && kt_kill -KILL "$DPID"'
start_daemon() {
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$KENCHI" run --log=stderr >>"$B/run.log" 2>&1 &
    DPID=$!
}
daemon_done() {   # daemon_done N: N messages stored, new/ empty, outbox sent; bounded
    local i
    for i in $(seq 300); do
        kill -0 "$DPID" 2>/dev/null || { diag "the daemon died"; diag_file "$B/run.log"; return 1; }
        if [ -z "$(ls -A "$MD/new")" ] &&
           [ "$(sqlb "select (select count(*) from messages) || ':' || (select count(*) from outbox where state <> 'sent')" 2>/dev/null)" = "$1:0" ]; then
            return 0
        fi
        sleep 0.1
    done
    diag "the daemon did not finish: $(ls "$MD/new" | wc -l) in new/, $(sqlb "select state || '=' || count(*) from outbox group by state" | tr '\n' ' ')"
    return 1
}
: >"$B/ids"
run_hits=0 round=0 next=0
while [ $round -lt $MAX_ROUNDS ] && [ $run_hits -lt "$MIN_KILLS" ]; do
    round=$((round + 1))
    "$KT_PY" "$KT_TMP/gen.py" "$FIX" "$MD" "b$round" "$BATCH" "$next" >>"$B/ids" || bail "gen.py failed"
    chown -R nobody:nogroup "$MD"
    next=$((next + BATCH))
    start_daemon
    rsleep 20 800
    kill -KILL "$DPID"; { wait "$DPID"; } 2>/dev/null; rc=$?
    [ $rc -eq 137 ] && run_hits=$((run_hits + 1))
    what="daemon killed at ${KILL_AT} ms (exit $rc)"
    start_daemon
    daemon_done "$(wc -l <"$B/ids")"
    kill -TERM "$DPID"; wait "$DPID"; rc=$?
    [ $rc -eq 0 ] || diag "round B$round: SIGTERM exit $rc"
    DPID=
    check "$B/kenchi.db" crash-b.example "$B/ids" final "$MD" "round B$round ($what): stored once, acknowledged after commit, all sent once"
done
note "phase B: $round rounds, $run_hits kills of the daemon; $LAST_STAT"
cmp_ok "$run_hits" -ge "$MIN_KILLS" "at least $MIN_KILLS kills landed on the running daemon"

# ------------------------------------------- the whole run, once more
export KENCHI_CONF=$A/k.conf KENCHI_DB=$A/kenchi.db
"$KENCHI" import --no-progress "$A/md" 2>/dev/null
is $? 0 "a last import of the whole maildir exits 0"
check "$A/kenchi.db" crash-a.example "$A/ids" final - "and changes nothing: every message, event, case and report once"
is "$(sql "select count(*) from messages")" "$(sort -u "$A/ids" | wc -l)" "messages = distinct inputs (import)"
is "$(KENCHI_DB=$B/kenchi.db sqlb "select count(*) from messages")" "$(sort -u "$B/ids" | wc -l)" "messages = distinct inputs (daemon)"
is "$(KENCHI_DB=$B/kenchi.db sqlb "select count(*) from outbox where state <> 'sent'")" 0 "no outbox row stuck (daemon)"
is "$(sql "select count(*) from outbox where state <> 'sent'")" 0 "no outbox row stuck (import and send)"
killed_err=$(grep -ci 'malformed\|corrupt\|sanitizer' "$KT_TMP/killed.log" "$KT_TMP/finish.log" "$B/run.log" 2>/dev/null | awk -F: '{s += $NF} END {print s + 0}')
is "$killed_err" 0 "no corruption or sanitizer report in any log"

done_testing
