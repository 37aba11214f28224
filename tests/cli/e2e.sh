#!/usr/bin/env bash
# kring against a real Kafka (tests/cluster), read back by an independent consumer (kcat):
#  1. 1,000,000 generated records with --threads 2, acks=all: kcat reads exactly 1,000,000,
#     event ids exactly 0..999,999, every key on one partition, the one Java's murmur2
#     partitioner picks, and each aircraft's events in order;
#  2. files round trip byte for byte (values only; KEY<TAB>VALUE with -K; from stdin);
#  3. a 10 s open-loop --rate run achieves the rate within 2 %;
#  4. an unknown topic and an unreachable bootstrap fail with a message, non-zero, in time;
#  5. Ctrl-C flushes, prints the summary and exits 130;
#  6. kring metadata lists the topics and their partitions.
# Exits 77 (skipped) when KR_TEST_BOOTSTRAP is unset: start a cluster first, e.g.
#   bash tests/cluster/cluster.sh start single; eval "$(bash tests/cluster/cluster.sh env single)"
#   tests/cli/e2e.sh PATH/TO/kring
set -euo pipefail
kring=${1:?usage: e2e.sh PATH/TO/kring}
if [ -z "${KR_TEST_BOOTSTRAP:-}" ]; then
  echo "e2e: KR_TEST_BOOTSTRAP is unset (no cluster): skipped"
  exit 77
fi
boot=$KR_TEST_BOOTSTRAP
cluster_sh=${KR_TEST_CLUSTER_SH:?KR_TEST_CLUSTER_SH unset: eval cluster.sh env}
cluster=${KR_TEST_CLUSTER:?}
brokers=${KR_TEST_BROKERS:-1}
rf=$((brokers < 3 ? brokers : 3))
tmp=$(mktemp -d)
prefix="kring-cli-e2e-$$-$(date +%s)"
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
  bash "$cluster_sh" create-topic "$cluster" "$name" "$2" "$rf" >/dev/null
  echo "$name"
}
consume() { # consume TOPIC FORMAT: everything in the topic, as kcat formats it
  kcat -C -b "$boot" -t "$1" -o beginning -e -q -f "$2"
}
step() { printf 'e2e: %s\n' "$*"; }

# ---- 1. a million generated records, two threads, read back and checked exactly
t1=$(new_topic 1 6)
step "1,000,000 flight events, --threads 2, acks=all -> $t1"
"$kring" produce -b "$boot" -t "$t1" -n 1000000 --threads 2 --acks all -q \
  --report-json "$tmp/r1.json" >"$tmp/s1"
cat "$tmp/s1"
consume "$t1" '%p\t%k\t%s\n' >"$tmp/c1"
python3 - "$tmp/c1" "$tmp/r1.json" 6 1000000 <<'PY'
import json, sys
path, report, parts, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def murmur2(data):  # Kafka's Utils.murmur2, as the Java client's default partitioner
    m, r = 0x5bd1e995, 24
    length = len(data)
    h = (0x9747b28c ^ length) & 0xffffffff
    for i in range(length // 4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xffffffff
        k ^= k >> r
        k = (k * m) & 0xffffffff
        h = ((h * m) & 0xffffffff) ^ k
    tail, rem = length & ~3, length % 4
    if rem == 3:
        h ^= data[tail + 2] << 16
    if rem >= 2:
        h ^= data[tail + 1] << 8
    if rem >= 1:
        h ^= data[tail]
        h = (h * m) & 0xffffffff
    h ^= h >> 13
    h = (h * m) & 0xffffffff
    h ^= h >> 15
    return h

rep = json.load(open(report))
assert rep["records_sent"] == rep["records_acked"] == n and rep["records_failed"] == 0, rep
ids = bytearray(n)
part_of, last_ts, count = {}, {}, 0
with open(path, "rb") as f:
    for line in f:
        p, key, value = line.rstrip(b"\n").split(b"\t", 2)
        ev = json.loads(value)
        i = ev["event_id"]
        assert 0 <= i < n, i
        assert not ids[i], f"duplicate event_id {i}"
        ids[i] = 1
        assert key.decode() == ev["icao24"], (key, ev["icao24"])
        p = int(p)
        assert part_of.setdefault(key, p) == p, f"key {key} on partitions {part_of[key]} and {p}"
        assert last_ts.get(key, -1) < ev["timestamp"], f"key {key} out of order"
        last_ts[key] = ev["timestamp"]
        count += 1
assert count == n, f"read {count} records, want {n}"
assert all(ids), "missing event ids"
wrong = [k for k, p in part_of.items() if (murmur2(k) & 0x7fffffff) % parts != p]
assert not wrong, f"{len(wrong)} keys not on murmur2's partition, e.g. {wrong[:3]}"
print(f"e2e: read {count} records, ids 0..{n - 1} once each, {len(part_of)} keys, "
      f"each on murmur2's partition, in order")
PY

# ---- 2. files byte for byte
t2=$(new_topic 2 1)
step "file round trips -> $t2"
python3 - "$tmp" <<'PY'
import random, sys
d = sys.argv[1]
rnd = random.Random(4)
alphabet = [chr(c) for c in range(32, 127)] + ["\t", "\r", "é", "→", "\u00a0", "😀"]
lines, keyed = [], []
for i in range(100000):
    size = rnd.choice([0, 1, 5, 50, 300, 1000, 4000])
    s = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, size)))
    lines.append(s)
    k = "".join(rnd.choice("abcdefghij") for _ in range(rnd.randint(0, 12)))
    keyed.append(f"{k}\t{s}")
open(f"{d}/plain", "w", encoding="utf-8", newline="").write("\n".join(lines) + "\n")
open(f"{d}/keyed", "w", encoding="utf-8", newline="").write("\n".join(keyed) + "\n")
PY
"$kring" produce -b "$boot" -t "$t2" --source "file:$tmp/plain" -q >/dev/null
consume "$t2" '%s\n' >"$tmp/c2"
cmp "$tmp/plain" "$tmp/c2"
t3=$(new_topic 3 1)
"$kring" produce -b "$boot" -t "$t3" --source "file:$tmp/keyed" -K '\t' -q >/dev/null
consume "$t3" '%k\t%s\n' >"$tmp/c3"
cmp "$tmp/keyed" "$tmp/c3"
t4=$(new_topic 4 1)
"$kring" produce -b "$boot" -t "$t4" --source - -q <"$tmp/plain" >/dev/null
consume "$t4" '%s\n' >"$tmp/c4"
cmp "$tmp/plain" "$tmp/c4"
step "files: $(wc -l <"$tmp/plain") lines, identical after the round trip (plain, keyed, stdin)"

# ---- 3. the open-loop rate
t5=$(new_topic 5 3)
step "--rate 10000 for 100,000 records -> $t5"
# ten seconds, so that the last records' latency (in wall_s) weighs little
"$kring" produce -b "$boot" -t "$t5" -n 100000 --rate 10000 -q --report-json "$tmp/r5.json" \
  >"$tmp/s5"
cat "$tmp/s5"
python3 - "$tmp/r5.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["records_acked"] == 100000 and r["records_failed"] == 0, r
rate = r["records_per_s"]
assert abs(rate - 10000) <= 10000 * 0.02, f"achieved {rate:.0f} records/s, want 10000 +- 2%"
print(f"e2e: achieved {rate:.0f} records/s for a target of 10000")
PY

# ---- 4. errors: an unknown topic, an unreachable bootstrap
step "an unknown topic"
set +e
timeout 60 "$kring" produce -b "$boot" -t "$prefix-missing" -n 10 -q \
  -X topic.metadata.propagation.max.ms=3000 >"$tmp/s6" 2>"$tmp/e6"
rc=$?
set -e
cat "$tmp/e6"
[ "$rc" = 1 ] || { echo "FAIL: unknown topic: exit $rc, want 1"; exit 1; }
grep -q "does not exist" "$tmp/e6"
step "an unreachable bootstrap"
start=$(date +%s)
set +e
timeout 60 "$kring" produce -b 127.0.0.1:1 -t x -n 10 -q -X request.timeout.ms=2000 \
  >"$tmp/s7" 2>"$tmp/e7"
rc=$?
set -e
cat "$tmp/e7"
[ "$rc" = 1 ] || { echo "FAIL: unreachable bootstrap: exit $rc, want 1"; exit 1; }
[ $(($(date +%s) - start)) -le 15 ] || { echo "FAIL: unreachable bootstrap took too long"; exit 1; }
grep -q "127.0.0.1:1" "$tmp/e7"

# ---- 5. Ctrl-C
t8=$(new_topic 8 3)
step "Ctrl-C -> $t8"
"$kring" produce -b "$boot" -t "$t8" --rate 2000 --duration 60s -q --report-json "$tmp/r8.json" \
  >"$tmp/s8" 2>"$tmp/e8" &
pid=$!
sleep 3
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
cat "$tmp/s8" "$tmp/e8"
[ "$rc" = 130 ] || { echo "FAIL: Ctrl-C: exit $rc, want 130"; exit 1; }
grep -q "^records " "$tmp/s8"
python3 - "$tmp/r8.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["records_sent"] > 1000 and r["records_acked"] == r["records_sent"], r
PY
got=$(consume "$t8" '%o\n' | wc -l)
sent=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['records_sent'])" "$tmp/r8.json")
[ "$got" = "$sent" ] || { echo "FAIL: Ctrl-C: kcat read $got, kring sent $sent"; exit 1; }

# ---- 6. metadata
step "kring metadata"
"$kring" metadata -b "$boot" -t "$t1" >"$tmp/m"
cat "$tmp/m"
grep -q "topic \"$t1\" with 6 partitions:" "$tmp/m"
[ "$(grep -c '^    partition ' "$tmp/m")" = 6 ]
"$kring" metadata -b "$boot" -J | python3 -c "
import json, sys
md = json.load(sys.stdin)
names = {t['topic']: len(t['partitions']) for t in md['topics']}
assert names.get(sys.argv[1]) == 6 and names.get(sys.argv[2]) == 1, names
assert len(md['brokers']) == int(sys.argv[3]), md['brokers']" "$t1" "$t2" "$brokers"
echo "e2e: ok"
