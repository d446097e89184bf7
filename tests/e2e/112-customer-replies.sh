#!/bin/bash
# 112-customer-replies: whose mail naming a case is filed as the customer's
# note.  A case number is no secret, so a subject tag alone proves nothing
# (round 36b); the customer is known by one of its report addresses, by its
# own domain - never a free mail service's, nor one another customer
# reports to (round 37a) - or by citing a report kenchi mailed it.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

cat >"$KT_TMP/k.conf" <<CONF
[kenchi]
report_hold = 0s
[soc]
from = soc@soc.example.jp
analysts = analyst@soc.example.jp
[customer acme]
recipients = soc+acme@soc.example.jp
report_to = security@acme.example.co.jp
[customer beta]
recipients = soc+beta@soc.example.jp
report_to = beta.sec@gmail.com
[customer gamma]
recipients = soc+gamma@soc.example.jp
report_to = it@gamma.example.com; soc-desk@acme.example.co.jp
[customer delta]
recipients = soc+delta@soc.example.jp
report_to = security@例え.jp
[customer epsilon]
recipients = soc+epsilon@soc.example.jp
report_to = it-admin@abc.ocn.ne.jp
CONF
export KENCHI_CONF=$KT_TMP/k.conf KENCHI_NOW=2026-11-25T07:20:00Z

# One case each: the same alert to each customer's mailbox, each of its own
# machine (one machine in two customers' mailboxes is no one's: 022).
n=0
for c in acme beta gamma delta epsilon; do
    n=$((n + 1))
    sed "s/^To: .*/To: soc+$c@soc.example.jp/; s/^Message-ID: <\(.*\)>/Message-ID: <$c.\1>/; s/^Event ID: .*/Event ID: 645544229235746400$n/" \
        "$FIX/mail/en-plain.eml" | sed "s/^Connector GUID: .*/Connector GUID: 0000000$n-0000-4000-8000-00000000000$n/" |
        "$KENCHI" deliver 2>/dev/null
done
case_of() { sql "select id from cases where customer = '$1'"; }
is "$(sql "select count(*) from cases")" 5 "five customers, a case each"

# note FROM CASE MSGID: a reply naming CASE by its subject tag only.
note() {
    printf 'From: %s\nTo: soc@soc.example.jp\nSubject: Re: [kenchi #%s] report\nMessage-ID: <%s>\n\nplease check\n' \
        "$1" "$2" "$3" | "$KENCHI" deliver 2>/dev/null
    sql "select count(*) from notes where message_id = '$3'"
}
is "$(note security@acme.example.co.jp "$(case_of acme)" a1@x)" 1 "the customer's report address: filed"
is "$(note taro@jp.acme.example.co.jp "$(case_of gamma)" a2@x)" 0 \
    "a domain gamma shares with acme (it reports to soc-desk@ there too) names no customer: not filed"
is "$(note it@gamma.example.com "$(case_of gamma)" g1@x)" 1 "gamma's own domain: filed"
is "$(note someone@gmail.com "$(case_of beta)" b1@x)" 0 \
    "any Gmail user naming the case of a customer that reports to a Gmail address: not filed (round 37a)"
is "$(note Beta.Sec@gmail.com "$(case_of beta)" b2@x)" 1 "that address itself: filed"
is "$(note neighbour@abc.ocn.ne.jp "$(case_of epsilon)" p1@x)" 0 \
    "an ISP's subscribers share its subdomains: another abc.ocn.ne.jp address is not the customer (round 38a)"
is "$(note x@xn--r8jz45g.jp "$(case_of delta)" d1@x)" 1 \
    "a customer configured with an IDN domain is known in punycode too (round 37a)"
is "$(note evil@x.example "$(case_of acme)" e1@x)" 0 "an outsider: not filed"
like "$(sql "select reason from messages where message_id = 'e1@x'")" "not of its customer acme" "and stored with why"
first=$(sql "select message_id from outbox where kind = 'first_report' and case_id = $(case_of beta)")
printf 'From: cfo@beta-holdings.example\nTo: soc@soc.example.jp\nSubject: Re: report\nMessage-ID: <b3@x>\nIn-Reply-To: <%s>\n\nforwarded to me\n' \
    "$first" | "$KENCHI" deliver 2>/dev/null
is "$(sql "select count(*) from notes where message_id = 'b3@x'")" 1 "anyone citing the first report kenchi mailed: filed"
# But not an address of another customer's: citing beta's report does not
# make acme's security desk beta (reply round rr1 F7: filed on beta's case,
# announced as beta's reply).
printf 'From: security@acme.example.co.jp\nTo: soc@soc.example.jp\nSubject: Re: report\nMessage-ID: <b4@x>\nIn-Reply-To: <%s>\n\nnot ours?\n' \
    "$first" | "$KENCHI" deliver 2>/dev/null
is "$(sql "select count(*) from notes where message_id = 'b4@x'")|$(sql "select customer from messages where message_id = 'b4@x'")" \
    "0|unassigned" "another customer's address citing a report: not filed on that report's case"
like "$(sql "select reason from messages where message_id = 'b4@x'")" "another customer's" "and stored with why"
printf 'From: security@acme.example.co.jp\nTo: soc@soc.example.jp\nSubject: Re: [kenchi #%s] report\nMessage-ID: <h1@x>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<p>It was our test.</p><p>Hanako</p><div style="display:none">preheader</div>\n' \
    "$(case_of acme)" | "$KENCHI" deliver 2>/dev/null
is "$(sql "select replace(text, char(10), '|') from notes where message_id = 'h1@x'")" "It was our test.||Hanako" \
    "an HTML reply's note reads as the customer saw it: paragraphs a blank line apart, hidden text left out"
printf 'From: security@acme.example.co.jp\nTo: soc@soc.example.jp\nSubject: Re: [kenchi #%s] report\nMessage-ID: <h2@x>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<div>Not opened.</div><div>On Wed, SOC wrote:</div><blockquote><div>Dear Acme</div><div>Verdict : pending</div><blockquote>older<br>text</blockquote></blockquote><div>Hanako</div>\n' \
    "$(case_of acme)" | "$KENCHI" deliver 2>/dev/null
is "$(sql "select replace(text, char(10), '|') from notes where message_id = 'h2@x'")" \
    "Not opened.|On Wed, SOC wrote:|> Dear Acme|> Verdict : pending|> > older|> > text|Hanako" \
    "an HTML reply's quoted mail is marked on every line, as deep as it is quoted (round 41a F14: the first line only)"
printf 'From: security@acme.example.co.jp\nTo: soc@soc.example.jp\nSubject: Re: [kenchi #%s] report\nMessage-ID: <h3@x>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<div>Seen.</div><blockquote type="cite"><pre>\n  Host : PC-01\n\tverdict: pending</pre><table><tr><td>Path</td><td>c:\\Users<br>\\a.exe</td></tr></table></blockquote>\n' \
    "$(case_of acme)" | "$KENCHI" deliver 2>/dev/null
is "$(sql "select replace(replace(text, char(10), '|'), char(9), ' ') from notes where message_id = 'h3@x'")" \
    "Seen.|>   Host : PC-01|>  verdict: pending|> Path c:\\Users|>     \\a.exe" \
    "and so are a quoted <pre>'s indented lines and a quoted cell's continuation, with no empty line for the break after <pre> (round 42 F4)"

# A consolidated report rendered again without its lead case (an allow
# entry added after the fact): the customer's reply to it is a note on
# the case that leads it now (round 48: it went on the suppressed case).
export KENCHI_DB=$KT_TMP/lead.db
sed -e "s/^Message-ID: <\(.*\)>/Message-ID: <lead1.\1>/" -e 's/^Event ID: .*/Event ID: 6455442292357470001/' \
    -e 's/^Detection ID: .*/Detection ID: 6455442249407700001/' "$FIX/mail/en-plain.eml" | "$KENCHI" deliver 2>/dev/null
sed -e "s/^Message-ID: <\(.*\)>/Message-ID: <lead2.\1>/" -e 's/^Event ID: .*/Event ID: 6455442292357470002/' \
    -e 's/^Detection ID: .*/Detection ID: 6455442249407700002/' -e 's/PC-TK-0231/PC-TK-0777/g' \
    -e 's/be298a4a-0f1e-57d1-b27f-d51c302b8f64/be298a4a-0f1e-57d1-b27f-d51c302b8f77/g' \
    -e 's/d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311/1111111111111111111111111111111111111111111111111111111111111111/g' \
    "$FIX/mail/en-plain.eml" | "$KENCHI" deliver 2>/dev/null
is "$(sql "select cases from outbox where kind = 'first_report'")" "1 2" "(two cases, one consolidated report)"
"$KENCHI" allow add --customer acme sha256 d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311 >/dev/null
rmid=$(sql "select message_id from outbox where kind = 'first_report'")
printf 'From: security@acme.example.co.jp\nTo: soc@soc.example.jp\nSubject: Re: report\nMessage-ID: <lead-r@x>\nIn-Reply-To: <%s>\n\nWhat about PC-TK-0777?\n' \
    "$rmid" | "$KENCHI" deliver 2>/dev/null
is "$(sql "select case_id from notes where message_id = 'lead-r@x'")" 2 \
    "a reply to a report rendered again without its first case is a note on the case leading it now (round 48)"

done_testing
