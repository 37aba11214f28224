#!/usr/bin/env bash
# The flight generator through `kring generate`, checked by Python's json module: every
# event is valid JSON with the documented fields and types, event_id runs 0..n-1, the
# output is the same for the same seed and differs for another, --record-size is exact,
# --key prefixes the key field's value, and --instance I/N splits the run: the N outputs
# together are, line for line, the one output (-n is the whole job's).
#   tests/cli/generate.sh PATH/TO/kring
set -eu
kring=${1:?usage: generate.sh PATH/TO/kring}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$kring" generate -n 50000 >"$tmp/a"
"$kring" generate -n 50000 --seed 1 >"$tmp/b"
"$kring" generate -n 50000 --seed 2 >"$tmp/c"
cmp -s "$tmp/a" "$tmp/b" || { echo "FAIL: same seed, different output"; exit 1; }
if cmp -s "$tmp/a" "$tmp/c"; then echo "FAIL: another seed, same output"; exit 1; fi
"$kring" generate -n 3000 --record-size 1000 >"$tmp/pad"
"$kring" generate -n 3000 --record-size 305 >"$tmp/near"
"$kring" generate -n 3000 --key icao24 >"$tmp/keyed"
"$kring" generate -n 3000 --key callsign -K '|' >"$tmp/keyed2"
"$kring" generate -n 10007 --fleet 100 --key icao24 >"$tmp/whole"
for i in 0 1 2; do
  "$kring" generate -n 10007 --fleet 100 --key icao24 --instance "$i/3" >"$tmp/inst$i"
done
KRING_INSTANCE=1/3 "$kring" generate -n 10007 --fleet 100 --key icao24 >"$tmp/inst1env"
cmp -s "$tmp/inst1" "$tmp/inst1env" || { echo "FAIL: KRING_INSTANCE=1/3 differs from --instance 1/3"; exit 1; }

python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
fields = {"event_id": int, "timestamp": int, "icao24": str, "callsign": str,
          "airline": str, "origin": str, "destination": str, "squawk": str,
          "latitude": float, "longitude": float, "altitude": int, "ground_speed": int,
          "heading": float, "vertical_rate": int, "on_ground": bool, "status": str}
statuses = {"taxi", "takeoff", "climb", "cruise", "descent", "approach", "landed"}

def check(ev, where):
    assert set(ev) - {"pad"} == set(fields), (where, sorted(ev))
    for k, t in fields.items():
        v = ev[k]
        if t is float:
            assert isinstance(v, (int, float)) and not isinstance(v, bool), (where, k, v)
        else:
            assert type(v) is t, (where, k, v)
    assert len(ev["icao24"]) == 6 and all(c in "0123456789abcdef" for c in ev["icao24"])
    assert len(ev["squawk"]) == 4 and all(c in "01234567" for c in ev["squawk"])
    assert -90 <= ev["latitude"] <= 90 and -180 <= ev["longitude"] <= 180
    assert 0 <= ev["heading"] < 360 and 0 <= ev["altitude"] <= 60000
    assert ev["status"] in statuses, ev["status"]
    assert ev["on_ground"] == (ev["status"] in ("taxi", "landed"))
    assert len(ev["origin"]) == 4 and len(ev["destination"]) == 4
    assert ev["origin"] != ev["destination"]

lines = open(f"{d}/a", "rb").read().split(b"\n")
assert lines[-1] == b"", "no final newline"
lines = lines[:-1]
assert len(lines) == 50000, len(lines)
sizes, icaos = [], set()
for i, raw in enumerate(lines):
    ev = json.loads(raw)
    check(ev, i)
    assert ev["event_id"] == i, (i, ev["event_id"])
    sizes.append(len(raw))
    icaos.add(ev["icao24"])
avg = sum(sizes) / len(sizes)
assert 280 <= avg <= 330, avg
assert len(icaos) == 4096, len(icaos)  # the default fleet: keys repeat

for raw in open(f"{d}/pad", "rb").read().split(b"\n")[:-1]:
    assert len(raw) == 1000, len(raw)
    ev = json.loads(raw)
    check(ev, "pad")
    assert set(ev["pad"]) == {"x"}
n_near = 0
for raw in open(f"{d}/near", "rb").read().split(b"\n")[:-1]:
    assert len(raw) == 305, len(raw)
    try:
        check(json.loads(raw), "near")
        n_near += 1
    except json.JSONDecodeError:
        pass  # cut: longer than 305 bytes before
assert n_near > 0

for name, field, sep in (("keyed", "icao24", b"\t"), ("keyed2", "callsign", b"|")):
    for raw in open(f"{d}/{name}", "rb").read().split(b"\n")[:-1]:
        key, value = raw.split(sep, 1)
        ev = json.loads(value)
        assert ev[field] == key.decode(), (key, ev[field])
# --instance: instance i of 3 writes the events k with k % 3 == i, in order
whole = open(f"{d}/whole", "rb").read().split(b"\n")[:-1]
assert len(whole) == 10007
merged = [None] * len(whole)
for i in range(3):
    part = open(f"{d}/inst{i}", "rb").read().split(b"\n")[:-1]
    assert len(part) == len(range(i, len(whole), 3)), (i, len(part))
    for j, raw in enumerate(part):
        k = i + 3 * j
        assert json.loads(raw.split(b"\t", 1)[1])["event_id"] == k
        merged[k] = raw
assert merged == whole, "the instances' events are not the one run's"
print("generate: ok, %d events, %.1f bytes on average" % (len(lines), avg))
PY
