/*
 * RecordBatch v2 round trip (lz4's round_trip_fuzzer style): records drawn from the
 * input (null, empty and byte keys and values, large synthetic values that cross LZ4's
 * 64 KB blocks, 0..4 headers with null and empty values, timestamps anywhere in int64),
 * built, closed with codec none and with LZ4, read back and compared field by field.
 *
 * Checked on every input:
 *   - kr_batch_record_size() is exactly what each append writes; a batch exactly as large
 *     as the records takes them all; a smaller one stops with KR_EBATCHFULL at the first
 *     record that does not fit, unchanged, and holds the same bytes up to there;
 *   - every header field of both closed batches (BaseOffset 0, BatchLength, leader epoch
 *     -1, magic, codec and transactional bits, LastOffsetDelta, timestamps, producer,
 *     count) and a CRC equal to a reference CRC-32C; the reader accepts both and gives
 *     back every record, header and byte; a byte less is KR_ETRUNC, a byte more is
 *     ignored;
 *   - LZ4: the records section is a standard LZ4 frame (liblz4's LZ4F_decompress gives
 *     the records back); a dst smaller than kr_batch_bound() gives 0 or KR_ENOSPC and a
 *     retry succeeds; decompression into exactly records_len bytes works, one byte less
 *     is KR_ENOSPC; the batch fits a slot whose kr_batch_lz4_inplace_cap() held the
 *     records;
 *   - LZ4 frames that kring does not write but other clients do (liblz4's frame
 *     compressor with block sizes 64 KB..4 MB, block and content checksums, content size)
 *     are read back to the same records;
 *   - kr_batch_restamp() changes exactly the producer fields and keeps the CRC right.
 */
#include <lz4frame.h>

#include "kr_crc32c.h"
#include "kr_fuzz_batch.h"

typedef struct prod {
    bool set; /* else NULL: -1, -1, -1 */
    kr_batch_producer_t p;
} prod_t;

/* Upper bound of the encoded size of every record of rs. */
static size_t records_bound(const kr_fuzz_recs_t *rs)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->cnt; i++) {
        const kr_fuzz_rec_t *r = &rs->recs[i];
        n += 5 + 1 + 10 + 5 + 5 + kr_fuzz_str_len(r->key) + 5 + kr_fuzz_str_len(r->value) + 5;
        for (size_t k = 0; k < r->hdr_cnt; k++)
            n += 10 + rs->hdrs[r->hdr_first + k].key_len + rs->hdrs[r->hdr_first + k].value_len;
    }
    return n;
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/*
 * The batch CRC by another implementation than the one kring picked at start-up: the
 * harness's byte loop, or for large batches kring's portable slice-by-8 (fuzz_crc32c
 * compares the two).
 */
static uint32_t crc_ref(const uint8_t *batch, size_t len)
{
    const uint8_t *p = batch + KR_RB_OF_Attributes;
    size_t n = len - KR_RB_OF_Attributes;
    return n <= 16384 ? kr_fuzz_crc32c_ref(p, n) : kr_crc32c_sw(0, p, n);
}

/*
 * Reads the closed batch from an exactly-sized heap copy (and with one byte less and one
 * more), checks every header field against what was built and the records against rs.
 * `records` (records_len bytes) are the uncompressed records the builder wrote.
 */
static void check_batch(const uint8_t *batch, size_t len, int codec, const prod_t *pr,
                        const kr_fuzz_recs_t *rs, const uint8_t *records, size_t records_len)
{
    uint8_t *copy = malloc(len + 1);
    size_t out_cap = codec == KR_CODEC_LZ4 ? records_len : 0;
    uint8_t *out = out_cap > 0 ? malloc(out_cap) : NULL;
    KR_FUZZ_CHECK(copy != NULL && (out_cap == 0 || out != NULL));
    memcpy(copy, batch, len);
    copy[len] = 0xa5;

    KR_FUZZ_CHECK_EQ(be32(batch + KR_RB_OF_Crc), crc_ref(batch, len));
    kr_batch_info_t bi;
    KR_FUZZ_CHECK_EQ(kr_batch_read(&bi, copy, len, out, out_cap, NULL), 0);
    KR_FUZZ_CHECK(bi.base_offset == 0);
    KR_FUZZ_CHECK_EQ(bi.batch_length, (int64_t)len - KR_RB_LOG_OVERHEAD);
    KR_FUZZ_CHECK_EQ(bi.partition_leader_epoch, -1);
    KR_FUZZ_CHECK_EQ(bi.magic, KR_RB_MAGIC);
    int16_t attr = (int16_t)codec;
    if (pr->set && pr->p.transactional)
        attr |= KR_RB_ATTR_TRANSACTIONAL;
    KR_FUZZ_CHECK_EQ(bi.attributes, attr);
    KR_FUZZ_CHECK_EQ(bi.last_offset_delta, (int64_t)rs->cnt - 1);
    KR_FUZZ_CHECK(bi.base_timestamp == rs->base_ts);
    KR_FUZZ_CHECK(bi.max_timestamp == kr_fuzz_max_ts(rs, rs->cnt));
    KR_FUZZ_CHECK(bi.producer_id == (pr->set ? pr->p.id : -1));
    KR_FUZZ_CHECK_EQ(bi.producer_epoch, pr->set ? pr->p.epoch : -1);
    KR_FUZZ_CHECK_EQ(bi.base_sequence, pr->set ? pr->p.base_sequence : -1);
    KR_FUZZ_CHECK_EQ(bi.size, len);
    KR_FUZZ_CHECK_EQ(bi.records_len, records_len);
    KR_FUZZ_CHECK(memcmp(bi.records, records, records_len) == 0);
    if (codec == KR_CODEC_NONE)
        KR_FUZZ_CHECK(bi.records == copy + KR_RB_HEADER_SIZE);
    else
        KR_FUZZ_CHECK(bi.records == out);
    kr_fuzz_check_recs(&bi, rs);

    /* Bytes after the batch are left alone; a byte less is a truncated batch. */
    KR_FUZZ_CHECK_EQ(kr_batch_read(&bi, copy, len + 1, out, out_cap, NULL), 0);
    KR_FUZZ_CHECK_EQ(bi.size, len);
    KR_FUZZ_CHECK_EQ(kr_batch_read(&bi, copy, len - 1, out, out_cap, NULL), KR_ETRUNC);
    if (codec == KR_CODEC_LZ4)
        KR_FUZZ_CHECK_EQ(kr_batch_read(&bi, copy, len, out, out_cap - 1, NULL), KR_ENOSPC);
    free(out);
    free(copy);
}

/* liblz4's own frame decoder must give back the records from kring's frame. */
static void check_lz4f(const uint8_t *frame, size_t len, const uint8_t *records, size_t records_len)
{
    static LZ4F_dctx *dctx;
    if (dctx == NULL)
        KR_FUZZ_CHECK(!LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)));
    LZ4F_resetDecompressionContext(dctx);
    uint8_t *out = malloc(records_len + 1);
    KR_FUZZ_CHECK(out != NULL);
    size_t in_off = 0, out_off = 0, hint = 1;
    while (hint != 0) {
        size_t src_n = len - in_off, dst_n = records_len + 1 - out_off;
        hint = LZ4F_decompress(dctx, out + out_off, &dst_n, frame + in_off, &src_n, NULL);
        KR_FUZZ_CHECK(!LZ4F_isError(hint));
        KR_FUZZ_CHECK(src_n > 0 || dst_n > 0 || hint == 0);
        in_off += src_n;
        out_off += dst_n;
    }
    KR_FUZZ_CHECK_EQ(in_off, len);
    KR_FUZZ_CHECK_EQ(out_off, records_len);
    KR_FUZZ_CHECK(memcmp(out, records, records_len) == 0);
    free(out);
}

/* A builder of exactly the records' size takes them all, one byte less stops early. */
static void check_fullness(kr_fuzz_in_t *in, const kr_fuzz_recs_t *rs, const uint8_t *records,
                           size_t records_len)
{
    size_t cut = 1 + kr_fuzz_u16(in) % records_len;
    size_t cap = KR_RB_HEADER_SIZE + records_len - cut;
    uint8_t *mem = malloc(cap);
    KR_FUZZ_CHECK(mem != NULL);
    kr_batch_builder_t b;
    kr_batch_open(&b, mem, cap, rs->base_ts);
    size_t appended;
    KR_FUZZ_CHECK_EQ(kr_fuzz_append_recs(&b, rs, &appended), KR_EBATCHFULL);
    KR_FUZZ_CHECK(appended < rs->cnt);
    KR_FUZZ_CHECK(kr_batch_records_len(&b) <= records_len - cut);
    KR_FUZZ_CHECK(memcmp(mem + KR_RB_HEADER_SIZE, records, kr_batch_records_len(&b)) == 0);
    free(mem);
}

/*
 * The slot-sized layout of kr_batch.h: the smallest slot whose in-place cap holds these
 * records must hold their LZ4 batch.
 */
static void check_inplace(size_t records_len, size_t lz4_len)
{
    size_t need = KR_RB_HEADER_SIZE + records_len;
    size_t lo = KR_RB_HEADER_SIZE,
           hi = need + KR_LZ4_FRAME_OVERHEAD + 8 + 4 * (records_len / KR_LZ4_BLOCK_SIZE + 1);
    KR_FUZZ_CHECK(kr_batch_lz4_inplace_cap(hi) >= need);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (kr_batch_lz4_inplace_cap(mid) >= need)
            hi = mid;
        else
            lo = mid + 1;
    }
    KR_FUZZ_CHECK(kr_batch_lz4_inplace_cap(lo) <= lo);
    KR_FUZZ_CHECK(lz4_len <= lo);
}

/* Closes the LZ4 builder, first into a too-small dst sometimes. Returns the dst. */
static uint8_t *close_lz4(kr_fuzz_in_t *in, kr_batch_builder_t *b, const prod_t *pr,
                          kr_lz4_ws_t *ws)
{
    size_t bound = kr_batch_bound(kr_batch_records_len(b), KR_CODEC_LZ4);
    const kr_batch_producer_t *p = pr->set ? &pr->p : NULL;
    if (kr_fuzz_bool(in)) {
        size_t small = kr_fuzz_u32(in) % bound;
        uint8_t *dst = malloc(small > 0 ? small : 1);
        KR_FUZZ_CHECK(dst != NULL);
        int rc = kr_batch_close(b, KR_CODEC_LZ4, p, ws, dst, small);
        if (rc == 0) {
            KR_FUZZ_CHECK(b->out == dst && b->out_len <= small);
            return dst;
        }
        KR_FUZZ_CHECK_EQ(rc, KR_ENOSPC);
        KR_FUZZ_CHECK(!b->closed);
        free(dst);
    }
    uint8_t *dst = malloc(bound);
    KR_FUZZ_CHECK(dst != NULL);
    KR_FUZZ_CHECK_EQ(kr_batch_close(b, KR_CODEC_LZ4, p, ws, dst, bound), 0);
    KR_FUZZ_CHECK(b->closed && b->out == dst && b->out_len <= bound);
    return dst;
}

/*
 * The same records as a frame from liblz4's own compressor with options drawn from the
 * input, behind a header copied from kring's batch: kring's reader must take it.
 */
static void check_foreign_frame(kr_fuzz_in_t *in, const uint8_t *hdr, const prod_t *pr,
                                const kr_fuzz_recs_t *rs, const uint8_t *records,
                                size_t records_len)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof(prefs));
    uint8_t o = kr_fuzz_u8(in);
    prefs.frameInfo.blockSizeID = (LZ4F_blockSizeID_t)(LZ4F_max64KB + (o & 3));
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.frameInfo.contentChecksumFlag = (o & 4) ? LZ4F_contentChecksumEnabled : 0;
    prefs.frameInfo.blockChecksumFlag = (o & 8) ? LZ4F_blockChecksumEnabled : 0;
    prefs.frameInfo.contentSize = (o & 16) ? records_len : 0;
    /* High compression (LZ4HC) too, when it stays cheap. */
    prefs.compressionLevel = (o & 32) && records_len < 8192 ? 9 : 0;
    size_t cap = LZ4F_compressFrameBound(records_len, &prefs);
    uint8_t *batch = malloc(KR_RB_HEADER_SIZE + cap);
    KR_FUZZ_CHECK(batch != NULL);
    size_t n = LZ4F_compressFrame(batch + KR_RB_HEADER_SIZE, cap, records, records_len, &prefs);
    KR_FUZZ_CHECK(!LZ4F_isError(n));
    size_t len = KR_RB_HEADER_SIZE + n;
    memcpy(batch, hdr, KR_RB_HEADER_SIZE);
    put_be32(batch + KR_RB_OF_BatchLength, (uint32_t)(len - KR_RB_LOG_OVERHEAD));
    uint16_t attr = KR_CODEC_LZ4 | (pr->set && pr->p.transactional ? KR_RB_ATTR_TRANSACTIONAL : 0);
    batch[KR_RB_OF_Attributes] = (uint8_t)(attr >> 8);
    batch[KR_RB_OF_Attributes + 1] = (uint8_t)attr;
    put_be32(batch + KR_RB_OF_Crc, crc_ref(batch, len));
    check_batch(batch, len, KR_CODEC_LZ4, pr, rs, records, records_len);
    free(batch);
}

/* Re-stamps the codec-none batch and reads it again. */
static void check_restamp(kr_fuzz_in_t *in, uint8_t *batch, size_t len, const kr_fuzz_recs_t *rs,
                          const uint8_t *records, size_t records_len, bool transactional)
{
    prod_t pr = {true,
                 {(int64_t)kr_fuzz_u64(in), (int16_t)kr_fuzz_u16(in), (int32_t)kr_fuzz_u32(in),
                  transactional}};
    kr_batch_restamp(batch, len, pr.p.id, pr.p.epoch, pr.p.base_sequence);
    check_batch(batch, len, KR_CODEC_NONE, &pr, rs, records, records_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kr_fuzz_recs_t rs;
    static kr_lz4_ws_t *ws;
    if (ws == NULL) {
        rs.big = malloc(KR_FUZZ_MAX_BIG);
        void *mem = malloc(kr_lz4_ws_size());
        ws = kr_lz4_ws_init(mem, kr_lz4_ws_size());
        KR_FUZZ_CHECK(rs.big != NULL && ws != NULL);
    }
    kr_fuzz_in_t in;
    kr_fuzz_in_init(&in, data, size);
    uint8_t flags = kr_fuzz_u8(&in);
    prod_t pr = {(flags & 1) != 0, {0, 0, 0, (flags & 2) != 0}};
    if (pr.set) {
        pr.p.id = (int64_t)kr_fuzz_u64(&in);
        pr.p.epoch = (int16_t)kr_fuzz_u16(&in);
        pr.p.base_sequence = (int32_t)kr_fuzz_u32(&in);
    }
    kr_fuzz_in_t opts;
    kr_fuzz_in_init(&opts, data, size); /* options for later steps, read from the front */
    kr_fuzz_gen_recs(&in, &rs, KR_FUZZ_MAX_RECS);

    /* Codec none, in a builder larger than needed. */
    size_t cap = KR_RB_HEADER_SIZE + records_bound(&rs);
    uint8_t *mem_a = malloc(cap);
    KR_FUZZ_CHECK(mem_a != NULL);
    kr_batch_builder_t a;
    kr_batch_open(&a, mem_a, cap, rs.base_ts);
    size_t appended;
    KR_FUZZ_CHECK_EQ(kr_fuzz_append_recs(&a, &rs, &appended), 0);
    size_t records_len = kr_batch_records_len(&a);
    const uint8_t *records = mem_a + KR_RB_HEADER_SIZE;
    KR_FUZZ_CHECK(records_len >= 7 * rs.cnt);

    /* LZ4, in a builder exactly as large as the records: same record bytes. */
    uint8_t *mem_c = malloc(KR_RB_HEADER_SIZE + records_len);
    KR_FUZZ_CHECK(mem_c != NULL);
    kr_batch_builder_t c;
    kr_batch_open(&c, mem_c, KR_RB_HEADER_SIZE + records_len, rs.base_ts);
    KR_FUZZ_CHECK_EQ(kr_fuzz_append_recs(&c, &rs, &appended), 0);
    KR_FUZZ_CHECK_EQ(kr_batch_space(&c), 0);
    KR_FUZZ_CHECK(memcmp(mem_c + KR_RB_HEADER_SIZE, records, records_len) == 0);
    check_fullness(&opts, &rs, records, records_len);

    KR_FUZZ_CHECK_EQ(kr_batch_close(&a, KR_CODEC_NONE, pr.set ? &pr.p : NULL, NULL, NULL, 0), 0);
    KR_FUZZ_CHECK(a.closed && a.out == mem_a);
    KR_FUZZ_CHECK_EQ(a.out_len, KR_RB_HEADER_SIZE + records_len);
    KR_FUZZ_CHECK_EQ(kr_batch_bound(records_len, KR_CODEC_NONE), a.out_len);
    check_batch(a.out, a.out_len, KR_CODEC_NONE, &pr, &rs, records, records_len);

    uint8_t *dst = close_lz4(&opts, &c, &pr, ws);
    KR_FUZZ_CHECK(c.out_len <= kr_batch_bound(records_len, KR_CODEC_LZ4));
    check_batch(c.out, c.out_len, KR_CODEC_LZ4, &pr, &rs, records, records_len);
    check_lz4f(c.out + KR_RB_HEADER_SIZE, c.out_len - KR_RB_HEADER_SIZE, records, records_len);
    check_inplace(records_len, c.out_len);

    check_foreign_frame(&opts, a.out, &pr, &rs, records, records_len);
    check_restamp(&opts, a.out, a.out_len, &rs, records, records_len, pr.set && pr.p.transactional);

    free(dst);
    free(mem_c);
    free(mem_a);
    return 0;
}
