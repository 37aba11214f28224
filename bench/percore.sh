#!/usr/bin/env bash
# The whole kring produce process per record, beside liblz4 alone on the same records and
# librdkafka, side by side in one run (bench/percore.py), with a perf profile of where a
# record's CPU goes; then the tables of docs/BENCHMARKS.md (bench/report.py).
#
#   bench/percore.sh [--records N] [--rounds R] [--base-kring PATH] [--three] [--build DIR]
#                    [--out DIR]
#
# Builds a Release tree (default build-bench), writes the flight events `kring generate`
# makes for N records (default 4,000,000, about 1.2 GB) and 100,000 distinct ones for
# librdkafka's preloading harness into a scratch folder, and removes them after.
# --base-kring adds an earlier kring binary's runs to every round (before/after). --three
# starts the 3-node cluster of tests/cluster (and stops it after) and adds kring produce
# into it, acks=all, to every round.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
out=$root/bench/results
records=4000000
rounds=7
base=()
three=0
while [ $# -gt 0 ]; do
  case $1 in
    --records) records=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --base-kring) base=(--base-kring "$2"); shift 2 ;;
    --three) three=1; shift ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--records N] [--rounds R] [--base-kring PATH] [--three] [--build DIR]" \
            "[--out DIR]" >&2
       exit 2 ;;
  esac
done
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" kring kr_bench kr_lz4_file kr_mock_sink kr_rdk_bench >/dev/null
work=$(mktemp -d /tmp/kr-percore.XXXXXX)
cluster_sh=$root/tests/cluster/cluster.sh
cleanup() {
  [ "$three" = 1 ] && bash "$cluster_sh" stop three >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
cluster=()
if [ "$three" = 1 ]; then
  bash "$cluster_sh" start three >/dev/null
  bash "$cluster_sh" create-topic three kr-percore 6 3 min.insync.replicas=2 >/dev/null
  cluster=(--three-bootstrap "$(bash "$cluster_sh" bootstrap three plaintext)" --three-topic kr-percore)
fi
"$build/cli/kring" generate -n "$records" > "$work/flights.txt"
"$build/cli/kring" generate -n 100000 > "$work/distinct.txt"
profile=()
command -v perf >/dev/null && profile=(--profile)
python3 "$root/bench/percore.py" --build "$build" --file "$work/flights.txt" \
  --distinct "$work/distinct.txt" --records "$records" --rounds "$rounds" --work "$work" \
  --out "$out" "${profile[@]}" "${base[@]}" "${cluster[@]}"
python3 "$root/bench/report.py" --results "$out"
