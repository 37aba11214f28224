/* RecordBatch v2: builder, LZ4 frame writer, ZSTD close, re-stamp, reader. */
#include "kr_batch.h"

#include <assert.h>
#include <string.h>

#include <lz4.h>
#include <xxhash.h>

#include "kr_crc32c.h"

/* LZ4 frame format (lz4_Frame_format.md). */
#define LZ4F_MAGIC 0x184D2204u
#define LZ4F_FLG_VERSION 0x40 /* version 01 in bits 7-6 */
#define LZ4F_FLG_VERSION_MASK 0xc0
#define LZ4F_FLG_BLOCK_INDEP 0x20
#define LZ4F_FLG_BLOCK_CSUM 0x10
#define LZ4F_FLG_CONTENT_SIZE 0x08
#define LZ4F_FLG_CONTENT_CSUM 0x04
#define LZ4F_FLG_RESERVED 0x02
#define LZ4F_FLG_DICT_ID 0x01
#define LZ4F_BD_64KB 0x40 /* block max size id 4 in bits 6-4 */
#define LZ4F_BD_RESERVED 0x8f
#define LZ4F_BLOCK_RAW 0x80000000u
/* Below this block size, skip the full state reset LZ4_compress_fast_extState does. */
#define LZ4_SMALL_BLOCK 4096

/* The smallest record: Length, Attributes, TimestampDelta, OffsetDelta, KeyLength,
 * ValueLength, HeaderCount: one byte each. */
#define KR_RECORD_MIN_SIZE 7

/* ---- little helpers ---- */

static inline void put_be16(uint8_t *p, uint16_t v)
{
    v = __builtin_bswap16(v);
    memcpy(p, &v, 2);
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    v = __builtin_bswap32(v);
    memcpy(p, &v, 4);
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
    v = __builtin_bswap64(v);
    memcpy(p, &v, 8);
}

static inline uint32_t get_be32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

/* Bytes of the unsigned varint v: ceil(significant bits / 7), at least 1. */
static inline size_t uv_size(uint64_t v)
{
    unsigned bits = 64u - (unsigned)__builtin_clzll(v | 1);
    return (bits * 9 + 64) >> 6;
}

static inline uint8_t *put_uv(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* ---- builder ---- */

void kr_batch_open(kr_batch_builder_t *b, void *mem, size_t cap, int64_t base_timestamp)
{
    assert(b != NULL);
    assert(mem != NULL);
    assert(cap >= KR_RB_HEADER_SIZE);
    assert(cap <= KR_BATCH_CAP_MAX);
    b->base = mem;
    b->pos = b->base + KR_RB_HEADER_SIZE;
    b->end = b->base + cap;
    b->base_timestamp = base_timestamp;
    b->max_timestamp = INT64_MIN;
    b->count = 0;
    b->closed = false;
    b->out = NULL;
    b->out_len = 0;
}

static inline size_t len_clamp(size_t n) { return n < KR_BATCH_CAP_MAX ? n : KR_BATCH_CAP_MAX; }

/*
 * Encoded size of the headers section: HeaderCount and every header. Lengths are
 * clamped so that an absurd one cannot wrap the sum: it still exceeds any batch.
 */
static size_t headers_size(const kr_record_header_t *h, size_t n)
{
    size_t s = uv_size((uint64_t)len_clamp(n) << 1);
    for (size_t i = 0; i < n; i++) {
        assert(h[i].key != NULL);
        size_t kl = len_clamp(h[i].key_len), vl = len_clamp(h[i].value_len);
        s += uv_size((uint64_t)kl << 1) + kl;
        s += h[i].value != NULL ? uv_size((uint64_t)vl << 1) + vl : 1;
    }
    return s;
}

/* Writes the headers section at p; the caller checked that it fits. Returns the end. */
static uint8_t *headers_put(uint8_t *p, const kr_record_header_t *h, size_t n)
{
    p = put_uv(p, (uint64_t)n << 1);
    for (size_t i = 0; i < n; i++) {
        p = put_uv(p, (uint64_t)h[i].key_len << 1);
        memcpy(p, h[i].key, h[i].key_len);
        p += h[i].key_len;
        if (h[i].value == NULL) {
            *p++ = 1; /* zigzag(-1) */
            continue;
        }
        p = put_uv(p, (uint64_t)h[i].value_len << 1);
        memcpy(p, h[i].value, h[i].value_len);
        p += h[i].value_len;
    }
    return p;
}

/*
 * The varint fields of one record, computed once and used for both sizing and
 * writing. Lengths over KR_BATCH_CAP_MAX make `body` exceed any batch.
 */
typedef struct rec_plan {
    uint64_t ts_zz, off_zz, key_zz, val_zz;
    size_t key_len, val_len, hdr_len, body;
} rec_plan_t;

static inline void rec_plan(rec_plan_t *rp, const kr_batch_builder_t *b, int64_t ts,
                            const void *key, size_t key_len, const void *value, size_t value_len,
                            const kr_record_header_t *headers, size_t header_count)
{
    assert(headers != NULL || header_count == 0);
    size_t kl = key != NULL ? len_clamp(key_len) : 0;
    size_t vl = value != NULL ? len_clamp(value_len) : 0;
    rp->key_len = kl;
    rp->val_len = vl;
    rp->ts_zz = zigzag64((int64_t)((uint64_t)ts - (uint64_t)b->base_timestamp));
    rp->off_zz = (uint64_t)(uint32_t)b->count << 1;
    rp->key_zz = key != NULL ? (uint64_t)kl << 1 : 1;
    rp->val_zz = value != NULL ? (uint64_t)vl << 1 : 1;
    rp->hdr_len = header_count != 0 ? headers_size(headers, header_count) : 1;
    rp->body = 1 + uv_size(rp->ts_zz) + uv_size(rp->off_zz) + uv_size(rp->key_zz) + kl +
               uv_size(rp->val_zz) + vl + rp->hdr_len;
}

size_t kr_batch_record_size(const kr_batch_builder_t *b, int64_t timestamp, const void *key,
                            size_t key_len, const void *value, size_t value_len,
                            const kr_record_header_t *headers, size_t header_count)
{
    rec_plan_t rp;
    rec_plan(&rp, b, timestamp, key, key_len, value, value_len, headers, header_count);
    return uv_size((uint64_t)rp.body << 1) + rp.body;
}

int kr_batch_append(kr_batch_builder_t *b, int64_t timestamp, const void *key, size_t key_len,
                    const void *value, size_t value_len, const kr_record_header_t *headers,
                    size_t header_count)
{
    assert(b != NULL);
    assert(!b->closed);
    rec_plan_t rp;
    rec_plan(&rp, b, timestamp, key, key_len, value, value_len, headers, header_count);
    size_t total = uv_size((uint64_t)rp.body << 1) + rp.body;
    if (total > (size_t)(b->end - b->pos))
        return KR_EBATCHFULL;
    uint8_t *p = put_uv(b->pos, (uint64_t)rp.body << 1);
    *p++ = 0; /* record Attributes: none defined */
    p = put_uv(p, rp.ts_zz);
    p = put_uv(p, rp.off_zz);
    p = put_uv(p, rp.key_zz);
    /* "" keeps memcpy's source non-null for null keys (length 0 then). */
    memcpy(p, key != NULL ? key : "", rp.key_len);
    p += rp.key_len;
    p = put_uv(p, rp.val_zz);
    memcpy(p, value != NULL ? value : "", rp.val_len);
    p += rp.val_len;
    if (header_count != 0)
        p = headers_put(p, headers, header_count);
    else
        *p++ = 0;
    assert(p == b->pos + total);
    b->pos = p;
    b->count++;
    b->max_timestamp = timestamp > b->max_timestamp ? timestamp : b->max_timestamp;
    return 0;
}

/* ---- bounds ---- */

size_t kr_batch_bound(size_t records_len, int codec)
{
    assert(codec == KR_CODEC_NONE || codec == KR_CODEC_LZ4 || codec == KR_CODEC_ZSTD);
    if (codec == KR_CODEC_NONE)
        return KR_RB_HEADER_SIZE + records_len;
    if (codec == KR_CODEC_ZSTD)
        return KR_RB_HEADER_SIZE + kr_zstd_bound(records_len);
    size_t full = records_len / KR_LZ4_BLOCK_SIZE;
    size_t last = records_len % KR_LZ4_BLOCK_SIZE;
    size_t n = KR_RB_HEADER_SIZE + KR_LZ4_FRAME_OVERHEAD;
    n += full * (4 + (size_t)LZ4_COMPRESSBOUND(KR_LZ4_BLOCK_SIZE));
    if (last != 0)
        n += 4 + (size_t)LZ4_COMPRESSBOUND(last);
    return n;
}

size_t kr_batch_lz4_inplace_cap(size_t slot_size)
{
    /*
     * Largest n with n + 4 * ceil(n / B) <= m. With j = floor(m / (B + 4)), it is
     * either j full blocks (j * B) or j + 1 blocks, the last partial (m - 4 (j + 1)).
     */
    const size_t fixed = KR_RB_HEADER_SIZE + KR_LZ4_FRAME_OVERHEAD;
    if (slot_size <= fixed + 4)
        return KR_RB_HEADER_SIZE;
    size_t m = slot_size - fixed;
    size_t j = m / (KR_LZ4_BLOCK_SIZE + 4);
    size_t full = j * KR_LZ4_BLOCK_SIZE;
    size_t part = m - 4 * (j + 1);
    size_t cap = KR_RB_HEADER_SIZE + (full > part ? full : part);
    return cap < KR_BATCH_CAP_MAX ? cap : KR_BATCH_CAP_MAX;
}

size_t kr_batch_zstd_inplace_cap(size_t slot_size)
{
    /* The bound grows with the input (never shrinks): search for the largest fit. */
    if (slot_size <= KR_RB_HEADER_SIZE + kr_zstd_bound(0))
        return KR_RB_HEADER_SIZE;
    size_t lo = 0, hi = slot_size - KR_RB_HEADER_SIZE;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (KR_RB_HEADER_SIZE + kr_zstd_bound(mid) <= slot_size)
            lo = mid;
        else
            hi = mid - 1;
    }
    size_t cap = KR_RB_HEADER_SIZE + lo;
    return cap < KR_BATCH_CAP_MAX ? cap : KR_BATCH_CAP_MAX;
}

/* ---- close ---- */

size_t kr_lz4_ws_size(void) { return (size_t)LZ4_sizeofState(); }

kr_lz4_ws_t *kr_lz4_ws_init(void *mem, size_t size)
{
    if (mem == NULL || size > INT32_MAX)
        return NULL;
    return (kr_lz4_ws_t *)LZ4_initStream(mem, size);
}

/*
 * Compresses one block as an independent LZ4 block. Small blocks reuse the state
 * without clearing its hash table (liblz4's own "fast reset": positions from earlier
 * blocks fall outside the window); big ones take the full reset, which is what
 * liblz4 does for them anyway. Returns the compressed size, 0 if it did not fit.
 */
static int lz4_block_compress(kr_lz4_ws_t *ws, const uint8_t *src, uint8_t *dst, int len, int cap)
{
    if (len < LZ4_SMALL_BLOCK) {
        LZ4_resetStream_fast((LZ4_stream_t *)ws);
        return LZ4_compress_fast_continue((LZ4_stream_t *)ws, (const char *)src, (char *)dst, len,
                                          cap, 1);
    }
    return LZ4_compress_fast_extState(ws, (const char *)src, (char *)dst, len, cap, 1);
}

/*
 * Writes one block (size word and data) at *pp, before `end`: compressed if that
 * is smaller, else raw. Returns 0 or KR_ENOSPC.
 */
static int lz4_block_put(kr_lz4_ws_t *ws, uint8_t **pp, const uint8_t *end, const uint8_t *src,
                         size_t len)
{
    uint8_t *p = *pp;
    size_t room = (size_t)(end - p);
    if (room < 4)
        return KR_ENOSPC;
    room -= 4;
    int bound = LZ4_COMPRESSBOUND((int)len);
    int cap = room < (size_t)bound ? (int)room : bound;
    int c = lz4_block_compress(ws, src, p + 4, (int)len, cap);
    if (c > 0 && (size_t)c < len) {
        put_le32(p, (uint32_t)c);
        *pp = p + 4 + c;
        return 0;
    }
    if (room < len)
        return KR_ENOSPC;
    put_le32(p, (uint32_t)len | LZ4F_BLOCK_RAW);
    memcpy(p + 4, src, len);
    *pp = p + 4 + len;
    return 0;
}

/* Writes src[0..len) as one LZ4 frame into dst[0..cap); *out_len gets its size. */
static int lz4_frame_put(kr_lz4_ws_t *ws, uint8_t *dst, size_t cap, const uint8_t *src, size_t len,
                         size_t *out_len)
{
    if (cap < KR_LZ4_FRAME_OVERHEAD)
        return KR_ENOSPC;
    put_le32(dst, LZ4F_MAGIC);
    dst[4] = LZ4F_FLG_VERSION | LZ4F_FLG_BLOCK_INDEP;
    dst[5] = LZ4F_BD_64KB;
    dst[6] = (uint8_t)(XXH32(dst + 4, 2, 0) >> 8);
    uint8_t *p = dst + KR_LZ4_FRAME_HEADER_SIZE;
    const uint8_t *end = dst + cap - 4; /* keep room for the end mark */
    for (size_t off = 0; off < len; off += KR_LZ4_BLOCK_SIZE) {
        size_t n = len - off < KR_LZ4_BLOCK_SIZE ? len - off : KR_LZ4_BLOCK_SIZE;
        int rc = lz4_block_put(ws, &p, end, src + off, n);
        if (rc != 0)
            return rc;
    }
    put_le32(p, 0);
    *out_len = (size_t)(p + 4 - dst);
    return 0;
}

/* Fills the header of the finished batch at h (size bytes in all), CRC last. */
static void batch_header_put(uint8_t *h, size_t size, int16_t attributes,
                             const kr_batch_builder_t *b, const kr_batch_producer_t *pr)
{
    put_be64(h + KR_RB_OF_BaseOffset, 0);
    put_be32(h + KR_RB_OF_BatchLength, (uint32_t)(size - KR_RB_LOG_OVERHEAD));
    put_be32(h + KR_RB_OF_PartitionLeaderEpoch, UINT32_MAX); /* -1 */
    h[KR_RB_OF_Magic] = KR_RB_MAGIC;
    put_be16(h + KR_RB_OF_Attributes, (uint16_t)attributes);
    put_be32(h + KR_RB_OF_LastOffsetDelta, (uint32_t)(b->count - 1));
    put_be64(h + KR_RB_OF_BaseTimestamp, (uint64_t)b->base_timestamp);
    put_be64(h + KR_RB_OF_MaxTimestamp, (uint64_t)b->max_timestamp);
    put_be64(h + KR_RB_OF_ProducerId, (uint64_t)(pr ? pr->id : -1));
    put_be16(h + KR_RB_OF_ProducerEpoch, (uint16_t)(pr ? pr->epoch : -1));
    put_be32(h + KR_RB_OF_BaseSequence, (uint32_t)(pr ? pr->base_sequence : -1));
    put_be32(h + KR_RB_OF_RecordsCount, (uint32_t)b->count);
    uint32_t crc = kr_crc32c(0, h + KR_RB_OF_Attributes, size - KR_RB_OF_Attributes);
    put_be32(h + KR_RB_OF_Crc, crc);
}

/* Writes the header of the batch now at out (size bytes) and marks the builder closed. */
static void batch_finish(kr_batch_builder_t *b, uint8_t *out, size_t size, int16_t attributes,
                         const kr_batch_producer_t *producer)
{
    assert(size - KR_RB_LOG_OVERHEAD <= (size_t)INT32_MAX);
    batch_header_put(out, size, attributes, b, producer);
    b->out = out;
    b->out_len = size;
    b->closed = true;
}

int kr_batch_close(kr_batch_builder_t *b, int codec, const kr_batch_producer_t *producer,
                   kr_lz4_ws_t *ws, void *dst, size_t dst_cap)
{
    assert(b != NULL);
    assert(!b->closed);
    assert(b->count > 0);
    assert(codec == KR_CODEC_NONE || codec == KR_CODEC_LZ4);
    int16_t attributes = (int16_t)codec;
    if (producer != NULL && producer->transactional)
        attributes |= KR_RB_ATTR_TRANSACTIONAL;
    size_t records_len = kr_batch_records_len(b);
    uint8_t *out = b->base;
    size_t size = KR_RB_HEADER_SIZE + records_len;
    if (codec == KR_CODEC_LZ4) {
        assert(ws != NULL);
        assert(dst != NULL);
        out = dst;
        uintptr_t lo = (uintptr_t)out, hi = lo + dst_cap;
        assert(hi <= (uintptr_t)b->base || lo >= (uintptr_t)b->end);
        (void)hi;
        if (dst_cap < KR_RB_HEADER_SIZE)
            return KR_ENOSPC;
        size_t frame_len = 0;
        int rc = lz4_frame_put(ws, out + KR_RB_HEADER_SIZE, dst_cap - KR_RB_HEADER_SIZE,
                               b->base + KR_RB_HEADER_SIZE, records_len, &frame_len);
        if (rc != 0)
            return rc;
        size = KR_RB_HEADER_SIZE + frame_len;
    }
    batch_finish(b, out, size, attributes, producer);
    return 0;
}

int kr_batch_close_zstd(kr_batch_builder_t *b, const kr_batch_producer_t *producer,
                        kr_zstd_cws_t *ws, void *dst, size_t dst_cap)
{
    assert(b != NULL);
    assert(!b->closed);
    assert(b->count > 0);
    assert(ws != NULL);
    assert(dst != NULL);
    uintptr_t lo = (uintptr_t)dst, hi = lo + dst_cap;
    assert(hi <= (uintptr_t)b->base || lo >= (uintptr_t)b->end);
    (void)hi;
    int16_t attributes = KR_CODEC_ZSTD;
    if (producer != NULL && producer->transactional)
        attributes |= KR_RB_ATTR_TRANSACTIONAL;
    if (dst_cap < KR_RB_HEADER_SIZE)
        return KR_ENOSPC;
    uint8_t *out = dst;
    size_t frame_len = 0;
    int rc = kr_zstd_compress(ws, out + KR_RB_HEADER_SIZE, dst_cap - KR_RB_HEADER_SIZE,
                              b->base + KR_RB_HEADER_SIZE, kr_batch_records_len(b), &frame_len);
    if (rc != 0)
        return rc;
    batch_finish(b, out, KR_RB_HEADER_SIZE + frame_len, attributes, producer);
    return 0;
}

void kr_batch_restamp(void *batch, size_t len, int64_t producer_id, int16_t producer_epoch,
                      int32_t base_sequence)
{
    enum { N = KR_RB_OF_RecordsCount - KR_RB_OF_ProducerId }; /* id, epoch, sequence */
    static const uint8_t zeros[N];
    uint8_t *h = batch;
    assert(h != NULL);
    assert(len >= KR_RB_HEADER_SIZE);
    assert(h[KR_RB_OF_Magic] == KR_RB_MAGIC);
    assert((size_t)get_be32(h + KR_RB_OF_BatchLength) + KR_RB_LOG_OVERHEAD == len);
    uint8_t fresh[N], diff[N];
    put_be64(fresh, (uint64_t)producer_id);
    put_be16(fresh + 8, (uint16_t)producer_epoch);
    put_be32(fresh + 10, (uint32_t)base_sequence);
    for (int i = 0; i < N; i++)
        diff[i] = h[KR_RB_OF_ProducerId + i] ^ fresh[i];
    /*
     * CRC is affine: CRC(M) ^ CRC(M') is the zero-initialised CRC of M ^ M', which is
     * zero but for these N bytes; the bytes after them shift it by len - 57.
     */
    uint32_t delta = kr_crc32c(0, diff, N) ^ kr_crc32c(0, zeros, N);
    delta = kr_crc32c_combine(delta, 0, len - KR_RB_OF_RecordsCount);
    memcpy(h + KR_RB_OF_ProducerId, fresh, N);
    put_be32(h + KR_RB_OF_Crc, get_be32(h + KR_RB_OF_Crc) ^ delta);
}

/* ---- reader: LZ4 frame ---- */

typedef struct lz4_frame_info {
    uint8_t flg;
    size_t block_max;
    uint64_t content_size;
} lz4_frame_info_t;

/* Parses and checks a frame header. */
static int lz4_frame_header_read(kr_rbuf_t *r, lz4_frame_info_t *fi)
{
    const uint8_t *magic = kr_rbuf_raw(r, 4);
    const uint8_t *desc = kr_rbuf_raw(r, 2);
    if (desc == NULL)
        return r->err;
    if (get_le32(magic) != LZ4F_MAGIC)
        return KR_ECODEC;
    fi->flg = desc[0];
    if ((fi->flg & LZ4F_FLG_VERSION_MASK) != LZ4F_FLG_VERSION ||
        (fi->flg & (LZ4F_FLG_RESERVED | LZ4F_FLG_DICT_ID)) != 0 ||
        (fi->flg & LZ4F_FLG_BLOCK_INDEP) == 0)
        return KR_ECODEC; /* Kafka requires independent blocks; no dictionaries */
    unsigned bsid = (desc[1] >> 4) & 7;
    if ((desc[1] & LZ4F_BD_RESERVED) != 0 || bsid < 4)
        return KR_ECODEC;
    fi->block_max = (size_t)1 << (8 + 2 * bsid); /* 4: 64 KB ... 7: 4 MB */
    size_t desc_len = 2;
    fi->content_size = UINT64_MAX;
    if (fi->flg & LZ4F_FLG_CONTENT_SIZE) {
        const uint8_t *cs = kr_rbuf_raw(r, 8);
        if (cs == NULL)
            return r->err;
        fi->content_size = get_le32(cs) | ((uint64_t)get_le32(cs + 4) << 32);
        desc_len += 8;
    }
    const uint8_t *hc = kr_rbuf_raw(r, 1);
    if (hc == NULL)
        return r->err;
    if ((uint8_t)(XXH32(desc, desc_len, 0) >> 8) != hc[0])
        return KR_ECRC;
    return 0;
}

/* Decodes one block of n stored bytes into dst[*used..cap). */
static int lz4_block_read(const lz4_frame_info_t *fi, const uint8_t *data, uint32_t word,
                          uint8_t *dst, size_t cap, size_t *used)
{
    size_t n = word & ~LZ4F_BLOCK_RAW;
    size_t room = cap - *used;
    if (word & LZ4F_BLOCK_RAW) {
        if (n > room)
            return KR_ENOSPC;
        memcpy(dst + *used, data, n);
        *used += n;
        return 0;
    }
    int limit = (int)(room < fi->block_max ? room : fi->block_max);
    int d = LZ4_decompress_safe((const char *)data, (char *)dst + *used, (int)n, limit);
    if (d < 0)
        return room < fi->block_max ? KR_ENOSPC : KR_ECODEC;
    *used += (size_t)d;
    return 0;
}

/* Decompresses the LZ4 frame src[0..len) into dst[0..cap); *out_len gets the size. */
static int lz4_frame_read(const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len)
{
    kr_rbuf_t r;
    lz4_frame_info_t fi = {0, 0, 0};
    kr_rbuf_init(&r, src, len);
    int rc = lz4_frame_header_read(&r, &fi);
    if (rc != 0)
        return rc;
    size_t used = 0;
    while (rc == 0) {
        const uint8_t *w = kr_rbuf_raw(&r, 4);
        if (w == NULL)
            return r.err;
        uint32_t word = get_le32(w);
        if (word == 0)
            break;
        size_t n = word & ~LZ4F_BLOCK_RAW;
        if (n > fi.block_max)
            return KR_ECODEC;
        const uint8_t *data = kr_rbuf_raw(&r, n);
        const uint8_t *sum = (fi.flg & LZ4F_FLG_BLOCK_CSUM) ? kr_rbuf_raw(&r, 4) : data;
        if (sum == NULL)
            return r.err;
        if (sum != data && XXH32(data, n, 0) != get_le32(sum))
            return KR_ECRC;
        rc = lz4_block_read(&fi, data, word, dst, cap, &used);
    }
    if (rc != 0)
        return rc;
    if (fi.flg & LZ4F_FLG_CONTENT_CSUM) {
        const uint8_t *sum = kr_rbuf_raw(&r, 4);
        if (sum == NULL)
            return r.err;
        if (XXH32(dst, used, 0) != get_le32(sum))
            return KR_ECRC;
    }
    if (kr_rbuf_left(&r) != 0 || (fi.content_size != UINT64_MAX && fi.content_size != used))
        return KR_EMALFORMED;
    *out_len = used;
    return 0;
}

/* ---- reader: batch ---- */

/* Reads the fixed header fields (len >= 61 checked by the caller). */
static void batch_header_read(kr_batch_info_t *bi, const uint8_t *p)
{
    kr_rbuf_t r;
    kr_rbuf_init(&r, p, KR_RB_HEADER_SIZE);
    bi->base_offset = kr_rbuf_i64(&r);
    bi->batch_length = kr_rbuf_i32(&r);
    bi->partition_leader_epoch = kr_rbuf_i32(&r);
    bi->magic = kr_rbuf_i8(&r);
    bi->crc = kr_rbuf_u32(&r);
    bi->attributes = kr_rbuf_i16(&r);
    bi->last_offset_delta = kr_rbuf_i32(&r);
    bi->base_timestamp = kr_rbuf_i64(&r);
    bi->max_timestamp = kr_rbuf_i64(&r);
    bi->producer_id = kr_rbuf_i64(&r);
    bi->producer_epoch = kr_rbuf_i16(&r);
    bi->base_sequence = kr_rbuf_i32(&r);
    bi->records_count = kr_rbuf_i32(&r);
    assert(r.err == 0 && kr_rbuf_left(&r) == 0);
}

int kr_batch_read(kr_batch_info_t *bi, const void *data, size_t len, void *out, size_t out_cap,
                  kr_zstd_dws_t *zd)
{
    assert(bi != NULL);
    assert(data != NULL || len == 0);
    assert(out != NULL || out_cap == 0);
    memset(bi, 0, sizeof(*bi));
    const uint8_t *p = data;
    if (len < KR_RB_HEADER_SIZE)
        return KR_ETRUNC;
    batch_header_read(bi, p);
    if (bi->magic != KR_RB_MAGIC)
        return KR_EVERSION;
    if (bi->batch_length < KR_RB_HEADER_SIZE - KR_RB_LOG_OVERHEAD)
        return KR_EMALFORMED;
    bi->size = (size_t)bi->batch_length + KR_RB_LOG_OVERHEAD;
    if (bi->size > len)
        return KR_ETRUNC;
    if (kr_crc32c(0, p + KR_RB_OF_Attributes, bi->size - KR_RB_OF_Attributes) != bi->crc)
        return KR_ECRC;
    if (bi->records_count < 0)
        return KR_EMALFORMED;
    const uint8_t *sect = p + KR_RB_HEADER_SIZE;
    size_t sect_len = bi->size - KR_RB_HEADER_SIZE;
    switch (bi->attributes & KR_RB_ATTR_CODEC_MASK) {
    case KR_CODEC_NONE:
        bi->records = sect;
        bi->records_len = sect_len;
        break;
    case KR_CODEC_LZ4: {
        if (out == NULL)
            return KR_ENOSPC;
        int rc = lz4_frame_read(sect, sect_len, out, out_cap, &bi->records_len);
        if (rc != 0)
            return rc;
        bi->records = out;
        break;
    }
    case KR_CODEC_ZSTD: {
        if (zd == NULL)
            return KR_ECODEC;
        if (out == NULL)
            return KR_ENOSPC;
        int rc = kr_zstd_decompress(zd, out, out_cap, sect, sect_len, &bi->records_len);
        if (rc != 0)
            return rc;
        bi->records = out;
        break;
    }
    default:
        return KR_ECODEC;
    }
    if ((size_t)bi->records_count > bi->records_len / KR_RECORD_MIN_SIZE)
        return KR_EMALFORMED;
    return 0;
}

/* ---- reader: records ---- */

void kr_batch_iter_init(kr_batch_iter_t *it, const kr_batch_info_t *info)
{
    assert(it != NULL);
    assert(info != NULL);
    assert(info->records != NULL || info->records_len == 0);
    kr_rbuf_init(&it->r, info->records, info->records_len);
    it->left = info->records_count;
    it->base_timestamp = info->base_timestamp;
}

/* A varint-prefixed byte string (-1: null), borrowed from the cursor. */
static kr_str_t rbuf_varbytes(kr_rbuf_t *r)
{
    kr_str_t s = {NULL, -1};
    int32_t len = kr_rbuf_varint(r);
    if (r->err != 0 || len == -1)
        return s;
    if (len < -1) {
        kr_rbuf_fail(r, KR_EMALFORMED);
        return s;
    }
    s.ptr = (const char *)kr_rbuf_raw(r, (size_t)len);
    s.len = s.ptr != NULL ? len : -1;
    return s;
}

/* Parses the headers section of a record body and checks every header. */
static void record_headers_read(kr_rbuf_t *r, kr_batch_record_t *rec)
{
    int32_t n = kr_rbuf_varint(r);
    if (r->err == 0 && (n < 0 || (size_t)n > kr_rbuf_left(r) / 2))
        kr_rbuf_fail(r, KR_EMALFORMED); /* each header takes at least 2 bytes */
    if (r->err != 0)
        return;
    rec->header_count = n;
    rec->headers = r->pos;
    for (int32_t i = 0; i < n && r->err == 0; i++) {
        if (rbuf_varbytes(r).len < 0 && r->err == 0)
            kr_rbuf_fail(r, KR_EMALFORMED); /* header keys are never null */
        (void)rbuf_varbytes(r);
    }
    rec->headers_len = r->err == 0 ? (size_t)(r->pos - rec->headers) : 0;
}

int kr_batch_iter_next(kr_batch_iter_t *it, kr_batch_record_t *rec)
{
    assert(it != NULL);
    assert(rec != NULL);
    if (it->r.err != 0)
        return it->r.err;
    if (it->left == 0) {
        if (kr_rbuf_left(&it->r) == 0)
            return 0;
        kr_rbuf_fail(&it->r, KR_EMALFORMED);
        return it->r.err;
    }
    int32_t size = kr_rbuf_varint(&it->r);
    if (it->r.err == 0 && size < KR_RECORD_MIN_SIZE - 1)
        kr_rbuf_fail(&it->r, KR_EMALFORMED);
    const uint8_t *body = kr_rbuf_raw(&it->r, (size_t)size);
    if (body == NULL)
        return it->r.err;
    kr_rbuf_t r;
    kr_rbuf_init(&r, body, (size_t)size);
    memset(rec, 0, sizeof(*rec));
    rec->attributes = kr_rbuf_i8(&r);
    int64_t delta = kr_rbuf_varlong(&r);
    rec->timestamp = (int64_t)((uint64_t)it->base_timestamp + (uint64_t)delta);
    rec->offset_delta = kr_rbuf_varint(&r);
    rec->key = rbuf_varbytes(&r);
    rec->value = rbuf_varbytes(&r);
    record_headers_read(&r, rec);
    if (r.err == 0 && kr_rbuf_left(&r) != 0)
        kr_rbuf_fail(&r, KR_EMALFORMED); /* the body must be consumed exactly */
    if (r.err != 0) {
        kr_rbuf_fail(&it->r, r.err);
        return it->r.err;
    }
    it->left--;
    return 1;
}

void kr_record_headers_init(kr_record_headers_t *hi, const kr_batch_record_t *rec)
{
    assert(hi != NULL);
    assert(rec != NULL);
    kr_rbuf_init(&hi->r, rec->headers, rec->headers_len);
    hi->left = rec->header_count;
}

bool kr_record_headers_next(kr_record_headers_t *hi, kr_str_t *key, kr_str_t *value)
{
    if (hi->left <= 0)
        return false;
    *key = rbuf_varbytes(&hi->r);
    *value = rbuf_varbytes(&hi->r);
    assert(hi->r.err == 0);
    hi->left--;
    return true;
}
