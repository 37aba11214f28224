#!/usr/bin/env python3
"""Reads a topic back with an independent consumer (kcat) and checks what kr_drive wrote.

Checks, for records with ids 0..N-1 (minus --exclude), key "k<id % K>":
  - exactly the expected number of records, every id exactly once (no loss, no duplicate);
  - value and key agree (the value carries "id" and "key");
  - each key sits on the partition Java's murmur2 gives: (murmur2(key) & 0x7fffffff) % P;
    with --partitions-before B (the topic grew from B partitions during the run) on the
    partition for B or for P, every id on the former before every id on the latter;
  - per key, ids strictly increase in offset order; per partition, offsets increase;
  - with --reports: every delivery report "id partition offset" names the record that is
    really at that partition and offset;
  - with --dump-dir: Kafka's DumpLogSegments on the stored segments: every batch valid, the
    expected codec, and for an idempotent producer contiguous sequences per producer epoch.

python3 standard library only. Exit 0 when everything holds, 1 when something does not,
2 when the consumer cannot be run.
"""
import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import time

SHOW = 5


def murmur2(data: bytes) -> int:
    """Java's org.apache.kafka.common.utils.Utils.murmur2, as a signed 32-bit int."""
    m = 0x5BD1E995
    r = 24
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(length // 4):
        i4 = 4 * i
        k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24)
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = length & ~3
    rem = length % 4
    if rem == 3:
        h ^= data[tail + 2] << 16
    if rem >= 2:
        h ^= data[tail + 1] << 8
    if rem >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


# apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2
MURMUR2_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


def self_test():
    for data, want in MURMUR2_VECTORS.items():
        got = murmur2(data)
        if got != want:
            sys.exit(f"verify: murmur2({data!r}) = {got}, Kafka's UtilsTest says {want}")


def partition_for(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def partition_count(bootstrap, topic):
    out = subprocess.run(["kcat", "-L", "-J", "-b", bootstrap, "-t", topic],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        sys.exit(f"verify: kcat -L failed: {out.stderr.strip()}")
    meta = json.loads(out.stdout)
    for t in meta.get("topics", []):
        if t.get("topic") == topic:
            if t.get("error"):
                sys.exit(f"verify: topic {topic}: {t['error']}")
            return len(t["partitions"])
    sys.exit(f"verify: topic {topic} not in metadata")


ID_RE = re.compile(r'^\{"id":(\d+),"(?:key":"([^"]*)"|big")')


def consume(bootstrap, topic):
    """Yields (partition, offset, key, id or None, value head) per record, in kcat's order."""
    cmd = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
           "-X", "check.crcs=true", "-f", "%p\t%o\t%k\t%s\n"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, errors="replace", bufsize=1 << 20)
    for line in proc.stdout:
        parts = line.rstrip("\n").split("\t", 3)
        if len(parts) != 4:
            yield (None, None, None, None, line[:120])
            continue
        p, o, k, v = parts
        mt = ID_RE.match(v)
        rid = int(mt.group(1)) if mt else None
        vkey = mt.group(2) if mt else None
        yield (int(p), int(o), k, rid, vkey if mt else v[:120])
    err = proc.stderr.read()
    if proc.wait() != 0:
        sys.exit(f"verify: kcat -C exited {proc.returncode}: {err.strip()[:2000]}")


class Checker:
    def __init__(self, args, partitions):
        self.args = args
        self.partitions = partitions
        self.problems = collections.Counter()
        self.examples = collections.defaultdict(list)
        self.seen = bytearray(args.n)       # per id: times seen (capped at 255)
        self.where = {}                      # id -> (p, o), for duplicates
        self.dups = []
        self.at = {}                         # (p, o) -> id, for --reports
        self.last_off = {}
        self.last_id_per_key = {}
        self.count = 0
        self.per_part = collections.Counter()
        self.exclude = set(args.exclude)
        self.key_span = {}                   # --partitions-before: key -> {p: (min, max id)}

    def bad(self, kind, msg):
        self.problems[kind] += 1
        if len(self.examples[kind]) < SHOW:
            self.examples[kind].append(msg)

    def record(self, p, o, k, rid, vkey):
        self.count += 1
        if p is None:
            self.bad("unparsable line", repr(vkey))
            return
        self.per_part[p] += 1
        if o <= self.last_off.get(p, -1):
            self.bad("offset order", f"partition {p}: offset {o} after {self.last_off[p]}")
        self.last_off[p] = o
        if rid is None:
            self.bad("value without id", f"p{p}@{o}: {vkey!r}")
            return
        if self.args.reports:
            self.at[(p, o)] = rid
        if rid >= self.args.n:
            self.bad("id out of range", f"id {rid} at p{p}@{o}")
            return
        if rid in self.exclude:
            self.bad("excluded id present", f"id {rid} at p{p}@{o} (expected to fail)")
        want_key = f"k{rid % self.args.keys}"
        if k != want_key or (vkey is not None and vkey != want_key):
            self.bad("key mismatch", f"id {rid} at p{p}@{o}: key {k!r}, value key {vkey!r}")
        if self.seen[rid]:
            self.dups.append((rid, self.where.get(rid), (p, o)))
        else:
            self.where[rid] = (p, o)
        self.seen[rid] = min(255, self.seen[rid] + 1)
        want_p = partition_for(want_key.encode(), self.partitions)
        before = self.args.partitions_before
        old_p = partition_for(want_key.encode(), before) if before else want_p
        if p != want_p and p != old_p:
            self.bad("wrong partition", f"key {want_key} (id {rid}) on {p}, murmur2 says {want_p}"
                     + (f" (or {old_p} with {before} partitions)" if before else ""))
        # With a partition count that grew, a key's records sit on two partitions: order
        # holds per partition, and every id on the old one precedes every id on the new.
        okey = (want_key, p) if before else want_key
        last = self.last_id_per_key.get(okey)
        if last is not None and rid <= last:
            self.bad("key order", f"key {want_key}: id {rid} at p{p}@{o} after id {last}")
        self.last_id_per_key[okey] = rid
        if before and old_p != want_p:
            span = self.key_span.setdefault(want_key, {})
            lo, hi = span.get(p, (rid, rid))
            span[p] = (min(lo, rid), max(hi, rid))

    def finish(self):
        before = self.args.partitions_before
        for key, span in self.key_span.items():
            old_p = partition_for(key.encode(), before)
            new_p = partition_for(key.encode(), self.partitions)
            if old_p in span and new_p in span and span[old_p][1] > span[new_p][0]:
                self.bad("key moved back", f"key {key}: id {span[old_p][1]} on p{old_p} "
                         f"after id {span[new_p][0]} on p{new_p}")
        expected = self.args.n - len([i for i in self.exclude if i < self.args.n])
        missing = [i for i in range(self.args.n) if not self.seen[i] and i not in self.exclude]
        return expected, missing


def check_reports(chk, path):
    acked = 0
    with open(path) as f:
        for line in f:
            rid, p, o = (int(x) for x in line.split())
            acked += 1
            if o < 0:
                continue
            got = chk.at.get((p, o))
            if got != rid:
                chk.bad("report mismatch",
                        f"report says id {rid} at p{p}@{o}, the consumer read id {got} there")
    return acked


DUMP_RE = re.compile(r"baseOffset: (\d+) lastOffset: (\d+) count: (\d+) baseSequence: (-?\d+) "
                     r"lastSequence: (-?\d+) producerId: (-?\d+) producerEpoch: (-?\d+) .*"
                     r"compresscodec: (\w+) .*isvalid: (\w+)")


def check_dump(chk, args, topic):
    """Runs DumpLogSegments over every stored segment of the topic's partitions."""
    files = sorted(glob.glob(os.path.join(args.dump_dir, "node*", "data", topic + "-*",
                                          "*.log")))
    if not files:
        chk.bad("dump", f"no segments under {args.dump_dir}")
        return {}
    tool = os.environ.get("KR_TEST_KAFKA_TOOL")
    out = subprocess.run([tool, "kafka.tools.DumpLogSegments", "--files", ",".join(files)],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        chk.bad("dump", f"DumpLogSegments exited {out.returncode}: {out.stderr[-500:]}")
    batches = 0
    codecs = collections.Counter()
    epochs = set()
    cur = None
    last = {}
    for line in out.stdout.splitlines():
        if line.startswith("Dumping "):
            cur = line.split()[1]
            continue
        mt = DUMP_RE.search(line)
        if not mt:
            continue
        batches += 1
        bo, lo, cnt, bseq, lseq, pid, ep, codec, valid = mt.groups()
        codecs[codec] += 1
        if valid != "true":
            chk.bad("dump: invalid batch", f"{cur}: {line[:160]}")
        if args.codec and codec != args.codec:
            chk.bad("dump: codec", f"{cur}: baseOffset {bo} compresscodec {codec}")
        if args.idempotent:
            if int(pid) < 0:
                chk.bad("dump: no producer id", f"{cur}: baseOffset {bo}")
            epochs.add((int(pid), int(ep)))
            key = (os.path.dirname(cur), os.path.basename(os.path.dirname(cur)).split("-")[-1])
            prev = last.get(key)
            if prev and prev[0] == (pid, ep) and int(bseq) != prev[1] + 1:
                chk.bad("dump: sequence gap",
                        f"{cur}: baseOffset {bo} baseSequence {bseq} after lastSequence {prev[1]}")
            last[key] = ((pid, ep), int(lseq))
        elif int(pid) != -1 or int(bseq) != -1:
            chk.bad("dump: producer fields", f"{cur}: producerId {pid} baseSequence {bseq}")
    return {"segments": len(files), "batches": batches, "codecs": dict(codecs),
            "producer_epochs": len(epochs)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", default=os.environ.get("KR_TEST_BOOTSTRAP"))
    ap.add_argument("--topic", required=True)
    ap.add_argument("-n", type=int, required=True, help="ids 0..n-1 were produced")
    ap.add_argument("-k", "--keys", type=int, default=10000)
    ap.add_argument("--exclude", type=int, action="append", default=[],
                    help="an id that must be absent (expected to fail)")
    ap.add_argument("--reports", help="kr_drive --reports file to cross-check")
    ap.add_argument("--partitions-before", type=int, default=0,
                    help="the topic had this many partitions when producing began (it grew "
                         "meanwhile): a key may sit on its partition under either count")
    ap.add_argument("--dump-dir", help="cluster dir: run DumpLogSegments on the topic")
    ap.add_argument("--codec", help="with --dump-dir: every batch must use this codec")
    ap.add_argument("--idempotent", action="store_true",
                    help="with --dump-dir: batches carry contiguous sequences")
    ap.add_argument("--settle-s", type=float, default=0,
                    help="if ids are missing, read the topic once more after this long")
    ap.add_argument("--allow-loss", action="store_true",
                    help="missing ids are reported but do not fail (acks=0)")
    args = ap.parse_args()
    self_test()
    if not args.bootstrap:
        sys.exit("verify: no --bootstrap and no KR_TEST_BOOTSTRAP")

    partitions = partition_count(args.bootstrap, args.topic)
    chk = Checker(args, partitions)
    for rec in consume(args.bootstrap, args.topic):
        chk.record(*rec)
    expected, missing = chk.finish()
    if missing and args.settle_s > 0:
        # acks=0: the producer cannot know when the broker has appended its last batch.
        print(f"verify: {len(missing)} missing; reading again in {args.settle_s} s",
              file=sys.stderr)
        time.sleep(args.settle_s)
        chk = Checker(args, partitions)
        for rec in consume(args.bootstrap, args.topic):
            chk.record(*rec)
        expected, missing = chk.finish()
    acked_reports = check_reports(chk, args.reports) if args.reports else None
    dump = check_dump(chk, args, args.topic) if args.dump_dir else None

    ok = True
    lines = []
    if chk.count != expected:
        lines.append(f"count: read {chk.count} records, expected {expected}")
    if missing:
        lines.append(f"missing: {len(missing)} ids, first {missing[:10]}")
    if chk.dups:
        ex = ", ".join(f"id {d[0]} at p{d[1][0]}@{d[1][1]} and p{d[2][0]}@{d[2][1]}"
                       for d in chk.dups[:SHOW])
        lines.append(f"duplicates: {len(chk.dups)} extra copies, first: {ex}")
    for kind, cnt in chk.problems.items():
        lines.append(f"{kind}: {cnt}, first: " + "; ".join(chk.examples[kind]))
    loss_only = not chk.dups and not chk.problems and chk.count + len(missing) == expected
    if lines and not (args.allow_loss and loss_only):
        ok = False
    for line in lines:
        print(f"verify: {line}", file=sys.stderr)

    summary = {"ok": ok, "topic": args.topic, "partitions": partitions, "read": chk.count,
               "expected": expected, "missing": len(missing), "duplicates": len(chk.dups),
               "problems": dict(chk.problems),
               "per_partition": [chk.per_part.get(p, 0) for p in range(partitions)]}
    if acked_reports is not None:
        summary["reports_checked"] = acked_reports
    if dump is not None:
        summary["dump"] = dump
    print(f"verify: {'OK' if ok else 'FAIL'} topic={args.topic} read={chk.count} "
          f"expected={expected} missing={len(missing)} duplicates={len(chk.dups)} "
          f"partitions={partitions} problems={sum(chk.problems.values())}")
    print(json.dumps(summary))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
