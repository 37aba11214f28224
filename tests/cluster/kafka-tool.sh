#!/usr/bin/env bash
# Runs any Apache Kafka main class from tests/cluster/libs/<version> with Java 17, a small
# heap and quiet logging (WARN and above, to stderr: tools-log4j2.xml for Kafka 4.x,
# tools-log4j.properties for 3.x). Examples:
#   kafka-tool.sh org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server B \
#       --topic t --from-beginning --max-messages N --property print.key=true
#   kafka-tool.sh kafka.tools.DumpLogSegments --deep-iteration --files X.log
#   kafka-tool.sh ConsoleProducer --bootstrap-server B --topic t
# Tools that moved between packages across Kafka versions (ConsoleProducer,
# ConsoleConsumer, DumpLogSegments, ConfigCommand, ...) may be named by any of their names,
# or by the simple class name: the one the version's jars hold is run.
# Environment: KR_KAFKA_VERSION (default: pom.xml's, see fetch-kafka.sh), KR_JAVA_HOME
# (default Java 17), KR_TOOL_HEAP (default -Xms32m -Xmx512m), KR_TOOL_JAVA_OPTS (extra JVM
# options, e.g. -XX:TieredStopAtLevel=1 for short tools), KR_TOOL_EXTRA_CP (classpath
# entries put before the Kafka jars).
# `kafka-tool.sh --libs` prints the version's jar folder; `--class NAME` the class NAME runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
java_home=${KR_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}

if [ $# -lt 1 ]; then
  echo "usage: $0 MAIN_CLASS [args...] | --libs | --class NAME" >&2
  exit 2
fi
libs=$("$here/fetch-kafka.sh" --dir) || exit 2
if ! ls "$libs"/.stamp-kafka-* >/dev/null 2>&1; then
  echo "kafka-tool: no Kafka jars in $libs; run $here/fetch-kafka.sh" >&2
  exit 1
fi
if [ "$1" = --libs ]; then echo "$libs"; exit 0; fi

# The tools whose main class differs between the Kafka versions this supports.
moved=(
  org.apache.kafka.tools.ConsoleProducer kafka.tools.ConsoleProducer
  org.apache.kafka.tools.consumer.ConsoleConsumer kafka.tools.ConsoleConsumer
  kafka.tools.DumpLogSegments org.apache.kafka.tools.DumpLogSegments
  kafka.admin.ConfigCommand org.apache.kafka.tools.ConfigCommand
  org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand
  org.apache.kafka.tools.GetOffsetShell kafka.tools.GetOffsetShell
  org.apache.kafka.tools.ProducerPerformance kafka.tools.ProducerPerformance
  kafka.tools.StorageTool
)

# The class to run for NAME $1: among the moved tools with the same simple name, the first
# that the jars hold; any other name as it is.
resolve() {
  local want=${1##*.} c j index=$libs/.main-classes
  if [ ! -f "$index" ]; then
    for j in "$libs"/kafka-tools-[0-9]*.jar "$libs"/kafka_2.13-*.jar; do
      unzip -Z1 "$j" || { echo "kafka-tool: cannot list $j" >&2; exit 1; }
    done | sed -n 's:\.class$::p' | tr / . >"$index.$$"
    mv "$index.$$" "$index"
  fi
  for c in "${moved[@]}"; do
    [ "${c##*.}" = "$want" ] && grep -qxF "$c" "$index" && { echo "$c"; return 0; }
  done
  echo "$1"
}

if [ "$1" = --class ]; then
  [ $# -eq 2 ] || { echo "usage: $0 --class NAME" >&2; exit 2; }
  resolve "$2"
  exit 0
fi
main=$(resolve "$1")
shift

# shellcheck disable=SC2086 # the option strings are meant to split into words
exec "$java_home/bin/java" ${KR_TOOL_HEAP:--Xms32m -Xmx512m} -XX:+UseSerialGC \
  -Djava.awt.headless=true -Dlog4j2.configurationFile="$here/tools-log4j2.xml" \
  -Dlog4j.configuration="file:$here/tools-log4j.properties" \
  ${KR_TOOL_JAVA_OPTS:-} -cp "${KR_TOOL_EXTRA_CP:+$KR_TOOL_EXTRA_CP:}$libs/*" "$main" "$@"
