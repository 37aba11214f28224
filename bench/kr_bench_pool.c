/* The shared pool of generated flight events. See kr_bench_case.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kr_bench_case.h"
#include "kr_flights.h"

int kr_bench_pool_init(kr_bench_pool_t *pool, size_t cnt, size_t record_size)
{
    memset(pool, 0, sizeof(*pool));
    kr_flights_conf_t conf;
    kr_flights_conf_init(&conf);
    conf.record_size = record_size;
    conf.key = KR_FLIGHTS_KEY_ICAO24;
    kr_flights_t *g = NULL;
    int rc = kr_flights_new(&g, &conf);
    if (rc != 0)
        return rc;
    size_t per = (record_size ? record_size : KR_FLIGHTS_NATURAL_MAX) + 16;
    pool->recs = calloc(cnt, sizeof(*pool->recs));
    pool->mem = malloc(cnt * per);
    if (pool->recs == NULL || pool->mem == NULL) {
        kr_flights_free(g);
        kr_bench_pool_free(pool);
        return -ENOMEM;
    }
    char *p = pool->mem;
    for (size_t i = 0; i < cnt; i++) {
        kr_flights_rec_t r;
        kr_flights_next(g, &r);
        kr_bench_rec_t *d = &pool->recs[i];
        memcpy(p, r.key, r.key_len);
        d->key = p;
        d->key_len = r.key_len;
        p += r.key_len;
        memcpy(p, r.value, r.value_len);
        d->value = p;
        d->value_len = r.value_len;
        p += r.value_len;
        pool->value_bytes += r.value_len;
    }
    pool->cnt = cnt;
    kr_flights_free(g);
    return 0;
}

void kr_bench_pool_free(kr_bench_pool_t *pool)
{
    free(pool->recs);
    free(pool->mem);
    memset(pool, 0, sizeof(*pool));
}
