#!/usr/bin/env bash
# kring's Python module against confluent-kafka (from PyPI), the same loops side by side:
#   bench/python/run.sh [bench.py args]          into librdkafka's mock cluster (kr_mock_sink)
#   bench/python/run.sh --bootstrap H:P --topic T   into a real Kafka (the topic must exist)
# Builds kr_mock_sink (build-rel, Release), installs both clients into build-python/bench-venv.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${KR_BENCH_BUILD:-build-rel}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" kr_mock_sink >/dev/null
venv=${KR_PY_BENCH_VENV:-$root/build-python/bench-venv}
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check confluent-kafka
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps ./python
"$venv/bin/python" -c 'import confluent_kafka as c, kring; print("confluent-kafka", c.version(), "librdkafka", c.libversion()[0], "kring", kring.__version__)' >&2
args=("$@")
case " $* " in
  *" --bootstrap "*) ;;
  *) args+=(--mock-sink "$build/bench/kr_mock_sink") ;;
esac
exec "$venv/bin/python" bench/python/bench.py "${args[@]}"
