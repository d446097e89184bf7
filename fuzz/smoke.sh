#!/bin/sh
# smoke.sh: a short run of every fuzz target, for CI (about 60 s in all).
#
#   fuzz/smoke.sh [BUILDDIR]         (default /tmp/kfuzz)
#
# Builds the targets when needed (build.sh), regenerates the seeds from
# fixtures/ (seed.sh, which includes every fixtures/fuzz-regressions/ file),
# then runs each target for SMOKE_SECS seconds (default 9).  New inputs go
# to a temporary directory that is removed afterwards, so CI never grows a
# corpus and two runs start alike.  Prints one line per target with its
# execution count; exits 1 when any target crashed, leaked, timed out or ran
# out of memory, leaving the reproducer in BUILDDIR/smoke-artifacts/.
# SMOKE_BINDIR=DIR runs targets built elsewhere (`make` with
# --enable-fuzzing puts them in BUILDDIR/fuzz/) instead of building here.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/kfuzz}
secs=${SMOKE_SECS:-9}
targets=${SMOKE_TARGETS:-"mime apijson rules scoring template commands"}

bin=${SMOKE_BINDIR:-$out/bin}
if [ -z "${SMOKE_BINDIR:-}" ]; then
	sh "$top/fuzz/build.sh" "$out" >/dev/null || { echo "smoke: build failed" >&2; exit 1; }
fi
sh "$top/fuzz/seed.sh" "$out" >/dev/null || { echo "smoke: seeding failed" >&2; exit 1; }

KENCHI_DATADIR=$top
G_SLICE=always-malloc
# A smaller quarantine keeps a 9-second run under -rss_limit_mb=512.
# Leaks are not checked in this short smoke: GLib, GMime and json-glib make
# one-time allocations that LeakSanitizer pins on whichever input came
# first, which made the smoke flaky.  The ASan run of the whole test suite,
# tests/valgrind.sh and the long campaigns (campaign.sh) check leaks.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:allocator_may_return_null=1:quarantine_size_mb=64
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export KENCHI_DATADIR G_SLICE ASAN_OPTIONS UBSAN_OPTIONS
unset KENCHI_FUZZ_KNOWN

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kenchi-smoke.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$out/smoke-artifacts"
fail=0
total=0
for t in $targets; do
	# Saved regressions first, as file arguments, in a fresh process, with
	# LeakSanitizer on: its check at exit only reports memory that nothing
	# reaches any more, so GLib's one-time allocations (held by globals)
	# cannot make it flaky, and a regression that leaks must fail until
	# fixed.  (libFuzzer never leak-checks the seeds of a corpus directory.)
	regs=$(ls "$top"/fixtures/fuzz-regressions/"$t"-* 2>/dev/null || true)
	if [ -n "$regs" ]; then
		# shellcheck disable=SC2086
		if ! ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=1" "$bin/fuzz-$t" -runs=1 -timeout=5 -rss_limit_mb=512 $regs > "$tmp/$t-regressions.log" 2>&1; then
			fail=1
			printf 'smoke: %-9s FAIL replaying fixtures/fuzz-regressions/%s-*\n' "$t" "$t"
			grep -E 'ERROR:|SUMMARY:|runtime error|fatal GLib|Running:' "$tmp/$t-regressions.log" | tail -n 8 | sed 's/^/    /'
			cp "$tmp/$t-regressions.log" "$out/smoke-artifacts/$t-regressions.log"
		fi
	fi
	mkdir -p "$tmp/$t"
	dict=
	[ -f "$top/fuzz/$t.dict" ] && dict="-dict=$top/fuzz/$t.dict"
	# shellcheck disable=SC2086
	nice -n 10 "$bin/fuzz-$t" $dict -max_total_time="$secs" -timeout=5 -rss_limit_mb=512 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$out/smoke-artifacts/$t-" \
		"$tmp/$t" "$out/seeds/$t" > "$tmp/$t.log" 2>&1
	rc=$?
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log")
	[ -n "$n" ] || n=$(grep -o '^#[0-9]*' "$tmp/$t.log" | tail -n 1 | tr -d '#')
	total=$((total + ${n:-0}))
	if [ $rc -ne 0 ]; then
		fail=1
		printf 'smoke: %-9s FAIL (exit %d) after %s executions\n' "$t" "$rc" "${n:-?}"
		grep -E 'ERROR:|SUMMARY:|runtime error|fatal GLib|Test unit written' "$tmp/$t.log" | head -n 8 | sed 's/^/    /'
		cp "$tmp/$t.log" "$out/smoke-artifacts/$t.log"
	else
		printf 'smoke: %-9s ok   %s executions in %s s\n' "$t" "$n" "$secs"
	fi
done
printf 'smoke: %s executions in all\n' "$total"
exit $fail
