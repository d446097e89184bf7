#!/bin/bash
# 022-machines: what a machine's connector GUID decides.  The events of a
# customer's machine in AMP groups that no customer claims (API JSON of a
# group the configuration does not map) are that customer's, in either
# order of arrival; but never by a name alone, never a machine another
# customer's cases have, never on a guess (the customer of a page's other
# events, two mailboxes), and never a name shaped like a GUID (round 52).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

gen() { "$KT_PY" "$KT_TOP/tests/lib/gen_alert.py" "$@"; }
db() { export KENCHI_DB=$KT_TMP/$1.db; }
UG=5deebebd-dcdf-510a-a011-c4651cc852ee   # a group id no customer lists
ACME=soc+acme@soc.example.jp
OTHER=1111111111111111111111111111111111111111111111111111111111111111

# The API's three events of machine A (a Threat Detected and its
# quarantine, and an Executed malware of another file: another case), and
# acme's mail of the first.  Either order: all three are acme's.
A=aaaaaaaa-0000-4000-8000-000000000001
gen api "$KT_TMP/a.json" "7100000000000000001,Threat Detected,PC-A1,$A,$UG,8100000000000000001" \
    "7100000000000000002,Threat Quarantined,PC-A1,$A,$UG,8100000000000000001" \
    "7100000000000000003,Executed malware,PC-A1,$A,$UG,8100000000000000009,$OTHER"
gen mail "$KT_TMP/a.eml" $ACME 7100000000000000001 "Threat Detected" PC-A1 $A "Acme Tokyo" 8100000000000000001
db order1
"$KENCHI" import --no-progress "$KT_TMP/a.json" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/a.eml" 2>/dev/null
is "$(sql "select group_concat(customer, ' ') from (select customer from events order by id)")" "acme acme acme" \
    "API first, then the customer's mail: every event of the machine is the customer's, another case's too"
is "$(sql "select count(*) from cases where customer = 'unassigned' and events > 0")" 0 "(no unassigned case of it is left)"
is "$(sql "select count(*) from cases where customer = 'acme' and reportable = 1")" 2 "(both of its cases are reported)"
db order2
"$KENCHI" deliver <"$KT_TMP/a.eml" 2>/dev/null
"$KENCHI" import --no-progress "$KT_TMP/a.json" 2>/dev/null
is "$(sql "select group_concat(customer, ' ') from (select customer from events order by id)")" "acme acme acme" \
    "the customer's mail first, then the API: the same"

# Never by a name alone: machine B's API event (GUID B, PC-01) and a mail
# of PC-01 without a GUID to a mailbox no customer lists share an
# unassigned case; a copy of the mail to acme takes its own event only.
B=bbbbbbbb-0000-4000-8000-00000000000b
db byname
gen api "$KT_TMP/b.json" "7300000000000000001,Threat Detected,PC-01,$B,$UG,8300000000000000001"
gen mail "$KT_TMP/b-hold.eml" soc-holding@soc.example.jp 7300000000000000002 "Threat Quarantined" PC-01 - "Default Group" 8300000000000000001
gen mail "$KT_TMP/b-acme.eml" $ACME 7300000000000000002 "Threat Quarantined" PC-01 - "Default Group" 8300000000000000001
gen api "$KT_TMP/b-later.json" "7300000000000000003,Executed malware,PC-01,$B,$UG,8300000000000000003,$OTHER"
"$KENCHI" import --no-progress "$KT_TMP/b.json" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/b-hold.eml" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/b-acme.eml" 2>/dev/null
"$KENCHI" import --no-progress "$KT_TMP/b-later.json" 2>/dev/null
is "$(sql "select group_concat(customer, ' ') from (select customer from events order by id)")" "unassigned acme unassigned" \
    "a name alone ties no GUID to a customer (PC-01 is many customers' name)"

# Never a machine another customer's cases have: machine C is globex's;
# a copy of its event without a Group line sent to acme's mailbox takes
# nothing, and globex's own mail takes the machine's unassigned events.
C=cccccccc-0000-4000-8000-00000000000c
db owned
gen api "$KT_TMP/c.json" "7200000000000000001,Threat Detected,GX-PC-01,$C,$UG,8200000000000000001" \
    "7200000000000000002,Threat Quarantined,GX-PC-01,$C,$UG,8200000000000000001"
gen mail "$KT_TMP/c-globex.eml" soc+globex@soc.example.jp 7200000000000000009 "Threat Detected" GX-PC-01 $C "Globex Osaka" 8200000000000000009 $OTHER
gen mail "$KT_TMP/c-acme.eml" $ACME 7200000000000000001 "Threat Detected" GX-PC-01 $C - 8200000000000000001
"$KENCHI" import --no-progress "$KT_TMP/c.json" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/c-globex.eml" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/c-acme.eml" 2>/dev/null
is "$(sql "select group_concat(customer, ' ') from (select customer from events order by id)")" "globex globex globex" \
    "a copy to one customer's mailbox does not take another customer's machine"
is "$(sql "select count(*) from outbox where customer = 'acme'")" 0 "(acme hears nothing of it)"
db owned2
"$KENCHI" deliver <"$KT_TMP/c-globex.eml" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/c-acme.eml" 2>/dev/null
"$KENCHI" import --no-progress "$KT_TMP/c.json" 2>/dev/null
is "$(sql "select group_concat(customer, ' ') from (select customer from events order by id)")|$(sql "select count(*) from outbox where customer = 'acme'")" \
    "globex globex globex|0" "nor in the other order: the copy with no Group line is no one's, then the machine's customer's"

# No guess: a mail to two customers' mailboxes, and an event of a page
# whose other events are another customer's, stay unassigned when the
# machine is known to be acme's.
D=dddddddd-0000-4000-8000-00000000000d
db guess
sed -e "/^groups = Globex\*/a group_guids = b0b0b0b0-0000-4000-8000-0000000000b0" "$KENCHI_CONF" >"$KT_TMP/gg.conf"
gen mail "$KT_TMP/d-acme.eml" $ACME 7400000000000000001 "Threat Detected" PC-D1 $D "Acme Tokyo" 8400000000000000001
gen mail "$KT_TMP/d-two.eml" "$ACME, soc+globex@soc.example.jp" 7400000000000000002 "Threat Detected" PC-D1 $D "Default Group" 8400000000000000002 $OTHER
gen api "$KT_TMP/d-mix.json" "7400000000000000003,Threat Detected,GX-9,34343434-0000-4000-8000-000000000034,b0b0b0b0-0000-4000-8000-0000000000b0,8400000000000000003" \
    "7400000000000000004,Threat Detected,PC-D1,$D,$UG,8400000000000000004,2222222222222222222222222222222222222222222222222222222222222222"
"$KENCHI" -c "$KT_TMP/gg.conf" deliver <"$KT_TMP/d-acme.eml" 2>/dev/null
"$KENCHI" -c "$KT_TMP/gg.conf" deliver <"$KT_TMP/d-two.eml" 2>/dev/null
"$KENCHI" -c "$KT_TMP/gg.conf" import --no-progress "$KT_TMP/d-mix.json" 2>/dev/null
is "$(sql "select customer from events where uid = 'amp:7400000000000000002'")" unassigned \
    "a mail to two customers' mailboxes stays unassigned, whoever the machine's customer is"
is "$(sql "select customer from events where uid = 'amp:7400000000000000004'")" unassigned \
    "an event of a page whose other events are globex's is not globex's when the machine is acme's"
is "$(sql "select customer from events where uid = 'amp:7400000000000000003'")" globex "(the page's own globex event is)"

# A name shaped like a GUID keys acme's case by the name: no machine's id.
E=eeeeeeee-0000-4000-8000-00000000000e
db shaped
gen mail "$KT_TMP/e.eml" $ACME 7500000000000000001 "Threat Detected" $E - "Acme Tokyo" 8500000000000000001
gen api "$KT_TMP/e.json" "7500000000000000002,Threat Detected,OTHER-MACHINE,$E,$UG,8500000000000000002,$OTHER"
"$KENCHI" deliver <"$KT_TMP/e.eml" 2>/dev/null
"$KENCHI" import --no-progress "$KT_TMP/e.json" 2>/dev/null
is "$(sql "select customer from events where uid = 'amp:7500000000000000002'")" unassigned \
    "a case keyed by a computer name shaped like a GUID owns no machine of that GUID"

# Only a case whose customer the event's own group or mailbox named makes
# the machine that customer's (round 53b).  An API page's globex event and
# an event of machine F in a group no one maps: F's event is guessed to be
# globex's, but that binds nothing, and acme's own mail of F later takes
# F's unassigned events.
F=ffffffff-0000-4000-8000-00000000000f
db guessed
gen api "$KT_TMP/f-page.json" "7600000000000000009,Threat Detected,GX-9,34343434-0000-4000-8000-000000000034,b0b0b0b0-0000-4000-8000-0000000000b0,8600000000000000009" \
    "7600000000000000001,Threat Detected,ACME-PC-7,$F,$UG,8600000000000000001,2323232323232323232323232323232323232323232323232323232323232323"
gen api "$KT_TMP/f-later.json" "7600000000000000002,Executed malware,ACME-PC-7,$F,$UG,8600000000000000002,$OTHER"
gen mail "$KT_TMP/f-acme.eml" $ACME 7600000000000000005 "Threat Detected" ACME-PC-7 $F "Acme Tokyo" 8600000000000000005 \
    4545454545454545454545454545454545454545454545454545454545454545
"$KENCHI" -c "$KT_TMP/gg.conf" import --no-progress "$KT_TMP/f-page.json" 2>/dev/null
"$KENCHI" -c "$KT_TMP/gg.conf" import --no-progress "$KT_TMP/f-later.json" 2>/dev/null
is "$(sql "select customer from events where uid = 'amp:7600000000000000001'")|$(sql "select customer from events where uid = 'amp:7600000000000000009'")" \
    "unassigned|globex" "an event of a machine nobody knows is not guessed from the page's other events (round 53b's fuzz)"
is "$(sql "select customer from events where uid = 'amp:7600000000000000002'")" unassigned \
    "nor does a guess make a customer the machine's"
"$KENCHI" -c "$KT_TMP/gg.conf" deliver <"$KT_TMP/f-acme.eml" 2>/dev/null
is "$(sql "select group_concat(customer, ' ') from (select customer from events where uid in ('amp:7600000000000000001', 'amp:7600000000000000002') order by uid)")" "acme acme" \
    "and the machine's own customer's mail takes its unassigned events"
# Nor a --customer that the event's own group gainsays.
G=99999999-0000-4000-8000-000000000009
db override
gen mail "$KT_TMP/g.eml" soc+globex@soc.example.jp 7700000000000000001 "Threat Detected" ACME-PC-21 $G "Acme Tokyo" 8700000000000000001
gen api "$KT_TMP/g-later.json" "7700000000000000002,Executed malware,ACME-PC-21,$G,$UG,8700000000000000002,$OTHER"
"$KENCHI" deliver --customer globex <"$KT_TMP/g.eml" 2>/dev/null
"$KENCHI" import --no-progress "$KT_TMP/g-later.json" 2>/dev/null
is "$(sql "select customer from events where uid = 'amp:7700000000000000002'")" unassigned \
    "a --customer its group gainsays makes no customer the machine's"
# An event of two customers' mailboxes is no one's, in either order.
H=88888888-0000-4000-8000-000000000008
db torn
gen mail "$KT_TMP/h-acme.eml" $ACME 7800000000000000001 "Threat Detected" PC-36 $H "Acme Tokyo" 8800000000000000001
gen mail "$KT_TMP/h-two.eml" "$ACME, soc+globex@soc.example.jp" 7800000000000000002 "Executed malware" PC-36 $H "Default Group" 8800000000000000002 $OTHER
"$KENCHI" deliver <"$KT_TMP/h-two.eml" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/h-acme.eml" 2>/dev/null
is "$(sql "select customer from events where uid = 'amp:7800000000000000002'")" unassigned \
    "an event of two customers' mailboxes is not taken along by the machine's customer later"
# Events that came in long before are no new alert: not taken along.
I=77777777-0000-4000-8000-000000000007
db old
gen api "$KT_TMP/i.json" "7900000000000000001,Threat Quarantined,PC-OLD,$I,$UG,8900000000000000001"
gen mail "$KT_TMP/i.eml" $ACME 7900000000000000002 "Threat Detected" PC-OLD $I "Acme Tokyo" 8900000000000000002 $OTHER
KENCHI_NOW=2025-11-25T12:00:00Z "$KENCHI" import --no-progress "$KT_TMP/i.json" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/i.eml" 2>/dev/null
is "$(sql "select customer from events where uid = 'amp:7900000000000000001'")" unassigned \
    "an unassigned event of the machine from a year before stays where it was"

# The same files again change nothing.
db order1
state() { sql "select uid || customer || case_id from events order by id"; sql "select id || customer || state || events from cases order by id"; }
before=$(state | md5sum)
"$KENCHI" import --no-progress "$KT_TMP/a.json" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/a.eml" 2>/dev/null
is "$(state | wc -l)|$(state | md5sum)" "7|$before" "the same files again change nothing"

done_testing
