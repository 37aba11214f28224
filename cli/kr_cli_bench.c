/* `kring bench`. See kr_cli_bench.h. */
#define _GNU_SOURCE
#include "kr_cli_bench.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kr_cli_clock.h"
#include "kr_cli_opts.h"
#include "kr_bench.h"
#include "kr_flights.h"

#define BENCH_RECORDS 20000000ull

typedef struct bench_case {
    const char *name;
    size_t record_size; /* 0: natural */
    kr_flights_key_t key;
} bench_case_t;

static const bench_case_t cases[] = {
    {"flights_json", 0, KR_FLIGHTS_KEY_ICAO24},
    {"flights_json_100B", 100, KR_FLIGHTS_KEY_ICAO24},
    {"flights_json_1KiB", 1024, KR_FLIGHTS_KEY_ICAO24},
    {"flights_json_nokey", 0, KR_FLIGHTS_KEY_NONE},
};

static int pin_here(void)
{
    int cpu = sched_getcpu();
    if (cpu < 0)
        return -1;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
        return -1;
    return cpu;
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One case: records events; the sum of their lengths keeps the work from being elided. */
static int run_case(const bench_case_t *c, uint64_t records)
{
    kr_flights_conf_t conf;
    kr_flights_conf_init(&conf);
    conf.record_size = c->record_size;
    conf.key = c->key;
    kr_flights_t *g;
    if (kr_flights_new(&g, &conf) != 0)
        return -1;
    kr_flights_rec_t rec;
    uint64_t bytes = 0, keys = 0;
    for (uint64_t i = 0; i < records / 100; i++) /* warm up */
        kr_flights_next(g, &rec);
    int64_t w0 = kr_cli_now_ns(), c0 = thread_cpu_ns();
    for (uint64_t i = 0; i < records; i++) {
        kr_flights_next(g, &rec);
        bytes += rec.value_len;
        keys += rec.key_len;
    }
    int64_t w1 = kr_cli_now_ns(), c1 = thread_cpu_ns();
    kr_flights_free(g);
    /* CPU time of this thread: the per-core figure, whatever else the machine runs */
    double s = (double)(c1 - c0) / 1e9;
    double ns_op = (double)(c1 - c0) / (double)records;
    double mbps = (double)bytes / s / 1048576.0;
    double rps = (double)records / s;
    double cpu_share = (double)(c1 - c0) / (double)(w1 - w0);
    printf("%-20s %8.1f ns/op %10.1f MB/s %14.0f records/s  %6.1f B/record  cpu %3.0f%%\n", c->name,
           ns_op, mbps, rps, (double)bytes / (double)records, cpu_share * 100);
    printf("{\"bench\":\"%s\",\"ns_per_op\":%.2f,\"mb_per_s\":%.1f,\"msgs_per_s\":%.0f,"
           "\"bytes_per_msg\":%.1f,\"key_bytes\":%llu,\"cpu_share\":%.3f}\n",
           c->name, ns_op, mbps, rps, (double)bytes / (double)records, (unsigned long long)keys,
           cpu_share);
    return 0;
}

int kr_cli_bench_generator(uint64_t records)
{
    if (records == 0)
        records = BENCH_RECORDS;
    int cpu = pin_here();
    printf("flight generator, one thread%s%d, %llu records per case\n",
           cpu >= 0 ? " pinned to CPU " : " (not pinned) ", cpu >= 0 ? cpu : 0,
           (unsigned long long)records);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (run_case(&cases[i], records) != 0) {
            fprintf(stderr, "kring bench: %s: cannot create the generator\n", cases[i].name);
            return KR_CLI_EXIT_FAIL;
        }
        fflush(stdout);
    }
    return KR_CLI_EXIT_OK;
}

int kr_cli_bench(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "generator") == 0) {
        uint64_t n = 0;
        if (argc == 4 && strcmp(argv[2], "-n") == 0 && kr_cli_parse_count(argv[3], &n) == 0 &&
            n > 0)
            return kr_cli_bench_generator(n);
        if (argc != 2) {
            fprintf(stderr, "kring bench: usage: kring bench generator [-n N]\n");
            return KR_CLI_EXIT_USAGE;
        }
        return kr_cli_bench_generator(0);
    }
    return kr_bench_main(argc, argv);
}
