#!/usr/bin/env bash
# The 1.2-billion-an-hour run: kring on the real 3-node cluster of tests/cluster for
# --duration (default 5m) with acks=all and idempotence, LZ4, flight events from the
# generator, then an independent count of what the cluster stored (GetOffsetShell and
# librdkafka's watermarks, summed over partitions) against kring's own report.
#
#   bench/target.sh [--duration 5m] [--partitions 6] [--batch-size 256k] [--threads 1]
#                   [--linger-ms 5] [--build DIR] [--out DIR] [--no-perf]
#
# The cluster is shared: if someone else runs 'three' this waits (up to 30 min) for it to be
# stopped, then starts it, and stops it after. While kring runs it samples every process's
# CPU (kring, each broker) and records a 20 s perf profile of kring.
# Writes OUT/target.json (default bench/results/) and prints a summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
out=$root/bench/results
duration=5m
partitions=6
batch=256k
threads=1
linger=5
perf=1
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --batch-size) batch=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --linger-ms) linger=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-perf) perf=0; shift ;;
    *) echo "usage: $0 [--duration D] [--partitions N] [--batch-size B] [--threads N]" \
            "[--linger-ms MS] [--build DIR] [--out DIR] [--no-perf]" >&2; exit 2 ;;
  esac
done
cluster_sh=$root/tests/cluster/cluster.sh
tool=$root/tests/cluster/kafka-tool.sh
kring=$build/cli/kring
mkdir -p "$out"
work=$(mktemp -d /tmp/kr-target.XXXXXX)

# Free means down for 2 minutes straight: a fault test that restarts every node leaves the
# cluster down for a moment while it still uses it.
waited=0 down=0
while [ "$down" -lt 120 ]; do
  rc=0; bash "$cluster_sh" status three >/dev/null 2>&1 || rc=$?
  if [ "$rc" -eq 3 ]; then
    down=$((down + 15))
  else
    down=0
    echo "target: cluster 'three' is in use (status $rc); waiting for it to stop" >&2
  fi
  if [ "$waited" -ge 1800 ]; then
    echo "target: cluster 'three' stayed in use by someone else for 30 min; giving up" >&2
    exit 1
  fi
  sleep 15; waited=$((waited + 15))
done

topic=kr-target-$$
cleanup() {
  bash "$cluster_sh" stop three >/dev/null 2>&1 || true
  # The cluster is formatted afresh at its next start; free the disk our topic took now.
  rm -rf "$root"/tests/cluster/run/three/node*/data/"$topic"-* 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Segments are deleted past retention.bytes (below) so a long run cannot fill the disk;
# end offsets, which the count reads, are not affected.
KR_BROKER_OVERRIDES="log.retention.check.interval.ms=20000" bash "$cluster_sh" start three >/dev/null
eval "$(bash "$cluster_sh" env three)"
bs=$KR_TEST_BOOTSTRAP
bash "$cluster_sh" create-topic three "$topic" "$partitions" 3 compression.type=producer \
  min.insync.replicas=2 retention.bytes=1073741824 segment.bytes=134217728 >/dev/null

broker_pids=()
for i in 1 2 3; do broker_pids+=("$(bash "$cluster_sh" pid three "$i")"); done
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
declare -A b0
for p in "${broker_pids[@]}"; do b0[$p]=$(cpu_ticks "$p"); done
read -r _ u0 n0 s0 i0 w0 q0 sq0 _ < /proc/stat

echo "target: kring produce for $duration to $topic ($partitions partitions, RF 3," \
     "min.insync.replicas 2) on $bs" >&2
/usr/bin/time -f "%e %U %S %M" -o "$work/time" \
  "$kring" produce -b "$bs" -t "$topic" --source flights --duration "$duration" \
  --acks all -X enable.idempotence=true --compression lz4 --linger-ms "$linger" \
  --batch-size "$batch" --threads "$threads" -q --report-json "$work/report.json" \
  > "$work/kring.out" 2> "$work/kring.err" &
tpid=$!
sleep 2
kpid=$(pgrep -P "$tpid" -x kring || true)
if [ "$perf" = 1 ] && [ -n "$kpid" ] && command -v perf >/dev/null; then
  (sleep 60 && perf record -q -g -o "$work/perf.data" -p "$kpid" -- sleep 20 \
     >/dev/null 2>&1 || true) &
  perf_job=$!
fi
rc=0; wait "$tpid" || rc=$?
[ -n "${perf_job:-}" ] && wait "$perf_job" || true
read -r _ u1 n1 s1 i1 w1 q1 sq1 _ < /proc/stat
bcpu=()
for p in "${broker_pids[@]}"; do bcpu+=("$(( $(cpu_ticks "$p") - ${b0[$p]} ))"); done

gos=$("$tool" org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$bs" --topic "$topic" \
      2>/dev/null | awk -F: '{s += $NF} END {print s + 0}')
wm=$("$build/bench/kr_rdk_bench" --watermarks -b "$bs" -t "$topic")
if [ -f "$work/perf.data" ]; then
  perf report -i "$work/perf.data" --no-children --stdio --percent-limit 0.7 2>/dev/null \
    | grep -E '^ +[0-9.]+%' | head -30 > "$out/target-perf.txt" || true
fi
read -r e u s m < "$work/time"
hz=$(getconf CLK_TCK)
python3 - "$work/report.json" "$out/target.json" "$gos" "$wm" "$e" "$u" "$s" "$m" "$rc" \
  "$duration" "$partitions" "$batch" "$threads" "$hz" "${bcpu[*]}" \
  "$((u1 + n1 + s1 + q1 + sq1 - u0 - n0 - s0 - q0 - sq0))" "$((i1 + w1 - i0 - w0))" <<'EOF'
import json, sys
(rep, dst, gos, wm, e, u, s, m, rc, dur, parts, batch, threads, hz, bcpu, busy, idle) = sys.argv[1:]
try:
    r = json.load(open(rep))
except (OSError, ValueError):
    r = {}
hz = float(hz)
res = {
    "duration": dur, "partitions": int(parts), "batch_size": batch, "threads": int(threads),
    "exit": int(rc), "report": r,
    "count_getoffsetshell": int(gos), "count_watermarks": int(wm),
    "count_matches": int(gos) == int(wm) == r.get("records_acked") == r.get("records_sent"),
    "kring_cpu_s": float(u) + float(s), "kring_user_s": float(u), "kring_sys_s": float(s),
    "kring_maxrss_kb": int(m), "kring_proc_wall_s": float(e),
    "broker_cpu_s": [int(x) / hz for x in bcpu.split()],
    "machine_busy_share": int(busy) / max(1, int(busy) + int(idle)),
}
res["records_per_s"] = r.get("records_per_s")
res["target_met"] = bool(res["count_matches"] and (res["records_per_s"] or 0) >= 333000)
json.dump(res, open(dst, "w"), indent=1)
print(json.dumps(res, indent=1))
EOF
