#!/bin/bash
# 140-tenants: tenant isolation.  Two customers (acme, globex, as in
# contrib/kenchi.conf.sample) take in every fixture; then no listing, export
# or queued report for one customer holds another's hostnames, SHA-256s,
# customer name or addresses: events, cases, messages, tune, allow list, and
# each first/second report in the outbox with its raw message (outbox --show).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

export KENCHI_CONF=$KT_TOP/contrib/kenchi.conf.sample
export KENCHI_NOW=2026-11-25T10:00:00Z
CUSTOMERS="acme globex"

# With them, a digest sent to the SOC's shared mailbox whose events are in
# both customers' AMP groups (one organisation, a group per customer).
"$KENCHI" import --no-progress "$FIX/mail" "$FIX/api" "$FIX/maildir" "$FIX/mbox" \
    "$FIX/variants/field/zc09-two-customers-one-digest.eml" 2>"$KT_TMP/import.err"
rc=$?
ok "$([ $rc -eq 0 ] || [ $rc -eq 1 ]; echo $?)" "every fixture imported (exit $rc)"
is "$(sql "select group_concat(e.customer || ':' || e.hostname || ':' || c.customer, ' ') from events e join cases c on c.id = e.case_id where e.message_id = 'zc09-two-customers@min.example' order by e.id")" \
    "acme:PC-M10:acme globex:NY-M11:globex" "a digest across two customers' groups: each event, and its case, is its own group's customer's"
for c in $CUSTOMERS; do
    cmp_ok "$(sql "select count(*) from events where customer = '$c'")" -gt 0 "$c has events"
done
# An allow entry of each customer's own, so that `allow list` has something to leak.
for c in $CUSTOMERS; do
    sha=$(sql "select sha256 from events where customer = '$c' and sha256 is not null order by id limit 1")
    host=$(sql "select hostname from events where customer = '$c' and hostname is not null order by id limit 1")
    "$KENCHI" allow add --customer "$c" --note "tenant test $c" sha256 "$sha" >/dev/null
    "$KENCHI" allow add --customer "$c" --note "tenant test $c" host "$host" >/dev/null
done

# markers.py CUSTOMER: one marker a line (TYPE<TAB>VALUE) of every other
# customer's data that CUSTOMER does not share (a file seen at both is not a
# leak): hostnames and SHA-256s from the events, and from the configuration
# the id, name and every address.
cat >"$KT_TMP/markers.py" <<'PY'
import configparser, json, re, sqlite3, sys
db, conf, me = sys.argv[1], sys.argv[2], sys.argv[3]
c = sqlite3.connect(db)
def values(where, arg):
    hosts, shas = set(), set()
    for host, js in c.execute("SELECT hostname, json FROM events WHERE " + where, (arg,)):
        if host:
            hosts.add(host)
        shas.update(re.findall(r"\b[0-9a-f]{64}\b", js))
        for h in re.findall(r'"hostname"\s*:\s*"([^"]+)"', js):
            hosts.add(h)
    return hosts, shas
my_hosts, my_shas = values("customer = ?", me)
ot_hosts, ot_shas = values("customer <> ?", me)
cp = configparser.RawConfigParser(strict=False, interpolation=None)
cp.read(conf, encoding="utf-8")
my_cfg = set()
out = []
for sec in cp.sections():
    if not sec.startswith("customer "):
        continue
    cid = sec.split(None, 1)[1]
    vals = {("customer", cid)}
    if cp.has_option(sec, "name"):
        vals.add(("name", cp.get(sec, "name")))
    for k in ("recipients", "report_to", "report_cc"):
        if cp.has_option(sec, k):
            for a in re.split(r"[;,]", cp.get(sec, k)):
                if a.strip():
                    vals.add(("address", a.strip()))
    if cid == me:
        my_cfg |= {v for _, v in vals}
    else:
        out += sorted(vals)
for h in sorted(ot_hosts - my_hosts):
    out.append(("hostname", h))
for s in sorted(ot_shas - my_shas):
    out.append(("sha256", s))
for t, v in out:
    if v not in my_cfg:
        print("%s\t%s" % (t, v))
PY

# leaks.py MARKERS FILE: prints each marker found in FILE, searched in the
# raw bytes, the whole decoded as ISO-2022-JP (Japanese reports), and each
# message in it parsed as mail (encoded headers, base64, quoted-printable).
cat >"$KT_TMP/leaks.py" <<'PY'
import email, email.policy, re, sys
markers = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1], encoding="utf-8") if "\t" in l]
raw = open(sys.argv[2], "rb").read()
views = [raw.decode("utf-8", "replace"), raw.decode("iso2022_jp", "replace")]
for chunk in re.split(rb"(?m)^(?=From: )", raw):
    if not chunk.strip():
        continue
    try:
        m = email.message_from_bytes(chunk, policy=email.policy.default)
        views.append(" ".join(str(v) for v in m.values()))
        for part in m.walk():
            if part.get_content_maintype() == "text":
                try:
                    views.append(part.get_content())
                except Exception:
                    views.append(part.get_payload(decode=True).decode("latin-1"))
    except Exception as e:
        views.append("")
text = "\n".join(views)
found = set()
for t, v in markers:
    if t == "customer":
        pat = r"(?i)(?<![\w])" + re.escape(v) + r"(?![\w])"
    else:
        pat = r"(?i)(?<![\w.-])" + re.escape(v) + r"(?![\w-])"
    if re.search(pat, text):
        found.add("%s %s" % (t, v))
for f in sorted(found):
    print(f)
PY

leak_check() {   # leak_check CUSTOMER DESC FILE
    local out
    out=$("$KT_PY" "$KT_TMP/leaks.py" "$KT_TMP/markers.$1" "$3" 2>&1)
    if [ -z "$out" ]; then ok 0 "$2"; else ok 1 "$2"; diag "$(head -20 <<<"$out")"; fi
}
own_check() {    # own_check CUSTOMER DESC FILE: every JSON line is CUSTOMER's
    local n bad
    n=$(grep -c . "$3")
    bad=$("$KT_PY" -c 'import json,sys
c=sys.argv[1]; bad=0
for l in open(sys.argv[2], encoding="utf-8"):
    if l.strip():
        o=json.loads(l); bad += (o.get("customer") != c)
print(bad)' "$1" "$3")
    ok "$([ "$n" -gt 0 ] && [ "$bad" = 0 ]; echo $?)" "$2 ($n lines, all of $1)"
}

for c in $CUSTOMERS; do
    "$KT_PY" "$KT_TMP/markers.py" "$KENCHI_DB" "$KENCHI_CONF" "$c" >"$KT_TMP/markers.$c"
    types=$(cut -f1 "$KT_TMP/markers.$c" | sort -u | tr '\n' ' ')
    is "$types" "address customer hostname name sha256 " "$c: markers of the other tenants' data ($(wc -l <"$KT_TMP/markers.$c") values)"
    o=$KT_TMP/out.$c
    "$KENCHI" events --json --customer "$c" >"$o.events"
    own_check "$c" "$c: events --json --customer" "$o.events"
    leak_check "$c" "$c: events --json --customer holds no other tenant's data" "$o.events"
    "$KENCHI" cases --json --customer "$c" >"$o.cases"
    own_check "$c" "$c: cases --json --customer" "$o.cases"
    leak_check "$c" "$c: cases --json --customer holds no other tenant's data" "$o.cases"
    { "$KENCHI" messages --json --customer "$c"; "$KENCHI" messages --json --kind alert --customer "$c"; } >"$o.messages"
    own_check "$c" "$c: messages --json --customer (all kinds)" "$o.messages"
    leak_check "$c" "$c: messages --json --customer holds no other tenant's data" "$o.messages"
    "$KENCHI" tune --customer "$c" >"$o.tune" 2>&1
    "$KENCHI" tune --json --customer "$c" >>"$o.tune" 2>&1
    leak_check "$c" "$c: tune --customer holds no other tenant's data" "$o.tune"
    "$KENCHI" allow list --customer "$c" >"$o.allow" 2>&1
    "$KENCHI" allow list --json --customer "$c" >>"$o.allow" 2>&1
    like "$(cat "$o.allow")" "tenant test $c" "$c: allow list --customer shows its own entries"
    leak_check "$c" "$c: allow list --customer holds no other tenant's data" "$o.allow"
    # Every queued report of the customer, as listed and as it would be mailed.
    "$KENCHI" outbox --json >"$o.outbox.all"
    "$KT_PY" -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    o=json.loads(l)
    if o.get("customer")==sys.argv[2] and o.get("kind") in ("first_report","second_report"):
        print(json.dumps(o, ensure_ascii=False))' "$o.outbox.all" "$c" >"$o.outbox"
    n=$(grep -c . "$o.outbox")
    cmp_ok "$n" -gt 0 "$c: has queued reports ($(cut -d, -f2 "$o.outbox" | sort | uniq -c | tr -s ' \n' ' '))"
    leak_check "$c" "$c: outbox --json rows of its reports hold no other tenant's data" "$o.outbox"
    : >"$o.show"
    for case in $("$KT_PY" -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    print(json.loads(l)["case_id"])' "$o.outbox" | sort -un); do
        "$KENCHI" outbox --show --case "$case" >>"$o.show"
    done
    cmp_ok "$(grep -c '^X-Kenchi-Kind: first-report' "$o.show")" -gt 0 "$c: outbox --show prints its reports"
    leak_check "$c" "$c: the raw reports (outbox --show --case N) hold no other tenant's data" "$o.show"
    # the same rows straight from the database, in case --show filters
    "$KT_PY" - "$KENCHI_DB" "$c" >"$o.raw" <<'PY'
import sqlite3, sys
for (raw,) in sqlite3.connect(sys.argv[1]).execute(
        "SELECT raw FROM outbox WHERE customer = ? AND kind IN ('first_report', 'second_report')", (sys.argv[2],)):
    sys.stdout.buffer.write(bytes(raw) + b"\n")
PY
    leak_check "$c" "$c: every stored report row holds no other tenant's data" "$o.raw"
done

# The check itself finds a leak: plant the other tenant's host in a copy.
{ cat "$KT_TMP/out.acme.events"; printf '{"note":"%s"}\n' "$(grep -P '^hostname\t' "$KT_TMP/markers.acme" | head -1 | cut -f2)"; } >"$KT_TMP/planted"
like "$("$KT_PY" "$KT_TMP/leaks.py" "$KT_TMP/markers.acme" "$KT_TMP/planted")" "^hostname " "self-check: a planted foreign hostname is found"
"$KT_PY" -c 'import sys; sys.stdout.buffer.write("x\nアクメ株式会社 御中\n".encode("iso2022_jp"))' >"$KT_TMP/planted2"
like "$("$KT_PY" "$KT_TMP/leaks.py" "$KT_TMP/markers.globex" "$KT_TMP/planted2")" "name アクメ株式会社" "self-check: a foreign name in ISO-2022-JP is found"

done_testing
