# Helpers for the engine tests (sourced by single.sh and three.sh).
#
# A test: make a fresh topic with a unique name, run kr_drive on it (its delivery reports
# checked by kr_drive itself), then read the topic back with kcat and check it exactly
# (verify.py). Every step's output goes to stdout so `ctest --output-on-failure` shows it.
# Work files live in a temp dir that is removed on success and kept on failure.

eng_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

# Checks the prerequisites; skips when a cluster or a tool is truly absent.
eng_need() {
  [ -n "${KR_TEST_BOOTSTRAP:-}" ] || skip "KR_TEST_BOOTSTRAP is unset (start a cluster: tests/cluster/cluster.sh start single; eval \"\$(tests/cluster/cluster.sh env single)\")"
  [ -n "${KR_TEST_CLUSTER_SH:-}" ] && [ -n "${KR_TEST_CLUSTER:-}" ] ||
    skip "KR_TEST_CLUSTER_SH/KR_TEST_CLUSTER unset (eval the output of cluster.sh env)"
  command -v kcat >/dev/null || skip "kcat is not installed (scripts/setup.sh)"
  command -v python3 >/dev/null || skip "python3 is not installed (scripts/setup.sh)"
  [ -x "$drive" ] || fail "kr_drive not found at '$drive'"
  work=$(mktemp -d "${TMPDIR:-/tmp}/kr-eng.XXXXXX")
  trap 'eng_cleanup $?' EXIT
}

eng_cleanup() {
  local rc=$1
  eng_stop_bg
  if [ "$rc" = 0 ] || [ "$rc" = 77 ]; then
    rm -rf "$work"
  else
    echo "work files kept in $work"
  fi
}

# A topic name unique to this run: eng-<case>-<time>-<pid>.
eng_topic() { echo "eng-$1-$(date +%s)-$$"; }

# eng_create TOPIC PARTITIONS RF [k=v ...]
eng_create() {
  "$KR_TEST_CLUSTER_SH" create-topic "$KR_TEST_CLUSTER" "$@" || fail "cannot create topic $1"
}

# eng_drive TIMEOUT_S ARGS...: runs kr_drive, its output in $work/drive.out (echoed).
# Sets drive_rc; 124 or 137 mean kr_drive hung and was killed.
eng_drive() {
  local t=$1; shift
  log "kr_drive $*"
  local t0=$SECONDS
  set +e
  timeout -k 10 "$t" "$drive" "$@" >"$work/drive.out" 2>"$work/drive.err"
  drive_rc=$?
  set -e
  drive_secs=$((SECONDS - t0))
  # The progress lines can be long: show the head and the tail of stderr.
  if [ "$(wc -l <"$work/drive.err")" -gt 80 ]; then
    head -n 30 "$work/drive.err"; echo "..."; tail -n 50 "$work/drive.err"
  else
    cat "$work/drive.err"
  fi
  cat "$work/drive.out"
  if [ "$drive_rc" = 124 ] || [ "$drive_rc" = 137 ]; then
    fail "kr_drive did not finish within $t s (hang)"
  fi
  log "kr_drive exited $drive_rc after ${drive_secs}s"
}

# The JSON line kr_drive printed.
drive_json() { grep '^{' "$work/drive.out" | tail -n 1; }

# jcheck JSON PYTHON_EXPR MESSAGE: fails unless the expression (over `j`) is true.
jcheck() {
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' \
    "$1" "$2" || fail "$3 (json: $1)"
}

# eng_verify ARGS...: verify.py against the topic; sets verify_rc.
eng_verify() {
  log "verify.py $*"
  local t0=$SECONDS
  set +e
  timeout -k 10 900 python3 "$eng_dir/verify.py" "$@" >"$work/verify.out" 2>&1
  verify_rc=$?
  set -e
  cat "$work/verify.out"
  log "verify.py exited $verify_rc after $((SECONDS - t0))s"
}

# eng_judge WANT_DRIVE_RC: the verdict on kr_drive's exit code and verify.py's.
eng_judge() {
  local bad=
  [ "$drive_rc" = "$1" ] || bad+="kr_drive exited $drive_rc (expected $1); "
  [ "${verify_rc:-0}" = 0 ] || bad+="the topic read back is not what was produced; "
  [ -z "$bad" ] || fail "$bad"
  echo "PASS"
}

# Background helpers (fault scripts): started with eng_bg, stopped at exit by pid.
bg_pids=()
eng_bg() { "$@" & bg_pids+=($!); }
eng_stop_bg() {
  local pid
  for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bg_pids=()
}

# eng_wait_mark FILE N TIMEOUT_S: waits until kr_drive wrote "REACHED N" to FILE. Gives up
# when FILE.done appears (kr_drive exited without reaching it) or after TIMEOUT_S.
eng_wait_mark() {
  local deadline=$((SECONDS + $3))
  until grep -qx "REACHED $2" "$1" 2>/dev/null; do
    [ ! -e "$1.done" ] || { log "kr_drive exited before REACHED $2"; return 1; }
    ((SECONDS < deadline)) || { log "no REACHED $2 after $3 s"; return 1; }
    sleep 0.05
  done
}

# ---- the 3-node cluster's faults ----

# eng_leaders TOPIC: "partition leader" lines from a metadata request (leader -1: none).
eng_leaders() {
  kcat -L -J -b "$KR_TEST_BOOTSTRAP" -t "$1" 2>/dev/null | python3 -c '
import json, sys
for t in json.load(sys.stdin).get("topics", []):
    for p in t.get("partitions", []):
        print(p["partition"], p.get("leader", -1))'
}

# eng_busiest_leader TOPIC: the node that leads the most partitions of TOPIC.
eng_busiest_leader() {
  eng_leaders "$1" | awk '$2 >= 0 {n[$2]++} END {b=-1; for (k in n) if (n[k] > m) {m=n[k]; b=k}; print b}'
}

eng_node_pid() { "$KR_TEST_CLUSTER_SH" pid "$KR_TEST_CLUSTER" "$1"; }

# eng_start_all: restarts every stopped node of the cluster at once, on its data. A
# multi-node KRaft cluster has no quorum until most voters are up, so `cluster.sh
# start-node` (one node, waits for its port under the cluster lock) cannot do it; until
# cluster.sh takes several nodes (tried first), this launches them as cluster.sh's
# launch_node does, with the same command line, pid files and log files.
eng_start_all() {
  local nodes i
  nodes=$(seq 1 "$KR_TEST_BROKERS")
  # shellcheck disable=SC2086
  if "$KR_TEST_CLUSTER_SH" start-node "$KR_TEST_CLUSTER" $nodes 2>/dev/null; then return 0; fi
  local here java_home heap dir=$KR_TEST_CLUSTER_DIR
  here=$(dirname "$KR_TEST_CLUSTER_SH")
  java_home=${KR_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
  heap=${KR_BROKER_HEAP:--Xms128m -Xmx384m}
  for i in $nodes; do
    if eng_node_pid "$i" >/dev/null 2>&1; then continue; fi
    echo "---- engine test restart $(date -u +%FT%TZ)" >>"$dir/node$i.log"
    # shellcheck disable=SC2086 # the option strings are meant to split into words
    setsid "$java_home/bin/java" $heap -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
      -Dlog4j2.configurationFile="$here/broker-log4j2.xml" \
      -Dlog4j.configuration="file:$here/broker-log4j.properties" ${KR_BROKER_JAVA_OPTS:-} \
      -cp "$("$here/kafka-tool.sh" --libs)/*" kafka.Kafka "$dir/node$i/server.properties" \
      </dev/null >>"$dir/node$i.log" 2>&1 &
    echo $! >"$dir/node$i.pid"
  done
  local deadline=$((SECONDS + 120)) n
  while :; do
    n=$(timeout 10 kcat -b "$KR_TEST_BOOTSTRAP" -L -m 5 2>/dev/null |
      sed -n 's/^ *\([0-9]*\) brokers:.*/\1/p')
    [ "${n:-0}" = "$KR_TEST_BROKERS" ] && return 0
    ((SECONDS < deadline)) || { log "cluster not back after 120 s"; return 1; }
    sleep 0.5
  done
}
