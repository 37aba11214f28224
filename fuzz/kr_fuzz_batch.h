/*
 * RecordBatch helpers for the batch harnesses: a reference CRC-32C (a plain table
 * loop, independent of kring's hardware paths), a list of records drawn from the fuzz
 * input, a builder run that checks kr_batch_record_size() against every append, and a
 * reader run that compares every record field and header with the list.
 *
 * Header-only; every function is static inline.
 */
#ifndef KR_FUZZ_BATCH_H
#define KR_FUZZ_BATCH_H

#include "kr_batch.h"

#include "kr_fuzz.h"

/* ---------------------------------------------------------------- reference CRC-32C */

/* Bitwise-built table, byte-at-a-time loop: slow and obviously right. */
KR_FUZZ_NO_COV static inline uint32_t kr_fuzz_crc32c_ref(const void *buf, size_t len)
{
    static uint32_t table[256];
    static bool ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            table[i] = c;
        }
        ready = true;
    }
    const uint8_t *p = buf;
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < len; i++)
        c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* ---------------------------------------------------------------- record lists */

/* One record as the caller appends it; len -1 means null. */
typedef struct kr_fuzz_rec {
    int64_t ts;
    kr_str_t key;
    kr_str_t value;
    size_t hdr_first; /* into kr_fuzz_recs_t.hdrs */
    size_t hdr_cnt;
} kr_fuzz_rec_t;

#define KR_FUZZ_MAX_RECS 256
#define KR_FUZZ_MAX_HDRS 1024
#define KR_FUZZ_MAX_BIG (200u << 10) /* bytes of synthetic large values, per input */

typedef struct kr_fuzz_recs {
    int64_t base_ts;
    kr_fuzz_rec_t recs[KR_FUZZ_MAX_RECS];
    size_t cnt;
    kr_record_header_t hdrs[KR_FUZZ_MAX_HDRS];
    size_t hdr_cnt;
    /* Synthetic values larger than any fuzz input, to cross LZ4's 64 KB blocks. */
    uint8_t *big;
    size_t big_used;
} kr_fuzz_recs_t;

static inline const char *kr_fuzz_str_ptr(kr_str_t s) { return s.len < 0 ? NULL : s.ptr; }
static inline size_t kr_fuzz_str_len(kr_str_t s) { return s.len < 0 ? 0 : (size_t)s.len; }

/* Fills p[0..n): xorshift bytes (incompressible) or slowly changing ones (compressible). */
KR_FUZZ_NO_COV static inline void kr_fuzz_fill(uint8_t *p, size_t n, uint64_t seed, bool random)
{
    uint64_t s = seed | 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        p[i] = random ? (uint8_t)s : (uint8_t)(i / 97);
    }
}

/*
 * A key or value: null, empty, bytes of the input, or (values only, rarely) a large
 * synthetic one: incompressible xorshift bytes or a repeated input byte.
 */
static inline kr_str_t kr_fuzz_gen_blob(kr_fuzz_in_t *in, kr_fuzz_recs_t *rs, bool big_ok)
{
    static const char empty[1];
    uint8_t sel = kr_fuzz_u8(in);
    if (sel % 8 == 0)
        return (kr_str_t){NULL, -1};
    if (sel % 8 == 1)
        return (kr_str_t){empty, 0};
    uint8_t big =
        big_ok && sel == 0xff && rs->big != NULL && rs->big_used == 0 ? kr_fuzz_u8(in) : 0xff;
    if (big < 64) {
        size_t n = 1 + (size_t)kr_fuzz_u16(in) * 4; /* up to 256 KB, one per input */
        if (n > KR_FUZZ_MAX_BIG - rs->big_used)
            n = KR_FUZZ_MAX_BIG - rs->big_used;
        uint8_t *p = rs->big + rs->big_used;
        kr_fuzz_fill(p, n, kr_fuzz_u64(in), (big & 1) != 0);
        rs->big_used += n;
        return (kr_str_t){(const char *)p, (int32_t)n};
    }
    size_t n;
    const uint8_t *p = kr_fuzz_bytes(in, 255, &n);
    return (kr_str_t){(const char *)p, (int32_t)n};
}

/* A timestamp near the base, or anywhere in int64. */
static inline int64_t kr_fuzz_gen_ts(kr_fuzz_in_t *in, int64_t base)
{
    switch (kr_fuzz_below(in, 4)) {
    case 0:
        return base;
    case 1:
        return (int64_t)((uint64_t)base + (uint64_t)(int64_t)(int16_t)kr_fuzz_u16(in));
    case 2:
        return (int64_t)((uint64_t)base + (uint64_t)(int64_t)(int32_t)kr_fuzz_u32(in));
    default:
        return (int64_t)kr_fuzz_u64(in);
    }
}

/* Draws records from the input until it runs out (at least one, at most max). */
static inline void kr_fuzz_gen_recs(kr_fuzz_in_t *in, kr_fuzz_recs_t *rs, size_t max)
{
    rs->cnt = 0;
    rs->hdr_cnt = 0;
    rs->big_used = 0;
    if (max > KR_FUZZ_MAX_RECS)
        max = KR_FUZZ_MAX_RECS;
    switch (kr_fuzz_below(in, 4)) {
    case 0:
        rs->base_ts = 0;
        break;
    case 1:
        rs->base_ts = 1700000000000LL + (int64_t)kr_fuzz_u32(in);
        break;
    default:
        rs->base_ts = (int64_t)kr_fuzz_u64(in);
        break;
    }
    do {
        kr_fuzz_rec_t *r = &rs->recs[rs->cnt++];
        r->ts = kr_fuzz_gen_ts(in, rs->base_ts);
        r->key = kr_fuzz_gen_blob(in, rs, false);
        r->value = kr_fuzz_gen_blob(in, rs, true);
        r->hdr_first = rs->hdr_cnt;
        r->hdr_cnt = kr_fuzz_below(in, 8);
        if (r->hdr_cnt > 4)
            r->hdr_cnt = 0;
        if (r->hdr_cnt > KR_FUZZ_MAX_HDRS - rs->hdr_cnt)
            r->hdr_cnt = KR_FUZZ_MAX_HDRS - rs->hdr_cnt;
        for (size_t i = 0; i < r->hdr_cnt; i++) {
            kr_record_header_t *h = &rs->hdrs[rs->hdr_cnt++];
            kr_str_t k = kr_fuzz_gen_blob(in, rs, false);
            kr_str_t v = kr_fuzz_gen_blob(in, rs, false);
            h->key = k.len < 0 ? "" : k.ptr; /* header keys are never null */
            h->key_len = kr_fuzz_str_len(k);
            h->value = kr_fuzz_str_ptr(v);
            h->value_len = kr_fuzz_str_len(v);
        }
    } while (in->left > 0 && rs->cnt < max);
}

/*
 * Appends every record to b, checking that each takes exactly kr_batch_record_size()
 * bytes and raises the count by one. Returns 0, or KR_EBATCHFULL at the first record that
 * does not fit (the builder must then be unchanged); *appended gets the records written.
 */
static inline int kr_fuzz_append_recs(kr_batch_builder_t *b, const kr_fuzz_recs_t *rs,
                                      size_t *appended)
{
    *appended = 0;
    for (size_t i = 0; i < rs->cnt; i++) {
        const kr_fuzz_rec_t *r = &rs->recs[i];
        const kr_record_header_t *h = r->hdr_cnt > 0 ? &rs->hdrs[r->hdr_first] : NULL;
        size_t want = kr_batch_record_size(b, r->ts, kr_fuzz_str_ptr(r->key),
                                           kr_fuzz_str_len(r->key), kr_fuzz_str_ptr(r->value),
                                           kr_fuzz_str_len(r->value), h, r->hdr_cnt);
        uint8_t *pos = b->pos;
        int32_t count = b->count;
        size_t space = kr_batch_space(b);
        int rc =
            kr_batch_append(b, r->ts, kr_fuzz_str_ptr(r->key), kr_fuzz_str_len(r->key),
                            kr_fuzz_str_ptr(r->value), kr_fuzz_str_len(r->value), h, r->hdr_cnt);
        if (rc != 0) {
            KR_FUZZ_CHECK_EQ(rc, KR_EBATCHFULL);
            KR_FUZZ_CHECK(want > space);
            KR_FUZZ_CHECK(b->pos == pos && b->count == count);
            return rc;
        }
        KR_FUZZ_CHECK(want <= space);
        KR_FUZZ_CHECK_EQ((size_t)(b->pos - pos), want);
        KR_FUZZ_CHECK_EQ(b->count, count + 1);
        (*appended)++;
    }
    return 0;
}

/* The largest timestamp of the first n records. */
static inline int64_t kr_fuzz_max_ts(const kr_fuzz_recs_t *rs, size_t n)
{
    int64_t m = INT64_MIN;
    for (size_t i = 0; i < n; i++)
        m = rs->recs[i].ts > m ? rs->recs[i].ts : m;
    return m;
}

static inline void kr_fuzz_expect_blob(kr_str_t got, const void *p, size_t len)
{
    if (p == NULL) {
        KR_FUZZ_CHECK_EQ(got.len, -1);
        return;
    }
    KR_FUZZ_CHECK_EQ(got.len, (int64_t)len);
    KR_FUZZ_CHECK(len == 0 || memcmp(got.ptr, p, len) == 0);
}

/*
 * Iterates the records of an accepted batch and compares them with rs: timestamp, offset
 * delta (= index), key, value and every header; then the clean end, twice (sticky).
 */
static inline void kr_fuzz_check_recs(const kr_batch_info_t *info, const kr_fuzz_recs_t *rs)
{
    KR_FUZZ_CHECK_EQ(info->records_count, (int64_t)rs->cnt);
    kr_batch_iter_t it;
    kr_batch_iter_init(&it, info);
    for (size_t i = 0; i < rs->cnt; i++) {
        const kr_fuzz_rec_t *r = &rs->recs[i];
        kr_batch_record_t rec;
        KR_FUZZ_CHECK_EQ(kr_batch_iter_next(&it, &rec), 1);
        KR_FUZZ_CHECK_EQ(rec.attributes, 0);
        KR_FUZZ_CHECK(rec.timestamp == r->ts);
        KR_FUZZ_CHECK_EQ(rec.offset_delta, (int64_t)i);
        kr_fuzz_expect_blob(rec.key, kr_fuzz_str_ptr(r->key), kr_fuzz_str_len(r->key));
        kr_fuzz_expect_blob(rec.value, kr_fuzz_str_ptr(r->value), kr_fuzz_str_len(r->value));
        KR_FUZZ_CHECK_EQ(rec.header_count, (int64_t)r->hdr_cnt);
        kr_record_headers_t hi;
        kr_record_headers_init(&hi, &rec);
        for (size_t k = 0; k < r->hdr_cnt; k++) {
            const kr_record_header_t *h = &rs->hdrs[r->hdr_first + k];
            kr_str_t hk, hv;
            KR_FUZZ_CHECK(kr_record_headers_next(&hi, &hk, &hv));
            kr_fuzz_expect_blob(hk, h->key, h->key_len);
            kr_fuzz_expect_blob(hv, h->value, h->value_len);
        }
        kr_str_t hk, hv;
        KR_FUZZ_CHECK(!kr_record_headers_next(&hi, &hk, &hv));
    }
    kr_batch_record_t rec;
    KR_FUZZ_CHECK_EQ(kr_batch_iter_next(&it, &rec), 0);
    KR_FUZZ_CHECK_EQ(kr_batch_iter_next(&it, &rec), 0);
}

#endif
