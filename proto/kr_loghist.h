/*
 * Log-linear histogram buckets (the HdrHistogram layout): the arithmetic of the two
 * histograms kring keeps, the CLI's delivery latencies (cli/kr_cli_hist.h, 64 buckets per
 * power of two over all of uint64_t) and the engine's round trips (engine/kr_stats.h, 8 per
 * power of two up to 2^31 us).
 *
 * With s = sub_bits, values below 2 * 2^s have a bucket each; above that, each power of two
 * [2^k, 2^(k+1)) is split into 2^s buckets of equal width, so a bucket is at most 1/2^s of
 * its values wide. Values of up to `value_bits` bits fit in KR_LOGHIST_BUCKETS(value_bits,
 * s) buckets. Pure arithmetic: the caller owns the counters.
 */
#ifndef KR_LOGHIST_H
#define KR_LOGHIST_H

#include <stdint.h>

#define KR_LOGHIST_BUCKETS(value_bits, sub_bits)                                                   \
    (((value_bits) - (sub_bits) + 1) * (1u << (sub_bits)))

/* The bucket index of value v. sub_bits from 1 to 16. */
static inline uint32_t kr_loghist_index(uint64_t v, uint32_t sub_bits)
{
    if (v < 2 * ((uint64_t)1 << sub_bits))
        return (uint32_t)v;
    uint32_t msb = 63u - (uint32_t)__builtin_clzll(v);
    uint32_t shift = msb - sub_bits;
    return (shift << sub_bits) + (uint32_t)(v >> shift);
}

/* The largest value that falls into bucket i. */
uint64_t kr_loghist_high(uint32_t i, uint32_t sub_bits);

/*
 * The highest value of the bucket that holds the rank-th smallest (from 1) of the
 * recordings counted in buckets[0..n), but never above `max`, the largest recording;
 * `max` when the buckets hold fewer than rank.
 */
uint64_t kr_loghist_at_rank(const uint64_t *buckets, uint32_t n, uint32_t sub_bits, uint64_t rank,
                            uint64_t max);

#endif
