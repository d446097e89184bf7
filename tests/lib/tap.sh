# tests/lib/tap.sh: a small TAP producer for bash test scripts.
#
# Sourced by every shell test (run by automake's tap-driver.sh). It also
# creates the test's scratch directory and owns the one EXIT trap, because a
# test that dies half-way must still stop its servers and remove its files:
# register cleanups with kt_at_exit instead of calling `trap` yourself.
#
#   . "$(dirname "$0")/../lib/tap.sh"
#   plan 3                       # or no plan and done_testing at the end
#   ok "$status" "description"   # status 0 = pass (e.g. `cmd; ok $? "desc"`)
#   run_ok "description" cmd args...
#   is "$got" "$expected" "description"
#   isnt "$got" "$unexpected" "description"
#   like "$got" 'bash-regex' "description";   unlike ...
#   cmp_ok "$a" -lt "$b" "description"        # any test(1) integer operator
#   skip "reason" [count]
#   diag "text"  /  note "text"               # '# text' lines
#   bail "reason"                             # 'Bail out!' and exit
#   done_testing                              # prints the plan if none yet
#
# Variables: KT_TMP (scratch dir, mode 0755 so that unprivileged daemons can
# traverse it), KT_LIB (this directory), KT_TOP (source tree root),
# KT_PY (/usr/bin/python3: Debian's python, the one with aiosmtpd).
# KENCHI_KEEP_TMP=1 keeps the scratch dir; KENCHI_TMPBASE changes its parent
# (default /tmp; keep it short, Dovecot's unix sockets live under it).

[ -n "${KT__TAP_LOADED:-}" ] && return 0
KT__TAP_LOADED=1

KT_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KT_TOP=$(cd "$KT_LIB/../.." && pwd)
KT_PY=${KT_PY:-/usr/bin/python3}
export KT_LIB KT_TOP KT_PY

KT__N=0            # tests run
KT__FAIL=0         # tests failed
KT__PLANNED=""     # plan printed up front (number) or empty
KT__DONE=""        # done_testing called
KT__CLEANUPS=()    # commands run at exit, last registered first

KT_TMP=$(mktemp -d "${KENCHI_TMPBASE:-/tmp}/kt.XXXXXX") || {
    echo "Bail out! cannot create scratch directory"; exit 1; }
chmod 0755 "$KT_TMP"
export KT_TMP

kt_at_exit() {
    KT__CLEANUPS+=("$*")
}

# kt_kill SIG PID: signal PID only while it is still a child of this
# script.  A cleanup that kills a PID it waited for long ago would hit
# whatever process got that number since: with pid_max at 32768 and the
# thousands of processes a load test starts, numbers come round within
# minutes, and a stale "kill $pid" at one test's exit stopped another
# test's daemon (CI, 130-load: "the daemon died", exit 0 from SIGTERM).
kt_kill() {
    local ppid
    ppid=$(ps -o ppid= -p "$2" 2>/dev/null | tr -d ' ')
    [ -n "$ppid" ] && [ "$ppid" = "$$" ] && kill "$1" "$2" 2>/dev/null
    return 0
}

kt__exit() {
    local rc=$? i
    trap - EXIT INT TERM HUP
    for ((i = ${#KT__CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${KT__CLEANUPS[i]}" || true
    done
    if [ "${KENCHI_KEEP_TMP:-0}" = 1 ]; then
        echo "# scratch directory kept: $KT_TMP"
    else
        rm -rf "$KT_TMP"
    fi
    if [ -z "$KT__DONE" ] && [ -z "$KT__PLANNED" ] && [ "$KT__N" -gt 0 ]; then
        echo "# test script ended (status $rc) without done_testing after $KT__N tests"
        [ "$rc" -eq 0 ] && rc=1
    fi
    [ "$rc" -eq 0 ] && [ "$KT__FAIL" -gt 0 ] && rc=1
    exit "$rc"
}
trap kt__exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

plan() {
    if [ "${1:-}" = skip_all ]; then
        echo "1..0 # SKIP ${2:-}"
        KT__PLANNED=0 KT__DONE=1
        exit 0
    fi
    KT__PLANNED=$1
    echo "1..$1"
}

kt__result() {     # kt__result STATUS DESC [DIRECTIVE]
    KT__N=$((KT__N + 1))
    local desc=${2//#/\\#}
    if [ "$1" -eq 0 ]; then
        echo "ok $KT__N - $desc${3:+ # $3}"
    else
        echo "not ok $KT__N - $desc${3:+ # $3}"
        KT__FAIL=$((KT__FAIL + 1))
        local i=1
        # point at the caller's line in the test script
        while [ "${FUNCNAME[i]:-}" != "" ] && [ "${BASH_SOURCE[i]}" = "${BASH_SOURCE[0]}" ]; do
            i=$((i + 1))
        done
        echo "#   Failed test '$2' at ${BASH_SOURCE[i]:-?} line ${BASH_LINENO[i-1]:-?}."
    fi
    return "$1"
}

ok() {
    local st=${1:-1}
    case $st in ''|*[!0-9]*) st=1 ;; esac
    kt__result "$st" "${2:-}"
}

run_ok() {
    local desc=$1; shift
    "$@"
    kt__result $? "$desc"
}

is() {
    if [ "$1" = "$2" ]; then
        kt__result 0 "${3:-}"
    else
        kt__result 1 "${3:-}"
        diag "     got: '$1'"
        diag "expected: '$2'"
        return 1
    fi
}

isnt() {
    if [ "$1" != "$2" ]; then
        kt__result 0 "${3:-}"
    else
        kt__result 1 "${3:-}"
        diag "     got: '$1'"
        diag "expected anything else"
        return 1
    fi
}

like() {
    if [[ $1 =~ $2 ]]; then
        kt__result 0 "${3:-}"
    else
        kt__result 1 "${3:-}"
        diag "                  '$1'"
        diag "    doesn't match '$2'"
        return 1
    fi
}

unlike() {
    if ! [[ $1 =~ $2 ]]; then
        kt__result 0 "${3:-}"
    else
        kt__result 1 "${3:-}"
        diag "                  '$1'"
        diag "          matches '$2'"
        return 1
    fi
}

cmp_ok() {          # cmp_ok A OP B DESC, OP one of -eq -ne -lt -le -gt -ge
    if [ "$1" "$2" "$3" ] 2>/dev/null; then
        kt__result 0 "${4:-}"
    else
        kt__result 1 "${4:-}"
        diag "    '$1' $2 '$3' is false"
        return 1
    fi
}

skip() {            # skip REASON [COUNT]
    local i
    for ((i = 0; i < ${2:-1}; i++)); do
        KT__N=$((KT__N + 1))
        echo "ok $KT__N # SKIP ${1:-}"
    done
}

diag() {
    local line
    while IFS= read -r line; do echo "# $line"; done <<<"$*"
}
note() { diag "$@"; }

# diag_file FILE [LINES]: show the tail of a log file in the TAP output.
diag_file() {
    [ -f "$1" ] || { diag "($1 does not exist)"; return 0; }
    diag "--- tail of $1"
    diag "$(tail -n "${2:-20}" "$1")"
}

bail() {
    echo "Bail out! ${*:-}"
    KT__DONE=1
    exit 255
}

done_testing() {
    KT__DONE=1
    [ -z "$KT__PLANNED" ] && echo "1..$KT__N"
    if [ "$KT__FAIL" -gt 0 ]; then
        echo "# failed $KT__FAIL of $KT__N tests"
        exit 1
    fi
    exit 0
}
