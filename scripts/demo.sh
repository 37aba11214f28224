#!/usr/bin/env bash
# The main job, from a fresh Debian machine: installs what is missing, builds kring,
# starts a local Apache Kafka (KRaft, 3 nodes on 127.0.0.1 by default), creates a topic
# of 12 partitions, sends generated flight events with kring (acks=all, idempotent,
# LZ4), prints kring's summary, counts the topic with Kafka's own GetOffsetShell and
# compares, then stops the cluster (if it started it).
#
#   bash scripts/demo.sh [COUNT] [three|single]      (default: 5000000 three)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
count=${1:-5000000}
cluster=${2:-three}
case "$cluster" in
  three) rf=3 ;;
  single) rf=1 ;;
  *) echo "usage: scripts/demo.sh [COUNT] [three|single]" >&2; exit 2 ;;
esac
[[ "$count" =~ ^[0-9]+$ ]] || { echo "demo: COUNT must be a number" >&2; exit 2; }

bash scripts/setup.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build-release kring >/dev/null

# Stop the cluster at the end only if this run started it.
if ! bash tests/cluster/cluster.sh status "$cluster" >/dev/null 2>&1; then
  bash tests/cluster/cluster.sh start "$cluster"
  trap 'bash tests/cluster/cluster.sh stop '"$cluster"' >/dev/null 2>&1 || true' EXIT
fi
eval "$(bash tests/cluster/cluster.sh env "$cluster")"
topic="flights-$(date +%s)"
bash tests/cluster/cluster.sh create-topic "$cluster" "$topic" 12 "$rf" >/dev/null

echo
echo "kring: $count flight events to $topic on $KR_TEST_BOOTSTRAP (acks=all, idempotent, lz4)"
set +e
build-release/cli/kring produce -b "$KR_TEST_BOOTSTRAP" -t "$topic" -n "$count" --acks all \
  --compression lz4 --report-json "build-release/demo-report.json"
rc=$?
set -e

echo
echo "independent count (Kafka's GetOffsetShell, latest offsets summed over partitions):"
stored=$("$KR_TEST_KAFKA_TOOL" org.apache.kafka.tools.GetOffsetShell \
  --bootstrap-server "$KR_TEST_BOOTSTRAP" --topic "$topic" --time -1 |
  awk -F: '{ s += $NF } END { print s + 0 }')
echo "  kring sent $count, the topic holds $stored"
if [ "$rc" -ne 0 ] || [ "$stored" -ne "$count" ]; then
  echo "demo: FAILED (kring exit $rc)" >&2
  exit 1
fi
echo "demo: OK, every record acknowledged and stored exactly once"
