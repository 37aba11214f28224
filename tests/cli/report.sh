#!/usr/bin/env bash
# The summary and --report-json through `kring produce --dry-run` (no broker: every record
# counts as acknowledged when it is handed over): exactly the documented fields, with the
# right types and counts, for the generator (one and two threads, --rate), a file (split
# between threads, with keys) and stdin.
#   tests/cli/report.sh PATH/TO/kring
set -eu
kring=${1:?usage: report.sh PATH/TO/kring}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # check REPORT RECORDS BYTES|-
  python3 - "$@" <<'PY'
import json, sys
path, records, nbytes = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = open(path).read()
assert text.endswith("}\n") and text.count("\n") == 1, repr(text[-50:])
r = json.loads(text)
want = ["records_sent", "records_acked", "records_failed", "bytes", "wall_s",
        "records_per_s", "mb_per_s", "cpu_user_s", "cpu_sys_s", "cpu_ns_per_record",
        "latency_ms", "transport", "errors"]
assert list(r) == want, list(r)
assert list(r["latency_ms"]) == ["p50", "p99", "p999", "max"], r["latency_ms"]
for k in ("records_sent", "records_acked", "records_failed", "bytes"):
    assert type(r[k]) is int and r[k] >= 0, (k, r[k])
for k in ("wall_s", "records_per_s", "mb_per_s", "cpu_user_s", "cpu_sys_s",
          "cpu_ns_per_record"):
    assert isinstance(r[k], (int, float)) and r[k] >= 0, (k, r[k])
lat = r["latency_ms"]
assert lat["p50"] <= lat["p99"] <= lat["p999"] <= lat["max"], lat
assert r["errors"] == {}, r["errors"]
assert r["transport"] in ("io_uring", "poll", None), r["transport"]
assert r["records_sent"] == r["records_acked"] == records, r
assert r["records_failed"] == 0
if nbytes != "-":
    assert r["bytes"] == int(nbytes), (r["bytes"], nbytes)
assert r["wall_s"] > 0 and r["records_per_s"] > 0
assert abs(r["records_per_s"] * r["wall_s"] - records) <= max(2, records * 1e-3), r
PY
}

# the generator, one thread and two
"$kring" produce --dry-run -n 20000 --report-json "$tmp/r1.json" >"$tmp/out1"
check "$tmp/r1.json" 20000 -
grep -q "^records   20000 sent, 20000 acked, 0 failed$" "$tmp/out1"
grep -q "^errors    none$" "$tmp/out1"
"$kring" generate -n 20000 --key icao24 >"$tmp/gen"
# the same events: key + value bytes (a line is KEY, tab, VALUE, newline)
bytes=$(python3 -c "import sys; print(sum(len(l) - 2 for l in open(sys.argv[1], 'rb')))" "$tmp/gen")
check "$tmp/r1.json" 20000 "$bytes"
"$kring" produce --dry-run -n 20001 --threads 2 -q --report-json "$tmp/r2.json" >/dev/null
check "$tmp/r2.json" 20001 -
# an open-loop rate: the run takes about records / rate seconds
"$kring" produce --dry-run -n 2000 --rate 10000 --threads 2 --report-json "$tmp/r3.json" >/dev/null
check "$tmp/r3.json" 2000 -
python3 -c "
import json,sys; r=json.load(open(sys.argv[1]))
assert 0.19 <= r['wall_s'] < 2.0, r['wall_s']" "$tmp/r3.json"

# a file, keyed, split between two threads; lines with and without the delimiter
printf 'k1\tvalue one\nno key\n\nk2\tv2\r\nlast\tno newline' >"$tmp/in"
"$kring" produce --dry-run --source "file:$tmp/in" -K '\t' --threads 2 \
  --report-json "$tmp/r4.json" >/dev/null
check "$tmp/r4.json" 5 $((2 + 9 + 6 + 0 + 2 + 3 + 4 + 10))
"$kring" produce --dry-run --source "file:$tmp/in" -n 2 --report-json "$tmp/r5.json" >/dev/null
check "$tmp/r5.json" 2 $((12 + 6))

# stdin
"$kring" generate -n 1000 | "$kring" produce --dry-run --source - --report-json "$tmp/r6.json" >/dev/null
check "$tmp/r6.json" 1000 -
printf 'a\nb\nc\n' | "$kring" produce --dry-run --source - -n 2 --report-json "$tmp/r7.json" >/dev/null
check "$tmp/r7.json" 2 2
echo "report: ok"
