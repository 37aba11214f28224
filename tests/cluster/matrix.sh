#!/usr/bin/env bash
# The broker-version matrix: for each Kafka version, a fresh single-node cluster
# (tests/cluster, KR_KAFKA_VERSION) and the engine's single-node exactness tests on it
# (CTest label kafka, io_uring; the data cases, which kcat, DumpLogSegments and the Java
# reader check), then the Produce/Metadata versions kring negotiated with that broker.
#   tests/cluster/matrix.sh BUILD_DIR [VERSION ...]
# Default versions: 3.9.1 4.1.2 4.4.0. Older 3.x do not run this cluster's configuration:
# 3.3 and 3.4 have no `kafka-storage format --add-scram`, and 3.5.2's broker exits after
# start-up with it (docs/COMPATIBILITY.md).
# CI (scripts/test.sh) runs 3.9.1 and 4.4.0; 4.1.2 is its main cluster. The cluster uses
# KR_CLUSTER_PORT_OFFSET (default here 100), so it can run beside another checkout's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?build dir}
shift
versions=("$@")
((${#versions[@]})) || versions=(3.9.1 4.1.2 4.4.0)
export KR_CLUSTER_PORT_OFFSET=${KR_CLUSTER_PORT_OFFSET:-100}
tests='^engine_(acks|big_records|many_partitions|too_large)[a-z0-9_]*$|^engine_secure_sasl_ssl_scram512$'
kring=$build/cli/kring
rc=0
for v in "${versions[@]}"; do
  echo "=== Kafka $v"
  export KR_KAFKA_VERSION=$v
  bash "$here/cluster.sh" start single
  trap 'bash "$here/cluster.sh" stop single || true' EXIT
  eval "$(bash "$here/cluster.sh" env single)"
  bash "$here/cluster.sh" create-topic single matrix-versions 1 1 >/dev/null
  "$kring" produce -b "$KR_TEST_BOOTSTRAP" -t matrix-versions -n 1000 -q -X debug=all 2>&1 |
    grep -m1 "broker 1: ready:" | sed "s/.*ready: /matrix: Kafka $v: /" || true
  ctest --test-dir "$build" -L kafka -R "$tests" -E '_poll$' --output-on-failure || rc=1
  bash "$here/cluster.sh" stop single
  trap - EXIT
done
exit "$rc"
