/*
 * `kring bench`: the per-core benchmarks, in process, no network.
 *
 * `kring bench ARGS` is bench/'s kr_bench_main(); `kring bench generator` runs the flight
 * generator's own cases: a table of {name, fn}, pinned to one CPU, a text line and a JSON
 * line per case (ns/op, MB/s, records/s).
 */
#ifndef KR_CLI_BENCH_H
#define KR_CLI_BENCH_H

#include <stdint.h>

/* Runs the command (argv[0] is "bench"); returns the exit status. */
int kr_cli_bench(int argc, char **argv);

/* The generator cases alone: records per case (0: the default). Returns the exit status. */
int kr_cli_bench_generator(uint64_t records);

#endif
