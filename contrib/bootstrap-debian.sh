#!/bin/sh
# bootstrap-debian.sh: install what kenchi needs on Debian 12 (as root) and
# build it in place.  Idempotent: a second run only rebuilds what changed.
#
# --no-install-recommends matters: procmail and maildrop would otherwise pull
# in exim4 as the system MTA, and python3-aiosmtpd a font stack.  The test
# servers (Dovecot, aiosmtpd) are installed but not started system-wide;
# tests start their own on 127.0.0.1.  clang and its libFuzzer runtime are
# for the fuzz smoke (fuzz/smoke.sh) that the test run ends with.
set -e
cd "$(dirname "$0")/.."
PKGS="libgmime-3.0-dev libetpan-dev libpcre2-dev libsqlite3-dev libesmtp-dev libjson-glib-dev nettle-dev
 autoconf automake libtool pkg-config make gcc libcmocka-dev valgrind
 dovecot-core dovecot-imapd python3-aiosmtpd procmail maildrop sqlite3 time bc openssl procps strace
 clang libclang-rt-14-dev"
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure -q
make -j"$(nproc)" -s
