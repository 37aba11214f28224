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
venv=${KR_PY_VENV:-$root/build-python/venv}
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check pytest
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps ./python
set +e
"$venv/bin/python" -m pytest -v -p no:cacheprovider tests/python "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "tests/python/run.sh: pytest ran no test" >&2
  exit 1
fi
exit "$rc"
