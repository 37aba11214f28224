/*
 * A latency histogram with log-linear buckets (the HdrHistogram layout): values below 128
 * are exact, above that each power of two is split into 64 buckets, so a bucket is at most
 * 1/64 (1.6 %) of its value wide. Values are nanoseconds; the whole range of uint64_t
 * fits in KR_HIST_BUCKETS counters. Recording is a few instructions and never allocates;
 * the struct is plain memory (about 30 KiB) the caller owns. The bucket arithmetic is
 * proto's (kr_loghist.h), shared with the engine's round-trip histogram.
 */
#ifndef KR_CLI_HIST_H
#define KR_CLI_HIST_H

#include <stdint.h>

#include "kr_loghist.h"

#define KR_HIST_SUB_BITS 6
#define KR_HIST_SUB (1u << KR_HIST_SUB_BITS)
/* 2 * 64 exact values, then 64 buckets for each of the 57 remaining powers of two */
#define KR_HIST_BUCKETS KR_LOGHIST_BUCKETS(64, KR_HIST_SUB_BITS)

typedef struct kr_hist {
    uint64_t count;
    uint64_t max;
    uint64_t min;
    uint64_t sum_ns; /* saturates; for the mean */
    uint64_t buckets[KR_HIST_BUCKETS];
} kr_hist_t;

void kr_hist_init(kr_hist_t *h);

/* The bucket index of value v. */
static inline uint32_t kr_hist_index(uint64_t v) { return kr_loghist_index(v, KR_HIST_SUB_BITS); }

static inline void kr_hist_record(kr_hist_t *h, uint64_t v)
{
    h->buckets[kr_hist_index(v)]++;
    h->count++;
    if (v > h->max)
        h->max = v;
    if (v < h->min)
        h->min = v;
    h->sum_ns = h->sum_ns + v < h->sum_ns ? UINT64_MAX : h->sum_ns + v;
}

/* The largest value that falls into bucket i. */
uint64_t kr_hist_bucket_high(uint32_t i);

/*
 * The value at quantile q (0..1): the highest value of the bucket that holds the
 * ceil(q * count)-th smallest recording, but never above the recorded maximum.
 * 0 for an empty histogram.
 */
uint64_t kr_hist_quantile(const kr_hist_t *h, double q);

/* dst += src */
void kr_hist_merge(kr_hist_t *dst, const kr_hist_t *src);

/* out = cur - prev (prev an earlier copy of cur): the recordings in between. max and min
 * of out are bucket bounds, not exact. */
void kr_hist_delta(kr_hist_t *out, const kr_hist_t *cur, const kr_hist_t *prev);

#endif
