/*
 * The benchmark runner: options, pinning, calibration, best-of-N timing, the text table
 * and the JSON lines. See kr_bench.h.
 *
 * Timing. Each case is calibrated to a run of about KR_BENCH_RUN_NS, then run again and
 * again until its budget is spent (at least three runs outside --smoke). Every run is
 * timed with this thread's CPU clock (CLOCK_THREAD_CPUTIME_ID: user and system time of
 * the thread, so a shared machine's other work does not count, and the engine's system
 * calls do) and with the wall clock. The report gives the best run (the least disturbed,
 * as lz4's fullbench does), the median, and the spread between them, and the share of
 * wall time the thread was on the CPU, which says how busy the machine was.
 */
#define _GNU_SOURCE
#include "kr_bench.h"

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kr_bench_case.h"

#define KR_BENCH_RUNS_MAX 1000
#define KR_BENCH_FILTERS_MAX 16

typedef struct bench_opts {
    bool smoke;
    bool json;
    bool list;
    double budget_s;
    int cpu;
    const char *filters[KR_BENCH_FILTERS_MAX];
    int filter_cnt;
} bench_opts_t;

typedef struct bench_result {
    uint64_t ops_per_run;
    int runs;
    double ns_op_best; /* CPU ns per op, best run */
    double ns_op_median;
    double bytes_op;
    double records_op;
    double cpu_share; /* CPU time / wall time over all runs */
    double ratio;     /* compression ratio, 0 when the case does not compress */
} bench_result_t;

static const kr_bench_case_t *const tables[] = {
    kr_bench_proto_cases,
    kr_bench_lz4_cases,
    kr_bench_pipeline_cases,
};

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Pins the thread to one CPU: the one asked for, else the one it runs on now. */
static int pin(int cpu)
{
    if (cpu < 0)
        cpu = sched_getcpu();
    if (cpu < 0)
        return -1;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
        return -1;
    return cpu;
}

static bool selected(const bench_opts_t *o, const char *name)
{
    if (o->filter_cnt == 0)
        return true;
    for (int i = 0; i < o->filter_cnt; i++) {
        const char *f = o->filters[i];
        if (f[0] == '=' ? strcmp(name, f + 1) == 0 : strstr(name, f) != NULL)
            return true;
    }
    return false;
}

/* One timed run of n ops; returns its CPU nanoseconds and adds its wall time to *wall. */
static int64_t timed_run(const kr_bench_case_t *c, void *st, uint64_t n, kr_bench_tally_t *t,
                         int64_t *wall)
{
    int64_t w0 = clock_ns(CLOCK_MONOTONIC);
    int64_t c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    c->run(st, n, t);
    int64_t c1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    *wall += clock_ns(CLOCK_MONOTONIC) - w0;
    return c1 - c0 > 0 ? c1 - c0 : 1;
}

/* Finds n so that one run takes about run_ns of CPU. */
static uint64_t calibrate(const kr_bench_case_t *c, void *st, int64_t run_ns, kr_bench_tally_t *t)
{
    uint64_t n = 1;
    int64_t wall = 0;
    for (;;) {
        int64_t ns = timed_run(c, st, n, t, &wall);
        if (t->failed || ns >= run_ns || n >= (1ull << 40))
            return n;
        double scale = (double)run_ns / (double)ns * 1.2;
        scale = scale > 100.0 ? 100.0 : scale < 2.0 ? 2.0 : scale;
        n = (uint64_t)((double)n * scale) + 1;
    }
}

static int run_case(const kr_bench_case_t *c, const bench_opts_t *o, bench_result_t *r,
                    kr_bench_tally_t *t)
{
    void *st = NULL;
    int rc = c->setup(&st, c->param);
    if (rc != 0) {
        snprintf(t->msg, sizeof(t->msg), "setup failed (%d)", rc);
        t->failed = 1;
        return -1;
    }
    /* Pipeline runs are longer: each ends with a flush, which should stay a small part. */
    bool pipeline = strcmp(c->group, "pipeline") == 0;
    int64_t run_ns = o->smoke ? 300000 : pipeline ? 100000000 : 25000000;
    int64_t budget_ns = o->smoke ? 3000000 : (int64_t)(o->budget_s * 1e9);
    int min_runs = o->smoke ? 1 : 3;
    uint64_t n = calibrate(c, st, run_ns, t);
    static double per_op[KR_BENCH_RUNS_MAX];
    int64_t spent = 0, wall = 0;
    int runs = 0;
    kr_bench_tally_t m = {0};
    while (!t->failed && !m.failed && runs < KR_BENCH_RUNS_MAX &&
           (runs < min_runs || spent < budget_ns)) {
        int64_t ns = timed_run(c, st, n, &m, &wall);
        spent += ns;
        per_op[runs++] = (double)ns / (double)n;
    }
    if (m.failed)
        *t = m;
    c->teardown(st);
    if (t->failed)
        return -1;
    qsort(per_op, (size_t)runs, sizeof(per_op[0]), cmp_double);
    r->ops_per_run = n;
    r->runs = runs;
    r->ns_op_best = per_op[0];
    r->ns_op_median = per_op[runs / 2];
    r->bytes_op = (double)m.bytes / ((double)n * runs);
    r->records_op = (double)m.records / ((double)n * runs);
    r->cpu_share = wall > 0 ? (double)spent / (double)wall : 0;
    r->ratio = m.ratio_out > 0 ? (double)m.ratio_in / (double)m.ratio_out : 0;
    t->sink ^= m.sink;
    return 0;
}

static void print_header(const bench_opts_t *o, int cpu)
{
    if (o->json || o->list)
        return;
    printf("kring bench: one thread pinned to CPU %d; CPU time per op, best of N runs%s\n", cpu,
           o->smoke ? " (smoke: timings mean nothing)" : "");
    printf("%-30s %11s %13s %10s %13s %9s %6s %5s %4s\n", "case", "ns/op", "ops/s", "MB/s",
           "records/s", "B/op", "spread", "runs", "cpu");
}

static void print_result(const bench_opts_t *o, const kr_bench_case_t *c, const bench_result_t *r)
{
    double ops_s = 1e9 / r->ns_op_best;
    double mb_s = r->bytes_op * ops_s / 1e6;
    double rec_s = r->records_op * ops_s;
    double spread = (r->ns_op_median - r->ns_op_best) / r->ns_op_best * 100.0;
    if (o->json) {
        printf("{\"bench\":\"%s\",\"group\":\"%s\",\"ns_per_op\":%.3f,"
               "\"ns_per_op_median\":%.3f,\"ops_per_s\":%.0f,\"mb_per_s\":%.2f,"
               "\"msgs_per_s\":%.0f,\"bytes_per_op\":%.1f,\"records_per_op\":%.2f,"
               "\"ns_per_record\":%.3f,\"runs\":%d,\"ops_per_run\":%llu,\"cpu_share\":%.3f,"
               "\"ratio\":%.3f,\"smoke\":%s}\n",
               c->name, c->group, r->ns_op_best, r->ns_op_median, ops_s, mb_s, rec_s, r->bytes_op,
               r->records_op, r->records_op > 0 ? r->ns_op_best / r->records_op : 0.0, r->runs,
               (unsigned long long)r->ops_per_run, r->cpu_share, r->ratio,
               o->smoke ? "true" : "false");
    } else {
        char recs[32] = "-";
        if (r->records_op > 0)
            snprintf(recs, sizeof(recs), "%.0f", rec_s);
        printf("%-30s %11.2f %13.0f %10.1f %13s %9.1f %5.1f%% %5d %3.0f%%\n", c->name,
               r->ns_op_best, ops_s, mb_s, recs, r->bytes_op, spread, r->runs,
               r->cpu_share * 100.0);
    }
    fflush(stdout);
}

static int usage(FILE *f, int rc)
{
    fputs("usage: kr_bench [--smoke] [--json] [--filter SUBSTR]... [--list] [--time S] "
          "[--cpu N]\n"
          "  --smoke       a few ms per case (CI); results are still checked\n"
          "  --json        one JSON line per case instead of the table\n"
          "  --filter S    only cases whose name contains S, or is S with --filter =S "
          "(repeatable)\n"
          "  --list        list the cases\n"
          "  --time S      seconds per case (default 0.5)\n"
          "  --cpu N       pin to CPU N (default: the current one)\n",
          f);
    return rc;
}

static int parse(bench_opts_t *o, int argc, char **argv)
{
    *o = (bench_opts_t){.budget_s = 0.5, .cpu = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--smoke") == 0) {
            o->smoke = true;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--list") == 0) {
            o->list = true;
        } else if (strcmp(a, "--filter") == 0 && more && o->filter_cnt < KR_BENCH_FILTERS_MAX) {
            o->filters[o->filter_cnt++] = argv[++i];
        } else if (strcmp(a, "--time") == 0 && more) {
            o->budget_s = atof(argv[++i]);
            if (!(o->budget_s > 0 && o->budget_s <= 600))
                return usage(stderr, 2);
        } else if (strcmp(a, "--cpu") == 0 && more) {
            o->cpu = atoi(argv[++i]);
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            return usage(stdout, 1);
        } else {
            fprintf(stderr, "kr_bench: unknown argument '%s'\n", a);
            return usage(stderr, 2);
        }
    }
    return 0;
}

int kr_bench_main(int argc, char **argv)
{
    bench_opts_t o;
    int rc = parse(&o, argc, argv);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    int cpu = o.list ? -1 : pin(o.cpu);
    if (!o.list && cpu < 0)
        fprintf(stderr, "kr_bench: cannot pin to a CPU; running unpinned\n");
    print_header(&o, cpu);
    int failed = 0, ran = 0;
    uint64_t sink = 0;
    for (size_t ti = 0; ti < sizeof(tables) / sizeof(tables[0]); ti++) {
        for (const kr_bench_case_t *c = tables[ti]; c->name != NULL; c++) {
            if (!selected(&o, c->name))
                continue;
            if (o.list) {
                printf("%-30s %s\n", c->name, c->group);
                continue;
            }
            bench_result_t r;
            kr_bench_tally_t t = {0};
            ran++;
            if (run_case(c, &o, &r, &t) != 0) {
                fprintf(stderr, "kr_bench: %s: FAILED: %s\n", c->name, t.msg);
                failed++;
                continue;
            }
            sink ^= t.sink;
            print_result(&o, c, &r);
        }
    }
    if (!o.list && ran == 0) {
        fprintf(stderr, "kr_bench: no case matches\n");
        return 2;
    }
    if (!o.json && !o.list)
        printf("%d cases, %d failed (check %llx)\n", ran, failed,
               (unsigned long long)(sink & 0xffff));
    return failed ? 1 : 0;
}
