/* The live status line. See kr_cli_status.h. */
#include "kr_cli_status.h"

#include <stdio.h>

size_t kr_cli_status_format(char *buf, size_t len, const kr_cli_status_snap_t *prev,
                            const kr_cli_status_snap_t *cur)
{
    double dt = (double)(cur->t_ns - prev->t_ns) / 1e9;
    double rps = 0, mbps = 0;
    if (dt > 0) {
        rps = (double)(cur->acked - prev->acked) / dt;
        mbps = (double)(cur->bytes - prev->bytes) / dt / 1048576.0;
    }
    int n = snprintf(buf, len,
                     "%10.0f rec/s %8.1f MB/s  acked %llu  in flight %llu  p99 %.1f ms"
                     "  errors %llu",
                     rps, mbps, (unsigned long long)cur->acked, (unsigned long long)cur->in_flight,
                     (double)cur->p99_ns / 1e6, (unsigned long long)cur->failed);
    if (n < 0)
        return 0;
    return (size_t)n < len ? (size_t)n : len - 1;
}
