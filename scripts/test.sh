#!/usr/bin/env bash
# The test command the README names and CI runs: set-up, a sanitizer build (ASan+UBSan,
# warnings as errors), the unit tests (the engine's on both transports), the format check,
# the deployment files and the installed library, the tests against a real single-node Kafka started by
# tests/cluster (plaintext, TLS and SASL listeners; kring under a seccomp filter that
# refuses io_uring; the Python package; a ThreadSanitizer build of the threaded CLI), the
# exactness tests on other Kafka versions, the engine's exactness and fault tests on a real
# 3-node Kafka, and a fuzz smoke run. Exits non-zero on the first failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)

step() { printf '\n=== %s\n' "$*"; }

step "set-up"
bash scripts/setup.sh

step "sanitizer build (address,undefined)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKR_WERROR=ON \
      -DKR_SANITIZE=address,undefined >/dev/null
ninja -C build-asan -j "$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

step "unit tests"
ctest --test-dir build-asan -L unit --output-on-failure -j "$jobs"

step "format (.clang-format)"
bash scripts/format-check.sh

step "deployment files, the Dockerfile's build stage, install and the example"
python3 tests/deploy/check.py
bash tests/deploy/dockerfile.sh
bash tests/deploy/install.sh

if [ -x tests/cluster/cluster.sh ]; then
  step "tests against a real Kafka (single node)"
  cluster=single
  bash tests/cluster/cluster.sh start "$cluster"
  trap 'bash tests/cluster/cluster.sh stop '"$cluster"' || true' EXIT
  eval "$(bash tests/cluster/cluster.sh env "$cluster")"
  ctest --test-dir build-asan -L kafka --output-on-failure
  ctest --test-dir build-asan -L noring --output-on-failure

  step "the secure listeners with Kafka's own clients"
  bash tests/cluster/selftest-secure.sh

  step "ThreadSanitizer: kring produce --threads"
  bash scripts/tsan.sh

  step "Python package against a real Kafka (single node)"
  bash tests/python/run.sh
  bash tests/cluster/cluster.sh stop "$cluster"
  trap - EXIT

  step "the exactness tests on other Kafka versions (3.9.1, the newest 4.x)"
  bash tests/cluster/matrix.sh build-asan 3.9.1 4.4.0

  step "engine exactness and fault tests on a real 3-node Kafka"
  bash tests/engine/run-three.sh build-asan
fi

if [ -f fuzz/CMakeLists.txt ]; then
  step "fuzz smoke (libFuzzer)"
  CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKR_FUZZ=ON \
        -DKR_WERROR=ON >/dev/null
  ninja -C build-fuzz -j "$jobs"
  ctest --test-dir build-fuzz -L fuzz --output-on-failure
fi

step "all tests passed"
