#!/bin/sh
# valgrind.sh: the end-to-end tests with every kenchi run under valgrind
# memcheck.  A memory error or a definite leak makes that run exit 99, which
# fails its test; the reports are collected in _build/valgrind.log.
# Slow (each run costs about a second): not part of `make check`.
#   sh tests/valgrind.sh [tests/e2e/NNN-name.sh ...]
cd "$(dirname "$0")/.." || exit 1
out=$PWD/_build/valgrind.log
mkdir -p _build && : >"$out"
export KENCHI_NO_JIT=1 KENCHI_VALGRIND=1 KENCHI_VG_REPORT=$out KENCHI=$PWD/kenchi KENCHI_BUILDDIR=$PWD KENCHI_DATADIR=$PWD
tests=${*:-tests/e2e/010-parse-fixtures.sh tests/e2e/020-deliver.sh tests/e2e/025-deliver-socket.sh tests/e2e/030-import.sh tests/e2e/070-cases.sh tests/e2e/080-reports.sh tests/e2e/110-replies.sh}
pass=0 fail=0
for t in $tests; do
    if bash "$t" >_build/vg-test.out 2>&1; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $t"; grep '^not ok' _build/vg-test.out | head; fi
done
# -q: valgrind writes only when it has something to report.
errors=$(grep -c 'Invalid \|uninitialised\|Mismatched\|overlap' "$out")
leaks=$(grep -c 'definitely lost' "$out")
echo "valgrind: $pass test script(s) passed, $fail failed; memory errors: $errors, definite leaks: $leaks (details: $out)"
[ "$fail" -eq 0 ] && [ "$errors" -eq 0 ] && [ "$leaks" -eq 0 ]
