/* The open-loop schedule. See kr_cli_sched.h. */
#include "kr_cli_sched.h"

#include <assert.h>
#include <string.h>

#define NS_PER_S 1000000000ull

void kr_sched_init(kr_sched_t *s, uint64_t rate, int64_t start_ns)
{
    assert(rate >= 1);
    memset(s, 0, sizeof(*s));
    s->rate = rate;
    s->next_ns = start_ns;
    s->step_ns = NS_PER_S / rate;
    s->step_rem = NS_PER_S % rate;
}

int64_t kr_sched_at(uint64_t rate, int64_t start_ns, uint64_t i)
{
    assert(rate >= 1);
    unsigned __int128 t = (unsigned __int128)i * NS_PER_S / rate;
    return start_ns + (int64_t)t;
}

uint64_t kr_sched_share(uint64_t total, uint32_t n, uint32_t t)
{
    assert(n >= 1);
    assert(t < n);
    return total / n + (t < total % n ? 1 : 0);
}
