/* Log-linear histogram buckets. See kr_loghist.h. */
#include "kr_loghist.h"

#include <assert.h>
#include <stddef.h>

uint64_t kr_loghist_high(uint32_t i, uint32_t sub_bits)
{
    assert(sub_bits >= 1);
    assert(sub_bits <= 16);
    assert(i < KR_LOGHIST_BUCKETS(64, sub_bits));
    uint32_t sub = 1u << sub_bits;
    if (i < 2 * sub)
        return i;
    uint32_t shift = i / sub - 1;
    uint64_t m = i % sub + sub; /* sub .. 2 * sub - 1 */
    return ((m + 1) << shift) - 1;
}

uint64_t kr_loghist_at_rank(const uint64_t *buckets, uint32_t n, uint32_t sub_bits, uint64_t rank,
                            uint64_t max)
{
    assert(buckets != NULL);
    uint64_t seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        seen += buckets[i];
        if (seen >= rank) {
            uint64_t v = kr_loghist_high(i, sub_bits);
            return v < max ? v : max;
        }
    }
    return max;
}
