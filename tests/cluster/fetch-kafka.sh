#!/usr/bin/env bash
# Fills tests/cluster/libs/ with Apache Kafka's jars (and a log4j2 binding) from Maven
# Central, as pinned in pom.xml. Idempotent and silent when libs/ already holds the jars for
# this exact pom.xml (a stamp file records its checksum); otherwise it refetches into a
# fresh folder and swaps it in, so a failed fetch never leaves a half-filled libs/.
# Maven's local repository is the usual ~/.m2/repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
libs=$here/libs
export JAVA_HOME=${KR_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}

version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
[ -n "$version" ] || { echo "fetch-kafka: no <kafka.version> in $here/pom.xml" >&2; exit 1; }
stamp_name=.stamp-kafka-$version
stamp_want=$(sha256sum "$here/pom.xml" | cut -d' ' -f1)

if [ -f "$libs/$stamp_name" ] && [ "$(cat "$libs/$stamp_name")" = "$stamp_want" ] &&
   [ -f "$libs/kafka_2.13-$version.jar" ] && [ -f "$libs/kafka-tools-$version.jar" ]; then
  exit 0
fi

command -v mvn >/dev/null || { echo "fetch-kafka: mvn not found (scripts/setup.sh installs it)" >&2; exit 1; }
[ -x "$JAVA_HOME/bin/java" ] || { echo "fetch-kafka: no Java 17 at $JAVA_HOME" >&2; exit 1; }

echo "fetch-kafka: fetching Apache Kafka $version jars into $libs"
tmp=$here/libs.tmp.$$
log=$(mktemp)
trap 'rm -rf "$tmp" "$log"' EXIT
if ! mvn -q -B --no-transfer-progress -f "$here/pom.xml" dependency:copy-dependencies \
     -DincludeScope=runtime -DoutputDirectory="$tmp" >"$log" 2>&1; then
  cat "$log" >&2
  echo "fetch-kafka: mvn failed" >&2
  exit 1
fi
[ -f "$tmp/kafka_2.13-$version.jar" ] || { echo "fetch-kafka: kafka_2.13-$version.jar missing" >&2; exit 1; }
echo "$stamp_want" >"$tmp/$stamp_name"
rm -rf "$libs"
mv "$tmp" "$libs"
echo "fetch-kafka: $(ls "$libs"/*.jar | wc -l) jars in $libs"
