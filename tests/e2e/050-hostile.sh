#!/bin/bash
# 050-hostile: big and hostile mail is stored with a reason or parsed, never
# crashes or hangs kenchi, and keeps its peak RSS under 128 MB (issue 7).
# (Times are measured in bench/hostile, not asserted here: the `timeout` only
# turns a hang into a failure.)
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

big=$KT_TMP/big
mkdir -p "$big"
sh "$FIX/make-big.sh" "$big" >/dev/null
ok $? "generated the big fixtures"

for f in big-header big-attachment big-message; do
    out=$(timeout 60 "$KENCHI" parse "$big/$f.eml")
    rc=$?
    ok $([ $rc -eq 0 ] || [ $rc -eq 65 ]; echo $?) "$f: parse finishes (exit $rc)"
    want=$(awk -F'\t' -v f="$f.eml" '$1 ~ f"$" {print $2}' "$big/expected.tsv")
    like "$out" "\"kind\":\"${want:-alert}\"" "$f: kind ${want:-alert}"
    timeout 60 "$KENCHI" deliver <"$big/$f.eml" 2>/dev/null
    is $? 0 "$f: deliver stores it"
done
is "$(sql 'select count(*) from messages')" 3 "all three are stored"
"$KT_PY" - "$KENCHI_DB" "$big/big-message.eml" <<'PY'
import sqlite3, sys, os
size = sqlite3.connect(sys.argv[1]).execute("select max(size) from messages").fetchone()[0]
sys.exit(0 if size == os.path.getsize(sys.argv[2]) else 1)
PY
ok $? "the 50 MB message is stored whole"

# Values that try to inject: no CR or LF survives into a stored field.
"$KENCHI" deliver <"$FIX/mail/hostile-injection.eml" 2>/dev/null
"$KENCHI" events --json | "$KT_PY" -c '
import json, sys
def walk(v):
    if isinstance(v, dict):
        for x in v.values(): walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
    elif isinstance(v, str):
        assert "\r" not in v and "\n" not in v, repr(v)
for line in sys.stdin:
    walk(json.loads(line))
'
ok $? "no stored event value carries CR or LF"
like "$(sql "select group_concat(json, ' ') from events")" '\{\{customer.name\}\}|\$\{HOME\}' "template syntax in a value is kept as text"
is "$(sql "select count(*) from sqlite_master where name = 'events'")" 1 "SQL in a value did not touch the schema"

# Deep MIME nesting, NUL bytes, invalid charsets, the backtracking line.
for f in broken-deep-nesting broken-nul-bytes broken-invalid-charset broken-misdeclared-charset hostile-backtrack broken-truncated-mime; do
    timeout 30 "$KENCHI" parse "$FIX/mail/$f.eml" >/dev/null
    rc=$?
    ok $([ $rc -eq 0 ] || [ $rc -eq 65 ]; echo $?) "$f: parse finishes without a crash (exit $rc)"
done
# A value of 1,600,000 bytes that are no UTF-8 (each a U+FFFD): trimmed at its
# edges in one pass; cut one character at a time it took minutes (rev94).
"$KT_PY" - "$KT_TMP/fffd.eml" <<'PY'
import sys
head = (b"From: Cisco <no-reply@amp.cisco.com>\nTo: soc@soc.example.jp\nSubject: [Cisco Secure Endpoint Subscription] "
        b"[All] Matching Events Found On PC-01\nMessage-ID: <fffd@test>\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\n\nEvent Type: Threat Detected\nEvent ID: 123\nComputer: PC-01\nUser: ")
open(sys.argv[1], "wb").write(head + b"\xff" * 1600000 + b"\nSHA-256: " + b"ab" * 32 + b"\n")
PY
out=$(timeout 60 "$KENCHI" parse --json "$KT_TMP/fffd.eml")
like "$out" '"hostname":"PC-01"' "a value of 1,600,000 undecodable bytes: parse finishes, the event read"

# A quoted-printable soft break padded with 5,000 blanks is still a soft
# break: past 4,096 they had been passed on, the "=" read as text (rev94).
"$KT_PY" - "$KT_TMP/qp-pad.eml" <<'PY'
import sys
head = (b"From: Cisco <no-reply@amp.cisco.com>\nTo: soc@soc.example.jp\nSubject: [Cisco Secure Endpoint Subscription] "
        b"[All] Matching Events Found On PC-01\nMessage-ID: <qppad@test>\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        b"Event Type: Threat Detected\nEvent ID: 124\nComputer: PC-01\nDetection: W32.Gen=")
open(sys.argv[1], "wb").write(head + b" " * 5000 + b"\nKD.1\nSHA-256: " + b"ab" * 32 + b"\n")
PY
like "$(timeout 60 "$KENCHI" parse --json "$KT_TMP/qp-pad.eml")" '"detection":"W32.GenKD.1"' \
    "a soft break padded with 5,000 blanks joins its line"

# Lines built against the extractor's line and separator patterns (as
# bench/hostile's rules/ inputs, fewer): an alert block, then 200 of each.
# No match may stop at the PCRE2 match limit (its count is in the reason),
# and the event is still read.  A list mark followed by 3,000 spaces made
# every such line reach the limit when the mark's spaces could backtrack.
"$KT_PY" - "$FIX/mail/en-plain.eml" "$KT_TMP/adversarial.eml" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read().decode()
n = 3000
bad = ["---" + " " * n + "x", "- " * (n // 2) + "x", "* " + " " * n + "x", "[" + " " * n + "x",
       "\u3010" + "a" * n, "・" + "\t" * n + "x", "*" * n + "x", "-" * n + " " * n + "x",
       "Event Type" + " " * n + "\t" * 10 + "x", "a" + ":" * 10 + "*" * n]
body = "\n".join(bad * 200) + "\n"
raw = raw.replace("\n\nView these events", "\n\n" + body + "\nView these events", 1)
open(sys.argv[2], "w").write(raw)
PY
out=$(timeout 120 "$KENCHI" parse --json "$KT_TMP/adversarial.eml")
unlike "$out" "match limit" "adversarial lines against the line pattern stay under the PCRE2 match limit"
like "$out" '"kind":"alert"' "and the alert before them is still read"

# Saved .eml files attached inside one another share one 8 MB budget for
# their decoded bytes: here each level is a 3 MB attachment before the next
# message (7bit, so nothing shrinks), 9 MB in all.  The outer two levels use
# 6 MB, the third gets the last 2 MB, which hold only its padding: the alert
# at the bottom is not read.  Without the budget it would be (at the cost of
# holding every level whole at once).
"$KT_PY" - "$FIX/mail/en-plain.eml" "$KT_TMP/budget.eml" <<'PY'
import sys
msg = open(sys.argv[1], "rb").read()
pad = (b"x" * 75 + b"\n") * (3 * 1024 * 1024 // 76)
for level in range(3):
    b = b"=_lvl%d" % level
    msg = (b"From: IT <it@example.jp>\nSubject: FW: %d\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=\"" % level + b + b"\"\n\n--" + b +
           b"\nContent-Type: application/octet-stream; name=\"pad.bin\"\n\n" + pad + b"\n--" + b +
           b"\nContent-Type: application/octet-stream; name=\"a.eml\"\nContent-Transfer-Encoding: 7bit\n\n" +
           msg + b"\n--" + b + b"--\n")
open(sys.argv[2], "wb").write(msg)
PY
out=$(timeout 120 "$KENCHI" parse --json "$KT_TMP/budget.eml")
like "$out" '"kind":"not_alert"' "attached messages past the 8 MB budget are not read (the alert 9 MB down is not reached)"

# A 200-deep multipart built here, plus one 2000 deep.
"$KT_PY" - "$KT_TMP/deep2000.eml" <<'PY'
import sys
n = 2000
out = ["From: x@example.com", "Subject: deep", "MIME-Version: 1.0"]
for i in range(n):
    out.append('Content-Type: multipart/mixed; boundary="b%d"' % i)
    out.append("")
    out.append("--b%d" % i)
out.append("Content-Type: text/plain")
out.append("")
out.append("Event Type: Threat Detected")
for i in reversed(range(n)):
    out.append("--b%d--" % i)
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
timeout 60 "$KENCHI" parse "$KT_TMP/deep2000.eml" >"$KT_TMP/deep.out"
rc=$?
ok $([ $rc -eq 0 ] || [ $rc -eq 65 ]; echo $?) "2000-deep MIME nesting: no stack overflow (exit $rc)"

# Peak RSS stays under 128 MB (issue 7) for parse and for deliver of every big
# and hostile input.  Memory may be asserted; the times are bench/hostile's.
# Each deliver gets a fresh database: into one that already holds the message
# it would stop at the duplicate and measure nothing.
rss_limit_kb=131072
rss_skip=
if ! /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    rss_skip="GNU time is not installed as /usr/bin/time (apt-get install time)"
elif under_sanitizers; then
    rss_skip="sanitizer build: ASan's shadow memory and quarantine inflate RSS"
elif [ "${KENCHI_VALGRIND:-0}" = 1 ]; then
    rss_skip="under valgrind the RSS is valgrind's"
fi
# peak_kb STDIN CMD...: the peak RSS of CMD in KB (empty if it did not finish)
peak_kb() {
    local in=$1; shift
    rm -f "$KT_TMP/rss.time"
    timeout 120 /usr/bin/time -f %M -o "$KT_TMP/rss.time" "$@" <"$in" >/dev/null 2>&1
    tail -n 1 "$KT_TMP/rss.time" 2>/dev/null
}
rss_inputs=("$big"/big-header.eml "$big"/big-attachment.eml "$big"/big-message.eml
    "$FIX"/mail/broken-*.eml "$FIX"/mail/hostile-*.eml "$KT_TMP/deep2000.eml"
    "$FIX"/api/deep.json "$FIX"/api/bigid.json "$FIX"/api/truncated.json "$FIX"/api/not-json.json)
for f in "${rss_inputs[@]}"; do
    n=${f#"$big"/}; n=${n#"$FIX"/}; n=${n#"$KT_TMP"/}
    if [ -n "$rss_skip" ]; then
        skip "$rss_skip" 2
        continue
    fi
    kb=$(peak_kb /dev/null "$KENCHI" parse "$f")
    cmp_ok "${kb:-999999999}" -lt $rss_limit_kb "$n: kenchi parse peak RSS under 128 MB ($((${kb:-0} / 1024)) MB)"
    rm -f "$KT_TMP"/rss.db*
    kb=$(KENCHI_DB=$KT_TMP/rss.db peak_kb "$f" "$KENCHI" deliver)
    cmp_ok "${kb:-999999999}" -lt $rss_limit_kb "$n: kenchi deliver peak RSS under 128 MB ($((${kb:-0} / 1024)) MB)"
done
rm -f "$KT_TMP"/rss.db*
# parse reads a big file in place, once: a copy of the mapped file held it
# twice (the 48 MB message peaked at 102 MB, a 60 MB JSON log at 126 MB).
if [ -n "$rss_skip" ]; then
    skip "$rss_skip" 2
else
    size_kb=$(( $(stat -c %s "$big/big-message.eml") / 1024 ))
    kb=$(peak_kb /dev/null "$KENCHI" parse "$big/big-message.eml")
    cmp_ok "${kb:-999999999}" -lt $((size_kb + 40960)) \
        "big-message.eml: kenchi parse holds it once (peak $((${kb:-0} / 1024)) MB, file $((size_kb / 1024)) MB)"
    # A text with no header is read as a body from a stream of its own,
    # not from a copy with a blank line put in front (peaked at 121 MB).
    "$KT_PY" -c 'import sys; sys.stdout.write("Event Type: Threat Detected and a line of text to fill it\n" * 850000)' \
        >"$KT_TMP/big-headless.txt"
    size_kb=$(( $(stat -c %s "$KT_TMP/big-headless.txt") / 1024 ))
    kb=$(peak_kb /dev/null "$KENCHI" parse "$KT_TMP/big-headless.txt")
    cmp_ok "${kb:-999999999}" -lt $((size_kb + 40960)) \
        "a 48 MB text with no header: kenchi parse holds it once (peak $((${kb:-0} / 1024)) MB)"
    rm -f "$KT_TMP/big-headless.txt"
fi

# A match stopped at PCRE2's limit is no match, and the stored reason says
# so: here a data directory whose `line` rule backtracks catastrophically.
lim=$KT_TMP/limitdata
mkdir -p "$lim"
cp -r "$KT_TOP/data" "$KT_TOP/templates" "$lim/"
sed -i "s/^line .*/line    ^(?<label>(?:a|aa)+)+(?<value>)$/" "$lim/data/extractors/amp.rules"
{ sed -n '1,/^$/p' "$FIX/mail/en-plain.eml"; printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n'; } > "$KT_TMP/limit.eml"
out=$(KENCHI_DATADIR=$lim timeout 30 "$KENCHI" parse "$KT_TMP/limit.eml")
like "$out" 'stopped at the PCRE2 match limit' "a match stopped at the PCRE2 limit is named in the reason"

# A flood of event blocks is read up to its limit, and the reason says so.
out=$("$KENCHI" parse "$FIX/mail/hostile-event-flood.eml")
like "$out" '"reason":"more than 1000 events: the text after them not read"' "a flood of event blocks stops at 1,000 events, and says so"
# Text tables and pipe quotes against long lines: 100,000 '|' (each was
# a quote mark, asked again for each: quadratic), rows of 30,000 cells
# (each cell a label lookup), rules of 100,000 '-'.  The wait is bounded
# only to turn a hang into a failure.
"$KT_PY" - "$KT_TMP/pipes.eml" <<'PY'
import sys
h = "From: Cisco <no-reply@amp.cisco.com>\nSubject: [Cisco AMP for Endpoints Subscription] [x] Matching Events Found On PC-01\n\n"
open(sys.argv[1], "w").write(h + ("|" * 100000 + "\n") * 20 + ("| a " * 30000 + "\n") * 20 +
                             ("a\t" * 30000 + "\n") * 20 + ("|" + "-" * 100000 + "\n") * 20)
PY
out=$(timeout 60 "$KENCHI" parse "$KT_TMP/pipes.eml")
like "$out" '"kind":"error"' "long lines of pipes and of many cells are read to the end (no event, an error)"

# A copy of an event (a thread quoting one digest twice) joins it and
# counts once against the limit: the new alert after two copies of 600
# events is read, and nothing is said to be left unread.
"$KT_PY" - "$FIX/mail/hostile-event-flood.eml" "$KT_TMP/twice.eml" <<'PY'
import sys
raw = open(sys.argv[1], encoding="utf-8").read()
head, body = raw.split("\n\n", 1)
blocks = [b for b in body.split("\n-----\n") if "Event ID:" in b][:600]
new = "Event Type: Threat Detected\nEvent ID: 6455449299999999999\nComputer: PC-NEW-0001\n"
open(sys.argv[2], "w", encoding="utf-8").write(head + "\n\n" + "\n-----\n".join(blocks + blocks + [new]))
PY
out=$("$KENCHI" parse "$KT_TMP/twice.eml" | "$KT_PY" -c 'import json,sys; d=json.load(sys.stdin); print(len(d["events"]), d["events"][-1].get("computer", {}).get("hostname"), d["reason"])')
is "$out" "601 PC-NEW-0001 None" "a digest quoted twice counts once against the 1,000-event limit"

# An API object with no field kenchi knows is not an event: "{}" opened an
# empty case before.
printf '{}' > "$KT_TMP/empty-object.json"
out=$("$KENCHI" parse "$KT_TMP/empty-object.json")
like "$out" '"kind":"not_alert"' "{} is not an alert with an empty event (JSON with no event in it is foreign)"
like "$out" '"events":\[\]' "... and yields no event"

# An unpaired UTF-16 surrogate escape is refused before json-glib, which
# leaks on one (fixtures/fuzz-regressions/apijson-surrogate-leak).
out=$("$KENCHI" parse "$FIX/fuzz-regressions/apijson-surrogate-leak")
like "$out" 'unpaired UTF-16 surrogate' "an unpaired surrogate escape is an error with its reason"

# Alternatives nested in the HTML part that a thin or tabbed text set aside
# each set their own part aside: the outer one was lost, 280 bytes a
# message (fixtures/fuzz-regressions/mime-nested-alternative-aside-leak).
# LeakSanitizer does not see it (a stale pointer keeps it reachable to its
# conservative scan); valgrind calls it definitely lost, so the check runs
# this one parse under valgrind (no JIT: its word-wide reads past a
# subject's end are valgrind false positives).
if under_sanitizers || [ -n "${KENCHI_VG_WRAPPED:-}" ] || ! command -v valgrind >/dev/null 2>&1; then
    skip "needs valgrind, outside a sanitizer build" 1
else
    KENCHI_NO_JIT=1 valgrind -q --trace-children=yes --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite --suppressions="$KT_TOP/tests/valgrind.supp" \
        "$KENCHI" parse "$FIX/fuzz-regressions/mime-nested-alternative-aside-leak" >/dev/null 2>"$KT_TMP/nested-alt.err"
    rc=$?
    [ $rc -ne 99 ]
    ok $? "alternatives nested in a part set aside parse without a definite leak (exit $rc)"
fi

# Lines of thousands of spaces between a label and nothing: the `line` rule
# must not rescan them for each label length (2.5 s for 8 MB before; the
# time is bench/hostile's, the `timeout` only catches a regression to
# minutes).
"$KT_PY" - "$FIX/mail/en-plain.eml" "$KT_TMP/spaces.eml" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read()
head, _, body = raw.partition(b"\n\n")
pad = b"".join(b"a" + b" " * 3000 + b"b\n" for _ in range(2700))
open(sys.argv[2], "wb").write(head + b"\n\n" + pad + body)
PY
out=$(timeout 20 "$KENCHI" parse "$KT_TMP/spaces.eml")
like "$out" '"kind":"alert"' "8 MB of 3,000-space lines before the alert: still read"
unlike "$out" 'PCRE2 match limit' "... without hitting the match limit"

done_testing
