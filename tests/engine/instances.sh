#!/usr/bin/env bash
# Scale-out on the 3-node cluster: two kring processes, `--instance 0/2` and
# `--instance 1/2`, run at the same time with the same -n (the whole job's) and seed on a
# fresh topic (12 partitions, replication factor 3, acks=all). Independent readers
# (flight_ids.py: GetOffsetShell and kcat) must find every event_id of 0..N-1 exactly
# once; each process must report its share acknowledged (N/2 each).
#   instances.sh PATH/TO/kring
# run-three.sh runs it (label cluster3); skips (77) unless the environment names the
# three-node cluster.
set -euo pipefail
kring=${1:?usage: instances.sh PATH/TO/kring}
drive=$kring # lib.sh's eng_need checks that the program under test exists
. "$(dirname "$0")/lib.sh"
eng_need
[ "$KR_TEST_CLUSTER" = three ] && [ "${KR_TEST_BROKERS:-}" = 3 ] ||
  skip "needs the three-node cluster (eval \"\$(tests/cluster/cluster.sh env three)\")"

N=${KR_ENG3_N:-1000000}
topic=$(eng_topic instances)
eng_create "$topic" 12 3
pids=()
for i in 0 1; do
  log "kring produce --instance $i/2 -n $N"
  timeout -k 10 900 "$kring" produce -b "$KR_TEST_BOOTSTRAP" -t "$topic" -n "$N" --seed 7 \
    --acks all -X enable.idempotence=true -q --instance "$i/2" \
    --report-json "$work/report$i.json" >"$work/out$i" 2>"$work/err$i" &
  pids+=($!)
done
bad=
for i in 0 1; do
  rc=0
  wait "${pids[$i]}" || rc=$?
  echo "---- instance $i/2 (exit $rc)"
  cat "$work/out$i" "$work/err$i"
  [ "$rc" = 0 ] || bad+="instance $i/2 exited $rc; "
  share=$(( (N + 1 - i) / 2 ))
  python3 - "$work/report$i.json" "$share" <<'PY' || bad+="instance $i/2's report; "
import json, sys
r = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
print(f"report: sent {r['records_sent']}, acked {r['records_acked']}, want {want}")
sys.exit(0 if r["records_sent"] == want and r["records_acked"] == want else 1)
PY
done
[ -z "$bad" ] || fail "$bad"
verify_rc=0
python3 "$eng_dir/flight_ids.py" --bootstrap "$KR_TEST_BOOTSTRAP" --topic "$topic" -n "$N" \
  --kafka-tool "$KR_TEST_KAFKA_TOOL" || verify_rc=$?
[ "$verify_rc" = 0 ] || fail "the two instances together did not write ids 0..$((N - 1)) once each"
echo PASS
