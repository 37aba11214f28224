#!/usr/bin/env bash
# Packaging test: `cmake --install` into a temporary prefix, then build examples/produce.c
# against the INSTALLED kring only (never the source tree), twice: with pkg-config and
# with CMake's find_package(kring), shared and static. Each build runs --help, a bad
# setting (the engine's message, exit 2) and a producer against a port nobody listens on
# (every record fails in its delivery report, exit 1). Also checks kring --version, the
# SONAME and that only kring.h, kr_error.h and kr_kerr.h are installed as headers.
#   tests/deploy/install.sh [SOURCE_DIR]
# Uses its own Release build (no sanitizers: the example is linked like a user's program).
set -euo pipefail
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kr-install.XXXXXX")
fail() { echo "FAIL: $*"; echo "work files kept in $work"; exit 1; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

version=$(sed -n 's/^project(kring VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ -n "$version" ] || fail "no project(kring VERSION x.y.z) in $src/CMakeLists.txt"
major=${version%%.*}
minor=${version#*.}; minor=${minor%%.*}
soversion=$major
[ "$major" = 0 ] && soversion=$major.$minor

log "configure, build and install kring $version into $work/prefix"
cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$work/prefix" >"$work/configure.log" || { cat "$work/configure.log"; fail "configure"; }
ninja -C "$work/build" -j "${KR_JOBS:-2}" kring kring_static kring_shared >"$work/build.log" ||
  { tail -n 30 "$work/build.log"; fail "build"; }
cmake --install "$work/build" >"$work/install.log" || { cat "$work/install.log"; fail "install"; }
prefix=$work/prefix
libdir=$(ls -d "$prefix"/lib*/ | head -n 1); libdir=${libdir%/}

# What was installed.
headers=$(cd "$prefix/include" && find . -type f | sort | tr '\n' ' ')
[ "$headers" = "./kring/kr_error.h ./kring/kr_kerr.h ./kring/kring.h " ] ||
  fail "installed headers are '$headers', want only kring/kring.h, kr_error.h and kr_kerr.h"
for f in "$prefix/bin/kring" "$libdir/libkring.a" "$libdir/libkring.so.$version" \
         "$libdir/pkgconfig/kring.pc" "$libdir/cmake/kring/kringConfig.cmake" \
         "$libdir/cmake/kring/kringConfigVersion.cmake"; do
  [ -e "$f" ] || fail "not installed: $f"
done
[ "$(readlink "$libdir/libkring.so")" = "libkring.so.$soversion" ] || fail "libkring.so link"
soname=$(readelf -d "$libdir/libkring.so.$version" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libkring.so.$soversion" ] || fail "SONAME is '$soname', want libkring.so.$soversion"
if nm -D --defined-only "$libdir/libkring.so" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v '^kr_'; then
  fail "the shared library exports names outside kr_*"
fi
out=$("$prefix/bin/kring" --version)
[ "$out" = "kring $version" ] || fail "kring --version printed '$out', want 'kring $version'"
log "installed: headers, libkring.a, libkring.so.$version (SONAME $soname), kring.pc, CMake package, kring"

# run_example BINARY: the three runs every build of the example must pass.
run_example() {
  local exe=$1 rc
  "$exe" --help | grep -q '^usage: produce' || fail "$exe --help"
  set +e
  "$exe" -X acks=sometimes 127.0.0.1:1 t >"$work/out" 2>&1; rc=$?
  set -e
  [ "$rc" = 2 ] && grep -q acks "$work/out" || { cat "$work/out"; fail "$exe: bad setting: exit $rc"; }
  # Port 1 on localhost: connection refused, so every record times out in its report.
  set +e
  timeout 60 "$exe" -X delivery.timeout.ms=1500 -X request.timeout.ms=1000 -X linger.ms=5 \
    127.0.0.1:1 t 5 >"$work/out" 2>&1; rc=$?
  set -e
  [ "$rc" = 1 ] && grep -q '^0 acknowledged, 5 failed' "$work/out" ||
    { cat "$work/out"; fail "$exe: no broker: exit $rc"; }
  log "$(basename "$exe"): --help, bad setting (exit 2), no broker ($(cat "$work/out"))"
}

export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion kring)" = "$version" ] || fail "pkg-config --modversion kring"
cc -Wall -Wextra -Werror -o "$work/produce_pc" "$src/examples/produce.c" \
  $(pkg-config --cflags --libs kring) -Wl,-rpath,"$libdir"
run_example "$work/produce_pc"
cc -Wall -Wextra -Werror -o "$work/produce_pc_static" "$src/examples/produce.c" \
  $(pkg-config --cflags kring) "$libdir/libkring.a" $(pkg-config --static --libs-only-l kring | sed 's/-lkring//')
run_example "$work/produce_pc_static"

cmake -S "$src/examples" -B "$work/example" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  >"$work/example.log" || { cat "$work/example.log"; fail "find_package(kring)"; }
ninja -C "$work/example" >>"$work/example.log" || { cat "$work/example.log"; fail "example build"; }
run_example "$work/example/produce"
run_example "$work/example/produce_static"
ldd "$work/example/produce" | grep -q "libkring.so.$soversion => $libdir" ||
  fail "the CMake example does not load the installed libkring.so.$soversion"

rm -rf "$work"
echo PASS
