#!/usr/bin/env bash
# Where one core's time goes in kring's pipeline: perf profiles of kr_bench's pipeline
# cases (no network), written to bench/results/profile-<case>.txt for docs/BENCHMARKS.md.
#
#   bench/profile.sh [--build DIR] [--out DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
out=$root/bench/results
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done
command -v perf >/dev/null || { echo "profile: perf not found; skipped" >&2; exit 0; }
tmp=$(mktemp -d /tmp/kr-profile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
for c in pipeline_lz4_acks1 pipeline_none_acks1; do
  perf record -q -o "$tmp/$c.data" "$build/bench/kr_bench" --filter "=$c" --time 3 >/dev/null
  perf report -i "$tmp/$c.data" --no-children --stdio --percent-limit 0.5 2>/dev/null \
    | grep -E '^ +[0-9.]+%' | head -20 > "$out/profile-$c.txt"
done
