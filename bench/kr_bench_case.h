/*
 * The benchmark case table and what a case reports. Internal to bench/.
 *
 * A case is {name, group, setup, run, teardown, param}. setup allocates everything the
 * case needs (never timed), run does `n` operations and adds what they processed to the
 * tally (timed), teardown frees. run may be called many times on one state. A case that
 * finds a wrong result (a batch that does not close, records not acknowledged) sets
 * tally->failed with a message: the run stops and kr_bench_main() exits 1, so the CI
 * smoke run is a test too.
 */
#ifndef KR_BENCH_CASE_H
#define KR_BENCH_CASE_H

#include <stddef.h>
#include <stdint.h>

typedef struct kr_bench_tally {
    uint64_t bytes;    /* input bytes processed (the MB/s figure) */
    uint64_t records;  /* records processed (the records/s figure); 0 when not records */
    uint64_t sink;     /* results folded together so the compiler cannot drop the work */
    uint64_t ratio_in; /* compression cases: bytes in and out, for the ratio */
    uint64_t ratio_out;
    int failed;
    char msg[160];
} kr_bench_tally_t;

typedef struct kr_bench_case {
    const char *name;
    const char *group; /* proto, crc, lz4, gen, pipeline */
    int (*setup)(void **state, const void *param);
    void (*run)(void *state, uint64_t n, kr_bench_tally_t *t);
    void (*teardown)(void *state);
    const void *param;
} kr_bench_case_t;

/* The case tables of each file, NULL-name terminated. */
extern const kr_bench_case_t kr_bench_proto_cases[];
extern const kr_bench_case_t kr_bench_lz4_cases[];
extern const kr_bench_case_t kr_bench_pipeline_cases[];

/*
 * A pool of generated flight events (cli/'s generator, seed 1, icao24 key), all in one
 * allocation, shared by the cases: benchmarks of the pipeline read records from memory
 * so that the generator's cost is measured apart (the *_gen case measures both).
 * record_size 0 is the natural ~300-byte event; otherwise every value is that long.
 */
typedef struct kr_bench_rec {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
} kr_bench_rec_t;

typedef struct kr_bench_pool {
    kr_bench_rec_t *recs;
    size_t cnt;
    size_t value_bytes; /* sum of value_len */
    char *mem;
} kr_bench_pool_t;

/* Fills pool with cnt events. Returns 0 or -ENOMEM / KR_ERANGE. */
int kr_bench_pool_init(kr_bench_pool_t *pool, size_t cnt, size_t record_size);
void kr_bench_pool_free(kr_bench_pool_t *pool);

/* Records in the shared pools: enough to leave L2, small enough to fill in a moment. */
#define KR_BENCH_POOL_RECORDS 16384u

#endif
