/* The CLI's clocks: monotonic nanoseconds (vDSO: no system call), and record timestamps. */
#ifndef KR_CLI_CLOCK_H
#define KR_CLI_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t kr_cli_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Record timestamps without a wall-clock read per record: the wall clock in milliseconds
 * at a monotonic instant, from a pair of readings taken together (kr_cli_wall_sync) once
 * in a while; between syncs the two clocks drift by far less than a millisecond.
 */
typedef struct kr_cli_wall {
    int64_t wall_ms;
    int64_t mono_ns;
} kr_cli_wall_t;

static inline void kr_cli_wall_sync(kr_cli_wall_t *w)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    w->mono_ns = kr_cli_now_ns();
    w->wall_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t kr_cli_wall_at(const kr_cli_wall_t *w, int64_t mono_ns)
{
    return w->wall_ms + (mono_ns - w->mono_ns) / 1000000;
}

#endif
