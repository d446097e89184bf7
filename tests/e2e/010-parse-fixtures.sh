#!/bin/bash
# 010-parse-fixtures: `kenchi parse --json` over the whole fixture corpus
# against fixtures/expected.tsv (kind, event count and field checks), and
# the parse contract itself.
. "$(dirname "$0")/../lib/tap.sh"
KENCHI=${KENCHI:-$KT_TOP/kenchi}
export KENCHI_DATADIR=${KENCHI_DATADIR:-$KT_TOP}

# One TAP line per fixture, from the checker.
out=$("$KT_PY" "$KT_LIB/check_expected.py" "$KENCHI" "$KT_TOP/fixtures" "$KT_TOP/fixtures/expected.tsv" -c "$KT_TOP/contrib/kenchi.conf.sample")
n=$(printf '%s\n' "$out" | grep -c '^ok ')
bad=$(printf '%s\n' "$out" | grep -c '^not ok ')
total=$(printf '%s\n' "$out" | sed -n 's/^1\.\.//p')
is "$n" "$total" "every fixture parses as expected ($n/$total)"
[ "$bad" -eq 0 ] || diag "$(printf '%s\n' "$out" | grep -A30 '^not ok' | head -60)"

# Layouts the reference does not show (fixtures/variants): the extractors
# are judged on mail they have not seen.
out=$("$KT_PY" "$KT_LIB/check_expected.py" "$KENCHI" "$KT_TOP/fixtures/variants" "$KT_TOP/fixtures/variants/expected.tsv")
is "$(printf '%s\n' "$out" | grep -c '^not ok ')" 0 "layout variants parse as expected (column tables, kanji dates, other labels, double quoting, subject tags, <pre>, extra cells, address lists, preambles, no-event mail)"
# Mail written for review (fixtures/variants/field/README): the leniencies
# against one another.
out=$("$KT_PY" "$KT_LIB/check_expected.py" "$KENCHI" "$KT_TOP/fixtures/variants/field" "$KT_TOP/fixtures/variants/field/expected.tsv")
is "$(printf '%s\n' "$out" | grep -c '^not ok ')" 0 "review mail parses as expected (forward chains, digest sections, two labels of one field, wrapped values)"
printf '%s\n' "$out" | grep -A3 '^not ok ' | sed 's/^/# /'
printf '%s\n' "$out" | grep -A10 '^not ok' | head -30 | sed 's/^/# /'
# Whose each event is, with the config beside the files (a report to the
# wrong customer is a leak).
out=$("$KT_PY" "$KT_LIB/check_expected.py" "$KENCHI" "$KT_TOP/fixtures/variants/customers" \
    "$KT_TOP/fixtures/variants/customers/expected.tsv" -c "$KT_TOP/fixtures/variants/customers/kenchi.conf")
is "$(printf '%s\n' "$out" | grep -c '^not ok ')" 0 "customers by group (one pattern within another's, names normalized) and mailbox, none when they name two"
printf '%s\n' "$out" | grep -A3 '^not ok ' | sed 's/^/# /'
out=$("$KT_PY" "$KT_LIB/check_expected.py" "$KENCHI" "$KT_TOP/fixtures/variants/customers/wide" \
    "$KT_TOP/fixtures/variants/customers/wide/expected.tsv" -c "$KT_TOP/fixtures/variants/customers/wide/kenchi.conf")
is "$(printf '%s\n' "$out" | grep -c '^not ok ')" 0 "wide patterns: the mailbox breaks a tie, a written-out address within a glob wins"
printf '%s\n' "$out" | grep -A3 '^not ok ' | sed 's/^/# /'

# An HTML part with no charset in its header, in the charset its <meta>
# tag names: decoded exactly, so no "charset not decoded exactly" reason.
is "$("$KENCHI" parse --json "$KT_TOP/fixtures/variants/field/zm47-saved-by-blink-mhtml.mhtml" | grep -c '"reason":null')" 1 \
    "an HTML part is read in its <meta> tag's charset, exactly"

# The contract: one compact JSON object per file, in order, with file/kind/reason/events.
lines=$("$KENCHI" parse --json "$KT_TOP/fixtures/mail/en-plain.eml" "$KT_TOP/fixtures/mail/notalert-personal.eml" | wc -l)
is "$lines" 2 "one JSON line per input file"
obj=$("$KENCHI" parse --json "$KT_TOP/fixtures/mail/en-plain.eml")
"$KT_PY" - "$obj" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
assert set(o) == {"file", "kind", "reason", "events"}, o.keys()
e = o["events"][0]
assert e["id"] == 6455442249407791104 and isinstance(e["id"], int)   # > 2^53, exact
assert e["computer"]["network_addresses"][0]["ip"] == "192.168.10.31"
assert e["source"] == "mail" and e["fingerprint"]
PY
ok $? "parse output keeps the contract's members and the 64-bit id exactly"

"$KENCHI" parse "$KT_TOP/fixtures/mail/broken-empty.eml" >/dev/null
is $? 65 "parse exits 65 when a file is an error"
"$KENCHI" parse "$KT_TOP/fixtures/mail/en-plain.eml" >/dev/null
is $? 0 "parse exits 0 on good input"
"$KENCHI" parse /nonexistent/file.eml | grep -q '"kind":"error"'
ok $? "an unreadable file is an error object, not a crash"
"$KENCHI" parse >/dev/null 2>&1
is $? 64 "parse without files is a usage error"

# Customers from the configuration: recipient, then AMP group.
cust=$("$KENCHI" -c "$KT_TOP/contrib/kenchi.conf.sample" parse "$KT_TOP/fixtures/mail/en-8bit.eml" | "$KT_PY" -c 'import json,sys; print(json.load(sys.stdin)["events"][0]["customer"])')
is "$cust" globex "customer recognised from the recipient address"
cust=$("$KENCHI" parse "$KT_TOP/fixtures/mail/en-8bit.eml" | "$KT_PY" -c 'import json,sys; print(json.load(sys.stdin)["events"][0]["customer"])')
is "$cust" unassigned "without configuration the customer is unassigned"
cust=$("$KENCHI" parse --customer acme "$KT_TOP/fixtures/mail/en-8bit.eml" | "$KT_PY" -c 'import json,sys; print(json.load(sys.stdin)["events"][0]["customer"])')
is "$cust" acme "--customer overrides"
cust=$("$KENCHI" -c "$KT_TOP/contrib/kenchi.conf.sample" parse "$KT_TOP/fixtures/variants/field/za04-digest-first-event-without-group.eml" | "$KT_PY" -c 'import json,sys; print(" ".join(e["customer"] for e in json.load(sys.stdin)["events"]))')
is "$cust" "acme acme" "a digest whose first event names no group is the customer of the group a later event names"

# An event type is given by the API's name of its id, whatever name the
# mail used: an older one, another case (scoring rules use the API's).
out=$("$KENCHI" parse "$KT_TOP/fixtures/mail/digest-en.eml" "$KT_TOP/fixtures/mail/evt-retrospective.eml" | "$KT_PY" -c 'import json,sys
print(" | ".join(e["event_type"] for l in sys.stdin for e in json.loads(l)["events"]))')
is "$out" "Threat Detected | Executed malware | Cloud IOC | Threat Quarantined | Cloud IOC | Cloud Recall Detection" "aliases and other cases of event type names become the API's names"

# A saved API error answer says what failed; JSON that is no events is
# foreign, not broken.
out=$("$KENCHI" parse "$KT_TOP/fixtures/api/api-error.json" "$KT_TOP/fixtures/api/audit-log.ndjson")
like "$out" '"kind":"error","reason":"the API answered with an error 401: Unauthorized \(Unknown API key or Client ID\)' "an API error answer is an error quoting the API"
like "$out" '"kind":"not_alert","reason":"JSON with no event objects in it: not events \(3 line' "JSON lines with no event are not an alert"
# A poller's log: 1.8 MB of "0 new events" lines before its first event.
poll=$KT_TMP/poller.log
ev=$(sed -n 1p "$KT_TOP/fixtures/api/events.ndjson")
yes '2026-11-26T01:00:00Z INFO poll: 0 new events since the last run' | head -n 30000 >"$poll"
printf '2026-11-26T09:00:00Z INFO event %s\n' "$ev" >>"$poll"
like "$("$KENCHI" parse "$poll")" '"kind":"alert","reason":null,"events":\[\{"event_type":"Threat Detected"' "an event after 1.8 MB of a poller's log lines is read"
out=$("$KENCHI" parse "$KT_TOP/fixtures/variants/field/zh03-curl-v-401-answer.txt" "$KT_TOP/fixtures/variants/field/zh04-curl-i-empty-page.txt")
like "$out" '"kind":"error","reason":"the API answered with an error 401: Unauthorized' "the API's error answer inside curl -v output is an error quoting the API"
like "$out" '"kind":"not_alert","reason":"an API page with no events' "an empty page after curl -i's head is not an alert"
# A mail whose text is an API page is no alert (a mail quoting an old event
# would report it again), but its reason says what it holds.
like "$("$KENCHI" parse "$KT_TOP/fixtures/variants/field/zl07-mail-text-api-page.eml")" \
    '"kind":"not_alert","reason":"[^"]*its text holds API JSON with 1 event\(s\), not read from a mail' \
    "a mail whose text is API JSON says so in its reason"
# And so does one that attaches it: an application/json file, a .json file
# sent as octet-stream, a forwarded message whose body is JSON (rt27 A31-A33).
out=$("$KENCHI" parse "$KT_TOP"/fixtures/variants/field/r99-a3[123]-*.eml)
like "$out" '"kind":"not_alert","reason":"[^"]*its attachment \(events-20261125T0745Z\.json\) holds API JSON with 2 event\(s\), not read from a mail \(save the attachment and import it' \
    "a JSON attachment's events are named in the reason"
like "$out" '"reason":"[^"]*its attachment \(amp_stream_0745\.json\) holds API JSON with 2 event\(s\)' \
    "a .json file sent as octet-stream, NDJSON, too"
like "$out" '"reason":"[^"]*its attachment \(application/json\) holds API JSON with 1 event\(s\)' \
    "a forwarded message whose body is JSON, too"
# A compressed mailbox or an archive is said for what it is (intake round
# ri1 F9: "not a MIME message" alone, for an import of *.mbox.gz).
gzip -c "$KT_TOP/fixtures/mbox/sample.mbox" >"$KT_TMP/sample.mbox.gz"
like "$("$KENCHI" parse "$KT_TMP/sample.mbox.gz")" '"kind":"error","reason":"not a MIME message: gzip-compressed data \(unpack it' \
    "a gzip-compressed mbox is an error that says it is compressed"
# Events whose id is no 64-bit integer (a float, a negative one, jq's
# exponent form) are kept without it, and the reason says so (intake round
# ri1 F6: they went without a word; rt31 P23, P10: refused, a jq stream's
# every event was lost).
like "$("$KENCHI" parse "$KT_TOP/fixtures/variants/field/r99-ri1-odd-ids.ndjson")" \
    '"kind":"alert","reason":"2 event\(s\) kept without their id: not a 64-bit integer"' \
    "NDJSON: the events kept without their ids are counted in the reason"
like "$("$KENCHI" parse "$KT_TOP/fixtures/variants/field/r105-p23-ndjson-jq-exponent-ids.ndjson")" \
    '"kind":"alert","reason":"3 event\(s\) kept without their id: not a 64-bit integer"' \
    "NDJSON written by jq 1.6: every event is kept, without its rounded id"

# Mail kenchi cannot open says what it holds, for the person who must
# (rt30 S02-S04: only "no event block found").
for f in r104-s02-smime-compressed-data:"S/MIME compressed part" r104-s03-pgp-mime-encrypted:"PGP/MIME encrypted part" \
    r104-s04-message-partial-1-of-2:"message sent in pieces"; do
    like "$("$KENCHI" parse --json "$KT_TOP/fixtures/variants/field/${f%%:*}.eml")" \
        "\"kind\":\"error\",\"reason\":\"[^\"]*it holds [^\"]*${f#*:}[^\"]*, which kenchi cannot read" "${f%%:*}: the reason names what it holds"
done

# fixtures/generate.py writes the corpus above: a file added or edited by
# hand would be lost the next time it runs.
cp -r "$KT_TOP/fixtures" "$KT_TMP/regen"
"$KT_PY" "$KT_TMP/regen/generate.py" >/dev/null 2>&1
out=$(diff -rq "$KT_TOP/fixtures" "$KT_TMP/regen" 2>&1)
is "$out" "" "fixtures/generate.py writes every committed fixture as it is"

# Bad rules are reported with file:line and PCRE2's message, exit 78.
mkdir -p "$KT_TMP/data/extractors" "$KT_TMP/templates"
cp "$KT_TOP/data/event-types.tsv" "$KT_TMP/data/"
printf 'rule bad\nfrom (unclosed\nline ^(?<label>x)(?<value>y)$\nfield nowhere.field X\nalert_subject [x\nopening (x\n' >"$KT_TMP/data/extractors/bad.rules"
err=$(KENCHI_DATADIR=$KT_TMP "$KENCHI" rules check 2>&1)
is $? 78 "rules check exits 78 on a bad rules file"
like "$err" "bad.rules:2: bad pattern: offset [0-9]+: missing closing parenthesis" "bad pattern reported at file:line with PCRE2's message"
like "$err" "bad.rules:4: unknown field" "every error is reported, not just the first"
like "$err" "bad.rules:5: bad pattern: .*missing terminating \\]" "an alert_subject pattern is checked too"
like "$err" "bad.rules:6: bad pattern" "an opening pattern is checked too"
"$KENCHI" rules check >/dev/null
is $? 0 "the shipped rules check clean"

done_testing
