#!/usr/bin/env python3
"""Checks a topic holds the flight events with event_id 0..N-1, each exactly once.

Two independent readers, neither of them kring: Kafka's GetOffsetShell (the sum of the
partitions' log end offsets of a fresh topic must be N) and kcat (every record's value
is read and its "event_id" taken; each id in 0..N-1 exactly once, nothing else).

  flight_ids.py --bootstrap B --topic T -n N --kafka-tool PATH/kafka-tool.sh

python3 standard library only. Exit 0 when both hold, 1 when not, 2 when a reader fails.
"""
import argparse
import re
import subprocess
import sys

ID = re.compile(rb'^\{"event_id":(\d+),')


def end_offsets(tool, bootstrap, topic):
    out = subprocess.run([tool, "org.apache.kafka.tools.GetOffsetShell", "--bootstrap-server",
                          bootstrap, "--topic", topic], capture_output=True, timeout=300)
    if out.returncode != 0:
        sys.exit(f"flight_ids: GetOffsetShell failed: {out.stderr.decode()[-2000:]}")
    total = 0
    for line in out.stdout.decode().split():
        name, _, off = line.rpartition(":")
        if name.rpartition(":")[0] == topic:
            total += int(off)
    return total


def read_ids(bootstrap, topic, n):
    seen = bytearray(n)
    dup = bad = 0
    examples = []
    kcat = subprocess.Popen(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning",
                             "-e", "-q", "-f", "%s\\n"], stdout=subprocess.PIPE)
    count = 0
    for line in kcat.stdout:
        count += 1
        m = ID.match(line)
        i = int(m.group(1)) if m else -1
        if i < 0 or i >= n:
            bad += 1
            if len(examples) < 5:
                examples.append(f"unexpected record {line[:80]!r}")
        elif seen[i]:
            dup += 1
            if len(examples) < 5:
                examples.append(f"duplicate event_id {i}")
        else:
            seen[i] = 1
    if kcat.wait() != 0:
        sys.exit("flight_ids: kcat failed")
    missing = n - sum(seen)
    return count, dup, bad, missing, examples, seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("-n", type=int, required=True)
    ap.add_argument("--kafka-tool", required=True)
    a = ap.parse_args()
    ends = end_offsets(a.kafka_tool, a.bootstrap, a.topic)
    count, dup, bad, missing, examples, seen = read_ids(a.bootstrap, a.topic, a.n)
    print(f"flight_ids: GetOffsetShell {ends} records; kcat read {count}: "
          f"{a.n - missing} of ids 0..{a.n - 1}, {dup} duplicates, {bad} other, "
          f"{missing} missing")
    for e in examples:
        print("  " + e)
    if missing:
        first = [i for i in range(a.n) if not seen[i]][:5]
        print(f"  first missing ids: {first}")
    ok = ends == a.n and count == a.n and dup == 0 and bad == 0 and missing == 0
    print("flight_ids: " + ("ok" if ok else "MISMATCH"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
