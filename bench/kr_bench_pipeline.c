/*
 * The whole producer on one core, no network: kr_produce() -> batch append (murmur2 on
 * the icao24 key, 8 partitions) -> batch close (LZ4 or none, CRC-32C) -> Produce request
 * framing with the batches as iovecs -> the memory sink of kr_producer_new_sink(), which
 * acknowledges at once -> delivery reports through the callback. One op is one record;
 * ns/op is CPU time per record of this thread, which is the whole producer (kring has no
 * background thread). Each run ends with kr_flush() and checks that every record was
 * acknowledged.
 *
 * Also the flight generator alone (cli/kr_flights), and the pipeline fed by it, and the
 * pipeline with statistics on (*_stats: statistics.interval.ms 1000 and a callback that
 * reads the document), for their cost next to the same case without.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_bench_case.h"
#include "kr_flights.h"
#include "kr_sink.h"
#include "kring.h"

#define PIPE_TOPIC "bench"
#define PIPE_PARTITIONS 8
#define PIPE_PRODUCE_VERSION 12
#define PIPE_POLL_EVERY 1024

typedef struct pipe_param {
    const char *compression;
    const char *acks;
    bool idempotent;
    const char *batch_size;
    size_t record_size; /* 0: natural flight events */
    bool generate;      /* records from the generator in the loop, not from the pool */
    bool stats;         /* statistics.interval.ms 1000, with a callback */
} pipe_param_t;

typedef struct pipe_state {
    pipe_param_t p;
    kr_producer_t *prod;
    kr_bench_pool_t pool;
    kr_flights_t *gen;
    size_t next;
    uint64_t acked;
    uint64_t failed;
    int first_err;
    uint64_t stats_bytes; /* of the statistics documents seen */
} pipe_state_t;

static void pipe_stats(const char *json, size_t len, void *ctx)
{
    pipe_state_t *s = ctx;
    s->stats_bytes += len + (uint8_t)json[len / 2];
}

static void pipe_dr(const kr_delivery_t *d, void *ctx)
{
    pipe_state_t *s = ctx;
    if (d->err == 0) {
        s->acked++;
    } else {
        if (s->failed++ == 0)
            s->first_err = d->err;
    }
}

static void pipe_teardown(void *st)
{
    pipe_state_t *s = st;
    if (s->prod != NULL)
        kr_producer_close(s->prod, 10000);
    kr_bench_pool_free(&s->pool);
    if (s->gen != NULL)
        kr_flights_free(s->gen);
    free(s);
}

static int pipe_conf(kr_conf_t *c, const pipe_param_t *p)
{
    char err[256];
    const char *kv[][2] = {
        {"compression.type", p->compression},
        {"acks", p->acks},
        {"enable.idempotence", p->idempotent ? "true" : "false"},
        {"batch.size", p->batch_size},
        {"linger.ms", "5"},
        {"buffer.memory", "67108864"},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        int rc = kr_conf_set(c, kv[i][0], kv[i][1], err, sizeof(err));
        if (rc != 0) {
            fprintf(stderr, "kr_bench: %s\n", err);
            return rc;
        }
    }
    return 0;
}

static int pipe_setup(void **st, const void *param)
{
    const pipe_param_t *p = param;
    pipe_state_t *s = calloc(1, sizeof(*s));
    kr_conf_t *c = kr_conf_new();
    if (s == NULL || c == NULL) {
        free(s);
        kr_conf_destroy(c);
        return -ENOMEM;
    }
    s->p = *p;
    int rc = pipe_conf(c, p);
    kr_conf_set_delivery_cb(c, pipe_dr, s);
    if (rc == 0 && p->stats) {
        char err[256];
        kr_conf_set_stats_cb(c, pipe_stats, s);
        rc = kr_conf_set(c, "statistics.interval.ms", "1000", err, sizeof(err));
    }
    char err[256];
    if (rc == 0)
        rc = kr_producer_new_sink(&s->prod, c, PIPE_TOPIC, PIPE_PARTITIONS, PIPE_PRODUCE_VERSION,
                                  err, sizeof(err));
    kr_conf_destroy(c);
    if (rc == 0 && p->generate) {
        kr_flights_conf_t fc;
        kr_flights_conf_init(&fc);
        fc.record_size = p->record_size;
        rc = kr_flights_new(&s->gen, &fc);
    } else if (rc == 0) {
        rc = kr_bench_pool_init(&s->pool, KR_BENCH_POOL_RECORDS, p->record_size);
    }
    if (rc != 0) {
        pipe_teardown(s);
        return rc;
    }
    *st = s;
    return 0;
}

/* Next record: from the generator, or the next one of the pool. */
static void pipe_next(pipe_state_t *s, kr_record_t *rec)
{
    if (s->gen != NULL) {
        kr_flights_rec_t fr;
        kr_flights_next(s->gen, &fr);
        rec->key = fr.key, rec->key_len = fr.key_len;
        rec->value = fr.value, rec->value_len = fr.value_len;
        return;
    }
    const kr_bench_rec_t *r = &s->pool.recs[s->next];
    s->next = s->next + 1 == s->pool.cnt ? 0 : s->next + 1;
    rec->key = r->key, rec->key_len = r->key_len;
    rec->value = r->value, rec->value_len = r->value_len;
}

static void pipe_fail(kr_bench_tally_t *t, const char *what, int rc)
{
    t->failed = 1;
    snprintf(t->msg, sizeof(t->msg), "%s: %s", what, kr_strerror(rc));
}

static void pipe_run(void *st, uint64_t n, kr_bench_tally_t *t)
{
    pipe_state_t *s = st;
    kr_record_t rec = {
        .topic = PIPE_TOPIC, .partition = KR_PARTITION_ANY, .timestamp_ms = KR_TIMESTAMP_NOW};
    uint64_t acked0 = s->acked;
    int rc = 0;
    const char *what = "kr_produce";
    for (uint64_t i = 0; i < n && rc == 0; i++) {
        pipe_next(s, &rec);
        t->bytes += rec.key_len + rec.value_len;
        while ((rc = kr_produce(s->prod, &rec)) == KR_EQUEUEFULL) {
            rc = kr_poll(s->prod, 0);
            if (rc < 0)
                break;
        }
        if (rc == 0 && i % PIPE_POLL_EVERY == PIPE_POLL_EVERY - 1) {
            what = "kr_poll";
            rc = kr_poll(s->prod, 0);
            rc = rc > 0 ? 0 : rc;
        }
    }
    if (rc == 0) {
        what = "kr_flush";
        rc = kr_flush(s->prod, 30000);
    }
    if (rc == 0 && s->failed != 0) {
        what = "delivery";
        rc = s->first_err;
    }
    if (rc != 0) {
        pipe_fail(t, what, rc);
        return;
    }
    if (s->acked - acked0 != n) {
        t->failed = 1;
        snprintf(t->msg, sizeof(t->msg), "%llu of %llu records acknowledged",
                 (unsigned long long)(s->acked - acked0), (unsigned long long)n);
        return;
    }
    t->records += n;
    t->sink += kr_producer_sink_bytes(s->prod);
}

/* ---- the flight generator alone ---- */

static int gen_setup(void **st, const void *param)
{
    const size_t *record_size = param;
    kr_flights_conf_t fc;
    kr_flights_conf_init(&fc);
    fc.record_size = *record_size;
    kr_flights_t *g = NULL;
    int rc = kr_flights_new(&g, &fc);
    *st = g;
    return rc;
}

static void gen_run(void *st, uint64_t n, kr_bench_tally_t *t)
{
    kr_flights_rec_t r;
    for (uint64_t i = 0; i < n; i++) {
        kr_flights_next(st, &r);
        t->bytes += r.value_len;
        t->sink += (uint8_t)r.value[r.value_len / 2];
    }
    t->records += n;
}

static void gen_teardown(void *st) { kr_flights_free(st); }

static const size_t gen_natural = 0, gen_100 = 100;

#define PIPE(codec, acks, idem, batch, size, gen)                                                  \
    (&(const pipe_param_t){codec, acks, idem, batch, size, gen, false})
#define PIPE_STATS(codec, acks, idem, batch)                                                       \
    (&(const pipe_param_t){codec, acks, idem, batch, 0, false, true})

const kr_bench_case_t kr_bench_pipeline_cases[] = {
    {"flights_generate", "gen", gen_setup, gen_run, gen_teardown, &gen_natural},
    {"flights_generate_100B", "gen", gen_setup, gen_run, gen_teardown, &gen_100},
    {"pipeline_lz4_acks1", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE("lz4", "1", false, "262144", 0, false)},
    {"pipeline_lz4_idem", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE("lz4", "all", true, "262144", 0, false)},
    {"pipeline_none_acks1", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE("none", "1", false, "262144", 0, false)},
    {"pipeline_none_idem", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE("none", "all", true, "262144", 0, false)},
    {"pipeline_lz4_acks1_16KiB", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE("lz4", "1", false, "16384", 0, false)},
    {"pipeline_lz4_acks1_64KiB", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE("lz4", "1", false, "65536", 0, false)},
    {"pipeline_lz4_acks1_1MiB", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE("lz4", "1", false, "1048576", 0, false)},
    {"pipeline_lz4_acks1_100B", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE("lz4", "1", false, "262144", 100, false)},
    {"pipeline_none_acks1_100B", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE("none", "1", false, "262144", 100, false)},
    {"pipeline_lz4_idem_gen", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE("lz4", "all", true, "262144", 0, true)},
    {"pipeline_lz4_acks1_stats", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE_STATS("lz4", "1", false, "262144")},
    {"pipeline_none_acks1_stats", "pipeline", pipe_setup, pipe_run, pipe_teardown,
     PIPE_STATS("none", "1", false, "262144")},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
