#!/usr/bin/env bash
# kring's input habits against a real Kafka (tests/cluster), read back by kcat:
#  1. several files (--source file:A --source file:B, the first without a final newline):
#     the topic holds A's lines then B's, byte for byte, on one partition; with -n the
#     count spans the files;
#  2. --payload-file with --payload-delimiter: -n records, each value one of the file's
#     payloads (Java's split: empty ones between delimiters kept, trailing ones dropped),
#     every payload drawn;
#  3. stdin read by --threads 2: every line once (kcat), none twice, keys kept.
# Exits 77 (skipped) when KR_TEST_BOOTSTRAP is unset.
#   tests/cli/inputs.sh PATH/TO/kring
set -euo pipefail
kring=${1:?usage: inputs.sh PATH/TO/kring}
if [ -z "${KR_TEST_BOOTSTRAP:-}" ]; then
  echo "inputs: KR_TEST_BOOTSTRAP is unset (no cluster): skipped"
  exit 77
fi
boot=$KR_TEST_BOOTSTRAP
cluster_sh=${KR_TEST_CLUSTER_SH:?KR_TEST_CLUSTER_SH unset: eval cluster.sh env}
cluster=${KR_TEST_CLUSTER:?}
tmp=$(mktemp -d)
prefix="kring-cli-inputs-$$-$(date +%s)"
cleanup() {
  rm -rf "$tmp"
  if [ -n "${KR_TEST_KAFKA_TOOL:-}" ]; then
    "$KR_TEST_KAFKA_TOOL" org.apache.kafka.tools.TopicCommand --bootstrap-server "$boot" \
      --delete --topic "$prefix-.*" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
new_topic() { # new_topic SUFFIX PARTITIONS: creates a topic, prints its name
  local name="$prefix-$1"
  bash "$cluster_sh" create-topic "$cluster" "$name" "$2" 1 >/dev/null
  echo "$name"
}
consume() { kcat -C -b "$boot" -t "$1" -o beginning -e -q -f '%s\n'; }
fail() { echo "FAIL: $*"; exit 1; }

# ---- 1. several files
printf 'a1\na2 with spaces\na3 no newline' >"$tmp/A"
printf 'b1\n\nb3\n' >"$tmp/B"
t1=$(new_topic files 1)
"$kring" produce -b "$boot" -t "$t1" -q --source "file:$tmp/A" --source "file:$tmp/B" \
  >/dev/null
consume "$t1" >"$tmp/got1"
printf 'a1\na2 with spaces\na3 no newline\nb1\n\nb3\n' >"$tmp/want1"
cmp -s "$tmp/got1" "$tmp/want1" || { diff "$tmp/want1" "$tmp/got1" | head; fail "two files"; }
t2=$(new_topic files-n 1)
"$kring" produce -b "$boot" -t "$t2" -q -n 4 --source "file:$tmp/A" --source "file:$tmp/B" \
  >/dev/null
consume "$t2" >"$tmp/got2"
printf 'a1\na2 with spaces\na3 no newline\nb1\n' >"$tmp/want2"
cmp -s "$tmp/got2" "$tmp/want2" || { diff "$tmp/want2" "$tmp/got2" | head; fail "-n 4 over two files"; }
echo "inputs: several files: ok"

# ---- 2. --payload-file
printf 'alpha;;beta;gamma delta;;;' >"$tmp/P"
t3=$(new_topic payloads 3)
"$kring" produce -b "$boot" -t "$t3" -q -n 3000 --payload-file "$tmp/P" \
  --payload-delimiter ';' --threads 2 >/dev/null
consume "$t3" | sort | uniq -c | awk '{print $1, $2 $3}' >"$tmp/counts"
total=$(awk '{s += $1} END {print s}' "$tmp/counts")
[ "$total" = 3000 ] || fail "--payload-file: kcat read $total records, want 3000"
# Four payloads: alpha, "" (empty), beta, "gamma delta"; each drawn about 750 times.
for p in alpha beta gammadelta; do
  n=$(awk -v p="$p" '$2 == p {print $1}' "$tmp/counts")
  [ "${n:-0}" -gt 500 ] || fail "--payload-file: payload $p drawn ${n:-0} times of 3000"
done
empty=$(awk 'NF == 1 {print $1}' "$tmp/counts")
[ "${empty:-0}" -gt 500 ] || fail "--payload-file: the empty payload drawn ${empty:-0} times"
others=$(awk '$2 != "alpha" && $2 != "beta" && $2 != "gammadelta" && NF > 1' "$tmp/counts")
[ -z "$others" ] || fail "--payload-file: values not in the file: $others"
echo "inputs: --payload-file: ok"

# ---- 3. stdin read by two producer threads
t4=$(new_topic stdin-threads 3)
seq 0 99999 | awk '{print "k" ($1 % 100) "\t" $1}' |
  "$kring" produce -b "$boot" -t "$t4" -q --source - -K '\t' --threads 2 >/dev/null
kcat -C -b "$boot" -t "$t4" -o beginning -e -q -f '%k %s\n' >"$tmp/got4"
n=$(wc -l <"$tmp/got4")
[ "$n" = 100000 ] || fail "stdin with --threads 2: kcat read $n records, want 100000"
awk '{print $2}' "$tmp/got4" | sort -n | uniq -d | head -3 >"$tmp/dups"
[ ! -s "$tmp/dups" ] || fail "stdin with --threads 2: repeated: $(cat "$tmp/dups")"
awk '$1 != "k" ($2 % 100)' "$tmp/got4" | head -3 >"$tmp/badkeys"
[ ! -s "$tmp/badkeys" ] || fail "stdin with --threads 2: keys lost: $(cat "$tmp/badkeys")"
echo "inputs: stdin with --threads 2: ok"
echo "PASS"
