/*
 * Cases for the wire-format primitives: varint encoding, record encoding into a
 * RecordBatch, CRC-32C (hardware and slice-by-8) and the murmur2 partitioner.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_batch.h"
#include "kr_bench_case.h"
#include "kr_buf.h"
#include "kr_crc32c.h"
#include "kr_murmur2.h"

/* ---- varints ---- */

#define VARINT_VALUES 65536
#define VARINT_BUF (VARINT_VALUES * KR_UVARINT64_MAX)

typedef struct varint_state {
    int32_t v32[VARINT_VALUES];
    int64_t v64[VARINT_VALUES];
    uint8_t buf[VARINT_BUF];
} varint_state_t;

/*
 * The values a record's varints carry: lengths around 300, offset deltas up to a few
 * thousand, small negatives (-1 for a null key), and timestamp deltas in ms.
 */
static int varint_setup(void **st, const void *param)
{
    varint_state_t *s = malloc(sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < VARINT_VALUES; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        static const int32_t kinds[4] = {-1, 63, 4095, 400};
        int32_t k = kinds[x & 3];
        s->v32[i] = k < 0 ? -1 : (int32_t)((x >> 8) % (uint64_t)(k + 1));
        s->v64[i] = (int64_t)((x >> 16) % 100000);
    }
    *st = s;
    return 0;
}

static void varint_run(void *st, uint64_t n, kr_bench_tally_t *t)
{
    varint_state_t *s = st;
    kr_wbuf_t w;
    kr_wbuf_init(&w, s->buf, sizeof(s->buf));
    for (uint64_t i = 0; i < n; i++) {
        size_t j = i % VARINT_VALUES;
        if (j == 0) {
            t->bytes += kr_wbuf_len(&w);
            t->sink += s->buf[kr_wbuf_len(&w) / 2];
            kr_wbuf_init(&w, s->buf, sizeof(s->buf));
        }
        kr_wbuf_varint(&w, s->v32[j]);
    }
    t->bytes += kr_wbuf_len(&w);
    if (w.err != 0) {
        t->failed = 1;
        snprintf(t->msg, sizeof(t->msg), "varint buffer overflow");
    }
}

static void varlong_run(void *st, uint64_t n, kr_bench_tally_t *t)
{
    varint_state_t *s = st;
    kr_wbuf_t w;
    kr_wbuf_init(&w, s->buf, sizeof(s->buf));
    for (uint64_t i = 0; i < n; i++) {
        size_t j = i % VARINT_VALUES;
        if (j == 0) {
            t->bytes += kr_wbuf_len(&w);
            t->sink += s->buf[kr_wbuf_len(&w) / 2];
            kr_wbuf_init(&w, s->buf, sizeof(s->buf));
        }
        kr_wbuf_varlong(&w, s->v64[j]);
    }
    t->bytes += kr_wbuf_len(&w);
}

static void free_run(void *st) { free(st); }

/* ---- record encoding ---- */

#define APPEND_BATCH (1u << 20)

typedef struct append_state {
    kr_bench_pool_t pool;
    uint8_t *mem;
    size_t next;
} append_state_t;

static int append_setup(void **st, const void *param)
{
    const size_t *record_size = param;
    append_state_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->mem = malloc(APPEND_BATCH);
    int rc = s->mem ? kr_bench_pool_init(&s->pool, KR_BENCH_POOL_RECORDS, *record_size) : -ENOMEM;
    if (rc != 0) {
        free(s->mem);
        free(s);
        return rc;
    }
    *st = s;
    return 0;
}

/*
 * kr_batch_append of pool records (with their 6-byte keys) into a 1 MiB batch, opened
 * again when full: the encoding kr_produce() does per record, without the engine.
 */
static void append_run(void *st, uint64_t n, kr_bench_tally_t *t)
{
    append_state_t *s = st;
    kr_batch_builder_t b;
    int64_t ts = 1735689600000LL;
    kr_batch_open(&b, s->mem, APPEND_BATCH, ts);
    for (uint64_t i = 0; i < n; i++) {
        const kr_bench_rec_t *r = &s->pool.recs[s->next];
        s->next = s->next + 1 == s->pool.cnt ? 0 : s->next + 1;
        int rc = kr_batch_append(&b, ts + (int64_t)(i & 1023), r->key, r->key_len, r->value,
                                 r->value_len, NULL, 0);
        if (rc == KR_EBATCHFULL) {
            t->sink += b.count;
            kr_batch_open(&b, s->mem, APPEND_BATCH, ts);
            rc = kr_batch_append(&b, ts, r->key, r->key_len, r->value, r->value_len, NULL, 0);
        }
        if (rc != 0) {
            t->failed = 1;
            snprintf(t->msg, sizeof(t->msg), "kr_batch_append: %d", rc);
            return;
        }
        t->bytes += r->value_len + r->key_len;
    }
    t->records += n;
    t->sink += b.count;
}

static void append_teardown(void *st)
{
    append_state_t *s = st;
    kr_bench_pool_free(&s->pool);
    free(s->mem);
    free(s);
}

/* ---- CRC-32C ---- */

typedef struct crc_param {
    size_t len;
    int hw;
} crc_param_t;

typedef struct crc_state {
    crc_param_t p;
    uint8_t *buf;
} crc_state_t;

static int crc_setup(void **st, const void *param)
{
    const crc_param_t *p = param;
    if (p->hw && !kr_crc32c_hw_available())
        return -ENOTSUP;
    crc_state_t *s = malloc(sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->p = *p;
    s->buf = malloc(p->len);
    if (s->buf == NULL) {
        free(s);
        return -ENOMEM;
    }
    for (size_t i = 0; i < p->len; i++)
        s->buf[i] = (uint8_t)(i * 131 + (i >> 8));
    *st = s;
    return 0;
}

static void crc_run(void *st, uint64_t n, kr_bench_tally_t *t)
{
    crc_state_t *s = st;
    uint32_t crc = 0;
    for (uint64_t i = 0; i < n; i++)
        crc = s->p.hw ? kr_crc32c_hw(crc, s->buf, s->p.len) : kr_crc32c_sw(crc, s->buf, s->p.len);
    t->bytes += n * s->p.len;
    t->sink += crc;
    if (kr_crc32c_hw_available() && kr_crc32c_hw(0, "123456789", 9) != 0xE3069283u) {
        t->failed = 1;
        snprintf(t->msg, sizeof(t->msg), "CRC-32C test vector");
    }
}

static void crc_teardown(void *st)
{
    crc_state_t *s = st;
    free(s->buf);
    free(s);
}

/* ---- murmur2 ---- */

typedef struct murmur_state {
    size_t len;
    char keys[1024][64];
} murmur_state_t;

static int murmur_setup(void **st, const void *param)
{
    const size_t *len = param;
    murmur_state_t *s = malloc(sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->len = *len;
    for (int i = 0; i < 1024; i++)
        for (size_t j = 0; j < sizeof(s->keys[0]); j++)
            s->keys[i][j] = "0123456789abcdef"[(i * 7 + j * 13 + (i >> 3)) & 15];
    *st = s;
    return 0;
}

static void murmur_run(void *st, uint64_t n, kr_bench_tally_t *t)
{
    murmur_state_t *s = st;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += (uint64_t)kr_partition_for_key(s->keys[i & 1023], s->len, 12);
    t->bytes += n * s->len;
    t->sink += acc;
    /* Java's Utils.murmur2("21") == -973932308 (a test vector from the Kafka tests). */
    if (kr_murmur2("21", 2) != -973932308) {
        t->failed = 1;
        snprintf(t->msg, sizeof(t->msg), "murmur2 test vector");
    }
}

static const size_t natural = 0, small = 100, key6 = 6, key36 = 36;
static const crc_param_t crc_hw_1k = {1024, 1}, crc_hw_64k = {65536, 1}, crc_sw_1k = {1024, 0},
                         crc_sw_64k = {65536, 0};

const kr_bench_case_t kr_bench_proto_cases[] = {
    {"varint_encode", "proto", varint_setup, varint_run, free_run, NULL},
    {"varlong_encode", "proto", varint_setup, varlong_run, free_run, NULL},
    {"record_append_flight", "proto", append_setup, append_run, append_teardown, &natural},
    {"record_append_100B", "proto", append_setup, append_run, append_teardown, &small},
    {"crc32c_hw_1KiB", "crc", crc_setup, crc_run, crc_teardown, &crc_hw_1k},
    {"crc32c_hw_64KiB", "crc", crc_setup, crc_run, crc_teardown, &crc_hw_64k},
    {"crc32c_sw_1KiB", "crc", crc_setup, crc_run, crc_teardown, &crc_sw_1k},
    {"crc32c_sw_64KiB", "crc", crc_setup, crc_run, crc_teardown, &crc_sw_64k},
    {"murmur2_6B", "proto", murmur_setup, murmur_run, free_run, &key6},
    {"murmur2_36B", "proto", murmur_setup, murmur_run, free_run, &key36},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
