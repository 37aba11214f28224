/* Backoff with jitter. */
#include "kr_backoff.h"

#include <assert.h>

int64_t kr_backoff_us(uint64_t *rand_state, int base_ms, int max_ms, int attempt)
{
    assert(base_ms > 0);
    assert(max_ms > 0);
    int64_t ms = base_ms;
    for (int i = 1; i < attempt && ms < max_ms; i++)
        ms *= 2;
    if (ms > max_ms)
        ms = max_ms;
    *rand_state = *rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
    int64_t jitter = (int64_t)((*rand_state >> 33) % 41) - 20; /* -20..20 % */
    return ms * 1000 * (100 + jitter) / 100;
}
