#!/usr/bin/env bash
# Checks the checker: verify.py must pass a topic written correctly by an independent
# producer (kcat, librdkafka's murmur2_random partitioner = Java's murmur2) and must fail,
# naming the problem, on loss, duplicates, wrong partitions and out-of-order keys.
#   verify_selftest.sh PATH/TO/kr_drive   (kr_drive is not used; the argument keeps the
#                                          CTest command lines alike)
set -euo pipefail
drive=${1:?path to kr_drive}
. "$(dirname "$0")/lib.sh"
eng_need

N=2000
K=100
# kcat_lines FROM TO: "key<TAB>value" lines for ids FROM..TO-1 in kr_drive's format.
kcat_lines() {
  local i
  for ((i = $1; i < $2; i++)); do
    printf 'k%d\t{"id":%d,"key":"k%d","pad":"x"}\n' $((i % K)) "$i" $((i % K))
  done
}
kcat_produce() { # TOPIC [kcat args]
  local t=$1; shift
  kcat -P -b "$KR_TEST_BOOTSTRAP" -t "$t" -K $'\t' -X partitioner=murmur2_random "$@" ||
    fail "kcat -P failed"
}
# expect_fail WHAT ARGS...: verify.py must exit 1 and print WHAT.
expect_fail() {
  local what=$1; shift
  set +e
  python3 "$eng_dir/verify.py" "$@" >"$work/v.out" 2>&1
  local rc=$?
  set -e
  cat "$work/v.out"
  [ "$rc" = 1 ] || fail "verify.py exited $rc on a bad topic, expected 1"
  grep -q "$what" "$work/v.out" || fail "verify.py did not report '$what'"
  log "verify.py caught: $what"
}

good=$(eng_topic vgood)
eng_create "$good" 7 1
kcat_lines 0 "$N" | kcat_produce "$good"
eng_verify --topic "$good" -n "$N" -k "$K"
[ "$verify_rc" = 0 ] || fail "verify.py rejects a topic written by kcat with murmur2"

expect_fail "missing: 1 ids, first \[$N\]" --topic "$good" -n $((N + 1)) -k "$K"
expect_fail "excluded id present: 1" --topic "$good" -n "$N" -k "$K" --exclude 7

# A second copy of id 5 (same key, same partition) later in the log.
kcat_lines 5 6 | kcat_produce "$good"
expect_fail "duplicates: 1 extra copies" --topic "$good" -n "$N" -k "$K"

# Everything on partition 0: keys on the wrong partition.
wrongp=$(eng_topic vwrongp)
eng_create "$wrongp" 3 1
kcat_lines 0 "$N" | kcat_produce "$wrongp" -p 0
expect_fail "wrong partition" --topic "$wrongp" -n "$N" -k "$K"

# Ids of one key out of order.
order=$(eng_topic vorder)
eng_create "$order" 1 1
{ kcat_lines 100 200; kcat_lines 0 100; } | kcat_produce "$order"
expect_fail "key order" --topic "$order" -n 200 -k "$K"

# A delivery report naming the wrong offset.
printf '0 0 0\n1 0 0\n' >"$work/reports"
expect_fail "report mismatch" --topic "$order" -n 200 -k "$K" --reports "$work/reports"
echo PASS
