/* kr_bench: the per-core benchmarks as a program. See kr_bench.h. */
#include "kr_bench.h"

int main(int argc, char **argv) { return kr_bench_main(argc, argv); }
