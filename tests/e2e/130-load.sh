#!/bin/bash
# 130-load: the short form of bench/load.  8 concurrent `kenchi deliver`
# loops of 60 messages each run while the daemon ingests a maildir and an
# IMAP mailbox (Dovecot) and sends: no message lost or duplicated, every exit 0 or 75, every 75
# succeeds on retry, everything sent; the p99 deliver latency is reported,
# never asserted (bench/load --per 2000 is the full form).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

LOOPS=${KENCHI_LOAD_LOOPS:-8} PER=${KENCHI_LOAD_PER:-60}
R=$KT_TMP/result
KENCHI=$KENCHI bash "$KT_TOP/bench/load" --loops "$LOOPS" --per "$PER" --maildir "$PER" --imap "$PER" --result "$R" \
    >"$KT_TMP/out" 2>&1
brc=$?
[ -s "$R" ] || { diag_file "$KT_TMP/out" 40; bail "bench/load produced no result (exit $brc)"; }
diag "$(cat "$KT_TMP/out")"
get() { sed -n "s/^$1=//p" "$R"; }

is "$(get inputs)" $((LOOPS * PER + 2 * PER)) "$LOOPS x $PER delivered, $PER through the maildir, $PER through IMAP"
is "$(get imap_stored)" "$PER" "the daemon stored the IMAP mailbox's $PER"
is "$(get messages)" "$(get inputs)" "every message stored"
is "$(get lost)" 0 "0 messages lost"
is "$(get duplicated)" 0 "0 messages duplicated"
is "$(get dup_events)" 0 "0 events stored twice"
is "$(get events)" "$(get inputs)" "one event per alert"
is "$(get exit_other)" 0 "every deliver exits 0 or 75 ($(get exit_75) x 75)"
is "$(get retry_gaveup)" 0 "every 75 succeeds on retry"
is "$(get cases_without_report)" 0 "every case has its first report"
is "$(get outbox_not_sent)" 0 "the daemon sent every row"
is "$(get sent_not_in_sink)" 0 "every row marked sent reached the SMTP sink"
is "$(get sent_rewritten_after_send)" 0 "no report changed after it was sent (cases joined to a report in flight)"
is "$(get maildir_new_left)" 0 "the maildir's new/ is empty"
is "$(get daemon_exit)" 0 "the daemon stops on SIGTERM with 0"
note "deliver latency p50 $(get p50_ms) ms, p95 $(get p95_ms) ms, p99 $(get p99_ms) ms (reported, not asserted)"

done_testing
