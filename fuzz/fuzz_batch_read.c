/*
 * RecordBatch reader on raw input: kr_batch_read(), the record iterator and the header
 * iterator. Input byte 0 is a mode: bit 0 repairs the batch CRC and bit 1 the LZ4 frame
 * header checksum before the read (so that mutations reach what lies behind them),
 * bits 2..7 pick the decompression buffer size (0, 2 KB steps up to 124 KB, or 1 MB).
 * The rest is the batch.
 *
 * Contract checked: never crashes or reads outside the input or the buffer; returns 0,
 * KR_ETRUNC, KR_EVERSION, KR_EMALFORMED, KR_ECRC, KR_ECODEC or KR_ENOSPC. On success:
 * the batch lies inside the input, its CRC is right (reference CRC-32C), the records
 * section is the input (codec none) or the buffer (LZ4, ZSTD), and for LZ4 liblz4's own
 * frame decoder (for ZSTD, libzstd's ZSTD_decompress) accepts the section and gives the
 * same bytes. Iterating gives 1 per record,
 * then 0 after exactly RecordsCount records, or a sticky KR_ETRUNC/KR_EMALFORMED; every
 * key, value and header lies inside the records section and header keys are never null.
 * A batch whose records all parse is rebuilt with the builder from the parsed fields and
 * read back to the same records.
 */
#include <lz4frame.h>
#include <xxhash.h>
#include <zstd.h>

#include "kr_fuzz_batch.h"

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

/* The end of the batch the header claims, within the input. */
static size_t claimed_end(const uint8_t *buf, size_t len)
{
    uint64_t n = (uint64_t)be32(buf + KR_RB_OF_BatchLength) + KR_RB_LOG_OVERHEAD;
    return n < len ? (size_t)n : len;
}

/* Rewrites the LZ4 frame header checksum byte (if the frame header is there). */
static void fix_lz4_hc(uint8_t *buf, size_t len)
{
    size_t end = claimed_end(buf, len);
    const size_t f = KR_RB_HEADER_SIZE;
    if ((buf[KR_RB_OF_Attributes + 1] & KR_RB_ATTR_CODEC_MASK) != KR_CODEC_LZ4 || end < f + 7)
        return;
    size_t desc = (buf[f + 4] & 0x08) ? 10 : 2;
    if (end < f + 4 + desc + 1)
        return;
    buf[f + 4 + desc] = (uint8_t)(XXH32(buf + f + 4, desc, 0) >> 8);
}

static void fix_crc(uint8_t *buf, size_t len)
{
    size_t end = claimed_end(buf, len);
    if (end > KR_RB_OF_Attributes)
        put_be32(buf + KR_RB_OF_Crc,
                 kr_fuzz_crc32c_ref(buf + KR_RB_OF_Attributes, end - KR_RB_OF_Attributes));
}

static bool inside(kr_str_t s, const uint8_t *base, size_t len)
{
    if (s.len < 0)
        return s.len == -1 && s.ptr == NULL;
    kr_fuzz_check_str(s, false, base, len);
    return true;
}

/* liblz4's frame decoder must take what kring's took, and give the same bytes. */
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
        if (LZ4F_isError(hint)) {
            fprintf(stderr, "LZ4F_decompress: %s\n", LZ4F_getErrorName(hint));
            KR_FUZZ_CHECK(!"kring accepted an LZ4 frame that liblz4 refuses");
        }
        KR_FUZZ_CHECK(src_n > 0 || dst_n > 0 || hint == 0);
        in_off += src_n;
        out_off += dst_n;
    }
    KR_FUZZ_CHECK_EQ(in_off, len);
    KR_FUZZ_CHECK_EQ(out_off, records_len);
    KR_FUZZ_CHECK(records_len == 0 || memcmp(out, records, records_len) == 0);
    free(out);
}

/*
 * Walks the records. Returns true if all RecordsCount records parsed, having stored them
 * in rs (headers in rs->hdrs while they fit; false if they do not).
 */
static bool walk_records(const kr_batch_info_t *bi, kr_fuzz_recs_t *rs)
{
    kr_batch_iter_t it;
    kr_batch_iter_init(&it, bi);
    rs->cnt = 0;
    rs->hdr_cnt = 0;
    rs->base_ts = bi->base_timestamp;
    bool fits = true;
    for (int64_t i = 0; i <= bi->records_count; i++) {
        kr_batch_record_t rec;
        int rc = kr_batch_iter_next(&it, &rec);
        if (rc == 0) {
            KR_FUZZ_CHECK_EQ(i, bi->records_count);
            KR_FUZZ_CHECK_EQ(kr_batch_iter_next(&it, &rec), 0);
            return fits;
        }
        if (rc < 0) {
            KR_FUZZ_CHECK(rc == KR_ETRUNC || rc == KR_EMALFORMED);
            KR_FUZZ_CHECK_EQ(kr_batch_iter_next(&it, &rec), rc); /* sticky */
            return false;
        }
        KR_FUZZ_CHECK_EQ(rc, 1);
        KR_FUZZ_CHECK(i < bi->records_count);
        KR_FUZZ_CHECK(inside(rec.key, bi->records, bi->records_len));
        KR_FUZZ_CHECK(inside(rec.value, bi->records, bi->records_len));
        KR_FUZZ_CHECK(rec.header_count >= 0);
        KR_FUZZ_CHECK(rec.headers >= bi->records);
        KR_FUZZ_CHECK(rec.headers_len <= (size_t)(bi->records + bi->records_len - rec.headers));
        kr_fuzz_rec_t *r = i < KR_FUZZ_MAX_RECS ? &rs->recs[i] : NULL;
        if (r == NULL)
            fits = false;
        else {
            r->ts = rec.timestamp;
            r->key = rec.key;
            r->value = rec.value;
            r->hdr_first = rs->hdr_cnt;
            r->hdr_cnt = 0;
            rs->cnt++;
        }
        kr_record_headers_t hi;
        kr_record_headers_init(&hi, &rec);
        kr_str_t k, v;
        for (int32_t h = 0; h < rec.header_count; h++) {
            KR_FUZZ_CHECK(kr_record_headers_next(&hi, &k, &v));
            KR_FUZZ_CHECK(k.len >= 0);
            KR_FUZZ_CHECK(inside(k, rec.headers, rec.headers_len));
            KR_FUZZ_CHECK(inside(v, rec.headers, rec.headers_len));
            if (r == NULL || rs->hdr_cnt == KR_FUZZ_MAX_HDRS) {
                fits = false;
                continue;
            }
            rs->hdrs[rs->hdr_cnt++] =
                (kr_record_header_t){k.len > 0 ? k.ptr : "", (size_t)k.len,
                                     v.len < 0 ? NULL : v.ptr, v.len < 0 ? 0 : (size_t)v.len};
            r->hdr_cnt++;
        }
        KR_FUZZ_CHECK(!kr_record_headers_next(&hi, &k, &v));
    }
    KR_FUZZ_CHECK(!"more records than RecordsCount");
    return false;
}

/* Builds the parsed records again (codec none) and reads them back. */
static void rebuild(const kr_batch_info_t *bi, const kr_fuzz_recs_t *rs)
{
    size_t cap = KR_RB_HEADER_SIZE + 2 * bi->records_len + 16;
    uint8_t *mem = malloc(cap);
    KR_FUZZ_CHECK(mem != NULL);
    kr_batch_builder_t b;
    kr_batch_open(&b, mem, cap, bi->base_timestamp);
    size_t appended;
    KR_FUZZ_CHECK_EQ(kr_fuzz_append_recs(&b, rs, &appended), 0);
    kr_batch_producer_t p = {bi->producer_id, bi->producer_epoch, bi->base_sequence,
                             (bi->attributes & KR_RB_ATTR_TRANSACTIONAL) != 0};
    KR_FUZZ_CHECK_EQ(kr_batch_close(&b, KR_CODEC_NONE, &p, NULL, NULL, 0), 0);
    kr_batch_info_t bi2;
    KR_FUZZ_CHECK_EQ(kr_batch_read(&bi2, b.out, b.out_len, NULL, 0, NULL), 0);
    KR_FUZZ_CHECK(bi2.producer_id == bi->producer_id);
    KR_FUZZ_CHECK_EQ(bi2.producer_epoch, bi->producer_epoch);
    KR_FUZZ_CHECK_EQ(bi2.base_sequence, bi->base_sequence);
    KR_FUZZ_CHECK(bi2.max_timestamp == kr_fuzz_max_ts(rs, rs->cnt));
    kr_fuzz_check_recs(&bi2, rs);
    free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kr_fuzz_recs_t rs;
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    size_t len = size - 1;
    uint8_t *buf = malloc(len > 0 ? len : 1);
    KR_FUZZ_CHECK(buf != NULL);
    memcpy(buf, data + 1, len);
    if (len >= KR_RB_HEADER_SIZE) {
        if (mode & 2)
            fix_lz4_hc(buf, len);
        if (mode & 1)
            fix_crc(buf, len);
    }
    size_t out_cap = (mode >> 2) == 63 ? (size_t)1 << 20 : (size_t)(mode >> 2) * 2048;
    uint8_t *out = out_cap > 0 ? malloc(out_cap) : NULL;
    KR_FUZZ_CHECK(out_cap == 0 || out != NULL);

    static kr_zstd_dws_t *zd;
    if (zd == NULL) {
        zd = kr_zstd_dws_init(malloc(kr_zstd_dws_size()), kr_zstd_dws_size());
        KR_FUZZ_CHECK(zd != NULL);
    }
    kr_batch_info_t bi;
    int rc = kr_batch_read(&bi, len > 0 ? buf : NULL, len, out, out_cap, zd);
    KR_FUZZ_CHECK(rc == 0 || rc == KR_ETRUNC || rc == KR_EVERSION || rc == KR_EMALFORMED ||
                  rc == KR_ECRC || rc == KR_ECODEC || rc == KR_ENOSPC);
    if (rc == 0) {
        KR_FUZZ_CHECK(bi.size <= len);
        KR_FUZZ_CHECK_EQ(bi.size, (int64_t)bi.batch_length + KR_RB_LOG_OVERHEAD);
        KR_FUZZ_CHECK_EQ(bi.magic, KR_RB_MAGIC);
        KR_FUZZ_CHECK_EQ(
            bi.crc, kr_fuzz_crc32c_ref(buf + KR_RB_OF_Attributes, bi.size - KR_RB_OF_Attributes));
        KR_FUZZ_CHECK(bi.records_count >= 0);
        KR_FUZZ_CHECK((size_t)bi.records_count <= bi.records_len / 7);
        int codec = bi.attributes & KR_RB_ATTR_CODEC_MASK;
        if (codec == KR_CODEC_NONE) {
            KR_FUZZ_CHECK(bi.records == buf + KR_RB_HEADER_SIZE);
            KR_FUZZ_CHECK_EQ(bi.records_len, bi.size - KR_RB_HEADER_SIZE);
        } else if (codec == KR_CODEC_ZSTD) {
            /* libzstd's own one-shot decoder agrees on every accepted frame. */
            KR_FUZZ_CHECK(bi.records == out && bi.records_len <= out_cap);
            uint8_t *ref = malloc(bi.records_len + 1);
            KR_FUZZ_CHECK(ref != NULL);
            size_t n = ZSTD_decompress(ref, bi.records_len + 1, buf + KR_RB_HEADER_SIZE,
                                       bi.size - KR_RB_HEADER_SIZE);
            KR_FUZZ_CHECK(!ZSTD_isError(n) && n == bi.records_len);
            KR_FUZZ_CHECK(n == 0 || memcmp(ref, bi.records, n) == 0);
            free(ref);
        } else {
            KR_FUZZ_CHECK_EQ(codec, KR_CODEC_LZ4);
            KR_FUZZ_CHECK(bi.records == out && bi.records_len <= out_cap);
            check_lz4f(buf + KR_RB_HEADER_SIZE, bi.size - KR_RB_HEADER_SIZE, bi.records,
                       bi.records_len);
        }
        if (walk_records(&bi, &rs) && rs.cnt > 0)
            rebuild(&bi, &rs);
    }
    free(out);
    free(buf);
    return 0;
}
