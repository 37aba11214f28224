#!/usr/bin/env bash
# Fills tests/cluster/libs/<version>/ with Apache Kafka's jars (and a logging binding) from
# Maven Central, using pom.xml. The version is $KR_KAFKA_VERSION (e.g. 3.9.1, 4.4.0), else
# the <kafka.version> of pom.xml (4.1.2). Kafka 3.x gets log4j 1 (reload4j, profile log4j1),
# 4.x log4j2 (profile log4j2). Idempotent and silent when libs/<version>/ already holds the
# jars for this exact pom.xml and version (a stamp file records their checksum); otherwise
# it refetches into a fresh folder and swaps it in, so a failed fetch never leaves a
# half-filled folder. Maven's local repository is the usual ~/.m2/repository.
# Prints nothing else on stdout unless it fetches; `fetch-kafka.sh --dir` prints the folder
# the version's jars live in (without fetching).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export JAVA_HOME=${KR_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}

default=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
[ -n "$default" ] || { echo "fetch-kafka: no <kafka.version> in $here/pom.xml" >&2; exit 1; }
version=${KR_KAFKA_VERSION:-$default}
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "fetch-kafka: KR_KAFKA_VERSION must look like 4.1.2, not '$version'" >&2
  exit 2
fi
case ${version%%.*} in
  3) profile=log4j1 ;;
  4) profile=log4j2 ;;
  *) echo "fetch-kafka: Kafka $version: only 3.x and 4.x are supported" >&2; exit 2 ;;
esac
libs=$here/libs/$version
if [ "${1:-}" = --dir ]; then echo "$libs"; exit 0; fi
stamp_name=.stamp-kafka-$version
stamp_want=$( (cat "$here/pom.xml"; echo "$version $profile") | sha256sum | cut -d' ' -f1)

if [ -f "$libs/$stamp_name" ] && [ "$(cat "$libs/$stamp_name")" = "$stamp_want" ] &&
   [ -f "$libs/kafka_2.13-$version.jar" ] && [ -f "$libs/kafka-tools-$version.jar" ]; then
  exit 0
fi

command -v mvn >/dev/null || { echo "fetch-kafka: mvn not found (scripts/setup.sh installs it)" >&2; exit 1; }
[ -x "$JAVA_HOME/bin/java" ] || { echo "fetch-kafka: no Java 17 at $JAVA_HOME" >&2; exit 1; }

echo "fetch-kafka: fetching Apache Kafka $version jars ($profile) into $libs"
mkdir -p "$here/libs"
# Before per-version folders, the jars lay in libs/ itself: clear them away.
rm -f "$here"/libs/*.jar "$here"/libs/.stamp-kafka-*
tmp=$here/libs/.tmp.$version.$$
log=$(mktemp)
trap 'rm -rf "$tmp" "$log"' EXIT
if ! mvn -q -B --no-transfer-progress -f "$here/pom.xml" -P "$profile" \
     -Dkafka.version="$version" dependency:copy-dependencies \
     -DincludeScope=runtime -DoutputDirectory="$tmp" >"$log" 2>&1; then
  cat "$log" >&2
  echo "fetch-kafka: mvn failed (is Kafka $version on Maven Central?)" >&2
  exit 1
fi
[ -f "$tmp/kafka_2.13-$version.jar" ] || { echo "fetch-kafka: kafka_2.13-$version.jar missing" >&2; exit 1; }
echo "$stamp_want" >"$tmp/$stamp_name"
rm -rf "$libs"
mv "$tmp" "$libs"
echo "fetch-kafka: $(ls "$libs"/*.jar | wc -l) jars in $libs"
