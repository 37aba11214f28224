/*
 * Statistics: the per-broker round-trip histogram, the per-partition counters, the
 * snapshot behind kr_stats()/kr_stats_partitions() and the JSON document delivered every
 * statistics.interval.ms (kring.h).
 *
 * Cost: the hot path touches only counters that sit next to what it already writes
 * (per batch, per response); percentiles, sums over partitions and the JSON text are
 * made once per interval, on the producer's thread, in memory sized when the first
 * document is made (grown, rarely, when partitions are added).
 */
#ifndef KR_STATS_H
#define KR_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kr_loghist.h"
#include "kring.h"

/*
 * Round trips in microseconds, log-linear (kr_loghist.h): values below 16 are exact, above
 * that each power of two has 8 buckets (1/8 of the value wide at most), up to 2^31 us
 * (clamped).
 */
#define KR_RTT_SUB_BITS 3
#define KR_RTT_SUB (1u << KR_RTT_SUB_BITS)
#define KR_RTT_VALUE_MAX ((1ull << 31) - 1)
#define KR_RTT_BUCKETS KR_LOGHIST_BUCKETS(31, KR_RTT_SUB_BITS)

typedef struct kr_rtt_hist {
    uint32_t count;
    uint32_t max_us;
    uint64_t buckets[KR_RTT_BUCKETS]; /* uint64_t: the counters kr_loghist_at_rank reads */
} kr_rtt_hist_t;

static inline uint32_t kr_rtt_index(uint64_t v)
{
    return kr_loghist_index(v > KR_RTT_VALUE_MAX ? KR_RTT_VALUE_MAX : v, KR_RTT_SUB_BITS);
}

static inline void kr_rtt_record(kr_rtt_hist_t *h, int64_t us)
{
    uint64_t v = us < 0 ? 0 : (uint64_t)us;
    h->buckets[kr_rtt_index(v)]++;
    h->count++;
    if (v > h->max_us)
        h->max_us = v > KR_RTT_VALUE_MAX ? (uint32_t)KR_RTT_VALUE_MAX : (uint32_t)v;
}

/* The highest value bucket i holds. */
uint64_t kr_rtt_bucket_high(uint32_t i);

/* The value at quantile q (0..1), capped at the window's maximum; 0 when empty. */
int64_t kr_rtt_quantile(const kr_rtt_hist_t *h, double q);

/* Per-partition counters (kr_partition_t.st). */
typedef struct kr_part_stats {
    uint64_t records_acked;
    uint64_t bytes_acked;
    uint64_t records_failed;
    uint64_t batches_acked;
    uint64_t retries;
    uint64_t errors_other;
    uint32_t err_used;
    int32_t err_code[KR_STATS_ERRCODES_MAX];
    uint64_t err_count[KR_STATS_ERRCODES_MAX];
} kr_part_stats_t;

/* One batch got error `code` (a Kafka error code, or a KR_E.../-errno code). */
void kr_stats_part_error(kr_part_stats_t *s, int32_t code);

/* The name of such a code. Never NULL. */
const char *kr_stats_code_name(int32_t code);

/* Delivers the statistics document if one is due (kr_poll, kr_flush). */
void kr_stats_tick(kr_producer_t *p);

/* Frees the document's memory. */
void kr_stats_free(kr_producer_t *p);

#endif
