/*
 * Response header reader, v0 and v1 (bit 0 of input byte 0 picks v1, the rest is a
 * response with its Size stripped).
 *
 * Contract checked: never crashes or reads outside the input; returns 0, KR_ETRUNC or
 * KR_EMALFORMED, and the cursor's error is the one returned; on success the
 * CorrelationId is the first four bytes (big-endian) and the cursor stands exactly after
 * the header, as an independent walk of the tagged-field section finds it (v1); a
 * prefix of a header that decoded fails.
 */
#include "kr_fuzz.h"
#include "kr_header.h"

/*
 * Independent walk of a tagged-field section at p[0..n): returns its length, or 0 if it
 * does not parse (a section is never empty: its count takes a byte).
 */
static size_t walk_uvarint(const uint8_t *p, size_t n, size_t *off, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 5; i++) {
        if (*off >= n)
            return 0;
        uint8_t b = p[(*off)++];
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            if (v > UINT32_MAX)
                return 0;
            *out = v;
            return 1;
        }
    }
    return 0;
}

static size_t walk_tags(const uint8_t *p, size_t n)
{
    size_t off = 0;
    uint64_t cnt, tag, sz;
    if (!walk_uvarint(p, n, &off, &cnt))
        return 0;
    for (uint64_t i = 0; i < cnt; i++) {
        if (!walk_uvarint(p, n, &off, &tag) || !walk_uvarint(p, n, &off, &sz))
            return 0;
        if (sz > n - off)
            return 0;
        off += sz;
    }
    return off;
}

static int decode(const uint8_t *buf, size_t len, bool flex, int32_t *cid, size_t *used)
{
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, len);
    int rc = kr_ResponseHeader_read(&r, flex, cid);
    KR_FUZZ_CHECK(rc == 0 || rc == KR_ETRUNC || rc == KR_EMALFORMED);
    KR_FUZZ_CHECK_EQ(r.err, rc);
    KR_FUZZ_CHECK(r.pos >= buf && r.pos <= buf + len);
    *used = (size_t)(r.pos - buf);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool flex = (data[0] & 1) != 0;
    const uint8_t *buf = data + 1;
    size_t len = size - 1;

    int32_t cid = 0;
    size_t used = 0;
    int rc = decode(buf, len, flex, &cid, &used);
    size_t want = 0;
    if (len >= 4)
        want = flex ? (walk_tags(buf + 4, len - 4) > 0 ? 4 + walk_tags(buf + 4, len - 4) : 0) : 4;
    if (want == 0) {
        KR_FUZZ_CHECK(rc != 0);
        return 0;
    }
    KR_FUZZ_CHECK_EQ(rc, 0);
    KR_FUZZ_CHECK_EQ(used, want);
    uint32_t be =
        ((uint32_t)buf[0] << 24) | ((uint32_t)buf[1] << 16) | ((uint32_t)buf[2] << 8) | buf[3];
    KR_FUZZ_CHECK_EQ(cid, (int32_t)be);
    /* Proper prefixes of the header are refused (all of a short one, some of a long). */
    int32_t cid2;
    size_t used2;
    for (size_t cut = 0; cut < want; cut += want <= 64 ? 1 : want / 16 + 1)
        KR_FUZZ_CHECK(decode(buf, cut, flex, &cid2, &used2) != 0);
    KR_FUZZ_CHECK(decode(buf, want - 1, flex, &cid2, &used2) != 0);
    return 0;
}
