#!/usr/bin/env bash
# kring's Prometheus metrics, scraped by a real Prometheus (issue 10):
#  1. a 30 s --rate run against the real Kafka, scraped every second through
#     --metrics-addr by a Prometheus this script starts (127.0.0.1, data in a temp dir)
#     and stops by its pid;
#  2. Prometheus's HTTP API has kring_records_acked_total equal to the run's
#     --report-json records_acked, its rate within 5 % of the report's records/s, the
#     latency histogram's count equal to it too, and per-broker series;
#  3. `promtool check metrics` finds nothing in a /metrics page taken mid-run;
#  4. --stats-json wrote one valid JSON document a line, whose last counts agree.
# Exits 77 (skipped) when KR_TEST_BOOTSTRAP is unset: start a cluster first, e.g.
#   bash tests/cluster/cluster.sh start single; eval "$(bash tests/cluster/cluster.sh env single)"
#   tests/cli/metrics.sh PATH/TO/kring
# Prometheus (Debian's package, scripts/setup.sh) must be installed: without it the test
# fails rather than skips.
set -euo pipefail
kring=${1:?usage: metrics.sh PATH/TO/kring}
if [ -z "${KR_TEST_BOOTSTRAP:-}" ]; then
  echo "metrics: KR_TEST_BOOTSTRAP is unset (no cluster): skipped"
  exit 77
fi
for t in prometheus promtool curl python3; do
  command -v "$t" >/dev/null || { echo "metrics: $t is not installed (scripts/setup.sh)"; exit 1; }
done
boot=$KR_TEST_BOOTSTRAP
cluster_sh=${KR_TEST_CLUSTER_SH:?KR_TEST_CLUSTER_SH unset: eval cluster.sh env}
cluster=${KR_TEST_CLUSTER:?}
rate=${KR_TEST_METRICS_RATE:-20000}
tmp=$(mktemp -d)
prom_pid=
topic="kring-metrics-$$-$(date +%s)"
cleanup() {
  if [ -n "$prom_pid" ]; then
    kill "$prom_pid" 2>/dev/null || true
    wait "$prom_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  if [ -n "${KR_TEST_KAFKA_TOOL:-}" ]; then
    "$KR_TEST_KAFKA_TOOL" org.apache.kafka.tools.TopicCommand --bootstrap-server "$boot" \
      --delete --topic "$topic" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
fail() { echo "metrics: FAIL: $*"; [ -f "$tmp/prom.log" ] && tail -5 "$tmp/prom.log"; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
mport=$(free_port)
pport=$(free_port)
bash "$cluster_sh" create-topic "$cluster" "$topic" 3 1 >/dev/null

cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: kring
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:$mport']
EOF
promtool check config "$tmp/prometheus.yml" >/dev/null || fail "promtool check config"
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
  --web.listen-address="127.0.0.1:$pport" --storage.tsdb.retention.time=1h \
  >"$tmp/prom.log" 2>&1 &
prom_pid=$!
api="http://127.0.0.1:$pport"
for _ in $(seq 1 100); do
  curl -sf "$api/-/ready" >/dev/null 2>&1 && break
  kill -0 "$prom_pid" 2>/dev/null || fail "prometheus exited"
  sleep 0.2
done
curl -sf "$api/-/ready" >/dev/null || fail "prometheus is not ready after 20 s"

start=$(date +%s.%N)
"$kring" produce -b "$boot" -t "$topic" --duration 30s --rate "$rate" -q \
  --metrics-addr "127.0.0.1:$mport" --metrics-linger 4s \
  --report-json "$tmp/report.json" --stats-json "$tmp/stats.jsonl" >"$tmp/run.txt" 2>&1 &
kpid=$!
sleep 8
curl -sf "http://127.0.0.1:$mport/metrics" >"$tmp/metrics.txt" || fail "no /metrics mid-run"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/nothing")
[ "$code" = 404 ] || fail "/nothing answered $code, not 404"
wait "$kpid" || { cat "$tmp/run.txt"; fail "kring produce exited non-zero"; }

# 3. promtool's lint finds nothing
lint=$(promtool check metrics <"$tmp/metrics.txt" 2>&1) || true
[ -z "$lint" ] || { echo "$lint"; fail "promtool check metrics complained"; }
for m in kring_records_acked_total kring_delivery_latency_seconds_bucket \
  kring_broker_rtt_seconds kring_broker_requests_total kring_buffer_used_bytes \
  kring_partition_records_acked_total kring_requests_in_flight; do
  grep -q "^$m" "$tmp/metrics.txt" || fail "$m missing from /metrics"
done

# 2. what Prometheus stored
query() { # query PROMQL [TIME]: the first result's value, or "none"
  local args=(--data-urlencode "query=$1")
  [ -n "${2:-}" ] && args+=(--data-urlencode "time=$2")
  curl -sf "$api/api/v1/query" "${args[@]}" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")'
}
report() { python3 -c "import json; print(json.load(open('$tmp/report.json'))['$1'])"; }
acked=$(report records_acked)
per_s=$(report records_per_s)
[ "$acked" -gt 0 ] || fail "the run acknowledged nothing"
got=$(query 'max_over_time(kring_records_acked_total[5m])')
[ "$got" = "$acked" ] || fail "kring_records_acked_total is $got, the report says $acked"
lat=$(query 'max_over_time(kring_delivery_latency_seconds_count[5m])')
[ "$lat" = "$acked" ] || fail "the latency histogram counted $lat, the report says $acked"
mid=$(python3 -c "print($start + 25)")
r=$(query 'rate(kring_records_acked_total[20s])' "$mid")
python3 - "$r" "$per_s" <<'EOF' || fail "rate $r records/s vs the report's $per_s"
import sys
r, want = float(sys.argv[1]), float(sys.argv[2])
print(f"metrics: Prometheus rate {r:.0f} records/s, report {want:.0f} records/s")
sys.exit(0 if abs(r - want) <= 0.05 * want else 1)
EOF
reqs=$(query 'max_over_time(kring_broker_requests_total{broker="1"}[5m])')
[ "$reqs" != none ] && python3 -c "import sys; sys.exit(0 if float('$reqs') > 0 else 1)" ||
  fail "no requests counted for broker 1 ($reqs)"

# 4. the statistics documents
python3 - "$tmp/stats.jsonl" "$acked" <<'EOF' || fail "--stats-json"
import json, sys
docs = [json.loads(line) for line in open(sys.argv[1])]
assert len(docs) >= 25, f"{len(docs)} documents in a 30 s run"
last = docs[-1]
for k in ("records_acked", "records_in_flight", "buffer_bytes_used", "brokers", "topics"):
    assert k in last, k
acked = sum(p["records_acked"] for t in last["topics"] for p in t["partitions"])
assert acked == last["records_acked"], (acked, last["records_acked"])
assert 0 < last["records_acked"] <= int(sys.argv[2])
print(f"metrics: {len(docs)} statistics documents, the last at {last['records_acked']} acked")
EOF
echo "metrics: OK ($acked records acknowledged, Prometheus agrees)"
