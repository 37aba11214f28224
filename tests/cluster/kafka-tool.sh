#!/usr/bin/env bash
# Runs any Apache Kafka main class from tests/cluster/libs with Java 17, a small heap and
# a quiet log4j2 config (WARN and above, to stderr). Examples:
#   kafka-tool.sh org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server B \
#       --topic t --from-beginning --max-messages N --property print.key=true
#   kafka-tool.sh kafka.tools.DumpLogSegments --deep-iteration --files X.log
# Environment: KR_JAVA_HOME (default Java 17), KR_TOOL_HEAP (default -Xms32m -Xmx512m),
# KR_TOOL_JAVA_OPTS (extra JVM options, e.g. -XX:TieredStopAtLevel=1 for short tools),
# KR_TOOL_EXTRA_CP (classpath entries put before the Kafka jars).
# `kafka-tool.sh --libs` prints the jar folder and exits.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
java_home=${KR_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}

libs=$here/libs
if [ "${1:-}" = --libs ]; then
  ls "$libs"/.stamp-kafka-* >/dev/null 2>&1 || { echo "kafka-tool: no jars in $libs" >&2; exit 1; }
  echo "$libs"
  exit 0
fi
if [ $# -lt 1 ]; then
  echo "usage: $0 MAIN_CLASS [args...]" >&2
  exit 2
fi
if ! ls "$here"/libs/.stamp-kafka-* >/dev/null 2>&1; then
  echo "kafka-tool: no Kafka jars in $here/libs; run $here/fetch-kafka.sh" >&2
  exit 1
fi

# shellcheck disable=SC2086 # the option strings are meant to split into words
exec "$java_home/bin/java" ${KR_TOOL_HEAP:--Xms32m -Xmx512m} -XX:+UseSerialGC \
  -Djava.awt.headless=true -Dlog4j2.configurationFile="$here/tools-log4j2.xml" \
  ${KR_TOOL_JAVA_OPTS:-} -cp "${KR_TOOL_EXTRA_CP:+$KR_TOOL_EXTRA_CP:}$libs/*" "$@"
