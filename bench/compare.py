#!/usr/bin/env python3
"""kring beside librdkafka, kcat and the Java producer, on the same records and settings.

Run through bench/compare.sh (which builds first). Standard library only.

For every target (the mock sink, the single-node and the 3-node Kafka of tests/cluster), every
workload (the flight generator's ~300-byte JSON events, 100-byte records), acks=1 then
acks=all with idempotence, LZ4, linger 5 ms, each client runs once per round, clients in a
rotated order each round. Each run is wrapped in /usr/bin/time for the producer process's CPU
seconds and peak RSS; the acknowledged count is the broker's (the sum of the topic's end offsets
before and after the run, read by kr_rdk_bench --watermarks), not the client's word.

Clients:
  kring       bench/kr_kring_bench: records preloaded from a file, kring.h
  kring-cli   kring produce --source file:PATH (the program users run)
  librdkafka  bench/kr_rdk_bench: the same harness as kring's, over Debian's librdkafka
  kcat        kcat -P -l FILE, as users run it (same librdkafka)
  java        Kafka's ProducerPerformance (--payload-file), the Java client 4.1.2

Before the rounds, each client's batch size is swept on the mock sink (flights, acks=1) and the
fastest is used everywhere after; the sweep is reported.

Output: OUT/runs.jsonl (one line per run), OUT/summary.json, and tables on stdout.
"""
import argparse
import json
import os
import random
import re
import shlex
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLUSTER_SH = os.path.join(ROOT, "tests/cluster/cluster.sh")
KAFKA_TOOL = os.path.join(ROOT, "tests/cluster/kafka-tool.sh")

CLIENTS = ["kring", "kring-cli", "librdkafka", "kcat", "java"]
SWEEP = {
    "kring": [65536, 262144, 1048576],
    "librdkafka": [65536, 262144, 1000000],
    "kcat": [65536, 262144, 1000000],
    "java": [16384, 65536, 262144, 1048576],
}
WORKLOADS = {
    "flights": {"desc": "flight events, JSON, ~310 B", "record_size": 0},
    "100B": {"desc": "flight events cut to 100 B", "record_size": 100},
}
# Records per run relative to the target's figure: each client runs for a few seconds, long
# enough that scheduling noise on the shared machine stays a small part of its span.
RUN_SCALE = {"kring": 3, "kring-cli": 2, "librdkafka": 1.5, "kcat": 1, "java": 0.5}
PARTITIONS = 6
DISTINCT = 100000  # distinct records in the preloaded files


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


class Target:
    """Where records go: a mock sink per run, or a running tests/cluster cluster."""

    def __init__(self, name, build, work):
        self.name = name
        self.build = build
        self.work = work
        self.started_here = False
        self.bootstrap = None
        self.mock = None
        self.topics = []

    def setup(self, wait_three_s):
        if self.name == "mock":
            return True
        st = subprocess.run([CLUSTER_SH, "status", self.name], capture_output=True, text=True)
        if st.returncode == 0 and self.name == "single":
            log(f"compare: using the running '{self.name}' cluster (not stopping it after)")
        else:
            if self.name == "three":
                if not self.wait_down(wait_three_s):
                    log("compare: cluster 'three' is in use by someone else; skipped")
                    return False
            elif st.returncode != 3:
                log(f"compare: cluster '{self.name}' is partly up; leaving it alone")
                return False
            log(f"compare: starting cluster '{self.name}'")
            subprocess.run([CLUSTER_SH, "start", self.name], check=True,
                           stdout=subprocess.DEVNULL)
            self.started_here = True
        env = sh([CLUSTER_SH, "env", self.name])
        m = re.search(r"KR_TEST_BOOTSTRAP=(\S+)", env)
        self.bootstrap = m.group(1).strip("'\"")
        return True

    def wait_down(self, limit_s):
        """Waits until 'three' has been down for 2 minutes straight: a fault test that
        restarts every node leaves it down for a moment while still using it."""
        t0 = time.time()
        down_since = None
        while time.time() - t0 < limit_s:
            st = subprocess.run([CLUSTER_SH, "status", "three"], capture_output=True)
            if st.returncode != 3:
                down_since = None
                log("compare: cluster 'three' is in use by someone else; waiting")
            elif down_since is None:
                down_since = time.time()
            elif time.time() - down_since >= 120:
                return True
            time.sleep(15)
        return False

    def topic(self, name):
        """A fresh topic for a client and setting, created once; returns its bootstrap."""
        if self.name == "mock":
            return
        if name in self.topics:
            return
        rf = "3" if self.name == "three" else "1"
        extra = ["min.insync.replicas=2"] if self.name == "three" else []
        subprocess.run([CLUSTER_SH, "create-topic", self.name, name, str(PARTITIONS), rf,
                        "compression.type=producer"] + extra, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.topics.append(name)

    def before_run(self, topic):
        if self.name != "mock":
            return
        self.mock = subprocess.Popen([os.path.join(self.build, "bench/kr_mock_sink"),
                                      "--topic", f"{topic}:{PARTITIONS}"],
                                     stdout=subprocess.PIPE, text=True)
        line = self.mock.stdout.readline()
        self.bootstrap = line.split()[1]

    def after_run(self):
        if self.mock is not None:
            self.mock.send_signal(signal.SIGTERM)
            try:
                self.mock.wait(10)
            except subprocess.TimeoutExpired:
                self.mock.kill()
                self.mock.wait()
            self.mock = None

    def teardown(self):
        self.after_run()
        if self.name == "mock":
            return
        if self.topics and not self.started_here:
            for t in self.topics:
                subprocess.run([KAFKA_TOOL, "org.apache.kafka.tools.TopicCommand",
                                "--bootstrap-server", self.bootstrap, "--delete", "--topic", t],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.started_here:
            log(f"compare: stopping cluster '{self.name}'")
            subprocess.run([CLUSTER_SH, "stop", self.name], stdout=subprocess.DEVNULL)


def watermarks(build, bootstrap, topic):
    out = sh([os.path.join(build, "bench/kr_rdk_bench"), "--watermarks", "-b", bootstrap,
              "-t", topic])
    return int(out.strip())


def settled_count(build, bootstrap, topic, base, n):
    """Records the topic gained since `base`, once the count settles. The end offset a
    broker reports is the high watermark: with acks=1 on a replicated topic the followers
    may still be catching up when the producer is done, so wait (up to 20 s) until the count
    reaches n or stops moving."""
    last, same, t0 = None, 0, time.time()
    while True:
        got = watermarks(build, bootstrap, topic) - base
        same = same + 1 if got == last else 0
        if got >= n or same >= 3 or time.time() - t0 > 20:
            return got
        last = got
        time.sleep(1)


def client_cmd(client, a, topic, bootstrap, batch, n, files, work):
    """The command line for one run, and how to read its output."""
    acks, idem = a["acks"], a["idem"]
    wl = files[a["workload"]]
    b = a["build"]
    if client == "kring":
        return [os.path.join(b, "bench/kr_kring_bench"), "-b", bootstrap, "-t", topic,
                "-f", wl["distinct"], "-n", str(n), "-X", f"compression.type={a['codec']}",
                "-X", f"acks={acks}", "-X", f"enable.idempotence={idem}",
                "-X", "linger.ms=5", "-X", f"batch.size={batch}"]
    if client == "kring-cli":
        return [os.path.join(b, "cli/kring"), "produce", "-b", bootstrap, "-t", topic,
                "--source", "file:" + wl["full"][n], "-n", str(n), "--acks", acks,
                "--compression", "lz4", "--linger-ms", "5", "--batch-size", str(batch),
                "-X", f"enable.idempotence={idem}", "-q",
                "--report-json", os.path.join(work, "kring-cli.json")]
    if client == "librdkafka":
        return [os.path.join(b, "bench/kr_rdk_bench"), "-b", bootstrap, "-t", topic,
                "-f", wl["distinct"], "-n", str(n), "-X", f"compression.codec={a['codec']}",
                "-X", f"acks={acks}", "-X", f"enable.idempotence={idem}",
                "-X", "linger.ms=5", "-X", f"batch.size={batch}"]
    if client == "kcat":
        return ["kcat", "-P", "-b", bootstrap, "-t", topic, "-z", "lz4", "-X", f"acks={acks}",
                "-X", f"enable.idempotence={idem}", "-X", "linger.ms=5",
                "-X", f"batch.size={batch}", "-l", wl["full"][n]]
    if client == "java":
        props = [f"bootstrap.servers={bootstrap}", f"acks={acks}", f"enable.idempotence={idem}",
                 "linger.ms=5", f"batch.size={batch}", "compression.type=lz4",
                 f"max.request.size={max(1048576, batch + 65536)}"]
        return [KAFKA_TOOL, "org.apache.kafka.tools.ProducerPerformance", "--topic", topic,
                "--num-records", str(n), "--payload-file", wl["distinct"], "--throughput", "-1",
                "--producer-props"] + props
    raise ValueError(client)


def parse_rate(client, out, work):
    """The client's own producing-span records/s, where it reports one."""
    try:
        if client in ("kring", "librdkafka"):
            for line in out.splitlines():
                if line.startswith("{"):
                    return json.loads(line)["wall_s"]
        if client == "kring-cli":
            with open(os.path.join(work, "kring-cli.json")) as f:
                return json.load(f)["wall_s"]
        if client == "java":
            m = re.findall(r"(\d+) records sent, ([\d.]+) records/sec", out)
            if m:
                n, rate = m[-1]
                return int(n) / float(rate)
    except (ValueError, KeyError, OSError):
        pass
    return None


def run_timed(cmd, env, timeout_s, stdin_file=None):
    """Runs cmd in its own process group, fed by `cat stdin_file` through a pipe when given;
    kills the whole group after timeout_s."""
    cat = None
    if stdin_file is not None:
        cat = subprocess.Popen(["cat", stdin_file], stdout=subprocess.PIPE)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                         start_new_session=True, stdin=cat.stdout if cat else None)
    if cat is not None:
        cat.stdout.close()
    try:
        out, err = p.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        err += f"\ncompare: killed after {timeout_s:.0f} s"
        p.returncode = -9
    if cat is not None:
        cat.kill()
        cat.wait()
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def usable(client, target):
    """librdkafka 2.0.2's mock cluster offers Metadata v0..v2 only; the Java 4.1 client needs
    newer versions and waits forever ("no node is available"), so Java runs on real Kafka only."""
    return not (client == "java" and target == "mock")


def run_one(client, a, target, batch, n, files, work):
    topic = f"krb-{a['tag']}-{client}-{a['workload']}-{a['acks']}"
    if target.name == "mock":
        topic = "bench"
    target.topic(topic)
    target.before_run(topic)
    try:
        base = watermarks(a["build"], target.bootstrap, topic)
        cmd = client_cmd(client, a, topic, target.bootstrap, batch, n, files, work)
        tfile = os.path.join(work, "time.txt")
        env = dict(os.environ)
        env.setdefault("KR_TOOL_HEAP", "-Xms256m -Xmx1g")
        t0 = time.time()
        load0 = os.getloadavg()[0]
        p = run_timed(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tfile] + cmd, env,
                      max(120, n / 5000))
        with open(tfile) as f:
            e, u, s, m = f.read().split()[-4:] if p.returncode != -9 else (
                time.time() - t0, 0, 0, 0)
        acked = settled_count(a["build"], target.bootstrap, topic, base, n)
    finally:
        target.after_run()
    span = parse_rate(client, p.stdout + p.stderr, work)
    r = {
        "target": target.name, "client": client, "workload": a["workload"], "acks": a["acks"],
        "codec": a.get("codec", "lz4"),
        "batch_size": batch, "records": n, "acked": acked, "exit": p.returncode,
        "proc_wall_s": float(e), "span_s": span if span else float(e),
        "cpu_s": float(u) + float(s), "user_s": float(u), "sys_s": float(s),
        "maxrss_kb": int(m), "load1": load0, "bytes": files[a["workload"]]["avg"] * n,
    }
    r["records_per_s"] = acked / r["span_s"] if r["span_s"] > 0 else 0
    r["mb_per_s"] = r["records_per_s"] * files[a["workload"]]["avg"] / 1e6
    r["cpu_s_per_m"] = r["cpu_s"] / acked * 1e6 if acked else None
    if p.returncode != 0 or acked != n:
        r["error"] = (p.stderr or p.stdout)[-400:]
        log(f"compare: {client} on {target.name}: exit {p.returncode}, {acked}/{n} acked")
    return r


def make_files(build, work, counts_by_wl):
    """Per workload: the distinct records the harnesses cycle through, and for the clients
    that read a file once (kcat, kring-cli) a file of exactly N records for each N used."""
    files = {}
    kring = os.path.join(build, "cli/kring")
    for wl, spec in WORKLOADS.items():
        d = {"full": {}}
        size = ["--record-size", str(spec["record_size"])] if spec["record_size"] else []
        for count in sorted(set(counts_by_wl[wl]) | {DISTINCT, 2000}):
            path = os.path.join(work, f"{wl}-{count}.txt")
            if not os.path.exists(path):
                with open(path + ".tmp", "w") as f:
                    subprocess.run([kring, "generate", "-n", str(count)] + size, stdout=f,
                                   check=True)
                os.rename(path + ".tmp", path)
            d["full"][count] = path
        d["distinct"] = d["full"][DISTINCT]
        d["avg"] = os.path.getsize(d["distinct"]) / DISTINCT - 1
        files[wl] = d
    return files


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def spread(xs):
    xs = [x for x in xs if x]
    if len(xs) < 2:
        return 0.0
    return (max(xs) - min(xs)) / statistics.median(xs)


def summarize(runs):
    groups = {}
    for r in runs:
        if r.get("phase") not in ("main", "none"):
            continue
        wl = r["workload"] + ("/none" if r.get("codec") == "none" else "")
        k = (r["target"], wl, r["acks"], r["client"])
        groups.setdefault(k, []).append(r)
    rows = []
    for (tg, wl, acks, cl), rs in sorted(groups.items()):
        rows.append({
            "target": tg, "workload": wl, "acks": acks, "client": cl, "rounds": len(rs),
            "batch_size": rs[0]["batch_size"],
            "records_per_s": median([r["records_per_s"] for r in rs]),
            "mb_per_s": median([r["mb_per_s"] for r in rs]),
            "cpu_s_per_m": median([r["cpu_s_per_m"] for r in rs]),
            "cpu_s_per_m_marginal": median([r.get("cpu_s_per_m_marginal") for r in rs]),
            "maxrss_mb": median([r["maxrss_kb"] / 1024 for r in rs]),
            "acked": sum(r["acked"] for r in rs), "records": sum(r["records"] for r in rs),
            "rate_spread": spread([r["records_per_s"] for r in rs]),
            "cpu_spread": spread([r["cpu_s_per_m"] for r in rs]),
        })
    for row in rows:
        ref = [x for x in rows if x["client"] == "kring" and all(
            x[k] == row[k] for k in ("target", "workload", "acks"))]
        if ref and ref[0]["records_per_s"] and row["records_per_s"]:
            row["rate_vs_kring"] = row["records_per_s"] / ref[0]["records_per_s"]
        if ref and ref[0]["cpu_s_per_m"] and row["cpu_s_per_m"]:
            row["cpu_vs_kring"] = row["cpu_s_per_m"] / ref[0]["cpu_s_per_m"]
    return rows


def print_table(rows):
    hdr = (f"{'target':7} {'workload':8} {'acks':4} {'client':11} {'batch':>8} {'records/s':>10} "
           f"{'MB/s':>7} {'CPUs/M':>7} {'marg.':>6} {'RSS MB':>7} {'acked':>10} "
           f"{'x kring':>7} {'spread':>6}")
    print(hdr)
    for r in rows:
        marg = r["cpu_s_per_m_marginal"]
        print(f"{r['target']:7} {r['workload']:8} {r['acks']:4} {r['client']:11} "
              f"{r['batch_size']:>8} {r['records_per_s'] or 0:>10.0f} {r['mb_per_s'] or 0:>7.1f} "
              f"{r['cpu_s_per_m'] or 0:>7.3f} {marg if marg is not None else float('nan'):>6.3f} "
              f"{r['maxrss_mb'] or 0:>7.0f} {r['acked']:>10}/{r['records']:<10} "
              f"{r.get('rate_vs_kring', float('nan')):>7.2f} {r['rate_spread'] * 100:>5.0f}%")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench/results"))
    ap.add_argument("--work", default="/tmp/kr-compare")
    ap.add_argument("--targets", default="mock,single,three")
    ap.add_argument("--clients", default=",".join(CLIENTS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="fewer records, 2 rounds, no sweep")
    ap.add_argument("--no-sweep", action="store_true")
    ap.add_argument("--fresh", action="store_true",
                    help="forget the results of earlier invocations in --out")
    ap.add_argument("--wait-three", type=float, default=600,
                    help="seconds to wait for someone else's 'three' cluster to stop")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    clients = args.clients.split(",")
    scale = 0.25 if args.quick else 1.0
    rounds = 2 if args.quick else args.rounds
    n_for = {  # records per run: a few seconds for the slowest client
        ("mock", "flights"): 2000000, ("mock", "100B"): 3000000,
        ("single", "flights"): 1000000, ("single", "100B"): 1500000,
        ("three", "flights"): 600000, ("three", "100B"): 900000,
    }
    n_for = {k: max(20000, int(v * scale)) for k, v in n_for.items()}

    def n_of(base, client):
        return int(base * RUN_SCALE[client])
    counts = {wl: [n_of(v, c) // d for (t, w), v in n_for.items() if w == wl
                   for c in ("kcat", "kring-cli") for d in (1, 2)] for wl in WORKLOADS}
    files = make_files(args.build, args.work, counts)
    tag = f"{os.getpid()}"
    sweeping = not args.quick and not args.no_sweep
    targets = args.targets.split(",")
    # Results of earlier invocations for other targets are kept (one target can be rerun,
    # e.g. 'three' once the cluster is free), and their sweep when this one does not sweep.
    runs_path = os.path.join(args.out, "runs.jsonl")
    runs = []
    if os.path.exists(runs_path) and not args.fresh:
        with open(runs_path) as f:
            old = [json.loads(x) for x in f if x.strip()]
        runs = [r for r in old if (r["phase"] == "sweep" and not sweeping) or (
            r["phase"] != "sweep" and r["target"] not in targets)]
    out_runs = open(runs_path, "w")
    for r in runs:
        out_runs.write(json.dumps(r) + "\n")

    def record(r, phase):
        r["phase"] = phase
        runs.append(r)
        out_runs.write(json.dumps(r) + "\n")
        out_runs.flush()
        log(f"  {phase:8} {r['target']:6} {r['workload']:7} acks={r['acks']:3} "
            f"{r['client']:10} batch={r['batch_size']:>7}: {r['records_per_s']:>9.0f} rec/s "
            f"{r['cpu_s']:6.2f} CPU s {r['maxrss_kb'] // 1024:5d} MB acked {r['acked']}/{r['records']}"
            f" load {r['load1']:.1f}")

    def args_for(wl, acks, codec="lz4"):
        return {"workload": wl, "acks": acks, "idem": "true" if acks == "all" else "false",
                "build": args.build, "tag": tag, "codec": codec}

    # The batch-size sweep, on the mock sink.
    best = {"kring": 262144, "librdkafka": 1000000, "kcat": 1000000, "java": 16384}
    prev = os.path.join(args.out, "summary.json")
    if not sweeping and os.path.exists(prev) and not args.fresh:
        with open(prev) as f:
            best.update(json.load(f).get("best_batch", {}))
    def sweep_client(client, target):
        """Two runs of each batch size, flights, acks=1; the best median records/s wins."""
        res = {}
        for rnd in range(2):
            for b in SWEEP[client]:
                n = n_of(n_for[(target.name, "flights")], client) // 2
                r = run_one(client, args_for("flights", "1"), target, b, n, files, args.work)
                record(r, "sweep")
                res.setdefault(b, []).append(r["records_per_s"])
        return max(res, key=lambda b: statistics.median(res[b]))

    java_swept = False
    if sweeping:
        mock = Target("mock", args.build, args.work)
        for client in SWEEP:
            if client in clients and usable(client, "mock"):
                best[client] = sweep_client(client, mock)
        log(f"compare: best batch sizes {best}")
    best["kring-cli"] = best["kring"]

    for tname in targets:
        best["kring-cli"] = best["kring"]
        target = Target(tname, args.build, args.work)
        if not target.setup(args.wait_three):
            continue
        try:
            # Java cannot use the mock sink: its batch-size sweep runs on the first real
            # cluster instead.
            if sweeping and "java" in clients and tname != "mock" and not java_swept:
                best["java"] = sweep_client("java", target)
                java_swept = True
            # Fixed costs (start-up, JIT, connecting): a 2000-record run per client.
            for client in [c for c in clients if usable(c, tname)]:
                a = args_for("flights", "1")
                r = run_one(client, a, target, best[client], 2000, files, args.work)
                record(r, "baseline")
            base = {r["client"]: r for r in runs
                    if r["phase"] == "baseline" and r["target"] == tname}
            for rnd in range(rounds):
                order = clients[rnd % len(clients):] + clients[:rnd % len(clients)]
                for wl in WORKLOADS:
                    for acks in ("1", "all"):
                        for client in [c for c in order if usable(c, tname)]:
                            n = n_of(n_for[(tname, wl)], client)
                            r = run_one(client, args_for(wl, acks), target, best[client], n,
                                        files, args.work)
                            b0 = base.get(client)
                            if b0 and r["acked"] > b0["acked"]:
                                r["cpu_s_per_m_marginal"] = (r["cpu_s"] - b0["cpu_s"]) / (
                                    r["acked"] - b0["acked"]) * 1e6
                            r["round"] = rnd
                            record(r, "main")
                # Without compression, on the mock sink only: the two harnesses.
                for wl in WORKLOADS if tname == "mock" else ():
                    for client in [c for c in order if c in ("kring", "librdkafka")
                                   and c in clients]:
                        n = n_of(n_for[(tname, wl)], client)
                        r = run_one(client, args_for(wl, "1", "none"), target, best[client], n,
                                    files, args.work)
                        b0 = base.get(client)
                        if b0 and r["acked"] > b0["acked"]:
                            r["cpu_s_per_m_marginal"] = (r["cpu_s"] - b0["cpu_s"]) / (
                                r["acked"] - b0["acked"]) * 1e6
                        r["round"] = rnd
                        record(r, "none")
        finally:
            target.teardown()

    out_runs.close()
    rows = summarize(runs)
    sweep, sweep_target = {}, {}
    for r in runs:
        if r["phase"] == "sweep":
            sweep.setdefault(r["client"], {}).setdefault(r["batch_size"], []).append(
                r["records_per_s"])
            sweep_target[r["client"]] = r["target"]
    summary = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "quick": args.quick, "rounds": rounds, "records_per_run": {
            f"{t}/{w}": v for (t, w), v in n_for.items()},
        "best_batch": best,
        "sweep": {c: {str(b): statistics.median(v) for b, v in d.items()}
                  for c, d in sweep.items()},
        "sweep_target": sweep_target,
        "workloads": {wl: {"avg_bytes": files[wl]["avg"], "desc": WORKLOADS[wl]["desc"]}
                      for wl in WORKLOADS},
        "rows": rows,
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print_table(rows)
    bad = [r for r in runs if r["phase"] == "main" and r["acked"] != r["records"]]
    if bad:
        print(f"compare: {len(bad)} runs with acknowledged != sent (see runs.jsonl)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
