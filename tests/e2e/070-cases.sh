#!/bin/bash
# 070-cases: correlation, deduplication, outbreaks, scoring, allow/block
# lists, tuning, and the SLA deadlines on a fixed clock (KENCHI_NOW).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kenchi.sh"
export KENCHI_NOW=2026-11-25T12:00:00Z

# A variant of a fixture: new Event ID, optional date and detection id.
# mkalert SRC OUT EVENT_ID [DATE] [DETECTION_ID] [HOST]
mkalert() {
    sed -e "s/^Event ID: .*/Event ID: $3/" -e "s/^Message-ID: .*/Message-ID: <$3@test>/" \
        ${4:+-e "s/^Date: 2026-.*/Date: $4/"} ${5:+-e "s/^Detection ID: .*/Detection ID: $5/"} \
        ${6:+-e "s/^Computer: .*/Computer: $6/" -e "/^Connector GUID:/d"} \
        -e '/^Received:/,/^[^ \t]/{/^Received:/d;/^[ \t]/d}' "$1" >"$2"
}
case_count() { sql 'select count(*) from cases'; }

# --- one detection, three events, any order -----------------------------
for f in corr-threat-quarantined corr-quarantine-failure corr-threat-detected; do
    "$KENCHI" deliver <"$FIX/mail/$f.eml" 2>/dev/null
done
is "$(case_count)" 1 "Threat Detected, Quarantine Failure and Threat Quarantined in reverse order: one case"
is "$(sql 'select events from cases')" 3 "the case counts three events"
is "$(sql 'select quarantine from cases')" quarantined "the latest outcome (quarantined after the failure) is recorded"
is "$(sql 'select count(*) from events where case_id = 1')" 3 "every event points at the case"
# An event's row is inserted once its case is placed, with its own score.
is "$(sql "select count(*) from events where priority is null or priority not glob 'P[1-4]' or score is null")" 0 \
    "every event carries its own score and priority"
is "$(sql 'select (select max(score) from events where case_id = 1) = score and score > 0 from cases where id = 1')" 1 \
    "the case's score is the highest of its events' scores"
"$KENCHI" cases --json | "$KT_PY" -c '
import json, sys
c = json.loads(sys.stdin.readline())
for k in ("id","customer","state","priority","score","events","hosts","first_seen","last_seen","first_report_due","second_report_due"):
    assert k in c, k
assert c["events"] == 3 and c["hosts"] == ["PC-TK-0231"], c
assert c["first_seen"] == "2026-11-25T03:10:05+00:00" and c["last_seen"] == "2026-11-25T03:14:40+00:00", c
assert c["second_report_due"].endswith("+00:00")
'
ok $? "cases --json carries id, customer, state, priority, score, events, hosts, seen and due times"
reasons=$("$KENCHI" case 1 --json | "$KT_PY" -c 'import json,sys; c=json.load(sys.stdin); print(len(c["score_reasons"]) > 0 and sum(r["points"] for r in c["score_reasons"]) >= c["score"], len(c["timeline"]))')
is "$reasons" "True 3" "case N shows the score's reasons (adding up to the score) and the timeline"
like "$("$KENCHI" case 1)" "quarantine failed" "the text view names the rules behind the score"

# --- repeats within the window; a new case past it --------------------
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/r1.eml" 7000000000000000001 "2026-11-25 08:00:00 UTC" 7100000000000000001
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/r2.eml" 7000000000000000002 "2026-11-25 20:00:00 UTC" 7100000000000000002
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/r3.eml" 7000000000000000003 "2026-11-27 09:00:00 UTC" 7100000000000000003
before=$(case_count)
"$KENCHI" deliver <"$KT_TMP/r1.eml" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/r2.eml" 2>/dev/null
is "$(case_count)" $((before + 1)) "the same host and file 12 h later is the same case (repeat)"
sha=$(sql "select sha256 from events where uid = 'amp:7000000000000000001'")
is "$(sql "select events from cases where file_key = '$sha'")" 2 "the repeat raised the count"
is "$(sql "select last_seen - first_seen from cases where file_key = '$sha'")" 43200 "and the last-seen time"
"$KENCHI" deliver <"$KT_TMP/r3.eml" 2>/dev/null
is "$(case_count)" $((before + 2)) "the same host and file past the 24 h window opens a new case"
# A file's cases are read week by week (store_int.h KENCHI_SQL_FILE_WEEK);
# the index's weeks begin on Thursday 00:00 UTC, as the Unix epoch did.
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/w1.eml" 7000000000000000011 "2026-11-25 22:00:00 UTC" 7100000000000000011 PC-WEEK-1
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/w2.eml" 7000000000000000012 "2026-11-26 02:00:00 UTC" 7100000000000000012 PC-WEEK-1
before=$(case_count)
"$KENCHI" deliver <"$KT_TMP/w1.eml" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/w2.eml" 2>/dev/null
is "$(case_count)|$(sql "select events from cases where hostname = 'PC-WEEK-1'")" "$((before + 1))|2" \
   "a repeat in the next week of the index (Wednesday 22:00, Thursday 02:00 UTC) is the same case"

# --- outbreak: the same file on four hosts -----------------------------
for i in 1 2 3 4; do "$KENCHI" deliver <"$FIX/mail/outbreak-$i.eml" 2>/dev/null; done
osha=a879d27fae289005c97bd8564aa57b693b0295246ad65c549d5ae9f2923d6634
is "$(sql "select count(*) from cases where file_key = '$osha'")" 4 "one case per host"
is "$(sql "select count(distinct outbreak) from cases where file_key = '$osha'")" 1 "linked as one outbreak"
last=$(sql "select max(id) from cases where file_key = '$osha'")
first=$(sql "select min(id) from cases where file_key = '$osha'")
n=$("$KENCHI" case "$first" --json | "$KT_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["hosts"]))')
is "$n" 4 "the scope (all four hosts) is visible on the first case"
like "$(sql "select tags from cases where id = $last")" outbreak "the case that made it an outbreak is tagged"

# --- an outbreak with a case that lasted days -----------------------------
# Repeats every 20 h keep host A's case going from the 1st to the 3rd
# at noon.  Host B's alert on the 3rd at 20:00 meets it in B's window though
# it began two days before (found through the index of long cases, schema
# 7); host C's, three days later, meets neither.
lsha=5eed5eed00000000000000000000000000000000000000000000000000000001
i=0
for spec in "PC-LONG-A|2026-10-01 00:00:00 UTC" "PC-LONG-A|2026-10-01 20:00:00 UTC" "PC-LONG-A|2026-10-02 16:00:00 UTC" \
	    "PC-LONG-A|2026-10-03 12:00:00 UTC" "PC-LONG-B|2026-10-03 20:00:00 UTC" "PC-LONG-C|2026-10-06 20:00:00 UTC"; do
	i=$((i + 1))
	mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/long$i.eml" $((7000000000000000200 + i)) "${spec#*|}" \
	    $((7100000000000000200 + i)) "${spec%%|*}"
	sed -i "s/^SHA-256: .*/SHA-256: $lsha/" "$KT_TMP/long$i.eml"
	"$KENCHI" deliver <"$KT_TMP/long$i.eml" 2>/dev/null
done
is "$(sql "select hostname || ':' || events || ':' || (last_seen - first_seen) from cases where file_key = '$lsha' order by id" | tr '\n' ' ')" \
   "PC-LONG-A:4:216000 PC-LONG-B:1:0 PC-LONG-C:1:0 " "three hosts, host A's case spanning 60 h"
la=$(sql "select id from cases where file_key = '$lsha' and hostname = 'PC-LONG-A'")
is "$(sql "select hostname || ':' || ifnull(outbreak, '-') from cases where file_key = '$lsha' order by id" | tr '\n' ' ')" \
   "PC-LONG-A:$la PC-LONG-B:$la PC-LONG-C:- " "a case begun two days before the window is in B's outbreak; C, past both, is not"
# A late alert of host A from the 1st at 06:00: A's case, seen until the 3rd
# at noon, is past the short cases' bound (the window's end + 24 h, the 3rd
# at 06:00) and is found among the long ones.
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/long7.eml" 7000000000000000207 "2026-10-01 06:00:00 UTC" \
    7100000000000000207 PC-LONG-A
sed -i "s/^SHA-256: .*/SHA-256: $lsha/" "$KT_TMP/long7.eml"
"$KENCHI" deliver <"$KT_TMP/long7.eml" 2>/dev/null
is "$(sql "select case_id = $la from events where uid = 'amp:7000000000000000207'"):$(sql "select events from cases where id = $la")" \
   "1:5" "a late alert inside a long case's span joins that case"

# A chain of hosts 20 h apart: the third host's window holds the second
# but not the first.  The outbreak keeps the first's id, so its scope does
# not shrink when the third comes (rc1 F2: the first dropped out), and each
# case's scope says which hosts and when, with their cases (rc1 F3).
# deliver_file TAG SHA N "HOST|DATE"...: alerts of one file, delivered in
# turn, kept as $KT_TMP/TAG1.eml...; Event IDs 7000000000000000N+1...
deliver_file() {
	local tag=$1 sha=$2 n=$3 i=0 spec
	shift 3
	for spec in "$@"; do
		i=$((i + 1))
		mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/$tag$i.eml" $((7000000000000000000 + n + i)) "${spec#*|}" \
		    $((7100000000000000000 + n + i)) "${spec%%|*}"
		sed -i "s/^SHA-256: .*/SHA-256: $sha/" "$KT_TMP/$tag$i.eml"
		"$KENCHI" deliver <"$KT_TMP/$tag$i.eml" 2>/dev/null
	done
}
csha2=5eed5eed00000000000000000000000000000000000000000000000000000002
deliver_file chain "$csha2" 450 "PC-CHAIN-A|2026-10-11 00:00:00 UTC" "PC-CHAIN-B|2026-10-11 20:00:00 UTC" \
    "PC-CHAIN-C|2026-10-12 16:00:00 UTC"
ca=$(sql "select id from cases where file_key = '$csha2' and hostname = 'PC-CHAIN-A'")
is "$(sql "select count(*) || ':' || count(distinct outbreak) || ':' || min(outbreak) from cases where file_key = '$csha2'")" \
   "3:1:$ca" "a chain of three hosts stays one outbreak, linked to its first case"
is "$("$KENCHI" case "$ca" --json | "$KT_PY" -c 'import json,sys
c = json.load(sys.stdin)
print(" ".join("%s@%s" % (s["host"], s["first_seen"][:13]) for s in c["scope"]))')" \
   "PC-CHAIN-A@2026-10-11T00 PC-CHAIN-B@2026-10-11T20 PC-CHAIN-C@2026-10-12T16" \
   "the first case's scope: each host, when"
is "$("$KENCHI" cases --json | "$KT_PY" -c 'import json,sys; print(sum("scope" in json.loads(l) for l in sys.stdin))')" 0 \
   "(a listing carries no scope: an outbreak's every case held all its hosts)"
# The chain's cases are scored from the outbreak's hosts, three, whatever
# order they came in: in date order the third's window no longer held the
# first, and they stayed "spreading" where the order C, A, B made them an
# "outbreak" (rc2 F3).
tags_of() { sql "select group_concat(tags, ' ') from (select tags from cases where file_key = '$1' order by hostname)"; }
is "$(tags_of "$csha2" | grep -o outbreak | wc -l)" 3 "date order: the chain's three cases are an outbreak"
csha3=5eed5eed00000000000000000000000000000000000000000000000000000003
for k in 3 1 2; do
	sed -e "s/^SHA-256: .*/SHA-256: $csha3/" -e "s/^Event ID: .*/Event ID: $((7000000000000000460 + k))/" \
	    -e "s/^Message-ID: .*/Message-ID: <chain-b$k@test>/" -e "/^Detection ID:/d" "$KT_TMP/chain$k.eml" |
	    "$KENCHI" deliver 2>/dev/null
done
is "$(tags_of "$csha3" | grep -o outbreak | wc -l)" 3 "the order C, A, B: the same"
is "$(sql "select group_concat(score, ' ') from (select score from cases where file_key = '$csha2' order by hostname)")" \
   "$(sql "select group_concat(score, ' ') from (select score from cases where file_key = '$csha3' order by hostname)")" \
   "and the same scores"

# Possible undetected samples: the parent of the case's file and a file the
# same parent started, seen on the machine with an Unknown disposition, are
# listed on the case, though each is a case of its own (rc1 F5: never).
psha=5eed5eed000000000000000000000000000000000000000000000000000000b1
i=0
for spec in "child.exe|5eed5eed000000000000000000000000000000000000000000000000000000c1|Malicious|$psha" \
	    "dropper.exe|$psha|Unknown|-" \
	    "sibling.dll|5eed5eed000000000000000000000000000000000000000000000000000000d1|Unknown|$psha"; do
	i=$((i + 1))
	IFS='|' read -r fname fsha disp par <<EOF2
$spec
EOF2
	mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/rel$i.eml" $((7000000000000000500 + i)) "2026-10-15 01:0$i:00 UTC" \
	    $((7100000000000000500 + i)) PC-REL-01
	sed -i -e "s/^SHA-256: .*/SHA-256: $fsha/" -e "s/^File Name: .*/File Name: $fname/" -e "s/^Disposition: .*/Disposition: $disp/" \
	    -e "s/^File Path: .*/File Path: C:\\\\Temp\\\\$fname/" "$KT_TMP/rel$i.eml"
	if [ "$par" = - ]; then sed -i -e '/^Parent /d' "$KT_TMP/rel$i.eml"
	else sed -i -e "s/^Parent SHA-256: .*/Parent SHA-256: $par/" -e "s/^Parent File Name: .*/Parent File Name: dropper.exe/" "$KT_TMP/rel$i.eml"; fi
	"$KENCHI" deliver <"$KT_TMP/rel$i.eml" 2>/dev/null
done
rc1=$(sql "select case_id from events where uid = 'amp:7000000000000000501'")
is "$("$KENCHI" case "$rc1" --json | "$KT_PY" -c 'import json,sys
c = json.load(sys.stdin)
print(c["parent_chain"], c["possible_undetected"])')" \
   "['dropper.exe -> child.exe'] ['dropper.exe (the parent, case $((rc1 + 1)))', 'sibling.dll (a sibling, case $((rc1 + 2)))']" \
   "a case lists its file's parent and sibling with an Unknown disposition, from their own cases"

# On a busy machine the parent is the case nearest in time, not among the
# 64 oldest: 70 other detections first (rev94 #12: none was listed).
for i in $(seq 1 70); do
	mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/busy.eml" $((7000000000000000600 + i)) "2026-10-16 0$((i / 60)):$(printf %02d $((i % 60))):00 UTC" \
	    $((7100000000000000600 + i)) PC-REL-02
	sed -i -e "s/^SHA-256: .*/SHA-256: $(printf '5eed%060d' $i)/" -e "s/^Disposition: .*/Disposition: Malicious/" "$KT_TMP/busy.eml"
	"$KENCHI" deliver <"$KT_TMP/busy.eml" 2>/dev/null
done
for spec in "dropper.exe|$psha|Unknown|-|71" "child.exe|5eed5eed000000000000000000000000000000000000000000000000000000c2|Malicious|$psha|72"; do
	IFS='|' read -r fname fsha disp par n <<EOF2
$spec
EOF2
	mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/busy$n.eml" $((7000000000000000600 + n)) "2026-10-16 02:0$((n - 70)):00 UTC" \
	    $((7100000000000000600 + n)) PC-REL-02
	sed -i -e "s/^SHA-256: .*/SHA-256: $fsha/" -e "s/^File Name: .*/File Name: $fname/" -e "s/^Disposition: .*/Disposition: $disp/" \
	    "$KT_TMP/busy$n.eml"
	if [ "$par" = - ]; then sed -i -e '/^Parent /d' "$KT_TMP/busy$n.eml"
	else sed -i -e "s/^Parent SHA-256: .*/Parent SHA-256: $par/" -e "s/^Parent File Name: .*/Parent File Name: dropper.exe/" "$KT_TMP/busy$n.eml"; fi
	"$KENCHI" deliver <"$KT_TMP/busy$n.eml" 2>/dev/null
done
bc=$(sql "select case_id from events where uid = 'amp:7000000000000000672'")
like "$("$KENCHI" case "$bc" --json | "$KT_PY" -c 'import json,sys; print(json.load(sys.stdin)["possible_undetected"])')" \
   "dropper.exe \\(the parent" "on a machine with 70 other cases, the parent just before the file is listed"

# A closed case does not take new events: the same host and file an hour
# later opens a second case, and one host with two cases is no outbreak.
csha=c105ed00000000000000000000000000000000000000000000000000000000c1
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/closed1.eml" 7000000000000000251 "2026-10-10 08:00:00 UTC" \
    7100000000000000251 PC-CLOSED-A
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/closed2.eml" 7000000000000000252 "2026-10-10 09:00:00 UTC" \
    7100000000000000252 PC-CLOSED-A
sed -i "s/^SHA-256: .*/SHA-256: $csha/" "$KT_TMP/closed1.eml" "$KT_TMP/closed2.eml"
"$KENCHI" deliver <"$KT_TMP/closed1.eml" 2>/dev/null
sql "update cases set state = 'closed' where file_key = '$csha'" >/dev/null
"$KENCHI" deliver <"$KT_TMP/closed2.eml" 2>/dev/null
is "$(sql "select state || ':' || ifnull(outbreak, '-') from cases where file_key = '$csha' order by id" | tr '\n' ' ')" \
   "closed:- open:- " "a closed case and the next one of the same host are two cases, not an outbreak"

# Two open cases of one host and file can both meet an event's window: one
# on the 1st, one on the 4th (three days apart), then a late alert of the
# 2nd at 12:00 (a case of its own: both are more than 24 h away), then one
# of the 3rd at 06:00, within 24 h of the 2nd's case and of the 4th's.  It
# is a repeat of both, so they are one case, as in date order (rc1 F1: it
# joined the 4th's and the 2nd's stayed a case of its own): the younger is
# merged into the older, closed, with a note on the one that took it.
tsha=7a0ca5e500000000000000000000000000000000000000000000000000000002
i=0
for d in "2026-10-20 00:00:00 UTC" "2026-10-23 00:00:00 UTC" "2026-10-21 12:00:00 UTC" "2026-10-22 06:00:00 UTC"; do
	i=$((i + 1))
	mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/two$i.eml" $((7000000000000000300 + i)) "$d" \
	    $((7100000000000000300 + i)) PC-TWO-A
	sed -i "s/^SHA-256: .*/SHA-256: $tsha/" "$KT_TMP/two$i.eml"
	"$KENCHI" deliver <"$KT_TMP/two$i.eml" 2>/dev/null
done
is "$(sql "select events || ':' || datetime(first_seen, 'unixepoch') || '-' || datetime(last_seen, 'unixepoch') from cases where file_key = '$tsha' order by id" | tr '\n' ' ')" \
   "1:2026-10-20 00:00:00-2026-10-20 00:00:00 3:2026-10-21 12:00:00-2026-10-23 00:00:00 0:2026-10-21 12:00:00-2026-10-21 12:00:00 " \
   "an event that two open cases of its host could take merges them"
two=$(sql "select id from cases where file_key = '$tsha' order by id" | tr '\n' ' ')
set -- $two
is "$(sql "select state || ':' || merged_into from cases where id = $3")" "closed:$2" "the younger case is closed, merged into the older"
is "$(sql "select count(*) from events where case_id = $3")" 0 "its events are the older case's"
like "$("$KENCHI" case "$2")" "case $3 merged into this one" "the case that took it says so"
# Three open cases of one machine and file in one event's window (made
# apart under a 2 h window, then the window widened to 24 h): the event
# merges all three, not two (rc2 F10).
sed 's/^correlation_window = .*/correlation_window = 2h/' "$KENCHI_CONF" >"$KT_TMP/2h.conf"
tsha3=7a0ca5e500000000000000000000000000000000000000000000000000000003
for n in 1 2 3 4; do
	mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/three$n.eml" $((7000000000000000480 + n)) \
	    "2026-10-29 0$((n == 4 ? 5 : n * 3 - 2)):00:00 UTC" $((7100000000000000480 + n)) PC-THREE-A
	sed -i "s/^SHA-256: .*/SHA-256: $tsha3/" "$KT_TMP/three$n.eml"
	KENCHI_CONF=$([ $n = 4 ] && echo "$KENCHI_CONF" || echo "$KT_TMP/2h.conf") "$KENCHI" deliver <"$KT_TMP/three$n.eml" 2>/dev/null
done
is "$(sql "select group_concat(state || ':' || events, ' ') from (select state, events from cases where file_key = '$tsha3' order by id)")" \
   "open:4 closed:0 closed:0" "an event within the window of three open cases of its machine merges all three"
is "$(sql "select count(distinct merged_into) || ':' || min(merged_into = (select id from cases where file_key = '$tsha3'
    and state = 'open')) from cases where file_key = '$tsha3' and state = 'closed'")" "1:1" \
   "each merged case points at the one that goes on, not at another merged one (rc3 F8)"
# An event that goes to a case by its detection id, outside its window, is
# a repeat of the machine's case in the window all the same: they are one
# (rc3 F3: two cases, and two first reports).
dsha=de7ec7de00000000000000000000000000000000000000000000000000000003
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/det1.eml" 7000000000000000491 "2026-11-01 02:00:00 UTC" 7100000000000000491 PC-DET-A
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/det2.eml" 7000000000000000492 "2026-10-30 00:00:00 UTC" 7100000000000000777 PC-DET-A
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/det3.eml" 7000000000000000493 "2026-10-31 06:00:00 UTC" 7100000000000000777 PC-DET-A
for n in 1 2 3; do
	sed -i "s/^SHA-256: .*/SHA-256: $dsha/" "$KT_TMP/det$n.eml"
	"$KENCHI" deliver <"$KT_TMP/det$n.eml" 2>/dev/null
done
is "$(sql "select group_concat(state || ':' || events, ' ') from (select state, events from cases where file_key = '$dsha' order by id)")" \
   "open:3 closed:0" "an event placed by its detection id merges the machine's case in its window"
# An event that joins groups of linked cases that were apart scores them
# all with the hosts they have together: {A, B} and {D}, then C between
# them; in date order all four are an outbreak (rc3 F1: A, B and D were not).
jsha=501e501e00000000000000000000000000000000000000000000000000000004
deliver_file join "$jsha" 900 "PC-JOIN-A|2026-11-02 00:00:00 UTC" "PC-JOIN-B|2026-11-02 20:00:00 UTC" \
    "PC-JOIN-D|2026-11-04 12:00:00 UTC" "PC-JOIN-C|2026-11-03 16:00:00 UTC"
is "$(tags_of "$jsha" | grep -o outbreak | wc -l)" 4 "an event that joins two outbreaks makes all their cases one outbreak's"

# The merged case holds no event: an outbreak's scope does not list its
# machine a second time (rc2 F9).  Host A 40 h after T0 then at T0 (late),
# host B an hour after T0, then A's alert of T0 + 20 h merges A's two.
fsha=f9f9f9f900000000000000000000000000000000000000000000000000000009
deliver_file f9- "$fsha" 470 "PC-F9-A|2026-10-26 16:00:00 UTC" "PC-F9-A|2026-10-25 00:00:00 UTC" \
    "PC-F9-B|2026-10-25 01:00:00 UTC" "PC-F9-A|2026-10-25 20:00:00 UTC"
fb=$(sql "select id from cases where file_key = '$fsha' and hostname = 'PC-F9-B'")
is "$(sql "select count(*) from cases where file_key = '$fsha' and state = 'closed' and merged_into is not null")" 1 \
   "(host A's two cases were merged)"
is "$("$KENCHI" case "$fb" --json | "$KT_PY" -c 'import json,sys
print(" ".join(sorted(s["host"] for s in json.load(sys.stdin)["scope"])))')" "PC-F9-A PC-F9-B" \
   "the outbreak's scope lists each machine once, not the merged case's"

# --- allow list: kept, suppressed, not reported ------------------------
"$KENCHI" allow add --customer acme sha256 D75897FCA301560DBCDB94B113EBEE8AA64B1D3EC7F761D40293F5464C5B9311 --note "in-house tool" >/dev/null
is $? 0 "allow add"
like "$("$KENCHI" allow list --customer acme)" "d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311" "allow list shows the normalized hash"
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/a1.eml" 7000000000000000010 "2026-12-05 08:00:00 UTC" 7100000000000000010
"$KENCHI" deliver <"$KT_TMP/a1.eml" 2>/dev/null
cid=$(sql "select case_id from events where uid = 'amp:7000000000000000010'")
is "$(sql "select state || '|' || reportable from cases where id = $cid")" "suppressed|0" "an allow-listed file: the event is kept, the case suppressed"
like "$(sql "select suppressed_reason from cases where id = $cid")" "allow list: sha256" "with the reason"
"$KENCHI" allow add --customer acme nonsense x >/dev/null 2>&1
is $? 64 "an unknown list kind is a usage error"
"$KENCHI" allow add --customer acme sha256 abc >/dev/null 2>&1
is $? 64 "a malformed hash is refused"

# --- block list: escalated ----------------------------------------------
"$KENCHI" block add --customer globex domain evil.example >/dev/null
mkalert "$FIX/mail/evt-dfc.eml" "$KT_TMP/b1.eml" 7000000000000000020
sed -i 's|^URL: .*|URL: http://cdn.evil.example/payload.bin|' "$KT_TMP/b1.eml"
"$KENCHI" deliver <"$KT_TMP/b1.eml" 2>/dev/null
cid=$(sql "select case_id from events where uid = 'amp:7000000000000000020'")
is "$(sql "select escalated || '|' || priority from cases where id = $cid")" "1|P1" "a block-listed domain escalates the case to P1"
id=$("$KENCHI" block list --json | "$KT_PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
"$KENCHI" block remove "$id" >/dev/null
is "$("$KENCHI" block list | wc -l)" 0 "block remove"
# A network: an address inside it escalates; an entry that can never match
# is refused (rc1 F6: 203.0.113.0/24 and 999.1.1.1 were taken, and escalated nothing).
"$KENCHI" block add --customer globex ip 198.51.100.9/24 >/dev/null
is "$("$KENCHI" block list --json | "$KT_PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["value"])')" \
    198.51.100.0/24 "a block ip entry may be a network, kept by its own address"
mkalert "$FIX/mail/evt-dfc.eml" "$KT_TMP/b2.eml" 7000000000000000021 "" "" PC-NET-02
"$KENCHI" deliver <"$KT_TMP/b2.eml" 2>/dev/null
cid=$(sql "select case_id from events where uid = 'amp:7000000000000000021'")
like "$(sql "select escalated || '|' || priority || '|' || tags from cases where id = $cid")" '^1[|]P1[|].*"blocklisted"' \
    "a remote address inside a block-listed network escalates"
"$KENCHI" block add --customer globex ip 999.1.1.1 >/dev/null 2>&1
is $? 64 "an address that is none is refused"
"$KENCHI" block add --customer globex url 'not a url' >/dev/null 2>&1
is $? 64 "a URL with no host is refused"

# --- tuning: recorded, not reported; tune lists candidates -------------
cat >"$KT_TMP/tuning.conf" <<CONF
[customer acme]
recipients = soc+acme@soc.example.jp
tuning_until = 2026-12-31
CONF
mkalert "$FIX/mail/en-qp.eml" "$KT_TMP/t1.eml" 7000000000000000030 "" 7100000000000000030
mkalert "$FIX/mail/en-qp.eml" "$KT_TMP/t2.eml" 7000000000000000031 "" 7100000000000000031 OTHER-PC
KENCHI_DB=$KT_TMP/tune.db "$KENCHI" -c "$KT_TMP/tuning.conf" deliver <"$KT_TMP/t1.eml" 2>/dev/null
KENCHI_DB=$KT_TMP/tune.db "$KENCHI" -c "$KT_TMP/tuning.conf" deliver <"$KT_TMP/t2.eml" 2>/dev/null
is "$(KENCHI_DB=$KT_TMP/tune.db sql "select group_concat(distinct state) || '|' || sum(reportable) from cases")" "tuning|0" "a customer in tuning: cases recorded, not reported"
out=$(KENCHI_DB=$KT_TMP/tune.db "$KENCHI" -c "$KT_TMP/tuning.conf" tune --customer acme --json)
like "$out" '"events":2,"hosts":2' "tune groups the candidates with counts of events and hosts"
like "$out" 'kenchi allow add --customer acme sha256' "and gives the command that registers them"
# A detection name is the alert's text: the command tune suggests quotes it
# for the shell it is pasted into (round rs1 F1: bare quotes around
# "X'$(touch f)'Y" ran touch, and registered XY).
sed -e "/^SHA-256:/d" -e "s/^Detection: .*/Detection: Win.Trojan.X'\$(touch \/tmp\/kenchi-tune-pwned-$$)'Y/" \
    "$KT_TMP/t1.eml" | sed -e "s/^Event ID: .*/Event ID: 7000000000000000033/" -e "s/^Message-ID: .*/Message-ID: <tq@test>/" |
    KENCHI_DB=$KT_TMP/tune.db "$KENCHI" -c "$KT_TMP/tuning.conf" deliver 2>/dev/null
cmd=$(KENCHI_DB=$KT_TMP/tune.db "$KENCHI" -c "$KT_TMP/tuning.conf" tune --customer acme --json |
    "$KT_PY" -c 'import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if "sha256" not in o: print(o["command"])')
kenchi() { KENCHI_DB=$KT_TMP/tune.db "$KENCHI" -c "$KT_TMP/tuning.conf" "$@"; }
eval "$cmd" >/dev/null 2>&1
is "$?|$([ -e /tmp/kenchi-tune-pwned-$$ ] && echo ran || echo not run)" "0|not run" "tune's command, pasted into a shell, runs nothing the detection name holds"
rm -f /tmp/kenchi-tune-pwned-$$
is "$(KENCHI_DB=$KT_TMP/tune.db sql "select value from lists where kind = 'detection'")" "Win.Trojan.X'\$(touch /tmp/kenchi-tune-pwned-$$)'Y" \
    "and registers the name exactly"
is "$(KENCHI_DB=$KT_TMP/tune.db "$KENCHI" -c "$KT_TMP/tuning.conf" tune --customer acme --json | grep -c detection.*Win.Trojan)" 0 \
    "a candidate registered already is no longer listed (rs1 F9)"
mkalert "$FIX/mail/en-qp.eml" "$KT_TMP/t3.eml" 7000000000000000032 "" 7100000000000000032 LAST-PC
{ printf 'Received: by mx.soc.example.jp; Thu, 31 Dec 2026 23:59:00 +0900\n'; cat "$KT_TMP/t3.eml"; } |
    KENCHI_NOW=2027-01-01T00:01:00+09:00 KENCHI_DB=$KT_TMP/tune.db "$KENCHI" -c "$KT_TMP/tuning.conf" deliver 2>/dev/null
is "$(KENCHI_DB=$KT_TMP/tune.db sql "select state from cases where hostname = 'LAST-PC'")" tuning \
    "an alert that arrived on the tuning's last day, stored after midnight, is in tuning (round 43b D6)"

# --- calendar: second-report deadlines on a fixed clock ---------------
due() {   # due NOW-ISO -> the second-report deadline of a fresh alert, in JST
    local db=$KT_TMP/due-$RANDOM.db
    mkalert "$FIX/mail/en-base64.eml" "$KT_TMP/d.eml" 7000000000000000099
    KENCHI_NOW=$1 KENCHI_DB=$db "$KENCHI" deliver <"$KT_TMP/d.eml" 2>/dev/null
    KENCHI_DB=$db sql "select strftime('%Y-%m-%d %H:%M', second_report_due + 9*3600, 'unixepoch') || '|' || (first_report_due - arrival) from cases"
}
is "$(due 2026-10-16T20:00:00+09:00)" "2026-10-19 18:00|3600" "Friday 20:00 JST is due Monday 18:00; the first report in 1 h"
is "$(due 2026-09-18T10:00:00+09:00)" "2026-09-24 18:00|3600" "Friday 2026-09-18 is due 2026-09-24 18:00 (three holidays)"
is "$(due 2026-12-28T10:00:00+09:00)" "2027-01-04 18:00|3600" "Monday 2026-12-28 is due 2027-01-04 18:00 (year-end closure)"
is "$(due 2026-11-25T23:30:00Z)" "2026-11-27 18:00|3600" "23:30 UTC is already the next day in JST"
jdb=$KT_TMP/due-jst.db
KENCHI_NOW=2026-11-25T23:30:00Z KENCHI_DB=$jdb "$KENCHI" deliver <"$KT_TMP/d.eml" 2>/dev/null
like "$(KENCHI_NOW=2026-11-25T23:40:00Z KENCHI_DB=$jdb "$KENCHI" due | sed -n 2p)" " 2026-11-27 18:00 JST +[0-9]+h" \
    "kenchi due shows the second deadline in JST, as the service promises it (round 43b D2)"
like "$(KENCHI_DB=$jdb "$KENCHI" case 1)" \
    "second report due: 2026-11-27T09:00:00\+00:00 \(2026-11-27 18:00 JST\)" "kenchi case gives both"
out=$("$KENCHI" due)
like "$out" "LEFT" "kenchi due lists open work with the time left"
# On a terminal a breach is coloured; not on one that has no colours
# (TERM=dumb: rs1 F9 saw the escapes), nor with NO_COLOR.
ondue() { TERM=$1 script -qec "env KENCHI_NOW=2026-11-28T00:00:00Z KENCHI_DB=$jdb $2 '$KENCHI' due" /dev/null | grep -c $'\033\\['; }
[ "$(ondue xterm)" -ge 1 ]
ok $? "kenchi due on a terminal colours a breached deadline"
is "$(ondue dumb)|$(ondue xterm NO_COLOR=1)" "0|0" "but not on a terminal with TERM=dumb, nor with NO_COLOR"

# --- rules check covers the scoring rules -------------------------------
mkdir -p "$KT_TMP/dd/data/extractors"
cp -r "$KT_TOP/data/." "$KT_TMP/dd/data/"
printf 'rule "bad" if severity =~ "(" then add 5\n' >"$KT_TMP/dd/data/scoring.rules"
err=$(KENCHI_DATADIR=$KT_TMP/dd "$KENCHI" rules check 2>&1)
is $? 78 "rules check fails on a bad scoring rule"
like "$err" "scoring.rules:1:" "with file:line"
cp "$KT_TOP/data/scoring.rules" "$KT_TMP/dd/data/scoring.rules"
printf '# banners\n^\\[EXTERNAL\\]\n^【(社外\n' >"$KT_TMP/dd/data/reply-banners"
err=$(KENCHI_DATADIR=$KT_TMP/dd "$KENCHI" rules check 2>&1)
is $? 78 "rules check fails on a bad reply-banner pattern"
like "$err" "reply-banners:3: offset [0-9]+: missing closing parenthesis" "with file:line and PCRE2's message"
printf '(?i)^\\s*(?:caution|close)\\b\n' >"$KT_TMP/dd/data/reply-banners"
err=$(KENCHI_DATADIR=$KT_TMP/dd "$KENCHI" rules check 2>&1)
is $? 78 "rules check fails on a banner pattern that matches a command line (round 41a)"
like "$err" "reply-banners:1: the pattern matches the command line \"close" "and names the line"

# --- score reasons are JSON whatever the rule's name ------------------
# A rule name is any text of the rules file: Japanese, a quote, backslashes.
cp "$KT_TOP/data/scoring.rules" "$KT_TMP/dd/data/scoring.rules"
cp -r "$KT_TOP/templates" "$KT_TMP/dd/"
printf '\nrule "サーバー \\"q\\" \\\\ x"\n  then add 1, tag jp-rule\n' >>"$KT_TMP/dd/data/scoring.rules"
jdb=$KT_TMP/json-reasons.db
KENCHI_DATADIR=$KT_TMP/dd KENCHI_DB=$jdb "$KENCHI" deliver <"$FIX/mail/en-plain.eml" 2>/dev/null
is "$(KENCHI_DB=$jdb sql 'select score_reasons from cases' | "$KT_PY" -c '
import json, sys
print(json.loads(sys.stdin.read())[-1]["rule"])')" 'サーバー "q" \\ x' \
   "score reasons are stored as JSON, a Japanese rule name with a quote and backslashes included"
is "$(KENCHI_DB=$jdb sql 'select tags from cases' | "$KT_PY" -c 'import json, sys; print(json.loads(sys.stdin.read()))')" \
   "['jp-rule']" "tags are stored as JSON"

# hour_jst and weekday_jst: Wednesday 17:30 UTC is Thursday 02:30 in Japan.
printf '\nrule "jst night" if hour_jst in 0..5 and weekday_jst == 4 then tag jst-night\n' >>"$KT_TMP/dd/data/scoring.rules"
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/jst1.eml" 7000000000000000301 "2026-11-25 17:30:00 UTC" 7100000000000000301
mkalert "$FIX/mail/en-plain.eml" "$KT_TMP/jst2.eml" 7000000000000000302 "2026-11-25 03:00:00 UTC" 7100000000000000302 PC-JST-2
jstdb=$KT_TMP/jst.db
for f in jst1 jst2; do KENCHI_DATADIR=$KT_TMP/dd KENCHI_DB=$jstdb "$KENCHI" deliver <"$KT_TMP/$f.eml" 2>/dev/null; done
is "$(KENCHI_DB=$jstdb sql "select group_concat(tags like '%jst-night%', ' ') from (select tags from cases order by id)")" "1 0" \
   "hour_jst and weekday_jst are the time in Japan (02:30 Thursday), not UTC's (17:30 Wednesday)"

# --- concurrency: one detection delivered by 3 processes at once -------
cdb=$KT_TMP/conc.db
# Each delivery retries on 75 as an MTA does: three processes creating a
# fresh database at once may find it busy (that is the contract, not a loss).
for f in corr-threat-quarantined corr-quarantine-failure corr-threat-detected; do
    (
        for try in $(seq 20); do
            KENCHI_DB=$cdb "$KENCHI" deliver <"$FIX/mail/$f.eml" 2>/dev/null
            [ $? -eq 75 ] || break
            sleep 0.2
        done
    ) &
done
wait
is "$(KENCHI_DB=$cdb sql 'select count(*) || "|" || sum(events) from cases')" "1|3" "concurrent ingest of one detection: one case, three events"

# A listing's host column is cut at a character, not a byte (rt28: a
# Japanese name ended in half a character).
sed -e "s/^Computer: .*/Computer: 経理部の山田さんのパソコン/" -e "/^Connector GUID:/d" -e "s/^Event ID: .*/Event ID: 7000000000000000499/" \
    -e "s/^Message-ID: .*/Message-ID: <wide@test>/" "$FIX/mail/en-plain.eml" | "$KENCHI" deliver 2>/dev/null
"$KENCHI" cases | "$KT_PY" -c 'import sys; t = sys.stdin.buffer.read().decode("utf-8"); assert "経理部の山田さん" in t, t'
ok $? "kenchi cases cuts a wide host name at a character, within its column"
"$KENCHI" due | "$KT_PY" -c 'import sys; sys.stdin.buffer.read().decode("utf-8")'
ok $? "and so does kenchi due"

# A listing for a customer the configuration does not know says so: a typo
# listed nothing, and said nothing (rc1).
like "$("$KENCHI" cases --customer acmee 2>&1 >/dev/null)" 'customer "acmee" is not in the configuration' \
    "cases --customer with an unknown customer warns"
is "$("$KENCHI" cases --customer acme 2>&1 >/dev/null)" "" "(and a known one does not)"
done_testing
