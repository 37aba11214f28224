#!/usr/bin/env bash
# ThreadSanitizer over the kring program's threads (`kring produce --threads N`: one
# producer per worker thread, the main thread reading their counters and printing the
# status line). Builds kring, the CLI's unit tests and librdkafka's mock cluster into
# build-tsan (Release with assertions, -fsanitize=thread, warnings as errors), then runs:
#   1. the CLI's unit tests and tests/cli/{flags,generate,report}.sh (--threads 2 under
#      --dry-run: the workers, the schedule and the report without a producer);
#   2. kring produce --threads 2 into the mock cluster (bench/kr_mock_sink, a separate
#      uninstrumented process), on both transports, from the generator (paced, with the
#      status line) and from a keyed file split between the threads, each checked by its
#      --report-json; and to an address nobody listens on (every record fails, exit 1);
#   3. when KR_TEST_BOOTSTRAP is set (tests/cluster/cluster.sh env single), 100,000 records
#      with --threads 2 into the real Kafka, counted back by kcat.
# Any data race stops the program with exit code 66 and its report; the script fails.
#   scripts/tsan.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-tsan
jobs=${KR_JOBS:-$(nproc)}
tmp=$(mktemp -d)
mock_pid=
cleanup() {
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
step() { printf 'tsan: %s\n' "$*"; }
fail() { echo "tsan: FAIL: $*" >&2; exit 1; }
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"

step "build ($build: Release, -fsanitize=thread)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKR_WERROR=ON \
      -DKR_SANITIZE=thread >/dev/null
cli_tests=$(cd "$root/tests/unit" && ls test_kr_cli_*.c | sed 's/\.c$//')
targets=(kring $cli_tests)
ninja -C "$build" -t targets all 2>/dev/null | grep -q '^kr_mock_sink:' && targets+=(kr_mock_sink)
ninja -C "$build" -j "$jobs" "${targets[@]}" >/dev/null
kring=$build/cli/kring

step "the CLI's unit tests and tests/cli (dry runs, --threads 2)"
ctest --test-dir "$build" -R '^(test_kr_cli_|cli_(flags|generate|report)$)' \
      --output-on-failure -j "$jobs"

# run_ok NAME RECORDS ARGS...: kring produce ARGS must exit 0 with RECORDS acknowledged.
run_ok() {
  local name=$1 n=$2
  shift 2
  local rc=0
  "$kring" produce "$@" --report-json "$tmp/$name.json" >"$tmp/$name.out" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$tmp/$name.out"; fail "$name: exit $rc"; }
  python3 - "$tmp/$name.json" "$n" <<'PY' || fail "$name: report"
import json, sys
r, n = json.load(open(sys.argv[1])), int(sys.argv[2])
assert r["records_sent"] == r["records_acked"] == n and r["records_failed"] == 0, r
PY
  step "$name: $n records acknowledged, no race"
}

if [ -x "$build/bench/kr_mock_sink" ]; then
  step "kring produce --threads 2 into librdkafka's mock cluster"
  "$build/bench/kr_mock_sink" --brokers 2 --topic t:12 --port-file "$tmp/port" \
    >"$tmp/mock.out" 2>&1 &
  mock_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
  [ -s "$tmp/port" ] || { cat "$tmp/mock.out"; fail "the mock cluster did not start"; }
  boot=$(sed 's/^BOOTSTRAP //' "$tmp/port")
  run_ok uring 200000 -b "$boot" -t t -n 200000 --threads 2 -q -X io.engine=io_uring
  run_ok poll_paced 60000 -b "$boot" -t t -n 60000 --rate 30000 --threads 2 -X io.engine=poll
  awk 'BEGIN { for (i = 0; i < 30000; i++) printf "k%d\tv%d\n", i % 97, i }' >"$tmp/in"
  run_ok file_keyed 30000 -b "$boot" -t t --source "file:$tmp/in" -K '\t' --threads 2 -q
  kill "$mock_pid"
  wait "$mock_pid" 2>/dev/null || true
  mock_pid=
else
  step "no bench/kr_mock_sink (librdkafka-dev missing): the mock-cluster runs are skipped"
fi

step "kring produce --threads 2 to an address nobody listens on"
rc=0
"$kring" produce -b 127.0.0.1:1 -t t -n 2000 --threads 2 -q -X request.timeout.ms=300 \
  -X delivery.timeout.ms=1500 >"$tmp/down.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$tmp/down.out"; fail "unreachable bootstrap: exit $rc, want 1"; }
step "unreachable bootstrap: exit 1, no race"

if [ -n "${KR_TEST_BOOTSTRAP:-}" ]; then
  topic="kring-tsan-$$-$(date +%s)"
  step "kring produce --threads 2 into the real Kafka at $KR_TEST_BOOTSTRAP ($topic)"
  bash "${KR_TEST_CLUSTER_SH:?eval cluster.sh env}" create-topic "${KR_TEST_CLUSTER:?}" \
    "$topic" 6 1 >/dev/null
  run_ok kafka 100000 -b "$KR_TEST_BOOTSTRAP" -t "$topic" -n 100000 --threads 2 --acks all -q
  got=$(kcat -C -b "$KR_TEST_BOOTSTRAP" -t "$topic" -o beginning -e -q -f '%o\n' | wc -l)
  [ "$got" = 100000 ] || fail "kcat read $got records of $topic, want 100000"
  step "kcat read back 100000 records"
fi
step "passed"
