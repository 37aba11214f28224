#!/usr/bin/env bash
# Runs the engine's 3-node tests (CTest label cluster3, tests/engine/three.sh): starts the
# `three` cluster from tests/cluster, runs them, stops the cluster again.
#   tests/engine/run-three.sh [BUILD_DIR]        default: build-asan (scripts/test.sh's)
# If the three cluster is already running it is used as it is and left running.
# The brokers get faster failure detection than Kafka's defaults (KR_BROKER_OVERRIDES):
# a dead follower leaves the ISR after 5 s instead of 30 s (acks=all waits for the ISR),
# a dead broker is fenced after 6 s instead of 9 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-asan}
cluster_sh=$root/tests/cluster/cluster.sh
[ -x "$build/tests/engine/kr_drive" ] ||
  { echo "run-three: no $build/tests/engine/kr_drive: build first (cmake + ninja)" >&2; exit 2; }

export KR_BROKER_OVERRIDES=${KR_BROKER_OVERRIDES-"replica.lag.time.max.ms=5000 broker.session.timeout.ms=6000 broker.heartbeat.interval.ms=1000"}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

t0=$SECONDS
owned=0
if ! "$cluster_sh" status three >/dev/null 2>&1; then
  owned=1
  trap '"$cluster_sh" stop three || true' EXIT
fi
"$cluster_sh" start three
eval "$("$cluster_sh" env three)"
rc=0
ctest --test-dir "$build" -L cluster3 --output-on-failure || rc=$?
if ((owned)); then
  "$cluster_sh" stop three
  trap - EXIT
fi
echo "run-three: done in $((SECONDS - t0)) s (exit $rc)"
exit "$rc"
