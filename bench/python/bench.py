#!/usr/bin/env python3
"""The same Python producer loops with kring and with confluent-kafka, side by side.

    bench.py --mock-sink PATH [-n N] [--cases a,b,...]       librdkafka's mock cluster
    bench.py --bootstrap HOST:PORT --topic T [-n N] ...        a real Kafka

Each case runs in its own process pinned to one core (the mock sink gets another), so
records/s is per core: for confluent-kafka, librdkafka's background threads share that core
with the Python loop, as kring's single thread does. Also reported: records per second of
process CPU time (all threads). Records: 300-byte flight JSON with a flight-number key,
acks=all, idempotent, lz4, linger.ms=5; every other setting is each client's default.
A JSON line per case goes to stdout after the table.
"""
import argparse
import json
import os
import subprocess
import sys
import time

KEYS = 5000


def flight(i):
    k = f"FL{i % KEYS:04d}"
    s = (f'{{"id":{i},"flight":"{k}","origin":"LHR","destination":"JFK",'
         f'"scheduled":"2024-06-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",'
         f'"lat":{(i * 7919) % 180000 / 1000 - 90:.3f},"lon":{(i * 104729) % 360000 / 1000 - 180:.3f},'
         f'"altitude_ft":{i % 41000},"ground_speed_kt":{300 + i % 250},"heading":{i % 360},'
         f'"status":"EN_ROUTE","aircraft":"A320-{i % 997:03d}","source":"adsb-feed-7","pad":"')
    return (s + "x" * max(0, 298 - len(s)) + '"}').encode(), k.encode()


def settings(client, bootstrap):
    conf = {"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
            "compression.type": "lz4", "linger.ms": 5}
    if client == "confluent":
        conf["enable.idempotence"] = "true"
    return conf


# ---- the loops: identical code for both clients ----

def loop_produce(p, topic, values, keys, cb):
    produce, poll = p.produce, p.poll
    n = 0
    for v, k in zip(values, keys):
        while True:
            try:
                if cb is None:
                    produce(topic, v, k)
                else:
                    produce(topic, v, k, on_delivery=cb)
                break
            except BufferError:
                poll(0.01)
        n += 1
        if n % 1000 == 0:
            poll(0)
    p.flush()


def loop_batch(p, topic, values, keys, cb, chunk=10000):
    for s in range(0, len(values), chunk):
        if cb is None:
            p.produce_batch(topic, values[s:s + chunk], keys[s:s + chunk])
        else:
            p.produce_batch(topic, values[s:s + chunk], keys[s:s + chunk], on_delivery=cb)
    p.flush()


def loop_buffer(p, topic, values, keys, cb, chunk=10000):
    bufs = [(b"\n".join(values[s:s + chunk]), b"\n".join(keys[s:s + chunk]))
            for s in range(0, len(values), chunk)]
    t0 = time.perf_counter(), time.process_time()
    for vb, kb in bufs:
        p.produce_batch(topic, vb, keys=kb)
    p.flush()
    return t0


def loop_confluent_batch(p, topic, values, keys, cb, chunk=10000):
    msgs = [{"value": v, "key": k} for v, k in zip(values, keys)]
    t0 = time.perf_counter(), time.process_time()
    for s in range(0, len(msgs), chunk):
        part = msgs[s:s + chunk]
        while part:
            n = p.produce_batch(topic, part)
            part = [m for m in part if "_error" in m]
            for m in part:
                del m["_error"]
            if part:
                p.poll(0.01)
        p.poll(0)
    p.flush()
    return t0


CASES = {
    # name: (client, loop, per-record callback?)
    "kring.produce": ("kring", loop_produce, False),
    "confluent.produce": ("confluent", loop_produce, False),
    "kring.produce+cb": ("kring", loop_produce, True),
    "confluent.produce+cb": ("confluent", loop_produce, True),
    "kring.produce_batch": ("kring", loop_batch, False),
    "kring.produce_batch+cb": ("kring", loop_batch, "bulk"),
    "kring.produce_batch(buffer)": ("kring", loop_buffer, False),
    "confluent.produce_batch": ("confluent", loop_confluent_batch, False),
}


def run_one(name, bootstrap, topic, n, cpu):
    client, loop, cbmode = CASES[name]
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    if client == "kring":
        import kring as mod
    else:
        import confluent_kafka as mod
    if loop is loop_confluent_batch and not hasattr(mod.Producer, "produce_batch"):
        return {"case": name, "skipped": "this confluent-kafka has no produce_batch"}
    data = [flight(i) for i in range(n)]
    values = [d[0] for d in data]
    keys = [d[1] for d in data]
    del data
    got = [0, 0]
    if cbmode == "bulk":
        def cb(reports):
            got[0] += len(reports)
            for r in reports:
                if r[3] is not None:
                    got[1] += 1
    elif cbmode:
        def cb(err, msg):
            got[0] += 1
            if err is not None:
                got[1] += 1
    else:
        cb = None
    p = mod.Producer(settings(client, bootstrap))
    # Connect and learn metadata outside the timed part.
    p.produce(topic, values[0], keys[0])
    p.flush()
    t0 = time.perf_counter(), time.process_time()
    t = loop(p, topic, values, keys, cb)
    if t is not None:
        t0 = t
    wall = time.perf_counter() - t0[0]
    cpu_s = time.process_time() - t0[1]
    if cbmode:
        assert got == [n, 0], f"{name}: reports {got[0]} of {n}, {got[1]} failed"
    if hasattr(p, "close"):
        p.close()
    return {"case": name, "records": n, "seconds": round(wall, 3),
            "cpu_seconds": round(cpu_s, 3), "records_per_s": round(n / wall),
            "records_per_cpu_s": round(n / cpu_s), "value_bytes": len(values[0])}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mock-sink", help="path to bench's kr_mock_sink")
    ap.add_argument("--bootstrap")
    ap.add_argument("--topic", default="flights")
    ap.add_argument("-n", type=int, default=1_000_000)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(run_one(a.one, a.bootstrap, a.topic, a.n, a.cpu)))
        return 0
    cores = sorted(os.sched_getaffinity(0))
    sink = None
    if a.bootstrap is None:
        if not a.mock_sink:
            ap.error("give --mock-sink or --bootstrap")
        sink = subprocess.Popen(["taskset", "-c", str(cores[0]), a.mock_sink, "--topic",
                                 f"{a.topic}:6"], stdout=subprocess.PIPE, text=True)
        line = sink.stdout.readline().split()
        if len(line) != 2 or line[0] != "BOOTSTRAP":
            sys.exit("bench: kr_mock_sink did not start")
        a.bootstrap = line[1]
    cpu = cores[-1] if len(cores) > 1 else None
    results = []
    try:
        for name in a.cases.split(","):
            out = subprocess.run([sys.executable, __file__, "--one", name, "--bootstrap",
                                  a.bootstrap, "--topic", a.topic, "-n", str(a.n)] +
                                 (["--cpu", str(cpu)] if cpu is not None else []),
                                 capture_output=True, text=True, timeout=1800)
            if out.returncode != 0:
                sys.exit(f"bench: {name} failed:\n{out.stderr[-3000:]}")
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = results[-1]
            if "skipped" in r:
                print(f"{name:30s} skipped: {r['skipped']}", file=sys.stderr)
            else:
                print(f"{name:30s} {r['records_per_s']:>10,} rec/s (one core)  "
                      f"{r['records_per_cpu_s']:>10,} rec/CPU-s", file=sys.stderr)
    finally:
        if sink is not None:
            sink.terminate()
            sink.wait()
    base = {r["case"]: r for r in results if "skipped" not in r}
    ref = base.get("confluent.produce")
    print(f"\n{'case':30s} {'rec/s':>10s} {'rec/CPU-s':>10s} {'x confluent.produce':>20s}")
    for r in results:
        if "skipped" in r:
            continue
        x = r["records_per_s"] / ref["records_per_s"] if ref else float("nan")
        print(f"{r['case']:30s} {r['records_per_s']:>10,} {r['records_per_cpu_s']:>10,} "
              f"{x:>19.2f}x")
    for r in results:
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
