# tests/lib/kenchi.sh: helpers for tests that run the kenchi binary.
# Source after tap.sh.  Sets KENCHI (the binary), KFAULT (the fault shim),
# and points kenchi at a fresh database in the scratch dir.
KENCHI=${KENCHI:-$KT_TOP/kenchi}
# KENCHI_VALGRIND=1: every kenchi run goes through valgrind memcheck; an
# error or a definite leak makes that run exit 99 (tests/valgrind.sh).
if [ "${KENCHI_VALGRIND:-0}" = 1 ] && [ -z "${KENCHI_VG_WRAPPED:-}" ]; then
    # Logs go to a directory anyone may write: daemons and hooks run as nobody.
    mkdir -p "$KT_TMP/vg" && chmod 1777 "$KT_TMP/vg"
    cat >"$KT_TMP/kenchi-vg" <<VG
#!/bin/sh
exec valgrind -q --trace-children=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\
    --suppressions=$KT_TOP/tests/valgrind.supp --log-file=$KT_TMP/vg/vg.%p.log $KENCHI "\$@"
VG
    chmod +x "$KT_TMP/kenchi-vg"
    KENCHI=$KT_TMP/kenchi-vg
    export KENCHI_VG_WRAPPED=1
    kt_at_exit 'for f in "$KT_TMP"/vg/vg.*.log; do [ -s "$f" ] && { echo "# valgrind: $f"; sed "s/^/# /" "$f"; cat "$f" >>"${KENCHI_VG_REPORT:-/dev/null}"; }; done; true'
fi
KENCHI_BUILDDIR=${KENCHI_BUILDDIR:-$KT_TOP}
KFAULT=$KENCHI_BUILDDIR/tests/shim/libkfault.so
KFAULT_MALLOC=$KENCHI_BUILDDIR/tests/shim/libkfault-malloc.so
export KENCHI_DATADIR=${KENCHI_DATADIR:-$KT_TOP}
export KENCHI_DB=$KT_TMP/kenchi.db
export KENCHI_CONF=$KT_TOP/contrib/kenchi.conf.sample
FIX=$KT_TOP/fixtures
# ASan wants to be first in the library list; the shim is preloaded before it.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# sql QUERY: run a query on the test database, print the rows.
sql() {
    # As root, a query on a database that another user owns (a daemon's,
    # run as nobody) runs as that user: the -wal and -shm files SQLite makes
    # when it opens the database must be the daemon's, or the daemon can no
    # longer write it (a root-owned -shm made between the daemon's creating
    # the file and its first write failed test 095 once in CI).
    local as=()
    if [ "$(id -u)" -eq 0 ] && [ -e "$KENCHI_DB" ] && [ "$(stat -c %u "$KENCHI_DB")" -ne 0 ]; then
        as=(setpriv --reuid="$(stat -c %u "$KENCHI_DB")" --regid="$(stat -c %g "$KENCHI_DB")" --clear-groups --)
    fi
    "${as[@]}" "$KT_PY" - "$KENCHI_DB" "$1" <<'PY'
import sqlite3, sys
# mode=rw: never create the database (a root-owned empty file would lock
# out a daemon running as nobody that has not created it yet).
c = sqlite3.connect("file:%s?mode=rw" % sys.argv[1], uri=True, timeout=30)
for row in c.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
c.commit()
PY
}

# under_sanitizers: status 0 when kenchi was built with ASan.
under_sanitizers() {
    nm -D "$KENCHI" 2>/dev/null | grep -q __asan_init || nm "$KENCHI" 2>/dev/null | grep -q __asan_init
}

# daemon_conf: the sections every daemon test shares (the SOC, the SMTP
# sink of smtp_start, customer acme); a test adds its [kenchi] and sources.
daemon_conf() {
    cat <<CONF
[soc]
from = soc@soc.example.jp
analysts = analyst@soc.example.jp
[smtp]
host = 127.0.0.1
port = $SMTP_PORT
[customer acme]
recipients = soc+acme@soc.example.jp
report_to = security@acme.example.co.jp
CONF
}

decoded() {   # decoded FILE: subject and body of a sent mail, decoded, with LF line ends
    "$KT_PY" -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(m["Subject"]); print(m.get_content().replace("\r\n", "\n"))' "$1"
}
