/*
 * kring's per-core benchmarks: a table of {name, fn} cases (lz4's fullbench), run on one
 * pinned core, each repeated until its time budget is spent and reported best-of-N as
 * ns/op, MB/s and records/s, as a text table or as one JSON line per case.
 *
 * The `kr_bench` program is this function; `kring bench ARGS` calls it too (cli/ links
 * the kr_bench_lib library). argv[0] is the command's name and is ignored.
 *
 *   --smoke         a few milliseconds per case (CI); still checks every case's result
 *   --json          JSON lines instead of the text table
 *   --filter SUB    only the cases whose name contains SUB, or is NAME with =NAME
 *                   (repeatable)
 *   --list          print the case names and exit
 *   --time S        budget per case in seconds (default 0.5)
 *   --cpu N         pin to CPU N (default: the CPU the program starts on)
 *
 * Returns the exit status: 0, 1 when a case failed its check, 2 for bad arguments.
 */
#ifndef KR_BENCH_H
#define KR_BENCH_H

#ifdef __cplusplus
extern "C" {
#endif

int kr_bench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
