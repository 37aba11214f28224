#!/usr/bin/env bash
# The Python package's tests: installs kring (pip install ./python) with pytest into a venv
# (build-python/venv, or KR_PY_VENV) and runs tests/python against the Kafka named by the
# environment, as `tests/cluster/cluster.sh env single` prints it (KR_TEST_BOOTSTRAP ...).
# Exits non-zero when a test fails, when pytest collects no test (its exit code 5), and
# when no cluster is given. Extra arguments go to pytest (e.g. -k signal).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ -z "${KR_TEST_BOOTSTRAP:-}" ] || [ -z "${KR_TEST_CLUSTER_SH:-}" ]; then
  echo "tests/python/run.sh: no cluster: eval \"\$(tests/cluster/cluster.sh env single)\"" >&2
  exit 2
fi
# The package builds against the libkring that `cmake --install` installs: a Release build
# of the repository installed into build-python/prefix (KR_PY_FROM_SOURCE=1: from the
# sources instead, as a checkout without an installed libkring does).
prefix=$root/build-python/prefix
config=()
if [ "${KR_PY_FROM_SOURCE:-0}" != 1 ]; then
  cmake -S "$root" -B "$root/build-python/lib" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DKR_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
  ninja -C "$root/build-python/lib" kring_static kring_shared kring >/dev/null
  cmake --install "$root/build-python/lib" >/dev/null
  config=(--config-settings=cmake.define.CMAKE_PREFIX_PATH="$prefix")
fi
venv=${KR_PY_VENV:-$root/build-python/venv}
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check pytest
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps \
  ${config[@]+"${config[@]}"} ./python
"$venv/bin/python" -c 'import kring; print("tests/python/run.sh: kring", kring.__file__)'
set +e
"$venv/bin/python" -m pytest -v -p no:cacheprovider tests/python "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "tests/python/run.sh: pytest ran no test" >&2
  exit 1
fi
exit "$rc"
