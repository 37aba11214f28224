#!/usr/bin/env bash
# Every benchmark in one command: builds (Release), records the machine, runs the per-core
# microbenchmarks three times, runs bench/compare.py (kring beside librdkafka, kcat and the
# Java producer on the mock sink and the real single-node and 3-node Kafka), and with
# --target the 5-minute 3-node run (bench/target.sh); then bench/report.py writes the plots
# and the tables of docs/BENCHMARKS.md. Results land in bench/results/.
#
#   bench/compare.sh [--quick] [--target] [--no-micro] [--no-compare] [compare.py options]
#
# --quick: a quarter of the records, 2 rounds, no batch-size sweep (a few minutes).
# The full run takes about 20-25 minutes on the 2-core machine (35 with --target).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
results=$root/bench/results
micro=1 compare=1 target=0
pass=()
while [ $# -gt 0 ]; do
  case $1 in
    --target) target=1 ;;
    --no-micro) micro=0 ;;
    --no-compare) compare=0 ;;
    *) pass+=("$1") ;;
  esac
  shift
done
mkdir -p "$results"

# Everything this needs: the project's set-up, and Debian's matplotlib for the plots.
bash "$root/scripts/setup.sh"
if ! dpkg-query -W -f='${Status}' python3-matplotlib 2>/dev/null | grep -q 'install ok installed'; then
  echo "== installing python3-matplotlib (the plots)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-matplotlib >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-matplotlib >/dev/null; }
fi

echo "== build ($build, Release)" >&2
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" kr_bench kr_rdk_bench kr_kring_bench kr_mock_sink kring >/dev/null

ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
python3 - "$results/machine.json" <<EOF
import json, platform, subprocess, sys
def out(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"
m = {
    "CPU": out("lscpu | sed -n 's/^Model name: *//p'") + ", "
           + out("nproc") + " cores (" + out("lscpu | sed -n 's/^Hypervisor vendor: *//p'")
           + " guest), L2 " + out("lscpu | sed -n 's/^L2 cache: *//p'") + ", L3 "
           + out("lscpu | sed -n 's/^L3 cache: *//p'"),
    "memory": out("free -g | awk '/^Mem/ {print \$2}'") + " GiB",
    "kernel": platform.release(),
    "compiler": out("cc --version | head -1") + ", -O2 (CMAKE_BUILD_TYPE=Release)",
    "liblz4": "$(ver liblz4-1)",
    "liburing": "$(ver liburing2)",
    "librdkafka (Debian)": "$(ver librdkafka1)",
    "kcat": "$(ver kcat)",
    "Java": out("/usr/lib/jvm/java-17-openjdk-amd64/bin/java -version 2>&1 | head -1"),
    "Kafka (brokers, Java client)": "4.1.2 (tests/cluster/pom.xml)",
    "kring": out("git -C $root rev-parse --short HEAD"),
}
json.dump(m, open(sys.argv[1], "w"), indent=1)
EOF

if [ "$micro" = 1 ]; then
  echo "== microbenchmarks (3 invocations)" >&2
  : > "$results/micro.jsonl"
  for i in 1 2 3; do
    "$build/bench/kr_bench" --json | sed "s/}\$/,\"invocation\":$i}/" >> "$results/micro.jsonl"
  done
  "$build/bench/kr_bench" --list >/dev/null
fi

if [ "$micro" = 1 ]; then
  echo "== profiles of the pipeline (perf)" >&2
  bash "$root/bench/profile.sh" --build "$build" --out "$results"
fi

if [ "$compare" = 1 ]; then
  echo "== compare" >&2
  python3 "$root/bench/compare.py" --build "$build" --out "$results" "${pass[@]}"
fi

if [ "$target" = 1 ]; then
  echo "== target (5 minutes on the 3-node cluster)" >&2
  bash "$root/bench/target.sh" --build "$build" --out "$results"
fi

echo "== report" >&2
py=/usr/bin/python3 # Debian's, which has python3-matplotlib
"$py" "$root/bench/report.py" --results "$results" --doc "$root/docs/BENCHMARKS.md"
