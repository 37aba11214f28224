/*
 * Tests for proto/kr_zstd.c and the ZSTD paths of proto/kr_batch.c: workspaces,
 * round trips through kr_batch_read(), frames libzstd itself decodes, frames other
 * writers produce (streaming, no content size, checksums, several frames), truncations
 * and corruptions, the in-place cap, every level's workspace size.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zstd.h>

#include "kr_batch.h"
#include "kr_crc32c.h"

#define BASE_TS 1700000000000LL
#define OUT_CAP (4u << 20)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static void *xmalloc(size_t n)
{
    void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);
    assert_non_null(p);
    return p;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void fix_crc(uint8_t *b, size_t len)
{
    put32(b + KR_RB_OF_Crc, kr_crc32c(0, b + KR_RB_OF_Attributes, len - KR_RB_OF_Attributes));
}

/* Builds a batch with codec ZSTD around an arbitrary records section; returns its size. */
static size_t wrap_zstd(uint8_t *out, const void *sect, size_t sect_len, int32_t count)
{
    memset(out, 0, KR_RB_HEADER_SIZE);
    put32(out + KR_RB_OF_BatchLength, (uint32_t)(KR_RB_HEADER_SIZE - 12 + sect_len));
    put32(out + KR_RB_OF_PartitionLeaderEpoch, UINT32_MAX);
    out[KR_RB_OF_Magic] = 2;
    out[KR_RB_OF_Attributes + 1] = KR_CODEC_ZSTD;
    put32(out + KR_RB_OF_BaseTimestamp, (uint32_t)((uint64_t)BASE_TS >> 32));
    put32(out + KR_RB_OF_BaseTimestamp + 4, (uint32_t)BASE_TS);
    memset(out + KR_RB_OF_ProducerId, 0xff, 14);
    put32(out + KR_RB_OF_RecordsCount, (uint32_t)count);
    memcpy(out + KR_RB_HEADER_SIZE, sect, sect_len);
    fix_crc(out, KR_RB_HEADER_SIZE + sect_len);
    return KR_RB_HEADER_SIZE + sect_len;
}

static kr_zstd_dws_t *dws_get(void)
{
    static kr_zstd_dws_t *dws;
    if (dws == NULL) {
        void *mem = xmalloc(kr_zstd_dws_size());
        assert_null(kr_zstd_dws_init(mem, kr_zstd_dws_size() - 1));
        dws = kr_zstd_dws_init(mem, kr_zstd_dws_size());
        assert_non_null(dws);
    }
    return dws;
}

/* A compression workspace; the caller frees *mem. */
static kr_zstd_cws_t *cws_new(int level, size_t records_max, void **mem)
{
    size_t n = kr_zstd_cws_size(level, records_max);
    *mem = xmalloc(n + 8);
    assert_null(kr_zstd_cws_init(*mem, n - 1, level, records_max));
    assert_null(kr_zstd_cws_init((uint8_t *)*mem + 4, n, level, records_max)); /* misaligned */
    kr_zstd_cws_t *ws = kr_zstd_cws_init(*mem, n, level, records_max);
    assert_non_null(ws);
    assert_int_equal(kr_zstd_cws_level(ws), level);
    assert_int_equal(kr_zstd_cws_records_max(ws), records_max);
    return ws;
}

/* Record i's value: JSON-ish text (kind 0) or random bytes (kind 1), len bytes. */
static void value_fill(char *v, size_t len, int i, int kind)
{
    static const char text[] = "{\"flight\":\"LH1234\",\"alt\":35000,\"lat\":48.";
    for (size_t j = 0; j < len; j++)
        v[j] = kind == 1 ? (char)rng() : text[(j + (size_t)i) % (sizeof(text) - 1)];
}

/* Appends n records (key "k<i>", every third with two headers) of vlen bytes. */
static void fill(kr_batch_builder_t *b, size_t n, size_t vlen, int kind, char *vbuf)
{
    for (size_t i = 0; i < n; i++) {
        char key[16];
        int kl = snprintf(key, sizeof(key), "k%zu", i);
        value_fill(vbuf, vlen, (int)i, kind);
        kr_record_header_t h[2] = {{"trace", 5, "abc", 3}, {"n", 1, NULL, 0}};
        assert_int_equal(kr_batch_append(b, BASE_TS + (int64_t)i, i % 5 ? key : NULL, (size_t)kl,
                                         vbuf, vlen, h, i % 3 ? 0 : 2),
                         0);
    }
}

/* Reads batch back and checks it against the builder's own uncompressed records. */
static void verify(const uint8_t *batch, size_t len, const uint8_t *records, size_t records_len,
                   int32_t count)
{
    static uint8_t out[OUT_CAP];
    kr_batch_info_t bi;
    assert_int_equal(kr_batch_read(&bi, batch, len, out, OUT_CAP, dws_get()), 0);
    assert_int_equal(bi.size, len);
    assert_int_equal(bi.attributes & KR_RB_ATTR_CODEC_MASK, KR_CODEC_ZSTD);
    assert_int_equal(bi.records_count, count);
    assert_int_equal(bi.records_len, records_len);
    assert_memory_equal(bi.records, records, records_len);
    kr_batch_iter_t it;
    kr_batch_record_t rec;
    kr_batch_iter_init(&it, &bi);
    for (int32_t i = 0; i < count; i++) {
        assert_int_equal(kr_batch_iter_next(&it, &rec), 1);
        assert_int_equal(rec.offset_delta, i);
        assert_int_equal(rec.timestamp, BASE_TS + i);
        assert_int_equal(rec.header_count, i % 3 ? 0 : 2);
        assert_int_equal(rec.key.len == -1, i % 5 == 0);
    }
    assert_int_equal(kr_batch_iter_next(&it, &rec), 0);
    /* Without a decompression workspace the reader refuses; too small an out: ENOSPC. */
    assert_int_equal(kr_batch_read(&bi, batch, len, out, OUT_CAP, NULL), KR_ECODEC);
    if (records_len > 0)
        assert_int_equal(kr_batch_read(&bi, batch, len, out, records_len - 1, dws_get()),
                         KR_ENOSPC);
    assert_int_equal(kr_batch_read(&bi, batch, len, NULL, 0, dws_get()), KR_ENOSPC);
}

/* One case: n records of vlen bytes closed with ws; returns the batch (caller frees). */
static uint8_t *round_trip(kr_zstd_cws_t *ws, size_t n, size_t vlen, int kind, size_t *len)
{
    size_t cap = KR_RB_HEADER_SIZE + n * (vlen + 40);
    uint8_t *mem = xmalloc(cap);
    char *vbuf = xmalloc(vlen + 1);
    kr_batch_builder_t b;
    kr_batch_open(&b, mem, cap, BASE_TS);
    fill(&b, n, vlen, kind, vbuf);
    size_t records_len = kr_batch_records_len(&b);
    size_t dst_cap = kr_batch_bound(records_len, KR_CODEC_ZSTD);
    uint8_t *dst = xmalloc(dst_cap);
    kr_batch_producer_t pr = {77, 3, 1000, false};
    assert_int_equal(kr_batch_close_zstd(&b, &pr, ws, dst, dst_cap), 0);
    assert_ptr_equal(b.out, dst);
    assert_true(b.out_len <= dst_cap);
    verify(dst, b.out_len, mem + KR_RB_HEADER_SIZE, records_len, (int32_t)n);
    *len = b.out_len;
    free(vbuf);
    free(mem);
    return dst;
}

static void test_round_trips(void **state)
{
    (void)state;
    void *mem;
    kr_zstd_cws_t *ws = cws_new(KR_ZSTD_LEVEL_DEFAULT, 2 << 20, &mem);
    static const struct {
        size_t n, vlen;
        int kind;
    } cases[] = {
        {1, 0, 0}, {1, 10, 0}, {1000, 300, 0}, {300, 1000, 1}, {1, 1 << 20, 1}, {3000, 300, 0},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        size_t len;
        uint8_t *b = round_trip(ws, cases[c].n, cases[c].vlen, cases[c].kind, &len);
        if (cases[c].kind == 0 && cases[c].n >= 1000)
            assert_true(len * 4 < cases[c].n * cases[c].vlen); /* text compresses */
        free(b);
    }
    free(mem);
}

/* The records section of a closed batch is a standard frame: libzstd alone decodes it. */
static void test_frame_is_standard(void **state)
{
    (void)state;
    void *mem;
    kr_zstd_cws_t *ws = cws_new(KR_ZSTD_LEVEL_DEFAULT, 1 << 20, &mem);
    uint8_t *slot = xmalloc(1 << 20);
    char vbuf[300];
    kr_batch_builder_t b;
    kr_batch_open(&b, slot, 1 << 20, BASE_TS);
    fill(&b, 500, sizeof(vbuf), 0, vbuf);
    size_t rl = kr_batch_records_len(&b);
    size_t cap = kr_batch_bound(rl, KR_CODEC_ZSTD);
    uint8_t *dst = xmalloc(cap);
    assert_int_equal(kr_batch_close_zstd(&b, NULL, ws, dst, cap), 0);
    const uint8_t *f = dst + KR_RB_HEADER_SIZE;
    size_t flen = b.out_len - KR_RB_HEADER_SIZE;
    static const uint8_t magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    assert_memory_equal(f, magic, 4);
    assert_int_equal(dst[KR_RB_OF_Attributes + 1], KR_CODEC_ZSTD);
    assert_int_equal(ZSTD_getFrameContentSize(f, flen), rl);
    assert_int_equal(ZSTD_findFrameCompressedSize(f, flen), flen); /* exactly one frame */
    uint8_t *plain = xmalloc(rl);
    assert_int_equal(ZSTD_decompress(plain, rl, f, flen), rl);
    assert_memory_equal(plain, slot + KR_RB_HEADER_SIZE, rl);
    free(plain);
    free(dst);
    free(slot);
    free(mem);
}

/*
 * Frames other producers write: the Java client streams (no content size), others add
 * a checksum or write several frames. The reader takes them all; a bad checksum is ECRC.
 */
static void test_read_foreign_frames(void **state)
{
    (void)state;
    uint8_t *slot = xmalloc(1 << 16);
    char vbuf[200];
    kr_batch_builder_t b;
    kr_batch_open(&b, slot, 1 << 16, BASE_TS);
    fill(&b, 100, sizeof(vbuf), 0, vbuf);
    const uint8_t *rec = slot + KR_RB_HEADER_SIZE;
    size_t rl = kr_batch_records_len(&b), half = rl / 2;
    size_t fcap = ZSTD_compressBound(rl) * 2 + 64;
    uint8_t *f = xmalloc(fcap), *batch = xmalloc(fcap + KR_RB_HEADER_SIZE);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    assert_non_null(cc);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0)));
    ZSTD_outBuffer o = {f, fcap, 0};
    ZSTD_inBuffer in = {rec, half, 0};
    assert_int_equal(ZSTD_compressStream2(cc, &o, &in, ZSTD_e_end), 0);
    size_t skip = ZSTD_writeSkippableFrame((uint8_t *)f + o.pos, fcap - o.pos, "meta", 4, 3);
    assert_false(ZSTD_isError(skip));
    o.pos += skip;
    in = (ZSTD_inBuffer){rec + half, rl - half, 0};
    assert_int_equal(ZSTD_compressStream2(cc, &o, &in, ZSTD_e_end), 0);
    assert_int_equal(ZSTD_getFrameContentSize(f, o.pos), ZSTD_CONTENTSIZE_UNKNOWN);
    size_t len = wrap_zstd(batch, f, o.pos, 100);
    verify(batch, len, rec, rl, 100);
    batch[len - 2] ^= 0x10; /* in the last frame's checksum */
    fix_crc(batch, len);
    kr_batch_info_t bi;
    static uint8_t out[1 << 16];
    assert_int_equal(kr_batch_read(&bi, batch, len, out, sizeof(out), dws_get()), KR_ECRC);
    /* Garbage that is not a zstd frame at all. */
    len = wrap_zstd(batch, "not a zstd frame", 16, 1);
    assert_int_equal(kr_batch_read(&bi, batch, len, out, sizeof(out), dws_get()), KR_ECODEC);
    ZSTD_freeCCtx(cc);
    free(batch);
    free(f);
    free(slot);
}

/* Every cut of the frame (BatchLength and CRC fixed) fails cleanly; every prefix too. */
static void test_read_truncations(void **state)
{
    (void)state;
    void *mem;
    kr_zstd_cws_t *ws = cws_new(1, 1 << 16, &mem);
    size_t len;
    uint8_t *b = round_trip(ws, 40, 120, 0, &len);
    static uint8_t out[1 << 16];
    kr_batch_info_t bi;
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = xmalloc(n);
        memcpy(cut, b, n);
        assert_int_equal(kr_batch_read(&bi, cut, n, out, sizeof(out), dws_get()), KR_ETRUNC);
        if (n >= KR_RB_HEADER_SIZE) {
            put32(cut + KR_RB_OF_BatchLength, (uint32_t)(n - 12));
            fix_crc(cut, n);
            int rc = kr_batch_read(&bi, cut, n, out, sizeof(out), dws_get());
            assert_true(rc == KR_ECODEC || rc == KR_EMALFORMED);
        }
        free(cut);
    }
    /* Random corruptions with the CRC fixed: an error or a clean parse, never a crash. */
    uint8_t *m = xmalloc(len);
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(m, b, len);
        for (int f = 0; f < 1 + (int)(rng() % 3); f++)
            m[KR_RB_HEADER_SIZE + rng() % (len - KR_RB_HEADER_SIZE)] ^= (uint8_t)(1 + rng() % 255);
        fix_crc(m, len);
        int rc = kr_batch_read(&bi, m, len, out, sizeof(out), dws_get());
        if (rc == 0) {
            kr_batch_iter_t it;
            kr_batch_record_t rec;
            kr_batch_iter_init(&it, &bi);
            while ((rc = kr_batch_iter_next(&it, &rec)) == 1)
                ;
        }
        assert_true(rc == 0 || rc == KR_ECODEC || rc == KR_EMALFORMED || rc == KR_ETRUNC ||
                    rc == KR_ENOSPC || rc == KR_ECRC);
    }
    free(m);
    free(b);
    free(mem);
}

/* In-place cap: the closed form of any content fits back in the slot; the cap is the
 * largest that always does. */
static void test_inplace_cap(void **state)
{
    (void)state;
    void *mem;
    kr_zstd_cws_t *ws = cws_new(KR_ZSTD_LEVEL_DEFAULT, 1 << 20, &mem);
    static const size_t slots[] = {61, 80, 200, 4096, 131072 + 600, 262144, 1 << 20};
    for (size_t s = 0; s < sizeof(slots) / sizeof(slots[0]); s++) {
        size_t slot = slots[s], cap = kr_batch_zstd_inplace_cap(slot);
        assert_true(cap >= KR_RB_HEADER_SIZE && cap <= slot);
        if (cap > KR_RB_HEADER_SIZE)
            assert_true(kr_batch_bound(cap - KR_RB_HEADER_SIZE, KR_CODEC_ZSTD) <= slot);
        assert_true(kr_batch_bound(cap + 1 - KR_RB_HEADER_SIZE, KR_CODEC_ZSTD) > slot);
        uint8_t *m = xmalloc(slot);
        kr_batch_builder_t b;
        kr_batch_open(&b, m, cap, BASE_TS);
        uint8_t junk[3000];
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (uint8_t)rng();
        for (size_t vlen = 2000; vlen > 0;) /* incompressible records until nothing fits */
            if (kr_batch_append(&b, BASE_TS, NULL, 0, junk, vlen, NULL, 0) == KR_EBATCHFULL)
                vlen /= 2;
        if (kr_batch_count(&b) > 0) {
            size_t scap = kr_batch_bound(kr_batch_records_len(&b), KR_CODEC_ZSTD);
            uint8_t *scratch = xmalloc(scap);
            assert_int_equal(kr_batch_close_zstd(&b, NULL, ws, scratch, scap), 0);
            assert_true(b.out_len <= slot);
            free(scratch);
        }
        free(m);
    }
    free(mem);
}

/* Too small a dst: KR_ENOSPC, the builder unchanged; a second close succeeds. */
static void test_close_enospc(void **state)
{
    (void)state;
    void *mem;
    kr_zstd_cws_t *ws = cws_new(KR_ZSTD_LEVEL_DEFAULT, 1 << 16, &mem);
    uint8_t *slot = xmalloc(1 << 16);
    char vbuf[100];
    kr_batch_builder_t b;
    kr_batch_open(&b, slot, 1 << 16, BASE_TS);
    fill(&b, 50, sizeof(vbuf), 1, vbuf);
    size_t rl = kr_batch_records_len(&b), cap = kr_batch_bound(rl, KR_CODEC_ZSTD);
    uint8_t *dst = xmalloc(cap);
    assert_int_equal(kr_batch_close_zstd(&b, NULL, ws, dst, 40), KR_ENOSPC);
    assert_int_equal(kr_batch_close_zstd(&b, NULL, ws, dst, KR_RB_HEADER_SIZE + 100), KR_ENOSPC);
    assert_false(b.closed);
    assert_int_equal(kr_batch_close_zstd(&b, NULL, ws, dst, cap), 0);
    verify(dst, b.out_len, slot + KR_RB_HEADER_SIZE, rl, 50);
    free(dst);
    free(slot);
    free(mem);
}

/*
 * Each level's workspace holds every input size up to records_max: the sizes around
 * zstd's parameter classes (16 KB, 128 KB, 256 KB) and records_max itself. A short
 * workspace would fail the compression (an assertion in kr_zstd_compress).
 */
static void test_levels_and_sizes(void **state)
{
    (void)state;
    int levels[] = {kr_zstd_level_min(), -5, 0, 1, 3, 9, 19, kr_zstd_level_max()};
    assert_int_equal(kr_zstd_level_max(), 22);
    assert_true(kr_zstd_level_min() < -1000);
    size_t max = 300 << 10;
    uint8_t *src = xmalloc(max), *dst = xmalloc(kr_zstd_bound(max)), *back = xmalloc(max);
    for (size_t i = 0; i < max; i++) /* half text, half noise: both paths of the coder */
        src[i] = i % 4096 < 2048 ? (uint8_t)("abcdefgh"[i % 7]) : (uint8_t)rng();
    static const size_t sizes[] = {1, 16384, 16385, 131072, 131073, 262144, 262145, 300 << 10};
    for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
        void *mem;
        kr_zstd_cws_t *ws = cws_new(levels[l], max, &mem);
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            if (levels[l] >= 19 && sizes[s] > 16385)
                continue; /* slow levels: the big sizes are covered by the size estimate */
            size_t n = 0, back_n = 0;
            assert_int_equal(kr_zstd_compress(ws, dst, kr_zstd_bound(sizes[s]), src, sizes[s], &n),
                             0);
            assert_int_equal(kr_zstd_decompress(dws_get(), back, max, dst, n, &back_n), 0);
            assert_int_equal(back_n, sizes[s]);
            assert_memory_equal(back, src, sizes[s]);
        }
        free(mem);
    }
    free(back);
    free(dst);
    free(src);
}

/* One workspace closes many batches in turn without re-initialisation. */
static void test_ws_reuse(void **state)
{
    (void)state;
    void *mem;
    kr_zstd_cws_t *ws = cws_new(KR_ZSTD_LEVEL_DEFAULT, 1 << 18, &mem);
    for (int i = 0; i < 30; i++) {
        size_t len;
        free(round_trip(ws, 1 + (size_t)(rng() % 400), (size_t)(rng() % 600), (int)(rng() % 2),
                        &len));
    }
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),         cmocka_unit_test(test_frame_is_standard),
        cmocka_unit_test(test_read_foreign_frames), cmocka_unit_test(test_read_truncations),
        cmocka_unit_test(test_inplace_cap),         cmocka_unit_test(test_close_enospc),
        cmocka_unit_test(test_levels_and_sizes),    cmocka_unit_test(test_ws_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
