#!/bin/bash
# 050-hostile: big and hostile mail is stored with a reason or parsed, never
# crashes or hangs kenchi.  (Times are measured in bench/, not asserted here:
# the `timeout` only turns a hang into a failure.)
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

done_testing
