/*
 * kr_scale: a producer against a large cluster (librdkafka's mock cluster from
 * kr_mock_sink, e.g. 300 brokers and 50 topics of 400 partitions): exact delivery, the
 * memory the producer holds, and the cost of a metadata refresh.
 *
 *   kr_scale -b BOOTSTRAP --topics T --partitions P [--prefix NAME] [--per-partition R]
 *            [--idle-s S]
 *
 * Produces R records to every partition of topics NAME0..NAME{T-1} (explicit partitions,
 * so every broker that leads one gets a connection), flushes, and checks every delivery
 * report: acked, and per partition the offsets 0..R-1 each once (the mock's logs start
 * empty). Then idles S seconds with metadata.max.age.ms=1000 and divides the CPU time
 * the process spent by the refreshes made: the cost of decoding and applying one
 * Metadata answer for the whole cluster (plus the idle loop's own, which is small).
 *
 * Prints one JSON line; exits 0 when delivery was exact, 1 when not, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "kr_engine.h"
#include "kring.h"

typedef struct scale {
    int topics;
    int parts;
    int per_part;
    uint8_t *seen; /* [topic][partition][offset]: reports per offset */
    uint64_t acked;
    uint64_t failed;
    uint64_t bad; /* reports for an offset out of range */
    int first_err;
} scale_t;

static void on_dr(const kr_delivery_t *d, void *ctx)
{
    scale_t *s = ctx;
    uintptr_t t = (uintptr_t)d->opaque;
    if (d->err != 0) {
        s->failed++;
        if (s->first_err == 0)
            s->first_err = d->err;
        return;
    }
    s->acked++;
    if (d->partition < 0 || d->partition >= s->parts || d->offset < 0 || d->offset >= s->per_part) {
        s->bad++;
        return;
    }
    size_t i = ((size_t)t * (size_t)s->parts + (size_t)d->partition) * (size_t)s->per_part +
               (size_t)d->offset;
    s->seen[i]++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Resident memory of the process, KiB (VmRSS). */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld", &kib) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kib;
}

static int usage(void)
{
    fprintf(stderr, "usage: kr_scale -b BOOTSTRAP --topics T --partitions P [--prefix NAME]\n"
                    "                [--per-partition R] [--idle-s S]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *bootstrap = NULL, *prefix = "scale";
    scale_t s = {.topics = 50, .parts = 400, .per_part = 5};
    int idle_s = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-b") == 0)
            bootstrap = argv[i + 1];
        else if (strcmp(argv[i], "--topics") == 0)
            s.topics = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--partitions") == 0)
            s.parts = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--prefix") == 0)
            prefix = argv[i + 1];
        else if (strcmp(argv[i], "--per-partition") == 0)
            s.per_part = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--idle-s") == 0)
            idle_s = atoi(argv[i + 1]);
        else
            return usage();
    }
    if (argc % 2 == 0 || bootstrap == NULL || s.topics < 1 || s.parts < 1 || s.per_part < 1 ||
        idle_s < 1)
        return usage();
    size_t n = (size_t)s.topics * (size_t)s.parts * (size_t)s.per_part;
    s.seen = calloc(n, 1);
    char(*names)[64] = calloc((size_t)s.topics, 64);
    if (s.seen == NULL || names == NULL)
        return 2;
    for (int t = 0; t < s.topics; t++)
        snprintf(names[t], 64, "%s%d", prefix, t);
    long rss0 = rss_kib();
    kr_conf_t *c = kr_conf_new();
    char err[512];
    const char *kv[][2] = {{"bootstrap.servers", bootstrap},
                           {"linger.ms", "5"},
                           {"metadata.max.age.ms", "1000"},
                           {"acks", "all"}};
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        if (kr_conf_set(c, kv[i][0], kv[i][1], err, sizeof(err)) != 0) {
            fprintf(stderr, "kr_scale: %s\n", err);
            return 2;
        }
    kr_conf_set_delivery_cb(c, on_dr, &s);
    kr_producer_t *p = NULL;
    if (kr_producer_new(&p, c, err, sizeof(err)) != 0) {
        fprintf(stderr, "kr_scale: %s\n", err);
        return 2;
    }
    kr_conf_destroy(c);
    double t0 = now_s();
    char value[100];
    memset(value, 'v', sizeof(value));
    for (int r = 0; r < s.per_part; r++)
        for (int t = 0; t < s.topics; t++)
            for (int q = 0; q < s.parts; q++) {
                kr_record_t rec = {.topic = names[t],
                                   .partition = q,
                                   .value = value,
                                   .value_len = sizeof(value),
                                   .timestamp_ms = KR_TIMESTAMP_NOW,
                                   .opaque = (void *)(uintptr_t)t};
                int rc;
                while ((rc = kr_produce(p, &rec)) == KR_EQUEUEFULL)
                    kr_poll(p, 1);
                if (rc != 0) {
                    fprintf(stderr, "kr_scale: produce: %s\n", kr_strerror(rc));
                    return 1;
                }
            }
    int frc = kr_flush(p, 120000);
    double t_deliver = now_s() - t0;
    long rss1 = rss_kib();
    kr_stats_t st0, st1;
    kr_stats(p, &st0);
    double c0 = cpu_s(), w0 = now_s();
    while (now_s() - w0 < idle_s)
        kr_poll(p, 100);
    double cpu_idle = cpu_s() - c0;
    kr_stats(p, &st1);
    uint64_t refreshes = st1.metadata_refreshes - st0.metadata_refreshes;
    kr_producer_close(p, 10000);
    uint64_t missing = 0, dup = 0;
    for (size_t i = 0; i < n; i++) {
        missing += s.seen[i] == 0;
        dup += s.seen[i] > 1;
    }
    bool exact =
        frc == 0 && s.failed == 0 && s.bad == 0 && missing == 0 && dup == 0 && s.acked == n;
    printf("{\"topics\":%d,\"partitions\":%d,\"records\":%zu,\"acked\":%llu,\"failed\":%llu,"
           "\"missing\":%llu,\"duplicates\":%llu,\"out_of_range\":%llu,\"exact\":%s,"
           "\"deliver_s\":%.2f,\"rss_before_kib\":%ld,\"rss_after_kib\":%ld,"
           "\"idle_s\":%d,\"refreshes\":%llu,\"cpu_ms_per_refresh\":%.2f,"
           "\"sizeof_broker\":%zu,\"sizeof_topic\":%zu,\"sizeof_partition\":%zu,"
           "\"sizeof_req\":%zu,\"first_error\":\"%s\"}\n",
           s.topics, s.parts * s.topics, n, (unsigned long long)s.acked,
           (unsigned long long)s.failed, (unsigned long long)missing, (unsigned long long)dup,
           (unsigned long long)s.bad, exact ? "true" : "false", t_deliver, rss0, rss1, idle_s,
           (unsigned long long)refreshes,
           refreshes > 0 ? cpu_idle * 1000.0 / (double)refreshes : 0.0, sizeof(kr_broker_t),
           sizeof(kr_topic_t), sizeof(kr_partition_t), sizeof(kr_req_t),
           s.first_err != 0 ? kr_strerror(s.first_err) : "");
    free(s.seen);
    free(names);
    return exact ? 0 : 1;
}
