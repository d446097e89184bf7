#!/bin/sh
# demo.sh: kenchi's main job on the bundled fixtures, with the embedded
# SQLite database (demo.db here) and the sample configuration: import the
# alert mail and API JSON, then show what was stored.
set -e
cd "$(dirname "$0")/.."
DB=${KENCHI_DB:-demo.db}
K="./kenchi -c contrib/kenchi.conf.sample --db $DB"
rm -f "$DB" "$DB-wal" "$DB-shm"
$K import fixtures/mail fixtures/api fixtures/maildir fixtures/mbox
echo
echo "== cases (kenchi cases) =="
$K cases
echo
echo "== open work by deadline (kenchi due) =="
$K due
echo
echo "== events (kenchi events) =="
$K events
echo
echo "== mail that was stored but is not an alert, or is broken (kenchi messages) =="
$K messages
