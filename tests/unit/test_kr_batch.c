/*
 * RecordBatch v2: a hand-built golden batch, LZ4 frames checked with liblz4's own frame
 * decoder, round trips, capacity boundaries, re-stamping, and a reader fed truncated
 * and corrupted input (run under ASan+UBSan: "never crashes" is checked by them).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <lz4.h>
#include <lz4frame.h>
#include <xxhash.h>

#include "kr_batch.h"
#include "kr_crc32c.h"

#define BASE_TS 1700000000000LL /* 0x0000018BCFE56800 */
#define OUT_CAP (8u << 20)      /* decompression room for the reader */

/* ---- helpers ---- */

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n != 0 ? n : 1);
    assert_non_null(p);
    return p;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Recomputes a batch's CRC after a test changed it on purpose. */
static void fix_crc(uint8_t *b, size_t len)
{
    put32(b + KR_RB_OF_Crc, kr_crc32c(0, b + KR_RB_OF_Attributes, len - KR_RB_OF_Attributes));
}

/* Builds a batch around an arbitrary records section; returns its size. */
static size_t wrap_batch(uint8_t *out, const void *sect, size_t sect_len, uint16_t attributes,
                         int32_t count)
{
    memset(out, 0, KR_RB_HEADER_SIZE);
    put32(out + KR_RB_OF_BatchLength, (uint32_t)(KR_RB_HEADER_SIZE - 12 + sect_len));
    put32(out + KR_RB_OF_PartitionLeaderEpoch, UINT32_MAX);
    out[KR_RB_OF_Magic] = 2;
    out[KR_RB_OF_Attributes] = (uint8_t)(attributes >> 8);
    out[KR_RB_OF_Attributes + 1] = (uint8_t)attributes;
    put64(out + KR_RB_OF_BaseTimestamp, (uint64_t)BASE_TS);
    put64(out + KR_RB_OF_ProducerId, UINT64_MAX);
    put32(out + KR_RB_OF_RecordsCount, (uint32_t)count);
    if (sect_len > 0)
        memcpy(out + KR_RB_HEADER_SIZE, sect, sect_len);
    fix_crc(out, KR_RB_HEADER_SIZE + sect_len);
    return KR_RB_HEADER_SIZE + sect_len;
}

static void *ws_mem;
static kr_lz4_ws_t *ws;

/* One workspace for the whole run, reused without re-initialisation, as the engine does. */
static kr_lz4_ws_t *ws_get(void)
{
    size_t n = kr_lz4_ws_size();
    if (ws != NULL)
        return ws;
    ws_mem = aligned_alloc(64, (n + 63) & ~(size_t)63);
    assert_non_null(ws_mem);
    assert_null(kr_lz4_ws_init(ws_mem, n - 1));
    assert_null(kr_lz4_ws_init((uint8_t *)ws_mem + 1, n)); /* misaligned */
    ws = kr_lz4_ws_init(ws_mem, n);
    assert_non_null(ws);
    return ws;
}

/* A record as the test appended it. */
typedef struct trec {
    int64_t ts;
    const void *key; /* NULL: null key */
    size_t klen;
    const void *val; /* NULL: null value */
    size_t vlen;
    kr_record_header_t h[3];
    size_t hcnt;
} trec_t;

static int append(kr_batch_builder_t *b, const trec_t *r)
{
    return kr_batch_append(b, r->ts, r->key, r->klen, r->val, r->vlen, r->h, r->hcnt);
}

/* Opens mem[0..cap) and appends every record; each must fit and take its predicted size. */
static void build(kr_batch_builder_t *b, uint8_t *mem, size_t cap, const trec_t *r, size_t n)
{
    kr_batch_open(b, mem, cap, BASE_TS);
    for (size_t i = 0; i < n; i++) {
        size_t want = kr_batch_record_size(b, r[i].ts, r[i].key, r[i].klen, r[i].val, r[i].vlen,
                                           r[i].h, r[i].hcnt);
        size_t before = kr_batch_records_len(b);
        assert_int_equal(append(b, &r[i]), 0);
        assert_int_equal(kr_batch_records_len(b) - before, want);
    }
    assert_int_equal(kr_batch_count(b), (int32_t)n);
}

static void assert_str(kr_str_t s, const void *p, size_t len)
{
    if (p == NULL) {
        assert_int_equal(s.len, -1);
        return;
    }
    assert_int_equal(s.len, (int32_t)len);
    if (len > 0)
        assert_memory_equal(s.ptr, p, len);
}

static void verify_headers(const kr_batch_record_t *rec, const trec_t *r)
{
    assert_int_equal(rec->header_count, (int32_t)r->hcnt);
    kr_record_headers_t hi;
    kr_record_headers_init(&hi, rec);
    kr_str_t k, v;
    for (size_t j = 0; j < r->hcnt; j++) {
        assert_true(kr_record_headers_next(&hi, &k, &v));
        assert_str(k, r->h[j].key, r->h[j].key_len);
        assert_str(v, r->h[j].value, r->h[j].value_len);
    }
    assert_false(kr_record_headers_next(&hi, &k, &v));
}

/* Reads batch[0..len) back and checks it holds exactly r[0..n) with this codec. */
static void verify(const uint8_t *batch, size_t len, const trec_t *r, size_t n, int codec)
{
    static uint8_t out[OUT_CAP];
    kr_batch_info_t bi;
    assert_int_equal(kr_batch_read(&bi, batch, len, out, OUT_CAP, NULL), 0);
    assert_int_equal(bi.size, len);
    assert_int_equal(bi.magic, 2);
    assert_int_equal(bi.attributes & KR_RB_ATTR_CODEC_MASK, codec);
    assert_int_equal(bi.records_count, (int32_t)n);
    assert_int_equal(bi.last_offset_delta, (int32_t)n - 1);
    assert_int_equal(bi.base_timestamp, BASE_TS);
    int64_t max_ts = INT64_MIN;
    kr_batch_iter_t it;
    kr_batch_record_t rec;
    kr_batch_iter_init(&it, &bi);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(kr_batch_iter_next(&it, &rec), 1);
        assert_int_equal(rec.offset_delta, (int32_t)i);
        assert_int_equal(rec.timestamp, r[i].ts);
        assert_str(rec.key, r[i].key, r[i].klen);
        assert_str(rec.value, r[i].val, r[i].vlen);
        verify_headers(&rec, &r[i]);
        max_ts = r[i].ts > max_ts ? r[i].ts : max_ts;
    }
    assert_int_equal(kr_batch_iter_next(&it, &rec), 0);
    assert_int_equal(bi.max_timestamp, max_ts);
}

/* Exactly 300 bytes of JSON-ish text for record i. */
static void json_record(char *buf, int i)
{
    int n = snprintf(buf, 301,
                     "{\"id\":%d,\"user\":\"user-%d\",\"event\":\"page_view\",\"ts\":%lld,"
                     "\"page\":\"/products/%d\",\"ua\":\"Mozilla/5.0 (X11; Linux x86_64)\","
                     "\"amount\":%d.%02d,\"session\":\"%08x\",\"pad\":\"",
                     i, i % 1000, (long long)(BASE_TS + i), i % 500, i % 10000, i % 100,
                     (unsigned)(i * 2654435761u));
    for (; n < 298; n++)
        buf[n] = (char)('a' + (i + n) % 26);
    buf[298] = '"';
    buf[299] = '}';
}

/* n JSON records of 300 bytes, keys "key-<i>", timestamps increasing; storage in *arena. */
static trec_t *json_records(size_t n, char **arena)
{
    trec_t *r = xmalloc(n * sizeof(*r));
    *arena = xmalloc(n * 316);
    for (size_t i = 0; i < n; i++) {
        char *v = *arena + i * 316, *k = v + 300;
        json_record(v, (int)i);
        memset(&r[i], 0, sizeof(r[i]));
        r[i].ts = BASE_TS + (int64_t)i;
        r[i].key = k;
        r[i].klen = (size_t)snprintf(k, 16, "key-%zu", i);
        r[i].val = v;
        r[i].vlen = 300;
    }
    return r;
}

/* Builds r[0..n) and closes it with codec into a fresh buffer; returns it (*len set). */
static uint8_t *build_closed(const trec_t *r, size_t n, int codec, size_t *len)
{
    size_t cap = KR_RB_HEADER_SIZE;
    for (size_t i = 0; i < n; i++)
        cap += 16 + r[i].klen + r[i].vlen + 64;
    uint8_t *mem = xmalloc(cap);
    kr_batch_builder_t b;
    build(&b, mem, cap, r, n);
    size_t dst_cap = kr_batch_bound(kr_batch_records_len(&b), codec);
    uint8_t *dst = xmalloc(dst_cap);
    assert_int_equal(kr_batch_close(&b, codec, NULL, ws_get(), dst, dst_cap), 0);
    assert_true(b.out == (codec == KR_CODEC_NONE ? mem : dst));
    uint8_t *res = xmalloc(b.out_len);
    memcpy(res, b.out, b.out_len);
    *len = b.out_len;
    free(mem);
    free(dst);
    return res;
}

/* ---- golden ---- */

/*
 * Three records, codec none, not idempotent, built by hand from the spec. Varints are
 * zigzag: n >= 0 encodes as 2n, -1 as 0x01. CRC-32C over Attributes..end computed
 * with an independent bit-wise implementation.
 */
static const uint8_t golden[] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* BaseOffset 0 */
    0x00, 0x00, 0x00, 0x59,                         /* BatchLength 89 = 101 - 12 */
    0xff, 0xff, 0xff, 0xff,                         /* PartitionLeaderEpoch -1 */
    0x02,                                           /* Magic 2 */
    0x38, 0xf9, 0x60, 0xc0,                         /* CRC-32C */
    0x00, 0x00,                                     /* Attributes: codec none */
    0x00, 0x00, 0x00, 0x02,                         /* LastOffsetDelta 2 */
    0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, /* BaseTimestamp 1700000000000 */
    0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x05, /* MaxTimestamp base + 5 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* ProducerId -1 */
    0xff, 0xff,                                     /* ProducerEpoch -1 */
    0xff, 0xff, 0xff, 0xff,                         /* BaseSequence -1 */
    0x00, 0x00, 0x00, 0x03,                         /* RecordsCount 3 */
    /* record 0: ts base, key "k1", value "v1", header h1=x */
    0x1e,           /* Length 15 */
    0x00,           /* Attributes */
    0x00,           /* TimestampDelta 0 */
    0x00,           /* OffsetDelta 0 */
    0x04, 'k', '1', /* Key (2) */
    0x04, 'v', '1', /* Value (2) */
    0x02,           /* HeaderCount 1 */
    0x04, 'h', '1', /* HeaderKey (2) */
    0x02, 'x',      /* HeaderValue (1) */
    /* record 1: ts base + 5, null key, value "hello", no headers */
    0x16,                          /* Length 11 */
    0x00,                          /* Attributes */
    0x0a,                          /* TimestampDelta 5 */
    0x02,                          /* OffsetDelta 1 */
    0x01,                          /* Key null (-1) */
    0x0a, 'h', 'e', 'l', 'l', 'o', /* Value (5) */
    0x00,                          /* HeaderCount 0 */
    /* record 2: ts base + 2, key "k3", empty value, header n=null */
    0x16,           /* Length 11 */
    0x00,           /* Attributes */
    0x04,           /* TimestampDelta 2 */
    0x04,           /* OffsetDelta 2 */
    0x04, 'k', '3', /* Key (2) */
    0x00,           /* Value (0): empty, not null */
    0x02,           /* HeaderCount 1 */
    0x02, 'n',      /* HeaderKey (1) */
    0x01,           /* HeaderValue null (-1) */
};

static const trec_t golden_recs[3] = {
    {BASE_TS, "k1", 2, "v1", 2, {{"h1", 2, "x", 1}}, 1},
    {BASE_TS + 5, NULL, 0, "hello", 5, {{0}}, 0},
    {BASE_TS + 2, "k3", 2, "", 0, {{"n", 1, NULL, 0}}, 1},
};

static void test_golden_none(void **state)
{
    (void)state;
    assert_int_equal(sizeof(golden), 101);
    assert_int_equal(kr_crc32c_sw(0, golden + 21, sizeof(golden) - 21), 0x38f960c0u);
    uint8_t mem[256];
    memset(mem, 0xaa, sizeof(mem));
    kr_batch_builder_t b;
    build(&b, mem, sizeof(mem), golden_recs, 3);
    assert_int_equal(kr_batch_records_len(&b), 40);
    assert_int_equal(kr_batch_close(&b, KR_CODEC_NONE, NULL, NULL, NULL, 0), 0);
    assert_ptr_equal(b.out, mem);
    assert_int_equal(b.out_len, sizeof(golden));
    assert_memory_equal(mem, golden, sizeof(golden));
    assert_int_equal(mem[sizeof(golden)], 0xaa);
    verify(golden, sizeof(golden), golden_recs, 3, KR_CODEC_NONE);
}

static void test_golden_read_fields(void **state)
{
    (void)state;
    kr_batch_info_t bi;
    uint8_t twice[2 * sizeof(golden)];
    memcpy(twice, golden, sizeof(golden));
    memcpy(twice + sizeof(golden), golden, sizeof(golden));
    assert_int_equal(kr_batch_read(&bi, twice, sizeof(twice), NULL, 0, NULL), 0);
    assert_int_equal(bi.size, sizeof(golden)); /* the next batch is left alone */
    assert_int_equal(bi.base_offset, 0);
    assert_int_equal(bi.batch_length, 89);
    assert_int_equal(bi.partition_leader_epoch, -1);
    assert_int_equal(bi.crc, 0x38f960c0u);
    assert_int_equal(bi.attributes, 0);
    assert_int_equal(bi.max_timestamp, BASE_TS + 5);
    assert_int_equal(bi.producer_id, -1);
    assert_int_equal(bi.producer_epoch, -1);
    assert_int_equal(bi.base_sequence, -1);
    assert_ptr_equal(bi.records, twice + 61);
    assert_int_equal(bi.records_len, 40);
}

/* Producer fields and the transactional bit land where the spec puts them. */
static void test_producer_fields(void **state)
{
    (void)state;
    uint8_t mem[256];
    kr_batch_builder_t b;
    build(&b, mem, sizeof(mem), golden_recs, 3);
    kr_batch_producer_t pr = {0x0102030405060708LL, 0x0a0b, 0x11223344, true};
    assert_int_equal(kr_batch_close(&b, KR_CODEC_NONE, &pr, NULL, NULL, 0), 0);
    const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x11, 0x22, 0x33, 0x44};
    assert_memory_equal(mem + KR_RB_OF_ProducerId, want, sizeof(want));
    assert_int_equal(mem[KR_RB_OF_Attributes + 1], KR_RB_ATTR_TRANSACTIONAL);
    kr_batch_info_t bi;
    assert_int_equal(kr_batch_read(&bi, mem, b.out_len, NULL, 0, NULL), 0);
    assert_int_equal(bi.producer_id, 0x0102030405060708LL);
    assert_int_equal(bi.producer_epoch, 0x0a0b);
    assert_int_equal(bi.base_sequence, 0x11223344);
}

/* ---- LZ4 ---- */

/* Decompresses a whole frame with liblz4's frame API; returns the decoded size. */
static size_t lz4f_decode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap)
{
    LZ4F_dctx *d = NULL;
    assert_false(LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)));
    size_t produced = 0, consumed = 0, hint = 1;
    while (consumed < len && hint != 0) {
        size_t dn = cap - produced, sn = len - consumed;
        hint = LZ4F_decompress(d, dst + produced, &dn, src + consumed, &sn, NULL);
        assert_false(LZ4F_isError(hint));
        produced += dn;
        consumed += sn;
    }
    assert_int_equal(hint, 0); /* frame complete */
    assert_int_equal(consumed, len);
    LZ4F_freeDecompressionContext(d);
    return produced;
}

/* Walks the blocks by hand: each must decode alone (independent blocks). */
static size_t lz4_blocks_decode_alone(const uint8_t *f, size_t len, uint8_t *dst, size_t cap)
{
    size_t pos = 7, out = 0;
    for (;;) {
        assert_true(pos + 4 <= len);
        uint32_t w = (uint32_t)f[pos] | ((uint32_t)f[pos + 1] << 8) | ((uint32_t)f[pos + 2] << 16) |
                     ((uint32_t)f[pos + 3] << 24);
        pos += 4;
        if (w == 0)
            break;
        size_t n = w & 0x7fffffff;
        assert_true(pos + n <= len);
        if (w & 0x80000000u) {
            memcpy(dst + out, f + pos, n);
            out += n;
        } else {
            int d = LZ4_decompress_safe((const char *)f + pos, (char *)dst + out, (int)n,
                                        (int)(cap - out));
            assert_true(d > 0 && d <= 65536);
            out += (size_t)d;
        }
        pos += n;
    }
    assert_int_equal(pos, len);
    return out;
}

/*
 * A reused workspace keeps no state between batches: small and large batches in turn,
 * each frame decoded block by block with no dictionary and compared with the records.
 */
static void test_lz4_ws_reuse(void **state)
{
    (void)state;
    char *arena;
    size_t total = 600;
    trec_t *r = json_records(total, &arena);
    uint8_t *dec = xmalloc(total * 400);
    for (int round = 0; round < 300; round++) {
        size_t n = round % 10 == 9 ? 250 + rng() % 350 : 1 + rng() % 20;
        size_t first = rng() % (total - n + 1), none_len, lz4_len;
        uint8_t *none = build_closed(r + first, n, KR_CODEC_NONE, &none_len);
        uint8_t *lz4 = build_closed(r + first, n, KR_CODEC_LZ4, &lz4_len);
        size_t got = lz4_blocks_decode_alone(lz4 + 61, lz4_len - 61, dec, total * 400);
        assert_int_equal(got, none_len - 61);
        assert_memory_equal(dec, none + 61, got);
        free(none);
        free(lz4);
    }
    free(dec);
    free(r);
    free(arena);
}

/* The LZ4 batch's frame is what liblz4 decodes to the uncompressed records section. */
static void test_lz4_frame_is_standard(void **state)
{
    (void)state;
    char *arena;
    size_t n = 5000, none_len, lz4_len;
    trec_t *r = json_records(n, &arena);
    uint8_t *none = build_closed(r, n, KR_CODEC_NONE, &none_len);
    uint8_t *lz4 = build_closed(r, n, KR_CODEC_LZ4, &lz4_len);
    const uint8_t *frame = lz4 + KR_RB_HEADER_SIZE;
    size_t frame_len = lz4_len - KR_RB_HEADER_SIZE, records_len = none_len - 61;
    const uint8_t hdr[6] = {0x04, 0x22, 0x4d, 0x18, 0x60, 0x40};
    assert_memory_equal(frame, hdr, 6);
    assert_int_equal(frame[6], (uint8_t)(XXH32(frame + 4, 2, 0) >> 8));
    uint8_t *dec = xmalloc(records_len + 65536);
    assert_int_equal(lz4f_decode(frame, frame_len, dec, records_len + 65536), records_len);
    assert_memory_equal(dec, none + 61, records_len);
    memset(dec, 0, records_len);
    assert_int_equal(lz4_blocks_decode_alone(frame, frame_len, dec, records_len), records_len);
    assert_memory_equal(dec, none + 61, records_len);
    /* Header fields other than length, attributes and CRC match the uncompressed batch. */
    assert_memory_equal(lz4 + 23, none + 23, 61 - 23);
    assert_int_equal(lz4[22], KR_CODEC_LZ4);
    assert_true(frame_len < records_len / 2);
    verify(lz4, lz4_len, r, n, KR_CODEC_LZ4);
    verify(none, none_len, r, n, KR_CODEC_NONE);
    free(dec);
    free(none);
    free(lz4);
    free(r);
    free(arena);
}

/* Random records: null and empty keys and values, headers, any timestamps. */
static trec_t *random_records(size_t n, uint8_t **arena)
{
    trec_t *r = xmalloc(n * sizeof(*r));
    *arena = xmalloc(n * 1024);
    for (size_t i = 0; i < n; i++) {
        uint8_t *m = *arena + i * 1024;
        for (size_t j = 0; j < 1024; j++)
            m[j] = (uint8_t)(rng() % 4 == 0 ? rng() : 'a' + j % 7);
        memset(&r[i], 0, sizeof(r[i]));
        r[i].ts = BASE_TS + (int64_t)(rng() % 2000000) - 1000000;
        r[i].klen = rng() % 70;
        r[i].key = rng() % 5 == 0 ? NULL : m;
        r[i].vlen = rng() % 600;
        r[i].val = rng() % 7 == 0 ? NULL : m + 80;
        r[i].hcnt = rng() % 4;
        for (size_t h = 0; h < r[i].hcnt; h++) {
            r[i].h[h].key = (const char *)m + 700 + 100 * h;
            r[i].h[h].key_len = rng() % 20;
            r[i].h[h].value = rng() % 3 == 0 ? NULL : m + 720 + 100 * h;
            r[i].h[h].value_len = rng() % 70;
        }
    }
    return r;
}

static void test_round_trip_random(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 17, 300, 2000};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        uint8_t *arena;
        trec_t *r = random_records(sizes[k], &arena);
        for (int codec = 0; codec <= KR_CODEC_LZ4; codec += KR_CODEC_LZ4) {
            size_t len;
            uint8_t *batch = build_closed(r, sizes[k], codec, &len);
            verify(batch, len, r, sizes[k], codec);
            free(batch);
        }
        free(r);
        free(arena);
    }
}

/* One record with a 1 MiB value: text (compresses) and random bytes (stored blocks). */
static void test_one_mib_value(void **state)
{
    (void)state;
    size_t vlen = 1 << 20;
    uint8_t *v = xmalloc(vlen);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < vlen; i++)
            v[i] = pass == 0 ? (uint8_t)("lorem ipsum dolor sit amet "[i % 27]) : (uint8_t)rng();
        trec_t r = {BASE_TS, "big", 3, v, vlen, {{"h", 1, "v", 1}}, 1};
        for (int codec = 0; codec <= KR_CODEC_LZ4; codec += KR_CODEC_LZ4) {
            size_t len;
            uint8_t *batch = build_closed(&r, 1, codec, &len);
            verify(batch, len, &r, 1, codec);
            if (codec == KR_CODEC_LZ4 && pass == 1) /* 16 raw blocks: +4 bytes each */
                assert_int_equal(len, 61 + 7 + 4 + (vlen + 20) + 17 * 4);
            free(batch);
        }
    }
    free(v);
}

/* 5,000 records of 300-byte JSON, both codecs. */
static void test_many_small_records(void **state)
{
    (void)state;
    char *arena;
    size_t n = 5000;
    trec_t *r = json_records(n, &arena);
    for (int codec = 0; codec <= KR_CODEC_LZ4; codec += KR_CODEC_LZ4) {
        size_t len;
        uint8_t *batch = build_closed(r, n, codec, &len);
        verify(batch, len, r, n, codec);
        free(batch);
    }
    free(r);
    free(arena);
}

/* ---- capacity ---- */

/* KR_EBATCHFULL exactly where kr_batch_record_size() says, leaving the batch intact. */
static void test_batch_full_boundary(void **state)
{
    (void)state;
    uint8_t *arena;
    trec_t *r = random_records(40, &arena);
    uint8_t *mem = xmalloc(65536);
    kr_batch_builder_t b;
    build(&b, mem, 65536, r, 40); /* sizes as they come out in sequence */
    size_t need = KR_RB_HEADER_SIZE + kr_batch_records_len(&b);
    for (size_t slack = 0; slack <= 1; slack++) {
        size_t cap = need - slack;
        memset(mem, 0xaa, 65536);
        kr_batch_open(&b, mem, cap, BASE_TS);
        for (size_t i = 0; i < 39; i++)
            assert_int_equal(append(&b, &r[i]), 0);
        size_t pos = kr_batch_records_len(&b);
        size_t last = kr_batch_record_size(&b, r[39].ts, r[39].key, r[39].klen, r[39].val,
                                           r[39].vlen, r[39].h, r[39].hcnt);
        assert_int_equal(kr_batch_space(&b), last - slack);
        assert_int_equal(append(&b, &r[39]), slack == 0 ? 0 : KR_EBATCHFULL);
        if (slack == 0) {
            assert_int_equal(kr_batch_space(&b), 0);
            trec_t tiny = {BASE_TS, NULL, 0, NULL, 0, {{0}}, 0};
            assert_int_equal(append(&b, &tiny), KR_EBATCHFULL);
            assert_int_equal(kr_batch_count(&b), 40);
            continue;
        }
        assert_int_equal(kr_batch_count(&b), 39);
        assert_int_equal(kr_batch_records_len(&b), pos);
        for (size_t i = 61 + pos; i < cap; i++)
            assert_int_equal(mem[i], 0xaa); /* nothing written past the last record */
        assert_int_equal(kr_batch_close(&b, KR_CODEC_NONE, NULL, NULL, NULL, 0), 0);
        verify(b.out, b.out_len, r, 39, KR_CODEC_NONE);
    }
    /* Absurd lengths do not wrap the size computation: they just never fit. */
    kr_batch_open(&b, mem, 65536, BASE_TS);
    assert_int_equal(kr_batch_append(&b, BASE_TS, "k", SIZE_MAX, "v", 1, NULL, 0), KR_EBATCHFULL);
    assert_int_equal(kr_batch_append(&b, BASE_TS, "k", 1, "v", SIZE_MAX - 5, NULL, 0),
                     KR_EBATCHFULL);
    kr_record_header_t huge = {"h", 1, "v", SIZE_MAX};
    assert_int_equal(kr_batch_append(&b, BASE_TS, NULL, 0, NULL, 0, &huge, 1), KR_EBATCHFULL);
    assert_int_equal(kr_batch_count(&b), 0);
    free(mem);
    free(r);
    free(arena);
}

/* Sizes across varint width changes: lengths 63/64, 8191/8192, far timestamps. */
static void test_record_size_varint_edges(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 57, 58, 63, 64, 65, 8184, 8191, 8192, 8200, 1048575};
    static const int64_t deltas[] = {0, -1, 63, 64, -65, 1LL << 40, -(1LL << 40)};
    uint8_t *blob = xmalloc(1 << 20);
    memset(blob, 'z', 1 << 20);
    size_t cap = (5 << 20) + 4096;
    uint8_t *mem = xmalloc(cap);
    trec_t r[3];
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        for (size_t t = 0; t < sizeof(deltas) / sizeof(deltas[0]); t++) {
            memset(r, 0, sizeof(r));
            for (int k = 0; k < 3; k++) {
                r[k].ts = BASE_TS + deltas[t];
                r[k].key = blob;
                r[k].klen = k == 0 ? lens[i] : 3;
                r[k].val = blob;
                r[k].vlen = k == 1 ? lens[i] : 5;
                r[k].hcnt = k == 2;
                r[k].h[0] = (kr_record_header_t){(const char *)blob, lens[i], blob, lens[i]};
            }
            kr_batch_builder_t b;
            build(&b, mem, cap, r, 3); /* checks every predicted size */
            assert_int_equal(kr_batch_close(&b, KR_CODEC_NONE, NULL, NULL, NULL, 0), 0);
            verify(b.out, b.out_len, r, 3, KR_CODEC_NONE);
        }
    }
    free(mem);
    free(blob);
}

/* A slot opened with kr_batch_lz4_inplace_cap() takes its own LZ4 form back. */
static void test_lz4_inplace_cap(void **state)
{
    (void)state;
    static const size_t slots[] = {80, 200, 1000, 65536 + 76, 65536 + 77, 70000, 200000, 1 << 20};
    for (size_t s = 0; s < sizeof(slots) / sizeof(slots[0]); s++) {
        size_t slot = slots[s], cap = kr_batch_lz4_inplace_cap(slot);
        assert_true(cap >= 61 && cap <= slot);
        size_t n = cap - 61;
        assert_true(n == 0 || 72 + n + 4 * ((n + 65535) / 65536) <= slot);
        n++;
        assert_true(72 + n + 4 * ((n + 65535) / 65536) > slot); /* and it is the largest */
        if (cap == 61)
            continue;
        uint8_t *mem = xmalloc(slot);
        kr_batch_builder_t b;
        kr_batch_open(&b, mem, cap, BASE_TS);
        uint8_t junk[3000];
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (uint8_t)rng();
        size_t vlen = 2000;
        while (vlen > 0) { /* fill with incompressible records until nothing fits */
            if (kr_batch_append(&b, BASE_TS, NULL, 0, junk, vlen, NULL, 0) == KR_EBATCHFULL)
                vlen /= 2;
        }
        if (kr_batch_count(&b) == 0) { /* a slot too small for any record */
            assert_true(slot < 100);
            free(mem);
            continue;
        }
        size_t scratch_cap = kr_batch_bound(kr_batch_records_len(&b), KR_CODEC_LZ4);
        uint8_t *scratch = xmalloc(scratch_cap);
        assert_int_equal(kr_batch_close(&b, KR_CODEC_LZ4, NULL, ws_get(), scratch, scratch_cap), 0);
        assert_true(b.out_len <= slot);
        memcpy(mem, b.out, b.out_len); /* the engine's copy back */
        kr_batch_info_t bi;
        uint8_t *out = xmalloc(slot);
        assert_int_equal(kr_batch_read(&bi, mem, b.out_len, out, slot, NULL), 0);
        free(out);
        free(scratch);
        free(mem);
    }
}

/* Too small a dst: KR_ENOSPC and the builder can close again; the tight bound works. */
static void test_lz4_close_enospc(void **state)
{
    (void)state;
    uint8_t *arena;
    trec_t *r = random_records(300, &arena);
    size_t cap = 1 << 20;
    uint8_t *mem = xmalloc(cap), *dst = xmalloc(cap);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; pass == 1 && i < 300; i++) { /* pass 1: incompressible values */
            for (size_t j = 0; j < r[i].vlen && r[i].val != NULL; j++)
                ((uint8_t *)r[i].val)[j] = (uint8_t)rng();
        }
        kr_batch_builder_t b;
        build(&b, mem, cap, r, 300);
        size_t n = kr_batch_records_len(&b);
        size_t tight = 61 + 11 + n + 4 * ((n + 65535) / 65536);
        assert_true(n > 65536);
        size_t small[] = {0, 10, 61, 61 + 10, 61 + 11, 61 + 200, n / 4};
        for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
            int rc = kr_batch_close(&b, KR_CODEC_LZ4, NULL, ws_get(), dst, small[i]);
            assert_int_equal(rc, KR_ENOSPC);
            assert_false(b.closed);
        }
        assert_int_equal(kr_batch_close(&b, KR_CODEC_LZ4, NULL, ws_get(), dst, tight), 0);
        verify(b.out, b.out_len, r, 300, KR_CODEC_LZ4);
        size_t exact = b.out_len;
        build(&b, mem, cap, r, 300);
        assert_int_equal(kr_batch_close(&b, KR_CODEC_LZ4, NULL, ws_get(), dst, exact - 1),
                         KR_ENOSPC);
        assert_int_equal(kr_batch_close(&b, KR_CODEC_LZ4, NULL, ws_get(), dst, exact), 0);
        assert_int_equal(b.out_len, exact);
        verify(b.out, b.out_len, r, 300, KR_CODEC_LZ4);
    }
    free(mem);
    free(dst);
    free(r);
    free(arena);
}

/* ---- re-stamp ---- */

static void restamp_check(uint8_t *batch, size_t len)
{
    kr_batch_restamp(batch, len, 2000, 7, 12345);
    kr_batch_info_t bi;
    uint8_t *out = xmalloc(OUT_CAP);
    assert_int_equal(kr_batch_read(&bi, batch, len, out, OUT_CAP, NULL), 0); /* CRC verifies */
    assert_int_equal(bi.producer_id, 2000);
    assert_int_equal(bi.producer_epoch, 7);
    assert_int_equal(bi.base_sequence, 12345);
    assert_int_equal(get32(batch + KR_RB_OF_Crc), kr_crc32c_sw(0, batch + 21, len - 21));
    kr_batch_restamp(batch, len, INT64_MAX, INT16_MIN, 0);
    assert_int_equal(kr_batch_read(&bi, batch, len, out, OUT_CAP, NULL), 0);
    assert_int_equal(bi.producer_id, INT64_MAX);
    assert_int_equal(bi.producer_epoch, INT16_MIN);
    free(out);
}

static void test_restamp(void **state)
{
    (void)state;
    char *arena;
    size_t n = 1000;
    trec_t *r = json_records(n, &arena);
    for (int codec = 0; codec <= KR_CODEC_LZ4; codec += KR_CODEC_LZ4) {
        for (size_t cnt = 1; cnt <= n; cnt += 999) {
            size_t len;
            uint8_t *batch = build_closed(r, cnt, codec, &len);
            uint8_t *orig = xmalloc(len);
            memcpy(orig, batch, len);
            restamp_check(batch, len);
            kr_batch_restamp(batch, len, -1, -1, -1); /* back to not idempotent */
            assert_memory_equal(batch, orig, len);
            free(orig);
            free(batch);
        }
    }
    uint8_t g[sizeof(golden)];
    memcpy(g, golden, sizeof(g));
    restamp_check(g, sizeof(g));
    free(r);
    free(arena);
}

/* ---- reader ---- */

/* Reads a batch and walks every record and header; returns the first error or 0. */
static int exercise(const uint8_t *batch, size_t len, uint8_t *out, size_t out_cap)
{
    kr_batch_info_t bi;
    int rc = kr_batch_read(&bi, batch, len, out, out_cap, NULL);
    if (rc != 0)
        return rc;
    kr_batch_iter_t it;
    kr_batch_record_t rec;
    kr_batch_iter_init(&it, &bi);
    int32_t seen = 0;
    while ((rc = kr_batch_iter_next(&it, &rec)) == 1) {
        kr_record_headers_t hi;
        kr_str_t k, v;
        kr_record_headers_init(&hi, &rec);
        int32_t h = 0;
        while (kr_record_headers_next(&hi, &k, &v))
            h++;
        assert_int_equal(h, rec.header_count);
        assert_true(rec.key.len == -1 || rec.key.ptr != NULL);
        seen++;
    }
    assert_true(rc == 0 ? seen == bi.records_count : rc < 0);
    return rc;
}

/*
 * The records of an uncompressed batch, compressed by liblz4's frame API with every
 * optional feature on, in a batch with the same header fields.
 */
static size_t lz4f_batch(uint8_t *out, const uint8_t *none, size_t none_len, LZ4F_blockMode_t mode)
{
    LZ4F_preferences_t pr;
    memset(&pr, 0, sizeof(pr));
    pr.frameInfo.blockSizeID = LZ4F_max256KB;
    pr.frameInfo.blockMode = mode;
    pr.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    pr.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
    pr.frameInfo.contentSize = none_len - 61;
    size_t cap = LZ4F_compressFrameBound(none_len - 61, &pr);
    uint8_t *f = xmalloc(cap);
    size_t flen = LZ4F_compressFrame(f, cap, none + 61, none_len - 61, &pr);
    assert_false(LZ4F_isError(flen));
    size_t n = wrap_batch(out, f, flen, KR_CODEC_LZ4, 0);
    memcpy(out + KR_RB_OF_LastOffsetDelta, none + KR_RB_OF_LastOffsetDelta,
           KR_RB_HEADER_SIZE - KR_RB_OF_LastOffsetDelta);
    fix_crc(out, n);
    free(f);
    return n;
}

/* The reader takes frames with block/content checksums, content size and 256 KB blocks. */
static void test_read_lz4_frame_features(void **state)
{
    (void)state;
    char *arena;
    size_t n = 2000, none_len;
    trec_t *r = json_records(n, &arena);
    uint8_t *none = build_closed(r, n, KR_CODEC_NONE, &none_len);
    size_t sect_len = none_len - 61;
    uint8_t *b = xmalloc(2 * none_len + 4096), *out = xmalloc(OUT_CAP);
    size_t len = lz4f_batch(b, none, none_len, LZ4F_blockIndependent);
    verify(b, len, r, n, KR_CODEC_LZ4);
    kr_batch_info_t bi;
    assert_int_equal(kr_batch_read(&bi, b, len, out, sect_len - 1, NULL), KR_ENOSPC);
    assert_int_equal(kr_batch_read(&bi, b, len, NULL, 0, NULL), KR_ENOSPC);
    /* flip, re-CRC: each frame checksum must catch it */
    static const int flips[] = {4 + 2 + 8, 4 + 2 + 8 + 1 + 4 + 10, -1};
    for (size_t i = 0; i < 3; i++) {
        size_t at = flips[i] >= 0 ? 61 + (size_t)flips[i] : len - 2; /* HC, block, content */
        b[at] ^= 0x20;
        fix_crc(b, len);
        assert_int_equal(kr_batch_read(&bi, b, len, out, OUT_CAP, NULL), KR_ECRC);
        b[at] ^= 0x20;
    }
    b[61 + 6] ^= 1; /* content size off by one: fix the header checksum too */
    b[61 + 14] = (uint8_t)(XXH32(b + 61 + 4, 10, 0) >> 8);
    fix_crc(b, len);
    assert_int_equal(kr_batch_read(&bi, b, len, out, OUT_CAP, NULL), KR_EMALFORMED);
    len = lz4f_batch(b, none, none_len, LZ4F_blockLinked);
    assert_int_equal(kr_batch_read(&bi, b, len, out, OUT_CAP, NULL), KR_ECODEC);
    len = lz4f_batch(b, none, none_len, LZ4F_blockIndependent);
    memcpy(b + 61, none + 61, 4); /* not an LZ4 magic */
    fix_crc(b, len);
    assert_int_equal(kr_batch_read(&bi, b, len, out, OUT_CAP, NULL), KR_ECODEC);
    free(out);
    free(b);
    free(none);
    free(r);
    free(arena);
}

static void expect_read(const uint8_t *b, size_t len, int want_read, int want_iter)
{
    uint8_t out[64];
    kr_batch_info_t bi;
    assert_int_equal(kr_batch_read(&bi, b, len, out, sizeof(out), NULL), want_read);
    if (want_read == 0)
        assert_int_equal(exercise(b, len, out, sizeof(out)), want_iter);
}

/* Header fields and record sections that a reader must refuse. */
static void test_read_rejects(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = sizeof(golden);
    memcpy(b, golden, n);
    expect_read(b, n, 0, 0);
    b[16] = 1; /* magic */
    expect_read(b, n, KR_EVERSION, 0);
    memcpy(b, golden, n);
    b[70] ^= 1; /* a record byte, CRC not fixed */
    expect_read(b, n, KR_ECRC, 0);
    b[17] ^= 1; /* the CRC itself */
    b[70] ^= 1;
    expect_read(b, n, KR_ECRC, 0);
    memcpy(b, golden, n);
    b[22] = 1; /* gzip */
    fix_crc(b, n);
    expect_read(b, n, KR_ECODEC, 0);
    static const struct {
        int32_t count;
        int read, iter;
    } counts[] = {{4, 0, KR_ETRUNC},      {2, 0, KR_EMALFORMED}, {0, 0, KR_EMALFORMED},
                  {-1, KR_EMALFORMED, 0}, {6, KR_EMALFORMED, 0}, {INT32_MAX, KR_EMALFORMED, 0}};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        memcpy(b, golden, n);
        put32(b + KR_RB_OF_RecordsCount, (uint32_t)counts[i].count);
        fix_crc(b, n);
        expect_read(b, n, counts[i].read, counts[i].iter);
    }
    memcpy(b, golden, n);
    put32(b + KR_RB_OF_BatchLength, 48);
    expect_read(b, n, KR_EMALFORMED, 0);
    put32(b + KR_RB_OF_BatchLength, 90);
    expect_read(b, n, KR_ETRUNC, 0);
    put32(b + KR_RB_OF_BatchLength, UINT32_MAX);
    expect_read(b, n, KR_EMALFORMED, 0);
    /* attr, ts, od, key null, value null, 1 header with a null key */
    const uint8_t nullkey[] = {0x10, 0, 0, 0, 0x01, 0x01, 0x02, 0x01, 0x01};
    expect_read(b, wrap_batch(b, nullkey, sizeof(nullkey), 0, 1), 0, KR_EMALFORMED);
    /* a body longer than its fields: one stray byte inside the record */
    const uint8_t stray[] = {0x10, 0, 0, 0, 0x01, 0x01, 0x00, 0x7f, 0x00};
    expect_read(b, wrap_batch(b, stray, sizeof(stray), 0, 1), 0, KR_EMALFORMED);
    /* a record length past the section */
    const uint8_t longrec[] = {0x7e, 0, 0, 0, 0x01, 0x01, 0x00, 0x00};
    expect_read(b, wrap_batch(b, longrec, sizeof(longrec), 0, 1), 0, KR_ETRUNC);
    /* negative key length below -1 */
    const uint8_t negkey[] = {0x0e, 0, 0, 0, 0x03, 0x01, 0x00, 0x00};
    expect_read(b, wrap_batch(b, negkey, sizeof(negkey), 0, 1), 0, KR_EMALFORMED);
    /* an empty batch (as compaction leaves them) reads as zero records */
    expect_read(b, wrap_batch(b, NULL, 0, 0, 0), 0, 0);
    expect_read(b, 0, KR_ETRUNC, 0);
}

/* A multi-block batch of each codec, with headers and null fields, for the abuse tests. */
static uint8_t *abuse_batch(int codec, size_t *len)
{
    char *arena;
    size_t n = codec == KR_CODEC_LZ4 ? 240 : 30; /* LZ4: 72 KB of records, two blocks */
    trec_t *r = json_records(n, &arena);
    for (size_t i = 8; codec == KR_CODEC_LZ4 && i < n; i++)
        r[i].val = r[i % 8].val; /* repeats: a small frame, so every cut stays cheap */
    for (size_t i = 0; i < n; i += 3) {
        r[i].key = i % 2 ? NULL : r[i].key;
        r[i].hcnt = 2;
        r[i].h[0] = (kr_record_header_t){"trace", 5, "abc", 3};
        r[i].h[1] = (kr_record_header_t){"n", 1, NULL, 0};
    }
    uint8_t *b = build_closed(r, n, codec, len);
    free(r);
    free(arena);
    return b;
}

/*
 * Every prefix of a batch, and every cut of its records section with BatchLength and CRC
 * fixed so the cut reaches the LZ4 and record parsers. Each copy is allocated at its exact
 * size, so ASan catches any read past the end.
 */
static void test_read_truncations(void **state)
{
    (void)state;
    uint8_t *out = xmalloc(OUT_CAP);
    for (int codec = 0; codec <= KR_CODEC_LZ4; codec += KR_CODEC_LZ4) {
        size_t len;
        uint8_t *b = abuse_batch(codec, &len);
        assert_int_equal(exercise(b, len, out, OUT_CAP), 0);
        kr_batch_info_t bi;
        assert_int_equal(kr_batch_read(&bi, b, len, out, OUT_CAP, NULL), 0);
        assert_true(codec == KR_CODEC_NONE || bi.records_len > KR_LZ4_BLOCK_SIZE);
        for (size_t n = 0; n < len; n++) {
            uint8_t *cut = xmalloc(n);
            memcpy(cut, b, n);
            assert_int_equal(exercise(cut, n, out, OUT_CAP), KR_ETRUNC);
            if (n >= KR_RB_HEADER_SIZE) {
                put32(cut + KR_RB_OF_BatchLength, (uint32_t)(n - 12));
                fix_crc(cut, n);
                int rc = exercise(cut, n, out, OUT_CAP);
                assert_true(rc == KR_ETRUNC || rc == KR_EMALFORMED || rc == KR_ECODEC);
            }
            free(cut);
        }
        free(b);
    }
    free(out);
}

/* Flips 1-4 random bytes of m; returns the offset of the first. */
static size_t corrupt(uint8_t *m, size_t len, int flips)
{
    size_t first = 0;
    for (int f = 0; f < flips; f++) {
        size_t at = rng() % 8 == 0 ? 61 + rng() % 16 : rng() % len; /* LZ4 header too */
        m[at] ^= (uint8_t)(1 + rng() % 255);
        first = f == 0 ? at : first;
    }
    return first;
}

/* Seeded random corruptions: an error or a clean parse, never a crash or a wild read. */
static void test_read_random_corruptions(void **state)
{
    (void)state;
    uint8_t *out = xmalloc(OUT_CAP);
    for (int c = 0; c < 3; c++) {
        size_t len = sizeof(golden);
        uint8_t *b = c < 2 ? abuse_batch(c == 0 ? KR_CODEC_NONE : KR_CODEC_LZ4, &len) : NULL;
        uint8_t *m = xmalloc(len);
        for (int iter = 0; iter < 2500; iter++) {
            memcpy(m, b != NULL ? b : golden, len);
            int flips = 1 + (int)(rng() % 4);
            size_t first = corrupt(m, len, flips);
            bool refix = iter % 2 == 1;
            if (refix)
                fix_crc(m, len);
            int rc = exercise(m, len, out, OUT_CAP);
            if (!refix && flips == 1 && first >= KR_RB_OF_Attributes)
                assert_int_equal(rc, KR_ECRC); /* any one-byte error is detected */
        }
        free(m);
        free(b);
    }
    free(out);
}

/* Closing an empty batch is a programmer error: the assertion fires (in a child). */
static void test_close_empty_batch_asserts(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        uint8_t mem[128];
        kr_batch_builder_t b;
        kr_batch_open(&b, mem, sizeof(mem), BASE_TS);
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(2);
        (void)kr_batch_close(&b, KR_CODEC_NONE, NULL, NULL, NULL, 0);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_none),
        cmocka_unit_test(test_golden_read_fields),
        cmocka_unit_test(test_producer_fields),
        cmocka_unit_test(test_lz4_frame_is_standard),
        cmocka_unit_test(test_lz4_ws_reuse),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_one_mib_value),
        cmocka_unit_test(test_many_small_records),
        cmocka_unit_test(test_batch_full_boundary),
        cmocka_unit_test(test_record_size_varint_edges),
        cmocka_unit_test(test_lz4_inplace_cap),
        cmocka_unit_test(test_lz4_close_enospc),
        cmocka_unit_test(test_restamp),
        cmocka_unit_test(test_read_lz4_frame_features),
        cmocka_unit_test(test_read_rejects),
        cmocka_unit_test(test_read_truncations),
        cmocka_unit_test(test_read_random_corruptions),
        cmocka_unit_test(test_close_empty_batch_asserts),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(ws_mem);
    return rc;
}
