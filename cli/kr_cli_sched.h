/*
 * The open-loop schedule: with a target rate, record i of a run is planned for
 * start + i / rate seconds, whatever happened to the records before it. Latency counts
 * from that planned time, so a stalled broker shows in the percentiles (as the queue of
 * late records) instead of slowing the sender and hiding (coordinated omission).
 *
 * Also the split of a run's records and rate among threads.
 */
#ifndef KR_CLI_SCHED_H
#define KR_CLI_SCHED_H

#include <stdint.h>

typedef struct kr_sched {
    uint64_t rate;     /* records per second, > 0 */
    int64_t next_ns;   /* planned time of the next record */
    uint64_t step_ns;  /* 1e9 / rate, whole part */
    uint64_t step_rem; /* 1e9 % rate: Bresenham's remainder */
    uint64_t acc;
    uint64_t issued;
} kr_sched_t;

/* A schedule of rate records a second (rate >= 1) starting at start_ns. */
void kr_sched_init(kr_sched_t *s, uint64_t rate, int64_t start_ns);

/* The planned time of the next record, then steps past it: start + floor(i * 1e9 / rate). */
static inline int64_t kr_sched_next(kr_sched_t *s)
{
    int64_t t = s->next_ns;
    s->next_ns += (int64_t)s->step_ns;
    s->acc += s->step_rem;
    if (s->acc >= s->rate) {
        s->acc -= s->rate;
        s->next_ns++;
    }
    s->issued++;
    return t;
}

/* The planned time of record i, computed directly (for tests and resynchronisation). */
int64_t kr_sched_at(uint64_t rate, int64_t start_ns, uint64_t i);

/* Thread t's share of total when split among n threads: total / n, the first total % n
 * threads one more. The shares add up to total. */
uint64_t kr_sched_share(uint64_t total, uint32_t n, uint32_t t);

#endif
