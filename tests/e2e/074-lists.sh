#!/bin/bash
# 074-lists: what `kenchi allow|block add` stores, and what an entry
# matches.  The CLI reads a value as a reply's allow: and block: do - a
# path as a report prints it, defanged indicators, a trailing dot, IDN -
# and refuses what could never match, with the reason (round rs1 F2).  An
# ip entry matches a URL whose host is that address, and an IPv4-mapped
# IPv6 address as its IPv4 (F4).  URLs and hosts are compared in their
# canonical form, the stored entry's too (F6).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kenchi.sh"
export KENCHI_NOW=2026-11-26T00:00:00Z
FP='C:\Users\kobayashi\AppData\Local\Updater\updater.exe'   # evt-dfc's path

# fresh: a new database of its own for the next check, counted in a file:
# the checks run in $(...).
fresh() {
    local n=$(($(cat "$KT_TMP/n" 2>/dev/null || echo 0) + 1))
    echo "$n" >"$KT_TMP/n"
    export KENCHI_DB=$KT_TMP/l$n.db
    "$KENCHI" block list >/dev/null
}
# deliver_dfc [URL] [REMOTE_IP]: globex's DFC alert, with its URL and
# remote address replaced; prints its case's "state|escalated".
deliver_dfc() {
    local ed=(-e '')
    [ -n "${1:-}" ] && ed+=(-e "s|^URL: .*|URL: $1|")
    [ -n "${2:-}" ] && ed+=(-e "s|^Remote IP: .*|Remote IP: $2|")
    sed "${ed[@]}" "$FIX/mail/evt-dfc.eml" >"$KT_TMP/dfc.eml"
    "$KENCHI" deliver <"$KT_TMP/dfc.eml" 2>/dev/null
    sql "select state || '|' || escalated from cases"
}
# after LIST KIND VALUE [URL] [REMOTE_IP]: the entry added by the CLI to a
# fresh database, then the alert: its case's "state|escalated", or
# "rc=N" when the entry was refused.
after() {
    local list=$1 kind=$2 value=$3 rc
    shift 3
    fresh
    "$KENCHI" "$list" add --customer globex "$kind" "$value" >/dev/null 2>"$KT_TMP/add.err"
    rc=$?
    [ "$rc" -eq 0 ] || { echo "rc=$rc"; return; }
    deliver_dfc "$@"
}
# stored KIND VALUE [URL] [REMOTE_IP]: the same with a block entry stored as
# an older version stored it: as typed.
stored() {
    local kind=$1 value=$2
    shift 2
    fresh
    sql "insert into lists (list, customer, kind, value, created_at) values ('block', 'globex', '$kind', '$value', 0)"
    deliver_dfc "$@"
}
# listed LIST: the value of the entry of the last check's database.
listed() { KENCHI_DB=$KT_TMP/l$(cat "$KT_TMP/n").db "$KENCHI" "$1" list --json | "$KT_PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["value"])'; }

# --- F2: the CLI reads a path as a reply does -------------------------------
is "$(deliver_dfc)" "open|0" "(the alert alone is neither suppressed nor escalated)"
is "$(after allow path 'c[:]\Users\kobayashi\AppData\Local\Updater\updater.exe')" "suppressed|0" \
    "allow add path takes c[:]\\ as a report prints the path (rs1 F2: stored as typed, it matched nothing)"
is "$(listed allow)" "$FP" "and stores the path as AMP writes it"
is "$(after allow path 'C:/Users/kobayashi/AppData/Local/Updater/updater.exe')" "suppressed|0" \
    "a path written with slashes is the path with backslashes"
is "$(after allow path 'C:¥Users¥kobayashi¥AppData¥Local¥Updater¥updater.exe')" "suppressed|0" \
    "a yen sign (Shift_JIS text) is a backslash"
is "$(after allow path 'C:￥Users￥kobayashi￥AppData￥Local￥Updater￥updater.exe')" "suppressed|0" \
    "so is the full-width yen sign"
is "$(after allow path 'C:\\Users\\kobayashi\\AppData\\Local\\Updater\\updater.exe')" "suppressed|0" \
    "doubled backslashes (a path pasted from JSON) are one"
is "$(after allow path "\"$FP\"")" "suppressed|0" "the quotes around a pasted path are not the path's"

# --- F2: defanged, dotted and international indicators ---------------------
after block url 'hxxp://cdn-update[.]example-bad[.]net/gate.php?id=PC-NG-0310' >/dev/null
is "$(listed block)" "http://cdn-update.example-bad.net/gate.php?id=PC-NG-0310" "block add url refangs hxxp:// and [.]"
is "$(after block url 'hxxp://evil[.]example[.]com/dl/payload.exe' 'http://evil.example.com/dl/payload.exe')" "open|1" \
    "and the refanged entry escalates the URL (rs1 F2: stored defanged, it matched nothing)"
is "$(after block url 'evil.example.com/dl/payload.exe')" "rc=64" "a URL without a scheme is refused"
like "$(cat "$KT_TMP/add.err")" 'a URL with a scheme' "with the reason"
is "$(after block domain 'evil.example.com.' 'http://dl.evil.example.com/x')" "open|1" \
    "a domain's trailing dot is dropped"
is "$(after block domain 'evil[.]example[.]com' 'http://dl.evil.example.com/x')" "open|1" "a defanged domain is refanged"
is "$(after block domain 'Evil.Example.COM' 'http://dl.evil.example.com/x')" "open|1" "a domain is lower-cased"
after block domain '悪い.Example.JP.' >/dev/null
is "$(listed block)" "xn--n8j107l.example.jp" "an international domain is stored as punycode"
is "$(after block domain 198.51.100.77 '' 198.51.100.77)" "rc=64" "an IP address as a domain is refused"
like "$(cat "$KT_TMP/add.err")" 'an IP address: use .*ip' "with a hint to add it as ip"
is "$(after block ip '198.51.100[.]77')" "open|1" "a defanged address is refanged"
after block ip '::FFFF:198.51.100.77' >/dev/null
is "$(listed block)" "198.51.100.77" "an IPv4-mapped address is stored as its IPv4"
is "$(after block ip 198.51.100.9/24)" "open|1" "a network is still taken by the CLI"
is "$(after block ip 10.0.0.0/4)" "rc=64" "a network wider than /8 is refused"
like "$(cat "$KT_TMP/add.err")" 'no wider than /8' "with the reason"

# --- F4: an ip entry and URLs, mapped addresses -----------------------------
is "$(after block ip 203.0.113.7 'http://203.0.113.7/x.exe')" "open|1" \
    "an ip entry matches a URL whose host is that address (rs1 F4)"
is "$(after block ip 203.0.113.7 'http://203.0.113.7:8080/x.exe')" "open|1" "with a port too"
is "$(after block ip 2001:db8::7 'http://[2001:db8::7]/x.exe')" "open|1" "an IPv6 address in brackets"
is "$(after block ip 2001:db8::/32 'http://[2001:DB8:0::7]:8443/x.exe')" "open|1" "inside a network"
is "$(after block ip 203.0.113.7 'http://203.0.113.70/x.exe')" "open|0" "not another address"
is "$(after block ip 203.0.113.7 'http://example.com/203.0.113.7')" "open|0" "nor one in the path"
is "$(after block ip 198.51.100.77 '' '::ffff:198.51.100.77')" "open|1" \
    "an IPv4 entry matches the IPv4-mapped remote address"
is "$(stored ip '::ffff:198.51.100.77' '' 198.51.100.77)" "open|1" "and a mapped entry, stored as typed, the IPv4"
is "$(after block ip 198.51.100.0/24 '' '::ffff:198.51.100.77')" "open|1" "and an IPv4 network the mapped address"
fresh
sed 's|^Remote IP: .*|Remote IP: ::ffff:198.51.100.77|' "$FIX/mail/evt-dfc.eml" >"$KT_TMP/dfc.eml"
like "$("$KENCHI" parse "$KT_TMP/dfc.eml")" '"remote_ip":"::ffff:198.51.100.77"' \
    "kenchi parse prints the event's address as it was"

# --- F6: URLs and domains compared canonical --------------------------------
is "$(after block url 'http://evil.example.com/' 'http://evil.example.com')" "open|1" \
    "an empty path is / (rs1 F6)"
is "$(after block url 'http://evil.example.com' 'http://evil.example.com/')" "open|1" "either way round"
is "$(after block url 'http://evil.example.com:80/a' 'http://evil.example.com/a')" "open|1" "the default port is dropped"
is "$(after block url 'https://evil.example.com/a' 'https://EVIL.example.com:443/a')" "open|1" "https's too"
is "$(after block url 'http://evil.example.com/a' 'http://evil.example.com:8080/a')" "open|0" "another port is another URL"
is "$(after block url 'http://evil.example.com/a' 'http://evil.example.com/a#frag')" "open|1" "a fragment is dropped"
is "$(after block url 'http://evil.example.com/a' 'http://user@evil.example.com/a')" "open|1" "and the userinfo"
is "$(after block url 'http://evil.example.com/a' 'http://evil.example.com./a')" "open|1" "and the host's trailing dot"
is "$(after block url 'http://evil.example.com/DL/A.EXE' 'http://evil.example.com/dl/a.exe')" "open|0" \
    "a path is compared with its case (RFC 3986)"
is "$(after block url 'http://evil.example.com/a' 'http://evil.example.com/a?x=1')" "open|0" \
    "an entry without a query is not the URL with one"
is "$(stored url 'hxxp://Evil[.]Example.com:80' 'http://evil.example.com/')" "open|1" \
    "an entry an older version stored as typed is compared canonical too"
is "$(after block domain evil.example.com 'http://dl.evil.example.com./a')" "open|1" \
    "a domain matches a host with a trailing dot"
is "$(stored domain '悪い.example.jp' 'http://xn--n8j107l.example.jp/x')" "open|1" "an international domain its punycode"
is "$(after block domain xn--n8j107l.example.jp 'http://悪い.example.jp/x')" "open|1" "and punycode the international host"
is "$(after block domain example.com 'http://badexample.com/x')" "open|0" "not a name that only ends like it"

# A customer's list shows the entries of every customer ("*") too: they
# apply to it (rs1 F9: hidden).
fresh
"$KENCHI" allow add --customer '*' detection Every.Customer.FP >/dev/null 2>&1
"$KENCHI" allow add --customer globex detection Globex.FP >/dev/null 2>&1
"$KENCHI" allow add --customer acme detection Acme.FP >/dev/null 2>&1
is "$("$KENCHI" allow list --customer globex --json | "$KT_PY" -c 'import json, sys
print(" ".join(json.loads(l)["value"] for l in sys.stdin))')" "Globex.FP Every.Customer.FP" \
    "allow list --customer shows its own entries and those of every customer, not another's"

done_testing
