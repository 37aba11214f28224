/* Backoff with jitter, for retries, reconnects and InitProducerId. */
#ifndef KR_BACKOFF_H
#define KR_BACKOFF_H

#include <stdint.h>

/*
 * The wait before attempt `attempt` (1-based), in microseconds: base_ms doubling per
 * attempt up to max_ms, then +-20% jitter, as the Java client backs off retries and
 * reconnects. `rand_state` is the caller's generator state (any seed), advanced here.
 */
int64_t kr_backoff_us(uint64_t *rand_state, int base_ms, int max_ms, int attempt);

#endif
