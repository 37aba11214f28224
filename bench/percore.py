#!/usr/bin/env python3
"""Per-core cost of the whole kring produce process, beside liblz4 alone and librdkafka.

Run through bench/percore.sh (which builds first). Standard library only.

Every round runs each case once, in a rotated order, each producer into a fresh mock sink
(bench/kr_mock_sink, librdkafka's mock cluster in a process of its own, 12 partitions);
the producer's CPU seconds (user + system, its own rusage) over its records give its
CPU ns per record. acks=1, idempotence off, linger 5 ms, batch.size 256 KiB for all.

Cases:
  lz4          bench/kr_lz4_file on FILE: liblz4 alone on the file's records, batched as
               kring batches them (only the compression calls are timed). FILE is what
               `kring generate` writes, the very events kring's generator sends.
  cli-file     kring produce --source file:FILE, LZ4
  cli-gen      kring produce with its built-in generator (keyed by icao24), LZ4
  rdk          bench/kr_rdk_bench (librdkafka) with DISTINCT's records preloaded, LZ4
  cli-file-none, cli-gen-none, rdk-none: the same without compression
  pipeline     kring bench's pipeline_lz4_acks1: the engine on preloaded flight events into
               its in-memory sink transport (no kernel, no source), per record
  three        with --three-bootstrap: `kring produce` (generator, LZ4, acks=all,
               idempotence, 6 partitions) into the real 3-node cluster, its CPU per record

Per round it takes the ratios pair by pair (kring over librdkafka, kring minus liblz4), and
reports the medians over rounds. Output: OUT/percore.json and a table on stdout.
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTITIONS = 12
LINGER_MS = 5
BATCH = 262144


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def start_sink(build, work):
    port_file = os.path.join(work, "sink.port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    p = subprocess.Popen([os.path.join(build, "bench/kr_mock_sink"), "--topic",
                          f"flights:{PARTITIONS}", "--port-file", port_file],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
            with open(port_file) as f:
                return p, f.read().strip()
        time.sleep(0.05)
    p.kill()
    p.wait()
    raise RuntimeError("kr_mock_sink did not start")


def stop_sink(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def run_cpu(cmd, timeout_s=300):
    """Runs cmd to its end (the caller reads its CPU from the children's times)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = "", ""
    try:
        out, err = p.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise RuntimeError(f"timed out: {' '.join(cmd)}")
    if p.returncode != 0:
        raise RuntimeError(f"exit {p.returncode}: {' '.join(cmd)}\n{err[-2000:]}")
    return out, time.monotonic() - t0


def child_cpu():
    r = os.times()
    return r.children_user + r.children_system


def case_cmd(case, a, bootstrap):
    b = a.build
    n = str(a.records)
    binary = os.path.join(b, "cli/kring")
    if case.endswith("@base"):
        binary, case = a.base_kring, case[:-len("@base")]
    kring = [binary, "produce", "-b", bootstrap, "-t", "flights", "-n", n,
             "--acks", "1", "--linger-ms", str(LINGER_MS), "--batch-size", str(BATCH),
             "-X", "enable.idempotence=false", "-q"]
    rdk = [os.path.join(b, "bench/kr_rdk_bench"), "-b", bootstrap, "-t", "flights",
           "-f", a.distinct, "-n", n, "-X", "acks=1", "-X", "enable.idempotence=false",
           "-X", f"linger.ms={LINGER_MS}", "-X", f"batch.size={BATCH}"]
    if case == "lz4":
        return [os.path.join(b, "bench/kr_lz4_file"), "-f", a.file, "-n", n]
    if case == "pipeline":
        return [os.path.join(b, "bench/kr_bench"), "--json", "--time", "1",
                "--filter", "=pipeline_lz4_acks1"]
    if case == "three":
        return [os.path.join(b, "cli/kring"), "produce", "-b", a.three_bootstrap,
                "-t", a.three_topic, "-n", n, "--acks", "all", "--linger-ms", str(LINGER_MS),
                "--batch-size", str(BATCH), "--compression", "lz4", "-q"]
    codec = "none" if case.endswith("-none") else "lz4"
    if case.startswith("cli-file"):
        return kring + ["--source", "file:" + a.file, "--compression", codec]
    if case.startswith("cli-gen"):
        return kring + ["--compression", codec]
    if case.startswith("rdk"):
        return rdk + ["-X", f"compression.codec={codec}"]
    raise ValueError(case)


def run_case(case, a):
    if case == "pipeline":
        out, wall = run_cpu(case_cmd(case, a, None))
        j = json.loads(out.strip().splitlines()[-1])
        return {"case": case, "ns": j["ns_per_op_median"] / j["records_per_op"], "wall_s": wall}
    if case == "three":
        before = child_cpu()
        _, wall = run_cpu(case_cmd(case, a, None), timeout_s=900)
        return {"case": case, "ns": (child_cpu() - before) * 1e9 / a.records, "wall_s": wall}
    if case.startswith("lz4"):
        out, wall = run_cpu(case_cmd(case, a, None))
        j = json.loads(out.strip().splitlines()[-1])
        return {"case": case, "ns": j["ns_per_record"], "wall_s": wall,
                "ratio": j["in_bytes"] / max(1, j["out_bytes"])}
    sink, bootstrap = start_sink(a.build, a.work)
    try:
        before = child_cpu()
        _, wall = run_cpu(case_cmd(case, a, bootstrap))
        cpu = child_cpu() - before
    finally:
        stop_sink(sink)
    return {"case": case, "ns": cpu * 1e9 / a.records, "cpu_s": cpu, "wall_s": wall}


# Where a record's CPU goes: perf's samples of one run, grouped. Self time by symbol, except
# the kernel, which is split by the path that entered it (children of these entry points).
GROUPS = [
    ("liblz4", lambda dso, sym: dso.startswith("liblz4")),
    ("the file source: each line found in the mapped file", lambda dso, sym: sym in (
        "__memchr_evex", "__memchr_avx2", "memchr", "next_range")),
    ("the flight generator", lambda dso, sym: sym in (
        "kr_flights_next", "advance", "fly_others", "id_step", "render_sec")),
    ("copying records into batches", lambda dso, sym: sym.startswith("__memmove")
        or sym.startswith("__memcpy")),
    ("the engine's append path", lambda dso, sym: sym in (
        "kr_produce", "kr_accum_append", "accum_put", "kr_batch_append", "rec_plan",
        "accum_open", "accum_partition", "kr_partition_for_key", "kr_murmur2", "accum_count")
        or sym.startswith("__strcmp")),
    ("CRC-32C", lambda dso, sym: sym.startswith("crc32c")),
    ("kring produce's own loop and reports", lambda dso, sym: dso == "kring" and sym in (
        "worker_main", "on_delivery", "send_one", "produce_all", "next_record", "kr_src_next")),
]
KERNEL = [
    ("kernel: TCP send, loopback receive included", "tcp_sendmsg"),
    ("kernel: page faults", "asm_exc_page_fault"),
    ("kernel: mmap and munmap", ("vm_mmap_pgoff", "__x64_sys_munmap")),
]


def perf_profile(case, a, work):
    """perf record of one run of case; its samples grouped as GROUPS and KERNEL say."""
    data = os.path.join(work, f"percore-{case}.data")
    sink, bootstrap = start_sink(a.build, a.work)
    try:
        subprocess.run(["perf", "record", "-q", "-F", "5000", "-g", "-o", data] +
                       case_cmd(case, a, bootstrap), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    finally:
        stop_sink(sink)
    rep = lambda *extra: subprocess.run(
        ["perf", "report", "-i", data, "--stdio", "-g", "none", "--percent-limit", "0.01"] +
        list(extra), check=True, capture_output=True, text=True).stdout
    groups = {name: 0.0 for name, _ in GROUPS}
    kernel_self, other = 0.0, 0.0
    for line in rep("--no-children", "--sort", "dso,sym").splitlines():
        f = line.split()
        if len(f) < 4 or not f[0].endswith("%"):
            continue
        pct, dso, sym = float(f[0][:-1]), f[1], f[3]
        if dso == "[kernel.kallsyms]":
            kernel_self += pct
            continue
        for name, match in GROUPS:
            if match(dso, sym):
                groups[name] += pct
                break
        else:
            other += pct
    children = {}
    for line in rep("--children", "--sort", "sym").splitlines():
        f = line.split()
        if len(f) >= 4 and f[0].endswith("%") and f[2] == "[k]":
            children[f[3]] = max(children.get(f[3], 0.0), float(f[0][:-1]))
    left = kernel_self
    for name, roots in KERNEL:
        roots = (roots,) if isinstance(roots, str) else roots
        v = min(left, sum(children.get(r, 0.0) for r in roots))
        groups[name] = v
        left -= v
    groups["kernel: the rest (io_uring, scheduling)"] = max(0.0, left)
    groups["the rest"] = other
    os.unlink(data)
    return groups


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--file", required=True, help="flight events, one a line (kring generate)")
    ap.add_argument("--distinct", required=True, help="librdkafka's preloaded records")
    ap.add_argument("--records", type=int, default=4000000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cases", default="lz4,pipeline,cli-file,cli-gen,rdk,"
                    "cli-file-none,cli-gen-none,rdk-none")
    ap.add_argument("--base-kring", help="an earlier kring binary: adds its cli-file and cli-gen "
                    "runs (cases NAME@base) to every round, for a before/after in one run")
    ap.add_argument("--three-bootstrap", help="the 3-node cluster: adds the case three")
    ap.add_argument("--three-topic", default="kr-percore")
    ap.add_argument("--profile", action="store_true",
                    help="also a perf profile of cli-file and cli-gen, grouped")
    ap.add_argument("--work", default="/tmp")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench/results"))
    a = ap.parse_args()
    cases = a.cases.split(",")
    if a.base_kring:
        cases += ["cli-file@base", "cli-gen@base"]
    if a.three_bootstrap:
        cases += ["three"]
    runs = []
    for r in range(a.rounds):
        order = cases[r % len(cases):] + cases[:r % len(cases)]
        for c in order:
            x = run_case(c, a)
            x["round"] = r
            runs.append(x)
            log(f"round {r + 1}/{a.rounds} {c:14s} {x['ns']:8.1f} ns/record")

    def ns(case, rnd):
        for x in runs:
            if x["case"] == case and x["round"] == rnd:
                return x["ns"]
        return None

    rounds = range(a.rounds)
    summary = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "records": a.records, "rounds": a.rounds, "partitions": PARTITIONS,
               "batch_size": BATCH, "linger_ms": LINGER_MS, "cases": {}, "derived": {}}
    for c in cases:
        xs = [ns(c, r) for r in rounds]
        summary["cases"][c] = {"median_ns": med(xs), "min_ns": min(xs), "max_ns": max(xs)}

    def paired(f, *need):
        if not all(c in cases for c in need):
            return None
        vals = [f(*[ns(c, r) for c in need]) for r in rounds]
        return {"median": med(vals), "min": min(vals), "max": max(vals)}

    d = summary["derived"]
    d["cli-file over lz4"] = paired(lambda k, z: k - z, "cli-file", "lz4")
    d["cli-gen over lz4"] = paired(lambda k, z: k - z, "cli-gen", "lz4")
    d["cli-file / rdk"] = paired(lambda k, l: k / l, "cli-file", "rdk")
    d["cli-gen / rdk"] = paired(lambda k, l: k / l, "cli-gen", "rdk")
    d["cli-file / before"] = paired(lambda k, o: k / o, "cli-file", "cli-file@base")
    d["cli-gen / before"] = paired(lambda k, o: k / o, "cli-gen", "cli-gen@base")
    d["cli-file-none / rdk-none"] = paired(lambda k, l: k / l, "cli-file-none", "rdk-none")
    d["cli-gen-none / rdk-none"] = paired(lambda k, l: k / l, "cli-gen-none", "rdk-none")
    if a.profile:
        summary["profile"] = {}
        for c in ("cli-file", "cli-gen"):
            if c in cases:
                summary["profile"][c] = perf_profile(c, a, a.work)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "percore.json"), "w") as f:
        json.dump({"summary": summary, "runs": runs}, f, indent=1)
    for c, v in summary["cases"].items():
        print(f"{c:16s} {v['median_ns']:8.1f} ns/record  ({v['min_ns']:.1f}-{v['max_ns']:.1f})")
    for k, v in d.items():
        if v is not None:
            print(f"{k:26s} {v['median']:8.3f}  ({v['min']:.3f}-{v['max']:.3f})")
    for c, g in summary.get("profile", {}).items():
        ns = summary["cases"][c]["median_ns"]
        for name, pct in g.items():
            print(f"{c:9s} {name:46s} {pct:5.1f}%  {pct * ns / 100:6.1f} ns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
