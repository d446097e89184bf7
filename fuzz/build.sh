#!/bin/sh
# build.sh: build kenchi's libFuzzer targets standalone, outside the
# autotools tree, so that fuzzing never touches another engineer's build.
#
#   fuzz/build.sh [BUILDDIR]        (default /tmp/kfuzz)
#
# Every src/**/*.c except src/cli/ is compiled once with
# -fsanitize=fuzzer-no-link,address,undefined into BUILDDIR/obj and archived
# into BUILDDIR/libkenchi-fuzz.a; each fuzz/fuzz-*.c links against it with
# -fsanitize=fuzzer.  An object is rebuilt when its .c or any src/ header is
# newer, which is all the dependency tracking a handful of files needs.
# Why clang: libFuzzer ships with Debian's libclang-rt-14-dev, not with gcc.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/kfuzz}
CC=${CC:-clang}
JOBS=${JOBS:-2}

command -v "$CC" >/dev/null 2>&1 || { echo "build.sh: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
mkdir -p "$out/obj" "$out/bin"

# A minimal config.h: nothing outside src/cli/ includes it today, but a
# future file that does must still build here.
cat > "$out/config.h.new" <<EOC
#define PACKAGE "kenchi"
#define PACKAGE_NAME "kenchi"
#define PACKAGE_VERSION "0.1.0-fuzz"
#define PACKAGE_STRING "kenchi 0.1.0-fuzz"
#define PACKAGE_TARNAME "kenchi"
#define PACKAGE_BUGREPORT "soc@example.invalid"
#define PACKAGE_URL ""
#define VERSION "0.1.0-fuzz"
#define HAVE_UNISTD_H 1
#define HAVE_STRING_H 1
#define HAVE_STDINT_H 1
#define STDC_HEADERS 1
EOC
if cmp -s "$out/config.h.new" "$out/config.h" 2>/dev/null; then rm -f "$out/config.h.new"; else mv "$out/config.h.new" "$out/config.h"; fi

etpan_libs=$(pkg-config --libs libetpan | sed 's/-specs=[^ ]*//g')
PKG_CFLAGS=$(pkg-config --cflags gmime-3.0 json-glib-1.0 glib-2.0 gio-2.0 libpcre2-8 sqlite3 nettle libesmtp-1.0 libetpan | sed 's/-specs=[^ ]*//g')
PKG_LIBS="$(pkg-config --libs gmime-3.0 json-glib-1.0 glib-2.0 gio-2.0 libpcre2-8 sqlite3 nettle libesmtp-1.0) $etpan_libs -lpthread"

# UBSan stays recoverable so that a suppressions file can hold known,
# reported issues during long campaigns; UBSAN_OPTIONS=halt_on_error=1 (set
# by the scripts) still makes every other report fatal.
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"
CFLAGS="-std=gnu11 -g -O1 -Wall -Wno-unused-parameter -Werror=incompatible-pointer-types -Werror=implicit-function-declaration $SAN -I$top/src -I$out \
	-DKENCHI_PKGDATADIR=\"/nonexistent\" -DKENCHI_SRCDIR=\"$top\" $PKG_CFLAGS"
export CC CFLAGS

# The newest header: a changed struct must rebuild every object.
newest_h=$(find "$top/src" -name '*.h' -newer "$out/lib.stamp" 2>/dev/null | head -n 1 || true)
[ -f "$out/lib.stamp" ] || newest_h=all
# Changed flags (this script, pkg-config) rebuild everything too.
if [ "$(cat "$out/cflags" 2>/dev/null)" != "$CC $CFLAGS" ]; then
	newest_h=all
	printf '%s' "$CC $CFLAGS" > "$out/cflags"
fi

srcs=$(cd "$top/src" && find . -name '*.c' ! -path './cli/*' ! -name 'gen-*.c' | sed 's|^\./||' | sort)
todo=""
for s in $srcs; do
	o="$out/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
	if [ -n "$newest_h" ] || [ ! -f "$o" ] || [ "$top/src/$s" -nt "$o" ]; then
		todo="$todo $s"
	fi
done
if [ -n "$todo" ]; then
	echo "build.sh: compiling$(echo $todo | wc -w | sed 's/^/ /') file(s) of src/"
	# shellcheck disable=SC2086
	printf '%s\n' $todo | xargs -P "$JOBS" -I{} sh -c '
		o="$0/obj/$(echo "{}" | tr / _ | sed "s/\.c\$/.o/")"
		$CC $CFLAGS -fsanitize=fuzzer-no-link -c "$1/src/{}" -o "$o"' "$out" "$top"
	rm -f "$out/libkenchi-fuzz.a"
fi
if [ ! -f "$out/libkenchi-fuzz.a" ]; then
	ar rcs "$out/libkenchi-fuzz.a" "$out"/obj/*.o
fi
touch "$out/lib.stamp"

for f in "$top"/fuzz/fuzz-*.c; do
	t=$(basename "$f" .c)
	if [ ! -x "$out/bin/$t" ] || [ "$f" -nt "$out/bin/$t" ] || [ "$out/libkenchi-fuzz.a" -nt "$out/bin/$t" ] \
	    || [ "$top/fuzz/fuzz-common.h" -nt "$out/bin/$t" ]; then
		echo "build.sh: linking $t"
		# shellcheck disable=SC2086
		$CC $CFLAGS -fsanitize=fuzzer -o "$out/bin/$t" "$f" "$out/libkenchi-fuzz.a" $PKG_LIBS
	fi
done
echo "build.sh: targets in $out/bin"
