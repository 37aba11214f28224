#!/usr/bin/env bash
# A producer against a large cluster: librdkafka's mock cluster (kr_mock_sink) of
# BROKERS brokers and TOPICS topics of PARTS partitions, driven by kr_scale (exact
# delivery, memory, metadata refresh cost). Figures in docs/BENCHMARKS.md.
#
#   bench/scale.sh [BUILD_DIR] [BROKERS] [TOPICS] [PARTS]     defaults: build-rel 300 50 400
# The JSON line goes to stdout and, with the brokers added, to bench/results/scale.json.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-rel}
brokers=${2:-300}
topics=${3:-50}
parts=${4:-400}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C "$build" kr_scale kr_mock_sink >/dev/null
tmp=$(mktemp -d)
args=(--brokers "$brokers" --port-file "$tmp/bootstrap")
for ((t = 0; t < topics; t++)); do args+=(--topic "scale$t:$parts"); done
"$build/bench/kr_mock_sink" "${args[@]}" >/dev/null &
mock=$!
trap 'kill "$mock" 2>/dev/null; wait "$mock" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1200); do [ -s "$tmp/bootstrap" ] && break; sleep 0.1; done
[ -s "$tmp/bootstrap" ] || { echo "scale: kr_mock_sink did not start" >&2; exit 2; }
# One bootstrap address is enough: the rest comes from metadata.
boot=$(cut -d, -f1 "$tmp/bootstrap")
set +e
"$build/bench/kr_scale" -b "$boot" --topics "$topics" --partitions "$parts" --idle-s 10 \
  >"$tmp/out"
rc=$?
set -e
cat "$tmp/out"
[ "$rc" = 0 ] || exit "$rc"
python3 -c 'import json,sys; j=json.loads(open(sys.argv[1]).read()); j["brokers"]=int(sys.argv[2])
print(json.dumps(j))' "$tmp/out" "$brokers" >bench/results/scale.json
