#!/usr/bin/env bash
# Engine tests on any cluster from tests/cluster (CI: the single-node one).
#   single.sh CASE PATH/TO/kr_drive
# Cases: acks0 acks1 acks1_none acks_all_idem_lz4 acks_all_idem_none acks_all_idem_zstd
#        acks1_zstd_level unknown_topic
#        unknown_topic_many too_large many_partitions big_records partitions_added
# Each runs on a fresh topic; see lib.sh. Skips (77) without KR_TEST_BOOTSTRAP.
set -euo pipefail
case_name=${1:?case}
drive=${2:?path to kr_drive}
. "$(dirname "$0")/lib.sh"
eng_need

N=${KR_ENG_N:-200000}
K=10000
PARTS=6
# The cluster's data dir lets verify.py run DumpLogSegments on what the broker stored.
dump=(--dump-dir "$KR_TEST_CLUSTER_DIR")

# produce_and_check CODEC IDEMPOTENT(0/1) VERIFY_EXTRA -- KR_DRIVE_SETTINGS...
produce_and_check() {
  local codec=$1 idem=$2 extra=$3; shift 4
  local topic
  topic=$(eng_topic "$case_name")
  eng_create "$topic" "$PARTS" 1
  eng_drive 600 -t "$topic" -n "$N" -k "$K" --progress-ms 2000 --reports "$work/reports" \
    -X compression.type="$codec" "$@"
  local -a idem_flag=()
  ((idem)) && idem_flag=(--idempotent)
  # shellcheck disable=SC2086 # extra is a list of flags
  eng_verify --topic "$topic" -n "$N" -k "$K" --reports "$work/reports" "${dump[@]}" \
    --codec "$codec" ${idem_flag[@]+"${idem_flag[@]}"} $extra
  # The Java consumer (the client Spark, Flink and Kafka Connect read through) as a third
  # independent reader: exact count, ids 0..N-1 once each.
  if [ "${verify_rc:-0}" = 0 ]; then
    log "verify-topic.sh (Java) $topic $N"
    "$KR_TEST_VERIFY_TOPIC" --bootstrap "$KR_TEST_BOOTSTRAP" --topic "$topic" --expect "$N" \
      >"$work/java.out" 2>&1 || verify_rc=$?
    tail -n 3 "$work/java.out"
  fi
  eng_judge 0
}

case $case_name in
  acks0)
    # acks=0 has no acknowledgement: on a healthy local broker nothing should be lost, so the
    # count is checked exactly (set KR_ENG_ACKS0_LOSSY=1 to report loss without failing).
    # The broker may append the last batches after kr_drive is done: read again once.
    extra="--settle-s 3"
    [ "${KR_ENG_ACKS0_LOSSY:-0}" = 1 ] && extra+=" --allow-loss"
    produce_and_check lz4 0 "$extra" -- -X acks=0
    ;;
  acks1)
    produce_and_check lz4 0 "" -- -X acks=1
    ;;
  acks1_none)
    produce_and_check none 0 "" -- -X acks=1
    ;;
  acks_all_idem_lz4)
    produce_and_check lz4 1 "" -- -X acks=all -X enable.idempotence=true
    ;;
  acks_all_idem_none)
    produce_and_check none 1 "" -- -X acks=all -X enable.idempotence=true
    ;;
  acks_all_idem_zstd)
    produce_and_check zstd 1 "" -- -X acks=all -X enable.idempotence=true
    ;;
  acks1_zstd_level)
    # A high and a negative level: the broker (and kcat, DumpLogSegments) read both.
    produce_and_check zstd 0 "" -- -X acks=1 -X compression.level=19
    N=$((N / 4)) produce_and_check zstd 0 "" -- -X acks=1 -X compression.level=-5
    ;;
  unknown_topic | unknown_topic_many)
    # A topic that does not exist (auto-creation is off): every record gets a delivery report
    # with UNKNOWN_TOPIC_OR_PARTITION soon after topic.metadata.propagation.max.ms, no hang,
    # and kr_drive exits non-zero. kring.h: "An unknown topic is not an error here [in
    # kr_produce]: its records fail in their delivery reports." unknown_topic sends fewer
    # records than one batch holds; unknown_topic_many sends more, so records are produced
    # after the engine knows the topic is missing.
    topic=$(eng_topic nosuch)
    n=1000
    [ "$case_name" = unknown_topic_many ] && n=20000
    eng_drive 120 -t "$topic" -n "$n" -X topic.metadata.propagation.max.ms=2000 \
      -X delivery.timeout.ms=60000 --progress-ms 1000
    j=$(drive_json)
    [ -n "$j" ] || fail "kr_drive printed no JSON line"
    jcheck "$j" "j['failed'] == $n and j['missing'] == 0 and j['acked'] == 0" \
      "every record must fail in its delivery report"
    jcheck "$j" "j['errors'] == {'UNKNOWN_TOPIC_OR_PARTITION': $n}" \
      "every record must fail with UNKNOWN_TOPIC_OR_PARTITION"
    jcheck "$j" "j['seconds'] < 30" "the failures must come soon after the propagation time"
    if kcat -L -b "$KR_TEST_BOOTSTRAP" -t "$topic" -J 2>/dev/null | grep -q '"partition":'; then
      fail "topic $topic exists after the run"
    fi
    eng_judge 1
    ;;
  too_large)
    # One 200,000-byte (incompressible) record among normal ones, on a topic that takes at
    # most 100,000 bytes per batch: it alone fails with MESSAGE_TOO_LARGE.
    topic=$(eng_topic "$case_name")
    n=${KR_ENG_TOO_LARGE_N:-50000}
    big=$((n / 2))
    eng_create "$topic" 3 1 max.message.bytes=100000
    eng_drive 600 -t "$topic" -n "$n" -k "$K" --big "$big:200000" \
      --expect-big-fail MESSAGE_TOO_LARGE --reports "$work/reports" --progress-ms 2000
    eng_verify --topic "$topic" -n "$n" -k "$K" --exclude "$big" --reports "$work/reports"
    eng_judge 0
    ;;
  many_partitions)
    # More partitions (200) than batch slots (64 MiB buffer.memory / 256 KiB batch.size
    # = 195): every record must still be acknowledged, in order per key. A fresh topic:
    # its first records wait for metadata, and a just-created partition may answer
    # NOT_LEADER_OR_FOLLOWER once, so retries happen next to newer batches.
    topic=$(eng_topic "$case_name")
    eng_create "$topic" 200 1
    eng_drive 600 -t "$topic" -n "$N" -k "$K" --progress-ms 2000 --reports "$work/reports" \
      -X acks=all -X enable.idempotence=true
    eng_verify --topic "$topic" -n "$N" -k "$K" --reports "$work/reports" "${dump[@]}" \
      --codec lz4 --idempotent
    eng_judge 0
    ;;
  partitions_added)
    # Partitions added to the topic mid-run (6 -> 12, Kafka's TopicCommand --alter) are
    # picked up at the next metadata refresh (metadata.max.age.ms=1000): the new partitions
    # receive records (keys move to murmur2 % 12), and nothing is lost or duplicated.
    [ -n "${KR_TEST_KAFKA_TOOL:-}" ] || skip "KR_TEST_KAFKA_TOOL unset (cluster.sh env)"
    topic=$(eng_topic "$case_name")
    eng_create "$topic" "$PARTS" 1
    marks=$work/marks
    : >"$marks"
    half=$((N / 2))
    (
      eng_wait_mark "$marks" "$half" 300 || exit 1
      "$KR_TEST_KAFKA_TOOL" org.apache.kafka.tools.TopicCommand --bootstrap-server \
        "$KR_TEST_BOOTSTRAP" --alter --topic "$topic" --partitions $((PARTS * 2)) >/dev/null
      log "partitions of $topic: $PARTS -> $((PARTS * 2))"
      sleep 3 # the producer refreshes every second meanwhile; then the rest is produced
      touch "$marks.go.$half"
    ) &
    alter=$!
    eng_drive 600 -t "$topic" -n "$N" -k "$K" --progress-ms 2000 --reports "$work/reports" \
      --mark-file "$marks" --mark-wait "$half" --rate 50000 \
      -X metadata.max.age.ms=1000 -X acks=all -X enable.idempotence=true
    touch "$marks.done"
    wait "$alter" || fail "the partitions were not added"
    eng_verify --topic "$topic" -n "$N" -k "$K" --reports "$work/reports" "${dump[@]}" \
      --codec lz4 --idempotent --partitions-before "$PARTS"
    jcheck "$(grep '^{' "$work/verify.out" | tail -n 1)" \
      "len(j['per_partition']) == $((PARTS * 2)) and min(j['per_partition']) > 0" \
      "every partition, the new ones too, must hold records"
    eng_judge 0
    ;;
  big_records)
    # Records larger than batch.size (256 KiB) but within max.request.size (1 MiB) and the
    # broker's message.max.bytes (2 MiB) are sent alone and acknowledged, including the very
    # first record, produced before the topic's metadata is known.
    topic=$(eng_topic "$case_name")
    n=20000
    eng_create "$topic" 3 1
    eng_drive 600 -t "$topic" -n "$n" -k "$K" --big 0:300000 --big 7000:600000 \
      --big 15000:1000000 --reports "$work/reports" --progress-ms 2000
    eng_verify --topic "$topic" -n "$n" -k "$K" --reports "$work/reports"
    eng_judge 0
    ;;
  *)
    fail "unknown case $case_name"
    ;;
esac
