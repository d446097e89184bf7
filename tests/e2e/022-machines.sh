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

# The same files again change nothing.
db order1
before=$(sql "select uid, customer, case_id from events order by id; select id, customer, state, events from cases" | md5sum)
"$KENCHI" import --no-progress "$KT_TMP/a.json" 2>/dev/null
"$KENCHI" deliver <"$KT_TMP/a.eml" 2>/dev/null
is "$(sql "select uid, customer, case_id from events order by id; select id, customer, state, events from cases" | md5sum)" "$before" \
    "the same files again change nothing"

done_testing
