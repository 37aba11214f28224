/* The latency histogram. See kr_cli_hist.h. */
#include "kr_cli_hist.h"

#include <assert.h>
#include <math.h>
#include <string.h>

void kr_hist_init(kr_hist_t *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

uint64_t kr_hist_bucket_high(uint32_t i)
{
    assert(i < KR_HIST_BUCKETS);
    return kr_loghist_high(i, KR_HIST_SUB_BITS);
}

uint64_t kr_hist_quantile(const kr_hist_t *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0)
        return h->min;
    if (q >= 1)
        return h->max;
    uint64_t rank = (uint64_t)ceil(q * (double)h->count);
    return kr_loghist_at_rank(h->buckets, KR_HIST_BUCKETS, KR_HIST_SUB_BITS, rank ? rank : 1,
                              h->max);
}

void kr_hist_merge(kr_hist_t *dst, const kr_hist_t *src)
{
    for (uint32_t i = 0; i < KR_HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    if (src->max > dst->max)
        dst->max = src->max;
    if (src->min < dst->min)
        dst->min = src->min;
    dst->sum_ns = dst->sum_ns + src->sum_ns < dst->sum_ns ? UINT64_MAX : dst->sum_ns + src->sum_ns;
}

void kr_hist_delta(kr_hist_t *out, const kr_hist_t *cur, const kr_hist_t *prev)
{
    kr_hist_init(out);
    out->max = 0;
    for (uint32_t i = 0; i < KR_HIST_BUCKETS; i++) {
        assert(cur->buckets[i] >= prev->buckets[i]);
        uint64_t n = cur->buckets[i] - prev->buckets[i];
        out->buckets[i] = n;
        if (n == 0)
            continue;
        out->count += n;
        uint64_t hi = kr_hist_bucket_high(i);
        out->max = hi > cur->max ? cur->max : hi;
        if (out->min == UINT64_MAX)
            out->min = hi;
    }
    out->sum_ns = cur->sum_ns - prev->sum_ns;
}
