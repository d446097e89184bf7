#!/bin/bash
# 072-case-scoring: a case's score and deadlines do not depend on the order
# its events arrive in; an outbreak scores all of its cases; events that
# share only their type are no outbreak; one machine with and without its
# GUID is one host, two GUIDs of one name two, and one with and without its
# domain one; a block list hit outweighs an
# allow list entry, and allow add suppresses the cases it covers whose
# first report has not gone out, withdrawing that report; the notices of
# a consolidated report are one thread; the arrival is
# the top Received when that can be true (rounds 43a, 43b, 44 and 45).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kenchi.sh"
export KENCHI_NOW=2026-11-24T01:05:00Z
S1=d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311
G1=be298a4a-0f1e-57d1-b27f-d51c302b8f64
S2=2222222222222222222222222222222222222222222222222222222222222222

# mail RECEIVED TYPE EVENT_ID DATE HOST GUID|- SHA|- DETECTION|- DETECTION_ID|-
mail() {
    local rcvd=$1 t=$2 id=$3 d=$4 h=$5 g=$6 s=$7 det=$8 did=$9
    printf 'Received: from mail-out1.amp.cisco.com by mx.soc.example.jp for <soc+acme@soc.example.jp>; %s\n' "$rcvd"
    [ -n "${BELOW:-}" ] && printf 'Received: from esa1.amp.cisco.com by gw.amp.cisco.com; %s\n' "$BELOW"
    [ -n "${DATEHDR:-}" ] && printf 'Date: %s\n' "$DATEHDR"
    printf 'Message-ID: <%s@amp.test>\nFrom: Cisco <no-reply@amp.cisco.com>\nTo: soc+acme@soc.example.jp\n' "$id"
    printf 'Subject: [Cisco AMP for Endpoints Subscription] Matching Events Found On %s\n\n' "$h"
    printf 'Cisco AMP for Endpoints has detected 1 event:\n\nEvent Type: %s\nEvent ID: %s\nDate: %s UTC\nComputer: %s\n' \
        "$t" "$id" "$d" "$h"
    [ "$g" != - ] && printf 'Connector GUID: %s\n' "$g"
    printf 'Severity: %s\n' "${SEV:-High}"
    [ "$det" != - ] && printf 'Detection: %s\n' "$det"
    [ "$did" != - ] && printf 'Detection ID: %s\n' "$did"
    [ "$s" != - ] && printf 'Disposition: Malicious\nFile Name: x.exe\nFile Path: %s\nSHA-256: %s\n' "${FPATH:-C:\\Users\\u\\x.exe}" "$s"
    printf '\nCisco Systems, Inc.\n'
}
R='Tue, 24 Nov 2026 01:00:30 +0000'
td() { mail "$R" "Threat Detected" 1001 "2026-11-24 01:00:00" PC-A $G1 $S1 W32.GenericKD.1201 777; }
tq() { mail "$R" "Threat Quarantined" 1002 "2026-11-24 01:00:10" PC-A $G1 $S1 W32.GenericKD.1201 777; }
qf() { mail "$R" "Quarantine Failure" 1003 "2026-11-24 01:00:05" PC-A $G1 $S1 W32.GenericKD.1201 777; }
fresh() { rm -f "$KENCHI_DB" "$KENCHI_DB"-wal "$KENCHI_DB"-shm; }
score_of() { sql "select score || ' ' || priority || ' ' || score_reasons from cases where id = ${1:-1}"; }

# --- one detection: the same score in any order --------------------------
fresh; td | "$KENCHI" deliver 2>/dev/null; tq | "$KENCHI" deliver 2>/dev/null
a=$(score_of)
fresh; tq | "$KENCHI" deliver 2>/dev/null; td | "$KENCHI" deliver 2>/dev/null
is "$(score_of)" "$a" "Threat Detected then Threat Quarantined scores as the reverse order does"
like "$a" '"quarantined","points":-30' "and a quarantined detection ranks low, with the reason shown"
is "$(sql 'select priority from cases')" P4 "(P4)"
fresh; td | "$KENCHI" deliver 2>/dev/null; qf | "$KENCHI" deliver 2>/dev/null; tq | "$KENCHI" deliver 2>/dev/null
a=$(score_of)
fresh; tq | "$KENCHI" deliver 2>/dev/null; qf | "$KENCHI" deliver 2>/dev/null; td | "$KENCHI" deliver 2>/dev/null
is "$(score_of)" "$a" "the detection triple scores the same in reverse order"
like "$a" "quarantine failed" "and the failure is among its reasons"

# --- what ran stays ranked when its file is quarantined ----------------------
fresh
mail "$R" "Executed malware" 1101 "2026-11-24 01:00:00" PC-A $G1 $S1 W32.GenericKD.1201 - | "$KENCHI" deliver 2>/dev/null
td | "$KENCHI" deliver 2>/dev/null; tq | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select priority || " " || quarantine from cases')" "P1 quarantined" \
    "executed malware, then its file detected and quarantined: still P1 (round 44: it fell to P3)"

# --- a high-ranking type with no severity (an API page may leave it out) -----
fresh
SEV=- mail "$R" "Executed malware" 1102 "2026-11-24 01:00:00" PC-NS $G1 $S1 W32.GenericKD.1201 - | "$KENCHI" deliver 2>/dev/null
is "$(sql "select count(*) from events where json_extract(json, '$.severity') is null")" 1 "(the event has no severity)"
like "$(sql 'select priority from cases')" '^P[12]$' "executed malware with no severity still ranks high (it was P3)"

# --- repeats score the same in any order ------------------------------------
rep() { mail "$R" "Threat Detected" $1 "$2" PC-R $G1 $S1 W32.GenericKD.1201 - | "$KENCHI" deliver 2>/dev/null; }
fresh; rep 1201 "2026-11-24 18:30:00"; rep 1202 "2026-11-24 03:00:00"; rep 1203 "2026-11-24 04:00:00"
a=$(score_of)
fresh; rep 1202 "2026-11-24 03:00:00"; rep 1201 "2026-11-24 18:30:00"; rep 1203 "2026-11-24 04:00:00"
is "$(score_of)" "$a" "three repeats, one of them off hours: the same score whichever came first (round 44)"

# --- past 64 events, a case keeps the evidence of the event that had it -------
# One DFC detection reaches a public address once; it shows on two more
# hosts (an outbreak's points for what comes after), then calls out through
# the proxy 65 times: the case is scored from the event of each type that
# scores best alone (round 45: it lost the outbound points at its 65th
# event, to repeats that had come with the outbreak's).
fresh
{
    printf 'Received: from mail-out1.amp.cisco.com by mx.soc.example.jp; %s\n' "$R"
    printf 'Message-ID: <dfc@amp.test>\nFrom: Cisco <no-reply@amp.cisco.com>\nTo: soc+acme@soc.example.jp\n'
    printf 'Subject: [Cisco AMP for Endpoints Subscription] Matching Events Found On PC-E\n\n'
    printf 'Cisco AMP for Endpoints has detected 68 events:\n'
    for i in $(seq 0 67); do
        host=PC-E ip=10.20.0.5 guid=$G1
        [ $i = 0 ] && ip=203.0.113.50
        [ $i = 1 ] && host=PC-F guid=${G1%?}1
        [ $i = 2 ] && host=PC-G guid=${G1%?}2
        printf '\nEvent Type: DFC Threat Detected\nEvent ID: %s\nDate: 2026-11-24 00:%02d:00 UTC\nComputer: %s\n' $((9000 + i)) $i $host
        printf 'Connector GUID: %s\nSeverity: Medium\nDetection: W32.DFC.MalParent\nRemote IP: %s\n' $guid $ip
    done
    printf '\nCisco Systems, Inc.\n'
} | "$KENCHI" deliver 2>/dev/null
is "$(sql "select events || ' ' || (tags like '%outbound%') from cases where hostname = 'PC-E'")" "66 1" \
    "66 events of one case, the first to a public address: the case keeps its outbound points"

# --- an outbreak: its first host scores as its last ------------------------
fresh
for i in 1 2 3; do
    mail "$R" "Threat Detected" 200$i "2026-11-24 01:0$i:00" PC-W$i - $S1 W32.GenericKD.1201 - | "$KENCHI" deliver 2>/dev/null
done
is "$(sql 'select group_concat(score, " ") from cases')" "60 60 60" \
    "three hosts with one file: each case has the outbreak's points, the first one's too"
is "$(sql "select count(*) from cases where tags like '%outbreak%'")" 3 "and its tag"
fresh
for i in 1 2; do
    mail "$R" "Threat Detected" 210$i "2026-11-24 01:0$i:00" PC-V$i - $S1 W32.GenericKD.1201 - | "$KENCHI" deliver 2>/dev/null
done
SEV=Critical mail "$R" "Executed malware" 2103 "2026-11-24 01:03:00" PC-V3 - $S1 W32.GenericKD.1201 - | "$KENCHI" deliver 2>/dev/null
is "$(sql "select count(*) from cases where tags like '%outbreak%'")" 3 \
    "the third host scoring 100 with or without the outbreak's points still makes the first two an outbreak (round 44)"

# --- the same event type on several hosts is no outbreak --------------------
fresh
for i in 1 2 3; do
    mail "$R" "Uninstall" 300$i "2026-11-24 01:0$i:00" PC-U$i - - - - | "$KENCHI" deliver 2>/dev/null
done
is "$(sql 'select count(*) from cases where outbreak is not null')" 0 \
    "three connectors uninstalled on three hosts: not linked as an outbreak"
is "$(sql 'select group_concat(score, " ") from cases')" "90 90 90" "nor scored as one (no spreading points)"
mail "$R" "Uninstall" 3004 "2026-11-24 01:04:00" PC-U1 - - - - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select count(*) || " " || max(events) from cases')" "3 2" "a repeat on one host is still that host's case"

# --- one machine, with and without its connector's GUID ---------------------
fresh
mail "$R" "Threat Detected" 7001 "2026-11-24 01:00:00" PC-GX-78 $G1 $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7002 "2026-11-24 01:10:00" pc-gx-78 - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select count(*) || " " || max(events) from cases')" "1 2" \
    "an alert without the GUID, of the hostname an alert with it gave: the same machine, one case"
mail "$R" "Threat Detected" 7003 "2026-11-24 01:20:00" PC-GX-79 - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7004 "2026-11-24 01:30:00" PC-GX-79 $G1-b $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select group_concat(events, " ") from cases')" "2 2" "and the other way round: the GUID's alert joins the hostname's case"
is "$(sql 'select count(*) from cases')" 2 "two machines, two cases"
fresh
G2=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
mail "$R" "Threat Detected" 7101 "2026-11-24 01:00:00" DESKTOP-7H2K9QF - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7102 "2026-11-24 01:10:00" DESKTOP-7H2K9QF $G1 $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7103 "2026-11-24 01:20:00" DESKTOP-7H2K9QF $G2 $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select group_concat(events, " ") from cases')" "2 1" \
    "two GUIDs of one hostname are two machines: the alert without one joined the first, never both (round 44)"
mail "$R" "Threat Detected" 7104 "2026-11-24 01:30:00" DESKTOP-7H2K9QF - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select group_concat(events, " ") from cases')" "2 1 1" "and one without a GUID after both belongs to neither"
is "$(sql "select count(*) from cases where tags like '%outbreak%'")" 0 "nor counts as a third host (round 45)"

# --- one machine, with and without its domain --------------------------------
fresh
mail "$R" "Threat Detected" 7201 "2026-11-24 01:00:00" PC-GX-77 - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7202 "2026-11-24 01:10:00" PC-GX-77.globex.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select count(*) || " " || max(events) from cases')" "1 2" \
    "a hostname with its domain, and without: one machine, one case (round 43a F7)"
mail "$R" "Threat Detected" 7203 "2026-11-24 01:20:00" pc-gx-77 - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select count(*) || " " || max(events) from cases')" "1 3" "(and again without it)"
unlike "$(sql 'select tags from cases')" "outbreak" "not counted as two hosts (round 46 D9)"
fresh
mail "$R" "Threat Detected" 7211 "2026-11-24 01:00:00" PC-D.a.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7212 "2026-11-24 01:10:00" PC-D.b.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7213 "2026-11-24 01:20:00" PC-D - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select group_concat(events, " ") from cases')" "1 1 1" \
    "two domains with one machine name are two machines, and the name alone joins neither"
mail "$R" "Threat Detected" 7214 "2026-11-24 01:30:00" PC-D.a.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select group_concat(events, " ") from cases')" "2 1 1" "(each with its domain is its own)"
fresh
mail "$R" "Threat Detected" 7215 "2026-11-24 01:00:00" PC-D - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7216 "2026-11-24 01:10:00" PC-D.a.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7217 "2026-11-24 01:20:00" PC-D.b.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select group_concat(events || " " || hostname, ", ") from cases')" "2 PC-D.a.local, 1 PC-D.b.local" \
    "the bare name first: it joins the first domain's machine, the case takes that name, the other domain is another machine (round 47: all three joined)"
fresh
mail "$R" "Threat Detected" 7218 "2026-11-24 01:00:00" PC-T.corp.local. - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7219 "2026-11-24 01:10:00" pc-t.corp.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select count(*) || " " || max(events) from cases')" "1 2" "a hostname with the root's trailing dot is the same machine (round 47)"
fresh
"$KENCHI" allow add --customer acme host PC-LAB-01 >/dev/null
mail "$R" "Threat Detected" 7221 "2026-11-24 01:00:00" PC-LAB-01.acme.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select state from cases')" suppressed "the host allow entry PC-LAB-01 covers PC-LAB-01.acme.local (round 43a F7)"
fresh
mail "$R" "Threat Detected" 7223 "2026-11-24 01:00:00" PC-Q - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7224 "2026-11-24 01:10:00" PC-Q.acme.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
like "$("$KENCHI" allow add --customer acme host PC-Q.acme.local)" "1 open case\\(s\\) suppressed" \
    "an entry with the domain covers the case whose first alert named the machine without it (round 49)"
fresh
"$KENCHI" allow add --customer acme host PC-Q.acme.local >/dev/null
mail "$R" "Threat Detected" 7225 "2026-11-24 01:00:00" PC-Q.acme.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7226 "2026-11-24 01:10:00" PC-Q - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select count(*) || " " || state || " " || events from cases')" "1 suppressed 2" \
    "and the machine's later alert without the domain, in that case, is allowed too"
fresh
mail "$R" "Threat Detected" 7227 "2026-11-24 01:00:00" PC-W.acme.local - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 7228 "2026-11-24 01:10:00" ＰＣ－Ｗ．ａｃｍｅ。ｌｏｃａｌ - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select count(*) || " " || events || " " || hostname from cases')" "1 2 PC-W.acme.local" \
    "a name retyped in full-width forms, with the ideographic full stop, is the same machine (round 49)"
like "$("$KENCHI" allow add --customer acme host ＰＣ－Ｗ．ａｃｍｅ．ｌｏｃａｌ)" "host PC-W.acme.local" \
    "and an allow entry typed so is stored as the machine reports its name"
is "$(sql 'select state from cases')" suppressed "(and covers it)"
fresh
SEV=Medium mail "$R" "Threat Detected" 7229 "2026-11-24 01:00:00" PC-X1 - $S2 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
SEV=Medium mail "$R" "Threat Detected" 7230 "2026-11-24 01:00:00" PC-X2 - $S2 W32.Auto.in03.Talos - |
    sed 's/soc+acme@/soc+globex@/g' | "$KENCHI" deliver 2>/dev/null
like "$("$KENCHI" allow add --customer '*' sha256 $S2)" "suppressed, .*: [0-9]+ \\(acme\\) [0-9]+ \\(globex\\)" \
    "an entry for every customer says whose cases it suppressed (round 49: the ids alone)"
fresh
"$KENCHI" allow add --customer acme host '*.lab.local' >/dev/null
mail "$R" "Threat Detected" 7222 "2026-11-24 01:00:00" PC-9 - $S1 W32.Auto.in03.Talos - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select state from cases')" open "but *.lab.local does not cover PC-9, a name without a domain (round 47: it did)"

# --- ransomware is not hidden by an allow entry ------------------------------
fresh
"$KENCHI" allow add --customer acme host 'PC-LAB-*' >/dev/null
mail "$R" "Potential Ransomware" 4101 "2026-11-24 01:00:00" PC-LAB-07 - $S1 W32.Ransom.1201 - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select state || " " || priority || " " || escalated from cases')" "open P1 1" \
    "Potential Ransomware on an allow-listed host is escalated and reported (round 48)"

# --- a block list hit outweighs an allow list entry --------------------------
fresh
"$KENCHI" allow add --customer acme host PC-LAB-02 >/dev/null
"$KENCHI" block add --customer acme sha256 $S1 >/dev/null
mail "$R" "Threat Detected" 4001 "2026-11-24 01:00:00" PC-LAB-02 - $S1 W32.GenericKD.1201 - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select state || " " || priority || " " || escalated from cases')" "open P1 1" \
    "a blocked file on an allow-listed host is escalated and reported, not suppressed"
is "$(sql "select count(*) from outbox where kind = 'first_report'")" 1 "its first report is queued"

# --- an allow entry added after its case: unsent reports withdrawn --------
fresh
mail "$R" "Threat Detected" 8001 "2026-11-24 01:00:00" PC-FA $G1 $S1 W32.Tool.1201 - | "$KENCHI" deliver 2>/dev/null
mail "$R" "Threat Detected" 8002 "2026-11-24 01:00:00" PC-FB - 0000000000000000000000000000000000000000000000000000000000000001 W32.Other - |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select cases from outbox where kind = 'first_report'")" "1 2" "(the two cases share one consolidated report)"
n1=$(sql "select message_id from outbox where kind = 'notice' and case_id = 1")
n2=$(sql "select cast(raw as text) from outbox where kind = 'notice' and case_id = 2" | tr -d '\r')
like "$n2" "In-Reply-To: <$n1>" "the notice of a case that joins a consolidated report answers the lead case's notice: one thread (round 43a)"
like "$n2" "References: <$n1>" "(References too)"
like "$n2" "Reply-To: soc\+case-2-" "and keeps its own case's reply address"
unlike "$(sql "select cast(raw as text) from outbox where kind = 'notice' and case_id = 1")" "In-Reply-To" "(the lead's notice starts the thread)"
mid=$(sql "select message_id from outbox where kind = 'first_report'")
out=$("$KENCHI" allow add --customer acme sha256 $S1)
like "$out" "allow: 1 open case\\(s\\) suppressed, and taken out of their unsent first report: 1$" \
    "allow add suppresses the open case the entry covers, and no other (round 43a F6: its report went out)"
is "$(sql 'select state || " " || reportable from cases where id = 1')" "suppressed 0" "the case is suppressed"
like "$(sql 'select suppressed_reason from cases where id = 1')" "^allow list: sha256 $S1 \\(entry 1, added after the case\\)" \
    "with the entry as its reason"
is "$(sql "select state || ' ' || cases || ' ' || message_id from outbox where kind = 'first_report'")" "pending 2 $mid" \
    "the consolidated report keeps the other case, and its Message-ID"
is "$(sql "select case_id from outbox where kind = 'first_report'")" 2 \
    "and is led by it: a customer's reply to it is that case's (round 47: it went to the suppressed one)"
is "$(sql "select group_concat(case_id || ' ' || state, ', ') from outbox where kind = 'notice'")" "1 withdrawn, 2 pending" \
    "the suppressed case's unsent notice is withdrawn, the other's is not (round 47)"
raw=$(sql "select raw from outbox where kind = 'first_report'")
like "$raw" "PC-FB" "and is rendered again with it"
unlike "$raw" "PC-FA" "without the suppressed case"
unlike "$("$KENCHI" due 2>&1)" "PC-FA" "the suppressed case is no longer due"
"$KENCHI" allow add --customer acme host PC-FB >/dev/null
is "$(sql "select state from outbox where kind = 'first_report'")" withdrawn \
    "a report whose every case is suppressed is withdrawn"
like "$("$KENCHI" outbox 2>&1)" "withdrawn" "and kenchi outbox shows it so"
is "$("$KENCHI" send >/dev/null 2>&1; sql "select state from outbox where kind = 'first_report'")" withdrawn \
    "a send leaves a withdrawn report alone"
rel=$("$KENCHI" outbox release "$(sql "select id from outbox where kind = 'first_report'")" 2>&1); rrc=$?
isnt "$rrc" 0 "a withdrawn report is not released"
like "$rel" "withdrawn" "(and the refusal says why: $rel)"
like "$("$KENCHI" allow remove 1)" "allow: 1 case\\(s\\) it suppressed stay suppressed .*: 1$" \
    "allow remove names the cases the entry suppressed, which stay so (round 47: it said nothing)"

fresh
mail "$R" "Threat Detected" 8011 "2026-11-24 01:00:00" PC-FD $G1 $S1 W32.Tool.1201 - | "$KENCHI" deliver 2>/dev/null
sql "update outbox set state = 'sent', attempts = 1, sent_at = 1 where kind = 'first_report'"
out=$("$KENCHI" allow add --customer acme sha256 $S1)
like "$out" "allow: 1 open case\\(s\\) hold only what it matches, but are P1 or their first report was sent or tried: they stay open: 1[[:space:]]+a false positive" \
    "a case whose report went out stays open: its customer is owed the verdict"
like "$out" "verdict: false-positive, close" "and allow add says how to close it"
is "$(sql 'select state from cases where id = 1')" open "the case is as it was"
fresh
mail "$R" "Threat Detected" 8021 "2026-11-24 01:00:00" PC-FE $G1 $S1 W32.Tool.1201 - | "$KENCHI" deliver 2>/dev/null
# Nothing listens on the sample's SMTP port: the send fails, to be retried.
KENCHI_NOW=2026-11-24T01:10:00Z "$KENCHI" send >/dev/null 2>&1
is "$(sql "select state || ' ' || attempts from outbox where kind = 'first_report'")" "pending 1" "(a send tried the report, and failed for now)"
"$KENCHI" outbox retry "$(sql "select id from outbox where kind = 'first_report'")" >/dev/null 2>&1
is "$(sql "select attempts from outbox where kind = 'first_report'")" 0 "(outbox retry counts its attempts from 0 again)"
"$KENCHI" allow add --customer acme sha256 $S1 >/dev/null
is "$(sql 'select state from cases where id = 1')" open \
    "nor is a case whose report a send has tried, though retried since (it may have reached someone; round 47)"
fresh
mail "$R" "Executed malware" 8025 "2026-11-24 01:00:00" PC-FH $G1 $S1 W32.Tool.1201 - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select priority from cases')" P1 "(executed malware: P1)"
like "$("$KENCHI" allow add --customer acme sha256 $S1)" "are P1 or their first report was sent or tried" \
    "a P1 case is not suppressed by an entry added after it: the analyst closes it (round 47)"
is "$(sql "select c.state || ' ' || o.state from cases c join outbox o on o.id = c.first_report")" "open pending" "(its report goes)"
fresh
"$KENCHI" block add --customer acme sha256 $S2 >/dev/null
mail "$R" "Threat Detected" 8031 "2026-11-24 01:00:00" PC-FF $G1 $S2 W32.Tool.1201 - | "$KENCHI" deliver 2>/dev/null
unlike "$("$KENCHI" allow add --customer acme host PC-FF)" "open case" "an escalated case is not suppressed by a later allow entry"
is "$(sql 'select state || " " || priority from cases')" "open P1" "(it stays open, P1)"
fresh
mail "$R" "Threat Detected" 8041 "2026-11-24 01:00:00" PC-FG $G1 $S1 W32.Tool.1201 - | "$KENCHI" deliver 2>/dev/null
"$KENCHI" allow add --customer acme sha256 $S1 >/dev/null
mail "$R" "Threat Detected" 8042 "2026-11-24 01:01:00" PC-FG $G1 $S1 W32.Tool.1201 - | "$KENCHI" deliver 2>/dev/null
is "$(sql 'select state || " " || events from cases')" "suppressed 2" "a repeat joins the suppressed case"
is "$(sql "select group_concat(state) from outbox where kind = 'first_report'")" withdrawn "and queues no report"

fresh
mail "$R" "Threat Detected" 8003 "2026-11-24 01:00:00" PC-FC - $S2 W32.Tool.1201 - >"$KT_TMP/a.eml"
FPATH='C:\Users\u\Downloads\x.exe' "$KENCHI" deliver <"$KT_TMP/a.eml" 2>/dev/null
FPATH='C:\Tools\x.exe' mail "$R" "Threat Detected" 8004 "2026-11-24 01:10:00" PC-FC - $S2 W32.Tool.1201 - |
    "$KENCHI" deliver 2>/dev/null
unlike "$("$KENCHI" allow add --customer acme path 'C:\Tools\*')" "open case" \
    "nor a case one of whose events, however old, the entry does not match (round 44)"
is "$(sql 'select state from cases')" open "(it stays open)"

# --- deadlines run from the earliest arrival --------------------------------
fresh
d=$KT_TMP/backlog
mkdir -p "$d"
# The Quarantine Failure sorts first by name, and arrived a day after the
# Threat Detected (Thu 09:00 JST against Wed 17:00 JST).
mail 'Thu, 26 Nov 2026 09:00:00 +0900' "Quarantine Failure" 5002 "2026-11-25 23:59:00" PC-B $G1 $S1 W32.GenericKD.1201 999 >"$d/a.eml"
mail 'Wed, 25 Nov 2026 17:00:00 +0900' "Threat Detected" 5001 "2026-11-25 07:59:00" PC-B $G1 $S1 W32.GenericKD.1201 999 >"$d/b.eml"
KENCHI_NOW=2026-11-26T00:10:00Z "$KENCHI" import --no-progress "$d" >/dev/null 2>&1
"$KENCHI" cases --json >"$KT_TMP/c.json"
is "$("$KT_PY" -c 'import json,sys; c=json.loads(open(sys.argv[1]).readline()); print(c["first_report_due"], c["second_report_due"])' "$KT_TMP/c.json")" \
    "2026-11-25T09:00:00+00:00 2026-11-26T09:00:00+00:00" \
    "an alert stored after a later one of its case: the deadlines run from the earlier arrival"

# --- the arrival: the top Received, when it can be true ---------------------
fresh
mail 'Mon, 01 Jan 2001 10:00:00 +0900' "Threat Detected" 6001 "2026-11-24 01:00:00" PC-C - $S1 - - | "$KENCHI" deliver 2>/dev/null
is "$(sql "select received_at from events where uid = 'amp:6001'")" "$(date -u -d 2026-11-24T01:05:00Z +%s)" \
    "a top Received years before the alert's own event (an MX's clock) is not its arrival: the time of ingest is"
DATEHDR='Tue, 24 Nov 2026 00:59:30 +0000' mail 'Tue, 24 Nov 2026 00:59:40 +0900' "Threat Detected" 6003 "2026-11-24 00:59:00" PC-E - $S1 - - |
    "$KENCHI" deliver 2>/dev/null
is "$(sql "select received_at from events where uid = 'amp:6003'")" "$(date -u -d 2026-11-24T01:05:00Z +%s)" \
    "nor one 9 hours before the mail's Date header (an MX that wrote UTC as +0900; round 44)"
DATEHDR='Wed, 25 Nov 2026 01:00:30 +0000' mail 'Wed, 25 Nov 2026 01:01:00 +0000' "Threat Detected" 6004 "2026-11-27 00:59:00" PC-F - $S1 - - |
    KENCHI_NOW=2026-11-25T09:00:00Z "$KENCHI" deliver 2>/dev/null
is "$(sql "select received_at from events where uid = 'amp:6004'")" "$(date -u -d 2026-11-25T01:01:00Z +%s)" \
    "but an endpoint's clock two days ahead does not make a true Received untrue (round 44)"
# One skewed clock below the top does not outvote it, nor does a Date in
# JST read as UTC (round 45: both made an 8-hour-old alert look new).
BELOW='Wed, 25 Nov 2026 10:01:00 +0000' DATEHDR='Wed, 25 Nov 2026 01:00:30 +0000' \
    mail 'Wed, 25 Nov 2026 10:01:05 +0900' "Threat Detected" 6005 "2026-11-25 01:00:00" PC-G - $S1 - - |
    KENCHI_NOW=2026-11-25T09:00:00Z "$KENCHI" deliver 2>/dev/null
is "$(sql "select received_at from events where uid = 'amp:6005'")" "$(date -u -d 2026-11-25T01:01:05Z +%s)" \
    "a hop below the top whose clock is 9 hours off, with a Date header that agrees with the top: the top is the arrival"
DATEHDR='Wed, 25 Nov 2026 10:00:30 JST' mail 'Wed, 25 Nov 2026 10:01:05 +0900' "Threat Detected" 6006 "2026-11-25 01:00:00" PC-H - $S1 - - |
    KENCHI_NOW=2026-11-25T09:00:00Z "$KENCHI" deliver 2>/dev/null
is "$(sql "select received_at from events where uid = 'amp:6006'")" "$(date -u -d 2026-11-25T01:01:05Z +%s)" \
    "a Date header in JST is read as +0900, not as UTC"
# A Received and a Date header that agree, five days before the event the
# mail reports (a wrong clock, or a forgery): not the arrival (rs1 F5: the
# case was born with both deadlines breached and its report held).
DATEHDR='Fri, 20 Nov 2026 07:00:30 +0000' mail 'Fri, 20 Nov 2026 07:01:00 +0000' "Threat Detected" 6007 "2026-11-25 07:00:00" PC-I - $S1 - - |
    KENCHI_NOW=2026-11-25T07:20:00Z "$KENCHI" deliver 2>/dev/null
is "$(sql "select received_at from events where uid = 'amp:6007'")" "$(date -u -d 2026-11-25T07:20:00Z +%s)" \
    "a Received and a Date that agree, days before the event they report, are not the arrival: the time of ingest is"
mail 'Tue, 24 Nov 2026 09:59:60 +0900' "Threat Detected" 6002 "2026-11-24 00:59:00" PC-D - $S1 - - | "$KENCHI" deliver 2>/dev/null
is "$(sql "select received_at from events where uid = 'amp:6002'")" "$(date -u -d 2026-11-24T00:59:59Z +%s)" \
    "a Received at a leap second (:60) is read, as its second 59"

# --- scoring.rules: a field kenchi does not know is an error (rs1 F3) -------
# A misspelt field loaded and silently never fired.
DD=$KT_TMP/dd072
mkdir -p "$DD" && cp -r "$KT_TOP/data" "$KT_TOP/templates" "$DD/"
rules() { printf '%s\n' "$@" >"$DD/data/scoring.rules"; }
rules 'rule "typo" if hots >= 1 then add 10' 'rule "path" if file.sha256 == "x" then add 20' \
    'rule "case" if File.Disposition == "Malicious" then add 30' 'rule "cidr" if detection in 10.0.0.0/8 then add 40' \
    'rule "num" if severity > 2 then add 1' 'rule "ok" if severity == "High" then add 1'
err=$(KENCHI_DATADIR=$DD "$KENCHI" rules check 2>&1)
is $? 78 "rules check refuses a scoring rule on an unknown field"
like "$err" "scoring.rules:1: unknown field 'hots' \\(did you mean 'hosts'\\?\\)" "at file:line, with the nearest name"
like "$err" "scoring.rules:2: unknown field 'file.sha256' \\(did you mean 'file.identity.sha256'\\?\\)" \
    "a path's last part finds the full path"
like "$err" "scoring.rules:3: unknown field 'File.Disposition': field names are case-sensitive" "a wrong case is named as such"
like "$err" "scoring.rules:4: 'detection' never holds an IP address" "a network test on a text field is an error"
like "$err" "scoring.rules:5: 'severity' never holds a number" "and a number test on one"
fresh
KENCHI_DATADIR=$DD td | KENCHI_DATADIR=$DD "$KENCHI" deliver >/dev/null 2>&1
is $? 78 "deliver refuses the same rules (one code path with rules check)"
rules 'rule "ok" if count == "1" and network_info.remote_ip not in 10.0.0.0/8 and exists file.identity.sha256 then add 1'
KENCHI_DATADIR=$DD "$KENCHI" rules check >/dev/null 2>&1
is $? 0 "text tests on any field, networks on an address field, load"

# --- the explanation names what each rule did (rs1 F7) ----------------------
rules 'rule "lab hosts" if computer.hostname =~ "(?i)^PC-" then add 20, suppress' \
    'rule "vip" if customer == "acme" then priority P2' 'rule "neutral" then add 0'
fresh; td | KENCHI_DATADIR=$DD "$KENCHI" deliver 2>/dev/null
out=$(KENCHI_DATADIR=$DD "$KENCHI" case 1)
like "$out" 'suppressed: suppressed by scoring rule "lab hosts"' "a case a rule suppressed names the rule"
like "$out" '\+20  lab hosts, suppresses' "and its reason says it suppressed"
like "$out" '\+0  vip, sets priority P2' "a priority a rule set is attributed to it"
is "$(KENCHI_DATADIR=$DD "$KENCHI" case 1 --json | "$KT_PY" -c 'import json,sys; r=json.load(sys.stdin)["score_reasons"]; print(r[0]["rule"], r[0]["points"], r[0].get("suppress"), r[1].get("priority"))')" \
    "lab hosts 20 True P2" "in JSON too: the reasons keep rule and points, and add suppress and priority"
rules 'rule "sev" if severity == "High" then add 30'
fresh; KENCHI_DATADIR=$DD "$KENCHI" block add --customer acme sha256 $S1 >/dev/null
td | KENCHI_DATADIR=$DD "$KENCHI" deliver 2>/dev/null
like "$(KENCHI_DATADIR=$DD "$KENCHI" case 1)" "\\+0  block list entry sha256 $S1, escalates" \
    "a block list escalation names the entry, with no rule of its own"
is "$(KENCHI_DATADIR=$DD "$KENCHI" case 1 --json | "$KT_PY" -c 'import json,sys; c=json.load(sys.stdin); r=c["score_reasons"][-1]; print(c["priority"], c["escalated"], r["rule"], r["entry"], r["escalate"])')" \
    "P1 True block list sha256 $S1 True" "and so does the JSON"
fresh; SEV=Medium tq | "$KENCHI" deliver 2>/dev/null
like "$("$KENCHI" case 1)" "they add up to -5, clamped to 0" "a score clamped to 0 says so"
is "$("$KENCHI" case 1 --json | "$KT_PY" -c 'import json,sys; c=json.load(sys.stdin); print(c["score"], c["score_unclamped"])')" "0 -5" \
    "and the JSON gives the sum it was clamped from"

# --- a deadline past the holiday table is marked (rs1 F8) -------------------
# Friday 2031-01-10: due Monday 01-13, 成人の日, which the table (to 2030)
# does not know.  Said in case, due and once by deliver.
fresh
R31='Fri, 10 Jan 2031 03:00:00 +0000'
err=$(mail "$R31" "Threat Detected" 9101 "2031-01-10 02:59:00" PC-Y1 - $S1 - - |
      KENCHI_NOW=2031-01-10T03:00:30Z "$KENCHI" deliver 2>&1 >/dev/null)
like "$err" "deadline in 2031 counts no national holiday" "deliver warns of a deadline past the holiday table"
is "$(grep -c 'counts no national holiday' <<<"$err")" 1 "(once)"
like "$(KENCHI_NOW=2031-01-10T03:01:00Z "$KENCHI" case 1)" \
    "second report due: .*\\(2031-01-13 18:00 JST\\)
  computed without the national holidays of 2031" "kenchi case marks the deadline"
out=$(KENCHI_NOW=2031-01-10T03:01:00Z "$KENCHI" due)
like "$out" "2031-01-13 18:00 JST\\*" "kenchi due marks it"
like "$out" "\\* computed without the national holidays of 2031" "and says what the mark means"
is "$(KENCHI_NOW=2031-01-10T03:01:00Z "$KENCHI" case 1 --json | "$KT_PY" -c 'import json,sys; print(json.load(sys.stdin)["second_report_due_without_holidays_of"])')" \
    2031 "and the JSON names the year"

# --- a BOM is skipped; an empty rules file is a warning (rs1 F9) -------------
printf '\357\273\277rule "a" then add 1\n' >"$DD/data/scoring.rules"
KENCHI_DATADIR=$DD "$KENCHI" rules check >/dev/null 2>&1
is $? 0 "a UTF-8 BOM at the top of scoring.rules is skipped (Windows Notepad writes one)"
: >"$DD/data/scoring.rules"
like "$(KENCHI_DATADIR=$DD "$KENCHI" rules check 2>&1 >/dev/null)" "scoring rules: warning: .* has no rule" \
    "an empty scoring.rules is a warning in rules check"

done_testing
