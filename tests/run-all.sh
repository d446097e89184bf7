#!/bin/sh
# run-all.sh: the whole test suite, as CI runs it (.ci/run calls this).
#
#  1. installs the packages and builds (contrib/bootstrap-debian.sh);
#  2. `make check` in the tree: unit tests, and end-to-end tests that start
#     their own Dovecot and SMTP server on 127.0.0.1 and run real procmail
#     and maildrop;
#  3. the same suite again on an ASan+UBSan build (--enable-sanitizers), in
#     a copy of the tree under _build/ (a configured tree cannot host a
#     VPATH build); skipped with KENCHI_NO_SANITIZERS=1;
#  4. a fuzz smoke: every libFuzzer target for a few seconds (fuzz/smoke.sh,
#     about 60 s), counted as one test; skipped with KENCHI_NO_FUZZ=1.
# It ends with one line "N passed, N failed, N skipped" over both runs.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
sh contrib/bootstrap-debian.sh || { echo "0 passed, 1 failed"; exit 1; }

pass=0 fail=0 skip=0
count() {   # count LOGFILE: add a test-suite.log's figures to the totals
    p=$(sed -n 's/^# PASS: *//p' "$1"); f=$(sed -n 's/^# FAIL: *//p' "$1")
    e=$(sed -n 's/^# ERROR: *//p' "$1"); s=$(sed -n 's/^# SKIP: *//p' "$1")
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${e:-0})); skip=$((skip + ${s:-0}))
}

# why() TREE: the TAP comments of the failed tests of TREE, kept for the end:
# CI shows the first and last lines of this run, and the reason belongs there.
why=$(mktemp)
trap 'rm -f "$why"' EXIT
why() {
    for t in $(grep -l '^:global-test-result: \(FAIL\|ERROR\)' $(find "$1" -name '*.trs' 2>/dev/null) 2>/dev/null); do
        echo "== ${t%.trs} ($1)"
        grep '^#' "${t%.trs}.log" | grep -v '^# \(PASS\|SKIP\|TOTAL\|XFAIL\|XPASS\|FAIL\|ERROR\):' | head -25
    done >>"$why"
}

status=0
make -j2 check || status=1
why "$top/tests"
if [ -f test-suite.log ]; then count test-suite.log; else fail=$((fail + 1)); fi
[ $status -eq 0 ] || cat test-suite.log | grep -E '^(FAIL|ERROR)' | head -40

if [ "${KENCHI_NO_SANITIZERS:-0}" != 1 ]; then
    san=$top/_build/sanitizers
    rm -rf "$san" && mkdir -p "$san"
    git ls-files -z | xargs -0 cp --parents -t "$san" 2>/dev/null || cp -a . "$san"
    # The big fixtures are generated; the tap driver comes from autoreconf.
    ( cd "$san" && autoreconf -fi >/dev/null 2>&1 && ./configure -q --enable-sanitizers &&
      make -j2 -s && make -j2 check ) || status=1
    why "$san/tests"
    if [ -f "$san/test-suite.log" ]; then count "$san/test-suite.log"; else fail=$((fail + 1)); fi
    [ $status -eq 0 ] || grep -E '^(FAIL|ERROR)' "$san/test-suite.log" 2>/dev/null | head -40
fi
if [ "${KENCHI_NO_FUZZ:-0}" != 1 ]; then
    if sh fuzz/smoke.sh "$top/_build/fuzz"; then pass=$((pass + 1)); else fail=$((fail + 1)); status=1; fi
fi
if [ -s "$why" ]; then
    echo "---- why the failed tests failed (their TAP comments) ----"
    head -60 "$why"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $status -eq 0 ]
