#!/bin/sh
# demo.sh: kenchi's main job on the bundled fixtures, with the embedded
# SQLite database (demo.db here) and the sample configuration: import the
# alert mail and API JSON, open and score cases, queue the first reports,
# and show them.  The clock is fixed (KENCHI_NOW) to the fixtures' day so
# that the demo shows the same thing whenever it runs.
set -e
cd "$(dirname "$0")/.."
DB=${KENCHI_DB:-demo.db}
export KENCHI_NOW=${KENCHI_NOW:-2026-11-25T12:00:00Z}
K="./kenchi -c contrib/kenchi.conf.sample --db $DB"
rm -f "$DB" "$DB-wal" "$DB-shm"
$K import --no-progress fixtures/mail fixtures/api fixtures/maildir fixtures/mbox
echo
echo "== events (kenchi events) =="
$K events --limit 25
echo
echo "== cases (kenchi cases) =="
$K cases
echo
echo "== open work by deadline (kenchi due) =="
$K due | head -15
echo
echo "== the outbox: first reports and analyst notices (kenchi outbox) =="
$K outbox --state pending | head -20
echo
echo "== mail stored but not understood (kenchi messages) =="
$K messages
for n in 5 10; do
    echo
    echo "== the first report of case $n (kenchi preview $n) =="
    $K preview "$n"
done
