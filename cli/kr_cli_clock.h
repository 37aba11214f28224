/* The monotonic clock in nanoseconds (vDSO: no system call). */
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

#endif
