/*
 * LZ4 batch close, and its bound. For each size, batches of flight events are built once
 * (records sections of about 16 KiB .. 1 MiB), at least 8 and at least 4 MiB of them, from
 * consecutive stretches of the event pool, and the runs cycle through them: compressing
 * one block over and over lets the CPU's branch predictors learn it, and flatters LZ4
 * by up to 2x on this machine. Then
 *   batch_close_lz4_<size>  closes it: the RecordBatch header, the LZ4 frame (64 KB
 *                           independent blocks, as the Java client writes) into a
 *                           scratch buffer, and the CRC-32C: what the engine does per
 *                           batch (the engine then copies the compressed bytes back
 *                           over its slot; that memcpy is not in this case)
 *   lz4_bound_<size>        liblz4 alone on the same records section, the same 64 KB
 *                           blocks (LZ4_compress_fast_extState, acceleration 1, into a
 *                           buffer of LZ4_compressBound bytes): no frame, no header, no
 *                           CRC. What kring cannot go below.
 *   batch_close_none_<size> the uncompressed close: header and CRC-32C in place.
 *   lz4_bound_256KiB_accelN liblz4 with acceleration N (kring uses 1): what a faster LZ4
 *                           setting would buy, for the engine's choice; any acceleration
 *                           writes a valid frame the broker accepts, with a lower ratio.
 *   batch_close_zstd_<size>[_lvlN] the ZSTD close (kr_batch_close_zstd: one zstd frame at
 *                           level N, default 3, through a static context sized at setup,
 *                           header and CRC-32C): the engine's per-batch work with
 *                           compression.type=zstd, beside LZ4 on the same batches.
 * MB/s counts the uncompressed records section; records/s, the records in the batch.
 */
#include <errno.h>
#include <lz4.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_batch.h"
#include "kr_bench_case.h"

typedef enum lz4_mode { MODE_CLOSE_LZ4, MODE_BOUND, MODE_CLOSE_NONE, MODE_CLOSE_ZSTD } lz4_mode_t;

typedef struct lz4_param {
    size_t records_bytes;
    lz4_mode_t mode;
    int accel; /* liblz4's acceleration for the bound; 0 means 1; the zstd level */
} lz4_param_t;

#define LZ4_BATCHES_MAX 256
#define LZ4_SET_BYTES (4u << 20)

typedef struct lz4_state {
    lz4_param_t p;
    /* Open batches full of records; each is copied before a close. */
    kr_batch_builder_t built[LZ4_BATCHES_MAX];
    size_t cnt;
    size_t next;
    uint8_t *mem;
    uint8_t *dst;
    size_t dst_cap;
    void *ws_mem;
    kr_lz4_ws_t *ws;
    void *zws_mem;
    kr_zstd_cws_t *zws;
    size_t out_len; /* compressed size of the last close, for the ratio */
} lz4_state_t;

static void lz4_teardown(void *st)
{
    lz4_state_t *s = st;
    free(s->mem);
    free(s->dst);
    free(s->ws_mem);
    free(s->zws_mem);
    free(s);
}

/* How many batches of this size the case cycles through. */
static size_t lz4_batch_cnt(size_t records_bytes)
{
    size_t n = LZ4_SET_BYTES / records_bytes;
    return n < 8 ? 8 : n > LZ4_BATCHES_MAX ? LZ4_BATCHES_MAX : n;
}

/* Fills each batch with records_bytes of records, the pool's events in order. */
static int lz4_fill(lz4_state_t *s)
{
    kr_bench_pool_t pool;
    int rc = kr_bench_pool_init(&pool, KR_BENCH_POOL_RECORDS, 0);
    if (rc != 0)
        return rc;
    int64_t ts = 1735689600000LL;
    size_t slot = KR_RB_HEADER_SIZE + s->p.records_bytes, next = 0;
    for (size_t k = 0; k < s->cnt && rc == 0; k++) {
        kr_batch_builder_t *b = &s->built[k];
        kr_batch_open(b, s->mem + k * slot, slot, ts);
        for (;; next++) {
            const kr_bench_rec_t *r = &pool.recs[next % pool.cnt];
            if (kr_batch_append(b, ts + (int64_t)next / 64, r->key, r->key_len, r->value,
                                r->value_len, NULL, 0) != 0)
                break;
        }
        rc = kr_batch_count(b) > 0 ? 0 : KR_ERANGE;
    }
    kr_bench_pool_free(&pool);
    return rc;
}

static int lz4_setup(void **st, const void *param)
{
    const lz4_param_t *p = param;
    lz4_state_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->p = *p;
    s->cnt = lz4_batch_cnt(p->records_bytes);
    s->mem = malloc(s->cnt * (KR_RB_HEADER_SIZE + p->records_bytes));
    s->dst_cap = kr_batch_bound(p->records_bytes, KR_CODEC_LZ4);
    s->dst = malloc(s->dst_cap);
    s->ws_mem = aligned_alloc(64, (kr_lz4_ws_size() + 63) & ~(size_t)63);
    if (s->mem == NULL || s->dst == NULL || s->ws_mem == NULL) {
        lz4_teardown(s);
        return -ENOMEM;
    }
    s->ws = kr_lz4_ws_init(s->ws_mem, kr_lz4_ws_size());
    if (p->mode == MODE_CLOSE_ZSTD) {
        size_t zn = kr_zstd_cws_size(p->accel, p->records_bytes);
        s->zws_mem = aligned_alloc(64, (zn + 63) & ~(size_t)63);
        s->zws = s->zws_mem != NULL ? kr_zstd_cws_init(s->zws_mem, zn, p->accel, p->records_bytes)
                                    : NULL;
        s->dst_cap = kr_batch_bound(p->records_bytes, KR_CODEC_ZSTD);
        free(s->dst);
        s->dst = malloc(s->dst_cap);
    }
    bool ok = s->ws != NULL && s->dst != NULL && (p->mode != MODE_CLOSE_ZSTD || s->zws);
    int rc = ok ? lz4_fill(s) : KR_ECODEC;
    if (rc != 0) {
        lz4_teardown(s);
        return rc;
    }
    *st = s;
    return 0;
}

static void lz4_close_run(void *st, uint64_t n, kr_bench_tally_t *t)
{
    lz4_state_t *s = st;
    int codec = s->p.mode == MODE_CLOSE_LZ4 ? KR_CODEC_LZ4 : KR_CODEC_NONE;
    for (uint64_t i = 0; i < n; i++) {
        kr_batch_builder_t b = s->built[s->next];
        s->next = s->next + 1 == s->cnt ? 0 : s->next + 1;
        int rc = s->p.mode == MODE_CLOSE_ZSTD
                     ? kr_batch_close_zstd(&b, NULL, s->zws, s->dst, s->dst_cap)
                     : kr_batch_close(&b, codec, NULL, s->ws, s->dst, s->dst_cap);
        if (rc != 0) {
            t->failed = 1;
            snprintf(t->msg, sizeof(t->msg), "kr_batch_close: %d", rc);
            return;
        }
        s->out_len = b.out_len;
        t->sink += b.out[b.out_len - 5];
        if (s->p.mode != MODE_CLOSE_NONE) {
            t->ratio_in += kr_batch_records_len(&b);
            t->ratio_out += b.out_len;
        }
        t->bytes += kr_batch_records_len(&b);
        t->records += (uint64_t)kr_batch_count(&b);
    }
}

static void lz4_bound_run(void *st, uint64_t n, kr_bench_tally_t *t)
{
    lz4_state_t *s = st;
    for (uint64_t i = 0; i < n; i++) {
        const kr_batch_builder_t *b = &s->built[s->next];
        s->next = s->next + 1 == s->cnt ? 0 : s->next + 1;
        const char *src = (const char *)b->base + KR_RB_HEADER_SIZE;
        size_t len = kr_batch_records_len(b);
        char *d = (char *)s->dst;
        for (size_t off = 0; off < len; off += KR_LZ4_BLOCK_SIZE) {
            int m = (int)(len - off < KR_LZ4_BLOCK_SIZE ? len - off : KR_LZ4_BLOCK_SIZE);
            int c = LZ4_compress_fast_extState(s->ws, src + off, d, m, LZ4_compressBound(m),
                                               s->p.accel > 0 ? s->p.accel : 1);
            if (c <= 0) {
                t->failed = 1;
                snprintf(t->msg, sizeof(t->msg), "LZ4_compress_fast_extState failed");
                return;
            }
            d += c;
        }
        s->out_len = (size_t)(d - (char *)s->dst);
        t->sink += (uint8_t)s->dst[s->out_len / 2];
        t->ratio_in += len;
        t->ratio_out += s->out_len;
        t->bytes += len;
        t->records += (uint64_t)kr_batch_count(b);
    }
}

#define P(kib, mode) (&(const lz4_param_t){(size_t)(kib)*1024, mode, 1})
#define PA(accel) (&(const lz4_param_t){256 * 1024, MODE_BOUND, accel})
#define PZ(kib, level) (&(const lz4_param_t){(size_t)(kib)*1024, MODE_CLOSE_ZSTD, level})

const kr_bench_case_t kr_bench_lz4_cases[] = {
    {"batch_close_lz4_16KiB", "lz4", lz4_setup, lz4_close_run, lz4_teardown, P(16, MODE_CLOSE_LZ4)},
    {"lz4_bound_16KiB", "lz4", lz4_setup, lz4_bound_run, lz4_teardown, P(16, MODE_BOUND)},
    {"batch_close_lz4_64KiB", "lz4", lz4_setup, lz4_close_run, lz4_teardown, P(64, MODE_CLOSE_LZ4)},
    {"lz4_bound_64KiB", "lz4", lz4_setup, lz4_bound_run, lz4_teardown, P(64, MODE_BOUND)},
    {"batch_close_lz4_256KiB", "lz4", lz4_setup, lz4_close_run, lz4_teardown,
     P(256, MODE_CLOSE_LZ4)},
    {"lz4_bound_256KiB", "lz4", lz4_setup, lz4_bound_run, lz4_teardown, P(256, MODE_BOUND)},
    {"batch_close_lz4_1MiB", "lz4", lz4_setup, lz4_close_run, lz4_teardown,
     P(1024, MODE_CLOSE_LZ4)},
    {"lz4_bound_1MiB", "lz4", lz4_setup, lz4_bound_run, lz4_teardown, P(1024, MODE_BOUND)},
    {"batch_close_none_256KiB", "lz4", lz4_setup, lz4_close_run, lz4_teardown,
     P(256, MODE_CLOSE_NONE)},
    {"lz4_bound_256KiB_accel2", "lz4", lz4_setup, lz4_bound_run, lz4_teardown, PA(2)},
    {"lz4_bound_256KiB_accel4", "lz4", lz4_setup, lz4_bound_run, lz4_teardown, PA(4)},
    {"lz4_bound_256KiB_accel8", "lz4", lz4_setup, lz4_bound_run, lz4_teardown, PA(8)},
    {"batch_close_zstd_64KiB", "lz4", lz4_setup, lz4_close_run, lz4_teardown, PZ(64, 3)},
    {"batch_close_zstd_256KiB", "lz4", lz4_setup, lz4_close_run, lz4_teardown, PZ(256, 3)},
    {"batch_close_zstd_1MiB", "lz4", lz4_setup, lz4_close_run, lz4_teardown, PZ(1024, 3)},
    {"batch_close_zstd_256KiB_lvl1", "lz4", lz4_setup, lz4_close_run, lz4_teardown, PZ(256, 1)},
    {"batch_close_zstd_256KiB_lvl-3", "lz4", lz4_setup, lz4_close_run, lz4_teardown, PZ(256, -3)},
    {"batch_close_zstd_256KiB_lvl9", "lz4", lz4_setup, lz4_close_run, lz4_teardown, PZ(256, 9)},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
