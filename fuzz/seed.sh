#!/bin/sh
# seed.sh: build the seed corpora from fixtures/ into BUILDDIR/seeds/TARGET.
#
#   fuzz/seed.sh [BUILDDIR]          (default /tmp/kfuzz)
#
# Seeds are regenerated on every call (they are derived data); what a
# campaign discovers goes to BUILDDIR/corpus/TARGET, which this script never
# touches.  Every saved regression (fixtures/fuzz-regressions/TARGET-*) is a
# seed of its target too, so each run replays them first.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/kfuzz}
fx=$top/fixtures
s=$out/seeds

rm -rf "$s"
mkdir -p "$s/mime" "$s/apijson" "$s/rules" "$s/scoring" "$s/template" "$s/commands"

# mime: every mail fixture, the maildir and mbox ones, and the API JSON
# (ingest sniffs JSON before MIME).
for f in "$fx"/mail/*.eml "$fx"/api/*; do
	[ -f "$f" ] && cp "$f" "$s/mime/"
done
find "$fx/maildir" "$fx/mbox" -type f 2>/dev/null | while read -r f; do
	cp "$f" "$s/mime/$(echo "${f#"$fx"/}" | tr / _)"
done

# apijson: the API fixtures, and the bodies of a few small ones cut down.
for f in "$fx"/api/*; do
	cp "$f" "$s/apijson/"
done
printf '[]' > "$s/apijson/empty-array"
printf '{"data":[{"id":1,"event_type":"Threat Detected","date":"2024-01-01T00:00:00+00:00"}]}' > "$s/apijson/minimal-page"
printf '{"id":9223372036854775807}\n{"id":"x"}\n\n{' > "$s/apijson/ndjson-mixed"

# rules: each shipped file alone, and all of them as one file (a labels
# file alone is an error; together they are the working rule set).
for f in "$top"/data/extractors/*.rules; do
	cp "$f" "$s/rules/"
done
cat "$top"/data/extractors/*.rules > "$s/rules/all-in-one.rules"
cat > "$s/rules/capture.rules" <<'EOR'
rule cap
from ^alerts@example\.com$
capture ^Host (?<computer__hostname>\S+) hash (?<file__identity__sha256>[0-9a-f]{64})$
separator ^-{3,}$
field event_type Event|イベント
EOR

# scoring: the shipped rules, whole and one rule per seed.
cp "$top/data/scoring.rules" "$s/scoring/scoring.rules"
awk -v dir="$s/scoring" '
	/^rule / { n++ }
	n > 0 { print > (dir "/rule-" n) }
' "$top/data/scoring.rules"
cat > "$s/scoring/operators" <<'EOR'
rule "ops"
  if (count >= 2 and hosts in 1..5) or not exists detection
     or computer.network_addresses[0].ip in [10.0.0.0/8, fd00::/8]
     or file.file_name =~ "(?i)\.exe$" or customer not in ["a", "b"]
  then add 10, set score 50, priority P2, tag t, escalate, stop
EOR

# template: each report template and explanations file, in each escaping
# mode (the first byte of an input picks it: 0 text, 1 header, 2 HTML,
# 3 text keeping newlines).
for f in "$top"/templates/* "$top"/data/explanations.*; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	for m in 0 1 2 3; do
		{ printf "\\00$m"; cat "$f"; } > "$s/template/$b.mode$m"
	done
done
printf '\001{{case.hostname}} {{#events}}{{@index}}:{{date|jst}}{{^@last}}, {{/@last}}{{/events}}' > "$s/template/header-loop"
printf '\002{{#nested}}{{#.}}{{.|html|upper}}{{/.}}{{/nested}}{{nested.1.a.b.c|default:x}}' > "$s/template/nested"

# commands: bodies of replies to an analyst notice.
c=$s/commands
printf 'verdict: malicious high\nstate: contained\nreason: executed from Downloads\n' > "$c/verdict"
printf 'priority: P1\nassign: analyst1@soc.example.jp\nnote: called the customer\n  continued line\n\n-- \nsig\n' > "$c/priority-note"
printf 'allow: sha256 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\nblock: url HTTPS://Evil.Example/x\nblock: ip ::ffff:10.0.0.1\nblock: domain bücher.example\n' > "$c/lists"
printf 'merge: #123\nclose\nreopen\nsend: second-report\nhelp\n' > "$c/merge-close"
printf 'summary: 不審なファイルを隔離しました\r\naction: isolated\r\nprevention: none\r\n> quoted\r\n' > "$c/crlf-ja"
printf 'verdict: benign\nstate: a\000b\nfoo: bar\n' > "$c/nul"
i=0
while [ $i -lt 120 ]; do echo "note: $i"; i=$((i + 1)); done > "$c/over-limit"

# Regressions replay first, in their own target.
if [ -d "$fx/fuzz-regressions" ]; then
	for f in "$fx"/fuzz-regressions/*-*; do
		[ -f "$f" ] || continue
		b=$(basename "$f")
		t=${b%%-*}
		[ -d "$s/$t" ] && cp "$f" "$s/$t/regression-$b"
	done
fi
for t in mime apijson rules scoring template commands; do
	printf 'seed.sh: %-9s %s seeds\n' "$t" "$(ls "$s/$t" | wc -l)"
done
