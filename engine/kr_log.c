/* The engine's log: to the user's callback, or stderr. */
#include <stdarg.h>
#include <stdio.h>

#include "kr_engine.h"

void kr_log(const kr_producer_t *p, int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (p->conf.log_cb != NULL) {
        p->conf.log_cb(level, line, p->conf.log_ctx);
        return;
    }
    if (level == KR_LOG_DEBUG) {
        fprintf(stderr, "kring %lld.%06lld %s: %s\n", (long long)(p->now_us / 1000000),
                (long long)(p->now_us % 1000000), p->conf.client_id, line);
        return;
    }
    if (level <= KR_LOG_WARNING)
        fprintf(stderr, "kring: %s: %s\n", level == KR_LOG_ERR ? "error" : "warning", line);
}
