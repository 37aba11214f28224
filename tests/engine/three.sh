#!/usr/bin/env bash
# Engine tests on the 3-node cluster (tests/cluster/cluster.sh start three), with faults.
#   three.sh CASE PATH/TO/kr_drive
# Cases (each on a fresh topic, 12 partitions, replication factor 3, acks=all, idempotence,
# 1,000,000 keyed records, then read back and checked exactly by verify.py):
#   exact_1m      no fault
#   kill_leaders  kill -9 the node leading the most partitions, twice, restarting it after
#   kill_stay_down kill -9 the busiest leader; it stays down until kr_drive is done: the
#                 new leaders must take over (delivery.timeout.ms 60 s)
#   sigstop       SIGSTOP the busiest leader for 3x request.timeout.ms (5 s), then SIGCONT
#   restart_all   stop the whole cluster mid-run and start it again (delivery.timeout 180 s)
#   kill_leaders_sasl_ssl  kill_leaders over the SASL_SSL listeners (SCRAM-SHA-512): every
#                 reconnection runs TLS and SASL again; also read back over SASL_SSL
# run-three.sh starts the cluster, runs these (label cluster3) and stops it. They skip (77)
# unless the environment names the three-node cluster.
set -euo pipefail
case_name=${1:?case}
drive=${2:?path to kr_drive}
. "$(dirname "$0")/lib.sh"
eng_need
[ "$KR_TEST_CLUSTER" = three ] && [ "${KR_TEST_BROKERS:-}" = 3 ] ||
  skip "needs the three-node cluster (eval \"\$(tests/cluster/cluster.sh env three)\")"
[ "$("$KR_TEST_CLUSTER_SH" status three >/dev/null; echo $?)" = 0 ] ||
  fail "the three-node cluster is not fully running at the start"

N=${KR_ENG3_N:-1000000}
K=10000
RATE=${KR_ENG3_RATE:-40000}   # records/s in the fault runs: the faults land mid-run
DOWN_S=${KR_ENG3_DOWN_S:-10}  # how long a killed node stays down
marks=$work/marks
: >"$marks"
topic=$(eng_topic "$case_name")
eng_create "$topic" 12 3
common=(-t "$topic" -n "$N" -k "$K" --progress-ms 2000 --reports "$work/reports"
        -X acks=all -X enable.idempotence=true)

# kill_at MARK: kill -9 the busiest leader when kr_drive reaches MARK; restart it DOWN_S later.
kill_at() {
  eng_wait_mark "$marks" "$1" 600 || return 1
  local node pid
  node=$(eng_busiest_leader "$topic")
  pid=$(eng_node_pid "$node")
  log "FAULT kill -9 node $node (pid $pid); leaders before: $(eng_leaders "$topic" | awk '{printf "%s:%s ", $1, $2}')"
  kill -9 "$pid"
  sleep "$DOWN_S"
  log "leaders while node $node is down: $(eng_leaders "$topic" | awk '{printf "%s:%s ", $1, $2}')"
  "$KR_TEST_CLUSTER_SH" start-node three "$node" || { log "node $node did not come back"; return 1; }
  log "FAULT node $node back"
}

faults_kill() {
  kill_at $((N / 5)) && kill_at $((N * 11 / 20))
}

# kill -9 the busiest leader at 20%; it stays down (restarted after kr_drive exits).
faults_kill_stay() {
  eng_wait_mark "$marks" $((N / 5)) 600 || return 1
  local node pid
  node=$(eng_busiest_leader "$topic")
  pid=$(eng_node_pid "$node")
  echo "$node" >"$work/killed"
  log "FAULT kill -9 node $node (pid $pid), not restarted until kr_drive exits"
  kill -9 "$pid"
  sleep 12
  log "leaders while node $node is down: $(eng_leaders "$topic" | awk '{printf "%s:%s ", $1, $2}')"
}

faults_sigstop() {
  eng_wait_mark "$marks" $((N / 4)) 600 || return 1
  local node pid
  node=$(eng_busiest_leader "$topic")
  pid=$(eng_node_pid "$node")
  log "FAULT SIGSTOP node $node (pid $pid) for 15 s"
  kill -STOP "$pid"
  sleep 15
  log "leaders while node $node is frozen: $(eng_leaders "$topic" | awk '{printf "%s:%s ", $1, $2}')"
  kill -CONT "$pid"
  log "FAULT SIGCONT node $node"
}

faults_restart() {
  eng_wait_mark "$marks" $((N * 3 / 10)) 600 || return 1
  log "FAULT stopping the whole cluster"
  "$KR_TEST_CLUSTER_SH" stop three
  sleep 5
  log "FAULT starting the whole cluster again"
  eng_start_all || return 1
  log "FAULT cluster back"
}

# run_with_faults FAULT_FN TIMEOUT_S DRIVE_ARGS...: kr_drive in the foreground, the fault
# script in the background; both must succeed.
run_with_faults() {
  local fn=$1 t=$2; shift 2
  "$fn" >"$work/faults.log" 2>&1 &
  local fpid=$!
  bg_pids+=("$fpid")
  eng_drive "$t" "${common[@]}" --mark-file "$marks" "$@"
  touch "$marks.done"
  local frc=0
  wait "$fpid" || frc=$?
  bg_pids=()
  echo "---- fault script"
  cat "$work/faults.log"
  [ "$frc" = 0 ] || { echo "fault script failed ($frc)"; drive_rc="$drive_rc+faults"; }
}

case $case_name in
  exact_1m)
    eng_drive 900 "${common[@]}"
    ;;
  kill_leaders)
    run_with_faults faults_kill 900 --rate "$RATE" --mark $((N / 5)) --mark $((N * 11 / 20))
    ;;
  kill_stay_down)
    run_with_faults faults_kill_stay 900 --rate "$RATE" --mark $((N / 5)) \
      -X delivery.timeout.ms=60000
    if [ -s "$work/killed" ]; then
      "$KR_TEST_CLUSTER_SH" start-node three "$(cat "$work/killed")" || fail "node did not come back"
    fi
    ;;
  sigstop)
    run_with_faults faults_sigstop 900 --rate "$RATE" --mark $((N / 4)) \
      -X request.timeout.ms=5000
    ;;
  restart_all)
    run_with_faults faults_restart 900 --rate "$RATE" --mark $((N * 3 / 10)) \
      -X delivery.timeout.ms=180000
    ;;
  kill_leaders_sasl_ssl)
    run_with_faults faults_kill 900 --rate "$RATE" --mark $((N / 5)) --mark $((N * 11 / 20)) \
      -b "$KR_TEST_SASL_SSL_BOOTSTRAP" -X security.protocol=SASL_SSL \
      -X ssl.ca.location="$KR_TEST_CA" -X sasl.mechanism=SCRAM-SHA-512 \
      -X sasl.username="$KR_TEST_SCRAM512_USER" -X sasl.password="$KR_TEST_SCRAM512_PASSWORD"
    grep -q "kr_drive: transport io_uring+tls\|kr_drive: transport poll+tls" "$work/drive.err" ||
      fail "kr_drive did not run over TLS"
    log "count-secure.sh sasl_ssl-scram-sha-512 $topic $N"
    "$KR_TEST_COUNT_SECURE" sasl_ssl-scram-sha-512 "$topic" "$N" | tail -n 3 ||
      fail "the topic read back over SASL_SSL is not what was produced"
    ;;
  *)
    fail "unknown case $case_name"
    ;;
esac

# The cluster must be whole again before reading back (and for the next test).
"$KR_TEST_CLUSTER_SH" status three >/dev/null || fail "the cluster is not whole after the run"
eng_verify --topic "$topic" -n "$N" -k "$K" --reports "$work/reports" \
  --dump-dir "$KR_TEST_CLUSTER_DIR" --codec lz4 --idempotent
eng_judge 0
