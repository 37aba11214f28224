#!/usr/bin/env python3
"""Turns bench/results/ into PNG plots and the generated sections of docs/BENCHMARKS.md.

    python3 bench/report.py [--results bench/results] [--doc docs/BENCHMARKS.md]

Reads machine.json, micro.jsonl (kr_bench --json, several invocations), summary.json and
runs.jsonl (bench/compare.py) and target.json (bench/target.sh), whichever exist. Replaces the
text between '<!-- gen:NAME -->' and '<!-- /gen:NAME -->' in the document; everything else in
it is left as written. Plots need matplotlib (Debian: python3-matplotlib); without it the
tables are still written and the plots skipped with a message.
"""
import argparse
import json
import os
import re
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIENT_ORDER = ["kring", "kring-cli", "librdkafka", "kcat", "java"]
COLORS = {"kring": "#d62728", "kring-cli": "#ff9896", "librdkafka": "#1f77b4",
          "kcat": "#aec7e8", "java": "#2ca02c"}


def load_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip().startswith("{")]


def load_json(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def fmt_int(x):
    return "-" if x is None else f"{x:,.0f}"


def fmt(x, d=2):
    return "-" if x is None else f"{x:.{d}f}"


def micro_table(micro):
    """Best ns/op over invocations per case, with the spread between invocations."""
    by = {}
    for r in micro:
        if r.get("smoke"):
            continue
        by.setdefault(r["bench"], []).append(r)
    if not by:
        return "(no microbenchmark results)\n", {}
    lines = ["| case | ns/op | MB/s | records/s | ns/record | LZ4 ratio | runs x invocations | "
             "spread between invocations |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    best = {}
    for name, rs in by.items():
        b = min(rs, key=lambda r: r["ns_per_op"])
        best[name] = b
        ns = [r["ns_per_op"] for r in rs]
        spread = (max(ns) - min(ns)) / min(ns) * 100
        rec = fmt_int(b["msgs_per_s"]) if b["records_per_op"] > 0 else "-"
        nsr = fmt(b["ns_per_record"], 1) if b["records_per_op"] > 0 else "-"
        ratio = fmt(b["ratio"]) if b.get("ratio") else "-"
        lines.append(f"| {name} | {b['ns_per_op']:,.2f} | {b['mb_per_s']:,.1f} | {rec} | {nsr} "
                     f"| {ratio} | {b['runs']} x {len(rs)} | {spread:.1f}% |")
    return "\n".join(lines) + "\n", best


def compare_tables(summary):
    if not summary:
        return "(no comparison results)\n"
    rows = summary["rows"]
    out = []
    targets = [t for t in ("mock", "single", "three") if any(r["target"] == t for r in rows)]
    names = {"mock": "mock sink (librdkafka's mock cluster, separate process)",
             "single": "real Kafka 4.1.2, single node (RF 1)",
             "three": "real Kafka 4.1.2, 3 nodes (RF 3, min.insync.replicas 2)"}
    for t in targets:
        out.append(f"\n**{names[t]}**\n")
        out.append("| workload | acks | client | batch.size | records/s | MB/s | CPU s / M records "
                   "| marginal CPU s / M | peak RSS MB | acked / sent | records/s vs kring | "
                   "CPU vs kring | spread (records/s) |")
        out.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        trs = [r for r in rows if r["target"] == t]
        trs.sort(key=lambda r: (r["workload"] != "flights", r["acks"] != "1",
                                CLIENT_ORDER.index(r["client"])))
        for r in trs:
            acks = "1" if r["acks"] == "1" else "all+idem"
            out.append(
                f"| {r['workload']} | {acks} | {r['client']} | {r['batch_size']:,} | "
                f"{fmt_int(r['records_per_s'])} | {fmt(r['mb_per_s'], 1)} | "
                f"{fmt(r['cpu_s_per_m'])} | {fmt(r['cpu_s_per_m_marginal'])} | "
                f"{fmt(r['maxrss_mb'], 0)} | {r['acked']:,} / {r['records']:,} | "
                f"{fmt(r.get('rate_vs_kring'))} | {fmt(r.get('cpu_vs_kring'))} | "
                f"{r['rate_spread'] * 100:.0f}% |")
    return "\n".join(out) + "\n"


def sweep_table(summary):
    if not summary or not summary.get("sweep"):
        return "(no sweep in this run: the default batch sizes were used)\n"
    lines = ["| client | on | batch.size: records/s (median of 2 runs, flights, acks=1) | "
             "chosen |", "|---|---|---|---:|"]
    for c, d in summary["sweep"].items():
        cells = ", ".join(f"{int(b):,}: {v:,.0f}" for b, v in sorted(d.items(),
                                                                     key=lambda x: int(x[0])))
        on = summary.get("sweep_target", {}).get(c, "mock")
        lines.append(f"| {c} | {on} | {cells} | {summary['best_batch'][c]:,} |")
    lines.append("\nkring-cli uses kring's batch size.")
    return "\n".join(lines) + "\n"


def target_section(t):
    if not t:
        return "(no target run yet: bench/target.sh)\n"
    r = t.get("report", {})
    busy = max(1e-9, t["machine_busy_share"] * (os.cpu_count() or 2) * t["kring_proc_wall_s"])
    lines = [
        "| | |", "|---|---|",
        f"| duration | {t['duration']} ({fmt(r.get('wall_s'), 1)} s measured) |",
        f"| records sent / acked (kring's report) | {fmt_int(r.get('records_sent'))} / "
        f"{fmt_int(r.get('records_acked'))} |",
        f"| independent count: GetOffsetShell sum | {fmt_int(t['count_getoffsetshell'])} |",
        f"| independent count: librdkafka watermarks | {fmt_int(t['count_watermarks'])} |",
        f"| counts match exactly | {'yes' if t['count_matches'] else 'NO'} |",
        f"| records/s | {fmt_int(t.get('records_per_s'))} (target 333,000) |",
        f"| MB/s (values) | {fmt(r.get('mb_per_s'), 1)} |",
        f"| latency p50 / p99 / max (ms) | {fmt((r.get('latency_ms') or {}).get('p50'), 1)} / "
        f"{fmt((r.get('latency_ms') or {}).get('p99'), 1)} / "
        f"{fmt((r.get('latency_ms') or {}).get('max'), 1)} |",
        f"| kring CPU (user + sys) | {fmt(t['kring_cpu_s'], 1)} s = "
        f"{fmt(t['kring_cpu_s'] / max(1, r.get('records_acked') or 1) * 1e9, 0)} ns/record |",
        f"| brokers' CPU (nodes 1, 2, 3) | "
        f"{', '.join(fmt(x, 1) + ' s' for x in t['broker_cpu_s'])} |",
        f"| machine busy (both cores, whole run) | {t['machine_busy_share'] * 100:.0f}%: "
        f"{busy:.0f} CPU s, of which kring {t['kring_cpu_s'] / busy * 100:.0f}%, the three "
        f"brokers {sum(t['broker_cpu_s']) / busy * 100:.0f}%, everything else (other sessions' "
        f"work, kernel threads) {max(0.0, busy - t['kring_cpu_s'] - sum(t['broker_cpu_s'])) / busy * 100:.0f}% |",
        f"| kring peak RSS | {t['kring_maxrss_kb'] / 1024:.0f} MB |",
        f"| settings | {t['partitions']} partitions, RF 3, min.insync.replicas 2, acks=all, "
        f"idempotence, LZ4, linger 5 ms, batch.size {t['batch_size']}, "
        f"{t['threads']} thread(s) |",
        f"| target met | {'yes' if t['target_met'] else 'no'} |",
    ]
    return "\n".join(lines) + "\n"


PERCORE_CASES = [
    ("lz4", "liblz4 alone on the file's records, batched as kring batches them (compression calls only)"),
    ("pipeline", "`kring bench` pipeline_lz4_acks1: the engine alone, in memory, LZ4"),
    ("cli-file", "`kring produce --source file:`, LZ4"),
    ("cli-gen", "`kring produce`, its flight generator (keyed, 12 partitions), LZ4"),
    ("rdk", "librdkafka (kr_rdk_bench, records preloaded), LZ4"),
    ("cli-file-none", "`kring produce --source file:`, uncompressed"),
    ("cli-gen-none", "`kring produce`, the generator, uncompressed"),
    ("rdk-none", "librdkafka, uncompressed"),
    ("cli-file@base", "`kring produce --source file:`, LZ4, before this change"),
    ("cli-gen@base", "`kring produce`, the generator, LZ4, before this change"),
    ("three", "`kring produce` into the real 3-node cluster, the generator, LZ4, acks=all, "
     "idempotence"),
]


def percore_section(pc):
    """The whole kring produce process beside liblz4 alone and librdkafka (bench/percore.sh)."""
    if not pc:
        return "(no per-core run yet: bench/percore.sh)\n"
    s, cases, d = pc["summary"], pc["summary"]["cases"], pc["summary"]["derived"]
    lines = ["| what | CPU ns per record (median) | min-max over rounds |", "|---|---:|---:|"]
    for c, desc in PERCORE_CASES:
        if c in cases:
            v = cases[c]
            lines.append(f"| {desc} | {v['median_ns']:.0f} | {v['min_ns']:.0f}-{v['max_ns']:.0f} |")

    def dv(k, digits):
        v = d.get(k)
        if not v:
            return None, "not measured"
        return v["median"], f"{v['median']:.{digits}f} ({v['min']:.{digits}f}-{v['max']:.{digits}f})"

    rows = [
        ("whole process, file source: at most liblz4 + 100 ns per record", "cli-file over lz4",
         0, lambda x: x <= 100, " ns over liblz4"),
        ("whole process, generator: at most liblz4 + 100 ns per record", "cli-gen over lz4",
         0, lambda x: x <= 100, " ns over liblz4"),
        ("kring / librdkafka CPU per record with LZ4: at most 0.40 (file source)",
         "cli-file / rdk", 2, lambda x: x <= 0.40, ""),
        ("the same with the generator", "cli-gen / rdk", 2, lambda x: x <= 0.40, ""),
        ("kring / librdkafka uncompressed: at most 0.20 (file source)",
         "cli-file-none / rdk-none", 2, lambda x: x <= 0.20, ""),
        ("the same with the generator", "cli-gen-none / rdk-none", 2, lambda x: x <= 0.20, ""),
    ]
    lines += ["", "| target (issue 12) | measured: median of the rounds' pairs (min-max) | met |",
              "|---|---|---|"]
    for desc, key, digits, ok, unit in rows:
        m, text = dv(key, digits)
        lines.append(f"| {desc} | {text}{unit if m is not None else ''} | "
                     f"{'yes' if m is not None and ok(m) else 'no'} |")
    for key, desc in (("cli-file / before", "file source"), ("cli-gen / before", "generator")):
        m, text = dv(key, 3)
        if m is not None:
            lines.append(f"| this change's effect, {desc}: CPU per record after / before | {text} | |")
    prof = s.get("profile") or {}
    if prof:
        cols = [c for c in ("cli-file", "cli-gen") if c in prof]
        lines += ["", "Where a record's CPU goes (one perf profile of each, ns per record from the "
                  "median above):", "",
                  "| where | " + " | ".join(f"{c} ns" for c in cols) + " |",
                  "|---|" + "---:|" * len(cols)]
        names = list(prof[cols[0]].keys())
        for n in names:
            cells = []
            for c in cols:
                pct = prof[c].get(n, 0.0)
                cells.append(f"{pct * cases[c]['median_ns'] / 100:.0f}")
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Run at {s['when']}: {s['rounds']} rounds of {s['records']:,} records each, "
                 f"the cases in a rotated order; acks=1, idempotence off, linger {s['linger_ms']} "
                 f"ms, batch.size {s['batch_size'] // 1024} KiB, a fresh mock sink "
                 f"({s['partitions']} partitions) per run.")
    return "\n".join(lines) + "\n"


def targets_section(summary, best, target):
    """The issue's targets, each with the measured figure beside it."""
    lines = ["| target | measured | met |", "|---|---|---|"]
    rows = summary["rows"] if summary else []

    def row(tg, wl, acks, client):
        for r in rows:
            if (r["target"], r["workload"], r["acks"], r["client"]) == (tg, wl, acks, client):
                return r
        return None

    for wl, codec, goal in (("flights", "LZ4", 3), ("100B", "LZ4", 3),
                            ("flights/none", "none", 5), ("100B/none", "none", 5)):
        k, l = row("mock", wl, "1", "kring"), row("mock", wl, "1", "librdkafka")
        if k and l and k["cpu_s_per_m"] and l["cpu_s_per_m"]:
            x = l["cpu_s_per_m"] / k["cpu_s_per_m"]
            lines.append(f"| sink, {wl.split('/')[0]}, {codec}, acks=1: kring's records per "
                         f"CPU-second >= {goal}x librdkafka's | {x:.2f}x "
                         f"({k['cpu_s_per_m']:.3f} vs {l['cpu_s_per_m']:.3f} CPU s per million) "
                         f"| {'yes' if x >= goal else 'no'} |")
    if best.get("pipeline_lz4_acks1"):
        rate = best["pipeline_lz4_acks1"]["msgs_per_s"]
        bound = best.get("lz4_bound_256KiB")
        extra = ""
        if bound:
            extra = (f"; liblz4 alone on the same bytes: {bound['msgs_per_s']:,.0f} records/s, "
                     f"so LZ4 is {bound['ns_per_record'] / best['pipeline_lz4_acks1']['ns_per_record'] * 100:.0f}% "
                     f"of the pipeline's CPU")
        lines.append(f"| one core, 300-byte flight JSON, LZ4: >= 3,000,000 records/s | "
                     f"{rate:,.0f} records/s (pipeline through the sink, CPU time){extra} | "
                     f"{'yes' if rate >= 3e6 else 'no'} |")
    if target:
        lines.append(f"| 3-node cluster, acks=all + idempotence, 5 minutes: >= 333,000 records/s, "
                     f"independent count matches | {fmt_int(target.get('records_per_s'))} records/s "
                     f"for {target['duration']}; counts "
                     f"{'match' if target['count_matches'] else 'DO NOT match'} | "
                     f"{'yes' if target['target_met'] else 'no'} |")
    three = [r for r in rows if r["target"] == "three" and "/" not in r["workload"]]
    if three:
        worse = [r for r in three if r["client"] not in ("kring", "kring-cli") and (r.get("rate_vs_kring") or 0) > 1]
        lines.append(f"| 3-node cluster: kring's rate at least every other client's in the same "
                     f"run | {'in every setting' if not worse else 'not in: ' + ', '.join(sorted(set(r['client'] + ' (' + r['workload'] + ', acks=' + r['acks'] + ')' for r in worse)))} "
                     f"| {'yes' if not worse else 'no'} |")
    return "\n".join(lines) + "\n"


def machine_section(m):
    if not m:
        return "(machine.json missing)\n"
    lines = ["| | |", "|---|---|"]
    for k, v in m.items():
        lines.append(f"| {k} | {v} |")
    return "\n".join(lines) + "\n"


def noise_section(summary, runs, micro):
    """How noisy the machine was: load averages during the runs, run-to-run spread."""
    lines = []
    main = [r for r in runs if r.get("phase") == "main"]
    if main:
        loads = [r["load1"] for r in main]
        spreads = [r["rate_spread"] for r in summary["rows"]] if summary else []
        lines.append(f"- 1-minute load average at the start of each comparison run: median "
                     f"{statistics.median(loads):.1f}, min {min(loads):.1f}, max "
                     f"{max(loads):.1f} (2 cores; other sessions' builds, tests and brokers "
                     f"share the machine).")
        if spreads:
            lines.append(f"- Spread of records/s between rounds (max - min) / median, per "
                         f"client and setting: median {statistics.median(spreads) * 100:.0f}%, "
                         f"max {max(spreads) * 100:.0f}%.")
    by = {}
    for r in micro:
        if not r.get("smoke"):
            by.setdefault(r["bench"], []).append(r["ns_per_op"])
    if by:
        sp = [(max(v) - min(v)) / min(v) for v in by.values() if len(v) > 1]
        shares = [r["cpu_share"] for r in micro if not r.get("smoke")]
        if sp:
            lines.append(f"- Microbenchmarks: best ns/op differs between invocations by a median "
                         f"of {statistics.median(sp) * 100:.1f}% (max {max(sp) * 100:.1f}%); "
                         f"the pinned thread was on its CPU {statistics.median(shares) * 100:.0f}% "
                         f"of wall time (median), so the CPU clock, not the wall clock, times "
                         f"them.")
    return "\n".join(lines) + "\n" if lines else "(no data)\n"


def plots(results, summary, best):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: matplotlib not found (apt-get install python3-matplotlib); no plots",
              file=sys.stderr)
        return []
    made = []
    if summary and summary["rows"]:
        rows = summary["rows"]
        targets = [t for t in ("mock", "single", "three") if any(r["target"] == t for r in rows)]
        settings = [(w, a) for w in ("flights", "100B") for a in ("1", "all")]
        for metric, fname, label in (
                ("records_per_s", "compare_rate.png", "records/s (median of rounds)"),
                ("cpu_s_per_m", "compare_cpu.png", "producer CPU s per million records")):
            fig, axes = plt.subplots(len(targets), 1, figsize=(10, 3.2 * len(targets)),
                                     squeeze=False)
            for ax, t in zip(axes[:, 0], targets):
                x = 0
                ticks, labels = [], []
                for (w, a) in settings:
                    rs = {r["client"]: r for r in rows
                          if r["target"] == t and r["workload"] == w and r["acks"] == a}
                    cl = [c for c in CLIENT_ORDER if c in rs]
                    for i, c in enumerate(cl):
                        v = rs[c][metric] or 0
                        ax.bar(x + i, v, color=COLORS[c], label=c if (w, a) == settings[0] else None)
                        ax.text(x + i, v, f"{v / 1000:.0f}k" if metric == "records_per_s"
                                else f"{v:.2f}", ha="center", va="bottom", fontsize=7)
                    ticks.append(x + (len(cl) - 1) / 2)
                    labels.append(f"{w}, acks={'all+idem' if a == 'all' else a}")
                    x += len(cl) + 1
                ax.set_xticks(ticks)
                ax.set_xticklabels(labels)
                ax.set_title(t if t != "mock" else "mock sink", fontsize=10)
                ax.set_ylabel(label, fontsize=8)
                ax.legend(fontsize=7, ncol=5)
            fig.tight_layout()
            fig.savefig(os.path.join(results, fname), dpi=110)
            plt.close(fig)
            made.append(fname)
    sizes = [("16KiB", 16), ("64KiB", 64), ("256KiB", 256), ("1MiB", 1024)]
    if best and all(f"lz4_bound_{s}" in best for s, _ in sizes):
        fig, ax = plt.subplots(figsize=(8, 4.5))
        xs = [k for _, k in sizes]
        series = [
            ("liblz4 alone (the bound)", [best[f"lz4_bound_{s}"]["ns_per_record"] for s, _ in sizes],
             "#7f7f7f"),
            ("kr_batch_close (header, LZ4 frame, CRC)",
             [best[f"batch_close_lz4_{s}"]["ns_per_record"] for s, _ in sizes], "#ff7f0e"),
        ]
        pipe = {"16KiB": "pipeline_lz4_acks1_16KiB", "64KiB": "pipeline_lz4_acks1_64KiB",
                "256KiB": "pipeline_lz4_acks1", "1MiB": "pipeline_lz4_acks1_1MiB"}
        if all(pipe[s] in best for s, _ in sizes):
            series.append(("whole pipeline, kr_produce to sink (acks=1)",
                           [best[pipe[s]]["ns_per_record"] for s, _ in sizes], "#d62728"))
        if "pipeline_none_acks1" in best:
            none = best["pipeline_none_acks1"]["ns_per_record"]
            ax.axhline(none, color="#2ca02c", ls="--", label="whole pipeline, no compression")
            ax.plot(xs, [none + v for v in series[0][1]], color="#7f7f7f", ls=":",
                    label="liblz4 alone + pipeline without compression")
        for name, ys, col in series:
            ax.plot(xs, ys, marker="o", label=name, color=col)
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs)
        ax.set_xticklabels([s for s, _ in sizes])
        ax.set_xlabel("batch size (records section)")
        ax.set_ylabel("CPU ns per ~313-byte flight record")
        ax.set_ylim(bottom=0)
        ax.set_title("kring's per-record cost against liblz4 alone (one core)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(results, "pipeline_vs_lz4.png"), dpi=110)
        plt.close(fig)
        made.append("pipeline_vs_lz4.png")
    return made


def replace(doc, name, text):
    pat = re.compile(rf"(<!-- gen:{name} -->\n).*?(<!-- /gen:{name} -->)", re.S)
    if not pat.search(doc):
        print(f"report: no gen:{name} section in the document", file=sys.stderr)
        return doc
    return pat.sub(lambda m: m.group(1) + text + m.group(2), doc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=os.path.join(ROOT, "bench/results"))
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs/BENCHMARKS.md"))
    a = ap.parse_args()
    micro = load_jsonl(os.path.join(a.results, "micro.jsonl"))
    summary = load_json(os.path.join(a.results, "summary.json"))
    runs = load_jsonl(os.path.join(a.results, "runs.jsonl"))
    target = load_json(os.path.join(a.results, "target.json"))
    machine = load_json(os.path.join(a.results, "machine.json"))
    mtable, best = micro_table(micro)
    made = plots(a.results, summary, best)
    with open(a.doc) as f:
        doc = f.read()
    doc = replace(doc, "machine", machine_section(machine))
    doc = replace(doc, "noise", noise_section(summary, runs, micro))
    doc = replace(doc, "micro", mtable)
    doc = replace(doc, "sweep", sweep_table(summary))
    doc = replace(doc, "compare", compare_tables(summary) + (
        f"\nRun at {summary['when']}; {summary['rounds']} rounds; records per run: "
        f"{', '.join(f'{k} {v:,}' for k, v in summary['records_per_run'].items())}.\n"
        if summary else ""))
    doc = replace(doc, "target", target_section(target))
    doc = replace(doc, "percore", percore_section(load_json(os.path.join(a.results, "percore.json"))))
    doc = replace(doc, "targets", targets_section(summary, best, target))
    if os.path.exists(os.path.join(a.results, "target-perf.txt")):
        with open(os.path.join(a.results, "target-perf.txt")) as f:
            doc = replace(doc, "target-perf", "```\n" + f.read() + "```\n")
    for c in ("pipeline_lz4_acks1", "pipeline_none_acks1"):
        path = os.path.join(a.results, f"profile-{c}.txt")
        if os.path.exists(path):
            with open(path) as f:
                doc = replace(doc, f"profile-{c}", "```\n" + f.read() + "```\n")
    with open(a.doc, "w") as f:
        f.write(doc)
    print(f"report: wrote {a.doc}; plots: {', '.join(made) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
