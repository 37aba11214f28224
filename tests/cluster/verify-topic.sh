#!/usr/bin/env bash
# Reads a topic back with an independent Java reader (java/KrVerify.java, compiled here on
# first use against tests/cluster/libs/<version>, cached in run/java/<version>/) and checks
# exact counts:
#   verify-topic.sh --bootstrap B --topic T [--config CLIENT.properties] [--expect N]
#                   [--timeout-ms MS]
# prints "count N", one "partition P count C first F last L" line per partition and
# "ids D distinct, duplicates X, without-id W, out-of-range R"; with --expect N it checks the
# count, that no id repeats and (when every value starts with {"id":N) that the ids are
# exactly 0..N-1, and ends with OK or FAIL. --config takes the client-properties files that
# `cluster.sh env` names (KR_TEST_PROPS_*), so it reads over any listener.
# Exit 0 OK, 1 a check failed, 2 bad usage / cannot read the topic / cannot compile.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
java_home=${KR_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
src=$here/java/KrVerify.java
libs=$("$here/kafka-tool.sh" --libs) || exit 2
out=$here/run/java/$(basename "$libs")
want=$(cat "$src" "$libs"/.stamp-kafka-* | sha256sum | cut -d' ' -f1)

mkdir -p "$here/run/java"
exec 8>"$here/run/java/.lock"
flock 8
if [ "$(cat "$out/.stamp" 2>/dev/null)" != "$want" ]; then
  tmp=$out.tmp.$$
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! "$java_home/bin/javac" -nowarn -d "$tmp" -cp "$libs/*" "$src" >&2; then
    rm -rf "$tmp"
    echo "verify-topic: javac failed" >&2
    exit 2
  fi
  echo "$want" >"$tmp/.stamp"
  rm -rf "$out"
  mv "$tmp" "$out"
fi
exec 8>&-
KR_TOOL_EXTRA_CP=$out exec "$here/kafka-tool.sh" KrVerify "$@"
