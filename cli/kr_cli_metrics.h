/*
 * Prometheus metrics of `kring produce` (--metrics-addr): what each worker publishes for
 * the metrics thread, and the text exposition format (version 0.0.4) made from it.
 * docs/OBSERVABILITY.md lists the metrics. Formatting only: no I/O, no threads.
 */
#ifndef KR_CLI_METRICS_H
#define KR_CLI_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "kr_cli_hist.h"
#include "kring.h"

/* Partitions one worker publishes at most (the first ones, by partition id). */
#define KR_CLI_METRICS_PARTS_MAX 1024

/*
 * One worker's engine statistics, copied by the worker from kr_stats() and
 * kr_stats_partitions() (the topic pointers cleared: the producer may be gone when the
 * metrics are served).
 */
typedef struct kr_cli_pub {
    int valid;
    kr_stats_t st;
    int32_t part_cnt;
    kr_partition_stats_t parts[KR_CLI_METRICS_PARTS_MAX];
} kr_cli_pub_t;

typedef struct kr_cli_metrics_in {
    const char *instance; /* the instance label ("I/N"), or NULL for none */
    const char *topic;    /* the run's topic */
    uint32_t producers;
    uint64_t sent; /* the CLI's own counts, as the report has them */
    uint64_t acked;
    uint64_t failed;
    uint64_t in_flight;
    uint64_t bytes;
    const kr_hist_t *latency; /* delivery latency of every producer, merged */
    const kr_cli_pub_t *const *pubs;
    uint32_t pub_cnt;
} kr_cli_metrics_in_t;

/* Growable text; oom set when memory ran out (the text is then incomplete). */
typedef struct kr_cli_text {
    char *buf;
    size_t len;
    size_t cap;
    int oom;
} kr_cli_text_t;

void kr_cli_text_free(kr_cli_text_t *t);

/* Replaces t's contents with the exposition of in. */
void kr_cli_metrics_render(kr_cli_text_t *t, const kr_cli_metrics_in_t *in);

#endif
